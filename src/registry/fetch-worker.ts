/**
 * The fetch worker: `burrow --internal-worker fetch STAGING`, started in a
 * user namespace by a pull (image/ingest.ts addFetched, image/fetch-pool.ts),
 * which gives each a share of its layers; also by `load` for a layer read
 * from its place in an archive file, or from the staged file it is being
 * copied to from a pipe. Each job, a line of JSON on
 * stdin, carries the registry client's state and the blob, or a file's
 * range: the worker fetches the blob itself (a Range request from where an
 * earlier pull stopped, and again wherever a connection breaks), and in one
 * pass hashes it, appends it to the staged file and unpacks it into the
 * job's directory (in STAGING, the ingest's: it names the worker's pull in
 * `ps`, and a job elsewhere is refused). The pulling process moves none of
 * the layer's bytes (through it, each byte cost a socket read, a hash, a
 * file write and a pipe write: more CPU than the unpacking). Its jobs run
 * side by side: a worker per layer cost each layer a Node start (0.1 s of
 * CPU here).
 */
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import { BurrowError, systemFailure, withPath } from '../errors.js';
import { applyLayer, applyLayerFile, compressionAt } from '../layers/apply.js';
import type { FetchResult, FileRange } from '../image/ingest.js';
import type { Descriptor } from '../oci/image.js';
import { LIBC } from '../system/sys.js';
import { type ClientHandoff, RegistryClient } from './client.js';
import { blobStream } from './pull.js';

export interface FetchJob {
  /** a registry's blob: the client's state, the repository, the blob and the tries */
  client?: ClientHandoff;
  repo?: string;
  desc?: Descriptor;
  retries?: number;
  /**
   * or a range of a file (a layer in an archive: image/archive.ts readArchiveFile), read from
   * `fd` when there is one (passed open: a layout directory's file) rather than opened by name
   */
  range?: FileRange;
  /** the staged file, whose first `have` bytes are the blob's already (they are read, not fetched) */
  file: string;
  have: number;
}

/** How often the received bytes are reported, at most. */
const REPORT_BYTES = 256 << 10;

/**
 * The jobs, one per line on stdin, each run as it comes, side by side with
 * the others. The pull ends stdin when the worker has nothing left to do (it
 * then exits 0); an end while a job still runs means the pull is gone
 * (killed), and the worker stops at once rather than go on fetching into a
 * file the next pull will continue.
 */
export function fetchWorker(args: string[]): Promise<number> {
  if (args.length !== 1) throw new BurrowError('E_WORKER', `fetch worker: expected the staging directory, got \`${args.join(' ')}\``);
  const staging = args[0] as string;
  return new Promise((resolve, reject) => {
    let text = '';
    let running = 0;
    let ended = false;
    const settle = () => {
      if (ended && running === 0) resolve(0);
    };
    // Not a failure burrow expected (a bug): stdin let go, so that the process ends (its other jobs first) and the
    // pull hears of it from the exit, not from an answer that would never come.
    const fail = (err: unknown) => {
      process.stdin.removeAllListeners();
      process.stdin.destroy();
      reject(err as Error);
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      text += chunk;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        let job: WorkerJob;
        try {
          job = JSON.parse(line) as WorkerJob;
        } catch (err) {
          fail(err);
          return;
        }
        if (typeof job.dir !== 'string' || !job.dir.startsWith(`${staging}/`) || job.dir.includes('/../')) {
          fail(new BurrowError('E_WORKER', `fetch worker: a job whose directory is not in ${staging}`));
          return;
        }
        running++;
        runJob(job).then(() => {
          running--;
          settle();
        }, fail);
      }
    });
    process.stdin.once('end', () => {
      if (running > 0) process.exit(1);
      ended = true;
      settle();
    });
  });
}

/** A job as the worker gets it: which one (its answers carry the id) and the directory to unpack into. */
export interface WorkerJob extends FetchJob {
  id: number;
  dir: string;
}

/**
 * One job. On stdout, lines: `P ID N` (N more bytes received from the
 * registry), then one `R ID {...}` with the blob's digest and size and the
 * layer's diff id, size and warnings, or `E ID {"code","message"}` for a
 * failure burrow expected (a registry's, a network's, a bad layer's).
 */
async function runJob(job: WorkerJob): Promise<void> {
  let unreported = 0;
  const say = (line: string) => writeSync(1, `${line}\n`);
  try {
    mkdirSync(job.dir, { mode: 0o755 });
    const result = await fetchAndUnpack(job, job.dir, (n) => {
      unreported += n;
      if (unreported >= REPORT_BYTES) {
        say(`P ${job.id} ${unreported}`);
        unreported = 0;
      }
    });
    if (unreported > 0) say(`P ${job.id} ${unreported}`);
    say(`R ${job.id} ${JSON.stringify(result)}`);
  } catch (err) {
    if (unreported > 0) say(`P ${job.id} ${unreported}`);
    // A system call's failure (a full disk) in words; anything else not expected is burrow's bug, reported as such.
    const known = err instanceof BurrowError ? err : systemFailure(err, 'unpack the layer');
    if (known === undefined) throw err;
    say(`E ${job.id} ${JSON.stringify({ code: known.code, message: known.message })}`);
  }
}

/** The blob's bytes: the file's range, or the registry's blob (after what an earlier pull kept). */
function sourceOf(job: FetchJob, counted: (n: number) => void): Readable {
  if (job.range) {
    const { file, offset, size, fd } = job.range;
    if (job.range.growing === true) return Readable.from(growingFile(file, offset, size), { objectMode: false });
    return createReadStream(file, { ...(fd === undefined ? {} : { fd, autoClose: false }), start: offset, end: offset + size - 1, highWaterMark: 1 << 20 });
  }
  if (!job.client || job.repo === undefined || !job.desc) throw new BurrowError('E_WORKER', 'fetch worker: a job with neither a registry blob nor a file range');
  const client = RegistryClient.resume(job.client);
  return blobStream(client, job.repo, job.desc, job.retries ?? 3, counted, job.have > 0 ? { file: job.file, have: job.have } : undefined);
}

/** How long a reader of a growing file waits before it looks again for the bytes not there yet: from 1 ms, doubled while none come. */
const GROWING_POLL_MS = 1;
const GROWING_POLL_MAX_MS = 16;

/**
 * `size` bytes of a file from `offset`, read as they are written: at the
 * file's end short of them, it looks again a moment later. The writer
 * (Ingest.addBlob) always brings the file to `size`, with zeros when its
 * source broke off (its result is then not used), and a load that dies
 * ends the worker (its stdin ends): nothing waits for ever.
 */
async function* growingFile(file: string, offset: number, size: number): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r');
  try {
    let wait = GROWING_POLL_MS;
    for (let done = 0; done < size; ) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, size - done));
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset + done);
      if (bytesRead === 0) {
        // (a slow source, `ssh host docker save | burrow load`, is not polled a thousand times a second)
        await sleep(wait);
        wait = Math.min(wait * 2, GROWING_POLL_MAX_MS);
        continue;
      }
      wait = GROWING_POLL_MS;
      done += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/**
 * A plain tar in a file (a docker archive's layer): read with read(2), its
 * hash and staged copy made by a thread on the other core
 * (layers/apply.ts applyLayerFile); undefined for anything else.
 */
async function unpackPlainRange(job: FetchJob, dir: string, counted: (n: number) => void): Promise<FetchResult | undefined> {
  if (!job.range || job.range.growing === true) return undefined;
  const { file, offset, size } = job.range;
  // Staged on the way, or (commit's layer) the staged file already, whole.
  const staged = job.have === size && offset === 0 && file === job.file;
  if (job.have !== 0 && !staged) return undefined;
  const fd = job.range.fd ?? openSync(file, 'r');
  try {
    if (compressionAt(fd, offset, size) !== undefined) return undefined;
    const stage = staged ? undefined : openSync(job.file, 'a');
    try {
      const result = await applyLayerFile(LIBC, { fd, path: file, offset, length: size, ...(stage === undefined ? {} : { stage: { fd: stage, path: job.file } }) }, dir);
      counted(size);
      return { digest: result.diffId, size, diffId: result.diffId, unpacked: result.size, tarSize: result.tarSize, warnings: result.warnings };
    } finally {
      if (stage !== undefined) closeSync(stage);
    }
  } finally {
    if (job.range.fd === undefined) closeSync(fd);
  }
}

async function fetchAndUnpack(job: FetchJob, dir: string, counted: (n: number) => void): Promise<FetchResult> {
  const plain = await unpackPlainRange(job, dir, counted);
  if (plain) return plain;
  const source = sourceOf(job, counted);
  const hash = createHash('sha256');
  let size = 0;
  let unstaged = job.have;
  const staged = createWriteStream(job.file, { flags: 'a', highWaterMark: 1 << 20 });
  const toUnpack = new PassThrough({ highWaterMark: 1 << 20 });
  // A source error first (the registry's), then our own write's, then the unpacking's.
  let sourceError: Error | undefined;
  let stagedError: Error | undefined;
  let full = 0;
  const hold = (sink: NodeJS.WritableStream) => {
    if (full++ === 0) source.pause();
    sink.once('drain', () => {
      if (--full === 0) source.resume();
    });
  };
  staged.on('error', (err) => {
    stagedError = withPath(err, job.file) as Error;
    source.destroy();
    // Ended, not destroyed: the unpacking sees a short tar and stops (its error is not the one told).
    toUnpack.end();
  });
  source.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    size += chunk.length;
    if (unstaged >= chunk.length) unstaged -= chunk.length;
    else {
      const rest = unstaged > 0 ? chunk.subarray(unstaged) : chunk;
      unstaged = 0;
      if (!staged.write(rest)) hold(staged);
    }
    if (!toUnpack.write(chunk)) hold(toUnpack);
  });
  const fetched = new Promise<void>((resolve) => {
    source.once('end', () => {
      toUnpack.end();
      resolve();
    });
    source.once('error', (err) => {
      sourceError = err;
      toUnpack.end();
      resolve();
    });
    // Destroyed here (the unpacking gave up): neither 'end' nor 'error' comes.
    source.once('close', resolve);
  });
  let unpacked: Awaited<ReturnType<typeof applyLayer>> | undefined;
  let unpackError: unknown;
  try {
    unpacked = await applyLayer(LIBC, toUnpack, dir);
  } catch (err) {
    unpackError = err;
    source.destroy();
  }
  await fetched;
  await new Promise<void>((resolve) => staged.end(() => resolve()));
  const failure = sourceError ?? stagedError ?? unpackError;
  if (failure !== undefined) throw failure;
  if (unpacked === undefined) throw new BurrowError('E_LAYER', 'the unpacking gave no result');
  const { diffId, size: unpackedSize, tarSize, warnings, compression } = unpacked;
  return { digest: `sha256:${hash.digest('hex')}`, size, diffId, unpacked: unpackedSize, tarSize, warnings, ...(compression ? { compression } : {}) };
}
