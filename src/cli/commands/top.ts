import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../errors.js';
import { tabwrite } from '../../format/report.js';
import { BurrowCommand } from '../base.js';

export class TopCommand extends BurrowCommand {
  static override paths = [['top'], ['container', 'top']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'show the processes of a running container',
    details: `
      Lists the processes of the running container CONTAINER as podman's \`top\` does, one column per DESCRIPTOR (by default user pid ppid pcpu etime tty time args): pids, parents and users as the container sees them, the users named from its own /etc/passwd. Descriptors may also be given as one comma-separated list. Nothing runs in the container: the processes are read from the host's /proc.
    `,
    examples: [
      ['The processes of a container', '$0 top web'],
      ['Pids and host pids, with the command', '$0 top web pid hpid args'],
    ],
  });

  latest = Option.Boolean('-l,--latest', false, { description: 'The container created last (then every word is a descriptor)' });
  words = Option.Rest({ name: 'CONTAINER [DESCRIPTOR...]' });

  async execute(): Promise<number> {
    const { parseDescriptors, topRows } = await import('../../runtime/top.js');
    const { processRootReader } = await import('../../runtime/exec.js');
    const { runningNamespaceProcess } = await import('../../runtime/join.js');
    const store = (await this.context.store({ containers: true })).init();
    const { containers } = store;
    let ref: string | undefined;
    let words = this.words;
    if (!this.latest) {
      [ref, ...words] = words;
      if (ref === undefined) throw new UsageError('`burrow top` requires the name or id of a container, or --latest');
    }
    const descriptors = parseDescriptors(words);
    const rec = ref === undefined ? containers.list().at(-1) : containers.get(ref);
    if (!rec) throw new BurrowError('E_NO_CONTAINER', 'no containers to choose the latest of');
    const status = containers.status(rec);
    const pid = runningNamespaceProcess(status);
    if (pid === undefined) throw new BurrowError('E_NOT_RUNNING', `top can only be used on running containers: container ${rec.name} is ${status.state}`);
    const rows = topRows({ pid, read: processRootReader(this.context.sys, pid) }, descriptors);
    this.context.stdout.write(tabwrite(`${rows.map((r) => r.join('\t')).join('\n')}\n`));
    return 0;
  }
}
