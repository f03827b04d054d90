import { accessSync, chmodSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { storageDriver } from '../../../src/storage/driver.js';

describe('storageDriver', () => {
  it('takes the kernel overlayfs from Linux 5.11 on', () => {
    expect(storageDriver({}, '5.11.0')).toBe('overlay');
    expect(storageDriver({}, '6.1.0-18-amd64')).toBe('overlay');
  });

  it('falls back below 5.11 to fuse-overlayfs where it is on PATH and /dev/fuse is open to the user, else to a copy', () => {
    const bin = mkdtempSync(join(tmpdir(), 'burrow-driver-'));
    try {
      writeFileSync(join(bin, 'fuse-overlayfs'), '#!/bin/sh\n');
      chmodSync(join(bin, 'fuse-overlayfs'), 0o755);
      let fuseOpen = true;
      try {
        accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
      } catch {
        fuseOpen = false;
      }
      expect(storageDriver({ PATH: bin }, '5.10.0')).toBe(fuseOpen ? 'fuse-overlayfs' : 'copy');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
    // no fuse-overlayfs on PATH: the copy, whatever /dev/fuse allows
    expect(storageDriver({ PATH: '/nonexistent' }, '4.19.0')).toBe('copy');
  });

  it('BURROW_STORAGE_DRIVER forces one, and only a known one', () => {
    expect(storageDriver({ BURROW_STORAGE_DRIVER: 'copy' }, '6.1.0')).toBe('copy');
    expect(storageDriver({ BURROW_STORAGE_DRIVER: 'fuse-overlayfs' }, '6.1.0')).toBe('fuse-overlayfs');
    expect(() => storageDriver({ BURROW_STORAGE_DRIVER: 'zfs' }, '6.1.0')).toThrow(/BURROW_STORAGE_DRIVER=zfs: not a storage driver/);
  });
});
