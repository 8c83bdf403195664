/**
 * Test rig for the VSX tests: a Cpu over a small flat RAM, an encoder driven by the
 * instruction table, and VSR accessors in architected (big-endian element) order.
 */

import { insertField } from '../src/fields.js';
import { Cpu, type StopReason } from '../src/index.js';
import { VSX } from '../src/isa/vsx.js';
import { CR, FPSCR, MSR, MSR_LO_LE, VSR_I32 } from '../src/state.js';
import { compileInsn } from '../src/table.js';
import { textEncoder } from './support/encode.js';

/** Encode "mnemonic op,op,..." (numbers only; a trailing '.' sets Rc) with the VSX entries. */
export const enc = textEncoder(VSX, 'VSX');

export const CODE = 0x1000;
export const DATA = 0x4000;
const PAGE = 4096;

export class Rig {
  readonly ram = new ArrayBuffer(64 * 1024);
  readonly u8 = new Uint8Array(this.ram);
  readonly dv = new DataView(this.ram);
  /** Pages (by index) the translator reports as unmapped. */
  readonly unmapped = new Set<number>();
  readonly cpu: Cpu;

  constructor(opts: { be?: boolean } = {}) {
    this.cpu = new Cpu({
      ram: this.ram,
      translator: {
        translate: (hi, lo) => {
          const page = (lo >>> 0) / PAGE;
          if (hi !== 0 || lo >>> 0 >= this.ram.byteLength || this.unmapped.has(Math.floor(page))) return -1;
          return lo & ~(PAGE - 1);
        },
      },
    });
    if (opts.be) this.setMsrLo(this.cpu.s[MSR]! & ~MSR_LO_LE);
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

  /** Set VSR i from four words, word element 0 first. */
  setW(i: number, w: readonly number[]): void {
    const s = this.cpu.s;
    for (let j = 0; j < 4; j++) s[VSR_I32 + 4 * i + 3 - j] = w[j]! | 0;
  }

  getW(i: number): number[] {
    const u = this.cpu.u32;
    return [0, 1, 2, 3].map((j) => u[VSR_I32 + 4 * i + 3 - j]!);
  }

  /** Set VSR i from its two doublewords. */
  setD(i: number, d0: bigint, d1: bigint): void {
    this.setW(i, [Number(d0 >> 32n), Number(d0 & 0xffffffffn), Number(d1 >> 32n), Number(d1 & 0xffffffffn)]);
  }

  getD(i: number): [bigint, bigint] {
    const w = this.getW(i).map(BigInt);
    return [(w[0]! << 32n) | w[1]!, (w[2]! << 32n) | w[3]!];
  }

  /** FPSCR bits 32:63 as a signed int32 (so that it compares equal to ORs of the fpu.ts constants). */
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

  bytes(at: number, n: number): number[] {
    return [...this.u8.subarray(at, at + n)];
  }
}

/** Bits of an IEEE double as a BigInt. */
export function dbits(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0);
}

/** Bits of an IEEE single as a number. */
export function fbits(x: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x);
  return dv.getUint32(0);
}
