/**
 * The layer unpacker (layers/apply.ts), as far as it needs no privileges
 * (the user's own ids): modes as the layer says, whatever the umask; a layer
 * read from a file (applyLayerFile) unpacked and hashed as from a stream;
 * and hostile layers: what it refuses, it refuses through its promise.
 * fuzz/targets.ts (layer-apply) fuzzes it; what it found is kept here.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';

import { BurrowError } from '../../../src/errors.js';
import { applyLayer, applyLayerFile } from '../../../src/layers/apply.js';
import { LIBC } from '../../../src/system/sys.js';

const dir = mkdtempSync(join(tmpdir(), 'burrow-apply-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type EntryHeader = Parameters<ReturnType<typeof tar.pack>['entry']>[0];

async function tarOf(entries: { header: EntryHeader; data: Buffer }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const e of entries) pack.entry(e.header, e.data);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

const ids = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A layer with files, directories, a symlink and a fifo of unusual modes, and (if `big`) a file of `big` bytes. */
function sample(big = 0): Promise<Buffer> {
  const mtime = new Date(1_700_000_000_000);
  const entry = (name: string, type: EntryHeader['type'], mode: number, data = '', extra: Partial<EntryHeader> = {}) => ({ header: { name, type, mode, mtime, ...ids, ...extra }, data: Buffer.from(data) });
  return tarOf([
    entry('d', 'directory', 0o2740),
    entry('d/group-writable', 'file', 0o664, 'shared\n'),
    entry('d/setuid', 'file', 0o4700, '#!/bin/sh\n'),
    entry('d/read-only', 'file', 0o400, 'locked\n'),
    entry('sticky', 'directory', 0o1740),
    entry('plain', 'file', 0o644, 'plain\n'),
    entry('link', 'symlink', 0o777, '', { linkname: 'd/setuid' }),
    entry('pipe', 'fifo', 0o620),
    ...(big > 0 ? [{ header: { name: 'big', type: 'file' as const, mode: 0o600, mtime, ...ids }, data: Buffer.alloc(big, 0x5a) }] : []),
  ]);
}

/** What an unpacked sample holds: each path's kind, mode and content (or link target). */
function described(root: string, big = false): string[] {
  const names = ['d', 'd/group-writable', 'd/setuid', 'd/read-only', 'sticky', 'plain', 'link', 'pipe', ...(big ? ['big'] : [])];
  return names.map((n) => {
    const st = lstatSync(join(root, n));
    const what = st.isSymbolicLink() ? `-> ${readlinkSync(join(root, n))}` : st.isFile() ? createHash('sha256').update(readFileSync(join(root, n))).digest('hex').slice(0, 12) : '';
    return `${n} ${(st.mode & 0o7777).toString(8)} ${st.mtimeMs} ${what}`;
  });
}

describe('applyLayer and applyLayerFile', () => {
  it("make every entry with the layer's mode (setuid, setgid, sticky, bits the umask takes) and time", async () => {
    const layer = await sample();
    // takes group-write and all of other's bits from what is made (the special bits' modes are chosen clear of it:
    // they must be set again after chown, umask or not)
    const umask = process.umask(0o027);
    try {
      const root = mkdtempSync(join(dir, 'modes-'));
      await applyLayer(LIBC, Readable.from([layer]), root);
      expect(described(root)).toEqual([
        'd 2740 1700000000000 ',
        expect.stringMatching(/^d\/group-writable 664 1700000000000 /),
        expect.stringMatching(/^d\/setuid 4700 1700000000000 /),
        expect.stringMatching(/^d\/read-only 400 1700000000000 /),
        'sticky 1740 1700000000000 ',
        expect.stringMatching(/^plain 644 1700000000000 /),
        'link 777 1700000000000 -> d/setuid',
        'pipe 620 1700000000000 ',
      ]);
      expect(readFileSync(join(root, 'd', 'group-writable'), 'utf8')).toBe('shared\n');
    } finally {
      process.umask(umask);
    }
  });

  for (const [what, big] of [
    ['a small layer (hashed inline)', 0],
    ['a layer of 40 MB (hashed by a thread)', 40 << 20],
  ] as const)
    it(`unpack ${what} read from a file as from a stream, its diff id the sha256 of its range, its staged copy the same bytes`, async () => {
      const layer = await sample(big);
      const file = join(dir, `layer-${big}.tar`);
      // at an offset, as a layer lies in a docker archive
      writeFileSync(file, Buffer.concat([Buffer.alloc(1536, 0x41), layer, Buffer.alloc(512, 0x42)]));
      const stagePath = join(dir, `stage-${big}`);
      const fd = openSync(file, 'r');
      const stage = openSync(stagePath, 'a');
      const fromFile = mkdtempSync(join(dir, 'file-'));
      const fromStream = mkdtempSync(join(dir, 'stream-'));
      try {
        const result = await applyLayerFile(LIBC, { fd, path: file, offset: 1536, length: layer.length, stage: { fd: stage, path: stagePath } }, fromFile);
        expect(result.diffId).toBe(sha256(layer));
        expect(result.size).toBe(7 + 10 + 7 + 6 + big);
        expect(readFileSync(stagePath).equals(layer)).toBe(true);
        const streamed = await applyLayer(LIBC, Readable.from([layer]), fromStream);
        expect(streamed).toEqual(result);
        expect(described(fromFile, big > 0)).toEqual(described(fromStream, big > 0));
      } finally {
        closeSync(fd);
        closeSync(stage);
      }
    });

  it('give a directory made in a setgid directory the mode the layer says, not the setgid bit mkdir passes on', async () => {
    const layer = await tarOf([
      { header: { name: 'shared', type: 'directory', mode: 0o2755, ...ids }, data: Buffer.alloc(0) },
      { header: { name: 'shared/plain', type: 'directory', mode: 0o755, ...ids }, data: Buffer.alloc(0) },
      { header: { name: 'shared/file', type: 'file', mode: 0o644, ...ids }, data: Buffer.from('f') },
    ]);
    const root = mkdtempSync(join(dir, 'setgid-'));
    await applyLayer(LIBC, Readable.from([layer]), root);
    expect(['shared', 'shared/plain', 'shared/file'].map((n) => (statSync(join(root, n)).mode & 0o7777).toString(8))).toEqual(['2755', '755', '644']);
  });

  it("give files the layer's modes under a default ACL too (it takes the umask's place: other's bits here)", async (ctx) => {
    const root = mkdtempSync(join(dir, 'acl-'));
    // version 2; user::rwx, group::r-x, other::--- (tag, perm, id), as setfacl -d -m o::--- writes it
    const acl = Buffer.alloc(4 + 3 * 8);
    acl.writeUInt32LE(2, 0);
    [
      [0x01, 7],
      [0x04, 5],
      [0x20, 0],
    ].forEach(([tag, perm], i) => {
      acl.writeUInt16LE(tag as number, 4 + i * 8);
      acl.writeUInt16LE(perm as number, 6 + i * 8);
      acl.writeUInt32LE(0xffffffff, 8 + i * 8);
    });
    try {
      LIBC.lsetxattr(root, 'system.posix_acl_default', acl);
    } catch {
      ctx.skip(); // a filesystem without POSIX ACLs
    }
    const layer = await tarOf([{ header: { name: 'f', type: 'file', mode: 0o644, ...ids }, data: Buffer.from('f') }]);
    await applyLayer(LIBC, Readable.from([layer]), root);
    expect((statSync(join(root, 'f')).mode & 0o7777).toString(8)).toBe('644');
  });

  it('give an entry whose time is before 1970 (a negative pax mtime) the time 0, the same at every unpacking, not "now"', async () => {
    const layer = await tarOf([{ header: { name: 'old', type: 'file', mode: 0o644, ...ids, pax: { mtime: '-86400.5' } }, data: Buffer.from('x') }]);
    const root = mkdtempSync(join(dir, 'old-'));
    await applyLayer(LIBC, Readable.from([layer]), root);
    expect(statSync(join(root, 'old')).mtimeMs).toBe(0);
  });

  it('unpack a gzip or zstd layer the same as the plain tar, with its diff id, and say which compression it was', async () => {
    const layer = await sample();
    const forms: [string, Buffer, string | undefined][] = [
      ['plain', layer, undefined],
      ['gzip', gzipSync(layer), 'gzip'],
      ['zstd', execFileSync('zstd', ['-q', '-c'], { input: layer }), 'zstd'],
    ];
    const plainRoot = mkdtempSync(join(dir, 'forms-plain-'));
    await applyLayer(LIBC, Readable.from([layer]), plainRoot);
    for (const [name, bytes, compression] of forms) {
      const root = mkdtempSync(join(dir, `forms-${name}-`));
      const result = await applyLayer(LIBC, Readable.from([bytes]), root);
      expect([name, result.diffId, result.compression]).toEqual([name, sha256(layer), compression]);
      expect(described(root)).toEqual(described(plainRoot));
    }
  });

  it('refuse a range that runs past the end of its file, naming the file', async () => {
    const layer = await sample();
    const file = join(dir, 'short.tar');
    writeFileSync(file, layer);
    const fd = openSync(file, 'r');
    try {
      const result = applyLayerFile(LIBC, { fd, path: file, offset: 0, length: layer.length + 4096 }, mkdtempSync(join(dir, 'short-')));
      await expect(result).rejects.toThrow(BurrowError);
      await expect(result).rejects.toThrow(`${file}: the layer ends 4096 bytes early`);
    } finally {
      closeSync(fd);
    }
  });

  it("set an opaque whiteout at the layer's root on the root itself (found by the layer-apply fuzzer: mkdir of the root, EEXIST)", async () => {
    const layer = await tarOf([{ header: { name: '.wh..wh..opq', type: 'file', mode: 0o644, ...ids }, data: Buffer.alloc(0) }, { header: { name: 'a', type: 'file', mode: 0o644, ...ids }, data: Buffer.from('a') }]);
    const root = mkdtempSync(join(dir, 'opaque-'));
    const seen: string[] = [];
    await applyLayer({ ...LIBC, lsetxattr: (path, name, value) => void seen.push(`${path} ${name}=${value.toString()}`) }, Readable.from([layer]), root);
    expect(seen).toEqual([`${root} user.overlay.opaque=y`]);
    expect(statSync(join(root, 'a')).size).toBe(1);
  });
});

describe('applyLayer on hostile layers', () => {
  it('refuses an entry it cannot unpack before reading its data, through its promise (its data stream was destroyed with no listener: an uncaught error)', async () => {
    // More data than a stream buffers, so that the entry's stream still holds some when the entry is refused.
    const layer = await tarOf([{ header: { name: 'f', type: 'file', mode: 0o644, ...ids, pax: { 'GNU.sparse.major': '0' } }, data: Buffer.alloc(1 << 20, 1) }]);
    const root = mkdtempSync(join(dir, 'root-'));
    // In small chunks, as a download or a decompressor gives them.
    const chunks = Array.from({ length: Math.ceil(layer.length / 4096) }, (_x, i) => layer.subarray(i * 4096, (i + 1) * 4096));
    const result = applyLayer(LIBC, Readable.from(chunks), root);
    await expect(result).rejects.toThrow(BurrowError);
    await expect(result).rejects.toThrow(/only the PAX 1.0 form/);
  });
});
