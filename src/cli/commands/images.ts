import * as Option from 'clipanion/lib/advanced/options';

import { imageJson, imageRows, isIntermediate, type ImageRow } from '../../format/image-view.js';
import { writeReport } from '../../format/report.js';
import { BurrowCommand } from '../base.js';
import { byCodeUnits } from '../../order.js';

const TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}';

/** podman's header names where they are not the field's name in capitals. */
export const IMAGE_HEADERS: Record<string, string> = { ID: 'IMAGE ID', Id: 'IMAGE ID', CreatedSince: 'CREATED', CreatedTime: 'CREATED AT' };

export class ImagesCommand extends BurrowCommand {
  static override paths = [['images'], ['image', 'ls'], ['image', 'list']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'list images in local storage',
    details: `
      Lists the stored images, newest first, one row per name; an image without a name shows as \`<none>\`. Without \`--all\`, unnamed images that other images are built on are left out.
    `,
    examples: [
      ['List images', '$0 images'],
      ['Only the ids', '$0 images -q'],
      ['Chosen columns', '$0 images --format "table {{.Repository}}\\t{{.Size}}"'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show all images, also intermediate ones' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the image ids' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Print full image ids (sha256:...)' });
  format = Option.String('--format', { description: 'Print with a Go template, or json' });

  async execute(): Promise<number> {
    const store = await this.context.store();
    const all = store.images();
    const used = new Map<string, number>();
    for (const c of store.containers.list()) used.set(c.image, (used.get(c.image) ?? 0) + 1);
    const images = all
      .filter((i) => this.all || !isIntermediate(i, all))
      .sort((a, b) => Date.parse(b.created) - Date.parse(a.created) || byCodeUnits(a.id, b.id));
    const now = Date.now();
    let rows: ImageRow[] = images.flatMap((i) => imageRows(store, i, used.get(i.id) ?? 0, this.noTrunc, now));
    let format = this.format;
    if (this.quiet) {
      const seen = new Set<string>();
      rows = rows.filter((r) => !seen.has(r.ID) && seen.add(r.ID) !== undefined);
      format = '{{.ID}}';
    }
    writeReport(this.context.stdout, {
      name: 'images',
      format,
      table: TABLE,
      headers: IMAGE_HEADERS,
      rows,
      json: () => images.map((i) => imageJson(store, i, used.get(i.id) ?? 0)),
    });
    return 0;
  }
}
