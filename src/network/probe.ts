/**
 * Host ports: a free one for -P and `-p CTRPORT` (the kernel's choice, as
 * podman takes it), and a check, before the container starts, that every
 * published port can be bound, so a busy one is one clear error rather than
 * pasta's failure after the container was made.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

import { BurrowError } from '../errors.js';
import type { PortMapping } from './ports.js';

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** Binds PORT (0: any) of one protocol on `host` ('' for every address); the port bound, or the error. */
function tryBind(protocol: 'tcp' | 'udp', host: string, port: number): Promise<number> {
  const hosts = host === '' ? ['::', '0.0.0.0'] : [host];
  const attempt = (h: string): Promise<number> =>
    new Promise((resolve, reject) => {
      if (protocol === 'tcp') {
        const server = createServer();
        server.once('error', reject);
        server.listen({ port, host: h, exclusive: true }, () => {
          const bound = (server.address() as { port: number }).port;
          server.close(() => resolve(bound));
        });
      } else {
        const socket = createSocket(h.includes(':') ? 'udp6' : 'udp4');
        socket.once('error', (err) => {
          socket.close();
          reject(err);
        });
        socket.bind({ port, address: h, exclusive: true }, () => {
          const bound = socket.address().port;
          socket.close(() => resolve(bound));
        });
      }
    });
  return attempt(hosts[0] as string).catch((err: unknown) => {
    // A host without IPv6: every address is 0.0.0.0.
    if (hosts.length > 1 && (errnoOf(err) === 'EAFNOSUPPORT' || errnoOf(err) === 'EADDRNOTAVAIL')) return attempt(hosts[1] as string);
    throw err;
  });
}

function describe(p: PortMapping, port: number): string {
  return `${p.hostIp === '' ? '0.0.0.0' : p.hostIp}:${port}/${p.protocol}`;
}

/** Host ports chosen for the mappings that have none (hostPort 0): free ones now, a range as one block. */
export async function assignHostPorts(ports: PortMapping[]): Promise<PortMapping[]> {
  const out: PortMapping[] = [];
  for (const p of ports) {
    if (p.hostPort !== 0) {
      out.push(p);
      continue;
    }
    const proto = p.protocol === 'udp' ? 'udp' : 'tcp';
    let chosen: number | undefined;
    for (let tries = 0; tries < 32 && chosen === undefined; tries++) {
      const first = await tryBind(proto, p.hostIp, 0);
      if (first + p.range - 1 > 65535) continue;
      try {
        for (let i = 1; i < p.range; i++) await tryBind(proto, p.hostIp, first + i);
        chosen = first;
      } catch {
        // a port of the block is taken: another block
      }
    }
    if (chosen === undefined) throw new BurrowError('E_PORT', `no block of ${p.range} free host ports found for ${p.containerPort}/${p.protocol}`);
    out.push({ ...p, hostPort: chosen });
  }
  return out;
}

/** How long a port in use may take to be free: the last run's network helper is let end as the monitor exits (helpers/helper.c, wait_dying). */
const RELEASE_MS = 1000;

/** Every published host port can be bound now; else one error naming the first that cannot. */
export async function checkPortsFree(ports: PortMapping[]): Promise<void> {
  const until = Date.now() + RELEASE_MS;
  for (const p of ports) {
    if (p.protocol === 'sctp') continue;
    for (let i = 0; i < p.range; i++) {
      const port = p.hostPort + i;
      for (;;) {
        try {
          await tryBind(p.protocol, p.hostIp, port);
          break;
        } catch (err) {
          const code = errnoOf(err);
          if (code === 'EADDRINUSE' && Date.now() < until) {
            await new Promise((r) => setTimeout(r, 20));
            continue;
          }
          if (code === 'EADDRINUSE') throw new BurrowError('E_PORT_IN_USE', `cannot publish ${describe(p, port)}: the host port is already in use`);
          if (code === 'EACCES')
            throw new BurrowError('E_PORT_IN_USE', `cannot publish ${describe(p, port)}: ports below ${unprivilegedPortStart()} need privileges (sysctl net.ipv4.ip_unprivileged_port_start)`);
          if (code === 'EADDRNOTAVAIL') throw new BurrowError('E_PORT_IN_USE', `cannot publish ${describe(p, port)}: the host has no address ${p.hostIp}`);
          throw new BurrowError('E_PORT_IN_USE', `cannot publish ${describe(p, port)}: ${(err as Error).message}`);
        }
      }
    }
  }
}

function unprivilegedPortStart(): string {
  try {
    return readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').trim();
  } catch {
    return '1024';
  }
}
