import { readFileSync } from 'node:fs';

import * as Option from 'clipanion/lib/advanced/options';

import { packageRoot } from '../../../../config/install.js';
import { findProfile, profileDirs, readProfile } from '../../../../sandbox/profile.js';
import { BurrowCommand } from '../../../base.js';

export class SandboxProfileShowCommand extends BurrowCommand {
  static override paths = [['sandbox', 'profile', 'show']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'print a sandbox profile',
    details: `
      Prints the file of the profile NAME (yours, else the one burrow ships), after a comment naming it. \`burrow sandbox --profile NAME --print COMMAND\` shows the bwrap command line it makes.
    `,
    examples: [['The browser profile', '$0 sandbox profile show browser']],
  });

  profile = Option.String({ name: 'PROFILE' });

  async execute(): Promise<number> {
    const found = findProfile(this.profile, profileDirs(this.context.paths.config, packageRoot));
    readProfile(found); // a profile that would be refused is not shown as if it were one
    this.context.stdout.write(`# ${found.file}\n${readFileSync(found.file, 'utf8')}`);
    return 0;
  }
}
