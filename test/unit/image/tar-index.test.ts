/** The tar header walk of `load -i FILE` (image/tar-index.ts), against archives GNU tar writes in its formats. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { tarIndex } from '../../../src/image/tar-index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'burrow-tarindex-'));
  const src = join(dir, 'src');
  const long = 'd'.repeat(120);
  mkdirSync(join(src, long), { recursive: true });
  writeFileSync(join(src, 'manifest.json'), '{"a":1}');
  writeFileSync(join(src, long, `${'f'.repeat(130)}.tar`), 'x'.repeat(1000));
  symlinkSync('manifest.json', join(src, 'link'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function archive(format: string): string {
  const out = join(dir, `${format}.tar`);
  execFileSync('tar', ['--format', format, '-C', join(dir, 'src'), '-cf', out, '.']);
  return out;
}

describe('tarIndex', () => {
  it.each(['gnu', 'pax', 'ustar'])('finds every entry of a %s archive, long names too, where its data is', (format) => {
    if (format === 'ustar') {
      // ustar cannot hold a 250-byte name: GNU tar refuses it, which is not ours to test
      rmSync(join(dir, 'src', 'd'.repeat(120)), { recursive: true });
    }
    const file = archive(format);
    const bytes = readFileSync(file);
    const entries = tarIndex(file);
    const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, ''), e]));
    const manifest = byName.get('manifest.json');
    expect(manifest?.type).toBe('0');
    expect(bytes.subarray(manifest!.offset, manifest!.offset + manifest!.size).toString()).toBe('{"a":1}');
    expect(byName.get('link')).toMatchObject({ type: '2', linkname: 'manifest.json', size: 0 });
    if (format !== 'ustar') {
      const big = byName.get(`${'d'.repeat(120)}/${'f'.repeat(130)}.tar`);
      expect(big?.size).toBe(1000);
      expect(bytes.subarray(big!.offset, big!.offset + 1000).toString()).toBe('x'.repeat(1000));
    }
  });

  it('refuses a truncated archive, a damaged header and a gzip one (load then reads it as a stream)', () => {
    const file = archive('pax');
    const cut = join(dir, 'cut.tar');
    writeFileSync(cut, readFileSync(file).subarray(0, 1024 + 100));
    expect(() => tarIndex(cut)).toThrow();
    const damaged = join(dir, 'damaged.tar');
    const bytes = Buffer.from(readFileSync(file));
    bytes[0] = (bytes[0] as number) ^ 0xff;
    writeFileSync(damaged, bytes);
    expect(() => tarIndex(damaged)).toThrow(/checksum/);
    const gz = join(dir, 'a.tar.gz');
    writeFileSync(gz, execFileSync('gzip', ['-c', file]));
    expect(() => tarIndex(gz)).toThrow();
    truncateSync(file, 512 * 3);
    expect(() => tarIndex(file)).toThrow();
  });
});
