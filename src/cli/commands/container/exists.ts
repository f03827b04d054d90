import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';

export class ContainerExistsCommand extends BurrowCommand {
  static override paths = [['container', 'exists']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'check whether a container exists',
    details: `
      Exits 0 when CONTAINER (a name, id or unique id prefix) exists and 1 when it does not, printing nothing; 125 for an error (an ambiguous prefix).
    `,
    examples: [['In a script', '$0 container exists web && echo web is there']],
  });

  container = Option.String({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    const store = (await this.context.store({ containers: true })).init();
    return store.containers.find(this.container) !== undefined ? 0 : 1;
  }
}
