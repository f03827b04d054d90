/**
 * Pushing a stored image to a registry, as the distribution spec says: each
 * blob the registry lacks (asked with HEAD) is mounted from another of its
 * repositories where the store saw it (blob-locations.json), or else
 * uploaded whole (POST for an upload location, then one PUT with the
 * digest), six at once, the config last of the blobs, then the manifest
 * under the tag. The blobs go as the store keeps
 * them, so the registry's digests are the store's; with `format`, the
 * manifest's media types are rewritten to the other format (the layers'
 * bytes do not change, so a zstd layer cannot become Docker's).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import { BurrowError, systemFailure } from '../errors.js';
import { decompressed } from '../layers/apply.js';
import { type Digest, sha256 } from '../oci/digest.js';
import { type Compression, layerCompression, layerMediaType, type Manifest, MediaType } from '../oci/image.js';
import { formatReference, type Reference } from '../oci/reference.js';
import { blobLocations, recordBlobLocations } from '../storage/blob-locations.js';
import { type HeldFile, holdFile } from '../storage/leftovers.js';
import type { ImageRecord, Store } from '../storage/store.js';
import type { RegistryAccess } from './access.js';
import { describeFailure, type RegistryClient } from './client.js';
import { bounded } from '../concurrency.js';
import { type BarMaker, PARALLEL_DOWNLOADS } from './pull.js';

export type ManifestFormat = 'oci' | 'v2s2';

const TO_OCI: Record<string, string> = {
  [MediaType.dockerManifest]: MediaType.ociManifest,
  [MediaType.dockerConfig]: MediaType.ociConfig,
  [MediaType.dockerLayer]: MediaType.ociLayer,
  [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
};
const TO_DOCKER: Record<string, string> = Object.fromEntries(Object.entries(TO_OCI).map(([d, o]) => [o, d]));

/** The manifest's bytes in `format` (the stored bytes when it is already so, or no format is asked for). */
export function manifestIn(bytes: Buffer, format: ManifestFormat | undefined, what: string): { bytes: Buffer; mediaType: string } {
  const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  const current = manifest.mediaType ?? MediaType.ociManifest;
  const want = format === undefined ? current : format === 'oci' ? MediaType.ociManifest : MediaType.dockerManifest;
  if (want === current) return { bytes, mediaType: current };
  const map = format === 'oci' ? TO_OCI : TO_DOCKER;
  const convert = (type: string, part: string): string => {
    const to = map[type];
    if (to === undefined) throw new BurrowError('E_MEDIA_TYPE', `${what}: ${part} of type \`${type}\` has no ${format === 'oci' ? 'OCI' : 'Docker v2s2'} equivalent`);
    return to;
  };
  const converted: Manifest = {
    ...manifest,
    mediaType: want,
    config: { ...manifest.config, mediaType: convert(manifest.config.mediaType, 'the config') },
    layers: manifest.layers.map((l, i) => ({ ...l, mediaType: convert(l.mediaType, `layer ${i + 1}`) })),
  };
  return { bytes: Buffer.from(JSON.stringify(converted)), mediaType: want };
}

async function hasBlob(client: RegistryClient, repo: string, digest: Digest): Promise<boolean> {
  const what = `checking blob ${digest} in ${client.registry}/${repo}`;
  const res = await client.request('HEAD', `/v2/${repo}/blobs/${digest}`, { scope: `repository:${repo}:pull,push`, what });
  res.body.resume();
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw new BurrowError(res.status === 401 || res.status === 403 ? 'E_REGISTRY_AUTH' : 'E_REGISTRY', `${what}: HTTP ${res.status}`);
}

/**
 * Asks the registry to mount `digest` into `repo` from its repository
 * `from` (the distribution spec's cross-repository mount): `mounted`, or the
 * upload session it opened instead (202, its Location), or undefined when it
 * refused (the caller uploads).
 */
async function mountBlob(client: RegistryClient, repo: string, digest: Digest, from: string): Promise<{ mounted: true } | { location: string } | undefined> {
  const what = `mounting blob ${digest} from ${client.registry}/${from} into ${repo}`;
  // The token must also let us read the repository mounted from.
  const scope = `repository:${repo}:pull,push repository:${from}:pull`;
  const path = `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`;
  let res;
  try {
    res = await client.request('POST', path, { scope, what, headers: { 'Content-Length': '0' } });
  } catch (err) {
    if (err instanceof BurrowError && err.code === 'E_REGISTRY_AUTH') return undefined; // no right to read `from`: upload it
    throw err;
  }
  res.body.resume();
  if (res.status === 201) return { mounted: true };
  const location = res.headers.location;
  if (res.status === 202 && typeof location === 'string') return { location };
  return undefined;
}

/**
 * One blob: POST for a location (or the one a refused mount opened), then
 * the bytes in one PUT with their digest, or, when the registry asks for
 * chunks (OCI-Chunk-Min-Length), in PATCH chunks and a closing PUT.
 * `sent` hears of the bytes.
 */
async function uploadBlob(client: RegistryClient, repo: string, digest: Digest, file: string, opened?: string, sent?: (n: number) => void): Promise<void> {
  const what = `writing blob ${digest} to ${client.registry}/${repo}`;
  const scope = `repository:${repo}:pull,push`;
  let location: string | undefined = opened;
  let chunkMin: number | undefined;
  if (location === undefined) {
    const start = await client.request('POST', `/v2/${repo}/blobs/uploads/`, { scope, what, headers: { 'Content-Length': '0' } });
    if (start.status !== 202) throw failure(what, start.status, await describeFailure(start));
    start.body.resume();
    const given = start.headers.location;
    if (typeof given !== 'string') throw new BurrowError('E_REGISTRY', `${what}: the registry gave no upload location`);
    location = given;
    // The distribution spec's way for a registry to ask for chunks (and how small they may be).
    const min = Number(start.headers['oci-chunk-min-length']);
    if (Number.isSafeInteger(min) && min > 0) chunkMin = min;
  }
  if (chunkMin !== undefined) location = await uploadChunks(client, { repo, file, location, chunk: Math.max(chunkMin, CHUNK), what, scope, sent });
  else return putWhole(client, { file, location, digest, what, scope, sent });
  const target = `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
  const done = await client.request('PUT', target, { scope, what, headers: { 'Content-Length': '0' } });
  if (done.status !== 201 && done.status !== 204) throw failure(what, done.status, await describeFailure(done));
  done.body.resume();
}

/** The size of the chunks sent to a registry that asks for chunks, unless it asks for larger ones. */
const CHUNK = 8 << 20;

/**
 * The blob in PATCH requests of `chunk` bytes (Content-Range), each to the
 * location the previous answer gave; a 416 answer says what the registry has,
 * and the upload goes on from there. Returns the location for the final PUT.
 */
async function uploadChunks(
  client: RegistryClient,
  o: { repo: string; file: string; location: string; chunk: number; what: string; scope: string; sent?: ((n: number) => void) | undefined },
): Promise<string> {
  const size = statSync(o.file).size;
  let location = o.location;
  let offset = 0;
  let resyncs = 0;
  while (offset < size) {
    const end = Math.min(size, offset + o.chunk) - 1;
    const from = offset;
    const res = await client.request('PATCH', location, {
      scope: o.scope,
      what: o.what,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(end - from + 1), 'Content-Range': `${from}-${end}` },
      body: () => createReadStream(o.file, { start: from, end, highWaterMark: 1 << 20 }),
    });
    res.body.resume();
    const next = res.headers.location;
    if (typeof next === 'string') location = next;
    if (res.status === 202) {
      o.sent?.(end - from + 1);
      offset = end + 1;
      continue;
    }
    // Out of step: the registry's Range says what it holds (`0-N`).
    const range = /^(?:bytes=)?0-(\d+)$/.exec(String(res.headers.range ?? ''));
    if (res.status === 416 && range !== null && resyncs++ < 3) {
      offset = Number(range[1]) + 1;
      continue;
    }
    throw failure(o.what, res.status, await describeFailure(res));
  }
  return location;
}

/** The blob in one PUT with its digest (the monolithic upload). */
async function putWhole(
  client: RegistryClient,
  o: { file: string; location: string; digest: Digest; what: string; scope: string; sent?: ((n: number) => void) | undefined },
): Promise<void> {
  const { file, location, digest, what, scope, sent } = o;
  // Relative or absolute, the location is resolved against the registry's root by request().
  const target = `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
  const size = statSync(file).size;
  const done = await client.request('PUT', target, {
    scope,
    what,
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
    body: () => {
      const stream = createReadStream(file, { highWaterMark: 1 << 20 });
      if (sent) stream.on('data', (chunk) => sent(chunk.length));
      return stream;
    },
  });
  if (done.status !== 201 && done.status !== 204) throw failure(what, done.status, await describeFailure(done));
  done.body.resume();
}

function failure(what: string, status: number, reason: string): BurrowError {
  return new BurrowError(status === 401 || status === 403 ? 'E_REGISTRY_AUTH' : 'E_REGISTRY', `${what}: ${reason}`);
}

/** The layer media type for `compression` in the manifest's family (Docker's has no zstd). */
function layerType(manifestType: string, compression: Compression, what: string): string {
  const type = layerMediaType(compression, manifestType === MediaType.dockerManifest ? 'docker' : 'oci');
  if (type === undefined) throw new BurrowError('E_USAGE', `${what}: zstd layers need an OCI manifest (add --format oci)`);
  return type;
}

/**
 * The stored layer `digest` recompressed (decompressed whatever it was, then
 * gzip in process or zstd through Debian's zstd) into a file of `tmpDir` (a staging directory):
 * its digest and size, for the manifest that names it instead.
 */
async function recompress(file: string, compression: Compression, level: number | undefined, tmpDir: string, what: string): Promise<{ path: string; digest: Digest; size: number }> {
  const out = join(tmpDir, `push-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  const hash = createHash('sha256');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const tar = await decompressed(createReadStream(file, { highWaterMark: 1 << 20 }));
  try {
    if (compression === 'gzip') {
      await pipeline(tar, createGzip({ level: level ?? 6, chunkSize: 1 << 20 }), counter, createWriteStream(out, { mode: 0o600 }));
    } else {
      let zstd;
      try {
        zstd = spawn('zstd', ['-q', '-c', `-${level ?? 3}`, '-T0'], { stdio: ['pipe', 'pipe', 'pipe'] });
      } catch (err) {
        throw new BurrowError('E_USAGE', `${what}: zstd compression needs the zstd program: ${(err as Error).message}`);
      }
      let errText = '';
      zstd.stderr.on('data', (d: Buffer) => (errText += d.toString()));
      const exited = new Promise<number | null>((resolve, reject) => {
        zstd.once('error', (err) => reject(new BurrowError('E_USAGE', `${what}: zstd compression needs the zstd program (${(err as Error).message})`)));
        zstd.once('close', resolve);
      });
      await Promise.all([pipeline(tar, zstd.stdin), pipeline(zstd.stdout, counter, createWriteStream(out, { mode: 0o600 }))]);
      const status = await exited;
      if (status !== 0) throw new BurrowError('E_LAYER', `${what}: zstd failed (${status}): ${errText.trim()}`);
    }
  } catch (err) {
    rmSync(out, { force: true });
    throw systemFailure(err, `${what}: recompress`) ?? err;
  }
  return { path: out, digest: `sha256:${hash.digest('hex')}` as Digest, size };
}

export interface PushRequest {
  image: ImageRecord;
  dest: Reference;
  format?: ManifestFormat | undefined;
  progress?: ((line: string) => void) | undefined;
  /** bars for the blobs, on a terminal (then the blobs' plain lines are not said) */
  bars?: BarMaker | undefined;
  /** blobs sent at once (containers.conf image_parallel_copies) */
  parallel?: number | undefined;
  /** --compression-format: layers stored otherwise are recompressed, and the manifest names the new blobs */
  compression?: Compression | undefined;
  compressionLevel?: number | undefined;
}

/** The blob as the registry gets it: HEAD first; a mount from another repository of the registry where the store saw it; else the bytes. */
async function pushBlob(
  store: Store,
  client: RegistryClient,
  dest: Reference,
  digest: Digest,
  kind: 'blob' | 'config',
  say: (line: string) => void,
  bars: BarMaker | undefined,
  file = store.blobPath(digest),
): Promise<void> {
  const short = digest.slice(7, 19);
  const done = (label: string) => (bars ? bars.bar(kind, digest, 0).finish(label) : say(`Copying ${kind} ${short} ${label}`));
  if (await hasBlob(client, dest.path, digest)) return done('skipped: already exists');
  let opened: string | undefined;
  const prefix = `${dest.domain}/`;
  const others = blobLocations(store.root, digest).filter((l) => l.startsWith(prefix) && l !== `${prefix}${dest.path}`);
  for (const from of others.slice(0, 3)) {
    const mount = await mountBlob(client, dest.path, digest, from.slice(prefix.length));
    if (mount && 'mounted' in mount) return done('skipped: already exists');
    if (mount) {
      opened = mount.location;
      break;
    }
  }
  const bar = bars?.bar(kind, digest, statSync(file).size);
  if (!bar) say(`Copying ${kind} ${digest}`);
  await uploadBlob(client, dest.path, digest, file, opened, bar ? (n) => bar.add(n) : undefined);
  bar?.finish('done   |');
}

/** Pushes `image` to `dest` (a docker reference); returns the manifest's digest there. */
export async function pushImage(store: Store, access: RegistryAccess, req: PushRequest): Promise<Digest> {
  const say = req.progress ?? (() => undefined);
  const dest = req.dest;
  const name = formatReference(dest);
  access.checkPolicy(dest);
  const client = access.client(dest.domain, { repo: dest.path });
  const stored = store.readBlob(req.image.manifest);
  const converted = manifestIn(stored, req.format, name);
  const mediaType = converted.mediaType;
  let bytes = converted.bytes;
  let manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  const blobs = [...manifest.layers.map((l) => l.digest), manifest.config.digest];
  for (const digest of blobs)
    if (!store.hasBlob(digest)) throw new BurrowError('E_MISSING_BLOB', `${name}: blob ${digest} of the image is not in the store`);
  // Layers to recompress: each written once into a staging directory of tmp/ (locked while this
  // process lives, so a killed push's is swept: storage/leftovers.ts), and the manifest rewritten to name them.
  const files = new Map<Digest, string>();
  let staging: { dir: string; lock: HeldFile } | undefined;
  try {
    if (req.compression !== undefined) {
      store.init();
      const dir = mkdtempSync(join(store.tmpDir(), 'ingest-push-'));
      staging = { dir, lock: holdFile(store.sys, join(dir, 'lock')) };
      const compression = req.compression;
      const recompressed = new Map<Digest, { digest: Digest; size: number }>();
      const layers: Manifest['layers'] = [];
      for (const layer of manifest.layers) {
        if (layerCompression(layer.mediaType) === compression) {
          layers.push(layer);
          continue;
        }
        const type = layerType(mediaType, compression, name);
        let made = recompressed.get(layer.digest);
        if (made === undefined) {
          say(`Compressing blob ${layer.digest.slice(7, 19)} with ${compression}`);
          const out = await recompress(store.blobPath(layer.digest), compression, req.compressionLevel, dir, `${name}: layer ${layer.digest}`);
          files.set(out.digest, out.path);
          made = { digest: out.digest, size: out.size };
          recompressed.set(layer.digest, made);
        }
        layers.push({ ...layer, mediaType: type, digest: made.digest, size: made.size });
      }
      manifest = { ...manifest, layers };
      bytes = Buffer.from(JSON.stringify(manifest));
    }
    say('Getting image source signatures');
    // The layers in parallel (as podman: six at once), the config once they are all there.
    const layers = [...new Set(manifest.layers.map((l) => l.digest))];
    await bounded(layers, req.parallel ?? PARALLEL_DOWNLOADS, (digest) => pushBlob(store, client, dest, digest, 'blob', say, req.bars, files.get(digest)));
    await pushBlob(store, client, dest, manifest.config.digest, 'config', say, req.bars);
  } finally {
    if (staging) {
      rmSync(staging.dir, { recursive: true, force: true });
      staging.lock.release();
    }
  }
  say('Writing manifest to image destination');
  const ref = dest.digest ?? dest.tag ?? 'latest';
  const what = `writing manifest ${ref} to ${client.registry}/${dest.path}`;
  const res = await client.request('PUT', `/v2/${dest.path}/manifests/${ref}`, {
    scope: `repository:${dest.path}:pull,push`,
    what,
    headers: { 'Content-Type': mediaType, 'Content-Length': String(bytes.length) },
    body: bytes,
  });
  if (res.status !== 201 && res.status !== 200) throw failure(what, res.status, await describeFailure(res));
  res.body.resume();
  // Only blobs the store has: a recompressed layer is not kept.
  recordBlobLocations(store.root, `${dest.domain}/${dest.path}`, [...manifest.layers.map((l) => l.digest).filter((d) => !files.has(d)), manifest.config.digest]);
  return sha256(bytes);
}
