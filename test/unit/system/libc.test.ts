/* The libc calls burrow's start path uses, through koffi, checked against what the kernel shows. */
import { closeSync, readFileSync, readlinkSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { memfd, randomBytes } from '../../../src/system/libc.js';

describe('randomBytes (getrandom)', () => {
  it('gives n random bytes, different each time', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
    expect(a.equals(Buffer.alloc(32))).toBe(false);
  });

  it('refuses more than getrandom gives in one call', () => {
    expect(() => randomBytes(257)).toThrow(RangeError);
  });
});

describe('memfd', () => {
  it('holds the data, readable through /proc/self/fd, and is close-on-exec', () => {
    const data = Buffer.from('burrow-plan 1\nend 0\n');
    const fd = memfd('burrow-plan', data);
    try {
      expect(readlinkSync(`/proc/self/fd/${fd}`)).toBe('/memfd:burrow-plan (deleted)');
      expect(readFileSync(`/proc/self/fd/${fd}`)).toEqual(data);
      const flags = /^flags:\s+(\d+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0';
      expect(Number.parseInt(flags, 8) & 0o2000000).not.toBe(0); // O_CLOEXEC
    } finally {
      closeSync(fd);
    }
  });
});
