#!/usr/bin/env node
// `burrow commit` against `podman commit` of the same changes: a container of
// the Debian minbase image (bench/load.mjs's archive) that copied /usr to
// /usr2 (about 5,000 files, 120 MB of changes), committed again and again
// into a new image, the tools interleaved; the image is removed after each
// round (not timed). Medians of BENCH_ROUNDS (5) rounds and the ratio.
//
// BENCH_COMMIT_DIR chooses where the stores go (default: the system's
// tmpdir), podman's storage too (a fresh one, --root and --runroot); on this
// project's VM the disk is slow for many small files, so run it on a tmpfs
// too, e.g. BENCH_COMMIT_DIR=/dev/shm.
//
//   sudo node bench/load.mjs     # builds the Debian archive if missing
//   su USER -c 'node bench/commit.mjs'
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { cleanEnv, have, median, output, PODMAN, podmanOverlay, timed } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const ARCHIVE = join(process.env.BURROW_BENCH_CACHE ?? '/var/tmp/burrow-bench', 'debian.tar');
const IMAGE = 'localhost/bench-debian:bookworm';
const CHANGE = 'cp -a /usr /usr2';

if (process.getuid?.() === 0) {
  console.log('commit: skipped as root (both tools are compared rootless): run it as an unprivileged user with subordinate ids');
  process.exit(0);
}
for (const tool of ['podman'])
  if (!have(tool)) {
    console.log(`commit: skipped: ${tool} is not installed`);
    process.exit(0);
  }
if (!existsSync(ARCHIVE)) {
  console.log(`commit: skipped: no ${ARCHIVE} (sudo node bench/load.mjs builds it)`);
  process.exit(0);
}

const dir = mkdtempSync(join(process.env.BENCH_COMMIT_DIR ?? tmpdir(), 'burrow-bench-commit-'));
const env = { ...cleanEnv(), XDG_DATA_HOME: join(dir, 'data'), XDG_RUNTIME_DIR: join(dir, 'run') };
mkdirSync(env.XDG_DATA_HOME);
mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
// podman's own storage in the same place, fresh; and a runtime directory, without which `podman commit` fails
// ("runroot must be set") where the user has none (no login session: su, runuser).
const podman = [...PODMAN, '--root', join(dir, 'podman-root'), '--runroot', join(dir, 'podman-run')];
const penv = { ...cleanEnv(), XDG_RUNTIME_DIR: join(dir, 'podman-xdg') };
mkdirSync(penv.XDG_RUNTIME_DIR, { mode: 0o700 });
const B = (...args) => [process.execPath, burrow, ...args];
const P = (...args) => [...podman, ...args];
const quiet = (argv, e) => spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', env: e });

try {
  podmanOverlay();
  timed(B('load', '-q', '-i', ARCHIVE), env);
  timed(P('load', '-q', '-i', ARCHIVE), penv);
  output(B('run', '--name', 'bench-commit', '--network', 'none', IMAGE, 'sh', '-c', CHANGE), env);
  output(P('run', '--name', 'bench-commit', '--network', 'none', IMAGE, 'sh', '-c', CHANGE), penv);
  const times = { burrow: [], podman: [] };
  for (let round = 0; round < rounds; round++) {
    const steps = [
      ['burrow', () => timed(B('commit', '-q', 'bench-commit', `localhost/bench-commit:${round}`), env), () => quiet(B('rmi', `localhost/bench-commit:${round}`), env)],
      ['podman', () => timed(P('commit', '-q', 'bench-commit', `localhost/bench-commit:${round}`), penv), () => quiet(P('rmi', `localhost/bench-commit:${round}`), penv)],
    ];
    // the order turns each round; each step starts with no dirty pages of the one before
    for (let k = 0; k < steps.length; k++) {
      const [name, step, after] = steps[(k + round) % steps.length];
      spawnSync('sync');
      times[name].push(step());
      after();
    }
  }
  const m = { burrow: median(times.burrow), podman: median(times.podman) };
  console.log(`\ncommit of a Debian container's \`${CHANGE}\` (${dir}), medians of ${rounds} rounds`);
  console.log(`  burrow commit  ${m.burrow.toFixed(0).padStart(6)} ms`);
  console.log(`  podman commit  ${m.podman.toFixed(0).padStart(6)} ms`);
  console.log(`  burrow / podman = ${(m.burrow / m.podman).toFixed(2)}`);
} finally {
  quiet(P('rm', '-f', 'bench-commit'), penv);
  quiet(P('rmi', '-f', IMAGE), penv);
  quiet(B('rm', '-f', 'bench-commit'), env);
  quiet(B('system', 'reset', '--force'), env);
  // (podman's storage and burrow's hold files of subordinate ids)
  quiet(['unshare', '--user', '--map-root-user', '--map-auto', 'rm', '-rf', dir], cleanEnv());
  quiet(['rm', '-rf', dir], cleanEnv());
}
