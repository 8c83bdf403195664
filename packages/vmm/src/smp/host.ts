/**
 * The main thread's side of `thread=multi` (ARCHITECTURE.md §3): it starts one
 * worker per vCPU (./worker.ts), then serves what they cannot do themselves —
 * mailbox exits (VIO hcalls, RTAS) and the console ring — waiting for work with
 * Atomics.waitAsync so the event loop (console input, signals, the monitor)
 * keeps running. Power-off, reboot, Ctrl-A x or a failed worker stop every
 * worker before `run()` returns; a reboot resets the machine and starts fresh
 * workers.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HptStorage } from '@ppcvm/hpt-mmu';
import type { HcallArgs, LogCategory, Logger } from '@ppcvm/machine-core';
import type { CpuDomain, CpuModelName } from '@ppcvm/ppc-cpu';
import type { MachineExit } from '../exit.js';
import { F, M, MB, type SmpControl, VATTN, W } from './control.js';
import type { VcpuWorkerData, VcpuWorkerMessage } from './worker.js';

/** Atomics.waitAsync (ES2024; Node 16+ has it, TypeScript's ES2022 lib does not declare it). */
type WaitAsyncResult = { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (
  Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, timeout?: number): WaitAsyncResult }
).waitAsync;

/** Every log category a worker may be asked to forward. */
const LOG_CATEGORIES: readonly LogCategory[] = [
  'int',
  'hcall',
  'rtas',
  'mmu',
  'exec',
  'in_asm',
  'unimp',
  'guest_errors',
];

/** What the runner needs from the machine. */
export interface SmpMachine {
  readonly vcpus: number;
  readonly threads: number;
  readonly model: CpuModelName;
  readonly accel: 'hv' | 'pr';
  readonly ramSize: number;
  readonly ram: SharedArrayBuffer;
  readonly xics: SharedArrayBuffer;
  readonly rtasBase: number;
  readonly vtyReg: number;
  readonly logger: Logger;
  readonly jit: boolean | undefined;
  readonly slice: number;
  readonly kernel: Uint8Array;
  readonly noReboot: boolean;
  /** -seed for the workers' H_RANDOM. */
  readonly seed: number | undefined;
  /** The HPT storage of the current reset. */
  hptStorage(): HptStorage;
  /** Boot entry of vCPU 0 at the current reset: PC, r3 (the FDT), r4 (the kernel base). */
  bootEntry(): { readonly pc: bigint; readonly r3: bigint; readonly r4: bigint };
  /** Serve hcall `opcode` (-1: r3 was no 32-bit opcode) that came through a mailbox: returns the status for r3. */
  hcall(opcode: number, r3: bigint, args: HcallArgs): number;
  /** Called after each mailbox exit: the machine publishes what workers read (the FWNMI vector). */
  afterExit(): void;
  /** Guest console output. */
  console(bytes: Uint8Array): void;
  /** The exit requested (power-off, reboot, quit, an error), taken once. */
  takeExit(): MachineExit | undefined;
  /** Machine reset for a reboot (RAM reloaded, device tree rebuilt). */
  reset(): void;
}

/** The built worker entry: next to this module in dist/, or dist/ when run from src/ (tests). */
function workerUrl(): URL {
  const here = new URL('./vcpu-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const dist = new URL('../../dist/vcpu-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(dist))) return dist;
  throw new Error('vCPU worker script not found: build @ppcvm/vmm first (npm run build)');
}

/** {@link HcallArgs} over a mailbox: argument i is r(4+i). */
class MailboxArgs implements HcallArgs {
  constructor(
    private readonly c: SmpControl,
    readonly cpuIndex: number,
  ) {}

  arg(i: number): bigint {
    if (!Number.isInteger(i) || i < 0 || i > 8) throw new RangeError(`hcall argument ${i} does not exist (r4..r12)`);
    return this.c.get64(this.cpuIndex, W.MB_REGS + 2 * (1 + i));
  }

  ret(i: number, value: bigint): void {
    if (!Number.isInteger(i) || i < 0 || i > 8) throw new RangeError(`hcall output ${i} does not exist (r4..r12)`);
    this.c.set64(this.cpuIndex, W.MB_REGS + 2 * (1 + i), BigInt.asUintN(64, value));
  }
}

export class SmpRunner {
  private workers: Worker[] = [];
  private exits: Promise<void>[] = [];
  private failure: string | undefined;
  private readonly retired: number[];
  private held = false;
  private resetRequested = false;

  constructor(
    private readonly m: SmpMachine,
    readonly control: SmpControl,
    readonly domain: CpuDomain,
  ) {
    this.retired = new Array<number>(m.vcpus).fill(0);
  }

  /** Instructions each vCPU has executed (resets included), as the workers last published. */
  instructionCounts(): number[] {
    return this.retired.map((_, i) => this.control.f64(i, F.ICOUNT));
  }

  /** Wake the serving loop (an exit was requested on this thread). */
  kick(): void {
    this.control.notifyMain();
  }

  /** Reset the machine (monitor `system_reset`): stop the workers, reset, start fresh ones. */
  requestReset(): void {
    this.resetRequested = true;
    this.kick();
  }

  /** Hold every vCPU (monitor `stop`) or let them go again. */
  hold(on: boolean): void {
    this.held = on;
    Atomics.store(this.control.m, M.STOP, on ? 2 : 0);
    for (let i = 0; i < this.m.vcpus; i++) this.domain.post(i, on ? VATTN.STOP : VATTN.WAKE);
  }

  /** Run until the machine exits (reboots restart it unless noReboot). */
  async run(): Promise<MachineExit> {
    for (;;) {
      this.start();
      const served = await this.serve();
      await this.stop();
      if (served === 'reset' && this.failure === undefined) {
        this.m.reset();
        continue;
      }
      let exit: MachineExit = served === 'reset' ? { kind: 'error', message: this.failure! } : served;
      if (this.failure !== undefined && exit.kind !== 'error') exit = { kind: 'error', message: this.failure };
      if (exit.kind === 'reboot' && !this.m.noReboot) {
        this.m.reset();
        continue;
      }
      return exit;
    }
  }

  private start(): void {
    const c = this.control;
    const m = this.m;
    this.failure = undefined;
    this.domain.reset();
    Atomics.store(c.m, M.STOP, this.held ? 2 : 0);
    for (let i = 0; i < m.vcpus; i++) {
      c.store(i, W.STATE, i === 0 ? 1 : 0);
      c.store(i, W.PROD, 0);
      c.store(i, W.DOORBELLS, 0);
      c.store(i, W.MB_STATUS, MB.IDLE);
      c.store(i, W.STOP_SELF, 0);
      for (const slot of [F.VPA, F.SLB_SHADOW, F.SLB_SHADOW_SIZE, F.DTL, F.DTL_SIZE]) c.setF64(i, slot, 0);
    }
    // Direct (kexec-style) entry of vCPU 0, ARCHITECTURE.md §6.
    const boot = m.bootEntry();
    c.set64(0, W.START_PC_LO, boot.pc);
    c.set64(0, W.START_R3_LO, boot.r3);
    c.set64(0, W.START_R4_LO, boot.r4);
    c.store(0, W.START_BOOT, 1);
    this.domain.post(0, VATTN.START);

    const url = workerUrl();
    const categories = LOG_CATEGORIES.filter((cat) => m.logger.enabled(cat));
    const symbols = m.logger.enabled('exec') || m.logger.enabled('in_asm');
    this.workers = [];
    this.exits = [];
    for (let i = 0; i < m.vcpus; i++) {
      const data: VcpuWorkerData = {
        index: i,
        vcpus: m.vcpus,
        threads: m.threads,
        model: m.model,
        accel: m.accel,
        ramSize: m.ramSize,
        ram: m.ram,
        hpt: m.hptStorage(),
        xics: m.xics,
        domain: this.domain.buffer,
        control: c.buffer,
        rtasBase: m.rtasBase,
        vtyReg: m.vtyReg,
        logCategories: categories,
        ...(m.jit !== undefined ? { jit: m.jit } : {}),
        timeOrigin: performance.timeOrigin,
        slice: m.slice,
        retired: c.f64(i, F.ICOUNT),
        ...(symbols ? { kernel: m.kernel } : {}),
        ...(m.seed !== undefined ? { seed: m.seed } : {}),
      };
      const w = new Worker(url, { workerData: data, name: `vcpu${i}` });
      w.on('message', (msg: VcpuWorkerMessage) => {
        if (msg.kind === 'log') m.logger.log(msg.category, msg.message);
        else this.fail(msg.message);
      });
      w.on('error', (e) => this.fail(`vCPU ${i} worker: ${e instanceof Error ? e.message : String(e)}`));
      this.exits.push(new Promise<void>((resolve) => w.once('exit', () => resolve())));
      this.workers.push(w);
    }
  }

  private fail(message: string): void {
    this.failure ??= message;
    this.kick();
  }

  /** Serve mailboxes and the console until an exit is requested. */
  private async serve(): Promise<MachineExit | 'reset'> {
    const c = this.control;
    for (;;) {
      const seq = Atomics.load(c.m, M.MAIN_SEQ);
      this.drainConsole();
      for (let i = 0; i < this.m.vcpus; i++) if (c.load(i, W.MB_STATUS) === MB.REQUEST) this.serveMailbox(i);
      const exit = this.m.takeExit();
      if (exit) return exit;
      if (this.resetRequested) {
        this.resetRequested = false;
        return 'reset';
      }
      if (this.failure !== undefined) return { kind: 'error', message: this.failure };
      const w = waitAsync(c.m, M.MAIN_SEQ, seq, 1000);
      if (w.async) await w.value;
    }
  }

  private drainConsole(): void {
    const bytes = this.control.readConsole();
    if (bytes) this.m.console(bytes);
  }

  private serveMailbox(i: number): void {
    const c = this.control;
    const args = new MailboxArgs(c, i);
    let rc: number;
    try {
      const r3 = c.get64(i, W.MB_REGS);
      rc = this.m.hcall(r3 >> 32n === 0n ? Number(r3) : -1, r3, args);
    } catch (e) {
      this.fail(`hcall from cpu ${i}: ${e instanceof Error ? e.message : String(e)}`);
      rc = -1;
    }
    c.set64(i, W.MB_REGS, BigInt.asUintN(64, BigInt(rc)));
    this.m.afterExit();
    c.store(i, W.MB_STATUS, MB.DONE);
    this.domain.post(i, VATTN.MAILBOX);
  }

  /** Stop every worker and wait for them (terminating any that does not stop within 5 s). */
  private async stop(): Promise<void> {
    const c = this.control;
    Atomics.store(c.m, M.STOP, 1);
    for (let i = 0; i < this.m.vcpus; i++) this.domain.post(i, VATTN.STOP);
    const all = Promise.all(this.exits);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), 5000);
    });
    const r = await Promise.race([all, late]);
    clearTimeout(timer);
    if (r === 'late') await Promise.all(this.workers.map((w) => w.terminate()));
    this.drainConsole();
    this.workers = [];
    this.exits = [];
  }
}
