import * as Option from 'clipanion/lib/advanced/options';

import { packageRoot } from '../../../../config/install.js';
import { writeReport } from '../../../../format/report.js';
import { listProfiles, profileDirs, readProfile } from '../../../../sandbox/profile.js';
import { BurrowCommand } from '../../../base.js';

export class SandboxProfileLsCommand extends BurrowCommand {
  static override paths = [['sandbox', 'profile', 'ls'], ['sandbox', 'profile', 'list']];

  static override usage = BurrowCommand.Usage({
    category: 'containers',
    description: 'list the sandbox profiles',
    details: `
      Lists the profiles \`burrow sandbox --profile NAME\` takes: yours, in $XDG_CONFIG_HOME/burrow/sandbox/NAME.toml, and those burrow ships (a profile of yours hides a shipped one of the same name). NAME, SOURCE (user or shipped) and DESCRIPTION.
    `,
    examples: [['The profiles there are', '$0 sandbox profile ls']],
  });

  format = Option.String('--format', { description: 'Format the output with a Go template, `table ...` or `json`' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print the names only' });

  async execute(): Promise<number> {
    const found = listProfiles(profileDirs(this.context.paths.config, packageRoot));
    if (this.quiet) {
      for (const p of found) this.context.stdout.write(`${p.name}\n`);
      return 0;
    }
    // A profile that cannot be read is listed all the same, saying why (`check` names the key).
    const rows = found.map((p) => {
      let description: string;
      try {
        description = readProfile(p).description;
      } catch (err) {
        description = `(cannot be read: ${(err as Error).message.replace(`${p.file}: `, '')})`;
      }
      return { Name: p.name, Source: p.shipped ? 'shipped' : 'user', File: p.file, Description: description };
    });
    writeReport(this.context.stdout, { name: 'sandbox profile ls', format: this.format, table: 'table {{.Name}}\t{{.Source}}\t{{.Description}}', headers: {}, rows, json: () => rows });
    return 0;
  }
}
