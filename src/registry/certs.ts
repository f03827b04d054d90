/**
 * TLS material for a registry, from certs.d directories as containers/image
 * reads them: `$XDG_CONFIG_HOME/containers/certs.d/HOST[:PORT]/`,
 * `/etc/containers/certs.d/HOST[:PORT]/`, `/etc/docker/certs.d/HOST[:PORT]/`
 * (the first that exists), or `--cert-dir DIR` alone. `*.crt` are CAs added
 * to the system's; `NAME.cert` with `NAME.key` is a client pair.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError } from '../errors.js';

export interface TlsMaterial {
  ca: string[];
  cert?: string | undefined;
  key?: string | undefined;
  dirs: string[];
}

export function certDirs(env: NodeJS.ProcessEnv, hostPort: string, certDir?: string): string[] {
  if (certDir !== undefined) return [certDir];
  const configHome = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME ?? '/', '.config');
  const system = env.BURROW_CONTAINERS_CONF_DIR ?? '/etc/containers';
  return [join(configHome, 'containers', 'certs.d', hostPort), join(system, 'certs.d', hostPort), join('/etc/docker/certs.d', hostPort)];
}

export function tlsMaterial(env: NodeJS.ProcessEnv, hostPort: string, certDir?: string): TlsMaterial {
  const out: TlsMaterial = { ca: [], dirs: [] };
  const dir = certDirs(env, hostPort, certDir).find((d) => existsSync(d));
  if (dir === undefined) {
    if (certDir !== undefined) throw new BurrowError('E_CERTS', `--cert-dir \`${certDir}\`: no such directory`);
    return out;
  }
  out.dirs.push(dir);
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch (err) {
      throw new BurrowError('E_CERTS', `${join(dir, name)}: ${(err as Error).message}`);
    }
  };
  const names = readdirSync(dir).sort();
  for (const name of names) {
    if (name.endsWith('.crt')) out.ca.push(read(name));
    else if (name.endsWith('.cert')) {
      const key = `${name.slice(0, -5)}.key`;
      if (!names.includes(key)) throw new BurrowError('E_CERTS', `${join(dir, name)}: missing key ${key} for the client certificate`);
      out.cert = read(name);
      out.key = read(key);
    } else if (name.endsWith('.key')) {
      const cert = `${name.slice(0, -4)}.cert`;
      if (!names.includes(cert)) throw new BurrowError('E_CERTS', `${join(dir, name)}: missing client certificate ${cert} for the key`);
    }
  }
  return out;
}
