import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import * as Option from 'clipanion/lib/advanced/options';

import { packageRoot } from '../../../config/install.js';
import { BurrowError } from '../../../errors.js';
import { BurrowCommand } from '../../base.js';
import { openOutput } from '../../output-file.js';

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
      const worker = this.context.sys.startInUserns([process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), '--internal-worker', 'tar', store.volumes.mountpoint(this.volume)], { stdout: 'pipe' });
      if (!worker.stdout) throw new BurrowError('E_VOLUME', 'volume export: the worker has no output');
      await Promise.all([pipeline(worker.stdout, out.stream, { end: out.stream !== this.context.stdout }), worker.done]);
      await out.commit();
    } catch (err) {
      out.abort();
      throw err;
    }
    return 0;
  }
}
