/**
 * GNU tar's sparse files in the PAX 1.0 form (`tar --sparse --format=pax`):
 * the entry's real name and size are in the pax header (GNU.sparse.name,
 * GNU.sparse.realsize), and its data starts with the map: decimal numbers
 * one a line (the count, then offset and size of each stored piece), padded
 * to 512 bytes, followed by the pieces themselves.
 */
import { ftruncateSync } from 'node:fs';

import { BurrowError } from '../errors.js';
import { writeAll } from '../system/files.js';

export interface SparseHeader {
  name: string;
  realSize: number;
}

const MAX_PIECES = 1 << 20;

/** The sparse form of a pax header, or undefined for an ordinary entry; refuses forms not supported. */
export function sparseHeader(pax: Record<string, string> | undefined, entry: string): SparseHeader | undefined {
  if (!pax || (pax['GNU.sparse.major'] === undefined && pax['GNU.sparse.map'] === undefined && pax['GNU.sparse.offset'] === undefined)) return undefined;
  if (pax['GNU.sparse.major'] !== '1' || pax['GNU.sparse.minor'] !== '0')
    throw new BurrowError('E_LAYER_FORMAT', `layer entry \`${entry}\`: only the PAX 1.0 form of sparse files is supported`);
  const name = pax['GNU.sparse.name'];
  const realSize = Number(pax['GNU.sparse.realsize']);
  if (!name || !Number.isSafeInteger(realSize) || realSize < 0)
    throw new BurrowError('E_LAYER_FORMAT', `layer entry \`${entry}\`: a sparse file without its name or size`);
  return { name, realSize };
}

/** Writes the sparse entry's data (map, then pieces) into fd, a new empty file. Returns a chunk sink and a finisher. */
export function sparseWriter(fd: number, header: SparseHeader, entry: string): { write: (chunk: Buffer) => void; end: () => void } {
  const bad = (why: string): BurrowError => new BurrowError('E_LAYER_FORMAT', `layer entry \`${entry}\`: sparse map ${why}`);
  let mapText = '';
  let consumed = 0; // bytes of entry data seen
  let numbers: number[] | undefined; // once the map is read: offset, size, offset, size...
  let mapEnd = 0; // where the pieces start (512-aligned)
  let piece = 0;
  let pieceDone = 0;
  // Lines of the map seen so far, and how many it needs once its count is read: the map is split
  // only when it can be whole (split at every chunk, a large map cost time growing with its square).
  let newlines = 0;
  let linesNeeded = 2;

  const parseMap = (): boolean => {
    if (newlines + 1 < linesNeeded) return false;
    const lines = mapText.split('\n');
    const count = Number(lines[0]);
    if (!/^\d+$/.test(lines[0] ?? '') || count > MAX_PIECES) throw bad('has a bad piece count');
    linesNeeded = 2 + 2 * count;
    if (lines.length < linesNeeded) return false;
    const values = lines.slice(1, 1 + 2 * count).map((l) => {
      if (!/^\d+$/.test(l)) throw bad(`has a bad number \`${l.slice(0, 20)}\``);
      return Number(l);
    });
    for (let i = 0; i < values.length; i += 2) {
      const [off, len] = [values[i] as number, values[i + 1] as number];
      if (off + len > header.realSize) throw bad('runs past the file size');
    }
    numbers = values;
    const mapBytes = lines.slice(0, 1 + 2 * count).join('\n').length + 1;
    mapEnd = Math.ceil(mapBytes / 512) * 512;
    return true;
  };

  const writePieces = (data: Buffer): void => {
    let at = 0;
    while (at < data.length && numbers && piece * 2 < numbers.length) {
      const off = numbers[piece * 2] as number;
      const len = numbers[piece * 2 + 1] as number;
      const n = Math.min(len - pieceDone, data.length - at);
      if (n > 0) writeAll(fd, data.subarray(at, at + n), off + pieceDone);
      at += n;
      pieceDone += n;
      if (pieceDone === len) {
        piece++;
        pieceDone = 0;
      }
    }
    if (at < data.length && data.subarray(at).some((b) => b !== 0)) throw bad('is followed by more data than it names');
  };

  return {
    write(chunk) {
      const start = consumed;
      consumed += chunk.length;
      if (!numbers) {
        const text = chunk.toString('latin1');
        mapText += text;
        if (mapText.length > 64 << 20) throw bad('is too large');
        for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) newlines++;
        if (!parseMap()) return;
      }
      // The part of this chunk past the map's padding holds pieces.
      const from = Math.max(0, mapEnd - start);
      if (from < chunk.length) writePieces(chunk.subarray(from));
    },
    end() {
      if (!numbers) throw bad('is truncated');
      if (piece * 2 < numbers.length && !(numbers[piece * 2 + 1] === 0)) throw bad('names more data than the entry holds');
      ftruncateSync(fd, header.realSize);
    },
  };
}
