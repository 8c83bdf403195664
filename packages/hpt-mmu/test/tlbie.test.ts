import { describe, expect, it } from 'vitest';
import { ACCESS_LOAD, decodeTlbieRb, join64, PageSizeTable, tlbieMatches } from '../src/index.js';
import { ea, mapPage, mapSegment, rig } from './helpers.js';

const sizes = new PageSizeTable();
const M64 = (1n << 64n) - 1n;

/** RB as Linux's ___tlbie builds it from the low 64 VA bits of a page. */
function linuxRb(va: bigint, base: number, actual: number, ssize: 0 | 1): bigint {
  const vpn = va >> 12n;
  let rb = (vpn << 12n) & M64;
  if (base === 12) {
    const sllp = actual === 12 ? 0n : actual === 16 ? 0b101n : 0b100n;
    rb &= ~0xfffn;
    rb |= BigInt(ssize) << 8n;
    rb |= sllp << 5n;
    return rb;
  }
  rb &= ~((1n << BigInt(actual)) - 1n);
  rb |= BigInt(sizes.penc(base, actual)) << 12n;
  rb |= BigInt(ssize) << 8n;
  rb |= vpn & 0xfen;
  return rb | 1n;
}

describe('tlbie RB decoding', () => {
  const cases = [
    { seg: '256M', base: 12, actual: 12, off: 0x0abc_d000n },
    { seg: '256M', base: 12, actual: 16, off: 0x0abc_0000n },
    { seg: '256M', base: 16, actual: 16, off: 0x0abc_0000n },
    { seg: '256M', base: 16, actual: 24, off: 0x0a00_0000n },
    { seg: '256M', base: 24, actual: 24, off: 0x0b00_0000n },
    { seg: '1T', base: 16, actual: 16, off: 0xab_cdef_0000n },
    { seg: '1T', base: 34, actual: 34, off: 0x84_0000_0000n },
  ] as const;
  for (const c of cases) {
    it(`names the page a translation came from: ${c.seg} base ${c.base} actual ${c.actual}`, () => {
      const r = rig();
      const segEa = c.seg === '256M' ? 0x3000_0000n : 0xc000_0000_0000_0000n;
      const vsid = 0x2468_ace1n;
      mapSegment(r, 0, segEa, vsid, c.seg, c.base);
      mapPage(r, { vsid, segment: c.seg, base: c.base, actual: c.actual, ea: segEa + c.off, ra: 1n << 34n });
      expect(r.mmu.translate(...ea(segEa + c.off), ACCESS_LOAD, r.regs, r.out)).toBe(true);
      const va = join64(r.out.vaHi, r.out.vaLo);
      // Independent check of the reported VA: VSID || segment offset, low 64 bits.
      const segBits = c.seg === '256M' ? 28n : 40n;
      expect(va).toBe(((vsid << segBits) | c.off) & M64);
      const t = decodeTlbieRb(linuxRb(va, c.base, c.actual, c.seg === '256M' ? 0 : 1), sizes);
      expect(t).toMatchObject({ kind: 'va', segment: c.seg, basePageShift: c.base, actualPageShift: c.actual });
      expect(tlbieMatches(t, r.out.vaHi, r.out.vaLo, r.out.pageShift)).toBe(true);
      // The next page is not named.
      const next = va + (1n << BigInt(c.actual));
      expect(tlbieMatches(t, Number(next >> 32n) | 0, Number(next & 0xffffffffn) | 0, c.actual)).toBe(false);
    });
  }

  it('IS != 0 (tlbiel of a set / everything), reserved B, unknown LP: flush all', () => {
    expect(decodeTlbieRb(3n << 10n, sizes).kind).toBe('all');
    expect(decodeTlbieRb(2n << 8n, sizes).kind).toBe('all');
    expect(decodeTlbieRb(0x5000n | 1n, sizes).kind).toBe('all');
    expect(decodeTlbieRb(0b011n << 5n, sizes).kind).toBe('all');
    expect(tlbieMatches({ kind: 'all', reason: 'x' }, 0, 0, 12)).toBe(true);
  });
});
