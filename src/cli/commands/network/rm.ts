import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError } from '../../../errors.js';
import { parseSeconds } from '../../duration.js';
import { BurrowCommand } from '../../base.js';

export class NetworkRmCommand extends BurrowCommand {
  static override paths = [['network', 'rm'], ['network', 'remove']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'remove user networks',
    details: `
      Removes each network and prints its name. A network with containers on it is refused (exit 2), unless \`-f\`, which removes those containers first (\`-t\` seconds after a running one's stop signal before SIGKILL). The last network removed takes the networks' infra with it.
    `,
    examples: [['Remove a network and its containers', '$0 network rm -f backend']],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Remove the containers on the networks first' });
  time = Option.String('-t,--time', { description: "With -f: seconds to wait after a running container's stop signal before SIGKILL (default: the container's own stop timeout, else 10)" });
  networks = Option.Rest({ required: 1, name: 'NETWORK' });

  async execute(): Promise<number> {
    const timeout = parseSeconds(this.time);
    const { removeNetwork } = await import('../../../runtime/networks.js');
    const store = (await this.context.store({ containers: true })).init();
    const warn = (w: string) => this.context.stderr.write(`Warning: ${w}\n`);
    let code = 0;
    for (const ref of this.networks) {
      try {
        const net = store.networks.get(ref);
        await removeNetwork(this.context, store, net, this.force, timeout, warn);
        this.context.stdout.write(`${net.name}\n`);
      } catch (err) {
        if (!(err instanceof BurrowError)) throw err;
        this.context.stderr.write(`Error: ${err.message}\n`);
        // podman: 1 for a network not found, 2 for one in use
        code = Math.max(code, err.code === 'E_NO_NETWORK' ? 1 : err.code === 'E_NETWORK_IN_USE' ? 2 : 125);
      }
    }
    return code;
  }
}
