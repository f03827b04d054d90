import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../errors.js';
import { plainLogFile, showLogs } from '../../runtime/logs.js';
import { BurrowCommand } from '../base.js';
import type { Context } from '../context.js';
import { parseTimeFlag } from '../duration.js';

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
  stdout.once('error', () => (closed = true));
  return (stream, data) => {
    const out = stream === 'stdout' ? stdout : stderr;
    if (closed || out.write(data)) return;
    return new Promise((resolve) => out.once('drain', resolve));
  };
}

export class LogsCommand extends BurrowCommand {
  static override paths = [['logs'], ['container', 'logs']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: "show a container's output",
    details: `
      Prints what containers running in the background (\`run -d\`, \`start\`) wrote, from their logs: standard output on standard output, standard error on standard error. With several containers, or \`--names\`, each line begins with its container's short id (or name).
    `,
    examples: [
      ['The last 10 lines, then what follows', '$0 logs --tail 10 -f web'],
      ['What was written in the last 5 minutes, with times', '$0 logs -t --since 5m web'],
    ],
  });

  follow = Option.Boolean('-f,--follow', false, { description: 'Keep printing what the containers write until they end' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  names = Option.Boolean('-n,--names', false, { description: "Begin each line with its container's name" });
  since = Option.String('--since', { description: 'Only lines written since TIME (RFC 3339, Unix time, or a duration such as 10m)' });
  until = Option.String('--until', { description: 'Only lines written until TIME (as --since)' });
  tail = Option.String('--tail', '-1', { description: 'Only the last N lines of each container (-1: all)' });
  timestamps = Option.Boolean('-t,--timestamps', false, { description: 'Begin each line with the time it was written' });
  containers = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const { tail, since, until } = logWindow(this.tail, this.since, this.until);
    const store = await this.context.store({ containers: true });
    let refs = this.containers;
    if (this.latest) {
      if (refs.length > 0) throw new UsageError('--latest and containers cannot be used together');
      const last = store.containers.list().at(-1);
      if (!last) throw new BurrowError('E_NO_CONTAINER', 'no containers to show the logs of');
      refs = [last.id];
    }
    if (refs.length === 0) throw new UsageError('`burrow logs` requires at least one container name or id, or --latest');
    const req = { containers: refs, follow: this.follow, tail, since, until, timestamps: this.timestamps, names: this.names };
    // The whole log of one container, as it is: printed by the helper (the same bytes, many times faster).
    const plain = this.context.stdout === process.stdout ? plainLogFile(store.init(), req) : undefined;
    if (plain !== undefined) await (await import('../../system/launch.js')).execLogs(plain);
    await showLogs(store.init(), req, logWriter(this.context));
    return 0;
  }
}
