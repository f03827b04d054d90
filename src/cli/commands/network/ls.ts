import * as Option from 'clipanion/lib/advanced/options';

import { writeReport } from '../../../format/report.js';
import { asMap } from '../../../format/template.js';
import { BurrowCommand } from '../../base.js';
import { keyFilters } from '../../filters.js';

const FILTER_KEYS = ['name', 'id', 'driver', 'label', 'dangling'] as const;

export class NetworkLsCommand extends BurrowCommand {
  static override paths = [['network', 'ls'], ['network', 'list']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'list user networks',
    details: `
      Lists the networks: NETWORK ID, NAME, DRIVER, as podman. Filters of one key match if any value does; different keys must all match.
    `,
    examples: [['Only the names', '$0 network ls -q']],
  });

  filter = Option.Array('-f,--filter', [], { description: `Only networks that match KEY=VALUE: ${FILTER_KEYS.join(', ')}` });
  format = Option.String('--format', { description: 'Format the output with a Go template, `table ...` or `json`' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not shorten ids' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the names' });

  async execute(): Promise<number> {
    const { any } = keyFilters(this.filter, FILTER_KEYS);
    const store = await this.context.store({ containers: true });
    const all = store.containers.list();
    const rows = store.networks.list().filter((n) => {
      const used = store.networks.members(n.name, all).length > 0;
      return (
        any('name', (v) => new RegExp(v).test(n.name)) &&
        any('id', (v) => n.id.startsWith(v)) &&
        any('driver', (v) => v === n.driver) &&
        any('dangling', (v) => (v === 'true' || v === '1') === !used) &&
        any('label', (v) => {
          const eq = v.indexOf('=');
          return eq < 0 ? v in n.labels : n.labels[v.slice(0, eq)] === v.slice(eq + 1);
        })
      );
    });
    if (this.quiet && this.format === undefined) {
      for (const n of rows) this.context.stdout.write(`${n.name}\n`);
      return 0;
    }
    const { networkInspect } = await import('../../../format/network-view.js');
    writeReport(this.context.stdout, {
      name: 'network ls',
      format: this.format,
      table: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}',
      headers: { ID: 'NETWORK ID' },
      rows: rows.map((n) => ({ ID: this.noTrunc ? n.id : n.id.slice(0, 12), Name: n.name, Driver: n.driver, Subnet: n.subnet, Gateway: n.gateway, Internal: n.internal, Labels: asMap({ ...n.labels }), Created: n.created })),
      json: () => rows.map((n) => networkInspect(store, n, all)),
    });
    return 0;
  }
}
