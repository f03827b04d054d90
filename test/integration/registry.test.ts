/**
 * `burrow pull`, `login` and `logout` against real registries on loopback
 * (test/helpers/registry.ts: docker-registry, plain, with htpasswd and with
 * TLS), images put there by skopeo; and against a misbehaving one (a blob
 * that is not what its digest says, a connection cut mid-layer, a schema 1
 * manifest). Every store is fresh, and the system directory of
 * registries.conf, policy.json and certs.d is one of the test's, holding
 * only a policy.json that accepts everything (without one, burrow refuses
 * to pull, as podman does).
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { acceptingEtc } from '../helpers/containers-conf.js';
import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { eventually, processesWith } from '../helpers/processes.js';
import { runOnPty } from '../helpers/pty.js';
import { BURROW, expectOneError } from '../helpers/run-cli.js';
import { buildTestImages, makeTar, type TestImages } from '../helpers/images.js';
import { hostPlatform, makeMultiArchIndex, MEDIA, putBlob, putImage, putRawManifest, sha256digest, startFakeRegistry, skopeoPush, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { imageNames, list, newStore, type TestStore, waitFor } from '../helpers/store.js';

let images: TestImages;
let plain: TestRegistry;
let tls: TestRegistry;
let auth: TestRegistry;
const USER = { username: 'alice', password: 's3cret:with:colons' };

function withDirs(store: TestStore): { config: string; etc: string } {
  const config = store.env.XDG_CONFIG_HOME as string;
  const etc = acceptingEtc(store.env.BURROW_CONTAINERS_CONF_DIR as string);
  mkdirSync(join(config, 'containers'), { recursive: true });
  return { config, etc };
}

/** A pattern that matches `text` alone. */
function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

describeContainers('burrow pull, login, logout', () => {
  beforeAll(async () => {
    acceptingEtc(join(fixtures().dir, 'no-etc'));
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-registry'));
    [plain, tls, auth] = await Promise.all([startRegistry(), startRegistry({ tls: true }), startRegistry({ htpasswd: USER })]);
    skopeoPush(plain, `oci-archive:${images.plainOci}`, 'tools/plain:1');
    skopeoPush(plain, `docker-archive:${images.cfgDocker}`, 'tools/cfg:latest');
    skopeoPush(plain, `docker-archive:${images.shareA}`, 'share:a');
    skopeoPush(plain, `docker-archive:${images.shareB}`, 'share:b');
    skopeoPush(tls, `oci-archive:${images.plainOci}`, 'plain:latest');
    skopeoPush(auth, `oci-archive:${images.plainOci}`, 'private/plain:latest', { creds: `${USER.username}:${USER.password}` });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([plain, tls, auth].map((r) => r?.stop()));
  });

  it('pulls from an HTTP registry with --tls-verify=false, prints podman\'s lines and the id last, and runs it', async () => {
    const store = newStore('pull-plain', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-plain-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const name = `${plain.host}/tools/plain:1`;
    const r = await store.run(['pull', '--tls-verify=false', name]);
    expect(r.exitCode, r.stderr).toBe(0);
    const said = r.stderr.trim().split('\n');
    expect(said[0]).toBe(`Trying to pull ${name}...`);
    expect(said[1]).toBe('Getting image source signatures');
    expect(said.slice(2, -2).every((l) => /^Copying blob sha256:[a-f0-9]{64}$/.test(l)), r.stderr).toBe(true);
    expect(said.at(-2)).toMatch(/^Copying config sha256:[a-f0-9]{64}$/);
    expect(said.at(-1)).toBe('Writing manifest to image destination');
    const id = r.stdout.trim();
    expect(id).toMatch(/^[a-f0-9]{64}$/);
    expect(said.at(-2)).toBe(`Copying config sha256:${id}`);
    expect(imageNames(store)).toEqual([name]);
    const run = await store.run(['run', '--rm', name, 'sh', '-c', 'echo pulled; cat /etc/fixture >/dev/null; echo ok']);
    expect(run.stdout).toBe('pulled\nok\n');
    // The same image again: nothing fetched, the same id.
    const again = await store.run(['pull', '-q', '--tls-verify=false', name]);
    expect(again.stdout).toBe(`${id}\n`);
    // Each pull's staging directory is gone (removed by the pull itself: no unpacked layer was left in it).
    expect(list(join(store.data, 'tmp'))).toEqual([]);
  });

  it('is refused over HTTPS without --tls-verify=false, with the reason, and nothing is stored', async () => {
    const store = newStore('pull-notls', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-notls-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const r = await store.run(['pull', '-q', `${plain.host}/tools/plain:1`]);
    expect(r.exitCode).toBe(125);
    expect(r.stderr).toMatch(/^Error: reading manifest 1 in 127\.0\.0\.1:\d+\/tools\/plain: the registry does not speak TLS/);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(imageNames(store)).toEqual([]);
    expect(list(join(store.data, 'tmp')).filter((f) => f.startsWith('ingest-'))).toEqual([]);
  });

  it('names a missing image and a missing registry in one line, exit 125', async () => {
    const store = newStore('pull-missing', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-missing-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const nope = await store.run(['pull', '-q', '--tls-verify=false', `${plain.host}/tools/nope:1`]);
    expect(nope.exitCode).toBe(125);
    expect(nope.stderr).toMatch(/^Error: reading manifest 1 in 127\.0\.0\.1:\d+\/tools\/nope: manifest unknown\n$/);
    const closed = await store.run(['pull', '-q', '--retry', '0', '--tls-verify=false', '127.0.0.1:1/x']);
    expect(closed.exitCode).toBe(125);
    expect(closed.stderr).toMatch(/^Error: .*127\.0\.0\.1:1.*: connection refused\n$/);
  });

  it('marks a registry insecure in registries.conf; resolves short names through an alias and the search list', async () => {
    const store = newStore('pull-conf', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-conf-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'pull-conf-etc') });
    const { config } = withDirs(store);
    writeFileSync(
      join(config, 'containers', 'registries.conf'),
      `unqualified-search-registries = ["${plain.host}"]\n\n[[registry]]\nlocation = "${plain.host}"\ninsecure = true\n\n[aliases]\n"cfgimage" = "${plain.host}/tools/cfg"\n`,
    );
    const byAlias = await store.run(['pull', '-q', 'cfgimage']);
    expect(byAlias.stderr).toBe('');
    expect(imageNames(store)).toEqual([`${plain.host}/tools/cfg:latest`]);
    const bySearch = await store.run(['pull', 'tools/plain:1']);
    expect(bySearch.exitCode, bySearch.stderr).toBe(0);
    expect(bySearch.stderr).toContain(`Trying to pull ${plain.host}/tools/plain:1...`);
    expect(imageNames(store).sort()).toEqual([`${plain.host}/tools/cfg:latest`, `${plain.host}/tools/plain:1`]);
  });

  it('asks on a terminal which registry a short name means, pulls the one chosen and remembers it; Ctrl-C cancels', async (ctx) => {
    requireFeature(ctx, 'python3');
    const cache = join(fixtures().dir, 'pull-choose-cache');
    const store = newStore('pull-choose', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-choose-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'pull-choose-etc'), XDG_CACHE_HOME: cache });
    const { config } = withDirs(store);
    // The first registry is not there at all: choosing the second is what makes the pull work.
    writeFileSync(
      join(config, 'containers', 'registries.conf'),
      `unqualified-search-registries = ["127.0.0.1:9", "${plain.host}"]\nshort-name-mode = "enforcing"\n\n[[registry]]\nlocation = "${plain.host}"\ninsecure = true\n`,
    );
    const env = { ...process.env, ...store.env };
    const cancelled = await runOnPty(['pull', 'tools/plain:1'], [{ expect: 'Please select an image' }, { send: '\u0003' }], [24, 100], 15, env);
    expect(cancelled.exitCode, JSON.stringify(cancelled)).toBe(125);
    expect(cancelled.output).toContain('Error: choosing an image: cancelled');
    expect(imageNames(store)).toEqual([]);
    const r = await runOnPty(
      ['pull', 'tools/plain:1'],
      [{ expect: `▸ 127.0.0.1:9/tools/plain:1` }, { send: '\u001b[B' }, { expect: `▸ ${plain.host}/tools/plain:1` }, { send: '\r' }],
      [24, 100],
      30,
      env,
    );
    expect(r.exitCode, r.output).toBe(0);
    expect(r.output).toContain(`✔ ${plain.host}/tools/plain:1`);
    expect(r.output).toContain(`Trying to pull ${plain.host}/tools/plain:1...`);
    expect(r.output).not.toContain('Trying to pull 127.0.0.1:9');
    expect(imageNames(store)).toEqual([`${plain.host}/tools/plain:1`]);
    expect(readFileSync(join(cache, 'containers', 'short-name-aliases.conf'), 'utf8')).toContain(`"tools/plain" = "${plain.host}/tools/plain"`);
    // Remembered: no question the next time, on a terminal or not.
    const again = await store.run(['pull', '-q', 'tools/plain:1']);
    expect(again.exitCode, again.stderr).toBe(0);
  });

  it('refuses a blocked registry and a malformed registries.conf, naming the file and line', async () => {
    const store = newStore('pull-blocked', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-blocked-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'pull-blocked-etc') });
    const { config, etc } = withDirs(store);
    const file = join(config, 'containers', 'registries.conf');
    writeFileSync(file, `[[registry]]\nlocation = "${plain.host}"\nblocked = true\n`);
    const blocked = await store.run(['pull', '-q', '--tls-verify=false', `${plain.host}/tools/plain:1`]);
    expect(blocked.exitCode).toBe(125);
    expect(blocked.stderr).toBe(`Error: registry ${plain.host} is blocked in registries.conf: cannot pull ${plain.host}/tools/plain:1\n`);
    writeFileSync(file, 'unqualified-search-registries = ["a",\n  oops\n');
    const bad = await store.run(['pull', '-q', '--tls-verify=false', `${plain.host}/tools/plain:1`]);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toMatch(new RegExp(`^Error: ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: line 2: .+\\n$`));
    writeFileSync(file, '');
    writeFileSync(join(etc, 'policy.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { [`${plain.host}/tools`]: [{ type: 'reject' }] } } }));
    const rejected = await store.run(['pull', '-q', '--tls-verify=false', `${plain.host}/tools/plain:1`]);
    expect(rejected.stderr).toBe(`Error: docker:${plain.host}/tools/plain:1: rejected by the policy in ${join(etc, 'policy.json')}\n`);
    writeFileSync(join(etc, 'policy.json'), JSON.stringify({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k' }] }));
    const signed = await store.run(['pull', '-q', '--tls-verify=false', `${plain.host}/tools/plain:1`]);
    expect(signed.stderr).toMatch(/asks for a signature \(signedBy\), which burrow cannot verify yet\n$/);
    expect(imageNames(store)).toEqual([]);
  });

  it('pulls over TLS with the CA in certs.d (XDG_CONFIG_HOME) or --cert-dir, and refuses an unknown CA', async () => {
    const store = newStore('pull-tls', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-tls-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const { config } = withDirs(store);
    const untrusted = await store.run(['pull', '-q', `${tls.host}/plain`]);
    expect(untrusted.exitCode).toBe(125);
    expect(untrusted.stderr).toMatch(/TLS certificate is not trusted/);
    const viaDir = await store.run(['pull', '-q', '--cert-dir', tls.certDir as string, `${tls.host}/plain`]);
    expect(viaDir.stderr).toBe('');
    mkdirSync(join(config, 'containers', 'certs.d', tls.host), { recursive: true });
    writeFileSync(join(config, 'containers', 'certs.d', tls.host, 'ca.crt'), readFileSync(join(tls.certDir as string, 'ca.crt')));
    const viaConfig = await store.run(['pull', '-q', `${tls.host}/plain`]);
    expect(viaConfig.stderr).toBe('');
    expect(viaConfig.stdout).toBe(viaDir.stdout);
  });

  it('logs in (checking the password first), pulls with the saved credentials, logs out', async () => {
    const store = newStore('login', { XDG_CONFIG_HOME: join(fixtures().dir, 'login-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const name = `${auth.host}/private/plain:latest`;
    const anonymous = await store.run(['pull', '-q', '--tls-verify=false', name]);
    expect(anonymous.exitCode).toBe(125);
    expect(anonymous.stderr).toMatch(/authentication required/);
    const wrong = await store.run(['login', '--tls-verify=false', '-u', USER.username, '-p', 'wrong', auth.host]);
    expect(wrong.exitCode).toBe(125);
    expect(wrong.stderr).toBe(`Error: logging into "${auth.host}": invalid username/password\n`);
    const authFile = join(store.env.XDG_RUNTIME_DIR as string, 'containers', 'auth.json');
    expect(() => statSync(authFile)).toThrow();
    const ok = await store.run(['login', '--tls-verify=false', '-u', USER.username, '--password-stdin', auth.host], { input: `${USER.password}\n` });
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('Login Succeeded!\n');
    expect(statSync(authFile).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(authFile, 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(saved.auths[auth.host]?.auth ?? '', 'base64').toString()).toBe(`${USER.username}:${USER.password}`);
    expect((await store.run(['login', '--get-login', auth.host])).stdout).toBe(`${USER.username}\n`);
    const pulled = await store.run(['pull', '-q', '--tls-verify=false', name]);
    expect(pulled.stderr).toBe('');
    expect(pulled.stdout).toMatch(/^[a-f0-9]{64}\n$/);
    // skopeo reads the same file (podman's auth.json)
    const out = await store.run(['logout', auth.host]);
    expect(out.stdout).toBe(`Removed login credentials for ${auth.host}\n`);
    const again = await store.run(['logout', auth.host]);
    expect(again.exitCode).toBe(125);
    expect(again.stderr).toBe(`Error: not logged into ${auth.host}\n`);
    // --creds, without saving anything
    const creds = await store.run(['pull', '-q', '--tls-verify=false', '--creds', `${USER.username}:${USER.password}`, name]);
    expect(creds.stdout).toBe(pulled.stdout);
  });

  it('skips layers it has (shared between images) and pulls every tag with -a', async () => {
    const store = newStore('pull-share', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-share-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const a = await store.run(['pull', '--tls-verify=false', `${plain.host}/share:a`]);
    expect(a.exitCode, a.stderr).toBe(0);
    const b = await store.run(['pull', '--tls-verify=false', `${plain.host}/share:b`]);
    expect(b.exitCode, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/Copying blob [a-f0-9]{12} skipped: already exists/);
    const all = await store.run(['pull', '-q', '-a', '--tls-verify=false', `${plain.host}/share`]);
    expect(all.exitCode, all.stderr).toBe(0);
    expect(all.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('run and create pull as --pull says: missing (the default), never, always, newer', async () => {
    const store = newStore('pull-policy', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-policy-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const { config } = withDirs(store);
    writeFileSync(join(config, 'containers', 'registries.conf'), `[[registry]]\nlocation = "${plain.host}"\ninsecure = true\n`);
    const name = `${plain.host}/policy/app:1`;
    skopeoPush(plain, `oci-archive:${images.plainOci}`, 'policy/app:1');
    const never = await store.run(['run', '--rm', '--pull', 'never', name, 'true']);
    expect(never.exitCode).toBe(125);
    expect(never.stderr).toBe(`Error: ${name}: image not known\n`);
    const first = await store.run(['run', '--rm', name, 'echo', 'one']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toBe('one\n');
    expect(first.stderr).toContain(`Trying to pull ${name}...`);
    const second = await store.run(['run', '--rm', name, 'echo', 'two']);
    expect(second.stderr).toBe('');
    const always = await store.run(['run', '--rm', '--pull=always', name, 'true']);
    expect(always.stderr).toContain(`Trying to pull ${name}...`);
    const same = await store.run(['create', '--pull', 'newer', name]);
    expect(same.stderr).toBe('');
    expect(same.stdout).toMatch(/^[a-f0-9]{64}\n$/);
    // Another image under the same tag: newer pulls it, and the container is made from it.
    skopeoPush(plain, `docker-archive:${images.cfgDocker}`, 'policy/app:1');
    const newer = await store.run(['run', '--rm', '--pull', 'newer', name]);
    expect(newer.stderr).toContain(`Trying to pull ${name}...`);
    expect(newer.stdout).toMatch(/^cmd:bar:\/srv\/work:1000:1000\n$/);
    const bad = await store.run(['run', '--rm', '--pull', 'sometimes', name]);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toBe('Error: invalid pull policy "sometimes": use always, missing, never or newer\n');
  });

  it("run and create take podman's pull flags: --tls-verify, --authfile, -q, and --platform (or --os, --arch, --variant), which a stored image of another platform does not meet", async () => {
    const store = newStore('run-pull-flags', { XDG_CONFIG_HOME: join(fixtures().dir, 'run-pull-flags-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const host = hostPlatform();
    const other = host.architecture === 'arm64' ? 'linux/amd64' : 'linux/arm64/v8';
    const hostText = [host.os, host.architecture, host.variant].filter(Boolean).join('/');
    // The host's image runs (a root filesystem); the other platform's holds /platform only.
    await makeMultiArchIndex(plain, 'plat/app:1', { platforms: [{ platform: host, layers: [images.baseLayer] }, { platform: { os: 'linux', architecture: other.split('/')[1] as string, variant: other.split('/')[2] } }] });
    const name = `${plain.host}/plat/app:1`;
    const arch = async () => (await store.run(['image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', name])).stdout.trim();
    // Plain HTTP is refused unless --tls-verify=false says otherwise.
    const https = await store.run(['run', '--rm', name, 'true']);
    expect(https.exitCode).toBe(125);
    expect(https.stderr).toMatch(/\nError: .*the registry does not speak TLS: for an HTTP registry use --tls-verify=false/);
    expect(imageNames(store)).toEqual([]);
    // -q: no progress; the host's platform.
    const quiet = await store.run(['run', '--rm', '-q', '--tls-verify=false', name, 'true']);
    expect(quiet.exitCode, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(await arch()).toBe(`linux/${host.architecture}`);
    // Another platform: the stored image is not it, so missing pulls (progress shown without -q).
    const created = await store.run(['create', '--tls-verify=false', '--platform', other, name]);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stderr).toContain(`Trying to pull ${name}...`);
    expect(created.stdout).toMatch(/^[a-f0-9]{64}\n$/);
    expect(await arch()).toBe(`linux/${other.split('/')[1]}`);
    // Now stored, the same platform asked by parts is met without a pull; the host's is not, and never says so.
    const parts = await store.run(['create', '--pull', 'never', '--arch', other.split('/')[1] as string, name]);
    expect(parts.exitCode, parts.stderr).toBe(0);
    expect(parts.stderr).toBe('');
    expectOneError(await store.run(['run', '--rm', '--pull', 'never', '--platform', hostText, name, 'true']), new RegExp(`^Error: ${name.replace(/[.]/g, '\\.')}: image not known for ${hostText} \\(the stored one is ${other}\\)$`));
    // Bad combinations: one clear line, nothing made.
    const before = (await store.run(['ps', '-a', '-q'])).stdout;
    expectOneError(await store.run(['run', '--rm', '--platform', 'linux/amd64', '--arch', 'arm64', name, 'true']), /^Error: --platform cannot be used with --os, --arch or --variant$/);
    expectOneError(await store.run(['create', '--platform', 'linux', name]), /^Error: invalid platform `linux`: expected OS\/ARCH\[\/VARIANT\]$/);
    expectOneError(await store.run(['run', '--rm', '--rootfs', fixtures().rootfs, '--arch', 'arm64', '-q', 'true']), /^Error: --arch, --quiet: --rootfs runs no image, so nothing is pulled$/);
    expect((await store.run(['ps', '-a', '-q'])).stdout).toBe(before);
    // --authfile: the credentials of a file of the user's own, for this run only.
    const authfile = join(store.data, '..', 'creds.json');
    writeFileSync(authfile, JSON.stringify({ auths: { [auth.host]: { auth: Buffer.from(`${USER.username}:${USER.password}`).toString('base64') } } }));
    const privateName = `${auth.host}/private/plain:latest`;
    const refused = await store.run(['run', '--rm', '-q', '--tls-verify=false', privateName, 'true']);
    expect(refused.exitCode).toBe(125);
    expect(refused.stderr).toMatch(/authentication required/);
    const withFile = await store.run(['run', '--rm', '-q', '--tls-verify=false', '--authfile', authfile, privateName, 'true']);
    expect(withFile.exitCode, withFile.stderr).toBe(0);
    expect(withFile.stderr).toBe('');
  });

  it('pushes: skopeo reads it back, only missing blobs are sent, pull then push keeps every digest; --format, --digestfile, auth', async () => {
    const store = newStore('push', { XDG_CONFIG_HOME: join(fixtures().dir, 'push-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const loaded = await store.run(['load', '-q', '-i', images.cfgDocker]);
    expect(loaded.exitCode, loaded.stderr).toBe(0);
    const dest = `${plain.host}/pushed/cfg:1`;
    const digestFile = join(fixtures().dir, 'push-digest');
    const r = await store.run(['push', '--tls-verify=false', '--digestfile', digestFile, 'localhost/cfg:latest', `docker://${dest}`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Getting image source signatures\nCopying blob sha256:[a-f0-9]{64}\nCopying config sha256:[a-f0-9]{64}\nWriting manifest to image destination\n$/);
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${dest}`]);
    expect(readFileSync(digestFile, 'utf8')).toBe(`sha256:${sha256(raw)}`);
    const inspect = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', `docker://${dest}`], { encoding: 'utf8' })) as { Layers: string[]; Digest: string };
    const ids = await store.run(['images', '--format', '{{.ID}}', '--no-trunc']);
    // Pulled back into a fresh store: the same image id (config digest) and layer digests.
    const other = newStore('push-back', { XDG_CONFIG_HOME: join(fixtures().dir, 'push-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const back = await other.run(['pull', '-q', '--tls-verify=false', dest]);
    expect(back.stdout.trim()).toBe(ids.stdout.trim().replace(/^sha256:/, ''));
    expect(inspect.Digest).toBe(readFileSync(digestFile, 'utf8'));
    // Again, to another tag: every blob is there already.
    const again = await store.run(['push', '--tls-verify=false', 'localhost/cfg:latest', `${plain.host}/pushed/cfg:2`]);
    expect(again.stderr).toMatch(/Copying blob [a-f0-9]{12} skipped: already exists/);
    // To another repository of the registry: every blob mounted from where it was pushed, none sent.
    const mounted = await store.run(['push', '--tls-verify=false', 'localhost/cfg:latest', `${plain.host}/mounted/cfg:1`]);
    expect(mounted.exitCode, mounted.stderr).toBe(0);
    expect(mounted.stderr).toMatch(/^Getting image source signatures\nCopying blob [a-f0-9]{12} skipped: already exists\nCopying config [a-f0-9]{12} skipped: already exists\nWriting manifest/);
    const log = plain.log();
    expect(log).toMatch(/http\.request\.method=POST .*http\.request\.uri="\/v2\/mounted\/cfg\/blobs\/uploads\/\?mount=sha256%3A[a-f0-9]{64}&from=pushed%2Fcfg"/);
    expect(log).not.toMatch(/http\.request\.method=PUT .*http\.request\.uri="\/v2\/mounted\/cfg\/blobs\/uploads\//);
    expect(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${plain.host}/mounted/cfg:1`]).equals(raw)).toBe(true);
    // Pulled from one repository, pushed to another: mounted from the one pulled from.
    const fromPull = await other.run(['push', '--tls-verify=false', dest, `${plain.host}/mounted/again:1`]);
    expect(fromPull.exitCode, fromPull.stderr).toBe(0);
    expect(plain.log()).toMatch(/http\.request\.uri="\/v2\/mounted\/again\/blobs\/uploads\/\?mount=sha256%3A[a-f0-9]{64}&from=pushed%2Fcfg"/);
    expect(plain.log()).not.toMatch(/http\.request\.method=PUT .*http\.request\.uri="\/v2\/mounted\/again\/blobs\/uploads\//);
    // --format oci rewrites the manifest's media types, not the blobs.
    const oci = await store.run(['push', '-q', '--tls-verify=false', '--format', 'oci', 'localhost/cfg:latest', `${plain.host}/pushed/cfg:oci`]);
    expect(oci.stderr).toBe('');
    const ociRaw = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${plain.host}/pushed/cfg:oci`], { encoding: 'utf8' })) as { mediaType: string; layers: { digest: string }[] };
    expect(ociRaw.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(ociRaw.layers.map((l) => l.digest)).toEqual(inspect.Layers);
    // A registry with htpasswd: refused without credentials, accepted with --creds.
    const denied = await store.run(['push', '-q', '--tls-verify=false', 'localhost/cfg:latest', `${auth.host}/private/cfg:1`]);
    expect(denied.exitCode).toBe(125);
    expect(denied.stderr).toMatch(/^Error: .*authentication required/);
    const allowed = await store.run(['push', '-q', '--tls-verify=false', '--creds', `${USER.username}:${USER.password}`, 'localhost/cfg:latest', `${auth.host}/private/cfg:1`]);
    expect(allowed.stderr).toBe('');
    // Bad destinations and formats: one line, exit 125.
    const transport = await store.run(['push', 'localhost/cfg:latest', 'containers-storage:x']);
    expect(transport.stderr).toBe('Error: push to `containers-storage:` is not supported: give docker://, oci:, oci-archive: or docker-archive:\n');
    expect(transport.exitCode).toBe(125);
    const format = await store.run(['push', '--format', 'v1', 'localhost/cfg:latest', dest]);
    expect(format.stderr).toBe('Error: unknown format "v1": use oci or v2s2\n');
    expect(format.exitCode).toBe(125);
  });

  it('push --compression-format: layers recompressed (zstd, gzip at a level), the manifest naming the new blobs; pulled back, the same image', async () => {
    const store = newStore('push-comp', { XDG_CONFIG_HOME: join(fixtures().dir, 'push-comp-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    expect((await store.run(['load', '-q', '-i', images.cfgDocker])).exitCode).toBe(0);
    const id = (await store.run(['images', '--format', '{{.ID}}', '--no-trunc'])).stdout.trim().replace(/^sha256:/, '');
    // Docker's manifest has no zstd layer type.
    const docker = await store.run(['push', '-q', '--tls-verify=false', '--compression-format', 'zstd', 'localhost/cfg:latest', `${plain.host}/comp/cfg:zstd`]);
    expect(docker.exitCode).toBe(125);
    expect(docker.stderr).toMatch(/^Error: .*: zstd layers need an OCI manifest \(add --format oci\)\n$/);
    for (const [compression, format, extra, type] of [
      ['zstd', 'oci', [], 'application/vnd.oci.image.layer.v1.tar+zstd'],
      ['gzip', 'v2s2', ['--compression-level', '1'], 'application/vnd.docker.image.rootfs.diff.tar.gzip'],
    ] as const) {
      const dest = `${plain.host}/comp/cfg:${compression}`;
      const r = await store.run(['push', '--tls-verify=false', '--format', format, '--compression-format', compression, ...extra, 'localhost/cfg:latest', dest]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stderr).toContain(`with ${compression}\n`);
      const raw = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${dest}`], { encoding: 'utf8' })) as { layers: { mediaType: string; digest: string }[] };
      expect(raw.layers.map((l) => l.mediaType)).toEqual(raw.layers.map(() => type));
      // skopeo checks every digest on a copy; burrow pulls it back to the same image (the config's diff ids hold).
      execFileSync('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${dest}`, `oci:${join(fixtures().dir, `push-comp-${compression}`)}:x`]);
      const back = newStore(`push-comp-back-${compression}`, { XDG_CONFIG_HOME: join(fixtures().dir, 'push-comp-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
      const pulled = await back.run(['pull', '-q', '--tls-verify=false', dest]);
      // (stored only when every layer unpacked to the diff id the config names)
      expect([pulled.exitCode, pulled.stdout.trim()]).toEqual([0, id]);
    }
    // Nothing of the recompressed layers is left in the store's tmp/.
    expect(list(join(store.data, 'tmp')).filter((f) => f.startsWith('ingest-'))).toEqual([]);
    for (const [args, error] of [
      [['--compression-format', 'lz4'], 'Error: unknown compression format "lz4": use gzip or zstd\n'],
      [['--compression-format', 'gzip', '--compression-level', '30'], 'Error: invalid --compression-level "30": gzip takes 1 to 9\n'],
      [['--compression-level', '3'], 'Error: --compression-level needs --compression-format\n'],
    ] as const) {
      const bad = await store.run(['push', '--tls-verify=false', ...args, 'localhost/cfg:latest', `${plain.host}/comp/bad:1`]);
      expect([bad.exitCode, bad.stderr]).toEqual([125, error]);
    }
    const toFile = await store.run(['push', '--compression-format', 'zstd', 'localhost/cfg:latest', `oci:${join(fixtures().dir, 'push-comp-layout')}`]);
    expect([toFile.exitCode, toFile.stderr]).toEqual([125, 'Error: --compression-format: oci: is written with the layers as stored; recompressing is for registries\n']);
  });

  it('pulls layers as gzip, zstd and plain tar, each unpacked as it comes, and runs the image', async () => {
    const store = newStore('pull-zstd', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-zstd-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const zstdTar = await makeTar([{ name: 'z.txt', data: 'from a zstd layer\n'.repeat(1000) }]);
    const plainTar = await makeTar([{ name: 'p.txt', data: 'from a plain layer\n' }]);
    const layers = [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', bytes: gzipSync(images.baseLayer), diffId: `sha256:${sha256(images.baseLayer)}` },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', bytes: execFileSync('zstd', ['-q', '-c'], { input: zstdTar }), diffId: `sha256:${sha256(zstdTar)}` },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', bytes: plainTar, diffId: `sha256:${sha256(plainTar)}` },
    ];
    const config = Buffer.from(JSON.stringify({ architecture: hostPlatform().architecture, os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }));
    for (const blob of [config, ...layers.map((l) => l.bytes)]) await putBlob(plain, 'kinds/app', blob);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.ociManifest,
        config: { mediaType: MEDIA.ociConfig, digest: `sha256:${sha256(config)}`, size: config.length },
        layers: layers.map((l) => ({ mediaType: l.mediaType, digest: `sha256:${sha256(l.bytes)}`, size: l.bytes.length })),
      }),
    );
    await putRawManifest(plain, 'kinds/app', '1', MEDIA.ociManifest, manifest);
    const name = `${plain.host}/kinds/app:1`;
    const r = await store.run(['pull', '-q', '--tls-verify=false', name]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${sha256(config)}\n`);
    const run = await store.run(['run', '--rm', name, 'sh', '-c', 'head -n 1 /z.txt; cat /p.txt']);
    expect(run.stdout).toBe('from a zstd layer\nfrom a plain layer\n');
  });

  it('a manifest list: the host platform by default, --platform another, a missing one named; manifest inspect prints it; image exists', async () => {
    const store = newStore('index', { XDG_CONFIG_HOME: join(fixtures().dir, 'index-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
    const hostArch = process.arch === 'x64' ? 'amd64' : process.arch;
    const otherArch = hostArch === 'amd64' ? 'arm64' : 'amd64';
    // Two images in one repository, then an index naming them for two platforms, PUT as the registry API says.
    skopeoPush(plain, `oci-archive:${images.plainOci}`, 'multi/app:host');
    skopeoPush(plain, `oci-archive:${images.cfgOci}`, 'multi/app:other');
    const raw = (tag: string) => execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${plain.host}/multi/app:${tag}`]);
    const entry = (bytes: Buffer, architecture: string) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: `sha256:${sha256(bytes)}`,
      size: bytes.length,
      platform: { os: 'linux', architecture, ...(architecture === 'arm64' ? { variant: 'v8' } : {}) },
    });
    const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [entry(raw('host'), hostArch), entry(raw('other'), otherArch)] });
    const put = await fetch(`http://${plain.host}/v2/multi/app/manifests/1`, { method: 'PUT', headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' }, body: index });
    expect(put.status).toBe(201);
    const name = `${plain.host}/multi/app:1`;
    const host = await store.run(['pull', '-q', '--tls-verify=false', name]);
    expect(host.stderr).toBe('');
    const hostConfig = (JSON.parse(raw('host').toString()) as { config: { digest: string } }).config.digest;
    expect(host.stdout).toBe(`${hostConfig.slice(7)}\n`);
    const other = await store.run(['pull', '-q', '--tls-verify=false', '--platform', `linux/${otherArch}`, name]);
    const otherConfig = (JSON.parse(raw('other').toString()) as { config: { digest: string } }).config.digest;
    expect(other.stdout).toBe(`${otherConfig.slice(7)}\n`);
    const none = await store.run(['pull', '-q', '--tls-verify=false', '--platform', 'linux/s390x', name]);
    expect(none.exitCode).toBe(125);
    expect(none.stderr).toMatch(new RegExp(`^Error: .*: no image for linux/s390x in the manifest list \\(it has linux/${hostArch}.*\\)\\n$`));
    const inspect = await store.run(['manifest', 'inspect', '--tls-verify=false', name]);
    expect(inspect.exitCode, inspect.stderr).toBe(0);
    expect(JSON.parse(inspect.stdout)).toEqual(JSON.parse(index));
    expect(inspect.stdout).toContain('\n    "schemaVersion": 2');
    expect((await store.run(['image', 'exists', name])).exitCode).toBe(0);
    expect((await store.run(['image', 'exists', `${plain.host}/multi/nope:1`])).exitCode).toBe(1);
  });

  describe('a registry that misbehaves', () => {
    /** A one-layer image served by a fake registry, with the layer's bytes as given. */
    async function serve(layerServed: (res: import('node:http').ServerResponse, layer: Buffer, range: string | undefined) => void, opts: { manifest?: (m: Buffer) => { type: string; body: Buffer } } = {}) {
      const layer = images.baseLayer;
      const layerDigest = `sha256:${sha256(layer)}`;
      const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [layerDigest] } }));
      const configDigest = `sha256:${sha256(config)}`;
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
          layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length }],
        }),
      );
      const shown = opts.manifest ? opts.manifest(manifest) : { type: 'application/vnd.oci.image.manifest.v1+json', body: manifest };
      const fake = await startFakeRegistry((req, res) => {
        if (req.url?.includes('/manifests/')) res.writeHead(200, { 'Content-Type': shown.type, 'Content-Length': shown.body.length }).end(shown.body);
        else if (req.url?.endsWith(configDigest)) res.writeHead(200, { 'Content-Length': config.length }).end(config);
        else if (req.url?.endsWith(layerDigest)) layerServed(res, layer, req.headers.range);
        else res.writeHead(404).end();
      });
      return { fake, layer, layerDigest };
    }

    it('a layer that is not what its digest says: refused by name, nothing stored', async () => {
      // A good tar, of the same size, but not the layer the digest names.
      const other = await makeTar([{ name: 'other.txt', data: 'x'.repeat(100) }]);
      const { fake, layerDigest } = await serve((res, layer) => {
        const bad = Buffer.concat([other, Buffer.alloc(Math.max(0, layer.length - other.length))]).subarray(0, layer.length);
        res.writeHead(200, { 'Content-Length': bad.length }).end(bad);
      });
      try {
        const store = newStore('pull-digest', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-digest-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const r = await store.run(['pull', '-q', '--tls-verify=false', `${fake.host}/bad:1`]);
        expect(r.exitCode).toBe(125);
        expect(r.stderr).toMatch(new RegExp(`^Error: layer ${layerDigest}: digest mismatch: expected ${layerDigest}, got sha256:[a-f0-9]{64}\\n$`));
        expect(imageNames(store)).toEqual([]);
        expect(list(join(store.data, 'layers'))).toEqual([]);
        expect(list(join(store.data, 'tmp')).filter((f) => f.startsWith('ingest-'))).toEqual([]);
      } finally {
        await fake.stop();
      }
    });

    it('a connection cut mid-layer: continued with a Range request from where it stopped', async () => {
      let cuts = 0;
      const { fake, layer } = await serve((res, whole, range) => {
        const from = range ? Number(/^bytes=(\d+)-$/.exec(range)?.[1]) : 0;
        const part = whole.subarray(from);
        res.writeHead(from > 0 ? 206 : 200, { 'Content-Length': part.length, ...(from > 0 ? { 'Content-Range': `bytes ${from}-${whole.length - 1}/${whole.length}` } : {}) });
        if (cuts < 2) {
          cuts++;
          res.write(part.subarray(0, Math.floor(part.length / 3)), () => res.socket?.destroy());
        } else res.end(part);
      });
      try {
        const store = newStore('pull-cut', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-cut-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const r = await store.run(['pull', '-q', '--retry-delay', '10ms', '--tls-verify=false', `${fake.host}/cut:1`]);
        expect(r.stderr).toBe('');
        expect(r.exitCode).toBe(0);
        const layerRequests = fake.requests.filter((q) => q.url.includes('/blobs/') && !q.url.endsWith('config'));
        expect(layerRequests.map((q) => q.range !== undefined)).toContain(true);
        expect(cuts).toBe(2);
        const run = await store.run(['run', '--rm', `${fake.host}/cut:1`, 'sh', '-c', 'echo whole']);
        expect(run.stdout).toBe('whole\n');
        expect(layer.length).toBeGreaterThan(0);
        // With no retries left, the cut is the error, naming the blob and how far it got.
        cuts = 0;
        const store2 = newStore('pull-cut2', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-cut2-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const failed = await store2.run(['pull', '-q', '--retry', '0', '--tls-verify=false', `${fake.host}/cut:1`]);
        expect(failed.exitCode).toBe(125);
        expect(failed.stderr).toMatch(/^Error: reading blob sha256:[a-f0-9]{64} in 127\.0\.0\.1:\d+\/cut: the connection was closed by the registry after \d+ of \d+ bytes\n$/);
        expect(imageNames(store2)).toEqual([]);
        // What it fetched is kept, and the next pull asks only for the rest.
        const kept = statSync(join(store2.data, 'tmp', `download-${sha256(layer)}`)).size;
        // (what was still in the pipe when the error came is dropped: a prefix, at most what was received)
        expect(kept).toBeGreaterThan(0);
        expect(kept).toBeLessThanOrEqual(Math.floor(layer.length / 3));
        cuts = 2;
        const before = fake.requests.length;
        const resumed = await store2.run(['pull', '-q', '--tls-verify=false', `${fake.host}/cut:1`]);
        expect(resumed.exitCode, resumed.stderr).toBe(0);
        expect(fake.requests.slice(before).filter((q) => q.url.endsWith(sha256(layer))).map((q) => q.range)).toEqual([`bytes=${kept}-`]);
      } finally {
        await fake.stop();
      }
    });

    it('a pull killed (kill -9) or broken off is continued by the next one from where it stopped, and checked whole', async () => {
      // The first answer sends half the layer and then nothing (the pull hangs until it is killed);
      // later ones answer Range requests.
      let mode: 'stall' | 'good' | 'bad' = 'stall';
      const { fake, layer, layerDigest } = await serve((res, whole, range) => {
        const from = range ? Number(/^bytes=(\d+)-$/.exec(range)?.[1]) : 0;
        const part = mode === 'bad' ? Buffer.alloc(whole.length - from, 7) : whole.subarray(from);
        res.writeHead(from > 0 ? 206 : 200, { 'Content-Length': part.length, ...(from > 0 ? { 'Content-Range': `bytes ${from}-${whole.length - 1}/${whole.length}` } : {}) });
        if (mode === 'stall') res.write(part.subarray(0, Math.floor(part.length / 2)));
        else res.end(part);
      });
      const hexDigest = layerDigest.slice(7);
      try {
        const store = newStore('pull-resume', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-resume-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const name = `${fake.host}/resume:1`;
        const download = join(store.data, 'tmp', `download-${hexDigest}`);
        const size = () => (existsSync(download) ? statSync(download).size : 0);
        const child = store.spawn(['pull', '-q', '--tls-verify=false', name]);
        await waitFor('half the layer on disk', () => size() >= Math.floor(layer.length / 2));
        child.kill('SIGKILL');
        await child;
        // Its fetch workers die with it: none goes on writing (or holds the registry's connection).
        expect(await eventually(() => processesWith(store.data).length === 0), `left running: ${processesWith(store.data).join(' ')}`).toBe(true);
        const kept = size();
        expect(kept).toBe(Math.floor(layer.length / 2));
        // Nothing half-stored, and the store works.
        expect(imageNames(store)).toEqual([]);
        expect(list(join(store.data, 'layers'))).toEqual([]);
        expect((await store.run(['images'])).exitCode).toBe(0);

        mode = 'good';
        const before = fake.requests.length;
        const again = await store.run(['pull', '-q', '--tls-verify=false', name]);
        expect(again.stderr).toBe('');
        expect(again.exitCode).toBe(0);
        const layerAsks = fake.requests.slice(before).filter((q) => q.url.endsWith(layerDigest));
        expect(layerAsks.map((q) => [q.range, q.bytes])).toEqual([[`bytes=${kept}-`, layer.length - kept]]);
        expect(existsSync(download)).toBe(false);
        expect(sha256(readFileSync(join(store.data, 'blobs', 'sha256', hexDigest)))).toBe(hexDigest);
        expect((await store.run(['run', '--rm', name, 'sh', '-c', 'echo resumed'])).stdout).toBe('resumed\n');

        // A kept start that is not the blob's (damaged since): the pull finds out from the digest and fetches it whole.
        const store2 = newStore('pull-resume-bad', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-resume-bad-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        mkdirSync(join(store2.data, 'tmp'), { recursive: true });
        expect((await store2.run(['images'])).exitCode).toBe(0);
        const damaged = Buffer.from(layer.subarray(0, 5000));
        damaged.writeUInt8(damaged.readUInt8(4000) ^ 0xff, 4000);
        writeFileSync(join(store2.data, 'tmp', `download-${hexDigest}`), damaged);
        const before2 = fake.requests.length;
        const fixed = await store2.run(['pull', '-q', '--tls-verify=false', name]);
        expect(fixed.stderr).toBe('');
        expect(fixed.exitCode).toBe(0);
        const asks2 = fake.requests.slice(before2).filter((q) => q.url.endsWith(layerDigest));
        expect(asks2.map((q) => q.range)).toEqual(['bytes=5000-', undefined]);
        expect(sha256(readFileSync(join(store2.data, 'blobs', 'sha256', hexDigest)))).toBe(hexDigest);
        expect(existsSync(join(store2.data, 'tmp', `download-${hexDigest}`))).toBe(false);

        // A layer that fails its digest from the start is not kept for a resume.
        const store3 = newStore('pull-resume-none', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-resume-none-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        mode = 'bad';
        const refused = await store3.run(['pull', '-q', '--tls-verify=false', name]);
        mode = 'good';
        expect(refused.exitCode).toBe(125);
        expect(list(join(store3.data, 'tmp')).filter((f) => f.startsWith('download-'))).toEqual([]);

        // Two pulls of it at once: one continues the download, the other fetches into its own staging.
        const store4 = newStore('pull-resume-two', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-resume-two-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const both = await Promise.all([1, 2].map(() => store4.run(['pull', '-q', '--tls-verify=false', name])));
        expect(both.map((r) => [r.exitCode, r.stderr])).toEqual([[0, ''], [0, '']]);
        expect(imageNames(store4)).toEqual([name]);
      } finally {
        await fake.stop();
      }
    });

    it('on a terminal: podman\'s bars, one per blob, redrawn in place, then `done`; -q prints the id alone', async (ctx) => {
      requireFeature(ctx, 'python3');
      const { fake, layer, layerDigest } = await serve((res, whole) => {
        res.writeHead(200, { 'Content-Length': whole.length });
        res.write(whole.subarray(0, Math.floor(whole.length / 2)));
        setTimeout(() => res.end(whole.subarray(Math.floor(whole.length / 2))), 700);
      });
      try {
        const store = newStore('pull-bars', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-bars-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const name = `${fake.host}/bars:1`;
        const env = { ...process.env, ...store.env };
        const short = layerDigest.slice(7, 19);
        const r = await runOnPty(['pull', '--tls-verify=false', name], [], [24, 120], 15, env);
        expect(r.exitCode, r.output).toBe(0);
        // A frame while the layer was half there: the bar, the counters, the rate.
        // (What has gone through: the fetch worker reports every 256 KiB at most (REPORT_BYTES), so the
        // frame may show 1.9 MiB of a 4.3 MiB layer's half: seen in 1 of 3 runs.)
        const half = layer.length / 2 / 1024 / 1024;
        // (the frame nearest the stall: one drawn before it, on a loaded machine, shows less)
        const frames = [...r.output.matchAll(new RegExp(`Copying blob ${short} \\[=+>-+\\] ([0-9.]+)MiB / [0-9.]+MiB \\| [0-9.]+ [KMG]?i?B/s`, 'g'))];
        expect(frames.length, r.output).toBeGreaterThan(0);
        expect(Math.min(...frames.map((f) => Math.abs(Number(f[1]) - half))), r.output).toBeLessThanOrEqual(0.3);
        // Redrawn in place (the cursor goes back up), and finished as podman finishes it.
        expect(r.output).toContain('\x1b[1F');
        expect(r.output).toContain(`Copying blob ${short} done   |`);
        expect(r.output).toMatch(/Copying config [a-f0-9]{12} done {3}\|/);
        const plain = r.output.replace(new RegExp(`${String.fromCharCode(27)}\\[\\d*[A-Za-z]`, 'g'), '');
        expect(plain).toContain(`Trying to pull ${name}...\r\nGetting image source signatures\r\n`);
        expect(plain).toMatch(/Writing manifest to image destination\r\n[a-f0-9]{64}\r\n$/);
        // Pulled again: the layer is there.
        const again = await runOnPty(['pull', '--tls-verify=false', name], [], [24, 120], 15, env);
        expect(again.output).toContain(`Copying blob ${short} skipped: already exists`);
        const quiet = await runOnPty(['pull', '-q', '--tls-verify=false', name], [], [24, 120], 15, env);
        expect(quiet.output).toMatch(/^[a-f0-9]{64}\r\n$/);
        // push draws the same bars.
        const target = await startFakeRegistry();
        try {
          const pushed = await runOnPty(['push', '--tls-verify=false', name, `${target.host}/bars:1`], [], [24, 120], 15, env);
          expect(pushed.exitCode, pushed.output).toBe(0);
          expect(pushed.output).toContain(`Copying blob ${short} done   |`);
          expect(pushed.output).toMatch(/Copying config [a-f0-9]{12} done {3}\|/);
          expect(pushed.output).toMatch(/Writing manifest to image destination\r\n$/);
        } finally {
          await target.stop();
        }
      } finally {
        await fake.stop();
      }
    });

    it('a hostile layer (an entry that climbs out with `..`) is refused by name, nothing stored or kept, nothing written outside', async () => {
      const fake = await startFakeRegistry();
      try {
        const outside = join(fixtures().dir, 'pull-hostile-outside');
        mkdirSync(outside, { recursive: true });
        const hostile = await makeTar([
          { name: 'ok.txt', data: 'fine\n' },
          { name: '../../../../../../../../../..' + join(outside, 'escaped.txt'), data: 'escaped\n' },
        ]);
        const put = await putImage(fake, 'hostile/app:1', { layers: [hostile] });
        const store = newStore('pull-hostile', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-hostile-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const r = await store.run(['pull', '-q', '--tls-verify=false', `${fake.host}/hostile/app:1`]);
        expect(r.exitCode).toBe(125);
        expect(r.stderr).toMatch(new RegExp(`^Error: layer ${put.layerDigests[0]}: layer entry \`[^\`]*escaped\\.txt\` has a \`\\.\\.\` component\n$`));
        expect(existsSync(join(outside, 'escaped.txt'))).toBe(false);
        expect(imageNames(store)).toEqual([]);
        expect(list(join(store.data, 'layers'))).toEqual([]);
        expect(list(join(store.data, 'tmp')).filter((f) => f.startsWith('download-') || f.startsWith('ingest-'))).toEqual([]);
      } finally {
        await fake.stop();
      }
    });

    it('push to a registry that asks for chunks (OCI-Chunk-Min-Length): PATCHes of that size at least, then the PUT with the digest', async () => {
      const source = await startFakeRegistry();
      const CHUNK_MIN = 9 << 20;
      const chunked = await startFakeRegistry((req, res, fake) => {
        if (req.method === 'POST' && (req.url ?? '').includes('/blobs/uploads/')) res.setHeader('OCI-Chunk-Min-Length', String(CHUNK_MIN));
        return fake.serve(req, res);
      });
      try {
        const big = await makeTar([{ name: 'big.bin', data: randomBytes(20 << 20) }]);
        const put = await putImage(source, 'src/big:1', { layers: [big] });
        const store = newStore('push-chunks', { XDG_CONFIG_HOME: join(fixtures().dir, 'push-chunks-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const name = `${source.host}/src/big:1`;
        expect((await store.run(['pull', '-q', '--tls-verify=false', name])).exitCode).toBe(0);
        const r = await store.run(['push', '-q', '--tls-verify=false', name, `${chunked.host}/dst/big:1`]);
        expect(r.stderr).toBe('');
        expect(r.exitCode).toBe(0);
        const layer = put.layers[0] as Buffer;
        const patches = chunked.requests.filter((q) => q.method === 'PATCH').map((q) => [q.headers['content-range'], Number(q.headers['content-length'])]);
        const expected: [string, number][] = [];
        for (let at = 0; at < layer.length; at += CHUNK_MIN) {
          const end = Math.min(layer.length, at + CHUNK_MIN) - 1;
          expected.push([`${at}-${end}`, end - at + 1]);
        }
        expect(patches).toEqual(expect.arrayContaining(expected));
        expect(patches).toHaveLength(expected.length + 1); // and the config's one
        expect(chunked.requests.filter((q) => q.method === 'PUT' && q.url.includes('/blobs/uploads/')).map((q) => q.headers['content-length'])).toEqual(['0', '0']);
        expect(chunked.blobs.get(put.layerDigests[0] as string)?.equals(layer)).toBe(true);
        const back = newStore('push-chunks-back', { XDG_CONFIG_HOME: join(fixtures().dir, 'push-chunks-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const pulled = await back.run(['pull', '-q', '--tls-verify=false', `${chunked.host}/dst/big:1`]);
        expect([pulled.exitCode, pulled.stdout.trim()]).toEqual([0, put.configDigest.slice(7)]);
        // A registry that lost a chunk: it answers 416 with what it holds, and the upload goes on from there.
        let patchCount = 0;
        const forgetful = await startFakeRegistry(async (req, res, fake) => {
          if (req.method === 'POST' && (req.url ?? '').includes('/blobs/uploads/')) res.setHeader('OCI-Chunk-Min-Length', String(CHUNK_MIN));
          if (req.method === 'PATCH' && ++patchCount === 2) {
            for await (const _chunk of req) void _chunk; // dropped, not kept
            res.writeHead(416, { Range: `0-${CHUNK_MIN - 1}`, Location: req.url ?? '', 'Content-Length': 0 }).end();
            return;
          }
          return fake.serve(req, res);
        });
        try {
          const again = await store.run(['push', '-q', '--tls-verify=false', name, `${forgetful.host}/dst/big:1`]);
          expect([again.exitCode, again.stderr]).toEqual([0, '']);
          const sent = forgetful.requests.filter((q) => q.method === 'PATCH').map((q) => q.headers['content-range']);
          expect(sent.slice(0, 3)).toEqual([`0-${CHUNK_MIN - 1}`, `${CHUNK_MIN}-${2 * CHUNK_MIN - 1}`, `${CHUNK_MIN}-${2 * CHUNK_MIN - 1}`]);
          expect(forgetful.blobs.get(put.layerDigests[0] as string)?.equals(layer)).toBe(true);
        } finally {
          await forgetful.stop();
        }
      } finally {
        await Promise.all([source.stop(), chunked.stop()]);
      }
    });

    it("containers.conf's image_parallel_copies bounds the layers fetched at once; a malformed one is named with its line", async () => {
      let inFlight = 0;
      let most = 0;
      const fake = await startFakeRegistry(async (req, res, f) => {
        const layer = req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && !(req.url ?? '').endsWith(configOf);
        if (!layer) return f.serve(req, res);
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 500));
        res.once('close', () => inFlight--);
        return f.serve(req, res);
      });
      let configOf = '';
      try {
        const layers = await Promise.all([1, 2, 3, 4].map((i) => makeTar([{ name: `f${i}`, data: `layer ${i}\n` }])));
        configOf = (await putImage(fake, 'par/app:1', { layers })).configDigest;
        const etc = acceptingEtc(join(fixtures().dir, 'pull-par-etc'));
        writeFileSync(join(etc, 'containers.conf'), '[engine]\nimage_parallel_copies = 1\n');
        const one = newStore('pull-par', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-par-config'), BURROW_CONTAINERS_CONF_DIR: etc });
        expect((await one.run(['pull', '-q', '--tls-verify=false', `${fake.host}/par/app:1`])).exitCode).toBe(0);
        expect(most).toBe(1);
        // The user's file wins over the system's.
        mkdirSync(join(fixtures().dir, 'pull-par-config2', 'containers'), { recursive: true });
        writeFileSync(join(fixtures().dir, 'pull-par-config2', 'containers', 'containers.conf'), '[engine]\nimage_parallel_copies = 0\n');
        most = 0;
        const all = newStore('pull-par2', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-par-config2'), BURROW_CONTAINERS_CONF_DIR: etc });
        expect((await all.run(['pull', '-q', '--tls-verify=false', `${fake.host}/par/app:1`])).exitCode).toBe(0);
        expect(most).toBe(4);
        writeFileSync(join(etc, 'containers.conf'), '[engine]\nimage_parallel_copies = "many\n');
        const bad = await newStore('pull-par3', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-par-config3'), BURROW_CONTAINERS_CONF_DIR: etc }).run(['pull', '-q', '--tls-verify=false', `${fake.host}/par/app:1`]);
        expect(bad.exitCode).toBe(125);
        expect(bad.stderr).toMatch(new RegExp(`^Error: ${join(etc, 'containers.conf').replace(/[.]/g, '\\.')}: line 2: .*\n$`));
      } finally {
        await fake.stop();
      }
    });

    it('the layers of a pull share fetch workers, no more than the cores; each answer reaches its own layer, and a bad one among many is named', async () => {
      const layerTars = await Promise.all([1, 2, 3, 4, 5].map((i) => makeTar([{ name: `f${i}`, data: `layer ${i}\n`.repeat(1000 * i) }])));
      let image: Awaited<ReturnType<typeof putImage>> | undefined;
      let bad = '';
      let store: TestStore | undefined;
      // Every layer's answer waits until all five are asked for: then the fetch workers alive are counted.
      let asked = 0;
      let open: () => void = () => undefined;
      let gate = new Promise<void>((r) => (open = r));
      let workers: number[] = [];
      const fake = await startFakeRegistry(async (req, res, f) => {
        const url = req.url ?? '';
        const i = image && req.method === 'GET' ? image.layerDigests.findIndex((d) => url.endsWith(d)) : -1;
        if (i < 0 || !image) return f.serve(req, res);
        if (++asked === layerTars.length) {
          workers = processesWith(store?.data ?? '/nonexistent').filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--internal-worker\0fetch'));
          open();
        }
        await gate;
        if (image.layerDigests[i] !== bad) return f.serve(req, res);
        // the same length, other bytes
        const body = Buffer.alloc((image.layers[i] as Buffer).length, 7);
        res.writeHead(200, { 'Content-Length': body.length }).end(body);
      });
      try {
        image = await putImage(fake, 'many/app:1', { layers: layerTars });
        const name = `${fake.host}/many/app:1`;
        bad = image.layerDigests[2] as string;
        store = newStore('pull-many', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-many-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const failed = await store.run(['pull', '-q', '--tls-verify=false', name]);
        expect(failed.exitCode).toBe(125);
        expect(failed.stderr).toMatch(new RegExp(`^Error: layer ${bad}: .*\n$`));
        expect(imageNames(store)).toEqual([]);
        expect(list(join(store.data, 'layers'))).toEqual([]);
        expect(workers.length).toBeGreaterThanOrEqual(1);
        expect(workers.length).toBeLessThanOrEqual(Math.min(availableParallelism(), layerTars.length));
        // All good now (the layers fetched whole before are kept, and not asked for again): each where it belongs.
        bad = '';
        gate = Promise.resolve();
        const pulled = await store.run(['pull', '-q', '--tls-verify=false', name]);
        expect(pulled.stderr).toBe('');
        expect(pulled.exitCode).toBe(0);
        const seen = await store.run(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', name]);
        expect(JSON.parse(seen.stdout)).toEqual(image.diffIds);
        expect(await eventually(() => processesWith(store?.data ?? '/nonexistent').length === 0)).toBe(true);
      } finally {
        open();
        await fake.stop();
      }
    });

    it('the fetch workers start while the config is fetched, not after it; a config that fails its digest leaves none behind', async () => {
      let image: Awaited<ReturnType<typeof putImage>> | undefined;
      let store: TestStore | undefined;
      let corrupt = false;
      let duringConfig: number[] = [];
      const fetchWorkers = () => processesWith(store?.data ?? '/nonexistent').filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--internal-worker\0fetch'));
      const fake = await startFakeRegistry(async (req, res, f) => {
        if (!image || req.method !== 'GET' || !(req.url ?? '').endsWith(image.configDigest)) return f.serve(req, res);
        // The config's answer waits for the workers (10 s at most): they are counted while it is asked for.
        await eventually(() => fetchWorkers().length > 0, 10_000);
        duringConfig = fetchWorkers();
        if (!corrupt) return f.serve(req, res);
        const body = Buffer.alloc(image.config.length, 0x20);
        res.writeHead(200, { 'Content-Length': body.length }).end(body);
      });
      try {
        image = await putImage(fake, 'warm/app:1', { layers: [await makeTar([{ name: 'w', data: 'warm\n' }])] });
        const name = `${fake.host}/warm/app:1`;
        store = newStore('pull-warm', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-warm-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        corrupt = true;
        const failed = await store.run(['pull', '-q', '--tls-verify=false', name]);
        expectOneError(failed, new RegExp(`^Error: .*config.*${image.configDigest}`));
        expect(duringConfig.length).toBe(1);
        expect(await eventually(() => processesWith(store?.data ?? '/nonexistent').length === 0)).toBe(true);
        expect(list(join(store.data, 'tmp'))).toEqual([]);
        expect(imageNames(store)).toEqual([]);
        corrupt = false;
        duringConfig = [];
        const pulled = await store.run(['pull', '-q', '--tls-verify=false', name]);
        expect([pulled.stderr, pulled.exitCode]).toEqual(['', 0]);
        expect(duringConfig.length).toBe(1);
        const seen = await store.run(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', name]);
        expect(JSON.parse(seen.stdout)).toEqual(image.diffIds);
        expect(await eventually(() => processesWith(store?.data ?? '/nonexistent').length === 0)).toBe(true);
      } finally {
        await fake.stop();
      }
    });

    it("a fetch worker that meets a job it cannot take ends with its error, though the pull's stdin stays open (no answer left to wait for)", async () => {
      const staging = join(fixtures().dir, 'fetch-worker-staging');
      mkdirSync(staging, { recursive: true });
      for (const line of [`${JSON.stringify({ id: 0, dir: join(fixtures().dir, 'elsewhere', 'diff'), file: join(staging, 'blob'), have: 0 })}\n`, 'not json\n']) {
        const child = spawn(process.execPath, [BURROW, '--internal-worker', 'fetch', staging], { stdio: ['pipe', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.stdin.write(line); // and stdin left open, as a pull leaves it
        const code = await Promise.race([new Promise<number | null>((r) => child.once('exit', (c) => r(c))), new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000))]);
        child.kill('SIGKILL');
        expect(code).toBe(125);
        expect(stderr).toMatch(line.startsWith('{') ? new RegExp(`^Error: fetch worker: a job whose directory is not in ${staging.replace(/[.]/g, '\\.')}\n$`) : /^Error: .*JSON.*\n$/);
      }
    });

    it('a tag list that is not JSON, holds no list, names an invalid tag, pages round in a loop or to another host: named, or each page read once from the registry', async () => {
      let answer: { body: string; link?: string | ((url: string) => string | undefined) } = { body: '' };
      const asked: string[] = [];
      const tagged = await startFakeRegistry((req, res, self) => {
        if (!req.url?.includes('/tags/list')) return self.serve(req, res);
        asked.push(req.url);
        const link = typeof answer.link === 'function' ? answer.link(req.url) : answer.link;
        res.writeHead(200, { 'Content-Type': 'application/json', ...(link ? { Link: link } : {}) }).end(answer.body);
      });
      // Tags 1 and 2: an image of no layers.
      const config = Buffer.from(JSON.stringify({ architecture: hostPlatform().architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
      tagged.blobs.set(sha256digest(config), config);
      const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociManifest, config: { mediaType: MEDIA.ociConfig, digest: sha256digest(config), size: config.length }, layers: [] }));
      for (const tag of ['1', '2']) tagged.manifests.set(`r:${tag}`, { mediaType: MEDIA.ociManifest, body: manifest });
      try {
        const store = newStore('pull-tags', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-tags-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const pullAll = () => store.run(['pull', '-q', '-a', '--tls-verify=false', `${tagged.host}/r`]);
        const what = `Error: listing the tags of ${tagged.host}/r:`;
        for (const [body, reason] of [
          ['{not json', 'the answer is not JSON'],
          ['{"tags":"latest"}', 'the answer has no list of tags'],
          ['{"tags":5}', 'the answer has no list of tags'],
          ['["1"]', 'the answer has no list of tags'],
          ['{"tags":["1","../../x"]}', 'the registry lists an invalid tag `"../../x"`'],
          ['{"tags":["1",7]}', 'the registry lists an invalid tag `7`'],
        ] as const) {
          answer = { body };
          expectOneError(await pullAll(), exactly(`${what} ${reason}`));
        }
        expect(imageNames(store)).toEqual([]);
        // Page 1 -> page 2 -> page 1: each read once, each tag once.
        asked.length = 0;
        answer = { body: '{"tags":["1","2"]}', link: (url) => (url.includes('last=') ? '</v2/r/tags/list>; rel="next"' : '</v2/r/tags/list?last=2>; rel="next"') };
        const loop = await pullAll();
        expect(loop.exitCode, loop.stderr).toBe(0);
        expect(loop.stdout.trim().split('\n')).toHaveLength(2);
        expect(asked).toEqual(['/v2/r/tags/list', '/v2/r/tags/list?last=2']);
        // A next page on another host or scheme is asked of the registry itself (its path), as containers/image does.
        asked.length = 0;
        answer = { body: '{"tags":["1"]}', link: (url) => (url.includes('last=') ? undefined : '<http://127.0.0.2:9/v2/r/tags/list?last=1>; rel="next"') };
        expect((await pullAll()).exitCode).toBe(0);
        answer.link = (url) => (url.includes('last=') ? undefined : '<file:///v2/r/tags/list?last=f>; rel="next"');
        expect((await pullAll()).exitCode).toBe(0);
        expect(asked).toEqual(['/v2/r/tags/list', '/v2/r/tags/list?last=1', '/v2/r/tags/list', '/v2/r/tags/list?last=f']);
        // search --list-tags reads the same way.
        asked.length = 0;
        answer = { body: '{"tags":["1","2"]}', link: '</v2/r/tags/list>; rel="next"' };
        const search = await store.run(['search', '--tls-verify=false', '--list-tags', `${tagged.host}/r`]);
        expect(search.exitCode, search.stderr).toBe(0);
        expect(search.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[1])).toEqual(['1', '2']);
        expect(asked).toEqual(['/v2/r/tags/list']);
      } finally {
        await tagged.stop();
      }
    });

    it('an image whose config holds what a container cannot be made of is refused by create and run, by field, and nothing is made', async () => {
      const fake = await startFakeRegistry();
      try {
        const store = newStore('hostile-config', { XDG_CONFIG_HOME: join(fixtures().dir, 'hostile-config-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const cases: [Record<string, unknown>, string][] = [
          [{ Env: 'PATH=/bin' }, "the image's config: Env is not a list of strings"],
          [{ Env: ['PATH=/bin', '=x'] }, "the image's config: Env entry `=x` is not NAME=VALUE"],
          [{ Env: ['PATH=/bin', 'HOME'] }, "the image's config: Env entry `HOME` is not NAME=VALUE"],
          [{ Cmd: 'echo hi' }, "the image's config: Cmd is not a list of strings"],
          [{ StopSignal: 'SIGFOO' }, "the image's StopSignal `SIGFOO` is not a signal: give a name (TERM, SIGKILL, RTMIN+1) or a number from 1 to 64"],
          [{ StopSignal: 99 }, "the image's StopSignal `99` is not a signal: give a name (TERM, SIGKILL, RTMIN+1) or a number from 1 to 64"],
          [{ Healthcheck: { Test: 'true' } }, "the image's config: Healthcheck.Test is not a list of strings"],
        ];
        for (const [i, [config, message]] of cases.entries()) {
          await putImage(fake, `bad/cfg:${i}`, { layers: [images.baseLayer], config: { Cmd: ['true'], ...config } });
          const name = `${fake.host}/bad/cfg:${i}`;
          expectOneError(await store.run(['create', '-q', '--tls-verify=false', name]), exactly(`Error: ${message}`));
          expectOneError(await store.run(['run', '--rm', '--pull', 'never', name]), exactly(`Error: ${message}`));
        }
        expect((await store.run(['ps', '-a', '-q'])).stdout).toBe('');
        expect(list(join(store.data, 'containers'))).toEqual([]);
        // The same image with a good config runs.
        await putImage(fake, 'bad/cfg:good', { layers: [images.baseLayer], config: { Cmd: ['true'], Env: ['PATH=/bin', 'EMPTY='], StopSignal: 'SIGINT' } });
        const good = await store.run(['run', '--rm', '-q', '--tls-verify=false', `${fake.host}/bad/cfg:good`]);
        expect(good.exitCode, good.stderr).toBe(0);
      } finally {
        await fake.stop();
      }
    });

    it('a token server that answers no token, a number, or a token a header cannot carry, and a realm that is not http(s): one error, asked once (no retries)', async () => {
      let answer = '';
      let realm = '';
      let asked = 0;
      const fake = await startFakeRegistry((req, res) => {
        if (req.url?.startsWith('/token')) {
          asked++;
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(answer);
        } else res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="${realm}",service="fake"` }).end();
      });
      try {
        const store = newStore('pull-token', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-token-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const pull = () => store.run(['pull', '-q', '--tls-verify=false', `${fake.host}/r:1`]);
        realm = `${fake.url}/token`;
        for (const [body, reason] of [
          ['null', 'the answer holds no token'],
          ['{"token":5}', 'the answer holds no token'],
          ['{"token":"abc\\r\\nX-Injected: 1"}', 'the token holds characters a header cannot carry'],
          ['{"access_token":"a b"}', 'the token holds characters a header cannot carry'],
        ] as const) {
          answer = body;
          asked = 0;
          expectOneError(await pull(), exactly(`Error: getting a token from ${fake.url}/token for ${fake.host}: ${reason}`));
          expect(asked, body).toBe(1);
        }
        realm = 'file:///etc/passwd';
        expectOneError(await pull(), exactly(`Error: ${fake.host}: the token realm \`file:///etc/passwd\` is not an http or https URL`));
        expect(imageNames(store)).toEqual([]);
      } finally {
        await fake.stop();
      }
    });

    it('a manifest list whose entry for the platform is a list itself is refused, saying so', async () => {
      const inner = `sha256:${'a'.repeat(64)}`;
      const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [{ mediaType: MEDIA.ociIndex, digest: inner, size: 10, platform: hostPlatform() }] }));
      const { fake } = await serve((res) => res.writeHead(404).end(), { manifest: () => ({ type: MEDIA.ociIndex, body: index }) });
      try {
        const store = newStore('pull-nested', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-nested-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const platform = `${hostPlatform().os}/${hostPlatform().architecture}`;
        expectOneError(
          await store.run(['pull', '-q', '--tls-verify=false', `${fake.host}/nested:1`]),
          exactly(`Error: ${fake.host}/nested:1: the manifest list's entry for ${platform} is not an image manifest but \`${MEDIA.ociIndex}\` (a list nested in a list is not supported)`),
        );
        expect(imageNames(store)).toEqual([]);
      } finally {
        await fake.stop();
      }
    });

    it('a schema 1 manifest and an unknown media type are refused by name', async () => {
      const s1 = await serve((res) => res.writeHead(404).end(), {
        manifest: () => ({ type: 'application/vnd.docker.distribution.manifest.v1+prettyjws', body: Buffer.from('{"schemaVersion":1,"name":"x","tag":"1","fsLayers":[]}') }),
      });
      const odd = await serve((res) => res.writeHead(404).end(), {
        manifest: () => ({ type: 'application/vnd.example.thing+json', body: Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.example.thing+json"}') }),
      });
      try {
        const store = newStore('pull-s1', { XDG_CONFIG_HOME: join(fixtures().dir, 'pull-s1-config'), BURROW_CONTAINERS_CONF_DIR: join(fixtures().dir, 'no-etc') });
        const a = await store.run(['pull', '-q', '--tls-verify=false', `${s1.fake.host}/old:1`]);
        expect(a.exitCode).toBe(125);
        expect(a.stderr).toBe(`Error: ${s1.fake.host}/old:1: Docker schema 1 manifests are not supported (push the image again with a current tool)\n`);
        const b = await store.run(['pull', '-q', '--tls-verify=false', `${odd.fake.host}/odd:1`]);
        expect(b.stderr).toBe(`Error: ${odd.fake.host}/odd:1: unsupported manifest type \`application/vnd.example.thing+json\`\n`);
      } finally {
        await Promise.all([s1.fake.stop(), odd.fake.stop()]);
      }
    });
  });
});
