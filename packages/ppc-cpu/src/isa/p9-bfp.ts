/**
 * Exact binary floating point in any IEEE 754 interchange format (half, single, double,
 * quad), with BigInt: the ISA 3.0 quad-precision instructions (Power ISA 3.0B Book I §7.6,
 * "VSX Scalar Quad-Precision") and the half-precision conversions. These are rare
 * instructions, so exactness comes before speed (ARCHITECTURE.md §4 allows BigInt here).
 *
 * Conventions, as in fpu.ts: operations return the FPSCR exception and status bits they
 * raised (VX* bits, OX, UX, ZX, XX, FR, FI) and leave the result's bit pattern in
 * {@link out128.bits}. The rounding follows Book I §4.3.6 / §7.3.2.6: tininess is detected
 * before rounding; with OE=1 (UE=1) an overflowing (tiny) result has its exponent adjusted
 * by the format's bias adjustment (quad 24576, double 1536, single 192) instead of becoming
 * ±∞/max (a denormal).
 */
import {
  FPSCR_FI,
  FPSCR_FR,
  FPSCR_OE,
  FPSCR_OX,
  FPSCR_UE,
  FPSCR_UX,
  FPSCR_VXIDI,
  FPSCR_VXIMZ,
  FPSCR_VXISI,
  FPSCR_VXSNAN,
  FPSCR_VXSQRT,
  FPSCR_VXZDZ,
  FPSCR_XX,
  FPSCR_ZX,
} from './fpu.js';

export interface BfpFormat {
  /** Exponent and fraction widths. */
  readonly ebits: number;
  readonly fbits: number;
  /** Exponent adjustment of enabled overflow/underflow results; 0: the enables do not apply. */
  readonly adjust: number;
}

export const BFP16: BfpFormat = { ebits: 5, fbits: 10, adjust: 0 };
export const BFP32: BfpFormat = { ebits: 8, fbits: 23, adjust: 192 };
export const BFP64: BfpFormat = { ebits: 11, fbits: 52, adjust: 1536 };
export const BFP128: BfpFormat = { ebits: 15, fbits: 112, adjust: 24576 };

/** Rounding modes: FPSCR[RN] values 0-3, then the ISA 3.0 extras (rmode 0b100 and round to odd). */
export const RM_NEAREST = 0;
export const RM_ZERO = 1;
export const RM_PINF = 2;
export const RM_MINF = 3;
export const RM_NEAR_AWAY = 4;
export const RM_ODD = 5;

/** Operand classes of {@link unpack}. */
export const C_ZERO = 0;
export const C_FINITE = 1;
export const C_INF = 2;
export const C_QNAN = 3;
export const C_SNAN = 4;

/** An unpacked operand: value (-1)^sign × m × 2^e for finite numbers. */
export interface Unpacked {
  cls: number;
  sign: number;
  m: bigint;
  e: number;
}

/** Result of the last operation. */
export const out128 = { bits: 0n };

const bias = (f: BfpFormat) => (1 << (f.ebits - 1)) - 1;
const emaxOf = (f: BfpFormat) => bias(f);
const eminOf = (f: BfpFormat) => 1 - bias(f);
const expMask = (f: BfpFormat) => (1n << BigInt(f.ebits)) - 1n;
const fracMask = (f: BfpFormat) => (1n << BigInt(f.fbits)) - 1n;
const signBit = (f: BfpFormat) => 1n << BigInt(f.ebits + f.fbits);

export function bitLen(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

export function unpack(f: BfpFormat, bits: bigint): Unpacked {
  const sign = Number((bits >> BigInt(f.ebits + f.fbits)) & 1n);
  const exp = Number((bits >> BigInt(f.fbits)) & expMask(f));
  const frac = bits & fracMask(f);
  if (exp === Number(expMask(f))) {
    if (frac === 0n) return { cls: C_INF, sign, m: 0n, e: 0 };
    const quiet = (frac >> BigInt(f.fbits - 1)) & 1n;
    return { cls: quiet ? C_QNAN : C_SNAN, sign, m: frac, e: 0 };
  }
  if (exp === 0) {
    if (frac === 0n) return { cls: C_ZERO, sign, m: 0n, e: 0 };
    return { cls: C_FINITE, sign, m: frac, e: eminOf(f) - f.fbits };
  }
  return { cls: C_FINITE, sign, m: frac | (1n << BigInt(f.fbits)), e: exp - bias(f) - f.fbits };
}

export function isNaNCls(cls: number): boolean {
  return cls >= C_QNAN;
}

/** The quiet form of a NaN's bits (the quiet bit set), in the same format. */
export function quietBits(f: BfpFormat, bits: bigint): bigint {
  return bits | (1n << BigInt(f.fbits - 1));
}

export function infBits(f: BfpFormat, sign: number): bigint {
  return (sign ? signBit(f) : 0n) | (expMask(f) << BigInt(f.fbits));
}

export function zeroBits(f: BfpFormat, sign: number): bigint {
  return sign ? signBit(f) : 0n;
}

/** The default QNaN (sign 0, exponent all ones, only the quiet bit of the fraction). */
export function defaultNaN(f: BfpFormat): bigint {
  return (expMask(f) << BigInt(f.fbits)) | (1n << BigInt(f.fbits - 1));
}

function maxBits(f: BfpFormat, sign: number): bigint {
  return (sign ? signBit(f) : 0n) | ((expMask(f) - 1n) << BigInt(f.fbits)) | fracMask(f);
}

/** Pack sign × q × 2^lsb, with q < 2^(fbits+1) and the value in the format's range (or an adjusted one). */
function pack(f: BfpFormat, sign: number, q: bigint, lsb: number): bigint {
  const s = sign ? signBit(f) : 0n;
  if (q === 0n) return s;
  const p = f.fbits + 1;
  const L = bitLen(q);
  const E = lsb + L - 1;
  if (E < eminOf(f)) {
    // Denormal: lsb is the format's smallest (the caller rounded there).
    const sh = lsb - (eminOf(f) - f.fbits);
    return s | (sh >= 0 ? q << BigInt(sh) : q >> BigInt(-sh));
  }
  const frac = (q << BigInt(p - L)) & fracMask(f);
  return s | (BigInt(E + bias(f)) << BigInt(f.fbits)) | frac;
}

let rq = 0n;
let rInc = false;
let rInexact = false;

/** Round (m + d) × 2^e (0 <= d < 1, d > 0 iff sticky) to a multiple of 2^lsb; sets rq, rInc, rInexact. */
function roundAt(sign: number, m: bigint, e: number, sticky: boolean, lsb: number, mode: number): void {
  const sh = lsb - e;
  if (sh <= 0) {
    rq = m << BigInt(-sh);
    rInexact = sticky;
    // A sticky remainder below an exact multiple: only the directed modes can move it.
    rInc = sticky && ((mode === RM_PINF && sign === 0) || (mode === RM_MINF && sign === 1));
    if (sticky && mode === RM_ODD) rq |= 1n;
    if (rInc) rq += 1n;
    return;
  }
  const bs = BigInt(sh);
  let q = m >> bs;
  const rem = m - (q << bs);
  const half = 1n << (bs - 1n);
  rInexact = rem !== 0n || sticky;
  let inc = false;
  if (rInexact) {
    switch (mode) {
      case RM_NEAREST:
        inc = rem > half || (rem === half && (sticky || (q & 1n) === 1n));
        break;
      case RM_NEAR_AWAY:
        inc = rem >= half;
        break;
      case RM_PINF:
        inc = sign === 0;
        break;
      case RM_MINF:
        inc = sign === 1;
        break;
      case RM_ODD:
        q |= 1n;
        break;
    }
  }
  if (inc) q += 1n;
  rq = q;
  rInc = inc;
}

/**
 * Round (-1)^sign × (m + d) × 2^e (0 <= d < 1, d > 0 iff `sticky`; m carries at least two
 * bits below the rounding position when sticky is set) into format `f` with rounding `mode`.
 * `fpscr` supplies OE/UE (used when the format has an adjustment and `enables` is true).
 * Leaves the bits in out128.bits; returns OX, UX, XX, FR, FI.
 */
export function roundPack(
  f: BfpFormat,
  sign: number,
  m: bigint,
  e: number,
  sticky: boolean,
  mode: number,
  fpscr: number,
  enables = true,
): number {
  if (m === 0n && !sticky) {
    out128.bits = zeroBits(f, sign);
    return 0;
  }
  if (m === 0n) {
    // Only a sticky part: make it a real (tiny) bit far below anything representable.
    m = 1n;
    e -= 2;
    sticky = false;
  }
  const p = f.fbits + 1;
  const emin = eminOf(f);
  const emax = emaxOf(f);
  const E = e + bitLen(m) - 1;
  let lsb = E - p + 1;
  roundAt(sign, m, e, sticky, lsb, mode);
  let q = rq;
  if (bitLen(q) > p) {
    q >>= 1n;
    lsb += 1;
  }
  const status = (rInexact ? FPSCR_FI | FPSCR_XX : 0) | (rInc ? FPSCR_FR : 0);
  const Eu = lsb + p - 1;
  const adj = enables ? f.adjust : 0;
  if (Eu > emax) {
    if (adj && fpscr & FPSCR_OE) {
      out128.bits = pack(f, sign, q, lsb - adj);
      return FPSCR_OX | status;
    }
    const toInf =
      mode === RM_NEAREST ||
      mode === RM_NEAR_AWAY ||
      (mode === RM_PINF && sign === 0) ||
      (mode === RM_MINF && sign === 1);
    if (toInf) {
      out128.bits = infBits(f, sign);
      return FPSCR_OX | FPSCR_XX | FPSCR_FI | FPSCR_FR;
    }
    out128.bits = maxBits(f, sign);
    return FPSCR_OX | FPSCR_XX | FPSCR_FI;
  }
  if (E < emin) {
    if (adj && fpscr & FPSCR_UE) {
      out128.bits = pack(f, sign, q, lsb + adj);
      return FPSCR_UX | status;
    }
    roundAt(sign, m, e, sticky, emin - p + 1, mode);
    out128.bits = pack(f, sign, rq, emin - p + 1);
    if (!rInexact) return 0;
    return FPSCR_UX | FPSCR_FI | FPSCR_XX | (rInc ? FPSCR_FR : 0);
  }
  out128.bits = pack(f, sign, q, lsb);
  return status;
}

// ---- arithmetic --------------------------------------------------------------------------------

/** NaN result of a two- or three-operand operation: the first NaN in `ops`, quieted. */
function nanResult(f: BfpFormat, ops: readonly Unpacked[], bits: readonly bigint[]): number {
  let fl = 0;
  for (const u of ops) if (u.cls === C_SNAN) fl = FPSCR_VXSNAN;
  for (let i = 0; i < ops.length; i++) {
    if (isNaNCls(ops[i]!.cls)) {
      out128.bits = quietBits(f, bits[i]!);
      return fl;
    }
  }
  return fl;
}

/**
 * Bring a much smaller addend down to a stand-in that rounds identically: any nonzero value
 * far below half an ulp of the larger one only decides the direction of rounding.
 */
function clampSmall(big: Unpacked, small: Unpacked, p: number): Unpacked {
  const eb = big.e + bitLen(big.m) - 1;
  const es = small.e + bitLen(small.m) - 1;
  if (eb - es > 2 * p + 8) return { cls: C_FINITE, sign: small.sign, m: 1n, e: eb - 2 * p - 8 };
  return small;
}

/** Exact sum of two finite-or-zero operands; zero results follow the rounding mode's sign rule. */
function sumFinite(f: BfpFormat, a: Unpacked, b: Unpacked, mode: number, fpscr: number): number {
  const p = f.fbits + 1;
  if (a.cls === C_ZERO && b.cls === C_ZERO) {
    const sign = a.sign === b.sign ? a.sign : mode === RM_MINF ? 1 : 0;
    out128.bits = zeroBits(f, sign);
    return 0;
  }
  if (a.cls === C_ZERO) return roundPack(f, b.sign, b.m, b.e, false, mode, fpscr);
  if (b.cls === C_ZERO) return roundPack(f, a.sign, a.m, a.e, false, mode, fpscr);
  const aLead = a.e + bitLen(a.m);
  const bLead = b.e + bitLen(b.m);
  if (aLead >= bLead) b = clampSmall(a, b, p);
  else a = clampSmall(b, a, p);
  const e = Math.min(a.e, b.e);
  const va = (a.sign ? -a.m : a.m) << BigInt(a.e - e);
  const vb = (b.sign ? -b.m : b.m) << BigInt(b.e - e);
  const sum = va + vb;
  if (sum === 0n) {
    out128.bits = zeroBits(f, mode === RM_MINF ? 1 : 0);
    return 0;
  }
  return roundPack(f, sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, e, false, mode, fpscr);
}

/** a + b, or a - b when `sub` (Invalid: ∞ - ∞ → VXISI). */
export function bfpAdd(f: BfpFormat, ab: bigint, bb: bigint, sub: boolean, mode: number, fpscr: number): number {
  const a = unpack(f, ab);
  const b = unpack(f, bb);
  if (isNaNCls(a.cls) || isNaNCls(b.cls)) return nanResult(f, [a, b], [ab, bb]);
  if (sub) b.sign ^= 1;
  if (a.cls === C_INF || b.cls === C_INF) {
    if (a.cls === C_INF && b.cls === C_INF && a.sign !== b.sign) {
      out128.bits = defaultNaN(f);
      return FPSCR_VXISI;
    }
    out128.bits = infBits(f, a.cls === C_INF ? a.sign : b.sign);
    return 0;
  }
  return sumFinite(f, a, b, mode, fpscr);
}

/** a × b (Invalid: ∞ × 0 → VXIMZ). */
export function bfpMul(f: BfpFormat, ab: bigint, bb: bigint, mode: number, fpscr: number): number {
  const a = unpack(f, ab);
  const b = unpack(f, bb);
  if (isNaNCls(a.cls) || isNaNCls(b.cls)) return nanResult(f, [a, b], [ab, bb]);
  const sign = a.sign ^ b.sign;
  if (a.cls === C_INF || b.cls === C_INF) {
    if (a.cls === C_ZERO || b.cls === C_ZERO) {
      out128.bits = defaultNaN(f);
      return FPSCR_VXIMZ;
    }
    out128.bits = infBits(f, sign);
    return 0;
  }
  if (a.cls === C_ZERO || b.cls === C_ZERO) {
    out128.bits = zeroBits(f, sign);
    return 0;
  }
  return roundPack(f, sign, a.m * b.m, a.e + b.e, false, mode, fpscr);
}

/** a ÷ b (Invalid: ∞/∞ → VXIDI, 0/0 → VXZDZ; x/0 → ZX and ∞). */
export function bfpDiv(f: BfpFormat, ab: bigint, bb: bigint, mode: number, fpscr: number): number {
  const a = unpack(f, ab);
  const b = unpack(f, bb);
  if (isNaNCls(a.cls) || isNaNCls(b.cls)) return nanResult(f, [a, b], [ab, bb]);
  const sign = a.sign ^ b.sign;
  if (a.cls === C_INF) {
    if (b.cls === C_INF) {
      out128.bits = defaultNaN(f);
      return FPSCR_VXIDI;
    }
    out128.bits = infBits(f, sign);
    return 0;
  }
  if (b.cls === C_INF) {
    out128.bits = zeroBits(f, sign);
    return 0;
  }
  if (b.cls === C_ZERO) {
    if (a.cls === C_ZERO) {
      out128.bits = defaultNaN(f);
      return FPSCR_VXZDZ;
    }
    out128.bits = infBits(f, sign);
    return FPSCR_ZX;
  }
  if (a.cls === C_ZERO) {
    out128.bits = zeroBits(f, sign);
    return 0;
  }
  const p = f.fbits + 1;
  const k = Math.max(0, p + 3 + bitLen(b.m) - bitLen(a.m));
  const num = a.m << BigInt(k);
  const q = num / b.m;
  return roundPack(f, sign, q, a.e - b.e - k, q * b.m !== num, mode, fpscr);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLen(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** √b (Invalid: b < 0 → VXSQRT; √-0 = -0). */
export function bfpSqrt(f: BfpFormat, bb: bigint, mode: number, fpscr: number): number {
  const b = unpack(f, bb);
  if (isNaNCls(b.cls)) return nanResult(f, [b], [bb]);
  if (b.cls === C_ZERO) {
    out128.bits = bb;
    return 0;
  }
  if (b.sign) {
    out128.bits = defaultNaN(f);
    return FPSCR_VXSQRT;
  }
  if (b.cls === C_INF) {
    out128.bits = bb;
    return 0;
  }
  let m = b.m;
  let e = b.e;
  if (e & 1) {
    m <<= 1n;
    e -= 1;
  }
  const p = f.fbits + 1;
  const k = Math.max(0, p + 3 - (bitLen(m) >> 1)) + 1;
  const n = m << BigInt(2 * k);
  const r = isqrt(n);
  return roundPack(f, 0, r, (e - 2 * k) / 2, r * r !== n, mode, fpscr);
}

/**
 * a × c + b with one rounding; `negB` subtracts b, `negResult` negates the rounded result
 * (not a NaN). NaN precedence a, b, c; ∞ × 0 is VXIMZ (also when b is a QNaN), ∞ - ∞ VXISI.
 */
export function bfpMulAdd(
  f: BfpFormat,
  ab: bigint,
  cb: bigint,
  bb: bigint,
  negB: boolean,
  negResult: boolean,
  mode: number,
  fpscr: number,
): number {
  const a = unpack(f, ab);
  const b = unpack(f, bb);
  const c = unpack(f, cb);
  const imz = (a.cls === C_INF && c.cls === C_ZERO) || (a.cls === C_ZERO && c.cls === C_INF);
  if (isNaNCls(a.cls) || isNaNCls(b.cls) || isNaNCls(c.cls)) {
    let fl = nanResult(f, [a, b, c], [ab, bb, cb]);
    if (imz && !isNaNCls(a.cls) && !isNaNCls(c.cls)) fl |= FPSCR_VXIMZ;
    return fl;
  }
  if (negB) b.sign ^= 1;
  const psign = a.sign ^ c.sign;
  let fl: number;
  if (a.cls === C_INF || c.cls === C_INF) {
    if (imz) {
      out128.bits = defaultNaN(f);
      return FPSCR_VXIMZ;
    }
    if (b.cls === C_INF && b.sign !== psign) {
      out128.bits = defaultNaN(f);
      return FPSCR_VXISI;
    }
    out128.bits = infBits(f, psign);
    fl = 0;
  } else if (b.cls === C_INF) {
    out128.bits = infBits(f, b.sign);
    fl = 0;
  } else {
    const prod: Unpacked =
      a.cls === C_ZERO || c.cls === C_ZERO
        ? { cls: C_ZERO, sign: psign, m: 0n, e: 0 }
        : { cls: C_FINITE, sign: psign, m: a.m * c.m, e: a.e + c.e };
    fl = sumFinite(f, prod, b, mode, fpscr);
  }
  if (negResult && !(fl & (FPSCR_VXIMZ | FPSCR_VXISI))) out128.bits ^= signBit(f);
  return fl;
}

/** Compare: FPCC (8 lt, 4 gt, 2 eq, 1 unordered); the caller derives VXSNAN / VXVC. */
export function bfpCompare(f: BfpFormat, ab: bigint, bb: bigint): number {
  const a = unpack(f, ab);
  const b = unpack(f, bb);
  if (isNaNCls(a.cls) || isNaNCls(b.cls)) return 1;
  const va = a.cls === C_ZERO ? 0 : a.cls === C_INF ? 2 : 1;
  const vb = b.cls === C_ZERO ? 0 : b.cls === C_INF ? 2 : 1;
  // Total order of the magnitudes through exact comparison of m × 2^e.
  const cmpMag = (): number => {
    if (va !== vb) return va < vb ? -1 : 1;
    if (va !== 1) return 0;
    const la = a.e + bitLen(a.m);
    const lb = b.e + bitLen(b.m);
    if (la !== lb) return la < lb ? -1 : 1;
    const e = Math.min(a.e, b.e);
    const x = a.m << BigInt(a.e - e);
    const y = b.m << BigInt(b.e - e);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  if (va === 0 && vb === 0) return 2;
  const sa = va === 0 ? b.sign ^ 1 : a.sign;
  const sb = vb === 0 ? a.sign ^ 1 : b.sign;
  if (sa !== sb) return sa ? 8 : 4;
  const m = cmpMag();
  if (m === 0) return 2;
  return m < 0 !== (sa === 1) ? 8 : 4;
}

/**
 * Round to an integral value in format `f` (xsrqpi). Returns XX/FI when inexact (the caller
 * decides whether to report them) and leaves NaNs (quieted), infinities and zeros alone.
 */
export function bfpRoundInt(f: BfpFormat, bb: bigint, mode: number): number {
  const b = unpack(f, bb);
  if (isNaNCls(b.cls)) {
    out128.bits = quietBits(f, bb);
    return b.cls === C_SNAN ? FPSCR_VXSNAN : 0;
  }
  if (b.cls !== C_FINITE || b.e >= 0) {
    out128.bits = bb;
    return 0;
  }
  roundAt(b.sign, b.m, b.e, false, 0, mode);
  const inexact = rInexact;
  if (rq === 0n) out128.bits = zeroBits(f, b.sign);
  else roundPack(f, b.sign, rq, 0, false, RM_ZERO, 0, false);
  return inexact ? FPSCR_XX | FPSCR_FI : 0;
}

/**
 * Convert between formats (widening is exact; narrowing rounds in `mode`). An SNaN gives
 * VXSNAN and the quieted NaN; NaN payloads keep their leading fraction bits.
 */
export function bfpConvert(from: BfpFormat, to: BfpFormat, bb: bigint, mode: number, fpscr: number): number {
  const b = unpack(from, bb);
  if (isNaNCls(b.cls)) {
    const sh = to.fbits - from.fbits;
    const frac = sh >= 0 ? b.m << BigInt(sh) : b.m >> BigInt(-sh);
    out128.bits = quietBits(to, (b.sign ? signBit(to) : 0n) | (expMask(to) << BigInt(to.fbits)) | frac);
    return b.cls === C_SNAN ? FPSCR_VXSNAN : 0;
  }
  if (b.cls === C_INF) {
    out128.bits = infBits(to, b.sign);
    return 0;
  }
  if (b.cls === C_ZERO) {
    out128.bits = zeroBits(to, b.sign);
    return 0;
  }
  return roundPack(to, b.sign, b.m, b.e, false, mode, fpscr);
}

/** FPRF (C || FPCC, §4.2.2 Table 4.2) of a result in format `f`, already in FPSCR position. */
export function fprfBfp(f: BfpFormat, bits: bigint): number {
  const u = unpack(f, bits);
  switch (u.cls) {
    case C_QNAN:
    case C_SNAN:
      return 0x11 << 12;
    case C_INF:
      return (u.sign ? 0x09 : 0x05) << 12;
    case C_ZERO:
      return (u.sign ? 0x12 : 0x02) << 12;
    default: {
      const denorm = bitLen(u.m) <= f.fbits;
      if (denorm) return (u.sign ? 0x18 : 0x14) << 12;
      return (u.sign ? 0x08 : 0x04) << 12;
    }
  }
}

/** Data-class match of the DCMX mask (xststdc*, xvtstdc*): bits NaN, +∞, -∞, +0, -0, +denormal, -denormal. */
export function dataClassMatch(f: BfpFormat, bits: bigint, dcmx: number): boolean {
  const u = unpack(f, bits);
  switch (u.cls) {
    case C_QNAN:
    case C_SNAN:
      return (dcmx & 0x40) !== 0;
    case C_INF:
      return (dcmx & (u.sign ? 0x10 : 0x20)) !== 0;
    case C_ZERO:
      return (dcmx & (u.sign ? 0x04 : 0x08)) !== 0;
    default:
      return bitLen(u.m) <= f.fbits && (dcmx & (u.sign ? 0x01 : 0x02)) !== 0;
  }
}
