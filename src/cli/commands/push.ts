import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isatty } from 'node:tty';

import * as Option from 'clipanion/lib/advanced/options';

import { BurrowError, UsageError } from '../../errors.js';
import { addToLayout, ociManifestDigest, saveImages } from '../../image/save.js';
import { type FileReference, parseFileReference } from '../../image/file-reference.js';
import { nameMatches, normalizeName, parseReference, type Reference } from '../../oci/reference.js';
import type { ImageRecord, Store } from '../../storage/store.js';
import { RegistryAccess } from '../../registry/access.js';
import { parallelCopies } from '../../registry/containers-conf.js';
import { reporting } from '../../registry/progress.js';
import type { Compression } from '../../oci/image.js';
import { type ManifestFormat, pushImage } from '../../registry/push.js';
import { BurrowCommand } from '../base.js';
import { retryFlags } from '../duration.js';
import { openOutput, openOutputDir } from '../output-file.js';

/** DEST as podman takes it: `docker://REF` or a bare reference (the file transports are taken before). */
function destination(text: string): Reference {
  const m = /^([a-z-]+):(?!\d)(.*)$/.exec(text);
  if (m !== null && m[1] !== 'docker') {
    throw new BurrowError('E_USAGE', `push to \`${m[1]}:\` is not supported: give docker://, oci:, oci-archive: or docker-archive:`);
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
    description: 'push an image to a registry, an image layout or an archive',
    details: `
      Copies IMAGE from local storage to DEST (\`docker://HOST/REPOSITORY[:TAG]\`, or the same without \`docker://\`; by default the image's own name). Blobs the registry already has are not sent again; the others are uploaded as the store keeps them, so their digests stay the same. The registry is reached as \`burrow pull\` reaches it (registries.conf, certs.d, auth files).

      DEST may also be \`oci:DIR[:REF]\` (an OCI image layout: a layout already in DIR gets the image added, its blobs kept, index.json replaced atomically), \`oci-archive:PATH[:REF]\` or \`docker-archive:PATH[:REF]\` (written under a temporary name and renamed into place). REF is the image's \`org.opencontainers.image.ref.name\` (OCI) or its tag (docker-archive, by default the image's own name). The blobs are written as stored, so config and layer digests stay the same.
    `,
    examples: [
      ['Push under another name', '$0 push localhost/app registry.example.com/team/app:1'],
      ['To a registry without TLS', '$0 push --tls-verify=false 127.0.0.1:5000/app'],
      ['Into an OCI image layout', '$0 push localhost/app oci:/srv/layouts/app:1.0'],
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
    const file = this.dest === undefined ? undefined : parseFileReference(this.dest);
    if (file) {
      if (compression !== undefined) throw new UsageError(`--compression-format: ${file.transport}: is written with the layers as stored; recompressing is for registries`);
      await this.pushToFile(store, image, file);
      return 0;
    }
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
    const { progress, bars } = reporting(this.context.stderr, { quiet: this.quiet, tty: isatty(2) });
    try {
      const parallel = parallelCopies(this.context.env);
      const digest = await pushImage(store, access, { image, dest, format, progress, bars, compression, compressionLevel, parallel });
      if (this.digestfile !== undefined) writeFileSync(this.digestfile, digest);
    } finally {
      bars?.stop();
      access.close();
    }
    return 0;
  }

  /** oci:DIR[:REF] (added to a layout already there), oci-archive:PATH[:REF], docker-archive:PATH[:REF] (written atomically). */
  private async pushToFile(store: Store, image: ImageRecord, file: FileReference): Promise<void> {
    const docker = file.transport === 'docker-archive';
    if (this.format !== undefined && this.format !== (docker ? 'v2s2' : 'oci'))
      throw new UsageError(`--format ${this.format}: ${file.transport}: holds ${docker ? 'v2s2' : 'oci'} manifests only`);
    if (docker && this.digestfile !== undefined) throw new UsageError('--digestfile: a docker-archive holds no manifest whose digest could be written');
    let names: string[];
    if (docker) {
      const own = image.names.find((n) => nameMatches(n, this.image)) ?? image.names[0];
      try {
        names = file.ref !== undefined ? [normalizeName(file.ref, 'docker.io')] : own !== undefined ? [own] : [];
      } catch {
        throw new UsageError(`${file.transport}:${file.typed}:${file.ref ?? ''}: \`${file.ref ?? ''}\` is not a name:tag`);
      }
    } else names = file.ref !== undefined ? [file.ref] : [];
    const images = [{ record: image, names }];
    if (file.transport === 'oci') {
      if (existsSync(join(file.path, 'index.json'))) await addToLayout(store, images, file.path);
      else {
        const out = openOutputDir(file.path, store);
        try {
          await saveImages(store, images, 'oci-dir', { dir: out.dir });
        } catch (err) {
          out.abort();
          throw err;
        }
        out.commit();
      }
    } else {
      const out = openOutput(file.path, this.context.stdout, '', store);
      try {
        await saveImages(store, images, docker ? 'docker-archive' : 'oci-archive', { out: out.stream });
      } catch (err) {
        out.abort();
        throw err;
      }
      await out.commit();
    }
    if (this.digestfile !== undefined) writeFileSync(this.digestfile, ociManifestDigest(store, image));
  }
}
