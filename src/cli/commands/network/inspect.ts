import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError } from '../../../errors.js';
import { BurrowCommand } from '../../base.js';
import { renderReport } from '../../../format/report.js';

export class NetworkInspectCommand extends BurrowCommand {
  static override paths = [['network', 'inspect']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'show the configuration of user networks',
    details: `
      Prints a JSON array with a document per network, shaped like podman's: its name, id, driver, bridge, subnet and gateway, whether it is internal, its labels, and its containers with their interfaces and addresses.
    `,
    examples: [['The subnet of a network', '$0 network inspect --format "{{range .Subnets}}{{.Subnet}}{{end}}" backend']],
  });

  format = Option.String('-f,--format', { description: 'Print with a Go template, or json' });
  networks = Option.Rest({ required: 1, name: 'NETWORK' });

  async execute(): Promise<number> {
    const { networkFields, networkInspect } = await import('../../../format/network-view.js');
    const store = await this.context.store({ containers: true });
    const all = store.containers.list();
    const docs: unknown[] = [];
    const fields: unknown[] = [];
    const errors: string[] = [];
    for (const ref of this.networks) {
      const net = store.networks.find(ref);
      if (net) {
        docs.push(networkInspect(store, net, all));
        fields.push(networkFields(store, net, all));
      }
      else errors.push(`network ${ref}: unable to find network with name or ID ${ref}: network not found`);
    }
    // JSON with podman's keys; templates with its field names.
    this.context.stdout.write(renderReport({ name: 'network inspect', format: this.format ?? 'json', table: 'json', rows: fields, json: () => docs, indent: 5 }));
    if (errors.length > 0) {
      for (const e of errors.slice(0, -1)) this.context.stderr.write(`Error: ${e}\n`);
      throw new BurrowError('E_NO_NETWORK', errors.at(-1) as string);
    }
    return 0;
  }
}
