/**
 * A tar written synchronously to a file descriptor, for the packer
 * (layers/pack.ts): ustar headers, with a PAX header before an entry whose
 * name, link target, size or ids do not fit them (as GNU tar and tar-stream
 * write them), file data read straight into the output buffer, and 1 MiB
 * written at a time. A stream per file (tar-stream's entries, fed by
 * createReadStream) cost `export` of a Debian tree 3 s, GNU tar 0.4.
 */
import { fstatSync, readSync } from 'node:fs';

import { writeAllWaiting } from '../system/files.js';
import { nameBytes } from '../system/names.js';

const BLOCK = 512;
const BUFFER = 1 << 20;
/** the largest value of an octal field of `digits` digits */
const octalMax = (digits: number): number => 8 ** digits - 1;

export type TarType = 'file' | 'link' | 'symlink' | 'directory' | 'fifo';
const TYPEFLAG: Record<TarType | 'pax', string> = { file: '0', link: '1', symlink: '2', directory: '5', fifo: '6', pax: 'x' };

export interface TarHeader {
  name: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  /** seconds since the epoch */
  mtime: number;
  /** a file's bytes (0 for anything else) */
  size?: number;
  /** a link's or symlink's target */
  linkname?: string;
}

/** One PAX record, `LEN KEY=VALUE\n`, LEN counting itself. */
function paxRecord(key: string, value: Buffer): Buffer {
  const head = Buffer.from(` ${key}=`);
  const bytes = head.length + value.length + 1;
  let len = bytes + 1;
  while (String(len).length + bytes !== len) len = String(len).length + bytes;
  return Buffer.concat([Buffer.from(String(len)), head, value, NEWLINE]);
}

const NEWLINE = Buffer.from('\n');
const NONE = Buffer.alloc(0);

/** `name` as ustar's prefix and name fields, or undefined when it fits neither way. */
function splitName(name: Buffer): { prefix: Buffer; name: Buffer } | undefined {
  if (name.length <= 100) return { prefix: NONE, name };
  for (let i = name.indexOf(0x2f); i >= 0; i = name.indexOf(0x2f, i + 1)) {
    if (i > 155) return undefined;
    const rest = name.subarray(i + 1);
    if (rest.length > 0 && rest.length <= 100) return { prefix: name.subarray(0, i), name: rest };
  }
  return undefined;
}

/**
 * Into a pipe, a quarter of that: the pipe (1 MiB at most, unprivileged) then
 * holds four, so the reader at its other end (commit's unpack worker) is
 * never waiting for a whole buffer while the writer fills the next.
 */
const PIPE_BUFFER = 256 << 10;

export class TarWriter {
  private readonly buf: Buffer;
  private used = 0;

  constructor(private readonly fd: number) {
    this.buf = Buffer.alloc(fstatSync(fd).isFIFO() ? PIPE_BUFFER : BUFFER);
  }

  /**
   * An entry's header, with a PAX header before it where ustar's fields cannot hold it. Names and link targets are
   * written as their bytes (a byte escaped in the string is itself again: system/names.ts), as GNU tar writes them.
   */
  header(h: TarHeader): void {
    const size = h.size ?? 0;
    const pax: Buffer[] = [];
    const name = nameBytes(h.name);
    const link = h.linkname === undefined ? undefined : nameBytes(h.linkname);
    const split = splitName(name);
    if (!split) pax.push(paxRecord('path', name));
    if (link !== undefined && link.length > 100) pax.push(paxRecord('linkpath', link));
    if (size > octalMax(11)) pax.push(paxRecord('size', Buffer.from(String(size))));
    if (h.uid > octalMax(7)) pax.push(paxRecord('uid', Buffer.from(String(h.uid))));
    if (h.gid > octalMax(7)) pax.push(paxRecord('gid', Buffer.from(String(h.gid))));
    if (pax.length > 0) {
      const records = Buffer.concat(pax);
      const base = h.name.replace(/\/+$/, '').split('/').pop() ?? '';
      this.block({ prefix: NONE, name: nameBytes(`PaxHeader/${base}`).subarray(0, 100) }, 'pax', { ...h, mode: 0o644, size: records.length }, NONE);
      this.data(records);
    }
    this.block(split ?? { prefix: NONE, name: name.subarray(0, 100) }, h.type, h, link);
  }

  private block(name: { prefix: Buffer; name: Buffer }, type: TarType | 'pax', h: TarHeader, link: Buffer | undefined): void {
    const b = this.room(BLOCK);
    b.fill(0);
    const octal = (value: number, offset: number, digits: number): void => {
      b.write(`${Math.min(Math.max(0, Math.floor(value)), octalMax(digits)).toString(8).padStart(digits, '0')}\0`, offset, 'latin1');
    };
    name.name.copy(b, 0);
    octal(h.mode & 0o7777, 100, 7);
    octal(h.uid, 108, 7);
    octal(h.gid, 116, 7);
    octal(type === 'file' || type === 'pax' ? (h.size ?? 0) : 0, 124, 11);
    octal(h.mtime, 136, 11);
    b.write(TYPEFLAG[type], 156, 'latin1');
    if (link !== undefined) link.copy(b, 157, 0, 100);
    b.write('ustar\u000000', 257, 'latin1');
    octal(0, 329, 7);
    octal(0, 337, 7);
    name.prefix.copy(b, 345);
    b.fill(' ', 148, 156);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += b[i] as number;
    b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    this.used += BLOCK;
  }

  /** `size` bytes of an open file, read into the output: a file that grew is cut at `size`, one that shrank padded with zeros. */
  file(fd: number, size: number): void {
    let done = 0;
    while (done < size) {
      if (this.used === this.buf.length) this.flush();
      const n = readSync(fd, this.buf, this.used, Math.min(this.buf.length - this.used, size - done), null);
      if (n === 0) break;
      this.used += n;
      done += n;
    }
    this.zeros(size - done);
    this.zeros((BLOCK - (size % BLOCK)) % BLOCK);
  }

  /** Bytes of an entry (a PAX header's records), padded to the block. */
  private data(bytes: Buffer): void {
    for (let done = 0; done < bytes.length; ) {
      if (this.used === this.buf.length) this.flush();
      const n = bytes.copy(this.buf, this.used, done);
      this.used += n;
      done += n;
    }
    this.zeros((BLOCK - (bytes.length % BLOCK)) % BLOCK);
  }

  private zeros(n: number): void {
    while (n > 0) {
      if (this.used === this.buf.length) this.flush();
      const k = Math.min(n, this.buf.length - this.used);
      this.buf.fill(0, this.used, this.used + k);
      this.used += k;
      n -= k;
    }
  }

  /** `n` bytes of the buffer to write into (n <= BLOCK), the buffer flushed first when they do not fit. */
  private room(n: number): Buffer {
    if (this.buf.length - this.used < n) this.flush();
    return this.buf.subarray(this.used, this.used + n);
  }

  flush(): void {
    if (this.used > 0) writeAllWaiting(this.fd, this.buf.subarray(0, this.used));
    this.used = 0;
  }

  /** The two zero blocks that end a tar, and everything written. */
  end(): void {
    this.zeros(2 * BLOCK);
    this.flush();
  }
}
