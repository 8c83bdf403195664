/**
 * Case generators: for each table variant, a plan that makes random cases
 * (operands from the table's field list, input state from ./values.ts), with
 * special builders for storage access, branches, reservations, SPR moves and
 * instructions that trap or fault by design.
 */
import type { Cpu } from '../../src/cpu.js';
import { fieldWidth, insertField } from '../../src/fields.js';
import { INSTRUCTIONS } from '../../src/isa/index.js';
import { type InsnDef, P8 } from '../../src/table.js';
import { enc, encodeVariant, hasInsn, type Variant, variantsOf } from '../support/encode.js';
import { MEM, type MemInfo } from './mem.js';
import type { BuiltCase, CaseContext, CaseInput, CaseMaker, Features, Ignore } from './program.js';
import { NO_FEATURES, WIN_SIZE } from './program.js';
import type { Rng } from './rng.js';
import { gprValue, randomInput, simm, uimm } from './values.js';

type Def = InsnDef<Cpu>;
type Ops = Record<string, number>;

export interface Plan {
  /** Variant mnemonic (e.g. 'addo.'). */
  readonly name: string;
  readonly def: Def;
  readonly variant: Variant;
  /** 'batch': many cases per program; 'single': one program per case (may end in a signal). */
  readonly mode: 'batch' | 'single';
  readonly count: number;
  /** Case k of this plan. Cases below `edgeCount` draw only edge values. */
  readonly make: (rng: Rng, k: number) => CaseMaker;
  /** FP/vector state the harness must load and dump for this plan. */
  readonly needs: Features;
  /** The cases use the memory window across the 4 GiB line. */
  readonly high?: boolean;
}

/** Why a table entry is not run here. */
export interface Exclusion {
  readonly def: Def;
  readonly why: string;
}

/** Knobs: random cases per form (PPCVM_DIFF_N) and edge-value cases per form. */
export const CASES_PER_FORM = Number(process.env.PPCVM_DIFF_N ?? 32);
export const EDGE_CASES = Math.max(4, Math.round(CASES_PER_FORM / 4));
const SINGLE_CASES = Number(process.env.PPCVM_DIFF_SINGLE_N ?? 6);

const VEC_CHAPTERS = new Set(['fp', 'vmx', 'vsx']);

// ---- helpers ----------------------------------------------------------------------------------

const isGpr = (kind: string) => kind === 'gpr' || kind === 'gpr0';

function regName(kind: string, v: number): string {
  switch (kind) {
    case 'gpr':
    case 'gpr0':
      return `r${v}`;
    case 'fpr':
      return `f${v}`;
    case 'vr':
      return `v${v}`;
    case 'vsr':
      return `vs${v}`;
    case 'crf':
      return `cr${v}`;
    default:
      return String(v);
  }
}

/** `addo. r3,r4,r5` style text for a variant and its operands. */
export function formatInsn(v: Variant, ops: Readonly<Ops>): string {
  const parts: string[] = [];
  for (const o of v.ci.operands) {
    const t = regName(o.field.kind, ops[o.key]!);
    if (o.paren && parts.length) parts[parts.length - 1] += `(${t})`;
    else parts.push(t);
  }
  return `${v.name} ${parts.join(',')}`.trim();
}

/** GPRs an instruction reads or writes (pair instructions: both registers; string/multiple: the range). */
function gprsOf(v: Variant, ops: Readonly<Ops>): Set<number> {
  const used = new Set<number>();
  for (const o of v.ci.operands) if (isGpr(o.field.kind)) used.add(ops[o.key]!);
  const info = MEM[v.ci.def.m];
  if (info?.pair && ops.rt !== undefined) used.add(ops.rt + 1);
  if (info?.pair && ops.rs !== undefined) used.add(ops.rs + 1);
  return used;
}

/** The base register: any GPR other than r0 that the body does not touch. */
function pickBase(rng: Rng, used: Set<number>): number {
  const free: number[] = [];
  for (let r = 1; r < 32; r++) if (!used.has(r)) free.push(r);
  return rng.pick(free);
}

/** Random operand values for every field of the variant. */
function randomOps(rng: Rng, v: Variant, edge: boolean): Ops {
  const ops: Ops = {};
  const regs: number[] = [];
  for (const o of v.ci.operands) {
    const f = o.field;
    const w = fieldWidth(f);
    let val: number;
    switch (f.kind) {
      case 'gpr':
      case 'gpr0':
      case 'fpr':
      case 'vr':
      case 'vsr':
        // Sometimes reuse an earlier register, to exercise source/target overlap.
        val = regs.length && rng.chance(0.15) ? rng.pick(regs) % (1 << w) : rng.int(1 << w);
        regs.push(val);
        break;
      case 'simm':
        val = simm(rng, w, edge) * 2 ** (f.shift ?? 0);
        break;
      default:
        val = uimm(rng, w, edge) * 2 ** (f.shift ?? 0);
    }
    ops[o.key] = val;
  }
  return ops;
}

const oneHot8 = (rng: Rng) => 0x80 >> rng.int(8);

/** Operand constraints where a field value is reserved or the result undefined (ISA references inline). */
const OPERAND_RULES: Record<string, (rng: Rng, ops: Ops) => void> = {
  // mfocrf/mtocrf: exactly one FXM bit, else the result is undefined (Book I §3.3.16).
  mfocrf: (rng, o) => void (o.fxm = oneHot8(rng)),
  mtocrf: (rng, o) => void (o.fxm = oneHot8(rng)),
  // dst/dstt/dstst/dststt with RA=0 are invalid forms (Book II §4.3.2 data stream touch).
  dst: (rng, o) => void (o.ra = o.ra || rng.range(1, 31)),
  dstt: (rng, o) => void (o.ra = o.ra || rng.range(1, 31)),
  dstst: (rng, o) => void (o.ra = o.ra || rng.range(1, 31)),
  dststt: (rng, o) => void (o.ra = o.ra || rng.range(1, 31)),
  // sync L=3 is reserved (Book II §4.6.3).
  sync: (rng, o) => void (o.l = rng.pick([0, 1, 2])),
  // dcbf L=2 is reserved (Book II §4.3.2); L=3 (dcbflp) runs separately, QEMU rejects it.
  dcbf: (rng, o) => void (o.l = rng.pick([0, 1])),
};

function applyRules(rng: Rng, def: Def, ops: Ops): void {
  OPERAND_RULES[def.m]?.(rng, ops);
}

// FPSCR exception and enable bits (Book I §4.2.2), as bits 32:63.
const F_VXALL = 0x01f8_0700;
const F_OX = 0x1000_0000;
const F_UX = 0x0800_0000;
const F_ZX = 0x0400_0000;
const F_XX = 0x0200_0000;
const F_VE = 0x80;
const F_OE = 0x40;
const F_UE = 0x20;
const F_ZE = 0x10;
const F_XE = 0x08;

/** Enable bits that, if set, would make the exceptions recorded in `v` raise an enabled exception (FEX). */
function enablesFor(v: number): number {
  let en = 0;
  if (v & F_VXALL) en |= F_VE;
  if (v & F_OX) en |= F_OE;
  if (v & F_UX) en |= F_UE;
  if (v & F_ZX) en |= F_ZE;
  if (v & F_XX) en |= F_XE;
  return en;
}

/** The exception bits an enable bit guards. */
function exceptionsFor(en: number): number {
  return (
    (en & F_VE ? F_VXALL : 0) |
    (en & F_OE ? F_OX : 0) |
    (en & F_UE ? F_UX : 0) |
    (en & F_ZE ? F_ZX : 0) |
    (en & F_XE ? F_XX : 0)
  );
}

/** Low word of doubleword 0 of a VSR image (an FPR's bits 32:63). */
function fprLow(input: CaseInput, r: number): number {
  return new DataView(input.vsr.buffer, input.vsr.byteOffset).getUint32(16 * r, true);
}

function setFprLow(input: CaseInput, r: number, v: number): void {
  new DataView(input.vsr.buffer, input.vsr.byteOffset).setUint32(16 * r, v >>> 0, true);
}

/**
 * FPSCR writes that would enable an exception already recorded make FEX=1: with MSR[FE0,FE1]=0 (the Linux
 * default) nothing happens, but qemu-user runs with precise FP exceptions on and kills the program with
 * SIGFPE. Batch cases avoid that combination (the '@enabled' plans test it on purpose).
 */
const INPUT_RULES: Record<string, (ops: Readonly<Ops>, input: CaseInput) => void> = {
  mtfsb1: (o, input) => {
    const bitMask = 1 << (31 - o.bt!);
    if (bitMask & 0xf8) input.fpscr = (input.fpscr & ~exceptionsFor(bitMask)) >>> 0;
    // Turning on an exception bit whose enable is on cannot happen: the input enables are all off.
  },
  mtfsfi: (o, input) => {
    if (o.w) return;
    const u = o.u! << (4 * (7 - o.bf!));
    input.fpscr = (input.fpscr & ~exceptionsFor(u & 0xf8)) >>> 0;
  },
  mtfsf: (o, input) => {
    if (o.w && !o.l) return;
    let m = 0;
    for (let i = 0; i < 8; i++) if (o.flm! & (0x80 >> i)) m |= 0xf000_0000 >>> (4 * i);
    if (o.l) m = 0xffff_ffff;
    const frb = fprLow(input, o.frb!);
    const next = ((input.fpscr & ~m) | (frb & m)) >>> 0;
    setFprLow(input, o.frb!, frb & ~(enablesFor(next) & m));
  },
};

const M32 = 0xffff_ffffn;
const lowWord = (x: bigint) => BigInt.asIntN(32, x);
const s64 = (x: bigint) => BigInt.asIntN(64, x);
const u64 = (x: bigint) => BigInt.asUintN(64, x);

/**
 * Parts of the result the ISA leaves undefined (Book I §3.3.9): the high word
 * of RT for word multiply-high and word divides in 64-bit mode, RT on divide
 * overflow, and then CR0[LT,GT,EQ] when Rc=1.
 */
function undefinedParts(def: Def, ops: Readonly<Ops>, f: CaseInput, rc: boolean): Ignore[] {
  const m = def.m;
  const out: Ignore[] = [];
  const cr0 = (why: string) => {
    if (rc) out.push({ field: 'cr', keep: 0x1fff_ffffn, why });
  };
  const a = f.gpr[ops.ra ?? 0]!;
  const b = f.gpr[ops.rb ?? 0]!;
  let overflow = false;
  const aw = lowWord(a);
  const bw = lowWord(b);
  switch (m) {
    case 'divw':
      overflow = bw === 0n || (aw === -0x8000_0000n && bw === -1n);
      break;
    case 'divwu':
      overflow = bw === 0n;
      break;
    case 'divwe':
      overflow = bw === 0n || !fitsS((aw << 32n) / bw, 32);
      break;
    case 'divweu':
      overflow = (b & M32) === 0n || (a & M32) >= (b & M32);
      break;
    case 'divd':
      overflow = b === 0n || (s64(a) === -(1n << 63n) && s64(b) === -1n);
      break;
    case 'divdu':
      overflow = b === 0n;
      break;
    case 'divde':
      overflow = b === 0n || !fitsS((s64(a) << 64n) / s64(b), 64);
      break;
    case 'divdeu':
      overflow = b === 0n || u64(a) >= u64(b);
      break;
  }
  if (overflow) {
    out.push({ field: `gpr${ops.rt}`, why: 'divide overflow: RT undefined (Book I §3.3.9)' });
    cr0('divide overflow: CR0 LT/GT/EQ undefined (Book I §3.3.9)');
  } else if (['mulhw', 'mulhwu', 'divw', 'divwu', 'divwe', 'divweu'].includes(m)) {
    out.push({
      field: `gpr${ops.rt}`,
      keep: M32,
      why: 'RT[0:31] undefined for word multiply-high/divide (Book I §3.3.9)',
    });
    cr0('CR0 LT/GT/EQ undefined in 64-bit mode for word multiply-high/divide (Book I §3.3.9)');
  }
  return out;
}

/** Keep masks for a VSR field (the 128-bit dump value has doubleword 0 in its low 64 bits). */
const DW0 = (1n << 64n) - 1n;
const WORD1 = 0xffff_ffffn;
const WORD0 = 0xffff_ffffn << 32n;
const WORDS02 = WORD0 | (WORD0 << 64n);
/** FPSCR without FPRF (bits 47:51). */
const FPSCR_NO_FPRF = 0xffff_ffff_fffe_0fffn;

/**
 * Undefined parts of FP and VSX scalar results (Power ISA 2.07):
 * - doubleword 1 of the target VSR after any scalar FP (Book I ch. 4) or VSX
 *   scalar (xs*, lxs*, mtvsr*) result (§7.2.1: "the contents of doubleword 1
 *   of VSR[XT] are undefined");
 * - FRT[0:31] and FPRF after fctiw[u][z] (§4.6.7.2), FPRF after fctid[u][z].
 */
function fpUndefinedParts(def: Def, ops: Readonly<Ops>): Ignore[] {
  const m = def.m;
  const out: Ignore[] = [];
  const info = MEM[m];
  if (info?.store) return out;
  const scalarVsx = /^(xs|lxs|mtvsr)/.test(m) && ops.xt !== undefined;
  if (def.chapter === 'fp' && ops.frt !== undefined) {
    const regs = info?.pair ? [ops.frt, ops.frt + 1] : [ops.frt];
    const keep = /^fctiw/.test(m) ? WORD1 : DW0;
    for (const r of regs)
      out.push({ field: `vsr${r}`, keep, why: 'VSR doubleword 1 undefined after a scalar FP result (Book I §7.2.1)' });
  } else if (scalarVsx) {
    // Word results: xscvdp[su]xws leave only word 1 defined, xscvdpsp[n] only word 0 (Book I §7.6).
    const keep = /^xscvdp[su]xws$/.test(m) ? WORD1 : /^xscvdpspn?$/.test(m) ? WORD0 : DW0;
    out.push({
      field: `vsr${ops.xt}`,
      keep,
      why: 'VSR parts undefined after a VSX scalar result (Book I §7.2.1, §7.6)',
    });
  } else if (/^xvcvdp([su]xws|sp)$/.test(m) && ops.xt !== undefined) {
    out.push({ field: `vsr${ops.xt}`, keep: WORDS02, why: 'word elements 1 and 3 undefined (Book I §7.6)' });
  }
  if (/^fcti/.test(m))
    out.push({ field: 'fpscr', keep: FPSCR_NO_FPRF, why: 'FPRF undefined after fcti* (Book I §4.6.7.2)' });
  return out;
}

function fitsS(q: bigint, bits: number): boolean {
  return q >= -(1n << BigInt(bits - 1)) && q < 1n << BigInt(bits - 1);
}

// ---- generic register-to-register cases -------------------------------------------------------

function genericPlan(def: Def, v: Variant): Plan {
  const rc = /\.$/.test(v.name) && def.rc === 'opt';
  return {
    name: v.name,
    def,
    variant: v,
    mode: 'batch',
    count: CASES_PER_FORM + EDGE_CASES,
    needs: needsOf(def),
    make: (rng, k) => {
      const edge = k < EDGE_CASES;
      const ops = randomOps(rng, v, edge);
      applyRules(rng, def, ops);
      const input = randomInput(rng, edge);
      // Divide by a copy of the dividend, by 0, by -1, or INT_MIN / -1 now and then.
      if (/^div|^mod/.test(def.m) && rng.chance(0.3)) {
        const pick = rng.int(3);
        if (pick === 0) input.gpr[ops.rb!] = 0n;
        else if (pick === 1) input.gpr[ops.rb!] = u64(-1n);
        else {
          input.gpr[ops.ra!] = rng.pick([0x8000_0000n, 0xffff_ffff_8000_0000n, 0x8000_0000_0000_0000n]);
          input.gpr[ops.rb!] = u64(-1n);
        }
      }
      INPUT_RULES[def.m]?.(ops, input);
      const words: number[] = [];
      const text: string[] = [];
      if (hasFpResult(def) && hasInsn('mtfsfi')) {
        // Each FP case runs in one of the four rounding modes, set by mtfsfi (Book I §4.6.7).
        const rn = k % 4;
        words.push(enc('mtfsfi', { bf: 7, u: rn, w: 0 }));
        text.push(`mtfsfi 7,${rn}`);
      }
      words.push(encodeVariant(v, ops));
      text.push(formatInsn(v, ops));
      const base = pickBase(rng, gprsOf(v, ops));
      const ignore = [
        ...undefinedParts(def, ops, input, rc),
        ...fpUndefinedParts(def, ops),
        ...(IGNORES[def.m]?.(ops) ?? []),
      ];
      return () => ({ words, text, input, baseReg: base, ignore, reads: readsOf(v, ops), target: targetOf(ops) });
    },
  };
}

/** The dump field of the target register: RT, FRT, VRT or XT (VRs are VSRs 32-63). */
function targetOf(ops: Readonly<Ops>): string | undefined {
  if (ops.frt !== undefined) return `vsr${ops.frt}`;
  if (ops.xt !== undefined) return `vsr${ops.xt}`;
  if (ops.vrt !== undefined) return `vsr${32 + ops.vrt}`;
  if (ops.rt !== undefined) return `gpr${ops.rt}`;
  return undefined;
}

/** Operands the body reads, for failure reports. */
function readsOf(v: Variant, ops: Readonly<Ops>): string[] {
  return v.ci.operands
    .filter((o) => o.field.kind !== 'imm' && o.field.kind !== 'simm')
    .map((o) => regName(o.field.kind, ops[o.key]!));
}

/** Results that are nondeterministic by nature (not an ISA deviation): compared fields masked. */
const IGNORES: Record<string, (ops: Readonly<Ops>) => Ignore[]> = {
  mftb: (o) => [{ field: `gpr${o.rt}`, why: 'time base value differs between runs' }],
};

/** FP/vector state a plan must see: VSRs for FPR/VR/VSR operands, FPSCR for FP results, VSCR for VMX. */
function needsOf(def: Def): Features {
  const regs =
    VEC_CHAPTERS.has(def.chapter ?? '') ||
    compiled(def).operands.some((o) => ['fpr', 'vr', 'vsr'].includes(o.field.kind));
  return { vsr: regs, fpscr: def.chapter === 'fp' || hasFpResult(def), vscr: def.chapter === 'vmx' };
}

/** FP arithmetic (the rounding mode matters): the FP chapter and VSX ops other than loads, stores, moves and logicals. */
function hasFpResult(def: Def): boolean {
  if (def.chapter === 'fp') return !MEM[def.m];
  if (def.chapter === 'vsx') return /^x[sv]/.test(def.m) && !/^x[sv](n?abs|neg|cpsgn)/.test(def.m);
  return false;
}

const compiledCache = new Map<Def, ReturnType<typeof variantsOf>[number]['ci']>();
function compiled(def: Def) {
  let c = compiledCache.get(def);
  if (!c) compiledCache.set(def, (c = variantsOf(def)[0]!.ci));
  return c;
}

// ---- storage access ---------------------------------------------------------------------------

/** Pick a window offset for an access of `info`, aligned when required (or half of the time). */
function winOffset(rng: Rng, info: MemInfo, forceAlign: boolean): number {
  const span = WIN_SIZE - Math.max(info.size, 16);
  let off = rng.int(span + 1);
  const align = info.align ?? (forceAlign || rng.chance(0.5) ? Math.min(info.size, 16) : 1);
  off -= off % align;
  return off;
}

/**
 * Operand registers so that EA = winAddr + off: D-form RA = EA - d; X-form
 * RB random and RA = EA - RB (64-bit wrap-around included), or RB = EA when
 * RA is 0, or RA = RB = EA/2 when they are the same register.
 */
function placeEa(v: Variant, ops: Ops, input: CaseInput, ea: number, bRandom: bigint): void {
  const keys = new Set(v.ci.operands.map((o) => o.key));
  const ra = ops.ra!;
  if (keys.has('rb')) {
    const rb = ops.rb!;
    if (ra === 0) input.gpr[rb] = BigInt(ea);
    else if (ra === rb)
      input.gpr[ra] = BigInt(Math.floor(ea / 2)); // EA rounded down to even
    else {
      const b = bRandom;
      input.gpr[rb] = b;
      input.gpr[ra] = u64(BigInt(ea) - b);
    }
  } else {
    const dKey = keys.has('dq') ? 'dq' : keys.has('ds') ? 'ds' : 'd';
    const d = ops[dKey] ?? 0;
    input.gpr[ra] = u64(BigInt(ea) - BigInt(d));
  }
}

/** An index register value: small offsets, or any 64-bit value (RA then wraps around). */
function randomIndex(rng: Rng): bigint {
  return rng.chance(0.4) ? BigInt.asUintN(64, BigInt(rng.range(-4096, 4096))) : gprValue(rng);
}

function dataKey(v: Variant): string {
  return v.ci.operands[0]!.key;
}

function memPlan(def: Def, v: Variant, info: MemInfo, offFn?: (rng: Rng) => number): Plan {
  const keys = v.ci.operands.map((o) => o.key);
  const raKind = v.ci.operands.find((o) => o.key === 'ra')?.field.kind;
  const update = raKind === 'gpr';
  const isX = keys.includes('rb');
  const dk = dataKey(v);
  const gprData = v.ci.operands[0]!.field.kind === 'gpr';
  return {
    name: v.name,
    def,
    variant: v,
    mode: 'batch',
    count: CASES_PER_FORM + EDGE_CASES,
    needs: needsOf(def),
    make: (rng, k) => {
      const edge = k < EDGE_CASES;
      const ops = randomOps(rng, v, edge);
      // Valid forms only: RA != 0 for D-form and update forms, RA != RT for GPR update loads,
      // even register pairs that do not overlap RA/RB (Book I §3.3.2, §3.3.4).
      for (let guard = 0; ; guard++) {
        if (guard > 1000) throw new Error(`${v.name}: no valid operands`);
        if (info.pair) ops[dk] = ops[dk]! & ~1;
        const bad =
          ((!isX || update) && ops.ra === 0) ||
          (update && gprData && !info.store && ops.ra === ops[dk]) ||
          (info.pair && gprData && [ops[dk], ops[dk]! + 1].some((r) => r === ops.ra || (isX && r === ops.rb)));
        if (!bad) break;
        Object.assign(ops, randomOps(rng, v, edge));
      }
      applyRules(rng, def, ops);
      const input = randomInput(rng, edge);
      const off = offFn ? offFn(rng) : winOffset(rng, info, edge);
      const base = pickBase(rng, gprsOf(v, ops));
      const bRandom = randomIndex(rng);
      return (ctx: CaseContext): BuiltCase => {
        let ea = ctx.winAddr + off;
        if (isX && ops.ra !== 0 && ops.ra === ops.rb) ea -= ea % 2;
        placeEa(v, ops, input, ea, bRandom);
        const ignore = fpUndefinedParts(def, ops);
        return {
          words: [encodeVariant(v, ops)],
          text: [formatInsn(v, ops)],
          input,
          baseReg: base,
          ignore,
          reads: readsOf(v, ops),
        };
      };
    },
  };
}

/**
 * Reservations (Book II §4.4.2): stcx. after a larx of the same size at the
 * same address (succeeds), at an address in another granule (fails), or
 * after the reservation was cleared by a failed stcx. (fails).
 */
function stcxPlan(def: Def, v: Variant, info: MemInfo): Plan {
  const larxName = { 1: 'lbarx', 2: 'lharx', 4: 'lwarx', 8: 'ldarx', 16: 'lqarx' }[info.size]!;
  return {
    name: v.name,
    def,
    variant: v,
    mode: 'batch',
    count: CASES_PER_FORM,
    needs: NO_FEATURES,
    make: (rng) => {
      const scenario = rng.pick(['match', 'match', 'other', 'cleared'] as const);
      const input = randomInput(rng);
      const used = new Set<number>([0]);
      const take = (pred: (r: number) => boolean = () => true) => {
        const free = [...Array(32).keys()].filter((r) => !used.has(r) && pred(r));
        const r = rng.pick(free);
        used.add(r);
        return r;
      };
      const even = (r: number) => r % 2 === 0 && r < 31 && !used.has(r + 1);
      const rs = info.pair ? take(even) : take();
      if (info.pair) used.add(rs + 1);
      const rt = info.pair ? take(even) : take();
      if (info.pair) used.add(rt + 1);
      const ra = take();
      const rb = take();
      const base = take();
      const rb2 = take();
      const offA = rng.int(128 / info.size) * info.size;
      const offOther = 128 + rng.int(128 / info.size) * info.size;
      const index = BigInt(rng.range(0, 64) * 16);
      const eh = rng.int(2);
      return (ctx) => {
        input.gpr[rb] = index;
        input.gpr[ra] = BigInt(ctx.winAddr + offA) - index;
        input.gpr[rb2] = BigInt(ctx.winAddr + offOther) - input.gpr[ra]!;
        const larx = enc(larxName, { rt, ra, rb, eh });
        const words = [larx];
        const text = [`${larxName} r${rt},r${ra},r${rb}`];
        if (scenario === 'other' || scenario === 'cleared') {
          words.push(encodeVariant(v, { rs, ra, rb: rb2 }));
          text.push(`${v.name} r${rs},r${ra},r${rb2}`);
        }
        if (scenario !== 'other') {
          words.push(encodeVariant(v, { rs, ra, rb }));
          text.push(`${v.name} r${rs},r${ra},r${rb}`);
        }
        return { words, text, input, baseReg: base, reads: [`r${rs}`, `r${ra}`, `r${rb}`] };
      };
    },
  };
}

// ---- branches ---------------------------------------------------------------------------------

const BO_COMMON = [20, 12, 4, 16, 18, 8, 0, 10, 2, 13, 5, 14, 15, 6, 7, 25, 17, 19];

/**
 * Branch cases. The body either branches forward over a marker `li`, or
 * backward to a marker after jumping over it; a marker register records the
 * path taken, LR/CTR the link and decrement effects.
 */
function branchPlan(def: Def, v: Variant): Plan {
  const isB = def.m === 'b';
  const reg = def.m === 'bclr' ? 'lr' : def.m === 'bcctr' ? 'ctr' : def.m === 'bctar' ? 'tar' : undefined;
  const absolute = /a$/.test(v.name) && !reg;
  return {
    name: v.name,
    def,
    variant: v,
    mode: 'batch',
    count: CASES_PER_FORM,
    needs: NO_FEATURES,
    make: (rng) => {
      const input = randomInput(rng);
      let bo = rng.chance(0.6) ? rng.pick(BO_COMMON) : rng.int(32);
      // bcctr with BO[2]=0 is an invalid form (Book I §2.4).
      if (def.m === 'bcctr') bo |= 4;
      const bi = rng.int(32);
      const bh = def.m === 'bclr' ? rng.pick([0, 1, 3]) : rng.pick([0, 3]);
      const marker = rng.range(1, 31);
      const tarReg = reg === 'tar' ? rng.pick([...Array(32).keys()].filter((r) => r !== 0 && r !== marker)) : -1;
      const base = pickBase(rng, new Set([marker, tarReg]));
      const backward = rng.chance(0.4);
      return (ctx) => {
        const li = (val: number) => enc('addi', { rt: marker, ra: 0, si: val });
        const at = (i: number) => ctx.bodyAddr + 4 * i;
        const words: number[] = [];
        const text: string[] = [];
        const pre = reg === 'tar' ? 1 : 0;
        if (pre) {
          words.push(enc('mtspr', { spr: 815, rs: tarReg }));
          text.push(`mtspr 815,r${tarReg}`);
        }
        const branch = (self: number, target: number) => {
          const disp = absolute ? target : target - at(self);
          if (reg === 'lr') input.lr = BigInt(target);
          if (reg === 'ctr') input.ctr = BigInt(target);
          if (reg === 'tar') input.gpr[tarReg] = BigInt(target);
          const ops: Ops = isB ? { li: disp } : reg ? { bo, bi, bh } : { bo, bi, bd: disp };
          text.push(formatInsn(v, ops) + (reg ? ` ; ${reg}=0x${target.toString(16)}` : ''));
          return encodeVariant(v, ops);
        };
        if (!backward) {
          words.push(branch(pre, at(pre + 2)));
          words.push(li(0x111));
          text.push(`li r${marker},0x111`);
        } else {
          words.push(enc('b', { li: 12 }), li(0x222), enc('b', { li: 12 }));
          text.push('b +12', `li r${marker},0x222`, 'b +12');
          words.push(branch(pre + 3, at(pre + 1)));
          words.push(li(0x333));
          text.push(`li r${marker},0x333`);
        }
        return { words, text, input, baseReg: base, reads: ['cr', 'ctr', 'lr'] };
      };
    },
  };
}

// ---- SPR moves ----------------------------------------------------------------------------------

/** SPRs a problem-state program may move (Book I §3.3.17), run many per program. */
const BATCH_SPRS = [1, 8, 9];
/** Other problem-state SPR numbers, each in its own program (QEMU may refuse some of them). */
const SINGLE_SPRS = [3, 13, 256, 268, 269, 815, 896, 898, 1023];
/** XER bits defined on POWER8 (Book I §3.2.2): SO, OV, CA and the byte count. */
const XER_DEFINED = 0xe000_007fn;

function sprPlan(def: Def, v: Variant, sprs: readonly number[], mode: 'batch' | 'single'): Plan {
  return {
    name: v.name,
    def,
    variant: v,
    mode,
    count: mode === 'batch' ? CASES_PER_FORM : sprs.length,
    needs: NO_FEATURES,
    make: (rng, k) => {
      const input = randomInput(rng);
      const spr = mode === 'batch' ? rng.pick(sprs) : sprs[k % sprs.length]!;
      const ops: Ops =
        def.m === 'mftb'
          ? { rt: rng.int(32), tbr: spr }
          : def.m === 'mfspr'
            ? { rt: rng.int(32), spr }
            : { rs: rng.int(32), spr };
      if (def.m === 'mtspr' && spr === 1) input.gpr[ops.rs!] = input.gpr[ops.rs!]! & XER_DEFINED;
      const ignore: Ignore[] = [];
      if (def.m !== 'mtspr' && (spr === 268 || spr === 269))
        ignore.push({ field: `gpr${ops.rt}`, why: 'time base value differs between runs' });
      const base = pickBase(rng, gprsOf(v, ops));
      return () => ({
        words: [encodeVariant(v, ops)],
        text: [formatInsn(v, ops)],
        input,
        baseReg: base,
        ignore,
        reads: readsOf(v, ops),
      });
    },
  };
}

// ---- cases that trap or fault by design ---------------------------------------------------------

/** tw/td/twi/tdi: random TO and operands, often equal so that the EQ conditions fire. */
function trapPlan(def: Def, v: Variant): Plan {
  return {
    name: v.name,
    def,
    variant: v,
    mode: 'single',
    count: SINGLE_CASES * 2,
    needs: NO_FEATURES,
    make: (rng, k) => {
      const ops = randomOps(rng, v, k < 2);
      const input = randomInput(rng);
      if (rng.chance(0.3)) {
        if (ops.rb !== undefined) input.gpr[ops.rb] = input.gpr[ops.ra!]!;
        else input.gpr[ops.ra!] = u64(BigInt(ops.si!));
      }
      const base = pickBase(rng, gprsOf(v, ops));
      return () => ({
        words: [encodeVariant(v, ops)],
        text: [formatInsn(v, ops)],
        input,
        baseReg: base,
        reads: readsOf(v, ops),
      });
    },
  };
}

/** Load/store multiple and string: alignment interrupt in little-endian mode (Book I §3.3.6-3.3.7). */
function multiPlan(def: Def, v: Variant, info: MemInfo): Plan {
  return {
    name: v.name,
    def,
    variant: v,
    mode: 'single',
    count: SINGLE_CASES,
    needs: NO_FEATURES,
    make: (rng) => {
      const ops = randomOps(rng, v, false);
      const dk = dataKey(v);
      // Keep RT..r31 clear of RA and of a base register below it (lmw: RA in the range is invalid).
      ops[dk] = rng.range(8, 31);
      ops.ra = rng.range(2, ops[dk]! - 1);
      if (ops.rb !== undefined) ops.rb = rng.range(2, ops[dk]! - 1);
      const input = randomInput(rng);
      const used = new Set<number>(gprsOf(v, ops));
      for (let r = ops[dk]!; r < 32; r++) used.add(r);
      for (let r = 0; r < 8; r++) used.add(r);
      const free = [...Array(32).keys()].filter((r) => r > 0 && r < ops[dk]! && !used.has(r));
      const base = rng.pick(free.length ? free : [1]);
      const off = winOffset(rng, info, true);
      const bRandom = randomIndex(rng);
      return (ctx) => {
        placeEa(v, ops, input, ctx.winAddr + off, bRandom);
        return {
          words: [encodeVariant(v, ops)],
          text: [formatInsn(v, ops)],
          input,
          baseReg: base,
          reads: readsOf(v, ops),
        };
      };
    },
  };
}

/** Accesses that must be aligned, at a misaligned address: alignment interrupt (Book III-S §6.5.8). */
/** Accesses around the 4 GiB line: EA arithmetic carries into the high word, accesses straddle it. */
function highPlan(def: Def, v: Variant, info: MemInfo): Plan {
  const size = Math.min(info.size, 128);
  const align = info.align ?? 1;
  const inner = memPlan(def, v, info, (rng) => {
    // Mostly straddling the line (WIN_SIZE / 2 is the 4 GiB boundary), else anywhere in the window.
    let off = rng.chance(0.7) ? WIN_SIZE / 2 - rng.range(1, Math.max(1, size - 1)) : rng.int(WIN_SIZE - size + 1);
    off -= off % align;
    return off;
  });
  return { ...inner, name: `${v.name}@4g`, count: 4, high: true };
}

function misalignedPlan(def: Def, v: Variant, info: MemInfo): Plan {
  const inner = memPlan(def, v, { ...info, align: 1 }, (rng) => 64 + rng.range(1, info.size - 1));
  return { ...inner, name: `${v.name}@misaligned`, mode: 'single', count: 2 };
}

/** Branches whose target is an absolute 16-bit address (bca, bcla): taken means a fetch fault. */
function absBcPlan(def: Def, v: Variant): Plan {
  return {
    name: v.name,
    def,
    variant: v,
    mode: 'single',
    count: SINGLE_CASES,
    needs: NO_FEATURES,
    make: (rng) => {
      const input = randomInput(rng);
      const ops: Ops = { bo: rng.pick(BO_COMMON), bi: rng.int(32), bd: rng.int(0x2000) * 4 };
      const base = pickBase(rng, new Set());
      return () => ({
        words: [encodeVariant(v, ops)],
        text: [formatInsn(v, ops)],
        input,
        baseReg: base,
        reads: ['cr', 'ctr'],
      });
    },
  };
}

/** dcbf with L=3 (dcbflp, Book II §4.3.2), one case per program. */
function dcbflpPlan(def: Def, v: Variant): Plan {
  const inner = memPlan(def, v, { size: 1, store: false });
  return {
    ...inner,
    name: `${v.name}@L3`,
    mode: 'single',
    count: 2,
    make: (rng, k) => {
      const mk = inner.make(rng, k);
      return (ctx) => {
        const c = mk(ctx);
        const word = (c.words[0]! & ~(3 << 21)) | (3 << 21);
        return { ...c, words: [word >>> 0], text: [c.text[0]!.replace(/,\d+$/, ',3')] };
      };
    },
  };
}

/**
 * mtfsb1 / mtfsfi / mtfsf turning on an enable bit whose exception bit is set: FEX=1, which with
 * MSR[FE0,FE1]=0 (Linux default, Book III-S §4.2.1) raises nothing. One program per case.
 */
function fpEnablePlan(def: Def, v: Variant): Plan {
  const g = genericPlan(def, v);
  return {
    ...g,
    name: `${v.name}@enabled`,
    mode: 'single',
    count: 1,
    make: (rng, k) => {
      const mk = g.make(rng, k);
      return (ctx) => {
        const c = mk(ctx);
        // Record an overflow and turn its enable on: OE is FPSCR bit 57, field 6 (U=0b0100) for mtfsfi.
        c.input.fpscr = (c.input.fpscr | F_OX | 0x8000_0000) & ~F_VXALL & ~0xf8;
        const ops: Ops =
          def.m === 'mtfsb1'
            ? { bt: 25 }
            : def.m === 'mtfsfi'
              ? { bf: 6, u: 4, w: 0 }
              : { flm: 0x02, frb: 0, l: 0, w: 0 };
        if (def.m === 'mtfsf') setFprLow(c.input, 0, F_OE);
        const words = [...c.words.slice(0, -1), encodeVariant(v, ops)];
        return { ...c, words, text: [...c.text.slice(0, -1), formatInsn(v, ops)], ignore: [] };
      };
    },
  };
}

/**
 * Invalid forms of the quadword instructions (Book I §3.3.4, Book II §4.4.2): an odd register
 * pair, or lq loading its own base register. One program per case; both sides must agree
 * (QEMU and POWER8 raise illegal instruction).
 */
function invalidPairPlan(def: Def, v: Variant, info: MemInfo, how: 'odd' | 'ra'): Plan {
  const inner = memPlan(def, v, info);
  const key = v.ci.operands[0]!.key;
  const field = v.ci.operands[0]!.field;
  const raField = v.ci.operands.find((o) => o.key === 'ra')!.field;
  return {
    ...inner,
    name: `${v.name}@invalid-${how}`,
    mode: 'single',
    count: 2,
    make: (rng, k) => {
      const mk = inner.make(rng, k);
      return (ctx) => {
        const c = mk(ctx);
        const w = c.words[0]!;
        const rt = (w >>> 21) & 31;
        const ra = (w >>> 16) & 31;
        const word = how === 'odd' ? insertField(field, w, rt | 1) : insertField(raField, w, rt);
        // lq with RA = RT: the base register must still hold the address.
        if (how === 'ra') c.input.gpr[rt] = c.input.gpr[ra]!;
        return { ...c, words: [word], text: [`${c.text[0]} (${how === 'odd' ? `${key} odd` : 'RA = RT'})`] };
      };
    },
  };
}

/** Words no POWER8 instruction has (primary opcodes 0, 1, 5, 6): illegal instruction. */
const ILLEGAL_DEF: Def = { m: '.long', form: 'D', op: 0, ops: '', chapter: 'fixed' };
function illegalWordPlan(): Plan {
  const v = variantsOf(ILLEGAL_DEF)[0]!;
  const ops = [0, 1, 5, 6];
  return {
    name: '.long@illegal',
    def: ILLEGAL_DEF,
    variant: v,
    mode: 'single',
    count: ops.length,
    needs: NO_FEATURES,
    make: (rng, k) => {
      const word = ((ops[k % ops.length]! << 26) | (rng.u32() & 0x3ff_ffff)) >>> 0;
      const input = randomInput(rng);
      const base = pickBase(rng, new Set());
      return () => ({ words: [word], text: [`.long 0x${word.toString(16).padStart(8, '0')}`], input, baseReg: base });
    },
  };
}

/** An entry's executor exists but the model (POWER8) lacks it: both must raise illegal instruction. */
function otherModelPlan(def: Def, v: Variant): Plan {
  const g = genericPlan(def, v);
  return { ...g, name: `${v.name}@p8-illegal`, mode: 'single', count: 1 };
}

// ---- the plan table -----------------------------------------------------------------------------

/** Entries not run, with the reason. */
const EXCLUDED: Record<string, string> = {
  sc: 'the harness itself: every program ends with write(2) and exit_group(2) through sc, whose results are compared',
};

/** Plans for one table entry (all its variants), or why it is excluded. */
export function plansFor(def: Def): Plan[] | Exclusion {
  if (!def.exec) return { def, why: 'no executor (decoded only)' };
  if (def.priv) return { def, why: `privileged (${def.priv}): not reachable in user mode` };
  const why = EXCLUDED[def.m];
  if (why) return { def, why };
  const variants = variantsOf(def);
  const out: Plan[] = [];
  if (((def.models ?? 7) & P8) === 0) {
    for (const v of variants.slice(0, 1)) out.push(otherModelPlan(def, v));
    return out;
  }
  const info = MEM[def.m];
  for (const v of variants) {
    if (['tw', 'td', 'twi', 'tdi'].includes(def.m)) out.push(trapPlan(def, v));
    else if (def.m === 'b' || def.m === 'bclr' || def.m === 'bcctr' || (def.m === 'bc' && !/a$/.test(v.name)))
      out.push(branchPlan(def, v));
    else if (def.m === 'bc') out.push(absBcPlan(def, v));
    else if (def.m === 'bctar') out.push({ ...branchPlan(def, v), mode: 'single', count: SINGLE_CASES });
    else if (def.m === 'mfspr' || def.m === 'mtspr') {
      out.push(sprPlan(def, v, BATCH_SPRS, 'batch'), sprPlan(def, v, SINGLE_SPRS, 'single'));
    } else if (def.m === 'mftb') out.push(sprPlan(def, v, [268, 269], 'batch'));
    // wait: QEMU (and, per LLVM D48550, POWER8 hardware) reject this encoding; one program per case.
    else if (def.m === 'wait') out.push({ ...genericPlan(def, v), mode: 'single', count: 2 });
    else if (info?.multi) out.push(multiPlan(def, v, info));
    else if (def.m === 'mtfsb1' || def.m === 'mtfsfi' || def.m === 'mtfsf')
      out.push(genericPlan(def, v), fpEnablePlan(def, v));
    else if (info?.resv && info.store) {
      out.push(stcxPlan(def, v, info));
      if (info.size > 1) out.push(misalignedPlan(def, v, info));
      if (info.pair) out.push(invalidPairPlan(def, v, info, 'odd'));
    } else if (info) {
      out.push(memPlan(def, v, info), highPlan(def, v, info));
      if (info.pair && v.ci.operands[0]!.field.kind === 'gpr') out.push(invalidPairPlan(def, v, info, 'odd'));
      if (def.m === 'lq') out.push(invalidPairPlan(def, v, info, 'ra'));
      if (info.align && info.align > 1) out.push(misalignedPlan(def, v, info));
    } else if (['dcbz', 'dcbf', 'dcbst', 'icbi', 'dcbt', 'dcbtst', 'icbt'].includes(def.m)) {
      const block = memPlan(def, v, { size: def.m === 'dcbz' ? 128 : 1, store: def.m === 'dcbz', alignsDown: 128 });
      // QEMU 7.2 raises illegal instruction for icbt and dcbf L=3 (valid on POWER8): one program per case.
      if (def.m === 'icbt') out.push({ ...block, mode: 'single', count: 2 });
      else out.push(block);
      if (def.m === 'dcbf') out.push(dcbflpPlan(def, v));
    } else {
      const unknown = compiled(def).operands.find((o) => o.field.kind === 'rel' || o.field.kind === 'spr');
      if (unknown) return { def, why: `no generator for a '${unknown.field.kind}' operand` };
      out.push(genericPlan(def, v));
    }
  }
  return out;
}

/** Every table entry, split into plans and exclusions. */
export function allPlans(filter: (def: Def) => boolean = () => true): { plans: Plan[]; excluded: Exclusion[] } {
  const plans: Plan[] = filter(ILLEGAL_DEF) ? [illegalWordPlan()] : [];
  const excluded: Exclusion[] = [];
  for (const def of INSTRUCTIONS) {
    if (!filter(def)) continue;
    const r = plansFor(def);
    if (Array.isArray(r)) plans.push(...r);
    else excluded.push(r);
  }
  return { plans, excluded };
}
