/**
 * Reading image archives in one pass: docker-archive (manifest.json, what
 * `docker save` and `skopeo copy docker-archive:` write) and oci-archive (an
 * OCI image layout in a tar). The kind is told by what the archive holds.
 * Every blob goes through Ingest as it streams by; the manifests are read at
 * the end, and only then is it known which blobs make which image.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readlinkSync, type Stats } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import tar from 'tar-stream';

import { bounded } from '../concurrency.js';
import { BurrowError, errnoCode, systemFailure } from '../errors.js';
import { type Digest, parseDigest } from '../oci/digest.js';
import type { ImageToCommit, Ingest, StagedBlob } from './ingest.js';
import { type TarEntry, tarIndex } from './tar-index.js';
import { type Index, type Manifest, MediaType } from '../oci/image.js';
import { normalizeName } from '../oci/reference.js';

const MAX_META = 16 << 20;

/**
 * How many layers of an archive or a directory are taken at once (by the
 * ingest's fetch workers, image/fetch-pool.ts, or a worker of its own for
 * a layer read from a passed fd): as many as there are processors, from 2 to 6
 * (containers/image's parallel copies). Measured on 2 processors, six layers
 * of 80 MB: one at a time 2.4 s, two or more at once 1.5-1.7 s.
 */
const PARALLEL_LAYERS = Math.min(6, Math.max(2, availableParallelism()));

/** An image of an archive or layout, with the references the source gives it as written (ref.name annotation, RepoTags). */
export interface SourceImage extends ImageToCommit {
  refs: string[];
}

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
export async function readArchive(input: Readable, ingest: Ingest, source: string): Promise<SourceImage[]> {
  const stream = await maybeGunzip(input);
  const extract = tar.extract();
  const meta = new Map<string, Buffer>();
  const byPath = new Map<string, StagedBlob>();
  const links = new Map<string, string>();
  let entries = 0;
  // The entry being read: when the archive breaks off, its blob's worker may still be writing into
  // the staging directory; the error waits for it, or the caller's clean-up races the worker.
  let current: Promise<void> = Promise.resolve();
  // The blobs read whole, some still unpacking (Ingest.addBlob's `entry`): waited for, even after a failure, for the same reason.
  const blobs: Promise<void>[] = [];
  // Those still unpacking (each settles, never rejects): no more than PARALLEL_LAYERS, as from a file.
  const unpacking = new Set<Promise<void>>();
  // Resolves once the entry's bytes are read (the next is read while it unpacks); rejects when it fails before.
  const readBlob = async (name: string, entry: Readable, size: number, expected: Digest | undefined, what: string): Promise<void> => {
    while (unpacking.size >= PARALLEL_LAYERS) await Promise.race(unpacking);
    await new Promise<void>((consumed, failed) => {
      const blob = ingest.addBlob(entry, expected, what, undefined, { size, consumed: () => consumed() }).then((b) => void byPath.set(name, b));
      blobs.push(blob);
      const settled: Promise<void> = blob.then(
        () => void unpacking.delete(settled),
        (err: unknown) => {
          unpacking.delete(settled);
          failed(err);
          // A layer that fails after its entry was read stops the reading of the archive.
          extract.destroy(err as Error);
        },
      );
      unpacking.add(settled);
    });
  };

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
          await readBlob(name, entry, header.size ?? 0, `sha256:${blobMatch[1]}` as Digest, `${source}: ${name}`);
        } else if (/^[a-f0-9]{64}\.json$/.test(name)) {
          await readBlob(name, entry, header.size ?? 0, `sha256:${name.slice(0, 64)}` as Digest, `${source}: ${name}`);
        } else if (name.endsWith('.tar') || name.endsWith('/layer.tar') || name.endsWith('.tar.gz')) {
          await readBlob(name, entry, header.size ?? 0, undefined, `${source}: ${name}`);
        } else {
          body.resume();
        }
      };
      current = handle().then(
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
  // The fetch workers stay between the layers, which come as far apart as the archive's reading takes.
  const release = ingest.holdWorkers();
  stream.pipe(extract);
  try {
    await done;
    await Promise.all(blobs);
  } catch (err) {
    await current; // settles: the extractor's destruction ends the entry's stream with the error
    await Promise.allSettled(blobs);
    if (err instanceof BurrowError) throw err;
    // A full disk or an unreadable file is not the archive's fault.
    throw systemFailure(err, 'load') ?? new BurrowError('E_ARCHIVE', `${source}: not a readable image archive: ${(err as Error).message}`);
  } finally {
    release();
  }
  if (entries === 0) throw new BurrowError('E_ARCHIVE', `${source}: empty or not a tar archive`);
  return archiveImages(meta, byPath, links, ingest, source);
}

/**
 * `readArchive` for an uncompressed archive in a file: its entries found by
 * their headers (image/tar-index.ts), the small ones read in place, each
 * layer read from its place by the worker that unpacks it (Ingest.addRange),
 * so no layer byte passes through this process. Undefined when the file is
 * not a plain tar this walk understands (gzip, a damaged header): the caller
 * reads it as a stream then, whose reader names the problem.
 */
export async function readArchiveFile(file: string, ingest: Ingest, source: string): Promise<SourceImage[] | undefined> {
  let index: TarEntry[];
  try {
    index = tarIndex(file);
  } catch {
    return undefined;
  }
  if (index.length === 0) return undefined;
  const meta = new Map<string, Buffer>();
  const byPath = new Map<string, StagedBlob>();
  const links = new Map<string, string>();
  try {
    // The blobs, taken side by side once the index is walked (each layer unpacked by a fetch worker);
    // of two entries of one name, the later one, as tar -x leaves it.
    const blobs = new Map<string, { name: string; range: { file: string; offset: number; size: number }; expected: Digest | undefined }>();
    for (const e of index) {
      const name = posix.normalize(e.name).replace(/^(\.\/)+/, '').replace(/\/$/, '');
      if (e.type === '2' || e.type === '1') {
        links.set(name, e.type === '2' ? posix.normalize(posix.join(posix.dirname(name), e.linkname)) : posix.normalize(e.linkname));
        continue;
      }
      if (e.type !== '0' && e.type !== '7') continue;
      const blobMatch = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
      const range = { file, offset: e.offset, size: e.size };
      if (name === 'manifest.json' || name === 'index.json' || name === 'oci-layout' || name === 'repositories') {
        if (e.size > MAX_META) throw new BurrowError('E_ARCHIVE', `${source}: ${name} is larger than ${MAX_META} bytes`);
        meta.set(name, readRange(range));
      } else if (blobMatch) blobs.set(name, { name, range, expected: `sha256:${blobMatch[1]}` as Digest });
      else if (/^[a-f0-9]{64}\.json$/.test(name)) blobs.set(name, { name, range, expected: `sha256:${name.slice(0, 64)}` as Digest });
      else if (name.endsWith('.tar') || name.endsWith('/layer.tar') || name.endsWith('.tar.gz')) blobs.set(name, { name, range, expected: undefined });
    }
    await bounded([...blobs.values()], PARALLEL_LAYERS, async ({ name, range, expected }) => void byPath.set(name, await ingest.addRange(range, expected, `${source}: ${name}`)));
  } catch (err) {
    if (err instanceof BurrowError) throw err;
    throw systemFailure(err, 'load') ?? new BurrowError('E_ARCHIVE', `${source}: not a readable image archive: ${(err as Error).message}`);
  }
  return archiveImages(meta, byPath, links, ingest, source);
}

function readRange(r: { file: string; offset: number; size: number }): Buffer {
  const fd = openSync(r.file, 'r');
  try {
    const buf = Buffer.alloc(r.size);
    if (readSync(fd, buf, 0, r.size, r.offset) !== r.size) throw new BurrowError('E_ARCHIVE', `${r.file}: the archive ends inside an entry`);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** The images an archive's files describe (its index.json, else its manifest.json), once its blobs are in. */
function archiveImages(meta: Map<string, Buffer>, byPath: Map<string, StagedBlob>, links: Map<string, string>, ingest: Ingest, source: string): SourceImage[] {
  const blobAt = (path: string): StagedBlob | undefined => {
    let p = posix.normalize(path);
    for (let hops = 0; hops < 10 && !byPath.has(p) && links.has(p); hops++) p = links.get(p) as string;
    return byPath.get(p);
  };

  const indexJson = meta.get('index.json');
  if (indexJson) return ociImages(parseJson<Index>(indexJson, `${source}: index.json`), ingest, source);
  const manifestJson = meta.get('manifest.json');
  if (!manifestJson) throw new BurrowError('E_ARCHIVE', `${source}: neither a docker archive (no manifest.json) nor an OCI archive (no index.json)`);
  return dockerImages(manifestJson, blobAt, ingest, source, 'archive');
}

function dockerEntries(manifestJson: Buffer, source: string): DockerManifestEntry[] {
  const entriesList = parseJson<DockerManifestEntry[]>(manifestJson, `${source}: manifest.json`);
  if (!Array.isArray(entriesList) || entriesList.length === 0) throw new BurrowError('E_ARCHIVE', `${source}: manifest.json lists no image`);
  entriesList.forEach((entry, i) => {
    if (typeof entry?.Config !== 'string' || !Array.isArray(entry.Layers) || !entry.Layers.every((l) => typeof l === 'string'))
      throw new BurrowError('E_ARCHIVE', `${source}: manifest.json entry ${i + 1}: no Config or Layers`);
    // docker writes null for an image without tags
    if (entry.RepoTags !== undefined && entry.RepoTags !== null && !Array.isArray(entry.RepoTags))
      throw new BurrowError('E_ARCHIVE', `${source}: manifest.json entry ${i + 1}: RepoTags is not a list`);
  });
  return entriesList;
}

function dockerImages(
  manifestJson: Buffer,
  blobAt: (path: string) => StagedBlob | undefined,
  ingest: Ingest,
  source: string,
  container: 'archive' | 'directory',
): SourceImage[] {
  return dockerEntries(manifestJson, source).map((entry, i) => {
    const what = `${source}: manifest.json entry ${i + 1}`;
    const config = blobAt(entry.Config);
    if (!config?.json) throw new BurrowError('E_MISSING_BLOB', `${what}: config \`${entry.Config}\` is not in the ${container}`);
    const layers = entry.Layers.map((l) => {
      const blob = blobAt(l);
      if (!blob) throw new BurrowError('E_MISSING_BLOB', `${what}: layer \`${l}\` is not in the ${container}`);
      return blob;
    });
    const { manifest, bytes } = ingest.manifestFor(config, layers);
    const refs = (entry.RepoTags ?? []).filter((t) => typeof t === 'string');
    const names = refs.map((t) => normalizeName(t, 'docker.io'));
    return { manifest, manifestBytes: bytes, names, refs };
  });
}

/**
 * Reads an unpacked archive: an OCI image layout (`save --format oci-dir`,
 * `skopeo copy oci:DIR`) or a docker-archive's files in a directory. Only
 * the blobs the index or manifest.json names are read, each from its file
 * by `ingest` (a layer by a worker of its own, given the open file: see
 * Ingest.addRange). Nothing outside `dir` is opened: a path with `..` is
 * refused, symbolic links are followed only while they stay inside `dir`
 * (never for the metadata files), and every file is opened with O_NOFOLLOW
 * and checked to be the regular file that was looked at.
 */
export async function readDirectory(dir: string, ingest: Ingest, source: string, refName?: string): Promise<SourceImage[]> {
  const files = new LayoutFiles(dir, source);
  // Each file taken once, however often it is named (and while it is being taken).
  const added = new Map<string, Promise<StagedBlob>>();
  const add = (rel: string, expected: Digest | undefined): Promise<StagedBlob> => {
    const path = files.resolve(rel);
    let blob = added.get(path);
    if (blob === undefined) {
      const { fd, size } = files.open(path);
      blob = ingest.addRange({ file: join(dir, path), offset: 0, size, fd }, expected, `${source}: ${rel}`).finally(() => closeSync(fd));
      added.set(path, blob);
    }
    return blob;
  };
  const meta = new Map<string, Buffer>();
  for (const name of ['index.json', 'manifest.json']) {
    const bytes = files.readMeta(name);
    if (bytes) meta.set(name, bytes);
  }
  const index = meta.get('index.json');
  if (index) {
    const parsed = parseJson<Index>(index, `${source}: index.json`);
    if (!Array.isArray(parsed?.manifests)) throw new BurrowError('E_ARCHIVE', `${source}: index.json has no manifests`);
    const fetch = async (descs: Index['manifests'], depth: number): Promise<void> => {
      if (depth > 4) throw new BurrowError('E_ARCHIVE', `${source}: indexes nested too deep`);
      for (const desc of descs) {
        const digest = parseDigest(desc?.digest, `${source}: index.json`);
        await add(blobPath(digest), digest);
        if (desc.mediaType === MediaType.ociIndex || desc.mediaType === MediaType.dockerManifestList) {
          const nested = ingest.json<Index>(digest, 'image index');
          if (!Array.isArray(nested?.manifests)) throw new BurrowError('E_ARCHIVE', `${source}: image index ${digest} has no manifests`);
          await fetch(
            nested.manifests.filter((m) => !m?.platform || m.platform.os === 'linux'),
            depth + 1,
          );
        } else if (desc.mediaType === MediaType.ociManifest || desc.mediaType === MediaType.dockerManifest) {
          const manifest = ingest.json<Manifest>(digest, 'manifest');
          if (!manifest?.config || !Array.isArray(manifest.layers)) throw new BurrowError('E_ARCHIVE', `${source}: manifest ${digest} has no config or layers`);
          const blobDigests = [manifest.config, ...manifest.layers].map((d) => parseDigest(d?.digest, `${source}: manifest ${digest}`));
          await bounded(blobDigests, PARALLEL_LAYERS, async (blobDigest) => void (await add(blobPath(blobDigest), blobDigest)));
        }
      }
    };
    // With a reference, only the images it names are read (and kept).
    if (refName !== undefined) {
      parsed.manifests = parsed.manifests.filter((d) => d?.annotations?.['org.opencontainers.image.ref.name'] === refName);
      if (parsed.manifests.length === 0) throw new BurrowError('E_NOT_FOUND', `${source}: no image named \`${refName}\` in the layout`);
    }
    await fetch(parsed.manifests, 0);
    return ociImages(parsed, ingest, source);
  }
  const manifestJson = meta.get('manifest.json');
  if (!manifestJson)
    throw new BurrowError('E_ARCHIVE', `${source}: neither an OCI image layout (no index.json) nor an unpacked docker archive (no manifest.json)`);
  const byPath = new Map<string, StagedBlob>();
  const wanted: { rel: string; expected: Digest | undefined }[] = [];
  for (const entry of dockerEntries(manifestJson, source)) {
    const hex = /^([a-f0-9]{64})\.json$/.exec(posix.basename(entry.Config))?.[1];
    wanted.push({ rel: entry.Config, expected: hex ? (`sha256:${hex}` as Digest) : undefined }, ...entry.Layers.map((rel) => ({ rel, expected: undefined })));
  }
  await bounded(wanted, PARALLEL_LAYERS, async ({ rel, expected }) => void byPath.set(rel, await add(rel, expected)));
  return dockerImages(manifestJson, (p) => byPath.get(p), ingest, source, 'directory');
}

function blobPath(digest: Digest): string {
  const [algorithm, hex] = digest.split(':') as [string, string];
  if (algorithm !== 'sha256') throw new BurrowError('E_ARCHIVE', `unsupported digest algorithm in ${digest}`);
  return `blobs/sha256/${hex}`;
}

/** The files of a layout directory, opened without ever leaving it. */
class LayoutFiles {
  constructor(
    private readonly dir: string,
    private readonly source: string,
  ) {}

  private fail(rel: string, why: string, code = 'E_ARCHIVE'): never {
    throw new BurrowError(code, `${this.source}: \`${rel}\` ${why}`);
  }

  /** `rel` checked, its links followed while they stay inside: the path (relative to the directory) of a regular file. */
  resolve(rel: string): string {
    let path = rel;
    for (let hops = 0; ; hops++) {
      if (hops > 16) this.fail(rel, 'has too many levels of symbolic links');
      if (path === '' || posix.isAbsolute(path)) this.fail(rel, path === '' ? 'is an empty path' : 'is an absolute path');
      const normal = posix.normalize(path);
      if (hops === 0 && path.split('/').includes('..')) this.fail(rel, 'has `..` in it: it must name a file inside the directory');
      if (normal === '..' || normal.startsWith('../')) this.fail(rel, 'is a symbolic link leading outside the directory');
      const parts = normal.split('/');
      let st: Stats | undefined;
      let at = this.dir;
      let linked: string | undefined;
      for (const [i, part] of parts.entries()) {
        at = join(at, part);
        try {
          st = lstatSync(at);
        } catch (err) {
          if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') this.fail(rel, 'is not in the directory', 'E_MISSING_BLOB');
          throw systemFailure(err, 'load') ?? err;
        }
        if (st.isSymbolicLink()) {
          const target = readlinkSync(at);
          if (posix.isAbsolute(target)) this.fail(rel, 'is a symbolic link leading outside the directory');
          linked = posix.join(posix.dirname(parts.slice(0, i + 1).join('/')), target, ...parts.slice(i + 1));
          break;
        }
        if (i < parts.length - 1 && !st.isDirectory()) this.fail(rel, 'is not in the directory', 'E_MISSING_BLOB');
      }
      if (linked !== undefined) {
        path = linked;
        continue;
      }
      if (!st?.isFile()) this.fail(rel, 'is not a regular file');
      return normal;
    }
  }

  /** The regular file at `path` (from resolve), open (the caller closes it) with its size: opened with O_NOFOLLOW and checked to be a regular file. */
  open(path: string): { fd: number; size: number } {
    const full = join(this.dir, path);
    let fd: number;
    try {
      fd = openSync(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      if (errnoCode(err) === 'ELOOP') this.fail(path, 'is a symbolic link');
      throw systemFailure(err, 'load') ?? new BurrowError('E_ARCHIVE', `${this.source}: \`${path}\`: ${(err as Error).message}`);
    }
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      this.fail(path, 'is not a regular file');
    }
    return { fd, size: st.size };
  }

  /** A metadata file (index.json, manifest.json) whole, or undefined when there is none; never through a link. */
  readMeta(name: string): Buffer | undefined {
    let st: Stats;
    try {
      st = lstatSync(join(this.dir, name));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw systemFailure(err, 'load') ?? err;
    }
    if (st.isSymbolicLink()) this.fail(name, 'is a symbolic link: the metadata of a layout must be a file of its own');
    if (!st.isFile()) this.fail(name, 'is not a regular file');
    if (st.size > MAX_META) this.fail(name, `is larger than ${MAX_META} bytes`);
    let fd: number;
    try {
      fd = openSync(join(this.dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (err) {
      if (errnoCode(err) === 'ELOOP') this.fail(name, 'is a symbolic link');
      throw systemFailure(err, 'load') ?? err;
    }
    try {
      const fst = fstatSync(fd);
      if (!fst.isFile() || fst.size > MAX_META) this.fail(name, fst.isFile() ? `is larger than ${MAX_META} bytes` : 'is not a regular file');
      const buf = Buffer.alloc(fst.size);
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }
}

function ociImages(index: Index, ingest: Ingest, source: string): SourceImage[] {
  if (!Array.isArray(index?.manifests)) throw new BurrowError('E_ARCHIVE', `${source}: index.json has no manifests`);
  const out: SourceImage[] = [];
  const visit = (descs: Index['manifests'], depth: number, inheritedName?: string): void => {
    if (depth > 4) throw new BurrowError('E_ARCHIVE', `${source}: indexes nested too deep`);
    for (const desc of descs) {
      const digest = parseDigest(desc.digest, `${source}: index.json`);
      const given: unknown = desc.annotations?.['org.opencontainers.image.ref.name'];
      if (given !== undefined && typeof given !== 'string') throw new BurrowError('E_ARCHIVE', `${source}: bad reference name \`${JSON.stringify(given)}\``);
      const refName = given ?? inheritedName;
      if (desc.mediaType === MediaType.ociIndex || desc.mediaType === MediaType.dockerManifestList) {
        const nested = ingest.json<Index>(digest, 'image index');
        visit(
          nested.manifests.filter((m) => !m?.platform || m.platform.os === 'linux'),
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
      out.push({ manifest, manifestBytes: blob?.json, names, refs: refName ? [refName] : [] });
    }
  };
  visit(index.manifests, 0);
  if (out.length === 0) throw new BurrowError('E_ARCHIVE', `${source}: index.json lists no image`);
  return out;
}
