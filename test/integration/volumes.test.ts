/**
 * Volumes on real busybox containers: `volume create/ls/inspect/exists/rm/
 * prune/export/import`, named volumes that outlive their containers,
 * anonymous ones (the image's VOLUME, `-v /path`) kept until `rm -v`,
 * `--mount`, `--volumes-from`, and the `:O` (changes thrown away) and `:U`
 * (chowned to the container's user) options.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature } from '../helpers/fixtures.js';
import { buildTestImages, dockerArchiveEntries, makeTar, writeTar } from '../helpers/images.js';
import { expectOneError, lines } from '../helpers/run-cli.js';
import { loadedStore, type TestStore } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
/** base + /seed (files owned by 1000, a link out to the host's /etc/hostname), /seedlink -> ../../../../seed, /rootlink -> ../../.. */
const SEEDED = 'localhost/seeded:latest';

describeContainers('burrow volume, and volumes in containers', () => {
  let store: TestStore;
  const run = (...args: string[]) => store.run(['run', '--rm', ...args]);
  const volumes = async () => lines((await store.run(['volume', 'ls', '-q'])).stdout);

  beforeAll(async () => {
    const images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-volumes'));
    const seed = await makeTar([
      { name: 'seed/', type: 'directory', mode: 0o750, uid: 1000, gid: 1000 },
      { name: 'seed/conf', data: 'seeded\n', mode: 0o640, uid: 1000, gid: 1000 },
      { name: 'seed/sub/', type: 'directory' },
      { name: 'seed/sub/deep', data: 'deep\n' },
      { name: 'seed/hostlink', type: 'symlink', linkname: '/etc/hostname' },
      { name: 'seedlink', type: 'symlink', linkname: '../../../../seed' },
      { name: 'rootlink', type: 'symlink', linkname: '../../..' },
    ]);
    const seeded = await writeTar(join(images.dir, 'seeded.tar'), dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, seed] }, SEEDED));
    store = await loadedStore('volumes', images.plainOci, seeded);
    // An image with a VOLUME: the plain one, exported and imported with the instruction.
    expect((await store.run(['create', '--name', 'base', PLAIN, 'true'])).exitCode).toBe(0);
    const tarball = join(fixtures().dir, 'volumes-base.tar');
    expect((await store.run(['export', '-o', tarball, 'base'])).exitCode).toBe(0);
    expect((await store.run(['import', '-q', '-c', 'VOLUME /vol', '-c', 'CMD ["sh"]', tarball, 'localhost/withvol'])).exitCode).toBe(0);
    expect((await store.run(['rm', 'base'])).exitCode).toBe(0);
  });

  it('create, ls, inspect, exists: podman\'s output, labels and filters', async () => {
    expect((await store.run(['volume', 'create', 'first'])).stdout).toBe('first\n');
    expect((await store.run(['volume', 'create', '--label', 'tier=db', 'second'])).stdout).toBe('second\n');
    const generated = (await store.run(['volume', 'create'])).stdout.trim();
    expect(generated).toMatch(/^[0-9a-f]{64}$/);
    expect(lines((await store.run(['volume', 'ls'])).stdout)).toEqual(expect.arrayContaining([expect.stringMatching(/^DRIVER +VOLUME NAME$/), expect.stringMatching(/^local +first$/)]));
    expect(await volumes()).toEqual(expect.arrayContaining(['first', 'second', generated]));
    expect(lines((await store.run(['volume', 'ls', '-q', '--filter', 'label=tier=db'])).stdout)).toEqual(['second']);
    const [doc] = JSON.parse((await store.run(['volume', 'inspect', 'second'])).stdout) as Record<string, unknown>[];
    expect(doc).toMatchObject({ Name: 'second', Driver: 'local', Scope: 'local', Labels: { tier: 'db' }, Mountpoint: join(store.data, 'volumes', 'second', '_data') });
    expect((await store.run(['volume', 'exists', 'first'])).exitCode).toBe(0);
    expect((await store.run(['volume', 'exists', 'nothing'])).exitCode).toBe(1);
    const again = await store.run(['volume', 'create', 'first']);
    expectOneError(again, /^Error: volume with name first already exists/);
    expect((await store.run(['volume', 'create', '--ignore', 'first'])).stdout).toBe('first\n');
    expect((await store.run(['volume', 'rm', 'first', 'second', generated])).exitCode).toBe(0);
  });

  it('a named volume outlives its container and the next one sees it; -v NAME makes it; :ro is read-only', async () => {
    expect((await store.run(['run', '--name', 'writer', '-v', 'kept:/data', PLAIN, 'sh', '-c', 'echo saved > /data/f'])).exitCode).toBe(0);
    expect((await store.run(['rm', 'writer'])).exitCode).toBe(0);
    expect(await volumes()).toContain('kept');
    expect((await run('-v', 'kept:/data:ro', PLAIN, 'cat', '/data/f')).stdout).toBe('saved\n');
    const ro = await run('-v', 'kept:/data:ro', PLAIN, 'sh', '-c', 'echo x > /data/g');
    expect(ro.exitCode).not.toBe(0);
    expect(readFileSync(join(store.data, 'volumes', 'kept', '_data', 'f'), 'utf8')).toBe('saved\n');
  });

  it("anonymous volumes (the image's VOLUME, -v /path) are kept after rm and go with rm -v; run --rm takes its own", async () => {
    const before = await volumes();
    expect((await store.run(['run', '--name', 'anon', '-v', '/scratch', 'localhost/withvol', 'sh', '-c', 'echo a > /scratch/a; echo v > /vol/v'])).exitCode).toBe(0);
    const made = (await volumes()).filter((v) => !before.includes(v));
    expect(made).toHaveLength(2);
    expect((await store.run(['rm', 'anon'])).exitCode).toBe(0);
    expect(await volumes()).toEqual(expect.arrayContaining(made)); // kept, as podman's rm without -v
    expect((await store.run(['run', '--name', 'anon2', 'localhost/withvol', 'true'])).exitCode).toBe(0);
    const made2 = (await volumes()).filter((v) => !before.includes(v) && !made.includes(v));
    expect(made2).toHaveLength(1);
    expect((await store.run(['rm', '-v', 'anon2'])).exitCode).toBe(0);
    expect(await volumes()).not.toContain(made2[0]);
    const count = (await volumes()).length;
    expect((await run('localhost/withvol', 'true')).exitCode).toBe(0);
    expect(await volumes()).toHaveLength(count);
    expect((await store.run(['volume', 'rm', ...made])).exitCode).toBe(0);
  });

  it("a new volume's first mount copies the image's files at its path into it, with owners, modes and links (podman's copy-up)", async () => {
    const listing = 'cd /seed && stat -c "%n %u:%g %a" . conf sub sub/deep && cat conf && readlink hostlink';
    const first = await run('-v', 'seedvol:/seed', SEEDED, 'sh', '-c', listing);
    expect(first.stdout).toBe('. 1000:1000 750\nconf 1000:1000 640\nsub 0:0 755\nsub/deep 0:0 644\nseeded\n/etc/hostname\n');
    expect(first.exitCode).toBe(0);
    // A link, never the host's file it names (the volume, seen without the image around it).
    expect((await run('-v', 'seedvol:/x', PLAIN, 'stat', '-c', '%F %N', '/x/hostlink')).stdout).toBe("symbolic link '/x/hostlink' -> '/etc/hostname'\n");
    // Only the first mount copies: emptied, the volume stays empty.
    expect((await run('-v', 'seedvol:/seed', SEEDED, 'sh', '-c', 'rm -rf /seed/* && echo changed > /seed/mine')).exitCode).toBe(0);
    expect((await run('-v', 'seedvol:/seed', SEEDED, 'ls', '/seed')).stdout).toBe('mine\n');
    // A volume first mounted where the image has nothing takes no copy later either.
    expect((await run('-v', 'elsewhere:/nothing-here', SEEDED, 'true')).exitCode).toBe(0);
    expect((await run('-v', 'elsewhere:/seed', SEEDED, 'ls', '-A', '/seed')).stdout).toBe('');
    // nocopy: none at all.
    expect((await run('-v', 'plainvol:/seed:nocopy', SEEDED, 'ls', '-A', '/seed')).stdout).toBe('');
    expect((await run('--mount', 'type=volume,src=mountvol,dst=/seed,volume-nocopy', SEEDED, 'ls', '-A', '/seed')).stdout).toBe('');
    expect((await run('--mount', 'type=volume,src=mountcopy,dst=/seed', SEEDED, 'cat', '/seed/conf')).stdout).toBe('seeded\n');
    // An anonymous volume (-v /path) is filled the same way.
    expect((await run('-v', '/seed', SEEDED, 'cat', '/seed/sub/deep')).stdout).toBe('deep\n');
    // A volume path that is a link climbing out is resolved inside the root: the image's /seed, not the host's.
    expect((await run('-v', 'climb:/seedlink', SEEDED, 'cat', '/seedlink/conf')).stdout).toBe('seeded\n');
    expect((await run('-v', 'climb:/x', PLAIN, 'cat', '/x/conf')).stdout).toBe('seeded\n');
    expect((await store.run(['volume', 'rm', 'seedvol', 'elsewhere', 'plainvol', 'climb', 'mountvol', 'mountcopy'])).exitCode).toBe(0);
  });

  it('a volume path that resolves to the root copies the image, never what is mounted in it (/proc, /sys, /dev)', async () => {
    const r = await run('-v', 'rootcopy:/rootlink', SEEDED, 'true');
    expect(r.stderr).toBe('');
    const data = join(store.data, 'volumes', 'rootcopy', '_data');
    expect(existsSync(join(data, 'bin', 'busybox'))).toBe(true);
    expect((await run('-v', 'rootcopy:/mnt', PLAIN, 'cat', '/mnt/seed/conf')).stdout).toBe('seeded\n');
    for (const mounted of ['proc', 'sys', 'dev']) expect(existsSync(join(data, mounted)) ? readdirSync(join(data, mounted)) : []).toEqual([]);
    expect((await store.run(['volume', 'rm', 'rootcopy'])).exitCode).toBe(0);
  });

  it('volume rm of a volume in use: refused (2) until -f, which removes its containers', async () => {
    expect((await store.run(['create', '--name', 'user', '-v', 'busy:/b', PLAIN, 'true'])).exitCode).toBe(0);
    const r = await store.run(['volume', 'rm', 'busy']);
    expect(r.exitCode).toBe(2);
    expect(lines(r.stderr)).toEqual([expect.stringMatching(/^Error: volume busy is being used by the following container\(s\): [0-9a-f]{64}: volume is being used$/)]);
    expect((await store.run(['volume', 'rm', '-f', 'busy'])).stdout).toBe('busy\n');
    expect((await store.run(['container', 'exists', 'user'])).exitCode).toBe(1);
  });

  it('--mount bind, volume and tmpfs; --volumes-from shares another container\'s volumes, ro when asked', async () => {
    const dir = join(fixtures().dir, 'volumes-bind');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'host'), 'from the host\n');
    const r = await run('--mount', `type=bind,src=${dir},dst=/h,ro`, '--mount', 'type=volume,src=mounted,dst=/m', '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m', PLAIN, 'sh', '-c', 'cat /h/host; echo m > /m/m; grep " /t " /proc/mounts | cut -d" " -f3; touch /h/x 2>/dev/null || echo ro');
    expect(lines(r.stdout)).toEqual(['from the host', 'tmpfs', 'ro']);
    expect((await store.run(['create', '--name', 'sharer', '-v', 'mounted:/shared', PLAIN, 'true'])).exitCode).toBe(0);
    expect((await run('--volumes-from', 'sharer', PLAIN, 'cat', '/shared/m')).stdout).toBe('m\n');
    const ro = await run('--volumes-from', 'sharer:ro', PLAIN, 'sh', '-c', 'echo x > /shared/x');
    expect(ro.exitCode).not.toBe(0);
    expect((await store.run(['rm', 'sharer'])).exitCode).toBe(0);
  });

  it(':O mounts an overlay whose changes are thrown away; :U gives the volume to the container\'s user', async (ctx) => {
    expect((await run('-v', 'over:/o', PLAIN, 'sh', '-c', 'echo base > /o/f')).exitCode).toBe(0);
    const o = await run('-v', 'over:/o:O', PLAIN, 'sh', '-c', 'echo changed > /o/f; echo new > /o/n; cat /o/f');
    expect(o.stdout).toBe('changed\n');
    expect(readFileSync(join(store.data, 'volumes', 'over', '_data', 'f'), 'utf8')).toBe('base\n');
    expect(existsSync(join(store.data, 'volumes', 'over', '_data', 'n'))).toBe(false);
    requireFeature(ctx, 'subids');
    const u = await run('-u', '1000:1000', '-v', 'owned:/u:U', PLAIN, 'sh', '-c', 'stat -c %u:%g /u; touch /u/mine && echo wrote');
    expect(lines(u.stdout)).toEqual(['1000:1000', 'wrote']);
  });

  it('export and import: a tar of the volume\'s files, with their owners', async () => {
    expect((await run('-v', 'src:/s', PLAIN, 'sh', '-c', 'mkdir /s/d && echo x > /s/d/f && chown 1000:1000 /s/d/f 2>/dev/null; true')).exitCode).toBe(0);
    const tarball = join(fixtures().dir, 'volume.tar');
    expect((await store.run(['volume', 'export', '-o', tarball, 'src'])).exitCode).toBe(0);
    expect((await store.run(['volume', 'create', 'dst'])).exitCode).toBe(0);
    expect((await store.run(['volume', 'import', 'dst', tarball])).exitCode).toBe(0);
    const seen = await run('-v', 'dst:/d', PLAIN, 'sh', '-c', 'cat /d/d/f; stat -c %u /d/d/f');
    const src = await run('-v', 'src:/s', PLAIN, 'stat', '-c', '%u', '/s/d/f');
    expect(lines(seen.stdout)).toEqual(['x', src.stdout.trim()]);
  });

  it('volume prune asks, then removes only the volumes no container uses', async () => {
    expect((await store.run(['create', '--name', 'holder', '-v', 'held:/h', PLAIN, 'true'])).exitCode).toBe(0);
    expect((await store.run(['volume', 'create', 'loose'])).exitCode).toBe(0);
    const no = await store.run(['volume', 'prune'], { input: 'n\n' });
    expect(no.stdout).toMatch(/^WARNING! This will remove all volumes not used by at least one container/);
    expect(await volumes()).toContain('loose');
    const yes = await store.run(['volume', 'prune', '-f']);
    expect(lines(yes.stdout)).toContain('loose');
    expect(lines(yes.stdout)).not.toContain('held');
    expect(await volumes()).toEqual(['held']);
    const df = lines((await store.run(['system', 'df', '--format', '{{.Type}} {{.Total}} {{.Active}}'])).stdout);
    expect(df).toContain('Local Volumes 1 1');
    expect((await store.run(['rm', 'holder'])).exitCode).toBe(0);
    const sys = await store.run(['system', 'prune', '-f', '--volumes']);
    expect(sys.stdout).toMatch(/^Deleted Volumes\nheld\nTotal reclaimed space: /);
    expect(await volumes()).toEqual([]);
  });

  it('bad input: a bad name, driver, option or --mount, a missing volume: one error, nothing made', async () => {
    const before = await volumes();
    for (const [args, pattern, code] of [
      [['volume', 'create', 'bad/name'], /^Error: volume name `bad\/name` is invalid/, 125],
      [['volume', 'create', '--driver', 'nfs', 'x'], /^Error: volume driver `nfs` is not supported/, 125],
      [['volume', 'create', '--opt', 'type=tmpfs', 'x'], /^Error: volume option `type` is not supported/, 125],
      [['volume', 'inspect', 'nothing'], /^Error: no such volume nothing$/, 125],
      [['volume', 'rm', 'nothing'], /^Error: no volume with name "nothing" found: no such volume$/, 1],
      [['volume', 'export', 'nothing'], /^Error: no volume with name "nothing" found/, 125],
      [['run', '--rm', '--mount', 'type=bind,dst=/x', PLAIN, 'true'], /^Error: invalid --mount .*needs a source/, 125],
      [['run', '--rm', '--mount', 'type=nfs,dst=/x', PLAIN, 'true'], /^Error: invalid --mount .*type `nfs`/, 125],
      [['run', '--rm', '-v', 'v:/x:Q', PLAIN, 'true'], /^Error: invalid volume `v:\/x:Q`: unknown option `Q`/, 125],
    ] as [string[], RegExp, number][]) {
      const r = await store.run(args);
      expect(lines(r.stderr)).toEqual([expect.stringMatching(pattern)]);
      expect(r.exitCode).toBe(code);
    }
    expect(await volumes()).toEqual(before);
  });
});
