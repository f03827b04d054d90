import type { Readable, Writable } from 'node:stream';

import type { BaseContext } from 'clipanion';

import type { Paths } from '../config/paths.js';

/** What every command receives besides its options. */
export interface Context extends BaseContext {
  env: NodeJS.ProcessEnv;
  paths: Paths;
  cwd: string;
}

/**
 * The process's context. The stdio streams are made on first use: creating
 * them loads tty/net/stream, which `burrow run` (it writes through the helper)
 * does not need.
 */
export function processContext(paths: Paths): Context {
  return {
    env: process.env,
    paths,
    cwd: process.cwd(),
    get stdin(): Readable {
      return process.stdin;
    },
    get stdout(): Writable {
      return process.stdout;
    },
    get stderr(): Writable {
      return process.stderr;
    },
    get colorDepth(): number {
      return process.stdout.isTTY ? process.stdout.getColorDepth() : 1;
    },
  };
}
