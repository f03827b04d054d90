/**
 * Where `save` and `export` write: standard output, or a file (or directory)
 * made atomically — written under a temporary name next to it and renamed
 * into place only when complete, so an error or a kill leaves nothing
 * half-written under the name the user gave.
 */
import { createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readdirSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { isatty } from 'node:tty';

import { BurrowError } from '../errors.js';

export interface Output {
  stream: Writable;
  /** flushes and renames into place */
  commit(): Promise<void>;
  /** removes what was written */
  abort(): void;
}

function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.burrow-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
}

/** A file at `path`, or standard output when `path` is undefined (refused when it is a terminal). */
export function openOutput(path: string | undefined, stdout: Writable, refuseTerminal: string): Output {
  if (path === undefined || path === '-') {
    if (isatty(1)) throw new BurrowError('E_TERMINAL', refuseTerminal);
    return { stream: stdout, commit: async () => undefined, abort: () => undefined };
  }
  if (existsSync(path) && statSync(path).isDirectory()) throw new BurrowError('E_OUTPUT', `write \`${path}\`: is a directory`);
  const tmp = tempName(path);
  let stream: Writable;
  try {
    stream = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
  } catch (err) {
    throw new BurrowError('E_OUTPUT', `write \`${path}\`: ${(err as Error).message}`);
  }
  let failure: Error | undefined;
  stream.on('error', (err) => (failure ??= err));
  return {
    stream,
    commit: async () => {
      if (!stream.writableEnded) stream.end();
      await finished(stream).catch((err: Error) => (failure ??= err));
      if (failure) throw new BurrowError('E_OUTPUT', `write \`${path}\`: ${failure.message}`);
      const fd = openSync(tmp, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    },
    abort: () => {
      stream.destroy();
      rmSync(tmp, { force: true });
    },
  };
}

/** A directory at `path` (which must be absent or empty), filled under a temporary name. */
export function openOutputDir(path: string): { dir: string; commit(): void; abort(): void } {
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) throw new BurrowError('E_OUTPUT', `write \`${path}\`: exists and is not a directory`);
    if (readdirSync(path).length > 0) throw new BurrowError('E_OUTPUT', `write \`${path}\`: the directory is not empty`);
  }
  const tmp = tempName(path);
  try {
    mkdirSync(tmp, { mode: 0o755 });
  } catch (err) {
    throw new BurrowError('E_OUTPUT', `write \`${path}\`: ${(err as Error).message}`);
  }
  return {
    dir: tmp,
    commit: () => {
      if (existsSync(path)) rmdirSync(path);
      renameSync(tmp, path);
    },
    abort: () => rmSync(tmp, { recursive: true, force: true }),
  };
}
