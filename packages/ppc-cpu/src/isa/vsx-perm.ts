/**
 * VSX bit operations that need no floating-point arithmetic (Power ISA 2.07 Book I §7.6.1):
 * logical (xxland ...), merge/permute/splat/select (xxmrghw, xxpermdi, xxsldwi, xxspltw,
 * xxsel) and the sign operations (xsabsdp, xvnegsp, xscpsgndp ...), which never raise
 * exceptions nor touch the FPSCR.
 *
 * Every executor reads all of its sources before writing the target, so XT may equal XA/XB/XC.
 */
import type { Cpu } from '../cpu.js';
import type { Fields } from '../table.js';
import { doubleToSingle, res, singleToDouble } from './fpu.js';
import { vsrBase, vsxOff } from './vsx-common.js';

/** The eight XX3 logical operations (xxland ... xxleqv). */
export type LogicalOp = 'and' | 'andc' | 'or' | 'xor' | 'nor' | 'orc' | 'nand' | 'eqv';

/**
 * XX3 logical: each of the four words is A op B. One closure per operation (not a shared
 * closure calling an op function), so each stays monomorphic and inlined on the hot path.
 */
export function logical(op: LogicalOp) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    switch (op) {
      case 'and':
        return (c: Cpu) => {
          if (vsxOff(c)) return c.facilityUnavailable('vsx');
          const s = c.s;
          const r0 = s[a]! & s[b]!;
          const r1 = s[a + 1]! & s[b + 1]!;
          const r2 = s[a + 2]! & s[b + 2]!;
          const r3 = s[a + 3]! & s[b + 3]!;
          s[t] = r0;
          s[t + 1] = r1;
          s[t + 2] = r2;
          s[t + 3] = r3;
          return 0;
        };
      case 'andc':
        return (c: Cpu) => {
          if (vsxOff(c)) return c.facilityUnavailable('vsx');
          const s = c.s;
          const r0 = s[a]! & ~s[b]!;
          const r1 = s[a + 1]! & ~s[b + 1]!;
          const r2 = s[a + 2]! & ~s[b + 2]!;
          const r3 = s[a + 3]! & ~s[b + 3]!;
          s[t] = r0;
          s[t + 1] = r1;
          s[t + 2] = r2;
          s[t + 3] = r3;
          return 0;
        };
      case 'or':
        if (a === b) {
          // xxmr XT,XA (xxlor XT,XA,XA): the common register copy.
          return (c: Cpu) => {
            if (vsxOff(c)) return c.facilityUnavailable('vsx');
            const s = c.s;
            s[t] = s[a]!;
            s[t + 1] = s[a + 1]!;
            s[t + 2] = s[a + 2]!;
            s[t + 3] = s[a + 3]!;
            return 0;
          };
        }
        return (c: Cpu) => {
          if (vsxOff(c)) return c.facilityUnavailable('vsx');
          const s = c.s;
          const r0 = s[a]! | s[b]!;
          const r1 = s[a + 1]! | s[b + 1]!;
          const r2 = s[a + 2]! | s[b + 2]!;
          const r3 = s[a + 3]! | s[b + 3]!;
          s[t] = r0;
          s[t + 1] = r1;
          s[t + 2] = r2;
          s[t + 3] = r3;
          return 0;
        };
      case 'xor':
        return (c: Cpu) => {
          if (vsxOff(c)) return c.facilityUnavailable('vsx');
          const s = c.s;
          const r0 = s[a]! ^ s[b]!;
          const r1 = s[a + 1]! ^ s[b + 1]!;
          const r2 = s[a + 2]! ^ s[b + 2]!;
          const r3 = s[a + 3]! ^ s[b + 3]!;
          s[t] = r0;
          s[t + 1] = r1;
          s[t + 2] = r2;
          s[t + 3] = r3;
          return 0;
        };
      case 'nor':
        return (c: Cpu) => {
          if (vsxOff(c)) return c.facilityUnavailable('vsx');
          const s = c.s;
          const r0 = ~(s[a]! | s[b]!);
          const r1 = ~(s[a + 1]! | s[b + 1]!);
          const r2 = ~(s[a + 2]! | s[b + 2]!);
          const r3 = ~(s[a + 3]! | s[b + 3]!);
          s[t] = r0;
          s[t + 1] = r1;
          s[t + 2] = r2;
          s[t + 3] = r3;
          return 0;
        };
      case 'orc':
        return (c: Cpu) => {
          if (vsxOff(c)) return c.facilityUnavailable('vsx');
          const s = c.s;
          const r0 = s[a]! | ~s[b]!;
          const r1 = s[a + 1]! | ~s[b + 1]!;
          const r2 = s[a + 2]! | ~s[b + 2]!;
          const r3 = s[a + 3]! | ~s[b + 3]!;
          s[t] = r0;
          s[t + 1] = r1;
          s[t + 2] = r2;
          s[t + 3] = r3;
          return 0;
        };
      case 'nand':
        return (c: Cpu) => {
          if (vsxOff(c)) return c.facilityUnavailable('vsx');
          const s = c.s;
          const r0 = ~(s[a]! & s[b]!);
          const r1 = ~(s[a + 1]! & s[b + 1]!);
          const r2 = ~(s[a + 2]! & s[b + 2]!);
          const r3 = ~(s[a + 3]! & s[b + 3]!);
          s[t] = r0;
          s[t + 1] = r1;
          s[t + 2] = r2;
          s[t + 3] = r3;
          return 0;
        };
      case 'eqv':
        return (c: Cpu) => {
          if (vsxOff(c)) return c.facilityUnavailable('vsx');
          const s = c.s;
          const r0 = ~(s[a]! ^ s[b]!);
          const r1 = ~(s[a + 1]! ^ s[b + 1]!);
          const r2 = ~(s[a + 2]! ^ s[b + 2]!);
          const r3 = ~(s[a + 3]! ^ s[b + 3]!);
          s[t] = r0;
          s[t + 1] = r1;
          s[t + 2] = r2;
          s[t + 3] = r3;
          return 0;
        };
    }
  };
}

/** xxmrghw (high = words 0,1) / xxmrglw (words 2,3): XT = A[i], B[i], A[i+1], B[i+1]. */
export function xxmrgw(high: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    // Storage offsets of word elements i and i+1.
    const a = vsrBase(f.xa!) + (high ? 2 : 0);
    const b = vsrBase(f.xb!) + (high ? 2 : 0);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const a0 = s[a + 1]!;
      const a1 = s[a]!;
      const b0 = s[b + 1]!;
      const b1 = s[b]!;
      s[t + 3] = a0;
      s[t + 2] = b0;
      s[t + 1] = a1;
      s[t] = b1;
      return 0;
    };
  };
}

/** xxpermdi XT,XA,XB,DM: XT.dw0 = A.dw[DM bit 0], XT.dw1 = B.dw[DM bit 1]. */
export function xxpermdi(f: Fields) {
  const t = vsrBase(f.xt!);
  // Storage index of the low half of the selected doublewords (dw0 at +2, dw1 at +0).
  const a = vsrBase(f.xa!) + (f.dm! & 2 ? 0 : 2);
  const b = vsrBase(f.xb!) + (f.dm! & 1 ? 0 : 2);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const al = s[a]!;
    const ah = s[a + 1]!;
    const bl = s[b]!;
    const bh = s[b + 1]!;
    s[t + 2] = al;
    s[t + 3] = ah;
    s[t] = bl;
    s[t + 1] = bh;
    return 0;
  };
}

/** xxsldwi XT,XA,XB,SHW: words SHW..SHW+3 of the 8-word concatenation A || B. */
export function xxsldwi(f: Fields) {
  const t = vsrBase(f.xt!);
  const a = vsrBase(f.xa!);
  const b = vsrBase(f.xb!);
  // Storage index of concatenated word element k (0..7).
  const idx = (k: number) => (k < 4 ? a + 3 - k : b + 7 - k);
  const shw = f.shw!;
  const i0 = idx(shw);
  const i1 = idx(shw + 1);
  const i2 = idx(shw + 2);
  const i3 = idx(shw + 3);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const w0 = s[i0]!;
    const w1 = s[i1]!;
    const w2 = s[i2]!;
    const w3 = s[i3]!;
    s[t + 3] = w0;
    s[t + 2] = w1;
    s[t + 1] = w2;
    s[t] = w3;
    return 0;
  };
}

/** xxspltw XT,XB,UIM: every word of XT is word UIM of XB. */
export function xxspltw(f: Fields) {
  const t = vsrBase(f.xt!);
  const src = vsrBase(f.xb!) + 3 - f.uim!;
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const w = s[src]!;
    s[t] = w;
    s[t + 1] = w;
    s[t + 2] = w;
    s[t + 3] = w;
    return 0;
  };
}

/** xxsel XT,XA,XB,XC: bits of B where C is 1, of A where C is 0. */
export function xxsel(f: Fields) {
  const t = vsrBase(f.xt!);
  const a = vsrBase(f.xa!);
  const b = vsrBase(f.xb!);
  const m = vsrBase(f.xc!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const r0 = (s[a]! & ~s[m]!) | (s[b]! & s[m]!);
    const r1 = (s[a + 1]! & ~s[m + 1]!) | (s[b + 1]! & s[m + 1]!);
    const r2 = (s[a + 2]! & ~s[m + 2]!) | (s[b + 2]! & s[m + 2]!);
    const r3 = (s[a + 3]! & ~s[m + 3]!) | (s[b + 3]! & s[m + 3]!);
    s[t] = r0;
    s[t + 1] = r1;
    s[t + 2] = r2;
    s[t + 3] = r3;
    return 0;
  };
}

/** Sign operations on the sign bit of a word: absolute value, negative absolute value, negation. */
export type SignOp = 'abs' | 'nabs' | 'neg';

function signFn(op: SignOp): (hi: number) => number {
  if (op === 'abs') return (hi) => hi & 0x7fffffff;
  if (op === 'nabs') return (hi) => hi | 0x80000000;
  return (hi) => hi ^ 0x80000000;
}

/**
 * xsabsdp / xsnabsdp / xsnegdp XT,XB: doubleword 0 with its sign changed. Doubleword 1
 * of XT is undefined in ISA 2.07; it is set to 0 as QEMU does (and ISA 3.0 requires).
 */
export function xsSign(op: SignOp) {
  const fn = signFn(op);
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const hi = fn(s[b + 3]!);
      const lo = s[b + 2]!;
      s[t + 3] = hi;
      s[t + 2] = lo;
      s[t + 1] = 0;
      s[t] = 0;
      return 0;
    };
  };
}

/** xvabsdp/xvnabsdp/xvnegdp (dp: the two doublewords) and xvabssp/... (sp: the four words). */
export function xvSign(op: SignOp, sp: boolean) {
  const fn = signFn(op);
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const b = vsrBase(f.xb!);
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const w0 = s[b]!;
      const w1 = s[b + 1]!;
      const w2 = s[b + 2]!;
      const w3 = s[b + 3]!;
      s[t] = sp ? fn(w0) : w0;
      s[t + 1] = fn(w1);
      s[t + 2] = sp ? fn(w2) : w2;
      s[t + 3] = fn(w3);
      return 0;
    };
  };
}

const SIGN = 0x80000000 | 0;

/** xscpsgndp XT,XA,XB: doubleword 0 of B with the sign of A (doubleword 1 set to 0, as xsSign). */
export function xscpsgndp(f: Fields) {
  const t = vsrBase(f.xt!);
  const a = vsrBase(f.xa!);
  const b = vsrBase(f.xb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const hi = (s[a + 3]! & SIGN) | (s[b + 3]! & ~SIGN);
    const lo = s[b + 2]!;
    s[t + 3] = hi;
    s[t + 2] = lo;
    s[t + 1] = 0;
    s[t] = 0;
    return 0;
  };
}

/** xvcpsgndp / xvcpsgnsp XT,XA,XB: each element of B with the sign of A's element. */
export function xvcpsgn(sp: boolean) {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = vsrBase(f.xa!);
    const b = vsrBase(f.xb!);
    // Words whose sign bit is an element sign: all four (sp) or the high words of each doubleword.
    const m0 = sp ? SIGN : 0;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const r0 = (s[a]! & m0) | (s[b]! & ~m0);
      const r1 = (s[a + 1]! & SIGN) | (s[b + 1]! & ~SIGN);
      const r2 = (s[a + 2]! & m0) | (s[b + 2]! & ~m0);
      const r3 = (s[a + 3]! & SIGN) | (s[b + 3]! & ~SIGN);
      s[t] = r0;
      s[t + 1] = r1;
      s[t + 2] = r2;
      s[t + 3] = r3;
      return 0;
    };
  };
}

/**
 * xscvdpspn XT,XB: doubleword 0 of XB to single format by truncation, no status
 * (ISA 2.07 §7.6.1; words 1-3 are undefined there, ISA 3.0 and QEMU put the result in words 0
 * and 1 and zero doubleword 1, which is what this does).
 */
export function xscvdpspn(f: Fields) {
  const t = vsrBase(f.xt!);
  const b = vsrBase(f.xb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    const w = doubleToSingle(s[b + 3]!, s[b + 2]!);
    s[t + 3] = w;
    s[t + 2] = w;
    s[t + 1] = 0;
    s[t] = 0;
    return 0;
  };
}

/** xscvspdpn XT,XB: word 0 of XB to double format without status; SNaNs stay signalling. */
export function xscvspdpn(f: Fields) {
  const t = vsrBase(f.xt!);
  const b = vsrBase(f.xb!);
  return (c: Cpu) => {
    if (vsxOff(c)) return c.facilityUnavailable('vsx');
    const s = c.s;
    singleToDouble(s[b + 3]!);
    s[t + 3] = res[1]!;
    s[t + 2] = res[0]!;
    s[t + 1] = 0;
    s[t] = 0;
    return 0;
  };
}
