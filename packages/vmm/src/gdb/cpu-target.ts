/**
 * A {@link DebugTarget} over `Cpu` objects running on this thread (the
 * single-threaded round-robin mode, bare-metal tests, user-mode programs).
 *
 * Breakpoints and watchpoints never write guest memory: with none set the
 * vCPUs run at full speed through `cpu.run(slice)`; with some set, they run
 * one instruction at a time and the PC and the next instruction's memory
 * access are checked before each one. Single steps use `cpu.stepOne()`,
 * which takes no asynchronous interrupt (as QEMU's default "no IRQ, no timer"
 * single-step); a synchronous interrupt counts as the step (the PC is at the
 * vector afterwards).
 */
import {
  ACCESS_FETCH,
  ACCESS_LOAD,
  ACCESS_STORE,
  type AccessKind,
  createMmuRegs,
  type MmuRegs,
  Translation,
} from '@ppcvm/hpt-mmu';
import { Access, type Cpu, layout, SPR, type StopReason } from '@ppcvm/ppc-cpu';
import { memoryAccessOf } from './mem-access.js';
import { REGNUM } from './registers.js';
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

interface Watch {
  readonly type: 'write' | 'read' | 'access';
  readonly address: bigint;
  readonly end: bigint;
}

const MASK64 = (1n << 64n) - 1n;
const TIME_SLICE_MS = 20;

/** Whole-page read/write views of RAM need page offsets below this. */
const PAGE = 4096;

export class CpuDebugTarget implements DebugTarget {
  readonly cpus: readonly Cpu[];
  private readonly slice: number;
  private readonly maxPoints: number;
  private readonly sw = new Set<bigint>();
  private readonly hw = new Set<bigint>();
  /** Low 32 bits of every breakpoint address: a cheap first test on the hot path. */
  private readonly bpLow = new Set<number>();
  private readonly watches: Watch[] = [];
  private running = false;
  private interruptRequested = false;
  private attachedFlag = false;
  private readonly regs: MmuRegs = createMmuRegs();
  private readonly out = new Translation();

  constructor(
    cpus: readonly Cpu[],
    private readonly opts: CpuDebugTargetOptions = {},
  ) {
    if (cpus.length === 0) throw new Error('CpuDebugTarget needs at least one Cpu');
    this.cpus = cpus;
    this.slice = Math.max(1, opts.slice ?? 20_000);
    this.maxPoints = opts.maxBreakpoints ?? 4096;
  }

  /** True between attach and detach: the embedder must not run the CPUs itself meanwhile. */
  get attached(): boolean {
    return this.attachedFlag;
  }

  threads(): readonly number[] {
    return this.cpus.map((_, i) => i + 1);
  }

  private cpu(thread: number): Cpu | undefined {
    return this.cpus[thread - 1];
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
    this.sw.clear();
    this.hw.clear();
    this.bpLow.clear();
    this.watches.length = 0;
  }

  isLittleEndian(thread: number): boolean {
    return this.cpu(thread)?.le ?? true;
  }

  // ---- registers -----------------------------------------------------------------------------

  readRegister(thread: number, regnum: number): bigint | undefined {
    const cpu = this.cpu(thread);
    if (!cpu) return undefined;
    const s = cpu.s;
    const u = (i: number) => BigInt(s[i]! >>> 0);
    const pair = (lo: number) => (u(lo + 1) << 32n) | u(lo);
    if (regnum < 32) return cpu.getGpr(regnum);
    // FPR i is doubleword 0 of VSR i: the high half of the little-endian 128-bit slot (state.ts).
    if (regnum < REGNUM.PC) return pair(layout.VSR_I32 + 4 * (regnum - REGNUM.F0) + 2);
    switch (regnum) {
      case REGNUM.PC:
        return cpu.get64(layout.PC);
      case REGNUM.MSR: {
        // PR mode: the guest kernel's MSR (the real one always has PR=1).
        if (cpu.pr) {
          const [lo, hi] = cpu.pr.guestMsr();
          return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
        }
        return cpu.get64(layout.MSR);
      }
      case REGNUM.CR:
        return BigInt(cpu.getCr());
      case REGNUM.LR:
        return cpu.get64(layout.LR);
      case REGNUM.CTR:
        return cpu.get64(layout.CTR);
      case REGNUM.XER:
        return BigInt(cpu.getXer());
      case REGNUM.FPSCR:
        return BigInt(cpu.getFpscr());
      case REGNUM.VSCR:
        return BigInt(cpu.getVscr());
      case REGNUM.VRSAVE:
        return u(layout.VRSAVE);
    }
    if (regnum >= REGNUM.VR0 && regnum < REGNUM.VSCR) {
      const base = layout.VSR_I32 + 4 * (layout.VR_BASE + regnum - REGNUM.VR0);
      return (pair(base + 2) << 64n) | pair(base);
    }
    // vsNh: doubleword 1 (the low half) of VSR N.
    if (regnum >= REGNUM.VS0H && regnum < REGNUM.COUNT) return pair(layout.VSR_I32 + 4 * (regnum - REGNUM.VS0H));
    return undefined;
  }

  writeRegister(thread: number, regnum: number, value: bigint): boolean {
    const cpu = this.cpu(thread);
    if (!cpu) return false;
    const s = cpu.s;
    const v = BigInt.asUintN(128, value);
    const lo32 = (x: bigint) => Number(x & 0xffffffffn) | 0;
    const setPair = (lo: number, x: bigint) => {
      s[lo] = lo32(x);
      s[lo + 1] = lo32(x >> 32n);
    };
    if (regnum < 0 || regnum >= REGNUM.COUNT) return false;
    if (regnum < 32) {
      cpu.setGpr(regnum, v);
      return true;
    }
    if (regnum < REGNUM.PC) {
      setPair(layout.VSR_I32 + 4 * (regnum - REGNUM.F0) + 2, v);
      return true;
    }
    switch (regnum) {
      case REGNUM.PC:
        // Instructions are word aligned (Book I §2.3): the low two bits do not exist.
        cpu.set64(layout.PC, v & MASK64 & ~3n);
        return true;
      case REGNUM.MSR: {
        const hi = lo32(v >> 32n);
        const lo = lo32(v);
        if (cpu.pr) cpu.pr.setGuestMsr(hi, lo);
        else cpu.setMsr(hi, lo);
        return true;
      }
      case REGNUM.CR:
        cpu.setCr(lo32(v));
        return true;
      case REGNUM.LR:
        cpu.set64(layout.LR, v & MASK64);
        return true;
      case REGNUM.CTR:
        cpu.set64(layout.CTR, v & MASK64);
        return true;
      case REGNUM.XER:
        cpu.setXer(lo32(v));
        return true;
      case REGNUM.FPSCR:
        s[layout.FPSCR] = lo32(v);
        return true;
      case REGNUM.VSCR:
        s[layout.VSCR] = lo32(v);
        return true;
      case REGNUM.VRSAVE:
        s[layout.VRSAVE] = lo32(v);
        return true;
    }
    if (regnum >= REGNUM.VR0 && regnum < REGNUM.VSCR) {
      const base = layout.VSR_I32 + 4 * (layout.VR_BASE + regnum - REGNUM.VR0);
      setPair(base, v & MASK64);
      setPair(base + 2, v >> 64n);
      return true;
    }
    setPair(layout.VSR_I32 + 4 * (regnum - REGNUM.VS0H), v & MASK64);
    return true;
  }

  // ---- memory --------------------------------------------------------------------------------

  /**
   * RAM offset of the page holding EA (hi:lo) as `cpu` would translate a data access, without
   * side effects; negative when unmapped. System mode goes through the SLB/HPT probe of
   * hpt-mmu (no R/C update); other translators are assumed to be side-effect free.
   */
  translatePage(cpu: Cpu, hi: number, lo: number, access: Access): number {
    const mmu = cpu.mmu;
    if (!(cpu.system && mmu && cpu.translator === mmu)) {
      return cpu.translator.translate(hi, lo & ~0xfff, access);
    }
    const pr = cpu.pr;
    const msrLo = pr ? pr.guestMsrLo() : cpu.s[layout.MSR]!;
    if (pr && access !== Access.Fetch && pr.hitsMagicPage(hi, lo)) return pr.sharedOffset;
    const regs = this.regs;
    const sp = cpu.sprs;
    regs.pr = (msrLo & layout.MSR_LO_PR) !== 0 ? 1 : 0;
    regs.amrLo = sp[SPR.AMR * 2]!;
    regs.amrHi = sp[SPR.AMR * 2 + 1]!;
    regs.iamrLo = sp[SPR.IAMR * 2]!;
    regs.iamrHi = sp[SPR.IAMR * 2 + 1]!;
    const kind: AccessKind =
      access === Access.Fetch ? ACCESS_FETCH : access === Access.Store ? ACCESS_STORE : ACCESS_LOAD;
    const reloc = (msrLo & (access === Access.Fetch ? layout.MSR_LO_IR : layout.MSR_LO_DR)) !== 0;
    const out = this.out;
    let ok: boolean;
    if (reloc) ok = mmu.mmu.probe(hi, lo, kind, regs, out);
    else {
      // Real mode. Note: hpt-mmu has no side-effect-free variant of translateReal; in VRMA mode
      // it records R/C like a guest access would (reported as a missing hook in the README).
      const real = mmu.real;
      real.lpcrLo = sp[SPR.LPCR * 2]!;
      real.lpcrHi = sp[SPR.LPCR * 2 + 1]!;
      ok = mmu.mmu.translateReal(hi, lo, kind, real, regs, out);
    }
    if (!ok || out.raHi !== 0 || out.raLo >>> 0 >= cpu.ram.byteLength) return -1;
    return (out.raLo & ~0xfff) >>> 0;
  }

  /** RAM offset of each page of [address, address+length), or undefined if any is unmapped. */
  private pages(cpu: Cpu, address: bigint, length: number, store: boolean): { off: number; n: number }[] | undefined {
    const out: { off: number; n: number }[] = [];
    let done = 0;
    while (done < length) {
      const ea = (address + BigInt(done)) & MASK64;
      const hi = Number(ea >> 32n) | 0;
      const lo = Number(ea & 0xffffffffn) | 0;
      const inPage = lo & 0xfff;
      let page = this.translatePage(cpu, hi, lo, store ? Access.Store : Access.Load);
      // A debugger may write where the guest may not (read-only or clean pages), as ptrace does.
      if (page < 0 && store) page = this.translatePage(cpu, hi, lo, Access.Load);
      if (page < 0) return done === 0 || store ? undefined : out;
      const n = Math.min(PAGE - inPage, length - done, cpu.ram.byteLength - (page + inPage));
      if (n <= 0) return done === 0 || store ? undefined : out;
      out.push({ off: page + inPage, n });
      done += n;
    }
    return out;
  }

  readMemory(thread: number, address: bigint, length: number): Uint8Array {
    const cpu = this.cpu(thread);
    if (!cpu || length <= 0) return new Uint8Array(0);
    const parts = this.pages(cpu, address, length, false) ?? [];
    const total = parts.reduce((a, p) => a + p.n, 0);
    const data = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      data.set(cpu.u8.subarray(p.off, p.off + p.n), at);
      at += p.n;
    }
    return data;
  }

  writeMemory(thread: number, address: bigint, data: Uint8Array): boolean {
    const cpu = this.cpu(thread);
    if (!cpu) return false;
    const parts = this.pages(cpu, address, data.length, true);
    if (!parts) return false;
    let at = 0;
    for (const p of parts) {
      cpu.u8.set(data.subarray(at, at + p.n), p.off);
      at += p.n;
      // Every vCPU predecodes code per RAM page: drop what this write may have changed.
      for (const c of this.cpus) c.invalidateCode(p.off, p.n);
    }
    return true;
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
    const addr = bp.address & MASK64;
    if (this.sw.size + this.hw.size + this.watches.length >= this.maxPoints) return 'error';
    if (bp.type === 'sw' || bp.type === 'hw') {
      (bp.type === 'sw' ? this.sw : this.hw).add(addr);
      this.bpLow.add(Number(addr & 0xffffffffn));
      return 'ok';
    }
    this.watches.push({ type: bp.type, address: addr, end: addr + BigInt(bp.length) });
    return 'ok';
  }

  removeBreakpoint(bp: Breakpoint): BreakpointResult {
    const addr = bp.address & MASK64;
    if (bp.type === 'sw' || bp.type === 'hw') {
      (bp.type === 'sw' ? this.sw : this.hw).delete(addr);
      this.bpLow.clear();
      for (const a of this.sw) this.bpLow.add(Number(a & 0xffffffffn));
      for (const a of this.hw) this.bpLow.add(Number(a & 0xffffffffn));
      return 'ok';
    }
    const end = addr + BigInt(bp.length);
    const i = this.watches.findIndex((w) => w.type === bp.type && w.address === addr && w.end === end);
    if (i >= 0) this.watches.splice(i, 1);
    return 'ok';
  }

  private get hasPoints(): boolean {
    return this.bpLow.size > 0 || this.watches.length > 0;
  }

  /** A breakpoint at the PC or a watchpoint the next instruction would trigger. */
  private checkPoints(cpu: Cpu, thread: number): StopEvent | undefined {
    const s = cpu.s;
    if (this.bpLow.has(s[layout.PC]! >>> 0)) {
      const pc = cpu.pcBig();
      if (this.sw.has(pc)) return { kind: 'breakpoint', thread, type: 'sw' };
      if (this.hw.has(pc)) return { kind: 'breakpoint', thread, type: 'hw' };
    }
    if (this.watches.length === 0) return undefined;
    let word: number;
    try {
      word = cpu.fetchWord(s[layout.PC + 1]!, s[layout.PC]!);
    } catch {
      return undefined; // The fetch faults: the instruction will not access memory.
    }
    const acc = memoryAccessOf(cpu, word);
    if (!acc) return undefined;
    const end = acc.address + BigInt(acc.length);
    for (const w of this.watches) {
      const wants = w.type === 'write' ? acc.store : w.type === 'read' ? acc.load : true;
      if (!wants || acc.address >= w.end || end <= w.address) continue;
      // The first watched byte the access touches (bigint: no Math.max).
      let hit = w.address;
      if (acc.address > hit) hit = acc.address;
      return { kind: 'watchpoint', thread, type: w.type, address: hit };
    }
    return undefined;
  }

  // ---- execution -----------------------------------------------------------------------------

  interrupt(): void {
    if (this.running) this.interruptRequested = true;
  }

  async resume(actions: ReadonlyMap<number, ResumeAction>): Promise<StopEvent> {
    if (this.running) throw new Error('CpuDebugTarget: resume while running');
    this.running = true;
    this.interruptRequested = false;
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
    const w = this.checkWatch(cpu, thread);
    if (w) return w;
    if (cpu.halted) {
      // A napping thread: a step is the wake-up, if an interrupt is there to wake it.
      const r = cpu.run(1);
      const ev = this.classify(cpu, thread, r);
      if (ev) return ev;
    } else if (cpu.stepOne() === 'stop') {
      // stepOne keeps the StopReason to itself; a user-mode fault or an embedder stop ends the step.
      return { kind: 'signal', thread, signal: cpu.system ? GdbSignal.TRAP : GdbSignal.SEGV };
    }
    return { kind: 'signal', thread, signal: GdbSignal.TRAP };
  }

  private checkWatch(cpu: Cpu, thread: number): StopEvent | undefined {
    if (this.watches.length === 0) return undefined;
    const ev = this.checkPoints(cpu, thread);
    return ev?.kind === 'watchpoint' ? ev : undefined;
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
          const ev = this.runThread(t);
          if (ev) return ev;
          if (!this.cpu(t)!.halted) allHalted = false;
        }
      } while (!allHalted && performance.now() < deadline);
      if (this.interruptRequested) return { kind: 'signal', thread: threads[0]!, signal: GdbSignal.INT };
      // Let the event loop deliver gdb's Ctrl-C (and device events); sleep when every vCPU idles.
      await new Promise<void>((resolve) => (allHalted ? setTimeout(resolve, 1) : setImmediate(resolve)));
    }
  }

  private runThread(thread: number): StopEvent | undefined {
    const cpu = this.cpu(thread)!;
    if (!this.hasPoints) return this.classify(cpu, thread, cpu.run(this.slice));
    // Breakpoints or watchpoints: check before every instruction. run(1) (not stepOne) so that
    // asynchronous interrupts are still taken while continuing.
    for (let i = 0; i < this.slice; i++) {
      const hit = this.checkPoints(cpu, thread);
      if (hit) return hit;
      const r = cpu.run(1);
      const ev = this.classify(cpu, thread, r);
      if (ev) return ev;
      if (r.kind === 'halted') break;
    }
    return undefined;
  }

  /** A run() result as a stop to report, or undefined to keep going. */
  private classify(cpu: Cpu, thread: number, r: StopReason): StopEvent | undefined {
    const custom = this.opts.onCpuStop?.(cpu, thread, r);
    if (custom === 'continue') return undefined;
    if (custom) return custom;
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
}
