import * as Option from 'clipanion/lib/advanced/options';

import { killContainer } from '../../runtime/container.js';
import { parseSignal } from '../../runtime/signals.js';
import { BurrowCommand } from '../base.js';
import { eachTarget, targets } from '../targets.js';

export class KillCommand extends BurrowCommand {
  static override paths = [['kill'], ['container', 'kill']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'send a signal to one or more running containers',
    details: `
      Sends a signal (SIGKILL by default) to the first process of each running container, directly, as podman does; the container's monitor records how it ended. Prints each container as it was given.
    `,
    examples: [
      ['Kill a container', '$0 kill web'],
      ["Ask a container's server to reload", '$0 kill -s HUP web'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Signal every running container' });
  cidfile = Option.Array('--cidfile', [], { description: "Read the container's id from FILE" });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  signal = Option.String('-s,--signal', 'KILL', { description: 'The signal, by name (TERM, SIGHUP, RTMIN+1) or number' });
  containers = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const signal = parseSignal(this.signal, 'signal');
    const store = (await this.context.store({ containers: true })).init();
    const list = targets(store, 'kill', { refs: this.containers, all: this.all, latest: this.latest, cidfile: this.cidfile });
    const running = this.all ? list.filter((t) => t.rec && store.containers.status(t.rec).state === 'running') : list;
    return eachTarget(running, (rec) => store.containers.locked(rec, (r) => killContainer(store, r, signal)), this.context);
  }
}
