import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { resolveInRoot, RootPathError } from '../../../src/system/rootpath.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'burrow-rootpath-'));
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'usr/lib'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), '');
  symlinkSync('/usr/lib', join(root, 'lib'));
  symlinkSync('../../../../../../etc', join(root, 'usr/up'));
  symlinkSync('/', join(root, 'slash'));
  symlinkSync('loop-b', join(root, 'loop-a'));
  symlinkSync('loop-a', join(root, 'loop-b'));
  symlinkSync('passwd', join(root, 'etc/relative'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveInRoot', () => {
  it('joins plain paths', () => {
    expect(resolveInRoot(root, '/etc/passwd')).toBe(join(root, 'etc/passwd'));
    expect(resolveInRoot(root, 'etc/passwd')).toBe(join(root, 'etc/passwd'));
    expect(resolveInRoot(root, '/')).toBe(root);
  });

  it('never climbs above the root with ..', () => {
    expect(resolveInRoot(root, '/../../../etc/passwd')).toBe(join(root, 'etc/passwd'));
    expect(resolveInRoot(root, '/usr/../../..')).toBe(root);
  });

  it('follows absolute links inside the root', () => {
    expect(resolveInRoot(root, '/lib/x.so')).toBe(join(root, 'usr/lib/x.so'));
    expect(resolveInRoot(root, '/slash/etc/passwd')).toBe(join(root, 'etc/passwd'));
  });

  it('follows relative links, clamping their .. at the root', () => {
    expect(resolveInRoot(root, '/usr/up/passwd')).toBe(join(root, 'etc/passwd'));
    expect(resolveInRoot(root, '/etc/relative')).toBe(join(root, 'etc/passwd'));
  });

  it('keeps missing components as they are', () => {
    expect(resolveInRoot(root, '/no/such/file')).toBe(join(root, 'no/such/file'));
    expect(resolveInRoot(root, '/lib/missing/deeper')).toBe(join(root, 'usr/lib/missing/deeper'));
  });

  it('stops a symlink loop with ELOOP', () => {
    let err: unknown;
    try {
      resolveInRoot(root, '/loop-a/x');
    } catch (e) {
      err = e;
    }
    expect((err as NodeJS.ErrnoException | undefined)?.code).toBe('ELOOP');
  });

  it('gives a result that is always inside the root', () => {
    for (const path of ['/usr/up', '/slash/..', '/lib/../../..', '/usr/up/../../x'])
      expect(resolveInRoot(root, path).startsWith(root)).toBe(true);
  });
});

describe("resolveInRoot(..., 'refuse'): the layers' rule", () => {
  it('resolves what stays inside as clamp does', () => {
    for (const path of ['/etc/passwd', 'etc/passwd', '/lib/x.so', '/slash/etc/passwd', '/etc/relative', '/no/such/file', 'usr/lib/../../etc'])
      expect(resolveInRoot(root, path, 'refuse'), path).toBe(resolveInRoot(root, path));
  });

  it('refuses a `..` above the root, in the path or in a link (EXDEV), where clamp stays at the root', () => {
    for (const path of ['/../etc/passwd', '/usr/up/passwd', 'usr/lib/../../..', '/slash/../x']) {
      expect(() => resolveInRoot(root, path, 'refuse'), path).toThrow(RootPathError);
      expect(() => resolveInRoot(root, path, 'refuse'), path).toThrow(expect.objectContaining({ code: 'EXDEV' }));
      expect(resolveInRoot(root, path).startsWith(root)).toBe(true);
    }
  });

  it('stops a loop with ELOOP', () => {
    expect(() => resolveInRoot(root, '/loop-a/x', 'refuse')).toThrow(expect.objectContaining({ code: 'ELOOP' }));
  });
});
