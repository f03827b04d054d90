import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { sparseHeader, sparseWriter } from '../../../src/layers/sparse.js';

const dir = mkdtempSync(join(tmpdir(), 'burrow-sparse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The entry data GNU tar writes for PAX 1.0 sparse files: the map padded to 512, then the pieces. */
function entryData(pieces: [number, string][]): Buffer {
  const map = `${[String(pieces.length), ...pieces.flatMap(([off, text]) => [String(off), String(text.length)])].join('\n')}\n`;
  const padded = Buffer.alloc(Math.ceil(map.length / 512) * 512);
  padded.write(map, 'latin1');
  return Buffer.concat([padded, ...pieces.map(([, text]) => Buffer.from(text))]);
}

function unpack(data: Buffer, realSize: number, chunk: number): Buffer {
  const file = join(dir, `f-${Math.random()}`);
  const fd = openSync(file, 'wx');
  try {
    const sink = sparseWriter(fd, { name: 'f', realSize }, 'f');
    for (let i = 0; i < data.length; i += chunk) sink.write(data.subarray(i, i + chunk));
    sink.end();
  } finally {
    closeSync(fd);
  }
  expect(statSync(file).size).toBe(realSize);
  return readFileSync(file);
}

describe('sparse files (PAX 1.0)', () => {
  it('reads the header, and leaves ordinary entries alone', () => {
    expect(sparseHeader({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'd/f', 'GNU.sparse.realsize': '100' }, 'x')).toEqual({ name: 'd/f', realSize: 100 });
    expect(sparseHeader({ mtime: '1' }, 'x')).toBeUndefined();
    expect(sparseHeader(undefined, 'x')).toBeUndefined();
    expect(() => sparseHeader({ 'GNU.sparse.map': '0,1' }, 'x')).toThrow(/only the PAX 1.0 form/);
    expect(() => sparseHeader({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0' }, 'x')).toThrow(/without its name or size/);
  });

  it.each([1, 7, 512, 4096])('puts the pieces at their offsets, whatever the chunks (%i bytes)', (chunk) => {
    const out = unpack(entryData([[3, 'abc'], [5000, 'hello'], [9997, 'end']]), 10000, chunk);
    expect(out.subarray(0, 6).toString('latin1')).toBe('\0\0\0abc');
    expect(out.subarray(5000, 5005).toString()).toBe('hello');
    expect(out.subarray(9997).toString()).toBe('end');
    expect(out.subarray(6, 5000).every((b) => b === 0)).toBe(true);
  });

  it('a file that is all hole', () => {
    expect(unpack(entryData([]), 4096, 512).every((b) => b === 0)).toBe(true);
  });

  it('refuses a map that runs past the file, bad numbers, and a truncated map', () => {
    expect(() => unpack(entryData([[90, 'toolong-piece']]), 100, 512)).toThrow(/runs past the file size/);
    const bad = Buffer.alloc(512);
    bad.write('1\nx\n3\n');
    expect(() => unpack(bad, 100, 512)).toThrow(/bad number/);
    expect(() => unpack(Buffer.from('2\n0\n'), 100, 512)).toThrow(/truncated/);
  });

  it('reads a map of half a million pieces in small chunks in linear time (it was split again at every chunk)', () => {
    const count = 1 << 19;
    const map = `${[String(count), ...Array.from({ length: count }, () => ['0', '0']).flat()].join('\n')}\n`;
    const data = Buffer.from(map.padEnd(Math.ceil(map.length / 512) * 512, '\0'), 'latin1');
    const start = performance.now();
    // 2 MiB in 4 KiB chunks: about 12 s before, a fraction of a second now
    expect(unpack(data, 10, 4096).length).toBe(10);
    expect(performance.now() - start).toBeLessThan(5000);
  });
});
