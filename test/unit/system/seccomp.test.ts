/**
 * The seccomp compiler against an interpreter of the BPF it writes (the
 * kernel's own verdict on the same programs: test/integration/seccomp.test.ts).
 */
import { describe, expect, it } from 'vitest';

import { BurrowError } from '../../../src/errors.js';
import { DEFAULT_CAPABILITIES } from '../../../src/system/capabilities.js';
import { disassemble, evaluate, Program } from '../../../src/system/seccomp/bpf.js';
import { AUDIT_ARCH } from '../../../src/system/seccomp/compile.js';
import { DEFAULT_PROFILE, parseProfile, precompiledDefault, seccompProgram, withFakeroot } from '../../../src/system/seccomp/index.js';
import { RET } from '../../../src/system/seccomp/profile.js';
import { SYSCALL_TABLES } from '../../../src/system/seccomp/syscalls.js';

const X86_64 = { arch: 'x86_64' as const, kernel: () => '6.1.0' };
const AARCH64 = { arch: 'aarch64' as const, kernel: () => '6.1.0' };
const nr = (arch: keyof typeof SYSCALL_TABLES, name: string): number => {
  const n = SYSCALL_TABLES[arch].split(' ').indexOf(name);
  if (n < 0) throw new Error(`${name} not in ${arch}`);
  return n;
};
const errno = (e: number): number => RET.ERRNO | e;

function verdicts(program: Buffer, arch: keyof typeof SYSCALL_TABLES = 'x86_64') {
  return (name: string, ...args: bigint[]): number => evaluate(program, { nr: nr(arch, name), arch: AUDIT_ARCH[arch], args });
}

describe('seccomp: the default profile (podman\'s)', () => {
  const caps = new Set(DEFAULT_CAPABILITIES);
  const { program } = seccompProgram(DEFAULT_PROFILE, caps, X86_64);
  const call = verdicts(program);

  it('allows the ordinary calls and refuses the blocked ones with podman\'s errno', () => {
    for (const name of ['read', 'write', 'openat', 'clone', 'clone3', 'execve', 'mount', 'unshare', 'keyctl', 'ptrace', 'fchmodat2', 'futex_waitv'])
      expect(call(name), name).toBe(RET.ALLOW);
    for (const name of ['kexec_load', 'userfaultfd', 'swapon', 'vmsplice', 'move_pages']) expect(call(name), name).toBe(errno(1));
    // Named nowhere: the default action, ENOSYS.
    for (const name of ['add_key', 'request_key']) expect(call(name), name).toBe(errno(38));
    // Capability-dependent parts, without the capability: EPERM.
    for (const name of ['bpf', 'perf_event_open', 'open_by_handle_at', 'kcmp', 'init_module', 'settimeofday']) expect(call(name), name).toBe(errno(1));
  });

  it('numbers past the table and unknown numbers take the default action', () => {
    expect(evaluate(program, { nr: 4000, arch: AUDIT_ARCH.x86_64 })).toBe(errno(38));
    expect(evaluate(program, { nr: 0x3fffffff, arch: AUDIT_ARCH.x86_64 })).toBe(errno(38));
  });

  it('refuses x32 calls (bit 30) with ENOSYS whatever they are', () => {
    expect(evaluate(program, { nr: 0x40000000 + nr('x86_64', 'read'), arch: AUDIT_ARCH.x86_64 })).toBe(errno(38));
    expect(evaluate(program, { nr: 0x40000000 + nr('x86_64', 'kexec_load'), arch: AUDIT_ARCH.x86_64 })).toBe(errno(38));
  });

  it('handles i386 calls with the i386 table, and kills any other architecture', () => {
    const i386 = verdicts(program, 'x86');
    expect(i386('getpid')).toBe(RET.ALLOW);
    expect(i386('socketcall')).toBe(RET.ALLOW);
    expect(i386('kexec_load')).toBe(errno(1));
    expect(i386('add_key')).toBe(errno(38));
    expect(evaluate(program, { nr: 0, arch: AUDIT_ARCH.aarch64 })).toBe(RET.KILL_PROCESS);
    expect(evaluate(program, { nr: 0, arch: 0x40000028 })).toBe(RET.KILL_PROCESS);
  });

  it('compares personality\'s argument as podman\'s profile says', () => {
    for (const v of [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn]) expect(call('personality', v)).toBe(RET.ALLOW);
    for (const v of [1n, 0x0400000n, 0x1_00000000n, 0xffffffff_ffffffffn]) expect(call('personality', v)).toBe(errno(38));
  });

  it('refuses netlink audit sockets without CAP_AUDIT_WRITE, and allows other sockets', () => {
    expect(call('socket', 16n, 3n, 9n)).toBe(errno(22));
    expect(call('socket', 16n, 3n, 0n)).toBe(RET.ALLOW);
    expect(call('socket', 2n, 1n, 9n)).toBe(RET.ALLOW);
    expect(call('socket', 2n, 1n, 0n)).toBe(RET.ALLOW);
    const audit = verdicts(seccompProgram(DEFAULT_PROFILE, new Set([...caps, 'AUDIT_WRITE']), X86_64).program);
    expect(audit('socket', 16n, 3n, 9n)).toBe(RET.ALLOW);
  });

  it('refuses TIOCSTI and TIOCLINUX, also with high bits set in the command', () => {
    expect(call('ioctl', 0n, 0x5412n)).toBe(errno(1));
    expect(call('ioctl', 0n, 0x541cn)).toBe(errno(1));
    expect(call('ioctl', 0n, 0xdead_0000_5412n)).toBe(errno(1));
    expect(call('ioctl', 0n, 0x5413n)).toBe(RET.ALLOW);
  });

  it('opens what a capability opens, as podman does', () => {
    const more = verdicts(seccompProgram(DEFAULT_PROFILE, new Set([...caps, 'SYS_PTRACE', 'SYS_ADMIN', 'DAC_READ_SEARCH']), X86_64).program);
    for (const name of ['kcmp', 'process_madvise', 'bpf', 'perf_event_open', 'setns', 'open_by_handle_at', 'fanotify_init']) expect(more(name), name).toBe(RET.ALLOW);
    // ... and dropping one closes its part.
    const fewer = verdicts(seccompProgram(DEFAULT_PROFILE, new Set(['CHOWN']), X86_64).program);
    expect(fewer('chroot')).toBe(errno(1));
    expect(call('chroot')).toBe(RET.ALLOW);
  });

  it('arch-specific rules follow the host: arch_prctl on x86-64', () => {
    expect(call('arch_prctl')).toBe(RET.ALLOW);
    expect(call('modify_ldt')).toBe(RET.ALLOW);
  });

  it('compiles for arm64 with its own table', () => {
    const arm = verdicts(seccompProgram(DEFAULT_PROFILE, caps, AARCH64).program, 'aarch64');
    expect(arm('openat')).toBe(RET.ALLOW);
    expect(arm('kexec_load')).toBe(errno(1));
    expect(evaluate(seccompProgram(DEFAULT_PROFILE, caps, AARCH64).program, { nr: 0, arch: AUDIT_ARCH.x86_64 })).toBe(RET.KILL_PROCESS);
  });

  it('is far below the kernel\'s 4096 instructions', () => {
    expect(program.length / 8).toBeLessThan(600);
  });

  it('agrees with a plain reading of the profile for every call of the table', () => {
    // Each number of the x86-64 table: allowed exactly when an unconditional allow rule names it (caps considered).
    const allowed = new Set<string>();
    const refused = new Map<string, number>();
    for (const rule of DEFAULT_PROFILE.syscalls ?? []) {
      if (rule.args && rule.args.length > 0) continue;
      const inc = rule.includes;
      if (inc?.caps?.some((c) => !caps.has(c.replace(/^CAP_/, '')))) continue;
      if (inc?.arches && inc.arches.length > 0 && !inc.arches.includes('amd64')) continue;
      if (rule.excludes?.caps?.some((c) => caps.has(c.replace(/^CAP_/, '')))) continue;
      for (const n of rule.names) {
        if (allowed.has(n) || refused.has(n)) continue;
        if (rule.action === 'SCMP_ACT_ALLOW') allowed.add(n);
        else refused.set(n, rule.errnoRet ?? 1);
      }
    }
    const conditional = new Set(['personality', 'socket', 'ioctl']);
    SYSCALL_TABLES.x86_64.split(' ').forEach((name, n) => {
      if (name === '-' || conditional.has(name)) return;
      const expected = allowed.has(name) ? RET.ALLOW : errno(refused.get(name) ?? 38);
      expect(evaluate(program, { nr: n, arch: AUDIT_ARCH.x86_64 }), name).toBe(expected);
    });
  });
});

describe('seccomp: what the build embeds', () => {
  it('is the default program and its fakeroot variant for the default capabilities, as compiled at start', () => {
    const built = precompiledDefault();
    if (built === null) return; // an architecture without a table
    const caps = new Set(DEFAULT_CAPABILITIES);
    expect(built.program).toBe(seccompProgram(DEFAULT_PROFILE, caps).program.toString('hex'));
    expect(built.fakeroot).toBe(seccompProgram(withFakeroot(DEFAULT_PROFILE), caps).program.toString('hex'));
    expect(built.fakeroot).not.toBe(built.program);
    expect(built.caps).toBe('SYS_CHROOT'); // of the default capabilities, the one the profile's rules name
  });
});

describe('seccomp: profiles', () => {
  const compile = (profile: object, caps: string[] = []) => seccompProgram(parseProfile(JSON.stringify(profile), 'test'), new Set(caps), X86_64);

  it('applies every argument operator on 64 bits', () => {
    const ops: [string, number, bigint[], bigint[]][] = [
      ['SCMP_CMP_EQ', 5, [5n], [4n, 6n, 0x1_00000005n]],
      ['SCMP_CMP_NE', 5, [4n, 0x1_00000005n], [5n]],
      ['SCMP_CMP_GT', 5, [6n, 0x1_00000000n], [5n, 0n]],
      ['SCMP_CMP_GE', 5, [5n, 6n, 0x1_00000000n], [4n]],
      ['SCMP_CMP_LT', 5, [4n, 0n], [5n, 0x1_00000000n]],
      ['SCMP_CMP_LE', 5, [5n, 0n], [6n, 0x1_00000004n]],
    ];
    for (const [op, value, yes, no] of ops) {
      const { program } = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['write'], action: 'SCMP_ACT_ERRNO', errnoRet: 7, args: [{ index: 2, value, op }] }] });
      const call = verdicts(program);
      for (const v of yes) expect(call('write', 0n, 0n, v), `${op} ${v}`).toBe(errno(7));
      for (const v of no) expect(call('write', 0n, 0n, v), `${op} ${v}`).toBe(RET.ALLOW);
    }
    const { program } = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['write'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 0, value: 0xff, valueTwo: 0x12, op: 'SCMP_CMP_MASKED_EQ' }] }] });
    const call = verdicts(program);
    expect(call('write', 0x3312n)).toBe(RET.KILL_PROCESS);
    expect(call('write', 0x3313n)).toBe(RET.ALLOW);
  });

  it('takes several args on one argument as alternatives, on different arguments as all of them', () => {
    const alt = verdicts(compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['write'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] }] }).program);
    expect(alt('write', 1n)).toBe(errno(1));
    expect(alt('write', 2n)).toBe(errno(1));
    expect(alt('write', 3n)).toBe(RET.ALLOW);
    const both = verdicts(compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['write'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }, { index: 1, value: 2, op: 'SCMP_CMP_EQ' }] }] }).program);
    expect(both('write', 1n, 2n)).toBe(errno(1));
    expect(both('write', 1n, 3n)).toBe(RET.ALLOW);
  });

  it('maps every action, and defaultErrnoRet only to the default action', () => {
    const { program } = compile({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 99,
      syscalls: [
        { names: ['read'], action: 'SCMP_ACT_ALLOW' },
        { names: ['write'], action: 'SCMP_ACT_ERRNO' },
        { names: ['close'], action: 'SCMP_ACT_KILL' },
        { names: ['open'], action: 'SCMP_ACT_KILL_PROCESS' },
        { names: ['stat'], action: 'SCMP_ACT_TRAP' },
        { names: ['fstat'], action: 'SCMP_ACT_LOG' },
        { names: ['lstat'], action: 'SCMP_ACT_TRACE', errnoRet: 3 },
      ],
    });
    const call = verdicts(program);
    expect([call('read'), call('write'), call('close'), call('open'), call('stat'), call('fstat'), call('lstat'), call('poll')]).toEqual([
      RET.ALLOW, errno(1), RET.KILL_THREAD, RET.KILL_PROCESS, RET.TRAP, RET.LOG, RET.TRACE | 3, errno(99),
    ]);
  });

  it('without architectures only the host\'s own calls pass; i386 ones are killed', () => {
    const { program } = compile({ defaultAction: 'SCMP_ACT_ALLOW' });
    expect(evaluate(program, { nr: 1, arch: AUDIT_ARCH.x86_64 })).toBe(RET.ALLOW);
    expect(evaluate(program, { nr: 1, arch: AUDIT_ARCH.x86 })).toBe(RET.KILL_PROCESS);
    // Allow by default, and still no x32 way around it.
    expect(evaluate(program, { nr: 0x40000001, arch: AUDIT_ARCH.x86_64 })).toBe(errno(38));
  });

  it('gets past 255-instruction jumps (a profile that needs trampolines)', () => {
    const names = SYSCALL_TABLES.x86_64.split(' ').filter((n) => n !== '-').slice(0, 250);
    const syscalls = names.map((name, i) => ({ names: [name], action: 'SCMP_ACT_ERRNO', errnoRet: (i % 50) + 1, args: [{ index: 0, value: i, op: 'SCMP_CMP_EQ' }, { index: 1, value: i, op: 'SCMP_CMP_NE' }] }));
    const { program } = compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls });
    expect(program.length / 8).toBeGreaterThan(1000);
    const call = verdicts(program);
    names.forEach((name, i) => {
      expect(call(name, BigInt(i), BigInt(i + 1)), name).toBe(errno((i % 50) + 1));
      expect(call(name, BigInt(i), BigInt(i)), name).toBe(RET.ALLOW);
    });
    for (const insn of disassemble(program)) expect(insn.jt <= 255 && insn.jf <= 255).toBe(true);
  });

  it('refuses a profile that compiles past the kernel\'s 4096 instructions', () => {
    const names = SYSCALL_TABLES.x86_64.split(' ').filter((n) => n !== '-');
    const syscalls = names.map((name, i) => ({ names: [name], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: i, op: 'SCMP_CMP_EQ' }, { index: 1, value: i, op: 'SCMP_CMP_NE' }] }));
    expect(() => compile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls })).toThrow(/compiles to \d+ instructions, more than the kernel's 4096/);
  });

  const refusals: [string, unknown, RegExp][] = [
    ['not JSON', '{', /not JSON/],
    ['not an object', '[]', /not a JSON object/],
    ['no defaultAction', {}, /no defaultAction/],
    ['NOTIFY', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_NOTIFY' }] }, /SCMP_ACT_NOTIFY: user notification is not supported/],
    ['NOTIFY default', { defaultAction: 'SCMP_ACT_NOTIFY' }, /SCMP_ACT_NOTIFY/],
    ['new listener flag', { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_NEW_LISTENER'] }, /NEW_LISTENER/],
    ['unknown action', { defaultAction: 'SCMP_ACT_MAYBE' }, /`SCMP_ACT_MAYBE` is not one of/],
    ['unknown call', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['frobnicate'], action: 'SCMP_ACT_ERRNO' }] }, /`frobnicate` is not a system call/],
    ['unknown cap', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', includes: { caps: ['CAP_FLY'] } }] }, /capability `CAP_FLY` is unknown/],
    ['unknown arch', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_Z80'] }, /architecture `SCMP_ARCH_Z80` is unknown/],
    ['bad index', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }, /index `6` is not 0 to 5/],
    ['bad op', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_ABOUT' }] }] }, /op `"SCMP_CMP_ABOUT"`/],
    ['huge value', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}', /beyond 2\^53/],
    ['negative value', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }] }, /not a whole number/],
    ['bad errno', { defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 70000 }, /not an errno number/],
    ['names not a list', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: 'read', action: 'SCMP_ACT_ERRNO' }] }, /names is not a list of strings/],
    ['empty names', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }, /names no system call/],
    ['bad minKernel', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', includes: { minKernel: 'new' } }] }, /minKernel/],
  ];
  for (const [what, profile, message] of refusals)
    it(`refuses a profile with ${what}, in one error`, () => {
      const text = typeof profile === 'string' ? profile : JSON.stringify(profile);
      let error: unknown;
      try {
        parseProfile(text, '`p.json`');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(BurrowError);
      expect((error as BurrowError).code).toBe('E_SECCOMP');
      expect((error as Error).message).toMatch(/^seccomp profile `p\.json`/);
      expect((error as Error).message).toMatch(message);
    });

  it('takes docker\'s old one-name rules and containers/common\'s defaultErrno', () => {
    const { program } = compile({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrno: 'ENOSYS', syscalls: [{ name: 'read', action: 'SCMP_ACT_ALLOW' }] });
    expect(verdicts(program)('read')).toBe(RET.ALLOW);
    expect(verdicts(program)('write')).toBe(errno(38));
  });

  it('minKernel includes a rule only on a new enough kernel', () => {
    const profile = parseProfile(JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', includes: { minKernel: '6.2' } }] }), 't');
    expect(verdicts(seccompProgram(profile, new Set(), { arch: 'x86_64', kernel: () => '6.1.0-13-amd64' }).program)('read')).toBe(RET.ALLOW);
    expect(verdicts(seccompProgram(profile, new Set(), { arch: 'x86_64', kernel: () => '6.18.4' }).program)('read')).toBe(errno(1));
  });
});

describe('BPF assembler', () => {
  it('keeps a far conditional jump right with a trampoline, and the other branch where it was', () => {
    const p = new Program();
    const far = p.label();
    p.load(0);
    p.jump('jeq', 7, far, 'next');
    for (let i = 0; i < 300; i++) p.ret(i);
    p.place(far);
    p.ret(999);
    const program = p.assemble();
    expect(evaluate(program, { nr: 7, arch: 0 })).toBe(999);
    expect(evaluate(program, { nr: 8, arch: 0 })).toBe(0);
  });
});
