/**
 * Segment base page sizes and the actual page sizes each may hold.
 *
 * ISA 2.07B Book III-S §5.7.7 (SLB L||LP) and "Page Table" (HPTE L + LP): a
 * segment has one base page size (SLB L||LP); an HPTE in it has L=0 for a 4 KiB
 * page, or L=1 with the low bits of its ARPN field (LP) naming the actual page
 * size. Multiple page sizes per segment (MPSS) lets a larger actual page sit in
 * a segment of a smaller base size, e.g. 64 KiB pages in a 4 KiB segment or
 * 16 MiB pages in a 64 KiB segment. The same table drives the guest-visible
 * device-tree property `ibm,segment-page-sizes`.
 */

/** One actual page size allowed in a segment, and its LP ("penc") encoding. */
export interface ActualPageSize {
  /** log2 of the actual page size (12, 16, 24, 34). */
  readonly shift: number;
  /** LP encoding placed in HPTE dword 1 bits 12.. (ignored for a 4 KiB page, which uses L=0). */
  readonly penc: number;
}

/** A segment base page size. */
export interface SegmentPageSize {
  /** log2 of the base page size. */
  readonly shift: number;
  /** SLB L||LP encoding (VSID word bits 0x130). */
  readonly slbEnc: number;
  /** Actual page sizes allowed in such a segment (the base size first). */
  readonly actual: readonly ActualPageSize[];
}

/**
 * The POWER7/POWER8 table (as QEMU's POWER7 hash64 options): 4K base with 4K,
 * 64K (MPSS) and 16M (MPSS) pages; 64K base with 64K and 16M (MPSS); 16M; 16G.
 */
export const POWER8_PAGE_SIZES: readonly SegmentPageSize[] = [
  {
    shift: 12,
    slbEnc: 0x000,
    actual: [
      { shift: 12, penc: 0x0 },
      { shift: 16, penc: 0x7 },
      { shift: 24, penc: 0x38 },
    ],
  },
  {
    shift: 16,
    slbEnc: 0x110,
    actual: [
      { shift: 16, penc: 0x1 },
      { shift: 24, penc: 0x8 },
    ],
  },
  { shift: 24, slbEnc: 0x100, actual: [{ shift: 24, penc: 0x0 }] },
  { shift: 34, slbEnc: 0x120, actual: [{ shift: 34, penc: 0x3 }] },
];

/** What QEMU's pseries offers by default (cap-hpt-max-page-size=16): 4K and 64K, no MPSS. */
export const PSERIES_DEFAULT_PAGE_SIZES: readonly SegmentPageSize[] = [
  { shift: 12, slbEnc: 0x000, actual: [{ shift: 12, penc: 0x0 }] },
  { shift: 16, slbEnc: 0x110, actual: [{ shift: 16, penc: 0x1 }] },
];

/**
 * A compiled page-size table: flat typed arrays so the lookup hot path does no
 * property lookups or allocation.
 */
export class PageSizeTable {
  readonly sizes: readonly SegmentPageSize[];
  /** Base shift per segment index. */
  readonly baseShift: Int32Array;
  /** SLB L||LP per segment index. */
  readonly slbEnc: Int32Array;
  /** Start offset into the `act*` arrays per segment index, plus one sentinel. */
  readonly actStart: Int32Array;
  readonly actShift: Int32Array;
  /** LP compare value (penc << 12) split into halves, and the compare mask halves. */
  readonly actValLo: Int32Array;
  readonly actValHi: Int32Array;
  readonly actMaskLo: Int32Array;
  readonly actMaskHi: Int32Array;

  constructor(sizes: readonly SegmentPageSize[] = POWER8_PAGE_SIZES) {
    validateTable(sizes);
    this.sizes = sizes;
    const n = sizes.length;
    this.baseShift = new Int32Array(n);
    this.slbEnc = new Int32Array(n);
    this.actStart = new Int32Array(n + 1);
    const total = sizes.reduce((s, e) => s + e.actual.length, 0);
    this.actShift = new Int32Array(total);
    this.actValLo = new Int32Array(total);
    this.actValHi = new Int32Array(total);
    this.actMaskLo = new Int32Array(total);
    this.actMaskHi = new Int32Array(total);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const s = sizes[i]!;
      this.baseShift[i] = s.shift;
      this.slbEnc[i] = s.slbEnc;
      this.actStart[i] = k;
      for (const a of s.actual) {
        this.actShift[k] = a.shift;
        const val = BigInt(a.penc) << 12n;
        // LP occupies ARPN bits 12 .. shift-1 (the part of the RPN inside the page).
        const mask = ((1n << BigInt(a.shift)) - 1n) & ~0xfffn & 0x0ffffffffffff000n;
        this.actValLo[k] = Number(val & 0xffffffffn) | 0;
        this.actValHi[k] = Number(val >> 32n) | 0;
        this.actMaskLo[k] = Number(mask & 0xffffffffn) | 0;
        this.actMaskHi[k] = Number(mask >> 32n) | 0;
        k++;
      }
    }
    this.actStart[n] = k;
  }

  /** Segment index for an SLB L||LP encoding, or -1. */
  segmentIndexForSlbEnc(llp: number): number {
    for (let i = 0; i < this.slbEnc.length; i++) if (this.slbEnc[i] === llp) return i;
    return -1;
  }

  /**
   * Actual page shift of an HPTE found in a segment of base index `seg`, or 0
   * when its L/LP encoding does not belong to that segment (the ISA then says it
   * does not match; Linux leaves such entries behind when it demotes segments).
   */
  actualShift(seg: number, vLo: number, rHi: number, rLo: number): number {
    if ((vLo & 0x4) === 0) return this.baseShift[seg] === 12 ? 12 : 0;
    const end = this.actStart[seg + 1]!;
    for (let k = this.actStart[seg]!; k < end; k++) {
      const sh = this.actShift[k]!;
      if (sh === 12) continue;
      if ((rLo & this.actMaskLo[k]!) === this.actValLo[k] && (rHi & this.actMaskHi[k]!) === this.actValHi[k]) {
        return sh;
      }
    }
    return 0;
  }

  /**
   * Base and actual page shift of an HPTE without knowing its segment (for
   * H_ENTER validation, resize rehash, tlbie decoding). Encodings in the
   * POWER8 table are unambiguous. Returns `base << 8 | actual`, or 0.
   */
  decodeNoSlb(vLo: number, rHi: number, rLo: number): number {
    const n = this.baseShift.length;
    if ((vLo & 0x4) === 0) {
      for (let i = 0; i < n; i++) if (this.baseShift[i] === 12) return (12 << 8) | 12;
      return 0;
    }
    for (let i = 0; i < n; i++) {
      const a = this.actualShift(i, vLo, rHi, rLo);
      if (a !== 0) return (this.baseShift[i]! << 8) | a;
    }
    return 0;
  }

  /** LP ("penc") of the (base, actual) pair, or -1 when the table does not allow it. */
  penc(baseShift: number, actualShift: number): number {
    for (const s of this.sizes) {
      if (s.shift !== baseShift) continue;
      for (const a of s.actual) if (a.shift === actualShift) return a.penc;
    }
    return -1;
  }

  /** SLB L||LP for a base page shift, or -1. */
  slbEncForShift(baseShift: number): number {
    for (const s of this.sizes) if (s.shift === baseShift) return s.slbEnc;
    return -1;
  }

  /**
   * The `ibm,segment-page-sizes` device-tree cells (LoPAPR; papr-notes §4.2):
   * for each segment size {base shift, SLB encoding, count, {shift, penc}...}.
   */
  segmentPageSizesCells(): number[] {
    const cells: number[] = [];
    for (const s of this.sizes) {
      cells.push(s.shift, s.slbEnc, s.actual.length);
      for (const a of s.actual) cells.push(a.shift, a.penc);
    }
    return cells;
  }
}

function validateTable(sizes: readonly SegmentPageSize[]): void {
  if (sizes.length === 0) throw new Error('page-size table is empty');
  const seenEnc = new Set<number>();
  for (const s of sizes) {
    if (![12, 16, 24, 34].includes(s.shift)) throw new Error(`unsupported base page shift ${s.shift}`);
    if ((s.slbEnc & ~0x130) !== 0) throw new Error(`SLB encoding 0x${s.slbEnc.toString(16)} has bits outside L||LP`);
    if (seenEnc.has(s.slbEnc)) throw new Error(`duplicate SLB encoding 0x${s.slbEnc.toString(16)}`);
    seenEnc.add(s.slbEnc);
    if (s.actual.length === 0) throw new Error(`segment size ${s.shift} has no actual page sizes`);
    for (const a of s.actual) {
      if (![12, 16, 24, 34].includes(a.shift)) throw new Error(`unsupported page shift ${a.shift}`);
      if (a.shift < s.shift) throw new Error(`actual page ${a.shift} smaller than base ${s.shift}`);
      if (a.shift === 12 && s.shift !== 12) throw new Error('4 KiB pages exist only in 4 KiB segments');
      if (a.shift > 12 && (a.penc < 0 || BigInt(a.penc) >= 1n << BigInt(a.shift - 12))) {
        throw new Error(`penc 0x${a.penc.toString(16)} does not fit a ${a.shift}-bit page`);
      }
    }
  }
}
