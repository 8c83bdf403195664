/**
 * @ppcvm/hpt-mmu: the POWER hashed-page-table MMU of a PAPR partition.
 * SLB, HPT (in shared memory), translation for a soft-TLB miss path, real-mode
 * (VRMA/RMO) addressing, the page-table hcalls, tlbie decoding, and the HPT
 * save/restore stream.
 */
export {
  ACCESS_FETCH,
  ACCESS_LOAD,
  ACCESS_STORE,
  type AccessKind,
  DSISR_KEYFAULT,
  DSISR_NOPTE,
  DSISR_PROTFAULT,
  DSISR_STORE,
  H_ANDCOND,
  H_AVPN,
  H_COALESCE_CAND,
  H_EXACT,
  H_LOCAL,
  H_R_XLATE,
  H_READ_4,
  HCALL,
  HPTE_BYTES,
  HPTE_R_C,
  HPTE_R_G,
  HPTE_R_I,
  HPTE_R_KEY_HI,
  HPTE_R_M,
  HPTE_R_N,
  HPTE_R_PP,
  HPTE_R_PP0,
  HPTE_R_R,
  HPTE_R_W,
  HPTE_V_BOLTED,
  HPTE_V_LARGE,
  HPTE_V_SECONDARY,
  HPTE_V_VALID,
  HPTES_PER_GROUP,
  PTEG_BYTES,
  SRR1_ISI_KEYFAULT,
  SRR1_ISI_NOEXEC_GUARD,
  SRR1_ISI_NOPTE,
  SRR1_ISI_PROTFAULT,
  VRMA_VSID,
} from './bits.js';
export {
  encodeHpteR,
  encodeHpteV,
  encodeSlbEsid,
  encodeSlbVsid,
  type HpteRFields,
  type HpteVFields,
  hash1T,
  hash256M,
  primaryHash,
  ptegIndex,
  type SegmentSize,
} from './hash.js';
export { createHptHcalls, type HptHcallOptions, HptHcalls, rehashInto } from './hcalls.js';
export {
  allocateHptStorage,
  defaultHptShift,
  HashPageTable,
  type HptStorage,
  hptShiftFromHtabsize,
  MAX_HPT_SHIFT,
  MAX_HPT_SHIFT_ARCH,
  MIN_HPT_SHIFT,
} from './hpt.js';
export { nullInvalidator, type TlbInvalidator } from './invalidate.js';
export {
  createMmuRegs,
  createRealModeRegs,
  FAULT_DSEG,
  FAULT_DSI,
  FAULT_ISEG,
  FAULT_ISI,
  FAULT_MCHECK,
  FAULT_NONE,
  type FaultKind,
  HashMmu,
  type HashMmuOptions,
  type MmuRegs,
  type MmuStats,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  REAL_MODE_HV,
  REAL_MODE_RMO,
  REAL_MODE_VHYP,
  REAL_MODE_VRMA,
  type RealModeKind,
  type RealModeRegs,
  rmlsLimit,
  Translation,
} from './mmu.js';
export {
  type ActualPageSize,
  PageSizeTable,
  POWER8_PAGE_SIZES,
  PSERIES_DEFAULT_PAGE_SIZES,
  type SegmentPageSize,
} from './page-sizes.js';
export { Slb, type SlbEntry, type SlbOptions, type U64Out } from './slb.js';
export {
  type HptLoadResult,
  type HptSaveOptions,
  type HptStreamOptions,
  hptStreamShift,
  loadHptStream,
  saveHptStream,
} from './stream.js';
export { decodeTlbieRb, decodeTlbieRbHalves, type TlbieTarget, tlbieMatches } from './tlbie.js';
export { hi32, join64, lo32 } from './u64.js';
