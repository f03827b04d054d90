/**
 * Containers: one directory each under containers/<id>/, so that removing a
 * container is removing a directory (the helper's clean-up after `run --rm`
 * needs nothing else):
 *
 *   container.json    the record (written once at create, atomically)
 *   .creating         held (flock) by its create until the record is written
 *   lock              flock held by a command acting on the container (start, stop, restart, kill, rm, rename)
 *   monitor           "<pid> <start time> <started ms>" of the process that runs it (the helper)
 *   exit              "<code> <finished s.ns> <started s.ns>[ restarting]", written by the helper when the container
 *                     ends (`restarting` while --restart's back-off runs)
 *   health.json       the healthcheck's results of the current run (runtime/health.ts), health.lock its flock
 *   ctr.log           the output of a container started in the background (k8s-file format,
 *                     written by the helper: runtime/logs.ts)
 *   volumes/          the anonymous volumes for the image's Volumes (anon-N)
 *   upper/ work/      the overlay's writable layer
 *   merged/           where the root filesystem is mounted (inside the container's namespace;
 *                     overlay and fuse-overlayfs drivers)
 *   rootfs/           the copy, with the copy driver
 *
 * names/<name> is a symlink to the id: creating it is how a name is taken.
 */
import { closeSync, openSync, readlinkSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, errnoCode } from '../errors.js';
import type { StorageDriver } from './driver.js';
import type { NetworkAttachment } from './networks.js';
import { atomicWriteFile, readJson, storeTextIfAny } from './atomic.js';
import { isFrozen, monitoredCgroup } from '../system/cgroups.js';
import { readTextIfAny, safeReaddir } from '../system/files.js';
import type { SeccompProfile } from '../system/seccomp/profile.js';
import type { Store } from './store.js';
import { byCodeUnits } from '../order.js';

/** The options of `run` and `create` as the command line gave them (runtime/options.ts reads them). */
/** A slice of the default user namespace's ids: `size` of them from `start` (--userns auto). */
export interface UsernsSlice {
  start: number;
  size: number;
}

/** What stop waits for a container when not told (-t): its --stop-timeout, else podman's 10 s. */
export const DEFAULT_STOP_TIMEOUT = 10;

/** A container's umask unless --umask says otherwise, podman's (containers.conf's `umask`); the helper makes its own files under it too. */
export const DEFAULT_UMASK = 0o022;

export interface RunOptions {
  command: string[];
  /** --label and --label-file, read at create (the image's labels are not copied: they are merged where shown) */
  labels?: Record<string, string>;
  /** --tz: a zone name, or local (the host's zone, as it is when the container starts) */
  tz?: string;
  /** --shm-size: /dev/shm's size in bytes (0: no limit; absent: 64 MiB) */
  shmSize?: number;
  /** --umask: its processes' umask (absent: 0022, podman's) */
  umask?: number;
  /** --pidfile: the file its pid is written to at each start (absolute: made so when the flag is read) */
  pidfile?: string;
  /** --http-proxy=false: the host's proxy variables are not passed in (by default they are, as podman's) */
  httpProxy?: false;
  /** the host's proxy variables as they were at create (NAME=VALUE), which each start passes in; absent (a record made before): the starting process's */
  proxyEnv?: string[];
  /** --unsetenv: names left out of the defaults (burrow's own variables and the image's) */
  unsetenv?: string[];
  /** --unsetenv-all: none of those defaults, only --env and --env-file */
  unsetenvAll?: boolean;
  /** --stop-signal: sent by stop (and rm -f, restart) instead of the image's StopSignal */
  stopSignal?: string;
  /** --stop-timeout: seconds stop waits before SIGKILL when not given -t (10 by default) */
  stopTimeout?: number;
  /** --entrypoint, as an argv ('' given on the command line: an empty one) */
  entrypoint?: string[] | undefined;
  env: string[];
  envFile: string[];
  workdir: string | undefined;
  hostname: string | undefined;
  user: string | undefined;
  volume: string[];
  tmpfs: string[];
  readOnly: boolean;
  network: string | undefined;
  interactive: boolean;
  tty: boolean;
  init: boolean;
  capAdd: string[];
  capDrop: string[];
  securityOpt: string[];
  /** --userns: private (the default), fakeroot (only the user's own id mapped), keep-id[:uid=,gid=], nomap, auto[:size=N] (runtime/idmaps.ts) */
  userns?: string | undefined;
  /** --userns auto: the slice of the default namespace's ids (0 = the user) its create took (runtime/userns-auto.ts) */
  usernsAuto?: UsernsSlice | undefined;
  /** --uidmap, --gidmap: CONTAINER:HOST:COUNT, HOST in the default namespace's terms (0 = the user) */
  uidmap?: string[] | undefined;
  gidmap?: string[] | undefined;
  /** --subuidname, --subgidname: a name's ranges in /etc/subuid and /etc/subgid */
  subuidname?: string | undefined;
  subgidname?: string | undefined;
  /** --seccomp-policy: default, or image (the image's own profile, when it has one) */
  seccompPolicy?: string | undefined;
  /** the profile of --security-opt seccomp=PATH, read at create: later starts do not read the file again */
  seccompProfile?: SeccompProfile | undefined;
  ulimit: string[];
  /** --privileged (absent from records made before it, and when not given) */
  privileged?: boolean | undefined;
  /** --read-only-tmpfs=false: with --read-only, no tmpfs on /run, /tmp, /var/tmp (absent: true) */
  readOnlyTmpfs?: boolean | undefined;
  /** --device HOST[:CONTAINER][:PERMISSIONS], as given */
  device?: string[] | undefined;
  /** --group-add GROUP or keep-groups, as given */
  groupAdd?: string[] | undefined;
  /** --sysctl NAME=VALUE, as given */
  sysctl?: string[] | undefined;
  /** -p/--publish specs as given (the ports chosen for them are the record's `ports`) */
  publish?: string[] | undefined;
  /** -P: every exposed port to a free host port */
  publishAll?: boolean | undefined;
  expose?: string[] | undefined;
  dns?: string[] | undefined;
  dnsSearch?: string[] | undefined;
  dnsOption?: string[] | undefined;
  addHost?: string[] | undefined;
  /** --no-hosts: no /etc/hosts made (the image's stays) */
  noHosts?: boolean | undefined;
  macAddress?: string | undefined;
  /** --pid, --ipc, --uts: private (the default) or container:CTR (kept as container:ID) */
  pid?: string | undefined;
  ipc?: string | undefined;
  uts?: string | undefined;
  /** a pod's cgroup namespace: container:INFRA-ID (set by --pod, not a flag) */
  cgroupns?: string | undefined;
}

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

/** One published port range, as podman keeps it (its PortMapping): host ports hostPort..hostPort+range-1. */
export interface PortMapping {
  /** '' for every address (IPv4 and IPv6) */
  hostIp: string;
  /** 0 until a free one is chosen (at create) */
  hostPort: number;
  containerPort: number;
  range: number;
  protocol: PortProtocol;
}

/** What `run`/`create` were given, kept so that `start` can run the container again. */
export interface ContainerOptions extends RunOptions {
  entrypoint: string[] | undefined;
  rm: boolean;
  /** --log-driver and --log-opt (runtime/logs.ts); absent from records made before them: k8s-file */
  logDriver?: string | undefined;
  logOpt?: string[] | undefined;
  /** --restart: no, on-failure[:N], always, unless-stopped (runtime/container.ts restartPolicy) */
  restart?: string | undefined;
  /** the --health-* flags and --no-healthcheck as given (runtime/health.ts resolves them at create) */
  health?: HealthFlags | undefined;
  /** --pod NAME or new:NAME as given (create resolves it; the record keeps the pod's id in `pod`) */
  pod?: string | undefined;
}

/** A container's healthcheck as podman's Config.Healthcheck shows it (docker's schema 2): durations in nanoseconds. */
export interface HealthConfig {
  /** ["CMD", ARGV...] or ["CMD-SHELL", "COMMAND"] */
  Test: string[];
  /** 0: no timer (--health-interval disable); `healthcheck run` still checks */
  Interval: number;
  Timeout: number;
  StartPeriod: number;
  Retries: number;
}

export interface HealthFlags {
  cmd?: string;
  interval?: string;
  timeout?: string;
  startPeriod?: string;
  retries?: string;
  onFailure?: string;
  noHealthcheck?: boolean;
}

export interface ContainerRecord {
  id: string;
  name: string;
  /** image id (config digest hex) */
  image: string;
  /** the name the image was asked for by */
  imageName: string;
  created: string;
  /** the command line shown by ps: entrypoint + cmd, resolved */
  argv: string[];
  options: ContainerOptions;
  /** chain ids of the image's layers, base first */
  layers: string[];
  driver: StorageDriver;
  /** the anonymous volumes made for it (the image's VOLUMEs, `-v /path`): removed with it by `rm -v` */
  anonymousVolumes?: string[];
  /** its healthcheck, from the flags or the image, resolved at create (runtime/health-config.ts); none without */
  healthcheck?: HealthConfig;
  /** --health-on-failure: none, kill, restart, stop */
  healthOnFailure?: string;
  /** its published ports, host ports chosen at create (-P, -p CTRPORT) */
  ports?: PortMapping[];
  /** the container ports it exposes (the image's and --expose), for inspect */
  exposed?: string[];
  /** the pod it belongs to (its id) */
  pod?: string;
  /** it is its pod's infra: it holds the namespaces the pod's containers share, and runs the helper's pause */
  infra?: boolean;
  /** it is the user networks' infra (with `infra`): it holds their user and network namespaces, with a bridge each */
  netns?: boolean;
  /** the user networks it is on (made in the networks' user namespace: --network NAME) */
  networks?: NetworkAttachment[];
}

export type ContainerState = 'created' | 'running' | 'exited';

export interface ContainerStatus {
  state: ContainerState;
  /** running, its own cgroup frozen (`pause`) */
  paused?: boolean;
  /** exited, and its monitor waits out --restart's back-off to run it again */
  restarting?: boolean;
  exitCode: number | undefined;
  pid: number | undefined;
  startedAt: Date | undefined;
  finishedAt: Date | undefined;
}

const ADJECTIVES = ['admiring', 'bold', 'brave', 'calm', 'clever', 'eager', 'fervent', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nifty', 'quiet', 'sharp', 'sleepy', 'stoic', 'tender', 'vibrant', 'wizardly', 'zealous'];
const NOUNS = ['badger', 'beaver', 'ferret', 'gopher', 'hare', 'hedgehog', 'marmot', 'meerkat', 'mole', 'otter', 'rabbit', 'shrew', 'vole', 'wombat', 'armadillo', 'chipmunk', 'fox', 'mink', 'pika', 'prairiedog', 'tortoise', 'weasel'];

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** A name is a file name in names/ (NAME_MAX); docker and podman refuse longer ones too. */
const MAX_NAME = 255;

export class Containers {
  constructor(private readonly store: Store) {}

  private base: string | undefined;

  dir(id: string): string {
    // Not path.join each time: called for each container of a long list, and both parts are clean already.
    this.base ??= this.store.containersDir();
    return `${this.base}/${id}`;
  }

  nameLink(name: string): string {
    return join(this.store.root, 'names', name);
  }

  /** The records the leftovers sweep read a moment ago, for this command's next list() only. */
  private snapshot: ContainerRecord[] | undefined;

  /** Hands the next list() these records, read just now (storage/leftovers.ts, under the lock). */
  remember(records: ContainerRecord[]): void {
    this.snapshot = records;
  }

  list(): ContainerRecord[] {
    const snapshot = this.snapshot;
    this.snapshot = undefined;
    if (snapshot) return snapshot;
    const out: ContainerRecord[] = [];
    for (const id of safeReaddir(this.store.containersDir())) {
      const rec = readJson<ContainerRecord | undefined>(`${this.dir(id)}/container.json`, undefined);
      if (rec) out.push(rec);
    }
    return out.sort((a, b) => byCodeUnits(a.created, b.created));
  }

  /** By full id, unique id prefix, or name. */
  find(ref: string, all = this.list()): ContainerRecord | undefined {
    const byName = all.find((c) => c.name === ref);
    if (byName) return byName;
    const exact = all.find((c) => c.id === ref);
    if (exact) return exact;
    if (!/^[a-f0-9]{1,64}$/.test(ref)) return undefined;
    const matches = all.filter((c) => c.id.startsWith(ref));
    if (matches.length > 1) throw new BurrowError('E_AMBIGUOUS', `container id prefix \`${ref}\` is ambiguous: it matches ${matches.length} containers`);
    return matches[0];
  }

  get(ref: string, all?: ContainerRecord[]): ContainerRecord {
    const c = this.find(ref, all);
    if (!c) throw new BurrowError('E_NO_CONTAINER', `no container with name or ID "${ref}" found: no such container`);
    return c;
  }

  /** Takes `name` (or a generated adjective_noun) for `id`; fails if it is in use. */
  reserveName(id: string, name: string | undefined): string {
    if (name !== undefined) {
      if (name.length > MAX_NAME)
        throw new BurrowError('E_NAME', `container name \`${name.slice(0, 32)}...\` is invalid: it is ${name.length} characters long, longer than ${MAX_NAME}`);
      if (!NAME.test(name)) throw new BurrowError('E_NAME', `container name \`${name}\` is invalid: use letters, digits, _ . -, starting with a letter or digit`);
      try {
        symlinkSync(id, this.nameLink(name));
      } catch (err) {
        if (errnoCode(err) === 'EEXIST') {
          throw new BurrowError('E_NAME_IN_USE', `the container name "${name}" is already in use by ${this.owner(name) ?? 'another container'}. You have to remove that container to be able to reuse that name`);
        }
        throw err;
      }
      return name;
    }
    for (let attempt = 0; attempt < 1000; attempt++) {
      const pick = (list: string[]): string => list[Math.floor(Math.random() * list.length)] as string;
      const candidate = attempt < 100 ? `${pick(ADJECTIVES)}_${pick(NOUNS)}` : `${pick(ADJECTIVES)}_${pick(NOUNS)}${attempt}`;
      try {
        symlinkSync(id, this.nameLink(candidate));
        return candidate;
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
      }
    }
    throw new BurrowError('E_NAME', 'could not find a free container name');
  }

  /** The id that holds `name`. */
  owner(name: string): string | undefined {
    try {
      return readlinkSync(this.nameLink(name));
    } catch {
      return undefined;
    }
  }

  releaseName(name: string): void {
    try {
      unlinkSync(this.nameLink(name));
    } catch {
      // already gone
    }
  }

  write(rec: ContainerRecord): void {
    this.snapshot = undefined;
    atomicWriteFile(join(this.dir(rec.id), 'container.json'), `${JSON.stringify(rec, null, 1)}\n`, 0o600);
  }

  /** The process that runs (or ran) the container, from its `monitor` file, and whether it still lives. */
  monitor(id: string): { pid: number | undefined; alive: boolean; startedAt: Date | undefined } {
    const [pidText, startText, startedText] = (storeTextIfAny(join(this.dir(id), 'monitor')) ?? '').trim().split(' ');
    const pid = pidText ? Number(pidText) : undefined;
    return { pid, alive: pid !== undefined && processStartTime(pid) === startText, startedAt: startedText ? new Date(Number(startedText)) : undefined };
  }

  status(rec: ContainerRecord): ContainerStatus {
    const exit = storeTextIfAny(`${this.dir(rec.id)}/exit`);
    if (exit !== undefined) {
      // Ended: the exit file says when it started (the monitor file, for one written before it did).
      const [code, finished, started, next] = exit.trim().split(' ');
      const startedText = started === undefined ? (storeTextIfAny(join(this.dir(rec.id), 'monitor')) ?? '').trim().split(' ')[2] : undefined;
      const startedAt = started !== undefined ? new Date(Number(started) * 1000) : startedText ? new Date(Number(startedText)) : undefined;
      const restarting = next === 'restarting' && this.monitor(rec.id).alive;
      return { state: 'exited', exitCode: Number(code), pid: undefined, startedAt, finishedAt: finished ? new Date(Number(finished) * 1000) : undefined, ...(restarting ? { restarting } : {}) };
    }
    const { pid, alive, startedAt } = this.monitor(rec.id);
    if (pid !== undefined && alive) return { state: 'running', exitCode: undefined, pid, startedAt, finishedAt: undefined, ...(paused(rec.id, pid) ? { paused: true } : {}) };
    // Its monitor died without writing the exit (kill -9): the container died with it, of SIGKILL (PR_SET_PDEATHSIG).
    if (pid !== undefined) return { state: 'exited', exitCode: 137, pid: undefined, startedAt, finishedAt: undefined };
    return { state: 'created', exitCode: undefined, pid: undefined, startedAt: undefined, finishedAt: undefined };
  }

  /**
   * Runs `act` on the container holding its own lock (flock on its `lock`
   * file), so that two commands on one container take turns: a second
   * `start` sees the first one's monitor, an `rm` waits for a `stop`. `act`
   * gets the record as it is once the lock is held (renamed, or gone:
   * E_NO_CONTAINER). Not reentrant: the outermost operation takes it.
   */
  async locked<T>(rec: ContainerRecord, act: (current: ContainerRecord) => Promise<T> | T): Promise<T> {
    let fd: number;
    try {
      fd = openSync(`${this.dir(rec.id)}/lock`, 'a', 0o600);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw new BurrowError('E_NO_CONTAINER', `no container with name or ID "${rec.name}" found: no such container`);
      throw err;
    }
    try {
      this.store.sys.flock(fd, true);
      this.snapshot = undefined;
      const current = this.find(rec.id);
      if (!current) throw new BurrowError('E_NO_CONTAINER', `no container with name or ID "${rec.name}" found: no such container`);
      return await act(current);
    } finally {
      closeSync(fd);
    }
  }

  /** Moves the container's directory out of the list (atomic), for removal. Returns where it went. */
  detach(rec: ContainerRecord): string {
    this.snapshot = undefined;
    const trash = join(this.store.tmpDir(), `removed-${rec.id}`);
    renameSync(this.dir(rec.id), trash);
    this.releaseName(rec.name);
    return trash;
  }
}

/** Whether the container of monitor `pid` is frozen: its own cgroup's cgroup.freeze (a fact the kernel keeps). */
function paused(id: string, pid: number): boolean {
  const cgroup = monitoredCgroup(id, pid);
  return cgroup !== undefined && isFrozen(cgroup);
}

/** Field 22 of /proc/PID/stat: tells a pid from a later process that reused it. */
export function processStartTime(pid: number): string | undefined {
  const stat = readTextIfAny(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // A zombie (a monitor killed, not yet reaped by whoever inherited it) runs nothing.
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}
