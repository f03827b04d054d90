/**
 * `burrow load`: docker-archive and oci-archive written by skopeo, from a
 * file and from standard input; hostile and broken archives (each refused
 * with exit 125 and one `Error:` line, the store unchanged and nothing
 * written outside it); loads and runs in parallel on one store; and a load
 * killed with SIGKILL half-way. Each test that counts takes a fresh store.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

import { describeContainers, fixtures } from '../helpers/fixtures.js';
import {
  buildTestImages,
  dockerArchiveEntries,
  makeTar,
  ociArchiveEntries,
  sha256hex,
  type TarEntry,
  type TestImages,
  writeTar,
} from '../helpers/images.js';
import { processesWith } from '../helpers/processes.js';
import { BURROW, expectOneError, lines } from '../helpers/run-cli.js';
import { imageNames, list, newStore, planFiles, storeState, type TestStore, treeSnapshot, waitFor } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
let images: TestImages;
let work: string;

/** `burrow load` with the archive on standard input (a file, as `burrow load < FILE`). */
async function loadFromStdin(store: TestStore, archive: string): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }> {
  const r = await execa(process.execPath, [BURROW, 'load'], {
    reject: false,
    stripFinalNewline: false,
    inputFile: archive,
    env: store.env,
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

describeContainers('burrow load', () => {
  beforeAll(async () => {
    work = join(fixtures().dir, 'load-work');
    mkdirSync(work);
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-load'));
  });

  describe('archives that tools write', () => {
    it('a docker-archive from a file', async () => {
      const store = newStore('load-docker-file');
      const r = await store.run(['load', '-i', images.cfgDocker]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('Loaded image: localhost/cfg:latest\n');
      expect(r.exitCode).toBe(0);
      expect(imageNames(store)).toEqual(['localhost/cfg:latest']);
      // The staging directory is gone: its layer (files of uid 1000, a subordinate id here) was moved into the store.
      expect(list(join(store.data, 'tmp'))).toEqual([]);
      const run = await store.run(['run', '--rm', 'localhost/cfg']);
      expect(run.stdout).toBe('cmd:bar:/srv/work:1000:1000\n');
    });

    it('a docker-archive from standard input', async () => {
      const store = newStore('load-docker-stdin');
      const r = await loadFromStdin(store, images.cfgDocker);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('Loaded image: localhost/cfg:latest\n');
      expect(r.exitCode).toBe(0);
      expect((await store.run(['run', '--rm', 'cfg'])).stdout).toBe('cmd:bar:/srv/work:1000:1000\n');
    });

    it('a gzip-compressed docker-archive from standard input', async () => {
      const store = newStore('load-docker-gz');
      const gz = join(work, 'cfg-docker.tar.gz');
      writeFileSync(gz, gzipSync(readFileSync(images.cfgDocker)));
      const r = await loadFromStdin(store, gz);
      expect(r.stdout).toBe('Loaded image: localhost/cfg:latest\n');
      expect(r.exitCode).toBe(0);
    });

    it('an oci-archive from a file', async () => {
      const store = newStore('load-oci-file');
      const r = await store.run(['load', '-i', images.plainOci]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`Loaded image: ${PLAIN}\n`);
      expect(r.exitCode).toBe(0);
      expect((await store.run(['run', '--rm', PLAIN, 'cat', '/etc/fixture'])).stdout).toBe('fixture\n');
    });

    it('an oci-archive from standard input', async () => {
      const store = newStore('load-oci-stdin');
      const r = await loadFromStdin(store, images.cfgOci);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('Loaded image: localhost/cfg:latest\n');
      expect(r.exitCode).toBe(0);
      expect((await store.run(['run', '--rm', 'localhost/cfg'])).stdout).toBe('cmd:bar:/srv/work:1000:1000\n');
    });

    // A layer read from a pipe is copied to its staged file and unpacked from there by a fetch worker as it grows,
    // while the next entry is read: the workers stay for the whole load, not a Node start per layer.
    it('an archive from a pipe, a layer at a time: its layers unpack in fetch workers that stay for the whole load, each in its place', async () => {
      const store = newStore('load-pipe-workers');
      const layers = await Promise.all([1, 2, 3, 4, 5].map((i) => makeTar([{ name: `f${i}`, data: `layer ${i}\n`.repeat(20_000 * i) }])));
      const bytes = await makeTar(dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, ...layers] }, 'localhost/piped:latest'));
      // where each entry of the archive ends (its header's octal size, the data padded to 512)
      const ends: number[] = [];
      for (let off = 0; off + 512 <= bytes.length && bytes.subarray(off, off + 512).some((b) => b !== 0); ) {
        const size = parseInt(bytes.subarray(off + 124, off + 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
        off += 512 + Math.ceil(size / 512) * 512;
        ends.push(off);
      }
      expect(ends).toHaveLength(8); // the config, six layers, manifest.json
      const child = spawn(process.execPath, [BURROW, 'load'], { env: { ...process.env, ...store.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const workers = new Set<number>();
      const watch = setInterval(() => {
        for (const pid of processesWith(store.data)) {
          try {
            if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--internal-worker\0fetch')) workers.add(pid);
          } catch {
            // (gone meanwhile)
          }
        }
      }, 10);
      try {
        // An entry at a time, each given time to unpack before the next comes.
        let from = 0;
        for (const end of [...ends, bytes.length]) {
          child.stdin.write(bytes.subarray(from, end));
          from = end;
          await new Promise((r) => setTimeout(r, 400));
        }
        child.stdin.end();
        expect(await exited).toBe(0);
      } finally {
        clearInterval(watch);
      }
      expect(stderr).toBe('');
      expect(stdout).toBe('Loaded image: localhost/piped:latest\n');
      // One worker, or two where a layer still unpacked as the next came; a worker per layer was six.
      expect(workers.size).toBeGreaterThanOrEqual(1);
      expect(workers.size).toBeLessThanOrEqual(2);
      const inspected = await store.run(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', 'localhost/piped']);
      expect(JSON.parse(inspected.stdout)).toEqual([images.baseLayer, ...layers].map((l) => `sha256:${sha256hex(l)}`));
      const seen = await store.run(['run', '--rm', 'localhost/piped', 'sh', '-c', 'for i in 1 2 3 4 5; do wc -l < /f$i; done']);
      expect(lines(seen.stdout)).toEqual(['20000', '40000', '60000', '80000', '100000']);
    });

    it('loading the same archive again changes nothing but the output', async () => {
      const store = newStore('load-twice');
      expect((await store.run(['load', '-i', images.plainOci])).exitCode).toBe(0);
      const before = storeState(store);
      const again = await store.run(['load', '-i', images.plainOci]);
      expect(again.stdout).toBe(`Loaded image: ${PLAIN}\n`);
      expect(again.exitCode).toBe(0);
      expect(storeState(store)).toEqual(before);
    });
  });

  describe('bad input: exit 125, one Error: line, the store unchanged, nothing written outside', () => {
    let canary: string;
    /** a path that climbs from anywhere in the store up to / and down into the canary dir */
    let climb: string;
    const cases: { name: string; archive: () => Promise<string>; error: RegExp }[] = [];
    const file = (name: string): string => join(work, `bad-${name.replace(/\W+/g, '-')}.tar`);
    /** a docker-archive of the base layer and `layer` (a tar of `entries`) */
    const withLayer = async (name: string, entries: TarEntry[]): Promise<string> =>
      writeTar(file(name), dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, await makeTar(entries)] }, 'localhost/bad:latest'));
    const add = (name: string, error: RegExp, archive: () => Promise<string>): void => {
      cases.push({ name, archive, error });
    };

    beforeAll(() => {
      canary = join(fixtures().dir, 'canary');
      mkdirSync(canary);
      writeFileSync(join(canary, 'secret'), 'host file\n');
      climb = `${'../'.repeat(40)}${canary.slice(1)}`;
    });

    add('a truncated archive', /not a readable image archive|truncated|end of/i, async () => {
      const bytes = readFileSync(images.plainDocker);
      writeFileSync(file('truncated'), bytes.subarray(0, Math.floor(bytes.length / 2)));
      return file('truncated');
    });
    // The layer's worker lags a pipe's worth of small files behind the reader when the archive breaks
    // off: the error must wait for it, or the clean-up races it and leaves the staging directory.
    add('a truncated archive, cut inside a layer of many small files', /not a readable image archive|truncated|end of/i, async () => {
      const many = await withLayer(
        'many-small',
        Array.from({ length: 3000 }, (_, i) => ({ name: `d${i % 30}/f${i}`, data: 'x'.repeat(100) })),
      );
      const bytes = readFileSync(many);
      writeFileSync(file('truncated-many'), bytes.subarray(0, Math.floor(bytes.length * 0.8)));
      return file('truncated-many');
    });
    add('a blob whose bytes do not match its digest (oci-archive)', /digest/i, async () => {
      const entries = ociArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer] }, 'localhost/bad:latest');
      const config = entries.find((e) => e.name.startsWith('blobs/') && String(e.data).includes('"rootfs"')) as TarEntry;
      config.data = String(config.data).replace('"amd64"', '"arm64"');
      return writeTar(file('wrong-digest-oci'), entries);
    });
    add('a layer that does not match its diff id (docker-archive)', /sha256:/, async () => {
      const entries = dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer] }, 'localhost/bad:latest');
      const layer = entries.find((e) => e.name.endsWith('.tar')) as TarEntry;
      layer.data = await makeTar([{ name: 'other', data: 'not the layer the config names' }]);
      return writeTar(file('wrong-diffid'), entries);
    });
    add('a manifest naming a blob the archive lacks (docker-archive)', /missing\.tar|not in the archive/, async () => {
      const entries = dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer] }, 'localhost/bad:latest');
      const manifest = entries.find((e) => e.name === 'manifest.json') as TarEntry;
      const parsed = JSON.parse(String(manifest.data)) as { Layers: string[] }[];
      (parsed[0] as { Layers: string[] }).Layers.push('missing.tar');
      manifest.data = JSON.stringify(parsed);
      return writeTar(file('missing-blob-docker'), entries);
    });
    add('a manifest naming a blob the archive lacks (oci-archive)', /not in the archive|missing/, async () => {
      const layer = await makeTar([{ name: 'extra', data: 'x' }]);
      const entries = ociArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, layer] }, 'localhost/bad:latest');
      const hex = sha256hex(layer);
      return writeTar(file('missing-blob-oci'), entries.filter((e) => e.name !== `blobs/sha256/${hex}`));
    });
    add('a layer entry with ../', /\.\./, async () => withLayer('dotdot', [{ name: `${climb}/dotdot`, data: 'escaped' }]));
    add('a layer entry with an absolute path', /absolute/, async () => withLayer('absolute', [{ name: `${canary}/absolute`, data: 'escaped' }]));
    add('a symlink escape: a -> ../../.. then a/x', /outside|escape|leads/, async () =>
      withLayer('symlink-short', [
        { name: 'a', type: 'symlink', linkname: '../../..' },
        { name: 'a/x', data: 'escaped' },
      ]),
    );
    add('a symlink escape into the canary dir', /outside|escape|leads/, async () =>
      withLayer('symlink-canary', [
        { name: 'a', type: 'symlink', linkname: climb },
        { name: 'a/x', data: 'escaped' },
      ]),
    );
    add('a hardlink to a file outside the layer', /\.\.|outside|not in this layer/, async () =>
      withLayer('hardlink', [{ name: 'h', type: 'link', linkname: `${climb}/secret` }]),
    );
    add('a hardlink through a symlink that leaves the layer', /outside|escape|leads|not in this layer/, async () =>
      withLayer('hardlink-symlink', [
        { name: 'd', type: 'symlink', linkname: climb },
        { name: 'h', type: 'link', linkname: 'd/secret' },
        { name: 'h', data: 'overwritten' },
      ]),
    );
    add('an unknown layer media type (oci-archive)', /media type/, async () =>
      writeTar(
        file('media-type'),
        ociArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer] }, 'localhost/bad:latest', 'application/vnd.example.unknown.layer'),
      ),
    );

    add(
      'a hostile entry at the start of a large layer',
      /absolute/,
      async () =>
        withLayer('large', [
          { name: `${canary}/first`, data: 'escaped' },
          { name: 'large', data: Buffer.alloc(32 << 20) },
        ]),
    );

    for (const c of cases) {
      it(c.name, async () => {
        const store = newStore('bad');
        expect((await store.run(['load', '-i', images.plainOci])).exitCode).toBe(0);
        const archive = await c.archive();
        const canaryBefore = treeSnapshot(canary);
        const before = storeState(store);
        const layersBefore = treeSnapshot(join(store.data, 'layers'));

        for (const how of ['file', 'stdin'] as const) {
          const r = how === 'file' ? await store.run(['load', '-i', archive]) : await loadFromStdin(store, archive);
          expect(r.stdout).toBe('');
          expectOneError(r, c.error);
          expect(storeState(store)).toEqual({ ...before, tmp: [] });
          expect(treeSnapshot(join(store.data, 'layers'))).toEqual(layersBefore);
          expect(treeSnapshot(canary)).toEqual(canaryBefore);
          expect(statSync(join(canary, 'secret')).nlink).toBe(1);
          expect(readFileSync(join(canary, 'secret'), 'utf8')).toBe('host file\n');
        }
        expect(planFiles(store)).toEqual([]);
        // and the store still works
        expect((await store.run(['run', '--rm', PLAIN, 'true'])).exitCode).toBe(0);
      });
    }
  });

  // `umoci insert --image L:T ROOTFS /` writes a layer whose first entry is the root directory, named
  // `/`; podman loads it. (Absolute names that reach outside the root are refused above.)
  it('a layer whose root entry is named `/` (as `umoci insert ROOTFS /` writes) loads, as podman loads it', async () => {
    const store = newStore('root-entry');
    const upper = await makeTar([
      { name: '/', type: 'directory' },
      { name: 'inserted', data: 'inserted\n' },
    ]);
    const archive = await writeTar(join(work, 'root-entry.tar'), dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, upper] }, 'localhost/rootentry:latest'));
    const r = await store.run(['load', '-i', archive]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('Loaded image: localhost/rootentry:latest\n');
    expect((await store.run(['run', '--rm', 'localhost/rootentry', 'cat', '/inserted'])).stdout).toBe('inserted\n');
  });

  it('a sparse file (GNU tar --sparse, PAX form) unpacks whole, holes kept as holes', async () => {
    const store = newStore('sparse');
    const src = join(work, 'sparse-src');
    mkdirSync(src, { recursive: true });
    // 8 MiB of hole with two pieces of data, one at the very end
    const file = join(src, 'big');
    writeFileSync(file, '');
    await execa('truncate', ['-s', String(8 << 20), file]);
    await execa('sh', ['-c', `printf hello | dd of=${file} bs=1 seek=4000000 conv=notrunc 2>/dev/null; printf end >> ${file}`]);
    const upper = (await execa('tar', ['--sparse', '--format=pax', '-C', src, '-cf', '-', 'big'], { encoding: 'buffer' })).stdout as Uint8Array;
    const archive = await writeTar(join(work, 'sparse.tar'), dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, Buffer.from(upper)] }, 'localhost/sparse:latest'));
    const r = await store.run(['load', '-i', archive]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const inside = await store.run(['run', '--rm', 'localhost/sparse', 'sh', '-c', 'stat -c %s /big; dd if=/big bs=1 skip=4000000 count=5 2>/dev/null; echo; tail -c 3 /big; echo; du -k /big']);
    const [size, hello, end, du] = lines(inside.stdout);
    expect([size, hello, end]).toEqual([String((8 << 20) + 3), 'hello', 'end']);
    // kept sparse: far less than 8 MiB on disk
    expect(Number(du?.split(/\s+/)[0])).toBeLessThan(1024);
  });

  it('of two entries of one name, the later one counts, as tar -x leaves it (the layers are taken side by side, not in the order of the archive)', async () => {
    const [config, layer, manifest] = dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer] }, 'localhost/twice:latest') as [TarEntry, TarEntry, TarEntry];
    const garbage = { ...layer, data: Buffer.from('not a tar\n'.repeat(100)) };
    const goodLast = await writeTar(join(work, 'twice-good-last.tar'), [config, garbage, layer, manifest]);
    const badLast = await writeTar(join(work, 'twice-bad-last.tar'), [config, layer, garbage, manifest]);
    for (let round = 0; round < 3; round++) {
      const store = newStore(`twice-${round}`);
      const good = await store.run(['load', '-q', '-i', goodLast]);
      expect([good.stderr, good.exitCode]).toEqual(['', 0]);
      expect((await store.run(['run', '--rm', 'localhost/twice', 'cat', '/etc/fixture'])).stdout).toBe('fixture\n');
      const before = storeState(store);
      const bad = await store.run(['load', '-q', '-i', badLast]);
      expectOneError(bad, /^Error: /);
      expect(bad.exitCode).toBe(125);
      expect(storeState(store)).toEqual(before);
    }
  });

  it('each layer keeps the media type of its compression: a docker-archive of gzip, zstd and plain layers (from a file, from a pipe) and an imported zstd tarball; save writes what each blob is', async () => {
    const zstd = (data: Buffer): Buffer => execFileSync('zstd', ['-q', '-c'], { input: data, maxBuffer: 1 << 28 });
    const gz = await makeTar([{ name: 'gz.txt', data: 'from a gzip layer\n' }]);
    const zs = await makeTar([{ name: 'zs.txt', data: 'from a zstd layer\n'.repeat(100) }]);
    const plain = await makeTar([{ name: 'plain.txt', data: 'from a plain layer\n' }]);
    const stored = [gzipSync(images.baseLayer), gzipSync(gz), zstd(zs), plain];
    const entries = dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, gz, zs, plain] }, 'localhost/mixed:latest');
    const archive = await writeTar(join(work, 'mixed.tar'), entries.map((e, i) => (i >= 1 && i <= 4 ? { ...e, data: stored[i - 1] as Buffer } : e)));
    // The stored manifest's type (inspect's ManifestType), and what a saved layout's manifest (OCI's, as
    // podman's save converts it) says of each layer against what the blob's first bytes are.
    let saves = 0;
    const kinds = async (store: TestStore, ref: string): Promise<{ manifest: string; layers: [string, string][] }> => {
      const dir = join(work, `mixed-saved-${saves++}`);
      expect((await store.run(['save', '--format', 'oci-dir', '-o', dir, ref])).exitCode).toBe(0);
      const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
      const blob = (digest: string) => readFileSync(join(dir, 'blobs', 'sha256', digest.slice(7)));
      const m = JSON.parse(blob(index.manifests[0]?.digest as string).toString()) as { layers: { mediaType: string; digest: string }[] };
      const magic = (b: Buffer) => (b[0] === 0x1f && b[1] === 0x8b ? 'gzip' : b.readUInt32LE(0) === 0xfd2fb528 ? 'zstd' : 'tar');
      const manifest = (await store.run(['image', 'inspect', '--format', '{{.ManifestType}}', ref])).stdout.trim();
      return { manifest, layers: m.layers.map((l) => [l.mediaType, magic(blob(l.digest))]) };
    };
    const expected = {
      // Docker's media types have no zstd: the manifest is OCI's
      manifest: 'application/vnd.oci.image.manifest.v1+json',
      layers: [
        ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
        ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
        ['application/vnd.oci.image.layer.v1.tar+zstd', 'zstd'],
        ['application/vnd.oci.image.layer.v1.tar', 'tar'],
      ],
    };
    const fromFile = newStore('mixed-file');
    const f = await fromFile.run(['load', '-i', archive]);
    expect(f.stderr).toBe('');
    expect(f.exitCode).toBe(0);
    expect(await kinds(fromFile, 'localhost/mixed')).toEqual(expected);
    const fromPipe = newStore('mixed-pipe');
    const p = await execa('sh', ['-c', 'cat "$1" | "$2" "$3" load', 'sh', archive, process.execPath, BURROW], { reject: false, env: fromPipe.env, timeout: 30_000 });
    expect(p.stderr).toBe('');
    expect(p.exitCode).toBe(0);
    expect(await kinds(fromPipe, 'localhost/mixed')).toEqual(expected);
    expect((await fromPipe.run(['run', '--rm', 'localhost/mixed', 'cat', '/gz.txt', '/plain.txt'])).stdout).toBe('from a gzip layer\nfrom a plain layer\n');
    expect((await fromPipe.run(['run', '--rm', 'localhost/mixed', 'sh', '-c', 'cat /zs.txt | uniq -c'])).stdout).toMatch(/^\s*100 from a zstd layer\n$/);
    // a docker-archive holds plain tars, each named by its diff id: the gzip and zstd blobs decompressed
    const asDocker = join(work, 'mixed-saved.tar');
    expect((await fromPipe.run(['save', '-o', asDocker, 'localhost/mixed'])).exitCode).toBe(0);
    const unpacked = join(work, 'mixed-saved');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xf', asDocker, '-C', unpacked]);
    const saved = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
    expect(saved[0]?.Layers.map((name) => `${sha256hex(readFileSync(join(unpacked, name)))}.tar`)).toEqual([images.baseLayer, gz, zs, plain].map((l) => `${sha256hex(l)}.tar`));
    expect(saved[0]?.Layers).toEqual([images.baseLayer, gz, zs, plain].map((l) => `${sha256hex(l)}.tar`));
    // gzip alone keeps Docker's manifest
    const gzEntries = dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, gz] }, 'localhost/gz:latest');
    const gzOnly = await writeTar(join(work, 'gz-only.tar'), gzEntries.map((e, i) => (i === 1 || i === 2 ? { ...e, data: stored[i - 1] as Buffer } : e)));
    const g = newStore('gz-only');
    expect((await g.run(['load', '-i', gzOnly])).exitCode).toBe(0);
    expect(await kinds(g, 'localhost/gz')).toEqual({
      manifest: 'application/vnd.docker.distribution.manifest.v2+json',
      layers: [
        ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
        ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
      ],
    });
    // an imported zstd tarball: its one layer is OCI's zstd
    const importer = newStore('import-zstd');
    const tarball = join(work, 'layer.tar.zst');
    writeFileSync(tarball, zstd(zs));
    const imp = await importer.run(['import', '-q', tarball, 'localhost/zimport']);
    expect(imp.stderr).toBe('');
    expect(imp.exitCode).toBe(0);
    expect(await kinds(importer, 'localhost/zimport')).toEqual({ manifest: 'application/vnd.oci.image.manifest.v1+json', layers: [['application/vnd.oci.image.layer.v1.tar+zstd', 'zstd']] });
  });

  it('a layer of 40 MB (hashed by a thread beside the unpacking, its blob staged by it), from a file and from a pipe: the same image, the same files, and `save` gives its bytes back', async () => {
    const big = Buffer.alloc(40 << 20);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i); // not one run of a byte: a wrong offset shows
    const upper = await makeTar([
      { name: 'big', data: big, mode: 0o640 },
      { name: 'dir/', type: 'directory', mode: 0o750 },
      { name: 'dir/small', data: 'small\n', mode: 0o600 },
    ]);
    const archive = await writeTar(join(work, 'big.tar'), dockerArchiveEntries({ config: images.plainConfig, layers: [images.baseLayer, upper] }, 'localhost/big:latest'));
    const inside = ['run', '--rm', 'localhost/big', 'sh', '-c', 'sha256sum /big; stat -c %a /big /dir /dir/small; cat /dir/small'];
    const expected = [`${sha256hex(big)}  /big`, '640', '750', '600', 'small'];
    const fromFile = newStore('big-file');
    const r = await fromFile.run(['load', '-i', archive]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(lines((await fromFile.run(inside)).stdout)).toEqual(expected);
    const fromPipe = newStore('big-pipe');
    const p = await loadFromStdin(fromPipe, archive);
    expect(p.stderr).toBe('');
    expect(p.exitCode).toBe(0);
    expect(lines((await fromPipe.run(inside)).stdout)).toEqual(expected);
    // the staged blob is the layer, byte for byte: save writes it back under its digest
    const saved = join(work, 'big-saved');
    expect((await fromFile.run(['save', '--format', 'oci-dir', '-o', saved, 'localhost/big'])).exitCode).toBe(0);
    expect(statSync(join(saved, 'blobs', 'sha256', sha256hex(upper))).size).toBe(upper.length);
    expect(sha256hex(readFileSync(join(saved, 'blobs', 'sha256', sha256hex(upper))))).toBe(sha256hex(upper));
  });

  describe('a store shared by many processes', () => {
    it('8 parallel `run --rm` and 2 loads of images sharing a layer all succeed; the store is consistent', async () => {
      const store = newStore('parallel');
      expect((await store.run(['load', '-i', images.plainOci])).exitCode).toBe(0);
      const runs = Array.from({ length: 8 }, (_, i) => store.run(['run', '--rm', PLAIN, 'sh', '-c', `echo run-${i}`], { timeout: 60_000 }));
      const loads = [images.shareA, images.shareB].map((a) => store.run(['load', '-i', a], { timeout: 60_000 }));
      const results = await Promise.all([...runs, ...loads]);
      results.slice(0, 8).forEach((r, i) => {
        expect(r.stderr).toBe('');
        expect(r.stdout).toBe(`run-${i}\n`);
        expect(r.exitCode).toBe(0);
      });
      expect(results[8]?.stdout).toBe('Loaded image: localhost/sharea:latest\n');
      expect(results[9]?.stdout).toBe('Loaded image: localhost/shareb:latest\n');
      expect(results[8]?.exitCode).toBe(0);
      expect(results[9]?.exitCode).toBe(0);

      const state = storeState(store);
      expect(state.containers).toEqual([]);
      expect(state.names).toEqual([]);
      expect(state.tmp).toEqual([]);
      expect(planFiles(store)).toEqual([]);
      expect(imageNames(store)).toEqual(['localhost/plain:latest', 'localhost/sharea:latest', 'localhost/shareb:latest']);
      expect(state.layers).toHaveLength(3); // the base once, a, b
      const a = await store.run(['run', '--rm', 'localhost/sharea', 'cat', '/a.txt']);
      expect(a.stdout).toBe('sharea\n');
      const b = await store.run(['run', '--rm', 'localhost/shareb', 'cat', '/b.txt']);
      expect(b.stdout).toBe('shareb\n');
    });

    it('a load killed with SIGKILL half-way leaves a store that works', async () => {
      const store = newStore('killed');
      expect((await store.run(['load', '-i', images.plainOci])).exitCode).toBe(0);
      const imagesBefore = storeState(store).images;
      const bytes = readFileSync(images.shareA);
      const child = spawn(process.execPath, [BURROW, 'load'], { env: { ...process.env, ...store.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      child.stdin.on('error', () => undefined);
      child.stdin.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      // half-way: the layer is being unpacked in the store's staging area
      await waitFor('the load to stage a layer', () => list(join(store.data, 'tmp')).some((d) => list(join(store.data, 'tmp', d)).some((f) => f.startsWith('layer-'))));
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGKILL');
      expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(list(join(store.data, 'tmp')).filter((d) => d.startsWith('ingest-'))).toHaveLength(1);
      // Its unpack worker ends with the load (its input closes); then the next command, even a read-only one, clears the staging.
      await waitFor('the unpack worker to end', () => processesWith(join(store.data, 'tmp')).length === 0);
      expect((await store.run(['images', '-q'])).exitCode).toBe(0);
      expect(list(join(store.data, 'tmp'))).toEqual([]);

      expect(storeState(store).images).toBe(imagesBefore);
      expect(imageNames(store)).toEqual([PLAIN]);
      expect((await store.run(['run', '--rm', PLAIN, 'cat', '/etc/fixture'])).stdout).toBe('fixture\n');
      const again = await store.run(['load', '-i', images.shareA]);
      expect(again.stdout).toBe('Loaded image: localhost/sharea:latest\n');
      expect(again.exitCode).toBe(0);
      expect(imageNames(store)).toEqual([PLAIN, 'localhost/sharea:latest']);
      expect((await store.run(['run', '--rm', 'localhost/sharea', 'cat', '/a.txt'])).stdout).toBe('sharea\n');
    });
  });
});
