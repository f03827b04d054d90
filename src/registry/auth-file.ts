/**
 * Credentials as containers-auth.json(5) and docker keep them. Read from
 * `--authfile` (or `$REGISTRY_AUTH_FILE`) alone when given; otherwise from
 * `$XDG_RUNTIME_DIR/containers/auth.json`, `$XDG_CONFIG_HOME/containers/auth.json`
 * and `~/.docker/config.json`, the first that has an entry winning. An entry's
 * key may be a registry or a repository within it (`host/ns`): the most
 * specific that covers the name wins. `credHelpers`/`credsStore` name a
 * `docker-credential-NAME` program, asked with docker's protocol. `login`
 * writes to `--authfile` or the runtime file (mode 0600, atomically, the
 * file's other entries kept).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { BurrowError, errnoCode } from '../errors.js';
import { parseJsonFile } from './json-file.js';

export interface Credentials {
  username: string;
  password: string;
  identityToken?: string | undefined;
}

interface AuthFile {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [key: string]: unknown;
}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME ?? '/';
}

/** The file `login` writes. */
export function writtenAuthFile(env: NodeJS.ProcessEnv, authfile?: string): string {
  if (authfile !== undefined) return authfile;
  if (env.REGISTRY_AUTH_FILE) return env.REGISTRY_AUTH_FILE;
  if (env.XDG_RUNTIME_DIR?.startsWith('/')) return join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json');
  return join(env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(home(env), '.config'), 'containers', 'auth.json');
}

/** The files read, in order. */
export function authFiles(env: NodeJS.ProcessEnv, authfile?: string): string[] {
  if (authfile !== undefined) return [authfile];
  if (env.REGISTRY_AUTH_FILE) return [env.REGISTRY_AUTH_FILE];
  const out: string[] = [];
  if (env.XDG_RUNTIME_DIR?.startsWith('/')) out.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  out.push(join(env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(home(env), '.config'), 'containers', 'auth.json'));
  out.push(join(home(env), '.docker', 'config.json'));
  return out;
}

function readAuthFile(file: string): AuthFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return undefined;
    throw new BurrowError('E_AUTH_FILE', `${file}: ${(err as Error).message}`);
  }
  if (text.trim() === '') return {};
  const parsed = parseJsonFile('E_AUTH_FILE', file, text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BurrowError('E_AUTH_FILE', `${file}: not a JSON object`);
  const doc = parsed as AuthFile;
  if (doc.auths !== undefined && (typeof doc.auths !== 'object' || doc.auths === null)) throw new BurrowError('E_AUTH_FILE', `${file}: "auths" must be an object`);
  return doc;
}

/** An auths key as a `host[/path]` (docker writes `https://index.docker.io/v1/`). */
function normalizeKey(key: string): string {
  const bare = key.replace(/^https?:\/\//, '').replace(/\/+$/, '').replace(/\/v[12]$/, '');
  return bare === 'index.docker.io' || bare === 'registry-1.docker.io' ? 'docker.io' : bare;
}

function decode(file: string, key: string, entry: { auth?: string; identitytoken?: string }): Credentials | undefined {
  if (entry.auth === undefined || entry.auth === '') return undefined;
  const text = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) throw new BurrowError('E_AUTH_FILE', `${file}: the "auth" of ${key} is not base64 of USER:PASSWORD`);
  return { username: text.slice(0, colon), password: text.slice(colon + 1), identityToken: entry.identitytoken || undefined };
}

/** docker's credential helper protocol: `docker-credential-NAME get` with the server on stdin. */
function fromHelper(helper: string, server: string, env: NodeJS.ProcessEnv): Credentials | undefined {
  const program = `docker-credential-${helper}`;
  let out: string;
  try {
    out = execFileSync(program, ['get'], { input: server, env, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    // EACCES: execvp's answer when a directory of $PATH cannot be searched and no other has it.
    if (e.code === 'ENOENT' || e.code === 'EACCES') throw new BurrowError('E_AUTH_FILE', `credential helper \`${program}\` not found in $PATH`);
    const said = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
    if (/credentials not found/i.test(said)) return undefined;
    throw new BurrowError('E_AUTH_FILE', `credential helper \`${program}\` failed for ${server}: ${said || 'no reason given'}`);
  }
  try {
    const parsed = JSON.parse(out) as { Username?: string; Secret?: string };
    if (typeof parsed.Secret !== 'string') return undefined;
    if (parsed.Username === '<token>') return { username: '', password: '', identityToken: parsed.Secret };
    return { username: parsed.Username ?? '', password: parsed.Secret };
  } catch {
    throw new BurrowError('E_AUTH_FILE', `credential helper \`${program}\` answered something other than JSON`);
  }
}

/** The credentials for `name` (`host[:port][/repository]`), or undefined. */
export async function credentialsFor(env: NodeJS.ProcessEnv, name: string, authfile?: string): Promise<Credentials | undefined> {
  const host = name.split('/')[0] as string;
  for (const file of authFiles(env, authfile)) {
    const doc = readAuthFile(file);
    if (doc === undefined) continue;
    const helper = doc.credHelpers?.[host];
    if (helper !== undefined) return fromHelper(helper, host, env);
    let best: { key: string; creds: Credentials } | undefined;
    for (const [key, entry] of Object.entries(doc.auths ?? {})) {
      const k = normalizeKey(key);
      if (name !== k && !name.startsWith(`${k}/`)) continue;
      const creds = decode(file, key, entry ?? {});
      if (creds !== undefined && (best === undefined || k.length > best.key.length)) best = { key: k, creds };
    }
    if (best !== undefined) return best.creds;
    if (doc.credsStore !== undefined) {
      const creds = fromHelper(doc.credsStore, host, env);
      if (creds !== undefined) return creds;
    }
  }
  return undefined;
}

function writeAuthFile(file: string, doc: AuthFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, '\t')}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export async function storeCredentials(env: NodeJS.ProcessEnv, registry: string, creds: Credentials, authfile?: string): Promise<string> {
  const file = writtenAuthFile(env, authfile);
  const doc = readAuthFile(file) ?? {};
  doc.auths = { ...(doc.auths ?? {}), [registry]: { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') } };
  writeAuthFile(file, doc);
  return file;
}

export async function removeCredentials(env: NodeJS.ProcessEnv, registry: string, authfile?: string): Promise<boolean> {
  const file = writtenAuthFile(env, authfile);
  const doc = readAuthFile(file);
  const keys = Object.keys(doc?.auths ?? {}).filter((k) => normalizeKey(k) === registry);
  if (doc === undefined || keys.length === 0) return false;
  for (const k of keys) delete doc.auths?.[k];
  writeAuthFile(file, doc);
  return true;
}

export async function removeAllCredentials(env: NodeJS.ProcessEnv, authfile?: string): Promise<void> {
  const file = writtenAuthFile(env, authfile);
  const doc = readAuthFile(file);
  if (doc === undefined) return;
  doc.auths = {};
  writeAuthFile(file, doc);
}
