/** A JSON object (not null, not an array): what a parsed document's fields are checked against before use. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
