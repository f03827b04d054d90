/**
 * Where each file of an image archive is, without reading the files: the
 * tar's headers walked with pread, the data skipped (ustar, pax `x` headers
 * for long names and sizes, GNU `L`/`K` long names). `load -i FILE` then has
 * each layer read from its place by the worker that unpacks it, instead of
 * piping every byte through the loading process (image/archive.ts).
 *
 * Anything unusual (a header whose checksum is wrong, a size that runs past
 * the file, a base-256 size too large) is an error: the caller falls back to
 * reading the archive as a stream, whose reader says what is wrong.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface TarEntry {
  name: string;
  /** tar's type flag: '0' a file, '1' a hard link, '2' a symlink, '5' a directory, ... */
  type: string;
  linkname: string;
  /** where the data starts in the file */
  offset: number;
  size: number;
}

const BLOCK = 512;
/** The most entries and the largest pax header read: an image archive has a handful of each. */
const MAX_ENTRIES = 1_000_000;
const MAX_EXTENDED = 1 << 20;

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString('utf8');
}

function number(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if ((field[0] ?? 0) & 0x80) {
    // base-256 (GNU), big-endian, for sizes beyond 8 GiB
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    if (!Number.isSafeInteger(value)) throw new Error('a size too large');
    return value;
  }
  const digits = text(block, start, length).trim();
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) throw new Error(`a number field \`${digits}\``);
  return parseInt(digits, 8);
}

function checksumOk(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum === number(block, 148, 8);
}

/** pax records: `LEN key=value\n`. */
function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= 0 || at + len > data.length) throw new Error('a malformed pax header');
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    at += len;
  }
  return out;
}

/** The entries of the uncompressed tar `file`, in order. Throws on anything it does not expect. */
export function tarIndex(file: string): TarEntry[] {
  const fd = openSync(file, 'r');
  try {
    const total = fstatSync(fd).size;
    const entries: TarEntry[] = [];
    const block = Buffer.alloc(BLOCK);
    let at = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax = new Map<string, string>();
    const readAt = (buf: Buffer, pos: number): void => {
      if (readSync(fd, buf, 0, buf.length, pos) !== buf.length) throw new Error('the archive ends inside an entry');
    };
    for (;;) {
      if (at + BLOCK > total) throw new Error('the archive ends without its end blocks');
      readAt(block, at);
      if (block.every((b) => b === 0)) break; // the end
      if (!checksumOk(block)) throw new Error(`a header with a wrong checksum at byte ${at}`);
      const type = String.fromCharCode(block[156] as number) || '0';
      const size = number(block, 124, 12);
      const offset = at + BLOCK;
      if (offset + size > total) throw new Error('the archive ends inside an entry');
      const next = offset + Math.ceil(size / BLOCK) * BLOCK;
      if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
        if (size > MAX_EXTENDED) throw new Error('an extended header too large');
        const data = Buffer.alloc(size);
        readAt(data, offset);
        if (type === 'x') pax = paxRecords(data);
        else if (type === 'L') longName = text(data, 0, data.length);
        else if (type === 'K') longLink = text(data, 0, data.length);
        at = next;
        continue;
      }
      const ustar = text(block, 257, 6) === 'ustar';
      const prefix = ustar ? text(block, 345, 155) : '';
      const base = text(block, 0, 100);
      const name = pax.get('path') ?? longName ?? (prefix !== '' ? `${prefix}/${base}` : base);
      const linkname = pax.get('linkpath') ?? longLink ?? text(block, 157, 100);
      const realSize = pax.has('size') ? Number(pax.get('size')) : size;
      if (!Number.isSafeInteger(realSize) || realSize !== size) throw new Error('a pax size that is not the header size');
      entries.push({ name, type: type === '\0' ? '0' : type, linkname, offset, size });
      if (entries.length > MAX_ENTRIES) throw new Error('too many entries');
      pax = new Map();
      longName = undefined;
      longLink = undefined;
      at = next;
    }
    return entries;
  } finally {
    closeSync(fd);
  }
}
