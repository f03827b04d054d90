/**
 * The store on the fake Sys (test/helpers/fake-sys.ts): names, removal and
 * garbage, what is locked and what is handed to the user namespace, without
 * namespaces or the helper.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { hex } from '../../../src/oci/digest.js';
import { tagImage, untagImage } from '../../../src/storage/image-names.js';
import { pruneImages, removeImages } from '../../../src/storage/image-removal.js';
import { type FakeStore, fakeStore, putImage } from '../../helpers/fake-store.js';

let f: FakeStore;
beforeEach(() => {
  f = fakeStore();
});
afterEach(() => f.remove());

const names = (): Record<string, string[]> => Object.fromEntries(f.store.images().map((i) => [i.id.slice(0, 8), i.names]));

describe('the store on the fake Sys', () => {
  it('writes image records under its lock, and a tag takes the name from the image that had it', async () => {
    const a = await putImage(f.store, 'localhost/a', { Cmd: ['a'] }, [{ 'bin/a': 'a' }]);
    const b = await putImage(f.store, 'localhost/b', { Cmd: ['b'] }, [{ 'bin/b': 'b' }]);
    expect(f.sys.of('flock')).toEqual([
      { op: 'flock', exclusive: true },
      { op: 'flock', exclusive: true },
    ]);
    await tagImage(f.store, 'localhost/a', ['localhost/shared:1']);
    await tagImage(f.store, b.id, ['localhost/shared:1']);
    expect(names()).toEqual({ [a.id.slice(0, 8)]: ['localhost/a:latest'], [b.id.slice(0, 8)]: ['localhost/b:latest', 'localhost/shared:1'] });
    expect(await untagImage(f.store, 'localhost/b', [])).toEqual(['localhost/b:latest', 'localhost/shared:1']);
    expect(f.sys.of('flock')).toHaveLength(5);
    expect(f.sys.of('removeTrees')).toEqual([]);
  });

  it('rmi: the record goes first, then layers no image uses go to tmp/ and are removed in the user namespace; shared ones stay', async () => {
    const base = { 'etc/os-release': 'ID=fake\n' };
    const a = await putImage(f.store, 'localhost/a', {}, [base, { 'bin/a': 'a' }]);
    const b = await putImage(f.store, 'localhost/b', {}, [base, { 'bin/b': 'b' }]);
    const layerDirs = (): string[] => readdirSync(join(f.paths.data, 'layers')).sort();
    expect(layerDirs()).toHaveLength(3);

    const result = await removeImages(f.store, ['localhost/a'], { force: false, ignore: false, all: false });
    expect(result.lines).toEqual(['Untagged: localhost/a:latest', `Deleted: ${a.id}`]);
    expect(f.store.images().map((i) => i.id)).toEqual([b.id]);
    const [removal] = f.sys.of('removeTrees');
    expect(removal?.trees).toHaveLength(1);
    expect(removal?.trees[0]).toMatch(new RegExp(`^${join(f.paths.data, 'tmp')}/removed-layer-${hex(a.layers[1] as `sha256:${string}`)}-`));
    expect(layerDirs()).toEqual(b.layers.map((l) => hex(l)).sort());
    expect(existsSync(f.store.blobPath(a.config))).toBe(false);
    expect(existsSync(f.store.blobPath(b.config))).toBe(true);
  });

  it('image prune takes the unnamed images no container uses', async () => {
    const a = await putImage(f.store, 'localhost/a', {}, [{ a: '1' }]);
    await untagImage(f.store, 'localhost/a', []);
    await putImage(f.store, 'localhost/b', {}, [{ b: '1' }]);
    expect(await pruneImages(f.store, { all: false })).toEqual([a.id]);
    expect(f.store.images().map((i) => i.names)).toEqual([['localhost/b:latest']]);
  });
});
