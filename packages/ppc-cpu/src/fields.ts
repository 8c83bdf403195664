/**
 * Instruction operand fields (Power ISA 2.07 Book I §1.6, "Instruction
 * Formats"). Bit numbers are big-endian: bit 0 is the most significant bit of
 * the 32-bit instruction word.
 */

/** What an operand means, for the disassembler and the assembler. */
export type FieldKind =
  | 'gpr' // rN
  | 'gpr0' // rN, but 0 means the value 0 (RA|0)
  | 'fpr'
  | 'vr'
  | 'vsr'
  | 'crf' // condition register field crN
  | 'crb' // condition register bit
  | 'imm' // unsigned immediate
  | 'simm' // signed immediate
  | 'rel' // branch displacement relative to the instruction (or absolute when AA=1)
  | 'spr';

export interface FieldDef {
  readonly name: string;
  readonly kind: FieldKind;
  /** Bit ranges [start, length] concatenated most-significant first. */
  readonly parts: readonly (readonly [number, number])[];
  /** Sign-extend the concatenated value. */
  readonly signed?: boolean;
  /** Left shift applied after extraction (DS, BD, LI). */
  readonly shift?: number;
}

function f(
  name: string,
  kind: FieldKind,
  parts: [number, number][],
  opts: { signed?: boolean; shift?: number } = {},
): FieldDef {
  return { name, kind, parts, ...opts };
}

/** Every operand field the instruction table uses, by its name in the ISA. */
export const FIELDS: Record<string, FieldDef> = {
  RT: f('RT', 'gpr', [[6, 5]]),
  RS: f('RS', 'gpr', [[6, 5]]),
  RA: f('RA', 'gpr', [[11, 5]]),
  RA0: f('RA', 'gpr0', [[11, 5]]),
  RB: f('RB', 'gpr', [[16, 5]]),
  RC: f('RC', 'gpr', [[21, 5]]),
  FRT: f('FRT', 'fpr', [[6, 5]]),
  FRS: f('FRS', 'fpr', [[6, 5]]),
  FRA: f('FRA', 'fpr', [[11, 5]]),
  FRB: f('FRB', 'fpr', [[16, 5]]),
  FRC: f('FRC', 'fpr', [[21, 5]]),
  VRT: f('VRT', 'vr', [[6, 5]]),
  VRS: f('VRS', 'vr', [[6, 5]]),
  VRA: f('VRA', 'vr', [[11, 5]]),
  VRB: f('VRB', 'vr', [[16, 5]]),
  VRC: f('VRC', 'vr', [[21, 5]]),
  // VSX register numbers: the extra high bit sits at the low end of the word (XX forms, §1.6.26-29).
  XT: f('XT', 'vsr', [
    [31, 1],
    [6, 5],
  ]),
  XS: f('XS', 'vsr', [
    [31, 1],
    [6, 5],
  ]),
  XA: f('XA', 'vsr', [
    [29, 1],
    [11, 5],
  ]),
  XB: f('XB', 'vsr', [
    [30, 1],
    [16, 5],
  ]),
  XC: f('XC', 'vsr', [
    [28, 1],
    [21, 5],
  ]),
  BF: f('BF', 'crf', [[6, 3]]),
  BFA: f('BFA', 'crf', [[11, 3]]),
  BT: f('BT', 'crb', [[6, 5]]),
  BA: f('BA', 'crb', [[11, 5]]),
  BB: f('BB', 'crb', [[16, 5]]),
  BC: f('BC', 'crb', [[21, 5]]),
  BO: f('BO', 'imm', [[6, 5]]),
  BI: f('BI', 'crb', [[11, 5]]),
  BH: f('BH', 'imm', [[19, 2]]),
  BD: f('BD', 'rel', [[16, 14]], { signed: true, shift: 2 }),
  LI: f('LI', 'rel', [[6, 24]], { signed: true, shift: 2 }),
  L10: f('L', 'imm', [[10, 1]]), // cmp L
  L15: f('L', 'imm', [[15, 1]]), // mtmsrd L
  L9: f('L', 'imm', [[9, 2]]), // sync L
  L6: f('L', 'imm', [[6, 1]]), // mtfsf L
  L31: f('L', 'imm', [[31, 1]]), // lxvl? / ldmx? (unused by default)
  TO: f('TO', 'imm', [[6, 5]]),
  TH: f('TH', 'imm', [[6, 5]]),
  CT: f('CT', 'imm', [[7, 4]]),
  SI: f('SI', 'simm', [[16, 16]], { signed: true }),
  UI: f('UI', 'imm', [[16, 16]]),
  D: f('D', 'simm', [[16, 16]], { signed: true }),
  DS: f('DS', 'simm', [[16, 14]], { signed: true, shift: 2 }),
  DQ: f('DQ', 'simm', [[16, 12]], { signed: true, shift: 4 }),
  SH: f('SH', 'imm', [[16, 5]]),
  // 6-bit shift of MD/XS forms: sh5 is bit 30, sh0:4 bits 16-20 (§1.6.17, §1.6.21).
  SH6: f('SH', 'imm', [
    [30, 1],
    [16, 5],
  ]),
  MB: f('MB', 'imm', [[21, 5]]),
  ME: f('ME', 'imm', [[26, 5]]),
  // 6-bit mask begin/end of MD/MDS forms: the high bit is bit 26 (mb5).
  MB6: f('MB', 'imm', [
    [26, 1],
    [21, 5],
  ]),
  ME6: f('ME', 'imm', [
    [26, 1],
    [21, 5],
  ]),
  NB: f('NB', 'imm', [[16, 5]]),
  // SPR number is stored with its two 5-bit halves swapped (§1.6.11 XFX form).
  SPR: f('SPR', 'spr', [
    [16, 5],
    [11, 5],
  ]),
  TBR: f('TBR', 'spr', [
    [16, 5],
    [11, 5],
  ]),
  FXM: f('FXM', 'imm', [[12, 8]]),
  FLM: f('FLM', 'imm', [[7, 8]]),
  W: f('W', 'imm', [[15, 1]]),
  U: f('U', 'imm', [[16, 4]]),
  BFW: f('BF', 'crf', [[6, 3]]),
  E16: f('E', 'imm', [[16, 1]]),
  LEV: f('LEV', 'imm', [[20, 7]]),
  SIMM5: f('SIM', 'simm', [[11, 5]], { signed: true }),
  UIMM5: f('UIM', 'imm', [[11, 5]]),
  UIMM4: f('UIM', 'imm', [[12, 4]]),
  UIMM3: f('UIM', 'imm', [[13, 3]]),
  UIMM2: f('UIM', 'imm', [[14, 2]]),
  SHB: f('SHB', 'imm', [[22, 4]]),
  DM: f('DM', 'imm', [[22, 2]]),
  SHW: f('SHW', 'imm', [[22, 2]]),
  XUIM2: f('UIM', 'imm', [[14, 2]]),
  ST: f('ST', 'imm', [[16, 1]]),
  SIX: f('SIX', 'imm', [[17, 4]]),
  PS: f('PS', 'imm', [[22, 1]]),
  DCM: f('DCM', 'imm', [[16, 6]]),
  RMC: f('RMC', 'imm', [[21, 2]]),
  R15: f('R', 'imm', [[15, 1]]),
  SP: f('SP', 'imm', [[11, 2]]),
  S11: f('S', 'imm', [[11, 1]]),
  TE: f('TE', 'imm', [[11, 5]]),
  A6: f('A', 'imm', [[6, 1]]),
  IH: f('IH', 'imm', [[8, 3]]),
  RIC: f('RIC', 'imm', [[12, 2]]),
  PRS: f('PRS', 'imm', [[14, 1]]),
  R14: f('R', 'imm', [[15, 1]]),
  WC: f('WC', 'imm', [[9, 2]]),
  TLBIE_L: f('L', 'imm', [[10, 1]]),
  EH: f('EH', 'imm', [[31, 1]]),
  // Book III-S / Book II processor and storage control (isa/system.ts).
  SR: f('SR', 'imm', [[12, 4]]), // mtsr/mfsr segment register number
  BHRBE: f('BHRBE', 'imm', [[11, 10]]), // mfbhrbe entry number
  S20: f('S', 'imm', [[20, 1]]), // rfebb S
  R10: f('R', 'imm', [[10, 1]]), // tbegin. R
  SI5: f('SI', 'simm', [[16, 5]], { signed: true }), // tabort[wd]ci. SI
  // Decimal floating point (isa/dfp.ts).
  UIM6: f('UIM', 'imm', [[10, 6]]), // dtstsfi UIM
  DSH: f('SH', 'imm', [[16, 6]]), // dscli/dscri SH
  DGM: f('DGM', 'imm', [[16, 6]]), // dtstdg DGM
  L14: f('L', 'imm', [[14, 2]]), // darn L
  // RC register of VA-form maddhd/maddld (decoded as `f.rcr`: `f.rc` is the Rc flag bit).
  RCR: f('RCR', 'gpr', [[21, 5]]),
  TES: f('TE', 'simm', [[11, 5]], { signed: true }), // dquai TE (signed exponent)
  // Power ISA 3.0 (POWER9) additions (isa/p9-*.ts).
  // addpcis D: d0 (bits 16:25) || d1 (bits 11:15) || d2 (bit 31), DX-form (Book I §1.6.25).
  DX: f(
    'D',
    'simm',
    [
      [16, 10],
      [11, 5],
      [31, 1],
    ],
    { signed: true },
  ),
  CY: f('CY', 'imm', [[21, 2]]), // addex CY (Z23-form)
  FC: f('FC', 'imm', [[16, 5]]), // lwat/ldat/stwat/stdat function code
  // lxv/stxv (DQ-form): the high bit of the VSR number is TX/SX at bit 28 (§1.6.5).
  XTQ: f('XT', 'vsr', [
    [28, 1],
    [6, 5],
  ]),
  XSQ: f('XS', 'vsr', [
    [28, 1],
    [6, 5],
  ]),
  IMM8: f('IMM8', 'imm', [[13, 8]]), // xxspltib
  DCMX7: f('DCMX', 'imm', [[9, 7]]), // xststdc[dp|sp|qp] data class mask
  // xvtstdc[dp|sp] DCMX = dc (bit 25) || dm (bit 29) || dx (bits 11:15) (XX2-form variant).
  DCMXV: f('DCMX', 'imm', [
    [25, 1],
    [29, 1],
    [11, 5],
  ]),
  DRM: f('DRM', 'imm', [[18, 3]]), // mffscdrni
  RM: f('RM', 'imm', [[19, 2]]), // mffscrni
};

/** Extract a field's value from an instruction word. */
export function extractField(def: FieldDef, word: number): number {
  let v = 0;
  let width = 0;
  for (const [start, len] of def.parts) {
    const part = (word >>> (32 - start - len)) & ((1 << len) - 1);
    v = (v << len) | part;
    width += len;
  }
  if (def.signed && width < 32 && v & (1 << (width - 1))) v -= 1 << width;
  if (def.shift) v *= 1 << def.shift;
  return v;
}

/** Place a value into a field of an instruction word (assembler). Returns the new word. */
export function insertField(def: FieldDef, word: number, value: number): number {
  let v = def.shift ? Math.trunc(value / (1 << def.shift)) : value;
  const parts = def.parts;
  for (let i = parts.length - 1; i >= 0; i--) {
    const [start, len] = parts[i]!;
    const mask = (1 << len) - 1;
    word = (word & ~(mask << (32 - start - len))) | ((v & mask) << (32 - start - len));
    v >>= len;
  }
  return word >>> 0;
}

/** Total width in bits of a field. */
export function fieldWidth(def: FieldDef): number {
  return def.parts.reduce((a, [, len]) => a + len, 0);
}
