import { join } from 'node:path';

import { builtin } from '../lazy.js';

/** Where burrow keeps its files (docs/design.md, "The store"), from the XDG variables. */
export interface Paths {
  /** images, layers, containers: $XDG_DATA_HOME/burrow */
  data: string;
  /** plans, pids, locks that die with the session: $XDG_RUNTIME_DIR/burrow (fallbackRuntimeDir() without it, or when it cannot be used) */
  runtime: string;
  /** configuration: $XDG_CONFIG_HOME/burrow */
  config: string;
}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? 0): Paths {
  const home = env.HOME || builtin<typeof import('node:os')>('node:os').homedir();
  const abs = (value: string | undefined): string | undefined => (value && value.startsWith('/') ? value : undefined);
  const dataHome = abs(env.XDG_DATA_HOME) ?? join(home, '.local', 'share');
  const configHome = abs(env.XDG_CONFIG_HOME) ?? join(home, '.config');
  const runtimeHome = abs(env.XDG_RUNTIME_DIR);
  return {
    data: join(dataHome, 'burrow'),
    runtime: runtimeHome ? join(runtimeHome, 'burrow') : fallbackRuntimeDir(uid),
    config: join(configHome, 'burrow'),
  };
}

/** The runtime directory without a usable XDG_RUNTIME_DIR: private, under /tmp (as podman's). */
export function fallbackRuntimeDir(uid: number): string {
  return `/tmp/burrow-run-${uid}`;
}
