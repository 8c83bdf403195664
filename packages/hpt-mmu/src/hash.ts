/**
 * Hash functions and HPTE encoders.
 *
 * ISA 2.07B Book III-S "Page Table Search" (primary/secondary hash):
 *   256 MB segment: hash = VSID XOR (EA[36:63] >> p)
 *   1 TB segment:   hash = VSID XOR (VSID << 25) XOR (EA[24:63] >> p)
 * truncated to 39 bits, with VSID the segment's VSID (50 bits for 256 MB,
 * 38 bits for 1 TB segments) and EA[..] the offset inside the segment,
 * where p = log2 of the segment's *base* page size; the secondary hash is the
 * one's complement. The PTEG index is the hash masked to the table size.
 * (Same formulas as Linux hpt_hash() and QEMU ppc_hash64_htab_lookup().)
 *
 * The 32-bit functions here are exact on the low 32 bits of the 39-bit hash,
 * which is all an HPT of up to 2^(32+7) bytes can use.
 */
import { HPTE_V_BOLTED, HPTE_V_LARGE, HPTE_V_SECONDARY, HPTE_V_VALID } from './bits.js';
import type { PageSizeTable } from './page-sizes.js';

const MASK64 = (1n << 64n) - 1n;
const HASH_MASK_39 = (1n << 39n) - 1n;

/**
 * Low 32 bits of the primary hash for a 256 MB segment.
 * @param vsidLo32 low 32 bits of the VSID
 * @param pageIndex segment offset >> base page shift (< 2^16)
 */
export function hash256M(vsidLo32: number, pageIndex: number): number {
  return (vsidLo32 ^ pageIndex) | 0;
}

/**
 * Low 32 bits of the primary hash for a 1 TB segment.
 * @param vsidLo32 low 32 bits of the (1 TB) VSID
 * @param pageIndexLo32 low 32 bits of (segment offset >> base page shift)
 */
export function hash1T(vsidLo32: number, pageIndexLo32: number): number {
  return (vsidLo32 ^ (vsidLo32 << 25) ^ pageIndexLo32) | 0;
}

/** Segment size selector values (SLB/HPTE B field). */
export type SegmentSize = '256M' | '1T';

/**
 * The full 39-bit primary hash (bigint reference; for tools and tests).
 * @param vsid the segment's VSID (as in the SLB VSID field, i.e. VSID word >> 12 for
 *   256 MB or >> 24 for 1 TB segments)
 * @param ea effective address (only the segment offset is used)
 */
export function primaryHash(vsid: bigint, ea: bigint, basePageShift: number, segment: SegmentSize): bigint {
  const p = BigInt(basePageShift);
  if (segment === '256M') {
    const off = ea & ((1n << 28n) - 1n);
    return (vsid ^ (off >> p)) & HASH_MASK_39;
  }
  const off = ea & ((1n << 40n) - 1n);
  return (vsid ^ (vsid << 25n) ^ (off >> p)) & HASH_MASK_39;
}

/** PTEG index of the primary or secondary group for a hash, in an HPT of 2^shift bytes. */
export function ptegIndex(hash: bigint, hptShift: number, secondary = false): number {
  const mask = (1n << BigInt(hptShift - 7)) - 1n;
  return Number((secondary ? ~hash : hash) & mask);
}

/** Fields to build HPTE dword 0 for an effective address in a segment. */
export interface HpteVFields {
  /** VSID as in the SLB VSID field (see {@link primaryHash}). */
  vsid: bigint;
  /** Effective address inside the page (only the segment offset is used). */
  ea: bigint;
  segment: SegmentSize;
  /** Segment base page shift (12, 16, 24, 34). */
  basePageShift: number;
  /** Actual page shift; defaults to the base. */
  actualPageShift?: number;
  /** Entry is in the secondary group (H bit). */
  secondary?: boolean;
  /** Linux's software BOLTED bit (0x10). */
  bolted?: boolean;
}

/**
 * HPTE dword 0 for a page: B || AVPN || L || H || V. AVPN = VA >> 23 (with the
 * bits below the base page size cleared, as the search compares them).
 */
export function encodeHpteV(f: HpteVFields): bigint {
  const actual = f.actualPageShift ?? f.basePageShift;
  const segBits = f.segment === '256M' ? 28n : 40n;
  const off = f.ea & ((1n << segBits) - 1n) & ~((1n << BigInt(f.basePageShift)) - 1n);
  const va = (f.vsid << segBits) | off;
  let v = ((va >> 23n) << 7n) & 0x3fffffffffffff80n;
  if (f.segment === '1T') v |= 1n << 62n;
  if (actual > 12) v |= BigInt(HPTE_V_LARGE);
  if (f.secondary) v |= BigInt(HPTE_V_SECONDARY);
  if (f.bolted) v |= BigInt(HPTE_V_BOLTED);
  return (v | BigInt(HPTE_V_VALID)) & MASK64;
}

/** Fields to build HPTE dword 1. */
export interface HpteRFields {
  /** Real address of the page (aligned to the actual page size). */
  ra: bigint;
  basePageShift: number;
  actualPageShift?: number;
  /** PP (0..3); PP0 comes from `pp0`. */
  pp: number;
  pp0?: boolean;
  /** No-execute. */
  n?: boolean;
  /** WIMG nibble (W=8, I=4, M=2, G=1). Defaults to M (coherent RAM). */
  wimg?: number;
  /** 5-bit storage key. */
  key?: number;
  r?: boolean;
  c?: boolean;
}

/** HPTE dword 1 for a page. Throws when the page-size pair is not in `sizes`. */
export function encodeHpteR(f: HpteRFields, sizes: PageSizeTable): bigint {
  const actual = f.actualPageShift ?? f.basePageShift;
  const penc = sizes.penc(f.basePageShift, actual);
  if (penc < 0) throw new Error(`page size pair base=${f.basePageShift} actual=${actual} not in the table`);
  let r = f.ra & 0x0ffffffffffff000n & ~((1n << BigInt(actual)) - 1n);
  if (actual > 12) r |= BigInt(penc) << 12n;
  r |= BigInt(f.pp & 3);
  if (f.pp0) r |= 1n << 63n;
  if (f.n) r |= 0x4n;
  r |= BigInt((f.wimg ?? 0b0010) & 0xf) << 3n;
  const key = f.key ?? 0;
  r |= BigInt((key >> 3) & 3) << 60n;
  r |= BigInt(key & 7) << 9n;
  if (f.r) r |= 0x100n;
  if (f.c) r |= 0x80n;
  return r;
}

/** Build an SLB VSID word (slbmte RS) for a VSID and base page size. */
export function encodeSlbVsid(
  vsid: bigint,
  segment: SegmentSize,
  basePageShift: number,
  sizes: PageSizeTable,
  flags: { ks?: boolean; kp?: boolean; n?: boolean; c?: boolean } = {},
): bigint {
  const llp = sizes.slbEncForShift(basePageShift);
  if (llp < 0) throw new Error(`base page shift ${basePageShift} not in the table`);
  let w = segment === '256M' ? vsid << 12n : (vsid << 24n) | (1n << 62n);
  w &= MASK64;
  w |= BigInt(llp);
  if (flags.ks) w |= 0x800n;
  if (flags.kp) w |= 0x400n;
  if (flags.n) w |= 0x200n;
  if (flags.c) w |= 0x80n;
  return w;
}

/** Build an slbmte RB operand: ESID of `ea` for the segment size, V=1, entry index. */
export function encodeSlbEsid(ea: bigint, segment: SegmentSize, index: number): bigint {
  const esid = segment === '256M' ? ea & 0xfffffffff0000000n : ea & 0xffffff0000000000n;
  return (esid & MASK64) | 0x08000000n | BigInt(index & 0xfff);
}
