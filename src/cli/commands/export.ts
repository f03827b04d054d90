import { join } from 'node:path';

import * as Option from 'clipanion/lib/advanced/options';

import { packageRoot } from '../../config/install.js';
import { BurrowError } from '../../errors.js';
import { rootfsSteps } from '../../runtime/compile.js';
import { containerLayout } from '../../runtime/container.js';
import { BurrowCommand } from '../base.js';
import { openOutput, workerToOutput } from '../output-file.js';

export class ExportCommand extends BurrowCommand {
  static override paths = [['export'], ['container', 'export']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: "export a container's filesystem as a tar archive",
    details: `
      Writes the container's root filesystem (its image's layers with the container's changes on top) as a tar archive to standard output or FILE, with the owners, modes and times the container sees. The container may be running or stopped.
    `,
    examples: [['Export a container', '$0 export -o web.tar web']],
  });

  output = Option.String('-o,--output', { description: 'Write to FILE instead of standard output' });
  container = Option.String({ required: true });

  async execute(): Promise<number> {
    const store = (await this.context.store({ containers: true })).init();
    const { containers } = store;
    const record = containers.get(this.container);
    const out = openOutput(this.output, this.context.stdout, 'refusing to export to terminal. Use -o flag or redirect', store);
    try {
      // The overlay is mounted in the worker's own mount namespace: it goes away with the worker.
      const { root, overlay } = containerLayout(store, record);
      const mounts = rootfsSteps(root, overlay);
      await workerToOutput(this.context.sys, [process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), '--internal-worker', 'tar', root], out, this.context.stdout, { mounts });
      await out.commit();
    } catch (err) {
      out.abort();
      if (err instanceof BurrowError && (err.code === 'E_USERNS' || err.code === 'E_HELPER_STEP'))
        throw new BurrowError('E_EXPORT', `export container ${record.name}: ${err.message}`, { cause: err });
      throw err;
    }
    return 0;
  }
}
