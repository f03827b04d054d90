import { writeSync } from 'node:fs';

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
