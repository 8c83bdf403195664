/**
 * Binary floating-point core shared by the FP chapter (Power ISA 2.07 Book I
 * ch. 4) and the VSX chapter (ch. 7): IEEE arithmetic in the four FPSCR[RN]
 * modes, rounded once to double or directly to single precision, with the
 * FPSCR exception and status bits the ISA defines.
 *
 * Conventions
 * - Operands and results are raw IEEE double bit patterns as (hi, lo) int32
 *   halves, so that signalling NaNs never pass through a JS double operation.
 *   Single-precision values live in double format (as in an FPR); use
 *   {@link singleToDouble} / {@link doubleToSingle} for the 32-bit memory form.
 * - Every operation takes the current FPSCR (for RN and the OE/UE enables),
 *   leaves its result in {@link res} (`res[0]` = low word, `res[1]` = high
 *   word) and returns the flags it raised, as FPSCR bits: exception bits
 *   (VXSNAN..VXCVI, OX, UX, ZX, XX) plus the status bits FR and FI. FX, FEX, VX
 *   and FPRF are never in the returned flags: {@link fpscrArith} /
 *   {@link fpscrRaise} merge flags into an FPSCR with the sticky and summary
 *   rules of §4.2.2.
 * - When an enabled Invalid Operation or Zero Divide exception occurs
 *   ({@link fpSuppressed}), `res` still holds the default result, but the ISA
 *   (§4.4) says the target register is not written: the caller checks.
 *   Enabled Overflow/Underflow results are already exponent-adjusted (§4.4.4,
 *   §4.4.5), so the caller writes them as usual.
 *
 * Implementation: a fast path uses the host's round-to-nearest double
 * operations plus error-free transformations (TwoSum, Veltkamp/Dekker
 * TwoProduct) to learn the sign of the rounding error, and from that derives
 * the result in any rounding mode and in single precision (one rounding). Any
 * case outside the proven-safe range (overflow, tiny results, extreme operand
 * exponents, near-ties in the fused multiply-add) takes an exact BigInt path.
 */

// ---- FPSCR bits (the int32 slot holds FPSCR bits 32:63; bit 32+k is 1 << (31-k)) ------------

export const FPSCR_FX = 0x80000000 | 0;
export const FPSCR_FEX = 0x40000000;
export const FPSCR_VX = 0x20000000;
export const FPSCR_OX = 0x10000000;
export const FPSCR_UX = 0x08000000;
export const FPSCR_ZX = 0x04000000;
export const FPSCR_XX = 0x02000000;
export const FPSCR_VXSNAN = 0x01000000;
export const FPSCR_VXISI = 0x00800000;
export const FPSCR_VXIDI = 0x00400000;
export const FPSCR_VXZDZ = 0x00200000;
export const FPSCR_VXIMZ = 0x00100000;
export const FPSCR_VXVC = 0x00080000;
export const FPSCR_FR = 0x00040000;
export const FPSCR_FI = 0x00020000;
/** FPRF = C || FPCC (FL FG FE FU), bits 47:51. */
export const FPSCR_FPRF = 0x0001f000;
export const FPSCR_FPCC = 0x0000f000;
export const FPSCR_VXSOFT = 0x00000400;
export const FPSCR_VXSQRT = 0x00000200;
export const FPSCR_VXCVI = 0x00000100;
export const FPSCR_VE = 0x80;
export const FPSCR_OE = 0x40;
export const FPSCR_UE = 0x20;
export const FPSCR_ZE = 0x10;
export const FPSCR_XE = 0x08;
export const FPSCR_NI = 0x04;
export const FPSCR_RN = 0x03;
/** All Invalid Operation exception bits (their OR is VX). */
export const FPSCR_VX_ALL =
  FPSCR_VXSNAN |
  FPSCR_VXISI |
  FPSCR_VXIDI |
  FPSCR_VXZDZ |
  FPSCR_VXIMZ |
  FPSCR_VXVC |
  FPSCR_VXSOFT |
  FPSCR_VXSQRT |
  FPSCR_VXCVI;
/** Every exception bit that an instruction can set (FX is set when one of them goes 0 -> 1). */
export const FPSCR_EXC = FPSCR_OX | FPSCR_UX | FPSCR_ZX | FPSCR_XX | FPSCR_VX_ALL;

/** Rounding modes, FPSCR[RN] (§4.3.6). */
export const RN_NEAREST = 0;
export const RN_ZERO = 1;
export const RN_PLUS_INF = 2;
export const RN_MINUS_INF = 3;

/** FPRF values (C || FPCC, Table 4.2 of §4.2.2), already shifted into place. */
export const FPRF_QNAN = 0x11 << 12;
export const FPRF_NEG_INF = 0x09 << 12;
export const FPRF_NEG_NORMAL = 0x08 << 12;
export const FPRF_NEG_DENORMAL = 0x18 << 12;
export const FPRF_NEG_ZERO = 0x12 << 12;
export const FPRF_POS_ZERO = 0x02 << 12;
export const FPRF_POS_DENORMAL = 0x14 << 12;
export const FPRF_POS_NORMAL = 0x04 << 12;
export const FPRF_POS_INF = 0x05 << 12;

/** High word of the default QNaN (§4.3.2: 0x7FF8_0000_0000_0000). */
export const DEFAULT_NAN_HI = 0x7ff80000;

// ---- results and scratch ----------------------------------------------------------------------

/** Result of the last operation: `res[0]` = low word, `res[1]` = high word of the double. */
export const res = new Int32Array(2);

const cvF = new Float64Array(1);
const cvI = new Int32Array(cvF.buffer);

/**
 * The double with bit pattern (hi, lo), for finite values and infinities (a NaN
 * gives some NaN: never use it where NaN bits matter). Computed arithmetically:
 * two 32-bit stores followed by a 64-bit load of the same bytes stall on
 * store forwarding and cost about twice as much.
 */
export function bitsToNum(hi: number, lo: number): number {
  const e = (hi >>> 20) & 0x7ff;
  const m = (hi & 0xfffff) * TWO32 + (lo >>> 0);
  let x: number;
  if (e === 0) x = m * 4.9406564584124654e-324;
  else if (e === 0x7ff) x = m === 0 ? Infinity : Number.NaN;
  else x = (m + 4503599627370496) * POW2[e - 1]!;
  return hi < 0 ? -x : x;
}

/** Store a (non-NaN) double into `res`. */
function setRes(x: number): void {
  cvF[0] = x;
  res[0] = cvI[0]!;
  res[1] = cvI[1]!;
}

function setBits(hi: number, lo: number): void {
  res[0] = lo;
  res[1] = hi;
}

const TWO32 = 4294967296;
const MIN_NORMAL = 2.2250738585072014e-308; // 2^-1022
const MAX_DOUBLE = 1.7976931348623157e308;
const MIN_NORMAL_S = 1.1754943508222875e-38; // 2^-126
const MAX_SINGLE = 3.4028234663852886e38; // (2 - 2^-23) * 2^127
/** |a*b| at or above this keeps every Dekker partial product exact (lsb(a) + lsb(b) >= -1074). */
const PROD_MIN = 2 ** -968;
/**
 * |a*b| below this keeps the split's high-part product finite (the high parts
 * can exceed the operands by 2^-26 relative, so a product near the top of the
 * range would overflow inside TwoProduct).
 */
const PROD_MAX = 2 ** 1020;
/** Operands below this magnitude can be split without overflow (Veltkamp, factor 2^27 + 1). */
const SPLIT_MAX = 2 ** 995;
const SPLITTER = 134217729;

/** 2^k for k in [-1074, 1023], as POW2[k + 1074]. */
const POW2 = new Float64Array(2098);
for (let k = -1074; k <= 1023; k++) POW2[k + 1074] = 2 ** k;

// ---- classification ---------------------------------------------------------------------------

/** True when (hi, lo) is a NaN. */
export function isNaNBits(hi: number, lo: number): boolean {
  return (hi & 0x7ff00000) === 0x7ff00000 && ((hi & 0xfffff) | lo) !== 0;
}

/** True when (hi, lo) is a signalling NaN (§4.3.2: fraction bit 12 clear). */
export function isSNaNBits(hi: number, lo: number): boolean {
  return isNaNBits(hi, lo) && (hi & 0x80000) === 0;
}

/** True when (hi, lo) is ±Infinity. */
export function isInfBits(hi: number, lo: number): boolean {
  return (hi & 0x7fffffff) === 0x7ff00000 && lo === 0;
}

/** True when (hi, lo) is ±0. */
export function isZeroBits(hi: number, lo: number): boolean {
  return (hi & 0x7fffffff) === 0 && lo === 0;
}

/**
 * FPRF class of a result (§4.2.2 Table 4.2). `single`: classify as a
 * single-precision value (a single-precision instruction's result below
 * 2^-126 is a denormalized number even though its double form is normal).
 */
export function fprfOf(hi: number, lo: number, single = false): number {
  const neg = hi < 0;
  const exp = (hi >>> 20) & 0x7ff;
  if (exp === 0x7ff) {
    if (((hi & 0xfffff) | lo) !== 0) return FPRF_QNAN;
    return neg ? FPRF_NEG_INF : FPRF_POS_INF;
  }
  if (exp === 0 && ((hi & 0xfffff) | lo) === 0) return neg ? FPRF_NEG_ZERO : FPRF_POS_ZERO;
  const denormal = exp === 0 || (single && exp < 897);
  if (denormal) return neg ? FPRF_NEG_DENORMAL : FPRF_POS_DENORMAL;
  return neg ? FPRF_NEG_NORMAL : FPRF_POS_NORMAL;
}

// ---- FPSCR updates (§4.2.2) -------------------------------------------------------------------

/** Recompute the summary bits VX (OR of the VX* bits) and FEX (any exception bit whose enable is set). */
export function fpscrSummary(fpscr: number): number {
  let n = fpscr & ~(FPSCR_FEX | FPSCR_VX);
  if (n & FPSCR_VX_ALL) n |= FPSCR_VX;
  if (((n >>> 22) & n & 0x78) !== 0 || ((n & FPSCR_VX) !== 0 && (n & FPSCR_VE) !== 0)) n |= FPSCR_FEX;
  return n;
}

/**
 * Merge raised exception flags into the FPSCR: the exception bits are sticky,
 * FX is set when any of them changes from 0 to 1, VX and FEX are recomputed.
 * Status bits (FR, FI, FPRF) are left alone: this is the whole update for
 * instructions that only report exceptions (e.g. VSX vector operations).
 */
export function fpscrRaise(fpscr: number, flags: number): number {
  const exc = flags & FPSCR_EXC;
  let n = fpscr | exc;
  if ((exc & ~fpscr) !== 0) n |= FPSCR_FX;
  return fpscrSummary(n);
}

/** True when `flags` contain an exception enabled in `fpscr` (an FP enabled exception occurred). */
export function fpEnabled(fpscr: number, flags: number): boolean {
  if ((flags & FPSCR_VX_ALL) !== 0 && (fpscr & FPSCR_VE) !== 0) return true;
  return ((flags >>> 22) & fpscr & 0x78) !== 0;
}

/**
 * True when the target must not be written: an enabled Invalid Operation
 * (VE=1) or Zero Divide (ZE=1) exception occurred (§4.4.1, §4.4.2).
 */
export function fpSuppressed(fpscr: number, flags: number): boolean {
  return (
    ((flags & FPSCR_VX_ALL) !== 0 && (fpscr & FPSCR_VE) !== 0) || ((flags & FPSCR_ZX) !== 0 && (fpscr & FPSCR_ZE) !== 0)
  );
}

/**
 * FPSCR after a scalar arithmetic instruction with result bits (hi, lo):
 * exceptions merged, FR and FI replaced, FPRF set to the result's class unless
 * the target was suppressed (then FPRF is unchanged and FR, FI are 0).
 */
export function fpscrArith(fpscr: number, flags: number, hi: number, lo: number, single: boolean): number {
  let n = fpscrRaise(fpscr, flags);
  if (fpSuppressed(fpscr, flags)) return n & ~(FPSCR_FR | FPSCR_FI);
  // An enabled overflow/underflow result is exponent-adjusted: always a normal number (§4.4.4, §4.4.5, §A.1).
  const adjusted =
    ((flags & FPSCR_OX) !== 0 && (fpscr & FPSCR_OE) !== 0) || ((flags & FPSCR_UX) !== 0 && (fpscr & FPSCR_UE) !== 0);
  n = (n & ~(FPSCR_FR | FPSCR_FI | FPSCR_FPRF)) | (flags & (FPSCR_FR | FPSCR_FI)) | fprfOf(hi, lo, single && !adjusted);
  return n;
}

// ---- NaNs (§4.3.2) ----------------------------------------------------------------------------

/**
 * Put the propagated NaN (hi, lo) into `res`: quieted, and for a single-precision
 * result with fraction bits beyond single precision cleared (as frsp does, §A.1).
 * Returns VXSNAN if it was signalling.
 */
function propagate(hi: number, lo: number, single: boolean): number {
  const f = (hi & 0x80000) === 0 ? FPSCR_VXSNAN : 0;
  res[1] = hi | 0x80000;
  res[0] = single ? lo & 0xe0000000 : lo;
  return f;
}

/** Default QNaN result of a disabled Invalid Operation exception. */
function defaultNaN(flag: number): number {
  res[1] = DEFAULT_NAN_HI;
  res[0] = 0;
  return flag;
}

/** VXSNAN if either operand is a signalling NaN. */
function snanFlag2(ahi: number, alo: number, bhi: number, blo: number): number {
  return isSNaNBits(ahi, alo) || isSNaNBits(bhi, blo) ? FPSCR_VXSNAN : 0;
}

/** Result is the first NaN among the operands (in ISA precedence order); VXSNAN if any operand is an SNaN. */
function nan2(ahi: number, alo: number, bhi: number, blo: number, single: boolean): number {
  const sn = snanFlag2(ahi, alo, bhi, blo);
  if (isNaNBits(ahi, alo)) propagate(ahi, alo, single);
  else propagate(bhi, blo, single);
  return sn;
}

// ---- rounding -----------------------------------------------------------------------------------

/** Add `inc` (±2^k units of the low word, |inc| < 2^32) to the magnitude of the double in `res`. */
function bumpRes(inc: number): void {
  const l = (res[0]! >>> 0) + inc;
  if (l >= TWO32) res[1] = res[1]! + 1;
  else if (l < 0) res[1] = res[1]! - 1;
  res[0] = l | 0;
}

/**
 * Final rounding on the fast path. `r` is the exact result rounded to nearest
 * double and `sg` the sign of (exact - r): -1, 0 or 1. Leaves the result,
 * rounded in the FPSCR[RN] mode to double or directly to single precision, in
 * `res` and returns FR | FI | XX, or -1 when the result is out of the fast
 * range (possible overflow, tininess) and the exact path must decide.
 */
function finish(r: number, sg: number, single: boolean, fpscr: number): number {
  const a = r < 0 ? -r : r;
  if (single ? !(a > MIN_NORMAL_S && a < MAX_SINGLE) : !(a > MIN_NORMAL && a < MAX_DOUBLE)) return -1;
  setRes(r);
  const rn = fpscr & 3;
  const pos = r > 0;
  // Exact magnitude above |r|?
  const away = sg !== 0 && sg > 0 === pos;
  const lo29 = res[0]! & 0x1fffffff;
  if (!single || lo29 === 0) {
    // r is representable in the target precision: the result is r or a neighbour of it.
    if (sg === 0) return 0;
    const ulp = single ? 0x20000000 : 1;
    if (rn === RN_NEAREST) return away ? FPSCR_FI | FPSCR_XX : FPSCR_FI | FPSCR_XX | FPSCR_FR;
    const up = (rn === RN_PLUS_INF && pos) || (rn === RN_MINUS_INF && !pos);
    if (up) {
      if (away) bumpRes(ulp);
      return FPSCR_FI | FPSCR_XX | FPSCR_FR;
    }
    if (!away) bumpRes(-ulp);
    return FPSCR_FI | FPSCR_XX;
  }
  // Single precision, r strictly between two singles t < |r| < t + ulp: so is the exact value.
  res[0] = res[0]! & ~0x1fffffff;
  let up: boolean;
  if (rn === RN_NEAREST) {
    if (lo29 !== 0x10000000) up = lo29 > 0x10000000;
    else if (sg !== 0) up = away;
    else up = (res[0]! & 0x20000000) !== 0; // tie: to even
  } else if (rn === RN_ZERO) up = false;
  else up = (rn === RN_PLUS_INF) === pos;
  if (up) {
    bumpRes(0x20000000);
    return FPSCR_FI | FPSCR_XX | FPSCR_FR;
  }
  return FPSCR_FI | FPSCR_XX;
}

function bitLen(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

/** Round m * 2^e (+ sticky below bit 0 of m) to an integer multiple of 2^lsb. Sets rq/rInc/rInexact. */
let rq = 0n;
let rInc = false;
let rInexact = false;
function roundAt(sign: number, m: bigint, e: number, sticky: boolean, lsb: number, rn: number): void {
  const sh = lsb - e;
  if (sh <= 0) {
    // Only reached without sticky: callers keep two or more bits below any rounding position.
    rq = m << BigInt(-sh);
    rInc = false;
    rInexact = sticky;
    return;
  }
  const bs = BigInt(sh);
  let q = m >> bs;
  const rem = m - (q << bs);
  const half = 1n << (bs - 1n);
  rInexact = rem !== 0n || sticky;
  let inc = false;
  if (rInexact) {
    if (rn === RN_NEAREST) inc = rem > half || (rem === half && (sticky || (q & 1n) === 1n));
    else if (rn === RN_PLUS_INF) inc = sign === 0;
    else if (rn === RN_MINUS_INF) inc = sign === 1;
  }
  if (inc) q += 1n;
  rq = q;
  rInc = inc;
}

/** Write sign * q * 2^lsb (q < 2^53, exactly representable or saturating) into `res` as a double. */
function encode(sign: number, q: bigint, lsb: number): void {
  if (q === 0n) {
    setBits(sign ? 0x80000000 | 0 : 0, 0);
    return;
  }
  const L = bitLen(q);
  const E = lsb + L - 1;
  let hi: number;
  let lo: number;
  if (E > 1023) {
    hi = 0x7ff00000;
    lo = 0;
  } else if (E >= -1022) {
    const f = (q << BigInt(53 - L)) - (1n << 52n);
    hi = ((E + 1023) << 20) | Number(f >> 32n);
    lo = Number(f & 0xffffffffn) | 0;
  } else {
    const sh = lsb + 1074;
    const f = sh >= 0 ? q << BigInt(sh) : q >> BigInt(-sh);
    hi = Number(f >> 32n);
    lo = Number(f & 0xffffffffn) | 0;
  }
  setBits(sign ? hi | (0x80000000 | 0) : hi, lo);
}

/**
 * Exact-path rounding (§4.3.6, §4.4.4, §4.4.5): the value (-1)^sign * (m + d) * 2^e,
 * 0 <= d < 1 with d > 0 iff `sticky`, rounded to double or single precision in the
 * FPSCR[RN] mode. When sticky is set, m must carry at least two bits below the
 * result's last bit. Handles overflow and underflow, enabled (exponent adjusted
 * by 1536 / 192) or not; tininess is detected before rounding.
 */
export function roundExact(
  sign: number,
  m: bigint,
  e: number,
  sticky: boolean,
  single: boolean,
  fpscr: number,
): number {
  if (m === 0n && !sticky) {
    encode(sign, 0n, 0);
    return 0;
  }
  const p = single ? 24 : 53;
  const emin = single ? -126 : -1022;
  const emax = single ? 127 : 1023;
  const adj = single ? 192 : 1536;
  const rn = fpscr & 3;
  const E = e + bitLen(m) - 1;
  // Rounding with an unbounded exponent range.
  let lsb = E - p + 1;
  roundAt(sign, m, e, sticky, lsb, rn);
  let q = rq;
  if (bitLen(q) > p) {
    q >>= 1n;
    lsb += 1;
  }
  const inc = rInc;
  const inexact = rInexact;
  const Eu = lsb + p - 1;
  const status = (inexact ? FPSCR_FI | FPSCR_XX : 0) | (inc ? FPSCR_FR : 0);
  if (Eu > emax) {
    if (fpscr & FPSCR_OE) {
      encode(sign, q, lsb - adj);
      return FPSCR_OX | status;
    }
    // Disabled overflow: ±Inf or ±largest finite number by mode and sign; FI=1, XX=1 (§4.4.4).
    const toInf = rn === RN_NEAREST || (rn === RN_PLUS_INF && sign === 0) || (rn === RN_MINUS_INF && sign === 1);
    if (toInf) {
      setBits(sign ? 0xfff00000 | 0 : 0x7ff00000, 0);
      return FPSCR_OX | FPSCR_XX | FPSCR_FI | FPSCR_FR;
    }
    if (single) setBits(sign ? 0xc7efffff | 0 : 0x47efffff, 0xe0000000 | 0);
    else setBits(sign ? 0xffefffff | 0 : 0x7fefffff, -1);
    return FPSCR_OX | FPSCR_XX | FPSCR_FI;
  }
  if (E < emin) {
    if (fpscr & FPSCR_UE) {
      encode(sign, q, lsb + adj);
      return FPSCR_UX | status;
    }
    // Disabled underflow: denormalize, round; UX only when the result is inexact (§4.4.5).
    roundAt(sign, m, e, sticky, emin - p + 1, rn);
    encode(sign, rq, emin - p + 1);
    if (!rInexact) return 0;
    return FPSCR_UX | FPSCR_FI | FPSCR_XX | (rInc ? FPSCR_FR : 0);
  }
  encode(sign, q, lsb);
  return status;
}

/** Finite double bits as an exact (m, e): value = m * 2^e, m >= 0. Sets dm/de. */
let dm = 0n;
let de = 0;
function decompose(hi: number, lo: number): void {
  const exp = (hi >>> 20) & 0x7ff;
  const f = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo >>> 0);
  if (exp === 0) {
    dm = f;
    de = -1074;
  } else {
    dm = f | (1n << 52n);
    de = exp - 1075;
  }
}

// ---- error-free transformations ------------------------------------------------------------------

/** Error of s = RN(a + b): a + b = s + err exactly (Knuth's TwoSum; exact barring overflow). */
function twoSumErr(a: number, b: number, s: number): number {
  const bb = s - a;
  return a - (s - bb) + (b - bb);
}

/** Error of p = RN(a * b) (Dekker/Veltkamp); exact when |a|,|b| < 2^995 and |p| >= 2^-968. */
function twoProdErr(a: number, b: number, p: number): number {
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

// ---- arithmetic -----------------------------------------------------------------------------------

/** Zero result of an exact cancellation x + (-x): +0, or -0 when rounding toward -Infinity (§4.3.6). */
function cancelZero(fpscr: number): number {
  setBits((fpscr & 3) === RN_MINUS_INF ? 0x80000000 | 0 : 0, 0);
  return 0;
}

/**
 * a + b (fadd, fadds; fsub with `negB`), §4.6.6.1. Invalid: VXISI for
 * ∞ - ∞, VXSNAN for signalling NaN operands.
 */
export function fpAdd(
  fpscr: number,
  ahi: number,
  alo: number,
  bhi: number,
  blo: number,
  single: boolean,
  negB = false,
): number {
  const ae = (ahi >>> 20) & 0x7ff;
  const be = (bhi >>> 20) & 0x7ff;
  if (ae === 0x7ff || be === 0x7ff) {
    if (isNaNBits(ahi, alo) || isNaNBits(bhi, blo)) return nan2(ahi, alo, bhi, blo, single);
    if (negB) bhi ^= 0x80000000;
    if (ae === 0x7ff && be === 0x7ff && (ahi ^ bhi) < 0) return defaultNaN(FPSCR_VXISI);
    if (ae === 0x7ff) setBits(ahi, alo);
    else setBits(bhi, blo);
    return 0;
  }
  if (negB) bhi ^= 0x80000000;
  const x = bitsToNum(ahi, alo);
  const y = bitsToNum(bhi, blo);
  const r = x + y;
  if (r === 0) {
    // Exact: a sum of doubles rounds to zero only when it is zero.
    if (x === 0 && y === 0) {
      const neg = (fpscr & 3) === RN_MINUS_INF ? ahi < 0 || bhi < 0 : ahi < 0 && bhi < 0;
      setBits(neg ? 0x80000000 | 0 : 0, 0);
      return 0;
    }
    return cancelZero(fpscr);
  }
  const err = twoSumErr(x, y, r);
  const f = finish(r, err > 0 ? 1 : err < 0 ? -1 : 0, single, fpscr);
  if (f >= 0) return f;
  decompose(ahi, alo);
  const ma = ahi < 0 ? -dm : dm;
  const ea = de;
  decompose(bhi, blo);
  const mb = bhi < 0 ? -dm : dm;
  const eb = de;
  const e = Math.min(ea, eb);
  const sum = (ma << BigInt(ea - e)) + (mb << BigInt(eb - e));
  if (sum === 0n) return cancelZero(fpscr);
  return roundExact(sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, e, false, single, fpscr);
}

/** a × c (fmul, fmuls), §4.6.6.1. Invalid: VXIMZ for ∞ × 0. */
export function fpMul(fpscr: number, ahi: number, alo: number, chi: number, clo: number, single: boolean): number {
  const ae = (ahi >>> 20) & 0x7ff;
  const ce = (chi >>> 20) & 0x7ff;
  const sign = (ahi ^ chi) & (0x80000000 | 0);
  if (ae === 0x7ff || ce === 0x7ff) {
    if (isNaNBits(ahi, alo) || isNaNBits(chi, clo)) return nan2(ahi, alo, chi, clo, single);
    if (isZeroBits(ahi, alo) || isZeroBits(chi, clo)) return defaultNaN(FPSCR_VXIMZ);
    setBits(sign | 0x7ff00000, 0);
    return 0;
  }
  const x = bitsToNum(ahi, alo);
  const y = bitsToNum(chi, clo);
  if (x === 0 || y === 0) {
    setBits(sign, 0);
    return 0;
  }
  const p = x * y;
  const ap = p < 0 ? -p : p;
  if (ap >= PROD_MIN && ap < PROD_MAX && (x < 0 ? -x : x) < SPLIT_MAX && (y < 0 ? -y : y) < SPLIT_MAX) {
    const err = twoProdErr(x, y, p);
    const f = finish(p, err > 0 ? 1 : err < 0 ? -1 : 0, single, fpscr);
    if (f >= 0) return f;
  }
  decompose(ahi, alo);
  const ma = dm;
  const ea = de;
  decompose(chi, clo);
  return roundExact(sign ? 1 : 0, ma * dm, ea + de, false, single, fpscr);
}

/** a ÷ b (fdiv, fdivs), §4.6.6.1. Invalid: VXIDI (∞ ÷ ∞), VXZDZ (0 ÷ 0); ZX for finite ÷ 0. */
export function fpDiv(fpscr: number, ahi: number, alo: number, bhi: number, blo: number, single: boolean): number {
  const ae = (ahi >>> 20) & 0x7ff;
  const be = (bhi >>> 20) & 0x7ff;
  const sign = (ahi ^ bhi) & (0x80000000 | 0);
  if (ae === 0x7ff || be === 0x7ff) {
    if (isNaNBits(ahi, alo) || isNaNBits(bhi, blo)) return nan2(ahi, alo, bhi, blo, single);
    if (ae === 0x7ff && be === 0x7ff) return defaultNaN(FPSCR_VXIDI);
    setBits(ae === 0x7ff ? sign | 0x7ff00000 : sign, 0);
    return 0;
  }
  const aZero = isZeroBits(ahi, alo);
  if (isZeroBits(bhi, blo)) {
    if (aZero) return defaultNaN(FPSCR_VXZDZ);
    setBits(sign | 0x7ff00000, 0);
    return FPSCR_ZX;
  }
  if (aZero) {
    setBits(sign, 0);
    return 0;
  }
  const x = bitsToNum(ahi, alo);
  const y = bitsToNum(bhi, blo);
  const q = x / y;
  const ax = x < 0 ? -x : x;
  const aq = q < 0 ? -q : q;
  if (ax >= PROD_MIN && ax < PROD_MAX && aq < SPLIT_MAX && (y < 0 ? -y : y) < SPLIT_MAX) {
    // Remainder x - q*y is exact (Sterbenz + exact product): its sign (times y's) is that of exact - q.
    const ph = q * y;
    const pl = twoProdErr(q, y, ph);
    const rem = x - ph - pl;
    const sg = rem === 0 ? 0 : rem > 0 === y > 0 ? 1 : -1;
    const f = finish(q, sg, single, fpscr);
    if (f >= 0) return f;
  }
  decompose(ahi, alo);
  const ma = dm;
  const ea = de;
  decompose(bhi, blo);
  const mb = dm;
  const eb = de;
  const p = single ? 24 : 53;
  const k = Math.max(0, p + 3 + bitLen(mb) - bitLen(ma));
  const num = ma << BigInt(k);
  const quo = num / mb;
  return roundExact(sign ? 1 : 0, quo, ea - eb - k, quo * mb !== num, single, fpscr);
}

/** Integer square root of a BigInt (floor). */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLen(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** √b (fsqrt, fsqrts), §4.6.6.1. Invalid: VXSQRT for b < 0 (not -0). */
export function fpSqrt(fpscr: number, bhi: number, blo: number, single: boolean): number {
  const be = (bhi >>> 20) & 0x7ff;
  if (isNaNBits(bhi, blo)) return propagate(bhi, blo, single);
  if (isZeroBits(bhi, blo)) {
    setBits(bhi, 0);
    return 0;
  }
  if (bhi < 0) return defaultNaN(FPSCR_VXSQRT);
  if (be === 0x7ff) {
    setBits(bhi, blo);
    return 0;
  }
  const x = bitsToNum(bhi, blo);
  if (x >= PROD_MIN && x < PROD_MAX) {
    const s = Math.sqrt(x);
    const ph = s * s;
    const pl = twoProdErr(s, s, ph);
    const rem = x - ph - pl;
    const f = finish(s, rem > 0 ? 1 : rem < 0 ? -1 : 0, single, fpscr);
    if (f >= 0) return f;
  }
  decompose(bhi, blo);
  let m = dm;
  let e = de;
  if (e & 1) {
    m <<= 1n;
    e -= 1;
  }
  const p = single ? 24 : 53;
  const k = Math.max(0, p + 3 - (bitLen(m) >> 1)) + 1;
  const n = m << BigInt(2 * k);
  const r = isqrt(n);
  return roundExact(0, r, (e - 2 * k) / 2, r * r !== n, single, fpscr);
}

/**
 * Fused multiply-add a × c + b with one rounding (fmadd family, §4.6.6.2).
 * `negB` subtracts b (fmsub); `negResult` negates the rounded result (fnmadd,
 * fnmsub: rounded first, then negated; NaN results are not negated).
 * NaN precedence: a, then b, then c. Invalid: VXIMZ (∞ × 0), VXISI (∞ - ∞).
 */
export function fpMulAdd(
  fpscr: number,
  ahi: number,
  alo: number,
  chi: number,
  clo: number,
  bhi: number,
  blo: number,
  single: boolean,
  negB = false,
  negResult = false,
): number {
  const f = mulAdd(fpscr, ahi, alo, chi, clo, bhi, blo, single, negB);
  if (negResult && !isNaNBits(res[1]!, res[0]!)) res[1] = res[1]! ^ (0x80000000 | 0);
  return f;
}

function mulAdd(
  fpscr: number,
  ahi: number,
  alo: number,
  chi: number,
  clo: number,
  bhi: number,
  blo: number,
  single: boolean,
  negB: boolean,
): number {
  const ae = (ahi >>> 20) & 0x7ff;
  const be = (bhi >>> 20) & 0x7ff;
  const ce = (chi >>> 20) & 0x7ff;
  const psign = (ahi ^ chi) & (0x80000000 | 0);
  if (ae === 0x7ff || be === 0x7ff || ce === 0x7ff) {
    const aN = isNaNBits(ahi, alo);
    const bN = isNaNBits(bhi, blo);
    const cN = isNaNBits(chi, clo);
    if (aN || bN || cN) {
      let fl = isSNaNBits(ahi, alo) || isSNaNBits(bhi, blo) || isSNaNBits(chi, clo) ? FPSCR_VXSNAN : 0;
      if (aN) propagate(ahi, alo, single);
      else if (bN) {
        propagate(bhi, blo, single);
        // ∞ × 0 is still an invalid operation when the addend is a NaN (the NaN is the result).
        if ((isInfBits(ahi, alo) && isZeroBits(chi, clo)) || (isInfBits(chi, clo) && isZeroBits(ahi, alo)))
          fl |= FPSCR_VXIMZ;
      } else propagate(chi, clo, single);
      return fl;
    }
    if (negB) bhi ^= 0x80000000;
    const pInf = ae === 0x7ff || ce === 0x7ff;
    if (pInf) {
      if (isZeroBits(ahi, alo) || isZeroBits(chi, clo)) return defaultNaN(FPSCR_VXIMZ);
      if (be === 0x7ff && (psign ^ bhi) < 0) return defaultNaN(FPSCR_VXISI);
      setBits(psign | 0x7ff00000, 0);
      return 0;
    }
    setBits(bhi, blo);
    return 0;
  }
  if (negB) bhi ^= 0x80000000;
  const x = bitsToNum(ahi, alo);
  const y = bitsToNum(chi, clo);
  if (x === 0 || y === 0) {
    // The exact product is a signed zero: the sum is a plain addition.
    return fpAdd(fpscr, psign, 0, bhi, blo, single);
  }
  const z = bitsToNum(bhi, blo);
  const ph = x * y;
  const aph = ph < 0 ? -ph : ph;
  if (aph >= PROD_MIN && aph < PROD_MAX) {
    // x*y + z = ph + pl + z = rh + rl + vl exactly (the TwoSums are exact; NaN/∞ from a range
    // problem fails the checks below and takes the exact path).
    const pl = twoProdErr(x, y, ph);
    const sh = ph + z;
    const sl = twoSumErr(ph, z, sh);
    const vh = sl + pl;
    const vl = twoSumErr(sl, pl, vh);
    const rh = sh + vh;
    const rl = twoSumErr(sh, vh, rh);
    const d = rl + vl;
    const arh = rh < 0 ? -rh : rh;
    if (arh > MIN_NORMAL && arh < MAX_DOUBLE) {
      // rh is the nearest double when |rl + vl| is below half the smaller ulp next to rh.
      cvF[0] = arh;
      const ex = (cvI[1]! >>> 20) - 1075;
      const pow2 = (cvI[1]! & 0xfffff) === 0 && cvI[0] === 0;
      const half = POW2[ex - (pow2 ? 2 : 1) + 1074]!;
      const ad = d < 0 ? -d : d;
      if (ad < half) {
        const f = finish(rh, d > 0 ? 1 : d < 0 ? -1 : 0, single, fpscr);
        if (f >= 0) return f;
      }
    }
  }
  decompose(ahi, alo);
  const ma = dm;
  const ea = de;
  decompose(chi, clo);
  let mp = ma * dm;
  const ep = ea + de;
  if (psign) mp = -mp;
  decompose(bhi, blo);
  const mb = bhi < 0 ? -dm : dm;
  const eb = de;
  const e = Math.min(ep, eb);
  const sum = (mp << BigInt(ep - e)) + (mb << BigInt(eb - e));
  if (sum === 0n) return cancelZero(fpscr);
  return roundExact(sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, e, false, single, fpscr);
}

/**
 * Round a double to single precision (frsp, §4.6.7 and the model in §A.1):
 * NaNs keep their sign and leading fraction bits, an SNaN is quieted (VXSNAN).
 */
export function fpRoundToSingle(fpscr: number, bhi: number, blo: number): number {
  const be = (bhi >>> 20) & 0x7ff;
  if (be === 0x7ff) {
    if (isNaNBits(bhi, blo)) return propagate(bhi, blo, true);
    setBits(bhi, blo);
    return 0;
  }
  if (isZeroBits(bhi, blo)) {
    setBits(bhi, blo);
    return 0;
  }
  const f = finish(bitsToNum(bhi, blo), 0, true, fpscr);
  if (f >= 0) return f;
  decompose(bhi, blo);
  return roundExact(bhi < 0 ? 1 : 0, dm, de, false, true, fpscr);
}

// ---- estimates (§4.6.6.1: fre, frsqrte) ---------------------------------------------------------

const ONE_HI = 0x3ff00000;

/**
 * Reciprocal estimate (fre, fres). The ISA only bounds the estimate's error;
 * this returns the correctly rounded 1/b (as QEMU does), which meets every bound.
 */
export function fpRecipEstimate(fpscr: number, bhi: number, blo: number, single: boolean): number {
  return fpDiv(fpscr, ONE_HI, 0, bhi, blo, single);
}

/**
 * Reciprocal square root estimate (frsqrte, frsqrtes). Special cases per the
 * ISA table (-x: VXSQRT; ±0: ZX and ±∞; +∞: +0); otherwise 1/√b computed as
 * two rounded steps (√b to double, then its reciprocal), as QEMU does.
 */
export function fpRsqrtEstimate(fpscr: number, bhi: number, blo: number, single: boolean): number {
  if (isNaNBits(bhi, blo)) return propagate(bhi, blo, single);
  if (isZeroBits(bhi, blo)) {
    setBits(bhi | 0x7ff00000, 0);
    return FPSCR_ZX;
  }
  if (bhi < 0) return defaultNaN(FPSCR_VXSQRT);
  if (isInfBits(bhi, blo)) {
    setBits(0, 0);
    return 0;
  }
  const f1 = fpSqrt(fpscr, bhi, blo, false);
  const f2 = fpDiv(fpscr, ONE_HI, 0, res[1]!, res[0]!, single);
  return f2 | (f1 & (FPSCR_FI | FPSCR_XX));
}

// ---- conversions --------------------------------------------------------------------------------

/**
 * Integer to floating point (fcfid, fcfidu, fcfids, fcfidus; §4.6.7.2):
 * the 64-bit integer (hi, lo), signed or unsigned, rounded to double or single.
 */
export function fpFromInt64(fpscr: number, hi: number, lo: number, signed: boolean, single: boolean): number {
  const h = signed ? hi * TWO32 : (hi >>> 0) * TWO32;
  const l = lo >>> 0;
  const r = h + l;
  if (r === 0) {
    setBits(0, 0);
    return 0;
  }
  const err = twoSumErr(h, l, r);
  return finish(r, err > 0 ? 1 : err < 0 ? -1 : 0, single, fpscr);
}

/** Target integer formats of {@link fpToInt}. */
export const CVT_S32 = 0;
export const CVT_U32 = 1;
export const CVT_S64 = 2;
export const CVT_U64 = 3;

/** Exclusive upper and inclusive lower bounds of each integer format. */
const CVT_LIM = [2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64];
const CVT_MIN = [-(2 ** 31), 0, -(2 ** 63), 0];
/** Saturated results (hi, lo) for too-large and too-small / NaN operands (§A.2). */
const CVT_SAT_HI = [0, 0, 0x7fffffff, -1];
const CVT_SAT_LO = [0x7fffffff, -1, -1, -1];
const CVT_NEG_HI = [-1, 0, 0x80000000 | 0, 0];
const CVT_NEG_LO = [0x80000000 | 0, 0, 0, 0];

/** Round-to-integer of a finite double in one of the four modes (ties to even for mode 0). */
function roundInt(x: number, rn: number): number {
  switch (rn) {
    case RN_ZERO:
      return Math.trunc(x);
    case RN_PLUS_INF:
      return Math.ceil(x);
    case RN_MINUS_INF:
      return Math.floor(x);
    default: {
      const t = Math.floor(x);
      const d = x - t; // exact
      if (d > 0.5) return t + 1;
      if (d < 0.5) return t;
      return t % 2 === 0 ? t : t + 1;
    }
  }
}

/**
 * Floating point to integer (fctiw[u][z], fctid[u][z]; §4.6.7.2 and the model in §A.2),
 * rounding in FPSCR[RN] or toward zero (`truncate`). Out-of-range and NaN
 * operands give VXCVI (plus VXSNAN for an SNaN), FR = FI = 0 and the saturated
 * value (NaN: the most negative integer, or 0 when unsigned). The 64-bit result
 * is left in `res`; for 32-bit targets the ISA leaves the high word undefined:
 * it is the sign extension of the low word here.
 */
export function fpToInt(fpscr: number, bhi: number, blo: number, kind: number, truncate: boolean): number {
  let neg = true;
  let flags = FPSCR_VXCVI;
  const nan = isNaNBits(bhi, blo);
  if (nan) {
    if (isSNaNBits(bhi, blo)) flags |= FPSCR_VXSNAN;
  } else {
    const x = bitsToNum(bhi, blo);
    const r = x === Infinity || x === -Infinity ? x : roundInt(x, truncate ? RN_ZERO : fpscr & 3);
    if (r >= CVT_LIM[kind]!) neg = false;
    else if (r >= CVT_MIN[kind]!) {
      flags = r !== x ? FPSCR_FI | FPSCR_XX | ((r < 0 ? -r : r) > (x < 0 ? -x : x) ? FPSCR_FR : 0) : 0;
      const h = Math.floor(r / TWO32);
      const l = r - h * TWO32;
      res[0] = l | 0;
      res[1] = kind === CVT_S32 ? (l | 0) >> 31 : kind === CVT_U32 ? 0 : h | 0;
      return flags;
    }
  }
  // A NaN converted to a 32-bit integer leaves the (undefined) high word 0, as QEMU does.
  if (neg) setBits(kind === CVT_S32 && nan ? 0 : CVT_NEG_HI[kind]!, CVT_NEG_LO[kind]!);
  else setBits(CVT_SAT_HI[kind]!, CVT_SAT_LO[kind]!);
  return flags;
}

/**
 * Round to a floating-point integer (frin: nearest, ties away from zero; friz; frip; frim;
 * §4.6.7.3). `mode`: 0 = nearest-away, 1 = toward zero, 2 = +∞, 3 = -∞. FR, FI are 0
 * and XX is not set (the ISA reports no inexact for these); an SNaN gives VXSNAN.
 */
export function fpRoundToInt(bhi: number, blo: number, mode: number): number {
  if (isNaNBits(bhi, blo)) return propagate(bhi, blo, false);
  const be = (bhi >>> 20) & 0x7ff;
  if (be >= 1075) {
    // Already an integer (or ∞).
    setBits(bhi, blo);
    return 0;
  }
  const x = bitsToNum(bhi, blo);
  let r: number;
  if (mode === 0) {
    const t = Math.trunc(x);
    const d = x - t;
    r = d >= 0.5 ? t + 1 : d <= -0.5 ? t - 1 : t;
  } else r = roundInt(x, mode);
  if (r === 0) setBits(bhi & (0x80000000 | 0), 0);
  else setRes(r);
  return 0;
}

/**
 * Compare (fcmpu / fcmpo, §4.6.8): returns the 4-bit FPCC code (FL FG FE FU) in
 * bits 0..3 and the exception flags above them. Unordered: VXSNAN for an SNaN;
 * fcmpo (`ordered`) also VXVC for a QNaN, or for an SNaN when VE=0.
 */
export function fpCompare(fpscr: number, ahi: number, alo: number, bhi: number, blo: number, ordered: boolean): number {
  const aN = isNaNBits(ahi, alo);
  const bN = isNaNBits(bhi, blo);
  if (aN || bN) {
    const sn = snanFlag2(ahi, alo, bhi, blo);
    let f = sn;
    if (ordered) {
      if (sn === 0 || (fpscr & FPSCR_VE) === 0) f |= FPSCR_VXVC;
    }
    return f | 1;
  }
  const x = bitsToNum(ahi, alo);
  const y = bitsToNum(bhi, blo);
  return x < y ? 8 : x > y ? 4 : 2;
}

// ---- single-precision memory format (§4.6.2, §4.6.3) ------------------------------------------

/**
 * Single-precision word to double format, exactly (lfs: DOUBLE(WORD), §4.6.2):
 * a bit mapping for normals, zeros, infinities and NaNs (an SNaN stays
 * signalling), normalization for denormals. Result in `res`.
 */
export function singleToDouble(w: number): void {
  const exp = (w >>> 23) & 0xff;
  const sign = w & (0x80000000 | 0);
  if (exp === 0) {
    const frac = w & 0x7fffff;
    if (frac === 0) {
      setBits(sign, 0);
      return;
    }
    // Denormal: frac * 2^-149, normal in double format.
    setRes(frac * 2 ** -149);
    res[1] = res[1]! | sign;
    return;
  }
  const hiExp = exp === 0xff ? 0x7ff : exp - 127 + 1023;
  res[1] = sign | (hiExp << 20) | ((w & 0x7fffff) >>> 3);
  res[0] = (w & 7) << 29;
}

/**
 * Double format to a single-precision word without rounding (stfs: SINGLE(FRS), §4.6.3):
 * bits are selected for exponents above 896 (including ∞/NaN), the value is
 * denormalized (truncated) for exponents 874..896; below that the ISA leaves
 * the word undefined and this returns a signed zero (as QEMU does).
 */
export function doubleToSingle(hi: number, lo: number): number {
  const exp = (hi >>> 20) & 0x7ff;
  if (exp > 896) return (hi & (0xc0000000 | 0)) | ((hi & 0x7ffffff) << 3) | (lo >>> 29);
  const sign = hi & (0x80000000 | 0);
  if (exp < 874) return sign;
  // 53-bit significand 1.f shifted right by (926 - exp) - 23 ... keep the top bits.
  const sh = 926 - exp; // 30 .. 52
  const mhi = (hi & 0xfffff) | 0x100000; // bits 52..32 of the significand
  // significand >> sh, sh >= 30: take from mhi and the top bits of lo.
  const v = sh >= 32 ? mhi >>> (sh - 32) : (mhi << (32 - sh)) | (lo >>> sh);
  return sign | v;
}
