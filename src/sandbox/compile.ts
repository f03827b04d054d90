/**
 * A bwrap command line (args.ts) turned into the helper's plan: bwrap's
 * setup, step by step, in bwrap's order. The root is a fresh tmpfs
 * (sandbox-root: the host's tree under /oldroot while it is built), every
 * operation runs in the order given, then pivot-root, the hostname, the
 * loopback, the capabilities asked for (none by default, as bwrap), no_new_privs,
 * the seccomp programs, the working directory and the command (under a
 * reaper as PID 1 with a new pid namespace, unless --as-pid-1). Host paths
 * were resolved before (sources: realpath, as bwrap does before it starts);
 * this module reads nothing itself.
 */
import { posix } from 'node:path';

import { BP, MS, type Namespace, type Plan, type Step } from '../system/plan.js';
import type { Op, SandboxArgs } from './args.js';
import { NEW_LISTENER } from './audit.js';

/** Where bwrap (not setuid) mounts the tmpfs that becomes the root while the sandbox is built. */
export const SANDBOX_BASE = '/tmp';
/** The host's tree, once sandbox-root has run. */
const OLDROOT = '/oldroot';

/** What the compiler needs of the host, found by the caller (main.ts). */
export interface SandboxHost {
  uid: number;
  gid: number;
  /** the caller's working directory (bwrap goes there in the sandbox when it can) */
  cwd: string;
  /** each op's source, resolved: realpath, and whether it is a directory; absent: a -try source that does not exist */
  sources: Map<Op, { path: string; directory: boolean }>;
  /** each overlay's sources (as given, bottom first), upper and work dirs, resolved */
  overlays: Map<Op, { sources: string[]; upper?: string; work?: string }>;
  /** the terminal stdout is, when it is one (bwrap's /dev/console) */
  tty?: string;
  /** the BPF programs of --seccomp / --add-seccomp-fd, in order */
  seccomp: Buffer[];
  /** fds the command gets (the caller's, and --sync-fd) */
  inherit: number[];
  /** the kernel has cgroup namespaces (for --unshare-cgroup-try) */
  cgroupns: boolean;
  /** --net: the monitor's processes for the sandbox's network (pasta, slirp4netns), and a resolv.conf to bind over /etc's */
  net?: { processes: Step[]; resolv?: string };
  /** --audit: the log (absolute), and the filter that sends the monitor the calls it looks at (audit.ts) */
  audit?: { file: string; program: Buffer; calls: string[] };
  /** the Landlock ruleset, in this kernel's masks (landlock.ts); absent: none */
  landlock?: { fs: bigint; net: bigint; scoped: bigint; paths: { access: bigint; path: string }[]; ports: { access: bigint; port: number }[] };
}

/** A host path as the child sees it after sandbox-root. */
const host = (path: string): string => (path === '/' ? OLDROOT : `${OLDROOT}${path}`);

/** A path for overlayfs's options: `\`, `,` and `:` escaped. */
const overlayPath = (path: string): string => path.replace(/[\\,:]/g, (c) => `\\${c}`);

const BIND = MS.BIND | MS.REC | MS.NOSUID;

/** A tmpfs's options, with --file-label's SELinux context as bwrap gives it (label_mount). */
const tmpfsData = (data: string, label: string | undefined): string => (label === undefined ? data : `${data},context="${label}"`);

function opSteps(op: Op, sandbox: SandboxArgs, h: SandboxHost, index: number): Step[] {
  const mount = (source: string, target: string, fstype: string, flags: number, data = '', extra = 0n): Step => ({ kind: 'mount', source, target, fstype, flags, data, extra });
  switch (op.kind) {
    case 'bind': {
      const src = h.sources.get(op);
      if (!src) return []; // a -try source that does not exist
      const flags = BIND | (op.mode === 'dev' ? 0 : MS.NODEV);
      return [mount(host(src.path), op.dest, '', flags, '', (src.directory ? BP.MKDIR : BP.MKFILE) | (op.mode === 'ro' ? BP.RDONLY : 0n))];
    }
    case 'bind-fd': {
      const src = h.sources.get(op);
      return [mount(host(src?.path ?? `/proc/self/fd/${op.fd}`), op.dest, '', BIND | MS.NODEV, '', (src?.directory === false ? BP.MKFILE : BP.MKDIR) | (op.readonly ? BP.RDONLY : 0n))];
    }
    case 'remount-ro':
      return [{ kind: 'remount-ro', path: op.dest }];
    case 'overlay': {
      // overlayfs wants the lower layers top first; --overlay-src gives them bottom first.
      const paths = h.overlays.get(op) ?? { sources: op.sources, upper: op.upper, work: op.work };
      const lower = [...paths.sources].reverse().map((p) => overlayPath(host(p)));
      const steps: Step[] = [];
      let data = `lowerdir=${lower.join(':')}`;
      if (op.tmp) {
        const upper = `/tmp-overlay-upper-${index}`;
        const work = `/tmp-overlay-work-${index}`;
        steps.push({ kind: 'mkdir', path: upper, mode: 0o755, host: true }, { kind: 'mkdir', path: work, mode: 0o755, host: true });
        data = `upperdir=${upper},workdir=${work},${data}`;
      } else if (paths.upper !== undefined && paths.work !== undefined) {
        data = `upperdir=${overlayPath(host(paths.upper))},workdir=${overlayPath(host(paths.work))},${data}`;
      }
      steps.push(mount('overlay', op.dest, 'overlay', MS.NOSUID | MS.NODEV, `${data},userxattr`, BP.MKDIR));
      return steps;
    }
    case 'proc': {
      const own = sandbox.unsharePid || sandbox.pidns !== undefined;
      const steps: Step[] = [own ? mount('proc', op.dest, 'proc', MS.NOSUID | MS.NOEXEC | MS.NODEV, '', BP.MKDIR) : mount(host('/proc'), op.dest, '', MS.BIND | MS.NOSUID | MS.NODEV, '', BP.MKDIR)];
      // bwrap covers these read-only, where we could write them at all.
      for (const sub of ['sys', 'sysrq-trigger', 'irq', 'bus']) steps.push({ kind: 'readonly', path: posix.join(op.dest, sub), ifWritable: true });
      return steps;
    }
    case 'dev': {
      const at = (name: string): string => posix.join(op.dest, name);
      const steps: Step[] = [mount('tmpfs', op.dest, 'tmpfs', MS.NOSUID | MS.NODEV, tmpfsData('mode=0755', sandbox.fileLabel), BP.MKDIR)];
      for (const dev of ['null', 'zero', 'full', 'random', 'urandom', 'tty']) steps.push(mount(host(`/dev/${dev}`), at(dev), '', MS.BIND | MS.NOSUID, '', BP.MKFILE));
      steps.push(
        { kind: 'symlink', target: '/proc/self/fd/0', path: at('stdin') },
        { kind: 'symlink', target: '/proc/self/fd/1', path: at('stdout') },
        { kind: 'symlink', target: '/proc/self/fd/2', path: at('stderr') },
        { kind: 'symlink', target: '/proc/self/fd', path: at('fd') },
        { kind: 'symlink', target: '/proc/kcore', path: at('core') },
        { kind: 'mkdir', path: at('shm'), mode: 0o755 },
        { kind: 'mkdir', path: at('pts'), mode: 0o755 },
        mount('devpts', at('pts'), 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=620'),
        { kind: 'symlink', target: 'pts/ptmx', path: at('ptmx') },
      );
      if (h.tty) steps.push(mount(host(h.tty), at('console'), '', MS.BIND | MS.NOSUID, '', BP.MKFILE));
      return steps;
    }
    case 'tmpfs':
      return [mount('tmpfs', op.dest, 'tmpfs', MS.NOSUID | MS.NODEV, tmpfsData(`mode=0${op.perms.toString(8)}${op.size !== undefined ? `,size=${op.size}` : ''}`, sandbox.fileLabel), BP.MKDIR)];
    case 'mqueue':
      return [mount('mqueue', op.dest, 'mqueue', 0, '', BP.MKDIR)];
    case 'dir':
      return [{ kind: 'mkdir', path: op.dest, mode: op.perms }];
    case 'file':
      return [{ kind: 'write-fd', path: op.dest, mode: op.perms, fd: op.fd }];
    case 'bind-data': {
      // As bwrap's: the data in a file of the base (gone from view after pivot-root), bound onto DEST.
      const file = `/bind-data-${index}`;
      return [
        { kind: 'write-fd', path: file, mode: op.perms, fd: op.fd, host: true },
        mount(file, op.dest, '', MS.BIND | MS.NOSUID | MS.NODEV, '', BP.MKFILE | (op.readonly ? BP.RDONLY : 0n)),
      ];
    }
    case 'symlink':
      return [{ kind: 'symlink', target: op.target, path: op.dest }];
    case 'chmod':
      return [{ kind: 'chmod', path: op.dest, mode: op.perms }];
  }
}

/** The namespaces the sandbox gets new (user only when it makes its own). */
export function sandboxNamespaces(a: SandboxArgs, h: SandboxHost): Namespace[] {
  const ns: Namespace[] = [];
  if (usesOwnUserns(a, h.uid)) ns.push('user');
  ns.push('mount');
  // (with --pidns too: the sandbox's own, below the one given)
  if (a.unsharePid) ns.push('pid');
  if (a.unshareUts) ns.push('uts');
  if (a.unshareIpc) ns.push('ipc');
  if (a.unshareCgroup || (a.unshareCgroupTry && h.cgroupns)) ns.push('cgroup');
  if (a.unshareNet || a.net !== undefined) ns.push('net');
  return ns;
}

/** bwrap not setuid: a user namespace of its own unless --userns gives one (or root asks for none). */
export function usesOwnUserns(a: SandboxArgs, uid: number): boolean {
  return a.userns === undefined && (a.unshareUser || a.unshareUserTry || uid !== 0);
}

export function compileSandbox(a: SandboxArgs, h: SandboxHost): Plan {
  const uid = a.uid ?? h.uid;
  const gid = a.gid ?? h.gid;
  const ownUserns = usesOwnUserns(a, h.uid);
  const plan: Plan = [{ kind: 'namespaces', namespaces: sandboxNamespaces(a, h) }];
  if (a.userns !== undefined) plan.push({ kind: 'share', namespace: 'user', path: `/proc/self/fd/${a.userns}` });
  if (a.pidns !== undefined) plan.push({ kind: 'share', namespace: 'pid', path: `/proc/self/fd/${a.pidns}` });
  plan.push({ kind: 'bwrap' });
  if (a.dieWithParent) plan.push({ kind: 'die-with-parent' });
  if (a.infoFd !== undefined) plan.push({ kind: 'info-fd', fd: a.infoFd });
  if (a.jsonStatusFd !== undefined) plan.push({ kind: 'json-status-fd', fd: a.jsonStatusFd });
  if (h.inherit.length > 0) plan.push({ kind: 'inherit-fds', fds: h.inherit });
  // The maps: your own id as the sandbox's (setgroups denied, as a map of one id must), unless the caller writes them
  // (--userns-block-fd). As bwrap: a devpts (--dev) is mounted by root of the namespace (else its root is nobody's),
  // so then your id is root of a first namespace, and the sandbox's id is given back in a second one inside it.
  const devpts = a.ops.some((op) => op.kind === 'dev');
  const nsUid = devpts ? 0 : uid;
  const nsGid = devpts ? 0 : gid;
  const writeMaps = ownUserns && a.usernsBlockFd === undefined;
  if (writeMaps)
    plan.push(
      { kind: 'idmap-write', file: 'setgroups', content: 'deny' },
      { kind: 'idmap-write', file: 'uid_map', content: `${nsUid} ${h.uid} 1\n` },
      { kind: 'idmap-write', file: 'gid_map', content: `${nsGid} ${h.gid} 1\n` },
    );
  // --net: the helper comes up in the sandbox's network namespace once the ids are mapped.
  plan.push(...(h.net?.processes ?? []));
  if (a.usernsBlockFd !== undefined) plan.push({ kind: 'block-fd', fd: a.usernsBlockFd });
  // --file-label: what the sandbox's setup makes from here on is labelled (bwrap sets it as it reads the option).
  if (a.fileLabel !== undefined) plan.push({ kind: 'selinux-label', attr: 'fscreate', label: a.fileLabel });
  plan.push({ kind: 'sandbox-root', base: SANDBOX_BASE });
  a.ops.forEach((op, i) => plan.push(...opSteps(op, a, h, i)));
  // (the host's resolver on its loopback is out of reach from the sandbox's network: pasta's forwarder instead)
  if (h.net?.resolv) plan.push({ kind: 'mount', source: host(h.net.resolv), target: '/etc/resolv.conf', fstype: '', flags: MS.BIND | MS.NOSUID | MS.NODEV, extra: BP.RDONLY });
  for (const path of a.lockFiles) plan.push({ kind: 'lock-file', path });
  if (a.disableUserns) plan.push({ kind: 'disable-userns', file: host('/proc/sys/user/max_user_namespaces') });
  plan.push({ kind: 'pivot-root' });
  if (a.hostname !== undefined) plan.push({ kind: 'hostname', name: a.hostname });
  if (a.unshareNet || a.net !== undefined) plan.push({ kind: 'loopback' });
  if (a.newSession) plan.push({ kind: 'new-session' });
  // --userns2: once the root is in place (and the hostname, the loopback: the first namespace's), as bwrap.
  if (a.userns2 !== undefined) plan.push({ kind: 'userns2', path: `/proc/self/fd/${a.userns2}` });
  // The second namespace (and with --disable-userns, the one below the first, whose limit the first now holds).
  if (writeMaps && (nsUid !== uid || nsGid !== gid || a.disableUserns)) plan.push({ kind: 'nested-userns', uidMap: `${uid} ${nsUid} 1\n`, gidMap: `${gid} ${nsGid} 1\n` });
  // --userns: the ids asked for that are not yours, as bwrap switches (each only when it differs).
  if (a.userns !== undefined && ((a.uid !== undefined && a.uid !== h.uid) || (a.gid !== undefined && a.gid !== h.gid)))
    plan.push({ kind: 'user', uid: a.uid !== undefined && a.uid !== h.uid ? a.uid : 'keep', gid: a.gid !== undefined && a.gid !== h.gid ? a.gid : 'keep' });
  if (a.blockFd !== undefined) plan.push({ kind: 'block-fd', fd: a.blockFd });
  if (a.assertUsernsDisabled) plan.push({ kind: 'assert-userns-disabled' });
  plan.push(cwdStep(a, h));
  // None of them unless asked for (bwrap: --cap-add), in every set, ambient too, so that a user other than root keeps them.
  const caps = [...(a.caps ?? [])].reduce((m, c) => m | (1n << BigInt(c)), 0n);
  plan.push({ kind: 'caps', bounding: caps, permitted: caps, effective: caps, inheritable: caps, ambient: caps }, { kind: 'no-new-privs' });
  // Landlock after the mounts and the working directory: its path rules name what the sandbox sees.
  if (h.landlock && (h.landlock.fs | h.landlock.net | h.landlock.scoped) !== 0n) plan.push(...landlockSteps(h.landlock));
  plan.push(envStep(a), ...labelSteps(a), ...h.seccomp.map((program): Step => ({ kind: 'seccomp', program })));
  // --audit: last, so that the calls the other filters let through are the ones it sees.
  if (h.audit) plan.push({ kind: 'audit', file: h.audit.file, calls: h.audit.calls }, { kind: 'seccomp', program: h.audit.program, flags: NEW_LISTENER });
  if (a.unsharePid && !a.asPid1) plan.push({ kind: 'init' });
  return [...plan, execStep(a)];
}

/** --exec-label: the command's SELinux label, given before the seccomp filters (as bwrap's label_exec). */
export function labelSteps(a: SandboxArgs): Step[] {
  return a.execLabel === undefined ? [] : [{ kind: 'selinux-label', attr: 'exec', label: a.execLabel }];
}

/** The Landlock ruleset's steps: made, its rules, enforced. */
export function landlockSteps(l: { fs: bigint; net: bigint; scoped: bigint; paths: { access: bigint; path: string }[]; ports: { access: bigint; port: number }[] }): Step[] {
  return [
    { kind: 'landlock', fs: l.fs, net: l.net, scoped: l.scoped, flags: 0 },
    ...l.paths.map((p): Step => ({ kind: 'landlock-path', ...p })),
    ...l.ports.map((p): Step => ({ kind: 'landlock-port', ...p })),
    { kind: 'landlock-restrict' },
  ];
}

/** bwrap's working directory: --chdir, else where the caller was, else $HOME, else / (cwd-try; PWD names it). */
export function cwdStep(a: SandboxArgs, h: SandboxHost): Step {
  if (a.chdir !== undefined) return { kind: 'cwd', path: posix.resolve('/', a.chdir) };
  const home = a.env.get('HOME');
  return { kind: 'cwd-try', paths: [h.cwd, ...(home?.startsWith('/') ? [home] : [])] };
}

/** The command's environment: the caller's as the options changed it, PWD the --chdir. */
export function envStep(a: SandboxArgs): Step {
  const env = new Map(a.env);
  if (a.chdir !== undefined) env.set('PWD', posix.resolve('/', a.chdir));
  return { kind: 'env', env: [...env].map(([k, v]) => `${k}=${v}`) };
}

/** The command, its argv[0] --argv0's. */
export function execStep(a: SandboxArgs): Step {
  const [file, ...rest] = a.command as [string, ...string[]];
  return { kind: 'exec', file, argv: [a.argv0 ?? file, ...rest] };
}
