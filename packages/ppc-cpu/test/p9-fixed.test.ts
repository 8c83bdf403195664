/**
 * POWER9 fixed-point instructions (Power ISA 3.0 Book I §3.3, Book II §4.5) and the ISA 2.06
 * decimal assists, with vectors worked out from the ISA pseudocode.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { P9_FIXED_ALL } from '../src/isa/p9-fixed.js';
import { compileInsn, decodeFields } from '../src/table.js';
import { DATA, P9Rig } from './p9-rig.js';

const M64 = (1n << 64n) - 1n;

describe('addpcis, setb, extswsli, addex', () => {
  it('addpcis adds D || 0x0000 to the next instruction address; lnia is D = 0', () => {
    const r = new P9Rig();
    r.run('addpcis 3,1', 'lnia 4', 'addpcis 5,-1');
    expect(r.r(3)).toBe(0x1004n + 0x10000n);
    expect(r.r(4)).toBe(0x1008n);
    expect(r.r(5)).toBe(BigInt.asUintN(64, 0x100cn - 0x10000n));
  });

  it('setb: -1 for LT, 1 for GT, else 0', () => {
    const r = new P9Rig();
    r.cr = 0x8_4_2_1_c_0_6_0;
    r.run('setb 3,cr0', 'setb 4,cr1', 'setb 5,cr2', 'setb 6,cr3', 'setb 7,cr4', 'setb 8,cr5', 'setb 9,cr6');
    expect([3, 4, 5, 6, 7, 8, 9].map((n) => r.r(n))).toEqual([M64, 1n, 0n, 0n, M64, 0n, 1n]);
  });

  it('extswsli sign-extends the low word and shifts; Rc=1 sets CR0 on the 64-bit result', () => {
    const r = new P9Rig();
    r.setR(4, 0x1234_5678_8000_0001n);
    r.run('extswsli 3,4,33', 'extswsli. 5,4,4', 'extswsli. 6,4,0');
    expect(r.r(3)).toBe(0x2_0000_0000n);
    expect(r.r(5)).toBe(0xffff_fff8_0000_0010n);
    expect(r.r(6)).toBe(0xffff_ffff_8000_0001n);
    expect(r.crf(0)).toBe(8);
  });

  it('addex adds OV as a carry and returns the carries out of bits 0 and 32 in OV and OV32', () => {
    const r = new P9Rig();
    r.setR(4, M64);
    r.setR(5, 0n);
    r.ov = [1, 0];
    r.run('addex 3,4,5,0');
    expect(r.r(3)).toBe(0n);
    expect(r.ov).toEqual([1, 1]);
    r.setR(4, 0x7fff_ffffn);
    r.setR(5, 1n);
    r.ov = [0, 0];
    r.run('addex 3,4,5,0');
    expect(r.r(3)).toBe(0x8000_0000n);
    expect(r.ov).toEqual([0, 0]);
    r.setR(4, 0xffff_ffffn);
    r.run('addex 3,4,5,0');
    expect(r.ov).toEqual([0, 1]);
  });

  it('addex with a reserved CY value is an invalid form (illegal instruction)', () => {
    const r = new P9Rig();
    // addex r3,r4,r5,1: CY in bits 21:22.
    expect(r.runWord(0x7c642b54).kind).toBe('illegal');
  });

  it('is not decoded on POWER8', () => {
    const r = new P9Rig({ model: 'power8' });
    expect(r.runWord(0x4c600005).kind).toBe('illegal'); // addpcis r3,1
  });
});

describe('darn', () => {
  it('L=0 gives a zero-extended 32-bit number, L=1 and L=2 64-bit numbers, L=3 (reserved) all ones', () => {
    const r = new P9Rig();
    const seen = new Set<bigint>();
    for (let i = 0; i < 8; i++) {
      // darn executors are reached through the table once fixed-arith.ts drops its decode-only entry.
      runExec(r, 'darn', 0x7c6005e6); // darn r3,0
      expect(r.r(3) >> 32n).toBe(0n);
      runExec(r, 'darn', 0x7c6105e6); // darn r3,1
      seen.add(r.r(3));
      expect(r.r(3)).not.toBe(M64);
      runExec(r, 'darn', 0x7c6205e6); // darn r3,2
      expect(r.r(3)).not.toBe(M64);
    }
    expect(seen.size).toBeGreaterThan(4);
    runExec(r, 'darn', 0x7c6305e6);
    expect(r.r(3)).toBe(M64);
  });

  it('draws from CpuHooks.random when given (deterministic runs)', () => {
    const r = new P9Rig();
    let n = 0;
    r.cpu.hooks = {
      random: (b) => {
        for (let i = 0; i < b.length; i++) b[i] = (n + i) & 0xff;
        n += 8;
      },
    };
    runExec(r, 'darn', 0x7c6105e6); // darn r3,1: the words (little-endian bytes 0..7)
    expect(r.r(3)).toBe(0x0706050403020100n);
    runExec(r, 'darn', 0x7c6005e6); // darn r3,0: the low word of the next draw
    expect(r.r(3)).toBe(0x0b0a0908n);
  });
});

/** Run one instruction through the p9-fixed.ts executor (table entry or not). */
function runExec(r: P9Rig, m: string, word: number): void {
  const def = P9_FIXED_ALL.find((d) => d.m === m)!;
  const ci = compileInsn(def);
  expect((word & ci.mask) >>> 0).toBe(ci.match);
  expect(def.exec!(decodeFields(ci, word), def)(r.cpu)).toBe(0);
}

describe('multiply-add (maddhd, maddhdu, maddld)', () => {
  const word = (xo: number) => ((4 << 26) | (3 << 21) | (4 << 16) | (5 << 11) | (6 << 6) | xo) >>> 0;
  const cases: [string, number, (a: bigint, b: bigint, c: bigint) => bigint][] = [
    ['maddhd', 48, (a, b, c) => (BigInt.asIntN(64, a) * BigInt.asIntN(64, b) + BigInt.asIntN(64, c)) >> 64n],
    ['maddhdu', 49, (a, b, c) => (a * b + c) >> 64n],
    ['maddld', 51, (a, b, c) => BigInt.asIntN(64, a) * BigInt.asIntN(64, b) + BigInt.asIntN(64, c)],
  ];
  for (const [m, xo, ref] of cases) {
    it(`${m} equals the 128-bit sum of the ISA pseudocode`, () => {
      const r = new P9Rig();
      const edge = fc.constantFrom(0n, 1n, M64, 1n << 63n, (1n << 63n) - 1n, 10n);
      const v = fc.oneof(edge, fc.bigInt({ min: 0n, max: M64 }));
      fc.assert(
        fc.property(v, v, v, (a, b, c) => {
          r.setR(4, a);
          r.setR(5, b);
          r.setR(6, c);
          runExec(r, m, word(xo));
          expect(r.r(3)).toBe(BigInt.asUintN(64, ref(a, b, c)));
        }),
        { numRuns: 300 },
      );
    });
  }
  it('worked examples', () => {
    const r = new P9Rig();
    r.setR(4, M64);
    r.setR(5, M64);
    r.setR(6, M64);
    runExec(r, 'maddhdu', word(49)); // (2^64-1)^2 + 2^64-1 = 2^128 - 2^64
    expect(r.r(3)).toBe(M64);
    runExec(r, 'maddhd', word(48)); // (-1)(-1) + (-1) = 0
    expect(r.r(3)).toBe(0n);
    r.setR(4, 3n);
    r.setR(5, 5n);
    r.setR(6, 7n);
    runExec(r, 'maddld', word(51));
    expect(r.r(3)).toBe(22n);
  });
});

describe('atomic memory operations (lwat, ldat, stwat, stdat)', () => {
  const put64 = (r: P9Rig, at: number, v: bigint) => r.dv.setBigUint64(at, v, true);
  const get64 = (r: P9Rig, at: number) => r.dv.getBigUint64(at, true);
  const put32 = (r: P9Rig, at: number, v: number) => r.dv.setUint32(at, v >>> 0, true);
  const get32 = (r: P9Rig, at: number) => r.dv.getUint32(at, true);

  it('ldat fetch-and-op: RT gets the old value, memory the result with (RT+1)', () => {
    const ops: [number, bigint, bigint, bigint][] = [
      // FC, memory, RT+1, new memory
      [0, 5n, 7n, 12n],
      [1, 0xf0n, 0xffn, 0x0fn],
      [2, 0xf0n, 0x0fn, 0xffn],
      [3, 0xf0n, 0x3cn, 0x30n],
      [4, M64, 1n, M64], // max unsigned
      [5, M64, 1n, 1n], // max signed: -1 < 1
      [6, M64, 1n, 1n], // min unsigned
      [7, M64, 1n, M64], // min signed
      [8, 0x1234n, 0x5678n, 0x5678n], // swap
    ];
    for (const [code, mem, v, want] of ops) {
      const r = new P9Rig();
      put64(r, DATA + 8, mem);
      r.setR(3, DATA + 8);
      r.setR(5, v);
      r.run(`ldat 4,3,${code}`);
      expect([code, r.r(4), get64(r, DATA + 8)]).toEqual([code, mem, want]);
    }
  });

  it('lwat works on words and zero-extends; signed max/min compare words as signed', () => {
    const r = new P9Rig();
    put32(r, DATA + 4, 0xa9d69880);
    r.setR(3, DATA + 4);
    r.setR(5, 0xffff_ffff_1cbf_28f3n);
    r.run('lwat 4,3,5');
    expect(r.r(4)).toBe(0xa9d69880n);
    expect(get32(r, DATA + 4)).toBe(0x1cbf28f3);
  });

  it('compare and swap not equal stores (RT+2) only when memory differs from (RT+1); RT+1 wraps to r0', () => {
    const r = new P9Rig();
    put64(r, DATA, 10n);
    r.setR(3, DATA);
    r.setR(5, 10n);
    r.setR(6, 99n);
    r.run('ldat 4,3,16');
    expect([r.r(4), get64(r, DATA)]).toEqual([10n, 10n]);
    r.setR(5, 11n);
    r.run('ldat 4,3,16');
    expect([r.r(4), get64(r, DATA)]).toEqual([10n, 99n]);
    // RT=31: RT+1 = r0, RT+2 = r1.
    r.setR(0, 1n);
    r.setR(1, 7n);
    r.run('ldat 31,3,16');
    expect([r.r(31), get64(r, DATA)]).toEqual([99n, 7n]);
  });

  it('fetch and increment bounded / equal compare with the next element, decrement bounded with the previous', () => {
    const r = new P9Rig();
    r.setR(3, DATA + 8);
    put64(r, DATA, 5n);
    put64(r, DATA + 8, 5n);
    put64(r, DATA + 16, 6n);
    r.run('ldat 4,3,24'); // 5 != 6: increment
    expect([r.r(4), get64(r, DATA + 8)]).toEqual([5n, 6n]);
    r.run('ldat 4,3,24'); // 6 == 6: bounded
    expect([r.r(4), get64(r, DATA + 8)]).toEqual([1n << 63n, 6n]);
    r.run('ldat 4,3,25'); // equal: increment
    expect([r.r(4), get64(r, DATA + 8)]).toEqual([6n, 7n]);
    r.run('ldat 4,3,28'); // 7 != 5 below: decrement
    expect([r.r(4), get64(r, DATA + 8)]).toEqual([7n, 6n]);
    put64(r, DATA + 8, 5n);
    r.run('ldat 4,3,28'); // equal to the element below: bounded
    expect([r.r(4), get64(r, DATA + 8)]).toEqual([1n << 63n, 5n]);
    put32(r, DATA + 4, 9);
    put32(r, DATA + 8, 9);
    r.setR(3, DATA + 4);
    r.run('lwat 4,3,24');
    expect(r.r(4)).toBe(0x8000_0000n);
  });

  it('stwat / stdat store-op and store twin', () => {
    const r = new P9Rig();
    put64(r, DATA, 40n);
    r.setR(3, DATA);
    r.setR(4, 2n);
    r.run('stdat 4,3,0');
    expect(get64(r, DATA)).toBe(42n);
    put32(r, DATA + 16, 3);
    put32(r, DATA + 20, 3);
    r.setR(3, DATA + 16);
    r.setR(4, 0x1_0000_0077n);
    r.run('stwat 4,3,24');
    expect([get32(r, DATA + 16), get32(r, DATA + 20)]).toEqual([0x77, 0x77]);
    put32(r, DATA + 20, 1);
    r.setR(4, 5n);
    r.run('stwat 4,3,24');
    expect([get32(r, DATA + 16), get32(r, DATA + 20)]).toEqual([0x77, 1]);
  });

  it('misaligned operands and bounded forms leaving their 32-byte block take the alignment interrupt', () => {
    const r = new P9Rig();
    r.setR(3, DATA + 4);
    expect(r.run('ldat 4,3,0').kind).toBe('alignment');
    r.setR(3, DATA + 24);
    expect(r.run('ldat 4,3,24').kind).toBe('alignment'); // EA+8 is in the next block
    r.setR(3, DATA);
    expect(r.run('ldat 4,3,28').kind).toBe('alignment'); // EA-8 is in the previous block
    r.setR(3, DATA + 28);
    expect(r.run('stwat 4,3,24').kind).toBe('alignment');
  });

  it('reserved function codes are invalid forms', () => {
    const r = new P9Rig();
    r.setR(3, DATA);
    expect(r.run('lwat 4,3,9').kind).toBe('illegal');
    expect(r.run('stdat 4,3,8').kind).toBe('illegal');
  });
});

describe('decimal assists (cdtbcd, cbcdtd, addg6s)', () => {
  const bcd3 = (n: number) => ((Math.floor(n / 100) % 10) << 8) | ((Math.floor(n / 10) % 10) << 4) | (n % 10);

  it('cbcdtd then cdtbcd is the identity on every three-digit group, and known declets match IEEE 754-2008', () => {
    const r = new P9Rig();
    const known = new Map([
      [0, 0x000],
      [9, 0x009],
      [80, 0x00a],
      [99, 0x05f],
      [555, 0x2d5],
      [999, 0x0ff],
    ]);
    for (let n = 0; n < 1000; n++) {
      const m = 999 - n;
      // Word 1: two groups n, m; word 0: m, n.
      r.setR(4, (BigInt((bcd3(n) << 12) | bcd3(m)) << 32n) | BigInt((bcd3(m) << 12) | bcd3(n)));
      r.run('cbcdtd 3,4', 'cdtbcd 5,3');
      const d = r.r(3);
      expect(Number(d & 0x3ffn)).toBe(Number((d >> 42n) & 0x3ffn));
      if (known.has(n)) expect(Number(d & 0x3ffn)).toBe(known.get(n));
      expect(r.r(5)).toBe(r.r(4));
    }
  });

  it('cdtbcd decodes non-canonical declets like their canonical twins', () => {
    const r = new P9Rig();
    r.setR(4, 0x3ffn | (0x2ffn << 10n));
    r.run('cdtbcd 3,4');
    expect(r.r(3)).toBe(0x999999n);
  });

  it('addg6s puts 6 in each nibble without a carry out', () => {
    const r = new P9Rig();
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: M64 }), fc.bigInt({ min: 0n, max: M64 }), (a, b) => {
        r.setR(4, a);
        r.setR(5, b);
        r.run('addg6s 3,4,5');
        const carries = (a + b) ^ a ^ b; // bit k: carry into bit k
        let want = 0n;
        for (let i = 0; i < 16; i++) if (((carries >> BigInt(4 * i + 4)) & 1n) === 0n) want |= 6n << BigInt(4 * i);
        expect(r.r(3)).toBe(want);
      }),
      { numRuns: 200 },
    );
    r.setR(4, 0xfn);
    r.setR(5, 1n);
    r.run('addg6s 3,4,5');
    expect(r.r(3)).toBe(0x6666_6666_6666_6660n);
  });
});
