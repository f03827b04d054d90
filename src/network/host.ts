/**
 * What the host's network looks like, as the network helpers will copy it:
 * the interface of the default route, its gateway and addresses (pasta gives
 * the container the same ones), and the resolvers of /etc/resolv.conf.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';

export interface HostRoute {
  iface: string;
  /** IPv4 gateway of the default route */
  gateway: string;
  /** the interface's first IPv4 address */
  address: string | undefined;
  /** the interface's first global IPv6 address, when there is an IPv6 default route */
  address6: string | undefined;
  gateway6: string | undefined;
}

function hexToIPv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
}

/** 32 hex digits as an IPv6 address in its short form (RFC 5952: the longest run of two or more zero groups as ::). */
function hexToIPv6(hex: string): string {
  const groups = (hex.match(/.{4}/g) ?? []).map((g) => g.replace(/^0+(?=.)/, ''));
  let best = { at: -1, len: 1 };
  for (let i = 0; i < groups.length; ) {
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** The default IPv4 route's interface and gateway (/proc/net/route), or undefined without one. */
export function defaultRoute(routeText = readOr('/proc/net/route'), route6Text = readOr('/proc/net/ipv6_route')): HostRoute | undefined {
  let best: { iface: string; gateway: string; metric: number } | undefined;
  for (const line of routeText.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[1] !== '00000000' || f[7] !== '00000000') continue;
    const metric = Number(f[6]);
    if (!best || metric < best.metric) best = { iface: f[0] as string, gateway: hexToIPv4(f[2] as string), metric };
  }
  if (!best) return undefined;
  let gateway6: string | undefined;
  for (const line of route6Text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // dest destlen src srclen nexthop metric refcnt use flags iface
    if (f.length >= 10 && /^0{32}$/.test(f[0] as string) && f[1] === '00' && !/^0{32}$/.test(f[4] as string)) {
      gateway6 = hexToIPv6(f[4] as string);
      break;
    }
  }
  const addrs = networkInterfaces()[best.iface] ?? [];
  const v4 = addrs.find((a) => a.family === 'IPv4');
  const v6 = gateway6 ? addrs.find((a) => a.family === 'IPv6' && !a.address.startsWith('fe80')) : undefined;
  return { iface: best.iface, gateway: best.gateway, address: v4?.address, address6: v6?.address, gateway6 };
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

export function parseResolvConf(text: string): ResolvConf {
  const conf: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) conf.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') conf.search = rest;
    else if (key === 'options') conf.options.push(...rest);
  }
  return conf;
}

/** The host's resolvers (its /etc/resolv.conf, followed through systemd-resolved's link). */
export function hostResolvConf(file = '/etc/resolv.conf'): ResolvConf {
  return parseResolvConf(readOr(file));
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

export function hostHostsFile(): string {
  return readOr('/etc/hosts');
}

export function hostHostname(): string {
  return readOr('/proc/sys/kernel/hostname').trim() || 'localhost';
}
