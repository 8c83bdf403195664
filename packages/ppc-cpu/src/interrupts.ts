/**
 * Interrupt vectors and status bits (Power ISA 2.07 Book III-S chapter 6,
 * "Interrupts"). SRR1 bits are given as masks of the MSR's low word (bit 32 of
 * the 64-bit register is 0x80000000).
 */

export const VEC = {
  SYSTEM_RESET: 0x100,
  MACHINE_CHECK: 0x200,
  DSI: 0x300,
  DSEG: 0x380,
  ISI: 0x400,
  ISEG: 0x480,
  EXTERNAL: 0x500,
  ALIGNMENT: 0x600,
  PROGRAM: 0x700,
  FP_UNAVAILABLE: 0x800,
  DECREMENTER: 0x900,
  HDECREMENTER: 0x980,
  DOORBELL: 0xa00,
  SYSCALL: 0xc00,
  TRACE: 0xd00,
  HDSI: 0xe00,
  HISI: 0xe20,
  HEMU_ASSIST: 0xe40,
  HMI: 0xe60,
  HDOORBELL: 0xe80,
  HVIRT: 0xea0,
  PERF_MONITOR: 0xf00,
  VMX_UNAVAILABLE: 0xf20,
  VSX_UNAVAILABLE: 0xf40,
  FAC_UNAVAILABLE: 0xf60,
  HFAC_UNAVAILABLE: 0xf80,
} as const;

/** Interrupts that go to hypervisor state (HSRR0/1, MSR[HV]=1). */
export const HYPERVISOR_VECTORS: ReadonlySet<number> = new Set([
  VEC.HDECREMENTER,
  VEC.HDSI,
  VEC.HISI,
  VEC.HEMU_ASSIST,
  VEC.HMI,
  VEC.HDOORBELL,
  VEC.HVIRT,
  VEC.HFAC_UNAVAILABLE,
]);

/** Program interrupt reasons in SRR1 (§6.5.9). */
export const SRR1_PROGRAM = {
  FP: 0x00100000,
  ILLEGAL: 0x00080000,
  PRIVILEGED: 0x00040000,
  TRAP: 0x00020000,
  /** SRR0 holds the address of the next instruction. */
  ADDR_NEXT: 0x00010000,
} as const;

/** ISI reasons in SRR1 (§6.5.5). */
export const SRR1_ISI = {
  NO_TRANSLATION: 0x40000000,
  NO_EXECUTE: 0x10000000,
  PROTECTION: 0x08000000,
} as const;

/** DSISR bits (§6.5.3). */
export const DSISR = {
  NO_TRANSLATION: 0x40000000,
  PROTECTION: 0x08000000,
  STORE: 0x02000000,
  DABR_MATCH: 0x00400000,
  KEY: 0x00200000,
} as const;

/** Wake-up reasons in SRR1 bits 42:45 after a power-saving instruction (§6.5.1 table "SRR1 wake-up"). */
export const SRR1_WAKE = {
  SYSTEM_RESET: 0x00100000,
  EXTERNAL: 0x00200000,
  DECREMENTER: 0x00180000,
  DOORBELL: 0x00140000,
  HDOORBELL: 0x000c0000,
  HMI: 0x00280000,
} as const;

/** The SRR1 bits set by interrupt-specific information; all others are copied from the MSR. */
export const SRR1_REASON_MASK = 0x783f0000;

/** Pending asynchronous interrupt bits (lower bit = higher priority, Book III-S §6.8 ordering). */
export const PENDING = {
  SYSTEM_RESET: 1 << 0,
  MACHINE_CHECK: 1 << 1,
  HMI: 1 << 2,
  HDECREMENTER: 1 << 3,
  HDOORBELL: 1 << 4,
  EXTERNAL: 1 << 5,
  DECREMENTER: 1 << 6,
  DOORBELL: 1 << 7,
  PERF_MONITOR: 1 << 8,
} as const;
