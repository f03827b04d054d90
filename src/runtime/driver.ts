import { release } from 'node:os';

export type StorageDriver = 'overlay' | 'copy';

/**
 * How a container's root filesystem is made (DESIGN.md §3): native overlayfs
 * mounted inside the container's user namespace needs Linux >= 5.11 (the
 * kernel loads the module on the first mount); otherwise each container gets
 * a copy of its image. BURROW_STORAGE_DRIVER forces one (tests use it to run
 * the fallback).
 */
export function storageDriver(env: NodeJS.ProcessEnv = process.env, kernel = release()): StorageDriver {
  const forced = env.BURROW_STORAGE_DRIVER;
  if (forced === 'overlay' || forced === 'copy') return forced;
  const [major = 0, minor = 0] = kernel.split('.').map((n) => Number.parseInt(n, 10));
  return major > 5 || (major === 5 && minor >= 11) ? 'overlay' : 'copy';
}
