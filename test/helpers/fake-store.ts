/**
 * A store on a FakeSys (fake-sys.ts) in a temp directory, and images put in
 * it by hand, as ingest would leave them (blobs, layer records, unpacked
 * layer directories, the image record), without a worker or the helper.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import type { Paths } from '../../src/config/paths.js';
import { chainIds, type Digest, hex, sha256 } from '../../src/oci/digest.js';
import { type ContainerConfig, type ImageConfig, type Manifest, MediaType } from '../../src/oci/image.js';
import { type ImageRecord, type LayerRecord, Store } from '../../src/storage/store.js';
import { FakeSys } from './fake-sys.js';

export interface FakeStore {
  dir: string;
  paths: Paths;
  sys: FakeSys;
  store: Store;
  /** the runtime's Env (what a command's Context gives) */
  env: { paths: Paths; env: NodeJS.ProcessEnv; cwd: string; sys: FakeSys; store(): Promise<Store> };
  remove(): void;
}

export function fakeStore(hostEnv: NodeJS.ProcessEnv = {}): FakeStore {
  const dir = mkdtempSync(join(tmpdir(), 'burrow-fake-store-'));
  const paths: Paths = { data: join(dir, 'data'), runtime: join(dir, 'run'), config: join(dir, 'config') };
  const sys = new FakeSys(join(dir, 'plans'));
  const store = new Store(paths, sys).init();
  return {
    dir,
    paths,
    sys,
    store,
    env: { paths, env: { BURROW_STORAGE_DRIVER: 'overlay', ...hostEnv }, cwd: dir, sys, store: async () => store },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function putBlob(store: Store, data: Buffer): Digest {
  const digest = sha256(data);
  writeFileSync(store.blobPath(digest), data);
  return digest;
}

/**
 * Puts an image of one layer per entry of `layers` (file name -> content) in
 * the store, named `name`, with `config` as its container config.
 */
export async function putImage(store: Store, name: string, config: ContainerConfig, layers: Record<string, string>[]): Promise<ImageRecord> {
  const blobs = layers.map((files) => {
    const data = Buffer.from(JSON.stringify(files)); // a stand-in for the tar: only its digest is kept
    return { files, digest: putBlob(store, data), size: data.length };
  });
  const diffIds = blobs.map((b) => b.digest);
  const chain = chainIds(diffIds);
  blobs.forEach((b, i) => {
    const chainId = chain[i] as Digest;
    const diff = store.layerDiff(chainId);
    for (const [file, content] of Object.entries(b.files)) {
      mkdirSync(dirname(join(diff, file)), { recursive: true });
      writeFileSync(join(diff, file), content);
    }
    mkdirSync(diff, { recursive: true });
    const rec: LayerRecord = { chainId, diffId: b.digest, parent: i > 0 ? chain[i - 1] : undefined, size: b.size, blob: { digest: b.digest, mediaType: MediaType.ociLayer, size: b.size } };
    writeFileSync(join(store.layerDir(chainId), 'layer.json'), JSON.stringify(rec));
  });
  const created = '2026-01-01T00:00:00Z';
  const image: ImageConfig = { created, architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: diffIds } };
  const configBytes = Buffer.from(JSON.stringify(image));
  const configDigest = putBlob(store, configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length },
    layers: blobs.map((b) => ({ mediaType: MediaType.ociLayer, digest: b.digest, size: b.size })),
  };
  const manifestDigest = putBlob(store, Buffer.from(JSON.stringify(manifest)));
  const record: ImageRecord = { id: hex(configDigest), digest: manifestDigest, names: [], manifest: manifestDigest, config: configDigest, layers: chain, created, size: 0, stored: created };
  return store.lock(() => store.putImage(record, [name]));
}
