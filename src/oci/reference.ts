import { BurrowError } from '../errors.js';

/** A parsed image name: registry/repository:tag (or @digest). */
export interface Reference {
  domain: string;
  path: string;
  tag: string | undefined;
  digest: string | undefined;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** A tag as docker's grammar allows it: a word character, then up to 127 of `\w.-`. */
export function isTag(value: string): boolean {
  return TAG.test(value);
}

/** docker's limit on a repository name (registry and path); a reference over it is refused whole, as podman does. */
const MAX_NAME = 255;
/** name, tag (128) and digest: longer than any reference podman accepts */
const MAX_REFERENCE = MAX_NAME + 1 + 128 + 1 + 71;

/**
 * Parses an image name as podman does. A name without a registry is given
 * `defaultDomain` (podman: localhost for tag/import/commit, docker.io for
 * the names inside docker archives), and docker.io names without a namespace
 * get `library/`.
 */
export function parseReference(input: string, defaultDomain = 'localhost'): Reference {
  const shown = input.length > 64 ? `${input.slice(0, 64)}...` : input;
  if (input.length > MAX_REFERENCE) throw new BurrowError('E_REFERENCE', `invalid image name \`${shown}\`: it is ${input.length} characters long, longer than ${MAX_REFERENCE}`);
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new BurrowError('E_REFERENCE', `invalid image name \`${input}\`: bad digest`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new BurrowError('E_REFERENCE', `invalid image name \`${input}\`: bad tag \`${tag}\``);
  }
  const parts = rest.split('/');
  let domain = defaultDomain;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = first;
    parts.shift();
  }
  if (rest.length > MAX_NAME) throw new BurrowError('E_REFERENCE', `invalid image name \`${shown}\`: the repository name is longer than ${MAX_NAME} characters`);
  if (parts.length === 0 || parts.some((p) => !COMPONENT.test(p)))
    throw new BurrowError('E_REFERENCE', `invalid image name \`${input}\`: repository names must be lowercase letters, digits and separators`);
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path: parts.join('/'), tag, digest };
}

export function formatReference(ref: Reference): string {
  return `${ref.domain}/${ref.path}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The full name of a tag to store: `localhost/foo:latest` for `foo`. */
export function normalizeName(input: string, defaultDomain = 'localhost'): string {
  return formatReference(parseReference(input, defaultDomain));
}

/** Does the stored full `name` answer to what the user typed (`foo`, `foo:1`, `localhost/foo`, ...)? */
export function nameMatches(name: string, input: string): boolean {
  if (name === input) return true;
  let want: Reference;
  try {
    want = parseReference(input, '');
  } catch {
    return false;
  }
  const have = parseReference(name, '');
  if (want.tag !== have.tag) return false;
  if (want.domain !== '') return want.domain === have.domain && want.path === have.path;
  // A short name: any registry, and docker.io's library/ may be left out.
  return have.path === want.path || (have.domain === 'docker.io' && have.path === `library/${want.path}`);
}
