/**
 * POWER9 VSX (Power ISA 3.0 Book I chapter 7) other than quad precision: storage access in
 * both byte orders, lengths, faults, facility checks, permutes, exponent/significand
 * operations, data-class tests, compares, type-C/J max/min and half precision.
 */
import { describe, expect, it } from 'vitest';
import { FPSCR_FR, FPSCR_FX, FPSCR_OX, FPSCR_UX, FPSCR_VE, FPSCR_VX, FPSCR_VXSNAN, FPSCR_XX } from '../src/isa/fpu.js';
import { MSR_LO_VEC, MSR_LO_VSX } from '../src/state.js';
import { DATA, dbits, P9Rig } from './p9-rig.js';

const PATTERN = Array.from({ length: 32 }, (_, i) => 0x10 + i);
/** 128-bit big-endian value of 16 bytes. */
const be = (b: readonly number[]) => b.reduce((v, x) => (v << 8n) | BigInt(x), 0n);

function withPattern(opts: { be?: boolean } = {}): P9Rig {
  const r = new P9Rig(opts);
  r.u8.set(PATTERN, DATA);
  r.setR(3, DATA);
  r.setR(4, 0);
  return r;
}

describe('vector loads and stores', () => {
  it('lxv/lxvx load the quadword in the current byte order; stxv/stxvx store it back', () => {
    const le = withPattern();
    le.run('lxv 33,0(3)', 'lxvx 2,3,4');
    expect(le.getVs(33)).toBe(be(PATTERN.slice(0, 16).reverse()));
    expect(le.getVs(2)).toBe(le.getVs(33));
    const bigE = withPattern({ be: true });
    bigE.run('lxv 33,0(3)');
    expect(bigE.getVs(33)).toBe(be(PATTERN.slice(0, 16)));
    for (const r of [le, bigE]) {
      r.run('stxv 33,16(3)', 'stxvx 33,0,3');
      expect(r.bytes(DATA + 16, 16)).toEqual(PATTERN.slice(0, 16));
    }
  });

  it('lxvb16x is byte order independent; lxvh8x loads halfwords in the current order', () => {
    for (const bigE of [false, true]) {
      const r = withPattern({ be: bigE });
      r.run('lxvb16x 1,3,4', 'lxvh8x 2,3,4');
      expect(r.getVs(1)).toBe(be(PATTERN.slice(0, 16)));
      const halves = Array.from({ length: 8 }, (_, i) => {
        const [x, y] = [PATTERN[2 * i]!, PATTERN[2 * i + 1]!];
        return bigE ? [x, y] : [y, x];
      }).flat();
      expect(r.getVs(2)).toBe(be(halves));
      r.run('stxvh8x 2,0,3', 'stxvb16x 1,3,4');
      expect(r.bytes(DATA, 16)).toEqual(PATTERN.slice(0, 16));
    }
  });

  it('lxvwsx splats a word', () => {
    const r = withPattern();
    r.run('lxvwsx 34,3,4');
    expect(r.getVs(34)).toBe(0x13121110_13121110_13121110_13121110n);
  });

  it('lxvl / stxvl move RB[0:7] bytes (at most 16) in lxvx order; lxvll / stxvll left-justified', () => {
    for (const [n, want] of [
      [0, 0],
      [5, 5],
      [16, 16],
      [200, 16],
    ] as const) {
      const r = withPattern();
      r.setVs(1, -1n);
      r.setVs(2, -1n);
      r.setR(5, BigInt(n) << 56n);
      r.run('lxvl 1,3,5', 'lxvll 2,3,5');
      const bytes = PATTERN.slice(0, want);
      // Little-endian lxvl fills from the least significant end, lxvll from the most significant.
      expect(r.getVs(1)).toBe(be([...Array(16 - want).fill(0), ...[...bytes].reverse()]));
      expect(r.getVs(2)).toBe(be([...bytes, ...Array(16 - want).fill(0)]));
      r.u8.fill(0xee, DATA + 32, DATA + 64);
      r.setR(6, DATA + 32);
      r.setR(7, DATA + 48);
      r.run('stxvl 1,6,5', 'stxvll 2,7,5');
      expect(r.bytes(DATA + 32, 16)).toEqual([...bytes, ...Array(16 - want).fill(0xee)]);
      expect(r.bytes(DATA + 48, 16)).toEqual([...bytes, ...Array(16 - want).fill(0xee)]);
    }
  });

  it('a length of zero touches no memory (no fault on an unmapped address)', () => {
    const r = withPattern();
    r.unmapped.add(8);
    r.setR(3, 8 * 4096);
    r.setR(5, 0);
    expect(r.run('lxvl 1,3,5', 'stxvl 1,3,5').kind).toBe('budget');
  });

  it('a store crossing into an unmapped page faults before writing anything', () => {
    const r = withPattern();
    r.unmapped.add(5);
    r.u8.fill(0x55, 5 * 4096 - 8, 5 * 4096);
    r.setR(3, 5 * 4096 - 8);
    r.setVs(33, -1n);
    expect(r.run('stxv 33,0(3)').kind).toBe('fault');
    expect(r.bytes(5 * 4096 - 8, 8)).toEqual(Array(8).fill(0x55));
    r.setR(5, 16n << 56n);
    expect(r.run('stxvll 33,3,5').kind).toBe('fault');
    expect(r.bytes(5 * 4096 - 8, 8)).toEqual(Array(8).fill(0x55));
  });

  it('scalar lxsd/lxssp clear doubleword 1, lxsibzx/lxsihzx keep it; stores take doubleword 0', () => {
    const r = withPattern();
    r.setV(2, -1n);
    r.setVs(5, -1n);
    r.setVs(6, -1n);
    r.dv.setFloat32(DATA + 32, 1.5, true);
    r.run('lxsd 2,0(3)', 'lxsibzx 5,3,4', 'lxsihzx 6,3,4');
    expect(r.getV(2)).toBe(be(PATTERN.slice(0, 8).reverse()) << 64n);
    expect(r.getVs(5)).toBe((0x10n << 64n) | ((1n << 64n) - 1n));
    expect(r.getVs(6)).toBe((0x1110n << 64n) | ((1n << 64n) - 1n));
    r.run('lxssp 3,32(3)');
    expect(r.getV(3)).toBe(dbits(1.5) << 64n);
    r.run('stxssp 3,40(3)', 'stxsd 2,48(3)', 'stxsibx 5,0,3', 'stxsihx 6,3,4');
    expect(r.dv.getFloat32(DATA + 40, true)).toBe(1.5);
    expect(r.bytes(DATA + 48, 8)).toEqual(PATTERN.slice(0, 8));
    expect(r.bytes(DATA, 2)).toEqual([0x10, 0x11]);
  });

  it('VSRs 0-31 need MSR[VSX], VSRs 32-63 MSR[VEC] (lxv, mtvsrdd); lxsd needs MSR[VEC]', () => {
    const r = withPattern();
    r.msrLo = r.msrLo & ~MSR_LO_VSX;
    expect(r.run('lxv 1,0(3)')).toMatchObject({ kind: 'facility-unavailable', facility: 'vsx' });
    expect(r.run('lxv 33,0(3)').kind).toBe('budget');
    r.msrLo = (r.msrLo | MSR_LO_VSX) & ~MSR_LO_VEC;
    expect(r.run('mtvsrdd 33,3,4')).toMatchObject({ kind: 'facility-unavailable', facility: 'vmx' });
    expect(r.run('lxsd 2,0(3)')).toMatchObject({ kind: 'facility-unavailable', facility: 'vmx' });
    expect(r.run('mtvsrdd 1,3,4').kind).toBe('budget');
  });
});

describe('moves and permutes', () => {
  it('mtvsrdd / mfvsrld / mtvsrws', () => {
    const r = new P9Rig();
    r.setR(3, 0x1111_2222_3333_4444n);
    r.setR(4, 0x5555_6666_7777_8888n);
    r.run('mtvsrdd 40,3,4', 'mfvsrld 5,40', 'mtvsrdd 41,0,4', 'mtvsrws 42,4');
    expect(r.getVs(40)).toBe(0x1111_2222_3333_4444_5555_6666_7777_8888n);
    expect(r.r(5)).toBe(0x5555_6666_7777_8888n);
    expect(r.getVs(41)).toBe(0x5555_6666_7777_8888n);
    expect(r.getVs(42)).toBe(0x7777_8888_7777_8888_7777_8888_7777_8888n);
  });

  it('xxspltib, xxbr[hwdq], xxextractuw, xxinsertw', () => {
    const r = new P9Rig();
    const v = be(PATTERN.slice(0, 16));
    r.setVs(1, v);
    r.setVs(6, -1n);
    r.run('xxspltib 2,171', 'xxbrh 3,1', 'xxbrq 4,1', 'xxextractuw 5,1,3', 'xxinsertw 6,1,9');
    expect(r.getVs(2)).toBe(be(Array(16).fill(0xab)));
    expect(r.getVs(3)).toBe(
      be([0x11, 0x10, 0x13, 0x12, 0x15, 0x14, 0x17, 0x16, 0x19, 0x18, 0x1b, 0x1a, 0x1d, 0x1c, 0x1f, 0x1e]),
    );
    expect(r.getVs(4)).toBe(be(PATTERN.slice(0, 16).reverse()));
    expect(r.getVs(5)).toBe(0x13141516n << 64n);
    expect(r.getVs(6)).toBe(be([...Array(9).fill(0xff), 0x14, 0x15, 0x16, 0x17, 0xff, 0xff, 0xff]));
  });

  it('xxperm picks from XA || XT, xxpermr from the other end', () => {
    const r = new P9Rig();
    r.setVs(1, be(PATTERN.slice(0, 16)));
    r.setVs(2, be(PATTERN.slice(16, 32)));
    r.setVs(3, be([0, 31, 16, 15, 1, 17, 0x20, 0xff, 2, 3, 4, 5, 6, 7, 8, 9]));
    r.setVs(4, r.getVs(2));
    r.run('xxperm 2,1,3', 'xxpermr 4,1,3');
    expect(r.getVs(2)).toBe(
      be([0x10, 0x2f, 0x20, 0x1f, 0x11, 0x21, 0x10, 0x2f, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19]),
    );
    expect(r.getVs(4)).toBe(
      be([0x2f, 0x10, 0x1f, 0x20, 0x2e, 0x1e, 0x2f, 0x10, 0x2d, 0x2c, 0x2b, 0x2a, 0x29, 0x28, 0x27, 0x26]),
    );
  });
});

describe('exponent, significand and data class', () => {
  it('xsxexpdp / xsxsigdp / xsiexpdp', () => {
    const r = new P9Rig();
    r.setVs(1, dbits(-6) << 64n);
    r.setVs(2, 1n << 64n); // smallest denormal: no implicit bit
    r.run('xsxexpdp 3,1', 'xsxsigdp 4,1', 'xsxsigdp 5,2');
    expect(r.r(3)).toBe(0x401n);
    expect(r.r(4)).toBe(0x18_0000_0000_0000n);
    expect(r.r(5)).toBe(1n);
    r.setR(6, dbits(-1.5));
    r.setR(7, 0x400n);
    r.run('xsiexpdp 8,6,7');
    expect(r.getVs(8)).toBe(dbits(-3) << 64n);
  });

  it('xviexpsp / xvxexpsp / xvxsigsp per word', () => {
    const r = new P9Rig();
    r.setVs(1, 0x3f800000_bf800000_7f800000_00000001n);
    r.setVs(2, 0x0000007f_00000080_ffffff01_000000ffn);
    r.run('xvxexpsp 3,1', 'xvxsigsp 4,1', 'xviexpsp 5,1,2');
    expect(r.getVs(3)).toBe(0x0000007f_0000007f_000000ff_00000000n);
    expect(r.getVs(4)).toBe(0x00800000_00800000_00000000_00000001n);
    expect(r.getVs(5)).toBe(0x3f800000_c0000000_00800000_7f800001n);
  });

  it('xststdcdp / xststdcsp set CR and FPCC to sign || 0 || match || not-single', () => {
    const r = new P9Rig();
    const cases: [bigint, number, number, number][] = [
      // value, DCMX, xststdcdp CR, xststdcsp CR
      [dbits(-0), 0x04, 0b1010, 0b1010],
      [dbits(0), 0x04, 0b0000, 0b0000],
      [dbits(Number.NEGATIVE_INFINITY), 0x10, 0b1010, 0b1010],
      [dbits(1e-40), 0x02, 0b0000, 0b0011], // normal double in the single denormal range, not a single
      [dbits(1e-40), 0x00, 0b0000, 0b0001], // no class selected: no match
      [dbits(2 ** -140), 0x02, 0b0000, 0b0010], // a single denormal
      [dbits(0.1), 0x7f, 0b0000, 0b0001], // not exactly a single
      [0x7ff8_0000_0000_0001n, 0x40, 0b0010, 0b0011], // NaN whose payload does not fit a single
    ];
    for (const [v, dcmx, dp, sp] of cases) {
      r.setVs(1, v << 64n);
      r.run(`xststdcdp 1,1,${dcmx}`, `xststdcsp 2,1,${dcmx}`);
      expect([v, r.crf(1), r.crf(2)]).toEqual([v, dp, sp]);
      expect((r.fpscr >>> 12) & 15).toBe(sp);
    }
  });

  it('xvtstdcdp / xvtstdcsp', () => {
    const r = new P9Rig();
    r.setVs(1, (dbits(Number.NaN) << 64n) | dbits(1));
    r.setVs(2, 0x7fc00000_00000001_80000000_3f800000n);
    r.run('xvtstdcdp 3,1,64', 'xvtstdcsp 4,2,67');
    expect(r.getVs(3)).toBe(((1n << 64n) - 1n) << 64n);
    expect(r.getVs(4)).toBe(0xffffffff_ffffffff_00000000_00000000n);
  });
});

describe('compares and maximum/minimum', () => {
  it('xscmpeqdp / xscmpgtdp / xscmpgedp give doubleword masks', () => {
    const r = new P9Rig();
    r.setVs(1, dbits(1) << 64n);
    r.setVs(2, dbits(2) << 64n);
    r.run('xscmpeqdp 3,1,1', 'xscmpgtdp 4,2,1', 'xscmpgedp 5,1,2');
    expect(r.getVs(3)).toBe(((1n << 64n) - 1n) << 64n);
    expect(r.getVs(4)).toBe(((1n << 64n) - 1n) << 64n);
    expect(r.getVs(5)).toBe(0n);
  });

  it('an enabled invalid operation (VE=1, SNaN) leaves the target unchanged and sets FX, VX, VXSNAN', () => {
    const r = new P9Rig();
    r.setVs(1, 0x7ff0_0000_0000_0001n << 64n);
    r.setVs(3, 1234n);
    r.fpscr = FPSCR_VE;
    r.run('xscmpeqdp 3,1,1');
    expect(r.getVs(3)).toBe(1234n);
    expect((r.fpscr & (FPSCR_FX | FPSCR_VX | FPSCR_VXSNAN)) >>> 0).toBe((FPSCR_FX | FPSCR_VX | FPSCR_VXSNAN) >>> 0);
  });

  it('type-C max/min return XB for NaNs and equal values; type-J prefer a NaN and +0 / -0', () => {
    const r = new P9Rig();
    const q = 0x7ff8_0000_0000_0000n;
    r.setVs(1, q << 64n);
    r.setVs(2, dbits(1) << 64n);
    r.setVs(3, dbits(0) << 64n);
    r.setVs(4, dbits(-0) << 64n);
    r.run(
      'xsmaxcdp 10,1,2',
      'xsmaxcdp 11,2,1',
      'xsmaxjdp 12,2,1',
      'xsmaxjdp 13,4,3',
      'xsminjdp 14,3,4',
      'xsmincdp 15,3,4',
    );
    expect(r.getVs(10) >> 64n).toBe(dbits(1));
    expect(r.getVs(11) >> 64n).toBe(q);
    expect(r.getVs(12) >> 64n).toBe(q);
    expect(r.getVs(13) >> 64n).toBe(dbits(0));
    expect(r.getVs(14) >> 64n).toBe(dbits(-0));
    expect(r.getVs(15) >> 64n).toBe(dbits(-0));
  });
});

describe('half precision', () => {
  it('xscvdphp rounds in FPSCR[RN] and sets FPRF of the half, FR and FI', () => {
    const r = new P9Rig();
    const cases: [number, number, number, number][] = [
      // double, RN, half, flags
      [1, 0, 0x3c00, 0],
      [65504, 0, 0x7bff, 0],
      [65520, 0, 0x7c00, FPSCR_OX | FPSCR_XX | FPSCR_FR],
      [65520, 1, 0x7bff, FPSCR_XX], // rounds to the largest half before the range check: no overflow
      [65536, 1, 0x7bff, FPSCR_OX | FPSCR_XX],
      [1 + 2 ** -11, 0, 0x3c00, FPSCR_XX], // tie to even: down
      [1 + 3 * 2 ** -11, 0, 0x3c02, FPSCR_XX | FPSCR_FR], // tie to even: up
      [2 ** -25, 0, 0x0000, FPSCR_UX | FPSCR_XX], // tie: to even (zero)
      [2 ** -24, 0, 0x0001, 0], // smallest denormal, exact
    ];
    for (const [x, rn, half, flags] of cases) {
      r.fpscr = rn;
      r.setVs(1, dbits(x) << 64n);
      r.run('xscvdphp 2,1');
      expect([x, r.getVs(2)]).toEqual([x, BigInt(half) << 64n]);
      expect([x, rn, (r.fpscr & (FPSCR_OX | FPSCR_UX | FPSCR_XX | FPSCR_FR)) >>> 0]).toEqual([x, rn, flags >>> 0]);
    }
  });

  it('xscvhpdp is exact; an SNaN is quieted with VXSNAN', () => {
    const r = new P9Rig();
    r.setVs(1, 0x3555n << 64n);
    r.setVs(2, 0x7d00n << 64n);
    r.run('xscvhpdp 3,1', 'xscvhpdp 4,2');
    expect(r.getVs(3) >> 64n).toBe(dbits(0.333251953125));
    expect(r.getVs(4) >> 64n).toBe(0x7ffc_0000_0000_0000n);
    expect(r.fpscr & FPSCR_VXSNAN).toBe(FPSCR_VXSNAN);
  });

  it('xvcvsphp / xvcvhpsp per word; OX and UX both reported in one vector', () => {
    const r = new P9Rig();
    // 1.0, 1e30 (overflow), 1e-30 (underflow to 0), -2.0.
    r.setVs(1, 0x3f800000_7149f2ca_0da24260_c0000000n);
    r.run('xvcvsphp 2,1', 'xvcvhpsp 3,2');
    expect(r.getVs(2)).toBe(0x00003c00_00007c00_00000000_0000c000n);
    expect(r.getVs(3)).toBe(0x3f800000_7f800000_00000000_c0000000n);
    expect((r.fpscr & (FPSCR_OX | FPSCR_UX)) >>> 0).toBe((FPSCR_OX | FPSCR_UX) >>> 0);
  });
});
