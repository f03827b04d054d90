/**
 * `search`: repositories whose name holds a term, from each registry asked,
 * as containers/common's libimage searches: Docker Hub through its v1
 * search API (`index.docker.io/v1/search`, with descriptions and stars),
 * any other registry through its `/v2/_catalog` (names only). Unlike
 * containers/image, which reads one page of the catalog and filters that,
 * burrow reads on until it has the results asked for, so a match on a late
 * page is found. A full match comes first. `--list-tags` lists the tags of
 * one repository instead.
 */
import { BurrowError } from '../errors.js';
import { parseReference } from '../oci/reference.js';
import type { RegistryAccess } from './access.js';
import { describeFailure, MAX_MANIFEST, type RegistryClient } from './client.js';
import { readBody } from './http.js';

/** libimage's defaults: 25 results a registry, descriptions cut at 44 characters. */
export const SEARCH_LIMIT = 25;
export const DESCRIPTION_WIDTH = 44;

export interface SearchResult {
  /** the registry, as podman's Index column */
  Index: string;
  /** REGISTRY/REPOSITORY */
  Name: string;
  Description: string;
  Stars: number;
  /** `[OK]` or '' */
  Official: string;
  Automated: string;
  /** with --list-tags */
  Tag: string;
}

export interface SearchFilter {
  stars?: number;
  official?: boolean;
  automated?: boolean;
}

/** `--filter stars=N`, `is-official=BOOL`, `is-automated=BOOL`, as podman takes them. */
export function parseSearchFilters(filters: string[]): SearchFilter {
  const out: SearchFilter = {};
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = eq < 0 ? f : f.slice(0, eq);
    const value = eq < 0 ? '' : f.slice(eq + 1);
    const bool = (): boolean => {
      if (value === 'true') return true;
      if (value === 'false') return false;
      throw new BurrowError('E_USAGE', `invalid filter "${f}": ${key} takes true or false`);
    };
    if (key === 'stars') {
      if (!/^\d+$/.test(value)) throw new BurrowError('E_USAGE', `invalid filter "${f}": stars takes a whole number`);
      out.stars = Number(value);
    } else if (key === 'is-official') out.official = bool();
    else if (key === 'is-automated') out.automated = bool();
    else throw new BurrowError('E_USAGE', `invalid filter "${f}": use stars=N, is-official=true|false or is-automated=true|false`);
  }
  return out;
}

function passes(r: SearchResult, f: SearchFilter): boolean {
  if (f.stars !== undefined && r.Stars < f.stars) return false;
  if (f.official !== undefined && (r.Official === '[OK]') !== f.official) return false;
  if (f.automated !== undefined && (r.Automated === '[OK]') !== f.automated) return false;
  return true;
}

/** `registry/term` or a plain term: the registries to ask and the term to look for. */
function targets(access: RegistryAccess, term: string): { registries: string[]; term: string } {
  const slash = term.indexOf('/');
  const first = slash < 0 ? '' : term.slice(0, slash);
  // A first component with a dot or a port, or localhost, names a registry (as in references).
  if (first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost')) return { registries: [first], term: term.slice(slash + 1) };
  const registries = access.registries().unqualifiedSearch;
  if (registries.length === 0)
    throw new BurrowError('E_SHORT_NAME', `no registry to search for "${term}": give one (REGISTRY/TERM), or list some in unqualified-search-registries (registries.conf)`);
  return { registries, term };
}

/** Docker Hub's v1 search: names, descriptions, stars. */
export async function searchIndex(client: RegistryClient, registry: string, term: string, limit: number): Promise<SearchResult[]> {
  const what = `searching ${registry} for "${term}"`;
  const res = await client.request('GET', `/v1/search?q=${encodeURIComponent(term)}&n=${limit}`, { what });
  if (res.status !== 200) throw new BurrowError(res.status === 401 || res.status === 403 ? 'E_REGISTRY_AUTH' : 'E_REGISTRY', `${what}: ${await describeFailure(res)}`);
  let parsed: { results?: { name?: string; description?: string; star_count?: number; is_official?: boolean; is_automated?: boolean }[] };
  try {
    parsed = JSON.parse((await readBody(res, MAX_MANIFEST, 'the search results')).toString('utf8')) as typeof parsed;
  } catch (err) {
    throw new BurrowError('E_REGISTRY', `${what}: ${err instanceof SyntaxError ? 'the answer is not JSON' : (err as Error).message}`);
  }
  return (parsed.results ?? [])
    .filter((r) => typeof r.name === 'string')
    .map((r) => {
      const name = (r.name as string).includes('/') ? (r.name as string) : `library/${r.name as string}`;
      return {
        Index: 'docker.io',
        Name: `docker.io/${name}`,
        Description: r.description ?? '',
        Stars: r.star_count ?? 0,
        Official: r.is_official ? '[OK]' : '',
        Automated: r.is_automated ? '[OK]' : '',
        Tag: '',
      };
    });
}

/** One registry's repositories holding `term`, through its catalog; a full match first. */
async function searchCatalog(client: RegistryClient, registry: string, term: string, limit: number): Promise<SearchResult[]> {
  const matches = (repos: string[]) => repos.filter((r) => r.includes(term));
  const repos = await client.catalog((got) => matches(got).length >= limit);
  const found = matches(repos);
  const ordered = [...found.filter((r) => r === term), ...found.filter((r) => r !== term)];
  return ordered.map((r) => ({ Index: registry, Name: `${registry}/${r}`, Description: '', Stars: 0, Official: '', Automated: '', Tag: '' }));
}

export interface SearchOptions {
  limit: number;
  filter: SearchFilter;
  noTrunc: boolean;
}

/**
 * The results for `term` from every registry it names (podman's order),
 * `limit` at most from each. A registry that fails is an error when every
 * one failed; otherwise its failure is only logged (podman's way).
 */
export async function search(access: RegistryAccess, input: string, opts: SearchOptions, warn: (line: string) => void): Promise<SearchResult[]> {
  const { registries, term } = targets(access, input);
  const failures: BurrowError[] = [];
  const out: SearchResult[] = [];
  for (const registry of registries) {
    try {
      const results =
        registry === 'docker.io'
          ? await searchIndex(access.client('index.docker.io'), registry, term, opts.limit)
          : await searchCatalog(access.client(registry), registry, term, opts.limit);
      out.push(
        ...results
          .filter((r) => passes(r, opts.filter))
          .slice(0, opts.limit)
          .map((r) => (opts.noTrunc || r.Description.length <= DESCRIPTION_WIDTH ? r : { ...r, Description: `${r.Description.slice(0, DESCRIPTION_WIDTH)}...` })),
      );
    } catch (err) {
      if (!(err instanceof BurrowError)) throw err;
      failures.push(err);
    }
  }
  if (failures.length > 0 && failures.length === registries.length) {
    if (failures.length === 1) throw failures[0] as BurrowError;
    throw new BurrowError((failures[0] as BurrowError).code, `searching for "${input}": every registry failed: ${failures.map((f) => f.message).join('; ')}`);
  }
  for (const f of failures) warn(`Warning: ${f.message}`);
  return out;
}

/** `--list-tags`: the tags of one repository, named in full. */
export async function listTags(access: RegistryAccess, input: string, limit: number): Promise<{ name: string; tags: string[] }> {
  let ref;
  try {
    ref = parseReference(input, '');
  } catch (err) {
    throw new BurrowError('E_USAGE', `--list-tags: ${(err as Error).message}`);
  }
  // podman lists the tags of a fully qualified repository only.
  if (ref.domain === '') throw new BurrowError('E_USAGE', `--list-tags: \`${input}\` names no registry: give REGISTRY/REPOSITORY`);
  // (parseReference gives `latest` to a name without a tag: the text says whether one was given)
  if (ref.digest !== undefined || /:[^/]*$/.test(input)) throw new BurrowError('E_USAGE', `--list-tags: \`${input}\` names a tag or digest: give the repository alone`);
  const tags = await access.client(ref.domain, { repo: ref.path }).tags(ref.path);
  return { name: `${ref.domain}/${ref.path}`, tags: tags.slice(0, limit) };
}
