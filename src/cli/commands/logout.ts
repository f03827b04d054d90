import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../errors.js';
import { RegistryAccess } from '../../registry/access.js';
import { removeAllCredentials, removeCredentials } from '../../registry/auth-file.js';
import { BurrowCommand } from '../base.js';
import { defaultRegistry, loginKey } from './login.js';

export class LogoutCommand extends BurrowCommand {
  static override paths = [['logout']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'log out of a container registry',
    details: `
      Removes the credentials saved for REGISTRY (by default the first of registries.conf's \`unqualified-search-registries\`) from the auth file (\`$XDG_RUNTIME_DIR/containers/auth.json\`, or \`--authfile\`); with \`-a\`, every registry's.
    `,
    examples: [
      ['Log out of a registry', '$0 logout registry.example.com'],
      ['Log out of every registry', '$0 logout -a'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove the credentials of every registry' });
  authfile = Option.String('--authfile', { description: "Remove the credentials from FILE instead of podman's auth.json" });
  registry = Option.String({ name: 'REGISTRY', required: false });

  async execute(): Promise<number> {
    if (this.all) {
      if (this.registry !== undefined) throw new UsageError('--all takes no registry');
      await removeAllCredentials(this.context.env, this.authfile);
      this.context.stdout.write('Removed login credentials for all registries\n');
      return 0;
    }
    const key = loginKey(this.registry ?? defaultRegistry(new RegistryAccess(this.context.env)));
    if (!(await removeCredentials(this.context.env, key, this.authfile))) throw new BurrowError('E_NOT_LOGGED_IN', `not logged into ${key}`);
    this.context.stdout.write(`Removed login credentials for ${key}\n`);
    return 0;
  }
}
