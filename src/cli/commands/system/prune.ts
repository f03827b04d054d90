import * as Option from 'clipanion/lib/advanced/options';

import { goHumanSize } from '../../../format/report.js';
import { BurrowCommand } from '../../base.js';
import { untilFilter } from '../../duration.js';
import { confirm } from '../../prompt.js';

export class SystemPruneCommand extends BurrowCommand {
  static override paths = [['system', 'prune']];

  static override usage = BurrowCommand.Usage({
    category: 'system',
    description: 'remove stopped pods and containers, unused networks and images',
    details: `
      Removes every pod none of whose containers runs, every container that is not running, every user network no container is on, then the images without a name that no container uses (with \`--all\`, every image no container uses), and prints what went, as podman: under "Deleted Pods", "Deleted Containers", "Deleted Networks" and "Deleted Images", then the space freed. Asks first unless \`-f\`: the answer is a line of standard input, and anything but y or yes (or its end) removes nothing.
    `,
    examples: [['Remove everything unused without asking', '$0 system prune -a -f']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove every image no container uses, not only unnamed ones' });
  filter = Option.Array('--filter', [], { description: 'Only containers created before a time: until=TIME (a timestamp or a duration such as 24h)' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });
  volumes = Option.Boolean('--volumes', false, { description: 'Also remove the volumes no container uses' });

  async execute(): Promise<number> {
    const until = untilFilter(this.filter, 'system prune');
    const images = this.all ? 'all images without at least one container associated with them' : 'all dangling images';
    const vols = this.volumes ? '\t- all volumes not used by at least one container\n' : '';
    if (!this.force && !confirm(this.context.stdout, `WARNING! This command removes:\n\t- all pods without a running container\n\t- all stopped containers\n\t- all networks not used by at least one container\n${vols}\t- ${images}\n`)) return 0;
    const { pruneSystem } = await import('../../../runtime/prune.js');
    const store = (await this.context.store({ containers: true })).init();
    const report = await pruneSystem(this.context, store, { all: this.all, until, volumes: this.volumes });
    const out = this.context.stdout;
    if (report.pods.removed.length > 0) out.write(`Deleted Pods\n${report.pods.removed.join('\n')}\n`);
    if (report.containers.removed.length > 0) out.write(`Deleted Containers\n${report.containers.removed.join('\n')}\n`);
    if (report.networks.removed.length > 0) out.write(`Deleted Networks\n${report.networks.removed.join('\n')}\n`);
    if (report.volumes.length > 0) out.write(`Deleted Volumes\n${report.volumes.join('\n')}\n`);
    if (report.images.length > 0) out.write(`Deleted Images\n${report.images.join('\n')}\n`);
    out.write(`Total reclaimed space: ${goHumanSize(report.reclaimed)}\n`);
    const errors = [...report.pods.errors, ...report.containers.errors, ...report.networks.errors];
    for (const e of errors) this.context.stderr.write(`Error: ${e}\n`);
    return errors.length > 0 ? 125 : 0;
  }
}
