/**
 * `burrow sandbox` against Debian's bwrap: the same command line under both,
 * what the command sees inside (ids, capabilities, mounts, modes, files,
 * environment, namespaces, fds) and the exit status compared; bwrap's error
 * words for bad input; what bwrap 0.8 lacks (0.9-0.11's overlays, --argv0)
 * checked on its own; and burrow started as `bwrap` through a link.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import { fixtures } from '../helpers/fixtures.js';
import { alive, eventually } from '../helpers/processes.js';
import { BURROW } from '../helpers/run-cli.js';

const bwrapPresent = spawnSync('bwrap', ['--version'], { stdio: 'ignore' }).status === 0;
let dir: string;
/** A D-Bus peer owning the names it is given (test/fixtures/dbus-owner.py). */
const DBUS_OWNER = fileURLToPath(new URL('../fixtures/dbus-owner.py', import.meta.url));

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** An fd the command line names: a file opened for reading or writing, given at that number. */
type Fds = Record<number, { read: string } | { write: string }>;

/** Runs `argv` (bwrap's command line) under `bwrap` or `burrow sandbox`, with the fds given, each opened anew for it. */
function run(tool: 'bwrap' | 'burrow', argv: string[], fds: Fds = {}, cwd?: string): Result {
  const opened: number[] = [];
  const max = Math.max(2, ...Object.keys(fds).map(Number));
  const stdio: (number | 'pipe' | 'ignore')[] = ['ignore', 'pipe', 'pipe'];
  for (let fd = 3; fd <= max; fd++) {
    const spec = fds[fd];
    if (spec === undefined) {
      stdio.push('ignore');
      continue;
    }
    const f = 'read' in spec ? openSync(spec.read, 'r') : openSync(spec.write, 'w');
    opened.push(f);
    stdio.push(f);
  }
  const [file, args] = tool === 'bwrap' ? ['bwrap', argv] : [BURROW, ['sandbox', ...argv]];
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync(file, args, { stdio, encoding: 'utf8', cwd: cwd ?? dir, env, timeout: 20_000 });
  for (const f of opened) closeSync(f);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What differs between two runs by nature: pids, namespace inodes, mount ids and device numbers. */
function normal(text: string): string {
  return text.replace(/"child-pid": \d+/g, '"child-pid": N').replace(/\b\d{4,}\b/g, 'N').replace(/^\d+ \d+ \d+:\d+ /gm, '');
}

/** /proc/self/mountinfo's visible mounts (the last at each mount point), without ids: mount point, options, type, source, super options. */
const MOUNTS = "awk '{ m[$5] = $5 \" \" $6 \" \" $(NF-2) \" \" $(NF-1) \" \" $NF } END { for (k in m) print m[k] }' /proc/self/mountinfo | sort";

/** Runs under both and expects the same output and status. */
function same(argv: string[], fds: Fds = {}): Result {
  const theirs = run('bwrap', argv, fds);
  const ours = run('burrow', argv, fds);
  expect({ status: ours.status, stdout: normal(ours.stdout), stderr: normal(ours.stderr) }).toEqual({ status: theirs.status, stdout: normal(theirs.stdout), stderr: normal(theirs.stderr) });
  return ours;
}

const describeSandbox = bwrapPresent ? describe : describe.skip;

describeSandbox('burrow sandbox, compared with bwrap', () => {
  beforeAll(() => {
    dir = join(fixtures().dir, 'sandbox');
    mkdirSync(join(dir, 'host'), { recursive: true });
    writeFileSync(join(dir, 'file-data'), 'filedata\n');
    writeFileSync(join(dir, 'bind-data'), 'bind data\n');
    writeFileSync(join(dir, 'host', 'a'), 'in host dir\n');
    // --args data as flatpak writes it: NUL-separated options.
    writeFileSync(join(dir, 'args'), ['--setenv', 'FROM_ARGS', 'yes', '--tmpfs', '/tmp', '--dir', '/tmp/made', ''].join('\0'));
  });

  it('the user, the maps, no capabilities, no_new_privs, the mounts of --ro-bind / / --proc --dev, /dev and its modes', () => {
    const r = same(['--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev', 'sh', '-c',
      `id; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status; ls -ln --time-style=+ /dev /dev/pts; ${MOUNTS}`]);
    expect(r.stdout).toMatch(/^CapEff:\t0000000000000000$/m);
    expect(r.stdout).toMatch(/^NoNewPrivs:\t1$/m);
  });

  it('--unshare-all with --hostname: new namespaces, only lo, the name, a reaper as PID 1', () => {
    const r = same(['--unshare-all', '--ro-bind', '/', '/', '--proc', '/proc', '--hostname', 'box', 'sh', '-c',
      'hostname; ps -o pid,comm; tail -n +3 /proc/net/dev | cut -d: -f1; for n in ipc mnt net pid uts cgroup; do [ "$(readlink /proc/self/ns/$n)" = "$(readlink /proc/1/ns/$n)" ] && echo $n; done']);
    expect(r.stdout).toContain('box\n');
  });

  it('operations in the order given: --tmpfs, then a --bind, --dir and --perms, --chmod, --symlink, --size in it', () => {
    same(['--ro-bind', '/', '/', '--tmpfs', '/tmp', '--bind', join(dir, 'host'), '/tmp/host', '--dir', '/tmp/a/b', '--perms', '0700', '--dir', '/tmp/p',
      '--chmod', '0711', '/tmp/a', '--symlink', '/tmp/host', '/tmp/l', '--perms', '01777', '--size', '1048576', '--tmpfs', '/tmp/t', 'sh', '-c',
      `stat -c "%A %u %g %N" /tmp /tmp/a /tmp/a/b /tmp/p /tmp/l /tmp/t /tmp/host; cat /tmp/l/a; ${MOUNTS}`]);
  });

  it('--remount-ro after a --bind; --ro-bind and --dev-bind flags; -try with a missing source', () => {
    same(['--ro-bind', '/', '/', '--tmpfs', '/mnt', '--bind', join(dir, 'host'), '/mnt/rw', '--bind', join(dir, 'host'), '/mnt/ro', '--remount-ro', '/mnt/ro',
      '--dev-bind', '/dev/null', '/mnt/null', '--bind-try', '/no/such/path', '/mnt/none', 'sh', '-c',
      `touch /mnt/rw/w && echo rw; touch /mnt/ro/w 2>/dev/null || echo ro; ls /mnt; ${MOUNTS}`]);
  });

  it('--file, --bind-data, --ro-bind-data with --perms: contents, modes, writability; the fds are not the command\'s', () => {
    same(['--ro-bind', '/', '/', '--tmpfs', '/tmp', '--file', '3', '/tmp/f', '--perms', '0640', '--file', '4', '/tmp/g', '--bind-data', '5', '/tmp/bd',
      '--ro-bind-data', '6', '/tmp/rbd', 'sh', '-c', 'stat -c "%A %s %n" /tmp/f /tmp/g /tmp/bd /tmp/rbd; cat /tmp/f /tmp/bd; echo x >> /tmp/bd && echo wrote; (echo x >> /tmp/rbd) 2>/dev/null || echo read-only; ls /proc/self/fd'],
      { 3: { read: join(dir, 'file-data') }, 4: { read: join(dir, 'file-data') }, 5: { read: join(dir, 'bind-data') }, 6: { read: join(dir, 'bind-data') } });
  });

  it('fds the caller gave and no option names are the command\'s, as bwrap passes them on', () => {
    const r = same(['--ro-bind', '/', '/', 'sh', '-c', 'cat <&3; cat <&7; ls /proc/self/fd | sort -n | tr "\\n" " "'], { 3: { read: join(dir, 'file-data') }, 7: { read: join(dir, 'bind-data') } });
    expect(r.stdout).toContain('filedata\nbind data\n');
  });

  it('--args FD: NUL-separated options read in place, as flatpak passes them', () => {
    const r = same(['--ro-bind', '/', '/', '--args', '3', 'sh', '-c', 'echo $FROM_ARGS; ls /tmp; ls /proc/self/fd | sort -n | tr "\\n" " "'], { 3: { read: join(dir, 'args') } });
    expect(r.stdout).toMatch(/^yes\nmade\n/);
  });

  it('--setenv, --unsetenv, --clearenv in order; --chdir and PWD; the caller\'s directory by default', () => {
    same(['--ro-bind', '/', '/', '--setenv', 'A', '1', '--unsetenv', 'HOME', '--chdir', '/usr', 'sh', '-c', 'echo A=$A HOME=$HOME PWD=$PWD; pwd']);
    same(['--ro-bind', '/', '/', '--clearenv', '--setenv', 'B', '2', '/usr/bin/env']);
    same(['--ro-bind', '/', '/', 'sh', '-c', 'pwd; echo $PWD']);
    same(['--tmpfs', '/', '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64', 'sh', '-c', 'pwd; echo $PWD']);
  });

  it('--uid and --gid, with and without --unshare-user; --cap-add and --cap-drop in every set', () => {
    same(['--ro-bind', '/', '/', '--uid', '0', '--gid', '0', 'sh', '-c', 'id; cat /proc/self/uid_map; grep ^Cap /proc/self/status']);
    same(['--unshare-user', '--ro-bind', '/', '/', '--dev', '/dev', '--uid', '1234', '--gid', '99', 'sh', '-c', 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; stat -c "%u %g" /dev/pts']);
    same(['--ro-bind', '/', '/', '--cap-add', 'CAP_NET_RAW', 'sh', '-c', 'grep ^Cap /proc/self/status']);
    same(['--ro-bind', '/', '/', '--uid', '0', '--cap-add', 'ALL', '--cap-drop', 'cap_sys_admin', 'sh', '-c', 'grep ^Cap /proc/self/status']);
  });

  it('--info-fd and --json-status-fd: the same fields, and the exit code last', () => {
    const files = (tool: string): Fds => ({ 3: { write: join(dir, `${tool}-info`) }, 4: { write: join(dir, `${tool}-json`) } });
    const argv = ['--unshare-all', '--ro-bind', '/', '/', '--info-fd', '3', '--json-status-fd', '4', 'sh', '-c', 'exit 3'];
    const theirs = run('bwrap', argv, files('bwrap'));
    const ours = run('burrow', argv, files('burrow'));
    expect(ours.status).toBe(3);
    expect(theirs.status).toBe(3);
    const read = (tool: string, what: string): string => normal(readFileSync(join(dir, `${tool}-${what}`), 'utf8'));
    expect(read('burrow', 'info')).toBe(read('bwrap', 'info'));
    expect(read('burrow', 'json')).toBe(read('bwrap', 'json'));
    expect(read('burrow', 'json')).toMatch(/^\{ "child-pid": N, "cgroup-namespace": N, .* \}\n\{ "exit-code": 3 \}\n$/);
    // The pid is the sandbox's first process, seen from outside.
    const info = JSON.parse(readFileSync(join(dir, 'burrow-info'), 'utf8')) as Record<string, number>;
    expect(info['child-pid']).toBeGreaterThan(1);
  });

  it('--seccomp and --add-seccomp-fd: the programs a test compiled, enforced by the kernel', () => {
    // x86-64: mkdir (83) and mkdirat (258) fail with EPERM, everything else is allowed.
    const code = [[0x20, 0, 0, 0], [0x15, 2, 0, 83], [0x15, 1, 0, 258], [0x06, 0, 0, 0x7fff0000], [0x06, 0, 0, 0x00050001]];
    const program = Buffer.concat(code.map(([op, jt, jf, k]) => {
      const b = Buffer.alloc(8);
      b.writeUInt16LE(op as number, 0);
      b.writeUInt8(jt as number, 2);
      b.writeUInt8(jf as number, 3);
      b.writeUInt32LE(k as number, 4);
      return b;
    }));
    writeFileSync(join(dir, 'filter.bpf'), program);
    const probe = ['sh', '-c', 'mkdir /tmp/x; echo $?; grep ^Seccomp /proc/self/status'];
    if (process.arch !== 'x64') return;
    const one = same(['--ro-bind', '/', '/', '--tmpfs', '/tmp', '--seccomp', '3', ...probe], { 3: { read: join(dir, 'filter.bpf') } });
    expect(one.stderr).toContain('Operation not permitted');
    const two = same(['--ro-bind', '/', '/', '--tmpfs', '/tmp', '--add-seccomp-fd', '3', '--add-seccomp-fd', '4', ...probe], { 3: { read: join(dir, 'filter.bpf') }, 4: { read: join(dir, 'filter.bpf') } });
    expect(two.stdout).toMatch(/^Seccomp_filters:\t2$/m);
  });

  it('--as-pid-1, --new-session, --unshare-net, --disable-userns', () => {
    same(['--ro-bind', '/', '/', '--unshare-pid', '--as-pid-1', '--proc', '/proc', 'sh', '-c', 'echo $$; ps -o pid,comm']);
    same(['--ro-bind', '/', '/', '--new-session', 'sh', '-c', 'ps -o pid=,sid= -p $$ | awk "{ print (\\$1 == \\$2) }"']);
    same(['--ro-bind', '/', '/', '--unshare-net', 'sh', '-c', 'tail -n +3 /proc/net/dev | cut -d: -f1']);
    const r = same(['--unshare-user', '--disable-userns', '--ro-bind', '/', '/', '--proc', '/proc', '--unshare-pid', 'sh', '-c', 'unshare -U true 2>/dev/null; echo $?; cat /proc/self/uid_map']);
    expect(r.stdout).not.toMatch(/^0\n/);
    same(['--unshare-user', '--ro-bind', '/', '/', '--assert-userns-disabled', 'true']);
  });

  it('--bind-fd, --ro-bind-fd, --block-fd, --sync-fd, --lock-file, --mqueue, --exec-label, --file-label, and each namespace on its own', () => {
    same(['--ro-bind', '/', '/', '--tmpfs', '/mnt', '--bind-fd', '3', '/mnt/rw', '--ro-bind-fd', '4', '/mnt/ro', 'sh', '-c', `cat /mnt/rw/a; touch /mnt/ro/x 2>&1 | grep -c Read-only; ${MOUNTS} | grep /mnt`],
      { 3: { read: join(dir, 'host') }, 4: { read: join(dir, 'host') } });
    same(['--ro-bind', '/', '/', '--block-fd', '3', '--sync-fd', '4', '--lock-file', join(dir, 'file-data'), 'sh', '-c', 'ls /proc/self/fd | sort -n | tr "\\n" " "'], { 3: { read: join(dir, 'file-data') }, 4: { read: join(dir, 'bind-data') } });
    same(['--unshare-ipc', '--ro-bind', '/', '/', '--tmpfs', '/dev', '--mqueue', '/dev/mqueue', 'sh', '-c', `${MOUNTS} | grep -E "/dev( |/)"`]);
    same(['--ro-bind', '/', '/', '--exec-label', 'unconfined_t', 'true']);
    same(['--ro-bind', '/', '/', '--file-label', 'tmp_t', 'true']);
    // Which of the sandbox's namespaces are the host's, with each --unshare-* alone.
    const names = ['ipc', 'mnt', 'net', 'pid', 'uts', 'cgroup', 'user'];
    const hostNs = names.flatMap((n) => ['--setenv', `HOST_${n}`, readlinkSync(`/proc/self/ns/${n}`)]);
    for (const ns of ['ipc', 'pid', 'net', 'uts', 'cgroup', 'cgroup-try', 'user-try'])
      same([`--unshare-${ns}`, '--ro-bind', '/', '/', ...hostNs, 'sh', '-c', `for n in ${names.join(' ')}; do eval h=\\$HOST_$n; [ "$(readlink /proc/self/ns/$n)" = "$h" ] && echo "$n host" || echo "$n own"; done`]);
  });

  it('--userns FD: a user namespace of the caller\'s, with --uid inside it', async () => {
    const holder = spawn('unshare', ['-Ur', 'sleep', '30'], { stdio: 'ignore' });
    try {
      let ns = '';
      for (let i = 0; i < 100 && !ns; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const child = spawnSync('pgrep', ['-P', String(holder.pid)], { encoding: 'utf8' }).stdout.trim() || String(holder.pid);
        try {
          if (readFileSync(`/proc/${child}/uid_map`, 'utf8').trim().startsWith('0')) ns = `/proc/${child}/ns/user`;
        } catch {
          // not yet
        }
      }
      expect(ns).not.toBe('');
      same(['--userns', '3', '--ro-bind', '/', '/', 'sh', '-c', 'id -u; cat /proc/self/uid_map'], { 3: { read: ns } });
      same(['--userns', '3', '--uid', '0', '--ro-bind', '/', '/', '--dev', '/dev', 'sh', '-c', 'id -u; grep ^CapEff /proc/self/status'], { 3: { read: ns } });
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('--userns2 and --pidns, with and without --unshare-pid: a sub-sandbox in another sandbox\'s namespaces, as flatpak makes one', async () => {
    // The parent: bwrap's first user namespace A and pid namespace P (its PID 1 in them), and a namespace B nested in
    // A by its command (unshare), where flatpak's parent application would run.
    const info = join(dir, 'parent-info');
    const parent = spawn('bwrap', ['--unshare-user', '--unshare-pid', '--info-fd', '3', '--ro-bind', '/', '/', '--proc', '/proc', '--dev-bind', '/dev', '/dev',
      'sh', '-c', 'unshare --user --map-root-user sleep 300.417 & exec sleep 300.418'], { stdio: ['ignore', 'ignore', 'ignore', openSync(info, 'w')] });
    try {
      let inner = '';
      for (let i = 0; i < 200 && !inner; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        inner = spawnSync('pgrep', ['-f', '^sleep 300.417$'], { encoding: 'utf8' }).stdout.trim();
      }
      expect(inner).not.toBe('');
      const init = (JSON.parse(readFileSync(info, 'utf8')) as { 'child-pid': number })['child-pid'];
      const [a, b, p] = [`/proc/${init}/ns/user`, `/proc/${inner}/ns/user`, `/proc/${init}/ns/pid`];
      expect(readlinkSync(b)).not.toBe(readlinkSync(a));
      // --userns2: the sandbox ends in B (its id there root, as unshare mapped it).
      const r = same(['--userns', '3', '--userns2', '4', '--ro-bind', '/', '/', 'sh', '-c', 'readlink /proc/self/ns/user; id -u; cat /proc/self/uid_map'], { 3: { read: a }, 4: { read: b } });
      expect(r.stdout.split('\n')[0]).toBe(readlinkSync(b));
      // --pidns: in P itself (two levels of pids seen from the host's /proc); with --unshare-pid, a namespace of
      // its own inside P (three levels, small pids under its init), its own /proc showing only it.
      const levels = "awk '/^NSpid/ { print NF - 1 }' /proc/self/status";
      expect(same(['--userns', '3', '--pidns', '4', '--ro-bind', '/', '/', 'sh', '-c', levels], { 3: { read: a }, 4: { read: p } }).stdout).toBe('2\n');
      expect(same(['--userns', '3', '--pidns', '4', '--unshare-pid', '--ro-bind', '/', '/', 'sh', '-c', "awk '/^NSpid/ { print NF - 1, $NF }' /proc/self/status"],
        { 3: { read: a }, 4: { read: p } }).stdout).toMatch(/^3 [23]\n$/);
      expect(same(['--userns', '3', '--pidns', '4', '--unshare-pid', '--ro-bind', '/', '/', '--proc', '/proc', 'sh', '-c', 'echo $$; ls /proc | grep -c "^[0-9]"'],
        { 3: { read: a }, 4: { read: p } }).stdout).toMatch(/^2\n[34]\n$/);
      // The info of it: the fields bwrap gives, the pid as the host numbers it, the namespace the command is in.
      for (const unshare of [['--unshare-pid'], []]) {
        const fields: string[][] = [];
        for (const tool of ['bwrap', 'burrow'] as const) {
          const out = join(dir, `sub-info-${tool}`);
          const sub = run(tool, ['--userns', '3', '--pidns', '4', ...unshare, '--info-fd', '5', '--ro-bind', '/', '/', 'readlink', '/proc/self/ns/pid'], { 3: { read: a }, 4: { read: p }, 5: { write: out } });
          expect(sub.status).toBe(0);
          const subInfo = JSON.parse(readFileSync(out, 'utf8')) as Record<string, number>;
          const ns = sub.stdout.split('\n')[0] ?? '';
          // (without --unshare-pid no pid-namespace is given: the command is in P's)
          expect(subInfo['pid-namespace'] ?? Number(/\[(\d+)\]/.exec(readlinkSync(p))?.[1])).toBe(Number(/\[(\d+)\]/.exec(ns)?.[1]));
          expect(subInfo['child-pid']).toBeGreaterThan(1);
          fields.push(Object.keys(subInfo));
        }
        expect(fields[1]).toEqual(fields[0]);
      }
    } finally {
      parent.kill('SIGKILL');
      spawnSync('pkill', ['-f', '^sleep 300.41[78]$']);
    }
  });

  it('--userns-block-fd: the caller maps the ids itself (newuidmap with your subordinate range), as bwrap lets it', async (ctx) => {
    const { uid, gid, subuids, subgids } = fixtures();
    if (subuids.length === 0 || subgids.length === 0) return ctx.skip(fixtures().missing.subids ?? 'no subordinate ids');
    const [su, sg] = [subuids[0], subgids[0]] as [NonNullable<(typeof subuids)[0]>, NonNullable<(typeof subgids)[0]>];
    /** Runs `argv` after --info-fd 3 --userns-block-fd 4: the child's pid read from fd 3, its maps written, then a byte on fd 4. */
    const mapped = (tool: 'bwrap' | 'burrow', argv: string[]): Promise<Result & { info: string; maps: string }> =>
      new Promise((resolve) => {
        const opts = ['--unshare-user', '--info-fd', '3', '--userns-block-fd', '4', ...argv];
        const [file, args] = tool === 'bwrap' ? ['bwrap', opts] : [BURROW, ['sandbox', ...opts]];
        const env = { ...process.env };
        delete env.NODE_EXTRA_CA_CERTS;
        const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], env, cwd: dir });
        let [stdout, stderr, info, maps] = ['', '', '', ''];
        child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
        const infoFd = child.stdio[3] as NodeJS.ReadableStream;
        infoFd.on('data', (d: Buffer) => {
          info += d.toString();
          if (maps !== '' || !info.includes('}')) return;
          const pid = String((JSON.parse(info) as { 'child-pid': number })['child-pid']);
          for (const [tool, id, range] of [['newuidmap', uid, su], ['newgidmap', gid, sg]] as const) {
            const w = spawnSync(tool, [pid, '0', String(id), '1', '1', String(range.start), String(range.count)], { encoding: 'utf8' });
            maps += `${tool} ${w.status} ${w.stderr}`;
          }
          (child.stdio[4] as NodeJS.WritableStream).end('x');
        });
        child.on('close', (status) => resolve({ status, stdout, stderr, info: normal(info), maps }));
      });
    const inside = 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id; grep ^CapEff /proc/self/status; touch /tmp/f; chown 1:1 /tmp/f 2>&1; stat -c %u:%g /tmp/f';
    for (const extra of [[], ['--cap-add', 'ALL', '--unshare-pid', '--uid', '1000']]) {
      const argv = [...extra, '--ro-bind', '/', '/', '--tmpfs', '/tmp', 'sh', '-c', inside];
      const theirs = await mapped('bwrap', argv);
      const ours = await mapped('burrow', argv);
      expect(ours.maps).toBe('newuidmap 0 newgidmap 0 ');
      expect(ours).toEqual(theirs);
      // the caller's maps, not one id: the subordinate range is there, and root of the namespace owns the file it made
      expect(ours.stdout).toContain(`${String(su.start).padStart(10)}`);
      expect(ours.stdout).toContain(extra.length > 0 ? '\n1:1\n' : '\n0:0\n');
    }
  });

  it('the exit status: the command\'s, 128+N for a signal, 1 for a command not found', () => {
    same(['--ro-bind', '/', '/', 'sh', '-c', 'exit 7']);
    same(['--ro-bind', '/', '/', 'sh', '-c', 'kill -9 $$']);
    same(['--ro-bind', '/', '/', '/no/such/command']);
    same(['--ro-bind', '/', '/', 'no-such-command-anywhere']);
  });

  it('execvp as glibc\'s: a file without #! run by /bin/sh, the default PATH, and errors in glibc\'s words', () => {
    // (the helper may be built with musl, whose execvp and messages differ: helpers/compat.c)
    writeFileSync(join(dir, 'no-shebang'), 'echo "from sh: $0 $1"\n', { mode: 0o755 });
    const loop = join(dir, 'loop');
    rmSync(loop, { force: true });
    symlinkSync(loop, loop);
    const r = same(['--ro-bind', '/', '/', '--chdir', dir, './no-shebang', 'arg']);
    expect(r.stdout).toBe('from sh: ./no-shebang arg\n');
    same(['--ro-bind', '/', '/', '--setenv', 'PATH', dir, 'no-shebang']);
    // No PATH at all: /bin:/usr/bin.
    same(['--ro-bind', '/', '/', '--unsetenv', 'PATH', 'sh', '-c', 'echo $PATH; pwd']);
    // ELOOP: musl says "Symbolic link loop".
    expect(same(['--ro-bind', '/', '/', loop]).stderr).toMatch(/: Too many levels of symbolic links\n$/);
    // EACCES along PATH, after ENOENT elsewhere.
    writeFileSync(join(dir, 'not-executable'), 'echo no\n', { mode: 0o644 });
    same(['--ro-bind', '/', '/', '--setenv', 'PATH', `/no/such:${dir}`, 'not-executable']);
  });

  it.each([
    ['an unknown option', ['--foo']],
    ['an option without its values', ['--bind', '/tmp']],
    ['a missing source', ['--bind', '/no/such/source', '/x', 'true']],
    ['a bad --perms', ['--perms', '0999', '--dir', '/x', 'true']],
    ['--perms before an option that makes no file', ['--perms', '0700', '--bind', '/', '/', 'true']],
    ['--size 0', ['--size', '0', '--tmpfs', '/x', 'true']],
    ['--size before --dir', ['--size', '100', '--dir', '/x', 'true']],
    ['a bad fd', ['--file', 'x', '/y', 'true']],
    ['--hostname without --unshare-uts', ['--hostname', 'x', '--ro-bind', '/', '/', 'true']],
    ['--as-pid-1 without --unshare-pid', ['--as-pid-1', '--ro-bind', '/', '/', 'true']],
    ['an unknown capability', ['--cap-add', 'CAP_NOPE', 'true']],
    ['--chdir to a missing directory', ['--ro-bind', '/', '/', '--chdir', '/no/such/dir', 'true']],
    ['--userns-block-fd without --unshare-user', ['--userns-block-fd', '3', 'true']],
    ['--disable-userns without --unshare-user', ['--disable-userns', 'true']],
    ['--add-seccomp-fd after --seccomp', ['--seccomp', '3', '--add-seccomp-fd', '4', 'true']],
    ['no command', ['--ro-bind', '/', '/']],
  ])('bad input: %s is bwrap\'s error, exit 1', (_what, argv) => {
    const r = run('burrow', argv);
    expect(r.status).toBe(1);
    if (argv.length === 3 && argv[0] === '--ro-bind') expect(r.stderr).toMatch(/^usage: burrow sandbox \[OPTIONS\.\.\.\] \[--\] COMMAND \[ARGS\.\.\.\]\n/);
    else same(argv);
  });
});

describe('burrow sandbox, beyond bwrap 0.8', () => {
  beforeAll(() => {
    dir = join(fixtures().dir, 'sandbox-own');
    for (const d of ['lower1', 'lower2', 'upper', 'work', 'bin']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'lower1', 'a'), 'from lower1\n');
    writeFileSync(join(dir, 'lower2', 'a'), 'from lower2\n');
    writeFileSync(join(dir, 'lower1', 'b'), 'only in lower1\n');
  });

  it('--tmp-overlay: the sources merged (the later on top), writes gone with the sandbox', () => {
    const r = run('burrow', ['--ro-bind', '/', '/', '--overlay-src', join(dir, 'lower1'), '--overlay-src', join(dir, 'lower2'), '--tmp-overlay', '/mnt', 'sh', '-c', 'cat /mnt/a /mnt/b; echo new > /mnt/c; ls /mnt']);
    expect(r).toEqual({ status: 0, stdout: 'from lower2\nonly in lower1\na\nb\nc\n', stderr: '' });
    expect(spawnSync('ls', [join(dir, 'lower1'), join(dir, 'lower2')], { encoding: 'utf8' }).stdout).not.toContain('c\n');
  });

  it('--overlay RWSRC WORKDIR: writes land in RWSRC; --ro-overlay is read-only', () => {
    const r = run('burrow', ['--ro-bind', '/', '/', '--overlay-src', join(dir, 'lower1'), '--overlay', join(dir, 'upper'), join(dir, 'work'), '/mnt', 'sh', '-c', 'echo kept > /mnt/c; cat /mnt/a']);
    expect(r).toEqual({ status: 0, stdout: 'from lower1\n', stderr: '' });
    expect(readFileSync(join(dir, 'upper', 'c'), 'utf8')).toBe('kept\n');
    const ro = run('burrow', ['--ro-bind', '/', '/', '--overlay-src', join(dir, 'lower1'), '--overlay-src', join(dir, 'lower2'), '--ro-overlay', '/mnt', 'sh', '-c', 'cat /mnt/a; (touch /mnt/x) 2>&1 | grep -c Read-only']);
    expect(ro).toEqual({ status: 0, stdout: 'from lower2\n1\n', stderr: '' });
  });

  it('--argv0 and --level-prefix', () => {
    expect(run('burrow', ['--ro-bind', '/', '/', '--argv0', 'named', 'sh', '-c', 'echo $0'])).toEqual({ status: 0, stdout: 'named\n', stderr: '' });
    const r = run('burrow', ['--level-prefix', '--bind', '/no/such', '/x', 'true']);
    expect(r).toEqual({ status: 1, stdout: '', stderr: "<3>bwrap: Can't find source path /no/such: No such file or directory\n" });
  });

  it('bad overlay lines and an fd that is not open are bwrap errors, nothing started', () => {
    expect(run('burrow', ['--overlay-src', '/x', 'true']).stderr).toBe('bwrap: --overlay-src must be followed by another --overlay-src or one of --overlay, --tmp-overlay, or --ro-overlay\n');
    expect(run('burrow', ['--tmp-overlay', '/x', 'true']).stderr).toBe('bwrap: --tmp-overlay requires at least one --overlay-src\n');
    expect(run('burrow', ['--overlay-src', '/tmp', '--ro-overlay', '/x', 'true']).stderr).toBe('bwrap: --ro-overlay requires at least two --overlay-src\n');
    expect(run('burrow', ['--ro-bind', '/', '/', '--info-fd', '9', 'true'])).toEqual({ status: 1, stdout: '', stderr: 'bwrap: --info-fd 9: Bad file descriptor\n' });
    expect(run('burrow', ['--ro-bind', '/', '/', '--args', '9', 'true'])).toEqual({ status: 1, stdout: '', stderr: "bwrap: Can't read --args data: Bad file descriptor\n" });
  });

  it('--lock-file: the lock is held while the sandbox runs', async () => {
    const lock = join(dir, 'lock');
    writeFileSync(lock, '');
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const child = spawn(BURROW, ['sandbox', '--bind', '/', '/', '--unshare-pid', '--lock-file', lock, 'sh', '-c', 'echo up; sleep 5'], { stdio: ['ignore', 'pipe', 'inherit'], env });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const probe = (): string => spawnSync('python3', ['-c', `import fcntl,os\nfd=os.open(${JSON.stringify(lock)},os.O_RDWR)\ntry:\n  fcntl.lockf(fd, fcntl.LOCK_EX|fcntl.LOCK_NB); print('free')\nexcept OSError: print('locked')`], { encoding: 'utf8' }).stdout;
    expect(probe()).toBe('locked\n');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
  });

  it('--die-with-parent: the sandbox ends when the process that started it is killed', async () => {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    // A shell starts the sandbox and is killed with SIGKILL; the sandbox's sleep (of a length no other test's has) must go with it.
    const shell = spawn('sh', ['-c', `${BURROW} sandbox --ro-bind / / --bind ${dir} ${dir} --die-with-parent --unshare-pid sh -c 'echo $$ > ${join(dir, 'pid')}; exec sleep 299.731' & wait`], { stdio: 'ignore', env });
    try {
      let pid = 0;
      for (let i = 0; i < 200 && pid === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        try {
          pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
        } catch {
          // not yet
        }
      }
      expect(pid).toBe(2);
      const helper = spawnSync('pgrep', ['-P', String(shell.pid)], { encoding: 'utf8' }).stdout.trim();
      expect(helper).not.toBe('');
      shell.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(alive(Number(helper))).toBe(false);
      expect(spawnSync('pgrep', ['-u', String(process.getuid?.()), '-f', 'sleep 299.731']).status).toBe(1);
    } finally {
      shell.kill('SIGKILL');
      spawnSync('pkill', ['-KILL', '-u', String(process.getuid?.()), '-f', 'sleep 299.731']);
    }
  });

  it('2,000 --bind options: all mounted, in well under bwrap\'s seconds', () => {
    const args: string[] = ['--ro-bind', '/', '/', '--tmpfs', '/mnt'];
    for (let i = 0; i < 2000; i++) {
      mkdirSync(join(dir, 'many', `d${i}`), { recursive: true });
      args.push('--bind', join(dir, 'many', `d${i}`), `/mnt/d${i}`);
    }
    const r = run('burrow', [...args, 'sh', '-c', 'grep -c " /mnt/d" /proc/self/mountinfo']);
    expect(r).toEqual({ status: 0, stdout: '2000\n', stderr: '' });
  });

  it('started as `bwrap` through a link: the same sandbox, bwrap\'s usage', () => {
    const link = join(dir, 'bin', 'bwrap');
    symlinkSync(BURROW, link);
    chmodSync(dir, 0o755);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}` };
    delete env.NODE_EXTRA_CA_CERTS;
    const r = spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-uts', '--hostname', 'linked', 'hostname'], { encoding: 'utf8', env });
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: 'linked\n', stderr: '' });
    const usage = spawnSync('bwrap', [], { encoding: 'utf8', env });
    expect(usage.status).toBe(1);
    expect(usage.stderr).toMatch(/^usage: bwrap \[OPTIONS\.\.\.\] \[--\] COMMAND \[ARGS\.\.\.\]\n\n {4}--help/);
    expect(spawnSync('bwrap', ['--version'], { encoding: 'utf8', env }).stdout).toBe('bubblewrap 0.11.0\n');
  });
});

describe('burrow sandbox: Landlock, and the sandbox where user namespaces are refused', () => {
  const env = (): NodeJS.ProcessEnv => {
    const e = { ...process.env };
    delete e.NODE_EXTRA_CA_CERTS;
    return e;
  };
  /** Runs burrow sandbox ARGS; `outer`: inside bwrap with these options first (a namespace the test owns). */
  const sandbox = (args: string[], outer?: string[]): Result => {
    const [file, argv] = outer ? ['bwrap', [...outer, BURROW, 'sandbox', ...args]] : [BURROW, ['sandbox', ...args]];
    const r = spawnSync(file, argv, { encoding: 'utf8', env: env(), cwd: dir, timeout: 20_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(() => {
    dir = join(fixtures().dir, 'sandbox-landlock');
    for (const d of ['ok', 'no']) mkdirSync(join(dir, d), { recursive: true });
  });

  it('a Landlock rule denies a write inside a writable bind, and whatever no rule names', () => {
    const r = sandbox(['--ro-bind', '/', '/', '--bind', dir, dir, '--dev', '/dev', '--landlock-rx', '/usr', '--landlock-rx', '/bin', '--landlock-rx', '/lib',
      '--landlock-rx', '/lib64', '--landlock-rw', join(dir, 'ok'), '--landlock-ro', join(dir, 'no'), '--landlock-rw', '/dev/null', 'sh', '-c',
      `echo a > ${join(dir, 'ok', 'f')} && echo written; (echo b > ${join(dir, 'no', 'f')}) 2>/dev/null || echo denied; cat /etc/hostname 2>/dev/null || echo unreachable`]);
    expect(r).toEqual({ status: 0, stdout: 'written\ndenied\nunreachable\n', stderr: '' });
    expect(readFileSync(join(dir, 'ok', 'f'), 'utf8')).toBe('a\n');
  });

  it('a TCP port allowlist: bind on a listed port only', (ctx) => {
    if (fixtures().python3 === undefined) return ctx.skip('no python3');
    const r = sandbox(['--ro-bind', '/', '/', '--unshare-net', '--landlock-bind-tcp', '8080', 'python3', '-c',
      "import socket\nfor p in (8080, 8081):\n    s = socket.socket()\n    try:\n        s.bind(('127.0.0.1', p)); print(p, 'bound')\n    except OSError as e:\n        print(p, e.strerror)"]);
    expect(r).toEqual({ status: 0, stdout: '8080 bound\n8081 Permission denied\n', stderr: '' });
  });

  it('--landlock-scope: no signal reaches a process outside the sandbox', () => {
    const outside = spawn('sleep', ['30']);
    try {
      const probe = `kill -0 ${outside.pid} 2>/dev/null && echo signalled || echo refused`;
      expect(sandbox(['--ro-bind', '/', '/', '--dev', '/dev', '--landlock-scope', 'sh', '-c', probe]).stdout).toBe('refused\n');
      expect(sandbox(['--ro-bind', '/', '/', '--dev', '/dev', 'sh', '-c', probe]).stdout).toBe('signalled\n');
    } finally {
      outside.kill('SIGKILL');
    }
  });

  it('--audit sees what Landlock refuses (a read, a file made, a directory made, a directory listed, a TCP port), nothing the rules allow; suggest turns it into [landlock] lines', (ctx) => {
    if (process.arch !== 'x64' && process.arch !== 'arm64') return ctx.skip('no audit table for this architecture');
    if (fixtures().python3 === undefined) return ctx.skip('no python3');
    const log = join(dir, 'landlock-audit.log');
    rmSync(log, { force: true });
    const [secret, made, newdir] = [join(dir, 'ok', 'secret'), join(dir, 'no', 'made'), join(dir, 'ok', 'newdir')];
    writeFileSync(secret, 'secret\n');
    const connect = '/usr/bin/python3 -c "import socket; socket.create_connection((\'127.0.0.1\', 4567))" 2>&1 | tail -1';
    const r = sandbox(['--audit', log, '--ro-bind', '/', '/', '--bind', dir, dir, '--dev', '/dev', '--landlock-rx', '/usr', '--landlock-rx', '/bin', '--landlock-rx', '/lib',
      '--landlock-rx', '/lib64', '--landlock-ro', '/etc', '--landlock-ro', join(dir, 'no'), '--landlock-ro', '/proc', '--landlock-rw', '/dev/null', '--landlock-connect-tcp', '1', 'sh', '-c',
      `(cat ${secret}) 2>/dev/null || echo read-denied; (echo x > ${made}) 2>/dev/null || echo make-denied; mkdir ${newdir} 2>/dev/null || echo mkdir-denied; ls /var >/dev/null 2>&1 || echo list-denied; cat /etc/hostname >/dev/null && echo etc-read; ${connect}`]);
    expect(r).toEqual({ status: 0, stdout: 'read-denied\nmake-denied\nmkdir-denied\nlist-denied\netc-read\nPermissionError: [Errno 13] Permission denied\n', stderr: '' });
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual(expect.arrayContaining([
      { op: 'open', path: secret, refused: 'landlock', access: 'ro', host: true },
      { op: 'open', path: made, refused: 'landlock', access: 'rw', host: false },
      { op: 'mkdir', path: newdir, refused: 'landlock', access: 'rw', host: false },
      { op: 'open', path: '/var', refused: 'landlock', access: 'ro', host: true },
      { op: 'connect', port: 4567, refused: 'landlock' },
    ]));
    // Nothing the rules allow: the programs, their libraries, /etc, python's own files.
    expect(lines.filter((l) => typeof l.path === 'string' && /^\/(usr|bin|lib|lib64|etc|proc)(\/|$)/.test(l.path))).toEqual([]);
    const suggested = spawnSync(BURROW, ['sandbox', 'profile', 'suggest', log], { encoding: 'utf8', env: env() });
    expect(suggested.stderr).toBe('');
    expect(suggested.stdout).toMatch(new RegExp(`^# from ${log}: \\d+ refusals\n\\[landlock\\]\nread-only = \\[.*"/var".*\\]\nread-write = \\["${join(dir, 'no')}", "${join(dir, 'ok')}"\\]\nconnect-tcp = \\[4567\\]\n$`));
    expect(suggested.stdout).not.toContain(secret);
  });

  it('bad Landlock rules: one clear error, nothing started', () => {
    expect(sandbox(['--landlock-ro', 'relative', 'true'])).toEqual({ status: 125, stdout: '', stderr: 'Error: --landlock-ro: `relative` is not an absolute path (a path inside the sandbox)\n' });
    expect(sandbox(['--landlock-bind-tcp', '70000', 'true'])).toEqual({ status: 125, stdout: '', stderr: 'Error: --landlock-bind-tcp: `70000` is not a TCP port (0 to 65535)\n' });
    expect(sandbox(['--ro-bind', '/', '/', '--landlock-ro', '/no/such/path', 'true'])).toEqual({ status: 1, stdout: '', stderr: "bwrap: Landlock rule on `/no/such/path`: No such file or directory\n" });
  });

  it('user namespaces refused (inside a namespace that allows no more): Landlock and seccomp only, and a note of what is lost; --require-userns refuses', (ctx) => {
    if (!bwrapPresent) return ctx.skip('no bwrap to make a namespace that refuses user namespaces');
    const outer = ['--unshare-user', '--disable-userns', '--ro-bind', '/', '/', '--bind', dir, dir, '--dev', '/dev', '--proc', '/proc', '--unshare-pid'];
    const args = ['--ro-bind', '/usr', '/usr', '--ro-bind', '/etc', '/etc', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64',
      '--bind', join(dir, 'ok'), join(dir, 'ok'), '--tmpfs', '/tmp', '--dev', '/dev', '--unshare-pid', 'sh', '-c',
      `echo inside; ls /home >/dev/null 2>&1 || echo home-denied; echo c > ${join(dir, 'ok', 'g')} && echo written; (echo d > ${join(dir, 'no', 'g')}) 2>/dev/null || echo no-denied`];
    const r = sandbox(args, outer);
    expect(r.stdout).toBe('inside\nhome-denied\nwritten\nno-denied\n');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^Warning: user namespaces are refused here: the sandbox has Landlock and seccomp only \(no namespaces\); not enforced: a private \/tmp \(--tmpfs\); a pid namespace/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const strict = sandbox(['--require-userns', ...args], outer);
    expect(strict.status).toBe(1);
    expect(strict.stdout).toBe('');
    expect(strict.stderr).toBe((spawnSync('bwrap', [...outer, 'bwrap', '--ro-bind', '/', '/', 'true'], { encoding: 'utf8' }).stderr));
  });
});

describe('burrow sandbox: profiles, --print, --net', () => {
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
    delete e.NODE_EXTRA_CA_CERTS;
    return e;
  };
  const cli = (args: string[], extra: Record<string, string> = {}, cwd?: string): Result => {
    const r = spawnSync(BURROW, args, { encoding: 'utf8', env: env(extra), cwd: cwd ?? dir, timeout: 20_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  let config: string;

  beforeAll(() => {
    dir = join(fixtures().dir, 'sandbox-profiles');
    config = join(dir, 'config');
    mkdirSync(join(config, 'burrow', 'sandbox'), { recursive: true });
    mkdirSync(join(dir, 'work'), { recursive: true });
    writeFileSync(join(dir, 'work', 'input'), 'input\n');
    writeFileSync(join(config, 'burrow', 'sandbox', 'mine.toml'), 'description = "mine"\n[filesystem]\nhome = "private"\nread-write = ["."]\n[network]\nenabled = false\n');
    writeFileSync(join(config, 'burrow', 'sandbox', 'bad-key.toml'), '[filesystem]\nhomes = "private"\n');
    writeFileSync(join(config, 'burrow', 'sandbox', 'bad-toml.toml'), '[filesystem\n');
  });

  it('`sandbox profile ls` lists the shipped profiles and yours; show prints one; check reads them', () => {
    const ls = cli(['sandbox', 'profile', 'ls'], { XDG_CONFIG_HOME: config });
    expect(ls.status).toBe(0);
    expect(ls.stdout).toMatch(/^NAME +SOURCE +DESCRIPTION\n/);
    for (const name of ['browser', 'cli-offline', 'document-viewer', 'untrusted-build']) expect(ls.stdout).toMatch(new RegExp(`^${name} +shipped `, 'm'));
    expect(ls.stdout).toMatch(/^mine +user +mine$/m);
    expect(ls.stdout).toMatch(/^bad-key +user +\(cannot be read: filesystem\.homes: unknown key/m);
    expect(cli(['sandbox', 'profile', 'ls', '-q'], { XDG_CONFIG_HOME: config }).stdout.split('\n')).toContain('mine');
    const json = JSON.parse(cli(['sandbox', 'profile', 'ls', '--format', 'json'], { XDG_CONFIG_HOME: config }).stdout) as { Name: string; Source: string }[];
    expect(json.find((p) => p.Name === 'browser')?.Source).toBe('shipped');
    const show = cli(['sandbox', 'profile', 'show', 'mine'], { XDG_CONFIG_HOME: config });
    expect(show).toEqual({ status: 0, stdout: `# ${join(config, 'burrow', 'sandbox', 'mine.toml')}\ndescription = "mine"\n[filesystem]\nhome = "private"\nread-write = ["."]\n[network]\nenabled = false\n`, stderr: '' });
    expect(cli(['sandbox', 'profile', 'check', 'browser', 'cli-offline', 'document-viewer', 'untrusted-build', 'mine'], { XDG_CONFIG_HOME: config })).toEqual({ status: 0, stdout: 'browser: ok\ncli-offline: ok\ndocument-viewer: ok\nuntrusted-build: ok\nmine: ok\n', stderr: '' });
  });

  it('a malformed profile or an unknown key is one error naming the file and the key, exit 125, nothing run', () => {
    const file = join(config, 'burrow', 'sandbox', 'bad-key.toml');
    expect(cli(['sandbox', 'profile', 'check', 'bad-key'], { XDG_CONFIG_HOME: config })).toEqual({ status: 125, stdout: '', stderr: `Error: ${file}: filesystem.homes: unknown key (known: read-only, read-write, tmpfs, home)\n` });
    expect(cli(['sandbox', '--profile', 'bad-key', 'touch', join(dir, 'ran')], { XDG_CONFIG_HOME: config })).toEqual({ status: 125, stdout: '', stderr: `Error: ${file}: filesystem.homes: unknown key (known: read-only, read-write, tmpfs, home)\n` });
    const toml = cli(['sandbox', 'profile', 'check', join(config, 'burrow', 'sandbox', 'bad-toml.toml')]);
    expect(toml.status).toBe(125);
    expect(toml.stderr).toMatch(/^Error: .*bad-toml\.toml: line 1: .+\n$/);
    expect(cli(['sandbox', '--profile', 'no-such-profile', 'true'], { XDG_CONFIG_HOME: config }).stderr).toMatch(/^Error: sandbox profile `no-such-profile`: no such profile/);
  });

  it('--profile: the working directory writable, an empty home, no network, the rest of the host hidden; explicit options add to it', () => {
    const work = join(dir, 'work');
    const r = cli(['sandbox', '--profile', 'mine', '--setenv', 'EXTRA', 'yes', 'sh', '-c', `cat input; echo out > output; ls -A "$HOME" | wc -l; ls ${config} 2>&1 | grep -c "No such"; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; echo $EXTRA`], { XDG_CONFIG_HOME: config }, work);
    expect(r).toEqual({ status: 0, stdout: 'input\n0\n1\nlo\nyes\n', stderr: '' });
    expect(readFileSync(join(work, 'output'), 'utf8')).toBe('out\n');
  });

  it('--print shows the equivalent bwrap command line, and burrow\'s own options apart; bwrap runs that line', () => {
    const work = join(dir, 'work');
    const printed = cli(['sandbox', '--profile', 'mine', '--print', '--landlock-scope', 'cat', 'input'], { XDG_CONFIG_HOME: config }, work);
    expect(printed.status).toBe(0);
    const [line, own] = printed.stdout.split('\n');
    expect(line).toMatch(/^bwrap --unshare-all --die-with-parent --new-session .* --bind-try \S+ \S+ -- cat input$/);
    expect(own).toBe("# and burrow's own, which bwrap has not: --landlock-scope");
    if (bwrapPresent) expect(spawnSync('sh', ['-c', line as string], { encoding: 'utf8', cwd: work }).stdout).toBe('input\n');
  });

  it('--net pasta: a network of its own with a way out, its helper gone with it', (ctx) => {
    if (fixtures().missing.pasta !== undefined) return ctx.skip(fixtures().missing.pasta);
    // (an MTU no other test's pasta has: other files' containers run their own pasta meanwhile)
    const r = cli(['sandbox', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--net', 'pasta:--mtu=1437', 'sh', '-c', 'ip route | grep -c "^default"; readlink /proc/self/ns/net; ip -o link | grep -c "mtu 1437"']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('1');
    expect(r.stdout.split('\n')[1]).not.toBe(spawnSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' }).stdout.trim());
    expect(r.stdout.split('\n')[2]).toBe('1');
    expect(spawnSync('pgrep', ['-u', String(process.getuid?.()), '-f', 'mtu=1437']).status).toBe(1);
    expect(cli(['sandbox', '--net', 'tap', 'true'])).toEqual({ status: 125, stdout: '', stderr: "Error: --net: `tap` is not a user-mode network: use pasta[:OPTIONS] or slirp4netns[:OPTIONS] (bwrap's --unshare-net has none, --share-net the host's)\n" });
  });

  it('--net slirp4netns: a tap device with slirp4netns\'s route out, its helper gone with it', async (ctx) => {
    if (fixtures().missing.slirp4netns !== undefined) return ctx.skip(fixtures().missing.slirp4netns);
    const r = cli(['sandbox', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--net', 'slirp4netns:mtu=1431', 'sh', '-c', 'ip route | grep "^default"; ip -o link show tap0 | grep -o "mtu [0-9]*"']);
    expect(r).toEqual({ status: 0, stdout: 'default via 10.0.2.2 dev tap0 \nmtu 1431\n', stderr: '' });
    expect(await eventually(() => spawnSync('pgrep', ['-u', String(process.getuid?.()), '-f', 'slirp4netns.*--mtu=1431']).status === 1, 2000, 50)).toBe(true);
  });

  it('a profile\'s D-Bus goes through xdg-dbus-proxy: the names it may own, not others; the proxy ends with the sandbox', (ctx) => {
    for (const tool of ['dbus-daemon', 'dbus-send', 'xdg-dbus-proxy'])
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return ctx.skip(`${tool} is not installed`);
    writeFileSync(join(config, 'burrow', 'sandbox', 'bus.toml'), 'description = "bus"\n[filesystem]\nhome = "private"\n[desktop]\ndbus-talk = ["org.freedesktop.DBus"]\ndbus-own = ["org.example.Allowed"]\n');
    const daemon = spawnSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8' });
    const [address, pid] = daemon.stdout.trim().split('\n');
    try {
      const request = (name: string): string => `dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.RequestName string:${name} uint32:0 2>&1 | tail -1`;
      const r = cli(['sandbox', '--profile', 'bus', 'sh', '-c', `echo $DBUS_SESSION_BUS_ADDRESS; ${request('org.example.Allowed')}; ${request('org.example.Other')}`], { XDG_CONFIG_HOME: config, DBUS_SESSION_BUS_ADDRESS: address as string });
      expect(r.status).toBe(0);
      const [seen, allowed, other] = r.stdout.split('\n');
      expect(seen).toMatch(/^unix:path=\/.*\/bus$/);
      expect(allowed?.trim()).toBe('uint32 1');
      expect(other).toMatch(/^Error org\.freedesktop\.DBus\.Error\./);
      let gone = false;
      for (let i = 0; i < 40 && !gone; i++) {
        gone = spawnSync('pgrep', ['-u', String(process.getuid?.()), '-f', `xdg-dbus-proxy --fd=3 ${address}`]).status === 1;
        if (!gone) spawnSync('sleep', ['0.05']);
      }
      expect(gone).toBe(true);
      // Without a session bus: said, and the sandbox runs without one.
      const none = cli(['sandbox', '--profile', 'bus', 'true'], { XDG_CONFIG_HOME: config, DBUS_SESSION_BUS_ADDRESS: '' });
      expect(none).toEqual({ status: 0, stdout: '', stderr: 'Warning: sandbox profile bus: D-Bus: no session bus (DBUS_SESSION_BUS_ADDRESS is not set), not given\n' });
    } finally {
      if (pid) spawnSync('kill', [pid]);
    }
  });

  /** Unix sockets at `specs` (LABEL=PATH) answering each connection with its label; ends with the test. */
  const serve = async (specs: string[]): Promise<() => void> => {
    const script = "import selectors, socket, sys\nsel = selectors.DefaultSelector()\nfor spec in sys.argv[1:]:\n    label, path = spec.split('=', 1)\n    s = socket.socket(socket.AF_UNIX)\n    s.bind(path)\n    s.listen(8)\n    sel.register(s, selectors.EVENT_READ, label)\nwhile True:\n    for key, _ in sel.select():\n        c, _ = key.fileobj.accept()\n        c.sendall((key.data + '\\n').encode())\n        c.close()\n";
    const server = spawn('/usr/bin/python3', ['-c', script, ...specs], { stdio: 'ignore' });
    await eventually(() => specs.every((s) => existsSync(s.split('=')[1] as string)), 5000, 50);
    return () => server.kill('SIGKILL');
  };
  /** A shell line printing what the unix socket at PATH (a shell word) answers. */
  const ask = (path: string): string => `/usr/bin/python3 -c "import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(s.recv(64).decode().strip())" ${path} 2>&1 | tail -1`;

  it('a profile\'s desktop: the Wayland, X11, PipeWire and PulseAudio sockets reached where clients look, the X authority read-only, the GPU; the rest of the runtime directory hidden; what is missing said', async (ctx) => {
    if (!existsSync('/usr/bin/python3')) return ctx.skip('python3 is not installed');
    const runtime = join(dir, 'runtime');
    rmSync(runtime, { recursive: true, force: true });
    mkdirSync(runtime, { mode: 0o700 });
    writeFileSync(join(runtime, 'secret'), 'not for the sandbox\n');
    mkdirSync(join(dir, 'pulse-elsewhere'), { recursive: true });
    const pulse = join(dir, 'pulse-elsewhere', 'native');
    writeFileSync(join(dir, 'xauth'), 'MIT-MAGIC-COOKIE\n');
    // X11's place is fixed: /tmp/.X11-unix/XN, made by the test where the host has none.
    const madeX11 = !existsSync('/tmp/.X11-unix');
    if (madeX11) {
      mkdirSync('/tmp/.X11-unix');
      chmodSync('/tmp/.X11-unix', 0o1777);
    }
    const display = 900 + (process.pid % 90);
    const x11 = `/tmp/.X11-unix/X${display}`;
    for (const f of [join(runtime, 'wayland-test'), join(runtime, 'pipewire-0'), pulse, x11]) rmSync(f, { force: true });
    const stop = await serve([`wayland=${join(runtime, 'wayland-test')}`, `pipewire=${join(runtime, 'pipewire-0')}`, `pulse=${pulse}`, `x11=${x11}`]);
    try {
      writeFileSync(join(config, 'burrow', 'sandbox', 'desk.toml'), 'description = "desk"\n[filesystem]\nhome = "private"\n[desktop]\nwayland = true\nx11 = true\npipewire = true\npulseaudio = true\ngpu = true\n');
      const host = { XDG_CONFIG_HOME: config, XDG_RUNTIME_DIR: runtime, WAYLAND_DISPLAY: 'wayland-test', DISPLAY: `:${display}`, XAUTHORITY: join(dir, 'xauth'), PULSE_SERVER: `unix:${pulse}` };
      const inside = [
        ask('"$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY"'),
        ask('"/tmp/.X11-unix/X${DISPLAY#:}"'),
        ask('"$XDG_RUNTIME_DIR/pipewire-0"'),
        ask('"${PULSE_SERVER#unix:}"'),
        'echo "$PULSE_SERVER"',
        'cat "$XAUTHORITY"; (echo x >> "$XAUTHORITY") 2>/dev/null || echo read-only',
        'ls "$XDG_RUNTIME_DIR" | tr "\\n" " "; echo',
        'ls /dev/dri 2>/dev/null | tr "\\n" " "; echo',
        'ls /sys/dev/char 2>/dev/null | wc -l',
      ];
      const r = cli(['sandbox', '--profile', 'desk', 'sh', '-c', inside.join('; ')], host);
      // (the GPU's sysfs trees come with any GPU device: /dev/dri or NVIDIA's)
      const gpu = existsSync('/dev/dri') || readdirSync('/dev').some((f) => f.startsWith('nvidia'));
      const hostDri = existsSync('/dev/dri') ? `${readdirSync('/dev/dri').sort().join(' ')} ` : '';
      const hostChar = gpu ? readdirSync('/sys/dev/char').length : 0;
      expect(r.stdout).toBe(`wayland\nx11\npipewire\npulse\nunix:${join(runtime, 'pulse', 'native')}\nMIT-MAGIC-COOKIE\nread-only\npipewire-0 pulse wayland-test \n${hostDri}\n${hostChar}\n`);
      expect(r.stderr).toBe(gpu ? '' : 'Warning: sandbox profile desk: GPU: /dev/dri not found, not given\n');
      expect(r.status).toBe(0);
      // Without them: each said in a line, and the sandbox runs.
      const bare = join(dir, 'runtime-bare');
      mkdirSync(bare, { recursive: true, mode: 0o700 });
      const none = cli(['sandbox', '--profile', 'desk', 'true'], { XDG_CONFIG_HOME: config, XDG_RUNTIME_DIR: bare, WAYLAND_DISPLAY: '', DISPLAY: '', XAUTHORITY: join(dir, 'no-xauth'), PULSE_SERVER: '' });
      expect(none.status).toBe(0);
      expect(none.stderr.split('\n').filter((l) => !l.includes('GPU'))).toEqual([
        `Warning: sandbox profile desk: Wayland: not found (${join(bare, 'wayland-0')}), not given`,
        'Warning: sandbox profile desk: X11: not found, not given',
        `Warning: sandbox profile desk: PipeWire: not found (${join(bare, 'pipewire-0')}), not given`,
        `Warning: sandbox profile desk: PulseAudio: not found (${join(bare, 'pulse', 'native')}), not given`,
        '',
      ]);
    } finally {
      stop();
      rmSync(x11, { force: true });
      if (madeX11) rmSync('/tmp/.X11-unix', { recursive: true, force: true });
    }
  });

  it('a profile\'s portal: the portals\' D-Bus names through the proxy (and not a name it does not list), the document portal\'s files read-write', async (ctx) => {
    for (const tool of ['dbus-daemon', 'dbus-send', 'xdg-dbus-proxy', '/usr/bin/python3'])
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return ctx.skip(`${tool} is not installed`);
    const runtime = join(dir, 'runtime-portal');
    rmSync(runtime, { recursive: true, force: true });
    mkdirSync(join(runtime, 'doc', 'a1b2c3'), { recursive: true, mode: 0o700 });
    writeFileSync(join(runtime, 'doc', 'a1b2c3', 'chosen.txt'), 'chosen\n');
    writeFileSync(join(config, 'burrow', 'sandbox', 'portal.toml'), 'description = "portal"\n[filesystem]\nhome = "private"\n[desktop]\nportal = true\n');
    const daemon = spawnSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8' });
    const [address, pid] = daemon.stdout.trim().split('\n');
    // A peer on the bus owning a portal's name and another.
    const owner = spawn('/usr/bin/python3', [DBUS_OWNER, address as string, 'org.freedesktop.portal.Desktop', 'org.example.Hidden'], { stdio: 'ignore' });
    try {
      const owned = (name: string): string => `dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetNameOwner string:${name} 2>&1 | tail -1`;
      await eventually(() => spawnSync('sh', ['-c', owned('org.example.Hidden')], { encoding: 'utf8', env: env({ DBUS_SESSION_BUS_ADDRESS: address as string }) }).stdout.includes(':1.'), 5000, 50);
      const r = cli(['sandbox', '--profile', 'portal', 'sh', '-c', `${owned('org.freedesktop.portal.Desktop')}; ${owned('org.example.Hidden')}; cat "$XDG_RUNTIME_DIR/doc/a1b2c3/chosen.txt"; echo edited > "$XDG_RUNTIME_DIR/doc/a1b2c3/chosen.txt"`], { XDG_CONFIG_HOME: config, XDG_RUNTIME_DIR: runtime, DBUS_SESSION_BUS_ADDRESS: address as string });
      expect(r.stderr).toBe('');
      const [desktop, hidden, chosen] = r.stdout.split('\n');
      expect(desktop).toMatch(/^ +string ":1\.\d+"$/);
      expect(hidden).toMatch(/^Error org\.freedesktop\.DBus\.Error\.NameHasNoOwner/);
      expect(chosen).toBe('chosen');
      expect(r.status).toBe(0);
      expect(readFileSync(join(runtime, 'doc', 'a1b2c3', 'chosen.txt'), 'utf8')).toBe('edited\n');
      // --print names them; without the document portal, said.
      rmSync(join(runtime, 'doc'), { recursive: true });
      const printed = cli(['sandbox', '--profile', 'portal', '--print', 'true'], { XDG_CONFIG_HOME: config, XDG_RUNTIME_DIR: runtime });
      expect(printed.stdout).toContain('--talk=org.freedesktop.portal.*');
      expect(printed.stderr).toBe(`Warning: sandbox profile portal: portal: the document portal is not running (${join(runtime, 'doc')}): files chosen in a portal's dialog are not reachable\n`);
    } finally {
      owner.kill('SIGKILL');
      if (pid) spawnSync('kill', [pid]);
    }
  });

  it('--audit logs what the sandbox refused for want of a path; `sandbox profile suggest` turns it into profile lines', () => {
    if (process.arch !== 'x64' && process.arch !== 'arm64') return;
    const log = join(dir, 'audit.log');
    const r = cli(['sandbox', '--audit', log, '--ro-bind', '/usr', '/usr', '--symlink', 'usr/bin', '/bin', '--symlink', 'usr/lib', '/lib', '--symlink', 'usr/lib64', '/lib64',
      '--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp', 'sh', '-c', `cat /etc/hostname 2>/dev/null; cat /etc/hostname 2>/dev/null; touch /usr/new-file 2>/dev/null; ls ${dir} >/dev/null 2>&1; echo ran`]);
    expect(r).toEqual({ status: 0, stdout: 'ran\n', stderr: '' });
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; path: string; refused: string; host: boolean });
    expect(lines).toContainEqual({ op: 'open', path: '/etc/hostname', refused: 'missing', host: true });
    expect(lines).toContainEqual({ op: 'open', path: '/usr/new-file', refused: 'read-only', host: false });
    expect(lines.some((l) => l.path === dir && l.refused === 'missing')).toBe(true);
    // (once, though it was opened twice)
    expect(lines.filter((l) => l.path === '/etc/hostname')).toHaveLength(1);
    const suggested = cli(['sandbox', 'profile', 'suggest', log]);
    expect(suggested.status).toBe(0);
    expect(suggested.stdout).toMatch(new RegExp(`^# from ${log}: \\d+ refusals\n\\[filesystem\\]\nread-only = \\[.*"/etc/hostname".*\\]\nread-write = \\["/usr"\\]\n$`));
    // The lines make a profile the sandbox takes.
    writeFileSync(join(config, 'burrow', 'sandbox', 'learned.toml'), `description = "learned"\n${suggested.stdout.split('\n').slice(1).join('\n')}`);
    expect(cli(['sandbox', 'profile', 'check', 'learned'], { XDG_CONFIG_HOME: config })).toEqual({ status: 0, stdout: 'learned: ok\n', stderr: '' });
    writeFileSync(join(dir, 'bad.log'), '{"op":"open"}\n');
    expect(cli(['sandbox', 'profile', 'suggest', join(dir, 'bad.log')])).toEqual({ status: 125, stdout: '', stderr: `Error: audit log \`${join(dir, 'bad.log')}\`: line 1: not an audit record (op, path, refused, host; or op, port, refused)\n` });
  });
});
