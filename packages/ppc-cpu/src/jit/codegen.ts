/**
 * Source generation for one JIT block (see ./engine.ts for the design).
 *
 * A block is straight-line code: the state slots it touches (`Cpu.s` int32
 * slots: GPR halves, CR, XER pieces, LR, CTR) live in JS locals `v<slot>`
 * loaded once in the prologue and written back at every exit, so V8 keeps them
 * in machine registers. Every local always holds the architected value of its
 * slot at any point where the block can leave (exit, fault, fallback), which is
 * what makes faults exact: the catch handler writes all locals back, sets the
 * PC to the faulting instruction and rethrows to the run loop.
 *
 * Names used in the generated code: `c` the Cpu, `s` its Int32Array state,
 * `P`/`PH` the block's start PC halves, `N` instructions completed (the count
 * at a fault, the result at an exit), `NL`/`NH` the next PC at an exit, label
 * `B` the block body (exits are `break B`).
 */
import type { Cpu } from '../cpu.js';
import { CR, LR, PC, XER_SO } from '../state.js';
import type { Exec } from '../table.js';

/** Marker lines (with an index into `reloads`) replaced in `finish` once the final set of cached slots is known. */
const RELOAD = '\u0000reload:';

/** Index of CFAR's low half in `Cpu.sprs` (SPR 28; Book III-S §4.3.3 "Come-From Address Register"). */
const CFAR2 = 28 * 2;

export class Gen {
  private readonly lines: string[] = [];
  /** Slots held in locals (loaded in the prologue). */
  private readonly used = new Set<number>();
  /** Slots written anywhere in the block (written back at exits and faults). */
  private readonly dirty = new Set<number>();
  /** Slots written since the last spill to `s` (before a fallback call). */
  private readonly unsynced = new Set<number>();
  private tmpN = 0;
  /** Slots to reload after each fallback call (null: all cached slots), by marker index. */
  private readonly reloads: (readonly number[] | null)[] = [];
  /** Executors called by the block, by index (`F0`, `F1`, ...). */
  readonly fallbacks: Exec<Cpu>[] = [];
  /** Index of the instruction being generated, from the block start. */
  i = 0;
  /** Set by a template (or a terminator) when the block cannot continue after this instruction. */
  ended = false;

  constructor(
    /** MSR[SF] the block is compiled for (checked before it runs). */
    readonly sf: boolean,
    /** MSR[LE]: a change of byte order drops all blocks (Cpu.flushCode). */
    readonly le: boolean,
    /** POWER9 has XER[OV32, CA32] visible in mfxer (ISA 3.0). */
    readonly power9: boolean,
    /** Slot (word index within the 4 KiB page) of the first instruction. */
    readonly start: number,
  ) {}

  // ---- state slots ----------------------------------------------------------------------------

  /** The local holding int32 state slot `slot`. */
  r(slot: number): string {
    this.used.add(slot);
    return `v${slot}`;
  }

  /** GPR n's low / high half. */
  lo(n: number): string {
    return this.r(2 * n);
  }
  hi(n: number): string {
    return this.r(2 * n + 1);
  }

  /** Assign an int32 slot (the expression is coerced to int32, as a store to `s` would). */
  set(slot: number, expr: string): void {
    this.used.add(slot);
    this.dirty.add(slot);
    this.unsynced.add(slot);
    this.lines.push(/^(t\d+|-?\d+)$/.test(expr) ? `v${slot} = ${expr} | 0;` : `v${slot} = (${expr}) | 0;`);
  }

  /** Assign both halves of GPR n, with the semantics of evaluating both expressions first. */
  setGpr(n: number, lo: string, hi: string): void {
    // Only `hi` can see the new low word: snapshot it when it reads that local.
    const h = new RegExp(`\\bv${2 * n}\\b`).test(hi) ? this.tmp(hi) : hi;
    this.set(2 * n, lo);
    this.set(2 * n + 1, h);
  }

  /**
   * A constant temporary holding the current value of `expr`; returns its name. Temporaries and
   * literals are returned as they are (they never change); slot locals are snapshotted.
   */
  tmp(expr: string): string {
    if (/^(t\d+|-?\d+)$/.test(expr)) return expr;
    const name = `t${this.tmpN++}`;
    this.lines.push(`const ${name} = ${expr};`);
    return name;
  }

  /**
   * `expr` as an operand used before anything is written: identifiers and literals as they are,
   * anything else computed once into a temporary.
   */
  val(expr: string): string {
    return /^(v\d+|t\d+|-?\d+)$/.test(expr) ? expr : this.tmp(expr);
  }

  /** A new `let` temporary (assigned in branches by the caller). */
  let(init = '0'): string {
    const name = `t${this.tmpN++}`;
    this.lines.push(`let ${name} = ${init};`);
    return name;
  }

  line(code: string): void {
    this.lines.push(code);
  }

  // ---- program counter ----------------------------------------------------------------------

  /** Low word of the current instruction's address (never carries: a block stays in one page). */
  pc(): string {
    return this.i === 0 ? 'P' : `((P + ${4 * this.i}) | 0)`;
  }

  /**
   * Statements setting NL/NH to the address after the current instruction: carries into the high
   * word at the top of a 4 GiB range (or wraps to 0 in 32-bit mode), as the interpreter does.
   */
  private nextPc(): string {
    const t = `t${this.tmpN++}`;
    return `const ${t} = (P >>> 0) + ${4 * (this.i + 1)}; NL = ${t} | 0; NH = ${t} > 4294967295 ? ${this.sf ? '(PH + 1) | 0' : '0'} : PH;`;
  }

  /** Leave the block after the current instruction, falling through to the next one. */
  exitNext(dirty = false): void {
    this.lines.push(`{ ${this.nextPc()} N = ${dirty ? -(this.i + 1) : this.i + 1}; break B; }`);
  }

  /**
   * Taken branch to (lo, hi) from the current instruction: records CFAR (Book III-S §4.3.3) and
   * truncates the target as `jump` in isa/branch.ts does. Returns the statement (for a side exit).
   */
  branchTo(lo: string, hi: string): string {
    return `{ sp[${CFAR2}] = ${this.pc()}; sp[${CFAR2 + 1}] = PH; NL = (${lo}) & -4; NH = ${this.sf ? `${hi}` : '0'}; N = ${this.i + 1}; break B; }`;
  }

  /** LR ← address of the next instruction (Book I §2.4 "LK"). */
  link(): void {
    const t = this.tmp(`(P >>> 0) + ${4 * (this.i + 1)}`);
    this.set(LR, `${t}`);
    this.set(LR + 1, this.sf ? `${t} > 4294967295 ? (PH + 1) | 0 : PH` : '0');
  }

  /** Target (lo, hi) of a relative branch by displacement `disp` from the current instruction. */
  relTarget(disp: number): [string, string] {
    const t = this.tmp(`(P >>> 0) + ${4 * this.i + disp}`);
    const off = 4 * this.i + disp;
    const hi =
      off >= 0
        ? `(${t} > 4294967295 ? (PH + 1) | 0 : PH)`
        : `(${t} < 0 ? (PH - 1) | 0 : ${t} > 4294967295 ? (PH + 1) | 0 : PH)`;
    return [`(${t} | 0)`, hi];
  }

  // ---- CR, XER --------------------------------------------------------------------------------

  /** CR0 from a result (Book I §3.3.1.1): the 64-bit value in 64-bit mode, the low word in 32-bit mode. */
  cr0(lo: string, hi: string): void {
    const f = this.sf ? `(${hi} < 0 ? 8 : (${hi} | ${lo}) !== 0 ? 4 : 2)` : `(${lo} < 0 ? 8 : ${lo} !== 0 ? 4 : 2)`;
    this.set(CR, `(${this.r(CR)} & 0x0fffffff) | ((${f} | ${this.r(XER_SO)}) << 28)`);
  }

  // ---- memory ---------------------------------------------------------------------------------

  /**
   * Load `size` bytes at (lo, hi): the soft-TLB fast path, or the Cpu's accessor (which may
   * throw a GuestFault: N says how many instructions completed). Returns temporaries holding
   * the value (int32; `vhi` for 8). See ./memory.ts.
   */
  load(size: 1 | 2 | 4 | 8, lo: string, hi: string): { v: string; vhi: string } {
    this.line(`N = ${this.i};`);
    const v = this.tmp(`M.L${size}(${lo}, ${hi})`);
    return { v, vhi: size === 8 ? this.tmp('M.h') : '0' };
  }

  /**
   * Store through the write TLB (which never holds pages with decoded code, so the fast path
   * cannot modify code). The slow path may invalidate this block's own page: then leave after
   * this instruction, so the run loop decodes the new code (self-modifying code). `onLeave`
   * completes the instruction first (the RA update of the update forms).
   */
  store(size: 1 | 2 | 4 | 8, lo: string, hi: string, v: string, vhi = '0', onLeave = ''): void {
    const args = size === 8 ? `${lo}, ${hi}, ${v}, ${vhi}` : `${lo}, ${hi}, ${v}`;
    this.line(
      `N = ${this.i}; if (M.S${size}(${args}) !== 0 && jp.dead) { ${onLeave} ${this.nextPc()} N = ${-(this.i + 1)}; break B; }`,
    );
  }

  /** EA = (RA|0) + d (D/DS forms; `ra0` false for update forms, where RA is always a register). */
  eaD(ra: number, d: number, ra0: boolean): [string, string] {
    if (ra0 && ra === 0) return [`${d | 0}`, this.sf ? `${d >> 31}` : '0'];
    const a = this.lo(ra);
    const h = this.hi(ra);
    if (!this.sf) return [this.tmp(`(${a} + ${d}) | 0`), '0'];
    if (d === 0) return [a, h];
    // Carry (d > 0) or borrow (d < 0) out of the low word, found with 32-bit compares only.
    const lo = this.tmp(`(${a} + ${d}) | 0`);
    const hi =
      d > 0
        ? `(${lo} >>> 0) < (${a} >>> 0) ? (${h} + 1) | 0 : ${h}`
        : `(${lo} >>> 0) > (${a} >>> 0) ? (${h} - 1) | 0 : ${h}`;
    return [lo, this.tmp(hi)];
  }

  /** EA = (RA|0) + (RB) (X form). */
  eaX(ra: number, rb: number, ra0: boolean): [string, string] {
    if (ra0 && ra === 0) return [this.tmp(this.lo(rb)), this.sf ? this.tmp(this.hi(rb)) : '0'];
    const a = this.lo(ra);
    const lo = this.tmp(`(${a} + ${this.lo(rb)}) | 0`);
    const hi = this.sf
      ? this.tmp(`(${this.hi(ra)} + ${this.hi(rb)} + ((${lo} >>> 0) < (${a} >>> 0) ? 1 : 0)) | 0`)
      : '0';
    return [lo, hi];
  }

  // ---- fallback -----------------------------------------------------------------------------

  /**
   * Run the interpreter's executor for the current instruction. `touched` lists the cached slots
   * it may read or write (from its operands; null: any). Those are spilled to `s` before the
   * call and reloaded after it, so every local keeps the architected value. A non-zero result
   * (it set the PC, raised an interrupt or stopped) ends the block; so does a `terminator`
   * (privileged and system instructions, which may change the MSR or the translation) and
   * anything that dropped this page's code or changed MSR[SF].
   */
  fallback(exec: Exec<Cpu>, terminator: boolean, touched: readonly number[] | null): void {
    const k = this.fallbacks.length;
    this.fallbacks.push(exec);
    const all = terminator || touched === null;
    const spilled = all ? [...this.unsynced] : touched.filter((slot) => this.unsynced.has(slot));
    for (const slot of spilled) this.unsynced.delete(slot);
    const spill = spilled.map((slot) => `s[${slot}] = v${slot};`).join(' ');
    // Slots still only in locals: written back when the block leaves right after the call.
    const rest = [...this.unsynced].map((slot) => `s[${slot}] = v${slot};`).join(' ');
    const ret = -(this.i + 1);
    this.line(`${spill} s[${PC}] = ${this.pc()}; N = ${this.i};`);
    if (terminator) {
      this.line(`if (F${k}(c) === 0) { ${this.nextPc()} s[${PC}] = NL; s[${PC + 1}] = NH; } return ${ret};`);
      this.ended = true;
      return;
    }
    this.line(`if (F${k}(c) !== 0) { ${rest} return ${ret}; }`);
    this.reloads.push(all ? null : touched);
    this.line(`${RELOAD}${this.reloads.length - 1}`);
    this.line(
      `if (jp.dead || c.sf !== ${this.sf}) { ${rest} ${this.nextPc()} s[${PC}] = NL; s[${PC + 1}] = NH; return ${ret}; }`,
    );
  }

  // ---- assembly -------------------------------------------------------------------------------

  /**
   * The factory's source: given the runtime constants `rt`, it returns the block function
   * `(c) => n`, with n > 0 instructions run and the PC set, or -n when the run loop must look at
   * the CPU before running more compiled code (see BlockJit.run).
   */
  finish(count: number): string {
    if (!this.ended) {
      this.i = count - 1;
      this.exitNext();
    }
    const used = [...this.used].sort((a, b) => a - b);
    const dirty = [...this.dirty].sort((a, b) => a - b);
    const load = used.length ? `let ${used.map((k) => `v${k} = s[${k}]`).join(', ')};` : '';
    const reload = (set: readonly number[] | null) =>
      (set ?? used)
        .filter((k) => this.used.has(k))
        .map((k) => `v${k} = s[${k}];`)
        .join(' ');
    const writeBack = dirty.map((k) => `s[${k}] = v${k};`).join(' ');
    const body = this.lines
      .map((l) => (l.startsWith(RELOAD) ? reload(this.reloads[Number(l.slice(RELOAD.length))]!) : l))
      .join('\n');
    const fb = this.fallbacks.map((_, k) => `const F${k} = rt.F[${k}];`).join(' ');
    return `"use strict";
const s = rt.s, sp = rt.sprs, jp = rt.jp, M = rt.M, H = rt.H, out = rt.out;
${fb}
return function block(c) {
const P = s[${PC}], PH = s[${PC + 1}];
${load}
let N = 0, NL = 0, NH = 0;
try {
B: {
${body}
}
} catch (e) {
${writeBack}
s[${PC}] = (P + 4 * N) | 0;
throw e;
}
${writeBack}
s[${PC}] = NL; s[${PC + 1}] = NH;
return N;
};`;
  }
}
