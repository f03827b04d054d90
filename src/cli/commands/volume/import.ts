import { createReadStream, statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import * as Option from 'clipanion/lib/advanced/options';

import { packageRoot } from '../../../config/install.js';
import { BurrowError, errnoCode } from '../../../errors.js';
import { BurrowCommand } from '../../base.js';

export class VolumeImportCommand extends BurrowCommand {
  static override paths = [['volume', 'import']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'unpack a tar archive into a volume',
    details: `
      Unpacks the tar archive SOURCE (a file, or \`-\` for standard input) into VOLUME, replacing the files it names and keeping their owners (mapped into the containers' ids, inside burrow's user namespace). Nothing in the archive is written through a link.
    `,
    examples: [['Restore a volume', '$0 volume import data data.tar']],
  });

  volume = Option.String({ name: 'VOLUME' });
  source = Option.String({ name: 'SOURCE' });

  async execute(): Promise<number> {
    const store = (await this.context.store()).init();
    store.volumes.get(this.volume);
    let input: Readable;
    if (this.source === '-') {
      if (isatty(0)) throw new BurrowError('E_VOLUME', 'cannot read a tar archive from a terminal: give a file or redirect standard input');
      input = process.stdin;
    } else {
      try {
        if (statSync(this.source).isDirectory()) throw new BurrowError('E_VOLUME', `volume import \`${this.source}\`: is a directory`);
      } catch (err) {
        if (err instanceof BurrowError) throw err;
        throw new BurrowError('E_VOLUME', `volume import \`${this.source}\`: ${errnoCode(err) === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      }
      input = createReadStream(this.source);
    }
    const root = store.volumes.mountpoint(this.volume);
    const worker = this.context.sys.startInUserns([process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), '--internal-worker', 'cp-in', root, '/', '', '', '-'], { stdin: 'pipe', stdout: 'ignore' });
    if (!worker.stdin) throw new BurrowError('E_VOLUME', 'volume import: the worker has no input');
    await Promise.all([pipeline(input, worker.stdin).catch(() => undefined), worker.done]);
    return 0;
  }
}
