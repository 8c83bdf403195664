/**
 * The CPU models the pseries machine offers and what its device tree says
 * about each (papr-notes A §3.5, Part B §4.2; QEMU's spapr_dt_cpu).
 */
import type { CpuModelName } from '@ppcvm/ppc-cpu';

export interface CpuModelInfo {
  readonly name: CpuModelName;
  /** Processor Version Register (ARCHITECTURE.md §1). */
  readonly pvr: number;
  /** Node name prefix under /cpus, as QEMU's fw_name. */
  readonly nodeName: string;
  /**
   * `ibm,pa-features` (length, type 0, feature bytes; bits numbered MSB first).
   * POWER8: the bytes of the reference QEMU pseries tree. POWER7 / POWER9: QEMU's
   * tables with the CI-large-page bit (byte 1, 0x20) that QEMU adds for these
   * MMUs; POWER9's radix bit (byte 40) stays clear because this machine offers
   * the hash MMU only, and HTM (byte 22) is off as under TCG.
   */
  readonly paFeatures: readonly number[];
  readonly clockFrequency: number;
  readonly l1dSize: number;
  readonly l1iSize: number;
  readonly cacheLine: number;
  /** Sets per L1 cache (size / line / 8 ways). */
  readonly cacheSets: number;
  readonly slbSize: number;
  /** ISA 2.07 (POWER8) or later: AIL mode 3, CIABR, DAWR exist. */
  readonly isa207: boolean;
  /** The CPU has DABR/DABRX (POWER7 and POWER8; POWER9 has only the DAWR). */
  readonly hasDabr: boolean;
  /** LPCR power-saving exit-cause enables QEMU sets for a running vCPU. */
  readonly lpcrPowerSaveExits: number;
}

const PA_FEATURES_206 = [6, 0, 0xf6, 0x3f, 0xc7, 0x00, 0x00, 0xc0];
// Reference tree (QEMU 7.2 pseries, POWER8): ibm,pa-features.
const PA_FEATURES_207 = [
  0x18, 0x00, 0xf6, 0x3f, 0xc7, 0xc0, 0x80, 0xf0, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
  0x00, 0x80, 0x00, 0x80, 0x00, 0x00, 0x00,
];
const PA_FEATURES_300 = [
  66, 0,
  // 0-5: MMU FPU SLB RUN DABR NX; CILRG fri DABRX SPRG3 SLB0 PP110; VPM DS205 PPR DS202 DS206; LSD URG; LE CFAR EB LSQ
  0xf6, 0x3f, 0xc7, 0xc0, 0x00, 0xf0,
  // 6-11: DS207
  0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
  // 12-17: 16 vector
  0x00, 0x00, 0x00, 0x00, 0x80, 0x00,
  // 18-23: 18 VSX, 20 vector XOR (22 HTM off)
  0x80, 0x00, 0x80, 0x00, 0x00, 0x00,
  // 24-29: 24 ext. dec, 26 64-bit ftrs, 28 PM ftrs
  0x80, 0x00, 0x80, 0x00, 0x80, 0x00,
  // 30-35: 32 LE atomic, 34 EBB + ext EBB
  0x00, 0x00, 0x80, 0x00, 0xc0, 0x00,
  // 36-41: 40 radix MMU (off: hash only)
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  // 42-47: 42 PM, 44 PC RA, 46 SC vectored
  0x80, 0x00, 0x80, 0x00, 0x80, 0x00,
  // 48-53: 48 SIMD, 50 QP BFP, 52 string
  0x80, 0x00, 0x80, 0x00, 0x80, 0x00,
  // 54-59: 54 DecFP, 56 DecI, 58 SHA
  0x80, 0x00, 0x80, 0x00, 0x80, 0x00,
  // 60-65: 60 NM atomic, 62 RNG
  0x80, 0x00, 0x80, 0x00, 0x00, 0x00,
];

/** LPCR PECE bits (papr-notes B §2.7: 0x1f000 on POWER8/9; POWER7 has PECE0..2). */
const PECE_P8 = 0x1f000;
const PECE_P7 = 0x7000;

export const CPU_MODELS: Readonly<Record<CpuModelName, CpuModelInfo>> = {
  power7: {
    name: 'power7',
    pvr: 0x003f0201,
    nodeName: 'PowerPC,POWER7',
    paFeatures: PA_FEATURES_206,
    clockFrequency: 1_000_000_000,
    l1dSize: 0x8000,
    l1iSize: 0x8000,
    cacheLine: 128,
    cacheSets: 32,
    slbSize: 32,
    isa207: false,
    hasDabr: true,
    lpcrPowerSaveExits: PECE_P7,
  },
  power8: {
    name: 'power8',
    pvr: 0x004d0200,
    nodeName: 'PowerPC,POWER8',
    paFeatures: PA_FEATURES_207,
    clockFrequency: 1_000_000_000,
    l1dSize: 0x8000,
    l1iSize: 0x8000,
    cacheLine: 128,
    cacheSets: 32,
    slbSize: 32,
    isa207: true,
    hasDabr: true,
    lpcrPowerSaveExits: PECE_P8,
  },
  power9: {
    name: 'power9',
    pvr: 0x004e1202,
    nodeName: 'PowerPC,POWER9',
    paFeatures: PA_FEATURES_300,
    clockFrequency: 1_000_000_000,
    l1dSize: 0x8000,
    l1iSize: 0x8000,
    cacheLine: 128,
    cacheSets: 32,
    slbSize: 32,
    isa207: true,
    hasDabr: false,
    lpcrPowerSaveExits: PECE_P8,
  },
};

export function isCpuModelName(s: string): s is CpuModelName {
  return Object.hasOwn(CPU_MODELS, s);
}
