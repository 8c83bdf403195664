/**
 * Source generation for one JIT block (see ./engine.ts for the design).
 *
 * A block is straight-line code: the state slots it touches (`Cpu.s` int32
 * slots: GPR halves, CR, XER pieces, LR, CTR) live in JS locals `v<slot>`,
 * loaded at their first use, so V8 keeps them in machine registers. A local
 * always holds its slot's architected value; `s` is brought up to date (the written
 * locals stored, `s[PC]` set) only where the block leaves or may throw: at an
 * exit, before an executor call and on the slow path of a load or store (the
 * fast path cannot fault). So a guest fault needs no handler in the block: the
 * state is exact and the PC names the faulting instruction. There is no
 * try/catch and no merge of exits, which keeps V8's optimising compiler fast.
 *
 * Names used in the generated code: `c` the Cpu, `s` its Int32Array state,
 * `sp` its SPRs, `dv` a DataView of RAM, `M` the TLB helpers (./memory.ts),
 * `P`/`PH` the block's start PC halves, `F<k>` executors called as fallbacks.
 */
import type { Cpu } from '../cpu.js';
import { CR, LR, PC, XER_SO } from '../state.js';
import type { Exec } from '../table.js';

/** Most locals an exit or slow path stores itself (see Gen.bound). */
const SYNC_LIMIT = 8;

/** Index of CFAR's low half in `Cpu.sprs` (SPR 28; Book III-S §4.3.3 "Come-From Address Register"). */
const CFAR2 = 28 * 2;

export class Gen {
  private readonly lines: string[] = [];
  /** Slots with a local (declared at the top of the block function). */
  private readonly used = new Set<number>();
  /** Slots whose local holds the value at this point of the (straight-line) code. */
  private readonly loaded = new Set<number>();
  /** Slots written since `s` was last brought up to date. */
  private readonly unsynced = new Set<number>();
  private tmpN = 0;
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
  ) {}

  // ---- state slots ----------------------------------------------------------------------------

  /**
   * The local holding int32 state slot `slot`, loaded from `s` at its first use (so a block that
   * leaves early loads only what it used; the load line goes before the caller's line).
   */
  r(slot: number): string {
    if (!this.loaded.has(slot)) {
      this.used.add(slot);
      this.loaded.add(slot);
      this.lines.push(`v${slot} = s[${slot}];`);
    }
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
    this.loaded.add(slot);
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
   * Exits and slow paths store the locals written since the last sync; once there are more than
   * SYNC_LIMIT of them, they are stored on the main path instead, which keeps the code (and V8's
   * compile time) linear in the block length at the cost of a few stores.
   */
  private bound(): void {
    if (this.unsynced.size > SYNC_LIMIT) {
      this.lines.push(this.sync());
      this.unsynced.clear();
    }
  }

  /** Statements storing the locals written since the last sync into `s`. */
  private sync(): string {
    return [...this.unsynced].map((slot) => `s[${slot}] = v${slot};`).join(' ');
  }

  /**
   * Statements setting the PC to the address after the current instruction: it carries into the
   * high word at the top of a 4 GiB range (or wraps to 0 in 32-bit mode), as the interpreter does.
   */
  private nextPc(): string {
    const t = `t${this.tmpN++}`;
    return `const ${t} = (P >>> 0) + ${4 * (this.i + 1)}; s[${PC}] = ${t} | 0; if (${t} > 4294967295) s[${PC + 1}] = ${this.sf ? '(PH + 1) | 0' : '0'};`;
  }

  /** Leave the block after the current instruction, falling through to the next one. */
  exitNext(): void {
    this.bound();
    this.lines.push(`{ ${this.sync()} ${this.nextPc()} return ${this.i + 1}; }`);
  }

  /**
   * Taken branch to (lo, hi) from the current instruction: records CFAR (Book III-S §4.3.3) and
   * truncates the target as `jump` in isa/branch.ts does. Returns the statement (for a side exit).
   */
  branchTo(lo: string, hi: string): string {
    this.bound();
    const h = this.sf ? hi : '0';
    return `{ sp[${CFAR2}] = ${this.pc()}; sp[${CFAR2 + 1}] = PH; ${this.sync()} s[${PC}] = (${lo}) & -4; s[${PC + 1}] = ${h}; return ${this.i + 1}; }`;
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

  /** Before a call that may throw a GuestFault: `s` up to date and the PC at this instruction. */
  private beforeThrow(): string {
    return `${this.sync()} s[${PC}] = ${this.pc()};`;
  }

  /**
   * Load `size` bytes at (lo, hi): the soft-TLB fast path (./memory.ts gives the RAM offset on a
   * hit), else the Cpu's accessor, which may throw a GuestFault. Returns temporaries holding the
   * value (int32; `vhi` for 8).
   */
  load(size: 1 | 2 | 4 | 8, lo: string, hi: string): { v: string; vhi: string } {
    this.bound();
    const le = this.le;
    const o = this.tmp(`M.r${size}(${lo}, ${hi})`);
    const v = this.let();
    const slow = this.beforeThrow();
    switch (size) {
      case 1:
        this.line(`if (${o} >= 0) ${v} = u8[${o}]; else { ${slow} ${v} = c.read8(${hi}, ${lo}); }`);
        return { v, vhi: '0' };
      case 2:
        this.line(`if (${o} >= 0) ${v} = dv.getUint16(${o}, ${le}); else { ${slow} ${v} = c.read16(${hi}, ${lo}); }`);
        return { v, vhi: '0' };
      case 4:
        this.line(`if (${o} >= 0) ${v} = dv.getInt32(${o}, ${le}); else { ${slow} ${v} = c.read32(${hi}, ${lo}); }`);
        return { v, vhi: '0' };
      default: {
        const vhi = this.let();
        const [a, b] = le ? [v, vhi] : [vhi, v];
        this.line(
          `if (${o} >= 0) { ${a} = dv.getInt32(${o}, ${le}); ${b} = dv.getInt32(${o} + 4, ${le}); } else { ${slow} ${v} = c.read64(${hi}, ${lo}); ${vhi} = c.rhi; }`,
        );
        return { v, vhi };
      }
    }
  }

  /**
   * Store through the write TLB (which never holds pages with decoded code, so the fast path
   * cannot modify code). The slow path may drop this block's own page (self-modifying code):
   * then the block leaves after this instruction so the run loop decodes the new code. `ra`
   * is the register an update form sets to the EA, written before leaving.
   */
  store(size: 1 | 2 | 4 | 8, lo: string, hi: string, v: string, vhi = '0', ra = -1): void {
    this.bound();
    const le = this.le;
    const o = this.tmp(`M.w${size}(${lo}, ${hi})`);
    const upd = ra >= 0 ? `s[${2 * ra}] = ${lo}; s[${2 * ra + 1}] = ${hi};` : '';
    const slow = `${this.beforeThrow()} c.write${size * 8}(${hi}, ${lo}, ${size === 8 ? `${v}, ${vhi}` : v}); if (jp.dead) { ${upd} ${this.nextPc()} return ${-(this.i + 1)}; }`;
    let fast: string;
    switch (size) {
      case 1:
        fast = `u8[${o}] = ${v};`;
        break;
      case 2:
        fast = `dv.setUint16(${o}, ${v}, ${le});`;
        break;
      case 4:
        fast = `dv.setInt32(${o}, ${v}, ${le});`;
        break;
      default: {
        const [a, b] = le ? [v, vhi] : [vhi, v];
        fast = `dv.setInt32(${o}, ${a}, ${le}); dv.setInt32(${o} + 4, ${b}, ${le});`;
      }
    }
    this.line(`if (${o} >= 0) { ${fast} } else { ${slow} }`);
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
   * Run the interpreter's executor for the current instruction, with `s` up to date (it may
   * read anything, or throw). `touched` lists the cached slots it may write (from its operands;
   * null: any), reloaded after the call. A non-zero result (it set the PC, raised an interrupt
   * or stopped) ends the block; so does a `terminator` (privileged and system instructions,
   * which may change the MSR or the translation) and anything that dropped this page's code
   * or changed MSR[SF].
   */
  fallback(exec: Exec<Cpu>, terminator: boolean, touched: readonly number[] | null): void {
    const k = this.fallbacks.length;
    this.fallbacks.push(exec);
    const ret = -(this.i + 1);
    this.line(this.beforeThrow());
    this.unsynced.clear();
    if (terminator) {
      this.line(`if (F${k}(c) === 0) { ${this.nextPc()} } return ${ret};`);
      this.ended = true;
      return;
    }
    this.line(`if (F${k}(c) !== 0) return ${ret};`);
    // Locals the executor may have changed take their value from `s` again.
    const stale = touched === null ? [...this.loaded] : touched.filter((slot) => this.loaded.has(slot));
    this.line(stale.map((slot) => `v${slot} = s[${slot}];`).join(' '));
    this.line(`if (jp.dead || c.sf !== ${this.sf}) { ${this.nextPc()} return ${ret}; }`);
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
    const decl = used.length ? `let ${used.map((k) => `v${k} = 0`).join(', ')};` : '';
    const body = this.lines.join('\n');
    const fb = this.fallbacks.map((_, k) => `const F${k} = rt.F[${k}];`).join(' ');
    return `"use strict";
const s = rt.s, sp = rt.sprs, dv = rt.dv, u8 = rt.u8, jp = rt.jp, M = rt.M, H = rt.H, out = rt.out;
${fb}
return function block(c) {
const P = s[${PC}], PH = s[${PC + 1}];
${decl}
${body}
};`;
  }
}
