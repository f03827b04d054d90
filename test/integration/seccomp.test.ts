/**
 * The seccomp filter as the kernel applies it: the fixture's /bin/syscalls
 * (test/fixtures/syscalls.c) calls each system call of interest and prints
 * what it got, under burrow's default filter and under rootless podman's for
 * the same program on the same root, call by call; then what each option
 * changes, exec and --init under the filter, a profile of the user's, an
 * image's, and the refusals.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature, withoutHostWarnings } from '../helpers/fixtures.js';
import { dockerArchiveEntries, writeTar } from '../helpers/images.js';
import { runOnPty } from '../helpers/pty.js';
import { expectOneError, lines, runIn } from '../helpers/run-cli.js';
import { loadedStore, newStore, runDetached, succeeded, type TestStore } from '../helpers/store.js';

/** `syscalls ARGS` in a --rootfs container: NAME -> RESULT. */
async function calls(args: string[], names: string[] = []): Promise<Map<string, string>> {
  const r = await runIn(fixtures().rootfs, [...args, '/bin/syscalls', ...names]);
  expect(withoutHostWarnings(r.stderr)).toBe('');
  expect(r.exitCode).toBe(0);
  return new Map(lines(r.stdout).map((l) => l.split(' ') as [string, string]));
}

/** What podman's default filter answers (every answer the same as burrow's is the point). */
const BLOCKED: Record<string, string> = {
  add_key: 'ENOSYS',
  request_key: 'ENOSYS',
  kexec_load: 'EPERM',
  kexec_file_load: 'EPERM',
  open_by_handle_at: 'EPERM',
  bpf: 'EPERM',
  userfaultfd: 'EPERM',
  perf_event_open: 'EPERM',
  kcmp: 'EPERM',
  process_madvise: 'EPERM',
  init_module: 'EPERM',
  finit_module: 'EPERM',
  delete_module: 'EPERM',
  'personality-other': 'ENOSYS',
  'socket-netlink-audit': 'EINVAL',
  move_pages: 'EPERM',
  vmsplice: 'EPERM',
  io_uring_setup: 'ENOSYS',
  'i386-kexec_load': 'EPERM',
  'i386-add_key': 'ENOSYS',
  'x32-getpid': 'ENOSYS',
};

describeContainers('seccomp: the default filter', () => {
  let burrow: Map<string, string>;
  let unconfined: Map<string, string>;
  /** Whether this kernel takes i386 calls at all: without them (ia32_emulation=0, some VMs) int 0x80 raises SIGSEGV, filter or none. */
  let i386: boolean;
  /** What `name` gets here when the filter answers `result`: a kernel without i386 calls gives them SIGSEGV first. */
  const expected = (name: string, result: string): string => (name.startsWith('i386-') && !i386 ? 'SIGSEGV' : result);
  beforeAll(async () => {
    burrow = await calls([]);
    unconfined = await calls(['--security-opt', 'seccomp=unconfined']);
    i386 = unconfined.get('i386-getpid') !== 'SIGSEGV';
  });

  it('refuses what podman\'s default refuses, with its errno', () => {
    for (const [name, errno] of Object.entries(BLOCKED)) expect(burrow.get(name), name).toBe(expected(name, errno));
    for (const name of ['keyctl', 'unshare', 'socket-inet', 'personality-query', 'personality-linux32', 'seccomp', 'i386-getpid', 'arch_prctl', 'modify_ldt'])
      expect(burrow.get(name), name).toBe(expected(name, 'ok'));
  });

  it('is lifted by seccomp=unconfined: the kernel answers those calls itself', () => {
    // (each of these gets another answer from the kernel than from the filter, here)
    for (const name of ['add_key', 'request_key', 'open_by_handle_at', 'perf_event_open', 'kcmp', 'process_madvise', 'personality-other', 'socket-netlink-audit', 'move_pages', 'vmsplice', ...(i386 ? ['i386-add_key'] : [])])
      expect(unconfined.get(name), name).not.toBe(burrow.get(name));
    expect(unconfined.get('move_pages')).toBe('ok');
    expect(unconfined.get('vmsplice')).toBe('EBADF');
  });

  it('answers every call as rootless podman\'s default does, call by call', async (ctx) => {
    requireFeature(ctx, 'podman');
    const dir = mkdtempSync(join(fixtures().dir, 'podman-'));
    try {
      const out = execFileSync(
        'podman',
        ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--storage-driver', 'vfs', '--events-backend', 'none',
          'run', '--rm', '--network', 'none', '--rootfs', fixtures().rootfs, '/bin/syscalls'],
        { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const podman = new Map(lines(out).map((l) => l.split(' ') as [string, string]));
      expect(podman.size).toBe(burrow.size);
      const differ = [...burrow].filter(([name, result]) => podman.get(name) !== result).map(([name, result]) => `${name}: burrow ${result}, podman ${podman.get(name)}`);
      expect(differ).toEqual([]);
    } finally {
      execFileSync('podman', ['unshare', 'rm', '-rf', dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows the capabilities as podman\'s profile does: --cap-add SYS_PTRACE opens kcmp and process_madvise, --cap-drop SYS_CHROOT closes chroot', async () => {
    const more = await calls(['--cap-add', 'SYS_PTRACE'], ['kcmp', 'process_madvise', 'bpf']);
    expect(more.get('kcmp')).toBe('ESRCH');
    expect(more.get('process_madvise')).toBe('EBADF');
    expect(more.get('bpf')).toBe('EPERM');
    expect((await calls([], ['chroot'])).get('chroot')).toBe('ENOENT');
    expect((await calls(['--cap-drop', 'SYS_CHROOT'], ['chroot'])).get('chroot')).toBe('EPERM');
  });

  it('keeps a program compiled at start in the runtime directory, read by the next start with the same capabilities', async () => {
    const store = newStore('seccomp-cache');
    const kcmp = async (args: string[]): Promise<string | undefined> => {
      const r = await store.run(['run', '--rm', '--rootfs', fixtures().rootfs, ...args, '/bin/syscalls', 'kcmp', 'chroot']);
      expect(withoutHostWarnings(r.stderr)).toBe('');
      return new Map(lines(r.stdout).map((l) => l.split(' ') as [string, string])).get('kcmp');
    };
    const kept = (part: string): string[] => readdirSync(store.runtime).filter((f) => f.startsWith('seccomp-') && f.includes(part) && f.endsWith('.bpf'));
    expect(await kcmp(['--cap-add', 'SYS_PTRACE'])).toBe('ESRCH');
    const [ptrace] = kept('SYS_PTRACE');
    expect(ptrace).toBeDefined();
    // the default capabilities' program is the build's own: none kept for it
    expect(await kcmp([])).toBe('EPERM');
    expect(kept('-SYS_CHROOT.bpf')).toEqual([]);
    // another's program in its place is what the next start with those capabilities runs: the file is read
    expect(await kcmp(['--cap-drop', 'SYS_CHROOT'])).toBe('EPERM');
    const [dropped] = kept('-none.bpf');
    expect(dropped).toBeDefined();
    copyFileSync(join(store.runtime, dropped as string), join(store.runtime, ptrace as string));
    expect(await kcmp(['--cap-add', 'SYS_PTRACE'])).toBe('EPERM');
    // one that is not a program is compiled again and replaced
    writeFileSync(join(store.runtime, ptrace as string), 'bad');
    expect(await kcmp(['--cap-add', 'SYS_PTRACE'])).toBe('ESRCH');
    expect(readFileSync(join(store.runtime, ptrace as string)).length % 8).toBe(0);
  });

  it('holds with no-new-privileges (installed last) and for --init\'s PID 1', async () => {
    for (const args of [['--security-opt', 'no-new-privileges'], ['--init'], ['--init', '--security-opt', 'no-new-privileges'], ['--user', '1000:1000']]) {
      const r = await runIn(fixtures().rootfs, [...args, 'sh', '-c', 'grep Seccomp: /proc/self/status /proc/1/status; /bin/syscalls add_key kexec_load']);
      expect(r.exitCode, args.join(' ')).toBe(0);
      expect(lines(r.stdout), args.join(' ')).toEqual(['/proc/self/status:Seccomp:\t2', '/proc/1/status:Seccomp:\t2', 'add_key ENOSYS', 'kexec_load EPERM']);
    }
  });

  it('refuses TIOCSTI into the terminal, also with -t; and the container has no session of the user\'s to type into', async (ctx) => {
    requireFeature(ctx, 'python3');
    const rootfs = fixtures().rootfs;
    // -i: stdin is the user's terminal. The filter refuses; without it, the new session does (not its controlling terminal).
    const filtered = await runOnPty(['run', '--rm', '-i', '--rootfs', rootfs, '/bin/syscalls', 'tiocsti'], [{ expect: 'tiocsti-high' }]);
    expect(filtered.output).toMatch(/tiocsti EPERM\r*\ntiocsti-high EPERM/);
    const bare = await runOnPty(['run', '--rm', '-i', '--security-opt', 'seccomp=unconfined', '--rootfs', rootfs, '/bin/syscalls', 'tiocsti'], [{ expect: 'tiocsti-high' }]);
    expect(bare.output).toMatch(/tiocsti EPERM\r*\ntiocsti-high EPERM/);
    expect(bare.output).not.toMatch(/^x/m);
    // -t: the container's own terminal, where TIOCSTI works for it without the filter, and not with it.
    const own = await runOnPty(['run', '--rm', '-t', '--security-opt', 'seccomp=unconfined', '--rootfs', rootfs, '/bin/syscalls', 'tiocsti'], [{ expect: 'tiocsti-high' }]);
    expect(own.output).toMatch(/tiocsti ok/);
    const tty = await runOnPty(['run', '--rm', '-t', '--rootfs', rootfs, '/bin/syscalls', 'tiocsti'], [{ expect: 'tiocsti-high' }]);
    expect(tty.output).toMatch(/tiocsti EPERM\r*\ntiocsti-high EPERM/);
  });

  it('--privileged runs without a filter, unless a profile is named', async () => {
    const bare = await runIn(fixtures().rootfs, ['--privileged', 'grep', 'Seccomp:', '/proc/self/status']);
    expect(bare.stdout).toBe('Seccomp:\t0\n');
    const file = join(fixtures().dir, `privileged-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['add_key'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 }] }));
    try {
      const named = await runIn(fixtures().rootfs, ['--privileged', '--security-opt', `seccomp=${file}`, '/bin/syscalls', 'add_key']);
      expect(named.stdout).toBe('add_key EIO\n');
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('gives the container a session keyring of its own, not the caller\'s', async () => {
    // The keyring ids: the container's (made by the helper) is another than the one this process has.
    const inside = await runIn(fixtures().rootfs, ['--security-opt', 'seccomp=unconfined', '/bin/syscalls', 'keyring']);
    const outside = execFileSync(join(fixtures().dir, 'syscalls'), ['keyring'], { encoding: 'utf8' });
    expect(inside.stdout).toMatch(/^keyring \d+\n$/);
    expect(outside).toMatch(/^keyring \d+\n$/);
    expect(inside.stdout).not.toBe(outside);
    const again = await runIn(fixtures().rootfs, ['--security-opt', 'seccomp=unconfined', '/bin/syscalls', 'keyring']);
    expect(again.stdout).not.toBe(inside.stdout);
  });
});

describeContainers('seccomp: profiles', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(fixtures().dir, 'seccomp-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const profile = (name: string, value: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };

  it('applies a profile of the user\'s: its default action, its errno, its argument conditions', async () => {
    const file = profile('mkdir.json', {
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
        { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 22, args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      ],
    });
    const r = await runIn(fixtures().rootfs, ['--security-opt', `seccomp=${file}`, 'sh', '-c', 'mkdir /tmp/x; /bin/syscalls add_key personality-linux32 personality-query move_pages']);
    expect(r.stderr).toMatch(/mkdir: can't create directory '\/tmp\/x': Permission denied/);
    // What the default filter refuses, this one allows.
    expect(lines(r.stdout)).toEqual(['add_key EFAULT', 'personality-query ok', 'personality-linux32 EINVAL', 'move_pages ok']);
  });

  it('kills the process for SCMP_ACT_KILL_PROCESS', async () => {
    const file = profile('kill.json', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['add_key'], action: 'SCMP_ACT_KILL_PROCESS' }] });
    const r = await runIn(fixtures().rootfs, ['--security-opt', `seccomp=${file}`, '/bin/syscalls', 'add_key']);
    expect(r.exitCode).toBe(128 + 31); // SIGSYS
  });

  const bad: [string, unknown, RegExp][] = [
    ['malformed JSON', '{"defaultAction": ', /seccomp profile `.*bad-0\.json`: not JSON/],
    ['SCMP_ACT_NOTIFY', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOTIFY' }] }, /SCMP_ACT_NOTIFY: user notification is not supported/],
    ['an unknown call', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['no_such_call'], action: 'SCMP_ACT_ERRNO' }] }, /`no_such_call` is not a system call/],
    ['an unknown capability', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', includes: { caps: ['CAP_NOPE'] } }] }, /capability `CAP_NOPE` is unknown/],
    ['no defaultAction', { syscalls: [] }, /has no defaultAction/],
    ['a filter past 4096 instructions', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: Array.from({ length: 1200 }, (_, i) => ({ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: i, op: 'SCMP_CMP_EQ' }] })) }, /more than the kernel's 4096/],
  ];
  bad.forEach(([what, value, message], i) =>
    it(`refuses a profile with ${what}: one error, exit 125, nothing started`, async () => {
      const file = profile(`bad-${i}.json`, value);
      const marker = join(dir, `ran-${i}`);
      const r = await runIn(fixtures().rootfs, ['--security-opt', `seccomp=${file}`, '-v', `${dir}:/out`, 'touch', `/out/ran-${i}`]);
      expectOneError(r, message);
      expect(() => readFileSync(marker)).toThrow();
    }),
  );

  it('refuses a profile file that is missing, and a bad --seccomp-policy', async () => {
    expectOneError(await runIn(fixtures().rootfs, ['--security-opt', `seccomp=${join(dir, 'nope.json')}`, 'true']), /seccomp profile `.*nope\.json`: no such file/);
    expectOneError(await runIn(fixtures().rootfs, ['--seccomp-policy', 'sometimes', 'true']), /invalid --seccomp-policy `sometimes`: default or image/);
    expectOneError(await runIn(fixtures().rootfs, ['--security-opt', 'seccomp=', 'true']), /seccomp= needs a value/);
  });
});

describeContainers('seccomp: containers with a record', () => {
  let store: TestStore;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(fixtures().dir, 'seccomp-image-'));
    const layer = execFileSync('tar', ['-C', fixtures().rootfs, '-cf', '-', '.'], { maxBuffer: 256 << 20 });
    const label = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] });
    const archive = await writeTar(join(dir, 'img.tar'), dockerArchiveEntries({ config: { Cmd: ['sh'], Env: ['PATH=/bin'], Labels: { 'io.containers.seccomp.profile': label } }, layers: [layer] }, 'localhost/sc:latest'));
    store = await loadedStore('seccomp', archive);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs exec under the container\'s filter', async () => {
    const id = await runDetached(store, 'localhost/sc', 'sleep', '60');
    try {
      expect(await succeeded(store, ['exec', id, '/bin/syscalls', 'add_key', 'kexec_load'])).toBe('add_key ENOSYS\nkexec_load EPERM\n');
      expect(await succeeded(store, ['exec', id, 'grep', 'Seccomp:', '/proc/self/status'])).toBe('Seccomp:\t2\n');
    } finally {
      await store.run(['rm', '-f', '-t', '0', id]);
    }
  });

  it('keeps a profile file read at create: the container starts the same after the file is gone; inspect names it', async () => {
    const file = join(dir, 'later.json');
    writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['add_key'], action: 'SCMP_ACT_ERRNO', errnoRet: 5 }] }));
    const id = (await succeeded(store, ['create', '--security-opt', `seccomp=${file}`, 'localhost/sc', '/bin/syscalls', 'add_key'])).trim();
    rmSync(file);
    expect(await succeeded(store, ['start', '-a', id])).toBe('add_key EIO\n');
    expect(await succeeded(store, ['inspect', '--format', '{{.HostConfig.SeccompProfile}} {{.HostConfig.SecurityOpt}}', id])).toBe(`${file} [seccomp=${file}]\n`);
    await succeeded(store, ['rm', id]);
  });

  it('inspect shows the default, unconfined and the image\'s', async () => {
    const shown = async (args: string[]): Promise<string> => {
      const id = (await succeeded(store, ['create', ...args, 'localhost/sc', 'true'])).trim();
      const out = await succeeded(store, ['inspect', '--format', '{{.HostConfig.SeccompProfile}}', id]);
      await succeeded(store, ['rm', id]);
      return out.trim();
    };
    expect(await shown([])).toBe('default');
    expect(await shown(['--security-opt', 'seccomp=unconfined'])).toBe('unconfined');
    expect(await shown(['--seccomp-policy', 'image'])).toBe('image');
  });

  it('--seccomp-policy image takes the image\'s own profile from its label; default ignores it', async () => {
    const image = await store.run(['run', '--rm', '--seccomp-policy', 'image', 'localhost/sc', 'sh', '-c', 'mkdir /tmp/x; /bin/syscalls add_key']);
    expect(image.stdout).toBe('add_key EFAULT\n');
    expect(image.stderr).toMatch(/mkdir: can't create directory '\/tmp\/x': Permission denied/);
    expect(await succeeded(store, ['run', '--rm', 'localhost/sc', 'sh', '-c', 'mkdir /tmp/x && /bin/syscalls add_key'])).toBe('add_key ENOSYS\n');
  });

  it('--userns fakeroot: exec gets the rules too; with a pod it is refused, leaving no container and no pod', async () => {
    const id = await runDetached(store, '--userns', 'fakeroot', 'localhost/sc', 'sleep', '60');
    try {
      expect(lines(await succeeded(store, ['exec', id, '/bin/syscalls', 'fakeroot', '/dev/shm'])).slice(0, 4)).toEqual(['chown ok', 'owner 0:0', 'mknod ok', 'node absent']);
    } finally {
      await store.run(['rm', '-f', '-t', '0', id]);
    }
    expectOneError(await store.run(['create', '--userns', 'fakeroot', '--pod', 'new:fr', 'localhost/sc', 'true']), /--userns fakeroot cannot be given with shared namespaces/);
    expect(await succeeded(store, ['ps', '-a', '-q'])).toBe('');
    expect(await succeeded(store, ['pod', 'ps', '-q'])).toBe('');
  });

  it('refuses a bad profile at create, leaving no container', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"defaultAction":"SCMP_ACT_NOTIFY"}');
    expectOneError(await store.run(['create', '--security-opt', `seccomp=${file}`, 'localhost/sc', 'true']), /SCMP_ACT_NOTIFY/);
    expect(await succeeded(store, ['ps', '-a', '-q'])).toBe('');
  });
});

describeContainers('fakeroot: only your own id mapped', () => {
  it('--userns fakeroot: chown, setgroups, setresuid and device mknod succeed without effect; with subordinate ids they take effect (or fail) for real', async () => {
    // (a tmpfs of its own each time: the fixture's /tmp is every test's)
    const fake = await runIn(fixtures().rootfs, ['--userns', 'fakeroot', '--tmpfs', '/scratch', 'sh', '-c', 'cat /proc/self/uid_map; /bin/syscalls fakeroot /scratch']);
    expect(withoutHostWarnings(fake.stderr)).toBe('');
    expect(lines(fake.stdout).map((l) => l.trim().replace(/\s+/g, ' '))).toEqual(['0 ' + String(fixtures().uid) + ' 1', 'chown ok', 'owner 0:0', 'mknod ok', 'node absent', 'setgroups ok', 'setresuid ok', 'uid 0']);
    // Its control: the private user namespace maps the subordinate ids, and root's calls do what they say.
    if (fixtures().subuids.length > 0) {
      const real = await runIn(fixtures().rootfs, ['--tmpfs', '/scratch', '/bin/syscalls', 'fakeroot', '/scratch']);
      expect(lines(real.stdout)).toEqual(['chown ok', 'owner 1000:1000', 'mknod EPERM', 'node absent', 'setgroups ok', 'setresuid ok', 'uid 1000']);
    }
  });

  it('keeps the fakeroot rules under a profile of the user\'s, and not with seccomp=unconfined', async () => {
    const file = join(fixtures().dir, `fakeroot-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW' }));
    try {
      const r = await runIn(fixtures().rootfs, ['--userns', 'fakeroot', '--tmpfs', '/scratch', '--security-opt', `seccomp=${file}`, '/bin/syscalls', 'fakeroot', '/scratch']);
      expect(lines(r.stdout).slice(0, 2)).toEqual(['chown ok', 'owner 0:0']);
      const bare = await runIn(fixtures().rootfs, ['--userns', 'fakeroot', '--tmpfs', '/scratch', '--security-opt', 'seccomp=unconfined', '/bin/syscalls', 'fakeroot', '/scratch']);
      expect(lines(bare.stdout).slice(0, 2)).toEqual(['chown EINVAL', 'owner 0:0']);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('refuses an unknown --userns mode, and fakeroot with another\'s namespaces', async () => {
    expectOneError(await runIn(fixtures().rootfs, ['--userns', 'ns:/proc/1/ns/user', 'true']), /invalid --userns `ns:\/proc\/1\/ns\/user`: burrow has private .*, keep-id.*, fakeroot/);
  });
});
