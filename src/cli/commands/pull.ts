import * as Option from 'clipanion/lib/advanced/options';

import { pullFromFile } from '../../image/transports.js';
import { BurrowCommand } from '../base.js';
import { pullImages } from '../pull-images.js';

export class PullCommand extends BurrowCommand {
  static override paths = [['pull'], ['image', 'pull']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'pull images from a registry or from an image layout or archive',
    details: `
      Copies each IMAGE from its registry into local storage and prints its id. A short name (\`busybox\`) is resolved as podman resolves it, through the aliases and \`unqualified-search-registries\` of registries.conf. For a manifest list, the image of the host's platform is pulled (or the one \`--platform\`, \`--os\`, \`--arch\`, \`--variant\` ask for). Layers already in the store are not fetched; the others are fetched in parallel, each checked against its digest and unpacked as it arrives. Nothing is stored unless the whole image is good.

      IMAGE may also name a file transport, as podman and skopeo do: \`oci:DIR[:REF]\` (an OCI image layout), \`oci-archive:PATH[:REF]\` or \`docker-archive:PATH[:REF]\`. REF chooses the image when there are several: its \`org.opencontainers.image.ref.name\` for OCI, a tag or \`@N\` (counting from 0) for docker-archive. The image is named as podman names it: \`localhost/DIR:latest\` from \`oci:\`, its reference name from an oci-archive, its tags from a docker-archive. policy.json is checked for the transport.

      Progress goes to standard error (podman's lines); the id, last, to standard output.
    `,
    examples: [
      ['Pull an image', '$0 pull registry.example.com/tools/busybox:1.36'],
      ['From a registry without TLS', '$0 pull --tls-verify=false 127.0.0.1:5000/busybox'],
      ['From an oci-archive that skopeo wrote', '$0 pull oci-archive:busybox.tar'],
    ],
  });

  allTags = Option.Boolean('-a,--all-tags', false, { description: 'Pull every tag of the repository' });
  arch = Option.String('--arch', { description: 'Pull the image for ARCH instead of the host architecture' });
  authfile = Option.String('--authfile', { description: 'Read credentials from FILE (default: podman\'s auth.json)' });
  certDir = Option.String('--cert-dir', { description: 'Use the certificates in DIR (*.crt CAs, *.cert/*.key client pairs) to reach the registry' });
  creds = Option.String('--creds', { description: 'Log in to the registry as USER:PASSWORD' });
  os = Option.String('--os', { description: 'Pull the image for OS instead of the host OS' });
  platform = Option.String('--platform', { description: 'Pull the image for OS/ARCH[/VARIANT]' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the image id' });
  retry = Option.String('--retry', { description: 'Try again this many times after a network failure (default 3)' });
  retryDelay = Option.String('--retry-delay', { description: 'Wait DURATION between tries (default 2s, doubling)' });
  tlsVerify = Option.Boolean('--tls-verify', { description: 'Require HTTPS and verify certificates (default: true, or as registries.conf says)' });
  variant = Option.String('--variant', { description: 'Pull the image for this architecture VARIANT' });
  images = Option.Rest({ name: 'IMAGE', required: 1 });

  async execute(): Promise<number> {
    return pullImages(this, this.context, pullFromFile);
  }
}
