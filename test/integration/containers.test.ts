/**
 * Containers from images: the image config as `run` reads it, options over
 * it, layers (owners, whiteouts, sharing) as the container sees them, and
 * the container lifecycle (create, start, ps, rm, names, ids, --rm), on the
 * overlay driver and on the copy driver. One store for the file (fresh
 * XDG_DATA_HOME and XDG_RUNTIME_DIR); tests that count things in a store
 * take one of their own.
 */
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { lines } from '../helpers/run-cli.js';
import { list, newStore, planFiles, storeState, type TestStore, treeSnapshot, waitFor } from '../helpers/store.js';

const CFG = 'localhost/cfg:latest';
const PLAIN = 'localhost/plain:latest';
const WH = 'localhost/wh:latest';

let images: TestImages;
let store: TestStore;

/** Loads `archive` into `into` and checks that it said so. */
async function load(into: TestStore, archive: string, name: string): Promise<void> {
  const r = await into.run(['load', '-i', archive]);
  expect(r.stderr).toBe('');
  expect(r.exitCode).toBe(0);
  expect(lines(r.stdout)).toContain(`Loaded image: ${name}`);
}

/** `ps` rows as [id, ..., name] cells (columns are padded with two or more spaces; no cell holds two in a row). */
function psRows(stdout: string): string[][] {
  return lines(stdout)
    .slice(1)
    .map((l) => l.split(/\s{2,}/));
}

describeContainers('containers from images', () => {
  beforeAll(async () => {
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-containers'));
    store = newStore('containers');
    await load(store, images.cfgDocker, CFG);
    await load(store, images.plainOci, PLAIN);
    await load(store, images.wh, WH);
  });

  describe('the image config', () => {
    it('runs Entrypoint + Cmd with Env, WorkingDir and User', async () => {
      const r = await store.run(['run', '--rm', CFG]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('cmd:bar:/srv/work:1000:1000\n');
      expect(r.exitCode).toBe(0);
    });

    it('arguments replace Cmd and keep Entrypoint', async () => {
      const r = await store.run(['run', '--rm', CFG, 'echo args:$FOO:$(id -u)']);
      expect(r.stdout).toBe('args:bar:1000\n');
      expect(r.exitCode).toBe(0);
    });

    it('-e, -w and -u override Env, WorkingDir and User', async () => {
      const r = await store.run(['run', '--rm', '-e', 'FOO=over', '-w', '/tmp', '-u', '0', CFG]);
      expect(r.stdout).toBe('cmd:over:/tmp:0:0\n');
      expect(r.exitCode).toBe(0);
      const named = await store.run(['run', '--rm', '-u', 'tester', CFG, 'id -u; id -g']);
      expect(named.stdout).toBe('1000\n1000\n');
    });

    it('--entrypoint replaces Entrypoint and drops Cmd', async () => {
      const alone = await store.run(['run', '--rm', '--entrypoint', '/bin/echo', CFG]);
      expect(alone.stdout).toBe('\n');
      expect(alone.exitCode).toBe(0);
      const withArgs = await store.run(['run', '--rm', '--entrypoint', '/bin/echo', CFG, 'hello', 'world']);
      expect(withArgs.stdout).toBe('hello world\n');
      const json = await store.run(['run', '--rm', '--entrypoint', '["/bin/echo","-n","json"]', CFG]);
      expect(json.stdout).toBe('json');
    });

    it('mounts an anonymous volume at each of Volumes', async () => {
      const r = await store.run(['run', '--rm', CFG, 'cat /proc/mounts']);
      expect(r.exitCode).toBe(0);
      const mounts = lines(r.stdout).map((l) => l.split(' '));
      const data = mounts.filter((m) => m[1] === '/data');
      expect(data).toHaveLength(1);
      expect(mounts.find((m) => m[1] === '/')?.[2]).toBe('overlay');
      expect(data[0]?.[2]).not.toBe('overlay');
    });

    it('a command that is not there exits 127, one that cannot run 126', async () => {
      expect((await store.run(['run', '--rm', PLAIN, '/nonexistent'])).exitCode).toBe(127);
      expect((await store.run(['run', '--rm', PLAIN, '/etc/passwd'])).exitCode).toBe(126);
    });
  });

  describe('layers', () => {
    it('a file owned by uid 1000 in a layer is owned by 1000 in the container; in a setgid directory, each entry has the group the layer says', async () => {
      const r = await store.run(['run', '--rm', WH, 'stat', '-c', '%u:%g %a %n', '/owned', '/home/tester/mine', '/home/tester', '/shared', '/shared/root', '/shared/sub', '/shared/sub/root', '/shared/link']);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual([
        '1000:1000 644 /owned',
        '1000:1000 600 /home/tester/mine',
        '1000:1000 755 /home/tester',
        '0:1000 2775 /shared',
        '0:0 644 /shared/root',
        '0:0 755 /shared/sub',
        '0:0 644 /shared/sub/root',
        '0:0 777 /shared/link',
      ]);
      const asTester = await store.run(['run', '--rm', '-u', '1000', WH, 'cat', '/home/tester/mine']);
      expect(asTester.stdout).toBe('mine\n');
    });

    it('a whiteout in an upper layer hides the lower file', async () => {
      const upper = await store.run(['run', '--rm', WH, 'sh', '-c', 'test -e /etc/fixture; echo $?; ls -a /etc']);
      expect(lines(upper.stdout)[0]).toBe('1');
      expect(lines(upper.stdout)).not.toContain('fixture');
      expect(lines(upper.stdout)).toContain('passwd');
      const lower = await store.run(['run', '--rm', PLAIN, 'cat', '/etc/fixture']);
      expect(lower.stdout).toBe('fixture\n');
    });

    it('two images that share a base layer store it once', async () => {
      const own = newStore('shared');
      const r = await own.run(['load', '-i', images.shareA]);
      expect(r.stdout).toBe('Loaded image: localhost/sharea:latest\n');
      expect(list(join(own.data, 'layers'))).toHaveLength(2);
      const r2 = await own.run(['load', '-i', images.shareB]);
      expect(r2.stdout).toBe('Loaded image: localhost/shareb:latest\n');
      expect(list(join(own.data, 'layers'))).toHaveLength(3);
      const a = await own.run(['run', '--rm', 'localhost/sharea', 'sh', '-c', 'cat /a.txt; test -e /b.txt || echo no-b']);
      expect(a.stdout).toBe('sharea\nno-b\n');
      const b = await own.run(['run', '--rm', 'localhost/shareb', 'sh', '-c', 'cat /b.txt; test -e /a.txt || echo no-a']);
      expect(b.stdout).toBe('shareb\nno-a\n');
    });

    it("a container's writes do not change the image", async () => {
      const layers = join(store.data, 'layers');
      const before = treeSnapshot(layers);
      const w = await store.run(['run', '--rm', PLAIN, 'sh', '-c', 'echo x > /written && rm /etc/fixture && echo y >> /etc/passwd && chmod 700 /bin && echo done']);
      expect(w.stdout).toBe('done\n');
      const r = await store.run(['run', '--rm', PLAIN, 'sh', '-c', 'test -e /written || echo absent; cat /etc/fixture; tail -n 1 /etc/passwd; stat -c %a /bin']);
      expect(lines(r.stdout)).toEqual(['absent', 'fixture', 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false', '755']);
      expect(treeSnapshot(layers)).toEqual(before);
    });
  });

  describe('lifecycle', () => {
    it('--rm leaves nothing behind', async () => {
      const before = storeState(store);
      const ok = await store.run(['run', '--rm', PLAIN, 'true']);
      expect(ok.exitCode).toBe(0);
      const failing = await store.run(['run', '--rm', PLAIN, 'sh', '-c', 'echo out; exit 3']);
      expect(failing.stdout).toBe('out\n');
      expect(failing.exitCode).toBe(3);
      const after = storeState(store);
      expect(after.containers).toEqual(before.containers);
      expect(after.names).toEqual(before.names);
      expect(after.tmp).toEqual([]);
      expect(planFiles(store)).toEqual([]);
    });

    it("--rm and rm remove what a container made, however deep and whoever owns it, and follow none of its symlinks to the host's files", async () => {
      const host = mkdtempSync(join(fixtures().dir, 'kept-'));
      writeFileSync(join(host, 'keep'), 'keep\n');
      chmodSync(host, 0o777);
      chmodSync(join(host, 'keep'), 0o666);
      // Deeper than the helper walks itself (128 levels: then GNU rm's), another id's unreadable directory, and
      // symlinks to the bound host directory and its file, at the top and inside trees.
      const script = [
        'cd /tmp && mkdir deep && cd deep && i=0 && while [ $i -lt 300 ]; do mkdir d && cd d && i=$((i+1)); done && echo x > f',
        'mkdir /tmp/other && echo y > /tmp/other/g && chown -R 1234:1234 /tmp/other && chmod 000 /tmp/other',
        'ln -s /v/keep /tmp/link && ln -s /v /tmp/vlink && mkdir /tmp/sub && ln -s /v/keep /tmp/sub/l && ln -s /v /tmp/deep/d/d/v',
        'echo made',
      ].join(' && ');
      const before = storeState(store);
      for (const userns of [[], ['--userns', 'keep-id', '--user', '0']]) {
        const r = await store.run(['run', '--rm', ...userns, '-v', `${host}:/v`, PLAIN, 'sh', '-c', script]);
        expect({ out: r.stdout, err: r.stderr, code: r.exitCode }).toEqual({ out: 'made\n', err: '', code: 0 });
        expect(storeState(store)).toEqual(before);
      }
      const kept = await store.run(['run', '--name', 'made-then-rm', '-v', `${host}:/v`, PLAIN, 'sh', '-c', script]);
      expect({ out: kept.stdout, err: kept.stderr }).toEqual({ out: 'made\n', err: '' });
      expect((await store.run(['rm', 'made-then-rm'])).exitCode).toBe(0);
      expect(storeState(store)).toEqual(before);
      expect(readdirSync(host)).toEqual(['keep']);
      expect(readFileSync(join(host, 'keep'), 'utf8')).toBe('keep\n');
    });

    it('--name names the container; a name in use fails with 125', async () => {
      const first = await store.run(['create', '--name', 'fixed-name', PLAIN, 'true']);
      expect(first.exitCode).toBe(0);
      const id = first.stdout.trim();
      const again = await store.run(['run', '--name', 'fixed-name', PLAIN, 'true']);
      expect(again.exitCode).toBe(125);
      expect(lines(again.stderr)).toHaveLength(1);
      expect(again.stderr).toMatch(/^Error: .*fixed-name.*already in use/);
      const before = storeState(store);
      const create = await store.run(['create', '--name', 'fixed-name', PLAIN, 'true']);
      expect(create.exitCode).toBe(125);
      expect(storeState(store)).toEqual(before);
      const ps = await store.run(['ps', '-a', '--no-trunc']);
      expect(psRows(ps.stdout).find((row) => row[0] === id)?.at(-1)).toBe('fixed-name');
      expect((await store.run(['rm', 'fixed-name'])).stdout).toBe(`${id}\n`);
    });

    it('generated names are adjective_noun, ids are 64 hex digits', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await store.run(['create', PLAIN, 'true']);
        expect(r.exitCode).toBe(0);
        expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
        ids.push(r.stdout.trim());
      }
      const rows = psRows((await store.run(['ps', '-a', '--no-trunc'])).stdout);
      for (const id of ids) expect(rows.find((row) => row[0] === id)?.at(-1)).toMatch(/^[a-z]+_[a-z]+$/);
      expect((await store.run(['rm', ...ids])).stdout).toBe(ids.map((id) => `${id}\n`).join(''));
    });

    it('a unique id prefix works for start and rm', async () => {
      const id = (await store.run(['create', PLAIN, 'echo', 'by-prefix'])).stdout.trim();
      const started = await store.run(['start', '-a', id.slice(0, 12)]);
      expect(started.stdout).toBe('by-prefix\n');
      expect(started.exitCode).toBe(0);
      const removed = await store.run(['rm', id.slice(0, 7)]);
      expect(removed.stdout).toBe(`${id}\n`);
      expect(list(join(store.data, 'containers'))).not.toContain(id);
      const gone = await store.run(['rm', id.slice(0, 7)]);
      expect(gone.exitCode).toBe(1); // podman: 1 when a container was not found
      expect(gone.stderr).toMatch(/^Error: .*no such container\n$/);
    });

    it('create + start -a exits with the command\'s code; it can be started again', async () => {
      const id = (await store.run(['create', PLAIN, 'sh', '-c', 'echo ran; exit 7'])).stdout.trim();
      const ps = psRows((await store.run(['ps', '-a', '--no-trunc'])).stdout).find((row) => row[0] === id);
      expect(ps?.join(' ')).toContain('Created');
      for (let i = 0; i < 2; i++) {
        const r = await store.run(['start', '-a', id]);
        expect(r.stdout).toBe('ran\n');
        expect(r.exitCode).toBe(7);
      }
      const after = psRows((await store.run(['ps', '-a', '--no-trunc'])).stdout).find((row) => row[0] === id);
      expect(after?.join(' ')).toContain('Exited (7)');
      expect((await store.run(['rm', id])).exitCode).toBe(0);
    });

    it('start refuses a runtime directory that is not private, and writes no plan there', async () => {
      const id = (await store.run(['create', PLAIN, 'true'])).stdout.trim();
      const runtime = mkdtempSync(join(fixtures().dir, 'xdg-'));
      mkdirSync(join(runtime, 'burrow'), { mode: 0o755 });
      chmodSync(join(runtime, 'burrow'), 0o755);
      const r = await store.run(['start', id], { env: { XDG_RUNTIME_DIR: runtime } });
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toMatch(/^Error: runtime directory `[^`]*\/burrow` is not a private directory[^\n]*\n$/);
      expect(readdirSync(join(runtime, 'burrow'))).toEqual([]);
      expect((await store.run(['rm', id])).exitCode).toBe(0);
    });

    it('start without -a runs in the background: Up, then Exited (N)', async () => {
      const id = (await store.run(['create', '--name', 'bg', PLAIN, 'sh', '-c', 'sleep 2; exit 3'])).stdout.trim();
      const start = await store.run(['start', 'bg']);
      expect(start.stdout).toBe('bg\n');
      expect(start.exitCode).toBe(0);
      const running = await store.run(['ps']);
      const row = psRows(running.stdout).find((r) => r.at(-1) === 'bg');
      expect(row?.[0]).toBe(id.slice(0, 12));
      expect(row?.join(' ')).toMatch(/ Up /);
      await waitFor('the container to exit', async () => !(await store.run(['ps', '-q'])).stdout.includes(id.slice(0, 12)));
      const exited = psRows((await store.run(['ps', '-a'])).stdout).find((r) => r.at(-1) === 'bg');
      expect(exited?.join(' ')).toMatch(/Exited \(3\)/);
      expect((await store.run(['rm', 'bg'])).exitCode).toBe(0);
    });

    it('start without -a reads the helper\'s status: a command that cannot start fails the start with the helper\'s words', async () => {
      const id = (await store.run(['create', '--name', 'bad-start', PLAIN, '/nonexistent'])).stdout.trim();
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      const start = await store.run(['start', 'bad-start']);
      expect(start.stdout).toBe('');
      expect(start.stderr).toMatch(/^Error: executable file `\/nonexistent` not found: No such file or directory\n$/);
      expect(start.exitCode).toBe(125);
      const exited = psRows((await store.run(['ps', '-a'])).stdout).find((r) => r.at(-1) === 'bad-start');
      expect(exited?.join(' ')).toMatch(/Exited \(127\)/);
      expect((await store.run(['rm', 'bad-start'])).exitCode).toBe(0);
    });

    it('ps lists running containers; -a all, -q ids, --no-trunc full ids and commands', async () => {
      const running = (await store.run(['create', '--name', 'ps-running', PLAIN, 'sleep', '30'])).stdout.trim();
      const exited = (await store.run(['create', '--name', 'ps-exited', PLAIN, 'sh', '-c', 'echo a long command line that is cut'])).stdout.trim();
      try {
        expect((await store.run(['start', 'ps-running'])).exitCode).toBe(0);
        expect((await store.run(['start', '-a', 'ps-exited'])).exitCode).toBe(0);

        const ps = await store.run(['ps']);
        expect(lines(ps.stdout)[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
        const names = psRows(ps.stdout).map((r) => r.at(-1));
        expect(names).toContain('ps-running');
        expect(names).not.toContain('ps-exited');
        const row = psRows(ps.stdout).find((r) => r.at(-1) === 'ps-running');
        expect(row?.[1]).toBe(PLAIN);
        expect(row?.[2]).toBe('sleep 30');

        const all = await store.run(['ps', '-a']);
        const allRows = psRows(all.stdout);
        expect(allRows.map((r) => r.at(-1))).toEqual(expect.arrayContaining(['ps-running', 'ps-exited']));
        expect(allRows.find((r) => r.at(-1) === 'ps-exited')?.[2]).toBe('sh -c echo a long...');

        const quiet = lines((await store.run(['ps', '-q'])).stdout);
        expect(quiet).toContain(running.slice(0, 12));
        expect(quiet).not.toContain(exited.slice(0, 12));
        for (const l of quiet) expect(l).toMatch(/^[0-9a-f]{12}$/);

        const quietAll = lines((await store.run(['ps', '-a', '-q', '--no-trunc'])).stdout);
        expect(quietAll).toEqual(expect.arrayContaining([running, exited]));
        for (const l of quietAll) expect(l).toMatch(/^[0-9a-f]{64}$/);

        const full = psRows((await store.run(['ps', '-a', '--no-trunc'])).stdout).find((r) => r.at(-1) === 'ps-exited');
        expect(full?.[0]).toBe(exited);
        expect(full?.[2]).toBe('sh -c echo a long command line that is cut');
      } finally {
        await store.run(['rm', '-f', running, exited]);
      }
    });

    it('rm refuses a running container without -f (exit 2, as podman); -f kills and removes it', async () => {
      const running = (await store.run(['create', PLAIN, 'sleep', '30'])).stdout.trim();
      const other = (await store.run(['create', PLAIN, 'true'])).stdout.trim();
      expect((await store.run(['start', running])).exitCode).toBe(0);
      await waitFor('ps to show it running', async () => (await store.run(['ps', '-q', '--no-trunc'])).stdout.includes(running));

      const alone = await store.run(['rm', running]);
      expect(alone.exitCode).toBe(2);
      expect(alone.stderr).toMatch(/^Error: .*running.*\n$/);
      const both = await store.run(['rm', running, other]);
      expect(both.exitCode).toBe(2);
      expect(both.stdout).toBe(`${other}\n`);
      expect(lines(both.stderr)).toHaveLength(1);
      expect(list(join(store.data, 'containers'))).toContain(running);

      // sleep as PID 1 ignores SIGTERM: -f waits -t seconds, then SIGKILL
      const started = Date.now();
      const forced = await store.run(['rm', '-f', '-t', '1', running]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(forced.exitCode).toBe(0);
      expect(forced.stdout).toBe(`${running}\n`);
      expect(list(join(store.data, 'containers'))).not.toContain(running);
      expect((await store.run(['ps', '-a', '-q', '--no-trunc'])).stdout).not.toContain(running);
      expect(storeState(store).tmp).toEqual([]);
    });

    it("rm -f stops with the image's stop signal first: a container that handles it ends at once", async () => {
      const id = (await store.run(['create', PLAIN, 'probe', 'trap', 'TERM'])).stdout.trim();
      expect((await store.run(['start', id])).exitCode).toBe(0);
      await waitFor('the container to be ready', () => {
        try {
          return readFileSync(join(store.data, 'containers', id, 'ctr.log'), 'utf8').includes('ready');
        } catch {
          return false;
        }
      });
      const started = Date.now();
      const forced = await store.run(['rm', '-f', id]);
      // well before the 10 s after which SIGKILL would come
      expect(Date.now() - started).toBeLessThan(5000);
      expect(forced.exitCode).toBe(0);
      expect(list(join(store.data, 'containers'))).not.toContain(id);
    });

    it('rm -t refuses what is not a number of seconds', async () => {
      const r = await store.run(['rm', '-f', '-t', 'soon', 'whatever']);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toMatch(/^Error: invalid --time `soon`/);
    });
  });

  // The fallbacks where the kernel's overlayfs cannot be mounted in a user namespace (Linux < 5.11).
  const fuseMissing = fuseOverlayfsMissing();
  describe.each([
    ['copy', 'rootfs'],
    ['fuse-overlayfs', 'merged'],
  ] as const)('the %s driver (BURROW_STORAGE_DRIVER)', (driver, rootDir) => {
    const copy = { env: { BURROW_STORAGE_DRIVER: driver } };
    const need = (ctx: { skip: (note?: string) => never; task: { name: string } }): void => {
      if (driver !== 'fuse-overlayfs' || fuseMissing === undefined) return;
      process.stderr.write(`skipping "${ctx.task.name}": ${fuseMissing}\n`);
      ctx.skip(fuseMissing);
    };

    it('runs the image config the same way', async (ctx) => {
      need(ctx);
      const r = await store.run(['run', '--rm', CFG], copy);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('cmd:bar:/srv/work:1000:1000\n');
      expect(r.exitCode).toBe(0);
      const mounts = await store.run(['run', '--rm', CFG, 'cat /proc/mounts'], copy);
      expect(lines(mounts.stdout).filter((l) => l.split(' ')[1] === '/data')).toHaveLength(1);
      const rootType = lines(mounts.stdout).find((l) => l.split(' ')[1] === '/')?.split(' ')[2];
      // copy: the container's own directory; fuse-overlayfs: its FUSE mount, not the kernel's overlay
      if (driver === 'copy') expect(rootType).not.toMatch(/overlay/);
      else expect(rootType).toBe('fuse.fuse-overlayfs');
    });

    it('keeps owners and whiteouts', async (ctx) => {
      need(ctx);
      const r = await store.run(['run', '--rm', WH, 'sh', '-c', 'stat -c %u:%g /owned /home/tester/mine; test -e /etc/fixture; echo $?'], copy);
      expect(r.stderr).toBe('');
      expect(lines(r.stdout)).toEqual(['1000:1000', '1000:1000', '1']);
    });

    it("a container's writes do not change the image; --rm leaves nothing", async (ctx) => {
      need(ctx);
      const layers = join(store.data, 'layers');
      const before = treeSnapshot(layers);
      const state = storeState(store);
      const w = await store.run(['run', '--rm', PLAIN, 'sh', '-c', 'echo x > /written && rm /etc/fixture && echo done'], copy);
      expect(w.stdout).toBe('done\n');
      const r = await store.run(['run', '--rm', PLAIN, 'sh', '-c', 'test -e /written || echo absent; cat /etc/fixture'], copy);
      expect(r.stdout).toBe('absent\nfixture\n');
      expect(treeSnapshot(layers)).toEqual(before);
      const after = storeState(store);
      expect(after.containers).toEqual(state.containers);
      expect(after.tmp).toEqual([]);
      expect(planFiles(store)).toEqual([]);
    });

    it('create + start -a', async (ctx) => {
      need(ctx);
      const id = (await store.run(['create', PLAIN, 'sh', '-c', 'cat /etc/fixture; exit 4'], copy)).stdout.trim();
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      const record = JSON.parse(readFileSync(join(store.data, 'containers', id, 'container.json'), 'utf8')) as { driver: string };
      expect(record.driver).toBe(driver);
      expect(list(join(store.data, 'containers', id))).toContain(rootDir);
      const r = await store.run(['start', '-a', id]);
      expect(r.stdout).toBe('fixture\n');
      expect(r.exitCode).toBe(4);
      expect((await store.run(['rm', id])).exitCode).toBe(0);
      expect(list(join(store.data, 'containers'))).not.toContain(id);
    });

    it("diff and commit read fuse-overlayfs's own whiteouts and opaque marks as it means them", async (ctx) => {
      if (driver === 'copy') ctx.skip('the copy driver keeps no layer of changes (diff and commit refuse it)');
      need(ctx);
      const name = `fuse-changes-${Date.now()}`;
      const made = await store.run(['run', '--name', name, PLAIN, 'sh', '-c', 'rm /etc/fixture && mkdir /newdir && echo n > /newdir/f'], copy);
      expect(made.exitCode, made.stderr).toBe(0);
      const diff = lines((await store.run(['diff', name])).stdout);
      expect(diff).toEqual(expect.arrayContaining(['D /etc/fixture', 'A /newdir', 'A /newdir/f']));
      expect(diff.filter((l) => l.includes('.wh.'))).toEqual([]);
      const committed = await store.run(['commit', '-q', name, `localhost/${name}`]);
      expect(committed.exitCode, committed.stderr).toBe(0);
      const r = await store.run(['run', '--rm', `localhost/${name}`, 'sh', '-c', 'test -e /etc/fixture || echo deleted; cat /newdir/f; ls -a /newdir']);
      expect(lines(r.stdout)).toEqual(['deleted', 'n', '.', '..', 'f']);
      expect((await store.run(['rm', name])).exitCode).toBe(0);
      expect((await store.run(['rmi', `localhost/${name}`])).exitCode).toBe(0);
    });

    it('no process of the driver is left, nor seen inside', async (ctx) => {
      need(ctx);
      const r = await store.run(['run', '--rm', PLAIN, 'sh', '-c', 'ps -o comm'], copy);
      expect(r.stdout).not.toMatch(/fuse/);
      expect(fuseDaemons()).toEqual([]);
    });
  });
});

/** Why fuse-overlayfs cannot be used here, or undefined. */
function fuseOverlayfsMissing(): string | undefined {
  const path = (process.env.PATH ?? '/usr/bin:/bin').split(':').map((d) => join(d, 'fuse-overlayfs'));
  if (!path.some((p) => { try { accessSync(p, constants.X_OK); return true; } catch { return false; } })) return 'fuse-overlayfs is not installed';
  try {
    accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/fuse is not open to this user';
  }
  return undefined;
}

/** fuse-overlayfs processes of this user still running. */
function fuseDaemons(): string[] {
  const uid = process.getuid?.();
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (!status.includes(`\nUid:\t${uid}\t`)) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/usr/bin/fuse-overlayfs') || /^Name:\tfuse-overlayfs/m.test(status)) out.push(pid);
    } catch {
      // gone
    }
  }
  return out;
}
