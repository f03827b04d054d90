/**
 * IPv4 subnets of user networks: --subnet and --gateway checked, a free
 * 10.89.N.0/24 chosen (none that another network or a host route covers),
 * and each container's address (the lowest free one).
 */
import { readFileSync } from 'node:fs';

import { UsageError } from '../errors.js';

/** a.b.c.d as a number; undefined when it is not one. */
export function ipv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return (((parts[0] as number) << 24) | ((parts[1] as number) << 16) | ((parts[2] as number) << 8) | (parts[3] as number)) >>> 0;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

export interface Subnet {
  base: number;
  prefix: number;
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** NETWORK/PREFIX, a network address with a prefix from 8 to 30 (room for a gateway and containers). */
export function parseSubnet(text: string): Subnet {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  const base = m ? ipv4(m[1] as string) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (base === undefined || !(prefix >= 8 && prefix <= 30)) throw new UsageError(`invalid subnet \`${text}\`: use an IPv4 NETWORK/PREFIX, the prefix from 8 to 30`);
  if ((base & mask(prefix)) >>> 0 !== base) throw new UsageError(`invalid subnet \`${text}\`: ${formatIpv4(base)} is not the network address of a /${prefix} (${formatIpv4((base & mask(prefix)) >>> 0)}/${prefix} is)`);
  return { base, prefix };
}

export function formatSubnet(s: Subnet): string {
  return `${formatIpv4(s.base)}/${s.prefix}`;
}

export function contains(s: Subnet, address: number): boolean {
  return (address & mask(s.prefix)) >>> 0 === s.base;
}

/** Do two subnets share an address? */
export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & mask(p)) >>> 0 === (b.base & mask(p)) >>> 0;
}

/** The host's routes (/proc/net/route), as subnets; the default route is not one. */
export function hostRoutes(text = readOr('/proc/net/route')): Subnet[] {
  const out: Subnet[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const le = (hex: string): number => {
      const n = parseInt(hex, 16);
      return (((n & 0xff) << 24) | (((n >>> 8) & 0xff) << 16) | (((n >>> 16) & 0xff) << 8) | ((n >>> 24) & 0xff)) >>> 0;
    };
    const m = le(f[7] as string);
    if (m === 0) continue;
    // A contiguous mask: its prefix is the number of its leading ones.
    out.push({ base: le(f[1] as string), prefix: Math.clz32(~m >>> 0) });
  }
  return out;
}

/** The first 10.89.N.0/24 that no subnet of `taken` overlaps. */
export function freeSubnet(taken: Subnet[]): Subnet {
  for (let n = 0; n < 256; n++) {
    const s = { base: ipv4(`10.89.${n}.0`) as number, prefix: 24 };
    if (!taken.some((t) => overlaps(t, s))) return s;
  }
  throw new UsageError('no free subnet in 10.89.0.0/16 for a new network: give one with --subnet');
}

/** The gateway: given (inside the subnet, not its network or broadcast address), else the first address. */
export function gatewayOf(s: Subnet, given: string | undefined): number {
  if (given === undefined) return s.base + 1;
  const g = ipv4(given);
  if (g === undefined) throw new UsageError(`invalid gateway \`${given}\`: not an IPv4 address`);
  if (!contains(s, g) || g === s.base || g === broadcast(s)) throw new UsageError(`invalid gateway \`${given}\`: not an address of the subnet ${formatSubnet(s)}`);
  return g;
}

function broadcast(s: Subnet): number {
  return (s.base | (~mask(s.prefix) >>> 0)) >>> 0;
}

/** The lowest address of the subnet that is neither the gateway nor `used`; undefined when none is left. */
export function freeAddress(s: Subnet, gateway: number, used: Iterable<number>): number | undefined {
  const taken = new Set(used);
  for (let a = s.base + 1; a < broadcast(s); a++) if (a !== gateway && !taken.has(a)) return a;
  return undefined;
}

/** --ip: an address of the subnet that no one has. */
export function checkAddress(s: Subnet, gateway: number, used: Iterable<number>, given: string): number {
  const a = ipv4(given);
  if (a === undefined) throw new UsageError(`invalid IP address \`${given}\`: not an IPv4 address`);
  if (!contains(s, a) || a === s.base || a === broadcast(s)) throw new UsageError(`IP address ${given} is not in the network's subnet ${formatSubnet(s)}`);
  if (a === gateway || [...used].includes(a)) throw new UsageError(`IP address ${given} is already in use on the network`);
  return a;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
