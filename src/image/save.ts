/**
 * Writing images out of the store: docker-archive, oci-archive and an OCI
 * image layout directory (oci-dir), from the blobs as they were received, so
 * that config and layer digests (and, for OCI, the manifest digest) survive
 * load -> save unchanged. Everything streams; no layer is held in memory.
 *
 * docker-archive (what `docker load` reads):
 *   <config hex>.json, <diff id hex>.tar (uncompressed: a gzip or zstd blob
 *   is decompressed on the way, so its name is its diff id; its length is
 *   the layer record's tarSize, or counted by a decompression first in a
 *   store that predates it), manifest.json
 *   ([{Config, RepoTags, Layers}]), repositories
 * oci-archive / oci-dir:
 *   oci-layout, index.json (ref.name annotation), blobs/sha256/<hex>
 */
import { closeSync, createReadStream, createWriteStream, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import tar from 'tar-stream';

import { BurrowError, errnoCode } from '../errors.js';
import { atomicWriteFile } from '../storage/atomic.js';
import { compressionAt, decompressor } from '../layers/apply.js';
import { type Digest, hex, sha256 } from '../oci/digest.js';
import type { ImageRecord, Store } from '../storage/store.js';
import { type Compression, type Descriptor, type Index, type Manifest, MediaType } from '../oci/image.js';
import { parseReference } from '../oci/reference.js';

export type SaveFormat = 'docker-archive' | 'oci-archive' | 'oci-dir';
export const SAVE_FORMATS: readonly SaveFormat[] = ['docker-archive', 'oci-archive', 'oci-dir'];

export interface ImageToSave {
  record: ImageRecord;
  /** full names to record in the archive (may be empty) */
  names: string[];
}

/**
 * tar-stream's pack, whose entries leave their errors to their callbacks:
 * when the pack's output fails (a full disk, a closed pipe), the pack
 * destroys the entry being written with that error, and an entry without an
 * 'error' listener would throw it as an unhandled event, ending the process
 * before it can clean up.
 */
function tarPack(): tar.Pack {
  const pack = tar.pack();
  const entry = pack.entry.bind(pack) as unknown as (...args: unknown[]) => { on(event: 'error', listener: () => void): unknown };
  pack.entry = ((...args: unknown[]) => {
    const sink = entry(...args);
    sink.on('error', () => undefined);
    return sink;
  }) as unknown as tar.Pack['entry'];
  return pack;
}

/** Where the files of an archive or a layout go. */
interface Sink {
  buffer(name: string, data: Buffer): Promise<void>;
  /** a file of `size` bytes from `open()` */
  stream(name: string, size: number, open: () => Readable): Promise<void>;
  finish(): Promise<void>;
}

/** A tar written to `out`, entry after entry. */
function tarSink(out: Writable): Sink {
  const pack = tarPack();
  const piping = pipeline(pack as unknown as Readable, out);
  piping.catch(() => undefined); // reported by finish()
  // A failed output (a full disk, a closed pipe) ends the tar: an entry waiting on it never hears, so each wait also ends then.
  let failure: unknown;
  const broken = piping.then(() => new Promise<never>(() => undefined));
  broken.catch((err: unknown) => (failure ??= err)); // seen through settled()
  // The failure itself (first in the race), not tar-stream's "already finalized or destroyed" for the next entry.
  const settled = <T>(p: () => Promise<T>): Promise<T> => (failure !== undefined ? Promise.reject(failure) : Promise.race([broken, p()]));
  const mtime = new Date(0);
  const dirs = new Set<string>();
  const parents = (name: string): void => {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (dirs.has(dir)) continue;
      dirs.add(dir);
      pack.entry({ name: `${dir}/`, type: 'directory', mode: 0o755, mtime });
    }
  };
  return {
    buffer: (name, data) =>
      settled(
        () =>
          new Promise<void>((resolve, reject) => {
            parents(name);
            pack.entry({ name, mode: 0o644, mtime }, data, (err) => (err ? reject(err) : resolve()));
          }),
      ),
    stream: async (name, size, open) => {
      let written = 0;
      await settled(() => new Promise<void>((resolve, reject) => {
        parents(name);
        const entry = pack.entry({ name, size, mode: 0o644, mtime }, (err) => (err ? reject(err) : resolve()));
        (async () => {
          for await (const chunk of open() as AsyncIterable<Buffer>) {
            written += chunk.length;
            if (written > size) throw new BurrowError('E_SAVE', `\`${name}\`: more than the ${size} bytes its entry was given: the store changed while it was saved, or is damaged`);
            if (!entry.write(chunk)) await new Promise((r) => entry.once('drain', () => r(undefined)));
          }
          if (written !== size) throw new BurrowError('E_SAVE', `\`${name}\`: ${written} bytes, where its entry was given ${size}: the store changed while it was saved, or is damaged`);
          entry.end(undefined);
        })().catch((err: Error) => {
          entry.destroy(err);
          reject(err);
        });
      }));
    },
    finish: async () => {
      pack.finalize();
      await piping;
    },
  };
}

/** Files in a directory. */
function dirSink(root: string): Sink {
  const place = (name: string): string => {
    const path = join(root, name);
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o755 });
    return path;
  };
  return {
    buffer: async (name, data) => writeFileSync(place(name), data, { mode: 0o644 }),
    stream: async (name, _size, open) => pipeline(open(), createWriteStream(place(name), { mode: 0o644 })),
    finish: async () => undefined,
  };
}

/** The blob at `path` decompressed (it is compressed as `kind` is). */
function openDecompressed(path: string, kind: Compression): Readable {
  const source = createReadStream(path);
  const decompress = decompressor(kind);
  source.once('error', (err) => decompress.destroy(err));
  return source.pipe(decompress);
}

async function decompressedSize(path: string, kind: Compression): Promise<number> {
  let size = 0;
  await pipeline(openDecompressed(path, kind), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) size += chunk.length;
  });
  return size;
}

function blobSize(store: Store, digest: Digest, what: string): number {
  try {
    return statSync(store.blobPath(digest)).size;
  } catch {
    throw new BurrowError('E_MISSING_BLOB', `${what} ${digest} is missing from the store`);
  }
}

/** A docker name for RepoTags: `name:tag` (a name with only a digest has no tag to give). */
function repoTag(name: string): { repo: string; tag: string } | undefined {
  const ref = parseReference(name);
  if (ref.tag === undefined) return undefined;
  return { repo: `${ref.domain}/${ref.path}`, tag: ref.tag };
}

async function saveDocker(store: Store, images: ImageToSave[], sink: Sink): Promise<void> {
  const written = new Set<string>();
  const entries: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { record, names } of images) {
    const manifest = store.imageManifest(record);
    const config = store.imageConfig(record);
    const configName = `${hex(record.config)}.json`;
    if (!written.has(configName)) {
      written.add(configName);
      await sink.buffer(configName, store.readBlob(record.config));
    }
    const layerNames: string[] = [];
    for (const [i, layer] of manifest.layers.entries()) {
      const diffId = config.rootfs.diff_ids[i] as Digest;
      const name = `${hex(diffId)}.tar`;
      layerNames.push(name);
      if (written.has(name)) continue;
      written.add(name);
      const path = store.blobPath(layer.digest);
      const size = blobSize(store, layer.digest, 'layer');
      const fd = openSync(path, 'r');
      let kind: Compression | undefined;
      try {
        kind = compressionAt(fd, 0, size);
      } finally {
        closeSync(fd);
      }
      // The tar's length, which its entry's header gives first: as the layer's record has it, else counted (a decompression more).
      const recorded = store.layer(record.layers[i] as Digest)?.tarSize;
      const tarSize = Number.isSafeInteger(recorded) && (recorded as number) >= 0 ? (recorded as number) : undefined;
      if (kind !== undefined) await sink.stream(name, tarSize ?? (await decompressedSize(path, kind)), () => openDecompressed(path, kind));
      else await sink.stream(name, size, () => createReadStream(path));
    }
    const tags: string[] = [];
    for (const n of names) {
      const rt = repoTag(n);
      if (!rt) continue;
      tags.push(`${rt.repo}:${rt.tag}`);
      (repositories[rt.repo] ??= {})[rt.tag] = hex(config.rootfs.diff_ids.at(-1) ?? record.config);
    }
    entries.push({ Config: configName, RepoTags: tags, Layers: layerNames });
  }
  await sink.buffer('manifest.json', Buffer.from(JSON.stringify(entries)));
  await sink.buffer('repositories', Buffer.from(JSON.stringify(repositories)));
}

const OCI_LAYER: Record<string, string> = {
  [MediaType.dockerLayer]: MediaType.ociLayer,
  [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
};

/**
 * The manifest to put in an OCI layout: the stored one when it is OCI (its
 * digest survives); a docker schema 2 manifest is restated with OCI media
 * types (config and layer blobs, and so their digests, stay the same).
 */
function ociManifest(store: Store, record: ImageRecord): { bytes: Buffer; manifest: Manifest } {
  const bytes = store.readBlob(record.manifest);
  const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  if (manifest.mediaType !== MediaType.dockerManifest) return { bytes, manifest };
  const converted: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: manifest.config.digest, size: manifest.config.size },
    layers: manifest.layers.map((l) => ({ mediaType: OCI_LAYER[l.mediaType] ?? l.mediaType, digest: l.digest, size: l.size })),
  };
  return { bytes: Buffer.from(JSON.stringify(converted)), manifest: converted };
}

async function saveOci(store: Store, images: ImageToSave[], sink: Sink): Promise<void> {
  const written = new Set<string>();
  const blob = async (digest: Digest, what: string, data?: Buffer): Promise<void> => {
    const name = `blobs/sha256/${hex(digest)}`;
    if (written.has(name)) return;
    written.add(name);
    if (data) return sink.buffer(name, data);
    const size = blobSize(store, digest, what);
    const path = store.blobPath(digest);
    await sink.stream(name, size, () => createReadStream(path));
  };
  await sink.buffer('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  const index: Index = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  for (const { record, names } of images) {
    const { bytes, manifest } = ociManifest(store, record);
    for (const layer of manifest.layers) await blob(layer.digest, 'layer');
    await blob(manifest.config.digest, 'config');
    const digest = sha256(bytes);
    await blob(digest, 'manifest', bytes);
    const desc: Descriptor = { mediaType: manifest.mediaType ?? MediaType.ociManifest, digest, size: bytes.length };
    if (names.length === 0) index.manifests.push(desc);
    for (const n of names) index.manifests.push({ ...desc, annotations: { 'org.opencontainers.image.ref.name': n } });
  }
  await sink.buffer('index.json', Buffer.from(JSON.stringify(index)));
}

/** Writes `images` in `format` as a tar to `out`, or (oci-dir) into the directory `dir`. */
export async function saveImages(store: Store, images: ImageToSave[], format: SaveFormat, target: { out: Writable } | { dir: string }): Promise<void> {
  const sink = 'dir' in target ? dirSink(target.dir) : tarSink(target.out);
  if (format === 'docker-archive') await saveDocker(store, images, sink);
  else await saveOci(store, images, sink);
  await sink.finish();
}

/** The digest of the manifest an OCI layout gets for `record` (what `push --digestfile` writes). */
export function ociManifestDigest(store: Store, record: ImageRecord): Digest {
  return sha256(ociManifest(store, record).bytes);
}

const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * Adds `images` to the OCI image layout `dir`, which already holds one (as
 * skopeo and podman add to it): the blobs it lacks are written under a
 * temporary name and renamed in (the ones it has are kept), then index.json
 * is replaced atomically, an entry with the same ref.name replaced.
 */
export async function addToLayout(store: Store, images: ImageToSave[], dir: string): Promise<void> {
  const what = `oci:${dir}`;
  const indexPath = join(dir, 'index.json');
  let index: Index;
  try {
    if (!lstatSync(indexPath).isFile()) throw new BurrowError('E_OUTPUT', `${what}: index.json is not a regular file`);
    index = JSON.parse(readFileSync(indexPath, 'utf8')) as Index;
  } catch (err) {
    if (err instanceof BurrowError) throw err;
    throw new BurrowError('E_OUTPUT', `${what}: not an OCI image layout: ${errnoCode(err) === 'ENOENT' ? 'no index.json' : 'index.json is not valid JSON'}`);
  }
  if (!Array.isArray(index?.manifests)) throw new BurrowError('E_OUTPUT', `${what}: index.json has no manifests`);
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true, mode: 0o755 });
  if (lstatSync(blobs).isSymbolicLink()) throw new BurrowError('E_OUTPUT', `${what}: blobs/sha256 is a symbolic link`);
  const tmp = mkdtempSync(join(dir, '.burrow-add-'));
  try {
    await saveImages(store, images, 'oci-dir', { dir: tmp });
    for (const name of readdirSync(join(tmp, 'blobs', 'sha256'))) {
      if (!existsSync(join(blobs, name))) renameSync(join(tmp, 'blobs', 'sha256', name), join(blobs, name));
    }
    const added = (JSON.parse(readFileSync(join(tmp, 'index.json'), 'utf8')) as Index).manifests;
    const names = new Set(added.map((d) => d.annotations?.[REF_NAME]).filter((n) => n !== undefined));
    const kept = index.manifests.filter((d) => {
      const n = d?.annotations?.[REF_NAME];
      return n === undefined || !names.has(n);
    });
    if (!existsSync(join(dir, 'oci-layout'))) atomicWriteFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    atomicWriteFile(indexPath, JSON.stringify({ ...index, manifests: [...kept, ...added] }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
