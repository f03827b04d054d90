/**
 * `exec`: a command run in a running container, through the helper's join
 * mode (runtime/join.ts). The helper enters the container's namespaces (the
 * user namespace first: setns into one needs a single-threaded process, which
 * Node is not), and its child takes the container's root, user, capabilities,
 * no_new_privs and environment before it execs. In the foreground the helper
 * replaces this process and exits with the command's status; with -d it stays
 * behind as the command's own small monitor.
 *
 * The joined program cannot reach either monitor: both stay in the host's pid
 * namespace (it sees neither), and the helper is not dumpable while it joins
 * (no /proc/PID/exe of the host's helper binary for the container to open).
 */
import { closeSync, constants as fsConstants, openSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, UsageError } from '../errors.js';
import { CAPABILITIES } from '../system/capabilities.js';
import { ownCgroup } from '../system/cgroups.js';
import { describeMap, isMapped } from '../system/idmap.js';
import type { Namespace } from '../system/plan.js';
import { type RootReader, resolveUser } from '../system/passwd.js';
import type { Sys } from '../system/sys.js';
import { type ContainerRecord, DEFAULT_UMASK } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import { attachArgs, DEFAULT_DETACH_KEYS, parseDetachKeys } from './attach-args.js';
import { chosenContainer, containerSpec, type Env } from './container.js';
import { expandEnvEntry, mergeEnv, readEnvFile } from './envfile.js';
import { recordEvent } from './events.js';
import { CONTAINER_NAMESPACES, namespaceProcess, joinPlan, type JoinSpec } from './join.js';

export interface ExecRequest {
  /** the container's name or id (or the newest with `latest`) */
  container: string | undefined;
  latest: boolean;
  argv: string[];
  detach: boolean;
  interactive: boolean;
  tty: boolean;
  env: string[];
  envFile: string[];
  workdir: string | undefined;
  user: string | undefined;
  privileged: boolean;
  /** --detach-keys: with -it, the keys that leave the command running (podman's format) */
  detachKeys?: string;
}

const O_PATH = 0o10000000;

/** Reads a running container's files through /proc/PID/root, every link resolved inside its root (openat2 RESOLVE_IN_ROOT). */
export function processRootReader(sys: Pick<Sys, 'openInRoot'>, pid: number): RootReader {
  return (path) => {
    let root: number | undefined;
    let fd: number | undefined;
    try {
      root = openSync(`/proc/${pid}/root`, O_PATH | fsConstants.O_DIRECTORY);
      fd = sys.openInRoot(root, path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
      return readFileSync(fd, 'utf8');
    } catch {
      return '';
    } finally {
      if (fd !== undefined) closeSync(fd);
      if (root !== undefined) closeSync(root);
    }
  };
}

/** The namespaces of `pid` that are not this process's own (a --network host container shares the host's). */
function namespacesOf(pid: number): Namespace[] {
  const link = (p: number | 'self', ns: Namespace) => {
    const name = ns === 'mount' ? 'mnt' : ns;
    try {
      return readlinkSync(`/proc/${p}/ns/${name}`);
    } catch {
      return undefined;
    }
  };
  return CONTAINER_NAMESPACES.filter((ns) => link(pid, ns) !== link('self', ns));
}

/** The container's first process, while its monitor still runs; podman's error otherwise. */
function runningProcess(store: Store, rec: ContainerRecord): number {
  const improper = () => new BurrowError('E_NOT_RUNNING', `can only create exec sessions on running containers: container ${rec.name} is not running`);
  const status = store.containers.status(rec);
  if (status.state !== 'running' || status.pid === undefined) throw improper();
  if (status.paused) throw new BurrowError('E_PAUSED', `container ${rec.name} is paused: unpause it first`);
  const pid = namespaceProcess(status.pid);
  if (pid === undefined || !store.containers.monitor(rec.id).alive) throw improper();
  return pid;
}

/** What the command runs with: the container's own user, environment, working directory and capabilities, changed by the flags. */
export function execSpec(env: Env, store: Store, rec: ContainerRecord, req: ExecRequest): JoinSpec {
  if (req.argv.length === 0) throw new UsageError('must provide a non-empty command to start an exec session');
  if (req.workdir !== undefined && !req.workdir.startsWith('/')) throw new UsageError(`invalid working directory \`${req.workdir}\`: must be an absolute path`);
  const pid = runningProcess(store, rec);
  const { spec } = containerSpec(env, store, rec);
  let { uid, gid, groups } = spec;
  let home: string | undefined;
  if (req.user !== undefined) {
    const u = resolveUser(processRootReader(env.sys, pid), req.user);
    ({ uid, gid, groups, home } = u);
    const { idmap } = spec;
    if (!isMapped(idmap.uids, uid)) throw new BurrowError('E_UNMAPPED', `user \`${req.user}\`: uid ${uid} is not mapped in the container's user namespace (mapped: ${describeMap(idmap.uids)})`);
    if (!isMapped(idmap.gids, gid)) throw new BurrowError('E_UNMAPPED', `user \`${req.user}\`: gid ${gid} is not mapped in the container's user namespace (mapped: ${describeMap(idmap.gids)})`);
    groups = groups.filter((g) => isMapped(idmap.gids, g));
    if (idmap.single) groups = undefined;
  } else if (spec.idmap.single) {
    groups = undefined;
  }
  const own = [...(home !== undefined ? [`HOME=${home}`] : []), ...(req.tty ? ['TERM=xterm'] : [])];
  const fromFiles = req.envFile.flatMap((f) => readEnvFile(f, env.env));
  const fromFlags = req.env.flatMap((e) => expandEnvEntry(e, env.env, `--env \`${e}\``));
  const cgroup = ownCgroup(rec.id, pid);
  return {
    pid,
    namespaces: namespacesOf(pid),
    ...(cgroup !== undefined ? { cgroup } : {}),
    argv: req.argv,
    env: mergeEnv(spec.env, own, fromFiles, fromFlags),
    workdir: req.workdir ?? spec.workdir,
    uid,
    gid,
    ...(groups !== undefined ? { groups } : {}),
    // --privileged: every capability of the container's user namespace, as podman's exec gives.
    capabilities: req.privileged ? new Set(CAPABILITIES) : spec.capabilities,
    noNewPrivileges: spec.noNewPrivileges,
    seccomp: spec.seccomp,
    // As podman's exec: the container's umask, not the caller's.
    umask: spec.umask ?? DEFAULT_UMASK,
    tty: req.tty,
    interactive: req.interactive && !req.detach,
  };
}

/**
 * Runs the command: in the foreground the helper takes this process over and
 * exits with the command's status (never returns); with -d the command's id
 * is printed once it runs, and its output is discarded (as docker's exec -d).
 */
export async function execContainer(env: Env, req: ExecRequest, print: (line: string) => void): Promise<number> {
  const keys = parseDetachKeys(req.detachKeys ?? DEFAULT_DETACH_KEYS);
  const store = (await env.store({ containers: true })).init();
  const rec = chosenContainer(store, req.container, req.latest, 'exec');
  const spec = execSpec(env, store, rec, req);
  let plan = joinPlan(spec);
  recordEvent(env, { ID: rec.id, Image: rec.imageName, Name: rec.name, Status: 'exec', Type: 'container', Attributes: { execCommand: req.argv.join(' ') } });
  const gone = () => new BurrowError('E_EXEC', `exec in container ${rec.name}: the helper ended before the command ran`);
  if (!req.detach && req.tty && req.interactive) {
    // -it, as podman's: the command's helper in the background, this terminal attached to it at once,
    // so that the detach keys leave the command running (attach takes the input relay-stdin would).
    const socket = join(store.containers.dir(rec.id), `exec-${env.sys.randomBytes(8).toString('hex')}.attach`);
    plan = [...plan.filter((step) => step.kind !== 'relay-stdin'), { kind: 'attach', path: socket, stdin: 'tty', hold: true }];
    env.sys.startPlan(plan, gone).started.catch(() => undefined); // the attach client says how it went
    return env.sys.execAttach(attachArgs(socket, { stdin: true, tty: true, sigProxy: false, keys, stdinOnce: true }));
  }
  if (!req.detach) return env.sys.execPlan(plan);
  const { started } = env.sys.startPlan(plan, gone);
  await started;
  print(env.sys.randomBytes(32).toString('hex'));
  return 0;
}
