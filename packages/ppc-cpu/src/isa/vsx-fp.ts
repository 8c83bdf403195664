/**
 * VSX floating-point instructions (Power ISA 2.07 Book I §7.6.1): arithmetic, multiply-add,
 * estimates, square root, max/min, compares, tests for software divide/sqrt, round to
 * integer and conversions, for scalar double, scalar single (ISA 2.07 additions) and vector
 * double/single operands. The arithmetic itself is the shared core in ./fpu.ts.
 *
 * FPSCR rules (§7.4, the per-instruction pseudocode):
 * - Scalar instructions set the exception bits, FR, FI and FPRF like their FP-chapter
 *   counterparts; an enabled Invalid Operation (or Zero Divide) exception leaves XT unchanged
 *   and clears FR and FI. Doubleword 1 of a scalar result is 0 (undefined in 2.07, 0 in ISA 3.0
 *   and on QEMU).
 * - Vector instructions set only the exception bits (never FPRF, FR, FI). When any element
 *   raises an exception whose enable bit is set (VE, OE, UE, ZE or XE), XT is left unchanged.
 * - In both cases an enabled exception with MSR[FE0|FE1] != 0 then takes the Floating-Point
 *   Enabled Exception program interrupt (Book III-S §6.5.9), after any allowed register update.
 */
import type { Cpu } from '../cpu.js';
import { FPSCR } from '../state.js';
import type { Fields } from '../table.js';
import {
  bitsToNum,
  CVT_S32,
  CVT_S64,
  CVT_U32,
  CVT_U64,
  doubleToSingle,
  FPSCR_FI,
  FPSCR_FPCC,
  FPSCR_FR,
  FPSCR_VXSNAN,
  FPSCR_XX,
  fpAdd,
  fpCompare,
  fpDiv,
  fpEnabled,
  fpFromInt64,
  fpMul,
  fpMulAdd,
  fpRecipEstimate,
  fpRoundToInt,
  fpRoundToSingle,
  fpRsqrtEstimate,
  fpSqrt,
  fpSuppressed,
  fpscrArith,
  fpscrRaise,
  fpToInt,
  isNaNBits,
  isSNaNBits,
  isZeroBits,
  res,
  singleToDouble,
} from './fpu.js';
import { setCrField } from './util.js';
import { vsrBase, vsxOff } from './vsx-common.js';

/** A two-operand operation of the core: flags returned, result in `res`. */
type Bin = (fpscr: number, ahi: number, alo: number, bhi: number, blo: number, single: boolean) => number;
/** A one-operand operation of the core. */
type Un = (fpscr: number, bhi: number, blo: number, single: boolean) => number;

export const ADD: Bin = (f, ah, al, bh, bl, sp) => fpAdd(f, ah, al, bh, bl, sp);
export const SUB: Bin = (f, ah, al, bh, bl, sp) => fpAdd(f, ah, al, bh, bl, sp, true);
export const MUL: Bin = fpMul;
export const DIV: Bin = fpDiv;
export const SQRT: Un = fpSqrt;
export const RE: Un = fpRecipEstimate;
export const RSQRTE: Un = fpRsqrtEstimate;
/**
 * xvrsqrtesp's estimate: a single-precision square root, then a single-precision reciprocal.
 * The ISA only bounds the estimate's error (§7.6.1, 2^-14 relative); this is the sequence QEMU
 * uses for the vector single-precision form, so both give the same bits.
 */
export const RSQRTE_SP: Un = (fpscr, bhi, blo) => {
  const f1 = fpSqrt(fpscr, bhi, blo, true);
  const f2 = fpDiv(fpscr, 0x3ff00000, 0, res[1]!, res[0]!, true);
  return f2 | (f1 & ~(FPSCR_FR | FPSCR_FI));
};

/** Scratch for vector results (no allocation in executors). */
const vres = new Int32Array(4);

/** The word of `res` as a single-precision value (the result is already rounded to single). */
function resSingle(): number {
  return doubleToSingle(res[1]!, res[0]!);
}

/** Operand scratch filled by {@link sp2}: single-precision word to double halves. */
let xh = 0;
let xl = 0;
function sp2(w: number): void {
  singleToDouble(w);
  xh = res[1]!;
  xl = res[0]!;
}

// ---- FPSCR completion -------------------------------------------------------------------------

/** FPRF handling of a scalar instruction: leave it, or classify the result as double or single. */
const FPRF_KEEP = 0;
const FPRF_DP = 1;
const FPRF_SP = 2;

/**
 * Finish a scalar instruction whose result is in `res`: FPSCR update, doubleword 0 written
 * (doubleword 1 zeroed) unless an enabled invalid/zero-divide exception suppresses it, then
 * the enabled-exception interrupt when MSR[FE0|FE1] asks for it.
 */
function scalarDone(c: Cpu, t: number, fpscr: number, flags: number, fprf: number): number {
  const s = c.s;
  const hi = res[1]!;
  const lo = res[0]!;
  const suppressed = fpSuppressed(fpscr, flags);
  if (fprf === FPRF_KEEP) {
    let n = fpscrRaise(fpscr, flags) & ~(FPSCR_FR | FPSCR_FI);
    if (!suppressed) n |= flags & (FPSCR_FR | FPSCR_FI);
    s[FPSCR] = n;
  } else {
    s[FPSCR] = fpscrArith(fpscr, flags, hi, lo, fprf === FPRF_SP);
  }
  if (!suppressed) {
    s[t + 3] = hi;
    s[t + 2] = lo;
    s[t + 1] = 0;
    s[t] = 0;
  }
  if (fpEnabled(fpscr, flags) && c.fpExceptionsEnabled()) return c.fpEnabledException();
  return 0;
}

/** Vector FPSCR update; true when XT may be written (no enabled exception in any element). */
function vecStatus(c: Cpu, fpscr: number, flags: number): boolean {
  c.s[FPSCR] = fpscrRaise(fpscr, flags);
  return !fpEnabled(fpscr, flags);
}

function vecEnd(c: Cpu, fpscr: number, flags: number): number {
  if (fpEnabled(fpscr, flags) && c.fpExceptionsEnabled()) return c.fpEnabledException();
  return 0;
}

/** Write vres[0..3] (word elements 0..3) to XT when allowed, then finish. */
function vecWords(c: Cpu, t: number, fpscr: number, flags: number): number {
  if (vecStatus(c, fpscr, flags)) {
    const s = c.s;
    s[t + 3] = vres[0]!;
    s[t + 2] = vres[1]!;
    s[t + 1] = vres[2]!;
    s[t] = vres[3]!;
  }
  return vecEnd(c, fpscr, flags);
}

// ---- arithmetic -------------------------------------------------------------------------------

/** xsadddp, xssubdp, xsmuldp, xsdivdp and the single-precision xsaddsp... (result rounded to single). */
export function xsBin(op: Bin, single: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    const fprf = single ? FPRF_SP : FPRF_DP;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const flags = op(fpscr, s[a + 3]!, s[a + 2]!, s[b + 3]!, s[b + 2]!, single);
      return scalarDone(c, t, fpscr, flags, fprf);
    };
  };
}

/** xssqrtdp, xsredp, xsrsqrtedp and their single-precision forms. */
export function xsUn(op: Un, single: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    const fprf = single ? FPRF_SP : FPRF_DP;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const flags = op(fpscr, s[b + 3]!, s[b + 2]!, single);
      return scalarDone(c, t, fpscr, flags, fprf);
    };
  };
}

/** Vector two-operand arithmetic: xvadddp ... (sp: four single-precision elements). */
export function xvBin(op: Bin, sp: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    if (!sp) {
      return (c: Cpu) => {
        if (vsxOff(c)) return c.facilityUnavailable('vsx');
        const s = c.s;
        const fpscr = s[FPSCR]!;
        let fl = op(fpscr, s[a + 3]!, s[a + 2]!, s[b + 3]!, s[b + 2]!, false);
        vres[0] = res[1]!;
        vres[1] = res[0]!;
        fl |= op(fpscr, s[a + 1]!, s[a]!, s[b + 1]!, s[b]!, false);
        vres[2] = res[1]!;
        vres[3] = res[0]!;
        return vecWords(c, t, fpscr, fl);
      };
    }
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      let fl = 0;
      for (let j = 0; j < 4; j++) {
        sp2(s[a + 3 - j]!);
        const ah = xh;
        const al = xl;
        sp2(s[b + 3 - j]!);
        fl |= op(fpscr, ah, al, xh, xl, true);
        vres[j] = resSingle();
      }
      return vecWords(c, t, fpscr, fl);
    };
  };
}

/** Vector one-operand arithmetic: xvsqrtdp, xvredp, xvrsqrtedp and the sp forms. */
export function xvUn(op: Un, sp: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    if (!sp) {
      return (c: Cpu) => {
        if (vsxOff(c)) return c.facilityUnavailable('vsx');
        const s = c.s;
        const fpscr = s[FPSCR]!;
        let fl = op(fpscr, s[b + 3]!, s[b + 2]!, false);
        vres[0] = res[1]!;
        vres[1] = res[0]!;
        fl |= op(fpscr, s[b + 1]!, s[b]!, false);
        vres[2] = res[1]!;
        vres[3] = res[0]!;
        return vecWords(c, t, fpscr, fl);
      };
    }
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      let fl = 0;
      for (let j = 0; j < 4; j++) {
        sp2(s[b + 3 - j]!);
        fl |= op(fpscr, xh, xl, true);
        vres[j] = resSingle();
      }
      return vecWords(c, t, fpscr, fl);
    };
  };
}

// ---- multiply-add (§7.6.1, xsmaddadp ... xvnmsubmsp) -------------------------------------------

/** Which multiply-add: XA×M + A (madd), XA×M - A (msub), and the negated nmadd, nmsub. */
export type FmaKind = 'madd' | 'msub' | 'nmadd' | 'nmsub';

/**
 * Multiply-add. A-form (`mform` false): XT = ±(XA × XB ± XT), the addend is XT.
 * M-form: XT = ±(XA × XT ± XB), the multiplicand is XT. NaN precedence: XA, addend, multiplicand.
 */
export function xsFma(kind: FmaKind, mform: boolean, single: boolean) {
  const negB = kind === 'msub' || kind === 'nmsub';
  const negR = kind === 'nmadd' || kind === 'nmsub';
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const m = mform ? t : vsrBase(f.xb!);
    const d = mform ? vsrBase(f.xb!) : t;
    const fprf = single ? FPRF_SP : FPRF_DP;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const flags = fpMulAdd(
        fpscr,
        s[a + 3]!,
        s[a + 2]!,
        s[m + 3]!,
        s[m + 2]!,
        s[d + 3]!,
        s[d + 2]!,
        single,
        negB,
        negR,
      );
      return scalarDone(c, t, fpscr, flags, fprf);
    };
  };
}

export function xvFma(kind: FmaKind, mform: boolean, sp: boolean) {
  const negB = kind === 'msub' || kind === 'nmsub';
  const negR = kind === 'nmadd' || kind === 'nmsub';
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const m = mform ? t : vsrBase(f.xb!);
    const d = mform ? vsrBase(f.xb!) : t;
    if (!sp) {
      return (c: Cpu) => {
        if (vsxOff(c)) return c.facilityUnavailable('vsx');
        const s = c.s;
        const fpscr = s[FPSCR]!;
        let fl = fpMulAdd(fpscr, s[a + 3]!, s[a + 2]!, s[m + 3]!, s[m + 2]!, s[d + 3]!, s[d + 2]!, false, negB, negR);
        vres[0] = res[1]!;
        vres[1] = res[0]!;
        fl |= fpMulAdd(fpscr, s[a + 1]!, s[a]!, s[m + 1]!, s[m]!, s[d + 1]!, s[d]!, false, negB, negR);
        vres[2] = res[1]!;
        vres[3] = res[0]!;
        return vecWords(c, t, fpscr, fl);
      };
    }
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      let fl = 0;
      for (let j = 0; j < 4; j++) {
        sp2(s[a + 3 - j]!);
        const ah = xh;
        const al = xl;
        sp2(s[m + 3 - j]!);
        const mh = xh;
        const ml = xl;
        sp2(s[d + 3 - j]!);
        fl |= fpMulAdd(fpscr, ah, al, mh, ml, xh, xl, true, negB, negR);
        vres[j] = resSingle();
      }
      return vecWords(c, t, fpscr, fl);
    };
  };
}

// ---- maximum / minimum ------------------------------------------------------------------------

/**
 * IEEE 754-2008 maxNum/minNum as xsmaxdp/xsmindp define them: a QNaN loses against a number,
 * two QNaNs give XA; an SNaN operand sets VXSNAN and gives XA quieted when XA is a NaN, else XB
 * quieted; max(+0, -0) = +0 and min(+0, -0) = -0. Result in `res`, returns the flags.
 */
function maxMin(ahi: number, alo: number, bhi: number, blo: number, max: boolean): number {
  const aN = isNaNBits(ahi, alo);
  const bN = isNaNBits(bhi, blo);
  if (aN || bN) {
    if (isSNaNBits(ahi, alo) || isSNaNBits(bhi, blo)) {
      if (aN) {
        res[1] = ahi | 0x80000;
        res[0] = alo;
      } else {
        res[1] = bhi | 0x80000;
        res[0] = blo;
      }
      return FPSCR_VXSNAN;
    }
    if (aN && !bN) {
      res[1] = bhi;
      res[0] = blo;
    } else {
      res[1] = ahi;
      res[0] = alo;
    }
    return 0;
  }
  let pickA: boolean;
  if (isZeroBits(ahi, alo) && isZeroBits(bhi, blo)) {
    // Signed zeros: max prefers +0, min prefers -0.
    pickA = max ? ahi >= 0 : ahi < 0;
  } else {
    const x = bitsToNum(ahi, alo);
    const y = bitsToNum(bhi, blo);
    pickA = max ? x >= y : x <= y;
  }
  if (pickA) {
    res[1] = ahi;
    res[0] = alo;
  } else {
    res[1] = bhi;
    res[0] = blo;
  }
  return 0;
}

/** xsmaxdp / xsmindp: only VXSNAN is reported; FPRF, FR and FI are unchanged. */
export function xsMaxMin(max: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const flags = maxMin(s[a + 3]!, s[a + 2]!, s[b + 3]!, s[b + 2]!, max);
      s[FPSCR] = fpscrRaise(fpscr, flags);
      if (!fpSuppressed(fpscr, flags)) {
        s[t + 3] = res[1]!;
        s[t + 2] = res[0]!;
        s[t + 1] = 0;
        s[t] = 0;
      }
      return vecEnd(c, fpscr, flags);
    };
  };
}

export function xvMaxMin(max: boolean, sp: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    if (!sp) {
      return (c: Cpu) => {
        if (vsxOff(c)) return c.facilityUnavailable('vsx');
        const s = c.s;
        const fpscr = s[FPSCR]!;
        let fl = maxMin(s[a + 3]!, s[a + 2]!, s[b + 3]!, s[b + 2]!, max);
        vres[0] = res[1]!;
        vres[1] = res[0]!;
        fl |= maxMin(s[a + 1]!, s[a]!, s[b + 1]!, s[b]!, max);
        vres[2] = res[1]!;
        vres[3] = res[0]!;
        return vecWords(c, t, fpscr, fl);
      };
    }
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      let fl = 0;
      for (let j = 0; j < 4; j++) {
        sp2(s[a + 3 - j]!);
        const ah = xh;
        const al = xl;
        sp2(s[b + 3 - j]!);
        fl |= maxMin(ah, al, xh, xl, max);
        vres[j] = resSingle();
      }
      return vecWords(c, t, fpscr, fl);
    };
  };
}

// ---- compares -----------------------------------------------------------------------------------

/** xscmpudp / xscmpodp BF,XA,XB: CR field BF and FPSCR[FPCC] get the result (as fcmpu / fcmpo). */
export function xsCmp(ordered: boolean) {
  return (f: Fields) => {
    const bf = f.bf!;
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const r = fpCompare(fpscr, s[a + 3]!, s[a + 2]!, s[b + 3]!, s[b + 2]!, ordered);
      const cc = r & 15;
      const flags = r & ~15;
      s[FPSCR] = (fpscrRaise(fpscr, flags) & ~FPSCR_FPCC) | (cc << 12);
      setCrField(c, bf, cc);
      return vecEnd(c, fpscr, flags);
    };
  };
}

/** Vector compare predicates on the FPCC code of fpCompare. */
export type CmpKind = 'eq' | 'gt' | 'ge';

/**
 * xvcmpeqdp / xvcmpgtdp / xvcmpgedp (and sp): each element all ones when true. eq is an
 * unordered compare (VXSNAN only); gt and ge are ordered (VXVC for NaNs, as fcmpo). With Rc=1,
 * CR6 = all-true || 0 || all-false || 0, set even when an enabled exception keeps XT unchanged.
 */
export function xvCmp(kind: CmpKind, sp: boolean) {
  const ordered = kind !== 'eq';
  const mask = kind === 'eq' ? 2 : kind === 'gt' ? 4 : 6;
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    const rc = f.rc!;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      let fl = 0;
      let any = 0;
      let all = 1;
      if (!sp) {
        for (let i = 0; i < 2; i++) {
          const o = 2 - 2 * i;
          const r = fpCompare(fpscr, s[a + o + 1]!, s[a + o]!, s[b + o + 1]!, s[b + o]!, ordered);
          fl |= r & ~15;
          const v = (r & mask) !== 0 ? -1 : 0;
          vres[2 * i] = v;
          vres[2 * i + 1] = v;
          any |= v & 1;
          all &= v & 1;
        }
      } else {
        for (let j = 0; j < 4; j++) {
          sp2(s[a + 3 - j]!);
          const ah = xh;
          const al = xl;
          sp2(s[b + 3 - j]!);
          const r = fpCompare(fpscr, ah, al, xh, xl, ordered);
          fl |= r & ~15;
          const v = (r & mask) !== 0 ? -1 : 0;
          vres[j] = v;
          any |= v & 1;
          all &= v & 1;
        }
      }
      const write = vecStatus(c, fpscr, fl);
      if (write) {
        s[t + 3] = vres[0]!;
        s[t + 2] = vres[1]!;
        s[t + 1] = vres[2]!;
        s[t] = vres[3]!;
      }
      if (rc) setCrField(c, 6, (all << 3) | ((any ^ 1) << 1));
      return vecEnd(c, fpscr, fl);
    };
  };
}

// ---- tests for software divide and square root (xstdivdp, xvtdivdp, ...) ------------------------

/**
 * Exponent-range tests of xstdivdp / xvtdivdp / xvtdivsp (§7.6.1, as ftdiv §4.6.8): returns
 * fg << 2 | fe << 1. `sp`: operands are single-precision words in ahi / bhi.
 */
function tdiv(ahi: number, alo: number, bhi: number, blo: number, sp: boolean): number {
  const emax = sp ? 127 : 1023;
  const bias = emax;
  const mant = sp ? 23 : 52;
  const ea = sp ? ((ahi >>> 23) & 0xff) - bias : ((ahi >>> 20) & 0x7ff) - bias;
  const eb = sp ? ((bhi >>> 23) & 0xff) - bias : ((bhi >>> 20) & 0x7ff) - bias;
  const fracA = sp ? ahi & 0x7fffff : (ahi & 0xfffff) | alo;
  const fracB = sp ? bhi & 0x7fffff : (bhi & 0xfffff) | blo;
  const aInf = ea === emax + 1 && fracA === 0;
  const bInf = eb === emax + 1 && fracB === 0;
  const aNaN = ea === emax + 1 && fracA !== 0;
  const bNaN = eb === emax + 1 && fracB !== 0;
  const aZero = ea === -bias && fracA === 0;
  const bZero = eb === -bias && fracB === 0;
  if (aInf || bInf || bZero) return 6;
  let fe = 0;
  if (aNaN || bNaN) fe = 1;
  else if (eb <= 1 - emax || eb >= emax - 2) fe = 1;
  else if (!aZero && (ea - eb >= emax || ea - eb <= 2 - emax || ea <= 1 - emax + mant)) fe = 1;
  // XB is not zero here, so a minimum exponent means a denormal.
  const fg = eb === -bias ? 1 : 0;
  return (fg << 2) | (fe << 1);
}

/** Tests of xstsqrtdp / xvtsqrtdp / xvtsqrtsp (as ftsqrt): fg << 2 | fe << 1. */
function tsqrt(bhi: number, blo: number, sp: boolean): number {
  const emax = sp ? 127 : 1023;
  const mant = sp ? 23 : 52;
  const eb = sp ? ((bhi >>> 23) & 0xff) - emax : ((bhi >>> 20) & 0x7ff) - emax;
  const frac = sp ? bhi & 0x7fffff : (bhi & 0xfffff) | blo;
  const inf = eb === emax + 1 && frac === 0;
  const zero = eb === -emax && frac === 0;
  if (inf || zero) return 6;
  let fe = 0;
  if (eb === emax + 1)
    fe = 1; // NaN
  else if (bhi < 0) fe = 1;
  else if (eb <= 1 - emax + mant) fe = 1;
  const fg = eb === -emax ? 1 : 0;
  return (fg << 2) | (fe << 1);
}

/** xstdivdp / xvtdivdp / xvtdivsp BF,XA,XB: CR[BF] = 0b1 || fg || fe || 0 (over all elements). */
export function xTdiv(n: 1 | 2 | 4) {
  return (f: Fields) => {
    const bf = f.bf!;
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      let r = 0;
      if (n === 4) for (let j = 0; j < 4; j++) r |= tdiv(s[a + j]!, 0, s[b + j]!, 0, true);
      else {
        r = tdiv(s[a + 3]!, s[a + 2]!, s[b + 3]!, s[b + 2]!, false);
        if (n === 2) r |= tdiv(s[a + 1]!, s[a]!, s[b + 1]!, s[b]!, false);
      }
      setCrField(c, bf, 8 | r);
      return 0;
    };
  };
}

/** xstsqrtdp / xvtsqrtdp / xvtsqrtsp BF,XB. */
export function xTsqrt(n: 1 | 2 | 4) {
  return (f: Fields) => {
    const bf = f.bf!;
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      let r = 0;
      if (n === 4) for (let j = 0; j < 4; j++) r |= tsqrt(s[b + j]!, 0, true);
      else {
        r = tsqrt(s[b + 3]!, s[b + 2]!, false);
        if (n === 2) r |= tsqrt(s[b + 1]!, s[b]!, false);
      }
      setCrField(c, bf, 8 | r);
      return 0;
    };
  };
}

// ---- round to integer ---------------------------------------------------------------------------

/** Rounding of xsrdpi*: 0 = nearest away (…pi), 1 = toward zero (…piz), 2 = +∞ (…pip), 3 = -∞ (…pim), 4 = FPSCR[RN] (…pic). */
export type RoundMode = 0 | 1 | 2 | 3 | 4;

const TWO52 = 4503599627370496;
const cvF = new Float64Array(1);
const cvI = new Int32Array(cvF.buffer);

/**
 * Round (hi, lo) to an integral value. Modes 0-3 report no inexact (as frin...); mode 4 rounds
 * in FPSCR[RN] (ties to even for round-to-nearest) and reports XX, FI and FR. The result keeps
 * the operand's sign (-0.25 rounds to -0).
 */
function roundInt(fpscr: number, hi: number, lo: number, mode: RoundMode): number {
  if (mode !== 4) return fpRoundToInt(hi, lo, mode);
  // NaNs (propagated, quieted) and values that are already integers (|x| >= 2^52, infinities).
  if (isNaNBits(hi, lo) || ((hi >>> 20) & 0x7ff) >= 1075) return fpRoundToInt(hi, lo, 1);
  const x = bitsToNum(hi, lo);
  const ax = x < 0 ? -x : x;
  const rn = fpscr & 3;
  let ar: number;
  // |x| < 2^52: adding 2^52 rounds to an integer in the host's round-to-nearest-even.
  if (rn === 0) ar = ax + TWO52 - TWO52;
  else if (rn === 1 || (rn === 2) === x < 0) ar = Math.floor(ax);
  else ar = Math.ceil(ax);
  cvF[0] = ar;
  res[0] = cvI[0]!;
  res[1] = cvI[1]! | (hi & (0x80000000 | 0));
  if (ar === ax) return 0;
  return FPSCR_XX | FPSCR_FI | (ar > ax ? FPSCR_FR : 0);
}

/** xsrdpi, xsrdpiz, xsrdpip, xsrdpim, xsrdpic: FPRF set; FR, FI only from xsrdpic. */
export function xsRound(mode: RoundMode) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const flags = roundInt(fpscr, s[b + 3]!, s[b + 2]!, mode);
      return scalarDone(c, t, fpscr, flags, FPRF_DP);
    };
  };
}

/** xvrdpi* (sp: xvrspi*). */
export function xvRound(mode: RoundMode, sp: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    if (!sp) {
      return (c: Cpu) => {
        if (vsxOff(c)) return c.facilityUnavailable('vsx');
        const s = c.s;
        const fpscr = s[FPSCR]!;
        let fl = roundInt(fpscr, s[b + 3]!, s[b + 2]!, mode);
        vres[0] = res[1]!;
        vres[1] = res[0]!;
        fl |= roundInt(fpscr, s[b + 1]!, s[b]!, mode);
        vres[2] = res[1]!;
        vres[3] = res[0]!;
        return vecWords(c, t, fpscr, fl);
      };
    }
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      let fl = 0;
      for (let j = 0; j < 4; j++) {
        sp2(s[b + 3 - j]!);
        fl |= roundInt(fpscr, xh, xl, mode);
        // A NaN result keeps the single-precision payload (the low bits are zero after sp2).
        vres[j] = resSingle();
      }
      return vecWords(c, t, fpscr, fl);
    };
  };
}

// ---- conversions ----------------------------------------------------------------------------------

/** xsrsp: round to single precision, result in double format (as frsp). */
export function xsrsp(f: Fields) {
  const t = vsrBase(f.xt!);
  const b = vsrBase(f.xb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const fpscr = s[FPSCR]!;
    const flags = fpRoundToSingle(fpscr, s[b + 3]!, s[b + 2]!);
    return scalarDone(c, t, fpscr, flags, FPRF_SP);
  };
}

/**
 * xscvdpsp: round to single, the single-format word in words 0 and 1 (words 1-3 are
 * undefined in 2.07; ISA 3.0 and QEMU put it in both), doubleword 1 zero.
 */
export function xscvdpsp(f: Fields) {
  const t = vsrBase(f.xt!);
  const b = vsrBase(f.xb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const fpscr = s[FPSCR]!;
    const flags = fpRoundToSingle(fpscr, s[b + 3]!, s[b + 2]!);
    s[FPSCR] = fpscrArith(fpscr, flags, res[1]!, res[0]!, true);
    if (!fpSuppressed(fpscr, flags)) {
      const w = resSingle();
      s[t + 3] = w;
      s[t + 2] = w;
      s[t + 1] = 0;
      s[t] = 0;
    }
    return vecEnd(c, fpscr, flags);
  };
}

/** Single word to double halves in `res`, quieting an SNaN; returns VXSNAN for an SNaN. */
function spToDp(w: number): number {
  singleToDouble(w);
  if ((w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0 && (w & 0x400000) === 0) {
    res[1] = res[1]! | 0x80000;
    return FPSCR_VXSNAN;
  }
  return 0;
}

/** xscvspdp: word 0 to double (exact; an SNaN is quieted with VXSNAN); FPRF set, FR = FI = 0. */
export function xscvspdp(f: Fields) {
  const t = vsrBase(f.xt!);
  const b = vsrBase(f.xb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const fpscr = s[FPSCR]!;
    const flags = spToDp(s[b + 3]!);
    return scalarDone(c, t, fpscr, flags, FPRF_DP);
  };
}

/** xvcvdpsp: doubleword i rounded to single into words 2i and 2i+1 (as QEMU; 2i+1 undefined in 2.07). */
export function xvcvdpsp(f: Fields) {
  const t = vsrBase(f.xt!);
  const b = vsrBase(f.xb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const fpscr = s[FPSCR]!;
    let fl = fpRoundToSingle(fpscr, s[b + 3]!, s[b + 2]!);
    vres[0] = vres[1] = resSingle();
    fl |= fpRoundToSingle(fpscr, s[b + 1]!, s[b]!);
    vres[2] = vres[3] = resSingle();
    return vecWords(c, t, fpscr, fl);
  };
}

/** xvcvspdp: words 0 and 2 to doublewords 0 and 1. */
export function xvcvspdp(f: Fields) {
  const t = vsrBase(f.xt!);
  const b = vsrBase(f.xb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const fpscr = s[FPSCR]!;
    let fl = spToDp(s[b + 3]!);
    vres[0] = res[1]!;
    vres[1] = res[0]!;
    fl |= spToDp(s[b + 1]!);
    vres[2] = res[1]!;
    vres[3] = res[0]!;
    return vecWords(c, t, fpscr, fl);
  };
}

/** Integer formats, as fpu.ts numbers them. */
export const S32 = CVT_S32;
export const U32 = CVT_U32;
export const S64 = CVT_S64;
export const U64 = CVT_U64;

/**
 * xscvdpsxds / xscvdpuxds / xscvdpsxws / xscvdpuxws: truncate to an integer (saturating, VXCVI
 * for NaN and out of range). FR and FI are set, FPRF is left unchanged. A 32-bit result goes
 * to words 0 and 1 (QEMU; word 1 in 2.07, word 0 undefined), doubleword 1 is zero.
 */
export function xsToInt(kind: number) {
  const w32 = kind === S32 || kind === U32;
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const flags = fpToInt(fpscr, s[b + 3]!, s[b + 2]!, kind, true);
      if (w32) res[1] = res[0]!;
      return scalarDone(c, t, fpscr, flags, FPRF_KEEP);
    };
  };
}

/**
 * Vector float to integer, truncating. `from`: 'dp' elements (doublewords) or 'sp' words;
 * `kind` the integer format. dp → 32-bit fills words 2i and 2i+1; sp → 64-bit reads words 0 and 2.
 */
export function xvToInt(from: 'dp' | 'sp', kind: number) {
  const w32 = kind === S32 || kind === U32;
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      let fl = 0;
      if (from === 'dp') {
        for (let i = 0; i < 2; i++) {
          const o = 2 - 2 * i;
          fl |= fpToInt(fpscr, s[b + o + 1]!, s[b + o]!, kind, true);
          vres[2 * i] = w32 ? res[0]! : res[1]!;
          vres[2 * i + 1] = res[0]!;
        }
      } else if (w32) {
        for (let j = 0; j < 4; j++) {
          sp2(s[b + 3 - j]!);
          fl |= fpToInt(fpscr, xh, xl, kind, true);
          vres[j] = res[0]!;
        }
      } else {
        for (let i = 0; i < 2; i++) {
          sp2(s[b + 3 - 2 * i]!);
          fl |= fpToInt(fpscr, xh, xl, kind, true);
          vres[2 * i] = res[1]!;
          vres[2 * i + 1] = res[0]!;
        }
      }
      return vecWords(c, t, fpscr, fl);
    };
  };
}

/** xscvsxddp / xscvuxddp / xscvsxdsp / xscvuxdsp: 64-bit integer to double or single (FPRF, FR, FI set). */
export function xsFromInt(signed: boolean, single: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    const fprf = single ? FPRF_SP : FPRF_DP;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const flags = fpFromInt64(fpscr, s[b + 3]!, s[b + 2]!, signed, single);
      return scalarDone(c, t, fpscr, flags, fprf);
    };
  };
}

/**
 * Vector integer to float. `from`: 'd' (doublewords) or 'w' (words); `to`: 'dp' or 'sp'.
 * d → sp fills words 2i and 2i+1 (QEMU); w → dp reads words 0 and 2.
 */
export function xvFromInt(from: 'd' | 'w', to: 'dp' | 'sp', signed: boolean) {
  const single = to === 'sp';
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      let fl = 0;
      if (from === 'd') {
        for (let i = 0; i < 2; i++) {
          const o = 2 - 2 * i;
          fl |= fpFromInt64(fpscr, s[b + o + 1]!, s[b + o]!, signed, single);
          if (single) vres[2 * i] = vres[2 * i + 1] = resSingle();
          else {
            vres[2 * i] = res[1]!;
            vres[2 * i + 1] = res[0]!;
          }
        }
      } else if (single) {
        for (let j = 0; j < 4; j++) {
          const w = s[b + 3 - j]!;
          fl |= fpFromInt64(fpscr, signed ? w >> 31 : 0, w, signed, true);
          vres[j] = resSingle();
        }
      } else {
        for (let i = 0; i < 2; i++) {
          const w = s[b + 3 - 2 * i]!;
          fl |= fpFromInt64(fpscr, signed ? w >> 31 : 0, w, signed, false);
          vres[2 * i] = res[1]!;
          vres[2 * i + 1] = res[0]!;
        }
      }
      return vecWords(c, t, fpscr, fl);
    };
  };
}
