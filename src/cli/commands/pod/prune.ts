import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';
import { confirm } from '../../prompt.js';

export class PodPruneCommand extends BurrowCommand {
  static override paths = [['pod', 'prune']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'remove every pod with no running container',
    details: `
      Removes each pod none of whose containers runs, with its containers, and prints their ids. Asks first, as podman does, unless \`-f\`: the answer is a line of standard input, and anything but y or yes (or its end) removes nothing.
    `,
    examples: [['Remove stopped pods without asking', '$0 pod prune -f']],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });

  async execute(): Promise<number> {
    if (!this.force && !confirm(this.context.stdout, 'WARNING! This will remove all stopped/exited pods.')) return 0;
    const { prunePods } = await import('../../../runtime/prune.js');
    const store = (await this.context.store({ containers: true })).init();
    const { removed, errors } = await prunePods(this.context, store);
    for (const id of removed) this.context.stdout.write(`${id}\n`);
    for (const e of errors) this.context.stderr.write(`Error: ${e}\n`);
    return errors.length > 0 ? 125 : 0;
  }
}
