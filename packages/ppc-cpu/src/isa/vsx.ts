/**
 * Vector-scalar facility (Power ISA 2.07 Book I chapter 7): the instruction table.
 * Semantics live in ./vsx-*.ts.
 *
 * Encodings (XX1/XX2/XX3/XX4 forms, Book I §1.6.26-§1.6.29) are checked against binutils
 * (`as -mpower8`) by test/vsx-encoding.test.ts. Reserved bits are ignored, as the ISA allows
 * and QEMU does, except where QEMU treats them as an invalid form (RB of mfvsr and mtvsr,
 * bit 31 of xscmpodp and xscmpudp).
 *
 * xxpermdi and xxsldwi are XX3 instructions whose DM/SHW operand sits inside the 8-bit XO
 * field; the table has no such form, so they are described as XX4 (XO at bits 26:27)
 * with the remaining opcode bits (21, 24:25, 28) fixed. The extended mnemonics xxswapd,
 * xxspltd, xxmrghd, xxmrgld (xxpermdi), xxmr (xxlor) and xxlnot (xxlnor) share those encodings.
 */
import type { Cpu } from '../cpu.js';
import { type InsnDef, P8, P9 } from '../table.js';
import { lxs, lxv, mfvsr, mtvsr, stxs, stxv } from './vsx-ldst.js';
import { logical, xscpsgndp, xsSign, xvcpsgn, xvSign, xxmrgw, xxpermdi, xxsel, xxsldwi, xxspltw } from './vsx-perm.js';

type Def = InsnDef<Cpu>;

const P8UP = P8 | P9;

const XX1 = (m: string, xo: number, ops: string, exec: Def['exec'], extra: Partial<Def> = {}): Def => ({
  m,
  form: 'XX1',
  op: 31,
  xo,
  ops,
  exec,
  chapter: 'vsx',
  ...extra,
});
const XX2 = (m: string, xo: number, exec: Def['exec'], extra: Partial<Def> = {}): Def => ({
  m,
  form: 'XX2',
  op: 60,
  xo,
  ops: 'XT,XB',
  exec,
  chapter: 'vsx',
  ...extra,
});
const XX3 = (m: string, xo: number, exec: Def['exec'], extra: Partial<Def> = {}): Def => ({
  m,
  form: 'XX3',
  op: 60,
  xo,
  ops: 'XT,XA,XB',
  exec,
  chapter: 'vsx',
  ...extra,
});
const XX3R = (m: string, xo: number, exec: Def['exec'], extra: Partial<Def> = {}): Def => ({
  m,
  form: 'XX3R',
  op: 60,
  xo,
  ops: 'XT,XA,XB',
  rc: 'opt',
  exec,
  chapter: 'vsx',
  ...extra,
});

const AND = (x: number, y: number) => x & y;
const ANDC = (x: number, y: number) => x & ~y;
const OR = (x: number, y: number) => x | y;
const XOR = (x: number, y: number) => x ^ y;
const NOR = (x: number, y: number) => ~(x | y);
const ORC = (x: number, y: number) => x | ~y;
const NAND = (x: number, y: number) => ~(x & y);
const EQV = (x: number, y: number) => ~(x ^ y);

/** Loads, stores and moves (§7.6.1.1, §7.6.1.2, §7.6.1.8). */
const STORAGE: Def[] = [
  XX1('lxsdx', 588, 'XT,RA0,RB', lxs('d')),
  XX1('lxsiwax', 76, 'XT,RA0,RB', lxs('wa'), { models: P8UP }),
  XX1('lxsiwzx', 12, 'XT,RA0,RB', lxs('wz'), { models: P8UP }),
  XX1('lxsspx', 524, 'XT,RA0,RB', lxs('sp'), { models: P8UP }),
  XX1('lxvd2x', 844, 'XT,RA0,RB', lxv('d2')),
  XX1('lxvdsx', 332, 'XT,RA0,RB', lxv('ds')),
  XX1('lxvw4x', 780, 'XT,RA0,RB', lxv('w4')),
  XX1('stxsdx', 716, 'XS,RA0,RB', stxs('d')),
  XX1('stxsiwx', 140, 'XS,RA0,RB', stxs('w'), { models: P8UP }),
  XX1('stxsspx', 652, 'XS,RA0,RB', stxs('sp'), { models: P8UP }),
  XX1('stxvd2x', 972, 'XS,RA0,RB', stxv('d2')),
  XX1('stxvw4x', 908, 'XS,RA0,RB', stxv('w4')),
  XX1('mfvsrd', 51, 'RA,XS', mfvsr(false), { models: P8UP, fix: [[16, 5, 0]] }),
  XX1('mfvsrwz', 115, 'RA,XS', mfvsr(true), { models: P8UP, fix: [[16, 5, 0]] }),
  XX1('mtvsrd', 179, 'XT,RA', mtvsr('d'), { models: P8UP, fix: [[16, 5, 0]] }),
  XX1('mtvsrwa', 211, 'XT,RA', mtvsr('wa'), { models: P8UP, fix: [[16, 5, 0]] }),
  XX1('mtvsrwz', 243, 'XT,RA', mtvsr('wz'), { models: P8UP, fix: [[16, 5, 0]] }),
];

/** Logical, permute and sign operations (§7.6.1.3 - §7.6.1.7 bit manipulation). */
const BITS: Def[] = [
  XX3('xxland', 130, logical(AND)),
  XX3('xxlandc', 138, logical(ANDC)),
  XX3('xxlor', 146, logical(OR)),
  XX3('xxlxor', 154, logical(XOR)),
  XX3('xxlnor', 162, logical(NOR)),
  XX3('xxlorc', 170, logical(ORC), { models: P8UP }),
  XX3('xxlnand', 178, logical(NAND), { models: P8UP }),
  XX3('xxleqv', 186, logical(EQV), { models: P8UP }),
  XX3('xxmrghw', 18, xxmrgw(true)),
  XX3('xxmrglw', 50, xxmrgw(false)),
  {
    m: 'xxpermdi',
    form: 'XX4',
    op: 60,
    xo: 1,
    ops: 'XT,XA,XB,DM',
    fix: [
      [21, 1, 0],
      [24, 2, 1],
      [28, 1, 0],
    ],
    exec: xxpermdi,
    chapter: 'vsx',
  },
  {
    m: 'xxsldwi',
    form: 'XX4',
    op: 60,
    xo: 1,
    ops: 'XT,XA,XB,SHW',
    fix: [
      [21, 1, 0],
      [24, 2, 0],
      [28, 1, 0],
    ],
    exec: xxsldwi,
    chapter: 'vsx',
  },
  { m: 'xxspltw', form: 'XX2', op: 60, xo: 164, ops: 'XT,XB,XUIM2', exec: xxspltw, chapter: 'vsx' },
  { m: 'xxsel', form: 'XX4', op: 60, xo: 3, ops: 'XT,XA,XB,XC', exec: xxsel, chapter: 'vsx' },
  XX2('xsabsdp', 345, xsSign('abs')),
  XX2('xsnabsdp', 361, xsSign('nabs')),
  XX2('xsnegdp', 377, xsSign('neg')),
  XX3('xscpsgndp', 176, xscpsgndp),
  XX2('xvabsdp', 473, xvSign('abs', false)),
  XX2('xvnabsdp', 489, xvSign('nabs', false)),
  XX2('xvnegdp', 505, xvSign('neg', false)),
  XX3('xvcpsgndp', 240, xvcpsgn(false)),
  XX2('xvabssp', 409, xvSign('abs', true)),
  XX2('xvnabssp', 425, xvSign('nabs', true)),
  XX2('xvnegsp', 441, xvSign('neg', true)),
  XX3('xvcpsgnsp', 208, xvcpsgn(true)),
];

/** Floating-point arithmetic, conversion, compare and test (§7.6.1.x); semantics in vsx-fp.ts. */
const ARITH: Def[] = [
  // Scalar double precision.
  XX3('xsadddp', 32, undefined),
  XX3('xssubdp', 40, undefined),
  XX3('xsmuldp', 48, undefined),
  XX3('xsdivdp', 56, undefined),
  XX3('xsmaddadp', 33, undefined),
  XX3('xsmaddmdp', 41, undefined),
  XX3('xsmsubadp', 49, undefined),
  XX3('xsmsubmdp', 57, undefined),
  XX3('xsnmaddadp', 161, undefined),
  XX3('xsnmaddmdp', 169, undefined),
  XX3('xsnmsubadp', 177, undefined),
  XX3('xsnmsubmdp', 185, undefined),
  XX3('xsmaxdp', 160, undefined),
  XX3('xsmindp', 168, undefined),
  { m: 'xscmpudp', form: 'XX3', op: 60, xo: 35, ops: 'BF,XA,XB', fix: [[31, 1, 0]], chapter: 'vsx' },
  { m: 'xscmpodp', form: 'XX3', op: 60, xo: 43, ops: 'BF,XA,XB', fix: [[31, 1, 0]], chapter: 'vsx' },
  { m: 'xstdivdp', form: 'XX3', op: 60, xo: 61, ops: 'BF,XA,XB', chapter: 'vsx' },
  { m: 'xstsqrtdp', form: 'XX2', op: 60, xo: 106, ops: 'BF,XB', chapter: 'vsx' },
  XX2('xssqrtdp', 75, undefined),
  XX2('xsredp', 90, undefined),
  XX2('xsrsqrtedp', 74, undefined),
  XX2('xsrdpi', 73, undefined),
  XX2('xsrdpic', 107, undefined),
  XX2('xsrdpim', 121, undefined),
  XX2('xsrdpip', 105, undefined),
  XX2('xsrdpiz', 89, undefined),
  XX2('xscvdpsp', 265, undefined),
  XX2('xscvspdp', 329, undefined),
  XX2('xscvdpsxds', 344, undefined),
  XX2('xscvdpsxws', 88, undefined),
  XX2('xscvdpuxds', 328, undefined),
  XX2('xscvdpuxws', 72, undefined),
  XX2('xscvsxddp', 376, undefined),
  XX2('xscvuxddp', 360, undefined),
  // Scalar single precision (ISA 2.07, POWER8).
  XX3('xsaddsp', 0, undefined, { models: P8UP }),
  XX3('xssubsp', 8, undefined, { models: P8UP }),
  XX3('xsmulsp', 16, undefined, { models: P8UP }),
  XX3('xsdivsp', 24, undefined, { models: P8UP }),
  XX3('xsmaddasp', 1, undefined, { models: P8UP }),
  XX3('xsmaddmsp', 9, undefined, { models: P8UP }),
  XX3('xsmsubasp', 17, undefined, { models: P8UP }),
  XX3('xsmsubmsp', 25, undefined, { models: P8UP }),
  XX3('xsnmaddasp', 129, undefined, { models: P8UP }),
  XX3('xsnmaddmsp', 137, undefined, { models: P8UP }),
  XX3('xsnmsubasp', 145, undefined, { models: P8UP }),
  XX3('xsnmsubmsp', 153, undefined, { models: P8UP }),
  XX2('xssqrtsp', 11, undefined, { models: P8UP }),
  XX2('xsresp', 26, undefined, { models: P8UP }),
  XX2('xsrsqrtesp', 10, undefined, { models: P8UP }),
  XX2('xsrsp', 281, undefined, { models: P8UP }),
  XX2('xscvdpspn', 267, undefined, { models: P8UP }),
  XX2('xscvspdpn', 331, undefined, { models: P8UP }),
  XX2('xscvsxdsp', 312, undefined, { models: P8UP }),
  XX2('xscvuxdsp', 296, undefined, { models: P8UP }),
  // Vector double precision.
  XX3('xvadddp', 96, undefined),
  XX3('xvsubdp', 104, undefined),
  XX3('xvmuldp', 112, undefined),
  XX3('xvdivdp', 120, undefined),
  XX3('xvmaddadp', 97, undefined),
  XX3('xvmaddmdp', 105, undefined),
  XX3('xvmsubadp', 113, undefined),
  XX3('xvmsubmdp', 121, undefined),
  XX3('xvnmaddadp', 225, undefined),
  XX3('xvnmaddmdp', 233, undefined),
  XX3('xvnmsubadp', 241, undefined),
  XX3('xvnmsubmdp', 249, undefined),
  XX3('xvmaxdp', 224, undefined),
  XX3('xvmindp', 232, undefined),
  XX3R('xvcmpeqdp', 99, undefined),
  XX3R('xvcmpgtdp', 107, undefined),
  XX3R('xvcmpgedp', 115, undefined),
  { m: 'xvtdivdp', form: 'XX3', op: 60, xo: 125, ops: 'BF,XA,XB', chapter: 'vsx' },
  { m: 'xvtsqrtdp', form: 'XX2', op: 60, xo: 234, ops: 'BF,XB', chapter: 'vsx' },
  XX2('xvsqrtdp', 203, undefined),
  XX2('xvredp', 218, undefined),
  XX2('xvrsqrtedp', 202, undefined),
  XX2('xvrdpi', 201, undefined),
  XX2('xvrdpic', 235, undefined),
  XX2('xvrdpim', 249, undefined),
  XX2('xvrdpip', 233, undefined),
  XX2('xvrdpiz', 217, undefined),
  XX2('xvcvdpsp', 393, undefined),
  XX2('xvcvdpsxds', 472, undefined),
  XX2('xvcvdpsxws', 216, undefined),
  XX2('xvcvdpuxds', 456, undefined),
  XX2('xvcvdpuxws', 200, undefined),
  XX2('xvcvsxddp', 504, undefined),
  XX2('xvcvuxddp', 488, undefined),
  XX2('xvcvsxwdp', 248, undefined),
  XX2('xvcvuxwdp', 232, undefined),
  // Vector single precision.
  XX3('xvaddsp', 64, undefined),
  XX3('xvsubsp', 72, undefined),
  XX3('xvmulsp', 80, undefined),
  XX3('xvdivsp', 88, undefined),
  XX3('xvmaddasp', 65, undefined),
  XX3('xvmaddmsp', 73, undefined),
  XX3('xvmsubasp', 81, undefined),
  XX3('xvmsubmsp', 89, undefined),
  XX3('xvnmaddasp', 193, undefined),
  XX3('xvnmaddmsp', 201, undefined),
  XX3('xvnmsubasp', 209, undefined),
  XX3('xvnmsubmsp', 217, undefined),
  XX3('xvmaxsp', 192, undefined),
  XX3('xvminsp', 200, undefined),
  XX3R('xvcmpeqsp', 67, undefined),
  XX3R('xvcmpgtsp', 75, undefined),
  XX3R('xvcmpgesp', 83, undefined),
  { m: 'xvtdivsp', form: 'XX3', op: 60, xo: 93, ops: 'BF,XA,XB', chapter: 'vsx' },
  { m: 'xvtsqrtsp', form: 'XX2', op: 60, xo: 170, ops: 'BF,XB', chapter: 'vsx' },
  XX2('xvsqrtsp', 139, undefined),
  XX2('xvresp', 154, undefined),
  XX2('xvrsqrtesp', 138, undefined),
  XX2('xvrspi', 137, undefined),
  XX2('xvrspic', 171, undefined),
  XX2('xvrspim', 185, undefined),
  XX2('xvrspip', 169, undefined),
  XX2('xvrspiz', 153, undefined),
  XX2('xvcvspdp', 457, undefined),
  XX2('xvcvspsxds', 408, undefined),
  XX2('xvcvspsxws', 152, undefined),
  XX2('xvcvspuxds', 392, undefined),
  XX2('xvcvspuxws', 136, undefined),
  XX2('xvcvsxdsp', 440, undefined),
  XX2('xvcvuxdsp', 424, undefined),
  XX2('xvcvsxwsp', 184, undefined),
  XX2('xvcvuxwsp', 168, undefined),
];

export const VSX: Def[] = [...STORAGE, ...BITS, ...ARITH];
