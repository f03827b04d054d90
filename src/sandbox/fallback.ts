/**
 * The sandbox where user namespaces are refused (Ubuntu's AppArmor
 * restriction, a hardened kernel, a container whose seccomp denies them):
 * no namespaces at all, only what Landlock and seccomp can still enforce
 * (as landrun and Sandlock do). bwrap's operations become Landlock rules
 * where they can (a path bound at its own place keeps its rights: read and
 * execute for --ro-bind, everything for --bind; nothing else is reachable),
 * --unshare-pid and --unshare-ipc scope signals and abstract unix sockets,
 * --unshare-net cuts TCP off; the rest cannot be had, and the note says which.
 * The helper runs this plan instead of the sandbox's when the kernel refuses
 * the new user namespace (the `fallback` record).
 */
import { existsSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';

import { readTextIfAny } from '../system/files.js';
import type { Plan, Step } from '../system/plan.js';
import type { SandboxArgs } from './args.js';
import { cwdStep, envStep, execStep, labelSteps, landlockSteps, type SandboxHost } from './compile.js';
import { type LandlockRules, landlockMasks, type PathAccess } from './landlock.js';

/** What the link at `path` on the host points to; undefined when there is none. */
function linkAt(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** The devices bwrap's --dev gives, reachable where they exist. */
const DEV = ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'ptmx', 'shm'];

/** The Landlock rules standing in for bwrap's operations, and what has no stand-in. */
export function fallbackRules(a: SandboxArgs, h: SandboxHost): { rules: LandlockRules; lost: string[] } {
  const rules: LandlockRules = { paths: [...a.landlock.paths], ports: [...a.landlock.ports], scope: a.landlock.scope };
  const lost: string[] = [];
  const grant = (path: string, access: PathAccess): void => {
    if (existsSync(path)) rules.paths.push({ access, path });
  };
  for (const op of a.ops) {
    const dest = 'dest' in op ? posix.resolve('/', op.dest) : '';
    switch (op.kind) {
      case 'bind': {
        const src = h.sources.get(op);
        if (!src) break; // a -try source that is not there
        if (src.path === dest) grant(dest, op.mode === 'ro' ? 'rx' : 'rw');
        else lost.push(`${op.mode === 'ro' ? '--ro-bind' : op.mode === 'dev' ? '--dev-bind' : '--bind'} ${op.source} ${op.dest} (a path shown at another place)`);
        break;
      }
      case 'remount-ro': {
        const rule = rules.paths.find((r) => r.path === dest);
        if (rule) rule.access = 'rx';
        else lost.push(`--remount-ro ${op.dest}`);
        break;
      }
      case 'proc':
        if (dest === '/proc') grant('/proc', 'rw');
        else lost.push(`--proc ${op.dest}`);
        break;
      case 'dev':
        if (dest === '/dev') for (const d of DEV) grant(`/dev/${d}`, 'rw');
        else lost.push(`--dev ${op.dest}`);
        break;
      case 'tmpfs':
        lost.push(`a private ${op.dest} (--tmpfs)`);
        break;
      case 'symlink':
        // The host has the same link there (a merged /usr's /bin): nothing is lost.
        if (linkAt(dest) !== op.target) lost.push(`--symlink ${op.target} ${op.dest}`);
        break;
      default:
        lost.push(`--${op.kind === 'bind-fd' ? (op.readonly ? 'ro-bind-fd' : 'bind-fd') : op.kind === 'bind-data' ? (op.readonly ? 'ro-bind-data' : 'bind-data') : op.kind === 'overlay' ? 'overlay' : op.kind} ${'dest' in op ? op.dest : ''}`.trim());
    }
  }
  // What the namespaces would have separated, as far as Landlock's scopes and TCP rules go.
  if (a.unsharePid || a.unshareIpc) rules.scope = true;
  if (a.unsharePid) lost.push('a pid namespace (the host\'s processes are seen; signals to them are refused)');
  if (a.unshareIpc) lost.push('an ipc namespace (System V IPC and message queues are the host\'s; abstract unix sockets are refused)');
  if (a.unshareNet && a.net === undefined) lost.push('a network namespace (only TCP is cut off)');
  if (a.net !== undefined) lost.push(`--net ${a.net} (the host's network is used)`);
  if (a.unshareUts || a.hostname !== undefined) lost.push('a uts namespace (--hostname)');
  if (a.unshareCgroup) lost.push('a cgroup namespace');
  if (a.uid !== undefined || a.gid !== undefined) lost.push('--uid and --gid');
  if (a.caps && a.caps.size > 0) lost.push('--cap-add');
  if (a.lockFiles.length > 0) lost.push('--lock-file');
  if (a.audit !== undefined) lost.push('--audit (nothing is logged)');
  return { rules, lost };
}

/**
 * Whether the kernel might refuse this process a user namespace: only then
 * is the fallback plan prepared (compiling and handing it over costs about
 * 0.7 ms of every start, measured). It might wherever something could say
 * no: inside a container or another sandbox (a user namespace below the
 * host's: its maker's seccomp filter or user-namespace limit is not seen
 * from in here), under a seccomp filter of this process's own (a systemd
 * unit's RestrictNamespaces=), with no user namespaces allowed
 * (user.max_user_namespaces 0, Debian's kernel.unprivileged_userns_clone
 * 0), under Ubuntu's AppArmor restriction, or with SELinux enforcing (its
 * policy may deny user_namespace create); a file that cannot be read counts
 * as a maybe. On the host of an ordinary desktop: no. Were the kernel to
 * refuse all the same, the sandbox fails as bwrap does, with the reason.
 */
export function usernsMayBeRefused(read: (path: string) => string | undefined = readTextIfAny, link: (path: string) => string | undefined = linkAt): boolean {
  // The host's own user namespace: the kernel gives it a fixed inode number (PROC_USER_INIT_INO).
  if (link('/proc/self/ns/user') !== `user:[${0xeffffffd}]`) return true;
  if (read('/proc/self/status')?.match(/^Seccomp:\s*(\d+)$/m)?.[1] !== '0') return true;
  if (!(Number(read('/proc/sys/user/max_user_namespaces')) > 0)) return true;
  if (read('/proc/sys/kernel/unprivileged_userns_clone')?.trim() === '0') return true;
  if (read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns')?.trim() === '1') return true;
  return read('/sys/fs/selinux/enforce')?.trim() === '1';
}

/**
 * The plan without namespaces, and the note the helper says when it runs
 * it: which rules are not enforced. `abi`: the kernel's Landlock ABI.
 */
export function compileFallback(a: SandboxArgs, h: SandboxHost, abi: number): { plan: Plan; note: string } {
  const { rules, lost } = fallbackRules(a, h);
  // Nothing not bound is reachable, as in bwrap's empty root; --unshare-net: no TCP port either.
  const masks = landlockMasks(rules, abi);
  let fs = masks.fs;
  if (fs === 0n && abi > 0) fs = landlockMasks({ paths: [{ access: 'rw', path: '/' }], ports: [], scope: false }, abi).fs;
  let net = masks.net;
  if (a.unshareNet && a.net === undefined && abi >= 4) net = 3n;
  if (masks.unenforced) lost.push(masks.unenforced.replace(/^this kernel's /, ''));
  const plan: Plan = [{ kind: 'bwrap' }];
  if (a.dieWithParent) plan.push({ kind: 'die-with-parent' });
  if (a.infoFd !== undefined) plan.push({ kind: 'info-fd', fd: a.infoFd });
  if (a.jsonStatusFd !== undefined) plan.push({ kind: 'json-status-fd', fd: a.jsonStatusFd });
  if (h.inherit.length > 0) plan.push({ kind: 'inherit-fds', fds: h.inherit });
  if (a.newSession) plan.push({ kind: 'new-session' });
  if (a.blockFd !== undefined) plan.push({ kind: 'block-fd', fd: a.blockFd });
  plan.push(cwdStep(a, h), { kind: 'no-new-privs' });
  if (abi > 0) plan.push(...landlockSteps({ ...masks, fs, net }));
  plan.push(envStep(a), ...labelSteps(a), ...h.seccomp.map((program): Step => ({ kind: 'seccomp', program })), execStep(a));
  const note = `Warning: user namespaces are refused here: the sandbox has Landlock and seccomp only (no namespaces)${abi === 0 ? ', and this kernel has no Landlock: nothing but seccomp and no_new_privs holds it' : ''}; not enforced: ${lost.length > 0 ? lost.join('; ') : 'nothing else'}`;
  return { plan, note };
}
