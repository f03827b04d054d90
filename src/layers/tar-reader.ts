/**
 * A tar reader that is fed bytes and calls back, synchronously, for each
 * entry and each piece of its data: no stream per entry, no promise, no
 * copy of file data (a piece is a view of the chunk it came in). The layer
 * unpacker (apply.ts) spends its time in system calls, not here.
 *
 *   write(chunk) ... write(chunk), end()
 *        |
 *        +-- entry(header)  -> a sink for the data, or undefined (skipped)
 *        +-- sink.data(piece) ... sink.end()
 *
 * Formats: ustar (its prefix field), GNU (long names `L`/`K`, base-256
 * numbers), pax (`x`: path, linkpath, size, uid, gid, mtime; all records
 * passed on, SCHILY.xattr values as their raw bytes). pax global headers
 * (`g`) are skipped, as podman's unpacker does. As in Go's archive/tar
 * (which most layers are written by), links, directories, devices and fifos
 * have no data, whatever their size field says. A zero block is skipped. A
 * header of no known format, a wrong checksum, a number that is not one, a
 * malformed pax record and a tar that ends inside an entry are refused with
 * E_LAYER_FORMAT. Anything a callback throws ends the reading: the reader is
 * then spent.
 */
import { BurrowError } from '../errors.js';
import { decodeName } from '../system/names.js';

export type TarType = 'file' | 'contiguous-file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo';

export interface TarHeader {
  name: string;
  linkname: string;
  /** null: a type flag burrow does not unpack (old GNU sparse, multi-volume, unknown) */
  type: TarType | null;
  /** the type flag as written, for messages */
  flag: string;
  mode: number;
  uid: number;
  gid: number;
  /** bytes of data that follow (0 for the types that have none) */
  size: number;
  /** seconds since the epoch (pax: with a fraction) */
  mtime: number;
  /** the entry's pax records, if it had any */
  pax: Record<string, string> | undefined;
}

export interface TarSink {
  data(piece: Buffer): void;
  end(): void;
}

export type TarEntryHandler = (header: TarHeader) => TarSink | undefined;

const BLOCK = 512;
/** The largest pax or GNU long-name header read (tar-stream's limit). */
const MAX_EXTENDED = 4 << 20;

const TYPES: Record<string, TarType> = {
  '0': 'file',
  '\0': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
};
/** Types that carry no data, whatever their size field says (Go's isHeaderOnlyType). */
const NO_DATA = new Set<TarType>(['link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo']);

function bad(message: string): BurrowError {
  return new BurrowError('E_LAYER_FORMAT', `layer: not a readable tar archive: ${message}`);
}

/** A NUL-terminated field (or the whole of it) as a name: UTF-8, a byte that is not escaped (system/names.ts). */
function field(block: Buffer, start: number, length: number): string {
  // (a loop: Buffer.indexOf's call costs more than the few bytes a name has)
  let end = start;
  while (end < start + length && block[end] !== 0) end++;
  return decodeName(block, start, end);
}

/**
 * A numeric field: octal digits (leading spaces or NULs allowed, ended by a
 * space, a NUL or the field's end), or GNU's base-256 (first byte 0x80, or
 * 0xff for a negative number).
 */
export function tarNumber(block: Buffer, start: number, length: number, what: string): number {
  const first = block[start] as number;
  if (first === 0x80 || first === 0xff) {
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + (first === 0xff ? 0xff - (block[i] as number) : (block[i] as number));
    if (!Number.isSafeInteger(value)) throw bad(`the ${what} field is too large`);
    return first === 0xff ? -value - 1 : value;
  }
  let i = start;
  const end = start + length;
  while (i < end && (block[i] === 0x20 || block[i] === 0)) i++;
  let value = 0;
  for (; i < end; i++) {
    const c = block[i] as number;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) throw bad(`the ${what} field \`${block.toString('latin1', start, end).replace(/[^\x20-\x7e]/g, '?')}\` is not an octal number`);
    value = value * 8 + (c - 0x30);
  }
  for (; i < end; i++) if (block[i] !== 0x20 && block[i] !== 0) throw bad(`the ${what} field has bytes after its number`);
  return value;
}

/** True for a block of zeros (its checksum field aside, as tar-stream and GNU tar treat it). */
function isZeroBlock(block: Buffer, at: number): boolean {
  for (let i = at; i < at + BLOCK; i++) if (block[i] !== 0 && (i < at + 148 || i >= at + 156)) return false;
  return true;
}

function checksumOk(block: Buffer, at: number): boolean {
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = at; i < at + BLOCK; i++) {
    if (i >= at + 148 && i < at + 156) continue;
    const b = block[i] as number;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const want = tarNumber(block, at + 148, 8, 'checksum');
  return want === unsigned || want === signed; // old tars summed signed bytes
}

/**
 * pax records, `LEN key=value\n` each. SCHILY.xattr values are kept as their bytes (latin1); the rest as names
 * (UTF-8, a byte that is not escaped: GNU tar writes a path's bytes as they are).
 */
export function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break; // padding
    const space = data.indexOf(0x20, at);
    const len = space < 0 ? NaN : Number(data.toString('latin1', at, space));
    if (!Number.isSafeInteger(len) || len <= space - at + 1 || at + len > data.length || data[at + len - 1] !== 0x0a) throw bad('a malformed pax record');
    const eq = data.indexOf(0x3d, space + 1);
    if (eq < 0 || eq >= at + len - 1) throw bad('a pax record without `=`');
    const key = data.toString('utf8', space + 1, eq);
    out[key] = key.startsWith('SCHILY.xattr.') ? data.toString('latin1', eq + 1, at + len - 1) : decodeName(data, eq + 1, at + len - 1);
    at += len;
  }
  return out;
}

function paxNumber(pax: Record<string, string>, key: string, fallback: number, fraction = false): number {
  const text = pax[key];
  if (text === undefined) return fallback;
  if (!(fraction ? /^-?\d+(\.\d+)?$/ : /^\d+$/).test(text)) throw bad(`the pax record ${key}=${text.slice(0, 30)} is not a number`);
  const value = Number(text);
  if (!Number.isSafeInteger(Math.trunc(value))) throw bad(`the pax record ${key} is too large`);
  return value;
}

const enum State {
  Header,
  Extended,
  Data,
  Padding,
}

export class TarReader {
  private state = State.Header;
  /** a header block split between chunks, gathered (an extended header gathers into `extended`) */
  private readonly partial = Buffer.allocUnsafe(BLOCK);
  private partialLength = 0;
  /** bytes still to come of the current state's part */
  private missing = 0;
  private extendedFlag = '';
  private extended: Buffer | undefined;
  private pax: Record<string, string> | undefined;
  private longName: string | undefined;
  private longLink: string | undefined;
  private sink: TarSink | undefined;
  private padding = 0;
  private spent = false;

  constructor(private readonly onEntry: TarEntryHandler) {}

  write(chunk: Buffer): void {
    if (this.spent) throw new BurrowError('E_LAYER', 'tar reader written to after an error');
    try {
      this.consume(chunk);
    } catch (err) {
      this.spent = true;
      throw err;
    }
  }

  /** The input's end: refused inside an entry (its header, data or padding). */
  end(): void {
    if (this.spent) throw new BurrowError('E_LAYER', 'tar reader ended after an error');
    this.spent = true;
    if (this.state !== State.Header || this.partialLength !== 0) throw bad('Unexpected end of data');
    if (this.pax !== undefined || this.longName !== undefined || this.longLink !== undefined) throw bad('an extended header with no entry after it');
  }

  private consume(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.state) {
        case State.Header: {
          if (this.partialLength === 0 && chunk.length - at >= BLOCK) {
            this.header(chunk, at);
            at += BLOCK;
            break;
          }
          const n = Math.min(BLOCK - this.partialLength, chunk.length - at);
          chunk.copy(this.partial, this.partialLength, at, at + n);
          this.partialLength += n;
          at += n;
          if (this.partialLength === BLOCK) {
            this.partialLength = 0;
            this.header(this.partial, 0);
          }
          break;
        }
        case State.Extended: {
          const buf = this.extended as Buffer;
          const n = Math.min(this.missing, chunk.length - at);
          chunk.copy(buf, buf.length - this.missing, at, at + n);
          this.missing -= n;
          at += n;
          if (this.missing === 0) this.extendedDone(buf);
          break;
        }
        case State.Data: {
          const n = Math.min(this.missing, chunk.length - at);
          this.missing -= n;
          const sink = this.sink;
          if (sink) sink.data(at === 0 && n === chunk.length ? chunk : chunk.subarray(at, at + n));
          at += n;
          if (this.missing === 0) this.dataDone();
          break;
        }
        case State.Padding: {
          const n = Math.min(this.missing, chunk.length - at);
          this.missing -= n;
          at += n;
          if (this.missing === 0) this.state = State.Header;
          break;
        }
      }
    }
  }

  private header(block: Buffer, at: number): void {
    if (isZeroBlock(block, at)) return;
    if (!checksumOk(block, at)) throw bad('Invalid tar header: its checksum is wrong (is it a tar? is it still compressed?)');
    const magic = block.toString('latin1', at + 257, at + 263);
    const ustar = magic === 'ustar\0';
    if (!ustar && !(magic === 'ustar ' && block[at + 263] === 0x20 && block[at + 264] === 0)) throw bad('Invalid tar header: unknown format');
    const flag = String.fromCharCode(block[at + 156] as number);
    const size = tarNumber(block, at + 124, 12, 'size');
    if (size < 0) throw bad('a negative size');
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > MAX_EXTENDED) throw bad('Header exceeds max size');
      this.extendedFlag = flag;
      this.extended = Buffer.alloc(size);
      this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
      this.missing = size;
      if (size === 0) this.extendedDone(this.extended);
      else this.state = State.Extended;
      return;
    }
    const pax = this.pax;
    let name = field(block, at, 100);
    if (ustar && block[at + 345] !== 0) name = `${field(block, at + 345, 155)}/${name}`;
    let type: TarType | null = TYPES[flag] ?? null;
    if (type === 'file' && name.endsWith('/') && this.longName === undefined && pax?.['path'] === undefined) type = 'directory'; // old tars
    const header: TarHeader = {
      name: pax?.['path'] ?? this.longName ?? name,
      linkname: pax?.['linkpath'] ?? this.longLink ?? field(block, at + 157, 100),
      type,
      flag,
      mode: tarNumber(block, at + 100, 8, 'mode'),
      uid: pax ? paxNumber(pax, 'uid', -1) : -1,
      gid: pax ? paxNumber(pax, 'gid', -1) : -1,
      size: pax ? paxNumber(pax, 'size', size) : size,
      mtime: pax ? paxNumber(pax, 'mtime', NaN, true) : NaN,
      pax,
    };
    if (header.uid < 0) header.uid = tarNumber(block, at + 108, 8, 'uid');
    if (header.gid < 0) header.gid = tarNumber(block, at + 116, 8, 'gid');
    if (Number.isNaN(header.mtime)) header.mtime = tarNumber(block, at + 136, 12, 'mtime');
    if (header.uid < 0 || header.gid < 0) throw bad(`entry \`${header.name}\` has a negative owner`);
    if (type !== null && NO_DATA.has(type)) header.size = 0;
    this.pax = undefined;
    this.longName = undefined;
    this.longLink = undefined;
    this.padding = (BLOCK - (header.size % BLOCK)) % BLOCK;
    this.missing = header.size;
    this.sink = this.onEntry(header);
    if (header.size === 0) this.dataDone();
    else this.state = State.Data;
  }

  private extendedDone(buf: Buffer): void {
    const flag = this.extendedFlag;
    this.extended = undefined;
    if (flag === 'x') this.pax = paxRecords(buf);
    else if (flag === 'L') this.longName = field(buf, 0, buf.length);
    else if (flag === 'K') this.longLink = field(buf, 0, buf.length);
    // 'g': a global header, skipped (podman ignores them too)
    this.afterPart();
  }

  private dataDone(): void {
    const sink = this.sink;
    this.sink = undefined;
    this.afterPart();
    if (sink) sink.end();
  }

  private afterPart(): void {
    this.missing = this.padding;
    this.padding = 0;
    this.state = this.missing > 0 ? State.Padding : State.Header;
  }
}
