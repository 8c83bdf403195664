/**
 * The hcalls the vmm itself serves (papr-notes A §1.3, B §2.4 and §4.5-4.6;
 * QEMU spapr_hcall.c): mode setting, VPA registration, idle and yield,
 * logical (real-address) loads and stores, page init, random numbers, CPU
 * characteristics, system reset, SPRG0 / DABR, and KVMPPC_H_RTAS.
 *
 * Every argument is guest input: each handler validates before it changes
 * anything and answers an H_* code, with a `guest_errors` line for refusals.
 */
import { type GuestMemory, H, type HcallArgs, type HcallTable, type Logger } from '@ppcvm/machine-core';
import { type Cpu, layout } from '@ppcvm/ppc-cpu';
import type { CpuModelInfo } from './cpu-models.js';
import { guestMsr, MSR_EE_LO, setGuestMsr } from './msr.js';
import { H_RTAS, type RtasDispatcher } from './rtas.js';

export const VMM_HCALL = {
  H_SET_SPRG0: 0x24,
  H_SET_DABR: 0x28,
  H_PAGE_INIT: 0x2c,
  H_LOGICAL_CI_LOAD: 0x3c,
  H_LOGICAL_CI_STORE: 0x40,
  H_LOGICAL_CACHE_LOAD: 0x44,
  H_LOGICAL_CACHE_STORE: 0x48,
  H_LOGICAL_ICBI: 0x4c,
  H_LOGICAL_DCBF: 0x50,
  H_REGISTER_VPA: 0xdc,
  H_CEDE: 0xe0,
  H_CONFER: 0xe4,
  H_PROD: 0xe8,
  H_SET_XDABR: 0x134,
  H_GET_CPU_CHARACTERISTICS: 0x1c8,
  H_RANDOM: 0x300,
  H_SET_MODE: 0x31c,
  H_SIGNAL_SYS_RESET: 0x380,
  H_REGISTER_PROC_TBL: 0x37c,
  H_RTAS,
} as const;

/** H_REGISTER_PROC_TBL flags (papr-notes A §1.3; Linux asm/hvcall.h PROC_TABLE_*). */
export const PROC_TBL = { MODIFY: 0x10n, REGISTER: 0x08n, RADIX: 0x04n, HASH_SEG_TBL: 0x02n, GTSE: 0x01n } as const;

/** SPR numbers (Power ISA 2.07 Book III-S §4.3). */
export const SPRN = {
  SPRG0: 272,
  LPCR: 318,
  AMOR: 349,
  DAWR0: 180,
  CIABR: 187,
  DAWRX0: 188,
  DABR: 1013,
  DABRX: 1015,
} as const;

/** LPCR fields (papr-notes B §2.7). */
export const LPCR_ILE = 0x2000000n;
export const LPCR_AIL = 0x1800000n;
const LPCR_AIL_SHIFT = 23n;

/** H_SET_MODE resources and flags (spapr.h). */
export const SET_MODE = { CIABR: 1n, DAWR0: 2n, ADDR_TRANS_MODE: 3n, LE: 4n, DAWR1: 5n } as const;

/** H_PAGE_INIT flags (LoPAPR; IBM bit numbers 40, 41, 48, 49). */
export const PAGE_INIT = {
  ICACHE_INVALIDATE: 1n << 23n,
  ICACHE_SYNCHRONIZE: 1n << 22n,
  ZERO_PAGE: 1n << 15n,
  COPY_PAGE: 1n << 14n,
} as const;

/** H_REGISTER_VPA sub-functions: flags bits 16-18 (IBM numbering) = (flags >> 45) & 7. */
export const VPA_FLAGS = {
  REGISTER_VPA: 0x0000200000000000n,
  REGISTER_DTL: 0x0000400000000000n,
  REGISTER_SLBSHADOW: 0x0000600000000000n,
  DEREGISTER_VPA: 0x0000a00000000000n,
  DEREGISTER_DTL: 0x0000c00000000000n,
  DEREGISTER_SLBSHADOW: 0x0000e00000000000n,
} as const;
/** VPA layout facts used by the hypervisor (QEMU spapr.h). */
export const VPA_MIN_SIZE = 640;
export const VPA_SHARED_PROC_OFFSET = 0x9;
export const VPA_DISPATCH_COUNTER = 0x100;
/** Smallest DTL and SLB shadow buffers QEMU accepts. */
export const DTL_MIN_SIZE = 48;
export const SLB_SHADOW_MIN_SIZE = 8;

/** H_SET_XDABR DABRX bits (spapr.h). */
const DABRX_HYPERVISOR = 4n;
const DABRX_KERNEL = 2n;
const DABRX_USER = 1n;

/**
 * H_GET_CPU_CHARACTERISTICS bits (spapr.h, PPC_BIT numbering). An interpreter
 * does not speculate, so none of the flush workarounds is needed: the answer
 * is "fixed" (QEMU's cap values fixed / fixed-na).
 */
const ppcBit = (n: number) => 1n << BigInt(63 - n);
export const CPU_CHAR_HON_BRANCH_HINTS = ppcBit(5);
export const CPU_BEHAV_FAVOUR_SECURITY = ppcBit(0);

const U64 = (1n << 64n) - 1n;
const PAGE = 4096;

/**
 * What the hcalls may do to a vCPU, the caller's or another's. With every vCPU on one thread
 * these act on its Cpu directly ({@link Vcpu}); with one worker per vCPU, another vCPU is
 * reached through shared memory and acts at its next block boundary (./smp/control.ts).
 */
export interface VcpuHandle {
  readonly index: number;
  /** Started by RTAS (not stopped). */
  readonly running: boolean;
  /** Consume the H_PROD flag: true when it was set. */
  takeProd(): boolean;
  /** H_PROD: set the flag and wake the vCPU if it ceded (a stopped vCPU stays stopped). */
  signalProd(): void;
  /** H_SIGNAL_SYS_RESET to another vCPU: a system reset interrupt at its next instruction boundary. */
  signalSystemReset(): void;
  /** Set LPCR bits `mask` to `value` (H_SET_MODE changes every vCPU's). */
  updateLpcr(value: bigint, mask: bigint): void;
  /** H_REGISTER_VPA areas (guest real addresses; 0 = none). */
  vpa: number;
  slbShadowAddr: number;
  slbShadowSize: number;
  dtlAddr: number;
  dtlSize: number;
}

/** What the handlers need from the machine. */
export interface VmmHcallHost {
  readonly memory: GuestMemory;
  readonly logger: Logger;
  readonly model: CpuModelInfo;
  readonly vcpus: readonly VcpuHandle[];
  /** The Cpu of vCPU `index`; handlers ask only for the caller's. */
  cpuOf(index: number): Cpu;
  /** H_RTAS, where the RTAS dispatcher runs on this thread (absent: served elsewhere). */
  readonly rtas?: RtasDispatcher;
  /** The FWNMI system-reset vector (RTAS ibm,nmi-register), -1 when none. */
  fwnmiSystemReset(): number;
  /** Guest physical address of the RTAS area (FWNMI save areas live there). */
  readonly rtasBase: number;
  /** Fill with random bytes (H_RANDOM). */
  random(bytes: Uint8Array): void;
  /** The host wrote guest RAM: drop decoded code there. */
  onRamWrite(address: number, length: number): void;
}

/** FWNMI system-reset save area of a vCPU: 16 bytes each after the error log. */
export function fwnmiSaveArea(rtasBase: number, cpuIndex: number): number {
  return rtasBase + 0x30 + 2048 + 16 * cpuIndex;
}

export function vmmHcalls(host: VmmHcallHost): HcallTable {
  const { memory: mem, logger: log } = host;
  const bad = (name: string, a: HcallArgs, why: string, rc: number = H.PARAMETER): number => {
    if (log.enabled('guest_errors')) log.log('guest_errors', `${name} from cpu ${a.cpuIndex}: ${why} -> ${rc}`);
    return rc;
  };
  const self = (a: HcallArgs): VcpuHandle => host.vcpus[a.cpuIndex]!;
  const selfCpu = (a: HcallArgs): Cpu => host.cpuOf(a.cpuIndex);
  /** The vCPU a guest names by its device-tree id (= server number = index here). */
  const find = (id: bigint): VcpuHandle | undefined =>
    id >= 0n && id < BigInt(host.vcpus.length) ? host.vcpus[Number(id)] : undefined;
  const setAllLpcr = (value: bigint, mask: bigint) => {
    for (const v of host.vcpus) v.updateLpcr(value, mask);
  };

  // ---- H_REGISTER_PROC_TBL (0x37C, ISA 3.0) ------------------------------------------------------
  /**
   * A POWER9 guest tells the hypervisor which translation it uses. This machine
   * offers the hashed page table with the SLB only (no radix, no segment tables,
   * as `ibm,pa-features` byte 40 says), so only that registration is accepted.
   */
  const registerProcTbl = (a: HcallArgs): number => {
    if (host.model.name !== 'power9') return H.FUNCTION;
    const flags = a.arg(0);
    const known = PROC_TBL.MODIFY | PROC_TBL.REGISTER | PROC_TBL.RADIX | PROC_TBL.HASH_SEG_TBL | PROC_TBL.GTSE;
    if ((flags & ~known) !== 0n) return bad('H_REGISTER_PROC_TBL', a, `flags 0x${flags.toString(16)}`);
    if ((flags & PROC_TBL.MODIFY) === 0n) return H.SUCCESS;
    if ((flags & PROC_TBL.REGISTER) === 0n)
      return bad('H_REGISTER_PROC_TBL', a, 'deregistration is not supported', H.PARAMETER);
    if (flags & PROC_TBL.RADIX) return bad('H_REGISTER_PROC_TBL', a, 'radix MMU not offered', H.PARAMETER);
    if (flags & PROC_TBL.HASH_SEG_TBL) return bad('H_REGISTER_PROC_TBL', a, 'segment tables not offered', H.PARAMETER);
    if (flags & PROC_TBL.GTSE) return bad('H_REGISTER_PROC_TBL', a, 'GTSE needs radix', H.PARAMETER);
    // Hash with SLB: the table address, page size and size must be zero.
    if (a.arg(1) !== 0n || a.arg(2) !== 0n || a.arg(3) !== 0n)
      return bad('H_REGISTER_PROC_TBL', a, 'table given for HPT+SLB', H.PARAMETER);
    return H.SUCCESS;
  };

  // ---- H_SET_MODE (0x31C) ----------------------------------------------------------------------
  const setMode = (a: HcallArgs): number => {
    const mflags = a.arg(0);
    const resource = a.arg(1);
    const v1 = a.arg(2);
    const v2 = a.arg(3);
    const cpu = selfCpu(a);
    switch (resource) {
      case SET_MODE.LE:
        if (v1 !== 0n) return H.P3;
        if (v2 !== 0n) return H.P4;
        // Interrupts are taken in the endianness of LPCR[ILE] on every vCPU (papr-notes B §4.5).
        if (mflags === 0n) setAllLpcr(0n, LPCR_ILE);
        else if (mflags === 1n) setAllLpcr(LPCR_ILE, LPCR_ILE);
        else return bad('H_SET_MODE(LE)', a, `mflags ${mflags}`, H.UNSUPPORTED_FLAG);
        return H.SUCCESS;
      case SET_MODE.ADDR_TRANS_MODE:
        if (!host.model.isa207) return H.P2;
        if (v1 !== 0n) return H.P3;
        if (v2 !== 0n) return H.P4;
        // AIL 0 or 3 only: 1 is reserved, 2 is not offered by pseries (papr-notes A §1.3).
        if (mflags !== 0n && mflags !== 3n) return bad('H_SET_MODE(AIL)', a, `mode ${mflags}`, H.UNSUPPORTED_FLAG);
        setAllLpcr(mflags << LPCR_AIL_SHIFT, LPCR_AIL);
        return H.SUCCESS;
      case SET_MODE.CIABR:
        if (!host.model.isa207) return H.P2;
        if (mflags !== 0n) return H.UNSUPPORTED_FLAG;
        if (v2 !== 0n) return H.P4;
        // CIABR privilege field 0b11 would be a hypervisor breakpoint.
        if ((v1 & 3n) === 3n) return bad('H_SET_MODE(CIABR)', a, 'hypervisor privilege', H.P3);
        cpu.setSpr(SPRN.CIABR, v1);
        return H.SUCCESS;
      case SET_MODE.DAWR0:
        if (!host.model.isa207) return H.P2;
        if (mflags !== 0n) return H.UNSUPPORTED_FLAG;
        // DAWRX[HYP] (bit 61) cannot be set by a partition.
        if ((v2 & 4n) !== 0n) return bad('H_SET_MODE(DAWR)', a, 'DAWRX HYP bit', H.P4);
        cpu.setSpr(SPRN.DAWR0, v1);
        cpu.setSpr(SPRN.DAWRX0, v2);
        return H.SUCCESS;
      default:
        return bad('H_SET_MODE', a, `resource ${resource}`, H.P2);
    }
  };

  // ---- H_REGISTER_VPA (0xDC) -------------------------------------------------------------------
  const registerVpa = (a: HcallArgs): number => {
    const flags = a.arg(0);
    const t = find(a.arg(1));
    const addrBig = a.arg(2);
    if (!t) return bad('H_REGISTER_VPA', a, `no cpu ${a.arg(1)}`);
    const name = 'H_REGISTER_VPA';
    const inRam = (len: number) => mem.contains(addrBig, len);
    const addr = Number(addrBig & U64); // only used after inRam() succeeded
    switch (flags) {
      case VPA_FLAGS.REGISTER_VPA: {
        if (addrBig === 0n) return bad(name, a, 'VPA at logical 0', H.HARDWARE);
        if (addrBig % BigInt(host.model.cacheLine) !== 0n) return bad(name, a, 'VPA not cache-line aligned');
        if (!inRam(6)) return bad(name, a, `VPA 0x${addrBig.toString(16)} outside RAM`);
        const size = mem.read16BE(addr + 4);
        if (size < VPA_MIN_SIZE) return bad(name, a, `VPA size ${size} < ${VPA_MIN_SIZE}`);
        if (Math.floor(addr / PAGE) !== Math.floor((addr + size - 1) / PAGE)) return bad(name, a, 'VPA crosses a page');
        if (!inRam(size)) return bad(name, a, 'VPA extends outside RAM');
        t.vpa = addr;
        // Tell the guest it runs on a shared processor (lppaca shared_proc), as QEMU and KVM do.
        mem.write8(addr + VPA_SHARED_PROC_OFFSET, mem.read8(addr + VPA_SHARED_PROC_OFFSET) | 2);
        host.onRamWrite(addr + VPA_SHARED_PROC_OFFSET, 1);
        return H.SUCCESS;
      }
      case VPA_FLAGS.DEREGISTER_VPA:
        if (t.slbShadowAddr !== 0 || t.dtlAddr !== 0)
          return bad(name, a, 'DTL or SLB shadow still registered', H.RESOURCE);
        t.vpa = 0;
        return H.SUCCESS;
      case VPA_FLAGS.REGISTER_SLBSHADOW: {
        if (addrBig === 0n) return bad(name, a, 'SLB shadow at logical 0', H.HARDWARE);
        if (!inRam(8)) return bad(name, a, 'SLB shadow outside RAM');
        const size = mem.read32BE(addr + 4);
        if (size < SLB_SHADOW_MIN_SIZE) return bad(name, a, `SLB shadow size ${size}`);
        if (Math.floor(addr / PAGE) !== Math.floor((addr + size - 1) / PAGE))
          return bad(name, a, 'SLB shadow crosses a page');
        if (!inRam(size)) return bad(name, a, 'SLB shadow extends outside RAM');
        if (t.vpa === 0) return bad(name, a, 'no VPA registered', H.RESOURCE);
        t.slbShadowAddr = addr;
        t.slbShadowSize = size;
        return H.SUCCESS;
      }
      case VPA_FLAGS.DEREGISTER_SLBSHADOW:
        t.slbShadowAddr = 0;
        t.slbShadowSize = 0;
        return H.SUCCESS;
      case VPA_FLAGS.REGISTER_DTL: {
        if (addrBig === 0n) return bad(name, a, 'DTL at logical 0', H.HARDWARE);
        if (!inRam(8)) return bad(name, a, 'DTL outside RAM');
        const size = mem.read32BE(addr + 4);
        if (size < DTL_MIN_SIZE) return bad(name, a, `DTL size ${size}`);
        if (!inRam(size)) return bad(name, a, 'DTL extends outside RAM');
        if (t.vpa === 0) return bad(name, a, 'no VPA registered', H.RESOURCE);
        t.dtlAddr = addr;
        t.dtlSize = size;
        return H.SUCCESS;
      }
      case VPA_FLAGS.DEREGISTER_DTL:
        t.dtlAddr = 0;
        t.dtlSize = 0;
        return H.SUCCESS;
      default:
        return bad(name, a, `flags 0x${flags.toString(16)}`);
    }
  };

  // ---- idle and yield ---------------------------------------------------------------------------
  const cede = (a: HcallArgs): number => {
    const v = self(a);
    const cpu = selfCpu(a);
    // H_CEDE returns with MSR[EE]=1 (papr-notes B §2.4), so the wake-up interrupt is taken at once.
    const [lo, hi] = guestMsr(cpu);
    setGuestMsr(cpu, hi, lo | MSR_EE_LO);
    if (v.takeProd()) return H.SUCCESS;
    // The run loop sleeps until an interrupt is pending (Cpu.wakeFromHalt).
    cpu.halt();
    return H.SUCCESS;
  };

  const confer = (a: HcallArgs): number => {
    const target = BigInt.asIntN(64, a.arg(0));
    const dispatch = a.arg(1) & 0xffffffffn;
    // Yield: end this vCPU's slice so the others run first (QEMU EXCP_YIELD).
    const yieldSlice = () => {
      selfCpu(a).requestStop({ kind: 'requested', reason: 'yield' });
      return H.SUCCESS;
    };
    if (target === -1n) return yieldSlice();
    const t = target >= 0n ? find(target) : undefined;
    if (!t) return bad('H_CONFER', a, `no cpu ${target}`);
    const me = self(a);
    if (t === me) {
      // Confer to self: wait until prodded (PAPR; QEMU h_confer_self).
      if (me.takeProd()) return H.SUCCESS;
      selfCpu(a).halt();
      return H.SUCCESS;
    }
    // A targeted confer only matters when the target's dispatch count still matches (odd = preempted).
    if (t.vpa === 0 || (dispatch & 1n) === 0n) return H.SUCCESS;
    if (BigInt(mem.read32BE(t.vpa + VPA_DISPATCH_COUNTER)) !== dispatch) return H.SUCCESS;
    return yieldSlice();
  };

  const prod = (a: HcallArgs): number => {
    const t = find(a.arg(0));
    if (!t) return bad('H_PROD', a, `no cpu ${a.arg(0)}`);
    // Wakes a ceded vCPU; an RTAS-stopped one stays stopped (only start-cpu starts it).
    t.signalProd();
    return H.SUCCESS;
  };

  // ---- logical (real-address) accesses ------------------------------------------------------------
  const ciLoad =
    (name: string) =>
    (a: HcallArgs): number => {
      const size = a.arg(0);
      const addr = a.arg(1) & 0x0fffffffffffffffn;
      if (size !== 1n && size !== 2n && size !== 4n && size !== 8n) return bad(name, a, `size ${size}`);
      if (!mem.contains(addr, Number(size))) return bad(name, a, `address 0x${addr.toString(16)} is not RAM`);
      // Target byte order: the pseries platform is big-endian.
      const v =
        size === 1n
          ? BigInt(mem.read8(addr))
          : size === 2n
            ? BigInt(mem.read16BE(addr))
            : size === 4n
              ? BigInt(mem.read32BE(addr))
              : mem.read64BE(addr);
      a.ret(0, v);
      return H.SUCCESS;
    };
  const ciStore =
    (name: string) =>
    (a: HcallArgs): number => {
      const size = a.arg(0);
      const addr = a.arg(1) & 0x0fffffffffffffffn;
      const value = a.arg(2);
      if (size !== 1n && size !== 2n && size !== 4n && size !== 8n) return bad(name, a, `size ${size}`);
      if (!mem.contains(addr, Number(size))) return bad(name, a, `address 0x${addr.toString(16)} is not RAM`);
      if (size === 1n) mem.write8(addr, Number(value & 0xffn));
      else if (size === 2n) mem.write16BE(addr, Number(value & 0xffffn));
      else if (size === 4n) mem.write32BE(addr, Number(value & 0xffffffffn));
      else mem.write64BE(addr, value);
      host.onRamWrite(Number(addr), Number(size));
      return H.SUCCESS;
    };

  const pageInit = (a: HcallArgs): number => {
    const flags = a.arg(0);
    const dst = a.arg(1);
    const src = a.arg(2);
    const known =
      PAGE_INIT.ICACHE_INVALIDATE | PAGE_INIT.ICACHE_SYNCHRONIZE | PAGE_INIT.ZERO_PAGE | PAGE_INIT.COPY_PAGE;
    if ((flags & ~known) !== 0n) return bad('H_PAGE_INIT', a, `flags 0x${flags.toString(16)}`);
    if (dst % BigInt(PAGE) !== 0n || !mem.contains(dst, PAGE))
      return bad('H_PAGE_INIT', a, `destination 0x${dst.toString(16)}`);
    if (flags & PAGE_INIT.COPY_PAGE) {
      if (src % BigInt(PAGE) !== 0n || !mem.contains(src, PAGE))
        return bad('H_PAGE_INIT', a, `source 0x${src.toString(16)}`);
      mem.copy(dst, src, PAGE);
    } else if (flags & PAGE_INIT.ZERO_PAGE) mem.fill(dst, PAGE, 0);
    // Written or asked to sync the icache: either way decoded code for the page is stale.
    host.onRamWrite(Number(dst), PAGE);
    return H.SUCCESS;
  };

  // ---- breakpoints and SPRG0 --------------------------------------------------------------------
  const setDabr = (a: HcallArgs): number => {
    if (!host.model.hasDabr) return H.HARDWARE;
    const cpu = selfCpu(a);
    // With DABRX present, QEMU matches in problem and privileged state.
    cpu.setSpr(SPRN.DABRX, DABRX_KERNEL | DABRX_USER);
    cpu.setSpr(SPRN.DABR, a.arg(0));
    return H.SUCCESS;
  };
  const setXdabr = (a: HcallArgs): number => {
    if (!host.model.hasDabr) return H.HARDWARE;
    const dabrx = a.arg(1);
    if ((dabrx & ~0xfn) !== 0n || (dabrx & DABRX_HYPERVISOR) !== 0n || (dabrx & (DABRX_KERNEL | DABRX_USER)) === 0n) {
      return bad('H_SET_XDABR', a, `dabrx 0x${dabrx.toString(16)}`);
    }
    const cpu = selfCpu(a);
    cpu.setSpr(SPRN.DABRX, dabrx);
    cpu.setSpr(SPRN.DABR, a.arg(0));
    return H.SUCCESS;
  };

  // ---- system reset -----------------------------------------------------------------------------
  const resetCpu = (a: HcallArgs, t: VcpuHandle): number => {
    if (!t.running) return H.SUCCESS;
    if (t.index !== a.cpuIndex) {
      // Another vCPU takes it at its next instruction boundary (no FWNMI redirection there yet).
      t.signalSystemReset();
      return H.SUCCESS;
    }
    // The caller itself: deliver now, SRR0 = the instruction after the sc (Book III-S §6.5.1).
    const cpu = selfCpu(a);
    cpu.deliverInterrupt(0x100, 0, false);
    const fw = host.fwnmiSystemReset();
    if (fw === -1) return H.SUCCESS;
    // FWNMI (LoPAPR "ibm,nmi-register"): enter the registered vector with r3 = this vCPU's save
    // area, which holds the interrupted r3 (the hcall's own H_SUCCESS). The returned value is r3.
    const save = fwnmiSaveArea(host.rtasBase, t.index);
    if (!mem.contains(save, 16)) return H.SUCCESS;
    mem.write64BE(save, BigInt(H.SUCCESS));
    mem.write64BE(save + 8, 0n);
    host.onRamWrite(save, 16);
    cpu.s[layout.PC] = fw | 0;
    cpu.s[layout.PC + 1] = 0;
    return save;
  };
  const signalSysReset = (a: HcallArgs): number => {
    const target = BigInt.asIntN(64, a.arg(0));
    if (target >= 0n) {
      const t = find(target);
      if (!t) return bad('H_SIGNAL_SYS_RESET', a, `no cpu ${target}`);
      return resetCpu(a, t);
    }
    // -1 = all, -2 = all but the caller.
    if (target < -2n) return bad('H_SIGNAL_SYS_RESET', a, `target ${target}`);
    let rc: number = H.SUCCESS;
    for (const t of host.vcpus) if (t.index !== a.cpuIndex) resetCpu(a, t);
    if (target === -1n) rc = resetCpu(a, self(a));
    return rc;
  };

  return {
    owner: '@ppcvm/vmm',
    entries: [
      { opcode: VMM_HCALL.H_SET_MODE, name: 'H_SET_MODE', handler: setMode },
      { opcode: VMM_HCALL.H_REGISTER_PROC_TBL, name: 'H_REGISTER_PROC_TBL', handler: registerProcTbl },
      { opcode: VMM_HCALL.H_REGISTER_VPA, name: 'H_REGISTER_VPA', handler: registerVpa },
      { opcode: VMM_HCALL.H_CEDE, name: 'H_CEDE', handler: cede },
      { opcode: VMM_HCALL.H_CONFER, name: 'H_CONFER', handler: confer },
      { opcode: VMM_HCALL.H_PROD, name: 'H_PROD', handler: prod },
      { opcode: VMM_HCALL.H_LOGICAL_CI_LOAD, name: 'H_LOGICAL_CI_LOAD', handler: ciLoad('H_LOGICAL_CI_LOAD') },
      { opcode: VMM_HCALL.H_LOGICAL_CI_STORE, name: 'H_LOGICAL_CI_STORE', handler: ciStore('H_LOGICAL_CI_STORE') },
      { opcode: VMM_HCALL.H_LOGICAL_CACHE_LOAD, name: 'H_LOGICAL_CACHE_LOAD', handler: ciLoad('H_LOGICAL_CACHE_LOAD') },
      {
        opcode: VMM_HCALL.H_LOGICAL_CACHE_STORE,
        name: 'H_LOGICAL_CACHE_STORE',
        handler: ciStore('H_LOGICAL_CACHE_STORE'),
      },
      {
        opcode: VMM_HCALL.H_LOGICAL_ICBI,
        name: 'H_LOGICAL_ICBI',
        handler: (a) => {
          const addr = a.arg(0) & 0x0fffffffffffffffn;
          if (mem.contains(addr, 1)) host.onRamWrite(Number(addr), 1);
          return H.SUCCESS;
        },
      },
      { opcode: VMM_HCALL.H_LOGICAL_DCBF, name: 'H_LOGICAL_DCBF', handler: () => H.SUCCESS },
      { opcode: VMM_HCALL.H_PAGE_INIT, name: 'H_PAGE_INIT', handler: pageInit },
      {
        opcode: VMM_HCALL.H_RANDOM,
        name: 'H_RANDOM',
        handler: (a) => {
          const b = new Uint8Array(8);
          host.random(b);
          a.ret(0, new DataView(b.buffer).getBigUint64(0));
          return H.SUCCESS;
        },
      },
      {
        opcode: VMM_HCALL.H_GET_CPU_CHARACTERISTICS,
        name: 'H_GET_CPU_CHARACTERISTICS',
        handler: (a) => {
          a.ret(0, CPU_CHAR_HON_BRANCH_HINTS);
          a.ret(1, CPU_BEHAV_FAVOUR_SECURITY);
          return H.SUCCESS;
        },
      },
      { opcode: VMM_HCALL.H_SIGNAL_SYS_RESET, name: 'H_SIGNAL_SYS_RESET', handler: signalSysReset },
      {
        opcode: VMM_HCALL.H_SET_SPRG0,
        name: 'H_SET_SPRG0',
        handler: (a) => {
          selfCpu(a).setSpr(SPRN.SPRG0, a.arg(0));
          return H.SUCCESS;
        },
      },
      { opcode: VMM_HCALL.H_SET_DABR, name: 'H_SET_DABR', handler: setDabr },
      { opcode: VMM_HCALL.H_SET_XDABR, name: 'H_SET_XDABR', handler: setXdabr },
      ...(host.rtas
        ? [{ opcode: H_RTAS, name: 'KVMPPC_H_RTAS', handler: (a: HcallArgs) => host.rtas!.call(a.cpuIndex, a.arg(0)) }]
        : []),
    ],
  };
}
