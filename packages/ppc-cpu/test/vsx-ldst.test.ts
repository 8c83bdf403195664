/**
 * VSX loads, stores and moves (Power ISA 2.07 Book I §7.6.1.1, §7.6.1.2, §7.6.1.8). Expected
 * values follow the ISA element order; the little-endian results were also checked against
 * qemu-ppc64le -cpu power8 and the big-endian ones against qemu-ppc64.
 */
import { describe, expect, it } from 'vitest';
import { MSR_LO_FP, MSR_LO_VEC, MSR_LO_VSX } from '../src/state.js';
import { DATA, Rig } from './vsx-harness.js';

/** A rig whose DATA area holds the bytes 0x00, 0x01, ... 0xff, twice. */
function rig(be = false): Rig {
  const r = new Rig({ be });
  for (let i = 0; i < 512; i++) r.u8[DATA + i] = i & 0xff;
  r.cpu.setGpr(4, BigInt(DATA));
  return r;
}

describe('vector loads', () => {
  it('lxvd2x little-endian: each doubleword little-endian, doubleword 0 first (unaligned)', () => {
    const r = rig();
    r.cpu.setGpr(5, 3n);
    expect(r.run('lxvd2x 33,4,5').kind).toBe('budget');
    expect(r.getD(33)).toEqual([0x0a09080706050403n, 0x1211100f0e0d0c0bn]);
  });

  it('lxvd2x big-endian', () => {
    const r = rig(true);
    r.cpu.setGpr(5, 3n);
    r.run('lxvd2x 1,4,5');
    expect(r.getD(1)).toEqual([0x030405060708090an, 0x0b0c0d0e0f101112n]);
  });

  it('lxvw4x loads word elements in order, each in the current byte order', () => {
    const r = rig();
    r.run('lxvw4x 2,0,4');
    expect(r.getW(2)).toEqual([0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c]);
    const b = rig(true);
    b.run('lxvw4x 2,0,4');
    expect(b.getW(2)).toEqual([0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f]);
  });

  it('lxvdsx splats one doubleword', () => {
    const r = rig();
    r.cpu.setGpr(5, 8n);
    r.run('lxvdsx 40,4,5');
    expect(r.getD(40)).toEqual([0x0f0e0d0c0b0a0908n, 0x0f0e0d0c0b0a0908n]);
  });

  it('RA=0 uses 0, not r0', () => {
    const r = rig();
    r.cpu.setGpr(0, 0x100n);
    r.cpu.setGpr(5, BigInt(DATA + 16));
    r.run('lxvd2x 3,0,5');
    expect(r.getD(3)).toEqual([0x1716151413121110n, 0x1f1e1d1c1b1a1918n]);
  });

  it('a load crossing a page boundary reads both pages', () => {
    const r = new Rig();
    for (let i = 0; i < 16; i++) r.u8[0x4ff8 + i] = 0xa0 + i;
    r.cpu.setGpr(4, 0x4ff8n);
    r.run('lxvd2x 1,0,4', 'lxvw4x 2,0,4');
    expect(r.getD(1)).toEqual([0xa7a6a5a4a3a2a1a0n, 0xafaeadacabaaa9a8n]);
    expect(r.getW(2)).toEqual([0xa3a2a1a0, 0xa7a6a5a4, 0xabaaa9a8, 0xafaeadac]);
  });

  it('a load faulting on its second page leaves the target unchanged', () => {
    const r = new Rig();
    r.unmapped.add(5);
    r.setD(1, 0x1111n, 0x2222n);
    r.cpu.setGpr(4, 0x4ffcn);
    const stop = r.run('lxvd2x 1,0,4');
    expect(stop).toMatchObject({ kind: 'fault', access: 'load', address: 0x5000n });
    expect(r.getD(1)).toEqual([0x1111n, 0x2222n]);
  });
});

describe('scalar loads', () => {
  it('lxsdx fills doubleword 0 and leaves doubleword 1 (undefined) unchanged', () => {
    const r = rig();
    r.setD(5, 0n, 0x123456789n);
    r.run('lxsdx 5,0,4');
    expect(r.getD(5)).toEqual([0x0706050403020100n, 0x123456789n]);
  });

  it('lxsiwax sign-extends, lxsiwzx zero-extends', () => {
    const r = rig();
    r.dv.setUint32(DATA + 0x40, 0x80000001, true);
    r.cpu.setGpr(5, 0x40n);
    r.run('lxsiwax 6,4,5', 'lxsiwzx 7,4,5');
    expect(r.getD(6)[0]).toBe(0xffffffff80000001n);
    expect(r.getD(7)[0]).toBe(0x80000001n);
  });

  it.each([
    [0x3f800000, 0x3ff0000000000000n], // 1.0
    [0xc0490fdb, 0xc00921fb60000000n], // -pi
    [0x00000001, 0x36a0000000000000n], // smallest denormal
    [0x80400000, 0xb800000000000000n], // -2^-127 (denormal)
    [0x7f800000, 0x7ff0000000000000n], // +inf
    [0xff800001, 0xfff0000020000000n], // SNaN stays signalling
    [0x7fc00000, 0x7ff8000000000000n], // QNaN
    [0x80000000, 0x8000000000000000n], // -0
  ])('lxsspx %s converts to double without exceptions', (word, dp) => {
    const r = rig();
    r.dv.setUint32(DATA + 0x40, word, true);
    r.cpu.setGpr(5, 0x40n);
    r.fpscr = 0;
    r.run('lxsspx 8,4,5');
    expect(r.getD(8)[0].toString(16)).toBe(dp.toString(16));
    expect(r.fpscr).toBe(0);
  });
});

describe('stores', () => {
  it('stxvd2x / stxvw4x little-endian', () => {
    const r = rig();
    r.setD(1, 0x0706050403020100n, 0x0f0e0d0c0b0a0908n);
    r.cpu.setGpr(5, 0x81n);
    r.run('stxvd2x 1,4,5');
    expect(r.bytes(DATA + 0x81, 16)).toEqual([...Array(16).keys()]);
    r.setW(2, [0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c]);
    r.cpu.setGpr(5, 0xa0n);
    r.run('stxvw4x 2,4,5');
    expect(r.bytes(DATA + 0xa0, 16)).toEqual([...Array(16).keys()]);
  });

  it('stxvd2x / stxvw4x big-endian', () => {
    const r = rig(true);
    r.setD(1, 0x0001020304050607n, 0x08090a0b0c0d0e0fn);
    r.cpu.setGpr(5, 0x81n);
    r.run('stxvd2x 1,4,5');
    expect(r.bytes(DATA + 0x81, 16)).toEqual([...Array(16).keys()]);
    r.setW(2, [0x00010203, 0x04050607, 0x08090a0b, 0x0c0d0e0f]);
    r.cpu.setGpr(5, 0xa0n);
    r.run('stxvw4x 2,4,5');
    expect(r.bytes(DATA + 0xa0, 16)).toEqual([...Array(16).keys()]);
  });

  it('store then load round-trips through memory (memcpy idiom)', () => {
    const r = rig();
    r.cpu.setGpr(5, 0x10n);
    r.cpu.setGpr(6, 0x200n);
    r.run('lxvd2x 0,4,5', 'stxvd2x 0,4,6');
    expect(r.bytes(DATA + 0x200, 16)).toEqual(r.bytes(DATA + 0x10, 16));
  });

  it('a store crossing a page boundary writes both pages', () => {
    const r = new Rig();
    r.setW(3, [0x11121314, 0x21222324, 0x31323334, 0x41424344]);
    r.cpu.setGpr(4, 0x4ffan);
    r.run('stxvw4x 3,0,4');
    expect(r.bytes(0x4ffa, 16)).toEqual([
      0x14, 0x13, 0x12, 0x11, 0x24, 0x23, 0x22, 0x21, 0x34, 0x33, 0x32, 0x31, 0x44, 0x43, 0x42, 0x41,
    ]);
  });

  it('a store faulting on its second page writes nothing', () => {
    const r = new Rig();
    r.unmapped.add(5);
    r.setD(3, -1n & 0xffffffffffffffffn, 0xffffffffffffffffn);
    r.cpu.setGpr(4, 0x4ffan);
    expect(r.run('stxvd2x 3,0,4')).toMatchObject({ kind: 'fault', access: 'store' });
    expect(r.bytes(0x4ffa, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.run('stxvw4x 3,0,4')).toMatchObject({ kind: 'fault', access: 'store' });
    expect(r.bytes(0x4ffa, 6)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('stxsdx and stxsiwx store doubleword 0 and word 1', () => {
    const r = rig();
    r.setD(9, 0x8877665544332211n, 0xdeadn);
    r.cpu.setGpr(5, 0x100n);
    r.cpu.setGpr(6, 0x110n);
    r.run('stxsdx 9,4,5', 'stxsiwx 9,4,6');
    expect(r.bytes(DATA + 0x100, 8)).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    expect(r.bytes(DATA + 0x110, 5)).toEqual([0x11, 0x22, 0x33, 0x44, 0x14]);
  });

  it.each([
    [0x3ff8000000000000n, 0x3fc00000], // 1.5
    [0x3ff0000010000000n, 0x3f800000], // truncated, not rounded
    [0x47efffffffffffffn, 0x7f7fffff], // max single, truncated
    [0x4800000000000000n, 0x40000000], // out of range: the exponent bits are simply dropped
    [0x3800000000000000n, 0x00400000], // 2^-127: denormalised
    [0xb6a0000000000000n, 0x80000001], // -2^-149
    [0x3690000000000000n, 0x00000000], // below the denormal range: zero (undefined in the ISA)
    [0x7ff0000000000001n, 0x7f800000], // SNaN with low payload bits only: stays a NaN pattern by truncation
    [0xfff8000000000000n, 0xffc00000],
  ])('stxsspx %s stores %s', (dp, sp) => {
    const r = rig();
    r.setD(10, dp, 0n);
    r.cpu.setGpr(5, 0x120n);
    r.run('stxsspx 10,4,5');
    expect(r.dv.getUint32(DATA + 0x120, true).toString(16)).toBe(sp.toString(16));
  });
});

describe('moves between GPRs and VSRs', () => {
  it('mtvsrd/mtvsrwa/mtvsrwz write doubleword 0, mfvsrd/mfvsrwz read it', () => {
    const r = new Rig();
    r.cpu.setGpr(3, 0x8000000180000002n);
    r.setD(40, 0n, 0x55n);
    r.run('mtvsrd 40,3', 'mtvsrwa 41,3', 'mtvsrwz 42,3', 'mfvsrd 5,40', 'mfvsrwz 6,41');
    expect(r.getD(40)).toEqual([0x8000000180000002n, 0x55n]);
    expect(r.getD(41)[0]).toBe(0xffffffff80000002n);
    expect(r.getD(42)[0]).toBe(0x80000002n);
    expect(r.cpu.getGpr(5)).toBe(0x8000000180000002n);
    expect(r.cpu.getGpr(6)).toBe(0x80000002n);
  });

  it('moves check MSR[FP] for VSR 0-31 and MSR[VEC] for VSR 32-63, not MSR[VSX]', () => {
    const r = new Rig();
    const base = r.cpu.s[70]!;
    r.setMsrLo(base & ~MSR_LO_VSX);
    expect(r.run('mtvsrd 1,3').kind).toBe('budget');
    r.setMsrLo(base & ~MSR_LO_FP);
    expect(r.run('mtvsrd 1,3')).toMatchObject({ kind: 'facility-unavailable', facility: 'fp' });
    expect(r.run('mfvsrd 3,33').kind).toBe('budget');
    r.setMsrLo(base & ~MSR_LO_VEC);
    expect(r.run('mfvsrwz 3,33')).toMatchObject({ kind: 'facility-unavailable', facility: 'vmx' });
  });
});

describe('facility checks', () => {
  it.each(['lxvd2x 1,0,4', 'stxvd2x 1,0,4', 'lxsdx 1,0,4', 'stxsspx 1,0,4', 'lxvdsx 1,0,4'])(
    '%s raises VSX unavailable when MSR[VSX]=0 and touches nothing',
    (insn) => {
      const r = rig();
      r.setD(1, 0x77n, 0x88n);
      r.setMsrLo(r.cpu.s[70]! & ~MSR_LO_VSX);
      expect(r.run(insn)).toMatchObject({ kind: 'facility-unavailable', facility: 'vsx', pc: 0x1000n });
      expect(r.getD(1)).toEqual([0x77n, 0x88n]);
      expect(r.bytes(DATA, 4)).toEqual([0, 1, 2, 3]);
    },
  );
});
