import * as Option from 'clipanion/lib/advanced/options';

import { pruneImages } from '../../../storage/image-removal.js';
import { BurrowCommand } from '../../base.js';
import { confirm } from '../../prompt.js';

export class ImagePruneCommand extends BurrowCommand {
  static override paths = [['image', 'prune']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'remove unused images',
    details: `
      Removes images without a name that no container uses (with \`--all\`, every image no container uses), with the layers and blobs nothing else needs, and prints their ids. It also clears what interrupted commands left in the store's \`tmp/\` directory. Asks first, as podman does, unless \`-f\`: the answer is a line of standard input, and anything but y or yes (or its end) removes nothing.
    `,
    examples: [['Remove dangling images', '$0 image prune']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove every image no container uses, not only unnamed ones' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });

  async execute(): Promise<number> {
    const warning = this.all ? 'WARNING! This command removes all images without at least one container associated with them.' : 'WARNING! This command removes all dangling images.';
    if (!this.force && !confirm(this.context.stdout, warning)) return 0;
    const deleted = await pruneImages(await this.context.store({ containers: true }), { all: this.all });
    if (deleted.length > 0) this.context.stdout.write(`${deleted.join('\n')}\n`);
    return 0;
  }
}
