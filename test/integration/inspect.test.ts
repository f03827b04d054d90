/**
 * `burrow inspect`, `burrow image inspect` and `burrow history`: podman's
 * document shapes, --format, --type, and unknown names (exit 125).
 */
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { lines } from '../helpers/run-cli.js';
import { newStore, storeState, type TestStore } from '../helpers/store.js';

/** An inspect document, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read back from the CLI
type Doc = Record<string, any>;

let images: TestImages;
let store: TestStore;

describeContainers('burrow inspect, image inspect, history', () => {
  beforeAll(async () => {
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-inspect'));
    store = newStore('inspect');
    for (const a of [images.cfgDocker, images.shareA]) expect((await store.run(['load', '-q', '-i', a])).exitCode).toBe(0);
  });

  describe('image inspect', () => {
    it("prints podman's document, 5-space indented", async () => {
      const r = await store.run(['image', 'inspect', 'cfg']);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout.startsWith('[\n     {\n          "Id": "')).toBe(true);
      const [doc] = JSON.parse(r.stdout) as Doc[];
      expect(doc).toMatchObject({
        RepoTags: ['localhost/cfg:latest'],
        Parent: '',
        Architecture: expect.any(String),
        Os: 'linux',
        User: '1000:1000',
        NamesHistory: ['localhost/cfg:latest'],
        ManifestType: 'application/vnd.docker.distribution.manifest.v2+json',
      });
      expect(doc?.Id).toMatch(/^[a-f0-9]{64}$/);
      expect(doc?.Digest).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(doc?.RepoDigests).toEqual([`localhost/cfg@${doc?.Digest}`]);
      expect(doc?.Config).toMatchObject({ Entrypoint: ['/bin/sh', '-c'], Env: ['FOO=bar', 'PATH=/bin'], WorkingDir: '/srv/work' });
      expect(doc?.RootFS.Type).toBe('layers');
      expect(doc?.RootFS.Layers).toHaveLength(1);
      expect(doc?.GraphDriver.Data.UpperDir).toMatch(new RegExp(`^${store.data}/layers/[a-f0-9]{64}/diff$`));
      expect(doc?.Size).toBeGreaterThan(100_000);
      expect(Array.isArray(doc?.History)).toBe(true);
    });

    it('two layers: LowerDir and UpperDir', async () => {
      const [doc] = JSON.parse((await store.run(['image', 'inspect', 'sharea'])).stdout) as Doc[];
      expect(doc?.RootFS.Layers).toHaveLength(2);
      expect(doc?.GraphDriver.Data.LowerDir).toMatch(/\/diff$/);
      expect(doc?.GraphDriver.Data.UpperDir).not.toBe(doc?.GraphDriver.Data.LowerDir);
    });

    it('--format applies to each document', async () => {
      const r = await store.run(['image', 'inspect', '--format', '{{.Os}} {{json .Config.Cmd}} {{.Config.WorkingDir}}', 'cfg', 'sharea']);
      expect(r.stdout).toBe('linux ["echo \\"cmd:$FOO:$(pwd):$(id -u):$(id -g)\\""] /srv/work\nlinux ["/bin/sh"] \n');
    });

    it('an unknown image: exit 125 after printing the known ones', async () => {
      const before = storeState(store);
      const r = await store.run(['image', 'inspect', 'nope']);
      expect(r.exitCode).toBe(125);
      expect(r.stdout).toBe('[]\n');
      expect(r.stderr).toBe('Error: nope: image not known\n');
      const bad = await store.run(['image', 'inspect', '--format', '{{.Nope}}', 'cfg']);
      expect(bad.exitCode).toBe(125);
      expect(bad.stdout).toBe('');
      expect(lines(bad.stderr)).toHaveLength(1);
      expect(storeState(store)).toEqual(before);
    });
  });

  describe('inspect', () => {
    it('finds images and containers, --type limits it', async () => {
      const id = (await store.run(['image', 'inspect', '--format', '{{.Id}}', 'cfg'])).stdout.trim();
      expect((await store.run(['inspect', '--format', '{{.Id}}', 'cfg'])).stdout).toBe(`${id}\n`);
      const c = await store.run(['create', '--name', 'insp', 'cfg']);
      expect(c.exitCode).toBe(0);
      const cid = c.stdout.trim();
      const r = await store.run(['inspect', '--format', '{{.Id}} {{.Name}} {{.State.Status}} {{.Image}} {{.Config.WorkingDir}}', 'insp']);
      expect(r.stdout).toBe(`${cid} insp created ${id} /srv/work\n`);
      const onlyImages = await store.run(['inspect', '--type', 'image', 'insp']);
      expect(onlyImages.exitCode).toBe(125);
      expect(onlyImages.stderr).toBe('Error: insp: image not known\n');
      expect((await store.run(['rm', 'insp'])).exitCode).toBe(0);
    });

    it('an unknown name: no such object, exit 125; a bad --type: exit 125', async () => {
      const r = await store.run(['inspect', 'nothing-here']);
      expect(r.exitCode).toBe(125);
      expect(r.stderr).toBe('Error: no such object: "nothing-here"\n');
      const t = await store.run(['inspect', '--type', 'volume', 'cfg']);
      expect(t.exitCode).toBe(125);
      expect(lines(t.stderr)).toHaveLength(1);
    });
  });

  describe('history', () => {
    it('lists the config history newest first; only the newest shows the id', async () => {
      const id = (await store.run(['image', 'inspect', '--format', '{{.Id}}', 'sharea'])).stdout.trim();
      const r = await store.run(['history', 'sharea']);
      expect(r.exitCode).toBe(0);
      const out = lines(r.stdout);
      expect(out[0]).toMatch(/^ID {12}CREATED {2,}CREATED BY {2,}SIZE {8}COMMENT$/);
      expect(out[1]?.startsWith(`${id.slice(0, 12)}  `)).toBe(true);
      expect(out.slice(2).every((l) => l.startsWith('<missing>'))).toBe(true);
      const sizes = await store.run(['image', 'history', '--format', '{{.Size}}', 'sharea']);
      // newest first: the layer adding /a.txt ("sharea\n"), umoci config (no layer), the base layer
      expect(lines(sizes.stdout)).toEqual(['7 B', '0 B', expect.stringMatching(/^\d+(\.\d+)? MB$/)]);
      expect((await store.run(['history', '-q', '--no-trunc', 'sharea'])).stdout.split('\n')[0]).toBe(`sha256:${id}`);
      const json = JSON.parse((await store.run(['history', '--format', 'json', 'sharea'])).stdout) as Array<Record<string, unknown>>;
      expect(json[0]).toMatchObject({ id, tags: ['localhost/sharea:latest'] });
      const unknown = await store.run(['history', 'nope']);
      expect(unknown.exitCode).toBe(125);
      expect(unknown.stderr).toBe('Error: nope: image not known\n');
    });
  });
});
