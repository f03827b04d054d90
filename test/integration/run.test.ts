/**
 * `burrow run --rootfs`: what the container sees, asked from inside (the
 * probe and busybox in test/setup/global.ts's root filesystem).
 */
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature, withoutHostWarnings } from '../helpers/fixtures.js';
import { PODMAN_MASKED, PODMAN_READONLY } from '../helpers/specs.js';
import { lines, runIn, type CliResult } from '../helpers/run-cli.js';

const DEFAULT_CAPS = '00000000800405fb';

const MASKED = PODMAN_MASKED;
const READONLY = PODMAN_READONLY;

/** Runs in the fixture rootfs and insists on success (showing stderr when it fails). */
async function inside(args: string[]): Promise<string> {
  const r = await runIn(fixtures().rootfs, args);
  expect(withoutHostWarnings(r.stderr)).toBe('');
  expect(r.exitCode).toBe(0);
  return r.stdout;
}

function words(text: string): string[] {
  return text.trim().split(/\s+/);
}

/** The mount points of /proc/self/mountinfo and their per-mount options. */
function mountinfo(text: string): Map<string, { options: string[]; fstype: string }> {
  const out = new Map<string, { options: string[]; fstype: string }>();
  for (const line of lines(text)) {
    const f = line.split(' ');
    const sep = f.indexOf('-');
    out.set(f[4] as string, { options: (f[5] as string).split(','), fstype: f[sep + 1] as string });
  }
  return out;
}

describeContainers('burrow run: what the container sees', () => {
  it('runs the command as PID 1', async () => {
    expect(await inside(['probe', 'pids'])).toBe('pid=1 ppid=0\n');
    // A line the fast path (dist/fast.cjs) leaves to the whole CLI: the same container.
    expect(await inside(['--', 'probe', 'pids'])).toBe('pid=1 ppid=0\n');
    expect(await inside(['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo; readlink /proc/1/exe'])).toBe(
      'sh -c cat /proc/1/cmdline | tr "\\0" " "; echo; readlink /proc/1/exe \n/bin/busybox\n',
    );
  });

  it('hands the container blocking stdin, stdout and stderr, whichever parser read the line', async () => {
    // clipanion's parser (for a line the fast path declines, such as `--rm=true`) makes Node create
    // process.stdout and stderr, which libuv makes non-blocking; the exec must undo that.
    const script = 'for f in 0 1 2; do sed -n "s/^flags:[[:space:]]*//p" /proc/self/fdinfo/$f; done';
    for (const line of [['sh', '-c', script], ['--rm=true', 'sh', '-c', script]]) {
      const r = await runIn(fixtures().rootfs, line, { input: 'x' });
      expect(r.exitCode, r.stderr).toBe(0);
      const flags = lines(r.stdout).map((f) => parseInt(f, 8));
      expect(flags, line.join(' ')).toHaveLength(3);
      for (const f of flags) expect(f & 0o4000, `${line.join(' ')}: ${r.stdout}`).toBe(0);
    }
  });

  it('with --init, runs an init as PID 1 and the command as its child', async () => {
    const out = await inside(['--init', 'probe', 'pids']);
    const m = /^pid=(\d+) ppid=1\n$/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(1);
  });

  it('with --init, the init reaps orphaned processes', async () => {
    // The inner shell leaves a sleep behind that ends while its new parent (the init) lives on.
    const out = await inside(['--init', 'sh', '-c', 'sh -c "sleep 0.1 & exit 0"; sleep 0.6; cat /proc/[0-9]*/stat 2>/dev/null | cut -d" " -f2,3']);
    for (const line of lines(out)) expect(line).not.toMatch(/ Z$/);
    expect(out).not.toContain('(sleep)');
  });

  it('has its own hostname: 12 hex digits by default, --hostname otherwise', async () => {
    const a = (await inside(['sh', '-c', 'hostname; echo $HOSTNAME'])).split('\n');
    expect(a[0]).toMatch(/^[0-9a-f]{12}$/);
    expect(a[1]).toBe(a[0]);
    const b = (await inside(['hostname'])).trim();
    expect(b).toMatch(/^[0-9a-f]{12}$/);
    expect(b).not.toBe(a[0]);
    expect(await inside(['--hostname', 'x', 'hostname'])).toBe('x\n');
    expect(await inside(['-h', 'box-1', 'sh', '-c', 'hostname; cat /proc/sys/kernel/hostname'])).toBe('box-1\nbox-1\n');
  });

  it('is root inside, mapped to the invoking user', async () => {
    expect(await inside(['probe', 'ids'])).toMatch(/^uid=0 gid=0 groups=(0)?\n$/);
  });

  it('maps root to the user and 1.. to the subordinate range', async (ctx) => {
    requireFeature(ctx, 'subids');
    const f = fixtures();
    const out = await inside(['sh', '-c', 'cat /proc/self/uid_map; echo --; cat /proc/self/gid_map']);
    const [uidMap, gidMap] = out.split('--\n').map((part) => lines(part).map((l) => words(l).join(' ')));
    const expected = (id: number, ranges: { start: number; count: number }[]): string[] => {
      let next = 1;
      return [`0 ${id} 1`, ...ranges.map((r) => `${(next += r.count) - r.count} ${r.start} ${r.count}`)];
    };
    expect(uidMap).toEqual(expected(f.uid, f.subuids));
    expect(gidMap).toEqual(expected(f.gid, f.subgids));
  });

  it('has a /proc of its own pid namespace: only its processes, none of the host', async () => {
    const out = await inside(['sh', '-c', 'ls /proc; echo --; cat /proc/*/comm 2>/dev/null']);
    const [listing, comms] = out.split('--\n');
    const pids = lines(listing ?? '').filter((n) => /^\d+$/.test(n)).map(Number);
    expect(pids.length).toBeGreaterThan(0);
    expect(pids.length).toBeLessThanOrEqual(4);
    for (const pid of pids) expect(pid).toBeLessThan(10);
    // The test runner (node) is a host process: not visible.
    expect(lines(comms ?? '')).not.toContain('node');
    expect(await inside(['readlink', '/proc/self/ns/pid'])).not.toBe(`${readlinkSync('/proc/self/ns/pid')}\n`);
  });

  it('has a minimal /dev and nothing else of the host /dev', async () => {
    const entries = lines(await inside(['ls', '-1A', '/dev'])).sort();
    const required = ['fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero'];
    for (const name of required) expect(entries).toContain(name);
    // podman also has /dev/core (-> /proc/kcore) and, with -t, /dev/console.
    for (const name of entries) expect([...required, 'core', 'console']).toContain(name);

    const stat = lines(await inside(['probe', 'stat', '/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/pts/ptmx']));
    expect(stat.map((l) => words(l).slice(0, 3).join(' '))).toEqual([
      '/dev/null chr 1:3',
      '/dev/zero chr 1:5',
      '/dev/full chr 1:7',
      '/dev/random chr 1:8',
      '/dev/urandom chr 1:9',
      '/dev/tty chr 5:0',
      '/dev/pts/ptmx chr 5:2',
    ]);
    const links = await inside(['sh', '-c', 'for l in fd stdin stdout stderr ptmx; do echo "$l $(readlink /dev/$l)"; done']);
    expect(lines(links)).toEqual(['fd /proc/self/fd', 'stdin /proc/self/fd/0', 'stdout /proc/self/fd/1', 'stderr /proc/self/fd/2', 'ptmx pts/ptmx']);

    const absent = lines(await inside(['probe', 'stat', '/dev/vda', '/dev/sda', '/dev/fuse', '/dev/net/tun', '/dev/kvm', '/dev/mem', '/dev/console']));
    for (const l of absent) expect(l).toMatch(/ ENOENT$/);

    const mounts = mountinfo(await inside(['cat', '/proc/self/mountinfo']));
    expect(mounts.get('/dev')?.fstype).toBe('tmpfs');
    expect(mounts.get('/dev/pts')?.fstype).toBe('devpts');
    expect(mounts.get('/dev/shm')?.fstype).toBe('tmpfs');
    expect(mounts.get('/dev/mqueue')?.fstype).toBe('mqueue');
  });

  it('has working devices', async () => {
    const out = await inside(['sh', '-c', 'head -c 4 /dev/zero | od -An -tx1; head -c 16 /dev/urandom | wc -c; echo x > /dev/null && echo null-ok; probe write /dev/full; echo shm > /dev/shm/f && cat /dev/shm/f']);
    expect(lines(out).map((l) => l.trim())).toEqual(['00 00 00 00', '16', 'null-ok', 'ENOSPC', 'shm']);
  });

  it('has a read-only /sys', async () => {
    expect(await inside(['sh', '-c', 'probe mkdir /sys/x; probe write /sys/kernel/uevent_helper; ls /sys | grep -c .'])).toMatch(/^EROFS\nEROFS\n[1-9]\d*\n$/);
    const sys = mountinfo(await inside(['cat', '/proc/self/mountinfo'])).get('/sys');
    expect(sys?.options).toContain('ro');
  });

  it("hides podman's masked paths: empty or absent", async () => {
    const script = MASKED.map((p) => `if [ -d ${p} ]; then echo "${p} dir $(ls -A ${p} | wc -l)"; elif [ -e ${p} ]; then echo "${p} file $(wc -c < ${p})"; else echo "${p} absent"; fi`).join('; ');
    const out = lines(await inside(['sh', '-c', script]));
    expect(out).toHaveLength(MASKED.length);
    for (const line of out) expect(line).toMatch(/^\S+ (dir 0|file 0|absent)$/);
    // Each one that exists is covered by a mount, so a write cannot reach the real one either.
    const mounts = mountinfo(await inside(['cat', '/proc/self/mountinfo']));
    for (const line of out) {
      const [path, state] = line.split(' ');
      if (state !== 'absent') expect(mounts.has(path as string), `${path} is not a mount`).toBe(true);
    }
    const writes = lines(await inside(['sh', '-c', 'for p in /sys/firmware /proc/acpi /sys/dev/block; do [ -d $p ] && probe write $p/x; done; true']));
    for (const w of writes) expect(w).toBe('EROFS');
  });

  it("makes podman's read-only paths refuse writes", async () => {
    // A write to the path itself, or to the first file below it (O_TRUNC: the mount is checked before the mode).
    const script = READONLY.map(
      (p) => `if [ -e ${p} ]; then f=$(find ${p} -type f 2>/dev/null | head -n 1); echo "${p} $(if [ -n "$f" ]; then probe write $f; else echo nofile; fi)"; else echo "${p} absent"; fi`,
    ).join('; ');
    const out = lines(await inside(['sh', '-c', script]));
    expect(out).toHaveLength(READONLY.length);
    for (const line of out) expect(line).toMatch(/^\S+ (EROFS|absent|nofile)$/);
    // /proc/sys/kernel/hostname belongs to the container's uts namespace: writable but for the read-only mount.
    expect(await inside(['sh', '-c', 'probe write /proc/sys/kernel/hostname; true'])).toBe('EROFS\n');
    const mounts = mountinfo(await inside(['cat', '/proc/self/mountinfo']));
    for (const line of out) {
      const [path, state] = line.split(' ');
      if (state === 'absent') continue;
      expect(mounts.get(path as string)?.options, `${path} in mountinfo`).toContain('ro');
    }
  });

  it("has podman's default capabilities", async () => {
    const caps = await inside(['probe', 'caps']);
    expect(caps).toContain(`CapEff:\t${DEFAULT_CAPS}`);
    expect(caps).toContain(`CapPrm:\t${DEFAULT_CAPS}`);
    expect(caps).toContain(`CapBnd:\t${DEFAULT_CAPS}`);
    expect(caps).toContain('CapInh:\t0000000000000000');
    expect(caps).toContain('CapAmb:\t0000000000000000');
  });

  it('changes the capabilities with --cap-add and --cap-drop', async () => {
    const caps = async (...args: string[]): Promise<{ eff: string; bnd: string }> => {
      const out = await inside([...args, 'probe', 'caps']);
      return { eff: /CapEff:\t(\w+)/.exec(out)?.[1] ?? '', bnd: /CapBnd:\t(\w+)/.exec(out)?.[1] ?? '' };
    };
    // NET_ADMIN is 12, CHOWN 0, SYS_ADMIN 21
    expect(await caps('--cap-add', 'NET_ADMIN')).toEqual({ eff: '00000000800415fb', bnd: '00000000800415fb' });
    expect(await caps('--cap-add', 'cap_sys_admin', '--cap-drop', 'CHOWN')).toEqual({ eff: '00000000802405fa', bnd: '00000000802405fa' });
    expect(await caps('--cap-drop', 'ALL')).toEqual({ eff: '0000000000000000', bnd: '0000000000000000' });
    expect(await caps('--cap-drop', 'ALL', '--cap-add', 'KILL')).toEqual({ eff: '0000000000000020', bnd: '0000000000000020' });
    const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    const all = ((1n << BigInt(last + 1)) - 1n).toString(16).padStart(16, '0');
    expect(await caps('--cap-add', 'ALL')).toEqual({ eff: all, bnd: all });
  });

  it('gives a non-root user the bounding set only', async (ctx) => {
    requireFeature(ctx, 'subids');
    const caps = await inside(['-u', '1000', 'probe', 'caps']);
    expect(caps).toContain('CapEff:\t0000000000000000');
    expect(caps).toContain(`CapBnd:\t${DEFAULT_CAPS}`);
  });

  it('enforces a dropped capability', async (ctx) => {
    requireFeature(ctx, 'subids');
    const script = 'f=/tmp/chown-$$; touch $f; chown 1000 $f && echo chowned; rm -f $f';
    expect(await inside(['sh', '-c', script])).toBe('chowned\n');
    const r = await runIn(fixtures().rootfs, ['--cap-drop', 'CHOWN', 'sh', '-c', script]);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Operation not permitted/);
  });

  it('sets no_new_privs only with --security-opt no-new-privileges', async () => {
    expect(await inside(['grep', 'NoNewPrivs', '/proc/self/status'])).toBe('NoNewPrivs:\t0\n');
    expect(await inside(['--security-opt', 'no-new-privileges', 'grep', 'NoNewPrivs', '/proc/self/status'])).toBe('NoNewPrivs:\t1\n');
  });

  it('brings the loopback device up in its own network namespace', async () => {
    // IFF_UP | IFF_LOOPBACK
    expect(await inside(['cat', '/sys/class/net/lo/flags'])).toBe('0x9\n');
  });

  it('leaves only fds 0-2 open in the command', async () => {
    expect(await inside(['probe', 'fds'])).toBe('0 1 2\n');
    expect(await inside(['--init', 'probe', 'fds'])).toBe('0 1 2\n');
    const r = await runIn(fixtures().rootfs, ['-i', 'probe', 'fds'], { input: '' });
    expect(r.stdout).toBe('0 1 2\n');
  });

  it('starts the command with no signal ignored or blocked (Node ignores SIGPIPE)', async () => {
    expect(await inside(['probe', 'signals'])).toBe('SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n');
    // With SIGPIPE ignored, `yes` would never end.
    expect(await inside(['sh', '-c', 'yes | head -n 2'])).toBe('y\ny\n');
  });

  it('gives the command a default environment', async () => {
    const env = lines(await inside(['env'])).sort();
    expect(env).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(env).toContain('HOME=/root');
    expect(env).toContain('container=burrow');
    expect(env.find((e) => e.startsWith('HOSTNAME='))).toMatch(/^HOSTNAME=[0-9a-f]{12}$/);
    expect(env.find((e) => e.startsWith('TERM='))).toBeUndefined();
    // Nothing of the host's environment leaks in.
    expect(env.find((e) => e.startsWith('NODE_') || e.startsWith('VITEST'))).toBeUndefined();
  });

  it('runs a root filesystem that holds nothing but a static program', async () => {
    const bare = mkdtempSync(join(fixtures().dir, 'bare-'));
    try {
      copyFileSync(fixtures().probe, join(bare, 'probe'));
      chmodSync(join(bare, 'probe'), 0o755);
      const r = await runIn(bare, ['/probe', 'pids']);
      expect(withoutHostWarnings(r.stderr)).toBe('');
      expect(r.stdout).toBe('pid=1 ppid=0\n');
      // PATH is searched as execvp would; the mount points were made as needed.
      expect((await runIn(bare, ['-e', 'PATH=/', 'probe', 'fds'])).stdout).toBe('0 1 2\n');
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it('leaves no plan file behind', async () => {
    const f = fixtures();
    const dir = process.env.XDG_RUNTIME_DIR ? `${process.env.XDG_RUNTIME_DIR}/burrow` : `/tmp/burrow-run-${f.uid}`;
    const results: CliResult[] = [await runIn(f.rootfs, ['true']), await runIn(f.rootfs, ['false']), await runIn(f.rootfs, ['no-such-command'])];
    for (const r of results) {
      expect(r.pid).toBeDefined();
      const left = existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(`plan-${r.pid}-`)) : [];
      expect(left).toEqual([]);
    }
  });
});
