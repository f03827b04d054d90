/**
 * Expected failures, made for real: a store on a full filesystem, a
 * read-only store, `save -o` to places it cannot write, names too long for
 * podman, an XDG_RUNTIME_DIR that is missing or not writable, and commands
 * killed half-way (save, run --rm). Each failure is one `Error:` line naming
 * what was being done and where, exit 125, the store as it was, and never
 * "a bug in burrow"; each leftover of a kill is gone after the next command.
 *
 * The full-disk tests need a filesystem of their own to fill: `npm test` run
 * as root mounts a small tmpfs for the test user (BURROW_TEST_SMALL_FS);
 * without it they skip, saying why.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { acceptingEtc } from '../helpers/containers-conf.js';
import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages, dockerArchiveEntries, makeTar, type TestImages, writeTar } from '../helpers/images.js';
import { putImage, startFakeRegistry } from '../helpers/registry.js';
import { BURROW, expectOneError, lines } from '../helpers/run-cli.js';
import { imageNames, list, loadedStore, newStore, storeState, type TestStore, waitFor } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
let images: TestImages;
let work: string;
/** a root filesystem tarball, for import */
let tarball: string;

/** Fills the filesystem of `dir` to the last byte; returns the filler file. */
function fill(dir: string): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w', 0o600);
  try {
    for (const size of [1 << 20, 1 << 16, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size, 0x78);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

/** burrow started in the background (to be killed), and its end. */
function start(store: TestStore, args: string[]): { child: ReturnType<typeof spawn>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [BURROW, ...args], { env: { ...process.env, ...store.env }, stdio: 'ignore' });
  return { child, exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
}

/** Temporary names burrow leaves beside a target it writes (there must be none). */
const partials = (dir: string): string[] => list(dir).filter((n) => n.includes('.burrow-'));

describeContainers('expected failures', () => {
  beforeAll(async () => {
    work = join(fixtures().dir, 'failures-work');
    mkdirSync(work);
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-failures'));
    tarball = join(work, 'rootfs.tar');
    await execa('tar', ['-C', fixtures().rootfs, '-cf', tarball, '.']);
  });

  const small = fixtures().smallFs;
  if (small === undefined) process.stderr.write(`skipping "a store on a full filesystem": ${fixtures().missing.smallfs}\n`);
  describe.skipIf(small === undefined)(`a store on a full filesystem${small === undefined ? ` (skipped: ${fixtures().missing.smallfs})` : ''}`, () => {
    let store: TestStore;
    let root: string;
    let filler: string;

    beforeAll(async () => {
      root = mkdtempSync(join(small as string, 'full-'));
      mkdirSync(join(root, 'data'));
      store = newStore('full', { XDG_DATA_HOME: join(root, 'data') });
      store.data = join(root, 'data', 'burrow');
      expect((await store.run(['load', '-q', '-i', images.plainOci])).exitCode).toBe(0);
      expect((await store.run(['create', '--name', 'keep', PLAIN, 'true'])).exitCode).toBe(0);
      filler = fill(root);
    });
    // Its layers hold files of subordinate ids: removed in a user namespace that maps them, as podman unshare would.
    afterAll(() => {
      if (root !== undefined) spawnSync('unshare', ['--user', '--map-root-user', '--map-auto', 'rm', '-rf', root]);
    });

    const commands: { name: string; args: () => string[]; error: RegExp }[] = [
      { name: 'tag', args: () => ['tag', PLAIN, 'other'], error: /^Error: tag: write `[^`]*\/images\.json`: no space left on device$/m },
      { name: 'untag', args: () => ['untag', PLAIN], error: /^Error: untag: write `[^`]*\/images\.json`: no space left on device$/m },
      { name: 'create --name', args: () => ['create', '--name', 'c1', PLAIN, 'true'], error: /^Error: create: write `[^`]*\/container\.json`: no space left on device$/m },
      { name: 'run', args: () => ['run', '--rm', PLAIN, 'true'], error: /^Error: run: write `[^`]*\/container\.json`: no space left on device$/m },
      { name: 'run --name', args: () => ['run', '--name', 'r1', PLAIN, 'true'], error: /^Error: run: write `[^`]*\/container\.json`: no space left on device$/m },
      { name: 'import', args: () => ['import', '-q', tarball, 'imported'], error: /^Error: import: write `[^`]*`: no space left on device$/m },
      { name: 'load', args: () => ['load', '-q', '-i', images.cfgDocker], error: /^Error: .*`[^`]+`: no space left on device$/m },
      { name: 'save -o onto the full filesystem', args: () => ['save', '-o', join(root, 'out.tar'), PLAIN], error: /^Error: save: write `[^`]*\/out\.tar`: no space left on device$/m },
    ];

    it.each(commands)('$name: one Error line naming the file, exit 125, the store unchanged', async ({ args, error }) => {
      const before = storeState(store);
      const r = await store.run(args());
      expect(r.stdout).toBe('');
      expectOneError(r, error);
      expect(storeState(store)).toEqual(before);
      expect(partials(root)).toEqual([]);
      expect(existsSync(join(root, 'out.tar'))).toBe(false);
    });

    it('pull: one Error line, exit 125, the store unchanged, nothing of the layer kept for a resume', async () => {
      const fake = await startFakeRegistry();
      try {
        await putImage(fake, 'full/img:1', { layers: [await makeTar([{ name: 'big', data: randomBytes(300_000) }])] });
        const etc = acceptingEtc(join(work, 'full-etc'));
        const before = storeState(store);
        const r = await store.run(['pull', '-q', '--tls-verify=false', `${fake.host}/full/img:1`], { env: { BURROW_CONTAINERS_CONF_DIR: etc } });
        expect(r.stdout).toBe('');
        expectOneError(r, /^Error: .*: no space left on device$/m);
        expect(storeState(store)).toEqual(before);
        expect(list(join(store.data, 'tmp')).filter((f) => f.startsWith('download-'))).toEqual([]);
      } finally {
        await fake.stop();
      }
    });

    it('tag when a page is free but images.json needs more: refused whole, never a shortened images.json', async () => {
      // images.json over two pages (many names), then one page of room: one write(2) of it writes one page and says so.
      const names = Array.from({ length: 200 }, (_, i) => `localhost/many-names-for-one-image:tag-${i}`);
      unlinkSync(filler);
      expect((await store.run(['tag', PLAIN, ...names])).exitCode).toBe(0);
      const json = readFileSync(join(store.data, 'images.json'), 'utf8');
      expect(json.length).toBeGreaterThan(2 * 4096);
      filler = fill(root);
      truncateSync(filler, statSync(filler).size - 4096);
      const r = await store.run(['tag', PLAIN, 'one-more']);
      expectOneError(r, /^Error: tag: write `[^`]*\/images\.json`: no space left on device$/);
      expect(readFileSync(join(store.data, 'images.json'), 'utf8')).toBe(json);
      expect((await store.run(['images', '-q'])).exitCode).toBe(0);
      expect(list(join(store.data))).not.toContainEqual(expect.stringContaining('.tmp-'));
      unlinkSync(filler);
      expect((await store.run(['untag', PLAIN, ...names])).exitCode).toBe(0);
      filler = fill(root); // full again, as the cases above left it
    });

    it('every command works again once there is space', async () => {
      unlinkSync(filler);
      expect((await store.run(['tag', PLAIN, 'other'])).exitCode).toBe(0);
      const run = await store.run(['run', '--rm', '--name', 'r1', PLAIN, 'cat', '/etc/fixture']);
      expect(run.stdout).toBe('fixture\n');
      expect(run.exitCode).toBe(0);
      expect((await store.run(['import', '-q', tarball, 'imported'])).exitCode).toBe(0);
      expect((await store.run(['load', '-q', '-i', images.cfgDocker])).exitCode).toBe(0);
      expect((await store.run(['save', '-o', join(root, 'out.tar'), PLAIN])).exitCode).toBe(0);
      expect(imageNames(store)).toEqual(['localhost/cfg:latest', 'localhost/imported:latest', 'localhost/other:latest', PLAIN]);
      expect((await store.run(['start', '-a', 'keep'])).exitCode).toBe(0);
    });
  });

  describe('a read-only store', () => {
    let store: TestStore;
    const writable = (on: boolean): void => {
      for (const rel of ['', 'blobs/sha256', 'layers', 'containers', 'names', 'tmp', 'images.json', 'lock']) {
        const path = join(store.data, rel);
        chmodSync(path, (statSync(path).mode & 0o7777 & ~0o222) | (on ? 0o200 : 0));
      }
    };
    beforeAll(async () => {
      store = await loadedStore('readonly', images.plainOci);
      expect((await store.run(['create', '--name', 'keep', PLAIN, 'true'])).exitCode).toBe(0);
      expect((await store.run(['tag', PLAIN, 'other'])).exitCode).toBe(0); // takes the lock once: its file exists
      writable(false);
    });
    afterAll(() => writable(true));

    it.each([
      ['tag', PLAIN, 'third'],
      ['untag', 'other'],
      ['create', '--name', 'c1', PLAIN, 'true'],
      ['run', '--rm', PLAIN, 'true'],
      ['import', '-q', 'TARBALL', 'imported'],
      ['load', '-q', '-i', 'CFG'],
      ['rmi', 'other'],
      ['image', 'prune', '-a', '-f'],
      ['rm', 'keep'],
    ])('%s %s: one Error line, permission denied, exit 125, the store unchanged', async (...words) => {
      const args = words.map((w) => (w === 'TARBALL' ? tarball : w === 'CFG' ? images.cfgDocker : w));
      const before = storeState(store);
      const r = await store.run(args);
      expect(r.stdout).toBe('');
      expectOneError(r, /`[^`]+`: permission denied$/m);
      expect(storeState(store)).toEqual(before);
    });

    it('reads still work, and all of it again once writable', async () => {
      expect((await store.run(['images', '-q'])).exitCode).toBe(0);
      expect(lines((await store.run(['ps', '-a', '-q'])).stdout)).toHaveLength(1);
      writable(true);
      expect((await store.run(['run', '--rm', PLAIN, 'true'])).exitCode).toBe(0);
      expect((await store.run(['tag', PLAIN, 'third'])).exitCode).toBe(0);
      writable(false);
    });
  });

  describe('save -o where it cannot write', () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await loadedStore('save-bad', images.plainOci);
    });

    it('a directory that does not exist', async () => {
      const r = await store.run(['save', '-o', join(work, 'missing', 'out.tar'), PLAIN]);
      expectOneError(r, /^Error: write `[^`]*\/missing\/out\.tar`: no such file or directory$/);
      expect(existsSync(join(work, 'missing'))).toBe(false);
    });

    it('over a file the user cannot write: the file is kept as it was', async () => {
      const dir = mkdtempSync(join(work, 'ro-file-'));
      const target = join(dir, 'out.tar');
      writeFileSync(target, 'keep me\n', { mode: 0o444 });
      const r = await store.run(['save', '-o', target, PLAIN]);
      expectOneError(r, /^Error: write `[^`]*\/out\.tar`: permission denied$/);
      expect(readFileSync(target, 'utf8')).toBe('keep me\n');
      expect(partials(dir)).toEqual([]);
    });

    it('into a directory the user cannot write', async () => {
      const dir = mkdtempSync(join(work, 'ro-dir-'));
      chmodSync(dir, 0o555);
      try {
        const r = await store.run(['save', '-o', join(dir, 'out.tar'), PLAIN]);
        expectOneError(r, /^Error: write `[^`]*\/out\.tar`: permission denied$/);
        expect(list(dir)).toEqual([]);
      } finally {
        chmodSync(dir, 0o755);
      }
    });

    it('--format oci-dir into a directory that does not exist', async () => {
      const r = await store.run(['save', '--format', 'oci-dir', '-o', join(work, 'missing-parent', 'layout'), PLAIN]);
      expectOneError(r, /^Error: write `[^`]*\/missing-parent\/layout`: no such file or directory$/);
    });

    it('leaves no record of the temporary file in the store', async () => {
      expect(list(join(store.data, 'tmp'))).toEqual([]);
    });
  });

  describe('names podman and docker refuse', () => {
    let store: TestStore;
    const long = 'a'.repeat(300);
    beforeAll(async () => {
      store = await loadedStore('long-names', images.plainOci);
    });

    it.each([
      ['run', '--rm', '--name', long, PLAIN, 'true'],
      ['create', '--name', long, PLAIN, 'true'],
    ])('%s --name with 300 characters', async (...args) => {
      const before = storeState(store);
      const r = await store.run(args);
      expectOneError(r, /^Error: container name `a+\.\.\.` is invalid: it is 300 characters long, longer than 255$/);
      expect(storeState(store)).toEqual(before);
    });

    it.each([long, `localhost/${long}:latest`, `${'b/'.repeat(150)}c`])('tag with a reference of %#: over 255 characters', async (ref) => {
      const before = storeState(store);
      const r = await store.run(['tag', PLAIN, ref]);
      expectOneError(r, /^Error: invalid image name `[^`]+`: (the repository name is longer than 255 characters|it is \d+ characters long, longer than \d+)$/);
      expect(storeState(store)).toEqual(before);
    });

    it('a name of 255 characters is taken', async () => {
      const name = 'n'.repeat(255);
      const r = await store.run(['run', '--rm', '--name', name, PLAIN, 'true']);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    });
  });

  describe.each([
    ['missing, and not to be made', (): string => '/nonexistent-burrow-test/run'],
    [
      'not writable',
      (): string => {
        const dir = mkdtempSync(join(work, 'xdg-ro-'));
        chmodSync(dir, 0o500);
        return dir;
      },
    ],
  ])('XDG_RUNTIME_DIR %s', (_what, make) => {
    let store: TestStore;
    let runtime: string;
    const warning = /^Warning: runtime directory `[^`]+` cannot be used \([a-z ]+\): using `\/tmp\/burrow-run-\d+` instead$/;
    beforeAll(async () => {
      store = await loadedStore('xdg', images.plainOci);
      runtime = make();
    });

    it('run --rm, create, start, rm -f work, each saying so once', async () => {
      const env = { XDG_RUNTIME_DIR: runtime };
      const run = await store.run(['run', '--rm', PLAIN, 'echo', 'ran'], { env });
      expect(run.stdout).toBe('ran\n');
      expect(lines(run.stderr)).toEqual([expect.stringMatching(warning)]);
      expect(run.exitCode).toBe(0);

      const id = (await store.run(['create', PLAIN, 'sleep', '30'], { env })).stdout.trim();
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      const start = await store.run(['start', id], { env });
      expect(start.stdout).toBe(`${id}\n`);
      expect(lines(start.stderr)).toEqual([expect.stringMatching(warning)]);
      expect(start.exitCode).toBe(0);
      await waitFor('the container to run', async () => (await store.run(['ps', '-q', '--no-trunc'])).stdout.includes(id));

      const rm = await store.run(['rm', '-f', '-t', '0', id], { env });
      expect(rm.stdout).toBe(`${id}\n`);
      expect(lines(rm.stderr)).toEqual([expect.stringMatching(warning)]);
      expect(rm.exitCode).toBe(0);
      expect((await store.run(['ps', '-a', '-q'])).stdout).toBe('');
      expect(list(join(store.data, 'containers'))).toEqual([]);
    });
  });

  describe('what a killed command leaves is gone after the next command', () => {
    let store: TestStore;
    beforeAll(async () => {
      store = await loadedStore('killed', images.plainOci);
    });

    it('a save killed half-way: its partial file and its record', async () => {
      // An image big enough that the save is still writing when it is killed.
      const big = await makeTar([{ name: 'big', data: Buffer.alloc(96 << 20, 0x61) }]);
      const archive = await writeTar(join(work, 'big.tar'), dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, big] }, 'localhost/big:latest'));
      expect((await store.run(['load', '-q', '-i', archive])).exitCode).toBe(0);
      const dir = mkdtempSync(join(work, 'save-killed-'));
      const { child, exited } = start(store, ['save', '-o', join(dir, 'out.tar'), 'localhost/big:latest']);
      await waitFor('the save to write its temporary file', () => partials(dir).length === 1, 20_000);
      child.kill('SIGKILL');
      expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(partials(dir)).toHaveLength(1);
      expect(list(join(store.data, 'tmp')).filter((n) => n.startsWith('partial-'))).toHaveLength(1);

      const r = await store.run(['images', '-q']);
      expect(r.exitCode).toBe(0);
      expect(list(dir)).toEqual([]);
      expect(list(join(store.data, 'tmp'))).toEqual([]);
    });

    it('a run --rm whose monitor was killed: gone from ps -a, its name free again', async () => {
      const { child, exited } = start(store, ['run', '--rm', '--name', 'victim', PLAIN, 'sleep', '60']);
      await waitFor('the container to run', async () => (await store.run(['ps', '--format', '{{.Names}}'])).stdout === 'victim\n');
      child.kill('SIGKILL'); // burrow, which is now the helper: the container's monitor
      expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(list(join(store.data, 'containers'))).toHaveLength(1);

      const ps = await store.run(['ps', '-a', '--format', '{{.Names}} {{.Status}}']);
      expect(ps.stdout).toBe('');
      expect(ps.exitCode).toBe(0);
      expect(list(join(store.data, 'containers'))).toEqual([]);
      expect(list(join(store.data, 'names'))).toEqual([]);
      expect(list(join(store.data, 'tmp'))).toEqual([]);
    });

    it('a create killed after it took the name and before it wrote its record: the name is free again', async () => {
      // The copy driver copies the image before the record is written: time to be killed there.
      const { child, exited } = start({ ...store, env: { ...store.env, BURROW_STORAGE_DRIVER: 'copy' } }, ['create', '--name', 'half', PLAIN, 'true']);
      await waitFor('the create to take its name', () => list(join(store.data, 'names')).includes('half'), 20_000);
      child.kill('SIGKILL');
      await exited;
      const [id] = list(join(store.data, 'containers'));
      expect(id).toBeDefined();
      expect(existsSync(join(store.data, 'containers', id as string, 'container.json'))).toBe(false);

      expect((await store.run(['ps', '-a', '-q'])).stdout).toBe('');
      expect(list(join(store.data, 'containers'))).toEqual([]);
      expect(list(join(store.data, 'names'))).toEqual([]);
      const again = await store.run(['create', '--name', 'half', PLAIN, 'true']);
      expect(again.stderr).toBe('');
      expect(again.exitCode).toBe(0);
      expect((await store.run(['rm', 'half'])).exitCode).toBe(0);
    });

    it('an owner that has not yet named its lock is left alone; a named lock no one holds is a dead owner\'s', async () => {
      // holdFile names a lock only once it holds it: before, a sweeper that found a just-created lock
      // unlocked removed a live load's staging dir (seen as 8 parallel runs and 2 loads).
      const owner = (name: string, lock: (dir: string, file: string) => string): { staging: string; ctr: string } => {
        const staging = join(store.data, 'tmp', `ingest-${name}`);
        const ctr = join(store.data, 'containers', `${name}${'0'.repeat(64 - name.length)}`);
        for (const [dir, file] of [[staging, 'lock'], [ctr, '.creating']] as const) {
          mkdirSync(dir, { recursive: true });
          writeFileSync(lock(dir, file), '');
        }
        return { staging, ctr };
      };
      const live = owner('live', (dir, file) => join(dir, `.holding-${file}-${process.pid}-abc`));
      const dead = owner('dead', (dir, file) => join(dir, file));
      expect((await store.run(['ps', '-a', '-q'])).exitCode).toBe(0);
      expect((await store.run(['image', 'prune', '-f'])).exitCode).toBe(0);
      expect([existsSync(live.staging), existsSync(live.ctr)]).toEqual([true, true]);
      expect([existsSync(dead.staging), existsSync(dead.ctr)]).toEqual([false, false]);
      rmSync(live.staging, { recursive: true });
      rmSync(live.ctr, { recursive: true });
    });

    it('a run --rm --name whose monitor was killed does not keep the name from the next run', async () => {
      const { child, exited } = start(store, ['run', '--rm', '--name', 'again', PLAIN, 'sleep', '60']);
      await waitFor('the container to run', async () => (await store.run(['ps', '--format', '{{.Names}}'])).stdout === 'again\n');
      child.kill('SIGKILL');
      await exited;
      const r = await store.run(['run', '--rm', '--name', 'again', PLAIN, 'echo', 'free']);
      expect(r.stdout).toBe('free\n');
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(list(join(store.data, 'containers'))).toEqual([]);
    });
  });
});
