import * as Option from 'clipanion/lib/advanced/options';

import { writeReport } from '../../../format/report.js';
import type { Store } from '../../../storage/store.js';
import type { VolumeRecord } from '../../../storage/volumes.js';
import { BurrowCommand } from '../../base.js';
import { keyFilters } from '../../filters.js';

/** A volume as `volume inspect` and templates show it, podman's fields. */
export function volumeView(store: Store, v: VolumeRecord, users: number): Record<string, unknown> {
  return {
    Name: v.name,
    Driver: v.driver,
    Mountpoint: store.volumes.mountpoint(v.name),
    CreatedAt: v.created,
    Labels: v.labels,
    Scope: 'local',
    Options: v.options,
    Anonymous: v.anonymous,
    MountCount: 0,
    NeedsCopyUp: false,
    NeedsChown: false,
    Links: users,
  };
}

export class VolumeLsCommand extends BurrowCommand {
  static override paths = [['volume', 'ls'], ['volume', 'list']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'list volumes',
    details: `
      Lists the volumes: DRIVER and VOLUME NAME, as podman. Filters of one key match if any value does; different keys must all match.
    `,
    examples: [['Volumes no container uses', '$0 volume ls --filter dangling=true']],
  });

  filter = Option.Array('-f,--filter', [], { description: 'Only volumes that match KEY=VALUE: name, label, dangling, driver, anonymous' });
  format = Option.String('--format', { description: 'Format the output with a Go template, `table ...` or `json`' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the names' });

  async execute(): Promise<number> {
    const store = await this.context.store({ containers: true });
    const containers = store.containers.list();
    const { any } = keyFilters(this.filter, ['name', 'label', 'dangling', 'driver', 'anonymous']);
    const rows = store.volumes.list().filter((v) => {
      const used = store.volumes.users(v.name, containers).length > 0;
      return (
        any('name', (n) => v.name.includes(n)) &&
        any('driver', (d) => d === v.driver) &&
        any('dangling', (d) => (d === 'true' || d === '1') === !used) &&
        any('anonymous', (a) => (a === 'true' || a === '1') === v.anonymous) &&
        any('label', (l) => {
          const eq = l.indexOf('=');
          return eq < 0 ? l in v.labels : v.labels[l.slice(0, eq)] === l.slice(eq + 1);
        })
      );
    });
    if (this.quiet && this.format === undefined) {
      for (const v of rows) this.context.stdout.write(`${v.name}\n`);
      return 0;
    }
    const views = rows.map((v) => volumeView(store, v, store.volumes.users(v.name, containers).length));
    writeReport(this.context.stdout, { name: 'volume ls', format: this.format, table: 'table {{.Driver}}\t{{.Name}}', headers: { Name: 'VOLUME NAME' }, rows: views, json: () => views });
    return 0;
  }
}
