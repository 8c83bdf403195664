/**
 * Decimal floating point (Power ISA 2.07 Book I chapter 5; v3.0 adds dtstsfi[q]).
 * Decode-only on purpose: no entry has an `exec`, so the CPU stops with an
 * 'unimplemented' reason. Opcode 59 holds the long (64-bit) forms, opcode 63 the
 * extended (128-bit, even register pair) forms with a 'q' suffix. Reserved
 * fields are not part of the patterns (Book I §1.3.3: the processor ignores
 * them; binutils does not check them either).
 */
import type { Cpu } from '../cpu.js';
import { type Form, type InsnDef, P9 } from '../table.js';

type Def = InsnDef<Cpu>;

/** One DFP operation in both widths: [long mnemonic, quad mnemonic]. */
function pair(names: readonly [string, string], form: Form, xo: number, ops: string, extra: Partial<Def> = {}): Def[] {
  return [
    { m: names[0], form, op: 59, xo, ops, chapter: 'dfp', ...extra },
    { m: names[1], form, op: 63, xo, ops, chapter: 'dfp', ...extra },
  ];
}
const both = (m: string, form: Form, xo: number, ops: string, extra: Partial<Def> = {}) =>
  pair([m, `${m}q`], form, xo, ops, extra);

export const DFP: Def[] = [
  // §5.6.1 arithmetic (X form, Rc).
  ...both('dadd', 'X', 2, 'FRT,FRA,FRB', { rc: 'opt' }),
  ...both('dsub', 'X', 514, 'FRT,FRA,FRB', { rc: 'opt' }),
  ...both('dmul', 'X', 34, 'FRT,FRA,FRB', { rc: 'opt' }),
  ...both('ddiv', 'X', 546, 'FRT,FRA,FRB', { rc: 'opt' }),
  // §5.6.2 compare.
  ...both('dcmpu', 'X', 642, 'BF,FRA,FRB'),
  ...both('dcmpo', 'X', 130, 'BF,FRA,FRB'),
  // §5.6.3 test.
  ...both('dtstdc', 'Z22', 194, 'BF,FRA,DCM'),
  ...both('dtstdg', 'Z22', 226, 'BF,FRA,DGM'),
  ...both('dtstex', 'X', 162, 'BF,FRA,FRB'),
  ...both('dtstsf', 'X', 674, 'BF,FRA,FRB'),
  ...both('dtstsfi', 'X', 675, 'BF,UIM6,FRB', { fix: [[9, 1, 0]], models: P9 }),
  // §5.6.4 quantum adjustment (Z23 form, Rc).
  ...both('dquai', 'Z23', 67, 'TES,FRT,FRB,RMC', { rc: 'opt' }),
  ...both('dqua', 'Z23', 3, 'FRT,FRA,FRB,RMC', { rc: 'opt' }),
  ...both('drrnd', 'Z23', 35, 'FRT,FRA,FRB,RMC', { rc: 'opt' }),
  ...both('drintx', 'Z23', 99, 'R15,FRT,FRB,RMC', { rc: 'opt' }),
  ...both('drintn', 'Z23', 227, 'R15,FRT,FRB,RMC', { rc: 'opt' }),
  // §5.6.5 format conversion.
  ...pair(['dctdp', 'dctqpq'], 'X', 258, 'FRT,FRB', { rc: 'opt' }),
  ...pair(['drsp', 'drdpq'], 'X', 770, 'FRT,FRB', { rc: 'opt' }),
  // binutils checks the RA field of dcffix (but not of dcffixq).
  { m: 'dcffix', form: 'X', op: 59, xo: 802, ops: 'FRT,FRB', rc: 'opt', fix: [[11, 5, 0]], chapter: 'dfp' },
  { m: 'dcffixq', form: 'X', op: 63, xo: 802, ops: 'FRT,FRB', rc: 'opt', chapter: 'dfp' },
  ...both('dctfix', 'X', 290, 'FRT,FRB', { rc: 'opt' }),
  // §5.6.6 DPD/BCD and exponent handling.
  ...both('ddedpd', 'X', 322, 'SP,FRT,FRB', { rc: 'opt' }),
  ...both('denbcd', 'X', 834, 'S11,FRT,FRB', { rc: 'opt' }),
  ...both('dxex', 'X', 354, 'FRT,FRB', { rc: 'opt' }),
  ...both('diex', 'X', 866, 'FRT,FRA,FRB', { rc: 'opt' }),
  // §5.6.7 shift significand (Z22 form, Rc).
  ...both('dscli', 'Z22', 66, 'FRT,FRA,DSH', { rc: 'opt' }),
  ...both('dscri', 'Z22', 98, 'FRT,FRA,DSH', { rc: 'opt' }),
];
