/**
 * Landlock, the sandbox's second wall (beyond bwrap): rules the kernel
 * enforces inside the namespaces, whatever is mounted there. burrow's own
 * options (and a profile's) say which paths keep which rights, which TCP
 * ports may be bound or connected to, and whether signals and abstract unix
 * sockets are scoped to the sandbox; this module turns them into the masks
 * of the kernel's ABI, and says once what this kernel cannot enforce.
 */

/** Filesystem rights (linux/landlock.h LANDLOCK_ACCESS_FS_*), with the ABI that added each. */
const FS = {
  EXECUTE: [0, 1],
  WRITE_FILE: [1, 1],
  READ_FILE: [2, 1],
  READ_DIR: [3, 1],
  REMOVE_DIR: [4, 1],
  REMOVE_FILE: [5, 1],
  MAKE_CHAR: [6, 1],
  MAKE_DIR: [7, 1],
  MAKE_REG: [8, 1],
  MAKE_SOCK: [9, 1],
  MAKE_FIFO: [10, 1],
  MAKE_BLOCK: [11, 1],
  MAKE_SYM: [12, 1],
  REFER: [13, 2],
  TRUNCATE: [14, 3],
  IOCTL_DEV: [15, 5],
} as const;

type FsRight = keyof typeof FS;

const mask = (rights: readonly FsRight[], abi: number): bigint => rights.reduce((m, r) => (FS[r][1] <= abi ? m | (1n << BigInt(FS[r][0])) : m), 0n);

const ALL_FS = Object.keys(FS) as FsRight[];
const READ: FsRight[] = ['READ_FILE', 'READ_DIR'];

/** What a path rule grants: read (ro), read and execute (rx), everything (rw). */
export type PathAccess = 'ro' | 'rx' | 'rw';

export const PATH_RIGHTS: Record<PathAccess, FsRight[]> = { ro: READ, rx: [...READ, 'EXECUTE'], rw: ALL_FS };

/** TCP rights (LANDLOCK_ACCESS_NET_*, ABI 4). */
export const TCP = { bind: 1n, connect: 2n } as const;
/** Scopes (LANDLOCK_SCOPE_*, ABI 6). */
const SCOPE_ABSTRACT_UNIX_SOCKET = 1n;
const SCOPE_SIGNAL = 2n;

export interface LandlockRules {
  paths: { access: PathAccess; path: string }[];
  ports: { access: keyof typeof TCP; port: number }[];
  scope: boolean;
}

export const noRules = (): LandlockRules => ({ paths: [], ports: [], scope: false });

export const hasRules = (r: LandlockRules): boolean => r.paths.length > 0 || r.ports.length > 0 || r.scope;

/** The plan's masks for `abi` (0: no Landlock), and what the kernel cannot enforce, said in one line. */
export function landlockMasks(rules: LandlockRules, abi: number): { fs: bigint; net: bigint; scoped: bigint; paths: { access: bigint; path: string }[]; ports: { access: bigint; port: number }[]; unenforced?: string } {
  const missing: string[] = [];
  if (abi === 0) {
    return { fs: 0n, net: 0n, scoped: 0n, paths: [], ports: [], unenforced: 'this kernel has no Landlock (or it is disabled): the --landlock-* rules are not enforced' };
  }
  const fs = rules.paths.length > 0 ? mask(ALL_FS, abi) : 0n;
  if (rules.paths.length > 0 && abi < 5) missing.push(`device ioctls${abi < 3 ? ', truncation' : ''}${abi < 2 ? ', renames across directories' : ''} are not limited`);
  // Only what a rule names is limited: --landlock-connect-tcp alone leaves binding alone, and the other way round.
  const net = abi >= 4 ? rules.ports.reduce((m, p) => m | TCP[p.access], 0n) : 0n;
  if (rules.ports.length > 0 && abi < 4) missing.push('TCP ports are not limited (--landlock-bind-tcp, --landlock-connect-tcp need ABI 4)');
  const scoped = rules.scope && abi >= 6 ? SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL : 0n;
  if (rules.scope && abi < 6) missing.push('signals and abstract unix sockets are not scoped (--landlock-scope needs ABI 6)');
  return {
    fs,
    net,
    scoped,
    paths: fs === 0n ? [] : rules.paths.map((p) => ({ access: mask(PATH_RIGHTS[p.access], abi), path: p.path })),
    ports: net === 0n ? [] : rules.ports.map((p) => ({ access: TCP[p.access], port: p.port })),
    ...(missing.length > 0 ? { unenforced: `this kernel's Landlock (ABI ${abi}): ${missing.join('; ')}` } : {}),
  };
}
