import * as Option from 'clipanion/lib/advanced/options';

import { renameContainer } from '../../runtime/container.js';
import { BurrowCommand } from '../base.js';

export class RenameCommand extends BurrowCommand {
  static override paths = [['rename'], ['container', 'rename']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'give a container a new name',
    details: `
      Renames CONTAINER (running or not) to NAME, which must be free: the new name is taken before the old one is let go, so the container always has one. Prints nothing, as podman.
    `,
    examples: [['Rename a container', '$0 rename bold_badger web']],
  });

  container = Option.String({ name: 'CONTAINER' });
  name = Option.String({ name: 'NAME' });

  async execute(): Promise<number> {
    const store = (await this.context.store({ containers: true })).init();
    await store.containers.locked(store.containers.get(this.container), (rec) => renameContainer(store, rec, this.name));
    return 0;
  }
}
