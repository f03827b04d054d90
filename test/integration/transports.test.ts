/**
 * Moving images between burrow and the other tools through files:
 * `burrow load -i DIR` of an OCI image layout (what `burrow save --format
 * oci-dir`, podman and `skopeo copy oci:DIR` write) and of a docker-archive
 * unpacked; `pull` and `push` with oci:, oci-archive: and docker-archive:,
 * skopeo, umoci, podman and docker-registry the peers; and hostile layout
 * directories, each refused with exit 125 and one `Error:` line, the store
 * unchanged and nothing outside the directory read.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { acceptingEtc } from '../helpers/containers-conf.js';
import { describeContainers, fixtures } from '../helpers/fixtures.js';
import { buildTestImages, type TestImages } from '../helpers/images.js';
import { skopeoPush, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { expectOneError } from '../helpers/run-cli.js';
import { imageId, imageNames, loadedStore, newStore, storeState, type TestStore, treeSnapshot } from '../helpers/store.js';

const PLAIN = 'localhost/plain:latest';
const CFG = 'localhost/cfg:latest';
let images: TestImages;
let work: string;
let counter = 0;

function tool(file: string, args: string[]): void {
  execFileSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A fresh directory under the work dir. */
function fresh(label: string): string {
  const dir = join(work, `${label}-${counter++}`);
  return dir;
}

/** skopeo's OCI layout of localhost/plain:latest (its ref.name the full name). */
function plainLayout(): string {
  const dir = fresh('plain-oci');
  tool('skopeo', ['copy', '-q', `oci-archive:${images.plainOci}`, `oci:${dir}:${PLAIN}`]);
  return dir;
}

/** The files of the docker-archive of localhost/cfg:latest, unpacked. */
function cfgDockerDir(): string {
  const dir = fresh('cfg-docker');
  mkdirSync(dir);
  tool('tar', ['-xf', images.cfgDocker, '-C', dir]);
  return dir;
}

/** Replaces a file (the ones tar unpacks are read-only). */
function rewrite(path: string, data: string): void {
  rmSync(path);
  writeFileSync(path, data);
}

/** A system config dir whose policy.json accepts anything. */
function acceptingFreshEtc(): string {
  return acceptingEtc(fresh('etc'));
}

interface Layout {
  dir: string;
  manifest: { config: { digest: string }; layers: { digest: string }[] };
  blob(digest: string): string;
}

function readLayout(dir: string): Layout {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const blob = (digest: string): string => join(dir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0]?.digest as string), 'utf8')) as Layout['manifest'];
  return { dir, manifest, blob };
}

describeContainers('transports', () => {
  let canary: string;
  let secret: string;

  beforeAll(async () => {
    work = join(fixtures().dir, 'transports-work');
    mkdirSync(work);
    images = await buildTestImages(fixtures().rootfs, join(fixtures().dir, 'images-transports'));
    canary = join(fixtures().dir, 'transports-canary');
    mkdirSync(canary);
    secret = join(canary, 'secret');
    writeFileSync(secret, 'host file\n');
  });

  describe('load -i DIR', () => {
    it('loads back what `save --format oci-dir` wrote (same id, same name) and runs it', async () => {
      const from = await loadedStore('tr-save-from', images.plainOci, images.cfgDocker);
      const dir = fresh('saved-oci-dir');
      const saved = await from.run(['save', '--format', 'oci-dir', '-o', dir, CFG]);
      expect(saved.stderr).toBe('');
      expect(saved.exitCode).toBe(0);

      const store = newStore('tr-load-saved');
      const r = await store.run(['load', '-i', dir]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`Loaded image: ${CFG}\n`);
      expect(r.exitCode).toBe(0);
      expect(imageNames(store)).toEqual([CFG]);
      expect(await imageId(store, CFG)).toBe(await imageId(from, CFG));
      expect((await store.run(['run', '--rm', CFG])).stdout).toBe('cmd:bar:/srv/work:1000:1000\n');
    });

    it('loads a layout that skopeo wrote (oci:DIR:NAME), the name from ref.name; skopeo reads it unchanged after', async () => {
      const dir = plainLayout();
      const before = treeSnapshot(dir);
      const store = newStore('tr-load-skopeo');
      const r = await store.run(['load', '-i', dir]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`Loaded image: ${PLAIN}\n`);
      expect(r.exitCode).toBe(0);
      expect((await store.run(['run', '--rm', PLAIN, 'cat', '/etc/fixture'])).stdout).toBe('fixture\n');
      expect(treeSnapshot(dir)).toEqual(before);
      // only the blobs the index names are read: a FIFO and a link to a host file in blobs/ that no manifest names are not opened
      tool('mkfifo', [join(dir, 'blobs', 'sha256', 'f'.repeat(64))]);
      symlinkSync(secret, join(dir, 'blobs', 'sha256', 'e'.repeat(64)));
      const again = await store.run(['load', '-i', dir]);
      expect(again.stderr).toBe('');
      expect(again.stdout).toBe(`Loaded image: ${PLAIN}\n`);
      expect(again.exitCode).toBe(0);
    });

    it('loads the files of a docker-archive, unpacked; a layer that is a link to another file inside the directory is followed', async () => {
      const dir = cfgDockerDir();
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
      const layer = manifest[0]?.Layers[0] as string;
      mkdirSync(join(dir, 'linked'));
      symlinkSync(`../${layer}`, join(dir, 'linked', 'layer.tar'));
      (manifest[0] as { Layers: string[] }).Layers[0] = 'linked/layer.tar';
      rewrite(join(dir, 'manifest.json'), JSON.stringify(manifest));

      const store = newStore('tr-load-docker-dir');
      const r = await store.run(['load', '-i', dir]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`Loaded image: ${CFG}\n`);
      expect(r.exitCode).toBe(0);
      expect((await store.run(['run', '--rm', CFG])).stdout).toBe('cmd:bar:/srv/work:1000:1000\n');
    });

    it('an empty directory is neither kind', async () => {
      const dir = fresh('empty');
      mkdirSync(dir);
      const r = await newStore('tr-empty').run(['load', '-i', dir]);
      expect(r.stderr).toMatch(/^Error: .*neither an OCI image layout \(no index\.json\) nor an unpacked docker archive/);
      expect(r.exitCode).toBe(125);
    });
  });

  describe('pull from the file transports', () => {
    /** a store whose policy.json (in a system dir of its own) is `policy` */
    const policyStore = (label: string, policy: unknown = { default: [{ type: 'insecureAcceptAnything' }] }): TestStore => {
      const etc = fresh(`${label}-etc`);
      mkdirSync(etc);
      writeFileSync(join(etc, 'policy.json'), JSON.stringify(policy));
      return newStore(label, { BURROW_CONTAINERS_CONF_DIR: etc, XDG_CONFIG_HOME: join(etc, 'no-config') });
    };

    it('oci:DIR[:REF]: REF chooses by ref.name, without it several images are an error; named localhost/DIR:latest as podman names it', async () => {
      const dir = join(work, 'two-oci-0');
      tool('skopeo', ['copy', '-q', `oci-archive:${images.plainOci}`, `oci:${dir}:one`]);
      tool('skopeo', ['copy', '-q', `oci-archive:${images.cfgOci}`, `oci:${dir}:two`]);
      const store = policyStore('tr-pull-oci');
      const both = await store.run(['pull', 'oci:two-oci-0'], { cwd: work });
      expect(both.stderr).toMatch(/^Error: .*more than one image in .*: choose one with oci:.*:REF\n$/);
      expect(both.exitCode).toBe(125);
      const none = await store.run(['pull', 'oci:two-oci-0:three'], { cwd: work });
      expect(none.stderr).toMatch(/^Error: .*no image named `three`/);
      expect(none.exitCode).toBe(125);
      expect(imageNames(store)).toEqual([]);

      // a directory with capitals: a name cannot have them, and podman refuses to make one
      const capitals = join(work, 'Two-OCI');
      cpSync(dir, capitals, { recursive: true });
      const upper = await store.run(['pull', `oci:${capitals}:two`]);
      expect(upper.stderr).toMatch(/^Error: oci:.*: the image would be named `localhost\/.*`, which is not a valid name/);
      expect(upper.exitCode).toBe(125);
      expect(imageNames(store)).toEqual([]);
      // the path as typed names the image (as podman: `oci:lay:two` gives localhost/lay:latest)
      const r = await store.run(['pull', `oci:two-oci-0:two`], { cwd: work });
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      const id = await imageId(await loadedStore('tr-cfg-id', images.cfgOci), CFG);
      expect(r.stdout).toBe(`${id}\n`);
      const name = 'localhost/two-oci-0:latest';
      expect(imageNames(store)).toEqual([name]);
      expect((await store.run(['run', '--rm', name])).stdout).toBe('cmd:bar:/srv/work:1000:1000\n');
    });

    it('oci-archive:PATH: the name is the ref.name skopeo wrote; the image runs', async () => {
      const store = policyStore('tr-pull-oci-archive');
      const r = await store.run(['pull', `oci-archive:${images.plainOci}`]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^[a-f0-9]{64}\n$/);
      expect(imageNames(store)).toEqual([PLAIN]);
      expect((await store.run(['run', '--rm', PLAIN, 'cat', '/etc/fixture'])).stdout).toBe('fixture\n');
    });

    it('docker-archive:PATH[:REF]: a tag or @N chooses among the images of `save -m`', async () => {
      const from = await loadedStore('tr-multi-from', images.plainOci, images.cfgOci);
      const archive = join(work, 'multi.tar');
      const saved = await from.run(['save', '-m', '-o', archive, PLAIN, CFG]);
      expect(saved.exitCode).toBe(0);
      const store = policyStore('tr-pull-docker-archive');
      const both = await store.run(['pull', `docker-archive:${archive}`]);
      expect(both.stderr).toMatch(/^Error: .*more than one image/);
      expect(both.exitCode).toBe(125);
      const missing = await store.run(['pull', `docker-archive:${archive}:@2`]);
      expect(missing.stderr).toMatch(/^Error: .*no image @2/);
      expect(missing.exitCode).toBe(125);

      const byTag = await store.run(['pull', `docker-archive:${archive}:${CFG}`]);
      expect(byTag.exitCode).toBe(0);
      expect(byTag.stdout).toBe(`${await imageId(from, CFG)}\n`);
      expect(imageNames(store)).toEqual([CFG]);
      const byIndex = await store.run(['pull', `docker-archive:${archive}:@0`]);
      expect(byIndex.exitCode).toBe(0);
      expect(byIndex.stdout).toBe(`${await imageId(from, PLAIN)}\n`);
      expect(imageNames(store)).toEqual([CFG, PLAIN]);
      expect((await store.run(['run', '--rm', PLAIN, 'cat', '/etc/fixture'])).stdout).toBe('fixture\n');
    });

    it('policy.json is checked for the transport and the path', async () => {
      const store = policyStore('tr-pull-policy', {
        default: [{ type: 'insecureAcceptAnything' }],
        transports: { 'oci-archive': { [images.plainOci]: [{ type: 'reject' }] }, 'docker-archive': { '': [{ type: 'reject' }] } },
      });
      const oci = await store.run(['pull', `oci-archive:${images.plainOci}`]);
      expect(oci.stderr).toMatch(/^Error: oci-archive:.*: rejected by the policy in .*policy\.json\n$/);
      expect(oci.exitCode).toBe(125);
      const docker = await store.run(['pull', `docker-archive:${images.plainDocker}`]);
      expect(docker.stderr).toMatch(/^Error: docker-archive:.*: rejected by the policy/);
      expect(docker.exitCode).toBe(125);
      expect(imageNames(store)).toEqual([]);
      const other = await store.run(['pull', `oci-archive:${images.cfgOci}`]);
      expect(other.exitCode).toBe(0);
      expect(imageNames(store)).toEqual([CFG]);
    });

    it('registry-only flags and a missing file are refused', async () => {
      const store = policyStore('tr-pull-flags');
      const all = await store.run(['pull', '--all-tags', `oci-archive:${images.plainOci}`]);
      expect(all.stderr).toMatch(/--all-tags: .* is not in a registry/);
      expect(all.exitCode).toBe(125);
      const arch = await store.run(['pull', '--arch', 'arm64', `oci-archive:${images.plainOci}`]);
      expect(arch.stderr).toMatch(/not in a registry/);
      expect(arch.exitCode).toBe(125);
      const gone = await store.run(['pull', `docker-archive:${join(work, 'no-such.tar')}`]);
      expect(gone.stderr).toMatch(/^Error: docker-archive:.*no-such\.tar: no such file or directory\n$/);
      expect(gone.exitCode).toBe(125);
      expect(imageNames(store)).toEqual([]);
    });
  });

  describe('push to the file transports', () => {
    const skopeoOut = (args: string[]): string => execFileSync('skopeo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

    it('oci:DIR:REF: skopeo and umoci read it; a second push adds to the layout, the first blobs kept; --digestfile is the manifest digest', async () => {
      const store = await loadedStore('tr-push-oci', images.plainOci, images.cfgDocker);
      const dir = fresh('pushed-oci');
      const digestfile = join(work, `digest-${counter++}`);
      const r = await store.run(['push', '--digestfile', digestfile, PLAIN, `oci:${dir}:one`]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      const inspected = JSON.parse(skopeoOut(['inspect', `oci:${dir}:one`])) as { Digest: string; Layers: string[] };
      expect(inspected.Digest).toBe(readFileSync(digestfile, 'utf8'));
      const layout = readLayout(dir);
      const first = readdirSync(join(dir, 'blobs', 'sha256')).sort();

      const second = await store.run(['push', CFG, `oci:${dir}:two`]);
      expect(second.exitCode).toBe(0);
      expect(execFileSync('umoci', ['ls', '--layout', dir], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual(['one', 'two']);
      const after = readdirSync(join(dir, 'blobs', 'sha256'));
      for (const b of first) expect(after).toContain(b);
      expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
      // the same REF again replaces its entry
      expect((await store.run(['push', CFG, `oci:${dir}:one`])).exitCode).toBe(0);
      expect(execFileSync('umoci', ['ls', '--layout', dir], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual(['one', 'two']);
      expect(JSON.parse(skopeoOut(['inspect', `oci:${dir}:one`])).Digest).not.toBe(inspected.Digest);
      // skopeo copies it on into a docker-archive, which burrow loads and runs
      const archive = join(work, `from-layout-${counter++}.tar`);
      skopeoOut(['copy', '-q', `oci:${dir}:two`, `docker-archive:${archive}:localhost/again:1`]);
      const other = newStore('tr-push-oci-again');
      expect((await other.run(['load', '-i', archive])).stdout).toBe('Loaded image: localhost/again:1\n');
      expect((await other.run(['run', '--rm', 'localhost/again:1'])).stdout).toBe('cmd:bar:/srv/work:1000:1000\n');
      expect(layout.manifest.layers.length).toBeGreaterThan(0);
    });

    it('digests are kept: a layout pulled with oci: and pushed with oci: has the same manifest, config and layer digests', async () => {
      const src = join(work, 'keep-src');
      tool('skopeo', ['copy', '-q', `oci-archive:${images.plainOci}`, `oci:${src}:k`]);
      const store = newStore('tr-keep', { BURROW_CONTAINERS_CONF_DIR: acceptingFreshEtc() });
      const pulled = await store.run(['pull', 'oci:keep-src:k'], { cwd: work });
      expect(pulled.stderr).toBe('');
      expect(pulled.exitCode).toBe(0);
      const dst = fresh('keep-dst');
      expect((await store.run(['push', 'localhost/keep-src:latest', `oci:${dst}:k`])).exitCode).toBe(0);
      const a = readLayout(src);
      const b = readLayout(dst);
      const indexDigest = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }).manifests[0]?.digest as string;
      expect(indexDigest(dst)).toBe(indexDigest(src));
      expect(b.manifest).toEqual(a.manifest);
    });

    it('oci-archive:PATH:REF and docker-archive:PATH are written whole; podman loads the docker-archive', async () => {
      const store = await loadedStore('tr-push-archives', images.cfgDocker);
      const ociArchive = join(work, 'pushed-oci-archive.tar');
      expect((await store.run(['push', CFG, `oci-archive:${ociArchive}:v1`])).exitCode).toBe(0);
      expect(JSON.parse(skopeoOut(['inspect', '--config', `oci-archive:${ociArchive}:v1`])).config.Cmd).toBeDefined();

      const dockerArchive = join(work, 'pushed-docker-archive.tar');
      const r = await store.run(['push', CFG, `docker-archive:${dockerArchive}`]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      const home = fresh('podman-home');
      mkdirSync(home);
      const runDir = fresh('podman-run');
      mkdirSync(runDir, { mode: 0o700 });
      const podman = execFileSync('podman', ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs', 'load', '-i', dockerArchive], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: runDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(podman).toContain('Loaded image: localhost/cfg:latest');
      // and back: podman save --format oci-dir, burrow load -i DIR
      const podmanDir = fresh('podman-oci-dir');
      execFileSync('podman', ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs', 'save', '--format', 'oci-dir', '-o', podmanDir, 'localhost/cfg:latest'], {
        env: { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: runDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const back = newStore('tr-podman-back');
      const loaded = await back.run(['load', '-i', podmanDir]);
      expect(loaded.stderr).toBe('');
      expect(loaded.exitCode).toBe(0);
      expect(loaded.stdout).toBe(`Loaded image: ${CFG}\n`);
      expect((await back.run(['run', '--rm', CFG])).stdout).toBe('cmd:bar:/srv/work:1000:1000\n');

      // a destination that cannot be written leaves nothing
      const bad = await store.run(['push', CFG, `docker-archive:${join(work, 'no-such-dir', 'x.tar')}`]);
      expect(bad.stderr).toMatch(/^Error: write .*no-such-dir/);
      expect(bad.exitCode).toBe(125);
      const format = await store.run(['push', '--format', 'v2s2', CFG, `oci:${fresh('fmt')}`]);
      expect(format.stderr).toBe('Error: --format v2s2: oci: holds oci manifests only\n');
      expect(format.exitCode).toBe(125);
    });
  });

  describe('with a registry', () => {
    let reg: TestRegistry | undefined;
    beforeAll(async () => {
      reg = await startRegistry();
      skopeoPush(reg, `oci-archive:${images.plainOci}`, 'tools/plain:1');
    }, 120_000);
    afterAll(async () => {
      await reg?.stop();
    });

    it('skopeo copy docker:// oci-archive:X, burrow pull oci-archive:X, runs; burrow push docker:// back, skopeo sees the same layers', async () => {
      const host = (reg as TestRegistry).host;
      const archive = join(work, 'from-registry.tar');
      tool('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${host}/tools/plain:1`, `oci-archive:${archive}:reg`]);
      const store = newStore('tr-registry', { BURROW_CONTAINERS_CONF_DIR: acceptingFreshEtc() });
      const r = await store.run(['pull', `oci-archive:${archive}`]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(imageNames(store)).toEqual(['localhost/reg:latest']);
      expect((await store.run(['run', '--rm', 'localhost/reg', 'cat', '/etc/fixture'])).stdout).toBe('fixture\n');
      const pushed = await store.run(['push', '-q', '--tls-verify=false', 'localhost/reg', `docker://${host}/back/plain:2`]);
      expect(pushed.stderr).toBe('');
      expect(pushed.exitCode).toBe(0);
      const inspect = (ref: string): string[] =>
        (JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', ref], { encoding: 'utf8' })) as { Layers: string[] }).Layers;
      expect(inspect(`docker://${host}/back/plain:2`)).toEqual(inspect(`docker://${host}/tools/plain:1`));
    });
  });

  describe('hostile layout directories: exit 125, one Error: line, the store unchanged, nothing outside read', () => {
    const cases: { name: string; dir: () => string; error: RegExp }[] = [];
    const add = (name: string, error: RegExp, dir: () => string): void => {
      cases.push({ name, dir, error });
    };
    /** the layer blob of the plain layout replaced by `make(path)` */
    const replaceLayer = (make: (path: string) => void): string => {
      const layout = readLayout(plainLayout());
      const path = layout.blob(layout.manifest.layers[0]?.digest as string);
      unlinkSync(path);
      make(path);
      return layout.dir;
    };

    add('a blob that is an absolute symlink to a host file', /symbolic link leading outside/, () => replaceLayer((p) => symlinkSync(secret, p)));
    add('a blob that is a relative symlink climbing out of the directory', /symbolic link leading outside/, () =>
      replaceLayer((p) => symlinkSync(`${'../'.repeat(30)}${secret.slice(1)}`, p)),
    );
    add('a blob that is a directory', /not a regular file/, () => replaceLayer((p) => mkdirSync(p)));
    add('a blob that is a FIFO', /not a regular file/, () => replaceLayer((p) => tool('mkfifo', [p])));
    add('a missing blob', /is not in the directory/, () => replaceLayer(() => undefined));
    add('a blob whose bytes do not match its digest', /digest|sha256/, () => {
      const layout = readLayout(plainLayout());
      const path = layout.blob(layout.manifest.config.digest);
      writeFileSync(path, readFileSync(path, 'utf8').replace('"amd64"', '"arm64"'));
      return layout.dir;
    });
    add('index.json a symlink (to a good index inside)', /index\.json.* symbolic link/, () => {
      const dir = plainLayout();
      writeFileSync(join(dir, 'real-index.json'), readFileSync(join(dir, 'index.json')));
      unlinkSync(join(dir, 'index.json'));
      symlinkSync('real-index.json', join(dir, 'index.json'));
      return dir;
    });
    add('index.json a symlink to a host file', /index\.json.* symbolic link/, () => {
      const dir = plainLayout();
      unlinkSync(join(dir, 'index.json'));
      symlinkSync(secret, join(dir, 'index.json'));
      return dir;
    });
    add('index.json a directory', /index\.json.* not a regular file/, () => {
      const dir = plainLayout();
      unlinkSync(join(dir, 'index.json'));
      mkdirSync(join(dir, 'index.json'));
      return dir;
    });
    add('an oversized index.json', /index\.json.* larger than/, () => {
      const dir = plainLayout();
      const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Record<string, unknown>;
      index.annotations = { pad: 'x'.repeat(17 << 20) };
      writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
      return dir;
    });
    add('index.json that is not JSON', /index\.json is not valid JSON/, () => {
      const dir = plainLayout();
      writeFileSync(join(dir, 'index.json'), '{"manifests": [');
      return dir;
    });
    add('a docker manifest.json layer path with ..', /has `\.\.` in it/, () => {
      const dir = cfgDockerDir();
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
      (manifest[0] as { Layers: string[] }).Layers[0] = `${'../'.repeat(30)}${secret.slice(1)}`;
      rewrite(join(dir, 'manifest.json'), JSON.stringify(manifest));
      return dir;
    });
    add('a docker manifest.json layer path that is absolute', /absolute path/, () => {
      const dir = cfgDockerDir();
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
      (manifest[0] as { Layers: string[] }).Layers[0] = secret;
      rewrite(join(dir, 'manifest.json'), JSON.stringify(manifest));
      return dir;
    });
    add('a docker layer file that is a symlink through a directory link leading out', /symbolic link leading outside/, () => {
      const dir = cfgDockerDir();
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
      symlinkSync(canary, join(dir, 'out'));
      (manifest[0] as { Layers: string[] }).Layers[0] = 'out/secret';
      rewrite(join(dir, 'manifest.json'), JSON.stringify(manifest));
      return dir;
    });
    add('manifest.json a symlink to a host file', /manifest\.json.* symbolic link/, () => {
      const dir = cfgDockerDir();
      rmSync(join(dir, 'manifest.json'));
      symlinkSync(secret, join(dir, 'manifest.json'));
      return dir;
    });

    for (const c of cases) {
      it(c.name, async () => {
        const store = await loadedStore('tr-bad', images.plainDocker);
        const dir = c.dir();
        const before = storeState(store);
        const canaryBefore = treeSnapshot(canary);
        const r = await store.run(['load', '-i', dir]);
        expect(r.stdout).toBe('');
        expectOneError(r, c.error);
        expect(storeState(store)).toEqual({ ...before, tmp: [] });
        expect(treeSnapshot(canary)).toEqual(canaryBefore);
        expect(readFileSync(secret, 'utf8')).toBe('host file\n');
        expect((await store.run(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout).toBe(`${PLAIN}\n`);
        expect((await store.run(['run', '--rm', PLAIN, 'true'])).exitCode).toBe(0);
      });
    }
  });
});
