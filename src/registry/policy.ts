/**
 * containers-policy.json(5): whether an image may be pulled or pushed. Read
 * from `$XDG_CONFIG_HOME/containers/policy.json`, else
 * `/etc/containers/policy.json`. With neither, podman refuses to work
 * (its package, containers-common, always ships one); burrow, which does
 * not need that package, takes the absence of a policy as no restriction,
 * the same as containers-common's own file (`insecureAcceptAnything`). For the
 * `docker` transport the most specific scope wins: `host/repo:tag` (or
 * `@digest`), `host/repo`, each shorter namespace, `host`, then wildcard
 * domains `*.example.com`, then the transport's `""`, then `default`.
 * `insecureAcceptAnything` accepts, `reject` refuses; signature checks
 * (`signedBy`, `sigstoreSigned`) cannot be made yet, so they refuse: the
 * policy fails closed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, errnoCode } from '../errors.js';
import { parseJsonFile } from './json-file.js';

interface Requirement {
  type?: string;
}

interface PolicyFile {
  default?: Requirement[];
  transports?: Record<string, Record<string, Requirement[]>>;
}

export function policyFile(env: NodeJS.ProcessEnv): string[] {
  const configHome = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME ?? '/', '.config');
  return [join(configHome, 'containers', 'policy.json'), join(env.BURROW_CONTAINERS_CONF_DIR ?? '/etc/containers', 'policy.json')];
}

function load(files: string[]): { file: string; doc: PolicyFile } | undefined {
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw new BurrowError('E_POLICY', `${file}: ${(err as Error).message}`);
    }
    const doc = parseJsonFile('E_POLICY', file, text);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new BurrowError('E_POLICY', `${file}: not a JSON object`);
    const policy = doc as PolicyFile;
    if (!Array.isArray(policy.default)) throw new BurrowError('E_POLICY', `${file}: "default" must be a list of requirements`);
    return { file, doc: policy };
  }
  return undefined;
}

/** The scopes of a docker reference, most specific first. */
function dockerScopes(scope: string): string[] {
  const out = [scope];
  const bare = scope.replace(/@sha256:[a-f0-9]+$/, '').replace(/:[^/:]+$/, '');
  if (bare !== scope) out.push(bare);
  const parts = bare.split('/');
  for (let n = parts.length - 1; n >= 1; n--) out.push(parts.slice(0, n).join('/'));
  const host = parts[0] ?? '';
  const labels = host.split('.');
  for (let n = 1; n < labels.length; n++) out.push(`*.${labels.slice(n).join('.')}`);
  return out;
}

/** Throws unless the policy accepts `scope` (`host/repo:tag` for docker) over `transport`. */
export function checkPolicy(env: NodeJS.ProcessEnv, transport: string, scope: string, policyPath?: string): void {
  const found = load(policyPath !== undefined ? [policyPath] : policyFile(env));
  if (found === undefined) {
    if (policyPath !== undefined) throw new BurrowError('E_POLICY', `${policyPath}: no such file`);
    return;
  }
  const { file, doc } = found;
  const table = doc.transports?.[transport] ?? {};
  const scopes = transport === 'docker' ? dockerScopes(scope) : [scope];
  const key = [...scopes, ''].find((s) => Array.isArray(table[s]));
  const requirements = key !== undefined ? (table[key] as Requirement[]) : (doc.default as Requirement[]);
  if (requirements.length === 0) throw new BurrowError('E_POLICY', `${file}: an empty list of requirements for ${transport}:${scope}`);
  for (const r of requirements) {
    switch (r?.type) {
      case 'insecureAcceptAnything':
        continue;
      case 'reject':
        throw new BurrowError('E_POLICY', `${transport}:${scope}: rejected by the policy in ${file}`);
      case 'signedBy':
      case 'sigstoreSigned':
        throw new BurrowError('E_POLICY', `${transport}:${scope}: the policy in ${file} asks for a signature (${r.type}), which burrow cannot verify yet`);
      default:
        throw new BurrowError('E_POLICY', `${file}: unknown requirement type ${JSON.stringify(r?.type)}`);
    }
  }
}
