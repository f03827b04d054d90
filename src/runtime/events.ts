/**
 * Events, as podman's file logger keeps them: one JSON object a line in
 * $XDG_RUNTIME_DIR/burrow/events.log, appended by the command that did
 * something (create, start, exec, stop, kill, restart, rename, remove; pull,
 * tag, untag, image remove) and by the monitor itself when a container ends
 * (`died`: the plan's `event` record, whose JSON is made here). No daemon:
 * `events` reads the file, and follows it. Past 1 MiB the file is moved to
 * events.log.1 (replacing the one before), so it never grows without end.
 */
import { appendFileSync, closeSync, openSync, readFileSync, readSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { Paths } from '../config/paths.js';
import type { Sys } from '../system/sys.js';

/** Where events go: burrow's directories and the Sys that makes the runtime one (a Context, an Env or a Store). */
export interface EventsWhere {
  paths: Paths;
  sys: Pick<Sys, 'runtimeDir'>;
}

export type EventType = 'container' | 'image' | 'pod' | 'network';

export interface BurrowEvent {
  ID: string;
  Image?: string;
  Name: string;
  Status: string;
  /** RFC 3339 with nanoseconds and the local offset */
  Time: string;
  Type: EventType;
  ContainerExitCode?: number;
  Attributes?: Record<string, string>;
}

const MAX_SIZE = 1 << 20;

export function eventsFile(paths: Paths): string {
  return join(paths.runtime, 'events.log');
}

/** The events file in the runtime directory made (or its fallback taken, with its one warning); undefined when there is none. */
function writableEventsFile(where: EventsWhere): string | undefined {
  try {
    return join(where.sys.runtimeDir(), 'events.log');
  } catch {
    return undefined;
  }
}

/** RFC 3339 with nanoseconds and the local offset, as the helper writes it (log.c). */
export function eventTime(date = new Date()): string {
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const offset = -date.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  const ns = `${pad(date.getMilliseconds(), 3)}000000`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${ns}${zone}`;
}

/** Appends one event (best effort: an event that cannot be written never fails the command). */
export function recordEvent(where: EventsWhere, event: Omit<BurrowEvent, 'Time'>): void {
  const file = writableEventsFile(where);
  if (file === undefined) return;
  try {
    try {
      if (statSync(file).size > MAX_SIZE) renameSync(file, `${file}.1`);
    } catch {
      // none yet
    }
    appendFileSync(file, `${JSON.stringify({ ...event, Time: eventTime() })}\n`, { mode: 0o600 });
  } catch {
    // no runtime directory to write to: the command still did what it did
  }
}

/** An image event: `pull`, `tag`, `untag`, `remove`, by id and the name it concerns. */
export function imageEvent(where: EventsWhere, status: string, id: string, name: string): void {
  recordEvent(where, { ID: id, Name: name, Status: status, Type: 'image' });
}

/** The plan's `event` record for a container's end: the JSON of `died` around the time and the code the monitor fills in. */
export function diedEvent(where: EventsWhere, c: { id: string; name: string; image: string; attributes?: Record<string, string> }): { path: string; before: string; between: string; after: string } {
  const head = JSON.stringify({ ID: c.id, Image: c.image, Name: c.name, Status: 'died' });
  const tail = JSON.stringify({ Attributes: c.attributes ?? {} });
  return {
    path: writableEventsFile(where) ?? eventsFile(where.paths),
    before: `${head.slice(0, -1)},"Time":"`,
    between: '","Type":"container","ContainerExitCode":',
    after: `,${tail.slice(1)}`,
  };
}

/** Parses the events in `text`; lines that are not events are skipped. */
export function parseEvents(text: string): BurrowEvent[] {
  const out: BurrowEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const e = JSON.parse(line) as BurrowEvent;
      if (typeof e.Status === 'string' && typeof e.Time === 'string') out.push(e);
    } catch {
      // half a line (a full disk): skipped
    }
  }
  return out;
}

/** The events moved aside (events.log.1), oldest first: those before what an EventsTail from the start reads. */
export function olderEvents(paths: Paths): BurrowEvent[] {
  try {
    return parseEvents(readFileSync(`${eventsFile(paths)}.1`, 'utf8'));
  } catch {
    return [];
  }
}

/** Reads what is appended to the events file after `offset`; follows it to a new file when it was moved aside. */
export class EventsTail {
  private offset: number;
  private ino: number | undefined;
  private rest = '';

  /** From the end of the file as it is now, or with `fromStart` from its beginning. */
  constructor(
    private readonly file: string,
    fromStart = false,
  ) {
    const st = statOr(file);
    this.offset = fromStart ? 0 : (st?.size ?? 0);
    this.ino = st?.ino;
  }

  read(): BurrowEvent[] {
    const st = statOr(this.file);
    if (!st) return [];
    if (st.ino !== this.ino || st.size < this.offset) {
      this.ino = st.ino;
      this.offset = 0;
      this.rest = '';
    }
    if (st.size === this.offset) return [];
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(st.size - this.offset);
      const n = readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const text = this.rest + buf.toString('utf8', 0, n);
      const end = text.lastIndexOf('\n') + 1;
      this.rest = text.slice(end);
      return parseEvents(text.slice(0, end));
    } finally {
      closeSync(fd);
    }
  }
}

function statOr(path: string): { size: number; ino: number } | undefined {
  try {
    const st = statSync(path);
    return { size: st.size, ino: st.ino };
  } catch {
    return undefined;
  }
}
