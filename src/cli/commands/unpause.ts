import { BurrowCommand } from '../base.js';
import { FREEZE_DETAILS, FreezeCommand } from '../options/freeze.js';

export class UnpauseCommand extends FreezeCommand {
  static override paths = [['unpause'], ['container', 'unpause']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'unpause the processes of one or more containers',
    details: `
      Thaws every process of each container that \`burrow pause\` froze, through the cgroup v2 freezer of the container's own cgroup, as podman does. ${FREEZE_DETAILS}
    `,
    examples: [['Thaw a container', '$0 unpause web']],
  });

  protected readonly freeze = false;
}
