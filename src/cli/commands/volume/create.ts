import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../../errors.js';
import { BurrowCommand } from '../../base.js';

/** KEY=VALUE lists (--label, --opt). */
export function keyValues(list: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq === 0) throw new UsageError(`invalid ${flag} \`${item}\`: KEY=VALUE`);
    out[eq < 0 ? item : item.slice(0, eq)] = eq < 0 ? '' : item.slice(eq + 1);
  }
  return out;
}

export class VolumeCreateCommand extends BurrowCommand {
  static override paths = [['volume', 'create']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'create a named volume',
    details: `
      Creates a volume of the local driver, named NAME (or 64 random hex digits) and prints its name. Containers mount it with \`-v NAME:/path\`; it outlives them. burrow's local driver keeps the volume's files in a directory of the store; it takes no mount options (\`--opt\`, as podman's type=, device= and o=, is refused).
    `,
    examples: [['Create a volume', '$0 volume create data']],
  });

  driver = Option.String('-d,--driver', 'local', { description: 'The volume driver: local' });
  ignore = Option.Boolean('--ignore', false, { description: 'Do not fail when the volume exists: print its name' });
  label = Option.Array('-l,--label', [], { description: 'Set a label KEY=VALUE' });
  opt = Option.Array('-o,--opt', [], { description: 'Set a driver option KEY=VALUE (the local driver has none burrow supports)' });
  volume = Option.String({ name: 'NAME', required: false });

  async execute(): Promise<number> {
    if (this.driver !== 'local') throw new UsageError(`volume driver \`${this.driver}\` is not supported: burrow has the local driver`);
    const labels = keyValues(this.label, '--label');
    const options = keyValues(this.opt, '--opt');
    for (const key of Object.keys(options)) throw new UsageError(`volume option \`${key}\` is not supported by burrow's local driver (podman's type=, device= and o= mount a device, which a rootless user cannot)`);
    const store = (await this.context.store()).init();
    if (this.ignore && this.volume !== undefined && store.volumes.find(this.volume)) {
      this.context.stdout.write(`${this.volume}\n`);
      return 0;
    }
    try {
      const rec = store.volumes.create({ ...(this.volume !== undefined ? { name: this.volume } : {}), labels });
      this.context.stdout.write(`${rec.name}\n`);
    } catch (err) {
      if (err instanceof BurrowError && err.code === 'E_VOLUME_EXISTS' && this.ignore) this.context.stdout.write(`${this.volume}\n`);
      else throw err;
    }
    return 0;
  }
}
