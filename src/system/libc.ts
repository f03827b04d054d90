/**
 * The libc calls Node lacks, bound through koffi. This is the only module that
 * touches koffi; the others reach it through a Sys (sys.ts). Each function is
 * bound on first use, and koffi's native module is loaded directly: koffi's
 * own index.js costs about 5 ms of start-up to find it (measured), the module
 * itself 0.5 ms.
 */
import { closeSync, existsSync } from 'node:fs';

import { packageRoot } from '../config/install.js';
import { writeAll } from './files.js';
import { builtin } from '../lazy.js';
import { cPath } from './names.js';

type Koffi = typeof import('koffi');

interface Libc {
  execve(path: string, argv: (string | null)[], envp: (string | null)[]): number;
  memfd_create(name: string, flags: number): number;
  getrandom(buf: Buffer, length: number, flags: number): number;
  fcntl(fd: number, cmd: number, ...args: unknown[]): number;
  flock(fd: number, op: number): number;
  mknod(path: string | Buffer, mode: number, dev: bigint): number;
  lsetxattr(path: string | Buffer, name: string, value: Buffer, size: number, flags: number): number;
  lgetxattr(path: string | Buffer, name: string, value: Buffer, size: number): number;
  syscall(number: number, ...args: unknown[]): number;
  pipe2(fds: Int32Array, flags: number): number;
  /** poll(2) on a worker thread: the event loop goes on while it blocks */
  pollAsync(fds: Buffer, nfds: number, timeout: number, done: (err: unknown, result: number) => void): void;
  errno(): number;
}

const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;
const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;

let libc: Libc | undefined;

function loadKoffi(): Koffi {
  const direct = `${packageRoot}node_modules/koffi/build/koffi/${process.platform}_${process.arch}/koffi.node`;
  if (existsSync(direct)) {
    const mod = { exports: {} as Koffi };
    process.dlopen(mod, direct);
    return mod.exports;
  }
  // koffi elsewhere (hoisted into a parent node_modules): Node's resolution finds it. node:module is
  // loaded only here (0.15 ms of every start otherwise).
  const { createRequire } = builtin<typeof import('node:module')>('node:module');
  return createRequire(`${packageRoot}package.json`)('koffi') as Koffi;
}

/** libc, with each function bound on first use (binding all of them costs start-up time). */
function load(): Libc {
  if (libc) return libc;
  const koffi = loadKoffi();
  const lib = koffi.load('libc.so.6');
  const bound = new Map<string, unknown>();
  const bind = <F>(prototype: string): F => {
    let f = bound.get(prototype);
    if (f === undefined) bound.set(prototype, (f = lib.func(prototype)));
    return f as F;
  };
  libc = {
    execve: (...a) => bind<Libc['execve']>('int execve(const char *path, const char **argv, const char **envp)')(...a),
    getrandom: (...a) => bind<Libc['getrandom']>('intptr_t getrandom(_Out_ void *buf, size_t length, unsigned int flags)')(...a),
    memfd_create: (...a) => bind<Libc['memfd_create']>('int memfd_create(const char *name, unsigned int flags)')(...a),
    fcntl: (...a) => bind<Libc['fcntl']>('int fcntl(int fd, int cmd, ...)')(...a),
    flock: (...a) => bind<Libc['flock']>('int flock(int fd, int op)')(...a),
    mknod: (...a) => bind<Libc['mknod']>('int mknod(const char *path, uint32_t mode, uint64_t dev)')(...a),
    lsetxattr: (...a) => bind<Libc['lsetxattr']>('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)')(...a),
    lgetxattr: (...a) => bind<Libc['lgetxattr']>('intptr_t lgetxattr(const char *path, const char *name, _Out_ void *value, size_t size)')(...a),
    syscall: (...a) => bind<Libc['syscall']>('long syscall(long number, ...)')(...a),
    pipe2: (...a) => bind<Libc['pipe2']>('int pipe2(_Out_ int *fds, int flags)')(...a),
    pollAsync: (fds, nfds, timeout, done) =>
      bind<{ async: (...a: unknown[]) => void }>('int poll(_Inout_ void *fds, unsigned long nfds, int timeout)').async(fds, nfds, timeout, done),
    errno: () => koffi.errno(),
  };
  return libc;
}

/**
 * Replaces this process with `path` (docs/design.md, "The exec, and who is whose parent"). Node marks fds 0-2
 * close-on-exec, so that flag is cleared first (and on the fds in `keep`). Once
 * it has made process.stdin, stdout or stderr (clipanion's parser does), libuv
 * has made that open file non-blocking, and Node would make it blocking again
 * as it exits: the exec skips that exit, so it is done here, or the container
 * would get a non-blocking stdout (a writer's EAGAIN). The helper resets the
 * signal dispositions Node changed and closes the fds Node leaks.
 * Returns only on failure, with the errno.
 */
export function execve(path: string, argv: string[], env: NodeJS.ProcessEnv, keep: number[] = []): number {
  const c = load();
  for (const fd of [0, 1, 2, ...keep]) {
    const flags = c.fcntl(fd, F_GETFD);
    if (flags >= 0 && flags & FD_CLOEXEC) c.fcntl(fd, F_SETFD, 'int', flags & ~FD_CLOEXEC);
  }
  for (const fd of [0, 1, 2]) {
    const status = c.fcntl(fd, F_GETFL);
    if (status >= 0 && status & O_NONBLOCK) c.fcntl(fd, F_SETFL, 'int', status & ~O_NONBLOCK);
  }
  const envp = Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
  c.execve(path, [...argv, null], [...envp, null]);
  return c.errno();
}

/** A pipe (pipe2 with O_CLOEXEC): [read end, write end]. */
export function pipe(): [number, number] {
  const c = load();
  const fds = new Int32Array(2);
  if (c.pipe2(fds, 0o2000000) < 0) throw new SyscallError('pipe2', c.errno());
  return [fds[0] as number, fds[1] as number];
}

/** An fd's flags (F_GETFD: FD_CLOEXEC), or -1 when it is not open. */
export function fdFlags(fd: number): number {
  return load().fcntl(fd, F_GETFD);
}

/** `n` (at most 256) bytes from getrandom(2), the kernel's random source (node:crypto costs 3 ms of start-up to load). */
const F_SETPIPE_SZ = 1031;

/**
 * Asks for a larger pipe buffer (fcntl F_SETPIPE_SZ): fewer wake-ups for a
 * writer that streams hundreds of megabytes through it. Best effort: the
 * kernel caps it (/proc/sys/fs/pipe-max-size) and may refuse.
 */
export function setPipeSize(fd: number, bytes: number): void {
  load().fcntl(fd, F_SETPIPE_SZ, 'int', bytes);
}

export function randomBytes(n: number): Buffer {
  if (n > 256) throw new RangeError('randomBytes: at most 256 bytes in one call');
  const c = load();
  const buf = Buffer.alloc(n);
  for (;;) {
    const got = c.getrandom(buf, n, 0);
    if (got === n) return buf;
    const e = got < 0 ? c.errno() : 0;
    if (got < 0 && e !== 4) throw new SyscallError('getrandom', e);
    // EINTR: again
  }
}

const MFD_CLOEXEC = 1;

/** An anonymous file in memory, close-on-exec, holding `data`: read back through /proc/self/fd/N. */
export function memfd(name: string, data: Buffer): number {
  const c = load();
  const fd = c.memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) throw new SyscallError('memfd_create', c.errno());
  try {
    writeAll(fd, data);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/** A failed libc call as a Node-style error (code ENOENT, ...), naming the call and the path. */
export class SyscallError extends Error {
  readonly errno: number;
  readonly code: string;
  readonly syscall: string;
  readonly path: string | undefined;
  constructor(syscall: string, errno: number, path?: string) {
    const code = ERRNO_NAMES[errno] ?? `E${errno}`;
    super(`${syscall}${path === undefined ? '' : ` \`${path}\``}: ${code}`);
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
    this.path = path;
  }
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 16: 'EBUSY',
  17: 'EEXIST', 18: 'EXDEV', 20: 'ENOTDIR', 21: 'EISDIR', 22: 'EINVAL', 23: 'ENFILE', 24: 'EMFILE', 27: 'EFBIG', 28: 'ENOSPC',
  30: 'EROFS', 31: 'EMLINK', 32: 'EPIPE', 34: 'ERANGE', 36: 'ENAMETOOLONG', 38: 'ENOSYS', 39: 'ENOTEMPTY', 40: 'ELOOP',
  61: 'ENODATA', 95: 'EOPNOTSUPP', 122: 'EDQUOT',
};

// The same number on every architecture (system calls added after 4.20 share one table).
const SYS_PIDFD_SEND_SIGNAL = 424;
const SYS_PIDFD_OPEN = 434;

const SYS_LANDLOCK_CREATE_RULESET = 444;
const LANDLOCK_CREATE_RULESET_VERSION = 1;

/** The kernel's Landlock ABI version: 0 where it has none (or it is disabled). */
export function landlockAbi(): number {
  const v = Number(load().syscall(SYS_LANDLOCK_CREATE_RULESET, 'void *', null, 'size_t', 0, 'unsigned int', LANDLOCK_CREATE_RULESET_VERSION));
  return v > 0 ? v : 0;
}

/** A pidfd for `pid` (close-on-exec): it names that process even once the pid is reused. undefined when it is gone. */
export function pidfdOpen(pid: number): number | undefined {
  const c = load();
  const fd = c.syscall(SYS_PIDFD_OPEN, 'int', pid, 'unsigned int', 0);
  if (fd >= 0) return Number(fd);
  const e = c.errno();
  if (e === 3) return undefined; // ESRCH
  throw new SyscallError('pidfd_open', e);
}

/** Sends `signal` to the process of a pidfd; false when it has already ended. */
export function pidfdSignal(pidfd: number, signal: number): boolean {
  const c = load();
  if (c.syscall(SYS_PIDFD_SEND_SIGNAL, 'int', pidfd, 'int', signal, 'void *', null, 'unsigned int', 0) === 0) return true;
  const e = c.errno();
  if (e === 3) return false;
  throw new SyscallError('pidfd_send_signal', e);
}

/**
 * Resolves true once the process of a pidfd has ended (a zombie counts), false
 * after `timeoutMs`. One blocking poll(2) on koffi's worker thread: no polling loop.
 */
export function pidfdWait(pidfd: number, timeoutMs: number): Promise<boolean> {
  const c = load();
  const pfd = Buffer.alloc(8);
  pfd.writeInt32LE(pidfd, 0);
  pfd.writeInt16LE(1, 4); // POLLIN
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const once = (): void =>
      c.pollAsync(pfd, 1, Math.max(0, deadline - Date.now()), (err, n) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        if (n > 0) return resolve(true);
        if (n === 0) return resolve(false);
        const e = c.errno();
        if (e === 4) return once(); // EINTR: the rest of the time again
        reject(new SyscallError('poll', e));
      });
    once();
  });
}

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;

/** Takes the lock only if no one holds it; false when someone does. */
export function tryFlock(fd: number, exclusive: boolean): boolean {
  const c = load();
  for (;;) {
    if (c.flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) === 0) return true;
    const e = c.errno();
    if (e === 11) return false; // EWOULDBLOCK
    if (e !== 4) throw new SyscallError('flock', e);
  }
}

/** Blocks until the whole-file lock on fd is held (released when the fd closes). */
export function flock(fd: number, exclusive: boolean): void {
  const c = load();
  for (;;) {
    if (c.flock(fd, exclusive ? LOCK_EX : LOCK_SH) === 0) return;
    const e = c.errno();
    if (e !== 4) throw new SyscallError('flock', e);
  }
}

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

export function mknod(path: string, mode: number, dev = 0n): void {
  const c = load();
  if (c.mknod(cPath(path), mode, dev) !== 0) throw new SyscallError('mknod', c.errno(), path);
}

/** Sets an extended attribute on path itself (not what a symlink points to). */
export function lsetxattr(path: string, name: string, value: Buffer): void {
  const c = load();
  if (c.lsetxattr(cPath(path), name, value, value.length, 0) !== 0) throw new SyscallError('lsetxattr', c.errno(), path);
}

/** An extended attribute of path itself, or undefined when it has none of that name. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const c = load();
  const buf = Buffer.alloc(4096);
  const n = c.lgetxattr(cPath(path), name, buf, buf.length);
  if (n >= 0) return buf.subarray(0, n);
  const e = c.errno();
  if (e === 61 || e === 95) return undefined; // ENODATA, EOPNOTSUPP
  throw new SyscallError('lgetxattr', e, path);
}

const SYS_openat2 = 437; // one number on every architecture Node runs on (asm-generic and x86 alike)
const RESOLVE_NO_MAGICLINKS = 0x02;
const RESOLVE_NO_SYMLINKS = 0x04;
const RESOLVE_BENEATH = 0x08;
const RESOLVE_IN_ROOT = 0x10;

function openat2(dirFd: number, rel: string, flags: number, resolve: number): number {
  const c = load();
  const how = Buffer.alloc(24); // struct open_how { u64 flags; u64 mode; u64 resolve; }
  how.writeBigUInt64LE(BigInt(flags | O_CLOEXEC), 0);
  how.writeBigUInt64LE(BigInt(resolve), 16);
  const path = cPath(rel === '' ? '.' : rel);
  for (;;) {
    const fd = c.syscall(SYS_openat2, 'int', dirFd, typeof path === 'string' ? 'str' : 'void *', path, 'void *', how, 'size_t', how.length);
    if (fd >= 0) return fd;
    const e = c.errno();
    if (e !== 4 && e !== 11) throw new SyscallError('openat2', e, rel);
    // EINTR, or EAGAIN (a rename elsewhere raced the lookup): again
  }
}

/**
 * Opens `rel` beneath the directory `dirFd` without following any symbolic
 * link on the way, the last component included (openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a path that a symlink, `..` or a
 * mount point would lead elsewhere fails (ELOOP, EXDEV) instead of reaching
 * outside. `rel` '' opens `dirFd` itself again. Returns the fd, or throws a
 * SyscallError.
 */
export function openBeneath(dirFd: number, rel: string, flags: number): number {
  return openat2(dirFd, rel, flags, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

/**
 * Opens `path` as a process whose root is the directory `rootFd` would
 * (openat2 with RESOLVE_IN_ROOT): symbolic links are followed, but an
 * absolute target or a `..` stays inside that root, with no window between
 * a check and the open. How burrow reads a running container's files
 * through /proc/PID/root.
 */
export function openInRoot(rootFd: number, path: string, flags: number): number {
  return openat2(rootFd, path.replace(/^\/+/, ''), flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

const O_CLOEXEC = 0o2000000;
