/**
 * A small assembler for classic BPF (struct sock_filter, linux/filter.h), as
 * seccomp runs it: forward jumps only, conditional jumps of at most 255
 * instructions. Code is written with labels; `assemble` lays it out and puts
 * an unconditional `ja` (32-bit offset) beside any conditional jump whose
 * target lies further than 255 instructions.
 */

/** Opcodes (BPF_CLASS | BPF_SIZE/OP | BPF_MODE/SRC). */
export const OP = {
  LD_W_ABS: 0x20,
  JA: 0x05,
  JEQ_K: 0x15,
  JGT_K: 0x25,
  JGE_K: 0x35,
  JSET_K: 0x45,
  AND_K: 0x54,
  RET_K: 0x06,
} as const;

/** BPF_MAXINSNS: the longest program the kernel takes. */
export const MAX_INSTRUCTIONS = 4096;

export type Label = { readonly label: number };

/** Where a conditional jump goes: a label, or the next instruction. */
export type Target = Label | 'next';

type Item =
  | { kind: 'insn'; code: number; k: number; jt: Target; jf: Target }
  | { kind: 'ja'; to: Label }
  | { kind: 'label'; label: Label };

export class Program {
  private items: Item[] = [];
  private labels = 0;

  label(): Label {
    return { label: this.labels++ };
  }

  place(label: Label): void {
    this.items.push({ kind: 'label', label });
  }

  /** A = the 32-bit word at `offset` of struct seccomp_data. */
  load(offset: number): void {
    this.items.push({ kind: 'insn', code: OP.LD_W_ABS, k: offset, jt: 'next', jf: 'next' });
  }

  and(k: number): void {
    this.items.push({ kind: 'insn', code: OP.AND_K, k: k >>> 0, jt: 'next', jf: 'next' });
  }

  /** if (A op k) goto jt else goto jf */
  jump(op: 'jeq' | 'jgt' | 'jge' | 'jset', k: number, jt: Target, jf: Target): void {
    const code = { jeq: OP.JEQ_K, jgt: OP.JGT_K, jge: OP.JGE_K, jset: OP.JSET_K }[op];
    this.items.push({ kind: 'insn', code, k: k >>> 0, jt, jf });
  }

  goto(to: Label): void {
    this.items.push({ kind: 'ja', to });
  }

  ret(k: number): void {
    this.items.push({ kind: 'insn', code: OP.RET_K, k: k >>> 0, jt: 'next', jf: 'next' });
  }

  /** The program as the kernel reads it: 8 bytes an instruction, in the host's byte order (little-endian here). */
  assemble(): Buffer {
    const items = this.items.slice();
    // Lay out; a conditional branch too far away gets a `ja` right after its jump, and the layout is done again.
    for (;;) {
      const where = new Map<number, number>();
      let pc = 0;
      for (const item of items) {
        if (item.kind === 'label') where.set(item.label.label, pc);
        else pc++;
      }
      let changed = false;
      pc = 0;
      for (let i = 0; i < items.length && !changed; i++) {
        const item = items[i] as Item;
        if (item.kind === 'label') continue;
        if (item.kind === 'insn')
          for (const branch of ['jt', 'jf'] as const) {
            const target = item[branch];
            if (target === 'next') continue;
            const at = where.get(target.label);
            if (at === undefined) throw new Error(`BPF label ${target.label} never placed`);
            if (at <= pc) throw new Error('BPF jumps go forward only');
            if (at - pc - 1 <= 255) continue;
            // The other branch's "next" stays the instruction after the jump, past the `ja`.
            const trampoline = this.label();
            const after = this.label();
            items.splice(i + 1, 0, { kind: 'label', label: trampoline }, { kind: 'ja', to: target }, { kind: 'label', label: after });
            if (item.jt === 'next') item.jt = after;
            if (item.jf === 'next') item.jf = after;
            item[branch] = trampoline;
            changed = true;
            break;
          }
        pc++;
      }
      if (changed) continue;
      const out = Buffer.alloc(pc * 8);
      pc = 0;
      for (const item of items) {
        if (item.kind === 'label') continue;
        const offset = (t: Target): number => (t === 'next' ? 0 : (where.get(t.label) as number) - pc - 1);
        if (item.kind === 'ja') {
          out.writeUInt16LE(OP.JA, pc * 8);
          out.writeUInt32LE(offset(item.to), pc * 8 + 4);
        } else {
          out.writeUInt16LE(item.code, pc * 8);
          out.writeUInt8(offset(item.jt), pc * 8 + 2);
          out.writeUInt8(offset(item.jf), pc * 8 + 3);
          out.writeUInt32LE(item.k, pc * 8 + 4);
        }
        pc++;
      }
      return out;
    }
  }
}

/** One instruction of an assembled program, for tests and `--log-level=debug`. */
export interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export function disassemble(program: Buffer): Instruction[] {
  const out: Instruction[] = [];
  for (let i = 0; i + 8 <= program.length; i += 8)
    out.push({ code: program.readUInt16LE(i), jt: program.readUInt8(i + 2), jf: program.readUInt8(i + 3), k: program.readUInt32LE(i + 4) });
  return out;
}

/**
 * Runs a program on one system call as the kernel would (the tests'
 * interpreter; the kernel's own verdict is checked by the integration tests).
 */
export function evaluate(program: Buffer, data: { nr: number; arch: number; args?: bigint[] }): number {
  const insns = disassemble(program);
  const word = (offset: number): number => {
    if (offset === 0) return data.nr >>> 0;
    if (offset === 4) return data.arch >>> 0;
    if (offset >= 16 && offset < 64) {
      const arg = data.args?.[Math.floor((offset - 16) / 8)] ?? 0n;
      return Number(((offset - 16) % 8 === 0 ? arg : arg >> 32n) & 0xffffffffn);
    }
    throw new Error(`BPF load of offset ${offset}`);
  };
  let a = 0;
  for (let pc = 0; pc < insns.length; pc++) {
    const { code, jt, jf, k } = insns[pc] as Instruction;
    switch (code) {
      case OP.LD_W_ABS:
        a = word(k);
        break;
      case OP.AND_K:
        a = (a & k) >>> 0;
        break;
      case OP.JA:
        pc += k;
        break;
      case OP.JEQ_K:
        pc += a === k ? jt : jf;
        break;
      case OP.JGT_K:
        pc += a > k ? jt : jf;
        break;
      case OP.JGE_K:
        pc += a >= k ? jt : jf;
        break;
      case OP.JSET_K:
        pc += (a & k) !== 0 ? jt : jf;
        break;
      case OP.RET_K:
        return k;
      default:
        throw new Error(`BPF opcode ${code.toString(16)}`);
    }
  }
  throw new Error('BPF program ran off its end');
}
