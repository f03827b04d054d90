/**
 * `diff` and `commit`: what a container changed, read from its overlay's
 * upper dir by a worker in the user namespace (its files belong to mapped
 * ids); and a new image made of the container's image with that upper dir as
 * one more layer (deletions as whiteouts), or with `--squash` of its whole
 * root filesystem as the only layer. The layer goes through the same ingest
 * as any pulled or loaded one (checked, hashed, unpacked, nothing counted
 * until commit), so the result runs, saves and pushes like any image.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';

import { packageRoot } from '../config/install.js';
import { BurrowError } from '../errors.js';
import { Ingest } from '../image/ingest.js';
import { hex } from '../oci/digest.js';
import { type ContainerConfig, type ImageConfig, layerCompression, layerMediaType, type Manifest, MediaType } from '../oci/image.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { ImageRecord, Store } from '../storage/store.js';
import { rootfsSteps } from './compile.js';
import { containerLayout, type Env } from './container.js';

export interface Change {
  kind: 'A' | 'C' | 'D';
  path: string;
}

function worker(env: Env, args: string[], mounts: ReturnType<typeof rootfsSteps> = [], stdout: 'pipe' | number = 'pipe') {
  return env.sys.startInUserns([process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), '--internal-worker', ...args], { stdout, mounts });
}

async function readAll(stream: Readable | null): Promise<string> {
  let text = '';
  if (stream) for await (const chunk of stream) text += String(chunk);
  return text;
}

/** The upper dir of a container whose driver keeps one (overlay, fuse-overlayfs). */
function upperOf(store: Store, rec: ContainerRecord, what: string): { upper: string; layers: string[] } {
  if (rec.driver === 'copy')
    throw new BurrowError('E_DRIVER', `${what} container ${rec.name}: it uses the copy driver, which keeps no layer of its changes apart from the image's`);
  const { overlay, layers } = containerLayout(store, rec);
  return { upper: overlay?.upper ?? join(store.containers.dir(rec.id), 'upper'), layers };
}

/** What the container changed, sorted by path. */
export async function containerChanges(env: Env, store: Store, rec: ContainerRecord): Promise<Change[]> {
  const { upper, layers } = upperOf(store, rec, 'diff');
  const w = worker(env, ['changes', ...(rec.driver === 'fuse-overlayfs' ? ['--fuse'] : []), upper, ...layers]);
  const [text] = await Promise.all([readAll(w.stdout), w.done]).catch((err: unknown) => {
    throw err instanceof BurrowError ? new BurrowError(err.code, `diff of container ${rec.name}: ${err.message}`, { cause: err }) : err;
  });
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Change);
}

export interface CommitOptions {
  /** the new image's name, normalised (none: only its id) */
  name: string | undefined;
  /** the config after --change */
  config: ContainerConfig;
  message: string | undefined;
  author: string | undefined;
  squash: boolean;
  format: 'oci' | 'docker';
}

const TO_DOCKER: Record<string, string> = {
  [MediaType.ociLayer]: MediaType.dockerLayer,
  [MediaType.ociLayerGzip]: MediaType.dockerLayerGzip,
};
const TO_OCI: Record<string, string> = Object.fromEntries(Object.entries(TO_DOCKER).map(([oci, docker]) => [docker, oci]));

/** Commits the container's changes as a new image: podman's progress lines through `progress`, the image's record returned. */
export async function commitContainer(env: Env, store: Store, rec: ContainerRecord, opts: CommitOptions, progress: (line: string) => void): Promise<ImageRecord> {
  const base = store.getImage(rec.image);
  const baseConfig = store.imageConfig(base);
  const baseManifest = store.imageManifest(base);
  const docker = opts.format === 'docker';
  const kept = opts.squash ? [] : baseManifest.layers;
  const family = docker ? 'docker' : 'oci';
  for (const l of kept)
    if (layerMediaType(layerCompression(l.mediaType), family) === undefined)
      throw new BurrowError('E_USAGE', `commit of container ${rec.name}: layer ${l.digest} is zstd-compressed, which a Docker manifest cannot name (use --format oci)`);
  const layout = containerLayout(store, rec);
  const ingest = new Ingest(store);
  try {
    // The packer writes the layer's tar into a pipe; an unpack worker at its other end hashes, stages and unpacks it meanwhile.
    const packArgs: [string[], ReturnType<typeof rootfsSteps>] = opts.squash
      ? // The whole root filesystem, mounted in the worker's own mount namespace, as `export` reads it.
        [['tar', layout.root, '--layer'], rootfsSteps(layout.root, layout.overlay)]
      : [['layer', upperOf(store, rec, 'commit').upper, ...(rec.driver === 'fuse-overlayfs' ? ['--fuse'] : [])], []];
    const piped = ingest.pipedLayer(`commit of container ${rec.name}`);
    let packer: Promise<void>;
    try {
      packer = worker(env, ...packArgs, piped.fd).done;
    } catch (err) {
      // (the unpack worker, given an empty pipe, ends too: done() waits for it and tells this)
      packer = Promise.reject(err);
    }
    piped.started();
    progress('Getting image source signatures');
    const layer = await piped.done(packer);
    if (!layer.layer) throw new BurrowError('E_COMMIT', `commit of container ${rec.name}: the layer was not unpacked`);
    for (const l of kept) progress(`Copying blob ${hex(l.digest)} skipped: already exists`);
    progress(`Copying blob ${hex(layer.digest)} done`);
    const created = new Date().toISOString();
    const image: ImageConfig = {
      ...baseConfig,
      created,
      ...(opts.author !== undefined ? { author: opts.author } : {}),
      config: opts.config,
      rootfs: { type: 'layers', diff_ids: [...(opts.squash ? [] : baseConfig.rootfs.diff_ids), layer.layer.diffId] },
      history: [
        ...(opts.squash ? [] : (baseConfig.history ?? [])),
        { created, created_by: `burrow commit ${rec.name}`, ...(opts.author !== undefined ? { author: opts.author } : {}), ...(opts.message !== undefined ? { comment: opts.message } : {}) },
      ],
    };
    const configBlob = ingest.addJson(Buffer.from(JSON.stringify(image)));
    progress(`Copying config ${hex(configBlob.digest)} done`);
    const mediaType = (m: string) => (docker ? (TO_DOCKER[m] ?? m) : (TO_OCI[m] ?? m));
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest,
      config: { mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
      layers: [...kept.map((l) => ({ ...l, mediaType: mediaType(l.mediaType) })), { mediaType: docker ? MediaType.dockerLayer : MediaType.ociLayer, digest: layer.digest, size: layer.size }],
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest));
    ingest.addJson(manifestBytes);
    progress('Writing manifest to image destination');
    const [record] = await ingest.commit([{ manifest, manifestBytes, names: opts.name ? [opts.name] : [] }]);
    if (!record) throw new BurrowError('E_COMMIT', `commit of container ${rec.name}: no image was written`);
    return record;
  } finally {
    await ingest.cleanup();
  }
}
