/**
 * Quad-precision VSX instructions and the ISA 3.0 mffs variants (Power ISA 3.0B Book I
 * §7.6.1, §4.6.10): worked values, the rounding modes including round-to-odd, FR/FI, the
 * enabled-exception rules (suppressed targets, exponent-adjusted overflow/underflow) and a
 * property check of the arithmetic against exact rational arithmetic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FPSCR_FEX,
  FPSCR_FI,
  FPSCR_FR,
  FPSCR_OE,
  FPSCR_OX,
  FPSCR_UE,
  FPSCR_UX,
  FPSCR_VE,
  FPSCR_VXCVI,
  FPSCR_VXISI,
  FPSCR_VXVC,
  FPSCR_XX,
  FPSCR_ZE,
  FPSCR_ZX,
} from '../src/isa/fpu.js';
import { dbits, P9Rig, Q_INF, Q_ONE, Q_QNAN, Q_THREE, Q_TWO, quad } from './p9-rig.js';

const F112 = (1n << 112n) - 1n;
const flags = (r: P9Rig, mask: number) => (r.fpscr & mask) >>> 0;
const STATUS = FPSCR_OX | FPSCR_UX | FPSCR_ZX | FPSCR_XX | FPSCR_FR | FPSCR_FI;
/** 1/3 rounded toward zero: 1.0101...01 × 2^-2. */
const THIRD_DOWN = quad(0, 0x3ffd, F112 / 3n);

describe('quad-precision arithmetic', () => {
  it('exact sums classify the result in FPRF and clear FR/FI', () => {
    const r = new P9Rig();
    r.setV(3, Q_ONE);
    r.setV(4, Q_TWO);
    r.fpscr = FPSCR_FR | FPSCR_FI;
    r.run('xsaddqp 2,3,4');
    expect(r.getV(2)).toBe(Q_THREE);
    expect(r.fpscr).toBe(0x4000);
    r.run('xssubqp 2,3,3');
    expect(r.getV(2)).toBe(0n);
    expect(r.fpscr).toBe(0x2000);
  });

  it('1/3 in each rounding mode and with round-to-odd (FR says the magnitude was rounded up)', () => {
    const r = new P9Rig();
    r.setV(3, Q_ONE);
    r.setV(4, Q_THREE);
    const want: [number, bigint, number][] = [
      [0, THIRD_DOWN, FPSCR_XX | FPSCR_FI],
      [1, THIRD_DOWN, FPSCR_XX | FPSCR_FI],
      [2, THIRD_DOWN + 1n, FPSCR_XX | FPSCR_FI | FPSCR_FR],
      [3, THIRD_DOWN, FPSCR_XX | FPSCR_FI],
    ];
    for (const [rn, q, st] of want) {
      r.fpscr = rn;
      r.run('xsdivqp 2,3,4');
      expect([rn, r.getV(2), flags(r, STATUS)]).toEqual([rn, q, st >>> 0]);
    }
    r.fpscr = 2;
    r.run('xsdivqpo 2,3,4');
    expect(r.getV(2)).toBe(THIRD_DOWN); // truncated ...0101 is already odd
    r.setV(4, quad(0, 0x4001, 1n << 110n)); // 5
    r.run('xsdivqpo 2,3,4');
    expect(r.getV(2) & 1n).toBe(1n);
  });

  it('the fused multiply-add rounds once', () => {
    const r = new P9Rig();
    r.setV(3, quad(0, 0x3fff, 1n)); // 1 + 2^-112
    r.setV(4, quad(0, 0x3ffe, F112)); // 1 - 2^-113
    r.setV(2, quad(1, 0x3fff, 0n)); // -1
    r.run('xsmaddqp 2,3,4');
    // (1 + 2^-112)(1 - 2^-113) - 1 = 2^-113 - 2^-225 = 1.1...10 (111 ones) × 2^-114: exact only
    // without an intermediate rounding of the product (which would give 2^-113).
    expect(r.getV(2)).toBe(quad(0, 0x3fff - 114, F112 - 1n));
    expect(flags(r, FPSCR_XX)).toBe(0);
  });

  it('xsnmaddqp rounds, then negates (RP rounds the positive sum up, the result is its negation)', () => {
    const r = new P9Rig();
    r.setV(3, Q_ONE);
    r.setV(4, THIRD_DOWN);
    r.setV(2, quad(0, 0x3fff - 200, 0n)); // a tiny addend: the sum is inexact
    r.fpscr = 2;
    r.run('xsnmaddqp 2,3,4');
    expect(r.getV(2)).toBe(THIRD_DOWN + 1n + (1n << 127n));
  });

  it('square root', () => {
    const r = new P9Rig();
    r.setV(4, quad(0, 0x4001, 0n)); // 4
    r.run('xssqrtqp 2,4');
    expect(r.getV(2)).toBe(Q_TWO);
    r.setV(4, quad(1, 0x3fff, 0n));
    r.run('xssqrtqp 2,4');
    expect(r.getV(2)).toBe(Q_QNAN);
  });

  it('overflow: ±∞ in RN, the largest number in RZ and with round-to-odd, exponent adjusted by 24576 when OE=1', () => {
    const r = new P9Rig();
    const max = quad(0, 0x7ffe, F112);
    r.setV(3, max);
    r.setV(4, Q_TWO);
    r.run('xsmulqp 2,3,4');
    expect(r.getV(2)).toBe(Q_INF);
    expect(flags(r, STATUS)).toBe((FPSCR_OX | FPSCR_XX | FPSCR_FI | FPSCR_FR) >>> 0);
    r.fpscr = 1;
    r.run('xsmulqp 2,3,4');
    expect(r.getV(2)).toBe(max);
    r.fpscr = 0;
    r.run('xsmulqpo 2,3,4');
    expect(r.getV(2)).toBe(max);
    r.fpscr = FPSCR_OE;
    r.run('xsmulqp 2,3,4');
    expect(r.getV(2)).toBe(quad(0, 0x7fff - 24576, F112));
    expect(flags(r, FPSCR_OX | FPSCR_XX | FPSCR_FEX)).toBe((FPSCR_OX | FPSCR_FEX) >>> 0);
  });

  it('underflow: exact denormals raise nothing, UE=1 adjusts the exponent by 24576', () => {
    const r = new P9Rig();
    r.setV(3, quad(0, 1, 0n)); // 2^-16382
    r.setV(4, quad(0, 0x4001, 0n)); // 4
    r.run('xsdivqp 2,3,4');
    expect(r.getV(2)).toBe(quad(0, 0, 1n << 110n));
    expect(flags(r, STATUS | 0x1f000)).toBe(0x14000); // +denormal, no flags
    r.setV(4, quad(0, 0x4000, 1n << 111n)); // 3: inexact
    r.run('xsdivqp 2,3,4');
    expect(flags(r, FPSCR_UX | FPSCR_XX)).toBe((FPSCR_UX | FPSCR_XX) >>> 0);
    r.fpscr = FPSCR_UE;
    r.setV(4, quad(0, 0x4001, 0n));
    r.run('xsdivqp 2,3,4');
    expect(r.getV(2)).toBe(quad(0, 0x3fff - 16384 + 24576, 0n));
    expect(flags(r, FPSCR_UX)).toBe(FPSCR_UX);
  });

  it('an enabled invalid operation or zero divide leaves VRT and FPRF alone and clears FR/FI', () => {
    const r = new P9Rig();
    r.setV(3, Q_INF);
    r.setV(4, Q_INF | (1n << 127n));
    r.setV(2, 42n);
    r.fpscr = FPSCR_VE | FPSCR_FR | FPSCR_FI | 0x4000;
    r.run('xsaddqp 2,3,4');
    expect(r.getV(2)).toBe(42n);
    expect(flags(r, FPSCR_VXISI | FPSCR_FR | FPSCR_FI | 0x1f000 | FPSCR_FEX)).toBe(
      (FPSCR_VXISI | 0x4000 | FPSCR_FEX) >>> 0,
    );
    r.fpscr = FPSCR_ZE;
    r.setV(3, Q_ONE);
    r.setV(4, 0n);
    r.run('xsdivqp 2,3,4');
    expect(r.getV(2)).toBe(42n);
    expect(flags(r, FPSCR_ZX)).toBe(FPSCR_ZX);
    r.fpscr = 0;
    r.run('xsdivqp 2,3,4');
    expect(r.getV(2)).toBe(Q_INF);
  });

  it('agrees with exact rational arithmetic (RN) on random operands', () => {
    const r = new P9Rig();
    const toRat = (q: bigint): [bigint, bigint] => {
      const e = Number((q >> 112n) & 0x7fffn);
      const m = e === 0 ? q & F112 : (q & F112) | (1n << 112n);
      const k = (e === 0 ? 1 : e) - 16383 - 112;
      const s = q >> 127n ? -1n : 1n;
      return k >= 0 ? [s * (m << BigInt(k)), 1n] : [s * m, 1n << BigInt(-k)];
    };
    const num = fc
      .tuple(fc.integer({ min: 0x3f00, max: 0x40ff }), fc.bigInt({ min: 0n, max: F112 }), fc.boolean())
      .map(([e, f, s]) => quad(s ? 1 : 0, e, f));
    fc.assert(
      fc.property(num, num, fc.constantFrom('xsaddqp', 'xsmulqp', 'xsdivqp'), (a, b, op) => {
        r.setV(3, a);
        r.setV(4, b);
        r.fpscr = 0;
        r.run(`${op} 2,3,4`);
        const q = r.getV(2);
        if (q === 0n) return;
        // The result is within half an ulp of the exact value: |exact - q| <= ulp(q)/2.
        const [an, ad] = toRat(a);
        const [bn, bd] = toRat(b);
        let [xn, xd] =
          op === 'xsaddqp' ? [an * bd + bn * ad, ad * bd] : op === 'xsmulqp' ? [an * bn, ad * bd] : [an * bd, ad * bn];
        if (xd < 0n) [xn, xd] = [-xn, -xd];
        const [qn, qd] = toRat(q);
        const e = Number((q >> 112n) & 0x7fffn);
        const ulpK = (e === 0 ? 1 : e) - 16383 - 112; // ulp = 2^ulpK
        // |xn/xd - qn/qd| <= 2^(ulpK-1)  ⟺  |xn*qd - qn*xd| * 2^(1-ulpK) <= xd*qd
        let diff = xn * qd - qn * xd;
        if (diff < 0n) diff = -diff;
        const den = xd * qd;
        const lhs = ulpK - 1 >= 0 ? diff : diff << BigInt(1 - ulpK);
        const rhs = ulpK - 1 >= 0 ? den << BigInt(ulpK - 1) : den;
        expect([op, a.toString(16), b.toString(16), q.toString(16), lhs <= rhs]).toEqual([
          op,
          a.toString(16),
          b.toString(16),
          q.toString(16),
          true,
        ]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('quad-precision compares, tests and bit operations', () => {
  it('xscmpuqp / xscmpoqp: CR field and FPCC; the ordered compare reports VXVC for a QNaN', () => {
    const r = new P9Rig();
    r.setV(3, Q_ONE);
    r.setV(4, Q_TWO);
    r.run('xscmpuqp 3,3,4', 'xscmpoqp 4,4,3');
    expect([r.crf(3), r.crf(4)]).toEqual([8, 4]);
    r.setV(4, Q_QNAN);
    r.run('xscmpuqp 5,3,4');
    expect(r.crf(5)).toBe(1);
    expect(flags(r, FPSCR_VXVC)).toBe(0);
    r.run('xscmpoqp 5,3,4');
    expect(flags(r, FPSCR_VXVC)).toBe(FPSCR_VXVC);
    expect((r.fpscr >>> 12) & 15).toBe(1);
  });

  it('xscmpexpqp compares exponents; xststdcqp tests the class', () => {
    const r = new P9Rig();
    r.setV(3, Q_TWO);
    r.setV(4, Q_THREE);
    r.run('xscmpexpqp 2,3,4');
    expect(r.crf(2)).toBe(2);
    r.setV(4, quad(1, 0, 5n)); // -denormal
    r.run('xststdcqp 1,4,1', 'xststdcqp 2,4,2');
    expect([r.crf(1), r.crf(2)]).toEqual([0b1010, 0b1000]);
  });

  it('sign operations, exponent and significand insert/extract', () => {
    const r = new P9Rig();
    r.setV(3, quad(1, 0x1234, 0xabcdn));
    r.setV(4, Q_ONE);
    r.run('xsabsqp 5,3', 'xsnegqp 6,4', 'xsnabsqp 7,4', 'xscpsgnqp 1,3,4', 'xsxexpqp 8,3', 'xsxsigqp 9,3');
    expect(r.getV(5)).toBe(quad(0, 0x1234, 0xabcdn));
    expect(r.getV(6)).toBe(quad(1, 0x3fff, 0n));
    expect(r.getV(7)).toBe(quad(1, 0x3fff, 0n));
    expect(r.getV(1)).toBe(quad(1, 0x3fff, 0n));
    expect(r.getV(8)).toBe(0x1234n << 64n);
    expect(r.getV(9)).toBe((1n << 112n) | 0xabcdn);
    r.setV(10, 0x7ffen << 64n);
    r.run('xsiexpqp 11,3,10');
    expect(r.getV(11)).toBe(quad(1, 0x7ffe, 0xabcdn));
  });
});

describe('quad-precision conversions and rounding', () => {
  it('xscvqpdp rounds to double (FPRF of the double); xscvqpdpo rounds to odd; xscvdpqp is exact', () => {
    const r = new P9Rig();
    r.setV(4, THIRD_DOWN);
    r.run('xscvqpdp 2,4', 'xscvqpdpo 3,4');
    expect(r.getV(2)).toBe(dbits(1 / 3) << 64n);
    expect(r.getV(3)).toBe(dbits(1 / 3) << 64n); // 0x3fd5555555555555 is odd
    r.setV(4, dbits(-0.1) << 64n);
    r.fpscr = 0;
    r.run('xscvdpqp 5,4', 'xscvqpdp 6,5');
    expect(r.getV(6)).toBe(dbits(-0.1) << 64n);
    expect(flags(r, FPSCR_XX | FPSCR_FI)).toBe(0);
  });

  it('conversions to integers truncate, saturate with VXCVI, and report inexact results', () => {
    const r = new P9Rig();
    const cases: [string, bigint, bigint, number][] = [
      ['xscvqpsdz', quad(1, 0x3fff, 1n << 111n), -1n, FPSCR_XX | FPSCR_FI], // -1.5
      ['xscvqpsdz', quad(0, 0x3fff + 63, 0n), (1n << 63n) - 1n, FPSCR_VXCVI], // 2^63
      ['xscvqpsdz', Q_QNAN, -(1n << 63n), FPSCR_VXCVI],
      ['xscvqpswz', quad(1, 0x3fff + 31, 0n), -(1n << 31n), 0],
      ['xscvqpuwz', quad(1, 0x3ffe, 0n), 0n, FPSCR_XX | FPSCR_FI], // -0.5
      ['xscvqpuwz', quad(1, 0x3fff, 0n), 0n, FPSCR_VXCVI], // -1
      ['xscvqpudz', Q_INF, (1n << 64n) - 1n, FPSCR_VXCVI],
    ];
    for (const [m, v, want, fl] of cases) {
      r.fpscr = 0;
      r.setV(4, v);
      r.run(`${m} 2,4`);
      expect([m, r.getV(2)]).toEqual([m, BigInt.asUintN(64, want) << 64n]);
      expect(flags(r, FPSCR_VXCVI | FPSCR_XX | FPSCR_FI | FPSCR_FR)).toBe(fl >>> 0);
    }
  });

  it('xscvsdqp / xscvudqp are exact', () => {
    const r = new P9Rig();
    r.setV(4, BigInt.asUintN(64, -3n) << 64n);
    r.run('xscvsdqp 2,4', 'xscvudqp 3,4');
    expect(r.getV(2)).toBe(Q_THREE | (1n << 127n));
    expect(r.getV(3)).toBe(quad(0, 0x3fff + 63, ((1n << 64n) - 3n - (1n << 63n)) << 49n));
  });

  it('xsrqpi[x] round to an integral value in the R/RMC mode; only the x form reports inexact', () => {
    const r = new P9Rig();
    const twoHalf = quad(0, 0x4000, 1n << 110n); // 2.5
    r.setV(4, twoHalf);
    r.run('xsrqpi 0,2,4,0', 'xsrqpi 1,3,4,0', 'xsrqpi 1,5,4,2', 'xsrqpi 1,6,4,3');
    expect([r.getV(2), r.getV(3), r.getV(5), r.getV(6)]).toEqual([Q_THREE, Q_TWO, Q_THREE, Q_TWO]);
    expect(flags(r, FPSCR_XX | FPSCR_FI)).toBe(0);
    r.run('xsrqpix 1,7,4,1');
    expect(r.getV(7)).toBe(Q_TWO);
    expect(flags(r, FPSCR_XX | FPSCR_FI)).toBe((FPSCR_XX | FPSCR_FI) >>> 0);
    r.fpscr = 3; // R=0, RMC=3: FPSCR[RN] (toward -∞)
    r.setV(4, twoHalf | (1n << 127n));
    r.run('xsrqpi 0,8,4,3');
    expect(r.getV(8)).toBe(Q_THREE | (1n << 127n));
  });

  it('xsrqpxp rounds to 64 significand bits', () => {
    const r = new P9Rig();
    r.setV(4, quad(0, 0x3fff, 1n << 42n)); // 1 + 2^-70
    r.run('xsrqpxp 1,2,4,0');
    expect(r.getV(2)).toBe(Q_ONE);
    expect(flags(r, FPSCR_XX)).toBe(FPSCR_XX);
    r.setV(4, quad(0, 0x3fff, (1n << 112n) - (1n << 40n))); // rounds up to 2
    r.run('xsrqpxp 1,3,4,0');
    expect(r.getV(3)).toBe(Q_TWO);
  });
});

describe('mffs variants', () => {
  it('mffsl returns DRN, FR, FI, FPRF, the enables, NI and RN only', () => {
    const r = new P9Rig();
    r.fpscr = -1;
    r.drn = 5;
    r.run('mffsl 3');
    expect(r.getVs(3) >> 64n).toBe(0x0000_0005_0007_f0ffn);
  });

  it('mffsce returns the FPSCR and clears the exception enables (FEX follows)', () => {
    const r = new P9Rig();
    r.fpscr = FPSCR_OX | FPSCR_OE | 0x2 | FPSCR_FEX | 0x80000000;
    r.run('mffsce 3');
    expect(r.getVs(3) >> 64n).toBe(BigInt((FPSCR_OX | FPSCR_OE | 0x2 | FPSCR_FEX | 0x80000000) >>> 0));
    expect(r.fpscr).toBe((FPSCR_OX | 0x2 | 0x80000000) >>> 0);
  });

  it('mffscrn / mffscrni set RN, mffscdrn / mffscdrni set DRN; each returns the old control bits', () => {
    const r = new P9Rig();
    r.fpscr = FPSCR_XX | FPSCR_VE | 1;
    r.drn = 2;
    r.setVs(4, 0x0000_0006_0000_0003n << 64n);
    r.run('mffscrn 3,4');
    expect(r.getVs(3) >> 64n).toBe(0x0000_0002_0000_0081n);
    expect(r.fpscr).toBe((FPSCR_XX | FPSCR_VE | 3) >>> 0);
    r.run('mffscdrn 5,4', 'mffscrni 6,2', 'mffscdrni 7,7');
    expect(r.drn).toBe(7);
    expect(r.fpscr & 3).toBe(2);
    expect(r.getVs(7) >> 64n).toBe(0x0000_0006_0000_0082n);
  });
});
