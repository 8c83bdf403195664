/**
 * POWER9 vector instructions (Power ISA 3.0 Book I chapter 6) with vectors from the ISA
 * definitions, including the decimal conversions, shifts and truncations (§6.17) and the
 * cases where QEMU 7.2 deviates (vrldmi, bcdus.).
 */
import { describe, expect, it } from 'vitest';
import { MSR_LO_VEC } from '../src/state.js';
import { P9Rig } from './p9-rig.js';

const be = (b: readonly number[]) => b.reduce((v, x) => (v << 8n) | BigInt(x), 0n);
const bytes = (v: bigint) => Array.from({ length: 16 }, (_, i) => Number((v >> BigInt(120 - 8 * i)) & 0xffn));
const ones = (n: number) => (1n << BigInt(n)) - 1n;

describe('integer operations', () => {
  it('vcmpneb / vcmpnezb and CR6', () => {
    const r = new P9Rig();
    r.setV(2, be([1, 2, 0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0]));
    r.setV(3, be([1, 3, 0, 4, 0, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]));
    r.run('vcmpneb. 1,2,3', 'vcmpnezb 4,2,3');
    expect(bytes(r.getV(1))).toEqual([0, 255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255]);
    expect(bytes(r.getV(4))).toEqual([0, 255, 255, 0, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255]);
    expect(r.crf(6)).toBe(0);
    r.run('vcmpnew. 1,2,2');
    expect(r.crf(6)).toBe(2);
  });

  it('vctz*, vctzlsbb, vclzlsbb', () => {
    const r = new P9Rig();
    r.setV(2, 0x0000_0000_0000_0000_8000_0000_0000_0100n);
    r.run('vctzb 1,2', 'vctzw 3,2', 'vctzd 4,2', 'vctzlsbb 5,2', 'vclzlsbb 6,2');
    expect(bytes(r.getV(1))).toEqual([8, 8, 8, 8, 8, 8, 8, 8, 7, 8, 8, 8, 8, 8, 0, 8]);
    expect(r.getV(3)).toBe(0x0000_0020_0000_0020_0000_001f_0000_0008n);
    expect(r.getV(4)).toBe((64n << 64n) | 8n);
    r.setV(2, be([0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2]));
    r.run('vctzlsbb 5,2', 'vclzlsbb 6,2');
    expect([r.r(5), r.r(6)]).toEqual([2n, 2n]);
  });

  it('vextsb2d, vnegw, vprtybw / vprtybq', () => {
    const r = new P9Rig();
    r.setV(2, 0x0000_0000_0000_0080_0000_0000_0000_007fn);
    r.run('vextsb2d 1,2', 'vnegw 3,2', 'vprtybq 4,2', 'vprtybw 5,2');
    expect(r.getV(1)).toBe(((ones(64) - 0x7fn) << 64n) | 0x7fn);
    expect(r.getV(3)).toBe(0x0000_0000_ffff_ff80_0000_0000_ffff_ff81n);
    expect(r.getV(4)).toBe(1n);
    expect(r.getV(5)).toBe(1n);
  });

  it('vextractuw / vinsertw / vextuwlx / vextubrx', () => {
    const r = new P9Rig();
    const v = be(Array.from({ length: 16 }, (_, i) => 0x10 + i));
    r.setV(2, v);
    r.setV(3, -1n);
    r.setR(4, 5);
    r.run('vextractuw 1,2,5', 'vinsertw 3,2,2', 'vextuwlx 5,4,2', 'vextubrx 6,4,2');
    expect(r.getV(1)).toBe(0x15161718n << 64n);
    expect(bytes(r.getV(3))).toEqual([
      255, 255, 0x14, 0x15, 0x16, 0x17, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    ]);
    expect(r.r(5)).toBe(0x15161718n);
    expect(r.r(6)).toBe(0x1an);
  });

  it('vrlwnm / vrlwmi / vrldmi: rotate, then mask (mi merges the old VRT under the mask)', () => {
    const r = new P9Rig();
    r.setV(2, 0x8000_0001_0000_0000_0000_0000_0000_0000n);
    // Word 0 control: mb=0, me=7, sh=4.
    r.setV(3, 0x0000_0704_0000_0000_0000_0000_0000_0000n);
    r.setV(1, -1n);
    r.run('vrlwnm 4,2,3', 'vrlwmi 1,2,3');
    expect(r.getV(4) >> 96n).toBe(0n); // rotl(0x80000001, 4) = 0x18, masked with 0xff000000
    expect(r.getV(1) >> 96n).toBe(0x00ff_ffffn);
    // vrldmi dword 0: mb=60, me=3 (wrapping mask), sh=60.
    r.setV(2, 0x1234_5678_9abc_def0n << 64n);
    r.setV(3, 0x0000_0000_003c_033cn << 64n);
    r.setV(1, 0n);
    r.run('vrldmi 1,2,3');
    expect(r.getV(1) >> 64n).toBe(0x0000_0000_0000_000fn); // rotl 60 = 0x01234567_89abcdef; mask bits 60-63, 0-3
  });

  it('vslv / vsrv shift each byte by its own count, pulling bits from the neighbour', () => {
    const r = new P9Rig();
    r.setV(2, be([0x81, 0x80, ...Array(14).fill(0)]));
    r.setV(3, be([1, 4, ...Array(14).fill(0)]));
    r.run('vslv 1,2,3', 'vsrv 4,2,3');
    expect(bytes(r.getV(1)).slice(0, 2)).toEqual([0x03, 0x00]);
    expect(bytes(r.getV(4)).slice(0, 3)).toEqual([0x40, 0x18, 0x00]);
  });

  it('vmul10uq / vmul10cuq / vmul10euq / vmul10ecuq', () => {
    const r = new P9Rig();
    const big = ones(128) - 5n;
    r.setV(2, big);
    r.setV(3, 7n);
    r.run('vmul10uq 1,2', 'vmul10cuq 4,2', 'vmul10euq 5,2,3', 'vmul10ecuq 6,2,3');
    expect(r.getV(1)).toBe((big * 10n) & ones(128));
    expect(r.getV(4)).toBe((big * 10n) >> 128n);
    expect(r.getV(5)).toBe((big * 10n + 7n) & ones(128));
    expect(r.getV(6)).toBe((big * 10n + 7n) >> 128n);
  });

  it('vpermr, vbpermd, vmsumudm, vabsduh', () => {
    const r = new P9Rig();
    r.setV(2, be(Array.from({ length: 16 }, (_, i) => i)));
    r.setV(3, be(Array.from({ length: 16 }, (_, i) => 16 + i)));
    r.setV(4, be([0, 31, 16, 15, ...Array(12).fill(1)]));
    r.run('vpermr 1,2,3,4');
    expect(bytes(r.getV(1)).slice(0, 5)).toEqual([31, 0, 15, 16, 30]);
    r.setV(2, (0x8000_0000_0000_0001n << 64n) | 0xffn);
    r.setV(3, be([0, 63, 1, 64, 0, 0, 0, 0, 56, 57, 58, 59, 60, 61, 62, 63]));
    r.run('vbpermd 5,2,3');
    expect(r.getV(5)).toBe((0xcfn << 64n) | 0xffn);
    r.setV(2, (3n << 64n) | ones(64));
    r.setV(3, (5n << 64n) | ones(64));
    r.setV(4, 1n);
    r.run('vmsumudm 6,2,3,4');
    expect(r.getV(6)).toBe((15n + ones(64) * ones(64) + 1n) & ones(128));
    r.setV(2, 0x0001_ffff_0000_0000_0000_0000_0000_0005n);
    r.setV(3, 0xffff_0001_0000_0000_0000_0000_0000_0009n);
    r.run('vabsduh 7,2,3');
    expect(r.getV(7)).toBe(0xfffe_fffe_0000_0000_0000_0000_0000_0004n);
  });

  it('needs MSR[VEC]', () => {
    const r = new P9Rig();
    r.msrLo = r.msrLo & ~MSR_LO_VEC;
    expect(r.run('vnegd 1,2')).toMatchObject({ kind: 'facility-unavailable', facility: 'vmx' });
  });
});

/** Packed decimal: digits (most significant first) and a sign code. */
function pd(digits: string, sign: number): bigint {
  return (BigInt(`0x${digits || '0'}`) << 4n) | BigInt(sign);
}

describe('decimal (§6.17)', () => {
  it('national and zoned conversions round-trip; CR6 gives the sign and zero', () => {
    const r = new P9Rig();
    r.setV(2, pd('1234567', 0xd));
    r.run('bcdctn. 3,2', 'bcdcfn. 4,3,1');
    expect(r.getV(3)).toBe(0x0031_0032_0033_0034_0035_0036_0037_002dn);
    expect(r.getV(4)).toBe(pd('1234567', 0xd));
    expect(r.crf(6)).toBe(8);
    r.setV(2, pd('9876543210123456', 0xc));
    r.run('bcdctz. 5,2,0', 'bcdcfz. 6,5,0');
    expect(r.getV(5)).toBe(0x39383736_35343332_31303132_33343536n);
    expect(r.getV(6)).toBe(pd('9876543210123456', 0xc));
    expect(r.crf(6)).toBe(4);
    r.run('bcdctz. 7,2,1');
    expect(r.getV(7)).toBe(0xf9f8f7f6_f5f4f3f2_f1f0f1f2_f3f4f5c6n);
  });

  it('overflowing conversions set SO; invalid operands give CR6 = 0001', () => {
    const r = new P9Rig();
    r.setV(2, pd('12345678', 0xc));
    r.run('bcdctn. 3,2');
    expect(r.crf(6)).toBe(0b0101);
    r.setV(2, pd('12a4', 0xc));
    r.setV(3, 77n);
    r.run('bcdctz. 3,2,0');
    expect(r.crf(6)).toBe(1);
    expect(r.getV(3)).toBe(77n);
  });

  it('bcdcfsq. / bcdctsq. convert signed quadwords', () => {
    const r = new P9Rig();
    const v = -(10n ** 30n) - 12345n;
    r.setV(2, BigInt.asUintN(128, v));
    r.run('bcdcfsq. 3,2,0', 'bcdctsq. 4,3');
    expect(r.getV(3)).toBe(pd(`1${'0'.repeat(25)}12345`, 0xd));
    expect(BigInt.asIntN(128, r.getV(4))).toBe(v);
    expect(r.crf(6)).toBe(8);
    r.setV(2, 10n ** 31n);
    r.run('bcdcfsq. 5,2,1');
    expect(r.crf(6)).toBe(0b0101);
  });

  it('bcdcpsgn. / bcdsetsgn.', () => {
    const r = new P9Rig();
    r.setV(2, pd('42', 0xa));
    r.setV(3, pd('7', 0xb));
    r.run('bcdcpsgn. 4,2,3', 'bcdsetsgn. 5,2,1', 'bcdsetsgn. 6,3,1');
    expect([r.getV(4), r.getV(5), r.getV(6)]).toEqual([pd('42', 0xb), pd('42', 0xf), pd('7', 0xd)]);
  });

  it('bcds. / bcdsr. shift by the signed count in byte 7 of VRA; bcdsr. rounds half up', () => {
    const r = new P9Rig();
    r.setV(2, pd('123456', 0xc));
    r.setV(3, 2n << 64n);
    r.run('bcds. 4,3,2,0');
    expect(r.getV(4)).toBe(pd('12345600', 0xc));
    r.setV(3, 0xfen << 64n); // -2
    r.run('bcds. 5,3,2,0', 'bcdsr. 6,3,2,0');
    expect(r.getV(5)).toBe(pd('1234', 0xc));
    expect(r.getV(6)).toBe(pd('1235', 0xc));
    r.setV(2, pd(`9${'0'.repeat(30)}`, 0xd));
    r.setV(3, 1n << 64n);
    r.run('bcds. 7,3,2,0');
    expect(r.getV(7)).toBe(pd('0', 0xd));
    expect(r.crf(6)).toBe(0b0011); // zero result (EQ) and overflow (SO)
  });

  it('bcdtrunc. / bcdutrunc. keep the low digits named by halfword 3 of VRA', () => {
    const r = new P9Rig();
    r.setV(2, pd('987654', 0xd));
    r.setV(3, 3n << 64n);
    r.run('bcdtrunc. 4,3,2,0');
    expect(r.getV(4)).toBe(pd('654', 0xd));
    expect(r.crf(6)).toBe(0b1001);
    r.setV(2, 0x98765n);
    r.run('bcdutrunc. 5,3,2');
    expect(r.getV(5)).toBe(0x765n);
    expect(r.crf(6)).toBe(0b0101);
  });

  it('bcdus. shifts 32 unsigned digits; a nonzero result is GT (QEMU 7.2 says LT)', () => {
    const r = new P9Rig();
    r.setV(2, 0x1234n);
    r.setV(3, 2n << 64n);
    r.run('bcdus. 4,3,2');
    expect(r.getV(4)).toBe(0x123400n);
    expect(r.crf(6)).toBe(4);
    r.setV(3, 0xfcn << 64n);
    r.run('bcdus. 4,3,2');
    expect(r.getV(4)).toBe(0n);
    expect(r.crf(6)).toBe(2);
  });
});
