/**
 * Test rig for the VMX tests: a Cpu over a small flat RAM, an encoder driven by
 * the VMX table (plus the rest of the instruction table for helpers), and VR
 * accessors in architected order: a VR is a 128-bit BigInt whose most
 * significant bits are element 0.
 */

import { Cpu, type StopReason } from '../src/cpu.js';
import { insertField } from '../src/fields.js';
import { INSTRUCTIONS } from '../src/isa/index.js';
import { CR, MSR, MSR_LO_LE, MSR_LO_VEC, VR_BASE, VSCR, VSR_I32 } from '../src/state.js';
import { type CompiledInsn, compileInsn } from '../src/table.js';
import { textEncoder } from './support/encode.js';

/** Encode "mnemonic op,op,..." (numbers only; a trailing '.' sets Rc) with the table entries. */
export const enc = textEncoder(INSTRUCTIONS, 'table');

export const CODE = 0x1000;
export const DATA = 0x4000;
const PAGE = 4096;
const M128 = (1n << 128n) - 1n;

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
          const page = Math.floor((lo >>> 0) / PAGE);
          if (hi !== 0 || lo >>> 0 >= this.ram.byteLength || this.unmapped.has(page)) return -1;
          return lo & ~(PAGE - 1);
        },
      },
    });
    if (opts.be) this.setMsrLo(this.cpu.s[MSR]! & ~MSR_LO_LE);
  }

  setMsrLo(lo: number): void {
    this.cpu.setMsr(this.cpu.s[MSR + 1]!, lo);
  }

  /** Turn MSR[VEC] on or off. */
  set vec(on: boolean) {
    const lo = this.cpu.s[MSR]!;
    this.setMsrLo(on ? lo | MSR_LO_VEC : lo & ~MSR_LO_VEC);
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

  /** Set VR r to a 128-bit value (architected bit 0 = most significant). */
  setV(r: number, v: bigint): void {
    const s = this.cpu.s;
    const x = v & M128;
    for (let k = 0; k < 4; k++) s[VSR_I32 + 4 * (VR_BASE + r) + k] = Number((x >> BigInt(32 * k)) & 0xffffffffn) | 0;
  }

  getV(r: number): bigint {
    const u = this.cpu.u32;
    let v = 0n;
    for (let k = 3; k >= 0; k--) v = (v << 32n) | BigInt(u[VSR_I32 + 4 * (VR_BASE + r) + k]!);
    return v;
  }

  get vscr(): number {
    return this.cpu.s[VSCR]! >>> 0;
  }

  set vscr(v: number) {
    this.cpu.s[VSCR] = v | 0;
  }

  get cr(): number {
    return this.cpu.s[CR]! >>> 0;
  }

  set cr(v: number) {
    this.cpu.s[CR] = v | 0;
  }

  /** CR field 6. */
  get cr6(): number {
    return (this.cr >>> 4) & 15;
  }
}

/** Split a 128-bit value into elements of `bits` bits, element 0 (most significant) first. */
export function elems(v: bigint, bits: number): bigint[] {
  const n = 128 / bits;
  const mask = (1n << BigInt(bits)) - 1n;
  return Array.from({ length: n }, (_, j) => (v >> BigInt(128 - bits * (j + 1))) & mask);
}

/** Join elements (element 0 first), each truncated to `bits` bits. */
export function join(es: readonly bigint[], bits: number): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  let v = 0n;
  for (const e of es) v = (v << BigInt(bits)) | (BigInt.asUintN(bits, e) & mask);
  return v & M128;
}

/** Signed value of an unsigned `bits`-bit element. */
export function sx(e: bigint, bits: number): bigint {
  return BigInt.asIntN(bits, e);
}

/** Words (element 0 first) to a vector. */
export function fromWords(ws: readonly number[]): bigint {
  return join(
    ws.map((w) => BigInt(w >>> 0)),
    32,
  );
}

export function toWords(v: bigint): number[] {
  return elems(v, 32).map(Number);
}

/** IEEE single bits of a number (rounded). */
export function f32bits(x: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x);
  return dv.getUint32(0);
}

export function f32val(bits: number): number {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, bits >>> 0);
  return dv.getFloat32(0);
}
