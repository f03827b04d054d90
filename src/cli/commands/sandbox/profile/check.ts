import * as Option from 'clipanion/lib/advanced/options';

import { packageRoot } from '../../../../config/install.js';
import { findProfile, profileDirs, readProfile } from '../../../../sandbox/profile.js';
import { BurrowCommand } from '../../../base.js';

export class SandboxProfileCheckCommand extends BurrowCommand {
  static override paths = [['sandbox', 'profile', 'check']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'check sandbox profiles',
    details: `
      Reads each PROFILE (a name, or the path of a .toml file) as \`burrow sandbox --profile\` would, and prints \`NAME: ok\` for each; the first that is malformed TOML, has an unknown key or a value of the wrong kind is one error naming its file, the key and the reason (exit 125).
    `,
    examples: [
      ['Check a profile of yours before using it', '$0 sandbox profile check ~/.config/burrow/sandbox/mine.toml'],
      ['Check every profile', '$0 sandbox profile check $(burrow sandbox profile ls -q)'],
    ],
  });

  profiles = Option.Rest({ name: 'PROFILE', required: 1 });

  async execute(): Promise<number> {
    const dirs = profileDirs(this.context.paths.config, packageRoot);
    for (const name of this.profiles) {
      const profile = readProfile(findProfile(name, dirs));
      this.context.stdout.write(`${profile.name}: ok\n`);
    }
    return 0;
  }
}
