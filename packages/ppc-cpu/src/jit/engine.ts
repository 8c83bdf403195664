/**
 * Block JIT (ARCHITECTURE.md §8): hot straight-line runs of guest code become
 * JavaScript functions (`new Function`), behind the interpreter's run loop.
 *
 * - Blocks are keyed like the interpreter's decoded code: by RAM page and word
 *   slot, so every path that drops decoded code (stores to code pages, icbi,
 *   host writes, MSR[LE] changes, code hooks, reset) drops the blocks too
 *   (`invalidatePage` / `flush`, called from Cpu.invalidateCode / flushCode).
 * - Heat: the run loop asks `run` at every entry PC (a branch target, a page
 *   start, the end of a block) and, when there is no block yet, reports how
 *   many instructions it interpreted from there (`interpreted`). Past
 *   `threshold` the block starting there is compiled: instructions up to an
 *   unconditional branch, a privileged/system instruction, an illegal or
 *   unimplemented one, the page end or MAX_BLOCK. Conditional branches are
 *   side exits inside the block. Decisions depend only on what ran, so runs
 *   stay deterministic.
 * - Instructions with a template (./templates.ts) become inline JS over
 *   locals; the others call the interpreter's executor (Gen.fallback).
 * - `run` chains blocks (across pages through the fetch TLB) while the budget
 *   allows a whole block, so instruction counts and budgets stay exact, and
 *   nothing needs the run loop: stops, interrupts, a block that ended on an
 *   executor, a page without code go back to it.
 * - Before anything that may throw a GuestFault, a block stores its state and
 *   the PC of the instruction; `takeFaultProgress` tells the run loop how many
 *   instructions completed before the fault.
 */
import type { Cpu } from '../cpu.js';
import type { DecodedInsn } from '../decode.js';
import { mulHiS64, mulHiU64, mulLo64, mulU32, out } from '../isa/util.js';
import { CR, PC, XER_BC, XER_CA, XER_CA32, XER_OV, XER_OV32, XER_SO } from '../state.js';
import { decodeFields, type Exec, type Fields } from '../table.js';
import { Gen } from './codegen.js';
import { type JitTlb, type MemOps, memOps } from './memory.js';
import { TEMPLATES } from './templates.js';

/** Instructions that are JIT no-ops for a lone CPU but call Cpu.barrier / contextSync in an SMP domain. */
const BARRIERS: ReadonlySet<string> = new Set(['sync', 'eieio', 'isync']);

/** Longest block, in instructions (bounds compile time and the budget granularity). */
export const MAX_BLOCK = 64;
/**
 * Instructions interpreted from an entry PC before its block is compiled. Measured on busybox
 * (sha256sum, sort, awk, grep, bzip2; see README): V8 spends a few milliseconds compiling and
 * optimising each block, which pays off only for code that keeps running.
 */
export const DEFAULT_THRESHOLD = 250_000;

/** Smallest `run` budget that uses compiled code: stepping (run(1), stepOne, gdb) stays on the interpreter. */
export const JIT_MIN_BUDGET = 16;

/** Defaults from the environment: PPCVM_JIT=0 turns the JIT off, PPCVM_JIT_THRESHOLD sets the threshold. */
export function jitEnvDefaults(): { jit: boolean; threshold: number } {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const t = Number(env.PPCVM_JIT_THRESHOLD);
  return {
    jit: env.PPCVM_JIT !== '0',
    threshold: env.PPCVM_JIT_THRESHOLD !== undefined && Number.isInteger(t) && t >= 0 ? t : DEFAULT_THRESHOLD,
  };
}

type BlockFn = (c: Cpu) => number;

/** A compiled block: its function, its length (the budget it needs) and the MSR[SF] it assumes. */
interface Block {
  readonly fn: BlockFn;
  readonly len: number;
  readonly sf: boolean;
}

/** Marks a slot where no block can start (first instruction illegal or unimplemented). */
const NO_BLOCK: Block = { fn: () => 0, len: Number.POSITIVE_INFINITY, sf: false };

/** Per RAM page: blocks (allocated with the first one) and heat by word slot. */
export class JitPage {
  blocks: (Block | undefined)[] | null = null;
  readonly counts = new Int32Array(1024);
  /** Set when the page's decoded code was dropped: running blocks leave at their next check. */
  dead = false;
  constructor(readonly page: number) {}
}

/** What a generated block gets from its creator (see Gen.finish). */
interface Runtime {
  readonly s: Int32Array;
  readonly sprs: Int32Array;
  readonly dv: DataView;
  readonly u8: Uint8Array;
  readonly jp: JitPage;
  readonly F: readonly Exec<Cpu>[];
  readonly M: MemOps;
  readonly H: typeof HELPERS;
  readonly out: Int32Array;
}

const HELPERS = { mulLo64, mulU32, mulHiS64, mulHiU64 };

/** Factories by source text, shared by all CPUs (SMP guests run the same code on every vCPU). */
const factories = new Map<string, (rt: Runtime) => BlockFn>();
const MAX_FACTORIES = 1 << 14;

/** Executors that touch registers their operands do not name (register ranges, pairs). */
const TOUCH_ALL = new Set(['lq', 'stq', 'lmw', 'stmw', 'lswi', 'lswx', 'stswi', 'stswx', 'lqarx', 'stqcx.']);

/**
 * The cached state slots a fallback executor may read or write, from its operands: the GPRs it
 * names, and CR and XER when it names a GPR, a CR field or bit, or has Rc/OE. Null (all) for
 * branch-chapter entries (LR, CTR, SPR moves) and the multi-register ones.
 */
function touchedSlots(d: DecodedInsn<Cpu>, f: Fields): number[] | null {
  const def = d.ci.def;
  if (TOUCH_ALL.has(def.m) || def.chapter === 'branch') return null;
  const slots: number[] = [];
  let flags = f.rc === 1 || f.oe === 1;
  for (const o of d.ci.operands) {
    const kind = o.field.kind;
    if (kind === 'gpr' || kind === 'gpr0') {
      const r = f[o.key]!;
      slots.push(2 * r, 2 * r + 1);
      flags = true;
    } else if (kind === 'crf' || kind === 'crb') flags = true;
  }
  if (flags) slots.push(CR, XER_SO, XER_OV, XER_CA, XER_OV32, XER_CA32, XER_BC);
  return slots;
}

/** Instructions that end a block after running: they may change the MSR, translation or PC. */
function isTerminator(d: DecodedInsn<Cpu>): boolean {
  const def = d.ci.def;
  return def.priv !== undefined || def.chapter === 'system' || def.m === 'sc';
}

export class BlockJit {
  private readonly pages = new Map<number, JitPage>();
  /** Recently used pages by RAM page number (low 8 bits), checked before `pages`. */
  private readonly recent: (JitPage | undefined)[] = new Array(256);
  private faultProgress = 0;
  /** The entry the run loop is interpreting from (see `interpreted`). */
  private hotPage: JitPage | null = null;
  private hotIdx = 0;
  private mem: MemOps | null = null;
  /** Blocks compiled so far (for tests and benchmarks). */
  compiled = 0;

  constructor(
    private readonly cpu: Cpu,
    private readonly tlb: JitTlb,
    /** Instructions interpreted from an entry before its block is compiled; 0 compiles at the first visit (tests). */
    public threshold = DEFAULT_THRESHOLD,
  ) {}

  /**
   * Run compiled code from the PC (lo word `pcLo`, on RAM page `page`) for at most `left`
   * instructions. Returns the number run; 0 when there is no block to run here (interpret).
   */
  run(page: number, pcLo: number, left: number): number {
    // Small on purpose (V8 inlines it into the run loop): most calls find no block and return.
    let jp = this.recent[page & 255];
    if (jp === undefined || jp.page !== page || jp.dead) jp = this.page(page);
    const idx = (pcLo & 0xfff) >>> 2;
    const b = jp.blocks === null ? undefined : jp.blocks[idx];
    if (b !== undefined && b.sf === this.cpu.sf) return this.chain(jp, b, pcLo, left);
    if (b === NO_BLOCK) return 0;
    if (jp.counts[idx]! < this.threshold) {
      // The interpreter runs from here; `interpreted` adds what it ran to this entry's heat.
      this.hotPage = jp;
      this.hotIdx = idx;
      return 0;
    }
    const nb = this.compile(jp, idx);
    return nb === NO_BLOCK ? 0 : this.chain(jp, nb, pcLo, left);
  }

  /** Run block `b` (at `pcLo` on page `jp`) and the blocks it leads to, within `left` instructions. */
  private chain(jp: JitPage, b: Block, pcLo: number, left: number): number {
    const c = this.cpu;
    const s = c.s;
    const t = this.tlb;
    let pageLo = pcLo & ~0xfff;
    let pageHi = s[PC + 1]!;
    let total = 0;
    let start = pcLo;
    try {
      for (;;) {
        if (b.len > left - total) break;
        start = s[PC]!;
        const n = b.fn(c);
        if (n < 0) {
          // The block ended in a way the run loop must look at (fallback exit, code dropped).
          total -= n;
          break;
        }
        total += n;
        if (c.stopRequested() || c.halted || (c.pending !== 0 && c.system) || c.attn[c.domainIndex] !== 0) break;
        const nl = s[PC]!;
        const nh = s[PC + 1]!;
        if ((nl & ~0xfff) !== pageLo || nh !== pageHi) {
          // Another page: follow it through the fetch TLB (as Cpu.codePageFor would); on a miss,
          // or a page with no compiled code, the run loop takes over. A page known here still
          // has its decoded code (dropping one drops its JitPage), so stores to it are caught.
          const ti = (nl >>> 12) & 255;
          if (t.fTagLo[ti] !== (nl & ~0xfff) || t.fTagHi[ti] !== nh) break;
          const rp = (t.fOff[ti]! / 4096) | 0;
          let np = this.recent[rp & 255];
          if (np === undefined || np.page !== rp || np.dead) {
            np = this.pages.get(rp);
            if (np === undefined) break;
            this.recent[rp & 255] = np;
          }
          jp = np;
          pageLo = nl & ~0xfff;
          pageHi = nh;
        } else if (jp.dead) break;
        const nb = jp.blocks === null ? undefined : jp.blocks[(nl & 0xfff) >>> 2];
        if (nb === undefined || nb.sf !== c.sf) break;
        b = nb;
      }
    } catch (e) {
      // The PC names the faulting instruction; everything before it completed.
      this.faultProgress = total + (((s[PC]! - start) | 0) >>> 2);
      throw e;
    }
    return total;
  }

  /** The JitPage of a RAM page, created on first use (the run loop has just decoded code there). */
  private page(page: number): JitPage {
    let jp = this.pages.get(page);
    if (jp === undefined) {
      jp = new JitPage(page);
      this.pages.set(page, jp);
    }
    this.recent[page & 255] = jp;
    return jp;
  }

  /**
   * The run loop interpreted `n` instructions from the entry `run` last declined: that entry's
   * heat. Weighting visits by run length compiles long hot runs first and leaves short, rarely
   * repeated ones to the interpreter, for which V8's cost of compiling a block never pays off.
   */
  interpreted(n: number): void {
    const jp = this.hotPage;
    if (jp !== null) {
      jp.counts[this.hotIdx] += n;
      this.hotPage = null;
    }
  }

  /** Instructions completed by compiled code before the fault the run loop is handling (then 0). */
  takeFaultProgress(): number {
    const n = this.faultProgress;
    this.faultProgress = 0;
    return n;
  }

  /** Drop the blocks of one RAM page (its decoded code was invalidated). */
  invalidatePage(page: number): void {
    const jp = this.pages.get(page);
    if (!jp) return;
    jp.dead = true;
    this.pages.delete(page);
  }

  /** Drop every block. */
  flush(): void {
    for (const jp of this.pages.values()) jp.dead = true;
    this.pages.clear();
  }

  private compile(jp: JitPage, first: number): Block {
    const c = this.cpu;
    const base = jp.page * 4096;
    const g = new Gen(c.sf, c.le, c.model === 'power9');
    let count = 0;
    for (let k = first; k < 1024 && count < MAX_BLOCK; k++) {
      const word = c.dv.getInt32(base + 4 * k, c.le);
      const d = c.decoder.decode(word);
      // Illegal and unimplemented instructions stay with the interpreter (it builds their stops).
      if (!d?.exec) break;
      g.i = count;
      // With other CPUs (an SMP domain) barriers must look at the attention word: interpret them.
      const tpl = this.cpu.domain !== null && BARRIERS.has(d.ci.def.m) ? undefined : TEMPLATES[d.ci.def.m];
      const f = decodeFields(d.ci, word);
      if (!(tpl?.(g, f) ?? false)) g.fallback(d.exec, isTerminator(d), touchedSlots(d, f));
      count++;
      if (g.ended) break;
    }
    jp.blocks ??= new Array(1024);
    if (count === 0) {
      jp.blocks[first] = NO_BLOCK;
      return NO_BLOCK;
    }
    const src = g.finish(count);
    let factory = factories.get(src);
    if (!factory) {
      // The source is generated here from the templates (no guest-controlled text).
      factory = new Function('rt', src) as (rt: Runtime) => BlockFn;
      if (factories.size >= MAX_FACTORIES) factories.clear();
      factories.set(src, factory);
    }
    this.mem ??= memOps(this.tlb);
    const fn = factory({ s: c.s, sprs: c.sprs, dv: c.dv, u8: c.u8, jp, F: g.fallbacks, M: this.mem, H: HELPERS, out });
    const block: Block = { fn, len: count, sf: c.sf };
    jp.blocks[first] = block;
    jp.counts[first] = 0;
    this.compiled++;
    return block;
  }
}
