import * as Option from 'clipanion/lib/advanced/options';

import { BurrowCommand } from '../base.js';
import { containerLogs } from '../container-logs.js';

export class LogsCommand extends BurrowCommand {
  static override paths = [['logs'], ['container', 'logs']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: "show a container's output",
    details: `
      Prints what containers running in the background (\`run -d\`, \`start\`) wrote, from their logs: standard output on standard output, standard error on standard error. With several containers, or \`--names\`, each line begins with its container's short id (or name).
    `,
    examples: [
      ['The last 10 lines, then what follows', '$0 logs --tail 10 -f web'],
      ['What was written in the last 5 minutes, with times', '$0 logs -t --since 5m web'],
    ],
  });

  follow = Option.Boolean('-f,--follow', false, { description: 'Keep printing what the containers write until they end' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last' });
  names = Option.Boolean('-n,--names', false, { description: "Begin each line with its container's name" });
  since = Option.String('--since', { description: 'Only lines written since TIME (RFC 3339, Unix time, or a duration such as 10m)' });
  until = Option.String('--until', { description: 'Only lines written until TIME (as --since)' });
  tail = Option.String('--tail', '-1', { description: 'Only the last N lines of each container (-1: all)' });
  timestamps = Option.Boolean('-t,--timestamps', false, { description: 'Begin each line with the time it was written' });
  containers = Option.Rest({ name: 'CONTAINER' });

  async execute(): Promise<number> {
    return containerLogs(this, this.context);
  }
}
