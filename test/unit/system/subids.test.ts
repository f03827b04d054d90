import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseSubids, readSubids } from '../../../src/system/subids.js';

describe('parseSubids', () => {
  it("finds the user's ranges by name or by numeric id, in file order", () => {
    const text = 'alice:100000:65536\nbob:165536:65536\n1000:231072:1000\n';
    expect(parseSubids(text, 'alice', 1000)).toEqual([
      { start: 100000, count: 65536 },
      { start: 231072, count: 1000 },
    ]);
    expect(parseSubids(text, 'bob', 1001)).toEqual([{ start: 165536, count: 65536 }]);
    expect(parseSubids(text, 'carol', 1002)).toEqual([]);
  });

  it('skips comments, blank lines, surrounding whitespace and malformed lines, as newuidmap does', () => {
    const text = ['# comment', '', '  alice:100000:10  ', 'alice:x:10', 'alice:10', 'alice:-5:10', 'alice:5:0', 'alice:1e5:10', 'alice:200000:20', 'alice::'].join('\n');
    expect(parseSubids(text, 'alice', 1000)).toEqual([
      { start: 100000, count: 10 },
      { start: 200000, count: 20 },
    ]);
  });

  it('does not match a name by prefix', () => {
    expect(parseSubids('alice2:100000:10\nali:1:1\n', 'alice', 1000)).toEqual([]);
  });

  it('reads CRLF files', () => {
    expect(parseSubids('alice:100000:65536\r\n', 'alice', 1000)).toEqual([{ start: 100000, count: 65536 }]);
  });
});

describe('readSubids', () => {
  it('reads a file, and gives nothing for a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'burrow-subids-'));
    try {
      writeFileSync(join(dir, 'subuid'), 'alice:100000:65536\n');
      expect(readSubids(join(dir, 'subuid'), 'alice', 1000)).toEqual([{ start: 100000, count: 65536 }]);
      expect(readSubids(join(dir, 'missing'), 'alice', 1000)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
