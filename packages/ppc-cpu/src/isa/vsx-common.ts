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
