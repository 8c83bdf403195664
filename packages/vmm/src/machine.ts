/**
 * The pseries machine: guest RAM, vCPUs, XICS, the VIO bus with vty and
 * NVRAM, the HPT and its hcalls, RTAS, the device tree, and the run loop.
 *
 * `smp` vCPUs in cores of `threads` threads; vCPU i has PIR i and interrupt
 * server i. All vCPUs share this thread: the run loop goes round the running
 * ones in slices (shorter with more than one vCPU) and idles only when every
 * running vCPU is halted (vCPU workers are a later step of issue 5). The loop runs on
 * the calling thread in slices of `Cpu.run(budget)` and yields to the event
 * loop between slices (console input arrives there); an idle machine sleeps
 * until the next decrementer or an interrupt (ARCHITECTURE.md §3).
 *
 * A debugger or the monitor can hold the vCPUs stopped ({@link Machine.hold}):
 * the loop then runs nothing until every hold is released. A vCPU stopping at
 * a code hook's request (a gdb breakpoint or watchpoint) sets the 'debugger'
 * hold and tells the attached {@link MachineDebugListener}.
 */

import {
  allocateHptStorage,
  createHptHcalls,
  defaultHptShift,
  HashPageTable,
  type HptHcalls,
  PageSizeTable,
  PSERIES_DEFAULT_PAGE_SIZES,
} from '@ppcvm/hpt-mmu';
import {
  type GuestMemory,
  GuestMemory as GuestMemoryClass,
  type HcallTable,
  type LogCategory,
  type Logger,
  nullLogger,
} from '@ppcvm/machine-core';
import { type Cpu, CpuDomain, type CpuModelName, layout, PENDING, type StopReason } from '@ppcvm/ppc-cpu';
import { VioBus, VioNvram, VioVty, vioHcalls } from '@ppcvm/spapr-vio';
import { Xics, xicsFdtNode, xicsHcalls, xicsRtasCalls } from '@ppcvm/xics';
import { CPU_MODELS, type CpuModelInfo } from './cpu-models.js';
import { type ElfImage, parseElf64 } from './elf.js';
import { VmmError } from './errors.js';
import type { MachineExit } from './exit.js';
import { LPCR_AIL, LPCR_ILE, SPRN, vmmHcalls } from './hcalls.js';
import { FDT_MAX_SIZE, fdtAddress, type LoadedKernel, loadInitrd, loadKernel, rmaSize, rtasAddress } from './loader.js';
import { setGuestMsr } from './msr.js';
import { buildPseriesTree, hypertasFunctions, RTAS_ERROR_LOG_MAX, RTAS_ERROR_LOG_OFFSET } from './pseries-tree.js';
import { seededRandom } from './random.js';
import { HcallRouter } from './router.js';
import { RtasDispatcher, rtasBlob } from './rtas.js';
import { createRtasServices, createRtasState, type RtasHost, type RtasState } from './rtas-services.js';
import { M, SmpControl, VATTN, W } from './smp/control.js';
import { type SmpMachine, SmpRunner } from './smp/host.js';
import { Symbolizer } from './symbols.js';

export { seededRandom };

import { Vcpu } from './vcpu.js';
import {
  createVcpuCpu,
  defaultMmu,
  ENTRY_MSR_HI,
  ENTRY_MSR_LO,
  type MmuContext,
  type MmuFactory,
  PR_SHARED_PAGE,
  systemMmu,
} from './vcpu-cpu.js';

export { defaultMmu, type MmuContext, type MmuFactory, PR_SHARED_PAGE, systemMmu };

export const DEFAULT_RAM_SIZE = 512 * 2 ** 20;
/** pseries RAM comes in 256 MiB logical memory blocks (QEMU refuses other sizes). */
export const RAM_ALIGN = 256 * 2 ** 20;
/** First external interrupt sources: EPOW and hot-plug events (papr-notes A §3.2). */
export const EPOW_IRQ = 0x1000;
export const HOTPLUG_IRQ = 0x1001;
/** Instructions per run slice. */
export const DEFAULT_SLICE = 200_000;
/** Instructions per vCPU and turn when several vCPUs share the thread. */
export const SMP_SLICE = 20_000;
/** Most vCPUs a machine takes (XICS servers; QEMU's pseries allows more, nothing here needs it). */
export const MAX_VCPUS = 256;

/**
 * Deterministic mode (`-accel …,thread=single`): time-base ticks per executed instruction.
 * 4 ticks at 512 MHz make a virtual 128 MIPS per vCPU, near what the interpreter and JIT do.
 */
export const DETERMINISTIC_TICKS_PER_INSTRUCTION = 4;
/** Deterministic mode: the RTC at virtual time 0 (2024-01-01T00:00:00Z), ms since the epoch. */
export const DETERMINISTIC_EPOCH_MS = Date.UTC(2024, 0, 1);

/** What makes a machine deterministic ({@link MachineOptions.deterministic}). */
export interface DeterministicOptions {
  /** Seed of the generator behind H_RANDOM and rng-seed. Default 0. */
  readonly seed?: number;
  /** Time-base ticks per executed instruction. Default {@link DETERMINISTIC_TICKS_PER_INSTRUCTION}. */
  readonly ticksPerInstruction?: number;
  /** The RTC at virtual time 0, ms since the epoch. Default {@link DETERMINISTIC_EPOCH_MS}. */
  readonly epochMs?: number;
}

/** SMT width of a core: POWER7 has 4 threads, POWER8 and POWER9 8 (their user manuals). */
export function maxThreadsPerCore(model: CpuModelName): number {
  return model === 'power7' ? 4 : 8;
}

export interface MachineOptions {
  /** ELF kernel image (big- or little-endian ppc64). */
  readonly kernel: Uint8Array;
  readonly initrd?: Uint8Array;
  /** Kernel command line (/chosen/bootargs). */
  readonly cmdline?: string;
  /** Bytes of RAM, a multiple of 256 MiB. Default 512 MiB. */
  readonly ramSize?: number;
  readonly cpu?: CpuModelName;
  /** Number of vCPUs (hardware threads). Default 1. */
  readonly smp?: number;
  /**
   * Threads per core (a power of two, at most the model's SMT width; `smp` must be a multiple).
   * Default 1: every vCPU is a core of its own, as QEMU's pseries default.
   */
  readonly threads?: number;
  readonly accel?: 'hv' | 'pr';
  /**
   * 'multi': one `node:worker_threads` worker per vCPU over shared RAM, HPT and XICS (the
   * default with more than one vCPU); `run()` only. 'single': every vCPU takes turns on the
   * calling thread (the default with one vCPU, and what `deterministic`, `runFor`, a custom
   * `mmu` and the gdbstub need).
   */
  readonly thread?: 'single' | 'multi';
  /** The translator of each vCPU (default {@link systemMmu}); tests and tools may substitute their own. */
  readonly mmu?: MmuFactory;
  /** Where console (vty) output goes. */
  readonly console?: (bytes: Uint8Array) => void;
  /** NVRAM contents (e.g. from a file) and a write-back callback. */
  readonly nvram?: {
    readonly data?: Uint8Array;
    readonly onStore?: (data: Uint8Array, offset: number, length: number) => void;
  };
  /** Return a reboot as an exit instead of restarting (QEMU -no-reboot). */
  readonly noReboot?: boolean;
  readonly logger?: Logger;
  /** Wall clock for the RTC, ms since the epoch. Default Date.now. */
  readonly clock?: () => number;
  /** Time base in ticks (512 MHz). Default: host monotonic time. */
  readonly timebase?: () => number;
  /** Random bytes for H_RANDOM and rng-seed. Default: crypto.getRandomValues. */
  readonly random?: (bytes: Uint8Array) => void;
  /**
   * thread=multi: vCPU workers draw H_RANDOM from {@link seededRandom} streams of this seed (one
   * per vCPU) instead of the host's generator (`random` cannot cross to a worker).
   */
  readonly seed?: number;
  /** Instructions per slice of the run loop. */
  readonly slice?: number;
  /**
   * Deterministic execution (`-accel hv,thread=single`): the time base of every vCPU is one
   * machine-wide virtual time, the sum of all instructions executed times `ticksPerInstruction`
   * plus the ticks skipped while every vCPU idled (an idle machine jumps to the next
   * decrementer instead of sleeping); the RTC counts from `epochMs` on that time; random bytes
   * come from {@link seededRandom}; console input is dropped. Two runs with the same inputs then
   * execute the same instructions. Explicit `timebase`, `clock` and `random` options still win.
   */
  readonly deterministic?: DeterministicOptions;
  /**
   * The CPUs' block JIT (default: ppc-cpu's default). Off for `-d exec`, whose trace needs
   * every block start (compiled blocks chain without calling `onBlock`).
   */
  readonly jit?: boolean;
  /** Symbols for `-d exec` / `-d in_asm` and the monitor (default: read from the kernel ELF when needed). */
  readonly symbols?: Symbolizer;
}

/** One vCPU as {@link Machine.vcpuStatus} reports it. */
export interface VcpuStatus {
  readonly index: number;
  readonly state: 'running' | 'stopped';
  readonly halted: boolean;
  readonly pc: bigint;
  readonly instructions: number;
}

/** Why the run loop holds every vCPU stopped; it runs nothing while any hold is set. */
export type MachineHold = 'debugger' | 'monitor' | 'startup';

/** What a debugger attached to the machine ({@link Machine.debugListener}) hears from the run loop. */
export interface MachineDebugListener {
  /** vCPU `index` stopped at a code hook's request (StopReason 'breakpoint'); the 'debugger' hold is already set. */
  breakpoint(index: number): void;
  /** A reset replaced the vCPUs' Cpu objects: per-Cpu hooks must be installed again. */
  reset(): void;
  /** `run()` is about to return this exit. */
  exited(exit: MachineExit): void;
}

/** Addresses of what the machine put in RAM at the last reset. */
export interface BootLayout {
  readonly kernel: LoadedKernel;
  readonly initrd?: { readonly start: number; readonly end: number };
  readonly fdtAddress: number;
  readonly fdtSize: number;
  readonly rtasBase: number;
  readonly rtasSize: number;
}

/** Result of {@link Machine.runFor}. */
export type RunResult =
  | { readonly kind: 'exit'; readonly exit: MachineExit }
  /** Every vCPU is waiting for an interrupt or stopped. */
  | { readonly kind: 'idle' }
  /** A debugger or the monitor holds the vCPUs stopped. */
  | { readonly kind: 'held' }
  /** The instruction budget ran out. */
  | { readonly kind: 'budget' };

type StepResult = 'busy' | 'idle' | 'exit' | 'held';

export class Machine {
  readonly memory: GuestMemory;
  readonly model: CpuModelInfo;
  /** 'hv': the CPU emulates the hypervisor facilities; 'pr': the guest kernel runs in problem state. */
  readonly accel: 'hv' | 'pr';
  readonly logger: Logger;
  readonly xics: Xics;
  readonly vio: VioBus;
  readonly vty: VioVty;
  readonly nvram: VioNvram;
  readonly hpt: HashPageTable;
  readonly pageSizes: PageSizeTable;
  readonly hptHcalls: HptHcalls;
  readonly rtas: RtasDispatcher;
  readonly rtasState: RtasState;
  readonly router: HcallRouter;
  readonly vcpus: Vcpu[] = [];
  /** Hardware threads per core; vCPU i is thread i % threads of core floor(i / threads). */
  readonly threads: number;
  /** The device tree of the last reset. */
  fdt: Uint8Array = new Uint8Array(0);
  boot!: BootLayout;
  /** Resets done (reboots). */
  resets = 0;
  /** The debugger attached to the run loop (gdbstub), if any. */
  debugListener: MachineDebugListener | undefined;
  /** Where the vCPUs run: all on this thread, or one worker each (MachineOptions.thread). */
  readonly threadMode: 'single' | 'multi';
  /** thread=multi: the workers' runner (its control block and CPU domain). */
  private readonly smp: SmpRunner | undefined;
  /**
   * thread=single with several vCPUs: their CpuDomain, for coherent decoded code (a store by
   * one vCPU drops what another decoded). TLBs are flushed directly (flushTlbs), not shot down.
   */
  private readonly localDomain: CpuDomain | undefined;

  private readonly opts: MachineOptions;
  private readonly elf: ElfImage;
  private readonly rtasBase: number;
  private readonly rtasSize: number;
  private readonly random: (bytes: Uint8Array) => void;
  /** Deterministic mode: ticks per instruction of the virtual time base (undefined: host time). */
  private readonly ticksPerInstruction: number | undefined;
  /** Instructions of Cpu objects a reset replaced, per vCPU (a Cpu's icount starts at 0). */
  private readonly retired: number[] = [];
  private retiredTotal = 0;
  /** Deterministic mode: ticks the virtual time base jumped while every vCPU idled. */
  private idleTicks = 0;
  private readonly slice: number;
  private pendingExit: MachineExit | undefined;
  private kicked = false;
  private wake: (() => void) | undefined;
  private readonly holds = new Set<MachineHold>();
  private symbolsCache: Symbolizer | undefined;

  constructor(options: MachineOptions) {
    this.opts = options;
    const ramSize = options.ramSize ?? DEFAULT_RAM_SIZE;
    if (!Number.isSafeInteger(ramSize) || ramSize < RAM_ALIGN || ramSize % RAM_ALIGN !== 0) {
      throw new VmmError(`RAM size ${ramSize} is not a positive multiple of 256 MiB`);
    }
    const smp = options.smp ?? 1;
    if (!Number.isSafeInteger(smp) || smp < 1 || smp > MAX_VCPUS) {
      throw new VmmError(`-smp ${smp}: the number of vCPUs must be 1 to ${MAX_VCPUS}`);
    }
    this.accel = options.accel ?? 'hv';
    if (this.accel !== 'hv' && this.accel !== 'pr') throw new VmmError(`unknown accelerator ${this.accel}`);
    this.model = CPU_MODELS[options.cpu ?? 'power8'];
    if (!this.model) throw new VmmError(`unknown CPU model ${options.cpu}`);
    const threads = options.threads ?? 1;
    const maxThreads = maxThreadsPerCore(this.model.name);
    if (!Number.isSafeInteger(threads) || threads < 1 || threads > maxThreads || (threads & (threads - 1)) !== 0) {
      throw new VmmError(
        `threads=${threads}: ${this.model.name} cores have a power of two threads, at most ${maxThreads}`,
      );
    }
    if (smp % threads !== 0) throw new VmmError(`-smp ${smp} is not a multiple of threads=${threads}`);
    this.threads = threads;
    this.logger = options.logger ?? nullLogger;
    const det = options.deterministic;
    if (det) {
      const tpi = det.ticksPerInstruction ?? DETERMINISTIC_TICKS_PER_INSTRUCTION;
      if (!Number.isSafeInteger(tpi) || tpi < 1) throw new VmmError(`ticks per instruction ${tpi}: a positive integer`);
      this.ticksPerInstruction = tpi;
    }
    this.random = options.random ?? (det ? seededRandom(det.seed ?? 0) : (b) => crypto.getRandomValues(b));
    this.threadMode = options.thread ?? (smp > 1 && !det && !options.mmu && !options.timebase ? 'multi' : 'single');
    if (this.threadMode !== 'single' && this.threadMode !== 'multi') {
      throw new VmmError(`thread=${String(this.threadMode)}: single or multi`);
    }
    if (this.threadMode === 'multi') {
      if (det) throw new VmmError('a deterministic run needs thread=single (one thread for every vCPU)');
      if (options.mmu) throw new VmmError('a custom MMU factory needs thread=single (it cannot cross to workers)');
      if (options.timebase) throw new VmmError('a custom time base needs thread=single (it cannot cross to workers)');
    }
    // Several vCPUs take turns on one thread: shorter slices keep spinning waits (IPIs, locks) short.
    this.slice = options.slice ?? (smp > 1 ? SMP_SLICE : DEFAULT_SLICE);
    this.elf = parseElf64(options.kernel);
    this.symbolsCache = options.symbols;

    try {
      // PR mode keeps the vCPUs' shared pages after guest RAM, out of the guest's reach.
      this.memory = GuestMemoryClass.allocate(ramSize, { extra: this.accel === 'pr' ? PR_SHARED_PAGE * smp : 0 });
    } catch (cause) {
      throw new VmmError(`cannot allocate ${ramSize / 2 ** 20} MiB of guest RAM`, { cause });
    }
    if (this.threadMode === 'multi') {
      if (!(this.memory.buffer instanceof SharedArrayBuffer)) throw new VmmError('thread=multi needs shared guest RAM');
      this.smp = new SmpRunner(
        this.smpMachine(),
        SmpControl.create(smp),
        CpuDomain.create({ ramBytes: this.memory.buffer.byteLength, cpus: smp }),
      );
    }
    this.localDomain =
      this.threadMode === 'single' && smp > 1
        ? CpuDomain.create({ ramBytes: this.memory.buffer.byteLength, cpus: smp })
        : undefined;
    this.rtasBase = rtasAddress(ramSize);
    // Blob, the FWNMI error log at 0x30, then one 16-byte system-reset save area per vCPU.
    this.rtasSize = RTAS_ERROR_LOG_OFFSET + RTAS_ERROR_LOG_MAX + 16 * smp;

    this.xics = Xics.create({
      nrServers: smp,
      logger: this.logger,
      setExternalPending: (server, level) => {
        if (this.smp) {
          // The vCPU reads the level from XICS itself (see the worker's postExternal).
          if (server >= 0 && server < this.smp.control.vcpus) this.smp.domain.post(server, VATTN.EXT);
          return;
        }
        this.vcpus[server]?.cpu.setExternalInterrupt(level);
        if (level) this.kick();
      },
    });
    this.xics.claim(EPOW_IRQ, 'msi');
    this.xics.claim(HOTPLUG_IRQ, 'msi');

    this.vio = new VioBus({ claimIrq: (irq) => this.xics.claim(irq, 'msi'), logger: this.logger });
    this.vty = new VioVty({ sink: options.console ?? (() => {}) });
    this.vio.add(this.vty);
    const onStore = options.nvram?.onStore;
    this.nvram = new VioNvram({
      data: options.nvram?.data,
      onStore: onStore ? (offset, length) => onStore(this.nvram.data, offset, length) : undefined,
    });
    this.vio.add(this.nvram);

    this.pageSizes = new PageSizeTable(PSERIES_DEFAULT_PAGE_SIZES);
    this.hpt = HashPageTable.create(defaultHptShift(ramSize));
    this.hptHcalls = createHptHcalls({
      hpt: this.hpt,
      pageSizes: this.pageSizes,
      log: this.mmuLogger(),
      isRam: (hi, lo) => hi * 2 ** 32 + (lo >>> 0) < ramSize,
      onInvalidate: {
        invalidateHpte: () => this.flushTlbs(),
        invalidateAll: () => this.flushTlbs(),
      },
    });

    this.rtasState = createRtasState();
    this.rtas = new RtasDispatcher(this.memory, this.logger, (a, l) => this.onRamWrite(a, l));
    for (const s of createRtasServices(
      this.rtasHost(),
      this.rtasState,
      xicsRtasCalls(this.xics, { logger: this.logger }),
    )) {
      this.rtas.register(s);
    }

    for (let i = 0; i < smp; i++) this.retired.push(0);
    for (let i = 0; i < smp; i++) {
      this.vcpus.push(new Vcpu(i, this.makeCpu(i), i === 0 ? 'running' : 'stopped', () => this.kick()));
    }

    const timebase = this.timebaseSource();
    this.router = new HcallRouter(
      [
        xicsHcalls(this.xics, {
          logger: this.logger,
          timebase: timebase ? () => BigInt(Math.floor(timebase())) : undefined,
        }),
        this.logger.enabled('mmu') ? this.tracedMmuHcalls(this.hptTable()) : this.hptTable(),
        vioHcalls(this.vio),
        vmmHcalls({
          memory: this.memory,
          logger: this.logger,
          model: this.model,
          vcpus: this.vcpus,
          cpuOf: (i) => this.vcpus[i]!.cpu,
          rtas: this.rtas,
          fwnmiSystemReset: () => this.rtasState.fwnmiSystemReset,
          rtasBase: this.rtasBase,
          random: this.random,
          onRamWrite: (a, l) => this.onRamWrite(a, l),
        }),
      ],
      this.logger,
    );
    this.reset(false);
  }

  /** The page-table hcalls; resizing swaps the HPT storage, which vCPU workers could not follow. */
  private hptTable(): HcallTable {
    const t = this.hptHcalls.table;
    if (this.threadMode === 'single') return t;
    return { ...t, entries: t.entries.filter((e) => !e.name.startsWith('H_RESIZE_HPT')) };
  }

  /** What the thread=multi runner needs (./smp/host.ts). */
  private smpMachine(): SmpMachine {
    const self = this;
    const o = this.opts;
    return {
      vcpus: o.smp ?? 1,
      threads: o.threads ?? 1,
      model: this.model.name,
      accel: this.accel,
      ramSize: this.memory.size,
      ram: this.memory.buffer as SharedArrayBuffer,
      get xics() {
        return self.xics.buffer;
      },
      get rtasBase() {
        return self.rtasBase;
      },
      get vtyReg() {
        return self.vty.reg ?? 0;
      },
      logger: this.logger,
      jit: o.jit,
      slice: o.slice ?? DEFAULT_SLICE,
      kernel: o.kernel,
      noReboot: o.noReboot ?? false,
      seed: o.seed,
      hptStorage: () => this.hpt.storage,
      bootEntry: () => {
        const cpu = this.vcpus[0]!.cpu;
        return { pc: cpu.pcBig(), r3: cpu.getGpr(3), r4: cpu.getGpr(4) };
      },
      hcall: (opcode, r3, args) => this.router.call(args, opcode, () => r3),
      afterExit: () => Atomics.store(this.smp!.control.m, M.FWNMI, this.rtasState.fwnmiSystemReset),
      console: (bytes) => this.vty.putChars(bytes),
      takeExit: () => {
        const e = this.pendingExit;
        this.pendingExit = undefined;
        return e;
      },
      reset: () => this.reset(),
    };
  }

  /**
   * The time base every vCPU reads: `timebase` if given, else the deterministic virtual time,
   * else undefined (the Cpu's host clock).
   */
  private timebaseSource(): (() => number) | undefined {
    if (this.opts.timebase) return this.opts.timebase;
    if (this.ticksPerInstruction !== undefined) return () => this.virtualTicks();
    return undefined;
  }

  /**
   * Deterministic mode's time base: all instructions executed so far (every vCPU, across resets)
   * times the ticks per instruction, plus idle jumps. It only grows, and depends on nothing but
   * the guest's execution. A Cpu adds its icount at the end of a slice, so within a slice the
   * time base stands still; the next slice catches up.
   */
  virtualTicks(): number {
    let n = this.retiredTotal;
    for (const v of this.vcpus) n += v.cpu.icount;
    return n * (this.ticksPerInstruction ?? DETERMINISTIC_TICKS_PER_INSTRUCTION) + this.idleTicks;
  }

  /** The machine runs deterministically (`deterministic` option, `-accel …,thread=single`). */
  get deterministic(): boolean {
    return this.ticksPerInstruction !== undefined;
  }

  /**
   * Each vCPU's run state, halted (ceded or napping) flag and PC. With vCPU workers these are
   * what each worker last published (at the end of its last slice, or when it went to sleep).
   */
  vcpuStatus(): VcpuStatus[] {
    const smp = this.smp;
    if (smp) {
      const c = smp.control;
      const counts = smp.instructionCounts();
      return this.vcpus.map((v) => ({
        index: v.index,
        state: c.load(v.index, W.STATE) === 1 ? 'running' : 'stopped',
        halted: c.load(v.index, W.HALTED) === 1,
        pc: c.get64(v.index, W.PC_LO),
        instructions: counts[v.index]!,
      }));
    }
    const counts = this.instructionCounts();
    return this.vcpus.map((v) => ({
      index: v.index,
      state: v.state,
      halted: v.cpu.halted,
      pc: v.cpu.pcBig(),
      instructions: counts[v.index]!,
    }));
  }

  /** Instructions each vCPU has executed since the machine was built (resets included). */
  instructionCounts(): number[] {
    if (this.smp) return this.smp.instructionCounts();
    return this.vcpus.map((v) => this.retired[v.index]! + v.cpu.icount);
  }

  get ramSize(): number {
    return this.memory.size;
  }

  /** The kernel's ELF symbols (read on first use; none for a stripped kernel). */
  get symbols(): Symbolizer {
    this.symbolsCache ??= Symbolizer.fromElf(this.opts.kernel);
    return this.symbolsCache;
  }

  // ---- -d mmu ----------------------------------------------------------------------------------

  /** The HPT hcalls' own notes and argument errors also go to `-d mmu`. */
  private mmuLogger(): Logger {
    const base = this.logger;
    if (!base.enabled('mmu')) return base;
    const alsoMmu = (c: LogCategory) => c === 'hcall' || c === 'guest_errors';
    return {
      enabled: (c) => base.enabled(c) || alsoMmu(c),
      log: (c, m) => {
        if (base.enabled(c)) base.log(c, m);
        if (alsoMmu(c)) base.log('mmu', m);
      },
    };
  }

  /** The page-table hcalls with each call, its arguments, result and first output logged under `-d mmu`. */
  private tracedMmuHcalls(table: HcallTable): HcallTable {
    return {
      owner: table.owner,
      entries: table.entries.map((e) => ({
        ...e,
        handler: (args) => {
          const a = [0, 1, 2, 3].map((i) => `0x${args.arg(i).toString(16)}`).join(', ');
          const rc = e.handler(args);
          const r4 = this.vcpus[args.cpuIndex]?.cpu.getGpr(4) ?? 0n;
          this.logger.log('mmu', `cpu ${args.cpuIndex} ${e.name}(${a}) -> ${rc} r4=0x${r4.toString(16)}`);
          return rc;
        },
      })),
    };
  }

  // ---- construction helpers -------------------------------------------------------------------

  private makeCpu(index: number): Cpu {
    return createVcpuCpu({
      index,
      threads: this.threads,
      model: this.model,
      accel: this.accel,
      memory: this.memory,
      hpt: this.hpt,
      pageSizes: this.pageSizes,
      mmu: this.opts.mmu ?? defaultMmu,
      hooks: {
        hypercall: () => this.router.dispatch(this.vcpus[index]!.hcallArgs),
        doorbell: (_c, kind, target) => this.doorbell(index, kind, target),
        // A deterministic run (or -seed) gives darn the seeded numbers H_RANDOM uses.
        ...(this.deterministic || this.opts.seed !== undefined ? { random: (b: Uint8Array) => this.random(b) } : {}),
      },
      logger: this.logger,
      symbols: () => this.symbols,
      jit: this.opts.jit,
      timebase: this.timebaseSource(),
      ...(this.localDomain ? { domain: this.localDomain } : {}),
    });
  }

  /** The RTC's clock: host wall time, or in deterministic mode the epoch plus virtual time. */
  private clockSource(): () => number {
    const det = this.opts.deterministic;
    if (!det) return () => Date.now();
    const epoch = det.epochMs ?? DETERMINISTIC_EPOCH_MS;
    return () => epoch + Math.floor(this.virtualTicks() / 512_000);
  }

  private rtasHost(): RtasHost {
    return {
      logger: this.logger,
      ramSize: this.memory.size,
      rmaSize: rmaSize(this.memory.size),
      maxCpus: this.opts.smp ?? 1,
      nrCpus: this.opts.smp ?? 1,
      nvram: this.nvram,
      now: this.opts.clock ?? this.clockSource(),
      consoleWrite: (bytes) => {
        this.vty.putChars(bytes);
        return true;
      },
      cpuRunning: (id) => {
        if (this.smp)
          return id >= 0 && id < this.smp.control.vcpus ? this.smp.control.load(id, W.STATE) === 1 : undefined;
        const v = this.vcpus[id];
        return v ? v.state === 'running' : undefined;
      },
      startCpu: (id, start, r3, caller) => this.startCpu(id, start, r3, caller),
      stopSelf: (i) => this.stopSelf(i),
      requestExit: (i, exit) => this.requestExit(exit, i),
      onRamWrite: (a, l) => this.onRamWrite(a, l),
    };
  }

  // ---- reset and boot -------------------------------------------------------------------------

  /** Machine reset: clear RAM, reload kernel/initrd, rebuild the device tree, restart CPU 0 at the kernel. */
  reset(countIt = true): void {
    const mem = this.memory;
    if (countIt) {
      this.resets++;
      // A fresh allocation is already zero; a reboot starts from clean RAM too.
      mem.u8.fill(0);
    }
    this.xics.reset();
    this.vio.reset();
    const fresh = allocateHptStorage(defaultHptShift(mem.size));
    this.hpt.adopt(fresh);
    Object.assign(this.rtasState, createRtasState());
    this.pendingExit = undefined;

    const fdtAddr = fdtAddress(mem.size);
    const kernel = loadKernel(mem, this.elf, fdtAddr);
    const initrd = this.opts.initrd ? loadInitrd(mem, kernel, this.opts.initrd, fdtAddr) : undefined;
    mem.write(this.rtasBase, rtasBlob());

    const seed = new Uint8Array(32);
    this.random(seed);
    const memReserve = [
      { address: kernel.base, size: kernel.size },
      ...(initrd && initrd.end > initrd.start ? [{ address: initrd.start, size: initrd.end - initrd.start }] : []),
      { address: this.rtasBase, size: this.rtasSize },
    ];
    const tree = buildPseriesTree({
      ramSize: mem.size,
      model: this.model,
      nrCpus: this.vcpus.length,
      threadsPerCore: this.threads,
      hptShift: this.hpt.shift,
      pageSizes: this.pageSizes.sizes,
      bootargs: this.opts.cmdline ?? '',
      initrd,
      rtas: {
        base: this.rtasBase,
        size: this.rtasSize,
        tokens: this.rtas.services.map((s) => ({ name: s.name, token: s.token })),
      },
      hypertasFunctions: hypertasFunctions((op) => this.router.has(op)),
      interruptController: xicsFdtNode({ nrServers: this.vcpus.length, phandle: 0x1111 }),
      vdevice: this.vio.vdeviceNode(),
      stdoutPath: this.vio.pathOf(this.vty),
      eventIrqs: { epow: EPOW_IRQ, hotplug: HOTPLUG_IRQ },
      memReserve,
      rngSeed: seed,
      randomSource: this.router.has(0x300),
      kvmParavirt: this.accel === 'pr',
    });
    const blob = tree.toBlob();
    if (blob.length > FDT_MAX_SIZE)
      throw new VmmError(`device tree is ${blob.length} bytes, more than ${FDT_MAX_SIZE}`);
    mem.write(fdtAddr, blob);
    this.fdt = blob;
    this.boot = {
      kernel,
      initrd,
      fdtAddress: fdtAddr,
      fdtSize: blob.length,
      rtasBase: this.rtasBase,
      rtasSize: this.rtasSize,
    };

    // Fresh Cpu objects: forget the old ones' decoded-code marks and posts.
    this.localDomain?.reset();
    for (const v of this.vcpus) {
      // Keep the counts (and so the virtual time base) going across the new Cpu objects.
      this.retired[v.index]! += v.cpu.icount;
      this.retiredTotal += v.cpu.icount;
      v.replaceCpu(this.makeCpu(v.index), v.index === 0 ? 'running' : 'stopped');
    }
    // Direct (kexec-style) entry, ARCHITECTURE.md §6: r3 = FDT, r4 = kernel base, r5 = 0 (no OF client interface).
    const boot = this.vcpus[0]!.cpu;
    boot.s[layout.PC] = kernel.entry | 0;
    boot.s[layout.PC + 1] = 0;
    boot.setGpr(3, BigInt(fdtAddr));
    boot.setGpr(4, BigInt(kernel.base));
    boot.setGpr(5, 0n);
    this.debugListener?.reset();
    this.kick();
  }

  // ---- effects the hcalls and RTAS ask for ------------------------------------------------------

  private startCpu(id: number, start: number, r3: number, caller: number): void {
    const smp = this.smp;
    if (smp) {
      // The target's worker enters at its next look at its attention word (it sleeps until then).
      const c = smp.control;
      c.set64(id, W.START_PC_LO, BigInt(start));
      c.set64(id, W.START_R3_LO, BigInt(r3));
      c.store(id, W.START_BOOT, 0);
      c.set64(id, W.START_LPCR_LO, c.get64(caller, W.MB_LPCR_LO));
      c.store(id, W.STATE, 1);
      smp.domain.post(id, VATTN.START);
      return;
    }
    const v = this.vcpus[id]!;
    const from = this.vcpus[caller]!.cpu;
    const cpu = v.cpu;
    setGuestMsr(cpu, ENTRY_MSR_HI, ENTRY_MSR_LO);
    cpu.s[layout.PC] = start | 0;
    cpu.s[layout.PC + 1] = 0;
    cpu.setGpr(3, BigInt(r3));
    // The new thread takes interrupts like its siblings: copy LPCR[ILE] and [AIL] (QEMU rtas_start_cpu).
    const mask = LPCR_ILE | LPCR_AIL;
    cpu.setSpr(SPRN.LPCR, (cpu.getSpr(SPRN.LPCR) & ~mask) | (from.getSpr(SPRN.LPCR) & mask));
    cpu.halted = false;
    v.state = 'running';
    this.kick();
  }

  /**
   * msgsndp / msgsnd from vCPU `from` (Book III-S §5.9.2): a privileged doorbell names a thread
   * of the sender's core, a hypervisor one a PIR. Targets that do not exist are ignored, as
   * the hardware drops them.
   */
  private doorbell(from: number, kind: 'privileged' | 'hypervisor', target: number): void {
    let t: Vcpu | undefined;
    if (kind === 'privileged') {
      if (target >= this.threads) return;
      t = this.vcpus[from - (from % this.threads) + target];
      t?.cpu.setDoorbell(true);
    } else {
      t = this.vcpus[target];
      t?.cpu.setHDoorbell(true);
    }
    if (t) this.kick();
  }

  private stopSelf(index: number): void {
    if (this.smp) {
      // The caller waits on its mailbox: it stops itself when it sees the answer.
      this.smp.control.store(index, W.STATE, 0);
      this.smp.control.store(index, W.STOP_SELF, 1);
      return;
    }
    const v = this.vcpus[index]!;
    v.state = 'stopped';
    // QEMU clears the MSR so no decrementer can wake the stopped thread.
    setGuestMsr(v.cpu, 0, 0);
    v.cpu.requestStop({ kind: 'requested', reason: 'stop-self' });
  }

  /** End the run with `exit` (the first reason wins). */
  requestExit(exit: MachineExit, fromCpu?: number): void {
    this.pendingExit ??= exit;
    if (fromCpu !== undefined) this.vcpus[fromCpu]?.cpu.requestStop({ kind: 'requested', reason: exit.kind });
    this.kick();
  }

  /**
   * Reset the machine as the monitor's `system_reset` does: at once with every vCPU on this
   * thread; with vCPU workers, they are stopped first and fresh ones started after the reset.
   */
  systemReset(): void {
    if (this.smp) this.smp.requestReset();
    else this.reset();
  }

  /** Ask a running machine to stop (Ctrl-A x): `run()` resolves with `{ kind: 'quit' }`. */
  quit(): void {
    this.requestExit({ kind: 'quit' });
  }

  /** Host input for the console (keyboard, pipe). */
  consoleInput(bytes: Uint8Array): void {
    // Host input arrives at host-timed moments: a deterministic run cannot take it.
    if (this.deterministic) return;
    this.vty.receive(bytes);
  }

  private onRamWrite(address: number, length: number): void {
    if (this.smp) {
      this.smp.domain.invalidateRange(address, length);
      return;
    }
    for (const v of this.vcpus) v.cpu.invalidateCode(address, length);
  }

  private flushTlbs(): void {
    for (const v of this.vcpus) v.cpu.flushTlb();
  }

  // ---- holds (debugger, monitor, -S) ----------------------------------------------------------

  /** Stop running the vCPUs (from the next slice on) until `release(reason)`. */
  hold(reason: MachineHold): void {
    this.holds.add(reason);
    this.smp?.hold(true);
  }

  /** Drop a hold; the loop runs again once no hold is left. */
  release(reason: MachineHold): void {
    if (this.holds.delete(reason) && this.holds.size === 0) {
      this.smp?.hold(false);
      this.kick();
    }
  }

  /** The holds in force (empty while the vCPUs run). */
  get holdReasons(): ReadonlySet<MachineHold> {
    return this.holds;
  }

  /** An exit is requested and `run()` has not returned it yet. */
  get exitPending(): boolean {
    return this.pendingExit !== undefined;
  }

  /**
   * One instruction on vCPU `index`, for a debugger's single step, with the run loop's
   * handling of what it causes (hcalls, RTAS, exits). Asynchronous interrupts are not taken
   * (QEMU's default gdb step); a halted vCPU instead wakes if an interrupt is pending. Returns
   * 'stop' when the CPU asked to stop (a code hook, an exit), 'none' when nothing ran.
   */
  stepVcpu(index: number): 'stepped' | 'stop' | 'none' {
    this.needSingle('stepVcpu');
    const v = this.vcpus[index];
    if (v?.state !== 'running') return 'none';
    const cpu = v.cpu;
    if (cpu.halted) {
      const before = cpu.icount;
      this.runVcpu(v, 1);
      return cpu.icount !== before ? 'stepped' : 'none';
    }
    let r: 'traced' | 'interrupt' | 'stop';
    try {
      r = cpu.stepOne();
    } catch (e) {
      this.fail(`internal error on cpu ${v.index}: ${e instanceof Error ? e.message : String(e)}`);
      return 'stop';
    }
    cpu.pending &= ~PENDING.HDECREMENTER;
    return r === 'stop' ? 'stop' : 'stepped';
  }

  /** Something may have become runnable: wake a sleeping run loop. */
  kick(): void {
    this.smp?.kick();
    this.kicked = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  // ---- the run loop ---------------------------------------------------------------------------

  /** What works only with every vCPU on this thread. */
  private needSingle(what: string): void {
    if (this.smp) throw new VmmError(`${what} needs thread=single (the vCPUs run in worker threads)`);
  }

  private fail(message: string): void {
    this.requestExit({ kind: 'error', message });
  }

  private runVcpu(v: Vcpu, budget: number): 'busy' | 'idle' {
    const cpu = v.cpu;
    let stop: StopReason;
    try {
      stop = cpu.run(budget);
    } catch (e) {
      this.fail(`internal error on cpu ${v.index}: ${e instanceof Error ? e.message : String(e)}`);
      return 'busy';
    }
    // A virtual-hypervisor partition has no hypervisor decrementer, but the CPU model raises its
    // pending bit when HDEC counts down; it can never be delivered here, so drop it or idle
    // vCPUs would never sleep.
    cpu.pending &= ~PENDING.HDECREMENTER;
    switch (stop.kind) {
      case 'budget':
      case 'requested':
        return 'busy';
      case 'breakpoint':
        // A code hook (gdb breakpoint or watchpoint) stopped the vCPU before an instruction.
        if (this.debugListener) {
          this.holds.add('debugger');
          this.debugListener.breakpoint(v.index);
        }
        return 'busy';
      case 'halted':
        return cpu.halted ? 'idle' : 'busy';
      case 'illegal':
        // An undecodable word: in system mode that is a program interrupt (illegal instruction).
        if (this.logger.enabled('guest_errors')) {
          this.logger.log(
            'guest_errors',
            `cpu ${v.index}: illegal instruction 0x${(stop.word >>> 0).toString(16)} at 0x${stop.pc.toString(16)}`,
          );
        }
        cpu.illegalInstruction();
        return 'busy';
      case 'unimplemented':
        this.fail(
          `cpu ${v.index}: instruction ${stop.mnemonic} (0x${(stop.word >>> 0).toString(16).padStart(8, '0')}) at 0x${stop.pc.toString(16)} is not implemented`,
        );
        return 'busy';
      default:
        this.fail(`cpu ${v.index}: unexpected CPU stop '${stop.kind}' in system mode`);
        return 'busy';
    }
  }

  private step(budget: number): StepResult {
    if (this.pendingExit) return 'exit';
    if (this.holds.size > 0) return 'held';
    let busy = false;
    for (const v of this.vcpus) {
      if (v.state !== 'running') continue;
      if (this.runVcpu(v, budget) === 'busy') busy = true;
      if (this.pendingExit) return 'exit';
      if (this.holds.size > 0) return 'held';
    }
    return busy ? 'busy' : 'idle';
  }

  /** Ticks until the next decrementer of a running vCPU (Infinity when none is due). */
  private idleTicksToTimer(): number {
    let ticks = Number.POSITIVE_INFINITY;
    for (const v of this.vcpus) if (v.state === 'running') ticks = Math.min(ticks, v.cpu.ticksUntilTimer());
    return ticks;
  }

  /** Milliseconds until the next decrementer of a running vCPU (Infinity when none is due). */
  private idleMs(): number {
    let ticks = Number.POSITIVE_INFINITY;
    for (const v of this.vcpus) if (v.state === 'running') ticks = Math.min(ticks, v.cpu.ticksUntilTimer());
    return ticks / 512_000;
  }

  private takeExit(): MachineExit {
    const exit = this.pendingExit!;
    this.pendingExit = undefined;
    return exit;
  }

  /**
   * Run until the machine exits. A guest reboot restarts the machine unless
   * `noReboot` was given. Never rejects for guest behaviour; emulation
   * failures resolve as `{ kind: 'error' }`.
   */
  async run(): Promise<MachineExit> {
    if (this.smp) {
      const exit = await this.smp.run();
      this.debugListener?.exited(exit);
      return exit;
    }
    let lastYield = performance.now();
    for (;;) {
      this.kicked = false;
      const r = this.step(this.slice);
      if (r === 'exit') {
        const exit = this.takeExit();
        if (exit.kind === 'reboot' && !this.opts.noReboot) {
          this.reset();
          continue;
        }
        this.debugListener?.exited(exit);
        return exit;
      }
      if (r === 'held') {
        // Nothing runs until a release or an exit request kicks the loop.
        await this.sleep(Number.POSITIVE_INFINITY);
        lastYield = performance.now();
      } else if (r === 'idle' && this.deterministic) {
        // Every vCPU waits: jump virtual time to the next decrementer instead of sleeping, so
        // the guest sees no host time. Nothing due: only the host (quit, gdb) can wake us.
        const ticks = this.idleTicksToTimer();
        if (Number.isFinite(ticks)) this.idleTicks += Math.max(1, ticks);
        else await this.sleep(Number.POSITIVE_INFINITY);
        if (performance.now() - lastYield > 20) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          lastYield = performance.now();
        }
      } else if (r === 'idle') {
        await this.sleep(this.idleMs());
        lastYield = performance.now();
      } else if (performance.now() - lastYield > 20) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.kicked || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      // setTimeout takes at most 2^31-1 ms; a machine with nothing due sleeps until kicked.
      const timer = Number.isFinite(ms) ? setTimeout(() => done(), Math.min(Math.ceil(ms), 0x7fffffff)) : undefined;
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
    });
  }

  /**
   * Run synchronously for at most `maxInstructions` (per vCPU, in slices), for
   * tests and tools: returns at an exit, when every vCPU is idle, or when the
   * budget is spent. Reboots restart the machine as in `run()`.
   */
  runFor(maxInstructions: number): RunResult {
    this.needSingle('runFor');
    const executed = () => this.vcpus.reduce((n, v) => n + v.cpu.icount, 0);
    let left = maxInstructions;
    while (left > 0) {
      const budget = Math.min(left, this.slice);
      const before = executed();
      const r = this.step(budget);
      if (r === 'exit') {
        const exit = this.takeExit();
        if (exit.kind === 'reboot' && !this.opts.noReboot) {
          this.reset();
          continue;
        }
        return { kind: 'exit', exit };
      }
      if (r === 'idle') return { kind: 'idle' };
      if (r === 'held') return { kind: 'held' };
      // Count at least one per step so a vCPU that keeps stopping early still ends the loop.
      left -= Math.max(1, executed() - before);
    }
    return { kind: 'budget' };
  }
}
