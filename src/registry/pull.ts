/**
 * Pulling an image from a registry into the store: the manifest (an index
 * resolved to the platform's manifest), the config, then the layers the
 * store lacks, in parallel, each fetched, checked against its digest and
 * unpacked in one pass by a fetch worker (fetch-worker.ts, through
 * Ingest.addFetched and image/fetch-pool.ts: a worker per core, each
 * given several layers). A layer whose connection breaks goes on from where it
 * stopped (a Range request) into the same stream; one a killed or failed
 * pull left in tmp/download-HEX is continued the same way. Nothing is in
 * the store until every digest has been checked (Ingest.commit).
 */
import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';

import { BurrowError, withPath } from '../errors.js';
import { bounded } from '../concurrency.js';
import { isObject } from '../json.js';
import { Ingest } from '../image/ingest.js';
import { chainIds, type Digest, hex, isDigest, parseDigest, sha256 } from '../oci/digest.js';
import { type Descriptor, type ImageConfig, type Index, LAYER_MEDIA_TYPES, type Manifest, MediaType } from '../oci/image.js';
import { recordBlobLocations } from '../storage/blob-locations.js';
import { type Download, openDownload } from '../storage/downloads.js';
import type { ImageRecord, Store } from '../storage/store.js';
import { formatReference, type Reference } from '../oci/reference.js';
import type { Platform } from '../oci/platform.js';
import type { Logger } from '../log.js';
import type { RegistryAccess } from './access.js';
import { MAX_MANIFEST, networkReason, type RegistryClient } from './client.js';

/** What a pull asks a registry for, most wanted first. */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
  // Named only to refuse them by name rather than as unknown JSON.
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.docker.distribution.manifest.v1+json',
] as const;

const SCHEMA1 = ['application/vnd.docker.distribution.manifest.v1+prettyjws', 'application/vnd.docker.distribution.manifest.v1+json'];

/** The largest image config read. */
const MAX_CONFIG = 4 << 20;

/** podman's default number of layers fetched at once (containers.conf max_parallel_downloads). */
export const PARALLEL_DOWNLOADS = 6;

export { hostPlatform, parsePlatform, type Platform } from '../oci/platform.js';

export interface PulledManifest {
  manifest: Manifest;
  bytes: Buffer;
  digest: Digest;
}

type Kind = 'index' | 'manifest';

/** What a manifest is, by its media type (the header's, or its own field). */
function kindOf(bytes: Buffer, header: string | undefined, what: string): { kind: Kind; parsed: Manifest | Index } {
  let parsed: { schemaVersion?: number; mediaType?: string; manifests?: unknown; layers?: unknown };
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as typeof parsed;
  } catch {
    throw new BurrowError('E_MANIFEST', `${what}: the manifest is not valid JSON`);
  }
  if (!isObject(parsed)) throw new BurrowError('E_MANIFEST', `${what}: the manifest is not a JSON object`);
  const type = parsed?.mediaType ?? (header === 'application/json' || header === 'text/plain' ? undefined : header);
  if ((type !== undefined && SCHEMA1.includes(type)) || parsed?.schemaVersion === 1)
    throw new BurrowError('E_MANIFEST', `${what}: Docker schema 1 manifests are not supported (push the image again with a current tool)`);
  if (type === MediaType.ociIndex || type === MediaType.dockerManifestList || (type === undefined && Array.isArray(parsed?.manifests))) {
    if (!Array.isArray(parsed.manifests) || !parsed.manifests.every(isObject)) throw new BurrowError('E_MANIFEST', `${what}: the manifest list has no list of manifests`);
    return { kind: 'index', parsed: parsed as unknown as Index };
  }
  if (type === MediaType.ociManifest || type === MediaType.dockerManifest || (type === undefined && Array.isArray(parsed?.layers)))
    return { kind: 'manifest', parsed: parsed as unknown as Manifest };
  throw new BurrowError('E_MANIFEST', `${what}: unsupported manifest type \`${type ?? 'unknown'}\``);
}


/** podman's choice in an index: the platform's OS and architecture, the variant if asked for (or the closest one). */
export function choosePlatform(index: Index, want: Platform, what: string): Descriptor {
  const candidates = (index.manifests ?? []).filter(
    (d) => d.platform?.os === want.os && d.platform?.architecture === want.architecture && kindMatches(d.mediaType),
  );
  const variantOf = (d: Descriptor) => d.platform?.variant ?? (want.architecture === 'arm64' ? 'v8' : undefined);
  const exact = candidates.find((d) => variantOf(d) === want.variant);
  const any = want.variant === undefined ? candidates[0] : undefined;
  const chosen = exact ?? any ?? (want.variant !== undefined ? closerVariant(candidates, want) : undefined);
  if (chosen === undefined) {
    const asked = [want.os, want.architecture, want.variant].filter(Boolean).join('/');
    // An entry for the platform that is no image manifest (a list in the list, as containers/image refuses too).
    const other = (index.manifests ?? []).find((d) => d.platform?.os === want.os && d.platform?.architecture === want.architecture && !kindMatches(d.mediaType));
    if (other !== undefined)
      throw new BurrowError('E_MANIFEST', `${what}: the manifest list's entry for ${asked} is not an image manifest but \`${String(other.mediaType).slice(0, 100)}\` (a list nested in a list is not supported)`);
    const have = (index.manifests ?? [])
      .filter((d) => kindMatches(d.mediaType))
      .map((d) => d.platform && [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join('/'))
      .filter(Boolean);
    throw new BurrowError('E_PLATFORM', `${what}: no image for ${asked} in the manifest list (it has ${have.length ? have.join(', ') : 'no platforms'})`);
  }
  return chosen;
}

function kindMatches(mediaType: string | undefined): boolean {
  return mediaType === undefined || mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

/** arm: an older variant runs on a newer one (v6 on v7), as containers/image's compatibility list. */
function closerVariant(candidates: Descriptor[], want: Platform): Descriptor | undefined {
  const n = Number(/^v(\d+)$/.exec(want.variant ?? '')?.[1]);
  if (!Number.isFinite(n) || want.architecture !== 'arm') return undefined;
  for (let v = n - 1; v >= 5; v--) {
    const d = candidates.find((c) => c.platform?.variant === `v${v}`);
    if (d) return d;
  }
  return undefined;
}

function checkedDigest(bytes: Buffer, expected: string | undefined, what: string): Digest {
  const digest = sha256(bytes);
  if (expected !== undefined && expected !== digest) throw new BurrowError('E_DIGEST_MISMATCH', `${what}: digest mismatch: expected ${expected}, got ${digest}`);
  return digest;
}

/**
 * The image manifest for `ref` (a tag or a digest) on `platform`: through an
 * index when the registry has one, every document checked against the digest
 * that names it.
 */
export async function fetchManifest(client: RegistryClient, repo: string, ref: string, platform: Platform): Promise<PulledManifest & { index?: Buffer }> {
  const what = `${client.registry}/${repo}${ref.startsWith('sha256:') ? '@' : ':'}${ref}`;
  const first = await client.manifest(repo, ref, MANIFEST_ACCEPT);
  const digest = checkedDigest(first.bytes, ref.startsWith('sha256:') ? ref : undefined, what);
  const top = kindOf(first.bytes, first.mediaType, what);
  if (top.kind === 'manifest') return { manifest: top.parsed as Manifest, bytes: first.bytes, digest };
  const chosen = choosePlatform(top.parsed as Index, platform, what);
  const childDigest = parseDigest(chosen.digest, `${what}: manifest list entry`);
  const child = await client.manifest(repo, childDigest, MANIFEST_ACCEPT);
  const childWhat = `${client.registry}/${repo}@${childDigest}`;
  const d = checkedDigest(child.bytes, childDigest, childWhat);
  const inner = kindOf(child.bytes, child.mediaType, childWhat);
  if (inner.kind !== 'manifest') throw new BurrowError('E_MANIFEST', `${childWhat}: a manifest list inside a manifest list`);
  return { manifest: inner.parsed as Manifest, bytes: child.bytes, digest: d, index: first.bytes };
}

/** The size of the pieces blobStream passes on (see `flush` there). */
const COALESCE = 1 << 20;
const IDLE_FLUSH_MS = 20;

/**
 * A blob as one stream, whatever happens to the connections under it: a body
 * that breaks off is continued with a Range request from the byte it reached,
 * `retries` times; more bytes than the descriptor says is an error at once.
 * With `prefix`, the first `prefix.have` bytes come from that file (what an
 * earlier pull fetched) and the registry is asked only for the rest.
 */
export function blobStream(
  client: RegistryClient,
  repo: string,
  desc: Descriptor,
  retries: number,
  counted: (n: number) => void,
  prefix?: { file: string; have: number },
): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  const what = `reading blob ${desc.digest} in ${client.registry}/${repo}`;
  let got = prefix?.have ?? 0;
  const fetchFrom = async (tries: number): Promise<void> => {
    const { body, offset } = await client.blob(repo, desc.digest, got);
    if (offset !== got) {
      // The registry sent it all again: skip what we have.
      let skip = got - offset;
      body.on('data', (chunk: Buffer) => {
        if (skip >= chunk.length) skip -= chunk.length;
        else {
          accept(skip > 0 ? chunk.subarray(skip) : chunk, body);
          skip = 0;
        }
      });
    } else body.on('data', (chunk: Buffer) => accept(chunk, body));
    await new Promise<void>((resolve) => {
      let settled = false;
      const broke = (err: unknown) => {
        if (settled) return;
        settled = true;
        if (out.destroyed) return resolve();
        flush(); // what came before the break is the blob's (counted in `got`), kept whether or not a retry follows
        if (tries <= 0) {
          out.destroy(new BurrowError('E_REGISTRY_NETWORK', `${what}: ${networkReason(err)} after ${got} of ${desc.size} bytes`));
          return resolve();
        }
        fetchFrom(tries - 1).then(resolve, (e: unknown) => {
          out.destroy(e as Error);
          resolve();
        });
      };
      body.once('error', broke);
      body.once('aborted', () => broke(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })));
      body.once('end', () => {
        if (settled) return;
        if (!body.complete || got < desc.size) return broke(Object.assign(new Error('the connection closed before the end'), { code: 'ECONNRESET' }));
        settled = true;
        flush();
        out.end();
        resolve();
      });
    });
  };
  // A socket's reads (64 KiB each) gathered into bigger pieces: each piece the reader gets costs it a staged
  // write and an inflate call on Node's thread pool, and those round trips, not the bytes, were a third of a fetch
  // worker's time. A piece goes on at COALESCE bytes, or once no byte has come for IDLE_FLUSH_MS (a registry
  // that stalls leaves nothing held back here: a pull killed then keeps on disk all it received).
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let arrived = 0; // chunks since the idle timer last looked
  let idle: NodeJS.Timeout | undefined;
  const watchIdle = (body: Readable) => {
    idle = setTimeout(() => {
      idle = undefined;
      if (arrived === 0) return flush(body);
      arrived = 0;
      watchIdle(body);
    }, IDLE_FLUSH_MS);
  };
  const flush = (body?: Readable) => {
    clearTimeout(idle);
    idle = undefined;
    arrived = 0;
    if (pendingBytes === 0 || out.destroyed) return;
    const piece = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    if (!out.write(piece) && body) {
      body.pause();
      out.once('drain', () => body.resume());
    }
  };
  const accept = (chunk: Buffer, body: Readable) => {
    if (out.destroyed) return;
    got += chunk.length;
    counted(chunk.length);
    if (got > desc.size) {
      body.destroy();
      out.destroy(new BurrowError('E_BLOB', `${what}: more than the ${desc.size} bytes its manifest says`));
      return;
    }
    pending.push(chunk);
    pendingBytes += chunk.length;
    arrived++;
    if (pendingBytes >= COALESCE) flush(body);
    else if (idle === undefined) watchIdle(body);
  };
  const fetchRest = () => {
    if (got >= desc.size) out.end();
    else fetchFrom(retries).catch((err: unknown) => out.destroy(err as Error));
  };
  if (prefix === undefined || prefix.have === 0) fetchRest();
  else {
    const earlier = createReadStream(prefix.file, { start: 0, end: prefix.have - 1, highWaterMark: 1 << 20 });
    earlier.once('error', (err: Error) => out.destroy(withPath(err, prefix.file) as Error));
    earlier.once('end', fetchRest);
    earlier.pipe(out, { end: false });
  }
  return out;
}

export interface PullRequest {
  client: RegistryClient;
  repo: string;
  /** tag or digest */
  ref: string;
  /** the names the image gets in the store */
  names: string[];
  /** how the source is named in messages: docker://HOST/REPO:TAG */
  source: string;
  platform: Platform;
  retries: number;
  parallel?: number | undefined;
  /** podman's progress lines (on standard error) */
  progress?: ((line: string) => void) | undefined;
  /** bars for the blobs, on a terminal (then the blobs' plain lines are not said) */
  bars?: BarMaker | undefined;
  /** burrow's log (--log-level) */
  log?: Logger | undefined;
}

/** Makes a progress bar for a blob (registry/progress.ts draws them). */
export interface BarMaker {
  bar(kind: 'blob' | 'config', digest: string, size: number): { add(n: number): void; finish(label: string): void };
}

export interface PullResult {
  image: ImageRecord;
  /** bytes of blob bodies received */
  received: number;
  /** layers that were already in the store */
  skipped: number;
}

export async function pullImage(store: Store, req: PullRequest): Promise<PullResult> {
  const say = req.progress ?? (() => undefined);
  const pulled = await fetchManifest(req.client, req.repo, req.ref, req.platform);
  const { manifest } = pulled;
  const what = req.source;
  if (typeof manifest.config?.digest !== 'string' || !Array.isArray(manifest.layers) || !manifest.layers.every(isObject)) throw new BurrowError('E_MANIFEST', `${what}: not an image manifest`);
  manifest.layers.forEach((layer, i) => {
    if (!LAYER_MEDIA_TYPES.includes(layer.mediaType))
      throw new BurrowError('E_MEDIA_TYPE', `${what}: layer ${i + 1} has an unsupported media type \`${layer.mediaType}\``);
    parseDigest(layer.digest, `${what}: layer ${i + 1}`);
    if (!Number.isSafeInteger(layer.size) || layer.size < 0) throw new BurrowError('E_MANIFEST', `${what}: layer ${i + 1} has no valid size`);
  });
  const configDigest = parseDigest(manifest.config.digest, `${what}: config`);
  say('Getting image source signatures');
  store.init();
  const ingest = new Ingest(store, what);
  const downloads: Download[] = [];
  let received = 0;
  let skipped = 0;
  // A layer whose blob the store lacks is fetched by a worker: started now, so that its start overlaps the
  // config's fetch (a round trip to the registry, or to its blob storage) instead of following it.
  const missing = new Set(manifest.layers.filter((l) => !store.hasBlob(l.digest)).map((l) => l.digest)).size;
  const release = missing > 0 ? ingest.holdWorkers() : undefined;
  if (missing > 0) ingest.warmWorkers(Math.min(missing, req.parallel ?? PARALLEL_DOWNLOADS), workerEnv);
  try {
    const configBytes = store.hasBlob(configDigest) ? undefined : await req.client.blobBytes(req.repo, configDigest, MAX_CONFIG);
    if (configBytes !== undefined) {
      received += configBytes.length;
      checkedDigest(configBytes, configDigest, `${what}: config`);
    }
    const config = configBytes !== undefined ? parseConfig(configBytes, what) : store.readJsonBlob<ImageConfig>(configDigest);
    const diffIds = config?.rootfs?.diff_ids;
    if (!Array.isArray(diffIds) || diffIds.length !== manifest.layers.length || !diffIds.every(isDigest))
      throw new BurrowError('E_CONFIG', `${what}: the config's rootfs.diff_ids do not match the manifest's ${manifest.layers.length} layers`);
    const chains = chainIds(diffIds);
    const wanted = new Map<Digest, Descriptor>();
    manifest.layers.forEach((layer, i) => {
      const have = store.layer(chains[i] as Digest) !== undefined && store.hasBlob(layer.digest);
      if (have || wanted.has(layer.digest)) {
        if (have) {
          skipped++;
          if (req.bars) req.bars.bar('blob', layer.digest, layer.size).finish('skipped: already exists');
          else say(`Copying blob ${hex(layer.digest).slice(0, 12)} skipped: already exists`);
        }
        return;
      }
      wanted.set(layer.digest, layer);
    });
    const handoff = wanted.size > 0 ? await req.client.handoff() : undefined;
    await bounded([...wanted.values()], req.parallel ?? PARALLEL_DOWNLOADS, async (layer) => {
      const bar = req.bars?.bar('blob', layer.digest, layer.size);
      if (!bar) say(`Copying blob ${layer.digest}`);
      // Held until the pull ends: commit renames it into blobs/, and no other pull may append to it before.
      const download = openDownload(store, layer.digest, layer.size);
      if (download) downloads.push(download);
      let shown = 0;
      const fetchLayer = async (have: number): Promise<void> => {
        // The bar starts again with each try: from what is kept, then what comes.
        bar?.add(have - shown);
        shown = have;
        const counted = (n: number) => {
          received += n;
          shown += n;
          bar?.add(n);
        };
        // The worker fetches, hashes, stages and unpacks it: no byte of it passes through here.
        const job = { client: handoff, repo: req.repo, desc: layer, retries: req.retries };
        await ingest.addFetched(job, layer.digest, `layer ${layer.digest}`, download && { file: download.file, have }, counted, workerEnv);
      };
      try {
        await fetchLayer(download?.have ?? 0);
      } catch (err) {
        if (download === undefined || registryFault(err)) throw err;
        if (download.have === 0) {
          // The bytes themselves were bad: nothing of them is worth keeping.
          download.discard();
          throw err;
        }
        // What an earlier pull left did not make the blob (a registry that changed it, a file
        // damaged meanwhile): fetched again whole, once.
        req.log?.info(`${layer.digest}: the ${download.have} bytes kept from an earlier pull were not a good start (${(err as Error).message}): fetching it whole`);
        download.restart();
        try {
          await fetchLayer(0);
        } catch (again) {
          if (!registryFault(again)) download.discard();
          throw again;
        }
      }
      bar?.finish('done   |');
    });
    if (req.bars) req.bars.bar('config', configDigest, manifest.config.size ?? 0).finish('done   |');
    else say(`Copying config ${configDigest}`);
    if (configBytes !== undefined) ingest.addJson(configBytes);
    ingest.addJson(pulled.bytes);
    say('Writing manifest to image destination');
    const [image] = await ingest.commit([{ manifest, manifestBytes: pulled.bytes, names: req.names }]);
    if (image === undefined) throw new BurrowError('E_REGISTRY', `${what}: nothing was stored`);
    // Where its blobs are, for a push to another repository of this registry to mount them.
    recordBlobLocations(store.root, `${req.client.registry}/${req.repo}`, [configDigest, ...manifest.layers.map((l) => l.digest)]);
    return { image, received, skipped };
  } finally {
    release?.();
    await ingest.cleanup();
    for (const d of downloads) d.release();
  }
}

/** What the fetch workers keep of the environment: where TLS looks for CAs. */
const workerEnv = ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR'].flatMap((k) => (process.env[k] ? [`${k}=${process.env[k]}`] : []));

/**
 * A failure of the registry or the connection, not of the bytes: what was
 * fetched so far is a good start for the next pull.
 */
function registryFault(err: unknown): boolean {
  return !(err instanceof BurrowError) || err.code.startsWith('E_REGISTRY');
}

function parseConfig(bytes: Buffer, what: string): ImageConfig {
  if (bytes.length > MAX_MANIFEST) throw new BurrowError('E_CONFIG', `${what}: the config is larger than ${MAX_MANIFEST} bytes`);
  try {
    return JSON.parse(bytes.toString('utf8')) as ImageConfig;
  } catch {
    throw new BurrowError('E_CONFIG', `${what}: the config is not valid JSON`);
  }
}

/** The digest of the manifest a pull of `name` would store now (for `--pull newer`). */
export async function remoteDigest(access: RegistryAccess, name: string, platform: Platform): Promise<Digest> {
  const { ref, client } = access.remote(name, false);
  return (await fetchManifest(client, ref.path, ref.digest ?? ref.tag ?? 'latest', platform)).digest;
}

export interface PullByNameOptions {
  platform: Platform;
  retries: number;
  /** is standard input a terminal (short names may then be chosen) */
  tty: boolean;
  progress?: ((line: string) => void) | undefined;
  bars?: BarMaker | undefined;
  log?: Logger | undefined;
  /** asks the user to choose among a short name's candidates (on a terminal); returns the index */
  choose?: ((candidates: string[]) => Promise<number>) | undefined;
  /** layers fetched at once (containers.conf image_parallel_copies) */
  parallel?: number | undefined;
}

/**
 * `pull NAME` as podman: each fully qualified candidate of the name in turn
 * (`Trying to pull ...`), each from its mirrors first; the trust policy is
 * asked before anything is fetched. The first that succeeds is the image;
 * when none does, the error names each.
 */
export async function pullByName(store: Store, access: RegistryAccess, input: string, opts: PullByNameOptions): Promise<PullResult> {
  const say = opts.progress ?? (() => undefined);
  const failures: string[] = [];
  // Without a way to ask, there is no terminal to ask on.
  const resolved = access.resolve(input, opts.tty && opts.choose !== undefined);
  let candidates = resolved.candidates;
  let chosen = false;
  if (resolved.mustChoose && opts.choose) {
    const pick = await opts.choose(candidates.map((c) => formatReference(c)));
    candidates = [candidates[pick] as Reference];
    chosen = true;
  }
  let last: unknown;
  for (const candidate of candidates) {
    const name = formatReference(candidate);
    say(`Trying to pull ${name}...`);
    access.checkPolicy(candidate);
    for (const { ref, insecure } of access.sources(candidate)) {
      const client = access.client(ref.domain, { insecure, repo: ref.path });
      try {
        const pulled = await pullImage(store, {
          client,
          repo: ref.path,
          ref: ref.digest ?? ref.tag ?? 'latest',
          names: candidate.digest === undefined ? [name] : [],
          source: `docker://${formatReference(ref)}`,
          platform: opts.platform,
          retries: opts.retries,
          progress: opts.progress,
          bars: opts.bars,
          log: opts.log,
          parallel: opts.parallel,
        });
        // podman keeps the user's choice, once it proved good, so the name is not asked about again.
        if (chosen && resolved.shortName !== undefined) access.recordAlias(resolved.shortName, name);
        return pulled;
      } catch (err) {
        if (!(err instanceof BurrowError)) throw err;
        last = err;
        failures.push(err.message);
        if (ref.domain !== candidate.domain) say(`Warning: mirror ${ref.domain}: ${err.message}`);
      }
    }
  }
  if (failures.length === 1 && last instanceof BurrowError) throw last;
  throw new BurrowError(
    last instanceof BurrowError ? last.code : 'E_REGISTRY',
    `pulling ${input}: ${failures.length} places tried, none had it: ${failures.join('; ')}`,
  );
}
