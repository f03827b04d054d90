import { lstatSync, readdirSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { errnoCode } from '../errors.js';

/**
 * Writes all of `data` to `fd` (at `position`, when given). One write(2) may
 * write less than asked, as a disk fills up; only the next one says ENOSPC.
 * A single writeSync would take the short count for success and leave the
 * file shorter than the bytes that were hashed and counted.
 */
export function writeAll(fd: number, data: Buffer, position?: number): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, position === undefined ? null : position + done);
}

/**
 * read(2) that waits: an fd made non-blocking by whoever shares it gives
 * EAGAIN, and then the read is tried again a millisecond later.
 */
export function readWaiting(fd: number, buf: Buffer): number {
  for (;;)
    try {
      return readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if (errnoCode(err) !== 'EAGAIN') throw err;
      Atomics.wait(PAUSE, 0, 0, 1);
    }
}

/** writeAll that waits, as readWaiting does: a full non-blocking pipe (EAGAIN) is tried again a millisecond later. */
export function writeAllWaiting(fd: number, data: Buffer): void {
  let done = 0;
  while (done < data.length)
    try {
      done += writeSync(fd, data, done, data.length - done);
    } catch (err) {
      if (errnoCode(err) !== 'EAGAIN') throw err;
      Atomics.wait(PAUSE, 0, 0, 1);
    }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** A file's text; undefined when it cannot be read (absent, not a file, no permission). */
export function readTextIfAny(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The names in `dir`; none when it cannot be read (absent, not a directory, no permission). */
export function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Bytes used by a directory tree (apparent sizes), without following links. */
export function treeSize(dir: string): number {
  let total = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    for (const entry of safeReaddirTypes(d)) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) stack.push(p);
      else {
        try {
          total += lstatSync(p).size;
        } catch {
          // vanished or unreadable
        }
      }
    }
  }
  return total;
}

function safeReaddirTypes(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}
