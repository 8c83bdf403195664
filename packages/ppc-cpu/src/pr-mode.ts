/**
 * PR mode: the guest kernel really runs in problem state (KVM "PR", papr-notes
 * Part B §1). The CPU's MSR keeps PR=1 (with EE, IR, DR forced on) while the
 * guest's architected MSR, SRR0/1, SPRG0-3, DAR and DSISR live in the 4 KiB
 * shared ("magic") page. Privileged instructions of the guest kernel trap
 * (privileged program interrupt) into {@link PrMode.trap}, which decodes the
 * instruction and emulates it against that shadow state; every interrupt is
 * reflected into the guest at its own vectors with the guest-visible MSR.
 *
 * The KVM paravirt protocol (Documentation/virt/kvm/ppc-pv.rst): `sc` with
 * r0 = "KVM!" from guest supervisor state, r11 = token; KVM_HC_FEATURES and
 * KVM_HC_PPC_MAP_MAGIC_PAGE map the shared page at a guest effective address
 * so that a Linux built with CONFIG_KVM_GUEST patches mfmsr/mtmsrd/mfspr/mtspr
 * of those registers into loads and stores of the page.
 */
import type { Cpu } from './cpu.js';
import { SPR } from './sprs.js';
import {
  GPR,
  MSR,
  MSR_HI_SF,
  MSR_LO_BE,
  MSR_LO_DR,
  MSR_LO_EE,
  MSR_LO_FE0,
  MSR_LO_FE1,
  MSR_LO_FP,
  MSR_LO_IR,
  MSR_LO_LE,
  MSR_LO_ME,
  MSR_LO_PR,
  MSR_LO_RI,
  MSR_LO_SE,
  MSR_LO_VEC,
  MSR_LO_VSX,
  PC,
} from './state.js';

/** Offsets in `struct kvm_vcpu_arch_shared` (append-only ABI; papr-notes B.1.9). */
export const SHARED = {
  SCRATCH1: 0,
  SCRATCH2: 8,
  SCRATCH3: 16,
  CRITICAL: 24,
  SPRG0: 32,
  SPRG1: 40,
  SPRG2: 48,
  SPRG3: 56,
  SRR0: 64,
  SRR1: 72,
  DAR: 80,
  MSR: 88,
  DSISR: 96,
  INT_PENDING: 100,
  SR: 104,
  PIR: 204,
  SPRG4: 208,
  SIZE: 240,
} as const;

/** "KVM!" in r0 marks a paravirt hypercall made with `sc`. */
export const KVM_SC_MAGIC = 0x4b564d21;
/** Tokens: vendor KVM (42) << 16 | number. */
export const KVM_HC_FEATURES = 0x2a0003;
export const KVM_HC_PPC_MAP_MAGIC_PAGE = 0x2a0004;
/** ePAPR status codes. */
const EV_SUCCESS = 0;
const EV_UNIMPLEMENTED = 12;
/** KVM_FEATURE_MAGIC_PAGE is bit 1 of the features word. */
const KVM_FEATURE_MAGIC_PAGE = 1 << 1;
/** MAP_MAGIC_PAGE answer: KVM_MAGIC_FEAT_SR | KVM_MAGIC_FEAT_MAS0_TO_SPRG7. */
const KVM_MAGIC_FEATURES = 0x3;

/** The ePAPR hypercall instructions the /hypervisor node advertises (lis r0,0x4b56; ori r0,r0,0x4d21; sc; nop). */
export const PR_HCALL_INSTRUCTIONS = [0x3c004b56, 0x60004d21, 0x44000002, 0x60000000] as const;

/** MSR bits the real MSR takes from the guest's (kvmppc_recalc_shadow_msr). */
const FROM_GUEST_LO = MSR_LO_FE0 | MSR_LO_FE1 | MSR_LO_SE | MSR_LO_BE | MSR_LO_LE | MSR_LO_FP | MSR_LO_VEC | MSR_LO_VSX;
/** MSR bits always on in the real MSR while the guest runs. */
const FORCED_LO = MSR_LO_ME | MSR_LO_RI | MSR_LO_IR | MSR_LO_DR | MSR_LO_PR | MSR_LO_EE;

/** SPR number → shared-page field, for the registers that live in the page. */
const SPR_FIELDS: readonly (readonly [number, number, 4 | 8])[] = [
  [SPR.SRR0, SHARED.SRR0, 8],
  [SPR.SRR1, SHARED.SRR1, 8],
  [SPR.SPRG0, SHARED.SPRG0, 8],
  [SPR.SPRG1, SHARED.SPRG1, 8],
  [SPR.SPRG2, SHARED.SPRG2, 8],
  [SPR.SPRG3, SHARED.SPRG3, 8],
  [SPR.DAR, SHARED.DAR, 8],
  [SPR.DSISR, SHARED.DSISR, 4],
];

export interface PrModeOptions {
  /** RAM byte offset of a 4 KiB block outside the guest's view that backs the shared page. */
  readonly sharedOffset: number;
}

export class PrMode {
  /** True while an emulated instruction or an injected interrupt runs against the swapped-in guest state. */
  emulating = false;
  /** Guest effective address of the mapped magic page (page aligned), or null. */
  magicEaHi = 0;
  magicEaLo = 0;
  magicMapped = false;
  /** Guest flags passed in the low bits of the EA at mapping time. */
  magicFlags = 0;
  readonly sharedOffset: number;
  /** Byte order of the shared page (the guest's interrupt endianness once mapped). */
  pageLE = false;
  private readonly dv: DataView;
  private savedRealLo = 0;
  private savedRealHi = 0;

  constructor(
    private readonly cpu: Cpu,
    opts: PrModeOptions,
  ) {
    this.sharedOffset = opts.sharedOffset;
    this.dv = new DataView(cpu.ram, opts.sharedOffset, 4096);
    new Uint8Array(cpu.ram, opts.sharedOffset, 4096).fill(0);
  }

  // ---- shared page fields -------------------------------------------------------------------

  read64(off: number): [number, number] {
    const dv = this.dv;
    if (this.pageLE) return [dv.getInt32(off, true), dv.getInt32(off + 4, true)];
    return [dv.getInt32(off + 4, false), dv.getInt32(off, false)];
  }

  write64(off: number, lo: number, hi: number): void {
    const dv = this.dv;
    if (this.pageLE) {
      dv.setInt32(off, lo, true);
      dv.setInt32(off + 4, hi, true);
    } else {
      dv.setInt32(off, hi, false);
      dv.setInt32(off + 4, lo, false);
    }
  }

  read32(off: number): number {
    return this.dv.getInt32(off, this.pageLE);
  }

  write32(off: number, v: number): void {
    this.dv.setInt32(off, v, this.pageLE);
  }

  /** The guest's MSR (low word, high word). */
  guestMsr(): [number, number] {
    return this.read64(SHARED.MSR);
  }

  guestMsrLo(): number {
    return this.read64(SHARED.MSR)[0];
  }

  /** Switch the page's byte order (on mapping, and when the guest's interrupt endianness changes). */
  setPageEndian(le: boolean): void {
    if (le === this.pageLE) return;
    const vals: [number, number, 4 | 8][] = [];
    for (let off = 0; off < SHARED.SIZE; off += 8) {
      if (off === SHARED.DSISR) {
        vals.push([this.read32(off), this.read32(off + 4), 4]);
      } else if (off >= SHARED.SR && off < SHARED.SPRG4) {
        vals.push([this.read32(off), this.read32(off + 4), 4]);
      } else {
        const [lo, hi] = this.read64(off);
        vals.push([lo, hi, 8]);
      }
    }
    this.pageLE = le;
    vals.forEach(([a, b, size], i) => {
      const off = i * 8;
      if (size === 4) {
        this.write32(off, a);
        this.write32(off + 4, b);
      } else this.write64(off, a, b);
    });
  }

  // ---- entering the guest -------------------------------------------------------------------

  /**
   * Start PR mode with the guest in the given MSR: the real MSR becomes the shadow MSR.
   * Called by the machine at reset instead of `cpu.setMsr`.
   */
  setGuestMsr(hi: number, lo: number): void {
    this.write64(SHARED.MSR, lo, hi);
    this.applyShadowMsr();
  }

  /** Real MSR = guest bits it may carry + the forced set; translation context follows the guest MSR. */
  private applyShadowMsr(): void {
    const [lo, hi] = this.guestMsr();
    const c = this.cpu;
    c.setMsr((hi & MSR_HI_SF) | MSR_HI_SF, (lo & FROM_GUEST_LO) | FORCED_LO);
  }

  /** Move the shadow state into the CPU so ordinary supervisor-state code can run on it. */
  private swapIn(): void {
    const c = this.cpu;
    const s = c.s;
    this.savedRealLo = s[MSR]!;
    this.savedRealHi = s[MSR + 1]!;
    const [lo, hi] = this.guestMsr();
    s[MSR] = lo;
    s[MSR + 1] = hi;
    for (const [spr, off, size] of SPR_FIELDS) {
      if (size === 8) {
        const [l, h] = this.read64(off);
        c.setSpr64(spr, l, h);
      } else c.setSpr64(spr, this.read32(off), 0);
    }
    this.emulating = true;
  }

  private swapOut(): void {
    const c = this.cpu;
    const s = c.s;
    this.emulating = false;
    const newLo = s[MSR]!;
    const newHi = s[MSR + 1]!;
    const [oldLo, oldHi] = this.guestMsr();
    for (const [spr, off, size] of SPR_FIELDS) {
      const l = c.sprs[spr * 2]!;
      const h = c.sprs[spr * 2 + 1]!;
      if (size === 8) this.write64(off, l, h);
      else this.write32(off, l);
    }
    this.write64(SHARED.MSR, newLo, newHi);
    // Restore the real MSR without side effects, then apply the new shadow MSR (which flushes as needed).
    s[MSR] = this.savedRealLo;
    s[MSR + 1] = this.savedRealHi;
    this.applyShadowMsr();
    // The guest's translation context (IR, DR, PR) is what the MMU uses: a change drops cached translations.
    if (((oldLo ^ newLo) & (MSR_LO_IR | MSR_LO_DR | MSR_LO_PR)) !== 0 || oldHi !== newHi) c.flushTlb();
    this.updateIntPending();
  }

  /** shared->int_pending tells the patched guest that an mtmsrd enabling EE must trap. */
  updateIntPending(): void {
    this.write32(SHARED.INT_PENDING, this.cpu.pending !== 0 ? 1 : 0);
  }

  // ---- traps -----------------------------------------------------------------------------

  /**
   * A privileged instruction trapped. Guest user mode: reflect a privileged program
   * interrupt. Guest supervisor mode: emulate it (papr-notes B.1.3).
   */
  trap(): number {
    const c = this.cpu;
    const s = c.s;
    if (this.guestMsrLo() & MSR_LO_PR) return this.inject(0x700, 0x00040000, false);
    c.counters.privTraps++;
    const word = c.fetchWord(s[PC + 1]!, s[PC]!);
    const d = c.decoder.decode(word);
    if (!d?.exec) return this.inject(0x700, 0x00080000, false);
    this.swapIn();
    let r: number;
    try {
      r = d.exec(c);
    } finally {
      this.swapOut();
    }
    return r;
  }

  /** Reflect an interrupt into the guest: SRR0/SRR1 and the new MSR are the guest's. */
  inject(vector: number, reason: number, srr0Next: boolean): number {
    return this.asGuest(() => this.cpu.deliverInterruptNative(vector, reason, srr0Next, false));
  }

  /** Run `fn` with the guest's supervisor-visible state swapped into the CPU. */
  asGuest(fn: () => number): number {
    this.swapIn();
    try {
      return fn();
    } finally {
      this.swapOut();
    }
  }

  /**
   * `sc` while the guest runs: PAPR hcall (sc 1 from guest supervisor state),
   * ePAPR/KVM paravirt call (sc 0 with r0 = "KVM!"), or a system call reflected to the guest.
   */
  systemCall(lev: number): number {
    const c = this.cpu;
    const s = c.s;
    const guestSupervisor = (this.guestMsrLo() & MSR_LO_PR) === 0;
    if (guestSupervisor && lev === 1 && c.hooks.hypercall) {
      c.counters.hcalls++;
      c.continueAtNext();
      c.hooks.hypercall(c);
      this.updateIntPending();
      return 1;
    }
    if (guestSupervisor && lev === 0 && s[GPR]! === KVM_SC_MAGIC) {
      c.counters.hcalls++;
      c.continueAtNext();
      this.paravirtCall();
      return 1;
    }
    return this.inject(0xc00, 0, true);
  }

  /** KVM paravirt hypercalls: r11 = token, r3.. = arguments; r3 = status, r4.. = outputs. */
  private paravirtCall(): void {
    const c = this.cpu;
    const s = c.s;
    const token = s[GPR + 22]!;
    const set = (r: number, lo: number, hi = lo >> 31) => {
      s[GPR + 2 * r] = lo;
      s[GPR + 2 * r + 1] = hi;
    };
    switch (token) {
      case KVM_HC_FEATURES:
        set(3, EV_SUCCESS);
        set(4, KVM_FEATURE_MAGIC_PAGE);
        return;
      case KVM_HC_PPC_MAP_MAGIC_PAGE: {
        // r4 = effective address (page aligned; low 12 bits carry guest flags).
        const eaLo = s[GPR + 8]!;
        const eaHi = s[GPR + 9]!;
        this.magicFlags = eaLo & 0xfff;
        this.magicEaLo = eaLo & ~0xfff;
        this.magicEaHi = eaHi;
        this.magicMapped = true;
        // The page is presented in the guest's interrupt endianness (LPCR[ILE]).
        this.setPageEndian((c.sprs[SPR.LPCR * 2]! & 0x02000000) !== 0);
        c.flushTlb();
        set(3, EV_SUCCESS);
        set(4, KVM_MAGIC_FEATURES);
        return;
      }
      default:
        set(3, EV_UNIMPLEMENTED);
    }
  }

  /** Whether a data access at (eaHi:eaLo) by the guest hits the magic page (guest supervisor state only). */
  hitsMagicPage(eaHi: number, eaLo: number): boolean {
    return (
      this.magicMapped &&
      (eaLo & ~0xfff) === this.magicEaLo &&
      eaHi === this.magicEaHi &&
      (this.guestMsrLo() & MSR_LO_PR) === 0
    );
  }

  /** MSR[EE] as the guest sees it, and not inside the paravirt critical section (papr-notes B.1.5). */
  guestInterruptsEnabled(): boolean {
    const lo = this.guestMsrLo();
    if ((lo & MSR_LO_EE) === 0) return false;
    // Without a mapped page the guest cannot be in a critical section (KVM compares even then; r1 is never 0 in Linux).
    if ((lo & MSR_LO_PR) !== 0 || !this.magicMapped) return true;
    const [critLo, critHi] = this.read64(SHARED.CRITICAL);
    const s = this.cpu.s;
    const sf = (this.guestMsr()[1] & MSR_HI_SF) !== 0;
    if (sf) return !(critLo === s[GPR + 2]! && critHi === s[GPR + 3]!);
    return critLo !== s[GPR + 2]!;
  }
}
