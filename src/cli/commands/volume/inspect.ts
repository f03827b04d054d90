import * as Option from 'clipanion/lib/advanced/options';

import { UsageError } from '../../../errors.js';
import { renderReport } from '../../../format/report.js';
import { BurrowCommand } from '../../base.js';
import { volumeView } from './ls.js';

export class VolumeInspectCommand extends BurrowCommand {
  static override paths = [['volume', 'inspect']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'show the details of volumes',
    details: `
      Prints a JSON array with a document for each volume, shaped as podman's (Name, Driver, Mountpoint, CreatedAt, Labels, Scope, Options, Anonymous), or a Go template for each.
    `,
    examples: [["A volume's directory", "$0 volume inspect --format '{{.Mountpoint}}' data"]],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Every volume' });
  format = Option.String('-f,--format', { description: 'Print with a Go template, or json' });
  volumes = Option.Rest({ name: 'VOLUME' });

  async execute(): Promise<number> {
    if (this.all === this.volumes.length > 0) throw new UsageError('`burrow volume inspect` takes volumes, or --all');
    const store = await this.context.store({ containers: true });
    const containers = store.containers.list();
    const recs = this.all ? store.volumes.list() : [];
    let code = 0;
    for (const name of this.volumes) {
      const rec = store.volumes.find(name);
      if (rec) recs.push(rec);
      else {
        this.context.stderr.write(`Error: no such volume ${name}\n`);
        code = 125;
      }
    }
    const docs = recs.map((v) => volumeView(store, v, store.volumes.users(v.name, containers).length));
    if (docs.length > 0 || code === 0) this.context.stdout.write(renderReport({ name: 'volume inspect', format: this.format ?? 'json', table: 'json', rows: docs, json: () => docs, indent: 5 }));
    return code;
  }
}
