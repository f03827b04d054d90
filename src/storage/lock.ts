import { closeSync, openSync } from 'node:fs';

/**
 * Runs `fn` holding an exclusive flock on `file`: every burrow process that
 * changes the store's metadata takes it, so two of them never interleave.
 * The kernel drops the lock when the process dies, so a kill -9 leaves none.
 */
export async function withLock<T>(file: string, fn: () => Promise<T> | T): Promise<T> {
  const { flock } = await import('../system/libc.js');
  const fd = openSync(file, 'a', 0o600);
  try {
    flock(fd, true);
    return await fn();
  } finally {
    closeSync(fd);
  }
}
