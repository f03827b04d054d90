/**
 * Published ports: podman's `-p [HOSTIP:][HOSTPORT:]CTRPORT[/PROTO]` with
 * ranges, `--expose`, `-P`, and how `ps`, `port` and `inspect` show them.
 * Pure: the free host ports -P and `-p CTRPORT` need are found by
 * network/probe.ts.
 */
import { UsageError } from '../errors.js';
import type { PortMapping, PortProtocol as Protocol } from '../storage/containers.js';

export type { PortMapping, Protocol };

function portNumber(text: string, what: string, spec: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new UsageError(`invalid port \`${text}\` in \`${spec}\`: ${what} must be a number from 1 to 65535`);
  const n = Number(text);
  if (n < 1 || n > 65535) throw new UsageError(`invalid port \`${text}\` in \`${spec}\`: ${what} must be from 1 to 65535`);
  return n;
}

/** START[-END] as [start, count]. */
function portRange(text: string, what: string, spec: string): [number, number] {
  const dash = text.indexOf('-');
  if (dash < 0) return [portNumber(text, what, spec), 1];
  const start = portNumber(text.slice(0, dash), what, spec);
  const end = portNumber(text.slice(dash + 1), what, spec);
  if (end < start) throw new UsageError(`invalid port range \`${text}\` in \`${spec}\`: its end is below its start`);
  return [start, end - start + 1];
}

function protocolOf(text: string, spec: string): Protocol[] {
  const list = text.split(',');
  for (const p of list)
    if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') throw new UsageError(`invalid protocol \`${p}\` in \`${spec}\`: use tcp, udp or sctp`);
  return [...new Set(list)] as Protocol[];
}

function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIPv6(s: string): boolean {
  return /^[0-9a-fA-F:.]+$/.test(s) && s.includes(':') && s.split('::').length <= 2;
}

/** A -p/--publish value: one mapping per protocol. */
export function parsePublish(spec: string): PortMapping[] {
  let rest = spec;
  let protocols: Protocol[] = ['tcp'];
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocols = protocolOf(rest.slice(slash + 1), spec);
    rest = rest.slice(0, slash);
  }
  let hostIp = '';
  if (rest.startsWith('[')) {
    // [IPV6]:HOSTPORT:CTRPORT
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':') throw new UsageError(`invalid publish spec \`${spec}\`: an IPv6 address is written [ADDRESS]:HOSTPORT:PORT`);
    hostIp = rest.slice(1, close);
    if (!isIPv6(hostIp)) throw new UsageError(`invalid IP address \`${hostIp}\` in \`${spec}\``);
    rest = rest.slice(close + 2);
    if (!rest.includes(':')) rest = `:${rest}`;
  }
  const fields = rest.split(':');
  if (fields.length > 3 || (hostIp !== '' && fields.length !== 2)) throw new UsageError(`invalid publish spec \`${spec}\`: use [HOSTIP:][HOSTPORT:]PORT[/PROTOCOL]`);
  let hostText = '';
  if (fields.length === 3) {
    hostIp = fields[0] as string;
    if (hostIp !== '' && !isIPv4(hostIp)) throw new UsageError(`invalid IP address \`${hostIp}\` in \`${spec}\``);
    hostText = fields[1] as string;
  } else if (fields.length === 2) hostText = fields[0] as string;
  const ctrText = fields[fields.length - 1] as string;
  if (ctrText === '') throw new UsageError(`invalid publish spec \`${spec}\`: no container port`);
  const [containerPort, range] = portRange(ctrText, 'the container port', spec);
  let hostPort = 0;
  if (hostText !== '') {
    const [start, count] = portRange(hostText, 'the host port', spec);
    if (count !== range && count !== 1)
      throw new UsageError(`invalid publish spec \`${spec}\`: the host range has ${count} ports and the container range ${range}`);
    if (count === 1 && range > 1) throw new UsageError(`invalid publish spec \`${spec}\`: a container range needs a host range of the same size, or none`);
    hostPort = start;
  }
  if (hostPort !== 0 && hostPort + range - 1 > 65535) throw new UsageError(`invalid publish spec \`${spec}\`: the host range goes past 65535`);
  return protocols.map((protocol) => ({ hostIp, hostPort, containerPort, range, protocol }));
}

/** An --expose value or an image's ExposedPorts key: PORT[-END][/PROTO]. */
export function parseExpose(spec: string): { port: number; range: number; protocol: Protocol }[] {
  const slash = spec.indexOf('/');
  const protocols = slash < 0 ? (['tcp'] as Protocol[]) : protocolOf(spec.slice(slash + 1), spec);
  const [port, range] = portRange(slash < 0 ? spec : spec.slice(0, slash), 'the port', spec);
  return protocols.map((protocol) => ({ port, range, protocol }));
}

/** Two mappings that would take the same host port of one protocol. */
export function checkOverlaps(ports: PortMapping[]): void {
  const taken = new Map<string, Set<string>>();
  const every = (ip: string): boolean => ip === '' || ip === '0.0.0.0' || ip === '::';
  for (const p of ports) {
    if (p.hostPort === 0) continue;
    for (let i = 0; i < p.range; i++) {
      const key = `${p.protocol}/${p.hostPort + i}`;
      const ips = taken.get(key) ?? new Set<string>();
      if ([...ips].some((ip) => every(ip) || every(p.hostIp) || ip === p.hostIp))
        throw new UsageError(`host port ${p.hostPort + i}/${p.protocol} is published twice`);
      ips.add(p.hostIp);
      taken.set(key, ips);
    }
  }
}

/** "A-B" or "A". */
function span(start: number, range: number): string {
  return range > 1 ? `${start}-${start + range - 1}` : String(start);
}

/** The PORTS column of `ps`, as podman's: "0.0.0.0:8080->80/tcp, 0.0.0.0:5353->53/udp". */
export function formatPorts(ports: PortMapping[]): string {
  return ports
    .map((p) => `${p.hostIp === '' ? '0.0.0.0' : p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}:${span(p.hostPort, p.range)}->${span(p.containerPort, p.range)}/${p.protocol}`)
    .join(', ');
}

/** One line per container port of `port CTR`: "80/tcp -> 0.0.0.0:8080". */
export function portLines(ports: PortMapping[], only?: { port: number; protocol: Protocol | undefined }): string[] {
  const lines: string[] = [];
  for (const p of ports)
    for (let i = 0; i < p.range; i++) {
      const ctr = p.containerPort + i;
      if (only && (only.port !== ctr || (only.protocol !== undefined && only.protocol !== p.protocol))) continue;
      const host = `${p.hostIp === '' ? '0.0.0.0' : p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}:${p.hostPort + i}`;
      lines.push(only ? host : `${ctr}/${p.protocol} -> ${host}`);
    }
  return lines;
}

/** inspect's NetworkSettings.Ports: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}, exposed ones null. */
export function inspectPorts(ports: PortMapping[], exposed: string[]): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const e of exposed) for (const x of parseExpose(e)) for (let i = 0; i < x.range; i++) out[`${x.port + i}/${x.protocol}`] = null;
  for (const p of ports)
    for (let i = 0; i < p.range; i++) {
      const key = `${p.containerPort + i}/${p.protocol}`;
      const list = out[key] ?? [];
      list.push({ HostIp: p.hostIp, HostPort: String(p.hostPort + i) });
      out[key] = list;
    }
  return out;
}
