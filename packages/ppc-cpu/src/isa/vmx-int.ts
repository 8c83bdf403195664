/**
 * Vector integer instructions (Power ISA 2.07 Book I ch. 6: arithmetic,
 * multiply, sum across, average, min/max, compare, logical, rotate/shift,
 * count). Element-wise operations walk storage order (see vmx-core.ts).
 */
import type { Cpu } from '../cpu.js';
import * as util from './util.js';
import type { VFactory } from './vmx-core.js';
import * as core from './vmx-core.js';

// Local copies of imported bindings: dev-time ESM transforms (vitest, tsx) turn every use of an
// import into a getter call, which costs more than these executors themselves.
const { TWO32 } = util;
const { flushSat, satS8, satS16, satS32, satU8, satU16, satU32, setCr6, vecOff, vrB, vrH, vrW, vv } = core;

type F2 = (a: number, b: number) => number;
type F3 = (a: number, b: number, c: number) => number;

const VMX = 'vmx' as const;

// ---- generic lane factories (the long tail; hot instructions are written out below) -------------

/** Byte lanes: t[k] = fn(a[k], b[k]); inputs signed or unsigned; optional VSCR[SAT]. */
export function lanes8(fn: F2, signed: boolean, sat = false): VFactory {
  return (f) => {
    const t = vrB(f.vrt!);
    const a = vrB(f.vra!);
    const b = vrB(f.vrb!);
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const d = vv(c).u8;
      // One typed-array kind per access site keeps the element loads monomorphic.
      if (signed) for (let k = 0; k < 16; k++) d[t + k] = fn((d[a + k]! << 24) >> 24, (d[b + k]! << 24) >> 24);
      else for (let k = 0; k < 16; k++) d[t + k] = fn(d[a + k]!, d[b + k]!);
      if (sat) flushSat(c);
      return 0;
    };
  };
}

export function lanes16(fn: F2, signed: boolean, sat = false): VFactory {
  return (f) => {
    const t = vrH(f.vrt!);
    const a = vrH(f.vra!);
    const b = vrH(f.vrb!);
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const d = vv(c).u16;
      if (signed) for (let k = 0; k < 8; k++) d[t + k] = fn((d[a + k]! << 16) >> 16, (d[b + k]! << 16) >> 16);
      else for (let k = 0; k < 8; k++) d[t + k] = fn(d[a + k]!, d[b + k]!);
      if (sat) flushSat(c);
      return 0;
    };
  };
}

/** Word lanes: inputs as int32 (signed) or uint32. */
export function lanes32(fn: F2, signed: boolean, sat = false): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const d = c.s;
      if (signed) for (let k = 0; k < 4; k++) d[t + k] = fn(d[a + k]!, d[b + k]!);
      else for (let k = 0; k < 4; k++) d[t + k] = fn(d[a + k]! >>> 0, d[b + k]! >>> 0);
      if (sat) flushSat(c);
      return 0;
    };
  };
}

/** Unary lanes on VRB. */
function unary8(fn: (x: number) => number): VFactory {
  return (f) => {
    const t = vrB(f.vrt!);
    const b = vrB(f.vrb!);
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const d = vv(c).u8;
      for (let k = 0; k < 16; k++) d[t + k] = fn(d[b + k]!);
      return 0;
    };
  };
}

function unary16(fn: (x: number) => number): VFactory {
  return (f) => {
    const t = vrH(f.vrt!);
    const b = vrH(f.vrb!);
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const d = vv(c).u16;
      for (let k = 0; k < 8; k++) d[t + k] = fn(d[b + k]!);
      return 0;
    };
  };
}

function unary32(fn: (x: number) => number): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const b = vrW(f.vrb!);
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      for (let k = 0; k < 4; k++) s[t + k] = fn(s[b + k]!);
      return 0;
    };
  };
}

/** Doubleword lanes: fn(alo, ahi, blo, bhi) leaves the result in d64[0..1]. */
const d64 = new Int32Array(2);
type F64 = (alo: number, ahi: number, blo: number, bhi: number) => void;

function lanes64(fn: F64): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    return (c: Cpu) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      for (let k = 0; k < 4; k += 2) {
        fn(s[a + k]!, s[a + k + 1]!, s[b + k]!, s[b + k + 1]!);
        s[t + k] = d64[0]!;
        s[t + k + 1] = d64[1]!;
      }
      return 0;
    };
  };
}

// ---- add / subtract -----------------------------------------------------------------------------

/** vaddubm: carry-free byte adds on whole words (SWAR). */
const vaddubm: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    for (let k = 0; k < 4; k++) {
      const x = s[a + k]!;
      const y = s[b + k]!;
      s[t + k] = ((x & 0x7f7f7f7f) + (y & 0x7f7f7f7f)) ^ ((x ^ y) & 0x80808080);
    }
    return 0;
  };
};

const vadduhm: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    for (let k = 0; k < 4; k++) {
      const x = s[a + k]!;
      const y = s[b + k]!;
      s[t + k] = ((x & 0x7fff7fff) + (y & 0x7fff7fff)) ^ ((x ^ y) & 0x80008000);
    }
    return 0;
  };
};

const vsububm: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    for (let k = 0; k < 4; k++) {
      const x = s[a + k]!;
      const y = s[b + k]!;
      s[t + k] = ((x | 0x80808080) - (y & 0x7f7f7f7f)) ^ ((x ^ ~y) & 0x80808080);
    }
    return 0;
  };
};

const vsubuhm: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    for (let k = 0; k < 4; k++) {
      const x = s[a + k]!;
      const y = s[b + k]!;
      s[t + k] = ((x | 0x80008000) - (y & 0x7fff7fff)) ^ ((x ^ ~y) & 0x80008000);
    }
    return 0;
  };
};

const add64: F64 = (alo, ahi, blo, bhi) => {
  const l = (alo >>> 0) + (blo >>> 0);
  d64[0] = l | 0;
  d64[1] = (ahi + bhi + (l >= TWO32 ? 1 : 0)) | 0;
};
const sub64: F64 = (alo, ahi, blo, bhi) => {
  const l = (alo >>> 0) - (blo >>> 0);
  d64[0] = l | 0;
  d64[1] = (ahi - bhi - (l < 0 ? 1 : 0)) | 0;
};

/**
 * Quadword add/subtract family (new in 2.07): t = a + (b or ~b) + cin where cin is
 * 0, 1 or VRC bit 127; `carry` returns the carry out of bit 0 instead of the sum.
 */
function quad(opts: { sub: boolean; cin: 'zero' | 'one' | 'vrc'; carry: boolean }): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    const cr = vrW(f.vrc ?? 0);
    const { sub, cin, carry } = opts;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      let cy = cin === 'one' ? 1 : cin === 'vrc' ? s[cr]! & 1 : 0;
      let r0 = 0;
      let r1 = 0;
      let r2 = 0;
      let r3 = 0;
      for (let k = 0; k < 4; k++) {
        const y = sub ? ~s[b + k]! : s[b + k]!;
        const x = (s[a + k]! >>> 0) + (y >>> 0) + cy;
        cy = x >= TWO32 ? 1 : 0;
        if (k === 0) r0 = x | 0;
        else if (k === 1) r1 = x | 0;
        else if (k === 2) r2 = x | 0;
        else r3 = x | 0;
      }
      if (carry) {
        s[t] = cy;
        s[t + 1] = 0;
        s[t + 2] = 0;
        s[t + 3] = 0;
      } else {
        s[t] = r0;
        s[t + 1] = r1;
        s[t + 2] = r2;
        s[t + 3] = r3;
      }
      return 0;
    };
  };
}

// ---- multiply -----------------------------------------------------------------------------------

/** Even (architected even = more significant half of each storage lane) / odd element multiplies. */
function mulEO8(even: boolean, signed: boolean): VFactory {
  return (f) => {
    const t = vrH(f.vrt!);
    const a = vrH(f.vra!);
    const b = vrH(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const v = vv(c);
      const h = v.u16;
      for (let k = 0; k < 8; k++) {
        const x = h[a + k]!;
        const y = h[b + k]!;
        let p: number;
        if (even) p = signed ? ((x << 16) >> 24) * ((y << 16) >> 24) : (x >>> 8) * (y >>> 8);
        else p = signed ? ((x << 24) >> 24) * ((y << 24) >> 24) : (x & 255) * (y & 255);
        h[t + k] = p;
      }
      return 0;
    };
  };
}

function mulEO16(even: boolean, signed: boolean): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      for (let k = 0; k < 4; k++) {
        const x = s[a + k]!;
        const y = s[b + k]!;
        let p: number;
        if (even) p = signed ? (x >> 16) * (y >> 16) : (x >>> 16) * (y >>> 16);
        else p = signed ? ((x << 16) >> 16) * ((y << 16) >> 16) : (x & 0xffff) * (y & 0xffff);
        s[t + k] = p;
      }
      return 0;
    };
  };
}

/** Unsigned 32x32 -> 64 into d64. */
function mulU32x(a: number, b: number): void {
  a >>>= 0;
  b >>>= 0;
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const mid = a1 * b0 + a0 * b1;
  const low = a0 * b0 + (mid % 65536) * 65536;
  d64[0] = low | 0;
  d64[1] = (a1 * b1 + Math.floor(mid / 65536) + Math.floor(low / TWO32)) | 0;
}

/** Signed 32x32 -> 64 into d64. */
function mulS32x(a: number, b: number): void {
  mulU32x(a, b);
  let hi = d64[1]!;
  if (a < 0) hi = (hi - b) | 0;
  if (b < 0) hi = (hi - a) | 0;
  d64[1] = hi;
}

function mulEO32(even: boolean, signed: boolean): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    // Architected even word of doubleword lane d is its high (storage word 2d+1) half.
    const off = even ? 1 : 0;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      const x0 = s[a + off]!;
      const y0 = s[b + off]!;
      const x1 = s[a + 2 + off]!;
      const y1 = s[b + 2 + off]!;
      if (signed) mulS32x(x0, y0);
      else mulU32x(x0, y0);
      const l0 = d64[0]!;
      const h0 = d64[1]!;
      if (signed) mulS32x(x1, y1);
      else mulU32x(x1, y1);
      s[t] = l0;
      s[t + 1] = h0;
      s[t + 2] = d64[0]!;
      s[t + 3] = d64[1]!;
      return 0;
    };
  };
}

/** Three-operand halfword lanes (vmhaddshs, vmhraddshs, vmladduhm). */
function lanes16x3(fn: F3, signed: boolean, sat: boolean): VFactory {
  return (f) => {
    const t = vrH(f.vrt!);
    const a = vrH(f.vra!);
    const b = vrH(f.vrb!);
    const cc = vrH(f.vrc!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const d = vv(c).u16;
      if (signed) {
        for (let k = 0; k < 8; k++)
          d[t + k] = fn((d[a + k]! << 16) >> 16, (d[b + k]! << 16) >> 16, (d[cc + k]! << 16) >> 16);
      } else for (let k = 0; k < 8; k++) d[t + k] = fn(d[a + k]!, d[b + k]!, d[cc + k]!);
      if (sat) flushSat(c);
      return 0;
    };
  };
}

/**
 * Multiply-sum: word lane k of VRT = sum of the products of the byte or halfword
 * elements inside word k of VRA and VRB, plus word k of VRC.
 */
function msum(kind: 'ubm' | 'mbm' | 'uhm' | 'uhs' | 'shm' | 'shs'): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    const cc = vrW(f.vrc!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      for (let k = 0; k < 4; k++) {
        const x = s[a + k]!;
        const y = s[b + k]!;
        const z = s[cc + k]!;
        let r: number;
        switch (kind) {
          case 'ubm':
            r =
              (x >>> 24) * (y >>> 24) +
              ((x >>> 16) & 255) * ((y >>> 16) & 255) +
              ((x >>> 8) & 255) * ((y >>> 8) & 255) +
              (x & 255) * (y & 255) +
              z;
            r |= 0;
            break;
          case 'mbm':
            r =
              (x >> 24) * (y >>> 24) +
              ((x << 8) >> 24) * ((y >>> 16) & 255) +
              ((x << 16) >> 24) * ((y >>> 8) & 255) +
              ((x << 24) >> 24) * (y & 255) +
              z;
            r |= 0;
            break;
          case 'uhm':
            r = ((x >>> 16) * (y >>> 16) + (x & 0xffff) * (y & 0xffff) + (z >>> 0)) | 0;
            break;
          case 'uhs':
            r = satU32((x >>> 16) * (y >>> 16) + (x & 0xffff) * (y & 0xffff) + (z >>> 0));
            break;
          case 'shm':
            r = ((x >> 16) * (y >> 16) + ((x << 16) >> 16) * ((y << 16) >> 16) + z) | 0;
            break;
          default:
            r = satS32((x >> 16) * (y >> 16) + ((x << 16) >> 16) * ((y << 16) >> 16) + z);
        }
        s[t + k] = r;
      }
      flushSat(c);
      return 0;
    };
  };
}

/** Sum across: vsum4ubs, vsum4sbs, vsum4shs. */
function sum4(kind: 'ubs' | 'sbs' | 'shs'): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      for (let k = 0; k < 4; k++) {
        const x = s[a + k]!;
        const y = s[b + k]!;
        if (kind === 'ubs')
          s[t + k] = satU32((x >>> 24) + ((x >>> 16) & 255) + ((x >>> 8) & 255) + (x & 255) + (y >>> 0));
        else if (kind === 'sbs')
          s[t + k] = satS32((x >> 24) + ((x << 8) >> 24) + ((x << 16) >> 24) + ((x << 24) >> 24) + y);
        else s[t + k] = satS32((x >> 16) + ((x << 16) >> 16) + y);
      }
      flushSat(c);
      return 0;
    };
  };
}

/** vsum2sws: architected words 1 and 3 get the saturated sums of word pairs plus VRB's word. */
const vsum2sws: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    const hi = satS32(s[a + 3]! + s[a + 2]! + s[b + 2]!);
    const lo = satS32(s[a + 1]! + s[a]! + s[b]!);
    s[t] = lo;
    s[t + 1] = 0;
    s[t + 2] = hi;
    s[t + 3] = 0;
    flushSat(c);
    return 0;
  };
};

/** vsumsws: word 3 gets the saturated sum of all words of VRA plus word 3 of VRB. */
const vsumsws: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    const r = satS32(s[a]! + s[a + 1]! + s[a + 2]! + s[a + 3]! + s[b]!);
    s[t] = r;
    s[t + 1] = 0;
    s[t + 2] = 0;
    s[t + 3] = 0;
    flushSat(c);
    return 0;
  };
};

// ---- compare ------------------------------------------------------------------------------------

/** vcmpequb[.]: byte equality on whole words (SWAR zero-byte test). */
const vcmpequb: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  const rc = f.rc;
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    let all = -1;
    let any = 0;
    for (let k = 0; k < 4; k++) {
      const x = s[a + k]! ^ s[b + k]!;
      // 0x80 in each byte that is non-zero.
      const nz = (((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x) & 0x80808080;
      const r = ~Math.imul(nz >>> 7, 255);
      s[t + k] = r;
      all &= r;
      any |= r;
    }
    if (rc) setCr6(c, all === -1 ? 1 : 0, any);
    return 0;
  };
};

const vcmpequh: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  const rc = f.rc;
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    let all = -1;
    let any = 0;
    for (let k = 0; k < 4; k++) {
      const x = s[a + k]! ^ s[b + k]!;
      const r = ((x & 0xffff) === 0 ? 0xffff : 0) | (x >>> 16 === 0 ? 0xffff0000 : 0);
      s[t + k] = r;
      all &= r;
      any |= r;
    }
    if (rc) setCr6(c, all === -1 ? 1 : 0, any);
    return 0;
  };
};

const vcmpequw: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  const rc = f.rc;
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    let all = -1;
    let any = 0;
    for (let k = 0; k < 4; k++) {
      const r = s[a + k] === s[b + k] ? -1 : 0;
      s[t + k] = r;
      all &= r;
      any |= r;
    }
    if (rc) setCr6(c, all === -1 ? 1 : 0, any);
    return 0;
  };
};

/** Word compare (signed or unsigned). */
function cmp32(signed: boolean): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    const rc = f.rc;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const d = c.s;
      const flip = signed ? 0 : -2147483648; // compare as signed int32 after flipping for unsigned
      let all = 1;
      let any = 0;
      for (let k = 0; k < 4; k++) {
        const r = (d[a + k]! ^ flip) > (d[b + k]! ^ flip);
        d[t + k] = r ? -1 : 0;
        if (r) any = 1;
        else all = 0;
      }
      if (rc) setCr6(c, all, any);
      return 0;
    };
  };
}

/** Doubleword compare: kind 'eq', 'gtu', 'gts'. */
function cmp64(kind: 'eq' | 'gtu' | 'gts'): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    const rc = f.rc;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      let all = 1;
      let any = 0;
      for (let k = 0; k < 4; k += 2) {
        const al = s[a + k]!;
        const ah = s[a + k + 1]!;
        const bl = s[b + k]!;
        const bh = s[b + k + 1]!;
        let r: boolean;
        if (kind === 'eq') r = al === bl && ah === bh;
        else if (ah !== bh) r = kind === 'gts' ? ah > bh : ah >>> 0 > bh >>> 0;
        else r = al >>> 0 > bl >>> 0;
        s[t + k] = s[t + k + 1] = r ? -1 : 0;
        if (r) any = 1;
        else all = 0;
      }
      if (rc) setCr6(c, all, any);
      return 0;
    };
  };
}

/**
 * Byte / halfword greater-than on whole words (SWAR): x > y exactly when y - x borrows out of
 * the element, and the borrow is ((x & ~y) | (~(x ^ y) & d)) at the element's top bit, where d
 * is the element-wise difference y - x. Signed compares flip the sign bits first.
 */
function cmpGtSwar(half: boolean, signed: boolean): VFactory {
  const H = half ? 0x80008000 | 0 : 0x80808080 | 0;
  const L = ~H;
  const flip = signed ? H : 0;
  const top = half ? 15 : 7;
  const ones = half ? 0xffff : 0xff;
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    const rc = f.rc;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      let all = -1;
      let any = 0;
      for (let k = 0; k < 4; k++) {
        const x = s[a + k]! ^ flip;
        const y = s[b + k]! ^ flip;
        const d = ((y | H) - (x & L)) ^ ((y ^ ~x) & H);
        const gt = ((x & ~y) | (~(x ^ y) & d)) & H;
        const r = Math.imul(gt >>> top, ones);
        s[t + k] = r;
        all &= r;
        any |= r;
      }
      if (rc) setCr6(c, all === -1 ? 1 : 0, any);
      return 0;
    };
  };
}

// ---- min / max / average ------------------------------------------------------------------------

/**
 * Byte / halfword min and max on whole words: the SWAR greater-than mask of cmpGtSwar picks
 * each element from VRA or VRB.
 */
function minMaxSwar(half: boolean, signed: boolean, isMax: boolean): VFactory {
  const H = half ? 0x80008000 | 0 : 0x80808080 | 0;
  const L = ~H;
  const flip = signed ? H : 0;
  const top = half ? 15 : 7;
  const ones = half ? 0xffff : 0xff;
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      for (let k = 0; k < 4; k++) {
        const xa = s[a + k]!;
        const yb = s[b + k]!;
        const x = xa ^ flip;
        const y = yb ^ flip;
        const d = ((y | H) - (x & L)) ^ ((y ^ ~x) & H);
        const m = Math.imul((((x & ~y) | (~(x ^ y) & d)) & H) >>> top, ones); // a > b
        s[t + k] = isMax ? (xa & m) | (yb & ~m) : (yb & m) | (xa & ~m);
      }
      return 0;
    };
  };
}

const min: F2 = Math.min;
const max: F2 = Math.max;

function minmax64(isMax: boolean, signed: boolean): F64 {
  return (al, ah, bl, bh) => {
    let agt: boolean;
    if (ah !== bh) agt = signed ? ah > bh : ah >>> 0 > bh >>> 0;
    else agt = al >>> 0 > bl >>> 0;
    const pickA = isMax ? agt : !agt;
    d64[0] = pickA ? al : bl;
    d64[1] = pickA ? ah : bh;
  };
}

const avg: F2 = (x, y) => Math.floor((x + y + 1) / 2);

// ---- logical ------------------------------------------------------------------------------------

function logical(kind: 'and' | 'andc' | 'or' | 'orc' | 'xor' | 'nor' | 'nand' | 'eqv'): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    switch (kind) {
      case 'and':
        return (c) => {
          if (vecOff(c)) return c.facilityUnavailable(VMX);
          const s = c.s;
          s[t] = s[a]! & s[b]!;
          s[t + 1] = s[a + 1]! & s[b + 1]!;
          s[t + 2] = s[a + 2]! & s[b + 2]!;
          s[t + 3] = s[a + 3]! & s[b + 3]!;
          return 0;
        };
      case 'andc':
        return (c) => {
          if (vecOff(c)) return c.facilityUnavailable(VMX);
          const s = c.s;
          s[t] = s[a]! & ~s[b]!;
          s[t + 1] = s[a + 1]! & ~s[b + 1]!;
          s[t + 2] = s[a + 2]! & ~s[b + 2]!;
          s[t + 3] = s[a + 3]! & ~s[b + 3]!;
          return 0;
        };
      case 'or':
        return (c) => {
          if (vecOff(c)) return c.facilityUnavailable(VMX);
          const s = c.s;
          s[t] = s[a]! | s[b]!;
          s[t + 1] = s[a + 1]! | s[b + 1]!;
          s[t + 2] = s[a + 2]! | s[b + 2]!;
          s[t + 3] = s[a + 3]! | s[b + 3]!;
          return 0;
        };
      case 'orc':
        return (c) => {
          if (vecOff(c)) return c.facilityUnavailable(VMX);
          const s = c.s;
          s[t] = s[a]! | ~s[b]!;
          s[t + 1] = s[a + 1]! | ~s[b + 1]!;
          s[t + 2] = s[a + 2]! | ~s[b + 2]!;
          s[t + 3] = s[a + 3]! | ~s[b + 3]!;
          return 0;
        };
      case 'xor':
        return (c) => {
          if (vecOff(c)) return c.facilityUnavailable(VMX);
          const s = c.s;
          s[t] = s[a]! ^ s[b]!;
          s[t + 1] = s[a + 1]! ^ s[b + 1]!;
          s[t + 2] = s[a + 2]! ^ s[b + 2]!;
          s[t + 3] = s[a + 3]! ^ s[b + 3]!;
          return 0;
        };
      case 'nor':
        return (c) => {
          if (vecOff(c)) return c.facilityUnavailable(VMX);
          const s = c.s;
          s[t] = ~(s[a]! | s[b]!);
          s[t + 1] = ~(s[a + 1]! | s[b + 1]!);
          s[t + 2] = ~(s[a + 2]! | s[b + 2]!);
          s[t + 3] = ~(s[a + 3]! | s[b + 3]!);
          return 0;
        };
      case 'nand':
        return (c) => {
          if (vecOff(c)) return c.facilityUnavailable(VMX);
          const s = c.s;
          s[t] = ~(s[a]! & s[b]!);
          s[t + 1] = ~(s[a + 1]! & s[b + 1]!);
          s[t + 2] = ~(s[a + 2]! & s[b + 2]!);
          s[t + 3] = ~(s[a + 3]! & s[b + 3]!);
          return 0;
        };
      default:
        return (c) => {
          if (vecOff(c)) return c.facilityUnavailable(VMX);
          const s = c.s;
          s[t] = ~(s[a]! ^ s[b]!);
          s[t + 1] = ~(s[a + 1]! ^ s[b + 1]!);
          s[t + 2] = ~(s[a + 2]! ^ s[b + 2]!);
          s[t + 3] = ~(s[a + 3]! ^ s[b + 3]!);
          return 0;
        };
    }
  };
}

/** vsel: bit-wise select, VRC=1 takes VRB. */
const vsel: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  const m = vrW(f.vrc!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    for (let k = 0; k < 4; k++) {
      const x = s[m + k]!;
      s[t + k] = (s[a + k]! & ~x) | (s[b + k]! & x);
    }
    return 0;
  };
};

// ---- rotate / shift by element ------------------------------------------------------------------

const vslb: VFactory = (f) => {
  const t = vrB(f.vrt!);
  const a = vrB(f.vra!);
  const b = vrB(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const d = vv(c).u8;
    for (let k = 0; k < 16; k++) d[t + k] = d[a + k]! << (d[b + k]! & 7);
    return 0;
  };
};

const rotd: F64 = (al, ah, bl) => {
  let n = bl & 63;
  let lo = al;
  let hi = ah;
  if (n >= 32) {
    lo = ah;
    hi = al;
    n -= 32;
  }
  if (n === 0) {
    d64[0] = lo;
    d64[1] = hi;
  } else {
    d64[0] = (lo << n) | (hi >>> (32 - n));
    d64[1] = (hi << n) | (lo >>> (32 - n));
  }
};
const sld: F64 = (al, ah, bl) => {
  const n = bl & 63;
  if (n === 0) {
    d64[0] = al;
    d64[1] = ah;
  } else if (n < 32) {
    d64[0] = al << n;
    d64[1] = (ah << n) | (al >>> (32 - n));
  } else {
    d64[0] = 0;
    d64[1] = al << (n - 32);
  }
};
const srd: F64 = (al, ah, bl) => {
  const n = bl & 63;
  if (n === 0) {
    d64[0] = al;
    d64[1] = ah;
  } else if (n < 32) {
    d64[0] = (al >>> n) | (ah << (32 - n));
    d64[1] = ah >>> n;
  } else {
    d64[0] = ah >>> (n - 32);
    d64[1] = 0;
  }
};
const srad: F64 = (al, ah, bl) => {
  const n = bl & 63;
  if (n === 0) {
    d64[0] = al;
    d64[1] = ah;
  } else if (n < 32) {
    d64[0] = (al >>> n) | (ah << (32 - n));
    d64[1] = ah >> n;
  } else {
    d64[0] = ah >> (n - 32);
    d64[1] = ah >> 31;
  }
};

// ---- count leading zeros, population count (2.07) -----------------------------------------------

function popcnt32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

const clzd: F64 = (_al, _ah, bl, bh) => {
  d64[0] = bh !== 0 ? Math.clz32(bh) : 32 + Math.clz32(bl);
  d64[1] = 0;
};
const popcntd: F64 = (_al, _ah, bl, bh) => {
  d64[0] = popcnt32(bl) + popcnt32(bh);
  d64[1] = 0;
};

/** Unary doubleword lanes on VRB. */
function unary64(fn: F64): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const b = vrW(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      for (let k = 0; k < 4; k += 2) {
        fn(0, 0, s[b + k]!, s[b + k + 1]!);
        s[t + k] = d64[0]!;
        s[t + k + 1] = d64[1]!;
      }
      return 0;
    };
  };
}

// ---- exports: one executor factory per mnemonic -------------------------------------------------

export const INT_EXEC: Record<string, VFactory> = {
  vaddubm,
  vadduhm,
  vadduwm: lanes32((x, y) => (x + y) | 0, true),
  vaddudm: lanes64(add64),
  vadduqm: quad({ sub: false, cin: 'zero', carry: false }),
  vaddcuq: quad({ sub: false, cin: 'zero', carry: true }),
  vaddeuqm: quad({ sub: false, cin: 'vrc', carry: false }),
  vaddecuq: quad({ sub: false, cin: 'vrc', carry: true }),
  vaddcuw: lanes32((x, y) => (x + y >= TWO32 ? 1 : 0), false),
  vaddubs: lanes8((x, y) => satU8(x + y), false, true),
  vadduhs: lanes16((x, y) => satU16(x + y), false, true),
  vadduws: lanes32((x, y) => satU32(x + y), false, true),
  vaddsbs: lanes8((x, y) => satS8(x + y), true, true),
  vaddshs: lanes16((x, y) => satS16(x + y), true, true),
  vaddsws: lanes32((x, y) => satS32(x + y), true, true),
  vsububm,
  vsubuhm,
  vsubuwm: lanes32((x, y) => (x - y) | 0, true),
  vsubudm: lanes64(sub64),
  vsubuqm: quad({ sub: true, cin: 'one', carry: false }),
  vsubcuq: quad({ sub: true, cin: 'one', carry: true }),
  vsubeuqm: quad({ sub: true, cin: 'vrc', carry: false }),
  vsubecuq: quad({ sub: true, cin: 'vrc', carry: true }),
  vsubcuw: lanes32((x, y) => (x >= y ? 1 : 0), false),
  vsububs: lanes8((x, y) => satU8(x - y), false, true),
  vsubuhs: lanes16((x, y) => satU16(x - y), false, true),
  vsubuws: lanes32((x, y) => satU32(x - y), false, true),
  vsubsbs: lanes8((x, y) => satS8(x - y), true, true),
  vsubshs: lanes16((x, y) => satS16(x - y), true, true),
  vsubsws: lanes32((x, y) => satS32(x - y), true, true),

  vmuleub: mulEO8(true, false),
  vmuloub: mulEO8(false, false),
  vmulesb: mulEO8(true, true),
  vmulosb: mulEO8(false, true),
  vmuleuh: mulEO16(true, false),
  vmulouh: mulEO16(false, false),
  vmulesh: mulEO16(true, true),
  vmulosh: mulEO16(false, true),
  vmuleuw: mulEO32(true, false),
  vmulouw: mulEO32(false, false),
  vmulesw: mulEO32(true, true),
  vmulosw: mulEO32(false, true),
  vmuluwm: lanes32((x, y) => Math.imul(x, y), true),

  // (a*b) >> 15 plus c, saturated; the rounding form adds 2^14 first.
  vmhaddshs: lanes16x3((x, y, z) => satS16(((x * y) >> 15) + z), true, true),
  vmhraddshs: lanes16x3((x, y, z) => satS16(((x * y + 0x4000) >> 15) + z), true, true),
  vmladduhm: lanes16x3((x, y, z) => Math.imul(x, y) + z, false, false),
  vmsumubm: msum('ubm'),
  vmsummbm: msum('mbm'),
  vmsumuhm: msum('uhm'),
  vmsumuhs: msum('uhs'),
  vmsumshm: msum('shm'),
  vmsumshs: msum('shs'),
  vsum4ubs: sum4('ubs'),
  vsum4sbs: sum4('sbs'),
  vsum4shs: sum4('shs'),
  vsum2sws,
  vsumsws,

  vavgub: lanes8(avg, false),
  vavguh: lanes16(avg, false),
  vavguw: lanes32(avg, false),
  vavgsb: lanes8(avg, true),
  vavgsh: lanes16(avg, true),
  vavgsw: lanes32(avg, true),

  vmaxub: minMaxSwar(false, false, true),
  vmaxuh: minMaxSwar(true, false, true),
  vmaxuw: lanes32(max, false),
  vmaxud: lanes64(minmax64(true, false)),
  vmaxsb: minMaxSwar(false, true, true),
  vmaxsh: minMaxSwar(true, true, true),
  vmaxsw: lanes32(max, true),
  vmaxsd: lanes64(minmax64(true, true)),
  vminub: minMaxSwar(false, false, false),
  vminuh: minMaxSwar(true, false, false),
  vminuw: lanes32(min, false),
  vminud: lanes64(minmax64(false, false)),
  vminsb: minMaxSwar(false, true, false),
  vminsh: minMaxSwar(true, true, false),
  vminsw: lanes32(min, true),
  vminsd: lanes64(minmax64(false, true)),

  vcmpequb,
  vcmpequh,
  vcmpequw,
  vcmpequd: cmp64('eq'),
  vcmpgtub: cmpGtSwar(false, false),
  vcmpgtuh: cmpGtSwar(true, false),
  vcmpgtuw: cmp32(false),
  vcmpgtud: cmp64('gtu'),
  vcmpgtsb: cmpGtSwar(false, true),
  vcmpgtsh: cmpGtSwar(true, true),
  vcmpgtsw: cmp32(true),
  vcmpgtsd: cmp64('gts'),

  vand: logical('and'),
  vandc: logical('andc'),
  vor: logical('or'),
  vorc: logical('orc'),
  vxor: logical('xor'),
  vnor: logical('nor'),
  vnand: logical('nand'),
  veqv: logical('eqv'),
  vsel,

  vrlb: lanes8((x, n) => (x << (n & 7)) | (x >>> (8 - (n & 7))), false),
  vrlh: lanes16((x, n) => (x << (n & 15)) | (x >>> (16 - (n & 15))), false),
  vrlw: lanes32((x, n) => (x << (n & 31)) | (x >>> (32 - (n & 31))), true),
  vrld: lanes64(rotd),
  vslb,
  vslh: lanes16((x, n) => x << (n & 15), false),
  vslw: lanes32((x, n) => x << (n & 31), true),
  vsld: lanes64(sld),
  vsrb: lanes8((x, n) => x >>> (n & 7), false),
  vsrh: lanes16((x, n) => x >>> (n & 15), false),
  vsrw: lanes32((x, n) => x >>> (n & 31), true),
  vsrd: lanes64(srd),
  vsrab: lanes8((x, n) => x >> (n & 7), true),
  vsrah: lanes16((x, n) => x >> (n & 15), true),
  vsraw: lanes32((x, n) => x >> (n & 31), true),
  vsrad: lanes64(srad),

  vclzb: unary8((x) => Math.clz32(x) - 24),
  vclzh: unary16((x) => Math.clz32(x) - 16),
  vclzw: unary32((x) => Math.clz32(x)),
  vclzd: unary64(clzd),
  vpopcntb: unary8(popcnt32),
  vpopcnth: unary16(popcnt32),
  vpopcntw: unary32(popcnt32),
  vpopcntd: unary64(popcntd),
};
