import { describe, expect, it } from 'vitest';

import { storageDriver } from '../../../src/runtime/driver.js';

describe('storageDriver', () => {
  it('takes the kernel overlayfs from Linux 5.11 on', () => {
    expect(storageDriver({}, '5.11.0')).toBe('overlay');
    expect(storageDriver({}, '6.1.0-18-amd64')).toBe('overlay');
  });

  it('falls back below 5.11 to fuse-overlayfs (where usable) or a copy', () => {
    expect(['fuse-overlayfs', 'copy']).toContain(storageDriver({ PATH: process.env.PATH }, '5.10.0'));
    // no fuse-overlayfs on an empty PATH: the copy
    expect(storageDriver({ PATH: '/nonexistent' }, '4.19.0')).toBe('copy');
  });

  it('BURROW_STORAGE_DRIVER forces one, and only a known one', () => {
    expect(storageDriver({ BURROW_STORAGE_DRIVER: 'copy' }, '6.1.0')).toBe('copy');
    expect(storageDriver({ BURROW_STORAGE_DRIVER: 'fuse-overlayfs' }, '6.1.0')).toBe('fuse-overlayfs');
    expect(() => storageDriver({ BURROW_STORAGE_DRIVER: 'zfs' }, '6.1.0')).toThrow(/BURROW_STORAGE_DRIVER=zfs: not a storage driver/);
  });
});
