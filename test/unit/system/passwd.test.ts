import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BurrowError } from '../../../src/errors.js';
import { dirReader, layersReader, parseGroup, parsePasswd, resolveUser } from '../../../src/system/passwd.js';

const PASSWD = `root:x:0:0:root:/root:/bin/sh
tester:x:1000:1000:tester:/home/tester:/bin/sh
# a comment
broken line
nogid:x:1001::x:/home/nogid:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
`;
const GROUP = `root:x:0:
tester:x:1000:tester
extra:x:2000:tester,other
more:x:3000:other,tester
nogroup:x:65534:
`;

let dir: string;
let root: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'burrow-passwd-'));
  root = join(dir, 'root');
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), PASSWD);
  writeFileSync(join(root, 'etc/group'), GROUP);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsePasswd, parseGroup', () => {
  it('reads well-formed lines and skips the rest', () => {
    expect(parsePasswd(PASSWD).map((e) => e.name)).toEqual(['root', 'tester', 'nobody']);
    expect(parsePasswd(PASSWD)[1]).toEqual({ name: 'tester', uid: 1000, gid: 1000, home: '/home/tester' });
    expect(parseGroup(GROUP).find((g) => g.name === 'extra')).toEqual({ name: 'extra', gid: 2000, members: ['tester', 'other'] });
    expect(parseGroup(GROUP).find((g) => g.name === 'root')?.members).toEqual([]);
    expect(parsePasswd('')).toEqual([]);
  });

  it('with a uid, gives only that uid\'s entries (not a gid or a name that happens to match)', () => {
    expect(parsePasswd(PASSWD, 1000)).toEqual([{ name: 'tester', uid: 1000, gid: 1000, home: '/home/tester' }]);
    expect(parsePasswd(`a:x:5:1000:a:/:/bin/sh\n1000:x:6:6:b:/:/bin/sh\n`, 1000)).toEqual([]);
    expect(parsePasswd(PASSWD, 1001)).toEqual([]); // malformed (no gid): skipped as without a uid
    expect(parsePasswd(PASSWD, 42)).toEqual([]);
  });
});

describe('resolveUser', () => {
  const resolve = (spec: string): ReturnType<typeof resolveUser> => resolveUser(dirReader(root), spec);

  it('takes a name: its uid, gid, home and the groups it is a member of', () => {
    expect(resolve('tester')).toEqual({ uid: 1000, gid: 1000, groups: [2000, 3000], home: '/home/tester' });
    expect(resolve('root')).toEqual({ uid: 0, gid: 0, groups: [], home: '/root' });
  });

  it('takes a uid, known or not (unknown: gid 0, home /)', () => {
    expect(resolve('1000')).toEqual({ uid: 1000, gid: 1000, groups: [2000, 3000], home: '/home/tester' });
    expect(resolve('4321')).toEqual({ uid: 4321, gid: 0, groups: [], home: '/' });
  });

  it('takes USER:GROUP with names or numbers; then no supplementary groups', () => {
    expect(resolve('tester:extra')).toMatchObject({ uid: 1000, gid: 2000, groups: [] });
    expect(resolve('1000:2000')).toMatchObject({ uid: 1000, gid: 2000 });
    expect(resolve('tester:5555')).toMatchObject({ uid: 1000, gid: 5555 });
    expect(resolve('4321:nogroup')).toMatchObject({ uid: 4321, gid: 65534 });
  });

  it.each([
    ['nosuch', /unable to find user nosuch/],
    ['tester:nosuch', /unable to find group nosuch/],
    ['', /invalid user ``/],
    [':1000', /invalid user/],
    ['tester:', /invalid user/],
    ['a:b:c', /invalid user `a:b:c`/],
    ['4294967295', /out of range/],
    ['0:4294967296', /out of range/],
  ])('refuses %j', (spec, message) => {
    expect(() => resolve(spec)).toThrow(BurrowError);
    expect(() => resolve(spec)).toThrow(message);
  });

  it('works on a root without /etc/passwd or /etc/group: numbers only', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    expect(resolveUser(dirReader(empty), '1000:1000')).toEqual({ uid: 1000, gid: 1000, groups: [], home: '/' });
    expect(() => resolveUser(dirReader(empty), 'tester')).toThrow(/unable to find user tester/);
  });

  it("reads the container's /etc/passwd, never the host's, even through a symlink that climbs out", () => {
    const outside = join(dir, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'passwd'), 'escaped:x:4242:4242::/escaped:/bin/sh\n');
    const evil = join(dir, 'evil');
    mkdirSync(join(evil, 'etc'), { recursive: true });
    // ../../outside/passwd from etc/ would be dir/outside/passwd on the host.
    symlinkSync('../../outside/passwd', join(evil, 'etc/passwd'));
    expect(() => resolveUser(dirReader(evil), 'escaped')).toThrow(/unable to find user escaped/);
    // An absolute link means the container's /: here /etc/real-passwd inside the root.
    const abs = join(dir, 'abs');
    mkdirSync(join(abs, 'etc'), { recursive: true });
    writeFileSync(join(abs, 'etc/real-passwd'), 'inside:x:77:77::/in:/bin/sh\n');
    symlinkSync('/etc/real-passwd', join(abs, 'etc/passwd'));
    expect(resolveUser(dirReader(abs), 'inside')).toMatchObject({ uid: 77, home: '/in' });
    // And the host's /etc/passwd (which has root) is not read through an absolute link to it either.
    const hostLink = join(dir, 'host-link');
    mkdirSync(join(hostLink, 'etc'), { recursive: true });
    symlinkSync('/etc/passwd', join(hostLink, 'etc/group'));
    expect(() => resolveUser(dirReader(hostLink), '0:root')).toThrow(/unable to find group root/);
  });

  it('reads a stack of layers, the topmost that has the file winning', () => {
    const top = join(dir, 'top');
    const bottom = join(dir, 'bottom');
    mkdirSync(join(top, 'etc'), { recursive: true });
    mkdirSync(join(bottom, 'etc'), { recursive: true });
    writeFileSync(join(bottom, 'etc/passwd'), 'u:x:1:1::/old:/bin/sh\n');
    writeFileSync(join(bottom, 'etc/group'), 'g:x:5:\n');
    writeFileSync(join(top, 'etc/passwd'), 'u:x:2:2::/new:/bin/sh\n');
    expect(resolveUser(layersReader([top, bottom]), 'u:g')).toEqual({ uid: 2, gid: 5, groups: [], home: '/new' });
  });
});
