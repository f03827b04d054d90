/**
 * --security-opt, with podman's meaning, read into one structure; and the
 * masked and read-only paths a container gets from it (and --privileged).
 * Pure: nothing here reads the host.
 */
import { posix } from 'node:path';

import { UsageError } from '../errors.js';

/** podman's masked paths: nothing may be read there. */
export const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/fs/selinux',
  '/sys/dev/block',
];

/** podman's read-only paths. */
export const READONLY_PATHS = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export interface SecurityOpts {
  noNewPrivileges: boolean;
  /** mask=: more paths to mask, in the order given */
  mask: string[];
  /** unmask=: paths or patterns (`*`, `?`, `[...]` as Go's path.Match) taken off the masked and read-only lists; ALL: every one */
  unmask: string[];
  /** proc-opts=: the mount options of /proc (proc(5): hidepid=, subset=pid, gid=) */
  procOpts: string | undefined;
  /** label=...: accepted and kept for inspect; no SELinux here */
  label: string[];
  /** seccomp=: unconfined or a profile's path, the last one given (runtime/seccomp.ts chooses the filter) */
  seccomp: string | undefined;
}

/** The options proc(5) takes (a typo is refused here, not as EINVAL from mount(2) at the start). */
const PROC_OPTION = /^(hidepid=(0|1|2|4|off|noaccess|invisible|ptraceable)|subset=pid|gid=\d+)$/;

/** The value of a `KEY=VALUE` (or docker's `KEY:VALUE`) option, undefined for another key. */
export function securityOptValue(opt: string, key: string): string | undefined {
  return opt.startsWith(`${key}=`) || opt.startsWith(`${key}:`) ? opt.slice(key.length + 1) : undefined;
}

/** A colon-separated list of absolute paths (mask=, unmask=). */
function pathList(opt: string, value: string): string[] {
  const paths = value.split(':');
  // (podman logs and skips a relative one: refused here, so a typo is not a silent no-op)
  for (const p of paths) if (!p.startsWith('/')) throw new UsageError(`invalid security option \`${opt}\`: \`${p}\` is not an absolute path`);
  return paths;
}

/** --security-opt, each in turn (a later one wins where they differ); an unknown or malformed one is refused. */
export function parseSecurityOpts(opts: string[]): SecurityOpts {
  const out: SecurityOpts = { noNewPrivileges: false, mask: [], unmask: [], procOpts: undefined, label: [], seccomp: undefined };
  for (const opt of opts) {
    let value: string | undefined;
    if (opt === 'no-new-privileges' || opt === 'no-new-privileges=true' || opt === 'no-new-privileges:true') out.noNewPrivileges = true;
    else if (opt === 'no-new-privileges=false' || opt === 'no-new-privileges:false') out.noNewPrivileges = false;
    else if ((value = securityOptValue(opt, 'mask')) !== undefined) out.mask.push(...pathList(opt, value).map((p) => posix.normalize(p)));
    else if ((value = securityOptValue(opt, 'unmask')) !== undefined) out.unmask.push(...(value.toUpperCase() === 'ALL' ? ['ALL'] : pathList(opt, value)));
    else if ((value = securityOptValue(opt, 'proc-opts')) !== undefined) {
      const bad = value.split(',').find((o) => !PROC_OPTION.test(o));
      if (bad !== undefined) throw new UsageError(`invalid security option \`${opt}\`: \`${bad}\` is not a /proc mount option (hidepid=, subset=pid, gid=)`);
      out.procOpts = value;
    } else if ((value = securityOptValue(opt, 'label')) !== undefined) {
      // SELinux labels: there is no SELinux here, so a label changes nothing (as podman on such a host).
      if (!/^(disable|nested|user:.+|role:.+|type:.+|level:.+|filetype:.+)$/.test(value))
        throw new UsageError(`invalid security option \`${opt}\`: use label=disable, or label=user:|role:|type:|level:|filetype:VALUE`);
      out.label.push(value);
    } else if (opt === 'apparmor=unconfined' || opt === 'apparmor:unconfined') continue; // no AppArmor profile is applied anyway
    else if ((value = securityOptValue(opt, 'seccomp')) !== undefined) {
      if (value === '') throw new UsageError('--security-opt seccomp= needs a value: unconfined or the path of a profile');
      out.seccomp = value;
    }
    else throw new UsageError(`security option \`${opt}\` is not supported`);
  }
  return out;
}

/** Go's path.Match for one pattern and a path: `*` and `?` never match a slash. */
export function pathMatch(pattern: string, path: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return pattern === path;
      const body = pattern.slice(i + 1, end);
      re += `[${body.startsWith('^') ? `^/${body.slice(1)}` : body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  try {
    return new RegExp(`${re}$`).test(path);
  } catch {
    return pattern === path;
  }
}

/** The paths masked and made read-only: podman's, less what unmask= takes off (none at all with --privileged), plus mask=. */
export function protectedPaths(sec: SecurityOpts, privileged: boolean): { masked: string[]; readonly: string[] } {
  const all = privileged || sec.unmask.includes('ALL');
  const kept = (p: string): boolean => !all && !sec.unmask.some((pattern) => pathMatch(pattern, p));
  const masked = MASKED_PATHS.filter(kept);
  for (const p of sec.mask) if (!masked.includes(p)) masked.push(p);
  return { masked, readonly: READONLY_PATHS.filter(kept) };
}
