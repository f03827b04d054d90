/**
 * Where `save` and `export` write: standard output, or a file (or directory)
 * made atomically — written under a temporary name next to it and renamed
 * into place only when complete, so an error or a kill leaves nothing
 * half-written under the name the user gave. The temporary name is recorded
 * in the store while it is written (storage/leftovers.ts), so the next burrow
 * command removes what a killed writer left.
 */
import {
  accessSync,
  closeSync,
  constants as fsConstants,
  createWriteStream,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { isatty } from 'node:tty';

import { BurrowError, describeError, errnoCode, withPath } from '../errors.js';
import { trackPartial } from '../storage/leftovers.js';
import type { Store } from '../storage/store.js';
import type { Sys } from '../system/sys.js';
import type { UsernsOptions } from '../system/userns.js';

export interface Output {
  stream: Writable;
  /**
   * the fd `stream` writes to, for a process that writes there itself (export's
   * worker) instead of through `stream`, which is then left unwritten; undefined
   * when there is none to share (a stdout that is not fd 1)
   */
  fd: number | undefined;
  /** flushes and renames into place */
  commit(): Promise<void>;
  /** removes what was written */
  abort(): void;
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.burrow-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

function outputError(path: string, err: unknown): BurrowError {
  return new BurrowError('E_OUTPUT', `write \`${path}\`: ${describeError(err)}`, { cause: err });
}

/** What is at `path` now, if anything (a dangling symlink counts as nothing: the rename replaces it). */
function existing(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw outputError(path, err);
  }
}

/** A file at `path`, or standard output when `path` is undefined (refused when it is a terminal). */
export function openOutput(path: string | undefined, stdout: Writable, refuseTerminal: string, store: Store): Output {
  if (path === undefined || path === '-') {
    if (isatty(1)) throw new BurrowError('E_TERMINAL', refuseTerminal);
    return { stream: stdout, fd: stdout === process.stdout ? 1 : undefined, commit: async () => undefined, abort: () => undefined };
  }
  const st = existing(path);
  if (st?.isDirectory()) throw new BurrowError('E_OUTPUT', `write \`${path}\`: is a directory`);
  // As podman (which opens it for writing): a file the user may not write is not replaced.
  if (st) {
    try {
      accessSync(path, fsConstants.W_OK);
    } catch (err) {
      throw outputError(path, err);
    }
  }
  const tmp = tempName(path);
  const record = trackPartial(store, tmp);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o644); // here, not in the stream: a missing directory or a refusal is known at once
  } catch (err) {
    record?.release();
    throw outputError(path, err);
  }
  const stream = createWriteStream('', { fd, autoClose: true });
  let failure: Error | undefined;
  stream.on('error', (err) => {
    failure ??= err;
    withPath(err, path, true); // the file the user gave (a write by fd names none); seen by whoever awaits the stream
  });
  const cleanup = (): void => {
    rmSync(tmp, { force: true });
    record?.release();
  };
  return {
    stream,
    fd,
    commit: async () => {
      if (!stream.writableEnded) stream.end();
      await finished(stream).catch((err: Error) => (failure ??= err));
      try {
        if (failure) throw failure;
        const sync = openSync(tmp, 'r');
        try {
          fsyncSync(sync);
        } finally {
          closeSync(sync);
        }
        renameSync(tmp, path);
      } catch (err) {
        cleanup();
        throw outputError(path, err);
      }
      record?.release();
    },
    abort: () => {
      stream.destroy();
      cleanup();
    },
  };
}

/** A directory at `path` (which must be absent or empty), filled under a temporary name. */
export function openOutputDir(path: string, store: Store): { dir: string; commit(): void; abort(): void } {
  const st = existing(path);
  if (st) {
    if (!st.isDirectory()) throw new BurrowError('E_OUTPUT', `write \`${path}\`: exists and is not a directory`);
    if (readdirSync(path).length > 0) throw new BurrowError('E_OUTPUT', `write \`${path}\`: the directory is not empty`);
  }
  const tmp = tempName(path);
  const record = trackPartial(store, tmp);
  try {
    mkdirSync(tmp, { mode: 0o755 });
  } catch (err) {
    record?.release();
    throw outputError(path, err);
  }
  const cleanup = (): void => {
    rmSync(tmp, { recursive: true, force: true });
    record?.release();
  };
  return {
    dir: tmp,
    commit: () => {
      try {
        if (existing(path)) rmdirSync(path);
        renameSync(tmp, path);
      } catch (err) {
        cleanup();
        throw outputError(path, err);
      }
      record?.release();
    },
    abort: cleanup,
  };
}

/**
 * Runs `argv` in the user namespace (a worker that writes a tar: export,
 * volume export) with its stdout going to `out`: straight to out's fd where
 * there is one, so no byte passes through this process, else through a pipe
 * here. Resolves when the worker has ended well; `out` is then committed by
 * the caller.
 */
export async function workerToOutput(sys: Sys, argv: string[], out: Output, stdout: Writable, opts: Omit<UsernsOptions, 'stdout'> = {}): Promise<void> {
  const worker = sys.startInUserns(argv, { ...opts, stdout: out.fd ?? 'pipe' });
  if (out.fd !== undefined) {
    await worker.done;
    return;
  }
  if (!worker.stdout) throw new BurrowError('E_WORKER', `${argv.slice(2).join(' ')}: the worker has no output`);
  await Promise.all([pipeline(worker.stdout, out.stream, { end: out.stream !== stdout }), worker.done]);
}
