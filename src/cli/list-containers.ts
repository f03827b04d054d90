/**
 * `burrow ps`'s work, apart from its clipanion class (commands/ps.ts), so
 * that the fast path (src/fast.ts) runs it without loading clipanion: the
 * listing a user and their scripts run most should not cost the whole CLI's
 * start.
 */
import { join } from 'node:path';

import { UsageError } from '../errors.js';
import type { ContainerRecord, ContainerStatus } from '../storage/containers.js';
import type { ImageRecord, Store } from '../storage/store.js';
import type { HealthStatus } from '../runtime/health-config.js';
import { treeSize } from '../system/files.js';
import { formatPorts } from '../network/ports.js';
import { goHumanSize, humanDuration, timeAgo, writeReport } from '../format/report.js';
import { asMap } from '../format/template.js';
import { byCodeUnits } from '../order.js';
import type { Context } from './context.js';

interface Row {
  rec: ContainerRecord;
  status: ContainerStatus;
  image: ImageRecord | undefined;
  size?: { rw: number; rootfs: number };
  /** a running container's health, when it has a healthcheck */
  health?: HealthStatus;
}

const SORT_KEYS = ['created', 'id', 'image', 'names', 'runningfor', 'size', 'status'] as const;
const FILTER_KEYS = ['id', 'name', 'status', 'label', 'ancestor', 'exited', 'before', 'since', 'health', 'pod'] as const;
const HEALTH_VALUES = ['starting', 'healthy', 'unhealthy', 'none'];
type FilterKey = (typeof FILTER_KEYS)[number];
const STATES = ['created', 'exited', 'paused', 'running', 'restarting', 'unknown', 'configured', 'stopped', 'removing', 'stopping'];

export interface PsFields {
  all: boolean;
  external: boolean;
  filter: string[];
  format: string | undefined;
  last: string | undefined;
  latest: boolean;
  noTrunc: boolean;
  pod: boolean;
  quiet: boolean;
  size: boolean;
  sort: string;
}

/** Prints the containers `f` asks for, as podman's ps does. */
export async function listContainers(f: PsFields, context: Context): Promise<number> {
  if (!(SORT_KEYS as readonly string[]).includes(f.sort)) throw new UsageError(`invalid option for --sort \`${f.sort}\`: options are ${SORT_KEYS.join(', ')}`);
  let last: number | undefined;
  if (f.last !== undefined) {
    if (!/^-?\d+$/.test(f.last)) throw new UsageError(`invalid argument "${f.last}" for "-n, --last" flag: a number`);
    last = Number(f.last);
  }
  if (f.latest && last !== undefined) throw new UsageError('--last and --latest cannot be used together');
  const filters = parseFilters(f.filter);
  const store = await context.store({ containers: true });
  const { containers } = store;
  const images = store.images();
  const byId = new Map(images.map((i) => [i.id, i]));
  // Not the user networks' infra: it is burrow's own, none of the user's containers.
  const records = containers.list().filter((c) => !c.netns);
  const all = f.all || f.external || f.latest || last !== undefined || filters.has('status') || filters.has('exited');
  const match = matcher(store, records, images, filters);
  const withStatus: Row[] = records.map((rec) => ({ rec, status: containers.status(rec), image: byId.get(rec.image) }));
  // Read only when some running container has a healthcheck (runtime/health.ts is not small).
  if (withStatus.some((r) => r.rec.healthcheck && r.status.state === 'running')) {
    const { healthState } = await import('../runtime/health.js');
    for (const r of withStatus) if (r.rec.healthcheck && r.status.state === 'running') r.health = healthState(store, r.rec, r.status)?.Status;
  }
  let rows: Row[] = withStatus
    .filter((row) => (all || row.status.state === 'running') && match(row))
    .reverse();
  if (f.latest) rows = rows.slice(0, 1);
  else if (last !== undefined && last >= 0) rows = rows.slice(0, last);
  const wantSize = f.size || f.sort === 'size' || /\.Size\b/.test(f.format ?? '');
  if (wantSize) for (const row of rows) row.size = sizeOf(store, row);
  rows = sortRows(rows, f.sort as (typeof SORT_KEYS)[number]);
  if (f.quiet && f.format === undefined) {
    for (const { rec } of rows) context.stdout.write(`${f.noTrunc ? rec.id : rec.id.slice(0, 12)}\n`);
    return 0;
  }
  // The pods' records only when a container is in one (ps of many containers reads nothing more).
  const podNames = new Map(records.some((r) => r.pod !== undefined) ? store.pods.list().map((p) => [p.id, p.name]) : []);
  // The labels (each image's config read) only when the format shows them.
  const shownLabels = /\.Labels\b/.test(f.format ?? '') ? labelReader(store) : undefined;
  writeReport(context.stdout, {
    name: 'ps',
    format: f.format,
    table: `${TABLE}${f.size ? '\t{{.Size}}' : ''}${f.pod ? '\t{{.Pod}}\t{{.PodName}}' : ''}`,
    headers: PS_HEADERS,
    rows: rows.map((row) => psRow(row, f.noTrunc, podNames, shownLabels)),
    json: () => psJson(rows, podNames, labelReader(store)),
  });
  return 0;
}

/** --filter KEY=VALUE, each key's values together. */
function parseFilters(given: string[]): Map<FilterKey, string[]> {
  const out = new Map<FilterKey, string[]>();
  for (const f of given) {
    const eq = f.indexOf('=');
    const key = (eq < 0 ? f : f.slice(0, eq)) as FilterKey;
    if (!FILTER_KEYS.includes(key)) throw new UsageError(`invalid filter "${f}": the keys are ${FILTER_KEYS.join(', ')}`);
    if (eq < 0 || (eq === f.length - 1 && key !== 'label')) throw new UsageError(`invalid filter "${f}": ${key} needs a value`);
    const value = f.slice(eq + 1);
    if (key === 'status' && !STATES.includes(value)) throw new UsageError(`invalid filter "${f}": a status is one of ${STATES.join(', ')}`);
    if (key === 'health' && !HEALTH_VALUES.includes(value)) throw new UsageError(`invalid filter "${f}": health is one of ${HEALTH_VALUES.join(', ')}`);
    if (key === 'exited' && !/^\d+$/.test(value)) throw new UsageError(`invalid filter "${f}": exited takes an exit code`);
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

/** podman's names for burrow's states: stopped is exited, configured is created. */
function stateMatches(status: ContainerStatus, wanted: string): boolean {
  if (wanted === 'stopped') return status.state === 'exited';
  if (wanted === 'configured') return status.state === 'created';
  if (wanted === 'restarting') return status.restarting === true;
  if (wanted === 'paused' || wanted === 'running') return status.state === 'running' && (status.paused === true) === (wanted === 'paused');
  return status.state === wanted;
}

/** podman's state name: a frozen container is paused. */
function stateName(status: ContainerStatus): string {
  return status.paused ? 'paused' : status.state;
}

function matcher(store: Store, records: ContainerRecord[], images: ImageRecord[], filters: Map<FilterKey, string[]>): (row: Row) => boolean {
  const created = (ref: string): number => Date.parse(store.containers.get(ref, records).created);
  const before = (filters.get('before') ?? []).map(created);
  const since = (filters.get('since') ?? []).map(created);
  const ancestors = (filters.get('ancestor') ?? []).map((ref) => ({ ref, id: findImageQuietly(store, ref, images)?.id }));
  const names = (filters.get('name') ?? []).map((n) => {
    try {
      return new RegExp(n);
    } catch {
      throw new UsageError(`invalid filter "name=${n}": not a regular expression`);
    }
  });
  const tests: ((row: Row) => boolean)[] = [];
  const any = <T,>(values: T[] | undefined, test: (v: T) => boolean) => values === undefined || values.some(test);
  tests.push((r) => any(filters.get('id'), (v) => r.rec.id.startsWith(v)));
  tests.push((r) => names.length === 0 || names.some((re) => re.test(r.rec.name)));
  tests.push((r) => any(filters.get('status'), (v) => stateMatches(r.status, v)));
  tests.push((r) => any(filters.get('exited'), (v) => r.status.state === 'exited' && r.status.exitCode === Number(v)));
  tests.push((r) => ancestors.length === 0 || ancestors.some((a) => r.rec.image === a.id || r.rec.imageName === a.ref || (r.image?.names ?? []).includes(a.ref)));
  tests.push((r) => before.every((t) => Date.parse(r.rec.created) < t));
  tests.push((r) => since.every((t) => Date.parse(r.rec.created) > t));
  tests.push((r) => any(filters.get('health'), (v) => (v === 'none' ? !r.rec.healthcheck : r.health === v)));
  const pods = filters.has('pod') ? store.pods.list() : [];
  tests.push((r) => any(filters.get('pod'), (v) => r.rec.pod !== undefined && pods.some((p) => p.id === r.rec.pod && (p.name === v || p.id.startsWith(v)))));
  const labelFilters = filters.get('label');
  if (labelFilters) {
    const labels = labelReader(store);
    tests.push((r) =>
      labelFilters.some((v) => {
        const eq = v.indexOf('=');
        return eq < 0 ? v in labels(r) : labels(r)[v.slice(0, eq)] === v.slice(eq + 1);
      }),
    );
  }
  return (row) => tests.every((t) => t(row));
}

function findImageQuietly(store: Store, ref: string, images: ImageRecord[]): ImageRecord | undefined {
  try {
    return store.findImage(ref, images);
  } catch {
    return undefined;
  }
}

/** The writable layer's bytes, and with the image's (podman's rw and root filesystem sizes). */
function sizeOf(store: Store, row: Row): { rw: number; rootfs: number } {
  const dir = store.containers.dir(row.rec.id);
  const rw = treeSize(join(dir, row.rec.driver === 'copy' ? 'rootfs' : 'upper'));
  return { rw, rootfs: (row.image?.size ?? 0) + (row.rec.driver === 'copy' ? 0 : rw) };
}

/** podman's orders: newest first for created and runningfor, the rest ascending. */
function sortRows(rows: Row[], key: (typeof SORT_KEYS)[number]): Row[] {
  const started = (r: Row) => r.status.startedAt?.getTime() ?? 0;
  const compare: Record<typeof key, (a: Row, b: Row) => number> = {
    created: (a, b) => byCodeUnits(b.rec.created, a.rec.created),
    runningfor: (a, b) => started(b) - started(a),
    id: (a, b) => byCodeUnits(a.rec.id, b.rec.id),
    image: (a, b) => byCodeUnits(a.rec.imageName, b.rec.imageName),
    names: (a, b) => byCodeUnits(a.rec.name, b.rec.name),
    size: (a, b) => (a.size?.rootfs ?? 0) - (b.size?.rootfs ?? 0),
    status: (a, b) => byCodeUnits(statusText(a), statusText(b)),
  };
  return [...rows].sort(compare[key]);
}

const TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  ImageID: 'IMAGE ID',
  Command: 'COMMAND',
  CreatedHuman: 'CREATED',
  CreatedAt: 'CREATED AT',
  Status: 'STATUS',
  State: 'STATE',
  Ports: 'PORTS',
  Names: 'NAMES',
  ExitCode: 'EXIT CODE',
  Size: 'SIZE',
  Pod: 'POD ID',
  PodName: 'PODNAME',
};

function statusText({ status, health }: Pick<Row, 'status' | 'health'>): string {
  if (status.paused) return 'Paused';
  if (status.state === 'running') {
    const parts = ['Up'];
    if (status.startedAt) parts.push(humanDuration(Date.now() - status.startedAt.getTime()));
    if (health) parts.push(`(${health})`);
    return parts.join(' ');
  }
  if (status.restarting) return `Restarting (${status.exitCode ?? 'unknown'}) ${status.finishedAt ? timeAgo(status.finishedAt) : ''}`.trimEnd();
  if (status.state === 'exited') return `Exited (${status.exitCode ?? 'unknown'}) ${status.finishedAt ? timeAgo(status.finishedAt) : ''}`.trimEnd();
  return 'Created';
}

/**
 * A container's labels as podman shows them: its image's, then its own
 * (--label, which win). Each image's config is read once.
 */
function labelReader(store: Store): (r: Row) => Record<string, string> {
  const byImage = new Map<string, Record<string, string>>();
  const imageLabels = (r: Row): Record<string, string> => {
    if (!r.image) return {};
    let l = byImage.get(r.image.id);
    if (!l) byImage.set(r.image.id, (l = store.imageConfig(r.image).config?.Labels ?? {}));
    return l;
  };
  return (r) => (r.rec.options.labels ? { ...imageLabels(r), ...r.rec.options.labels } : imageLabels(r));
}

function psRow(row: Row, noTrunc: boolean, podNames: Map<string, string>, labels: ((r: Row) => Record<string, string>) | undefined) {
  const { rec, status, image, size } = row;
  const command = rec.argv.join(' ');
  return {
    ID: noTrunc ? rec.id : rec.id.slice(0, 12),
    Image: image?.names[0] ?? rec.imageName,
    ImageID: rec.image,
    Command: noTrunc || command.length <= 20 ? command : `${command.slice(0, 17)}...`,
    CreatedHuman: timeAgo(new Date(rec.created)),
    CreatedAt: rec.created,
    Status: statusText(row),
    State: stateName(status),
    Ports: formatPorts(rec.ports ?? []),
    Names: rec.name,
    ExitCode: status.exitCode ?? 0,
    Size: size ? `${goHumanSize(size.rw, 3)} (virtual ${goHumanSize(size.rootfs, 3)})` : '',
    Pod: rec.pod === undefined ? '' : noTrunc ? rec.pod : rec.pod.slice(0, 12),
    PodName: rec.pod === undefined ? '' : (podNames.get(rec.pod) ?? ''),
    ...(labels ? { Labels: asMap({ ...labels(row) }) } : {}),
  };
}

function psJson(rows: Row[], podNames: Map<string, string>, labels: (r: Row) => Record<string, string>) {
  return rows.map((row) => {
    const { rec, status, size, health } = row;
    const own = labels(row);
    return {
    Id: rec.id,
    Image: rec.imageName,
    ImageID: rec.image,
    Command: rec.argv,
    Created: Math.floor(new Date(rec.created).getTime() / 1000),
    CreatedAt: rec.created,
    State: stateName(status),
    Status: statusText({ status, health }),
    ExitCode: status.exitCode ?? 0,
    Exited: status.state === 'exited',
    Names: [rec.name],
    Pid: status.pid ?? 0,
    StartedAt: status.startedAt ? Math.floor(status.startedAt.getTime() / 1000) : 0,
    ExitedAt: status.finishedAt ? Math.floor(status.finishedAt.getTime() / 1000) : 0,
    Ports: rec.ports && rec.ports.length > 0 ? rec.ports.map((p) => ({ host_ip: p.hostIp, container_port: p.containerPort, host_port: p.hostPort, range: p.range, protocol: p.protocol })) : null,
    ...(size ? { Size: { rwSize: size.rw, rootFsSize: size.rootfs } } : {}),
    Pod: rec.pod ?? '',
    PodName: rec.pod === undefined ? '' : (podNames.get(rec.pod) ?? ''),
    IsInfra: rec.infra === true,
    Labels: Object.keys(own).length > 0 ? own : null,
    };
  });
}
