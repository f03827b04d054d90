/**
 * The container's id maps (DESIGN.md §4): container root is the invoking user;
 * container ids from 1 up map to the user's subordinate ranges, written by the
 * setuid newuidmap/newgidmap. Without a range, a single-id map and a warning.
 */
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';

import { DEFAULT_PATH } from '../config/defaults.js';
import { BurrowError } from '../errors.js';
import type { Step } from './plan.js';
import { builtin } from '../lazy.js';
import { parsePasswd } from './passwd.js';
import { readSubids, type SubidRange } from './subids.js';

/** container id `inside` is host id `outside`, for `count` ids. */
export interface IdRange {
  inside: number;
  outside: number;
  count: number;
}

export interface IdMapping {
  uids: IdRange[];
  gids: IdRange[];
  /** only container id 0 exists */
  single: boolean;
  /** the helper steps that write the maps */
  steps: Step[];
  warning: string | undefined;
  /** the setuid programs that write a map of subordinate ids (set where the user has a range) */
  tools?: { newuidmap: string; newgidmap: string };
  /** the invoking user's name (keep-id names it in the container's /etc/passwd) */
  user?: string;
}

function ranges(self: number, sub: SubidRange[]): IdRange[] {
  const out: IdRange[] = [{ inside: 0, outside: self, count: 1 }];
  let next = 1;
  for (const r of sub) {
    out.push({ inside: next, outside: r.start, count: r.count });
    next += r.count;
  }
  return out;
}

function argv(tool: string, map: IdRange[]): string[] {
  return [tool, '{pid}', ...map.flatMap((r) => [String(r.inside), String(r.outside), String(r.count)])];
}

export function idMapping(
  user: string,
  uid: number,
  gid: number,
  subuids: SubidRange[],
  subgids: SubidRange[],
  tools: { newuidmap: string; newgidmap: string },
): IdMapping {
  if (subuids.length === 0 || subgids.length === 0) {
    const free = freeSubidRange();
    return {
      ...singleIdMapping(uid, gid),
      user,
      warning:
        `no subordinate ids for ${user} in /etc/subuid and /etc/subgid: only your own id is mapped (container root); ` +
        'chown, setuid and device mknod succeed without effect inside (fakeroot)' +
        (free ? `; for real ids add a range: usermod --add-subuids ${free} --add-subgids ${free} ${user}` : ''),
    };
  }
  const uids = ranges(uid, subuids);
  const gids = ranges(gid, subgids);
  return {
    uids,
    gids,
    single: false,
    steps: mapSteps(uids, gids, tools),
    warning: undefined,
    tools,
    user,
  };
}

/** The monitor's steps that write maps of subordinate ids (host terms): newuidmap and newgidmap. */
export function mapSteps(uids: IdRange[], gids: IdRange[], tools: { newuidmap: string; newgidmap: string }): Step[] {
  return [
    // Run by the monitor once the child exists; the child's steps wait for both to succeed.
    { kind: 'process', mode: 'wait', timeoutMs: 0, argv: argv(tools.newuidmap, uids) },
    { kind: 'process', mode: 'wait', timeoutMs: 0, argv: argv(tools.newgidmap, gids) },
  ];
}

/** How many ids a map holds. */
export function mapSize(map: IdRange[]): number {
  return map.reduce((n, r) => n + r.count, 0);
}

/**
 * A map given in the terms rootless podman uses for --uidmap (its HOST is an
 * id of the default namespace, `base`: 0 is you, 1.. your subordinate ids)
 * turned into host ids, each range split where `base` is; undefined (with
 * the first id that is not there) when `base` does not hold it all.
 */
export function throughBase(map: IdRange[], base: IdRange[]): { map: IdRange[] } | { missing: number } {
  const out: IdRange[] = [];
  for (const r of map) {
    let done = 0;
    while (done < r.count) {
      const id = r.outside + done;
      const b = base.find((x) => id >= x.inside && id < x.inside + x.count);
      if (!b) return { missing: id };
      const n = Math.min(r.count - done, b.inside + b.count - id);
      out.push({ inside: r.inside + done, outside: b.outside + (id - b.inside), count: n });
      done += n;
    }
  }
  return { map: out };
}

/** Two ranges of a map that overlap, on the inside or on the outside (the kernel refuses such a map), described; else undefined. */
export function mapOverlap(map: IdRange[]): string | undefined {
  const clash = (a: number, n: number, b: number, m: number): boolean => a < b + m && b < a + n;
  for (let i = 0; i < map.length; i++)
    for (let j = i + 1; j < map.length; j++) {
      const a = map[i] as IdRange;
      const b = map[j] as IdRange;
      if (clash(a.inside, a.count, b.inside, b.count)) return `container ids ${a.inside}-${a.inside + a.count - 1} and ${b.inside}-${b.inside + b.count - 1} overlap`;
      if (clash(a.outside, a.count, b.outside, b.count)) return `ids ${a.outside}-${a.outside + a.count - 1} and ${b.outside}-${b.outside + b.count - 1} are mapped twice`;
    }
  return undefined;
}

/**
 * fuse-overlayfs's uidmapping= (or gidmapping=) value that shows the image's
 * files with their owners under `container` (host terms) though they are
 * stored with the owners of the default map `base`: fuse-overlayfs runs in
 * the container's user namespace, where a file stored as host id H reads as
 * container^-1(H); it presents it as base^-1(H), the image's own id, and
 * does the reverse for the files it writes. Each item is ON-DISK:SHOWN:COUNT
 * (fuse-overlayfs's order). Undefined when some id of `base` is not mapped
 * in `container` (its files could not be told apart: the shifted view needs
 * every stored owner).
 */
export function shiftedView(container: IdRange[], base: IdRange[]): string | undefined {
  const items: string[] = [];
  for (const b of base) {
    let covered = 0;
    for (const c of container) {
      const start = Math.max(b.outside, c.outside);
      const end = Math.min(b.outside + b.count, c.outside + c.count);
      if (start >= end) continue;
      items.push(`${c.inside + (start - c.outside)}:${b.inside + (start - b.outside)}:${end - start}`);
      covered += end - start;
    }
    if (covered < b.count) return undefined;
  }
  return items.join(':');
}

/**
 * Only the user's own id, as container root (no subordinate ids, or
 * --userns fakeroot): written by the monitor itself, setgroups denied. The
 * container's filter then makes chown, setuid and device mknod succeed
 * without effect (runtime/seccomp.ts), as Charliecloud does.
 */
export function singleIdMapping(uid: number, gid: number): IdMapping {
  return {
    uids: [{ inside: 0, outside: uid, count: 1 }],
    gids: [{ inside: 0, outside: gid, count: 1 }],
    single: true,
    steps: [
      { kind: 'idmap-write', file: 'setgroups', content: 'deny' },
      { kind: 'idmap-write', file: 'uid_map', content: `0 ${uid} 1\n` },
      { kind: 'idmap-write', file: 'gid_map', content: `0 ${gid} 1\n` },
    ],
    warning: undefined,
  };
}

/**
 * A range of 65536 ids that no line of /etc/subuid or /etc/subgid gives out
 * ("START-END", right past every range there, from 100000, as useradd
 * gives them out), for the warning's
 * usermod; undefined when the files cannot be read.
 */
export function freeSubidRange(files: string[] = ['/etc/subuid', '/etc/subgid'], count = 65536): string | undefined {
  let end = 100000;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return undefined;
    }
    for (const line of text.split('\n')) {
      const [, start, n] = line.trim().split(':');
      if (/^\d+$/.test(start ?? '') && /^\d+$/.test(n ?? '')) end = Math.max(end, Number(start) + Number(n));
    }
  }
  const start = end;
  if (start + count - 1 > 0xfffffffe) return undefined;
  return `${start}-${start + count - 1}`;
}

/** Is container id `id` mapped? */
export function isMapped(map: IdRange[], id: number): boolean {
  return map.some((r) => id >= r.inside && id < r.inside + r.count);
}

/** Container id -> host id, or undefined. */
export function toHost(map: IdRange[], id: number): number | undefined {
  const r = map.find((m) => id >= m.inside && id < m.inside + m.count);
  return r === undefined ? undefined : r.outside + (id - r.inside);
}

/** "0-65536" style description of the mapped container ids, for messages. */
export function describeMap(map: IdRange[]): string {
  return map.map((r) => (r.count === 1 ? `${r.inside}` : `${r.inside}-${r.inside + r.count - 1}`)).join(', ');
}

/** Finds a program along PATH, as execvp would. */
export function which(program: string, path = process.env.PATH ?? DEFAULT_PATH): string | undefined {
  for (const dir of path.split(':')) {
    const candidate = posix.join(dir || '.', program);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

let remembered: { path: string | undefined; mapping: IdMapping } | undefined;

/** The invoking user's mapping, from /etc/subuid and /etc/subgid (read once per process and PATH). */
export function hostIdMapping(env: NodeJS.ProcessEnv = process.env): IdMapping {
  if (remembered !== undefined && remembered.path === env.PATH) return remembered.mapping;
  const mapping = readHostIdMapping(env);
  remembered = { path: env.PATH, mapping };
  return mapping;
}

/**
 * The invoking user's name and primary group: from /etc/passwd, as NSS's
 * files source reads it, else from the system's lookup (os.userInfo loads
 * NSS, 0.3 ms of every start).
 */
function whoAmI(): { username: string; uid: number; gid: number } {
  const uid = process.getuid?.() ?? 0;
  try {
    const entry = parsePasswd(readFileSync('/etc/passwd', 'utf8'), uid)[0];
    if (entry) return { username: entry.name, uid, gid: entry.gid };
  } catch {
    // unreadable: ask the system
  }
  const me = builtin<typeof import('node:os')>('node:os').userInfo();
  return { username: me.username, uid: me.uid, gid: me.gid };
}

function readHostIdMapping(env: NodeJS.ProcessEnv): IdMapping {
  const me = whoAmI();
  const subuids = readSubids('/etc/subuid', me.username, me.uid);
  const subgids = readSubids('/etc/subgid', me.username, me.uid);
  const tools = { newuidmap: 'newuidmap', newgidmap: 'newgidmap' };
  if (subuids.length > 0 && subgids.length > 0) {
    const newuidmap = which('newuidmap', env.PATH);
    const newgidmap = which('newgidmap', env.PATH);
    if (!newuidmap || !newgidmap)
      throw new BurrowError('E_NO_NEWUIDMAP', 'newuidmap and newgidmap are needed to map subordinate ids: install the uidmap package');
    Object.assign(tools, { newuidmap, newgidmap });
  }
  return idMapping(me.username, me.uid, me.gid, subuids, subgids, tools);
}
