import { createRequire } from 'node:module';

/**
 * A Node built-in, loaded on first use. Start-up time: node:child_process
 * (with net and stream) costs about 3 ms and node:crypto 2 ms to load, which
 * `burrow run` need not pay. (The bundle runs through vm.Script, which has
 * no dynamic import(): hence require.)
 */
export function builtin<T>(id: 'node:child_process' | 'node:crypto' | 'node:tty'): T {
  return createRequire(import.meta.url)(id) as T;
}
