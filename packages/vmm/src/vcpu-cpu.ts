/**
 * Building the Cpu of one vCPU, the same way on the machine's thread and in a vCPU worker:
 * model, PVR/PIR/TIR, LPCR and AMOR at reset, the partition MMU, PR mode's shared page, the
 * time base, and the `-d int/mmu/exec/in_asm` tracing hooks.
 */
import { HashMmu, type HashPageTable, type PageSizeTable, Slb } from '@ppcvm/hpt-mmu';
import type { GuestMemory, Logger } from '@ppcvm/machine-core';
import {
  type AddressTranslator,
  Cpu,
  type CpuDomain,
  type CpuHooks,
  disassemble,
  layout,
  PrMode,
  SPR,
  SystemMmu,
  VEC,
} from '@ppcvm/ppc-cpu';
import type { CpuModelInfo } from './cpu-models.js';
import { SPRN } from './hcalls.js';
import { rmaSize } from './loader.js';
import { setGuestMsr } from './msr.js';
import type { Symbolizer } from './symbols.js';

/** PR mode: host-only bytes per vCPU after guest RAM, for its shared ("magic") page. */
export const PR_SHARED_PAGE = 4096;
/** MSR at kernel entry: 64-bit, machine check enabled, real mode, big-endian, EE=0 (QEMU start-cpu / kexec). */
export const ENTRY_MSR_HI = 0x80000000 | 0;
export const ENTRY_MSR_LO = 1 << 12;
/** LPCR[LPES0|LPES1]: external interrupts go to the partition (QEMU spapr_cpu_reset). */
const LPCR_LPES = 0xcn;

/** Storage interrupts, logged under `-d mmu` (Book III-S §6.5.3-6.5.6). */
const STORAGE_VECTORS: ReadonlyMap<number, string> = new Map([
  [VEC.DSI, 'DSI'],
  [VEC.DSEG, 'data segment'],
  [VEC.ISI, 'ISI'],
  [VEC.ISEG, 'instruction segment'],
]);

export function hex64(hi: number, lo: number): string {
  return `0x${(hi >>> 0).toString(16).padStart(8, '0')}${(lo >>> 0).toString(16).padStart(8, '0')}`;
}

export interface VcpuCpuOptions {
  readonly index: number;
  readonly threads: number;
  readonly model: CpuModelInfo;
  readonly accel: 'hv' | 'pr';
  readonly memory: GuestMemory;
  readonly hpt: HashPageTable;
  readonly pageSizes: PageSizeTable;
  readonly mmu: MmuFactory;
  readonly hooks: CpuHooks;
  readonly logger: Logger;
  /** Symbols for `-d exec` / `-d in_asm` (asked for only when those are on). */
  readonly symbols: () => Symbolizer;
  readonly jit?: boolean;
  /** Time base in ticks; undefined keeps the Cpu's host clock. */
  readonly timebase?: () => number;
  /** SMP across worker threads. */
  readonly domain?: CpuDomain;
}

/** A vCPU's Cpu in its reset state (MSR as at kernel entry; PC and GPRs are the caller's to set). */
export function createVcpuCpu(o: VcpuCpuOptions): Cpu {
  let impl: AddressTranslator | undefined;
  // The MMU needs the Cpu (MSR, SPRs) and the Cpu needs a translator: forward through a shim.
  const translator: AddressTranslator = {
    translate: (hi, lo, access) => impl!.translate(hi, lo, access),
    describeFault: (hi, lo, access, code) => impl!.describeFault?.(hi, lo, access, code),
  };
  // `-d exec` must see every block start: compiled blocks chain without calling onBlock.
  const jit = o.logger.enabled('exec') ? false : o.jit;
  const cpu = new Cpu({
    ram: o.memory.buffer,
    translator,
    model: o.model.name,
    hooks: o.hooks,
    ...(jit !== undefined ? { jit } : {}),
    ...(o.domain ? { domain: o.domain, domainIndex: o.index } : {}),
  });
  impl = o.mmu({
    cpu,
    model: o.model,
    cpuIndex: o.index,
    memory: o.memory,
    hpt: o.hpt,
    pageSizes: o.pageSizes,
    rmaSize: rmaSize(o.memory.size),
  });
  cpu.system = true;
  cpu.pvr = o.model.pvr;
  cpu.pir = o.index;
  cpu.tir = o.index % o.threads;
  if (o.timebase) cpu.timebase = o.timebase;
  cpu.setSpr(SPRN.LPCR, LPCR_LPES | BigInt(o.model.lpcrPowerSaveExits));
  cpu.setSpr(SPRN.AMOR, (1n << 64n) - 1n);
  // One 4 KiB shared page per vCPU after guest RAM.
  if (o.accel === 'pr') cpu.pr = new PrMode(cpu, { sharedOffset: o.memory.size + o.index * PR_SHARED_PAGE });
  setGuestMsr(cpu, ENTRY_MSR_HI, ENTRY_MSR_LO);
  installTracing(cpu, o);
  return cpu;
}

/** What the MMU factory gets to build the translator of one vCPU. */
export interface MmuContext {
  readonly cpu: Cpu;
  readonly model: CpuModelInfo;
  readonly cpuIndex: number;
  readonly memory: GuestMemory;
  readonly hpt: HashPageTable;
  readonly pageSizes: PageSizeTable;
  /** Bytes addressable in real mode. */
  readonly rmaSize: number;
}

/** Builds a vCPU's address translator (MSR[IR/DR], SLB, HPT). */
export type MmuFactory = (context: MmuContext) => AddressTranslator;

/**
 * The partition MMU of a vCPU (the default): @ppcvm/ppc-cpu's SystemMmu over
 * @ppcvm/hpt-mmu, i.e. MSR[IR/DR] select relocation, the vCPU's own SLB and
 * the shared HPT translate, and real mode addresses guest RAM directly (the
 * virtual-hypervisor RMA, Book III-S §5.7.3). Also installed as `cpu.mmu` so
 * the SLB instructions find their SLB.
 */
export const systemMmu: MmuFactory = ({ cpu, model, memory, hpt, pageSizes }) => {
  const slb = new Slb({ size: model.slbSize, pageSizes, isaV3: model.name === 'power9' });
  const mmu = new SystemMmu({ mmu: new HashMmu({ hpt, slb, pageSizes }), ramBytes: memory.size });
  mmu.attach(cpu);
  cpu.mmu = mmu;
  return mmu;
};

/** The translator used when `MachineOptions.mmu` is not given. */
export const defaultMmu: MmuFactory = systemMmu;

/** `-d int`, `-d mmu` (storage interrupts), `-d exec` and `-d in_asm` hooks of one vCPU. */
function installTracing(cpu: Cpu, o: VcpuCpuOptions): void {
  const log = o.logger;
  const index = o.index;
  const int = log.enabled('int');
  const mmu = log.enabled('mmu');
  if (int || mmu) {
    cpu.logInterrupt = (vector, pcHi, pcLo, srr1Lo) => {
      if (int) {
        log.log(
          'int',
          `cpu ${index}: interrupt 0x${vector.toString(16)} at 0x${((BigInt(pcHi >>> 0) << 32n) | BigInt(pcLo >>> 0)).toString(16)} srr1 0x${(srr1Lo >>> 0).toString(16)}`,
        );
      }
      const kind = mmu ? STORAGE_VECTORS.get(vector) : undefined;
      if (kind) {
        // DAR/DSISR are set before the interrupt is delivered; instruction interrupts report in SRR1.
        const data = vector === VEC.DSI || vector === VEC.DSEG;
        const detail = data
          ? ` dar 0x${cpu.getSpr(SPR.DAR).toString(16)}${vector === VEC.DSI ? ` dsisr 0x${cpu.getSpr(SPR.DSISR).toString(16)}` : ''}`
          : ` srr1 0x${(srr1Lo >>> 0).toString(16)}`;
        const msrLo = srr1Lo >>> 0;
        const mode =
          [msrLo & layout.MSR_LO_IR ? 'IR' : '', msrLo & layout.MSR_LO_DR ? 'DR' : ''].filter((m) => m).join(' ') ||
          'real mode';
        log.log('mmu', `cpu ${index}: ${kind} fault at ${hex64(pcHi, pcLo)}${detail} (${mode})`);
      }
    };
  }
  if (log.enabled('exec')) {
    const symbols = o.symbols();
    cpu.onBlock = (hi, lo) => {
      const sym = symbols.formatHalves(hi, lo);
      log.log('exec', `Trace ${index}: ${hex64(hi, lo)}${sym ? ` [${sym}]` : ''}`);
    };
  }
  if (log.enabled('in_asm')) {
    const symbols = o.symbols();
    const model = o.model.name;
    const symbol = (a: bigint) => symbols.format(a);
    cpu.onDecode = (hi, lo, word) => {
      const pc = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
      const sym = symbols.formatHalves(hi, lo);
      const text = disassemble(word, pc, { model, symbol }).text;
      log.log(
        'in_asm',
        `${hex64(hi, lo)}${sym ? ` <${sym}>` : ''}:  ${(word >>> 0).toString(16).padStart(8, '0')}  ${text}`,
      );
    };
  }
}
