/**
 * Architected register state laid out in one ArrayBuffer, so that the
 * interpreter (and later a wasm JIT) address it directly with typed arrays.
 *
 * 64-bit registers are stored little-endian in 8 bytes: in the Int32Array view
 * `s`, register i's low half is at `2*i` and its high half at `2*i + 1`.
 * 128-bit vector-scalar registers are stored as one little-endian 128-bit
 * number: the architected doubleword 0 (bits 0..63, the FPR half) lives at the
 * higher address. See ARCHITECTURE.md §4 for why there is no BigInt here.
 */

/** Int32 index of GPR i's low half is `GPR + 2*i`. */
export const GPR = 0;
/** Program counter (the address of the instruction being executed). */
export const PC = 64; // lo at 64, hi at 65
export const LR = 66;
export const CTR = 68;
export const MSR = 70;
export const TAR = 72;
export const CR = 74;
/** XER split into its architected pieces for speed; mfxer/mtxer compose it. */
export const XER_SO = 75;
export const XER_OV = 76;
export const XER_CA = 77;
export const XER_OV32 = 78;
export const XER_CA32 = 79;
/** XER bits 57:63, the byte count of lswx/stswx. */
export const XER_BC = 80;
export const FPSCR = 81;
export const VSCR = 82;
export const VRSAVE = 83;
/** Reservation: valid flag, address (lo, hi), length in bytes. */
export const RESV_VALID = 84;
export const RESV_LO = 85;
export const RESV_HI = 86;
export const RESV_LEN = 87;
/** Scratch registers used by handlers to return a 64-bit pair without allocating. */
export const T0 = 88; // lo at 88, hi at 89
export const T1 = 90;
/** FPSCR bits 0:31 (only DRN, bits 29:31, is defined: mask 0x7). */
export const FPSCR_HI = 92;
/** The value a load-and-reserve read (lo, hi), for the compare-and-swap of store-conditional. */
export const RESV_VAL_LO = 93;
export const RESV_VAL_HI = 94;
/** lqarx: the second doubleword it read (RESV_VAL_* hold the first, both as in storage order). */
export const RESV_VAL2_LO = 95;
export const RESV_VAL2_HI = 96;
/** Number of Int32 slots used by scalar state (a multiple of 4: the VSRs that follow are 16-byte aligned). */
export const SCALAR_SLOTS = 100;

/** Byte offset of VSR 0 (64 registers x 16 bytes). */
export const VSR_BYTE = SCALAR_SLOTS * 4;
/** Int32 index of VSR i word w (w=0 least significant) is `VSR_I32 + 4*i + w`. */
export const VSR_I32 = VSR_BYTE / 4;
/** Float64 index of FPR i (= VSR i doubleword 0) is `FPR_F64 + 2*i`. */
export const FPR_F64 = VSR_BYTE / 8 + 1;
/** VR i is VSR 32+i. */
export const VR_BASE = 32;
export const STATE_BYTES = VSR_BYTE + 64 * 16;

/** MSR bit masks, split by half (Power ISA 2.07 Book III-S §4.2.1; bit 0 is the MSB). */
export const MSR_HI_SF = 0x80000000 | 0;
export const MSR_HI_HV = 0x10000000;
export const MSR_LO_VEC = 1 << 25;
export const MSR_LO_VSX = 1 << 23;
export const MSR_LO_EE = 1 << 15;
export const MSR_LO_PR = 1 << 14;
export const MSR_LO_FP = 1 << 13;
export const MSR_LO_ME = 1 << 12;
export const MSR_LO_FE0 = 1 << 11;
export const MSR_LO_SE = 1 << 10;
export const MSR_LO_BE = 1 << 9;
export const MSR_LO_FE1 = 1 << 8;
export const MSR_LO_IR = 1 << 5;
export const MSR_LO_DR = 1 << 4;
export const MSR_LO_RI = 1 << 1;
export const MSR_LO_LE = 1 << 0;
