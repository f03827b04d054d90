/**
 * The audit log's records and the profile lines suggested from them
 * (src/sandbox/audit.ts): what helpers/audit.c writes, read back.
 */
import { describe, expect, it } from 'vitest';

import { type AuditEntry, auditEntry, auditFilter, suggest } from '../../../src/sandbox/audit.js';

describe('audit records', () => {
  it('takes the three shapes the monitor writes, and nothing else', () => {
    expect(auditEntry({ op: 'open', path: '/etc/x', refused: 'missing', host: true })).toBeDefined();
    expect(auditEntry({ op: 'open', path: '/etc/x', refused: 'landlock', access: 'rx', host: true })).toBeDefined();
    expect(auditEntry({ op: 'connect', port: 443, refused: 'landlock' })).toBeDefined();
    for (const bad of [null, 3, {}, { op: 'open' }, { op: 'open', path: '/x', refused: 'landlock', host: true }, { op: 'open', path: '/x', refused: 'landlock', access: 'all', host: true },
      { op: 'open', path: '/x', refused: 'other', host: true }, { op: 'connect', port: 70000, refused: 'landlock' }, { op: 'open', port: 80, refused: 'landlock' }, { op: 'bind', port: '80', refused: 'landlock' }])
      expect(auditEntry(bad)).toBeUndefined();
  });
});

describe('suggest', () => {
  const ll = (path: string, access: 'ro' | 'rx' | 'rw', host = true): AuditEntry => ({ op: 'open', path, refused: 'landlock', access, host });

  it('a Landlock refusal: a rule of the right it lacked; a new file: its directory; ports by kind, in order', () => {
    const s = suggest([ll('/data/a', 'ro'), ll('/opt/tool/bin/run', 'rx'), ll('/work/new-file', 'rw', false), ll('/work/old-file', 'rw'), { op: 'connect', port: 443, refused: 'landlock' }, { op: 'connect', port: 80, refused: 'landlock' }, { op: 'bind', port: 8080, refused: 'landlock' }, { op: 'connect', port: 80, refused: 'landlock' }]);
    expect(s.landlock).toEqual({ readOnly: ['/data/a'], readExec: ['/opt/tool/bin/run'], readWrite: ['/work'], bindTcp: [8080], connectTcp: [80, 443] });
    expect(s.readOnly).toEqual([]);
    expect(s.readWrite).toEqual([]);
  });

  it('three in a directory make the directory; a rule under a wider one is left out, as in [filesystem]', () => {
    const s = suggest([ll('/lib/a', 'ro'), ll('/lib/b', 'ro'), ll('/lib/c', 'ro'), ll('/lib/sub/d', 'ro'), ll('/srv/x', 'rw'), ll('/srv/x/y', 'ro'), ll('/srv/x/z', 'rx'), { op: 'open', path: '/etc/a', refused: 'missing', host: true }]);
    expect(s.landlock.readOnly).toEqual(['/lib']);
    expect(s.landlock.readExec).toEqual([]);
    expect(s.landlock.readWrite).toEqual(['/srv/x']);
    expect(s.readOnly).toEqual(['/etc/a']);
  });

  it('the filter sends connect and bind too, with their sockaddr as the path argument', () => {
    const f = auditFilter('x64');
    expect(f?.calls).toContain('42:connect:-:1:-');
    expect(f?.calls).toContain('49:bind:-:1:-');
    expect(auditFilter('arm64')?.calls).toContain('203:connect:-:1:-');
    expect(auditFilter('riscv64')).toBeUndefined();
  });
});
