import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BurrowError, UsageError } from '../../../src/errors.js';
import { parseTmpfs, parseUlimit, parseVolume } from '../../../src/runtime/options.js';
import { MS } from '../../../src/system/plan.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'burrow-options-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'file'), 'x');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseVolume', () => {
  it('takes HOST:CTR, a directory, read-write', () => {
    expect(parseVolume(`${dir}/src:/data`, '/')).toEqual({ source: `${dir}/src`, target: '/data', readonly: false, directory: true });
  });

  it('takes :ro and :rw, and the SELinux and rbind options podman accepts', () => {
    expect(parseVolume(`${dir}/src:/data:ro`, '/').readonly).toBe(true);
    expect(parseVolume(`${dir}/src:/data:ro,rw`, '/').readonly).toBe(false);
    expect(parseVolume(`${dir}/src:/data:z,ro`, '/').readonly).toBe(true);
    expect(parseVolume(`${dir}/src:/data:Z`, '/').readonly).toBe(false);
    expect(parseVolume(`${dir}/src:/data:rbind`, '/').readonly).toBe(false);
  });

  it('knows a file from a directory', () => {
    expect(parseVolume(`${dir}/file:/etc/x.conf`, '/').directory).toBe(false);
  });

  it('resolves ./ against the current directory and normalizes the target', () => {
    expect(parseVolume('./src:/a/../b', dir)).toMatchObject({ source: `${dir}/src`, target: '/b' });
    expect(parseVolume('../src:/x', join(dir, 'src'))).toMatchObject({ source: `${dir}/src` });
  });

  it.each([
    ['/only-one-part', /HOST-DIR:CONTAINER-DIR/],
    [':/data', /HOST-DIR:CONTAINER-DIR/],
    ['/a:', /HOST-DIR:CONTAINER-DIR/],
    ['/a:/b:ro:extra', /HOST-DIR:CONTAINER-DIR/],
    ['/a:relative', /not absolute/],
    ['/a:/b:sideways', /unknown option `sideways`/],
  ])('refuses %s as a usage error', (volume, message) => {
    const spec = volume.replace('/a', `${dir}/src`);
    expect(() => parseVolume(spec, '/')).toThrow(UsageError);
    expect(() => parseVolume(spec, '/')).toThrow(message);
  });

  it('refuses named volumes without a store (--rootfs), with a hint; with one, mounts its mount point', () => {
    expect(() => parseVolume('myvolume:/data', '/')).toThrow(/named volumes need an image/);
    const v = parseVolume('myvolume:/data:U,O', '/', (name) => (name === 'myvolume' ? '/' : 'nowhere'));
    expect(v).toMatchObject({ source: '/', target: '/data', readonly: false, overlay: true, chown: true });
    expect(() => parseVolume('myvolume:/data:ro,O', '/', () => '/')).toThrow(/O \(an overlay\) and ro cannot be used together/);
  });

  it('names the missing host path', () => {
    let err: unknown;
    try {
      parseVolume(`${dir}/missing:/data`, '/');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BurrowError);
    expect((err as BurrowError).message).toContain(`${dir}/missing`);
    expect((err as BurrowError).message).toMatch(/no such file or directory/);
  });
});

describe('parseTmpfs', () => {
  const DEFAULT = MS.NOEXEC | MS.NOSUID | MS.NODEV;

  it("has podman's defaults: rw, noexec, nosuid, nodev", () => {
    expect(parseTmpfs('/scratch')).toEqual({ target: '/scratch', flags: DEFAULT, data: '' });
  });

  it('toggles flags and keeps size, mode, uid, gid, nr_inodes as data', () => {
    expect(parseTmpfs('/s:exec')).toEqual({ target: '/s', flags: MS.NOSUID | MS.NODEV, data: '' });
    expect(parseTmpfs('/s:ro,suid,dev')).toEqual({ target: '/s', flags: MS.NOEXEC | MS.RDONLY, data: '' });
    expect(parseTmpfs('/s:size=64m,mode=1777,uid=1000,gid=1000,nr_inodes=1k')).toEqual({
      target: '/s',
      flags: DEFAULT,
      data: 'size=64m,mode=1777,uid=1000,gid=1000,nr_inodes=1k',
    });
    expect(parseTmpfs('/s:ro,rw').flags).toBe(DEFAULT);
    expect(parseTmpfs('/s:tmpcopyup,notmpcopyup').data).toBe('');
    expect(parseTmpfs('/a/../b').target).toBe('/b');
  });

  it.each([
    ['scratch', /not an absolute path/],
    ['/s:bogus', /unknown option `bogus`/],
    ['/s:size=1m;rm', /unknown option/],
    ['/s:size=1m,context="x"', /unknown option/],
    ['/s:size=', /unknown option/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseTmpfs(spec)).toThrow(UsageError);
    expect(() => parseTmpfs(spec)).toThrow(message);
  });
});

describe('parseUlimit', () => {
  it('takes NAME=N for both limits, NAME=SOFT:HARD, and -1 for unlimited', () => {
    expect(parseUlimit('nofile=1024')).toEqual({ resource: 7, soft: 1024, hard: 1024 });
    expect(parseUlimit('nofile=1024:4096')).toEqual({ resource: 7, soft: 1024, hard: 4096 });
    expect(parseUlimit('core=-1')).toEqual({ resource: 4, soft: 'inf', hard: 'inf' });
    expect(parseUlimit('nproc=10:-1')).toEqual({ resource: 6, soft: 10, hard: 'inf' });
  });

  it('numbers the resources as Linux does', () => {
    const numbers = Object.fromEntries(
      ['cpu', 'fsize', 'data', 'stack', 'core', 'rss', 'nproc', 'nofile', 'memlock', 'as', 'locks', 'sigpending', 'msgqueue', 'nice', 'rtprio', 'rttime'].map((n) => [
        n,
        parseUlimit(`${n}=1`).resource,
      ]),
    );
    expect(Object.values(numbers)).toEqual([...Array(16).keys()]);
  });

  it.each([
    ['nofile', /NAME=SOFT\[:HARD\]/],
    ['nofile=lots', /NAME=SOFT/],
    ['teleports=1', /NAME=SOFT/],
    ['NOFILE=1', /NAME=SOFT/],
    ['nofile=1:2:3', /NAME=SOFT/],
    ['nofile=200:100', /soft limit above hard limit/],
    ['nofile=-1:100', /soft limit above hard limit/],
    ['nofile=-2', /NAME=SOFT/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseUlimit(spec)).toThrow(UsageError);
    expect(() => parseUlimit(spec)).toThrow(message);
  });

  it('names every resource in its message', () => {
    expect(() => parseUlimit('x=1')).toThrow(/nofile/);
  });
});
