import { closeSync, fsyncSync, openSync, readFileSync, readSync, renameSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';

import { errnoCode, withPath } from '../errors.js';
import { writeAll } from '../system/files.js';

/**
 * Replaces `path` with `data` so that a reader (or a kill -9 at any moment)
 * sees either the old file or the new one, whole: temp file, fsync, rename,
 * fsync of the directory (docs/design.md, "The store").
 */
export function atomicWriteFile(path: string, data: string | Buffer, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      unlinkSync(tmp);
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, path);
    fsyncDir(dirname(path));
  } catch (err) {
    throw withPath(err, path, true); // the file it was to replace, not the temporary one
  }
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Most store files are a few hundred bytes: one buffer, kept, reads them (storeText). */
const SMALL = 64 << 10;
let small: Buffer | undefined;

/**
 * The text of a file of the store (a regular file, written whole by
 * atomicWriteFile or the monitor), as readFileSync(path, 'utf8') gives it,
 * but in one read(2) when it is under 64 KiB: a regular file's short read is
 * its end, so the second read that only finds the end is spared. `ps` reads
 * two such files per container (2,000 reads fewer for 1,000 containers).
 * Not for /proc, whose files may answer in pieces. Throws as readFileSync.
 */
export function storeText(path: string): string {
  const fd = openSync(path, 'r');
  try {
    small ??= Buffer.allocUnsafe(SMALL);
    const n = readSync(fd, small, 0, SMALL, null);
    if (n < SMALL) return small.toString('utf8', 0, n);
    return Buffer.concat([Buffer.from(small), readFileSync(fd)]).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** storeText, or undefined when the file cannot be read (absent). */
export function storeTextIfAny(path: string): string | undefined {
  try {
    return storeText(path);
  } catch {
    return undefined;
  }
}

/** Parses a JSON file, or returns `fallback` when it does not exist. */
export function readJson<T>(path: string, fallback: T): T {
  let text: string;
  try {
    text = storeText(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return fallback;
    throw err;
  }
  return JSON.parse(text) as T;
}
