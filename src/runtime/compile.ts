/**
 * The plan compiler: what the container gets (podman's defaults, changed by
 * the command line) turned into the helper's steps. Pure: it reads nothing
 * and runs nothing, so unit tests check plans without running them.
 */
import { posix } from 'node:path';

import { DEFAULT_PATH } from '../config/defaults.js';
import { capabilityMask } from '../system/capabilities.js';
import type { SeccompProfile } from '../system/seccomp/profile.js';
import type { SeccompFilter } from './seccomp.js';
import type { IdMapping, IdRange } from '../system/idmap.js';
import { MASKED_PATHS, READONLY_PATHS } from './security-opts.js';
import { BP, MS, type Plan, type Step } from '../system/plan.js';
import { DEFAULT_UMASK, type PortMapping } from '../storage/containers.js';

export interface VolumeSpec {
  source: string;
  target: string;
  readonly: boolean;
  /** the host source is a directory (else a file) */
  directory: boolean;
  /** :U: the source is chowned to the container's user before it starts */
  chown?: boolean;
  /** the named (or anonymous) volume the source is the mount point of */
  volume?: string;
  /** nocopy: never filled with the image's files */
  nocopy?: boolean;
  /** the image's files at `target` are copied into it first (a volume's first mount, runtime/volumes.ts) */
  copyUp?: boolean;
  /** :O: mounted as an overlay's lower layer, its upper and work dirs these (changes thrown away) */
  overlay?: boolean;
  overlayDirs?: { upper: string; work: string };
}

export interface TmpfsSpec {
  target: string;
  flags: number;
  data: string;
}

export interface RlimitSpec {
  resource: number;
  soft: number | 'inf';
  hard: number | 'inf';
}

/** An overlay root filesystem, mounted by the helper inside the container's namespaces. */
export interface OverlaySpec {
  /** layer directories, top first */
  lower: string[];
  upper: string;
  work: string;
  /** mount with this fuse-overlayfs program instead of the kernel's overlayfs */
  fuse?: string;
  /** more fuse-overlayfs options: uidmapping=,gidmapping= (the image's owners shown under another map: runtime/idmaps.ts) */
  options?: string;
}

/** How long fuse-overlayfs may take to mount the root, and to end after SIGTERM. */
export const FUSE_TIMEOUT_MS = 10_000;

/**
 * The steps that mount a container's root at `rootfs` (a host path) from its
 * layers: the kernel's overlayfs (userxattr: mounted in a user namespace it
 * keeps its metadata in user.overlay.* xattrs), or fuse-overlayfs, which the
 * monitor runs and whose mount it hands to the container. Nothing for a
 * plain directory.
 */
export function rootfsSteps(rootfs: string, overlay: OverlaySpec | undefined): Step[] {
  if (!overlay) return [];
  const { lower, upper, work, fuse, options } = overlay;
  const dirs = `lowerdir=${lower.join(':')},upperdir=${upper},workdir=${work}`;
  // -f: the monitor runs it in the foreground in a mount namespace of its own, and stops it at the end.
  if (fuse) return [{ kind: 'process', mode: 'mount', timeoutMs: FUSE_TIMEOUT_MS, mountpoint: rootfs, argv: [fuse, '-f', '-o', `${dirs},allow_other${options ? `,${options}` : ''}`, rootfs] }];
  return [{ kind: 'mount', source: 'overlay', target: rootfs, fstype: 'overlay', flags: 0, extra: BP.HOSTDST, data: `${dirs},userxattr` }];
}

/** A name file (/etc/hosts, /etc/resolv.conf, /etc/hostname): its content, written to `source` (a host file) before the start, and bound there. */
export interface NameFile {
  target: string;
  /** its file name in the container's directory */
  name: string;
  content: string;
  /** the host file holding it (set when written: runtime/container.ts, runtime/run.ts) */
  source?: string;
}

/** The container's network (network/setup.ts decided it). */
export interface NetworkSpec {
  /** a network namespace of its own (else the host's) */
  own: boolean;
  /** the monitor's processes for it (pasta, slirp4netns) */
  processes: Step[];
  files: NameFile[];
  ports: PortMapping[];
  address?: string;
  gateway?: string;
}

/** A namespace shared with another container (its /proc/PID/ns/NAME), inside that container's user namespace. */
export interface ShareSpec {
  namespace: 'net' | 'ipc' | 'uts' | 'pid' | 'cgroup' | 'user';
  path: string;
}

/** A host device bound into the container (--device, --privileged): rootless, a device cannot be made, only bound. */
export interface DeviceSpec {
  /** the host's device node */
  source: string;
  /** its path in the container */
  target: string;
}

/** A --sysctl, written into the container's /proc/sys before that turns read-only. */
export interface SysctlSpec {
  /** as given, dotted: net.ipv4.ip_forward */
  name: string;
  value: string;
}

export interface ContainerSpec {
  /** another container's namespaces this one shares (--network/--pid/--ipc/--uts container:CTR) */
  shares?: ShareSpec[];
  /** host path of the root filesystem (the overlay's mount point when `overlay` is set) */
  rootfs: string;
  overlay?: OverlaySpec;
  /** where the helper writes the exit code */
  exitFile?: string;
  /** the log the helper opens and writes the container's output into, k8s-file (a detached container's) */
  log?: { path: string; maxSize: number };
  /** the `died` event the helper appends when the container ends (runtime/events.ts) */
  event?: { path: string; before: string; between: string; after: string };
  /** the monitor runs the container again when it ends, as --restart says */
  restart?: { policy: 'always' | 'on-failure'; max: number; stoppedFile: string; countFile: string };
  /** the monitor starts `argv` (burrow's `healthcheck run`) every `intervalMs` while the container runs */
  health?: { intervalMs: number; argv: string[] };
  /** the container's own cgroup (under a delegated one), which the monitor makes and removes */
  cgroup?: string;
  /** the monitor's attach socket, and where its clients' input goes (a detached container's) */
  attach?: { path: string; stdin: 'none' | 'pipe' | 'tty'; hold?: boolean };
  /** what a fork of the monitor removes in the container's user namespace after it (--rm): `burrow-helper remove`'s arguments */
  cleanup?: string[];
  /** what the helper runs after the container (and its clean-up) */
  onExit?: string[];
  /** a container on user networks: its interfaces there (the plan's bridge-port steps) */
  bridgePorts?: Extract<Step, { kind: 'bridge-port' }>[];
  /** a pod's infra: no command of its own, the helper's pause on an empty read-only root (argv is only shown) */
  pause?: boolean;
  argv: string[];
  env: string[];
  workdir: string;
  hostname: string;
  uid: number;
  gid: number;
  /** supplementary groups; undefined leaves setgroups alone */
  groups: number[] | undefined;
  volumes: VolumeSpec[];
  tmpfs: TmpfsSpec[];
  readOnly: boolean;
  network: NetworkSpec;
  interactive: boolean;
  tty: boolean;
  init: boolean;
  capabilities: Set<string>;
  /** what --cap-add named: a user other than root holds those of them in `capabilities` (permitted, effective, inheritable, ambient), as in podman */
  addedCapabilities?: Set<string>;
  /** --privileged, rootless: every capability (options.ts sets them), no masked or read-only paths, the host's devices, /sys read-write; and no seccomp filter */
  privileged: boolean;
  /** the paths masked and made read-only (runtime/security-opts.ts); absent: podman's */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /** --security-opt proc-opts: /proc's mount options */
  procOpts?: string;
  /** --shm-size: /dev/shm's size in bytes (0: no limit; absent: 64 MiB, podman's) */
  shmSize?: number;
  /** sharing another container's ipc namespace: its mount namespace (/proc/PID/ns/mnt), whose /dev/shm is this one's too */
  shmFrom?: string;
  /** --umask: the command's umask (absent: DEFAULT_UMASK, podman's) */
  umask?: number;
  /** --pidfile: where the monitor writes the container's pid at each start */
  pidFile?: string;
  /** host devices bound in (--device, --privileged) */
  devices?: DeviceSpec[];
  sysctls?: SysctlSpec[];
  /** --read-only-tmpfs (default true): with readOnly, a tmpfs on /run, /tmp and /var/tmp */
  readOnlyTmpfs?: boolean;
  noNewPrivileges: boolean;
  /** the seccomp program the command runs under (runtime/seccomp.ts); none: unconfined */
  seccomp?: SeccompFilter;
  /** the profile read from a file (create keeps it in the record) */
  seccompProfile?: SeccompProfile;
  rlimits: RlimitSpec[];
  idmap: IdMapping;
  /** --userns nomap, auto, a map without your own id: the command's own user namespace inside idmap's, its maps in that one's ids */
  nestedIds?: { uids: IdRange[]; gids: IdRange[] };
  /** files written into the root before anything is mounted on it (keep-id's /etc/passwd and /etc/group lines) */
  files?: { path: string; mode: number; data: string }[];
}

/** Host devices bound into the container's /dev. */
export const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

/** Signals the monitor passes on (podman's sig-proxy): all but those that belong to the monitor itself. */
export const FORWARDED_SIGNALS = [1, 2, 3, 10, 12, 14, 15, 28, 18, ...Array.from({ length: 31 }, (_, i) => 34 + i)];

const NOSUID_NODEV_NOEXEC = MS.NOSUID | MS.NODEV | MS.NOEXEC;

/**
 * /dev/shm: a tmpfs of its own (--shm-size), or, sharing another's ipc
 * namespace (--ipc container:CTR, a pod's), that container's own /dev/shm,
 * as podman gives: what shm_open makes on one side is seen on the other.
 */
function shmMount(spec: ContainerSpec, owned = ''): Step {
  if (spec.shmFrom !== undefined) return { kind: 'mount-from', namespace: spec.shmFrom, source: '/dev/shm', target: '/dev/shm' };
  const size = spec.shmSize ?? 64 << 20;
  // (in KiB, rounded up; tmpfs's size=0 is no limit, as podman's --shm-size 0)
  return { kind: 'mount', source: 'shm', target: '/dev/shm', fstype: 'tmpfs', flags: NOSUID_NODEV_NOEXEC, data: `mode=1777,size=${Math.ceil(size / 1024)}k${owned}`, extra: BP.MKDIR };
}

function mountsFor(spec: ContainerSpec): Step[] {
  const steps: Step[] = [];
  const mount = (source: string, target: string, fstype: string, flags: number, data = '', extra = 0n): void => {
    steps.push({ kind: 'mount', source, target, fstype, flags, data, extra: extra | BP.MKDIR });
  };
  // Into the root itself, before a volume could be mounted over their directory.
  for (const f of spec.files ?? []) steps.push({ kind: 'write-file', ...f });
  // Mounted in the first user namespace: under a nested one (nomap, auto) its ids are named for the container's root and tty group.
  const outer = (map: IdRange[] | undefined, id: number): number | undefined => {
    if (!map) return id;
    const r = map.find((x) => id >= x.inside && id < x.inside + x.count);
    return r ? r.outside + (id - r.inside) : undefined;
  };
  const rootUid = outer(spec.nestedIds?.uids, 0);
  const rootGid = outer(spec.nestedIds?.gids, 0);
  const owned = spec.nestedIds && rootUid !== undefined && rootGid !== undefined ? `,uid=${rootUid},gid=${rootGid}` : '';
  mount('proc', '/proc', 'proc', NOSUID_NODEV_NOEXEC, spec.procOpts ?? '');
  mount('tmpfs', '/dev', 'tmpfs', MS.NOSUID | MS.STRICTATIME, `mode=755,size=65536k${owned}`);
  // gid=5 (tty) only where the namespace maps it.
  const tty = outer(spec.nestedIds?.gids, 5);
  // (nested: a new pty is the container root's, as the creator's would be, not the first namespace's root's)
  const ptsOwner = spec.nestedIds && rootUid !== undefined ? `,uid=${rootUid}` : '';
  const ptsData = spec.idmap.single || tty === undefined ? `newinstance,ptmxmode=0666,mode=0620${ptsOwner}` : `newinstance,ptmxmode=0666,mode=0620,gid=${tty}${ptsOwner}`;
  mount('devpts', '/dev/pts', 'devpts', MS.NOSUID | MS.NOEXEC, ptsData);
  steps.push(shmMount(spec, owned));
  mount('mqueue', '/dev/mqueue', 'mqueue', NOSUID_NODEV_NOEXEC);
  // sysfs can be mounted by the owner of the network namespace: a new one's, or a shared container's (its user namespace is ours then).
  // --privileged: read-write, as podman (what the user's own ids may write there, no more).
  const sysReadonly = spec.privileged ? 0 : MS.RDONLY;
  if (spec.network.own || spec.shares?.some((x) => x.namespace === 'net')) {
    mount('sysfs', '/sys', 'sysfs', NOSUID_NODEV_NOEXEC | sysReadonly);
  } else {
    // sysfs can only be mounted by the owner of the network namespace: share the host's.
    steps.push({ kind: 'mount', source: '/sys', target: '/sys', fstype: '', flags: MS.BIND | MS.REC, extra: BP.MKDIR | (sysReadonly ? BP.RDONLY : 0n) });
  }
  for (const dev of DEVICES)
    steps.push({
      kind: 'mount',
      source: `/dev/${dev}`,
      target: `/dev/${dev}`,
      fstype: '',
      flags: MS.BIND,
      extra: BP.MKFILE | (dev === 'tty' ? BP.OPTIONAL : 0n),
    });
  // --device and --privileged: each bound (MKFILE: its parents made too); one of the defaults is not bound twice.
  const bound = new Set(DEVICES.map((d) => `/dev/${d}`));
  for (const d of spec.devices ?? [])
    if (!bound.has(d.target)) {
      bound.add(d.target);
      steps.push({ kind: 'mount', source: d.source, target: d.target, fstype: '', flags: MS.BIND, extra: BP.MKFILE });
    }
  const links: [string, string][] = [
    ['/proc/self/fd', '/dev/fd'],
    ['/proc/self/fd/0', '/dev/stdin'],
    ['/proc/self/fd/1', '/dev/stdout'],
    ['/proc/self/fd/2', '/dev/stderr'],
    ['pts/ptmx', '/dev/ptmx'],
    ['/proc/kcore', '/dev/core'],
  ];
  for (const [target, path] of links) steps.push({ kind: 'symlink', target, path });
  // (a --tmpfs's own uid= and gid= are container ids: named in the first namespace's too)
  const tmpfsData = (data: string): string => {
    if (!spec.nestedIds) return data;
    const named = data.split(',').map((o) => {
      const m = /^(uid|gid)=(\d+)$/.exec(o);
      const id = m ? outer(m[1] === 'uid' ? spec.nestedIds?.uids : spec.nestedIds?.gids, Number(m[2])) : undefined;
      return m && id !== undefined ? `${m[1]}=${id}` : o;
    });
    return /(^|,)(uid|gid)=/.test(data) ? named.join(',') : `${data}${data === '' ? owned.slice(1) : owned}`;
  };
  for (const t of spec.tmpfs) mount('tmpfs', t.target, 'tmpfs', t.flags, tmpfsData(t.data));
  if (spec.readOnly && spec.readOnlyTmpfs !== false) {
    // podman's --read-only-tmpfs default: writable scratch space where programs expect it.
    const have = new Set(spec.tmpfs.map((t) => t.target));
    for (const dir of ['/run', '/tmp', '/var/tmp'])
      if (!have.has(dir)) mount('tmpfs', dir, 'tmpfs', MS.NOSUID | MS.NODEV, `mode=1777${owned}`);
  }
  // The name files, unless a volume is mounted there (the user's own /etc/hosts wins, as in podman).
  const volumeTargets = new Set(spec.volumes.map((v) => v.target));
  for (const f of spec.network.files)
    if (f.source !== undefined && !volumeTargets.has(f.target))
      steps.push({ kind: 'mount', source: f.source, target: f.target, fstype: '', flags: MS.BIND, extra: BP.MKFILE });
  // Before any volume is mounted: each copy reads the image's own files at its path.
  for (const v of spec.volumes) if (v.copyUp) steps.push({ kind: 'copy-up', source: v.target, dest: v.source });
  for (const v of spec.volumes)
    if (v.overlayDirs)
      // :O: the source as a read-only lower layer under a fresh upper dir, in the container's user namespace.
      steps.push({
        kind: 'mount',
        source: 'overlay',
        target: v.target,
        fstype: 'overlay',
        flags: 0,
        data: `lowerdir=${v.source},upperdir=${v.overlayDirs.upper},workdir=${v.overlayDirs.work},userxattr`,
        extra: BP.MKDIR,
      });
    else
      steps.push({
      kind: 'mount',
      source: v.source,
      target: v.target,
      fstype: '',
      flags: MS.BIND | MS.REC,
      extra: (v.directory ? BP.MKDIR : BP.MKFILE) | (v.readonly ? BP.RDONLY : 0n),
    });
  // Before /proc/sys turns read-only; in the container's own namespaces (options.ts allows only those).
  for (const s of spec.sysctls ?? [])
    if (s.name !== 'kernel.domainname') steps.push({ kind: 'sysctl', path: `/proc/sys/${s.name.replace(/\./g, '/')}`, value: s.value });
  for (const path of spec.maskedPaths ?? MASKED_PATHS) steps.push({ kind: 'mask', path });
  for (const path of spec.readonlyPaths ?? READONLY_PATHS) steps.push({ kind: 'readonly', path });
  return steps;
}

/**
 * A pod's infra: its namespaces (the network's helper among its processes),
 * a read-only empty tmpfs for its root (nothing of the host under
 * /proc/PID/root) with the pod's /dev/shm on it (its containers that share
 * its ipc namespace mount that one: shmFrom), no capabilities, and the
 * helper's pause instead of a command.
 */
function infraSteps(spec: ContainerSpec): Step[] {
  return [
    { kind: 'umask', mask: DEFAULT_UMASK },
    { kind: 'mount', source: 'tmpfs', target: spec.rootfs, fstype: 'tmpfs', flags: NOSUID_NODEV_NOEXEC, data: 'mode=0555,size=4k', extra: BP.HOSTDST },
    { kind: 'root', path: spec.rootfs },
    shmMount(spec),
    { kind: 'remount-ro', path: '/' },
    { kind: 'pivot-root' },
    { kind: 'hostname', name: spec.hostname },
    ...(spec.network.own ? [{ kind: 'loopback' } as const] : []),
    { kind: 'forward-signals', signals: FORWARDED_SIGNALS },
    { kind: 'user', uid: 0, gid: 0 },
    { kind: 'caps', bounding: 0n, permitted: 0n, effective: 0n, inheritable: 0n, ambient: 0n },
    { kind: 'no-new-privs' },
    { kind: 'cwd', path: '/' },
    { kind: 'pause' },
  ];
}

export function compilePlan(spec: ContainerSpec): Plan {
  const caps = capabilityMask(spec.capabilities);
  const shares = spec.shares ?? [];
  const shared = new Set<string>(shares.map((x) => x.namespace));
  const namespaces: Step = {
    kind: 'namespaces',
    // Sharing another container's namespaces is done inside its user namespace, whose ids are mapped already.
    namespaces: (['user', 'mount', 'pid', 'uts', 'ipc', 'cgroup', ...(spec.network.own ? (['net'] as const) : [])] as const).filter(
      (ns) => !shared.has(ns) && !(ns === 'user' && shares.length > 0),
    ),
  };
  // The network's helper after the id maps' (the monitor starts ready processes once those ended).
  // A user network's bridge port before pivot-root: it opens the networks' namespace by its host path.
  const plan: Plan = [namespaces, ...shares.map((x): Step => ({ kind: 'share', ...x })), ...(shares.length > 0 ? [] : spec.idmap.steps), ...spec.network.processes, ...(spec.bridgePorts ?? [])];
  if (spec.pause) plan.push(...infraSteps(spec));
  else plan.push(...containerSteps(spec, caps));
  return [...plan, ...monitorSteps(spec)];
}

/** A map as /proc/PID/uid_map takes it. */
function mapText(map: IdRange[]): string {
  return map.map((r) => `${r.inside} ${r.outside} ${r.count}\n`).join('');
}

/** The container's own steps, from its root's mount to its command. */
function containerSteps(spec: ContainerSpec, caps: bigint): Step[] {
  const shared = new Set<string>((spec.shares ?? []).map((x) => x.namespace));
  // What the helper makes (mount points, the working directory) has the modes it names, whatever the caller's umask.
  const plan: Step[] = [{ kind: 'umask', mask: DEFAULT_UMASK }];
  plan.push(...rootfsSteps(spec.rootfs, spec.overlay));
  plan.push({ kind: 'root', path: spec.rootfs });
  plan.push(...mountsFor(spec));
  // Last, so that only the root itself turns read-only and the mounts above stay as they are.
  if (spec.readOnly) plan.push({ kind: 'readonly', path: '/' });
  plan.push({ kind: 'pivot-root' });
  if (!shared.has('uts')) plan.push({ kind: 'hostname', name: spec.hostname });
  const domain = spec.sysctls?.filter((s) => s.name === 'kernel.domainname').pop();
  if (domain) plan.push({ kind: 'domainname', name: domain.value });
  if (spec.network.own) plan.push({ kind: 'loopback' });
  for (const r of spec.rlimits) plan.push({ kind: 'rlimit', ...r });
  // Detached (attach): the monitor's own stdin is /dev/null; -i without -t reads the pipe the monitor makes its fd 0.
  if (spec.tty) plan.push({ kind: 'tty' });
  else plan.push({ kind: 'stdin', mode: (spec.attach ? spec.attach.stdin === 'pipe' : spec.interactive) ? 'INHERIT' : 'NULL' }, { kind: 'new-session' });
  if (spec.tty && spec.interactive && !spec.attach) plan.push({ kind: 'relay-stdin' });
  plan.push({ kind: 'forward-signals', signals: FORWARDED_SIGNALS });
  const cwd = posix.normalize(spec.workdir);
  // As podman does, a missing working directory is created: as root, before the user switch.
  if (cwd !== '/') plan.push({ kind: 'mkdir', path: cwd, mode: 0o755 });
  // Set up as root of the first user namespace; the command in its own inside it (nomap, auto).
  if (spec.nestedIds) plan.push({ kind: 'nested-userns', uidMap: mapText(spec.nestedIds.uids), gidMap: mapText(spec.nestedIds.gids) });
  // Without a groups step the process keeps the ones it has (--group-add keep-groups); a single-id map denies setgroups.
  if (spec.groups !== undefined && !spec.idmap.single) plan.push({ kind: 'groups', gids: spec.groups });
  // As podman: root holds the whole set; another user only what --cap-add named (in every set, ambient
  // included, so that it survives the exec), the rest stays in the bounding set.
  const user = spec.uid === 0 ? caps : capabilityMask([...(spec.addedCapabilities ?? [])].filter((c) => spec.capabilities.has(c)));
  // The command's (--umask), before the filter, which takes no step but the last few.
  if (spec.umask !== undefined && spec.umask !== DEFAULT_UMASK) plan.push({ kind: 'umask', mask: spec.umask });
  plan.push(...credentialSteps(spec, { kind: 'caps', bounding: caps, permitted: user, effective: user, inheritable: spec.uid === 0 ? 0n : user, ambient: spec.uid === 0 ? 0n : user }));
  plan.push({ kind: 'cwd', path: cwd });
  plan.push({ kind: 'env', env: spec.env }, { kind: 'search-path', path: DEFAULT_PATH });
  if (spec.seccomp && spec.noNewPrivileges) plan.push(filterStep(spec.seccomp));
  // After the credentials change and the filter, so PID 1 holds no more than the command does.
  if (spec.init) plan.push({ kind: 'init' });
  const file = spec.argv[0] as string;
  plan.push({ kind: 'exec', file, argv: spec.argv });
  return plan;
}

/**
 * The user, a keyring of the container's own, the capabilities and no-new-privs. The
 * seccomp filter goes before the capabilities without no-new-privs (the kernel then wants
 * CAP_SYS_ADMIN, as runc and crun do it), else last before the command: filterStep.
 */
export function credentialSteps(spec: { uid: number; gid: number; noNewPrivileges: boolean; seccomp?: SeccompFilter | undefined }, caps: Extract<Step, { kind: 'caps' }>): Step[] {
  const steps: Step[] = [{ kind: 'user', uid: spec.uid, gid: spec.gid }, { kind: 'session-keyring' }];
  if (spec.seccomp && !spec.noNewPrivileges) steps.push(filterStep(spec.seccomp));
  steps.push(caps);
  if (spec.noNewPrivileges) steps.push({ kind: 'no-new-privs' });
  return steps;
}

export function filterStep(filter: SeccompFilter): Step {
  return { kind: 'seccomp', program: filter.program, ...(filter.flags ? { flags: filter.flags } : {}) };
}

/** The monitor's records: its log, what it records at the end, restarts, health checks, attach, cgroup, clean-up. */
function monitorSteps(spec: ContainerSpec): Step[] {
  const plan: Step[] = [];
  if (spec.log) plan.push({ kind: 'log', path: spec.log.path, maxSize: spec.log.maxSize });
  if (spec.pidFile) plan.push({ kind: 'pid-file', path: spec.pidFile });
  if (spec.exitFile) plan.push({ kind: 'exit-file', path: spec.exitFile });
  if (spec.event) plan.push({ kind: 'event', ...spec.event });
  if (spec.restart) plan.push({ kind: 'restart', ...spec.restart });
  if (spec.health) plan.push({ kind: 'health', ...spec.health });
  if (spec.attach) plan.push({ kind: 'attach', ...spec.attach });
  if (spec.cgroup) plan.push({ kind: 'cgroup', path: spec.cgroup });
  if (spec.cleanup) plan.push({ kind: 'cleanup', args: spec.cleanup });
  if (spec.onExit) plan.push({ kind: 'on-exit', argv: spec.onExit });
  return plan;
}
