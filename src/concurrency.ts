/**
 * Work run side by side with a bound: the layers of a pull, a push or a
 * load, each in a worker process of its own.
 */

/** Runs `tasks` with at most `limit` at once; the first failure is thrown once all have stopped. */
export async function bounded<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (err) {
        failure ??= err;
      }
    }
  });
  await Promise.all(workers);
  if (failure !== undefined) throw failure;
}
