import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';

export class NetworkConnectCommand extends BurrowCommand {
  static override paths = [['network', 'connect']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'connect a container to a user network',
    details: `
      Gives the container an address on the network (the lowest free one, or \`--ip\`) and, when it runs, its interface there at once; the containers on the network name it in their /etc/hosts. Only a container made on a user network (\`--network NAME\`) can be connected to another: burrow makes such a container in the networks' user namespace, and any other's user namespace is its own.
    `,
    examples: [['Also on the network frontend', '$0 network connect frontend api']],
  });

  ip = Option.String('--ip', { description: "The container's IPv4 address on the network" });
  network = Option.String({ name: 'NETWORK' });
  container = Option.String({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const { connectNetwork } = await import('../../../runtime/networks.js');
    const store = (await this.context.store({ containers: true })).init();
    const net = store.networks.get(this.network);
    const rec = store.containers.get(this.container);
    await store.containers.locked(rec, (current) => connectNetwork(this.context, store, net, current, this.ip));
    return 0;
  }
}
