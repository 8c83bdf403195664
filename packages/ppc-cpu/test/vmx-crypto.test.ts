/**
 * VMX crypto and decimal instructions (Power ISA 2.07 Book I ch. 6):
 * AES-128 with vcipher/vncipher against FIPS-197 Appendix C.1, SHA-256 and
 * SHA-512 of "abc" with vshasigmaw/d against FIPS 180-4's examples, vpmsum*
 * against a BigInt carry-less product, bcdadd./bcdsub. against BigInt decimals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elems, join, Rig } from './vmx-support.js';

const hex = (v: bigint, bytes = 16) => v.toString(16).padStart(2 * bytes, '0');

describe('AES (vcipher, vcipherlast, vncipher, vncipherlast, vsbox)', () => {
  const rig = new Rig();

  /** The S-box as vsbox computes it, 16 bytes at a time. */
  function sbox(): number[] {
    const out: number[] = [];
    for (let i = 0; i < 256; i += 16) {
      rig.setV(
        1,
        join(
          Array.from({ length: 16 }, (_, k) => BigInt(i + k)),
          8,
        ),
      );
      rig.run('vsbox 2,1');
      out.push(...elems(rig.getV(2), 8).map(Number));
    }
    return out;
  }

  it('vsbox is the FIPS-197 S-box', () => {
    const s = sbox();
    expect([s[0x00], s[0x01], s[0x53], s[0xff], s[0x10], s[0xc9]]).toEqual([0x63, 0x7c, 0xed, 0x16, 0xca, 0xdd]);
    expect(new Set(s).size).toBe(256);
  });

  it('encrypts and decrypts the FIPS-197 C.1 AES-128 example', () => {
    const S = sbox();
    // Key expansion (FIPS-197 §5.2).
    const key = [0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f];
    const w = [...key];
    let rcon = 1;
    for (let i = 4; i < 44; i++) {
      let t = w[i - 1]!;
      if (i % 4 === 0) {
        t = ((t << 8) | (t >>> 24)) >>> 0;
        t = ((S[t >>> 24]! << 24) | (S[(t >>> 16) & 255]! << 16) | (S[(t >>> 8) & 255]! << 8) | S[t & 255]!) >>> 0;
        t = (t ^ (rcon << 24)) >>> 0;
        rcon = rcon & 0x80 ? ((rcon << 1) ^ 0x11b) & 0xff : rcon << 1;
      }
      w.push((w[i - 4]! ^ t) >>> 0);
    }
    const rk = (r: number) =>
      join(
        w.slice(4 * r, 4 * r + 4).map((x) => BigInt(x)),
        32,
      );
    const plain = 0x00112233445566778899aabbccddeeffn;
    rig.setV(1, plain ^ rk(0));
    for (let r = 1; r < 10; r++) {
      rig.setV(2, rk(r));
      rig.run('vcipher 1,1,2');
    }
    rig.setV(2, rk(10));
    rig.run('vcipherlast 3,1,2');
    expect(hex(rig.getV(3))).toBe('69c4e0d86a7b0430d8cdb78070b4c55a');

    rig.setV(1, rig.getV(3) ^ rk(10));
    for (let r = 9; r >= 1; r--) {
      rig.setV(2, rk(r));
      rig.run('vncipher 1,1,2');
    }
    rig.setV(2, rk(0));
    rig.run('vncipherlast 4,1,2');
    expect(hex(rig.getV(4))).toBe(hex(plain));
  });
});

// ---- SHA-2 constants from their definitions (FIPS 180-4 §4.2, §5.3) --------------------------

function primes(n: number): bigint[] {
  const out: bigint[] = [];
  for (let x = 2; out.length < n; x++) if (out.every((p) => BigInt(x) % p !== 0n)) out.push(BigInt(x));
  return out;
}

/** floor(x^(1/k)) for BigInt x. */
function iroot(x: bigint, k: bigint): bigint {
  let lo = 0n;
  let hi = 1n << (BigInt(x.toString(2).length) / k + 1n);
  while (lo < hi) {
    const mid = (lo + hi + 1n) >> 1n;
    if (mid ** k <= x) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

/** First `bits` bits of the fractional part of p^(1/k). */
const frac = (p: bigint, k: bigint, bits: bigint) => iroot(p << (k * bits), k) & ((1n << bits) - 1n);

describe('SHA-2 sigma functions (vshasigmaw, vshasigmad)', () => {
  const rig = new Rig();

  it('SHA-256("abc") with sigma/Sigma from vshasigmaw', () => {
    const P = primes(64);
    const K = P.map((p) => Number(frac(p, 3n, 32n)));
    const H = P.slice(0, 8).map((p) => Number(frac(p, 2n, 32n)));
    /** Words 0,1 <- f0(x) and words 2,3 <- f1(y): ST picks the sigma (0) or Sigma (1) pair. */
    const sig = (st: number, x: number, y: number): [number, number] => {
      rig.setV(1, join([x, x, y, y].map(BigInt), 32));
      rig.run(`vshasigmaw 2,1,${st},3`);
      const r = elems(rig.getV(2), 32).map(Number);
      return [r[0]!, r[2]!];
    };
    const msg = new Uint8Array(64);
    msg.set([0x61, 0x62, 0x63, 0x80]);
    msg[63] = 24;
    const W: number[] = [];
    for (let t = 0; t < 16; t++) W.push(new DataView(msg.buffer).getUint32(4 * t));
    for (let t = 16; t < 64; t++) {
      const [s0, s1] = sig(0, W[t - 15]!, W[t - 2]!);
      W.push((s1 + W[t - 7]! + s0 + W[t - 16]!) >>> 0);
    }
    let [a, b, c, d, e, f, g, h] = H as [number, number, number, number, number, number, number, number];
    for (let t = 0; t < 64; t++) {
      const [S0, S1] = sig(1, a, e);
      const ch = (e & f) ^ (~e & g);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t1 = (h + S1 + ch + K[t]! + W[t]!) >>> 0;
      const t2 = (S0 + maj) >>> 0;
      [h, g, f, e, d, c, b, a] = [g, f, e, (d + t1) >>> 0, c, b, a, (t1 + t2) >>> 0];
    }
    const out = [a, b, c, d, e, f, g, h].map((x, i) => ((x + H[i]!) >>> 0).toString(16).padStart(8, '0')).join('');
    expect(out).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('SHA-512("abc") with sigma/Sigma from vshasigmad', () => {
    const M64 = (1n << 64n) - 1n;
    const P = primes(80);
    const K = P.map((p) => frac(p, 3n, 64n));
    const H = P.slice(0, 8).map((p) => frac(p, 2n, 64n));
    /** Doubleword 0 <- f0(x) (SIX bit 0 = 0), doubleword 1 <- f1(y) (SIX bit 2 = 1). */
    const sig = (st: number, x: bigint, y: bigint): [bigint, bigint] => {
      rig.setV(1, join([x, y], 64));
      rig.run(`vshasigmad 2,1,${st},3`);
      const r = elems(rig.getV(2), 64);
      return [r[0]!, r[1]!];
    };
    const W: bigint[] = [0x6162638000000000n, ...Array(14).fill(0n), 24n];
    for (let t = 16; t < 80; t++) {
      const [s0, s1] = sig(0, W[t - 15]!, W[t - 2]!);
      W.push((s1 + W[t - 7]! + s0 + W[t - 16]!) & M64);
    }
    let [a, b, c, d, e, f, g, h] = H as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
    for (let t = 0; t < 80; t++) {
      const [S0, S1] = sig(1, a, e);
      const ch = (e & f) ^ (~e & M64 & g);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t1 = (h + S1 + ch + K[t]! + W[t]!) & M64;
      const t2 = (S0 + maj) & M64;
      [h, g, f, e, d, c, b, a] = [g, f, e, (d + t1) & M64, c, b, a, (t1 + t2) & M64];
    }
    const out = [a, b, c, d, e, f, g, h].map((x, i) => hex((x + H[i]!) & M64, 8)).join('');
    expect(out).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });

  it('SIX selects the function per element', () => {
    const x = 0x12345678n;
    rig.setV(1, join([x, x, x, x], 32));
    rig.run('vshasigmaw 2,1,0,10'); // 0b1010: words 0 and 2 use sigma1
    const r = elems(rig.getV(2), 32);
    expect(r[0]).toBe(r[2]);
    expect(r[1]).toBe(r[3]);
    expect(r[0]).not.toBe(r[1]);
  });
});

describe('vpmsumb/h/w/d', () => {
  const rig = new Rig();
  const clmul = (a: bigint, b: bigint) => {
    let r = 0n;
    for (let i = 0n; b >> i; i++) if ((b >> i) & 1n) r ^= a << i;
    return r;
  };
  const vec = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
  for (const [m, bits] of [
    ['vpmsumb', 8],
    ['vpmsumh', 16],
    ['vpmsumw', 32],
    ['vpmsumd', 64],
  ] as const) {
    it(`${m} xors the carry-less products of element pairs`, () => {
      fc.assert(
        fc.property(vec, vec, (a, b) => {
          const ea = elems(a, bits);
          const eb = elems(b, bits);
          const want: bigint[] = [];
          for (let i = 0; i < ea.length; i += 2) want.push(clmul(ea[i]!, eb[i]!) ^ clmul(ea[i + 1]!, eb[i + 1]!));
          rig.setV(1, a);
          rig.setV(2, b);
          rig.run(`${m} 3,1,2`);
          expect(hex(rig.getV(3))).toBe(hex(join(want, 2 * bits)));
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('bcdadd. / bcdsub.', () => {
  const rig = new Rig();
  const TEN31 = 10n ** 31n;

  /** Packed signed decimal: 31 digits then the sign code in the low nibble. */
  const pack = (mag: bigint, sign: number) => (BigInt(`0x${mag.toString().padStart(31, '0')}`) << 4n) | BigInt(sign);
  const value = (v: bigint): bigint | undefined => {
    const code = Number(v & 15n);
    const digits = (v >> 4n).toString(16).padStart(31, '0');
    if (!/^[0-9]+$/.test(digits) || code < 10) return undefined;
    const mag = BigInt(digits);
    return code === 0xb || code === 0xd ? -mag : mag;
  };

  function expected(a: bigint, b: bigint, sub: boolean, ps: number): { t: bigint; cr6: number } {
    const x = value(a);
    const y = value(b);
    if (x === undefined || y === undefined) return { t: (1n << 128n) - 1n, cr6: 1 };
    const r = sub ? x - y : x + y;
    const mag = r < 0n ? -r : r;
    const ox = mag >= TEN31 ? 1 : 0;
    return { t: pack(mag % TEN31, r < 0n ? 0xd : ps ? 0xf : 0xc), cr6: (r < 0n ? 8 : r > 0n ? 4 : 2) | ox };
  }

  function run(m: string, a: bigint, b: bigint, ps: number): { t: bigint; cr6: number } {
    rig.setV(1, a);
    rig.setV(2, b);
    rig.cr = 0;
    rig.run(`${m} 3,1,2,${ps}`);
    return { t: rig.getV(3), cr6: rig.cr6 };
  }

  it('known cases', () => {
    expect(run('bcdadd.', pack(123n, 0xc), pack(456n, 0xc), 0)).toEqual({ t: pack(579n, 0xc), cr6: 4 });
    expect(run('bcdadd.', pack(123n, 0xa), pack(456n, 0xb), 1)).toEqual({ t: pack(333n, 0xd), cr6: 8 });
    expect(run('bcdsub.', pack(5n, 0xc), pack(5n, 0xf), 1)).toEqual({ t: pack(0n, 0xf), cr6: 2 });
    // -0 + -0 is a positive zero.
    expect(run('bcdadd.', pack(0n, 0xd), pack(0n, 0xb), 0)).toEqual({ t: pack(0n, 0xc), cr6: 2 });
    // Overflow keeps the low 31 digits and sets SO.
    expect(run('bcdadd.', pack(TEN31 - 1n, 0xc), pack(1n, 0xc), 0)).toEqual({ t: pack(0n, 0xc), cr6: 5 });
    expect(run('bcdsub.', pack(TEN31 - 1n, 0xd), pack(2n, 0xc), 0)).toEqual({ t: pack(1n, 0xd), cr6: 9 });
    // Invalid digit or sign code: CR6 = 0b0001.
    expect(run('bcdadd.', pack(0n, 0xc) | (0xan << 8n), pack(1n, 0xd), 0).cr6).toBe(1);
    expect(run('bcdadd.', pack(1n, 0x9), pack(1n, 0xc), 0).cr6).toBe(1);
  });

  it('matches BigInt decimal arithmetic', () => {
    const mag = fc.oneof(
      fc.bigInt({ min: 0n, max: TEN31 - 1n }),
      fc.bigInt({ min: 0n, max: 999n }),
      fc.constantFrom(0n, TEN31 - 1n, TEN31 / 2n),
    );
    const sign = fc.constantFrom(0xa, 0xb, 0xc, 0xd, 0xe, 0xf);
    const operand = fc.oneof(
      { weight: 9, arbitrary: fc.tuple(mag, sign).map(([m, s]) => pack(m, s)) },
      { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }) },
    );
    fc.assert(
      fc.property(operand, operand, fc.boolean(), fc.integer({ min: 0, max: 1 }), (a, b, sub, ps) => {
        const got = run(sub ? 'bcdsub.' : 'bcdadd.', a, b, ps);
        const want = expected(a, b, sub, ps);
        expect(got.cr6).toBe(want.cr6);
        expect(hex(got.t)).toBe(hex(want.t));
      }),
      { numRuns: 1000 },
    );
  });
});
