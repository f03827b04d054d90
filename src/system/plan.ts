/**
 * The plan: what burrow hands the helper (helpers/plan.h describes the same
 * format from the C side). TypeScript decides everything; the helper only
 * carries the records out, in order.
 *
 *   plan    := "burrow-plan 10\n" record* "end 0\n"
 *   record  := NAME " " COUNT "\n" field{COUNT}
 *   field   := LENGTH ":" BYTES "\n"
 *
 *   burrow (Node)                         burrow-helper (C)
 *   -------------                         -----------------
 *   compile options -> Plan
 *   plan into a memfd (a 0600 file in
 *   the runtime dir where there is none)
 *   execve helper run /proc/self/fd/N --> parse whole plan or refuse it (exit 125)
 *                                         clone, processes, idmap-write,
 *                                         the child's steps in order, exec
 *                                         status fd: {"type":"pid"|"error"|"exit",...}
 *                                         exits with the container's code
 *
 * Paths in `mount`, `dev-bind`, `remount-ro`, `mount-from` (its target), `symlink`, `mask`, `readonly`,
 * `mkdir`, `write-file`, `write-fd`, `chmod` and `sysctl` are inside the container's
 * root and resolved there by the helper (RESOLVE_IN_ROOT); the records'
 * names, field counts, mount bits and exit codes come from plan-constants.ts,
 * which the build also turns into the helper's build/plan-constants.h.
 */

import { BP_BITS, PLAN_VERSION, type RecordName } from './plan-constants.js';
import { nameBytes } from './names.js';

export { MS, PLAN_VERSION } from './plan-constants.js';

/** The helper's own bits of a `mount` record's flags (plan-constants.ts), as bigints. */
export const BP = Object.fromEntries(Object.entries(BP_BITS).map(([k, bit]) => [k, 1n << BigInt(bit)])) as { [K in keyof typeof BP_BITS]: bigint };

export type Namespace = 'user' | 'mount' | 'pid' | 'uts' | 'ipc' | 'cgroup' | 'net';

export interface MountStep {
  source: string;
  target: string;
  fstype: string;
  /** MS_* bits */
  flags: number;
  /** helper bits (BP) */
  extra?: bigint;
  data?: string;
}

export interface Caps {
  bounding: bigint;
  permitted: bigint;
  effective: bigint;
  inheritable: bigint;
  ambient: bigint;
}

/**
 * One record of the plan. The monitor's records are read wherever they are;
 * every other one is a step of the child's, carried out in the order
 * written. Beside each, what helpers/plan.h says of the same record.
 */
export type Step =
  /** monitor: the namespaces to clone */
  | { kind: 'namespaces'; namespaces: Namespace[] }
  /**
   * monitor, instead of `namespaces`: enter these namespaces of the running
   * process `pid` (a container's) before the clone, user first; the child's
   * steps then run in them. Not with root, pivot-root, process, idmap-write,
   * exit-file or on-exit. A container in a nested user namespace is entered
   * through the one that owns its other namespaces, its own last.
   */
  | { kind: 'join'; pid: number; namespaces: Namespace[] }
  /** monitor: the child shares namespace `namespace` at `path` (another container's), inside the user namespace that owns it */
  | { kind: 'share'; namespace: 'net' | 'ipc' | 'uts' | 'pid' | 'cgroup' | 'user'; path: string }
  /**
   * monitor: a program started once the child exists ("{pid}" in argv is its
   * pid; "{netns}" and "{userns}" its namespaces as the program's fds 4 and 5,
   * /proc/self/fd/4 and 5, which a child never dumpable needs). `wait`: must exit 0 before the child's steps start (newuidmap), killed
   * after timeoutMs (0: no limit). `keep`: runs beside the container, SIGTERM
   * at its end, SIGKILL timeoutMs later. `ready`: as keep, with a pipe as its
   * fd 3; the first starts once the wait ones ended, beside the child's
   * mounts, and the child's first change of credentials (or its command) waits (at most timeoutMs each) until every
   * one in turn wrote a byte there (pasta -P /proc/self/fd/3, slirp4netns
   * --ready-fd 3). `mount`: as keep, in the
   * child's user namespace and a mount namespace of its own (fuse-overlayfs
   * -f); the monitor waits up to timeoutMs for `mountpoint`, and the child,
   * at this record, moves that tree onto `mountpoint`.
   */
  | { kind: 'process'; mode: 'wait' | 'keep' | 'mount' | 'ready'; timeoutMs: number; mountpoint?: string; argv: string[] }
  /** monitor: write /proc/PID/FILE before the child goes on */
  | { kind: 'idmap-write'; file: 'uid_map' | 'gid_map' | 'setgroups'; content: string }
  /** the host path of the new root, before the in-root steps */
  | { kind: 'root'; path: string }
  /** mount on a path inside the root (or a host path with BP.HOSTDST) */
  | ({ kind: 'mount' } & MountStep)
  /** bwrap's --dev-bind: recursive bind of host `source`, devices usable; target made as the source's kind */
  | { kind: 'dev-bind'; source: string; target: string }
  /** bwrap's --remount-ro: the mount at `path` (and its submounts) read-only */
  | { kind: 'remount-ro'; path: string }
  /**
   * a copy of the mount at `source` in the mount namespace `namespace` (a
   * host path: another container's /proc/PID/ns/mnt) on `target` inside the
   * root, made a directory when missing: both see the same files (a shared
   * --ipc's /dev/shm); before pivot-root
   */
  | { kind: 'mount-from'; namespace: string; source: string; target: string }
  /** the umask from here on: the files later steps make, and the command's */
  | { kind: 'umask'; mask: number }
  | { kind: 'symlink'; target: string; path: string }
  /** /dev/null over a file, an empty read-only tmpfs over a directory; absent: skipped */
  | { kind: 'mask'; path: string }
  /** bind `path` onto itself read-only; absent: skipped (`ifWritable`: also when this process could not write it: bwrap's cover of /proc/sys) */
  | { kind: 'readonly'; path: string; ifWritable?: boolean }
  /** bwrap's --dir: `path` and its missing parents (0755); `mode` for the last; an existing directory is left alone */
  | { kind: 'mkdir'; path: string; mode: number; host?: boolean }
  /** create or replace the regular file `path` (never through a symlink) with `data` (no NUL byte) */
  | { kind: 'write-file'; path: string; mode: number; data: string }
  /** bwrap's --file: the same with what inherited fd `fd` holds up to its end */
  | { kind: 'write-fd'; path: string; mode: number; fd: number; host?: boolean }
  /** bwrap's --chmod: a symlink at `path` is followed inside the root only */
  | { kind: 'chmod'; path: string; mode: number }
  /** write `value` into the existing file `path` (a /proc/sys file of the container's own procfs), never creating it */
  | { kind: 'sysctl'; path: string; value: string }
  | { kind: 'pivot-root' }
  | { kind: 'hostname'; name: string }
  /** setdomainname (--sysctl kernel.domainname: the file under /proc/sys is only the host root's to write) */
  | { kind: 'domainname'; name: string }
  /** bring up `lo` in the new network namespace */
  | { kind: 'loopback' }
  /** a user network: a veth pair, `ifname` ours with `address`, `peer` on the bridge `bridge` (made with `gateway` when missing) in the network namespace at `netns` */
  | { kind: 'bridge-port'; netns: string; bridge: string; gateway: string; ifname: string; peer: string; address: string }
  | { kind: 'rlimit'; resource: number; soft: number | 'inf'; hard: number | 'inf' }
  /** a pty in the container's devpts, handed to the monitor (which relays it) */
  | { kind: 'tty' }
  /** what fd 0 is without a tty */
  | { kind: 'stdin'; mode: 'NULL' | 'INHERIT' }
  /** monitor: with tty, copy our stdin to the pty (-i) */
  | { kind: 'relay-stdin' }
  /** fork: a minimal reaper stays as PID 1, the rest of the steps run in its child */
  | { kind: 'init' }
  /** monitor: the signals passed on to the container */
  | { kind: 'forward-signals'; signals: number[] }
  /**
   * a user namespace of the container's own inside the first (--userns nomap,
   * auto): unshared, its maps (uid_map text, in the first namespace's ids)
   * written by a fork still root of the first; before groups, user and caps
   */
  | { kind: 'nested-userns'; uidMap: string; gidMap: string }
  /** setgroups, at this point (before `user`, which drops the right to) */
  | { kind: 'groups'; gids: number[] }
  /** setresgid, setresuid; the capabilities are kept for `caps` */
  | { kind: 'user'; uid: number | 'keep'; gid: number | 'keep' }
  | ({ kind: 'caps' } & Caps)
  | { kind: 'no-new-privs' }
  | { kind: 'cwd'; path: string }
  /** the command's environment, for `exec` */
  | { kind: 'env'; env: string[] }
  /** where `exec` looks for a command without "/" when env has no PATH */
  | { kind: 'search-path'; path: string }
  /**
   * a new volume's first contents: when the host directory `dest` is empty,
   * the tree at `source` inside the root is copied into it (owners, modes,
   * times, links; no devices), before the volume is mounted over `source`
   */
  | { kind: 'copy-up'; source: string; dest: string }
  /** bwrap's --block-fd: wait until inherited fd `fd` has a byte or ends */
  | { kind: 'block-fd'; fd: number }
  /** a classic BPF program (struct sock_filter[]), installed after no-new-privs; only env, search-path and exec may follow */
  | { kind: 'seccomp'; program: Buffer; flags?: number }
  /** a new anonymous session keyring, so that nothing of the caller's keyring is reachable (as runc and crun do) */
  | { kind: 'session-keyring' }
  /** setsid: a session of its own, without the caller's controlling terminal (no TIOCSTI into it; `tty` does it itself) */
  | { kind: 'new-session' }
  /** execve; `file` without "/" is searched in env's PATH, else search-path */
  | { kind: 'exec'; file: string; argv: string[] }
  /** instead of exec: a pod's infra, a sealed copy of the helper that holds the namespaces and reaps (helpers/pause.c) */
  | { kind: 'pause' }
  /**
   * monitor: the log it opens itself and writes the container's stdout and stderr into, in podman's
   * k8s-file format (and its own errors); past `maxSize` bytes (0: no limit) it starts an empty file
   */
  | { kind: 'log'; path: string; maxSize: number }
  /** monitor: where it writes "CODE FINISHED STARTED" (Unix times, SECONDS.NANOSECONDS) when the container ends */
  | { kind: 'exit-file'; path: string }
  /** monitor: the child's pid written to `path` once it exists, at each run (--pidfile) */
  | { kind: 'pid-file'; path: string }
  /** monitor: then one line appended to `path`: before, the time (RFC 3339 nanoseconds), between, the exit code, after (the `died` event) */
  | { kind: 'event'; path: string; before: string; between: string; after: string }
  /** monitor: run the container again after it ends: policy always or on-failure (at most `max` times, 0: no limit), never once `stoppedFile` exists; the count in `countFile` */
  | { kind: 'restart'; policy: 'always' | 'on-failure'; max: number; stoppedFile: string; countFile: string }
  /**
   * monitor: every `intervalMs` while the container runs, it starts `argv`
   * (burrow's `healthcheck run`: the check, its record and its action are
   * burrow's), never two at once, in a session of its own, output discarded
   */
  | { kind: 'health'; intervalMs: number; argv: string[] }
  /**
   * monitor: listen on the unix socket `path` for `attach` clients, who get
   * the container's output and exit code and send it input: to the pty
   * (`tty`), to a pipe that is the container's stdin (`pipe`: -i without -t,
   * with stdin INHERIT), or nowhere (`none`); `hold`: the first run waits
   * for the first client (run -it: its terminal misses no output)
   */
  | { kind: 'attach'; path: string; stdin: 'none' | 'pipe' | 'tty'; hold?: boolean }
  /**
   * monitor: the child is cloned straight into the cgroup v2 directory
   * `path` (clone3 CLONE_INTO_CGROUP), its cgroup namespace rooted there. For
   * a container the monitor makes it (a delegated cgroup's child) and removes
   * it after each run; with `join`, the container's own, which must exist.
   */
  | { kind: 'cgroup'; path: string }
  /** monitor: what it runs after the container (the unlisting from a pod's or network's hosts files, after --rm) */
  | { kind: 'on-exit'; argv: string[] }
  /**
   * monitor: after the container (before `on-exit`), a fork of it that entered the container's user namespace
   * removes what `args` says, as `burrow-helper remove ARGS` (helpers/remove.c): the clean-up of --rm
   */
  | { kind: 'cleanup'; args: string[] }
  /**
   * monitor: bwrap's conventions (burrow sandbox): the helper's errors are `bwrap: MESSAGE` lines with exit
   * status 1 (a failed exec worded as bwrap's execvp, searched in the command's PATH); the child stays the
   * user it was cloned as and makes its mounts slaves of the host's
   */
  | { kind: 'bwrap' }
  /** monitor: bwrap's --info-fd: the child's pid and new namespaces' inodes as bwrap's JSON, written once the child exists, then closed */
  | { kind: 'info-fd'; fd: number }
  /** monitor: bwrap's --json-status-fd: the same on one line, then `{ "exit-code": N }` when the command ends */
  | { kind: 'json-status-fd'; fd: number }
  /** monitor: bwrap's --die-with-parent: the monitor dies with its parent (the child dies with the monitor) */
  | { kind: 'die-with-parent' }
  /** monitor: fds the caller gave, open in the command too (bwrap passes every fd on) */
  | { kind: 'inherit-fds'; fds: number[] }
  /**
   * bwrap's base: a tmpfs on the host directory `base` becomes the root, the host's tree is moved to
   * /oldroot (host paths are /oldroot/...), and /newroot is the root the in-root steps resolve beneath
   */
  | { kind: 'sandbox-root'; base: string }
  /** bwrap's --lock-file: a read lock on `path`, held while this process lives (PID 1 with an init) */
  | { kind: 'lock-file'; path: string }
  /** bwrap's --disable-userns: write 1 into the limit file `file` (max_user_namespaces); a `nested-userns` must follow */
  | { kind: 'disable-userns'; file: string }
  /** bwrap's --assert-userns-disabled: fail when a new user namespace can still be made */
  | { kind: 'assert-userns-disabled' }
  /** bwrap's --userns2: this process enters the user namespace at `path` (after the root is in place) */
  | { kind: 'userns2'; path: string }
  /** bwrap's --file-label (`fscreate`: the files this process makes) and --exec-label (`exec`: the command's): SELinux's label written to /proc/thread-self/attr/ATTR */
  | { kind: 'selinux-label'; attr: 'exec' | 'fscreate'; label: string }
  /** bwrap's default working directory: the first of `paths` it can go to, else "/"; the command's PWD */
  | { kind: 'cwd-try'; paths: string[] }
  /** a Landlock ruleset handling these access masks (cut to the kernel's ABI); `flags`: landlock_restrict_self's */
  | { kind: 'landlock'; fs: bigint; net: bigint; scoped: bigint; flags: number }
  /** a Landlock rule: `access` beneath `path` (as the process sees it then, after pivot-root) */
  | { kind: 'landlock-path'; access: bigint; path: string }
  /** a Landlock rule: `access` (bind, connect) on TCP port `port` */
  | { kind: 'landlock-port'; access: bigint; port: number }
  /** enforce the ruleset on this process and all it starts (after no-new-privs) */
  | { kind: 'landlock-restrict' }
  /** monitor: where the kernel refuses the new user namespace, say `note` and run the plan at `plan` (an inherited memfd) instead */
  | { kind: 'fallback'; plan: string; note: string }
  /**
   * monitor: burrow sandbox's --audit: the calls a filter with SECCOMP_FILTER_FLAG_NEW_LISTENER sends it
   * ("NR:OP:DIRFD-ARG:PATH-ARG:FLAGS-ARG"), let through, and those the sandbox refuses logged in `file`
   */
  | { kind: 'audit'; file: string; calls: string[] };

export type Plan = Step[];

// Every Step kind is a record the helper knows (plan-constants.ts), and every record has a Step kind.
type Missing = Exclude<RecordName, Step['kind']> | Exclude<Step['kind'], RecordName>;
const exhaustive: [Missing] extends [never] ? true : Missing = true;
void exhaustive;

const hex = (n: bigint): string => n.toString(16);
const octal = (n: number): string => n.toString(8);

function fields(step: Step): string[] {
  switch (step.kind) {
    case 'namespaces':
      return step.namespaces;
    case 'join':
      return [String(step.pid), ...step.namespaces];
    case 'share':
      return [step.namespace, step.path];
    case 'process':
      return [step.mode, String(step.timeoutMs), step.mountpoint ?? '', ...step.argv];
    case 'idmap-write':
      return [step.file, step.content];
    case 'exit-file':
    case 'pid-file':
      return [step.path];
    case 'event':
      return [step.path, step.before, step.between, step.after];
    case 'restart':
      return [step.policy, String(step.max), step.stoppedFile, step.countFile];
    case 'log':
      return [step.path, String(step.maxSize)];
    case 'health':
      return [String(step.intervalMs), ...step.argv];
    case 'attach':
      return [step.path, step.stdin, ...(step.hold ? ['hold'] : [])];
    case 'cgroup':
      return [step.path];
    case 'on-exit':
      return step.argv;
    case 'cleanup':
      return step.args;
    case 'root':
    case 'mask':
    case 'cwd':
    case 'lock-file':
      return [step.path];
    case 'readonly':
      return [step.path, ...(step.ifWritable ? ['writable'] : [])];
    case 'sandbox-root':
      return [step.base];
    case 'disable-userns':
      return [step.file];
    case 'userns2':
      return [step.path];
    case 'selinux-label':
      return [step.attr, step.label];
    case 'info-fd':
    case 'json-status-fd':
      return [String(step.fd)];
    case 'inherit-fds':
      return step.fds.map(String);
    case 'cwd-try':
      return step.paths;
    case 'landlock':
      return [hex(step.fs), hex(step.net), hex(step.scoped), step.flags.toString(16)];
    case 'landlock-path':
      return [hex(step.access), step.path];
    case 'landlock-port':
      return [hex(step.access), String(step.port)];
    case 'fallback':
      return [step.plan, step.note];
    case 'audit':
      return [step.file, ...step.calls];
    case 'mount':
      return [step.source, step.target, step.fstype, hex(BigInt(step.flags) | (step.extra ?? 0n)), step.data ?? ''];
    case 'symlink':
      return [step.target, step.path];
    case 'dev-bind':
      return [step.source, step.target];
    case 'remount-ro':
      return [step.path];
    case 'mount-from':
      return [step.namespace, step.source, step.target];
    case 'umask':
      return [octal(step.mask)];
    case 'mkdir':
      return [step.path, octal(step.mode), ...(step.host ? ['host'] : [])];
    case 'chmod':
      return [step.path, octal(step.mode)];
    case 'write-file':
      return [step.path, octal(step.mode), step.data];
    case 'sysctl':
      return [step.path, step.value];
    case 'copy-up':
      return [step.source, step.dest];
    case 'write-fd':
      return [step.path, octal(step.mode), String(step.fd), ...(step.host ? ['host'] : [])];
    case 'search-path':
      return [step.path];
    case 'block-fd':
      return [String(step.fd)];
    case 'seccomp':
      return step.flags ? [step.program.toString('hex'), step.flags.toString(16)] : [step.program.toString('hex')];
    case 'hostname':
    case 'domainname':
      return [step.name];
    case 'rlimit':
      return [String(step.resource), String(step.soft), String(step.hard)];
    case 'stdin':
      return [step.mode];
    case 'bridge-port':
      return [step.netns, step.bridge, step.gateway, step.ifname, step.peer, step.address];
    case 'forward-signals':
      return step.signals.map(String);
    case 'nested-userns':
      return [step.uidMap, step.gidMap];
    case 'groups':
      return step.gids.map(String);
    case 'user':
      return [step.uid === 'keep' ? '-' : String(step.uid), step.gid === 'keep' ? '-' : String(step.gid)];
    case 'caps':
      return [step.bounding, step.permitted, step.effective, step.inheritable, step.ambient].map(hex);
    case 'env':
      return step.env;
    case 'exec':
      return [step.file, ...step.argv];
    case 'pivot-root':
    case 'loopback':
    case 'tty':
    case 'relay-stdin':
    case 'init':
    case 'no-new-privs':
    case 'session-keyring':
    case 'new-session':
    case 'pause':
    case 'bwrap':
    case 'die-with-parent':
    case 'assert-userns-disabled':
    case 'landlock-restrict':
      return [];
  }
}

/** Encodes a plan in the helper's format. */
export function encodePlan(plan: Plan): Buffer {
  // One string, one encoding (this runs on every start): lengths are in bytes.
  let out = `burrow-plan ${PLAN_VERSION}\n`;
  for (const step of plan) {
    const f = fields(step);
    out += `${step.kind} ${f.length}\n`;
    for (const value of f) out += `${ASCII.test(value) ? value.length : nameBytes(value).length}:${value}\n`;
  }
  // (a word with a byte that is not UTF-8, as a file name or argument may have: system/names.ts)
  return nameBytes(`${out}end 0\n`);
}

// eslint-disable-next-line no-control-regex -- the ASCII range, where a character is a byte
const ASCII = /^[\x00-\x7f]*$/;
