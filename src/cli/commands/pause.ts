import { BurrowCommand } from '../base.js';
import { FREEZE_DETAILS, FreezeCommand } from '../options/freeze.js';

export class PauseCommand extends FreezeCommand {
  static override paths = [['pause'], ['container', 'pause']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'pause the processes of one or more containers',
    details: `
      Freezes every process of each running container at once, through the cgroup v2 freezer of the container's own cgroup, as podman does. ${FREEZE_DETAILS}
    `,
    examples: [['Freeze a container', '$0 pause web']],
  });

  protected readonly freeze = true;
}
