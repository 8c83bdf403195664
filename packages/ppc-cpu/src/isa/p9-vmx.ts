/**
 * Vector (VMX) instructions new in Power ISA 3.0 (POWER9), Book I chapter 6: compare not
 * equal, count trailing zeros, extract/insert, sign extension, negate, parity, rotate under
 * mask, variable shifts, multiply by 10, vpermr, vbpermd, vmsumudm, absolute difference, and
 * the decimal (BCD) conversions, shifts and truncations of §6.17 ("Vector Binary Coded
 * Decimal Instructions").
 *
 * VR r is VSR 32+r, one little-endian 128-bit number (vmx-core.ts): byte element j
 * (0 = most significant) is state byte `vrB(r) + 15 - j`. Every executor checks MSR[VEC].
 */
import type { Cpu } from '../cpu.js';
import { type Fields, type InsnDef, P9 } from '../table.js';
import { mask64, out, setCrField } from './util.js';
import { setCr6, vecOff, vrB, vrW, vv } from './vmx-core.js';

type Def = InsnDef<Cpu>;
type Exec = (c: Cpu) => number;

const tb = new Uint8Array(32);

// ---- compare not equal (§6.9.3) -----------------------------------------------------------------

/**
 * vcmpneb/h/w[.] and vcmpnezb/h/w[.]: element all ones when A ≠ B (nez: or either is zero).
 * With Rc=1, CR6 ← all-true || 0 || all-false || 0.
 */
function vcmpne(size: 1 | 2 | 4, zero: boolean) {
  return (f: Fields): Exec => {
    const t = vrB(f.vrt!);
    const a = vrB(f.vra!);
    const b = vrB(f.vrb!);
    const rc = f.rc!;
    const n = 16 / size;
    const ones = size === 4 ? -1 : (1 << (8 * size)) - 1;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const v = vv(c);
      const arr = size === 1 ? v.u8 : size === 2 ? v.u16 : v.s;
      const ai = a / size;
      const bi = b / size;
      const ti = t / size;
      let all = 1;
      let any = 0;
      for (let k = 0; k < n; k++) {
        const x = arr[ai + k]!;
        const y = arr[bi + k]!;
        const hit = x !== y || (zero && (x === 0 || y === 0));
        arr[ti + k] = hit ? ones : 0;
        if (hit) any = 1;
        else all = 0;
      }
      if (rc) setCr6(c, all, any);
      return 0;
    };
  };
}

// ---- unary element operations ---------------------------------------------------------------------

function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}

/** vctzb/h/w: trailing zeros per element. */
function vctz(size: 1 | 2 | 4) {
  return (f: Fields): Exec => {
    const t = vrB(f.vrt!);
    const b = vrB(f.vrb!);
    const bits = 8 * size;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const v = vv(c);
      const arr = size === 1 ? v.u8 : size === 2 ? v.u16 : v.s;
      for (let k = 0; k < 16 / size; k++) arr[t / size + k] = Math.min(ctz32(arr[b / size + k]!), bits);
      return 0;
    };
  };
}

/** vctzd: trailing zeros per doubleword. */
function vctzd(f: Fields): Exec {
  const t = vrW(f.vrt!);
  const b = vrW(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable('vmx');
    const s = c.s;
    for (let k = 0; k < 4; k += 2) {
      const lo = s[b + k]!;
      const hi = s[b + k + 1]!;
      s[t + k] = lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
      s[t + k + 1] = 0;
    }
    return 0;
  };
}

/** vclzlsbb / vctzlsbb RT,VRB: count the leading (trailing) byte elements whose least significant bit is 0. */
function vczlsbb(trailing: boolean) {
  return (f: Fields): Exec => {
    const t = f.rt! * 2;
    const b = vrB(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const u8 = vv(c).u8;
      let n = 0;
      // Byte element j is state byte 15-j: leading counts from j=0 (state 15), trailing from j=15 (state 0).
      while (n < 16 && (u8[b + (trailing ? n : 15 - n)]! & 1) === 0) n++;
      c.s[t] = n;
      c.s[t + 1] = 0;
      return 0;
    };
  };
}

/** vextsb2w / vextsh2w / vextsb2d / vextsh2d / vextsw2d: sign-extend the low part of each element. */
function vexts(from: 8 | 16 | 32, to: 32 | 64) {
  return (f: Fields): Exec => {
    const t = vrW(f.vrt!);
    const b = vrW(f.vrb!);
    const sh = 32 - from;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const s = c.s;
      for (let k = 0; k < 4; k += to === 32 ? 1 : 2) {
        const v = from === 32 ? s[b + k]! : (s[b + k]! << sh) >> sh;
        s[t + k] = v;
        if (to === 64) s[t + k + 1] = v >> 31;
      }
      return 0;
    };
  };
}

/** vnegw / vnegd: two's complement negation. */
function vneg(dword: boolean) {
  return (f: Fields): Exec => {
    const t = vrW(f.vrt!);
    const b = vrW(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const s = c.s;
      if (!dword) {
        for (let k = 0; k < 4; k++) s[t + k] = -s[b + k]! | 0;
      } else {
        for (let k = 0; k < 4; k += 2) {
          const lo = s[b + k]!;
          const hi = s[b + k + 1]!;
          s[t + k] = -lo | 0;
          s[t + k + 1] = (~hi + (lo === 0 ? 1 : 0)) | 0;
        }
      }
      return 0;
    };
  };
}

/** vprtybw / vprtybd / vprtybq: parity of the least significant bits of the bytes of each element. */
function vprtyb(size: 4 | 8 | 16) {
  return (f: Fields): Exec => {
    const t = vrB(f.vrt!);
    const b = vrB(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const u8 = vv(c).u8;
      for (let e = 0; e < 16; e += size) {
        let p = 0;
        for (let k = 0; k < size; k++) p ^= u8[b + e + k]! & 1;
        tb[e] = p;
      }
      for (let e = 0; e < 16; e += size) {
        u8.fill(0, t + e, t + e + size);
        u8[t + e] = tb[e]!;
      }
      return 0;
    };
  };
}

// ---- extract / insert (§6.8.x) ---------------------------------------------------------------------

/**
 * vextractub/uh/uw/d VRT,VRB,UIM: the element of `size` bytes at byte UIM of VRB, zero-extended
 * into doubleword 0 of VRT; doubleword 1 ← 0. UIM > 16 - size is undefined in the ISA; as on
 * QEMU the element at byte 0 is taken then.
 */
function vextract(size: 1 | 2 | 4 | 8) {
  return (f: Fields): Exec => {
    const t = vrB(f.vrt!);
    const b = vrB(f.vrb!);
    const uim = f.uim! > 16 - size ? 0 : f.uim!;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const u8 = vv(c).u8;
      for (let i = 0; i < size; i++) tb[i] = u8[b + 15 - (uim + i)]!;
      u8.fill(0, t, t + 16);
      // Doubleword 0 is byte elements 0..7 (state bytes 15..8); right-justify the element in it.
      for (let i = 0; i < size; i++) u8[t + 8 + (size - 1 - i)] = tb[i]!;
      return 0;
    };
  };
}

/**
 * vinsertb/h/w/d VRT,VRB,UIM: the element of `size` bytes at the right end of doubleword 0 of
 * VRB goes to bytes UIM.. of VRT; the other bytes of VRT are unchanged. UIM > 16 - size is
 * undefined in the ISA; VRT is left unchanged then (as on QEMU).
 */
function vinsert(size: 1 | 2 | 4 | 8) {
  return (f: Fields): Exec => {
    const t = vrB(f.vrt!);
    const b = vrB(f.vrb!);
    const uim = f.uim!;
    const skip = uim > 16 - size;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      if (skip) return 0;
      const u8 = vv(c).u8;
      for (let i = 0; i < size; i++) tb[i] = u8[b + 8 + (size - 1 - i)]!;
      for (let i = 0; i < size; i++) u8[t + 15 - (uim + i)] = tb[i]!;
      return 0;
    };
  };
}

/**
 * vextublx / vextuhlx / vextuwlx RT,RA,VRB: RT ← the element of `size` bytes starting at byte
 * index RA[60:63] of VRB (left-indexed); the rx forms index from the right end. Both are a
 * right shift of VRB by a byte count modulo 16, so an element that would run past byte 15
 * (undefined in the ISA) takes the leading bytes and copies of VRB's sign, as on QEMU (which
 * shifts arithmetically).
 */
function vextux(size: 1 | 2 | 4, right: boolean) {
  return (f: Fields): Exec => {
    const t = f.rt! * 2;
    const a = f.ra! * 2;
    const b = vrB(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const s = c.s;
      const u8 = vv(c).u8;
      const idx = s[a]! & 15;
      const first = right ? 16 - size - idx : 16 - size - ((16 - size - idx) & 15);
      const fill = u8[b + 15]! & 0x80 ? 0xff : 0;
      let v = 0;
      for (let i = 0; i < size; i++) {
        const j = first + i;
        v = v * 256 + (j >= 0 ? u8[b + 15 - j]! : fill);
      }
      s[t] = v | 0;
      s[t + 1] = 0;
      return 0;
    };
  };
}

// ---- rotate and shift ---------------------------------------------------------------------------------

function mask32(mb: number, me: number): number {
  const a = 0xffffffff >>> mb;
  const b = me === 31 ? 0xffffffff : ~(0xffffffff >>> (me + 1));
  return mb <= me ? a & b : a | b;
}

/**
 * vrlwnm / vrlwmi VRT,VRA,VRB: each word of VRA rotated left by VRB[27:31] and masked with
 * MASK(VRB[11:15], VRB[19:23]); the mi form merges into VRT under the mask.
 */
function vrlw(insert: boolean) {
  return (f: Fields): Exec => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const s = c.s;
      for (let k = 0; k < 4; k++) {
        const ctl = s[b + k]!;
        const n = ctl & 31;
        const x = s[a + k]!;
        const r = n === 0 ? x : (x << n) | (x >>> (32 - n));
        const m = mask32((ctl >>> 16) & 31, (ctl >>> 8) & 31);
        s[t + k] = insert ? (r & m) | (s[t + k]! & ~m) : r & m;
      }
      return 0;
    };
  };
}

/** vrldnm / vrldmi: the doubleword forms (shift VRB[58:63], MASK(VRB[42:47], VRB[50:55])). */
function vrld(insert: boolean) {
  return (f: Fields): Exec => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = vrW(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const s = c.s;
      for (let k = 0; k < 4; k += 2) {
        const ctl = s[b + k]!;
        let n = ctl & 63;
        let lo = s[a + k]!;
        let hi = s[a + k + 1]!;
        if (n >= 32) {
          const x = lo;
          lo = hi;
          hi = x;
          n -= 32;
        }
        const rlo = n === 0 ? lo : (lo << n) | (hi >>> (32 - n));
        const rhi = n === 0 ? hi : (hi << n) | (lo >>> (32 - n));
        mask64((ctl >>> 16) & 63, (ctl >>> 8) & 63);
        const mlo = out[0]!;
        const mhi = out[1]!;
        s[t + k] = insert ? (rlo & mlo) | (s[t + k]! & ~mlo) : rlo & mlo;
        s[t + k + 1] = insert ? (rhi & mhi) | (s[t + k + 1]! & ~mhi) : rhi & mhi;
      }
      return 0;
    };
  };
}

/**
 * vslv / vsrv VRT,VRA,VRB: byte element i of VRT ← bits of the byte pair (i, i+1) of VRA shifted
 * left by VRB.byte[i] & 7 (vsrv: the pair (i-1, i) shifted right); bytes past the ends are 0.
 */
function vsv(left: boolean) {
  return (f: Fields): Exec => {
    const t = vrB(f.vrt!);
    const a = vrB(f.vra!);
    const b = vrB(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const u8 = vv(c).u8;
      const el = (j: number) => (j >= 0 && j < 16 ? u8[a + 15 - j]! : 0);
      for (let i = 0; i < 16; i++) {
        const sh = u8[b + 15 - i]! & 7;
        tb[i] = left ? ((((el(i) << 8) | el(i + 1)) << sh) >>> 8) & 0xff : (((el(i - 1) << 8) | el(i)) >>> sh) & 0xff;
      }
      for (let i = 0; i < 16; i++) u8[t + 15 - i] = tb[i]!;
      return 0;
    };
  };
}

// ---- 128-bit helpers (rare instructions: BigInt) ---------------------------------------------------

const M128 = (1n << 128n) - 1n;

function getVr(s: Int32Array, w: number): bigint {
  return (
    (BigInt(s[w + 3]! >>> 0) << 96n) |
    (BigInt(s[w + 2]! >>> 0) << 64n) |
    (BigInt(s[w + 1]! >>> 0) << 32n) |
    BigInt(s[w]! >>> 0)
  );
}

function setVr(s: Int32Array, w: number, x: bigint): void {
  s[w] = Number(x & 0xffffffffn) | 0;
  s[w + 1] = Number((x >> 32n) & 0xffffffffn) | 0;
  s[w + 2] = Number((x >> 64n) & 0xffffffffn) | 0;
  s[w + 3] = Number((x >> 96n) & 0xffffffffn) | 0;
}

/**
 * vmul10uq / vmul10cuq VRT,VRA and vmul10euq / vmul10ecuq VRT,VRA,VRB: VRA × 10 (+ the low
 * nibble of VRB for the extended forms); the uq forms keep the low 128 bits, the cuq forms
 * the carry (the high part, 0-9).
 */
function vmul10(carry: boolean, extended: boolean) {
  return (f: Fields): Exec => {
    const t = vrW(f.vrt!);
    const a = vrW(f.vra!);
    const b = extended ? vrW(f.vrb!) : 0;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const s = c.s;
      const add = extended ? BigInt(s[b]! & 15) : 0n;
      const p = getVr(s, a) * 10n + add;
      setVr(s, t, carry ? p >> 128n : p & M128);
      return 0;
    };
  };
}

/** vpermr VRT,VRA,VRB,VRC: byte i ← byte (31 - (VRC.byte[i] & 31)) of VRA || VRB. */
function vpermr(f: Fields): Exec {
  const t = vrB(f.vrt!);
  const a = vrB(f.vra!);
  const b = vrB(f.vrb!);
  const ci = vrB(f.vrc!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable('vmx');
    const u8 = vv(c).u8;
    for (let i = 0; i < 16; i++) {
      const idx = 31 - (u8[ci + 15 - i]! & 31);
      tb[i] = idx < 16 ? u8[a + 15 - idx]! : u8[b + 15 - (idx - 16)]!;
    }
    for (let i = 0; i < 16; i++) u8[t + 15 - i] = tb[i]!;
    return 0;
  };
}

/**
 * vbpermd VRT,VRA,VRB: for each doubleword i, 8 bits of VRA.dword[i] selected by the bytes
 * VRB.byte[8i..8i+7] (an index ≥ 64 selects 0) into bits 56:63 of VRT.dword[i].
 */
function vbpermd(f: Fields): Exec {
  const t = vrW(f.vrt!);
  const a = vrB(f.vra!);
  const b = vrB(f.vrb!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable('vmx');
    const u8 = vv(c).u8;
    const s = c.s;
    let r0 = 0;
    let r1 = 0;
    for (let i = 0; i < 2; i++) {
      let r = 0;
      for (let j = 0; j < 8; j++) {
        const idx = u8[b + 15 - (8 * i + j)]!;
        // Bit idx of doubleword i (0 = most significant) is in byte element 8i + idx/8.
        if (idx < 64 && (u8[a + 15 - (8 * i + (idx >> 3))]! >>> (7 - (idx & 7))) & 1) r |= 0x80 >>> j;
      }
      if (i === 0) r0 = r;
      else r1 = r;
    }
    s[t + 3] = 0;
    s[t + 2] = r0;
    s[t + 1] = 0;
    s[t] = r1;
    return 0;
  };
}

/** vmsumudm VRT,VRA,VRB,VRC: the two unsigned doubleword products of VRA and VRB plus VRC, modulo 2^128. */
function vmsumudm(f: Fields): Exec {
  const t = vrW(f.vrt!);
  const a = vrW(f.vra!);
  const b = vrW(f.vrb!);
  const ci = vrW(f.vrc!);
  return (c) => {
    if (vecOff(c)) return c.facilityUnavailable('vmx');
    const s = c.s;
    const x = getVr(s, a);
    const y = getVr(s, b);
    const M64 = (1n << 64n) - 1n;
    const sum = (x >> 64n) * (y >> 64n) + (x & M64) * (y & M64) + getVr(s, ci);
    setVr(s, t, sum & M128);
    return 0;
  };
}

/** vabsdub / vabsduh / vabsduw: |A - B| of unsigned elements. */
function vabsdu(size: 1 | 2 | 4) {
  return (f: Fields): Exec => {
    const t = vrB(f.vrt!);
    const a = vrB(f.vra!);
    const b = vrB(f.vrb!);
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const v = vv(c);
      const arr = size === 1 ? v.u8 : size === 2 ? v.u16 : v.u32;
      for (let k = 0; k < 16 / size; k++) {
        const x = arr[a / size + k]!;
        const y = arr[b / size + k]!;
        arr[t / size + k] = x > y ? x - y : y - x;
      }
      return 0;
    };
  };
}

// ---- decimal (§6.17) ---------------------------------------------------------------------------------

/** CR6 bits of the BCD instructions. */
const LT = 8;
const GT = 4;
const EQ = 2;
const SO = 1;

/** Digit d of a VR (d = 0 is the sign nibble, the least significant). */
function nib(u8: Uint8Array, base: number, d: number): number {
  const byte = u8[base + (d >> 1)]!;
  return d & 1 ? byte >>> 4 : byte & 15;
}

function setNib(u8: Uint8Array, base: number, d: number, v: number): void {
  const i = base + (d >> 1);
  u8[i] = d & 1 ? (u8[i]! & 0x0f) | (v << 4) : (u8[i]! & 0xf0) | v;
}

/** Sign of a packed-decimal sign code: +1 (A, C, E, F), -1 (B, D), 0 invalid. */
function bcdSign(code: number): number {
  return code === 0xb || code === 0xd ? -1 : code >= 0xa ? 1 : 0;
}

/** Preferred sign code: positive C (PS=0) or F (PS=1), negative D. */
function preferred(sign: number, ps: number): number {
  return sign < 0 ? 0xd : ps ? 0xf : 0xc;
}

/** True when digits from..to (inclusive) of the VR are all 0-9. */
function digitsValid(u8: Uint8Array, base: number, from: number, to: number): boolean {
  for (let d = from; d <= to; d++) if (nib(u8, base, d) > 9) return false;
  return true;
}

function digitsZero(u8: Uint8Array, base: number, from: number, to: number): boolean {
  for (let d = from; d <= to; d++) if (nib(u8, base, d) !== 0) return false;
  return true;
}

/** CR6 of a signed result: LT/GT by sign, EQ when the 31 digits are zero. */
function cmpZero(u8: Uint8Array, base: number, sign: number): number {
  if (digitsZero(u8, base, 1, 31)) return EQ;
  return sign < 0 ? LT : GT;
}

/** A valid signed packed decimal: sign code ≥ 0xA and digits 1-31 in 0-9. */
function validSigned(u8: Uint8Array, base: number): boolean {
  return bcdSign(nib(u8, base, 0)) !== 0 && digitsValid(u8, base, 1, 31);
}

const scratch = new Uint8Array(16);

/**
 * The BCD instructions of ISA 3.0. Every form sets CR6 = LT GT EQ SO (SO: invalid operand or
 * overflow); with an invalid operand the ISA leaves VRT undefined: VRT is left unchanged here.
 */
type BcdOp =
  | 'cfn'
  | 'ctn'
  | 'cfz'
  | 'ctz'
  | 'cfsq'
  | 'ctsq'
  | 'cpsgn'
  | 'setsgn'
  | 's'
  | 'us'
  | 'sr'
  | 'trunc'
  | 'utrunc';

function bcd(op: BcdOp) {
  return (f: Fields): Exec => {
    const t = vrB(f.vrt!);
    const a = f.vra === undefined ? 0 : vrB(f.vra);
    const b = vrB(f.vrb!);
    const bw = vrW(f.vrb!);
    const ps = f.ps ?? 0;
    return (c) => {
      if (vecOff(c)) return c.facilityUnavailable('vmx');
      const u8 = vv(c).u8;
      const s = c.s;
      const r = scratch;
      r.fill(0);
      let cr: number;
      let write = true;
      switch (op) {
        case 'cfn': {
          // National: halfword 7 is the sign ('+' 0x2B / '-' 0x2D), halfwords 0-6 the digits '0'-'9'.
          const hw = (j: number) => u8[b + 14 - 2 * j]! | (u8[b + 15 - 2 * j]! << 8);
          const sg = hw(7);
          let ok = sg === 0x2b || sg === 0x2d;
          for (let j = 0; j < 7; j++) {
            const h = hw(j);
            if (h < 0x30 || h > 0x39) ok = false;
            setNib(r, 0, 7 - j, h & 15);
          }
          const sign = sg === 0x2d ? -1 : 1;
          setNib(r, 0, 0, preferred(sign, ps));
          cr = ok ? cmpZero(r, 0, sign) : SO;
          write = ok;
          break;
        }
        case 'ctn': {
          const sign = bcdSign(nib(u8, b, 0));
          if (!validSigned(u8, b)) {
            cr = SO;
            write = false;
            break;
          }
          for (let j = 0; j < 7; j++) {
            const h = 0x30 + nib(u8, b, 7 - j);
            r[14 - 2 * j] = h;
            r[15 - 2 * j] = 0;
          }
          r[0] = sign < 0 ? 0x2d : 0x2b;
          r[1] = 0;
          cr = cmpZero(u8, b, sign) | (digitsZero(u8, b, 8, 31) ? 0 : SO);
          break;
        }
        case 'cfz': {
          // Zoned: byte elements 0-15 hold digits 16..1 in their low nibbles; byte 15's zone is the sign.
          let ok = true;
          const zone = ps ? 0xf : 0x3;
          for (let j = 0; j < 15; j++) if (u8[b + 15 - j]! >>> 4 !== zone) ok = false;
          for (let j = 0; j < 16; j++) {
            const d = u8[b + 15 - j]! & 15;
            if (d > 9) ok = false;
            setNib(r, 0, 16 - j, d);
          }
          const sz = u8[b]! >>> 4;
          if (ps && sz < 0xa) ok = false;
          const sign = ps ? (sz === 0xb || sz === 0xd ? -1 : 1) : sz & 4 ? -1 : 1;
          setNib(r, 0, 0, sign < 0 ? 0xd : 0xc);
          cr = ok ? cmpZero(r, 0, sign) : SO;
          write = ok;
          break;
        }
        case 'ctz': {
          const sign = bcdSign(nib(u8, b, 0));
          if (!validSigned(u8, b)) {
            cr = SO;
            write = false;
            break;
          }
          const zone = ps ? 0xf0 : 0x30;
          for (let j = 0; j < 15; j++) r[15 - j] = zone | nib(u8, b, 16 - j);
          const sz = ps ? (sign < 0 ? 0xd : 0xc) : sign < 0 ? 0x7 : 0x3;
          r[0] = (sz << 4) | nib(u8, b, 1);
          cr = cmpZero(u8, b, sign) | (digitsZero(u8, b, 17, 31) ? 0 : SO);
          break;
        }
        case 'cfsq': {
          const v = BigInt.asIntN(128, getVr(s, bw));
          const mag = v < 0n ? -v : v;
          const sign = v < 0n ? -1 : 1;
          cr = v < 0n ? LT : v === 0n ? EQ : GT;
          if (mag > 10n ** 31n - 1n) {
            // The result is undefined when the value does not fit 31 digits: VRT unchanged.
            cr |= SO;
            write = false;
            break;
          }
          let m = mag;
          for (let d = 1; d < 32; d++) {
            setNib(r, 0, d, Number(m % 10n));
            m /= 10n;
          }
          setNib(r, 0, 0, preferred(sign, ps));
          break;
        }
        case 'ctsq': {
          const sign = bcdSign(nib(u8, b, 0));
          if (!validSigned(u8, b)) {
            cr = SO;
            write = false;
            break;
          }
          let v = 0n;
          for (let d = 31; d >= 1; d--) v = v * 10n + BigInt(nib(u8, b, d));
          cr = cmpZero(u8, b, sign);
          const x = BigInt.asUintN(128, sign < 0 ? -v : v);
          for (let k = 0; k < 16; k++) r[k] = Number((x >> BigInt(8 * k)) & 0xffn);
          break;
        }
        case 'cpsgn': {
          if (!validSigned(u8, a) || !validSigned(u8, b)) {
            cr = SO;
            write = false;
            break;
          }
          for (let k = 0; k < 16; k++) r[k] = u8[a + k]!;
          setNib(r, 0, 0, nib(u8, b, 0));
          cr = cmpZero(r, 0, bcdSign(nib(u8, b, 0)));
          break;
        }
        case 'setsgn': {
          const sign = bcdSign(nib(u8, b, 0));
          if (!validSigned(u8, b)) {
            cr = SO;
            write = false;
            break;
          }
          for (let k = 0; k < 16; k++) r[k] = u8[b + k]!;
          setNib(r, 0, 0, preferred(sign, ps));
          cr = cmpZero(r, 0, sign);
          break;
        }
        case 's':
        case 'sr': {
          const sign = bcdSign(nib(u8, b, 0));
          if (!validSigned(u8, b)) {
            cr = SO;
            write = false;
            break;
          }
          // Signed shift count in byte element 7 of VRA, clamped to ±31 digits.
          const n = Math.max(-31, Math.min(31, (u8[a + 8]! << 24) >> 24));
          let ox = false;
          for (let d = 1; d < 32; d++) {
            const src = d - n;
            setNib(r, 0, d, src >= 1 && src < 32 ? nib(u8, b, src) : 0);
          }
          if (n > 0) ox = !digitsZero(u8, b, 32 - n, 31);
          if (op === 'sr' && n < 0 && nib(u8, b, -n) >= 5) {
            // Round half up on the magnitude: add 1 to the kept digits.
            for (let d = 1; d < 32; d++) {
              const x = nib(r, 0, d) + 1;
              if (x < 10) {
                setNib(r, 0, d, x);
                break;
              }
              setNib(r, 0, d, 0);
            }
          }
          setNib(r, 0, 0, preferred(sign, ps));
          cr = cmpZero(r, 0, sign) | (ox ? SO : 0);
          break;
        }
        case 'us': {
          if (!digitsValid(u8, b, 0, 31)) {
            cr = SO;
            write = false;
            break;
          }
          const n = Math.max(-32, Math.min(32, (u8[a + 8]! << 24) >> 24));
          for (let d = 0; d < 32; d++) {
            const src = d - n;
            setNib(r, 0, d, src >= 0 && src < 32 ? nib(u8, b, src) : 0);
          }
          const ox = n > 0 && !digitsZero(u8, b, 32 - n, 31);
          cr = (digitsZero(r, 0, 0, 31) ? EQ : GT) | (ox ? SO : 0);
          break;
        }
        case 'trunc': {
          const sign = bcdSign(nib(u8, b, 0));
          if (!validSigned(u8, b)) {
            cr = SO;
            write = false;
            break;
          }
          // Keep the low n digits, n = halfword element 3 of VRA (unsigned).
          const n = u8[a + 8]! | (u8[a + 9]! << 8);
          let ox = false;
          for (let d = 1; d < 32; d++) {
            const x = nib(u8, b, d);
            if (d > n && x !== 0) ox = true;
            setNib(r, 0, d, d > n ? 0 : x);
          }
          setNib(r, 0, 0, preferred(sign, ps));
          cr = cmpZero(r, 0, sign) | (ox ? SO : 0);
          break;
        }
        default: {
          // utrunc: 32 unsigned digits.
          if (!digitsValid(u8, b, 0, 31)) {
            cr = SO;
            write = false;
            break;
          }
          const n = u8[a + 8]! | (u8[a + 9]! << 8);
          let ox = false;
          for (let d = 0; d < 32; d++) {
            const x = nib(u8, b, d);
            if (d >= n && x !== 0) ox = true;
            setNib(r, 0, d, d >= n ? 0 : x);
          }
          cr = (digitsZero(r, 0, 0, 31) ? EQ : GT) | (ox ? SO : 0);
        }
      }
      if (write) for (let k = 0; k < 16; k++) u8[t + k] = r[k]!;
      setCrField(c, 6, cr);
      return 0;
    };
  };
}

// ---- table ------------------------------------------------------------------------------------------

const V = 'vmx';
type Fix = [number, number, number][];

const VX = (m: string, xo: number, exec: Def['exec'], ops = 'VRT,VRA,VRB', fix?: Fix): Def => ({
  m,
  form: 'VX',
  op: 4,
  xo,
  ops,
  exec,
  models: P9,
  chapter: V,
  ...(fix ? { fix } : {}),
});
/** The VX xo 1538 group: unary operations selected by bits 11:15. */
const U = (m: string, sel: number, exec: Def['exec'], ops = 'VRT,VRB'): Def => VX(m, 1538, exec, ops, [[11, 5, sel]]);
const VC = (m: string, xo: number, exec: Def['exec']): Def => ({
  m,
  form: 'VC',
  op: 4,
  xo,
  ops: 'VRT,VRA,VRB',
  rc: 'opt',
  exec,
  models: P9,
  chapter: V,
});
const VA = (m: string, xo: number, exec: Def['exec']): Def => ({
  m,
  form: 'VA',
  op: 4,
  xo,
  ops: 'VRT,VRA,VRB,VRC',
  exec,
  models: P9,
  chapter: V,
});
/**
 * The decimal forms with a PS operand (bit 22) are VX-form with Rc=1 in bit 21; described as
 * VA-form (XO bits 26:31 = 1) with bit 21 and bits 23:25 fixed, like bcdadd. in vmx.ts. `eo`
 * fixes bits 11:15 (the conversions' sub-opcode).
 */
const BCDPS = (m: string, sub: number, ops: string, exec: Def['exec'], eo?: number): Def => ({
  m,
  form: 'VA',
  op: 4,
  xo: 1,
  ops,
  fix: [[21, 1, 1], [23, 3, sub], ...(eo === undefined ? [] : ([[11, 5, eo]] as Fix))],
  exec,
  models: P9,
  chapter: V,
});

export const P9_VMX: Def[] = [
  VC('vcmpneb', 7, vcmpne(1, false)),
  VC('vcmpneh', 71, vcmpne(2, false)),
  VC('vcmpnew', 135, vcmpne(4, false)),
  VC('vcmpnezb', 263, vcmpne(1, true)),
  VC('vcmpnezh', 327, vcmpne(2, true)),
  VC('vcmpnezw', 391, vcmpne(4, true)),
  U('vclzlsbb', 0, vczlsbb(false), 'RT,VRB'),
  U('vctzlsbb', 1, vczlsbb(true), 'RT,VRB'),
  U('vnegw', 6, vneg(false)),
  U('vnegd', 7, vneg(true)),
  U('vprtybw', 8, vprtyb(4)),
  U('vprtybd', 9, vprtyb(8)),
  U('vprtybq', 10, vprtyb(16)),
  U('vextsb2w', 16, vexts(8, 32)),
  U('vextsh2w', 17, vexts(16, 32)),
  U('vextsb2d', 24, vexts(8, 64)),
  U('vextsh2d', 25, vexts(16, 64)),
  U('vextsw2d', 26, vexts(32, 64)),
  U('vctzb', 28, vctz(1)),
  U('vctzh', 29, vctz(2)),
  U('vctzw', 30, vctz(4)),
  U('vctzd', 31, vctzd),
  VX('vextractub', 525, vextract(1), 'VRT,VRB,UIMM4', [[11, 1, 0]]),
  VX('vextractuh', 589, vextract(2), 'VRT,VRB,UIMM4', [[11, 1, 0]]),
  VX('vextractuw', 653, vextract(4), 'VRT,VRB,UIMM4', [[11, 1, 0]]),
  VX('vextractd', 717, vextract(8), 'VRT,VRB,UIMM4', [[11, 1, 0]]),
  VX('vinsertb', 781, vinsert(1), 'VRT,VRB,UIMM4', [[11, 1, 0]]),
  VX('vinserth', 845, vinsert(2), 'VRT,VRB,UIMM4', [[11, 1, 0]]),
  VX('vinsertw', 909, vinsert(4), 'VRT,VRB,UIMM4', [[11, 1, 0]]),
  VX('vinsertd', 973, vinsert(8), 'VRT,VRB,UIMM4', [[11, 1, 0]]),
  VX('vextublx', 1549, vextux(1, false), 'RT,RA,VRB'),
  VX('vextubrx', 1805, vextux(1, true), 'RT,RA,VRB'),
  VX('vextuhlx', 1613, vextux(2, false), 'RT,RA,VRB'),
  VX('vextuhrx', 1869, vextux(2, true), 'RT,RA,VRB'),
  VX('vextuwlx', 1677, vextux(4, false), 'RT,RA,VRB'),
  VX('vextuwrx', 1933, vextux(4, true), 'RT,RA,VRB'),
  VX('vrlwmi', 133, vrlw(true)),
  VX('vrldmi', 197, vrld(true)),
  VX('vrlwnm', 389, vrlw(false)),
  VX('vrldnm', 453, vrld(false)),
  VX('vslv', 1860, vsv(true)),
  VX('vsrv', 1796, vsv(false)),
  VX('vmul10uq', 513, vmul10(false, false), 'VRT,VRA', [[16, 5, 0]]),
  VX('vmul10cuq', 1, vmul10(true, false), 'VRT,VRA', [[16, 5, 0]]),
  VX('vmul10euq', 577, vmul10(false, true)),
  VX('vmul10ecuq', 65, vmul10(true, true)),
  VA('vpermr', 59, vpermr),
  VA('vmsumudm', 35, vmsumudm),
  VX('vbpermd', 1484, vbpermd),
  VX('vabsdub', 1027, vabsdu(1)),
  VX('vabsduh', 1091, vabsdu(2)),
  VX('vabsduw', 1155, vabsdu(4)),
  // Decimal conversions (bits 11:15 select the conversion) and shifts.
  BCDPS('bcdcfn.', 6, 'VRT,VRB,PS', bcd('cfn'), 7),
  BCDPS('bcdcfz.', 6, 'VRT,VRB,PS', bcd('cfz'), 6),
  BCDPS('bcdctz.', 6, 'VRT,VRB,PS', bcd('ctz'), 4),
  BCDPS('bcdcfsq.', 6, 'VRT,VRB,PS', bcd('cfsq'), 2),
  BCDPS('bcdsetsgn.', 6, 'VRT,VRB,PS', bcd('setsgn'), 31),
  VX('bcdctn.', 1409, bcd('ctn'), 'VRT,VRB', [[11, 5, 5]]),
  VX('bcdctsq.', 1409, bcd('ctsq'), 'VRT,VRB', [[11, 5, 0]]),
  VX('bcdcpsgn.', 833, bcd('cpsgn')),
  BCDPS('bcds.', 3, 'VRT,VRA,VRB,PS', bcd('s')),
  BCDPS('bcdsr.', 7, 'VRT,VRA,VRB,PS', bcd('sr')),
  BCDPS('bcdtrunc.', 4, 'VRT,VRA,VRB,PS', bcd('trunc')),
  VX('bcdus.', 1153, bcd('us')),
  VX('bcdutrunc.', 1345, bcd('utrunc')),
];
