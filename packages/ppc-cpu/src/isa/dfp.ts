/**
 * Decimal floating point (Power ISA 2.07 Book I chapter 5; v3.0 adds dtstsfi[q]).
 * Decode-only on purpose: no entry has an `exec`, so the CPU stops with an
 * 'unimplemented' reason. Opcode 59 holds the long (64-bit) forms, opcode 63 the
 * extended (128-bit, even register pair) forms with a 'q' suffix.
 */
import type { Cpu } from '../cpu.js';
import { type Form, type InsnDef, P9 } from '../table.js';

type Def = InsnDef<Cpu>;

/** A reserved (must-be-zero) bit range [first bit, length], for `fix`. */
const z = (start: number, len: number) => [start, len, 0] as const;

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
  ...both('dcmpu', 'X', 642, 'BF,FRA,FRB', { fix: [z(9, 2)] }),
  ...both('dcmpo', 'X', 130, 'BF,FRA,FRB', { fix: [z(9, 2)] }),
  // §5.6.3 test.
  ...both('dtstdc', 'Z22', 194, 'BF,FRA,DCM', { fix: [z(9, 2)] }),
  ...both('dtstdg', 'Z22', 226, 'BF,FRA,DGM', { fix: [z(9, 2)] }),
  ...both('dtstex', 'X', 162, 'BF,FRA,FRB', { fix: [z(9, 2)] }),
  ...both('dtstsf', 'X', 674, 'BF,FRA,FRB', { fix: [z(9, 2)] }),
  ...both('dtstsfi', 'X', 675, 'BF,UIM6,FRB', { fix: [z(9, 1)], models: P9 }),
  // §5.6.4 quantum adjustment (Z23 form, Rc).
  ...both('dquai', 'Z23', 67, 'TE,FRT,FRB,RMC', { rc: 'opt' }),
  ...both('dqua', 'Z23', 3, 'FRT,FRA,FRB,RMC', { rc: 'opt' }),
  ...both('drrnd', 'Z23', 35, 'FRT,FRA,FRB,RMC', { rc: 'opt' }),
  ...both('drintx', 'Z23', 99, 'R15,FRT,FRB,RMC', { rc: 'opt', fix: [z(11, 4)] }),
  ...both('drintn', 'Z23', 227, 'R15,FRT,FRB,RMC', { rc: 'opt', fix: [z(11, 4)] }),
  // §5.6.5 format conversion.
  ...pair(['dctdp', 'dctqpq'], 'X', 258, 'FRT,FRB', { rc: 'opt', fix: [z(11, 5)] }),
  ...pair(['drsp', 'drdpq'], 'X', 770, 'FRT,FRB', { rc: 'opt', fix: [z(11, 5)] }),
  ...both('dcffix', 'X', 802, 'FRT,FRB', { rc: 'opt', fix: [z(11, 5)] }),
  ...both('dctfix', 'X', 290, 'FRT,FRB', { rc: 'opt', fix: [z(11, 5)] }),
  // §5.6.6 DPD/BCD and exponent handling.
  ...both('ddedpd', 'X', 322, 'SP,FRT,FRB', { rc: 'opt', fix: [z(13, 3)] }),
  ...both('denbcd', 'X', 834, 'S11,FRT,FRB', { rc: 'opt', fix: [z(12, 4)] }),
  ...both('dxex', 'X', 354, 'FRT,FRB', { rc: 'opt', fix: [z(11, 5)] }),
  ...both('diex', 'X', 866, 'FRT,FRA,FRB', { rc: 'opt' }),
  // §5.6.7 shift significand (Z22 form, Rc).
  ...both('dscli', 'Z22', 66, 'FRT,FRA,DSH', { rc: 'opt' }),
  ...both('dscri', 'Z22', 98, 'FRT,FRA,DSH', { rc: 'opt' }),
];
