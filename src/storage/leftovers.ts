/**
 * What a killed command leaves behind, found and removed by the next burrow
 * command (there is no daemon to do it; docs/design.md, "The store"):
 *
 *   tmp/removed-*     trees renamed into tmp/ for removal (rm, rmi, prune) and
 *                     not deleted yet
 *   tmp/ingest-*      the staging of a load or import that was killed: one
 *                     whose `lock` no process holds any more
 *   tmp/download-*    a blob a pull was fetching (storage/downloads.ts): kept
 *                     for the next pull to continue, removed once a week old
 *                     and held by no one
 *   tmp/partial-*     the record of a file that `save -o` or `export -o` was
 *                     writing outside the store under a temporary name, left
 *                     by a process that no longer holds its lock: the
 *                     temporary file goes, then the record
 *   containers/<id>/  a `--rm` container whose monitor was killed before it
 *                     removed the container; a container whose `create` was
 *                     killed before its record was written (its `.creating`
 *                     no longer held), and the name it had taken; both only
 *                     where `containers` is asked, under the store's lock
 *   images.json.tmp-* an atomic write killed half-way (under the lock: every
 *                     writer of images.json holds it)
 *
 * "No longer held" is decided by flock: the owner holds an exclusive lock on
 * the staging dir's `lock` or on the record for as long as it lives, and the
 * kernel drops it when the owner dies, kill -9 included. The owner makes the
 * file under a hidden name and gives it its name only once it holds the lock
 * and wrote its content (holdFile), so a file found unlocked under its name is
 * a dead owner's. A staging dir or container without its lock file (its
 * owner is between creating it and naming the lock, or died right there), and
 * a hidden file, count only once a minute old.
 *
 * Sweeping is housekeeping: it never fails the command that runs it (a
 * read-only store, a full disk: what cannot be removed now stays for later).
 */
import { closeSync, existsSync, linkSync, lstatSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { safeReaddir, writeAll } from '../system/files.js';
import type { LibcCalls } from '../system/sys.js';
import { DOWNLOAD_KEEP_MS, DOWNLOAD_PREFIX } from './downloads.js';
import type { ContainerRecord } from './containers.js';
import type { Store } from './store.js';

const UNLOCKED_GRACE_MS = 60_000;

/** The prefix of the name holdFile makes a file under until it is locked (a killed owner's stays a minute). */
const HOLDING = '.holding-';

/** The file a container's create holds an flock on until its record is written. */
export const CREATING = '.creating';

/** The temporary names burrow gives the files it writes outside the store (cli/output-file.ts). */
export const PARTIAL_NAME = /^\..+\.burrow-\d+-[a-z0-9]+$/;

/** Can the lock on `file` be taken (its owner is gone)? */
function abandoned(sys: LibcCalls, file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false; // gone already, or not ours to open
  }
  try {
    return sys.tryFlock(fd, true);
  } finally {
    closeSync(fd);
  }
}

function oldEnough(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > UNLOCKED_GRACE_MS;
  } catch {
    return false;
  }
}

/** Staging dirs and trees in tmp/ that no live process owns: to be removed in the user namespace. */
export function staleTrees(store: Store): string[] {
  const tmp = store.tmpDir();
  const out: string[] = [];
  for (const name of safeReaddir(tmp)) {
    const path = join(tmp, name);
    if (name.startsWith('removed-')) out.push(path);
    else if (name.startsWith('ingest-')) {
      const lock = join(path, 'lock');
      let hasLock = true;
      try {
        lstatSync(lock);
      } catch {
        hasLock = false;
      }
      if (hasLock ? abandoned(store.sys, lock) : oldEnough(path)) out.push(path);
    }
  }
  return out;
}

/** Removes the downloads no pull has continued for a week (and none holds now). */
export function sweepDownloads(store: Pick<Store, 'tmpDir' | 'sys'>): void {
  const tmp = store.tmpDir();
  for (const name of safeReaddir(tmp)) {
    if (!name.startsWith(DOWNLOAD_PREFIX)) continue;
    const path = join(tmp, name);
    let fd: number;
    try {
      if (Date.now() - statSync(path).mtimeMs <= DOWNLOAD_KEEP_MS) continue;
      fd = openSync(path, 'r');
    } catch {
      continue;
    }
    try {
      // Unlinked while locked: a pull that opens it meanwhile sees the name gone and starts its own.
      if (store.sys.tryFlock(fd, true)) unlinkSync(path);
    } catch {
      // taken or removed by someone else
    } finally {
      closeSync(fd);
    }
  }
}

/** Removes the partial files of killed writers (and their records). */
function sweepPartials(store: Store): void {
  const tmp = store.tmpDir();
  for (const name of safeReaddir(tmp)) {
    if (name.startsWith(`${HOLDING}partial-`) && oldEnough(join(tmp, name))) rmSync(join(tmp, name), { force: true });
    if (!name.startsWith('partial-')) continue;
    const record = join(tmp, name);
    if (!abandoned(store.sys, record)) continue;
    let target = '';
    try {
      target = readFileSync(record, 'utf8').trim();
    } catch {
      continue;
    }
    // Only a temporary name of burrow's own making, a file (save -o) or a directory (save --format oci-dir), never a link.
    if (target !== '' && PARTIAL_NAME.test(basename(target))) {
      try {
        const st = lstatSync(target);
        if (st.isFile()) unlinkSync(target);
        else if (st.isDirectory()) rmSync(target, { recursive: true, force: true });
      } catch {
        // gone already (the writer finished or removed it), or not ours to remove
      }
    }
    try {
      unlinkSync(record);
    } catch {
      // another sweeper took it
    }
  }
}

/** A file its owner holds an flock on while it lives (see the top of this file). */
export interface HeldFile {
  /** the owner is done: the file goes, then the lock (idempotent) */
  release(): void;
}

/**
 * Makes `file`, locked (flock) and with its `content`, before anyone can see
 * it: it is created under a hidden name (HOLDING), locked, written, then
 * linked to its name, so a sweeper never finds `file` unlocked while its
 * owner lives. Fails if `file` exists. Throws when it cannot, leaving nothing.
 */
export function holdFile(sys: Pick<LibcCalls, 'flock'>, file: string, content = ''): HeldFile {
  const hidden = join(dirname(file), `${HOLDING}${basename(file)}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  const fd = openSync(hidden, 'wx', 0o600);
  let named = false;
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    if (named) rmSync(file, { force: true });
    closeSync(fd);
  };
  try {
    sys.flock(fd, true);
    if (content !== '') writeAll(fd, Buffer.from(content));
    linkSync(hidden, file);
    named = true;
  } catch (err) {
    release();
    throw err;
  } finally {
    rmSync(hidden, { force: true });
  }
  return { release };
}

/**
 * Records `tmpFile` (a temporary name matching PARTIAL_NAME) in the store's
 * tmp/ for as long as this process lives, so that a killed writer's leftover
 * can be found; undefined when the store cannot take the record (then a kill
 * leaves the file, as before).
 */
export function trackPartial(store: Store, tmpFile: string): HeldFile | undefined {
  try {
    store.init();
    return holdFile(store.sys, join(store.tmpDir(), `partial-${process.pid}-${Math.random().toString(36).slice(2, 10)}`), `${tmpFile}\n`);
  } catch {
    return undefined;
  }
}

/**
 * Under the store's lock: `--rm` containers whose monitor died without
 * removing them (one whose monitor still runs is about to remove it itself),
 * containers whose create was killed before their record was written, and
 * names that point at no container. They are moved out of the list; their
 * trees are returned, to remove.
 */
function reapContainers(store: Store): string[] {
  const { containers } = store;
  const trees: string[] = [];
  const moveOut = (id: string): void => {
    const trash = join(store.tmpDir(), `removed-${id}`);
    try {
      renameSync(containers.dir(id), trash);
      trees.push(trash);
    } catch {
      // removed by someone else meanwhile
    }
  };
  const records = containers.list();
  const kept: ContainerRecord[] = [];
  for (const rec of records) {
    // The infra of a pod whose create was killed before the pod's directory was made, or after it was removed.
    if (rec.infra && rec.pod !== undefined && !existsSync(store.pods.dir(rec.pod)) && !containers.monitor(rec.id).alive) {
      try {
        trees.push(containers.detach(rec));
      } catch {
        // removed by someone else meanwhile
      }
      continue;
    }
    const status = rec.options.rm ? containers.status(rec) : undefined;
    if (!status || status.state !== 'exited' || containers.monitor(rec.id).alive) {
      kept.push(rec);
      continue;
    }
    try {
      trees.push(containers.detach(rec));
    } catch {
      // removed by someone else meanwhile
    }
  }
  const recorded = new Set(records.map((r) => r.id));
  for (const id of safeReaddir(store.containersDir())) {
    const dir = containers.dir(id);
    if (recorded.has(id) || existsSync(join(dir, 'container.json'))) continue;
    const creating = join(dir, CREATING);
    if (existsSync(creating) ? abandoned(store.sys, creating) : oldEnough(dir)) moveOut(id);
  }
  // Pods whose create was killed before their record was written.
  for (const id of safeReaddir(store.pods.base)) {
    const dir = store.pods.dir(id);
    if (existsSync(join(dir, 'pod.json'))) continue;
    const creating = join(dir, CREATING);
    if (existsSync(creating) ? abandoned(store.sys, creating) : oldEnough(dir)) {
      const trash = join(store.tmpDir(), `removed-pod-${id}`);
      try {
        renameSync(dir, trash);
        trees.push(trash);
      } catch {
        // removed by someone else meanwhile
      }
    }
  }
  const names = safeReaddir(join(store.root, 'names'));
  // As many names as records, each record's among them: every name is a record's (no link to read).
  const recordNames = new Set([...kept.map((r) => r.name), ...store.pods.list().map((p) => p.name)]);
  const allOwned = names.length === recordNames.size && names.every((n) => recordNames.has(n));
  for (const name of allOwned ? [] : names) {
    const id = containers.owner(name);
    if (id !== undefined && !recorded.has(id) && !existsSync(containers.dir(id)) && !existsSync(store.pods.dir(id))) containers.releaseName(name);
  }
  for (const name of safeReaddir(store.root)) if (name.startsWith('images.json.tmp-')) rmSync(join(store.root, name), { force: true });
  // What was read here is what the command lists next (`ps -a` of many containers reads each record once).
  containers.remember(kept);
  return trees;
}

/**
 * Removes what killed commands left (see the top of this file). `containers`:
 * also `--rm` containers whose monitor was killed, for the commands that list
 * or name containers.
 */
export async function sweepLeftovers(store: Store, opts: { containers?: boolean } = {}): Promise<void> {
  if (safeReaddir(store.root).length === 0) return; // no store yet
  try {
    sweepPartials(store);
    sweepDownloads(store);
    const trees = staleTrees(store);
    if (opts.containers) trees.push(...(await store.lock(() => reapContainers(store))));
    if (trees.length > 0) await store.sys.removeTrees(trees);
  } catch {
    // housekeeping only: what stays is tried again by the next command
  }
}
