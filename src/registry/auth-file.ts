/**
 * Credentials as containers-auth.json(5) keeps them, read as containers/image
 * (pkg/docker/config) reads them for podman.
 *
 * Read order: `--authfile` (or `$REGISTRY_AUTH_FILE`) alone when given;
 * otherwise `$XDG_RUNTIME_DIR/containers/auth.json` (skipped when that
 * directory does not exist; `/run/containers/UID/auth.json` without the
 * variable), `$XDG_CONFIG_HOME/containers/auth.json`, docker's
 * `$DOCKER_CONFIG/config.json` (or `~/.docker/config.json`), then docker's
 * legacy `~/.dockercfg`. The first file with an answer wins.
 *
 * In each file: `credHelpers[registry]` names a `docker-credential-NAME`
 * program asked with docker's protocol; then the `auths` key for the
 * repository, each shorter namespace, the registry (the most specific wins,
 * podman 4's rule); then any key that normalizes to the registry (docker's
 * `https://index.docker.io/v1/`, URLs that `docker login` wrote). Then,
 * unlike containers/image, docker's `credsStore` is asked too, as docker
 * does: a program that is missing or fails is an error that names it.
 *
 * `login` writes to `--authfile`, `$REGISTRY_AUTH_FILE` or
 * `$XDG_RUNTIME_DIR/containers/auth.json`; without XDG_RUNTIME_DIR, to
 * `$XDG_CONFIG_HOME/containers/auth.json` (second in the read order, so
 * podman reads it too), where containers/image would try
 * `/run/containers/UID`, which a rootless user cannot create. The file is
 * replaced atomically (mode 0600, its directory made 0700), with its other
 * entries and top-level keys kept, which containers/image drops.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { BurrowError, describeError, errnoCode, systemFailure, UsageError } from '../errors.js';
import { isObject } from '../json.js';
import { builtin } from '../lazy.js';
import { atomicWriteFile } from '../storage/atomic.js';
import { parseJsonFile } from './json-file.js';
import { homeDir } from './registries-conf.js';

export interface Credentials {
  username: string;
  password: string;
  identityToken?: string | undefined;
}

const CODE = 'E_AUTH_FILE';

interface AuthEntry {
  auth?: unknown;
  identitytoken?: unknown;
  [key: string]: unknown;
}

interface AuthDoc {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [key: string]: unknown;
}

interface AuthPath {
  path: string;
  /** ~/.dockercfg: the `auths` object is the whole file, keyed by registry URLs */
  legacy: boolean;
}

function absolute(value: string | undefined): string | undefined {
  return value !== undefined && value.startsWith('/') ? value : undefined;
}

function given(env: NodeJS.ProcessEnv, authfile: string | undefined): string | undefined {
  return authfile !== undefined && authfile !== '' ? authfile : env.REGISTRY_AUTH_FILE || undefined;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function uid(): number {
  return process.getuid?.() ?? 0;
}

function readPaths(env: NodeJS.ProcessEnv, authfile?: string): AuthPath[] {
  const chosen = given(env, authfile);
  if (chosen !== undefined) return [{ path: chosen, legacy: false }];
  const home = homeDir(env);
  const out: AuthPath[] = [];
  const runtime = absolute(env.XDG_RUNTIME_DIR);
  // containers/image warns and reads on when $XDG_RUNTIME_DIR names no directory.
  if (runtime === undefined) out.push({ path: `/run/containers/${uid()}/auth.json`, legacy: false });
  else if (isDir(runtime)) out.push({ path: join(runtime, 'containers', 'auth.json'), legacy: false });
  out.push({ path: join(absolute(env.XDG_CONFIG_HOME) ?? join(home, '.config'), 'containers', 'auth.json'), legacy: false });
  out.push({ path: join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json'), legacy: false });
  out.push({ path: join(home, '.dockercfg'), legacy: true });
  return out;
}

/** The files credentials are read from, in order. */
export function authFiles(env: NodeJS.ProcessEnv, authfile?: string): string[] {
  return readPaths(env, authfile).map((p) => p.path);
}

/** The file `login` writes and `logout` edits. */
export function writtenAuthFile(env: NodeJS.ProcessEnv, authfile?: string): string {
  const chosen = given(env, authfile);
  if (chosen !== undefined) return chosen;
  const runtime = absolute(env.XDG_RUNTIME_DIR);
  if (runtime !== undefined) {
    if (!isDir(runtime))
      throw new BurrowError(CODE, `"${runtime}" directory set by $XDG_RUNTIME_DIR does not exist`, { hint: 'create the directory, unset XDG_RUNTIME_DIR, or give --authfile' });
    return join(runtime, 'containers', 'auth.json');
  }
  return join(absolute(env.XDG_CONFIG_HOME) ?? join(homeDir(env), '.config'), 'containers', 'auth.json');
}


/** An auth file's contents (the legacy form turned into `auths`), or undefined when there is none. */
function readAuthFile({ path, legacy }: AuthPath): AuthDoc | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw systemFailure(err, 'read credentials') ?? new BurrowError(CODE, `${path}: ${describeError(err)}`);
  }
  const parsed = parseJsonFile(CODE, path, text);
  if (!isObject(parsed)) throw new BurrowError(CODE, `${path}: not a JSON object`);
  const doc: AuthDoc = legacy ? { auths: parsed as Record<string, AuthEntry> } : (parsed as AuthDoc);
  if (doc.auths !== undefined) {
    if (!isObject(doc.auths)) throw new BurrowError(CODE, `${path}: "auths" must be an object`);
    for (const [key, entry] of Object.entries(doc.auths)) {
      if (!isObject(entry)) throw new BurrowError(CODE, `${path}: the entry of ${JSON.stringify(key)} must be an object`);
      for (const field of ['auth', 'identitytoken'])
        if (entry[field] !== undefined && typeof entry[field] !== 'string') throw new BurrowError(CODE, `${path}: "${field}" of ${JSON.stringify(key)} must be a string`);
    }
  }
  if (doc.credHelpers !== undefined && (!isObject(doc.credHelpers) || !Object.values(doc.credHelpers).every((v) => typeof v === 'string')))
    throw new BurrowError(CODE, `${path}: "credHelpers" must map registries to helper names`);
  if (doc.credsStore !== undefined && typeof doc.credsStore !== 'string') throw new BurrowError(CODE, `${path}: "credsStore" must be a helper name`);
  return doc;
}

/**
 * A key as containers/image accepts one: `host[:port]`, or a namespace or
 * repository in it; no URL scheme, tag or digest. Returns the registry part.
 */
function checkKey(key: string): string {
  if (/^https?:\/\//.test(key)) throw new UsageError(`credentials key ${key} contains an http[s]:// prefix`);
  if (key.includes('@')) throw new UsageError(`credentials key ${key} contains a '@' character`);
  const slash = key.indexOf('/');
  if (slash >= 0 && key.slice(slash + 1).includes(':')) throw new UsageError(`credentials key ${key} contains a ':' character after host[:port]`);
  if (key === '' || slash === 0) throw new UsageError(`invalid credentials key ${JSON.stringify(key)}`);
  return slash < 0 ? key : key.slice(0, slash);
}

/** docker's names for Docker Hub are one registry. */
function normalizeRegistry(registry: string): string {
  return registry === 'docker.io' || registry === 'registry-1.docker.io' ? 'index.docker.io' : registry;
}

/** An auths key written by `docker login` (a URL) or in the legacy file, as a registry. */
function normalizeFileKey(key: string, legacy: boolean): string {
  const stripped = key.replace(/^https?:\/\//, '');
  return normalizeRegistry(legacy || stripped !== key ? (stripped.split('/')[0] ?? '') : stripped);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** An entry's credentials; undefined for an empty entry or one without `user:`, which docker skips too. */
function decode(path: string, key: string, entry: AuthEntry): Credentials | undefined {
  const auth = (entry.auth as string | undefined) ?? '';
  if (!BASE64.test(auth)) throw new BurrowError(CODE, `${path}: the "auth" of ${JSON.stringify(key)} is not base64`);
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const token = entry.identitytoken as string | undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1).replace(/^\0+|\0+$/g, ''), identityToken: token || undefined };
}

const NOT_FOUND = 'credentials not found in native keychain';

/** Runs `docker-credential-NAME VERB` with `input` on its stdin, as docker's credential-helpers client does. */
function runHelper(env: NodeJS.ProcessEnv, helper: string, verb: 'get' | 'store' | 'erase', input: string): Promise<{ ok: boolean; out: string }> {
  const program = `docker-credential-${helper}`;
  const { spawn } = builtin<typeof import('node:child_process')>('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(program, [verb], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // No pipes when the spawn failed for want of file descriptors (EMFILE, ENFILE): its 'error' says so below.
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    child.stdin?.on('error', () => undefined); // a helper that exits without reading
    child.once('error', (e) => {
      // EACCES: execvp's answer when a directory of $PATH cannot be searched and no other has the program.
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'EACCES')
        reject(new BurrowError(CODE, `credential helper \`${program}\` not found in $PATH`, { hint: `install ${program}, or remove the helper from the auth file` }));
      else reject(new BurrowError(CODE, `credential helper \`${program}\`: ${describeError(e)}`, { cause: e }));
    });
    child.once('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8').trim();
      if (code === 0) return resolve({ ok: true, out: stdout });
      // The protocol puts an error's message on stdout.
      const said = stdout || Buffer.concat(err).toString('utf8').trim();
      if (said === NOT_FOUND) return resolve({ ok: false, out: said });
      reject(new BurrowError(CODE, `credential helper \`${program} ${verb}\` failed${signal ? ` (${signal})` : ''}: ${said || `exit status ${code}`}`));
    });
    child.stdin?.end(input);
  });
}

async function helperGet(env: NodeJS.ProcessEnv, helper: string, registry: string): Promise<Credentials | undefined> {
  const { ok, out } = await runHelper(env, helper, 'get', registry);
  if (!ok) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(out);
  } catch {
    throw new BurrowError(CODE, `credential helper \`docker-credential-${helper}\` answered something other than JSON for ${registry}`);
  }
  const { Username: username, Secret: secret } = (isObject(parsed) ? parsed : {}) as { Username?: unknown; Secret?: unknown };
  if (typeof secret !== 'string' || (username !== undefined && typeof username !== 'string'))
    throw new BurrowError(CODE, `credential helper \`docker-credential-${helper}\` answered without a Username and Secret for ${registry}`);
  if (username === '<token>') return { username: '', password: '', identityToken: secret };
  return { username: (username as string | undefined) ?? '', password: secret };
}

/** The credentials one file holds for `key`, or undefined. */
async function findInFile(env: NodeJS.ProcessEnv, where: AuthPath, key: string, registry: string): Promise<Credentials | undefined> {
  const doc = readAuthFile(where);
  if (doc === undefined) return undefined;
  // Helpers answer for a registry, never for a namespace in it.
  const helper = doc.credHelpers?.[registry];
  if (helper !== undefined) return helperGet(env, helper, registry);
  const auths = doc.auths ?? {};
  const lookup: string[] = [];
  if (where.legacy) lookup.push(registry);
  else for (let k = key; ; k = k.slice(0, k.lastIndexOf('/'))) {
    lookup.push(k);
    if (!k.includes('/')) break;
  }
  // The first key present decides for this file, even when it holds nothing (docker's `{}` marker of a credsStore entry).
  const normalized = normalizeRegistry(registry);
  const found = lookup.find((k) => Object.hasOwn(auths, k)) ?? Object.keys(auths).find((k) => normalizeFileKey(k, where.legacy) === normalized);
  if (found !== undefined) {
    const creds = decode(where.path, found, auths[found] as AuthEntry);
    if (creds !== undefined) return creds;
  }
  // docker's credsStore (containers/image does not read it): every registry not in credHelpers.
  if (doc.credsStore !== undefined && doc.credsStore !== '') return helperGet(env, doc.credsStore, registry);
  return undefined;
}

/**
 * The credentials for `key` (`host[:port]`, or a repository `host[:port]/path`
 * without tag), from the first auth file that has some; undefined when none
 * has.
 */
export async function credentialsFor(env: NodeJS.ProcessEnv, key: string, authfile?: string): Promise<Credentials | undefined> {
  const registry = checkKey(key);
  for (const where of readPaths(env, authfile)) {
    const creds = await findInFile(env, where, key, registry);
    if (creds !== undefined) return creds;
  }
  return undefined;
}

/** `login --get-login`: the user name saved for `key`, or undefined (an identity token alone names no user, as podman). */
export async function loggedInUser(env: NodeJS.ProcessEnv, key: string, authfile?: string): Promise<string | undefined> {
  return (await credentialsFor(env, key, authfile))?.username || undefined;
}

function writeAuthFile(path: string, doc: AuthDoc): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    atomicWriteFile(path, `${JSON.stringify(doc, null, '\t')}\n`, 0o600);
  } catch (err) {
    throw systemFailure(err, 'save credentials') ?? err;
  }
}

/**
 * Saves `creds` for `registry` (a `host[:port]` or a namespace in it) in
 * the written file and returns where they went: the file, or the credential
 * helper its `credHelpers` names for that registry.
 */
export async function storeCredentials(env: NodeJS.ProcessEnv, registry: string, creds: Credentials, authfile?: string): Promise<string> {
  const host = checkKey(registry);
  const path = writtenAuthFile(env, authfile);
  const doc = readAuthFile({ path, legacy: false }) ?? {};
  // A registry with a helper is always asked through it, so a namespace's entry in the file would never be read:
  // refused (containers/image writes it).
  const helper = doc.credHelpers?.[host];
  if (helper !== undefined) {
    if (host !== registry) throw new BurrowError(CODE, `credential helper \`docker-credential-${helper}\` cannot keep credentials for a namespace (${registry})`);
    await runHelper(env, helper, 'store', JSON.stringify({ ServerURL: registry, Username: creds.username, Secret: creds.password }));
    return `credential helper docker-credential-${helper}`;
  }
  doc.auths = { ...(doc.auths ?? {}), [registry]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } };
  writeAuthFile(path, doc);
  return path;
}

/**
 * `logout REGISTRY`: removes the written file's entry for exactly that key
 * (and erases it from the credential helper `credHelpers` names for it).
 * Returns whether there was anything to remove.
 */
export async function removeCredentials(env: NodeJS.ProcessEnv, registry: string, authfile?: string): Promise<boolean> {
  const host = checkKey(registry);
  const path = writtenAuthFile(env, authfile);
  const doc = readAuthFile({ path, legacy: false });
  if (doc === undefined) return false;
  let was = false;
  const helper = doc.credHelpers?.[registry];
  if (helper !== undefined && host === registry) was = (await runHelper(env, helper, 'erase', registry)).ok;
  if (doc.auths !== undefined && Object.hasOwn(doc.auths, registry)) {
    delete doc.auths[registry];
    writeAuthFile(path, doc);
    was = true;
  }
  return was;
}

/**
 * `logout --all`: empties the written file's `auths` and `credHelpers`,
 * after erasing each helper's credentials, as podman does; its other keys
 * are kept.
 */
export async function removeAllCredentials(env: NodeJS.ProcessEnv, authfile?: string): Promise<void> {
  const path = writtenAuthFile(env, authfile);
  const doc = readAuthFile({ path, legacy: false });
  if (doc === undefined) return;
  for (const [registry, helper] of Object.entries(doc.credHelpers ?? {})) await runHelper(env, helper, 'erase', registry);
  doc.auths = {};
  if (doc.credHelpers !== undefined) doc.credHelpers = {};
  writeAuthFile(path, doc);
}
