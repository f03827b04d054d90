import type { Readable, Writable } from 'node:stream';

import type { BaseContext } from 'clipanion';

import type { Paths } from '../config/paths.js';
import { type Logger, type LogLevel, SILENT, stderrLogger } from '../log.js';
import type { Store } from '../storage/store.js';
import { realSys, type Sys } from '../system/sys.js';

/** What every command receives besides its options; it is also the runtime's Env (runtime/container.ts). */
export interface Context extends BaseContext {
  env: NodeJS.ProcessEnv;
  paths: Paths;
  cwd: string;
  /** the operating system: koffi's calls and the helper (system/sys.ts) */
  sys: Sys;
  /** burrow's log at --log-level (src/log.ts) */
  log: Logger;
  /**
   * The store, opened once per command after what killed commands left in it
   * is gone (storage/open.ts); `containers`: also dead `--rm` containers, for
   * commands that list or name containers.
   */
  store(opts?: { containers?: boolean }): Promise<Store>;
  /**
   * The streams are the process's own fds 0-2 (processContext): a command may
   * leave the writing to the helper it execs, and need not make the streams
   * to find that out (process.stdout costs 2.5 ms of node:stream to load).
   */
  ownStdio?: boolean;
}

/**
 * The process's context. The stdio streams are made on first use: creating
 * them loads tty/net/stream, which `burrow run` (it writes through the helper)
 * does not need.
 */
export function processContext(paths: Paths, opts: { logLevel?: LogLevel } = {}): Context {
  const log = opts.logLevel === undefined ? SILENT : stderrLogger(opts.logLevel);
  const sys = realSys(paths, process.env, log);
  let opened: Promise<Store> | undefined;
  let swept = false;
  return {
    env: process.env,
    paths,
    cwd: process.cwd(),
    sys,
    log,
    ownStdio: true,
    async store(want = {}) {
      const { openStore } = await import('../storage/open.js');
      if (opened === undefined) {
        swept = want.containers === true;
        opened = openStore({ paths, sys }, want);
        const store = await opened;
        log.debug(`store at ${store.root}`);
        return store;
      }
      const store = await opened;
      if (want.containers && !swept) {
        swept = true;
        await (await import('../storage/leftovers.js')).sweepLeftovers(store, { containers: true });
      }
      return store;
    },
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
