/**
 * Breakpoints and watchpoints as `Cpu.addCodeHook` hooks: the CPU calls the
 * hook before executing an instruction in the hooked range, the hook records
 * the hit and asks the CPU to stop (`requestStop({ kind: 'breakpoint' })`), so
 * the instruction has not run when the stop is reported. Guest memory is never
 * written. Exact everywhere the CPU executes, the first instruction of an
 * interrupt vector included; no cost at all where nothing is set (the CPU
 * wraps only the predecoded slots inside a hook's range, and turns its block
 * JIT off while any hook exists).
 *
 * Watchpoints: one hook over the whole address space decodes each instruction's
 * memory access (./mem-access.ts) and compares it with the watched ranges,
 * before the access, as POWER's DAWR triggers (Book III-S §9.4) and gdb's
 * rs6000 target expects (it steps over the access itself).
 */
import type { Cpu } from '@ppcvm/ppc-cpu';
import { memoryAccessOf } from './mem-access.js';
import type { Breakpoint, BreakpointResult, StopEvent } from './target.js';

const MASK64 = (1n << 64n) - 1n;
const ALL = 1n << 64n;

interface Watch {
  readonly type: 'write' | 'read' | 'access';
  readonly address: bigint;
  readonly end: bigint;
}

interface Installed {
  readonly version: number;
  readonly remove: (() => void)[];
}

export class CodePoints {
  private readonly sw = new Set<bigint>();
  private readonly hw = new Set<bigint>();
  private readonly watches: Watch[] = [];
  /** Bumped on every change: a Cpu whose hooks carry an older version gets them re-installed. */
  private version = 0;
  private readonly installed = new Map<Cpu, Installed>();
  private hit: StopEvent | undefined;

  /** @param maxPoints upper bound on breakpoints plus watchpoints (hostile clients). */
  constructor(private readonly maxPoints = 4096) {}

  get size(): number {
    return this.sw.size + this.hw.size + this.watches.length;
  }

  insert(bp: Breakpoint): BreakpointResult {
    const addr = bp.address & MASK64;
    if (this.size >= this.maxPoints) return 'error';
    if (bp.type === 'sw' || bp.type === 'hw') {
      const set = bp.type === 'sw' ? this.sw : this.hw;
      if (set.has(addr)) return 'ok';
      set.add(addr);
    } else {
      const end = addr + BigInt(Math.max(1, bp.length));
      if (this.watches.some((w) => w.type === bp.type && w.address === addr && w.end === end)) return 'ok';
      this.watches.push({ type: bp.type, address: addr, end });
    }
    this.version++;
    return 'ok';
  }

  remove(bp: Breakpoint): BreakpointResult {
    const addr = bp.address & MASK64;
    if (bp.type === 'sw' || bp.type === 'hw') {
      if ((bp.type === 'sw' ? this.sw : this.hw).delete(addr)) this.version++;
      return 'ok';
    }
    const end = addr + BigInt(Math.max(1, bp.length));
    const i = this.watches.findIndex((w) => w.type === bp.type && w.address === addr && w.end === end);
    if (i >= 0) {
      this.watches.splice(i, 1);
      this.version++;
    }
    return 'ok';
  }

  clear(): void {
    if (this.size === 0) return;
    this.sw.clear();
    this.hw.clear();
    this.watches.length = 0;
    this.version++;
  }

  /**
   * Make the hooks of `cpus` (thread = index + 1) match the current set: install on new
   * Cpus (e.g. after a machine reset replaced them), re-install after changes, remove
   * from Cpus that are gone. Call before letting the Cpus run.
   */
  sync(cpus: readonly Cpu[]): void {
    for (const [cpu, inst] of this.installed) {
      if (!cpus.includes(cpu)) {
        for (const r of inst.remove) r();
        this.installed.delete(cpu);
      }
    }
    cpus.forEach((cpu, i) => {
      const inst = this.installed.get(cpu);
      if (inst?.version === this.version) return;
      if (inst) for (const r of inst.remove) r();
      const remove: (() => void)[] = [];
      const thread = i + 1;
      for (const addr of new Set([...this.sw, ...this.hw])) {
        remove.push(cpu.addCodeHook(addr, addr + 4n, (c, pc) => this.onBreakpoint(c, thread, pc)));
      }
      if (this.watches.length > 0) remove.push(cpu.addCodeHook(0n, ALL, (c, pc) => this.onInstruction(c, thread, pc)));
      if (remove.length > 0 || inst) this.installed.set(cpu, { version: this.version, remove });
    });
  }

  /** The hit behind the CPU's last `breakpoint` stop (once), or undefined. */
  takeHit(): StopEvent | undefined {
    const h = this.hit;
    this.hit = undefined;
    return h;
  }

  /** Forget a hit nobody collected (e.g. before a new resume). */
  resetHit(): void {
    this.hit = undefined;
  }

  private onBreakpoint(cpu: Cpu, thread: number, pc: bigint): void {
    const type = this.sw.has(pc) ? 'sw' : this.hw.has(pc) ? 'hw' : undefined;
    if (!type) return;
    this.hit = { kind: 'breakpoint', thread, type };
    cpu.requestStop({ kind: 'breakpoint', pc });
  }

  private onInstruction(cpu: Cpu, thread: number, pc: bigint): void {
    let word: number;
    try {
      word = cpu.fetchWord(Number(pc >> 32n) | 0, Number(pc & 0xffffffffn) | 0);
    } catch {
      return; // Not fetchable: the instruction will not access memory.
    }
    const acc = memoryAccessOf(cpu, word);
    if (!acc) return;
    const end = acc.address + BigInt(acc.length);
    for (const w of this.watches) {
      const wants = w.type === 'write' ? acc.store : w.type === 'read' ? acc.load : true;
      if (!wants || acc.address >= w.end || end <= w.address) continue;
      // The first watched byte the access touches (bigints: no Math.max).
      let address = w.address;
      if (acc.address > address) address = acc.address;
      this.hit = { kind: 'watchpoint', thread, type: w.type, address };
      cpu.requestStop({ kind: 'breakpoint', pc });
      return;
    }
  }
}
