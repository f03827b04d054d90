/**
 * sha256 of a range of a file, on the other core: a worker thread reads the
 * range with pread(2) and hashes it (and, if asked, copies it to a staged
 * file), while the main thread unpacks the same range. Hashing a Debian
 * layer inline cost a third of the unpacking's time; beside it, nothing.
 *
 * The thread's code is plain CommonJS passed as text: it loads nothing of
 * burrow (a bundle's start would cost more than the hashing saves).
 */
import { Worker } from 'node:worker_threads';

import { BurrowError, withPath } from '../errors.js';

const THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { readSync, writeSync } = require('node:fs');
const { fd, offset, length, stage } = workerData;
const hash = createHash('sha256');
const buf = Buffer.allocUnsafe(1 << 20);
let size = 0;
let error;
try {
  while (size < length) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, length - size), offset + size);
    if (n === 0) break;
    const view = buf.subarray(0, n);
    hash.update(view);
    if (stage >= 0) for (let done = 0; done < n; ) done += writeSync(stage, view, done, n - done);
    size += n;
  }
} catch (err) {
  error = { code: err.code, syscall: err.syscall, message: err.message, staging: err.syscall === 'write' };
}
parentPort.postMessage({ digest: 'sha256:' + hash.digest('hex'), size, error });
`;

export interface Hashed {
  digest: string;
  /** bytes hashed: fewer than asked when the file was shorter */
  size: number;
}

interface ThreadAnswer extends Hashed {
  error?: { code?: string; syscall?: string; message: string; staging: boolean };
}

export class HashThread {
  private readonly worker: Worker;
  private readonly answer: Promise<ThreadAnswer>;

  /**
   * Starts hashing `length` bytes of `fd` from `offset`; `stage` (an fd
   * open for appending, and its path for messages) gets a copy of them.
   */
  constructor(
    private readonly file: { fd: number; path: string; offset: number; length: number },
    private readonly stage?: { fd: number; path: string },
  ) {
    this.worker = new Worker(THREAD, {
      eval: true,
      workerData: { fd: file.fd, offset: file.offset, length: file.length, stage: stage?.fd ?? -1 },
      stdout: false,
      stderr: false,
    });
    this.answer = new Promise<ThreadAnswer>((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
      this.worker.once('exit', () => reject(new BurrowError('E_LAYER', 'the hashing thread stopped before it answered')));
    });
    this.answer.catch(() => undefined); // told by digest()
  }

  /** The range's digest, once the thread has read all of it; a read's or the stage's failure, named. */
  async digest(): Promise<Hashed> {
    try {
      const { digest, size, error } = await this.answer;
      if (error) throw withPath(Object.assign(new Error(error.message), error), error.staging && this.stage ? this.stage.path : this.file.path);
      return { digest, size };
    } finally {
      await this.worker.terminate();
    }
  }

  /** Stops the thread (the unpacking failed: its digest is not wanted). */
  abort(): void {
    void this.worker.terminate();
  }
}
