#!/usr/bin/env node
// `burrow run --rootfs ROOT true` against bwrap and `node -e 0` (issue #2: target <= 1.4x node -e 0).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { busyboxRootfs, have, interleaved, report } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 40);
const root = busyboxRootfs();
try {
  const commands = [
    { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
    { name: 'burrow run --rootfs', argv: [burrow, 'run', '--rootfs', root, 'true'] },
  ];
  if (have('bwrap'))
    commands.push({ name: 'bwrap --unshare-all', argv: ['bwrap', '--unshare-all', '--ro-bind', root, '/', '--proc', '/proc', '--dev', '/dev', 'true'] });
  else console.log('(bwrap is not installed: no bwrap figure)');
  const medians = interleaved(commands, { rounds });
  report(`run --rootfs ROOT true: medians of ${rounds} interleaved rounds`, commands, medians, 'node -e 0');
  console.log(`  burrow/node -e 0 = ${(medians[1] / medians[0]).toFixed(2)} (target <= 1.40)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
