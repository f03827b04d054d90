#!/usr/bin/env node
// `burrow load -i debian.tar` against `podman load -i debian.tar` on a
// Debian-sized docker-archive (debootstrap --variant=minbase bookworm), with
// GNU `tar -x` of the same layer as a floor. Each round loads into a fresh
// empty burrow store and removes the image from podman afterwards; the
// median of the rounds and the ratio are printed. Beside them, the
// unpacker that load and pull share, alone (burrow's unpack worker on the
// layer, in a user namespace with the subordinate ids), against GNU tar in
// the same namespace (owners kept, device nodes left out as a rootless
// unpack must). Then an image of BENCH_PULL_LAYERS (6) big layers,
// BENCH_PULL_MB (480) MB of random bytes in all (bench/pull.mjs's, kept in
// its cache), as a docker-archive (plain layers) and an oci-archive (gzip),
// loaded by burrow and by podman (layers taken side by side by both), with
// -i and from a pipe (`cat FILE | burrow load`).
//
// BENCH_LOAD_DIR chooses where the stores and trees go (default: the
// system's tmpdir): on this project's VM the disk is slow for many small
// files, so run it on a tmpfs too, e.g. BENCH_LOAD_DIR=/dev/shm; podman's
// storage is then put there as well (--root, --runroot).
//
// The archive is built once, as root (debootstrap needs root and a Debian
// mirror), and cached: /var/tmp/burrow-bench/debian.tar. The comparison runs
// rootless, as an unprivileged user with subordinate ids:
//
//   sudo node bench/load.mjs            # builds the archive if missing
//   su USER -c 'node bench/load.mjs'    # measures
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanEnv, have, median, PODMAN, podmanOverlay, randomImageCache, randomImageLayout, timed } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const CACHE = process.env.BURROW_BENCH_CACHE ?? '/var/tmp/burrow-bench';
const ARCHIVE = join(CACHE, 'debian.tar');
const IMAGE = 'localhost/bench-debian:bookworm';
const isRoot = process.getuid?.() === 0;
const MULTI_LAYERS = Number(process.env.BENCH_PULL_LAYERS ?? 6);
const MULTI_MB = Number(process.env.BENCH_PULL_MB ?? 480);
const MULTI_IMAGE = 'localhost/bench-multi:latest';

function run(file, args, opts = {}) {
  const r = spawnSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
}

/** debootstrap -> umoci (as root: owners kept) -> skopeo docker-archive, into the cache. */
function buildArchive() {
  for (const tool of ['debootstrap', 'umoci', 'skopeo']) if (!have(tool)) throw new Error(`${tool} is not installed (apt-get install ${tool})`);
  mkdirSync(CACHE, { recursive: true });
  chmodSync(CACHE, 0o755);
  const rootfs = join(CACHE, 'debian-rootfs');
  if (!existsSync(join(rootfs, 'etc', 'debian_version'))) {
    console.log(`building ${rootfs}: debootstrap --variant=minbase bookworm (a few minutes)`);
    run('debootstrap', ['--variant=minbase', 'bookworm', rootfs]);
  }
  const work = mkdtempSync(join(CACHE, 'build-'));
  try {
    const layout = join(work, 'layout');
    run('umoci', ['init', '--layout', layout]);
    run('umoci', ['new', '--image', `${layout}:debian`]);
    // unpack + copy + repack (as root: owners kept). Not `umoci insert`, whose layer starts with an entry named `/`.
    const bundle = join(work, 'bundle');
    run('umoci', ['unpack', '--image', `${layout}:debian`, bundle]);
    run('cp', ['-a', `${rootfs}/.`, join(bundle, 'rootfs')]);
    run('umoci', ['repack', '--image', `${layout}:debian`, bundle]);
    run('umoci', ['config', '--image', `${layout}:debian`, '--config.cmd', '/bin/bash', '--config.env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    const tmp = join(work, 'debian.tar');
    run('skopeo', ['copy', '--quiet', `oci:${layout}:debian`, `docker-archive:${tmp}:${IMAGE}`]);
    chmodSync(tmp, 0o644);
    renameSync(tmp, ARCHIVE);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`built ${ARCHIVE}`);
}

if (!existsSync(ARCHIVE) && isRoot) buildArchive();
if (isRoot) {
  console.log(`load: ${ARCHIVE} is ready; the comparison runs rootless: run this as an unprivileged user with subordinate ids (e.g. \`su burrowtest -c "node bench/load.mjs"\`).`);
  process.exit(0);
}
if (!have('podman')) {
  console.log('load: skipped: podman is not installed');
  process.exit(0);
}

const dir = mkdtempSync(join(process.env.BENCH_LOAD_DIR ?? tmpdir(), 'burrow-bench-load-'));
// The multi-layer image as a layout directory: podman names the image it loads from a directory
// after the path, which must be lower case (mkdtemp's is not).
const ociDir = join(process.env.BENCH_LOAD_DIR ?? tmpdir(), `burrow-bench-load-oci-${process.pid}`);
const podman = process.env.BENCH_LOAD_DIR ? [...PODMAN, '--root', join(dir, 'podman-root'), '--runroot', join(dir, 'podman-run')] : PODMAN;
const userns = ['unshare', '--user', '--map-root-user', '--map-auto'];
/** Removes a tree that holds files of subordinate ids (in a user namespace that maps them). */
const removeTree = (path) => {
  spawnSync('unshare', ['--user', '--map-root-user', '--map-auto', 'rm', '-rf', path], { stdio: 'ignore' });
  rmSync(path, { recursive: true, force: true });
};
/** The Debian archive: burrow load and podman load, and the unpacker alone against tar -x. */
function debian(driver) {
  spawnSync(podman[0], [...podman.slice(1), 'rmi', '--ignore', IMAGE], { stdio: 'ignore' });
  const manifest = JSON.parse(spawnSync('tar', ['-xOf', ARCHIVE, 'manifest.json'], { encoding: 'utf8', maxBuffer: 1 << 26 }).stdout);
  const layerName = manifest[0].Layers[0];
  run('tar', ['-xf', ARCHIVE, '-C', dir, layerName]);
  const layer = join(dir, layerName);
  const entries = spawnSync('sh', ['-c', `tar -tf '${layer}' | wc -l`], { encoding: 'utf8' }).stdout.trim();
  const mb = (readFileSync(ARCHIVE).length / 1e6).toFixed(0);

  const times = { burrow: [], podman: [], tar: [], unpack: [] };
  for (let round = 0; round < rounds; round++) {
    const store = join(dir, `store-${round}`);
    const env = { ...cleanEnv(), XDG_DATA_HOME: join(store, 'data'), XDG_RUNTIME_DIR: join(store, 'run') };
    mkdirSync(env.XDG_DATA_HOME, { recursive: true });
    mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
    const untar = join(dir, `untar-${round}`);
    mkdirSync(untar);
    const unpacked = join(dir, `unpack-${round}`);
    mkdirSync(unpacked);
    const steps = [
      ['burrow', () => timed([process.execPath, burrow, 'load', '-i', ARCHIVE], env)],
      ['podman', () => timed([...podman, 'load', '-i', ARCHIVE])],
      ['tar', () => timed([...userns, 'tar', '-xf', layer, '-C', untar, '--exclude=dev/*'])],
      ['unpack', () => timed([...userns, 'sh', '-c', `exec "$0" "$1" --internal-worker unpack "$2" < "$3" > /dev/null`, process.execPath, burrow, join(unpacked, 'diff'), layer])],
    ];
    // rotate the order each round, as interleaved() does
    for (let k = 0; k < steps.length; k++) {
      const [name, fn] = steps[(k + round) % steps.length];
      // Each step starts with no dirty pages of the one before (on a disk, their writeback slowed whichever came next).
      spawnSync('sync');
      times[name].push(fn());
    }
    run(podman[0], [...podman.slice(1), 'rmi', IMAGE]);
    removeTree(store);
    removeTree(untar);
    removeTree(unpacked);
  }
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  console.log(
    `\nload -i debian.tar (${mb} MB docker-archive, one layer of ${entries} entries; in ${process.env.BENCH_LOAD_DIR ?? tmpdir()}; podman: ${podman.slice(1).join(' ')}, ${driver} storage): medians of ${rounds} rounds`,
  );
  for (const [name, label] of [['burrow', 'burrow load'], ['podman', 'podman load'], ['tar', 'tar -x of the layer'], ['unpack', "burrow's unpacker"]])
    console.log(`  ${label.padEnd(20)} ${m[name].toFixed(0).padStart(7)} ms  ${(m[name] / m.podman).toFixed(2)}x podman load   (rounds: ${times[name].map((t) => t.toFixed(0)).join(' ')})`);
  console.log(`  podman load / burrow load = ${(m.podman / m.burrow).toFixed(2)} (target >= 1.5); burrow's unpacker / tar -x = ${(m.unpack / m.tar).toFixed(2)} (target <= 1.2)`);
}

/** An image of several big layers (bench/pull.mjs's), as a docker-archive (plain layers), an oci-archive and an OCI layout directory (gzip): burrow load and podman load. */
function multiLayer(driver) {
  const layout = randomImageLayout(randomImageCache(), MULTI_LAYERS, MULTI_MB);
  const archives = { 'docker-archive': join(dir, 'multi-docker.tar'), 'oci-archive': join(dir, 'multi-oci.tar'), 'oci-dir': ociDir };
  run('skopeo', ['copy', '--quiet', `oci:${layout}:big`, `docker-archive:${archives['docker-archive']}:${MULTI_IMAGE}`]);
  run('skopeo', ['copy', '--quiet', `oci:${layout}:big`, `oci-archive:${archives['oci-archive']}:${MULTI_IMAGE}`]);
  run('skopeo', ['copy', '--quiet', `oci:${layout}:big`, `oci:${archives['oci-dir']}:${MULTI_IMAGE}`]);
  // podman names an image loaded from a directory after the directory: removed by its id (the config's digest)
  const blob = (digest) => JSON.parse(readFileSync(join(layout, 'blobs', ...digest.split(':')), 'utf8'));
  const imageId = blob(JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')).manifests[0].digest).config.digest.split(':')[1];
  for (const [kind, archive] of Object.entries(archives)) {
    // An archive also from a pipe (`cat FILE | burrow load`): read as a stream, not walked in place.
    const piped = kind !== 'oci-dir';
    const times = { burrow: [], podman: [], ...(piped ? { 'burrow-pipe': [], 'podman-pipe': [] } : {}) };
    for (let round = 0; round < rounds; round++) {
      // each burrow load into an empty store of its own
      const stores = [join(dir, `multi-store-${round}`), join(dir, `multi-store-pipe-${round}`)];
      const [env, pipeEnv] = stores.map((store) => {
        const e = { ...cleanEnv(), XDG_DATA_HOME: join(store, 'data'), XDG_RUNTIME_DIR: join(store, 'run') };
        mkdirSync(e.XDG_DATA_HOME, { recursive: true });
        mkdirSync(e.XDG_RUNTIME_DIR, { mode: 0o700 });
        return e;
      });
      const fromPipe = (argv) => ['sh', '-c', 'cat "$0" | "$@"', archive, ...argv, 'load'];
      const steps = [
        ['burrow', () => timed([process.execPath, burrow, 'load', '-i', archive], env)],
        ['podman', () => timed([...podman, 'load', '-i', archive])],
        ...(piped
          ? [
              ['burrow-pipe', () => timed(fromPipe([process.execPath, burrow]), pipeEnv)],
              ['podman-pipe', () => timed(fromPipe(podman))],
            ]
          : []),
      ];
      for (let k = 0; k < steps.length; k++) {
        const [name, fn] = steps[(k + round) % steps.length];
        spawnSync('sync');
        times[name].push(fn());
        if (name.startsWith('podman')) spawnSync(podman[0], [...podman.slice(1), 'rmi', '-f', '--ignore', imageId], { stdio: 'ignore' });
      }
      for (const store of stores) removeTree(store);
    }
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    console.log(`\nload, ${kind}, ${MULTI_LAYERS} layers, ${MULTI_MB} MB of random bytes (podman: ${driver} storage): medians of ${rounds} rounds`);
    const labels = { burrow: 'burrow load -i', podman: 'podman load -i', 'burrow-pipe': 'cat | burrow load', 'podman-pipe': 'cat | podman load' };
    for (const name of Object.keys(times)) console.log(`  ${labels[name].padEnd(20)} ${m[name].toFixed(0).padStart(7)} ms   (rounds: ${times[name].map((t) => t.toFixed(0)).join(' ')})`);
    console.log(`  podman load / burrow load = ${(m.podman / m.burrow).toFixed(2)}${piped ? `; from a pipe: ${(m['podman-pipe'] / m['burrow-pipe']).toFixed(2)}` : ''}`);
  }
}

try {
  const driver = podmanOverlay();
  if (existsSync(ARCHIVE)) debian(driver);
  else console.log(`load: the Debian archive is skipped: no ${ARCHIVE}. Build it once as root (debootstrap needs root and a Debian mirror): \`sudo node bench/load.mjs\`, then run this as an unprivileged user.`);
  if (have('skopeo')) multiLayer(driver);
  else console.log('load: the multi-layer image is skipped: skopeo is not installed');
} finally {
  removeTree(dir);
  removeTree(ociDir);
}
