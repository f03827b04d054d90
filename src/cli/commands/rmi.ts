import * as Option from 'clipanion/lib/advanced/options';

import { UsageError } from '../../errors.js';
import { removeImages } from '../../storage/image-removal.js';
import { imageEvent } from '../../runtime/events.js';
import { BurrowCommand } from '../base.js';

export class RmiCommand extends BurrowCommand {
  static override paths = [['rmi'], ['image', 'rm']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'remove images from local storage',
    details: `
      An IMAGE given by one of several names only loses that name (\`Untagged:\`); otherwise the image is removed (\`Untagged:\` for each name, then \`Deleted:\` and its id), with the layers and blobs no other image uses. An image that containers use, or one with several names given by id, is removed only with \`--force\`, which also removes its containers (not running ones: stop those first).

      Exit status as podman's: 0 all removed, 1 some IMAGE was not found (and nothing else failed), 2 an image is in use by a container, 125 other errors.
    `,
    examples: [
      ['Remove an image', '$0 rmi busybox'],
      ['Remove every image and the containers using them', '$0 rmi -a -f'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove all images' });
  force = Option.Boolean('-f,--force', false, { description: 'Also remove the containers using the images, and images with several names given by id' });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Ignore images that do not exist' });
  images = Option.Rest({ name: 'IMAGE' });

  async execute(): Promise<number> {
    if (this.all && this.images.length > 0) throw new UsageError('when using the --all switch, you may not pass any images names or IDs');
    if (!this.all && this.images.length === 0) throw new UsageError('image name or ID must be specified');
    const result = await removeImages(await this.context.store({ containers: true }), this.images, {
      force: this.force,
      ignore: this.ignore,
      all: this.all,
    });
    if (result.lines.length > 0) this.context.stdout.write(`${result.lines.join('\n')}\n`);
    for (const line of result.lines) if (line.startsWith('Deleted: ')) imageEvent(this.context, 'remove', line.slice(9), '');
    for (const e of result.errors) this.context.stderr.write(`Error: ${e.message}\n`);
    if (result.errors.length === 0) return 0;
    if (result.errors.every((e) => e.kind === 'unknown')) return 1;
    if (result.errors.some((e) => e.kind === 'in-use')) return 2;
    return 125;
  }
}
