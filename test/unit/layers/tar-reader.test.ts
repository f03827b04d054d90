/**
 * The layers' tar reader (layers/tar-reader.ts) on archives GNU tar writes
 * in each of its formats, compared with what GNU tar itself lists; on
 * headers made by hand for what GNU tar does not write; and on damaged
 * archives. fuzz/targets.ts (tar-reader) checks that pieces of any size
 * give the same answer.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, linkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { BurrowError } from '../../../src/errors.js';
import { type TarHeader, TarReader } from '../../../src/layers/tar-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'burrow-tar-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Read {
  header: TarHeader;
  /** sha256 of the data, and its length */
  data: string;
  length: number;
}

/** Everything a reader reports for `bytes`, fed in pieces of `chunk` bytes. */
function read(bytes: Buffer, chunk = bytes.length || 1): Read[] {
  const out: Read[] = [];
  const reader = new TarReader((header) => {
    const hash = createHash('sha256');
    let length = 0;
    return {
      data: (piece) => {
        hash.update(piece);
        length += piece.length;
      },
      end: () => out.push({ header, data: hash.digest('hex'), length }),
    };
  });
  for (let at = 0; at < bytes.length; at += chunk) reader.write(bytes.subarray(at, at + chunk));
  reader.end();
  return out;
}

const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** A header block as tar writes it: fields, checksum. */
function header(fields: { name: string; type: string; size?: number; mode?: number; uid?: number; gid?: number; mtime?: number; linkname?: string; magic?: string }): Buffer {
  const b = Buffer.alloc(512);
  const octal = (value: number, at: number, width: number) => b.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, 'latin1');
  b.write(fields.name, 0, 100, 'utf8');
  octal(fields.mode ?? 0o644, 100, 8);
  octal(fields.uid ?? 0, 108, 8);
  octal(fields.gid ?? 0, 116, 8);
  octal(fields.size ?? 0, 124, 12);
  octal(fields.mtime ?? 1_700_000_000, 136, 12);
  b.write(fields.type, 156, 1, 'latin1');
  b.write(fields.linkname ?? '', 157, 100, 'utf8');
  b.write(fields.magic ?? 'ustar\x0000', 257, 8, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** A pax record list as `x` entry data. */
function pax(records: [string, Buffer | string][]): Buffer {
  return Buffer.concat(
    records.map(([key, value]) => {
      const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
      let len = body.length + 1;
      while (String(len).length + body.length !== len) len = String(len).length + body.length;
      return Buffer.concat([Buffer.from(String(len)), body]);
    }),
  );
}

const END = Buffer.alloc(1024);

describe('TarReader on what GNU tar writes', () => {
  const tree = join(dir, 'tree');
  const longDir = `${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(90)}`;
  mkdirSync(join(tree, longDir), { recursive: true });
  writeFileSync(join(tree, 'small'), 'hello\n');
  writeFileSync(join(tree, 'big'), Buffer.alloc(200_000, 7));
  writeFileSync(join(tree, longDir, `${'n'.repeat(100)}.txt`), 'deep\n');
  writeFileSync(join(tree, 'empty'), '');
  chmodSync(join(tree, 'small'), 0o4751);
  symlinkSync(`../${'t'.repeat(150)}`, join(tree, 'far-link'));
  linkSync(join(tree, 'small'), join(tree, 'hard'));
  spawnSync('mkfifo', [join(tree, 'fifo')]);

  /** GNU tar's own listing: type, mode, owner, size, mtime, name, link target. */
  function tarList(archive: string): { type: string; mode: number; uid: number; gid: number; size: number; mtime: number; name: string; linkname: string }[] {
    const r = spawnSync('tar', ['--list', '--verbose', '--numeric-owner', '--full-time', '--quoting-style=literal', '-f', archive], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const m = /^(.)(\S{9}) (\d+)\/(\d+)\s+(\d+) (\S+ \S+) (.*)$/.exec(line);
        if (!m) throw new Error(`a line of tar's listing: ${line}`);
        const perms = m[2] as string;
        let mode = 0;
        for (let i = 0; i < 9; i++) if (perms[i] !== '-' && perms[i] !== 'S' && perms[i] !== 'T') mode |= 1 << (8 - i);
        if (/[sS]/.test(perms[2] as string)) mode |= 0o4000;
        if (/[sS]/.test(perms[5] as string)) mode |= 0o2000;
        if (/[tT]/.test(perms[8] as string)) mode |= 0o1000;
        const rest = m[7] as string;
        const arrow = m[1] === 'l' ? rest.indexOf(' -> ') : m[1] === 'h' || rest.includes(' link to ') ? rest.indexOf(' link to ') : -1;
        return {
          type: m[1] === 'h' || rest.includes(' link to ') ? 'h' : (m[1] as string),
          mode,
          uid: Number(m[3]),
          gid: Number(m[4]),
          size: Number(m[5]),
          mtime: Date.parse(`${(m[6] as string).replace(' ', 'T')}Z`) / 1000,
          name: arrow < 0 ? rest : rest.slice(0, arrow),
          linkname: arrow < 0 ? '' : rest.slice(arrow + (m[1] === 'l' ? 4 : 9)),
        };
      });
  }

  const kinds: Record<string, string> = { '-': 'file', d: 'directory', l: 'symlink', h: 'link', p: 'fifo' };

  for (const format of ['gnu', 'oldgnu', 'posix', 'ustar']) {
    it(`reads every entry of a tar in GNU tar's ${format} format as tar lists it, and the files' data, in pieces of any size`, () => {
      const archive = join(dir, `${format}.tar`);
      // ustar cannot hold the long names: those are left out of it
      const members = format === 'ustar' ? ['small', 'big', 'empty', 'hard', 'fifo'] : ['.'];
      const r = spawnSync(
        'tar',
        ['--create', `--format=${format}`, '--owner=3000000', '--group=77', '--mtime=@1700000000', '--sort=name', '-C', tree, '-f', archive, ...members],
        { encoding: 'utf8' },
      );
      // oldgnu and ustar cannot hold a uid this large: then the default owner
      if (r.status !== 0) spawnSync('tar', ['--create', `--format=${format}`, '--mtime=@1700000000', '--sort=name', '-C', tree, '-f', archive, ...members], { encoding: 'utf8' });
      const listed = tarList(archive);
      const bytes = readFileSync(archive);
      const entries = read(bytes);
      expect(entries.map((e) => e.header.name)).toEqual(listed.map((l) => l.name));
      for (const [i, l] of listed.entries()) {
        const e = entries[i] as Read;
        expect({ name: e.header.name, type: e.header.type, mode: e.header.mode & 0o7777, uid: e.header.uid, gid: e.header.gid, mtime: e.header.mtime }).toEqual({
          name: l.name,
          type: kinds[l.type],
          mode: l.mode,
          uid: l.uid,
          gid: l.gid,
          mtime: l.mtime,
        });
        if (l.type === 'l' || l.type === 'h') expect(e.header.linkname).toBe(l.linkname);
        if (l.type === '-') {
          expect(e.length).toBe(l.size);
          expect(e.data).toBe(sha(readFileSync(join(tree, l.name))));
        } else expect(e.length).toBe(0);
      }
      for (const chunk of [1, 7, 511, 513, 4096]) expect(read(bytes, chunk)).toEqual(entries);
    });
  }

  it("takes a uid beyond ustar's fields as GNU tar writes it: base-256 in gnu, a pax record in posix", () => {
    for (const format of ['gnu', 'posix']) {
      const archive = join(dir, `big-uid-${format}.tar`);
      const r = spawnSync('tar', ['--create', `--format=${format}`, '--owner=4000000000', '--group=3000000', '-C', tree, '-f', archive, 'empty']);
      expect(r.status).toBe(0);
      expect(read(readFileSync(archive)).map((e) => [e.header.uid, e.header.gid])).toEqual([[4000000000, 3000000]]);
    }
  });
});

describe('TarReader on headers GNU tar does not write', () => {
  it('gives links, directories and fifos no data, whatever their size field says (as Go archive/tar)', () => {
    const bytes = Buffer.concat([header({ name: 'l', type: '2', size: 5, linkname: 'x' }), header({ name: 'f', type: '0', size: 3 }), padded(Buffer.from('abc')), END]);
    expect(read(bytes).map((e) => [e.header.name, e.header.type, e.header.size, e.length])).toEqual([
      ['l', 'symlink', 0, 0],
      ['f', 'file', 3, 3],
    ]);
  });

  it("takes a pax header's path, linkpath, size, owner and time, keeps an xattr's bytes as they are, and skips a global header", () => {
    const xattr = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0xfe]);
    const local = pax([
      ['path', 'p/é/long'],
      ['uid', '5000000'],
      ['gid', '6'],
      ['mtime', '1700000000.5'],
      ['size', '4'],
      ['SCHILY.xattr.security.capability', xattr],
    ]);
    const global = pax([['path', 'ignored']]);
    const bytes = Buffer.concat([
      header({ name: 'g', type: 'g', size: global.length }),
      padded(global),
      header({ name: 'x', type: 'x', size: local.length }),
      padded(local),
      header({ name: 'short', type: '0', size: 4 }),
      padded(Buffer.from('data')),
      header({ name: 'next', type: '0' }),
      END,
    ]);
    const entries = read(bytes);
    expect(entries.map((e) => e.header.name)).toEqual(['p/é/long', 'next']);
    const first = (entries[0] as Read).header;
    expect([first.uid, first.gid, first.mtime, first.size]).toEqual([5000000, 6, 1700000000.5, 4]);
    expect(Buffer.from(first.pax?.['SCHILY.xattr.security.capability'] ?? '', 'latin1')).toEqual(xattr);
    expect((entries[1] as Read).header.pax).toBeUndefined();
  });

  it('reads an old-style directory (a file whose name ends in a slash) as a directory', () => {
    expect(read(Buffer.concat([header({ name: 'd/', type: '0' }), END]))[0]?.header.type).toBe('directory');
  });

  it('names a type it does not unpack as null, for the unpacker to refuse', () => {
    expect(read(Buffer.concat([header({ name: 's', type: 'S' }), END]))[0]?.header).toMatchObject({ type: null, flag: 'S' });
  });
});

describe('TarReader on damaged tars', () => {
  const file = Buffer.concat([header({ name: 'f', type: '0', size: 600 }), padded(Buffer.alloc(600, 1))]);
  const refused = (bytes: Buffer, message: RegExp) => {
    for (const chunk of [1, 100, bytes.length || 1]) {
      let error: unknown;
      try {
        read(bytes, chunk);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(BurrowError);
      expect((error as BurrowError).code).toBe('E_LAYER_FORMAT');
      expect((error as Error).message).toMatch(message);
    }
  };

  it('refuses a tar cut short in a header, in data, in padding, and after an extended header', () => {
    refused(file.subarray(0, 300), /Unexpected end of data/);
    refused(file.subarray(0, 800), /Unexpected end of data/);
    refused(file.subarray(0, 1200), /Unexpected end of data/);
    const p = pax([['path', 'x']]);
    refused(Buffer.concat([header({ name: 'x', type: 'x', size: p.length }), padded(p)]), /an extended header with no entry after it/);
  });

  it('refuses a wrong checksum, an unknown format, a number that is not octal and a malformed pax record', () => {
    const bad = Buffer.from(file);
    bad[0] = 0x67;
    refused(bad, /checksum is wrong/);
    refused(Buffer.concat([header({ name: 'v7', type: '0', magic: '\0\0\0\0\0\0\0\0' }), END]), /unknown format/);
    const junk = header({ name: 'j', type: '0' });
    junk.write('0009x\0', 100, 'latin1'); // the mode
    junk.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of junk) sum += byte;
    junk.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    refused(Buffer.concat([junk, END]), /mode field .* is not an octal number/);
    const broken = Buffer.from('99 path=x\n');
    refused(Buffer.concat([header({ name: 'x', type: 'x', size: broken.length }), padded(broken), header({ name: 'f', type: '0' }), END]), /malformed pax record/);
  });

  it('is spent after an error: a later write is refused, not read as the next header', () => {
    const reader = new TarReader(() => undefined);
    expect(() => reader.write(Buffer.alloc(512, 0x41))).toThrow(BurrowError);
    expect(() => reader.write(END)).toThrow(/after an error/);
  });
});
