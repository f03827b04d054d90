import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';

export class NetworkExistsCommand extends BurrowCommand {
  static override paths = [['network', 'exists']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'check whether a user network exists',
    details: `
      Exits 0 when a network of that name or id exists and 1 when none does, printing nothing.
    `,
    examples: [['In a script', '$0 network exists backend || $0 network create backend']],
  });

  network = Option.String({ name: 'NETWORK' });

  async execute(): Promise<number> {
    const store = await this.context.store();
    return store.networks.find(this.network) ? 0 : 1;
  }
}
