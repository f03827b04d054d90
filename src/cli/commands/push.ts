import { writeFileSync } from 'node:fs';
import { isatty } from 'node:tty';

import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../errors.js';
import { nameMatches, parseReference, type Reference } from '../../oci/reference.js';
import { RegistryAccess } from '../../registry/access.js';
import { TerminalProgress } from '../../registry/progress.js';
import { type Compression, type ManifestFormat, pushImage } from '../../registry/push.js';
import { BurrowCommand } from '../base.js';
import { retryFlags } from '../duration.js';

/** DEST as podman takes it: `docker://REF` or a bare reference; other transports are not written by push yet. */
function destination(text: string): Reference {
  const m = /^([a-z-]+):(?!\d)(.*)$/.exec(text);
  if (m !== null && m[1] !== 'docker') {
    throw new BurrowError('E_USAGE', `push to \`${m[1]}:\` is not supported yet: use \`burrow save\` for archives, or a docker:// destination`);
  }
  const ref = text.startsWith('docker://') ? text.slice('docker://'.length) : text;
  const parsed = parseReference(ref, '');
  if (parsed.domain === '') throw new UsageError(`push destination \`${text}\` names no registry: give HOST/REPOSITORY[:TAG]`);
  return parsed;
}

export class PushCommand extends BurrowCommand {
  static override paths = [['push'], ['image', 'push']];

  static override usage = BurrowCommand.Usage({
    category: 'images',
    description: 'push an image to a registry',
    details: `
      Copies IMAGE from local storage to DEST (\`docker://HOST/REPOSITORY[:TAG]\`, or the same without \`docker://\`; by default the image's own name). Blobs the registry already has are not sent again; the others are uploaded as the store keeps them, so their digests stay the same. The registry is reached as \`burrow pull\` reaches it (registries.conf, certs.d, auth files).
    `,
    examples: [
      ['Push under another name', '$0 push localhost/app registry.example.com/team/app:1'],
      ['To a registry without TLS', '$0 push --tls-verify=false 127.0.0.1:5000/app'],
    ],
  });

  authfile = Option.String('--authfile', { description: "Read credentials from FILE (default: podman's auth.json)" });
  certDir = Option.String('--cert-dir', { description: 'Use the certificates in DIR (*.crt CAs, *.cert/*.key client pairs) to reach the registry' });
  creds = Option.String('--creds', { description: 'Log in to the registry as USER:PASSWORD' });
  compressionFormat = Option.String('--compression-format', { description: 'Push layers compressed with gzip or zstd (layers stored otherwise are recompressed)' });
  compressionLevel = Option.String('--compression-level', { description: 'The compression level: gzip 1-9, zstd 1-19' });
  digestfile = Option.String('--digestfile', { description: "Write the manifest's digest to FILE" });
  format = Option.String('-f,--format', { description: 'Manifest format: oci or v2s2 (default: as stored)' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print nothing but errors' });
  removeSignatures = Option.Boolean('--remove-signatures', false, { description: 'Copy no signatures (none are stored, so none are copied either way)' });
  retry = Option.String('--retry', { description: 'Try again this many times after a network failure (default 3)' });
  retryDelay = Option.String('--retry-delay', { description: 'Wait DURATION between tries (default 2s, doubling)' });
  tlsVerify = Option.Boolean('--tls-verify', { description: 'Require HTTPS and verify certificates (default: true, or as registries.conf says)' });
  image = Option.String({ name: 'IMAGE' });
  dest = Option.String({ name: 'DEST', required: false });

  async execute(): Promise<number> {
    let format: ManifestFormat | undefined;
    if (this.format !== undefined) {
      if (this.format !== 'oci' && this.format !== 'v2s2') throw new UsageError(`unknown format "${this.format}": use oci or v2s2`);
      format = this.format;
    }
    let compression: Compression | undefined;
    if (this.compressionFormat !== undefined) {
      if (this.compressionFormat !== 'gzip' && this.compressionFormat !== 'zstd') throw new UsageError(`unknown compression format "${this.compressionFormat}": use gzip or zstd`);
      compression = this.compressionFormat;
    }
    let compressionLevel: number | undefined;
    if (this.compressionLevel !== undefined) {
      const max = compression === 'zstd' ? 19 : 9;
      if (compression === undefined) throw new UsageError('--compression-level needs --compression-format');
      if (!/^\d+$/.test(this.compressionLevel) || Number(this.compressionLevel) < 1 || Number(this.compressionLevel) > max)
        throw new UsageError(`invalid --compression-level "${this.compressionLevel}": ${compression} takes 1 to ${max}`);
      compressionLevel = Number(this.compressionLevel);
    }
    const { retries, retryDelayMs } = retryFlags(this.retry, this.retryDelay);
    const store = (await this.context.store()).init();
    const image = store.getImage(this.image);
    const dest = destination(this.dest ?? image.names.find((n) => nameMatches(n, this.image)) ?? image.names[0] ?? this.image);
    const access = new RegistryAccess(this.context.env, {
      tlsVerify: this.tlsVerify,
      certDir: this.certDir,
      creds: this.creds,
      authfile: this.authfile,
      retries,
      retryDelayMs,
      log: this.context.log,
    });
    // podman's bars on a terminal, its plain lines elsewhere.
    const bars = !this.quiet && isatty(2) ? new TerminalProgress(this.context.stderr, () => process.stderr.columns ?? 80) : undefined;
    try {
      const progress = this.quiet ? undefined : bars ? (line: string) => bars.line(line) : (line: string) => this.context.stderr.write(`${line}\n`);
      const digest = await pushImage(store, access, { image, dest, format, progress, bars, compression, compressionLevel });
      if (this.digestfile !== undefined) writeFileSync(this.digestfile, digest);
    } finally {
      bars?.stop();
      access.close();
    }
    return 0;
  }
}
