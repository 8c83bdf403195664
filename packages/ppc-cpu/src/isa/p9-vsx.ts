/**
 * VSX instructions new in Power ISA 3.0 (POWER9), Book I chapter 7, except the quad-precision
 * arithmetic (p9-fp.ts): vector and scalar loads and stores (§7.6.1.1-2), GPR moves (§7.6.1.8),
 * byte-reverse, permute, extract/insert and splat-immediate (§7.6.1.7), exponent and
 * significand extract/insert, data-class tests, type-C/J maximum and minimum, the scalar
 * compares that produce masks, and the half-precision conversions.
 *
 * VSR i is one little-endian 128-bit number in the state block (see vsx-common.ts), so a
 * byte element j (0 = most significant) of VSR i is state byte `VSR_BYTE + 16i + 15 - j`.
 */
import type { Cpu } from '../cpu.js';
import { FPSCR, MSR, MSR_LO_VEC, MSR_LO_VSX, VSR_BYTE } from '../state.js';
import { type Fields, type InsnDef, P9 } from '../table.js';
import {
  doubleToSingle,
  FPSCR_FI,
  FPSCR_FPCC,
  FPSCR_FPRF,
  FPSCR_FR,
  FPSCR_VXSNAN,
  fpCompare,
  fpEnabled,
  fpSuppressed,
  fpscrRaise,
  isNaNBits,
  isSNaNBits,
  isZeroBits,
  res,
  singleToDouble,
} from './fpu.js';
import { BFP16, BFP32, BFP64, bfpConvert, dataClassMatch, fprfBfp, out128 } from './p9-bfp.js';
import { addEaN, eaD, eaX, ra0, setCrField } from './util.js';
import { vv } from './vmx-core.js';
import { vsrBase, vsxOff } from './vsx-common.js';

type Def = InsnDef<Cpu>;

const LOAD = 0;
const STORE = 1;

/**
 * Facility check of the ISA 3.0 loads, stores and moves that name any of the 64 VSRs with
 * one 6-bit field: VSRs 0-31 need MSR[VSX], VSRs 32-63 (the VRs) need MSR[VEC] (v3.0B §7.6.1).
 */
function vsrFacility(c: Cpu, vsr: number): number {
  const msr = c.s[MSR]!;
  if (vsr < 32) return msr & MSR_LO_VSX ? 0 : c.facilityUnavailable('vsx');
  return msr & MSR_LO_VEC ? 0 : c.facilityUnavailable('vmx');
}

/** The VR-only scalar loads and stores (lxsd, lxssp, stxsd, stxssp) need MSR[VEC]. */
function vecFacility(c: Cpu): number {
  return c.s[MSR]! & MSR_LO_VEC ? 0 : c.facilityUnavailable('vmx');
}

// ---- byte mapping between storage and a VSR ---------------------------------------------------

/**
 * For each memory byte k of a 16-byte vector access with elements of `e` bytes, the state
 * byte (0 = least significant) it goes to. Big-endian: byte element k. Little-endian: each
 * element is loaded little-endian but elements stay in ISA order (element 0 from the lowest
 * address), so e = 16 is a straight copy and e = 1 the same as big-endian.
 */
function byteMap(e: number, le: boolean): Uint8Array {
  const t = new Uint8Array(16);
  for (let k = 0; k < 16; k++) t[k] = le ? 16 - e * (Math.floor(k / e) + 1) + (k % e) : 15 - k;
  return t;
}
const MAPS: Record<number, readonly [Uint8Array, Uint8Array]> = {
  1: [byteMap(1, false), byteMap(1, true)],
  2: [byteMap(2, false), byteMap(2, true)],
  16: [byteMap(16, false), byteMap(16, true)],
};

const tmp = new Uint8Array(16);

/** Read `n` bytes at (hi, lo) into tmp (checking every page before anything is changed). */
function readBytes(c: Cpu, hi: number, lo: number, n: number): void {
  if ((lo & 0xfff) + n <= 0x1000) {
    const off = c.probe(hi, lo, LOAD);
    const m = c.u8;
    for (let k = 0; k < n; k++) tmp[k] = m[off + k]!;
    return;
  }
  for (let k = 0; k < n; k++) {
    const [h, l] = addEaN(hi, lo, k, c.sf);
    tmp[k] = c.read8(h, l);
  }
}

/** Write tmp[0..n) to (hi, lo); a page-crossing store checks the last page before the first byte. */
function writeBytes(c: Cpu, hi: number, lo: number, n: number): void {
  if ((lo & 0xfff) + n <= 0x1000) {
    const off = c.probe(hi, lo, STORE);
    const m = c.u8;
    for (let k = 0; k < n; k++) m[off + k] = tmp[k]!;
    return;
  }
  const [h, l] = addEaN(hi, lo, n - 1, c.sf);
  c.probe(h, l, STORE);
  c.probe(hi, lo, STORE);
  for (let k = 0; k < n; k++) {
    const [h2, l2] = addEaN(hi, lo, k, c.sf);
    c.write8(h2, l2, tmp[k]!);
  }
}

/** Vector load of `n` bytes through map `e`; the bytes not loaded are zeroed (lxvl/lxvll). */
function vload(c: Cpu, hi: number, lo: number, n: number, e: number, vsr: number, be = false): void {
  if (n > 0) readBytes(c, hi, lo, n);
  const map = MAPS[e]![be ? 0 : c.le ? 1 : 0]!;
  const u8 = vv(c).u8;
  const base = VSR_BYTE + 16 * vsr;
  if (n < 16) u8.fill(0, base, base + 16);
  for (let k = 0; k < n; k++) u8[base + map[k]!] = tmp[k]!;
}

function vstore(c: Cpu, hi: number, lo: number, n: number, e: number, vsr: number, be = false): void {
  if (n === 0) return;
  const map = MAPS[e]![be ? 0 : c.le ? 1 : 0]!;
  const u8 = vv(c).u8;
  const base = VSR_BYTE + 16 * vsr;
  for (let k = 0; k < n; k++) tmp[k] = u8[base + map[k]!]!;
  writeBytes(c, hi, lo, n);
}

// ---- vector loads and stores --------------------------------------------------------------------

/**
 * lxv / stxv (DQ-form) and lxvx / stxvx, lxvb16x / stxvb16x, lxvh8x / stxvh8x (X-form). The
 * quadword forms within one page (the common case: memcpy and friends) move four words
 * straight between RAM and the state block.
 */
function lsv(store: boolean, e: number, dq: boolean) {
  return (f: Fields) => {
    const x = store ? f.xs! : f.xt!;
    const v = vsrBase(x);
    const a = ra0(f.ra!);
    const b = dq ? 0 : f.rb! * 2;
    const d = dq ? f.dq! : 0;
    return (c: Cpu) => {
      const r = vsrFacility(c, x);
      if (r) return r;
      const lo = dq ? eaD(c, a, d) : eaX(c, a, b);
      const hi = c.eah;
      if (e === 16 && (lo & 0xfff) <= 0xff0) {
        // The VSR is a little-endian 128-bit number: little-endian mode copies words in order.
        const off = c.probe(hi, lo, store ? STORE : LOAD);
        const dv = c.dv;
        const s = c.s;
        const le = c.le;
        if (store) {
          if (le) for (let k = 0; k < 4; k++) dv.setInt32(off + 4 * k, s[v + k]!, true);
          else for (let k = 0; k < 4; k++) dv.setInt32(off + 4 * k, s[v + 3 - k]!, false);
        } else if (le) {
          const w0 = dv.getInt32(off, true);
          const w1 = dv.getInt32(off + 4, true);
          const w2 = dv.getInt32(off + 8, true);
          s[v + 3] = dv.getInt32(off + 12, true);
          s[v] = w0;
          s[v + 1] = w1;
          s[v + 2] = w2;
        } else {
          const w0 = dv.getInt32(off, false);
          const w1 = dv.getInt32(off + 4, false);
          const w2 = dv.getInt32(off + 8, false);
          s[v] = dv.getInt32(off + 12, false);
          s[v + 3] = w0;
          s[v + 2] = w1;
          s[v + 1] = w2;
        }
        return 0;
      }
      if (store) vstore(c, hi, lo, 16, e, x);
      else vload(c, hi, lo, 16, e, x);
      return 0;
    };
  };
}

/**
 * lxvl / lxvll / stxvl / stxvll XT,RA,RB: EA = (RA|0), length = RB[0:7] capped at 16.
 * lxvl/stxvl use the vector byte order of lxvx (so in little-endian mode the bytes go to the
 * least significant end); the "left-justified" ll forms always use big-endian byte order.
 */
function lsvl(store: boolean, left: boolean) {
  return (f: Fields) => {
    const x = store ? f.xs! : f.xt!;
    const a = ra0(f.ra!);
    const b = f.rb! * 2;
    return (c: Cpu) => {
      const r = vsrFacility(c, x);
      if (r) return r;
      const s = c.s;
      const n = Math.min(s[b + 1]! >>> 24, 16);
      const lo = eaD(c, a, 0);
      const hi = c.eah;
      if (store) vstore(c, hi, lo, n, 16, x, left);
      else vload(c, hi, lo, n, 16, x, left);
      return 0;
    };
  };
}

/** lxvwsx XT,RA,RB: one word loaded and splatted to all four word elements. */
function lxvwsx(f: Fields) {
  const x = f.xt!;
  const t = vsrBase(x);
  const a = ra0(f.ra!);
  const b = f.rb! * 2;
  return (c: Cpu) => {
    const r = vsrFacility(c, x);
    if (r) return r;
    const lo = eaX(c, a, b);
    const w = c.read32(c.eah, lo);
    const s = c.s;
    s[t] = w;
    s[t + 1] = w;
    s[t + 2] = w;
    s[t + 3] = w;
    return 0;
  };
}

// ---- scalar loads and stores --------------------------------------------------------------------

/**
 * lxsd / lxssp VRT,DS(RA) (DS-form, VR targets) and lxsibzx / lxsihzx XT,RA,RB: doubleword 0
 * gets the value. Doubleword 1 is undefined in v3.0B; as on QEMU (-cpu power9) lxsd/lxssp
 * clear it and lxsibzx/lxsihzx leave it unchanged.
 */
function lxsScalar(kind: 'd' | 'sp' | 'b' | 'h', ds: boolean) {
  return (f: Fields) => {
    const x = ds ? 32 + f.vrt! : f.xt!;
    const t = vsrBase(x);
    const a = ra0(f.ra!);
    const b = ds ? 0 : f.rb! * 2;
    const d = ds ? f.ds! : 0;
    return (c: Cpu) => {
      const r = ds ? vecFacility(c) : vsrFacility(c, x);
      if (r) return r;
      const s = c.s;
      const lo = ds ? eaD(c, a, d) : eaX(c, a, b);
      const hi = c.eah;
      let vlo: number;
      let vhi = 0;
      if (kind === 'd') {
        vlo = c.read64(hi, lo);
        vhi = c.rhi;
      } else if (kind === 'sp') {
        singleToDouble(c.read32(hi, lo));
        vlo = res[0]!;
        vhi = res[1]!;
      } else vlo = kind === 'b' ? c.read8(hi, lo) : c.read16(hi, lo);
      s[t + 3] = vhi;
      s[t + 2] = vlo;
      if (ds) {
        s[t + 1] = 0;
        s[t] = 0;
      }
      return 0;
    };
  };
}

/** stxsd / stxssp VRS,DS(RA) and stxsibx / stxsihx XS,RA,RB: store from doubleword 0. */
function stxsScalar(kind: 'd' | 'sp' | 'b' | 'h', ds: boolean) {
  return (f: Fields) => {
    const x = ds ? 32 + f.vrs! : f.xs!;
    const v = vsrBase(x);
    const a = ra0(f.ra!);
    const b = ds ? 0 : f.rb! * 2;
    const d = ds ? f.ds! : 0;
    return (c: Cpu) => {
      const r = ds ? vecFacility(c) : vsrFacility(c, x);
      if (r) return r;
      const s = c.s;
      const lo = ds ? eaD(c, a, d) : eaX(c, a, b);
      const hi = c.eah;
      if (kind === 'd') c.write64(hi, lo, s[v + 2]!, s[v + 3]!);
      else if (kind === 'sp') c.write32(hi, lo, doubleToSingle(s[v + 3]!, s[v + 2]!));
      else if (kind === 'b') c.write8(hi, lo, s[v + 2]! & 0xff);
      else c.write16(hi, lo, s[v + 2]! & 0xffff);
      return 0;
    };
  };
}

// ---- GPR moves (§7.6.1.8) -----------------------------------------------------------------------

/** mfvsrld RA,XS: RA ← doubleword 1. */
function mfvsrld(f: Fields) {
  const x = f.xs!;
  const v = vsrBase(x);
  const a = f.ra! * 2;
  return (c: Cpu) => {
    const r = vsrFacility(c, x);
    if (r) return r;
    const s = c.s;
    s[a] = s[v]!;
    s[a + 1] = s[v + 1]!;
    return 0;
  };
}

/** mtvsrdd XT,RA,RB: doubleword 0 ← (RA|0), doubleword 1 ← (RB). */
function mtvsrdd(f: Fields) {
  const x = f.xt!;
  const t = vsrBase(x);
  const a = f.ra! * 2;
  const zero = f.ra === 0;
  const b = f.rb! * 2;
  return (c: Cpu) => {
    const r = vsrFacility(c, x);
    if (r) return r;
    const s = c.s;
    const al = zero ? 0 : s[a]!;
    const ah = zero ? 0 : s[a + 1]!;
    s[t] = s[b]!;
    s[t + 1] = s[b + 1]!;
    s[t + 2] = al;
    s[t + 3] = ah;
    return 0;
  };
}

/** mtvsrws XT,RA: each word element ← RA[32:63]. */
function mtvsrws(f: Fields) {
  const x = f.xt!;
  const t = vsrBase(x);
  const a = f.ra! * 2;
  return (c: Cpu) => {
    const r = vsrFacility(c, x);
    if (r) return r;
    const s = c.s;
    const w = s[a]!;
    s[t] = w;
    s[t + 1] = w;
    s[t + 2] = w;
    s[t + 3] = w;
    return 0;
  };
}

// ---- permutes, splats, byte reversal (§7.6.1.7) ---------------------------------------------------

/** xxspltib XT,IMM8: every byte ← IMM8. */
function xxspltib(f: Fields) {
  const x = f.xt!;
  const t = vsrBase(x);
  const v = f.imm8! * 0x01010101;
  return (c: Cpu) => {
    const r = vsrFacility(c, x);
    if (r) return r;
    const s = c.s;
    s[t] = v;
    s[t + 1] = v;
    s[t + 2] = v;
    s[t + 3] = v;
    return 0;
  };
}

const perm = new Uint8Array(32);

/**
 * xxextractuw XT,XB,UIM: doubleword 0 ← the word at byte UIM of XB (zero-extended), doubleword
 * 1 ← 0. UIM > 12 is undefined in the ISA; the byte index wraps modulo 16 here, as on QEMU.
 */
function xxextractuw(f: Fields) {
  const tb = VSR_BYTE + 16 * f.xt!;
  const bb = VSR_BYTE + 16 * f.xb!;
  const uim = f.uim!;
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const u8 = vv(c).u8;
    for (let i = 0; i < 4; i++) perm[i] = u8[bb + 15 - ((uim + i) & 15)]!;
    u8.fill(0, tb, tb + 16);
    // Byte elements 4..7 of doubleword 0 are state bytes 11..8.
    for (let i = 0; i < 4; i++) u8[tb + 11 - i] = perm[i]!;
    return 0;
  };
}

/**
 * xxinsertw XT,XB,UIM: bytes UIM..UIM+3 of XT ← word element 1 of XB; the rest of XT is
 * unchanged. Bytes beyond byte 15 (UIM > 12, undefined in the ISA) are dropped, as on QEMU.
 */
function xxinsertw(f: Fields) {
  const tb = VSR_BYTE + 16 * f.xt!;
  const bb = VSR_BYTE + 16 * f.xb!;
  const uim = f.uim!;
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const u8 = vv(c).u8;
    for (let i = 0; i < 4; i++) perm[i] = u8[bb + 11 - i]!;
    for (let i = 0; i < 4 && uim + i < 16; i++) u8[tb + 15 - (uim + i)] = perm[i]!;
    return 0;
  };
}

/** xxbrh / xxbrw / xxbrd / xxbrq: reverse the bytes of each element of `e` bytes. */
function xxbr(e: number) {
  return (f: Fields) => {
    const tb = VSR_BYTE + 16 * f.xt!;
    const bb = VSR_BYTE + 16 * f.xb!;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const u8 = vv(c).u8;
      for (let k = 0; k < 16; k++) perm[k] = u8[bb + k]!;
      for (let k = 0; k < 16; k++) {
        const base = k - (k % e);
        u8[tb + k] = perm[base + e - 1 - (k % e)]!;
      }
      return 0;
    };
  };
}

/**
 * xxperm / xxpermr XT,XA,XB: byte i of XT ← byte (XB.byte[i] & 31) of XA || XT (xxpermr:
 * byte 31 - index), like vperm / vpermr with the target as the second source.
 */
function xxperm(reverse: boolean) {
  return (f: Fields) => {
    const tb = VSR_BYTE + 16 * f.xt!;
    const ab = VSR_BYTE + 16 * f.xa!;
    const bb = VSR_BYTE + 16 * f.xb!;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const u8 = vv(c).u8;
      // perm[j] = byte element j of XA || XT (j = 0..31).
      for (let j = 0; j < 16; j++) {
        perm[j] = u8[ab + 15 - j]!;
        perm[16 + j] = u8[tb + 15 - j]!;
      }
      for (let i = 0; i < 16; i++) {
        let idx = u8[bb + 15 - i]! & 31;
        if (reverse) idx = 31 - idx;
        tmp[i] = perm[idx]!;
      }
      for (let i = 0; i < 16; i++) u8[tb + 15 - i] = tmp[i]!;
      return 0;
    };
  };
}

// ---- exponent / significand (§7.6.1.x "VSX Scalar/Vector Extract/Insert Exponent") ---------------

/** xsiexpdp XT,RA,RB: doubleword 0 ← RA[0] || RB[53:63] || RA[12:63]; doubleword 1 ← 0. */
function xsiexpdp(f: Fields) {
  const t = vsrBase(f.xt!);
  const a = f.ra! * 2;
  const b = f.rb! * 2;
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const hi = (s[a + 1]! & 0x800fffff) | ((s[b]! & 0x7ff) << 20);
    s[t + 2] = s[a]!;
    s[t + 3] = hi;
    s[t + 1] = 0;
    s[t] = 0;
    return 0;
  };
}

/** xsxexpdp / xsxsigdp RT,XB: the biased exponent, or the significand with its implicit bit. */
function xsxdp(sig: boolean) {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const hi = s[b + 3]!;
      const exp = (hi >>> 20) & 0x7ff;
      if (sig) {
        s[t] = s[b + 2]!;
        s[t + 1] = (hi & 0xfffff) | (exp !== 0 && exp !== 0x7ff ? 0x100000 : 0);
      } else {
        s[t] = exp;
        s[t + 1] = 0;
      }
      return 0;
    };
  };
}

/** xviexpdp / xviexpsp XT,XA,XB: per element, sign and fraction of XA with the exponent from XB. */
function xviexp(sp: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      if (sp) {
        for (let k = 0; k < 4; k++) s[t + k] = (s[a + k]! & 0x807fffff) | ((s[b + k]! & 0xff) << 23);
      } else {
        // Doubleword i: high word at +3 / +1, low word at +2 / +0; the exponent is RB[53:63] of the element.
        const h0 = (s[a + 3]! & 0x800fffff) | ((s[b + 2]! & 0x7ff) << 20);
        const h1 = (s[a + 1]! & 0x800fffff) | ((s[b]! & 0x7ff) << 20);
        s[t + 2] = s[a + 2]!;
        s[t] = s[a]!;
        s[t + 3] = h0;
        s[t + 1] = h1;
      }
      return 0;
    };
  };
}

/** xvxexpdp / xvxsigdp / xvxexpsp / xvxsigsp XT,XB: per element exponent or significand. */
function xvx(sp: boolean, sig: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      if (sp) {
        for (let k = 0; k < 4; k++) {
          const w = s[b + k]!;
          const exp = (w >>> 23) & 0xff;
          s[t + k] = sig ? (w & 0x7fffff) | (exp !== 0 && exp !== 0xff ? 0x800000 : 0) : exp;
        }
      } else {
        for (let k = 0; k < 4; k += 2) {
          const hi = s[b + k + 1]!;
          const lo = s[b + k]!;
          const exp = (hi >>> 20) & 0x7ff;
          if (sig) {
            s[t + k] = lo;
            s[t + k + 1] = (hi & 0xfffff) | (exp !== 0 && exp !== 0x7ff ? 0x100000 : 0);
          } else {
            s[t + k] = exp;
            s[t + k + 1] = 0;
          }
        }
      }
      return 0;
    };
  };
}

/** xscmpexpdp BF,XA,XB: compare the exponent fields; unordered when either operand is a NaN. */
function xscmpexpdp(f: Fields) {
  const bf = f.bf!;
  const a = vsrBase(f.xa!);
  const b = vsrBase(f.xb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const ea = (s[a + 3]! >>> 20) & 0x7ff;
    const eb = (s[b + 3]! >>> 20) & 0x7ff;
    let cc: number;
    if (isNaNBits(s[a + 3]!, s[a + 2]!) || isNaNBits(s[b + 3]!, s[b + 2]!)) cc = 1;
    else cc = ea < eb ? 8 : ea > eb ? 4 : 2;
    s[FPSCR] = (s[FPSCR]! & ~FPSCR_FPCC) | (cc << 12);
    setCrField(c, bf, cc);
    return 0;
  };
}

// ---- compares and max/min producing doubleword results --------------------------------------------

/** Finish a scalar mask/max/min result (dw0 = hi:lo, dw1 = 0) unless an enabled exception suppresses it. */
function scalarMaskDone(c: Cpu, t: number, fpscr: number, flags: number, hi: number, lo: number): number {
  const s = c.s;
  s[FPSCR] = fpscrRaise(fpscr, flags);
  if (!fpSuppressed(fpscr, flags)) {
    s[t + 3] = hi;
    s[t + 2] = lo;
    s[t + 1] = 0;
    s[t] = 0;
  }
  if (fpEnabled(fpscr, flags) && c.fpExceptionsEnabled()) return c.fpEnabledException();
  return 0;
}

/**
 * xscmpeqdp / xscmpgtdp / xscmpgedp XT,XA,XB: doubleword 0 all ones when the relation holds.
 * eq is a quiet compare (VXSNAN only); gt and ge signal (VXVC for NaNs, as fcmpo).
 */
function xscmpmask(kind: 'eq' | 'gt' | 'ge') {
  const mask = kind === 'eq' ? 2 : kind === 'gt' ? 4 : 6;
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const r = fpCompare(fpscr, s[a + 3]!, s[a + 2]!, s[b + 3]!, s[b + 2]!, kind !== 'eq');
      const v = r & mask ? -1 : 0;
      return scalarMaskDone(c, t, fpscr, r & ~15, v, v);
    };
  };
}

/**
 * xsmaxcdp / xsmincdp: (A > B) ? A : B (min: A < B), so a NaN operand or equal values (±0)
 * give B, unchanged. xsmaxjdp / xsminjdp (Java): a NaN A, else a NaN B, is the result as it is;
 * max(+0, -0) = +0 and min(+0, -0) = -0. All report VXSNAN for an SNaN operand.
 */
function xsmaxmin(max: boolean, java: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      const ah = s[a + 3]!;
      const al = s[a + 2]!;
      const bh = s[b + 3]!;
      const bl = s[b + 2]!;
      const flags = isSNaNBits(ah, al) || isSNaNBits(bh, bl) ? FPSCR_VXSNAN : 0;
      let pickA: boolean;
      if (java) {
        if (isNaNBits(ah, al)) pickA = true;
        else if (isNaNBits(bh, bl)) pickA = false;
        else if (isZeroBits(ah, al) && isZeroBits(bh, bl)) pickA = max ? ah >= 0 : ah < 0;
        else pickA = (fpCompare(fpscr, ah, al, bh, bl, false) & (max ? 4 : 8)) !== 0;
      } else pickA = (fpCompare(fpscr, ah, al, bh, bl, false) & (max ? 4 : 8)) !== 0;
      return scalarMaskDone(c, t, fpscr, flags, pickA ? ah : bh, pickA ? al : bl);
    };
  };
}

// ---- data class tests -----------------------------------------------------------------------------

/** Double bits (hi, lo) as a BigInt. */
function dbl(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** True when the double (hi, lo) is a single-precision value: a NaN whose payload fits, ±∞, ±0, or exactly representable in range. */
function isSingleValue(hi: number, lo: number): boolean {
  const exp = (hi >>> 20) & 0x7ff;
  if (exp === 0x7ff) return (lo & 0x1fffffff) === 0;
  if (exp === 0 && ((hi & 0xfffff) | lo) === 0) return true;
  singleToDouble(doubleToSingle(hi, lo));
  return res[1] === hi && res[0] === lo;
}

/**
 * xststdcdp / xststdcsp BF,XB,DCMX: CR field BF and FPCC ← sign || 0 || match || 0 (sp: the
 * last bit says the operand is not a single-precision value; a double below the single
 * normal range counts as denormal).
 */
function xststdc(sp: boolean) {
  return (f: Fields) => {
    const bf = f.bf!;
    const b = vsrBase(f.xb!);
    const dcmx = f.dcmx!;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const hi = s[b + 3]!;
      const lo = s[b + 2]!;
      let match = dataClassMatch(BFP64, dbl(hi, lo), dcmx);
      let fu = 0;
      if (sp) {
        const exp = (hi >>> 20) & 0x7ff;
        if (exp > 0 && exp < 0x381 && (dcmx & (hi < 0 ? 0x01 : 0x02)) !== 0) match = true;
        fu = isSingleValue(hi, lo) ? 0 : 1;
      }
      const cc = (hi < 0 ? 8 : 0) | (match ? 2 : 0) | fu;
      s[FPSCR] = (s[FPSCR]! & ~FPSCR_FPCC) | (cc << 12);
      setCrField(c, bf, cc);
      return 0;
    };
  };
}

/** xvtstdcdp / xvtstdcsp XT,XB,DCMX: each element all ones when its class is in DCMX. */
function xvtstdc(sp: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    const dcmx = f.dcmx!;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      if (sp) {
        for (let k = 0; k < 4; k++) s[t + k] = dataClassMatch(BFP32, BigInt(s[b + k]! >>> 0), dcmx) ? -1 : 0;
      } else {
        for (let k = 0; k < 4; k += 2) {
          const v = dataClassMatch(BFP64, dbl(s[b + k + 1]!, s[b + k]!), dcmx) ? -1 : 0;
          s[t + k] = v;
          s[t + k + 1] = v;
        }
      }
      return 0;
    };
  };
}

// ---- half precision (§7.6.1.x "VSX Scalar/Vector Convert Half-Precision") -------------------------

/** xscvhpdp XT,XB: the half in bits 48:63 of doubleword 0 to double (exact); FPRF set. */
function xscvhpdp(f: Fields) {
  const t = vsrBase(f.xt!);
  const b = vsrBase(f.xb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const fpscr = s[FPSCR]!;
    const flags = bfpConvert(BFP16, BFP64, BigInt(s[b + 2]! & 0xffff), 0, fpscr);
    return cvtScalarDone(c, t, fpscr, flags, BFP64, out128.bits);
  };
}

/** xscvdphp XT,XB: double to half in FPSCR[RN]; result in bits 48:63 of doubleword 0, FPRF of the half. */
function xscvdphp(f: Fields) {
  const t = vsrBase(f.xt!);
  const b = vsrBase(f.xb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const fpscr = s[FPSCR]!;
    const flags = bfpConvert(BFP64, BFP16, dbl(s[b + 3]!, s[b + 2]!), fpscr & 3, fpscr);
    return cvtScalarDone(c, t, fpscr, flags, BFP16, out128.bits);
  };
}

/** FPSCR and target of a scalar conversion whose result (in format `fmt`) goes to doubleword 0. */
function cvtScalarDone(c: Cpu, t: number, fpscr: number, flags: number, fmt: typeof BFP64, bits: bigint): number {
  const s = c.s;
  const suppressed = fpSuppressed(fpscr, flags);
  let n = fpscrRaise(fpscr, flags) & ~(FPSCR_FR | FPSCR_FI);
  if (!suppressed) {
    n = (n & ~FPSCR_FPRF) | (flags & (FPSCR_FR | FPSCR_FI)) | fprfBfp(fmt, bits);
    s[t + 3] = Number(bits >> 32n) | 0;
    s[t + 2] = Number(bits & 0xffffffffn) | 0;
    s[t + 1] = 0;
    s[t] = 0;
  }
  s[FPSCR] = n;
  if (fpEnabled(fpscr, flags) && c.fpExceptionsEnabled()) return c.fpEnabledException();
  return 0;
}

/**
 * xvcvhpsp / xvcvsphp XT,XB: per word, the half in bits 16:31 to single, or the single to a
 * half in bits 16:31 (bits 0:15 zero), rounding in FPSCR[RN]. Exception bits only; XT is not
 * written when an enabled exception occurred.
 */
function xvcvhp(toHalf: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    const w = new Int32Array(4);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const fpscr = s[FPSCR]!;
      let flags = 0;
      for (let k = 0; k < 4; k++) {
        const x = s[b + k]!;
        flags |= toHalf
          ? bfpConvert(BFP32, BFP16, BigInt(x >>> 0), fpscr & 3, fpscr)
          : bfpConvert(BFP16, BFP32, BigInt(x & 0xffff), 0, fpscr);
        w[k] = Number(out128.bits) | 0;
      }
      s[FPSCR] = fpscrRaise(fpscr, flags);
      if (!fpEnabled(fpscr, flags)) for (let k = 0; k < 4; k++) s[t + k] = w[k]!;
      if (fpEnabled(fpscr, flags) && c.fpExceptionsEnabled()) return c.fpEnabledException();
      return 0;
    };
  };
}

// ---- table ----------------------------------------------------------------------------------------

const V = 'vsx';
const X31 = (m: string, xo: number, ops: string, exec: Def['exec'], extra: Partial<Def> = {}): Def => ({
  m,
  form: 'XX1',
  op: 31,
  xo,
  ops,
  exec,
  models: P9,
  chapter: V,
  ...extra,
});
const XX2 = (m: string, xo: number, sub: number, ops: string, exec: Def['exec']): Def => ({
  m,
  form: 'XX2',
  op: 60,
  xo,
  ops,
  fix: [[11, 5, sub]],
  exec,
  models: P9,
  chapter: V,
});
const XX3 = (m: string, xo: number, exec: Def['exec'], ops = 'XT,XA,XB', extra: Partial<Def> = {}): Def => ({
  m,
  form: 'XX3',
  op: 60,
  xo,
  ops,
  exec,
  models: P9,
  chapter: V,
  ...extra,
});

export const P9_VSX: Def[] = [
  // Loads and stores.
  {
    m: 'lxv',
    form: 'DQ',
    op: 61,
    ops: 'XTQ,DQ(RA0)',
    fix: [[29, 3, 1]],
    exec: lsv(false, 16, true),
    models: P9,
    chapter: V,
  },
  {
    m: 'stxv',
    form: 'DQ',
    op: 61,
    ops: 'XSQ,DQ(RA0)',
    fix: [[29, 3, 5]],
    exec: lsv(true, 16, true),
    models: P9,
    chapter: V,
  },
  { m: 'lxsd', form: 'DS', op: 57, xo: 2, ops: 'VRT,DS(RA0)', exec: lxsScalar('d', true), models: P9, chapter: V },
  { m: 'lxssp', form: 'DS', op: 57, xo: 3, ops: 'VRT,DS(RA0)', exec: lxsScalar('sp', true), models: P9, chapter: V },
  { m: 'stxsd', form: 'DS', op: 61, xo: 2, ops: 'VRS,DS(RA0)', exec: stxsScalar('d', true), models: P9, chapter: V },
  { m: 'stxssp', form: 'DS', op: 61, xo: 3, ops: 'VRS,DS(RA0)', exec: stxsScalar('sp', true), models: P9, chapter: V },
  X31('lxvx', 268, 'XT,RA0,RB', lsv(false, 16, false)),
  X31('stxvx', 396, 'XS,RA0,RB', lsv(true, 16, false)),
  X31('lxvb16x', 876, 'XT,RA0,RB', lsv(false, 1, false)),
  X31('stxvb16x', 1004, 'XS,RA0,RB', lsv(true, 1, false)),
  X31('lxvh8x', 812, 'XT,RA0,RB', lsv(false, 2, false)),
  X31('stxvh8x', 940, 'XS,RA0,RB', lsv(true, 2, false)),
  X31('lxvl', 269, 'XT,RA0,RB', lsvl(false, false)),
  X31('lxvll', 301, 'XT,RA0,RB', lsvl(false, true)),
  X31('stxvl', 397, 'XS,RA0,RB', lsvl(true, false)),
  X31('stxvll', 429, 'XS,RA0,RB', lsvl(true, true)),
  X31('lxvwsx', 364, 'XT,RA0,RB', lxvwsx),
  X31('lxsibzx', 781, 'XT,RA0,RB', lxsScalar('b', false)),
  X31('lxsihzx', 813, 'XT,RA0,RB', lxsScalar('h', false)),
  X31('stxsibx', 909, 'XS,RA0,RB', stxsScalar('b', false)),
  X31('stxsihx', 941, 'XS,RA0,RB', stxsScalar('h', false)),
  // Moves.
  X31('mfvsrld', 307, 'RA,XS', mfvsrld, { fix: [[16, 5, 0]] }),
  X31('mtvsrdd', 435, 'XT,RA0,RB', mtvsrdd),
  X31('mtvsrws', 403, 'XT,RA', mtvsrws, { fix: [[16, 5, 0]] }),
  // Permutes and splats.
  X31('xxspltib', 360, 'XT,IMM8', xxspltib, { op: 60, fix: [[11, 2, 0]] }),
  {
    m: 'xxextractuw',
    form: 'XX2',
    op: 60,
    xo: 165,
    ops: 'XT,XB,UIMM4',
    fix: [[11, 1, 0]],
    exec: xxextractuw,
    models: P9,
    chapter: V,
  },
  {
    m: 'xxinsertw',
    form: 'XX2',
    op: 60,
    xo: 181,
    ops: 'XT,XB,UIMM4',
    fix: [[11, 1, 0]],
    exec: xxinsertw,
    models: P9,
    chapter: V,
  },
  XX2('xxbrh', 475, 7, 'XT,XB', xxbr(2)),
  XX2('xxbrw', 475, 15, 'XT,XB', xxbr(4)),
  XX2('xxbrd', 475, 23, 'XT,XB', xxbr(8)),
  XX2('xxbrq', 475, 31, 'XT,XB', xxbr(16)),
  XX3('xxperm', 26, xxperm(false)),
  XX3('xxpermr', 58, xxperm(true)),
  // Exponent and significand.
  X31('xsiexpdp', 918, 'XT,RA,RB', xsiexpdp, { op: 60 }),
  {
    m: 'xsxexpdp',
    form: 'XX2',
    op: 60,
    xo: 347,
    ops: 'RT,XB',
    fix: [
      [11, 5, 0],
      [31, 1, 0],
    ],
    exec: xsxdp(false),
    models: P9,
    chapter: V,
  },
  {
    m: 'xsxsigdp',
    form: 'XX2',
    op: 60,
    xo: 347,
    ops: 'RT,XB',
    fix: [
      [11, 5, 1],
      [31, 1, 0],
    ],
    exec: xsxdp(true),
    models: P9,
    chapter: V,
  },
  XX3('xviexpdp', 248, xviexp(false)),
  XX3('xviexpsp', 216, xviexp(true)),
  XX2('xvxexpdp', 475, 0, 'XT,XB', xvx(false, false)),
  XX2('xvxsigdp', 475, 1, 'XT,XB', xvx(false, true)),
  XX2('xvxexpsp', 475, 8, 'XT,XB', xvx(true, false)),
  XX2('xvxsigsp', 475, 9, 'XT,XB', xvx(true, true)),
  XX3('xscmpexpdp', 59, xscmpexpdp, 'BF,XA,XB', {
    fix: [
      [9, 2, 0],
      [31, 1, 0],
    ],
  }),
  // Compares and maximum/minimum.
  XX3('xscmpeqdp', 3, xscmpmask('eq')),
  XX3('xscmpgtdp', 11, xscmpmask('gt')),
  XX3('xscmpgedp', 19, xscmpmask('ge')),
  XX3('xsmaxcdp', 128, xsmaxmin(true, false)),
  XX3('xsmincdp', 136, xsmaxmin(false, false)),
  XX3('xsmaxjdp', 144, xsmaxmin(true, true)),
  XX3('xsminjdp', 152, xsmaxmin(false, true)),
  // Data class tests.
  {
    m: 'xststdcdp',
    form: 'XX2',
    op: 60,
    xo: 362,
    ops: 'BF,XB,DCMX7',
    fix: [[31, 1, 0]],
    exec: xststdc(false),
    models: P9,
    chapter: V,
  },
  {
    m: 'xststdcsp',
    form: 'XX2',
    op: 60,
    xo: 298,
    ops: 'BF,XB,DCMX7',
    fix: [[31, 1, 0]],
    exec: xststdc(true),
    models: P9,
    chapter: V,
  },
  {
    m: 'xvtstdcdp',
    form: 'XX2DC',
    op: 60,
    xo: 15,
    ops: 'XT,XB,DCMXV',
    fix: [[26, 3, 5]],
    exec: xvtstdc(false),
    models: P9,
    chapter: V,
  },
  {
    m: 'xvtstdcsp',
    form: 'XX2DC',
    op: 60,
    xo: 13,
    ops: 'XT,XB,DCMXV',
    fix: [[26, 3, 5]],
    exec: xvtstdc(true),
    models: P9,
    chapter: V,
  },
  // Half precision.
  XX2('xscvhpdp', 347, 16, 'XT,XB', xscvhpdp),
  XX2('xscvdphp', 347, 17, 'XT,XB', xscvdphp),
  XX2('xvcvhpsp', 475, 24, 'XT,XB', xvcvhp(false)),
  XX2('xvcvsphp', 475, 25, 'XT,XB', xvcvhp(true)),
];
