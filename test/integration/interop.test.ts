/**
 * save, load, import and export against peers no one here wrote: an OCI
 * layout built by umoci, archives written by skopeo, read back by skopeo
 * and unpacked by umoci; and hostile archives (python's tarfile writes what
 * it is told), which must fail with one `Error:` line, exit 125, an
 * unchanged store and nothing written outside it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import tar from 'tar-stream';
import { beforeAll, describe, expect, it } from 'vitest';

import { dockerArchive, layerTar, ociArchive, runTool, sha256hex, type TarEntry, umociLayout } from '../helpers/archives.js';
import { fixtures } from '../helpers/fixtures.js';
import { BURROW, lines } from '../helpers/run-cli.js';
import { list, newStore, storeState, type TestStore } from '../helpers/store.js';

const have = (program: string): boolean => spawnSync(program, ['--version'], { stdio: 'ignore' }).status === 0;
const missing = ['skopeo', 'umoci', 'python3'].filter((p) => !have(p));
const reason = missing.length > 0 ? `${missing.join(', ')} not installed` : fixtures().missing.subids;
if (reason) process.stderr.write(`skipping interop tests: ${reason}\n`);
const suite = reason ? describe.skip : describe;

let work: string;
let store: TestStore;
/** the layer tar with files owned by uid 1000 */
let ownedLayer: string;

const OWNED: TarEntry[] = [
  { name: 'home', type: 'dir' },
  { name: 'home/u', type: 'dir', uid: 1000, gid: 1000 },
  { name: 'home/u/owned.txt', data: 'owned by 1000\n', uid: 1000, gid: 1000, mode: 0o604 },
  { name: 'home/u/hard.txt', type: 'link', linkname: 'home/u/owned.txt' },
  { name: 'home/u/link', type: 'symlink', linkname: 'owned.txt' },
];

function skopeo(args: string[]): string {
  return runTool('skopeo', args);
}

interface Digests {
  config: string;
  layers: string[];
  manifest: string;
}

function digestsOf(ref: string): Digests {
  const raw = skopeo(['inspect', '--raw', ref]);
  const manifest = JSON.parse(raw) as { config: { digest: string }; layers: { digest: string }[] };
  return { config: manifest.config.digest, layers: manifest.layers.map((l) => l.digest), manifest: `sha256:${sha256hex(Buffer.from(raw))}` };
}

/** The host path of `rel` in whichever stored layer has it. */
function inLayers(s: TestStore, rel: string): string | undefined {
  for (const layer of list(join(s.data, 'layers'))) {
    const p = join(s.data, 'layers', layer, 'diff', rel);
    if (existsSync(p)) return p;
  }
  return undefined;
}

async function ok(s: TestStore, args: string[], input?: string): Promise<string> {
  const r = await s.run(args, input === undefined ? {} : { input });
  expect(r.stderr.split('\n').filter((l) => l.startsWith('Error')), r.stderr).toEqual([]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout;
}

/** Entries of a tar file: name -> header. */
/** burrow `args` with a stdout whose reader is gone before it writes a byte: its exit status and stderr. */
async function withClosedStdout(store: TestStore, args: string[]): Promise<[number | null, string]> {
  const child = spawn(process.execPath, [BURROW, ...args], { env: { ...process.env, ...store.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return [status, stderr];
}

async function tarEntries(path: string): Promise<Map<string, tar.Header>> {
  const out = new Map<string, tar.Header>();
  const extract = tar.extract();
  extract.on('entry', (header, body, next) => {
    out.set(header.name.replace(/^\.\//, ''), header);
    body.on('end', () => next());
    body.resume();
  });
  await new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    extract.end(readFileSync(path));
  });
  return out;
}

suite('interoperability', () => {
  beforeAll(() => {
    work = mkdtempSync(join(fixtures().dir, 'interop-'));
    store = newStore('interop');
    ownedLayer = join(work, 'owned-layer.tar');
    layerTar(ownedLayer, OWNED);
  });

  describe('an OCI layout built by umoci', () => {
    let layout: string;
    let archive: string;
    beforeAll(() => {
      layout = join(work, 'umoci');
      archive = umociLayout(layout, 'v1', ownedLayer, work);
    });

    it('loads, with its files and their owners', async () => {
      const out = await ok(store, ['load', '-i', archive]);
      // umoci's ref name is a bare tag ("v1"): the image stays unnamed, as podman leaves it
      expect(lines(out)).toEqual([expect.stringMatching(/^Loaded image: sha256:[a-f0-9]{64}$/)]);
      expect(readFileSync(inLayers(store, 'base.txt') as string, 'utf8')).toBe('base\n');
      const owned = inLayers(store, 'home/u/owned.txt') as string;
      expect(readFileSync(owned, 'utf8')).toBe('owned by 1000\n');
      const start = fixtures().subuids[0]?.start as number;
      const st = statSync(owned);
      expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([start + 999, (fixtures().subgids[0]?.start as number) + 999, 0o604]);
      expect(statSync(join(owned, '..', 'hard.txt')).ino).toBe(st.ino);
      expect(lstatSync(join(owned, '..', 'link')).isSymbolicLink()).toBe(true);
    });

    it('saves in every format with the digests it came with, which skopeo reads and umoci unpacks', async () => {
      const before = digestsOf(`oci:${layout}:v1`);
      const images = JSON.parse(readFileSync(join(store.data, 'images.json'), 'utf8')) as { images: { id: string }[] };
      const id = images.images.find((i) => `sha256:${i.id}` === before.config)?.id as string;
      expect(id).toBeDefined();

      const ociTar = join(work, 'saved-oci.tar');
      await ok(store, ['save', '--format', 'oci-archive', '-o', ociTar, id]);
      expect(digestsOf(`oci-archive:${ociTar}`)).toEqual(before); // manifest digest too

      const dir = join(work, 'saved-oci-dir');
      await ok(store, ['image', 'save', '--format', 'oci-dir', '-o', dir, id]);
      expect(digestsOf(`oci:${dir}`)).toEqual(before);

      const docker = join(work, 'saved-docker.tar');
      await ok(store, ['save', '-o', docker, id]);
      const d = digestsOf(`docker-archive:${docker}`);
      expect(d.config).toBe(before.config);
      // a docker-archive holds uncompressed layers (umoci's are gzip): each one's digest is its diff id
      const diffIds = (JSON.parse(skopeo(['inspect', '--config', `oci:${layout}:v1`])) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
      expect(d.layers).toEqual(diffIds);
      expect(before.layers).not.toEqual(diffIds);
      // Each layer's entry is as long as its record says its tar is (save need not decompress a layer to count it) ...
      const records = list(join(store.data, 'layers')).map((c) => join(store.data, 'layers', c, 'layer.json'));
      const entries = await tarEntries(docker);
      expect(records.length).toBeGreaterThan(0);
      for (const file of records) {
        const rec = JSON.parse(readFileSync(file, 'utf8')) as { diffId: string; tarSize?: number };
        expect(rec.tarSize).toBe(entries.get(`${rec.diffId.slice('sha256:'.length)}.tar`)?.size);
        // ... and a record without it, as a store from before it was kept has, saves the same archive (counted then).
        const { tarSize: _, ...older } = rec;
        writeFileSync(file, JSON.stringify(older));
      }
      // To a reader that went away: one line that says so (the stream's bare `write EPIPE` in words), not a bug report.
      expect(await withClosedStdout(store, ['save', id])).toEqual([125, 'Error: save: write: broken pipe\n']);
      const counted = join(work, 'saved-docker-counted.tar');
      await ok(store, ['save', '-o', counted, id]);
      expect(readFileSync(counted).equals(readFileSync(docker))).toBe(true);
      // A record whose length is wrong (a damaged store) is refused, not written into a broken archive.
      const first = records[0] as string;
      const rec = JSON.parse(readFileSync(first, 'utf8')) as { diffId: string };
      writeFileSync(first, JSON.stringify({ ...rec, tarSize: (entries.get(`${rec.diffId.slice('sha256:'.length)}.tar`)?.size ?? 0) + 512 }));
      const damaged = join(work, 'saved-docker-damaged.tar');
      const refused = await store.run(['save', '-o', damaged, id]);
      expect(refused.exitCode).toBe(125);
      expect(refused.stderr).toMatch(new RegExp(`^Error: \`${rec.diffId.slice('sha256:'.length)}\\.tar\`: \\d+ bytes, where its entry was given \\d+: the store changed while it was saved, or is damaged\n$`));
      expect(existsSync(damaged)).toBe(false);
      writeFileSync(first, JSON.stringify(rec));

      // skopeo copies each to another format
      skopeo(['copy', `docker-archive:${docker}`, `oci:${join(work, 'copied-from-docker')}:c`]);
      skopeo(['copy', `oci-archive:${ociTar}`, `docker-archive:${join(work, 'copied-from-oci.tar')}:localhost/c:1`]);
      skopeo(['copy', `oci:${dir}`, `oci-archive:${join(work, 'copied-from-dir.tar')}`]);

      // umoci unpacks what save wrote (an unnamed image is indexed without a ref name: tag it through skopeo)
      skopeo(['copy', `oci:${dir}`, `oci:${join(work, 'tagged')}:t`]);
      const bundle = join(work, 'unpacked');
      runTool('umoci', ['unpack', '--rootless', '--image', `${join(work, 'tagged')}:t`, bundle]);
      expect(readFileSync(join(bundle, 'rootfs', 'home', 'u', 'owned.txt'), 'utf8')).toBe('owned by 1000\n');
      expect(readFileSync(join(bundle, 'rootfs', 'base.txt'), 'utf8')).toBe('base\n');
    });
  });

  describe('a docker-archive written by skopeo', () => {
    it('loads; save gives back the same config and layer digests; it loads again', async () => {
      const layout = join(work, 'umoci-2');
      mkdirSync(join(work, 'w2'));
      umociLayout(layout, 'v2', ownedLayer, join(work, 'w2'));
      const archive = join(work, 'skopeo-docker.tar');
      skopeo(['copy', `oci:${layout}:v2`, `docker-archive:${archive}:localhost/skopeo:v2`]);
      const s = newStore('skopeo-docker');
      expect(await ok(s, ['load', '-i', archive])).toContain('localhost/skopeo:v2');
      const owned = inLayers(s, 'home/u/owned.txt') as string;
      expect(statSync(owned).uid).toBe((fixtures().subuids[0]?.start as number) + 999);

      const saved = join(work, 'skopeo-docker-saved.tar');
      await ok(s, ['save', '-o', saved, 'localhost/skopeo:v2']);
      const a = digestsOf(`docker-archive:${archive}`);
      const b = digestsOf(`docker-archive:${saved}`);
      expect([b.config, b.layers]).toEqual([a.config, a.layers]);
      const entries = await tarEntries(saved);
      const manifest = JSON.parse(spawnSync('tar', ['-xOf', saved, 'manifest.json'], { encoding: 'utf8' }).stdout) as { RepoTags: string[] }[];
      expect(manifest[0]?.RepoTags).toEqual(['localhost/skopeo:v2']);
      expect(entries.has('repositories')).toBe(true);

      const again = newStore('skopeo-docker-again');
      expect(await ok(again, ['load', '-i', saved])).toContain('localhost/skopeo:v2');
    });

    it('saves several images into one archive with -m, and names as extra tags without it', async () => {
      const s = newStore('multi');
      const one = join(work, 'one.tar');
      const two = join(work, 'two.tar');
      dockerArchive(one, 'localhost/one:1', { layers: [layerTar(join(work, 'l1.tar'), [{ name: 'one.txt', data: '1' }])] });
      dockerArchive(two, 'localhost/two:2', { layers: [layerTar(join(work, 'l2.tar'), [{ name: 'two.txt', data: '2' }])] });
      await ok(s, ['load', '-i', one]);
      await ok(s, ['load', '-i', two]);
      const both = join(work, 'both.tar');
      await ok(s, ['save', '-m', '-o', both, 'one:1', 'two:2']);
      const fresh = newStore('multi-again');
      expect(lines(await ok(fresh, ['load', '-i', both])).sort()).toEqual(['Loaded image: localhost/one:1', 'Loaded image: localhost/two:2']);

      const tagged = join(work, 'tagged.tar');
      await ok(s, ['save', '-o', tagged, 'one:1', 'extra:tag']);
      const fresh2 = newStore('tags');
      expect(lines(await ok(fresh2, ['load', '-i', tagged])).sort()).toEqual(['Loaded image: localhost/extra:tag', 'Loaded image: localhost/one:1']);

      const r = await s.run(['save', '--format', 'oci-archive', '-m', '-o', join(work, 'x.tar'), 'one:1', 'two:2']);
      expect(r.exitCode).toBe(125);
      expect(existsSync(join(work, 'x.tar'))).toBe(false);
    });
  });

  describe('import and export', () => {
    it('import makes a one-layer image with --change and -m; export of its container gives the files back', async () => {
      const s = newStore('import');
      const tarball = join(work, 'rootfs.tar');
      layerTar(tarball, [{ name: 'bin', type: 'dir' }, { name: 'etc', type: 'dir' }, { name: 'etc/hostname', data: 'x\n' }, ...OWNED]);
      const r = await s.run(['import', '-c', 'CMD ["/bin/sh"]', '-c', 'ENV A=1', '-c', 'ENTRYPOINT echo hi', '-m', 'from a tarball', tarball, 'imported:1']);
      expect(r.exitCode, r.stderr).toBe(0);
      const id = lines(r.stdout).at(-1) as string;
      expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);

      const saved = join(work, 'imported.tar');
      await ok(s, ['save', '-o', saved, 'imported:1']);
      const config = JSON.parse(skopeo(['inspect', '--config', `docker-archive:${saved}`])) as {
        config: { Cmd: string[]; Env: string[]; Entrypoint: string[] };
        history: { comment?: string }[];
        rootfs: { diff_ids: string[] };
      };
      expect(`sha256:${sha256hex(Buffer.from(skopeo(['inspect', '--config', '--raw', `docker-archive:${saved}`])))}`).toBe(id);
      expect(config.config.Cmd).toEqual(['/bin/sh']);
      expect(config.config.Env).toEqual(['A=1']);
      expect(config.config.Entrypoint).toEqual(['/bin/sh', '-c', 'echo hi']);
      expect(config.history[0]?.comment).toBe('from a tarball');
      expect(config.rootfs.diff_ids).toEqual([`sha256:${sha256hex(readFileSync(tarball))}`]);

      // from standard input, gzip-compressed, no name
      const piped = spawnSync('sh', ['-c', `gzip -c "$1" | "$2" "$3" import -q -`, 'sh', tarball, process.execPath, BURROW], { env: { ...process.env, ...s.env }, encoding: 'utf8' });
      expect(piped.stderr).toBe('');
      expect(piped.status).toBe(0);
      expect(lines(piped.stdout)).toEqual([expect.stringMatching(/^sha256:[a-f0-9]{64}$/)]);

      const create = await s.run(['create', '--name', 'ex', 'imported:1', '/bin/sh']);
      if (create.exitCode !== 0) return; // create is another command's business; export is tested when it works
      const out = join(work, 'exported.tar');
      await ok(s, ['export', '-o', out, 'ex']);
      const entries = await tarEntries(out);
      expect(entries.get('etc/hostname')?.size).toBe(2);
      const owned = entries.get('home/u/owned.txt');
      // hard links: the first name in sorted order carries the data, the other links to it
      const hard = entries.get('home/u/hard.txt');
      expect([hard?.type, hard?.uid, hard?.gid, hard?.mode, hard?.size]).toEqual(['file', 1000, 1000, 0o604, 14]);
      expect(owned).toMatchObject({ type: 'link', linkname: 'home/u/hard.txt' });
      expect(entries.get('home/u/link')).toMatchObject({ type: 'symlink', linkname: 'owned.txt' });
      // To standard output (a file, or a pipe: the worker writes to it itself) the same bytes.
      const toFile = spawnSync('sh', ['-c', '"$@" export ex > "$0"', join(work, 'exported-stdout.tar'), process.execPath, BURROW], { env: { ...process.env, ...s.env }, encoding: 'utf8' });
      expect([toFile.status, toFile.stderr]).toEqual([0, '']);
      expect(readFileSync(join(work, 'exported-stdout.tar')).equals(readFileSync(out))).toBe(true);
      const toPipe = spawnSync(process.execPath, [BURROW, 'export', 'ex'], { env: { ...process.env, ...s.env }, maxBuffer: 1 << 30 });
      expect(toPipe.status).toBe(0);
      expect(toPipe.stdout.equals(readFileSync(out))).toBe(true);
      // A reader that went away (`| head`; here gone before a byte is written): one line that says so, not a bug report.
      expect(await withClosedStdout(s, ['export', 'ex'])).toEqual([125, 'Error: export container ex: write: broken pipe\n']);

      const again = await s.run(['container', 'export', '-o', out, 'nope']);
      expect(again.exitCode).toBe(125);
      expect(again.stderr.trim()).toBe('Error: no container with name or ID "nope" found: no such container');
    });
  });
});

suite('bad input for load and import', () => {
  let s: TestStore;
  let outside: string;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(fixtures().dir, 'hostile-'));
    outside = join(dir, 'outside');
    mkdirSync(outside);
    s = newStore('hostile');
    // one good image first, so that "unchanged" means something
    const good = join(dir, 'good.tar');
    dockerArchive(good, 'localhost/good:1', { layers: [layerTar(join(dir, 'good-layer.tar'), [{ name: 'ok.txt', data: 'ok' }])] });
    await ok(s, ['load', '-i', good]);
  });

  // OUTSIDE stands for the directory `outside`, known only once the tests run.
  const layer = (name: string, entries: TarEntry[]): Buffer =>
    layerTar(
      join(dir, `${name}-layer.tar`),
      entries.map((e) => ({ ...e, name: e.name.replace('OUTSIDE', outside) })),
    );
  const escapes = (): Record<string, TarEntry[]> => ({
    'a ../ name': [{ name: '../../../outside/dotdot', data: 'x' }],
    'an absolute name': [{ name: 'OUTSIDE/absolute', data: 'x' }],
    'a symlink climbing out': [
      { name: 'a', type: 'symlink', linkname: '../../../../../../../../..' },
      { name: 'aOUTSIDE/via-symlink', data: 'x' },
    ],
    'a hardlink to a file outside': [{ name: 'h', type: 'link', linkname: '../../../../../../etc/passwd' }],
    'a hardlink to a file not in the layer': [{ name: 'h', type: 'link', linkname: 'etc/passwd' }],
  });

  const cases: [string, () => string][] = [
    ['a layer whose entry has a 5 MiB name (a giant pax header)', () => {
      const p = join(dir, 'giant.tar');
      dockerArchive(p, 'localhost/bad:1', { layers: [layer('g', [{ name: `a/${'x'.repeat(5 << 20)}`, data: 'hi' }])] });
      return p;
    }],
    ['a truncated docker-archive', () => {
      const p = join(dir, 'truncated.tar');
      dockerArchive(p, 'localhost/bad:1', { layers: [layer('t', [{ name: 'f', data: 'y'.repeat(5000) }])] }, { truncate: 0.6 });
      return p;
    }],
    ['a truncated oci-archive', () => {
      const p = join(dir, 'truncated-oci.tar');
      // Cut inside the gzip layer blob (bytes 1536-1630 of the 10240): half would cut only python's
      // zero padding, leaving every entry whole, which loads (as podman's Go tar reader takes it too).
      ociArchive(p, 'localhost/bad:1', { layers: [layer('t2', [{ name: 'f', data: 'y'.repeat(5000) }])], gzip: true }, { truncate: 0.155 });
      return p;
    }],
    ['an oci-archive blob whose digest is wrong', () => {
      const p = join(dir, 'digest.tar');
      ociArchive(p, 'localhost/bad:1', { layers: [layer('d', [{ name: 'f', data: 'z' }])] }, { wrongDigest: true });
      return p;
    }],
    ['a docker-archive layer that does not match its diff id', () => {
      const p = join(dir, 'diffid.tar');
      dockerArchive(p, 'localhost/bad:1', { layers: [layer('dd', [{ name: 'f', data: 'z'.repeat(300) }])] }, { wrongDigest: true });
      return p;
    }],
    ['a manifest naming a missing blob', () => {
      const p = join(dir, 'missing.tar');
      ociArchive(p, 'localhost/bad:1', { layers: [layer('m', [{ name: 'f', data: 'z' }])] }, { missingBlob: true });
      return p;
    }],
    ['a docker manifest.json naming a missing layer', () => {
      const p = join(dir, 'missing-docker.tar');
      dockerArchive(p, 'localhost/bad:1', { layers: [layer('md', [{ name: 'f', data: 'z' }])] }, { missingBlob: true });
      return p;
    }],
    ['an unknown layer media type', () => {
      const p = join(dir, 'mediatype.tar');
      ociArchive(p, 'localhost/bad:1', { layers: [layer('mt', [{ name: 'f', data: 'z' }])] }, { mediaType: 'application/vnd.example.layer.v1.squashfs' });
      return p;
    }],
    ...Object.entries(escapes()).map(([what, entries], i): [string, () => string] => [
      `a layer with ${what}`,
      () => {
        const p = join(dir, `escape-${i}.tar`);
        dockerArchive(p, 'localhost/bad:1', { layers: [layer(`e${i}`, entries)] });
        return p;
      },
    ]),
  ];

  it.each(cases)('load refuses %s: one Error line, exit 125, store unchanged', async (_what, make) => {
    const archive = make();
    const before = storeState(s);
    const r = await s.run(['load', '-i', archive]);
    expect(r.exitCode, r.stderr).toBe(125);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/^Error: /);
    // bad input is the input's fault: never reported as a bug of burrow's
    expect(r.stderr).not.toMatch(/bug in burrow/);
    expect(storeState(s)).toEqual({ ...before, tmp: [] });
    expect(readdirSync(outside)).toEqual([]);
  });

  it.each(Object.entries(escapes()))('import refuses a tarball with %s', async (what, entries) => {
    const tarball = join(dir, `import-${what.replace(/\W+/g, '-')}-layer.tar`);
    layer(`import-${what.replace(/\W+/g, '-')}`, entries);
    const before = storeState(s);
    const r = await s.run(['import', tarball, 'bad:1']);
    expect(r.exitCode, r.stderr).toBe(125);
    expect(lines(r.stderr).filter((l) => l.startsWith('Error'))).toHaveLength(1);
    expect(storeState(s)).toEqual({ ...before, tmp: [] });
    expect(readdirSync(outside)).toEqual([]);
  });

  it('import refuses what is not a tar, and a missing file', async () => {
    const before = storeState(s);
    for (const args of [['import', '-'], ['import', join(dir, 'nonexistent.tar')]]) {
      const r = await s.run(args, { input: args[1] === '-' ? '{"not": "a tar"}' : undefined });
      expect(r.exitCode, r.stderr).toBe(125);
      expect(lines(r.stderr).filter((l) => l.startsWith('Error'))).toHaveLength(1);
    }
    const bad = await s.run(['import', '-c', 'FROM scratch', join(dir, 'good.tar')]);
    expect(bad.exitCode).toBe(125);
    expect(storeState(s)).toEqual({ ...before, tmp: [] });
  });

  it('follows a symlink inside the layer (an absolute one restarts at the layer root) and writes nothing outside', async () => {
    const p = join(dir, 'inside.tar');
    dockerArchive(p, 'localhost/inside:1', {
      layers: [layer('in', [{ name: 'a', type: 'symlink', linkname: outside }, { name: 'a/x', data: 'in the layer' }])],
    });
    await ok(s, ['load', '-i', p]);
    expect(readdirSync(outside)).toEqual([]);
    expect(readFileSync(inLayers(s, `${outside.slice(1)}/x`) as string, 'utf8')).toBe('in the layer');
  });

  it('save refuses an unknown image and a bad format, writing nothing', async () => {
    const out = join(dir, 'nothing.tar');
    for (const args of [['save', '-o', out, 'nope:1'], ['save', '--format', 'tarball', '-o', out, 'good:1'], ['save', '--format', 'oci-dir', 'good:1']]) {
      const r = await s.run(args);
      expect(r.exitCode, args.join(' ')).toBe(125);
      expect(lines(r.stderr)).toHaveLength(1);
    }
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('.nothing.tar'))).toEqual([]);
  });
});
