/**
 * A container's network, decided: whether it gets a network namespace of its
 * own, the helper the monitor starts for it (pasta or slirp4netns, as a
 * `ready` process of the plan: the container's command starts only once its
 * interface is up and its ports bound), and its name files (/etc/hosts,
 * /etc/resolv.conf, /etc/hostname). The runtime writes the files and binds
 * them in; the helper runs the argv. Pure but for reading the host's facts
 * (network/host.ts), which the caller may pass in.
 *
 *   monitor                           pasta / slirp4netns              container
 *   clone(CLONE_NEWNET, ...)
 *   newuidmap, newgidmap (wait)
 *   start helper, fd 3 = pipe ------> joins /proc/PID/ns/{user,net},
 *                                     configures eth0/tap0, binds -p ports
 *   <-------------------------------- writes its pid (pasta -P) or "1"
 *                                     (slirp4netns --ready-fd)
 *   [slirp4netns: burrow-helper slirp-api adds each port: ready]
 *   child's steps go on ------------------------------------------------> ... exec
 *   container ends: SIGTERM to the helper (SIGKILL if the monitor dies: PDEATHSIG)
 */
import { join } from 'node:path';

import { BurrowError, UsageError } from '../errors.js';
import type { Step } from '../system/plan.js';
import { defaultRoute, type HostRoute, hostHostsFile, hostResolvConf, isLoopback, type ResolvConf } from './host.js';
import type { NetworkMode, SlirpOptions } from './mode.js';
import type { PortMapping } from './ports.js';

/** How long pasta or slirp4netns may take to be ready, and to end after SIGTERM. */
export const NETWORK_TIMEOUT_MS = 10_000;

/** slirp4netns's API socket for a container (it leaves the file behind: burrow removes it before each start and with the container). */
export function slirpSocketPath(runtimeDir: string, id: string): string {
  return join(runtimeDir, `slirp-${id.slice(0, 16)}.sock`);
}

/** Where pasta forwards DNS queries from (podman's address) when the host's resolver is on its loopback. */
export const PASTA_DNS_FORWARD = '169.254.1.1';

/** The MTU burrow gives pasta's interface unless told otherwise. */
export const PASTA_MTU = 1500;

export interface NameOptions {
  hostname: string;
  /** the container's name (also in /etc/hosts) */
  name?: string;
  dns: string[];
  dnsSearch: string[];
  dnsOption: string[];
  addHost: string[];
  /** --no-hosts: no /etc/hosts is made (the image's stays) */
  noHosts: boolean;
  macAddress?: string;
  /** lines for the containers on the same user networks, at the end of /etc/hosts (runtime/networks.ts) */
  networkHosts?: string;
}

export interface NetworkRequest extends NameOptions {
  mode: NetworkMode;
  ports: PortMapping[];
  /** the container is started in another's namespaces (shares): its helper names them by fd, not by pid */
  namespacesByFd?: boolean;
  /** the programs, found on PATH by the caller */
  pasta?: string;
  slirp4netns?: string;
  /** burrow-helper (slirp4netns's ports are added through its API socket by `burrow-helper slirp-api`) */
  helper: string;
  /** slirp4netns's API socket (under the container's run directory) */
  apiSocket: string;
  /** burrow's own uid: as root, pasta is told to stay root (it would become nobody, who cannot open the namespaces) */
  uid?: number;
}

export interface NetworkSetup {
  /** a network namespace of its own (else the host's) */
  ownNamespace: boolean;
  /** the monitor's processes for it, in order */
  processes: Step[];
  /** contents of the name files; undefined: not made (the image's own stays) */
  files: { hosts?: string; resolv?: string; hostname: string };
  /** the container's address and gateway as its helper gives them (inspect) */
  address?: string;
  gateway?: string;
}

/** Facts about the host, read once (tests pass their own). */
export interface HostFacts {
  route: HostRoute | undefined;
  resolv: ResolvConf;
  hosts: string;
  hostname: string;
}

export function readHostFacts(hostname: string): HostFacts {
  return { route: defaultRoute(), resolv: hostResolvConf(), hosts: hostHostsFile(), hostname };
}

const LOCALHOST = '127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n';

function isIP(s: string): boolean {
  const v4 = s.split('.');
  if (v4.length === 4 && v4.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return true;
  return /^[0-9a-fA-F:.]+$/.test(s) && s.includes(':') && s.split('::').length <= 2;
}

/** --add-host HOST:IP (IP may be host-gateway, an IPv6 address, or [IPv6]). */
export function parseAddHost(spec: string, hostAddress: string | undefined): { name: string; ip: string } {
  const sep = spec.search(/[:=]/);
  if (sep <= 0) throw new UsageError(`invalid --add-host \`${spec}\`: use HOST:IP`);
  const name = spec.slice(0, sep);
  let ip = spec.slice(sep + 1);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip === 'host-gateway') {
    if (hostAddress === undefined) throw new UsageError(`--add-host \`${spec}\`: the host has no address to name (no default route)`);
    ip = hostAddress;
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new UsageError(`invalid --add-host \`${spec}\`: \`${name}\` is not a host name`);
  if (!isIP(ip)) throw new UsageError(`invalid --add-host \`${spec}\`: \`${ip}\` is not an IP address`);
  return { name, ip };
}

export function checkDns(servers: string[]): void {
  for (const s of servers) if (s !== 'none' && !isIP(s)) throw new UsageError(`invalid --dns \`${s}\`: not an IP address`);
  if (servers.includes('none') && servers.length > 1) throw new UsageError('--dns=none cannot be given with other servers');
}

/** --dns-search and --dns-option: one word each (a space or a newline would write other lines into resolv.conf). */
export function checkResolvWords(flag: string, words: string[]): void {
  const control = (c: string): boolean => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f;
  for (const w of words)
    if (w === '' || [...w].some((c) => control(c) || c === ' ' || c === '#' || c === ';'))
      throw new UsageError(`invalid ${flag} \`${[...w].map((c) => (control(c) ? '?' : c)).join('')}\`: one word, without spaces, control characters, # or ;`);
}

export function checkMac(mac: string): void {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(mac)) throw new UsageError(`invalid MAC address \`${mac}\`: six hex bytes, as 92:d0:c6:0a:29:33`);
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) throw new UsageError(`invalid MAC address \`${mac}\`: a multicast address`);
}

/** slirp4netns's addresses in its range: .100 the container, .2 the gateway (the host), .3 its DNS. */
function slirpAddresses(cidr: string): { address: string; gateway: string; dns: string } {
  const [base] = cidr.split('/');
  const parts = (base as string).split('.').map(Number);
  const n = (((parts[0] as number) << 24) | ((parts[1] as number) << 16) | ((parts[2] as number) << 8) | (parts[3] as number)) >>> 0;
  const prefix = Number(cidr.split('/')[1]);
  const net = prefix === 0 ? 0 : (n & (~0 << (32 - prefix))) >>> 0;
  const at = (k: number): string => {
    const v = (net + k) >>> 0;
    return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  };
  return { address: at(100), gateway: at(2), dns: at(3) };
}

/** pasta's -t/-u value for the mappings of one protocol: "none", or "[ADDR/]HOST[-END]:CTR[-END],...". */
function pastaPorts(ports: PortMapping[], protocol: 'tcp' | 'udp'): string[] {
  const specs = ports
    .filter((p) => p.protocol === protocol)
    .map((p) => {
      const host = p.range > 1 ? `${p.hostPort}-${p.hostPort + p.range - 1}` : String(p.hostPort);
      const ctr = p.range > 1 ? `${p.containerPort}-${p.containerPort + p.range - 1}` : String(p.containerPort);
      return `${p.hostIp === '' ? '' : `${p.hostIp}/`}${host}:${ctr}`;
    });
  return specs.length === 0 ? ['none'] : specs;
}

/**
 * How a network helper names the container's namespaces: by its pid, or, when
 * the container is started by a launcher in another's namespaces (a shared
 * pid namespace: it is never dumpable, its /proc/PID/ns files closed), by the
 * fds the helper passes it ("{netns}" and "{userns}": helpers/plan.h).
 */
function namespaceArgs(kind: 'pasta' | 'slirp4netns', byFd: boolean): string[] {
  if (!byFd) return ['{pid}'];
  return kind === 'pasta' ? ['--userns', '{userns}', '--netns', '{netns}'] : ['--netns-type=path', '--userns-path', '{userns}', '{netns}'];
}

function pastaArgv(program: string, options: string[], ports: PortMapping[], dnsForward: boolean, mac: string | undefined, root: boolean, byFd: boolean): string[] {
  const argv = [program, '--config-net', '--quiet', '--foreground', '--pid', '/proc/self/fd/3'];
  if (root) argv.push('--runas', '0');
  for (const spec of pastaPorts(ports, 'tcp')) argv.push('-t', spec);
  for (const spec of pastaPorts(ports, 'udp')) argv.push('-u', spec);
  argv.push('-T', 'none', '-U', 'none');
  if (dnsForward) argv.push('--dns-forward', PASTA_DNS_FORWARD);
  if (mac) argv.push('--ns-mac-addr', mac);
  // Ethernet's MTU, unless the user gives one: with pasta's own default (65520) a published port reached from
  // another address (pasta's tap path, not its loopback splice) stalls now and then here, 0.1 to 16 Gbit/s from
  // one transfer to the next; with 1500 it kept about 5 (bench/network.mjs). Measured again in 2026-12 both stall on
  // this VM (docs/design.md); 1500 is kept.
  if (!options.some((o) => /^-m/.test(o) || /^--mtu?(=|$)/.test(o))) argv.push('--mtu', String(PASTA_MTU));
  // The user's pasta options, each as one argument (OPTION=VALUE as pasta's getopt takes it).
  argv.push(...options, ...namespaceArgs('pasta', byFd));
  return argv;
}

function slirpArgv(program: string, o: SlirpOptions, apiSocket: string | undefined, mac: string | undefined, byFd: boolean): string[] {
  const argv = [program, '--configure', `--mtu=${o.mtu}`, '--ready-fd=3', `--cidr=${o.cidr}`];
  if (!o.allowHostLoopback) argv.push('--disable-host-loopback');
  if (o.enableIPv6) argv.push('--enable-ipv6');
  if (o.outboundAddr) argv.push(`--outbound-addr=${o.outboundAddr}`);
  if (o.outboundAddr6) argv.push(`--outbound-addr6=${o.outboundAddr6}`);
  if (mac) argv.push(`--macaddress=${mac}`);
  if (apiSocket) argv.push(`--api-socket=${apiSocket}`);
  argv.push(...namespaceArgs('slirp4netns', byFd), 'tap0');
  return argv;
}

/** slirp4netns's add_hostfwd requests, one per host port. */
export function slirpForwards(ports: PortMapping[]): string[] {
  const out: string[] = [];
  for (const p of ports)
    for (let i = 0; i < p.range; i++)
      out.push(JSON.stringify({ execute: 'add_hostfwd', arguments: { proto: p.protocol, host_addr: p.hostIp === '' ? '0.0.0.0' : p.hostIp, host_port: p.hostPort + i, guest_port: p.containerPort + i } }));
  return out;
}

function resolvText(servers: string[], search: string[], options: string[]): string {
  let text = '';
  if (search.length > 0) text += `search ${search.join(' ')}\n`;
  for (const s of servers) text += `nameserver ${s}\n`;
  if (options.length > 0) text += `options ${options.join(' ')}\n`;
  return text;
}

/** The network of a container, from its mode and options. */
export function networkSetup(req: NetworkRequest, facts: HostFacts): NetworkSetup {
  const { mode, ports } = req;
  checkDns(req.dns);
  checkResolvWords('--dns-search', req.dnsSearch);
  checkResolvWords('--dns-option', req.dnsOption);
  if (req.macAddress !== undefined) checkMac(req.macAddress);
  if (ports.some((p) => p.protocol === 'sctp')) throw new UsageError('publishing SCTP ports is not supported rootless: pasta and slirp4netns forward TCP and UDP only');
  // The host's own address (none without a default route: then nothing names the host).
  const hostAddress = facts.route?.address;
  const addHosts = req.addHost.map((h) => parseAddHost(h, hostAddress));
  if (ports.length > 0 && (mode.kind === 'none' || mode.kind === 'host'))
    throw new UsageError(`ports cannot be published with --network ${mode.kind}: ${mode.kind === 'host' ? "the container's servers are on the host's ports already" : 'the container has no network'}`);
  if (req.macAddress !== undefined && mode.kind !== 'pasta' && mode.kind !== 'slirp4netns')
    throw new UsageError(`--mac-address needs a network of the container's own (pasta or slirp4netns), not --network ${mode.kind}`);

  const processes: Step[] = [];
  let address: string | undefined;
  let gateway: string | undefined;
  let hostInternal: string | undefined = hostAddress;
  let servers: string[];
  const hostServers = facts.resolv.nameservers;
  switch (mode.kind) {
    case 'pasta': {
      if (!req.pasta) throw new BurrowError('E_NETWORK', 'pasta is not installed (Debian: apt-get install passt): use --network slirp4netns, none or host');
      if (!facts.route) throw new BurrowError('E_NETWORK', 'the host has no default route for pasta to copy: use --network none or host');
      address = facts.route.address;
      gateway = facts.route.gateway;
      // pasta maps the gateway's address to the host's loopback: host.containers.internal reaches its servers.
      hostInternal = gateway;
      const loopbackResolver = hostServers.some(isLoopback);
      servers = loopbackResolver ? [PASTA_DNS_FORWARD] : hostServers.filter((s) => !s.includes(':') || facts.route?.gateway6 !== undefined);
      processes.push({ kind: 'process', mode: 'ready', timeoutMs: NETWORK_TIMEOUT_MS, argv: pastaArgv(req.pasta, mode.options, ports, loopbackResolver && req.dns.length === 0, req.macAddress, req.uid === 0, req.namespacesByFd === true) });
      break;
    }
    case 'slirp4netns': {
      if (!req.slirp4netns) throw new BurrowError('E_NETWORK', 'slirp4netns is not installed (Debian: apt-get install slirp4netns): use --network pasta, none or host');
      const a = slirpAddresses(mode.options.cidr);
      address = a.address;
      gateway = a.gateway;
      if (mode.options.allowHostLoopback) hostInternal = a.gateway;
      servers = [a.dns];
      const forwards = slirpForwards(ports);
      processes.push({ kind: 'process', mode: 'ready', timeoutMs: NETWORK_TIMEOUT_MS, argv: slirpArgv(req.slirp4netns, mode.options, forwards.length > 0 ? req.apiSocket : undefined, req.macAddress, req.namespacesByFd === true) });
      if (forwards.length > 0) processes.push({ kind: 'process', mode: 'ready', timeoutMs: NETWORK_TIMEOUT_MS, argv: [req.helper, 'slirp-api', req.apiSocket, ...forwards] });
      break;
    }
    case 'host':
      servers = hostServers;
      break;
    case 'none':
      servers = hostServers.filter((s) => !isLoopback(s));
      break;
    default:
      throw new UsageError(`network mode \`${mode.kind}:\` is not supported yet: use private, pasta, slirp4netns, none or host`);
  }

  const files: NetworkSetup['files'] = { hostname: `${req.hostname}\n` };
  if (!req.dns.includes('none')) {
    const search = req.dnsSearch.length > 0 ? req.dnsSearch.filter((s) => s !== '.') : facts.resolv.search;
    files.resolv = resolvText(req.dns.length > 0 ? req.dns : servers, search, [...facts.resolv.options, ...req.dnsOption]);
  }
  if (!req.noHosts) {
    let hosts = mode.kind === 'host' ? facts.hosts : LOCALHOST;
    if (hosts !== '' && !hosts.endsWith('\n')) hosts += '\n';
    for (const h of addHosts) hosts += `${h.ip}\t${h.name}\n`;
    const names = [req.hostname, ...(req.name && req.name !== req.hostname ? [req.name] : [])].join(' ');
    hosts += `${address ?? '127.0.0.1'}\t${names}\n`;
    if (mode.kind !== 'none' && hostInternal !== undefined) hosts += `${hostInternal}\thost.containers.internal host.docker.internal\n`;
    files.hosts = hosts + (req.networkHosts ?? '');
  }
  return {
    ownNamespace: mode.kind !== 'host',
    processes,
    files,
    ...(address ? { address } : {}),
    ...(gateway ? { gateway } : {}),
  };
}
