#!/usr/bin/env node
// `npm test`: build, typecheck, lint, then the vitest suite, always as an
// unprivileged user (rootless is the point: the suite never runs as root).
//
//   as a normal user:  vitest run [ARGS...] in this checkout
//   as root:           prepare the user `burrow-test` (subordinate ids, /dev
//                      modes a standard distro has), copy the checkout to a
//                      directory it owns, mount a small tmpfs it owns (for the
//                      full-disk tests: BURROW_TEST_SMALL_FS), make the network
//                      tests' other host (BURROW_TEST_PEER), run vitest there
//                      as that user (projects unit and integration), then the
//                      project nosubids as `burrow-nosubids`, a user made
//                      with no subordinate ids at all, then unmount and
//                      remove both
//
// Before vitest, the helper's plan parser is fuzzed briefly under libFuzzer
// (scripts/fuzz.mjs --only plan, FUZZ_PLAN_SECONDS, 25 by default): clang is
// a test-only tool that users never need, so scripts/install.sh leaves it
// out; in CI (CI=true, as root) this script installs FUZZ_PACKAGES itself,
// elsewhere a missing clang skips that step with a note. A run narrowed by
// vitest arguments skips it outside CI. The fast-check targets run inside
// vitest (test/unit/fuzz/).
//
// Extra arguments go to vitest: `npm test -- test/unit`.
import { spawnSync, spawn } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_USER = 'burrow-test';
/** A second user, with no subordinate ids at all, for the tests of that case (test/nosubids). */
const NOSUBIDS_USER = 'burrow-nosubids';
const SUBID_COUNT = 65536;
const args = process.argv.slice(2);

function fail(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

/** Runs a step with its output on ours; a failure ends the run. */
function step(title, command, argv, options = {}) {
  process.stderr.write(`\n== ${title}: ${command} ${argv.join(' ')}\n`);
  const r = spawnSync(command, argv, { cwd: root, stdio: 'inherit', ...options });
  if (r.error) fail(`${title}: ${r.error.message}`);
  if (r.status !== 0) fail(`${title} failed (exit ${r.status ?? `signal ${r.signal}`})`);
}

function capture(command, argv) {
  const r = spawnSync(command, argv, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Ranges already given out in /etc/subuid or /etc/subgid. */
function readRanges(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim().split(':'))
    .filter((f) => f.length === 3 && /^\d+$/.test(f[1]) && /^\d+$/.test(f[2]))
    .map(([owner, start, count]) => ({ owner, start: Number(start), count: Number(count) }));
}

/** Gives the user a range in FILE unless it has one; the start lies past every range given out so far. */
function ensureSubids(file, user, uid) {
  const ranges = readRanges(file);
  if (ranges.some((r) => (r.owner === user || r.owner === String(uid)) && r.count > 0)) return;
  const end = Math.max(0, ...ranges.map((r) => r.start + r.count));
  const start = Math.max(100000, Math.ceil(end / SUBID_COUNT) * SUBID_COUNT);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const line = `${user}:${start}:${SUBID_COUNT}\n`;
  appendFileSync(file, text === '' || text.endsWith('\n') ? line : `\n${line}`);
  process.stderr.write(`added ${user}:${start}:${SUBID_COUNT} to ${file}\n`);
}

/** Creates the test user if needed and gives it what a rootless user has on a standard distro. */
function prepareUser() {
  if (capture('id', ['-u', TEST_USER]) === undefined) step('create the test user', 'useradd', ['-m', '-s', '/bin/sh', TEST_USER]);
  const uid = Number(capture('id', ['-u', TEST_USER]));
  const gid = Number(capture('id', ['-g', TEST_USER]));
  if (!(uid >= 1000)) fail(`user ${TEST_USER} has uid ${uid}: the tests need an ordinary user (uid 1000 or more)`);
  const home = capture('getent', ['passwd', TEST_USER])?.split(':')[5] || `/home/${TEST_USER}`;
  if (!existsSync(home)) step('create its home', 'install', ['-d', '-o', String(uid), '-g', String(gid), '-m', '0755', home]);
  ensureSubids('/etc/subuid', TEST_USER, uid);
  ensureSubids('/etc/subgid', TEST_USER, uid);
  // Standard distros make these world-usable; fuse-overlayfs and pasta need them.
  for (const dev of ['/dev/fuse', '/dev/net/tun']) if (existsSync(dev)) chmodSync(dev, 0o666);
  return { uid, gid, home };
}

/**
 * Creates the user without subordinate ids if needed (useradd would give it
 * a range: SUB_UID_COUNT=0 stops it), and takes out any line that gives it
 * one after all: the user is the suite's own.
 */
function prepareNosubidsUser() {
  if (capture('id', ['-u', NOSUBIDS_USER]) === undefined)
    step('create the user without subordinate ids', 'useradd', ['-m', '-s', '/bin/sh', '-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0', NOSUBIDS_USER]);
  const uid = capture('id', ['-u', NOSUBIDS_USER]);
  const home = capture('getent', ['passwd', NOSUBIDS_USER])?.split(':')[5] || `/home/${NOSUBIDS_USER}`;
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const kept = text.split('\n').filter((line) => ![NOSUBIDS_USER, uid].includes(line.split(':')[0]));
    if (kept.join('\n') === text) continue;
    writeFileSync(file, kept.join('\n'));
    process.stderr.write(`removed ${NOSUBIDS_USER}'s range from ${file}\n`);
  }
  return { home };
}

/** Fills `dir` with a copy of the checkout the test user owns (it may not even reach this one, e.g. under /root). */
function copyCheckout(dir, uid, gid) {
  for (const entry of readdirSync(root)) {
    if (entry === '.git') continue;
    const r = spawnSync('cp', ['-a', join(root, entry), dir], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`copy ${entry} to ${dir} failed`);
  }
  const r = spawnSync('chown', ['-R', `${uid}:${gid}`, dir], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`chown ${dir} failed`);
  chmodSync(dir, 0o755);
}

/** Size of the filesystem the full-disk tests fill: room for a busybox image and a few containers. */
const SMALL_FS_SIZE = '48m';

/** A tmpfs of SMALL_FS_SIZE owned by the test user (a user cannot mount one itself); undefined where mounting fails. */
function mountSmallFs(uid, gid) {
  const dir = mkdtempSync('/var/tmp/burrow-test-smallfs-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${SMALL_FS_SIZE},mode=0700,uid=${uid},gid=${gid}`, 'burrow-test-smallfs', dir], { encoding: 'utf8' });
  if (r.status === 0) return dir;
  process.stderr.write(`note: no small tmpfs for the full-disk tests (mount: ${(r.stderr || r.error?.message || '').trim()}); they will skip\n`);
  rmSync(dir, { recursive: true, force: true });
  return undefined;
}

function unmountSmallFs(dir) {
  if (dir === undefined) return;
  spawnSync('umount', ['--lazy', dir], { stdio: 'inherit' });
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The network tests' client on another host (scripts/peer-netns.mjs): a
 * network namespace of root's, joined to the host by a veth pair, with an
 * agent in it the test user talks to. Undefined where it cannot be made.
 */
function startPeer(uid, gid) {
  const dir = mkdtempSync('/tmp/burrow-peer-');
  spawnSync('chown', [`${uid}:${gid}`, dir]);
  const r = spawnSync(process.execPath, [join(root, 'scripts/peer-netns.mjs'), 'up', TEST_USER, dir], { encoding: 'utf8' });
  if (r.status === 0) return { dir, value: r.stdout.trim() };
  process.stderr.write(`note: no peer network namespace for the network tests (${(r.stderr || r.error?.message || '').trim()}); they will skip\n`);
  rmSync(dir, { recursive: true, force: true });
  return undefined;
}

function stopPeer(peer) {
  if (peer === undefined) return;
  spawnSync(process.execPath, [join(root, 'scripts/peer-netns.mjs'), 'down', peer.dir], { stdio: 'inherit' });
  rmSync(peer.dir, { recursive: true, force: true });
}

/**
 * A minimal Debian root filesystem (debootstrap --variant=minbase, with dnf
 * and rpm for the dnf tests, since no Fedora image can be had here; about 250 MB
 * once docs and apt's caches are gone) as a tar anyone may read, for apt-get
 * and dnf under --userns fakeroot and without subordinate ids: made once and
 * kept in /var/cache/burrow-test (about two minutes); undefined where
 * debootstrap is missing or fails.
 */
function debianImage() {
  const cache = '/var/cache/burrow-test/debian-bookworm-minbase-dnf.tar';
  if (existsSync(cache)) return cache;
  if (capture('sh', ['-c', 'command -v debootstrap']) === undefined) {
    process.stderr.write('note: no debootstrap: the apt-get and dnf tests will skip (Debian: apt-get install debootstrap)\n');
    return undefined;
  }
  const dir = mkdtempSync('/var/tmp/burrow-debootstrap-');
  try {
    process.stderr.write('\n== a minimal Debian for the apt-get and dnf tests: debootstrap --variant=minbase --include=dnf,rpm bookworm\n');
    const r = spawnSync('debootstrap', ['--variant=minbase', '--include=dnf,rpm', 'bookworm', join(dir, 'root'), 'http://deb.debian.org/debian'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 900_000 });
    if (r.status !== 0) {
      process.stderr.write(`note: debootstrap failed, the apt-get and dnf tests will skip: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}\n`);
      return undefined;
    }
    // (and its device nodes: an image has none, a rootless container binds its own)
    for (const d of ['usr/share/doc', 'usr/share/man', 'usr/share/locale', 'var/lib/apt/lists', 'var/cache/apt', 'dev']) rmSync(join(dir, 'root', d), { recursive: true, force: true });
    spawnSync('mkdir', ['-p', '/var/cache/burrow-test', join(dir, 'root', 'dev'), join(dir, 'root', 'var/lib/apt/lists/partial'), join(dir, 'root', 'var/cache/apt/archives/partial')]);
    const tar = spawnSync('tar', ['-C', join(dir, 'root'), '-cf', `${cache}.tmp`, '.'], { stdio: 'inherit' });
    if (tar.status !== 0) return undefined;
    chmodSync(`${cache}.tmp`, 0o644);
    spawnSync('mv', [`${cache}.tmp`, cache]);
    return cache;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs vitest as `user` in `dir` with `vitestArgs`, streaming its output; resolves with its exit code. */
function runAsUser(user, vitestArgs, dir, home, smallFs, peer, debian) {
  const env = { ...process.env, HOME: home, USER: user, LOGNAME: user };
  if (smallFs !== undefined) env.BURROW_TEST_SMALL_FS = smallFs;
  if (peer !== undefined) env.BURROW_TEST_PEER = peer.value;
  if (debian !== undefined) env.BURROW_TEST_DEBIAN = debian;
  delete env.XDG_RUNTIME_DIR; // burrow falls back to /tmp/burrow-run-UID
  const child = spawn('runuser', ['-u', user, '--', 'npx', 'vitest', 'run', ...vitestArgs], { cwd: dir, env, stdio: 'inherit' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('close', () => {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  });
  return new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`Error: runuser: ${err.message}\n`);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? 128 + (constants.signals[signal] ?? 0)));
  });
}

/** Debian packages for the plan fuzzer alone (clang-14's libFuzzer runtime is a package of its own). */
const FUZZ_PACKAGES = ['clang', 'libclang-rt-14-dev'];
const FUZZ_PLAN_SECONDS = Number(process.env.FUZZ_PLAN_SECONDS) || 25;
const inCI = process.env.CI === 'true';

/** In CI as root: installs FUZZ_PACKAGES when missing (CI's machine comes from the project's own files). */
function installFuzzPackages() {
  const missing = FUZZ_PACKAGES.filter((p) => capture('dpkg-query', ['-W', '-f=${Status}', p]) !== 'install ok installed');
  if (missing.length === 0) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  step('apt-get update (for the plan fuzzer)', 'apt-get', ['update', '-q'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  step('install the plan fuzzer\'s compiler', 'apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Fuzzes the helper's plan parser for FUZZ_PLAN_SECONDS (in CI a missing clang is an error, elsewhere a note); true when clean. */
function fuzzPlan(prefix, cwd) {
  if (args.length > 0 && !inCI) return true;
  const fuzzArgs = [join(cwd, 'scripts/fuzz.mjs'), '--seconds', String(FUZZ_PLAN_SECONDS), '--only', 'plan', ...(inCI ? ['--require-clang'] : [])];
  const [command, ...argv] = [...prefix, process.execPath, ...fuzzArgs];
  process.stderr.write(`\n== fuzz the plan parser: ${command} ${argv.join(' ')}\n`);
  const r = spawnSync(command, argv, { cwd, stdio: 'inherit' });
  if (r.status === 0) return true;
  process.stderr.write(`Error: fuzzing the plan parser failed (exit ${r.status ?? `signal ${r.signal}`}${r.error ? `: ${r.error.message}` : ''}); the tests run on\n`);
  return false;
}

step('build', process.execPath, [join(root, 'scripts/build.mjs')]);
step('typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']);
step('lint', 'npx', ['eslint', '.']);

if (process.getuid?.() === 0) {
  if (inCI) installFuzzPackages();
  const { uid, gid, home } = prepareUser();
  const dir = mkdtempSync('/var/tmp/burrow-test-');
  const smallFs = mountSmallFs(uid, gid);
  const peer = startPeer(uid, gid);
  let code = 1;
  try {
    copyCheckout(dir, uid, gid);
    const fuzzed = fuzzPlan(['runuser', '-u', TEST_USER, '--'], dir);
    const debian = debianImage();
    process.stderr.write(`\n== tests as ${TEST_USER} (uid ${uid}) in ${dir}\n`);
    // (the nosubids project is for a user without subordinate ids: the second run below)
    const main = args.length > 0 ? args : ['--project', 'unit', '--project', 'integration'];
    code = await runAsUser(TEST_USER, main, dir, home, smallFs, peer, debian);
    if (args.length === 0) {
      const nosubids = prepareNosubidsUser();
      process.stderr.write(`\n== tests as ${NOSUBIDS_USER}, a user without subordinate ids, in ${dir}\n`);
      const second = await runAsUser(NOSUBIDS_USER, ['--project', 'nosubids'], dir, nosubids.home, undefined, undefined, debian);
      if (code === 0) code = second;
    }
    if (!fuzzed && code === 0) code = 1;
  } catch (err) {
    process.stderr.write(`Error: ${err.message}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    unmountSmallFs(smallFs);
    stopPeer(peer);
  }
  process.exit(code);
} else {
  const fuzzed = fuzzPlan([], root);
  process.stderr.write('\n== tests\n');
  const r = spawnSync('npx', ['vitest', 'run', ...args], { cwd: root, stdio: 'inherit' });
  process.exit(r.status === 0 && !fuzzed ? 1 : (r.status ?? 1));
}
