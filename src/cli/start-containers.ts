/**
 * `burrow start`'s work, apart from its clipanion class (commands/start.ts),
 * so that the fast path (src/fast.ts) runs it without loading clipanion:
 * `start -a` ends, like `run`, in the exec of the helper.
 */
import { BurrowError, UsageError } from '../errors.js';
import type { Context } from './context.js';
import { envOf } from './run-container.js';

export interface StartFields {
  attach: boolean;
  interactive: boolean;
  containers: string[];
}

/** Starts the containers named; with -a, the one container in the foreground (returns only when it could not start). */
export async function startContainers(f: StartFields, context: Context): Promise<number> {
  // Loaded here, as for run (start-up time).
  const { openStore } = await import('./store.js');
  const { runForeground, startDetached } = await import('../runtime/container.js');
  const { Containers } = await import('../storage/containers.js');
  const store = (await openStore(context, { containers: true })).init();
  const containers = new Containers(store);
  const env = envOf(context);
  if (f.attach && f.containers.length > 1) throw new UsageError('you cannot start and attach multiple containers at once');
  if (f.interactive && !f.attach) throw new UsageError('-i needs -a');
  let failed = 0;
  for (const ref of f.containers) {
    try {
      const rec = containers.get(ref);
      if (containers.status(rec).state === 'running') {
        if (f.attach) throw new BurrowError('E_RUNNING', `container ${rec.name} is already running`);
        context.stdout.write(`${ref}\n`);
        continue;
      }
      if (f.attach) return await runForeground(env, store, { ...rec, options: { ...rec.options, interactive: f.interactive || rec.options.interactive } });
      startDetached(env, store, rec);
      context.stdout.write(`${ref}\n`);
    } catch (err) {
      if (f.containers.length === 1) throw err;
      failed++;
      context.stderr.write(`Error: ${(err as Error).message}\n`);
    }
  }
  return failed > 0 ? 125 : 0;
}
