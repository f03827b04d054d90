/* writeAll: the whole buffer, where it is asked (the short write of a filling disk is met in test/integration/failures.test.ts). */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { writeAll } from '../../../src/system/files.js';

describe('writeAll', () => {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every byte, at the file position or at the one given', () => {
    const file = join(dir, 'f');
    const fd = openSync(file, 'w+');
    try {
      writeAll(fd, Buffer.alloc(3 << 20, 0x61));
      writeAll(fd, Buffer.from('xyz'), 10);
      writeAll(fd, Buffer.from('!'));
    } finally {
      closeSync(fd);
    }
    const bytes = readFileSync(file);
    expect(bytes.length).toBe((3 << 20) + 1);
    expect(bytes.subarray(8, 14).toString()).toBe('aaxyza');
    expect(bytes.at(-1)).toBe(0x21);
  });
});
