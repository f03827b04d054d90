/**
 * A registry that misbehaves on purpose: a plain node:http server on
 * 127.0.0.1 (a port of its own) for the bad-input tests.
 *
 * By default it is a small, correct registry of the distribution API:
 * `/v2/`, manifests and blobs (GET and HEAD, by tag or digest, `Range`
 * answered 206), tag lists, and uploads (POST, PATCH, PUT with `?digest=`,
 * checked), all from `manifests` and `blobs` in memory (fill them with
 * putBlob, putRawManifest, putImage of test/helpers/registry.ts, or
 * directly). A test then switches faults on, per path, for a number of
 * requests:
 *
 *   fake.fault({ path: '/blobs/', status: 429, times: 2, headers: { 'Retry-After': '0' } })
 *   fake.fault({ path: layerDigest, cutAfter: 1000 })            // connection closed mid-body
 *   fake.fault({ path: layerDigest, cutAfter: 1000, cut: 'reset' }) // TCP RST mid-body
 *   fake.fault({ path: layerDigest, replace: otherBytes })       // not what the digest says
 *   fake.fault({ path: '/manifests/', redirect: (req) => req.url }) // a redirect loop
 *   fake.fault({ path: '/blobs/', redirect: (req) => `${other.url}${req.url}` }) // to another host
 *
 * Or a test gives its own handler, which sees every request but `/v2/` and
 * may call `fake.serve(req, res)` or `sendBody` for what it does not change.
 * Every request is recorded with the body bytes it was sent, and
 * `bytesServed` sums them.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './certs.js';

export interface FakeRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** the Range header, if any */
  range: string | undefined;
  /** body bytes sent in the answer */
  bytes: number;
}

export interface Fault {
  /** the requests it applies to: a substring of the URL, or a regexp tested on it (default: all) */
  path?: string | RegExp;
  /** only this method (default: all) */
  method?: string;
  /** how many matching requests get it (default: every one) */
  times?: number;
  /** answer with this status (and `headers`, `body`) instead of the content */
  status?: number;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** answer with a redirect (302, or `status`) to this URL */
  redirect?: string | ((req: IncomingMessage) => string);
  /** serve the content but end the connection after this many bytes of body */
  cutAfter?: number;
  /** how the connection ends: `close` (FIN, the default) or `reset` (RST) */
  cut?: 'close' | 'reset';
  /** serve these bytes (and their length) instead of the stored ones: a wrong digest, a short body */
  replace?: Buffer;
  /** answer a Range request with 200 and the whole body */
  ignoreRange?: boolean;
  /** wait this many ms before answering */
  delay?: number;
}

export interface FaultHandle {
  /** the requests it has been applied to */
  readonly hits: number;
  /** switch it off */
  remove(): void;
}

export interface StoredManifest {
  mediaType: string;
  body: Buffer;
}

export interface FakeRegistry {
  kind: 'fake';
  /** 127.0.0.1:PORT */
  host: string;
  /** http://127.0.0.1:PORT */
  url: string;
  requests: FakeRequest[];
  /** body bytes sent so far, over every request */
  readonly bytesServed: number;
  /** `REPO:TAG` and `REPO@DIGEST` */
  manifests: Map<string, StoredManifest>;
  /** by digest, for every repository */
  blobs: Map<string, Buffer>;
  fault(f: Fault): FaultHandle;
  /** answers `req` from `manifests` and `blobs` as a registry would (faults of body kind applied) */
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
  stop(): Promise<void>;
}

export type FakeHandler = (req: IncomingMessage, res: ServerResponse, fake: FakeRegistry) => void | Promise<void>;

export function sha256digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** `doc` as JSON of exactly `size` bytes (at least its own size), padded in an annotation: an oversized manifest. */
export function padManifest(doc: Record<string, unknown>, size: number): Buffer {
  const annotations = { ...((doc.annotations as Record<string, string> | undefined) ?? {}), 'test.padding': '' };
  const empty = Buffer.byteLength(JSON.stringify({ ...doc, annotations }));
  annotations['test.padding'] = 'x'.repeat(Math.max(0, size - empty));
  return Buffer.from(JSON.stringify({ ...doc, annotations }));
}

/** The body faults of a response, for sendBody. */
const bodyFaults = new WeakMap<ServerResponse, Fault>();

function matches(f: Fault, req: IncomingMessage): boolean {
  if (f.method && f.method !== req.method) return false;
  const url = req.url ?? '';
  if (f.path === undefined) return true;
  return typeof f.path === 'string' ? url.includes(f.path) : f.path.test(url);
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message }] });
}

/**
 * Sends `body` as a registry sends a manifest or blob: Content-Length,
 * `Range: bytes=N-` or `N-M` answered 206 (416 past the end), nothing for
 * HEAD; and the body faults switched on for this request.
 */
export async function sendBody(req: IncomingMessage, res: ServerResponse, body: Buffer, headers: Record<string, string | number> = {}): Promise<void> {
  const f = bodyFaults.get(res) ?? {};
  const data = f.replace ?? body;
  let status = 200;
  let part = data;
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && !f.ignoreRange) {
    const from = Number(range[1]);
    const to = range[2] ? Math.min(Number(range[2]), data.length - 1) : data.length - 1;
    if (from >= data.length || to < from) {
      res.writeHead(416, { 'Content-Range': `bytes */${data.length}`, 'Content-Type': 'application/json' }).end(errorBody('BLOB_UNKNOWN', 'range not satisfiable'));
      return;
    }
    status = 206;
    part = data.subarray(from, to + 1);
    headers = { ...headers, 'Content-Range': `bytes ${from}-${to}/${data.length}` };
  }
  res.writeHead(status, { 'Content-Length': part.length, 'Accept-Ranges': 'bytes', ...headers });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  if (f.cutAfter !== undefined && f.cutAfter < part.length) {
    const socket = res.socket;
    res.write(part.subarray(0, f.cutAfter), () => {
      if (f.cut === 'reset') socket?.resetAndDestroy();
      else socket?.end();
    });
    return;
  }
  res.end(part);
}

/** A registry answering from memory, with faults switched on per test; see the top of this file. */
export async function startFakeRegistry(handler?: FakeHandler): Promise<FakeRegistry> {
  const requests: FakeRequest[] = [];
  const faults: { fault: Fault; hits: number; removed: boolean }[] = [];
  const uploads = new Map<string, Buffer[]>();
  let bytesServed = 0;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path === '/v2/' || path === '/v2') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Docker-Distribution-API-Version': 'registry/2.0' }).end('{}');
      return;
    }
    let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (m) {
      const [, repo, ref] = m as unknown as [string, string, string];
      const key = ref.includes(':') ? `${repo}@${ref}` : `${repo}:${ref}`;
      if (req.method === 'PUT') {
        const body = await readBody(req);
        const digest = sha256digest(body);
        const stored = { mediaType: req.headers['content-type'] ?? '', body };
        fake.manifests.set(key, stored);
        fake.manifests.set(`${repo}@${digest}`, stored);
        res.writeHead(201, { Location: `/v2/${repo}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': 0 }).end();
        return;
      }
      const found = fake.manifests.get(key);
      if (!found) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(errorBody('MANIFEST_UNKNOWN', `manifest unknown: ${repo}:${ref}`));
        return;
      }
      await sendBody(req, res, found.body, { 'Content-Type': found.mediaType, 'Docker-Content-Digest': sha256digest(found.body) });
      return;
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(path);
    if (m) {
      const digest = m[2] as string;
      const blob = fake.blobs.get(digest);
      if (!blob) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(errorBody('BLOB_UNKNOWN', `blob unknown: ${digest}`));
        return;
      }
      await sendBody(req, res, blob, { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': digest });
      return;
    }
    m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]*)$/.exec(path);
    if (m) {
      const [, repo, id] = m as unknown as [string, string, string];
      if (req.method === 'POST' && id === '') {
        const mount = url.searchParams.get('mount');
        if (mount && fake.blobs.has(mount)) {
          res.writeHead(201, { Location: `/v2/${repo}/blobs/${mount}`, 'Docker-Content-Digest': mount, 'Content-Length': 0 }).end();
          return;
        }
        const uuid = randomUUID();
        uploads.set(uuid, []);
        res.writeHead(202, { Location: `/v2/${repo}/blobs/uploads/${uuid}`, 'Docker-Upload-UUID': uuid, Range: '0-0', 'Content-Length': 0 }).end();
        return;
      }
      const parts = uploads.get(id);
      if (!parts) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(errorBody('BLOB_UPLOAD_UNKNOWN', `upload unknown: ${id}`));
        return;
      }
      parts.push(await readBody(req));
      const size = parts.reduce((n, p) => n + p.length, 0);
      if (req.method === 'PATCH') {
        res.writeHead(202, { Location: `/v2/${repo}/blobs/uploads/${id}`, Range: `0-${Math.max(0, size - 1)}`, 'Content-Length': 0 }).end();
        return;
      }
      if (req.method === 'PUT') {
        const digest = url.searchParams.get('digest') ?? '';
        const data = Buffer.concat(parts);
        uploads.delete(id);
        if (sha256digest(data) !== digest) {
          res.writeHead(400, { 'Content-Type': 'application/json' }).end(errorBody('DIGEST_INVALID', `provided digest ${digest} did not match uploaded content`));
          return;
        }
        fake.blobs.set(digest, data);
        res.writeHead(201, { Location: `/v2/${repo}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': 0 }).end();
        return;
      }
    }
    m = /^\/v2\/(.+)\/tags\/list$/.exec(path);
    if (m) {
      const repo = m[1] as string;
      const tags = [...fake.manifests.keys()].filter((k) => k.startsWith(`${repo}:`)).map((k) => k.slice(repo.length + 1));
      const body = Buffer.from(JSON.stringify({ name: repo, tags }));
      await sendBody(req, res, body, { 'Content-Type': 'application/json' });
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(errorBody('NOT_FOUND', `${req.method} ${path}: nothing here`));
  }

  const server = createServer((req, res) => {
    const record: FakeRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, range: req.headers.range, bytes: 0 };
    requests.push(record);
    // Count the body bytes whoever answers writes.
    const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
    const end = res.end.bind(res) as (chunk?: unknown, ...rest: unknown[]) => ServerResponse;
    const count = (chunk: unknown): void => {
      if (typeof chunk === 'string' || Buffer.isBuffer(chunk)) {
        const n = Buffer.byteLength(chunk);
        record.bytes += n;
        bytesServed += n;
      }
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => (count(chunk), write(chunk, ...rest))) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => (typeof chunk !== 'function' && count(chunk), end(chunk, ...rest))) as typeof res.end;
    void answer(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`fake registry: ${String(err)}`);
      else res.destroy();
    });
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const active = faults.find((f) => !f.removed && (f.fault.times === undefined || f.hits < f.fault.times) && matches(f.fault, req));
    if (active) {
      active.hits++;
      const f = active.fault;
      if (f.delay) await new Promise((r) => setTimeout(r, f.delay));
      if (f.redirect !== undefined) {
        const to = typeof f.redirect === 'function' ? f.redirect(req) : f.redirect;
        res.writeHead(f.status ?? 302, { Location: to, 'Content-Length': 0, ...f.headers }).end();
        return;
      }
      if (f.status !== undefined) {
        const body = f.body ?? (f.status >= 400 ? errorBody(f.status === 401 ? 'UNAUTHORIZED' : f.status === 404 ? 'NOT_FOUND' : 'UNKNOWN', `fault: ${f.status}`) : '');
        res.writeHead(f.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...f.headers }).end(req.method === 'HEAD' ? undefined : body);
        return;
      }
      bodyFaults.set(res, f);
    }
    const path = (req.url ?? '').split('?')[0];
    if (!handler || path === '/v2/' || path === '/v2') await serve(req, res);
    else await handler(req, res, fake);
  }

  const port = await listenOnLoopback(server);
  const fake: FakeRegistry = {
    kind: 'fake',
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    get bytesServed() {
      return bytesServed;
    },
    manifests: new Map(),
    blobs: new Map(),
    fault(fault) {
      const entry = { fault, hits: 0, removed: false };
      faults.push(entry);
      return {
        get hits() {
          return entry.hits;
        },
        remove: () => {
          entry.removed = true;
        },
      };
    },
    serve,
    stop: () =>
      new Promise((resolve) => {
        server.ref();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
