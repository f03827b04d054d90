/**
 * --userns keep-id and --uidmap/--gidmap as the unprivileged user: what the
 * container sees (its maps, its user, the image's owners shown through
 * fuse-overlayfs), what the host sees (a volume's files are yours), exec in
 * the same namespace, inspect, and each refusal (one Error: line, exit 125,
 * no container left).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures, requireFeature, withoutHostWarnings } from '../helpers/fixtures.js';
import { dockerArchiveEntries, makeTar, writeTar } from '../helpers/images.js';
import { BURROW, expectOneError, lines, runIn } from '../helpers/run-cli.js';
import { loadedStore, runDetached, succeeded, type TestStore } from '../helpers/store.js';

describeContainers('user namespace modes', () => {
  let store: TestStore;
  const me = (): { uid: number; gid: number } => ({ uid: fixtures().uid, gid: fixtures().gid });
  beforeAll(async () => {
    if (fixtures().missing.subids !== undefined) return;
    const dir = mkdtempSync(join(fixtures().dir, 'userns-modes-'));
    // The fixture's files as root's, and files of other owners above them.
    const base = execFileSync('tar', ['-C', fixtures().rootfs, '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '.'], { maxBuffer: 256 << 20 });
    const owned = await makeTar([
      { name: 'owned/', type: 'directory' },
      { name: 'owned/five', uid: 5, gid: 6 },
      { name: 'owned/mine', uid: me().uid, gid: me().gid },
      { name: 'owned/high', uid: 3000, gid: 3001 },
    ]);
    const archive = await writeTar(join(dir, 'img.tar'), dockerArchiveEntries({ config: { Cmd: ['sh'], Env: ['PATH=/bin'] }, layers: [base, owned] }, 'localhost/um:latest'));
    store = await loadedStore('userns-modes', archive);
  }, 60_000);

  it('keep-id: your uid, gid and name inside, podman\'s map, the image\'s owners as stored, a volume file yours on the host', async (ctx) => {
    requireFeature(ctx, 'subids');
    const { uid, gid } = me();
    const vol = mkdtempSync(join(fixtures().dir, 'keepid-vol-'));
    const out = await succeeded(store, ['run', '--rm', '--userns', 'keep-id', '-v', `${vol}:/v`, 'localhost/um', 'sh', '-c',
      'cat /proc/self/uid_map; id -u; id -g; id -un; echo "home $HOME"; probe stat / /bin /owned/five /owned/mine /owned/high; echo hi > /v/made']);
    const l = lines(out).map((x) => x.trim().replace(/\s+/g, ' '));
    const sub = fixtures().subuids[0]?.start as number;
    expect(l.slice(0, 3)).toEqual([`0 ${sub} ${uid}`, `${uid} ${uid} 1`, `${uid + 1} ${sub + uid} ${65536 - uid}`].slice(0, fixtures().subuids[0]?.count === 65536 ? 3 : 2));
    expect(l).toContain(String(uid));
    expect(l).toContain(String(gid));
    expect(l).toContain(fixtures().user);
    expect(l).toContain('home /');
    // Root's files are root's, the others keep their owners (fuse-overlayfs's uidmapping).
    expect(out).toMatch(/^\/ dir \S+ \d+ 0 0$/m);
    expect(out).toMatch(/^\/bin dir \S+ \d+ 0 0$/m);
    expect(out).toMatch(/^\/owned\/five reg \S+ \d+ 5 6$/m);
    expect(out).toMatch(new RegExp(`^/owned/mine reg \\S+ \\d+ ${uid} ${gid}$`, 'm'));
    expect(out).toMatch(/^\/owned\/high reg \S+ \d+ 3000 3001$/m);
    const st = statSync(join(vol, 'made'));
    expect([st.uid, st.gid]).toEqual([uid, gid]);
  });

  it('keep-id:uid=,gid=: those ids, named as podman names them; --user still wins', async (ctx) => {
    requireFeature(ctx, 'subids');
    const out = await succeeded(store, ['run', '--rm', '--userns', 'keep-id:uid=200,gid=300', 'localhost/um', 'sh', '-c', 'probe ids; grep ^200: /etc/passwd; head -1 /proc/self/uid_map']);
    expect(out).toMatch(/200:\*:200:300:container user:\/:\/bin\/sh/);
    expect(out).toMatch(/^uid=200 gid=300|uid 200/m);
    const root = await succeeded(store, ['run', '--rm', '--userns', 'keep-id', '-u', '0', 'localhost/um', 'sh', '-c', 'id -u']);
    expect(root.trim()).toBe('0');
  });

  it('exec joins the same mapping and runs as the container\'s user; inspect shows podman\'s UsernsMode and IDMappings', async (ctx) => {
    requireFeature(ctx, 'subids');
    const { uid } = me();
    const id = await runDetached(store, '--userns', 'keep-id', 'localhost/um', 'sleep', '60');
    try {
      const out = await succeeded(store, ['exec', id, 'sh', '-c', 'id -u; cat /proc/self/uid_map']);
      expect(lines(out)[0]).toBe(String(uid));
      expect(out).toMatch(new RegExp(`^\\s*${uid}\\s+${uid}\\s+1$`, 'm'));
      expect((await succeeded(store, ['exec', '-u', '0', id, 'id', '-u'])).trim()).toBe('0');
      const shown = await succeeded(store, ['inspect', '--format', '{{.HostConfig.UsernsMode}} {{json .HostConfig.IDMappings.UidMap}}', id]);
      expect(shown.trim()).toBe(`private ["0:1:${uid}","${uid}:0:1","${uid + 1}:${uid + 1}:${(fixtures().subuids[0]?.count ?? 0) - uid}"]`);
    } finally {
      await store.run(['rm', '-f', id]);
    }
  });

  it('--uidmap alone maps uids and gids in rootless podman\'s terms (0 is you); with --rootfs the directory is used as it is', async (ctx) => {
    requireFeature(ctx, 'subids');
    const { uid } = me();
    const sub = fixtures().subuids[0]?.start as number;
    const r = await runIn(fixtures().rootfs, ['--uidmap', '0:1:10', '--uidmap', '10:0:1', 'sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; probe stat /bin']);
    expect(withoutHostWarnings(r.stderr)).toBe('');
    expect(r.exitCode).toBe(0);
    const l = lines(r.stdout).map((x) => x.trim().replace(/\s+/g, ' '));
    expect(l.slice(0, 4)).toEqual([`0 ${sub} 10`, `10 ${uid} 1`, `0 ${fixtures().subgids[0]?.start} 10`, `10 ${fixtures().gid} 1`]);
    expect(r.stdout).toMatch(/^\/bin dir \S+ \d+ 10 10$/m);
    // With an image: a map that permutes your id and every subordinate id shows the owners as stored.
    const n = (fixtures().subuids[0]?.count ?? 0) + 1;
    const out = await succeeded(store, ['run', '--rm', '--uidmap', `0:${n - 1}:1`, '--uidmap', `1:0:${n - 1}`, 'localhost/um', 'sh', '-c', 'id -u; probe stat /owned/five']);
    expect(out).toMatch(/^\/owned\/five reg \S+ \d+ 5 6$/m);
  });

  it('refuses host, auto with no room, impossible and overlapping maps, unmapped users, and another name\'s ranges: one Error: line, nothing created', async (ctx) => {
    requireFeature(ctx, 'subids');
    const cases: [string[], RegExp][] = [
      [['--userns', 'host'], /--userns host cannot be used: burrow runs without root and always makes a user namespace of its own/],
      [['--userns', 'auto:size=99999999'], /--userns auto:size=99999999: no room left: a slice of 99999999 ids does not fit among your \d+ subordinate ids/],
      [['--userns', 'auto:size=x'], /invalid --userns `auto:size=x`: `x` is not an id/],
      [['--userns', 'nomap', '--user', '70000'], /user `70000`: uid 70000 is not mapped in the container's user namespace/],
      [['--userns', 'nomap', '--pod', 'new:umpod2'], /--userns nomap cannot be given with shared namespaces/],
      [['--userns', 'keep-id:uid=abc'], /invalid --userns `keep-id:uid=abc`: `abc` is not an id/],
      [['--uidmap', '0:0:10', '--uidmap', '5:20:10'], /--uidmap\/--gidmap: the uid map is impossible: container ids 0-9 and 5-14 overlap/],
      [['--uidmap', '0:0:1', '--uidmap', '1:0:1'], /the uid map is impossible: ids 0-0 and 0-0 are mapped twice/],
      [['--uidmap', '0:0:1', '--uidmap', '1:1:99999999'], /uid \d+ of the default user namespace is not yours to map/],
      [['--uidmap', '0:0:1', '--uidmap', '1:1:10'], /an image's files are stored with your own id and your subordinate ids .* \(--rootfs DIR\)/],
      [['--uidmap', '0:1:2:3'], /invalid --uidmap `0:1:2:3`: expected CONTAINER:HOST:COUNT/],
      [['--subuidname', 'root'], /--subuidname root: no ranges for `root` in \/etc\/subuid|is not one of yours/],
      [['--userns', 'keep-id', '--uidmap', '0:0:1'], /--userns keep-id cannot be given with --uidmap or --gidmap/],
      [['--userns', 'keep-id', '--pod', 'new:umpod'], /--userns keep-id cannot be given with shared namespaces/],
    ];
    for (const [args, pattern] of cases) expectOneError(await store.run(['create', ...args, 'localhost/um', 'true']), pattern);
    expect((await succeeded(store, ['ps', '-a', '-q'])).trim()).toBe('');
    expect((await succeeded(store, ['pod', 'ps', '-q'])).trim()).toBe('');
    expectOneError(await runIn(fixtures().rootfs, ['--userns', 'host', 'true']), /--userns host cannot be used/);
  });

  describe('a user namespace of the container\'s own inside the default one (nomap, auto, maps without your id)', () => {
    /** `burrow run --rm ARGS localhost/um sh -c SCRIPT`'s lines, trimmed and with single spaces. */
    const inside = async (args: string[], script: string): Promise<string[]> =>
      lines(await succeeded(store, ['run', '--rm', ...args, 'localhost/um', 'sh', '-c', script])).map((x) => x.trim().replace(/\s+/g, ' '));
    const subs = (): number => fixtures().subuids.reduce((n, r) => n + r.count, 0);

    it('nomap: every subordinate id and not you, the image\'s owners as stored, your files nobody\'s, the process a subordinate id on the host', async (ctx) => {
      requireFeature(ctx, 'subids');
      const vol = mkdtempSync(join(fixtures().dir, 'nomap-vol-'));
      const l = await inside(['--userns', 'nomap', '-v', `${vol}:/v`], 'cat /proc/self/uid_map /proc/self/gid_map; id -u; probe stat / /bin /owned/five /owned/mine /owned/high /v; echo made > /made && probe stat /made');
      expect(l.slice(0, 3)).toEqual([`0 1 ${subs()}`, `0 1 ${subs()}`, '0']);
      expect(l.find((x) => x.startsWith('/ dir '))).toMatch(/ 0 0$/);
      expect(l.find((x) => x.startsWith('/bin '))).toMatch(/ 0 0$/);
      expect(l.find((x) => x.startsWith('/owned/five '))).toMatch(/ 5 6$/);
      expect(l.find((x) => x.startsWith('/owned/high '))).toMatch(/ 3000 3001$/);
      expect(l.find((x) => x.startsWith('/owned/mine '))).toMatch(new RegExp(` ${me().uid} ${me().gid}$`));
      // a volume of yours: you are not mapped, so it is nobody's
      expect(l.find((x) => x.startsWith('/v '))).toMatch(/ 65534 65534$/);
      expect(l.find((x) => x.startsWith('/made '))).toMatch(/ 0 0$/);
      // its terminal is its root's and the tty group's, as a container's of the default namespace is
      const pty = await store.run(['run', '--rm', '-t', '--userns', 'nomap', 'localhost/um', 'sh', '-c', 'probe stat "$(tty)"']);
      expect(pty.stdout.trim()).toMatch(/^\/dev\/pts\/\d+ \S+ \S+ \d+ 0 5$/);

      const id = await runDetached(store, '--userns', 'nomap', 'localhost/um', 'sleep', '60');
      try {
        const pid = Number((await succeeded(store, ['inspect', '--format', '{{.State.Pid}}', id])).trim());
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const first = fixtures().subuids[0]?.start as number;
        expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(first));
        // exec: the same namespace as the container's command, its ids; cp in and out with the container's owners
        const e = lines(await succeeded(store, ['exec', id, 'sh', '-c', 'cat /proc/self/uid_map; [ "$(readlink /proc/self/ns/user)" = "$(readlink /proc/1/ns/user)" ] && echo same; id -u']));
        expect(e.map((x) => x.trim().replace(/\s+/g, ' '))).toEqual([`0 1 ${subs()}`, 'same', '0']);
        expect(lines(await succeeded(store, ['exec', '--user', '5:6', id, 'id']))).toEqual(['uid=5 gid=6']);
        await succeeded(store, ['exec', id, 'sh', '-c', 'echo x > /tmp/out']);
        const src = join(vol, 'in.txt');
        writeFileSync(src, 'in\n');
        await succeeded(store, ['cp', src, `${id}:/tmp/in.txt`]);
        expect(lines(await succeeded(store, ['exec', id, 'probe', 'stat', '/tmp/in.txt']))[0]).toMatch(/ 0 0$/);
        const out = execFileSync(process.execPath, [BURROW, 'cp', `${id}:/tmp/out`, '-'], { env: { ...process.env, ...store.env } });
        writeFileSync(join(vol, 'out.tar'), out);
        expect(execFileSync('tar', ['--numeric-owner', '-tvf', join(vol, 'out.tar')], { encoding: 'utf8' })).toMatch(/^-\S+ 0\/0 /);
      } finally {
        await store.run(['rm', '-f', '-t', '0', id]);
      }
    });

    it('auto: each container a slice of its own, podman\'s least size or size=N; a slice is free again once its container is gone', async (ctx) => {
      requireFeature(ctx, 'subids');
      const a = (await succeeded(store, ['create', '--userns', 'auto', 'localhost/um', 'cat', '/proc/self/uid_map'])).trim();
      const b = (await succeeded(store, ['create', '--userns', 'auto:size=2000', 'localhost/um', 'cat', '/proc/self/uid_map'])).trim();
      try {
        const mapOf = async (c: string) => (await succeeded(store, ['start', '-a', c])).trim().split(/\s+/).map(Number);
        const [ma, mb] = [await mapOf(a), await mapOf(b)];
        // podman's size: the image's largest id in /etc/passwd and /etc/group plus one, at least 1024
        const ids = ['passwd', 'group'].flatMap((f) => readFileSync(join(fixtures().rootfs, 'etc', f), 'utf8').split('\n').flatMap((line) => line.split(':').slice(2, f === 'passwd' ? 4 : 3).map(Number)));
        const size = Math.max(1024, ...ids.filter((n) => n < 65534).map((n) => n + 1));
        expect(ma).toEqual([0, 1, size]);
        expect(mb).toEqual([0, 1 + size, 2000]);
        expect((await succeeded(store, ['inspect', '--format', '{{.HostConfig.IDMappings.UidMap}}', b])).trim()).toBe(`[0:${1 + size}:2000]`);
        // no room for one more than what is left; once a is gone, its slice is taken again
        const left = subs() - size - 2000;
        expectOneError(await store.run(['create', '--userns', `auto:size=${left + 1}`, 'localhost/um', 'true']), /no room left/);
        await succeeded(store, ['rm', a]);
        const c = (await succeeded(store, ['create', '--userns', 'auto:size=1000', 'localhost/um', 'cat', '/proc/self/uid_map'])).trim();
        expect(await mapOf(c)).toEqual([0, 1, 1000]);
        await succeeded(store, ['rm', c]);
      } finally {
        await store.run(['rm', '-f', a, b]);
      }
    });

    it('--uidmap without your id and --subuidname of your own name: nested too', async (ctx) => {
      requireFeature(ctx, 'subids');
      expect(await inside(['--uidmap', '0:1:4000'], 'cat /proc/self/uid_map /proc/self/gid_map; probe stat /bin /owned/high')).toEqual(
        expect.arrayContaining(['0 1 4000', expect.stringMatching(/^\/bin dir \S+ \d+ 0 0$/), expect.stringMatching(/^\/owned\/high reg \S+ \d+ 3000 3001$/)]),
      );
      // a uid map without you and a gid map with you: nested, your gid split off as the kernel wants it
      const vol = mkdtempSync(join(fixtures().dir, 'mixed-vol-'));
      const m = await inside(['--uidmap', '0:1:100', '--gidmap', '0:0:100', '-v', `${vol}:/v`], 'cat /proc/self/gid_map; id -g; probe stat /v');
      expect(m.slice(0, 3)).toEqual(['0 0 1', '1 1 99', '0']);
      expect(m[3]).toMatch(/^\/v dir \S+ \d+ 65534 0$/);
      // (one name alone names both, as in podman)
      const l = await inside(['--subuidname', fixtures().user], 'cat /proc/self/uid_map /proc/self/gid_map');
      expect(l.slice(0, 2)).toEqual([`0 1 ${subs()}`, `0 1 ${subs()}`]);
    });

    it('with its own network (pasta): the helper joins the namespace that owns the network, before the command\'s is made', async (ctx) => {
      requireFeature(ctx, 'subids');
      requireFeature(ctx, 'pasta');
      const l = await inside(['--userns', 'nomap', '--network', 'pasta'], 'cat /proc/self/uid_map; ip -o -4 addr show | grep -v " lo " | wc -l');
      expect(l).toEqual([`0 1 ${subs()}`, '1']);
    });
  });
});
