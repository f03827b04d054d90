/**
 * The plan's steps as the real helper carries them out, seen from inside the
 * container: the order they are written in, the kinds `sandbox` will compile
 * to (mkdir, write-file, write-fd, chmod, dev-bind, remount-ro, block-fd,
 * seccomp), `process` records, and what the status channel says when each
 * kind of step fails. Hostile trees check that no step reaches the host
 * through a symlink in the root.
 */
import { chmodSync, closeSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BP, encodePlan, MS, type Plan, type Step } from '../../src/system/plan.js';
import { parseStatusLine, type StatusRecord } from '../../src/system/status.js';
import { alive, eventually } from '../helpers/processes.js';
import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { HELPER } from '../helpers/run-cli.js';

interface Ran {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  status: StatusRecord[];
}

describeContainers('burrow-helper: the child steps, in order', () => {
  let dir: string;
  let n = 0;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;

  beforeAll(() => {
    dir = mkdtempSync(join(fixtures().dir, 'steps-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh copy of the busybox root, for a test that changes it. */
  const freshRoot = (): string => {
    const root = join(dir, `root-${n++}`);
    cpSync(fixtures().rootfs, root, { recursive: true, verbatimSymlinks: true });
    return root;
  };

  /** A plan in new namespaces, root mapped to us, `steps` inside `root`, then `sh -c script`. */
  const containerPlan = (root: string, steps: Step[], script: string, after: Step[] = []): Plan => [
    { kind: 'namespaces', namespaces: ['user', 'mount', 'uts', 'pid'] },
    { kind: 'idmap-write', file: 'setgroups', content: 'deny' },
    { kind: 'idmap-write', file: 'uid_map', content: `0 ${uid} 1\n` },
    { kind: 'idmap-write', file: 'gid_map', content: `0 ${gid} 1\n` },
    { kind: 'root', path: root },
    ...steps,
    { kind: 'pivot-root' },
    ...after,
    { kind: 'env', env: ['PATH=/bin'] },
    { kind: 'exec', file: '/bin/sh', argv: ['sh', '-c', script] },
  ];

  /** Runs a plan through `burrow-helper run --status-fd 3`; `extra` become fds 4, 5, ... */
  const run = async (plan: Plan, extra: (number | 'pipe')[] = [], feed?: (child: ChildProcess) => Promise<void>): Promise<Ran> => {
    const file = join(dir, `plan-${n++}`);
    writeFileSync(file, encodePlan(plan));
    const child = spawn(HELPER, ['run', '--status-fd', '3', file], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', ...extra] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const text = { stdout: '', stderr: '', status: '' };
    child.stdout?.on('data', (c: Buffer) => (text.stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (text.stderr += c.toString()));
    (child.stdio[3] as Readable).on('data', (c: Buffer) => (text.status += c.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    if (feed) await feed(child);
    const code = await closed;
    clearTimeout(timer);
    const status = text.status.split('\n').filter(Boolean).map(parseStatusLine);
    return { exitCode: code ?? undefined, stdout: text.stdout.replace(/\n$/, ''), stderr: text.stderr, status };
  };

  const errorOf = (r: Ran) => r.status.find((s) => s.type === 'error');

  it('carries the steps out in the order written: a file written after a mount lands on it, before it under it', async () => {
    const root = freshRoot();
    const mountThenWrite: Step[] = [
      { kind: 'mkdir', path: '/m', mode: 0o755 },
      { kind: 'mount', source: 'tmpfs', target: '/m', fstype: 'tmpfs', flags: 0, data: '' },
      { kind: 'write-file', path: '/m/f', mode: 0o644, data: 'on the tmpfs\n' },
    ];
    const a = await run(containerPlan(root, mountThenWrite, 'cat /m/f'));
    expect(a.stderr).toBe('');
    expect(a.stdout).toBe('on the tmpfs');
    expect(existsSync(join(root, 'm', 'f'))).toBe(false);

    const writeThenMount: Step[] = [mountThenWrite[0] as Step, mountThenWrite[2] as Step, mountThenWrite[1] as Step];
    const b = await run(containerPlan(root, writeThenMount, 'ls /m | wc -l'));
    expect(b.stdout.trim()).toBe('0');
    expect(readFileSync(join(root, 'm', 'f'), 'utf8')).toBe('on the tmpfs\n');
    expect(b.status.map((s) => s.type)).toEqual(['pid', 'started', 'exit']);
  });

  it('mkdir makes the parents and gives the last one its mode; chmod changes it later, in order', async () => {
    const root = freshRoot();
    const r = await run(
      containerPlan(root, [
        { kind: 'mkdir', path: '/a/b/c', mode: 0o700 },
        { kind: 'mkdir', path: '/a/b/c', mode: 0o755 },
        { kind: 'mkdir', path: '/d', mode: 0o1777 },
        { kind: 'write-file', path: '/d/f', mode: 0o600, data: 'x' },
        { kind: 'chmod', path: '/d/f', mode: 0o640 },
      ], 'stat -c "%n %a" /a /a/b /a/b/c /d /d/f'),
    );
    expect(r.stderr).toBe('');
    // An existing directory is left as it was (the second mkdir changes nothing).
    expect(r.stdout).toBe('/a 755\n/a/b 755\n/a/b/c 700\n/d 1777\n/d/f 640');
  });

  it('write-file writes its bytes, write-fd what an fd holds, each with its mode', async () => {
    const root = freshRoot();
    const source = join(dir, 'source');
    writeFileSync(source, 'from an fd\nsecond line\n');
    const fd = openSync(source, 'r');
    try {
      const r = await run(
        containerPlan(root, [
          { kind: 'write-file', path: '/etc/inline', mode: 0o644, data: 'inline\tbytes\n' },
          { kind: 'write-fd', path: '/etc/from-fd', mode: 0o600, fd: 4 },
          { kind: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: 0, extra: BP.MKDIR, data: '' },
        ], 'cat /etc/inline /etc/from-fd; stat -c %a /etc/inline /etc/from-fd; ls /proc/self/fd'),
        [fd],
      );
      expect(r.stderr).toBe('');
      const lines = r.stdout.split('\n');
      expect(lines.slice(0, 5)).toEqual(['inline\tbytes', 'from an fd', 'second line', '644', '600']);
      // The fd was read and closed: the command has 0-2 (and ls's own directory fd) only.
      expect(lines.slice(5).sort()).toEqual(['0', '1', '2', '3']);
    } finally {
      closeSync(fd);
    }
  });

  it('dev-bind binds host devices usable; remount-ro turns a mount read-only', async () => {
    const root = freshRoot();
    const r = await run(
      containerPlan(root, [
        { kind: 'dev-bind', source: '/dev/null', target: '/hostnull' },
        { kind: 'mount', source: 'tmpfs', target: '/ro', fstype: 'tmpfs', flags: MS.NODEV, extra: BP.MKDIR, data: '' },
        { kind: 'remount-ro', path: '/ro' },
      ], 'echo discarded > /hostnull && echo null ok; [ -c /hostnull ] && echo char; touch /ro/x 2>&1 || echo refused'),
    );
    expect(r.stdout).toMatch(/^null ok\nchar\n.*Read-only file system\nrefused$/);
    expect(statSync(join(root, 'hostnull')).isFile()).toBe(true); // made as the source's kind: a file
  });

  it('block-fd holds the exec until its fd has a byte', async () => {
    const root = freshRoot();
    const marker = join(root, 'ran');
    const r = await run(containerPlan(root, [], 'echo ran > /ran', [{ kind: 'block-fd', fd: 4 }]), ['pipe'], async (child) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(existsSync(marker)).toBe(false);
      (child.stdio[4] as Writable).end('g');
    });
    expect(r.exitCode).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
  });

  // A classic BPF program, assembled by hand: sethostname(2) returns EPERM, everything else is allowed.
  const SETHOSTNAME: Record<string, [audit: number, nr: number]> = { x64: [0xc000003e, 170], arm64: [0xc00000b7, 161] };
  const bpf = (audit: number, nr: number): Buffer => {
    const insn = (code: number, jt: number, jf: number, k: number): Buffer => {
      const b = Buffer.alloc(8);
      b.writeUInt16LE(code, 0);
      b.writeUInt8(jt, 2);
      b.writeUInt8(jf, 3);
      b.writeUInt32LE(k >>> 0, 4);
      return b;
    };
    const LD_W_ABS = 0x20, JEQ_K = 0x15, RET_K = 0x06;
    const ALLOW = 0x7fff0000, ERRNO_EPERM = 0x00050000 | 1;
    return Buffer.concat([
      insn(LD_W_ABS, 0, 0, 4), // seccomp_data.arch
      insn(JEQ_K, 0, 3, audit),
      insn(LD_W_ABS, 0, 0, 0), // seccomp_data.nr
      insn(JEQ_K, 0, 1, nr),
      insn(RET_K, 0, 0, ERRNO_EPERM),
      insn(RET_K, 0, 0, ALLOW),
    ]);
  };

  it('seccomp installs the plan\'s program last: the one system call it names fails with EPERM', async (ctx) => {
    const known = SETHOSTNAME[arch()];
    if (!known) return ctx.skip(`no hand-assembled filter for ${arch()}`);
    const root = freshRoot();
    const script = 'hostname changed 2>&1; hostname';
    const without = await run(containerPlan(root, [], script));
    expect(without.stdout).toBe('changed');
    const filtered = await run(
      containerPlan(root, [], script, [
        { kind: 'hostname', name: 'before' },
        { kind: 'no-new-privs' },
        { kind: 'seccomp', program: bpf(...known) },
      ]),
    );
    expect(filtered.stdout).toMatch(/Operation not permitted\nbefore$/);
    expect(filtered.exitCode).toBe(0);
  });

  it('refuses a seccomp program after caps without no-new-privs, before user, or before a step other than caps, cwd, env, search-path, init and exec', async () => {
    const root = freshRoot();
    const program = Buffer.alloc(8, 0);
    program.writeUInt16LE(0x06, 0);
    program.writeUInt32LE(0x7fff0000, 4);
    const caps = { kind: 'caps', bounding: 0n, permitted: 0n, effective: 0n, inheritable: 0n, ambient: 0n } as const;
    const early = await run(containerPlan(root, [], 'true', [caps, { kind: 'seccomp', program }]));
    expect(early.exitCode).toBe(125);
    expect(early.stderr).toMatch(/\(seccomp\): comes after `caps` without `no-new-privs`/);
    const beforeUser = await run(containerPlan(root, [], 'true', [{ kind: 'no-new-privs' }, { kind: 'seccomp', program }, { kind: 'user', uid: 0, gid: 0 }]));
    expect(beforeUser.stderr).toMatch(/\(seccomp\): comes before `user`/);
    const late = await run(containerPlan(root, [], 'true', [{ kind: 'no-new-privs' }, { kind: 'seccomp', program }, { kind: 'hostname', name: 'x' }]));
    expect(late.stderr).toMatch(/\(hostname\): comes after `seccomp`/);
    // Without no-new-privs, before caps: the kernel takes it (CAP_SYS_ADMIN raised for the call), and caps, cwd, init follow.
    const proc: Step = { kind: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: 0, extra: BP.MKDIR, data: '' };
    const allowed = await run(containerPlan(root, [proc], 'grep -E "^(Seccomp|NoNewPrivs|CapEff):" /proc/self/status', [{ kind: 'user', uid: 0, gid: 0 }, { kind: 'seccomp', program }, caps, { kind: 'cwd', path: '/' }, { kind: 'init' }]));
    expect(allowed.stderr).toBe('');
    expect(allowed.stdout.trim()).toBe('CapEff:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t2');
  });

  it('nested-userns: the command runs in a user namespace of its own inside the first, with the map written for it', async () => {
    const root = freshRoot();
    const proc: Step = { kind: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: 0, extra: BP.MKDIR, data: '' };
    const script = 'cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user; readlink /proc/1/ns/user; id -u';
    const flat = await run(containerPlan(root, [proc], script));
    const nested = await run(containerPlan(root, [proc], script, [{ kind: 'nested-userns', uidMap: '0 0 1\n', gidMap: '0 0 1\n' }]));
    expect(nested.stderr).toBe('');
    expect(nested.exitCode).toBe(0);
    const [f, n] = [flat.stdout.split('\n'), nested.stdout.split('\n')];
    // The first namespace maps our own id; the nested one maps the first's 0.
    expect(f[0]?.trim().split(/\s+/)).toEqual(['0', String(uid), '1']);
    expect(n[0]?.trim().split(/\s+/)).toEqual(['0', '0', '1']);
    expect(n[1]?.trim().split(/\s+/)).toEqual(['0', '0', '1']);
    // (its pid 1 is itself: the shell is the helper's child, exec'd after the nested step)
    expect(n[2]).toBe(n[3]);
    expect(n[2]).not.toBe(f[2]);
    expect(n[4]).toBe('0');
  });

  it('refuses nested-userns without /proc to write its maps through, after user, or with a map that is not one', async () => {
    const root = freshRoot();
    const noProc = await run(containerPlan(root, [], 'true', [{ kind: 'nested-userns', uidMap: '0 0 1\n', gidMap: '0 0 1\n' }]));
    expect(noProc.exitCode).toBe(125);
    expect(noProc.stderr).toMatch(/open \/proc\/self to write the nested user namespace's maps \(is \/proc mounted\?\)/);
    const late = await run(containerPlan(root, [], 'true', [{ kind: 'user', uid: 0, gid: 0 }, { kind: 'nested-userns', uidMap: '0 0 1\n', gidMap: '0 0 1\n' }]));
    expect(late.stderr).toMatch(/\(nested-userns\): comes after `groups`, `user` or `caps`/);
    for (const bad of ['', '0 0\n', '0 0 1', 'a b c\n', '0  0 1\n', '0 0 12345678901\n', '0 0 1\n'.repeat(341)]) {
      const r = await run(containerPlan(root, [], 'true', [{ kind: 'nested-userns', uidMap: bad, gidMap: '0 0 1\n' }]));
      expect(r.stderr, JSON.stringify(bad.slice(0, 20))).toMatch(/\(nested-userns\): .* is not a map/);
    }
    // a map the kernel refuses (ids the first namespace does not have): the writer's error, said by the helper
    const proc: Step = { kind: 'mount', source: 'proc', target: '/proc', fstype: 'proc', flags: 0, extra: BP.MKDIR, data: '' };
    const foreign = await run(containerPlan(root, [proc], 'true', [{ kind: 'nested-userns', uidMap: '0 5 1\n', gidMap: '0 0 1\n' }]));
    expect(foreign.exitCode).toBe(125);
    expect(foreign.stderr).toMatch(/write the nested user namespace's uid_map \(0 5 1\): /);
    expect(foreign.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('mount-from copies a mount of a mount namespace onto a path inside the root, following no symlink to it, and only before pivot-root', async () => {
    const root = freshRoot();
    const shared = mkdtempSync(join(dir, 'shared-'));
    writeFileSync(join(shared, 'f'), 'seen\n');
    symlinkSync(shared, join(dir, 'shared-link'));
    // The child's own mount namespace stands for another's here: entered, the tree cloned there, and back.
    const from = (source: string): Step => ({ kind: 'mount-from', namespace: '/proc/self/ns/mnt', source, target: '/from' });
    const r = await run(containerPlan(root, [from(shared)], 'cat /from/f; echo more > /from/g'));
    expect([r.stderr, r.stdout, r.exitCode]).toEqual(['', 'seen', 0]);
    expect(readFileSync(join(shared, 'g'), 'utf8')).toBe('more\n');
    const viaLink = await run(containerPlan(root, [from(join(dir, 'shared-link'))], 'echo ran'));
    expect(viaLink.stdout).toBe('');
    expect(errorOf(viaLink)).toMatchObject({ step: 'mount-from', syscall: 'openat2', path: join(dir, 'shared-link'), errno: 40 });
    const missing = await run(containerPlan(root, [{ kind: 'mount-from', namespace: join(dir, 'no-such-ns'), source: shared, target: '/from' }], 'echo ran'));
    expect(errorOf(missing)).toMatchObject({ step: 'mount-from', syscall: 'open', path: join(dir, 'no-such-ns'), errno: 2 });
    // Not a mount namespace: setns refuses it.
    const notNs = await run(containerPlan(root, [{ kind: 'mount-from', namespace: join(shared, 'f'), source: shared, target: '/from' }], 'echo ran'));
    expect(errorOf(notNs)).toMatchObject({ step: 'mount-from', syscall: 'setns', errno: 22 });
    const late = await run(containerPlan(root, [], 'echo ran', [from(shared)]));
    expect(late.exitCode).toBe(125);
    expect(late.stderr).toMatch(/\(mount-from\): comes after `pivot-root`/);
  });

  it('stops a keep process when the container ends, and fails the start when a wait process fails', async () => {
    const root = freshRoot();
    const pidFile = join(dir, 'keep-pid');
    const keep: Step = { kind: 'process', mode: 'keep', timeoutMs: 2000, argv: ['/bin/sh', '-c', `echo $$ > ${pidFile}; exec sleep 60`] };
    const r = await run([...containerPlan(root, [], 'sleep 0.3').slice(0, 1), keep, ...containerPlan(root, [], 'sleep 0.3').slice(1)]);
    expect(r.exitCode).toBe(0);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await eventually(() => !alive(pid), 3000)).toBe(true);

    const failing: Step = { kind: 'process', mode: 'wait', timeoutMs: 0, argv: ['/bin/sh', '-c', 'exit 3'] };
    const f = await run([...containerPlan(root, [], 'echo ran').slice(0, 1), failing, ...containerPlan(root, [], 'echo ran').slice(1)]);
    expect(f.exitCode).toBe(125);
    expect(f.stdout).toBe('');
    expect(errorOf(f)).toMatchObject({ step: 'process', path: '/bin/sh', errno: 0, code: 125 });
    expect(errorOf(f)?.type === 'error' && errorOf(f)).toMatchObject({ message: expect.stringMatching(/exit status 3/) });

    const slow: Step = { kind: 'process', mode: 'wait', timeoutMs: 200, argv: ['/bin/sleep', '30'] };
    const s = await run([...containerPlan(root, [], 'echo ran').slice(0, 1), slow, ...containerPlan(root, [], 'echo ran').slice(1)]);
    expect(s.exitCode).toBe(125);
    expect(errorOf(s)).toMatchObject({ step: 'process', path: '/bin/sleep', errno: 110 });
  });

  it("log: the monitor opens the log itself and writes the container's stdout and stderr into it as k8s-file lines, with its own errors", async () => {
    const root = freshRoot();
    const log = join(dir, `ctr-${n++}.log`);
    const withLog = (plan: Plan, maxSize = 0): Plan => [...plan, { kind: 'log', path: log, maxSize }];
    // podman's k8s-file: RFC 3339 time with nanoseconds and the zone, the stream, F for a whole line, P for a part
    const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d) (stdout|stderr) ([FP]) (.*)$/;
    const entries = () => readFileSync(log, 'utf8').split('\n').slice(0, -1).map((l) => {
      const m = LINE.exec(l);
      expect(m, l).not.toBeNull();
      return `${m?.[2]} ${m?.[3]} ${m?.[4]}`;
    });
    const r = await run(withLog(containerPlan(root, [], 'echo out; echo err >&2; echo out2; printf part; sleep 0.1; echo rest')));
    expect(r.exitCode).toBe(0);
    expect([r.stdout, r.stderr]).toEqual(['', '']);
    // each stream in its order (two pipes: which of them the monitor reads first is not fixed)
    expect(entries().filter((e) => e.startsWith('stdout'))).toEqual(['stdout F out', 'stdout F out2', 'stdout P part', 'stdout F rest']);
    expect(entries().filter((e) => e.startsWith('stderr'))).toEqual(['stderr F err']);
    expect(statSync(log).mode & 0o777).toBe(0o600);
    const stamp = LINE.exec(readFileSync(log, 'utf8').split('\n')[0] as string)?.[1] as string;
    expect(Math.abs(Date.parse(stamp) - Date.now())).toBeLessThan(60_000);
    const failed = await run(withLog(containerPlan(root, [{ kind: 'chmod', path: '/missing', mode: 0o644 }], 'echo ran')));
    expect(failed.exitCode).toBe(125);
    expect(failed.stderr).toBe('');
    expect(entries().at(-1)).toBe('stderr F Error: chmod: openat2 `/missing`: No such file or directory');
    expect(errorOf(failed)).toMatchObject({ step: 'chmod', path: '/missing' });

    // max-size: a line that would take the log past it starts an empty file, as conmon does
    rmSync(log);
    const rotated = await run(withLog(containerPlan(root, [], 'i=0; while [ $i -lt 40 ]; do echo line-$i; i=$((i+1)); done'), 400));
    expect(rotated.exitCode).toBe(0);
    expect(statSync(log).size).toBeLessThanOrEqual(400);
    expect(entries().at(-1)).toBe('stdout F line-39');
    expect(entries().length).toBeLessThan(40);
    expect(existsSync(`${log}.tmp`)).toBe(false);
  });

  it('reports each kind of failure on the status channel with its step, call, path and errno', async () => {
    const root = freshRoot();
    writeFileSync(join(root, 'afile'), '');
    symlinkSync('/etc/passwd', join(root, 'alink'));
    const cases: [Step[], Record<string, unknown>][] = [
      [[{ kind: 'mkdir', path: '/afile/sub', mode: 0o755 }], { step: 'mkdir', syscall: 'openat2', path: '/afile/sub', errno: 20 }],
      [[{ kind: 'write-file', path: '/alink', mode: 0o644, data: 'x' }], { step: 'write-file', syscall: 'open', path: '/alink', errno: 40 }],
      [[{ kind: 'write-file', path: '/missing/f', mode: 0o644, data: 'x' }], { step: 'write-file', syscall: 'openat2', path: '/missing/f', errno: 2 }],
      [[{ kind: 'chmod', path: '/missing', mode: 0o644 }], { step: 'chmod', syscall: 'openat2', path: '/missing', errno: 2 }],
      [[{ kind: 'dev-bind', source: '/nonexistent-device', target: '/x' }], { step: 'dev-bind', syscall: 'stat', path: '/nonexistent-device', errno: 2 }],
      [[{ kind: 'remount-ro', path: '/missing' }], { step: 'remount-ro', syscall: 'openat2', path: '/missing', errno: 2 }],
      [[{ kind: 'write-fd', path: '/f', mode: 0o644, fd: 9 }], { step: 'write-fd', syscall: 'read', path: '/f', errno: 9 }],
    ];
    for (const [steps, expected] of cases) {
      const r = await run(containerPlan(root, steps, 'echo ran'));
      expect(r.stdout, JSON.stringify(steps)).toBe('');
      expect(r.exitCode).toBe(125);
      expect(errorOf(r), JSON.stringify(steps)).toMatchObject({ type: 'error', code: 125, ...expected });
      expect(r.status.at(-1)).toEqual({ type: 'exit', code: 125 });
      expect(r.stderr).toMatch(/^Error: [^\n]+\n$/);
    }
    const notFound = await run([...containerPlan(root, [], '').slice(0, -2), { kind: 'env', env: [] }, { kind: 'exec', file: 'nothing-here', argv: ['x'] }]);
    expect(errorOf(notFound)).toMatchObject({ step: 'exec', syscall: 'execve', path: 'nothing-here', errno: 2, code: 127 });
    expect(notFound.exitCode).toBe(127);
  });

  it('selinux-label writes the label into the thread\'s attribute, opened before the root changes: a kernel without SELinux refuses it, in bwrap\'s words', async (ctx) => {
    if (existsSync('/sys/fs/selinux/enforce')) return ctx.skip('SELinux is on here: a label the policy lacks would be a different refusal');
    const root = freshRoot();
    // (the root has no /proc: the files were opened as the child started)
    for (const [attr, words] of [['fscreate', '--file-label setup failed'], ['exec', 'label_exec /bin/sh']] as const) {
      const r = await run(containerPlan(root, [], 'echo ran', [{ kind: 'selinux-label', attr, label: 'system_u:system_r:sandbox_t:s0' }]));
      expect(r.stdout).toBe('');
      expect(errorOf(r)).toMatchObject({ type: 'error', step: 'selinux-label', syscall: 'write', path: `/proc/thread-self/attr/${attr}`, errno: 22 });
      expect(r.stderr).toBe(`Error: ${words}: Invalid argument\n`);
    }
  });

  it('finds a command through search-path when env has no PATH, and only then', async () => {
    const root = freshRoot();
    const base = containerPlan(root, [], '').slice(0, -2);
    const found = await run([...base, { kind: 'env', env: [] }, { kind: 'search-path', path: '/nowhere:/bin' }, { kind: 'exec', file: 'echo', argv: ['echo', 'found'] }]);
    expect(found.stdout).toBe('found');
    const own = await run([...base, { kind: 'env', env: ['PATH=/nowhere'] }, { kind: 'search-path', path: '/bin' }, { kind: 'exec', file: 'echo', argv: ['echo', 'found'] }]);
    expect(own.exitCode).toBe(127);
  });

  describe('hostile trees: no step reaches the host through a symlink in the root', () => {
    let outside: string;
    beforeAll(() => {
      outside = join(dir, 'host-side');
      mkdirSync(outside);
      writeFileSync(join(outside, 'secret'), 'host\n');
      chmodSync(join(outside, 'secret'), 0o600);
    });

    /** A root whose /abs, /rel and /file point at the host side, absolutely and by climbing. */
    const hostileRoot = (): string => {
      const root = freshRoot();
      symlinkSync(outside, join(root, 'abs'));
      symlinkSync(`../../../../../../../../..${outside}`, join(root, 'rel'));
      symlinkSync(join(outside, 'secret'), join(root, 'file'));
      return root;
    };
    const untouched = (): void => {
      expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('host\n');
      expect(statSync(join(outside, 'secret')).mode & 0o7777).toBe(0o600);
      expect(existsSync(join(outside, 'made'))).toBe(false);
      expect(existsSync(join(outside, 'written'))).toBe(false);
    };

    it('write-file and write-fd: through a directory link they stay in the root, onto a file link they refuse', async () => {
      for (const link of ['abs', 'rel']) {
        const root = hostileRoot();
        // The link resolves inside the root, where that path does not exist.
        const r = await run(containerPlan(root, [{ kind: 'write-file', path: `/${link}/written`, mode: 0o644, data: 'x' }], 'true'));
        expect(errorOf(r)).toMatchObject({ step: 'write-file', errno: 2 });
        untouched();
        // Where it exists inside the root, that is what gets written.
        mkdirSync(join(root, outside), { recursive: true });
        const w = await run(containerPlan(root, [{ kind: 'write-file', path: `/${link}/written`, mode: 0o644, data: 'x' }], 'true'));
        expect(w.exitCode).toBe(0);
        expect(readFileSync(join(root, outside, 'written'), 'utf8')).toBe('x');
        untouched();
      }
      const root = hostileRoot();
      const r = await run(containerPlan(root, [{ kind: 'write-file', path: '/file', mode: 0o666, data: 'pwned' }], 'true'));
      expect(errorOf(r)).toMatchObject({ step: 'write-file', syscall: 'open', errno: 40 });
      const fd = openSync(join(dir, 'source'), 'r');
      try {
        const f = await run(containerPlan(root, [{ kind: 'write-fd', path: '/file', mode: 0o666, fd: 4 }], 'true'), [fd]);
        expect(errorOf(f)).toMatchObject({ step: 'write-fd', syscall: 'open', errno: 40 });
      } finally {
        closeSync(fd);
      }
      expect(lstatSync(join(root, 'file')).isSymbolicLink()).toBe(true);
      untouched();
    });

    it('mkdir follows a link inside the root only (a link to nothing: its target made there, as crun makes it)', async () => {
      for (const link of ['abs', 'rel']) {
        const root = hostileRoot();
        const r = await run(containerPlan(root, [{ kind: 'mkdir', path: `/${link}/made`, mode: 0o777 }], 'true'));
        expect(r.exitCode, r.stderr).toBe(0);
        expect(statSync(join(root, outside, 'made')).isDirectory()).toBe(true);
        untouched();
        rmSync(join(root, outside), { recursive: true });
        mkdirSync(join(root, outside), { recursive: true });
        const m = await run(containerPlan(root, [{ kind: 'mkdir', path: `/${link}/made`, mode: 0o700 }], 'true'));
        expect(m.exitCode).toBe(0);
        expect(statSync(join(root, outside, 'made')).isDirectory()).toBe(true);
        untouched();
      }
    });

    it('chmod follows a link inside the root only', async () => {
      const root = hostileRoot();
      const r = await run(containerPlan(root, [{ kind: 'chmod', path: '/file', mode: 0o666 }], 'true'));
      expect(errorOf(r)).toMatchObject({ step: 'chmod', errno: 2 });
      untouched();
      mkdirSync(join(root, outside), { recursive: true });
      writeFileSync(join(root, outside, 'secret'), 'inside\n', { mode: 0o600 });
      for (const path of ['/file', '/abs/secret', '/rel/secret']) {
        chmodSync(join(root, outside, 'secret'), 0o600);
        const c = await run(containerPlan(root, [{ kind: 'chmod', path, mode: 0o644 }], 'true'));
        expect(c.exitCode, path).toBe(0);
        expect(statSync(join(root, outside, 'secret')).mode & 0o7777, path).toBe(0o644);
        untouched();
      }
    });
  });
});
