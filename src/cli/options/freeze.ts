import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../base.js';
import { eachTarget, targets } from '../targets.js';

/** What `pause` and `unpause` share: their options, and freezing or thawing each container chosen. */
export abstract class FreezeCommand extends BurrowCommand {
  /** pause (true) or unpause (false) */
  protected abstract readonly freeze: boolean;

  all = Option.Boolean('-a,--all', false, { description: 'Every running container that is not so already' });
  cidfile = Option.Array('--cidfile', [], { description: "Read the container's id from FILE" });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  containers = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const { setPaused } = await import('../../runtime/pause.js');
    const store = (await this.context.store({ containers: true })).init();
    const { containers } = store;
    const list = targets(store, this.freeze ? 'pause' : 'unpause', { refs: this.containers, all: this.all, latest: this.latest, cidfile: this.cidfile });
    const chosen = this.all ? list.filter((t) => t.rec && containers.status(t.rec).state === 'running' && (containers.status(t.rec).paused === true) !== this.freeze) : list;
    return eachTarget(chosen, (rec) => containers.locked(rec, (r) => setPaused(store, r, this.freeze)), this.context);
  }
}

/** The part of their help both give. */
export const FREEZE_DETAILS =
  "A container has a cgroup of its own only when it was started under a cgroup delegated to you (a systemd user service or scope with Delegate=yes); for one without, the command is refused and says so. Prints each container as it was given.";
