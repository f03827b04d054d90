/**
 * An error as burrow reports it (podman's way): one line `Error: ...` on
 * stderr and exit code 125; its code (E_...) and stack only with --log-level=debug. Shared by
 * main.ts and the clipanion-free fast path (src/fast.ts), so it imports no clipanion.
 */
import { writeSync } from 'node:fs';

import { BurrowError, ExitCode, systemFailure } from '../errors.js';

/** The first line of clipanion's parse errors, in podman's words where they differ. */
function parseErrorMessage(err: Error): string {
  const first = (err.message.split('\n')[0] ?? '').trim();
  const unsupported = /^Unsupported option name \("?(.+?)"?\)\.?$/.exec(first);
  if (unsupported) return `unknown flag: ${unsupported[1]}`;
  const unknown = /^Command not found; did you mean/.test(first) || first.startsWith('Command not found');
  if (unknown) return `unrecognized command: burrow ${process.argv.slice(2).join(' ')}`.trimEnd();
  return first.replace(/\.$/, '');
}

/**
 * Prints `err` as one `Error:` line and returns 125. `operation` is the
 * command that failed (`tag`, `image prune`): it begins the message of a
 * system call's failure (a full disk, a read-only store).
 */
export function reportError(err: unknown, debug: boolean, operation?: string): number {
  const e = systemFailure(err, operation) ?? (err instanceof Error ? err : new Error(String(err)));
  let message: string;
  if (e instanceof BurrowError) message = e.hint ? `${e.message} (${e.hint})` : e.message;
  else if (e.name === 'UnknownSyntaxError' || e.name === 'AmbiguousSyntaxError' || e.name === 'UsageError') message = parseErrorMessage(e);
  else message = `${e.message} (this is a bug in burrow; run with --log-level=debug for details)`;
  writeSync(2, `Error: ${message}\n`);
  if (!debug) return ExitCode.burrow;
  // The stable code (burrow(1), ERROR CODES), then where it came from.
  if (e instanceof BurrowError) writeSync(2, `Error code: ${e.code}\n`);
  const stack = (err instanceof Error ? err : e).stack;
  if (stack) writeSync(2, `${stack}\n`);
  return ExitCode.burrow;
}
