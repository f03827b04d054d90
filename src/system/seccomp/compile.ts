/**
 * A resolved seccomp filter (profile.ts) as a classic BPF program:
 *
 *   load arch; one section per architecture compiled, anything else is
 *   killed (SECCOMP_RET_KILL_PROCESS, libseccomp's bad-arch action);
 *   in a section: load nr; on x86-64 the x32 calls (nr with bit 30) get
 *   ENOSYS first, whatever the profile says (the classic way around a
 *   filter that allows by default); then a binary search over the call
 *   numbers, in ranges of equal outcome, whose leaves return an action or
 *   test a call's arguments.
 *
 * Arguments are 64-bit on 64-bit architectures (high word, then low word)
 * and only their low 32 bits on 32-bit ones, as the kernel passes them.
 */
import { Program, type Label } from './bpf.js';
import { RET, type Condition, type ResolvedFilter } from './profile.js';
import { SYSCALL_TABLES } from './syscalls.js';

/** AUDIT_ARCH_* (linux/audit.h) of each table. */
export const AUDIT_ARCH: Record<keyof typeof SYSCALL_TABLES, number> = {
  x86_64: 0xc000003e,
  x86: 0x40000003,
  aarch64: 0xc00000b7,
};

const BITS64: Record<keyof typeof SYSCALL_TABLES, boolean> = { x86_64: true, x86: false, aarch64: true };

const X32_BIT = 0x40000000;
const ENOSYS = 38;

/** offsetof(struct seccomp_data, ...): nr, arch, args[] (little-endian hosts). */
const NR = 0;
const ARCH = 4;
const argLow = (i: number): number => 16 + 8 * i;
const argHigh = (i: number): number => 16 + 8 * i + 4;

type Outcome = { ret: number } | { call: string };
interface Segment {
  lo: number;
  hi: number;
  outcome: Outcome;
}

const tableCache = new Map<string, string[]>();
function table(arch: keyof typeof SYSCALL_TABLES): string[] {
  let t = tableCache.get(arch);
  if (!t) tableCache.set(arch, (t = SYSCALL_TABLES[arch].split(' ')));
  return t;
}

export function compileFilter(filter: ResolvedFilter): Buffer {
  const p = new Program();
  const sections = filter.arches.map((arch) => ({ arch, label: p.label() }));
  p.load(ARCH);
  for (const s of sections) {
    const next = p.label();
    p.jump('jeq', AUDIT_ARCH[s.arch], s.label, next);
    p.place(next);
  }
  p.ret(RET.KILL_PROCESS);
  for (const s of sections) {
    p.place(s.label);
    section(p, filter, s.arch);
  }
  return p.assemble();
}

function section(p: Program, filter: ResolvedFilter, arch: keyof typeof SYSCALL_TABLES): void {
  p.load(NR);
  if (arch === 'x86_64' && filter.refuseX32) {
    const native = p.label();
    const x32 = p.label();
    p.jump('jge', X32_BIT, x32, native);
    p.place(x32);
    p.ret(RET.ERRNO | ENOSYS);
    p.place(native);
  }
  // The outcome of each number, in ranges; numbers past the table's end take the default action.
  const names = table(arch);
  const segments: Segment[] = [];
  const push = (nr: number, outcome: Outcome): void => {
    const last = segments[segments.length - 1];
    if (last && 'ret' in last.outcome && 'ret' in outcome && last.outcome.ret === outcome.ret && last.hi === nr - 1) last.hi = nr;
    else segments.push({ lo: nr, hi: nr, outcome });
  };
  names.forEach((name, nr) => {
    const call = name === '-' ? undefined : filter.calls.get(name);
    if (!call) push(nr, { ret: filter.defaultAction });
    else if (call.conditional.length === 0) push(nr, { ret: call.unconditional ?? filter.defaultAction });
    else push(nr, { call: name });
  });
  push(names.length, { ret: filter.defaultAction });
  const last = segments[segments.length - 1] as Segment;
  last.hi = 0xffffffff;
  tree(p, filter, segments, BITS64[arch]);
}

/** Binary search: A holds the call's number, every number in `segments` is in range. */
function tree(p: Program, filter: ResolvedFilter, segments: Segment[], bits64: boolean): void {
  if (segments.length === 1) {
    const { outcome } = segments[0] as Segment;
    if ('ret' in outcome) p.ret(outcome.ret);
    else argumentChecks(p, filter, outcome.call, bits64);
    return;
  }
  const mid = segments.length >> 1;
  const right = p.label();
  const left = p.label();
  p.jump('jge', (segments[mid] as Segment).lo, right, left);
  p.place(left);
  tree(p, filter, segments.slice(0, mid), bits64);
  p.place(right);
  tree(p, filter, segments.slice(mid), bits64);
}

/** A call with rules on its arguments: each rule in order, the first that holds decides. */
function argumentChecks(p: Program, filter: ResolvedFilter, name: string, bits64: boolean): void {
  const call = filter.calls.get(name);
  if (!call) throw new Error(`seccomp: no rules for ${name}`);
  for (const rule of call.conditional) {
    const fail = p.label();
    for (const c of rule.conditions) condition(p, c, fail, bits64);
    p.ret(rule.action);
    p.place(fail);
  }
  p.ret(call.unconditional ?? filter.defaultAction);
}

/** Falls through when the condition holds, jumps to `fail` when not. */
function condition(p: Program, c: Condition, fail: Label, bits64: boolean): void {
  const lo = Number(c.value & 0xffffffffn);
  const hi = Number((c.value >> 32n) & 0xffffffffn);
  const maskLo = Number(c.mask & 0xffffffffn);
  const maskHi = Number((c.mask >> 32n) & 0xffffffffn);
  const pass = p.label();
  if (!bits64) {
    p.load(argLow(c.index));
    switch (c.op) {
      case 'EQ': p.jump('jeq', lo, 'next', fail); break;
      case 'NE': p.jump('jeq', lo, fail, 'next'); break;
      case 'GT': p.jump('jgt', lo, 'next', fail); break;
      case 'GE': p.jump('jge', lo, 'next', fail); break;
      case 'LT': p.jump('jge', lo, fail, 'next'); break;
      case 'LE': p.jump('jgt', lo, fail, 'next'); break;
      case 'MASKED_EQ':
        p.and(maskLo);
        p.jump('jeq', lo, 'next', fail);
        break;
    }
    p.place(pass);
    return;
  }
  const low = p.label();
  switch (c.op) {
    case 'EQ':
      p.load(argHigh(c.index));
      p.jump('jeq', hi, 'next', fail);
      p.load(argLow(c.index));
      p.jump('jeq', lo, 'next', fail);
      break;
    case 'NE':
      // Holds when either word differs.
      p.load(argHigh(c.index));
      p.jump('jeq', hi, 'next', pass);
      p.load(argLow(c.index));
      p.jump('jeq', lo, fail, 'next');
      break;
    case 'MASKED_EQ':
      p.load(argHigh(c.index));
      p.and(maskHi);
      p.jump('jeq', hi, 'next', fail);
      p.load(argLow(c.index));
      p.and(maskLo);
      p.jump('jeq', lo, 'next', fail);
      break;
    case 'GT':
    case 'GE':
    case 'LT':
    case 'LE': {
      // The high words decide when they differ (above: GT and GE hold), else the low ones.
      const above = c.op === 'GT' || c.op === 'GE';
      p.load(argHigh(c.index));
      p.jump('jgt', hi, above ? pass : fail, 'next');
      p.jump('jeq', hi, low, above ? fail : pass);
      p.place(low);
      p.load(argLow(c.index));
      // GT: lo > v holds; GE: lo >= v; LT: not lo >= v; LE: not lo > v.
      p.jump(c.op === 'GT' || c.op === 'LE' ? 'jgt' : 'jge', lo, above ? 'next' : fail, above ? fail : 'next');
      break;
    }
  }
  p.place(pass);
}
