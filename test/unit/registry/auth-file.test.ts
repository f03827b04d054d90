/*
 * auth.json and docker's config files, as containers/image reads and writes
 * them: the read order, the most specific key, docker's URL keys and legacy
 * file, writing atomically with the file's other contents kept, logout, and
 * credential helpers that really run (shell scripts speaking docker's
 * protocol, on a PATH the test gives).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { BurrowError, UsageError } from '../../../src/errors.js';
import {
  authFiles,
  credentialsFor,
  loggedInUser,
  removeAllCredentials,
  removeCredentials,
  storeCredentials,
  writtenAuthFile,
} from '../../../src/registry/auth-file.js';
import { type ConfEnv, confTree, escapeRegExp } from '../../helpers/containers-conf.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const entry = (user: string, pass: string) => ({ auth: b64(`${user}:${pass}`) });

/** `docker-credential-test`: keeps credentials as files in $HELPER_STATE, one per server, and logs each call. */
const TEST_HELPER = `#!/bin/sh
input=$(cat)
echo "$1 $input" >> "$HELPER_STATE/log"
case "$1" in
get)
  f="$HELPER_STATE/$(printf %s "$input" | tr '/:' '__')"
  if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
store)
  server=$(printf %s "$input" | sed -n 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/p')
  printf %s "$input" > "$HELPER_STATE/$(printf %s "$server" | tr '/:' '__')" ;;
erase)
  f="$HELPER_STATE/$(printf %s "$input" | tr '/:' '__')"
  if [ -f "$f" ]; then rm "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
*)
  echo "unknown verb $1"; exit 1 ;;
esac
`;

/** A tree with docker-credential-test and docker-credential-broken on PATH. */
function withHelpers() {
  const t = confTree();
  const bin = join(t.root, 'bin');
  const state = join(t.root, 'helper-state');
  mkdirSync(bin);
  mkdirSync(state);
  writeFileSync(join(bin, 'docker-credential-test'), TEST_HELPER, { mode: 0o755 });
  writeFileSync(join(bin, 'docker-credential-broken'), '#!/bin/sh\ncat >/dev/null\necho "the keyring is locked"\nexit 3\n', { mode: 0o755 });
  const env: ConfEnv = { ...t.env, PATH: `${bin}:${t.env.PATH}`, HELPER_STATE: state };
  const seed = (server: string, username: string, secret: string) =>
    writeFileSync(join(state, server.replace(/[/:]/g, '_')), JSON.stringify({ ServerURL: server, Username: username, Secret: secret }));
  const calls = () => (existsSync(join(state, 'log')) ? readFileSync(join(state, 'log'), 'utf8').trim().split('\n') : []);
  return { ...t, env, state, seed, calls };
}

async function rejection(p: Promise<unknown>): Promise<BurrowError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(BurrowError);
    return err as BurrowError;
  }
  throw new Error('did not reject');
}

describe('where credentials are read from', () => {
  it("podman's order: the runtime file, the config file, docker's config.json, docker's legacy .dockercfg", () => {
    const t = confTree();
    const home = t.env.HOME as string;
    expect(authFiles(t.env)).toEqual([
      join(t.env.XDG_RUNTIME_DIR as string, 'containers', 'auth.json'),
      join(t.env.XDG_CONFIG_HOME as string, 'containers', 'auth.json'),
      join(home, '.docker', 'config.json'),
      join(home, '.dockercfg'),
    ]);
    expect(authFiles({ ...t.env, DOCKER_CONFIG: '/d' })[2]).toBe('/d/config.json');
    // An XDG_RUNTIME_DIR that does not exist is passed over; without one, containers/image's /run/containers/UID.
    expect(authFiles({ ...t.env, XDG_RUNTIME_DIR: join(t.root, 'gone') })[0]).toBe(join(t.env.XDG_CONFIG_HOME as string, 'containers', 'auth.json'));
    const { XDG_RUNTIME_DIR: _, ...noRuntime } = t.env;
    expect(authFiles(noRuntime)[0]).toBe(`/run/containers/${process.getuid?.()}/auth.json`);
  });

  it('--authfile, else $REGISTRY_AUTH_FILE, is the only file', () => {
    const t = confTree();
    expect(authFiles({ ...t.env, REGISTRY_AUTH_FILE: '/r.json' })).toEqual(['/r.json']);
    expect(authFiles({ ...t.env, REGISTRY_AUTH_FILE: '/r.json' }, '/a.json')).toEqual(['/a.json']);
    expect(writtenAuthFile({ ...t.env, REGISTRY_AUTH_FILE: '/r.json' })).toBe('/r.json');
    expect(writtenAuthFile(t.env, '/a.json')).toBe('/a.json');
  });

  it('takes the first file with an answer; in it, the most specific key: repository, namespace, registry', async () => {
    const t = confTree();
    const runtime = join(t.env.XDG_RUNTIME_DIR as string, 'containers', 'auth.json');
    t.write(join(t.user, 'auth.json'), JSON.stringify({ auths: { 'r.example': entry('all', 'repos'), 'r.example/team': entry('team', 'only'), 'r.example/team/app': entry('app', 'only') } }));
    expect((await credentialsFor(t.env, 'r.example/team/app'))?.username).toBe('app');
    expect((await credentialsFor(t.env, 'r.example/team/other'))?.username).toBe('team');
    expect((await credentialsFor(t.env, 'r.example/teams'))?.username).toBe('all');
    expect((await credentialsFor(t.env, 'r.example'))?.username).toBe('all');
    expect(await credentialsFor(t.env, 'r.example:5000/team/app')).toBeUndefined();
    expect(await credentialsFor(t.env, 'nowhere.example/x')).toBeUndefined();
    // An earlier file that answers at all wins, even with a less specific key.
    t.write(runtime, JSON.stringify({ auths: { 'r.example': entry('runtime', 'pw') } }));
    expect((await credentialsFor(t.env, 'r.example/team/app'))?.username).toBe('runtime');
    // --authfile alone: the others are not read.
    const alone = t.write(join(t.root, 'alone.json'), JSON.stringify({ auths: {} }));
    expect(await credentialsFor(t.env, 'r.example/team/app', alone)).toBeUndefined();
  });

  it("falls back to docker's config.json, with its URL keys, and to the legacy .dockercfg", async () => {
    const t = confTree();
    const home = t.env.HOME as string;
    t.write(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'https://index.docker.io/v1/': entry('hub', 'pw'), 'http://old.example:5000/v2/': entry('old', 'pw') } }));
    expect(await credentialsFor(t.env, 'docker.io/library/busybox')).toEqual({ username: 'hub', password: 'pw', identityToken: undefined });
    expect((await credentialsFor(t.env, 'old.example:5000/x'))?.username).toBe('old');
    t.write(join(home, '.dockercfg'), JSON.stringify({ 'https://legacy.example/v1/': { auth: b64('leg:acy'), email: 'x@example.com' } }));
    expect(await credentialsFor(t.env, 'legacy.example/app')).toEqual({ username: 'leg', password: 'acy', identityToken: undefined });
  });

  it('keeps the identity token; trims NULs from the password; skips an entry that is not user:password, as docker does', async () => {
    const t = confTree();
    t.write(
      join(t.user, 'auth.json'),
      JSON.stringify({ auths: { 'tok.example': { auth: b64('u:p'), identitytoken: 'idt' }, 'nul.example': { auth: b64('u:p\0\0') }, 'empty.example': {}, 'nocolon.example': { auth: b64('justtext') } } }),
    );
    t.write(join(t.env.HOME as string, '.docker', 'config.json'), JSON.stringify({ auths: { 'empty.example': entry('docker', 'pw'), 'nocolon.example': entry('docker2', 'pw') } }));
    expect(await credentialsFor(t.env, 'tok.example/a')).toEqual({ username: 'u', password: 'p', identityToken: 'idt' });
    expect((await credentialsFor(t.env, 'nul.example/a'))?.password).toBe('p');
    expect((await credentialsFor(t.env, 'empty.example/a'))?.username).toBe('docker');
    expect((await credentialsFor(t.env, 'nocolon.example/a'))?.username).toBe('docker2');
  });

  it('tells who is logged in (--get-login): nobody for a token alone', async () => {
    const t = confTree();
    t.write(join(t.user, 'auth.json'), JSON.stringify({ auths: { 'r.example': entry('alice', 'pw') } }));
    expect(await loggedInUser(t.env, 'r.example')).toBe('alice');
    expect(await loggedInUser(t.env, 's.example')).toBeUndefined();
  });

  it('refuses keys that are not host[/path]', async () => {
    const t = confTree();
    for (const key of ['https://r.example', 'r.example/app@sha256:abc', 'r.example/app:1', '/x'])
      await expect(credentialsFor(t.env, key)).rejects.toBeInstanceOf(UsageError);
    await expect(credentialsFor(t.env, 'localhost:5000/app')).resolves.toBeUndefined();
  });
});

describe('malformed auth files', () => {
  const cases: [string, string, string][] = [
    ['a syntax error', '{\n  "auths": {\n    "x": oops\n}', 'line 3: unexpected "o"'],
    ['a truncated file', '{\n  "auths": {\n', 'line 3: unexpected end of the file'],
    ['an empty file', '', 'line 1: unexpected end of the file'],
    ['not an object', '[1]', 'not a JSON object'],
    ['auths of the wrong type', '{"auths": []}', '"auths" must be an object'],
    ['an entry of the wrong type', '{"auths": {"r.example": "x"}}', 'the entry of "r.example" must be an object'],
    ['an auth of the wrong type', '{"auths": {"r.example": {"auth": 1}}}', '"auth" of "r.example" must be a string'],
    ['an auth that is not base64', '{"auths": {"r.example": {"auth": "not base64!"}}}', 'the "auth" of "r.example" is not base64'],
    ['credHelpers of the wrong type', '{"credHelpers": {"r.example": 1}}', '"credHelpers" must map registries to helper names'],
  ];
  for (const [what, text, reason] of cases)
    it(`names the file and the reason: ${what}`, async () => {
      const t = confTree();
      const file = t.write(join(t.user, 'auth.json'), text);
      const err = await rejection(credentialsFor(t.env, 'r.example/app'));
      expect(err.code).toBe('E_AUTH_FILE');
      expect(err.message).toBe(`${file}: ${reason}`);
    });

  it("names docker's config.json and its line too", async () => {
    const t = confTree();
    const file = t.write(join(t.env.HOME as string, '.docker', 'config.json'), '{\n\n  "auths": {},,\n}\n');
    expect((await rejection(credentialsFor(t.env, 'r.example'))).message).toBe(`${file}: line 3: unexpected ","`);
  });
});

describe('writing: login and logout', () => {
  it('writes the runtime auth.json atomically, 0600 in a new 0700 directory, keeping the other entries and keys', async () => {
    const t = confTree();
    const file = join(t.env.XDG_RUNTIME_DIR as string, 'containers', 'auth.json');
    expect(await storeCredentials(t.env, 'r.example', { username: 'u', password: 'p:w' })).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(t.env.XDG_RUNTIME_DIR as string, 'containers')).mode & 0o777).toBe(0o700);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    doc.credsStore = 'desktop';
    doc.experimental = { keep: true };
    (doc.auths as Record<string, unknown>)['r.example/team'] = { auth: b64('team:pw'), identitytoken: 'idt' };
    writeFileSync(file, JSON.stringify(doc));
    await storeCredentials(t.env, 's.example:5000', { username: 'v', password: 'q' });
    await storeCredentials(t.env, 'r.example', { username: 'u2', password: 'p2' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      auths: { 'r.example': entry('u2', 'p2'), 'r.example/team': { auth: b64('team:pw'), identitytoken: 'idt' }, 's.example:5000': entry('v', 'q') },
      credsStore: 'desktop',
      experimental: { keep: true },
    });
    expect(readdirSync(join(t.env.XDG_RUNTIME_DIR as string, 'containers'))).toEqual(['auth.json']); // no temporary file left
    expect(await credentialsFor(t.env, 's.example:5000/x')).toEqual({ username: 'v', password: 'q', identityToken: undefined });
  });

  it('writes --authfile; without XDG_RUNTIME_DIR, the config auth.json; refuses an XDG_RUNTIME_DIR that does not exist', async () => {
    const t = confTree();
    const given = join(t.root, 'deep', 'er', 'auth.json');
    expect(await storeCredentials(t.env, 'r.example', { username: 'u', password: 'p' }, given)).toBe(given);
    expect(existsSync(given)).toBe(true);
    const { XDG_RUNTIME_DIR: _, ...noRuntime } = t.env;
    expect(await storeCredentials(noRuntime, 'r.example', { username: 'u', password: 'p' })).toBe(join(t.user, 'auth.json'));
    const gone = join(t.root, 'gone');
    const err = await rejection(storeCredentials({ ...t.env, XDG_RUNTIME_DIR: gone }, 'r.example', { username: 'u', password: 'p' }));
    expect(err.message).toBe(`"${gone}" directory set by $XDG_RUNTIME_DIR does not exist`);
    expect(existsSync(gone)).toBe(false);
  });

  it('logs out of exactly one key, keeping the rest; says when there was nothing; logs out of all, keeping other keys', async () => {
    const t = confTree();
    const file = join(t.env.XDG_RUNTIME_DIR as string, 'containers', 'auth.json');
    expect(await removeCredentials(t.env, 'r.example')).toBe(false); // no file
    t.write(file, JSON.stringify({ auths: { 'r.example': entry('a', 'b'), 'r.example/team': entry('c', 'd'), 's.example': entry('e', 'f') }, other: 1 }));
    expect(await removeCredentials(t.env, 'r.example')).toBe(true);
    expect(await removeCredentials(t.env, 'r.example')).toBe(false);
    expect(await removeCredentials(t.env, 'x.example')).toBe(false);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ auths: { 'r.example/team': entry('c', 'd'), 's.example': entry('e', 'f') }, other: 1 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await removeAllCredentials(t.env);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ auths: {}, other: 1 });
    // The other files are not touched by logout.
    const config = t.write(join(t.user, 'auth.json'), JSON.stringify({ auths: { 'r.example': entry('a', 'b') } }));
    await removeAllCredentials(t.env);
    expect(JSON.parse(readFileSync(config, 'utf8'))).toEqual({ auths: { 'r.example': entry('a', 'b') } });
  });
});

describe('credential helpers', () => {
  it('asks the credHelpers program of the registry (never for a namespace), with docker\'s protocol', async () => {
    const h = withHelpers();
    h.seed('h.example', 'helper', 'pw');
    h.seed('tok.example', '<token>', 'idt');
    h.write(join(h.user, 'auth.json'), JSON.stringify({ credHelpers: { 'h.example': 'test', 'tok.example': 'test', 'none.example': 'test' }, auths: { 'h.example': entry('file', 'pw') } }));
    h.write(join(h.env.HOME, '.docker', 'config.json'), JSON.stringify({ auths: { 'none.example': entry('docker', 'pw') } }));
    expect(await credentialsFor(h.env, 'h.example/team/app')).toEqual({ username: 'helper', password: 'pw' });
    expect(await credentialsFor(h.env, 'tok.example/app')).toEqual({ username: '', password: '', identityToken: 'idt' });
    // "credentials not found": nothing in this file, the next one answers.
    expect((await credentialsFor(h.env, 'none.example/app'))?.username).toBe('docker');
    expect(h.calls()).toEqual(['get h.example', 'get tok.example', 'get none.example']);
  });

  it("asks docker's credsStore for a registry no entry names", async () => {
    const h = withHelpers();
    h.seed('store.example', 'stored', 'pw');
    h.write(join(h.env.HOME, '.docker', 'config.json'), JSON.stringify({ credsStore: 'test', auths: { 'store.example': {}, 'file.example': entry('file', 'pw') } }));
    expect((await credentialsFor(h.env, 'store.example/app'))?.username).toBe('stored');
    expect((await credentialsFor(h.env, 'file.example/app'))?.username).toBe('file');
    expect(await credentialsFor(h.env, 'other.example/app')).toBeUndefined();
    expect(h.calls()).toEqual(['get store.example', 'get other.example']);
  });

  it('names a helper that is missing or fails', async () => {
    const h = withHelpers();
    h.write(join(h.user, 'auth.json'), JSON.stringify({ credHelpers: { 'g.example': 'missing', 'b.example': 'broken' } }));
    const missing = await rejection(credentialsFor(h.env, 'g.example/app'));
    expect(missing.code).toBe('E_AUTH_FILE');
    expect(missing.message).toBe('credential helper `docker-credential-missing` not found in $PATH');
    expect((await rejection(credentialsFor(h.env, 'b.example/app'))).message).toBe('credential helper `docker-credential-broken get` failed: the keyring is locked');
  });

  it('stores in, and erases from, the helper the written file names for the registry; logout --all erases every one', async () => {
    const h = withHelpers();
    const file = h.write(join(h.env.XDG_RUNTIME_DIR, 'containers', 'auth.json'), JSON.stringify({ credHelpers: { 'h.example': 'test', 'i.example': 'test' }, auths: { 'f.example': entry('f', 'f') } }));
    const before = readFileSync(file, 'utf8');
    expect(await storeCredentials(h.env, 'h.example', { username: 'alice', password: 's3cret' })).toBe('credential helper docker-credential-test');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await credentialsFor(h.env, 'h.example/app')).toEqual({ username: 'alice', password: 's3cret' });
    await expect(storeCredentials(h.env, 'h.example/team', { username: 'a', password: 'b' })).rejects.toThrow('cannot keep credentials for a namespace (h.example/team)');
    expect(await removeCredentials(h.env, 'h.example')).toBe(true);
    expect(await removeCredentials(h.env, 'h.example')).toBe(false);
    expect(await credentialsFor(h.env, 'h.example/app')).toBeUndefined();
    h.seed('i.example', 'ivan', 'pw');
    await removeAllCredentials(h.env);
    expect(readdirSync(h.state).sort()).toEqual(['log']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ credHelpers: {}, auths: {} });
    expect(h.calls().filter((c) => !c.startsWith('get'))).toEqual([
      'store {"ServerURL":"h.example","Username":"alice","Secret":"s3cret"}',
      'erase h.example',
      'erase h.example',
      'erase h.example',
      'erase i.example',
    ]);
  });
});

describe('a written file that cannot be parsed', () => {
  it('is not overwritten by login: the error names it', async () => {
    const t = confTree();
    const file = t.write(join(t.env.XDG_RUNTIME_DIR as string, 'containers', 'auth.json'), '{"auths": {');
    await expect(storeCredentials(t.env, 'r.example', { username: 'u', password: 'p' })).rejects.toThrow(new RegExp(`^${escapeRegExp(file)}: line 1: unexpected end of the file$`));
    expect(readFileSync(file, 'utf8')).toBe('{"auths": {');
  });
});
