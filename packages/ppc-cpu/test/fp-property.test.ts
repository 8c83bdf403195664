/**
 * Property tests of the FP arithmetic core (src/isa/fpu.ts) against an
 * independent reference: exact rational arithmetic on BigInts, rounded per the
 * ISA's rules (§4.3.6 rounding, §4.4.4 overflow, §4.4.5 underflow with
 * tininess before rounding, enabled OE/UE exponent adjustment). This exercises
 * the fast (error-free transformation) paths and the exact BigInt path alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fpAdd, fpDiv, fpFromInt64, fpMul, fpMulAdd, fpRoundToSingle, fpSqrt, res } from '../src/isa/fpu.js';

const OX = 0x10000000;
const UX = 0x08000000;
const XX = 0x02000000;
const FR = 0x00040000;
const FI = 0x00020000;
const OE = 0x40;
const UE = 0x20;
const STATUS = OX | UX | XX | FR | FI;

interface Exact {
  neg: boolean;
  n: bigint; // numerator >= 0
  d: bigint; // denominator > 0
}

function bitLen(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** A finite double's exact value. */
function exact(b: bigint): Exact {
  const neg = b >> 63n === 1n;
  const e = Number((b >> 52n) & 0x7ffn);
  const f = b & ((1n << 52n) - 1n);
  const m = e === 0 ? f : f | (1n << 52n);
  const ex = (e === 0 ? 1 : e) - 1075;
  return ex >= 0 ? { neg, n: m << BigInt(ex), d: 1n } : { neg, n: m, d: 1n << BigInt(-ex) };
}

const finite = (b: bigint) => ((b >> 52n) & 0x7ffn) !== 0x7ffn;

function add(x: Exact, y: Exact): Exact {
  const n = (x.neg ? -x.n : x.n) * y.d + (y.neg ? -y.n : y.n) * x.d;
  return { neg: n < 0n, n: n < 0n ? -n : n, d: x.d * y.d };
}

function mul(x: Exact, y: Exact): Exact {
  return { neg: x.neg !== y.neg, n: x.n * y.n, d: x.d * y.d };
}

/** Double bits of (-1)^neg * q * 2^k (q < 2^53, exactly representable or saturating to ∞). */
function encode(neg: boolean, q: bigint, k: number): bigint {
  const s = neg ? 1n << 63n : 0n;
  if (q === 0n) return s;
  const L = bitLen(q);
  const E = k + L - 1;
  if (E > 1023) return s | 0x7ff0000000000000n;
  if (E >= -1022) return s | (BigInt(E + 1023) << 52n) | ((q << BigInt(53 - L)) - (1n << 52n));
  const sh = k + 1074;
  return s | (sh >= 0 ? q << BigInt(sh) : q >> BigInt(-sh));
}

/** The ISA's rounding of an exact nonzero value to double or single; returns bits and status flags. */
function reference(v: Exact, single: boolean, fpscr: number): { bits: bigint; flags: number } {
  const p = single ? 24 : 53;
  const emin = single ? -126 : -1022;
  const emax = single ? 127 : 1023;
  const adj = single ? 192 : 1536;
  const rn = fpscr & 3;
  // E = floor(log2(n/d))
  let E = bitLen(v.n) - bitLen(v.d);
  const ge = (e: number) => (e >= 0 ? v.n >= v.d << BigInt(e) : v.n << BigInt(-e) >= v.d);
  if (!ge(E)) E--;
  const roundAt = (k: number) => {
    const num = k >= 0 ? v.n : v.n << BigInt(-k);
    const den = k >= 0 ? v.d << BigInt(k) : v.d;
    let q = num / den;
    const r = num - q * den;
    let inc = false;
    if (r !== 0n) {
      if (rn === 0) inc = 2n * r > den || (2n * r === den && (q & 1n) === 1n);
      else if (rn === 2) inc = !v.neg;
      else if (rn === 3) inc = v.neg;
    }
    if (inc) q += 1n;
    return { q, inexact: r !== 0n, inc };
  };
  let k = E - p + 1;
  let u = roundAt(k);
  if (bitLen(u.q) > p) {
    u = { ...u, q: u.q >> 1n };
    k += 1;
  }
  const st = (x: { inexact: boolean; inc: boolean }) => (x.inexact ? XX | FI : 0) | (x.inc ? FR : 0);
  if (k + p - 1 > emax) {
    if (fpscr & OE) return { bits: encode(v.neg, u.q, k - adj), flags: OX | st(u) };
    const toInf = rn === 0 || (rn === 2 && !v.neg) || (rn === 3 && v.neg);
    const max = single ? (1n << 24n) - 1n : (1n << 53n) - 1n;
    return toInf
      ? { bits: encode(v.neg, 1n, 2000), flags: OX | XX | FI | FR }
      : { bits: encode(v.neg, max, emax - p + 1), flags: OX | XX | FI };
  }
  if (E < emin) {
    if (fpscr & UE) return { bits: encode(v.neg, u.q, k + adj), flags: UX | st(u) };
    const d = roundAt(emin - p + 1);
    return { bits: encode(v.neg, d.q, emin - p + 1), flags: (d.inexact ? UX : 0) | st(d) };
  }
  return { bits: encode(v.neg, u.q, k), flags: st(u) };
}

// ---- generators -----------------------------------------------------------------------------

const specials = [
  0x0000000000000001n, // smallest denormal
  0x000fffffffffffffn, // largest denormal
  0x0010000000000000n, // smallest normal
  0x7fefffffffffffffn, // largest
  0x3ff0000000000000n,
  0x3ff0000000000001n,
  0x3fefffffffffffffn,
  0x47efffffe0000000n, // largest single
  0x47efffffefffffffn,
  0x47effffff0000000n, // halfway past the largest single
  0x3810000000000000n, // smallest single normal
  0x36a0000000000000n, // smallest single denormal
  0x3690000000000000n,
  0x7fe0000000000000n,
];

/** Finite nonzero doubles with many edge cases: random bits, random exponents near the limits, specials. */
const dbl = fc
  .oneof(
    fc.bigInt(0n, (1n << 64n) - 1n),
    fc
      .tuple(fc.boolean(), fc.integer({ min: 1, max: 2046 }), fc.bigInt(0n, (1n << 52n) - 1n))
      .map(([s, e, f]) => (s ? 1n << 63n : 0n) | (BigInt(e) << 52n) | f),
    fc
      .tuple(fc.boolean(), fc.integer({ min: 1000, max: 1100 }), fc.bigInt(0n, (1n << 52n) - 1n))
      .map(([s, e, f]) => (s ? 1n << 63n : 0n) | (BigInt(e) << 52n) | f),
    fc
      .tuple(fc.boolean(), fc.integer({ min: 850, max: 920 }), fc.integer({ min: 0, max: (1 << 24) - 1 }), fc.nat(3))
      .map(([s, e, f, t]) => (s ? 1n << 63n : 0n) | (BigInt(e) << 52n) | (BigInt(f) << 28n) | BigInt(t)),
    fc
      .constantFrom(...specials)
      .chain((b) =>
        fc
          .tuple(fc.boolean(), fc.integer({ min: -2, max: 2 }))
          .map(([s, d]) => (s ? 1n << 63n : 0n) | BigInt.asUintN(63, b + BigInt(d))),
      ),
  )
  .filter((b) => finite(b) && (b & ~(1n << 63n)) !== 0n);

const fpscrArb = fc
  .tuple(fc.nat(3), fc.boolean(), fc.boolean())
  .map(([rn, oe, ue]) => rn | (oe ? OE : 0) | (ue ? UE : 0));

function check(flags: number, v: Exact, single: boolean, fpscr: number): void {
  const want = reference(v, single, fpscr);
  const got = (BigInt(res[1]! >>> 0) << 32n) | BigInt(res[0]! >>> 0);
  // Enabled OE/UE on single-precision with operands beyond the single range: undefined (§4.3.?): skip.
  if (single && (want.flags & (OX | UX)) !== 0 && (fpscr & (OE | UE)) !== 0) return;
  expect({ bits: got.toString(16), flags: (flags & STATUS).toString(16) }).toEqual({
    bits: want.bits.toString(16),
    flags: want.flags.toString(16),
  });
}

const hi = (b: bigint) => Number(b >> 32n) | 0;
const lo = (b: bigint) => Number(b & 0xffffffffn) | 0;
const RUNS = { numRuns: 3000 };

describe('fpu.ts against exact rational arithmetic', () => {
  it('fpAdd', () => {
    fc.assert(
      fc.property(dbl, dbl, fpscrArb, fc.boolean(), (a, b, fpscr, single) => {
        const v = add(exact(a), exact(b));
        if (v.n === 0n) return;
        check(fpAdd(fpscr, hi(a), lo(a), hi(b), lo(b), single), v, single, fpscr);
      }),
      RUNS,
    );
  });

  it('fpMul', () => {
    fc.assert(
      fc.property(dbl, dbl, fpscrArb, fc.boolean(), (a, b, fpscr, single) => {
        check(fpMul(fpscr, hi(a), lo(a), hi(b), lo(b), single), mul(exact(a), exact(b)), single, fpscr);
      }),
      RUNS,
    );
  });

  it('fpDiv', () => {
    fc.assert(
      fc.property(dbl, dbl, fpscrArb, fc.boolean(), (a, b, fpscr, single) => {
        const x = exact(a);
        const y = exact(b);
        const v = { neg: x.neg !== y.neg, n: x.n * y.d, d: x.d * y.n };
        check(fpDiv(fpscr, hi(a), lo(a), hi(b), lo(b), single), v, single, fpscr);
      }),
      RUNS,
    );
  });

  it('fpSqrt', () => {
    fc.assert(
      fc.property(dbl, fpscrArb, fc.boolean(), (a0, fpscr, single) => {
        const a = a0 & ~(1n << 63n);
        const x = exact(a);
        // sqrt(n/d) = sqrt(n*d)/d; with 2^(2K) scaling and a sticky half-bit for an inexact root.
        const K = 200n;
        const X = (x.n * x.d) << (2n * K);
        let s = 1n << BigInt((bitLen(X) >> 1) + 1);
        for (;;) {
          const t = (s + X / s) >> 1n;
          if (t >= s) break;
          s = t;
        }
        const n = s * s === X ? 2n * s : 2n * s + 1n;
        check(fpSqrt(fpscr, hi(a), lo(a), single), { neg: false, n, d: x.d << (K + 1n) }, single, fpscr);
      }),
      RUNS,
    );
  });

  it('fpMulAdd (all four sign variants)', () => {
    fc.assert(
      fc.property(
        dbl,
        dbl,
        dbl,
        fpscrArb,
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (a, c, b, fpscr, single, negB, negR) => {
          const p = mul(exact(a), exact(c));
          const eb = exact(b);
          const v = add(p, negB ? { ...eb, neg: !eb.neg } : eb);
          if (v.n === 0n) return;
          const f = fpMulAdd(fpscr, hi(a), lo(a), hi(c), lo(c), hi(b), lo(b), single, negB, negR);
          if (negR) res[1] = res[1]! ^ (0x80000000 | 0);
          check(f, v, single, fpscr);
        },
      ),
      RUNS,
    );
  });

  it('fpMulAdd near cancellation (addend close to -product)', () => {
    fc.assert(
      fc.property(dbl, dbl, fc.integer({ min: -3, max: 3 }), fpscrArb, (a, c, d, fpscr) => {
        const xa = exact(a);
        const xc = exact(c);
        const pn = Number(xa.n * xc.n) / Number(xa.d * xc.d);
        if (!Number.isFinite(pn) || pn === 0) return;
        const dv = new DataView(new ArrayBuffer(8));
        dv.setFloat64(0, xa.neg !== xc.neg ? pn : -pn);
        const b = BigInt.asUintN(64, dv.getBigUint64(0) + BigInt(d));
        if (!finite(b)) return;
        const v = add(mul(xa, xc), exact(b));
        if (v.n === 0n) return;
        check(fpMulAdd(fpscr, hi(a), lo(a), hi(c), lo(c), hi(b), lo(b), false), v, false, fpscr);
      }),
      RUNS,
    );
  });

  it('fpMulAdd at and next to rounding midpoints (ties decided by the product tail)', () => {
    // b = RN(M - a*c) where M is the midpoint next to a*c at the target precision: a*c + b is then
    // a tie, or within a tiny fraction of an ulp of one.
    const moderate = fc
      .tuple(fc.boolean(), fc.integer({ min: 1023 - 60, max: 1023 + 60 }), fc.bigInt(0n, (1n << 52n) - 1n))
      .map(([s, e, f]) => (s ? 1n << 63n : 0n) | (BigInt(e) << 52n) | f);
    fc.assert(
      fc.property(
        moderate,
        moderate,
        fc.integer({ min: -2, max: 2 }),
        fpscrArb,
        fc.boolean(),
        (a, c, d, fpscr, single) => {
          const P = mul(exact(a), exact(c));
          const p = single ? 24 : 53;
          let E = bitLen(P.n) - bitLen(P.d);
          if (P.n < (E >= 0 ? P.d << BigInt(E) : P.d >> BigInt(-E))) E--;
          // Midpoint: (floor(P / ulp) + 1/2) * ulp with ulp = 2^(E-p+1); work in units of 2^(E-p) (half ulps).
          const k = E - p;
          const num = k >= 0 ? P.n : P.n << BigInt(-k);
          const den = k >= 0 ? P.d << BigInt(k) : P.d;
          const halves = (num / den) | 1n;
          const mid: Exact =
            k >= 0 ? { neg: P.neg, n: halves << BigInt(k), d: 1n } : { neg: P.neg, n: halves, d: 1n << BigInt(-k) };
          const diff = add(mid, { ...P, neg: !P.neg });
          if (diff.n === 0n) return;
          const b = BigInt.asUintN(64, reference(diff, false, 0).bits + BigInt(d));
          if (!finite(b)) return;
          const v = add(P, exact(b));
          if (v.n === 0n) return;
          check(fpMulAdd(fpscr, hi(a), lo(a), hi(c), lo(c), hi(b), lo(b), single), v, single, fpscr);
        },
      ),
      RUNS,
    );
  });

  it('fpRoundToSingle', () => {
    fc.assert(
      fc.property(dbl, fpscrArb, (a, fpscr) => {
        check(fpRoundToSingle(fpscr, hi(a), lo(a)), exact(a), true, fpscr);
      }),
      RUNS,
    );
  });

  it('fpFromInt64', () => {
    fc.assert(
      fc.property(fc.bigInt(1n, (1n << 64n) - 1n), fpscrArb, fc.boolean(), fc.boolean(), (x, fpscr, signed, single) => {
        const v = signed ? BigInt.asIntN(64, x) : x;
        const f = fpFromInt64(fpscr, hi(x), lo(x), signed, single);
        check(f, { neg: v < 0n, n: v < 0n ? -v : v, d: 1n }, single, fpscr);
      }),
      RUNS,
    );
  });
});
