/**
 * The downloads a pull keeps for the next one (storage/downloads.ts): held by
 * one pull at a time (flock, real), continued from what they have, and swept
 * only when a week old and held by no one (storage/leftovers.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type Digest } from '../../../src/oci/digest.js';
import { DOWNLOAD_KEEP_MS, openDownload } from '../../../src/storage/downloads.js';
import { sweepDownloads } from '../../../src/storage/leftovers.js';
import { tryFlock } from '../../../src/system/libc.js';
import type { Store } from '../../../src/storage/store.js';

const DIGEST = `sha256:${'ab'.repeat(32)}` as Digest;
let dir: string;
let store: Pick<Store, 'tmpDir' | 'sys'>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'burrow-downloads-'));
  store = { tmpDir: () => dir, sys: { tryFlock } as unknown as Store['sys'] };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = () => join(dir, `download-${'ab'.repeat(32)}`);

describe('downloads', () => {
  it('starts empty, keeps what was written for the next holder, and is held by one at a time', () => {
    const first = openDownload(store, DIGEST, 100);
    expect(first?.have).toBe(0);
    writeSync(first!.fd, Buffer.from('0123456789'));
    // Another pull (another open file description) finds it held.
    expect(openDownload(store, DIGEST, 100)).toBeUndefined();
    first!.release();
    const second = openDownload(store, DIGEST, 100);
    expect(second?.have).toBe(10);
    writeSync(second!.fd, Buffer.from('abc'));
    expect(readFileSync(file(), 'utf8')).toBe('0123456789abc');
    second!.restart();
    writeSync(second!.fd, Buffer.from('x'));
    expect(readFileSync(file(), 'utf8')).toBe('x');
    second!.discard();
    expect(existsSync(file())).toBe(false);
  });

  it('starts again when the file is longer than the blob', () => {
    writeFileSync(file(), 'x'.repeat(50));
    const d = openDownload(store, DIGEST, 20);
    expect(d?.have).toBe(0);
    expect(statSync(file()).size).toBe(0);
    d!.release();
  });

  it('is swept only when a week old and held by no one', () => {
    writeFileSync(file(), 'old');
    const old = (Date.now() - DOWNLOAD_KEEP_MS - 60_000) / 1000;
    utimesSync(file(), old, old);
    const held = openDownload(store, DIGEST, 100);
    utimesSync(file(), old, old);
    sweepDownloads(store);
    expect(existsSync(file())).toBe(true);
    held!.release();
    const fresh = join(dir, `download-${'cd'.repeat(32)}`);
    writeFileSync(fresh, 'new');
    sweepDownloads(store);
    expect(existsSync(file())).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });
});
