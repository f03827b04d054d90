#!/usr/bin/env node
// `burrow run --rm IMAGE true` against `podman run --rm IMAGE true` on the same
// busybox image (issue #3: target burrow/podman <= 0.4). Rootless on both sides:
// run it as an unprivileged user with subordinate ids. podman runs with
// --runtime runc --cgroup-manager cgroupfs in every call, on overlay storage.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { busyboxImageArchive, cleanEnv, have, interleaved, PODMAN, podmanOverlay, report, timed } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 20);
const IMAGE = 'localhost/bench-busybox:latest';

if (process.getuid?.() === 0) {
  console.log('run-image: skipped as root (both tools are compared rootless): run it as an unprivileged user with subordinate ids, e.g. `su burrowtest -c "node bench/run-image.mjs"`');
  process.exit(0);
}
for (const tool of ['podman', 'umoci', 'skopeo'])
  if (!have(tool)) {
    console.log(`run-image: skipped: ${tool} is not installed`);
    process.exit(0);
  }

const dir = mkdtempSync(join(tmpdir(), 'burrow-bench-image-'));
const burrowEnv = { ...cleanEnv(), XDG_DATA_HOME: join(dir, 'data'), XDG_RUNTIME_DIR: join(dir, 'run') };
mkdirSync(burrowEnv.XDG_DATA_HOME);
mkdirSync(burrowEnv.XDG_RUNTIME_DIR, { mode: 0o700 });
let podmanLoaded = false;
try {
  const driver = podmanOverlay();
  const archive = busyboxImageArchive(dir, IMAGE);
  timed([process.execPath, burrow, 'load', '-i', archive], burrowEnv);
  timed([...PODMAN, 'load', '-i', archive]);
  podmanLoaded = true;
  const commands = [
    { name: 'burrow run --rm', argv: [process.execPath, burrow, 'run', '--rm', IMAGE, 'true'], env: burrowEnv },
    { name: 'podman run --rm', argv: [...PODMAN, 'run', '--rm', IMAGE, 'true'] },
    // burrow's default network is none; podman's is slirp4netns/pasta: the same run without it
    { name: 'podman run --rm --network none', argv: [...PODMAN, 'run', '--rm', '--network', 'none', IMAGE, 'true'] },
  ];
  const medians = interleaved(commands, { rounds });
  report(`run --rm IMAGE true (podman: ${PODMAN.slice(1).join(' ')}, ${driver} storage): medians of ${rounds} interleaved rounds`, commands, medians, 'podman run --rm');
  console.log(`  burrow/podman = ${(medians[0] / medians[1]).toFixed(2)} (target <= 0.40); burrow/podman --network none = ${(medians[0] / medians[2]).toFixed(2)}`);
} finally {
  if (podmanLoaded) timed([...PODMAN, 'rmi', IMAGE]);
  // the store holds files of subordinate ids: remove it in a user namespace
  spawnSync('unshare', ['--user', '--map-root-user', '--map-auto', 'rm', '-rf', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
