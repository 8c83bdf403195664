import { describe, expect, it } from 'vitest';
import {
  ACCESS_LOAD,
  allocateHptStorage,
  createMmuRegs,
  defaultHptShift,
  HashMmu,
  HashPageTable,
  hptShiftFromHtabsize,
  PageSizeTable,
  PSERIES_DEFAULT_PAGE_SIZES,
  Slb,
  Translation,
} from '../src/index.js';
import { ea, mapPage, mapSegment, ra, rig } from './helpers.js';

// Facts from a real QEMU pseries POWER8 device tree (shared/reference/qemu-pseries-power8.dts,
// 512 MiB RAM): ibm,segment-page-sizes and ibm,pft-size of /cpus/PowerPC,POWER8@0.
const DTS_SEGMENT_PAGE_SIZES = [0x0c, 0x00, 0x01, 0x0c, 0x00, 0x10, 0x110, 0x01, 0x10, 0x01];
const DTS_PFT_SIZE = [0x00, 0x16];

describe('sizes and device-tree facts', () => {
  it('pseries default page sizes give the ibm,segment-page-sizes QEMU emits', () => {
    expect(new PageSizeTable(PSERIES_DEFAULT_PAGE_SIZES).segmentPageSizesCells()).toEqual(DTS_SEGMENT_PAGE_SIZES);
  });

  it('the POWER8 table lists MPSS sizes', () => {
    expect(new PageSizeTable().segmentPageSizesCells()).toEqual([
      12, 0, 3, 12, 0, 16, 7, 24, 0x38, 16, 0x110, 2, 16, 1, 24, 8, 24, 0x100, 1, 24, 0, 34, 0x120, 1, 34, 3,
    ]);
  });

  it('HPT size for RAM matches ibm,pft-size of a 512 MiB guest', () => {
    expect(defaultHptShift(512 * 2 ** 20)).toBe(DTS_PFT_SIZE[1]);
    expect(defaultHptShift(1)).toBe(18);
    expect(hptShiftFromHtabsize(4)).toBe(22);
  });

  it('rejects bad tables and sizes (host configuration errors)', () => {
    expect(() => new PageSizeTable([])).toThrow();
    expect(() => new PageSizeTable([{ shift: 13, slbEnc: 0, actual: [{ shift: 13, penc: 0 }] }])).toThrow();
    expect(() => new PageSizeTable([{ shift: 16, slbEnc: 0x110, actual: [{ shift: 12, penc: 0 }] }])).toThrow();
    expect(() => new PageSizeTable([{ shift: 16, slbEnc: 0x110, actual: [{ shift: 16, penc: 0x10 }] }])).toThrow();
    expect(() => HashPageTable.create(17)).toThrow(RangeError);
    expect(() => allocateHptStorage(33)).toThrow(RangeError);
    expect(() => new Slb({ size: 0 })).toThrow();
    expect(() => HashPageTable.create(18).read(16384)).toThrow(RangeError);
  });
});

describe('shared storage', () => {
  it('a second HashPageTable attached to the same storage (another worker) sees the same HPT', () => {
    const r = rig();
    mapSegment(r, 0, 0x1000_0000n, 0x99n, '256M', 12);
    const other = HashPageTable.attach(r.hpt.storage);
    const slb2 = new Slb();
    slb2.restoreState(r.slb.saveState());
    const mmu2 = new HashMmu({ hpt: other, slb: slb2 });
    mapPage(r, { vsid: 0x99n, segment: '256M', base: 12, ea: 0x1000_4000n, ra: 0x8000n });
    const t = new Translation();
    expect(mmu2.translate(...ea(0x1000_4010n), ACCESS_LOAD, createMmuRegs(), t)).toBe(true);
    expect(ra(t)).toBe(0x8010n);
    // R recorded through one view is visible through the other.
    expect(r.hpt.read(t.ptex).r & 0x100n).toBe(0x100n);
  });
});
