/**
 * Vector facility, VMX/Altivec (Power ISA 2.07 Book I chapter 6): the table.
 * Semantics live in vmx-int.ts (integer), vmx-perm.ts (storage access,
 * permutes, packs), vmx-fp.ts (floating point) and vmx-crypto.ts (AES, SHA,
 * carry-less multiply, BCD). Every executor first checks MSR[VEC] and raises
 * the vector-unavailable interrupt when it is off (Book III-S ch. 6, Vector Unavailable interrupt).
 *
 * Encodings are primary opcode 4 (VX: XO in bits 21:31, VA: bits 26:31,
 * VC: Rc in bit 21 and XO in bits 22:31) and primary opcode 31 X-form for the
 * loads and stores; reserved fields are fixed to 0, as in the ISA and QEMU.
 */
import type { Cpu } from '../cpu.js';
import { type ExecFactory, type InsnDef, P8, P9 } from '../table.js';
import type { VFactory } from './vmx-core.js';
import { CRYPTO_EXEC } from './vmx-crypto.js';
import { FP_EXEC } from './vmx-fp.js';
import { INT_EXEC } from './vmx-int.js';
import { PERM_EXEC } from './vmx-perm.js';

type Def = InsnDef<Cpu>;
type Fix = readonly (readonly [number, number, number])[];

const EXEC: Record<string, VFactory> = { ...INT_EXEC, ...PERM_EXEC, ...FP_EXEC, ...CRYPTO_EXEC };

function ex(m: string): ExecFactory<Cpu> {
  const e = EXEC[m];
  if (!e) throw new Error(`vmx: no executor for ${m}`);
  return e;
}

/** New in Power ISA 2.07 (POWER8). */
const N8 = P8 | P9;

const VX = (m: string, xo: number, ops = 'VRT,VRA,VRB', fix?: Fix, models?: number): Def => ({
  m,
  form: 'VX',
  op: 4,
  xo,
  ops,
  exec: ex(m),
  chapter: 'vmx',
  ...(fix ? { fix } : {}),
  ...(models ? { models } : {}),
});
/** VX with VRA reserved (unary on VRB). */
const VXB = (m: string, xo: number, models?: number): Def => VX(m, xo, 'VRT,VRB', [[11, 5, 0]], models);
const VA = (m: string, xo: number, models?: number, ops = 'VRT,VRA,VRB,VRC', fix?: Fix): Def => ({
  m,
  form: 'VA',
  op: 4,
  xo,
  ops,
  exec: ex(m),
  chapter: 'vmx',
  ...(fix ? { fix } : {}),
  ...(models ? { models } : {}),
});
const VC = (m: string, xo: number, models?: number): Def => ({
  m,
  form: 'VC',
  op: 4,
  xo,
  ops: 'VRT,VRA,VRB',
  rc: 'opt',
  exec: ex(m),
  chapter: 'vmx',
  ...(models ? { models } : {}),
});
const X = (m: string, xo: number, ops: string): Def => ({ m, form: 'X', op: 31, xo, ops, exec: ex(m), chapter: 'vmx' });

/**
 * Data stream touch/stop (dst, dstt, dstst, dststt, dss, dssall; Book II, Data Stream touch hints): performance
 * hints with no architected effect, so no-ops (Linux issues dssall on context switches). T/A is
 * bit 6 and STRM bits 9:10; fields.ts has no STRM, so the same bits are named by WC.
 */
const hint: ExecFactory<Cpu> = (f) => {
  // dst* with RA=0 is an invalid form (QEMU raises illegal instruction too); dss has no RA.
  if (f.ra === 0) return (c) => c.illegalInstruction();
  return () => 0;
};
const DS = (m: string, xo: number, ops: string, fix: Fix): Def => ({
  m,
  form: 'X',
  op: 31,
  xo,
  ops,
  fix,
  exec: hint,
  chapter: 'vmx',
});

export const VMX: Def[] = [
  // Loads and stores.
  X('lvebx', 7, 'VRT,RA0,RB'),
  X('lvehx', 39, 'VRT,RA0,RB'),
  X('lvewx', 71, 'VRT,RA0,RB'),
  X('lvx', 103, 'VRT,RA0,RB'),
  X('lvxl', 359, 'VRT,RA0,RB'),
  X('stvebx', 135, 'VRS,RA0,RB'),
  X('stvehx', 167, 'VRS,RA0,RB'),
  X('stvewx', 199, 'VRS,RA0,RB'),
  X('stvx', 231, 'VRS,RA0,RB'),
  X('stvxl', 487, 'VRS,RA0,RB'),
  X('lvsl', 6, 'VRT,RA0,RB'),
  X('lvsr', 38, 'VRT,RA0,RB'),
  DS('dst', 342, 'RA,RB,WC', [
    [6, 1, 0],
    [7, 2, 0],
  ]),
  DS('dstt', 342, 'RA,RB,WC', [
    [6, 1, 1],
    [7, 2, 0],
  ]),
  DS('dstst', 374, 'RA,RB,WC', [
    [6, 1, 0],
    [7, 2, 0],
  ]),
  DS('dststt', 374, 'RA,RB,WC', [
    [6, 1, 1],
    [7, 2, 0],
  ]),
  DS('dss', 822, 'WC', [
    [6, 1, 0],
    [7, 2, 0],
    [11, 10, 0],
  ]),
  DS('dssall', 822, '', [
    [6, 5, 0b10000],
    [11, 10, 0],
  ]),

  // VSCR.
  VX('mfvscr', 1540, 'VRT', [[11, 10, 0]]),
  VX('mtvscr', 1604, 'VRB', [[6, 10, 0]]),

  // Integer add / subtract.
  VX('vaddubm', 0),
  VX('vadduhm', 64),
  VX('vadduwm', 128),
  VX('vaddudm', 192, undefined, undefined, N8),
  VX('vadduqm', 256, undefined, undefined, N8),
  VX('vaddcuq', 320, undefined, undefined, N8),
  VX('vaddcuw', 384),
  VX('vaddubs', 512),
  VX('vadduhs', 576),
  VX('vadduws', 640),
  VX('vaddsbs', 768),
  VX('vaddshs', 832),
  VX('vaddsws', 896),
  VX('vsububm', 1024),
  VX('vsubuhm', 1088),
  VX('vsubuwm', 1152),
  VX('vsubudm', 1216, undefined, undefined, N8),
  VX('vsubuqm', 1280, undefined, undefined, N8),
  VX('vsubcuq', 1344, undefined, undefined, N8),
  VX('vsubcuw', 1408),
  VX('vsububs', 1536),
  VX('vsubuhs', 1600),
  VX('vsubuws', 1664),
  VX('vsubsbs', 1792),
  VX('vsubshs', 1856),
  VX('vsubsws', 1920),
  VA('vaddeuqm', 60, N8),
  VA('vaddecuq', 61, N8),
  VA('vsubeuqm', 62, N8),
  VA('vsubecuq', 63, N8),

  // Multiply.
  VX('vmuloub', 8),
  VX('vmulouh', 72),
  VX('vmulouw', 136, undefined, undefined, N8),
  VX('vmuluwm', 137, undefined, undefined, N8),
  VX('vmulosb', 264),
  VX('vmulosh', 328),
  VX('vmulosw', 392, undefined, undefined, N8),
  VX('vmuleub', 520),
  VX('vmuleuh', 584),
  VX('vmuleuw', 648, undefined, undefined, N8),
  VX('vmulesb', 776),
  VX('vmulesh', 840),
  VX('vmulesw', 904, undefined, undefined, N8),

  // Multiply-add / multiply-sum, sum across.
  VA('vmhaddshs', 32),
  VA('vmhraddshs', 33),
  VA('vmladduhm', 34),
  VA('vmsumubm', 36),
  VA('vmsummbm', 37),
  VA('vmsumuhm', 38),
  VA('vmsumuhs', 39),
  VA('vmsumshm', 40),
  VA('vmsumshs', 41),
  VX('vsum4ubs', 1544),
  VX('vsum4sbs', 1800),
  VX('vsum4shs', 1608),
  VX('vsum2sws', 1672),
  VX('vsumsws', 1928),

  // Average, maximum, minimum.
  VX('vavgub', 1026),
  VX('vavguh', 1090),
  VX('vavguw', 1154),
  VX('vavgsb', 1282),
  VX('vavgsh', 1346),
  VX('vavgsw', 1410),
  VX('vmaxub', 2),
  VX('vmaxuh', 66),
  VX('vmaxuw', 130),
  VX('vmaxud', 194, undefined, undefined, N8),
  VX('vmaxsb', 258),
  VX('vmaxsh', 322),
  VX('vmaxsw', 386),
  VX('vmaxsd', 450, undefined, undefined, N8),
  VX('vminub', 514),
  VX('vminuh', 578),
  VX('vminuw', 642),
  VX('vminud', 706, undefined, undefined, N8),
  VX('vminsb', 770),
  VX('vminsh', 834),
  VX('vminsw', 898),
  VX('vminsd', 962, undefined, undefined, N8),

  // Integer compare.
  VC('vcmpequb', 6),
  VC('vcmpequh', 70),
  VC('vcmpequw', 134),
  VC('vcmpequd', 199, N8),
  VC('vcmpgtub', 518),
  VC('vcmpgtuh', 582),
  VC('vcmpgtuw', 646),
  VC('vcmpgtud', 711, N8),
  VC('vcmpgtsb', 774),
  VC('vcmpgtsh', 838),
  VC('vcmpgtsw', 902),
  VC('vcmpgtsd', 967, N8),

  // Logical.
  VX('vand', 1028),
  VX('vandc', 1092),
  VX('vor', 1156),
  VX('vxor', 1220),
  VX('vnor', 1284),
  VX('vorc', 1348, undefined, undefined, N8),
  VX('vnand', 1412, undefined, undefined, N8),
  VX('veqv', 1668, undefined, undefined, N8),
  VA('vsel', 42),

  // Rotate and shift.
  VX('vrlb', 4),
  VX('vrlh', 68),
  VX('vrlw', 132),
  VX('vrld', 196, undefined, undefined, N8),
  VX('vslb', 260),
  VX('vslh', 324),
  VX('vslw', 388),
  VX('vsld', 1476, undefined, undefined, N8),
  VX('vsrb', 516),
  VX('vsrh', 580),
  VX('vsrw', 644),
  VX('vsrd', 1732, undefined, undefined, N8),
  VX('vsrab', 772),
  VX('vsrah', 836),
  VX('vsraw', 900),
  VX('vsrad', 964, undefined, undefined, N8),
  VX('vsl', 452),
  VX('vsr', 708),
  VX('vslo', 1036),
  VX('vsro', 1100),

  // Permute, merge, splat.
  VA('vperm', 43),
  VA('vpermxor', 45, N8),
  VA('vsldoi', 44, undefined, 'VRT,VRA,VRB,SHB', [[21, 1, 0]]),
  VX('vmrghb', 12),
  VX('vmrghh', 76),
  VX('vmrghw', 140),
  VX('vmrglb', 268),
  VX('vmrglh', 332),
  VX('vmrglw', 396),
  VX('vmrgew', 1932, undefined, undefined, N8),
  VX('vmrgow', 1676, undefined, undefined, N8),
  VX('vspltb', 524, 'VRT,VRB,UIMM4', [[11, 1, 0]]),
  VX('vsplth', 588, 'VRT,VRB,UIMM3', [[11, 2, 0]]),
  VX('vspltw', 652, 'VRT,VRB,UIMM2', [[11, 3, 0]]),
  VX('vspltisb', 780, 'VRT,SIMM5', [[16, 5, 0]]),
  VX('vspltish', 844, 'VRT,SIMM5', [[16, 5, 0]]),
  VX('vspltisw', 908, 'VRT,SIMM5', [[16, 5, 0]]),

  // Pack and unpack.
  VX('vpkuhum', 14),
  VX('vpkuwum', 78),
  VX('vpkuhus', 142),
  VX('vpkuwus', 206),
  VX('vpkshus', 270),
  VX('vpkswus', 334),
  VX('vpkshss', 398),
  VX('vpkswss', 462),
  VX('vpkpx', 782),
  VX('vpkudum', 1102, undefined, undefined, N8),
  VX('vpkudus', 1230, undefined, undefined, N8),
  VX('vpksdus', 1358, undefined, undefined, N8),
  VX('vpksdss', 1486, undefined, undefined, N8),
  VXB('vupkhsb', 526),
  VXB('vupkhsh', 590),
  VXB('vupklsb', 654),
  VXB('vupklsh', 718),
  VXB('vupkhpx', 846),
  VXB('vupklpx', 974),
  VXB('vupkhsw', 1614, N8),
  VXB('vupklsw', 1742, N8),

  // Count, bit gather, bit permute.
  VXB('vclzb', 1794, N8),
  VXB('vclzh', 1858, N8),
  VXB('vclzw', 1922, N8),
  VXB('vclzd', 1986, N8),
  VXB('vpopcntb', 1795, N8),
  VXB('vpopcnth', 1859, N8),
  VXB('vpopcntw', 1923, N8),
  VXB('vpopcntd', 1987, N8),
  VXB('vgbbd', 1292, N8),
  VX('vbpermq', 1356, undefined, undefined, N8),

  // Floating point.
  VX('vaddfp', 10),
  VX('vsubfp', 74),
  VX('vmaxfp', 1034),
  VX('vminfp', 1098),
  VA('vmaddfp', 46, undefined, 'VRT,VRA,VRC,VRB'),
  VA('vnmsubfp', 47, undefined, 'VRT,VRA,VRC,VRB'),
  VXB('vrefp', 266),
  VXB('vrsqrtefp', 330),
  VXB('vexptefp', 394),
  VXB('vlogefp', 458),
  VXB('vrfin', 522),
  VXB('vrfiz', 586),
  VXB('vrfip', 650),
  VXB('vrfim', 714),
  VX('vcfux', 778, 'VRT,VRB,UIMM5'),
  VX('vcfsx', 842, 'VRT,VRB,UIMM5'),
  VX('vctuxs', 906, 'VRT,VRB,UIMM5'),
  VX('vctsxs', 970, 'VRT,VRB,UIMM5'),
  VC('vcmpeqfp', 198),
  VC('vcmpgefp', 454),
  VC('vcmpgtfp', 710),
  VC('vcmpbfp', 966),

  // Crypto (exclusive-OR-based instructions), 2.07.
  VX('vcipher', 1288, undefined, undefined, N8),
  VX('vcipherlast', 1289, undefined, undefined, N8),
  VX('vncipher', 1352, undefined, undefined, N8),
  VX('vncipherlast', 1353, undefined, undefined, N8),
  VX('vsbox', 1480, 'VRT,VRA', [[16, 5, 0]], N8),
  VX('vshasigmaw', 1666, 'VRT,VRA,ST,SIX', undefined, N8),
  VX('vshasigmad', 1730, 'VRT,VRA,ST,SIX', undefined, N8),
  VX('vpmsumb', 1032, undefined, undefined, N8),
  VX('vpmsumh', 1096, undefined, undefined, N8),
  VX('vpmsumw', 1160, undefined, undefined, N8),
  VX('vpmsumd', 1224, undefined, undefined, N8),

  // Decimal integer arithmetic, 2.07: VX-form with Rc=1 in bit 21 and PS in bit 22, so described as VA-form
  // (XO bits 26:31 = 1) with bits 21 and 23:25 fixed.
  VA('bcdadd.', 1, N8, 'VRT,VRA,VRB,PS', [
    [21, 1, 1],
    [23, 3, 0],
  ]),
  VA('bcdsub.', 1, N8, 'VRT,VRA,VRB,PS', [
    [21, 1, 1],
    [23, 3, 1],
  ]),
];
