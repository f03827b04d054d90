/**
 * `--userns auto[:size=N]`: each container created with it takes a slice of
 * the default user namespace's ids (1.., your subordinate ids; 0 is you and
 * never given out) that no other container of the store holds, kept in its
 * record (options.usernsAuto), so that two never overlap; a slice is free
 * again once its container is gone. The store's `userns-auto.lock` (flock)
 * is held from the choice until the record is written, so two creates at
 * once cannot take the same one. The size, when not given, is podman's
 * estimate from the image: its largest id in /etc/passwd and /etc/group
 * plus one, at least AUTO_MIN_SIZE.
 */
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError } from '../errors.js';
import type { UsernsSlice } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import { type IdMapping, mapSize } from '../system/idmap.js';
import { parseGroup, parsePasswd, type RootReader } from '../system/passwd.js';
import { AUTO_MIN_SIZE } from './idmaps.js';

/** The size a container of this image gets without size=. */
export function autoSize(read: RootReader): number {
  const ids = [...parsePasswd(read('/etc/passwd')).flatMap((e) => [e.uid, e.gid]), ...parseGroup(read('/etc/group')).map((g) => g.gid)].filter((n) => n < 0xfffe);
  return Math.max(AUTO_MIN_SIZE, ...ids.map((n) => n + 1));
}

/**
 * The first slice of `size` ids in 1..`total`-1 that none of `used` overlaps;
 * undefined when there is none.
 */
export function freeSlice(used: UsernsSlice[], size: number, total: number): number | undefined {
  let start = 1;
  for (const u of [...used].sort((a, b) => a.start - b.start)) {
    if (u.start >= start + size) break;
    start = Math.max(start, u.start + u.size);
  }
  return start + size <= total ? start : undefined;
}

/**
 * Takes a slice for a new container (the lock held until `release`, to be
 * called once its record is written or its create failed).
 */
export function takeAutoSlice(store: Store, base: IdMapping, size: number, what: string): { slice: UsernsSlice; release: () => void } {
  const total = Math.min(mapSize(base.uids), mapSize(base.gids));
  if (base.single || total <= 1)
    throw new BurrowError('E_IDMAP', `${what}: you have no subordinate ids in /etc/subuid and /etc/subgid to give the container a slice of`);
  const fd = openSync(join(store.root, 'userns-auto.lock'), 'a', 0o600);
  try {
    store.sys.flock(fd, true);
    const used = store.containers.list().flatMap((r) => (r.options.usernsAuto ? [r.options.usernsAuto] : []));
    const start = freeSlice(used, size, total);
    if (start === undefined)
      throw new BurrowError(
        'E_IDMAP',
        `${what}: no room left: a slice of ${size} ids does not fit among your ${total - 1} subordinate ids beside the ${used.length} other --userns auto container${used.length === 1 ? '' : 's'} (remove some, or ask for less with size=N)`,
      );
    return { slice: { start, size }, release: () => closeSync(fd) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
