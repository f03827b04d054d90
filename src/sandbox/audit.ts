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
  op: 'open' | 'exec' | 'stat' | 'access' | 'mkdir';
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

/** One line of the log, as helpers/audit.c writes it. */
export interface AuditEntry {
  op: string;
  path: string;
  refused: 'missing' | 'read-only';
  host: boolean;
}

/**
 * Profile lines from a log: what was missing and the host has, read-only
 * (read-write when it was written to or made); what met a read-only mount,
 * read-write. Three or more paths in one directory become that directory.
 */
export function suggest(entries: AuditEntry[]): { readOnly: string[]; readWrite: string[] } {
  const rw = new Set<string>();
  const ro = new Set<string>();
  for (const e of entries) {
    if (!e.path.startsWith('/')) continue;
    // A write refused: the file itself when the host has it, else the directory it was to be made in.
    if (e.refused === 'read-only') rw.add(e.host ? e.path : parentOf(e.path));
    else if (e.host) ro.add(e.path);
  }
  const collapse = (paths: Set<string>): string[] => {
    const byParent = new Map<string, string[]>();
    for (const p of paths) byParent.set(parentOf(p), [...(byParent.get(parentOf(p)) ?? []), p]);
    const out = new Set<string>();
    for (const [parent, list] of byParent) for (const p of list.length >= 3 && parent !== '/' ? [parent] : list) out.add(p);
    // Nothing already under another entry.
    return [...out].filter((p) => ![...out].some((q) => q !== p && p.startsWith(`${q}/`))).sort();
  };
  const readWrite = collapse(rw);
  const readOnly = collapse(ro).filter((p) => !readWrite.some((q) => p === q || p.startsWith(`${q}/`)));
  return { readOnly, readWrite };
}

const parentOf = (p: string): string => p.slice(0, Math.max(1, p.lastIndexOf('/')));
