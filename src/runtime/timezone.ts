/**
 * --tz as podman takes it: an area name of the host's zoneinfo database
 * (`Europe/Paris`, `UTC`, `Etc/GMT+5`), or `local`, the host's own zone. The
 * zone's file is bound read-only on the container's /etc/localtime.
 */
import { realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, UsageError } from '../errors.js';

/** Where the zones are: $TZDIR, as the C library and podman read it, else the usual place. */
function zoneDir(env: NodeJS.ProcessEnv): string {
  return env.TZDIR && env.TZDIR.startsWith('/') ? env.TZDIR : '/usr/share/zoneinfo';
}

/** The host file of the zone `tz` names, checked: a regular file of the zone database (or the host's /etc/localtime for `local`). */
export function timezoneFile(tz: string, env: NodeJS.ProcessEnv): string {
  if (tz === '') throw new UsageError('invalid --tz ``: give a zone such as Europe/Paris, or local');
  // Names only: no path of the user's own, none that climbs out of the database.
  if (tz !== 'local' && (tz.startsWith('/') || tz.split('/').some((p) => p === '..' || p === '.' || p === '') || !/^[\w+.\-/]+$/.test(tz)))
    throw new UsageError(`invalid --tz \`${tz}\`: give a zone such as Europe/Paris, or local`);
  const file = tz === 'local' ? '/etc/localtime' : join(zoneDir(env), tz);
  let real: string;
  try {
    real = realpathSync(file);
    if (!statSync(real).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
  } catch {
    throw new BurrowError('E_TIMEZONE', tz === 'local' ? "--tz local: the host has no /etc/localtime to give" : `--tz \`${tz}\`: no such time zone in ${zoneDir(env)}`);
  }
  return real;
}
