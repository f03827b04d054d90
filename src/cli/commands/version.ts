import { VERSION } from '../../config/install.js';
import { PLAN_VERSION } from '../../system/plan.js';
import { BurrowCommand } from '../base.js';

export class VersionCommand extends BurrowCommand {
  static override paths = [['version']];

  static override usage = BurrowCommand.Usage({
    category: 'system',
    description: 'show the version of burrow',
  });

  async execute(): Promise<number> {
    this.context.stdout.write(`Version:      ${VERSION}\nPlan version: ${PLAN_VERSION}\nNode:         ${process.version}\nOS/Arch:      ${process.platform}/${process.arch}\n`);
    return 0;
  }
}
