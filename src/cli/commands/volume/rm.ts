import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../../errors.js';
import { parseSeconds } from '../../duration.js';
import { BurrowCommand } from '../../base.js';

export class VolumeRmCommand extends BurrowCommand {
  static override paths = [['volume', 'rm'], ['volume', 'remove']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'remove volumes',
    details: `
      Removes each volume and its files (those of the containers' mapped ids too) and prints its name. A volume a container uses is refused, as podman does (exit 2), unless \`-f\`, which removes those containers first.
    `,
    examples: [['Remove a volume', '$0 volume rm data']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove every volume' });
  force = Option.Boolean('-f,--force', false, { description: 'Remove the containers that use the volumes first' });
  time = Option.String('-t,--time', { description: "With -f: seconds to wait after a running container's stop signal before SIGKILL (default: the container's own stop timeout, else 10)" });
  volumes = Option.Rest({ name: 'VOLUME' });

  async execute(): Promise<number> {
    if (this.all === this.volumes.length > 0) throw new UsageError('`burrow volume rm` takes volumes, or --all');
    const timeout = parseSeconds(this.time);
    const { removeContainer } = await import('../../../runtime/container.js');
    const store = (await this.context.store({ containers: true })).init();
    const { volumes, containers } = store;
    const names = this.all ? volumes.list().map((v) => v.name) : this.volumes;
    let code = 0;
    for (const name of names) {
      try {
        volumes.get(name);
        const users = volumes.users(name, containers.list());
        if (users.length > 0) {
          if (!this.force)
            throw new BurrowError('E_VOLUME_IN_USE', `volume ${name} is being used by the following container(s): ${users.map((c) => c.id).join(', ')}: volume is being used`);
          for (const c of users) await containers.locked(c, (r) => removeContainer(this.context, store, r, true, timeout, (w) => this.context.stderr.write(`Warning: ${w}\n`)));
        }
        const trash = await store.lock(() => {
          if (volumes.users(name, containers.list()).length > 0) throw new BurrowError('E_VOLUME_IN_USE', `volume ${name} is being used: a container mounted it meanwhile`);
          return volumes.detach(name);
        });
        await this.context.sys.removeTrees([trash]).catch(() => undefined);
        this.context.stdout.write(`${name}\n`);
      } catch (err) {
        if (!(err instanceof BurrowError)) throw err;
        this.context.stderr.write(`Error: ${err.message}\n`);
        // podman: 1 for a volume not found, 2 for one in use
        code = err.code === 'E_NO_VOLUME' ? Math.max(code, 1) : err.code === 'E_VOLUME_IN_USE' ? Math.max(code, 2) : 125;
      }
    }
    return code;
  }
}
