// Shared by the benchmarks: interleaved runs, medians, ratios. Not tests: they print figures.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';

/** The environment a user's machine has: no NODE_EXTRA_CA_CERTS (it adds ~85 ms to every Node start here). */
export function cleanEnv() {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export function have(program) {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** A busybox root filesystem (Debian's busybox-static) in a fresh temp dir. */
export function busyboxRootfs() {
  const root = mkdtempSync(join(tmpdir(), 'burrow-bench-rootfs-'));
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root']) mkdirSync(join(root, d));
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  chmodSync(join(root, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'true', 'false', 'echo', 'cat', 'ls']) symlinkSync('busybox', join(root, 'bin', applet));
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\n');
  return root;
}

/**
 * Runs every command `rounds` times, interleaved (one of each per round, order
 * rotating), after `warmup` untimed rounds. Returns the median wall time of each, in ms.
 * A command may carry its own `env` (e.g. burrow's XDG_DATA_HOME); the default is `env`.
 */
export function interleaved(commands, { rounds = 30, warmup = 3, env = cleanEnv(), samples } = {}) {
  const times = samples ?? commands.map(() => []);
  for (let round = 0; round < warmup + rounds; round++) {
    for (let k = 0; k < commands.length; k++) {
      const i = (k + round) % commands.length;
      const [file, ...args] = commands[i].argv;
      const start = process.hrtime.bigint();
      const r = spawnSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env: commands[i].env ?? env });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) throw new Error(`${commands[i].name} failed (${r.status}): ${r.stderr}`);
      if (round >= warmup) times[i].push(ms);
    }
  }
  return times.map(median);
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * The median of the round-by-round differences a[i] - b[i] of two commands
 * timed in the same rounds (interleaved's `samples`): steadier than the
 * difference of their medians when the machine's noise is larger than the
 * difference looked for.
 */
export function pairedDifference(a, b) {
  return median(a.map((t, i) => t - b[i]));
}

/** Prints a table of medians and the ratio of each to `base` (by name). */
export function report(title, commands, medians, base) {
  const b = medians[commands.findIndex((c) => c.name === base)];
  console.log(`\n${title}`);
  const width = Math.max(...commands.map((c) => c.name.length));
  commands.forEach((c, i) => {
    console.log(`  ${c.name.padEnd(width)}  ${medians[i].toFixed(1).padStart(7)} ms  ${(medians[i] / b).toFixed(2)}x ${base}`);
  });
}

/**
 * A docker-archive of a busybox image (the rootfs above), made as other tools
 * make one: umoci (rootless) into an OCI layout, skopeo copy to a
 * docker-archive named `name`. Returns the archive's path.
 */
export function busyboxImageArchive(dir, name = 'localhost/bench-busybox:latest') {
  const rootfs = busyboxRootfs();
  const layout = join(dir, 'layout');
  const bundle = join(dir, 'bundle');
  const run = (file, args) => {
    const r = spawnSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed: ${r.stderr}`);
  };
  try {
    run('umoci', ['init', '--layout', layout]);
    run('umoci', ['new', '--image', `${layout}:bench`]);
    run('umoci', ['unpack', '--rootless', '--image', `${layout}:bench`, bundle]);
    run('cp', ['-a', `${rootfs}/.`, join(bundle, 'rootfs')]);
    run('umoci', ['repack', '--image', `${layout}:bench`, bundle]);
    run('umoci', ['config', '--image', `${layout}:bench`, '--config.cmd', '/bin/sh', '--config.env', 'PATH=/bin']);
    const archive = join(dir, 'busybox.tar');
    run('skopeo', ['copy', '--quiet', `oci:${layout}:bench`, `docker-archive:${archive}:${name}`]);
    return archive;
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/** podman as the benchmarks run it: the same runtime flags in every call. */
export const PODMAN = ['podman', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs'];

/**
 * podman picks the slow vfs driver for a user without storage.conf; the
 * benchmarks compare against overlay. Writes ~/.config/containers/storage.conf
 * when it is absent (saying so) and returns the driver podman reports.
 */
export function podmanOverlay() {
  const home = process.env.HOME ?? homedir();
  const dir = join(process.env.XDG_CONFIG_HOME || join(home, '.config'), 'containers');
  const conf = join(dir, 'storage.conf');
  if (!existsSync(conf)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(conf, '[storage]\ndriver = "overlay"\n');
    console.log(`(wrote ${conf}: driver = "overlay", so that podman does not use vfs)`);
  }
  const r = spawnSync(PODMAN[0], [...PODMAN.slice(1), 'info', '--format', '{{.Store.GraphDriverName}}'], { encoding: 'utf8', env: cleanEnv() });
  const driver = r.status === 0 ? r.stdout.trim() : `unknown (podman info: ${r.stderr.trim().split('\n').pop()})`;
  if (driver !== 'overlay')
    console.log(`(podman uses the ${driver} driver, not overlay: its storage was made with another driver; \`podman system reset\` starts it again with ${conf})`);
  return driver;
}

/** Runs a command once and returns its wall time in ms; throws on failure. */
export function timed(argv, env = cleanEnv()) {
  const [file, ...args] = argv;
  const start = process.hrtime.bigint();
  const r = spawnSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

/** A TCP port free on 127.0.0.1 now. */
export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** `argv` under /usr/bin/time: wall and CPU seconds (user + system, children included). */
export function measured(argv, env) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, cpu: user + sys };
}

/**
 * A rootless comparison's start: skipped (exit 0, saying why) as root or without one of `tools`;
 * else a fresh burrow store in a temp dir: { dir, env } (XDG_DATA_HOME, XDG_RUNTIME_DIR set).
 */
export function rootlessBench(name, tools) {
  if (process.getuid?.() === 0) {
    console.log(`${name}: skipped as root (both tools are compared rootless): run it as an unprivileged user with subordinate ids`);
    process.exit(0);
  }
  for (const tool of tools)
    if (!have(tool)) {
      console.log(`${name}: skipped: ${tool} is not installed`);
      process.exit(0);
    }
  const dir = mkdtempSync(join(tmpdir(), `burrow-bench-${name}-`));
  const env = { ...cleanEnv(), XDG_DATA_HOME: join(dir, 'data'), XDG_RUNTIME_DIR: join(dir, 'run') };
  mkdirSync(env.XDG_DATA_HOME);
  mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
  return { dir, env };
}

/** A command's trimmed stdout; throws with its stderr when it fails. */
export function output(argv, env = cleanEnv()) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

const sha = (b) => createHash('sha256').update(b).digest('hex');

/** A tar of one file (ustar header + data + padding + end). */
function tarOf(name, data) {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('14000000000\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\x0000', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([h, data, pad, Buffer.alloc(1024)]);
}

/** Where randomImageLayout keeps its images: BURROW_BENCH_CACHE, else a directory of the user's in the tmpdir. */
export function randomImageCache() {
  return process.env.BURROW_BENCH_CACHE ?? join(tmpdir(), `burrow-bench-pull-${process.getuid?.()}`);
}

/**
 * An image of `layers` gzip layers of `totalMb` MB of random bytes in all (one file each), as an OCI
 * layout `big-LAYERSxMB` in `cache`, its reference `big`: built once (bench/pull.mjs, bench/load.mjs).
 */
export function randomImageLayout(cache, layers, totalMb) {
  const dir = join(cache, `big-${layers}x${totalMb}`);
  if (existsSync(join(dir, 'index.json'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b) => {
    const d = sha(b);
    writeFileSync(join(dir, 'blobs', 'sha256', d), b);
    return d;
  };
  const descs = [];
  const diffIds = [];
  for (let i = 0; i < layers; i++) {
    const tar = tarOf(`data-${i}`, randomBytes(Math.floor((totalMb * 1e6) / layers)));
    diffIds.push(`sha256:${sha(tar)}`);
    const gz = gzipSync(tar, { level: 1 });
    descs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${put(gz)}`, size: gz.length });
  }
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/data-0'] }, rootfs: { type: 'layers', diff_ids: diffIds } }));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${put(config)}`, size: config.length },
      layers: descs,
    }),
  );
  const md = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${md}`, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'big' } }] }),
  );
  return dir;
}
