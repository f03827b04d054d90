/** `--filter KEY=VALUE` of the list commands (volume ls, network ls, pod ps): a key's filters match if any of its values does; different keys must all match. */
import { UsageError } from '../errors.js';

export interface KeyFilters {
  /** the values given for `key` */
  values(key: string): string[];
  /** true when `key` was not given, or when `test` holds for one of its values */
  any(key: string, test: (value: string) => boolean): boolean;
}

/** Reads the filters, refusing a key not among `keys` and a filter without a value. */
export function keyFilters(given: string[], keys: readonly string[]): KeyFilters {
  const filters = new Map<string, string[]>();
  for (const f of given) {
    const eq = f.indexOf('=');
    const key = f.slice(0, Math.max(0, eq));
    if (eq < 0 || !keys.includes(key)) throw new UsageError(`invalid filter "${f}": the keys are ${keys.join(', ')}`);
    filters.set(key, [...(filters.get(key) ?? []), f.slice(eq + 1)]);
  }
  return {
    values: (key) => filters.get(key) ?? [],
    any: (key, test) => filters.get(key)?.some(test) ?? true,
  };
}
