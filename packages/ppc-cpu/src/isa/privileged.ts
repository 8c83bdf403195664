/**
 * Executors for the privileged and hypervisor instructions of Book III-S
 * (Power ISA 2.07): MSR moves, rfid/hrfid, power-saving instructions and
 * doorbells. The table entries live in ./system.ts (decode side); this file
 * attaches execution by mnemonic, see ./index.ts.
 */
import type { Cpu } from '../cpu.js';
import { SPR } from '../sprs.js';
import {
  CR,
  CTR,
  LR,
  MSR,
  MSR_HI_HV,
  MSR_LO_DR,
  MSR_LO_EE,
  MSR_LO_IR,
  MSR_LO_ME,
  MSR_LO_PR,
  MSR_LO_RI,
  PC,
  XER_SO,
} from '../state.js';
import type { ExecFactory, Fields } from '../table.js';
import { eaX } from './util.js';

type Factory = ExecFactory<Cpu>;

/** Problem state may not run privileged instructions (Book III-S §6.5.9, privileged instruction type). */
function privileged(c: Cpu): boolean {
  return (c.s[MSR]! & MSR_LO_PR) !== 0;
}

/** Hypervisor instructions need MSR[HV]=1, MSR[PR]=0. */
function notHypervisor(c: Cpu): boolean {
  return !c.inHypervisorState();
}

/** A hypervisor-only instruction in a partition: illegal under a virtual hypervisor, else emulation assist. */
function hvRefuse(c: Cpu): number {
  if (privileged(c)) return c.privilegedInstruction();
  if (c.hooks.hypercall) return c.illegalInstruction();
  const s = c.s;
  c.setSpr64(SPR.HEIR, c.fetchWord(s[PC + 1]!, s[PC]!), 0);
  return c.deliverInterrupt(0xe40, 0, false, true);
}

/**
 * Apply the Book III-S MSR write rules shared by mtmsrd, rfid and hrfid: in
 * privileged non-hypervisor state MSR[HV] and MSR[ME] cannot change; setting
 * PR forces EE, IR and DR on (§4.2.1 and the mtmsrd/rfid pseudocode).
 */
function writeMsr(c: Cpu, hi: number, lo: number): void {
  const s = c.s;
  const oldHi = s[MSR + 1]!;
  const oldLo = s[MSR]!;
  if ((oldHi & MSR_HI_HV) === 0) {
    hi = (hi & ~MSR_HI_HV) | (oldHi & MSR_HI_HV);
    lo = (lo & ~MSR_LO_ME) | (oldLo & MSR_LO_ME);
  }
  if (lo & MSR_LO_PR) lo |= MSR_LO_EE | MSR_LO_IR | MSR_LO_DR;
  c.setMsr(hi, lo);
}

const mfmsr: Factory = (f: Fields) => {
  const t = f.rt! * 2;
  return (c) => {
    if (privileged(c)) return c.privilegedInstruction();
    c.s[t] = c.s[MSR]!;
    c.s[t + 1] = c.s[MSR + 1]!;
    return 0;
  };
};

/** mtmsrd RS,L (Book III-S §4.4.2): L=1 changes only EE and RI. */
const mtmsrd: Factory = (f: Fields) => {
  const r = f.rs! * 2;
  const l = f.l ?? 0;
  return (c) => {
    if (privileged(c)) return c.privilegedInstruction();
    const s = c.s;
    if (l) {
      const m = MSR_LO_EE | MSR_LO_RI;
      c.setMsr(s[MSR + 1]!, (s[MSR]! & ~m) | (s[r]! & m));
    } else {
      writeMsr(c, s[r + 1]!, s[r]!);
    }
    // The new MSR may enable a pending interrupt: end the block so the run loop can take it.
    return c.continueAtNext();
  };
};

/** mtmsr RS,L: the 32-bit form changes MSR bits 32:63 only. */
const mtmsr: Factory = (f: Fields) => {
  const r = f.rs! * 2;
  const l = f.l ?? 0;
  return (c) => {
    if (privileged(c)) return c.privilegedInstruction();
    const s = c.s;
    if (l) {
      const m = MSR_LO_EE | MSR_LO_RI;
      c.setMsr(s[MSR + 1]!, (s[MSR]! & ~m) | (s[r]! & m));
    } else {
      writeMsr(c, s[MSR + 1]!, s[r]!);
    }
    return c.continueAtNext();
  };
};

/** rfid: PC ← SRR0, MSR ← SRR1 under the MSR write rules (Book III-S §4.4.1). */
const rfid: Factory = () => (c) => {
  if (privileged(c)) return c.privilegedInstruction();
  const sp = c.sprs;
  const pcLo = sp[SPR.SRR0 * 2]!;
  const pcHi = sp[SPR.SRR0 * 2 + 1]!;
  writeMsr(c, sp[SPR.SRR1 * 2 + 1]!, sp[SPR.SRR1 * 2]!);
  c.s[PC] = pcLo & ~3;
  c.s[PC + 1] = c.sf ? pcHi : 0;
  c.clearReservation();
  return 1;
};

/** hrfid: PC ← HSRR0, MSR ← HSRR1 (hypervisor state only). */
const hrfid: Factory = () => (c) => {
  if (notHypervisor(c)) return hvRefuse(c);
  const sp = c.sprs;
  const pcLo = sp[SPR.HSRR0 * 2]!;
  const pcHi = sp[SPR.HSRR0 * 2 + 1]!;
  c.setMsr(sp[SPR.HSRR1 * 2 + 1]!, sp[SPR.HSRR1 * 2]!);
  c.s[PC] = pcLo & ~3;
  c.s[PC + 1] = c.sf ? pcHi : 0;
  c.clearReservation();
  return 1;
};

/**
 * nap / sleep / rvwinkle / doze (POWER7/8) and stop (POWER9): hypervisor-only
 * power saving; the thread halts and wakes with a system reset interrupt whose
 * SRR1 gives the wake-up reason (Book III-S §3.3.2, POWER8 UM "Power management").
 */
const powerSave: Factory = () => (c) => {
  if (notHypervisor(c)) return hvRefuse(c);
  const [lo, hi] = [c.s[PC]!, c.s[PC + 1]!];
  c.setSpr64(SPR.SRR0, (lo + 4) | 0, hi);
  c.halt();
  c.powerSaveWake = true;
  return c.continueAtNext();
};

/** msgsndp: directed privileged doorbell to a thread of the same core (DPDES, Book III-S §5.9.2). */
const msgsndp: Factory = (f: Fields) => {
  const r = f.rb! * 2;
  return (c) => {
    if (privileged(c)) return c.privilegedInstruction();
    const s = c.s;
    // Message type 5 (privileged doorbell) in RB[32:36]; target thread in RB[57:63].
    const type = (s[r]! >>> 27) & 0x1f;
    if (type !== 5) return 0;
    const target = s[r]! & 0x7f;
    const send = c.hooks.doorbell;
    if (send) send(c, 'privileged', target);
    else if (target === c.tir) c.setDoorbell(true);
    return c.continueAtNext();
  };
};

const msgclrp: Factory = (f: Fields) => {
  const r = f.rb! * 2;
  return (c) => {
    if (privileged(c)) return c.privilegedInstruction();
    if (((c.s[r]! >>> 27) & 0x1f) === 5) c.setDoorbell(false);
    return 0;
  };
};

/** msgsnd / msgclr: hypervisor doorbells to any thread (type 5) — routed through the embedder. */
const msgsnd: Factory = (f: Fields) => {
  const r = f.rb! * 2;
  return (c) => {
    if (notHypervisor(c)) return hvRefuse(c);
    const s = c.s;
    const type = (s[r]! >>> 27) & 0x1f;
    const target = s[r]! & 0xfffff;
    const send = c.hooks.doorbell;
    if (send) send(c, type === 5 ? 'hypervisor' : 'privileged', target);
    else if (target === c.pir) c.setHDoorbell(true);
    return c.continueAtNext();
  };
};

const msgclr: Factory = () => (c) => {
  if (notHypervisor(c)) return hvRefuse(c);
  c.setHDoorbell(false);
  return 0;
};

/** tlbsync / slbsync style barriers: privileged no-ops for one thread (the MMU has nothing in flight). */
const privNop: Factory = () => (c) => (privileged(c) ? c.privilegedInstruction() : 0);

/** Hypervisor-only barrier-like no-ops (tlbsync in HV, etc.). */
const hvNop: Factory = () => (c) => (notHypervisor(c) ? hvRefuse(c) : 0);

/** attn: stop the machine for the service processor (hypervisor only, needs HID0[ATTN] on real parts). */
const attn: Factory = () => (c) => {
  if (notHypervisor(c)) return c.illegalInstruction();
  c.requestStop({ kind: 'requested', reason: 'attn instruction' });
  return 2;
};

// ---- SLB and TLB management (Book III-S §5.9.3) -------------------------------------------------

const u64 = { hi: 0, lo: 0 };

/** The SLB of the CPU's system MMU; without one (user mode) the instruction is illegal. */
function slbOf(c: Cpu) {
  return c.mmu?.mmu.slb;
}

const slbmte: Factory = (f: Fields) => {
  const rs = f.rs! * 2;
  const rb = f.rb! * 2;
  return (c) => {
    if (privileged(c)) return c.privilegedInstruction();
    const slb = slbOf(c);
    if (!slb) return c.illegalInstruction();
    const s = c.s;
    // An operand the ISA leaves undefined leaves the SLB unchanged (as QEMU).
    slb.slbmteHalves(s[rs + 1]!, s[rs]!, s[rb + 1]!, s[rb]!);
    c.flushTlb();
    return 0;
  };
};

const slbie: Factory = (f: Fields) => {
  const rb = f.rb! * 2;
  return (c) => {
    if (privileged(c)) return c.privilegedInstruction();
    const slb = slbOf(c);
    if (!slb) return c.illegalInstruction();
    slb.slbieHalves(c.s[rb + 1]!, c.s[rb]!);
    c.flushTlb();
    return 0;
  };
};

const slbia: Factory = (f: Fields) => {
  const ih = f.ih ?? 0;
  return (c) => {
    if (privileged(c)) return c.privilegedInstruction();
    const slb = slbOf(c);
    if (!slb) return c.illegalInstruction();
    slb.slbia(ih);
    c.flushTlb();
    return 0;
  };
};

function slbmf(which: 'esid' | 'vsid'): Factory {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const rb = f.rb! * 2;
    return (c) => {
      if (privileged(c)) return c.privilegedInstruction();
      const slb = slbOf(c);
      if (!slb) return c.illegalInstruction();
      const ok = which === 'esid' ? slb.slbmfeeHalves(c.s[rb]!, u64) : slb.slbmfevHalves(c.s[rb]!, u64);
      c.s[t] = ok ? u64.lo : 0;
      c.s[t + 1] = ok ? u64.hi : 0;
      return 0;
    };
  };
}

/** slbfee.: CR0 = 0b00 || found || SO (Book III-S §5.9.3.2). */
const slbfee: Factory = (f: Fields) => {
  const t = f.rt! * 2;
  const rb = f.rb! * 2;
  return (c) => {
    if (privileged(c)) return c.privilegedInstruction();
    const slb = slbOf(c);
    if (!slb) return c.illegalInstruction();
    const s = c.s;
    const found = slb.slbfeeHalves(s[rb + 1]!, s[rb]!, u64);
    s[t] = u64.lo;
    s[t + 1] = u64.hi;
    s[CR] = (s[CR]! & 0x0fffffff) | (((found ? 2 : 0) | s[XER_SO]!) << 28);
    return 0;
  };
};

/**
 * tlbie / tlbiel: hypervisor instructions on POWER7/8 (a PAPR partition uses the
 * H_REMOVE family instead). The soft TLB is dropped whole: a TLB entry may be
 * cached from any VA, and the walk is cheap next to correctness.
 */
const tlbie: Factory = () => (c) => {
  if (notHypervisor(c)) return hvRefuse(c);
  c.flushTlb();
  return 0;
};

// ---- cache-inhibited hypervisor loads/stores (Book III-S §4.4.5) --------------------------------

/**
 * lbzcix ... stdcix: hypervisor real-mode accesses that bypass the cache. Memory
 * here is coherent and uncached alike, so they are plain accesses after the
 * hypervisor-state check.
 */
function cix(size: 1 | 2 | 4 | 8, store: boolean): Factory {
  return (f: Fields) => {
    const r = (store ? f.rs! : f.rt!) * 2;
    const a = f.ra === 0 ? -1 : f.ra! * 2;
    const b = f.rb! * 2;
    return (c) => {
      if (notHypervisor(c)) return hvRefuse(c);
      const lo = eaX(c, a, b);
      const hi = c.eah;
      const s = c.s;
      if (store) {
        if (size === 1) c.write8(hi, lo, s[r]!);
        else if (size === 2) c.write16(hi, lo, s[r]!);
        else if (size === 4) c.write32(hi, lo, s[r]!);
        else c.write64(hi, lo, s[r]!, s[r + 1]!);
        return 0;
      }
      let v: number;
      let vh = 0;
      if (size === 1) v = c.read8(hi, lo);
      else if (size === 2) v = c.read16(hi, lo);
      else if (size === 4) v = c.read32(hi, lo);
      else {
        v = c.read64(hi, lo);
        vh = c.rhi;
      }
      s[r] = v;
      s[r + 1] = vh;
      return 0;
    };
  };
}

// ---- branch history rolling buffer (Book II §9, POWER8) ------------------------------------

/**
 * The BHRB records no branches here (recording is a performance-monitor option the
 * ISA lets an implementation leave empty): mfbhrbe reads 0, "no more entries".
 */
const mfbhrbe: Factory = (f: Fields) => {
  const t = f.rt! * 2;
  return (c) => {
    c.s[t] = 0;
    c.s[t + 1] = 0;
    return 0;
  };
};

// ---- system call vectored (ISA 3.0) --------------------------------------------------------------

const scv: Factory = (f: Fields) => {
  const lev = f.lev ?? 0;
  return (c) => c.systemCallVectored(lev);
};

/** rfscv: NIA ← LR, MSR ← CTR under the MSR write rules (ISA 3.0 Book III §4.4.1). */
const rfscv: Factory = () => (c) => {
  if (privileged(c)) return c.privilegedInstruction();
  const s = c.s;
  const pcLo = s[LR]!;
  const pcHi = s[LR + 1]!;
  writeMsr(c, s[CTR + 1]!, s[CTR]!);
  s[PC] = pcLo & ~3;
  s[PC + 1] = c.sf ? pcHi : 0;
  c.clearReservation();
  return 1;
};

/** Execution for privileged entries of the system table, by mnemonic. */
export const PRIVILEGED_EXEC: Readonly<Record<string, Factory>> = {
  mfmsr,
  mtmsr,
  mtmsrd,
  rfid,
  hrfid,
  nap: powerSave,
  sleep: powerSave,
  rvwinkle: powerSave,
  doze: powerSave,
  stop: powerSave,
  msgsndp,
  msgclrp,
  msgsnd,
  msgclr,
  tlbsync: hvNop,
  slbmte,
  slbie,
  slbia,
  slbmfee: slbmf('esid'),
  slbmfev: slbmf('vsid'),
  'slbfee.': slbfee,
  tlbie,
  tlbiel: tlbie,
  scv,
  rfscv,
  lbzcix: cix(1, false),
  lhzcix: cix(2, false),
  lwzcix: cix(4, false),
  ldcix: cix(8, false),
  stbcix: cix(1, true),
  sthcix: cix(2, true),
  stwcix: cix(4, true),
  stdcix: cix(8, true),
  mfbhrbe,
  clrbhrb: () => () => 0,
  attn,
  slbsync: hvNop,
};
