/**
 * Runs a host program inside a fresh user namespace mapped like a container's
 * (root = the invoking user, 1.. = the subordinate range), through the helper.
 * Used for what the host user alone may not do to files owned by mapped ids:
 * unpacking layers with their real owners, removing them, mounting an overlay
 * to read a container's filesystem.
 */
import type { Readable, Writable } from 'node:stream';

import { DEFAULT_PATH } from '../config/defaults.js';
import { helperPath } from '../config/install.js';
import type { Paths } from '../config/paths.js';
import { BurrowError } from '../errors.js';
import { CAPABILITIES, capabilityMask } from './capabilities.js';
import { hostIdMapping, type IdMapping } from './idmap.js';
import { EXTRA_FD, spawnHelper } from './launch.js';
import type { Plan, Step } from './plan.js';

export interface UsernsOptions {
  /** steps that mount something (in a mount namespace of its own): rootfsSteps() */
  mounts?: Step[];
  env?: string[];
  cwd?: string;
  /** or an fd of this process, read from directly (a pipe's read end) */
  stdin?: 'pipe' | 'ignore' | 'inherit' | number;
  /** or an fd of this process, written to directly (export's output file) */
  stdout?: 'pipe' | 'ignore' | 'inherit' | number;
  idmap?: IdMapping;
  /** fds of this process the program gets open, as FIRST_PASSED_FD, FIRST_PASSED_FD + 1 ... (in this order) */
  fds?: number[];
}

/** The fd the program started by startInUserns has the first of its `fds` as. */
export const FIRST_PASSED_FD = EXTRA_FD;

export interface UsernsProcess {
  stdin: Writable | null;
  stdout: Readable | null;
  /** resolves with the exit code; rejects with the helper's or program's error line */
  done: Promise<void>;
}

export function usernsPlan(argv: string[], opts: UsernsOptions): Plan {
  const idmap = opts.idmap ?? hostIdMapping();
  const all = capabilityMask(CAPABILITIES);
  const plan: Plan = [
    { kind: 'namespaces', namespaces: opts.mounts?.length ? ['user', 'mount'] : ['user'] },
    ...idmap.steps,
    ...(opts.mounts ?? []),
    { kind: 'stdin', mode: 'INHERIT' },
    { kind: 'user', uid: 0, gid: 0 },
    { kind: 'caps', bounding: all, permitted: all, effective: all, inheritable: 0n, ambient: 0n },
  ];
  if (opts.fds?.length) plan.push({ kind: 'inherit-fds', fds: opts.fds.map((_, i) => FIRST_PASSED_FD + i) });
  if (opts.cwd) plan.push({ kind: 'cwd', path: opts.cwd });
  plan.push({ kind: 'env', env: opts.env ?? [`PATH=${DEFAULT_PATH}`] }, { kind: 'search-path', path: DEFAULT_PATH });
  plan.push({ kind: 'exec', file: argv[0] as string, argv });
  return plan;
}

/**
 * Starts `argv` in a user namespace. The helper reports on its status fd
 * (system/status.ts): a failure of its own (a setup step, the exec) comes
 * from there, with its step, call, path and errno; a failure of the program
 * is its own last `Error:` line on stderr (burrow's worker speaks so), or its
 * exit status.
 */
export function startInUserns(paths: Paths, argv: string[], opts: UsernsOptions = {}): UsernsProcess {
  const { child, status } = spawnHelper(paths, usernsPlan(argv, opts), [opts.stdin ?? 'ignore', opts.stdout ?? 'ignore', 'pipe'], false, opts.fds);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 65536) stderr += chunk;
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => reject(new BurrowError('E_HELPER', `run the helper \`${helperPath()}\`: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      reject(status.failure({ code, signal, stderr, what: `\`${argv.join(' ')}\` in a user namespace`, errorCode: 'E_USERNS' }));
    });
  });
  return { stdin: child.stdin, stdout: child.stdout, done };
}

export async function runInUserns(paths: Paths, argv: string[], opts: UsernsOptions = {}): Promise<void> {
  await startInUserns(paths, argv, opts).done;
}

/** rm -rf inside the user namespace, for trees that hold files of mapped ids (the helper's `remove`: helpers/remove.c). */
export async function removeTrees(paths: Paths, trees: string[]): Promise<void> {
  if (trees.length === 0) return;
  await runInUserns(paths, [helperPath(), 'remove', '--', ...trees]);
}
