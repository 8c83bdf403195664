/**
 * The loads and stores compiled blocks call: the soft-TLB fast path (a hit on
 * the Cpu's read or write TLB, not crossing the page) inline, everything else
 * (miss, page crossing, fault, MMIO-like translator answers) through the Cpu's
 * own accessors, which also keep `tlbNoFill` and code invalidation right.
 * Small functions, so V8 inlines them into the blocks that call them; one set
 * per CPU and byte order (MSR[LE] is fixed for a block's lifetime).
 */
import type { Cpu } from '../cpu.js';

/** The soft-TLB arrays the JIT reads; owned by the Cpu (see Cpu.loadOff / storeOff). */
export interface JitTlb {
  readonly rTagLo: Int32Array;
  readonly rTagHi: Int32Array;
  readonly rOff: Float64Array;
  readonly wTagLo: Int32Array;
  readonly wTagHi: Int32Array;
  readonly wOff: Float64Array;
  readonly fTagLo: Int32Array;
  readonly fTagHi: Int32Array;
  readonly fOff: Float64Array;
}

/**
 * Loads return the value (L8: the low word, the high word in `h`); stores return 0 on the fast
 * path and 1 when they went through the Cpu (which may have dropped decoded code).
 */
export interface MemOps {
  h: number;
  L1(lo: number, hi: number): number;
  L2(lo: number, hi: number): number;
  L4(lo: number, hi: number): number;
  L8(lo: number, hi: number): number;
  S1(lo: number, hi: number, v: number): number;
  S2(lo: number, hi: number, v: number): number;
  S4(lo: number, hi: number, v: number): number;
  S8(lo: number, hi: number, v: number, vhi: number): number;
}

export function memOps(c: Cpu, t: JitTlb, le: boolean): MemOps {
  const { rTagLo, rTagHi, rOff, wTagLo, wTagHi, wOff } = t;
  const dv = c.dv;
  const u8 = c.u8;
  const m: MemOps = {
    h: 0,
    L1(lo, hi) {
      const i = (lo >>> 12) & 255;
      if (rTagLo[i] === (lo & -4096) && rTagHi[i] === hi) return u8[rOff[i]! + (lo & 4095)]!;
      return c.read8(hi, lo);
    },
    L2(lo, hi) {
      const i = (lo >>> 12) & 255;
      if (rTagLo[i] === (lo & -4096) && rTagHi[i] === hi && (lo & 4095) <= 4094)
        return dv.getUint16(rOff[i]! + (lo & 4095), le);
      return c.read16(hi, lo);
    },
    L4(lo, hi) {
      const i = (lo >>> 12) & 255;
      if (rTagLo[i] === (lo & -4096) && rTagHi[i] === hi && (lo & 4095) <= 4092)
        return dv.getInt32(rOff[i]! + (lo & 4095), le);
      return c.read32(hi, lo);
    },
    L8(lo, hi) {
      const i = (lo >>> 12) & 255;
      if (rTagLo[i] === (lo & -4096) && rTagHi[i] === hi && (lo & 4095) <= 4088) {
        const o = rOff[i]! + (lo & 4095);
        if (le) {
          m.h = dv.getInt32(o + 4, true);
          return dv.getInt32(o, true);
        }
        m.h = dv.getInt32(o, false);
        return dv.getInt32(o + 4, false);
      }
      const v = c.read64(hi, lo);
      m.h = c.rhi;
      return v;
    },
    S1(lo, hi, v) {
      const i = (lo >>> 12) & 255;
      if (wTagLo[i] === (lo & -4096) && wTagHi[i] === hi) {
        u8[wOff[i]! + (lo & 4095)] = v;
        return 0;
      }
      c.write8(hi, lo, v);
      return 1;
    },
    S2(lo, hi, v) {
      const i = (lo >>> 12) & 255;
      if (wTagLo[i] === (lo & -4096) && wTagHi[i] === hi && (lo & 4095) <= 4094) {
        dv.setUint16(wOff[i]! + (lo & 4095), v, le);
        return 0;
      }
      c.write16(hi, lo, v);
      return 1;
    },
    S4(lo, hi, v) {
      const i = (lo >>> 12) & 255;
      if (wTagLo[i] === (lo & -4096) && wTagHi[i] === hi && (lo & 4095) <= 4092) {
        dv.setInt32(wOff[i]! + (lo & 4095), v, le);
        return 0;
      }
      c.write32(hi, lo, v);
      return 1;
    },
    S8(lo, hi, v, vhi) {
      const i = (lo >>> 12) & 255;
      if (wTagLo[i] === (lo & -4096) && wTagHi[i] === hi && (lo & 4095) <= 4088) {
        const o = wOff[i]! + (lo & 4095);
        if (le) {
          dv.setInt32(o, v, true);
          dv.setInt32(o + 4, vhi, true);
        } else {
          dv.setInt32(o, vhi, false);
          dv.setInt32(o + 4, v, false);
        }
        return 0;
      }
      c.write64(hi, lo, v, vhi);
      return 1;
    },
  };
  return m;
}
