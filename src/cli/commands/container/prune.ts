import * as Option from 'clipanion/lib/advanced/options';

import { UsageError } from '../../../errors.js';
import { BurrowCommand } from '../../base.js';
import { parseTimeFlag } from '../../duration.js';
import { confirm } from '../../prompt.js';

export class ContainerPruneCommand extends BurrowCommand {
  static override paths = [['container', 'prune']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'remove all stopped containers',
    details: `
      Removes every container that is not running (created or exited), with its writable layer and anonymous volumes, and prints their ids. Asks first, as podman does, unless \`-f\`: the answer is a line of standard input, and anything but y or yes (or its end) removes nothing.
    `,
    examples: [
      ['Remove stopped containers without asking', '$0 container prune -f'],
      ['Only those created more than a day ago', '$0 container prune -f --filter until=24h'],
    ],
  });

  filter = Option.Array('--filter', [], { description: 'Only containers created before a time: until=TIME (a timestamp or a duration such as 24h)' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });

  async execute(): Promise<number> {
    let until = Infinity;
    for (const f of this.filter) {
      const eq = f.indexOf('=');
      const key = eq < 0 ? f : f.slice(0, eq);
      if (key !== 'until' || eq < 0) throw new UsageError(`invalid filter \`${f}\`: container prune takes until=TIME`);
      until = Math.min(until, parseTimeFlag(f.slice(eq + 1), '--filter until'));
    }
    if (!this.force && !confirm(this.context.stdout, 'WARNING! This will remove all non running containers.')) return 0;
    const { removeContainer } = await import('../../../runtime/container.js');
    const store = (await this.context.store({ containers: true })).init();
    const { containers } = store;
    let code = 0;
    for (const rec of containers.list()) {
      if (containers.status(rec).state === 'running' || Date.parse(rec.created) >= until) continue;
      try {
        await removeContainer(this.context, store, rec, false);
        this.context.stdout.write(`${rec.id}\n`);
      } catch (err) {
        this.context.stderr.write(`Error: ${(err as Error).message}\n`);
        code = 125;
      }
    }
    return code;
  }
}
