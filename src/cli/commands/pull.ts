import { isatty } from 'node:tty';

import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../errors.js';
import { parseFileReference, policyScope, pullFromFile } from '../../image/transports.js';
import { RegistryAccess } from '../../registry/access.js';
import { parallelCopies } from '../../registry/containers-conf.js';
import { checkPolicy } from '../../registry/policy.js';
import { hostPlatform, parsePlatform, type Platform, pullByName } from '../../registry/pull.js';
import { parseReference, formatReference } from '../../oci/reference.js';
import { imageEvent } from '../../runtime/events.js';
import { BurrowCommand } from '../base.js';
import { reporting } from '../../registry/progress.js';
import { choose as chooseOne } from '../../registry/choose.js';
import { retryFlags } from '../duration.js';

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
    const platform = platformOf(this);
    const { retries, retryDelayMs } = retryFlags(this.retry, this.retryDelay);
    const access = new RegistryAccess(this.context.env, {
      tlsVerify: this.tlsVerify,
      certDir: this.certDir,
      creds: this.creds,
      authfile: this.authfile,
      retries,
      retryDelayMs,
      log: this.context.log,
    });
    const store = (await this.context.store()).init();
    // podman's bars on a terminal, its plain lines elsewhere.
    const { progress, bars } = reporting(this.context.stderr, { quiet: this.quiet, tty: isatty(2) });
    // podman asks which registry a short name means only when it can: its stdin and stdout on a terminal.
    const tty = isatty(0) && isatty(1);
    const parallel = parallelCopies(this.context.env);
    const choose = (candidates: string[]) => chooseOne('Please select an image', candidates, 'choosing an image');
    try {
      for (const input of this.images) {
        const file = parseFileReference(input);
        if (file) {
          if (this.allTags) throw new UsageError(`--all-tags: \`${input}\` is not in a registry`);
          if (this.platform !== undefined || this.os !== undefined || this.arch !== undefined || this.variant !== undefined)
            throw new UsageError(`--platform, --os, --arch and --variant choose from a registry's manifest list; \`${input}\` is not in a registry`);
          checkPolicy(this.context.env, file.transport, policyScope(file));
          const image = await pullFromFile(store, input, file);
          imageEvent(this.context, 'pull', image.id, input);
          this.context.stdout.write(`${image.id}\n`);
          continue;
        }
        const names = this.allTags ? await allTags(access, input, tty) : [input];
        for (const name of names) {
          const { image } = await pullByName(store, access, name, { platform, retries, tty, progress, bars, choose, log: this.context.log, parallel });
          imageEvent(this.context, 'pull', image.id, name);
          this.context.stdout.write(`${image.id}\n`);
        }
      }
    } finally {
      bars?.stop();
      access.close();
    }
    return 0;
  }
}

function platformOf(opts: { platform?: string | undefined; os?: string | undefined; arch?: string | undefined; variant?: string | undefined }): Platform {
  if (opts.platform !== undefined && (opts.os !== undefined || opts.arch !== undefined || opts.variant !== undefined))
    throw new UsageError('--platform cannot be used with --os, --arch or --variant');
  const host = hostPlatform();
  if (opts.platform !== undefined) return parsePlatform(opts.platform);
  const architecture = opts.arch ?? host.architecture;
  return { os: opts.os ?? host.os, architecture, variant: opts.variant ?? (architecture === host.architecture ? host.variant : undefined) };
}


/** Every tag of the repository `input` names (`-a`): the name without its tag, each tag added. */
async function allTags(access: RegistryAccess, input: string, tty: boolean): Promise<string[]> {
  const parsed = parseReference(input, '');
  if (parsed.digest !== undefined || /:[^/]+$/.test(input)) throw new BurrowError('E_USAGE', `--all-tags: \`${input}\` names a tag or digest; give the repository alone`);
  const [candidate] = access.candidates(input, tty);
  if (candidate === undefined) return [];
  const tags = await access.client(candidate.domain, { repo: candidate.path }).tags(candidate.path);
  if (tags.length === 0) throw new BurrowError('E_NOT_FOUND', `${candidate.domain}/${candidate.path}: the repository has no tags`);
  return tags.map((t) => formatReference({ ...candidate, tag: t, digest: undefined }));
}
