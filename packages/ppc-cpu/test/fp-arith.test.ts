/**
 * Per-instruction vectors for the FP arithmetic instructions (Power ISA 2.07
 * Book I §4.3 - §4.6.6), written from the ISA's rules: rounding in the four
 * modes, single precision rounded once, FPSCR exception/status bits, NaN
 * propagation, signed zeros, denormals, enabled exceptions.
 */
import { describe, expect, it } from 'vitest';
import {
  C_NDEN,
  C_NINF,
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
  MAXD,
  MIND,
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
  VXIDI,
  VXIMZ,
  VXISI,
  VXSNAN,
  VXSQRT,
  VXZDZ,
  XE,
  XX,
  ZE,
  ZX,
} from './fp-rig.js';

const SNAN = 0x7ff0000000000123n;
const QNAN_P = 0x7ff8000000000456n;
const ONE = D(1);
/** 1 + 2^-52: the double after 1. */
const ONE_P = D(1 + 2 ** -52);

describe('fadd / fsub (§4.6.6.1)', () => {
  const r = new Rig();
  it('exact sums leave FR, FI clear and set FPRF', () => {
    const o = r.op('fadd 0,1,2', 0, 1.5, 2.25);
    expect(num(o.t)).toBe(3.75);
    expect(o.fpscr).toBe(C_PNORM);
    expect(r.op('fsub 0,1,2', 0, 1.5, 2.25).fpscr).toBe(C_NNORM);
  });

  it('rounds 1 + 0.75 ulp in each mode, with FR/FI/XX/FX', () => {
    const b = 0.75 * 2 ** -52;
    expect(r.op('fadd 0,1,2', RN, 1, b)).toMatchObject({ t: ONE_P, fpscr: FX | XX | FR | FI | C_PNORM });
    expect(r.op('fadd 0,1,2', RZ, 1, b)).toMatchObject({ t: ONE, fpscr: FX | XX | FI | C_PNORM | RZ });
    expect(r.op('fadd 0,1,2', RP, 1, b)).toMatchObject({ t: ONE_P, fpscr: FX | XX | FR | FI | C_PNORM | RP });
    expect(r.op('fadd 0,1,2', RM, 1, b)).toMatchObject({ t: ONE, fpscr: FX | XX | FI | C_PNORM | RM });
    // Negative: RP truncates toward zero, RM rounds away.
    expect(r.op('fadd 0,1,2', RP, -1, -b).t).toBe(D(-1));
    expect(r.op('fadd 0,1,2', RM, -1, -b).t).toBe(D(-1 - 2 ** -52));
  });

  it('ties round to even in RN', () => {
    expect(r.op('fadd 0,1,2', RN, 1, 2 ** -53).t).toBe(ONE);
    expect(r.op('fadd 0,1,2', RN, 1 + 2 ** -52, 2 ** -53).t).toBe(D(1 + 2 ** -51));
  });

  it('FX is set only when an exception bit changes from 0 to 1', () => {
    expect(r.op('fadd 0,1,2', XX, 1, 2 ** -60).fpscr).toBe(XX | FI | C_PNORM);
    expect(r.op('fadd 0,1,2', 0, 1, 2 ** -60).fpscr).toBe(FX | XX | FI | C_PNORM);
  });

  it('signed zeros: x - x is +0 (-0 when rounding toward -inf); -0 + -0 = -0', () => {
    expect(r.op('fsub 0,1,2', RN, 5, 5)).toMatchObject({ t: 0n, fpscr: C_PZERO });
    expect(r.op('fsub 0,1,2', RM, 5, 5)).toMatchObject({ t: NZERO, fpscr: C_NZERO | RM });
    expect(r.op('fadd 0,1,2', RN, NZERO, NZERO).t).toBe(NZERO);
    expect(r.op('fadd 0,1,2', RN, NZERO, 0n).t).toBe(0n);
    expect(r.op('fadd 0,1,2', RM, NZERO, 0n).t).toBe(NZERO);
    expect(r.op('fsub 0,1,2', RN, NZERO, 0n).t).toBe(NZERO);
  });

  it('∞ - ∞ is VXISI with the default QNaN; ∞ + x = ∞', () => {
    expect(r.op('fadd 0,1,2', 0, PINF, NINF)).toMatchObject({ t: QNAN, fpscr: FX | VX | VXISI | C_QNAN });
    expect(r.op('fsub 0,1,2', 0, PINF, PINF)).toMatchObject({ t: QNAN, fpscr: FX | VX | VXISI | C_QNAN });
    expect(r.op('fadd 0,1,2', 0, PINF, 1)).toMatchObject({ t: PINF, fpscr: C_PINF });
    expect(r.op('fsub 0,1,2', 0, 1, PINF)).toMatchObject({ t: NINF, fpscr: C_NINF });
  });

  it('NaNs: FRA first, then FRB; SNaNs are quieted with VXSNAN; fsub does not flip a NaN', () => {
    expect(r.op('fadd 0,1,2', 0, QNAN_P, SNAN)).toMatchObject({ t: QNAN_P, fpscr: FX | VX | VXSNAN | C_QNAN });
    expect(r.op('fadd 0,1,2', 0, 1, SNAN)).toMatchObject({ t: SNAN | (1n << 51n), fpscr: FX | VX | VXSNAN | C_QNAN });
    expect(r.op('fsub 0,1,2', 0, 1, QNAN_P)).toMatchObject({ t: QNAN_P, fpscr: C_QNAN });
    expect(r.op('fsub 0,1,2', 0, 1, QNAN_P | (1n << 63n)).t).toBe(QNAN_P | (1n << 63n));
  });

  it('denormal results are exact for additions (no underflow unless UE=1)', () => {
    const a = D(3 * 2 ** -1074);
    const o = r.op('fadd 0,1,2', 0, a, D(-(2 ** -1074)));
    expect(o).toMatchObject({ t: D(2 * 2 ** -1074), fpscr: C_PDEN });
    // With UE=1 a tiny result is an underflow even when exact: exponent adjusted by +1536.
    const u = r.op('fadd 0,1,2', UE, a, D(-(2 ** -1074)));
    expect(u.t).toBe(D(2 ** 463));
    expect(u.fpscr).toBe(FX | FEX | UX | UE | C_PNORM);
  });

  it('overflow: ±∞ or the largest number by rounding mode (§4.4.4)', () => {
    expect(r.op('fadd 0,1,2', RN, MAXD, MAXD)).toMatchObject({ t: PINF, fpscr: FX | OX | XX | FI | FR | C_PINF });
    expect(r.op('fadd 0,1,2', RZ, MAXD, MAXD)).toMatchObject({ t: MAXD, fpscr: FX | OX | XX | FI | C_PNORM | RZ });
    expect(r.op('fadd 0,1,2', RM, MAXD, MAXD).t).toBe(MAXD);
    expect(r.op('fadd 0,1,2', RP, MAXD, MAXD).t).toBe(PINF);
    expect(r.op('fadd 0,1,2', RP, -Number.MAX_VALUE, -Number.MAX_VALUE).t).toBe(D(-Number.MAX_VALUE));
    expect(r.op('fadd 0,1,2', RM, -Number.MAX_VALUE, -Number.MAX_VALUE).t).toBe(NINF);
    // RZ: just above MAX rounds to MAX without overflow (rounded value with unbounded exponent is MAX).
    expect(r.op('fadd 0,1,2', RZ, MAXD, D(2 ** 969)).fpscr).toBe(FX | XX | FI | C_PNORM | RZ);
    expect(r.op('fadd 0,1,2', RN, MAXD, D(2 ** 969)).t).toBe(MAXD);
    // Exactly half an ulp above MAX: the tie rounds to even, i.e. up, which overflows.
    expect(r.op('fadd 0,1,2', RN, MAXD, D(2 ** 970)).t).toBe(PINF);
  });

  it('enabled overflow: the result exponent is adjusted by -1536 (§4.4.4)', () => {
    const o = r.op('fadd 0,1,2', OE, MAXD, MAXD);
    expect(o.t).toBe(D((2 - 2 ** -52) * 2 ** -512));
    expect(o.fpscr).toBe(FX | FEX | OX | OE | C_PNORM);
  });

  it('fadds rounds once, directly to single precision', () => {
    // 1 + 2^-24 + 2^-54: double rounding would give the single tie 1 + 2^-24, then 1 (to even).
    const o = r.op('fadds 0,1,2', RN, 1, 2 ** -24 + 2 ** -54);
    expect(o.t).toBe(S(1 + 2 ** -23));
    expect(o.fpscr).toBe(FX | XX | FR | FI | C_PNORM);
    expect(r.op('fadds 0,1,2', RZ, 1, 2 ** -24 + 2 ** -54).t).toBe(ONE);
    expect(r.op('fadds 0,1,2', RP, 1, 2 ** -60).t).toBe(S(1 + 2 ** -23));
    expect(r.op('fadds 0,1,2', RM, -1, -(2 ** -60)).t).toBe(S(-1 - 2 ** -23));
    expect(r.op('fadds 0,1,2', RN, 1, 2 ** -24).t).toBe(ONE);
    expect(r.op('fadds 0,1,2', RN, 1 + 2 ** -23, 2 ** -24).t).toBe(S(1 + 2 ** -22));
  });

  it('fadds overflows at the single-precision range', () => {
    const big = 3.4028234663852886e38;
    expect(r.op('fadds 0,1,2', RN, big, big)).toMatchObject({ t: PINF, fpscr: FX | OX | XX | FI | FR | C_PINF });
    expect(r.op('fadds 0,1,2', RZ, big, big).t).toBe(S(big));
    const e = r.op('fadds 0,1,2', OE, big, big);
    expect(e.t).toBe(D(big * 2 * 2 ** -192));
    expect(e.fpscr).toBe(FX | FEX | OX | OE | C_PNORM);
  });

  it('fadds of a NaN keeps only single-precision fraction bits', () => {
    const o = r.op('fadds 0,1,2', 0, 0x7ff8000012345678n, 1);
    expect(o.t).toBe(0x7ff8000000000000n);
    expect(r.op('fadds 0,1,2', 0, 0xfff00000e0000001n, 1).t).toBe(0xfff80000e0000000n);
  });
});

describe('fmul / fdiv / fsqrt', () => {
  const r = new Rig();
  it('fmul: ∞ × 0 is VXIMZ; signs of zero products', () => {
    expect(r.op('fmul 0,1,3', 0, PINF, undefined, NZERO)).toMatchObject({
      t: QNAN,
      fpscr: FX | VX | VXIMZ | C_QNAN,
    });
    expect(r.op('fmul 0,1,3', 0, -3, undefined, 0).t).toBe(NZERO);
    expect(r.op('fmul 0,1,3', 0, NINF, undefined, -2).t).toBe(PINF);
    expect(r.op('fmul 0,1,3', 0, 1, undefined, SNAN).t).toBe(SNAN | (1n << 51n));
  });

  it('fmul underflow: UX only when the denormalized result is inexact (§4.4.5)', () => {
    // 2^-600 * 2^-500 = 2^-1100: below the smallest denormal -> +0, inexact.
    const z = r.op('fmul 0,1,3', RN, 2 ** -600, undefined, 2 ** -500);
    expect(z).toMatchObject({ t: 0n, fpscr: FX | UX | XX | FI | C_PZERO });
    // RP rounds it up to the smallest denormal.
    expect(r.op('fmul 0,1,3', RP, 2 ** -600, undefined, 2 ** -500)).toMatchObject({
      t: MIND,
      fpscr: FX | UX | XX | FI | FR | C_PDEN | RP,
    });
    // Exact tiny product: no underflow.
    expect(r.op('fmul 0,1,3', RN, 2 ** -600, undefined, 2 ** -450)).toMatchObject({
      t: D(2 ** -1050),
      fpscr: C_PDEN,
    });
    // 1.5 * 2^-1074 rounds to even (2^-1073) and is inexact.
    expect(r.op('fmul 0,1,3', RN, 1.5, undefined, 2 ** -1074).t).toBe(D(2 ** -1073));
    // Tininess is detected before rounding: a result rounding up to 2^-1022 still underflows.
    const t = r.op('fmul 0,1,3', RN, 1 - 2 ** -53, undefined, 2 ** -1022);
    expect(t.t).toBe(D(2 ** -1022));
    expect(t.fpscr).toBe(FX | UX | XX | FI | FR | C_PNORM);
  });

  it('fmul enabled underflow: exponent adjusted by +1536', () => {
    const o = r.op('fmul 0,1,3', UE, 2 ** -600, undefined, 2 ** -500);
    expect(o.t).toBe(D(2 ** 436));
    expect(o.fpscr).toBe(FX | FEX | UX | UE | C_PNORM);
  });

  it('fdiv: x/0 is ZX, 0/0 VXZDZ, ∞/∞ VXIDI', () => {
    expect(r.op('fdiv 0,1,2', 0, -1, 0)).toMatchObject({ t: NINF, fpscr: FX | ZX | C_NINF });
    expect(r.op('fdiv 0,1,2', 0, 0, NZERO)).toMatchObject({ t: QNAN, fpscr: FX | VX | VXZDZ | C_QNAN });
    expect(r.op('fdiv 0,1,2', 0, PINF, NINF)).toMatchObject({ t: QNAN, fpscr: FX | VX | VXIDI | C_QNAN });
    expect(r.op('fdiv 0,1,2', 0, 1, NINF).t).toBe(NZERO);
    expect(r.op('fdiv 0,1,2', 0, PINF, 0).t).toBe(PINF);
  });

  it('fdiv rounding in each mode', () => {
    expect(r.op('fdiv 0,1,2', RN, 1, 3).t).toBe(D(1 / 3));
    expect(r.op('fdiv 0,1,2', RZ, 1, 3).t).toBe(D(1 / 3));
    expect(r.op('fdiv 0,1,2', RP, 1, 3).t).toBe(D(1 / 3) + 1n);
    expect(r.op('fdiv 0,1,2', RM, -2, 3).t).toBe(D(-2 / 3) + 1n);
    expect(r.op('fdivs 0,1,2', RN, 1, 3).t).toBe(S(1 / 3));
    expect(r.op('fdivs 0,1,2', RZ, 2, 3).t).toBe(S(2 / 3) - (1n << 29n));
  });

  it('fsqrt: negative is VXSQRT, -0 stays -0, correctly rounded', () => {
    expect(r.op('fsqrt 0,2', 0, undefined, -4)).toMatchObject({ t: QNAN, fpscr: FX | VX | VXSQRT | C_QNAN });
    expect(r.op('fsqrt 0,2', 0, undefined, NINF).fpscr).toBe(FX | VX | VXSQRT | C_QNAN);
    expect(r.op('fsqrt 0,2', 0, undefined, NZERO)).toMatchObject({ t: NZERO, fpscr: C_NZERO });
    expect(r.op('fsqrt 0,2', 0, undefined, 2)).toMatchObject({ t: D(Math.SQRT2), fpscr: FX | XX | FR | FI | C_PNORM });
    // RN rounded up, so RP gives the same double and RZ / RM the one below.
    expect(r.op('fsqrt 0,2', RP, undefined, 2).t).toBe(D(Math.SQRT2));
    expect(r.op('fsqrt 0,2', RZ, undefined, 2).t).toBe(D(Math.SQRT2) - 1n);
    expect(r.op('fsqrt 0,2', 0, undefined, 2 ** -1074).t).toBe(D(2 ** -537));
    expect(r.op('fsqrts 0,2', 0, undefined, 2).t).toBe(S(Math.SQRT2));
  });

  it('fre / frsqrte special cases (§4.6.6.1 tables)', () => {
    expect(r.op('fre 0,2', 0, undefined, 0)).toMatchObject({ t: PINF, fpscr: FX | ZX | C_PINF });
    expect(r.op('fre 0,2', 0, undefined, NZERO).t).toBe(NINF);
    expect(r.op('fre 0,2', 0, undefined, NINF).t).toBe(NZERO);
    expect(r.op('fres 0,2', 0, undefined, 4).t).toBe(S(0.25));
    expect(r.op('frsqrte 0,2', 0, undefined, 0)).toMatchObject({ t: PINF, fpscr: FX | ZX | C_PINF });
    expect(r.op('frsqrte 0,2', 0, undefined, NZERO).t).toBe(NINF);
    expect(r.op('frsqrte 0,2', 0, undefined, -1)).toMatchObject({ t: QNAN, fpscr: FX | VX | VXSQRT | C_QNAN });
    expect(r.op('frsqrte 0,2', 0, undefined, PINF).t).toBe(0n);
    expect(r.op('frsqrte 0,2', 0, undefined, 4)).toMatchObject({ t: D(0.5), fpscr: C_PNORM });
    const e = num(r.op('frsqrte 0,2', 0, undefined, 3).t);
    expect(Math.abs(e - 1 / Math.sqrt(3))).toBeLessThan(2 ** -14);
    expect(r.op('frsqrtes 0,2', 0, undefined, 16).t).toBe(S(0.25));
  });
});

describe('fused multiply-add (§4.6.6.2): one rounding', () => {
  const r = new Rig();
  it('fmadd keeps the product exact', () => {
    // 0.1 * 10 - 1: unfused gives 0, fused gives the representation error of 0.1.
    expect(num(r.op('fmadd 0,1,3,2', 0, 0.1, -1, 10).t)).toBe(5.551115123125783e-17);
    // (1 + 2^-52)^2 - 1 = 2^-51 + 2^-104 -> exact low bits kept.
    expect(num(r.op('fmsub 0,1,3,2', 0, 1 + 2 ** -52, 1, 1 + 2 ** -52).t)).toBe(2 ** -51 + 2 ** -104);
  });

  it('rounds the sum once in every mode', () => {
    // x = 1 + 2^-53 + 2^-105 (product 1+2^-53 is not representable: (1+2^-53) = (1+2^-52)(1-...)... use a*c = 1 + 2^-52 + 2^-104)
    const a = 1 + 2 ** -52;
    // a*a = 1 + 2^-51 + 2^-104; + (-2^-52) = 1 + 2^-52 + 2^-104 -> RN: 1 + 2^-52, RP: 1 + 2^-51
    expect(r.op('fmadd 0,1,3,2', RN, a, -(2 ** -52), a)).toMatchObject({ t: ONE_P, fpscr: FX | XX | FI | C_PNORM });
    expect(r.op('fmadd 0,1,3,2', RP, a, -(2 ** -52), a).t).toBe(D(1 + 2 ** -51));
    expect(r.op('fmadd 0,1,3,2', RZ, a, -(2 ** -52), a).t).toBe(ONE_P);
    // A near-tie decided by the 2^-104 tail: 1 + 2^-53 + 2^-104 rounds up in RN.
    expect(r.op('fmadd 0,1,3,2', RN, a, -(2 ** -51) + 2 ** -53, a).t).toBe(ONE_P);
  });

  it('fmadds rounds the exact result directly to single', () => {
    // (1 + 2^-24)^2 = 1 + 2^-23 + 2^-48: single RN gives 1 + 2^-23 (inexact), RP 1 + 2^-22.
    const a = 1 + 2 ** -24;
    expect(r.op('fmadds 0,1,3,2', RN, a, 0, a)).toMatchObject({ t: S(1 + 2 ** -23), fpscr: FX | XX | FI | C_PNORM });
    expect(r.op('fmadds 0,1,3,2', RP, a, 0, a).t).toBe(S(1 + 2 ** -22));
  });

  it('invalid operations and NaN precedence (FRA, FRB, FRC)', () => {
    expect(r.op('fmadd 0,1,3,2', 0, PINF, 1, 0)).toMatchObject({ t: QNAN, fpscr: FX | VX | VXIMZ | C_QNAN });
    expect(r.op('fmadd 0,1,3,2', 0, PINF, NINF, 2)).toMatchObject({ t: QNAN, fpscr: FX | VX | VXISI | C_QNAN });
    expect(r.op('fmsub 0,1,3,2', 0, PINF, PINF, 2).fpscr).toBe(FX | VX | VXISI | C_QNAN);
    expect(r.op('fmadd 0,1,3,2', 0, 1, QNAN_P, SNAN).t).toBe(QNAN_P);
    expect(r.op('fmadd 0,1,3,2', 0, 1, 2, SNAN)).toMatchObject({
      t: SNAN | (1n << 51n),
      fpscr: FX | VX | VXSNAN | C_QNAN,
    });
    // ∞ × 0 with a QNaN addend: the NaN is the result, and the invalid multiply is still reported.
    expect(r.op('fmadd 0,1,3,2', 0, PINF, QNAN_P, 0)).toMatchObject({ t: QNAN_P, fpscr: FX | VX | VXIMZ | C_QNAN });
  });

  it('fnmadd / fnmsub negate the rounded result, but not NaNs', () => {
    expect(num(r.op('fnmadd 0,1,3,2', 0, 2, 1, 3).t)).toBe(-7);
    expect(num(r.op('fnmsub 0,1,3,2', 0, 2, 1, 3).t)).toBe(-5);
    expect(r.op('fnmadd 0,1,3,2', 0, QNAN_P | (1n << 63n), 1, 1).t).toBe(QNAN_P | (1n << 63n));
    expect(r.op('fnmadd 0,1,3,2', 0, PINF, NINF, 1).t).toBe(QNAN);
    // Rounded (toward +inf) first, then negated: -(1 + 2^-51), not the RP rounding of the negative value.
    const a = 1 + 2 ** -52;
    expect(r.op('fnmadd 0,1,3,2', RP, a, -(2 ** -52), a)).toMatchObject({
      t: D(-(1 + 2 ** -51)),
      fpscr: FX | XX | FR | FI | C_NNORM | RP,
    });
    // Exact zero: fmadd gives +0, so fnmadd gives -0.
    expect(r.op('fnmadd 0,1,3,2', 0, 1, -1, 1).t).toBe(NZERO);
  });

  it('a zero product adds like fadd (signed zeros)', () => {
    expect(r.op('fmadd 0,1,3,2', 0, 0, NZERO, -1).t).toBe(NZERO);
    expect(r.op('fmadd 0,1,3,2', 0, 0, 0, -1).t).toBe(0n);
    expect(r.op('fmadd 0,1,3,2', RM, 0, 0, -1).t).toBe(NZERO);
    expect(num(r.op('fmadds 0,1,3,2', 0, 0, 1 + 2 ** -30, 5).t)).toBe(1);
  });

  it('a huge product cancelled by the addend is exact', () => {
    const o = r.op('fmsub 0,1,3,2', 0, 2 ** 600, 2 ** 1000 + 2 ** 948, 2 ** 400);
    expect(num(o.t)).toBe(-(2 ** 948));
    expect(o.fpscr).toBe(C_NNORM);
  });
});

describe('enabled exceptions (§4.4)', () => {
  it('VE=1: target unchanged, FR/FI cleared, FPRF kept, interrupt when MSR[FE] is set', () => {
    const r = new Rig({ fe: true });
    r.setF(1, SNAN);
    r.setF(2, 1);
    r.setF(0, 7);
    r.fpscr = VE | FR | FI | C_PDEN;
    const stop = r.run('fadd. 0,1,2');
    expect(stop.kind).toBe('fp-exception');
    expect(r.f(0)).toBe(D(7));
    expect(r.fpscr).toBe(FX | FEX | VX | VXSNAN | VE | C_PDEN);
    expect(r.crf(1)).toBe(0xe);
  });

  it('VE=1 with MSR[FE0,FE1]=0: no interrupt, FEX set', () => {
    const r = new Rig();
    const o = r.op('fdiv 0,1,2', VE, 0, 0);
    expect(o.stop.kind).toBe('budget');
    expect(o.t).toBe(0x5a5a5a5a5a5a5a5an);
    expect(o.fpscr).toBe(FX | FEX | VX | VXZDZ | VE);
  });

  it('ZE=1: target unchanged', () => {
    const r = new Rig({ fe: true });
    const o = r.op('fdiv 0,1,2', ZE, 1, 0);
    expect(o.stop.kind).toBe('fp-exception');
    expect(o.t).toBe(0x5a5a5a5a5a5a5a5an);
    expect(o.fpscr).toBe(FX | FEX | ZX | ZE);
  });

  it('XE=1: the rounded result is written, then the interrupt', () => {
    const r = new Rig({ fe: true });
    const o = r.op('fdiv 0,1,2', XE, 1, 3);
    expect(o.stop.kind).toBe('fp-exception');
    expect(o.t).toBe(D(1 / 3));
    expect(o.fpscr).toBe(FX | FEX | XX | FI | XE | C_PNORM);
  });

  it('an enabled exception bit already set does not re-trigger without a new exception', () => {
    const r = new Rig({ fe: true });
    const o = r.op('fadd 0,1,2', XE | XX, 1, 2);
    expect(o.stop.kind).toBe('budget');
    expect(num(o.t)).toBe(3);
  });

  it('MSR[FP]=0: FP unavailable, nothing changes', () => {
    const r = new Rig();
    r.setMsrLo(r.cpu.s[70]! & ~(1 << 13));
    const o = r.op('fadd 0,1,2', 0, 1, 2);
    expect(o.stop).toMatchObject({ kind: 'facility-unavailable', facility: 'fp' });
    expect(o.t).toBe(0x5a5a5a5a5a5a5a5an);
  });
});

describe('fsel and moves (§4.6.5, §4.6.6.3)', () => {
  const r = new Rig();
  it('fsel picks FRC when FRA >= 0 (including -0), FRB otherwise (including NaN)', () => {
    expect(r.op('fsel 0,1,3,2', 0, NZERO, 2, 3).t).toBe(D(3));
    expect(r.op('fsel 0,1,3,2', 0, -1, 2, 3).t).toBe(D(2));
    expect(r.op('fsel 0,1,3,2', 0, QNAN, 2, 3).t).toBe(D(2));
    expect(r.op('fsel 0,1,3,2', 0, 0, 3, SNAN)).toMatchObject({ t: SNAN, fpscr: 0 });
  });

  it('fmr/fneg/fabs/fnabs/fcpsgn move bits, SNaNs included, without FPSCR changes', () => {
    expect(r.op('fmr 0,2', 0, undefined, SNAN)).toMatchObject({ t: SNAN, fpscr: 0 });
    expect(r.op('fneg 0,2', 0, undefined, SNAN).t).toBe(SNAN | (1n << 63n));
    expect(r.op('fabs 0,2', 0, undefined, SNAN | (1n << 63n)).t).toBe(SNAN);
    expect(r.op('fnabs 0,2', 0, undefined, 0n).t).toBe(NZERO);
    expect(r.op('fcpsgn 0,1,2', 0, -1, SNAN).t).toBe(SNAN | (1n << 63n));
  });

  it('Rc=1 copies FX FEX VX OX into CR1', () => {
    r.cr = 0;
    r.op('fmr. 0,2', FX | OX | VX | 0x01000000, undefined, 1);
    expect(r.crf(1)).toBe(0xb);
  });

  it('fmrgew / fmrgow merge words', () => {
    r.setF(1, 0x1111111122222222n);
    r.setF(2, 0x3333333344444444n);
    r.run('fmrgew 0,1,2');
    expect(r.f(0)).toBe(0x1111111133333333n);
    r.run('fmrgow 0,1,2');
    expect(r.f(0)).toBe(0x2222222244444444n);
  });

  it('writing an FPR leaves doubleword 1 of the VSR alone', () => {
    r.setF1(0, 0x0123456789abcdefn);
    r.op('fadd 0,1,2', 0, 1, 2);
    expect(r.f1(0)).toBe(0x0123456789abcdefn);
  });
});

describe('FPRF classes', () => {
  const r = new Rig();
  it('classifies every kind of result', () => {
    expect(r.op('fmr 0,2', 0, undefined, 1).fpscr).toBe(0); // moves do not set FPRF
    expect(r.op('fadd 0,1,2', 0, -1, 0).fpscr).toBe(C_NNORM);
    expect(r.op('fadd 0,1,2', 0, D(-(2 ** -1070)), NZERO).fpscr).toBe(C_NDEN);
    expect(r.op('fadd 0,1,2', 0, NINF, 1).fpscr).toBe(C_NINF);
    expect(r.op('fadd 0,1,2', 0, NZERO, NZERO).fpscr).toBe(C_NZERO);
  });

  it('single-precision results are classified in single format', () => {
    const o = r.op('fmuls 0,1,3', 0, 2 ** -70, undefined, 2 ** -70);
    expect(o).toMatchObject({ t: D(2 ** -140), fpscr: C_PDEN });
    const p = r.op('frsp 0,2', 0, undefined, -(2 ** -127));
    expect(p).toMatchObject({ t: D(-(2 ** -127)), fpscr: C_NDEN });
  });
});
