/**
 * The zygote: the container's namespaces and id maps, made by the helper
 * (`burrow-helper zygote`, helpers/helper.c) while this process is still
 * compiling the plan. Cloning and running newuidmap/newgidmap take about
 * 1.7 ms that `burrow run` no longer waits for: they happen on another core.
 *
 * The zygote clones the container's first process as a child of this
 * process (CLONE_PARENT), so after the execve the helper is its parent, as
 * DESIGN.md §5 wants. The plan then goes to it over the socket. A zygote
 * prepared for other namespaces or other maps than the plan's is let go, and
 * the helper clones as it always did; so is one that the helper finds failed.
 * If this process ends first, the zygote's child reads EOF and exits (and has
 * SIGKILL as its parent-death signal).
 */
import { closeSync } from 'node:fs';

import { helperPath } from '../config/install.js';
import { hostIdMapping } from '../system/idmap.js';
import { encodePlan, type Namespace, type Plan } from './plan.js';

export interface Zygote {
  /** our end of the socket to the zygote and, later, its child */
  fd: number;
  pid: number;
  /** the namespaces and idmap records it was started with, encoded */
  steps: Buffer;
}

/** `run`'s namespaces with the default `--network none` (compile.ts). */
const NAMESPACES: Namespace[] = ['user', 'mount', 'pid', 'uts', 'ipc', 'cgroup', 'net'];

let prepared: Zygote | undefined;

/** What a zygote does for a plan: its namespaces and idmap records, in the plan's format. */
export function preludeOf(plan: Plan): Buffer {
  return encodePlan(plan.filter((s) => s.kind === 'namespaces' || s.kind === 'idmap-exec' || s.kind === 'idmap-write'));
}

/** The prelude a zygote gets: `run`'s default namespaces and the invoking user's id maps. */
export function zygotePrelude(env: NodeJS.ProcessEnv): Buffer {
  return preludeOf([{ kind: 'namespaces', namespaces: NAMESPACES }, ...hostIdMapping(env).steps]);
}

/**
 * Starts a zygote for the container this process is about to run. Never
 * fails: when it cannot start one (no helper, no mapping tools), the helper
 * clones later as usual, and reports any real problem then.
 */
export async function prepareZygote(env: NodeJS.ProcessEnv): Promise<void> {
  if (prepared !== undefined || env.BURROW_ZYGOTE === '0') return;
  try {
    const encoded = zygotePrelude(env);
    const { socketpair, spawnDetached } = await import('../system/libc.js');
    const [mine, theirs] = socketpair();
    try {
      // Its stdio is ours (Node marks 0-2 close-on-exec: dup2 onto themselves clears that), for its error line.
      const dups: Array<[number, number]> = [[0, 0], [1, 1], [2, 2], [theirs, 3]];
      const envp = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
      const pid = spawnDetached(helperPath(env), ['burrow-helper', 'zygote', '3', encoded.toString('utf8')], envp, dups);
      prepared = { fd: mine, pid, steps: encoded };
    } catch {
      closeSync(mine);
    } finally {
      closeSync(theirs);
    }
  } catch {
    prepared = undefined;
  }
}

/** The zygote, when one was prepared for exactly this plan's namespaces and maps; any other is let go. */
export function takeZygote(plan: Plan): Zygote | undefined {
  const z = prepared;
  prepared = undefined;
  if (z === undefined) return undefined;
  if (preludeOf(plan).equals(z.steps)) return z;
  release(z);
  return undefined;
}

/** Lets a prepared zygote go (an error before the exec): its child sees EOF and exits. */
export function releaseZygote(): void {
  if (prepared !== undefined) release(prepared);
  prepared = undefined;
}

function release(z: Zygote): void {
  closeSync(z.fd);
  try {
    process.kill(z.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
