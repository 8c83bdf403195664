/**
 * Floating-point facility (Power ISA 2.07 Book I chapter 4): loads and stores,
 * moves, arithmetic, fused multiply-add, rounding and conversion, compares and
 * the FPSCR instructions. The arithmetic itself lives in ./fpu.ts.
 *
 * FPR i is doubleword 0 of VSR i; its low and high words are `s[fpr(i)]` and
 * `s[fpr(i) + 1]`. Values move through the Int32 view so that signalling NaNs
 * keep their bits. Writing an FPR leaves doubleword 1 of the VSR unchanged.
 *
 * Where qemu-ppc64le 7.2 (-cpu power8) differs from the ISA, this file follows
 * the ISA (checked by hand against QEMU; the differential harness needs these):
 * - FR: QEMU never sets FPSCR[FR] (§4.2.2, §4.3.6 define it for every rounding).
 * - FX: QEMU sets FX on every exception, not only when an exception bit goes
 *   0 -> 1 (§4.2.2); its mtfsb1 sets no FX at all and ignores NI (bit 61).
 * - FPRF of single-precision results: QEMU classifies them as doubles, so a
 *   single denormal is "normal" (the frsp model of §A.1 says "denormalized").
 * - fnmadd[s]/fnmsub[s] in RP/RM: QEMU rounds the negated value; the ISA rounds,
 *   then negates (§4.6.6.2), so results can differ by an ulp (or ∞ vs max).
 * - ∞ × 0 + SNaN in the multiply-adds: QEMU reports VXIMZ without VXSNAN (§4.4.1).
 * - fcmpo: QEMU also sets FPRF[C] and sets VXVC for an SNaN when VE=1 (§4.6.8).
 * - fre[s] of ±0: QEMU returns ±0.5 instead of ±∞ (§4.6.6.1 table).
 * - fcfid[u][s]: QEMU leaves FPRF unchanged (§4.6.7.2 sets it) and does not write
 *   FRT when an enabled exception (e.g. XE=1) traps (§4.4: it is written).
 * - Rc=1 with a trapping enabled exception: QEMU does not set CR1 (§4.6, §4.4).
 * - OE=1/UE=1 single-precision results still outside the single range after the
 *   ±192 adjustment: QEMU wraps the exponent; the frsp model (§A.1) does not.
 * - FPSCR bits 0:31 live in the FPSCR_HI slot; only DRN (bits 29:31) is defined there.
 */
import type { Cpu } from '../cpu.js';
import { CR, FPSCR, FPSCR_HI, MSR, MSR_LO_FP, VSR_I32 } from '../state.js';
import { type Fields, type InsnDef, P8, P9 } from '../table.js';
import {
  CVT_S32,
  CVT_S64,
  CVT_U32,
  CVT_U64,
  doubleToSingle,
  FPRF_QNAN,
  FPSCR_EXC,
  FPSCR_FEX,
  FPSCR_FI,
  FPSCR_FPCC,
  FPSCR_FPRF,
  FPSCR_FR,
  FPSCR_FX,
  FPSCR_VX_ALL,
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
  fpscrSummary,
  fpToInt,
  isInfBits,
  isNaNBits,
  isZeroBits,
  res,
  singleToDouble,
} from './fpu.js';
import { addEaN, eaD, eaX, ra0 } from './util.js';

type Def = InsnDef<Cpu>;

/** Int32 index of the low word of FPR i (doubleword 0 of VSR i); the high word follows. */
export function fpr(i: number): number {
  return VSR_I32 + 4 * i + 2;
}

/** FPSCR bit 52 is reserved: writes to it are ignored (as on QEMU's POWER8). */
const FPSCR_RESERVED = 0x800;

/** CR1 ← FPSCR[FX FEX VX OX] (Rc=1 of every FP instruction, Book I §4.6). */
function setCr1(c: Cpu): void {
  const s = c.s;
  s[CR] = (s[CR]! & ~0x0f000000) | (((s[FPSCR]! >>> 28) & 0xf) << 24);
}

/** MSR[FP]=0: every FP instruction raises the FP Unavailable interrupt (Book III-S §6.5.10). */
function fpOff(c: Cpu): boolean {
  return (c.s[MSR]! & MSR_LO_FP) === 0;
}

/**
 * Commit a scalar arithmetic result (in `res`): FPSCR update, the target
 * written unless an enabled invalid/zero-divide exception suppresses it
 * (§4.4), CR1 when Rc=1, and the enabled-exception program interrupt.
 */
function commit(c: Cpu, fpscr: number, fl: number, t: number, rc: number, single: boolean): number {
  const s = c.s;
  const hi = res[1]!;
  const lo = res[0]!;
  s[FPSCR] = fpscrArith(fpscr, fl, hi, lo, single);
  if (!fpSuppressed(fpscr, fl)) {
    s[t] = lo;
    s[t + 1] = hi;
  }
  if (rc) setCr1(c);
  if (fl !== 0 && fpEnabled(fpscr, fl) && c.fpExceptionsEnabled()) return c.fpEnabledException();
  return 0;
}

// ---- arithmetic (§4.6.6) ------------------------------------------------------------------------

type Op2 = (fpscr: number, ahi: number, alo: number, bhi: number, blo: number, single: boolean) => number;

/** Two-operand arithmetic: FRT ← op(FRA, FRB) (or FRA, FRC for fmul). */
function arith2(op: Op2, single: boolean, second: 'frb' | 'frc', negB = false) {
  return (f: Fields) => {
    const t = fpr(f.frt!);
    const a = fpr(f.fra!);
    const b = fpr(f[second]!);
    const rc = f.rc!;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const fl = negB
        ? fpAdd(fpscr, s[a + 1]!, s[a]!, s[b + 1]!, s[b]!, single, true)
        : op(fpscr, s[a + 1]!, s[a]!, s[b + 1]!, s[b]!, single);
      return commit(c, fpscr, fl, t, rc, single);
    };
  };
}

type Op1 = (fpscr: number, bhi: number, blo: number, single: boolean) => number;

/** One-operand arithmetic: FRT ← op(FRB). */
function arith1(op: Op1, single: boolean) {
  return (f: Fields) => {
    const t = fpr(f.frt!);
    const b = fpr(f.frb!);
    const rc = f.rc!;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      return commit(c, fpscr, op(fpscr, s[b + 1]!, s[b]!, single), t, rc, single);
    };
  };
}

/** Fused multiply-add family: FRT ← ±(FRA × FRC ± FRB), one rounding (§4.6.6.2). */
function madd(single: boolean, negB: boolean, negResult: boolean) {
  return (f: Fields) => {
    const t = fpr(f.frt!);
    const a = fpr(f.fra!);
    const b = fpr(f.frb!);
    const cc = fpr(f.frc!);
    const rc = f.rc!;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const fl = fpMulAdd(fpscr, s[a + 1]!, s[a]!, s[cc + 1]!, s[cc]!, s[b + 1]!, s[b]!, single, negB, negResult);
      return commit(c, fpscr, fl, t, rc, single);
    };
  };
}

/** fsel: FRT ← FRA ≥ 0 ? FRC : FRB (-0 counts as ≥ 0, a NaN does not); no FPSCR change (§4.6.6.3). */
function fsel(f: Fields) {
  const t = fpr(f.frt!);
  const a = fpr(f.fra!);
  const b = fpr(f.frb!);
  const cc = fpr(f.frc!);
  const rc = f.rc!;
  return (c: Cpu) => {
    if (fpOff(c)) return c.facilityUnavailable('fp');
    const s = c.s;
    const ahi = s[a + 1]!;
    const alo = s[a]!;
    const ge = !isNaNBits(ahi, alo) && (ahi >= 0 || isZeroBits(ahi, alo));
    const src = ge ? cc : b;
    s[t] = s[src]!;
    s[t + 1] = s[src + 1]!;
    if (rc) setCr1(c);
    return 0;
  };
}

// ---- moves (§4.6.5) -------------------------------------------------------------------------------

const SIGN = 0x80000000 | 0;

/** fmr/fneg/fabs/fnabs: copy FRB with its sign bit cleared (and), then flipped (xor). */
function move(and: number, xor: number) {
  return (f: Fields) => {
    const t = fpr(f.frt!);
    const b = fpr(f.frb!);
    const rc = f.rc!;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      const s = c.s;
      s[t] = s[b]!;
      s[t + 1] = (s[b + 1]! & and) ^ xor;
      if (rc) setCr1(c);
      return 0;
    };
  };
}

/** fcpsgn: FRT ← FRA[0] || FRB[1:63]. */
function fcpsgn(f: Fields) {
  const t = fpr(f.frt!);
  const a = fpr(f.fra!);
  const b = fpr(f.frb!);
  const rc = f.rc!;
  return (c: Cpu) => {
    if (fpOff(c)) return c.facilityUnavailable('fp');
    const s = c.s;
    s[t] = s[b]!;
    s[t + 1] = (s[b + 1]! & ~SIGN) | (s[a + 1]! & SIGN);
    if (rc) setCr1(c);
    return 0;
  };
}

/** fmrgew / fmrgow: FRT ← FRA word (even: 0, odd: 1) || FRB word (same). */
function fmrg(odd: boolean) {
  return (f: Fields) => {
    const t = fpr(f.frt!);
    const a = fpr(f.fra!) + (odd ? 0 : 1);
    const b = fpr(f.frb!) + (odd ? 0 : 1);
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      const s = c.s;
      const hi = s[a]!;
      const lo = s[b]!;
      s[t + 1] = hi;
      s[t] = lo;
      return 0;
    };
  };
}

// ---- rounding and conversion (§4.6.7) ---------------------------------------------------------------

/** fcti*: FRT ← integer conversion of FRB (FPRF undefined by the ISA: unchanged, or QNaN class when invalid). */
function fcti(kind: number, truncate: boolean) {
  return (f: Fields) => {
    const t = fpr(f.frt!);
    const b = fpr(f.frb!);
    const rc = f.rc!;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const bhi = s[b + 1]!;
      const blo = s[b]!;
      const fl = fpToInt(fpscr, bhi, blo, kind, truncate);
      let n = (fpscrRaise(fpscr, fl) & ~(FPSCR_FR | FPSCR_FI)) | (fl & (FPSCR_FR | FPSCR_FI));
      if (fpSuppressed(fpscr, fl)) n &= ~(FPSCR_FR | FPSCR_FI);
      else {
        if ((fl & FPSCR_VX_ALL) !== 0) n = (n & ~FPSCR_FPRF) | FPRF_QNAN;
        s[t] = res[0]!;
        s[t + 1] = res[1]!;
      }
      s[FPSCR] = n;
      if (rc) setCr1(c);
      if (fl !== 0 && fpEnabled(fpscr, fl) && c.fpExceptionsEnabled()) return c.fpEnabledException();
      return 0;
    };
  };
}

/** fcfid[u][s]: FRT ← FRB as a signed/unsigned 64-bit integer, rounded to double or single. */
function fcfid(signed: boolean, single: boolean) {
  return (f: Fields) => {
    const t = fpr(f.frt!);
    const b = fpr(f.frb!);
    const rc = f.rc!;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      return commit(c, fpscr, fpFromInt64(fpscr, s[b + 1]!, s[b]!, signed, single), t, rc, single);
    };
  };
}

/** frin/friz/frip/frim. */
function fri(mode: number) {
  return (f: Fields) => {
    const t = fpr(f.frt!);
    const b = fpr(f.frb!);
    const rc = f.rc!;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      return commit(c, fpscr, fpRoundToInt(s[b + 1]!, s[b]!, mode), t, rc, false);
    };
  };
}

/** frsp. */
function frsp(f: Fields) {
  const t = fpr(f.frt!);
  const b = fpr(f.frb!);
  const rc = f.rc!;
  return (c: Cpu) => {
    if (fpOff(c)) return c.facilityUnavailable('fp');
    const s = c.s;
    const fpscr = s[FPSCR]!;
    return commit(c, fpscr, fpRoundToSingle(fpscr, s[b + 1]!, s[b]!), t, rc, true);
  };
}

// ---- compare and test (§4.6.8) ------------------------------------------------------------------

/** fcmpu / fcmpo: CR field BF and FPSCR[FPCC] ← compare code; VXSNAN / VXVC as the ISA says. */
function fcmp(ordered: boolean) {
  return (f: Fields) => {
    const bf = f.bf!;
    const a = fpr(f.fra!);
    const b = fpr(f.frb!);
    const sh = 28 - 4 * bf;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const r = fpCompare(fpscr, s[a + 1]!, s[a]!, s[b + 1]!, s[b]!, ordered);
      const code = r & 0xf;
      const fl = r & ~0xf;
      s[FPSCR] = (fpscrRaise(fpscr, fl) & ~FPSCR_FPCC) | (code << 12);
      s[CR] = (s[CR]! & ~(0xf << sh)) | (code << sh);
      if (fl !== 0 && fpEnabled(fpscr, fl) && c.fpExceptionsEnabled()) return c.fpEnabledException();
      return 0;
    };
  };
}

/** Unbiased exponent field of a double (denormals and zero: -1023), as ftdiv/ftsqrt use it. */
function expOf(hi: number): number {
  return ((hi >>> 20) & 0x7ff) - 1023;
}

/**
 * ftdiv: CR[BF] ← 0b1 || fg || fe || 0b0 (§4.6.8): fe when FRA ÷ FRB may not be
 * computable by a software divide without special handling, fg when FRB is
 * zero, infinite or denormal, or FRA is infinite.
 */
function ftdiv(f: Fields) {
  const bf = f.bf!;
  const a = fpr(f.fra!);
  const b = fpr(f.frb!);
  const sh = 28 - 4 * bf;
  return (c: Cpu) => {
    if (fpOff(c)) return c.facilityUnavailable('fp');
    const s = c.s;
    const ahi = s[a + 1]!;
    const alo = s[a]!;
    const bhi = s[b + 1]!;
    const blo = s[b]!;
    let fe = false;
    let fg = false;
    if (isInfBits(ahi, alo) || isInfBits(bhi, blo) || isZeroBits(bhi, blo)) {
      fe = true;
      fg = true;
    } else {
      const ea = expOf(ahi);
      const eb = expOf(bhi);
      if (isNaNBits(ahi, alo) || isNaNBits(bhi, blo)) fe = true;
      else if (eb <= -1022 || eb >= 1021) fe = true;
      else if (!isZeroBits(ahi, alo) && (ea - eb >= 1023 || ea - eb <= -1021 || ea <= -970)) fe = true;
      if (((bhi >>> 20) & 0x7ff) === 0) fg = true;
    }
    const v = 8 | (fg ? 4 : 0) | (fe ? 2 : 0);
    s[CR] = (s[CR]! & ~(0xf << sh)) | (v << sh);
    return 0;
  };
}

/** ftsqrt: CR[BF] ← 0b1 || fg || fe || 0b0 for a software square root of FRB (§4.6.8). */
function ftsqrt(f: Fields) {
  const bf = f.bf!;
  const b = fpr(f.frb!);
  const sh = 28 - 4 * bf;
  return (c: Cpu) => {
    if (fpOff(c)) return c.facilityUnavailable('fp');
    const s = c.s;
    const bhi = s[b + 1]!;
    const blo = s[b]!;
    let fe = false;
    let fg = false;
    if (isInfBits(bhi, blo) || isZeroBits(bhi, blo)) {
      fe = true;
      fg = true;
    } else {
      if (isNaNBits(bhi, blo) || bhi < 0 || expOf(bhi) <= -970) fe = true;
      if (((bhi >>> 20) & 0x7ff) === 0) fg = true;
    }
    const v = 8 | (fg ? 4 : 0) | (fe ? 2 : 0);
    s[CR] = (s[CR]! & ~(0xf << sh)) | (v << sh);
    return 0;
  };
}

// ---- FPSCR instructions (§4.6.9) --------------------------------------------------------------------

/**
 * After a Move To FPSCR: recompute FEX/VX, set CR1 if Rc=1, and raise the
 * enabled-exception interrupt when an exception bit and its enable are now both
 * 1 (Book III-S §6.5.9 "including the case of a Move To FPSCR instruction").
 */
function afterMtfs(c: Cpu, n: number, rc: number): number {
  const s = c.s;
  n = fpscrSummary(n & ~FPSCR_RESERVED);
  s[FPSCR] = n;
  if (rc) setCr1(c);
  if ((n & FPSCR_FEX) !== 0 && c.fpExceptionsEnabled()) return c.fpEnabledException();
  return 0;
}

/** FPSCR_HI bits that exist (DRN). */
const DRN_MASK = 0x7;

/** mffs: FRT ← FPSCR (the high word holds DRN only). */
function mffs(f: Fields) {
  const t = fpr(f.frt!);
  const rc = f.rc!;
  return (c: Cpu) => {
    if (fpOff(c)) return c.facilityUnavailable('fp');
    const s = c.s;
    s[t] = s[FPSCR]!;
    s[t + 1] = s[FPSCR_HI]! & DRN_MASK;
    if (rc) setCr1(c);
    return 0;
  };
}

/** Exception bits per FPSCR field (bits 32:63), the ones mcrfs clears. */
const FIELD_EXC = [0x9, 0xf, 0xf, 0x8, 0x0, 0x7, 0x0, 0x0];

/** mcrfs: CR[BF] ← FPSCR field BFA; the exception bits of that field are cleared. */
function mcrfs(f: Fields) {
  const bf = f.bf!;
  const bfa = f.bfa!;
  const shA = 28 - 4 * bfa;
  const sh = 28 - 4 * bf;
  const clear = FIELD_EXC[bfa]! << shA;
  return (c: Cpu) => {
    if (fpOff(c)) return c.facilityUnavailable('fp');
    const s = c.s;
    const fpscr = s[FPSCR]!;
    s[CR] = (s[CR]! & ~(0xf << sh)) | (((fpscr >>> shA) & 0xf) << sh);
    s[FPSCR] = fpscrSummary(fpscr & ~clear);
    return 0;
  };
}

/** mtfsfi: FPSCR field BF (of the low word when W=0) ← U. FEX and VX are recomputed, not written. */
function mtfsfi(f: Fields) {
  const rc = f.rc!;
  const w = f.w!;
  const sh = 28 - 4 * f.bf!;
  const val = f.u! << sh;
  const mask = 0xf << sh;
  return (c: Cpu) => {
    if (fpOff(c)) return c.facilityUnavailable('fp');
    const s = c.s;
    // W=1 addresses FPSCR bits 0:31, where only DRN is defined.
    if (w) {
      s[FPSCR_HI] = ((s[FPSCR_HI]! & ~mask) | val) & DRN_MASK;
      return afterMtfs(c, s[FPSCR]!, rc);
    }
    return afterMtfs(c, (s[FPSCR]! & ~mask) | val, rc);
  };
}

/** mtfsf: FPSCR fields selected by FLM (L=0) or the whole FPSCR (L=1) ← FRB. */
function mtfsf(f: Fields) {
  const rc = f.rc!;
  const b = fpr(f.frb!);
  // Field masks for the low word (W=0) and the high word (W=1); L=1 writes everything.
  let mask = 0;
  let hiMask = 0;
  if (f.l) {
    mask = -1;
    hiMask = -1;
  } else {
    let m = 0;
    for (let i = 0; i < 8; i++) if (f.flm! & (0x80 >> i)) m |= 0xf << (28 - 4 * i);
    if (f.w) hiMask = m;
    else mask = m;
  }
  return (c: Cpu) => {
    if (fpOff(c)) return c.facilityUnavailable('fp');
    const s = c.s;
    if (hiMask) s[FPSCR_HI] = ((s[FPSCR_HI]! & ~hiMask) | (s[b + 1]! & hiMask)) & DRN_MASK;
    return afterMtfs(c, (s[FPSCR]! & ~mask) | (s[b]! & mask), rc);
  };
}

/** mtfsb0 / mtfsb1: FPSCR bit BT+32 ← 0/1; FEX and VX (BT = 1, 2) cannot be set or reset explicitly. */
function mtfsb(one: boolean) {
  return (f: Fields) => {
    const rc = f.rc!;
    const bt = f.bt!;
    const bit = bt === 1 || bt === 2 ? 0 : (1 << (31 - bt)) | 0;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      const s = c.s;
      const old = s[FPSCR]!;
      let n = one ? old | bit : old & ~bit;
      // mtfsb1 is not exempt from the rule that an exception bit going 0 -> 1 sets FX (§4.2.2).
      if (one && (bit & FPSCR_EXC & ~old) !== 0) n |= FPSCR_FX;
      return afterMtfs(c, n, rc);
    };
  };
}

// ---- loads and stores (§4.6.2, §4.6.3) ----------------------------------------------------------------

type Kind = 's' | 'd' | 'iwa' | 'iwz';

/** Effective-address operands of a D-form or X-form access; update forms need RA != 0. */
function addr(f: Fields, update: boolean, x: boolean) {
  return {
    a: update ? f.ra! * 2 : ra0(f.ra!),
    b: (f.rb ?? 0) * 2,
    d: f.d ?? 0,
    x,
    invalid: update && f.ra === 0,
  };
}

function fload(kind: Kind, update: boolean, x: boolean) {
  return (f: Fields) => {
    const t = fpr(f.frt!);
    const { a, b, d, invalid } = addr(f, update, x);
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      if (invalid) return c.illegalInstruction();
      const s = c.s;
      const lo = x ? eaX(c, a, b) : eaD(c, a, d);
      const hi = c.eah;
      if (kind === 'd') {
        const vlo = c.read64(hi, lo);
        s[t] = vlo;
        s[t + 1] = c.rhi;
      } else {
        const w = c.read32(hi, lo);
        if (kind === 's') {
          singleToDouble(w);
          s[t] = res[0]!;
          s[t + 1] = res[1]!;
        } else {
          s[t] = w;
          s[t + 1] = kind === 'iwa' ? w >> 31 : 0;
        }
      }
      if (update) {
        s[a] = lo;
        s[a + 1] = hi;
      }
      return 0;
    };
  };
}

function fstore(kind: 's' | 'd' | 'iw', update: boolean, x: boolean) {
  return (f: Fields) => {
    const src = fpr(f.frs!);
    const { a, b, d, invalid } = addr(f, update, x);
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      if (invalid) return c.illegalInstruction();
      const s = c.s;
      const lo = x ? eaX(c, a, b) : eaD(c, a, d);
      const hi = c.eah;
      if (kind === 'd') c.write64(hi, lo, s[src]!, s[src + 1]!);
      else if (kind === 's') c.write32(hi, lo, doubleToSingle(s[src + 1]!, s[src]!));
      else c.write32(hi, lo, s[src]!);
      if (update) {
        s[a] = lo;
        s[a + 1] = hi;
      }
      return 0;
    };
  };
}

/**
 * lfdp / lfdpx: FRTp ← MEM(EA, 16) (§4.6.2); FRTp must be even. The 16 bytes are
 * one quantity, so in little-endian mode the doubleword at EA lands in FRTp+1.
 */
function lfdp(x: boolean) {
  return (f: Fields) => {
    const t = fpr(f.frt!);
    const t2 = fpr(f.frt! + 1);
    const a = ra0(f.ra!);
    const b = (f.rb ?? 0) * 2;
    const d = f.ds ?? 0;
    const invalid = (f.frt! & 1) !== 0;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      if (invalid) return c.illegalInstruction();
      const s = c.s;
      const lo = x ? eaX(c, a, b) : eaD(c, a, d);
      const hi = c.eah;
      const [h8, l8] = addEaN(hi, lo, 8, c.sf);
      const a0 = c.read64(hi, lo);
      const a1 = c.rhi;
      const b0 = c.read64(h8, l8);
      const b1 = c.rhi;
      const [first, second] = c.le ? [t2, t] : [t, t2];
      s[first] = a0;
      s[first + 1] = a1;
      s[second] = b0;
      s[second + 1] = b1;
      return 0;
    };
  };
}

/** stfdp / stfdpx: MEM(EA, 16) ← FRSp (FRSp even); both pages are checked before the first write. */
function stfdp(x: boolean) {
  return (f: Fields) => {
    const sr = fpr(f.frs!);
    const sr2 = fpr(f.frs! + 1);
    const a = ra0(f.ra!);
    const b = (f.rb ?? 0) * 2;
    const d = f.ds ?? 0;
    const invalid = (f.frs! & 1) !== 0;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      if (invalid) return c.illegalInstruction();
      const s = c.s;
      const lo = x ? eaX(c, a, b) : eaD(c, a, d);
      const hi = c.eah;
      const [h8, l8] = addEaN(hi, lo, 8, c.sf);
      const [h15, l15] = addEaN(hi, lo, 15, c.sf);
      c.probe(h15, l15, 1 /* Access.Store */);
      const [first, second] = c.le ? [sr2, sr] : [sr, sr2];
      c.write64(hi, lo, s[first]!, s[first + 1]!);
      c.write64(h8, l8, s[second]!, s[second + 1]!);
      return 0;
    };
  };
}

// ---- the table --------------------------------------------------------------------------------------

const FP_CH = 'fp';
const NO_FRA: [number, number, number] = [11, 5, 0];
const NO_FRB: [number, number, number] = [16, 5, 0];
const NO_FRC: [number, number, number] = [21, 5, 0];

/** A-form arithmetic entries for both the double (63) and single (59) opcodes. */
function aForm(): Def[] {
  const out: Def[] = [];
  for (const [op, single, sfx] of [
    [63, false, ''],
    [59, true, 's'],
  ] as const) {
    const A = (m: string, xo: number, ops: string, exec: Def['exec'], fix: [number, number, number][] = []): Def => ({
      m: m + sfx,
      form: 'A',
      op,
      xo,
      ops,
      rc: 'opt',
      fix,
      exec,
      chapter: FP_CH,
    });
    out.push(
      A('fdiv', 18, 'FRT,FRA,FRB', arith2(fpDiv, single, 'frb'), [NO_FRC]),
      A('fsub', 20, 'FRT,FRA,FRB', arith2(fpAdd, single, 'frb', true), [NO_FRC]),
      A('fadd', 21, 'FRT,FRA,FRB', arith2(fpAdd, single, 'frb'), [NO_FRC]),
      A('fsqrt', 22, 'FRT,FRB', arith1(fpSqrt, single), [NO_FRA, NO_FRC]),
      A('fre', 24, 'FRT,FRB', arith1(fpRecipEstimate, single), [NO_FRA, NO_FRC]),
      A('fmul', 25, 'FRT,FRA,FRC', arith2(fpMul, single, 'frc'), [NO_FRB]),
      A('frsqrte', 26, 'FRT,FRB', arith1(fpRsqrtEstimate, single), [NO_FRA, NO_FRC]),
      A('fmsub', 28, 'FRT,FRA,FRC,FRB', madd(single, true, false)),
      A('fmadd', 29, 'FRT,FRA,FRC,FRB', madd(single, false, false)),
      A('fnmsub', 30, 'FRT,FRA,FRC,FRB', madd(single, true, true)),
      A('fnmadd', 31, 'FRT,FRA,FRC,FRB', madd(single, false, true)),
    );
  }
  out.push({ m: 'fsel', form: 'A', op: 63, xo: 23, ops: 'FRT,FRA,FRC,FRB', rc: 'opt', exec: fsel, chapter: FP_CH });
  return out;
}

/** X-form entry of opcode 63 (or 59) with an Rc bit. */
function X63(
  m: string,
  xo: number,
  ops: string,
  exec: Def['exec'],
  fix: [number, number, number][] = [],
  op = 63,
): Def {
  return { m, form: 'X', op, xo, ops, rc: 'opt', fix, exec, chapter: FP_CH };
}

/** X-form entry without an Rc bit (bit 31 reserved, must be 0). */
function X63n(m: string, xo: number, ops: string, exec: Def['exec'], fix: [number, number, number][] = []): Def {
  return { m, form: 'X', op: 63, xo, ops, fix, exec, chapter: FP_CH };
}

function DF(m: string, op: number, ops: string, exec: Def['exec']): Def {
  return { m, form: 'D', op, ops, exec, chapter: FP_CH };
}

function X31(m: string, xo: number, ops: string, exec: Def['exec']): Def {
  return { m, form: 'X', op: 31, xo, ops, exec, chapter: FP_CH };
}

export const FP: Def[] = [
  // Loads and stores (§4.6.2, §4.6.3).
  DF('lfs', 48, 'FRT,D(RA0)', fload('s', false, false)),
  DF('lfsu', 49, 'FRT,D(RA)', fload('s', true, false)),
  DF('lfd', 50, 'FRT,D(RA0)', fload('d', false, false)),
  DF('lfdu', 51, 'FRT,D(RA)', fload('d', true, false)),
  DF('stfs', 52, 'FRS,D(RA0)', fstore('s', false, false)),
  DF('stfsu', 53, 'FRS,D(RA)', fstore('s', true, false)),
  DF('stfd', 54, 'FRS,D(RA0)', fstore('d', false, false)),
  DF('stfdu', 55, 'FRS,D(RA)', fstore('d', true, false)),
  X31('lfsx', 535, 'FRT,RA0,RB', fload('s', false, true)),
  X31('lfsux', 567, 'FRT,RA,RB', fload('s', true, true)),
  X31('lfdx', 599, 'FRT,RA0,RB', fload('d', false, true)),
  X31('lfdux', 631, 'FRT,RA,RB', fload('d', true, true)),
  X31('lfiwax', 855, 'FRT,RA0,RB', fload('iwa', false, true)),
  X31('lfiwzx', 887, 'FRT,RA0,RB', fload('iwz', false, true)),
  X31('stfsx', 663, 'FRS,RA0,RB', fstore('s', false, true)),
  X31('stfsux', 695, 'FRS,RA,RB', fstore('s', true, true)),
  X31('stfdx', 727, 'FRS,RA0,RB', fstore('d', false, true)),
  X31('stfdux', 759, 'FRS,RA,RB', fstore('d', true, true)),
  X31('stfiwx', 983, 'FRS,RA0,RB', fstore('iw', false, true)),
  { m: 'lfdp', form: 'DS', op: 57, xo: 0, ops: 'FRT,DS(RA0)', exec: lfdp(false), chapter: FP_CH },
  { m: 'stfdp', form: 'DS', op: 61, xo: 0, ops: 'FRS,DS(RA0)', exec: stfdp(false), chapter: FP_CH },
  X31('lfdpx', 791, 'FRT,RA0,RB', lfdp(true)),
  X31('stfdpx', 919, 'FRS,RA0,RB', stfdp(true)),
  // Moves (§4.6.5).
  X63('fmr', 72, 'FRT,FRB', move(-1, 0), [NO_FRA]),
  X63('fneg', 40, 'FRT,FRB', move(-1, SIGN), [NO_FRA]),
  X63('fabs', 264, 'FRT,FRB', move(~SIGN, 0), [NO_FRA]),
  X63('fnabs', 136, 'FRT,FRB', move(~SIGN, SIGN), [NO_FRA]),
  X63('fcpsgn', 8, 'FRT,FRA,FRB', fcpsgn),
  { ...X63n('fmrgew', 966, 'FRT,FRA,FRB', fmrg(false)), models: P8 | P9 },
  { ...X63n('fmrgow', 838, 'FRT,FRA,FRB', fmrg(true)), models: P8 | P9 },
  // Arithmetic and multiply-add (§4.6.6).
  ...aForm(),
  // Rounding and conversion (§4.6.7).
  X63('frsp', 12, 'FRT,FRB', frsp, [NO_FRA]),
  X63('fctiw', 14, 'FRT,FRB', fcti(CVT_S32, false), [NO_FRA]),
  X63('fctiwz', 15, 'FRT,FRB', fcti(CVT_S32, true), [NO_FRA]),
  X63('fctiwu', 142, 'FRT,FRB', fcti(CVT_U32, false), [NO_FRA]),
  X63('fctiwuz', 143, 'FRT,FRB', fcti(CVT_U32, true), [NO_FRA]),
  X63('fctid', 814, 'FRT,FRB', fcti(CVT_S64, false), [NO_FRA]),
  X63('fctidz', 815, 'FRT,FRB', fcti(CVT_S64, true), [NO_FRA]),
  X63('fctidu', 942, 'FRT,FRB', fcti(CVT_U64, false), [NO_FRA]),
  X63('fctiduz', 943, 'FRT,FRB', fcti(CVT_U64, true), [NO_FRA]),
  X63('fcfid', 846, 'FRT,FRB', fcfid(true, false), [NO_FRA]),
  X63('fcfidu', 974, 'FRT,FRB', fcfid(false, false), [NO_FRA]),
  X63('fcfids', 846, 'FRT,FRB', fcfid(true, true), [NO_FRA], 59),
  X63('fcfidus', 974, 'FRT,FRB', fcfid(false, true), [NO_FRA], 59),
  X63('frin', 392, 'FRT,FRB', fri(0), [NO_FRA]),
  X63('friz', 424, 'FRT,FRB', fri(1), [NO_FRA]),
  X63('frip', 456, 'FRT,FRB', fri(2), [NO_FRA]),
  X63('frim', 488, 'FRT,FRB', fri(3), [NO_FRA]),
  // Compare and test (§4.6.8).
  X63n('fcmpu', 0, 'BF,FRA,FRB', fcmp(false), [[9, 2, 0]]),
  X63n('fcmpo', 32, 'BF,FRA,FRB', fcmp(true), [[9, 2, 0]]),
  X63n('ftdiv', 128, 'BF,FRA,FRB', ftdiv, [[9, 2, 0]]),
  X63n('ftsqrt', 160, 'BF,FRB', ftsqrt, [[9, 2, 0], NO_FRA]),
  // FPSCR (§4.6.9).
  X63('mffs', 583, 'FRT', mffs, [[11, 10, 0]]),
  X63n('mcrfs', 64, 'BF,BFA', mcrfs, [
    [9, 2, 0],
    [14, 7, 0],
  ]),
  X63('mtfsfi', 134, 'BF,U,W', mtfsfi, [
    [9, 6, 0],
    [20, 1, 0],
  ]),
  { m: 'mtfsf', form: 'XFL', op: 63, xo: 711, ops: 'FLM,FRB,L6,W', rc: 'opt', exec: mtfsf, chapter: FP_CH },
  X63('mtfsb0', 70, 'BT', mtfsb(false), [[11, 10, 0]]),
  X63('mtfsb1', 38, 'BT', mtfsb(true), [[11, 10, 0]]),
];
