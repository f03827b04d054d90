/**
 * Strings in the order of their UTF-16 code units (for ASCII, the byte order
 * of Go's sort.Strings, which podman's lists follow): how burrow sorts ids,
 * RFC 3339 times and names. String.prototype.localeCompare would start ICU's
 * collator, about 6 ms of the first command that sorts anything (measured:
 * `logs`, `ps`, `start` list the containers), so eslint refuses it.
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
