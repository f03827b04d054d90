/**
 * vitest globalSetup: builds the test fixtures once per run and hands their
 * paths (and what this host can do) to the test files through `provide`
 * (read them with `fixtures()` from test/helpers/fixtures.ts).
 *
 *   <tmp>/rootfs   a busybox root filesystem (Debian's busybox-static) with
 *                  /bin/probe, /bin/escape, /etc/passwd and /etc/group for the user tests
 *   <tmp>/probe    the probe (test/fixtures/probe.c), built `cc -static`
 *   <tmp>/escape   the escape attempts (test/fixtures/escape.c), built the same way
 *
 * Nothing here fails the run for a missing host feature: it is recorded in
 * `problem` or `missing`, and the tests that need it skip, saying why.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { TestProject } from 'vitest/node';

import { delegatedCgroup } from '../../src/system/cgroups.js';
import type { Fixtures, IdRange } from '../helpers/fixtures.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const PASSWD = `root:x:0:0:root:/root:/bin/sh
tester:x:1000:1000:tester:/home/tester:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
`;

const GROUP = `root:x:0:
tester:x:1000:tester
extra:x:2000:tester
nogroup:x:65534:
`;

/** The first executable `name` along PATH that this user may run. */
function findProgram(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const candidate = join(dir || '.', name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here, or not ours to run
    }
  }
  return undefined;
}

/** This user's ranges in /etc/subuid or /etc/subgid (by name or id, as shadow-utils matches them). */
function subidRanges(file: string, name: string, id: number): IdRange[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: IdRange[] = [];
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if ((owner === name || owner === String(id)) && /^\d+$/.test(start ?? '') && /^\d+$/.test(count ?? '') && Number(count) > 0)
      out.push({ start: Number(start), count: Number(count) });
  }
  return out;
}

function buildRootfs(dir: string, busybox: string, probe: string, programs: Record<string, string>): string {
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'home/tester', 'var/tmp', 'run'])
    mkdirSync(join(rootfs, d), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  chmodSync(join(rootfs, 'var/tmp'), 0o1777);
  chmodSync(join(rootfs, 'root'), 0o700);
  copyFileSync(busybox, join(rootfs, 'bin/busybox'));
  chmodSync(join(rootfs, 'bin/busybox'), 0o755);
  const list = spawnSync(busybox, ['--list'], { encoding: 'utf8' });
  if (list.status !== 0) throw new Error(`\`${busybox} --list\` failed: ${list.stderr}`);
  for (const applet of list.stdout.split('\n').filter(Boolean)) {
    if (applet.includes('/') || applet === 'busybox') continue;
    const link = join(rootfs, 'bin', applet);
    if (!existsSync(link)) symlinkSync('busybox', link);
  }
  if (!existsSync(join(rootfs, 'bin/sh'))) symlinkSync('busybox', join(rootfs, 'bin/sh'));
  copyFileSync(probe, join(rootfs, 'bin/probe'));
  chmodSync(join(rootfs, 'bin/probe'), 0o755);
  // The static programs the tests run inside: /bin/syscalls (seccomp), /bin/escape (escapes*.test.ts).
  for (const [name, file] of Object.entries(programs)) {
    copyFileSync(file, join(rootfs, 'bin', name));
    chmodSync(join(rootfs, 'bin', name), 0o755);
  }
  writeFileSync(join(rootfs, 'etc/passwd'), PASSWD);
  writeFileSync(join(rootfs, 'etc/group'), GROUP);
  writeFileSync(join(rootfs, 'etc/hostname'), 'fixture\n');
  // The image's own file the tests look for (a container's /etc/hostname is its own, as in podman).
  writeFileSync(join(rootfs, 'etc/fixture'), 'fixture\n');
  return rootfs;
}

export default function setup(project: TestProject): () => void {
  for (const built of ['build/burrow-helper', 'bin/burrow.cjs'])
    if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run \`node scripts/build.mjs\` (or \`npm test\`) first`);

  const dir = mkdtempSync(join(tmpdir(), 'burrow-fixtures-'));
  const me = userInfo();
  const missing: Record<string, string> = {};
  let problem: string | undefined;

  const cc = process.env.CC || 'cc';
  const probe = join(dir, 'probe');
  const syscalls = join(dir, 'syscalls');
  // The attacks of test/integration/escapes*.test.ts, built the same way.
  const escape = join(dir, 'escape');
  for (const [out, source] of [[probe, 'probe.c'], [syscalls, 'syscalls.c'], [escape, 'escape.c']] as const) {
    const compiled = spawnSync(cc, ['-static', '-O2', '-Wall', '-o', out, join(root, 'test/fixtures', source)], { encoding: 'utf8' });
    if (compiled.error || compiled.status !== 0)
      throw new Error(`building test/fixtures/${source} with \`${cc} -static\` failed (Debian: apt-get install gcc libc6-dev): ${compiled.stderr ?? compiled.error}`);
  }

  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  let rootfs = join(dir, 'rootfs');
  if (busybox === undefined) problem = 'no /bin/busybox to build the test root filesystem from (Debian: apt-get install busybox-static)';
  else rootfs = buildRootfs(dir, busybox, probe, { syscalls, escape });

  if (me.uid === 0)
    problem ??= 'running as root: containers are tested as an unprivileged user (start the suite with `npm test`, which prepares one)';
  if (problem === undefined) {
    const userns = spawnSync('unshare', ['--user', '--map-root-user', 'true'], { encoding: 'utf8' });
    // Without unshare(1) (util-linux) there is nothing to ask: let the tests find out.
    const absent = (userns.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    if (!absent && (userns.error || userns.status !== 0))
      problem = `unprivileged user namespaces are not available here (unshare --user: ${(userns.stderr || String(userns.error)).trim()})`;
  }

  const subuids = subidRanges('/etc/subuid', me.username, me.uid);
  const subgids = subidRanges('/etc/subgid', me.username, me.uid);
  const newuidmap = findProgram('newuidmap');
  if (subuids.length === 0 || subgids.length === 0) missing.subids = `${me.username} has no ranges in /etc/subuid and /etc/subgid`;
  // burrow refuses to start without newuidmap when the user has ranges: nothing can run then.
  else if (newuidmap === undefined) problem ??= 'newuidmap is not installed (Debian: apt-get install uidmap)';
  // pause and a container's own cgroup need a cgroup v2 delegated to this user (the systemd VM of ../shared/vm).
  const cgroup = delegatedCgroup();
  if ('reason' in cgroup) missing.cgroup = cgroup.reason;
  const python3 = findProgram('python3');
  if (python3 === undefined) missing.python3 = 'python3 is not installed (it drives the pty tests)';

  // The full-disk tests fill a filesystem of their own: a user cannot mount one, so `npm test` (as root) does.
  let smallFs = process.env.BURROW_TEST_SMALL_FS || undefined;
  if (smallFs === undefined) missing.smallfs = 'no small filesystem to fill: `npm test` run as root mounts one (BURROW_TEST_SMALL_FS)';
  else {
    try {
      accessSync(smallFs, constants.W_OK);
    } catch (err) {
      missing.smallfs = `BURROW_TEST_SMALL_FS \`${smallFs}\` is not a directory this user can write: ${(err as Error).message}`;
      smallFs = undefined;
    }
  }

  // A client that is not local, for the published ports' source address: `npm test` as root makes it.
  let peer: Fixtures['peer'];
  const peerValue = process.env.BURROW_TEST_PEER;
  if (!peerValue) missing.peer = 'no client on another host: `npm test` run as root makes one (scripts/peer-netns.mjs, BURROW_TEST_PEER)';
  else {
    const [socket = '', hostAddress = '', address = ''] = peerValue.split(',');
    if (existsSync(socket)) peer = { socket, hostAddress, address };
    else missing.peer = `BURROW_TEST_PEER's agent socket \`${socket}\` does not exist`;
  }
  // A minimal Debian (debootstrap), for apt-get under --userns fakeroot: `npm test` as root makes it.
  const debian = process.env.BURROW_TEST_DEBIAN;
  if (!debian || !existsSync(debian)) missing.debian = 'no Debian image: `npm test` run as root makes one with debootstrap (BURROW_TEST_DEBIAN)';
  // The peer the seccomp filter is compared with, call by call.
  if (findProgram('podman') === undefined || findProgram('runc') === undefined) missing.podman = 'podman or runc is not installed (Debian: apt-get install podman runc)';
  for (const helper of ['pasta', 'slirp4netns'])
    if (findProgram(helper) === undefined) missing[helper] = `${helper} is not installed (Debian: apt-get install ${helper === 'pasta' ? 'passt' : helper})`;
  if (!missing.pasta) {
    try {
      accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
    } catch {
      missing.pasta = missing.slirp4netns = '/dev/net/tun cannot be opened by this user (a standard distro makes it 0666; `npm test` as root does)';
    }
  }

  const fixtures: Fixtures = {
    dir,
    rootfs,
    probe,
    escape,
    problem,
    missing,
    uid: me.uid,
    gid: me.gid,
    user: me.username,
    subuids: missing.subids ? [] : subuids,
    subgids: missing.subids ? [] : subgids,
    python3,
    smallFs,
    peer,
  };
  project.provide('fixtures', fixtures);
  return () => removeTree(dir);
}

/**
 * Removes the fixtures, also what containers left there as subordinate ids
 * (which this user may not delete itself): that part inside a user namespace
 * that maps them, as `podman unshare rm` would.
 */
function removeTree(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
    return;
  } catch {
    // files owned by subordinate ids; see below
  }
  const r = spawnSync('unshare', ['--user', '--map-root-user', '--map-auto', 'rm', '-rf', dir], { encoding: 'utf8' });
  if (r.status !== 0) process.stderr.write(`warning: could not remove the test fixtures in ${dir}: ${r.stderr}\n`);
}
