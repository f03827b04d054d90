import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../base.js';
import { eachTarget, targets } from '../targets.js';

export class PauseCommand extends BurrowCommand {
  static override paths = [['pause'], ['container', 'pause']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'pause the processes of one or more containers',
    details: `
      Freezes every process of each running container at once, through the cgroup v2 freezer of the container's own cgroup, as podman does. A container has a cgroup of its own only when it was started under a cgroup delegated to you (a systemd user service or scope with Delegate=yes); for one without, \`pause\` is refused and says so. Prints each container as it was given.
    `,
    examples: [['Freeze a container', '$0 pause web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Pause every running container' });
  cidfile = Option.Array('--cidfile', [], { description: "Read the container's id from FILE" });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  containers = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const { setPaused } = await import('../../runtime/pause.js');
    const store = (await this.context.store({ containers: true })).init();
    const list = targets(store, 'pause', { refs: this.containers, all: this.all, latest: this.latest, cidfile: this.cidfile });
    const chosen = this.all ? list.filter((t) => t.rec && store.containers.status(t.rec).state === 'running' && store.containers.status(t.rec).paused !== true) : list;
    return eachTarget(chosen, (rec) => store.containers.locked(rec, (r) => setPaused(store, r, true)), this.context);
  }
}
