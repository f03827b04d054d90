/**
 * `start`: containers made by `create` (or exited ones) run again, in the
 * background with the helper as their monitor, or one of them attached (it
 * ends, like `run`, in the exec of the helper). The fast path (src/fast.ts)
 * comes here too: the container code is loaded when used.
 */
import { BurrowError, UsageError } from '../errors.js';
import type { Env } from './container.js';
import { parseDetachKeys } from './attach-args.js';

export interface StartRequest {
  /** -a: the one container in the foreground */
  attach: boolean;
  /** -i, with -a: keep standard input open */
  interactive: boolean;
  /** --detach-keys, for a container with a terminal started with -ai */
  detachKeys?: string;
  /** --sig-proxy, with -a (false: signals end only this process) */
  sigProxy?: boolean;
  containers: string[];
}

export interface StartReport {
  /** a container started (or already running), as it was named */
  started(ref: string): void;
  /** one of several containers could not start: the others still do */
  failed(ref: string, err: unknown): void;
}

/** Starts the containers named; returns the exit code (with -a, only when the container could not start). */
export async function startContainers(req: StartRequest, env: Env, report: StartReport): Promise<number> {
  if (req.attach && req.containers.length > 1) throw new UsageError('you cannot start and attach multiple containers at once');
  if (req.interactive && !req.attach) throw new UsageError('-i needs -a');
  if (req.detachKeys !== undefined) parseDetachKeys(req.detachKeys);
  const { runForeground, startDetached } = await import('./container.js');
  const store = (await env.store({ containers: true })).init();
  const { containers } = store;
  let failed = 0;
  for (const ref of req.containers) {
    try {
      // Its lock is held until it runs (the helper does not inherit it): a second start sees it running.
      const attached = await containers.locked(containers.get(ref), async (rec) => {
        // Running, or its monitor waiting to restart it (--restart): one monitor per container.
        if (containers.status(rec).state === 'running' || containers.monitor(rec.id).alive) {
          if (req.attach) throw new BurrowError('E_RUNNING', `container ${rec.name} is already running`);
          return undefined;
        }
        if (req.attach) return runForeground(env, store, { ...rec, options: { ...rec.options, interactive: req.interactive || rec.options.interactive } }, undefined, req.detachKeys, req.sigProxy ?? true);
        await startDetached(env, store, rec);
        return undefined;
      });
      if (attached !== undefined) return attached;
      report.started(ref);
    } catch (err) {
      if (req.containers.length === 1) throw err;
      failed++;
      report.failed(ref, err);
    }
  }
  return failed > 0 ? 125 : 0;
}
