/**
 * The pseries machine: guest RAM, vCPUs, XICS, the VIO bus with vty and
 * NVRAM, the HPT and its hcalls, RTAS, the device tree, and the run loop.
 *
 * One vCPU for now (SMP is a later issue); every per-CPU structure is already
 * an array indexed by vCPU number and the run loop goes round all running
 * vCPUs, so more threads fit in without reshaping anything. The loop runs on
 * the calling thread in slices of `Cpu.run(budget)` and yields to the event
 * loop between slices (console input arrives there); an idle machine sleeps
 * until the next decrementer or an interrupt (ARCHITECTURE.md §3).
 */

import {
  allocateHptStorage,
  createHptHcalls,
  defaultHptShift,
  HashMmu,
  HashPageTable,
  type HptHcalls,
  PageSizeTable,
  PSERIES_DEFAULT_PAGE_SIZES,
  Slb,
} from '@ppcvm/hpt-mmu';
import { type GuestMemory, GuestMemory as GuestMemoryClass, type Logger, nullLogger } from '@ppcvm/machine-core';
import {
  type AddressTranslator,
  Cpu,
  type CpuModelName,
  layout,
  PENDING,
  PrMode,
  type StopReason,
  SystemMmu,
} from '@ppcvm/ppc-cpu';
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
import { HcallRouter } from './router.js';
import { RtasDispatcher, rtasBlob } from './rtas.js';
import { createRtasServices, createRtasState, type RtasHost, type RtasState } from './rtas-services.js';
import { Vcpu } from './vcpu.js';

export const DEFAULT_RAM_SIZE = 512 * 2 ** 20;
/** pseries RAM comes in 256 MiB logical memory blocks (QEMU refuses other sizes). */
export const RAM_ALIGN = 256 * 2 ** 20;
/** First external interrupt sources: EPOW and hot-plug events (papr-notes A §3.2). */
export const EPOW_IRQ = 0x1000;
export const HOTPLUG_IRQ = 0x1001;
/** Instructions per run slice. */
export const DEFAULT_SLICE = 200_000;
/** PR mode: host-only bytes per vCPU after guest RAM, for its shared ("magic") page. */
export const PR_SHARED_PAGE = 4096;

/** MSR at kernel entry: 64-bit, machine check enabled, real mode, big-endian, EE=0 (QEMU start-cpu / kexec). */
const ENTRY_MSR_HI = 0x80000000 | 0;
const ENTRY_MSR_LO = 1 << 12;
/** LPCR[LPES0|LPES1]: external interrupts go to the partition (QEMU spapr_cpu_reset). */
const LPCR_LPES = 0xcn;

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

export interface MachineOptions {
  /** ELF kernel image (big- or little-endian ppc64). */
  readonly kernel: Uint8Array;
  readonly initrd?: Uint8Array;
  /** Kernel command line (/chosen/bootargs). */
  readonly cmdline?: string;
  /** Bytes of RAM, a multiple of 256 MiB. Default 512 MiB. */
  readonly ramSize?: number;
  readonly cpu?: CpuModelName;
  /** Number of vCPUs (only 1 for now). */
  readonly smp?: number;
  readonly accel?: 'hv' | 'pr';
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
  /** Instructions per slice of the run loop. */
  readonly slice?: number;
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
  /** The instruction budget ran out. */
  | { readonly kind: 'budget' };

type StepResult = 'busy' | 'idle' | 'exit';

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
  /** The device tree of the last reset. */
  fdt: Uint8Array = new Uint8Array(0);
  boot!: BootLayout;
  /** Resets done (reboots). */
  resets = 0;

  private readonly opts: MachineOptions;
  private readonly elf: ElfImage;
  private readonly rtasBase: number;
  private readonly rtasSize: number;
  private readonly random: (bytes: Uint8Array) => void;
  private readonly slice: number;
  private pendingExit: MachineExit | undefined;
  private kicked = false;
  private wake: (() => void) | undefined;

  constructor(options: MachineOptions) {
    this.opts = options;
    const ramSize = options.ramSize ?? DEFAULT_RAM_SIZE;
    if (!Number.isSafeInteger(ramSize) || ramSize < RAM_ALIGN || ramSize % RAM_ALIGN !== 0) {
      throw new VmmError(`RAM size ${ramSize} is not a positive multiple of 256 MiB`);
    }
    const smp = options.smp ?? 1;
    if (smp !== 1) throw new VmmError(`-smp ${smp}: more than one vCPU is not implemented yet`);
    this.accel = options.accel ?? 'hv';
    if (this.accel !== 'hv' && this.accel !== 'pr') throw new VmmError(`unknown accelerator ${this.accel}`);
    this.model = CPU_MODELS[options.cpu ?? 'power8'];
    if (!this.model) throw new VmmError(`unknown CPU model ${options.cpu}`);
    this.logger = options.logger ?? nullLogger;
    this.random = options.random ?? ((b) => crypto.getRandomValues(b));
    this.slice = options.slice ?? DEFAULT_SLICE;
    this.elf = parseElf64(options.kernel);

    try {
      // PR mode keeps the vCPUs' shared pages after guest RAM, out of the guest's reach.
      this.memory = GuestMemoryClass.allocate(ramSize, { extra: this.accel === 'pr' ? PR_SHARED_PAGE * smp : 0 });
    } catch (cause) {
      throw new VmmError(`cannot allocate ${ramSize / 2 ** 20} MiB of guest RAM`, { cause });
    }
    this.rtasBase = rtasAddress(ramSize);
    // Blob, the FWNMI error log at 0x30, then one 16-byte system-reset save area per vCPU.
    this.rtasSize = RTAS_ERROR_LOG_OFFSET + RTAS_ERROR_LOG_MAX + 16 * smp;

    this.xics = Xics.create({
      nrServers: smp,
      logger: this.logger,
      setExternalPending: (server, level) => {
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
      log: this.logger,
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

    for (let i = 0; i < smp; i++) this.vcpus.push(new Vcpu(i, this.makeCpu(i), i === 0 ? 'running' : 'stopped'));

    const timebase = options.timebase;
    this.router = new HcallRouter(
      [
        xicsHcalls(this.xics, {
          logger: this.logger,
          timebase: timebase ? () => BigInt(Math.floor(timebase())) : undefined,
        }),
        this.hptHcalls.table,
        vioHcalls(this.vio),
        vmmHcalls({
          memory: this.memory,
          logger: this.logger,
          model: this.model,
          vcpus: this.vcpus,
          rtas: this.rtas,
          rtasState: this.rtasState,
          rtasBase: this.rtasBase,
          random: this.random,
          onRamWrite: (a, l) => this.onRamWrite(a, l),
          kick: () => this.kick(),
        }),
      ],
      this.logger,
    );
    this.reset(false);
  }

  get ramSize(): number {
    return this.memory.size;
  }

  // ---- construction helpers -------------------------------------------------------------------

  private makeCpu(index: number): Cpu {
    let impl: AddressTranslator | undefined;
    // The MMU needs the Cpu (MSR, SPRs) and the Cpu needs a translator: forward through a shim.
    const translator: AddressTranslator = {
      translate: (hi, lo, access) => impl!.translate(hi, lo, access),
      describeFault: (hi, lo, access, code) => impl!.describeFault?.(hi, lo, access, code),
    };
    const cpu = new Cpu({
      ram: this.memory.buffer,
      translator,
      model: this.model.name,
      hooks: { hypercall: () => this.router.dispatch(this.vcpus[index]!.hcallArgs) },
    });
    impl = (this.opts.mmu ?? defaultMmu)({
      cpu,
      model: this.model,
      cpuIndex: index,
      memory: this.memory,
      hpt: this.hpt,
      pageSizes: this.pageSizes,
      rmaSize: rmaSize(this.memory.size),
    });
    cpu.system = true;
    cpu.pvr = this.model.pvr;
    cpu.pir = index;
    if (this.opts.timebase) cpu.timebase = this.opts.timebase;
    cpu.setSpr(SPRN.LPCR, LPCR_LPES | BigInt(this.model.lpcrPowerSaveExits));
    cpu.setSpr(SPRN.AMOR, (1n << 64n) - 1n);
    // One 4 KiB shared page per vCPU after guest RAM.
    if (this.accel === 'pr') cpu.pr = new PrMode(cpu, { sharedOffset: this.memory.size + index * PR_SHARED_PAGE });
    setGuestMsr(cpu, ENTRY_MSR_HI, ENTRY_MSR_LO);
    if (this.logger.enabled('int')) {
      cpu.logInterrupt = (vector, pcHi, pcLo, srr1Lo) =>
        this.logger.log(
          'int',
          `cpu ${index}: interrupt 0x${vector.toString(16)} at 0x${((BigInt(pcHi >>> 0) << 32n) | BigInt(pcLo >>> 0)).toString(16)} srr1 0x${(srr1Lo >>> 0).toString(16)}`,
        );
    }
    return cpu;
  }

  private rtasHost(): RtasHost {
    return {
      logger: this.logger,
      ramSize: this.memory.size,
      rmaSize: rmaSize(this.memory.size),
      maxCpus: this.opts.smp ?? 1,
      nrCpus: this.opts.smp ?? 1,
      nvram: this.nvram,
      now: this.opts.clock ?? (() => Date.now()),
      consoleWrite: (bytes) => {
        this.vty.putChars(bytes);
        return true;
      },
      cpuRunning: (id) => {
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

    for (const v of this.vcpus) {
      v.replaceCpu(this.makeCpu(v.index), v.index === 0 ? 'running' : 'stopped');
    }
    // Direct (kexec-style) entry, ARCHITECTURE.md §6: r3 = FDT, r4 = kernel base, r5 = 0 (no OF client interface).
    const boot = this.vcpus[0]!.cpu;
    boot.s[layout.PC] = kernel.entry | 0;
    boot.s[layout.PC + 1] = 0;
    boot.setGpr(3, BigInt(fdtAddr));
    boot.setGpr(4, BigInt(kernel.base));
    boot.setGpr(5, 0n);
  }

  // ---- effects the hcalls and RTAS ask for ------------------------------------------------------

  private startCpu(id: number, start: number, r3: number, caller: number): void {
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

  private stopSelf(index: number): void {
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

  /** Ask a running machine to stop (Ctrl-A x): `run()` resolves with `{ kind: 'quit' }`. */
  quit(): void {
    this.requestExit({ kind: 'quit' });
  }

  /** Host input for the console (keyboard, pipe). */
  consoleInput(bytes: Uint8Array): void {
    this.vty.receive(bytes);
  }

  private onRamWrite(address: number, length: number): void {
    for (const v of this.vcpus) v.cpu.invalidateCode(address, length);
  }

  private flushTlbs(): void {
    for (const v of this.vcpus) v.cpu.flushTlb();
  }

  /** Something may have become runnable: wake a sleeping run loop. */
  kick(): void {
    this.kicked = true;
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  // ---- the run loop ---------------------------------------------------------------------------

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
    let busy = false;
    for (const v of this.vcpus) {
      if (v.state !== 'running') continue;
      if (this.runVcpu(v, budget) === 'busy') busy = true;
      if (this.pendingExit) return 'exit';
    }
    return busy ? 'busy' : 'idle';
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
        return exit;
      }
      if (r === 'idle') {
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
      // Count at least one per step so a vCPU that keeps stopping early still ends the loop.
      left -= Math.max(1, executed() - before);
    }
    return { kind: 'budget' };
  }
}
