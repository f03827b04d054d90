import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';

export class PodExistsCommand extends BurrowCommand {
  static override paths = [['pod', 'exists']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'check whether a pod exists',
    details: `
      Exits 0 when a pod of that name or id exists and 1 when none does, printing nothing.
    `,
    examples: [['In a script', '$0 pod exists web || $0 pod create web']],
  });

  pod = Option.String({ name: 'POD' });

  async execute(): Promise<number> {
    const store = await this.context.store({ containers: true });
    return store.pods.find(this.pod) ? 0 : 1;
  }
}
