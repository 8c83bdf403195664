/**
 * VSX floating-point instructions (Power ISA 2.07 Book I §7.6.1, FPSCR rules of §7.4).
 * Vectors are worked out from the ISA; the ones where QEMU agrees with the ISA were also
 * checked against qemu-ppc64le -cpu power8 (QEMU deviations are called out where they matter).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FPRF_NEG_NORMAL,
  FPRF_POS_DENORMAL,
  FPRF_POS_INF,
  FPRF_POS_NORMAL,
  FPRF_POS_ZERO,
  FPRF_QNAN,
  FPSCR_FEX,
  FPSCR_FI,
  FPSCR_FR,
  FPSCR_FX,
  FPSCR_OE,
  FPSCR_OX,
  FPSCR_UX,
  FPSCR_VE,
  FPSCR_VX,
  FPSCR_VXCVI,
  FPSCR_VXIMZ,
  FPSCR_VXISI,
  FPSCR_VXSNAN,
  FPSCR_VXSQRT,
  FPSCR_VXVC,
  FPSCR_XE,
  FPSCR_XX,
  FPSCR_ZX,
} from '../src/isa/fpu.js';
import { MSR_LO_FE0 } from '../src/state.js';
import { dbits, fbits, Rig } from './vsx-harness.js';

const ONE = dbits(1);
const TWO = dbits(2);
const THREE = dbits(3);
const SNAN = 0x7ff0000000000001n;
const QNAN = 0x7ff8000000000000n;
const INF = 0x7ff0000000000000n;
const FPRF = 0x1f000;

function rig(fpscr = 0): Rig {
  const r = new Rig();
  r.fpscr = fpscr;
  return r;
}

describe('scalar double arithmetic', () => {
  it('xsadddp: result in doubleword 0, doubleword 1 zeroed, FPRF set, exact so no XX', () => {
    const r = rig();
    r.setD(1, ONE, 0x1234n);
    r.setD(2, TWO, 0x5678n);
    r.setD(3, 9n, 9n);
    r.run('xsadddp 3,1,2');
    expect(r.getD(3)).toEqual([THREE, 0n]);
    expect(r.fpscr).toBe(FPRF_POS_NORMAL);
  });

  it('xssubdp / xsmuldp / xsdivdp', () => {
    const r = rig();
    r.setD(1, dbits(7.5), 0n);
    r.setD(2, dbits(2.5), 0n);
    r.run('xssubdp 3,1,2', 'xsmuldp 4,1,2', 'xsdivdp 5,1,2');
    expect(r.getD(3)[0]).toBe(dbits(5));
    expect(r.getD(4)[0]).toBe(dbits(18.75));
    expect(r.getD(5)[0]).toBe(dbits(3));
  });

  it.each([
    [0, dbits(1 / 3), FPSCR_FX | FPSCR_XX | FPSCR_FI],
    [1, dbits(1 / 3), FPSCR_FX | FPSCR_XX | FPSCR_FI],
    [2, dbits(1 / 3) + 1n, FPSCR_FX | FPSCR_XX | FPSCR_FI | FPSCR_FR],
    [3, dbits(1 / 3), FPSCR_FX | FPSCR_XX | FPSCR_FI],
  ])('xsdivdp 1/3 with RN=%i rounds per FPSCR[RN] and sets XX, FI, FR', (rn, want, flags) => {
    const r = rig(rn);
    r.setD(1, ONE, 0n);
    r.setD(2, THREE, 0n);
    r.run('xsdivdp 3,1,2');
    expect(r.getD(3)[0].toString(16)).toBe(want.toString(16));
    expect(r.fpscr).toBe(flags | FPRF_POS_NORMAL | rn);
  });

  it('sticky exception bits: FX is set only when an exception bit goes from 0 to 1', () => {
    const r = rig(FPSCR_XX);
    r.setD(1, ONE, 0n);
    r.setD(2, THREE, 0n);
    r.run('xsdivdp 3,1,2');
    expect(r.fpscr & FPSCR_FX).toBe(0);
    expect(r.fpscr & FPSCR_XX).toBe(FPSCR_XX);
  });

  it('an SNaN operand gives the quieted NaN and VXSNAN', () => {
    const r = rig();
    r.setD(1, SNAN, 0n);
    r.setD(2, ONE, 0n);
    r.run('xsmuldp 3,2,1');
    expect(r.getD(3)[0]).toBe(0x7ff8000000000001n);
    expect(r.fpscr).toBe(FPSCR_FX | FPSCR_VX | FPSCR_VXSNAN | FPRF_QNAN);
  });

  it('VE=1: an invalid operation leaves XT and FPRF unchanged and clears FR/FI', () => {
    const r = rig(FPSCR_VE | FPSCR_FR | FPSCR_FI | FPRF_POS_ZERO);
    r.setD(1, INF, 0n);
    r.setD(2, INF | (1n << 63n), 0n);
    r.setD(3, 0x55n, 0x66n);
    expect(r.run('xsadddp 3,1,2').kind).toBe('budget');
    expect(r.getD(3)).toEqual([0x55n, 0x66n]);
    expect(r.fpscr).toBe(FPSCR_FX | FPSCR_FEX | FPSCR_VX | FPSCR_VXISI | FPSCR_VE | FPRF_POS_ZERO);
  });

  it('VE=1 with MSR[FE0]=1 takes the FP enabled exception after the FPSCR update', () => {
    const r = rig(FPSCR_VE);
    r.setMsrLo(r.cpu.s[70]! | MSR_LO_FE0);
    r.setD(1, SNAN, 0n);
    r.setD(3, 0x55n, 0x66n);
    expect(r.run('xsadddp 3,1,1')).toMatchObject({ kind: 'fp-exception', pc: 0x1000n });
    expect(r.getD(3)).toEqual([0x55n, 0x66n]);
    expect(r.fpscr & FPSCR_VXSNAN).toBe(FPSCR_VXSNAN);
  });

  it('OE=1: overflow writes the exponent-adjusted result', () => {
    const r = rig(FPSCR_OE);
    r.setD(1, dbits(2 ** 1000), 0n);
    r.run('xsmuldp 3,1,1');
    expect(r.getD(3)[0]).toBe(dbits(2 ** (2000 - 1536)));
    expect(r.fpscr & (FPSCR_OX | FPSCR_FEX)).toBe(FPSCR_OX | FPSCR_FEX);
  });

  it('xssqrtdp of a negative number: VXSQRT and the default QNaN', () => {
    const r = rig();
    r.setD(1, dbits(-4), 0n);
    r.setD(2, dbits(6.25), 0n);
    r.run('xssqrtdp 3,1', 'xssqrtdp 4,2');
    expect(r.getD(3)[0]).toBe(QNAN);
    expect(r.getD(4)[0]).toBe(dbits(2.5));
    expect(r.fpscr & FPSCR_VXSQRT).toBe(FPSCR_VXSQRT);
  });

  it('estimates: xsredp(+0) = +inf with ZX, xsrsqrtedp(4) = 0.5', () => {
    const r = rig();
    r.setD(1, 0n, 0n);
    r.setD(2, dbits(4), 0n);
    r.run('xsredp 3,1', 'xsrsqrtedp 4,2');
    expect(r.getD(3)[0]).toBe(INF);
    expect(r.getD(4)[0]).toBe(dbits(0.5));
    expect(r.fpscr & FPSCR_ZX).toBe(FPSCR_ZX); // QEMU 7.2 does not set ZX here
  });
});

describe('scalar single-precision arithmetic (ISA 2.07)', () => {
  it('xsaddsp rounds once, directly to single precision (QEMU double-rounds this case to +inf)', () => {
    const r = rig();
    // Half-way between the largest single and 2^128, minus a tiny amount: rounds down.
    r.setD(1, 0x47effffff0000000n, 0n);
    r.setD(2, 0x8000000000000001n, 0n);
    r.run('xsaddsp 3,1,2');
    expect(r.getD(3)[0].toString(16)).toBe('47efffffe0000000');
    expect(r.fpscr & (FPSCR_OX | FPSCR_XX)).toBe(FPSCR_XX);
  });

  it('xsmulsp: FPRF classifies the result as a single (denormal below 2^-126), UX when tiny and inexact', () => {
    const r = rig();
    r.setD(1, dbits(2 ** -70), 0n);
    r.setD(2, dbits(3 * 2 ** -70), 0n);
    r.run('xsmulsp 3,1,2');
    expect(r.getD(3)[0]).toBe(dbits(3 * 2 ** -140));
    expect(r.fpscr & FPRF).toBe(FPRF_POS_DENORMAL);
    expect(r.fpscr & FPSCR_UX).toBe(0); // exact
    r.setD(2, dbits(2 ** -80 / 3), 0n);
    r.run('xsmulsp 4,1,2');
    expect(r.fpscr & FPSCR_UX).toBe(FPSCR_UX);
  });

  it('xsrsp, xssqrtsp and xsresp round to single precision', () => {
    const r = rig();
    r.setD(1, dbits(1 + 2 ** -30), 0n);
    r.setD(2, dbits(2), 0n);
    r.run('xsrsp 3,1', 'xssqrtsp 4,2', 'xsresp 5,2');
    expect(r.getD(3)[0]).toBe(ONE);
    expect(r.getD(4)[0]).toBe(dbits(Math.fround(Math.SQRT2)));
    expect(r.getD(5)[0]).toBe(dbits(0.5));
  });
});

describe('multiply-add', () => {
  const A = dbits(3);
  const B = dbits(5);
  const T = dbits(7);

  it.each([
    ['xsmaddadp', 3 * 5 + 7],
    ['xsmaddmdp', 3 * 7 + 5],
    ['xsmsubadp', 3 * 5 - 7],
    ['xsmsubmdp', 3 * 7 - 5],
    ['xsnmaddadp', -(3 * 5 + 7)],
    ['xsnmaddmdp', -(3 * 7 + 5)],
    ['xsnmsubadp', -(3 * 5 - 7)],
    ['xsnmsubmdp', -(3 * 7 - 5)],
    ['xsmaddasp', 3 * 5 + 7],
    ['xsnmsubmsp', -(3 * 7 - 5)],
  ] as const)('%s: A-form adds XT, M-form multiplies by XT', (m, want) => {
    const r = rig();
    r.setD(1, A, 0n);
    r.setD(2, B, 0n);
    r.setD(3, T, 0n);
    r.run(`${m} 3,1,2`);
    expect(r.getD(3)).toEqual([dbits(want), 0n]);
  });

  it('is fused: one rounding of a*b+c', () => {
    const r = rig();
    const x = 1 + 2 ** -30;
    r.setD(1, dbits(x), 0n);
    r.setD(2, dbits(x), 0n);
    r.setD(3, dbits(-(1 + 2 ** -29)), 0n);
    r.run('xsmaddadp 3,1,2');
    expect(r.getD(3)[0]).toBe(dbits(2 ** -60));
  });

  it('nmadd rounds, then negates (ISA); QEMU negates before rounding in the directed modes', () => {
    const r = rig(3); // round toward -inf
    r.setD(1, ONE, 0n);
    r.setD(2, dbits(1 / 3), 0n); // 1/3 rounded: not exact
    r.setD(3, dbits(2 ** -60), 0n);
    r.run('xsnmaddadp 3,1,2');
    // 1/3 + 2^-60 rounded toward -inf is 1/3's double, then negated.
    expect(r.getD(3)[0]).toBe(dbits(-(1 / 3)));
  });

  it('xvmaddadp / xvmaddmsp work per element', () => {
    const r = rig();
    r.setD(1, dbits(2), dbits(3));
    r.setD(2, dbits(4), dbits(5));
    r.setD(3, dbits(1), dbits(-1));
    r.run('xvmaddadp 3,1,2');
    expect(r.getD(3)).toEqual([dbits(9), dbits(14)]);
    r.setW(4, [fbits(1), fbits(2), fbits(3), fbits(4)]);
    r.setW(5, [fbits(10), fbits(10), fbits(10), fbits(10)]);
    r.setW(6, [fbits(2), fbits(2), fbits(2), fbits(-2)]);
    r.run('xvmaddmsp 6,4,5');
    expect(r.getW(6)).toEqual([fbits(12), fbits(14), fbits(16), fbits(2)]);
  });
});

describe('vector arithmetic', () => {
  it('xvadddp: element-wise, XX set but FPRF, FR, FI untouched', () => {
    const r = rig(FPRF_NEG_NORMAL);
    r.setD(1, ONE, dbits(1 + 2 ** -52));
    r.setD(2, dbits(2 ** -53), dbits(2 ** -53));
    r.run('xvadddp 3,1,2');
    // Ties to even: 1 + 2^-53 -> 1, (1 + 2^-52) + 2^-53 -> 1 + 2^-51.
    expect(r.getD(3)).toEqual([ONE, dbits(1 + 2 ** -51)]);
    expect(r.fpscr).toBe(FPSCR_FX | FPSCR_XX | FPRF_NEG_NORMAL);
  });

  it('xvaddsp / xvmulsp / xvdivsp / xvsqrtsp on four singles', () => {
    const r = rig();
    r.setW(1, [fbits(1), fbits(-2), fbits(0.5), fbits(3e38)]);
    r.setW(2, [fbits(2), fbits(2), fbits(0.25), fbits(3e38)]);
    r.run('xvaddsp 3,1,2', 'xvmulsp 4,1,2', 'xvdivsp 5,1,2', 'xvsqrtsp 6,2');
    expect(r.getW(3)).toEqual([fbits(3), 0, fbits(0.75), 0x7f800000]);
    expect(r.getW(4)).toEqual([fbits(2), fbits(-4), fbits(0.125), 0x7f800000]);
    expect(r.getW(5)).toEqual([fbits(0.5), fbits(-1), fbits(2), fbits(1)]);
    expect(r.getW(6)).toEqual([fbits(Math.SQRT2), fbits(Math.SQRT2), fbits(0.5), fbits(Math.sqrt(3e38))]);
    expect(r.fpscr & FPSCR_OX).toBe(FPSCR_OX);
  });

  it('an enabled exception in any element leaves XT unchanged (XE=1 counts too)', () => {
    const r = rig(FPSCR_XE);
    r.setD(1, ONE, ONE);
    r.setD(2, dbits(2), dbits(3));
    r.setD(3, 0x11n, 0x22n);
    expect(r.run('xvdivdp 3,1,2').kind).toBe('budget');
    expect(r.getD(3)).toEqual([0x11n, 0x22n]);
    expect(r.fpscr & (FPSCR_XX | FPSCR_FEX)).toBe(FPSCR_XX | FPSCR_FEX);
  });

  it('enabled exception with MSR[FE0]=1 stops with an FP enabled exception', () => {
    const r = rig(FPSCR_XE);
    r.setMsrLo(r.cpu.s[70]! | MSR_LO_FE0);
    r.setW(1, [fbits(1), fbits(1), fbits(1), fbits(1)]);
    r.setW(2, [fbits(3), fbits(1), fbits(1), fbits(1)]);
    expect(r.run('xvdivsp 3,1,2')).toMatchObject({ kind: 'fp-exception' });
  });

  it('reports underflow in one element even when another overflows', () => {
    const r = rig();
    r.setD(1, dbits(1e-300), dbits(1e300));
    r.setD(2, dbits(1e300), dbits(1e-300));
    r.run('xvdivdp 3,1,2');
    expect(r.fpscr & (FPSCR_OX | FPSCR_UX)).toBe(FPSCR_OX | FPSCR_UX);
  });

  it('property: xvadddp and xvmuldp give, per element, what xsadddp and xsmuldp give', () => {
    const r = rig();
    const dbl = fc.double({ noNaN: false });
    fc.assert(
      fc.property(dbl, dbl, dbl, dbl, fc.integer({ min: 0, max: 3 }), (a0, a1, b0, b1, rn) => {
        for (const [v, s] of [
          ['xvadddp', 'xsadddp'],
          ['xvmuldp', 'xsmuldp'],
        ] as const) {
          r.setD(1, dbits(a0), dbits(a1));
          r.setD(2, dbits(b0), dbits(b1));
          r.fpscr = rn;
          r.run(`${v} 3,1,2`);
          const vec = r.getD(3);
          r.fpscr = rn;
          r.run(`${s} 4,1,2`);
          r.setD(1, dbits(a1), 0n);
          r.setD(2, dbits(b1), 0n);
          r.fpscr = rn;
          r.run(`${s} 5,1,2`);
          expect(vec).toEqual([r.getD(4)[0], r.getD(5)[0]]);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('maximum and minimum', () => {
  it('numbers, signed zeros, QNaN loses against a number', () => {
    const r = rig();
    r.setD(1, dbits(-0), dbits(1));
    r.setD(2, dbits(0), QNAN);
    r.run('xvmaxdp 3,1,2', 'xvmindp 4,1,2', 'xsmaxdp 5,2,1', 'xsmindp 6,1,2');
    expect(r.getD(3)).toEqual([dbits(0), dbits(1)]);
    expect(r.getD(4)).toEqual([dbits(-0), dbits(1)]);
    expect(r.getD(5)).toEqual([dbits(0), 0n]);
    expect(r.getD(6)).toEqual([dbits(-0), 0n]);
    expect(r.fpscr).toBe(0);
  });

  it('an SNaN gives VXSNAN and XA quieted when XA is a NaN, else XB quieted', () => {
    const r = rig(FPRF_POS_INF);
    r.setD(1, 0x7ff8000000000002n, 0n);
    r.setD(2, SNAN, 0n);
    r.run('xsmaxdp 3,1,2', 'xsmindp 4,2,1', 'xsmaxdp 5,2,2');
    expect(r.getD(3)[0]).toBe(0x7ff8000000000002n);
    expect(r.getD(4)[0]).toBe(0x7ff8000000000001n);
    expect(r.fpscr).toBe(FPSCR_FX | FPSCR_VX | FPSCR_VXSNAN | FPRF_POS_INF);
  });

  it('xvmaxsp / xvminsp', () => {
    const r = rig();
    r.setW(1, [fbits(1), fbits(-5), 0x7fc00000, 0x80000000]);
    r.setW(2, [fbits(2), fbits(-6), fbits(7), 0]);
    r.run('xvmaxsp 3,1,2', 'xvminsp 4,1,2');
    expect(r.getW(3)).toEqual([fbits(2), fbits(-5), fbits(7), 0]);
    expect(r.getW(4)).toEqual([fbits(1), fbits(-6), fbits(7), 0x80000000]);
  });
});

describe('compares and tests', () => {
  it('xscmpudp sets CR field BF and FPCC', () => {
    const r = rig();
    r.cr = 0;
    r.setD(1, ONE, 0n);
    r.setD(2, TWO, 0n);
    r.run('xscmpudp 3,1,2');
    expect(r.cr).toBe(0x8 << 16);
    expect(r.fpscr).toBe(0x8000);
    r.run('xscmpudp 7,2,1');
    expect(r.cr & 0xf).toBe(0x4);
    r.run('xscmpudp 0,1,1');
    expect(r.cr >>> 28).toBe(0x2);
  });

  it('xscmpodp with a QNaN: unordered, VXVC; xscmpudp with a QNaN: no exception', () => {
    const r = rig();
    r.setD(1, QNAN, 0n);
    r.setD(2, ONE, 0n);
    r.run('xscmpudp 1,1,2');
    expect(r.fpscr).toBe(0x1000);
    r.run('xscmpodp 1,1,2');
    expect((r.cr >>> 24) & 0xf).toBe(1);
    expect(r.fpscr).toBe(FPSCR_FX | FPSCR_VX | FPSCR_VXVC | 0x1000);
  });

  it('xvcmpeqdp. / xvcmpgtsp. set masks and CR6 (all true / none true)', () => {
    const r = rig();
    r.setD(1, ONE, TWO);
    r.setD(2, ONE, TWO);
    r.run('xvcmpeqdp. 3,1,2');
    expect(r.getD(3)).toEqual([0xffffffffffffffffn, 0xffffffffffffffffn]);
    expect((r.cr >>> 4) & 0xf).toBe(0x8);
    r.run('xvcmpgtdp. 3,1,2');
    expect(r.getD(3)).toEqual([0n, 0n]);
    expect((r.cr >>> 4) & 0xf).toBe(0x2);
    r.setW(4, [fbits(3), fbits(1), 0x7fc00000, fbits(-1)]);
    r.setW(5, [fbits(2), fbits(1), fbits(1), fbits(-2)]);
    r.run('xvcmpgtsp. 6,4,5', 'xvcmpgesp 7,4,5');
    expect(r.getW(6)).toEqual([0xffffffff, 0, 0, 0xffffffff]);
    expect((r.cr >>> 4) & 0xf).toBe(0);
    expect(r.getW(7)).toEqual([0xffffffff, 0xffffffff, 0, 0xffffffff]);
    expect(r.fpscr & FPSCR_VXVC).toBe(FPSCR_VXVC);
  });

  it('xvcmpeqsp with VE=1 and an SNaN: XT unchanged, CR6 still set', () => {
    const r = rig(FPSCR_VE);
    r.setW(1, [0x7f800001, 0, 0, 0]);
    r.setW(2, [0, 0, 0, 0]);
    r.setW(3, [5, 5, 5, 5]);
    r.run('xvcmpeqsp. 3,1,2');
    expect(r.getW(3)).toEqual([5, 5, 5, 5]);
    expect((r.cr >>> 4) & 0xf).toBe(0);
    expect(r.fpscr & FPSCR_VXSNAN).toBe(FPSCR_VXSNAN);
  });

  it.each([
    ['xstdivdp 2,1,2', ONE, THREE, 0x8],
    ['xstdivdp 2,1,2', ONE, 0n, 0xe], // divide by zero: fg and fe
    ['xstdivdp 2,1,2', ONE, 1n, 0xe], // denormal divisor
    ['xstdivdp 2,1,2', dbits(2 ** 1000), dbits(2 ** -30), 0xa], // exponent difference too large
    ['xstdivdp 2,1,2', QNAN, ONE, 0xa],
    ['xvtdivdp 2,1,2', ONE, THREE, 0x8],
  ])('%s (%s / %s) gives CR field %s', (insn, a, b, cc) => {
    const r = rig();
    r.cr = 0;
    r.setD(1, a, ONE);
    r.setD(2, b, ONE);
    r.run(insn);
    expect((r.cr >>> 20) & 0xf).toBe(cc);
    expect(r.fpscr).toBe(0);
  });

  it.each([
    [ONE, 0x8],
    [0n, 0xe],
    [dbits(-1), 0xa],
    [1n, 0xe],
    [INF, 0xe],
  ])('xstsqrtdp %s gives %s', (b, cc) => {
    const r = rig();
    r.setD(1, b, 0n);
    r.run('xstsqrtdp 0,1');
    expect(r.cr >>> 28).toBe(cc);
  });

  it('xvtdivsp / xvtsqrtsp look at every single-precision element', () => {
    const r = rig();
    r.setW(1, [fbits(1), fbits(1), fbits(1), fbits(1)]);
    r.setW(2, [fbits(3), fbits(3), fbits(3), 0]);
    r.run('xvtdivsp 1,1,2', 'xvtsqrtsp 2,1', 'xvtsqrtsp 3,2');
    expect((r.cr >>> 24) & 0xf).toBe(0xe);
    expect((r.cr >>> 20) & 0xf).toBe(0x8);
    expect((r.cr >>> 16) & 0xf).toBe(0xe);
  });
});

describe('round to integer', () => {
  it.each([
    ['xsrdpi', 2.5, 3],
    ['xsrdpi', -2.5, -3],
    ['xsrdpiz', -2.7, -2],
    ['xsrdpip', 2.1, 3],
    ['xsrdpim', 2.9, 2],
    ['xsrdpim', -0.25, -1],
    ['xsrdpiz', -0.25, -0],
  ])('%s %s -> %s, no inexact reported', (m, x, want) => {
    const r = rig();
    r.setD(1, dbits(x), 0n);
    r.run(`${m} 2,1`);
    expect(r.getD(2)).toEqual([dbits(want), 0n]);
    expect(r.fpscr & (FPSCR_XX | FPSCR_FI | FPSCR_FR)).toBe(0);
  });

  it.each([
    [0, 2.5, 2, FPSCR_XX | FPSCR_FI],
    [0, 3.5, 4, FPSCR_XX | FPSCR_FI | FPSCR_FR],
    [1, -2.5, -2, FPSCR_XX | FPSCR_FI],
    [2, 2.25, 3, FPSCR_XX | FPSCR_FI | FPSCR_FR],
    [3, -0.25, -1, FPSCR_XX | FPSCR_FI | FPSCR_FR],
    [2, -0.25, -0, FPSCR_XX | FPSCR_FI],
    [0, 1e300, 1e300, 0],
  ])('xsrdpic with RN=%i: %s -> %s', (rn, x, want, flags) => {
    const r = rig(rn);
    r.setD(1, dbits(x), 0n);
    r.run('xsrdpic 2,1');
    expect(r.getD(2)[0]).toBe(dbits(want));
    expect(r.fpscr & (FPSCR_XX | FPSCR_FI | FPSCR_FR)).toBe(flags);
  });

  it('xvrdpic / xvrspi / xvrspiz', () => {
    const r = rig();
    r.setD(1, dbits(0.5), dbits(1.5));
    r.run('xvrdpic 2,1');
    expect(r.getD(2)).toEqual([dbits(0), dbits(2)]);
    expect(r.fpscr).toBe(FPSCR_FX | FPSCR_XX);
    r.setW(3, [fbits(0.5), fbits(-1.5), 0x7f800001, fbits(1e10)]);
    r.run('xvrspi 4,3', 'xvrspiz 5,3');
    expect(r.getW(4)).toEqual([fbits(1), fbits(-2), 0x7fc00001, fbits(1e10)]);
    expect(r.getW(5)).toEqual([0, fbits(-1), 0x7fc00001, fbits(1e10)]);
  });
});

describe('conversions', () => {
  it('xscvdpsp rounds to single into words 0 and 1; xscvspdp back', () => {
    const r = rig();
    r.setD(1, dbits(1 / 3), 0n);
    r.run('xscvdpsp 2,1');
    const w = fbits(1 / 3);
    expect(r.getW(2)).toEqual([w, w, 0, 0]);
    // Rounded up (0.3333333433...): FR.
    expect(r.fpscr).toBe(FPSCR_FX | FPSCR_XX | FPSCR_FI | FPSCR_FR | FPRF_POS_NORMAL);
    r.fpscr = 0;
    r.run('xscvspdp 3,2');
    expect(r.getD(3)).toEqual([dbits(Math.fround(1 / 3)), 0n]);
    expect(r.fpscr).toBe(FPRF_POS_NORMAL);
  });

  it('xscvspdp quiets an SNaN with VXSNAN; xvcvspdp converts words 0 and 2', () => {
    const r = rig();
    r.setW(1, [0x7f800001, 0, fbits(-0.5), 0]);
    r.run('xscvspdp 2,1', 'xvcvspdp 3,1');
    expect(r.getD(2)).toEqual([0x7ff8000020000000n, 0n]);
    expect(r.getD(3)).toEqual([0x7ff8000020000000n, dbits(-0.5)]);
    expect(r.fpscr & FPSCR_VXSNAN).toBe(FPSCR_VXSNAN);
  });

  it('xvcvdpsp puts each single in words 2i and 2i+1', () => {
    const r = rig();
    r.setD(1, dbits(1.5), dbits(1e40));
    r.run('xvcvdpsp 2,1');
    expect(r.getW(2)).toEqual([fbits(1.5), fbits(1.5), 0x7f800000, 0x7f800000]);
    expect(r.fpscr & FPSCR_OX).toBe(FPSCR_OX);
  });

  it.each([
    ['xscvdpsxds', -1.5, [0xffffffffffffffffn, 0n], FPSCR_XX | FPSCR_FI],
    ['xscvdpsxds', 2 ** 63, [0x7fffffffffffffffn, 0n], FPSCR_VX | FPSCR_VXCVI],
    ['xscvdpuxds', -1, [0n, 0n], FPSCR_VX | FPSCR_VXCVI],
    ['xscvdpuxds', 2 ** 64 - 2048, [0xfffffffffffff800n, 0n], 0],
    ['xscvdpsxws', -2.9, [0xfffffffefffffffen, 0n], FPSCR_XX | FPSCR_FI],
    ['xscvdpsxws', 2 ** 31, [0x7fffffff7fffffffn, 0n], FPSCR_VX | FPSCR_VXCVI],
    ['xscvdpuxws', 4e9, [0xee6b2800ee6b2800n, 0n], 0],
    ['xscvdpsxws', Number.NaN, [0x8000000080000000n, 0n], FPSCR_VX | FPSCR_VXCVI],
  ] as const)('%s %s truncates (FPRF untouched)', (m, x, want, flags) => {
    const r = rig(FPRF_NEG_NORMAL);
    r.setD(1, dbits(x), 0n);
    r.run(`${m} 2,1`);
    expect(r.getD(2)).toEqual(want);
    expect(r.fpscr & ~FPSCR_FX).toBe(flags | FPRF_NEG_NORMAL);
  });

  it('xscvdpsxds of an SNaN: VXSNAN and VXCVI', () => {
    const r = rig();
    r.setD(1, SNAN, 0n);
    r.run('xscvdpsxds 2,1');
    expect(r.getD(2)[0]).toBe(0x8000000000000000n);
    expect(r.fpscr).toBe(FPSCR_FX | FPSCR_VX | FPSCR_VXSNAN | FPSCR_VXCVI);
  });

  it('vector float-to-int: each element on its own (a NaN in one does not affect the other)', () => {
    const r = rig();
    r.setD(1, QNAN, dbits(-7.5));
    r.run('xvcvdpsxds 2,1', 'xvcvdpsxws 3,1');
    expect(r.getD(2)).toEqual([0x8000000000000000n, 0xfffffffffffffff9n]);
    expect(r.getW(3)).toEqual([0x80000000, 0x80000000, 0xfffffff9, 0xfffffff9]);
    r.setW(4, [fbits(1.5), fbits(-3e9), fbits(7), fbits(-1)]);
    r.run('xvcvspsxws 5,4', 'xvcvspuxws 6,4', 'xvcvspsxds 7,4');
    expect(r.getW(5)).toEqual([1, 0x80000000, 7, 0xffffffff]);
    expect(r.getW(6)).toEqual([1, 0, 7, 0]);
    expect(r.getD(7)).toEqual([1n, 7n]);
  });

  it('integer to float, scalar and vector', () => {
    const r = rig();
    r.setD(1, 0xffffffffffffffffn, 0x7fffffffffffffffn);
    r.run('xscvsxddp 2,1', 'xscvuxddp 3,1', 'xvcvsxddp 4,1', 'xvcvuxdsp 5,1', 'xscvuxdsp 6,1');
    expect(r.getD(2)).toEqual([dbits(-1), 0n]);
    expect(r.getD(3)).toEqual([dbits(2 ** 64), 0n]);
    expect(r.fpscr & FPRF).toBe(FPRF_POS_NORMAL);
    expect(r.getD(4)).toEqual([dbits(-1), dbits(2 ** 63)]);
    expect(r.getW(5)).toEqual([fbits(2 ** 64), fbits(2 ** 64), fbits(2 ** 63), fbits(2 ** 63)]);
    expect(r.getD(6)).toEqual([dbits(2 ** 64), 0n]);
    r.setW(7, [0xffffffff, 0, 0x80000000, 0]);
    r.run('xvcvsxwdp 8,7', 'xvcvuxwdp 9,7', 'xvcvsxwsp 10,7');
    expect(r.getD(8)).toEqual([dbits(-1), dbits(-(2 ** 31))]);
    expect(r.getD(9)).toEqual([dbits(2 ** 32 - 1), dbits(2 ** 31)]);
    expect(r.getW(10)).toEqual([fbits(-1), 0, fbits(-(2 ** 31)), 0]);
  });

  it('xscvsxdsp rounds once to single', () => {
    const r = rig();
    r.setD(1, 0x0000000001000001n, 0n); // 2^24 + 1: a tie between 2^24 and 2^24 + 2
    r.run('xscvsxdsp 2,1');
    expect(r.getD(2)[0]).toBe(dbits(2 ** 24));
    expect(r.fpscr & (FPSCR_XX | FPSCR_FI)).toBe(FPSCR_XX | FPSCR_FI);
  });

  it('xvcvdpsxws of out-of-range values saturates with VXCVI', () => {
    const r = rig();
    r.setD(1, dbits(-1e10), dbits(1e10));
    r.run('xvcvdpsxws 2,1');
    expect(r.getW(2)).toEqual([0x80000000, 0x80000000, 0x7fffffff, 0x7fffffff]);
    expect(r.fpscr & FPSCR_VXCVI).toBe(FPSCR_VXCVI);
  });
});

describe('invalid-operation flags of multiply-add', () => {
  it('inf * 0 + x: VXIMZ; inf - inf: VXISI', () => {
    const r = rig();
    r.setD(1, INF, 0n);
    r.setD(2, 0n, 0n);
    r.setD(3, ONE, 0n);
    r.run('xsmaddadp 3,1,2');
    expect(r.getD(3)[0]).toBe(QNAN);
    expect(r.fpscr & FPSCR_VXIMZ).toBe(FPSCR_VXIMZ);
    r.fpscr = 0;
    r.setD(2, ONE, 0n);
    r.setD(3, INF | (1n << 63n), 0n);
    r.run('xsmaddadp 3,1,2');
    expect(r.fpscr & FPSCR_VXISI).toBe(FPSCR_VXISI);
  });
});
