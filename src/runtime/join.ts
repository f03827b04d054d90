/**
 * Running a program inside a running container (the helper's join mode, the
 * base of a later `exec`): a plan that names the container's process by pid,
 * whose namespaces the helper enters before it clones, and then the same
 * ordered steps as a container's own start (user, capabilities, working
 * directory, environment, exec).
 *
 *   burrow (Node)                          burrow-helper run --status-fd 3
 *   -------------                          -------------------------------
 *   joinPlan() -> plan file ------------>  join PID: pidfd_open, setns(user, mount, ...)
 *                                          clone -> groups, user, caps, cwd, env, exec
 *   StatusChannel  <---------------------  {"type":"pid"} {"type":"started"} | {"type":"error"}
 *                  <---------------------  {"type":"exit","code":N}
 */
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

import { DEFAULT_PATH } from '../config/defaults.js';
import { helperPath } from '../config/install.js';
import type { Paths } from '../config/paths.js';
import { BurrowError } from '../errors.js';
import { capabilityMask } from '../system/capabilities.js';
import { builtin } from '../system/lazy.js';
import { FORWARDED_SIGNALS } from './compile.js';
import { writePlanFile } from './launch.js';
import type { Namespace, Plan } from './plan.js';
import { StatusChannel } from './status.js';

/** The namespaces a container from compilePlan has (net only with its own network). */
export const CONTAINER_NAMESPACES: Namespace[] = ['user', 'mount', 'pid', 'uts', 'ipc', 'cgroup', 'net'];

export interface JoinSpec {
  /** a process of the container (its first one: containerProcess) */
  pid: number;
  namespaces: Namespace[];
  argv: string[];
  env: string[];
  workdir: string;
  uid: number;
  gid: number;
  /** supplementary groups; undefined leaves them as they are */
  groups?: number[];
  /** as system/capabilities.ts names them (CHOWN, not CAP_CHOWN) */
  capabilities: Set<string>;
  noNewPrivileges?: boolean;
}

/** The plan that runs `spec.argv` in the container of `spec.pid`. */
export function joinPlan(spec: JoinSpec): Plan {
  const caps = capabilityMask(spec.capabilities);
  const plan: Plan = [
    { kind: 'join', pid: spec.pid, namespaces: spec.namespaces },
    { kind: 'stdin', mode: 'INHERIT' },
    { kind: 'forward-signals', signals: FORWARDED_SIGNALS },
  ];
  if (spec.groups !== undefined) plan.push({ kind: 'groups', gids: spec.groups });
  plan.push({ kind: 'user', uid: spec.uid, gid: spec.gid });
  // As for the container's own command: the permitted and effective sets only stay for uid 0.
  plan.push({ kind: 'caps', bounding: caps, permitted: caps, effective: spec.uid === 0 ? caps : 0n, inheritable: 0n, ambient: 0n });
  if (spec.noNewPrivileges) plan.push({ kind: 'no-new-privs' });
  plan.push({ kind: 'cwd', path: spec.workdir }, { kind: 'env', env: spec.env }, { kind: 'search-path', path: DEFAULT_PATH });
  plan.push({ kind: 'exec', file: spec.argv[0] as string, argv: spec.argv });
  return plan;
}

/** The container's first process: the monitor's first child (the clone comes before any other child it starts). */
export function containerProcess(monitorPid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${monitorPid}/task/${monitorPid}/children`, 'utf8').trim().split(' ')[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

export interface Joined {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** resolves once the command runs; rejects with the helper's HelperError */
  started: Promise<void>;
  /** the command's exit code (128+N for a signal); rejects as `started` does */
  done: Promise<number>;
}

const STATUS_FD = 3;

/** Starts a join plan; the helper reports on its status channel (runtime/status.ts). */
export function startJoined(paths: Paths, spec: JoinSpec): Joined {
  const file = writePlanFile(paths, joinPlan(spec));
  const { spawn } = builtin<typeof import('node:child_process')>('node:child_process');
  const child = spawn(helperPath(), ['run', '--status-fd', String(STATUS_FD), '--unlink', file], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const status = new StatusChannel(child.stdio[STATUS_FD] as Readable);
  const started = status.started(() => new BurrowError('E_HELPER', `run \`${spec.argv.join(' ')}\` in process ${spec.pid}'s namespaces: the helper ended without starting it`));
  const done = new Promise<number>((resolve, reject) => {
    child.on('error', (err) => reject(new BurrowError('E_HELPER', `run the helper \`${helperPath()}\`: ${err.message}`)));
    child.on('close', (code, signal) => {
      const failed = status.error;
      if (failed) return reject(failed);
      resolve(status.exitCode ?? code ?? 128 + (signal ? 9 : 0));
    });
  });
  started.catch(() => undefined); // read through `done` as well
  return { stdin: child.stdin, stdout: child.stdout, stderr: child.stderr, started, done };
}
