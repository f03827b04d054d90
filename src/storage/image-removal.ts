/**
 * Removing images (rmi, image prune) and the garbage they leave: layers and
 * blobs no image uses, staging leftovers in tmp/.
 *
 * Removal keeps the store whole at every instant (store.ts): under the lock,
 * the image records are rewritten first, then each unused layer directory is
 * renamed into tmp/ (so no half-removed layer is ever visible) and unused
 * blobs are unlinked; the renamed trees, which hold files of mapped ids, are
 * deleted afterwards, outside the lock, inside the user namespace.
 */
import { renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import type { Manifest } from '../oci/image.js';
import { type Digest, hex } from '../oci/digest.js';
import { safeReaddir } from '../system/files.js';
import type { ContainerRecord } from './containers.js';
import { namesMatching } from './image-names.js';
import { staleTrees } from './leftovers.js';
import type { ImageRecord, Store } from './store.js';

export type RmiFailure = 'unknown' | 'in-use' | 'other';

export interface RmiResult {
  /** lines for standard output, in order: "Untagged: ...", "Deleted: ..." */
  lines: string[];
  errors: Array<{ kind: RmiFailure; message: string }>;
  /** containers removed by --force */
  containers: string[];
}

interface Garbage {
  trees: string[];
}

/**
 * `burrow rmi`: each ref loses the name it was given by when the image has
 * other names; otherwise (or given by id) the whole image goes, which needs
 * --force when it has several names or containers use it (force removes
 * those containers, if they are not running).
 */
export async function removeImages(
  store: Store,
  refs: string[],
  opts: { force: boolean; ignore: boolean; all: boolean },
): Promise<RmiResult> {
  const result: RmiResult = { lines: [], errors: [], containers: [] };
  const garbage: Garbage = { trees: [] };
  await store.lock(() => {
    let images = store.images();
    const { containers } = store;
    const targets = opts.all ? images.map((i) => i.id) : refs;
    for (const ref of targets) {
      let image: ImageRecord | undefined;
      try {
        image = store.findImage(ref, images);
      } catch (err) {
        result.errors.push({ kind: 'other', message: (err as Error).message });
        continue;
      }
      if (!image) {
        if (!opts.ignore) result.errors.push({ kind: 'unknown', message: `${ref}: image not known` });
        continue;
      }
      const byName = opts.all ? [] : namesMatching(image, ref);
      if (byName.length > 0 && image.names.length > 1) {
        image.names = image.names.filter((n) => !byName.includes(n));
        for (const n of byName) result.lines.push(`Untagged: ${n}`);
        continue;
      }
      if (byName.length === 0 && image.names.length > 1 && !opts.force && !opts.all) {
        result.errors.push({
          kind: 'other',
          message: `unable to delete image "${image.id}" by ID with more than one tag ([${image.names.join(' ')}]): please force removal`,
        });
        continue;
      }
      const users = containers.list().filter((c) => c.image === image.id);
      if (users.length > 0 && !opts.force) {
        result.errors.push({
          kind: 'in-use',
          message: `image used by ${(users[0] as ContainerRecord).id}: image is in use by a container: consider listing external containers and force-removing image`,
        });
        continue;
      }
      const running = users.filter((c) => containers.status(c).state === 'running');
      if (running.length > 0) {
        result.errors.push({
          kind: 'in-use',
          message: `image used by ${(running[0] as ContainerRecord).id}: the container is running: remove it first (burrow rm -f ${(running[0] as ContainerRecord).name})`,
        });
        continue;
      }
      for (const c of users) {
        garbage.trees.push(containers.detach(c));
        result.containers.push(c.id);
      }
      for (const n of image.names) result.lines.push(`Untagged: ${n}`);
      result.lines.push(`Deleted: ${image.id}`);
      const gone = image;
      images = images.filter((i) => i !== gone);
    }
    store.writeImages(images);
    collectGarbage(store, images, garbage);
  });
  await removeGarbage(store, garbage.trees);
  return result;
}

/** `burrow image prune`: images without names (with `all`, every image) that no container uses. Returns their ids. */
export async function pruneImages(store: Store, opts: { all: boolean }): Promise<string[]> {
  const deleted: string[] = [];
  const garbage: Garbage = { trees: [] };
  await store.lock(() => {
    const used = new Set(store.containers.list().map((c) => c.image));
    const keep: ImageRecord[] = [];
    for (const image of store.images()) {
      if ((opts.all || image.names.length === 0) && !used.has(image.id)) deleted.push(image.id);
      else keep.push(image);
    }
    if (deleted.length > 0) store.writeImages(keep);
    collectGarbage(store, keep, garbage);
    garbage.trees.push(...staleTrees(store));
  });
  await removeGarbage(store, garbage.trees);
  return deleted;
}

/** Deletes trees already out of the store's records: one that resists stays in tmp/ for the next command (storage/leftovers.ts). */
async function removeGarbage(store: Store, trees: string[]): Promise<void> {
  await store.sys.removeTrees(trees).catch(() => undefined);
}

/**
 * Under the lock: moves layers no image or container uses into tmp/ (their
 * trees are added to `garbage`) and unlinks blobs no image refers to.
 */
function collectGarbage(store: Store, images: ImageRecord[], garbage: Garbage): void {
  const layersInUse = new Set<string>();
  const blobsInUse = new Set<string>();
  for (const image of images) {
    for (const l of image.layers) layersInUse.add(hex(l));
    for (const d of [image.manifest, image.config]) blobsInUse.add(hex(d));
    try {
      for (const l of store.readJsonBlob<Manifest>(image.manifest).layers) blobsInUse.add(hex(l.digest));
    } catch {
      // an unreadable manifest: its layers' blobs are still kept through the layer records below
    }
  }
  for (const c of store.containers.list()) for (const l of c.layers) layersInUse.add(l.startsWith('sha256:') ? l.slice(7) : l);
  const layersDir = join(store.root, 'layers');
  for (const name of safeReaddir(layersDir)) {
    if (layersInUse.has(name)) {
      const rec = store.layer(`sha256:${name}` as Digest);
      if (rec) blobsInUse.add(hex(rec.blob.digest));
      continue;
    }
    const trash = join(store.tmpDir(), `removed-layer-${name}-${process.pid}-${Date.now()}`);
    renameSync(join(layersDir, name), trash);
    garbage.trees.push(trash);
  }
  const blobsDir = join(store.root, 'blobs', 'sha256');
  for (const name of safeReaddir(blobsDir)) {
    if (blobsInUse.has(name)) continue;
    try {
      unlinkSync(join(blobsDir, name));
    } catch {
      // already gone
    }
  }
}
