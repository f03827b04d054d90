/**
 * `burrow start`'s fields, apart from its clipanion class (commands/start.ts),
 * so that the fast path (src/fast.ts) runs it without loading clipanion; the
 * work is runtime/start.ts's.
 */
import { startContainers as start } from '../runtime/start.js';
import type { Context } from './context.js';

export interface StartFields {
  attach: boolean;
  interactive: boolean;
  detachKeys: string;
  sigProxy: boolean;
  containers: string[];
}

/** Starts the containers named, printing each as given, as podman does; with -a, the one container in the foreground. */
export function startContainers(f: StartFields, context: Context): Promise<number> {
  return start({ attach: f.attach, interactive: f.interactive, detachKeys: f.detachKeys, sigProxy: f.sigProxy, containers: f.containers }, context, {
    started: (ref) => context.stdout.write(`${ref}\n`),
    failed: (_ref, err) => context.stderr.write(`Error: ${(err as Error).message}\n`),
  });
}
