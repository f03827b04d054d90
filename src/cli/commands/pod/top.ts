import { readlinkSync } from 'node:fs';

import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../../errors.js';
import { tabwrite } from '../../../format/report.js';
import { BurrowCommand } from '../../base.js';

export class PodTopCommand extends BurrowCommand {
  static override paths = [['pod', 'top']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'show the processes of a pod',
    details: `
      Lists the processes of every running container of the pod (its infra's among them) as \`top\` does, one column per DESCRIPTOR (by default user pid ppid pcpu etime tty time args); containers that share the pod's pid namespace are listed once. Nothing runs in the containers: the processes are read from the host's /proc.
    `,
    examples: [['The processes of a pod, with host pids', '$0 pod top web pid hpid args']],
  });

  latest = Option.Boolean('-l,--latest', false, { description: 'The pod created last (then every word is a descriptor)' });
  words = Option.Rest({ name: 'POD [DESCRIPTOR...]' });

  async execute(): Promise<number> {
    const { parseDescriptors, topRows } = await import('../../../runtime/top.js');
    const { processRootReader } = await import('../../../runtime/exec.js');
    const { runningNamespaceProcess } = await import('../../../runtime/join.js');
    const store = (await this.context.store({ containers: true })).init();
    const { containers, pods } = store;
    let ref: string | undefined;
    let words = this.words;
    if (!this.latest) {
      [ref, ...words] = words;
      if (ref === undefined) throw new UsageError('`burrow pod top` requires the name or id of a pod, or --latest');
    }
    const descriptors = parseDescriptors(words);
    const pod = ref === undefined ? pods.list().at(-1) : pods.get(ref);
    if (!pod) throw new BurrowError('E_NO_POD', 'no pods to choose the latest of');
    const seen = new Set<string>();
    let lines: string[][] = [];
    // The infra last: a container's own /etc/passwd names the users of a shared pid namespace (the infra's root is empty).
    for (const c of pods.containers(pod).sort((a, b) => Number(a.infra === true) - Number(b.infra === true))) {
      const status = containers.status(c);
      const pid = runningNamespaceProcess(status);
      if (pid === undefined) continue;
      let ns: string;
      try {
        ns = readlinkSync(`/proc/${pid}/ns/pid`);
      } catch {
        continue; // ended meanwhile
      }
      if (seen.has(ns)) continue;
      seen.add(ns);
      const rows = topRows({ pid, read: processRootReader(this.context.sys, pid) }, descriptors);
      lines = lines.length === 0 ? rows : [...lines, ...rows.slice(1)];
    }
    if (lines.length === 0) throw new BurrowError('E_NOT_RUNNING', `pod ${pod.name} has no running containers: top shows running ones`);
    this.context.stdout.write(tabwrite(`${lines.map((r) => r.join('\t')).join('\n')}\n`));
    return 0;
  }
}
