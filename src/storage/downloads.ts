/**
 * The blobs a pull is fetching, kept in the store's tmp/ as `download-HEX`
 * (the compressed bytes as they came, a prefix of the blob) so that a pull
 * killed or broken off half-way is continued by the next one with a Range
 * request rather than fetched again (issue: "an interrupted pull resumes").
 *
 * The pull that writes one holds an flock on it for as long as it lives; a
 * second pull of the same blob finds it locked and fetches into its own
 * staging instead. Nothing reads a download but the pull that holds it, and
 * it counts for nothing until the whole blob's digest is checked: commit
 * renames it into blobs/. One whose owner is gone stays for the next pull,
 * and is swept after a week (leftovers.ts).
 */
import { closeSync, fstatSync, ftruncateSync, openSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import { type Digest, hex } from '../oci/digest.js';
import type { Store } from './store.js';

export const DOWNLOAD_PREFIX = 'download-';

/** How long a download nobody holds is kept for a pull to continue. */
export const DOWNLOAD_KEEP_MS = 7 * 24 * 3600_000;

export interface Download {
  /** the file, in the store's tmp/ */
  readonly file: string;
  /** open for appending; locked while this process holds it */
  readonly fd: number;
  /** the bytes it already has (a prefix of the blob) */
  readonly have: number;
  /** forgets what it has (a resumed blob that failed its check): the next bytes start it again */
  restart(): void;
  /** done with it: the lock goes; the file stays if it is still there (for the next pull) */
  release(): void;
  /** done with it, and the file goes too */
  discard(): void;
}

/**
 * The download of `digest`, held by this process: what a killed or failed
 * pull left of it, or a new empty one. Undefined when another live pull holds
 * it (the caller fetches into its own staging) or the store cannot take one.
 */
export function openDownload(store: Pick<Store, 'tmpDir' | 'sys'>, digest: Digest, size: number): Download | undefined {
  const file = join(store.tmpDir(), `${DOWNLOAD_PREFIX}${hex(digest)}`);
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'a', 0o600);
    } catch {
      return undefined;
    }
    let keep = false;
    try {
      if (!store.sys.tryFlock(fd, true)) return undefined;
      // A sweeper may have removed the name between our open and our lock: then the file we hold is no one's.
      const held = fstatSync(fd);
      let named: { ino: number; dev: number } | undefined;
      try {
        named = statSync(file);
      } catch {
        named = undefined;
      }
      if (named === undefined || named.ino !== held.ino || named.dev !== held.dev) continue;
      let have = held.size;
      // More than the blob is not a prefix of it: start again.
      if (have > size) {
        ftruncateSync(fd, 0);
        have = 0;
      }
      keep = true;
      return download(file, fd, have);
    } finally {
      if (!keep) closeSync(fd);
    }
  }
  return undefined;
}

function download(file: string, fd: number, have: number): Download {
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    closeSync(fd);
  };
  return {
    file,
    fd,
    have,
    restart: () => ftruncateSync(fd, 0),
    release: close,
    discard: () => {
      if (!open) return;
      // Unlinked while still locked, so no other pull takes it up half-removed.
      try {
        if (statSync(file).ino === fstatSync(fd).ino) unlinkSync(file);
      } catch {
        // gone already (committed into blobs/)
      }
      close();
    },
  };
}
