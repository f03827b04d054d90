import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../../errors.js';
import { BurrowCommand } from '../../base.js';
import { logWindow, logWriter } from '../../container-logs.js';

export class PodLogsCommand extends BurrowCommand {
  static override paths = [['pod', 'logs']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: "show the output of a pod's containers",
    details: `
      Prints what the containers of the pod (not its infra) wrote, as \`logs\` does for several containers: each line begins with its container's short id, or its name with \`--names\`. \`-c\` picks one container of the pod.
    `,
    examples: [['What the pod\'s containers write, as they write it', '$0 pod logs -f --names web']],
  });

  container = Option.String('-c,--container', { description: 'Only this container of the pod' });
  follow = Option.Boolean('-f,--follow', false, { description: 'Keep printing what the containers write until they end' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The pod created last' });
  names = Option.Boolean('-n,--names', false, { description: "Begin each line with its container's name" });
  since = Option.String('--since', { description: 'Only lines written since TIME (RFC 3339, Unix time, or a duration such as 10m)' });
  until = Option.String('--until', { description: 'Only lines written until TIME (as --since)' });
  tail = Option.String('--tail', '-1', { description: 'Only the last N lines of each container (-1: all)' });
  timestamps = Option.Boolean('-t,--timestamps', false, { description: 'Begin each line with the time it was written' });
  pod = Option.String({ name: 'POD', required: false });

  async execute(): Promise<number> {
    const { tail, since, until } = logWindow(this.tail, this.since, this.until);
    if (this.latest === (this.pod !== undefined)) throw new UsageError('`burrow pod logs` takes a pod, or --latest');
    const { showLogs } = await import('../../../runtime/logs.js');
    const store = (await this.context.store({ containers: true })).init();
    const pod = this.pod === undefined ? store.pods.list().at(-1) : store.pods.get(this.pod);
    if (!pod) throw new BurrowError('E_NO_POD', 'no pods to choose the latest of');
    let members = store.pods.containers(pod).filter((c) => !c.infra);
    if (this.container !== undefined) {
      const c = store.containers.get(this.container);
      if (c.pod !== pod.id || c.infra) throw new BurrowError('E_NO_CONTAINER', `container ${c.name} is not a container of pod ${pod.name}`);
      members = [c];
    }
    if (members.length === 0) throw new BurrowError('E_NO_CONTAINER', `pod ${pod.name} has no containers to show the logs of`);
    // Several containers (or --names): each line says whose it is.
    await showLogs(store, { containers: members.map((c) => c.id), follow: this.follow, tail, since, until, timestamps: this.timestamps, names: this.names }, logWriter(this.context));
    return 0;
  }
}
