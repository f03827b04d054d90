import { accessSync, constants } from 'node:fs';
import { release } from 'node:os';

import { BurrowError } from '../errors.js';
import { which } from '../system/idmap.js';

export type StorageDriver = 'overlay' | 'fuse-overlayfs' | 'copy';

/**
 * How a container's root filesystem is made (docs/design.md, "Storage drivers"): native overlayfs
 * mounted inside the container's user namespace needs Linux >= 5.11 (the
 * kernel loads the module on the first mount); else fuse-overlayfs, where it
 * is installed and /dev/fuse is open to the user; else each container gets a
 * copy of its image. BURROW_STORAGE_DRIVER forces one (tests use it to run
 * the fallbacks).
 */
export function storageDriver(env: NodeJS.ProcessEnv = process.env, kernel = release()): StorageDriver {
  const forced = env.BURROW_STORAGE_DRIVER;
  if (forced === 'overlay' || forced === 'fuse-overlayfs' || forced === 'copy') return forced;
  if (forced !== undefined && forced !== '')
    throw new BurrowError('E_DRIVER', `BURROW_STORAGE_DRIVER=${forced}: not a storage driver (overlay, fuse-overlayfs or copy)`);
  const [major = 0, minor = 0] = kernel.split('.').map((n) => Number.parseInt(n, 10));
  if (major > 5 || (major === 5 && minor >= 11)) return 'overlay';
  return fuseOverlayfs(env) ? 'fuse-overlayfs' : 'copy';
}

/** The fuse-overlayfs program, when it can be used here. */
export function fuseOverlayfs(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const program = which('fuse-overlayfs', env.PATH);
  if (!program) return undefined;
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch {
    return undefined;
  }
  return program;
}
