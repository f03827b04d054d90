import { describe, expect, it } from 'vitest';

import { BP, encodePlan, MS, PLAN_VERSION, type Plan } from '../../../src/system/plan.js';

const text = (plan: Plan): string => encodePlan(plan).toString('utf8');

describe('encodePlan', () => {
  it('writes the header and the end record around an empty plan', () => {
    expect(PLAN_VERSION).toBe(1);
    expect(text([])).toBe('burrow-plan 1\nend 0\n');
  });

  it('writes each record as NAME COUNT and length-prefixed fields', () => {
    expect(text([{ kind: 'hostname', name: 'box' }, { kind: 'pivot-root' }, { kind: 'exec', file: 'sh', argv: ['sh', '-c', 'echo hi'] }])).toBe(
      'burrow-plan 1\nhostname 1\n3:box\npivot-root 0\nexec 4\n2:sh\n2:sh\n2:-c\n7:echo hi\nend 0\n',
    );
  });

  it('counts bytes, not characters, and keeps newlines and colons inside fields', () => {
    const buf = encodePlan([{ kind: 'env', env: ['A=é', 'B=x\ny:z'] }]);
    expect(buf.toString('utf8')).toBe('burrow-plan 1\nenv 2\n4:A=é\n7:B=x\ny:z\nend 0\n');
    expect(buf.includes(Buffer.from([0x34, 0x3a, 0x41, 0x3d, 0xc3, 0xa9, 0x0a]))).toBe(true);
  });

  it('writes mount flags in hex, the helper bits above the kernel ones', () => {
    const plan: Plan = [
      { kind: 'mount', source: '/h', target: '/data', fstype: '', flags: MS.BIND | MS.REC, extra: BP.MKDIR | BP.RDONLY },
      { kind: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: MS.NOSUID | MS.NODEV | MS.NOEXEC },
    ];
    expect(text(plan)).toBe(
      'burrow-plan 1\n' +
        'mount 5\n2:/h\n5:/data\n0:\n' +
        '11:50000005000\n0:\n' +
        'mount 5\n4:proc\n5:/proc\n4:proc\n1:e\n0:\n' +
        'end 0\n',
    );
  });

  it('matches the helper bits of helpers/plan.h', () => {
    expect(BP).toEqual({ MKDIR: 1n << 40n, MKFILE: 1n << 41n, RDONLY: 1n << 42n, HOSTDST: 1n << 43n, OPTIONAL: 1n << 44n });
  });

  it('writes capability masks in hex without a prefix', () => {
    expect(text([{ kind: 'caps', bounding: 0x800405fbn, permitted: 0x800405fbn, effective: 0n, inheritable: 0n, ambient: 1n << 40n }])).toBe(
      'burrow-plan 1\ncaps 5\n8:800405fb\n8:800405fb\n1:0\n1:0\n11:10000000000\nend 0\n',
    );
  });

  it('writes rlimits with `inf` for unlimited', () => {
    expect(text([{ kind: 'rlimit', resource: 7, soft: 1024, hard: 'inf' }])).toBe('burrow-plan 1\nrlimit 3\n1:7\n4:1024\n3:inf\nend 0\n');
  });

  it('writes ids, signals, namespaces, stdin and id maps as their fields', () => {
    expect(
      text([
        { kind: 'namespaces', namespaces: ['user', 'net'] },
        { kind: 'idmap-exec', argv: ['/usr/bin/newuidmap', '{pid}', '0', '1000', '1'] },
        { kind: 'idmap-write', file: 'setgroups', content: 'deny' },
        { kind: 'forward-signals', signals: [1, 15] },
        { kind: 'groups', gids: [] },
        { kind: 'user', uid: 1000, gid: 2000 },
        { kind: 'stdin', mode: 'NULL' },
      ]),
    ).toBe(
      'burrow-plan 1\n' +
        'namespaces 2\n4:user\n3:net\n' +
        'idmap-exec 5\n18:/usr/bin/newuidmap\n5:{pid}\n1:0\n4:1000\n1:1\n' +
        'idmap-write 2\n9:setgroups\n4:deny\n' +
        'forward-signals 2\n1:1\n2:15\n' +
        'groups 0\n' +
        'user 2\n4:1000\n4:2000\n' +
        'stdin 1\n4:NULL\n' +
        'end 0\n',
    );
  });

  it('writes an empty field as 0:', () => {
    expect(text([{ kind: 'env', env: [] }, { kind: 'cwd', path: '' }])).toBe('burrow-plan 1\nenv 0\ncwd 1\n0:\nend 0\n');
  });
});
