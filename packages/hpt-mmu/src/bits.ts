/**
 * Architected bit layouts used by the hashed-page-table MMU.
 *
 * Values are given as the 32-bit halves the hot paths work on (`*_HI` = bits
 * 63..32 of the 64-bit value, `*_LO` = bits 31..0, LSB-0 numbering) and, where a
 * caller of the public API wants them, as bigint. IBM (MSB-0) bit numbers from
 * the Power ISA are quoted in the comments.
 */

/** Kinds of storage access (same numbering as @ppcvm/ppc-cpu's `Access`). */
export const ACCESS_LOAD = 0;
export const ACCESS_STORE = 1;
export const ACCESS_FETCH = 2;
export type AccessKind = typeof ACCESS_LOAD | typeof ACCESS_STORE | typeof ACCESS_FETCH;

// ---------------------------------------------------------------------------
// SLB entry (Power ISA 2.07B Book III-S §5.7.7, "Segment Lookaside Buffer").
// slbmte RB: ESID (RB 0:35) | V (RB 36) | index (RB 52:63).
// slbmte RS: B (0:1) | VSID (2:51) | Ks (52) | Kp (53) | N (54) | L (55) |
//            C (56) | 0 (57) | LP (58:59) | 0 (60:63).
// ---------------------------------------------------------------------------

/** ESID word: ESID mask, low half (EA bits 35..28, the rest of the ESID is the high half). */
export const SLB_ESID_LO_MASK = 0xf0000000 | 0;
/** ESID word: V (IBM bit 36). */
export const SLB_ESID_V = 0x08000000;
/** slbmte RB: entry index (IBM bits 52:63). */
export const SLB_INDEX_MASK = 0xfff;

/** VSID word high half: B (IBM 0:1) = segment size. */
export const SLB_VSID_B_HI_MASK = 0xc0000000 | 0;
export const SLB_B_256M = 0;
export const SLB_B_1T = 1;
/** VSID word: Ks (IBM 52), supervisor-state key. */
export const SLB_VSID_KS = 0x800;
/** VSID word: Kp (IBM 53), problem-state key. */
export const SLB_VSID_KP = 0x400;
/** VSID word: N (IBM 54), no-execute segment. */
export const SLB_VSID_N = 0x200;
/** VSID word: L (IBM 55), large base page. */
export const SLB_VSID_L = 0x100;
/** VSID word: C (IBM 56), class. */
export const SLB_VSID_C = 0x80;
/** VSID word: LP (IBM 58:59). */
export const SLB_VSID_LP = 0x30;
/** L || LP: the base-page-size encoding of a segment. */
export const SLB_VSID_LLP = SLB_VSID_L | SLB_VSID_LP;
/** Bits of the VSID word that slbmte stores (everything but the reserved IBM 57, 60:63). */
export const SLB_VSID_STORED_LO =
  0xffffff00 | SLB_VSID_KS | SLB_VSID_KP | SLB_VSID_N | SLB_VSID_L | SLB_VSID_C | SLB_VSID_LP | 0;

/** Shift of the VSID inside the VSID word: 12 for 256 MB segments, 24 for 1 TB. */
export const SLB_VSID_SHIFT_256M = 12;
export const SLB_VSID_SHIFT_1T = 24;

/** VSID the VRMA uses (ISA 2.07B Book III-S §5.7.3, virtual real mode; papr-notes Part B §2.7): 0x1ffffff, 1 TB segment. */
export const VRMA_VSID = 0x1ffffff;

// ---------------------------------------------------------------------------
// HPTE, pre-ISA-3.0 format (ISA 2.07B Book III-S "Page Table"; Linux mmu-hash.h).
// dword 0: B (0:1) | AVA (2:56) | SW (57:60) | L (61) | H (62) | V (63).
// dword 1: PP0 (0) | TS (1) | KEY 0:1 (2:3) | ARPN/LP (4:51) | KEY 2:4 (52:54) |
//          R (55) | C (56) | WIMG (57:60) | N (61) | PP (62:63).
// ---------------------------------------------------------------------------

/** Bytes per HPTE and HPTEs per PTEG. */
export const HPTE_BYTES = 16;
export const HPTES_PER_GROUP = 8;
export const PTEG_BYTES = HPTE_BYTES * HPTES_PER_GROUP;

export const HPTE_V_VALID = 0x1;
/** H: entry lives in its secondary group. */
export const HPTE_V_SECONDARY = 0x2;
/** L: large page (page size encoded in dword 1 LP). */
export const HPTE_V_LARGE = 0x4;
/** Software bits (Linux: BOLTED 0x10, LOCK 0x8). */
export const HPTE_V_SW_MASK = 0x78;
export const HPTE_V_BOLTED = 0x10;
/** AVPN, low half (bits 31..7). */
export const HPTE_V_AVPN_LO = 0xffffff80 | 0;
/** B in the high half (bits 63..62). */
export const HPTE_V_B_HI = 0xc0000000 | 0;
/** Comparison mask (B, AVPN, H, V; Linux HPTE_V_COMPARE), low half. */
export const HPTE_V_COMPARE_LO = 0xffffff83 | 0;

export const HPTE_R_PP = 0x3;
export const HPTE_R_N = 0x4;
export const HPTE_R_G = 0x8;
export const HPTE_R_M = 0x10;
export const HPTE_R_I = 0x20;
export const HPTE_R_W = 0x40;
export const HPTE_R_WIMG = 0x78;
export const HPTE_R_C = 0x80;
export const HPTE_R_R = 0x100;
export const HPTE_R_KEY_LO = 0xe00;
/** RPN, low half (bits 31..12). */
export const HPTE_R_RPN_LO = 0xfffff000 | 0;
/** RPN, high half (bits 59..32). */
export const HPTE_R_RPN_HI = 0x0fffffff;
/** PP0 (bit 63), high half. */
export const HPTE_R_PP0_HI = 0x80000000 | 0;
/** KEY bits 0:1 (bits 61..60), high half. */
export const HPTE_R_KEY_HI_HI = 0x30000000;

export const HPTE_R_PP0 = 1n << 63n;
export const HPTE_R_KEY_HI = 0x3000000000000000n;

// ---------------------------------------------------------------------------
// Interrupt status bits (ISA 2.07B Book III-S §6.5.3 Data Storage Interrupt,
// §6.5.5 Instruction Storage Interrupt). DSISR/SRR1 are 32/64-bit registers;
// all bits below sit in the low 32 bits.
// ---------------------------------------------------------------------------

/** DSISR bit 33 / SRR1 bit 33: no matching HPTE (page fault). */
export const DSISR_NOPTE = 0x40000000;
/** DSISR bit 36 / SRR1 bit 36: access not permitted by PP / key (Ks, Kp). */
export const DSISR_PROTFAULT = 0x08000000;
/** DSISR bit 38: the access was a store. */
export const DSISR_STORE = 0x02000000;
/** DSISR bit 42 / SRR1 bit 42: virtual page class key protection (AMR / IAMR). */
export const DSISR_KEYFAULT = 0x00200000;

export const SRR1_ISI_NOPTE = DSISR_NOPTE;
/** SRR1 bit 35: fetch from a no-execute page or segment, or from guarded storage. */
export const SRR1_ISI_NOEXEC_GUARD = 0x10000000;
export const SRR1_ISI_PROTFAULT = DSISR_PROTFAULT;
export const SRR1_ISI_KEYFAULT = DSISR_KEYFAULT;

// ---------------------------------------------------------------------------
// Hcall flags (LoPAPR; IBM bit n of a 64-bit register = 1 << (63 - n)).
// papr-notes §4.4; Linux hvcall.h.
// ---------------------------------------------------------------------------

export const H_EXACT = 1n << 39n;
export const H_R_XLATE = 1n << 38n;
export const H_READ_4 = 1n << 37n;
export const H_AVPN = 1n << 31n;
export const H_ANDCOND = 1n << 30n;
export const H_LOCAL = 1n << 28n;
export const H_COALESCE_CAND = 1n << 21n;

/** PAPR hcall opcodes served by this package (papr-notes Part A §1.3, Part B §2.2). */
export const HCALL = {
  H_REMOVE: 0x04,
  H_ENTER: 0x08,
  H_READ: 0x0c,
  H_CLEAR_MOD: 0x10,
  H_CLEAR_REF: 0x14,
  H_PROTECT: 0x18,
  H_BULK_REMOVE: 0x124,
  H_RESIZE_HPT_PREPARE: 0x36c,
  H_RESIZE_HPT_COMMIT: 0x370,
} as const;

// ---------------------------------------------------------------------------
// LPCR fields used by real-mode translation (papr-notes Part B §2.7; ISA 2.07B
// Book III-S, Logical Partitioning Control Register).
// ---------------------------------------------------------------------------

/** LPCR[VRMASD] (bits 51..47), in the high half: (hi >>> 15) & 0x1f. */
export const LPCR_VRMASD_HI_SHIFT = 15;
/** LPCR[RMLS] (bits 29..26, the 4-bit POWER8 encoding), low half: (lo >>> 26) & 0xf. */
export const LPCR_RMLS_LO_SHIFT = 26;
/** LPCR[VPM0] (bit 63), high half. */
export const LPCR_VPM0_HI = 0x80000000 | 0;
