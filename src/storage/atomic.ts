import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
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

/** Parses a JSON file, or returns `fallback` when it does not exist. */
export function readJson<T>(path: string, fallback: T): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return fallback;
    throw err;
  }
  return JSON.parse(text) as T;
}
