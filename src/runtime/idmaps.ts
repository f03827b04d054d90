/**
 * The container's user namespace as --userns, --uidmap, --gidmap,
 * --subuidname and --subgidname ask for it, with rootless podman's meaning:
 *
 *   private (default)  container 0 = you, 1.. = your subordinate ids (system/idmap.ts)
 *   fakeroot           only your own id, as container root
 *   keep-id[:uid=U,gid=G]  podman's layout in its "rootless" terms (0 = you, 1.. = subordinate ids):
 *                      container 0..U-1 -> 1..U, U -> 0 (you), U+1.. -> U+1.. (the rest);
 *                      the process runs as U:G, named in /etc/passwd as podman adds it
 *   --uidmap C:H:N     container C.. -> H.. of those same rootless terms; --gidmap alike
 *                      (one given alone stands for both, as in podman)
 *   --subuidname NAME  container 0.. -> NAME's ranges in /etc/subuid (only ranges that are yours)
 *   nomap              container 0.. -> 1.. (your subordinate ids alone, not you)
 *   auto[:size=N]      container 0..N-1 -> a slice of 1.. no other container of the store holds
 *                      (taken at create: runtime/userns-auto.ts)
 *   host               refused, saying why
 *
 * The helper sets a container up as root of its user namespace, and that
 * root reads the user's own files (the storage, the name files, volumes)
 * only where the user's id is mapped (its capabilities cover only mapped
 * owners). A map without the user's own id (nomap, auto, such a --uidmap) is
 * therefore nested, as podman's are in its own user namespace: the
 * container is set up in the default namespace and its command runs in one
 * of its own inside it (the plan's nested-userns), whose map is written in
 * the default namespace's ids.
 *
 * An image's files are stored with the owners of the private map. Under
 * another map they are shown with their own owners through fuse-overlayfs's
 * uidmapping/gidmapping (system/idmap.ts shiftedView), which can only be
 * done when the map holds your id and every subordinate id (keep-id, or
 * maps that permute them); other maps are for --rootfs containers, whose
 * files are used as they are.
 */
import { readFileSync } from 'node:fs';

import { BurrowError, UsageError } from '../errors.js';
import { type IdMapping, type IdRange, mapOverlap, mapSize, mapSteps, shiftedView, singleIdMapping, throughBase } from '../system/idmap.js';
import { parseSubids } from '../system/subids.js';
import type { RunOptions } from '../storage/containers.js';

/** The options that choose the user namespace. */
export type UsernsOptions = Pick<RunOptions, 'userns' | 'usernsAuto' | 'uidmap' | 'gidmap' | 'subuidname' | 'subgidname'>;

export type UsernsMode =
  | { kind: 'private' }
  | { kind: 'fakeroot' }
  | { kind: 'keep-id'; uid?: number; gid?: number }
  | { kind: 'nomap' }
  | { kind: 'auto'; size?: number }
  /** --uidmap/--gidmap or --subuidname/--subgidname */
  | { kind: 'maps' };

const MODES = 'private (the default: your subordinate ids), keep-id[:uid=UID,gid=GID], nomap, auto[:size=N], fakeroot (only your own id)';

/** The least size of an auto namespace (podman's auto_userns_min_size). */
export const AUTO_MIN_SIZE = 1024;

function id(what: string, value: string): number {
  if (!/^\d{1,10}$/.test(value) || Number(value) > 0xfffffffe) throw new UsageError(`invalid ${what}: \`${value}\` is not an id`);
  return Number(value);
}

/** --userns, checked (host, auto and the others burrow has not are refused, saying why). */
export function parseUserns(value: string | undefined): UsernsMode {
  const given = value ?? 'private';
  if (given === 'private' || given === '') return { kind: 'private' };
  if (given === 'fakeroot') return { kind: 'fakeroot' };
  if (given === 'keep-id' || given.startsWith('keep-id:')) {
    const mode: { kind: 'keep-id'; uid?: number; gid?: number } = { kind: 'keep-id' };
    for (const opt of given.slice('keep-id:'.length).split(',').filter((o) => given !== 'keep-id' && o !== '')) {
      const m = /^(uid|gid)=(.*)$/.exec(opt);
      if (!m) throw new UsageError(`invalid --userns \`${given}\`: unknown keep-id option \`${opt}\` (uid=UID, gid=GID)`);
      mode[m[1] as 'uid' | 'gid'] = id(`--userns \`${given}\``, m[2] as string);
    }
    return mode;
  }
  if (given === 'host')
    throw new UsageError(
      '--userns host cannot be used: burrow runs without root and always makes a user namespace of its own (without one a container could not mount its root filesystem); ' +
        "the default, private, maps ids as rootless podman's host does (you are root inside, your subordinate ids after)",
    );
  if (given === 'nomap') return { kind: 'nomap' };
  if (given === 'auto' || given.startsWith('auto:')) {
    const mode: { kind: 'auto'; size?: number } = { kind: 'auto' };
    for (const opt of given.slice('auto:'.length).split(',').filter((o) => given !== 'auto' && o !== '')) {
      const m = /^size=(.*)$/.exec(opt);
      if (!m) throw new UsageError(`invalid --userns \`${given}\`: unknown auto option \`${opt}\` (size=N)`);
      const size = id(`--userns \`${given}\``, m[1] as string);
      if (size < 1) throw new UsageError(`invalid --userns \`${given}\`: size must be at least 1`);
      mode.size = size;
    }
    return mode;
  }
  throw new UsageError(`invalid --userns \`${given}\`: burrow has ${MODES}`);
}

/** One --uidmap or --gidmap: CONTAINER:HOST:COUNT, HOST an id of the default user namespace (0 is you, 1.. your subordinate ids). */
export function parseIdMap(flag: string, spec: string): IdRange {
  const parts = spec.split(':');
  if (parts.length !== 3 || /[+@]/.test(spec)) {
    const ext = /[+@]/.test(spec) ? ' (the + and @ forms of newer podman are not supported)' : '';
    throw new UsageError(`invalid ${flag} \`${spec}\`: expected CONTAINER:HOST:COUNT${ext}`);
  }
  const [inside, outside, count] = parts.map((p) => id(`${flag} \`${spec}\``, p)) as [number, number, number];
  if (count === 0) throw new UsageError(`invalid ${flag} \`${spec}\`: COUNT must be at least 1`);
  if (inside + count - 1 > 0xfffffffe || outside + count - 1 > 0xfffffffe) throw new UsageError(`invalid ${flag} \`${spec}\`: the range goes past the largest id`);
  return { inside, outside, count };
}

/** The option that chose a map other than the default, as messages name it. */
export function usernsFlag(opts: UsernsOptions): string {
  if ((opts.uidmap ?? []).length + (opts.gidmap ?? []).length > 0) return '--uidmap/--gidmap';
  if (opts.subuidname !== undefined || opts.subgidname !== undefined) return '--subuidname/--subgidname';
  return `--userns ${opts.userns}`;
}

/** Does this choice need a map other than private or fakeroot (and so, for an image, the shifted view)? */
export function remapped(opts: UsernsOptions): boolean {
  const kind = parseUserns(opts.userns).kind;
  return kind === 'keep-id' || kind === 'nomap' || kind === 'auto' || (opts.uidmap ?? []).length > 0 || (opts.gidmap ?? []).length > 0 || opts.subuidname !== undefined || opts.subgidname !== undefined;
}

/** What the user namespace is, and for keep-id the user the container runs as. */
export interface ContainerIds {
  mode: UsernsMode;
  idmap: IdMapping;
  /** a map other than the default's (an image's files then need the shifted view) */
  remapped: boolean;
  /** keep-id: the container's user, and whether that is you under your own id (named as you in /etc/passwd) */
  keepId?: { uid: number; gid: number };
  /** the maps in rootless podman's terms (inspect's IDMappings) */
  shown?: { uids: IdRange[]; gids: IdRange[] };
  /**
   * a map without your own id: the container's own user namespace inside the
   * default one (`idmap`, where it is set up), its maps in that one's ids
   */
  nested?: { uids: IdRange[]; gids: IdRange[] };
}

/** --subuidname NAME: NAME's ranges in the file, each one of yours (newuidmap maps only those), as a map from container id 0. */
function namedRanges(flag: string, file: string, text: string, name: string, own: IdRange[]): IdRange[] {
  const ranges = parseSubids(text, name, -1);
  if (ranges.length === 0) throw new BurrowError('E_IDMAP', `${flag} ${name}: no ranges for \`${name}\` in ${file}`);
  let next = 0;
  return ranges.map((r) => {
    const mine = own.some((o) => o.inside > 0 && r.start >= o.outside && r.start + r.count <= o.outside + o.count);
    if (!mine)
      throw new BurrowError('E_IDMAP', `${flag} ${name}: the range ${r.start}-${r.start + r.count - 1} in ${file} is not one of yours: newuidmap and newgidmap map only the ranges ${file} gives to you`);
    const out = { inside: next, outside: r.start, count: r.count };
    next += r.count;
    return out;
  });
}

/**
 * The container's id mapping for these options, from the user's default
 * one (`base`: private, 0 = the user). Impossible or overlapping maps, and a
 * remapping without subordinate ids, are refused with one clear error.
 */
export function containerIds(opts: UsernsOptions, base: IdMapping, files: { subuid: () => string; subgid: () => string } = defaultFiles): ContainerIds {
  const mode = parseUserns(opts.userns);
  const uidmap = opts.uidmap ?? [];
  const gidmap = opts.gidmap ?? [];
  const byName = opts.subuidname !== undefined || opts.subgidname !== undefined;
  const maps = uidmap.length > 0 || gidmap.length > 0;
  if ((maps || byName) && opts.userns !== undefined && mode.kind !== 'private')
    throw new UsageError(`--userns ${opts.userns} cannot be given with ${maps ? '--uidmap or --gidmap' : '--subuidname or --subgidname'}: each sets the user namespace's map`);
  if (maps && byName) throw new UsageError('--uidmap and --gidmap cannot be given with --subuidname or --subgidname: each sets the user namespace\'s map');
  const me = { uid: base.uids[0]?.outside ?? 0, gid: base.gids[0]?.outside ?? 0 };
  if (mode.kind === 'fakeroot') return { mode, idmap: singleIdMapping(me.uid, me.gid), remapped: false };
  if (mode.kind === 'private' && !maps && !byName) return { mode, idmap: base, remapped: false };
  const what = usernsFlag(opts);
  if (base.single || !base.tools)
    throw new BurrowError('E_IDMAP', `${what}: you have no subordinate ids in /etc/subuid and /etc/subgid, so no map but your own id (--userns fakeroot) can be made`);
  const nu = mapSize(base.uids);
  const ng = mapSize(base.gids);
  let uids: IdRange[];
  let gids: IdRange[];
  let keepId: { uid: number; gid: number } | undefined;
  if (mode.kind === 'keep-id') {
    keepId = { uid: mode.uid ?? me.uid, gid: mode.gid ?? me.gid };
    // podman's layout: the ids below yours from the first subordinate ones, you, then the rest.
    const layout = (u: number, n: number, which: string): IdRange[] => {
      if (u > n - 1) throw new BurrowError('E_IDMAP', `--userns ${opts.userns}: ${which} ${u} needs ${u} subordinate ids below it, and you have ${n - 1}`);
      return [...(u > 0 ? [{ inside: 0, outside: 1, count: u }] : []), { inside: u, outside: 0, count: 1 }, ...(n - 1 - u > 0 ? [{ inside: u + 1, outside: u + 1, count: n - 1 - u }] : [])];
    };
    uids = layout(keepId.uid, nu, 'uid');
    gids = layout(keepId.gid, ng, 'gid');
  } else if (mode.kind === 'nomap') {
    // podman's: every id of the default namespace but yours, from container 0.
    return nest(what, mode, [{ inside: 0, outside: 1, count: nu - 1 }], [{ inside: 0, outside: 1, count: ng - 1 }], base);
  } else if (mode.kind === 'auto') {
    const slice = opts.usernsAuto;
    if (!slice) throw new BurrowError('E_IDMAP', `${what}: no slice of your subordinate ids was taken for this container (--userns auto takes one when a container is created from an image)`);
    const map = [{ inside: 0, outside: slice.start, count: slice.size }];
    return nest(what, mode, map, map, base);
  } else if (maps) {
    const u = uidmap.map((s) => parseIdMap('--uidmap', s));
    const g = gidmap.map((s) => parseIdMap('--gidmap', s));
    // As podman: one given alone stands for both.
    uids = u.length > 0 ? u : g;
    gids = g.length > 0 ? g : u;
    // Without your own id (0 here): the container's own namespace inside the default one.
    const holdsYou = (m: IdRange[]): boolean => m.some((r) => r.outside === 0);
    if (!holdsYou(uids) || !holdsYou(gids)) return nest(what, mode, uids, gids, base);
  } else {
    // --subuidname/--subgidname: NAME's ranges (host ids, each one of yours) from container 0, without
    // your own id: nested, in the default namespace's ids.
    const inBase = (ranges: IdRange[], of: IdRange[]): IdRange[] =>
      ranges.map((r) => {
        const b = of.find((x) => r.outside >= x.outside && r.outside + r.count <= x.outside + x.count) as IdRange;
        return { inside: r.inside, outside: b.inside + (r.outside - b.outside), count: r.count };
      });
    // As podman: one name given alone names both.
    const uname = opts.subuidname ?? (opts.subgidname as string);
    const gname = opts.subgidname ?? uname;
    const u = inBase(namedRanges(opts.subuidname !== undefined ? '--subuidname' : '--subgidname', '/etc/subuid', files.subuid(), uname, base.uids), base.uids);
    const g = inBase(namedRanges(opts.subgidname !== undefined ? '--subgidname' : '--subuidname', '/etc/subgid', files.subgid(), gname, base.gids), base.gids);
    return nest(what, mode, u, g, base);
  }
  const hostUids = host('uid', uids, base.uids, what);
  const hostGids = host('gid', gids, base.gids, what);
  return finish(what, mode, hostUids, hostGids, base, keepId, { uids, gids });
}

const defaultFiles = {
  subuid: (): string => readText('/etc/subuid'),
  subgid: (): string => readText('/etc/subgid'),
};

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** A map in rootless terms, checked, turned into host ids. */
function host(which: 'uid' | 'gid', map: IdRange[], base: IdRange[], what: string): IdRange[] {
  const overlap = mapOverlap(map);
  if (overlap) throw new BurrowError('E_IDMAP', `${what}: the ${which} map is impossible: ${overlap}`);
  const through = throughBase(map, base);
  if ('missing' in through)
    throw new BurrowError(
      'E_IDMAP',
      `${what}: ${which} ${through.missing} of the default user namespace is not yours to map (0 is you, 1-${mapSize(base) - 1} your subordinate ids in /etc/sub${which})`,
    );
  return through.map;
}

function finish(what: string, mode: UsernsMode, uids: IdRange[], gids: IdRange[], base: IdMapping, keepId: { uid: number; gid: number } | undefined, shown: { uids: IdRange[]; gids: IdRange[] } | undefined): ContainerIds {
  if (uids.length > 340 || gids.length > 340) throw new BurrowError('E_IDMAP', 'the user namespace\'s map has more than 340 ranges, the most the kernel takes');
  const tools = base.tools as { newuidmap: string; newgidmap: string };
  const idmap: IdMapping = { uids, gids, single: false, steps: mapSteps(uids, gids, tools), warning: undefined, tools, ...(base.user !== undefined ? { user: base.user } : {}) };
  return { mode, idmap, remapped: true, ...(keepId ? { keepId } : {}), ...(shown ? { shown } : {}) };
}

/**
 * A map without your own id, checked (in the default namespace's ids, every
 * one there), for the nested user namespace: the container is set up in the
 * default one.
 */
function nest(what: string, mode: UsernsMode, uids: IdRange[], gids: IdRange[], base: IdMapping): ContainerIds {
  // host() over the default namespace's ids as they are: checked, and each range split where that
  // namespace's are (you, then each range of subordinate ids), since the kernel takes a range only
  // within one range of the namespace above.
  const own = (map: IdRange[]): IdRange[] => map.map((r) => ({ inside: r.inside, outside: r.inside, count: r.count }));
  const nested = { uids: host('uid', uids, own(base.uids), what), gids: host('gid', gids, own(base.gids), what) };
  if (nested.uids.length > 340 || nested.gids.length > 340) throw new BurrowError('E_IDMAP', `${what}: the map has more than 340 ranges, the most the kernel takes`);
  return { mode, idmap: base, remapped: true, nested, shown: { uids, gids } };
}

/**
 * The shifted view for a nested namespace: fuse-overlayfs runs in the default
 * namespace, where a file stored for image id S reads as S; it presents it as
 * the default namespace's id the nested map gives container id S, which the
 * container then sees as S. Items ON-DISK:SHOWN:COUNT, as shiftedView's.
 */
export function nestedView(nested: IdRange[], base: IdRange[]): string {
  const n = mapSize(base);
  return nested
    .filter((r) => r.inside < n)
    .map((r) => `${r.inside}:${r.outside}:${Math.min(r.count, n - r.inside)}`)
    .join(':');
}

/**
 * fuse-overlayfs's options that show an image's files with their own owners
 * under `idmap`; a clear error when the map leaves some stored owner out.
 */
export function shiftedMountOptions(idmap: IdMapping, base: IdMapping, what: string): string {
  const uid = shiftedView(idmap.uids, base.uids);
  const gid = shiftedView(idmap.gids, base.gids);
  if (uid === undefined || gid === undefined)
    throw new BurrowError(
      'E_IDMAP',
      `${what}: an image's files are stored with your own id and your subordinate ids as their owners, and this map leaves some of them out, so they could not be shown with their owners; ` +
        'with an image burrow takes keep-id or maps that hold your id and every subordinate id: run this one on a directory (--rootfs DIR)',
    );
  return `uidmapping=${uid},gidmapping=${gid}`;
}
