import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import * as constants from '../../../src/system/plan-constants.js';
import { RECORDS } from '../../../src/system/plan-constants.js';
import { planConstantsHeader } from '../../../scripts/plan-constants-header.mjs';
import { BP, encodePlan, MS, PLAN_VERSION, type Plan } from '../../../src/system/plan.js';

const repo = join(import.meta.dirname, '..', '..', '..');

const text = (plan: Plan): string => encodePlan(plan).toString('utf8');

describe('encodePlan', () => {
  it('writes the header and the end record around an empty plan', () => {
    expect(PLAN_VERSION).toBe(14);
    expect(text([])).toBe('burrow-plan 14\nend 0\n');
  });

  it('writes each record as NAME COUNT and length-prefixed fields', () => {
    expect(text([{ kind: 'hostname', name: 'box' }, { kind: 'pivot-root' }, { kind: 'exec', file: 'sh', argv: ['sh', '-c', 'echo hi'] }])).toBe(
      'burrow-plan 14\nhostname 1\n3:box\npivot-root 0\nexec 4\n2:sh\n2:sh\n2:-c\n7:echo hi\nend 0\n',
    );
  });

  it('counts bytes, not characters, and keeps newlines and colons inside fields', () => {
    const buf = encodePlan([{ kind: 'env', env: ['A=é', 'B=x\ny:z'] }]);
    expect(buf.toString('utf8')).toBe('burrow-plan 14\nenv 2\n4:A=é\n7:B=x\ny:z\nend 0\n');
    expect(buf.includes(Buffer.from([0x34, 0x3a, 0x41, 0x3d, 0xc3, 0xa9, 0x0a]))).toBe(true);
  });

  it('writes a word with a byte that is not UTF-8 (escaped: system/names.ts) as that byte, counted once', () => {
    const buf = encodePlan([{ kind: 'exec', file: '/bin/echo', argv: ['echo', 'x\udcffy\u00e9'] }]);
    expect(buf).toEqual(Buffer.concat([Buffer.from('burrow-plan 14\nexec 3\n9:/bin/echo\n4:echo\n5:x'), Buffer.of(0xff), Buffer.from('y\u00e9\nend 0\n')]));
  });

  it('writes a sysctl as its path and value, a domainname as its name', () => {
    expect(text([{ kind: 'sysctl', path: '/proc/sys/kernel/sem', value: '1 2 3 4' }, { kind: 'domainname', name: 'example.org' }])).toBe(
      'burrow-plan 14\nsysctl 2\n20:/proc/sys/kernel/sem\n7:1 2 3 4\ndomainname 1\n11:example.org\nend 0\n',
    );
  });

  it('writes mount flags in hex, the helper bits above the kernel ones', () => {
    const plan: Plan = [
      { kind: 'mount', source: '/h', target: '/data', fstype: '', flags: MS.BIND | MS.REC, extra: BP.MKDIR | BP.RDONLY },
      { kind: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: MS.NOSUID | MS.NODEV | MS.NOEXEC },
    ];
    expect(text(plan)).toBe(
      'burrow-plan 14\n' +
        'mount 5\n2:/h\n5:/data\n0:\n' +
        '11:50000005000\n0:\n' +
        'mount 5\n4:proc\n5:/proc\n4:proc\n1:e\n0:\n' +
        'end 0\n',
    );
  });

  it('matches the helper bits of helpers/plan.h', () => {
    expect(BP).toEqual({ MKDIR: 1n << 40n, MKFILE: 1n << 41n, RDONLY: 1n << 42n, HOSTDST: 1n << 43n, OPTIONAL: 1n << 44n });
    // plan.h takes them from the header the build generates out of plan-constants.ts (the same text as build/plan-constants.h).
    const planH = readFileSync(join(repo, 'helpers', 'plan.h'), 'utf8');
    expect(planH).toMatch(/^#include "plan-constants.h"$/m);
    const generated = planConstantsHeader(constants);
    const bits = Object.fromEntries([...generated.matchAll(/^#define BP_MOUNT_(\w+) \(1ULL << (\d+)\)$/gm)].map((m) => [m[1], 1n << BigInt(m[2] as string)]));
    expect(bits).toEqual(BP);
    expect(generated).toMatch(new RegExp(`^#define PLAN_VERSION ${PLAN_VERSION}$`, 'm'));
    for (const [name, value] of Object.entries(MS)) expect(generated).toContain(`_Static_assert(MS_${name} == ${value},`);
  });

  it('documents every record in helpers/plan.h and src/system/plan.ts, and no other', () => {
    const planH = readFileSync(join(repo, 'helpers', 'plan.h'), 'utf8');
    const block = planH.slice(planH.indexOf(' * Records ('), planH.indexOf(' * Status ('));
    const documented = new Set([...block.matchAll(/^ \* {3}([a-z][a-z0-9-]*)(?: |$)/gm)].map((m) => m[1]));
    expect([...documented].sort()).toEqual(RECORDS.map((r) => r.name).sort());
    const generated = planConstantsHeader(constants);
    for (const r of RECORDS) {
      const max = r.max < 0 ? '(size_t)-1' : String(r.max);
      expect(generated).toContain(`{"${r.name}", ${r.min}, ${max}, ${r.once ? 1 : 0}}`);
    }
    // plan.ts gives each Step kind its own line in the union, with the same names.
    const planTs = readFileSync(join(repo, 'src', 'system', 'plan.ts'), 'utf8');
    const kinds = new Set([...planTs.matchAll(/kind: '([a-z0-9-]+)'/g)].map((m) => m[1]));
    for (const r of RECORDS) expect(kinds.has(r.name), r.name).toBe(true);
  });

  it('writes capability masks in hex without a prefix', () => {
    expect(text([{ kind: 'caps', bounding: 0x800405fbn, permitted: 0x800405fbn, effective: 0n, inheritable: 0n, ambient: 1n << 40n }])).toBe(
      'burrow-plan 14\ncaps 5\n8:800405fb\n8:800405fb\n1:0\n1:0\n11:10000000000\nend 0\n',
    );
  });

  it('writes rlimits with `inf` for unlimited', () => {
    expect(text([{ kind: 'rlimit', resource: 7, soft: 1024, hard: 'inf' }])).toBe('burrow-plan 14\nrlimit 3\n1:7\n4:1024\n3:inf\nend 0\n');
  });

  it('writes ids, signals, namespaces, stdin and id maps as their fields', () => {
    expect(
      text([
        { kind: 'namespaces', namespaces: ['user', 'net'] },
        { kind: 'process', mode: 'wait', timeoutMs: 0, argv: ['/usr/bin/newuidmap', '{pid}', '0', '1000', '1'] },
        { kind: 'idmap-write', file: 'setgroups', content: 'deny' },
        { kind: 'forward-signals', signals: [1, 15] },
        { kind: 'groups', gids: [] },
        { kind: 'user', uid: 1000, gid: 2000 },
        { kind: 'stdin', mode: 'NULL' },
      ]),
    ).toBe(
      'burrow-plan 14\n' +
        'namespaces 2\n4:user\n3:net\n' +
        'process 8\n4:wait\n1:0\n0:\n18:/usr/bin/newuidmap\n5:{pid}\n1:0\n4:1000\n1:1\n' +
        'idmap-write 2\n9:setgroups\n4:deny\n' +
        'forward-signals 2\n1:1\n2:15\n' +
        'groups 0\n' +
        'user 2\n4:1000\n4:2000\n' +
        'stdin 1\n4:NULL\n' +
        'end 0\n',
    );
  });

  it('writes the steps sandbox needs: modes in octal, fds in decimal, a BPF program in hex', () => {
    expect(
      text([
        { kind: 'mkdir', path: '/a/b', mode: 0o700 },
        { kind: 'write-file', path: '/etc/x', mode: 0o644, data: 'hi\n' },
        { kind: 'write-fd', path: '/etc/y', mode: 0o600, fd: 5 },
        { kind: 'chmod', path: '/a', mode: 0o1777 },
        { kind: 'dev-bind', source: '/dev', target: '/dev' },
        { kind: 'remount-ro', path: '/' },
        { kind: 'block-fd', fd: 9 },
        { kind: 'search-path', path: '/bin' },
        { kind: 'seccomp', program: Buffer.from([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]) },
        { kind: 'process', mode: 'mount', timeoutMs: 10000, mountpoint: '/m', argv: ['/f', '-f'] },
      ]),
    ).toBe(
      'burrow-plan 14\n' +
        'mkdir 2\n4:/a/b\n3:700\n' +
        'write-file 3\n6:/etc/x\n3:644\n3:hi\n\n' +
        'write-fd 3\n6:/etc/y\n3:600\n1:5\n' +
        'chmod 2\n2:/a\n4:1777\n' +
        'dev-bind 2\n4:/dev\n4:/dev\n' +
        'remount-ro 1\n1:/\n' +
        'block-fd 1\n1:9\n' +
        'search-path 1\n4:/bin\n' +
        'seccomp 1\n16:060000000000ff7f\n' +
        'process 5\n5:mount\n5:10000\n2:/m\n2:/f\n2:-f\n' +
        'end 0\n',
    );
  });

  it('keeps the steps in the order given', () => {
    const steps: Plan = [
      { kind: 'chmod', path: '/z', mode: 0o755 },
      { kind: 'mkdir', path: '/z', mode: 0o700 },
      { kind: 'chmod', path: '/z', mode: 0o711 },
    ];
    const out = text(steps);
    expect(out.indexOf('3:755')).toBeLessThan(out.indexOf('3:700'));
    expect(out.indexOf('3:700')).toBeLessThan(out.indexOf('3:711'));
  });

  it('writes an empty field as 0:', () => {
    expect(text([{ kind: 'env', env: [] }, { kind: 'cwd', path: '' }])).toBe('burrow-plan 14\nenv 0\ncwd 1\n0:\nend 0\n');
  });
});
