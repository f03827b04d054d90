/**
 * containers-registries.conf(5), version 2, read as podman reads it: the
 * user's `$XDG_CONFIG_HOME/containers/registries.conf` when it exists, else
 * `/etc/containers/registries.conf`; then the drop-ins of
 * `/etc/containers/registries.conf.d/` and the user's `registries.conf.d/`,
 * each in name order. A later file's `unqualified-search-registries` and
 * `short-name-mode` replace the earlier ones, a `[[registry]]` with the same
 * prefix replaces the earlier one, and `[aliases]` merge key by key.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse as parseToml } from 'smol-toml';

import { BurrowError, errnoCode } from '../errors.js';

export interface Mirror {
  location: string;
  insecure: boolean;
  pullFromMirror: 'all' | 'digest-only' | 'tag-only';
}

export interface RegistryEntry {
  prefix: string;
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: Mirror[];
}

export interface RegistriesConf {
  unqualifiedSearch: string[];
  shortNameMode: 'enforcing' | 'permissive' | 'disabled';
  registries: RegistryEntry[];
  aliases: Map<string, string>;
  /** the files read, in order */
  files: string[];
}

export interface ConfDirs {
  /** /etc/containers */
  systemDir: string;
  /** $XDG_CONFIG_HOME, or ~/.config */
  configHome: string;
}

export function confDirs(env: NodeJS.ProcessEnv): ConfDirs {
  const home = env.HOME ?? '/';
  const configHome = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  // BURROW_CONTAINERS_CONF_DIR: another system directory (the tests' registries, never /etc).
  return { systemDir: env.BURROW_CONTAINERS_CONF_DIR ?? '/etc/containers', configHome };
}

/** A TOML or JSON file's failure as one line: the file, the line, the reason. */
export function fileError(code: string, file: string, err: unknown): BurrowError {
  const e = err as { line?: number; message?: string };
  const reason = (e.message ?? String(err)).split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid';
  return new BurrowError(code, `${file}: ${e.line !== undefined ? `line ${e.line}: ` : ''}${reason}`);
}

function readToml(file: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw new BurrowError('E_REGISTRIES_CONF', `${file}: ${(err as Error).message}`);
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw fileError('E_REGISTRIES_CONF', file, err);
  }
}

function strings(value: unknown, file: string, key: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new BurrowError('E_REGISTRIES_CONF', `${file}: ${key} must be a list of strings`);
  return value as string[];
}

function bool(value: unknown, file: string, key: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new BurrowError('E_REGISTRIES_CONF', `${file}: ${key} must be true or false`);
  return value;
}

function str(value: unknown, file: string, key: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BurrowError('E_REGISTRIES_CONF', `${file}: ${key} must be a string`);
  return value;
}

function apply(conf: RegistriesConf, doc: Record<string, unknown>, file: string): void {
  conf.files.push(file);
  if ('registries' in doc && !Array.isArray(doc.registries))
    throw new BurrowError('E_REGISTRIES_CONF', `${file}: a version 1 file ([registries.search] ...) is not supported: write it in version 2 (containers-registries.conf(5))`);
  if (doc['unqualified-search-registries'] !== undefined) conf.unqualifiedSearch = strings(doc['unqualified-search-registries'], file, 'unqualified-search-registries');
  const mode = doc['short-name-mode'];
  if (mode !== undefined) {
    if (mode !== 'enforcing' && mode !== 'permissive' && mode !== 'disabled')
      throw new BurrowError('E_REGISTRIES_CONF', `${file}: short-name-mode must be enforcing, permissive or disabled, not ${JSON.stringify(mode)}`);
    conf.shortNameMode = mode;
  }
  if (doc.aliases !== undefined) {
    if (typeof doc.aliases !== 'object' || doc.aliases === null) throw new BurrowError('E_REGISTRIES_CONF', `${file}: [aliases] must be a table`);
    for (const [k, v] of Object.entries(doc.aliases)) {
      if (typeof v !== 'string') throw new BurrowError('E_REGISTRIES_CONF', `${file}: alias ${k} must be a string`);
      if (v === '') conf.aliases.delete(k);
      else conf.aliases.set(k, v);
    }
  }
  for (const raw of (doc.registry as Record<string, unknown>[] | undefined) ?? []) {
    if (typeof raw !== 'object' || raw === null) throw new BurrowError('E_REGISTRIES_CONF', `${file}: [[registry]] must be a table`);
    const location = str(raw.location, file, 'registry.location');
    const prefix = str(raw.prefix, file, 'registry.prefix') ?? location;
    if (prefix === undefined || prefix === '') throw new BurrowError('E_REGISTRIES_CONF', `${file}: a [[registry]] needs a prefix or a location`);
    if (prefix.startsWith('*.') && location !== undefined && location !== '')
      throw new BurrowError('E_REGISTRIES_CONF', `${file}: the wildcard prefix ${prefix} cannot have a location`);
    const mirrors = ((raw.mirror as Record<string, unknown>[] | undefined) ?? []).map((m) => {
      const where = str(m.location, file, 'registry.mirror.location');
      if (!where) throw new BurrowError('E_REGISTRIES_CONF', `${file}: a [[registry.mirror]] of ${prefix} needs a location`);
      const pfm = m['pull-from-mirror'] ?? 'all';
      if (pfm !== 'all' && pfm !== 'digest-only' && pfm !== 'tag-only')
        throw new BurrowError('E_REGISTRIES_CONF', `${file}: pull-from-mirror must be all, digest-only or tag-only, not ${JSON.stringify(pfm)}`);
      return { location: where, insecure: bool(m.insecure, file, 'registry.mirror.insecure'), pullFromMirror: pfm } satisfies Mirror;
    });
    const entry: RegistryEntry = {
      prefix,
      location: location || prefix,
      insecure: bool(raw.insecure, file, 'registry.insecure'),
      blocked: bool(raw.blocked, file, 'registry.blocked'),
      mirrorByDigestOnly: bool(raw['mirror-by-digest-only'], file, 'registry.mirror-by-digest-only'),
      mirrors,
    };
    conf.registries = conf.registries.filter((r) => r.prefix !== prefix);
    conf.registries.push(entry);
  }
}

function dropIns(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.conf'))
    .sort()
    .map((f) => join(dir, f));
}

export function loadRegistriesConf(dirs: ConfDirs): RegistriesConf {
  const conf: RegistriesConf = { unqualifiedSearch: [], shortNameMode: 'enforcing', registries: [], aliases: new Map(), files: [] };
  const user = join(dirs.configHome, 'containers', 'registries.conf');
  const main = existsSync(user) ? user : join(dirs.systemDir, 'registries.conf');
  for (const file of [main, ...dropIns(join(dirs.systemDir, 'registries.conf.d')), ...dropIns(join(dirs.configHome, 'containers', 'registries.conf.d'))]) {
    const doc = readToml(file);
    if (doc !== undefined) apply(conf, doc, file);
  }
  return conf;
}

/** Does `prefix` cover `name` (`host[:port]/path`)? On component boundaries; `*.example.com` covers its subdomains' hosts. */
function covers(prefix: string, name: string): boolean {
  if (prefix.startsWith('*.')) {
    const host = name.split('/')[0] ?? '';
    return host.endsWith(prefix.slice(1));
  }
  return name === prefix || name.startsWith(`${prefix}/`) || (name.startsWith(prefix) && prefix.endsWith('/'));
}

/** The entry for `name`: the longest prefix that covers it (a wildcard counts as shorter than any exact prefix). */
export function registryFor(conf: RegistriesConf, name: string): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  let bestLength = -1;
  for (const entry of conf.registries) {
    if (!covers(entry.prefix, name)) continue;
    const length = entry.prefix.startsWith('*.') ? 0 : entry.prefix.length;
    if (length > bestLength) {
      best = entry;
      bestLength = length;
    }
  }
  return best;
}

/** Where `name` is pulled from, in order: its mirrors (as pull-from-mirror allows), then its location. */
export function pullSources(conf: RegistriesConf, name: string, byDigest: boolean): { name: string; insecure: boolean }[] {
  const entry = registryFor(conf, name);
  if (entry === undefined) return [{ name, insecure: false }];
  const rewrite = (location: string) => (entry.prefix.startsWith('*.') ? name : location + name.slice(entry.prefix.length));
  const out: { name: string; insecure: boolean }[] = [];
  if (!entry.mirrorByDigestOnly || byDigest)
    for (const m of entry.mirrors) {
      if (m.pullFromMirror === 'digest-only' && !byDigest) continue;
      if (m.pullFromMirror === 'tag-only' && byDigest) continue;
      out.push({ name: rewrite(m.location), insecure: m.insecure });
    }
  out.push({ name: rewrite(entry.location), insecure: entry.insecure });
  return out;
}

/** The short-name alias cache podman keeps (`short-name-aliases.conf`). */
function cachedAliases(dirs: ConfDirs): Map<string, string> {
  const file = join(dirs.configHome, 'containers', 'short-name-aliases.conf');
  const doc = readToml(file);
  const out = new Map<string, string>();
  const aliases = doc?.aliases;
  if (aliases !== undefined && typeof aliases === 'object' && aliases !== null)
    for (const [k, v] of Object.entries(aliases)) if (typeof v === 'string') out.set(k, v);
  return out;
}

/**
 * A short name's fully qualified candidates, as podman's pkg/shortnames: an
 * alias (registries.conf, then the cache) is the one answer; otherwise each
 * unqualified-search registry in turn. With several and no terminal to ask
 * on, `enforcing` mode refuses (`mustChoose`); podman asks on a terminal,
 * burrow does not ask and tries them in order, as `permissive` does.
 */
export function resolveShortName(conf: RegistriesConf, dirs: ConfDirs, input: string, opts: { tty: boolean }): { candidates: string[]; alias?: string; mustChoose: boolean } {
  const at = input.indexOf('@');
  const colon = input.lastIndexOf(':');
  const split = at >= 0 ? at : colon > input.lastIndexOf('/') ? colon : input.length;
  const name = input.slice(0, split);
  const suffix = input.slice(split);
  const alias = conf.aliases.get(name) ?? cachedAliases(dirs).get(name);
  if (alias !== undefined && conf.shortNameMode !== 'disabled') return { candidates: [alias + suffix], alias, mustChoose: false };
  const candidates = conf.unqualifiedSearch.map((registry) => `${registry}/${registry === 'docker.io' && !name.includes('/') ? `library/${name}` : name}${suffix}`);
  return { candidates, mustChoose: conf.shortNameMode === 'enforcing' && candidates.length > 1 && !opts.tty };
}
