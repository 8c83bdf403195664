import { H, mergeHcallTables } from '@ppcvm/machine-core';
import { describe, expect, it } from 'vitest';
import {
  ACCESS_LOAD,
  ACCESS_STORE,
  DSISR_NOPTE,
  DSISR_PROTFAULT,
  DSISR_STORE,
  encodeHpteR,
  encodeHpteV,
  H_ANDCOND,
  H_AVPN,
  H_EXACT,
  H_READ_4,
  HCALL,
  type HptStorage,
  PageSizeTable,
  primaryHash,
  ptegIndex,
} from '../src/index.js';
import { ea, mapPage, mapSegment, type Rig, ra, rig } from './helpers.js';

const sizes = new PageSizeTable();
const SEG = 0x1000_0000n;
const VSID = 0x1357n;
const NHPTES_18 = 2n ** 18n / 16n;

/** pteh/ptel and the group for a 4K page at EA SEG+page*4K. */
function pte4k(page: number, raddr: bigint, pp = 2, extra: { bolted?: boolean; secondary?: boolean } = {}) {
  const e = SEG + BigInt(page) * 0x1000n;
  const v = encodeHpteV({ vsid: VSID, ea: e, segment: '256M', basePageShift: 12, ...extra });
  const r = encodeHpteR({ ra: raddr, basePageShift: 12, pp }, sizes);
  const group = ptegIndex(primaryHash(VSID, e, 12, '256M'), 18, extra.secondary ?? false) * 8;
  return { ea: e, v, r, group: BigInt(group) };
}

function withSegment(): Rig {
  const r = rig();
  mapSegment(r, 0, SEG, VSID, '256M', 12);
  return r;
}

describe('hcall table', () => {
  it('registers every page-table hcall under its PAPR opcode', () => {
    const r = rig();
    const merged = mergeHcallTables([r.hc.table]);
    expect([...merged.keys()].sort((a, b) => a - b)).toEqual(
      [0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x124, 0x36c, 0x370].sort((a, b) => a - b),
    );
    expect(merged.get(HCALL.H_CLEAR_REF)?.name).toBe('H_CLEAR_REF');
    expect(merged.get(HCALL.H_CLEAR_MOD)?.name).toBe('H_CLEAR_MOD');
  });
});

describe('H_ENTER', () => {
  it('takes the first free slot of the group and returns the index in r4', () => {
    const r = withSegment();
    const p = pte4k(3, 0x5000n);
    let c = r.call('H_ENTER', 0n, p.group + 5n, p.v, p.r);
    expect(c.rc).toBe(H.SUCCESS);
    expect(c.a.r(0)).toBe(p.group);
    c = r.call('H_ENTER', 0n, p.group, p.v, p.r);
    expect(c.a.r(0)).toBe(p.group + 1n);
    expect(r.hpt.read(Number(p.group)).v).toBe(p.v);
    expect(r.mmu.translate(...ea(p.ea + 0x10n), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0x5010n);
  });

  it('H_EXACT uses exactly that slot, or fails with H_PTEG_FULL', () => {
    const r = withSegment();
    const p = pte4k(1, 0x1000n);
    let c = r.call('H_ENTER', H_EXACT, p.group + 6n, p.v, p.r);
    expect([c.rc, c.a.r(0)]).toEqual([H.SUCCESS, p.group + 6n]);
    c = r.call('H_ENTER', H_EXACT, p.group + 6n, p.v, p.r);
    expect(c.rc).toBe(H.PTEG_FULL);
  });

  it('returns H_PTEG_FULL for a full group', () => {
    const r = withSegment();
    const p = pte4k(2, 0x2000n);
    for (let i = 0; i < 8; i++) expect(r.call('H_ENTER', 0n, p.group, p.v, p.r).rc).toBe(H.SUCCESS);
    expect(r.call('H_ENTER', 0n, p.group, p.v, p.r).rc).toBe(H.PTEG_FULL);
  });

  it('enters 64K, MPSS and 1T entries', () => {
    const r = rig();
    mapSegment(r, 0, 0x2000_0000n, 0x42n, '256M', 16);
    const v = encodeHpteV({ vsid: 0x42n, ea: 0x2001_0000n, segment: '256M', basePageShift: 16, actualPageShift: 24 });
    const rr = encodeHpteR({ ra: 0x100_0000n, basePageShift: 16, actualPageShift: 24, pp: 2 }, sizes);
    const g = BigInt(ptegIndex(primaryHash(0x42n, 0x2001_0000n, 16, '256M'), 18) * 8);
    expect(r.call('H_ENTER', 0n, g, v, rr).rc).toBe(H.SUCCESS);
    expect(r.mmu.translate(...ea(0x2001_2345n), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0x101_2345n);
    const v1t = encodeHpteV({ vsid: 9n, ea: 0n, segment: '1T', basePageShift: 12 });
    expect(r.call('H_ENTER', 0n, 0n, v1t, 0x1002n).rc).toBe(H.SUCCESS);
  });

  it('rejects hostile arguments with H_PARAMETER', () => {
    const r = withSegment();
    const p = pte4k(4, 0x4000n);
    expect(r.call('H_ENTER', 0n, NHPTES_18, p.v, p.r).rc).toBe(H.PARAMETER); // ptex past the end
    expect(r.call('H_ENTER', 0n, 1n << 63n, p.v, p.r).rc).toBe(H.PARAMETER);
    expect(r.call('H_ENTER', 0n, (1n << 64n) - 1n, p.v, p.r).rc).toBe(H.PARAMETER);
    expect(r.call('H_ENTER', H_READ_4, p.group, p.v, p.r).rc).toBe(H.PARAMETER); // not an H_ENTER flag
    expect(r.call('H_ENTER', 1n << 63n, p.group, p.v, p.r).rc).toBe(H.PARAMETER);
    expect(r.call('H_ENTER', 0n, p.group, p.v & ~1n, p.r).rc).toBe(H.PARAMETER); // V clear
    expect(r.call('H_ENTER', 0n, p.group, p.v | (2n << 62n), p.r).rc).toBe(H.PARAMETER); // B = 0b10
    expect(r.call('H_ENTER', 0n, p.group, p.v | (3n << 62n), p.r).rc).toBe(H.PARAMETER); // B = 0b11
    // L=1 with an LP the table does not know (low nibble 0b0101).
    expect(r.call('H_ENTER', 0n, p.group, p.v | 4n, (p.r & ~0xf000n) | 0x5000n).rc).toBe(H.PARAMETER);
    expect(rig(18, { allow1T: false }).call('H_ENTER', 0n, 0n, p.v | (1n << 62n), p.r).rc).toBe(H.PARAMETER);
    // Nothing was written.
    for (let i = 0; i < 8; i++) expect(r.hpt.read(Number(p.group) + i).v).toBe(0n);
  });

  it('checks WIMG against RAM / I/O when told what RAM is', () => {
    const r = rig(18, { isRam: (hi, lo) => hi === 0 && lo >>> 0 < 0x8000_0000 });
    const p = pte4k(5, 0x1000n);
    const io = encodeHpteR({ ra: 0x8000_0000n, basePageShift: 12, pp: 2, wimg: 0b0101 }, sizes);
    const ioM = encodeHpteR({ ra: 0x8000_0000n, basePageShift: 12, pp: 2, wimg: 0b0010 }, sizes);
    const ramI = encodeHpteR({ ra: 0x1000n, basePageShift: 12, pp: 2, wimg: 0b0100 }, sizes);
    expect(r.call('H_ENTER', 0n, p.group, p.v, p.r).rc).toBe(H.SUCCESS);
    expect(r.call('H_ENTER', 0n, p.group, p.v, io).rc).toBe(H.SUCCESS);
    expect(r.call('H_ENTER', 0n, p.group, p.v, ioM).rc).toBe(H.PARAMETER);
    expect(r.call('H_ENTER', 0n, p.group, p.v, ramI).rc).toBe(H.PARAMETER);
  });
});

describe('H_REMOVE', () => {
  function entered(r: Rig, page: number, extra: { bolted?: boolean } = {}) {
    const p = pte4k(page, BigInt(page) << 12n, 2, extra);
    const c = r.call('H_ENTER', 0n, p.group, p.v, p.r);
    expect(c.rc).toBe(H.SUCCESS);
    return { ...p, ptex: c.a.r(0) };
  }

  it('removes the entry, returns it in r4/r5 and invalidates the TLB', () => {
    const r = withSegment();
    const p = entered(r, 7);
    r.mmu.translate(...ea(p.ea), ACCESS_STORE, r.regs, r.out); // sets R and C
    const c = r.call('H_REMOVE', 0n, p.ptex, 0n);
    expect(c.rc).toBe(H.SUCCESS);
    expect(c.a.r(0)).toBe(p.v);
    expect(c.a.r(1)).toBe(p.r | 0x180n);
    expect(r.hpt.read(Number(p.ptex))).toEqual({ v: 0n, r: 0n });
    expect(r.inv.hptes).toEqual([Number(p.ptex)]);
    expect(r.inv.syncs).toBe(1);
    expect(r.mmu.translate(...ea(p.ea), ACCESS_LOAD, r.regs, r.out)).toBe(false);
    expect(r.out.dsisr).toBe(DSISR_NOPTE);
  });

  it('H_NOT_FOUND for an empty slot, without invalidating', () => {
    const r = withSegment();
    expect(r.call('H_REMOVE', 0n, 100n, 0n).rc).toBe(H.NOT_FOUND);
    expect(r.inv.hptes).toEqual([]);
    expect(r.inv.syncs).toBe(0);
  });

  it('H_AVPN: removes only when the AVPN matches', () => {
    const r = withSegment();
    const p = entered(r, 8);
    expect(r.call('H_REMOVE', H_AVPN, p.ptex, (p.v & ~0x7fn) ^ 0x80n).rc).toBe(H.NOT_FOUND);
    expect(r.hpt.read(Number(p.ptex)).v).toBe(p.v);
    expect(r.call('H_REMOVE', H_AVPN, p.ptex, p.v & ~0x7fn).rc).toBe(H.SUCCESS);
  });

  it('H_ANDCOND: Linux eviction never removes a bolted entry', () => {
    const r = withSegment();
    const bolted = entered(r, 9, { bolted: true });
    const plain = entered(r, 10);
    expect(r.call('H_REMOVE', H_ANDCOND, bolted.ptex, 0x10n).rc).toBe(H.NOT_FOUND);
    expect(r.hpt.read(Number(bolted.ptex)).v).toBe(bolted.v);
    expect(r.call('H_REMOVE', H_ANDCOND, plain.ptex, 0x10n).rc).toBe(H.SUCCESS);
  });

  it('rejects a bad index or flags with H_PARAMETER', () => {
    const r = withSegment();
    expect(r.call('H_REMOVE', 0n, NHPTES_18, 0n).rc).toBe(H.PARAMETER);
    expect(r.call('H_REMOVE', H_EXACT, 0n, 0n).rc).toBe(H.PARAMETER);
  });
});

describe('H_BULK_REMOVE', () => {
  const REQ = 1n << 62n;
  const END = 3n << 62n;
  const AVPN = 2n << 56n;
  const ANDCOND = 1n << 56n;

  it('removes up to four entries with per-entry response codes and R/C', () => {
    const r = withSegment();
    const a = pte4k(20, 0x20000n);
    const b = pte4k(21, 0x21000n);
    const ia = r.call('H_ENTER', 0n, a.group, a.v, a.r).a.r(0);
    const ib = r.call('H_ENTER', 0n, b.group, b.v, b.r).a.r(0);
    r.mmu.translate(...ea(a.ea), ACCESS_STORE, r.regs, r.out); // a: R and C
    r.mmu.translate(...ea(b.ea), ACCESS_LOAD, r.regs, r.out); // b: R only
    const c = r.call(
      'H_BULK_REMOVE',
      REQ | AVPN | ia,
      a.v & ~0x7fn,
      REQ | ib,
      0n,
      REQ | 5n, // empty slot
      0n,
      REQ | AVPN | ia, // already gone
      a.v & ~0x7fn,
    );
    expect(c.rc).toBe(H.SUCCESS);
    // Response 0b10 in bits 63:62, code 0 in 61:60, R (bit 59) and C (bit 58), flags and ptex echoed.
    expect(c.a.r(0)).toBe((2n << 62n) | (1n << 59n) | (1n << 58n) | AVPN | ia);
    expect(c.a.r(2)).toBe((2n << 62n) | (1n << 59n) | ib);
    expect(c.a.r(4)).toBe((2n << 62n) | (1n << 60n) | 5n);
    expect(c.a.r(6)).toBe((2n << 62n) | (1n << 60n) | AVPN | ia);
    expect(r.inv.hptes).toEqual([Number(ia), Number(ib)]);
    expect(r.inv.syncs).toBe(1);
  });

  it('stops at an end marker', () => {
    const r = withSegment();
    const a = pte4k(22, 0x22000n);
    const ia = r.call('H_ENTER', 0n, a.group, a.v, a.r).a.r(0);
    const c = r.call('H_BULK_REMOVE', REQ | ia, 0n, END, 0n, REQ | ia, 0n);
    expect(c.rc).toBe(H.SUCCESS);
    expect(c.a.out.has(2)).toBe(false);
    expect(c.a.out.has(4)).toBe(false);
    expect(r.hpt.read(Number(ia)).v).toBe(0n);
  });

  it('a parameter error stops processing and is reported in that tsh', () => {
    const r = withSegment();
    const a = pte4k(23, 0x23000n);
    const ia = r.call('H_ENTER', 0n, a.group, a.v, a.r).a.r(0);
    for (const bad of [0n | ia, (2n << 62n) | ia, REQ | AVPN | ANDCOND | ia, REQ | NHPTES_18]) {
      const c = r.call('H_BULK_REMOVE', bad, 0n, REQ | ia, 0n);
      expect(c.rc).toBe(H.PARAMETER);
      expect(c.a.r(0) >> 60n).toBe(0xan); // response | H_BULK_REMOVE_PARM
      expect(c.a.out.has(2)).toBe(false);
      expect(r.hpt.read(Number(ia)).v).toBe(a.v);
    }
    // A bad second entry: the first was already removed.
    const c = r.call('H_BULK_REMOVE', REQ | ia, 0n, REQ | (1n << 55n), 0n);
    expect(c.rc).toBe(H.PARAMETER);
    expect(c.a.r(0) >> 62n).toBe(2n);
    expect(r.hpt.read(Number(ia)).v).toBe(0n);
  });

  it('ANDCOND in a bulk request', () => {
    const r = withSegment();
    const a = pte4k(24, 0x24000n, 2, { bolted: true });
    const ia = r.call('H_ENTER', 0n, a.group, a.v, a.r).a.r(0);
    const c = r.call('H_BULK_REMOVE', REQ | ANDCOND | ia, 0x10n, END, 0n);
    expect(c.a.r(0)).toBe((2n << 62n) | (1n << 60n) | ANDCOND | ia);
  });
});

describe('H_PROTECT', () => {
  it('changes pp, N and key bits, keeps RPN and R/C, invalidates', () => {
    const r = withSegment();
    const p = pte4k(30, 0x30000n);
    const ptex = r.call('H_ENTER', 0n, p.group, p.v, p.r).a.r(0);
    r.mmu.translate(...ea(p.ea), ACCESS_STORE, r.regs, r.out);
    // pp=3 (read-only), N, key 0b11_101 (KEY_HI 0x3000 -> bits 61:60, KEY_LO 0xa00), PP0 (0x100 -> bit 63).
    const flags = 0x3n | 0x4n | 0x3000n | 0xa00n | 0x100n | H_AVPN;
    expect(r.call('H_PROTECT', flags, ptex, p.v & ~0x7fn).rc).toBe(H.SUCCESS);
    const { r: nr } = r.hpt.read(Number(ptex));
    expect(nr).toBe((p.r & ~0x7n) | 0x180n | 0x3n | 0x4n | 0xa00n | (3n << 60n) | (1n << 63n));
    expect(r.inv.hptes).toEqual([Number(ptex)]);
    expect(r.inv.syncs).toBe(1);
    // pp0||pp = 0b111: no access for key 0.
    expect(r.mmu.translate(...ea(p.ea), ACCESS_LOAD, r.regs, r.out)).toBe(false);
    // Back to pp=3 without PP0: read-only.
    expect(r.call('H_PROTECT', 0x3n, ptex, 0n).rc).toBe(H.SUCCESS);
    expect(r.mmu.translate(...ea(p.ea), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(r.mmu.translate(...ea(p.ea), ACCESS_STORE, r.regs, r.out)).toBe(false);
    expect(r.out.dsisr).toBe(DSISR_PROTFAULT | DSISR_STORE);
  });

  it('H_NOT_FOUND for an invalid entry or AVPN mismatch; H_PARAMETER for bad arguments', () => {
    const r = withSegment();
    const p = pte4k(31, 0x31000n);
    const ptex = r.call('H_ENTER', 0n, p.group, p.v, p.r).a.r(0);
    expect(r.call('H_PROTECT', 0x3n | H_AVPN, ptex, 0n).rc).toBe(H.NOT_FOUND);
    expect(r.call('H_PROTECT', 0x3n, ptex + 1n, 0n).rc).toBe(H.NOT_FOUND);
    expect(r.call('H_PROTECT', 0x3n, NHPTES_18, 0n).rc).toBe(H.PARAMETER);
    expect(r.call('H_PROTECT', 0x8n, ptex, 0n).rc).toBe(H.PARAMETER); // bit 0x8 (G) is not a flag
    expect(r.call('H_PROTECT', H_EXACT, ptex, 0n).rc).toBe(H.PARAMETER);
    expect(r.hpt.read(Number(ptex)).r).toBe(p.r);
    expect(r.inv.hptes).toEqual([]);
  });
});

describe('H_READ', () => {
  it('reads one entry, or four aligned entries with H_READ_4', () => {
    const r = rig();
    for (let i = 0; i < 8; i++) r.hpt.write(16 + i, (BigInt(0x1000 + i) << 7n) | 1n, BigInt(i) << 12n);
    let c = r.call('H_READ', 0n, 21n);
    expect(c.rc).toBe(H.SUCCESS);
    expect([c.a.r(0), c.a.r(1)]).toEqual([(0x1005n << 7n) | 1n, 5n << 12n]);
    expect(c.a.out.size).toBe(2);
    c = r.call('H_READ', H_READ_4, 23n);
    expect(c.a.out.size).toBe(8);
    for (let i = 0; i < 4; i++) {
      expect(c.a.r(2 * i)).toBe((BigInt(0x1004 + i) << 7n) | 1n);
      expect(c.a.r(2 * i + 1)).toBe(BigInt(4 + i) << 12n);
    }
  });

  it('rejects bad arguments', () => {
    const r = rig();
    expect(r.call('H_READ', 0n, NHPTES_18).rc).toBe(H.PARAMETER);
    expect(r.call('H_READ', H_AVPN, 0n).rc).toBe(H.PARAMETER);
  });
});

describe('H_CLEAR_REF / H_CLEAR_MOD', () => {
  it('clear R or C, return the old dword 1, invalidate when a bit changed', () => {
    const r = withSegment();
    const p = pte4k(40, 0x40000n);
    const ptex = r.call('H_ENTER', 0n, p.group, p.v, p.r).a.r(0);
    r.mmu.translate(...ea(p.ea), ACCESS_STORE, r.regs, r.out);
    let c = r.call('H_CLEAR_MOD', 0n, ptex);
    expect([c.rc, c.a.r(0)]).toEqual([H.SUCCESS, p.r | 0x180n]);
    expect(r.hpt.read(Number(ptex)).r).toBe(p.r | 0x100n);
    expect(r.inv.hptes).toEqual([Number(ptex)]);
    // C is clear again: a load gives a translation a TLB may not write through.
    r.mmu.translate(...ea(p.ea), ACCESS_LOAD, r.regs, r.out);
    expect(r.out.prot & 2).toBe(0);
    c = r.call('H_CLEAR_MOD', 0n, ptex); // nothing to clear: no invalidation
    expect(r.inv.hptes.length).toBe(1);
    c = r.call('H_CLEAR_REF', 0n, ptex);
    expect(c.a.r(0)).toBe(p.r | 0x100n);
    expect(r.hpt.read(Number(ptex)).r).toBe(p.r);
    expect(r.inv.hptes.length).toBe(2);
  });

  it('H_NOT_FOUND / H_PARAMETER', () => {
    const r = rig();
    expect(r.call('H_CLEAR_REF', 0n, 3n).rc).toBe(H.NOT_FOUND);
    expect(r.call('H_CLEAR_MOD', 0n, NHPTES_18).rc).toBe(H.PARAMETER);
    expect(r.call('H_CLEAR_REF', H_AVPN, 0n).rc).toBe(H.PARAMETER);
  });
});

describe('H_RESIZE_HPT_PREPARE / COMMIT', () => {
  it('rejects bad arguments', () => {
    const r = rig(18, { maxResizeShift: 20 });
    expect(r.call('H_RESIZE_HPT_PREPARE', 1n, 19n).rc).toBe(H.PARAMETER);
    expect(r.call('H_RESIZE_HPT_PREPARE', 0n, 17n).rc).toBe(H.PARAMETER);
    expect(r.call('H_RESIZE_HPT_PREPARE', 0n, 47n).rc).toBe(H.PARAMETER);
    expect(r.call('H_RESIZE_HPT_PREPARE', 0n, (1n << 64n) - 1n).rc).toBe(H.PARAMETER);
    expect(r.call('H_RESIZE_HPT_PREPARE', 0n, 21n).rc).toBe(H.RESOURCE);
    expect(r.call('H_RESIZE_HPT_COMMIT', 0n, 19n).rc).toBe(H.CLOSED);
    expect(r.call('H_RESIZE_HPT_PREPARE', 0n, 19n).rc).toBe(H.SUCCESS);
    expect(r.call('H_RESIZE_HPT_COMMIT', 1n, 19n).rc).toBe(H.PARAMETER);
    expect(r.call('H_RESIZE_HPT_COMMIT', 0n, 20n).rc).toBe(H.CLOSED);
    // Shift 0 cancels the preparation.
    expect(r.call('H_RESIZE_HPT_PREPARE', 0n, 19n).rc).toBe(H.SUCCESS);
    expect(r.call('H_RESIZE_HPT_PREPARE', 0n, 0n).rc).toBe(H.SUCCESS);
    expect(r.hc.pendingResizeShift).toBeUndefined();
    expect(r.call('H_RESIZE_HPT_COMMIT', 0n, 19n).rc).toBe(H.CLOSED);
    expect(r.hpt.shift).toBe(18);
  });

  it('grows and shrinks the HPT, rehashing every translation', () => {
    let resized: HptStorage | undefined;
    const r = rig(18, {
      onResize: (s) => {
        resized = s;
      },
    });
    const segs = [
      { esid: 0x1000_0000n, vsid: 0x111n, seg: '256M', base: 12, actual: 12 },
      { esid: 0x2000_0000n, vsid: 0x222n, seg: '256M', base: 16, actual: 16 },
      { esid: 0x3000_0000n, vsid: 0x333n, seg: '256M', base: 12, actual: 16 },
      { esid: 0xc000_0000_0000_0000n, vsid: 0x4444n, seg: '1T', base: 24, actual: 24 },
      { esid: 0xd000_0000_0000_0000n, vsid: 0x5555n, seg: '1T', base: 12, actual: 12 },
    ] as const;
    segs.forEach((s, i) => {
      mapSegment(r, i, s.esid, s.vsid, s.seg, s.base);
    });
    const pages: { ea: bigint; ra: bigint; bolted: boolean }[] = [];
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let k = 0; k < 300; k++) {
      const s = segs[k % segs.length]!;
      const span = s.seg === '256M' ? 1 << 28 : 2 ** 40;
      const off = BigInt(Math.floor((rnd(1 << 30) / (1 << 30)) * span)) & ~((1n << BigInt(s.actual)) - 1n);
      const e = s.esid + off;
      if (pages.some((p) => p.ea === e)) continue;
      const raddr = BigInt(k + 1) << BigInt(s.actual);
      const secondary = rnd(2) === 1;
      const bolted = rnd(4) === 0;
      const hash = primaryHash(s.vsid, e, s.base, s.seg);
      const g = ptegIndex(hash, 18, secondary) * 8;
      const v = encodeHpteV({
        vsid: s.vsid,
        ea: e,
        segment: s.seg,
        basePageShift: s.base,
        actualPageShift: s.actual,
        secondary,
        bolted,
      });
      const rr = encodeHpteR({ ra: raddr, basePageShift: s.base, actualPageShift: s.actual, pp: 2 }, sizes);
      if (r.call('H_ENTER', 0n, BigInt(g), v, rr).rc === H.SUCCESS) pages.push({ ea: e, ra: raddr, bolted });
    }
    expect(pages.length).toBeGreaterThan(250);
    const check = (p: { ea: bigint; ra: bigint }): boolean => {
      const ok = r.mmu.translate(...ea(p.ea + 0x123n), ACCESS_LOAD, r.regs, r.out);
      if (ok) expect(ra(r.out)).toBe(p.ra + 0x123n);
      return ok;
    };
    for (const p of pages) expect(check(p)).toBe(true);

    expect(r.call('H_RESIZE_HPT_PREPARE', 0n, 20n).rc).toBe(H.SUCCESS);
    expect(r.call('H_RESIZE_HPT_COMMIT', 0n, 20n).rc).toBe(H.SUCCESS);
    expect(r.hpt.shift).toBe(20);
    expect(resized?.shift).toBe(20);
    expect(r.inv.all).toBe(1);
    for (const p of pages) expect(check(p)).toBe(true);

    // Back down: bolted entries all survive; non-bolted ones may lose a slot collision.
    expect(r.call('H_RESIZE_HPT_PREPARE', 0n, 18n).rc).toBe(H.SUCCESS);
    expect(r.call('H_RESIZE_HPT_COMMIT', 0n, 18n).rc).toBe(H.SUCCESS);
    expect(r.hpt.shift).toBe(18);
    let kept = 0;
    for (const p of pages) {
      const ok = check(p);
      if (p.bolted) expect(ok).toBe(true);
      if (ok) kept++;
    }
    expect(kept).toBeGreaterThan(pages.length * 0.9);
  });

  it('fails with H_PTEG_FULL when two bolted entries collide, keeping the old table', () => {
    const r = rig(19);
    mapSegment(r, 0, SEG, VSID, '256M', 12);
    // Two pages whose primary groups differ only in the top hash bit of a 2^19 table:
    // page index 0 and 0x1000 ... find two with groups g and g + 0x800 (mask 0xfff vs 0x7ff).
    const g0 = ptegIndex(primaryHash(VSID, SEG, 12, '256M'), 19);
    let other = -1n;
    for (let pg = 1n; pg < 0x10000n; pg++) {
      if (ptegIndex(primaryHash(VSID, SEG + (pg << 12n), 12, '256M'), 19) === (g0 ^ 0x800)) {
        other = SEG + (pg << 12n);
        break;
      }
    }
    expect(other).not.toBe(-1n);
    mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: SEG, ra: 0x1000n, bolted: true, slot: 3 });
    mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: other, ra: 0x2000n, bolted: true, slot: 3 });
    expect(r.call('H_RESIZE_HPT_PREPARE', 0n, 18n).rc).toBe(H.SUCCESS);
    expect(r.call('H_RESIZE_HPT_COMMIT', 0n, 18n).rc).toBe(H.PTEG_FULL);
    expect(r.hpt.shift).toBe(19);
    expect(r.mmu.translate(...ea(other), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(r.inv.all).toBe(0);
  });
});
