/**
 * A client of one registry, speaking the OCI distribution spec (the Docker
 * registry API v2) as containers/image does:
 *
 * - The scheme: HTTPS, verified against the system's CAs and the registry's
 *   certs.d CAs. An insecure registry (registries.conf `insecure`, or
 *   `--tls-verify=false`) is tried over HTTPS without verification first,
 *   then over plain HTTP.
 * - Authentication from the 401 challenge: `Bearer` (a token from the realm
 *   for the request's scope, with the user's credentials when there are any,
 *   kept for its lifetime) or `Basic` (the credentials on every request).
 * - Redirects (blobs are often served from storage elsewhere) are followed,
 *   at most 10, and the registry's credentials never go to another host.
 * - Network failures, 429 and 5xx answers are tried again (`retries`), with
 *   the delay given or one that doubles from 2 s, as podman's `--retry-delay`.
 */
import type { Readable } from 'node:stream';

import { BurrowError } from '../errors.js';
import { isObject } from '../json.js';
import type { Logger } from '../log.js';
import { isTag } from '../oci/reference.js';
import { type HttpResponse, readBody, send, type TlsSettings } from './http.js';

export interface RegistryCredentials {
  username: string;
  password: string;
  /** an OAuth2 refresh token from an earlier login (docker's `identitytoken`) */
  identityToken?: string | undefined;
}

export interface ClientOptions {
  /** the registry as named in references: `host[:port]` */
  registry: string;
  /** plain HTTP allowed and certificates not verified */
  insecure: boolean;
  tls: { ca: string[]; cert?: string | undefined; key?: string | undefined };
  /** asked once, when the registry asks for credentials */
  credentials?: (() => Promise<RegistryCredentials | undefined>) | undefined;
  /** tries again after a network failure or a 429/5xx answer, this many times */
  retries?: number | undefined;
  /** the delay between tries; by default 2 s, doubling */
  retryDelayMs?: number | undefined;
  log?: Logger | undefined;
}

/** The largest manifest or index read (containers/image's limit). */
export const MAX_MANIFEST = 4 << 20;

const MAX_REDIRECTS = 10;
/** The most tags a listing may give (a registry that never stops would fill the memory). */
const MAX_TAGS = 100_000;
const USER_AGENT = 'burrow';

interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/** `Bearer realm="...",service="..."` into its scheme and parameters. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (m === null) return undefined;
  const scheme = (m[1] as string).toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?\s*/g;
  for (let p = re.exec(m[2] as string); p !== null; p = re.exec(m[2] as string)) {
    if (p[0] === '') break;
    params[(p[1] as string).toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme, params };
}

/** What a registry said was wrong: its error body's first message, or the status. */
export async function describeFailure(res: HttpResponse): Promise<string> {
  let body: Buffer;
  try {
    body = await readBody(res, 64 << 10, 'the error');
  } catch {
    return statusText(res.status);
  }
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    const first = parsed.errors?.[0];
    if (first !== undefined) {
      const text = first.message || (first.code ?? '').toLowerCase().replace(/_/g, ' ');
      if (text) return text;
    }
  } catch {
    // not the registry's JSON
  }
  return statusText(res.status);
}

function statusText(status: number): string {
  const names: Record<number, string> = {
    400: 'bad request',
    401: 'unauthorized: authentication required',
    403: 'denied: requested access to the resource is denied',
    404: 'not found',
    405: 'method not allowed',
    416: 'requested range not satisfiable',
    429: 'too many requests',
    500: 'internal server error',
    502: 'bad gateway',
    503: 'service unavailable',
    504: 'gateway timeout',
  };
  return `${names[status] ?? 'unexpected answer'} (HTTP ${status})`;
}

function networkReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'the connection was closed by the registry';
    case 'ETIMEDOUT':
      return 'no answer (timed out)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'no such host';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the registry's TLS certificate is not trusted (${e.code}): add its CA to certs.d, or use --tls-verify=false`;
    case 'EPROTO':
      if (/wrong version number|packet length too long|http request/i.test(e.message))
        return 'the registry does not speak TLS: for an HTTP registry use --tls-verify=false, or mark it insecure in registries.conf';
      return `TLS failed: ${e.message.split(':').slice(-2).join(':').trim() || e.message}`;
    default:
      if (typeof e.code === 'string' && e.code.startsWith('ERR_SSL')) return `TLS failed (${e.code}): is this an HTTP registry? (--tls-verify=false)`;
      return e.message || String(err);
  }
}

/** Network failures that another try will not mend (podman does not retry them either): names, TLS. */
function permanent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return code === 'ENOTFOUND' || code === 'EPROTO' || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /CERT|SELF_SIGNED|UNABLE_TO/.test(code);
}

/** A failure worth trying again: the network, or a registry that is busy or broken for a moment. */
function transient(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 504);
}

/**
 * What a client has learned (its scheme, the registry's challenge, tokens,
 * the credentials), for a process of burrow's own that goes on where it
 * stopped (the fetch worker: registry/fetch-worker.ts). It carries
 * credentials: it goes through a pipe, never argv or a file.
 */
export interface ClientHandoff {
  registry: string;
  insecure: boolean;
  tls: ClientOptions['tls'];
  retries: number | undefined;
  retryDelayMs: number | undefined;
  base: string;
  challenge: Challenge | undefined;
  tokens: [string, { value: string; expires: number }][];
  credentials: RegistryCredentials | undefined;
}

export class RegistryClient {
  readonly registry: string;
  private readonly endpoint: string;
  private base: Promise<URL> | undefined;
  private readonly tokens = new Map<string, { value: string; expires: number }>();
  private challenge: Challenge | undefined;
  private credentials: Promise<RegistryCredentials | undefined> | undefined;

  constructor(private readonly opts: ClientOptions) {
    this.registry = opts.registry;
    // docker.io names a registry that answers elsewhere, as in docker's and podman's clients.
    this.endpoint = opts.registry === 'docker.io' ? 'registry-1.docker.io' : opts.registry;
  }

  /** This client's state, for RegistryClient.resume in another process. */
  async handoff(): Promise<ClientHandoff> {
    const base = await this.baseUrl();
    const credentials = this.challenge === undefined ? undefined : await this.creds();
    return {
      registry: this.registry,
      insecure: this.opts.insecure,
      tls: this.opts.tls,
      retries: this.opts.retries,
      retryDelayMs: this.opts.retryDelayMs,
      base: base.href,
      challenge: this.challenge,
      tokens: [...this.tokens].filter(([, t]) => t.expires > Date.now()),
      credentials,
    };
  }

  /** A client that goes on from `h` (another process's handoff) without asking the registry again what it knows. */
  static resume(h: ClientHandoff, log?: Logger): RegistryClient {
    const client = new RegistryClient({ registry: h.registry, insecure: h.insecure, tls: h.tls, retries: h.retries, retryDelayMs: h.retryDelayMs, log });
    client.base = Promise.resolve(new URL(h.base));
    client.challenge = h.challenge;
    for (const [key, token] of h.tokens) client.tokens.set(key, token);
    client.credentials = Promise.resolve(h.credentials);
    return client;
  }

  private tls(): TlsSettings {
    return { ...this.opts.tls, verify: !this.opts.insecure };
  }

  private creds(): Promise<RegistryCredentials | undefined> {
    this.credentials ??= this.opts.credentials ? this.opts.credentials() : Promise.resolve(undefined);
    return this.credentials;
  }

  /** https://HOST/, or for an insecure registry that does not speak TLS, http://HOST/. */
  private baseUrl(): Promise<URL> {
    this.base ??= (async () => {
      const https = new URL(`https://${this.endpoint}/`);
      if (!this.opts.insecure) return https;
      try {
        const res = await send(new URL('/v2/', https), { method: 'GET', tls: this.tls(), headers: { 'User-Agent': USER_AGENT }, idleMs: 10_000 });
        res.body.resume();
        return https;
      } catch (err) {
        this.opts.log?.debug(`${this.registry}: HTTPS failed (${networkReason(err)}), trying HTTP`);
        return new URL(`http://${this.endpoint}/`);
      }
    })();
    return this.base;
  }

  private async authorization(scope: string | undefined, challenge: Challenge | undefined): Promise<string | undefined> {
    if (challenge === undefined) return undefined;
    const creds = await this.creds();
    if (challenge.scheme === 'basic') {
      if (creds === undefined) return undefined;
      return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    }
    const key = `${challenge.params.realm} ${scope ?? ''}`;
    const cached = this.tokens.get(key);
    if (cached !== undefined && cached.expires > Date.now()) return `Bearer ${cached.value}`;
    const token = await this.fetchToken(challenge, scope, creds);
    this.tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  /** The distribution spec's token flow: GET the realm (POST with an identity token). */
  private async fetchToken(challenge: Challenge, scope: string | undefined, creds: RegistryCredentials | undefined): Promise<{ value: string; expires: number }> {
    const realm = challenge.params.realm;
    if (!realm) throw new BurrowError('E_REGISTRY_AUTH', `${this.registry}: the registry asked for a bearer token without saying where to get one`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new BurrowError('E_REGISTRY_AUTH', `${this.registry}: the token realm \`${realm}\` is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BurrowError('E_REGISTRY_AUTH', `${this.registry}: the token realm \`${realm.slice(0, 200)}\` is not an http or https URL`);
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, Accept: 'application/json' };
    let body: Buffer | undefined;
    let method = 'GET';
    if (creds?.identityToken) {
      method = 'POST';
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: USER_AGENT });
      if (challenge.params.service) form.set('service', challenge.params.service);
      if (scope) form.set('scope', scope);
      body = Buffer.from(form.toString());
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
      if (scope) for (const s of scope.split(' ')) url.searchParams.append('scope', s);
      if (creds !== undefined) {
        url.searchParams.set('account', creds.username);
        headers.Authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      }
    }
    const what = `getting a token from ${url.origin}${url.pathname} for ${this.registry}`;
    const res = await this.attempt(() => send(url, { method, headers, body, tls: this.tokenTls(url) }), what);
    if (res.status === 401 || res.status === 403) {
      await describeFailure(res);
      throw new BurrowError('E_REGISTRY_AUTH', `${this.registry}: ${creds ? 'invalid username/password' : 'authentication required'}`);
    }
    if (res.status !== 200) throw new BurrowError('E_REGISTRY_AUTH', `${what}: ${await describeFailure(res)}`);
    let parsed: { token?: string; access_token?: string; expires_in?: number; issued_at?: string };
    try {
      parsed = JSON.parse((await readBody(res, 1 << 20, 'the token')).toString('utf8')) as typeof parsed;
    } catch (err) {
      throw new BurrowError('E_REGISTRY_AUTH', `${what}: ${err instanceof SyntaxError ? 'the answer is not JSON' : (err as Error).message}`);
    }
    const value: unknown = (isObject(parsed) && (parsed.token || parsed.access_token)) || undefined;
    if (typeof value !== 'string') throw new BurrowError('E_REGISTRY_AUTH', `${what}: the answer holds no token`);
    // It goes into an Authorization header: printable ASCII only (a line break would end the header, and fail every retry).
    if (!/^[\x21-\x7e]+$/.test(value)) throw new BurrowError('E_REGISTRY_AUTH', `${what}: the token holds characters a header cannot carry`);
    // Its lifetime, 60 s when not given (the spec's default), less a margin.
    const lifetime = (typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60) * 1000;
    return { value, expires: Date.now() + lifetime - Math.min(10_000, lifetime / 10) };
  }

  /** The token server is trusted as the registry is when it is on the registry's host; otherwise with the system's CAs. */
  private tokenTls(url: URL): TlsSettings {
    const sameHost = url.hostname === new URL(`https://${this.endpoint}/`).hostname;
    return sameHost ? this.tls() : { ca: [], verify: true };
  }

  /** Runs `once`, again after a network failure or a 429/5xx answer, `retries` times. */
  private async attempt(once: () => Promise<HttpResponse>, what: string): Promise<HttpResponse> {
    const retries = this.opts.retries ?? 3;
    for (let n = 0; ; n++) {
      let res: HttpResponse | undefined;
      let failure: unknown;
      try {
        res = await once();
        if (!transient(res.status) || n >= retries) return res;
        res.body.resume();
      } catch (err) {
        failure = err;
        if (n >= retries || permanent(err)) throw new BurrowError('E_REGISTRY_NETWORK', `${what}: ${networkReason(err)}`, { cause: err });
      }
      const delay = this.opts.retryDelayMs ?? 2000 * 2 ** n;
      this.opts.log?.debug(`${what}: ${res ? `HTTP ${res.status}` : networkReason(failure)}; trying again in ${delay} ms (${n + 1} of ${retries})`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  /**
   * A request to the registry (`path` under its root: `/v2/...`), with
   * authentication for `scope`, redirects and retries. The answer's status is
   * the caller's to check.
   */
  async request(
    method: string,
    path: string,
    opts: { scope?: string; headers?: Record<string, string>; body?: Buffer | (() => Readable); what: string },
  ): Promise<HttpResponse> {
    const base = await this.baseUrl();
    let authTried = false;
    for (;;) {
      const auth = await this.authorization(opts.scope, this.challenge);
      let url = new URL(path, base);
      let redirects = 0;
      let res: HttpResponse;
      for (;;) {
        const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...opts.headers };
        // The credentials go to the registry only, never to where it redirects elsewhere.
        if (auth !== undefined && url.origin === base.origin) headers.Authorization = auth;
        const target = url;
        const tls = target.origin === base.origin ? this.tls() : { ca: [], verify: true };
        res = await this.attempt(() => send(target, { method, headers, body: typeof opts.body === 'function' ? opts.body() : opts.body, tls }), opts.what);
        const location = res.headers.location;
        if (![301, 302, 303, 307, 308].includes(res.status) || location === undefined) break;
        res.body.resume();
        if (++redirects > MAX_REDIRECTS) throw new BurrowError('E_REGISTRY', `${opts.what}: more than ${MAX_REDIRECTS} redirects`);
        url = new URL(location, url);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new BurrowError('E_REGISTRY', `${opts.what}: a redirect to \`${url.protocol}\``);
        if (url.protocol === 'http:' && base.protocol === 'https:' && !this.opts.insecure)
          throw new BurrowError('E_REGISTRY', `${opts.what}: a redirect from HTTPS to plain HTTP (${url.origin})`);
      }
      if (res.status === 401 && !authTried) {
        const header = res.headers['www-authenticate'];
        const challenge = typeof header === 'string' ? parseChallenge(header) : undefined;
        if (challenge !== undefined) {
          res.body.resume();
          authTried = true;
          this.challenge = challenge;
          if (challenge.scheme === 'basic' && (await this.creds()) === undefined)
            throw new BurrowError('E_REGISTRY_AUTH', `${opts.what}: unauthorized: authentication required (log in with \`burrow login ${this.registry}\`)`);
          continue;
        }
      }
      return res;
    }
  }

  /** Checks that the registry answers, and takes the given credentials (`login`). */
  async ping(): Promise<void> {
    const res = await this.request('GET', '/v2/', { what: `pinging ${this.registry}` });
    if (res.status === 401) {
      res.body.resume();
      throw new BurrowError('E_REGISTRY_AUTH', `${this.registry}: ${(await this.creds()) ? 'invalid username/password' : 'authentication required'}`);
    }
    if (res.status !== 200) throw new BurrowError('E_REGISTRY', `pinging ${this.registry}: ${await describeFailure(res)}`);
    res.body.resume();
  }

  /** The bytes, media type and digest header of a manifest. */
  async manifest(repo: string, ref: string, accept: readonly string[]): Promise<{ bytes: Buffer; mediaType: string | undefined; digest: string | undefined }> {
    const what = `reading manifest ${ref} in ${this.registry}/${repo}`;
    const res = await this.request('GET', `/v2/${repo}/manifests/${ref}`, { scope: `repository:${repo}:pull`, headers: { Accept: accept.join(', ') }, what });
    if (res.status !== 200) throw this.failure(what, res.status, await describeFailure(res));
    let bytes: Buffer;
    try {
      bytes = await readBody(res, MAX_MANIFEST, 'the manifest');
    } catch (err) {
      throw new BurrowError(err instanceof RangeError ? 'E_MANIFEST' : 'E_REGISTRY_NETWORK', `${what}: ${err instanceof RangeError ? err.message : networkReason(err)}`);
    }
    const type = res.headers['content-type']?.split(';')[0]?.trim();
    const digest = res.headers['docker-content-digest'];
    return { bytes, mediaType: type, digest: typeof digest === 'string' ? digest : undefined };
  }

  /** A blob's body from `offset` on (a Range request when above 0); `offset` is 0 when the registry sent all of it. */
  async blob(repo: string, digest: string, offset = 0): Promise<{ body: HttpResponse['body']; offset: number; length: number | undefined }> {
    const what = `reading blob ${digest} in ${this.registry}/${repo}`;
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    const res = await this.request('GET', `/v2/${repo}/blobs/${digest}`, { scope: `repository:${repo}:pull`, headers, what });
    if (res.status !== 200 && res.status !== 206) throw this.failure(what, res.status, await describeFailure(res));
    const length = Number(res.headers['content-length']);
    const from = res.status === 206 ? offset : 0;
    return { body: res.body, offset: from, length: Number.isFinite(length) ? length : undefined };
  }

  /** A small blob (a config), whole. */
  async blobBytes(repo: string, digest: string, max: number): Promise<Buffer> {
    const what = `reading blob ${digest} in ${this.registry}/${repo}`;
    const { body } = await this.blob(repo, digest);
    try {
      return await readBody({ status: 200, headers: {}, body, url: new URL(`https://${this.endpoint}/`) }, max, `blob ${digest}`);
    } catch (err) {
      throw new BurrowError(err instanceof RangeError ? 'E_BLOB' : 'E_REGISTRY_NETWORK', `${what}: ${err instanceof RangeError ? err.message : networkReason(err)}`);
    }
  }

  /**
   * The repository's tags (every page of them), each once. The registry's
   * answer is checked as the client's own input would be: JSON with a list
   * of tag names, a next page not read before (a registry that sends one
   * back would go round for ever), and no more than MAX_TAGS in all.
   */
  async tags(repo: string): Promise<string[]> {
    const what = `listing the tags of ${this.registry}/${repo}`;
    const out = new Set<string>();
    const read = new Set<string>();
    let path: string | undefined = `/v2/${repo}/tags/list`;
    while (path !== undefined && !read.has(path)) {
      read.add(path);
      const res = await this.request('GET', path, { scope: `repository:${repo}:pull`, what });
      if (res.status !== 200) throw this.failure(what, res.status, await describeFailure(res));
      let parsed: unknown;
      try {
        parsed = JSON.parse((await readBody(res, MAX_MANIFEST, 'the tag list')).toString('utf8'));
      } catch (err) {
        throw new BurrowError('E_REGISTRY', `${what}: ${err instanceof SyntaxError ? 'the answer is not JSON' : (err as Error).message}`);
      }
      const tags = isObject(parsed) ? (parsed.tags ?? []) : undefined;
      if (!Array.isArray(tags)) throw new BurrowError('E_REGISTRY', `${what}: the answer has no list of tags`);
      for (const tag of tags as unknown[]) {
        if (typeof tag !== 'string' || !isTag(tag)) throw new BurrowError('E_REGISTRY', `${what}: the registry lists an invalid tag \`${JSON.stringify(tag)?.slice(0, 140)}\``);
        out.add(tag);
      }
      if (out.size > MAX_TAGS) throw new BurrowError('E_REGISTRY', `${what}: the registry lists more than ${MAX_TAGS} tags`);
      path = nextPage(res.headers.link);
    }
    return [...out];
  }

  /**
   * The registry's repositories (`GET /v2/_catalog`), page after page, until
   * `enough` says so or `max` have come. A registry that offers no catalog
   * (404, 401/403 without the right, 405) is named as such.
   */
  async catalog(enough: (repos: string[]) => boolean, max = 100_000): Promise<string[]> {
    const what = `listing the repositories of ${this.registry}`;
    const out: string[] = [];
    let path: string | undefined = '/v2/_catalog?n=1000';
    while (path !== undefined && out.length < max) {
      const res = await this.request('GET', path, { scope: 'registry:catalog:*', what });
      if (res.status === 404 || res.status === 405 || res.status === 401 || res.status === 403) {
        const reason = await describeFailure(res);
        throw new BurrowError(res.status === 401 || res.status === 403 ? 'E_REGISTRY_AUTH' : 'E_REGISTRY', `${what}: the registry offers no catalog to search (${reason})`);
      }
      if (res.status !== 200) throw this.failure(what, res.status, await describeFailure(res));
      let parsed: { repositories?: unknown };
      try {
        parsed = JSON.parse((await readBody(res, MAX_MANIFEST, 'the catalog')).toString('utf8')) as typeof parsed;
      } catch (err) {
        throw new BurrowError('E_REGISTRY', `${what}: ${err instanceof SyntaxError ? 'the answer is not JSON' : (err as Error).message}`);
      }
      const page = Array.isArray(parsed.repositories) ? parsed.repositories.filter((r): r is string => typeof r === 'string') : [];
      out.push(...page);
      if (enough(out)) break;
      const next = nextPage(res.headers.link);
      // A registry whose next page is the one just read would go round for ever.
      path = next !== undefined && next !== path && page.length > 0 ? next : undefined;
    }
    return out;
  }

  private failure(what: string, status: number, reason: string): BurrowError {
    const code = status === 401 || status === 403 ? 'E_REGISTRY_AUTH' : status === 404 ? 'E_NOT_FOUND' : 'E_REGISTRY';
    return new BurrowError(code, `${what}: ${reason}`);
  }
}

/**
 * The next page of a paginated list, from its `Link: </v2/...>; rel="next"`
 * header: its path and query only, as containers/image takes it, so that the
 * pages come from the registry asked (with its credentials and TLS), never
 * from another host or scheme the header names.
 */
function nextPage(link: string | string[] | undefined): string | undefined {
  const value = Array.isArray(link) ? link[0] : link;
  const m = value === undefined ? null : /<([^>]+)>\s*;\s*rel="?next"?/.exec(value);
  if (m === null) return undefined;
  let url: URL;
  try {
    url = new URL(m[1] as string, 'http://registry.invalid/');
  } catch {
    return undefined;
  }
  return `${url.pathname}${url.search}`;
}

export { networkReason };
