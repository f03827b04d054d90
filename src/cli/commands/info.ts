import * as Option from 'clipanion/lib/advanced/options';

import { goFields, infoDocument } from '../../format/info.js';
import { renderReport } from '../../format/report.js';
import { toYaml } from '../../format/yaml.js';
import { BurrowCommand } from '../base.js';

export class InfoCommand extends BurrowCommand {
  static override paths = [['info'], ['system', 'info']];

  static override usage = BurrowCommand.Usage({
    category: 'system',
    description: 'show information about the host and the store',
    details: `
      Prints, as YAML like podman's: the host (architecture, kernel, cgroup version, the user's id mappings from /etc/subuid and /etc/subgid), the store (where images and containers are kept, the storage driver, how many images and containers) and burrow's version. \`--format json\` prints JSON; a Go template sees the fields with capitals (\`{{.Store.GraphRoot}}\`).
    `,
    examples: [
      ['Show everything', '$0 info'],
      ['Just the storage driver', '$0 info --format "{{.Store.GraphDriverName}}"'],
    ],
  });

  format = Option.String('-f,--format', { description: 'Print with a Go template, or json' });

  async execute(): Promise<number> {
    const info = infoDocument(await this.context.store({ containers: true }), this.context.paths, this.context.env);
    if (this.format === undefined || this.format === '') {
      this.context.stdout.write(toYaml(info));
      return 0;
    }
    const doc = goFields(info);
    this.context.stdout.write(renderReport({ name: 'info', format: this.format, table: '{{json .}}', rows: [doc], json: () => info }));
    return 0;
  }
}
