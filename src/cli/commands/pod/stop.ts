import * as Option from 'clipanion/lib/advanced/options';

import { parseSeconds } from '../../duration.js';
import { BurrowCommand } from '../../base.js';
import { eachPod } from '../../pod-targets.js';

export class PodStopCommand extends BurrowCommand {
  static override paths = [['pod', 'stop']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'stop pods',
    details: `
      Stops the running containers of each pod as \`stop\` does (each image's StopSignal, then SIGKILL after \`-t\` seconds): the others together first, then the infra, whose end takes the pod's network helper with it. Prints the id of each pod stopped.
    `,
    examples: [['Stop a pod at once', '$0 pod stop -t 0 web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Stop every pod' });
  ignore = Option.Boolean('-i,--ignore', false, { description: 'Do not fail for pods that do not exist' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The pod created last' });
  time = Option.String('-t,--time', { description: "Seconds to wait after a container's stop signal before SIGKILL (default: the container's own stop timeout, else 10)" });
  pods = Option.Rest({ name: 'POD' });

  async execute(): Promise<number> {
    const timeout = parseSeconds(this.time);
    const { stopPod } = await import('../../../runtime/pod.js');
    const store = (await this.context.store({ containers: true })).init();
    const warn = (w: string) => this.context.stderr.write(`Warning: ${w}\n`);
    return eachPod(this.context, store, 'pod stop', { refs: this.pods, all: this.all, latest: this.latest, ignore: this.ignore }, (pod) => stopPod(store, pod, timeout, warn));
  }
}
