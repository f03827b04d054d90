import * as Option from 'clipanion/lib/advanced/options';

import { stopContainer } from '../../runtime/container.js';
import { parseSeconds } from '../duration.js';
import { BurrowCommand } from '../base.js';
import { eachTarget, targets } from '../targets.js';

export class StopCommand extends BurrowCommand {
  static override paths = [['stop'], ['container', 'stop']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'stop one or more running containers',
    details: `
      Stops each container as podman does: the image's StopSignal (SIGTERM by default), passed on by its monitor, then SIGKILL when it has not ended after \`-t\` seconds (10). Returns once each has ended and its monitor has recorded its exit status. Prints each container as it was given; one that is not running is printed and left alone.
    `,
    examples: [
      ['Stop a container, waiting at most 2 seconds', '$0 stop -t 2 web'],
      ['Stop every running container', '$0 stop -a'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Stop every running container' });
  cidfile = Option.Array('--cidfile', [], { description: "Read the container's id from FILE" });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Do not fail for containers that do not exist' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  time = Option.String('-t,--time', { description: "Seconds to wait after the stop signal before SIGKILL (default: the container's own stop timeout, else 10)" });
  containers = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const timeout = parseSeconds(this.time);
    const store = (await this.context.store({ containers: true })).init();
    const list = targets(store, 'stop', { refs: this.containers, all: this.all, latest: this.latest, cidfile: this.cidfile, ignore: this.ignore });
    const running = this.all ? list.filter((t) => t.rec && store.containers.status(t.rec).state === 'running') : list;
    return eachTarget(running, (rec) => store.containers.locked(rec, (r) => stopContainer(store, r, timeout, (w) => this.context.stderr.write(`Warning: ${w}\n`))), this.context);
  }
}
