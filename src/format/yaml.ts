/** YAML output, for the documents podman prints as YAML (`info`). */

/** YAML as podman prints `info`: two-space indents, lists of maps with "- ". */
export function toYaml(value: unknown, indent = ''): string {
  const scalar = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v !== 'string') return String(v);
    return v === '' || /^[\s\-?:,[\]{}#&*!|>'"%@`]|: |\s$|^(true|false|null|~|[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?)$/i.test(v) ? JSON.stringify(v) : v;
  };
  let out = '';
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item && typeof item === 'object' && !Array.isArray(item)) {
        const body = toYaml(item, `${indent}  `);
        out += `${indent}- ${body.slice(indent.length + 2)}`;
      } else out += `${indent}- ${scalar(item)}\n`;
    }
    return out;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v && typeof v === 'object') {
      const empty = Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
      out += empty ? `${indent}${k}: ${Array.isArray(v) ? '[]' : '{}'}\n` : `${indent}${k}:\n${toYaml(v, `${indent}  `)}`;
    } else out += `${indent}${k}: ${scalar(v)}\n`;
  }
  return out;
}
