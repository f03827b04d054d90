import type { Paths } from '../config/paths.js';
import { sweepLeftovers } from './leftovers.js';
import { Store } from './store.js';

/**
 * The store, once what killed commands left in it is gone (leftovers.ts).
 * `containers`: also `--rm` containers whose monitor was killed, for commands that list or name containers.
 */
export async function openStore(where: { paths: Paths }, opts: { containers?: boolean } = {}): Promise<Store> {
  const store = new Store(where.paths);
  await sweepLeftovers(store, where.paths, opts);
  return store;
}
