import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError } from '../../../errors.js';
import { formatReference } from '../../../oci/reference.js';
import { RegistryAccess } from '../../../registry/access.js';
import { MANIFEST_ACCEPT } from '../../../registry/pull.js';
import { BurrowCommand } from '../../base.js';
import { isatty } from 'node:tty';

export class ManifestInspectCommand extends BurrowCommand {
  static override paths = [['manifest', 'inspect']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: "print an image's manifest or manifest list from its registry",
    details: `
      Fetches the manifest of IMAGE (a manifest list, or OCI index, when the registry has one) from its registry and prints it as JSON, indented as podman prints it. The registry is reached as \`burrow pull\` reaches it.
    `,
    examples: [['The platforms of an image', '$0 manifest inspect registry.example.com/app:1']],
  });

  authfile = Option.String('--authfile', { description: "Read credentials from FILE (default: podman's auth.json)" });
  tlsVerify = Option.Boolean('--tls-verify', { description: 'Require HTTPS and verify certificates (default: true, or as registries.conf says)' });
  image = Option.String({ name: 'IMAGE' });

  async execute(): Promise<number> {
    const access = new RegistryAccess(this.context.env, { tlsVerify: this.tlsVerify, authfile: this.authfile, log: this.context.log });
    try {
      const { ref, client } = access.remote(this.image, isatty(0));
      const { bytes } = await client.manifest(ref.path, ref.digest ?? ref.tag ?? 'latest', MANIFEST_ACCEPT);
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch {
        throw new BurrowError('E_MANIFEST', `${formatReference(ref)}: the manifest is not valid JSON`);
      }
      this.context.stdout.write(`${JSON.stringify(parsed, null, 4)}\n`);
    } finally {
      access.close();
    }
    return 0;
  }
}
