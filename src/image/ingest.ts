/**
 * Bringing images into the store. Blobs stream in once: each is hashed and
 * written to a staging file, and a layer is at the same time unpacked by the
 * worker in a user namespace (a layer unpacks without its parents: whiteouts
 * are only markers). Nothing is in the store until commit() checks every
 * digest and renames the staged pieces into place under the store's lock; a
 * failure or a kill leaves only staging files in tmp/, which nothing reads.
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, fstatSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

import { packageRoot } from '../config/install.js';
import { BurrowError, withPath } from '../errors.js';
import { FIRST_PASSED_FD, type UsernsProcess } from '../system/userns.js';
import { type HeldFile, holdFile } from '../storage/leftovers.js';
import { atomicWriteFile } from '../storage/atomic.js';
import { chainIds, type Digest, hex, isDigest, parseDigest, sha256 } from '../oci/digest.js';
import type { ImageRecord, LayerRecord, Store } from '../storage/store.js';
import { type Compression, type Descriptor, type ImageConfig, LAYER_MEDIA_TYPES, layerMediaType, type Manifest, MediaType } from '../oci/image.js';
import type { ApplyResult } from '../layers/apply.js';
import { type FetchAnswer, FetchPool } from './fetch-pool.js';

const MAX_JSON = 16 << 20;

/**
 * glibc's malloc for a fetch worker, which moves a layer's bytes through
 * fresh 1 MiB buffers (zlib's output, a socket's or file's reads) that V8
 * frees only at its next collection: none made by mmap (threshold 32 MiB)
 * and none given back while it runs (trim 1 GiB), so freed ones are used
 * again without a page fault each 4 KiB, and its heap in transparent huge
 * pages where the kernel gives them on request (hugetlb=1, madvise). Measured
 * here, where a page fault costs 11 us: load -i of an OCI layout of six
 * 80 MB gzip layers 2.74 -> 1.63 s and 4.8 -> 2.8 s of CPU (page faults 148k
 * -> 55k); pull of it 3.8-4.3 -> 3.2 s. musl ignores it.
 */
const FETCH_WORKER_MALLOC = 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824';

/** The environment of a worker that moves a layer's bytes (fetch or unpack): PATH, that malloc, and `extra`. */
function layerWorkerEnv(extra: string[] = []): string[] {
  return [`PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, FETCH_WORKER_MALLOC, ...extra];
}

export interface StagedBlob {
  digest: Digest;
  size: number;
  file: string;
  /** the bytes, for JSON blobs */
  json?: Buffer;
  /** for layer blobs: the unpacked tree and what the worker measured (and found: a compression) */
  layer?: { dir: string; diffId: Digest; size: number; tarSize: number; compression?: Compression };
}

/** What a fetch worker (registry/fetch-worker.ts) answers for a blob it fetched and unpacked. */
export interface FetchResult {
  digest: string;
  size: number;
  diffId: string;
  unpacked: number;
  /** the uncompressed tar's bytes */
  tarSize: number;
  warnings: string[];
  /** gzip or zstd, as the unpacker found it; absent for a plain tar */
  compression?: Compression;
}

/**
 * A blob's bytes in a file: `size` bytes from `offset`; `fd`: the file, open
 * already (`file` then names it in messages). `growing`: the file is still
 * being written (a layer of an archive read from a pipe, Ingest.addBlob): its
 * reader waits for the bytes not there yet.
 */
export interface FileRange {
  file: string;
  offset: number;
  size: number;
  fd?: number;
  growing?: boolean;
}

/**
 * A blob that is an entry of an archive read as a stream (image/archive.ts
 * readArchive): its size, from the entry's header, and `consumed`, called
 * once every byte of it is read, before it is unpacked: the archive's next
 * entry is read meanwhile.
 */
export interface ArchiveEntry {
  size: number;
  consumed: () => void;
}

/**
 * A file that already holds the first `have` bytes of the blob (a download a
 * killed pull left, storage/downloads.ts): the blob is staged there, what
 * comes after those bytes appended.
 */
export interface StageInto {
  file: string;
  have: number;
}

export interface ImageToCommit {
  manifest: Manifest;
  /** the manifest's own bytes when the source had them (their digest is the image's digest) */
  manifestBytes: Buffer | undefined;
  names: string[];
}

export class Ingest {
  readonly staging: string;
  readonly blobs = new Map<Digest, StagedBlob>();
  readonly warnings: string[] = [];
  private counter = 0;

  /**
   * `source` names where the blobs come from in messages (`the archive`,
   * `docker://HOST/REPO:TAG`).
   */
  constructor(
    private readonly store: Store,
    private readonly source = 'the archive',
  ) {
    store.init();
    this.staging = mkdtempSync(join(store.tmpDir(), 'ingest-'));
    // Held while this process lives: `image prune` removes only staging dirs whose lock it can take.
    this.lock = holdFile(store.sys, join(this.staging, 'lock'));
    this.fetchers = new FetchPool(store.sys, this.staging);
  }

  private readonly lock: HeldFile;
  private readonly fetchers: FetchPool;

  /** Keeps the fetch workers that have no job until the returned function is called (FetchPool.hold). */
  holdWorkers(): () => void {
    return this.fetchers.hold();
  }

  /** Starts up to `count` fetch workers for addFetched's jobs to come (`env` as theirs will be), while the caller holds them (FetchPool.warm). */
  warmWorkers(count: number, env: string[] = []): void {
    this.fetchers.warm(count, layerWorkerEnv(env));
  }

  /**
   * Takes one blob from a stream. JSON (a manifest, config or index) is kept
   * in memory too; anything else is a layer and is unpacked on the way.
   * `expected`, when the source names the digest, is checked here. With
   * `entry` (an archive's entry, the archive read from a pipe), a layer is
   * only copied to its staged file here, and a fetch worker unpacks it from
   * there as the file grows: the archive's next entry is read meanwhile, so
   * its layers unpack side by side as those of an archive file do.
   */
  async addBlob(input: Readable, expected?: Digest, what = 'blob', force?: 'layer', entry?: ArchiveEntry): Promise<StagedBlob> {
    const n = this.counter++;
    const file = join(this.staging, `blob-${n}`);
    const fd = openSync(file, 'wx', 0o600);
    const hash = createHash('sha256');
    let size = 0;
    let kind: 'json' | 'layer' | undefined;
    const jsonChunks: Buffer[] = [];
    let worker: UsernsProcess | undefined;
    // Settles when the worker ends: with its error if it refused the layer (perhaps long before the stream ends).
    let workerEnded: Promise<Error | undefined> | undefined;
    let workerError: Error | undefined;
    let workerOut = (): string => '';
    // With `entry`, a layer is unpacked by a fetch worker from the staged file as it grows (no pipe between).
    let unpacked: Promise<StagedBlob> | undefined;
    const dir = join(this.staging, `layer-${n}`);
    // The whole stream is always read, even after a failure (the rest is dropped): leaving a
    // tar entry half-read would stall the archive reader that feeds us.
    let failed: Error | undefined;
    let inputError: Error | undefined;
    // The staged copy is written by Node's thread pool, beside the hashing and the worker's pipe (a
    // synchronous write of each chunk held the event loop for a second per 500 MB: measured).
    const staged = createWriteStream('', { fd, autoClose: false, highWaterMark: 1 << 20 });
    let stagedError: Error | undefined;
    staged.on('error', (err: Error) => {
      stagedError = withPath(err, file) as Error;
      failed ??= stagedError;
      input.resume();
    });
    // Every staged byte written, or the write's error known (end's callback comes after an error
    // too, when neither 'finish' nor 'close' does: autoClose is off). Once, however often asked.
    let settled: Promise<void> | undefined;
    const settle = (): Promise<void> =>
      (settled ??= new Promise<void>((resolve) => {
        if (staged.destroyed || staged.writableFinished) resolve();
        else staged.end(() => resolve());
      }));
    // The input waits while the staged file or the worker's pipe is full: resumed when neither is, a failure or not
    // (after one, the rest is read and dropped; a failure that pauses nothing resumes the input itself).
    let full = 0;
    const hold = (sink: NodeJS.WritableStream) => {
      if (full++ === 0) input.pause();
      sink.once('drain', () => {
        if (--full === 0) input.resume();
      });
    };
    const take = (chunk: Buffer): void => {
      if (kind === undefined) {
        const c = chunk.toString('latin1').trimStart()[0];
        kind = force ?? (c === '{' || c === '[' ? 'json' : 'layer');
        if (kind === 'layer' && entry !== undefined) {
          unpacked = this.addFetched({ range: { file, offset: 0, size: entry.size, growing: true } }, expected, what, { file, have: entry.size }, () => undefined);
          unpacked.catch((err: unknown) => {
            // The rest of the entry is read and dropped: the failure is told once it is.
            failed ??= err as Error;
          });
        } else if (kind === 'layer') {
          mkdirSync(dir, { mode: 0o700 });
          const started = this.startUnpacker(dir, 'pipe');
          worker = started.worker;
          workerOut = started.output;
          worker.stdin?.on('error', () => undefined); // the worker's error is reported by `done`
          const pipeFd = (worker.stdin as unknown as { _handle?: { fd?: number } } | null)?._handle?.fd;
          if (typeof pipeFd === 'number' && pipeFd >= 0) this.store.sys.setPipeSize(pipeFd, 1 << 20);
          workerEnded = worker.done.then(
            () => undefined,
            (err: Error) => {
              // The worker's own line names the entry; this names the layer.
              workerError = err instanceof BurrowError ? new BurrowError('E_LAYER', `${what}: ${err.message}`, { cause: err }) : err;
              failed ??= workerError;
              input.resume(); // a worker that gave up never drains
              return workerError;
            },
          );
        }
      }
      if (!unpacked) hash.update(chunk); // (else the worker's digest)
      size += chunk.length;
      if (!staged.write(chunk)) hold(staged);
      if (kind === 'json') {
        if (size > MAX_JSON) throw new BurrowError('E_BLOB', `${what}: a JSON document larger than ${MAX_JSON} bytes`);
        jsonChunks.push(chunk);
      } else if (worker?.stdin && !worker.stdin.write(chunk)) hold(worker.stdin);
    };
    try {
      await new Promise<void>((resolve, reject) => {
        input.on('data', (chunk: Buffer) => {
          if (failed) return;
          try {
            take(chunk);
          } catch (err) {
            failed = err as Error;
            withPath(err, file); // a write by fd: say which file
            input.resume();
          }
        });
        input.once('end', resolve);
        input.once('error', (err: Error) => {
          inputError = err;
          reject(err);
        });
      });
      entry?.consumed();
      worker?.stdin?.end();
      if (workerEnded) await workerEnded;
      if (workerError) throw workerError;
      if (failed) throw failed;
    } catch (err) {
      worker?.stdin?.destroy();
      await workerEnded;
      await settle();
      if (unpacked) {
        // Its worker waits for the bytes that did not come: given zeros in their place, it ends (its result unused).
        // Should that fail, it is not waited for: it ends with this process, as the pool's workers do.
        let whole = false;
        try {
          if (fstatSync(fd).size < (entry?.size ?? 0)) ftruncateSync(fd, entry?.size ?? 0);
          whole = true;
        } catch {
          // (the error told is the one that brought us here)
        }
        if (whole) await unpacked.catch(() => undefined);
      }
      // A source that broke off (a registry's connection) is the cause; the worker only saw a short tar.
      // Our own write's failure (a full disk) before the worker's, which meets the same disk.
      throw inputError ?? stagedError ?? workerError ?? err;
    } finally {
      // Every staged byte on disk (or the stream's error) before the fd closes.
      await settle();
      closeSync(fd);
    }
    if (failed) throw failed;
    if (unpacked) return await unpacked;
    const digest = `sha256:${hash.digest('hex')}` as Digest;
    if (expected !== undefined && digest !== expected)
      throw new BurrowError('E_DIGEST_MISMATCH', `${what}: digest mismatch: expected ${expected}, got ${digest}`);
    const blob: StagedBlob = { digest, size, file };
    if (kind === 'json' || kind === undefined) blob.json = Buffer.concat(jsonChunks);
    else blob.layer = this.unpackedLayer(workerOut(), dir, what);
    this.blobs.set(digest, blob);
    return blob;
  }

  /**
   * Has a layer fetched and unpacked by a fetch worker (registry/fetch-worker.ts)
   * in a user namespace: `job` tells it where from (everything but the
   * staged file, which is `into`'s or a new one here). `received` hears of
   * the bytes as they come. The digest is checked here, as for addBlob.
   * `fds`: fds of this process the worker gets open, from FIRST_PASSED_FD on.
   */
  async addFetched(
    job: object,
    expected: Digest | undefined,
    what: string,
    into: StageInto | undefined,
    received: (n: number) => void,
    env: string[] = [],
    fds: number[] = [],
  ): Promise<StagedBlob> {
    const n = this.counter++;
    const file = into?.file ?? join(this.staging, `blob-${n}`);
    if (into === undefined) closeSync(openSync(file, 'wx', 0o600));
    const dir = join(this.staging, `layer-${n}`);
    mkdirSync(dir, { mode: 0o700 });
    let answer: FetchAnswer;
    try {
      answer = await this.fetchers.run({ ...job, file, have: into?.have ?? 0 }, join(dir, 'diff'), received, layerWorkerEnv(env), fds);
    } catch (err) {
      throw err instanceof BurrowError ? new BurrowError('E_LAYER', `${what}: ${err.message}`, { cause: err }) : err;
    }
    if ('E' in answer) throw new BurrowError(answer.E.code, answer.E.code.startsWith('E_REGISTRY') ? answer.E.message : `${what}: ${answer.E.message}`);
    const result = answer.R;
    if (expected !== undefined && result.digest !== expected) throw new BurrowError('E_DIGEST_MISMATCH', `${what}: digest mismatch: expected ${expected}, got ${result.digest}`);
    const digest = parseDigest(result.digest, what);
    this.warnings.push(...result.warnings);
    const blob: StagedBlob = {
      digest,
      size: result.size,
      file,
      layer: { dir, diffId: parseDigest(result.diffId, what), size: result.unpacked, tarSize: result.tarSize, ...(result.compression ? { compression: result.compression } : {}) },
    };
    this.blobs.set(digest, blob);
    return blob;
  }

  /**
   * Takes one blob from a range of a file (an entry of an archive, found by
   * image/tar-index.ts, or a file of a layout directory): JSON (its first
   * byte says, as in addBlob) is read here; a layer is read from its place,
   * hashed, staged and unpacked by a worker (registry/fetch-worker.ts), no
   * byte of it passing through here. With `range.fd` (the file, opened by
   * the caller, who closes it) the worker reads that fd, passed on, and opens
   * nothing by name: what the caller checked is what is read.
   */
  async addRange(range: FileRange, expected: Digest | undefined, what: string): Promise<StagedBlob> {
    const fd = range.fd ?? openSync(range.file, 'r');
    let head: Buffer;
    try {
      head = Buffer.alloc(Math.min(range.size, MAX_JSON + 1));
      const got = readSync(fd, head, 0, head.length, range.offset);
      if (got !== head.length) throw new BurrowError('E_ARCHIVE', `${what}: the archive ends inside it`);
    } finally {
      if (range.fd === undefined) closeSync(fd);
    }
    const c = head.subarray(0, 4096).toString('latin1').trimStart()[0];
    if (range.size === 0 || c === '{' || c === '[') {
      if (range.size > MAX_JSON) throw new BurrowError('E_BLOB', `${what}: a JSON document larger than ${MAX_JSON} bytes`);
      const digest = sha256(head);
      if (expected !== undefined && digest !== expected) throw new BurrowError('E_DIGEST_MISMATCH', `${what}: digest mismatch: expected ${expected}, got ${digest}`);
      return this.addJson(head);
    }
    if (range.fd === undefined) return this.addFetched({ range }, expected, what, undefined, () => undefined);
    return this.addFetched({ range: { ...range, fd: FIRST_PASSED_FD } }, expected, what, undefined, () => undefined, [], [range.fd]);
  }

  /**
   * A layer another process writes as a plain tar (commit's packer): `fd`, the
   * write end of a pipe to give that process; an unpack worker at the other
   * end hashes the tar, stages it and unpacks it while it is written, on the
   * other core (before, the packer wrote the staged file whole and a fetch
   * worker then read it back: one after the other). Once the writer is
   * started, `started()` closes this process's copy of the write end, so the
   * worker sees the end of the tar when the writer ends; `done(writer)` waits
   * for both, and fails with whichever of them failed first (the other's
   * failure follows from it: a broken pipe, a short tar).
   */
  pipedLayer(what: string): { fd: number; started(): void; done(writer: Promise<void>): Promise<StagedBlob> } {
    const n = this.counter++;
    const file = join(this.staging, `blob-${n}`);
    closeSync(openSync(file, 'wx', 0o600));
    const dir = join(this.staging, `layer-${n}`);
    mkdirSync(dir, { mode: 0o700 });
    // A pipe of 1 MiB (the most an unprivileged process may ask for, by default): with a socket's 200 KB
    // between them (spawn's 'pipe'), packer and unpacker waited on each other, half of each one's time idle.
    const [readEnd, writeEnd] = this.store.sys.pipe();
    let worker: UsernsProcess;
    let output: () => string;
    try {
      this.store.sys.setPipeSize(writeEnd, 1 << 20);
      ({ worker, output } = this.startUnpacker(dir, readEnd, file));
    } catch (err) {
      closeSync(writeEnd);
      throw err;
    } finally {
      closeSync(readEnd);
    }
    // (told by done(); if the writer never starts, the worker sees an empty pipe and fails unheard)
    worker.done.catch(() => undefined);
    let open = true;
    return {
      fd: writeEnd,
      started: () => {
        if (open) closeSync(writeEnd);
        open = false;
      },
      done: async (writer) => {
        let first: unknown;
        const settled = (p: Promise<void>) => p.catch((err: unknown) => void (first ??= err));
        await Promise.all([settled(writer), settled(worker.done)]);
        if (first !== undefined)
          throw first instanceof BurrowError && first.code !== 'E_USAGE' ? new BurrowError(first.code, `${what}: ${first.message}`, { cause: first }) : first;
        const layer = this.unpackedLayer(output(), dir, what);
        // A plain tar: its digest is its diff id, over every byte the worker read and staged.
        if (statSync(file).size !== layer.tarSize) throw new BurrowError('E_LAYER', `${what}: the staged layer is not the ${layer.tarSize} bytes unpacked`);
        const blob: StagedBlob = { digest: layer.diffId, size: layer.tarSize, file, layer };
        this.blobs.set(layer.diffId, blob);
        return blob;
      },
    };
  }

  /**
   * An unpack worker (`--internal-worker unpack DIR/diff`) in the user
   * namespace, reading the layer's tar from `stdin` (with `stage`, appending
   * every byte to that file too); `output()`, what it has printed so far.
   */
  private startUnpacker(dir: string, stdin: 'pipe' | number, stage?: string): { worker: UsernsProcess; output: () => string } {
    const worker = this.store.sys.startInUserns(
      [process.execPath, join(packageRoot, 'bin', 'burrow.cjs'), '--internal-worker', 'unpack', join(dir, 'diff'), ...(stage === undefined ? [] : ['--stage', stage])],
      // (its inflate's output buffers as a fetch worker's: a six-layer gzip archive loaded from a pipe, 145k -> 90k page faults)
      { stdin, stdout: 'pipe', env: layerWorkerEnv() },
    );
    let out = '';
    worker.stdout?.setEncoding('utf8');
    worker.stdout?.on('data', (d: string) => (out += d));
    return { worker, output: () => out };
  }

  /** The layer an unpack worker made in `dir`, from the result it printed; its warnings kept. */
  private unpackedLayer(out: string, dir: string, what: string): NonNullable<StagedBlob['layer']> {
    let result: ApplyResult;
    try {
      result = JSON.parse(out) as ApplyResult;
    } catch {
      throw new BurrowError('E_LAYER', `${what}: the unpack worker gave no result`);
    }
    this.warnings.push(...result.warnings);
    return {
      dir,
      diffId: parseDigest(result.diffId, what),
      size: result.size,
      tarSize: result.tarSize,
      ...(result.compression ? { compression: result.compression } : {}),
    };
  }

  /** Adds a JSON document made here (a manifest written for a docker archive). */
  addJson(bytes: Buffer): StagedBlob {
    const digest = sha256(bytes);
    const file = join(this.staging, `blob-${this.counter++}`);
    atomicWriteFile(file, bytes, 0o600);
    const blob: StagedBlob = { digest, size: bytes.length, file, json: bytes };
    this.blobs.set(digest, blob);
    return blob;
  }

  json<T>(digest: Digest, what: string): T {
    const blob = this.blobs.get(digest);
    if (!blob && this.store.hasBlob(digest)) return this.store.readJsonBlob<T>(digest);
    if (!blob) throw new BurrowError('E_MISSING_BLOB', `${what} ${digest} is not in ${this.source}`);
    if (!blob.json) throw new BurrowError('E_BLOB', `${what} ${digest} is not a JSON document`);
    try {
      return JSON.parse(blob.json.toString('utf8')) as T;
    } catch {
      throw new BurrowError('E_BLOB', `${what} ${digest} is not valid JSON`);
    }
  }

  /**
   * A manifest for a config and layers that came without one (docker
   * archives): Docker schema 2, or OCI when a layer is zstd, which Docker's
   * media types cannot name.
   */
  manifestFor(config: StagedBlob, layers: StagedBlob[]): { manifest: Manifest; bytes: Buffer } {
    const family = layers.some((l) => l.layer?.compression === 'zstd') ? 'oci' : 'docker';
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: family === 'oci' ? MediaType.ociManifest : MediaType.dockerManifest,
      config: { mediaType: family === 'oci' ? MediaType.ociConfig : MediaType.dockerConfig, digest: config.digest, size: config.size },
      // (defined: the family is OCI whenever a layer is zstd)
      layers: layers.map((l) => ({ mediaType: layerMediaType(l.layer?.compression, family) as string, digest: l.digest, size: l.size })),
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    this.addJson(bytes);
    return { manifest, bytes };
  }

  private checkManifest(manifest: Manifest, what: string): { config: ImageConfig; layers: Descriptor[] } {
    if (manifest?.schemaVersion !== 2 || typeof manifest.config !== 'object' || !Array.isArray(manifest.layers))
      throw new BurrowError('E_MANIFEST', `${what}: not an image manifest (schema 2)`);
    const configDigest = parseDigest(manifest.config.digest, `${what}: config`);
    const config = this.json<ImageConfig>(configDigest, 'image config');
    const diffIds = config?.rootfs?.diff_ids;
    if (!Array.isArray(diffIds)) throw new BurrowError('E_CONFIG', `image config ${configDigest}: no rootfs.diff_ids`);
    if (diffIds.length !== manifest.layers.length)
      throw new BurrowError('E_CONFIG', `image config ${configDigest}: ${diffIds.length} diff ids for ${manifest.layers.length} layers`);
    manifest.layers.forEach((layer, i) => {
      if (!LAYER_MEDIA_TYPES.includes(layer.mediaType))
        throw new BurrowError('E_MEDIA_TYPE', `${what}: layer ${i + 1} has an unsupported media type \`${layer.mediaType}\``);
      parseDigest(layer.digest, `${what}: layer ${i + 1}`);
      parseDigest(diffIds[i], `image config ${configDigest}: diff id ${i + 1}`);
    });
    return { config, layers: manifest.layers };
  }

  /**
   * A blob taken for JSON on the way in (its first byte was `{`: a tar whose
   * first entry's name starts so) that a manifest names as a layer: unpack it
   * now from its staged file.
   */
  private async unpackLate(images: ImageToCommit[]): Promise<void> {
    for (const img of images)
      for (const layer of img.manifest?.layers ?? []) {
        const staged = this.blobs.get(layer.digest);
        if (!staged || staged.layer || !isDigest(layer.digest)) continue;
        const again = await this.addBlob(createReadStream(staged.file), staged.digest, `layer ${layer.digest}`, 'layer');
        this.blobs.set(staged.digest, again);
      }
  }

  /** Checks everything an image needs, then puts it in the store. Returns the records written. */
  async commit(images: ImageToCommit[]): Promise<ImageRecord[]> {
    await this.unpackLate(images);
    // Everything is checked before anything moves.
    const checked = images.map((img, i) => {
      const what = images.length === 1 && this.source !== "the archive" ? this.source : `image ${i + 1} of ${this.source}`;
      const { config, layers } = this.checkManifest(img.manifest, what);
      const diffIds = config.rootfs.diff_ids;
      const chains = chainIds(diffIds);
      layers.forEach((layer, j) => {
        const staged = this.blobs.get(layer.digest);
        const have = this.store.layer(chains[j] as Digest);
        if (have && this.store.hasBlob(layer.digest)) return;
        if (!staged) throw new BurrowError('E_MISSING_BLOB', `${what}: layer ${layer.digest} is not in ${this.source}`);
        if (!staged.layer) throw new BurrowError('E_BLOB', `${what}: layer ${layer.digest} was not unpacked`);
        if (staged.layer.diffId !== diffIds[j])
          throw new BurrowError('E_DIGEST_MISMATCH', `${what}: layer ${layer.digest} unpacks to ${staged.layer.diffId}, but the config says ${diffIds[j]}`);
      });
      const manifestBytes = img.manifestBytes ?? Buffer.from(JSON.stringify(img.manifest));
      return { img, config, layers, chains, manifestBytes, diffIds };
    });

    const records = await this.store.lock(() => {
      const out: ImageRecord[] = [];
      for (const { img, config, layers, chains, manifestBytes, diffIds } of checked) {
        let size = 0;
        layers.forEach((layer, j) => {
          const chainId = chains[j] as Digest;
          const staged = this.blobs.get(layer.digest);
          const existing = this.store.layer(chainId);
          // Checked again under the lock: an rmi or prune may have removed it since the first look.
          if (!existing && !staged?.layer)
            throw new BurrowError('E_LAYER_GONE', `layer ${chainId} was removed from the store while this image was loading: load it again`);
          if (existing) size += existing.size;
          else if (staged?.layer) {
            const rec: LayerRecord = {
              chainId,
              diffId: diffIds[j] as Digest,
              parent: j > 0 ? chains[j - 1] : undefined,
              size: staged.layer.size,
              tarSize: staged.layer.tarSize,
              blob: { digest: layer.digest, mediaType: layer.mediaType, size: layer.size },
            };
            atomicWriteFile(join(staged.layer.dir, 'layer.json'), JSON.stringify(rec), 0o644);
            renameSync(staged.layer.dir, this.store.layerDir(chainId));
            size += rec.size;
          }
          this.moveBlob(layer.digest);
        });
        this.moveBlob(img.manifest.config.digest);
        const manifestDigest = sha256(manifestBytes);
        if (!this.store.hasBlob(manifestDigest)) {
          if (!this.blobs.has(manifestDigest)) this.addJson(manifestBytes);
          this.moveBlob(manifestDigest);
        }
        const record: ImageRecord = {
          id: hex(img.manifest.config.digest),
          digest: manifestDigest,
          names: [],
          manifest: manifestDigest,
          config: img.manifest.config.digest,
          layers: chains,
          created: config.created ?? new Date(0).toISOString(),
          size,
          stored: new Date().toISOString(),
        };
        out.push(this.store.putImage(record, img.names));
      }
      return out;
    });
    return records;
  }

  private moveBlob(digest: Digest): void {
    const target = this.store.blobPath(digest);
    if (existsSync(target)) return;
    const staged = this.blobs.get(digest);
    if (!staged) throw new BurrowError('E_MISSING_BLOB', `blob ${digest} is missing`);
    renameSync(staged.file, target);
  }

  /**
   * Removes the staging directory: here when no unpacked layer is left in it
   * (after a commit, or when none was unpacked), since then it holds only this
   * user's files (blobs, the lock); else in the user namespace, where the
   * files of mapped ids can be removed (a process started there: about 30 ms,
   * of every pull and load before).
   */
  async cleanup(): Promise<void> {
    if (!this.removedHere()) await this.store.sys.removeTrees([this.staging]).catch(() => undefined);
    this.lock.release();
  }

  private removedHere(): boolean {
    try {
      if (readdirSync(this.staging).some((name) => name.startsWith('layer-'))) return false;
      rmSync(this.staging, { recursive: true, force: true });
      return true;
    } catch {
      return false;
    }
  }
}
