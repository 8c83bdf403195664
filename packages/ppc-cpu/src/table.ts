/**
 * The declarative instruction table: one entry per instruction (decodetree
 * style). The same entries drive the decoder, the interpreter (through each
 * entry's `exec` factory), the disassembler and the assembler.
 */
import { extractField, FIELDS, type FieldDef } from './fields.js';

/** Instruction formats (Power ISA 2.07 Book I §1.6) and where their extended opcode sits. */
export type Form =
  | 'I'
  | 'B'
  | 'SC'
  | 'D'
  | 'DS'
  | 'DQ'
  | 'X'
  | 'XL'
  | 'XFX'
  | 'XFL'
  | 'XO'
  | 'XS'
  | 'A'
  | 'M'
  | 'MD'
  | 'MDS'
  | 'VA'
  | 'VX'
  | 'VC'
  | 'XX1'
  | 'XX2'
  | 'XX3'
  | 'XX3R'
  | 'XX4'
  | 'Z22'
  | 'Z23'
  // Power ISA 3.0: DX-form (addpcis, XO in bits 26:30) and the XX2 variant of xvtstdc[dp|sp]
  // whose XO is split around the DCMX bits (bits 21:24 here, bits 26:28 fixed by the entry).
  | 'DX'
  | 'XX2DC';

/** [first bit, length] of the extended opcode per form; undefined when the form has none. */
const XO_FIELD: Record<Form, readonly [number, number] | undefined> = {
  I: undefined,
  B: undefined,
  SC: undefined,
  D: undefined,
  M: undefined,
  DQ: undefined,
  DS: [30, 2],
  X: [21, 10],
  XL: [21, 10],
  XFX: [21, 10],
  XFL: [21, 10],
  XX1: [21, 10],
  XO: [22, 9],
  XS: [21, 9],
  A: [26, 5],
  MD: [27, 3],
  MDS: [27, 4],
  VA: [26, 6],
  VX: [21, 11],
  VC: [22, 10],
  XX2: [21, 9],
  XX3: [21, 8],
  XX3R: [22, 7],
  XX4: [26, 2],
  Z22: [22, 9],
  Z23: [23, 8],
  DX: [26, 5],
  XX2DC: [21, 4],
};

/** Bit that holds Rc in each form that has one. */
const RC_BIT: Partial<Record<Form, number>> = {
  X: 31,
  XL: 31,
  XFL: 31,
  XO: 31,
  XS: 31,
  A: 31,
  M: 31,
  MD: 31,
  MDS: 31,
  VC: 21,
  XX3R: 21,
  Z22: 31,
  Z23: 31,
};

/** CPU models an instruction exists on. */
export const P7 = 1;
export const P8 = 2;
export const P9 = 4;
export const ALL_MODELS = P7 | P8 | P9;

/** A variant bit: fixed to 0, fixed to 1, or an operand of the instruction ('opt'). */
export type FlagBit = 0 | 1 | 'opt';

/** Decoded operand values, named by lower-cased field name, plus the flag bits. */
export interface Fields {
  [name: string]: number;
}

/** Executes one decoded instruction. Returns 0 to fall through to the next one, non-zero when it set the PC itself or stopped the CPU. */
export type Exec<C = unknown> = (cpu: C) => number;

/** Builds a specialised executor for one decoded instruction. */
export type ExecFactory<C = unknown> = (f: Fields, def: InsnDef<C>) => Exec<C>;

export interface InsnDef<C = unknown> {
  /** Base mnemonic (without 'o', '.', 'l', 'a' variant suffixes). */
  readonly m: string;
  readonly form: Form;
  /** Primary opcode (bits 0..5). */
  readonly op: number;
  /** Extended opcode, in the form's XO field. */
  readonly xo?: number;
  /** Operand syntax, e.g. 'RT,RA,SI' or 'RT,D(RA0)': names from FIELDS. */
  readonly ops: string;
  readonly rc?: FlagBit;
  readonly oe?: FlagBit;
  readonly lk?: FlagBit;
  readonly aa?: FlagBit;
  /** Further fixed bits: [first bit, length, value]. */
  readonly fix?: readonly (readonly [number, number, number])[];
  /** Privilege: 'priv' needs MSR[PR]=0, 'hv' needs hypervisor state. */
  readonly priv?: 'priv' | 'hv';
  /** Models that implement it (bitmask of P7/P8/P9); default all. */
  readonly models?: number;
  /** When this pattern deliberately shadows a more general one (named), it wins. */
  readonly overrides?: string;
  /** Interpreter factory; absent means "decoded but not implemented" (clear error at run time). */
  readonly exec?: ExecFactory<C>;
  /** Free-form tag for the ISA chapter the entry belongs to. */
  readonly chapter?: string;
}

/** One operand of the assembly syntax. */
export interface OperandSpec {
  readonly field: FieldDef;
  readonly key: string;
  /** Written inside parentheses after the previous operand: D(RA). */
  readonly paren: boolean;
}

/** A table entry compiled into match/mask form. */
export interface CompiledInsn<C = unknown> {
  readonly def: InsnDef<C>;
  readonly mask: number;
  readonly match: number;
  readonly operands: readonly OperandSpec[];
  readonly rcBit: number;
}

export function parseOperands(ops: string): OperandSpec[] {
  if (ops.trim() === '') return [];
  const out: OperandSpec[] = [];
  for (const raw of ops.split(',')) {
    const m = /^\s*([A-Z0-9_]+)(?:\(([A-Z0-9_]+)\))?\s*$/.exec(raw);
    if (!m) throw new Error(`bad operand syntax '${ops}'`);
    for (const [i, name] of [m[1]!, m[2]].entries()) {
      if (name === undefined) continue;
      const field = FIELDS[name];
      if (!field) throw new Error(`unknown field ${name} in '${ops}'`);
      out.push({ field, key: field.name.toLowerCase(), paren: i === 1 });
    }
  }
  return out;
}

function setBits(mask: number, match: number, start: number, len: number, value: number): [number, number] {
  const fieldMask = (len === 32 ? -1 : ((1 << len) - 1) << (32 - start - len)) >>> 0;
  const v = ((value << (32 - start - len)) & fieldMask) >>> 0;
  return [(mask | fieldMask) >>> 0, ((match & ~fieldMask) | v) >>> 0];
}

export function compileInsn<C>(def: InsnDef<C>): CompiledInsn<C> {
  let mask = 0;
  let match = 0;
  [mask, match] = setBits(mask, match, 0, 6, def.op);
  const xf = XO_FIELD[def.form];
  if (xf) {
    if (def.xo === undefined) throw new Error(`${def.m}: form ${def.form} needs an xo`);
    [mask, match] = setBits(mask, match, xf[0], xf[1], def.xo);
  } else if (def.xo !== undefined) {
    throw new Error(`${def.m}: form ${def.form} has no xo field`);
  }
  const operands = parseOperands(def.ops);
  // A form's Rc position is an ordinary operand bit when an operand covers it (e.g. EH of lwarx).
  let rcBit = RC_BIT[def.form] ?? -1;
  if (rcBit >= 0 && operands.some((o) => o.field.parts.some(([st, len]) => rcBit >= st && rcBit < st + len)))
    rcBit = -1;
  // XL forms: bit 31 is LK, not Rc, when the entry declares an LK (bclrl, bcctrl, bctarl).
  if (def.form === 'XL' && def.lk !== undefined) rcBit = -1;
  const flag = (bit: number, v: FlagBit | undefined, dflt: FlagBit | undefined) => {
    const val = v ?? dflt;
    if (val === undefined || val === 'opt') return;
    [mask, match] = setBits(mask, match, bit, 1, val);
  };
  if (rcBit >= 0) flag(rcBit, def.rc, 0);
  if (def.form === 'XO') flag(21, def.oe, 0);
  if (def.form === 'I' || def.form === 'B') {
    flag(30, def.aa, 0);
    flag(31, def.lk, 0);
  }
  if (def.form === 'XL') flag(31, def.lk, undefined);
  if (def.form === 'SC') [mask, match] = setBits(mask, match, 30, 1, 1);
  for (const [start, len, value] of def.fix ?? []) [mask, match] = setBits(mask, match, start, len, value);
  return { def, mask, match, operands, rcBit };
}

/** Full mnemonic of a decoded word, with its variant suffixes. */
export function variantMnemonic<C>(ci: CompiledInsn<C>, word: number): string {
  const d = ci.def;
  let m = d.m;
  if (d.form === 'XO' && d.oe === 'opt' && (word >>> 10) & 1) m += 'o';
  if (d.form === 'I' || d.form === 'B' || d.form === 'XL') {
    if ((d.lk === 'opt' || d.lk === 1) && word & 1) m += 'l';
    if ((d.form === 'I' || d.form === 'B') && (d.aa === 'opt' || d.aa === 1) && word & 2) m += 'a';
  }
  if (ci.rcBit >= 0 && d.rc === 'opt' && (word >>> (31 - ci.rcBit)) & 1) m += '.';
  else if (ci.rcBit >= 0 && d.rc === 1 && !m.endsWith('.')) m += '.';
  return m;
}

/** Extract all operand values and flag bits of a word. */
export function decodeFields<C>(ci: CompiledInsn<C>, word: number): Fields {
  const f: Fields = {};
  for (const o of ci.operands) f[o.key] = extractField(o.field, word);
  f.rc = ci.rcBit >= 0 ? (word >>> (31 - ci.rcBit)) & 1 : 0;
  f.oe = ci.def.form === 'XO' ? (word >>> 10) & 1 : 0;
  f.lk = ci.def.form === 'I' || ci.def.form === 'B' || ci.def.form === 'XL' ? word & 1 : 0;
  f.aa = ci.def.form === 'I' || ci.def.form === 'B' ? (word >>> 1) & 1 : 0;
  return f;
}

/**
 * Decoder over a set of table entries. Construction fails loudly if two
 * patterns can match the same word, unless one declares `overrides` of the other.
 */
export class Decoder<C = unknown> {
  /** Per primary opcode: groups of entries sharing a mask, most specific mask first. */
  private readonly groups: { mask: number; byMatch: Map<number, CompiledInsn<C>> }[][] = [];
  readonly all: CompiledInsn<C>[] = [];

  constructor(defs: readonly InsnDef<C>[]) {
    for (let i = 0; i < 64; i++) this.groups.push([]);
    const byOp: CompiledInsn<C>[][] = Array.from({ length: 64 }, () => []);
    for (const d of defs) {
      const ci = compileInsn(d);
      byOp[d.op]!.push(ci);
      this.all.push(ci);
    }
    for (let op = 0; op < 64; op++) {
      const list = byOp[op]!;
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const a = list[i]!;
          const b = list[j]!;
          if ((a.mask & b.mask & (a.match ^ b.match)) === 0) {
            const ok =
              (a.def.overrides === b.def.m && (a.mask | b.mask) === a.mask && a.mask !== b.mask) ||
              (b.def.overrides === a.def.m && (a.mask | b.mask) === b.mask && a.mask !== b.mask);
            if (!ok) throw new Error(`instruction table: '${a.def.m}' and '${b.def.m}' overlap (opcode ${op})`);
          }
        }
      }
      const groups = new Map<number, Map<number, CompiledInsn<C>>>();
      for (const ci of list) {
        let g = groups.get(ci.mask);
        if (!g) groups.set(ci.mask, (g = new Map()));
        g.set(ci.match, ci);
      }
      const popcount = (x: number) => {
        let n = 0;
        for (; x; x &= x - 1) n++;
        return n;
      };
      this.groups[op] = [...groups.entries()]
        .sort((x, y) => popcount(y[0]) - popcount(x[0]))
        .map(([mask, byMatch]) => ({ mask, byMatch }));
    }
  }

  /** The table entry matching `word`, or undefined for an illegal instruction. */
  lookup(word: number): CompiledInsn<C> | undefined {
    for (const g of this.groups[word >>> 26]!) {
      const ci = g.byMatch.get((word & g.mask) >>> 0);
      if (ci) return ci;
    }
    return undefined;
  }
}
