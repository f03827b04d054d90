/**
 * The registry harness itself (test/helpers/registry.ts, token-server.ts,
 * fake-registry.ts), checked against real peers before burrow's registry
 * tests rely on it: skopeo pushes to and reads from docker-registry plain,
 * over TLS (with the certs.d directory, with a client certificate), with
 * htpasswd and with token auth; the token flow walked by hand with fetch;
 * images and indexes put through the API read back by skopeo; the fake
 * registry's faults as a client sees them; and no registry outlives its
 * test, even when the worker is killed.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fixtures } from '../helpers/fixtures.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { alive, eventually } from '../helpers/processes.js';
import {
  hostPlatform,
  makeMultiArchIndex,
  MEDIA,
  padManifest,
  pushTestImage,
  putBlob,
  putImage,
  putRawManifest,
  registryRequest,
  schema1Manifest,
  sha256digest,
  startFakeRegistry,
  startRegistry,
  type TestRegistry,
} from '../helpers/registry.js';

const run = promisify(execFile);
const USER = { username: 'alice', password: 's3cret:with:colons' };

/** The tools the harness drives; without one, the whole file skips, saying which. */
function missingTool(): string | undefined {
  for (const tool of ['docker-registry', 'skopeo', 'umoci', 'openssl', 'python3']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (scripts/install.sh installs it)`;
    }
  }
  return undefined;
}

async function skopeo(...args: string[]): Promise<string> {
  return (await run('skopeo', args, { maxBuffer: 16 << 20 })).stdout;
}

async function skopeoFails(...args: string[]): Promise<string> {
  try {
    await run('skopeo', args);
  } catch (err) {
    return (err as { stderr: string }).stderr;
  }
  throw new Error(`skopeo ${args.join(' ')} succeeded`);
}

/** A GET as a plain client sees it: status, the body bytes that came, and how it ended. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const req = request(url, { headers, agent: false }, (res) => {
      const done = (error?: string): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ...(error ? { error } : {}) });
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done());
      res.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), error: err.code ?? err.message }));
    req.end();
  });
}

const skip = missingTool();
if (skip) process.stderr.write(`skipping "registry harness": ${skip}\n`);

(skip ? describe.skip : describe)('registry harness', () => {
  let images: TestImages;
  const started: TestRegistry[] = [];
  const start = async (opts: Parameters<typeof startRegistry>[0] = {}): Promise<TestRegistry> => {
    const reg = await startRegistry(opts);
    started.push(reg);
    return reg;
  };

  beforeAll(async () => {
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-registry-harness'));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(started.map((r) => r.stop()));
  });

  it('plain HTTP: skopeo pushes both archive kinds (bare paths) and reads them back; stop() leaves no process and no directory', async () => {
    const plain = await start();
    expect(plain.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(plain.url).toBe(`http://${plain.host}`);
    await pushTestImage(plain, images.plainOci, 'harness/plain:1');
    await pushTestImage(plain, images.cfgDocker, 'harness/cfg:1');
    const inspect = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${plain.host}/harness/plain:1`)) as { Layers: string[]; Architecture: string };
    expect(inspect.Layers).toHaveLength(1);
    expect(inspect.Architecture).toBe(hostPlatform().architecture);
    const cfg = JSON.parse(await skopeo('inspect', '--config', '--tls-verify=false', `docker://${plain.host}/harness/cfg:1`)) as { config: { Env: string[] } };
    expect(cfg.config.Env).toContain('FOO=bar');
    // The blobs are in dataDir, and the log is kept.
    expect(existsSync(join(plain.dataDir, 'docker/registry/v2/repositories/harness/plain'))).toBe(true);
    expect(plain.log()).toMatch(/listening on 127\.0\.0\.1:\d+/);

    const again = await startRegistry();
    expect(alive(again.pid)).toBe(true);
    await again.stop();
    expect(alive(again.pid)).toBe(false);
    expect(existsSync(again.dir)).toBe(false);
  });

  it('TLS: a CA of the test, the certs.d directory for the host; refused without it', async () => {
    const tls = await start({ tls: true });
    expect(tls.url).toBe(`https://${tls.host}`);
    expect(tls.certsDir).toBe(join(tls.certsRoot as string, tls.host));
    expect(readFileSync(join(tls.certsDir as string, 'ca.crt'))).toEqual(readFileSync(tls.caFile as string));
    await pushTestImage(tls, images.plainOci, 'plain:latest');
    const inspect = JSON.parse(await skopeo('inspect', '--cert-dir', tls.certsDir as string, `docker://${tls.host}/plain:latest`)) as { Layers: string[] };
    expect(inspect.Layers).toHaveLength(1);
    expect(await skopeoFails('inspect', `docker://${tls.host}/plain:latest`)).toMatch(/x509: certificate signed by unknown authority/);
    // Its certificate names 127.0.0.1 and localhost.
    const cert = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', join(tls.dir, 'server.crt')], { encoding: 'utf8' });
    expect(cert).toMatch(/IP Address:127\.0\.0\.1/);
    expect(cert).toMatch(/DNS:localhost/);
  });

  it('a client certificate: required by the registry, given in certs.d as client.cert and client.key', async () => {
    const mtls = await start({ clientCert: true });
    expect(existsSync(join(mtls.certsDir as string, 'client.cert'))).toBe(true);
    expect(existsSync(join(mtls.certsDir as string, 'client.key'))).toBe(true);
    await pushTestImage(mtls, images.plainOci, 'plain:1');
    expect(JSON.parse(await skopeo('inspect', '--cert-dir', mtls.certsDir as string, `docker://${mtls.host}/plain:1`))).toHaveProperty('Layers');
    // Trusting the CA is not enough without the client's pair.
    const without = await new Promise<string>((resolve) => {
      const req = httpsRequest(`${mtls.url}/v2/`, { ca: readFileSync(mtls.caFile as string), agent: false }, (res) => resolve(`HTTP ${res.statusCode}`));
      req.on('error', (err) => resolve(err.message));
      req.end();
    });
    expect(without).toMatch(/certificate required|bad certificate|socket hang up|ECONNRESET/);
  });

  it('htpasswd: pushes with the registry\'s credentials; skopeo is refused without them', async () => {
    const auth = await start({ htpasswd: USER });
    expect(auth.username).toBe(USER.username);
    await pushTestImage(auth, images.plainOci, 'private/plain:1');
    expect(await skopeoFails('inspect', '--tls-verify=false', `docker://${auth.host}/private/plain:1`)).toMatch(/authentication required|unauthorized/i);
    const inspect = JSON.parse(await skopeo('inspect', '--tls-verify=false', '--creds', `${USER.username}:${USER.password}`, `docker://${auth.host}/private/plain:1`)) as { Layers: string[] };
    expect(inspect.Layers).toHaveLength(1);
    const noAuth = await get(`${auth.url}/v2/`);
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers['www-authenticate']).toBe('Basic realm="burrow-test"');
  });

  describe('token auth', () => {
    it('refuses without a token; the challenge walked with fetch gives one that works; tokens are counted; a token of another key or expired is refused', async () => {
      const open = await start({ token: true, tokenKeyIn: 'x5c' });
      const server = open.tokenServer;
      if (!server) throw new Error('no token server');
      const image = await putImage(open, 'walk/me:1');
      const manifestUrl = `${open.url}/v2/walk/me/manifests/1`;
      const accept = { Accept: MEDIA.ociManifest };

      const bare = await fetch(manifestUrl, { headers: accept });
      expect(bare.status).toBe(401);
      const challenge = bare.headers.get('www-authenticate') ?? '';
      expect(challenge).toBe(`Bearer realm="${server.realm}",service="burrow-test-registry",scope="repository:walk/me:pull"`);
      const before = server.requests.length;
      const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      const tokenUrl = `${params.realm}?service=${encodeURIComponent(params.service as string)}&scope=${encodeURIComponent(params.scope as string)}`;
      const answer = (await (await fetch(tokenUrl)).json()) as { token: string; access_token: string; expires_in: number; issued_at: string };
      expect(answer.token).toBe(answer.access_token);
      expect(answer.expires_in).toBe(300);
      expect(Number.isNaN(Date.parse(answer.issued_at))).toBe(false);
      const [header, claims] = answer.token
        .split('.')
        .slice(0, 2)
        .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
      expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
      expect(header?.x5c).toHaveLength(1);
      expect(claims).toMatchObject({ iss: 'burrow-test-token-server', aud: 'burrow-test-registry', access: [{ type: 'repository', name: 'walk/me', actions: ['pull'] }] });
      const ok = await fetch(manifestUrl, { headers: { ...accept, Authorization: `Bearer ${answer.token}` } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('docker-content-digest')).toBe(image.digest);
      expect(server.requests.length - before).toBe(1);
      expect(server.requests.at(-1)).toMatchObject({ scopes: ['repository:walk/me:pull'], status: 200, user: undefined });

      // The token names its repository: not another one.
      const elsewhere = await fetch(`${open.url}/v2/other/manifests/1`, { headers: { ...accept, Authorization: `Bearer ${answer.token}` } });
      expect(elsewhere.status).toBe(401);
      // Signed by another token server's key: refused; expired beyond the 60 s leeway: refused.
      const other = await start({ token: true });
      const forged = other.tokenServer?.issue([{ type: 'repository', name: 'walk/me', actions: ['pull'] }]) as string;
      expect((await fetch(manifestUrl, { headers: { ...accept, Authorization: `Bearer ${forged}` } })).status).toBe(401);
      const expired = server.issue([{ type: 'repository', name: 'walk/me', actions: ['pull'] }], { expiresIn: -120 });
      expect((await fetch(manifestUrl, { headers: { ...accept, Authorization: `Bearer ${expired}` } })).status).toBe(401);
      const fresh = server.issue([{ type: 'repository', name: 'walk/me', actions: ['pull'] }]);
      expect((await fetch(manifestUrl, { headers: { ...accept, Authorization: `Bearer ${fresh}` } })).status).toBe(200);
      // A `kid` token (the default) works as well: `other` serves its own.
      await putImage(other, 'kid/works:1');
      expect(other.tokenServer?.requests.every((r) => r.status === 200)).toBe(true);

      // skopeo does the same dance, and asks once per scope.
      const n = server.requests.length;
      await pushTestImage(open, images.plainOci, 'skopeo/plain:1');
      expect(JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${open.host}/skopeo/plain:1`))).toHaveProperty('Layers');
      const skopeoAsked = server.requests.slice(n);
      expect(skopeoAsked.length).toBeGreaterThan(0);
      expect(skopeoAsked.every((r) => r.userAgent !== 'burrow-test-harness')).toBe(true);
      expect(skopeoAsked.flatMap((r) => r.scopes)).toContain('repository:skopeo/plain:pull,push');
    });

    it('with credentials: the token server checks them; anonymous pull only when asked for; over TLS too', async () => {
      const locked = await start({ token: true, htpasswd: USER, tls: true });
      const server = locked.tokenServer;
      if (!server) throw new Error('no token server');
      expect(server.realm).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/token$/);
      await pushTestImage(locked, images.plainOci, 'private/plain:1');
      expect(server.requests.filter((r) => r.status === 200).every((r) => r.user === USER.username)).toBe(true);
      const ask = async (auth?: string): Promise<number> => {
        const url = `${server.realm}?service=burrow-test-registry&scope=repository:private/plain:pull`;
        return new Promise((resolve, reject) => {
          const req = httpsRequest(url, { ca: readFileSync(locked.caFile as string), agent: false, headers: auth ? { Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : {} }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      };
      expect(await ask()).toBe(401);
      expect(await ask(`${USER.username}:wrong`)).toBe(401);
      expect(await ask(`${USER.username}:${USER.password}`)).toBe(200);
      expect(await skopeoFails('inspect', '--cert-dir', locked.certsDir as string, `docker://${locked.host}/private/plain:1`)).toMatch(/authentication required|unauthorized|401/i);
      const inspect = JSON.parse(await skopeo('inspect', '--cert-dir', locked.certsDir as string, '--creds', `${USER.username}:${USER.password}`, `docker://${locked.host}/private/plain:1`));
      expect(inspect).toHaveProperty('Layers');

      const pullOnly = await start({ token: true, htpasswd: USER, anonymousPull: true });
      await pushTestImage(pullOnly, images.plainOci, 'public/plain:1');
      expect(JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${pullOnly.host}/public/plain:1`))).toHaveProperty('Layers');
      const anonymous = pullOnly.tokenServer?.requests.at(-1);
      expect(anonymous).toMatchObject({ user: undefined, status: 200 });
      const tokenUrl = `${pullOnly.tokenServer?.realm}?service=burrow-test-registry&scope=repository:public/plain:pull,push`;
      const granted = (await (await fetch(tokenUrl)).json()) as { token: string };
      const claims = JSON.parse(Buffer.from(granted.token.split('.')[1] as string, 'base64url').toString()) as { access: unknown };
      expect(claims.access).toEqual([{ type: 'repository', name: 'public/plain', actions: ['pull'] }]);
      expect(await skopeoFails('copy', '--dest-tls-verify=false', `oci-archive:${images.plainOci}`, `docker://${pullOnly.host}/public/other:1`)).toMatch(/authentication required|unauthorized|denied/i);
    });
  });

  it('an image index put through the API: skopeo reads it raw and picks each platform; a Docker manifest list too', async () => {
    const plain = await start();
    const index = await makeMultiArchIndex(plain, 'multi/arch:1');
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${plain.host}/multi/arch:1`);
    expect(sha256digest(raw)).toBe(index.digest);
    const doc = JSON.parse(raw) as { mediaType: string; manifests: { digest: string; platform: { architecture: string } }[] };
    expect(doc.mediaType).toBe(MEDIA.ociIndex);
    const arches = doc.manifests.map((m) => m.platform.architecture);
    expect(arches).toContain(hostPlatform().architecture);
    expect(new Set(arches).size).toBe(2);
    for (const image of index.images) {
      const picked = JSON.parse(await skopeo('inspect', '--tls-verify=false', '--override-arch', image.platform.architecture, `docker://${plain.host}/multi/arch:1`)) as { Digest: string; Architecture: string; Layers: string[] };
      // skopeo's Digest is the index's; the layers are the platform's.
      expect(picked.Digest).toBe(index.digest);
      expect(picked.Architecture).toBe(image.platform.architecture);
      expect(picked.Layers).toEqual(image.layerDigests);
    }
    // Distinct configs and layers per platform.
    expect(new Set(index.images.map((i) => i.configDigest)).size).toBe(2);
    expect(new Set(index.images.flatMap((i) => i.layerDigests)).size).toBe(2);

    const list = await makeMultiArchIndex(plain, 'multi/list:1', { format: 'docker' });
    const listRaw = JSON.parse(await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${plain.host}/multi/list:1`)) as { mediaType: string; manifests: { mediaType: string }[] };
    expect(listRaw.mediaType).toBe(MEDIA.dockerList);
    expect(listRaw.manifests.every((m) => m.mediaType === MEDIA.dockerManifest)).toBe(true);
    expect(list.images).toHaveLength(2);
  });

  it('raw manifests: Distribution 2.8 refuses schema 1 (a 500) unless started with schema1, then serves it signed; blobs put by digest', async () => {
    const plain = await start();
    const layer = await putBlob(plain, 'old/one', Buffer.from('a layer, as far as schema 1 knows'));
    expect((await registryRequest(plain, 'HEAD', `/v2/old/one/blobs/${layer}`)).status).toBe(200);
    const s1 = schema1Manifest({ name: 'old/one', tag: '1', layerDigests: [layer] });
    // 2.8 answers a bare 500; the reason is in its log.
    await expect(putRawManifest(plain, 'old/one', '1', MEDIA.schema1Signed, s1)).rejects.toThrow(/: 500 .*"UNKNOWN"/);
    expect(plain.log()).toMatch(/manifest schema v1 unsupported/);

    const old = await start({ schema1: true });
    const oldLayer = await putBlob(old, 'old/one', Buffer.from('a layer, as far as schema 1 knows'));
    await putRawManifest(old, 'old/one', '1', MEDIA.schema1Signed, schema1Manifest({ name: 'old/one', tag: '1', layerDigests: [oldLayer] }));
    const got = await registryRequest(old, 'GET', '/v2/old/one/manifests/1', { headers: { Accept: `${MEDIA.ociManifest}, ${MEDIA.schema1Signed}` } });
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toBe(MEDIA.schema1Signed);
    expect(JSON.parse(got.body.toString())).toMatchObject({ schemaVersion: 1, name: 'old/one', tag: '1' });
  });

  describe('the fake registry', () => {
    it('serves what is put in it as a registry does, and skopeo can push to it and read it back', async () => {
      const fake = await startFakeRegistry();
      try {
        const image = await putImage(fake, 'fake/img:1');
        const m = await get(`${fake.url}/v2/fake/img/manifests/1`);
        expect(m.status).toBe(200);
        expect(m.headers['content-type']).toBe(MEDIA.ociManifest);
        expect(m.headers['docker-content-digest']).toBe(image.digest);
        expect(m.body).toEqual(image.manifest);
        expect((await get(`${fake.url}/v2/fake/img/manifests/${image.digest}`)).body).toEqual(image.manifest);
        expect((await get(`${fake.url}/v2/fake/img/manifests/2`)).status).toBe(404);
        expect(JSON.parse((await get(`${fake.url}/v2/fake/img/tags/list`)).body.toString())).toEqual({ name: 'fake/img', tags: ['1'] });
        const picked = JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${fake.host}/fake/img:1`)) as { Digest: string };
        expect(picked.Digest).toBe(image.digest);
        // Uploads: skopeo's POST, PUT (and HEAD first) land in memory.
        await run('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci-archive:${images.plainOci}`, `docker://${fake.host}/pushed/plain:1`]);
        expect(fake.manifests.has('pushed/plain:1')).toBe(true);
        expect(JSON.parse(await skopeo('inspect', '--tls-verify=false', `docker://${fake.host}/pushed/plain:1`))).toHaveProperty('Layers');
        expect(fake.requests.some((r) => r.method === 'POST' && r.url.includes('/blobs/uploads/'))).toBe(true);
      } finally {
        await fake.stop();
      }
    });

    it('faults: status codes counted, Range answered 206, bodies cut or replaced, redirects in loops and to other hosts, oversized manifests; bytes served counted', async () => {
      const fake = await startFakeRegistry();
      const other = await startFakeRegistry();
      try {
        const blob = Buffer.alloc(10_000, 7);
        const digest = await putBlob(fake, 'r', blob);
        const url = `${fake.url}/v2/r/blobs/${digest}`;

        const busy = fake.fault({ path: '/blobs/', status: 429, times: 2, headers: { 'Retry-After': '0' } });
        expect((await get(url)).status).toBe(429);
        expect((await get(url)).headers['retry-after']).toBe('0');
        expect((await get(url)).status).toBe(200);
        expect(busy.hits).toBe(2);
        for (const status of [401, 403, 404, 500]) {
          const f = fake.fault({ path: '/blobs/', status, times: 1, ...(status === 401 ? { headers: { 'WWW-Authenticate': 'Bearer realm="http://127.0.0.1:1/token"' } } : {}) });
          const r = await get(url);
          expect(r.status).toBe(status);
          expect(f.hits).toBe(1);
          if (status === 401) expect(r.headers['www-authenticate']).toMatch(/^Bearer /);
        }

        const ranged = await get(url, { Range: 'bytes=9000-' });
        expect(ranged.status).toBe(206);
        expect(ranged.headers['content-range']).toBe('bytes 9000-9999/10000');
        expect(ranged.body).toEqual(blob.subarray(9000));
        expect((await get(url, { Range: 'bytes=10000-' })).status).toBe(416);

        const before = fake.bytesServed;
        const cut = fake.fault({ path: digest, cutAfter: 1234, times: 1 });
        const closed = await get(url);
        expect(closed.body.length).toBe(1234);
        expect(closed.error).toBeDefined();
        expect(cut.hits).toBe(1);
        expect(fake.bytesServed - before).toBe(1234);
        fake.fault({ path: digest, cutAfter: 100, cut: 'reset', times: 1 });
        const reset = await get(url);
        expect(reset.body.length).toBeLessThanOrEqual(100);
        expect(reset.error).toBeDefined();
        // After the cut, a Range request continues from where it stopped.
        const rest = await get(url, { Range: `bytes=${closed.body.length}-` });
        expect(Buffer.concat([closed.body, rest.body])).toEqual(blob);

        fake.fault({ path: digest, replace: Buffer.from('not the blob'), times: 1 });
        const replaced = await get(url);
        expect(replaced.body.toString()).toBe('not the blob');
        expect(sha256digest(replaced.body)).not.toBe(digest);

        fake.fault({ path: '/loop/', redirect: (req) => req.url ?? '/' });
        const loop = await fetch(`${fake.url}/v2/loop/blobs/${digest}`).catch((err: Error) => err);
        expect(String((loop as Error).cause ?? loop)).toMatch(/redirect count exceeded/);
        fake.fault({ path: '/away/', redirect: (req) => `${other.url}${(req.url ?? '').replace('/away/', '/r/')}`, status: 307 });
        await putBlob(other, 'r', blob);
        const away = await fetch(`${fake.url}/v2/away/blobs/${digest}`);
        expect(away.status).toBe(200);
        expect(Buffer.from(await away.arrayBuffer())).toEqual(blob);
        expect(other.requests.map((r) => r.url)).toEqual([`/v2/r/blobs/${digest}`]);

        const big = padManifest({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: {}, layers: [] }, 5 << 20);
        expect(big.length).toBe(5 << 20);
        await putRawManifest(fake, 'big', '1', MEDIA.ociManifest, big);
        expect((await get(`${fake.url}/v2/big/manifests/1`)).body.length).toBe(5 << 20);
        await putRawManifest(fake, 'odd', '1', 'application/vnd.example.thing+json', Buffer.from('{"schemaVersion":2}'));
        expect((await get(`${fake.url}/v2/odd/manifests/1`)).headers['content-type']).toBe('application/vnd.example.thing+json');

        expect(fake.bytesServed).toBe(fake.requests.reduce((n, r) => n + r.bytes, 0));
      } finally {
        await Promise.all([fake.stop(), other.stop()]);
      }
    });

    it('a handler of the test sees every request but /v2/, and can hand back to serve()', async () => {
      const fake = await startFakeRegistry(async (req, res, self) => {
        if (req.url?.includes('/mine/')) res.writeHead(418).end('teapot');
        else await self.serve(req, res);
      });
      try {
        await putRawManifest(fake, 'theirs', '1', MEDIA.ociManifest, Buffer.from('{}'));
        expect((await get(`${fake.url}/v2/`)).status).toBe(200);
        expect((await get(`${fake.url}/v2/mine/manifests/1`)).status).toBe(418);
        expect((await get(`${fake.url}/v2/theirs/manifests/1`)).status).toBe(200);
        expect(fake.requests.map((r) => r.url)).toEqual(['/v2/', '/v2/mine/manifests/1', '/v2/theirs/manifests/1']);
      } finally {
        await fake.stop();
      }
    });
  });

  it('a worker that exits without stop(), or is killed outright, leaves no docker-registry behind', async () => {
    // A small program using the harness, bundled as the test runner would load it.
    const script = join(fixtures().dir, 'harness-child.cjs');
    await build({
      stdin: {
        contents: `import { startRegistry } from ${JSON.stringify(fileURLToPath(new URL('../helpers/registry.ts', import.meta.url)))};
          startRegistry().then((reg) => {
            process.stdout.write(reg.pid + ' ' + reg.dir + '\\n');
            if (process.argv[2] === 'exit') process.exit(0);
            setInterval(() => {}, 1000);
          });`,
        resolveDir: fixtures().dir,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: script,
      logLevel: 'silent',
    });
    for (const how of ['exit', 'SIGKILL'] as const) {
      const child = spawn(process.execPath, [script, how], { stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
      });
      const [pid, dir] = line.split(' ') as [string, string];
      if (how === 'SIGKILL') {
        expect(alive(Number(pid))).toBe(true);
        child.kill('SIGKILL');
      }
      expect(await eventually(() => !alive(Number(pid)), 5000), `docker-registry ${pid} after the worker's ${how}`).toBe(true);
      // A worker killed outright cannot clean up: its directory is left in /tmp.
      // The worker removes it in its exit handler, after the kill: the registry may be gone before the worker is.
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
      if (how === 'exit') expect(existsSync(dir)).toBe(false);
      else rmSync(dir, { recursive: true, force: true });
    }
  });
});
