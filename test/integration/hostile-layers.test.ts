/**
 * Layers built to reach outside the store, through `load` (in a
 * docker-archive, on top of the base layer) and through `import` (the layer
 * itself as the tarball), and a running container that tries to smuggle a
 * host file into `export`:
 *
 *   - a directory whose times are set at the end of the layer, which a later
 *     entry turns into a symlink to a host file (or a parent of it into a
 *     symlink to a host directory): the host file's times must not change;
 *   - whiteouts that name their own directory or the one above (`.wh.`,
 *     `.wh..`, `.wh...`, `a/.wh...`): refused, naming the layer and the entry;
 *   - a container swapping a file for a symlink to a host file while it is
 *     exported: the host file's bytes are never in the export.
 *
 * The host files are real files in the test user's home.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';

import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages, dockerArchiveEntries, makeTar, type TarEntry, type TestImages, writeTar } from '../helpers/images.js';
import { lines } from '../helpers/run-cli.js';
import { list, loadedStore, newStore, storeState, type TestStore, treeSnapshot, waitFor } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
const OLD = new Date('2001-02-03T04:05:06Z');
let images: TestImages;
let work: string;
/** a directory in the test user's home standing for what a layer must not touch */
let home: string;

type How = 'load' | 'import';
const HOW: How[] = ['load', 'import'];

/** The layer of `entries` as `how` takes it: a docker-archive of base + layer, or the layer alone. */
async function archiveFor(how: How, name: string, entries: TarEntry[]): Promise<string> {
  const layer = await makeTar(entries);
  const file = join(work, `${how}-${name}.tar`);
  if (how === 'import') {
    writeFileSync(file, layer);
    return file;
  }
  return writeTar(file, dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, layer] }, 'localhost/hostile:latest'));
}

function bring(store: TestStore, how: How, archive: string) {
  return how === 'load' ? store.run(['load', '-q', '-i', archive]) : store.run(['import', '-q', archive, 'localhost/hostile:latest']);
}

function times(path: string): { atimeMs: number; mtimeMs: number } {
  const st = statSync(path);
  return { atimeMs: st.atimeMs, mtimeMs: st.mtimeMs };
}

describeContainers('hostile layers', () => {
  beforeAll(async () => {
    work = join(fixtures().dir, 'hostile-work');
    mkdirSync(work);
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-hostile'));
    home = mkdtempSync(join(homedir(), '.burrow-test-canary-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  describe.each(HOW)('through %s: times of a directory later made a symlink to the host', (how) => {
    let profile: string;
    let dir: string;
    beforeAll(() => {
      profile = join(home, `profile-${how}`);
      writeFileSync(profile, 'host file\n');
      dir = join(home, `dir-${how}`);
      mkdirSync(join(dir, 'd'), { recursive: true });
    });

    const cases: { name: string; entries: () => TarEntry[]; target: () => string; link: string; points: () => string }[] = [
      {
        name: 'd (mtime 1970-01-02), then d -> a file in the home',
        entries: () => [
          { name: 'd', type: 'directory', mtime: 86400 },
          { name: 'd', type: 'symlink', linkname: profile },
        ],
        target: () => profile,
        link: 'd',
        points: () => profile,
      },
      {
        name: 'd (mtime 1970-01-02), then d -> a directory in the home',
        entries: () => [
          { name: 'd', type: 'directory', mtime: 86400 },
          { name: 'd', type: 'symlink', linkname: dir },
        ],
        target: () => dir,
        link: 'd',
        points: () => dir,
      },
      {
        name: 'p/d (mtime 1970-01-02), then its parent p -> a directory in the home that has a d',
        entries: () => [
          { name: 'p', type: 'directory', mtime: 86400 },
          { name: 'p/d', type: 'directory', mtime: 86400 },
          { name: 'p', type: 'symlink', linkname: dir },
        ],
        target: () => join(dir, 'd'),
        link: 'p',
        points: () => dir,
      },
    ];

    it.each(cases)('$name: the host keeps its times; the image holds the symlink', async ({ name, entries, target, link, points }) => {
      for (const path of [profile, dir, join(dir, 'd')]) utimesSync(path, OLD, OLD);
      const before = times(target());
      const store = newStore(`times-${how}`);
      const archive = await archiveFor(how, name.replace(/\W+/g, '-'), entries());
      const r = await bring(store, how, archive);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(times(target())).toEqual(before);
      expect(times(profile).mtimeMs).toBe(OLD.getTime());
      // The layer as stored holds the symlink the last entry made (read on the host: it is never followed).
      const made = list(join(store.data, 'layers')).flatMap((l) => {
        try {
          return [readlinkSync(join(store.data, 'layers', l, 'diff', link))];
        } catch {
          return [];
        }
      });
      expect(made).toEqual([points()]);
      expect(times(target())).toEqual(before);
    });
  });

  describe.each(HOW)('through %s: entries below a directory that an earlier entry turned into a symlink to the host', (how) => {
    // The unpacker remembers the directories it made so as not to look again (layers/apply.ts):
    // a directory replaced by a symlink must be forgotten, with all below it.
    const cases: { name: string; entries: (dir: string) => TarEntry[]; smuggled: string }[] = [
      {
        name: 'd/, d/a, then d -> a home directory, then d/x',
        entries: (dir) => [
          { name: 'd/', type: 'directory' },
          { name: 'd/a', data: 'first\n' },
          { name: 'd', type: 'symlink', linkname: dir },
          { name: 'd/x', data: 'smuggled\n' },
        ],
        smuggled: 'x',
      },
      {
        name: 'p/, p/q/, p/q/f, then p -> a home directory, then p/q/x',
        entries: (dir) => [
          { name: 'p/', type: 'directory' },
          { name: 'p/q/', type: 'directory' },
          { name: 'p/q/f', data: 'first\n' },
          { name: 'p', type: 'symlink', linkname: dir },
          { name: 'p/q/x', data: 'smuggled\n' },
        ],
        smuggled: 'q/x',
      },
    ];
    it.each(cases)('$name: nothing is written in the home', async ({ name, entries, smuggled }) => {
      const dir = mkdtempSync(join(home, `below-${how}-`));
      mkdirSync(join(dir, 'q'));
      const store = newStore(`below-${how}`);
      const archive = await archiveFor(how, `below-${name.replace(/\W+/g, '-')}`, entries(dir));
      const r = await bring(store, how, archive);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(['q']);
      expect(readdirSync(join(dir, 'q'))).toEqual([]);
      // The entry went where the symlink leads inside the layer (its target taken from the layer's root).
      const layers = list(join(store.data, 'layers')).map((l) => join(store.data, 'layers', l, 'diff'));
      expect(layers.filter((d) => existsSync(join(d, dir, smuggled)))).toHaveLength(1);
    });
  });

  describe.each(HOW)('through %s: whiteouts that name no child of their directory are refused', (how) => {
    const cases: { name: string; entries: TarEntry[]; entry: string }[] = [
      { name: 'a top-level .wh.', entries: [{ name: '.wh.' }], entry: '.wh.' },
      { name: 'a top-level .wh.. (the layer root itself)', entries: [{ name: '.wh..' }], entry: '.wh..' },
      { name: 'a top-level .wh... (the staging directory above the layer)', entries: [{ name: '.wh...' }], entry: '.wh...' },
      { name: 'a/.wh... (the layer root, from a directory)', entries: [{ name: 'a/', type: 'directory' }, { name: 'a/.wh...' }], entry: 'a/.wh...' },
    ];
    let store: TestStore;
    beforeAll(async () => {
      store = await loadedStore(`wh-${how}`, images.plainOci);
    });

    it.each(cases)('$name', async ({ name, entries, entry }) => {
      const archive = await archiveFor(how, name.replace(/\W+/g, '-'), entries);
      const before = storeState(store);
      const layersBefore = treeSnapshot(join(store.data, 'layers'));
      const r = await bring(store, how, archive);
      expect(r.stdout).toBe('');
      expect(lines(r.stderr)).toHaveLength(1);
      // the layer (its file in the archive, or the tarball) and the entry
      const layer = how === 'load' ? /\.tar: [0-9a-f]{64}\.tar: / : new RegExp(`import \`${archive.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`: `);
      expect(r.stderr).toMatch(layer);
      expect(r.stderr).toContain(`layer entry \`${entry}\` is a whiteout that names`);
      expect(r.stderr).toMatch(/^Error: /);
      expect(r.stderr).not.toMatch(/bug/);
      expect(r.exitCode).toBe(125);
      expect(storeState(store)).toEqual({ ...before, tmp: [] });
      expect(treeSnapshot(join(store.data, 'layers'))).toEqual(layersBefore);
      expect(statSync(store.data).isDirectory()).toBe(true);
      const run = await store.run(['run', '--rm', PLAIN, 'cat', '/etc/fixture']);
      expect(run.stdout).toBe('fixture\n');
      expect(run.exitCode).toBe(0);
    });
  });

  it('export of a running container that keeps swapping a file for a symlink to a host file never carries the host file', async () => {
    const secret = join(home, 'secret');
    const marker = `HOST-SECRET-${process.pid}-${Date.now()}`;
    writeFileSync(secret, `${marker}\n`);
    const store = await loadedStore('export-race', images.plainOci);
    // /f is a file, then (renamed over it, atomically) a symlink to the host's secret, over and over.
    const loop = `while :; do echo inside > /f.new; mv -f /f.new /f; ln -sfn ${secret} /l.new; mv -f /l.new /f; done`;
    const id = (await store.run(['create', '--name', 'swapper', PLAIN, 'sh', '-c', loop])).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await store.run(['start', 'swapper'])).exitCode).toBe(0);
    // Also when the test times out (a finally would not run then, and the busy loop would outlive the run).
    onTestFinished(async () => {
      await store.run(['rm', '-f', '-t', '0', 'swapper']);
    });
    await waitFor('the container to run', async () => (await store.run(['ps', '-q'])).stdout.trim() !== '');
    const seen = { file: 0, link: 0 };
    for (let i = 0; i < 25; i++) {
      const r = await store.run(['export', 'swapper']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).not.toContain(marker);
      if (r.stdout.includes(secret)) seen.link++;
      else if (r.stdout.includes('inside\n')) seen.file++;
    }
    // The race was run: the export saw the file in both of its forms.
    expect(seen.link + seen.file).toBeGreaterThan(0);
    expect((await store.run(['rm', '-f', '-t', '0', 'swapper'])).exitCode).toBe(0);
    expect(readFileSync(secret, 'utf8')).toBe(`${marker}\n`);
  }, 120_000);
});
