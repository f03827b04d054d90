import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { isatty } from 'node:tty';

import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, errnoCode } from '../../errors.js';
import { applyChange } from '../../image/change.js';
import { importTarball } from '../../image/import.js';
import type { ContainerConfig } from '../../oci/image.js';
import { normalizeName } from '../../oci/reference.js';
import { BurrowCommand } from '../base.js';

export class ImportCommand extends BurrowCommand {
  static override paths = [['import'], ['image', 'import']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'create an image from a tarball of a root filesystem',
    details: `
      Makes a one-layer image from TARBALL (a tar archive, plain, gzip- or zstd-compressed; \`-\` reads standard input), named REFERENCE when one is given. The layer is checked and unpacked as any image layer is; the image's configuration is empty but for what --change sets. Prints the new image's id.
    `,
    examples: [
      ['Import a root filesystem', '$0 import rootfs.tar myimage'],
      ['Import from standard input, with a command', "tar -C rootfs -c . | $0 import --change 'CMD [\"/bin/sh\"]' - myimage"],
    ],
  });

  change = Option.Array('-c,--change', [], { description: 'Apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR' });
  message = Option.String('-m,--message', { description: "Set the comment of the image's history entry" });
  arch = Option.String('--arch', { description: 'Set the architecture of the image (default: this machine)' });
  os = Option.String('--os', { description: 'Set the operating system of the image (default: linux)' });
  variant = Option.String('--variant', { description: 'Set the architecture variant of the image' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the image id' });
  tarball = Option.String({ required: true });
  reference = Option.String({ required: false });

  async execute(): Promise<number> {
    const config: ContainerConfig = {};
    for (const c of this.change) applyChange(config, c);
    const name = this.reference === undefined ? undefined : normalizeName(this.reference);

    let stream: Readable;
    let source: string;
    if (this.tarball === '-') {
      source = 'standard input';
      if (isatty(0)) throw new BurrowError('E_IMPORT', 'cannot read a tarball from a terminal: give a file or redirect standard input');
      stream = process.stdin;
    } else {
      source = this.tarball;
      let isDir = false;
      try {
        isDir = statSync(this.tarball).isDirectory();
      } catch (err) {
        throw new BurrowError('E_IMPORT', `import \`${this.tarball}\`: ${errnoCode(err) === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      if (isDir) throw new BurrowError('E_IMPORT', `import \`${this.tarball}\`: is a directory`);
      stream = createReadStream(this.tarball);
    }

    const progress = (line: string): void => {
      if (!this.quiet) this.context.stderr.write(`${line}\n`);
    };
    const store = (await this.context.store()).init();
    const { record, warnings } = await importTarball(store, stream, source, { name, config, message: this.message, arch: this.arch, os: this.os, variant: this.variant }, progress);
    for (const w of warnings) this.context.stderr.write(`Warning: ${w}\n`);
    this.context.stdout.write(`sha256:${record.id}\n`);
    return 0;
  }
}
