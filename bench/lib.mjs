// Shared by the benchmarks: interleaved runs, medians, ratios. Not tests: they print figures.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 */
export function interleaved(commands, { rounds = 30, warmup = 3, env = cleanEnv() } = {}) {
  const times = commands.map(() => []);
  for (let round = 0; round < warmup + rounds; round++) {
    for (let k = 0; k < commands.length; k++) {
      const i = (k + round) % commands.length;
      const [file, ...args] = commands[i].argv;
      const start = process.hrtime.bigint();
      const r = spawnSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
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

/** Prints a table of medians and the ratio of each to `base` (by name). */
export function report(title, commands, medians, base) {
  const b = medians[commands.findIndex((c) => c.name === base)];
  console.log(`\n${title}`);
  const width = Math.max(...commands.map((c) => c.name.length));
  commands.forEach((c, i) => {
    console.log(`  ${c.name.padEnd(width)}  ${medians[i].toFixed(1).padStart(7)} ms  ${(medians[i] / b).toFixed(2)}x ${base}`);
  });
}
