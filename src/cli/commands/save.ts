import * as Option from 'clipanion/lib/advanced/options';

import { UsageError } from '../../errors.js';
import { nameMatches, normalizeName } from '../../oci/reference.js';
import { type ImageToSave, SAVE_FORMATS, type SaveFormat, saveImages } from '../../image/save.js';
import type { ImageRecord } from '../../storage/store.js';
import { BurrowCommand } from '../base.js';
import { openOutput, openOutputDir } from '../output-file.js';

/** The stored name IMAGE was asked by, if it was a name (not an id or digest). */
function nameFor(record: ImageRecord, asked: string): string | undefined {
  return record.names.find((n) => n === asked) ?? record.names.find((n) => nameMatches(n, asked));
}

export class SaveCommand extends BurrowCommand {
  static override paths = [['save'], ['image', 'save']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'save images to an archive',
    details: `
      Writes IMAGE to a docker-archive (the default), an oci-archive or an OCI image layout directory (oci-dir), on standard output or into FILE. The blobs are written as they are stored, so the digests of the config and the layers are the ones the image was loaded or pulled with.

      Without -m, further names after the first IMAGE are extra tags for it in the archive; with -m each names an image of its own (docker-archive only).
    `,
    examples: [
      ['Save an image to a file', '$0 save -o busybox.tar busybox'],
      ['Save as an OCI layout directory', '$0 save --format oci-dir -o busybox-oci busybox'],
    ],
  });

  output = Option.String('-o,--output', { description: 'Write to FILE (a directory for oci-dir) instead of standard output' });
  format = Option.String('--format', 'docker-archive', { description: 'Format: docker-archive, oci-archive or oci-dir' });
  multi = Option.Boolean('-m,--multi-image-archive', false, { description: 'Save every IMAGE named, not one image with extra tags (docker-archive)' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print nothing but errors' });
  images = Option.Rest({ required: 1, name: 'IMAGE' });

  async execute(): Promise<number> {
    const format = this.format as SaveFormat;
    if (!SAVE_FORMATS.includes(format)) throw new UsageError(`unknown format \`${this.format}\`: use docker-archive, oci-archive or oci-dir`);
    if (this.multi && format !== 'docker-archive') throw new UsageError('--multi-image-archive can only be used with --format docker-archive');
    if (format === 'oci-dir' && (this.output === undefined || this.output === '-')) throw new UsageError('--format oci-dir needs a directory: give it with -o');
    const store = (await this.context.store()).init();
    const all = store.images();
    const [first, ...rest] = this.images as [string, ...string[]];
    let images: ImageToSave[];
    if (this.multi) {
      images = [];
      for (const ref of this.images) {
        const record = store.getImage(ref, all);
        const name = nameFor(record, ref);
        const have = images.find((i) => i.record.id === record.id);
        if (have) {
          if (name && !have.names.includes(name)) have.names.push(name);
        } else images.push({ record, names: name ? [name] : [] });
      }
    } else {
      const record = store.getImage(first, all);
      const name = nameFor(record, first);
      if (rest.length > 0 && format !== 'docker-archive') throw new UsageError(`--format ${format} takes one image name; extra names (tags) only go into a docker-archive`);
      const names = name ? [name] : [];
      for (const tag of rest) {
        const full = normalizeName(tag);
        if (!names.includes(full)) names.push(full);
      }
      images = [{ record, names }];
    }

    if (format === 'oci-dir') {
      const out = openOutputDir(this.output as string, store);
      try {
        await saveImages(store, images, format, { dir: out.dir });
        out.commit();
      } catch (err) {
        out.abort();
        throw err;
      }
      return 0;
    }
    const out = openOutput(this.output, this.context.stdout, 'refusing to save to terminal. Use -o flag or redirect', store);
    try {
      await saveImages(store, images, format, { out: out.stream });
      await out.commit();
    } catch (err) {
      out.abort();
      throw err;
    }
    return 0;
  }
}
