/**
 * `--pull` of run and create, as podman's: which image a container is made
 * from when the store has one by that name, or not. `missing` (the default)
 * pulls only what the store lacks; `always` pulls every time; `never` never
 * does; `newer` pulls when the registry's manifest differs from the stored
 * one, and keeps the stored image (with a warning) when the registry cannot
 * be asked. A short name that nothing resolves (no alias, no search
 * registry) is simply an image not known, as it was before registries.
 * With --platform (or --os, --arch, --variant) a stored image of another
 * platform is not the one asked for: `missing` pulls, `never` refuses.
 * --tls-verify, --authfile and -q go to the pull as to `burrow pull`'s.
 */
import { BurrowError, UsageError } from '../errors.js';
import { builtin } from '../lazy.js';
import type { Logger } from '../log.js';
import { configMatches, formatPlatform, hostPlatform, type Platform, type PlatformFlags, platformAsked, platformOf } from '../oci/platform.js';
import { parseReference } from '../oci/reference.js';
import type { ImageRecord, Store } from '../storage/store.js';
import type { Env } from './container.js';

export type PullPolicy = 'missing' | 'always' | 'never' | 'newer';

/** How run and create get their image: --pull and the flags that go with it, as podman's run takes them. */
export interface PullRequest {
  policy: PullPolicy;
  /** the platform the flags ask for; undefined: none asked (the host's is pulled, any stored image will do) */
  platform: Platform | undefined;
  tlsVerify: boolean | undefined;
  authfile: string | undefined;
  /** -q: no progress lines */
  quiet: boolean;
}

export interface PullFlags extends PlatformFlags {
  pull: string;
  tlsVerify: boolean | undefined;
  authfile: string | undefined;
  quiet: boolean;
}

/** The flags checked once, before anything is made: a bad policy or platform is a usage error. */
export function pullRequest(f: PullFlags): PullRequest {
  return { policy: parsePullPolicy(f.pull), platform: platformAsked(f) ? platformOf(f) : undefined, tlsVerify: f.tlsVerify, authfile: f.authfile, quiet: f.quiet };
}

/** podman's words for each policy, and the older ones it still takes. */
export function parsePullPolicy(text: string): PullPolicy {
  switch (text.toLowerCase()) {
    case 'missing':
    case 'ifmissing':
    case 'ifnotpresent':
      return 'missing';
    case 'always':
    case 'true':
      return 'always';
    case 'never':
    case 'false':
      return 'never';
    case 'newer':
    case 'ifnewer':
      return 'newer';
    default:
      throw new UsageError(`invalid pull policy "${text}": use always, missing, never or newer`);
  }
}

/** The stored image `name` names: by name, id or digest, or `HOST/REPO@DIGEST` by its manifest digest. */
function stored(store: Store, name: string): ImageRecord | undefined {
  const found = store.findImage(name);
  if (found !== undefined) return found;
  const at = name.lastIndexOf('@');
  if (at < 0) return undefined;
  const digest = name.slice(at + 1);
  return store.images().find((i) => i.digest === digest);
}

function notKnown(name: string, cause?: unknown): BurrowError {
  return new BurrowError('E_NO_IMAGE', `${name}: image not known`, cause === undefined ? {} : { cause });
}

/** The image for a new container from `name`, pulled as `req` says. Progress lines go to `progress`. */
export async function imageFor(env: Env & { log?: Logger }, store: Store, name: string, req: PullRequest, progress: (line: string) => void): Promise<ImageRecord> {
  const policy = req.policy;
  const found = stored(store, name);
  // With a platform asked for, a stored image of another is not the one asked for.
  const want = req.platform;
  const foundConfig = found !== undefined && want !== undefined ? store.imageConfig(found) : undefined;
  const other = foundConfig !== undefined && want !== undefined && !configMatches(foundConfig, want) ? foundConfig : undefined;
  const local = other === undefined ? found : undefined;
  if (policy === 'never' || (policy === 'missing' && local !== undefined)) {
    if (other !== undefined && want !== undefined)
      throw new BurrowError('E_NO_IMAGE', `${name}: image not known for ${formatPlatform(want)} (the stored one is ${formatPlatform(other)})`);
    if (local === undefined) throw notKnown(name);
    return local;
  }
  // Only names can be pulled: an id (or an id prefix) of an image not stored is not known.
  let qualified = true;
  try {
    qualified = parseReference(name, '').domain !== '';
  } catch (err) {
    if (local !== undefined) return local;
    throw local === undefined && /^[a-f0-9]{12,64}$/.test(name) ? notKnown(name) : err;
  }
  const { RegistryAccess } = await import('../registry/access.js');
  const { pullByName, remoteDigest } = await import('../registry/pull.js');
  const platform = req.platform ?? hostPlatform();
  const { isatty } = builtin<typeof import('node:tty')>('node:tty');
  const { reporting } = await import('../registry/progress.js');
  const { progress: say, bars } = reporting(process.stderr, { quiet: req.quiet, tty: isatty(2), plain: progress });
  const access = new RegistryAccess(env.env, { tlsVerify: req.tlsVerify, authfile: req.authfile, log: env.log });
  try {
    if (policy === 'newer' && local !== undefined) {
      try {
        const remote = await remoteDigest(access, name, platform);
        if (remote === local.digest) return local;
      } catch (err) {
        progress(`Warning: cannot check ${name} for a newer image (${(err as Error).message}); using the stored one`);
        return local;
      }
    }
    try {
      const { choose } = await import('../registry/choose.js');
      const chooser = (candidates: string[]) => choose('Please select an image', candidates, 'choosing an image');
      const { parallelCopies } = await import('../registry/containers-conf.js');
      const opts = { platform, retries: 3, tty: isatty(0) && isatty(1), progress: say, bars, choose: chooser, parallel: parallelCopies(env.env) };
      return (await pullByName(store, access, name, opts)).image;
    } catch (err) {
      // A short name nothing resolves was never a registry's: the image is simply not known.
      if (!qualified && err instanceof BurrowError && err.code === 'E_SHORT_NAME' && local === undefined) throw notKnown(name, err);
      throw err;
    }
  } finally {
    bars?.stop();
    access.close();
  }
}
