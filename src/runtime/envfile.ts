import { readFileSync } from 'node:fs';

import { BurrowError, errnoCode } from '../errors.js';
import { decodeName, fsPath } from '../system/names.js';

const NAME = /^[^=\s][^=\s]*$/;

/**
 * Expands `-e` and `--env-file` entries as podman does: NAME=VALUE as given;
 * a bare NAME takes the host's value (and is dropped when unset); NAME* takes
 * every host variable with that prefix.
 */
export function expandEnvEntry(entry: string, hostEnv: NodeJS.ProcessEnv, origin: string): string[] {
  const eq = entry.indexOf('=');
  const name = eq < 0 ? entry : entry.slice(0, eq);
  if (!NAME.test(name)) throw new BurrowError('E_ENV', `${origin}: invalid environment variable name \`${name}\``);
  if (eq >= 0) return [entry];
  if (name.endsWith('*')) {
    const prefix = name.slice(0, -1);
    return Object.entries(hostEnv)
      .filter(([k, v]) => k.startsWith(prefix) && v !== undefined)
      .map(([k, v]) => `${k}=${v}`);
  }
  const value = hostEnv[name];
  return value === undefined ? [] : [`${name}=${value}`];
}

/** Reads an env file: NAME=VALUE or NAME per line, `#` comments and blank lines skipped. */
export function readEnvFile(file: string, hostEnv: NodeJS.ProcessEnv): string[] {
  let text: string;
  try {
    // (a value that is not UTF-8 keeps its bytes: system/names.ts)
    text = decodeName(readFileSync(fsPath(file)));
  } catch (err) {
    const why = errnoCode(err) === 'ENOENT' ? 'no such file' : errnoCode(err) === 'EISDIR' ? 'is a directory' : String(err);
    throw new BurrowError('E_ENV_FILE', `env file \`${file}\`: ${why}`);
  }
  const out: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '').replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    out.push(...expandEnvEntry(line, hostEnv, `env file \`${file}\` line ${index + 1}`));
  });
  return out;
}

/** Merges NAME=VALUE lists; a later entry replaces an earlier one of the same name, keeping its place. */
export function mergeEnv(...lists: string[][]): string[] {
  const map = new Map<string, string>();
  for (const list of lists)
    for (const entry of list) {
      const eq = entry.indexOf('=');
      map.set(eq < 0 ? entry : entry.slice(0, eq), entry);
    }
  return [...map.values()];
}
