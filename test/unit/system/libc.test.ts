/* The libc calls burrow's start path uses, through koffi, checked against what the kernel shows. */
import { closeSync, constants, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { systemFailure } from '../../../src/errors.js';
import { memfd, openBeneath, randomBytes, SyscallError } from '../../../src/system/libc.js';

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

describe('openBeneath (openat2, no symlinks, beneath the directory)', () => {
  const O_RDONLY_DIR = constants.O_RDONLY | constants.O_DIRECTORY;
  let dir: string;
  let outside: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'burrow-beneath-'));
    outside = mkdtempSync(join(tmpdir(), 'burrow-outside-'));
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    writeFileSync(join(dir, 'a/file'), 'inside\n');
    symlinkSync(outside, join(dir, 'out'));
    symlinkSync('b', join(dir, 'a/rel'));
    writeFileSync(join(outside, 'secret'), 'host\n');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('opens a directory and a file beneath, and the directory itself for ""', () => {
    const root = openSync(dir, O_RDONLY_DIR);
    try {
      const sub = openBeneath(root, 'a/b', O_RDONLY_DIR);
      expect(fstatSync(sub).ino).toBe(statSync(join(dir, 'a/b')).ino);
      closeSync(sub);
      const file = openBeneath(root, 'a/file', constants.O_RDONLY);
      expect(readFileSync(file, 'utf8')).toBe('inside\n');
      closeSync(file);
      const self = openBeneath(root, '', O_RDONLY_DIR);
      expect(fstatSync(self).ino).toBe(statSync(dir).ino);
      closeSync(self);
    } finally {
      closeSync(root);
    }
  });

  it('refuses any symlink on the way (ELOOP), in the middle or at the end, and `..` above the directory (EXDEV)', () => {
    const root = openSync(dir, O_RDONLY_DIR);
    try {
      for (const rel of ['out/secret', 'out', 'a/rel', 'a/rel/../file'])
        expect(() => openBeneath(root, rel, constants.O_RDONLY), rel).toThrow(expect.objectContaining({ code: 'ELOOP', syscall: 'openat2' }));
      expect(() => openBeneath(root, '../x', constants.O_RDONLY)).toThrow(expect.objectContaining({ code: 'EXDEV' }));
      expect(() => openBeneath(root, 'missing', constants.O_RDONLY)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    } finally {
      closeSync(root);
    }
  });
});

describe('SyscallError as burrow reports it (errors.ts systemFailure)', () => {
  it("names the code, and a failure of the machine's making is said in words, its path once", () => {
    expect(new SyscallError('openat2', 36, 'a/b').code).toBe('ENAMETOOLONG');
    expect(new SyscallError('openat2', 24).code).toBe('EMFILE');
    expect(new SyscallError('openat2', 1000).code).toBe('E1000');
    expect(systemFailure(new SyscallError('openat2', 13, 'a/b'), 'export container x')?.message).toBe('export container x: open `a/b`: permission denied');
    expect(systemFailure(new SyscallError('openat2', 2, 'a/b'))).toBeUndefined(); // burrow's own to handle
  });

  it('shortens a path too long for the kernel to its ends and its length', () => {
    const root = openSync(tmpdir(), constants.O_RDONLY | constants.O_DIRECTORY);
    let caught: unknown;
    try {
      openBeneath(root, Array(2100).fill('a').join('/'), constants.O_RDONLY);
    } catch (err) {
      caught = err;
    } finally {
      closeSync(root);
    }
    expect((caught as SyscallError).code).toBe('ENAMETOOLONG');
    expect(systemFailure(caught)?.message).toBe(`open \`${'a/'.repeat(30)}...${'/a'.repeat(30)} (4199 bytes)\`: file name too long`);
  });
});
