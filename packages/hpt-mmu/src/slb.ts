/**
 * Segment Lookaside Buffer (Power ISA 2.07B Book III-S §5.7.7) and the SLB
 * management instructions (§5.9.3.x: slbmte, slbie, slbia, slbmfee, slbmfev,
 * slbfee.).
 *
 * The CPU implements the instructions by calling these methods; a method that
 * returns `false` / `undefined` means the operand is one the ISA leaves
 * undefined and QEMU turns into a program interrupt (invalid form), so the CPU
 * should raise that.
 */
import { SLB_ESID_LO_MASK, SLB_ESID_V, SLB_INDEX_MASK, SLB_VSID_C, SLB_VSID_LLP, SLB_VSID_STORED_LO } from './bits.js';
import { PageSizeTable } from './page-sizes.js';
import { hi32, join64, lo32 } from './u64.js';

/** Words per entry in {@link Slb.state}. */
export const SLB_STRIDE = 8;
const E_ESID_HI = 0;
const E_ESID_LO = 1;
const E_VSID_HI = 2;
const E_VSID_LO = 3;
/** Page-size table index of the segment's base size, or -1 if the entry is invalid. */
const E_SEG = 4;
const E_MASK_HI = 5;
const E_MASK_LO = 6;

export interface SlbOptions {
  /** Number of entries (POWER7/8: 32, the device tree's `ibm,slb-size`). */
  size?: number;
  /** Page sizes a segment may have; slbmte rejects other L||LP encodings. */
  pageSizes?: PageSizeTable;
  /** Allow 1 TB segments (`ibm,processor-segment-sizes` contains 40). Default true. */
  allow1T?: boolean;
  /** ISA 3.0 slbia IH semantics (IH=3, 4, 7). Default false (ISA 2.07: IH only affects lookaside). */
  isaV3?: boolean;
}

/** One SLB entry as slbmfee/slbmfev would read it. */
export interface SlbEntry {
  /** ESID word: ESID || V (RB of slbmte without the index). */
  esid: bigint;
  /** VSID word: B || VSID || Ks Kp N L C || LP. */
  vsid: bigint;
}

/** Reusable out-object for allocation-free reads of 64-bit values. */
export interface U64Out {
  hi: number;
  lo: number;
}

export class Slb {
  readonly size: number;
  readonly pageSizes: PageSizeTable;
  readonly allow1T: boolean;
  readonly isaV3: boolean;
  /** Entry state, {@link SLB_STRIDE} int32 per entry (kept in one typed array so a JIT can read it). */
  readonly state: Int32Array;
  /**
   * Direct-mapped hint: 256 MB ESID hash -> entry index last found for it.
   * Hints are verified on use, so they never need invalidating.
   */
  private readonly hint = new Int32Array(64);

  constructor(opts: SlbOptions = {}) {
    const size = opts.size ?? 32;
    if (!Number.isInteger(size) || size < 1 || size > 4096) throw new Error(`SLB size ${size} out of range 1..4096`);
    this.size = size;
    this.pageSizes = opts.pageSizes ?? new PageSizeTable();
    this.allow1T = opts.allow1T ?? true;
    this.isaV3 = opts.isaV3 ?? false;
    this.state = new Int32Array(size * SLB_STRIDE);
    this.clear();
  }

  /** Invalidate every entry, entry 0 included (reset). */
  clear(): void {
    this.state.fill(0);
    for (let i = 0; i < this.size; i++) this.state[i * SLB_STRIDE + E_SEG] = -1;
  }

  // -------------------------------------------------------------------------
  // Hot path
  // -------------------------------------------------------------------------

  /**
   * Index of the valid entry that translates EA (eaHi:eaLo), or -1 (segment
   * fault). An entry matches when EA[0:63-s] equals its ESID for its segment
   * size s (28 or 40 bits).
   */
  find(eaHi: number, eaLo: number): number {
    const st = this.state;
    const h = ((eaLo >>> 28) ^ (eaHi << 4) ^ (eaHi >>> 24)) & 63;
    let i = this.hint[h]!;
    let b = i * SLB_STRIDE;
    if (
      st[b + E_SEG]! >= 0 &&
      (eaHi & st[b + E_MASK_HI]!) === st[b + E_ESID_HI] &&
      ((eaLo & st[b + E_MASK_LO]!) | SLB_ESID_V) === st[b + E_ESID_LO]
    ) {
      return i;
    }
    for (i = 0; i < this.size; i++) {
      b = i * SLB_STRIDE;
      if (st[b + E_SEG]! < 0) continue;
      if ((eaHi & st[b + E_MASK_HI]!) !== st[b + E_ESID_HI]) continue;
      if (((eaLo & st[b + E_MASK_LO]!) | SLB_ESID_V) !== st[b + E_ESID_LO]) continue;
      this.hint[h] = i;
      return i;
    }
    return -1;
  }

  /** VSID word of entry `i`, high half. */
  vsidHi(i: number): number {
    return this.state[i * SLB_STRIDE + E_VSID_HI]!;
  }
  /** VSID word of entry `i`, low half. */
  vsidLo(i: number): number {
    return this.state[i * SLB_STRIDE + E_VSID_LO]!;
  }
  /** Page-size table index of entry `i`'s base page size (-1 if invalid). */
  segIndex(i: number): number {
    return this.state[i * SLB_STRIDE + E_SEG]!;
  }

  // -------------------------------------------------------------------------
  // Instructions, 32-bit-halves form (no BigInt)
  // -------------------------------------------------------------------------

  /**
   * slbmte RS,RB. Returns false for an operand the ISA leaves undefined (index
   * beyond the SLB, reserved ESID bits, B = 0b1x, 1 TB when not allowed, an
   * L||LP that is not a supported base page size); the entry is then unchanged.
   */
  slbmteHalves(rsHi: number, rsLo: number, rbHi: number, rbLo: number): boolean {
    const index = rbLo & SLB_INDEX_MASK;
    if (index >= this.size) return false;
    // RB IBM bits 37:51 are reserved (LSB 26..12).
    if ((rbLo & ~(SLB_ESID_LO_MASK | SLB_ESID_V | SLB_INDEX_MASK)) !== 0) return false;
    const b = rsHi >>> 30;
    if (b > 1) return false;
    if (b === 1 && !this.allow1T) return false;
    const seg = this.pageSizes.segmentIndexForSlbEnc(rsLo & SLB_VSID_LLP);
    if (seg < 0) return false;
    // A base page larger than a 256 MB segment (16 GB pages) only exists in 1 TB segments.
    if (b === 0 && this.pageSizes.baseShift[seg]! > 28) return false;
    const st = this.state;
    const o = index * SLB_STRIDE;
    st[o + E_ESID_HI] = rbHi | 0;
    st[o + E_ESID_LO] = rbLo & (SLB_ESID_LO_MASK | SLB_ESID_V);
    st[o + E_VSID_HI] = rsHi | 0;
    st[o + E_VSID_LO] = rsLo & SLB_VSID_STORED_LO;
    st[o + E_SEG] = (rbLo & SLB_ESID_V) !== 0 ? seg : -1;
    st[o + E_MASK_HI] = b === 1 ? 0xffffff00 | 0 : -1;
    st[o + E_MASK_LO] = b === 1 ? 0 : SLB_ESID_LO_MASK;
    return true;
  }

  /**
   * slbie RB: invalidate the entry (if any) that translates the EA whose ESID
   * is RB[0:35]. RB's class and B fields must equal the entry's (else the ISA
   * leaves the result undefined); like QEMU we match on ESID and the entry's own
   * size. Returns the invalidated index or -1.
   */
  slbieHalves(rbHi: number, rbLo: number): number {
    const i = this.find(rbHi, rbLo & SLB_ESID_LO_MASK);
    if (i < 0) return -1;
    this.invalidateEntry(i);
    return i;
  }

  /**
   * slbia IH: ISA 2.07 invalidates every entry except entry 0 whatever IH says
   * (IH only selects which lookaside information goes). With `isaV3`, IH=3
   * keeps entries of class 0 but includes entry 0, IH=4 includes entry 0, IH=7
   * invalidates no entry. Returns the number of valid entries invalidated.
   */
  slbia(ih: number): number {
    let start = 1;
    let keepClass0 = false;
    if (this.isaV3) {
      if (ih === 7) return 0;
      if (ih === 3 || ih === 4) start = 0;
      keepClass0 = ih === 3;
    }
    let n = 0;
    for (let i = start; i < this.size; i++) {
      const o = i * SLB_STRIDE;
      if (this.state[o + E_SEG]! < 0) continue;
      if (keepClass0 && (this.state[o + E_VSID_LO]! & SLB_VSID_C) === 0) continue;
      this.invalidateEntry(i);
      n++;
    }
    return n;
  }

  /**
   * slbmfee RT,RB: ESID word (ESID || V) of entry RB[52:63]. Returns false for
   * an index beyond the SLB. Like QEMU, an invalidated entry still shows its
   * ESID with V=0.
   */
  slbmfeeHalves(rbLo: number, out: U64Out): boolean {
    const index = rbLo & SLB_INDEX_MASK;
    if (index >= this.size) return false;
    out.hi = this.state[index * SLB_STRIDE + E_ESID_HI]!;
    out.lo = this.state[index * SLB_STRIDE + E_ESID_LO]!;
    return true;
  }

  /** slbmfev RT,RB: VSID word of entry RB[52:63]. Returns false for an index beyond the SLB. */
  slbmfevHalves(rbLo: number, out: U64Out): boolean {
    const index = rbLo & SLB_INDEX_MASK;
    if (index >= this.size) return false;
    out.hi = this.state[index * SLB_STRIDE + E_VSID_HI]!;
    out.lo = this.state[index * SLB_STRIDE + E_VSID_LO]!;
    return true;
  }

  /**
   * slbfee. RT,RB: search for the entry translating EA = RB. Found: RT = its
   * VSID word and CR0[EQ] = 1 (returns true). Not found: RT = 0, CR0[EQ] = 0.
   */
  slbfeeHalves(rbHi: number, rbLo: number, out: U64Out): boolean {
    const i = this.find(rbHi, rbLo);
    if (i < 0) {
      out.hi = 0;
      out.lo = 0;
      return false;
    }
    out.hi = this.vsidHi(i);
    out.lo = this.vsidLo(i);
    return true;
  }

  // -------------------------------------------------------------------------
  // Instructions, bigint form (public API convenience; not for hot paths)
  // -------------------------------------------------------------------------

  /** slbmte RS,RB (see {@link slbmteHalves}). */
  slbmte(rs: bigint, rb: bigint): boolean {
    return this.slbmteHalves(hi32(rs), lo32(rs), hi32(rb), lo32(rb));
  }

  /** slbie RB; returns the invalidated index or -1. */
  slbie(rb: bigint): number {
    return this.slbieHalves(hi32(rb), lo32(rb));
  }

  /** slbmfee RT,RB; undefined for an index beyond the SLB. */
  slbmfee(rb: bigint): bigint | undefined {
    const out = { hi: 0, lo: 0 };
    return this.slbmfeeHalves(lo32(rb), out) ? join64(out.hi, out.lo) : undefined;
  }

  /** slbmfev RT,RB; undefined for an index beyond the SLB. */
  slbmfev(rb: bigint): bigint | undefined {
    const out = { hi: 0, lo: 0 };
    return this.slbmfevHalves(lo32(rb), out) ? join64(out.hi, out.lo) : undefined;
  }

  /** slbfee. RT,RB: `found` is CR0[EQ]; `vsid` is RT (0 when not found). */
  slbfee(rb: bigint): { found: boolean; vsid: bigint } {
    const out = { hi: 0, lo: 0 };
    const found = this.slbfeeHalves(hi32(rb), lo32(rb), out);
    return { found, vsid: join64(out.hi, out.lo) };
  }

  /** Decoded view of entry `i` (for debuggers and the monitor). */
  entry(i: number): SlbEntry & {
    valid: boolean;
    segment: '256M' | '1T';
    basePageShift: number;
    ks: boolean;
    kp: boolean;
    n: boolean;
    c: boolean;
  } {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`SLB index ${i} out of range`);
    const o = i * SLB_STRIDE;
    const st = this.state;
    const seg = st[o + E_SEG]!;
    const vLo = st[o + E_VSID_LO]!;
    const llpSeg = this.pageSizes.segmentIndexForSlbEnc(vLo & SLB_VSID_LLP);
    return {
      esid: join64(st[o + E_ESID_HI]!, st[o + E_ESID_LO]!),
      vsid: join64(st[o + E_VSID_HI]!, vLo),
      valid: seg >= 0,
      segment: st[o + E_VSID_HI]! >>> 30 === 1 ? '1T' : '256M',
      basePageShift: llpSeg >= 0 ? this.pageSizes.baseShift[llpSeg]! : 0,
      ks: (vLo & 0x800) !== 0,
      kp: (vLo & 0x400) !== 0,
      n: (vLo & 0x200) !== 0,
      c: (vLo & 0x80) !== 0,
    };
  }

  // -------------------------------------------------------------------------
  // State
  // -------------------------------------------------------------------------

  /** Save as plain data (every entry's ESID and VSID words; V is in the ESID word). */
  saveState(): SlbEntry[] {
    const out: SlbEntry[] = [];
    for (let i = 0; i < this.size; i++) {
      const o = i * SLB_STRIDE;
      out.push({
        esid: join64(this.state[o + E_ESID_HI]!, this.state[o + E_ESID_LO]!),
        vsid: join64(this.state[o + E_VSID_HI]!, this.state[o + E_VSID_LO]!),
      });
    }
    return out;
  }

  /** Restore from {@link saveState}; throws if the data does not fit this SLB. */
  restoreState(entries: readonly SlbEntry[]): void {
    if (entries.length > this.size) throw new Error(`SLB state has ${entries.length} entries, SLB has ${this.size}`);
    this.clear();
    entries.forEach((e, i) => {
      const valid = (e.esid & 0x08000000n) !== 0n;
      if (!valid && e.esid === 0n && e.vsid === 0n) return;
      const rb = (e.esid & ~0xfffn) | BigInt(i);
      if (!this.slbmte(e.vsid, rb)) {
        throw new Error(
          `SLB entry ${i} (esid 0x${e.esid.toString(16)} vsid 0x${e.vsid.toString(16)}) is not valid here`,
        );
      }
    });
  }

  private invalidateEntry(i: number): void {
    const o = i * SLB_STRIDE;
    this.state[o + E_ESID_LO] = this.state[o + E_ESID_LO]! & ~SLB_ESID_V;
    this.state[o + E_SEG] = -1;
  }
}
