/**
 * A container's volumes, settled when it is created: `-v NAME:/path` makes
 * the named volume when it is not there (as podman does), `-v /path` and the
 * image's VOLUMEs not covered by a mount get anonymous volumes of their own
 * (kept until `rm -v`), `--mount` and `--volumes-from` become plain -v and
 * --tmpfs entries. The record then holds only names and host paths; at each
 * start the names become mount points, `:O` volumes get a fresh upper dir and
 * `:U` ones are chowned to the container's user.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { BurrowError, UsageError } from '../errors.js';
import type { ImageConfig } from '../oci/image.js';
import type { ContainerOptions, ContainerRecord } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import type { ContainerSpec } from './compile.js';
import { containerPath, isVolumeName, volumeOptions } from './options.js';

export interface VolumeInputs {
  /** --mount type=bind|volume|tmpfs,... */
  mount: string[];
  /** --volumes-from CONTAINER[:ro|rw] */
  volumesFrom: string[];
}

/** --mount's comma list as -v or --tmpfs entries. */
export function parseMount(spec: string): { volume?: string; tmpfs?: string } {
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    fields.set(eq < 0 ? part : part.slice(0, eq), eq < 0 ? 'true' : part.slice(eq + 1));
  }
  const take = (...keys: string[]) => {
    for (const k of keys) {
      const v = fields.get(k);
      fields.delete(k);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const type = take('type') ?? 'volume';
  const source = take('source', 'src');
  const target = take('destination', 'dst', 'target');
  const ro = take('ro', 'readonly');
  const readonly = ro !== undefined && ro !== 'false';
  take('relabel', 'bind-propagation', 'z', 'Z', 'consistency');
  const U = take('U', 'chown');
  const chown = U !== undefined && U !== 'false';
  const nc = take('volume-nocopy');
  const nocopy = nc !== undefined && nc !== 'false';
  if (target === undefined) throw new UsageError(`invalid --mount \`${spec}\`: it needs a destination (dst=PATH)`);
  if (type === 'tmpfs') {
    const size = take('tmpfs-size');
    const mode = take('tmpfs-mode');
    const opts = [...(size ? [`size=${size}`] : []), ...(mode ? [`mode=${mode}`] : []), ...(readonly ? ['ro'] : [])];
    if (fields.size > 0) throw new UsageError(`invalid --mount \`${spec}\`: unknown option \`${[...fields.keys()][0]}\``);
    return { tmpfs: opts.length > 0 ? `${target}:${opts.join(',')}` : target };
  }
  if (fields.size > 0) throw new UsageError(`invalid --mount \`${spec}\`: unknown option \`${[...fields.keys()][0]}\``);
  const opts = [...(readonly ? ['ro'] : []), ...(chown ? ['U'] : []), ...(nocopy && type === 'volume' ? ['nocopy'] : [])];
  const suffix = opts.length > 0 ? `:${opts.join(',')}` : '';
  if (type === 'bind') {
    if (source === undefined) throw new UsageError(`invalid --mount \`${spec}\`: a bind mount needs a source (src=PATH)`);
    if (isVolumeName(source)) throw new UsageError(`invalid --mount \`${spec}\`: a bind mount's source must be a path`);
    return { volume: `${source}:${target}${suffix}` };
  }
  if (type === 'volume') return { volume: source === undefined ? `${target}${suffix ? `${suffix}` : ''}` : `${source}:${target}${suffix}` };
  throw new UsageError(`invalid --mount \`${spec}\`: type \`${type}\` is not bind, volume or tmpfs`);
}

/**
 * Settles the volumes of a container being created: the options to record
 * (every -v a host path or a volume's name) and the anonymous volumes made.
 * Volumes made here are removed again by `undo` when the create fails.
 */
export function settleVolumes(store: Store, options: ContainerOptions, inputs: VolumeInputs, config: ImageConfig | undefined): { options: ContainerOptions; anonymous: string[]; undo: () => string[] } {
  const { volumes, containers } = store;
  const made: string[] = [];
  const anonymous: string[] = [];
  const volume: string[] = [];
  const tmpfs = [...options.tmpfs];
  const anonymousAt = (target: string, opts = '') => {
    const rec = volumes.create({ anonymous: true });
    made.push(rec.name);
    anonymous.push(rec.name);
    return `${rec.name}:${target}${opts ? `:${opts}` : ''}`;
  };
  const add = (v: string) => {
    const parts = v.split(':');
    if (parts.length === 1 || (parts.length === 2 && parts[0]?.startsWith('/') && !parts[1]?.startsWith('/'))) {
      // -v /path (or /path:OPTIONS): an anonymous volume there
      const [target = '', opts = ''] = parts;
      volumeOptions(v, opts);
      return volume.push(anonymousAt(target, opts));
    }
    const src = parts[0] as string;
    if (isVolumeName(src) && !volumes.find(src)) {
      volumes.create({ name: src });
      made.push(src);
    }
    volume.push(v);
  };
  try {
    for (const v of options.volume) add(v);
    for (const m of inputs.mount) {
      const { volume: v, tmpfs: t } = parseMount(m);
      if (v !== undefined) add(v);
      if (t !== undefined) tmpfs.push(t);
    }
    for (const from of inputs.volumesFrom) {
      const [ref = '', mode] = from.split(':');
      if (mode !== undefined && mode !== 'ro' && mode !== 'rw') throw new UsageError(`invalid --volumes-from \`${from}\`: the mode is ro or rw`);
      const other = containers.get(ref);
      for (const v of other.options.volume) {
        const [src = '', target = '', opts = ''] = v.split(':');
        const kept = opts.split(',').filter((o) => o !== '' && o !== 'ro' && o !== 'rw');
        const rw = mode ?? (opts.split(',').includes('ro') ? 'ro' : undefined);
        const all = [...kept, ...(rw ? [rw] : [])];
        volume.push(`${src}:${target}${all.length > 0 ? `:${all.join(',')}` : ''}`);
      }
    }
    // The image's VOLUMEs that no mount covers: an anonymous volume each.
    const taken = new Set([...volume.map((v) => containerPath(v.split(':')[1] ?? '')), ...tmpfs.map((t) => containerPath(t.split(':')[0] ?? ''))]);
    for (const path of Object.keys(config?.config?.Volumes ?? {})) {
      const target = containerPath(path);
      if (!target.startsWith('/') || taken.has(target)) continue;
      taken.add(target);
      volume.push(anonymousAt(target));
    }
  } catch (err) {
    undo();
    throw err;
  }
  function undo(): string[] {
    return made.map((name) => volumes.detach(name));
  }
  return { options: { ...options, volume, tmpfs }, anonymous, undo };
}

/** A named volume's mount point; one removed meanwhile is an error naming it. */
export function volumeSource(store: Store): (name: string) => string {
  return (name) => {
    store.volumes.get(name);
    return store.volumes.mountpoint(name);
  };
}

/**
 * Before each start: a new volume marked for the image's files (copy-up), fresh
 * upper and work dirs for the `:O` volumes (what the last run changed is
 * thrown away) and the `:U` ones chowned, in the user namespace, to the
 * container's user.
 */
export async function prepareVolumes(store: Store, rec: ContainerRecord, spec: ContainerSpec): Promise<void> {
  const { sys } = store;
  const dir = store.containers.dir(rec.id);
  // A volume's first mount copies the image's files at its path into it (in the child: copy-up), unless nocopy.
  for (const v of spec.volumes) {
    if (v.volume === undefined || v.nocopy || v.overlay || !v.directory) continue;
    const volume = store.volumes.find(v.volume);
    if (!volume?.needsCopyUp || volume.options.type !== undefined) continue;
    v.copyUp = true;
    store.volumes.copiedUp(v.volume);
  }
  const overlays = join(dir, 'volume-overlays');
  const overlaid = spec.volumes.filter((v) => v.overlay);
  if (overlaid.length > 0) {
    await sys.removeTrees([overlays]).catch(() => undefined);
    overlaid.forEach((v, i) => {
      const base = join(overlays, String(i));
      mkdirSync(join(base, 'upper'), { recursive: true, mode: 0o755 });
      mkdirSync(join(base, 'work'), { recursive: true, mode: 0o755 });
      v.overlayDirs = { upper: join(base, 'upper'), work: join(base, 'work') };
    });
  }
  const chowned = spec.volumes.filter((v) => v.chown).map((v) => v.source);
  if (chowned.length > 0) {
    try {
      await sys.startInUserns(['/bin/chown', '-R', `${spec.uid}:${spec.gid}`, '--', ...chowned]).done;
    } catch (err) {
      throw new BurrowError('E_VOLUME', `container ${rec.name}: chown its :U volumes to ${spec.uid}:${spec.gid}: ${(err as Error).message}`);
    }
  }
}
