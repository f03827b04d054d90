/**
 * --audit FILE, the learning mode: a seccomp filter that sends the file
 * system calls of the sandbox's processes to the monitor (user
 * notification), which lets each go on unchanged and logs those the sandbox
 * refuses for want of a path (helpers/audit.c). `burrow sandbox profile
 * suggest FILE` turns the log into profile lines. Here: the calls, per
 * architecture, and the classic BPF program that picks them.
 */

/** A call the monitor looks at: its number, what it does, and which of its arguments hold the dirfd, path and flags. */
interface Call {
  nr: number;
  op: 'open' | 'exec' | 'stat' | 'access' | 'mkdir' | 'connect' | 'bind';
  dirfd?: number;
  path: number;
  flags?: number;
}

/** AUDIT_ARCH_* and the calls, by Node's process.arch. */
const ARCHES: Record<string, { audit: number; calls: Call[] }> = {
  x64: {
    audit: 0xc000003e,
    calls: [
      { nr: 2, op: 'open', path: 0, flags: 1 },
      { nr: 257, op: 'open', dirfd: 0, path: 1, flags: 2 },
      { nr: 437, op: 'open', dirfd: 0, path: 1 },
      { nr: 59, op: 'exec', path: 0 },
      { nr: 322, op: 'exec', dirfd: 0, path: 1 },
      { nr: 4, op: 'stat', path: 0 },
      { nr: 6, op: 'stat', path: 0 },
      { nr: 262, op: 'stat', dirfd: 0, path: 1 },
      { nr: 332, op: 'stat', dirfd: 0, path: 1 },
      { nr: 21, op: 'access', path: 0 },
      { nr: 269, op: 'access', dirfd: 0, path: 1 },
      { nr: 439, op: 'access', dirfd: 0, path: 1 },
      { nr: 83, op: 'mkdir', path: 0 },
      { nr: 258, op: 'mkdir', dirfd: 0, path: 1 },
      { nr: 42, op: 'connect', path: 1 },
      { nr: 49, op: 'bind', path: 1 },
    ],
  },
  arm64: {
    audit: 0xc00000b7,
    calls: [
      { nr: 56, op: 'open', dirfd: 0, path: 1, flags: 2 },
      { nr: 437, op: 'open', dirfd: 0, path: 1 },
      { nr: 221, op: 'exec', path: 0 },
      { nr: 281, op: 'exec', dirfd: 0, path: 1 },
      { nr: 79, op: 'stat', dirfd: 0, path: 1 },
      { nr: 291, op: 'stat', dirfd: 0, path: 1 },
      { nr: 48, op: 'access', dirfd: 0, path: 1 },
      { nr: 439, op: 'access', dirfd: 0, path: 1 },
      { nr: 34, op: 'mkdir', dirfd: 0, path: 1 },
      { nr: 203, op: 'connect', path: 1 },
      { nr: 200, op: 'bind', path: 1 },
    ],
  },
};

/** SECCOMP_FILTER_FLAG_NEW_LISTENER */
export const NEW_LISTENER = 8;
const RET_ALLOW = 0x7fff0000;
const RET_USER_NOTIF = 0x7fc00000;

/** undefined where burrow knows no table for this architecture. */
export function auditFilter(arch = process.arch): { program: Buffer; calls: string[] } | undefined {
  const a = ARCHES[arch];
  if (!a) return undefined;
  const ins: [number, number, number, number][] = [];
  // ld [arch]; another architecture (a 32-bit call on x86-64) is let through unlooked-at
  ins.push([0x20, 0, 0, 4], [0x15, 1, 0, a.audit], [0x06, 0, 0, RET_ALLOW], [0x20, 0, 0, 0]);
  // ld [nr] above; each call of the table jumps to the notification at the end
  a.calls.forEach((c, i) => ins.push([0x15, a.calls.length - i, 0, c.nr]));
  ins.push([0x06, 0, 0, RET_ALLOW], [0x06, 0, 0, RET_USER_NOTIF]);
  const program = Buffer.alloc(ins.length * 8);
  ins.forEach(([code, jt, jf, k], i) => {
    program.writeUInt16LE(code, i * 8);
    program.writeUInt8(jt, i * 8 + 2);
    program.writeUInt8(jf, i * 8 + 3);
    program.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  const arg = (n: number | undefined): string => (n === undefined ? '-' : String(n));
  return { program, calls: a.calls.map((c) => `${c.nr}:${c.op}:${arg(c.dirfd)}:${c.path}:${arg(c.flags)}`) };
}

/** One line of the log, as helpers/audit.c writes it: a path refused, or (Landlock) a TCP port. */
export type AuditEntry =
  | { op: string; path: string; refused: 'missing' | 'read-only'; host: boolean }
  | { op: string; path: string; refused: 'landlock'; access: 'ro' | 'rx' | 'rw'; host: boolean }
  | { op: 'connect' | 'bind'; port: number; refused: 'landlock' };

/** The entry a parsed JSON line is, or undefined. */
export function auditEntry(o: unknown): AuditEntry | undefined {
  const e = o as Record<string, unknown> | null;
  if (typeof e !== 'object' || e === null || typeof e.op !== 'string') return undefined;
  if (e.refused === 'landlock' && (e.op === 'connect' || e.op === 'bind') && Number.isInteger(e.port) && (e.port as number) >= 0 && (e.port as number) <= 65535) return e as AuditEntry;
  if (typeof e.path !== 'string' || typeof e.host !== 'boolean') return undefined;
  if (e.refused === 'missing' || e.refused === 'read-only') return e as AuditEntry;
  if (e.refused === 'landlock' && (e.access === 'ro' || e.access === 'rx' || e.access === 'rw')) return e as AuditEntry;
  return undefined;
}

/** What `suggest` gives: [filesystem]'s lists and [landlock]'s. */
export interface Suggestion {
  readOnly: string[];
  readWrite: string[];
  landlock: { readOnly: string[]; readExec: string[]; readWrite: string[]; bindTcp: number[]; connectTcp: number[] };
}

/**
 * Profile lines from a log: what was missing and the host has, read-only
 * (read-write when it was written to or made); what met a read-only mount,
 * read-write. What Landlock refused: a [landlock] rule of the right it
 * lacked (on the file, or the directory a new one was to be made in), and
 * the TCP ports. Three or more paths in one directory become that directory.
 */
export function suggest(entries: AuditEntry[]): Suggestion {
  const rw = new Set<string>();
  const ro = new Set<string>();
  const ll = { ro: new Set<string>(), rx: new Set<string>(), rw: new Set<string>() };
  const ports = { bind: new Set<number>(), connect: new Set<number>() };
  for (const e of entries) {
    if ('port' in e) {
      ports[e.op].add(e.port);
      continue;
    }
    if (!e.path.startsWith('/')) continue;
    // A write refused: the file itself when the host has it, else the directory it was to be made in.
    if (e.refused === 'read-only') rw.add(e.host ? e.path : parentOf(e.path));
    else if (e.refused === 'landlock') ll[e.access].add(e.access === 'rw' && !e.host ? parentOf(e.path) : e.path);
    else if (e.host) ro.add(e.path);
  }
  const readWrite = collapse(rw);
  const readOnly = collapse(ro).filter((p) => !under(p, readWrite));
  const llRw = collapse(ll.rw);
  const llRx = collapse(ll.rx).filter((p) => !under(p, llRw));
  const llRo = collapse(ll.ro).filter((p) => !under(p, [...llRw, ...llRx]));
  const sorted = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);
  return { readOnly, readWrite, landlock: { readOnly: llRo, readExec: llRx, readWrite: llRw, bindTcp: sorted(ports.bind), connectTcp: sorted(ports.connect) } };
}

/** Paths, three or more in one directory made that directory, none left under another. */
function collapse(paths: Set<string>): string[] {
  const byParent = new Map<string, string[]>();
  for (const p of paths) byParent.set(parentOf(p), [...(byParent.get(parentOf(p)) ?? []), p]);
  const out = new Set<string>();
  for (const [parent, list] of byParent) for (const p of list.length >= 3 && parent !== '/' ? [parent] : list) out.add(p);
  return [...out].filter((p) => !under(p, [...out].filter((q) => q !== p))).sort();
}

const under = (p: string, dirs: string[]): boolean => dirs.some((q) => p === q || p.startsWith(q === '/' ? '/' : `${q}/`));

const parentOf = (p: string): string => p.slice(0, Math.max(1, p.lastIndexOf('/')));
