/**
 * Errors in three families (STYLE.md): the user's mistake (UsageError, printed
 * without a stack), an expected failure (BurrowError: a stable code, a message
 * naming the operation and the object, a hint naming the fix), and anything
 * else, which is a bug and prints its stack.
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
