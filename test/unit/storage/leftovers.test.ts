/** holdFile: a lock file is seen under its name only once it is locked and written (storage/leftovers.ts). */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { holdFile } from '../../../src/storage/leftovers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'burrow-hold-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('holdFile', () => {
  it('takes the lock before the file has its name, and names it with its content', () => {
    const file = join(dir, 'record');
    const seen: boolean[] = [];
    const held = holdFile({ flock: () => seen.push(existsSync(file)) }, file, 'content\n');
    expect(seen).toEqual([false]);
    expect(readFileSync(file, 'utf8')).toBe('content\n');
    expect(readdirSync(dir)).toEqual(['record']);
    held.release();
    held.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a name that is taken, and leaves nothing of its own', () => {
    const file = join(dir, 'lock');
    const first = holdFile({ flock: () => undefined }, file);
    expect(() => holdFile({ flock: () => undefined }, file)).toThrow(/EEXIST/);
    expect(readdirSync(dir)).toEqual(['lock']);
    first.release();
  });

  it('leaves nothing when the lock cannot be taken', () => {
    expect(() =>
      holdFile(
        {
          flock: () => {
            throw new Error('no lock');
          },
        },
        join(dir, 'x'),
      ),
    ).toThrow('no lock');
    expect(readdirSync(dir)).toEqual([]);
  });
});
