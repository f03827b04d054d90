/**
 * Archives for the interoperability and bad-input tests:
 *
 *   layerTar()      a layer tar written by python3's tarfile module (a peer
 *                   that writes whatever names, owners and links it is told,
 *                   `../` and absolute paths included)
 *   umociLayout()   an OCI image layout built by umoci (rootless), with a
 *                   layer of files owned by uid 1000 added by `umoci raw add-layer`
 *   dockerArchive(), ociArchive()
 *                   archives assembled here from layer tars, with a knob
 *                   for each kind of damage (wrong digest, missing blob,
 *                   unknown media type)
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'link' | 'chardev';
  data?: string;
  linkname?: string;
  uid?: number;
  gid?: number;
  mode?: number;
  mtime?: number;
}

const PY_TAR = `
import io, json, sys, tarfile
spec = json.load(sys.stdin)
types = {'file': tarfile.REGTYPE, 'dir': tarfile.DIRTYPE, 'symlink': tarfile.SYMTYPE, 'link': tarfile.LNKTYPE, 'chardev': tarfile.CHRTYPE}
with tarfile.open(spec['path'], 'w', format=tarfile.PAX_FORMAT) as t:
    for e in spec['entries']:
        ti = tarfile.TarInfo(e['name'])
        ti.type = types[e.get('type', 'file')]
        ti.uid = e.get('uid', 0); ti.gid = e.get('gid', 0)
        ti.mode = e.get('mode', 0o755 if ti.type == tarfile.DIRTYPE else 0o644)
        ti.mtime = e.get('mtime', 1700000000)
        ti.linkname = e.get('linkname', '')
        data = e.get('data', '').encode()
        if ti.type == tarfile.REGTYPE:
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        else:
            t.addfile(ti)
`;

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

export const sha256hex = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Writes a layer tar at `path` with python's tarfile; returns its bytes. */
export function layerTar(path: string, entries: TarEntry[]): Buffer {
  run('python3', ['-c', PY_TAR], JSON.stringify({ path, entries }));
  return readFileSync(path);
}

/** A tar of files given as name -> bytes (for assembling archives). */
function tarOf(path: string, files: [string, Buffer][]): void {
  const script = `
import io, sys, tarfile, json, base64
spec = json.load(sys.stdin)
with tarfile.open(spec['path'], 'w') as t:
    for name, b64 in spec['files']:
        data = base64.b64decode(b64)
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644; ti.mtime = 1700000000
        t.addfile(ti, io.BytesIO(data))
`;
  run('python3', ['-c', script], JSON.stringify({ path, files: files.map(([n, b]) => [n, b.toString('base64')]) }));
}

export interface ImageParts {
  /** uncompressed layer tars */
  layers: Buffer[];
  /** gzip the layers in the archive (OCI only) */
  gzip?: boolean;
  /** extra container config */
  config?: Record<string, unknown>;
}

export interface Damage {
  /** change one byte of the first layer after its digest was taken */
  wrongDigest?: boolean;
  /** leave the first layer out of the archive */
  missingBlob?: boolean;
  /** give the first layer this media type */
  mediaType?: string;
  /** cut the archive to this fraction of its length */
  truncate?: number;
}

function imageConfig(diffIds: string[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      created: '2026-01-01T00:00:00Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'], ...extra },
      rootfs: { type: 'layers', diff_ids: diffIds.map((d) => `sha256:${d}`) },
    }),
  );
}

function cut(path: string, damage: Damage): void {
  if (damage.truncate === undefined) return;
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * damage.truncate)));
}

/** A docker-archive at `path` (manifest.json, <hex>.json, <hex>.tar) named `tag`. */
export function dockerArchive(path: string, tag: string, parts: ImageParts, damage: Damage = {}): void {
  const diffIds = parts.layers.map(sha256hex);
  const config = imageConfig(diffIds, parts.config);
  const configName = `${sha256hex(config)}.json`;
  const layerFiles: [string, Buffer][] = parts.layers.map((l, i) => {
    let bytes = l;
    if (i === 0 && damage.wrongDigest) {
      bytes = Buffer.from(l);
      bytes[600] = (bytes[600] ?? 0) ^ 0x20; // inside the first file's name/data: still a tar
    }
    return [`${diffIds[i]}/layer.tar`, bytes];
  });
  const manifest = [{ Config: configName, RepoTags: [tag], Layers: layerFiles.map(([n]) => n) }];
  const files: [string, Buffer][] = [[configName, config], ...layerFiles.filter((_, i) => !(i === 0 && damage.missingBlob)), ['manifest.json', Buffer.from(JSON.stringify(manifest))]];
  tarOf(path, files);
  cut(path, damage);
}

/** An oci-archive at `path` (oci-layout, index.json with a ref.name, blobs/sha256/...). */
export function ociArchive(path: string, refName: string, parts: ImageParts, damage: Damage = {}): { manifestDigest: string; configDigest: string; layerDigests: string[] } {
  const diffIds = parts.layers.map(sha256hex);
  const config = imageConfig(diffIds, parts.config);
  const blobs: [string, Buffer][] = [];
  const layers = parts.layers.map((l, i) => {
    const bytes = parts.gzip ? gzipSync(l) : l;
    const digest = sha256hex(bytes);
    let stored = bytes;
    if (i === 0 && damage.wrongDigest) {
      stored = Buffer.from(bytes);
      stored[stored.length - 1] = (stored[stored.length - 1] ?? 0) ^ 1;
    }
    if (!(i === 0 && damage.missingBlob)) blobs.push([`blobs/sha256/${digest}`, stored]);
    const mediaType = i === 0 && damage.mediaType ? damage.mediaType : parts.gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar';
    return { mediaType, digest: `sha256:${digest}`, size: bytes.length };
  });
  const configDigest = sha256hex(config);
  blobs.push([`blobs/sha256/${configDigest}`, config]);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${configDigest}`, size: config.length },
      layers,
    }),
  );
  const manifestDigest = sha256hex(manifest);
  blobs.push([`blobs/sha256/${manifestDigest}`, manifest]);
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${manifestDigest}`, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': refName } }],
  };
  tarOf(path, [['oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}')], ...blobs, ['index.json', Buffer.from(JSON.stringify(index))]]);
  cut(path, damage);
  return { manifestDigest: `sha256:${manifestDigest}`, configDigest: `sha256:${configDigest}`, layerDigests: layers.map((l) => l.digest) };
}

/**
 * An OCI image layout at `dir`, tag `tag`, built by umoci: a base layer
 * (base.txt, bin/) from `umoci repack`, then `extra` (a layer tar: python
 * makes files owned by uid 1000, which a rootless umoci cannot) added by
 * `umoci raw add-layer`. Returns the layout's archive (tar of the directory).
 */
export function umociLayout(dir: string, tag: string, extra: string, work: string): string {
  run('umoci', ['init', '--layout', dir]);
  run('umoci', ['new', '--image', `${dir}:${tag}`]);
  const bundle = join(work, 'bundle');
  run('umoci', ['unpack', '--rootless', '--image', `${dir}:${tag}`, bundle]);
  writeFileSync(join(bundle, 'rootfs', 'base.txt'), 'base\n');
  run('umoci', ['repack', '--image', `${dir}:${tag}`, bundle]);
  run('umoci', ['raw', 'add-layer', '--image', `${dir}:${tag}`, extra]);
  run('umoci', ['config', '--image', `${dir}:${tag}`, '--config.cmd', '/bin/sh']);
  const archive = join(work, 'umoci-layout.tar');
  run('tar', ['-C', dir, '-cf', archive, '.']);
  return archive;
}

export { run as runTool };
