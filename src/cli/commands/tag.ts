import * as Option from 'clipanion/lib/advanced/options';

import { normalizeName } from '../../oci/reference.js';
import { tagImage } from '../../storage/image-names.js';
import { imageEvent } from '../../runtime/events.js';
import { BurrowCommand } from '../base.js';

export class TagCommand extends BurrowCommand {
  static override paths = [['tag'], ['image', 'tag']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'add names to an image',
    details: `
      Gives IMAGE each NAME. A name without a registry gets \`localhost/\` and one without a tag gets \`:latest\`, as with podman. A name another image had moves to IMAGE.
    `,
    examples: [['Name an image', '$0 tag busybox mybox:1']],
  });

  image = Option.String({ name: 'IMAGE' });
  names = Option.Rest({ required: 1, name: 'NAME' });

  async execute(): Promise<number> {
    // Every name is checked before anything changes.
    for (const n of this.names) normalizeName(n);
    const store = await this.context.store();
    await tagImage(store, this.image, this.names);
    const id = store.getImage(this.image).id;
    for (const n of this.names) imageEvent(this.context, 'tag', id, normalizeName(n));
    return 0;
  }
}
