#!/usr/bin/env node
// The whole CLI's start (dist/burrow.cjs, clipanion loaded only where needed) against `node -e 0`:
// `images` and `ps -a` on an empty store, `--help` (drawn from the command manifest), and a `run`
// line the fast path leaves to clipanion (`--`). `bench/run-rootfs.mjs` measures the fast path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { busyboxRootfs, cleanEnv, interleaved, report } from './lib.mjs';

const burrow = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'burrow.cjs');
const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const root = busyboxRootfs();
const data = mkdtempSync(join(tmpdir(), 'burrow-bench-store-'));
try {
  const commands = [
    { name: 'node -e 0', argv: [process.execPath, '-e', '0'] },
    { name: 'burrow images', argv: [burrow, 'images'] },
    { name: 'burrow ps -a', argv: [burrow, 'ps', '-a'] },
    { name: 'burrow --help', argv: [burrow, '--help'] },
    { name: 'burrow run --rootfs -- true', argv: [burrow, 'run', '--rootfs', root, '--', 'true'] },
  ];
  const medians = interleaved(commands, { rounds, env: { ...cleanEnv(), XDG_DATA_HOME: data } });
  report(`the whole CLI's start: medians of ${rounds} interleaved rounds`, commands, medians, 'node -e 0');
} finally {
  rmSync(root, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
}
