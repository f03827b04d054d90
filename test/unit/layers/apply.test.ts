/**
 * The layer unpacker (layers/apply.ts) on hostile layers that need no
 * privileges: what it refuses, it refuses through its promise. fuzz/targets.ts
 * (layer-apply) fuzzes it; what it found is kept here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';

import { BurrowError } from '../../../src/errors.js';
import { applyLayer } from '../../../src/layers/apply.js';
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

describe('applyLayer on hostile layers', () => {
  it('refuses an entry it cannot unpack before reading its data, through its promise (its data stream was destroyed with no listener: an uncaught error)', async () => {
    const ids = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
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
