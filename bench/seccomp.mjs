#!/usr/bin/env node
// The cost of the default seccomp filter on `burrow run --rm IMAGE true`:
// default against --security-opt seccomp=unconfined, interleaved medians
// (issue #19: target under 1 ms), with podman's own difference beside it.
// Rootless: run it as an unprivileged user with subordinate ids.
// The filter's size against runc's and crun's: bench/seccomp-size.mjs (root).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { busyboxImageArchive, interleaved, pairedDifference, PODMAN, podmanOverlay, report, rootlessBench, timed } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const IMAGE = 'localhost/bench-seccomp:latest';

const { dir, env } = rootlessBench('seccomp', ['podman', 'umoci', 'skopeo']);
let podmanLoaded = false;
try {
  podmanOverlay();
  const archive = busyboxImageArchive(dir, IMAGE);
  timed([process.execPath, burrow, 'load', '-i', archive], env);
  timed([...PODMAN, 'load', '-i', archive]);
  podmanLoaded = true;
  const run = (extra) => [process.execPath, burrow, 'run', '--rm', '--network', 'none', ...extra, IMAGE, 'true'];
  const podman = (extra) => [...PODMAN, 'run', '--rm', '--network', 'none', ...extra, IMAGE, 'true'];
  // Two interleaved groups: podman leaves its clean-up (`podman container cleanup`) running after it
  // exits, which would land on whichever burrow run came next in one rotation.
  const ours = [
    { name: 'burrow (default filter)', argv: run([]), env },
    { name: 'burrow seccomp=unconfined', argv: run(['--security-opt', 'seccomp=unconfined']), env },
    { name: 'burrow --cap-add SYS_PTRACE', argv: run(['--cap-add', 'SYS_PTRACE']), env },
    // a user without subordinate ids: the fakeroot variant of the default, precompiled by the build too
    { name: 'burrow --userns fakeroot', argv: run(['--userns', 'fakeroot']), env },
    { name: 'burrow --userns fakeroot seccomp=unconfined', argv: run(['--userns', 'fakeroot', '--security-opt', 'seccomp=unconfined']), env },
  ];
  const theirs = [
    { name: 'podman (default filter)', argv: podman([]) },
    { name: 'podman seccomp=unconfined', argv: podman(['--security-opt', 'seccomp=unconfined']) },
  ];
  const samples = ours.map(() => []);
  const m = interleaved(ours, { rounds, samples });
  report(`burrow run --rm --network none IMAGE true: medians of ${rounds} interleaved rounds`, ours, m, 'burrow seccomp=unconfined');
  const p = interleaved(theirs, { rounds });
  report(`podman run --rm --network none IMAGE true: medians of ${rounds} interleaved rounds`, theirs, p, 'podman seccomp=unconfined');
  // Round by round (each round runs every variant once): the noise of this machine (about 2 ms) is larger than the cost.
  const cost = pairedDifference(samples[0], samples[1]);
  const fakeroot = pairedDifference(samples[3], samples[4]);
  console.log(`  the default filter costs burrow ${cost.toFixed(2)} ms (median of the ${rounds} rounds' differences; target < 1 ms), its fakeroot variant ${fakeroot.toFixed(2)} ms; for other capabilities (compiled once, then kept in the runtime directory): ${pairedDifference(samples[2], samples[1]).toFixed(2)} ms`);
  console.log(`  podman's costs it ${(p[0] - p[1]).toFixed(2)} ms; burrow/podman with the default filter: ${(m[0] / p[0]).toFixed(2)}`);
} finally {
  if (podmanLoaded) timed([...PODMAN, 'rmi', IMAGE]);
  spawnSync('unshare', ['--user', '--map-root-user', '--map-auto', 'rm', '-rf', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
