/**
 * Real registries on loopback for the tests: Debian's docker-registry (the
 * Distribution 2.8 server) on 127.0.0.1 and a free port, each from a YAML
 * config in a temporary directory of its own, with filesystem storage there
 * and its log in `registry.log` there (quoted when it fails to start):
 *
 *   startRegistry()                        plain HTTP
 *   startRegistry({ tls: true })           HTTPS, a CA made for the test (certs.d dir given back)
 *   startRegistry({ clientCert: true })    HTTPS that requires a client certificate of that CA
 *   startRegistry({ htpasswd: USER })      Basic auth (bcrypt htpasswd file)
 *   startRegistry({ token: true, ... })    Bearer tokens from a token server of the test
 *                                          (test/helpers/token-server.ts), which checks `htpasswd`
 *                                          credentials when given
 *
 * stop() kills the registry and removes the directory. So does the test
 * worker's exit, and the registry is started with a parent-death signal
 * (setpriv --pdeathsig) so that even a worker killed outright leaves none.
 *
 * Filling them: pushTestImage (skopeo copy of an archive of
 * test/helpers/images.ts), or through the distribution API from here:
 * putBlob, putRawManifest, putImage, makeMultiArchIndex (these work on a
 * fake registry of test/helpers/fake-registry.ts too, in memory).
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';

import { type CertPair, selfSigned, signedBy } from './certs.js';
import { type FakeRegistry, sha256digest } from './fake-registry.js';
import { makeTar } from './images.js';
import { startTokenServer, type TokenServer } from './token-server.js';

export { padManifest, sendBody, sha256digest, startFakeRegistry, type FakeHandler, type FakeRegistry, type FakeRequest, type Fault, type FaultHandle } from './fake-registry.js';

export interface TestRegistry {
  kind: 'docker-registry';
  /** 127.0.0.1:PORT */
  host: string;
  /** http(s)://127.0.0.1:PORT */
  url: string;
  /** docker-registry's process id */
  pid: number;
  /** the temporary directory: config.yml, registry.log, certificates, htpasswd */
  dir: string;
  /** the storage root (`storageDir` when given) */
  dataDir: string;
  logFile: string;
  /** with TLS: a certs.d root holding `HOST/` (the XDG_CONFIG_HOME/containers/certs.d layout) */
  certsRoot?: string;
  /** with TLS: the `certs.d/HOST` directory itself (for --cert-dir): ca.crt, and client.cert + client.key with clientCert */
  certsDir?: string;
  /** @deprecated the same as certsDir */
  certDir?: string;
  /** with TLS: the CA's certificate */
  caFile?: string;
  /** with clientCert: the client's pair (the same files as in certsDir) */
  clientCert?: CertPair;
  /** the credentials it requires (htpasswd, or the token server's) */
  username?: string;
  password?: string;
  /** with token: the token server and what it was asked */
  tokenServer?: TokenServer;
  /** the registry's log so far */
  log(): string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  tls?: boolean;
  /** Basic auth with these credentials; with `token`, the token server requires them instead */
  htpasswd?: { username: string; password: string };
  /** Bearer token auth through a token server started here */
  token?: boolean;
  /** with token and htpasswd: the token server grants `pull` without credentials */
  anonymousPull?: boolean;
  /** with token: seconds a token lives (default 300) */
  tokenExpiresIn?: number;
  /** with token: how tokens name their signing key (default `kid`) */
  tokenKeyIn?: 'kid' | 'x5c';
  /** require a client certificate signed by the test CA (implies tls) */
  clientCert?: boolean;
  /** storage root to use (kept by stop()); default: in the temporary directory */
  storageDir?: string;
  /** accept pushes of (signed) Docker schema 1 manifests: Distribution 2.8 refuses them otherwise (500 UNKNOWN; "manifest schema v1 unsupported" in its log) */
  schema1?: boolean;
}

const USER_AGENT = 'burrow-test-harness';

/** Registries not stopped yet, killed (and their directories removed) when the worker exits. */
const live = new Map<ChildProcess, string>();
process.on('exit', () => {
  for (const [child, dir] of live) {
    child.kill('SIGKILL');
    // Tried again a few times, should the dying registry still be writing in it.
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 25 });
    } catch {
      // nothing more an exiting worker can do
    }
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A bcrypt line for htpasswd (the only hash Distribution accepts), by
 * python3's crypt, at bcrypt's lowest cost (4): the registry checks it on
 * every request, and the default cost 12 spends a quarter second each.
 */
function htpasswdLine(username: string, password: string): string {
  try {
    const script = 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))';
    const hash = execFileSync('python3', ['-W', 'ignore', '-c', script, password], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    if (!hash.startsWith('$2')) throw new Error(`not a bcrypt hash: ${hash}`);
    return `${username}:${hash}\n`;
  } catch (err) {
    throw new Error(`making a bcrypt htpasswd line with python3's crypt module failed (python3 3.12 or older is needed): ${String(err)}`);
  }
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface TlsFiles {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function send(url: string, o: { method?: string; headers?: Record<string, string>; body?: Buffer; tls?: TlsFiles; timeout?: number } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string | number> = { 'User-Agent': USER_AGENT, ...o.headers };
    if (o.body) headers['Content-Length'] = o.body.length;
    const req = request(u, { method: o.method ?? 'GET', headers, agent: false, timeout: o.timeout ?? 30_000, ...o.tls }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${o.method ?? 'GET'} ${url}: timed out`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

function tlsFiles(reg: TestRegistry): TlsFiles | undefined {
  if (!reg.caFile) return undefined;
  return { ca: readFileSync(reg.caFile), ...(reg.clientCert ? { cert: readFileSync(reg.clientCert.cert), key: readFileSync(reg.clientCert.key) } : {}) };
}

function yaml(value: string): string {
  // a JSON string is a YAML double-quoted scalar
  return JSON.stringify(value);
}

function tail(text: string, max = 4000): string {
  return text.length > max ? `...${text.slice(-max)}` : text;
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-registry-'));
  try {
    return await startIn(dir, opts);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startIn(dir: string, opts: RegistryOptions): Promise<TestRegistry> {
  const tls = opts.tls === true || opts.clientCert === true;
  const dataDir = opts.storageDir ?? join(dir, 'data');
  const logFile = join(dir, 'registry.log');
  let ca: CertPair | undefined;
  let server: CertPair | undefined;
  let client: CertPair | undefined;
  if (tls) {
    ca = selfSigned(dir, 'ca', '/CN=burrow test CA');
    server = signedBy(ca, dir, 'server', 'server');
    if (opts.clientCert) client = signedBy(ca, dir, 'client', 'client');
  }
  let tokenServer: TokenServer | undefined;
  if (opts.token) {
    tokenServer = await startTokenServer({
      dir,
      service: 'burrow-test-registry',
      issuer: 'burrow-test-token-server',
      credentials: opts.htpasswd,
      anonymousPull: opts.anonymousPull,
      expiresIn: opts.tokenExpiresIn,
      keyIn: opts.tokenKeyIn,
      tls: server,
    });
  } else if (opts.htpasswd) {
    writeFileSync(join(dir, 'htpasswd'), htpasswdLine(opts.htpasswd.username, opts.htpasswd.password));
  }

  const config = (host: string): string => {
    const lines = [
      'version: 0.1',
      'log:',
      '  level: info',
      '  formatter: text',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${yaml(dataDir)}`,
      '  delete:',
      '    enabled: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: ${yaml(host)}`,
      `  secret: ${yaml(randomBytes(16).toString('hex'))}`,
    ];
    if (server && ca) {
      lines.push('  tls:', `    certificate: ${yaml(server.cert)}`, `    key: ${yaml(server.key)}`);
      if (client) lines.push('    clientcas:', `      - ${yaml(ca.cert)}`);
    }
    if (tokenServer) {
      lines.push(
        'auth:',
        '  token:',
        `    realm: ${yaml(tokenServer.realm)}`,
        `    service: ${yaml(tokenServer.service)}`,
        `    issuer: ${yaml(tokenServer.issuer)}`,
        `    rootcertbundle: ${yaml(tokenServer.certFile)}`,
      );
    } else if (opts.htpasswd) {
      lines.push('auth:', '  htpasswd:', '    realm: burrow-test', `    path: ${yaml(join(dir, 'htpasswd'))}`);
    }
    if (opts.schema1) lines.push('compatibility:', '  schema1:', '    enabled: true');
    return `${lines.join('\n')}\n`;
  };

  const probeTls: TlsFiles | undefined = ca ? { ca: readFileSync(ca.cert), ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}) } : undefined;
  const log = (): string => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  // The port is free when chosen but may be taken before the registry binds it: then again with another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const url = `${tls ? 'https' : 'http'}://${host}`;
    writeFileSync(join(dir, 'config.yml'), config(host));
    writeFileSync(logFile, '');
    const fd = openSync(logFile, 'a');
    const argv = ['docker-registry', 'serve', join(dir, 'config.yml')];
    const child = SETPRIV ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', ...argv], { stdio: ['ignore', fd, fd] }) : spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.unref();
    live.set(child, dir);
    let spawnError: Error | undefined;
    child.once('error', (err) => (spawnError = err));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const kill = async (): Promise<void> => {
      live.delete(child);
      // (a process that never started sends no 'exit')
      if (child.pid !== undefined && !spawnError && child.exitCode === null && child.signalCode === null) {
        // waited for, it must hold the worker up again
        child.ref();
        child.kill('SIGKILL');
        await exited;
      }
    };

    const deadline = Date.now() + 15_000;
    let ready = false;
    while (!ready) {
      if (spawnError || child.exitCode !== null || child.signalCode !== null) break;
      if (Date.now() > deadline) {
        await kill();
        await tokenServer?.stop();
        throw new Error(`docker-registry on ${host} did not answer GET /v2/ within 15 s; its log:\n${tail(log())}`);
      }
      try {
        const answer = await send(`${url}/v2/`, { tls: probeTls, timeout: 1000 });
        ready = answer.status === 200 || answer.status === 401;
      } catch {
        // not listening yet
      }
      if (!ready) await new Promise((r) => setTimeout(r, 25));
    }
    if (!ready) {
      await kill();
      const text = log();
      if (/address already in use/.test(text) && attempt < 5) continue;
      await tokenServer?.stop();
      if (spawnError) throw new Error(`cannot start docker-registry (Debian's package docker-registry): ${spawnError.message}`);
      throw new Error(`docker-registry on ${host} exited (${child.exitCode ?? child.signalCode}) before answering; its log:\n${tail(text)}`);
    }

    const reg: TestRegistry = {
      kind: 'docker-registry',
      pid: child.pid as number,
      host,
      url,
      dir,
      dataDir,
      logFile,
      log,
      stop: async () => {
        await kill();
        await tokenServer?.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    if (ca) {
      reg.caFile = ca.cert;
      reg.certsRoot = join(dir, 'certs.d');
      reg.certsDir = join(reg.certsRoot, host);
      reg.certDir = reg.certsDir;
      mkdirSync(reg.certsDir, { recursive: true });
      copyFileSync(ca.cert, join(reg.certsDir, 'ca.crt'));
      if (client) {
        // containers' certs.d names a client pair NAME.cert + NAME.key
        reg.clientCert = { cert: join(reg.certsDir, 'client.cert'), key: join(reg.certsDir, 'client.key') };
        copyFileSync(client.cert, reg.clientCert.cert);
        copyFileSync(client.key, reg.clientCert.key);
      }
    }
    if (opts.htpasswd) {
      reg.username = opts.htpasswd.username;
      reg.password = opts.htpasswd.password;
    }
    if (tokenServer) reg.tokenServer = tokenServer;
    return reg;
  }
}

// ---------------------------------------------------------------------------
// skopeo

function skopeoArgs(reg: TestRegistry, source: string, dest: string, creds: string | undefined): string[] {
  const args = ['copy', '-q'];
  if (reg.certsDir) args.push('--dest-cert-dir', reg.certsDir);
  else args.push('--dest-tls-verify=false');
  if (creds) args.push('--dest-creds', creds);
  return [...args, source, `docker://${reg.host}/${dest}`];
}

/** `PATH` as a skopeo source: a transport prefix kept, a bare archive's kind read from its entries. */
function skopeoSource(source: string): string {
  if (/^(oci-archive|docker-archive|oci|dir|docker|containers-storage):/.test(source)) return source;
  const entries = execFileSync('tar', ['-tf', source], { encoding: 'utf8' }).split('\n');
  return `${entries.includes('oci-layout') || entries.includes('./oci-layout') ? 'oci-archive' : 'docker-archive'}:${source}`;
}

/** Copies an image archive (a path made by test/helpers/images.ts, or `TRANSPORT:PATH`) to `dest` (`repo:tag`) with skopeo, with the registry's TLS and credentials. */
export async function pushTestImage(reg: TestRegistry, source: string, dest: string): Promise<void> {
  const creds = reg.username !== undefined ? `${reg.username}:${reg.password ?? ''}` : undefined;
  const args = skopeoArgs(reg, skopeoSource(source), dest, creds);
  try {
    await promisify(execFile)('skopeo', args, { maxBuffer: 16 << 20 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`skopeo ${args.join(' ')} failed: ${stderr.trim() || String(err)}\nregistry log:\n${tail(reg.log(), 2000)}`);
  }
}

/** Copies an image archive (oci-archive: or docker-archive: PATH) into the registry with skopeo. */
export function skopeoPush(reg: TestRegistry, source: string, dest: string, opts: { creds?: string } = {}): void {
  execFileSync('skopeo', skopeoArgs(reg, source, dest, opts.creds), { stdio: ['ignore', 'ignore', 'pipe'] });
}

// ---------------------------------------------------------------------------
// The distribution API, as an authorized client

/** Authorization headers this harness got, per registry and repository. */
const authCache = new WeakMap<TestRegistry, Map<string, string>>();

function challengeParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)="([^"]*)"/g)) out[m[1] as string] = m[2] as string;
  return out;
}

async function authorize(reg: TestRegistry, challenge: string): Promise<string> {
  const basic = reg.username !== undefined ? `Basic ${Buffer.from(`${reg.username}:${reg.password ?? ''}`).toString('base64')}` : undefined;
  if (/^Basic\b/i.test(challenge)) {
    if (!basic) throw new Error(`${reg.host} asks for Basic credentials and the test registry has none`);
    return basic;
  }
  const p = challengeParams(challenge);
  if (!/^Bearer\b/i.test(challenge) || !p.realm) throw new Error(`${reg.host}: unexpected challenge ${JSON.stringify(challenge)}`);
  const url = new URL(p.realm);
  if (p.service) url.searchParams.set('service', p.service);
  if (p.scope) for (const s of p.scope.split(' ')) url.searchParams.append('scope', s);
  const answer = await send(url.href, { headers: basic ? { Authorization: basic } : {}, tls: tlsFiles(reg) });
  if (answer.status !== 200) throw new Error(`token from ${url.href}: ${answer.status} ${answer.body.toString()}`);
  const { token, access_token } = JSON.parse(answer.body.toString()) as { token?: string; access_token?: string };
  return `Bearer ${token ?? access_token}`;
}

/**
 * A request to the registry's API at `path` (`/v2/...`, or a URL the
 * registry gave, like an upload's Location), as a client with the
 * registry's credentials: on a 401 it answers the challenge (Basic, or a
 * Bearer token from the realm) and asks again. Tokens are kept per
 * repository; the harness's requests to the token server carry the
 * User-Agent `burrow-test-harness`, so tests can tell them from burrow's.
 */
export async function registryRequest(reg: TestRegistry, method: string, path: string, o: { headers?: Record<string, string>; body?: Buffer } = {}): Promise<HttpAnswer> {
  const url = new URL(path, reg.url).href;
  const repo = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(new URL(url).pathname)?.[1] ?? '';
  let cache = authCache.get(reg);
  if (!cache) authCache.set(reg, (cache = new Map()));
  const attempt = (auth: string | undefined): Promise<HttpAnswer> => send(url, { method, headers: { ...o.headers, ...(auth ? { Authorization: auth } : {}) }, body: o.body, tls: tlsFiles(reg) });
  let answer = await attempt(cache.get(repo));
  const challenge = answer.headers['www-authenticate'];
  if (answer.status === 401 && typeof challenge === 'string') {
    const auth = await authorize(reg, challenge);
    cache.set(repo, auth);
    answer = await attempt(auth);
  }
  return answer;
}

function failed(what: string, answer: HttpAnswer): Error {
  return new Error(`${what}: ${answer.status} ${answer.body.toString().slice(0, 500)}`);
}

type AnyRegistry = TestRegistry | FakeRegistry;

/** Puts `bytes` as a blob of `repo` (a POST then a monolithic PUT; skipped when the registry has it); returns its digest. */
export async function putBlob(reg: AnyRegistry, repo: string, bytes: Buffer): Promise<string> {
  const digest = sha256digest(bytes);
  if (reg.kind === 'fake') {
    reg.blobs.set(digest, bytes);
    return digest;
  }
  const head = await registryRequest(reg, 'HEAD', `/v2/${repo}/blobs/${digest}`);
  if (head.status === 200) return digest;
  const start = await registryRequest(reg, 'POST', `/v2/${repo}/blobs/uploads/`);
  const location = start.headers.location;
  if (start.status !== 202 || !location) throw failed(`POST /v2/${repo}/blobs/uploads/ on ${reg.host}`, start);
  const put = await registryRequest(reg, 'PUT', `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`, {
    headers: { 'Content-Type': 'application/octet-stream' },
    body: bytes,
  });
  if (put.status !== 201) throw failed(`PUT blob ${digest} to ${reg.host}/${repo}`, put);
  return digest;
}

/** Puts `bytes` as the manifest `repo:ref` (a tag or a digest), served with `mediaType`; returns its digest. */
export async function putRawManifest(reg: AnyRegistry, repo: string, ref: string, mediaType: string, bytes: Buffer): Promise<string> {
  const digest = sha256digest(bytes);
  if (reg.kind === 'fake') {
    const stored = { mediaType, body: bytes };
    reg.manifests.set(ref.includes(':') ? `${repo}@${ref}` : `${repo}:${ref}`, stored);
    reg.manifests.set(`${repo}@${digest}`, stored);
    return digest;
  }
  const put = await registryRequest(reg, 'PUT', `/v2/${repo}/manifests/${ref}`, { headers: { 'Content-Type': mediaType }, body: bytes });
  if (put.status !== 201) throw failed(`PUT manifest ${repo}:${ref} (${mediaType}) to ${reg.host}`, put);
  return digest;
}

// ---------------------------------------------------------------------------
// Images made here

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** This host's platform, in Go's names. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch, ...(process.arch === 'arm64' ? { variant: 'v8' } : {}) };
}

export interface ImageSpec {
  /** uncompressed layer tars, base first (default: one layer holding /platform, naming the platform) */
  layers?: Buffer[];
  /** the `config` part of the image config (default: Cmd ["cat", "/platform"]) */
  config?: Record<string, unknown>;
  /** default: the host's */
  platform?: Platform;
  /** media types: OCI (default) or Docker schema 2 */
  format?: 'oci' | 'docker';
}

export interface PutImage {
  digest: string;
  mediaType: string;
  manifest: Buffer;
  config: Buffer;
  configDigest: string;
  /** the layers as stored (gzip) */
  layers: Buffer[];
  layerDigests: string[];
  /** the uncompressed layers' digests (the config's diff_ids) */
  diffIds: string[];
  platform: Platform;
}

function platformName(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** `repo:tag` or `repo` */
function splitRef(ref: string): { repo: string; tag: string | undefined } {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { repo: ref, tag: undefined };
}

async function buildImage(spec: ImageSpec): Promise<Omit<PutImage, 'digest'>> {
  const platform = spec.platform ?? hostPlatform();
  const docker = spec.format === 'docker';
  const tars = spec.layers ?? [await makeTar([{ name: 'platform', data: `${platformName(platform)}\n` }])];
  const layers = tars.map((t) => gzipSync(t));
  const diffIds = tars.map((t) => sha256digest(t));
  const config = Buffer.from(
    JSON.stringify({
      created: '2020-09-13T12:26:40Z',
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: spec.config ?? { Cmd: ['cat', '/platform'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: tars.map(() => ({ created: '2020-09-13T12:26:40Z', created_by: 'test/helpers/registry.ts' })),
    }),
  );
  const mediaType = docker ? MEDIA.dockerManifest : MEDIA.ociManifest;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      config: { mediaType: docker ? MEDIA.dockerConfig : MEDIA.ociConfig, digest: sha256digest(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: docker ? MEDIA.dockerLayerGzip : MEDIA.ociLayerGzip, digest: sha256digest(l), size: l.length })),
    }),
  );
  return { mediaType, manifest, config, configDigest: sha256digest(config), layers, layerDigests: layers.map((l) => sha256digest(l)), diffIds, platform };
}

/** Builds an image (gzip layers) and puts it as `repo:tag` (or, without a tag, by digest only). */
export async function putImage(reg: AnyRegistry, ref: string, spec: ImageSpec = {}): Promise<PutImage> {
  const { repo, tag } = splitRef(ref);
  const image = await buildImage(spec);
  for (const blob of [image.config, ...image.layers]) await putBlob(reg, repo, blob);
  const digest = await putRawManifest(reg, repo, tag ?? sha256digest(image.manifest), image.mediaType, image.manifest);
  return { ...image, digest };
}

export interface MultiArchIndex {
  digest: string;
  mediaType: string;
  index: Buffer;
  /** one per platform, in the index's order */
  images: PutImage[];
}

/**
 * Puts an image index (OCI, or a Docker manifest list with format `docker`)
 * as `repo:tag`, its images by digest: by default the host's platform and
 * one other (linux/arm64/v8, or linux/amd64 on an arm64 host), each with a
 * layer of its own holding /platform. Pass `platforms` to choose (a layer
 * of the host's image may be a runnable root filesystem).
 */
export async function makeMultiArchIndex(reg: AnyRegistry, ref: string, opts: { platforms?: ImageSpec[]; format?: 'oci' | 'docker' } = {}): Promise<MultiArchIndex> {
  const { repo, tag } = splitRef(ref);
  if (tag === undefined) throw new Error(`makeMultiArchIndex: ${ref}: give REPO:TAG`);
  const host = hostPlatform();
  const other: Platform = host.architecture === 'arm64' ? { os: 'linux', architecture: 'amd64' } : { os: 'linux', architecture: 'arm64', variant: 'v8' };
  const specs = opts.platforms ?? [{ platform: host }, { platform: other }];
  const images: PutImage[] = [];
  for (const spec of specs) images.push(await putImage(reg, repo, { format: opts.format, ...spec }));
  const mediaType = opts.format === 'docker' ? MEDIA.dockerList : MEDIA.ociIndex;
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      manifests: images.map((i) => ({ mediaType: i.mediaType, digest: i.digest, size: i.manifest.length, platform: i.platform })),
    }),
  );
  const digest = await putRawManifest(reg, repo, tag, mediaType, index);
  return { digest, mediaType, index, images };
}

/**
 * A Docker schema 1 manifest, signed as libtrust signs (a JWS with an
 * embedded P-256 key, the "prettyjws" form), so that a registry started
 * with `schema1: true` accepts it. `layerDigests` must be blobs of the
 * repository already, top layer first, as schema 1 lists them.
 */
export function schema1Manifest(opts: { name: string; tag: string; layerDigests: string[]; architecture?: string }): Buffer {
  const ids = opts.layerDigests.map(() => randomBytes(32).toString('hex'));
  const doc = {
    schemaVersion: 1,
    name: opts.name,
    tag: opts.tag,
    architecture: opts.architecture ?? hostPlatform().architecture,
    fsLayers: opts.layerDigests.map((blobSum) => ({ blobSum })),
    history: ids.map((id, i) => ({ v1Compatibility: JSON.stringify({ id, ...(ids[i + 1] ? { parent: ids[i + 1] } : {}), created: '2020-09-13T12:26:40Z' }) })),
  };
  const pretty = Buffer.from(JSON.stringify(doc, null, 3));
  // The signature covers the document; the signatures go in before its last "\n}".
  const formatLength = pretty.length - 2;
  const b64 = (d: Buffer | string): string => Buffer.from(d).toString('base64url');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const protectedHeader = b64(JSON.stringify({ formatLength, formatTail: b64('\n}'), time: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }));
  const signature = sign('sha256', Buffer.from(`${protectedHeader}.${b64(pretty)}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const signatures = [{ header: { jwk: publicKey.export({ format: 'jwk' }), alg: 'ES256' }, signature: b64(signature), protected: protectedHeader }];
  return Buffer.concat([pretty.subarray(0, formatLength), Buffer.from(`,\n   "signatures": ${JSON.stringify(signatures)}\n}`)]);
}
