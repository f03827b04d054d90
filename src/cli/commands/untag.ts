import * as Option from 'clipanion/lib/advanced/options';

import { normalizeName } from '../../oci/reference.js';
import { untagImage } from '../../storage/image-names.js';
import { imageEvent } from '../../runtime/events.js';
import { BurrowCommand } from '../base.js';

export class UntagCommand extends BurrowCommand {
  static override paths = [['untag'], ['image', 'untag']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'remove names from an image',
    details: `
      Takes each NAME from IMAGE, or all its names when none is given. The image stays in the store (without names it is listed as \`<none>\` and \`burrow image prune\` removes it).
    `,
    examples: [
      ['Remove one name', '$0 untag busybox mybox:1'],
      ['Remove all names', '$0 untag busybox'],
    ],
  });

  image = Option.String({ name: 'IMAGE' });
  names = Option.Rest({ name: 'NAME' });

  async execute(): Promise<number> {
    for (const n of this.names) normalizeName(n);
    const store = await this.context.store();
    const id = store.getImage(this.image).id;
    await untagImage(store, this.image, this.names);
    for (const n of this.names) imageEvent(this.context, 'untag', id, normalizeName(n));
    return 0;
  }
}
