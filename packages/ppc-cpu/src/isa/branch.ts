/**
 * Branch and condition-register instructions, system call, and the
 * problem-state SPR moves (Power ISA 2.07 Book I §2.4 - §2.5, §3.3.16).
 */
import type { Cpu } from '../cpu.js';
import { FSCR_FACILITY, SPR } from '../sprs.js';
import { CR, CTR, LR, PC, TAR } from '../state.js';
import type { Fields, InsnDef } from '../table.js';
import { P8, P9 } from '../table.js';
import { TWO32 } from './util.js';

type Def = InsnDef<Cpu>;

/** Index of CFAR's low half in Cpu.sprs. */
const CFAR2 = SPR.CFAR * 2;

/** Set the PC to (hi:lo), truncated to 32 bits outside 64-bit mode. */
function jump(c: Cpu, lo: number, hi: number): number {
  const s = c.s;
  // CFAR: the address of the most recent taken branch (Book III-S §4.3.3).
  c.sprs[CFAR2] = s[PC]!;
  c.sprs[CFAR2 + 1] = s[PC + 1]!;
  s[PC] = lo & ~3;
  s[PC + 1] = c.sf ? hi : 0;
  return 1;
}

/** LR = address of the next instruction. */
function link(c: Cpu): void {
  const s = c.s;
  const n = (s[PC]! >>> 0) + 4;
  s[LR] = n | 0;
  s[LR + 1] = c.sf ? (n >= TWO32 ? (s[PC + 1]! + 1) | 0 : s[PC + 1]!) : 0;
}

function b(f: Fields) {
  const li = f.li!;
  const aa = f.aa!;
  const lk = f.lk!;
  return (c: Cpu) => {
    const s = c.s;
    let lo: number;
    let hi: number;
    if (aa) {
      lo = li;
      hi = li >> 31;
    } else {
      const t = (s[PC]! >>> 0) + li;
      lo = t | 0;
      hi = t >= TWO32 ? (s[PC + 1]! + 1) | 0 : t < 0 ? (s[PC + 1]! - 1) | 0 : s[PC + 1]!;
    }
    if (lk) link(c);
    return jump(c, lo, hi);
  };
}

/**
 * The BO test of Book I §2.4: decrement CTR unless BO[2]; branch when the CTR
 * condition and the CR condition both hold.
 */
function boTest(c: Cpu, bo: number, bi: number): boolean {
  const s = c.s;
  let ok = true;
  if ((bo & 4) === 0) {
    // Decrement CTR (64-bit, or its low word in 32-bit mode).
    let lo = s[CTR]!;
    let hi = s[CTR + 1]!;
    if (lo === 0) hi = (hi - 1) | 0;
    lo = (lo - 1) | 0;
    s[CTR] = lo;
    s[CTR + 1] = hi;
    const zero = c.sf ? (lo | hi) === 0 : lo === 0;
    ok = zero === ((bo & 2) !== 0);
  }
  if (ok && (bo & 0x10) === 0) {
    const bit = (s[CR]! >>> (31 - bi)) & 1;
    ok = bit === ((bo >>> 3) & 1);
  }
  return ok;
}

function bc(f: Fields) {
  const bo = f.bo!;
  const bi = f.bi!;
  const bd = f.bd!;
  const aa = f.aa!;
  const lk = f.lk!;
  return (c: Cpu) => {
    const s = c.s;
    const take = boTest(c, bo, bi);
    if (lk) link(c);
    if (!take) return lk ? 0 : 0;
    let lo: number;
    let hi: number;
    if (aa) {
      lo = bd;
      hi = bd >> 31;
    } else {
      const t = (s[PC]! >>> 0) + bd;
      lo = t | 0;
      hi = t >= TWO32 ? (s[PC + 1]! + 1) | 0 : t < 0 ? (s[PC + 1]! - 1) | 0 : s[PC + 1]!;
    }
    return jump(c, lo, hi);
  };
}

/** bclr / bcctr / bctar: branch to a register (read before LK updates LR). */
function bcreg(reg: number, noCtrDecrement: boolean) {
  return (f: Fields) => {
    const bo = f.bo!;
    const bi = f.bi!;
    const lk = f.lk!;
    // bcctr with BO[2]=0 is an invalid form (Book I §2.4); treat like hardware: test only the CR.
    const bo2 = noCtrDecrement ? bo | 4 : bo;
    const isTar = reg === TAR;
    return (c: Cpu) => {
      // bctar in problem state needs FSCR[TAR] (POWER8+; facility unavailable otherwise).
      if (isTar) {
        const g = c.checkFscr(FSCR_FACILITY.TAR);
        if (g !== 0) return g;
      }
      const s = c.s;
      const take = boTest(c, bo2, bi);
      const lo = s[reg]!;
      const hi = s[reg + 1]!;
      if (lk) link(c);
      if (!take) return 0;
      return jump(c, lo, hi);
    };
  };
}

function crop(op: (a: number, b: number) => number) {
  return (f: Fields) => {
    const bt = 31 - f.bt!;
    const ba = 31 - f.ba!;
    const bb = 31 - f.bb!;
    return (c: Cpu) => {
      const s = c.s;
      const cr = s[CR]!;
      const v = op((cr >>> ba) & 1, (cr >>> bb) & 1) & 1;
      s[CR] = (cr & ~(1 << bt)) | (v << bt);
      return 0;
    };
  };
}

function mcrf(f: Fields) {
  const dst = 28 - 4 * f.bf!;
  const src = 28 - 4 * f.bfa!;
  return (c: Cpu) => {
    const s = c.s;
    const v = (s[CR]! >>> src) & 0xf;
    s[CR] = (s[CR]! & ~(0xf << dst)) | (v << dst);
    return 0;
  };
}

function sc(f: Fields) {
  const lev = f.lev!;
  return (c: Cpu) => c.systemCall(lev);
}

function mfcr(f: Fields) {
  const t = f.rt! * 2;
  return (c: Cpu) => {
    c.s[t] = c.s[CR]!;
    c.s[t + 1] = 0;
    return 0;
  };
}

/** mfocrf: one field (FXM must name exactly one; otherwise undefined — POWER8 copies the whole CR into those fields). */
function mfocrf(f: Fields) {
  const t = f.rt! * 2;
  let m = 0;
  for (let i = 0; i < 8; i++) if (f.fxm! & (0x80 >> i)) m |= 0xf << (28 - 4 * i);
  return (c: Cpu) => {
    c.s[t] = c.s[CR]! & m;
    c.s[t + 1] = 0;
    return 0;
  };
}

function mtcrf(f: Fields) {
  const sr = f.rs! * 2;
  let m = 0;
  for (let i = 0; i < 8; i++) if (f.fxm! & (0x80 >> i)) m |= 0xf << (28 - 4 * i);
  return (c: Cpu) => {
    const s = c.s;
    s[CR] = (s[CR]! & ~m) | (s[sr]! & m);
    return 0;
  };
}

function mfspr(f: Fields) {
  const t = f.rt! * 2;
  const spr = f.spr ?? f.tbr!;
  return (c: Cpu) => c.mfspr(spr, t);
}

function mtspr(f: Fields) {
  const sr = f.rs! * 2;
  const spr = f.spr!;
  return (c: Cpu) => c.mtspr(spr, sr);
}

/** No architectural effect for a single uniprocessor interpreter (cache hints, barriers). */
const nop = () => () => 0;

function dcbz(f: Fields) {
  const a = f.ra === 0 ? -1 : f.ra! * 2;
  const rb = f.rb! * 2;
  return (c: Cpu) => c.dcbz(a, rb);
}

function icbi(f: Fields) {
  const a = f.ra === 0 ? -1 : f.ra! * 2;
  const rb = f.rb! * 2;
  return (c: Cpu) => c.icbi(a, rb);
}

/** sync / eieio: ordering is free on one thread; with other CPUs (SMP domain) see Cpu.barrier. */
function barrier() {
  return (c: Cpu) => c.barrier();
}

function isync() {
  return (c: Cpu) => c.contextSync();
}

/** mcrxrx (ISA 3.0): CR field = OV OV32 CA CA32. */
function mcrxrx(f: Fields) {
  const sh = 28 - 4 * f.bf!;
  return (c: Cpu) => {
    const x = c.getXer();
    const v = (((x >>> 30) & 1) << 3) | (((x >>> 19) & 1) << 2) | (((x >>> 29) & 1) << 1) | ((x >>> 18) & 1);
    c.s[CR] = (c.s[CR]! & ~(0xf << sh)) | (v << sh);
    return 0;
  };
}

const XL = (m: string, xo: number, ops: string, exec: Def['exec'], extra: Partial<Def> = {}): Def => ({
  m,
  form: 'XL',
  op: 19,
  xo,
  ops,
  exec,
  chapter: 'branch',
  ...extra,
});
const X = (m: string, xo: number, ops: string, exec: Def['exec'], extra: Partial<Def> = {}): Def => ({
  m,
  form: 'X',
  op: 31,
  xo,
  ops,
  exec,
  chapter: 'storage',
  ...extra,
});

export const BRANCH: Def[] = [
  { m: 'b', form: 'I', op: 18, ops: 'LI', aa: 'opt', lk: 'opt', exec: b, chapter: 'branch' },
  { m: 'bc', form: 'B', op: 16, ops: 'BO,BI,BD', aa: 'opt', lk: 'opt', exec: bc, chapter: 'branch' },
  XL('bclr', 16, 'BO,BI,BH', bcreg(LR, false), { lk: 'opt', fix: [[16, 3, 0]] }),
  XL('bcctr', 528, 'BO,BI,BH', bcreg(CTR, true), { lk: 'opt', fix: [[16, 3, 0]] }),
  XL('bctar', 560, 'BO,BI,BH', bcreg(TAR, false), { lk: 'opt', fix: [[16, 3, 0]], models: P8 | P9 }),
  XL(
    'crand',
    257,
    'BT,BA,BB',
    crop((a, b2) => a & b2),
    { lk: 0 },
  ),
  XL(
    'cror',
    449,
    'BT,BA,BB',
    crop((a, b2) => a | b2),
    { lk: 0 },
  ),
  XL(
    'crxor',
    193,
    'BT,BA,BB',
    crop((a, b2) => a ^ b2),
    { lk: 0 },
  ),
  XL(
    'crnand',
    225,
    'BT,BA,BB',
    crop((a, b2) => ~(a & b2)),
    { lk: 0 },
  ),
  XL(
    'crnor',
    33,
    'BT,BA,BB',
    crop((a, b2) => ~(a | b2)),
    { lk: 0 },
  ),
  XL(
    'creqv',
    289,
    'BT,BA,BB',
    crop((a, b2) => ~(a ^ b2)),
    { lk: 0 },
  ),
  XL(
    'crandc',
    129,
    'BT,BA,BB',
    crop((a, b2) => a & ~b2),
    { lk: 0 },
  ),
  XL(
    'crorc',
    417,
    'BT,BA,BB',
    crop((a, b2) => a | ~b2),
    { lk: 0 },
  ),
  XL('mcrf', 0, 'BF,BFA', mcrf, {
    lk: 0,
    fix: [
      [9, 2, 0],
      [14, 7, 0],
    ],
  }),
  XL('isync', 150, '', isync, { lk: 0, fix: [[6, 15, 0]] }),
  { m: 'sc', form: 'SC', op: 17, ops: 'LEV', exec: sc, chapter: 'branch' },
  X('mfcr', 19, 'RT', mfcr, { fix: [[11, 1, 0]] }),
  X('mfocrf', 19, 'RT,FXM', mfocrf, { fix: [[11, 1, 1]] }),
  { m: 'mtcrf', form: 'XFX', op: 31, xo: 144, ops: 'FXM,RS', fix: [[11, 1, 0]], exec: mtcrf, chapter: 'branch' },
  { m: 'mtocrf', form: 'XFX', op: 31, xo: 144, ops: 'FXM,RS', fix: [[11, 1, 1]], exec: mtcrf, chapter: 'branch' },
  { m: 'mfspr', form: 'XFX', op: 31, xo: 339, ops: 'RT,SPR', exec: mfspr, chapter: 'branch' },
  { m: 'mtspr', form: 'XFX', op: 31, xo: 467, ops: 'SPR,RS', exec: mtspr, chapter: 'branch' },
  { m: 'mftb', form: 'XFX', op: 31, xo: 371, ops: 'RT,TBR', exec: mfspr, chapter: 'branch' },
  X('mcrxrx', 576, 'BF', mcrxrx, { models: P9, fix: [[9, 12, 0]] }),
  // Storage control (Book II §4.3): hints and barriers.
  X('dcbt', 278, 'RA0,RB,TH', nop),
  X('dcbtst', 246, 'RA0,RB,TH', nop),
  X('dcbf', 86, 'RA0,RB,L9', nop, { fix: [[6, 3, 0]] }),
  X('dcbst', 54, 'RA0,RB', nop, { fix: [[6, 5, 0]] }),
  X('dcbz', 1014, 'RA0,RB', dcbz, { fix: [[6, 5, 0]] }),
  X('icbi', 982, 'RA0,RB', icbi, { fix: [[6, 5, 0]] }),
  X('icbt', 22, 'CT,RA0,RB', nop, { fix: [[6, 1, 0]] }),
  X('sync', 598, 'L9', barrier, {
    fix: [
      [6, 3, 0],
      [11, 10, 0],
    ],
  }),
  // Bit 6 is a hint (Linux's POWER9 stf-barrier uses `eieio` with it set); only bits 7:20 must be 0.
  X('eieio', 854, '', barrier, { fix: [[7, 14, 0]] }),
  // `wait` with XO 62 is the ISA 2.06/2.07 "Wait" category, which the POWER7/8/9 server parts do
  // not implement (illegal instruction there, as QEMU and real POWER8 agree); ISA 3.0 moved
  // `wait` to XO 30. The entry stays for the disassembler.
  X('wait', 62, 'WC', () => (c: Cpu) => c.illegalInstruction(), {
    fix: [
      [6, 3, 0],
      [11, 10, 0],
    ],
  }),
];
