/**
 * Output the way podman's report package writes it: a template per row,
 * `table` for a header row, `json` for the command's JSON document, and
 * columns aligned by a tab writer (Go's text/tabwriter with podman's
 * settings: minimum width 12, padding 2).
 */
import type { Writable } from 'node:stream';

import { isJsonFormat, Template } from './template.js';

/** Go's %.<precision>g. */
function goG(x: number, precision: number): string {
  if (x === 0) return '0';
  const rounded = Number(x.toPrecision(precision));
  const exp = Math.floor(Math.log10(Math.abs(rounded)));
  if (exp < -4 || exp >= precision) {
    const [mant = '', e = '0'] = rounded.toExponential(precision - 1).split('e');
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(rounded);
}

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSizeWithPrecision: decimal units ("1.982MB" with 4 digits). */
export function goHumanSize(bytes: number, precision = 4): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < DECIMAL.length - 1) {
    size /= 1000;
    i++;
  }
  return `${goG(size, precision)}${DECIMAL[i]}`;
}

/** podman's sizes in lists: decimal units, 3 significant digits, a space before the unit ("1.98 MB"). */
export function humanSize(bytes: number): string {
  const s = goHumanSize(bytes, 3);
  // podman puts the space after the last digit
  const last = s.search(/\d(?!.*\d)/);
  return `${s.slice(0, last + 1)} ${s.slice(last + 1)}`;
}

/** go-units HumanDuration, which podman prints as "... ago". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

export function timeAgo(date: Date, now = Date.now()): string {
  return `${humanDuration(now - date.getTime())} ago`;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** Go's time.Time.String() in local time: "2006-01-02 15:04:05.999999999 -0700 MST". */
export function goTimeString(date: Date, fraction = ''): string {
  const off = -date.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const zone =
    new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const frac = fraction.replace(/0+$/, '');
  return (
    `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ` +
    `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}${frac ? `.${frac}` : ''} ` +
    `${sign}${pad2(Math.trunc(Math.abs(off) / 60))}${pad2(Math.abs(off) % 60)} ${zone === 'GMT' ? 'UTC' : zone}`
  );
}

/** RFC 3339 time as written in image configs, with its nanoseconds kept (JS dates stop at milliseconds). */
export function parseTime(text: string | undefined): { date: Date; fraction: string } {
  const date = new Date(text ?? 0);
  const m = /\.(\d+)/.exec(text ?? '');
  return { date: Number.isNaN(date.getTime()) ? new Date(0) : date, fraction: m?.[1] ?? '' };
}

/** A UTF-16 surrogate: a cell with one may hold characters of two code units. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Go's text/tabwriter (cells end at a tab; the text after a line's last tab
 * is not aligned; a column is as wide as its widest cell in a run of lines
 * that have it, plus padding). Widths count code points, as Go counts runes.
 */
export function tabwrite(text: string, minwidth = 12, padding = 2): string {
  const endsWithNewline = text.endsWith('\n');
  const rows = (endsWithNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  // (the spread only where it counts: it made an array of every cell, 14 ms of `ps -a` of 1,000 containers)
  const width = (s: string): number => (SURROGATE.test(s) ? [...s].length : s.length);
  const out: string[] = [];
  const widths: number[] = [];
  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = rows[i] as string[];
      let line = '';
      cells.forEach((cell, j) => {
        if (j < cells.length - 1 && j < widths.length) line += cell + ' '.repeat(Math.max(0, (widths[j] as number) - width(cell)));
        else line += cell;
      });
      out.push(line);
    }
  };
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let row = line0; row < line1; row++) {
      if (column >= (rows[row] as string[]).length - 1) continue;
      writeLines(start, row);
      start = row;
      let w = minwidth;
      for (; row < line1; row++) {
        const cells = rows[row] as string[];
        if (column >= cells.length - 1) break;
        w = Math.max(w, width(cells[column] as string) + padding);
      }
      widths.push(w);
      format(start, row);
      widths.pop();
      start = row;
      row--;
    }
    writeLines(start, line1);
  };
  format(0, rows.length);
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}

/** Headers podman derives from field names: "CreatedAt" -> "CREATED AT". */
export function defaultHeader(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toUpperCase();
}

export interface ReportOptions<Row> {
  /** the template's name in errors: podman uses the command's */
  name: string;
  /** what the user gave with --format (undefined: the default table) */
  format: string | undefined;
  /** the default, a `table ...` template */
  table: string;
  /** header names that differ from defaultHeader's */
  headers?: Record<string, string>;
  rows: Row[];
  /** the command's JSON document for `--format json` */
  json: () => unknown;
  /** JSON indentation (podman: 4 spaces for lists, 5 for inspect) */
  indent?: number;
}

/** Parses the format first (so a bad one fails before anything is printed), then renders. */
export function renderReport<Row>(opts: ReportOptions<Row>): string {
  const format = opts.format === undefined || opts.format === '' ? opts.table : opts.format;
  if (isJsonFormat(format)) return `${JSON.stringify(opts.json(), null, opts.indent ?? 4)}\n`;
  let body = format;
  let table = false;
  if (/^table(\s|$)/.test(body)) {
    table = true;
    body = body.slice(5).replace(/^\s/, '');
    if (body.trim() === '') body = opts.table.replace(/^table\s?/, '');
  }
  body = body.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  if (!body.endsWith('\n')) body += '\n';
  const template = new Template(opts.name, body);
  let text = '';
  if (table) text += template.execute({}, { header: (f) => opts.headers?.[f] ?? defaultHeader(f) });
  for (const row of opts.rows) text += template.execute(row);
  return tabwrite(text);
}

export function writeReport<Row>(stdout: Writable, opts: ReportOptions<Row>): void {
  stdout.write(renderReport(opts));
}
