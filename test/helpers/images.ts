/**
 * Test images, built the way other tools build them:
 *
 *   fixture rootfs --umoci (rootless)--> OCI layout --skopeo copy--> docker-archive / oci-archive
 *
 * and, where a test needs bytes no tool writes on purpose (files owned by
 * uid 1000 in a rootless build, whiteouts, hostile entries, wrong digests),
 * archives assembled here from tars made with tar-stream: docker-archive
 * (manifest.json, <config hex>.json, <layer hex>.tar) and oci-archive
 * (oci-layout, index.json, blobs/sha256/...).
 *
 * Images (all share the base layer made from the fixture rootfs):
 *   localhost/cfg:latest     Entrypoint sh -c, Cmd prints FOO, pwd, uid and gid;
 *                            Env FOO=bar, WorkingDir /srv/work, User 1000:1000, Volumes /data
 *   localhost/plain:latest   no entrypoint, Cmd /bin/sh
 *   localhost/sharea|shareb  base + a layer adding /a.txt or /b.txt
 *   localhost/wh:latest      base + a hand-made layer: etc/.wh.fixture (hides the
 *                            base's /etc/fixture), /owned and /home/tester/mine owned by 1000:1000,
 *                            /shared setgid of group 1000, with entries of root's in it
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import tar from 'tar-stream';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  data?: string | Buffer;
  linkname?: string;
  uid?: number;
  gid?: number;
  mode?: number;
  /** seconds since the epoch (default: 2020-09-13) */
  mtime?: number;
}

/** A tar of `entries`, names written exactly as given (no sanitizing: hostile names stay hostile). */
export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = type === 'file' ? Buffer.from(e.data ?? '') : Buffer.alloc(0);
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: new Date((e.mtime ?? 1_600_000_000) * 1000),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
    };
    await new Promise<void>((resolve, reject) => pack.entry(header, data, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

export function sha256hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface ImageParts {
  /** the `config` part of the image config (Entrypoint, Cmd, Env, ...) */
  config: Record<string, unknown>;
  /** uncompressed layer tars, base first */
  layers: Buffer[];
}

/** An image config (OCI / docker) for `parts`, diff ids computed. */
export function imageConfig(parts: ImageParts): Buffer {
  return Buffer.from(
    JSON.stringify({
      created: '2020-09-13T12:26:40Z',
      architecture: 'amd64',
      os: 'linux',
      config: parts.config,
      rootfs: { type: 'layers', diff_ids: parts.layers.map((l) => `sha256:${sha256hex(l)}`) },
      history: parts.layers.map(() => ({ created: '2020-09-13T12:26:40Z', created_by: 'test/helpers/images.ts' })),
    }),
  );
}

/** The entries of a docker-archive holding one image (for tests to change before writing). */
export function dockerArchiveEntries(parts: ImageParts, tag: string): TarEntry[] {
  const config = imageConfig(parts);
  const configName = `${sha256hex(config)}.json`;
  const layerNames = parts.layers.map((l) => `${sha256hex(l)}.tar`);
  const manifest = [{ Config: configName, RepoTags: [tag], Layers: layerNames }];
  return [
    { name: configName, data: config },
    ...parts.layers.map((l, i) => ({ name: layerNames[i] as string, data: l })),
    { name: 'manifest.json', data: JSON.stringify(manifest) },
  ];
}

export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

/** The entries of an oci-archive holding one image; `layerMediaType` lets a test name a type nobody knows. */
export function ociArchiveEntries(parts: ImageParts, refName: string, layerMediaType = OCI_LAYER): TarEntry[] {
  const config = imageConfig(parts);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256hex(config)}`, size: config.length },
      layers: parts.layers.map((l) => ({ mediaType: layerMediaType, digest: `sha256:${sha256hex(l)}`, size: l.length })),
    }),
  );
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${sha256hex(manifest)}`,
        size: manifest.length,
        annotations: { 'org.opencontainers.image.ref.name': refName },
      },
    ],
  };
  const blob = (data: Buffer): TarEntry => ({ name: `blobs/sha256/${sha256hex(data)}`, data });
  return [
    { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
    blob(config),
    ...parts.layers.map(blob),
    blob(manifest),
    { name: 'index.json', data: JSON.stringify(index) },
  ];
}

export async function writeTar(file: string, entries: TarEntry[]): Promise<string> {
  writeFileSync(file, await makeTar(entries));
  return file;
}

export interface TestImages {
  dir: string;
  /** docker-archive (skopeo) of localhost/cfg:latest */
  cfgDocker: string;
  /** oci-archive (skopeo) of localhost/cfg:latest */
  cfgOci: string;
  /** oci-archive (skopeo) of localhost/plain:latest */
  plainOci: string;
  /** docker-archive (skopeo) of localhost/plain:latest */
  plainDocker: string;
  /** docker-archives (skopeo) of localhost/sharea:latest and localhost/shareb:latest */
  shareA: string;
  shareB: string;
  /** docker-archive (assembled here) of localhost/wh:latest */
  wh: string;
  /** the base layer as an uncompressed tar (what umoci made of the fixture rootfs) */
  baseLayer: Buffer;
  /** the config of localhost/plain, for archives assembled from the base layer */
  plainConfig: Record<string, unknown>;
}

function tool(file: string, args: string[], cwd: string): void {
  execFileSync(file, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The first layer tar of a docker-archive (unpacked into `into`). */
function firstLayerOf(archive: string, into: string): Buffer {
  mkdirSync(into, { recursive: true });
  execFileSync('tar', ['-xf', archive, '-C', into]);
  const manifest = JSON.parse(readFileSync(join(into, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
  return readFileSync(join(into, manifest[0]?.Layers[0] as string));
}

/** Builds every test image under `dir` from the fixture root filesystem. Needs umoci and skopeo. */
export async function buildTestImages(rootfs: string, dir: string): Promise<TestImages> {
  mkdirSync(dir, { recursive: true });
  const layout = join(dir, 'layout');
  tool('umoci', ['init', '--layout', layout], dir);
  tool('umoci', ['new', '--image', `${layout}:empty`], dir);
  tool('umoci', ['unpack', '--rootless', '--image', `${layout}:empty`, join(dir, 'bundle')], dir);
  cpSync(rootfs, join(dir, 'bundle', 'rootfs'), { recursive: true, verbatimSymlinks: true });
  // Not the empty mount points that `run --rootfs` of other tests leaves in the shared root (as podman
  // does): the images are the fixture's, whichever test file ran first.
  for (const f of ['etc/hosts', 'etc/resolv.conf']) {
    const file = join(dir, 'bundle', 'rootfs', f);
    if (existsSync(file) && statSync(file).size === 0) rmSync(file);
  }
  mkdirSync(join(dir, 'bundle', 'rootfs', 'srv', 'work'), { recursive: true });
  tool('umoci', ['repack', '--image', `${layout}:base`, join(dir, 'bundle')], dir);

  const script = 'echo "cmd:$FOO:$(pwd):$(id -u):$(id -g)"';
  tool(
    'umoci',
    [
      'config', '--image', `${layout}:base`, '--tag', 'cfg',
      '--config.entrypoint', '/bin/sh', '--config.entrypoint', '-c', '--config.cmd', script,
      '--config.env', 'FOO=bar', '--config.env', 'PATH=/bin', '--config.workingdir', '/srv/work',
      '--config.user', '1000:1000', '--config.volume', '/data',
    ],
    dir,
  );
  tool('umoci', ['config', '--image', `${layout}:base`, '--tag', 'plain', '--config.cmd', '/bin/sh', '--config.env', 'PATH=/bin'], dir);
  for (const [tag, file] of [['sharea', 'a.txt'], ['shareb', 'b.txt']] as const) {
    const bundle = join(dir, `bundle-${tag}`);
    tool('umoci', ['unpack', '--rootless', '--image', `${layout}:plain`, bundle], dir);
    writeFileSync(join(bundle, 'rootfs', file), `${tag}\n`);
    tool('umoci', ['repack', '--image', `${layout}:${tag}`, bundle], dir);
  }

  const skopeo = (tag: string, transport: 'docker-archive' | 'oci-archive', file: string): string => {
    const out = join(dir, file);
    tool('skopeo', ['copy', '--quiet', `oci:${layout}:${tag}`, `${transport}:${out}:localhost/${tag}:latest`], dir);
    return out;
  };
  const images = {
    dir,
    cfgDocker: skopeo('cfg', 'docker-archive', 'cfg-docker.tar'),
    cfgOci: skopeo('cfg', 'oci-archive', 'cfg-oci.tar'),
    plainOci: skopeo('plain', 'oci-archive', 'plain-oci.tar'),
    plainDocker: skopeo('plain', 'docker-archive', 'plain-docker.tar'),
    shareA: skopeo('sharea', 'docker-archive', 'sharea.tar'),
    shareB: skopeo('shareb', 'docker-archive', 'shareb.tar'),
  };

  const baseLayer = firstLayerOf(images.plainDocker, join(dir, 'plain-docker'));
  const plainConfig = { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] };
  const upper = await makeTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/.wh.fixture' },
    { name: 'owned', data: 'mine\n', uid: 1000, gid: 1000 },
    { name: 'home/', type: 'directory' },
    { name: 'home/tester/', type: 'directory', uid: 1000, gid: 1000 },
    { name: 'home/tester/mine', data: 'mine\n', uid: 1000, gid: 1000, mode: 0o600 },
    // a setgid directory of another group: what is made in it takes that group, unless the layer says otherwise
    { name: 'shared/', type: 'directory', gid: 1000, mode: 0o2775 },
    { name: 'shared/root', data: 'root\n' },
    { name: 'shared/sub/', type: 'directory' },
    { name: 'shared/sub/root', data: 'root\n' },
    { name: 'shared/link', type: 'symlink', linkname: 'root' },
  ]);
  const wh = await writeTar(join(dir, 'wh.tar'), dockerArchiveEntries({ config: plainConfig, layers: [baseLayer, upper] }, 'localhost/wh:latest'));
  return { ...images, wh, baseLayer, plainConfig };
}
