/**
 * containers-policy.json(5): whether an image may be used, read as
 * containers/image (signature/policy_config.go, policy_eval.go) reads it.
 *
 * The file is `$XDG_CONFIG_HOME/containers/policy.json` when it exists, else
 * `/etc/containers/policy.json`. With neither, podman refuses to work
 * ("no policy.json file found"), and so does burrow: the error says how to
 * write the permissive policy containers-common ships.
 *
 * Parsing is strict, as the man page says: an unknown or repeated field, an
 * empty list of requirements or an unknown requirement type refuses the
 * whole file. For an image, the requirements of the most specific scope of
 * its transport apply: the image's own identity, then each namespace the
 * transport derives from it, then the transport's `""`, then `default`.
 * `insecureAcceptAnything` accepts, `reject` refuses; burrow cannot verify
 * signatures yet, so `signedBy`, `sigstoreSigned` and `signedBaseLayer`
 * refuse too (the policy fails closed).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, normalize, resolve } from 'node:path';

import { BurrowError, describeError, errnoCode, systemFailure } from '../errors.js';
import { isObject } from '../json.js';
import { parseReference } from '../oci/reference.js';
import { parseJsonFile } from './json-file.js';
import { confDirs } from './registries-conf.js';

const CODE = 'E_POLICY';

interface Requirement {
  type: string;
  [key: string]: unknown;
}

interface Policy {
  file: string;
  default: Requirement[];
  transports: Map<string, Map<string, Requirement[]>>;
}

const ACCEPT = 'insecureAcceptAnything';
const SIGNATURES = ['signedBy', 'sigstoreSigned', 'signedBaseLayer'];

/** Where the policy is looked for, in order. */
export function policyFiles(env: NodeJS.ProcessEnv): string[] {
  const dirs = confDirs(env);
  return [join(dirs.configHome, 'containers', 'policy.json'), join(dirs.systemDir, 'policy.json')];
}


function requirements(value: unknown, file: string, where: string): Requirement[] {
  if (!Array.isArray(value)) throw new BurrowError(CODE, `${file}: ${where} must be a list of requirements`);
  if (value.length === 0) throw new BurrowError(CODE, `${file}: ${where}: a list of requirements must not be empty`);
  return value.map((r) => {
    if (!isObject(r) || typeof r.type !== 'string') throw new BurrowError(CODE, `${file}: ${where}: a requirement must be an object with a "type"`);
    if (r.type !== ACCEPT && r.type !== 'reject' && !SIGNATURES.includes(r.type)) throw new BurrowError(CODE, `${file}: ${where}: unknown requirement type ${JSON.stringify(r.type)}`);
    const extra = Object.keys(r).find((k) => k !== 'type');
    // The two simple types take no other field; the signature types are refused whole when reached, so their fields are not read.
    if ((r.type === ACCEPT || r.type === 'reject') && extra !== undefined) throw new BurrowError(CODE, `${file}: ${where}: unknown field ${JSON.stringify(extra)} in a ${r.type} requirement`);
    return r as Requirement;
  });
}

/** The scope forms a transport accepts in policy.json; throws for one it refuses. */
function checkScope(transport: string, scope: string, file: string): void {
  if (scope === '') return;
  const bad = (why: string) => new BurrowError(CODE, `${file}: transports.${transport}: scope ${JSON.stringify(scope)}: ${why}`);
  switch (transport) {
    case 'docker-archive':
      throw bad('docker-archive supports no scope but the default ""');
    case 'docker-daemon':
      if (/^[a-z0-9]+:[a-f0-9]{32,}$/.test(scope)) throw bad('an image id cannot be a namespace');
      return;
    case 'dir':
    case 'oci':
    case 'oci-archive':
      if (!scope.startsWith('/')) throw bad('must be an absolute path');
      if (scope === '/') throw bad('"/" is not allowed: use the default ""');
      if (normalize(scope).replace(/\/$/, '') !== scope) throw bad(`not in canonical form (${normalize(scope).replace(/\/$/, '')})`);
      return;
    default:
      // docker (and transports burrow does not know) take any string, as containers/image.
      return;
  }
}

function load(file: string): Policy | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw systemFailure(err, 'read the trust policy') ?? new BurrowError(CODE, `${file}: ${describeError(err)}`);
  }
  const doc = parseJsonFile(CODE, file, text, { duplicates: true });
  if (!isObject(doc)) throw new BurrowError(CODE, `${file}: not a JSON object`);
  const unknown = Object.keys(doc).find((k) => k !== 'default' && k !== 'transports');
  if (unknown !== undefined) throw new BurrowError(CODE, `${file}: unknown field ${JSON.stringify(unknown)}`);
  if (doc.default === undefined) throw new BurrowError(CODE, `${file}: "default" is missing (it is required)`);
  const policy: Policy = { file, default: requirements(doc.default, file, '"default"'), transports: new Map() };
  if (doc.transports !== undefined) {
    if (!isObject(doc.transports)) throw new BurrowError(CODE, `${file}: "transports" must be an object`);
    for (const [transport, scopes] of Object.entries(doc.transports)) {
      if (!isObject(scopes)) throw new BurrowError(CODE, `${file}: transports.${transport} must be an object of scopes`);
      const table = new Map<string, Requirement[]>();
      for (const [scope, reqs] of Object.entries(scopes)) {
        checkScope(transport, scope, file);
        table.set(scope, requirements(reqs, file, `transports.${transport}[${JSON.stringify(scope)}]`));
      }
      policy.transports.set(transport, table);
    }
  }
  return policy;
}

/** A path with its symlinks resolved, as far as it exists (containers/image's "fully explicit" path). */
function explicitPath(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT' || abs === '/') return abs;
    return join(explicitPath(dirname(abs)), basename(abs));
  }
}

/** The parent directories of an absolute path, itself first, "/" left out. */
function pathNamespaces(path: string): string[] {
  const out: string[] = [];
  for (let p = path; p !== '/' && p !== ''; p = dirname(p)) out.push(p);
  return out;
}

/** A docker reference's identity (`host/repo:tag` or `@digest`) and namespaces: the repository, each parent, the host, then `*.` domains. */
function dockerScopes(scope: string): { identity: string; namespaces: string[] } {
  const ref = parseReference(scope, 'docker.io');
  const name = `${ref.domain}/${ref.path}`;
  const identity = ref.digest !== undefined ? `${name}@${ref.digest}` : `${name}:${ref.tag}`;
  const namespaces: string[] = [];
  for (let n = name; ; n = n.slice(0, n.lastIndexOf('/'))) {
    namespaces.push(n);
    if (!n.includes('/')) break;
  }
  // Wildcards come from the host without its port: example.com:5000/ns -> *.com.
  let host = ref.domain.split(':')[0] ?? '';
  for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.')) {
    host = host.slice(dot + 1);
    namespaces.push(`*.${host}`);
  }
  return { identity, namespaces };
}

/** What `scope` is looked up as, for each transport (containers/image's PolicyConfigurationIdentity and Namespaces). */
function scopesOf(transport: string, scope: string): { identity: string; namespaces: string[] } {
  switch (transport) {
    case 'docker':
      return dockerScopes(scope);
    case 'docker-daemon':
      // An image id cannot be namespaced: it falls to the transport's default.
      return /^(?:sha256:)?[a-f0-9]{64}$/.test(scope) ? { identity: '', namespaces: [] } : dockerScopes(scope);
    case 'docker-archive':
      return { identity: '', namespaces: [] };
    case 'dir': {
      const path = explicitPath(scope);
      return { identity: path, namespaces: pathNamespaces(path).slice(1) };
    }
    case 'oci':
    case 'oci-archive': {
      // PATH[:IMAGE]: the image within is not part of the identity.
      const colon = scope.indexOf(':');
      const path = explicitPath(colon >= 0 ? scope.slice(0, colon) : scope);
      return { identity: path, namespaces: pathNamespaces(path) };
    }
    default:
      return { identity: scope, namespaces: [] };
  }
}

/**
 * Throws (E_POLICY) unless the policy accepts `scope` over `transport`:
 * `docker` takes `host/repo:tag` or `host/repo@digest`, `docker-daemon` a
 * name or an image id, `dir` a directory, `oci` and `oci-archive`
 * `PATH[:IMAGE]`, `docker-archive` anything (it has no scopes).
 * `policyPath` (--signature-policy) replaces the search.
 */
export function checkPolicy(env: NodeJS.ProcessEnv, transport: string, scope: string, policyPath?: string): void {
  const files = policyPath !== undefined ? [policyPath] : policyFiles(env);
  let policy: Policy | undefined;
  for (const file of files) if ((policy = load(file)) !== undefined) break;
  if (policy === undefined)
    throw new BurrowError(CODE, `no policy.json file found at any of the following: ${files.map((f) => `"${f}"`).join(', ')}`, {
      hint: `to accept every image, as containers-common's default policy does, write {"default": [{"type": "insecureAcceptAnything"}]} to ${files[0]}`,
    });
  const table = policy.transports.get(transport);
  let reqs = policy.default;
  if (table !== undefined) {
    const { identity, namespaces } = scopesOf(transport, scope);
    const key = [identity, ...namespaces, ''].find((s) => table.has(s));
    if (key !== undefined) reqs = table.get(key) as Requirement[];
  }
  for (const r of reqs) {
    if (r.type === ACCEPT) continue;
    if (r.type === 'reject') throw new BurrowError(CODE, `${transport}:${scope}: rejected by the policy in ${policy.file}`);
    throw new BurrowError(CODE, `${transport}:${scope}: the policy in ${policy.file} asks for a signature (${r.type}), which burrow cannot verify yet`);
  }
}
