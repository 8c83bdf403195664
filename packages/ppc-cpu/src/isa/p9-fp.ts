/**
 * Floating-point additions of Power ISA 3.0 (POWER9): the quad-precision VSX instructions
 * (Book I §7.6.1, primary opcode 63 on VR operands: VSR 32-63) and the mffs variants that read
 * the FPSCR while changing its control bits (§4.6.10: mffsce, mffscdrn[i], mffscrn[i], mffsl).
 *
 * Quad-precision arithmetic is exact BigInt work in p9-bfp.ts. Every scalar result follows
 * the FPSCR rules of the ISA 3.0 pseudocode (e.g. xsaddqp): exception bits are sticky with
 * FX/VX/FEX maintained; an enabled Invalid Operation or Zero Divide leaves VRT and FPRF
 * unchanged and clears FR/FI; otherwise FPRF classifies the result and FR/FI report the
 * rounding. The "o" forms (RO=1) round to odd instead of using FPSCR[RN].
 */
import type { Cpu } from '../cpu.js';
import { FPSCR, FPSCR_HI, MSR, MSR_LO_FP, VSR_I32 } from '../state.js';
import { type Fields, type InsnDef, P9 } from '../table.js';
import {
  FPSCR_FI,
  FPSCR_FPCC,
  FPSCR_FPRF,
  FPSCR_FR,
  FPSCR_VE,
  FPSCR_VXCVI,
  FPSCR_VXSNAN,
  FPSCR_VXVC,
  FPSCR_XX,
  fpEnabled,
  fpSuppressed,
  fpscrRaise,
  fpscrSummary,
} from './fpu.js';
import {
  BFP64,
  BFP128,
  type BfpFormat,
  bfpAdd,
  bfpCompare,
  bfpConvert,
  bfpDiv,
  bfpMul,
  bfpMulAdd,
  bfpRoundInt,
  bfpSqrt,
  C_FINITE,
  C_SNAN,
  C_ZERO,
  dataClassMatch,
  fprfBfp,
  isNaNCls,
  out128,
  RM_MINF,
  RM_NEAR_AWAY,
  RM_NEAREST,
  RM_ODD,
  RM_PINF,
  RM_ZERO,
  roundPack,
  unpack,
} from './p9-bfp.js';
import { setCrField } from './util.js';
import { vsrBase, vsxOff } from './vsx-common.js';

type Def = InsnDef<Cpu>;

/** Int32 index of VR n (VSR 32+n). */
const vr = (n: number) => vsrBase(32 + n);

const M32 = 0xffffffffn;

function get128(s: Int32Array, v: number): bigint {
  return (
    (BigInt(s[v + 3]! >>> 0) << 96n) |
    (BigInt(s[v + 2]! >>> 0) << 64n) |
    (BigInt(s[v + 1]! >>> 0) << 32n) |
    BigInt(s[v]! >>> 0)
  );
}

function set128(s: Int32Array, v: number, x: bigint): void {
  s[v] = Number(x & M32) | 0;
  s[v + 1] = Number((x >> 32n) & M32) | 0;
  s[v + 2] = Number((x >> 64n) & M32) | 0;
  s[v + 3] = Number((x >> 96n) & M32) | 0;
}

/** Doubleword 0 of VR v as a BigInt. */
function dw0(s: Int32Array, v: number): bigint {
  return (BigInt(s[v + 3]! >>> 0) << 32n) | BigInt(s[v + 2]! >>> 0);
}

/** Put a 64-bit value into doubleword 0 and zero doubleword 1. */
function setDw0(s: Int32Array, v: number, x: bigint): void {
  s[v + 3] = Number((x >> 32n) & M32) | 0;
  s[v + 2] = Number(x & M32) | 0;
  s[v + 1] = 0;
  s[v] = 0;
}

/**
 * Finish a scalar instruction with result `bits`: FPSCR update (FPRF from `fmt` unless null),
 * target write unless suppressed by an enabled invalid / zero-divide exception, then the
 * enabled-exception interrupt. `dword`: the result is a doubleword (dw1 ← 0).
 */
function done(
  c: Cpu,
  t: number,
  fpscr: number,
  flags: number,
  bits: bigint,
  fmt: BfpFormat | null,
  dword = false,
): number {
  const s = c.s;
  const suppressed = fpSuppressed(fpscr, flags);
  let n = fpscrRaise(fpscr, flags) & ~(FPSCR_FR | FPSCR_FI);
  if (!suppressed) {
    n |= flags & (FPSCR_FR | FPSCR_FI);
    if (fmt) n = (n & ~FPSCR_FPRF) | fprfBfp(fmt, bits);
    if (dword) setDw0(s, t, bits);
    else set128(s, t, bits);
  }
  s[FPSCR] = n;
  if (fpEnabled(fpscr, flags) && c.fpExceptionsEnabled()) return c.fpEnabledException();
  return 0;
}

/** Rounding mode of an arithmetic instruction: round to odd when RO=1, else FPSCR[RN]. */
const mode = (fpscr: number, ro: boolean) => (ro ? RM_ODD : fpscr & 3);

// ---- arithmetic ------------------------------------------------------------------------------------

type Bin = (a: bigint, b: bigint, m: number, fpscr: number) => number;

const ADD: Bin = (a, b, m, f) => bfpAdd(BFP128, a, b, false, m, f);
const SUB: Bin = (a, b, m, f) => bfpAdd(BFP128, a, b, true, m, f);
const MUL: Bin = (a, b, m, f) => bfpMul(BFP128, a, b, m, f);
const DIV: Bin = (a, b, m, f) => bfpDiv(BFP128, a, b, m, f);

/** xsaddqp[o], xssubqp[o], xsmulqp[o], xsdivqp[o] VRT,VRA,VRB. */
function qpBin(op: Bin, ro: boolean) {
  return (f: Fields) => {
    const t = vr(f.vrt!);
    const a = vr(f.vra!);
    const b = vr(f.vrb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const fl = op(get128(s, a), get128(s, b), mode(fpscr, ro), fpscr);
      return done(c, t, fpscr, fl, out128.bits, BFP128);
    };
  };
}

/** xssqrtqp[o] VRT,VRB. */
function qpSqrt(ro: boolean) {
  return (f: Fields) => {
    const t = vr(f.vrt!);
    const b = vr(f.vrb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const fl = bfpSqrt(BFP128, get128(s, b), mode(fpscr, ro), fpscr);
      return done(c, t, fpscr, fl, out128.bits, BFP128);
    };
  };
}

/**
 * xsmaddqp / xsmsubqp / xsnmaddqp / xsnmsubqp[o] VRT,VRA,VRB: VRT ← ±((VRA × VRB) ± VRT).
 * NaN precedence VRA, VRT, VRB.
 */
function qpFma(negB: boolean, negResult: boolean, ro: boolean) {
  return (f: Fields) => {
    const t = vr(f.vrt!);
    const a = vr(f.vra!);
    const b = vr(f.vrb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const fl = bfpMulAdd(BFP128, get128(s, a), get128(s, b), get128(s, t), negB, negResult, mode(fpscr, ro), fpscr);
      return done(c, t, fpscr, fl, out128.bits, BFP128);
    };
  };
}

// ---- compares ------------------------------------------------------------------------------------

/**
 * xscmpuqp / xscmpoqp BF,VRA,VRB: CR field BF and FPCC ← LT/GT/EQ/UN. VXSNAN for an SNaN;
 * the ordered compare also VXVC for a QNaN, or for an SNaN when VE=0.
 */
function qpCmp(ordered: boolean) {
  return (f: Fields) => {
    const bf = f.bf!;
    const a = vr(f.vra!);
    const b = vr(f.vrb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const x = get128(s, a);
      const y = get128(s, b);
      const cc = bfpCompare(BFP128, x, y);
      let fl = 0;
      if (cc === 1) {
        const ua = unpack(BFP128, x).cls;
        const ub = unpack(BFP128, y).cls;
        const snan = ua === C_SNAN || ub === C_SNAN;
        if (snan) fl |= FPSCR_VXSNAN;
        if (ordered && (!snan || (fpscr & FPSCR_VE) === 0)) fl |= FPSCR_VXVC;
      }
      s[FPSCR] = (fpscrRaise(fpscr, fl) & ~FPSCR_FPCC) | (cc << 12);
      setCrField(c, bf, cc);
      if (fpEnabled(fpscr, fl) && c.fpExceptionsEnabled()) return c.fpEnabledException();
      return 0;
    };
  };
}

/** xscmpexpqp BF,VRA,VRB: compare the exponent fields; unordered when either is a NaN. */
function xscmpexpqp(f: Fields) {
  const bf = f.bf!;
  const a = vr(f.vra!);
  const b = vr(f.vrb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const x = get128(s, a);
    const y = get128(s, b);
    let cc: number;
    if (isNaNCls(unpack(BFP128, x).cls) || isNaNCls(unpack(BFP128, y).cls)) cc = 1;
    else {
      const ea = (s[a + 3]! >>> 16) & 0x7fff;
      const eb = (s[b + 3]! >>> 16) & 0x7fff;
      cc = ea < eb ? 8 : ea > eb ? 4 : 2;
    }
    s[FPSCR] = (s[FPSCR]! & ~FPSCR_FPCC) | (cc << 12);
    setCrField(c, bf, cc);
    return 0;
  };
}

/** xststdcqp BF,VRB,DCMX: CR field BF and FPCC ← sign || 0 || match || 0. */
function xststdcqp(f: Fields) {
  const bf = f.bf!;
  const b = vr(f.vrb!);
  const dcmx = f.dcmx!;
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const x = get128(s, b);
    const cc = (s[b + 3]! < 0 ? 8 : 0) | (dataClassMatch(BFP128, x, dcmx) ? 2 : 0);
    s[FPSCR] = (s[FPSCR]! & ~FPSCR_FPCC) | (cc << 12);
    setCrField(c, bf, cc);
    return 0;
  };
}

// ---- sign, exponent and significand (no FPSCR) -----------------------------------------------------

/** xsabsqp / xsnabsqp / xsnegqp VRT,VRB and xscpsgnqp VRT,VRA,VRB: sign-bit operations. */
function qpSign(op: 'abs' | 'nabs' | 'neg' | 'cpsgn') {
  return (f: Fields) => {
    const t = vr(f.vrt!);
    const b = vr(f.vrb!);
    const a = op === 'cpsgn' ? vr(f.vra!) : 0;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const hi = s[b + 3]!;
      let h: number;
      if (op === 'abs') h = hi & 0x7fffffff;
      else if (op === 'nabs') h = hi | (0x80000000 | 0);
      else if (op === 'neg') h = hi ^ (0x80000000 | 0);
      else h = (hi & 0x7fffffff) | (s[a + 3]! & (0x80000000 | 0));
      s[t] = s[b]!;
      s[t + 1] = s[b + 1]!;
      s[t + 2] = s[b + 2]!;
      s[t + 3] = h;
      return 0;
    };
  };
}

/** xsiexpqp VRT,VRA,VRB: sign and fraction of VRA, exponent from VRB doubleword 0 bits 49:63. */
function xsiexpqp(f: Fields) {
  const t = vr(f.vrt!);
  const a = vr(f.vra!);
  const b = vr(f.vrb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const hi = (s[a + 3]! & (0x8000ffff | 0)) | ((s[b + 2]! & 0x7fff) << 16);
    s[t] = s[a]!;
    s[t + 1] = s[a + 1]!;
    s[t + 2] = s[a + 2]!;
    s[t + 3] = hi;
    return 0;
  };
}

/** xsxexpqp / xsxsigqp VRT,VRB: the biased exponent (doubleword 0), or the 113-bit significand. */
function xsxqp(sig: boolean) {
  return (f: Fields) => {
    const t = vr(f.vrt!);
    const b = vr(f.vrb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const hi = s[b + 3]!;
      const exp = (hi >>> 16) & 0x7fff;
      if (sig) {
        const implicit = exp !== 0 && exp !== 0x7fff ? 0x10000 : 0;
        s[t] = s[b]!;
        s[t + 1] = s[b + 1]!;
        s[t + 2] = s[b + 2]!;
        s[t + 3] = (hi & 0xffff) | implicit;
      } else {
        s[t] = 0;
        s[t + 1] = 0;
        s[t + 2] = exp;
        s[t + 3] = 0;
      }
      return 0;
    };
  };
}

// ---- conversions -----------------------------------------------------------------------------------

/** xscvqpdp[o] VRT,VRB: quad to double (FPSCR[RN] or round to odd); doubleword 1 ← 0, FPRF of the double. */
function xscvqpdp(ro: boolean) {
  return (f: Fields) => {
    const t = vr(f.vrt!);
    const b = vr(f.vrb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const fl = bfpConvert(BFP128, BFP64, get128(s, b), mode(fpscr, ro), fpscr);
      return done(c, t, fpscr, fl, out128.bits, BFP64, true);
    };
  };
}

/** xscvdpqp VRT,VRB: doubleword 0 (double) to quad, exactly. */
function xscvdpqp(f: Fields) {
  const t = vr(f.vrt!);
  const b = vr(f.vrb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const fpscr = s[FPSCR]!;
    const fl = bfpConvert(BFP64, BFP128, dw0(s, b), RM_NEAREST, fpscr);
    return done(c, t, fpscr, fl, out128.bits, BFP128);
  };
}

/** xscvsdqp / xscvudqp VRT,VRB: the 64-bit integer in doubleword 0 to quad (always exact). */
function xscvdqp(signed: boolean) {
  return (f: Fields) => {
    const t = vr(f.vrt!);
    const b = vr(f.vrb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      let v = dw0(s, b);
      if (signed) v = BigInt.asIntN(64, v);
      const fl = roundPack(BFP128, v < 0n ? 1 : 0, v < 0n ? -v : v, 0, false, RM_NEAREST, fpscr);
      return done(c, t, fpscr, fl, out128.bits, BFP128);
    };
  };
}

/**
 * xscvqpsdz / xscvqpswz / xscvqpudz / xscvqpuwz VRT,VRB: truncate to a 64- or 32-bit integer
 * in doubleword 0 (the 32-bit results sign- or zero-extended). NaN and out-of-range operands
 * give VXCVI (plus VXSNAN) and the saturated value (NaN: the most negative value, 0 unsigned);
 * an inexact in-range result sets XX and FI. FR ← 0; FPRF is not changed.
 */
function xscvqpint(bits: 32 | 64, signed: boolean) {
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  return (f: Fields) => {
    const t = vr(f.vrt!);
    const b = vr(f.vrb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const u = unpack(BFP128, get128(s, b));
      let fl = 0;
      let r: bigint;
      if (isNaNCls(u.cls)) {
        fl = FPSCR_VXCVI | (u.cls === C_SNAN ? FPSCR_VXSNAN : 0);
        r = min;
      } else if (u.cls === C_ZERO) r = 0n;
      else if (u.cls !== C_FINITE) {
        fl = FPSCR_VXCVI;
        r = u.sign ? min : max;
      } else {
        // Truncate m × 2^e toward zero.
        let q = u.e >= 0 ? u.m << BigInt(u.e) : u.m >> BigInt(-u.e);
        const inexact = u.e < 0 && q << BigInt(-u.e) !== u.m;
        if (u.sign) q = -q;
        if (q > max || q < min) {
          fl = FPSCR_VXCVI;
          r = q > max ? max : min;
        } else {
          r = q;
          if (inexact) fl = FPSCR_XX | FPSCR_FI;
        }
      }
      const n = fpscrRaise(fpscr, fl) & ~(FPSCR_FR | FPSCR_FI);
      s[FPSCR] = n | (fl & FPSCR_FI);
      if (!fpSuppressed(fpscr, fl)) setDw0(s, t, BigInt.asUintN(64, r));
      if (fpEnabled(fpscr, fl) && c.fpExceptionsEnabled()) return c.fpEnabledException();
      return 0;
    };
  };
}

// ---- rounding to integer / extended precision ----------------------------------------------------

/**
 * Rounding mode of xsrqpi[x] / xsrqpxp from R and RMC (v3.0B Table "Rounding Mode Control"):
 * R=0: 00 nearest-away, 11 FPSCR[RN], 01 and 10 reserved (round to nearest even here, as on
 * QEMU); R=1: the four IEEE modes in FPSCR[RN] order.
 */
function rmcMode(r: number, rmc: number, fpscr: number): number {
  if (r) return [RM_NEAREST, RM_ZERO, RM_PINF, RM_MINF][rmc]!;
  return rmc === 0 ? RM_NEAR_AWAY : rmc === 3 ? fpscr & 3 : RM_NEAREST;
}

/**
 * xsrqpi / xsrqpix R,VRT,VRB,RMC: round to an integral quad value. Only the x form reports
 * an inexact result (XX, FI); FR ← 0; FPRF is set.
 */
function xsrqpi(ex: boolean) {
  return (f: Fields) => {
    const t = vr(f.vrt!);
    const b = vr(f.vrb!);
    const r = f.r!;
    const rmc = f.rmc!;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      let fl = bfpRoundInt(BFP128, get128(s, b), rmcMode(r, rmc, fpscr));
      if (!ex) fl &= ~(FPSCR_XX | FPSCR_FI);
      return done(c, t, fpscr, fl & ~FPSCR_FR, out128.bits, BFP128);
    };
  };
}

/** Extended precision (64-bit significand) with the quad exponent range, for xsrqpxp. */
const BFP80: BfpFormat = { ebits: 15, fbits: 63, adjust: 0 };

/**
 * xsrqpxp R,VRT,VRB,RMC: round to 64 significand bits (x87 extended precision), result in
 * quad format. OX/UX/XX/FR/FI as for any rounding; the OE/UE exponent adjustment is not
 * applied (the result must stay a quad value of extended precision).
 */
function xsrqpxp(f: Fields) {
  const t = vr(f.vrt!);
  const b = vr(f.vrb!);
  const r = f.r!;
  const rmc = f.rmc!;
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const fpscr = s[FPSCR]!;
    const src = get128(s, b);
    const u = unpack(BFP128, src);
    let fl: number;
    if (u.cls !== C_FINITE) fl = bfpConvert(BFP128, BFP128, src, RM_NEAREST, fpscr);
    else {
      fl = roundPack(BFP80, u.sign, u.m, u.e, false, rmcMode(r, rmc, fpscr), fpscr);
      // Widen the extended result exactly (its values are quad values).
      bfpConvert(BFP80, BFP128, out128.bits, RM_NEAREST, fpscr);
    }
    return done(c, t, fpscr, fl, out128.bits, BFP128);
  };
}

// ---- mffs variants (§4.6.10) -------------------------------------------------------------------------

/** Int32 index of the low word of FPR i. */
const fpr = (i: number) => VSR_I32 + 4 * i + 2;

/** FPSCR control bits returned by mffsce/mffscdrn/mffscrn: DRN (high word) and VE..RN (bits 56:63). */
const CTRL_LO = 0xff;
/** mffsl also returns FR, FI and FPRF (bits 45:51). */
const LIGHT_LO = 0x0007f0ff;
const DRN_MASK = 7;
/** FPSCR enables VE OE UE ZE XE. */
const ENABLES = 0xf8;

type FpscrOp = 'ce' | 'cdrn' | 'cdrni' | 'crn' | 'crni' | 'l';

function fpOff(c: Cpu): boolean {
  return (c.s[MSR]! & MSR_LO_FP) === 0;
}

/**
 * mffsce FRT: FRT ← FPSCR, then the exception enables are cleared. mffscdrn[i] / mffscrn[i]:
 * FRT ← FPSCR's DRN and VE..RN fields, then DRN (RN) ← FRB[29:31] ([62:63]) or the
 * immediate. mffsl FRT: FRT ← DRN, FR, FI, FPRF, enables, NI and RN ("light-weight" mffs).
 */
function mffsx(op: FpscrOp) {
  return (f: Fields) => {
    const t = fpr(f.frt!);
    const b = op === 'cdrn' || op === 'crn' ? fpr(f.frb!) : 0;
    const imm = op === 'cdrni' ? f.drm! : op === 'crni' ? f.rm! : 0;
    return (c: Cpu) => {
      if (fpOff(c)) return c.facilityUnavailable('fp');
      const s = c.s;
      const lo = s[FPSCR]!;
      const hi = s[FPSCR_HI]! & DRN_MASK;
      // Read the source before FRT is written (FRB may be FRT).
      const blo = b ? s[b]! : 0;
      const bhi = b ? s[b + 1]! : 0;
      if (op === 'ce') {
        s[t] = lo;
        s[t + 1] = hi;
        s[FPSCR] = fpscrSummary(lo & ~ENABLES);
        return 0;
      }
      s[t] = lo & (op === 'l' ? LIGHT_LO : CTRL_LO);
      s[t + 1] = hi;
      if (op === 'cdrn') s[FPSCR_HI] = (s[FPSCR_HI]! & ~DRN_MASK) | (bhi & DRN_MASK);
      else if (op === 'cdrni') s[FPSCR_HI] = (s[FPSCR_HI]! & ~DRN_MASK) | imm;
      else if (op === 'crn') s[FPSCR] = (lo & ~3) | (blo & 3);
      else if (op === 'crni') s[FPSCR] = (lo & ~3) | imm;
      return 0;
    };
  };
}

// ---- table -------------------------------------------------------------------------------------------

const V = 'vsx';

/** X-form on primary opcode 63; `ro`: bit 31 fixed (0 for the plain form, 1 for the "o" form). */
const X63 = (m: string, xo: number, ops: string, exec: Def['exec'], fix: [number, number, number][] = []): Def => ({
  m,
  form: 'X',
  op: 63,
  xo,
  ops,
  exec,
  models: P9,
  chapter: V,
  ...(fix.length ? { fix } : {}),
});
/** A quad arithmetic instruction and its round-to-odd "o" form (RO, bit 31). */
const withOdd = (
  m: string,
  xo: number,
  ops: string,
  exec: (ro: boolean) => Def['exec'],
  fix: [number, number, number][] = [],
) => [X63(m, xo, ops, exec(false), fix), X63(`${m}o`, xo, ops, exec(true), [...fix, [31, 1, 1]])];
const sub = (n: number): [number, number, number][] => [[11, 5, n]];

export const P9_FP: Def[] = [
  ...withOdd('xsaddqp', 4, 'VRT,VRA,VRB', (ro) => qpBin(ADD, ro)),
  ...withOdd('xssubqp', 516, 'VRT,VRA,VRB', (ro) => qpBin(SUB, ro)),
  ...withOdd('xsmulqp', 36, 'VRT,VRA,VRB', (ro) => qpBin(MUL, ro)),
  ...withOdd('xsdivqp', 548, 'VRT,VRA,VRB', (ro) => qpBin(DIV, ro)),
  ...withOdd('xsmaddqp', 388, 'VRT,VRA,VRB', (ro) => qpFma(false, false, ro)),
  ...withOdd('xsmsubqp', 420, 'VRT,VRA,VRB', (ro) => qpFma(true, false, ro)),
  ...withOdd('xsnmaddqp', 452, 'VRT,VRA,VRB', (ro) => qpFma(false, true, ro)),
  ...withOdd('xsnmsubqp', 484, 'VRT,VRA,VRB', (ro) => qpFma(true, true, ro)),
  ...withOdd('xssqrtqp', 804, 'VRT,VRB', qpSqrt, sub(27)),
  ...withOdd('xscvqpdp', 836, 'VRT,VRB', xscvqpdp, sub(20)),
  X63('xscvdpqp', 836, 'VRT,VRB', xscvdpqp, sub(22)),
  X63('xscvqpsdz', 836, 'VRT,VRB', xscvqpint(64, true), sub(25)),
  X63('xscvqpswz', 836, 'VRT,VRB', xscvqpint(32, true), sub(9)),
  X63('xscvqpudz', 836, 'VRT,VRB', xscvqpint(64, false), sub(17)),
  X63('xscvqpuwz', 836, 'VRT,VRB', xscvqpint(32, false), sub(1)),
  X63('xscvsdqp', 836, 'VRT,VRB', xscvdqp(true), sub(10)),
  X63('xscvudqp', 836, 'VRT,VRB', xscvdqp(false), sub(2)),
  X63('xscmpuqp', 644, 'BF,VRA,VRB', qpCmp(false), [[9, 2, 0]]),
  X63('xscmpoqp', 132, 'BF,VRA,VRB', qpCmp(true), [[9, 2, 0]]),
  X63('xscmpexpqp', 164, 'BF,VRA,VRB', xscmpexpqp, [[9, 2, 0]]),
  X63('xststdcqp', 708, 'BF,VRB,DCMX7', xststdcqp),
  X63('xsabsqp', 804, 'VRT,VRB', qpSign('abs'), sub(0)),
  X63('xsnabsqp', 804, 'VRT,VRB', qpSign('nabs'), sub(8)),
  X63('xsnegqp', 804, 'VRT,VRB', qpSign('neg'), sub(16)),
  X63('xscpsgnqp', 100, 'VRT,VRA,VRB', qpSign('cpsgn')),
  X63('xsiexpqp', 868, 'VRT,VRA,VRB', xsiexpqp),
  X63('xsxexpqp', 804, 'VRT,VRB', xsxqp(false), sub(2)),
  X63('xsxsigqp', 804, 'VRT,VRB', xsxqp(true), sub(18)),
  {
    m: 'xsrqpi',
    form: 'Z23',
    op: 63,
    xo: 5,
    ops: 'R15,VRT,VRB,RMC',
    fix: [
      [11, 4, 0],
      [31, 1, 0],
    ],
    exec: xsrqpi(false),
    models: P9,
    chapter: V,
  },
  {
    m: 'xsrqpix',
    form: 'Z23',
    op: 63,
    xo: 5,
    ops: 'R15,VRT,VRB,RMC',
    fix: [
      [11, 4, 0],
      [31, 1, 1],
    ],
    exec: xsrqpi(true),
    models: P9,
    chapter: V,
  },
  {
    m: 'xsrqpxp',
    form: 'Z23',
    op: 63,
    xo: 37,
    ops: 'R15,VRT,VRB,RMC',
    fix: [[11, 4, 0]],
    exec: xsrqpxp,
    models: P9,
    chapter: V,
  },
  // mffs variants: mffs with bits 11:15 selecting the operation (mffs itself has 0 there, fp.ts).
  {
    m: 'mffsce',
    form: 'X',
    op: 63,
    xo: 583,
    ops: 'FRT',
    fix: [
      [11, 5, 1],
      [16, 5, 0],
    ],
    exec: mffsx('ce'),
    models: P9,
    chapter: 'fp',
  },
  {
    m: 'mffscdrn',
    form: 'X',
    op: 63,
    xo: 583,
    ops: 'FRT,FRB',
    fix: [[11, 5, 20]],
    exec: mffsx('cdrn'),
    models: P9,
    chapter: 'fp',
  },
  {
    m: 'mffscdrni',
    form: 'X',
    op: 63,
    xo: 583,
    ops: 'FRT,DRM',
    fix: [
      [11, 5, 21],
      [16, 2, 0],
    ],
    exec: mffsx('cdrni'),
    models: P9,
    chapter: 'fp',
  },
  {
    m: 'mffscrn',
    form: 'X',
    op: 63,
    xo: 583,
    ops: 'FRT,FRB',
    fix: [[11, 5, 22]],
    exec: mffsx('crn'),
    models: P9,
    chapter: 'fp',
  },
  {
    m: 'mffscrni',
    form: 'X',
    op: 63,
    xo: 583,
    ops: 'FRT,RM',
    fix: [
      [11, 5, 23],
      [16, 3, 0],
    ],
    exec: mffsx('crni'),
    models: P9,
    chapter: 'fp',
  },
  {
    m: 'mffsl',
    form: 'X',
    op: 63,
    xo: 583,
    ops: 'FRT',
    fix: [
      [11, 5, 24],
      [16, 5, 0],
    ],
    exec: mffsx('l'),
    models: P9,
    chapter: 'fp',
  },
];
