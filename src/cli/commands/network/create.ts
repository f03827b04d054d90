import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError } from '../../../errors.js';
import { BurrowCommand } from '../../base.js';

export class NetworkCreateCommand extends BurrowCommand {
  static override paths = [['network', 'create']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'create a user network',
    details: `
      Creates a network and prints its name. Containers made with \`--network MODE\`, MODE the network's name, get an address of its subnet (by default the first free 10.89.N.0/24) on a bridge of their own network, and reach each other by name (each one's /etc/hosts names every container on its networks); each still has its own way out (pasta or slirp4netns) and its own published ports. The bridges live in a network namespace that a small infra process (burrow-netns) holds while any network exists.
    `,
    examples: [
      ['A network', '$0 network create backend'],
      ['With a subnet of your choice', '$0 network create --subnet 192.168.77.0/24 lab'],
    ],
  });

  driver = Option.String('-d,--driver', 'bridge', { description: 'The network driver: bridge' });
  gateway = Option.String('--gateway', { description: "The bridge's address (default: the subnet's first)" });
  ignore = Option.Boolean('--ignore', false, { description: 'Do not fail when the network exists: print its name' });
  internal = Option.Boolean('--internal', false, { description: 'No way out: its containers reach only each other' });
  label = Option.Array('--label', [], { description: 'Set a label KEY=VALUE' });
  subnet = Option.String('--subnet', { description: 'Its IPv4 subnet, NETWORK/PREFIX (default: the first free 10.89.N.0/24)' });
  network = Option.String({ name: 'NAME', required: false });

  async execute(): Promise<number> {
    const { createNetwork } = await import('../../../runtime/networks.js');
    const store = (await this.context.store({ containers: true })).init();
    try {
      const net = await createNetwork(this.context, store, { name: this.network, driver: this.driver, subnet: this.subnet, gateway: this.gateway, internal: this.internal, labels: this.label });
      this.context.stdout.write(`${net.name}\n`);
    } catch (err) {
      if (!(this.ignore && err instanceof BurrowError && err.code === 'E_NETWORK_EXISTS')) throw err;
      this.context.stdout.write(`${this.network as string}\n`);
    }
    return 0;
  }
}
