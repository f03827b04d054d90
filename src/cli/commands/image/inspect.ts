import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError } from '../../../errors.js';
import { renderReport } from '../../../format/report.js';
import { imageInspect } from '../../../format/image-view.js';
import { storageDriver } from '../../../storage/driver.js';
import { BurrowCommand } from '../../base.js';

/** Prints inspect documents as podman does: a JSON array (5-space indent), or a template per document. */
export function printInspect(stdout: NodeJS.WritableStream, name: string, docs: unknown[], format: string | undefined): void {
  stdout.write(renderReport({ name, format: format ?? 'json', table: 'json', rows: docs, json: () => docs, indent: 5 }));
}

export class ImageInspectCommand extends BurrowCommand {
  static override paths = [['image', 'inspect']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'show the configuration and storage of images',
    details: `
      Prints a JSON array with a document per IMAGE (a name, an id or id prefix, or a digest), shaped like podman's: ids, names, the image's configuration, its layers and where they are stored.
    `,
    examples: [
      ['Inspect an image', '$0 image inspect busybox'],
      ['Just its command', '$0 image inspect --format "{{.Config.Cmd}}" busybox'],
    ],
  });

  format = Option.String('-f,--format', { description: 'Print with a Go template, or json' });
  images = Option.Rest({ required: 1, name: 'IMAGE' });

  async execute(): Promise<number> {
    const store = await this.context.store();
    const all = store.images();
    const docs: unknown[] = [];
    const errors: string[] = [];
    const driver = storageDriver(this.context.env);
    for (const ref of this.images) {
      const image = store.findImage(ref, all);
      if (!image) errors.push(`${ref}: image not known`);
      else docs.push(imageInspect(store, image, driver));
    }
    printInspect(this.context.stdout, 'image', docs, this.format);
    if (errors.length > 0) {
      for (const e of errors.slice(0, -1)) this.context.stderr.write(`Error: ${e}\n`);
      throw new BurrowError('E_NO_IMAGE', errors.at(-1) as string);
    }
    return 0;
  }
}
