#!/usr/bin/env node
// `burrow push` against `podman push` and `skopeo copy` (from an OCI
// layout or a docker-archive) of the same image to an empty docker-registry
// on 127.0.0.1: a new registry, in a new directory, for every push. The
// images are bench/pull.mjs's (run it first: it builds and caches them):
//   - big: 6 gzip layers of random bytes, 480 MB in all;
//   - debian: the minbase docker-archive bench/load.mjs builds.
// burrow and podman push what they pulled from a source registry before the
// rounds (so each has the image as its store keeps it); the tools take
// turns; wall and CPU time (user + system, children included, from
// /usr/bin/time) are medians of BENCH_ROUNDS (3); MB/s is the image's
// compressed size over the wall time.
//
//   node bench/push.mjs     (as an unprivileged user with subordinate ids)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanEnv, freePort, have, measured, median, PODMAN, podmanOverlay } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const CACHE = process.env.BURROW_BENCH_CACHE ?? join(tmpdir(), `burrow-bench-pull-${process.getuid?.()}`);
const BIG = join(CACHE, 'big-6x480');
const DEBIAN = join(process.env.BURROW_BENCH_DEBIAN_CACHE ?? '/var/tmp/burrow-bench', 'debian.tar');

function run(file, args, opts = {}) {
  const r = spawnSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}


/** A docker-registry in a new directory under `work`, answering on a free port. */
async function startRegistry(work, label) {
  const dir = mkdtempSync(join(work, `${label}-`));
  const host = `127.0.0.1:${await freePort()}`;
  writeFileSync(join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: ${host}\n`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    if (spawnSync('curl', ['-s', '-o', '/dev/null', `http://${host}/v2/`]).status === 0) break;
    if (i > 200) throw new Error('docker-registry did not start');
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    host,
    stop: () => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}


async function main() {
  for (const tool of ['docker-registry', 'skopeo', 'podman', '/usr/bin/time', 'curl']) if (!have(tool)) throw new Error(`${tool} is not installed`);
  const images = [];
  if (existsSync(join(BIG, 'index.json'))) images.push({ name: 'big', source: `oci:${BIG}:big` });
  else console.log(`(no ${BIG}: run bench/pull.mjs first, which builds it)`);
  if (existsSync(DEBIAN)) images.push({ name: 'debian', source: `docker-archive:${DEBIAN}` });
  else console.log(`(no ${DEBIAN}: the Debian image is skipped; sudo node bench/load.mjs builds it)`);
  const work = mkdtempSync(join(tmpdir(), 'burrow-bench-push-'));
  const env = cleanEnv();
  const burrowEnv = { ...env, XDG_DATA_HOME: join(work, 'burrow-data') };
  const source = await startRegistry(work, 'source');
  try {
    podmanOverlay();
    for (const image of images) {
      const ref = `${source.host}/bench/${image.name}:latest`;
      run('skopeo', ['copy', '-q', '--dest-tls-verify=false', image.source, `docker://${ref}`]);
      const raw = JSON.parse(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]));
      const bytes = raw.layers.reduce((n, l) => n + l.size, 0) + raw.config.size;
      run(process.execPath, [burrow, 'pull', '-q', '--tls-verify=false', ref], { env: burrowEnv });
      run(PODMAN[0], [...PODMAN.slice(1), 'pull', '-q', '--tls-verify=false', ref], { env });
      const results = { burrow: [], podman: [], skopeo: [] };
      const push = {
        burrow: (dest) => measured([process.execPath, burrow, 'push', '-q', '--tls-verify=false', ref, dest], burrowEnv),
        podman: (dest) => measured([...PODMAN, 'push', '-q', '--tls-verify=false', ref, dest], env),
        skopeo: (dest) => measured(['skopeo', 'copy', '-q', '--dest-tls-verify=false', image.source, `docker://${dest}`], env),
      };
      const tools = Object.keys(push);
      for (let r = 0; r < rounds; r++)
        for (let k = 0; k < tools.length; k++) {
          const tool = tools[(k + r) % tools.length];
          const target = await startRegistry(work, 'target');
          try {
            results[tool].push(push[tool](`${target.host}/bench/${image.name}:latest`));
          } finally {
            target.stop();
          }
        }
      const mb = bytes / 1e6;
      console.log(`\npush ${image.name} (${mb.toFixed(0)} MB compressed, ${raw.layers.length} layers) to an empty registry, median of ${rounds} rounds`);
      const podmanWall = median(results.podman.map((x) => x.wall));
      for (const [tool, rs] of Object.entries(results)) {
        const wall = median(rs.map((x) => x.wall));
        const cpu = median(rs.map((x) => x.cpu));
        console.log(`  ${tool.padEnd(8)} ${wall.toFixed(2).padStart(7)} s  ${(mb / wall).toFixed(1).padStart(7)} MB/s  CPU ${cpu.toFixed(2).padStart(6)} s  ${(podmanWall / wall).toFixed(2)}x podman's MB/s`);
      }
      spawnSync(PODMAN[0], [...PODMAN.slice(1), 'rmi', '-f', ref], { env, stdio: 'ignore' });
    }
  } finally {
    source.stop();
    spawnSync('unshare', ['--user', '--map-root-user', '--map-auto', 'rm', '-rf', work], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
