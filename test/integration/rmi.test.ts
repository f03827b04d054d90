/**
 * `burrow rmi` (image rm) and `burrow image prune`: names are untagged
 * before images are deleted, podman's exit codes (1 not found, 2 in use,
 * 125 other), layers and blobs go when no image needs them and stay while
 * one does, containers block removal unless --force; prune removes unnamed
 * unused images and leftovers in tmp/.
 */
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { lines } from '../helpers/run-cli.js';
import { imageId, imageNames, list, loadedStore, storeState } from '../helpers/store.js';

let images: TestImages;

describeContainers('burrow rmi, image prune', () => {
  beforeAll(async () => {
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-rmi'));
  });

  describe('rmi', () => {
    it('by one of several names only untags; by the last name deletes, with its layers and blobs', async () => {
      const store = await loadedStore('rmi-names', images.plainDocker);
      const id = await imageId(store, 'plain');
      expect((await store.run(['tag', 'plain', 'other'])).exitCode).toBe(0);
      const r1 = await store.run(['rmi', 'other']);
      expect(r1.stdout).toBe('Untagged: localhost/other:latest\n');
      expect(r1.exitCode).toBe(0);
      expect(list(join(store.data, 'layers'))).toHaveLength(1);
      const r2 = await store.run(['image', 'rm', 'plain']);
      expect(r2.stderr).toBe('');
      expect(r2.stdout).toBe(`Untagged: localhost/plain:latest\nDeleted: ${id}\n`);
      expect(r2.exitCode).toBe(0);
      expect(imageNames(store)).toEqual([]);
      expect(list(join(store.data, 'layers'))).toEqual([]);
      expect(list(join(store.data, 'blobs', 'sha256'))).toEqual([]);
      expect(list(join(store.data, 'tmp'))).toEqual([]);
      expect((await store.run(['images', '-q'])).stdout).toBe('');
    });

    it('keeps the layers and blobs another image shares', async () => {
      const store = await loadedStore('rmi-shared', images.shareA, images.shareB);
      const layers = list(join(store.data, 'layers'));
      expect(layers).toHaveLength(3);
      expect((await store.run(['rmi', 'sharea'])).exitCode).toBe(0);
      const left = list(join(store.data, 'layers'));
      expect(left).toHaveLength(2);
      expect(imageNames(store)).toEqual(['localhost/shareb:latest']);
      // What is left still runs.
      const run = await store.run(['run', '--rm', 'shareb', 'cat', '/b.txt']);
      expect(run.stdout).toBe('shareb\n');
      const blobs = list(join(store.data, 'blobs', 'sha256'));
      // manifest, config and two layer blobs of shareb
      expect(blobs).toHaveLength(4);
    });

    it('by id with several names needs --force, then untags all and deletes', async () => {
      const store = await loadedStore('rmi-id', images.plainDocker);
      const id = await imageId(store, 'plain');
      expect((await store.run(['tag', 'plain', 'other'])).exitCode).toBe(0);
      const before = storeState(store);
      const r = await store.run(['rmi', id.slice(0, 12)]);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toBe(`Error: unable to delete image "${id}" by ID with more than one tag ([localhost/plain:latest localhost/other:latest]): please force removal\n`);
      expect(storeState(store)).toEqual(before);
      const f = await store.run(['rmi', '-f', id.slice(0, 12)]);
      expect(f.stdout).toBe(`Untagged: localhost/plain:latest\nUntagged: localhost/other:latest\nDeleted: ${id}\n`);
      expect(f.exitCode).toBe(0);
    });

    it('unknown images: exit 1, the others still removed; -i ignores them', async () => {
      const store = await loadedStore('rmi-unknown', images.plainDocker, images.cfgDocker);
      const r = await store.run(['rmi', 'nope', 'plain']);
      expect(r.stderr).toBe('Error: nope: image not known\n');
      expect(r.stdout).toMatch(/^Untagged: localhost\/plain:latest\nDeleted: [a-f0-9]{64}\n$/);
      expect(r.exitCode).toBe(1);
      const i = await store.run(['rmi', '-i', 'nope', 'cfg']);
      expect(i.stderr).toBe('');
      expect(i.exitCode).toBe(0);
      expect(imageNames(store)).toEqual([]);
    });

    it('an image a container uses: exit 2 and unchanged; --force removes the container too', async () => {
      const store = await loadedStore('rmi-used', images.plainDocker);
      const create = await store.run(['create', '--name', 'user1', 'plain', 'true']);
      expect(create.exitCode).toBe(0);
      const cid = create.stdout.trim();
      const before = storeState(store);
      const r = await store.run(['rmi', 'plain']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toBe(`Error: image used by ${cid}: image is in use by a container: consider listing external containers and force-removing image\n`);
      expect(storeState(store)).toEqual(before);
      const f = await store.run(['rmi', '-f', 'plain']);
      expect(f.exitCode).toBe(0);
      expect(list(join(store.data, 'containers'))).toEqual([]);
      expect(list(join(store.data, 'names'))).toEqual([]);
      expect(list(join(store.data, 'layers'))).toEqual([]);
      expect(list(join(store.data, 'tmp'))).toEqual([]);
    });

    it('-a removes every image; bad usage is exit 125', async () => {
      const store = await loadedStore('rmi-all', images.plainDocker, images.cfgDocker);
      const r = await store.run(['rmi', '-a']);
      expect(lines(r.stdout).filter((l) => l.startsWith('Deleted: '))).toHaveLength(2);
      expect(r.exitCode).toBe(0);
      expect(list(join(store.data, 'layers'))).toEqual([]);
      const none = await store.run(['rmi']);
      expect(none.exitCode).toBe(125);
      expect(none.stderr).toBe('Error: image name or ID must be specified\n');
      const both = await store.run(['rmi', '-a', 'x']);
      expect(both.exitCode).toBe(125);
      expect(lines(both.stderr)).toHaveLength(1);
    });
  });

  describe('image prune', () => {
    it('removes unnamed unused images; -a also named ones', async () => {
      const store = await loadedStore('prune', images.plainDocker, images.cfgDocker);
      const plain = await imageId(store, 'plain');
      const cfg = await imageId(store, 'cfg');
      expect((await store.run(['image', 'prune', '-f'])).stdout).toBe('');
      expect((await store.run(['untag', 'plain'])).exitCode).toBe(0);
      const r = await store.run(['image', 'prune', '--force']);
      expect(r.stdout).toBe(`${plain}\n`);
      expect(r.exitCode).toBe(0);
      expect(imageNames(store)).toEqual(['localhost/cfg:latest']);
      expect(list(join(store.data, 'layers'))).toHaveLength(1);
      const a = await store.run(['image', 'prune', '-a', '-f']);
      expect(a.stdout).toBe(`${cfg}\n`);
      expect(list(join(store.data, 'layers'))).toEqual([]);
      expect(list(join(store.data, 'blobs', 'sha256'))).toEqual([]);
    });

    it("asks first, as podman: only y or yes on standard input removes; no, or its end, removes nothing", async () => {
      const store = await loadedStore('prune-ask', images.plainDocker);
      const plain = await imageId(store, 'plain');
      expect((await store.run(['untag', 'plain'])).exitCode).toBe(0);
      const question = 'WARNING! This command removes all dangling images.\nAre you sure you want to continue? [y/N] ';
      for (const input of [undefined, 'n\n', 'yess\n']) {
        const r = await store.run(['image', 'prune'], input === undefined ? {} : { input });
        expect(r.stdout).toBe(question);
        expect(r.exitCode).toBe(0);
        expect((await store.run(['image', 'exists', plain])).exitCode).toBe(0);
      }
      const yes = await store.run(['image', 'prune'], { input: 'Yes\n' });
      expect(yes.stdout).toBe(`${question}${plain}\n`);
      expect((await store.run(['image', 'exists', plain])).exitCode).toBe(1);
    });

    it('keeps images containers use', async () => {
      const store = await loadedStore('prune-used', images.plainDocker);
      expect((await store.run(['create', 'plain', 'true'])).exitCode).toBe(0);
      expect((await store.run(['image', 'prune', '-a', '-f'])).stdout).toBe('');
      expect(imageNames(store)).toEqual(['localhost/plain:latest']);
    });

    it('sweeps leftovers in tmp/: removal trees always, stale staging dirs of killed loads', async () => {
      const store = await loadedStore('prune-tmp', images.plainDocker);
      const tmp = join(store.data, 'tmp');
      for (const d of ['removed-layer-x', 'ingest-old', 'ingest-fresh']) {
        mkdirSync(join(tmp, d, 'sub'), { recursive: true });
        writeFileSync(join(tmp, d, 'sub', 'f'), 'x');
      }
      const old = new Date(Date.now() - 2 * 3600 * 1000);
      utimesSync(join(tmp, 'ingest-old'), old, old);
      expect((await store.run(['image', 'prune', '-f'])).exitCode).toBe(0);
      // a fresh staging dir may belong to a load in progress
      expect(list(tmp)).toEqual(['ingest-fresh']);
      expect(imageNames(store)).toEqual(['localhost/plain:latest']);
    });
  });
});
