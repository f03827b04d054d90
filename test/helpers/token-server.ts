/**
 * A token server for docker-registry's `auth: token:` mode (the Docker token
 * specification, distribution's docs/spec/auth/token.md and jwt.md), on
 * 127.0.0.1 and a port of its own:
 *
 *   GET /token?service=S&scope=repository:NAME:pull,push[&scope=...]
 *       [Authorization: Basic ...]
 *   -> 200 {"token": JWT, "access_token": JWT, "expires_in": N, "issued_at": ISO}
 *   -> 401 when credentials are required and missing or wrong
 *
 * The JWT is signed ES256 with a P-256 key whose self-signed certificate is
 * the registry's `rootcertbundle`. Distribution 2.8 (registry/auth/token)
 * accepts a token only if: `iss` is the configured issuer, `aud` the
 * configured service, `exp`/`nbf` hold (60 s leeway), and the signing key is
 * trusted: from the header's `x5c` (a chain verified against the bundle), or
 * its `kid`, looked up among the bundle's keys by libtrust fingerprint.
 * Then the `access` claim must grant every action the request needs.
 *
 * Every request is recorded, so a test can count them (a client that caches
 * its tokens asks once per scope).
 */
import { createHash, createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

import { type CertPair, listenOnLoopback, selfSigned } from './certs.js';

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequest {
  method: string;
  url: string;
  service: string | undefined;
  /** the scopes asked for, as sent */
  scopes: string[];
  /** the user of Basic credentials, if any were sent (right or wrong) */
  user: string | undefined;
  userAgent: string | undefined;
  status: number;
  /** what the token granted (empty when refused) */
  granted: Access[];
}

export interface TokenServerOptions {
  /** where the signing key and certificate are written */
  dir: string;
  service: string;
  issuer: string;
  /** credentials the server requires; without them anyone gets every action asked for */
  credentials?: { username: string; password: string };
  /** with credentials: a request without any still gets `pull` */
  anonymousPull?: boolean;
  /** seconds (default 300) */
  expiresIn?: number;
  /** how the token names its key: `kid` (libtrust fingerprint, the default) or `x5c` (the certificate) */
  keyIn?: 'kid' | 'x5c';
  /** serve HTTPS with this pair (the registry's), else HTTP */
  tls?: CertPair;
}

export interface TokenServer {
  /** http(s)://127.0.0.1:PORT/token: the registry's realm */
  realm: string;
  service: string;
  issuer: string;
  /** the signing certificate: the registry's rootcertbundle */
  certFile: string;
  requests: TokenRequest[];
  /** a token for `access`, signed as the server signs (`expiresIn` seconds, negative for one already expired) */
  issue(access: Access[], opts?: { subject?: string; expiresIn?: number }): string;
  stop(): Promise<void>;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** libtrust's key id: the first 240 bits of the SHA-256 of the key's DER (SPKI), base32, in groups of four. */
export function libtrustKeyId(spkiDer: Buffer): string {
  const bytes = createHash('sha256').update(spkiDer).digest().subarray(0, 30);
  let bits = '';
  for (const b of bytes) bits += b.toString(2).padStart(8, '0');
  let text = '';
  for (let i = 0; i < bits.length; i += 5) text += BASE32[parseInt(bits.slice(i, i + 5), 2)];
  return (text.match(/.{4}/g) ?? []).join(':');
}

/** `type:name:actions`, the name free to hold colons (a registry host with a port). */
export function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  // `repository(plugin)`: a class we do not distinguish
  const type = scope.slice(0, first).replace(/\(.*\)$/, '');
  return { type, name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function basicUser(header: string | undefined): { username: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? { username: text, password: '' } : { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const signer = selfSigned(opts.dir, 'token-signer', '/CN=burrow test token signer');
  const key = createPrivateKey(readFileSync(signer.key));
  const cert = new X509Certificate(readFileSync(signer.cert));
  const header =
    opts.keyIn === 'x5c'
      ? { typ: 'JWT', alg: 'ES256', x5c: [cert.raw.toString('base64')] }
      : { typ: 'JWT', alg: 'ES256', kid: libtrustKeyId(cert.publicKey.export({ type: 'spki', format: 'der' })) };
  const expiresIn = opts.expiresIn ?? 300;

  const issue = (access: Access[], o: { subject?: string; expiresIn?: number } = {}): string => {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: opts.issuer,
      sub: o.subject ?? '',
      aud: opts.service,
      exp: now + (o.expiresIn ?? expiresIn),
      nbf: now - 1,
      iat: now,
      jti: randomBytes(12).toString('hex'),
      access,
    };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    // JOSE's ES256 signature is r||s, not DER
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    return `${input}.${base64url(signature)}`;
  };

  const requests: TokenRequest[] = [];
  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
    const given = basicUser(req.headers.authorization);
    const record: TokenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      service: url.searchParams.get('service') ?? undefined,
      scopes,
      user: given?.username,
      userAgent: req.headers['user-agent'],
      status: 0,
      granted: [],
    };
    requests.push(record);
    const refuse = (status: number, code: string, message: string, headers: Record<string, string> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify({ errors: [{ code, message }] }));
    };
    if (req.method !== 'GET' || url.pathname !== '/token') return refuse(404, 'NOT_FOUND', `no ${req.method} ${url.pathname} here: GET /token`);
    if (record.service !== opts.service) return refuse(400, 'INVALID_REQUEST', `unknown service ${JSON.stringify(record.service)}`);

    let onlyPull = false;
    if (opts.credentials) {
      const challenge = { 'WWW-Authenticate': 'Basic realm="burrow test token server"' };
      if (given) {
        if (given.username !== opts.credentials.username || given.password !== opts.credentials.password) return refuse(401, 'UNAUTHORIZED', 'wrong username or password', challenge);
      } else if (opts.anonymousPull) onlyPull = true;
      else return refuse(401, 'UNAUTHORIZED', 'authentication required', challenge);
    }
    for (const scope of scopes) {
      const access = parseScope(scope);
      if (!access) return refuse(400, 'INVALID_REQUEST', `malformed scope ${JSON.stringify(scope)}`);
      const actions = onlyPull ? access.actions.filter((a) => a === 'pull') : access.actions;
      if (actions.length > 0) record.granted.push({ ...access, actions });
    }
    const token = issue(record.granted, { subject: onlyPull ? '' : (given?.username ?? '') });
    record.status = 200;
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() }));
  };

  const server: Server = opts.tls ? createHttpsServer({ cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) }, answer) : createHttpServer(answer);
  const port = await listenOnLoopback(server);
  return {
    realm: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}/token`,
    service: opts.service,
    issuer: opts.issuer,
    certFile: signer.cert,
    requests,
    issue,
    stop: () =>
      new Promise((resolve) => {
        server.ref();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
