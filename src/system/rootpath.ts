import { lstatSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';

import { decodeName, fsPath } from './names.js';

/**
 * What a `..` above the root means: `clamp` stays at the root, as the kernel
 * does for a process whose root it is (reading an image's /etc/passwd as the
 * container will); `refuse` is an error (unpacking a layer: a link that leads
 * out is hostile, not a path to follow).
 */
export type Escape = 'clamp' | 'refuse';

/** A path that leads out of the root (`refuse`), or too many links (ELOOP): `code` says which. */
export class RootPathError extends Error {
  constructor(
    readonly code: 'EXDEV' | 'ELOOP',
    readonly path: string,
  ) {
    super(code === 'ELOOP' ? `too many levels of symbolic links: ${path}` : `leads outside the root: ${path}`);
  }
}

/**
 * The host path of `path` inside `root`, following the symlinks under root as
 * the container would see them: an absolute target restarts at root, `..`
 * steps back one component (above root: see Escape). Missing components are
 * kept as they are (the result may not exist). The one rule for every path
 * burrow resolves inside a root.
 */
export function resolveInRoot(root: string, path: string, escape: Escape = 'clamp'): string {
  const parts = path.split('/');
  const resolved: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (resolved.length === 0 && escape === 'refuse') throw new RootPathError('EXDEV', path);
      resolved.pop();
      continue;
    }
    const host = posix.join(root, ...resolved, part);
    let target: string | undefined;
    try {
      const at = fsPath(host);
      if (lstatSync(at).isSymbolicLink()) target = decodeName(readlinkSync(at, { encoding: 'buffer' }));
    } catch {
      target = undefined; // missing: kept as it is
    }
    if (target === undefined) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) throw new RootPathError('ELOOP', path);
    if (target.startsWith('/')) resolved.length = 0;
    parts.unshift(...target.split('/'));
  }
  return posix.join(root, ...resolved);
}
