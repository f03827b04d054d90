/**
 * --sysctl NAME=VALUE: only the kernel parameters of a namespace the
 * container has for itself, as podman allows them (its man page's lists);
 * the helper writes each into the container's /proc/sys before the command.
 */
import { UsageError } from '../errors.js';
import type { SysctlSpec } from './compile.js';

/** The IPC namespace's parameters, by name; fs.mqueue.* too. */
const IPC = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/** Which of its namespaces the container has for itself (none shared with the host or another container). */
export interface OwnNamespaces {
  net: boolean;
  ipc: boolean;
  uts: boolean;
}

/** The namespace a parameter belongs to, or undefined for one no container namespace owns. */
function namespaceOf(name: string): keyof OwnNamespaces | undefined {
  if (name.startsWith('net.')) return 'net';
  if (IPC.has(name) || name.startsWith('fs.mqueue.')) return 'ipc';
  if (name === 'kernel.domainname') return 'uts';
  return undefined;
}

const WHY: Record<keyof OwnNamespaces, string> = {
  net: 'the container has no network namespace of its own (--network host or container:CTR)',
  ipc: 'the container has no IPC namespace of its own (--ipc container:CTR, or a pod)',
  uts: 'the container has no uts namespace of its own (--uts container:CTR, or a pod)',
};

export function parseSysctl(spec: string, own: OwnNamespaces): SysctlSpec {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`invalid sysctl \`${spec}\`: expected NAME=VALUE`);
  const name = spec.slice(0, eq);
  const value = spec.slice(eq + 1);
  if (!/^[a-z0-9_-]+(\.[a-zA-Z0-9_-]+)+$/.test(name)) throw new UsageError(`invalid sysctl \`${spec}\`: \`${name}\` is not a parameter name (dotted, as net.ipv4.ip_forward)`);
  if (name === 'kernel.hostname') throw new UsageError(`sysctl \`${name}\` is not allowed: set the host name with --hostname`);
  const ns = namespaceOf(name);
  if (ns === undefined)
    throw new UsageError(`sysctl \`${name}\` is not allowed: it is not a parameter of a namespace the container owns (allowed: net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, kernel.domainname)`);
  if (!own[ns]) throw new UsageError(`sysctl \`${name}\` cannot be set: ${WHY[ns]}`);
  if (name === 'kernel.domainname' && Buffer.byteLength(value) > 64) throw new UsageError(`invalid sysctl \`${spec}\`: a domain name is at most 64 bytes`);
  return { name, value };
}
