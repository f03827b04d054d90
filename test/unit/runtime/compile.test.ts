import { describe, expect, it } from 'vitest';

import { compilePlan, rootfsSteps } from '../../../src/runtime/compile.js';
import { parseTmpfs } from '../../../src/runtime/options.js';
import { BP, MS, type Plan, type Step } from '../../../src/system/plan.js';
import { capabilities, capabilitySet } from '../../../src/system/capabilities.js';
import { PODMAN_MASKED, PODMAN_READONLY, SINGLE, SUBIDS, containerSpec } from '../../helpers/specs.js';

const spec = containerSpec;

function kinds(plan: Plan): string[] {
  return plan.map((s) => s.kind);
}

function only<K extends Step['kind']>(plan: Plan, kind: K): Extract<Step, { kind: K }>[] {
  return plan.filter((s): s is Extract<Step, { kind: K }> => s.kind === kind);
}

function one<K extends Step['kind']>(plan: Plan, kind: K): Extract<Step, { kind: K }> {
  const found = only(plan, kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Extract<Step, { kind: K }>;
}

function mountAt(plan: Plan, target: string): Extract<Step, { kind: 'mount' }> | undefined {
  return only(plan, 'mount').find((m) => m.target === target);
}


describe('compilePlan', () => {
  it('starts with the namespaces, then the id maps, then podman\'s umask for what the helper makes, then the root', () => {
    const plan = compilePlan(spec());
    expect(plan[0]).toEqual({ kind: 'namespaces', namespaces: ['user', 'mount', 'pid', 'uts', 'ipc', 'cgroup', 'net'] });
    expect(plan.slice(1, 3)).toEqual(SUBIDS.steps);
    expect(plan[3]).toEqual({ kind: 'umask', mask: 0o022 });
    expect(plan[4]).toEqual({ kind: 'root', path: '/home/me/rootfs' });
    // 0022 is the command's too: no second one.
    expect(only(plan, 'umask')).toHaveLength(1);
  });

  it('--umask: the command\'s umask after everything the helper makes, before the credentials and the filter', () => {
    const plan = compilePlan(spec({ umask: 0o077, workdir: '/made', seccomp: { program: Buffer.alloc(8) } as never, noNewPrivileges: true }));
    const k = kinds(plan);
    expect(only(plan, 'umask')).toEqual([{ kind: 'umask', mask: 0o022 }, { kind: 'umask', mask: 0o077 }]);
    const late = k.lastIndexOf('umask');
    expect(late).toBeGreaterThan(k.indexOf('mkdir'));
    expect(late).toBeLessThan(k.indexOf('user'));
    expect(late).toBeLessThan(k.indexOf('seccomp'));
  });

  it('a nested user namespace (nomap, auto): its step before groups and user, the mounts made for the container\'s root and tty group', () => {
    const nestedIds = { uids: [{ inside: 0, outside: 1, count: 65536 }], gids: [{ inside: 0, outside: 1, count: 65536 }] };
    const plan = compilePlan(spec({ idmap: SUBIDS, nestedIds, groups: [0], tmpfs: [parseTmpfs('/t:uid=1000,gid=5,mode=0700'), parseTmpfs('/u')] }));
    const k = kinds(plan);
    expect(one(plan, 'nested-userns')).toEqual({ kind: 'nested-userns', uidMap: '0 1 65536\n', gidMap: '0 1 65536\n' });
    expect(k.indexOf('nested-userns')).toBeGreaterThan(k.indexOf('pivot-root'));
    expect(k.indexOf('nested-userns')).toBeLessThan(k.indexOf('groups'));
    expect(k.indexOf('nested-userns')).toBeLessThan(k.indexOf('user'));
    expect(mountAt(plan, '/dev')?.data).toBe('mode=755,size=65536k,uid=1,gid=1');
    expect(mountAt(plan, '/dev/shm')?.data).toBe('mode=1777,size=65536k,uid=1,gid=1');
    expect(mountAt(plan, '/dev/pts')?.data).toBe('newinstance,ptmxmode=0666,mode=0620,gid=6,uid=1');
    // a --tmpfs's own ids are the container's, named in the first namespace's; one without is the container root's
    expect(mountAt(plan, '/t')?.data).toMatch(/(^|,)uid=1001,gid=6(,|$)/);
    expect(mountAt(plan, '/u')?.data).toMatch(/uid=1,gid=1$/);
    // without one, nothing of it
    const flat = compilePlan(spec({ idmap: SUBIDS, tmpfs: [parseTmpfs('/t:uid=1000')] }));
    expect(kinds(flat)).not.toContain('nested-userns');
    expect(mountAt(flat, '/dev')?.data).toBe('mode=755,size=65536k');
    expect(mountAt(flat, '/t')?.data).toMatch(/(^|,)uid=1000(,|$)/);
  });

  it('keeps the host network namespace with --network host', () => {
    const plan = compilePlan(spec({ network: { own: false, processes: [], files: [], ports: [] } }));
    expect(one(plan, 'namespaces').namespaces).not.toContain('net');
    expect(only(plan, 'loopback')).toEqual([]);
    // sysfs belongs to the network namespace's owner: the host's, bound read-only.
    const sys = mountAt(plan, '/sys');
    expect(sys?.source).toBe('/sys');
    expect(sys?.flags).toBe(MS.BIND | MS.REC);
    expect((sys?.extra ?? 0n) & BP.RDONLY).toBe(BP.RDONLY);
  });

  it('with its own network namespace, brings lo up and mounts a read-only sysfs', () => {
    const plan = compilePlan(spec());
    one(plan, 'loopback');
    const sys = mountAt(plan, '/sys');
    expect(sys?.fstype).toBe('sysfs');
    expect((sys?.flags ?? 0) & MS.RDONLY).toBe(MS.RDONLY);
  });

  it('a pod\'s infra: its namespaces, a read-only tmpfs for a root with the pod\'s /dev/shm alone on it, no capabilities, and the helper\'s pause instead of a command', () => {
    const plan = compilePlan(spec({ pause: true, exitFile: '/x/exit', shmSize: 2 << 20 }));
    expect(one(plan, 'namespaces').namespaces).toEqual(['user', 'mount', 'pid', 'uts', 'ipc', 'cgroup', 'net']);
    const root = mountAt(plan, '/home/me/rootfs');
    expect(root).toMatchObject({ source: 'tmpfs', fstype: 'tmpfs' });
    expect(root?.extra).toBe(BP.HOSTDST);
    // Nothing else mounted inside it: no /proc, /dev, /sys or name files; then the root alone made read-only, before pivot-root.
    expect(only(plan, 'mount').map((m) => [m.target, m.fstype, m.data])).toEqual([
      ['/home/me/rootfs', 'tmpfs', 'mode=0555,size=4k'],
      ['/dev/shm', 'tmpfs', 'mode=1777,size=2048k'],
    ]);
    expect(kinds(plan).indexOf('remount-ro')).toBe(kinds(plan).indexOf('pivot-root') - 1);
    expect(one(plan, 'remount-ro').path).toBe('/');
    expect(one(plan, 'caps')).toMatchObject({ bounding: 0n, permitted: 0n, effective: 0n });
    expect(one(plan, 'user')).toEqual({ kind: 'user', uid: 0, gid: 0 });
    one(plan, 'no-new-privs');
    expect(only(plan, 'exec')).toEqual([]);
    const childSteps = kinds(plan).filter((k) => !['exit-file', 'event', 'restart', 'health', 'attach', 'cgroup', 'on-exit', 'log'].includes(k));
    expect(childSteps.at(-1)).toBe('pause');
    expect(one(plan, 'exit-file').path).toBe('/x/exit');
  });

  it('shares another container\'s namespaces inside its user namespace: share records, no new user or shared ones, no id maps, no host name of its own', () => {
    const shares = [
      { namespace: 'net' as const, path: '/proc/42/ns/net' },
      { namespace: 'uts' as const, path: '/proc/42/ns/uts' },
    ];
    const plan = compilePlan(spec({ shares, network: { own: false, processes: [], files: [], ports: [] } }));
    expect(plan[0]).toEqual({ kind: 'namespaces', namespaces: ['mount', 'pid', 'ipc', 'cgroup'] });
    expect(plan.slice(1, 3)).toEqual([
      { kind: 'share', namespace: 'net', path: '/proc/42/ns/net' },
      { kind: 'share', namespace: 'uts', path: '/proc/42/ns/uts' },
    ]);
    expect(only(plan, 'process')).toEqual([]);
    expect(only(plan, 'idmap-write')).toEqual([]);
    expect(only(plan, 'hostname')).toEqual([]);
    expect(only(plan, 'loopback')).toEqual([]);
    // The shared network's owner is the user namespace the container is made in: sysfs is its own to mount.
    expect(mountAt(plan, '/sys')?.fstype).toBe('sysfs');
  });

  it('binds the name files it was given from their host files, unless a volume is mounted there', () => {
    const files = [
      { target: '/etc/hosts', name: 'hosts', content: 'x', source: '/c/hosts' },
      { target: '/etc/resolv.conf', name: 'resolv.conf', content: 'y', source: '/c/resolv.conf' },
      { target: '/etc/hostname', name: 'hostname', content: 'z' },
    ];
    const plan = compilePlan(spec({ network: { own: true, processes: [], files, ports: [] }, volumes: [{ source: '/mine', target: '/etc/resolv.conf', readonly: true, directory: false }] }));
    expect(mountAt(plan, '/etc/hosts')).toEqual({ kind: 'mount', source: '/c/hosts', target: '/etc/hosts', fstype: '', flags: MS.BIND, extra: BP.MKFILE });
    expect(mountAt(plan, '/etc/resolv.conf')?.source).toBe('/mine');
    expect(mountAt(plan, '/etc/hostname')).toBeUndefined(); // not written yet: no source
  });

  it("masks every one of podman's masked paths and makes its read-only paths read-only", () => {
    const plan = compilePlan(spec());
    expect(only(plan, 'mask').map((s) => s.path).sort()).toEqual([...PODMAN_MASKED].sort());
    expect(only(plan, 'readonly').map((s) => s.path).sort()).toEqual([...PODMAN_READONLY].sort());
    // After /proc and /sys are mounted, before the root is pivoted.
    const k = kinds(plan);
    const pivot = k.indexOf('pivot-root');
    for (const [i, s] of plan.entries())
      if (s.kind === 'mask' || s.kind === 'readonly') {
        expect(i).toBeGreaterThan(plan.indexOf(mountAt(plan, '/proc') as Step));
        expect(i).toBeGreaterThan(plan.indexOf(mountAt(plan, '/sys') as Step));
        expect(i).toBeLessThan(pivot);
      }
  });

  it('sharing another\'s ipc namespace, mounts that container\'s /dev/shm rather than a tmpfs of its own', () => {
    const plan = compilePlan(spec({ shares: [{ namespace: 'ipc', path: '/proc/42/ns/ipc' }], shmFrom: '/proc/42/ns/mnt' }));
    expect(mountAt(plan, '/dev/shm')).toBeUndefined();
    const from = one(plan, 'mount-from');
    expect(from).toEqual({ kind: 'mount-from', namespace: '/proc/42/ns/mnt', source: '/dev/shm', target: '/dev/shm' });
    // After /dev, before pivot-root.
    expect(plan.indexOf(from)).toBeGreaterThan(plan.indexOf(mountAt(plan, '/dev') as Step));
    expect(plan.indexOf(from)).toBeLessThan(kinds(plan).indexOf('pivot-root'));
  });

  it('builds a minimal /dev: tmpfs, devpts, shm, mqueue, six devices, the usual links', () => {
    const plan = compilePlan(spec());
    expect(mountAt(plan, '/dev')?.fstype).toBe('tmpfs');
    expect(mountAt(plan, '/dev/pts')?.fstype).toBe('devpts');
    expect(mountAt(plan, '/dev/shm')?.fstype).toBe('tmpfs');
    expect(mountAt(plan, '/dev/mqueue')?.fstype).toBe('mqueue');
    const binds = only(plan, 'mount').filter((m) => m.target.startsWith('/dev/') && m.flags & MS.BIND);
    expect(binds.map((m) => [m.source, m.target])).toEqual(['null', 'zero', 'full', 'random', 'urandom', 'tty'].map((d) => [`/dev/${d}`, `/dev/${d}`]));
    for (const b of binds) expect((b.extra ?? 0n) & BP.MKFILE).toBe(BP.MKFILE);
    const links = Object.fromEntries(only(plan, 'symlink').map((s) => [s.path, s.target]));
    expect(links).toMatchObject({
      '/dev/fd': '/proc/self/fd',
      '/dev/stdin': '/proc/self/fd/0',
      '/dev/stdout': '/proc/self/fd/1',
      '/dev/stderr': '/proc/self/fd/2',
      '/dev/ptmx': 'pts/ptmx',
    });
    // /dev before what is mounted below it
    expect(plan.indexOf(mountAt(plan, '/dev') as Step)).toBeLessThan(plan.indexOf(mountAt(plan, '/dev/pts') as Step));
  });

  it('gives devpts the tty group only where gid 5 is mapped', () => {
    expect(mountAt(compilePlan(spec()), '/dev/pts')?.data).toMatch(/(^|,)gid=5(,|$)/);
    expect(mountAt(compilePlan(spec({ idmap: SINGLE })), '/dev/pts')?.data).not.toMatch(/gid=/);
  });

  it("sets podman's default capabilities (0x800405fb) for root", () => {
    const caps = one(compilePlan(spec()), 'caps');
    expect(caps).toEqual({ kind: 'caps', bounding: 0x800405fbn, permitted: 0x800405fbn, effective: 0x800405fbn, inheritable: 0n, ambient: 0n });
  });

  it('follows --cap-add and --cap-drop in the masks', () => {
    const caps = one(compilePlan(spec({ capabilities: capabilitySet(['NET_ADMIN'], ['CHOWN']) })), 'caps');
    expect(caps.bounding).toBe(0x800415fan);
    expect(caps.effective).toBe(0x800415fan);
    expect(one(compilePlan(spec({ capabilities: capabilitySet([], ['ALL']) })), 'caps').bounding).toBe(0n);
  });

  it('keeps only the bounding set for a non-root user', () => {
    const caps = one(compilePlan(spec({ uid: 1000, gid: 1000 })), 'caps');
    expect(caps.bounding).toBe(0x800405fbn);
    expect(caps.permitted).toBe(0n);
    expect(caps.effective).toBe(0n);
    expect(caps.ambient).toBe(0n);
    expect(caps.inheritable).toBe(0n);
  });

  it('gives a non-root user what --cap-add named, in every set (ambient: across its exec), as podman', () => {
    const { set, added } = capabilities(['NET_ADMIN'], []);
    const caps = one(compilePlan(spec({ uid: 1000, gid: 1000, capabilities: set, addedCapabilities: added })), 'caps');
    expect(caps).toEqual({ kind: 'caps', bounding: 0x800415fbn, permitted: 0x1000n, effective: 0x1000n, inheritable: 0x1000n, ambient: 0x1000n });
    // added but not in the set (dropped by --cap-add ALL --cap-drop X): never outside the bounding set
    const all = capabilities(['ALL'], ['NET_ADMIN']);
    const root = one(compilePlan(spec({ capabilities: all.set, addedCapabilities: all.added })), 'caps');
    expect(root.ambient).toBe(0n);
    const user = one(compilePlan(spec({ uid: 1000, gid: 1000, capabilities: all.set, addedCapabilities: all.added })), 'caps');
    expect(user.ambient & 0x1000n).toBe(0n);
    expect(user.ambient).toBe(user.bounding);
  });

  it('--privileged: /sys read-write, no masked or read-only paths but mask=, the devices given bound', () => {
    const plan = compilePlan(
      spec({ privileged: true, maskedPaths: ['/etc/secret'], readonlyPaths: [], devices: [{ source: '/dev/fuse', target: '/dev/fuse' }, { source: '/dev/null', target: '/dev/null' }] }),
    );
    expect(mountAt(plan, '/sys')?.flags).toBe(MS.NOSUID | MS.NODEV | MS.NOEXEC);
    expect(only(plan, 'mask').map((m) => m.path)).toEqual(['/etc/secret']);
    expect(only(plan, 'readonly')).toEqual([]);
    expect(mountAt(plan, '/dev/fuse')).toEqual({ kind: 'mount', source: '/dev/fuse', target: '/dev/fuse', fstype: '', flags: MS.BIND, extra: BP.MKFILE });
    expect(only(plan, 'mount').filter((m) => m.target === '/dev/null')).toHaveLength(1);
    // on the host's network, the host's /sys bound read-write
    const host = compilePlan(spec({ privileged: true, network: { own: false, processes: [], files: [], ports: [] } }));
    expect(mountAt(host, '/sys')?.extra).toBe(BP.MKDIR);
  });

  it('proc-opts become the options of /proc', () => {
    expect(mountAt(compilePlan(spec({ procOpts: 'hidepid=2,subset=pid' })), '/proc')?.data).toBe('hidepid=2,subset=pid');
    expect(mountAt(compilePlan(spec()), '/proc')?.data).toBe('');
  });

  it('writes --sysctl after /proc is mounted and before /proc/sys turns read-only; kernel.domainname with setdomainname', () => {
    const plan = compilePlan(spec({ sysctls: [{ name: 'net.ipv4.ip_forward', value: '1' }, { name: 'kernel.sem', value: '1 2 3 4' }, { name: 'kernel.domainname', value: 'example.org' }] }));
    expect(only(plan, 'sysctl')).toEqual([
      { kind: 'sysctl', path: '/proc/sys/net/ipv4/ip_forward', value: '1' },
      { kind: 'sysctl', path: '/proc/sys/kernel/sem', value: '1 2 3 4' },
    ]);
    const first = plan.findIndex((s) => s.kind === 'sysctl');
    expect(first).toBeGreaterThan(plan.findIndex((s) => s.kind === 'mount' && s.target === '/proc'));
    expect(first).toBeLessThan(plan.findIndex((s) => s.kind === 'readonly' && s.path === '/proc/sys'));
    expect(one(plan, 'domainname')).toEqual({ kind: 'domainname', name: 'example.org' });
    expect(kinds(plan).indexOf('domainname')).toBe(kinds(plan).indexOf('hostname') + 1);
  });

  it('switches user after the groups and before the capabilities', () => {
    const plan = compilePlan(spec({ uid: 1000, gid: 1000, groups: [2000] }));
    const k = kinds(plan);
    expect(one(plan, 'user')).toEqual({ kind: 'user', uid: 1000, gid: 1000 });
    expect(one(plan, 'groups')).toEqual({ kind: 'groups', gids: [2000] });
    expect(k.indexOf('groups')).toBeLessThan(k.indexOf('user'));
    expect(k.indexOf('user')).toBeLessThan(k.indexOf('caps'));
  });

  it('leaves the groups alone when none were resolved', () => {
    expect(only(compilePlan(spec()), 'groups')).toEqual([]);
    expect(one(compilePlan(spec({ groups: [] })), 'groups').gids).toEqual([]);
  });

  it('omits the groups with a single-id mapping (setgroups is denied there)', () => {
    const plan = compilePlan(spec({ idmap: SINGLE, groups: [0] }));
    expect(only(plan, 'groups')).toEqual([]);
    expect(plan.slice(1, 4)).toEqual([
      { kind: 'idmap-write', file: 'setgroups', content: 'deny' },
      { kind: 'idmap-write', file: 'uid_map', content: '0 1000 1\n' },
      { kind: 'idmap-write', file: 'gid_map', content: '0 1000 1\n' },
    ]);
  });

  it('--read-only adds tmpfs on /run, /tmp, /var/tmp and makes / read-only after every mount', () => {
    const plan = compilePlan(spec({ readOnly: true, volumes: [{ source: '/h', target: '/data', readonly: false, directory: true }] }));
    for (const dir of ['/run', '/tmp', '/var/tmp']) expect(mountAt(plan, dir)?.fstype, dir).toBe('tmpfs');
    const ro = only(plan, 'readonly').filter((s) => s.path === '/');
    expect(ro).toHaveLength(1);
    const at = plan.indexOf(ro[0] as Step);
    const lastMount = Math.max(...plan.map((s, i) => (s.kind === 'mount' || s.kind === 'mask' || s.kind === 'symlink' ? i : -1)));
    expect(at).toBeGreaterThan(lastMount);
    expect(at).toBeLessThan(kinds(plan).indexOf('pivot-root'));
  });

  // parseTmpfs / parseVolume drop a trailing slash, so compilePlan sees the user's /tmp as /tmp.
  it('--read-only keeps a --tmpfs the user gave for /tmp/ (trailing slash)', () => {
    const plan = compilePlan(spec({ readOnly: true, tmpfs: [parseTmpfs('/tmp/:size=1m')] }));
    const tmps = only(plan, 'mount').filter((m) => m.target.replace(/\/+$/, '') === '/tmp');
    expect(tmps).toHaveLength(1);
  });

  it('--read-only keeps a --tmpfs the user gave for /tmp', () => {
    const plan = compilePlan(spec({ readOnly: true, tmpfs: [{ target: '/tmp', flags: MS.NOSUID, data: 'size=1m' }] }));
    const tmps = only(plan, 'mount').filter((m) => m.target === '/tmp');
    expect(tmps).toHaveLength(1);
    expect(tmps[0]?.data).toBe('size=1m');
  });

  it('--read-only --read-only-tmpfs=false: no tmpfs on /run, /tmp, /var/tmp', () => {
    const plan = compilePlan(spec({ readOnly: true, readOnlyTmpfs: false }));
    for (const dir of ['/run', '/tmp', '/var/tmp']) expect(mountAt(plan, dir)).toBeUndefined();
    expect(only(plan, 'readonly').at(-1)).toEqual({ kind: 'readonly', path: '/' });
  });

  it('without --read-only, nothing makes / read-only and no tmpfs is added', () => {
    const plan = compilePlan(spec());
    expect(only(plan, 'readonly').filter((s) => s.path === '/')).toEqual([]);
    expect(mountAt(plan, '/tmp')).toBeUndefined();
  });

  it('-t gives a tty; -i with it relays stdin; without -t stdin is INHERIT with -i, else NULL', () => {
    const tty = compilePlan(spec({ tty: true }));
    one(tty, 'tty');
    expect(only(tty, 'stdin')).toEqual([]);
    expect(only(tty, 'relay-stdin')).toEqual([]);
    const it2 = compilePlan(spec({ tty: true, interactive: true }));
    one(it2, 'tty');
    one(it2, 'relay-stdin');
    expect(one(compilePlan(spec({ interactive: true })), 'stdin').mode).toBe('INHERIT');
    expect(one(compilePlan(spec()), 'stdin').mode).toBe('NULL');
    expect(only(compilePlan(spec({ interactive: true })), 'tty')).toEqual([]);
  });

  it('--init adds the init step', () => {
    expect(only(compilePlan(spec()), 'init')).toEqual([]);
    one(compilePlan(spec({ init: true })), 'init');
  });

  it('forwards the usual signals, never SIGKILL, SIGSTOP or SIGCHLD', () => {
    const signals = one(compilePlan(spec()), 'forward-signals').signals;
    for (const s of [1, 2, 3, 10, 12, 14, 15]) expect(signals).toContain(s);
    for (const s of [9, 17, 19]) expect(signals).not.toContain(s);
    for (const s of signals) expect(s >= 1 && s <= 64).toBe(true);
  });

  it('binds volumes, making their target a directory or a file, read-only with :ro', () => {
    const plan = compilePlan(
      spec({
        volumes: [
          { source: '/h/dir', target: '/data', readonly: false, directory: true },
          { source: '/h/file', target: '/etc/f.conf', readonly: true, directory: false },
        ],
      }),
    );
    const dir = mountAt(plan, '/data');
    expect(dir).toMatchObject({ source: '/h/dir', flags: MS.BIND | MS.REC });
    expect((dir?.extra ?? 0n) & (BP.MKDIR | BP.MKFILE | BP.RDONLY)).toBe(BP.MKDIR);
    const file = mountAt(plan, '/etc/f.conf');
    expect((file?.extra ?? 0n) & (BP.MKDIR | BP.MKFILE | BP.RDONLY)).toBe(BP.MKFILE | BP.RDONLY);
  });

  it('mounts --tmpfs with its flags and data', () => {
    const plan = compilePlan(spec({ tmpfs: [{ target: '/scratch', flags: MS.NOEXEC | MS.NOSUID, data: 'size=1m' }] }));
    expect(mountAt(plan, '/scratch')).toMatchObject({ source: 'tmpfs', fstype: 'tmpfs', flags: MS.NOEXEC | MS.NOSUID, data: 'size=1m' });
  });

  it('ends with hostname, rlimits, no-new-privs, cwd (normalized), env and exec', () => {
    const plan = compilePlan(
      spec({ hostname: 'box', workdir: '/a/../b', rlimits: [{ resource: 7, soft: 100, hard: 'inf' }], noNewPrivileges: true, env: ['A=1'], argv: ['probe', 'fds'] }),
    );
    expect(one(plan, 'hostname').name).toBe('box');
    expect(one(plan, 'rlimit')).toEqual({ kind: 'rlimit', resource: 7, soft: 100, hard: 'inf' });
    one(plan, 'no-new-privs');
    expect(one(plan, 'cwd').path).toBe('/b');
    expect(one(plan, 'env').env).toEqual(['A=1']);
    expect(one(plan, 'exec')).toEqual({ kind: 'exec', file: 'probe', argv: ['probe', 'fds'] });
    const k = kinds(plan);
    expect(k.indexOf('caps')).toBeLessThan(k.indexOf('no-new-privs'));
    expect(k.indexOf('env')).toBeLessThan(k.indexOf('exec'));
    expect(k.at(-1)).toBe('exec');
    expect(only(compilePlan(spec()), 'no-new-privs')).toEqual([]);
  });

  it("writes the child's steps in the order the helper carries them out: mkdir of the workdir as root, init after the credentials", () => {
    const plan = compilePlan(spec({ workdir: '/work/dir', init: true, uid: 1000, gid: 1000, groups: [1000] }));
    const k = kinds(plan);
    expect(one(plan, 'mkdir')).toEqual({ kind: 'mkdir', path: '/work/dir', mode: 0o755 });
    expect(k.indexOf('pivot-root')).toBeLessThan(k.indexOf('mkdir'));
    expect(k.indexOf('mkdir')).toBeLessThan(k.indexOf('groups'));
    expect(k.indexOf('groups')).toBeLessThan(k.indexOf('user'));
    expect(k.indexOf('user')).toBeLessThan(k.indexOf('caps'));
    expect(k.indexOf('caps')).toBeLessThan(k.indexOf('cwd'));
    expect(k.indexOf('cwd')).toBeLessThan(k.indexOf('init'));
    expect(k.indexOf('init')).toBeLessThan(k.indexOf('exec'));
    // The PATH fallback is the plan's, not the helper's.
    expect(one(plan, 'search-path').path).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    // No mkdir for the root itself.
    expect(only(compilePlan(spec({ workdir: '/' })), 'mkdir')).toEqual([]);
  });

  it('mounts an overlay root on the host side, before `root`', () => {
    const plan = compilePlan(spec({ rootfs: '/c/merged', overlay: { lower: ['/l/2', '/l/1'], upper: '/c/upper', work: '/c/work' } }));
    const overlay = mountAt(plan, '/c/merged');
    expect(overlay).toMatchObject({ fstype: 'overlay', data: 'lowerdir=/l/2:/l/1,upperdir=/c/upper,workdir=/c/work,userxattr' });
    expect((overlay?.extra ?? 0n) & BP.HOSTDST).toBe(BP.HOSTDST);
    expect(plan.indexOf(overlay as Step)).toBeLessThan(kinds(plan).indexOf('root'));
  });

  it('adds the exit file, the clean-up and the on-exit command after exec', () => {
    const plan = compilePlan(spec({ exitFile: '/run/c/exit', cleanup: ['/c/x', '--event', '/e', 'a', 'b'], onExit: ['burrow', 'rm', 'x'] }));
    expect(plan.slice(-3)).toEqual([
      { kind: 'exit-file', path: '/run/c/exit' },
      { kind: 'cleanup', args: ['/c/x', '--event', '/e', 'a', 'b'] },
      { kind: 'on-exit', argv: ['burrow', 'rm', 'x'] },
    ]);
  });

  it('mounts nothing outside the root but the overlay', () => {
    const plan = compilePlan(spec({ volumes: [{ source: '/h', target: '/data', readonly: false, directory: true }] }));
    for (const m of only(plan, 'mount')) {
      expect(m.target.startsWith('/')).toBe(true);
      expect((m.extra ?? 0n) & BP.HOSTDST).toBe(0n);
    }
  });
});

describe('rootfsSteps', () => {
  const overlay = { lower: ['/l/top', '/l/base'], upper: '/c/upper', work: '/c/work' };

  it('mounts the kernel overlayfs with userxattr, the layers top first', () => {
    expect(rootfsSteps('/c/merged', overlay)).toEqual([
      { kind: 'mount', source: 'overlay', target: '/c/merged', fstype: 'overlay', flags: 0, extra: BP.HOSTDST, data: 'lowerdir=/l/top:/l/base,upperdir=/c/upper,workdir=/c/work,userxattr' },
    ]);
  });

  it('hands fuse-overlayfs to the monitor as a mount daemon, in the foreground', () => {
    expect(rootfsSteps('/c/merged', { ...overlay, fuse: '/usr/bin/fuse-overlayfs' })).toEqual([
      {
        kind: 'process',
        mode: 'mount',
        timeoutMs: 10_000,
        mountpoint: '/c/merged',
        argv: ['/usr/bin/fuse-overlayfs', '-f', '-o', 'lowerdir=/l/top:/l/base,upperdir=/c/upper,workdir=/c/work,allow_other', '/c/merged'],
      },
    ]);
  });

  it('nothing for a plain directory', () => {
    expect(rootfsSteps('/some/dir', undefined)).toEqual([]);
  });
});
