/**
 * VMX floating point (Power ISA 2.07 Book I ch. 6): NaN and denormal rules,
 * non-Java mode, the single rounding of vmaddfp/vnmsubfp (against an exact
 * BigInt model), rounding to integer, conversions with saturation, compares.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FPSCR } from '../src/state.js';
import { f32bits, f32val, fromWords, Rig, toWords } from './vmx-support.js';

const NJ = 0x10000;
const QNAN = 0x7fc00000;

/** Run `insn` (VRT=3, VRA=1, VRB=2, VRC=4) on word vectors; returns VRT's words. */
function run(
  rig: Rig,
  insn: string,
  a: number[],
  b: number[] = [0, 0, 0, 0],
  c: number[] = [0, 0, 0, 0],
  vscr = 0,
): number[] {
  rig.setV(1, fromWords(a));
  rig.setV(2, fromWords(b));
  rig.setV(4, fromWords(c));
  rig.vscr = vscr;
  expect(rig.run(insn).kind).toBe('budget');
  return toWords(rig.getV(3));
}
const F = (...xs: number[]) => xs.map(f32bits);

// ---- exact model of a*c + b rounded once to single (round to nearest even) ------------------

/** Finite single as sign * m * 2^e with integer m. */
function decompose(bits: number): [bigint, number] {
  const sign = bits >>> 31 ? -1n : 1n;
  const e = (bits >>> 23) & 0xff;
  const f = BigInt(bits & 0x7fffff);
  if (e === 0) return [sign * f, -149];
  return [sign * (f | 0x800000n), e - 150];
}

/** Round num * 2^exp (num != 0) to the nearest single, ties to even. Returns its bits. */
function roundExact(num: bigint, exp: number): number {
  const neg = num < 0n;
  let mag = neg ? -num : num;
  const len = mag.toString(2).length;
  const top = exp + len - 1; // exponent of the leading bit
  const quantum = Math.max(top - 23, -149);
  const shift = quantum - exp;
  if (shift > 0) {
    const s = BigInt(shift);
    const q = mag >> s;
    const rem = mag - (q << s);
    const half = 1n << (s - 1n);
    mag = rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
  } else mag <<= BigInt(-shift);
  const value = Number(mag) * 2 ** quantum;
  return f32bits(neg ? -value : value);
}

function fmaRef(a: number, c: number, b: number): number {
  const [ma, ea] = decompose(a);
  const [mc, ec] = decompose(c);
  const [mb, eb] = decompose(b);
  const pe = ea + ec;
  const lo = Math.min(pe, eb);
  const sum = ((ma * mc) << BigInt(pe - lo)) + (mb << BigInt(eb - lo));
  if (sum === 0n) return 0; // +0 for exact cancellation of non-zero terms (round to nearest)
  return roundExact(sum, lo);
}

const finite = fc
  .tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 254 }), fc.integer({ min: 0, max: 0x7fffff }))
  .map(([s, e, f]) => ((s << 31) | (e << 23) | f) >>> 0);
const small = fc
  .tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 0x7fffff }))
  .map(([s, e, f]) => ((s << 31) | (e << 23) | f) >>> 0);

describe('vmaddfp / vnmsubfp round once', () => {
  const rig = new Rig();

  it('matches the exact model on random operands, near-cancellation and tiny results (NJ=0)', () => {
    const triple = fc.oneof(
      fc.tuple(finite, finite, finite),
      // b close to -(a*c): heavy cancellation exercises the low bits of the product.
      fc.tuple(finite, finite, fc.integer({ min: -3, max: 3 })).map(([a, c, d]) => {
        const p = Math.fround(f32val(a) * f32val(c));
        const b = Number.isFinite(p) && p !== 0 ? (f32bits(-p) + d) >>> 0 : a;
        return [a, c, b] as [number, number, number];
      }),
      fc.tuple(small, small, small),
    );
    fc.assert(
      fc.property(triple, ([a, c, b]) => {
        const av = f32val(a);
        const cv = f32val(c);
        const bv = f32val(b);
        const exact = av * cv + bv; // double, only used to skip overflow and exact-zero cases
        fc.pre(Math.abs(exact) < 3e38 && av * cv !== 0 && exact !== 0);
        const want = fmaRef(a, c, b);
        const got = run(rig, 'vmaddfp 3,1,4,2', [a, a, a, a], [b, b, b, b], [c, c, c, c]);
        expect(got[0]!.toString(16), `${av}*${cv}+${bv}`).toBe(want.toString(16));
        const neg = run(rig, 'vnmsubfp 3,1,4,2', [a, 0, 0, 0], [(b ^ 0x80000000) >>> 0, 0, 0, 0], [c, 0, 0, 0]);
        expect(neg[0]!.toString(16)).toBe(((want ^ 0x80000000) >>> 0).toString(16));
      }),
      { numRuns: 2000 },
    );
  });

  it('a double-rounding trap: rounding the sum to double first would land on a single tie', () => {
    // a*c = 2^-24 * (1 + 2^-10)(1 - 2^-10 + 2^-20) = 2^-24 + 2^-54, so a*c + 1 is just above the tie
    // between 1 and 1 + 2^-23; in double it rounds to the tie itself, which would then go to 1.
    const a = f32bits(1 + 2 ** -10);
    const c = f32bits(2 ** -24 * (1 - 2 ** -10 + 2 ** -20));
    const one = f32bits(1);
    const got = run(rig, 'vmaddfp 3,1,4,2', [a, a, a, a], [one, 0, 0, 0], [c, c, c, c]);
    expect(got[0]).toBe(f32bits(1 + 2 ** -23));
    expect(got[0]).toBe(fmaRef(a, c, one));
    const neg = run(rig, 'vnmsubfp 3,1,4,2', [a, 0, 0, 0], [f32bits(-1), 0, 0, 0], [c, 0, 0, 0]);
    expect(neg[0]).toBe(f32bits(-(1 + 2 ** -23)));
  });

  it('NaN precedence is A, B, C and a NaN result is not negated', () => {
    const na = 0x7f800001; // signalling: comes back quiet
    const nb = 0xffc00002;
    const nc = 0x7fc00003;
    const one = f32bits(1);
    expect(run(rig, 'vmaddfp 3,1,4,2', [na, one, one, one], [nb, nb, one, one], [nc, nc, nc, one])).toEqual([
      0x7fc00001,
      nb,
      nc,
      f32bits(2),
    ]);
    expect(run(rig, 'vnmsubfp 3,1,4,2', [na, one, one, one], [nb, nb, one, one], [nc, nc, nc, one])[0]).toBe(
      0x7fc00001,
    );
    // inf * 0 + 1 is invalid: the default NaN, not negated by vnmsubfp.
    const inf = 0x7f800000;
    expect(run(rig, 'vnmsubfp 3,1,4,2', [inf, 0, 0, 0], [one, 0, 0, 0], [0, 0, 0, 0])[0]).toBe(QNAN);
    // -(1*1 - 1) = -0
    expect(run(rig, 'vnmsubfp 3,1,4,2', [one, 0, 0, 0], [one, 0, 0, 0], [one, 0, 0, 0])[0]).toBe(0x80000000);
  });
});

describe('VMX FP arithmetic', () => {
  const rig = new Rig();

  it('vaddfp/vsubfp round to nearest even in single precision and leave FPSCR alone', () => {
    rig.cpu.s[FPSCR] = 0;
    expect(run(rig, 'vaddfp 3,1,2', F(1, 1, 1e30, 3), F(2 ** -24, 3 * 2 ** -24, -1e30, 0.1))).toEqual(
      F(1, 1 + 2 ** -22, 0, Math.fround(3 + Math.fround(0.1))),
    );
    expect(run(rig, 'vsubfp 3,1,2', F(1, 0, 5, -0), F(1, 0, 7, 0))).toEqual([0, 0, f32bits(-2), 0x80000000]);
    expect(rig.cpu.s[FPSCR]).toBe(0);
  });

  it('propagates the first NaN quietened; invalid operations give the default NaN', () => {
    const inf = 0x7f800000;
    expect(run(rig, 'vaddfp 3,1,2', [0x7f800001, 0, inf, 0xffbfffff], [0xffc00000, 0x7f812345, 0xff800000, 0])).toEqual(
      [0x7fc00001, 0x7fc12345, QNAN, 0xffffffff],
    );
    expect(run(rig, 'vsubfp 3,1,2', [inf, 0, 0, 0], [inf, 0, 0, 0])[0]).toBe(QNAN);
  });

  it('non-Java mode reads denormal operands as zero and flushes denormal results', () => {
    const tiny = 0x00000001;
    const ntiny = 0x80000001;
    const min = 0x00800000; // 2^-126
    const onePlusHalf = f32bits(1.5 * 2 ** -126);
    expect(
      run(rig, 'vaddfp 3,1,2', [tiny, ntiny, onePlusHalf, tiny], [0, 0x80000000, 0x80000000 | min, min], undefined, NJ),
    ).toEqual([0, 0x80000000, 0, min]);
    expect(
      run(rig, 'vaddfp 3,1,2', [tiny, ntiny, onePlusHalf, tiny], [0, 0x80000000, 0x80000000 | min, min], undefined, 0),
    ).toEqual([tiny, ntiny, 0x00400000, min + 1]);
    // Negative tiny result keeps its sign when flushed.
    expect(run(rig, 'vsubfp 3,1,2', [min, 0, 0, 0], [onePlusHalf, 0, 0, 0], undefined, NJ)[0]).toBe(0x80000000);
    // vrfip of a positive denormal: 1 in Java mode, +0 in non-Java mode.
    expect(run(rig, 'vrfip 3,2', [0, 0, 0, 0], [tiny, 0, 0, 0], undefined, 0)[0]).toBe(f32bits(1));
    expect(run(rig, 'vrfip 3,2', [0, 0, 0, 0], [tiny, 0, 0, 0], undefined, NJ)[0]).toBe(0);
    // Compares see a denormal as zero in non-Java mode.
    expect(run(rig, 'vcmpeqfp 3,1,2', [tiny, 0, 0, 0], [0, 0, 0, 0], undefined, NJ)[0]).toBe(0xffffffff);
    expect(run(rig, 'vcmpeqfp 3,1,2', [tiny, 0, 0, 0], [0, 0, 0, 0], undefined, 0)[0]).toBe(0);
  });

  it('vmaxfp/vminfp order -0 below +0 and propagate NaNs', () => {
    const n0 = 0x80000000;
    expect(run(rig, 'vmaxfp 3,1,2', [n0, 0, f32bits(-1), 0x7fc00005], [0, n0, f32bits(-2), f32bits(1)])).toEqual([
      0,
      0,
      f32bits(-1),
      0x7fc00005,
    ]);
    expect(run(rig, 'vminfp 3,1,2', [n0, 0, f32bits(-1), f32bits(1)], [0, n0, f32bits(-2), 0x7f800001])).toEqual([
      n0,
      n0,
      f32bits(-2),
      0x7fc00001,
    ]);
  });

  it('round to integer: nearest even, toward zero, +inf, -inf', () => {
    const x = F(0.5, 1.5, -2.5, -0.25);
    expect(run(rig, 'vrfin 3,2', [0, 0, 0, 0], x)).toEqual(F(0, 2, -2, -0));
    expect(run(rig, 'vrfiz 3,2', [0, 0, 0, 0], x)).toEqual(F(0, 1, -2, -0));
    expect(run(rig, 'vrfip 3,2', [0, 0, 0, 0], x)).toEqual(F(1, 2, -2, -0));
    expect(run(rig, 'vrfim 3,2', [0, 0, 0, 0], x)).toEqual(F(0, 1, -3, -1));
    expect(run(rig, 'vrfin 3,2', [0, 0, 0, 0], [0x4b000001, 0x7f800000, 0x7f800001, f32bits(8388607.5)])).toEqual([
      0x4b000001,
      0x7f800000,
      0x7fc00001,
      f32bits(8388608),
    ]);
  });

  it('estimates are within the architected precision', () => {
    fc.assert(
      fc.property(fc.float({ min: Math.fround(1e-30), max: Math.fround(1e30), noNaN: true }), (x) => {
        const [re, rs, ex, lg] = [
          run(rig, 'vrefp 3,2', [0, 0, 0, 0], F(x, 0, 0, 0))[0]!,
          run(rig, 'vrsqrtefp 3,2', [0, 0, 0, 0], F(x, 0, 0, 0))[0]!,
          run(rig, 'vexptefp 3,2', [0, 0, 0, 0], F(Math.log2(x), 0, 0, 0))[0]!,
          run(rig, 'vlogefp 3,2', [0, 0, 0, 0], F(x, 0, 0, 0))[0]!,
        ].map(f32val);
        expect(Math.abs(re! * x - 1)).toBeLessThan(1 / 4096);
        expect(Math.abs(rs! * Math.sqrt(x) - 1)).toBeLessThan(1 / 4096);
        const e2 = 2 ** Math.fround(Math.log2(x));
        expect(Math.abs(ex! / e2 - 1)).toBeLessThan(1 / 16);
        expect(Math.abs(lg! - Math.log2(x))).toBeLessThan(1 / 32);
      }),
      { numRuns: 300 },
    );
    expect(run(rig, 'vrefp 3,2', [0, 0, 0, 0], [0, 0x80000000, 0x7f800000, f32bits(4)])).toEqual([
      0x7f800000,
      0xff800000,
      0,
      f32bits(0.25),
    ]);
    expect(run(rig, 'vrsqrtefp 3,2', [0, 0, 0, 0], [f32bits(4), 0x80000000, f32bits(-1), 0x7f800000])).toEqual([
      f32bits(0.5),
      0xff800000,
      QNAN,
      0,
    ]);
    expect(run(rig, 'vexptefp 3,2', [0, 0, 0, 0], [f32bits(3), 0xff800000, 0, f32bits(-130)])).toEqual([
      f32bits(8),
      0,
      f32bits(1),
      f32bits(2 ** -130),
    ]);
    expect(run(rig, 'vexptefp 3,2', [0, 0, 0, 0], [f32bits(-130), 0, 0, 0], undefined, NJ)[0]).toBe(0);
    expect(run(rig, 'vlogefp 3,2', [0, 0, 0, 0], [f32bits(8), 0, f32bits(-1), 0x7f800000])).toEqual([
      f32bits(3),
      0xff800000,
      QNAN,
      0x7f800000,
    ]);
  });
});

describe('VMX FP conversions', () => {
  const rig = new Rig();

  it('vcfux/vcfsx scale by 2^-UIM with one rounding', () => {
    expect(run(rig, 'vcfux 3,2,0', [0, 0, 0, 0], [0xffffffff, 0x01000001, 3, 0])).toEqual(
      F(4294967296, 16777216, 3, 0),
    );
    expect(run(rig, 'vcfsx 3,2,31', [0, 0, 0, 0], [0xffffffff, 0x80000000, 0x7fffffff, 1])).toEqual(
      F(-(2 ** -31), -1, 1, 2 ** -31),
    );
    expect(run(rig, 'vcfux 3,2,4', [0, 0, 0, 0], [16, 8, 0x80000000, 0])).toEqual(F(1, 0.5, 2 ** 27, 0));
  });

  it('vctsxs/vctuxs truncate and saturate (SAT sticky); NaN gives 0', () => {
    expect(run(rig, 'vctsxs 3,2,0', [0, 0, 0, 0], F(3.7, -3.7, 1e10, -1e10))).toEqual([
      3, 0xfffffffd, 0x7fffffff, 0x80000000,
    ]);
    expect(rig.vscr).toBe(1);
    expect(run(rig, 'vctsxs 3,2,1', [0, 0, 0, 0], [f32bits(0.5), QNAN, f32bits(2 ** 30), f32bits(-(2 ** 30))])).toEqual(
      [1, 0, 0x7fffffff, 0x80000000],
    );
    expect(run(rig, 'vctsxs 3,2,0', [0, 0, 0, 0], [QNAN, 0x7f800001, f32bits(-0.5), f32bits(2147483520)])).toEqual([
      0, 0, 0, 2147483520,
    ]);
    expect(rig.vscr).toBe(0);
    expect(run(rig, 'vctuxs 3,2,0', [0, 0, 0, 0], F(-1, -0.5, 5e9, 4294967040))).toEqual([
      0, 0, 0xffffffff, 4294967040,
    ]);
    expect(rig.vscr).toBe(1);
    expect(run(rig, 'vctuxs 3,2,0', [0, 0, 0, 0], F(-0.5, 0.99, 7, 1e9), undefined, NJ)).toEqual([0, 0, 7, 1e9]);
    expect(rig.vscr).toBe(NJ);
  });
});

describe('VMX FP compares', () => {
  const rig = new Rig();

  it('vcmpeqfp./vcmpgefp./vcmpgtfp. with NaNs and CR6', () => {
    const a = [f32bits(1), f32bits(2), QNAN, 0];
    const b = [f32bits(1), f32bits(1), f32bits(1), 0x80000000];
    expect(run(rig, 'vcmpeqfp. 3,1,2', a, b)).toEqual([0xffffffff, 0, 0, 0xffffffff]);
    expect(rig.cr6).toBe(0);
    expect(run(rig, 'vcmpgefp. 3,1,2', a, b)).toEqual([0xffffffff, 0xffffffff, 0, 0xffffffff]);
    expect(run(rig, 'vcmpgtfp. 3,1,2', a, b)).toEqual([0, 0xffffffff, 0, 0]);
    run(rig, 'vcmpgtfp. 3,1,2', [QNAN, QNAN, QNAN, QNAN], b);
    expect(rig.cr6).toBe(2);
    run(rig, 'vcmpgefp. 3,1,2', F(1, 2, 3, 4), F(1, 1, 1, 1));
    expect(rig.cr6).toBe(8);
  });

  it('vcmpbfp. flags each bound and says whether all are in bounds', () => {
    expect(run(rig, 'vcmpbfp. 3,1,2', F(0.5, 2, -2, 1), F(1, 1, 1, 1))).toEqual([0, 0x80000000, 0x40000000, 0]);
    expect(rig.cr6).toBe(0);
    expect(run(rig, 'vcmpbfp. 3,1,2', F(0.5, -1, 1, 0), F(1, 1, 1, 0))).toEqual([0, 0, 0, 0]);
    expect(rig.cr6).toBe(2);
    expect(run(rig, 'vcmpbfp 3,1,2', [QNAN, 0, 0, 0], [f32bits(1), QNAN, f32bits(-1), 0])).toEqual([
      0xc0000000, 0xc0000000, 0xc0000000, 0,
    ]);
  });
});
