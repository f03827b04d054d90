import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';

export class VolumeExistsCommand extends BurrowCommand {
  static override paths = [['volume', 'exists']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'check whether a volume exists',
    details: `
      Exits 0 when the volume exists and 1 when it does not, printing nothing.
    `,
    examples: [['In a script', '$0 volume exists data && echo data is there']],
  });

  volume = Option.String({ name: 'VOLUME' });

  async execute(): Promise<number> {
    const store = await this.context.store();
    return store.volumes.find(this.volume) ? 0 : 1;
  }
}
