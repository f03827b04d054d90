/**
 * Pushing a stored image to a registry, as the distribution spec says: each
 * blob the registry lacks (asked with HEAD) is uploaded whole (POST for an
 * upload location, then one PUT with the digest), the config last of the
 * blobs, then the manifest under the tag. The blobs go as the store keeps
 * them, so the registry's digests are the store's; with `format`, the
 * manifest's media types are rewritten to the other format (the layers'
 * bytes do not change, so a zstd layer cannot become Docker's).
 */
import { createReadStream, statSync } from 'node:fs';

import { BurrowError } from '../errors.js';
import { type Digest, sha256 } from '../oci/digest.js';
import { type Manifest, MediaType } from '../oci/image.js';
import { formatReference, type Reference } from '../oci/reference.js';
import type { ImageRecord, Store } from '../storage/store.js';
import type { RegistryAccess } from './access.js';
import { describeFailure, type RegistryClient } from './client.js';

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

/** One blob, uploaded whole: POST for a location, then PUT the bytes with their digest. */
async function uploadBlob(client: RegistryClient, repo: string, digest: Digest, file: string): Promise<void> {
  const what = `writing blob ${digest} to ${client.registry}/${repo}`;
  const scope = `repository:${repo}:pull,push`;
  const start = await client.request('POST', `/v2/${repo}/blobs/uploads/`, { scope, what, headers: { 'Content-Length': '0' } });
  if (start.status !== 202) throw failure(what, start.status, await describeFailure(start));
  start.body.resume();
  const location = start.headers.location;
  if (typeof location !== 'string') throw new BurrowError('E_REGISTRY', `${what}: the registry gave no upload location`);
  // Relative or absolute, the location is resolved against the registry's root by request().
  const target = `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
  const size = statSync(file).size;
  const done = await client.request('PUT', target, {
    scope,
    what,
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
    body: () => createReadStream(file),
  });
  if (done.status !== 201 && done.status !== 204) throw failure(what, done.status, await describeFailure(done));
  done.body.resume();
}

function failure(what: string, status: number, reason: string): BurrowError {
  return new BurrowError(status === 401 || status === 403 ? 'E_REGISTRY_AUTH' : 'E_REGISTRY', `${what}: ${reason}`);
}

export interface PushRequest {
  image: ImageRecord;
  dest: Reference;
  format?: ManifestFormat | undefined;
  progress?: ((line: string) => void) | undefined;
}

/** Pushes `image` to `dest` (a docker reference); returns the manifest's digest there. */
export async function pushImage(store: Store, access: RegistryAccess, req: PushRequest): Promise<Digest> {
  const say = req.progress ?? (() => undefined);
  const dest = req.dest;
  const name = formatReference(dest);
  access.checkPolicy(dest);
  const client = access.client(dest.domain, { repo: dest.path });
  const stored = store.readBlob(req.image.manifest);
  const { bytes, mediaType } = manifestIn(stored, req.format, name);
  const manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  const blobs = [...manifest.layers.map((l) => l.digest), manifest.config.digest];
  for (const digest of blobs)
    if (!store.hasBlob(digest)) throw new BurrowError('E_MISSING_BLOB', `${name}: blob ${digest} of the image is not in the store`);
  say('Getting image source signatures');
  const seen = new Set<Digest>();
  for (const layer of manifest.layers) {
    if (seen.has(layer.digest)) continue;
    seen.add(layer.digest);
    if (await hasBlob(client, dest.path, layer.digest)) {
      say(`Copying blob ${layer.digest.slice(7, 19)} skipped: already exists`);
      continue;
    }
    say(`Copying blob ${layer.digest}`);
    await uploadBlob(client, dest.path, layer.digest, store.blobPath(layer.digest));
  }
  say(`Copying config ${manifest.config.digest}`);
  if (!(await hasBlob(client, dest.path, manifest.config.digest))) await uploadBlob(client, dest.path, manifest.config.digest, store.blobPath(manifest.config.digest));
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
  return sha256(bytes);
}
