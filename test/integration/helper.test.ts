/**
 * build/burrow-helper refuses a malformed plan whole (exit 125, one line
 * `Error: plan ... refused: ...`) before any step runs; and its parser
 * survives random damage to a real plan (a small fuzz loop).
 *
 * The plans here are written from the format in helpers/plan.h, not with
 * src/system/plan.ts, so the C side is checked against its documentation.
 * They need no namespaces: `exec` alone runs a host program, which writes a
 * marker file when a plan that should have been refused ran anyway.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { compilePlan, type ContainerSpec } from '../../src/runtime/compile.js';
import { encodePlan, MS } from '../../src/system/plan.js';
import { capabilitySet } from '../../src/system/capabilities.js';
import { describeContainers, fixtures, withoutHostWarnings } from '../helpers/fixtures.js';
import { HELPER, runCli } from '../helpers/run-cli.js';
import { SINGLE, containerSpec } from '../helpers/specs.js';
import { PLAN_VERSION } from '../../src/system/plan-constants.js';

type PlanRecord = [name: string, ...fields: (string | Buffer)[]];

/** Encodes records in the plan format of helpers/plan.h. */
function plan(records: PlanRecord[], { version = String(PLAN_VERSION), end = 'end 0\n' } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from(`burrow-plan ${version}\n`)];
  for (const [name, ...fields] of records) {
    parts.push(Buffer.from(`${name} ${fields.length}\n`));
    for (const f of fields) {
      const bytes = Buffer.isBuffer(f) ? f : Buffer.from(f);
      parts.push(Buffer.from(`${bytes.length}:`), bytes, Buffer.from('\n'));
    }
  }
  parts.push(Buffer.from(end));
  return Buffer.concat(parts);
}

/** The one line a refused plan gets on stderr. */
function refusal(path: string): RegExp {
  return new RegExp(`^Error: plan \`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` refused: [^\\n]+$`);
}

async function helper(...args: string[]): Promise<{ exitCode: number | undefined; signal: string | undefined; stdout: string; stderr: string }> {
  const r = await execa(HELPER, args, { reject: false, stdin: 'ignore', timeout: 10_000 });
  return { exitCode: r.exitCode, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe('burrow-helper: plans', () => {
  let dir: string;
  let marker: string;
  let valid: PlanRecord[];
  let n = 0;
  const file = (content: Buffer | string): string => {
    const path = join(dir, `plan-${n++}`);
    writeFileSync(path, content);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(fixtures().dir, 'plans-'));
    marker = join(dir, 'ran');
    valid = [
      ['env', 'PATH=/usr/bin:/bin'],
      ['exec', '/bin/sh', '/bin/sh', '-c', `echo ran >> ${marker}`],
    ];
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('checks and runs a valid plan (the base of the cases below)', async () => {
    const path = file(plan(valid));
    const check = await helper('check', path);
    expect(check.stderr).toBe('');
    expect(check.stdout).toBe(`env "PATH=/usr/bin:/bin"\nexec "/bin/sh" "/bin/sh" "-c" "echo ran >> ${marker}"`);
    expect(check.exitCode).toBe(0);
    const run = await helper('run', path);
    expect(run.exitCode).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
    rmSync(marker);
  });

  it('share runs a child in the namespaces of another plan\'s child, inside their user namespace', async () => {
    const { uid, gid } = fixtures();
    const holder = execa(HELPER, ['run', '--status-fd', '3', file(plan([
      ['namespaces', 'user', 'pid', 'net', 'uts', 'ipc'],
      ['idmap-write', 'setgroups', 'deny'],
      ['idmap-write', 'uid_map', `0 ${uid} 1`],
      ['idmap-write', 'gid_map', `0 ${gid} 1`],
      ['exec', '/bin/sleep', '/bin/sleep', '30'],
    ]))], { reject: false, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], timeout: 10_000 });
    const status = holder.stdio[3] as NodeJS.ReadableStream;
    let text = '';
    await new Promise<void>((resolve) => status.on('data', (d: Buffer) => ((text += d), text.includes('"started"') && resolve())));
    const pid = Number(/"pid":(\d+)/.exec(text)?.[1]);
    const netns = readlinkSync(`/proc/${pid}/ns/net`);
    const guest = await execa(HELPER, ['run', file(plan([
      ['namespaces', 'mount'],
      ['share', 'net', `/proc/${pid}/ns/net`],
      ['share', 'uts', `/proc/${pid}/ns/uts`],
      ['exec', '/bin/sh', '/bin/sh', '-c', 'readlink /proc/self/ns/net; cat /proc/self/uid_map'],
    ]))], { reject: false, stdin: 'ignore', timeout: 10_000 });
    expect(guest.stderr).toBe('');
    expect(guest.stdout.split('\n')[0]).toBe(netns);
    expect(guest.stdout.split('\n')[1]?.trim().split(/\s+/)).toEqual(['0', String(uid), '1']);
    process.kill(pid, 'SIGKILL');
    const end = await holder;
    expect(end.exitCode).toBe(137);
  });

  it('reads a plan from stdin with `check -`', async () => {
    const r = await execa(HELPER, ['check', '-'], { input: plan(valid), reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^env /);
  });

  const good = (): Buffer => plan(valid);
  const text = (): string => good().toString('latin1');
  const cases: [string, () => Buffer | string, RegExp][] = [
    ['an empty file', () => '', /no `burrow-plan` header/],
    ['no header', () => text().replace(`burrow-plan ${PLAN_VERSION}\n`, ''), /header/],
    ['a wrong version', () => plan(valid, { version: '1' }), /version 1 is not supported/],
    ['version 0', () => plan(valid, { version: '0' }), /version/],
    ['a version with a leading zero', () => plan(valid, { version: '01' }), /version/],
    ['a missing `end`', () => plan(valid, { end: '' }), /truncated|no `end`/],
    ['`end` with fields', () => plan(valid, { end: 'end 1\n1:x\n' }), /end/],
    ['trailing bytes after `end`', () => Buffer.concat([good(), Buffer.from('x')]), /after the `end`/],
    ['a second plan after `end`', () => Buffer.concat([good(), good()]), /after the `end`/],
    ['truncated in a field', () => good().subarray(0, 40), /truncated|malformed/],
    ['truncated after a record line', () => text().slice(0, text().indexOf('exec 4\n') + 7), /truncated|malformed/],
    ['truncated in the `end` line', () => good().subarray(0, good().length - 2), /end|truncated|record name/],
    ['an unknown record', () => plan([['frobnicate', 'x'], ...valid]), /unknown record `frobnicate`/],
    ['a record name without a count', () => text().replace('env 1\n', 'env\n'), /record/],
    ['a field count larger than the fields', () => text().replace('exec 4\n', 'exec 6\n'), /malformed|truncated|record/],
    ['a field count smaller than the fields', () => text().replace('exec 4\n', 'exec 3\n'), /record|malformed/],
    ['a count with a leading zero', () => text().replace('exec 4\n', 'exec 04\n'), /field count/],
    ['a negative count', () => text().replace('exec 4\n', 'exec -4\n'), /field count/],
    ['a huge count', () => text().replace('exec 4\n', 'exec 99999999999999999999\n'), /field count/],
    ['too few fields for the record', () => plan([['user', '0'], ...valid]), /fields is not allowed/],
    ['a field length too long', () => text().replace('18:PATH', '19:PATH'), /malformed|truncated/],
    ['a field length too short', () => text().replace('18:PATH', '17:PATH'), /malformed|truncated/],
    ['a field length with a leading zero', () => text().replace('18:PATH', '018:PATH'), /malformed|truncated/],
    ['a field without its newline', () => text().replace('/usr/bin:/bin\n', '/usr/bin:/binX'), /malformed|truncated/],
    ['a NUL byte in a field', () => plan([['env', Buffer.from('PATH=/usr/bin\0:/bin')], valid[1] as PlanRecord]), /NUL/],
    ['no `exec` record', () => plan([valid[0] as PlanRecord]), /no `exec`/],
    ['two `exec` records', () => plan([...valid, valid[1] as PlanRecord]), /only once/],
    ['`pause` and then `exec`', () => plan([valid[0] as PlanRecord, ['pause'], valid[1] as PlanRecord]), /record 3 \(exec\): comes after `pause`/],
    ['`exec` and then `pause`', () => plan([...valid, ['pause']]), /record 3 \(pause\): comes after `exec`/],
    ['`pause` with `join`', () => plan([['join', '1', 'user'], valid[0] as PlanRecord, ['pause']]), /`join` with `pause`/],
    ['an empty command', () => plan([['exec', '', 'x']]), /empty command/],
    ['an env entry without =', () => plan([['env', 'PATH'], valid[1] as PlanRecord]), /NAME=VALUE/],
    ['an unknown namespace', () => plan([['namespaces', 'user', 'time-travel'], ...valid]), /unknown namespace/],
    ['bad capability masks', () => plan([['caps', 'zz', '0', '0', '0', '0'], ...valid]), /bad mask/],
    ['a 0x-prefixed mask', () => plan([['caps', '0x1', '0', '0', '0', '0'], ...valid]), /bad mask/],
    ['a negative uid', () => plan([['user', '-1', '0'], ...valid]), /bad id/],
    ['a uid out of range', () => plan([['user', '4294967295', '0'], ...valid]), /bad id/],
    ['a uid after a tab', () => plan([['user', '\t5', '0'], ...valid]), /bad id/],
    ['a mask after a newline', () => plan([['caps', '\n1', '0', '0', '0', '0'], ...valid]), /bad mask/],
    ['a signal with a plus sign', () => plan([['forward-signals', '+15'], ...valid]), /bad signal/],
    ['a bad signal number', () => plan([['forward-signals', '15', '99'], ...valid]), /bad signal/],
    ['a health interval of 0', () => plan([['health', '0', '/bin/true'], ...valid]), /\(health\): bad interval/],
    ['a relative health program', () => plan([['health', '1000', 'burrow'], ...valid]), /\(health\): program `burrow` is not absolute/],
    ['a relative sysctl path', () => plan([['root', '/'], ['sysctl', 'proc/sys/kernel/msgmax', '1'], ...valid]), /\(sysctl\): `proc\/sys\/kernel\/msgmax` is not an absolute path below \//],
    ['a sysctl without its value', () => plan([['sysctl', '/proc/sys/kernel/msgmax'], ...valid]), /fields is not allowed/],
    ['a relative attach socket', () => plan([['attach', 'sock', 'none'], ...valid]), /\(attach\): path `sock` is not absolute/],
    ['an unknown attach stdin', () => plan([['attach', '/tmp/sock', 'keyboard'], ...valid]), /\(attach\): unknown stdin `keyboard`/],
    ['attach to a tty without one', () => plan([['attach', '/tmp/sock', 'tty'], ...valid]), /stdin tty and no `tty`/],
    ['attach to a pipe without stdin INHERIT', () => plan([['attach', '/tmp/sock', 'pipe'], ['stdin', 'NULL'], ...valid]), /needs `stdin INHERIT`/],
    ['attach with relay-stdin', () => plan([['attach', '/tmp/sock', 'tty'], ['tty'], ['relay-stdin'], ...valid]), /`attach` with `relay-stdin`/],
    ['a relative cgroup', () => plan([['cgroup', 'burrow-x'], ...valid]), /\(cgroup\): path `burrow-x` is not absolute/],
    ['health with join', () => plan([['join', '1', 'user'], ['health', '1000', '/bin/true'], ...valid]), /`join` with `health`/],
    ['a share of a namespace that cannot be shared', () => plan([['share', 'mount', '/proc/1/ns/mnt'], ...valid]), /\(share\): cannot share namespace `mount`/],
    ['a relative share path', () => plan([['share', 'net', 'proc/1/ns/net'], ...valid]), /\(share\): `proc\/1\/ns\/net` is not absolute/],
    ['a share with a new user namespace', () => plan([['namespaces', 'user', 'mount'], ['share', 'net', '/proc/1/ns/net'], ...valid]), /`share` with a new `user` namespace/],
    ['a share with a new namespace of the same kind', () => plan([['namespaces', 'mount', 'net'], ['share', 'net', '/proc/1/ns/net'], ...valid]), /`share` with a new `net` namespace/],
    ['a share with id maps', () => plan([['share', 'net', '/proc/1/ns/net'], ['idmap-write', 'uid_map', '0 1000 1'], ...valid]), /`share` with `idmap-write`/],
    ['ready process with a mount point', () => plan([['process', 'ready', '1000', '/mnt', '/bin/true'], ...valid]), /must be absolute, and only for mode mount/],
    ['an unknown rlimit', () => plan([['rlimit', '99', '1', '1'], ...valid]), /unknown resource/],
    ['a relative mount target', () => plan([['root', '/tmp'], ['mount', 'tmpfs', 'relative', 'tmpfs', '0', ''], ['pivot-root'], ...valid]), /not absolute/],
    ['a mount before `root`', () => plan([['mount', 'tmpfs', '/x', 'tmpfs', '0', ''], ['root', '/tmp'], ['pivot-root'], ...valid]), /before `root`/],
    ['`root` without `pivot-root`', () => plan([['root', '/tmp'], ...valid]), /without `pivot-root`/],
    ['a bad stdin mode', () => plan([['stdin', 'maybe'], ...valid]), /NULL or INHERIT/],
    ['an unknown idmap file', () => plan([['idmap-write', 'projid_map', '0 0 1'], ...valid]), /unknown file/],
  ];

  it.each(cases)('`check` refuses %s: exit 125, one line on stderr', async (_name, make, why) => {
    const path = file(make());
    const r = await helper('check', path);
    expect(r.signal).toBeUndefined();
    expect(r.exitCode).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(refusal(path));
    expect(r.stderr).toMatch(why);
  });

  it.each(cases)('`run` refuses %s and runs nothing', async (_name, make) => {
    const path = file(make());
    const r = await helper('run', path);
    expect(r.signal).toBeUndefined();
    expect(r.exitCode).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(refusal(path));
    expect(existsSync(marker)).toBe(false);
  });

  // A field quoted in the refusal shows its control bytes escaped (\x0a), so the error stays one line.
  it('keeps the refusal on one line when the quoted field holds a newline', async () => {
    const path = file(plan([['root', '/tmp'], ['mount', 'tmpfs', '/x', 'tmpfs', '1\nx', ''], ['pivot-root'], ...valid]));
    const r = await helper('check', path);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(refusal(path));
  });

  it('refuses a missing plan file and bad arguments with exit 125', async () => {
    for (const args of [['run', join(dir, 'missing')], ['check', join(dir, 'missing')], ['run'], ['check'], ['run', '--status-fd', 'x', 'p'], ['frobnicate'], []]) {
      const r = await helper(...args);
      expect(r.exitCode, args.join(' ')).toBe(125);
      expect(r.stderr, args.join(' ')).toMatch(/^Error: [^\n]+$/);
    }
  });
});

describe('burrow-helper: plans written by src/system/plan.ts', () => {
  const variants: [string, Partial<ContainerSpec>][] = [
    ['the defaults', {}],
    ['a single-id mapping', { idmap: SINGLE, groups: [0] }],
    ['--network host', { network: { own: false, processes: [], files: [], ports: [] } }],
    ['-it --init --read-only', { tty: true, interactive: true, init: true, readOnly: true }],
    ['-i', { interactive: true }],
    ['a user, groups, no-new-privileges, rlimits', { uid: 1000, gid: 1000, groups: [2000, 3000], noNewPrivileges: true, rlimits: [{ resource: 7, soft: 10, hard: 'inf' }] }],
    ['volumes and tmpfs', { volumes: [{ source: '/h', target: '/d', readonly: true, directory: false }], tmpfs: [{ target: '/t', flags: MS.NOEXEC, data: 'size=1m' }] }],
    ['an overlay root, an exit file and a clean-up', { overlay: { lower: ['/l/1'], upper: '/u', work: '/w' }, exitFile: '/run/exit', onExit: ['/bin/true'] }],
    ['odd bytes in fields', { env: ['A=line\nbreak', 'B=é', 'C='], argv: ['sh', '-c', ':\t;'], hostname: 'h' }],
    ['every capability', { capabilities: capabilitySet(['ALL'], []) }],
  ];

  it.each(variants)('`check` accepts the plan compiled for %s, record for record', async (_name, overrides) => {
    const compiled = compilePlan(containerSpec(overrides));
    const r = await execa(HELPER, ['check', '-'], { input: encodePlan(compiled), reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n').map((l) => l.split(' ')[0])).toEqual(compiled.map((s) => s.kind));
  });
});

/** A deterministic PRNG (mulberry32), so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(base: Buffer, random: () => number): Buffer {
  const at = (n: number): number => Math.floor(random() * n);
  const buf = Buffer.from(base);
  switch (at(7)) {
    case 0: {
      // flip bits
      for (let i = 0, k = 1 + at(4); i < k; i++) {
        const p = at(buf.length);
        buf[p] = (buf[p] as number) ^ (1 << at(8));
      }
      return buf;
    }
    case 1:
      return buf.subarray(0, at(buf.length));
    case 2: {
      const p = at(buf.length + 1);
      const junk = Buffer.from(Array.from({ length: 1 + at(16) }, () => at(256)));
      return Buffer.concat([buf.subarray(0, p), junk, buf.subarray(p)]);
    }
    case 3: {
      const p = at(buf.length);
      return Buffer.concat([buf.subarray(0, p), buf.subarray(p + 1 + at(32))]);
    }
    case 4: {
      // a number replaced by another (counts and lengths are where parsers break)
      const s = buf.toString('latin1');
      const numbers = [...s.matchAll(/\d+/g)];
      const m = numbers[at(numbers.length)];
      if (!m || m.index === undefined) return buf;
      const replacement = ['0', '1', '65536', '65537', '4294967296', '18446744073709551616', String(at(1000)), ''][at(8)] as string;
      return Buffer.from(s.slice(0, m.index) + replacement + s.slice(m.index + m[0].length), 'latin1');
    }
    case 5: {
      // a slice repeated
      const p = at(buf.length);
      const len = 1 + at(64);
      return Buffer.concat([buf.subarray(0, p + len), buf.subarray(p, p + len), buf.subarray(p + len)]);
    }
    default: {
      const p = at(buf.length);
      buf[p] = [0, 0x0a, 0x20, 0x3a, 0xff][at(5)] as number;
      return buf;
    }
  }
}

describeContainers('burrow-helper: fuzzing the plan parser', () => {
  let dir: string;
  let base: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(fixtures().dir, 'fuzz-'));
    // A real plan, as the CLI writes it: a stand-in helper (BURROW_HELPER) copies it out.
    const capture = join(dir, 'capture.sh');
    // (The plan is handed over as /proc/self/fd/N.)
    writeFileSync(capture, `#!/bin/sh\nfor last; do :; done\ncp "$last" "${join(dir, 'plan')}"\n`);
    chmodSync(capture, 0o755);
    const r = await runCli(
      ['run', '--rootfs', fixtures().rootfs, '--hostname', 'fuzz', '-e', 'A=1', '-w', '/tmp', '-v', `${dir}:/data:ro`, '--tmpfs', '/scratch', '--read-only', '--cap-add', 'NET_ADMIN', '--init', '-t', 'sh', '-c', 'true'],
      { env: { BURROW_HELPER: capture } },
    );
    expect(withoutHostWarnings(r.stderr)).toBe('');
    expect(r.exitCode).toBe(0);
    base = readFileSync(join(dir, 'plan'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the captured plan passes `check`', async () => {
    const path = join(dir, 'plan');
    const r = await helper('check', path);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^namespaces "user" "mount" "pid"/);
  });

  it('never crashes on a damaged plan: 400 mutations, each exit 0 or 125 with one error line', { timeout: 120_000 }, async () => {
    const random = prng(0x5eed);
    const outcomes = { accepted: 0, refused: 0 };
    for (let i = 0; i < 400; i++) {
      const mutated = mutate(base, random);
      const r = await execa(HELPER, ['check', '-'], { input: mutated, reject: false, timeout: 10_000, encoding: 'buffer' });
      const where = `mutation ${i} (seed 0x5eed): exit ${r.exitCode} signal ${r.signal}`;
      if (r.signal !== undefined || (r.exitCode !== 0 && r.exitCode !== 125))
        expect.fail(`${where}; the plan, base64: ${mutated.toString('base64')}`);
      if (r.exitCode === 125) {
        outcomes.refused++;
        // Only the start: the one-line rule is checked by the test above (quoted fields may hold newlines).
        expect(Buffer.from(r.stderr).toString('latin1'), where).toMatch(/^Error: plan `-` refused: /);
      } else {
        outcomes.accepted++;
      }
    }
    // Most damage must be noticed.
    expect(outcomes.refused).toBeGreaterThan(300);
  });
});
