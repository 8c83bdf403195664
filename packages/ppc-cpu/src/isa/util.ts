/**
 * Helpers shared by the instruction handlers: 64-bit arithmetic on int32
 * halves (no BigInt on the hot path, ARCHITECTURE.md §4), effective
 * addresses, CR0 and XER updates.
 */
import type { Cpu } from '../cpu.js';
import { CR, XER_CA, XER_CA32, XER_OV, XER_OV32, XER_SO } from '../state.js';

export const TWO32 = 4294967296;

/** Result registers for multi-value helpers: out[0]=lo, out[1]=hi, out[2]/out[3] extras. */
export const out = new Int32Array(4);

/** EA = (RA|0) + d (D-form). Returns the low half; the high half goes to c.eah. */
export function eaD(c: Cpu, ra2: number, d: number): number {
  const s = c.s;
  if (ra2 < 0) {
    c.eah = c.sf ? d >> 31 : 0;
    return d | 0;
  }
  const a = (s[ra2]! >>> 0) + d;
  if (!c.sf) {
    c.eah = 0;
    return a | 0;
  }
  c.eah = a >= TWO32 ? (s[ra2 + 1]! + 1) | 0 : a < 0 ? (s[ra2 + 1]! - 1) | 0 : s[ra2 + 1]!;
  return a | 0;
}

/** EA = (RA|0) + (RB) (X-form). `ra2` is 2*RA, or -1 for RA=0. */
export function eaX(c: Cpu, ra2: number, rb2: number): number {
  const s = c.s;
  if (ra2 < 0) {
    c.eah = c.sf ? s[rb2 + 1]! : 0;
    return s[rb2]!;
  }
  const a = (s[ra2]! >>> 0) + (s[rb2]! >>> 0);
  c.eah = c.sf ? (s[ra2 + 1]! + s[rb2 + 1]! + (a >= TWO32 ? 1 : 0)) | 0 : 0;
  return a | 0;
}

/** 2*RA for an (RA|0) operand, -1 when RA is 0. */
export function ra0(ra: number): number {
  return ra === 0 ? -1 : ra * 2;
}

/** Set CR0 from a result (Power ISA Book I §3.3.1.1): 64-bit compare in 64-bit mode, else the low word. */
export function setCr0(c: Cpu, lo: number, hi: number): void {
  const s = c.s;
  let f: number;
  if (c.sf) {
    f = hi < 0 ? 8 : (hi | lo) !== 0 ? 4 : 2;
  } else {
    f = lo < 0 ? 8 : lo !== 0 ? 4 : 2;
  }
  s[CR] = (s[CR]! & 0x0fffffff) | ((f | s[XER_SO]!) << 28);
}

/** Set CR field `bf` (0..7) to a 4-bit value. */
export function setCrField(c: Cpu, bf: number, v: number): void {
  const sh = 28 - 4 * bf;
  c.s[CR] = (c.s[CR]! & ~(0xf << sh)) | (v << sh);
}

/** Signed 64-bit compare: -1, 0, 1. */
export function cmpS64(alo: number, ahi: number, blo: number, bhi: number): number {
  if (ahi !== bhi) return ahi < bhi ? -1 : 1;
  if (alo === blo) return 0;
  return alo >>> 0 < blo >>> 0 ? -1 : 1;
}

/** Unsigned 64-bit compare: -1, 0, 1. */
export function cmpU64(alo: number, ahi: number, blo: number, bhi: number): number {
  if (ahi !== bhi) return ahi >>> 0 < bhi >>> 0 ? -1 : 1;
  if (alo === blo) return 0;
  return alo >>> 0 < blo >>> 0 ? -1 : 1;
}

/** CR field value (LT/GT/EQ | SO) for a compare result. */
export function crFromCmp(c: Cpu, r: number): number {
  return (r < 0 ? 8 : r > 0 ? 4 : 2) | c.s[XER_SO]!;
}

/**
 * a + b + cin over 64 bits. out[0]/out[1] = result, out[2] = carry out of bit 0
 * (CA), out[3] = carry out of bit 32 (CA32, ISA 3.0; kept on all models).
 */
export function add64(alo: number, ahi: number, blo: number, bhi: number, cin: number): void {
  const l = (alo >>> 0) + (blo >>> 0) + cin;
  const lc = l >= TWO32 ? 1 : 0;
  const h = (ahi >>> 0) + (bhi >>> 0) + lc;
  out[0] = l | 0;
  out[1] = h | 0;
  out[2] = h >= TWO32 ? 1 : 0;
  out[3] = lc;
}

/** Record CA/CA32 from the last add64. */
export function setCarry(c: Cpu): void {
  c.s[XER_CA] = out[2]!;
  c.s[XER_CA32] = out[3]!;
}

/**
 * Signed overflow of a 64-bit add/sub whose operands (after inversion for
 * subtraction) were a and b and result r: OV, OV32, and SO (Book I §3.3.9).
 */
export function setOvAdd(c: Cpu, ahi: number, bhi: number, rhi: number, alo: number, blo: number, rlo: number): void {
  const s = c.s;
  const ov = c.sf ? ((~(ahi ^ bhi) & (ahi ^ rhi)) >>> 31) & 1 : ((~(alo ^ blo) & (alo ^ rlo)) >>> 31) & 1;
  const ov32 = ((~(alo ^ blo) & (alo ^ rlo)) >>> 31) & 1;
  s[XER_OV] = ov;
  s[XER_OV32] = ov32;
  if (ov) s[XER_SO] = 1;
}

/** Set OV and OV32 (and SO when set) to one value. */
export function setOv(c: Cpu, ov: number): void {
  const s = c.s;
  s[XER_OV] = ov;
  s[XER_OV32] = ov;
  if (ov) s[XER_SO] = 1;
}

/** Unsigned 32x32 -> 64 multiply: out[0] = lo, out[1] = hi. */
export function mulU32(a: number, b: number): void {
  a >>>= 0;
  b >>>= 0;
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const mid = a1 * b0 + a0 * b1; // < 2^33
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^33
  const carry = Math.floor(low / TWO32);
  out[0] = low >>> 0;
  out[1] = (a1 * b1 + Math.floor(mid / 65536) + carry) >>> 0;
}

/** Low 64 bits of a 64x64 multiply (same for signed and unsigned): out[0..1]. */
export function mulLo64(alo: number, ahi: number, blo: number, bhi: number): void {
  mulU32(alo, blo);
  const hi = (out[1]! + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
  out[1] = hi;
}

/** High 64 bits of an unsigned 64x64 multiply: out[0..1]. */
export function mulHiU64(alo: number, ahi: number, blo: number, bhi: number): void {
  // Schoolbook on 32-bit limbs; each partial product is split exactly.
  mulU32(alo, blo);
  const p00h = out[1]! >>> 0;
  mulU32(alo, bhi);
  const p01l = out[0]! >>> 0;
  const p01h = out[1]! >>> 0;
  mulU32(ahi, blo);
  const p10l = out[0]! >>> 0;
  const p10h = out[1]! >>> 0;
  mulU32(ahi, bhi);
  const p11l = out[0]! >>> 0;
  const p11h = out[1]! >>> 0;
  const col1 = p00h + p01l + p10l; // < 3*2^32
  const c1 = Math.floor(col1 / TWO32);
  const col2 = p01h + p10h + p11l + c1;
  const c2 = Math.floor(col2 / TWO32);
  out[0] = col2 >>> 0;
  out[1] = (p11h + c2) >>> 0;
}

/** High 64 bits of a signed 64x64 multiply: out[0..1]. */
export function mulHiS64(alo: number, ahi: number, blo: number, bhi: number): void {
  mulHiU64(alo, ahi, blo, bhi);
  // Signed correction: subtract b<<64 when a<0 and a<<64 when b<0 (mod 2^64 on the high half).
  let lo = out[0]! >>> 0;
  let hi = out[1]! >>> 0;
  if (ahi < 0) {
    const l = lo - (blo >>> 0);
    hi = (hi - (bhi >>> 0) - (l < 0 ? 1 : 0)) >>> 0;
    lo = l >>> 0;
  }
  if (bhi < 0) {
    const l = lo - (alo >>> 0);
    hi = (hi - (ahi >>> 0) - (l < 0 ? 1 : 0)) >>> 0;
    lo = l >>> 0;
  }
  out[0] = lo;
  out[1] = hi;
}

/** 64-bit value from halves as BigInt (rare paths: divide). */
export function big(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function bigS(lo: number, hi: number): bigint {
  return (BigInt(hi | 0) << 32n) | BigInt(lo >>> 0);
}

/** Store a BigInt into out[0..1] (truncated to 64 bits). */
export function fromBig(v: bigint): void {
  const x = BigInt.asUintN(64, v);
  out[0] = Number(x & 0xffffffffn) | 0;
  out[1] = Number(x >> 32n) | 0;
}

/** Rotate a 64-bit value left by n (0..63): out[0..1]. */
export function rotl64(lo: number, hi: number, n: number): void {
  n &= 63;
  if (n >= 32) {
    const t = lo;
    lo = hi;
    hi = t;
    n -= 32;
  }
  if (n === 0) {
    out[0] = lo;
    out[1] = hi;
    return;
  }
  out[0] = (lo << n) | (hi >>> (32 - n));
  out[1] = (hi << n) | (lo >>> (32 - n));
}

/** 64-bit MASK(mb, me) of Book I §3.3.14 (wraps when mb > me): out[0..1]. */
export function mask64(mb: number, me: number): void {
  // Bits mb..me set, numbering from 0 = MSB.
  const ones = (from: number, to: number): [number, number] => {
    // from <= to, inclusive, big-endian numbering.
    let hi = 0;
    let lo = 0;
    if (from <= 31) {
      const a = from;
      const b = Math.min(to, 31);
      hi = (0xffffffff >>> a) & ~(b === 31 ? 0 : 0xffffffff >>> (b + 1));
    }
    if (to >= 32) {
      const a = Math.max(from, 32) - 32;
      const b = to - 32;
      lo = (0xffffffff >>> a) & ~(b === 31 ? 0 : 0xffffffff >>> (b + 1));
    }
    return [lo | 0, hi | 0];
  };
  if (mb <= me) {
    const [l, h] = ones(mb, me);
    out[0] = l;
    out[1] = h;
  } else {
    const [l1, h1] = ones(0, me);
    const [l2, h2] = ones(mb, 63);
    out[0] = l1 | l2;
    out[1] = h1 | h2;
  }
}

/** 32-bit MASK(mb+32, me+32) as a 32-bit value (for rlw*). */
export function mask32(mb: number, me: number): number {
  const a = 0xffffffff >>> mb;
  const b = me === 31 ? 0xffffffff : ~(0xffffffff >>> (me + 1));
  return mb <= me ? a & b : a | b;
}

export function clz32(x: number): number {
  return Math.clz32(x);
}

export function popcnt32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Set XER[SO/OV] for mtxer-style sources and keep SO sticky. */
export function xerSoOv(c: Cpu): number {
  return c.s[XER_SO]!;
}

/** (hi:lo) + n for small n, in 64- or 32-bit mode. */
export function addEaN(hi: number, lo: number, n: number, sf: boolean): [number, number] {
  const a = (lo >>> 0) + n;
  if (!sf) return [0, a | 0];
  return [a >= TWO32 ? (hi + 1) | 0 : a < 0 ? (hi - 1) | 0 : hi, a | 0];
}
