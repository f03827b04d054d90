import * as Option from 'clipanion/lib/advanced/options';

import { restartContainer } from '../../runtime/container.js';
import { parseSeconds } from '../duration.js';
import { BurrowCommand } from '../base.js';
import { eachTarget, targets } from '../targets.js';

export class RestartCommand extends BurrowCommand {
  static override paths = [['restart'], ['container', 'restart']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'restart one or more containers',
    details: `
      Stops each running container as \`burrow stop\` does (its StopSignal, then SIGKILL after \`-t\` seconds) and starts it again in the background; a container that is not running is started. A \`--rm\` container is not removed in between. Prints each container as it was given.
    `,
    examples: [
      ['Restart a container', '$0 restart web'],
      ['Restart the running containers at once', '$0 restart --running -t 0 -a'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Restart every container' });
  cidfile = Option.Array('--cidfile', [], { description: "Read the container's id from FILE" });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  running = Option.Boolean('--running', false, { description: 'With -a: only the running containers' });
  time = Option.String('-t,--time', { description: "Seconds to wait after the stop signal before SIGKILL (default: the container's own stop timeout, else 10)" });
  containers = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const timeout = parseSeconds(this.time);
    const store = (await this.context.store({ containers: true })).init();
    const list = targets(store, 'restart', { refs: this.containers, all: this.all, latest: this.latest, cidfile: this.cidfile });
    const chosen = this.running ? list.filter((t) => !t.rec || store.containers.status(t.rec).state === 'running') : list;
    return eachTarget(chosen, (rec) => store.containers.locked(rec, (r) => restartContainer(this.context, store, r, timeout, (w) => this.context.stderr.write(`Warning: ${w}\n`))), this.context);
  }
}
