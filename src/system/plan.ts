/**
 * The plan: what burrow hands the helper (helpers/plan.h describes the same
 * format from the C side). TypeScript decides everything; the helper only
 * carries the records out, in order.
 *
 *   plan    := "burrow-plan 1\n" record* "end 0\n"
 *   record  := NAME " " COUNT "\n" field{COUNT}
 *   field   := LENGTH ":" BYTES "\n"
 *
 *   burrow (Node)                         burrow-helper (C)
 *   -------------                         -----------------
 *   compile options -> Plan
 *   plan into a memfd (a 0600 file in
 *   the runtime dir where there is none)
 *   execve helper run /proc/self/fd/N --> parse whole plan or refuse it (exit 125)
 *                                         clone, idmap-exec, setup steps, exec
 *                                         status fd: {"type":"pid"|"error"|"exit",...}
 *                                         exits with the container's code
 *
 * Paths in `mount`, `symlink`, `mask`, `readonly` are inside the container's
 * root and resolved there by the helper (RESOLVE_IN_ROOT).
 */

export const PLAN_VERSION = 1;

/** Mount flags: the kernel's MS_* and the helper's own bits above them. */
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  REMOUNT: 0x20,
  NOATIME: 0x400,
  BIND: 0x1000,
  REC: 0x4000,
  PRIVATE: 0x40000,
  STRICTATIME: 0x1000000,
} as const;

export const BP = {
  MKDIR: 1n << 40n,
  MKFILE: 1n << 41n,
  RDONLY: 1n << 42n,
  HOSTDST: 1n << 43n,
  OPTIONAL: 1n << 44n,
} as const;

export type Namespace = 'user' | 'mount' | 'pid' | 'uts' | 'ipc' | 'cgroup' | 'net';

export interface MountStep {
  source: string;
  target: string;
  fstype: string;
  /** MS_* bits */
  flags: number;
  /** helper bits (BP) */
  extra?: bigint;
  data?: string;
}

export interface Caps {
  bounding: bigint;
  permitted: bigint;
  effective: bigint;
  inheritable: bigint;
  ambient: bigint;
}

export type Step =
  | { kind: 'namespaces'; namespaces: Namespace[] }
  | { kind: 'idmap-exec'; argv: string[] }
  | { kind: 'mount-daemon'; mountpoint: string; argv: string[] }
  | { kind: 'idmap-write'; file: 'uid_map' | 'gid_map' | 'setgroups'; content: string }
  | { kind: 'root'; path: string }
  | ({ kind: 'mount' } & MountStep)
  | { kind: 'symlink'; target: string; path: string }
  | { kind: 'mask'; path: string }
  | { kind: 'readonly'; path: string }
  | { kind: 'pivot-root' }
  | { kind: 'hostname'; name: string }
  | { kind: 'loopback' }
  | { kind: 'rlimit'; resource: number; soft: number | 'inf'; hard: number | 'inf' }
  | { kind: 'tty' }
  | { kind: 'stdin'; mode: 'NULL' | 'INHERIT' }
  | { kind: 'relay-stdin' }
  | { kind: 'init' }
  | { kind: 'forward-signals'; signals: number[] }
  | { kind: 'groups'; gids: number[] }
  | { kind: 'user'; uid: number; gid: number }
  | ({ kind: 'caps' } & Caps)
  | { kind: 'no-new-privs' }
  | { kind: 'cwd'; path: string }
  | { kind: 'env'; env: string[] }
  | { kind: 'exec'; file: string; argv: string[] }
  | { kind: 'exit-file'; path: string }
  | { kind: 'on-exit'; argv: string[] };

export type Plan = Step[];

const hex = (n: bigint): string => n.toString(16);

function fields(step: Step): string[] {
  switch (step.kind) {
    case 'namespaces':
      return step.namespaces;
    case 'idmap-exec':
      return step.argv;
    case 'mount-daemon':
      return [step.mountpoint, ...step.argv];
    case 'idmap-write':
      return [step.file, step.content];
    case 'exit-file':
      return [step.path];
    case 'on-exit':
      return step.argv;
    case 'root':
    case 'mask':
    case 'readonly':
    case 'cwd':
      return [step.path];
    case 'mount':
      return [step.source, step.target, step.fstype, hex(BigInt(step.flags) | (step.extra ?? 0n)), step.data ?? ''];
    case 'symlink':
      return [step.target, step.path];
    case 'hostname':
      return [step.name];
    case 'rlimit':
      return [String(step.resource), String(step.soft), String(step.hard)];
    case 'stdin':
      return [step.mode];
    case 'forward-signals':
      return step.signals.map(String);
    case 'groups':
      return step.gids.map(String);
    case 'user':
      return [String(step.uid), String(step.gid)];
    case 'caps':
      return [step.bounding, step.permitted, step.effective, step.inheritable, step.ambient].map(hex);
    case 'env':
      return step.env;
    case 'exec':
      return [step.file, ...step.argv];
    case 'pivot-root':
    case 'loopback':
    case 'tty':
    case 'relay-stdin':
    case 'init':
    case 'no-new-privs':
      return [];
  }
}

/** Encodes a plan in the helper's format. */
export function encodePlan(plan: Plan): Buffer {
  // One string, one encoding (this runs on every start): lengths are in bytes.
  let out = `burrow-plan ${PLAN_VERSION}\n`;
  for (const step of plan) {
    const f = fields(step);
    out += `${step.kind} ${f.length}\n`;
    for (const value of f) out += `${ASCII.test(value) ? value.length : Buffer.byteLength(value)}:${value}\n`;
  }
  return Buffer.from(`${out}end 0\n`);
}

// eslint-disable-next-line no-control-regex -- the ASCII range, where a character is a byte
const ASCII = /^[\x00-\x7f]*$/;
