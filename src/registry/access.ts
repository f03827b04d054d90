/**
 * Everything a command needs to reach registries, from the ecosystem's files
 * and the command's flags: which registry a name lives in and how to reach it
 * (registries.conf: location, mirrors, insecure, blocked), short names, TLS
 * material (certs.d), credentials (--creds, auth.json, credential helpers) and
 * the trust policy (policy.json). One client per registry, so connections
 * and tokens are shared by every request of the command.
 */
import { BurrowError } from '../errors.js';
import type { Logger } from '../log.js';
import { formatReference, parseReference, type Reference } from '../oci/reference.js';
import { credentialsFor } from './auth-file.js';
import { tlsMaterial } from './certs.js';
import { RegistryClient, type RegistryCredentials } from './client.js';
import { closeConnections } from './http.js';
import { checkPolicy } from './policy.js';
import { confDirs, loadRegistriesConf, pullSources, registryFor, type RegistriesConf, recordShortNameAlias, resolveShortName } from './registries-conf.js';

export interface AccessOptions {
  /** --tls-verify: undefined leaves it to registries.conf */
  tlsVerify?: boolean | undefined;
  certDir?: string | undefined;
  /** --creds USER[:PASSWORD] */
  creds?: string | undefined;
  authfile?: string | undefined;
  retries?: number | undefined;
  retryDelayMs?: number | undefined;
  log?: Logger | undefined;
}

/** `USER:PASSWORD` (podman's --creds); the password may hold colons. */
export function parseCreds(text: string): RegistryCredentials {
  const colon = text.indexOf(':');
  if (text === '' || colon === 0) throw new BurrowError('E_USAGE', '--creds: a user name is required (USER:PASSWORD)');
  if (colon < 0) throw new BurrowError('E_USAGE', '--creds: give the password too (USER:PASSWORD)');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The registry part of a name, `host[:port]`. */
export function registryOf(name: string): string {
  return parseReference(name, '').domain;
}

export class RegistryAccess {
  private conf: RegistriesConf | undefined;
  private readonly clients = new Map<string, RegistryClient>();
  private readonly creds: RegistryCredentials | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly opts: AccessOptions = {},
  ) {
    this.creds = opts.creds !== undefined ? parseCreds(opts.creds) : undefined;
  }

  registries(): RegistriesConf {
    this.conf ??= loadRegistriesConf(confDirs(this.env));
    return this.conf;
  }

  /** Whether `registry` is reached without TLS verification: the flag, else registries.conf. */
  insecure(registry: string, confInsecure?: boolean): boolean {
    if (this.opts.tlsVerify !== undefined) return !this.opts.tlsVerify;
    return confInsecure ?? registryFor(this.registries(), registry)?.insecure ?? false;
  }

  /** The client of `registry` (`host[:port]`); `repo` picks the credentials (auth.json keys may name a repository). */
  client(registry: string, opts: { insecure?: boolean; repo?: string; credentials?: RegistryCredentials } = {}): RegistryClient {
    const insecure = this.insecure(registry, opts.insecure);
    const key = `${registry} ${insecure} ${opts.repo ?? ''}`;
    let client = opts.credentials === undefined ? this.clients.get(key) : undefined;
    if (client !== undefined) return client;
    const given = opts.credentials ?? this.creds;
    const tls = tlsMaterial(this.env, registry, this.opts.certDir);
    const scope = opts.repo !== undefined ? `${registry}/${opts.repo}` : registry;
    client = new RegistryClient({
      registry,
      insecure,
      tls: { ca: tls.ca, cert: tls.cert, key: tls.key },
      credentials: async () => given ?? (await credentialsFor(this.env, scope, this.opts.authfile)),
      retries: this.opts.retries,
      retryDelayMs: this.opts.retryDelayMs,
      log: this.opts.log,
    });
    if (opts.credentials === undefined) this.clients.set(key, client);
    return client;
  }

  /**
   * The fully qualified names to try for what the user typed, in order (short
   * names through registries.conf's aliases and search list, as podman).
   */
  candidates(input: string, tty: boolean): Reference[] {
    return this.resolve(input, tty).candidates;
  }

  /**
   * What `candidates` gives, and whether the user is to choose one on the
   * terminal (`tty`: there is one to ask on) and the short name the choice
   * is recorded under (recordAlias).
   */
  resolve(input: string, tty: boolean): { candidates: Reference[]; mustChoose: boolean; shortName?: string | undefined } {
    const ref = parseReference(input, '');
    if (ref.domain !== '') return { candidates: [parseReference(input, ref.domain)], mustChoose: false };
    // Throws E_SHORT_NAME when nothing resolves it, E_AMBIGUOUS when short-name-mode
    // is enforcing, several registries could hold it and there is no terminal.
    const resolved = resolveShortName(this.registries(), confDirs(this.env), input, { tty });
    return { candidates: resolved.candidates.map((c) => parseReference(c, 'docker.io')), mustChoose: resolved.mustChoose, shortName: resolved.shortName };
  }

  /** Records the user's choice for a short name in podman's alias cache. */
  recordAlias(shortName: string, qualified: string): void {
    recordShortNameAlias(confDirs(this.env), shortName, qualified);
  }

  /** Where to pull `ref` from, mirrors first, with the registry each is on; a blocked registry is refused. */
  sources(ref: Reference): { ref: Reference; insecure: boolean }[] {
    const name = `${ref.domain}/${ref.path}`;
    const entry = registryFor(this.registries(), name);
    if (entry?.blocked) throw new BurrowError('E_BLOCKED', `registry ${ref.domain} is blocked in registries.conf: cannot pull ${formatReference(ref)}`);
    return pullSources(this.registries(), name, ref.digest !== undefined).map((s) => {
      const source = parseReference(s.name, ref.domain);
      return { ref: { ...source, tag: ref.tag, digest: ref.digest }, insecure: s.insecure };
    });
  }

  /**
   * Where one read of `name` goes (manifest inspect, --pull newer): its first
   * candidate, checked against the policy, at its first source.
   */
  remote(name: string, tty: boolean): { ref: Reference; client: RegistryClient } {
    const [candidate] = this.candidates(name, tty);
    if (candidate === undefined) throw new BurrowError('E_SHORT_NAME', `${name}: no registry to ask`);
    this.checkPolicy(candidate);
    const [source] = this.sources(candidate);
    const ref = source?.ref ?? candidate;
    return { ref, client: this.client(ref.domain, { insecure: source?.insecure ?? false, repo: ref.path }) };
  }

  /** policy.json's word on `ref` for the docker transport (fails closed). */
  checkPolicy(ref: Reference): void {
    checkPolicy(this.env, 'docker', formatReference(ref));
  }

  close(): void {
    closeConnections();
  }
}
