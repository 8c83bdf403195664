/**
 * VMX integer instructions against reference models written from the ISA's
 * element definitions (Power ISA 2.07 Book I ch. 6) on BigInt vectors in
 * architected element order, over random and edge-biased inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elems, join, Rig, sx } from './vmx-support.js';

interface Out {
  t: bigint;
  sat?: boolean;
  cr6?: number;
}
type Ref = (a: bigint, b: bigint, c: bigint) => Out;

const M = (bits: number) => (1n << BigInt(bits)) - 1n;

/** Clamp to the signed or unsigned range of `bits`; reports whether it clamped. */
function clamp(v: bigint, bits: number, signed: boolean): [bigint, boolean] {
  const lo = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const hi = signed ? (1n << BigInt(bits - 1)) - 1n : M(bits);
  if (v < lo) return [lo, true];
  if (v > hi) return [hi, true];
  return [v, false];
}

/** Element-wise binary op on elements of `bits`, optionally signed inputs, optional saturation of results. */
function lane(bits: number, signed: boolean, fn: (x: bigint, y: bigint) => bigint, satSigned?: boolean): Ref {
  return (a, b) => {
    const xa = elems(a, bits).map((x) => (signed ? sx(x, bits) : x));
    const xb = elems(b, bits).map((x) => (signed ? sx(x, bits) : x));
    let sat = false;
    const r = xa.map((x, i) => {
      const v = fn(x, xb[i]!);
      if (satSigned === undefined) return v;
      const [cl, s] = clamp(v, bits, satSigned);
      sat ||= s;
      return cl;
    });
    return { t: join(r, bits), sat };
  };
}

function cmp(bits: number, signed: boolean, pred: (x: bigint, y: bigint) => boolean): Ref {
  return (a, b) => {
    const xa = elems(a, bits).map((x) => (signed ? sx(x, bits) : x));
    const xb = elems(b, bits).map((x) => (signed ? sx(x, bits) : x));
    const r = xa.map((x, i) => pred(x, xb[i]!));
    const all = r.every(Boolean);
    const none = !r.some(Boolean);
    return {
      t: join(
        r.map((x) => (x ? M(bits) : 0n)),
        bits,
      ),
      cr6: (all ? 8 : 0) | (none ? 2 : 0),
    };
  };
}

/** Even/odd multiply: products of elements 2i (+1 for odd) in double width. */
function mul(bits: number, signed: boolean, odd: boolean): Ref {
  return (a, b) => {
    const xa = elems(a, bits).map((x) => (signed ? sx(x, bits) : x));
    const xb = elems(b, bits).map((x) => (signed ? sx(x, bits) : x));
    const r: bigint[] = [];
    for (let i = odd ? 1 : 0; i < xa.length; i += 2) r.push(xa[i]! * xb[i]!);
    return { t: join(r, 2 * bits) };
  };
}

const rotl = (x: bigint, n: bigint, bits: number) => {
  const k = n % BigInt(bits);
  return ((x << k) | (x >> (BigInt(bits) - k))) & M(bits);
};
const q = (v: bigint) => v & M(128);
const popcount = (x: bigint) => x.toString(2).replace(/0/g, '').length;
const clz = (x: bigint, bits: number) => (x === 0n ? bits : bits - x.toString(2).length);

/** BigInt max/min (Math.max does not take BigInts). */
function bmax(x: bigint, y: bigint): bigint {
  if (x > y) return x;
  return y;
}
function bmin(x: bigint, y: bigint): bigint {
  if (x < y) return x;
  return y;
}

const REF: Record<string, Ref> = {};
for (const [bits, s] of [
  [8, 'b'],
  [16, 'h'],
  [32, 'w'],
  [64, 'd'],
] as const) {
  REF[`vaddu${s}m`] = lane(bits, false, (x, y) => x + y);
  REF[`vsubu${s}m`] = lane(bits, false, (x, y) => x - y);
  REF[`vmaxu${s}`] = lane(bits, false, bmax);
  REF[`vminu${s}`] = lane(bits, false, bmin);
  REF[`vmaxs${s}`] = lane(bits, true, bmax);
  REF[`vmins${s}`] = lane(bits, true, bmin);
  REF[`vcmpequ${s}`] = cmp(bits, false, (x, y) => x === y);
  REF[`vcmpgtu${s}`] = cmp(bits, false, (x, y) => x > y);
  REF[`vcmpgts${s}`] = cmp(bits, true, (x, y) => x > y);
  REF[`vrl${s}`] = lane(bits, false, (x, y) => rotl(x, y, bits));
  REF[`vsl${s}`] = lane(bits, false, (x, y) => x << (y % BigInt(bits)));
  REF[`vsr${s}`] = lane(bits, false, (x, y) => x >> (y % BigInt(bits)));
  REF[`vsra${s}`] = lane(bits, true, (x, y) => x >> (BigInt.asUintN(bits, y) % BigInt(bits)));
  REF[`vclz${s}`] = (_a, b) => ({
    t: join(
      elems(b, bits).map((x) => BigInt(clz(x, bits))),
      bits,
    ),
  });
  REF[`vpopcnt${s}`] = (_a, b) => ({
    t: join(
      elems(b, bits).map((x) => BigInt(popcount(x))),
      bits,
    ),
  });
  if (bits < 64) {
    REF[`vaddu${s}s`] = lane(bits, false, (x, y) => x + y, false);
    REF[`vsubu${s}s`] = lane(bits, false, (x, y) => x - y, false);
    REF[`vadds${s}s`] = lane(bits, true, (x, y) => x + y, true);
    REF[`vsubs${s}s`] = lane(bits, true, (x, y) => x - y, true);
    REF[`vavgu${s}`] = lane(bits, false, (x, y) => (x + y + 1n) >> 1n);
    REF[`vavgs${s}`] = lane(bits, true, (x, y) => (x + y + 1n) >> 1n);
    REF[`vmuleu${s}`] = mul(bits, false, false);
    REF[`vmulou${s}`] = mul(bits, false, true);
    REF[`vmules${s}`] = mul(bits, true, false);
    REF[`vmulos${s}`] = mul(bits, true, true);
  }
}
const EXTRA: Record<string, Ref> = {
  vaddcuw: lane(32, false, (x, y) => (x + y) >> 32n),
  vsubcuw: lane(32, false, (x, y) => (x >= y ? 1n : 0n)),
  vmuluwm: lane(32, false, (x, y) => x * y),
  vadduqm: (a, b) => ({ t: q(a + b) }),
  vaddcuq: (a, b) => ({ t: (a + b) >> 128n }),
  vaddeuqm: (a, b, c) => ({ t: q(a + b + (c & 1n)) }),
  vaddecuq: (a, b, c) => ({ t: (a + b + (c & 1n)) >> 128n }),
  vsubuqm: (a, b) => ({ t: q(a - b) }),
  vsubcuq: (a, b) => ({ t: a >= b ? 1n : 0n }),
  vsubeuqm: (a, b, c) => ({ t: q(a + (M(128) ^ b) + (c & 1n)) }),
  vsubecuq: (a, b, c) => ({ t: (a + (M(128) ^ b) + (c & 1n)) >> 128n }),
  vand: (a, b) => ({ t: a & b }),
  vandc: (a, b) => ({ t: a & ~b & M(128) }),
  vor: (a, b) => ({ t: a | b }),
  vorc: (a, b) => ({ t: (a | ~b) & M(128) }),
  vxor: (a, b) => ({ t: a ^ b }),
  vnor: (a, b) => ({ t: ~(a | b) & M(128) }),
  vnand: (a, b) => ({ t: ~(a & b) & M(128) }),
  veqv: (a, b) => ({ t: ~(a ^ b) & M(128) }),
  vsel: (a, b, c) => ({ t: (a & ~c & M(128)) | (b & c) }),
};
Object.assign(REF, EXTRA);

/** Three-input halfword ops and multiply-sums. */
function hw3(fn: (x: bigint, y: bigint, z: bigint) => bigint, sat: boolean): Ref {
  return (a, b, c) => {
    const [xa, xb, xc] = [a, b, c].map((v) => elems(v, 16).map((x) => sx(x, 16)));
    let s = false;
    const r = xa!.map((x, i) => {
      const v = fn(x, xb![i]!, xc![i]!);
      if (!sat) return v;
      const [cl, f] = clamp(v, 16, true);
      s ||= f;
      return cl;
    });
    return { t: join(r, 16), sat: s };
  };
}
REF.vmhaddshs = hw3((x, y, z) => ((x * y) >> 15n) + z, true);
REF.vmhraddshs = hw3((x, y, z) => ((x * y + 0x4000n) >> 15n) + z, true);
REF.vmladduhm = hw3((x, y, z) => x * y + z, false);

function msum(bits: 8 | 16, sa: boolean, sb: boolean, sat: 'none' | 'u' | 's'): Ref {
  return (a, b, c) => {
    const xa = elems(a, bits).map((x) => (sa ? sx(x, bits) : x));
    const xb = elems(b, bits).map((x) => (sb ? sx(x, bits) : x));
    const xc = elems(c, 32).map((x) => (sat === 's' ? sx(x, 32) : x));
    const per = 32 / bits;
    let s = false;
    const r = xc.map((z, w) => {
      let v = z;
      for (let k = 0; k < per; k++) v += xa[w * per + k]! * xb[w * per + k]!;
      if (sat === 'none') return v;
      const [cl, f] = clamp(v, 32, sat === 's');
      s ||= f;
      return cl;
    });
    return { t: join(r, 32), sat: s };
  };
}
REF.vmsumubm = msum(8, false, false, 'none');
REF.vmsummbm = msum(8, true, false, 'none');
REF.vmsumuhm = msum(16, false, false, 'none');
REF.vmsumuhs = msum(16, false, false, 'u');
REF.vmsumshm = msum(16, true, true, 'none');
REF.vmsumshs = msum(16, true, true, 's');

function sum4(bits: 8 | 16, signed: boolean): Ref {
  return (a, b) => {
    const xa = elems(a, bits).map((x) => (signed ? sx(x, bits) : x));
    const xb = elems(b, 32).map((x) => (signed ? sx(x, 32) : x));
    const per = 32 / bits;
    let s = false;
    const r = xb.map((z, w) => {
      let v = z;
      for (let k = 0; k < per; k++) v += xa[w * per + k]!;
      const [cl, f] = clamp(v, 32, signed);
      s ||= f;
      return cl;
    });
    return { t: join(r, 32), sat: s };
  };
}
REF.vsum4ubs = sum4(8, false);
REF.vsum4sbs = sum4(8, true);
REF.vsum4shs = sum4(16, true);
REF.vsum2sws = (a, b) => {
  const xa = elems(a, 32).map((x) => sx(x, 32));
  const xb = elems(b, 32).map((x) => sx(x, 32));
  const [r1, s1] = clamp(xa[0]! + xa[1]! + xb[1]!, 32, true);
  const [r3, s3] = clamp(xa[2]! + xa[3]! + xb[3]!, 32, true);
  return { t: join([0n, r1, 0n, r3], 32), sat: s1 || s3 };
};
REF.vsumsws = (a, b) => {
  const xa = elems(a, 32).map((x) => sx(x, 32));
  const [r, s] = clamp(xa.reduce((p, x) => p + x, 0n) + sx(elems(b, 32)[3]!, 32), 32, true);
  return { t: join([0n, 0n, 0n, r], 32), sat: s };
};

const UNARY = /^(vclz|vpopcnt)/;
const THREE = new Set(['vaddeuqm', 'vaddecuq', 'vsubeuqm', 'vsubecuq', 'vsel', 'vmhaddshs', 'vmhraddshs', 'vmladduhm']);
const CMP = /^vcmp/;

/** A vector from 16 bytes, each special or random. */
const byteArb = fc.oneof(fc.constantFrom(0, 0xff, 0x7f, 0x80, 1, 0xfe), fc.integer({ min: 0, max: 255 }));
const vecArb = fc
  .array(byteArb, { minLength: 16, maxLength: 16 })
  .map((bs) => bs.reduce((v, x) => (v << 8n) | BigInt(x), 0n));

function check(rig: Rig, m: string, a: bigint, b: bigint, c: bigint, rc: boolean, alias: boolean, sat0: number): void {
  const ref = REF[m]!;
  const want = ref(a, b, c);
  rig.setV(1, a);
  rig.setV(2, b);
  rig.setV(4, c);
  rig.vscr = 0x10000 | sat0;
  rig.cr = 0xffffffff;
  const t = alias ? 1 : 3;
  const text = UNARY.test(m)
    ? `${m} ${t},2`
    : THREE.has(m) || m.startsWith('vmsum')
      ? `${m} ${t},1,2,4`
      : `${m}${rc ? '.' : ''} ${t},1,2`;
  expect(rig.run(text).kind).toBe('budget');
  expect(rig.getV(t).toString(16), `${text} a=${a.toString(16)} b=${b.toString(16)} c=${c.toString(16)}`).toBe(
    want.t.toString(16),
  );
  expect(rig.vscr & 1, `${m} SAT`).toBe(sat0 | (want.sat ? 1 : 0));
  if (rc) expect(rig.cr6, `${m} CR6`).toBe(want.cr6);
  else expect(rig.cr).toBe(0xffffffff);
}

describe('VMX integer instructions vs reference models', () => {
  const rig = new Rig();
  for (const m of Object.keys(REF).sort()) {
    it(m, () => {
      fc.assert(
        fc.property(
          vecArb,
          vecArb,
          vecArb,
          fc.boolean(),
          fc.boolean(),
          fc.integer({ min: 0, max: 1 }),
          (a, b, c, rc, alias, sat0) => {
            check(rig, m, a, b, c, rc && CMP.test(m), alias, sat0);
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('vcmpequb. sets CR6 all-true / all-false exactly', () => {
    const x = 0x0123456789abcdef0011223344556677n;
    check(rig, 'vcmpequb', x, x, 0n, true, false, 0);
    expect(rig.cr6).toBe(8);
    check(rig, 'vcmpequb', x, ~x & M(128), 0n, true, false, 0);
    expect(rig.cr6).toBe(2);
  });

  it('known vectors: saturation, carries, averages', () => {
    const r = new Rig();
    r.setV(1, join([0x7fn, 0x80n, 0xffn, 1n, ...Array(12).fill(0n)], 8));
    r.setV(2, join([1n, 0xffn, 1n, 0xffn, ...Array(12).fill(0n)], 8));
    r.vscr = 0;
    r.run('vaddsbs 3,1,2');
    expect(elems(r.getV(3), 8).slice(0, 4)).toEqual([0x7fn, 0x80n, 0n, 0n]);
    expect(r.vscr).toBe(1);
    r.vscr = 0;
    r.run('vaddubs 3,1,2');
    expect(elems(r.getV(3), 8).slice(0, 4)).toEqual([0x80n, 0xffn, 0xffn, 0xffn]);
    expect(r.vscr).toBe(1);
    r.setV(1, join([0xffffffffn, 1n, 0x80000000n, 5n], 32));
    r.setV(2, join([1n, 1n, 0x80000000n, 3n], 32));
    r.run('vaddcuw 3,1,2');
    expect(elems(r.getV(3), 32)).toEqual([1n, 0n, 1n, 0n]);
    r.run('vsubcuw 3,1,2');
    expect(elems(r.getV(3), 32)).toEqual([1n, 1n, 1n, 1n]);
    r.run('vavguw 3,1,2');
    expect(elems(r.getV(3), 32)).toEqual([0x80000000n, 1n, 0x80000000n, 4n]);
  });
});
