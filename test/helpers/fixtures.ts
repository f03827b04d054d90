/**
 * What test/setup/global.ts built and found out about this host, for the
 * test files; and skipping with a printed reason when a feature is missing
 * (never a silent pass).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { describe, inject } from 'vitest';

export interface IdRange {
  start: number;
  count: number;
}

export interface Fixtures {
  /** temp dir holding everything below */
  dir: string;
  /** the busybox root filesystem, owned by the user running the tests */
  rootfs: string;
  /** the probe, as built on the host */
  probe: string;
  /** the escape attempts (test/fixtures/escape.c), as built on the host; /bin/escape in the rootfs */
  escape: string;
  /** why no container can be run here at all, if so */
  problem: string | undefined;
  /** features this host lacks, with the reason: `subids`, `python3`, `smallfs`, `cgroup`, `peer`, `pasta`, `slirp4netns`, `podman`, `debian` */
  missing: Record<string, string>;
  uid: number;
  gid: number;
  user: string;
  /** this user's subordinate ranges (empty without them or without newuidmap) */
  subuids: IdRange[];
  subgids: IdRange[];
  python3: string | undefined;
  /** a small filesystem of its own (tmpfs) the tests may fill, from BURROW_TEST_SMALL_FS (`npm test` as root mounts one) */
  smallFs: string | undefined;
  /** the client on another host (scripts/peer-netns.mjs, BURROW_TEST_PEER): its agent's socket, the host's address it reaches, its own */
  peer: { socket: string; hostAddress: string; address: string } | undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    fixtures: Fixtures;
  }
}

export function fixtures(): Fixtures {
  return inject('fixtures');
}

/** A describe block whose tests run containers: skipped as a whole, saying why, where none can run. */
export function describeContainers(name: string, body: () => void): void {
  const { problem } = fixtures();
  if (problem !== undefined) {
    process.stderr.write(`skipping "${name}": ${problem}\n`);
    describe.skip(`${name} (skipped: ${problem})`, body);
  } else {
    describe(name, body);
  }
}

/** Skips the running test, printing why, when the host lacks `feature`. */
export function requireFeature(ctx: { skip: (note?: string) => never; task: { name: string } }, feature: string): void {
  const reason = fixtures().missing[feature];
  if (reason === undefined) return;
  process.stderr.write(`skipping "${ctx.task.name}": ${reason}\n`);
  ctx.skip(reason);
}

/**
 * stderr less the warning this host is expected to cause: without subordinate
 * ids burrow warns that only root is mapped, and the tests that do not need
 * more still pass.
 */
export function withoutHostWarnings(stderr: string): string {
  if (fixtures().missing.subids === undefined) return stderr;
  return stderr
    .split('\n')
    .filter((line) => !line.startsWith('Warning: no subordinate ids'))
    .join('\n');
}

/** A private copy of the fixture rootfs, for tests that change it; removed by the returned function. */
export function copyRootfs(): { rootfs: string; dir: string; remove: () => void } {
  const f = fixtures();
  const dir = mkdtempSync(join(f.dir, 'copy-'));
  const rootfs = join(dir, 'rootfs');
  cpSync(f.rootfs, rootfs, { recursive: true, verbatimSymlinks: true });
  return { rootfs, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
