/**
 * The pseries {@link Machine} as a gdb {@link DebugTarget} (`ppcvm -s/-gdb/-S`).
 *
 * The machine's own run loop keeps running the vCPUs, so everything it does
 * (hcalls, RTAS, idle sleep, reboots, exits) behaves the same under a
 * debugger. gdb stops it with a hold ({@link Machine.hold}): on attach, at
 * Ctrl-C, and when a breakpoint or watchpoint hook stops a vCPU (the machine
 * sets the hold itself and calls {@link MachineDebugTarget.breakpoint}).
 * `continue` releases the holds; `stepi` runs one instruction through
 * {@link Machine.stepVcpu} while the loop stays held. All vCPUs stop and
 * resume together (all-stop mode).
 *
 * Breakpoints and watchpoints are CPU code hooks (./points.ts), installed on
 * the machine's current Cpu objects before each resume and again after a reset
 * replaces them. gdb `kill` ends the machine like `quit` (ppcvm exits 0);
 * `detach` (or a dropped connection) removes every point and lets it run.
 */
import type { MachineExit } from '../exit.js';
import type { Machine, MachineDebugListener } from '../machine.js';
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

export interface MachineDebugTargetOptions {
  /** Upper bound on breakpoints plus watchpoints (hostile clients; default 4096). */
  readonly maxBreakpoints?: number;
  /** gdb `kill` (default: the machine exits as with Ctrl-A x, status 0). */
  readonly onKill?: () => void;
}

/** How a machine exit looks to gdb: `W` with ppcvm's exit status, or `X` for an emulation failure. */
export function exitStopEvent(exit: MachineExit): StopEvent {
  switch (exit.kind) {
    case 'power-off':
    case 'reboot':
    case 'quit':
      return { kind: 'exited', code: 0 };
    case 'os-term':
      return { kind: 'exited', code: 2 };
    case 'error':
      return { kind: 'terminated', signal: GdbSignal.ABRT };
  }
}

export class MachineDebugTarget implements DebugTarget, MachineDebugListener {
  private readonly points: CodePoints;
  private pending: ((ev: StopEvent) => void) | undefined;
  private attachedFlag = false;
  private exitEvent: StopEvent | undefined;

  constructor(
    readonly machine: Machine,
    private readonly opts: MachineDebugTargetOptions = {},
  ) {
    this.points = new CodePoints(opts.maxBreakpoints ?? 4096);
    machine.debugListener = this;
  }

  /** A debugger is connected (between attach and detach/kill). */
  get attached(): boolean {
    return this.attachedFlag;
  }

  /** A `continue` is outstanding: the guest runs on gdb's behalf. */
  get running(): boolean {
    return this.pending !== undefined;
  }

  private cpus() {
    return this.machine.vcpus.map((v) => v.cpu);
  }

  private cpu(thread: number) {
    return Number.isInteger(thread) && thread >= 1 ? this.machine.vcpus[thread - 1]?.cpu : undefined;
  }

  threads(): readonly number[] {
    return this.machine.vcpus.map((_, i) => i + 1);
  }

  attach(): void {
    this.attachedFlag = true;
    // The loop runs nothing from its next slice on; it is between slices whenever this runs.
    this.machine.hold('debugger');
  }

  detach(): void {
    this.points.clear();
    this.points.sync(this.cpus());
    this.attachedFlag = false;
    this.settle({ kind: 'signal', thread: 1, signal: GdbSignal.INT });
    // As QEMU: detaching lets the guest run, even one started with -S and never continued.
    this.machine.release('startup');
    this.machine.release('debugger');
  }

  kill(): void {
    this.points.clear();
    this.points.sync(this.cpus());
    this.attachedFlag = false;
    if (this.opts.onKill) this.opts.onKill();
    else this.machine.requestExit({ kind: 'quit' });
    this.machine.release('startup');
    this.machine.release('debugger');
  }

  isLittleEndian(thread: number): boolean {
    return this.cpu(thread)?.le ?? true;
  }

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
    return cpu ? writeCpuMemory(cpu, this.cpus(), address, data) : false;
  }

  insertBreakpoint(bp: Breakpoint): BreakpointResult {
    return this.points.insert(bp);
  }

  removeBreakpoint(bp: Breakpoint): BreakpointResult {
    return this.points.remove(bp);
  }

  // ---- execution -----------------------------------------------------------------------------

  resume(actions: ReadonlyMap<number, ResumeAction>): Promise<StopEvent> {
    if (this.pending) return Promise.reject(new Error('MachineDebugTarget: resume while running'));
    if (this.exitEvent) return Promise.resolve(this.exitEvent);
    const m = this.machine;
    this.points.sync(this.cpus());
    this.points.resetHit();
    const steppers = [...actions].filter(([t, a]) => a === 'step' && this.cpu(t)).map(([t]) => t);
    if (steppers.length > 0) {
      // The loop stays held; the other vCPUs do not move during a step.
      let first: StopEvent | undefined;
      for (const t of steppers) {
        const r = m.stepVcpu(t - 1);
        const ev: StopEvent = (r === 'stop' ? this.points.takeHit() : undefined) ?? {
          kind: 'signal',
          thread: t,
          signal: GdbSignal.TRAP,
        };
        first ??= ev;
      }
      // The step ended the machine (a power-off hcall, stop-self of the last vCPU...): let the
      // loop return the exit, which resolves this resume with W/X.
      if (!m.exitPending) return Promise.resolve(first!);
    }
    const conts = [...actions].some(([t, a]) => a === 'continue' && this.cpu(t));
    if (steppers.length === 0 && !conts) {
      return Promise.resolve({ kind: 'signal', thread: this.threads()[0] ?? 1, signal: GdbSignal.TRAP });
    }
    return new Promise<StopEvent>((resolve) => {
      this.pending = resolve;
      // All-stop: every vCPU runs, whatever the per-thread actions; a monitor `stop` is overridden as in QEMU.
      m.release('startup');
      m.release('monitor');
      m.release('debugger');
      m.kick();
    });
  }

  interrupt(): void {
    if (!this.pending) return;
    this.machine.hold('debugger');
    this.settle({ kind: 'signal', thread: 1, signal: GdbSignal.INT });
  }

  private settle(ev: StopEvent): void {
    const p = this.pending;
    this.pending = undefined;
    p?.(ev);
  }

  // ---- MachineDebugListener ------------------------------------------------------------------

  /** @internal The run loop stopped vCPU `index` at a hook (the 'debugger' hold is set). */
  breakpoint(index: number): void {
    const ev = this.points.takeHit() ?? { kind: 'signal', thread: index + 1, signal: GdbSignal.TRAP };
    if (this.pending) this.settle(ev);
    else if (!this.attachedFlag) this.machine.release('debugger');
  }

  /** @internal A reset replaced the Cpu objects: carry the points over. */
  reset(): void {
    this.points.sync(this.cpus());
  }

  /** @internal The machine is done. */
  exited(exit: MachineExit): void {
    this.exitEvent = exitStopEvent(exit);
    this.settle(this.exitEvent);
  }
}
