import * as Option from 'clipanion/lib/advanced/options';

import { parseSignal } from '../../../runtime/signals.js';
import { BurrowCommand } from '../../base.js';
import { eachPod } from '../../pod-targets.js';

export class PodKillCommand extends BurrowCommand {
  static override paths = [['pod', 'kill']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'send a signal to the containers of pods',
    details: `
      Sends a signal (SIGKILL by default) to the first process of each running container of each pod, the infra last. A pod with no running container is an error. Prints the id of each pod signalled.
    `,
    examples: [['Ask the containers of a pod to reload', '$0 pod kill -s HUP web']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Signal every pod' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The pod created last' });
  signal = Option.String('-s,--signal', 'KILL', { description: 'The signal, by name (KILL, SIGKILL) or number' });
  pods = Option.Rest({ name: 'POD' });

  async execute(): Promise<number> {
    const signal = parseSignal(this.signal, '--signal');
    const { killPod } = await import('../../../runtime/pod.js');
    const store = (await this.context.store({ containers: true })).init();
    return eachPod(this.context, store, 'pod kill', { refs: this.pods, all: this.all, latest: this.latest }, (pod) => killPod(store, pod, signal));
  }
}
