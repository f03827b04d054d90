import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';
import { untilFilter } from '../../duration.js';
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
    const until = untilFilter(this.filter, 'container prune');
    if (!this.force && !confirm(this.context.stdout, 'WARNING! This will remove all non running containers.')) return 0;
    const { pruneContainers } = await import('../../../runtime/prune.js');
    const store = (await this.context.store({ containers: true })).init();
    const { removed, errors } = await pruneContainers(this.context, store, until);
    for (const id of removed) this.context.stdout.write(`${id}\n`);
    for (const e of errors) this.context.stderr.write(`Error: ${e}\n`);
    return errors.length > 0 ? 125 : 0;
  }
}
