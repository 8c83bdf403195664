/**
 * Effective-to-real translation for one vCPU: SLB lookup, hashed page table
 * search, protection, R/C recording (Power ISA 2.07B Book III-S §5.7,
 * "Storage Addressing"), and real-mode addressing for a partition (§5.7.3:
 * RMO, VRMA, hypervisor real mode).
 *
 * Built for the CPU's soft-TLB miss path: no BigInt, no allocation per call;
 * results go into a caller-owned {@link Translation}.
 */
import {
  ACCESS_FETCH,
  ACCESS_STORE,
  type AccessKind,
  DSISR_KEYFAULT,
  DSISR_NOPTE,
  DSISR_PROTFAULT,
  DSISR_STORE,
  HPTE_R_C,
  HPTE_R_G,
  HPTE_R_N,
  HPTE_R_R,
  HPTE_R_RPN_HI,
  HPTE_R_RPN_LO,
  HPTE_V_COMPARE_LO,
  HPTE_V_SECONDARY,
  HPTE_V_VALID,
  HPTES_PER_GROUP,
  LPCR_RMLS_LO_SHIFT,
  LPCR_VRMASD_HI_SHIFT,
  SLB_VSID_KP,
  SLB_VSID_KS,
  SLB_VSID_LLP,
  SLB_VSID_N,
  SRR1_ISI_KEYFAULT,
  SRR1_ISI_NOEXEC_GUARD,
  SRR1_ISI_NOPTE,
  SRR1_ISI_PROTFAULT,
  VRMA_VSID,
} from './bits.js';
import { hash1T, hash256M } from './hash.js';
import type { HashPageTable } from './hpt.js';
import type { PageSizeTable } from './page-sizes.js';
import type { Slb } from './slb.js';
import { bswap32, HOST_LITTLE_ENDIAN } from './u64.js';

/** Outcome kinds of a translation. */
export const FAULT_NONE = 0;
/** Data Storage interrupt (0x300): DSISR in `dsisr`, DAR = the EA. */
export const FAULT_DSI = 1;
/** Instruction Storage interrupt (0x400): OR `srr1` into SRR1. */
export const FAULT_ISI = 2;
/** Data Segment interrupt (0x380): no SLB entry; DAR = the EA. */
export const FAULT_DSEG = 3;
/** Instruction Segment interrupt (0x480): no SLB entry. */
export const FAULT_ISEG = 4;
/** Machine check (0x200): the VRMA is set up with an unsupported page size (as QEMU does). */
export const FAULT_MCHECK = 5;
export type FaultKind =
  | typeof FAULT_NONE
  | typeof FAULT_DSI
  | typeof FAULT_ISI
  | typeof FAULT_DSEG
  | typeof FAULT_ISEG
  | typeof FAULT_MCHECK;

/** Protection flags in {@link Translation.prot}. */
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/**
 * Reusable out-object of {@link HashMmu.translate}. On success `fault` is
 * FAULT_NONE and the address fields are valid; otherwise only `fault`,
 * `dsisr`/`srr1` and `vrma` are.
 */
export class Translation {
  fault: FaultKind = FAULT_NONE;
  /** Real address of the translated EA, high/low halves. */
  raHi = 0;
  raLo = 0;
  /** log2 of the (actual) page size the translation covers; a TLB may cache at most this much. */
  pageShift = 12;
  /** WIMG nibble: W=8, I=4, M=2, G=1. */
  wimg = 0;
  /**
   * What a soft TLB may allow on this page without calling translate again
   * (PROT_*). PROT_WRITE is only present once the HPTE's C bit is set, so the
   * first store to a clean page comes back here to set C.
   */
  prot = 0;
  /** HPTE index the translation came from, or -1 (real mode without VRMA). */
  ptex = -1;
  /**
   * Low 64 bits of the virtual address of the page (page aligned; B not
   * included), for matching tlbie operands (`tlbieMatches`).
   */
  vaHi = 0;
  vaLo = 0;
  /** For FAULT_DSI: DSISR value (ISA 2.07B Book III-S §6.5.3). */
  dsisr = 0;
  /** For FAULT_ISI: SRR1 bits 33:36, 42 (ISA 2.07B Book III-S §6.5.5). */
  srr1 = 0;
  /** The access went through the VRMA: the CPU routes faults as HDSI/HISI when LPCR[VPM0] says so. */
  vrma = false;
}

/**
 * The translation-relevant registers of a vCPU. The CPU keeps one object and
 * updates it when MSR[PR], AMR or IAMR change.
 */
export interface MmuRegs {
  /** MSR[PR]: 1 in problem state. */
  pr: number;
  /** AMR (Authority Mask Register), halves. */
  amrHi: number;
  amrLo: number;
  /** IAMR (Instruction Authority Mask Register), halves; POWER8+. */
  iamrHi: number;
  iamrLo: number;
}

/** A fresh {@link MmuRegs} (privileged state, no key restrictions). */
export function createMmuRegs(): MmuRegs {
  return { pr: 0, amrHi: 0, amrLo: 0, iamrHi: 0, iamrLo: 0 };
}

/** Real-mode addressing flavours (ISA 2.07B Book III-S §5.7.3). */
export const REAL_MODE_VHYP = 0;
/** Hypervisor real mode: MSR[HV]=1, HRMOR added when EA bit 0 is 0. */
export const REAL_MODE_HV = 1;
/** Virtualized real mode (LPCR[VPM0]=1): translated through the HPT with the VRMA segment. */
export const REAL_MODE_VRMA = 2;
/** Real-mode offset (LPCR[VPM0]=0, pre-VRMA): bounded by LPCR[RMLS], offset by RMOR. */
export const REAL_MODE_RMO = 3;
export type RealModeKind = typeof REAL_MODE_VHYP | typeof REAL_MODE_HV | typeof REAL_MODE_VRMA | typeof REAL_MODE_RMO;

/** What real-mode translation needs; the CPU keeps one object per vCPU. */
export interface RealModeRegs {
  mode: RealModeKind;
  /**
   * REAL_MODE_VHYP: bytes of RMA the partition may address in real mode (0 =
   * no limit). The virtual hypervisor maps EA = guest physical address; an
   * access at or above the limit takes a DSI/ISI with the protection bit, like
   * an RMO-limit violation.
   */
  rmaLimit: number;
  /** LPCR halves (VRMASD for REAL_MODE_VRMA, RMLS for REAL_MODE_RMO). */
  lpcrHi: number;
  lpcrLo: number;
  /** HRMOR (REAL_MODE_HV) / RMOR (REAL_MODE_RMO) halves. */
  offsetHi: number;
  offsetLo: number;
}

export function createRealModeRegs(mode: RealModeKind = REAL_MODE_VHYP, rmaLimit = 0): RealModeRegs {
  return { mode, rmaLimit, lpcrHi: 0, lpcrLo: 0, offsetHi: 0, offsetLo: 0 };
}

/**
 * RMA size for an LPCR[RMLS] value (POWER4+ .. POWER8 encodings, as QEMU's
 * rmls_limit); 0 for reserved values, which makes every access fail.
 */
export function rmlsLimit(rmls: number): number {
  switch (rmls & 0xf) {
    case 0:
      return 256 * 2 ** 30;
    case 1:
      return 16 * 2 ** 30;
    case 2:
      return 2 ** 30;
    case 3:
      return 64 * 2 ** 20;
    case 4:
      return 256 * 2 ** 20;
    case 7:
      return 128 * 2 ** 20;
    case 8:
      return 32 * 2 ** 20;
    default:
      return 0;
  }
}

export interface HashMmuOptions {
  hpt: HashPageTable;
  slb: Slb;
  /** Page sizes (defaults to the SLB's table). */
  pageSizes?: PageSizeTable;
  /** Apply virtual page class key protection (AMR); POWER7+. Default true. */
  amr?: boolean;
  /** Apply IAMR to instruction fetches; ISA 2.07 (POWER8)+. Default true. */
  iamr?: boolean;
}

/** Statistics, cheap counters for the monitor. */
export interface MmuStats {
  translations: number;
  faults: number;
  rcUpdates: number;
}

/** Per-vCPU MMU: one per CPU, sharing the HPT with the others. */
export class HashMmu {
  readonly hpt: HashPageTable;
  readonly slb: Slb;
  readonly pageSizes: PageSizeTable;
  readonly useAmr: boolean;
  readonly useIamr: boolean;
  readonly stats: MmuStats = { translations: 0, faults: 0, rcUpdates: 0 };

  // Scratch results of the last group search.
  private fPtex = -1;
  private fShift = 0;
  private fRHi = 0;
  private fRLo = 0;

  constructor(opts: HashMmuOptions) {
    this.hpt = opts.hpt;
    this.slb = opts.slb;
    this.pageSizes = opts.pageSizes ?? opts.slb.pageSizes;
    this.useAmr = opts.amr ?? true;
    this.useIamr = opts.iamr ?? true;
  }

  /**
   * Translate EA (eaHi:eaLo) with relocation on (MSR[IR]=1 for fetches,
   * MSR[DR]=1 for data: the caller decides). Records R (and C for stores) in
   * the HPTE. Returns true on success; otherwise `out.fault` says which
   * interrupt to take.
   */
  translate(eaHi: number, eaLo: number, access: AccessKind, regs: MmuRegs, out: Translation): boolean {
    const i = this.slb.find(eaHi, eaLo);
    out.vrma = false;
    if (i < 0) {
      // ISA 2.07B Book III-S §6.5.4 / §6.5.6: no SLB entry -> Data/Instruction Segment interrupt.
      out.fault = access === ACCESS_FETCH ? FAULT_ISEG : FAULT_DSEG;
      out.dsisr = 0;
      out.srr1 = 0;
      this.stats.faults++;
      return false;
    }
    return this.translateInSegment(
      this.slb.vsidHi(i),
      this.slb.vsidLo(i),
      this.slb.segIndex(i),
      eaHi,
      eaLo,
      access,
      regs.pr,
      regs,
      out,
      true,
    );
  }

  /**
   * Like {@link translate} but without side effects (no R/C update, no
   * statistics): for debuggers, gdbstub and tests.
   */
  probe(eaHi: number, eaLo: number, access: AccessKind, regs: MmuRegs, out: Translation): boolean {
    const i = this.slb.find(eaHi, eaLo);
    out.vrma = false;
    if (i < 0) {
      out.fault = access === ACCESS_FETCH ? FAULT_ISEG : FAULT_DSEG;
      out.dsisr = 0;
      out.srr1 = 0;
      return false;
    }
    return this.translateInSegment(
      this.slb.vsidHi(i),
      this.slb.vsidLo(i),
      this.slb.segIndex(i),
      eaHi,
      eaLo,
      access,
      regs.pr,
      regs,
      out,
      false,
    );
  }

  /**
   * Translate with relocation off (MSR[IR]=0 for fetches, MSR[DR]=0 for data).
   * In real mode the top 4 EA bits are ignored (ISA 2.07B Book III-S §5.7.3).
   */
  translateReal(
    eaHi: number,
    eaLo: number,
    access: AccessKind,
    real: RealModeRegs,
    regs: MmuRegs,
    out: Translation,
  ): boolean {
    const hi = eaHi & 0x0fffffff;
    out.vrma = false;
    switch (real.mode) {
      case REAL_MODE_VRMA:
        return this.translateVrma(eaHi, eaLo, access, real.lpcrHi, regs, out);
      case REAL_MODE_HV: {
        // Hypervisor real mode: RA = EA[4:63] | HRMOR when EA[0] = 0.
        let raHi = hi;
        let raLo = eaLo;
        if (eaHi >= 0) {
          raHi |= real.offsetHi;
          raLo |= real.offsetLo;
        }
        return this.realOk(raHi, raLo, out);
      }
      case REAL_MODE_RMO: {
        const limit = rmlsLimit(real.lpcrLo >>> LPCR_RMLS_LO_SHIFT);
        if (!below(hi, eaLo, limit)) return this.realLimitFault(access, out);
        return this.realOk(hi | real.offsetHi, eaLo | real.offsetLo, out);
      }
      default: {
        // Virtual hypervisor (QEMU vhyp): EA = guest physical address.
        if (real.rmaLimit > 0 && !below(hi, eaLo, real.rmaLimit)) return this.realLimitFault(access, out);
        return this.realOk(hi, eaLo, out);
      }
    }
  }

  /**
   * Virtualized real mode (ISA 2.07B Book III-S §5.7.3, virtual real mode
   * addressing): translate through the HPT as if an SLB entry existed with
   * VSID 0x1ffffff, a 1 TB segment, Ks=Kp=0 and base page size L||LP =
   * LPCR[VRMASD]. Used by HV-mode partitions (as KVM inserts VRMA HPTEs) and by
   * the CPU for `-accel hv`.
   */
  translateVrma(
    eaHi: number,
    eaLo: number,
    access: AccessKind,
    lpcrHi: number,
    regs: MmuRegs,
    out: Translation,
  ): boolean {
    out.vrma = true;
    const vrmasd = (lpcrHi >>> LPCR_VRMASD_HI_SHIFT) & 0x1f;
    const llp = (vrmasd << 4) & SLB_VSID_LLP;
    const seg = this.pageSizes.segmentIndexForSlbEnc(llp);
    if (seg < 0) {
      out.fault = FAULT_MCHECK;
      out.dsisr = 0;
      out.srr1 = 0;
      this.stats.faults++;
      return false;
    }
    // VSID word of the VRMA "SLB entry": B=1T, VSID 0x1ffffff << 24, L||LP.
    const vsidHi = 0x40000000 | (VRMA_VSID >>> 8);
    const vsidLo = ((VRMA_VSID & 0xff) << 24) | llp;
    return this.translateInSegment(vsidHi, vsidLo, seg, eaHi & 0x0fffffff, eaLo, access, 0, regs, out, true);
  }

  // -------------------------------------------------------------------------

  private realOk(raHi: number, raLo: number, out: Translation): boolean {
    out.fault = FAULT_NONE;
    out.raHi = raHi;
    out.raLo = raLo;
    out.pageShift = 12;
    out.wimg = 0b0010;
    out.prot = PROT_READ | PROT_WRITE | PROT_EXEC;
    out.ptex = -1;
    out.vaHi = 0;
    out.vaLo = 0;
    this.stats.translations++;
    return true;
  }

  /** Beyond the real-mode area: DSI/ISI with the protection bit (as QEMU's RMO bounds check). */
  private realLimitFault(access: AccessKind, out: Translation): boolean {
    this.stats.faults++;
    if (access === ACCESS_FETCH) {
      out.fault = FAULT_ISI;
      out.srr1 = SRR1_ISI_PROTFAULT;
      out.dsisr = 0;
    } else {
      out.fault = FAULT_DSI;
      out.dsisr = DSISR_PROTFAULT | (access === ACCESS_STORE ? DSISR_STORE : 0);
      out.srr1 = 0;
    }
    return false;
  }

  private translateInSegment(
    vsidHi: number,
    vsidLo: number,
    seg: number,
    eaHi: number,
    eaLo: number,
    access: AccessKind,
    pr: number,
    regs: MmuRegs,
    out: Translation,
    sideEffects: boolean,
  ): boolean {
    const isFetch = access === ACCESS_FETCH;
    const isStore = access === ACCESS_STORE;
    out.dsisr = 0;
    out.srr1 = 0;

    // Segment-level no-execute is checked before the page table (ISA 2.07B III-S §5.7.7: SLB N).
    if (isFetch && (vsidLo & SLB_VSID_N) !== 0) {
      out.fault = FAULT_ISI;
      out.srr1 = SRR1_ISI_NOEXEC_GUARD;
      if (sideEffects) this.stats.faults++;
      return false;
    }

    // Hash and compare value ("Page Table Search"). p = base page shift of the segment.
    const p = this.pageSizes.baseShift[seg]!;
    let hash: number;
    let ptemHi: number;
    let ptemLo: number;
    if (vsidHi >>> 30 === 0) {
      // 256 MB: VA = VSID || EA[36:63]; AVPN = VA[0:54] = VSID || EA[36:40].
      const off = eaLo & 0x0fffffff;
      const vsid32 = (vsidLo >>> 12) | (vsidHi << 20);
      hash = hash256M(vsid32, off >>> p);
      const epn = p < 28 ? off & ~((1 << p) - 1) : 0;
      ptemHi = vsidHi;
      ptemLo = (vsidLo & 0xfffff000) | ((epn >>> 23) << 7) | HPTE_V_VALID;
    } else {
      // 1 TB: VA = VSID || EA[24:63]; AVPN = VSID || EA[24:40].
      const offHi = eaHi & 0xff;
      let pageIdx: number;
      let epnLo: number;
      let epnHi: number;
      if (p < 32) {
        pageIdx = (eaLo >>> p) | (offHi << (32 - p));
        epnLo = eaLo & ~((1 << p) - 1);
        epnHi = offHi;
      } else {
        pageIdx = offHi >>> (p - 32);
        epnLo = 0;
        epnHi = offHi & ~((1 << (p - 32)) - 1);
      }
      const vsid32 = (vsidLo >>> 24) | (vsidHi << 8);
      // (VSID << 25 only reaches hash bits >= 25, i.e. HPTs above 2^32 bytes.)
      hash = hash1T(vsid32, pageIdx);
      ptemHi = vsidHi;
      ptemLo = (vsidLo & 0xff000000) | (((epnLo >>> 23) | (epnHi << 9)) << 7) | HPTE_V_VALID;
    }

    const hpt = this.hpt;
    const mask = hpt.hashMask;
    // R/C recording and protection are decided under the PTEG lock, so no
    // hcall on another vCPU can change the entry half-way.
    let pteg = hash & mask;
    let found = this.searchAndUpdate(pteg, seg, ptemHi, ptemLo, access, pr, vsidLo, regs, out, sideEffects);
    if (found === 0) {
      pteg = ~hash & mask;
      found = this.searchAndUpdate(
        pteg,
        seg,
        ptemHi,
        ptemLo | HPTE_V_SECONDARY,
        access,
        pr,
        vsidLo,
        regs,
        out,
        sideEffects,
      );
    }
    if (found === 0) {
      if (sideEffects) this.stats.faults++;
      if (isFetch) {
        out.fault = FAULT_ISI;
        out.srr1 = SRR1_ISI_NOPTE;
      } else {
        out.fault = FAULT_DSI;
        out.dsisr = DSISR_NOPTE | (isStore ? DSISR_STORE : 0);
      }
      return false;
    }
    if (found < 0) {
      if (sideEffects) this.stats.faults++;
      return false;
    }

    // Real address: RPN with the page offset (actual page size) from the EA.
    const a = this.fShift;
    const rpnHi = this.fRHi & HPTE_R_RPN_HI;
    const rpnLo = this.fRLo & HPTE_R_RPN_LO;
    if (a < 32) {
      const m = (1 << a) - 1;
      out.raLo = (rpnLo & ~m) | (eaLo & m);
      out.raHi = rpnHi;
    } else {
      const m = (1 << (a - 32)) - 1;
      out.raLo = eaLo;
      out.raHi = (rpnHi & ~m) | (eaHi & m);
    }
    // Low 64 VA bits: VSID || segment offset, page aligned.
    let vaHi = (vsidHi << 16) | (vsidLo >>> 16);
    let vaLo: number;
    if (vsidHi >>> 30 === 0) {
      vaLo = ((vsidLo >>> 12) << 28) | (eaLo & 0x0fffffff);
    } else {
      vaHi = (vaHi & ~0xff) | (eaHi & 0xff);
      vaLo = eaLo;
    }
    if (a < 32) {
      vaLo &= ~((1 << a) - 1);
    } else {
      vaLo = 0;
      vaHi &= ~((1 << (a - 32)) - 1);
    }
    out.vaHi = vaHi;
    out.vaLo = vaLo;
    out.pageShift = a;
    out.wimg = (this.fRLo >>> 3) & 0xf;
    out.ptex = this.fPtex;
    out.fault = FAULT_NONE;
    if (sideEffects) this.stats.translations++;
    return true;
  }

  /**
   * Search one PTEG. Returns 0 when no HPTE matches, 1 on success (fields in
   * this.f* and out.prot), -1 on a protection fault (out filled in).
   */
  private searchAndUpdate(
    pteg: number,
    seg: number,
    ptemHi: number,
    ptemLo: number,
    access: AccessKind,
    pr: number,
    vsidLo: number,
    regs: MmuRegs,
    out: Translation,
    sideEffects: boolean,
  ): number {
    const hpt = this.hpt;
    const sizes = this.pageSizes;
    const base = pteg * HPTES_PER_GROUP;
    // Compare the stored (big-endian) words against byte-swapped targets: no swap per slot.
    const words = hpt.rawWords;
    const rawLo = HOST_LITTLE_ENDIAN ? bswap32(ptemLo) : ptemLo;
    const rawHi = HOST_LITTLE_ENDIAN ? bswap32(ptemHi) : ptemHi;
    const rawMask = HOST_LITTLE_ENDIAN ? RAW_COMPARE_LE : HPTE_V_COMPARE_LO;
    hpt.lockGroup(pteg);
    try {
      for (let slot = 0; slot < HPTES_PER_GROUP; slot++) {
        const ptex = base + slot;
        const w = ptex * 4;
        if (((words[w + 1]! ^ rawLo) & rawMask) !== 0) continue;
        if (words[w] !== rawHi) continue;
        const vLo = hpt.vLo(ptex);
        const rHi = hpt.rHi(ptex);
        const rLo = hpt.rLo(ptex);
        // An L/LP encoding that does not belong to this segment's base size does not match.
        const a = sizes.actualShift(seg, vLo, rHi, rLo);
        if (a === 0) continue;
        const prot = this.protection(rHi, rLo, pr, vsidLo, regs);
        if (!this.checkAccess(prot, access, out)) return -1;
        // R on every access, C on stores (ISA 2.07B III-S "Reference and Change Recording").
        let newLo = rLo | HPTE_R_R;
        if (access === ACCESS_STORE) newLo |= HPTE_R_C;
        if (sideEffects && newLo !== rLo) {
          hpt.setRLo(ptex, newLo);
          this.stats.rcUpdates++;
        }
        this.fPtex = ptex;
        this.fShift = a;
        this.fRHi = rHi;
        this.fRLo = newLo;
        // Until C is set, a TLB must not let stores through without coming back here.
        const eff = effective(prot);
        out.prot = (newLo & HPTE_R_C) !== 0 ? eff : eff & ~PROT_WRITE;
        return 1;
      }
      return 0;
    } finally {
      hpt.unlockGroup(pteg);
    }
  }

  /**
   * PROT_* permitted by an HPTE. Encoded access authority (ISA 2.07B Book
   * III-S "Basic Storage Protection"): key = Kp in problem state, Ks otherwise;
   * pp = PP0 || PP. key 0: pp 0,1,2 RW; 3,6 R. key 1: pp 2 RW; 1,3 R; 0,6 none.
   * Other pp values are reserved: no access. Execution needs read authority,
   * N=0 and G=0; virtual page class keys (AMR/IAMR) can remove each right.
   */
  private protection(rHi: number, rLo: number, pr: number, vsidLo: number, regs: MmuRegs): number {
    const key = pr !== 0 ? vsidLo & SLB_VSID_KP : vsidLo & SLB_VSID_KS;
    const pp = (rLo & 3) | ((rHi >>> 31) << 2);
    let prot = 0;
    if (key === 0) {
      if (pp <= 2) prot = PROT_READ | PROT_WRITE | PROT_EXEC;
      else if (pp === 3 || pp === 6) prot = PROT_READ | PROT_EXEC;
    } else if (pp === 2) {
      prot = PROT_READ | PROT_WRITE | PROT_EXEC;
    } else if (pp === 1 || pp === 3) {
      prot = PROT_READ | PROT_EXEC;
    }
    // Bits above the basic-authority ones record *why* an access fails (for DSISR/SRR1).
    if ((rLo & (HPTE_R_N | HPTE_R_G)) !== 0) prot |= NOEXEC_GUARD;
    if (this.useAmr) {
      // Virtual page class key protection (ISA 2.07B Book III-S, storage protection): key =
      // HPTE KEY[0:4]; AMR bits 2k (store) and 2k+1 (load); IAMR bit 2k+1 (fetch).
      const k = (((rHi >>> 28) & 3) << 3) | ((rLo >>> 9) & 7);
      const sh = 62 - 2 * k;
      const amr = sh >= 32 ? regs.amrHi >>> (sh - 32) : regs.amrLo >>> sh;
      if ((amr & 2) !== 0) prot |= KEY_NO_WRITE;
      if ((amr & 1) !== 0) prot |= KEY_NO_READ;
      if (this.useIamr) {
        const iamr = sh >= 32 ? regs.iamrHi >>> (sh - 32) : regs.iamrLo >>> sh;
        if ((iamr & 1) !== 0) prot |= KEY_NO_EXEC;
      }
    }
    return prot;
  }

  /** Apply the access check; on failure fill the fault in `out` and return false. */
  private checkAccess(prot: number, access: AccessKind, out: Translation): boolean {
    if (access === ACCESS_FETCH) {
      let srr1 = 0;
      // SRR1 bit 35: N or G set; else bit 36: no read authority (ISA 2.07B III-S §6.5.5).
      if ((prot & NOEXEC_GUARD) !== 0) srr1 |= SRR1_ISI_NOEXEC_GUARD;
      else if ((prot & PROT_EXEC) === 0) srr1 |= SRR1_ISI_PROTFAULT;
      // SRR1 bit 42: IAMR forbids the fetch.
      if ((prot & KEY_NO_EXEC) !== 0) srr1 |= SRR1_ISI_KEYFAULT;
      if (srr1 !== 0) {
        out.fault = FAULT_ISI;
        out.srr1 = srr1;
        return false;
      }
      return true;
    }
    const isStore = access === ACCESS_STORE;
    const need = isStore ? PROT_WRITE : PROT_READ;
    const keyBad = isStore ? KEY_NO_WRITE : KEY_NO_READ;
    let dsisr = 0;
    // DSISR bit 36: PP/key forbid it; bit 42: AMR forbids it; bit 38: it was a store (§6.5.3).
    if ((prot & need) === 0) dsisr |= DSISR_PROTFAULT;
    if ((prot & keyBad) !== 0) dsisr |= DSISR_KEYFAULT;
    if (dsisr !== 0) {
      out.fault = FAULT_DSI;
      out.dsisr = dsisr | (isStore ? DSISR_STORE : 0);
      return false;
    }
    return true;
  }
}

/** HPTE_V_COMPARE_LO as it appears in a host-order word on a little-endian host. */
const RAW_COMPARE_LE = bswap32(HPTE_V_COMPARE_LO);

// Internal "why not" bits carried next to PROT_* inside protection().
const NOEXEC_GUARD = 8;
const KEY_NO_READ = 16;
const KEY_NO_WRITE = 32;
const KEY_NO_EXEC = 64;

/** Collapse protection() bits into the PROT_* a TLB may use. */
function effective(prot: number): number {
  let p = prot & 7;
  if ((prot & NOEXEC_GUARD) !== 0) p &= ~PROT_EXEC;
  if ((prot & KEY_NO_READ) !== 0) p &= ~PROT_READ;
  if ((prot & KEY_NO_WRITE) !== 0) p &= ~PROT_WRITE;
  if ((prot & KEY_NO_EXEC) !== 0) p &= ~PROT_EXEC;
  return p;
}

/** Whether the unsigned 64-bit hi:lo is below `limit` (a non-negative JS number). */
function below(hi: number, lo: number, limit: number): boolean {
  return (hi >>> 0) * 4294967296 + (lo >>> 0) < limit;
}
