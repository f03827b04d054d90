#!/usr/bin/env node
// `burrow pull` against `podman pull` and `skopeo copy docker://... oci:DIR`
// (which does not unpack) from a docker-registry started here on
// 127.0.0.1, for two images:
//   - big: BENCH_PULL_LAYERS (6) gzip layers of BENCH_PULL_MB (480) MB of
//     random bytes in all, built once and cached;
//   - debian: the minbase docker-archive bench/load.mjs builds (skipped
//     when it is not there).
// Each round pulls into an empty store (burrow: a fresh XDG_DATA_HOME;
// podman: the image removed first; skopeo: a fresh directory), the tools
// interleaved. Wall time and CPU time (user + system, children included,
// from /usr/bin/time) are medians of BENCH_ROUNDS (3) rounds; MB/s is the
// image's compressed size over the wall time.
//
// Then, for each image, a resumed pull: burrow pulls through a counting
// proxy, is killed (SIGKILL) once half the image's bytes have passed, and
// pulls again; the bytes the registry sent in all, over the image's size
// (the target: at most 1.1).
//
//   node bench/pull.mjs     (as an unprivileged user with subordinate ids)
import { spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanEnv, freePort, have, measured, median, PODMAN, podmanOverlay, randomImageCache, randomImageLayout } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const layers = Number(process.env.BENCH_PULL_LAYERS ?? 6);
const totalMb = Number(process.env.BENCH_PULL_MB ?? 480);
const DEBIAN = join(process.env.BURROW_BENCH_DEBIAN_CACHE ?? '/var/tmp/burrow-bench', 'debian.tar');

function run(file, args, opts = {}) {
  const r = spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

/** A TCP proxy to `target` on a free port that counts the bytes the target sends. */
async function countingProxy(target) {
  const [host, port] = target.split(':');
  const proxy = { sent: 0, server: undefined, port: 0 };
  proxy.server = createServer((client) => {
    const upstream = connect(Number(port), host);
    upstream.on('data', (d) => (proxy.sent += d.length));
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise((r) => proxy.server.listen(0, '127.0.0.1', r));
  proxy.port = proxy.server.address().port;
  return proxy;
}

/** burrow pull killed at half the bytes, then again: the bytes sent in all. */
async function resumedPull(registryHost, image, bytes, env, work) {
  const proxy = await countingProxy(registryHost);
  const ref = `127.0.0.1:${proxy.port}/bench/${image}:latest`;
  const data = join(work, 'burrow-resume');
  const penv = { ...env, XDG_DATA_HOME: data };
  try {
    const child = spawn(process.execPath, [burrow, 'pull', '-q', '--tls-verify=false', ref], { env: penv, stdio: 'ignore' });
    const ended = new Promise((r) => child.once('exit', r));
    let killedAt = 0;
    while (child.exitCode === null && child.signalCode === null) {
      if (proxy.sent >= bytes / 2) {
        killedAt = proxy.sent;
        child.kill('SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    await ended;
    if (killedAt === 0) throw new Error('the pull ended before half the image had come');
    // Not spawnSync: the proxy lives in this process's event loop.
    const again = spawn(process.execPath, [burrow, 'pull', '-q', '--tls-verify=false', ref], { env: penv, stdio: ['ignore', 'ignore', 'inherit'] });
    const status = await new Promise((r) => again.once('exit', r));
    if (status !== 0) throw new Error(`the resumed pull failed (${status})`);
    return { killedAt, total: proxy.sent };
  } finally {
    proxy.server.close();
    spawnSync(process.execPath, [burrow, 'rmi', '-a', '-f'], { env: penv, stdio: 'ignore' });
    rmSync(data, { recursive: true, force: true });
  }
}

async function main() {
  for (const tool of ['docker-registry', 'skopeo', 'podman', '/usr/bin/time']) if (!have(tool)) throw new Error(`${tool} is not installed`);
  const work = mkdtempSync(join(tmpdir(), 'burrow-bench-pull-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  writeFileSync(
    join(work, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'registry')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n`,
  );
  const registry = spawn('docker-registry', ['serve', join(work, 'config.yml')], { stdio: 'ignore' });
  try {
    for (let i = 0; ; i++) {
      if (spawnSync('curl', ['-s', '-o', '/dev/null', `http://${host}/v2/`]).status === 0) break;
      if (i > 100) throw new Error('docker-registry did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    podmanOverlay();
    const images = [{ name: 'big', source: `oci:${randomImageLayout(randomImageCache(), layers, totalMb)}:big` }];
    if (existsSync(DEBIAN)) images.push({ name: 'debian', source: `docker-archive:${DEBIAN}` });
    else console.log(`(no ${DEBIAN}: the Debian image is skipped; sudo node bench/load.mjs builds it)`);
    for (const image of images) {
      const ref = `${host}/bench/${image.name}:latest`;
      run('skopeo', ['copy', '-q', '--dest-tls-verify=false', image.source, `docker://${ref}`]);
      const raw = JSON.parse(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]));
      const bytes = raw.layers.reduce((n, l) => n + l.size, 0) + raw.config.size;
      const env = cleanEnv();
      const results = { burrow: [], podman: [], skopeo: [] };
      for (let r = 0; r < rounds; r++) {
        const data = join(work, `burrow-${r}`);
        // Each tool starts with no dirty pages of the one before (their writeback slowed whichever came next on a disk).
        spawnSync('sync');
        results.burrow.push(measured([process.execPath, burrow, 'pull', '-q', '--tls-verify=false', ref], { ...env, XDG_DATA_HOME: data }));
        spawnSync(process.execPath, [burrow, 'rmi', '-a', '-f'], { env: { ...env, XDG_DATA_HOME: data }, stdio: 'ignore' });
        rmSync(data, { recursive: true, force: true });
        spawnSync(PODMAN[0], [...PODMAN.slice(1), 'rmi', '-f', ref], { env, stdio: 'ignore' });
        spawnSync('sync');
        results.podman.push(measured([...PODMAN, 'pull', '-q', '--tls-verify=false', ref], env));
        spawnSync(PODMAN[0], [...PODMAN.slice(1), 'rmi', '-f', ref], { env, stdio: 'ignore' });
        const out = join(work, `skopeo-${r}`);
        spawnSync('sync');
        results.skopeo.push(measured(['skopeo', 'copy', '-q', '--src-tls-verify=false', `docker://${ref}`, `oci:${out}:x`], env));
        rmSync(out, { recursive: true, force: true });
      }
      const mb = bytes / 1e6;
      console.log(`\npull ${image.name} (${mb.toFixed(0)} MB compressed, ${raw.layers.length} layers), median of ${rounds} rounds`);
      const podmanWall = median(results.podman.map((x) => x.wall));
      for (const [tool, rs] of Object.entries(results)) {
        const wall = median(rs.map((x) => x.wall));
        const cpu = median(rs.map((x) => x.cpu));
        console.log(`  ${tool.padEnd(8)} ${wall.toFixed(2).padStart(7)} s  ${(mb / wall).toFixed(1).padStart(7)} MB/s  CPU ${cpu.toFixed(2).padStart(6)} s  ${(podmanWall / wall).toFixed(2)}x podman's MB/s`);
      }
      const resumed = await resumedPull(host, image.name, bytes, env, work);
      console.log(
        `  resumed  killed at ${(resumed.killedAt / 1e6).toFixed(0)} MB, ${(resumed.total / 1e6).toFixed(0)} MB sent in all: ${(resumed.total / bytes).toFixed(3)}x the image (target <= 1.1)`,
      );
    }
  } finally {
    registry.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
