/** The parts of the OCI image spec (and Docker schema 2) burrow reads and writes. */
import { BurrowError } from '../errors.js';
import { isObject } from '../json.js';
import type { Digest } from './digest.js';

export const MediaType = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export const LAYER_MEDIA_TYPES: readonly string[] = [
  MediaType.ociLayer,
  MediaType.ociLayerGzip,
  MediaType.ociLayerZstd,
  MediaType.dockerLayer,
  MediaType.dockerLayerGzip,
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
];

/** How a layer blob is compressed (a plain tar has none). */
export type Compression = 'gzip' | 'zstd';

/**
 * The media type of a layer compressed so, in an OCI or a Docker schema 2
 * manifest; undefined for a zstd layer in Docker's, which has no such type.
 */
export function layerMediaType(compression: Compression | undefined, family: 'oci'): string;
export function layerMediaType(compression: Compression | undefined, family: 'oci' | 'docker'): string | undefined;
export function layerMediaType(compression: Compression | undefined, family: 'oci' | 'docker'): string | undefined {
  if (compression === 'zstd') return family === 'oci' ? MediaType.ociLayerZstd : undefined;
  if (compression === 'gzip') return family === 'oci' ? MediaType.ociLayerGzip : MediaType.dockerLayerGzip;
  return family === 'oci' ? MediaType.ociLayer : MediaType.dockerLayer;
}

/** The compression a layer's media type names. */
export function layerCompression(mediaType: string): Compression | undefined {
  if (mediaType.endsWith('+zstd')) return 'zstd';
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip')) return 'gzip';
  return undefined;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string };
}

export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  /** HEALTHCHECK: Test is ["NONE"], ["CMD", ARGV...] or ["CMD-SHELL", COMMAND]; durations in nanoseconds (0: the default) */
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
}

export function goArch(arch: string = process.arch): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[arch] ?? arch;
}

/** The command a container runs: podman's rules for Entrypoint and Cmd. */
export function containerArgv(config: ImageConfig | undefined, command: string[], entrypoint: string[] | undefined): string[] {
  const ep = entrypoint ?? words(config?.config?.Entrypoint, 'Entrypoint') ?? [];
  const cmd = command.length > 0 ? command : entrypoint !== undefined ? [] : (words(config?.config?.Cmd, 'Cmd') ?? []);
  return [...(ep ?? []), ...cmd];
}

/** An image config's list of words (Entrypoint, Cmd), which came from a registry or an archive: a list of strings or null. */
function words(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((w) => typeof w === 'string')) throw new BurrowError('E_CONFIG', `the image's config: ${field} is not a list of strings`);
  return value;
}


/**
 * Refuses (E_CONFIG) an image config whose container part has a field of a
 * type burrow does not read: the config came from a registry or an
 * archive, where only rootfs.diff_ids was checked, and `run` reads the rest.
 */
export function checkContainerConfig(config: ImageConfig | undefined): void {
  const c: unknown = config?.config;
  if (c === undefined || c === null) return;
  const bad = (field: string, want: string): BurrowError => new BurrowError('E_CONFIG', `the image's config: ${field} is not ${want}`);
  if (!isObject(c)) throw bad('config', 'an object');
  const f = c as Record<string, unknown>;
  const optional = (v: unknown): boolean => v === undefined || v === null;
  for (const key of ['User', 'WorkingDir', 'StopSignal'] as const) if (!optional(f[key]) && typeof f[key] !== 'string' && !(key === 'StopSignal' && typeof f[key] === 'number')) throw bad(key, 'a string');
  if (!optional(f.Env) && !(Array.isArray(f.Env) && f.Env.every((e) => typeof e === 'string'))) throw bad('Env', 'a list of strings');
  // Each NAME=VALUE, as the helper takes them (an entry without a name, or without `=`, would stop the start later, or take a host variable as podman's does).
  const loose = Array.isArray(f.Env) ? (f.Env as string[]).find((e) => e.indexOf('=') <= 0) : undefined;
  if (loose !== undefined) throw new BurrowError('E_CONFIG', `the image's config: Env entry \`${loose.slice(0, 100)}\` is not NAME=VALUE`);
  words(f.Entrypoint, 'Entrypoint');
  words(f.Cmd, 'Cmd');
  for (const key of ['ExposedPorts', 'Volumes', 'Labels'] as const) if (!optional(f[key]) && !isObject(f[key])) throw bad(key, 'an object');
  if (isObject(f.Labels) && !Object.values(f.Labels as object).every((v) => typeof v === 'string')) throw bad('Labels', 'a map of strings');
  const h = f.Healthcheck;
  if (optional(h)) return;
  if (!isObject(h)) throw bad('Healthcheck', 'an object');
  const hc = h as Record<string, unknown>;
  if (!optional(hc.Test) && !(Array.isArray(hc.Test) && hc.Test.every((w) => typeof w === 'string'))) throw bad('Healthcheck.Test', 'a list of strings');
  for (const key of ['Interval', 'Timeout', 'StartPeriod', 'Retries'] as const)
    if (!optional(hc[key]) && !(typeof hc[key] === 'number' && Number.isSafeInteger(hc[key]) && (hc[key] as number) >= 0)) throw bad(`Healthcheck.${key}`, 'a whole number, 0 or more');
}
