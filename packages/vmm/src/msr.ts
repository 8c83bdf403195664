/**
 * The guest-visible MSR of a vCPU. In HV mode that is the CPU's MSR; in PR
 * mode the guest kernel runs in problem state and its architected MSR lives in
 * the shared page (papr-notes B §1.1), so hcalls and RTAS that change the
 * guest's MSR must go through the PR layer.
 */
import { type Cpu, layout } from '@ppcvm/ppc-cpu';

export const MSR_EE_LO = 1 << 15;

/** The guest's MSR as (low word, high word). */
export function guestMsr(cpu: Cpu): [number, number] {
  if (cpu.pr) return cpu.pr.guestMsr();
  return [cpu.s[layout.MSR]!, cpu.s[layout.MSR + 1]!];
}

/** Set the guest's MSR. */
export function setGuestMsr(cpu: Cpu, hi: number, lo: number): void {
  if (cpu.pr) cpu.pr.setGuestMsr(hi, lo);
  else cpu.setMsr(hi, lo);
}
