/**
 * The security options of `run` and `create`, with podman's meaning, seen
 * from inside the container (probe, /proc/self/status, mountinfo, /dev) and
 * from the host: --privileged, --security-opt mask/unmask/proc-opts/label,
 * --read-only-tmpfs, --cap-add/--cap-drop, --device, --group-add, --sysctl;
 * refusals as one `Error:` line, exit 125, nothing made; inspect. Where
 * podman is installed, a few results are compared with rootless podman's
 * for the same option on a copy of the same root filesystem.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { copyRootfs, describeContainers, fixtures, requireFeature, withoutHostWarnings } from '../helpers/fixtures.js';
import { expectOneError, lines, runIn } from '../helpers/run-cli.js';
import { newStore, type TestStore } from '../helpers/store.js';

async function inside(args: string[]): Promise<string> {
  const r = await runIn(fixtures().rootfs, args);
  expect(withoutHostWarnings(r.stderr), `run ${args.join(' ')}`).toBe('');
  expect(r.exitCode, `run ${args.join(' ')}`).toBe(0);
  return r.stdout;
}

/** A refusal: one `Error:` line (besides this host's expected warning), exit 125. */
function refused(r: Awaited<ReturnType<typeof runIn>>, message: RegExp): void {
  expectOneError({ ...r, stderr: withoutHostWarnings(r.stderr) }, message);
}

/** /proc/self/status's Cap* lines as numbers. */
function caps(status: string): Record<string, bigint> {
  return Object.fromEntries([...status.matchAll(/^(Cap\w+):\s+([0-9a-f]+)$/gm)].map((m) => [m[1] as string, BigInt(`0x${m[2] as string}`)]));
}

/** mountinfo: mount point -> its options (per-mount and superblock ones). */
function mounts(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of lines(text)) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    out.set(f[4] as string, [...(f[5] ?? '').split(','), ...(f[sep + 3] ?? '').split(',')]);
  }
  return out;
}

const ALL = (1n << BigInt(Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8')) + 1)) - 1n;
const DEFAULT_CAPS = 0x800405fbn;
const NET_ADMIN = 1n << 12n;
const PODMAN_MASKED = ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/fs/selinux', '/sys/dev/block'];
const PODMAN_READONLY = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

function openable(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** The host's device nodes below /dev (as podman lists them for --privileged: no pts, shm, fd, mqueue; no symlinks). */
function hostDeviceNodes(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      let st: Stats;
      try {
        st = lstatSync(path);
      } catch {
        continue;
      }
      if (st.isDirectory() && !(dir === '/dev' && ['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev'].includes(name))) walk(path);
      else if (st.isCharacterDevice() || st.isBlockDevice()) out.push(path);
    }
  };
  walk('/dev');
  return out.sort();
}

/** A host device node this user cannot open at all, if the host has one. */
function unopenableDevice(): string | undefined {
  return hostDeviceNodes().find((p) => !openable(p, constants.R_OK) && !openable(p, constants.W_OK));
}

/** Rootless podman (runc, cgroupfs: as it works here) on a copy of the fixture root, or why it cannot be compared. */
let podman: { run: (args: string[]) => Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>; remove: () => void } | string;

function requirePodman(ctx: { skip: (note?: string) => never; task: { name: string } }): Exclude<typeof podman, string> {
  if (typeof podman === 'string') {
    process.stderr.write(`skipping "${ctx.task.name}": ${podman}\n`);
    ctx.skip(podman);
  }
  return podman as Exclude<typeof podman, string>;
}

describeContainers('burrow run: security options', () => {
  beforeAll(async () => {
    const { rootfs, remove } = copyRootfs();
    const run = async (args: string[]): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> => {
      const r = await execa('podman', ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs', 'run', '--rm', '-e', 'PATH=/bin', ...args.slice(0, -1), '--rootfs', rootfs, '/bin/sh', '-c', args.at(-1) as string], { reject: false, timeout: 30_000 });
      return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
    };
    const probe = await run(['true']).catch((err: unknown) => ({ exitCode: 1, stdout: '', stderr: String(err) }));
    if (probe.exitCode === 0) podman = { run, remove };
    else {
      remove();
      podman = `rootless podman does not run here: ${probe.stderr.trim().split('\n').at(-1) ?? ''}`;
    }
  });
  afterAll(() => {
    if (typeof podman !== 'string') podman.remove();
  });

  describe('--privileged', () => {
    it('gives every capability, /sys read-write, no masked or read-only paths, and /proc/sys writable in its own namespaces only', async () => {
      const hostForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
      const out = await inside(['--privileged', 'sh', '-c', 'probe caps; echo ---; cat /proc/self/mountinfo; echo ---; echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward']);
      const [status = '', info = '', forward = ''] = out.split('---\n');
      expect(caps(status)).toEqual({ CapInh: 0n, CapPrm: ALL, CapEff: ALL, CapBnd: ALL, CapAmb: 0n });
      const m = mounts(info);
      expect(m.get('/sys')).toContain('rw');
      expect(m.get('/sys')).not.toContain('ro');
      for (const path of [...PODMAN_MASKED, ...PODMAN_READONLY]) expect(m.has(path), path).toBe(false);
      expect(forward).toBe('1\n');
      expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(hostForward);
    });

    it("binds the host's devices the user can open, never a console, a tty or ptmx", async () => {
      const out = await inside(['--privileged', 'find', '/dev', '-type', 'c', '-o', '-type', 'b']);
      const seen = new Set(lines(out).filter((p) => !p.startsWith('/dev/pts/')));
      const host = hostDeviceNodes().filter((p) => p !== '/dev/console' && p !== '/dev/ptmx' && !p.startsWith('/dev/tty'));
      const usable = host.filter((p) => openable(p, constants.R_OK) || openable(p, constants.W_OK));
      for (const p of usable) expect(seen.has(p), p).toBe(true);
      for (const p of host.filter((x) => !usable.includes(x))) expect(seen.has(p), p).toBe(false);
      // the defaults, and nothing else
      const defaults = ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty'].filter((p) => existsSync(p));
      expect([...seen].sort()).toEqual([...new Set([...usable, ...defaults])].sort());
    });

    it('gives a user other than root nothing but the bounding set', async (ctx) => {
      requireFeature(ctx, 'subids');
      expect(caps(await inside(['--privileged', '-u', 'nobody', 'probe', 'caps']))).toEqual({ CapInh: 0n, CapPrm: 0n, CapEff: 0n, CapBnd: ALL, CapAmb: 0n });
    });

    it("as podman's: the same capabilities, and its devices less only the ones the user cannot open", async (ctx) => {
      const p = requirePodman(ctx);
      const script = 'grep -E "^Cap(Eff|Bnd)" /proc/self/status; find /dev -type c -o -type b';
      const theirs = await p.run(['--privileged', script]);
      expect(theirs.exitCode, theirs.stderr).toBe(0);
      const ours = await inside(['--privileged', 'sh', '-c', script]);
      const split = (text: string): { caps: string[]; devices: string[] } => ({
        caps: lines(text).filter((l) => l.startsWith('Cap')),
        devices: lines(text).filter((l) => l.startsWith('/dev/') && !l.startsWith('/dev/pts/')),
      });
      const a = split(ours);
      const b = split(theirs.stdout);
      expect(a.caps).toEqual(b.caps);
      for (const d of a.devices) expect(b.devices, d).toContain(d);
      for (const d of b.devices.filter((x) => !a.devices.includes(x))) expect(openable(d, constants.R_OK) || openable(d, constants.W_OK), d).toBe(false);
    });
  });

  describe('--security-opt', () => {
    it('mask= hides a file (empty) and a directory (empty, read-only); a missing path is skipped', async () => {
      const out = await inside(['--security-opt', 'mask=/etc/passwd:/home:/no/such', 'sh', '-c', 'probe read /etc/passwd; probe write /etc/passwd; ls -A /home; probe write /home/x; probe read /etc/group']);
      expect(out).toBe('0 bytes\nok\nEROFS\n' + `${readFileSync(join(fixtures().rootfs, 'etc/group')).length} bytes\n`);
      // (the write went to /dev/null)
      expect(readFileSync(join(fixtures().rootfs, 'etc/passwd'), 'utf8')).toMatch(/^root:/);
    });

    it('unmask= takes paths off the masked and the read-only lists, by name or pattern; ALL takes every one', async () => {
      const hostForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');
      // not read-only any more: a write is the kernel's to refuse (EACCES without CAP_NET_ADMIN), not EROFS
      const out = await inside(['--security-opt', 'unmask=/proc/sys:/proc/keys', 'sh', '-c', 'probe write /proc/sys/net/ipv4/ip_forward; cat /proc/self/mountinfo']);
      expect(lines(out)[0]).toBe('EACCES');
      const named = mounts(out);
      expect(named.has('/proc/sys')).toBe(false);
      expect(named.has('/proc/keys')).toBe(false);
      expect(named.has('/proc/bus')).toBe(true);
      expect(named.has('/sys/firmware')).toBe(true);
      expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(hostForward);
      const glob = mounts(await inside(['--security-opt', 'unmask=/proc/*', 'cat', '/proc/self/mountinfo']));
      expect([...glob.keys()].filter((p) => p.startsWith('/proc/'))).toEqual([]);
      expect(glob.has('/sys/firmware')).toBe(true);
      const all = mounts(await inside(['--security-opt', 'unmask=ALL', 'cat', '/proc/self/mountinfo']));
      for (const path of [...PODMAN_MASKED, ...PODMAN_READONLY]) expect(all.has(path), path).toBe(false);
    });

    it("unmask= leaves the same masked and read-only mounts as podman's", async (ctx) => {
      const p = requirePodman(ctx);
      const relevant = (info: string): string[] =>
        [...mounts(info).keys()].filter((m) => [...PODMAN_MASKED, ...PODMAN_READONLY].includes(m)).sort();
      for (const opt of ['unmask=/proc/*', 'unmask=/proc/sys:/sys/firmware']) {
        const theirs = await p.run(['--security-opt', opt, 'cat /proc/self/mountinfo']);
        expect(theirs.exitCode, theirs.stderr).toBe(0);
        // (podman here does not mask /proc/kcore and such as it lists them when they are absent: compare what exists)
        expect(relevant(await inside(['--security-opt', opt, 'cat', '/proc/self/mountinfo'])), opt).toEqual(relevant(theirs.stdout));
      }
    });

    it('proc-opts= mounts /proc with the options of proc(5)', async () => {
      expect(mounts(await inside(['--security-opt', 'proc-opts=hidepid=2', 'cat', '/proc/self/mountinfo'])).get('/proc')).toContain('hidepid=invisible');
      // subset=pid: only the processes, none of /proc/sys or the files podman masks
      expect(lines(await inside(['--security-opt', 'proc-opts=subset=pid', 'ls', '/proc'])).sort()).toEqual(['1', 'self', 'thread-self']);
    });

    it('label= and apparmor=unconfined are accepted, without effect (no SELinux or AppArmor here)', async () => {
      expect(await inside(['--security-opt', 'label=disable', '--security-opt', 'label=type:spc_t', '--security-opt', 'apparmor=unconfined', 'echo', 'ok'])).toBe('ok\n');
    });

    it.each([
      [['--security-opt', 'mask=etc'], /invalid security option `mask=etc`: `etc` is not an absolute path/],
      [['--security-opt', 'unmask=proc'], /`proc` is not an absolute path/],
      [['--security-opt', 'proc-opts=bogus=1'], /`bogus=1` is not a \/proc mount option/],
      [['--security-opt', 'label=bogus'], /label=disable/],
      [['--security-opt', 'bogus'], /security option `bogus` is not supported/],
    ])('refuses %j with one error line, exit 125', async (args, message) => {
      refused(await runIn(fixtures().rootfs, [...args, 'true']), message);
    });
  });

  describe('--read-only-tmpfs', () => {
    it('=false with --read-only: no tmpfs on /run, /tmp, /var/tmp (read-only as the root), /dev/shm still writable', async () => {
      const out = await inside(['--read-only', '--read-only-tmpfs=false', 'sh', '-c', 'for d in /tmp /run /var/tmp /dev/shm; do echo "$d $(probe write $d/f)"; done; cat /proc/self/mountinfo']);
      expect(lines(out).slice(0, 4)).toEqual(['/tmp EROFS', '/run EROFS', '/var/tmp EROFS', '/dev/shm ok']);
      const m = mounts(out);
      for (const dir of ['/tmp', '/run', '/var/tmp']) expect(m.has(dir), dir).toBe(false);
    });

    it('changes nothing without --read-only; --read-only-tmpfs (true) is the default', async () => {
      expect(await inside(['--read-only-tmpfs=false', 'probe', 'write', '/tmp/f'])).toBe('ok\n');
      expect(await inside(['--read-only', '--read-only-tmpfs', 'probe', 'write', '/tmp/f'])).toBe('ok\n');
    });
  });

  describe('--cap-add, --cap-drop', () => {
    it('ALL less a drop; comma-separated lists; names in any case, with or without CAP_', async () => {
      expect(caps(await inside(['--cap-add', 'all', '--cap-drop', 'cap_net_admin', 'probe', 'caps'])).CapEff).toBe(ALL & ~NET_ADMIN);
      expect(caps(await inside(['--cap-add', 'NET_ADMIN,cap_sys_admin', '--cap-drop', 'chown,Kill', 'probe', 'caps'])).CapBnd).toBe(
        (DEFAULT_CAPS | NET_ADMIN | (1n << 21n)) & ~1n & ~(1n << 5n),
      );
      expect(caps(await inside(['--cap-drop', 'ALL', '--cap-add', 'cap_kill', 'probe', 'caps']))).toEqual({ CapInh: 0n, CapPrm: 0x20n, CapEff: 0x20n, CapBnd: 0x20n, CapAmb: 0n });
    });

    it('gives a user other than root the capabilities --cap-add named, in every set (so they survive its exec), as podman', async (ctx) => {
      requireFeature(ctx, 'subids');
      expect(caps(await inside(['-u', '1000', '--cap-add', 'net_admin', 'probe', 'caps']))).toEqual({
        CapInh: NET_ADMIN,
        CapPrm: NET_ADMIN,
        CapEff: NET_ADMIN,
        CapBnd: DEFAULT_CAPS | NET_ADMIN,
        CapAmb: NET_ADMIN,
      });
      expect(caps(await inside(['-u', '1000', 'probe', 'caps']))).toEqual({ CapInh: 0n, CapPrm: 0n, CapEff: 0n, CapBnd: DEFAULT_CAPS, CapAmb: 0n });
    });

    it("matches podman's sets for a user other than root", async (ctx) => {
      requireFeature(ctx, 'subids');
      const p = requirePodman(ctx);
      for (const args of [['-u', 'nobody', '--cap-add', 'net_admin'], ['--cap-add', 'ALL', '--cap-drop', 'SETUID,net_raw']]) {
        const theirs = await p.run([...args, 'grep ^Cap /proc/self/status']);
        expect(theirs.exitCode, theirs.stderr).toBe(0);
        expect((await inside([...args, 'grep', '^Cap', '/proc/self/status'])).trim(), args.join(' ')).toBe(theirs.stdout.trim());
      }
    });

    it.each([
      [['--cap-add', 'ALL', '--cap-drop', 'all'], /--cap-add ALL and --cap-drop ALL cannot be given together/],
      [['--cap-add', 'chown', '--cap-drop', 'CAP_CHOWN'], /capability `CHOWN` cannot be both added and dropped/],
      [['--cap-add', 'NET_ADMIN,teleport'], /unknown capability `teleport`/],
      [['--cap-drop', 'CAP_'], /unknown capability `CAP_`/],
    ])('refuses %j with one error line, exit 125', async (args, message) => {
      refused(await runIn(fixtures().rootfs, [...args, 'true']), message);
    });
  });

  describe('--device', () => {
    it('binds a device at its path or another', async () => {
      const out = await inside(['--device', '/dev/null:/dev/mynull', '--device', '/dev/zero:/dev/z:rwm', '--device', '/dev/full:rw', 'sh', '-c', 'probe stat /dev/mynull /dev/z /dev/full; probe write /dev/mynull']);
      expect(lines(out)).toEqual([
        expect.stringMatching(/^\/dev\/mynull chr 1:3 0666 /),
        expect.stringMatching(/^\/dev\/z chr 1:5 0666 /),
        expect.stringMatching(/^\/dev\/full chr 1:7 0666 /),
        'ok',
      ]);
    });

    it('binds each device of a directory the user can open', async (ctx) => {
      if (!existsSync('/dev/net/tun') || !openable('/dev/net/tun', constants.R_OK)) {
        process.stderr.write(`skipping "${ctx.task.name}": no /dev/net/tun this user can open\n`);
        ctx.skip('no /dev/net/tun');
      }
      expect(await inside(['--device', '/dev/net', 'find', '/dev/net', '-type', 'c'])).toBe('/dev/net/tun\n');
      expect(await inside(['--device', '/dev/net:/dev/other', 'find', '/dev/other', '-type', 'c'])).toBe('/dev/other/tun\n');
    });

    it('refuses a device the user cannot open, before anything starts', async (ctx) => {
      const device = unopenableDevice();
      if (device === undefined) {
        process.stderr.write(`skipping "${ctx.task.name}": every device node here can be opened by this user\n`);
        ctx.skip('no device node this user cannot open');
      }
      refused(await runIn(fixtures().rootfs, ['--device', device as string, 'echo', 'started']), new RegExp(`device \`${device as string}\`: permission denied`));
    });

    it.each([
      [['--device', '/dev/no-such-device'], /device `\/dev\/no-such-device`: no such file or directory/],
      [['--device', '/etc/passwd'], /device `\/etc\/passwd`: not a device node/],
      [['--device', 'dev/null'], /invalid device `dev\/null`: `dev\/null` is not an absolute path/],
      [['--device', '/dev/null:/dev/n:x'], /invalid permissions `x`/],
      // a read-only bind does not stop writes to a device (podman binds it so, and the writes go through)
      [['--device', '/dev/null:/dev/n:r'], /permissions `r` cannot be enforced rootless/],
      [['--device', '/dev/null:wm'], /permissions `wm` cannot be enforced rootless/],
      [['--device', '/dev/null:relative'], /invalid permissions `relative`/],
      [['--device', '/dev/null:/a:rw:m'], /expected HOST-DEVICE/],
    ])('refuses %j with one error line, exit 125', async (args, message) => {
      const r = await runIn(fixtures().rootfs, [...args, 'echo', 'started']);
      refused(r, message);
      expect(r.stdout).toBe('');
    });
  });

  describe('--group-add', () => {
    it("adds groups by name and number; root gets only its /etc/group groups, none of the host's", async (ctx) => {
      requireFeature(ctx, 'subids');
      expect(await inside(['probe', 'ids'])).toBe('uid=0 gid=0 groups=\n');
      expect(await inside(['--group-add', 'extra', '--group-add', '3000', 'probe', 'ids'])).toBe('uid=0 gid=0 groups=2000,3000\n');
      expect(await inside(['-u', 'tester', '--group-add', '3000', 'probe', 'ids'])).toBe('uid=1000 gid=1000 groups=2000,3000\n');
    });

    it('keep-groups keeps the host groups (no setgroups: /proc/self/setgroups stays allow)', async (ctx) => {
      requireFeature(ctx, 'subids');
      const f = fixtures();
      const out = await inside(['--group-add', 'keep-groups', 'sh', '-c', 'probe ids; cat /proc/self/setgroups']);
      // each host group as the container sees it: the user's own is 0, one of the subordinate range its id there, the rest the overflow gid
      const inside_ = (g: number): number => {
        if (g === f.gid) return 0;
        let base = 1;
        for (const r of f.subgids) {
          if (g >= r.start && g < r.start + r.count) return base + g - r.start;
          base += r.count;
        }
        return Number(readFileSync('/proc/sys/kernel/overflowgid', 'utf8'));
      };
      const expected = (process.getgroups?.() ?? []).map(inside_).sort((a, b) => a - b);
      const [ids = '', setgroups] = lines(out);
      const groups = (/groups=(.*)$/.exec(ids)?.[1] ?? '').split(',').filter(Boolean).map(Number).sort((a, b) => a - b);
      expect(groups).toEqual(expected);
      expect(setgroups).toBe('allow');
    });

    it.each([
      [['--group-add', 'keep-groups', '--group-add', '10'], /--group-add keep-groups cannot be given with other --group-add groups/],
      [['--group-add', 'no-such-group'], /--group-add `no-such-group`: no such group in the container's \/etc\/group/],
    ])('refuses %j with one error line, exit 125', async (args, message) => {
      refused(await runIn(fixtures().rootfs, [...args, 'true']), message);
    });

    it('refuses a group its user namespace does not map', async (ctx) => {
      requireFeature(ctx, 'subids');
      refused(await runIn(fixtures().rootfs, ['--group-add', '4000000000', 'true']), /--group-add `4000000000`: gid 4000000000 is not mapped/);
    });
  });

  describe('--sysctl', () => {
    it('sets the parameters of its own network, IPC and uts namespaces before the command; /proc/sys stays read-only; the host is untouched', async () => {
      const host = ['net/ipv4/ip_forward', 'kernel/msgmax', 'fs/mqueue/msg_max', 'kernel/domainname'].map((p) => readFileSync(`/proc/sys/${p}`, 'utf8'));
      const out = await inside([
        '--sysctl', 'net.ipv4.ip_forward=1',
        '--sysctl', 'kernel.msgmax=9000',
        '--sysctl', 'fs.mqueue.msg_max=20',
        '--sysctl', 'kernel.sem=250 32000 32 129',
        '--sysctl', 'kernel.domainname=example.org',
        'sh', '-c', 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax /proc/sys/fs/mqueue/msg_max /proc/sys/kernel/sem /proc/sys/kernel/domainname; probe write /proc/sys/kernel/msgmax; true',
      ]);
      expect(out).toBe('1\n9000\n20\n250\t32000\t32\t129\nexample.org\nEROFS\n');
      expect(['net/ipv4/ip_forward', 'kernel/msgmax', 'fs/mqueue/msg_max', 'kernel/domainname'].map((p) => readFileSync(`/proc/sys/${p}`, 'utf8'))).toEqual(host);
    });

    it.each([
      [['--sysctl', 'vm.swappiness=1'], /sysctl `vm.swappiness` is not allowed/],
      [['--sysctl', 'kernel.hostname=x'], /sysctl `kernel.hostname` is not allowed: set the host name with --hostname/],
      [['--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1'], /sysctl `net.ipv4.ip_forward` cannot be set: the container has no network namespace of its own/],
      [['--sysctl', 'net.ipv4.ip_forward'], /invalid sysctl `net.ipv4.ip_forward`: expected NAME=VALUE/],
      [['--sysctl', 'net.ipv4.no_such_parameter=1'], /`\/proc\/sys\/net\/ipv4\/no_such_parameter`.*No such file or directory/],
      [['--sysctl', 'net.ipv4.ip_forward=bogus'], /set `\/proc\/sys\/net\/ipv4\/ip_forward` to `bogus`: Invalid argument/],
    ])('refuses %j with one error line, exit 125, the command not started', async (args, message) => {
      const r = await runIn(fixtures().rootfs, [...args, 'echo', 'started']);
      refused(r, message);
      expect(r.stdout).toBe('');
    });
  });

  describe('create and inspect', () => {
    let store: TestStore;
    const IMAGE = 'localhost/security:latest';
    beforeAll(async () => {
      store = newStore('security');
      const tarball = join(fixtures().dir, 'security-rootfs.tar');
      execFileSync('tar', ['-C', fixtures().rootfs, '-cf', tarball, '.']);
      const r = await store.run(['import', tarball, IMAGE]);
      expect(r.exitCode, r.stderr).toBe(0);
    });
    afterAll(async () => {
      await store.run(['rm', '-af', '-t', '0']);
    });

    it("shows the options where podman's inspect does", async () => {
      const created = await store.run([
        'create', '--name', 'sec', '--cap-add', 'net_admin,SYS_ADMIN', '--cap-drop', 'chown', '--device', '/dev/null:/dev/n:rw',
        '--group-add', '3000', '--sysctl', 'net.ipv4.ip_forward=1', '--security-opt', 'label=disable', '--read-only', '--read-only-tmpfs=false', IMAGE, 'true',
      ]);
      expect(withoutHostWarnings(created.stderr)).toBe('');
      expect(created.exitCode).toBe(0);
      const [doc] = JSON.parse((await store.run(['inspect', 'sec'])).stdout) as { HostConfig: Record<string, unknown> }[];
      expect(doc?.HostConfig).toMatchObject({
        Privileged: false,
        CapAdd: ['CAP_NET_ADMIN', 'CAP_SYS_ADMIN'],
        CapDrop: ['CAP_CHOWN'],
        Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/n', CgroupPermissions: 'rw' }],
        GroupAdd: ['3000'],
        Sysctls: { 'net.ipv4.ip_forward': '1' },
        SecurityOpt: ['label=disable'],
        ReadonlyRootfs: true,
      });
      const started = await store.run(['start', '-a', 'sec']);
      expect(started.exitCode, started.stderr).toBe(0);
      const priv = await store.run(['create', '--name', 'priv', '--privileged', '--cap-drop', 'SYS_ADMIN', IMAGE, 'true']);
      expect(priv.exitCode, priv.stderr).toBe(0);
      const [p] = JSON.parse((await store.run(['inspect', 'priv'])).stdout) as { HostConfig: Record<string, unknown> }[];
      expect(p?.HostConfig).toMatchObject({ Privileged: true, CapAdd: [], CapDrop: [] });
    });

    it.each([
      [['--device', '/dev/no-such-device'], /no such file or directory/],
      [['--sysctl', 'vm.swappiness=1'], /not allowed/],
      [['--security-opt', 'mask=relative'], /not an absolute path/],
      [['--cap-add', 'ALL', '--cap-drop', 'ALL'], /cannot be given together/],
      [['--group-add', 'no-such-group'], /no such group/],
    ])('create refuses %j and leaves no container behind', async (args, message) => {
      const before = (await store.run(['ps', '-aq'])).stdout;
      expectOneError(await store.run(['create', '--name', 'refused', ...args, IMAGE, 'true']), message);
      expect((await store.run(['ps', '-aq'])).stdout).toBe(before);
      expect((await store.run(['container', 'exists', 'refused'])).exitCode).toBe(1);
    });
  });
});
