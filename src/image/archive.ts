/**
 * Reading image archives in one pass: docker-archive (manifest.json, what
 * `docker save` and `skopeo copy docker-archive:` write) and oci-archive (an
 * OCI image layout in a tar). The kind is told by what the archive holds.
 * Every blob goes through Ingest as it streams by; the manifests are read at
 * the end, and only then is it known which blobs make which image.
 */
import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import tar from 'tar-stream';

import { BurrowError, systemFailure } from '../errors.js';
import { type Digest, parseDigest } from '../oci/digest.js';
import type { ImageToCommit, Ingest, StagedBlob } from './ingest.js';
import { type Index, type Manifest, MediaType } from '../oci/image.js';
import { normalizeName } from '../oci/reference.js';

const MAX_META = 16 << 20;

interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** A small file of the archive, whole; read to its end even when too large (the archive reader waits for that). */
function readAll(stream: Readable, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_META) chunks.push(chunk);
    });
    stream.once('error', reject);
    stream.once('end', () =>
      size > MAX_META ? reject(new BurrowError('E_ARCHIVE', `${what} is larger than ${MAX_META} bytes`)) : resolve(Buffer.concat(chunks)),
    );
  });
}

function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new BurrowError('E_ARCHIVE', `${what} is not valid JSON`);
  }
}

/** Undoes gzip around a whole archive (`docker save | gzip`). */
async function maybeGunzip(input: Readable): Promise<Readable> {
  const iterator = (input as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  const out = new PassThrough();
  const rest = (async () => {
    if (!first.done) out.write(first.value);
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) if (!out.write(r.value)) await new Promise((res) => out.once('drain', res));
    out.end();
  })();
  rest.catch((err: Error) => out.destroy(err));
  const head = first.done ? Buffer.alloc(0) : first.value;
  if (head[0] === 0x1f && head[1] === 0x8b) return out.pipe(createGunzip());
  return out;
}

/** Reads an archive from `input` into `ingest`; returns the images it describes, not yet committed. */
export async function readArchive(input: Readable, ingest: Ingest, source: string): Promise<ImageToCommit[]> {
  const stream = await maybeGunzip(input);
  const extract = tar.extract();
  const meta = new Map<string, Buffer>();
  const byPath = new Map<string, StagedBlob>();
  const links = new Map<string, string>();
  let entries = 0;

  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, body, next) => {
      entries++;
      const name = posix.normalize(header.name).replace(/^(\.\/)+/, '').replace(/\/$/, '');
      const entry = body as unknown as Readable;
      const handle = async (): Promise<void> => {
        if (header.type === 'symlink' || header.type === 'link') {
          const target = header.type === 'symlink' ? posix.normalize(posix.join(posix.dirname(name), header.linkname ?? '')) : posix.normalize(header.linkname ?? '');
          links.set(name, target);
          body.resume();
          return;
        }
        if (header.type !== 'file' && header.type !== 'contiguous-file') {
          body.resume();
          return;
        }
        const blobMatch = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
        if (name === 'manifest.json' || name === 'index.json' || name === 'oci-layout' || name === 'repositories') {
          meta.set(name, await readAll(entry, `${source}: ${name}`));
        } else if (blobMatch) {
          byPath.set(name, await ingest.addBlob(entry, `sha256:${blobMatch[1]}` as Digest, `${source}: ${name}`));
        } else if (/^[a-f0-9]{64}\.json$/.test(name)) {
          byPath.set(name, await ingest.addBlob(entry, `sha256:${name.slice(0, 64)}` as Digest, `${source}: ${name}`));
        } else if (name.endsWith('.tar') || name.endsWith('/layer.tar') || name.endsWith('.tar.gz')) {
          byPath.set(name, await ingest.addBlob(entry, undefined, `${source}: ${name}`));
        } else {
          body.resume();
        }
      };
      handle().then(
        () => next(),
        (err: unknown) => {
          next(err as Error);
        },
      );
    });
    extract.once('finish', resolve);
    extract.once('error', (err: Error) => reject(err));
    stream.once('error', (err: Error) => extract.destroy(err));
  });
  stream.pipe(extract);
  try {
    await done;
  } catch (err) {
    if (err instanceof BurrowError) throw err;
    // A full disk or an unreadable file is not the archive's fault.
    throw systemFailure(err, 'load') ?? new BurrowError('E_ARCHIVE', `${source}: not a readable image archive: ${(err as Error).message}`);
  }
  if (entries === 0) throw new BurrowError('E_ARCHIVE', `${source}: empty or not a tar archive`);

  const blobAt = (path: string): StagedBlob | undefined => {
    let p = posix.normalize(path);
    for (let hops = 0; hops < 10 && !byPath.has(p) && links.has(p); hops++) p = links.get(p) as string;
    return byPath.get(p);
  };

  if (meta.has('index.json')) return ociImages(meta, ingest, source);
  const manifestJson = meta.get('manifest.json');
  if (!manifestJson) throw new BurrowError('E_ARCHIVE', `${source}: neither a docker archive (no manifest.json) nor an OCI archive (no index.json)`);
  const entriesList = parseJson<DockerManifestEntry[]>(manifestJson, `${source}: manifest.json`);
  if (!Array.isArray(entriesList) || entriesList.length === 0) throw new BurrowError('E_ARCHIVE', `${source}: manifest.json lists no image`);
  return entriesList.map((entry, i) => {
    const what = `${source}: manifest.json entry ${i + 1}`;
    if (typeof entry?.Config !== 'string' || !Array.isArray(entry.Layers)) throw new BurrowError('E_ARCHIVE', `${what}: no Config or Layers`);
    const config = blobAt(entry.Config);
    if (!config?.json) throw new BurrowError('E_MISSING_BLOB', `${what}: config \`${entry.Config}\` is not in the archive`);
    const layers = entry.Layers.map((l) => {
      const blob = typeof l === 'string' ? blobAt(l) : undefined;
      if (!blob) throw new BurrowError('E_MISSING_BLOB', `${what}: layer \`${String(l)}\` is not in the archive`);
      return blob;
    });
    const { manifest, bytes } = ingest.manifestFor(config, layers);
    const names = (entry.RepoTags ?? []).map((t) => normalizeName(t, 'docker.io'));
    return { manifest, manifestBytes: bytes, names };
  });
}

function ociImages(meta: Map<string, Buffer>, ingest: Ingest, source: string): ImageToCommit[] {
  const index = parseJson<Index>(meta.get('index.json') as Buffer, `${source}: index.json`);
  if (!Array.isArray(index?.manifests)) throw new BurrowError('E_ARCHIVE', `${source}: index.json has no manifests`);
  const out: ImageToCommit[] = [];
  const visit = (descs: Index['manifests'], depth: number, inheritedName?: string): void => {
    if (depth > 4) throw new BurrowError('E_ARCHIVE', `${source}: indexes nested too deep`);
    for (const desc of descs) {
      const digest = parseDigest(desc.digest, `${source}: index.json`);
      const refName = desc.annotations?.['org.opencontainers.image.ref.name'] ?? inheritedName;
      if (desc.mediaType === MediaType.ociIndex || desc.mediaType === MediaType.dockerManifestList) {
        const nested = ingest.json<Index>(digest, 'image index');
        visit(
          nested.manifests.filter((m) => !m.platform || m.platform.os === 'linux'),
          depth + 1,
          refName,
        );
        continue;
      }
      if (desc.mediaType !== MediaType.ociManifest && desc.mediaType !== MediaType.dockerManifest)
        throw new BurrowError('E_MEDIA_TYPE', `${source}: manifest ${digest} has an unsupported media type \`${desc.mediaType}\``);
      const manifest = ingest.json<Manifest>(digest, 'manifest');
      const blob = ingest.blobs.get(digest);
      const names: string[] = [];
      // skopeo writes a bare tag ("latest") when the layout's reference has no name; such an image stays unnamed.
      if (refName && (refName.includes('/') || refName.includes(':'))) names.push(normalizeName(refName));
      else if (refName && !/^[\w][\w.-]{0,127}$/.test(refName)) throw new BurrowError('E_ARCHIVE', `${source}: bad reference name \`${refName}\``);
      out.push({ manifest, manifestBytes: blob?.json, names });
    }
  };
  visit(index.manifests, 0);
  if (out.length === 0) throw new BurrowError('E_ARCHIVE', `${source}: index.json lists no image`);
  return out;
}
