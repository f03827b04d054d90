/**
 * burrow's own log, on stderr, in the form podman (logrus) writes it:
 *   time="2026-12-04T22:53:29Z" level=debug msg="..."
 * Only what is at --log-level or above is written; podman's default is warn,
 * and burrow's warnings and errors keep their own `Warning:`/`Error:` lines,
 * so what goes through here is the debug and info trace of what burrow does.
 */
import { writeSync } from 'node:fs';

/** podman's levels, lowest first */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic'] as const;
const ORDER = LOG_LEVELS;
export type LogLevel = (typeof ORDER)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (ORDER as readonly string[]).includes(value);
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
}

/** Quotes as logrus does: a Go-quoted string. */
function quote(message: string): string {
  return JSON.stringify(message);
}

/** The logger for `level` (podman's default, warn, writes nothing here). */
export function stderrLogger(level: LogLevel = 'warn'): Logger {
  const at = ORDER.indexOf(level);
  const line = (name: LogLevel) => (message: string): void => {
    if (ORDER.indexOf(name) < at) return;
    writeSync(2, `time="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" level=${name} msg=${quote(message)}\n`);
  };
  return { debug: line('debug'), info: line('info') };
}

/** Writes nothing. */
export const SILENT: Logger = { debug: () => undefined, info: () => undefined };
