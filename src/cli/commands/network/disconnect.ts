import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';

export class NetworkDisconnectCommand extends BurrowCommand {
  static override paths = [['network', 'disconnect']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'disconnect a container from a user network',
    details: `
      Takes the container off the network: its address there is freed, a running container loses its interface at once, and the containers on the network no longer name it.
    `,
    examples: [['Off the network frontend', '$0 network disconnect frontend api']],
  });

  network = Option.String({ name: 'NETWORK' });
  container = Option.String({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const { disconnectNetwork } = await import('../../../runtime/networks.js');
    const store = (await this.context.store({ containers: true })).init();
    const net = store.networks.get(this.network);
    const rec = store.containers.get(this.container);
    await store.containers.locked(rec, (current) => disconnectNetwork(this.context, store, net, current));
    return 0;
  }
}
