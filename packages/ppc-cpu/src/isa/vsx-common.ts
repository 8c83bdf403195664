/**
 * Shared pieces of the VSX chapter (Power ISA 2.07 Book I chapter 7): where a
 * VSR's words live in the state block, the facility checks, and cached typed
 * views of the state.
 *
 * VSR i is one little-endian 128-bit number at `VSR_I32 + 4*i` (see state.ts), so with
 * `v = vsrBase(i)`:
 *   word element 0 (bits 0:31, the most significant) is `s[v + 3]`, word 3 is `s[v]`;
 *   doubleword 0 is `s[v + 3]` (high half) : `s[v + 2]` (low half), doubleword 1 is `s[v + 1]` : `s[v]`.
 */
import type { Cpu } from '../cpu.js';
import { MSR, MSR_LO_FP, MSR_LO_VEC, MSR_LO_VSX, VSR_I32 } from '../state.js';
import { out } from './util.js';

/** Int32 index of the least significant word of VSR i. */
export function vsrBase(i: number): number {
  return VSR_I32 + 4 * i;
}

/** Offsets from `vsrBase` of the halves of doubleword 0 and 1, and of word element j. */
export const DW0_HI = 3;
export const DW0_LO = 2;
export const DW1_HI = 1;
export const DW1_LO = 0;
export function wordOff(j: number): number {
  return 3 - j;
}

/** True when MSR[VSX] is 0: the instruction must raise a VSX Unavailable interrupt (Book III-S §6.5.16). */
export function vsxOff(c: Cpu): boolean {
  return (c.s[MSR]! & MSR_LO_VSX) === 0;
}

/**
 * mfvsr and mtvsr check MSR[FP] for VSRs 0-31 (the FPRs) and MSR[VEC] for VSRs 32-63 (the VRs),
 * not MSR[VSX] (Book I §7.6.1.8, "VSX Move Instructions"). Returns the executor result of the
 * interrupt, or 0 when the facility is available.
 */
export function moveFacility(c: Cpu, vsr: number): number {
  const msr = c.s[MSR]!;
  if (vsr < 32) return msr & MSR_LO_FP ? 0 : c.facilityUnavailable('fp');
  return msr & MSR_LO_VEC ? 0 : c.facilityUnavailable('vmx');
}

const f32Views = new WeakMap<ArrayBuffer, Float32Array>();

/** A Float32Array over the CPU state (index = Int32 index), created once per CPU. */
export function stateF32(c: Cpu): Float32Array {
  let v = f32Views.get(c.state);
  if (!v) f32Views.set(c.state, (v = new Float32Array(c.state)));
  return v;
}

/**
 * Single-precision bits to double-precision bits without any exception or NaN quieting
 * (ConvertSPtoDP_NS, the conversion of lfs/lxsspx, Book I §4.6.2). Result in out[0] (low) / out[1] (high).
 */
export function spToDpBits(w: number): void {
  const sign = w & 0x80000000;
  const e = (w >>> 23) & 0xff;
  let frac = w & 0x7fffff;
  let hi: number;
  if (e === 255) hi = sign | 0x7ff00000 | (frac >>> 3);
  else if (e !== 0) hi = sign | ((e + 896) << 20) | (frac >>> 3);
  else if (frac === 0) hi = sign;
  else {
    // Denormal single: normalise (the double exponent range holds every single denormal).
    const k = Math.clz32(frac) - 8;
    frac = (frac << k) & 0x7fffff;
    hi = sign | ((897 - k) << 20) | (frac >>> 3);
  }
  out[0] = frac << 29;
  out[1] = hi;
}

/**
 * Double-precision bits to single-precision bits by truncation, without exceptions
 * (the SINGLE function of stfs/stxsspx, Book I §4.6.3). Operands whose exponent is below the
 * single denormal range are undefined in the ISA; they give a signed zero, as QEMU does.
 */
export function dpToSpBits(lo: number, hi: number): number {
  const e = (hi >>> 20) & 0x7ff;
  if (e > 896) return (hi & 0xc0000000) | ((hi << 3) & 0x3ffffff8) | (lo >>> 29);
  const sign = hi & 0x80000000;
  if (e < 874) return sign;
  // Denormalise: the 24-bit significand 1.f shifted right until the exponent is -126.
  const t = 0x800000 | ((hi & 0xfffff) << 3) | (lo >>> 29);
  return sign | ((t >>> (897 - e)) & 0x7fffff);
}
