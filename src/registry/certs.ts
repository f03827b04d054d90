/**
 * TLS material for a registry, from containers-certs.d(5) directories as
 * containers/image reads them (docker/docker_client.go dockerCertDir,
 * pkg/tlsclientconfig): the first of
 * `$XDG_CONFIG_HOME/containers/certs.d/HOST[:PORT]/`,
 * `/etc/containers/certs.d/HOST[:PORT]/`, `/etc/docker/certs.d/HOST[:PORT]/`
 * that exists (one that cannot be looked at is passed over), or
 * `--cert-dir DIR` alone.
 *
 * In it, in name order: each `*.crt` is a CA trusted besides the system's;
 * `NAME.cert` with `NAME.key` is a client certificate and its key (each
 * pair must load; the first is presented). A `.cert` without its `.key`, or a `.key` without its
 * `.cert`, is an error naming the file, as in containers/image.
 *
 * Unlike containers/image, a `--cert-dir` that does not exist is an error
 * (containers/image uses no certificates then, which shows later as an
 * untrusted certificate), and a client pair is checked here, so that a
 * broken one is named by its files.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, describeError, errnoCode } from '../errors.js';
import { builtin } from '../lazy.js';
import { confDirs } from './registries-conf.js';

export interface TlsMaterial {
  /** PEMs to trust besides the system's CAs (tls.rootCertificates) */
  ca: string[];
  cert?: string | undefined;
  key?: string | undefined;
  /** the directory the material came from (none when no directory exists) */
  dirs: string[];
}

const CODE = 'E_CERTS';

/** The directories looked at for `hostPort`, in order. */
export function certDirs(env: NodeJS.ProcessEnv, hostPort: string, certDir?: string): string[] {
  if (certDir !== undefined) return [certDir];
  const dirs = confDirs(env);
  return [join(dirs.configHome, 'containers', 'certs.d', hostPort), join(dirs.systemDir, 'certs.d', hostPort), join('/etc/docker/certs.d', hostPort)];
}

/** Does `dir` exist? A directory that cannot be looked at counts as absent (containers/image logs it and moves on). */
function exists(dir: string): boolean {
  try {
    statSync(dir);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR' || errnoCode(err) === 'EACCES') return false;
    throw new BurrowError(CODE, `${dir}: ${describeError(err)}`);
  }
}

export function tlsMaterial(env: NodeJS.ProcessEnv, hostPort: string, certDir?: string): TlsMaterial {
  const out: TlsMaterial = { ca: [], dirs: [] };
  const dir = certDirs(env, hostPort, certDir).find(exists);
  if (dir === undefined) {
    if (certDir !== undefined) throw new BurrowError(CODE, `--cert-dir \`${certDir}\`: no such directory`);
    return out;
  }
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    // containers/image skips a certs.d directory it may not read; one named by --cert-dir is an error.
    if (errnoCode(err) === 'EACCES' && certDir === undefined) return out;
    throw new BurrowError(CODE, `${dir}: ${describeError(err)}`);
  }
  out.dirs.push(dir);
  const read = (name: string): string | undefined => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch (err) {
      // A dangling symlink, or a file removed since the listing: containers/image warns and goes on.
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw new BurrowError(CODE, `${join(dir, name)}: ${describeError(err)}`);
    }
  };
  for (const name of names) {
    if (name.endsWith('.crt')) {
      const pem = read(name);
      if (pem !== undefined) out.ca.push(pem);
    } else if (name.endsWith('.cert')) {
      const keyName = `${name.slice(0, -'.cert'.length)}.key`;
      if (!names.includes(keyName))
        throw new BurrowError(CODE, `${join(dir, name)}: missing key ${keyName} for the client certificate ${name}`, { hint: 'CA certificates take the extension .crt' });
      const cert = read(name);
      const key = read(keyName);
      if (cert === undefined || key === undefined) continue;
      // Every pair is loaded, as containers/image does (a broken one is an error); the first is presented.
      try {
        builtin<typeof import('node:tls')>('node:tls').createSecureContext({ cert, key });
      } catch (err) {
        throw new BurrowError(CODE, `${join(dir, name)} and ${keyName}: not a usable client certificate and key: ${describeError(err)}`);
      }
      if (out.cert !== undefined) continue;
      out.cert = cert;
      out.key = key;
    } else if (name.endsWith('.key')) {
      const certName = `${name.slice(0, -'.key'.length)}.cert`;
      if (!names.includes(certName)) throw new BurrowError(CODE, `${join(dir, name)}: missing client certificate ${certName} for the key ${name}`);
    }
  }
  return out;
}
