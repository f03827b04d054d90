/*
 * storeText reads a store file in one read(2) when it fits its buffer, and
 * must still give what readFileSync gives: the whole file, at every size
 * around the buffer's, and the same error when there is no file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { readJson, storeText, storeTextIfAny } from '../../../src/storage/atomic.js';

const dir = mkdtempSync(join(tmpdir(), 'burrow-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('storeText', () => {
  it('gives the whole file, as readFileSync does, below, at and above its 64 KiB buffer', () => {
    for (const size of [0, 1, 589, 65535, 65536, 65537, 200_000]) {
      const path = join(dir, `f-${size}`);
      // multi-byte characters cut across the buffer's end too
      writeFileSync(path, 'é'.repeat(Math.floor(size / 2)) + (size % 2 ? 'x' : ''));
      expect(storeText(path), `${size} bytes`).toBe(readFileSync(path, 'utf8'));
    }
  });

  it('reads each file afresh (the buffer is shared)', () => {
    writeFileSync(join(dir, 'a'), 'a long first file');
    writeFileSync(join(dir, 'b'), 'b');
    expect([storeText(join(dir, 'a')), storeText(join(dir, 'b'))]).toEqual(['a long first file', 'b']);
  });

  it('throws ENOENT for a missing file; storeTextIfAny and readJson answer for it', () => {
    expect(() => storeText(join(dir, 'none'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(storeTextIfAny(join(dir, 'none'))).toBeUndefined();
    expect(readJson(join(dir, 'none'), { fallback: true })).toEqual({ fallback: true });
    writeFileSync(join(dir, 'j.json'), JSON.stringify({ id: 'x'.repeat(70_000) }));
    expect(readJson<{ id: string } | undefined>(join(dir, 'j.json'), undefined)?.id).toHaveLength(70_000);
  });
});
