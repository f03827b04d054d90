import { UsageError } from '../errors.js';

/** Linux capability numbers (linux/capability.h), without the CAP_ prefix. */
export const CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP',
  'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER',
  'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP',
  'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF',
  'CHECKPOINT_RESTORE',
];

/** podman's default set (containers.conf default_capabilities). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP',
  'SETUID', 'SYS_CHROOT',
];

/** Normalises `cap_net_admin`, `NET_ADMIN`, `CAP_NET_ADMIN` to `NET_ADMIN`; `ALL` stays `ALL`. */
export function capabilityName(input: string): string {
  const name = input.toUpperCase().replace(/^CAP_/, '');
  if (name !== 'ALL' && !CAPABILITIES.includes(name)) throw new UsageError(`unknown capability \`${input}\``);
  return name;
}

/** The names of --cap-add or --cap-drop values: each may hold a comma-separated list (podman's string slice). */
function capabilityNames(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).filter((v) => v !== '').map(capabilityName);
}

/**
 * The container's capabilities from podman's defaults and --cap-add/--cap-drop,
 * as podman merges them (containers/common MergeCapabilities): a drop of ALL
 * leaves only the adds; an add of ALL starts from every capability, less the
 * drops; a capability both added and dropped, or ALL both, is refused. `added`:
 * what --cap-add named (every capability for ALL), which podman also gives a
 * container user other than root.
 */
export function capabilitySet(add: string[], drop: string[], base: readonly string[] = DEFAULT_CAPABILITIES): Set<string> {
  return capabilities(add, drop, base).set;
}

export function capabilities(add: string[], drop: string[], base: readonly string[] = DEFAULT_CAPABILITIES): { set: Set<string>; added: Set<string> } {
  const adds = capabilityNames(add);
  const drops = capabilityNames(drop);
  const added = new Set(adds.includes('ALL') ? CAPABILITIES : adds);
  if (drops.includes('ALL')) {
    if (adds.includes('ALL')) throw new UsageError('--cap-add ALL and --cap-drop ALL cannot be given together');
    return { set: new Set(adds), added };
  }
  for (const cap of adds) if (drops.includes(cap)) throw new UsageError(`capability \`${cap}\` cannot be both added and dropped`);
  const set = new Set(adds.includes('ALL') ? CAPABILITIES : [...base, ...adds]);
  for (const cap of drops) set.delete(cap);
  return { set, added };
}

export function capabilityMask(caps: Iterable<string>): bigint {
  let mask = 0n;
  for (const cap of caps) mask |= 1n << BigInt(CAPABILITIES.indexOf(cap));
  return mask;
}
