/**
 * Special-purpose register numbers (Power ISA 2.07 Book III-S §4.3 "SPR
 * Numbers", plus the POWER9 additions of ISA 3.0) and their privilege class.
 */

export const SPR = {
  XER: 1,
  UDSCR: 3,
  LR: 8,
  CTR: 9,
  UAMR: 13,
  DSCR: 17,
  DSISR: 18,
  DAR: 19,
  DEC: 22,
  SDR1: 25,
  SRR0: 26,
  SRR1: 27,
  CFAR: 28,
  AMR: 29,
  ACOP: 31,
  PIDR: 48,
  IAMR: 61,
  TFHAR: 128,
  TFIAR: 129,
  TEXASR: 130,
  TEXASRU: 131,
  UCTRL: 136,
  CTRL: 152,
  FSCR: 153,
  UAMOR: 157,
  PSPB: 159,
  DPDES: 176,
  DAWR0: 180,
  RPR: 186,
  CIABR: 187,
  DAWRX0: 188,
  HFSCR: 190,
  VRSAVE: 256,
  USPRG3: 259,
  TB: 268,
  TBU: 269,
  SPRG0: 272,
  SPRG1: 273,
  SPRG2: 274,
  SPRG3: 275,
  TBL_W: 284,
  TBU_W: 285,
  TBU40: 286,
  PVR: 287,
  HSPRG0: 304,
  HSPRG1: 305,
  HDSISR: 306,
  HDAR: 307,
  SPURR: 308,
  PURR: 309,
  HDEC: 310,
  HRMOR: 313,
  HSRR0: 314,
  HSRR1: 315,
  LPCR: 318,
  LPIDR: 319,
  HMER: 336,
  HMEER: 337,
  PCR: 338,
  HEIR: 339,
  AMOR: 349,
  VTB: 351,
  TIR: 446,
  PTCR: 464,
  TAR: 815,
  PSSCR: 855,
  PPR: 896,
  PPR32: 898,
  PIR: 1023,
} as const;

/** Hypervisor-only SPRs: in privileged non-hypervisor state they are not accessible. */
export const HV_SPRS: ReadonlySet<number> = new Set([
  SPR.HSPRG0,
  SPR.HSPRG1,
  SPR.HDSISR,
  SPR.HDAR,
  SPR.HDEC,
  SPR.HRMOR,
  SPR.HSRR0,
  SPR.HSRR1,
  SPR.LPCR,
  SPR.LPIDR,
  SPR.HMER,
  SPR.HMEER,
  SPR.PCR,
  SPR.HEIR,
  SPR.AMOR,
  SPR.HFSCR,
  SPR.SDR1,
  SPR.PTCR,
  SPR.RPR,
  SPR.TBL_W,
  SPR.TBU_W,
  SPR.TBU40,
  SPR.SPURR,
  SPR.PURR,
]);

/** Hypervisor SPRs a non-hypervisor privileged thread may read. */
export const HV_READABLE: ReadonlySet<number> = new Set([SPR.PURR, SPR.SPURR]);

/** SPRs with an encoding bit 0x10 set are privileged (Book III-S §4.3.2; the "spr0" bit of the swapped field). */
export function isPrivilegedSpr(n: number): boolean {
  return (n & 0x10) !== 0;
}

/** SPRs defined for the model (anything else is an illegal/no-op access). */
export const KNOWN_SPRS: ReadonlySet<number> = new Set<number>([
  ...Object.values(SPR),
  // Performance monitor (user and privileged views), HID registers, EBB: read/write storage only.
  768, 769, 770, 771, 772, 773, 774, 775, 776, 777, 778, 779, 780, 781, 782, 783, 784, 785, 786, 787, 788, 789, 790,
  791, 792, 793, 794, 795, 796, 797, 798, 799, 804, 805, 806, 1008, 1009, 1012, 1014, 895,
]);
