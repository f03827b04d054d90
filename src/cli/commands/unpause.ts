import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../base.js';
import { eachTarget, targets } from '../targets.js';

export class UnpauseCommand extends BurrowCommand {
  static override paths = [['unpause'], ['container', 'unpause']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'unpause the processes of one or more containers',
    details: `
      Thaws every process of each running container at once, through the cgroup v2 freezer of the container's own cgroup, as podman does. A container has a cgroup of its own only when it was started under a cgroup delegated to you (a systemd user service or scope with Delegate=yes); for one without, \`unpause\` is refused and says so. Prints each container as it was given.
    `,
    examples: [['Thaw a container', '$0 unpause web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Unpause every running container' });
  cidfile = Option.Array('--cidfile', [], { description: "Read the container's id from FILE" });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  containers = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const { setPaused } = await import('../../runtime/pause.js');
    const store = (await this.context.store({ containers: true })).init();
    const list = targets(store, 'unpause', { refs: this.containers, all: this.all, latest: this.latest, cidfile: this.cidfile });
    const chosen = this.all ? list.filter((t) => t.rec && store.containers.status(t.rec).state === 'running' && store.containers.status(t.rec).paused !== false) : list;
    return eachTarget(chosen, (rec) => store.containers.locked(rec, (r) => setPaused(store, r, false)), this.context);
  }
}
