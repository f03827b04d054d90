/**
 * `burrow cp` on real busybox containers, running and stopped: files and
 * trees both ways, docker's naming rules, a tar on stdin and stdout, the
 * owner of what is copied in; and the container's own links to `/` and
 * `../../..` (CVE-2018-15664, CVE-2019-14271): nothing on the host is read
 * or written through them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages } from '../helpers/images.js';
import { BURROW, expectOneError, lines } from '../helpers/run-cli.js';
import { loadedStore, type TestStore, waitFor } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';

describeContainers('burrow cp', () => {
  let store: TestStore;
  let host: string;
  const setup = 'mkdir -p /srv/a && echo inner > /srv/a/i && ln -s / /srv/rootlink && ln -s ../../../../../../.. /srv/up';

  beforeAll(async () => {
    const images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-cp'));
    store = await loadedStore('cp', images.plainOci);
    host = join(fixtures().dir, 'cp-host');
    mkdirSync(join(host, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(host, 'file.txt'), 'from the host\n');
    writeFileSync(join(host, 'tree', 'sub', 'deep'), 'deep\n');
    writeFileSync(join(host, 'secret'), 'host secret\n');
    expect((await store.run(['run', '-d', '--name', 'live', PLAIN, 'sh', '-c', `${setup}; exec sleep 300`])).exitCode).toBe(0);
    await waitFor('the container to set up', async () => (await store.run(['exec', 'live', 'test', '-L', '/srv/up'])).exitCode === 0);
    expect((await store.run(['run', '--name', 'stopped', '-u', '1000:1000', PLAIN, 'sh', '-c', 'echo mine > /tmp/mine'])).exitCode).toBe(0);
  });

  afterAll(async () => {
    await store.run(['rm', '-af', '-t', '0']);
  });

  const cp = (...args: string[]) => store.run(['cp', ...args]);
  const inLive = async (script: string) => (await store.run(['exec', 'live', 'sh', '-c', script])).stdout;

  describe('into a container', () => {
    it("a file into a directory, or as a new name; a tree into a directory, or as a new name; a tree's contents with /.", async () => {
      expect((await cp(join(host, 'file.txt'), 'live:/tmp/')).exitCode).toBe(0);
      expect((await cp(join(host, 'file.txt'), 'live:/tmp/renamed')).exitCode).toBe(0);
      expect((await cp(join(host, 'tree'), 'live:/srv')).exitCode).toBe(0);
      expect((await cp(join(host, 'tree'), 'live:/srv/copy')).exitCode).toBe(0);
      expect((await cp(`${join(host, 'tree')}/.`, 'live:/srv/a')).exitCode).toBe(0);
      expect(lines(await inLive('cat /tmp/file.txt /tmp/renamed /srv/tree/sub/deep /srv/copy/sub/deep /srv/a/sub/deep /srv/a/i'))).toEqual([
        'from the host',
        'from the host',
        'deep',
        'deep',
        'deep',
        'inner',
      ]);
    });

    it("what is copied in belongs to the container's user; --archive=false keeps its ids", async () => {
      const r = await store.run(['run', '-d', '--name', 'user1000', '-u', '1000:1000', PLAIN, 'sleep', '60']);
      expect(r.exitCode).toBe(0);
      expect((await cp(join(host, 'file.txt'), 'user1000:/tmp/given')).exitCode).toBe(0);
      expect((await cp('--archive=false', join(host, 'file.txt'), 'user1000:/tmp/kept')).exitCode).toBe(0);
      const owners = (await store.run(['exec', 'user1000', 'stat', '-c', '%u:%g %n', '/tmp/given', '/tmp/kept'])).stdout;
      expect(lines(owners)).toEqual(['1000:1000 /tmp/given', `${process.getuid?.()}:${process.getgid?.()} /tmp/kept`]);
      expect((await store.run(['rm', '-f', '-t', '0', 'user1000'])).exitCode).toBe(0);
    });

    it('a tar on standard input, unpacked into a directory', async () => {
      const tarball = (await execa('tar', ['-C', host, '-c', 'tree'], { encoding: 'buffer' })).stdout;
      const r = await execa(BURROW, ['cp', '-', 'live:/var'], { env: store.env, input: tarball, reject: false });
      expect([r.stderr, r.exitCode]).toEqual(['', 0]);
      expect(await inLive('cat /var/tree/sub/deep')).toBe('deep\n');
    });

    it('into a stopped container, which sees it when it starts', async () => {
      expect((await cp(join(host, 'file.txt'), 'stopped:/tmp/later')).exitCode).toBe(0);
      const out = await store.run(['start', '-a', 'stopped']);
      expect(out.exitCode).toBe(0);
      expect((await store.run(['cp', 'stopped:/tmp/later', '-'])).stdout).toContain('from the host');
    });
  });

  describe('out of a container', () => {
    it('a file, a tree, a tree\'s contents; a tar on standard output', async () => {
      const out = join(fixtures().dir, 'cp-out');
      mkdirSync(out, { recursive: true });
      expect((await cp('live:/srv/a/i', out)).exitCode).toBe(0);
      expect((await cp('live:/srv/a', join(out, 'tree-copy'))).exitCode).toBe(0);
      expect((await cp('live:/srv/tree/.', join(out, 'contents'))).exitCode).toBe(0);
      expect(readFileSync(join(out, 'i'), 'utf8')).toBe('inner\n');
      expect(readFileSync(join(out, 'tree-copy', 'i'), 'utf8')).toBe('inner\n');
      expect(readdirSync(join(out, 'contents'))).toEqual(['sub']);
      const tar = await execa(BURROW, ['cp', 'live:/srv/a', '-'], { env: store.env, encoding: 'buffer' });
      const listed = await execa('tar', ['-t'], { input: tar.stdout });
      expect(lines(listed.stdout).sort()).toEqual(expect.arrayContaining(['a/', 'a/i']));
      expect((await cp('stopped:/tmp/mine', join(out, 'mine'))).exitCode).toBe(0);
      expect(readFileSync(join(out, 'mine'), 'utf8')).toBe('mine\n');
    });
  });

  describe("the container's links never reach the host", () => {
    it('out: a path through a link to / or ../../.. is the container\'s own, never the host file it names', async () => {
      const out = join(fixtures().dir, 'cp-leak');
      mkdirSync(out, { recursive: true });
      for (const through of ['/srv/rootlink', '/srv/up']) {
        const r = await cp(`live:${through}${join(host, 'secret')}`, join(out, 'got'));
        expect(r.exitCode).toBe(125);
        expect(r.stderr).toMatch(/no such file or directory/);
        expect(existsSync(join(out, 'got'))).toBe(false);
      }
      // the container's own /etc/passwd, not the host's
      expect((await cp('live:/srv/rootlink/etc/passwd', join(out, 'passwd'))).exitCode).toBe(0);
      expect(readFileSync(join(out, 'passwd'), 'utf8')).toBe(await inLive('cat /etc/passwd'));
    });

    it('in: a destination through such a link is inside the container; the host directory it names is untouched', async () => {
      const before = readdirSync(host).sort();
      for (const through of ['/srv/rootlink', '/srv/up']) {
        const r = await cp(join(host, 'file.txt'), `live:${through}${host}/planted`);
        expect(r.exitCode).toBe(125);
        expect(r.stderr).toMatch(/no such directory/);
      }
      expect(readdirSync(host).sort()).toEqual(before);
      // into a directory the container made at that path: its own, not the host's
      await inLive(`mkdir -p ${host}`);
      expect((await cp(join(host, 'file.txt'), `live:/srv/rootlink${host}/planted`)).exitCode).toBe(0);
      expect(existsSync(join(host, 'planted'))).toBe(false);
      expect(await inLive(`cat ${host}/planted`)).toBe('from the host\n');
    });

    it('in: a tar that makes a link and then writes through it is refused before anything reaches the host', async () => {
      const dir = join(fixtures().dir, 'cp-evil');
      mkdirSync(join(dir, 'stage'), { recursive: true });
      // `link` -> the host dir, then `link/evil`: tar -h would follow it; cp must not.
      const evil = join(dir, 'evil.tar');
      await execa('python3', ['-c', `import tarfile,io
t=tarfile.open(${JSON.stringify(evil)},'w')
l=tarfile.TarInfo('link'); l.type=tarfile.SYMTYPE; l.linkname=${JSON.stringify(host)}; t.addfile(l)
f=tarfile.TarInfo('link/evil'); data=b'pwned'; f.size=len(data); t.addfile(f, io.BytesIO(data))
t.close()`]);
      const r = await execa(BURROW, ['cp', '-', 'live:/tmp'], { env: store.env, input: readFileSync(evil), reject: false });
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toMatch(/^Error: .*symbolic link/);
      expect(existsSync(join(host, 'evil'))).toBe(false);
      // and a file never replaces a directory
      const onDir = join(dir, 'ondir.tar');
      await execa('python3', ['-c', `import tarfile,io
t=tarfile.open(${JSON.stringify(onDir)},'w')
f=tarfile.TarInfo('a'); data=b'flat'; f.size=len(data); t.addfile(f, io.BytesIO(data))
t.close()`]);
      const flat = await execa(BURROW, ['cp', '-', 'live:/srv'], { env: store.env, input: readFileSync(onDir), reject: false });
      expect([flat.exitCode, flat.stderr]).toEqual([125, 'Error: cannot overwrite directory `a` with a non-directory']);
      expect(await inLive('cat /srv/a/i')).toBe('inner\n');
    });
  });

  it('bad input: a missing source, a missing parent, a tree onto a file, no container, two containers: one error, 125', async () => {
    expect((await inLive('echo x > /tmp/afile')) === '').toBe(true);
    for (const [args, pattern] of [
      [[join(host, 'nothing'), 'live:/tmp'], /^Error: `[^`]+nothing`: no such file or directory$/],
      [['live:/nothing', host], /^Error: `\/nothing` in container live: no such file or directory$/],
      [[join(host, 'file.txt'), 'live:/no/such/dir/x'], /^Error: `\/no\/such\/dir`: no such directory$/],
      [[join(host, 'tree'), 'live:/tmp/afile'], /^Error: cannot copy a directory to `\/tmp\/afile`, which is not a directory$/],
      [[join(host, 'file.txt'), join(host, 'copy')], /^Error: one of the paths must be in a container: CONTAINER:PATH$/],
      [['live:/tmp/afile', 'stopped:/tmp/'], /^Error: copying between containers is not supported/],
    ] as [string[], RegExp][]) {
      const r = await cp(...args);
      expectOneError(r, pattern);
      expect(r.exitCode).toBe(125);
    }
  });
});
