/**
 * dist/sandbox.cjs (an entry, as fast.ts): `burrow sandbox ARGS...`, and burrow started under the
 * name `bwrap` (bin/burrow.cjs sends both here before anything else loads).
 * bwrap's command line (args.ts) is checked as bwrap checks it, the host
 * facts the plan needs are found (sources resolved, fds read), the plan
 * compiled (compile.ts), and this process replaced by the helper, which
 * builds the sandbox and stays as its monitor, as bwrap does. Errors are
 * bwrap's: `bwrap: MESSAGE`, exit status 1.
 */
import { closeSync, fstatSync, openSync, readFileSync, readlinkSync, realpathSync, statSync, writeSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

import { helperPath } from './config/install.js';
import { BurrowError } from './errors.js';
import { CAPABILITIES } from './system/capabilities.js';
import { execve, fdFlags, landlockAbi, memfd } from './system/libc.js';
import { encodePlan } from './system/plan.js';
import { BURROW_OPTIONS, type Op, parseSandboxArgs, readWholeFd, SandboxOptionError, SandboxUsageError, describeErrno, type SandboxArgs, splitOptions, splitProfile } from './sandbox/args.js';
import { shellWord } from './sandbox/shell.js';
import { compileFallback, usernsMayBeRefused } from './sandbox/fallback.js';
import { hasRules, landlockMasks } from './sandbox/landlock.js';
import { compileSandbox, type SandboxHost, usesOwnUserns } from './sandbox/compile.js';
import { auditFilter } from './sandbox/audit.js';
import { callerFds } from './sandbox/fds.js';
import { SANDBOX_USAGE } from './sandbox/usage.js';
import { decodeName, fsPath, wholeArgv } from './system/names.js';

/** sandbox-extras.ts, loaded for the lines that need it (from the whole CLI's bundle: dist/sandbox.cjs stays small). */
export type SandboxExtras = typeof import('./sandbox-extras.js');

/** What `--version` prints: the bubblewrap release whose command line this one follows. */
export const BWRAP_VERSION = 'bubblewrap 0.11.0';

/** bwrap's checks of the options together, after parsing (its main()). */
function checkCombinations(a: SandboxArgs, uid: number, gid: number): void {
  const no = (message: string): never => {
    throw new SandboxUsageError(message);
  };
  if (a.usernsBlockFd !== undefined && !a.unshareUser) no('--userns-block-fd requires --unshare-user');
  if (a.usernsBlockFd !== undefined && a.infoFd === undefined) no('--userns-block-fd requires --info-fd');
  if (a.userns !== undefined && a.unshareUser) no('--userns not compatible --unshare-user');
  if (a.userns !== undefined && a.unshareUserTry) no('--userns not compatible --unshare-user-try');
  if (a.disableUserns && !a.unshareUser) no('--disable-userns requires --unshare-user');
  if (a.disableUserns && a.usernsBlockFd !== undefined) no('--disable-userns is not compatible with  --userns-block-fd');
  const ownUserns = usesOwnUserns(a, uid);
  if (!ownUserns && a.userns === undefined && a.uid !== undefined && a.uid !== uid) no('Specifying --uid requires --unshare-user or --userns');
  if (!ownUserns && a.userns === undefined && a.gid !== undefined && a.gid !== gid) no('Specifying --gid requires --unshare-user or --userns');
  if (!a.unshareUts && a.hostname !== undefined) no('Specifying --hostname requires --unshare-uts');
  if (a.asPid1 && !a.unsharePid) no('Specifying --as-pid-1 requires --unshare-pid');
  if (a.asPid1 && a.lockFiles.length > 0) no('Specifying --as-pid-1 and --lock-file is not permitted');
}

/** The fds the caller gave (callerFds): an fd number not among them may be one of Node's own. */
let given: ReadonlySet<number> = new Set();

/** An fd given on the command line must be one the caller gave (else the helper could take its number for one of its own). */
function checkOpen(fd: number, option: string): void {
  if (!given.has(fd)) throw new SandboxUsageError(`${option} ${fd}: ${describeErrno('EBADF')}`);
}

/** realpath of a source, as bwrap resolves them before it starts; undefined: missing and allowed to be. */
function resolveSource(path: string, allowMissing: boolean, cwd: string): { path: string; directory: boolean } | undefined {
  try {
    // (as bytes: a path that is not UTF-8 is kept, system/names.ts)
    const real = decodeName(realpathSync.native(fsPath(isAbsolute(path) ? path : resolve(cwd, path)), { encoding: 'buffer' }));
    return { path: real, directory: statSync(fsPath(real)).isDirectory() };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (allowMissing && code === 'ENOENT') return undefined;
    throw new SandboxUsageError(`Can't find source path ${path}: ${describeErrno(code)}`);
  }
}

/** The host facts of a parsed command line: resolved sources, seccomp programs, the fds the command gets. */
function hostFacts(a: SandboxArgs, inherited: number[]): SandboxHost {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const cwd = process.cwd();
  const sources = new Map<Op, { path: string; directory: boolean }>();
  const overlays = new Map<Op, { sources: string[]; upper?: string; work?: string }>();
  for (const op of a.ops) {
    if (op.kind === 'bind') {
      const src = resolveSource(op.source, op.try, cwd);
      if (src) sources.set(op, src);
    } else if (op.kind === 'bind-fd') {
      checkOpen(op.fd, op.readonly ? '--ro-bind-fd' : '--bind-fd');
      // What the fd names, by its path (as bwrap resolves it): a mount namespace of the sandbox's own cannot bind the fd itself.
      sources.set(op, { path: realpathSync.native(`/proc/self/fd/${op.fd}`), directory: fstatSync(op.fd).isDirectory() });
    } else if (op.kind === 'overlay') {
      const real = (p: string): string => (resolveSource(p, false, cwd) as { path: string }).path;
      overlays.set(op, { sources: op.sources.map(real), ...(op.upper !== undefined ? { upper: real(op.upper) } : {}), ...(op.work !== undefined ? { work: real(op.work) } : {}) });
    } else if (op.kind === 'file' || op.kind === 'bind-data') {
      checkOpen(op.fd, op.kind === 'file' ? '--file' : op.readonly ? '--ro-bind-data' : '--bind-data');
    }
  }
  for (const [fd, option] of [
    [a.infoFd, '--info-fd'],
    [a.jsonStatusFd, '--json-status-fd'],
    [a.blockFd, '--block-fd'],
    [a.usernsBlockFd, '--userns-block-fd'],
    [a.syncFd, '--sync-fd'],
    [a.userns, '--userns'],
    [a.pidns, '--pidns'],
    [a.userns2, '--userns2'],
  ] as const)
    if (fd !== undefined) checkOpen(fd, option);
  const seccomp = a.seccompFds.map((fd) => {
    checkOpen(fd, '--seccomp');
    const program = readWholeFd(fd, 'seccomp data');
    if (program.length === 0 || program.length % 8 !== 0) throw new SandboxUsageError('Invalid seccomp data, must be multiple of 8');
    if (program.length / 8 > 4096) throw new SandboxUsageError('Invalid seccomp data: more than 4096 instructions');
    return program;
  });
  // (looked up only for the lines that use them: this is every sandbox's start)
  let tty: string | undefined;
  if (a.ops.some((op) => op.kind === 'dev'))
    try {
      const link = readlinkSync('/proc/self/fd/1');
      if (/^\/dev\/(pts\/\d+|tty\w*|console)$/.test(link)) tty = link;
    } catch {
      // no stdout
    }
  // What the caller passed on is the command's too (bwrap passes every fd), but those bwrap's options use itself
  // (--sync-fd's stays open in the monitor, as in bwrap's, which lives as long as the sandbox: not the command's).
  const inherit = inherited.filter((fd) => !a.namedFds.has(fd));
  let cgroupns = true;
  if (a.unshareCgroupTry && !a.unshareCgroup)
    try {
      statSync('/proc/self/ns/cgroup');
    } catch {
      cgroupns = false;
    }
  return { uid, gid, cwd, sources, overlays, ...(tty ? { tty } : {}), seccomp, inherit, cgroupns };
}

/** --print: the command line as bwrap takes it; burrow's own options, which bwrap has not, on a line of their own. */
function printLine(argv: string[]): void {
  const { options, command } = splitOptions(argv);
  const own = options.filter((o) => BURROW_OPTIONS.includes(o[0] as string));
  const theirs = options.filter((o) => !BURROW_OPTIONS.includes(o[0] as string));
  writeSync(1, `${['bwrap', ...theirs.flat(), ...(command.length > 0 ? ['--', ...command] : [])].map(shellWord).join(' ')}\n`);
  if (own.length > 0) writeSync(1, `# and burrow's own, which bwrap has not: ${own.flat().map(shellWord).join(' ')}\n`);
}

/** Prints bwrap's message for an error (its usage for a bare or command-less line): exit status 1. */
function report(err: unknown, levelPrefix: boolean, name: string): number {
  // (a BurrowError of the extras comes from the other bundle's class: known by its name)
  if (err instanceof SandboxOptionError || err instanceof BurrowError || (err instanceof Error && err.name === 'BurrowError')) {
    writeSync(2, `Error: ${err.message}\n`);
    return 125;
  }
  if (err instanceof SandboxUsageError) {
    if (err.usage) writeSync(2, SANDBOX_USAGE(name));
    else writeSync(2, `${levelPrefix ? '<3>' : ''}bwrap: ${err.message}\n`);
    return 1;
  }
  writeSync(2, `${levelPrefix ? '<3>' : ''}bwrap: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}

/**
 * Runs bwrap's command line `argv` (the words after `sandbox`, or after
 * `bwrap`); `name` is what usage calls the program. Returns only when the
 * sandbox could not start (its exit status); the helper takes over otherwise.
 */
export async function sandbox(argv: string[], name: string, extras: () => Promise<SandboxExtras>): Promise<number> {
  // First, before anything of ours opens an fd: which fds the caller gave us (koffi's own are close-on-exec).
  const inherited = callerFds(fdFlags);
  given = new Set([0, 1, 2, ...inherited]);
  argv = wholeArgv(argv);
  let levelPrefix = argv.includes('--level-prefix');
  try {
    // --profile NAME: its options first, the command line's after them (they add to it, and win).
    const split = splitProfile(argv);
    if (split.profile !== undefined || split.print) {
      const withProfile = split.profile === undefined ? { argv: split.rest, fds: [], notes: [] } : (await extras()).withProfile(split.profile, split.rest, split.print);
      // (the fds the profile added, the D-Bus proxy's, are the sandbox's to keep)
      for (const fd of withProfile.fds) {
        inherited.push(fd);
        given = new Set([...given, fd]);
      }
      const expanded = withProfile.argv;
      if (split.print) {
        printLine(expanded);
        for (const note of withProfile.notes) writeSync(1, `${note}\n`);
        return 0;
      }
      argv = expanded;
    }
    const a = parseSandboxArgs(argv, process.env, given);
    levelPrefix = a.levelPrefix;
    if (a.print === 'help') {
      writeSync(1, SANDBOX_USAGE(name));
      return 0;
    }
    if (a.print === 'version') {
      writeSync(1, `${BWRAP_VERSION}\n`);
      return 0;
    }
    for (const w of a.warnings) writeSync(2, `${levelPrefix ? '<4>' : ''}bwrap: ${w}\n`);
    const uid = process.getuid?.() ?? 0;
    checkCombinations(a, uid, process.getgid?.() ?? 0);
    // SELinux labels: bwrap's words where the system has none; each label checked by the kernel, as bwrap does.
    if (a.execLabel !== undefined || a.fileLabel !== undefined) {
      if (!selinuxEnabled()) throw new SandboxUsageError('labeling not supported on this system');
      for (const label of [a.execLabel, a.fileLabel]) if (label !== undefined) checkLabel(label);
    }
    // --cap-add ALL: every capability this kernel has (bwrap's capset takes what the kernel knows).
    if (a.caps) {
      const last = lastCapability();
      for (const c of a.caps) if (c > last) a.caps.delete(c);
    }
    const host = hostFacts(a, inherited);
    // The plan for a kernel that refuses the user namespace, only where one might (unless --require-userns).
    const fallback = !a.requireUserns && usernsMayBeRefused();
    const abi = hasRules(a.landlock) || fallback ? landlockAbi() : 0;
    if (hasRules(a.landlock)) {
      const masks = landlockMasks(a.landlock, abi);
      if (masks.unenforced) writeSync(2, `Warning: ${masks.unenforced}\n`);
      host.landlock = masks;
    }
    if (a.net !== undefined) host.net = (await extras()).sandboxNetwork(a);
    if (a.audit !== undefined) {
      const filter = auditFilter();
      if (!filter) throw new SandboxOptionError(`--audit: burrow knows no system call table for this architecture (${process.arch})`);
      host.audit = { file: resolve(a.audit), ...filter };
    }
    const plan = compileSandbox(a, host);
    // Where the kernel refuses user namespaces, the helper runs this one instead.
    const keep: number[] = [];
    if (fallback) {
      const other = compileFallback(a, host, abi);
      const fd = memfd('burrow-plan-fallback', encodePlan(other.plan));
      keep.push(fd);
      plan.push({ kind: 'fallback', plan: `/proc/self/fd/${fd}`, note: other.note });
    }
    const fd = memfd('burrow-plan', encodePlan(plan));
    // The fds the helper's records name, and the command's: Node marked the low ones close-on-exec.
    keep.push(fd, ...host.inherit, ...[...a.namedFds].filter((n) => !a.seccompFds.includes(n)));
    const helper = helperPath();
    const errno = execve(helper, [helper, 'run', `/proc/self/fd/${fd}`], process.env, keep);
    closeSync(fd);
    throw new SandboxUsageError(`exec helper ${helper}: errno ${errno} (run \`npm install\` in the burrow checkout to build it)`);
  } catch (err) {
    return report(err, levelPrefix, name);
  }
}

/** The kernel's highest capability number (/proc/sys/kernel/cap_last_cap), or the highest burrow knows. */
function lastCapability(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
  } catch {
    return CAPABILITIES.length - 1;
  }
}

/** bwrap's die_unless_label_valid: the label written to selinuxfs's context file (security_check_context), else its error. */
function checkLabel(label: string): void {
  try {
    const fd = openSync('/sys/fs/selinux/context', 'r+');
    try {
      writeSync(fd, `${label}\0`);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new SandboxUsageError(`invalid label ${label}: ${describeErrno((err as NodeJS.ErrnoException).code)}`);
  }
}

/** SELinux is on (its labels would matter): its filesystem is mounted and enforcing or permissive. */
function selinuxEnabled(): boolean {
  try {
    readFileSync('/sys/fs/selinux/enforce');
    return true;
  } catch {
    return false;
  }
}
