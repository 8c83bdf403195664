/**
 * Vector storage access, permute, merge, splat, pack/unpack, whole-register
 * shifts, bit gathers and VSCR moves (Power ISA 2.07 Book I ch. 6).
 */
import type { Cpu } from '../cpu.js';
import * as st from '../state.js';
import type { Fields } from '../table.js';
import * as util from './util.js';
import type { VFactory } from './vmx-core.js';
import * as core from './vmx-core.js';

// Local copies of imported bindings: dev-time ESM transforms (vitest, tsx) turn every use of an
// import into a getter call, which costs more than these executors themselves.
const { VSCR } = st;
const { eaX, ra0 } = util;
const { flushSat, satFlag, satS8, satS16, satU8, satU16, sb, sh, sw, VSCR_NJ, VSCR_SAT, vecOff, vrB, vrH, vrW, vv } =
  core;

const VMX = 'vmx' as const;
const LOAD = 0;
const STORE = 1;

// ---- loads and stores ---------------------------------------------------------------------------
//
// lvx/stvx ignore EA bits 60:63. In big-endian mode byte i of the quadword (EA+i) is
// architected byte element i; in little-endian mode the quadword is byte-reversed, so
// EA+i lands in element 15-i. With VRs kept as little-endian 128-bit numbers this makes
// little-endian mode a straight copy and big-endian mode a reversal.

function lvx(f: Fields): (c: Cpu) => number {
  const t = vrW(f.vrt!);
  const a = ra0(f.ra!);
  const b = f.rb! * 2;
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const lo = eaX(c, a, b) & ~15;
    const off = c.probe(c.eah, lo, LOAD);
    const dv = c.dv;
    const s = c.s;
    if (c.le) {
      s[t] = dv.getInt32(off, true);
      s[t + 1] = dv.getInt32(off + 4, true);
      s[t + 2] = dv.getInt32(off + 8, true);
      s[t + 3] = dv.getInt32(off + 12, true);
    } else {
      s[t + 3] = dv.getInt32(off, false);
      s[t + 2] = dv.getInt32(off + 4, false);
      s[t + 1] = dv.getInt32(off + 8, false);
      s[t] = dv.getInt32(off + 12, false);
    }
    return 0;
  };
}

function stvx(f: Fields): (c: Cpu) => number {
  const t = vrW(f.vrs!);
  const a = ra0(f.ra!);
  const b = f.rb! * 2;
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const lo = eaX(c, a, b) & ~15;
    const off = c.probe(c.eah, lo, STORE);
    const dv = c.dv;
    const s = c.s;
    if (c.le) {
      dv.setInt32(off, s[t]!, true);
      dv.setInt32(off + 4, s[t + 1]!, true);
      dv.setInt32(off + 8, s[t + 2]!, true);
      dv.setInt32(off + 12, s[t + 3]!, true);
    } else {
      dv.setInt32(off, s[t + 3]!, false);
      dv.setInt32(off + 4, s[t + 2]!, false);
      dv.setInt32(off + 8, s[t + 1]!, false);
      dv.setInt32(off + 12, s[t]!, false);
    }
    return 0;
  };
}

/**
 * Element loads/stores (lvebx .. stvewx): the element at the (size-aligned) EA moves
 * between storage and element (EA mod 16)/size, mirrored in little-endian mode; the other
 * elements of VRT are undefined by the ISA and left unchanged here (as QEMU does).
 */
function lve(size: 1 | 2 | 4, store: boolean): VFactory {
  return (f) => {
    const r = store ? f.vrs! : f.vrt!;
    const a = ra0(f.ra!);
    const b = f.rb! * 2;
    const n = 16 / size;
    const base = size === 1 ? vrB(r) : size === 2 ? vrH(r) : vrW(r);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const lo = eaX(c, a, b) & -size;
      const hi = c.eah;
      const e = (lo & 15) / size;
      const idx = base + (c.le ? e : n - 1 - e);
      if (size === 1) {
        const u8 = vv(c).u8;
        if (store) c.write8(hi, lo, u8[idx]!);
        else u8[idx] = c.read8(hi, lo);
      } else if (size === 2) {
        const u16 = vv(c).u16;
        if (store) c.write16(hi, lo, u16[idx]!);
        else u16[idx] = c.read16(hi, lo);
      } else if (store) c.write32(hi, lo, c.s[idx]!);
      else c.s[idx] = c.read32(hi, lo);
      return 0;
    };
  };
}

/** lvsl/lvsr: permute control vectors from EA bits 60:63 (alignment support); no storage access. */
function lvs(right: boolean): VFactory {
  return (f) => {
    const t = vrB(f.vrt!);
    const a = ra0(f.ra!);
    const b = f.rb! * 2;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const shv = eaX(c, a, b) & 15;
      const u8 = vv(c).u8;
      // Architected byte i = sh + i (lvsl) or 16 - sh + i (lvsr); storage byte k is element 15-k.
      const first = right ? 31 - shv : 15 + shv;
      for (let k = 0; k < 16; k++) u8[t + k] = first - k;
      return 0;
    };
  };
}

// ---- VSCR moves ---------------------------------------------------------------------------------

const mfvscr: VFactory = (f) => {
  const t = vrW(f.vrt!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    s[t] = s[VSCR]!;
    s[t + 1] = 0;
    s[t + 2] = 0;
    s[t + 3] = 0;
    return 0;
  };
};

/** mtvscr: only NJ and SAT exist; the reserved bits read back as 0. */
const mtvscr: VFactory = (f) => {
  const b = vrW(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    c.s[VSCR] = c.s[b]! & (VSCR_NJ | VSCR_SAT);
    return 0;
  };
};

// ---- permutes -----------------------------------------------------------------------------------

/** Copy VRB into scratch bytes 0..15 and VRA into 16..31: architected byte j of A||B is sb[31-j]. */
function loadCat(s: Int32Array, a: number, b: number): void {
  sw[0] = s[b]!;
  sw[1] = s[b + 1]!;
  sw[2] = s[b + 2]!;
  sw[3] = s[b + 3]!;
  sw[4] = s[a]!;
  sw[5] = s[a + 1]!;
  sw[6] = s[a + 2]!;
  sw[7] = s[a + 3]!;
}

const vperm: VFactory = (f) => {
  const t = vrB(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  const m = vrB(f.vrc!);
  // State byte index of architected byte j of A||B: A's storage byte 15-j, or B's storage byte 31-j.
  const at = new Int32Array(32);
  for (let j = 0; j < 32; j++) at[j] = j < 16 ? a * 4 + 15 - j : b * 4 + 31 - j;
  if (t !== a * 4 && t !== b * 4) {
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const u8 = vv(c).u8;
      // Storage byte k of the control is architected byte 15-k and selects result byte 15-k.
      for (let k = 0; k < 16; k++) u8[t + k] = u8[at[u8[m + k]! & 31]!]!;
      return 0;
    };
  }
  // VRT overlaps a source: go through the scratch copy.
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    loadCat(c.s, a, b);
    const u8 = vv(c).u8;
    for (let k = 0; k < 16; k++) u8[t + k] = sb[31 - (u8[m + k]! & 31)]!;
    return 0;
  };
};

/** vpermxor (2.07): byte i = A[c_i high nibble] ^ B[c_i low nibble], architected indices. */
const vpermxor: VFactory = (f) => {
  const t = vrB(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  const m = vrB(f.vrc!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    loadCat(c.s, a, b);
    const u8 = vv(c).u8;
    for (let k = 0; k < 16; k++) {
      const x = u8[m + k]!;
      u8[t + k] = sb[31 - (x >>> 4)]! ^ sb[15 - (x & 15)]!;
    }
    return 0;
  };
};

/** vsldoi: bytes SHB..SHB+15 of A||B, done as a funnel shift of the concatenation. */
const vsldoi: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  // Result = (A||B as a 256-bit little-endian number, B in words 0..3, A in 4..7) >> 8*(16-SHB):
  // word k is a funnel of concatenation words q+k and q+k+1.
  const o = 16 - f.shb!;
  const q = o >> 2;
  const r = (o & 3) * 8;
  const l = 32 - r;
  const at = (w: number) => (w < 4 ? b + w : a + w - 4);
  const i0 = at(q);
  const i1 = at(q + 1);
  const i2 = at(q + 2);
  const i3 = at(q + 3);
  const i4 = at(Math.min(q + 4, 7));
  if (r === 0) {
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      const x0 = s[i0]!;
      const x1 = s[i1]!;
      const x2 = s[i2]!;
      const x3 = s[i3]!;
      s[t] = x0;
      s[t + 1] = x1;
      s[t + 2] = x2;
      s[t + 3] = x3;
      return 0;
    };
  }
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    const x0 = s[i0]!;
    const x1 = s[i1]!;
    const x2 = s[i2]!;
    const x3 = s[i3]!;
    const x4 = s[i4]!;
    s[t] = (x0 >>> r) | (x1 << l);
    s[t + 1] = (x1 >>> r) | (x2 << l);
    s[t + 2] = (x2 >>> r) | (x3 << l);
    s[t + 3] = (x3 >>> r) | (x4 << l);
    return 0;
  };
};

/**
 * A permutation fixed at decode time: result architected byte i comes from architected
 * byte `src(i)` of A||B (0..31). Used for merges, splats and modulo packs. Whole-word
 * permutations copy words; the rest go byte by byte through the scratch.
 */
function staticPerm(src: (i: number, f: Fields) => number): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra ?? 0);
    const b = vrW(f.vrb!);
    // perm[k]: scratch byte for storage byte k of the result.
    const perm = new Uint8Array(16);
    for (let k = 0; k < 16; k++) perm[k] = 31 - src(15 - k, f);
    let words = true;
    for (let w = 0; w < 4; w++) {
      const p = perm[4 * w]!;
      if (p % 4 !== 0) words = false;
      for (let j = 1; j < 4; j++) if (perm[4 * w + j] !== p + j) words = false;
    }
    if (words) {
      // Source word index into (b words 0..3, a words 4..7).
      const w0 = perm[0]! >> 2;
      const w1 = perm[4]! >> 2;
      const w2 = perm[8]! >> 2;
      const w3 = perm[12]! >> 2;
      const at = (w: number) => (w < 4 ? b + w : a + w - 4);
      const s0 = at(w0);
      const s1 = at(w1);
      const s2 = at(w2);
      const s3 = at(w3);
      return (c) => {
        if (vecOff(c)) return c.facilityUnavailable(VMX);
        const s = c.s;
        const x0 = s[s0]!;
        const x1 = s[s1]!;
        const x2 = s[s2]!;
        const x3 = s[s3]!;
        s[t] = x0;
        s[t + 1] = x1;
        s[t + 2] = x2;
        s[t + 3] = x3;
        return 0;
      };
    }
    const tb = t * 4;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      loadCat(c.s, a, b);
      const u8 = vv(c).u8;
      for (let k = 0; k < 16; k++) u8[tb + k] = sb[perm[k]!]!;
      return 0;
    };
  };
}

/** Merge high/low: element-size n bytes; result element e alternates A and B. */
function merge(n: number, low: boolean): VFactory {
  const half = 16 / n / 2;
  return staticPerm((i) => {
    const e = Math.floor(i / n);
    const src = (e >> 1) + (low ? half : 0) + (e & 1 ? 16 / n : 0);
    return src * n + (i % n);
  });
}

/** vmrgew / vmrgow (2.07): even (or odd) words of A and B interleaved. */
function mergeEO(odd: boolean): VFactory {
  return staticPerm((i) => {
    const e = i >> 2;
    const src = (e & 1 ? 4 : 0) + (e & 2) + (odd ? 1 : 0);
    return src * 4 + (i & 3);
  });
}

/** vspltb/h/w: element UIM of VRB everywhere. */
function splat(n: number): VFactory {
  if (n === 4) return staticPerm((i, f) => 16 + f.uim! * n + (i % n));
  // Bytes and halfwords: read the element once and replicate it across a word.
  return (f) => {
    const t = vrW(f.vrt!);
    const e = n === 1 ? vrB(f.vrb!) + 15 - f.uim! : vrH(f.vrb!) + 7 - f.uim!;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const v = vv(c);
      const w = n === 1 ? Math.imul(v.u8[e]!, 0x01010101) : Math.imul(v.u16[e]!, 0x00010001);
      const s = c.s;
      s[t] = w;
      s[t + 1] = w;
      s[t + 2] = w;
      s[t + 3] = w;
      return 0;
    };
  };
}

/** Pack modulo: the low half of each element of A||B. */
function packMod(n: number): VFactory {
  return staticPerm((i) => {
    const e = Math.floor(i / (n / 2));
    return e * n + n / 2 + (i % (n / 2));
  });
}

/** vspltisb/h/w: the sign-extended 5-bit immediate in every element. */
function splatImm(n: 1 | 2 | 4): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const x = f.sim!;
    const w = n === 1 ? Math.imul(x & 0xff, 0x01010101) : n === 2 ? Math.imul(x & 0xffff, 0x00010001) : x | 0;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      s[t] = w;
      s[t + 1] = w;
      s[t + 2] = w;
      s[t + 3] = w;
      return 0;
    };
  };
}

// ---- saturating packs, unpacks, pixels ----------------------------------------------------------

type Sat = (x: number) => number;

/**
 * Saturating pack of n-byte elements to n/2 bytes: the low storage half of VRT comes from VRB,
 * the high half from VRA (architected A elements come first).
 */
function packSat(n: 2 | 4, signed: boolean, sat: Sat): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    const cnt = 16 / n;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const v = vv(c);
      const s = c.s;
      if (n === 2) {
        const src = v.u16;
        const ah = a * 2;
        const bh = b * 2;
        for (let k = 0; k < cnt; k++) {
          const x = src[bh + k]!;
          const y = src[ah + k]!;
          sb[k] = sat(signed ? (x << 16) >> 16 : x);
          sb[cnt + k] = sat(signed ? (y << 16) >> 16 : y);
        }
      } else {
        for (let k = 0; k < cnt; k++) {
          const x = signed ? s[b + k]! : s[b + k]! >>> 0;
          const y = signed ? s[a + k]! : s[a + k]! >>> 0;
          sh[k] = sat(x);
          sh[cnt + k] = sat(y);
        }
      }
      s[t] = sw[0]!;
      s[t + 1] = sw[1]!;
      s[t + 2] = sw[2]!;
      s[t + 3] = sw[3]!;
      flushSat(c);
      return 0;
    };
  };
}

/** Saturate one doubleword (lo, hi) to a word for vpksdss/vpksdus/vpkudus; sets satFlag on clamping. */
function packD(mode: 0 | 1 | 2, lo: number, hi: number): number {
  if (mode === 0) {
    if (hi === lo >> 31) return lo;
    satFlag[0] = 1;
    return hi < 0 ? -2147483648 : 2147483647;
  }
  if (mode === 1 && hi < 0) {
    satFlag[0] = 1;
    return 0;
  }
  if (hi !== 0) {
    satFlag[0] = 1;
    return -1;
  }
  return lo;
}

/** Doubleword-to-word saturating packs: 0 = signed to signed, 1 = signed to unsigned, 2 = unsigned. */
function packSatD(mode: 0 | 1 | 2): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const s = c.s;
      const r0 = packD(mode, s[b]!, s[b + 1]!);
      const r1 = packD(mode, s[b + 2]!, s[b + 3]!);
      const r2 = packD(mode, s[a]!, s[a + 1]!);
      const r3 = packD(mode, s[a + 2]!, s[a + 3]!);
      s[t] = r0;
      s[t + 1] = r1;
      s[t + 2] = r2;
      s[t + 3] = r3;
      flushSat(c);
      return 0;
    };
  };
}

/** Sign-extending unpacks: `high` takes architected elements 0..n/2-1 (the upper storage half). */
function unpack(n: 1 | 2 | 4, high: boolean): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const b = vrW(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const v = vv(c);
      const s = c.s;
      if (n === 1) {
        const src = v.i8;
        const o = b * 4 + (high ? 8 : 0);
        for (let k = 0; k < 8; k++) sh[k] = src[o + k]!;
      } else if (n === 2) {
        const src = v.i16;
        const o = b * 2 + (high ? 4 : 0);
        for (let k = 0; k < 4; k++) sw[k] = src[o + k]!;
      } else {
        const o = b + (high ? 2 : 0);
        const x0 = s[o]!;
        const x1 = s[o + 1]!;
        sw[0] = x0;
        sw[1] = x0 >> 31;
        sw[2] = x1;
        sw[3] = x1 >> 31;
      }
      s[t] = sw[0]!;
      s[t + 1] = sw[1]!;
      s[t + 2] = sw[2]!;
      s[t + 3] = sw[3]!;
      return 0;
    };
  };
}

/** vupkhpx/vupklpx: 1/5/5/5 pixels to 8/8/8/8 (alpha sign-extended, channels zero-extended). */
function unpackPx(high: boolean): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const b = vrH(f.vrb!) + (high ? 4 : 0);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      const u16 = vv(c).u16;
      for (let k = 0; k < 4; k++) {
        const e = u16[b + k]!;
        sw[k] = (e & 0x8000 ? 0xff000000 : 0) | (((e >>> 10) & 0x1f) << 16) | (((e >>> 5) & 0x1f) << 8) | (e & 0x1f);
      }
      const s = c.s;
      s[t] = sw[0]!;
      s[t + 1] = sw[1]!;
      s[t + 2] = sw[2]!;
      s[t + 3] = sw[3]!;
      return 0;
    };
  };
}

/** vpkpx: 8/8/8/8 words to 1/5/5/5 halfwords (word bits 7, 8:12, 16:20, 24:28). */
const vpkpx: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  const px = (e: number) => ((e >>> 9) & 0xfc00) | ((e >>> 6) & 0x3e0) | ((e >>> 3) & 0x1f);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    for (let k = 0; k < 4; k++) {
      sh[k] = px(s[b + k]!);
      sh[4 + k] = px(s[a + k]!);
    }
    s[t] = sw[0]!;
    s[t + 1] = sw[1]!;
    s[t + 2] = sw[2]!;
    s[t + 3] = sw[3]!;
    return 0;
  };
};

// ---- whole-register shifts ----------------------------------------------------------------------

/** Shift the 128-bit VRA left (or right) by n bits (0..127) into VRT. */
function shift128(s: Int32Array, t: number, a: number, n: number, left: boolean): void {
  let w0 = s[a]!;
  let w1 = s[a + 1]!;
  let w2 = s[a + 2]!;
  let w3 = s[a + 3]!;
  // Whole words first, then the remaining 0..31 bits as a funnel shift.
  for (; n >= 32; n -= 32) {
    if (left) {
      w3 = w2;
      w2 = w1;
      w1 = w0;
      w0 = 0;
    } else {
      w0 = w1;
      w1 = w2;
      w2 = w3;
      w3 = 0;
    }
  }
  if (n !== 0) {
    const m = 32 - n;
    if (left) {
      w3 = (w3 << n) | (w2 >>> m);
      w2 = (w2 << n) | (w1 >>> m);
      w1 = (w1 << n) | (w0 >>> m);
      w0 <<= n;
    } else {
      w0 = (w0 >>> n) | (w1 << m);
      w1 = (w1 >>> n) | (w2 << m);
      w2 = (w2 >>> n) | (w3 << m);
      w3 >>>= n;
    }
  }
  s[t] = w0;
  s[t + 1] = w1;
  s[t + 2] = w2;
  s[t + 3] = w3;
}

/** vsl/vsr: shift by VRB bits 125:127; vslo/vsro: by octets in VRB bits 121:124. */
function vshift(left: boolean, octets: boolean): VFactory {
  return (f) => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const bb = vrB(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable(VMX);
      // Architected byte 15 of VRB is storage byte 0.
      const x = vv(c).u8[bb]!;
      const n = octets ? x & 0x78 : x & 7;
      shift128(c.s, t, a, n, left);
      return 0;
    };
  };
}

// ---- bit gather and bit permute (2.07) ----------------------------------------------------------

/** vgbbd: transpose each doubleword as an 8x8 bit matrix (byte j bit k <- byte k bit j). */
const vgbbd: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const b = vrW(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const s = c.s;
    for (let k = 0; k < 4; k += 2) {
      // Rows 0..3 (architected bytes 0..3) are the high word.
      let x = s[b + k + 1]!;
      let y = s[b + k]!;
      let u = (x ^ (x >>> 7)) & 0x00aa00aa;
      x = x ^ u ^ (u << 7);
      u = (y ^ (y >>> 7)) & 0x00aa00aa;
      y = y ^ u ^ (u << 7);
      u = (x ^ (x >>> 14)) & 0x0000cccc;
      x = x ^ u ^ (u << 14);
      u = (y ^ (y >>> 14)) & 0x0000cccc;
      y = y ^ u ^ (u << 14);
      u = (x & 0xf0f0f0f0) | ((y >>> 4) & 0x0f0f0f0f);
      y = ((x << 4) & 0xf0f0f0f0) | (y & 0x0f0f0f0f);
      s[t + k + 1] = u;
      s[t + k] = y;
    }
    return 0;
  };
};

/** vbpermq: 16 bits of VRA selected by the bytes of VRB, into doubleword 0 bits 48:63. */
const vbpermq: VFactory = (f) => {
  const t = vrW(f.vrt!);
  const a = vrB(f.vra!);
  const b = vrB(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable(VMX);
    const u8 = vv(c).u8;
    let perm = 0;
    for (let i = 0; i < 16; i++) {
      const idx = u8[b + 15 - i]!;
      if (idx < 128 && (u8[a + 15 - (idx >> 3)]! >>> (7 - (idx & 7))) & 1) perm |= 0x8000 >>> i;
    }
    const s = c.s;
    s[t] = 0;
    s[t + 1] = 0;
    s[t + 2] = perm;
    s[t + 3] = 0;
    return 0;
  };
};

// ---- exports ------------------------------------------------------------------------------------

export const PERM_EXEC: Record<string, VFactory> = {
  lvx,
  lvxl: lvx,
  stvx,
  stvxl: stvx,
  lvebx: lve(1, false),
  lvehx: lve(2, false),
  lvewx: lve(4, false),
  stvebx: lve(1, true),
  stvehx: lve(2, true),
  stvewx: lve(4, true),
  lvsl: lvs(false),
  lvsr: lvs(true),
  mfvscr,
  mtvscr,
  vperm,
  vpermxor,
  vsldoi,
  vmrghb: merge(1, false),
  vmrghh: merge(2, false),
  vmrghw: merge(4, false),
  vmrglb: merge(1, true),
  vmrglh: merge(2, true),
  vmrglw: merge(4, true),
  vmrgew: mergeEO(false),
  vmrgow: mergeEO(true),
  vspltb: splat(1),
  vsplth: splat(2),
  vspltw: splat(4),
  vspltisb: splatImm(1),
  vspltish: splatImm(2),
  vspltisw: splatImm(4),
  vpkuhum: packMod(2),
  vpkuwum: packMod(4),
  vpkudum: packMod(8),
  vpkshss: packSat(2, true, satS8),
  vpkshus: packSat(2, true, satU8),
  vpkuhus: packSat(2, false, satU8),
  vpkswss: packSat(4, true, satS16),
  vpkswus: packSat(4, true, satU16),
  vpkuwus: packSat(4, false, satU16),
  vpksdss: packSatD(0),
  vpksdus: packSatD(1),
  vpkudus: packSatD(2),
  vupkhsb: unpack(1, true),
  vupklsb: unpack(1, false),
  vupkhsh: unpack(2, true),
  vupklsh: unpack(2, false),
  vupkhsw: unpack(4, true),
  vupklsw: unpack(4, false),
  vupkhpx: unpackPx(true),
  vupklpx: unpackPx(false),
  vpkpx,
  vsl: vshift(true, false),
  vsr: vshift(false, false),
  vslo: vshift(true, true),
  vsro: vshift(false, true),
  vgbbd,
  vbpermq,
};
