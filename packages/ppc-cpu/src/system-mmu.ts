/**
 * The system-mode address translator: MSR[IR]/MSR[DR] select relocation, the
 * SLB and hashed page table of @ppcvm/hpt-mmu translate, and real mode goes
 * through the partition's real-mode area (Power ISA 2.07 Book III-S §5.7).
 * It is the Cpu's AddressTranslator; the Cpu calls it only on soft-TLB misses.
 */
import {
  ACCESS_FETCH,
  ACCESS_LOAD,
  ACCESS_STORE,
  type AccessKind,
  createMmuRegs,
  createRealModeRegs,
  encodeSlbEsid,
  FAULT_DSEG,
  FAULT_ISEG,
  HashMmu,
  type MmuRegs,
  REAL_MODE_VRMA,
  type RealModeRegs,
  Slb,
  type TlbInvalidator,
  Translation,
  VRMA_VSID,
} from '@ppcvm/hpt-mmu';
import { Access, type AddressTranslator, type Cpu, type FaultInfo, TranslateFault } from './cpu.js';
import { SPR } from './sprs.js';
import { MSR, MSR_LO_DR, MSR_LO_IR, MSR_LO_PR } from './state.js';

export interface SystemMmuOptions {
  readonly mmu: HashMmu;
  /** Bytes of guest RAM (real addresses at or above are not RAM). */
  readonly ramBytes: number;
  /** Real-mode addressing of the partition (default: virtual hypervisor, whole RAM). */
  readonly realMode?: RealModeRegs;
}

export class SystemMmu implements AddressTranslator {
  readonly mmu: HashMmu;
  readonly real: RealModeRegs;
  private readonly regs: MmuRegs = createMmuRegs();
  private readonly out = new Translation();
  private readonly ramBytes: number;
  private cpu: Cpu | null = null;
  private lastFault: FaultInfo | undefined;
  /** {@link probe}'s own scratch state, so a probe never disturbs a translation in flight. */
  private readonly probeRegs: MmuRegs = createMmuRegs();
  private readonly probeOut = new Translation();
  /** VRMA probes: a private one-entry SLB holding the VRMA segment, rebuilt when LPCR[VRMASD] changes. */
  private vrmaProbe: { mmu: HashMmu; llp: number } | null = null;

  constructor(opts: SystemMmuOptions) {
    this.mmu = opts.mmu;
    this.ramBytes = opts.ramBytes;
    this.real = opts.realMode ?? createRealModeRegs();
  }

  /** Bind to the CPU whose MSR and AMR/IAMR drive translation. */
  attach(cpu: Cpu): void {
    this.cpu = cpu;
  }

  translate(eaHi: number, eaLo: number, access: Access): number {
    const cpu = this.cpu;
    if (!cpu) throw new Error('SystemMmu used before attach(cpu)');
    const pr = cpu.pr;
    // In PR mode translation follows the guest's MSR (the real one always has IR=DR=PR=1).
    const msr = pr ? pr.guestMsrLo() : cpu.s[MSR]!;
    if (pr && access !== Access.Fetch && pr.hitsMagicPage(eaHi, eaLo)) {
      // Paravirt access to the shared page: never cached, so each one is counted.
      cpu.counters.paravirt++;
      cpu.tlbNoFill = true;
      return pr.sharedOffset;
    }
    const regs = this.regs;
    regs.pr = (msr & MSR_LO_PR) !== 0 ? 1 : 0;
    const sp = cpu.sprs;
    regs.amrLo = sp[SPR.AMR * 2]!;
    regs.amrHi = sp[SPR.AMR * 2 + 1]!;
    regs.iamrLo = sp[SPR.IAMR * 2]!;
    regs.iamrHi = sp[SPR.IAMR * 2 + 1]!;
    const kind = access === Access.Fetch ? ACCESS_FETCH : access === Access.Store ? ACCESS_STORE : ACCESS_LOAD;
    const reloc = access === Access.Fetch ? (msr & MSR_LO_IR) !== 0 : (msr & MSR_LO_DR) !== 0;
    const out = this.out;
    let ok: boolean;
    if (reloc) ok = this.mmu.translate(eaHi, eaLo, kind, regs, out);
    else {
      const real = this.real;
      real.lpcrLo = sp[SPR.LPCR * 2]!;
      real.lpcrHi = sp[SPR.LPCR * 2 + 1]!;
      ok = this.mmu.translateReal(eaHi, eaLo, kind, real, regs, out);
    }
    if (!ok) {
      this.lastFault =
        out.fault === FAULT_DSEG || out.fault === FAULT_ISEG ? { segment: true } : { dsisr: out.dsisr, srr1: out.srr1 };
      return TranslateFault.Unmapped;
    }
    // Real address → RAM. Anything beyond RAM is not backed (no MMIO yet on this bus).
    if (out.raHi !== 0 || out.raLo >>> 0 >= this.ramBytes) {
      this.lastFault = { dsisr: 0x40000000, srr1: 0x40000000 };
      return TranslateFault.Unmapped;
    }
    return (out.raLo & ~0xfff) >>> 0;
  }

  /**
   * Translate like {@link translate} for a debugger or monitor, without any effect on the
   * guest or the statistics: no HPTE R/C update (HashMmu.probe), no fault state, no paravirt
   * count. Returns the RAM offset of the 4 KiB page holding EA, or a negative TranslateFault.
   */
  probe(eaHi: number, eaLo: number, access: Access): number {
    const cpu = this.cpu;
    if (!cpu) throw new Error('SystemMmu used before attach(cpu)');
    const pr = cpu.pr;
    const msr = pr ? pr.guestMsrLo() : cpu.s[MSR]!;
    if (pr && access !== Access.Fetch && pr.hitsMagicPage(eaHi, eaLo)) return pr.sharedOffset;
    const regs = this.probeRegs;
    regs.pr = (msr & MSR_LO_PR) !== 0 ? 1 : 0;
    const sp = cpu.sprs;
    regs.amrLo = sp[SPR.AMR * 2]!;
    regs.amrHi = sp[SPR.AMR * 2 + 1]!;
    regs.iamrLo = sp[SPR.IAMR * 2]!;
    regs.iamrHi = sp[SPR.IAMR * 2 + 1]!;
    const kind: AccessKind =
      access === Access.Fetch ? ACCESS_FETCH : access === Access.Store ? ACCESS_STORE : ACCESS_LOAD;
    const reloc = access === Access.Fetch ? (msr & MSR_LO_IR) !== 0 : (msr & MSR_LO_DR) !== 0;
    const out = this.probeOut;
    let ok: boolean;
    if (reloc) ok = this.mmu.probe(eaHi, eaLo, kind, regs, out);
    else {
      const real = this.real;
      const lpcrLo = sp[SPR.LPCR * 2]!;
      const lpcrHi = sp[SPR.LPCR * 2 + 1]!;
      if (real.mode === REAL_MODE_VRMA) ok = this.probeVrma(eaHi, eaLo, kind, lpcrHi, regs, out);
      else {
        // The other real modes are pure arithmetic; translateReal's only side effect there is
        // the statistics counter, which is put back.
        const st = this.mmu.stats;
        const { translations, faults, rcUpdates } = st;
        const lo = real.lpcrLo;
        const hi = real.lpcrHi;
        real.lpcrLo = lpcrLo;
        real.lpcrHi = lpcrHi;
        ok = this.mmu.translateReal(eaHi, eaLo, kind, real, regs, out);
        real.lpcrLo = lo;
        real.lpcrHi = hi;
        st.translations = translations;
        st.faults = faults;
        st.rcUpdates = rcUpdates;
      }
    }
    if (!ok || out.raHi !== 0 || out.raLo >>> 0 >= this.ramBytes) return TranslateFault.Unmapped;
    return (out.raLo & ~0xfff) >>> 0;
  }

  /**
   * Virtualized real mode without side effects: HashMmu.translateVrma records R/C, so search
   * the HPT through HashMmu.probe with an SLB whose only entry is the VRMA segment (ISA 2.07B
   * Book III-S §5.7.3: 1 TB segment, VSID 0x1ffffff, Ks=Kp=0, L||LP = LPCR[VRMASD]).
   */
  private probeVrma(
    eaHi: number,
    eaLo: number,
    kind: AccessKind,
    lpcrHi: number,
    regs: MmuRegs,
    out: Translation,
  ): boolean {
    // LPCR[VRMASD] is LPCR bits 10:14 (ISA 2.07B Book III-S §2.2): bits 15..19 of the high word.
    const llp = (((lpcrHi >>> 15) & 0x1f) << 4) & 0x130;
    let p = this.vrmaProbe;
    if (!p || p.llp !== llp) {
      const pageSizes = this.mmu.pageSizes;
      const slb = new Slb({ size: 1, pageSizes });
      const vsid = (1n << 62n) | (BigInt(VRMA_VSID) << 24n) | BigInt(llp);
      slb.slbmte(vsid, encodeSlbEsid(0n, '1T', 0));
      p = { mmu: new HashMmu({ hpt: this.mmu.hpt, slb, pageSizes }), llp };
      this.vrmaProbe = p;
    }
    const pr = regs.pr;
    regs.pr = 0;
    const ok = p.mmu.probe(eaHi & 0x0fffffff, eaLo, kind, regs, out);
    regs.pr = pr;
    return ok;
  }

  describeFault(): FaultInfo | undefined {
    return this.lastFault;
  }

  /** An invalidator for the page-table hcalls that keeps this CPU's soft TLB coherent. */
  invalidator(): TlbInvalidator {
    return {
      invalidateHpte: () => this.cpu?.flushTlb(),
      invalidateAll: () => this.cpu?.flushTlb(),
    };
  }
}
