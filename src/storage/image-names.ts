/**
 * An image's names: `tag`, `untag`, and which names a reference picks
 * (`rmi NAME` untags only those). Every change is made under the store's lock.
 */
import { BurrowError } from '../errors.js';
import { nameMatches, normalizeName } from '../oci/reference.js';
import type { ImageRecord, Store } from './store.js';

/** Gives the image `ref` the names (normalized; taken from any image that had them). */
export async function tagImage(store: Store, ref: string, names: string[]): Promise<ImageRecord> {
  names.forEach((n) => normalizeName(n)); // a bad name fails before the lock
  return store.lock(() => store.putImage(store.getImage(ref), names));
}

/** Takes `names` (all of them when empty) from the image `ref`. */
export async function untagImage(store: Store, ref: string, names: string[]): Promise<string[]> {
  const full = names.map((n) => normalizeName(n));
  return store.lock(() => {
    const images = store.images();
    const image = store.getImage(ref, images);
    const removed = full.length === 0 ? image.names : full;
    for (const n of full) if (!image.names.includes(n)) throw new BurrowError('E_NO_TAG', `${n}: tag not known`);
    image.names = image.names.filter((n) => !removed.includes(n));
    store.writeImages(images);
    return removed;
  });
}

/** The names of `image` that `ref` asks for (empty when `ref` is an id or digest). */
export function namesMatching(image: ImageRecord, ref: string): string[] {
  const exact = image.names.filter((n) => n === ref);
  return exact.length > 0 ? exact : image.names.filter((n) => nameMatches(n, ref));
}
