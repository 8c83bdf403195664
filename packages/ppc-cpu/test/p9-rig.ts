/**
 * Unit-test rig for the POWER9 instructions: a power9 Cpu over a flat 64 KiB RAM, the
 * package's own assembler for the instruction text, and register accessors in architected
 * order (a VSR is a 128-bit BigInt whose most significant bits are doubleword 0).
 */
import { assemble } from '../src/asm.js';
import { Cpu, type StopReason } from '../src/cpu.js';
import { CR, FPSCR, FPSCR_HI, MSR, MSR_LO_LE, VSR_I32, XER_OV, XER_OV32 } from '../src/state.js';

export const CODE = 0x1000;
export const DATA = 0x4000;
const PAGE = 4096;
const M128 = (1n << 128n) - 1n;

export class P9Rig {
  readonly ram = new ArrayBuffer(64 * 1024);
  readonly u8 = new Uint8Array(this.ram);
  readonly dv = new DataView(this.ram);
  /** Pages (by index) the translator reports as unmapped. */
  readonly unmapped = new Set<number>();
  readonly cpu: Cpu;

  constructor(opts: { be?: boolean; model?: 'power8' | 'power9' } = {}) {
    this.cpu = new Cpu({
      ram: this.ram,
      model: opts.model ?? 'power9',
      translator: {
        translate: (hi, lo) => {
          const a = lo >>> 0;
          if (hi !== 0 || a >= this.ram.byteLength || this.unmapped.has(Math.floor(a / PAGE))) return -1;
          return a & ~(PAGE - 1);
        },
      },
    });
    if (opts.be) this.msrLo = this.cpu.s[MSR]! & ~MSR_LO_LE;
  }

  get msrLo(): number {
    return this.cpu.s[MSR]!;
  }

  set msrLo(lo: number) {
    this.cpu.setMsr(this.cpu.s[MSR + 1]!, lo);
  }

  /** Assemble `lines` (binutils syntax) at CODE and run them; returns the stop reason. */
  run(...lines: string[]): StopReason {
    const c = this.cpu;
    const { bytes } = assemble(lines.join('\n'), { base: BigInt(CODE), endian: c.le ? 'le' : 'be' });
    this.u8.set(bytes, CODE);
    c.invalidateCode(CODE, bytes.length);
    c.set64(64, BigInt(CODE));
    return c.run(bytes.length / 4);
  }

  /** Run one instruction word. */
  runWord(word: number): StopReason {
    const c = this.cpu;
    this.dv.setUint32(CODE, word, c.le);
    c.invalidateCode(CODE, 4);
    c.set64(64, BigInt(CODE));
    return c.run(1);
  }

  setVs(i: number, v: bigint): void {
    const s = this.cpu.s;
    const x = BigInt.asUintN(128, v) & M128;
    for (let k = 0; k < 4; k++) s[VSR_I32 + 4 * i + k] = Number((x >> BigInt(32 * k)) & 0xffffffffn) | 0;
  }

  getVs(i: number): bigint {
    const u = this.cpu.u32;
    let v = 0n;
    for (let k = 3; k >= 0; k--) v = (v << 32n) | BigInt(u[VSR_I32 + 4 * i + k]!);
    return v;
  }

  setV(r: number, v: bigint): void {
    this.setVs(32 + r, v);
  }

  getV(r: number): bigint {
    return this.getVs(32 + r);
  }

  setR(n: number, v: bigint | number): void {
    this.cpu.setGpr(n, BigInt(v));
  }

  r(n: number): bigint {
    return this.cpu.getGpr(n);
  }

  /** FPSCR bits 32:63 (unsigned). */
  get fpscr(): number {
    return this.cpu.s[FPSCR]! >>> 0;
  }

  set fpscr(v: number) {
    this.cpu.s[FPSCR] = v | 0;
  }

  /** FPSCR bits 29:31 (DRN). */
  get drn(): number {
    return this.cpu.s[FPSCR_HI]! & 7;
  }

  set drn(v: number) {
    this.cpu.s[FPSCR_HI] = v & 7;
  }

  get cr(): number {
    return this.cpu.s[CR]! >>> 0;
  }

  set cr(v: number) {
    this.cpu.s[CR] = v | 0;
  }

  /** CR field n. */
  crf(n: number): number {
    return (this.cr >>> (28 - 4 * n)) & 15;
  }

  get ov(): [number, number] {
    return [this.cpu.s[XER_OV]!, this.cpu.s[XER_OV32]!];
  }

  set ov(v: [number, number]) {
    this.cpu.s[XER_OV] = v[0];
    this.cpu.s[XER_OV32] = v[1];
  }

  bytes(at: number, n: number): number[] {
    return [...this.u8.subarray(at, at + n)];
  }
}

/** A quad-precision value from sign, biased exponent and fraction. */
export function quad(sign: number, exp: number, frac: bigint): bigint {
  return (BigInt(sign) << 127n) | (BigInt(exp) << 112n) | frac;
}

export const Q_ONE = quad(0, 0x3fff, 0n);
export const Q_TWO = quad(0, 0x4000, 0n);
export const Q_THREE = quad(0, 0x4000, 1n << 111n);
export const Q_INF = quad(0, 0x7fff, 0n);
export const Q_QNAN = quad(0, 0x7fff, 1n << 111n);

/** Bits of an IEEE double as a BigInt. */
export function dbits(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0);
}
