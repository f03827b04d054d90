import { BurrowCommand } from '../../base.js';
import * as Option from 'clipanion/lib/advanced/options';

export class ImageExistsCommand extends BurrowCommand {
  static override paths = [['image', 'exists']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'check whether an image is in local storage',
    details: `
      Exits 0 when IMAGE (a name, id or digest) is in local storage and 1 when it is not, printing nothing; 125 for an error.
    `,
    examples: [['In a script', '$0 image exists busybox || burrow pull busybox']],
  });

  image = Option.String({ name: 'IMAGE' });

  async execute(): Promise<number> {
    const store = await this.context.store();
    return store.findImage(this.image) !== undefined ? 0 : 1;
  }
}
