/**
 * A user with no subordinate ids at all (`npm test` as root runs this
 * project as `burrow-nosubids`, a user it makes without any): only the
 * user's own id is mapped, so an image's files of other owners are stored
 * as the user's, with their owners kept as data (the
 * user.containers.override_stat attribute, layers/owners.ts), and every
 * tar burrow writes of them again (export, commit, cp out) carries the
 * owners the image had. Read back with GNU tar, a peer.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { beforeAll, beforeEach, expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature, withoutHostWarnings } from '../helpers/fixtures.js';
import { buildTestImages, dockerArchiveEntries, makeTar, type TarEntry, type TestImages, writeTar } from '../helpers/images.js';
import { helloDeb } from '../helpers/packages.js';
import { BURROW, expectOneError } from '../helpers/run-cli.js';
import { newStore, type TestStore } from '../helpers/store.js';

const OWNED = 'localhost/owned:latest';

/** The layer entries whose owners the user's namespace cannot hold. */
const ENTRIES: TarEntry[] = [
  { name: 'srv/', type: 'directory', uid: 0, gid: 0, mode: 0o755 },
  { name: 'srv/data', data: 'data\n', uid: 1000, gid: 1000, mode: 0o640 },
  { name: 'srv/tool', data: '#!/bin/sh\n', uid: 0, gid: 42, mode: 0o2755 },
  { name: 'srv/hard', type: 'link', linkname: 'srv/data', uid: 1000, gid: 1000 },
  { name: 'srv/sub/', type: 'directory', uid: 33, gid: 33, mode: 0o700 },
  { name: 'srv/sub/inner', data: 'inner\n', uid: 33, gid: 33, mode: 0o600 },
  { name: 'srv/link', type: 'symlink', linkname: 'data', uid: 7, gid: 7 },
];

/** `tar -tv --numeric-owner` of a tar: path (no leading ./, no trailing /) -> "MODE UID/GID" (GNU tar reads it, not burrow). */
function owners(tarFile: string): Map<string, string> {
  const out = execFileSync('tar', ['--numeric-owner', '-tvf', tarFile], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const map = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^(\S{10})\s+(\d+\/\d+)\s+\d+\s+\S+\s+\S+\s+(.*?)(?: -> .*| link to .*)?$/.exec(line);
    // (a hard link's `h` as `-`: which name of a file comes first is the writer's choice)
    if (m) map.set((m[3] as string).replace(/^\.\//, '').replace(/\/$/, ''), `${(m[1] as string).replace(/^h/, '-')} ${m[2]}`);
  }
  return map;
}

/** Skips a test for a user who has subordinate ids (the cases here are for one who has none). */
function requireNoSubids(ctx: { skip: (note?: string) => never; task: { name: string } }): void {
  if (fixtures().missing.subids !== undefined) return;
  const reason = 'this user has subordinate ids (`npm test` as root runs these tests as burrow-nosubids, which has none)';
  process.stderr.write(`skipping "${ctx.task.name}": ${reason}\n`);
  ctx.skip(reason);
}

describeContainers('no subordinate ids: owners kept as data', () => {
  let images: TestImages;
  let dir: string;
  let archive: string;

  beforeEach((ctx) => requireNoSubids(ctx));

  beforeAll(async () => {
    if (fixtures().missing.subids === undefined) return;
    dir = mkdtempSync(join(fixtures().dir, 'nosubids-'));
    images = await buildTestImages(fixtures().rootfs, join(dir, 'images'));
    archive = await writeTar(join(dir, 'owned.tar'), dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, await makeTar(ENTRIES)] }, OWNED));
  });

  /** A store with the owned image loaded, its warning checked. */
  async function ownedStore(label: string, env: Record<string, string> = {}): Promise<TestStore> {
    const store = newStore(label, env);
    const r = await store.run(['load', '-i', archive]);
    expect(withoutHostWarnings(r.stderr)).toBe('');
    expect(r.exitCode).toBe(0);
    return store;
  }

  /** `burrow ARGS` worked; its stdout (the host warning, said once per runtime directory, allowed). */
  async function ok(store: TestStore, args: string[]): Promise<string> {
    const r = await store.run(args);
    expect(withoutHostWarnings(r.stderr), `burrow ${args.join(' ')}`).toBe('');
    expect(r.exitCode, `burrow ${args.join(' ')}\n${r.stderr}`).toBe(0);
    return r.stdout;
  }

  it('one warning line, once, names a range no line of /etc/subuid or /etc/subgid gives out', async () => {
    const store = newStore('warn');
    expect((await store.run(['load', '-q', '-i', images.plainOci])).exitCode).toBe(0);
    const first = await store.run(['run', '--rm', 'localhost/plain:latest', 'true']);
    expect(first.exitCode).toBe(0);
    const warning = first.stderr.split('\n').filter((l) => l.startsWith('Warning: '));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatch(/^Warning: no subordinate ids for \S+ in \/etc\/subuid and \/etc\/subgid: only your own id is mapped/);
    const m = /usermod --add-subuids (\d+)-(\d+) --add-subgids \1-\2 \S+$/.exec(warning[0] as string);
    expect(m, warning[0]).not.toBeNull();
    const [start, end] = [Number(m?.[1]), Number(m?.[2])];
    expect(end - start + 1).toBe(65536);
    for (const file of ['/etc/subuid', '/etc/subgid']) {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        // no file: nothing given out
      }
      for (const line of text.split('\n')) {
        const [, s, n] = line.split(':');
        if (s === undefined || n === undefined) continue;
        expect(Number(s) + Number(n) <= start || Number(s) > end, `${file}: ${line} overlaps ${start}-${end}`).toBe(true);
      }
    }
    const again = await store.run(['run', '--rm', 'localhost/plain:latest', 'true']);
    expect([again.stderr, again.exitCode]).toEqual(['', 0]);
  });

  it('the image loads; inside, its files are root\'s (the only id there is) with their modes', async () => {
    const store = await ownedStore('inside');
    const out = await ok(store, ['run', '--rm', OWNED, 'sh', '-c', 'stat -c "%u:%g %a %n" /srv/data /srv/tool /srv/sub /srv/sub/inner && id -u && cat /srv/sub/inner']);
    expect(out).toBe('0:0 640 /srv/data\n0:0 2755 /srv/tool\n0:0 700 /srv/sub\n0:0 600 /srv/sub/inner\n0\ninner\n');
  });

  for (const driver of ['overlay', 'fuse-overlayfs', 'copy']) {
    it(`export (${driver} driver) writes the owners the image had`, async () => {
      const store = await ownedStore(`export-${driver}`, { BURROW_STORAGE_DRIVER: driver });
      await ok(store, ['create', '--name', 'c', OWNED, 'true']);
      const out = join(mkdtempSync(join(dir, 'export-')), 'c.tar');
      await ok(store, ['export', '-o', out, 'c']);
      const seen = owners(out);
      expect(seen.get('srv/data')).toBe('-rw-r----- 1000/1000');
      expect(seen.get('srv/tool')).toBe('-rwxr-sr-x 0/42');
      expect(seen.get('srv/sub')).toBe('drwx------ 33/33');
      expect(seen.get('srv/sub/inner')).toBe('-rw------- 33/33');
      expect(seen.get('srv/hard')).toBe('-rw-r----- 1000/1000');
      // a symlink cannot carry the attribute: its owner is the one id there is
      expect(seen.get('srv/link')).toBe('lrwxrwxrwx 0/0');
      // and nothing of burrow's record leaks into the tar
      expect(execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-tvvf', out], { encoding: 'utf8', maxBuffer: 1 << 28 })).not.toContain('override_stat');
    });
  }

  it('save writes the layers with their owners; commit keeps the owner of a file the container changed', async () => {
    const store = await ownedStore('commit');
    await ok(store, ['run', '--name', 'changed', OWNED, 'sh', '-c', 'echo more >> /srv/data && chmod 600 /srv/tool && echo new > /srv/new']);
    await ok(store, ['commit', '-q', 'changed', 'localhost/committed']);
    const saved = join(mkdtempSync(join(dir, 'save-')), 'saved.tar');
    await ok(store, ['save', '-o', saved, 'localhost/committed']);
    const unpacked = mkdtempSync(join(dir, 'saved-'));
    execFileSync('tar', ['-xf', saved, '-C', unpacked]);
    const manifest = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
    const layers = manifest[0]?.Layers ?? [];
    expect(layers).toHaveLength(3);
    const middle = owners(join(unpacked, layers[1] as string));
    expect(middle.get('srv/data')).toBe('-rw-r----- 1000/1000');
    expect(middle.get('srv/sub/inner')).toBe('-rw------- 33/33');
    const top = owners(join(unpacked, layers[2] as string));
    expect(top.get('srv/data')).toBe('-rw-r----- 1000/1000'); // copied up, its owner with it
    expect(top.get('srv/tool')).toBe('-rw------- 0/42'); // the container's chmod, the image's owner
    expect(top.get('srv/new')).toBe('-rw-r--r-- 0/0'); // made by the container's root
    expect(await ok(store, ['run', '--rm', 'localhost/committed', 'cat', '/srv/data'])).toBe('data\nmore\n');
  });

  it('cp out of a container writes the owners the image had; cp in keeps a tar\'s owners as data', async () => {
    const store = await ownedStore('cp');
    await ok(store, ['create', '--name', 'c', OWNED, 'true']);
    const work = mkdtempSync(join(dir, 'cp-'));
    const file = await execa(BURROW, ['cp', 'c:/srv/data', '-'], { env: store.env, encoding: 'buffer' });
    writeFileSync(join(work, 'file.tar'), file.stdout);
    expect(owners(join(work, 'file.tar')).get('data')).toBe('-rw-r----- 1000/1000');
    const tree = await execa(BURROW, ['cp', 'c:/srv', '-'], { env: store.env, encoding: 'buffer' });
    writeFileSync(join(work, 'tree.tar'), tree.stdout);
    expect(owners(join(work, 'tree.tar')).get('srv/sub/inner')).toBe('-rw------- 33/33');

    const incoming = await makeTar([
      { name: 'in/', type: 'directory', uid: 70, gid: 70, mode: 0o750 },
      { name: 'in/f', data: 'f\n', uid: 71, gid: 72, mode: 0o604 },
    ]);
    // (--archive=false: the tar's ids, not the container user's, as podman)
    const put = await execa(BURROW, ['cp', '--archive=false', '-', 'c:/srv'], { env: store.env, input: incoming, reject: false });
    expect(withoutHostWarnings(put.stderr)).toBe('');
    expect(put.exitCode).toBe(0);
    const out = join(work, 'c.tar');
    await ok(store, ['export', '-o', out, 'c']);
    const seen = owners(out);
    expect(seen.get('srv/in')).toBe('drwxr-x--- 70/70');
    expect(seen.get('srv/in/f')).toBe('-rw----r-- 71/72');
  });

  it('a map that needs subordinate ids is one clear error, nothing created', async () => {
    const store = await ownedStore('errors');
    for (const args of [
      ['--userns', 'keep-id'],
      ['--uidmap', '0:1:100'],
    ]) {
      const r = await store.run(['create', '--name', 'x', ...args, OWNED, 'true']);
      expectOneError(r, /no subordinate ids/);
      expect(r.exitCode).toBe(125);
    }
    expect(await ok(store, ['ps', '-a', '-q'])).toBe('');
  });

  it('apt-get installs a local package in a Debian image; export writes every file\'s owner as the image had it', async (ctx) => {
    requireFeature(ctx, 'debian');
    const debian = process.env.BURROW_TEST_DEBIAN as string;
    const store = newStore('apt');
    await ok(store, ['import', '-q', debian, 'localhost/debian']);
    const pkgs = mkdtempSync(join(dir, 'deb-'));
    helloDeb(pkgs, 'chown 1000:1000 /usr/share/burrow-hello/data');
    const r = await store.run(['run', '--name', 'apt', '-v', `${pkgs}:/pkgs:ro`, 'localhost/debian', 'sh', '-c', 'apt-get install -y -q /pkgs/burrow-hello.deb && dpkg -s burrow-hello | grep Status'], { timeout: 120_000 });
    expect(r.stderr).not.toMatch(/^E: /m);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Setting up burrow-hello \(1\.0\)/);
    expect(r.stdout).toMatch(/Status: install ok installed\n$/);

    const out = join(pkgs, 'apt.tar');
    await ok(store, ['export', '-o', out, 'apt']);
    const before = owners(debian);
    const after = owners(out);
    // Every file, directory and fifo of the image that apt left alone has the owner it had (symlinks: see above).
    const changedByApt = /^(var\/(lib|cache|log)\/|etc\/ld\.so\.cache$|usr\/share\/burrow-hello|tmp$|var\/tmp$|$)/;
    let compared = 0;
    const notRoot: string[] = [];
    for (const [path, was] of before) {
      if (was.startsWith('l') || changedByApt.test(path)) continue;
      expect(after.get(path), path).toBe(was);
      compared++;
      if (!was.endsWith(' 0/0')) notRoot.push(path);
    }
    expect(compared).toBeGreaterThan(1000);
    // the image does have files of other owners (shadow's group, at least)
    expect(notRoot).toEqual(expect.arrayContaining(['etc/shadow']));
    expect(after.get('usr/share/burrow-hello/data')).toBe('-rw-r--r-- 0/0');
  }, 240_000);

  it('dnf installs a local rpm whose files and scriptlet give files to other ids; without the fakeroot rules it fails', async (ctx) => {
    // (dnf and rpm of Debian's image: no Fedora image can be had where these tests run)
    requireFeature(ctx, 'debian');
    const store = newStore('dnf');
    await ok(store, ['import', '-q', process.env.BURROW_TEST_DEBIAN as string, 'localhost/debian']);
    const work = mkdtempSync(join(dir, 'rpm-'));
    // rpm gives the file to daemon itself (%attr), the scriptlet (rpm's Lua, as it has no /bin/sh of its own) to 1000
    writeFileSync(
      join(work, 'hello.spec'),
      [
        'Name: burrow-hello',
        'Version: 1.0',
        'Release: 1',
        'Summary: does as root what packages do',
        'License: MIT',
        'BuildArch: noarch',
        'AutoReqProv: no',
        '%description',
        'a test package',
        '%install',
        'mkdir -p %{buildroot}/usr/share/burrow-hello',
        'echo hello > %{buildroot}/usr/share/burrow-hello/data',
        '%files',
        '%attr(0640,daemon,daemon) /usr/share/burrow-hello/data',
        '%post -p <lua>',
        'assert(posix.chown("/usr/share/burrow-hello/data", 1000, 1000))',
        '',
      ].join('\n'),
    );
    const script = (unconfined: boolean) =>
      [
        'rpmbuild -bb /work/hello.spec >/dev/null 2>&1 || { echo rpmbuild failed; exit 1; }',
        `dnf install -y -q --disablerepo='*' /root/rpmbuild/RPMS/noarch/burrow-hello-1.0-1.noarch.rpm${unconfined ? ' >/dev/null 2>&1' : ''}`,
        'rpm -q burrow-hello',
      ].join(' && ');
    const r = await store.run(['run', '--rm', '-v', `${work}:/work:ro`, 'localhost/debian', 'sh', '-c', script(false)], { timeout: 120_000 });
    expect(withoutHostWarnings(r.stderr)).not.toMatch(/Error/);
    expect([r.exitCode, r.stdout.trim().split('\n').pop()], r.stdout + r.stderr).toEqual([0, 'burrow-hello-1.0-1.noarch']);
    const control = await store.run(['run', '--rm', '--security-opt', 'seccomp=unconfined', '-v', `${work}:/work:ro`, 'localhost/debian', 'sh', '-c', script(true)], { timeout: 120_000 });
    expect(control.exitCode).not.toBe(0);
    expect(control.stdout).not.toContain('burrow-hello-1.0-1.noarch');
  }, 240_000);
});
