/**
 * VSX loads, stores and GPR moves (Power ISA 2.07 Book I §7.6.1.1-§7.6.1.2 storage access,
 * the mfvsr/mtvsr moves of §7.6.1.8).
 *
 * Scalar loads leave doubleword 1 of the target unchanged: the ISA says it is undefined
 * and QEMU leaves it as it was. Vector accesses may be unaligned and cross a page: the fast
 * path translates once and reads the 16 bytes straight from RAM; a page-crossing access
 * checks every byte's page before it writes anything.
 */
import type { Cpu } from '../cpu.js';
import type { Fields } from '../table.js';
import { doubleToSingle, res, singleToDouble } from './fpu.js';
import { addEaN, eaX, ra0 } from './util.js';
import { DW0_HI, DW0_LO, DW1_HI, DW1_LO, moveFacility, vsrBase, vsxOff } from './vsx-common.js';

// Access.Load / Access.Store of cpu.ts, spelled out: a value import of cpu.ts from here would be circular.
const LOAD = 0;
const STORE = 1;

/** Last byte offset within a page at which a 16-byte access still fits the page. */
const LAST16 = 0xff0;

/** Scalar loads into doubleword 0: lxsdx (8 bytes), lxsiwax / lxsiwzx (word, sign/zero-extended), lxsspx. */
export function lxs(kind: 'd' | 'wa' | 'wz' | 'sp') {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = ra0(f.ra!);
    const b = f.rb! * 2;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const lo = eaX(c, a, b);
      const hi = c.eah;
      if (kind === 'd') {
        const l = c.read64(hi, lo);
        s[t + DW0_HI] = c.rhi;
        s[t + DW0_LO] = l;
      } else {
        const w = c.read32(hi, lo);
        if (kind === 'sp') {
          singleToDouble(w);
          s[t + DW0_HI] = res[1]!;
          s[t + DW0_LO] = res[0]!;
        } else {
          s[t + DW0_HI] = kind === 'wa' ? w >> 31 : 0;
          s[t + DW0_LO] = w;
        }
      }
      return 0;
    };
  };
}

/** Scalar stores from doubleword 0: stxsdx, stxsiwx (word 1), stxsspx (converted to single). */
export function stxs(kind: 'd' | 'w' | 'sp') {
  return (f: Fields) => {
    const v = vsrBase(f.xs!);
    const a = ra0(f.ra!);
    const b = f.rb! * 2;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const lo = eaX(c, a, b);
      const hi = c.eah;
      if (kind === 'd') c.write64(hi, lo, s[v + DW0_LO]!, s[v + DW0_HI]!);
      else if (kind === 'w') c.write32(hi, lo, s[v + DW0_LO]!);
      else c.write32(hi, lo, doubleToSingle(s[v + DW0_HI]!, s[v + DW0_LO]!));
      return 0;
    };
  };
}

/**
 * Vector loads. 'd2': doubleword i from EA+8i (lxvd2x); 'w4': word i from EA+4i (lxvw4x);
 * 'ds': one doubleword into both halves (lxvdsx). Each element is loaded in the current
 * byte order but elements stay in ISA order, so little-endian code follows lxvd2x with xxswapd.
 */
export function lxv(kind: 'd2' | 'w4' | 'ds') {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const a = ra0(f.ra!);
    const b = f.rb! * 2;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const lo = eaX(c, a, b);
      const hi = c.eah;
      if (kind === 'ds') {
        const l = c.read64(hi, lo);
        const h = c.rhi;
        s[t + DW0_HI] = s[t + DW1_HI] = h;
        s[t + DW0_LO] = s[t + DW1_LO] = l;
        return 0;
      }
      let w0: number;
      let w1: number;
      let w2: number;
      let w3: number;
      if ((lo & 0xfff) <= LAST16) {
        const off = c.probe(hi, lo, LOAD);
        const dv = c.dv;
        const le = c.le;
        // Architected word elements 0..3 as they come from memory.
        if (kind === 'w4' || !le) {
          w0 = dv.getInt32(off, le);
          w1 = dv.getInt32(off + 4, le);
          w2 = dv.getInt32(off + 8, le);
          w3 = dv.getInt32(off + 12, le);
        } else {
          // A little-endian doubleword has its high word at the higher address.
          w1 = dv.getInt32(off, true);
          w0 = dv.getInt32(off + 4, true);
          w3 = dv.getInt32(off + 8, true);
          w2 = dv.getInt32(off + 12, true);
        }
      } else if (kind === 'w4') {
        w0 = c.read32(hi, lo);
        let [h, l] = addEaN(hi, lo, 4, c.sf);
        w1 = c.read32(h, l);
        [h, l] = addEaN(hi, lo, 8, c.sf);
        w2 = c.read32(h, l);
        [h, l] = addEaN(hi, lo, 12, c.sf);
        w3 = c.read32(h, l);
      } else {
        w1 = c.read64(hi, lo);
        w0 = c.rhi;
        const [h, l] = addEaN(hi, lo, 8, c.sf);
        w3 = c.read64(h, l);
        w2 = c.rhi;
      }
      s[t + 3] = w0;
      s[t + 2] = w1;
      s[t + 1] = w2;
      s[t] = w3;
      return 0;
    };
  };
}

/** Vector stores: stxvd2x (doubleword i to EA+8i), stxvw4x (word i to EA+4i). */
export function stxv(kind: 'd2' | 'w4') {
  return (f: Fields) => {
    const v = vsrBase(f.xs!);
    const a = ra0(f.ra!);
    const b = f.rb! * 2;
    return (c: Cpu) => {
      if (vsxOff(c)) return c.facilityUnavailable('vsx');
      const s = c.s;
      const lo = eaX(c, a, b);
      const hi = c.eah;
      const w0 = s[v + 3]!;
      const w1 = s[v + 2]!;
      const w2 = s[v + 1]!;
      const w3 = s[v]!;
      if ((lo & 0xfff) <= LAST16) {
        const off = c.probe(hi, lo, STORE);
        const dv = c.dv;
        const le = c.le;
        if (kind === 'w4' || !le) {
          dv.setInt32(off, w0, le);
          dv.setInt32(off + 4, w1, le);
          dv.setInt32(off + 8, w2, le);
          dv.setInt32(off + 12, w3, le);
        } else {
          dv.setInt32(off, w1, true);
          dv.setInt32(off + 4, w0, true);
          dv.setInt32(off + 8, w3, true);
          dv.setInt32(off + 12, w2, true);
        }
        return 0;
      }
      // Crossing a page: make sure the second page is writable before storing anything.
      const [h15, l15] = addEaN(hi, lo, 15, c.sf);
      c.probe(h15, l15, STORE);
      c.probe(hi, lo, STORE);
      if (kind === 'w4') {
        c.write32(hi, lo, w0);
        let [h, l] = addEaN(hi, lo, 4, c.sf);
        c.write32(h, l, w1);
        [h, l] = addEaN(hi, lo, 8, c.sf);
        c.write32(h, l, w2);
        [h, l] = addEaN(hi, lo, 12, c.sf);
        c.write32(h, l, w3);
      } else {
        c.write64(hi, lo, w1, w0);
        const [h, l] = addEaN(hi, lo, 8, c.sf);
        c.write64(h, l, w3, w2);
      }
      return 0;
    };
  };
}

/** mfvsrd RA,XS (doubleword 0) and mfvsrwz RA,XS (word 1, zero-extended). */
export function mfvsr(word: boolean) {
  return (f: Fields) => {
    const v = vsrBase(f.xs!);
    const xs = f.xs!;
    const a = f.ra! * 2;
    return (c: Cpu) => {
      const r = moveFacility(c, xs);
      if (r) return r;
      const s = c.s;
      s[a] = s[v + DW0_LO]!;
      s[a + 1] = word ? 0 : s[v + DW0_HI]!;
      return 0;
    };
  };
}

/** mtvsrd XT,RA / mtvsrwa / mtvsrwz: doubleword 0 from a GPR; doubleword 1 is left unchanged (undefined). */
export function mtvsr(kind: 'd' | 'wa' | 'wz') {
  return (f: Fields) => {
    const t = vsrBase(f.xt!);
    const xt = f.xt!;
    const a = f.ra! * 2;
    return (c: Cpu) => {
      const r = moveFacility(c, xt);
      if (r) return r;
      const s = c.s;
      const lo = s[a]!;
      s[t + DW0_LO] = lo;
      s[t + DW0_HI] = kind === 'd' ? s[a + 1]! : kind === 'wa' ? lo >> 31 : 0;
      return 0;
    };
  };
}
