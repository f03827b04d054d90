/**
 * Named volumes, laid out as podman's local driver keeps them: one directory
 * each under volumes/<name>/, its record in volume.json and its files in
 * _data/ (the mount point a container binds). A volume is created by renaming
 * a finished staging directory into place, so a killed create leaves nothing
 * half-made under the name; it is removed by renaming it into tmp/ first.
 * Its files belong to the containers' mapped ids: removal goes through the
 * user namespace (Sys.removeTrees).
 */
import { mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, errnoCode } from '../errors.js';
import { safeReaddir } from '../system/files.js';
import { atomicWriteFile, readJson } from './atomic.js';
import type { ContainerRecord } from './containers.js';
import type { Store } from './store.js';
import { byCodeUnits } from '../order.js';

export interface VolumeRecord {
  name: string;
  driver: 'local';
  created: string;
  labels: Record<string, string>;
  /** --opt KEY=VALUE: type (tmpfs), o (its mount options) */
  options: Record<string, string>;
  /** made for a container's VOLUME or `-v /path`: removed with it by `rm -v` */
  anonymous: boolean;
  /** not yet mounted by any container: the first one copies the image's files at its mount path into it (podman's copy-up) */
  needsCopyUp?: boolean;
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export class Volumes {
  constructor(private readonly store: Store) {}

  get dir(): string {
    return join(this.store.root, 'volumes');
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Where containers mount it. */
  mountpoint(name: string): string {
    return join(this.path(name), '_data');
  }

  list(): VolumeRecord[] {
    const out: VolumeRecord[] = [];
    for (const name of safeReaddir(this.dir)) {
      const rec = readJson<VolumeRecord | undefined>(join(this.path(name), 'volume.json'), undefined);
      if (rec) out.push(rec);
    }
    return out.sort((a, b) => byCodeUnits(a.name, b.name));
  }

  find(name: string): VolumeRecord | undefined {
    if (!NAME.test(name)) return undefined;
    return readJson<VolumeRecord | undefined>(join(this.path(name), 'volume.json'), undefined);
  }

  get(name: string): VolumeRecord {
    const rec = this.find(name);
    if (!rec) throw new BurrowError('E_NO_VOLUME', `no volume with name "${name}" found: no such volume`);
    return rec;
  }

  /** Creates a volume (`name` undefined: 64 random hex digits, as podman's); fails if the name is taken. */
  create(opts: { name?: string; labels?: Record<string, string>; options?: Record<string, string>; anonymous?: boolean }): VolumeRecord {
    const name = opts.name ?? this.store.sys.randomBytes(32).toString('hex');
    if (!NAME.test(name) || name.length > 255) throw new BurrowError('E_VOLUME', `volume name \`${name}\` is invalid: use letters, digits, _ . -, starting with a letter or digit`);
    const rec: VolumeRecord = { name, driver: 'local', created: new Date().toISOString(), labels: opts.labels ?? {}, options: opts.options ?? {}, anonymous: opts.anonymous ?? false, needsCopyUp: true };
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    mkdirSync(this.store.tmpDir(), { recursive: true, mode: 0o700 });
    const staging = mkdtempSync(join(this.store.tmpDir(), 'volume-'));
    mkdirSync(join(staging, '_data'), { mode: 0o755 });
    atomicWriteFile(join(staging, 'volume.json'), `${JSON.stringify(rec, null, 1)}\n`, 0o600);
    try {
      renameSync(staging, this.path(name));
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EEXIST' || code === 'ENOTEMPTY') throw new BurrowError('E_VOLUME_EXISTS', `volume with name ${name} already exists: volume already exists`);
      throw err;
    }
    return rec;
  }

  /** The first container that mounts it takes the copy-up: no later one does (even if the volume is emptied). */
  copiedUp(name: string): void {
    const rec = this.find(name);
    if (!rec?.needsCopyUp) return;
    atomicWriteFile(join(this.path(name), 'volume.json'), `${JSON.stringify({ ...rec, needsCopyUp: false }, null, 1)}\n`, 0o600);
  }

  /** The containers whose mounts name the volume. */
  users(name: string, containers: ContainerRecord[]): ContainerRecord[] {
    return containers.filter((c) => volumeNames(c).includes(name));
  }

  /** Moves the volume out (atomic) for removal; returns where it went. */
  detach(name: string): string {
    const trash = join(this.store.tmpDir(), `removed-volume-${name}`);
    renameSync(this.path(name), trash);
    return trash;
  }
}

/** The named volumes a container mounts: its -v NAME:... and its anonymous ones. */
export function volumeNames(c: ContainerRecord): string[] {
  const named = c.options.volume.map((v) => v.split(':')[0] as string).filter((src) => src !== '' && !src.startsWith('/') && !src.startsWith('.'));
  return [...named, ...(c.anonymousVolumes ?? [])];
}
