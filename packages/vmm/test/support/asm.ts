/**
 * A tiny assembler for test guests, built on @ppcvm/ppc-cpu's instruction
 * table (compileInsn + insertField), independent of any project assembler.
 * Emits big-endian words: the test kernels run in big-endian real mode.
 */
import { compileInsn, FIELDS, INSTRUCTIONS, insertField } from '@ppcvm/ppc-cpu';

const byName = new Map(INSTRUCTIONS.map((d) => [d.m, d]));

/** Encode `m` with operands keyed by lower-case field name (rt, ra, si, ...). */
export function enc(m: string, ops: Record<string, number> = {}, flags: { lk?: boolean } = {}): number {
  const def = byName.get(m);
  if (!def) throw new Error(`no instruction ${m}`);
  const ci = compileInsn(def);
  let w = ci.match;
  for (const o of ci.operands) {
    const v = ops[o.key];
    if (v === undefined) throw new Error(`${m}: missing operand ${o.key}`);
    w = insertField(o.field, w, v);
  }
  if (flags.lk) w |= 1;
  return w >>> 0;
}

type Fixup = { at: number; label: string; kind: 'b' | 'bc' };

export class Asm {
  readonly words: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: Fixup[] = [];

  /** Byte offset of the next instruction. */
  get here(): number {
    return this.words.length * 4;
  }

  word(w: number): this {
    this.words.push(w >>> 0);
    return this;
  }

  i(m: string, ops: Record<string, number> = {}, flags: { lk?: boolean } = {}): this {
    return this.word(enc(m, ops, flags));
  }

  label(name: string): this {
    this.labels.set(name, this.here);
    return this;
  }

  // ---- common idioms -----------------------------------------------------------------------

  li(rt: number, v: number): this {
    return this.i('addi', { rt, ra: 0, si: v });
  }

  /** Load any 64-bit constant (lis; ori; sldi 32; oris; ori). */
  li64(rt: number, v: bigint): this {
    const x = BigInt.asUintN(64, v);
    const h = (n: bigint) => Number((x >> n) & 0xffffn);
    return this.i('addis', { rt, ra: 0, si: (h(48n) << 16) >> 16 })
      .i('ori', { ra: rt, rs: rt, ui: h(32n) })
      .i('rldicr', { ra: rt, rs: rt, sh: 32, me: 31 })
      .i('oris', { ra: rt, rs: rt, ui: h(16n) })
      .i('ori', { ra: rt, rs: rt, ui: h(0n) });
  }

  mr(ra: number, rs: number): this {
    return this.i('or', { ra, rs, rb: rs });
  }

  sc1(): this {
    return this.i('sc', { lev: 1 });
  }

  /** hcall: r3 = opcode, then sc 1. */
  hcall(opcode: number): this {
    return this.li64(3, BigInt(opcode)).sc1();
  }

  stw(rs: number, d: number, ra: number): this {
    return this.i('stw', { rs, d, ra });
  }

  lwz(rt: number, d: number, ra: number): this {
    return this.i('lwz', { rt, d, ra });
  }

  std(rs: number, ds: number, ra: number): this {
    return this.i('std', { rs, ds, ra });
  }

  ld(rt: number, ds: number, ra: number): this {
    return this.i('ld', { rt, ds, ra });
  }

  mtspr(spr: number, rs: number): this {
    return this.i('mtspr', { spr, rs });
  }

  mfspr(rt: number, spr: number): this {
    return this.i('mfspr', { rt, spr });
  }

  /** Call the address in `r` (mtctr; bctrl). */
  callReg(r: number): this {
    return this.mtspr(9, r).i('bcctr', { bo: 20, bi: 0, bh: 0 }, { lk: true });
  }

  /** cmpdi cr0, ra, si */
  cmpdi(ra: number, si: number): this {
    return this.i('cmpi', { bf: 0, l: 1, ra, si });
  }

  b(label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: 'b' });
    return this.word(enc('b', { li: 0 }));
  }

  /** Branch if cr0[EQ] is set (bo 12) or clear (bo 4). */
  beq(label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: 'bc' });
    return this.word(enc('bc', { bo: 12, bi: 2, bd: 0 }));
  }

  bne(label: string): this {
    this.fixups.push({ at: this.words.length, label, kind: 'bc' });
    return this.word(enc('bc', { bo: 4, bi: 2, bd: 0 }));
  }

  /** Spin forever (the test stops the machine). */
  hang(): this {
    const l = `hang${this.words.length}`;
    return this.label(l).b(l);
  }

  /** Resolve branches and return the code as big-endian bytes. */
  bytes(): Uint8Array {
    for (const f of this.fixups) {
      const target = this.labels.get(f.label);
      if (target === undefined) throw new Error(`undefined label ${f.label}`);
      const rel = target - f.at * 4;
      const field = f.kind === 'b' ? FIELDS.LI! : FIELDS.BD!;
      this.words[f.at] = insertField(field, this.words[f.at]!, rel);
    }
    const out = new Uint8Array(this.words.length * 4);
    const dv = new DataView(out.buffer);
    this.words.forEach((w, i) => {
      dv.setUint32(i * 4, w, false);
    });
    return out;
  }
}
