import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../../base.js';
import { eachPod } from '../../pod-targets.js';

export class PodRestartCommand extends BurrowCommand {
  static override paths = [['pod', 'restart']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'restart pods',
    details: `
      Stops each pod as \`pod stop\` does (10 seconds before SIGKILL) and starts it again as \`pod start\` does. Prints the id of each pod restarted.
    `,
    examples: [['Restart a pod', '$0 pod restart web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Restart every pod' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The pod created last' });
  pods = Option.Rest({ name: 'POD' });

  async execute(): Promise<number> {
    const { startPod, stopPod } = await import('../../../runtime/pod.js');
    const store = (await this.context.store({ containers: true })).init();
    const warn = (w: string) => this.context.stderr.write(`Warning: ${w}\n`);
    return eachPod(this.context, store, 'pod restart', { refs: this.pods, all: this.all, latest: this.latest }, async (pod) => {
      await stopPod(store, pod, 10, warn);
      await startPod(this.context, store, pod);
    });
  }
}
