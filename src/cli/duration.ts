import { parseDuration } from '../config/duration.js';
import { UsageError } from '../errors.js';

export { parseDuration };

/** --retry N and --retry-delay DURATION of pull and push, as the registry client takes them (3 tries by default). */
export function retryFlags(retry: string | undefined, retryDelay: string | undefined): { retries: number; retryDelayMs: number | undefined } {
  if (retry !== undefined && !/^\d+$/.test(retry)) throw new UsageError(`invalid argument "${retry}" for "--retry" flag: not a number`);
  return { retries: retry === undefined ? 3 : Number(retry), retryDelayMs: retryDelay === undefined ? undefined : parseDuration(retryDelay, '--retry-delay') };
}

/**
 * A point in time as podman's --since/--until take it, in ms since the epoch:
 * an RFC 3339 time (`2026-12-05T10:00:00Z`, with or without a fraction or
 * zone: none is local time), a date, a Unix time in seconds (`1733392800.5`),
 * or a Go duration before `now` (`10m`, `1h30m`).
 */
export function parseTimeFlag(text: string, flag: string, now = Date.now()): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (/^(\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/.test(t)) return now - parseDuration(t, flag);
  const parsed = Date.parse(/^\d{4}-\d\d-\d\d$/.test(t) ? `${t}T00:00:00` : t);
  if (Number.isNaN(parsed)) throw new UsageError(`invalid ${flag} time \`${text}\`: an RFC 3339 time (2026-12-05T10:00:00Z), a Unix time, or a duration such as 10m`);
  return parsed;
}

/** The prune commands' --filter values: only until=TIME is known; the earliest wins. Infinity without one. */
export function untilFilter(filters: string[], command: string): number {
  let until = Infinity;
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq < 0 || f.slice(0, eq) !== 'until') throw new UsageError(`invalid filter \`${f}\`: ${command} takes until=TIME`);
    until = Math.min(until, parseTimeFlag(f.slice(eq + 1), '--filter until'));
  }
  return until;
}

/** -t/--time: a whole number of seconds (stop, restart, rm, volume rm); not given, undefined (the container's own stop timeout then). */
export function parseSeconds(text: string, flag?: string): number;
export function parseSeconds(text: string | undefined, flag?: string): number | undefined;
export function parseSeconds(text: string | undefined, flag = '--time'): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`invalid ${flag} \`${text}\`: a number of seconds`);
  return n;
}
