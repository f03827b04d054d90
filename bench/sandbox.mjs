#!/usr/bin/env node
// `burrow sandbox` against bwrap and `node -e 0` (issue #20): the same command line under each,
// `--unshare-all --ro-bind / / --proc /proc --dev /dev true` (target <= 1.3x node -e 0), and 2,000 --bind
// options (bwrap's known quadratic cost). Interleaved rounds, medians, ratios from the same run.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { have, interleaved, report } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const line = ['--unshare-all', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', 'true'];
const commands = [
  { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
  { name: 'burrow sandbox', argv: [burrow, 'sandbox', ...line] },
];
if (have('bwrap')) commands.push({ name: 'bwrap', argv: ['bwrap', ...line] });
else console.log('(bwrap is not installed: no bwrap figure)');
const medians = interleaved(commands, { rounds });
report(`sandbox ${line.join(' ')}: medians of ${rounds} interleaved rounds`, commands, medians, 'node -e 0');
console.log(`  burrow sandbox/node -e 0 = ${(medians[1] / medians[0]).toFixed(2)} (target <= 1.30)`);

// Where user namespaces are refused: the Landlock-and-seccomp sandbox, inside a bwrap that allows no more
// user namespaces (--disable-userns), against `node -e 0` there; Sandlock publishes about 5 ms for its own start.
if (have('bwrap')) {
  const outer = ['bwrap', '--unshare-user', '--disable-userns', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-pid'];
  const inner = ['--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', '--dev', '/dev', 'true'];
  const fallback = [
    { name: 'node -e 0 (inside)', argv: [...outer, process.execPath, '-e', '0'] },
    { name: 'burrow sandbox, no userns', argv: [...outer, burrow, 'sandbox', ...inner] },
    { name: 'the outer bwrap alone', argv: [...outer, 'true'] },
  ];
  const f = interleaved(fallback, { rounds });
  report(`Landlock and seccomp only (user namespaces refused): medians of ${rounds} interleaved rounds`, fallback, f, 'node -e 0 (inside)');
  console.log(`  burrow's own cost above node -e 0: ${(f[1] - f[0]).toFixed(1)} ms (Sandlock's published start: about 5 ms)`);
}

// 2,000 binds of directories under a tmpfs.
const dir = mkdtempSync(join(tmpdir(), 'burrow-bench-binds-'));
try {
  const binds = ['--ro-bind', '/', '/', '--tmpfs', '/mnt'];
  for (let i = 0; i < 2000; i++) {
    mkdirSync(join(dir, `d${i}`));
    binds.push('--bind', join(dir, `d${i}`), `/mnt/d${i}`);
  }
  const many = [{ name: 'burrow sandbox', argv: [burrow, 'sandbox', ...binds, 'true'] }];
  if (have('bwrap')) many.push({ name: 'bwrap', argv: ['bwrap', ...binds, 'true'] });
  const few = Math.max(3, Math.round(rounds / 8));
  const m = interleaved(many, { rounds: few, warmup: 1 });
  report(`2,000 --bind options: medians of ${few} interleaved rounds`, many, m, 'burrow sandbox');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
