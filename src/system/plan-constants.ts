/**
 * The constants the plan's two sides share, in one place: record names and
 * their field counts, mount-flag bits, namespace names, exit codes.
 * src/system/plan.ts imports them; scripts/build.mjs turns this file into
 * build/plan-constants.h, which helpers/plan.h includes (and which checks the
 * kernel's MS_* values against the ones written here at compile time). Data
 * only: no imports, so the build can evaluate it on its own.
 */

/** The number after `burrow-plan`: the helper reads exactly this version. */
export const PLAN_VERSION = 14;
export const PLAN_MAX_SIZE = 16 << 20;
export const PLAN_MAX_FIELDS = 65536;

/**
 * Every record, in the order of the helper's `enum record_kind`: its name,
 * the least and most fields (`-1`: any number), and whether it may appear
 * only once. What each one means is written beside it in helpers/plan.h and
 * src/system/plan.ts.
 */
export const RECORDS = [
  { name: 'namespaces', min: 1, max: 7, once: true },
  { name: 'join', min: 2, max: 8, once: true },
  { name: 'share', min: 2, max: 2, once: false },
  { name: 'process', min: 4, max: -1, once: false },
  { name: 'idmap-write', min: 2, max: 2, once: false },
  { name: 'root', min: 1, max: 1, once: true },
  { name: 'mount', min: 5, max: 5, once: false },
  { name: 'dev-bind', min: 2, max: 2, once: false },
  { name: 'remount-ro', min: 1, max: 1, once: false },
  { name: 'symlink', min: 2, max: 2, once: false },
  { name: 'mask', min: 1, max: 1, once: false },
  { name: 'readonly', min: 1, max: 2, once: false },
  { name: 'mkdir', min: 2, max: 3, once: false },
  { name: 'write-file', min: 3, max: 3, once: false },
  { name: 'write-fd', min: 3, max: 4, once: false },
  { name: 'chmod', min: 2, max: 2, once: false },
  { name: 'sysctl', min: 2, max: 2, once: false },
  { name: 'copy-up', min: 2, max: 2, once: false },
  { name: 'pivot-root', min: 0, max: 0, once: true },
  { name: 'hostname', min: 1, max: 1, once: true },
  { name: 'domainname', min: 1, max: 1, once: true },
  { name: 'loopback', min: 0, max: 0, once: true },
  { name: 'bridge-port', min: 6, max: 6, once: false },
  { name: 'rlimit', min: 3, max: 3, once: false },
  { name: 'tty', min: 0, max: 0, once: true },
  { name: 'stdin', min: 1, max: 1, once: true },
  { name: 'new-session', min: 0, max: 0, once: true },
  { name: 'relay-stdin', min: 0, max: 0, once: true },
  { name: 'init', min: 0, max: 0, once: true },
  { name: 'forward-signals', min: 0, max: 64, once: true },
  { name: 'nested-userns', min: 2, max: 2, once: true },
  { name: 'groups', min: 0, max: 65536, once: true },
  { name: 'user', min: 2, max: 2, once: true },
  { name: 'session-keyring', min: 0, max: 0, once: true },
  { name: 'caps', min: 5, max: 5, once: true },
  { name: 'no-new-privs', min: 0, max: 0, once: true },
  { name: 'cwd', min: 1, max: 1, once: true },
  { name: 'env', min: 0, max: -1, once: true },
  { name: 'search-path', min: 1, max: 1, once: true },
  { name: 'block-fd', min: 1, max: 1, once: false },
  { name: 'seccomp', min: 1, max: 2, once: false },
  { name: 'exec', min: 2, max: -1, once: true },
  { name: 'pause', min: 0, max: 0, once: true },
  { name: 'log', min: 2, max: 2, once: true },
  { name: 'exit-file', min: 1, max: 1, once: true },
  { name: 'event', min: 4, max: 4, once: true },
  { name: 'restart', min: 4, max: 4, once: true },
  { name: 'health', min: 2, max: -1, once: true },
  { name: 'attach', min: 2, max: 3, once: true },
  { name: 'cgroup', min: 1, max: 1, once: true },
  { name: 'on-exit', min: 1, max: -1, once: true },
  { name: 'bwrap', min: 0, max: 0, once: true },
  { name: 'info-fd', min: 1, max: 1, once: true },
  { name: 'json-status-fd', min: 1, max: 1, once: true },
  { name: 'die-with-parent', min: 0, max: 0, once: true },
  { name: 'inherit-fds', min: 1, max: -1, once: true },
  { name: 'sandbox-root', min: 1, max: 1, once: true },
  { name: 'lock-file', min: 1, max: 1, once: false },
  { name: 'disable-userns', min: 1, max: 1, once: true },
  { name: 'assert-userns-disabled', min: 0, max: 0, once: true },
  { name: 'cwd-try', min: 1, max: -1, once: true },
  { name: 'landlock', min: 4, max: 4, once: true },
  { name: 'landlock-path', min: 2, max: 2, once: false },
  { name: 'landlock-port', min: 2, max: 2, once: false },
  { name: 'landlock-restrict', min: 0, max: 0, once: true },
  { name: 'fallback', min: 2, max: 2, once: true },
  { name: 'audit', min: 2, max: -1, once: true },
  { name: 'userns2', min: 1, max: 1, once: true },
  { name: 'selinux-label', min: 2, max: 2, once: false },
  { name: 'cleanup', min: 1, max: -1, once: true },
  { name: 'mount-from', min: 3, max: 3, once: false },
  { name: 'umask', min: 1, max: 1, once: false },
  { name: 'pid-file', min: 1, max: 1, once: true },
] as const;

export type RecordName = (typeof RECORDS)[number]['name'];

/** The kernel's MS_* bits the compiler uses (the C build checks each against <sys/mount.h>). */
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  REMOUNT: 0x20,
  NOATIME: 0x400,
  BIND: 0x1000,
  REC: 0x4000,
  PRIVATE: 0x40000,
  STRICTATIME: 0x1000000,
} as const;

/** The helper's own bits of a `mount` record's FLAGS, above the kernel's. */
export const BP_BITS = {
  /** create DST as a directory (and its parents) */
  MKDIR: 40,
  /** create DST as an empty file (its parents as directories) */
  MKFILE: 41,
  /** bind, then remount read-only keeping the locked flags */
  RDONLY: 42,
  /** DST is a host path, not one inside the root */
  HOSTDST: 43,
  /** skip silently when SRC does not exist */
  OPTIONAL: 44,
} as const;

/** Namespace names as the `namespaces` record spells them, with the clone flag each stands for. */
export const NAMESPACES = {
  user: 'CLONE_NEWUSER',
  mount: 'CLONE_NEWNS',
  pid: 'CLONE_NEWPID',
  uts: 'CLONE_NEWUTS',
  ipc: 'CLONE_NEWIPC',
  cgroup: 'CLONE_NEWCGROUP',
  net: 'CLONE_NEWNET',
} as const;

/** How a `process` record's program runs beside the container. */
export const PROCESS_MODES = ['wait', 'keep', 'mount', 'ready'] as const;

/** The helper's exit codes besides the container's own (128+N for a signal N). */
export const EXIT = {
  /** the helper or a setup step failed */
  HELPER: 125,
  /** the command exists but cannot be executed */
  CANNOT_EXEC: 126,
  /** the command was not found */
  NOT_FOUND: 127,
} as const;
