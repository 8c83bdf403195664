/**
 * Test rig for the floating-point tests: a Cpu over a small flat RAM, an
 * encoder driven by the FP chapter's table entries, and FPR accessors by bit
 * pattern (BigInt), so that NaN payloads are compared exactly.
 */

import { Cpu, type StopReason } from '../src/cpu.js';
import { insertField } from '../src/fields.js';
import { FP } from '../src/isa/fp.js';
import { CR, FPSCR, MSR, MSR_LO_FE0, MSR_LO_FE1, MSR_LO_LE, VSR_I32 } from '../src/state.js';
import { compileInsn } from '../src/table.js';
import { textEncoder } from './support/encode.js';

/** Encode "mnemonic op,op,..." (numbers only; a trailing '.' sets Rc) with the FP entries. */
export const enc = textEncoder(FP, 'FP');

export const CODE = 0x1000;
export const DATA = 0x4000;
const PAGE = 4096;

/** Bits of a double. */
export function D(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0);
}

/** The double with these bits (for readable expectations; never for NaNs). */
export function num(b: bigint): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, b);
  return dv.getFloat64(0);
}

/** Double bits of a single-precision value (exact). */
export function S(x: number): bigint {
  return D(Math.fround(x));
}

export const QNAN = 0x7ff8000000000000n;
export const PINF = 0x7ff0000000000000n;
export const NINF = 0xfff0000000000000n;
export const NZERO = 0x8000000000000000n;
export const MAXD = 0x7fefffffffffffffn;
export const MIND = 0x0000000000000001n;

export class Rig {
  readonly ram = new ArrayBuffer(64 * 1024);
  readonly u8 = new Uint8Array(this.ram);
  readonly dv = new DataView(this.ram);
  readonly unmapped = new Set<number>();
  readonly cpu: Cpu;

  constructor(opts: { be?: boolean; fe?: boolean } = {}) {
    this.cpu = new Cpu({
      ram: this.ram,
      translator: {
        translate: (hi, lo) => {
          const page = Math.floor((lo >>> 0) / PAGE);
          if (hi !== 0 || lo >>> 0 >= this.ram.byteLength || this.unmapped.has(page)) return -1;
          return lo & ~(PAGE - 1);
        },
      },
    });
    let msr = this.cpu.s[MSR]!;
    if (opts.be) msr &= ~MSR_LO_LE;
    if (opts.fe) msr |= MSR_LO_FE0 | MSR_LO_FE1;
    this.setMsrLo(msr);
  }

  setMsrLo(lo: number): void {
    this.cpu.setMsr(this.cpu.s[MSR + 1]!, lo);
  }

  /** Run instructions (text or words) placed at CODE; returns the stop reason. */
  run(...insns: (string | number)[]): StopReason {
    const c = this.cpu;
    insns.forEach((x, i) => {
      this.dv.setUint32(CODE + 4 * i, typeof x === 'number' ? x : enc(x), c.le);
    });
    c.invalidateCode(CODE, 4 * insns.length);
    c.set64(64, BigInt(CODE));
    return c.run(insns.length);
  }

  /** FPR i (doubleword 0 of VSR i) as bits. */
  f(i: number): bigint {
    const s = this.cpu.s;
    return (BigInt(s[VSR_I32 + 4 * i + 3]! >>> 0) << 32n) | BigInt(s[VSR_I32 + 4 * i + 2]! >>> 0);
  }

  setF(i: number, v: bigint | number): void {
    const b = typeof v === 'number' ? D(v) : v;
    const s = this.cpu.s;
    s[VSR_I32 + 4 * i + 3] = Number(b >> 32n) | 0;
    s[VSR_I32 + 4 * i + 2] = Number(b & 0xffffffffn) | 0;
  }

  /** Doubleword 1 of VSR i. */
  f1(i: number): bigint {
    const s = this.cpu.s;
    return (BigInt(s[VSR_I32 + 4 * i + 1]! >>> 0) << 32n) | BigInt(s[VSR_I32 + 4 * i]! >>> 0);
  }

  setF1(i: number, b: bigint): void {
    const s = this.cpu.s;
    s[VSR_I32 + 4 * i + 1] = Number(b >> 32n) | 0;
    s[VSR_I32 + 4 * i] = Number(b & 0xffffffffn) | 0;
  }

  /** FPSCR bits 32:63 as a signed int32 (compares equal to ORs of the bit constants). */
  get fpscr(): number {
    return this.cpu.s[FPSCR]!;
  }

  set fpscr(v: number) {
    this.cpu.s[FPSCR] = v | 0;
  }

  get cr(): number {
    return this.cpu.s[CR]! >>> 0;
  }

  set cr(v: number) {
    this.cpu.s[CR] = v | 0;
  }

  /** CR field n (0..7). */
  crf(n: number): number {
    return (this.cr >>> (28 - 4 * n)) & 0xf;
  }

  /**
   * Run one arithmetic instruction on f1..f3 (values or bits) with an FPSCR and
   * return the target f0, the FPSCR and the stop reason.
   */
  op(insn: string, fpscr: number, a?: bigint | number, b?: bigint | number, c?: bigint | number) {
    if (a !== undefined) this.setF(1, a);
    if (b !== undefined) this.setF(2, b);
    if (c !== undefined) this.setF(3, c);
    this.setF(0, 0x5a5a5a5a5a5a5a5an);
    this.fpscr = fpscr;
    const stop = this.run(insn);
    return { t: this.f(0), fpscr: this.fpscr, stop };
  }
}

/** FPSCR bit masks (bits 32:63) for readable expectations. */
export const FX = 0x80000000 | 0;
export const FEX = 0x40000000;
export const VX = 0x20000000;
export const OX = 0x10000000;
export const UX = 0x08000000;
export const ZX = 0x04000000;
export const XX = 0x02000000;
export const VXSNAN = 0x01000000;
export const VXISI = 0x00800000;
export const VXIDI = 0x00400000;
export const VXZDZ = 0x00200000;
export const VXIMZ = 0x00100000;
export const VXVC = 0x00080000;
export const FR = 0x00040000;
export const FI = 0x00020000;
export const VXSOFT = 0x400;
export const VXSQRT = 0x200;
export const VXCVI = 0x100;
export const VE = 0x80;
export const OE = 0x40;
export const UE = 0x20;
export const ZE = 0x10;
export const XE = 0x08;
export const NI = 0x04;
/** FPRF classes (C || FPCC) in place. */
export const C_QNAN = 0x11000;
export const C_NINF = 0x09000;
export const C_NNORM = 0x08000;
export const C_NDEN = 0x18000;
export const C_NZERO = 0x12000;
export const C_PZERO = 0x02000;
export const C_PDEN = 0x14000;
export const C_PNORM = 0x04000;
export const C_PINF = 0x05000;
/** Rounding modes. */
export const RN = 0;
export const RZ = 1;
export const RP = 2;
export const RM = 3;
