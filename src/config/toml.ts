/** TOML configuration files (registries.conf, burrow.toml), read with smol-toml. */
import { readFileSync } from 'node:fs';

import { parse as parseToml, TomlError } from 'smol-toml';

import { BurrowError, describeError, errnoCode, systemFailure } from '../errors.js';

/** A TOML file's top-level table, or undefined when there is no such file; errors with `code`, naming the file and line. */
export function readTomlFile(file: string, code: string, what: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw systemFailure(err, `read ${what}`) ?? new BurrowError(code, `${file}: ${describeError(err)}`);
  }
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    // smol-toml: "Invalid TOML document: REASON\n\n<the lines around, with a caret>"
    const reason = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    throw new BurrowError(code, `${file}: line ${err.line}: ${reason}`);
  }
}

