/**
 * burrow's own configuration file, `$XDG_CONFIG_HOME/burrow/burrow.toml`
 * (DESIGN.md §6), in TOML:
 *
 *   [network]
 *   default_rootless_network_cmd = "pasta"   # or "slirp4netns": what --network private uses
 *
 * Read only when it exists (no TOML parser loaded otherwise); a malformed
 * file, an unknown key or a wrong value is an error naming file and key.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError } from '../errors.js';
import { readTomlFile } from './toml.js';

const CODE = 'E_BURROW_CONF';

export interface BurrowConf {
  network: { defaultCommand?: 'pasta' | 'slirp4netns' };
}

export function burrowConfFile(configDir: string): string {
  return join(configDir, 'burrow.toml');
}

/** Each table's keys (a Map: a table named as an Object.prototype member, `valueOf`, is no table of it). */
const KNOWN = new Map<string, string[]>([['network', ['default_rootless_network_cmd']]]);

export function readBurrowConf(configDir: string): BurrowConf {
  const file = burrowConfFile(configDir);
  const conf: BurrowConf = { network: {} };
  if (!existsSync(file)) return conf;
  const doc = readTomlFile(file, CODE, 'burrow configuration') ?? {};
  for (const [table, value] of Object.entries(doc)) {
    const keys = KNOWN.get(table);
    if (keys === undefined) throw new BurrowError(CODE, `${file}: unknown table [${table}]`);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BurrowError(CODE, `${file}: ${table} must be a table`);
    for (const key of Object.keys(value)) if (!keys.includes(key)) throw new BurrowError(CODE, `${file}: unknown key ${table}.${key}`);
  }
  const net = doc.network as Record<string, unknown> | undefined;
  const cmd = net?.default_rootless_network_cmd;
  if (cmd !== undefined) {
    if (cmd !== 'pasta' && cmd !== 'slirp4netns') throw new BurrowError(CODE, `${file}: network.default_rootless_network_cmd must be "pasta" or "slirp4netns"`);
    conf.network.defaultCommand = cmd;
  }
  return conf;
}
