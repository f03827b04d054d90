import * as Option from 'clipanion/lib/advanced/options';

import { writeReport } from '../../format/report.js';
import { historyRows } from '../../format/image-view.js';
import { BurrowCommand } from '../base.js';

const TABLE = 'table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

export class HistoryCommand extends BurrowCommand {
  static override paths = [['history'], ['image', 'history']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'show the history of an image',
    details: `
      Lists the steps that built IMAGE, newest first, from its configuration's history: when, the command, the size of the layer each step added (0 B for steps that added none) and the comment. Only the newest step shows the image's id; the others show \`<missing>\`.
    `,
    examples: [['Show the history', '$0 history busybox']],
  });

  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Print full ids and commands' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the ids' });
  format = Option.String('--format', { description: 'Print with a Go template, or json' });
  image = Option.String({ name: 'IMAGE' });

  async execute(): Promise<number> {
    const store = await this.context.store();
    const image = store.getImage(this.image);
    const { rows, json } = historyRows(store, image, this.noTrunc);
    writeReport(this.context.stdout, {
      name: 'history',
      format: this.quiet ? '{{.ID}}' : this.format,
      table: TABLE,
      headers: { ID: 'ID', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY' },
      rows,
      json: () => json,
    });
    return 0;
  }
}
