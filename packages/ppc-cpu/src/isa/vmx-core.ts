/**
 * Shared plumbing for the vector facility (Power ISA 2.07 Book I chapter 6):
 * typed-array views of the register file, vector register addressing, the
 * MSR[VEC] check, VSCR[SAT] and CR6 updates.
 *
 * Layout reminder (see HACKING.md): VR r is VSR 32+r, stored as one
 * little-endian 128-bit number. Architected (big-endian) element j of an
 * n-element vector therefore lives at storage index n-1-j of the matching
 * typed-array view. Element-wise operations do not care about the order and
 * walk storage indices directly; anything that moves data between lanes
 * converts explicitly.
 */
import type { Cpu } from '../cpu.js';
import * as st from '../state.js';
import type { Exec, Fields } from '../table.js';

// Local copies of imported bindings: dev-time ESM transforms (vitest, tsx) turn every use of an
// import into a getter call, which costs more than these executors themselves.
const { CR, MSR, MSR_LO_VEC, VR_BASE, VSCR, VSR_BYTE } = st;

/** Views of a Cpu's state buffer that the scalar core does not keep. */
export interface VecViews {
  readonly u8: Uint8Array;
  readonly i8: Int8Array;
  readonly u16: Uint16Array;
  readonly i16: Int16Array;
  readonly s: Int32Array;
  readonly u32: Uint32Array;
  readonly f32: Float32Array;
}

const viewCache = new WeakMap<Cpu, VecViews>();
// One-entry cache in front of the WeakMap: the common case is a single CPU per thread.
let lastCpu: Cpu | undefined;
let lastViews: VecViews | undefined;

/** Typed-array views of `c.state`, created once per Cpu. */
export function vv(c: Cpu): VecViews {
  if (c === lastCpu) return lastViews!;
  let v = viewCache.get(c);
  if (!v) {
    const b = c.state;
    v = {
      u8: new Uint8Array(b),
      i8: new Int8Array(b),
      u16: new Uint16Array(b),
      i16: new Int16Array(b),
      s: c.s,
      u32: c.u32,
      f32: new Float32Array(b),
    };
    viewCache.set(c, v);
  }
  lastCpu = c;
  lastViews = v;
  return v;
}

/** Byte offset of VR r in the state buffer. */
export function vrB(r: number): number {
  return VSR_BYTE + 16 * (VR_BASE + r);
}
/** Uint16 index of VR r's least significant halfword. */
export function vrH(r: number): number {
  return vrB(r) >> 1;
}
/** Int32 index of VR r's least significant word (architected word element 3). */
export function vrW(r: number): number {
  return vrB(r) >> 2;
}

/** VSCR bits (Book I ch. 6, Vector Status and Control Register): non-Java mode and saturation. */
export const VSCR_NJ = 0x00010000;
export const VSCR_SAT = 0x00000001;

/** True when MSR[VEC] is off: the caller returns `c.facilityUnavailable('vmx')` (Book III-S ch. 6, Vector Unavailable interrupt). */
export function vecOff(c: Cpu): boolean {
  return (c.s[MSR]! & MSR_LO_VEC) === 0;
}

/** Sticky VSCR[SAT]. */
export function setSat(c: Cpu): void {
  c.s[VSCR] = c.s[VSCR]! | VSCR_SAT;
}

/**
 * CR6 for a vector compare with Rc=1 (Book I ch. 6, Vector Integer Compare Instructions): bit 0 = all elements true,
 * bit 2 = all elements false. `all` and `any` are the AND and OR of the element results.
 */
export function setCr6(c: Cpu, all: number, any: number): void {
  const v = (all !== 0 ? 8 : 0) | (any === 0 ? 2 : 0);
  c.s[CR] = (c.s[CR]! & ~0xf0) | (v << 4);
}

/** Set CR6 to a 4-bit value. */
export function setCr6Raw(c: Cpu, v: number): void {
  c.s[CR] = (c.s[CR]! & ~0xf0) | ((v & 15) << 4);
}

/** 32-byte scratch (two vectors) shared by executors that read all inputs before writing. */
export const scratch = new ArrayBuffer(64);
export const sw = new Int32Array(scratch);
export const sb = new Uint8Array(scratch);
export const sh = new Uint16Array(scratch);

/** Executor factory over decoded fields. */
export type VFactory = (f: Fields) => Exec<Cpu>;

/** Saturate to signed n-bit range helpers; they record saturation in `satFlag[0]`. */
export const satFlag = new Int32Array(1);

export function satS8(x: number): number {
  if (x > 127) {
    satFlag[0] = 1;
    return 127;
  }
  if (x < -128) {
    satFlag[0] = 1;
    return -128;
  }
  return x;
}
export function satU8(x: number): number {
  if (x > 255) {
    satFlag[0] = 1;
    return 255;
  }
  if (x < 0) {
    satFlag[0] = 1;
    return 0;
  }
  return x;
}
export function satS16(x: number): number {
  if (x > 32767) {
    satFlag[0] = 1;
    return 32767;
  }
  if (x < -32768) {
    satFlag[0] = 1;
    return -32768;
  }
  return x;
}
export function satU16(x: number): number {
  if (x > 65535) {
    satFlag[0] = 1;
    return 65535;
  }
  if (x < 0) {
    satFlag[0] = 1;
    return 0;
  }
  return x;
}
/** x is an exact double (|x| < 2^53); returns an int32. */
export function satS32(x: number): number {
  if (x > 2147483647) {
    satFlag[0] = 1;
    return 2147483647;
  }
  if (x < -2147483648) {
    satFlag[0] = 1;
    return -2147483648;
  }
  return x | 0;
}
/** x is an exact double; returns the uint32 bit pattern as an int32. */
export function satU32(x: number): number {
  if (x > 4294967295) {
    satFlag[0] = 1;
    return -1;
  }
  if (x < 0) {
    satFlag[0] = 1;
    return 0;
  }
  return x | 0;
}

/** Copy satFlag into VSCR[SAT] (sticky) and clear it. */
export function flushSat(c: Cpu): void {
  if (satFlag[0]) {
    satFlag[0] = 0;
    c.s[VSCR] = c.s[VSCR]! | VSCR_SAT;
  }
}
