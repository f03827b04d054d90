/**
 * Progress bars on a terminal, drawn as podman's (containers/image with mpb)
 * are: one row per blob, redrawn in place,
 *
 *   Copying blob 7f6baa04a2a9 [=============>------------------------] 27.3MiB / 76.3MiB | 41.2 MiB/s
 *   Copying blob e357d5c48ac4 done   |
 *   Copying blob 00d55550726d skipped: already exists
 *
 * and plain lines (`Getting image source signatures`) kept in their order
 * among them. Off a terminal the commands print podman's plain lines
 * (`Copying blob sha256:...`) instead.
 */
import type { Writable } from 'node:stream';

import { hex } from '../oci/digest.js';

export interface Bar {
  /** `n` more bytes done */
  add(n: number): void;
  /** finished: the bar gives way to `label` (`done`, `skipped: already exists`) */
  finish(label: string): void;
}

const BAR_WIDTH = 40;
const REDRAW_MS = 150;
const RATE_WINDOW_MS = 3000;

/** mpb's SizeB1024 with `%.1f`: 512.0b, 3.4KiB, 27.1MiB. */
export function size1024(bytes: number, spaced = false): string {
  const units = ['b', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)}${spaced ? ' ' : ''}${units[unit]}`;
}

/** `[=====>-----]` of `width` characters in all. */
export function barText(done: number, total: number, width = BAR_WIDTH): string {
  const inner = width - 2;
  if (total <= 0) return `[${'-'.repeat(inner)}]`;
  const filled = Math.min(inner, Math.floor((done / total) * inner));
  if (filled >= inner) return `[${'='.repeat(inner)}]`;
  return `[${'='.repeat(Math.max(0, filled - 1))}${filled > 0 ? '>' : ''}${'-'.repeat(inner - filled)}]`;
}

interface Row {
  text?: string;
  prefix: string;
  total: number;
  done: number;
  label?: string;
  samples: [number, number][];
}

/** podman's bars, drawn on `out` (a terminal of `columns`), redrawn every REDRAW_MS. */
export class TerminalProgress {
  private readonly rows: Row[] = [];
  /** the rows at the top that are final and drawn: never drawn again */
  private settled = 0;
  /** rows drawn below the settled ones on the last frame */
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: Writable,
    private readonly columns: () => number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** a line among the bars, drawn once */
  line(text: string): void {
    this.rows.push({ text, prefix: '', total: 0, done: 0, samples: [] });
    this.draw();
  }

  /** a bar for a blob of `size` bytes */
  bar(kind: 'blob' | 'config', digest: string, size: number): Bar {
    const prefix = `Copying ${kind} ${hex(digest as `sha256:${string}`).slice(0, 12)}`;
    const row: Row = { prefix, total: size, done: 0, samples: [[this.now(), 0]] };
    this.rows.push(row);
    // Drawn by the next frame: a bar finished at once (a blob already there) shows only its end.
    this.timer ??= setInterval(() => this.draw(), REDRAW_MS).unref();
    return {
      add: (n) => {
        row.done += n;
      },
      finish: (label) => {
        row.label = label;
        this.draw();
      },
    };
  }

  /** draws the last frame and stops redrawing */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
  }

  private render(row: Row): string {
    if (row.text !== undefined) return row.text;
    if (row.label !== undefined) return `${row.prefix} ${row.label}`;
    const t = this.now();
    row.samples.push([t, row.done]);
    while (row.samples.length > 2 && t - (row.samples[0] as [number, number])[0] > RATE_WINDOW_MS) row.samples.shift();
    const [t0, d0] = row.samples[0] as [number, number];
    const rate = t > t0 ? ((row.done - d0) * 1000) / (t - t0) : 0;
    return `${row.prefix} ${barText(row.done, row.total)} ${size1024(row.done)} / ${size1024(row.total)} | ${size1024(rate, true)}/s`;
  }

  private draw(): void {
    const width = Math.max(20, this.columns());
    const fit = (s: string) => (s.length >= width ? s.slice(0, width - 1) : s);
    let frame = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    // Rows that are final and have nothing unfinished above them are drawn one last time and left alone.
    let settledNow = this.settled;
    while (settledNow < this.rows.length && this.final(this.rows[settledNow] as Row)) settledNow++;
    for (let i = this.settled; i < this.rows.length; i++) frame += `\x1b[2K${fit(this.render(this.rows[i] as Row))}\n`;
    this.drawn = this.rows.length - settledNow;
    this.settled = settledNow;
    this.out.write(frame);
  }

  private final(row: Row): boolean {
    return row.text !== undefined || row.label !== undefined;
  }
}

/**
 * How a pull or push reports on `out`: podman's bars when `tty` (standard
 * error is a terminal), its plain lines otherwise, nothing when `quiet`.
 * `plain` writes a plain line (by default to `out`). Stop `bars` at the end.
 */
export function reporting(
  out: Writable,
  opts: { quiet: boolean; tty: boolean; plain?: (line: string) => void },
): { progress: ((line: string) => void) | undefined; bars: TerminalProgress | undefined } {
  if (opts.quiet) return { progress: undefined, bars: undefined };
  if (!opts.tty) return { progress: opts.plain ?? ((line) => out.write(`${line}\n`)), bars: undefined };
  const bars = new TerminalProgress(out, () => process.stderr.columns ?? 80);
  return { progress: (line) => bars.line(line), bars };
}
