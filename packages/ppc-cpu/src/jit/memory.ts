/**
 * The soft-TLB lookups compiled blocks make for loads and stores: a hit on the
 * Cpu's read or write TLB that stays in its page gives the RAM offset, which
 * the block accesses directly; anything else (miss, page crossing, fault, a
 * translator answer kept out of the TLB) goes through the Cpu's own accessors,
 * which also keep `tlbNoFill` and code invalidation right. Small functions, so
 * V8 inlines them into the blocks; one set per CPU.
 */

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
 * RAM offset of an access of 1, 2, 4 or 8 bytes at (lo, hi) when it hits the read (`r*`) or
 * write (`w*`) TLB and stays in its page; -1 otherwise (the block then calls the Cpu).
 */
export interface MemOps {
  r1(lo: number, hi: number): number;
  r2(lo: number, hi: number): number;
  r4(lo: number, hi: number): number;
  r8(lo: number, hi: number): number;
  w1(lo: number, hi: number): number;
  w2(lo: number, hi: number): number;
  w4(lo: number, hi: number): number;
  w8(lo: number, hi: number): number;
}

export function memOps(t: JitTlb): MemOps {
  const { rTagLo, rTagHi, rOff, wTagLo, wTagHi, wOff } = t;
  const read = (last: number) => (lo: number, hi: number) => {
    const i = (lo >>> 12) & 255;
    return rTagLo[i] === (lo & -4096) && rTagHi[i] === hi && (lo & 4095) <= last ? rOff[i]! + (lo & 4095) : -1;
  };
  const write = (last: number) => (lo: number, hi: number) => {
    const i = (lo >>> 12) & 255;
    return wTagLo[i] === (lo & -4096) && wTagHi[i] === hi && (lo & 4095) <= last ? wOff[i]! + (lo & 4095) : -1;
  };
  return {
    r1: read(4095),
    r2: read(4094),
    r4: read(4092),
    r8: read(4088),
    w1: write(4095),
    w2: write(4094),
    w4: write(4092),
    w8: write(4088),
  };
}
