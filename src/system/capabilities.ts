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

/** The container's capability set from podman's defaults and --cap-add/--cap-drop, applied in that order. */
export function capabilitySet(add: string[], drop: string[], base: readonly string[] = DEFAULT_CAPABILITIES): Set<string> {
  const set = new Set(base);
  const adds = add.map(capabilityName);
  const drops = drop.map(capabilityName);
  if (drops.includes('ALL')) set.clear();
  else for (const cap of drops) set.delete(cap);
  if (adds.includes('ALL')) for (const cap of CAPABILITIES) set.add(cap);
  else for (const cap of adds) set.add(cap);
  // An explicit add wins over a drop of ALL, and an explicit drop over an add of ALL, as in podman.
  if (adds.includes('ALL')) for (const cap of drops) if (cap !== 'ALL') set.delete(cap);
  return set;
}

export function capabilityMask(caps: Iterable<string>): bigint {
  let mask = 0n;
  for (const cap of caps) mask |= 1n << BigInt(CAPABILITIES.indexOf(cap));
  return mask;
}
