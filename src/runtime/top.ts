/**
 * `top`: the processes of a running container, as podman's (psgo's)
 * descriptors describe them. They are found from the host: every process
 * whose pid namespace is the container's (/proc/PID/ns/pid), read from
 * /proc/PID/{stat,status,cmdline}; its pid, parent and user as the container
 * sees them (NSpid, the container's uid_map, the container's own /etc/passwd
 * read inside its root). Nothing runs in the container.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

import { UsageError } from '../errors.js';
import { CAPABILITIES } from '../system/capabilities.js';
import { parseGroup, parsePasswd, type RootReader } from '../system/passwd.js';

/** psgo's descriptors burrow knows, and their headers. */
export const DESCRIPTORS: Record<string, string> = {
  args: 'COMMAND',
  capamb: 'AMBIENT CAPS',
  capbnd: 'BOUNDING CAPS',
  capeff: 'EFFECTIVE CAPS',
  capinh: 'INHERITED CAPS',
  capprm: 'PERMITTED CAPS',
  comm: 'COMMAND',
  etime: 'ELAPSED',
  group: 'GROUP',
  hgroup: 'HGROUP',
  hpid: 'HPID',
  huser: 'HUSER',
  nice: 'NI',
  pcpu: '%CPU',
  pgid: 'PGID',
  pid: 'PID',
  ppid: 'PPID',
  rss: 'RSS',
  seccomp: 'SECCOMP',
  state: 'STATE',
  time: 'TIME',
  tty: 'TTY',
  user: 'USER',
  vsz: 'VSZ',
};

/** podman's default: user pid ppid pcpu etime tty time args. */
export const DEFAULT_DESCRIPTORS = ['user', 'pid', 'ppid', 'pcpu', 'etime', 'tty', 'time', 'args'];

/** The descriptors asked for: words or comma-separated lists (`pid,args`), as podman takes them. */
export function parseDescriptors(words: string[]): string[] {
  const list = words.flatMap((w) => w.split(',')).filter((w) => w !== '');
  if (list.length === 0) return DEFAULT_DESCRIPTORS;
  for (const d of list) if (!(d in DESCRIPTORS)) throw new UsageError(`unknown descriptor: ${d}: burrow knows ${Object.keys(DESCRIPTORS).join(', ')}`);
  return list;
}

interface Proc {
  hostPid: number;
  stat: string[];
  status: Map<string, string>;
  cmdline: string;
}

const TICKS = 100; // USER_HZ: what /proc counts clock ticks in, on every architecture Node runs on

function readProc(pid: number): Proc | undefined {
  try {
    const statText = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = statText.lastIndexOf(')');
    // fields from 3 (state) on; [0] and [1] are pid and comm
    const stat = [String(pid), statText.slice(statText.indexOf('(') + 1, close), ...statText.slice(close + 2).trim().split(' ')];
    const status = new Map<string, string>();
    for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) status.set(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
    return { hostPid: pid, stat, status, cmdline };
  } catch {
    return undefined; // ended meanwhile, or not ours to read
  }
}

/** The processes in the pid namespace of `pid` (a process of the container), in the container's pid order. */
function containerProcs(pid: number): Proc[] {
  const ns = readlinkSync(`/proc/${pid}/ns/pid`);
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let link: string;
    try {
      link = readlinkSync(`/proc/${name}/ns/pid`);
    } catch {
      continue; // another user's
    }
    if (link !== ns) continue;
    const p = readProc(Number(name));
    if (p) out.push(p);
  }
  // With --init, PID 1 is the helper, not dumpable and of the host's user namespace: its ns link cannot be
  // read, but it is the parent of the process we were given, and PID 1 of that namespace.
  const given = out.find((p) => p.hostPid === pid);
  if (given && nsPid(given) !== 1 && !out.some((p) => nsPid(p) === 1)) {
    const init = readProc(Number(given.stat[3]));
    if (init && nsPid(init) === 1) out.push(init);
  }
  return out.sort((a, b) => nsPid(a) - nsPid(b));
}

/** The pid as the container sees it: the last of NSpid. */
function nsPid(p: Proc): number {
  return Number((p.status.get('NSpid') ?? String(p.hostPid)).split(/\s+/).at(-1));
}

/** An id map (/proc/PID/uid_map: inside outside count), turned round: host id to container id. */
function inside(map: string, host: number): number | undefined {
  for (const line of map.trim().split('\n')) {
    const [i, o, c] = line.trim().split(/\s+/).map(Number) as [number, number, number];
    if (host >= o && host < o + c) return i + (host - o);
  }
  return undefined;
}

/** Go's time.Duration.String() of `ns` nanoseconds. */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let n = Math.abs(Math.round(ns));
  const sign = neg ? '-' : '';
  if (n < 1000) return `${sign}${n}ns`;
  if (n < 1e6) return `${sign}${trim((n / 1e3).toFixed(3))}µs`;
  if (n < 1e9) return `${sign}${trim((n / 1e6).toFixed(6))}ms`;
  let out = '';
  const h = Math.floor(n / 3.6e12);
  n -= h * 3.6e12;
  const m = Math.floor(n / 6e10);
  n -= m * 6e10;
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  return `${sign}${out}${trim((n / 1e9).toFixed(9))}s`;
}

function trim(decimal: string): string {
  return decimal.includes('.') ? decimal.replace(/0+$/, '').replace(/\.$/, '') : decimal;
}

/** psgo's capability sets: none, full, or the names. */
function caps(hex: string | undefined): string {
  if (hex === undefined) return '';
  const mask = BigInt(`0x${hex}`);
  if (mask === 0n) return 'none';
  const names = CAPABILITIES.filter((_, i) => (mask >> BigInt(i)) & 1n);
  return names.length === CAPABILITIES.length ? 'full' : names.join(',');
}

/** /dev/pts/N or ? from the tty number of stat(5). */
function ttyName(nr: number): string {
  if (nr === 0) return '?';
  const major = (nr >> 8) & 0xfff;
  const minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  return `tty${minor}`;
}

export interface TopInput {
  /** the container's first process (host pid) */
  pid: number;
  /** reads the container's files (its /etc/passwd and /etc/group) */
  read: RootReader;
}

/** The table: a header row and a row per process, each a list of cells, in the order of `descriptors`. */
export function topRows(input: TopInput, descriptors: string[]): string[][] {
  const procs = containerProcs(input.pid);
  const uidMap = readFileSync(`/proc/${input.pid}/uid_map`, 'utf8');
  const gidMap = readFileSync(`/proc/${input.pid}/gid_map`, 'utf8');
  const users = new Map(parsePasswd(input.read('/etc/passwd')).map((e) => [e.uid, e.name]));
  const groups = new Map(parseGroup(input.read('/etc/group')).map((e) => [e.gid, e.name]));
  const byHost = new Map(procs.map((p) => [p.hostPid, nsPid(p)]));
  const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const pageKiB = 4;
  const cell = (p: Proc, d: string): string => {
    const uid = Number((p.status.get('Uid') ?? '0').split(/\s+/)[1]); // effective
    const gid = Number((p.status.get('Gid') ?? '0').split(/\s+/)[1]);
    const started = Number(p.stat[21]) / TICKS; // seconds after boot
    const elapsed = Math.max(0, uptime - started);
    const cpu = (Number(p.stat[13]) + Number(p.stat[14])) / TICKS;
    switch (d) {
      case 'args':
        return p.cmdline || `[${p.stat[1]}]`;
      case 'comm':
        return p.stat[1] as string;
      case 'etime':
        return goDuration(elapsed * 1e9);
      case 'time':
        return goDuration(cpu * 1e9);
      case 'pcpu':
        return (elapsed > 0 ? (cpu / elapsed) * 100 : 0).toFixed(3);
      case 'pid':
        return String(nsPid(p));
      case 'ppid':
        return String(byHost.get(Number(p.stat[3])) ?? 0);
      case 'pgid':
        return String(byHost.get(Number(p.stat[4])) ?? 0);
      case 'hpid':
        return String(p.hostPid);
      case 'user': {
        const id = inside(uidMap, uid);
        return id === undefined ? String(uid) : (users.get(id) ?? String(id));
      }
      case 'group': {
        const id = inside(gidMap, gid);
        return id === undefined ? String(gid) : (groups.get(id) ?? String(id));
      }
      case 'huser':
        return String(uid);
      case 'hgroup':
        return String(gid);
      case 'nice':
        return p.stat[18] as string;
      case 'state':
        return p.stat[2] as string;
      case 'tty':
        return ttyName(Number(p.stat[6]));
      case 'vsz':
        return String(Math.round(Number(p.stat[22]) / 1024));
      case 'rss':
        return String(Number(p.stat[23]) * pageKiB);
      case 'capamb':
        return caps(p.status.get('CapAmb'));
      case 'capbnd':
        return caps(p.status.get('CapBnd'));
      case 'capeff':
        return caps(p.status.get('CapEff'));
      case 'capinh':
        return caps(p.status.get('CapInh'));
      case 'capprm':
        return caps(p.status.get('CapPrm'));
      case 'seccomp':
        return ['disabled', 'strict', 'filter'][Number(p.status.get('Seccomp') ?? 0)] ?? '?';
      default:
        return '';
    }
  };
  return [descriptors.map((d) => DESCRIPTORS[d] as string), ...procs.map((p) => descriptors.map((d) => cell(p, d)))];
}
