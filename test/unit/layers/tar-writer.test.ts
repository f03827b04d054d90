/**
 * The tar writer of the packer (layers/tar-writer.ts), read back by GNU tar:
 * every kind of entry, names and link targets past ustar's fields (split
 * into prefix and name, or in a PAX header), ids past its octal fields, and
 * a file that grows or shrinks while it is read.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { TarReader } from '../../../src/layers/tar-reader.js';
import { type TarHeader, TarWriter } from '../../../src/layers/tar-writer.js';
import { nameBytes } from '../../../src/system/names.js';

const dir = mkdtempSync(join(tmpdir(), 'burrow-tar-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A tar of `entries` (a file's data read from `data`, written to a file first), as the writer makes it. */
function tarOf(entries: { header: TarHeader; data?: string | Buffer }[]): string {
  const out = join(dir, `t${n++}.tar`);
  const fd = openSync(out, 'w');
  try {
    const tar = new TarWriter(fd);
    for (const { header, data } of entries) {
      tar.header(header);
      if (data === undefined) continue;
      const src = join(dir, `data${n++}`);
      writeFileSync(src, data);
      const file = openSync(src, 'r');
      try {
        tar.file(file, header.size ?? 0);
      } finally {
        closeSync(file);
      }
    }
    tar.end();
  } finally {
    closeSync(fd);
  }
  return out;
}

/** GNU tar's listing: one line per entry, `TYPE+MODE UID/GID SIZE MTIME NAME[ -> TARGET]` (numeric, UTC, names as they are). */
function listing(file: string): string[] {
  const text = execFileSync('tar', ['--numeric-owner', '--quoting-style=literal', '--full-time', '-tvf', file], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC', LC_ALL: 'C.UTF-8' } });
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/\s+/g, ' '));
}

function extract(file: string): string {
  const to = join(dir, `x${n++}`);
  mkdirSync(to);
  execFileSync('tar', ['-xf', file, '-C', to, '--no-same-owner']);
  return to;
}

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 1_600_000_000 };

describe('TarWriter, read back by GNU tar', () => {
  it('writes each kind of entry with its mode, owner and time, and a file data padded to the block', () => {
    const file = tarOf([
      { header: { ...base, name: 'd/', type: 'directory', mode: 0o750, uid: 1000, gid: 100 } },
      { header: { ...base, name: 'd/f', type: 'file', size: 5, mode: 0o600 }, data: 'hello' },
      { header: { ...base, name: 'd/empty', type: 'file', size: 0 }, data: '' },
      { header: { ...base, name: 'd/s', type: 'symlink', linkname: '../target', mode: 0o777 } },
      { header: { ...base, name: 'd/h', type: 'link', linkname: 'd/f' } },
      { header: { ...base, name: 'd/p', type: 'fifo', mode: 0o640 } },
    ]);
    expect(statSync(file).size % 512).toBe(0);
    expect(listing(file)).toEqual([
      'drwxr-x--- 1000/100 0 2020-09-13 12:26:40 d/',
      '-rw------- 0/0 5 2020-09-13 12:26:40 d/f',
      '-rw-r--r-- 0/0 0 2020-09-13 12:26:40 d/empty',
      'lrwxrwxrwx 0/0 0 2020-09-13 12:26:40 d/s -> ../target',
      'hrw-r--r-- 0/0 0 2020-09-13 12:26:40 d/h link to d/f',
      'prw-r----- 0/0 0 2020-09-13 12:26:40 d/p',
    ]);
    const to = extract(file);
    expect(readFileSync(join(to, 'd/f'), 'utf8')).toBe('hello');
    expect(readlinkSync(join(to, 'd/s'))).toBe('../target');
    expect(statSync(join(to, 'd/h')).ino).toBe(statSync(join(to, 'd/f')).ino);
  });

  it('a name past 100 bytes goes in prefix and name where a slash allows, else in a PAX header; so does a long link target', () => {
    const split = `${'a'.repeat(120)}/${'b'.repeat(90)}`; // 211 bytes: prefix 120, name 90
    const unsplittable = `dir/${'c'.repeat(150)}`; // the last part alone is over 100
    const deep = Array.from({ length: 40 }, (_, i) => `level${i}`).join('/'); // over 255 in all
    const utf8 = `${'é'.repeat(60)}/ünïcödé-ñame`; // 120 bytes of two-byte characters before the slash
    const target = `/${'t'.repeat(200)}`;
    const file = tarOf([
      { header: { ...base, name: split, type: 'file', size: 1 }, data: '1' },
      { header: { ...base, name: unsplittable, type: 'file', size: 1 }, data: '2' },
      { header: { ...base, name: `${deep}/`, type: 'directory', mode: 0o755 } },
      { header: { ...base, name: utf8, type: 'file', size: 1 }, data: '3' },
      { header: { ...base, name: 'long-link', type: 'symlink', linkname: target, mode: 0o777 } },
    ]);
    expect(listing(file).map((l) => l.split(' ').slice(5).join(' '))).toEqual([split, unsplittable, `${deep}/`, utf8, `long-link -> ${target}`]);
    const to = extract(file);
    expect(readFileSync(join(to, split), 'utf8')).toBe('1');
    expect(readFileSync(join(to, unsplittable), 'utf8')).toBe('2');
    expect(statSync(join(to, deep)).isDirectory()).toBe(true);
    expect(readFileSync(join(to, utf8), 'utf8')).toBe('3');
    expect(readlinkSync(join(to, 'long-link'))).toBe(target);
  });

  it('ids past the 7 octal digits of ustar go in a PAX header', () => {
    const file = tarOf([{ header: { ...base, name: 'big-ids', type: 'file', size: 0, uid: 3_000_000, gid: 4_000_000 }, data: '' }]);
    expect(listing(file)).toEqual(['-rw-r--r-- 3000000/4000000 0 2020-09-13 12:26:40 big-ids']);
  });

  it('a file longer than its header says is cut there; a shorter one is padded with zeros', () => {
    const file = tarOf([
      { header: { ...base, name: 'grew', type: 'file', size: 3 }, data: 'abcdef' },
      { header: { ...base, name: 'shrank', type: 'file', size: 6 }, data: 'xy' },
      { header: { ...base, name: 'after', type: 'file', size: 2 }, data: 'ok' },
    ]);
    const to = extract(file);
    expect(readFileSync(join(to, 'grew'), 'utf8')).toBe('abc');
    expect(readFileSync(join(to, 'shrank'))).toEqual(Buffer.from('xy\0\0\0\0'));
    expect(readFileSync(join(to, 'after'), 'utf8')).toBe('ok');
  });

  it('a file of more than the 1 MiB buffer comes out whole', () => {
    const data = Buffer.alloc(3 * (1 << 20) + 123);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const file = tarOf([{ header: { ...base, name: 'big', type: 'file', size: data.length }, data }]);
    expect(readFileSync(join(extract(file), 'big')).equals(data)).toBe(true);
  });

  it('a name or link target that is not UTF-8 is written as its bytes (short: ustar fields; long: PAX), as GNU tar and our reader read them', () => {
    // escaped bytes (system/names.ts): 0xff, 0xfe, and 0xfd past 100 bytes
    const short = 'a\udcffb';
    const dirName = 'd\udcfe';
    const long = `${'l'.repeat(120)}\udcfd`;
    const target = `t\udcfc${'t'.repeat(110)}`;
    const file = tarOf([
      { header: { ...base, name: short, type: 'file', size: 1 }, data: '1' },
      { header: { ...base, name: `${dirName}/`, type: 'directory', mode: 0o755 } },
      { header: { ...base, name: long, type: 'file', size: 1 }, data: '2' },
      { header: { ...base, name: 'ln', type: 'symlink', linkname: target, mode: 0o777 } },
    ]);
    const to = extract(file);
    const names = readdirSync(to, { encoding: 'buffer' }).map((n) => n.toString('hex')).sort();
    expect(names).toEqual([nameBytes(short), nameBytes(dirName), nameBytes(long), Buffer.from('ln')].map((n) => n.toString('hex')).sort());
    expect(readFileSync(Buffer.concat([Buffer.from(`${to}/`), nameBytes(long)]), 'utf8')).toBe('2');
    expect(readlinkSync(join(to, 'ln'), { encoding: 'buffer' })).toEqual(nameBytes(target));
    // burrow's own reader gives the same strings back
    const read: string[] = [];
    const reader = new TarReader((h) => {
      read.push(h.type === 'symlink' ? `${h.name} -> ${h.linkname}` : h.name);
      return undefined;
    });
    reader.write(readFileSync(file));
    reader.end();
    expect(read).toEqual([short, `${dirName}/`, long, `ln -> ${target}`]);
  });
});
