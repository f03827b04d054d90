import * as Option from 'clipanion/lib/advanced/options';

import { UsageError } from '../../../errors.js';
import { BurrowCommand } from '../../base.js';
import { confirm } from '../../prompt.js';

export class VolumePruneCommand extends BurrowCommand {
  static override paths = [['volume', 'prune']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'remove the volumes no container uses',
    details: `
      Removes every volume that no container uses (named and anonymous) and prints their names. Asks first, as podman does, unless \`-f\`: the answer is a line of standard input, and anything but y or yes (or its end) removes nothing.
    `,
    examples: [['Remove unused volumes without asking', '$0 volume prune -f']],
  });

  filter = Option.Array('--filter', [], { description: 'Only volumes with a label: label=KEY[=VALUE]' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });

  async execute(): Promise<number> {
    const labels = this.filter.map((f) => {
      if (!f.startsWith('label=') || f === 'label=') throw new UsageError(`invalid filter \`${f}\`: volume prune takes label=KEY[=VALUE]`);
      return f.slice(6);
    });
    if (!this.force && !confirm(this.context.stdout, 'WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:')) return 0;
    const { pruneVolumes } = await import('../../../runtime/prune.js');
    const store = (await this.context.store({ containers: true })).init();
    for (const name of await pruneVolumes(store, labels)) this.context.stdout.write(`${name}\n`);
    return 0;
  }
}
