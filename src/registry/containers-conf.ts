/**
 * What burrow reads of podman's containers.conf (containers.conf(5)): the
 * number of layers a pull or push copies at once, `[engine]
 * image_parallel_copies` (0 or unset: containers/image's 6). The files as
 * podman reads them, each later one overriding: `$CONTAINERS_CONF` alone
 * when set; else the system's containers.conf and its containers.conf.d/
 * (BURROW_CONTAINERS_CONF_DIR stands for /etc/containers), then the user's
 * ($XDG_CONFIG_HOME/containers/) and its drop-ins, in name order.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError } from '../errors.js';
import { readTomlFile } from '../config/toml.js';
import { confDirs } from './registries-conf.js';

const CODE = 'E_CONTAINERS_CONF';

/** containers/image's default. */
export const DEFAULT_PARALLEL_COPIES = 6;

function dropIns(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith('.conf'))
      .sort()
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

function files(env: NodeJS.ProcessEnv): string[] {
  if (env.CONTAINERS_CONF) return [env.CONTAINERS_CONF];
  const dirs = confDirs(env);
  const user = join(dirs.configHome, 'containers');
  return [join(dirs.systemDir, 'containers.conf'), ...dropIns(join(dirs.systemDir, 'containers.conf.d')), join(user, 'containers.conf'), ...dropIns(join(user, 'containers.conf.d'))];
}

/** How many layers to copy at once. */
export function parallelCopies(env: NodeJS.ProcessEnv): number {
  let value: number | undefined;
  for (const file of files(env)) {
    const doc = readTomlFile(file, CODE, 'containers.conf');
    const engine = doc?.engine;
    if (engine === undefined) continue;
    if (typeof engine !== 'object' || engine === null || Array.isArray(engine)) throw new BurrowError(CODE, `${file}: [engine] must be a table`);
    const given = (engine as Record<string, unknown>).image_parallel_copies;
    if (given === undefined) continue;
    if (typeof given !== 'number' || !Number.isInteger(given) || given < 0) throw new BurrowError(CODE, `${file}: image_parallel_copies must be a whole number, 0 or more`);
    value = given;
  }
  return value === undefined || value === 0 ? DEFAULT_PARALLEL_COPIES : value;
}
