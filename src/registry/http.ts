/**
 * HTTP for the registry client: Node's own http/https clients with one
 * keep-alive agent per origin and TLS set-up, so the requests of a pull
 * (manifest, config, parallel layers) reuse their connections.
 *
 * Why not undici: loading it costs 100-250 ms of every registry command on
 * this machine (measured: loading the undici package 160-250 ms, bundled by esbuild
 * still about 100 ms, against 12-25 ms for node:https), which a one-request
 * `login` or a small pull would pay; node:https has what the client needs
 * (keep-alive, streaming bodies, per-connection CAs and client pairs).
 */
import type { Agent as HttpAgent, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';

import { builtin } from '../lazy.js';

export interface TlsSettings {
  /** extra CAs (PEM) trusted besides the system's */
  ca: string[];
  cert?: string | undefined;
  key?: string | undefined;
  /** false: any certificate is accepted (--tls-verify=false, an insecure registry) */
  verify: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  url: URL;
}

export interface HttpRequest {
  method: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  tls: TlsSettings;
  /** no byte for this long (connecting, or between two chunks) fails the request */
  idleMs?: number;
}

/** How many connections one origin gets at once (the parallel layer downloads). */
export const MAX_SOCKETS = 8;

const agents = new Map<string, HttpAgent | HttpsAgent>();

function agentFor(url: URL, tls: TlsSettings): HttpAgent | HttpsAgent {
  const key = `${url.protocol}//${url.host} ${tls.verify} ${tls.ca.join('')} ${tls.cert ?? ''}`;
  let agent = agents.get(key);
  if (agent !== undefined) return agent;
  if (url.protocol === 'https:') {
    const https = builtin<typeof import('node:https')>('node:https');
    const options: import('node:https').AgentOptions = { keepAlive: true, maxSockets: MAX_SOCKETS, rejectUnauthorized: tls.verify };
    // Extra CAs are added to the system's (Node's `ca` replaces them otherwise). Unverified, none: loading the
    // system's into the connection's context cost 22 ms of every command that asked (measured).
    if (!tls.verify) options.ca = [];
    else if (tls.ca.length > 0) options.ca = [...builtin<typeof import('node:tls')>('node:tls').rootCertificates, ...tls.ca];
    if (tls.cert !== undefined) options.cert = tls.cert;
    if (tls.key !== undefined) options.key = tls.key;
    agent = new https.Agent(options);
  } else {
    agent = new (builtin<typeof import('node:http')>('node:http').Agent)({ keepAlive: true, maxSockets: MAX_SOCKETS });
  }
  agents.set(key, agent);
  return agent;
}

/** Closes the kept-alive connections (the command is done; the event loop may end). */
export function closeConnections(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/** One request; the body is the caller's to read (or to `resume()` to drop). Rejects on a network failure. */
export function send(url: URL, req: HttpRequest): Promise<HttpResponse> {
  const mod = url.protocol === 'https:' ? builtin<typeof import('node:https')>('node:https') : builtin<typeof import('node:http')>('node:http');
  return new Promise((resolve, reject) => {
    const r = mod.request(url, { method: req.method, headers: req.headers ?? {}, agent: agentFor(url, req.tls) }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
    });
    r.setTimeout(req.idleMs ?? 60_000, () => r.destroy(Object.assign(new Error('no answer (timed out)'), { code: 'ETIMEDOUT' })));
    r.once('error', reject);
    if (req.body === undefined) r.end();
    else if (Buffer.isBuffer(req.body)) r.end(req.body);
    else req.body.pipe(r);
  });
}

/** The whole body, at most `max` bytes (more is an error naming `what`). */
export function readBody(res: HttpResponse, max: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      res.body.destroy();
      reject(new RangeError(`${what} is ${declared} bytes, more than the ${max} allowed`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.body.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        res.body.destroy();
        reject(new RangeError(`${what} is more than the ${max} bytes allowed`));
        return;
      }
      chunks.push(chunk);
    });
    res.body.once('error', reject);
    res.body.once('aborted', () => reject(Object.assign(new Error('the connection closed before the end'), { code: 'ECONNRESET' })));
    res.body.once('end', () => {
      if (res.body.complete === false) reject(Object.assign(new Error('the connection closed before the end'), { code: 'ECONNRESET' }));
      else resolve(Buffer.concat(chunks));
    });
  });
}
