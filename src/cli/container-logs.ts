/**
 * `burrow logs`'s work, apart from its clipanion class (commands/logs.ts), so
 * that the fast path (src/fast.ts) runs it without loading clipanion: a
 * command a user types to read a log should not cost the whole CLI's start.
 */
import { BurrowError, UsageError } from '../errors.js';
import { plainLogFile, showLogs } from '../runtime/logs.js';
import type { Context } from './context.js';
import { parseTimeFlag } from './duration.js';

export interface LogsFields {
  follow: boolean;
  latest: boolean;
  names: boolean;
  since: string | undefined;
  until: string | undefined;
  tail: string;
  timestamps: boolean;
  containers: string[];
}

/** --tail, --since and --until as showLogs takes them. */
export function logWindow(tail: string, since: string | undefined, until: string | undefined): { tail: number | undefined; since: number | undefined; until: number | undefined } {
  if (!/^-?\d+$/.test(tail)) throw new UsageError(`invalid --tail \`${tail}\`: a number of lines (-1: all)`);
  const now = Date.now();
  return {
    tail: Number(tail) < 0 ? undefined : Number(tail),
    since: since === undefined ? undefined : parseTimeFlag(since, '--since', now),
    until: until === undefined ? undefined : parseTimeFlag(until, '--until', now),
  };
}

/** Where showLogs writes: our stdout and stderr, waited for when full; nothing more once a reader went away (`logs -f web | head`), as podman does. */
export function logWriter(context: Pick<Context, 'stdout' | 'stderr'>): (stream: 'stdout' | 'stderr', data: Buffer) => Promise<void> | void {
  const { stdout, stderr } = context;
  let closed = false;
  // (every error: a second one unheard would end burrow)
  stdout.on('error', () => (closed = true));
  return (stream, data) => {
    const out = stream === 'stdout' ? stdout : stderr;
    if (closed || out.write(data)) return;
    // Room again, or the reader gone while the pipe was full (`logs -t web | head`): a drain never comes then.
    return new Promise((resolve) => {
      const done = (): void => {
        out.off('drain', done);
        out.off('error', done);
        out.off('close', done);
        resolve();
      };
      out.on('drain', done);
      out.on('error', done);
      out.on('close', done);
    });
  };
}

/** Prints the containers' logs as the fields ask. */
export async function containerLogs(f: LogsFields, context: Context): Promise<number> {
  const { tail, since, until } = logWindow(f.tail, f.since, f.until);
  const store = await context.store({ containers: true });
  let refs = f.containers;
  if (f.latest) {
    if (refs.length > 0) throw new UsageError('--latest and containers cannot be used together');
    const last = store.containers.list().at(-1);
    if (!last) throw new BurrowError('E_NO_CONTAINER', 'no containers to show the logs of');
    refs = [last.id];
  }
  if (refs.length === 0) throw new UsageError('`burrow logs` requires at least one container name or id, or --latest');
  const req = { containers: refs, follow: f.follow, tail, since, until, timestamps: f.timestamps, names: f.names };
  // The whole log of one container, as it is: printed by the helper (the same bytes, many times faster).
  const plain = context.ownStdio === true ? plainLogFile(store.init(), req) : undefined;
  if (plain !== undefined) await (await import('../system/launch.js')).execLogs(plain);
  await showLogs(store.init(), req, logWriter(context));
  return 0;
}
