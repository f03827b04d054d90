/**
 * Where blobs were last seen in registries (`blob-locations.json` in the
 * store): the repositories a blob was pulled from or pushed to, so a push
 * can ask the registry to mount it from another of its repositories instead
 * of sending it again (containers/image keeps the same in its blob info
 * cache). A cache only: read-modify-write without the store's lock (a race
 * loses a record, no more), replaced atomically, and a missing, unreadable
 * or malformed file is an empty cache, never an error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { isDigest } from '../oci/digest.js';
import { atomicWriteFile } from './atomic.js';

/** The most repositories kept for one blob, and the most blobs kept at all (the newest). */
const PER_BLOB = 8;
const MAX_BLOBS = 20_000;

type Locations = Record<string, string[]>;

function file(storeRoot: string): string {
  return join(storeRoot, 'blob-locations.json');
}

function read(storeRoot: string): Locations {
  try {
    const parsed = JSON.parse(readFileSync(file(storeRoot), 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const out: Locations = {};
    for (const [digest, where] of Object.entries(parsed as Record<string, unknown>))
      if (isDigest(digest) && Array.isArray(where)) out[digest] = where.filter((w): w is string => typeof w === 'string');
    return out;
  } catch {
    return {};
  }
}

/** The repositories (`REGISTRY/REPOSITORY`) `digest` was seen in, most recent first. */
export function blobLocations(storeRoot: string, digest: string): string[] {
  return read(storeRoot)[digest] ?? [];
}

/** Records that each of `digests` is in `repository` (`REGISTRY/REPOSITORY`). Best effort. */
export function recordBlobLocations(storeRoot: string, repository: string, digests: string[]): void {
  if (digests.length === 0) return;
  const all = read(storeRoot);
  for (const digest of digests) {
    const where = (all[digest] ?? []).filter((w) => w !== repository);
    delete all[digest]; // re-added last: the newest stay when the cache is trimmed
    all[digest] = [repository, ...where].slice(0, PER_BLOB);
  }
  const keys = Object.keys(all);
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_BLOBS))) delete all[old];
  try {
    atomicWriteFile(file(storeRoot), JSON.stringify(all), 0o600);
  } catch {
    // a cache: a full disk or a read-only store only means no mount next time
  }
}
