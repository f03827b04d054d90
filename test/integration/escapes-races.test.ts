/**
 * Escapes by path: a container racing a symlink against the helper's mounts
 * (CVE-2021-30465) and against `burrow cp` (CVE-2018-15664), and images whose
 * config names hostile paths (User, WorkingDir, Volumes). Each race is run
 * for real by /bin/escape (test/fixtures/escape.c) from inside a container,
 * counted (the swaps, the runs or copies), and shown to have been met at
 * least once (the symlink followed, inside the root); the verdict is the
 * host's: a host directory given as the link's target stays empty, a host
 * file's bytes never come out.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { copyRootfs, describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages, dockerArchiveEntries, makeTar, type TestImages, writeTar } from '../helpers/images.js';
import { expectOneError, lines, runIn, spawnCli } from '../helpers/run-cli.js';
import { loadedStore, type TestStore } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';

/** A fresh, empty host directory: the target of the container's links, which must stay empty. */
function hostDir(name: string): string {
  return mkdtempSync(join(fixtures().dir, `${name}-`));
}

describeContainers('escapes: symlink races and hostile image paths', () => {
  let images: TestImages;
  let store: TestStore;
  const removals: (() => void)[] = [];

  beforeAll(async () => {
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-races'));
    store = await loadedStore('escape-races', images.plainOci);
  });
  afterAll(async () => {
    await store?.run(['rm', '-a', '-f', '-t', '0']);
    for (const remove of removals) remove();
  });

  it('CVE-2021-30465: a volume destination swapped for a symlink to a host directory while the container is set up', async () => {
    const host = hostDir('mount-target');
    const shared = hostDir('shared-volume');
    const source = hostDir('bind-source');
    writeFileSync(join(source, 'marker'), 'source\n');
    mkdirSync(join(shared, 'sub'));
    const attacker = copyRootfs();
    const victim = copyRootfs();
    removals.push(attacker.remove, victim.remove);
    // The host directory's path also exists inside the victim's root: a link resolved inside the root lands
    // there (which shows the race was met), one followed on the host would land in `host`.
    mkdirSync(join(victim.rootfs, host), { recursive: true });

    // The attacker shares the volume and swaps its `sub` (the victim's mount's parent) with a link to `host`.
    const swapper = spawnCli(['run', '--rm', '--rootfs', attacker.rootfs, '-v', `${shared}:/vol`, 'sh', '-c', `ln -s ${host} /vol/link && exec escape swap /vol/sub /vol/link 6`], { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    let runs = 0;
    let failed = 0;
    const deadline = Date.now() + 4500;
    while (Date.now() < deadline) {
      const r = await runIn(victim.rootfs, ['--rm', '-v', `${shared}:/vol`, '-v', `${source}:/vol/sub/deeper`, '--tmpfs', '/vol/sub/tmp', 'cat', '/vol/sub/deeper/marker'], { timeout: 15_000 });
      runs++;
      // A refusal of the helper's (125) names the step in one line; else the mount was made (cat may still
      // miss the marker: by then the link may be in the way again).
      if (r.exitCode === 125) {
        failed++;
        expect(lines(r.stderr), r.stderr).toHaveLength(1);
        expect(r.stderr).toMatch(/^Error: /);
      }
    }
    const done = await swapper;
    expect(done.exitCode, done.stderr).toBe(0);
    const swaps = Number(/^swaps (\d+)$/m.exec(done.stdout)?.[1]);
    expect(swaps).toBeGreaterThan(1000);
    expect(runs).toBeGreaterThan(5);
    // Met: a run saw the link (followed inside its root, or refused at a missing directory).
    const inRoot = readdirSync(join(victim.rootfs, host));
    expect(inRoot.length + failed, `runs ${runs}, failed ${failed}`).toBeGreaterThan(0);
    // The verdict: nothing was made in, or mounted over, the host directory.
    expect(readdirSync(host)).toEqual([]);
    expect(readFileSync(join(source, 'marker'), 'utf8')).toBe('source\n');
  });

  it('CVE-2018-15664: cp out of and into a running container whose path is swapped for a link to a host directory', async () => {
    const host = hostDir('cp-target');
    writeFileSync(join(host, 'secret'), 'HOST SECRET\n');
    const out = hostDir('cp-out');
    const payload = join(out, 'payload');
    writeFileSync(payload, 'payload\n');
    const run = await store.run(['run', '-d', '--name', 'racer', PLAIN, 'sleep', '300']);
    expect(run.exitCode, run.stderr).toBe(0);
    const prep = await store.run(['exec', 'racer', 'sh', '-c', `mkdir -p /data/dir ${host} && echo container > /data/dir/secret && echo in-root > ${host}/secret && ln -s ${host} /data/link`]);
    expect(prep.exitCode, prep.stderr).toBe(0);
    const swapper = store.spawn(['exec', 'racer', 'escape', 'swap', '/data/dir', '/data/link', '17'], { timeout: 40_000 });
    await new Promise((r) => setTimeout(r, 300));

    const seen = new Map<string, number>();
    let copiesIn = 0;
    // 9 s of copies, and on (up to 15 s, while the swaps go on) until one has met the link: each copy
    // meets it by chance, and on a slow machine 9 s made only about ten of them (all missed it once).
    const start = Date.now();
    const going = () => Date.now() - start < 9000 || (!seen.has('in-root') && Date.now() - start < 15_000);
    for (let i = 0; going(); i++) {
      const dest = join(out, `got-${i}`);
      const r = await store.run(['cp', 'racer:/data/dir/secret', dest]);
      const what = r.exitCode === 0 ? readFileSync(dest, 'utf8').trim() : 'refused';
      seen.set(what, (seen.get(what) ?? 0) + 1);
      const put = await store.run(['cp', payload, `racer:/data/dir/in-${i}`]);
      if (put.exitCode === 0) copiesIn++;
    }
    const done = await swapper;
    expect(done.exitCode, done.stderr).toBe(0);
    expect(Number(/^swaps (\d+)$/m.exec(done.stdout)?.[1])).toBeGreaterThan(1000);
    // Met: some copies out read through the link, inside the container's root.
    expect(seen.get('in-root') ?? 0, JSON.stringify([...seen])).toBeGreaterThan(0);
    // The verdict: the host's file never came out; nothing was copied into the host directory.
    expect(seen.has('HOST SECRET'), JSON.stringify([...seen])).toBe(false);
    expect(readdirSync(host)).toEqual(['secret']);
    expect(readFileSync(join(host, 'secret'), 'utf8')).toBe('HOST SECRET\n');
    // And the copies in went somewhere inside the container: each is there, in /data/dir or through the link.
    // The race is over: one of dir and link is the directory, the other the link to the root's own ${host}.
    const inside = await store.run(['exec', 'racer', 'sh', '-c', `for d in /data/dir /data/link; do [ -L $d ] || ls $d; done; ls ${host}`]);
    expect(inside.exitCode, inside.stderr).toBe(0);
    expect(lines(inside.stdout).filter((l) => l.startsWith('in-')).length).toBe(copiesIn);
    expect(copiesIn).toBeGreaterThan(0);
  }, 60_000);

  it("an image whose /etc/hosts, /etc/resolv.conf or /etc/localtime is a symlink: burrow's file is bound where it leads, inside the root (made there when missing); a loop or a magic link is refused; nothing of the host is written", async () => {
    const host = hostDir('name-links');
    const up = `../../../../../../../../../../..${host}`;
    const cases: [string, Record<string, string>, 'runs' | 'refused'][] = [
      ['dangling', { 'etc/hosts': '/nowhere/hosts', 'etc/resolv.conf': '../run/systemd/resolve/stub-resolv.conf', 'etc/localtime': '/usr/share/zoneinfo/Etc/UTC' }, 'runs'],
      ['climbing', { 'etc/hosts': `${up}/hosts`, 'etc/resolv.conf': `${host}/deeper/resolv.conf`, 'etc/localtime': `${up}/localtime` }, 'runs'],
      ['loop', { 'etc/hosts': '/etc/hosts2', 'etc/hosts2': '/etc/hosts' }, 'refused'],
      ['magic', { 'etc/hosts': `/proc/self/root${host}/magic` }, 'refused'],
    ];
    for (const [tag, links, expected] of cases) {
      const layer = await makeTar([{ name: 'etc/', type: 'directory' }, ...Object.entries(links).map(([name, linkname]) => ({ name, type: 'symlink' as const, linkname }))]);
      const archive = await writeTar(join(images.dir, `name-links-${tag}.tar`), dockerArchiveEntries({ config: { Env: ['PATH=/bin'], Cmd: ['sh'] }, layers: [images.baseLayer, layer] }, `localhost/name-links-${tag}:latest`));
      expect((await store.run(['load', '-q', '-i', archive])).exitCode).toBe(0);
      const r = await store.run(['run', '--rm', '--tz', 'Asia/Tokyo', '--add-host', 'probe.test:10.1.2.3', '--dns', '10.9.8.7', `localhost/name-links-${tag}:latest`, 'sh', '-c', 'grep -h probe.test /etc/hosts; grep -h 10.9.8.7 /etc/resolv.conf; date +%Z']);
      expect(r.exitCode === 0 ? 'runs' : 'refused', `${tag}: ${r.stderr}`).toBe(expected);
      if (r.exitCode === 0) expect(lines(r.stdout), tag).toEqual(['10.1.2.3\tprobe.test', 'nameserver 10.9.8.7', 'JST']);
      else expectOneError(r, /^Error: mount: openat2 `\/etc\/hosts`: Too many levels of symbolic links$/);
      expect(readdirSync(host), `${tag}: ${r.stdout}${r.stderr}`).toEqual([]);
    }
  });

  it('an image config with a hostile User, WorkingDir or Volumes (`../`, links out of the root) reaches nothing of the host', async () => {
    const host = hostDir('config-target');
    writeFileSync(join(host, 'passwd'), 'hostonly:x:4321:4321::/:/bin/sh\n');
    const up = `../../../../../../../../../../..${host}`;
    // The host directory's path exists in the image too: the links lead there, inside the root.
    const parents = host.split('/').filter(Boolean).map((_, i, parts) => ({ name: `${parts.slice(0, i + 1).join('/')}/`, type: 'directory' as const }));
    const layer = await makeTar([
      ...parents,
      { name: 'out', type: 'symlink', linkname: host },
      { name: 'up', type: 'symlink', linkname: up },
      { name: 'etc/', type: 'directory' },
      { name: 'etc/passwd', type: 'symlink', linkname: join(host, 'passwd') },
    ]);
    const volumes = { '/out/vol': {}, '/up/vol': {}, [`/../../../../../..${host}/dotdot`]: {} };
    // Each runs inside its root (links followed there) or is refused (a magic link, a user the root lacks).
    const cases: [string, Record<string, unknown>, 'runs' | 'refused'][] = [
      ['wd-out', { WorkingDir: '/out/sub', Volumes: volumes }, 'runs'],
      ['wd-up', { WorkingDir: '/up/sub' }, 'runs'],
      ['wd-dotdot', { WorkingDir: `/../../../../../..${host}` }, 'runs'],
      ['wd-proc', { WorkingDir: '/proc/self/root/tmp' }, 'refused'],
      ['wd-fd', { WorkingDir: '/proc/self/fd/3' }, 'refused'],
      ['user', { User: 'hostonly' }, 'refused'],
      ['user-dotdot', { User: '../../../../etc/passwd' }, 'refused'],
    ];
    for (const [tag, config, expected] of cases) {
      const archive = await writeTar(join(images.dir, `hostile-${tag}.tar`), dockerArchiveEntries({ config: { Env: ['PATH=/bin'], Cmd: ['escape', 'cwd', host], ...config }, layers: [images.baseLayer, layer] }, `localhost/hostile-${tag}:latest`));
      const loaded = await store.run(['load', '-q', '-i', archive]);
      expect(loaded.exitCode, loaded.stderr).toBe(0);
      const r = await store.run(['run', '--rm', `localhost/hostile-${tag}:latest`]);
      expect(r.exitCode === 0 ? 'runs' : 'refused', `${tag}: ${r.stderr}`).toBe(expected);
      if (r.exitCode === 0) {
        // It ran: inside its root, its working directory made there.
        expect(lines(r.stdout)[0], tag).toMatch(/^cwd \/[^(]*$/);
      } else {
        expect(lines(r.stderr), `${tag}: ${r.stderr}`).toHaveLength(1);
        expect(r.stderr, tag).toMatch(/^Error: /);
        expect(r.stderr, tag).not.toMatch(/bug in burrow/);
      }
      if (tag.startsWith('user')) expect(r.stderr, tag).toMatch(/unable to find user/);
      expect(readdirSync(host), `${tag}: ${r.stdout}${r.stderr}`).toEqual(['passwd']);
    }
    // The links were followed, inside the root: the volumes and the working directory are there.
    const inside = await store.run(['run', '--rm', 'localhost/hostile-wd-out:latest', 'sh', '-c', `cd ${host} && ls -d vol sub dotdot && pwd -P`]);
    expect([inside.stderr, lines(inside.stdout)]).toEqual(['', ['dotdot', 'sub', 'vol', host]]);
    expect(existsSync(join(host, 'vol'))).toBe(false);
  });
});
