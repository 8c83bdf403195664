/**
 * Decoding of the tlbie/tlbiel RB operand (Power ISA 2.07B Book III-S §5.9.3.3),
 * so the CPU knows what to flush from its soft TLB.
 *
 * RB, ISA 2.06/2.07 format (Linux ___tlbie / tlbiel):
 *   L = 0 (4 KiB base page): RB[0:51] = VA[14:65] (the page number bits of the
 *     low 64 VA bits), RB[54:55] = B, RB[56:58] = AP (the actual page size as
 *     an SLB-style L||LP), RB[63] = L.
 *   L = 1 (large base page): RB[0:43..51] = VA page bits, RB[44:51] = LP as in
 *     the HPTE (low bits of the ARPN field), RB[54:55] = B, RB[56:62] = AVAL
 *     (VA bits 13..19 counted from the right, needed when the page is < 1 MB),
 *     RB[63] = L.
 *   tlbiel: RB[52:53] = IS; IS != 0 selects a whole congruence class (set) or
 *     all entries rather than one VA. ISA 3.0 tlbie uses the same field.
 */
import type { PageSizeTable } from './page-sizes.js';
import { hi32, lo32 } from './u64.js';

/** What a tlbie/tlbiel names. */
export type TlbieTarget =
  | {
      readonly kind: 'va';
      readonly segment: '256M' | '1T';
      readonly basePageShift: number;
      readonly actualPageShift: number;
      /** Low 64 bits of the page's virtual address (page aligned), as halves. */
      readonly vaHi: number;
      readonly vaLo: number;
    }
  | {
      /** A set, the whole TLB, or an operand too odd to narrow down: flush everything. */
      readonly kind: 'all';
      readonly reason: string;
    };

/** Decode a tlbie/tlbiel RB operand given as halves. */
export function decodeTlbieRbHalves(rbHi: number, rbLo: number, sizes: PageSizeTable): TlbieTarget {
  const is = (rbLo >>> 10) & 3;
  if (is !== 0) return { kind: 'all', reason: `IS=${is}` };
  const b = (rbLo >>> 8) & 3;
  if (b > 1) return { kind: 'all', reason: `reserved segment size B=${b}` };
  const segment = b === 0 ? '256M' : '1T';
  let base: number;
  let actual: number;
  let vaLo: number;
  if ((rbLo & 1) === 0) {
    base = 12;
    const ap = (rbLo >>> 5) & 7;
    const llp = ((ap & 4) << 6) | ((ap & 3) << 4);
    const seg = sizes.segmentIndexForSlbEnc(llp);
    if (seg < 0) return { kind: 'all', reason: `unknown AP=${ap}` };
    actual = sizes.baseShift[seg]!;
    if (sizes.penc(12, actual) < 0) return { kind: 'all', reason: `AP=${ap} not allowed in a 4K segment` };
    vaLo = rbLo & 0xfffff000;
  } else {
    const pair = sizes.decodeNoSlb(0x4, rbHi, rbLo);
    if (pair === 0) return { kind: 'all', reason: 'unknown LP' };
    base = pair >> 8;
    actual = pair & 0xff;
    // VA bits 12..19 hold LP; for pages below 1 MiB the needed VA bits come from AVAL.
    vaLo = (rbLo & 0xfff00000) | ((rbLo & 0xfe) << 12);
  }
  let vaHi = rbHi;
  if (actual < 32) {
    vaLo &= ~((1 << actual) - 1);
  } else {
    vaLo = 0;
    vaHi &= ~((1 << (actual - 32)) - 1);
  }
  return { kind: 'va', segment, basePageShift: base, actualPageShift: actual, vaHi: vaHi | 0, vaLo: vaLo | 0 };
}

/** Decode a tlbie/tlbiel RB operand (bigint convenience). */
export function decodeTlbieRb(rb: bigint, sizes: PageSizeTable): TlbieTarget {
  return decodeTlbieRbHalves(hi32(rb), lo32(rb), sizes);
}

/**
 * Whether a cached translation of virtual page (vaHi:vaLo, page size
 * 2^pageShift, as {@link Translation} reports) is named by a decoded tlbie.
 */
export function tlbieMatches(t: TlbieTarget, vaHi: number, vaLo: number, pageShift: number): boolean {
  if (t.kind === 'all') return true;
  // Compare above the larger of the two page sizes (a tlbie of a large page drops every piece of it).
  const sh = Math.max(pageShift, t.actualPageShift);
  if (sh >= 32) {
    const m = ~((1 << (sh - 32)) - 1);
    return ((vaHi ^ t.vaHi) & m) === 0;
  }
  const m = ~((1 << sh) - 1);
  return vaHi === t.vaHi && ((vaLo ^ t.vaLo) & m) === 0;
}
