import { join } from 'node:path';

import * as Option from 'clipanion/lib/advanced/options';

import { packageRoot } from '../../../config/install.js';
import { BurrowCommand } from '../../base.js';
import { openOutput, workerToOutput } from '../../output-file.js';

export class VolumeExportCommand extends BurrowCommand {
  static override paths = [['volume', 'export']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: "write a volume's files as a tar archive",
    details: `
      Writes the files of VOLUME as a tar archive to standard output or FILE, with the owners, modes and times the containers see (read inside burrow's user namespace).
    `,
    examples: [['Back a volume up', '$0 volume export -o data.tar data']],
  });

  output = Option.String('-o,--output', { description: 'Write to FILE instead of standard output' });
  volume = Option.String({ name: 'VOLUME' });

  async execute(): Promise<number> {
    const store = (await this.context.store()).init();
    store.volumes.get(this.volume);
    const out = openOutput(this.output, this.context.stdout, 'refusing to export to terminal. Use -o flag or redirect', store);
    try {
      await workerToOutput(this.context.sys, [process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), '--internal-worker', 'tar', store.volumes.mountpoint(this.volume)], out, this.context.stdout);
      await out.commit();
    } catch (err) {
      out.abort();
      throw err;
    }
    return 0;
  }
}
