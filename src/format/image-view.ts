/**
 * Images as podman shows them: the rows of `images`, its JSON, the document
 * of `image inspect` and the entries of `history`.
 */
import { asMap } from './template.js';
import { goTimeString, humanSize, parseTime, timeAgo } from './report.js';
import type { ImageRecord, Store } from '../storage/store.js';
import type { ImageConfig, Manifest } from '../oci/image.js';
import { MediaType } from '../oci/image.js';

/** "docker.io/library/bb:latest" -> ["docker.io/library/bb", "latest"]; a digest name has tag <none>. */
export function splitName(name: string): { repository: string; tag: string } {
  const at = name.indexOf('@');
  if (at >= 0) return { repository: name.slice(0, at), tag: '<none>' };
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repository: name, tag: '<none>' };
}

/** repository@manifest-digest for each name, as podman lists RepoDigests. */
export function repoDigests(image: ImageRecord): string[] {
  return [...new Set(image.names.map((n) => `${splitName(n).repository}@${image.digest}`))];
}

function safeConfig(store: Store, image: ImageRecord): ImageConfig | undefined {
  try {
    return store.imageConfig(image);
  } catch {
    return undefined;
  }
}

/** Is `image` an unnamed image another image is built on (hidden without `images -a`)? */
export function isIntermediate(image: ImageRecord, all: ImageRecord[]): boolean {
  if (image.names.length > 0) return false;
  return all.some((o) => o !== image && o.layers.length > image.layers.length && image.layers.every((l, i) => o.layers[i] === l));
}

export interface ImageRow {
  ID: string;
  Id: string;
  Repository: string;
  Tag: string;
  Digest: string;
  Created: string;
  CreatedAt: string;
  CreatedSince: string;
  CreatedTime: string;
  Size: string;
  VirtualSize: string;
  SharedSize: string;
  Names: string[];
  RepoTags: string[];
  RepoDigests: string[];
  History: string[];
  Labels: Record<string, string>;
  Containers: number;
  Dangling: boolean;
  ReadOnly: boolean;
  ParentId: string;
  IsReadOnly: string;
}

/** One row per name (an unnamed image: one row, <none> <none>). */
export function imageRows(store: Store, image: ImageRecord, containers: number, noTrunc: boolean, now = Date.now()): ImageRow[] {
  const config = safeConfig(store, image);
  const { date } = parseTime(image.created);
  // podman keeps whole seconds (a unix time) for the list
  const created = new Date(Math.trunc(date.getTime() / 1000) * 1000);
  const base = {
    ID: noTrunc ? `sha256:${image.id}` : image.id.slice(0, 12),
    Id: image.id,
    Digest: image.digest,
    Created: timeAgo(date, now),
    CreatedAt: goTimeString(created),
    CreatedSince: timeAgo(date, now),
    CreatedTime: goTimeString(created),
    Size: humanSize(image.size),
    VirtualSize: humanSize(image.size),
    SharedSize: humanSize(0),
    Names: image.names,
    RepoTags: image.names,
    RepoDigests: repoDigests(image),
    History: image.names,
    Labels: asMap({ ...(config?.config?.Labels ?? {}) }),
    Containers: containers,
    Dangling: image.names.length === 0,
    ReadOnly: false,
    IsReadOnly: 'false',
    ParentId: '',
  };
  if (image.names.length === 0) return [{ ...base, Repository: '<none>', Tag: '<none>' }];
  return image.names.map((n) => ({ ...base, Repository: splitName(n).repository, Tag: splitName(n).tag }));
}

/** An element of `images --format json`. */
export function imageJson(store: Store, image: ImageRecord, containers: number): Record<string, unknown> {
  const config = safeConfig(store, image);
  const { date } = parseTime(image.created);
  return {
    Id: image.id,
    ParentId: '',
    RepoTags: null,
    RepoDigests: repoDigests(image),
    Size: image.size,
    SharedSize: 0,
    VirtualSize: image.size,
    Labels: config?.config?.Labels ?? null,
    Containers: containers,
    Names: image.names.length > 0 ? image.names : undefined,
    Digest: image.digest,
    History: image.names.length > 0 ? image.names : undefined,
    Created: Math.trunc(date.getTime() / 1000),
    // podman: the unix time, so whole seconds
    CreatedAt: new Date(Math.trunc(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
  };
}

/** The fields of an image config's `config` as Go has them (a template sees them even when the JSON leaves them out). */
const CONFIG_FIELDS: Record<string, unknown> = {
  User: '',
  ExposedPorts: null,
  Env: null,
  Entrypoint: null,
  Cmd: null,
  Volumes: null,
  WorkingDir: '',
  Labels: null,
  StopSignal: '',
  ArgsEscaped: false,
};

/**
 * `value` with Go's zero values for the struct fields it lacks, added as
 * non-enumerable properties: JSON leaves them out (omitempty), templates see them.
 */
function goStruct<T extends object>(value: T, fields: Record<string, unknown>): T {
  for (const [k, zero] of Object.entries(fields))
    if (!Object.prototype.hasOwnProperty.call(value, k)) Object.defineProperty(value, k, { value: zero, enumerable: false });
  return value;
}

/** The document of `image inspect`, shaped like podman's. */
export function imageInspect(store: Store, image: ImageRecord, driver: string): Record<string, unknown> {
  const config = safeConfig(store, image);
  let manifest: Manifest | undefined;
  try {
    manifest = store.imageManifest(image);
  } catch {
    manifest = undefined;
  }
  const diffs = image.layers.map((l) => store.layerDiff(l));
  const top = diffs.at(-1);
  const data: Record<string, string> = {};
  if (diffs.length > 1) data.LowerDir = diffs.slice(0, -1).reverse().join(':');
  if (top) data.UpperDir = top;
  const raw = config as (ImageConfig & { comment?: string; docker_version?: string; config?: { Annotations?: unknown } }) | undefined;
  return {
    Id: image.id,
    Digest: image.digest,
    RepoTags: image.names,
    RepoDigests: repoDigests(image),
    Parent: '',
    Comment: raw?.comment ?? '',
    Created: image.created,
    Config: goStruct({ ...(config?.config ?? {}) }, CONFIG_FIELDS),
    Version: raw?.docker_version ?? '',
    Author: config?.author ?? '',
    Architecture: config?.architecture ?? '',
    Os: config?.os ?? '',
    ...(config?.variant ? { Variant: config.variant } : {}),
    Size: image.size,
    VirtualSize: image.size,
    GraphDriver: { Name: driver, Data: asMap(data) },
    RootFS: { Type: config?.rootfs?.type ?? 'layers', Layers: config?.rootfs?.diff_ids ?? [] },
    Labels: config?.config?.Labels ? asMap({ ...config.config.Labels }) : null,
    Annotations: asMap({ ...(manifest?.annotations ?? {}) }),
    ManifestType: manifest?.mediaType ?? MediaType.ociManifest,
    User: config?.config?.User ?? '',
    History: config?.history ?? [],
    NamesHistory: image.names,
  };
}

export interface HistoryRow {
  ID: string;
  Created: string;
  CreatedAt: string;
  CreatedSince: string;
  CreatedBy: string;
  Size: string;
  Comment: string;
  Tags: string;
}

/** The config's history, newest first; layers are matched to the entries that are not empty_layer. */
export function historyRows(store: Store, image: ImageRecord, noTrunc: boolean, now = Date.now()): { rows: HistoryRow[]; json: unknown[] } {
  const config = safeConfig(store, image);
  const layers = image.layers.map((l) => store.layer(l));
  let layer = 0;
  const entries = (config?.history ?? []).map((h) => {
    let size = 0;
    if (!h.empty_layer) {
      size = layers[layer]?.size ?? 0;
      layer++;
    }
    return { h, size };
  });
  entries.reverse();
  const rows: HistoryRow[] = [];
  const json: unknown[] = [];
  entries.forEach(({ h, size }, i) => {
    const id = i === 0 ? image.id : '<missing>';
    const { date } = parseTime(h.created);
    const createdBy = h.created_by ?? '';
    rows.push({
      ID: id === '<missing>' ? id : noTrunc ? `sha256:${id}` : id.slice(0, 12),
      Created: timeAgo(date, now),
      CreatedAt: date.toISOString().replace('.000Z', 'Z'),
      CreatedSince: timeAgo(date, now),
      CreatedBy: !noTrunc && createdBy.length > 45 ? `${createdBy.slice(0, 42)}...` : createdBy,
      Size: humanSize(size),
      Comment: h.comment ?? '',
      Tags: i === 0 ? image.names.join(' ') : '',
    });
    json.push({
      id,
      created: h.created ?? null,
      Created: Math.trunc(date.getTime() / 1000),
      CreatedBy: createdBy,
      Size: size,
      Comment: h.comment ?? '',
      ...(i === 0 && image.names.length > 0 ? { tags: image.names } : {}),
    });
  });
  return { rows, json };
}
