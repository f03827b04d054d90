/**
 * The helper's status channel, read on the TypeScript side: JSON lines that
 * `burrow-helper run --status-fd N` writes (helpers/helper.c, `status_line`
 * and `report`), as typed records, and a failure as a BurrowError that keeps
 * the step, the system call, the path and the errno.
 *
 *   {"type":"pid","pid":1234}                 the container's process exists
 *   {"type":"error","step":"mount","syscall":"openat2","path":"/x",
 *    "errno":2,"code":125,"message":"..."}    the helper or a setup step failed
 *   {"type":"started"}                        every step ran and the command was exec'd
 *   {"type":"exit","code":0}                  the container ended with this code
 *
 * A line that is not one of these is kept as `unknown` (a newer helper may say
 * more); a helper that ends without any line ended before it could speak.
 *
 * Who reads it: every helper burrow starts and stays alive for (programs in a
 * user namespace, system/userns.ts; a detached `start`, runtime/container.ts).
 * A foreground `run` or `start -a` does not: Node has exec'd into the helper,
 * so nothing is left to read, and the helper's own `Error:` line on the
 * inherited stderr is the user's message (the same text as the record's).
 */
import type { Readable } from 'node:stream';

import { BurrowError } from '../errors.js';

export type StatusRecord =
  | { type: 'pid'; pid: number }
  | { type: 'error'; step: string; syscall: string; path: string; errno: number; code: number; message: string }
  | { type: 'started' }
  | { type: 'exit'; code: number }
  | { type: 'unknown'; line: string };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/** One line of the channel as a typed record. */
export function parseStatusLine(line: string): StatusRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { type: 'unknown', line };
  }
  const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (r.type === 'pid' && isInt(r.pid)) return { type: 'pid', pid: r.pid };
  if (r.type === 'exit' && isInt(r.code)) return { type: 'exit', code: r.code };
  if (r.type === 'started') return { type: 'started' };
  if (r.type === 'error' && isStr(r.step) && isStr(r.syscall) && isStr(r.path) && isInt(r.errno) && isInt(r.code) && isStr(r.message))
    return { type: 'error', step: r.step, syscall: r.syscall, path: r.path, errno: r.errno, code: r.code, message: r.message };
  return { type: 'unknown', line };
}

/** A failure the helper reported: its words, and where it happened. */
export class HelperError extends BurrowError {
  readonly step: string;
  readonly syscall: string;
  readonly path: string;
  readonly errno: number;
  /** the exit code the helper gave it: 125 (setup), 126 (cannot execute), 127 (not found) */
  readonly exitCode: number;

  constructor(record: Extract<StatusRecord, { type: 'error' }>) {
    super('E_HELPER_STEP', record.message);
    this.name = 'HelperError';
    this.step = record.step;
    this.syscall = record.syscall;
    this.path = record.path;
    this.errno = record.errno;
    this.exitCode = record.code;
  }
}

/** Collects the records of a status fd as they come. */
export class StatusChannel {
  readonly records: StatusRecord[] = [];
  private rest = '';
  private ended = false;
  private waiters: (() => void)[] = [];

  constructor(stream: Readable | null | undefined) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (this.rest + chunk).split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.records.push(parseStatusLine(line));
      this.wake();
    });
    const end = (): void => {
      this.ended = true;
      this.wake();
    };
    stream?.on('error', end); // a helper that died: what came is what there is
    stream?.on('close', end);
    if (!stream) this.ended = true;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /**
   * Resolves once the container's command runs (`started`); rejects with the
   * helper's own failure (a HelperError naming its step, call, path and
   * errno), or `gone` when the helper ended without saying either.
   */
  started(gone: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const failed = this.error;
        if (failed) return reject(failed);
        if (this.records.some((r) => r.type === 'started')) return resolve();
        if (this.ended || this.exitCode !== undefined) return reject(gone());
        this.waiters.push(check);
      };
      check();
    });
  }

  /** The helper's own failure, if it reported one. */
  get error(): HelperError | undefined {
    const record = this.records.find((r): r is Extract<StatusRecord, { type: 'error' }> => r.type === 'error');
    return record && new HelperError(record);
  }

  /** The container's exit code, once the helper said it. */
  get exitCode(): number | undefined {
    const record = this.records.find((r): r is Extract<StatusRecord, { type: 'exit' }> => r.type === 'exit');
    return record?.code;
  }

  /**
   * Why a helper that did not end with 0 failed, in one place: its own
   * failure (a HelperError from the `error` record); else the program's last
   * `Error:` line on stderr (burrow's worker speaks so); else its exit code
   * or signal, with its last line of stderr.
   */
  failure(ended: { code: number | null; signal: NodeJS.Signals | null; stderr: string; what: string; errorCode: string }): BurrowError {
    const helperFailed = this.error;
    if (helperFailed) return helperFailed;
    const { stderr } = ended;
    const line = stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .reverse()
      .find((l) => l.startsWith('Error: '));
    const how = ended.signal ?? this.exitCode ?? ended.code;
    return new BurrowError(ended.errorCode, line ? line.slice('Error: '.length) : `${ended.what} exited with ${how}${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`);
  }

  get pid(): number | undefined {
    const record = this.records.find((r): r is Extract<StatusRecord, { type: 'pid' }> => r.type === 'pid');
    return record?.pid;
  }
}
