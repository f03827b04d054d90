/**
 * `burrow images` (and image ls/list), `burrow tag` and `burrow untag`:
 * podman's columns, one row per name, -q/--no-trunc/--format (fields,
 * table, json), names normalized as podman does; bad input (an unknown
 * image, a bad name, a bad template) gives one `Error:` line, exit 125 and
 * an unchanged store.
 */
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { lines } from '../helpers/run-cli.js';
import { imageId, imageNames, loadedStore, newStore, storeState } from '../helpers/store.js';

let images: TestImages;

describeContainers('burrow images, tag, untag', () => {
  beforeAll(async () => {
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-images'));
  });

  describe('images', () => {
    it('lists one row per name in podman columns', async () => {
      const store = await loadedStore('images-list', images.plainDocker, images.cfgOci);
      const plain = await imageId(store, 'plain');
      const r = await store.run(['images']);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      const out = lines(r.stdout);
      expect(out[0]).toMatch(/^REPOSITORY {2,}TAG {9}IMAGE ID {6}CREATED {2,}SIZE$/);
      expect(out).toHaveLength(3);
      const row = out.find((l) => l.startsWith('localhost/plain '));
      expect(row).toMatch(new RegExp(`^localhost/plain +latest +${plain.slice(0, 12)}  .+ ago +\\d+(\\.\\d+)? [kM]B$`));
      // The same command under its other names (a second may have passed: the CREATED column aside).
      const sameAside = (text: string): string => text.replace(/(Less than a second|\d+ seconds?) ago/g, 'N ago').replace(/ +/g, ' ');
      expect(sameAside((await store.run(['image', 'ls'])).stdout)).toBe(sameAside(r.stdout));
      expect(sameAside((await store.run(['image', 'list'])).stdout)).toBe(sameAside(r.stdout));
    });

    it('-q prints each id once, --no-trunc the full id', async () => {
      const store = await loadedStore('images-q', images.plainDocker);
      const id = await imageId(store, 'plain');
      expect((await store.run(['tag', 'plain', 'other'])).exitCode).toBe(0);
      expect((await store.run(['images', '-q'])).stdout).toBe(`${id.slice(0, 12)}\n`);
      expect((await store.run(['images', '-q', '--no-trunc'])).stdout).toBe(`sha256:${id}\n`);
      const full = await store.run(['images', '--no-trunc']);
      expect(lines(full.stdout).slice(1).every((l) => l.includes(`sha256:${id}`))).toBe(true);
      expect(lines(full.stdout)).toHaveLength(3);
    });

    it('--format with fields, escapes, table and json', async () => {
      const store = await loadedStore('images-format', images.plainDocker);
      const id = await imageId(store, 'plain');
      const r = await store.run(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}} {{.Names}} {{.Digest}}']);
      expect(r.stdout).toMatch(new RegExp(`^localhost/plain:latest ${id.slice(0, 12)} \\[localhost/plain:latest\\] sha256:[a-f0-9]{64}\\n$`));
      const t = await store.run(['images', '--format', 'table {{.ID}}\\t{{.Repository}}']);
      expect(t.stdout).toBe(`IMAGE ID      REPOSITORY\n${id.slice(0, 12)}  localhost/plain\n`);
      const j = await store.run(['images', '--format', 'json']);
      const doc = JSON.parse(j.stdout) as Array<Record<string, unknown>>;
      expect(doc).toHaveLength(1);
      expect(doc[0]).toMatchObject({ Id: id, ParentId: '', RepoTags: null, Names: ['localhost/plain:latest'], Containers: 0 });
      expect(doc[0]?.RepoDigests).toEqual([`localhost/plain@${doc[0]?.Digest as string}`]);
      expect(typeof doc[0]?.Created).toBe('number');
      expect(doc[0]?.Size).toBeGreaterThan(100_000);
    });

    it('an unnamed image shows <none> <none>', async () => {
      const store = await loadedStore('images-none', images.plainDocker);
      expect((await store.run(['untag', 'plain'])).exitCode).toBe(0);
      const r = await store.run(['images', '--format', '{{.Repository}} {{.Tag}} {{.Dangling}}']);
      expect(r.stdout).toBe('<none> <none> true\n');
    });

    it('an empty store prints the header only', async () => {
      const store = newStore('images-empty');
      const r = await store.run(['images']);
      expect(r.stdout).toBe('REPOSITORY  TAG         IMAGE ID    CREATED     SIZE\n');
      expect(r.exitCode).toBe(0);
    });

    it('a bad template: one Error line, exit 125, nothing printed', async () => {
      const store = await loadedStore('images-badfmt', images.plainDocker);
      const before = storeState(store);
      for (const format of ['{{.Nope}}', '{{.ID', '{{nofunc .ID}}']) {
        const r = await store.run(['images', '--format', format]);
        expect(r.exitCode, format).toBe(125);
        expect(r.stdout, format).toBe('');
        expect(lines(r.stderr), format).toHaveLength(1);
        expect(r.stderr, format).toMatch(/^Error: template: images:1/);
      }
      const r = await store.run(['images', '--format', '{{.Nope}}']);
      expect(r.stderr).toBe('Error: template: images:1:2: executing "images" at <.Nope>: can\'t evaluate field Nope in type images\n');
      expect(storeState(store)).toEqual(before);
    });
  });

  describe('tag and untag', () => {
    it('tag normalizes names; a name moves from the image that had it', async () => {
      const store = await loadedStore('tag-names', images.plainDocker, images.cfgDocker);
      const r = await store.run(['tag', 'plain', 'foo', 'example.com/x/y:2', 'localhost/bar:1']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('');
      expect(r.exitCode).toBe(0);
      expect(imageNames(store)).toEqual(['example.com/x/y:2', 'localhost/bar:1', 'localhost/cfg:latest', 'localhost/foo:latest', 'localhost/plain:latest']);
      expect(await imageId(store, 'foo')).toBe(await imageId(store, 'plain'));
      expect((await store.run(['image', 'tag', 'cfg', 'foo'])).exitCode).toBe(0);
      expect(await imageId(store, 'foo')).toBe(await imageId(store, 'cfg'));
      expect(await imageId(store, 'foo')).not.toBe(await imageId(store, 'plain'));
    });

    it('untag removes the names given, or all', async () => {
      const store = await loadedStore('untag', images.plainDocker);
      expect((await store.run(['tag', 'plain', 'a', 'b'])).exitCode).toBe(0);
      expect((await store.run(['untag', 'plain', 'a'])).exitCode).toBe(0);
      expect(imageNames(store)).toEqual(['localhost/b:latest', 'localhost/plain:latest']);
      expect((await store.run(['image', 'untag', 'b'])).exitCode).toBe(0);
      expect(imageNames(store)).toEqual([]);
      // Still there, by id.
      expect((await store.run(['images', '-q'])).stdout).toMatch(/^[a-f0-9]{12}\n$/);
    });

    it.each([
      [['tag', 'nope', 'x'], 'Error: nope: image not known\n'],
      [['tag', 'plain', 'Bad:Name'], /^Error: invalid image name `Bad:Name`/],
      [['tag', 'plain', 'ok', 'x:bad tag'], /^Error: invalid image name `x:bad tag`: bad tag/],
      [['untag', 'plain', 'notmine'], 'Error: localhost/notmine:latest: tag not known\n'],
      [['untag', 'nope'], 'Error: nope: image not known\n'],
    ] as const)('%j fails: one Error line, exit 125, store unchanged', async (args, message) => {
      const store = await loadedStore('tag-bad', images.plainDocker);
      const before = storeState(store);
      const r = await store.run([...args]);
      expect(r.exitCode).toBe(125);
      expect(r.stdout).toBe('');
      expect(lines(r.stderr)).toHaveLength(1);
      if (typeof message === 'string') expect(r.stderr).toBe(message);
      else expect(r.stderr).toMatch(message);
      expect(storeState(store)).toEqual(before);
    });
  });
});
