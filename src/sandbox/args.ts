/**
 * bubblewrap's command line (up to 0.11), parsed as bwrap parses it: options
 * in order, each setup operation kept in the order given (they run in that
 * order: a --tmpfs then a --bind inside it), `--perms` and `--size` bound to
 * the next operation, `--overlay-src` to the next overlay, `--args FD` read
 * in place (NUL-separated, not nested), the environment changed as the
 * options come (--setenv, --unsetenv, --clearenv), the first word that is
 * not an option the command. Errors are bwrap's, word for word, since
 * scripts read them: a SandboxUsageError prints `bwrap: MESSAGE` and exits 1.
 */
import { closeSync, readSync } from 'node:fs';

import { CAPABILITIES } from '../system/capabilities.js';
import { type LandlockRules, noRules } from './landlock.js';

/** A bwrap error: `bwrap: MESSAGE` on stderr, exit status 1 (or the usage, for `usage`). */
export class SandboxUsageError extends Error {
  /** print the usage on stderr instead of a message */
  readonly usage: boolean;
  constructor(message: string, usage = false) {
    super(message);
    this.usage = usage;
  }
}

/** An error of burrow's own options (beyond bwrap's): `Error: MESSAGE`, exit status 125, as burrow's other commands. */
export class SandboxOptionError extends Error {}

/** One setup operation, in the order given (bwrap's SetupOp). Paths as given (DEST inside the sandbox). */
export type Op =
  /** --bind, --ro-bind, --dev-bind and their -try forms */
  | { kind: 'bind'; source: string; dest: string; mode: 'rw' | 'ro' | 'dev'; try: boolean }
  /** --bind-fd, --ro-bind-fd: what FD (a directory or O_PATH fd) names */
  | { kind: 'bind-fd'; fd: number; dest: string; readonly: boolean }
  | { kind: 'remount-ro'; dest: string }
  /** --overlay (upper and work given), --tmp-overlay (tmp), --ro-overlay (neither); sources bottom to top, as given */
  | { kind: 'overlay'; sources: string[]; dest: string; upper?: string; work?: string; tmp?: boolean }
  | { kind: 'proc'; dest: string }
  | { kind: 'dev'; dest: string }
  | { kind: 'tmpfs'; dest: string; perms: number; size?: number }
  | { kind: 'mqueue'; dest: string }
  | { kind: 'dir'; dest: string; perms: number }
  | { kind: 'file'; fd: number; dest: string; perms: number }
  | { kind: 'bind-data'; fd: number; dest: string; perms: number; readonly: boolean }
  | { kind: 'symlink'; target: string; dest: string }
  | { kind: 'chmod'; dest: string; perms: number };

export interface SandboxArgs {
  ops: Op[];
  unshareUser: boolean;
  unshareUserTry: boolean;
  unshareIpc: boolean;
  unsharePid: boolean;
  unshareNet: boolean;
  unshareUts: boolean;
  unshareCgroup: boolean;
  unshareCgroupTry: boolean;
  userns?: number;
  userns2?: number;
  pidns?: number;
  disableUserns: boolean;
  assertUsernsDisabled: boolean;
  uid?: number;
  gid?: number;
  hostname?: string;
  chdir?: string;
  /** the command's environment: the caller's, changed by --setenv, --unsetenv and --clearenv in order */
  env: Map<string, string>;
  lockFiles: string[];
  syncFd?: number;
  blockFd?: number;
  usernsBlockFd?: number;
  infoFd?: number;
  jsonStatusFd?: number;
  /** --seccomp (one) or --add-seccomp-fd (several): the fds holding BPF programs */
  seccompFds: number[];
  newSession: boolean;
  dieWithParent: boolean;
  asPid1: boolean;
  /** --cap-add/--cap-drop given: the capability numbers asked for; undefined: none given */
  caps?: Set<number>;
  argv0?: string;
  levelPrefix: boolean;
  execLabel?: string;
  fileLabel?: string;
  /** the fds named by the options (read, waited on, or kept by the sandbox itself) */
  namedFds: Set<number>;
  /** warnings to print (bwrap's "Only the last ... option will take effect") */
  warnings: string[];
  /** burrow's --landlock-* options: Landlock's rules, enforced inside the sandbox */
  landlock: LandlockRules;
  /** burrow's --audit FILE: the learning mode's log (sandbox/audit.ts) */
  audit?: string;
  /** burrow's --net pasta[:OPTIONS]|slirp4netns[:OPTIONS]: a network namespace of its own with a way out through that helper */
  net?: string;
  /** --require-userns: where user namespaces are refused, fail (as bwrap) instead of falling back to Landlock and seccomp alone */
  requireUserns: boolean;
  /** --help or --version: what to print on stdout, and exit 0 */
  print?: 'help' | 'version';
  command: string[];
}

/** bwrap's limit on the arguments, --args data included. */
const MAX_ARGS = 9000;
/** bwrap's largest --size (MAX_TMPFS_BYTES: SIZE_MAX >> 1 on 64 bits). */
const MAX_TMPFS_BYTES = Number.MAX_SAFE_INTEGER;

/** An fd argument as bwrap reads one (strtol base 10, whole, not negative). */
function fdArg(value: string): number {
  if (!/^[+-]?\d+$/.test(value) || Number(value) < 0) throw new SandboxUsageError(`Invalid fd: ${value}`);
  return Number(value);
}

/** An id as bwrap's --uid/--gid read it. */
function idArg(value: string, what: 'uid' | 'gid'): number {
  if (!/^[+-]?\d+$/.test(value) || Number(value) < 0 || Number(value) > 0x7fffffff) throw new SandboxUsageError(`Invalid ${what}: ${value}`);
  return Number(value);
}

/** An octal mode of at most 07777 (strtoul base 8, whole). */
function octalArg(value: string, message: string): number {
  if (!/^[0-7]+$/.test(value) || Number.parseInt(value, 8) > 0o7777) throw new SandboxUsageError(message);
  return Number.parseInt(value, 8);
}

/** A capability as libcap's cap_from_name takes it: its name (any case, with or without CAP_) or its number. */
function capArg(value: string): number {
  if (/^\d+$/.test(value) && Number(value) < CAPABILITIES.length) return Number(value);
  const i = CAPABILITIES.indexOf(value.toUpperCase().replace(/^CAP_/, ''));
  if (i < 0) throw new SandboxUsageError(`unknown cap: ${value}`);
  return i;
}

/** Reads an fd to its end and closes it, as bwrap does with --args and --seccomp data; `what` names it in the error. */
export function readWholeFd(fd: number, what: string): Buffer {
  const chunks: Buffer[] = [];
  const buf = Buffer.allocUnsafe(65536);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      throw new SandboxUsageError(`Can't read ${what}: ${describeErrno(code)}`);
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  closeSync(fd);
  return Buffer.concat(chunks);
}

/** strerror's words for the codes bwrap's messages show. */
export function describeErrno(code: string | undefined): string {
  const words: Record<string, string> = {
    EBADF: 'Bad file descriptor',
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    ENOTDIR: 'Not a directory',
    ELOOP: 'Too many levels of symbolic links',
    EISDIR: 'Is a directory',
    EPERM: 'Operation not permitted',
    EINVAL: 'Invalid argument',
    ENAMETOOLONG: 'File name too long',
  };
  return (code && words[code]) ?? code ?? 'Unknown error';
}

/** How many values each option with values takes. */
const ARITY: Record<string, number> = {
  '--args': 1, '--argv0': 1, '--chdir': 1, '--remount-ro': 1, '--bind': 2, '--bind-try': 2, '--ro-bind': 2, '--ro-bind-try': 2,
  '--dev-bind': 2, '--dev-bind-try': 2, '--bind-fd': 2, '--ro-bind-fd': 2, '--overlay-src': 1, '--overlay': 3, '--tmp-overlay': 1,
  '--ro-overlay': 1, '--proc': 1, '--exec-label': 1, '--file-label': 1, '--dev': 1, '--tmpfs': 1, '--mqueue': 1, '--dir': 1,
  '--file': 2, '--bind-data': 2, '--ro-bind-data': 2, '--symlink': 2, '--lock-file': 1, '--sync-fd': 1, '--block-fd': 1,
  '--userns-block-fd': 1, '--info-fd': 1, '--json-status-fd': 1, '--seccomp': 1, '--add-seccomp-fd': 1, '--userns': 1,
  '--userns2': 1, '--pidns': 1, '--setenv': 2, '--unsetenv': 1, '--uid': 1, '--gid': 1, '--hostname': 1, '--cap-add': 1,
  '--cap-drop': 1, '--perms': 1, '--size': 1, '--chmod': 2,
  // burrow's own
  '--landlock-ro': 1, '--landlock-rx': 1, '--landlock-rw': 1, '--landlock-bind-tcp': 1, '--landlock-connect-tcp': 1, '--profile': 1, '--net': 1, '--audit': 1,
};

/** The options (each with its values) before the command, and the command; nothing read. */
export function splitOptions(argv: string[]): { options: string[][]; command: string[]; separator: boolean } {
  const options: string[][] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] as string;
    if (arg === '--') return { options, command: argv.slice(i + 1), separator: true };
    if (!arg.startsWith('-')) break;
    const n = 1 + (ARITY[arg] ?? 0);
    options.push(argv.slice(i, i + n));
    i += n;
  }
  return { options, command: argv.slice(i), separator: false };
}

/** burrow's own options, which bwrap does not have. */
export const BURROW_OPTIONS = ['--landlock-ro', '--landlock-rx', '--landlock-rw', '--landlock-bind-tcp', '--landlock-connect-tcp', '--landlock-scope', '--require-userns', '--net', '--audit'];

/**
 * burrow's --profile NAME and --print, taken out of the options (before the
 * command) without reading anything: the profile's options go first, the
 * rest after them. undefined fields: not given.
 */
export function splitProfile(argv: string[]): { profile?: string; print: boolean; rest: string[] } {
  const { options, command, separator } = splitOptions(argv);
  const rest: string[] = [];
  let profile: string | undefined;
  let print = false;
  for (const option of options) {
    if (option[0] === '--profile') {
      if (option.length < 2) throw new SandboxOptionError('--profile needs a profile name');
      if (profile !== undefined) throw new SandboxOptionError('--profile given twice');
      profile = option[1];
    } else if (option[0] === '--print') print = true;
    else rest.push(...option);
  }
  rest.push(...(separator ? ['--'] : []), ...command);
  return { ...(profile !== undefined ? { profile } : {}), print, rest };
}

/** A TCP port for a Landlock rule. */
function portArg(option: string, value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new SandboxOptionError(`${option}: \`${value}\` is not a TCP port (0 to 65535)`);
  return Number(value);
}

/** bwrap's wording for an option missing its values. */
function missing(option: string): SandboxUsageError {
  const n = ARITY[option] ?? 1;
  // (bwrap's own words differ by option: "takes one argument" for a few, "--bind-fd" for both fd binds)
  const one = ['--argv0', '--chdir', '--remount-ro'].includes(option) ? 'takes one argument' : 'takes an argument';
  const name = option === '--ro-bind-fd' ? '--bind-fd' : option;
  return new SandboxUsageError(`${name} ${n === 1 ? one : n === 2 ? 'takes two arguments' : 'takes three arguments'}`);
}

/**
 * Parses bwrap's arguments (argv without the program's name); `env` is the
 * caller's environment, `open` the fds the caller gave (an fd number of
 * Node's own is not one: --args reads only these).
 */
export function parseSandboxArgs(argv: string[], env: NodeJS.ProcessEnv, open?: ReadonlySet<number>): SandboxArgs {
  const a: SandboxArgs = {
    ops: [],
    unshareUser: false,
    unshareUserTry: false,
    unshareIpc: false,
    unsharePid: false,
    unshareNet: false,
    unshareUts: false,
    unshareCgroup: false,
    unshareCgroupTry: false,
    disableUserns: false,
    assertUsernsDisabled: false,
    env: new Map(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    lockFiles: [],
    seccompFds: [],
    newSession: false,
    dieWithParent: false,
    asPid1: false,
    levelPrefix: false,
    namedFds: new Set(),
    warnings: [],
    landlock: noRules(),
    requireUserns: false,
    command: [],
  };
  if (argv.length === 0) throw new SandboxUsageError('', true);
  let total = argv.length;
  if (total > MAX_ARGS) throw new SandboxUsageError(`Exceeded maximum number of arguments ${MAX_ARGS}`);
  let perms: number | undefined;
  let size: number | undefined;
  let overlaySources: string[] = [];
  let seccompSingle = false;
  const only = (option: string, given: boolean): void => {
    if (given) a.warnings.push(`Only the last ${option} option will take effect`);
  };

  /** Parses the options of `args`; returns the index of the command's first word (args.length: none). */
  const parse = (args: string[], inFile: boolean): number => {
    let i = 0;
    while (i < args.length) {
      const arg = args[i] as string;
      const need = ARITY[arg] ?? 0;
      if (need > 0 && i + need >= args.length) throw missing(arg);
      const v = (k: number): string => args[i + k] as string;
      switch (arg) {
        case '--help':
          a.print ??= 'help';
          return args.length;
        case '--version':
          a.print ??= 'version';
          return args.length;
        case '--args': {
          if (inFile) throw new SandboxUsageError('--args not supported in arguments file');
          const fd = fdArg(v(1));
          a.namedFds.add(fd);
          if (open && !open.has(fd)) throw new SandboxUsageError(`Can't read --args data: ${describeErrno('EBADF')}`);
          const data = readWholeFd(fd, '--args data');
          const words = data.length === 0 ? [] : data.toString('utf8').replace(/\0$/, '').split('\0');
          total += words.length;
          if (total > MAX_ARGS) throw new SandboxUsageError(`Exceeded maximum number of arguments ${MAX_ARGS}`);
          // As bwrap: the data holds options only; a word that is not one ends what is read of it.
          parse(words, true);
          break;
        }
        case '--argv0':
          if (a.argv0 !== undefined) throw new SandboxUsageError('--argv0 used multiple times');
          a.argv0 = v(1);
          break;
        case '--level-prefix':
          a.levelPrefix = true;
          break;
        case '--unshare-all':
          a.unshareUserTry = a.unshareIpc = a.unsharePid = a.unshareUts = a.unshareCgroupTry = a.unshareNet = true;
          break;
        case '--unshare-user':
          a.unshareUser = true;
          break;
        case '--unshare-user-try':
          a.unshareUserTry = true;
          break;
        case '--unshare-ipc':
          a.unshareIpc = true;
          break;
        case '--unshare-pid':
          a.unsharePid = true;
          break;
        case '--unshare-net':
          a.unshareNet = true;
          break;
        case '--unshare-uts':
          a.unshareUts = true;
          break;
        case '--unshare-cgroup':
          a.unshareCgroup = true;
          break;
        case '--unshare-cgroup-try':
          a.unshareCgroupTry = true;
          break;
        case '--share-net':
          a.unshareNet = false;
          break;
        case '--chdir':
          only('--chdir', a.chdir !== undefined);
          a.chdir = v(1);
          break;
        case '--disable-userns':
          a.disableUserns = true;
          break;
        case '--assert-userns-disabled':
          a.assertUsernsDisabled = true;
          break;
        case '--remount-ro':
          a.ops.push({ kind: 'remount-ro', dest: v(1) });
          break;
        case '--bind':
        case '--bind-try':
        case '--ro-bind':
        case '--ro-bind-try':
        case '--dev-bind':
        case '--dev-bind-try':
          a.ops.push({ kind: 'bind', source: v(1), dest: v(2), mode: arg.startsWith('--ro') ? 'ro' : arg.startsWith('--dev') ? 'dev' : 'rw', try: arg.endsWith('-try') });
          break;
        case '--bind-fd':
        case '--ro-bind-fd': {
          const fd = fdArg(v(1));
          a.namedFds.add(fd);
          a.ops.push({ kind: 'bind-fd', fd, dest: v(2), readonly: arg === '--ro-bind-fd' });
          break;
        }
        case '--overlay-src':
          overlaySources.push(v(1));
          break;
        case '--overlay':
          if (overlaySources.length < 1) throw new SandboxUsageError('--overlay requires at least one --overlay-src');
          a.ops.push({ kind: 'overlay', sources: overlaySources, upper: v(1), work: v(2), dest: v(3) });
          overlaySources = [];
          break;
        case '--tmp-overlay':
          if (overlaySources.length < 1) throw new SandboxUsageError('--tmp-overlay requires at least one --overlay-src');
          a.ops.push({ kind: 'overlay', sources: overlaySources, dest: v(1), tmp: true });
          overlaySources = [];
          break;
        case '--ro-overlay':
          if (overlaySources.length < 2) throw new SandboxUsageError('--ro-overlay requires at least two --overlay-src');
          a.ops.push({ kind: 'overlay', sources: overlaySources, dest: v(1) });
          overlaySources = [];
          break;
        case '--proc':
          a.ops.push({ kind: 'proc', dest: v(1) });
          break;
        case '--dev':
          a.ops.push({ kind: 'dev', dest: v(1) });
          break;
        case '--exec-label':
          only('--exec-label', a.execLabel !== undefined);
          a.execLabel = v(1);
          break;
        case '--file-label':
          only('--file-label', a.fileLabel !== undefined);
          a.fileLabel = v(1);
          break;
        case '--tmpfs':
          a.ops.push({ kind: 'tmpfs', dest: v(1), perms: perms ?? 0o755, ...(size !== undefined ? { size } : {}) });
          perms = size = undefined;
          break;
        case '--mqueue':
          a.ops.push({ kind: 'mqueue', dest: v(1) });
          break;
        case '--dir':
          a.ops.push({ kind: 'dir', dest: v(1), perms: perms ?? 0o755 });
          perms = undefined;
          break;
        case '--file': {
          const fd = fdArg(v(1));
          a.namedFds.add(fd);
          a.ops.push({ kind: 'file', fd, dest: v(2), perms: perms ?? 0o666 });
          perms = undefined;
          break;
        }
        case '--bind-data':
        case '--ro-bind-data': {
          const fd = fdArg(v(1));
          a.namedFds.add(fd);
          a.ops.push({ kind: 'bind-data', fd, dest: v(2), perms: perms ?? 0o600, readonly: arg === '--ro-bind-data' });
          perms = undefined;
          break;
        }
        case '--symlink':
          a.ops.push({ kind: 'symlink', target: v(1), dest: v(2) });
          break;
        case '--lock-file':
          a.lockFiles.push(v(1));
          break;
        case '--sync-fd':
        case '--block-fd':
        case '--userns-block-fd':
        case '--info-fd':
        case '--json-status-fd':
        case '--userns':
        case '--userns2':
        case '--pidns': {
          const key = ({ '--sync-fd': 'syncFd', '--block-fd': 'blockFd', '--userns-block-fd': 'usernsBlockFd', '--info-fd': 'infoFd', '--json-status-fd': 'jsonStatusFd', '--userns': 'userns', '--userns2': 'userns2', '--pidns': 'pidns' } as const)[arg];
          only(arg, a[key] !== undefined);
          const fd = fdArg(v(1));
          a.namedFds.add(fd);
          a[key] = fd;
          break;
        }
        case '--seccomp':
          if (a.seccompFds.length > 0 && !seccompSingle) throw new SandboxUsageError('--seccomp cannot be combined with --add-seccomp-fd');
          only('--seccomp', seccompSingle);
          a.seccompFds = [fdArg(v(1))];
          a.namedFds.add(a.seccompFds[0] as number);
          seccompSingle = true;
          break;
        case '--add-seccomp-fd': {
          if (seccompSingle) throw new SandboxUsageError('--add-seccomp-fd cannot be combined with --seccomp');
          const fd = fdArg(v(1));
          a.namedFds.add(fd);
          a.seccompFds.push(fd);
          break;
        }
        case '--clearenv':
          a.env.clear();
          break;
        case '--setenv':
          a.env.set(v(1), v(2));
          break;
        case '--unsetenv':
          a.env.delete(v(1));
          break;
        case '--uid':
          only('--uid', a.uid !== undefined);
          a.uid = idArg(v(1), 'uid');
          break;
        case '--gid':
          only('--gid', a.gid !== undefined);
          a.gid = idArg(v(1), 'gid');
          break;
        case '--hostname':
          only('--hostname', a.hostname !== undefined);
          a.hostname = v(1);
          break;
        case '--new-session':
          a.newSession = true;
          break;
        case '--die-with-parent':
          a.dieWithParent = true;
          break;
        case '--as-pid-1':
          a.asPid1 = true;
          break;
        case '--cap-add':
        case '--cap-drop': {
          a.caps ??= new Set();
          const all = v(1).toUpperCase() === 'ALL';
          if (arg === '--cap-add') {
            if (all) for (let c = 0; c < 64; c++) a.caps.add(c);
            else a.caps.add(capArg(v(1)));
          } else if (all) a.caps.clear();
          else a.caps.delete(capArg(v(1)));
          break;
        }
        case '--perms':
          if (perms !== undefined) throw new SandboxUsageError('--perms given twice for the same action');
          perms = octalArg(v(1), '--perms takes an octal argument <= 07777');
          break;
        case '--size': {
          if (size !== undefined) throw new SandboxUsageError('--size given twice for the same action');
          // strtoull base 0: hexadecimal after 0x, octal after 0, decimal otherwise; a digit first.
          const t = v(1);
          const n = /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^0[0-7]*$/.test(t) ? Number.parseInt(t, 8) : /^[1-9]\d*$/.test(t) ? Number(t) : Number.NaN;
          if (!Number.isFinite(n) || n === 0) throw new SandboxUsageError('--size takes a non-zero number of bytes');
          if (n > MAX_TMPFS_BYTES) throw new SandboxUsageError(`--size (for tmpfs) is limited to ${MAX_TMPFS_BYTES}`);
          size = n;
          break;
        }
        case '--chmod':
          a.ops.push({ kind: 'chmod', perms: octalArg(v(1), '--chmod takes an octal argument <= 07777'), dest: v(2) });
          break;
        case '--landlock-ro':
        case '--landlock-rx':
        case '--landlock-rw':
          if (!v(1).startsWith('/')) throw new SandboxOptionError(`${arg}: \`${v(1)}\` is not an absolute path (a path inside the sandbox)`);
          a.landlock.paths.push({ access: arg.slice(-2) as 'ro' | 'rx' | 'rw', path: v(1) });
          break;
        case '--landlock-bind-tcp':
        case '--landlock-connect-tcp':
          a.landlock.ports.push({ access: arg === '--landlock-bind-tcp' ? 'bind' : 'connect', port: portArg(arg, v(1)) });
          break;
        case '--landlock-scope':
          a.landlock.scope = true;
          break;
        case '--require-userns':
          a.requireUserns = true;
          break;
        case '--audit':
          if (v(1) === '') throw new SandboxOptionError('--audit needs the file to write to');
          a.audit = v(1);
          break;
        case '--net':
          if (!/^(pasta|slirp4netns)(:|$)/.test(v(1))) throw new SandboxOptionError(`--net: \`${v(1)}\` is not a user-mode network: use pasta[:OPTIONS] or slirp4netns[:OPTIONS] (bwrap's --unshare-net has none, --share-net the host's)`);
          a.net = v(1);
          break;
        case '--':
          return i + 1;
        default:
          if (arg.startsWith('-')) throw new SandboxUsageError(`Unknown option ${arg}`);
          return i;
      }
      // A --perms or --size not taken by this option was not meant for it.
      if (arg !== '--perms' && arg !== '--size') {
        if (perms !== undefined) throw new SandboxUsageError('--perms must be followed by an option that creates a file');
        if (size !== undefined) throw new SandboxUsageError('--size must be followed by --tmpfs');
      }
      if (arg !== '--overlay-src' && overlaySources.length > 0)
        throw new SandboxUsageError('--overlay-src must be followed by another --overlay-src or one of --overlay, --tmp-overlay, or --ro-overlay');
      i += need + 1;
    }
    return args.length;
  };

  const at = parse(argv, false);
  if (a.print) return a;
  if (overlaySources.length > 0) throw new SandboxUsageError('--overlay-src must be followed by another --overlay-src or one of --overlay, --tmp-overlay, or --ro-overlay');
  a.command = argv.slice(at);
  if (a.command.length === 0) throw new SandboxUsageError('', true);
  return a;
}
