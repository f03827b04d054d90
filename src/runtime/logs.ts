/**
 * A container's log: where its output goes (`--log-driver`, `--log-opt`, as
 * podman takes them) and how `burrow logs` reads it back.
 *
 *   k8s-file      (the default) the monitor writes the container's stdout and
 *                 stderr into ctr.log (or `--log-opt path=`) in podman's
 *                 k8s-file format (helpers/log.c); `max-size=` starts an empty
 *                 file once the log would outgrow it, as conmon does
 *   none          the output is dropped
 *   passthrough   the container writes straight to the stdout and stderr of
 *                 the command that started it (for a systemd unit); no log
 *
 * A line of the log: `TIMESTAMP STREAM TAG TEXT`, TIMESTAMP RFC 3339 with
 * nanoseconds, STREAM stdout|stderr, TAG F (a whole line) or P (part of one:
 * the text had no newline when it was read; the next parts follow).
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

import { parseByteSize } from '../config/size.js';
import { BurrowError, errnoCode, UsageError } from '../errors.js';
import type { ContainerOptions, ContainerRecord } from '../storage/containers.js';
import type { Store } from '../storage/store.js';

export type LogDriver = 'k8s-file' | 'none' | 'passthrough';

export interface LogConfig {
  driver: LogDriver;
  /** k8s-file: the file (the container's ctr.log unless `path=` says otherwise) */
  path: string | undefined;
  /** k8s-file: the size a log may reach before it starts again empty; 0: no limit */
  maxSize: number;
}

/** A size as podman's `--log-opt max-size` reads it (docker's RAMInBytes: 10k, 20mb, 1GiB, 512; binary units). */
export function parseLogSize(text: string): number {
  return parseByteSize(text, 'log size');
}

/** The log of a container whose directory is `dir`, from its options; every option checked (at create). */
export function logConfig(options: Pick<ContainerOptions, 'logDriver' | 'logOpt' | 'tty'>, dir: string): LogConfig {
  const driver = options.logDriver ?? 'k8s-file';
  if (driver !== 'k8s-file' && driver !== 'none' && driver !== 'passthrough') {
    const hint = driver === 'journald' || driver === 'json-file' ? ' (no journal is kept: use k8s-file)' : '';
    throw new UsageError(`log driver \`${driver}\` is not supported: use k8s-file, none or passthrough${hint}`);
  }
  if (driver === 'passthrough' && options.tty) throw new UsageError('the passthrough log driver cannot be used with a terminal (-t): the container writes straight to your stdout and stderr');
  let path: string | undefined = driver === 'k8s-file' ? join(dir, 'ctr.log') : undefined;
  let maxSize = 0;
  for (const opt of options.logOpt ?? []) {
    const eq = opt.indexOf('=');
    const [key, value] = eq < 0 ? [opt, ''] : [opt.slice(0, eq), opt.slice(eq + 1)];
    if (eq < 0 || value === '') throw new UsageError(`invalid log option \`${opt}\`: expected KEY=VALUE`);
    if (driver !== 'k8s-file') throw new UsageError(`log option \`${opt}\` has no meaning for the ${driver} log driver`);
    if (key === 'max-size') maxSize = parseLogSize(value);
    else if (key === 'path') {
      if (!isAbsolute(value)) throw new UsageError(`log option \`${opt}\`: the path must be absolute`);
      path = value;
    } else if (key === 'tag' || key === 'max-file') {
      throw new UsageError(`log option \`${key}\` is not supported by burrow's k8s-file log: use max-size or path`);
    } else throw new UsageError(`unknown log option \`${key}\`: use max-size or path`);
  }
  return { driver, path, maxSize };
}

type Stream = 'stdout' | 'stderr';

export interface LogView {
  /** only lines written at or after this time (ms since the epoch) */
  since?: number | undefined;
  /** only lines written at or before it */
  until?: number | undefined;
  /** -t: each line begins with its time (RFC 3339, nanoseconds, as podman prints it) */
  timestamps: boolean;
  /** several containers, or --names: each line begins with this ("NAME " or the short id and a space) */
  prefix: string;
}

const NL = 0x0a;
const SPACE = 0x20;
const F = 0x46;
const P = 0x50;

const S = 0x73;

/**
 * The stream of the line whose timestamp ends at `a` (a space), when the line
 * is a k8s-file line ("stdout F " or "stderr P ..."); else undefined. Bytes are
 * compared in place: a 100 MB log is a million lines.
 */
function streamAt(buf: Buffer, a: number, end: number): Stream | undefined {
  if (a + 8 >= end || buf[a + 7] !== SPACE || (buf[a + 8] !== F && buf[a + 8] !== P) || (a + 9 < end && buf[a + 9] !== SPACE)) return undefined;
  if (buf[a + 1] !== S || buf[a + 2] !== 0x74 || buf[a + 3] !== 0x64) return undefined; // "std"
  if (buf[a + 4] === 0x6f && buf[a + 5] === 0x75 && buf[a + 6] === 0x74) return 'stdout';
  if (buf[a + 4] === 0x65 && buf[a + 5] === 0x72 && buf[a + 6] === 0x72) return 'stderr';
  return undefined;
}

/** Go's RFC3339Nano of a k8s-file time: trailing zeros of the fraction dropped, a zero offset as Z. */
export function goTime(stamp: string): string {
  const m = /^([^.]+?)(?:\.(\d+))?([+-]\d\d:\d\d|Z)$/.exec(stamp);
  if (!m) return stamp;
  const fraction = (m[2] ?? '').replace(/0+$/, '');
  const zone = m[3] === '+00:00' || m[3] === '-00:00' ? 'Z' : m[3];
  return `${m[1]}${fraction ? `.${fraction}` : ''}${zone}`;
}

/**
 * Turns k8s-file bytes into what `logs` prints: each line's text on its own
 * stream, the parts (P) of a line joined to it (each stream's apart: podman
 * glues a part of stdout to the next line of stderr), filtered and prefixed
 * as the view says. Works on Buffers, a chunk at a time: each line's text is
 * copied once into an output buffer, handed out as a run of lines of one
 * stream; a line's time is only read when the view needs it.
 */
export class LogReader {
  private rest: Buffer | undefined;
  private readonly parts: Record<Stream, { stamp: string; chunks: Buffer[] } | undefined> = { stdout: undefined, stderr: undefined };
  private out = Buffer.allocUnsafe(1 << 16);
  private outLen = 0;
  private outStream: Stream = 'stdout';
  private readonly plain: boolean;
  private readonly prefix: Buffer;

  constructor(
    private readonly view: LogView,
    private readonly write: (stream: Stream, data: Buffer) => void,
  ) {
    this.plain = view.since === undefined && view.until === undefined && !view.timestamps;
    this.prefix = Buffer.from(view.prefix);
  }

  /** The lines `chunk` completes; `chunk` may be reused once this returns. */
  feed(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    let pos = 0;
    for (let nl = buf.indexOf(NL, pos); nl >= 0; nl = buf.indexOf(NL, pos)) {
      this.line(buf, pos, nl);
      pos = nl + 1;
    }
    this.rest = pos < buf.length ? Buffer.from(buf.subarray(pos)) : undefined;
    this.flushRun();
  }

  /** The end of the log: a line still without its end is shown as it is. */
  end(): void {
    if (this.rest) this.feed(Buffer.from([NL]));
    for (const stream of ['stdout', 'stderr'] as const) {
      const part = this.parts[stream];
      this.parts[stream] = undefined;
      if (part) this.emitParts(stream, part.stamp, part.chunks); // as podman: without a newline it never had
    }
    this.flushRun();
  }

  private line(buf: Buffer, start: number, end: number): void {
    const a = buf.indexOf(SPACE, start);
    if (a < 0 || a >= end) return; // not a k8s-file line: skipped, as podman does
    const stream = streamAt(buf, a, end);
    if (stream === undefined) return;
    const textStart = Math.min(a + 10, end);
    const part = this.parts[stream];
    if (buf[a + 8] === P) {
      // Kept past this chunk: copied.
      const text = Buffer.from(buf.subarray(textStart, end));
      if (part) part.chunks.push(text);
      else this.parts[stream] = { stamp: buf.toString('latin1', start, a), chunks: [text] };
      return;
    }
    if (part) {
      this.parts[stream] = undefined;
      this.emitParts(stream, part.stamp, [...part.chunks, buf.subarray(textStart, end + 1)]);
      return;
    }
    if (!this.plain) {
      const stamp = buf.toString('latin1', start, a);
      if (!this.wanted(stamp)) return;
      this.begin(stream, this.view.timestamps ? `${goTime(stamp)} ` : '');
    } else this.begin(stream, '');
    // The text and the newline that ends it in `buf`.
    this.append(buf, textStart, end + 1);
  }

  private wanted(stamp: string): boolean {
    const { since, until } = this.view;
    if (since === undefined && until === undefined) return true;
    const time = Date.parse(stamp);
    return !((since !== undefined && time < since) || (until !== undefined && time > until));
  }

  /** A line's start on `stream`: the run so far flushed if it was the other stream's, then the prefix and time. */
  private begin(stream: Stream, time: string): void {
    if (stream !== this.outStream) {
      this.flushRun();
      this.outStream = stream;
    }
    if (this.prefix.length > 0) this.append(this.prefix, 0, this.prefix.length);
    if (time) {
      const t = Buffer.from(time, 'latin1');
      this.append(t, 0, t.length);
    }
  }

  private emitParts(stream: Stream, stamp: string, chunks: Buffer[]): void {
    if (!this.wanted(stamp)) return;
    this.begin(stream, this.view.timestamps ? `${goTime(stamp)} ` : '');
    for (const c of chunks) this.append(c, 0, c.length);
  }

  private append(src: Buffer, start: number, end: number): void {
    const len = end - start;
    if (this.outLen + len > this.out.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.outLen + len));
      this.out.copy(grown, 0, 0, this.outLen);
      this.out = grown;
    }
    src.copy(this.out, this.outLen, start, end);
    this.outLen += len;
  }

  private flushRun(): void {
    if (this.outLen === 0) return;
    // Handed out: the receiver may keep it, so a new buffer for what follows.
    const data = this.out.subarray(0, this.outLen);
    this.out = Buffer.allocUnsafe(Math.max(1 << 16, this.out.length));
    this.outLen = 0;
    this.write(this.outStream, data);
  }
}


/** Is the line [start, end) of `buf` a whole (F) k8s-file line? */
function wholeLine(buf: Buffer, start: number, end: number): boolean {
  const a = buf.indexOf(SPACE, start);
  return a >= 0 && a < end && streamAt(buf, a, end) !== undefined && buf[a + 8] === F;
}

/**
 * Where the last `n` lines of the log open on `fd` (`size` bytes) begin, read
 * from the end a block at a time: the offset after the whole line before them
 * (the parts that begin the first of them are theirs).
 */
export function tailStart(fd: number, size: number, n: number): number {
  if (n <= 0) return size;
  let count = 0;
  let pos = size;
  let carry = Buffer.alloc(0);
  const block = Buffer.allocUnsafe(1 << 20);
  while (pos > 0) {
    const len = Math.min(block.length, pos);
    pos -= len;
    readAll(fd, block, len, pos);
    // the bytes [pos, pos + buf.length): the block itself while nothing is carried (a copy of 1 MiB cost 3-8 ms here)
    const buf = carry.length === 0 ? block.subarray(0, len) : Buffer.concat([block.subarray(0, len), carry]);
    let lineEnd = buf.length;
    // The file ends with a newline: each line [nl + 1, lineEnd) ends with one at lineEnd - 1.
    while (lineEnd >= 2) {
      const nl = buf.lastIndexOf(NL, lineEnd - 2);
      if (nl < 0) break;
      if (wholeLine(buf, nl + 1, lineEnd - 1)) {
        if (count === n) return pos + lineEnd;
        count++;
      }
      lineEnd = nl + 1;
    }
    carry = Buffer.from(buf.subarray(0, lineEnd));
  }
  // The file's first line.
  if (carry.length > 0 && count === n && wholeLine(carry, 0, carry.length - 1)) return carry.length;
  return 0;
}

function readAll(fd: number, buf: Buffer, len: number, position: number): void {
  let done = 0;
  while (done < len) {
    const n = readSync(fd, buf, done, len - done, position + done);
    if (n === 0) throw new BurrowError('E_LOGS', 'the log got shorter while it was read');
    done += n;
  }
}

/** A log being read: open on its file, from an offset, reopened when the monitor starts it again (max-size). */
export class LogFile {
  private fd: number | undefined;
  private ino = 0;
  private offset = 0;
  private readonly buf = Buffer.allocUnsafe(1 << 20);

  constructor(
    readonly path: string,
    private readonly reader: LogReader,
  ) {}

  /** Opens the log (none yet: nothing to read) and, with `tail`, skips to its last lines. */
  open(tail: number | undefined): void {
    try {
      this.fd = openSync(this.path, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw new BurrowError('E_LOGS', `read the log \`${this.path}\`: ${(err as Error).message}`);
    }
    const st = fstatSync(this.fd);
    this.ino = st.ino;
    this.offset = tail === undefined ? 0 : tailStart(this.fd, st.size, tail);
  }

  /** Reads what was written since the last call; a log started again (a new file, or truncated) from its start. */
  read(): void {
    if (this.fd === undefined) {
      this.open(undefined);
      if (this.fd === undefined) return;
    } else {
      const now = inodeOf(this.path);
      if (now !== undefined && now !== this.ino) {
        this.drain(); // the end of the old file first
        closeSync(this.fd);
        this.fd = undefined;
        this.open(undefined);
        if (this.fd === undefined) return;
      } else if (fstatSync(this.fd).size < this.offset) this.offset = 0;
    }
    this.drain();
  }

  private drain(): void {
    if (this.fd === undefined) return;
    for (;;) {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, this.offset);
      if (n === 0) return;
      this.offset += n;
      this.reader.feed(this.buf.subarray(0, n));
    }
  }

  close(): void {
    this.reader.end();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** The inode of `path` now, or undefined when there is none. */
function inodeOf(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

export interface LogsRequest {
  containers: string[];
  follow: boolean;
  /** --tail N: the last N lines of each (undefined: all) */
  tail: number | undefined;
  since: number | undefined;
  until: number | undefined;
  timestamps: boolean;
  /** --names: each line begins with its container's name */
  names: boolean;
}

/**
 * The log file `logs` can hand to the helper whole (helpers/log.c's `logs`:
 * one container, nothing filtered, prefixed, tailed or followed), or
 * undefined when the request needs LogReader's view.
 */
export function plainLogFile(store: Store, req: LogsRequest): string | undefined {
  if (req.containers.length !== 1 || req.follow || req.tail !== undefined || req.since !== undefined || req.until !== undefined || req.timestamps || req.names) return undefined;
  return logPath(store, store.containers.get(req.containers[0] as string));
}

/** The container's log file; one clear error for a log driver that keeps none. */
function logPath(store: Store, rec: ContainerRecord): string {
  const log = logConfig(rec.options, store.containers.dir(rec.id));
  if (log.path === undefined) throw new BurrowError('E_LOG_DRIVER', `container ${rec.name} uses the ${log.driver} log driver: it keeps no log to read`);
  return log.path;
}

/** How often a followed log is read again, and its container's state looked at. */
const FOLLOW_MS = 100;

/**
 * `logs`: each container's log, one after the other; with -f, all of them
 * followed together until each container has ended (its monitor gone) and
 * every line it wrote is printed. `write` is called in the order of the log.
 */
export async function showLogs(store: Store, req: LogsRequest, write: (stream: Stream, data: Buffer) => Promise<void> | void): Promise<void> {
  const { containers } = store;
  const all = containers.list();
  const recs = req.containers.map((ref) => containers.get(ref, all));
  const multi = recs.length > 1 || req.names;
  const files = recs.map((rec) => {
    const path = logPath(store, rec);
    const prefix = multi ? `${req.names ? rec.name : rec.id.slice(0, 12)} ` : '';
    // Lines are collected while a file is read and written after: write() may wait (a full pipe).
    let pending: { stream: Stream; data: Buffer }[] = [];
    const reader = new LogReader({ since: req.since, until: req.until, timestamps: req.timestamps, prefix }, (stream, data) => pending.push({ stream, data }));
    const file = new LogFile(path, reader);
    const flush = async (): Promise<void> => {
      const out = pending;
      pending = [];
      for (const { stream, data } of out) await write(stream, data);
    };
    return { rec, file, flush };
  });
  if (!req.follow) {
    for (const { file, flush } of files) {
      file.open(req.tail);
      file.read();
      file.close();
      await flush();
    }
    return;
  }
  for (const { file } of files) file.open(req.tail);
  let live = files;
  while (live.length > 0) {
    const still: typeof files = [];
    for (const f of live) {
      // Its state first, then what it wrote: a container that ended has written all it ever will.
      const running = containers.status(f.rec).state === 'running';
      f.file.read();
      if (!running) f.file.close();
      else still.push(f);
      await f.flush();
    }
    live = still;
    if (live.length > 0) await new Promise((resolve) => setTimeout(resolve, FOLLOW_MS));
  }
}
