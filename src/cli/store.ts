import { sweepLeftovers } from '../storage/leftovers.js';
import { Store } from '../storage/store.js';
import type { Context } from './context.js';

/**
 * The store, once what killed commands left in it is gone (storage/leftovers.ts).
 * `containers`: also `--rm` containers whose monitor was killed, for commands that list or name containers.
 */
export async function openStore(context: Context, opts: { containers?: boolean } = {}): Promise<Store> {
  const store = new Store(context.paths);
  await sweepLeftovers(store, context.paths, opts);
  return store;
}
