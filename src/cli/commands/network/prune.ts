import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';
import { confirm } from '../../prompt.js';

export class NetworkPruneCommand extends BurrowCommand {
  static override paths = [['network', 'prune']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'remove every user network no container is on',
    details: `
      Removes each network with no container on it and prints its name. Asks first, as podman does, unless \`-f\`: the answer is a line of standard input, and anything but y or yes (or its end) removes nothing.
    `,
    examples: [['Without asking', '$0 network prune -f']],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });

  async execute(): Promise<number> {
    if (!this.force && !confirm(this.context.stdout, 'WARNING! This will remove all networks not used by at least one container.')) return 0;
    const { pruneNetworks } = await import('../../../runtime/prune.js');
    const store = (await this.context.store({ containers: true })).init();
    const { removed, errors } = await pruneNetworks(this.context, store);
    for (const name of removed) this.context.stdout.write(`${name}\n`);
    for (const e of errors) this.context.stderr.write(`Error: ${e}\n`);
    return errors.length > 0 ? 125 : 0;
  }
}
