/**
 * The register set gdb sees for a 64-bit POWER vCPU, and the target
 * description (`target.xml`) that announces it.
 *
 * Feature names, register names, widths and numbering follow gdb's own
 * rs6000 descriptions (gdb manual G.5.12 "PowerPC Features"; gdb's
 * features/rs6000 power64-core, power-fpu, power-altivec and power-vsx):
 * r0-r31 = 0-31, f0-f31 = 32-63, pc msr cr lr ctr xer = 64-69, fpscr = 70,
 * vr0-vr31 = 71-102, vscr = 103, vrsave = 104, vs0h-vs31h = 105-136.
 * gdb composes $vs0-$vs31 from fN and vsNh, and $vs32-$vs63 from vr0-vr31.
 */

export interface GdbRegister {
  readonly name: string;
  /** Remote protocol register number (`p`/`P`, position in `g`). */
  readonly regnum: number;
  readonly bits: 32 | 64 | 128;
  readonly type: string;
  readonly group?: string;
  readonly feature: string;
}

export const FEATURE_CORE = 'org.gnu.gdb.power.core';
export const FEATURE_FPU = 'org.gnu.gdb.power.fpu';
export const FEATURE_ALTIVEC = 'org.gnu.gdb.power.altivec';
export const FEATURE_VSX = 'org.gnu.gdb.power.vsx';

/** Register numbers of the description below. */
export const REGNUM = {
  R0: 0,
  F0: 32,
  PC: 64,
  MSR: 65,
  CR: 66,
  LR: 67,
  CTR: 68,
  XER: 69,
  FPSCR: 70,
  VR0: 71,
  VSCR: 103,
  VRSAVE: 104,
  VS0H: 105,
  /** Number of registers (they are numbered 0..COUNT-1 without gaps). */
  COUNT: 137,
} as const;

function build(): GdbRegister[] {
  const regs: GdbRegister[] = [];
  for (let i = 0; i < 32; i++) regs.push({ name: `r${i}`, regnum: i, bits: 64, type: 'uint64', feature: FEATURE_CORE });
  for (let i = 0; i < 32; i++)
    regs.push({ name: `f${i}`, regnum: REGNUM.F0 + i, bits: 64, type: 'ieee_double', feature: FEATURE_FPU });
  regs.push(
    { name: 'pc', regnum: REGNUM.PC, bits: 64, type: 'code_ptr', feature: FEATURE_CORE },
    { name: 'msr', regnum: REGNUM.MSR, bits: 64, type: 'uint64', feature: FEATURE_CORE },
    { name: 'cr', regnum: REGNUM.CR, bits: 32, type: 'uint32', feature: FEATURE_CORE },
    { name: 'lr', regnum: REGNUM.LR, bits: 64, type: 'code_ptr', feature: FEATURE_CORE },
    { name: 'ctr', regnum: REGNUM.CTR, bits: 64, type: 'uint64', feature: FEATURE_CORE },
    { name: 'xer', regnum: REGNUM.XER, bits: 32, type: 'uint32', feature: FEATURE_CORE },
    { name: 'fpscr', regnum: REGNUM.FPSCR, bits: 32, type: 'int', group: 'float', feature: FEATURE_FPU },
  );
  for (let i = 0; i < 32; i++)
    regs.push({ name: `vr${i}`, regnum: REGNUM.VR0 + i, bits: 128, type: 'vec128', feature: FEATURE_ALTIVEC });
  regs.push(
    { name: 'vscr', regnum: REGNUM.VSCR, bits: 32, type: 'int', group: 'vector', feature: FEATURE_ALTIVEC },
    { name: 'vrsave', regnum: REGNUM.VRSAVE, bits: 32, type: 'int', group: 'vector', feature: FEATURE_ALTIVEC },
  );
  for (let i = 0; i < 32; i++)
    regs.push({ name: `vs${i}h`, regnum: REGNUM.VS0H + i, bits: 64, type: 'uint64', feature: FEATURE_VSX });
  regs.sort((a, b) => a.regnum - b.regnum);
  return regs;
}

/** All registers, indexed by register number. */
export const POWER64_REGISTERS: readonly GdbRegister[] = build();

/** Bytes of a `g` packet's register block. */
export const G_PACKET_BYTES = POWER64_REGISTERS.reduce((n, r) => n + r.bits / 8, 0);

function regXml(r: GdbRegister): string {
  const group = r.group ? ` group="${r.group}"` : '';
  return `    <reg name="${r.name}" bitsize="${r.bits}" type="${r.type}" regnum="${r.regnum}"${group}/>\n`;
}

function featureXml(name: string, types = ''): string {
  const regs = POWER64_REGISTERS.filter((r) => r.feature === name)
    .map(regXml)
    .join('');
  return `  <feature name="${name}">\n${types}${regs}  </feature>\n`;
}

/** The AltiVec register type: one 128-bit value seen as integers, floats and lanes. */
const VEC128_TYPES =
  '    <vector id="v4f" type="ieee_single" count="4"/>\n' +
  '    <vector id="v4i32" type="int32" count="4"/>\n' +
  '    <vector id="v8i16" type="int16" count="8"/>\n' +
  '    <vector id="v16i8" type="int8" count="16"/>\n' +
  '    <union id="vec128">\n' +
  '      <field name="uint128" type="uint128"/>\n' +
  '      <field name="v4_float" type="v4f"/>\n' +
  '      <field name="v4_int32" type="v4i32"/>\n' +
  '      <field name="v8_int16" type="v8i16"/>\n' +
  '      <field name="v16_int8" type="v16i8"/>\n' +
  '    </union>\n';

/** The whole target description in one document (no xi:include, so one annex serves it). */
export function targetXml(): string {
  return (
    '<?xml version="1.0"?>\n' +
    '<!DOCTYPE target SYSTEM "gdb-target.dtd">\n' +
    '<target version="1.0">\n' +
    '  <architecture>powerpc:common64</architecture>\n' +
    featureXml(FEATURE_CORE) +
    featureXml(FEATURE_FPU) +
    featureXml(FEATURE_ALTIVEC, VEC128_TYPES) +
    featureXml(FEATURE_VSX) +
    '</target>\n'
  );
}
