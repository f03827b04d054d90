/**
 * The network tests' tools: this user's network helpers (pasta,
 * slirp4netns) and those left without their container, an HTTP GET from
 * this host or from the peer on another host (scripts/peer-netns.mjs), and
 * a free port.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer as createTcpServer } from 'node:net';

import { fixtures } from './fixtures.js';
import { alive } from './processes.js';

const HELPER_NAMES = new Set(['pasta', 'pasta.avx2', 'passt', 'passt.avx2', 'slirp4netns']);

export interface NetHelper {
  pid: number;
  ppid: number;
  /** the container process it serves ({pid} of the plan) */
  target: number;
}

/** This user's pasta and slirp4netns processes, with the container process each serves. */
export function networkHelpers(): NetHelper[] {
  const uid = process.getuid?.();
  const out: NetHelper[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (!HELPER_NAMES.has(comm)) continue;
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) !== uid) continue;
      // A zombie has ended (a monitor lets its network helper end as it exits itself, and here init may reap it late).
      if (/^State:\s+Z/m.test(status)) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      // pasta: ... PID; slirp4netns: ... PID tap0
      const target = Number(comm.startsWith('slirp') ? argv.at(-2) : argv.at(-1));
      out.push({ pid: Number(entry), ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]), target });
    } catch {
      // it ended as we looked
    }
  }
  return out;
}

/** Helpers whose container is gone, or whose parent is not a monitor: what must never be. */
export function orphans(): NetHelper[] {
  return networkHelpers().filter((h) => {
    if (!alive(h.target)) return true;
    try {
      return readFileSync(`/proc/${h.ppid}/comm`, 'utf8').trim() !== 'burrow-helper';
    } catch {
      return true;
    }
  });
}

/** GET from this host. */
export function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const socket = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) }, () => {
      socket.write(`GET ${u.pathname} HTTP/1.0\r\nHost: x\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve(data.slice(data.indexOf('\r\n\r\n') + 4)));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error(`GET ${url} timed out`)));
  });
}

/** GET from the client on another host (scripts/peer-netns.mjs's agent). */
export function peerGet(port: number, path: string): Promise<string> {
  const peer = fixtures().peer;
  if (!peer) throw new Error('no peer');
  return new Promise((resolve, reject) => {
    const socket = connect(peer.socket, () => socket.write(`${JSON.stringify({ host: peer.hostAddress, port, path })}\n`));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (data += d));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

/** A free TCP port of this host (for -p HOSTPORT:...). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createTcpServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
