import { closeSync, openSync } from 'node:fs';

import type { LibcCalls } from '../system/sys.js';

/**
 * Runs `fn` holding an exclusive flock on `file`: every burrow process that
 * changes the store's metadata takes it, so two of them never interleave.
 * The kernel drops the lock when the process dies, so a kill -9 leaves none.
 */
export async function withLock<T>(sys: Pick<LibcCalls, 'flock'>, file: string, fn: () => Promise<T> | T): Promise<T> {
  const fd = openSync(file, 'a', 0o600);
  try {
    sys.flock(fd, true);
    return await fn();
  } finally {
    closeSync(fd);
  }
}
