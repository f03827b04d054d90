/**
 * Errors in three families (docs/design.md, "Errors"): the user's mistake (UsageError, printed
 * without a stack), an expected failure (BurrowError: a stable code, a message
 * naming the operation and the object, a hint naming the fix), and anything
 * else, which is a bug (its stack with --log-level=debug).
 */
export class BurrowError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BurrowError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** A mistake in what the user typed: bad flag values, conflicting options. */
export class UsageError extends BurrowError {
  constructor(message: string, hint?: string) {
    super('E_USAGE', message, hint === undefined ? {} : { hint });
    this.name = 'UsageError';
  }
}

/** The exit codes podman uses. */
export const ExitCode = {
  burrow: 125,
  cannotExecute: 126,
  notFound: 127,
} as const;

/** `code` of a Node system error (ENOENT, EACCES, ...), if it is one. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/**
 * Errors of the machine rather than of burrow: a full or read-only disk, a
 * file the user may not write, a limit reached. A system call that fails so
 * is an expected failure, reported with what it did and where.
 */
const ENVIRONMENT = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EMFILE', 'ENFILE', 'ENOMEM', 'ENAMETOOLONG', 'EFBIG', 'EMLINK', 'EPIPE']);

/** What a failed system call was doing, in words. */
const VERBS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  fsync: 'sync',
  close: 'close',
  rename: 'rename',
  mkdir: 'create directory',
  mkdtemp: 'create directory',
  rmdir: 'remove',
  unlink: 'remove',
  rm: 'remove',
  symlink: 'create',
  link: 'create',
  mknod: 'create',
  copyfile: 'copy',
  scandir: 'list',
  opendir: 'list',
  lstat: 'look at',
  stat: 'look at',
  chmod: 'change the mode of',
  fchmod: 'change the mode of',
  lchown: 'change the owner of',
  fchown: 'change the owner of',
  utime: 'set the times of',
  futime: 'set the times of',
  lutime: 'set the times of',
  lsetxattr: 'set an extended attribute of',
  flock: 'lock',
  openat2: 'open',
};

/**
 * The same failure as an expected one (`write \`PATH\`: no space left on
 * device`), when `err` is a system call's failure of the machine's making;
 * undefined otherwise. `operation` (what burrow was doing) comes first.
 */
export function systemFailure(err: unknown, operation?: string): BurrowError | undefined {
  if (err instanceof BurrowError || typeof err !== 'object' || err === null) return undefined;
  const { code, syscall, path } = err as { code?: unknown; syscall?: unknown; path?: unknown };
  if (typeof code !== 'string' || !ENVIRONMENT.has(code) || typeof syscall !== 'string') return undefined;
  const description = describeError(err);
  const verb = VERBS[syscall] ?? syscall;
  const where = typeof path === 'string' ? `${verb} \`${shortPath(path)}\`` : verb;
  return new BurrowError(`E_SYSTEM_${code}`, `${operation ? `${operation}: ` : ''}${where}: ${description}`, { cause: err });
}

/** A path as an error names it: whole, or, past 160 characters (a tree deeper than the kernel reads), its ends and its length. */
export function shortPath(path: string): string {
  return path.length <= 160 ? path : `${path.slice(0, 60)}...${path.slice(-60)} (${path.length} bytes)`;
}

/** strerror's words for the codes of ENVIRONMENT, for errors that carry only the code (system/libc.ts's SyscallError). */
const CODE_WORDS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  ENOMEM: 'cannot allocate memory',
  ENAMETOOLONG: 'file name too long',
  EFBIG: 'file too large',
  EMLINK: 'too many links',
  EPIPE: 'broken pipe',
};

/** A system call's failure in words, without the call and the path (`no space left on device`); any other error's message. */
export function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // A libc call's (system/libc.ts's SyscallError): "openat2 `PATH`: EACCES".
  const libc = /^[a-z0-9_]+(?: `.*`)?: (E[A-Z0-9]+)$/s.exec(message)?.[1];
  if (libc !== undefined && CODE_WORDS[libc] !== undefined) return CODE_WORDS[libc];
  // A stream's (libuv's) is only "write EPIPE".
  const stream = /^[a-z]+ (E[A-Z0-9]+)$/.exec(message)?.[1];
  if (stream !== undefined && STREAM_ERRORS[stream] !== undefined) return STREAM_ERRORS[stream];
  // Node's message is "ENOSPC: no space left on device, write" or "..., open '/path'".
  return /^E[A-Z0-9]+: (.*?)(?:, [a-z0-9]+(?: '.*)?)?$/s.exec(message)?.[1] ?? message;
}

/** The words for the codes a stream's error gives bare (`write EPIPE`), as strerror has them. */
const STREAM_ERRORS: Record<string, string> = { EPIPE: 'broken pipe', ECONNRESET: 'connection reset by peer', ENOSPC: 'no space left on device', EIO: 'input/output error' };

/**
 * Names `path` in a system call's error that names none (a write by fd), or,
 * with `replace`, instead of the one it names (a temporary file standing for
 * `path`). Returns `err`, for `throw withPath(err, path)`.
 */
export function withPath(err: unknown, path: string, replace = false): unknown {
  if (errnoCode(err) !== undefined && (replace || (err as { path?: unknown }).path === undefined)) Object.assign(err as object, { path });
  return err;
}
