import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../base.js';
import { startContainers } from '../start-containers.js';

export class StartCommand extends BurrowCommand {
  static override paths = [['start'], ['container', 'start']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'start one or more containers',
    details: `
      Starts containers made by \`burrow create\` (or exited ones). With \`-a\` the container runs attached: burrow becomes its parent and exits with its status. Without it the helper stays behind as a small monitor, output goes to the container's log, and each CONTAINER is printed as given.
    `,
    examples: [['Start a container and wait for it', '$0 start -a web']],
  });

  attach = Option.Boolean('-a,--attach', false, { description: "Attach to the container's output and exit with its status" });
  interactive = Option.Boolean('-i,--interactive', false, { description: 'With -a: keep standard input open' });
  sigProxy = Option.Boolean('--sig-proxy', true, { description: 'With -a: pass the signals burrow gets on to the container (false: they end only burrow)' });
  detachKeys = Option.String('--detach-keys', 'ctrl-p,ctrl-q', { description: 'With -ai and a terminal: the keys that leave the container running in the background' });
  containers = Option.Rest({ name: 'CONTAINER', required: 1 });

  async execute(): Promise<number> {
    return startContainers(this, this.context);
  }
}
