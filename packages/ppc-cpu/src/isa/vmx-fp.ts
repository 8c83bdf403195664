/**
 * Vector floating-point instructions (Power ISA 2.07 Book I ch. 6). Single
 * precision, round to nearest even, no FPSCR; NaN operands propagate (the
 * first NaN of VRA, VRB, VRC, made quiet); invalid operations give the
 * default QNaN 0x7FC00000. In non-Java mode (VSCR[NJ]=1) denormal operands
 * are read as zero and denormal results are written as zero, keeping their
 * sign (Vector Floating-Point Operations).
 *
 * Arithmetic is done in double precision and rounded once to single: for
 * +, -, x, / and sqrt of single operands that double rounding is exact. The
 * fused multiply-add rounds the double sum to odd first, which makes the
 * final rounding to single exact too.
 */
import type { Cpu } from '../cpu.js';
import * as st from '../state.js';
import type { VFactory } from './vmx-core.js';
import * as core from './vmx-core.js';

// Local copies of imported bindings: dev-time ESM transforms (vitest, tsx) turn every use of an
// import into a getter call, which costs more than these executors themselves.
const { VSCR } = st;
const { flushSat, satFlag, setCr6, setCr6Raw, VSCR_NJ, vecOff, vrW, vv } = core;

const VMX = 'vmx' as const;
const QNAN = 0x7fc00000;
const QUIET = 0x00400000;
const MIN_NORMAL = 1.1754943508222875e-38; // 2^-126
const TWO52 = 4503599627370496;

function isNaNBits(x: number): boolean {
  return (x & 0x7fffffff) > 0x7f800000;
}

/** Operand value of storage word i, with denormals read as zero when NJ. */
function fin(s: Int32Array, f32: Float32Array, i: number, nj: boolean): number {
  if (nj) {
    const x = s[i]!;
    if ((x & 0x7f800000) === 0 && (x & 0x007fffff) !== 0) return x < 0 ? -0 : 0;
  }
  return f32[i]!;
}

/** Store a double result rounded to single into word i (default NaN, NJ flush of tiny results). */
function fout(s: Int32Array, f32: Float32Array, i: number, r: number, nj: boolean): void {
  if (Number.isNaN(r)) {
    s[i] = QNAN;
    return;
  }
  if (nj && r !== 0 && Math.abs(r) < MIN_NORMAL) {
    s[i] = r < 0 ? -2147483648 : 0;
    return;
  }
  f32[i] = r;
}

const dbl = new Float64Array(1);
const dblw = new Int32Array(dbl.buffer);

/** a*c + b rounded to odd in double precision, so that one more rounding to single is correct. */
function fmaOdd(a: number, c: number, b: number): number {
  const p = a * c; // exact: two 24-bit significands fit in 53 bits, exponents stay in double range
  const s = p + b;
  if (s === 0 || s - s !== 0) return s;
  // TwoSum error of the addition.
  const bb = s - p;
  const err = p - (s - bb) + (b - bb);
  if (err === 0) return s;
  dbl[0] = s;
  if ((dblw[0]! & 1) === 0) {
    // Even significand: step one ulp towards the exact value, giving the odd neighbour.
    const up = err > 0 === s > 0; // magnitude grows
    const lo = dblw[0]!;
    if (up) {
      dblw[0] = (lo + 1) | 0;
      if (lo === -1) dblw[1] = (dblw[1]! + 1) | 0;
    } else {
      dblw[0] = (lo - 1) | 0;
      if (lo === 0) dblw[1] = (dblw[1]! - 1) | 0;
    }
    return dbl[0]!;
  }
  return s;
}

type Bin = 'add' | 'sub' | 'max' | 'min';

function fpBin(op: Bin): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      const f32 = vv(c).f32;
      const nj = (s[VSCR]! & VSCR_NJ) !== 0;
      for (let k = 0; k < 4; k++) {
        const xb = s[a + k]!;
        const yb = s[b + k]!;
        if (isNaNBits(xb)) {
          s[t + k] = xb | QUIET;
          continue;
        }
        if (isNaNBits(yb)) {
          s[t + k] = yb | QUIET;
          continue;
        }
        const x = fin(s, f32, a + k, nj);
        const y = fin(s, f32, b + k, nj);
        let r: number;
        if (op === 'add') r = x + y;
        else if (op === 'sub') r = x - y;
        else if (op === 'max') r = x > y || (x === y && !Object.is(x, -0)) ? x : y;
        else r = x < y || (x === y && Object.is(x, -0)) ? x : y;
        fout(s, f32, t + k, r, nj);
      }
      return 0;
    };
  };
}

/** vmaddfp: VRA*VRC + VRB; vnmsubfp: -(VRA*VRC - VRB). One rounding. */
function fpFma(negate: boolean): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    const cc = vrW(f.vrc!);
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      const f32 = vv(c).f32;
      const nj = (s[VSCR]! & VSCR_NJ) !== 0;
      for (let k = 0; k < 4; k++) {
        const xa = s[a + k]!;
        const xb = s[b + k]!;
        const xc = s[cc + k]!;
        // NaN precedence A, B, C; a NaN result is not negated (QEMU agrees).
        if (isNaNBits(xa)) s[t + k] = xa | QUIET;
        else if (isNaNBits(xb)) s[t + k] = xb | QUIET;
        else if (isNaNBits(xc)) s[t + k] = xc | QUIET;
        else {
          const va = fin(s, f32, a + k, nj);
          const vb = fin(s, f32, b + k, nj);
          const vc = fin(s, f32, cc + k, nj);
          const r = fmaOdd(va, vc, negate ? -vb : vb);
          if (Number.isNaN(r)) s[t + k] = QNAN;
          else fout(s, f32, t + k, negate ? -r : r, nj);
        }
      }
      return 0;
    };
  };
}

type Un = 're' | 'rsqrte' | 'expte' | 'loge' | 'rfin' | 'rfiz' | 'rfip' | 'rfim';

/** Round half to even to an integer (|x| < 2^52). */
function rint(x: number): number {
  const ax = Math.abs(x);
  if (ax >= TWO52) return x;
  const r = ax + TWO52 - TWO52;
  return x < 0 || Object.is(x, -0) ? -r : r;
}

function fpUnary(op: Un): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const b = vrW(f.vrb!);
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      const f32 = vv(c).f32;
      const nj = (s[VSCR]! & VSCR_NJ) !== 0;
      for (let k = 0; k < 4; k++) {
        const xb = s[b + k]!;
        if (isNaNBits(xb)) {
          s[t + k] = xb | QUIET;
          continue;
        }
        const x = fin(s, f32, b + k, nj);
        let r: number;
        switch (op) {
          // The estimates are computed exactly (correctly rounded, rsqrte as 1/sqrt rounded twice),
          // as QEMU does: well inside the architected 1/4096 (re, rsqrte) and 1/16 (expte, loge).
          case 're':
            r = 1 / x;
            break;
          case 'rsqrte':
            r = 1 / Math.fround(Math.sqrt(x));
            break;
          case 'expte':
            r = 2 ** x;
            break;
          case 'loge':
            r = Math.log2(x);
            break;
          case 'rfin':
            r = rint(x);
            break;
          case 'rfiz':
            r = Math.trunc(x);
            break;
          case 'rfip':
            r = Math.ceil(x);
            break;
          default:
            r = Math.floor(x);
        }
        fout(s, f32, t + k, r, nj);
      }
      return 0;
    };
  };
}

/** vcfux/vcfsx: word integers to single, divided by 2^UIM. */
function fpFromInt(signed: boolean): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const b = vrW(f.vrb!);
    const scale = 2 ** -f.uim!;
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      const f32 = vv(c).f32;
      for (let k = 0; k < 4; k++) {
        const x = signed ? s[b + k]! : s[b + k]! >>> 0;
        f32[t + k] = x * scale;
      }
      return 0;
    };
  };
}

/**
 * vctuxs/vctsxs: single times 2^UIM to word integers, truncating, saturating with VSCR[SAT]
 * (Vector Floating-Point Rounding and Conversion). A NaN converts to 0 without setting SAT, as QEMU does.
 */
function fpToInt(signed: boolean): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const b = vrW(f.vrb!);
    const scale = 2 ** f.uim!;
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      const f32 = vv(c).f32;
      const nj = (s[VSCR]! & VSCR_NJ) !== 0;
      for (let k = 0; k < 4; k++) {
        if (isNaNBits(s[b + k]!)) {
          s[t + k] = 0;
          continue;
        }
        const x = Math.trunc(fin(s, f32, b + k, nj) * scale);
        if (signed) {
          if (x > 2147483647) {
            s[t + k] = 2147483647;
            satFlag[0] = 1;
          } else if (x < -2147483648) {
            s[t + k] = -2147483648;
            satFlag[0] = 1;
          } else s[t + k] = x;
        } else if (x > 4294967295) {
          s[t + k] = -1;
          satFlag[0] = 1;
        } else if (x < 0) {
          s[t + k] = 0;
          satFlag[0] = 1;
        } else s[t + k] = x;
      }
      flushSat(c);
      return 0;
    };
  };
}

/** vcmpeqfp/vcmpgefp/vcmpgtfp[.]: NaN compares false. */
function fpCmp(op: 'eq' | 'ge' | 'gt'): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    const rc = f.rc;
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      const f32 = vv(c).f32;
      const nj = (s[VSCR]! & VSCR_NJ) !== 0;
      let all = 1;
      let any = 0;
      for (let k = 0; k < 4; k++) {
        const x = fin(s, f32, a + k, nj);
        const y = fin(s, f32, b + k, nj);
        const r = op === 'eq' ? x === y : op === 'ge' ? x >= y : x > y;
        s[t + k] = r ? -1 : 0;
        if (r) any = 1;
        else all = 0;
      }
      if (rc) setCr6(c, all, any);
      return 0;
    };
  };
}

/**
 * vcmpbfp[.]: bounds check, bit 0 = not (a <= b), bit 1 = not (a >= -b); NaNs set both.
 * CR6 bit 2 says every element is within bounds.
 */
const vcmpbfp: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  const rc = f.rc;
  return (c: Cpu) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    const f32 = vv(c).f32;
    const nj = (s[VSCR]! & VSCR_NJ) !== 0;
    let out = 0;
    for (let k = 0; k < 4; k++) {
      const x = fin(s, f32, a + k, nj);
      const y = fin(s, f32, b + k, nj);
      const r = (x <= y ? 0 : 0x80000000) | (x >= -y ? 0 : 0x40000000);
      s[t + k] = r;
      out |= r;
    }
    if (rc) setCr6Raw(c, out === 0 ? 2 : 0);
    return 0;
  };
};

export const FP_EXEC: Record<string, VFactory> = {
  vaddfp: fpBin('add'),
  vsubfp: fpBin('sub'),
  vmaxfp: fpBin('max'),
  vminfp: fpBin('min'),
  vmaddfp: fpFma(false),
  vnmsubfp: fpFma(true),
  vrefp: fpUnary('re'),
  vrsqrtefp: fpUnary('rsqrte'),
  vexptefp: fpUnary('expte'),
  vlogefp: fpUnary('loge'),
  vrfin: fpUnary('rfin'),
  vrfiz: fpUnary('rfiz'),
  vrfip: fpUnary('rfip'),
  vrfim: fpUnary('rfim'),
  vcfux: fpFromInt(false),
  vcfsx: fpFromInt(true),
  vctuxs: fpToInt(false),
  vctsxs: fpToInt(true),
  vcmpeqfp: fpCmp('eq'),
  vcmpgefp: fpCmp('ge'),
  vcmpgtfp: fpCmp('gt'),
  vcmpbfp,
};
