import type { Paths } from '../config/paths.js';
import type { Sys } from '../system/sys.js';
import { sweepLeftovers } from './leftovers.js';
import { Store } from './store.js';

/**
 * The store, once what killed commands left in it is gone (leftovers.ts).
 * `containers`: also `--rm` containers whose monitor was killed, for commands that list or name containers.
 */
export async function openStore(where: { paths: Paths; sys: Sys }, opts: { containers?: boolean } = {}): Promise<Store> {
  const store = new Store(where.paths, where.sys);
  await sweepLeftovers(store, opts);
  return store;
}
