/**
 * `burrow pull`'s work, apart from its clipanion class (commands/pull.ts), so
 * that the fast path (src/fast.ts) runs it without loading clipanion: the
 * whole CLI's start cost each pull about 30 ms before its first request.
 */
import { isatty } from 'node:tty';

import { BurrowError, UsageError } from '../errors.js';
import { parseFileReference, policyScope } from '../image/file-reference.js';
import type { pullFromFile } from '../image/transports.js';
import { platformAsked, platformOf } from '../oci/platform.js';
import { formatReference, parseReference } from '../oci/reference.js';
import { RegistryAccess } from '../registry/access.js';
import { choose as chooseOne } from '../registry/choose.js';
import { parallelCopies } from '../registry/containers-conf.js';
import { checkPolicy } from '../registry/policy.js';
import { reporting } from '../registry/progress.js';
import { pullByName } from '../registry/pull.js';
import { imageEvent } from '../runtime/events.js';
import type { Context } from './context.js';
import { retryFlags } from './duration.js';

export interface PullFields {
  allTags: boolean;
  arch: string | undefined;
  authfile: string | undefined;
  certDir: string | undefined;
  creds: string | undefined;
  os: string | undefined;
  platform: string | undefined;
  quiet: boolean;
  retry: string | undefined;
  retryDelay: string | undefined;
  tlsVerify: boolean | undefined;
  variant: string | undefined;
  images: string[];
}

/**
 * Pulls each image the fields name, printing its id as it is stored.
 * `fromFile` reads the file transports (image/transports.ts: the archive
 * readers, which the fast path does not load; it declines such lines).
 */
export async function pullImages(f: PullFields, context: Context, fromFile?: typeof pullFromFile): Promise<number> {
  const platform = platformOf(f);
  const { retries, retryDelayMs } = retryFlags(f.retry, f.retryDelay);
  const access = new RegistryAccess(context.env, {
    tlsVerify: f.tlsVerify,
    certDir: f.certDir,
    creds: f.creds,
    authfile: f.authfile,
    retries,
    retryDelayMs,
    log: context.log,
  });
  const store = (await context.store()).init();
  // podman's bars on a terminal, its plain lines elsewhere.
  const { progress, bars } = reporting(context.stderr, { quiet: f.quiet, tty: isatty(2) });
  // podman asks which registry a short name means only when it can: its stdin and stdout on a terminal.
  const tty = isatty(0) && isatty(1);
  const parallel = parallelCopies(context.env);
  const choose = (candidates: string[]) => chooseOne('Please select an image', candidates, 'choosing an image');
  try {
    for (const input of f.images) {
      const file = parseFileReference(input);
      if (file) {
        if (f.allTags) throw new UsageError(`--all-tags: \`${input}\` is not in a registry`);
        if (platformAsked(f))
          throw new UsageError(`--platform, --os, --arch and --variant choose from a registry's manifest list; \`${input}\` is not in a registry`);
        // the fast path declines such lines (namesFile): reaching here without a reader is a bug
        if (fromFile === undefined) throw new Error(`${input}: no reader of file transports was given`);
        checkPolicy(context.env, file.transport, policyScope(file));
        const image = await fromFile(store, input, file);
        imageEvent(context, 'pull', image.id, input);
        context.stdout.write(`${image.id}\n`);
        continue;
      }
      const names = f.allTags ? await allTags(access, input, tty) : [input];
      for (const name of names) {
        const { image } = await pullByName(store, access, name, { platform, retries, tty, progress, bars, choose, log: context.log, parallel });
        imageEvent(context, 'pull', image.id, name);
        context.stdout.write(`${image.id}\n`);
      }
    }
  } finally {
    bars?.stop();
    access.close();
  }
  return 0;
}

/** Does the line name an image by a file transport (or one that is not valid)? The fast path leaves those to the whole CLI. */
export function namesFile(images: string[]): boolean {
  return images.some((input) => {
    try {
      return parseFileReference(input) !== undefined;
    } catch {
      return true;
    }
  });
}

/** Every tag of the repository `input` names (`-a`): the name without its tag, each tag added. */
async function allTags(access: RegistryAccess, input: string, tty: boolean): Promise<string[]> {
  const parsed = parseReference(input, '');
  if (parsed.digest !== undefined || /:[^/]+$/.test(input)) throw new BurrowError('E_USAGE', `--all-tags: \`${input}\` names a tag or digest; give the repository alone`);
  const [candidate] = access.candidates(input, tty);
  if (candidate === undefined) return [];
  const tags = await access.client(candidate.domain, { repo: candidate.path }).tags(candidate.path);
  if (tags.length === 0) throw new BurrowError('E_NOT_FOUND', `${candidate.domain}/${candidate.path}: the repository has no tags`);
  return tags.map((t) => formatReference({ ...candidate, tag: t, digest: undefined }));
}
