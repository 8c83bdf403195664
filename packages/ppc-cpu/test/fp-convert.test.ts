/**
 * Rounding, conversion and compare instructions (Power ISA 2.07 Book I §4.6.7,
 * §4.6.8; the frsp and convert-to-integer models of Appendix A).
 */
import { describe, expect, it } from 'vitest';
import {
  C_NNORM,
  C_NZERO,
  C_PDEN,
  C_PINF,
  C_PNORM,
  C_PZERO,
  C_QNAN,
  D,
  FEX,
  FI,
  FR,
  FX,
  NINF,
  NZERO,
  num,
  OE,
  OX,
  PINF,
  QNAN,
  Rig,
  RM,
  RN,
  RP,
  RZ,
  S,
  UE,
  UX,
  VE,
  VX,
  VXCVI,
  VXSNAN,
  VXVC,
  XX,
} from './fp-rig.js';

const SNAN = 0x7ff0000000000123n;

describe('frsp (§4.6.7.1, model A.1)', () => {
  const r = new Rig();
  it('rounds to single in each mode', () => {
    const x = 1 + 2 ** -24 + 2 ** -30;
    expect(r.op('frsp 0,2', RN, undefined, x)).toMatchObject({
      t: S(1 + 2 ** -23),
      fpscr: FX | XX | FR | FI | C_PNORM,
    });
    expect(r.op('frsp 0,2', RZ, undefined, x).t).toBe(S(1));
    expect(r.op('frsp 0,2', RM, undefined, -x).t).toBe(S(-1 - 2 ** -23));
    expect(r.op('frsp 0,2', RN, undefined, 1.5)).toMatchObject({ t: D(1.5), fpscr: C_PNORM });
  });

  it('NaNs keep FRB[0:34]; an SNaN is quieted with VXSNAN', () => {
    expect(r.op('frsp 0,2', 0, undefined, 0x7ff8000012345678n).t).toBe(0x7ff8000000000000n);
    expect(r.op('frsp 0,2', 0, undefined, 0xfff00001e0000001n)).toMatchObject({
      t: 0xfff80001e0000000n,
      fpscr: FX | VX | VXSNAN | C_QNAN,
    });
  });

  it('overflow and underflow happen at the single-precision limits', () => {
    expect(r.op('frsp 0,2', RN, undefined, 1e39)).toMatchObject({ t: PINF, fpscr: FX | OX | XX | FI | FR | C_PINF });
    expect(r.op('frsp 0,2', RZ, undefined, 1e39).t).toBe(S(3.4028234663852886e38));
    // A single denormal: denormalized and rounded, UX because inexact.
    const d = r.op('frsp 0,2', RN, undefined, 1e-40);
    expect(d.t).toBe(S(1e-40));
    expect(d.fpscr).toBe(FX | UX | XX | FI | (num(S(1e-40)) > 1e-40 ? FR : 0) | C_PDEN);
    // Exactly representable single denormal: no underflow.
    expect(r.op('frsp 0,2', RN, undefined, 2 ** -149)).toMatchObject({ t: D(2 ** -149), fpscr: C_PDEN });
    // Below half the smallest single denormal: zero.
    expect(r.op('frsp 0,2', RN, undefined, 2 ** -151)).toMatchObject({ t: 0n, fpscr: FX | UX | XX | FI | C_PZERO });
  });

  it('enabled overflow/underflow adjust the exponent by 192', () => {
    const o = r.op('frsp 0,2', OE, undefined, 2 ** 130);
    expect(o).toMatchObject({ t: D(2 ** -62), fpscr: FX | FEX | OX | OE | C_PNORM });
    const u = r.op('frsp 0,2', UE, undefined, 2 ** -140);
    expect(u).toMatchObject({ t: D(2 ** 52), fpscr: FX | FEX | UX | UE | C_PNORM });
  });
});

describe('fcti* (§4.6.7.2, model A.2)', () => {
  const r = new Rig();
  it('rounds by RN, or toward zero for the z forms', () => {
    expect(r.op('fctiw 0,2', RN, undefined, 2.5)).toMatchObject({ t: 2n, fpscr: FX | XX | FI });
    expect(r.op('fctiw 0,2', RN, undefined, 3.5)).toMatchObject({ t: 4n, fpscr: FX | XX | FR | FI });
    expect(r.op('fctiw 0,2', RP, undefined, 2.1).t).toBe(3n);
    expect(r.op('fctiw 0,2', RM, undefined, -2.1).t).toBe(0xfffffffffffffffdn);
    expect(r.op('fctiwz 0,2', RP, undefined, -2.9).t).toBe(0xfffffffffffffffen);
    expect(r.op('fctid 0,2', RN, undefined, -(2 ** 53) - 2).t).toBe(BigInt.asUintN(64, -(2n ** 53n) - 2n));
    expect(r.op('fctidz 0,2', RN, undefined, 1e18 + 0.5).t).toBe(1000000000000000000n);
    expect(r.op('fctid 0,2', RN, undefined, 7)).toMatchObject({ t: 7n, fpscr: 0 });
  });

  it('saturates out-of-range operands with VXCVI (FR, FI cleared)', () => {
    expect(r.op('fctiw 0,2', RN, undefined, 2 ** 31)).toMatchObject({
      t: 0x7fffffffn,
      fpscr: FX | VX | VXCVI | C_QNAN,
    });
    expect(r.op('fctiw 0,2', RN, undefined, -(2 ** 31)).t).toBe(0xffffffff80000000n);
    expect(r.op('fctiw 0,2', RN, undefined, -(2 ** 31) - 1).t).toBe(0xffffffff80000000n);
    expect(r.op('fctiwu 0,2', RN, undefined, 2 ** 32).t).toBe(0xffffffffn);
    expect(r.op('fctiwu 0,2', RN, undefined, 4294967295.4).t).toBe(0xffffffffn);
    expect(r.op('fctid 0,2', RN, undefined, 2 ** 63).t).toBe(0x7fffffffffffffffn);
    expect(r.op('fctid 0,2', RN, undefined, NINF).t).toBe(0x8000000000000000n);
    expect(r.op('fctidu 0,2', RN, undefined, 2 ** 64).t).toBe(0xffffffffffffffffn);
    expect(r.op('fctidu 0,2', RN, undefined, 2 ** 64 - 2048).t).toBe(0xfffffffffffff800n);
  });

  it('unsigned forms: small negatives that round to 0 are fine, others invalid', () => {
    expect(r.op('fctiwu 0,2', RN, undefined, -0.3)).toMatchObject({ t: 0n, fpscr: FX | XX | FI });
    expect(r.op('fctiwu 0,2', RN, undefined, -0.7)).toMatchObject({ t: 0n, fpscr: FX | VX | VXCVI | C_QNAN });
    expect(r.op('fctiduz 0,2', RN, undefined, -0.999).t).toBe(0n);
    expect(r.op('fctidu 0,2', RN, undefined, NZERO)).toMatchObject({ t: 0n, fpscr: 0 });
  });

  it('NaN operands: VXCVI (+VXSNAN), the most negative integer or 0', () => {
    expect(r.op('fctiw 0,2', RN, undefined, QNAN)).toMatchObject({ t: 0x80000000n, fpscr: FX | VX | VXCVI | C_QNAN });
    expect(r.op('fctid 0,2', RN, undefined, SNAN)).toMatchObject({
      t: 0x8000000000000000n,
      fpscr: FX | VX | VXSNAN | VXCVI | C_QNAN,
    });
    expect(r.op('fctidu 0,2', RN, undefined, QNAN).t).toBe(0n);
  });

  it('VE=1: no write', () => {
    expect(r.op('fctiw 0,2', VE, undefined, QNAN)).toMatchObject({
      t: 0x5a5a5a5a5a5a5a5an,
      fpscr: FX | FEX | VX | VXCVI | VE,
    });
  });
});

describe('fcfid* (§4.6.7.2)', () => {
  const r = new Rig();
  it('converts signed and unsigned doublewords, rounding in RN', () => {
    expect(r.op('fcfid 0,2', 0, undefined, 0xffffffffffffffffn)).toMatchObject({ t: D(-1), fpscr: C_NNORM });
    expect(r.op('fcfidu 0,2', 0, undefined, 0xffffffffffffffffn)).toMatchObject({
      t: D(2 ** 64),
      fpscr: FX | XX | FR | FI | C_PNORM,
    });
    expect(r.op('fcfidu 0,2', RZ, undefined, 0xffffffffffffffffn).t).toBe(D(2 ** 64 - 2048));
    expect(r.op('fcfid 0,2', 0, undefined, 0x8000000000000000n).t).toBe(D(-(2 ** 63)));
    expect(r.op('fcfid 0,2', 0, undefined, 0n)).toMatchObject({ t: 0n, fpscr: C_PZERO });
    // 2^53 + 1 is a tie in double: to even.
    expect(r.op('fcfid 0,2', 0, undefined, 2n ** 53n + 1n).t).toBe(D(2 ** 53));
    expect(r.op('fcfid 0,2', RP, undefined, 2n ** 53n + 1n).t).toBe(D(2 ** 53 + 2));
  });

  it('fcfids / fcfidus round directly to single', () => {
    // 2^24 + 1 + 2^-? : (2^25 + 3) rounds to single once: 2^25 + 4.
    expect(r.op('fcfids 0,2', 0, undefined, 2n ** 25n + 3n).t).toBe(S(2 ** 25 + 4));
    expect(r.op('fcfids 0,2', 0, undefined, 2n ** 24n + 1n).t).toBe(S(2 ** 24));
    expect(r.op('fcfidus 0,2', RM, undefined, 0xffffffffffffffffn).t).toBe(S(2 ** 64 - 2 ** 40));
    expect(r.op('fcfids 0,2', RM, undefined, BigInt.asUintN(64, -(2n ** 24n) - 1n)).t).toBe(S(-(2 ** 24) - 2));
  });
});

describe('frin / friz / frip / frim (§4.6.7.3)', () => {
  const r = new Rig();
  it('round to integral values without reporting inexact', () => {
    expect(r.op('frin 0,2', 0, undefined, 2.5)).toMatchObject({ t: D(3), fpscr: C_PNORM });
    expect(r.op('frin 0,2', 0, undefined, -2.5).t).toBe(D(-3));
    expect(r.op('frin 0,2', 0, undefined, -0.3)).toMatchObject({ t: NZERO, fpscr: C_NZERO });
    expect(r.op('friz 0,2', 0, undefined, -2.7).t).toBe(D(-2));
    expect(r.op('frip 0,2', 0, undefined, -0.5).t).toBe(NZERO);
    expect(r.op('frip 0,2', 0, undefined, 1.0000001).t).toBe(D(2));
    expect(r.op('frim 0,2', 0, undefined, 0.5).t).toBe(0n);
    expect(r.op('frim 0,2', 0, undefined, -1e-300).t).toBe(D(-1));
    expect(r.op('frin 0,2', 0, undefined, 2 ** 60 + 2 ** 8).t).toBe(D(2 ** 60 + 2 ** 8));
    expect(r.op('frin 0,2', FR | FI, undefined, PINF)).toMatchObject({ t: PINF, fpscr: C_PINF });
  });

  it('an SNaN is quieted with VXSNAN', () => {
    expect(r.op('friz 0,2', 0, undefined, SNAN)).toMatchObject({
      t: SNAN | (1n << 51n),
      fpscr: FX | VX | VXSNAN | C_QNAN,
    });
  });
});

describe('fcmpu / fcmpo, ftdiv / ftsqrt (§4.6.8)', () => {
  const r = new Rig();
  const cmp = (insn: string, fpscr: number, a: bigint | number, b: bigint | number) => {
    r.setF(1, a);
    r.setF(2, b);
    r.fpscr = fpscr;
    r.cr = 0;
    r.run(insn);
    return { crf: r.crf(3), fpscr: r.fpscr };
  };

  it('sets CR field and FPCC (not the C bit)', () => {
    expect(cmp('fcmpu 3,1,2', C_QNAN, 1, 2)).toEqual({ crf: 8, fpscr: 0x10000 | 0x8000 });
    expect(cmp('fcmpu 3,1,2', 0, 2, 1)).toEqual({ crf: 4, fpscr: 0x4000 });
    expect(cmp('fcmpu 3,1,2', 0, NZERO, 0n)).toEqual({ crf: 2, fpscr: 0x2000 });
    expect(cmp('fcmpu 3,1,2', 0, QNAN, 0n)).toEqual({ crf: 1, fpscr: 0x1000 });
  });

  it('fcmpu: VXSNAN only for SNaNs; fcmpo: VXVC for QNaNs, and for SNaNs when VE=0', () => {
    expect(cmp('fcmpu 3,1,2', 0, SNAN, 1).fpscr).toBe(FX | VX | VXSNAN | 0x1000);
    expect(cmp('fcmpo 3,1,2', 0, QNAN, 1).fpscr).toBe(FX | VX | VXVC | 0x1000);
    expect(cmp('fcmpo 3,1,2', 0, SNAN, 1).fpscr).toBe(FX | VX | VXSNAN | VXVC | 0x1000);
    expect(cmp('fcmpo 3,1,2', VE, 1, SNAN).fpscr).toBe(FX | FEX | VX | VXSNAN | VE | 0x1000);
  });

  it('fcmpo with VE=1 interrupts after setting CR and FPCC', () => {
    const f = new Rig({ fe: true });
    f.setF(1, QNAN);
    f.setF(2, 1);
    f.fpscr = VE;
    expect(f.run('fcmpo 5,1,2').kind).toBe('fp-exception');
    expect(f.crf(5)).toBe(1);
  });

  const test = (insn: string, a: number | bigint, b: number | bigint) => cmp(insn, 0, a, b).crf;
  it('ftdiv flags', () => {
    expect(test('ftdiv 3,1,2', 1, 3)).toBe(8);
    expect(test('ftdiv 3,1,2', 1, 0)).toBe(0xe);
    expect(test('ftdiv 3,1,2', PINF, 1)).toBe(0xe);
    expect(test('ftdiv 3,1,2', 1, 1e-310)).toBe(0xe);
    expect(test('ftdiv 3,1,2', QNAN, 1)).toBe(0xa);
    expect(test('ftdiv 3,1,2', 1e300, 1e-10)).toBe(0xa);
    expect(test('ftdiv 3,1,2', 1, 2 ** 1021)).toBe(0xa);
    expect(test('ftdiv 3,1,2', 2 ** -970, 1)).toBe(0xa);
    expect(test('ftdiv 3,1,2', 0, 1e300)).toBe(8);
    expect(test('ftdiv 3,1,2', 0, 2 ** 1022)).toBe(0xa);
    expect(test('ftdiv 3,1,2', 0, 1)).toBe(8);
  });

  it('ftsqrt flags', () => {
    expect(test('ftsqrt 3,2', 0, 2)).toBe(8);
    expect(test('ftsqrt 3,2', 0, 0)).toBe(0xe);
    expect(test('ftsqrt 3,2', 0, NZERO)).toBe(0xe);
    expect(test('ftsqrt 3,2', 0, PINF)).toBe(0xe);
    expect(test('ftsqrt 3,2', 0, -1)).toBe(0xa);
    expect(test('ftsqrt 3,2', 0, QNAN)).toBe(0xa);
    expect(test('ftsqrt 3,2', 0, 2 ** -970)).toBe(0xa);
    expect(test('ftsqrt 3,2', 0, 2 ** -969)).toBe(8);
    expect(test('ftsqrt 3,2', 0, 1e-310)).toBe(0xe);
  });
});
