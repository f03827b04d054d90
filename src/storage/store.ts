/**
 * The store under $XDG_DATA_HOME/burrow (docs/design.md, "The store"):
 *
 *   blobs/sha256/<hex>          manifests, configs, layer tars as received; verified on the way in
 *   layers/<chain-id hex>/      diff/ (the unpacked layer, owned by mapped ids) and layer.json
 *   images.json                 image records and their names; replaced atomically under `lock`
 *   containers/<id>/            container.json, upper/, work/, merged/, exit code
 *   volumes/<name>/             volume.json, _data/ (storage/volumes.ts)
 *   pods/<id>/                  pod.json (storage/pods.ts)
 *   networks/<name>/            network.json (storage/networks.ts)
 *   names/<name> -> <id>        container and pod names (a symlink: creating it is the reservation)
 *   tmp/                        staging (ingest-*: what is not renamed into place never counts),
 *                               trees being removed (removed-*), records of files written outside
 *                               the store (partial-*): see leftovers.ts
 *   lock                        flock for every metadata change
 *
 * A kill -9 at any moment leaves a store that works: records point only at
 * things already in place, and what a killed command leaves (in tmp/, and a
 * half-made container) is removed by the next command that opens the store
 * (storage/leftovers.ts).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Paths } from '../config/paths.js';
import { BurrowError } from '../errors.js';
import { nameMatches, normalizeName } from '../oci/reference.js';
import type { ImageConfig, Manifest } from '../oci/image.js';
import { atomicWriteFile, readJson } from './atomic.js';
import { Containers } from './containers.js';
import { Volumes } from './volumes.js';
import { Pods } from './pods.js';
import { Networks } from './networks.js';
import { type Digest, hex, isDigest } from '../oci/digest.js';
import { withLock } from './lock.js';
import { safeReaddir } from '../system/files.js';
import type { Sys } from '../system/sys.js';

export interface ImageRecord {
  /** the config digest's hex, as podman shows it */
  id: string;
  /** manifest digest */
  digest: Digest;
  names: string[];
  manifest: Digest;
  config: Digest;
  /** chain ids, base first */
  layers: Digest[];
  /** from the image config */
  created: string;
  /** unpacked bytes of all layers */
  size: number;
  /** when it entered the store */
  stored: string;
}

export interface LayerRecord {
  chainId: Digest;
  diffId: Digest;
  parent: Digest | undefined;
  /** unpacked bytes */
  size: number;
  /**
   * bytes of its uncompressed tar (a docker-archive's entry for it, which
   * `save` then need not decompress once to count); absent in records
   * written before 2026-12-07
   */
  tarSize?: number;
  /** the blob it was unpacked from, as it is kept in blobs/ */
  blob: { digest: Digest; mediaType: string; size: number };
}

interface ImagesFile {
  version: 1;
  images: ImageRecord[];
}

export class Store {
  readonly root: string;

  constructor(
    /** burrow's directories: the store is `data`; events and plans go in `runtime` */
    readonly paths: Paths,
    /** the system calls and the helper, for this store's locks and removals */
    readonly sys: Sys,
  ) {
    this.root = paths.data;
  }

  get lockFile(): string {
    return join(this.root, 'lock');
  }

  /** Creates the store's directories (cheap when they exist). */
  init(): this {
    for (const dir of ['blobs/sha256', 'layers', 'containers', 'names', 'tmp']) mkdirSync(join(this.root, dir), { recursive: true, mode: 0o700 });
    return this;
  }

  lock<T>(fn: () => Promise<T> | T): Promise<T> {
    this.init();
    return withLock(this.sys, this.lockFile, fn);
  }

  // --- blobs ---

  blobPath(digest: Digest): string {
    return join(this.root, 'blobs', 'sha256', hex(digest));
  }

  hasBlob(digest: Digest): boolean {
    return existsSync(this.blobPath(digest));
  }

  readBlob(digest: Digest): Buffer {
    return readFileSync(this.blobPath(digest));
  }

  readJsonBlob<T>(digest: Digest): T {
    return JSON.parse(this.readBlob(digest).toString('utf8')) as T;
  }

  // --- layers ---

  layerDir(chainId: Digest): string {
    return join(this.root, 'layers', hex(chainId));
  }

  layerDiff(chainId: Digest): string {
    return join(this.layerDir(chainId), 'diff');
  }

  layer(chainId: Digest): LayerRecord | undefined {
    return readJson<LayerRecord | undefined>(join(this.layerDir(chainId), 'layer.json'), undefined);
  }

  layers(): LayerRecord[] {
    const out: LayerRecord[] = [];
    for (const name of safeReaddir(join(this.root, 'layers'))) {
      const rec = readJson<LayerRecord | undefined>(join(this.root, 'layers', name, 'layer.json'), undefined);
      if (rec) out.push(rec);
    }
    return out;
  }

  // --- images ---

  private get imagesFile(): string {
    return join(this.root, 'images.json');
  }

  images(): ImageRecord[] {
    return readJson<ImagesFile>(this.imagesFile, { version: 1, images: [] }).images;
  }

  /** Replaces the image list; call under lock(). */
  writeImages(images: ImageRecord[]): void {
    this.init();
    atomicWriteFile(this.imagesFile, `${JSON.stringify({ version: 1, images } satisfies ImagesFile, null, 1)}\n`, 0o600);
  }

  /** Finds an image by full or short name, full id, id prefix or digest, as podman does. */
  findImage(ref: string, images = this.images()): ImageRecord | undefined {
    const byName = images.find((i) => i.names.some((n) => n === ref)) ?? images.find((i) => i.names.some((n) => nameMatches(n, ref)));
    if (byName) return byName;
    const id = ref.startsWith('sha256:') ? ref.slice(7) : ref;
    if (isDigest(ref)) {
      const byDigest = images.find((i) => i.digest === ref);
      if (byDigest) return byDigest;
    }
    if (/^[a-f0-9]{3,64}$/.test(id)) {
      const matches = images.filter((i) => i.id.startsWith(id));
      if (matches.length > 1) throw new BurrowError('E_AMBIGUOUS', `image id prefix \`${ref}\` is ambiguous: it matches ${matches.length} images`);
      return matches[0];
    }
    return undefined;
  }

  getImage(ref: string, images?: ImageRecord[]): ImageRecord {
    const image = this.findImage(ref, images);
    if (!image) throw new BurrowError('E_NO_IMAGE', `${ref}: image not known`);
    return image;
  }

  imageConfig(image: ImageRecord): ImageConfig {
    return this.readJsonBlob<ImageConfig>(image.config);
  }

  imageManifest(image: ImageRecord): Manifest {
    return this.readJsonBlob<Manifest>(image.manifest);
  }

  /**
   * Adds or replaces an image record and gives it `names` (taken away from
   * any other image that had them). Call under lock().
   */
  putImage(record: ImageRecord, names: string[]): ImageRecord {
    const images = this.images();
    let result = images.find((i) => i.id === record.id);
    if (!result) {
      result = { ...record, names: [] };
      images.push(result);
    }
    giveNames(images, result, names);
    this.writeImages(images);
    return result;
  }

  // --- containers (one directory each: see containers.ts) ---

  #containers: Containers | undefined;

  #volumes: Volumes | undefined;

  #pods: Pods | undefined;

  #networks: Networks | undefined;

  /** The store's user networks. */
  get networks(): Networks {
    this.#networks ??= new Networks(this);
    return this.#networks;
  }

  /** The store's pods. */
  get pods(): Pods {
    this.#pods ??= new Pods(this);
    return this.#pods;
  }

  /** The store's named volumes. */
  get volumes(): Volumes {
    this.#volumes ??= new Volumes(this);
    return this.#volumes;
  }

  /** The store's containers. */
  get containers(): Containers {
    this.#containers ??= new Containers(this);
    return this.#containers;
  }

  containersDir(): string {
    return join(this.root, 'containers');
  }

  tmpDir(): string {
    return join(this.root, 'tmp');
  }
}

/** Gives `image` the names (normalized), taking them from any other image of `images` that had them. */
function giveNames(images: ImageRecord[], image: ImageRecord, names: string[]): void {
  const full = names.map((n) => normalizeName(n));
  for (const other of images) if (other !== image) other.names = other.names.filter((n) => !full.includes(n));
  image.names = [...new Set([...image.names, ...full])];
}
