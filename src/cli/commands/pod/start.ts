import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';
import { eachPod } from '../../pod-targets.js';

export class PodStartCommand extends BurrowCommand {
  static override paths = [['pod', 'start']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'start pods',
    details: `
      Starts the containers of each pod that are not running, in the background: the infra first, then the others in the order they were made. Prints the id of each pod started.
    `,
    examples: [['Start a pod', '$0 pod start web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Start every pod' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The pod created last' });
  pods = Option.Rest({ name: 'POD' });

  async execute(): Promise<number> {
    const { startPod } = await import('../../../runtime/pod.js');
    const store = (await this.context.store({ containers: true })).init();
    return eachPod(this.context, store, 'pod start', { refs: this.pods, all: this.all, latest: this.latest }, (pod) => startPod(this.context, store, pod));
  }
}
