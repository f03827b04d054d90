/**
 * `import`: a one-layer image from a tarball of a root filesystem. The layer
 * is checked and unpacked as any image layer is (ingest.ts); the image's
 * configuration is empty but for what `--change` set.
 */
import type { Readable } from 'node:stream';

import { BurrowError } from '../errors.js';
import { hex } from '../oci/digest.js';
import { type ContainerConfig, goArch, type ImageConfig, layerMediaType, type Manifest, MediaType } from '../oci/image.js';
import type { ImageRecord, Store } from '../storage/store.js';
import { Ingest } from './ingest.js';

export interface ImportOptions {
  /** the image's name, normalised */
  name: string | undefined;
  config: ContainerConfig;
  /** the history entry's comment */
  message: string | undefined;
  arch: string | undefined;
  os: string | undefined;
  variant: string | undefined;
}

/**
 * Reads the tarball from `stream` (`source` names it in messages) into a new
 * image. `progress` gets podman's lines; the warnings of the unpacking are
 * returned with the record.
 */
export async function importTarball(
  store: Store,
  stream: Readable,
  source: string,
  opts: ImportOptions,
  progress: (line: string) => void,
): Promise<{ record: ImageRecord; warnings: string[] }> {
  const ingest = new Ingest(store);
  try {
    progress('Getting image source signatures');
    const layer = await ingest.addBlob(stream, undefined, `import \`${source}\``, 'layer');
    if (!layer.layer) throw new BurrowError('E_IMPORT', `import \`${source}\`: not a tar archive`);
    progress(`Copying blob ${hex(layer.digest)}`);
    const created = new Date().toISOString();
    const image: ImageConfig = {
      created,
      architecture: opts.arch ?? goArch(),
      os: opts.os ?? 'linux',
      ...(opts.variant ? { variant: opts.variant } : {}),
      config: opts.config,
      rootfs: { type: 'layers', diff_ids: [layer.layer.diffId] },
      history: [{ created, created_by: `/bin/sh -c #(nop) ADD file:${hex(layer.layer.diffId)} in / `, ...(opts.message !== undefined ? { comment: opts.message } : {}) }],
    };
    const configBlob = ingest.addJson(Buffer.from(JSON.stringify(image)));
    progress(`Copying config ${hex(configBlob.digest)}`);
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers: [{ mediaType: layerMediaType(layer.layer.compression, 'oci'), digest: layer.digest, size: layer.size }],
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    ingest.addJson(manifestBytes);
    progress('Writing manifest to image destination');
    const [record] = await ingest.commit([{ manifest, manifestBytes, names: opts.name ? [opts.name] : [] }]);
    if (!record) throw new BurrowError('E_IMPORT', `import \`${source}\`: no image was written`);
    return { record, warnings: ingest.warnings };
  } finally {
    await ingest.cleanup();
  }
}
