/**
 * containers-registries.conf(5) and containers-registries.conf.d(5), read
 * as containers/image (pkg/sysregistriesv2) reads them for podman:
 *
 * - The user's `$XDG_CONFIG_HOME/containers/registries.conf`, when it
 *   exists, replaces `/etc/containers/registries.conf`, and then only the
 *   user's `registries.conf.d/*.conf` drop-ins follow; otherwise the system
 *   file is followed by the system drop-ins, then the user's. Drop-ins are
 *   taken in name order, `.conf` files only, subdirectories ignored.
 * - A later file's `unqualified-search-registries`, `credential-helpers` and
 *   `short-name-mode` replace the earlier ones when it sets them (an empty
 *   list too); a `[[registry]]` replaces the earlier one with the same
 *   prefix, whole; `[aliases]` merge key by key, and an empty value erases.
 *   Within one file the first `[[registry]]` of a prefix wins.
 * - Version 1 (`[registries.search]`, `.insecure`, `.block`) is converted
 *   in the main file, as podman does, and refused in a drop-in and when
 *   mixed with version 2 settings.
 * - `short-name-mode` defaults to `permissive`, containers/image's default
 *   (distributions' shipped registries.conf usually sets `enforcing`).
 *
 * The short-name alias cache podman writes is read from and written to
 * `$XDG_CACHE_HOME/containers/short-name-aliases.conf`, its place for a
 * rootless user.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { stringify as stringifyToml } from 'smol-toml';

import { readTomlFile } from '../config/toml.js';

import { BurrowError, describeError, errnoCode, systemFailure } from '../errors.js';
import { builtin } from '../lazy.js';
import { formatReference, parseReference, type Reference } from '../oci/reference.js';
import { atomicWriteFile } from '../storage/atomic.js';

export interface Mirror {
  location: string;
  insecure: boolean;
  pullFromMirror: 'all' | 'digest-only' | 'tag-only';
}

export interface RegistryEntry {
  prefix: string;
  /** where the prefix's images really are; '' for a wildcard prefix that rewrites nothing */
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: Mirror[];
}

export type ShortNameMode = 'enforcing' | 'permissive' | 'disabled';

export interface RegistriesConf {
  unqualifiedSearch: string[];
  shortNameMode: ShortNameMode;
  /** one per prefix, sorted by prefix (as containers/image keeps them) */
  registries: RegistryEntry[];
  /** short name -> fully qualified repository, erased ones left out */
  aliases: Map<string, string>;
  /** the files read, in order */
  files: string[];
  /** kept, not acted on: `credential-helpers`, ["containers-auth.json"] when no file sets it */
  credentialHelpers: string[];
  /** the file that set `unqualified-search-registries` (the main file when none did; '' without one), for messages */
  searchOrigin: string;
  /** the file each alias of `aliases` comes from */
  aliasOrigins: Map<string, string>;
}

export interface ConfDirs {
  /** /etc/containers (BURROW_CONTAINERS_CONF_DIR replaces it, for tests) */
  systemDir: string;
  /** $XDG_CONFIG_HOME, or ~/.config */
  configHome: string;
  /** $XDG_CACHE_HOME, or ~/.cache: where the short-name alias cache is */
  cacheHome: string;
}

const CODE = 'E_REGISTRIES_CONF';
const MODES: readonly ShortNameMode[] = ['enforcing', 'permissive', 'disabled'];
const PULL_FROM_MIRROR: readonly Mirror['pullFromMirror'][] = ['all', 'digest-only', 'tag-only'];
/** host[:port] as distribution's reference.DomainRegexp has it: the only form an unqualified-search registry may take */
const DOMAIN = /^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$/;

function absolute(value: string | undefined): string | undefined {
  return value !== undefined && value.startsWith('/') ? value : undefined;
}

/** The invoking user's home: $HOME, else the password database's. */
export function homeDir(env: NodeJS.ProcessEnv): string {
  return env.HOME || builtin<typeof import('node:os')>('node:os').homedir();
}

export function confDirs(env: NodeJS.ProcessEnv): ConfDirs {
  const home = homeDir(env);
  return {
    systemDir: env.BURROW_CONTAINERS_CONF_DIR || '/etc/containers',
    configHome: absolute(env.XDG_CONFIG_HOME) ?? join(home, '.config'),
    cacheHome: absolute(env.XDG_CACHE_HOME) ?? join(home, '.cache'),
  };
}

function fail(file: string, message: string): BurrowError {
  return new BurrowError(CODE, `${file}: ${message}`);
}

function readToml(file: string): Record<string, unknown> | undefined {
  return readTomlFile(file, CODE, 'registries configuration');
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function strings(value: unknown, file: string, key: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw fail(file, `${key} must be a list of strings`);
  return value as string[];
}

function bool(value: unknown, file: string, key: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw fail(file, `${key} must be true or false, not ${JSON.stringify(value)}`);
  return value;
}

function str(value: unknown, file: string, key: string): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw fail(file, `${key} must be a string, not ${JSON.stringify(value)}`);
  return value;
}

/** A location or prefix as containers/image takes it: trailing slashes dropped, no URL scheme. */
function location(value: string, file: string, key: string): string {
  const trimmed = value.replace(/\/+$/, '');
  if (/^https?:\/\//.test(trimmed)) throw fail(file, `${key} ${JSON.stringify(value)}: URI schemes are not supported (write HOST[:PORT][/PATH])`);
  return trimmed;
}

/** Was a tag or digest written in `input`? (parseReference adds :latest when not.) */
function explicitSuffix(input: string): boolean {
  return input.includes('@') || input.lastIndexOf(':') > input.lastIndexOf('/');
}

/** The left side of an alias: a short name, no tag, no digest. Returns the reason it is not, or undefined. */
function shortNameProblem(name: string): string | undefined {
  let ref: Reference;
  try {
    ref = parseReference(name, '');
  } catch (err) {
    return describeError(err);
  }
  if (ref.domain !== '') return 'must not contain a registry';
  if (explicitSuffix(name)) return 'must not contain a tag or digest';
  return undefined;
}

/** The right side of an alias, normalized (`docker.io/alpine` is `docker.io/library/alpine`); throws the reason. */
function aliasValue(value: string, file: string, name: string): string {
  let ref: Reference;
  try {
    ref = parseReference(value, '');
  } catch (err) {
    throw fail(file, `alias ${JSON.stringify(name)}: ${describeError(err)}`);
  }
  if (ref.domain === '') throw fail(file, `alias ${JSON.stringify(name)} = ${JSON.stringify(value)}: the value must contain a registry and a repository`);
  if (explicitSuffix(value)) throw fail(file, `alias ${JSON.stringify(name)} = ${JSON.stringify(value)}: the value must not contain a tag or digest`);
  return `${ref.domain}/${ref.path}`;
}

/** An `[aliases]` table checked: each name a short name, each value qualified, or '' (which erases an earlier alias). */
function parseAliases(value: unknown, file: string): Map<string, string> {
  const out = new Map<string, string>();
  if (value === undefined) return out;
  if (!isTable(value)) throw fail(file, '[aliases] must be a table of "name" = "registry/repository"');
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw fail(file, `alias ${JSON.stringify(name)} must be a string, not ${JSON.stringify(v)}`);
    const problem = shortNameProblem(name);
    if (problem !== undefined) throw fail(file, `alias ${JSON.stringify(name)}: invalid short name: ${problem}`);
    out.set(name, v === '' ? '' : aliasValue(v, file, name));
  }
  return out;
}

/** One file's settings, each undefined when the file does not set it. */
interface FileConf {
  registries: RegistryEntry[];
  unqualifiedSearch?: string[];
  credentialHelpers?: string[];
  shortNameMode?: ShortNameMode;
  aliases: Map<string, string>;
}

/** `[registries.search]` and its siblings, when the file is in version 1. */
function version1(doc: Record<string, unknown>, file: string): { search?: string[]; insecure?: string[]; block?: string[] } | undefined {
  const v1 = doc.registries;
  if (v1 === undefined) return undefined;
  if (!isTable(v1)) throw fail(file, 'registries must be a table ([registries.search] ...) in version 1; version 2 writes [[registry]]');
  const out: { search?: string[]; insecure?: string[]; block?: string[] } = {};
  for (const kind of ['search', 'insecure', 'block'] as const) {
    const table = v1[kind];
    if (table === undefined) continue;
    if (!isTable(table)) throw fail(file, `[registries.${kind}] must be a table`);
    if (table.registries !== undefined) out[kind] = strings(table.registries, file, `registries.${kind}.registries`);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const V2_KEYS = ['registry', 'unqualified-search-registries', 'credential-helpers', 'short-name-mode', 'additional-layer-store-auth-helper', 'aliases'];

function parseFile(doc: Record<string, unknown>, file: string, dropIn: boolean): FileConf {
  let rawRegistries: unknown = doc.registry;
  let search: unknown = doc['unqualified-search-registries'];
  const v1 = version1(doc, file);
  if (v1 !== undefined) {
    if (dropIn) throw fail(file, 'a drop-in must be in version 2 format ([[registry]], unqualified-search-registries), not version 1 ([registries.search] ...)');
    if (V2_KEYS.some((k) => doc[k] !== undefined)) throw fail(file, 'version 1 ([registries.search] ...) and version 2 settings cannot be mixed in one file');
    // The conversion containers/image makes: search list, then one [[registry]] per blocked or insecure location.
    const converted = new Map<string, Record<string, unknown>>();
    for (const [kind, flag] of [['block', 'blocked'], ['insecure', 'insecure']] as const)
      for (const loc of v1[kind] ?? []) {
        const key = location(loc, file, `registries.${kind}`);
        const entry = converted.get(key) ?? { location: key };
        entry[flag] = true;
        converted.set(key, entry);
      }
    rawRegistries = [...converted.values()];
    search = v1.search;
  }
  const out: FileConf = { registries: [], aliases: parseAliases(doc.aliases, file) };
  if (search !== undefined)
    out.unqualifiedSearch = strings(search, file, 'unqualified-search-registries').map((r) => {
      const host = location(r, file, 'unqualified-search-registries entry');
      if (!DOMAIN.test(host)) throw fail(file, `unqualified-search-registries: ${JSON.stringify(r)} is not a registry (HOST[:PORT])`);
      return host;
    });
  if (doc['credential-helpers'] !== undefined) out.credentialHelpers = strings(doc['credential-helpers'], file, 'credential-helpers');
  const mode = str(doc['short-name-mode'], file, 'short-name-mode');
  if (mode !== '') {
    if (!MODES.includes(mode as ShortNameMode)) throw fail(file, `short-name-mode must be enforcing, permissive or disabled, not ${JSON.stringify(mode)}`);
    out.shortNameMode = mode as ShortNameMode;
  }
  str(doc['additional-layer-store-auth-helper'], file, 'additional-layer-store-auth-helper'); // accepted, not used
  if (rawRegistries !== undefined) {
    if (!Array.isArray(rawRegistries)) throw fail(file, 'registry must be an array of tables ([[registry]])');
    const entries = rawRegistries.map((raw, i) => parseRegistry(raw, file, i + 1));
    checkConflicts(entries, file);
    const seen = new Set<string>();
    for (const entry of entries) {
      // Within one file, the first [[registry]] of a prefix wins (containers/image ignores the others).
      if (seen.has(entry.prefix)) continue;
      seen.add(entry.prefix);
      out.registries.push(entry);
    }
  }
  return out;
}

function parseRegistry(raw: unknown, file: string, n: number): RegistryEntry {
  if (!isTable(raw)) throw fail(file, `[[registry]] #${n} must be a table`);
  const loc = location(str(raw.location, file, `[[registry]] #${n}: location`), file, `[[registry]] #${n}: location`);
  let prefix = location(str(raw.prefix, file, `[[registry]] #${n}: prefix`), file, `[[registry]] #${n}: prefix`);
  if (prefix === '') {
    if (loc === '') throw fail(file, `[[registry]] #${n}: neither prefix nor location is set`);
    prefix = loc;
  } else if (prefix.startsWith('*.')) {
    if (/[/@:]/.test(prefix)) throw fail(file, `[[registry]] ${JSON.stringify(prefix)}: a wildcard prefix must be in the format *.example.com (no port, path, tag or digest)`);
  } else if (loc === '') {
    throw fail(file, `[[registry]] ${JSON.stringify(prefix)}: location is unset and the prefix is not in the format *.example.com`);
  }
  const name = `[[registry]] ${JSON.stringify(prefix)}`;
  if (str(raw['pull-from-mirror'], file, `${name}: pull-from-mirror`) !== '') throw fail(file, `${name}: pull-from-mirror belongs in a [[registry.mirror]], not in the registry`);
  const mirrorByDigestOnly = bool(raw['mirror-by-digest-only'], file, `${name}: mirror-by-digest-only`);
  const rawMirrors = raw.mirror ?? [];
  if (!Array.isArray(rawMirrors)) throw fail(file, `${name}: mirror must be an array of tables ([[registry.mirror]])`);
  const mirrors = rawMirrors.map((m, i): Mirror => {
    const what = `${name}: mirror #${i + 1}`;
    if (!isTable(m)) throw fail(file, `${what} must be a table`);
    const where = location(str(m.location, file, `${what}: location`), file, `${what}: location`);
    if (where === '') throw fail(file, `${what}: location is unset`);
    const pfm = str(m['pull-from-mirror'], file, `${what}: pull-from-mirror`);
    if (pfm !== '' && mirrorByDigestOnly)
      throw fail(file, `${name}: mirror-by-digest-only and the pull-from-mirror of mirror ${JSON.stringify(where)} cannot both be set`);
    if (pfm !== '' && !PULL_FROM_MIRROR.includes(pfm as Mirror['pullFromMirror']))
      throw fail(file, `${what}: pull-from-mirror must be all, digest-only or tag-only, not ${JSON.stringify(pfm)}`);
    return { location: where, insecure: bool(m.insecure, file, `${what}: insecure`), pullFromMirror: (pfm || 'all') as Mirror['pullFromMirror'] };
  });
  return {
    prefix,
    location: loc,
    insecure: bool(raw.insecure, file, `${name}: insecure`),
    blocked: bool(raw.blocked, file, `${name}: blocked`),
    mirrorByDigestOnly,
    mirrors,
  };
}

/** One registry (location) given several entries must not be both secure and insecure, or blocked and not. */
function checkConflicts(entries: RegistryEntry[], file: string): void {
  const byLocation = new Map<string, RegistryEntry>();
  for (const entry of entries) {
    const key = entry.location || entry.prefix;
    const other = byLocation.get(key);
    if (other === undefined) byLocation.set(key, entry);
    else
      for (const flag of ['insecure', 'blocked'] as const)
        if (other[flag] !== entry[flag]) throw fail(file, `registry ${JSON.stringify(key)} is defined several times with conflicting '${flag}' settings`);
  }
}

function dropIns(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw systemFailure(err, 'read registries configuration') ?? fail(dir, describeError(err));
  }
  return entries
    .filter((e) => !e.isDirectory() && e.name.endsWith('.conf'))
    .map((e) => e.name)
    .sort()
    .map((name) => join(dir, name));
}

export function loadRegistriesConf(dirs: ConfDirs): RegistriesConf {
  const userFile = join(dirs.configHome, 'containers', 'registries.conf');
  const userDir = join(dirs.configHome, 'containers', 'registries.conf.d');
  const useUser = existsSync(userFile);
  const mainFile = useUser ? userFile : join(dirs.systemDir, 'registries.conf');
  const dropInFiles = [...(useUser ? [] : dropIns(join(dirs.systemDir, 'registries.conf.d'))), ...dropIns(userDir)];

  const conf: RegistriesConf = {
    unqualifiedSearch: [],
    shortNameMode: 'permissive',
    registries: [],
    aliases: new Map(),
    files: [],
    credentialHelpers: [],
    searchOrigin: '',
    aliasOrigins: new Map(),
  };
  const byPrefix = new Map<string, RegistryEntry>();
  let mode: ShortNameMode | undefined;
  const apply = (file: string, dropIn: boolean) => {
    const doc = readToml(file);
    if (doc === undefined) return; // no main file, or a drop-in removed since the listing
    const parsed = parseFile(doc, file, dropIn);
    conf.files.push(file);
    if (!dropIn) conf.searchOrigin = file;
    for (const entry of parsed.registries) byPrefix.set(entry.prefix, entry);
    if (parsed.unqualifiedSearch !== undefined) {
      conf.unqualifiedSearch = parsed.unqualifiedSearch;
      conf.searchOrigin = file;
    }
    if (parsed.credentialHelpers !== undefined) conf.credentialHelpers = parsed.credentialHelpers;
    if (parsed.shortNameMode !== undefined) mode = parsed.shortNameMode;
    for (const [name, value] of parsed.aliases) {
      if (value === '') {
        conf.aliases.delete(name);
        conf.aliasOrigins.delete(name);
      } else {
        conf.aliases.set(name, value);
        conf.aliasOrigins.set(name, file);
      }
    }
  };
  apply(mainFile, false);
  for (const file of dropInFiles) apply(file, true);
  conf.registries = [...byPrefix.keys()].sort().map((prefix) => byPrefix.get(prefix) as RegistryEntry);
  conf.shortNameMode = mode ?? 'permissive';
  if (conf.credentialHelpers.length === 0) conf.credentialHelpers = ['containers-auth.json'];
  return conf;
}

/**
 * How much of `name` (`host[:port][/path][:tag|@digest]`) `prefix` covers,
 * or -1. A prefix ends at a component boundary: `/`, or `@` and `:` before a
 * digest or tag. Unlike containers/image, `host:port` is not covered by a
 * prefix `host` (containers/image notes that match as unintended). A
 * wildcard `*.example.com` covers the hosts under example.com, any port.
 */
function covered(name: string, prefix: string): number {
  if (prefix.startsWith('*.')) {
    const host = name.split('/')[0] ?? '';
    const bare = host.startsWith('[') ? host : (host.split(':')[0] ?? '');
    const suffix = prefix.slice(1);
    return bare.length > suffix.length && bare.endsWith(suffix) ? bare.length : -1;
  }
  if (name === prefix) return prefix.length;
  if (!name.startsWith(prefix)) return -1;
  const next = name[prefix.length];
  if (next === '/' || next === '@') return prefix.length;
  if (next === ':' && prefix.includes('/')) return prefix.length; // a tag, not a port
  return -1;
}

/** The entry for `name`: the longest prefix that covers it (the first in prefix order on a tie, as containers/image). */
export function registryFor(conf: RegistriesConf, name: string): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  for (const entry of conf.registries) if (covered(name, entry.prefix) >= 0 && entry.prefix.length > (best?.prefix.length ?? 0)) best = entry;
  return best;
}

/**
 * Where `name` (with its tag or digest, or without) is pulled from, in
 * order: the mirrors its entry allows for a pull by digest or by tag, then
 * the entry's location; each with the prefix rewritten to the endpoint's
 * location and its own insecure flag. A name no entry covers is itself.
 */
export function pullSources(conf: RegistriesConf, name: string, byDigest: boolean): { name: string; insecure: boolean }[] {
  const entry = registryFor(conf, name);
  if (entry === undefined) return [{ name, insecure: false }];
  const rest = name.slice(covered(name, entry.prefix));
  const rewrite = (loc: string) => (loc === '' ? name : loc + rest);
  const mirrors = entry.mirrorByDigestOnly
    ? byDigest
      ? entry.mirrors
      : []
    : entry.mirrors.filter((m) => (m.pullFromMirror === 'digest-only' ? byDigest : m.pullFromMirror === 'tag-only' ? !byDigest : true));
  return [...mirrors.map((m) => ({ name: rewrite(m.location), insecure: m.insecure })), { name: rewrite(entry.location), insecure: entry.insecure }];
}

/** The machine-written alias cache. */
export function aliasCacheFile(dirs: ConfDirs): string {
  return join(dirs.cacheHome, 'containers', 'short-name-aliases.conf');
}

/** The cache's aliases, checked as registries.conf's are; '' marks an erased one. */
function cachedAliases(dirs: ConfDirs): Map<string, string> {
  const file = aliasCacheFile(dirs);
  const doc = readToml(file);
  return doc === undefined ? new Map() : parseAliases(doc.aliases, file);
}

export interface ShortNameResolution {
  /** the fully qualified names to pull, in order, each with its tag (:latest when none was given) or digest */
  candidates: string[];
  /** the alias that resolved the name (the repository, without tag) */
  alias?: string;
  /** the file the alias or the search list comes from */
  origin?: string;
  /** the short name without tag or digest: what recordShortNameAlias records the user's choice under */
  shortName?: string;
  /** several candidates, on a terminal, in enforcing or permissive mode: ask the user to choose one, then record it */
  mustChoose: boolean;
}

/**
 * Short-name resolution as containers/image's pkg/shortnames: a qualified
 * name (its first component has a dot or a port, or is `localhost`) is
 * itself; a short name's alias (the cache, which wins, then registries.conf)
 * is the one candidate in every mode; otherwise each unqualified-search
 * registry gives one (`docker.io` adds `library/`). Several candidates are
 * all tried in `disabled` mode and, without a terminal, in `permissive`
 * mode; without a terminal `enforcing` refuses; on a terminal the user is
 * to choose (`mustChoose`), and the choice is recorded.
 */
export function resolveShortName(conf: RegistriesConf, dirs: ConfDirs, input: string, opts: { tty: boolean }): ShortNameResolution {
  const text = input.startsWith('docker://') ? input.slice('docker://'.length) : input;
  const ref = parseReference(text, '');
  if (ref.domain !== '') return { candidates: [formatReference(ref)], mustChoose: false };
  const shortName = ref.path;
  const cache = cachedAliases(dirs);
  const cached = cache.get(shortName);
  // A cache entry, even an erased one, hides registries.conf's (containers/image looks no further).
  const alias = cached !== undefined ? cached || undefined : conf.aliases.get(shortName);
  if (alias !== undefined) {
    const [domain, ...path] = alias.split('/');
    const candidate = formatReference({ domain: domain as string, path: path.join('/'), tag: ref.tag, digest: ref.digest });
    return { candidates: [candidate], alias, origin: cached !== undefined ? aliasCacheFile(dirs) : conf.aliasOrigins.get(shortName), shortName, mustChoose: false };
  }
  if (conf.unqualifiedSearch.length === 0)
    throw new BurrowError(
      'E_SHORT_NAME',
      conf.searchOrigin !== ''
        ? `short-name "${input}" did not resolve to an alias and no unqualified-search registries are defined in "${conf.searchOrigin}"`
        : `short-name "${input}" did not resolve to an alias and no containers-registries.conf(5) was found`,
      { hint: 'give the full name, HOST/PATH[:TAG], or list registries in unqualified-search-registries' },
    );
  // Completed as containers/image does it (a search entry without a dot or port counts as a docker.io namespace).
  const candidates = conf.unqualifiedSearch.map((registry) => formatReference(parseReference(`${registry}/${text}`, 'docker.io')));
  const base = { candidates, origin: conf.searchOrigin, shortName };
  if (conf.shortNameMode === 'disabled' || candidates.length === 1) return { ...base, mustChoose: false };
  if (opts.tty) return { ...base, mustChoose: true };
  if (conf.shortNameMode === 'permissive') return { ...base, mustChoose: false };
  throw new BurrowError(
    'E_AMBIGUOUS',
    `short-name resolution enforced but cannot prompt without a TTY: "${input}" could be ${candidates.join(', ')} (short-name-mode = "enforcing" in ${conf.files.join(', ')})`,
    { hint: 'give the full name, or add an alias for it to [aliases] in registries.conf' },
  );
}

/**
 * The names a short name may have in local storage, in podman's order
 * (pkg/shortnames ResolveLocally): its alias, then `localhost/NAME`, then
 * each unqualified-search registry's. A qualified name is itself.
 */
export function localCandidates(conf: RegistriesConf, dirs: ConfDirs, input: string): string[] {
  const text = input.startsWith('docker://') ? input.slice('docker://'.length) : input;
  const ref = parseReference(text, '');
  if (ref.domain !== '') return [formatReference(ref)];
  const out: string[] = [];
  const cached = cachedAliases(dirs).get(ref.path);
  const alias = cached !== undefined ? cached || undefined : conf.aliases.get(ref.path);
  if (alias !== undefined) {
    const [domain, ...path] = alias.split('/');
    out.push(formatReference({ domain: domain as string, path: path.join('/'), tag: ref.tag, digest: ref.digest }));
  }
  for (const registry of ['localhost', ...conf.unqualifiedSearch]) out.push(formatReference(parseReference(`${registry}/${text}`, 'docker.io')));
  return out;
}

/**
 * Records `short` -> `qualified` (its tag or digest dropped) in the alias
 * cache, as podman does after the user chose one on its prompt. The file is
 * replaced atomically, mode 0600, its directory made 0700; its other
 * aliases are kept.
 */
export function recordShortNameAlias(dirs: ConfDirs, short: string, qualified: string): void {
  const file = aliasCacheFile(dirs);
  const problem = shortNameProblem(short);
  if (problem !== undefined) throw new BurrowError('E_SHORT_NAME', `cannot record an alias for ${JSON.stringify(short)}: invalid short name: ${problem}`);
  const ref = parseReference(qualified, '');
  if (ref.domain === '') throw new BurrowError('E_SHORT_NAME', `cannot record ${JSON.stringify(qualified)} as the alias of ${JSON.stringify(short)}: it is not a fully qualified name`);
  const doc = readToml(file) ?? {};
  const aliases: Record<string, string> = {};
  for (const [name, value] of parseAliases(doc.aliases, file)) aliases[name] = value;
  aliases[short] = `${ref.domain}/${ref.path}`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    atomicWriteFile(file, stringifyToml({ ...doc, aliases }), 0o600);
  } catch (err) {
    throw systemFailure(err, `record the short-name alias of ${short}`) ?? err;
  }
}
