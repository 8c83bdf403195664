import { describe, expect, it } from 'vitest';
import {
  ACCESS_LOAD,
  encodeHpteR,
  encodeHpteV,
  encodeSlbEsid,
  encodeSlbVsid,
  hash1T,
  hash256M,
  PageSizeTable,
  primaryHash,
  ptegIndex,
} from '../src/index.js';
import { ea, rig } from './helpers.js';

const sizes = new PageSizeTable();

describe('hash functions (ISA "Page Table Search")', () => {
  it('256 MB segment: VSID XOR (offset >> p), worked by hand', () => {
    // VSID 0x1_2345_6789, EA offset 0x0abc_d000, p = 12 -> page index 0xabcd.
    // 0x6789 ^ 0xabcd = 0xcc44, so hash = 0x1_2345_cc44.
    expect(primaryHash(0x123456789n, 0x0abcd000n, 12, '256M')).toBe(0x12345cc44n);
    // HPT of 2^18 bytes = 2^11 PTEGs: primary 0x444, secondary ~hash & 0x7ff = 0x3bb.
    expect(ptegIndex(0x12345cc44n, 18)).toBe(0x444);
    expect(ptegIndex(0x12345cc44n, 18, true)).toBe(0x3bb);
    // The int32 hot-path function agrees on the low 32 bits.
    expect(hash256M(0x23456789, 0xabcd) >>> 0).toBe(0x2345cc44);
  });

  it('256 MB segment with 64 KiB and 16 MiB base pages uses the base page shift', () => {
    // offset 0x0abc_d000 >> 16 = 0xabc; 0x789 ^ 0xabc = 0xd35.
    expect(primaryHash(0x123456789n, 0x0abcd000n, 16, '256M')).toBe(0x123456d35n);
    // offset >> 24 = 0xa; 0x9 ^ 0xa = 0x3.
    expect(primaryHash(0x123456789n, 0x0abcd000n, 24, '256M')).toBe(0x123456783n);
  });

  it('only the segment offset of the EA enters the hash', () => {
    expect(primaryHash(5n, 0xc000_0000_0abc_d000n, 12, '256M')).toBe(primaryHash(5n, 0x0abcd000n, 12, '256M'));
  });

  it('1 TB segment: VSID XOR (VSID << 25) XOR (offset >> p), the VRMA case', () => {
    // KVM's VRMA: VSID 0x1ffffff, page i -> hash = i ^ (VSID ^ VSID << 25); VSID and
    // VSID << 25 do not overlap, so that is 50 ones truncated to 39 bits.
    expect(primaryHash(0x1ffffffn, 0n, 12, '1T')).toBe(0x7fffffffffn);
    expect(primaryHash(0x1ffffffn, 5n << 16n, 16, '1T')).toBe(0x7fffffffffn ^ 5n);
    expect(ptegIndex(0x7fffffffffn ^ 5n, 18)).toBe(0x7ff ^ 5);
    expect(hash1T(0x1ffffff, 5) >>> 0).toBe((0xffffffff ^ 5) >>> 0);
  });

  it('1 TB segment: offset bits above 2^32 reach the hash', () => {
    // offset 0xab_0000_0000 (bit 39..32 = 0xab) >> 12 = 0xab00000; VSID 1:
    // 1 ^ (1 << 25) ^ 0xab00000 = 0x2000001 ^ 0xab00000 = 0x8b00001.
    expect(primaryHash(1n, 0xab_0000_0000n, 12, '1T')).toBe(0x8b00001n);
    expect(hash1T(1, (0xab00000 | 0) >>> 0) >>> 0).toBe(0x8b00001);
  });

  it('encodes an HPTE dword 0 as the AVPN of the VA', () => {
    // VA = VSID << 28 | offset; AVPN = VA >> 23, stored at bit 7.
    const v = encodeHpteV({ vsid: 0x123456789n, ea: 0x0abcd000n, segment: '256M', basePageShift: 12 });
    const va = (0x123456789n << 28n) | 0x0abcd000n;
    expect(v).toBe(((va >> 23n) << 7n) | 1n);
    const v1t = encodeHpteV({ vsid: 0x1ffffffn, ea: 0n, segment: '1T', basePageShift: 16, secondary: true });
    expect(v1t).toBe((1n << 62n) | ((0x1ffffffn << 17n) << 7n) | 0x4n | 0x2n | 0x1n);
  });

  it('the MMU finds an entry placed by hand at the hand-computed group', () => {
    const r = rig(18);
    // slbmte: EA 0x0000_0000_1000_0000 segment (ESID 1), VSID 0x123456789, 4K base.
    expect(r.slb.slbmte(0x123456789n << 12n, 0x10000000n | 0x08000000n | 3n)).toBe(true);
    // EA 0x1abc_d123: offset 0x0abc_d123 -> page 0xabcd -> primary PTEG 0x444 (see above).
    const va = (0x123456789n << 28n) | 0x0abcd000n;
    const v = ((va >> 23n) << 7n) | 1n;
    const rpn = 0x7654_3000n;
    r.hpt.write(0x444 * 8 + 5, v, rpn | 0x10n | 0x2n); // M, PP=2
    expect(r.mmu.translate(...ea(0x1abcd123n), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(r.out.raLo >>> 0).toBe(0x76543123);
    expect(r.out.ptex).toBe(0x444 * 8 + 5);
  });

  it('encoders round-trip through the page-size table', () => {
    const rr = encodeHpteR({ ra: 0x1230000n, basePageShift: 12, actualPageShift: 16, pp: 2 }, sizes);
    expect(rr & 0xf000n).toBe(0x7000n); // LP for 64K in a 4K segment
    expect(sizes.decodeNoSlb(0x5, Number(rr >> 32n), Number(rr & 0xffffffffn) | 0)).toBe((12 << 8) | 16);
    expect(encodeSlbVsid(7n, '1T', 16, sizes)).toBe((1n << 62n) | (7n << 24n) | 0x110n);
    expect(encodeSlbEsid(0xc000_0012_3456_789an, '1T', 9)).toBe(0xc000_0000_0000_0000n | 0x08000000n | 9n);
    expect(() => encodeHpteR({ ra: 0n, basePageShift: 16, actualPageShift: 12, pp: 0 }, sizes)).toThrow();
  });
});
