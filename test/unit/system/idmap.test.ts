import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { describeMap, freeSubidRange, idMapping, isMapped, toHost } from '../../../src/system/idmap.js';

const TOOLS = { newuidmap: '/usr/bin/newuidmap', newgidmap: '/usr/bin/newgidmap' };

describe('idMapping', () => {
  it('maps root to the user and 1.. to the subordinate ranges, written by newuidmap/newgidmap', () => {
    const m = idMapping('me', 1000, 1001, [{ start: 100000, count: 65536 }], [{ start: 200000, count: 65536 }], TOOLS);
    expect(m.single).toBe(false);
    expect(m.warning).toBeUndefined();
    expect(m.uids).toEqual([
      { inside: 0, outside: 1000, count: 1 },
      { inside: 1, outside: 100000, count: 65536 },
    ]);
    expect(m.steps).toEqual([
      { kind: 'process', mode: 'wait', timeoutMs: 0, argv: ['/usr/bin/newuidmap', '{pid}', '0', '1000', '1', '1', '100000', '65536'] },
      { kind: 'process', mode: 'wait', timeoutMs: 0, argv: ['/usr/bin/newgidmap', '{pid}', '0', '1001', '1', '1', '200000', '65536'] },
    ]);
  });

  it('lays several ranges one after the other', () => {
    const m = idMapping('me', 1000, 1000, [{ start: 100000, count: 10 }, { start: 500000, count: 5 }], [{ start: 100000, count: 10 }], TOOLS);
    expect(m.uids).toEqual([
      { inside: 0, outside: 1000, count: 1 },
      { inside: 1, outside: 100000, count: 10 },
      { inside: 11, outside: 500000, count: 5 },
    ]);
    expect(m.steps[0]).toEqual({ kind: 'process', mode: 'wait', timeoutMs: 0, argv: ['/usr/bin/newuidmap', '{pid}', '0', '1000', '1', '1', '100000', '10', '11', '500000', '5'] });
  });

  it('without subordinate ids: a single-id map written directly, setgroups denied, and a warning naming the fix', () => {
    for (const [subuids, subgids] of [
      [[], []],
      [[{ start: 100000, count: 65536 }], []],
      [[], [{ start: 100000, count: 65536 }]],
    ]) {
      const m = idMapping('me', 1000, 1001, subuids ?? [], subgids ?? [], TOOLS);
      expect(m.single).toBe(true);
      expect(m.steps).toEqual([
        { kind: 'idmap-write', file: 'setgroups', content: 'deny' },
        { kind: 'idmap-write', file: 'uid_map', content: '0 1000 1\n' },
        { kind: 'idmap-write', file: 'gid_map', content: '0 1001 1\n' },
      ]);
      expect(m.warning).toMatch(/\/etc\/subuid/);
      expect(m.warning).toMatch(/usermod --add-subuids \S+ --add-subgids \S+ me\b/);
    }
  });
});

describe('isMapped, toHost, describeMap', () => {
  const map = [
    { inside: 0, outside: 1000, count: 1 },
    { inside: 1, outside: 100000, count: 65536 },
  ];

  it('knows which container ids exist and what they are on the host', () => {
    expect(isMapped(map, 0)).toBe(true);
    expect(isMapped(map, 65536)).toBe(true);
    expect(isMapped(map, 65537)).toBe(false);
    expect(toHost(map, 0)).toBe(1000);
    expect(toHost(map, 1)).toBe(100000);
    expect(toHost(map, 1000)).toBe(100999);
    expect(toHost(map, 65537)).toBeUndefined();
  });

  it('describes the mapped ids for messages', () => {
    expect(describeMap(map)).toBe('0, 1-65536');
    expect(describeMap([{ inside: 0, outside: 1000, count: 1 }])).toBe('0');
  });
});

describe('freeSubidRange', () => {
  it('names 65536 ids right past every range of both files, from 100000', () => {
    const dir = mkdtempSync(join(tmpdir(), 'subids-'));
    try {
      writeFileSync(join(dir, 'subuid'), 'alice:100000:65536\nbob:165536:65536\n# comment\n');
      writeFileSync(join(dir, 'subgid'), 'alice:100000:65536\ncarol:300000:1000\n');
      expect(freeSubidRange([join(dir, 'subuid'), join(dir, 'subgid')])).toBe('301000-366535');
      expect(freeSubidRange([join(dir, 'none')])).toBe('100000-165535');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
