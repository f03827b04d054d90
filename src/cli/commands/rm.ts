import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError } from '../../errors.js';
import type { ContainerRecord } from '../../storage/containers.js';
import { checkRemovable, dependentsFirst, removeContainer } from '../../runtime/container.js';
import { parseSeconds } from '../duration.js';
import { BurrowCommand } from '../base.js';

export class RmCommand extends BurrowCommand {
  static override paths = [['rm'], ['container', 'rm']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'remove one or more containers',
    details: `
      Removes containers and their writable layers. A running container is refused unless \`-f\` is given, which stops it first: the image's StopSignal (SIGTERM by default), then SIGKILL after \`-t\` seconds (10). Prints the id of each container removed.
    `,
    examples: [['Remove every container', '$0 rm -a -f']],
  });

  force = Option.Boolean('-f,--force', false, { description: 'Kill running containers first' });
  all = Option.Boolean('-a,--all', false, { description: 'Remove all containers' });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Do not fail for containers that do not exist' });
  volumes = Option.Boolean('-v,--volumes', false, { description: 'Also remove the anonymous volumes of the containers' });
  time = Option.String('-t,--time', { description: "With -f: seconds to wait after the image's stop signal before SIGKILL (default: the container's own stop timeout, else 10)" });
  containers = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    // Not the dead --rm containers: one named here is removed below (swept first, it would be "not found").
    const store = (await this.context.store()).init();
    const { containers } = store;
    const timeout = parseSeconds(this.time);
    const all = containers.list();
    // --all: not the pods' infra containers (`pod rm` removes those).
    const given = this.all ? all.filter((c) => !c.infra) : this.containers.flatMap((ref) => {
      try {
        return [containers.find(ref, all) ?? ref];
      } catch {
        return [ref];
      }
    });
    // Each container before those whose namespaces it shares (as given otherwise); refs not found keep their place for their error.
    const found = dependentsFirst(given.filter((g): g is ContainerRecord => typeof g !== 'string'));
    const targets = given.map((g) => (typeof g === 'string' ? g : (found.shift() as ContainerRecord).id));
    if (targets.length === 0 && !this.all) throw new BurrowError('E_USAGE', '`burrow rm` requires at least one argument: a container name or id, or --all');
    // (refs not found, or ambiguous, get their error below)
    const removing = new Set(given.flatMap((g) => (typeof g === 'string' ? [] : [g.id])));
    let code = 0;
    for (const ref of targets) {
      try {
        const rec = containers.find(ref, all);
        if (!rec) {
          if (this.ignore) continue;
          throw new BurrowError('E_NO_CONTAINER', `no container with name or ID "${ref}" found: no such container`);
        }
        checkRemovable(store, rec, containers.list(), removing);
        await containers.locked(rec, (r) => removeContainer(this.context, store, r, this.force, timeout, (w) => this.context.stderr.write(`Warning: ${w}\n`), this.volumes));
        this.context.stdout.write(`${rec.id}\n`);
      } catch (err) {
        if (!(err instanceof BurrowError)) throw err;
        this.context.stderr.write(`Error: ${err.message}\n`);
        // podman: 1 when a container was not found, 2 when one could not be removed (running)
        // (125 for one others depend on, or a pod's infra)
        const mine = err.code === 'E_NO_CONTAINER' ? 1 : err.code === 'E_DEPENDENTS' || err.code === 'E_INFRA' ? 125 : 2;
        code = Math.max(code, mine);
      }
    }
    return code;
  }
}
