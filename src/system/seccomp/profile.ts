/**
 * seccomp profiles in the OCI/docker JSON format (the one podman, docker and
 * containers/common read): checked whole, then resolved for one container
 * (its capabilities, the host's architecture and kernel) into the rules
 * compile.ts turns into BPF.
 *
 * Semantics, as runc's and crun's where they define them:
 * - a rule's `includes` holds when every cap it names is the container's,
 *   the host's architecture (Go's name: amd64, arm64) is among its arches,
 *   and the kernel is at least minKernel; `excludes` drops the rule when any
 *   of its caps is the container's or the host's architecture is named;
 * - a rule's args all hold at once, except that several args on the same
 *   argument are alternatives (runc's reading, since libseccomp cannot
 *   combine two conditions on one argument);
 * - for a call, the rules with args are tried in the profile's order, the
 *   first that holds decides; then the first rule without args; then the
 *   default action;
 * - SCMP_ACT_ERRNO without errnoRet is EPERM; defaultErrnoRet is only the
 *   default action's;
 * - names unknown on the host's architectures are skipped (a profile names
 *   every architecture's calls), names unknown everywhere are an error.
 */
import { BurrowError } from '../../errors.js';
import { isObject } from '../../json.js';
import { CAPABILITIES } from '../capabilities.js';
import { SYSCALL_TABLES } from './syscalls.js';

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface SeccompFilterSet {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: SeccompFilterSet;
  excludes?: SeccompFilterSet;
  comment?: string;
}

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] | null }[];
  syscalls?: SeccompRule[];
  flags?: string[];
}

/** SECCOMP_RET_* values (linux/seccomp.h). */
export const RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

/** SECCOMP_FILTER_FLAG_* burrow passes on (NEW_LISTENER is the user notification burrow refuses). */
const FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
};

const EPERM = 1;

export type ArgOp = 'NE' | 'LT' | 'LE' | 'EQ' | 'GE' | 'GT' | 'MASKED_EQ';
const OPS = new Set<string>(['NE', 'LT', 'LE', 'EQ', 'GE', 'GT', 'MASKED_EQ']);

/** One condition on a system call argument: (arg & mask) op value, 64-bit. */
export interface Condition {
  index: number;
  op: ArgOp;
  value: bigint;
  /** MASKED_EQ's mask */
  mask: bigint;
}

/** What a container's filter does, for the architectures it compiles for. */
export interface ResolvedFilter {
  defaultAction: number;
  /** the tables compiled (SYSCALL_TABLES keys), the host's own first */
  arches: (keyof typeof SYSCALL_TABLES)[];
  /** x86-64: x32 calls get ENOSYS whatever the profile says */
  refuseX32: boolean;
  /** per call name: rules with args (each all-of), in order, then the action without args */
  calls: Map<string, { conditional: { conditions: Condition[]; action: number }[]; unconditional: number | undefined }>;
  flags: number;
}

/** The host as the resolution needs it. */
export interface SeccompHost {
  /** SYSCALL_TABLES key of the host's own architecture */
  arch: 'x86_64' | 'aarch64';
  /** the kernel's version, for minKernel */
  kernel: () => string;
}

/** Names of the libseccomp architectures and which table (or family) each is. */
const SCMP_ARCHES: Record<string, keyof typeof SYSCALL_TABLES | 'x32' | 'foreign'> = {
  SCMP_ARCH_X86_64: 'x86_64',
  SCMP_ARCH_X86: 'x86',
  SCMP_ARCH_X32: 'x32',
  SCMP_ARCH_AARCH64: 'aarch64',
  SCMP_ARCH_ARM: 'foreign',
  SCMP_ARCH_MIPS: 'foreign',
  SCMP_ARCH_MIPS64: 'foreign',
  SCMP_ARCH_MIPS64N32: 'foreign',
  SCMP_ARCH_MIPSEL: 'foreign',
  SCMP_ARCH_MIPSEL64: 'foreign',
  SCMP_ARCH_MIPSEL64N32: 'foreign',
  SCMP_ARCH_PPC: 'foreign',
  SCMP_ARCH_PPC64: 'foreign',
  SCMP_ARCH_PPC64LE: 'foreign',
  SCMP_ARCH_S390: 'foreign',
  SCMP_ARCH_S390X: 'foreign',
  SCMP_ARCH_PARISC: 'foreign',
  SCMP_ARCH_PARISC64: 'foreign',
  SCMP_ARCH_RISCV64: 'foreign',
  SCMP_ARCH_LOONGARCH64: 'foreign',
  SCMP_ARCH_M68K: 'foreign',
  SCMP_ARCH_SH: 'foreign',
  SCMP_ARCH_SHEB: 'foreign',
};

/** Which of them run on a host of each architecture (what a process there can call as). */
const FAMILY: Record<SeccompHost['arch'], string[]> = {
  x86_64: ['x86_64', 'x86', 'x32'],
  aarch64: ['aarch64'],
};

/** Go's architecture names, which includes/excludes use. */
const GO_ARCHES = new Set(['386', 'x86', 'amd64', 'x32', 'arm', 'arm64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64n32', 'mips64len32', 'ppc', 'ppc64', 'ppc64le', 's390', 's390x', 'riscv64', 'loong64', 'parisc', 'parisc64', 'm68k', 'sh', 'sheb']);
const HOST_GO_ARCH: Record<SeccompHost['arch'], string> = { x86_64: 'amd64', aarch64: 'arm64' };

/** Calls of architectures burrow has no table for, which profiles name (podman's does). */
const FOREIGN_CALLS = new Set([
  'arm_fadvise64_64', 'arm_sync_file_range', 'breakpoint', 'cacheflush', 'set_tls', 'usr26', 'usr32', 'sync_file_range2',
  's390_pci_mmio_read', 's390_pci_mmio_write', 's390_runtime_instr', 's390_guarded_storage', 's390_sthyi',
  'pciconfig_iobase', 'pciconfig_read', 'pciconfig_write', 'recv', 'send', 'swapcontext', 'syscall', 'timerfd',
  'spu_create', 'spu_run', 'subpage_prot', 'sys_debug_setcontext', 'switch_endian', 'multiplexer', 'rtas', 'kern_features',
  'riscv_flush_icache', 'riscv_hwprobe', 'sysmips', 'cachectl', 'atomic_barrier', 'atomic_cmpxchg_32', 'get_tls', 'set_thread_area',
  'oldumount', 'sigaltstack', 'osf_getsysinfo', 'osf_setsysinfo', 'utrap_install', 'perfctr', 'memory_ordering', 'or1k_atomic',
]);

let knownNames: Set<string> | undefined;
function isKnownCall(name: string): boolean {
  knownNames ??= new Set(Object.values(SYSCALL_TABLES).flatMap((t) => t.split(' ')));
  return knownNames.has(name) || FOREIGN_CALLS.has(name);
}

/** Errno names a profile may give as defaultErrno (containers/common's extension). */
const ERRNO_NAMES: Record<string, number> = { EPERM: 1, ENOENT: 2, EACCES: 13, EINVAL: 22, ENOSYS: 38, EOPNOTSUPP: 95 };

class ProfileError extends BurrowError {
  constructor(where: string, message: string) {
    super('E_SECCOMP', `seccomp profile ${where}: ${message}`);
  }
}

type Json = unknown;


/**
 * Checks a parsed profile whole; `where` names it in messages (`\`/path\``).
 * Every value a rule uses is checked here, so that resolving and compiling
 * never meet a surprise.
 */
export function checkProfile(json: Json, where: string): SeccompProfile {
  const bad = (message: string): never => {
    throw new ProfileError(where, message);
  };
  if (!isObject(json)) bad('is not a JSON object');
  const p = json as Record<string, Json>;
  const strings = (v: Json, what: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) bad(`${what} is not a list of strings`);
    return v as string[];
  };
  const errno = (v: Json, what: string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 4095) bad(`${what} \`${JSON.stringify(v)}\` is not an errno number (0 to 4095)`);
    return v as number;
  };
  if (typeof p.defaultAction !== 'string') bad('has no defaultAction');
  checkAction(p.defaultAction as string, `defaultAction`, bad);
  let defaultErrnoRet = errno(p.defaultErrnoRet, 'defaultErrnoRet');
  if (defaultErrnoRet === undefined && p.defaultErrno !== undefined) {
    if (typeof p.defaultErrno !== 'string' || ERRNO_NAMES[p.defaultErrno] === undefined)
      bad(`defaultErrno \`${JSON.stringify(p.defaultErrno)}\` is not one of ${Object.keys(ERRNO_NAMES).join(', ')}`);
    defaultErrnoRet = ERRNO_NAMES[p.defaultErrno as string];
  }
  const architectures = strings(p.architectures, 'architectures');
  for (const a of architectures) if (!(a in SCMP_ARCHES)) bad(`architecture \`${a}\` is unknown`);
  let archMap: SeccompProfile['archMap'];
  if (p.archMap !== undefined && p.archMap !== null) {
    if (!Array.isArray(p.archMap)) bad('archMap is not a list');
    archMap = (p.archMap as Json[]).map((m, i) => {
      if (!isObject(m) || typeof m.architecture !== 'string') return bad(`archMap[${i}] has no architecture`);
      const subs = strings(m.subArchitectures, `archMap[${i}].subArchitectures`);
      for (const a of [m.architecture, ...subs]) if (!(a in SCMP_ARCHES)) bad(`architecture \`${a}\` is unknown`);
      return { architecture: m.architecture, subArchitectures: subs };
    });
  }
  const flags = strings(p.flags, 'flags');
  for (const f of flags) {
    if (f === 'SECCOMP_FILTER_FLAG_NEW_LISTENER') bad('flag SECCOMP_FILTER_FLAG_NEW_LISTENER: user notification (SCMP_ACT_NOTIFY) is not supported');
    if (FLAGS[f] === undefined) bad(`flag \`${f}\` is unknown`);
  }
  if (p.syscalls !== undefined && p.syscalls !== null && !Array.isArray(p.syscalls)) bad('syscalls is not a list');
  const syscalls = ((p.syscalls as Json[] | undefined) ?? []).map((r, i): SeccompRule => {
    const at = `syscalls[${i}]`;
    if (!isObject(r)) return bad(`${at} is not an object`);
    // docker's old format has one `name`.
    const names = typeof r.name === 'string' && r.names === undefined ? [r.name] : strings(r.names, `${at}.names`);
    if (names.length === 0) bad(`${at} names no system call`);
    for (const n of names) if (!isKnownCall(n)) bad(`${at}: \`${n}\` is not a system call`);
    if (typeof r.action !== 'string') bad(`${at} has no action`);
    checkAction(r.action as string, `${at}.action`, bad);
    const errnoRet = errno(r.errnoRet, `${at}.errnoRet`);
    if (r.args !== undefined && r.args !== null && !Array.isArray(r.args)) bad(`${at}.args is not a list`);
    const args = ((r.args as Json[] | undefined) ?? []).map((a, j): SeccompArg => {
      const aat = `${at}.args[${j}]`;
      if (!isObject(a)) return bad(`${aat} is not an object`);
      if (!Number.isInteger(a.index) || (a.index as number) < 0 || (a.index as number) > 5) bad(`${aat}.index \`${JSON.stringify(a.index)}\` is not 0 to 5`);
      for (const k of ['value', 'valueTwo'] as const) {
        const v = a[k];
        if (v === undefined && k === 'valueTwo') continue;
        if (!Number.isInteger(v) || (v as number) < 0) bad(`${aat}.${k} \`${JSON.stringify(v)}\` is not a whole number of 0 or more`);
        if (!Number.isSafeInteger(v)) bad(`${aat}.${k} ${String(v)} is beyond 2^53, where a JSON number loses digits`);
      }
      if (typeof a.op !== 'string' || !OPS.has(a.op.replace(/^SCMP_CMP_/, ''))) bad(`${aat}.op \`${JSON.stringify(a.op)}\` is not one of SCMP_CMP_${[...OPS].join(', SCMP_CMP_')}`);
      return { index: a.index as number, value: a.value as number, ...(a.valueTwo !== undefined ? { valueTwo: a.valueTwo as number } : {}), op: a.op as string };
    });
    const filterSet = (v: Json, what: string): SeccompFilterSet | undefined => {
      if (v === undefined || v === null) return undefined;
      if (!isObject(v)) return bad(`${at}.${what} is not an object`);
      const caps = strings(v.caps, `${at}.${what}.caps`);
      for (const c of caps) if (!CAPABILITIES.includes(c.replace(/^CAP_/, ''))) bad(`${at}.${what}: capability \`${c}\` is unknown`);
      const arches = strings(v.arches, `${at}.${what}.arches`);
      for (const a of arches) if (!GO_ARCHES.has(a)) bad(`${at}.${what}: architecture \`${a}\` is unknown`);
      if (v.minKernel !== undefined && v.minKernel !== null && (typeof v.minKernel !== 'string' || !/^\d+(\.\d+)?$/.test(v.minKernel)))
        bad(`${at}.${what}.minKernel \`${JSON.stringify(v.minKernel)}\` is not a kernel version such as 5.8`);
      return { caps, arches, ...(typeof v.minKernel === 'string' ? { minKernel: v.minKernel } : {}) };
    };
    const includes = filterSet(r.includes, 'includes');
    const excludes = filterSet(r.excludes, 'excludes');
    return {
      names,
      action: r.action as string,
      ...(errnoRet !== undefined ? { errnoRet } : {}),
      args,
      ...(includes ? { includes } : {}),
      ...(excludes ? { excludes } : {}),
    };
  });
  return {
    defaultAction: p.defaultAction as string,
    ...(defaultErrnoRet !== undefined ? { defaultErrnoRet } : {}),
    architectures,
    ...(archMap ? { archMap } : {}),
    syscalls,
    flags,
  };
}

const ACTIONS = new Set(['SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP', 'SCMP_ACT_ERRNO', 'SCMP_ACT_TRACE', 'SCMP_ACT_ALLOW', 'SCMP_ACT_LOG']);

function checkAction(action: string, what: string, bad: (m: string) => never): void {
  if (action === 'SCMP_ACT_NOTIFY') bad(`${what} SCMP_ACT_NOTIFY: user notification is not supported (it needs a supervisor that answers each call)`);
  if (!ACTIONS.has(action)) bad(`${what} \`${action}\` is not one of ${[...ACTIONS].join(', ')}`);
}

/** The SECCOMP_RET_* value of an action. */
function actionValue(action: string, errnoRet: number | undefined): number {
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return RET.TRAP;
    case 'SCMP_ACT_ERRNO':
      return (RET.ERRNO | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_TRACE':
      return (RET.TRACE | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
    case 'SCMP_ACT_LOG':
      return RET.LOG;
    default:
      return RET.ALLOW;
  }
}

function kernelAtLeast(kernel: string, min: string): boolean {
  const [a = 0, b = 0] = kernel.split(/[.-]/).map(Number);
  const [c = 0, d = 0] = min.split('.').map(Number);
  return a > c || (a === c && b >= d);
}

/**
 * The filter for one container: `caps` its capability set (names without
 * CAP_), on `host`. The profile must have been checked (checkProfile).
 */
export function resolveProfile(profile: SeccompProfile, caps: ReadonlySet<string>, host: SeccompHost): ResolvedFilter {
  const family = FAMILY[host.arch];
  const listed = new Set<string>();
  for (const a of profile.architectures ?? []) listed.add(a);
  for (const m of profile.archMap ?? [])
    if (SCMP_ARCHES[m.architecture] === host.arch) for (const a of [m.architecture, ...(m.subArchitectures ?? [])]) listed.add(a);
  const tables = new Set<keyof typeof SYSCALL_TABLES>([host.arch]);
  for (const a of listed) {
    const t = SCMP_ARCHES[a];
    if (t !== undefined && t !== 'x32' && t !== 'foreign' && family.includes(t)) tables.add(t);
  }
  const goArch = HOST_GO_ARCH[host.arch];
  const hasCap = (c: string): boolean => caps.has(c.replace(/^CAP_/, ''));
  const applies = (rule: SeccompRule): boolean => {
    const inc = rule.includes;
    if (inc) {
      if (inc.caps?.some((c) => !hasCap(c))) return false;
      if (inc.arches && inc.arches.length > 0 && !inc.arches.includes(goArch)) return false;
      if (inc.minKernel && !kernelAtLeast(host.kernel(), inc.minKernel)) return false;
    }
    const exc = rule.excludes;
    if (exc) {
      if (exc.caps?.some(hasCap)) return false;
      if (exc.arches?.includes(goArch)) return false;
      if (exc.minKernel && kernelAtLeast(host.kernel(), exc.minKernel)) return false;
    }
    return true;
  };
  const calls: ResolvedFilter['calls'] = new Map();
  for (const rule of profile.syscalls ?? []) {
    if (!applies(rule)) continue;
    const action = actionValue(rule.action, rule.errnoRet);
    const conditions = (rule.args ?? []).map(
      (a): Condition => {
        const op = a.op.replace(/^SCMP_CMP_/, '') as ArgOp;
        // MASKED_EQ: value is the mask, valueTwo the value (libseccomp's order).
        return op === 'MASKED_EQ'
          ? { index: a.index, op, mask: BigInt(a.value), value: BigInt(a.valueTwo ?? 0) }
          : { index: a.index, op, mask: 0xffffffffffffffffn, value: BigInt(a.value) };
      },
    );
    // Several conditions, all on one argument: alternatives (runc).
    const alternatives = conditions.length > 1 && conditions.every((c) => c.index === conditions[0]?.index) ? conditions.map((c) => [c]) : [conditions];
    for (const name of rule.names) {
      let call = calls.get(name);
      if (!call) calls.set(name, (call = { conditional: [], unconditional: undefined }));
      if (conditions.length === 0) call.unconditional ??= action;
      else for (const conds of alternatives) call.conditional.push({ conditions: conds, action });
    }
  }
  const flags = (profile.flags ?? []).reduce((f, name) => f | (FLAGS[name] ?? 0), 0);
  return {
    defaultAction: actionValue(profile.defaultAction, profile.defaultErrnoRet),
    arches: [...tables],
    refuseX32: host.arch === 'x86_64',
    calls,
    flags,
  };
}
