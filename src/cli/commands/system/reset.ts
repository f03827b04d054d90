import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';
import { confirm } from '../../prompt.js';

export class SystemResetCommand extends BurrowCommand {
  static override paths = [['system', 'reset']];

  static override usage = BurrowCommand.Usage({
    category: 'system',
    description: 'remove every container and image, and all of burrow\'s storage',
    details: `
      Kills and removes every container, then removes burrow's data directory (images, layers, containers, with the files the containers' subordinate ids own: no \`unshare\` needed) and its runtime directory. The configuration directory stays. Asks first unless \`-f\`: the answer is a line of standard input, and anything but y or yes (or its end) removes nothing.
    `,
    examples: [['Start again from nothing', '$0 system reset -f']],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });

  async execute(): Promise<number> {
    const { paths } = this.context;
    const warning = `WARNING! This will remove:\n\t- all containers\n\t- all images\n\t- the data directory: "${paths.data}"\n\t- the runtime directory: "${paths.runtime}"`;
    if (!this.force && !confirm(this.context.stdout, warning)) return 0;
    const { resetStore } = await import('../../../runtime/prune.js');
    const store = (await this.context.store({ containers: true })).init();
    await resetStore(this.context, store, (w) => this.context.stderr.write(`Warning: ${w}\n`));
    return 0;
  }
}
