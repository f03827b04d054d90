import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../../errors.js';
import { BurrowCommand } from '../../base.js';
import { printInspect } from '../image/inspect.js';

export class PodInspectCommand extends BurrowCommand {
  static override paths = [['pod', 'inspect']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'show the configuration of pods',
    details: `
      Prints a JSON array with a document per pod, shaped like podman's: its id, name, state, labels, the namespaces its containers share, its infra container and the infra's network configuration (published ports, DNS, hosts), and its containers with their states.
    `,
    examples: [
      ['Inspect a pod', '$0 pod inspect web'],
      ['Just its state', '$0 pod inspect --format "{{.State}}" web'],
    ],
  });

  format = Option.String('-f,--format', { description: 'Print with a Go template, or json' });
  latest = Option.Boolean('-l,--latest', false, { description: 'The pod created last' });
  pods = Option.Rest({ name: 'POD' });

  async execute(): Promise<number> {
    if (this.latest === this.pods.length > 0) throw new UsageError('`burrow pod inspect` takes pods, or --latest');
    const { podInspect } = await import('../../../format/pod-view.js');
    const store = await this.context.store({ containers: true });
    const all = store.pods.list();
    const refs = this.latest ? [all.at(-1)?.id ?? ''] : this.pods;
    const docs: unknown[] = [];
    const errors: string[] = [];
    for (const ref of refs) {
      const pod = store.pods.find(ref, all);
      if (pod) docs.push(podInspect(store, pod));
      else errors.push(`no such pod ${ref}`);
    }
    printInspect(this.context.stdout, 'pod inspect', docs, this.format);
    if (errors.length > 0) {
      for (const e of errors.slice(0, -1)) this.context.stderr.write(`Error: ${e}\n`);
      throw new BurrowError('E_NO_POD', errors.at(-1) as string);
    }
    return 0;
  }
}
