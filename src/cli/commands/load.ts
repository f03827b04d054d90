import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { resolve } from 'node:path';
import { isatty } from 'node:tty';

import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, errnoCode } from '../../errors.js';
import { readArchive, readArchiveFile, readDirectory } from '../../image/archive.js';
import { Ingest } from '../../image/ingest.js';
import { BurrowCommand } from '../base.js';

export class LoadCommand extends BurrowCommand {
  static override paths = [['load'], ['image', 'load']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'load images from an archive or an image layout directory',
    details: `
      Reads an archive written by \`burrow save\`, \`podman save\`, \`docker save\` or \`skopeo copy\` (docker-archive or oci-archive, optionally gzip-compressed; the kind is detected) from FILE or standard input, checks every digest, unpacks the layers and stores the images. Nothing is stored unless the whole archive is good.

      FILE may also be a directory: an OCI image layout (as \`burrow save --format oci-dir\` and \`skopeo copy oci:DIR\` write it) or the files of a docker-archive unpacked (manifest.json and the layers it names). Only the blobs the layout names are read; nothing outside the directory is, and a symbolic link leading out of it is an error.
    `,
    examples: [
      ['Load an archive', '$0 load -i busybox.tar'],
      ['Load an OCI image layout directory', '$0 load -i busybox-oci'],
    ],
  });

  input = Option.String('-i,--input', { description: 'Read from FILE (an archive or a layout directory) instead of standard input' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Do not print the names of the loaded images' });

  async execute(): Promise<number> {
    let stream: Readable | undefined;
    // A plain file: its layers are read in place by the workers (readArchiveFile), unless it is not a plain tar.
    let file: string | undefined;
    let source: string;
    if (this.input !== undefined) {
      source = this.input;
      let isDir: boolean;
      try {
        const st = statSync(this.input);
        isDir = st.isDirectory();
        if (st.isFile()) file = resolve(this.input);
      } catch (err) {
        throw new BurrowError('E_LOAD', `load \`${this.input}\`: ${errnoCode(err) === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      if (!isDir && file === undefined) stream = createReadStream(this.input, { highWaterMark: 1 << 20 });
    } else {
      source = 'standard input';
      if (isatty(0)) throw new BurrowError('E_LOAD', 'cannot read an archive from a terminal: give a file with -i or redirect standard input');
      stream = process.stdin;
    }
    const store = (await this.context.store()).init();
    const ingest = new Ingest(store);
    try {
      const inPlace = file !== undefined ? await readArchiveFile(file, ingest, source) : undefined;
      if (file !== undefined && inPlace === undefined) stream = createReadStream(file, { highWaterMark: 1 << 20 });
      const images = inPlace ?? (stream ? await readArchive(stream, ingest, source) : await readDirectory(source, ingest, source));
      const records = await ingest.commit(images);
      for (const w of ingest.warnings) this.context.stderr.write(`Warning: ${w}\n`);
      if (!this.quiet)
        records.forEach((r, i) => {
          const names = images[i]?.names ?? [];
          if (names.length === 0) this.context.stdout.write(`Loaded image: sha256:${r.id}\n`);
          for (const n of names) this.context.stdout.write(`Loaded image: ${n}\n`);
        });
    } finally {
      await ingest.cleanup();
    }
    return 0;
  }
}
