/**
 * VSX logical, permute, select and sign instructions (Power ISA 2.07 Book I §7.6.1): bit
 * operations only, no FPSCR effects. Vectors cross-checked against qemu-ppc64le -cpu power8.
 */
import { describe, expect, it } from 'vitest';
import { MSR_LO_VSX } from '../src/state.js';
import { Rig } from './vsx-harness.js';

const A = [0x01234567, 0x89abcdef, 0xfedcba98, 0x76543210];
const B = [0xa5a5a5a5, 0x0f0f0f0f, 0xffff0000, 0x00000001];

function rig(): Rig {
  const r = new Rig();
  r.setW(10, A);
  r.setW(43, B);
  r.fpscr = 0;
  return r;
}

describe('logical', () => {
  it.each([
    ['xxland', (a: number, b: number) => a & b],
    ['xxlandc', (a: number, b: number) => a & ~b],
    ['xxlor', (a: number, b: number) => a | b],
    ['xxlxor', (a: number, b: number) => a ^ b],
    ['xxlnor', (a: number, b: number) => ~(a | b)],
    ['xxlorc', (a: number, b: number) => a | ~b],
    ['xxlnand', (a: number, b: number) => ~(a & b)],
    ['xxleqv', (a: number, b: number) => ~(a ^ b)],
  ] as const)('%s', (m, fn) => {
    const r = rig();
    r.run(`${m} 63,10,43`);
    expect(r.getW(63)).toEqual(A.map((a, i) => fn(a, B[i]!) >>> 0));
    expect(r.fpscr).toBe(0);
  });

  it('xxlxor t,t,t zeroes (target aliasing both sources)', () => {
    const r = rig();
    r.run('xxlxor 10,10,10');
    expect(r.getW(10)).toEqual([0, 0, 0, 0]);
  });
});

describe('merge, permute, splat, select', () => {
  it('xxmrghw / xxmrglw', () => {
    const r = rig();
    r.run('xxmrghw 1,10,43', 'xxmrglw 2,10,43');
    expect(r.getW(1)).toEqual([A[0], B[0], A[1], B[1]]);
    expect(r.getW(2)).toEqual([A[2], B[2], A[3], B[3]]);
  });

  it('xxmrghw with XT = XA reads its sources first', () => {
    const r = rig();
    r.run('xxmrghw 10,10,43');
    expect(r.getW(10)).toEqual([A[0], B[0], A[1], B[1]]);
  });

  it.each([
    [0, [A[0], A[1], B[0], B[1]]],
    [1, [A[0], A[1], B[2], B[3]]],
    [2, [A[2], A[3], B[0], B[1]]],
    [3, [A[2], A[3], B[2], B[3]]],
  ])('xxpermdi DM=%i', (dm, want) => {
    const r = rig();
    r.run(`xxpermdi 5,10,43,${dm}`);
    expect(r.getW(5)).toEqual(want);
  });

  it('xxswapd (xxpermdi XT,XA,XA,2) swaps in place', () => {
    const r = rig();
    r.run('xxpermdi 10,10,10,2');
    expect(r.getW(10)).toEqual([A[2], A[3], A[0], A[1]]);
  });

  it.each([0, 1, 2, 3])('xxsldwi SHW=%i', (shw) => {
    const r = rig();
    r.run(`xxsldwi 43,10,43,${shw}`);
    expect(r.getW(43)).toEqual([...A, ...B].slice(shw, shw + 4));
  });

  it.each([0, 1, 2, 3])('xxspltw UIM=%i', (uim) => {
    const r = rig();
    r.run(`xxspltw 7,10,${uim}`);
    expect(r.getW(7)).toEqual([A[uim], A[uim], A[uim], A[uim]]);
  });

  it('xxsel takes B where C is 1', () => {
    const r = rig();
    r.setW(20, [0xffffffff, 0, 0xf0f0f0f0, 0x80000001]);
    r.run('xxsel 20,10,43,20');
    expect(r.getW(20)).toEqual([
      B[0],
      A[1],
      ((A[2]! & 0x0f0f0f0f) | (B[2]! & 0xf0f0f0f0)) >>> 0,
      ((A[3]! & 0x7ffffffe) | (B[3]! & 0x80000001)) >>> 0,
    ]);
  });
});

describe('sign operations', () => {
  const D0 = 0x8123456789abcdefn;
  const D1 = 0x7ff0000000000001n; // an SNaN: bit operations must not quiet it

  it.each([
    ['xsabsdp', D0 & ~(1n << 63n)],
    ['xsnabsdp', D0 | (1n << 63n)],
    ['xsnegdp', D0 ^ (1n << 63n)],
  ] as const)('%s changes the sign of doubleword 0 and zeroes doubleword 1', (m, want) => {
    const r = new Rig();
    r.setD(3, D0, D1);
    r.setD(4, 5n, 6n);
    r.fpscr = 0;
    r.run(`${m} 4,3`);
    expect(r.getD(4)).toEqual([want, 0n]);
    expect(r.fpscr).toBe(0);
  });

  it.each([
    ['xvabsdp', [D0 & ~(1n << 63n), D1]],
    ['xvnabsdp', [D0 | (1n << 63n), D1 | (1n << 63n)]],
    ['xvnegdp', [D0 ^ (1n << 63n), D1 | (1n << 63n)]],
  ] as const)('%s', (m, want) => {
    const r = new Rig();
    r.setD(33, D0, D1);
    r.run(`${m} 34,33`);
    expect(r.getD(34)).toEqual(want);
  });

  it.each([
    ['xvabssp', [0x7f800001, 0x00000000, 0x7fffffff, 0x3f800000]],
    ['xvnabssp', [0xff800001, 0x80000000, 0xffffffff, 0xbf800000]],
    ['xvnegsp', [0x7f800001, 0x80000000, 0x7fffffff, 0x3f800000]],
  ] as const)('%s', (m, want) => {
    const r = new Rig();
    r.setW(1, [0xff800001, 0x00000000, 0xffffffff, 0xbf800000]);
    r.run(`${m} 1,1`);
    expect(r.getW(1)).toEqual(want);
  });

  it('xscpsgndp takes the sign of XA and the rest of XB', () => {
    const r = new Rig();
    r.setD(1, 0x8000000000000000n, 0x1234n);
    r.setD(2, 0x3ff0000000000000n, 0x5678n);
    r.run('xscpsgndp 3,1,2', 'xscpsgndp 4,2,1');
    expect(r.getD(3)).toEqual([0xbff0000000000000n, 0n]);
    expect(r.getD(4)).toEqual([0x0000000000000000n, 0n]);
  });

  it('xvcpsgndp and xvcpsgnsp work per element', () => {
    const r = new Rig();
    r.setW(1, [0x80000000, 0, 0x00000000, 0]);
    r.setW(2, [0x3ff00000, 1, 0xbff00000, 2]);
    r.run('xvcpsgndp 3,1,2');
    expect(r.getW(3)).toEqual([0xbff00000, 1, 0x3ff00000, 2]);
    r.setW(1, [0x80000000, 0x00000000, 0x80000000, 0x7fffffff]);
    r.setW(2, [0x3f800000, 0xbf800000, 0x7fc00000, 0xffc00000]);
    r.run('xvcpsgnsp 2,1,2');
    expect(r.getW(2)).toEqual([0xbf800000, 0x3f800000, 0xffc00000, 0x7fc00000]);
  });
});

describe('non-signalling format conversions (no status, no rounding)', () => {
  it.each([
    [0x3ff0000000000000n, 0x3f800000],
    [0x3ff0000030000000n, 0x3f800001], // truncated in every rounding mode
    [0x7ff4000000000000n, 0x7fa00000], // SNaN stays signalling
    [0x7ff0000000000001n, 0x7f800000], // SNaN payload below bit 29 is lost: infinity
    [0x4800000000000000n, 0x40000000], // out of range: exponent bits dropped
    [0x3800000000000000n, 0x00400000], // denormal single
    [0x3690000000000000n, 0x00000000],
    [0x8000000000000000n, 0x80000000],
  ])('xscvdpspn %s', (dp, sp) => {
    for (const rn of [0, 2]) {
      const r = new Rig();
      r.fpscr = rn;
      r.setD(4, dp, 0x1234n);
      r.setD(3, 7n, 7n);
      r.run('xscvdpspn 3,4');
      expect(r.getW(3).map((w) => w.toString(16))).toEqual([sp.toString(16), sp.toString(16), '0', '0']);
      expect(r.fpscr).toBe(rn);
    }
  });

  it.each([
    [0x3f800000, 0x3ff0000000000000n],
    [0x7f800001, 0x7ff0000020000000n], // SNaN stays signalling, no VXSNAN
    [0x80400000, 0xb800000000000000n],
    [0x7f7fffff, 0x47efffffe0000000n],
  ])('xscvspdpn %s', (sp, dp) => {
    const r = new Rig();
    r.fpscr = 0;
    r.setW(4, [sp, 0xdead, 0xbeef, 0xf00d]);
    r.run('xscvspdpn 3,4');
    expect(r.getD(3)).toEqual([dp, 0n]);
    expect(r.fpscr).toBe(0);
  });
});

describe('facility', () => {
  it.each(['xxlor 1,2,3', 'xxpermdi 1,2,3,1', 'xxsel 1,2,3,4', 'xxspltw 1,2,0', 'xsabsdp 1,2', 'xvcpsgnsp 1,2,3'])(
    '%s needs MSR[VSX]',
    (insn) => {
      const r = rig();
      r.setD(1, 9n, 9n);
      r.setMsrLo(r.cpu.s[70]! & ~MSR_LO_VSX);
      expect(r.run(insn)).toMatchObject({ kind: 'facility-unavailable', facility: 'vsx' });
      expect(r.getD(1)).toEqual([9n, 9n]);
    },
  );
});
