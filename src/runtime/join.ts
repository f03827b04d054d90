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

import { DEFAULT_PATH } from '../config/defaults.js';
import type { ContainerStatus } from '../storage/containers.js';
import { BurrowError } from '../errors.js';
import { capabilityMask } from '../system/capabilities.js';
import { firstChild } from '../system/cgroups.js';
import type { Namespace, Plan } from '../system/plan.js';
import type { HelperProcess, Sys } from '../system/sys.js';
import { credentialSteps, filterStep, FORWARDED_SIGNALS } from './compile.js';
import type { SeccompFilter } from './seccomp.js';

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
  /** the container's seccomp filter, which the program runs under too */
  seccomp?: SeccompFilter | undefined;
  /** a new pseudo-terminal as the program's stdin, stdout and stderr (exec -t) */
  tty?: boolean;
  /** keep standard input (exec -i): ours, or with `tty` copied to the terminal; else /dev/null */
  interactive?: boolean;
  /** the container's own cgroup, which the program joins too */
  cgroup?: string;
  /** the program's umask (exec: the container's); absent: the caller's */
  umask?: number;
}

/** The plan that runs `spec.argv` in the container of `spec.pid`. */
export function joinPlan(spec: JoinSpec): Plan {
  const caps = capabilityMask(spec.capabilities);
  const plan: Plan = [
    { kind: 'join', pid: spec.pid, namespaces: spec.namespaces },
  ];
  if (spec.cgroup !== undefined) plan.push({ kind: 'cgroup', path: spec.cgroup });
  if (spec.tty) plan.push({ kind: 'tty' });
  else plan.push({ kind: 'stdin', mode: spec.interactive ? 'INHERIT' : 'NULL' }, { kind: 'new-session' });
  if (spec.tty && spec.interactive) plan.push({ kind: 'relay-stdin' });
  plan.push({ kind: 'forward-signals', signals: FORWARDED_SIGNALS });
  if (spec.groups !== undefined) plan.push({ kind: 'groups', gids: spec.groups });
  if (spec.umask !== undefined) plan.push({ kind: 'umask', mask: spec.umask });
  // As for the container's own command: its keyring, filter, capabilities (compile.ts).
  const creds = { uid: spec.uid, gid: spec.gid, noNewPrivileges: spec.noNewPrivileges ?? false, seccomp: spec.seccomp };
  // As for the container's own command: the permitted and effective sets only stay for uid 0.
  plan.push(...credentialSteps(creds, { kind: 'caps', bounding: caps, permitted: caps, effective: spec.uid === 0 ? caps : 0n, inheritable: 0n, ambient: 0n }));
  plan.push({ kind: 'cwd', path: spec.workdir }, { kind: 'env', env: spec.env }, { kind: 'search-path', path: DEFAULT_PATH });
  if (spec.seccomp && spec.noNewPrivileges) plan.push(filterStep(spec.seccomp));
  plan.push({ kind: 'exec', file: spec.argv[0] as string, argv: spec.argv });
  return plan;
}

/** The container's first process: the monitor's first child (the clone comes before any other child it starts). */
export function containerProcess(monitorPid: number): number | undefined {
  return firstChild(monitorPid);
}

/**
 * A process whose namespaces others may enter (exec, cp, top, sharing): the
 * container's first process, or with --init the command under it. The init
 * is the helper, forked and never exec'd, and not dumpable: it belongs to the
 * host's user namespace, so its /proc/PID/ns files are closed even to
 * burrow's user; the command was exec'd inside the container's.
 */
export function namespaceProcess(monitorPid: number): number | undefined {
  const first = firstChild(monitorPid);
  if (first === undefined) return undefined;
  let comm = '';
  try {
    comm = readFileSync(`/proc/${first}/comm`, 'utf8').trim();
  } catch {
    return first;
  }
  return comm === 'burrow-init' ? (firstChild(first) ?? first) : first;
}

/** namespaceProcess of a container that runs, from its status; undefined when it does not. */
export function runningNamespaceProcess(status: Pick<ContainerStatus, 'state' | 'pid'>): number | undefined {
  return status.state === 'running' && status.pid !== undefined ? namespaceProcess(status.pid) : undefined;
}

/** Starts a join plan; the helper reports on its status channel (system/status.ts). */
export function startJoined(sys: Sys, spec: JoinSpec): HelperProcess {
  return sys.spawnPlan(joinPlan(spec), () => new BurrowError('E_HELPER', `run \`${spec.argv.join(' ')}\` in process ${spec.pid}'s namespaces: the helper ended without starting it`));
}
