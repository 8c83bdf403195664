/**
 * Vector crypto and decimal instructions new in Power ISA 2.07 Book I:
 * AES rounds (vcipher..vsbox), SHA-2 sigma functions, carry-less
 * multiply-sum (vpmsum*) -- the 'Vector Exclusive-OR-based Instructions' --
 * and signed BCD add/subtract (bcdadd./bcdsub., 'Decimal Integer Arithmetic').
 */
import type { Cpu } from '../cpu.js';
import type { VFactory } from './vmx-core.js';
import * as core from './vmx-core.js';

// Local copies of imported bindings: dev-time ESM transforms (vitest, tsx) turn every use of an
// import into a getter call, which costs more than these executors themselves.
const { setCr6Raw, vecOff, vrB, vrH, vrW, vv } = core;

const VMX = 'vmx' as const;

// ---- AES (FIPS-197) tables, computed from the field arithmetic ----------------------------------

function gmul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) p ^= a;
    const hi = a & 0x80;
    a = (a << 1) & 0xff;
    if (hi) a ^= 0x1b;
    b >>= 1;
  }
  return p;
}

const SBOX = new Uint8Array(256);
const INV_SBOX = new Uint8Array(256);
const MUL = (k: number) => Uint8Array.from({ length: 256 }, (_, x) => gmul(x, k));
const M2 = MUL(2);
const M3 = MUL(3);
const M9 = MUL(9);
const M11 = MUL(11);
const M13 = MUL(13);
const M14 = MUL(14);

/** S-box: multiplicative inverse in GF(2^8) followed by the affine map (FIPS-197 §5.1.1). */
function initSbox(): void {
  for (let x = 0; x < 256; x++) {
    let inv = 0;
    if (x !== 0) for (inv = 1; gmul(x, inv) !== 1; inv++);
    let s = inv;
    let r = inv;
    for (let i = 0; i < 4; i++) {
      r = ((r << 1) | (r >>> 7)) & 0xff;
      s ^= r;
    }
    SBOX[x] = s ^ 0x63;
  }
  for (let x = 0; x < 256; x++) INV_SBOX[SBOX[x]!] = x;
}
initSbox();

/** ShiftRows source index for state byte n (row n%4, column n>>2), and its inverse. */
const SHIFT = Uint8Array.from({ length: 16 }, (_, n) => (n & 3) + 4 * (((n >> 2) + (n & 3)) & 3));
const ISHIFT = Uint8Array.from({ length: 16 }, (_, n) => (n & 3) + 4 * (((n >> 2) - (n & 3) + 4) & 3));

const st = new Uint8Array(16);
const tmp = new Uint8Array(16);
const tmpw = new Int32Array(4);

/**
 * Column tables: the contribution of state byte x in row r of a column to that column's
 * MixColumns (or InvMixColumns) output, as a big-endian word (row 0 in the top byte).
 * TE applies the S-box first; IMC takes the byte as is.
 */
const TE: Int32Array[] = [0, 1, 2, 3].map(() => new Int32Array(256));
const IMC: Int32Array[] = [0, 1, 2, 3].map(() => new Int32Array(256));
function initColumnTables(): void {
  const ror = (w: number, n: number) => (w >>> n) | (w << (32 - n));
  for (let x = 0; x < 256; x++) {
    const y = SBOX[x]!;
    const te = (M2[y]! << 24) | (y << 16) | (y << 8) | M3[y]!;
    const im = (M14[x]! << 24) | (M9[x]! << 16) | (M13[x]! << 8) | M11[x]!;
    for (let r = 0; r < 4; r++) {
      TE[r]![x] = r ? ror(te, 8 * r) : te;
      IMC[r]![x] = r ? ror(im, 8 * r) : im;
    }
  }
}
initColumnTables();
const [TE0, TE1, TE2, TE3] = TE as [Int32Array, Int32Array, Int32Array, Int32Array];
const [IMC0, IMC1, IMC2, IMC3] = IMC as [Int32Array, Int32Array, Int32Array, Int32Array];

function aes(kind: 'cipher' | 'cipherlast' | 'ncipher' | 'ncipherlast'): VFactory {
  return (f) => {
    const t = vrB(f.vrt!);
    const a = vrB(f.vra!);
    const b = vrB(f.vrb!);
    const tw = t >> 2;
    const bw = b >> 2;
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const u8 = vv(c).u8;
      const s = c.s;
      // State byte n is architected byte n of VRA (storage byte 15-n); column j is architected
      // word j (storage word 3-j).
      for (let n = 0; n < 16; n++) st[n] = u8[a + 15 - n]!;
      if (kind === 'cipher') {
        // SubBytes, ShiftRows and MixColumns through the column tables, then AddRoundKey.
        for (let j = 0; j < 4; j++) {
          const n = 4 * j;
          tmpw[j] =
            TE0[st[SHIFT[n]!]!]! ^ TE1[st[SHIFT[n + 1]!]!]! ^ TE2[st[SHIFT[n + 2]!]!]! ^ TE3[st[SHIFT[n + 3]!]!]!;
        }
        for (let j = 0; j < 4; j++) s[tw + 3 - j] = tmpw[j]! ^ s[bw + 3 - j]!;
      } else if (kind === 'cipherlast') {
        for (let n = 0; n < 16; n++) tmp[n] = SBOX[st[SHIFT[n]!]!]!;
        for (let n = 0; n < 16; n++) u8[t + 15 - n] = tmp[n]! ^ u8[b + 15 - n]!;
      } else {
        // vncipher: InvShiftRows, InvSubBytes, AddRoundKey, then InvMixColumns (2.07B).
        for (let n = 0; n < 16; n++) tmp[n] = INV_SBOX[st[ISHIFT[n]!]!]! ^ u8[b + 15 - n]!;
        if (kind === 'ncipher') {
          for (let j = 0; j < 4; j++) {
            const n = 4 * j;
            s[tw + 3 - j] = IMC0[tmp[n]!]! ^ IMC1[tmp[n + 1]!]! ^ IMC2[tmp[n + 2]!]! ^ IMC3[tmp[n + 3]!]!;
          }
        } else for (let n = 0; n < 16; n++) u8[t + 15 - n] = tmp[n]!;
      }
      return 0;
    };
  };
}

const vsbox: VFactory = (f) => {
  const t = vrB(f.vrt!);
  const a = vrB(f.vra!);
  return (c: Cpu) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const u8 = vv(c).u8;
    for (let k = 0; k < 16; k++) u8[t + k] = SBOX[u8[a + k]!]!;
    return 0;
  };
};

// ---- SHA-2 sigma --------------------------------------------------------------------------------

const ror32 = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/** vshasigmaw: ST selects the sigma (0) or Sigma (1) family, SIX bit i the function for word i. */
const vshasigmaw: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const stv = f.st!;
  const six = f.six!;
  return (c: Cpu) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    for (let i = 0; i < 4; i++) {
      const x = s[a + 3 - i]!;
      const one = (six & (8 >> i)) !== 0;
      let r: number;
      if (stv === 0) r = one ? ror32(x, 17) ^ ror32(x, 19) ^ (x >>> 10) : ror32(x, 7) ^ ror32(x, 18) ^ (x >>> 3);
      else r = one ? ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25) : ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22);
      tmpw[3 - i] = r;
    }
    s[t] = tmpw[0]!;
    s[t + 1] = tmpw[1]!;
    s[t + 2] = tmpw[2]!;
    s[t + 3] = tmpw[3]!;
    return 0;
  };
};

const r64 = new Int32Array(2);

/** Rotate (lo, hi) right by n (1..63) into r64. */
function ror64(lo: number, hi: number, n: number): void {
  if (n >= 32) {
    const x = lo;
    lo = hi;
    hi = x;
    n -= 32;
  }
  if (n === 0) {
    r64[0] = lo;
    r64[1] = hi;
    return;
  }
  r64[0] = (lo >>> n) | (hi << (32 - n));
  r64[1] = (hi >>> n) | (lo << (32 - n));
}

/** XOR of two rotates and a third rotate or shift, per the SHA-512 sigma definitions. */
function sig64(lo: number, hi: number, r1: number, r2: number, r3: number, shift: boolean): void {
  ror64(lo, hi, r1);
  let l = r64[0]!;
  let h = r64[1]!;
  ror64(lo, hi, r2);
  l ^= r64[0]!;
  h ^= r64[1]!;
  if (shift) {
    l ^= (lo >>> r3) | (hi << (32 - r3));
    h ^= hi >>> r3;
  } else {
    ror64(lo, hi, r3);
    l ^= r64[0]!;
    h ^= r64[1]!;
  }
  r64[0] = l;
  r64[1] = h;
}

/** vshasigmad: doubleword i uses SIX bit 2i. */
const vshasigmad: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const stv = f.st!;
  const six = f.six!;
  return (c: Cpu) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    for (let i = 0; i < 2; i++) {
      // Architected doubleword i is storage words 2-2i (low) and 3-2i (high).
      const w = 2 - 2 * i;
      const lo = s[a + w]!;
      const hi = s[a + w + 1]!;
      const one = (six & (8 >> (2 * i))) !== 0;
      if (stv === 0) {
        if (one) sig64(lo, hi, 19, 61, 6, true);
        else sig64(lo, hi, 1, 8, 7, true);
      } else if (one) sig64(lo, hi, 14, 18, 41, false);
      else sig64(lo, hi, 28, 34, 39, false);
      tmpw[w] = r64[0]!;
      tmpw[w + 1] = r64[1]!;
    }
    s[t] = tmpw[0]!;
    s[t + 1] = tmpw[1]!;
    s[t + 2] = tmpw[2]!;
    s[t + 3] = tmpw[3]!;
    return 0;
  };
};

// ---- carry-less multiply-sum (binary polynomial multiplication) ---------------------------------

const cl = new Int32Array(2);

/** Carry-less 32x32 -> 64 product into cl[0] (low), cl[1] (high). */
function clmul32(a: number, b: number): void {
  let lo = 0;
  let hi = 0;
  b >>>= 0;
  while (b !== 0) {
    const i = 31 - Math.clz32(b & -b);
    b &= b - 1;
    lo ^= a << i;
    if (i !== 0) hi ^= a >>> (32 - i);
  }
  cl[0] = lo;
  cl[1] = hi;
}

/** Carry-less n x n bit product for n <= 16 (fits in 31 bits). */
function clmulSmall(a: number, b: number): number {
  let r = 0;
  while (b !== 0) {
    const i = 31 - Math.clz32(b & -b);
    b &= b - 1;
    r ^= a << i;
  }
  return r;
}

const vpmsumb: VFactory = (f) => {
  const t = vrH(f.vrt!);
  const a = vrH(f.vra!);
  const b = vrH(f.vrb!);
  return (c: Cpu) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const h = vv(c).u16;
    for (let k = 0; k < 8; k++) {
      const x = h[a + k]!;
      const y = h[b + k]!;
      h[t + k] = clmulSmall(x >>> 8, y >>> 8) ^ clmulSmall(x & 255, y & 255);
    }
    return 0;
  };
};

const vpmsumh: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  return (c: Cpu) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    for (let k = 0; k < 4; k++) {
      const x = s[a + k]!;
      const y = s[b + k]!;
      s[t + k] = clmulSmall(x >>> 16, y >>> 16) ^ clmulSmall(x & 0xffff, y & 0xffff);
    }
    return 0;
  };
};

const vpmsumw: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  return (c: Cpu) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    for (let k = 0; k < 4; k += 2) {
      clmul32(s[a + k]!, s[b + k]!);
      const lo = cl[0]!;
      const hi = cl[1]!;
      clmul32(s[a + k + 1]!, s[b + k + 1]!);
      tmpw[k] = lo ^ cl[0]!;
      tmpw[k + 1] = hi ^ cl[1]!;
    }
    s[t] = tmpw[0]!;
    s[t + 1] = tmpw[1]!;
    s[t + 2] = tmpw[2]!;
    s[t + 3] = tmpw[3]!;
    return 0;
  };
};

const q = new Int32Array(4);

/** XOR the carry-less product of (al, ah) and (bl, bh) into q[0..3]. */
function clmul64Into(al: number, ah: number, bl: number, bh: number): void {
  clmul32(al, bl);
  q[0] = q[0]! ^ cl[0]!;
  q[1] = q[1]! ^ cl[1]!;
  clmul32(al, bh);
  q[1] = q[1]! ^ cl[0]!;
  q[2] = q[2]! ^ cl[1]!;
  clmul32(ah, bl);
  q[1] = q[1]! ^ cl[0]!;
  q[2] = q[2]! ^ cl[1]!;
  clmul32(ah, bh);
  q[2] = q[2]! ^ cl[0]!;
  q[3] = q[3]! ^ cl[1]!;
}

const vpmsumd: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  return (c: Cpu) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    q[0] = 0;
    q[1] = 0;
    q[2] = 0;
    q[3] = 0;
    clmul64Into(s[a]!, s[a + 1]!, s[b]!, s[b + 1]!);
    clmul64Into(s[a + 2]!, s[a + 3]!, s[b + 2]!, s[b + 3]!);
    s[t] = q[0]!;
    s[t + 1] = q[1]!;
    s[t + 2] = q[2]!;
    s[t + 3] = q[3]!;
    return 0;
  };
};

// ---- decimal integer arithmetic (bcdadd., bcdsub.) ----------------------------------------------

const da = new Uint8Array(32);
const db = new Uint8Array(32);
const dr = new Uint8Array(32);

/** Sign of a packed-decimal sign code: +1 (A, C, E, F), -1 (B, D), 0 invalid. */
function bcdSign(code: number): number {
  return code === 0xb || code === 0xd ? -1 : code >= 0xa ? 1 : 0;
}

/** Unpack the 31 digits (index 1 = least significant) of storage bytes at `o`; false if any digit > 9. */
function bcdDigits(u8: Uint8Array, o: number, d: Uint8Array): boolean {
  let ok = true;
  for (let n = 1; n < 32; n++) {
    const byte = u8[o + (n >> 1)]!;
    const x = n & 1 ? byte >>> 4 : byte & 15;
    if (x > 9) ok = false;
    d[n] = x;
  }
  return ok;
}

/** Compare magnitudes of two digit arrays. */
function magCmp(x: Uint8Array, y: Uint8Array): number {
  for (let n = 31; n >= 1; n--) if (x[n] !== y[n]) return x[n]! > y[n]! ? 1 : -1;
  return 0;
}

/**
 * bcdadd./bcdsub.: signed 31-digit decimal add/subtract. CR6 = LT/GT/EQ of the unbounded result
 * plus SO on overflow (the low 31 digits are kept); invalid operands give CR6 = 0b0001 and an
 * all-ones VRT (undefined in the ISA; QEMU writes the same). A zero result is positive.
 */
function bcd(sub: boolean): VFactory {
  return (f) => {
    const t = vrB(f.vrt!);
    const a = vrB(f.vra!);
    const b = vrB(f.vrb!);
    const plus = f.ps ? 0xf : 0xc;
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const u8 = vv(c).u8;
      const sa = bcdSign(u8[a]! & 15);
      let sbn = bcdSign(u8[b]! & 15);
      if (sub) sbn = -sbn;
      const okA = bcdDigits(u8, a, da);
      const okB = bcdDigits(u8, b, db);
      if (sa === 0 || sbn === 0 || !okA || !okB) {
        u8.fill(255, t, t + 16);
        setCr6Raw(c, 1);
        return 0;
      }
      let sign: number;
      let carry = 0;
      let nonzero = 0;
      if (sa === sbn) {
        sign = sa;
        for (let n = 1; n < 32; n++) {
          let x = da[n]! + db[n]! + carry;
          carry = x > 9 ? 1 : 0;
          if (carry) x -= 10;
          dr[n] = x;
          nonzero |= x;
        }
        nonzero |= carry;
      } else {
        const m = magCmp(da, db);
        const big = m >= 0 ? da : db;
        const small = m >= 0 ? db : da;
        sign = m > 0 ? sa : m < 0 ? sbn : 1;
        let borrow = 0;
        for (let n = 1; n < 32; n++) {
          let x = big[n]! - small[n]! - borrow;
          borrow = x < 0 ? 1 : 0;
          if (borrow) x += 10;
          dr[n] = x;
          nonzero |= x;
        }
      }
      if (!nonzero) sign = 1;
      dr[0] = sign < 0 ? 0xd : plus;
      for (let k = 0; k < 16; k++) u8[t + k] = dr[2 * k]! | (dr[2 * k + 1]! << 4);
      setCr6Raw(c, (nonzero ? (sign < 0 ? 8 : 4) : 2) | carry);
      return 0;
    };
  };
}

export const CRYPTO_EXEC: Record<string, VFactory> = {
  vcipher: aes('cipher'),
  vcipherlast: aes('cipherlast'),
  vncipher: aes('ncipher'),
  vncipherlast: aes('ncipherlast'),
  vsbox,
  vshasigmaw,
  vshasigmad,
  vpmsumb,
  vpmsumh,
  vpmsumw,
  vpmsumd,
  'bcdadd.': bcd(false),
  'bcdsub.': bcd(true),
};
