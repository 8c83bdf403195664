/**
 * lqarx / stqcx. between CPUs sharing RAM (Book II §4.4.2): JavaScript has no 128-bit
 * compare-and-swap, so stqcx. is two 64-bit swaps with an undo (src/isa/fixed-ldst.ts). A store
 * by another CPU to either doubleword after the lqarx must make stqcx. fail and leave memory
 * as that store made it.
 */
import { describe, expect, it } from 'vitest';
import { Cpu, CpuDomain } from '../src/index.js';
import { enc } from './support/encode.js';

const SC = enc('sc', { lev: 0 });
const Q = 0x3000;

function pair() {
  const ram = new SharedArrayBuffer(0x10000);
  const dv = new DataView(ram);
  const translator = { translate: (hi: number, lo: number) => (hi === 0 && lo >>> 0 < 0x10000 ? lo >>> 0 : -1) };
  const domain = CpuDomain.create({ ramBytes: ram.byteLength, cpus: 2 });
  const cpus = [0, 1].map((i) => new Cpu({ ram, translator, domain, domainIndex: i, jit: false }));
  const put = (addr: number, words: number[]) =>
    words.forEach((w, i) => {
      dv.setUint32(addr + 4 * i, w >>> 0, true);
    });
  // 0x1000: lqarx r10,0,r5; sc     0x1100: stqcx. r6,0,r5; mfcr r3; sc     0x1200: std r8,0(r9); sc
  put(0x1000, [enc('lqarx', { rt: 10, ra: 0, rb: 5, eh: 0 }), SC]);
  put(0x1100, [enc('stqcx.', { rs: 6, ra: 0, rb: 5 }), enc('mfcr', { rt: 3 }), SC]);
  put(0x1200, [enc('std', { rs: 8, ra: 9, ds: 0 }), SC]);
  const run = (c: Cpu, pc: number) => {
    c.set64(64, BigInt(pc));
    expect(c.run(100).kind).toBe('syscall');
  };
  for (const c of cpus) {
    c.setGpr(5, BigInt(Q));
    c.setGpr(6, 0x6666666666666666n);
    c.setGpr(7, 0x7777777777777777n);
  }
  dv.setBigUint64(Q, 0x1111111111111111n, true);
  dv.setBigUint64(Q + 8, 0x2222222222222222n, true);
  const reserve = (c: Cpu) => run(c, 0x1000);
  /** stqcx. on `c`: true when CR0[EQ] says it stored. */
  const storeCond = (c: Cpu) => {
    run(c, 0x1100);
    return ((Number(c.getGpr(3)) >>> 29) & 1) === 1;
  };
  const store = (c: Cpu, addr: number, v: bigint) => {
    c.setGpr(8, v);
    c.setGpr(9, BigInt(addr));
    run(c, 0x1200);
  };
  const mem = () => [dv.getBigUint64(Q, true), dv.getBigUint64(Q + 8, true)];
  return { cpus, reserve, storeCond, store, mem };
}

describe('lqarx / stqcx. across CPUs on shared RAM', () => {
  it('succeeds when nothing intervened (little-endian: RS+1 is the first doubleword)', () => {
    const { cpus, reserve, storeCond, mem } = pair();
    reserve(cpus[0]!);
    expect([cpus[0]!.getGpr(10), cpus[0]!.getGpr(11)]).toEqual([0x2222222222222222n, 0x1111111111111111n]);
    expect(storeCond(cpus[0]!)).toBe(true);
    expect(mem()).toEqual([0x7777777777777777n, 0x6666666666666666n]);
  });

  it('fails after another CPU stored to the second doubleword, and keeps that store', () => {
    const { cpus, reserve, storeCond, store, mem } = pair();
    reserve(cpus[0]!);
    store(cpus[1]!, Q + 8, 0xababababababababn);
    expect(storeCond(cpus[0]!)).toBe(false);
    expect(mem()).toEqual([0x1111111111111111n, 0xababababababababn]);
  });

  it('fails after another CPU stored to the first doubleword', () => {
    const { cpus, reserve, storeCond, store, mem } = pair();
    reserve(cpus[0]!);
    store(cpus[1]!, Q, 0xcdcdcdcdcdcdcdcdn);
    expect(storeCond(cpus[0]!)).toBe(false);
    expect(mem()).toEqual([0xcdcdcdcdcdcdcdcdn, 0x2222222222222222n]);
  });

  it('of two CPUs holding a reservation on the quadword, only the first stqcx. succeeds', () => {
    const { cpus, reserve, storeCond, mem } = pair();
    reserve(cpus[0]!);
    reserve(cpus[1]!);
    cpus[1]!.setGpr(6, 0x8888888888888888n);
    cpus[1]!.setGpr(7, 0x9999999999999999n);
    expect(storeCond(cpus[1]!)).toBe(true);
    expect(storeCond(cpus[0]!)).toBe(false);
    expect(mem()).toEqual([0x9999999999999999n, 0x8888888888888888n]);
  });
});
