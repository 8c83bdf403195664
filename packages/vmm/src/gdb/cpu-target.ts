/**
 * A {@link DebugTarget} over `Cpu` objects running on this thread (the
 * single-threaded round-robin mode, bare-metal tests, user-mode programs).
 *
 * Breakpoints and watchpoints are CPU code hooks (./points.ts): they never
 * write guest memory, are exact at interrupt vectors, and the vCPUs always run
 * in slices of `cpu.run(slice)`. Single steps use `cpu.stepOne()`, which takes
 * no asynchronous interrupt (as QEMU's default "no IRQ, no timer"
 * single-step); a synchronous interrupt counts as the step (the PC is at the
 * vector afterwards).
 */
import type { Cpu, StopReason } from '@ppcvm/ppc-cpu';
import { readCpuMemory, readCpuRegister, writeCpuMemory, writeCpuRegister } from './cpu-state.js';
import { CodePoints } from './points.js';
import {
  type Breakpoint,
  type BreakpointResult,
  type DebugTarget,
  GdbSignal,
  type ResumeAction,
  type StopEvent,
} from './target.js';

export interface CpuDebugTargetOptions {
  /** Instructions per vCPU between checks for Ctrl-C (default 20000). */
  readonly slice?: number;
  /** Upper bound on breakpoints plus watchpoints (hostile clients; default 4096). */
  readonly maxBreakpoints?: number;
  /**
   * Decide what a `run()` stop means while continuing: return a StopEvent to report it,
   * 'continue' to keep running (e.g. a handled exit), undefined for the default mapping.
   */
  readonly onCpuStop?: (cpu: Cpu, thread: number, reason: StopReason) => StopEvent | 'continue' | undefined;
  /** Called after detach (the embedder resumes its own run loop). */
  readonly onDetach?: () => void;
  /** Called on gdb `kill`. */
  readonly onKill?: () => void;
}

const TIME_SLICE_MS = 20;

export class CpuDebugTarget implements DebugTarget {
  readonly cpus: readonly Cpu[];
  private readonly slice: number;
  private readonly points: CodePoints;
  private running = false;
  private interruptRequested = false;
  private attachedFlag = false;

  constructor(
    cpus: readonly Cpu[],
    private readonly opts: CpuDebugTargetOptions = {},
  ) {
    if (cpus.length === 0) throw new Error('CpuDebugTarget needs at least one Cpu');
    this.cpus = cpus;
    this.slice = Math.max(1, opts.slice ?? 20_000);
    this.points = new CodePoints(opts.maxBreakpoints ?? 4096);
  }

  /** True between attach and detach: the embedder must not run the CPUs itself meanwhile. */
  get attached(): boolean {
    return this.attachedFlag;
  }

  threads(): readonly number[] {
    return this.cpus.map((_, i) => i + 1);
  }

  private cpu(thread: number): Cpu | undefined {
    return Number.isInteger(thread) && thread >= 1 ? this.cpus[thread - 1] : undefined;
  }

  attach(): void {
    this.attachedFlag = true;
  }

  detach(): void {
    this.clearPoints();
    this.attachedFlag = false;
    this.opts.onDetach?.();
  }

  kill(): void {
    this.clearPoints();
    this.attachedFlag = false;
    this.opts.onKill?.();
  }

  private clearPoints(): void {
    this.points.clear();
    this.points.sync(this.cpus);
  }

  isLittleEndian(thread: number): boolean {
    return this.cpu(thread)?.le ?? true;
  }

  // ---- registers and memory ------------------------------------------------------------------

  readRegister(thread: number, regnum: number): bigint | undefined {
    const cpu = this.cpu(thread);
    return cpu ? readCpuRegister(cpu, regnum) : undefined;
  }

  writeRegister(thread: number, regnum: number, value: bigint): boolean {
    const cpu = this.cpu(thread);
    return cpu ? writeCpuRegister(cpu, regnum, value) : false;
  }

  readMemory(thread: number, address: bigint, length: number): Uint8Array {
    const cpu = this.cpu(thread);
    return cpu ? readCpuMemory(cpu, address, length) : new Uint8Array(0);
  }

  writeMemory(thread: number, address: bigint, data: Uint8Array): boolean {
    const cpu = this.cpu(thread);
    return cpu ? writeCpuMemory(cpu, this.cpus, address, data) : false;
  }

  /** Guest physical (real) memory, for a monitor: bytes up to the end of RAM. */
  readPhysical(address: bigint, length: number): Uint8Array {
    const ram = this.cpus[0]!.u8;
    if (address < 0n || address >= BigInt(ram.length) || length <= 0) return new Uint8Array(0);
    const a = Number(address);
    return ram.slice(a, Math.min(ram.length, a + length));
  }

  // ---- breakpoints ---------------------------------------------------------------------------

  insertBreakpoint(bp: Breakpoint): BreakpointResult {
    return this.points.insert(bp);
  }

  removeBreakpoint(bp: Breakpoint): BreakpointResult {
    return this.points.remove(bp);
  }

  // ---- execution -----------------------------------------------------------------------------

  interrupt(): void {
    if (this.running) this.interruptRequested = true;
  }

  async resume(actions: ReadonlyMap<number, ResumeAction>): Promise<StopEvent> {
    if (this.running) throw new Error('CpuDebugTarget: resume while running');
    this.running = true;
    this.interruptRequested = false;
    this.points.sync(this.cpus);
    this.points.resetHit();
    try {
      const steppers = [...actions].filter(([t, a]) => a === 'step' && this.cpu(t)).map(([t]) => t);
      if (steppers.length > 0) {
        // Threads asked to continue may run any amount meanwhile: here, none.
        let first: StopEvent | undefined;
        for (const t of steppers) {
          const ev = this.stepThread(t);
          first ??= ev;
        }
        return first!;
      }
      const conts = [...actions].filter(([t, a]) => a === 'continue' && this.cpu(t)).map(([t]) => t);
      if (conts.length === 0) return { kind: 'signal', thread: this.threads()[0]!, signal: GdbSignal.TRAP };
      return await this.continueThreads(conts);
    } finally {
      this.running = false;
      this.interruptRequested = false;
    }
  }

  private stepThread(thread: number): StopEvent {
    const cpu = this.cpu(thread)!;
    if (cpu.halted) {
      // A napping thread: a step is the wake-up, if an interrupt is there to wake it.
      const r = cpu.run(1);
      const ev = this.classify(cpu, thread, r);
      if (ev) return ev;
    } else if (cpu.stepOne() === 'stop') {
      // A breakpoint or watchpoint on the stepped instruction reports itself (it has not run).
      const hit = this.points.takeHit();
      if (hit) return hit;
      // stepOne keeps the StopReason to itself; a user-mode fault or an embedder stop ends the step.
      return { kind: 'signal', thread, signal: cpu.system ? GdbSignal.TRAP : GdbSignal.SEGV };
    }
    return { kind: 'signal', thread, signal: GdbSignal.TRAP };
  }

  private async continueThreads(threads: number[]): Promise<StopEvent> {
    // Return to the caller first: the session finishes its reply bookkeeping before the guest runs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (;;) {
      const deadline = performance.now() + TIME_SLICE_MS;
      let allHalted: boolean;
      do {
        allHalted = true;
        for (const t of threads) {
          if (this.interruptRequested) return { kind: 'signal', thread: threads[0]!, signal: GdbSignal.INT };
          const cpu = this.cpu(t)!;
          const ev = this.classify(cpu, t, cpu.run(this.slice));
          if (ev) return ev;
          if (!cpu.halted) allHalted = false;
        }
      } while (!allHalted && performance.now() < deadline);
      if (this.interruptRequested) return { kind: 'signal', thread: threads[0]!, signal: GdbSignal.INT };
      // Let the event loop deliver gdb's Ctrl-C (and device events); sleep when every vCPU idles.
      await new Promise<void>((resolve) => (allHalted ? setTimeout(resolve, 1) : setImmediate(resolve)));
    }
  }

  /** A run() result as a stop to report, or undefined to keep going. */
  private classify(cpu: Cpu, thread: number, r: StopReason): StopEvent | undefined {
    if (r.kind === 'breakpoint') {
      const hit = this.points.takeHit();
      if (hit) return hit;
    }
    const custom = this.opts.onCpuStop?.(cpu, thread, r);
    if (custom === 'continue') return undefined;
    if (custom) return custom;
    return defaultStopEvent(thread, r);
  }
}

/** The usual meaning of a `run()` stop for gdb; undefined for stops that are not events. */
export function defaultStopEvent(thread: number, r: StopReason): StopEvent | undefined {
  const sig = (signal: number): StopEvent => ({ kind: 'signal', thread, signal });
  switch (r.kind) {
    case 'budget':
    case 'halted':
      return undefined;
    case 'exit':
      return { kind: 'exited', code: r.code };
    case 'breakpoint':
    case 'trap':
    case 'syscall':
    case 'requested':
      return sig(GdbSignal.TRAP);
    case 'illegal':
    case 'privileged':
    case 'unimplemented':
    case 'facility-unavailable':
      return sig(GdbSignal.ILL);
    case 'fault':
      return sig(GdbSignal.SEGV);
    case 'alignment':
      return sig(GdbSignal.BUS);
    case 'fp-exception':
      return sig(GdbSignal.FPE);
  }
}
