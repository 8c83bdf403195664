import { describe, expect, it } from 'vitest';
import { encodeSlbEsid, encodeSlbVsid, PageSizeTable, Slb } from '../src/index.js';
import { ea } from './helpers.js';

const sizes = new PageSizeTable();
const V = 0x08000000n;

describe('SLB instructions', () => {
  it('slbmte then slbmfee/slbmfev read back the entry', () => {
    const slb = new Slb();
    const rs = encodeSlbVsid(0xabcdef12345n, '256M', 16, sizes, { kp: true, n: true });
    const rb = 0xc000_0000_1000_0000n | V | 5n;
    expect(slb.slbmte(rs, rb)).toBe(true);
    expect(slb.slbmfee(5n)).toBe(0xc000_0000_1000_0000n | V);
    expect(slb.slbmfev(5n)).toBe(rs);
    const e = slb.entry(5);
    expect(e).toMatchObject({
      valid: true,
      segment: '256M',
      basePageShift: 16,
      ks: false,
      kp: true,
      n: true,
      c: false,
    });
    // Reserved VSID-word bits (IBM 57, 60:63) are not stored.
    expect(slb.slbmte(rs | 0x4fn, rb)).toBe(true);
    expect(slb.slbmfev(5n)).toBe(rs);
  });

  it('finds 256 MB and 1 TB segments by ESID', () => {
    const slb = new Slb();
    slb.slbmte(encodeSlbVsid(1n, '256M', 12, sizes), encodeSlbEsid(0xc000_0000_2000_0000n, '256M', 0));
    slb.slbmte(encodeSlbVsid(2n, '1T', 24, sizes), encodeSlbEsid(0xd000_0100_0000_0000n, '1T', 1));
    expect(slb.find(...ea(0xc000_0000_2fff_ffffn))).toBe(0);
    expect(slb.find(...ea(0xc000_0000_3000_0000n))).toBe(-1);
    expect(slb.find(...ea(0xd000_01ff_ffff_ffffn))).toBe(1);
    expect(slb.find(...ea(0xd000_0200_0000_0000n))).toBe(-1);
    const f = slb.slbfee(0xd000_0123_4567_8000n);
    expect(f.found).toBe(true);
    expect(f.vsid).toBe(encodeSlbVsid(2n, '1T', 24, sizes));
    expect(slb.slbfee(0x1234n)).toEqual({ found: false, vsid: 0n });
  });

  it('an slbmte with V=0 stores the entry but it never matches', () => {
    const slb = new Slb();
    expect(slb.slbmte(encodeSlbVsid(1n, '256M', 12, sizes), 0x1000_0000n | 2n)).toBe(true);
    expect(slb.find(...ea(0x1000_0000n))).toBe(-1);
    expect(slb.slbmfee(2n)).toBe(0x1000_0000n);
  });

  it('rejects operands the ISA leaves undefined (program interrupt in the CPU)', () => {
    const slb = new Slb({ size: 32 });
    const rs = encodeSlbVsid(1n, '256M', 12, sizes);
    expect(slb.slbmte(rs, V | 32n)).toBe(false); // index beyond the SLB
    expect(slb.slbmte(rs, V | 0x1000n)).toBe(false); // reserved RB bit 51
    expect(slb.slbmte(rs | (2n << 62n), V)).toBe(false); // B = 0b10
    expect(slb.slbmte((1n << 12n) | 0x010n, V)).toBe(false); // L||LP = 0b001: not a base size
    expect(slb.slbmte(encodeSlbVsid(1n, '1T', 34, sizes) & ~(3n << 62n), V)).toBe(false); // 16G in 256M
    expect(new Slb({ allow1T: false }).slbmte(encodeSlbVsid(1n, '1T', 12, sizes), V)).toBe(false);
    expect(slb.slbmfee(32n)).toBeUndefined();
    expect(slb.slbmfev(4095n)).toBeUndefined();
    // Nothing was stored by the failed slbmte.
    expect(slb.slbmfev(0n)).toBe(0n);
  });

  it('slbie invalidates the entry translating the ESID, ignoring RB C/B bits', () => {
    const slb = new Slb();
    slb.slbmte(encodeSlbVsid(1n, '256M', 12, sizes), encodeSlbEsid(0x3000_0000n, '256M', 3));
    slb.slbmte(encodeSlbVsid(2n, '1T', 12, sizes), encodeSlbEsid(0x100_0000_0000n, '1T', 4));
    expect(slb.slbie(0x3000_0000n | (1n << 27n))).toBe(3);
    expect(slb.find(...ea(0x3000_0000n))).toBe(-1);
    expect(slb.slbie(0x3000_0000n)).toBe(-1);
    // slbie with B=1T in RB (IBM 37:38 = 0b01) for the 1T entry.
    expect(slb.slbie(0x100_0000_0000n | (1n << 25n))).toBe(4);
    expect(slb.find(...ea(0x100_0000_0000n))).toBe(-1);
  });

  it('slbia keeps entry 0 (ISA 2.07) whatever IH is', () => {
    for (const ih of [0, 1, 2, 3, 4, 6, 7]) {
      const slb = new Slb({ size: 4 });
      for (let i = 0; i < 4; i++)
        slb.slbmte(encodeSlbVsid(BigInt(i + 1), '256M', 12, sizes), encodeSlbEsid(BigInt(i) << 28n, '256M', i));
      expect(slb.slbia(ih)).toBe(3);
      expect(slb.find(0, 0)).toBe(0);
      expect(slb.find(0, 0x10000000)).toBe(-1);
    }
  });

  it('slbia with ISA 3.0 IH values 3, 4, 7', () => {
    const make = (): Slb => {
      const slb = new Slb({ size: 4, isaV3: true });
      for (let i = 0; i < 4; i++) {
        slb.slbmte(
          encodeSlbVsid(BigInt(i + 1), '256M', 12, sizes, { c: i % 2 === 1 }),
          encodeSlbEsid(BigInt(i) << 28n, '256M', i),
        );
      }
      return slb;
    };
    let slb = make();
    expect(slb.slbia(7)).toBe(0);
    slb = make();
    expect(slb.slbia(4)).toBe(4);
    expect(slb.find(0, 0)).toBe(-1);
    slb = make();
    // IH=3: only class-1 entries go (1 and 3), entry 0 included in the scan.
    expect(slb.slbia(3)).toBe(2);
    expect(slb.find(0, 0)).toBe(0);
    expect(slb.find(0, 0x20000000)).toBe(2);
    expect(slb.find(0, 0x10000000)).toBe(-1);
  });

  it('saves and restores its state', () => {
    const slb = new Slb({ size: 8 });
    slb.slbmte(encodeSlbVsid(0x55n, '1T', 16, sizes, { ks: true }), encodeSlbEsid(0xc000_0000_0000_0000n, '1T', 0));
    slb.slbmte(encodeSlbVsid(0x66n, '256M', 24, sizes), encodeSlbEsid(0x4000_0000n, '256M', 7));
    slb.slbmte(encodeSlbVsid(0x77n, '256M', 12, sizes), encodeSlbEsid(0x5000_0000n, '256M', 3));
    slb.slbie(0x5000_0000n);
    const saved = slb.saveState();
    const copy = new Slb({ size: 8 });
    copy.restoreState(saved);
    expect(copy.saveState()).toEqual(saved);
    expect(copy.find(...ea(0xc000_00ff_0000_0000n))).toBe(0);
    expect(copy.find(...ea(0x4000_0000n))).toBe(7);
    expect(copy.find(...ea(0x5000_0000n))).toBe(-1);
    expect(() => new Slb({ size: 4 }).restoreState(saved)).toThrow();
  });

  it('halves API reads into a reusable object', () => {
    const slb = new Slb();
    slb.slbmteHalves(0x4000_0000 | 0, 0x1110, 0xc0000000 | 0, 0x08000000 | 1);
    const out = { hi: 0, lo: 0 };
    expect(slb.slbmfevHalves(1, out)).toBe(true);
    expect(out).toEqual({ hi: 0x40000000, lo: 0x1110 });
    expect(slb.slbfeeHalves(0xc0000000 | 0, 0x123, out)).toBe(true);
    expect(slb.slbfeeHalves(0, 0, out)).toBe(false);
    expect(out).toEqual({ hi: 0, lo: 0 });
  });
});
