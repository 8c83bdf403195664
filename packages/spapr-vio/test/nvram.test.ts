import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CHRP_SIG_FREE,
  chrpNvramChecksum,
  formatChrpNvram,
  NVRAM_DEFAULT_SIZE,
  VioError,
  VioNvram,
} from '../src/index.js';

/**
 * An independent formulation of the CHRP header checksum: a byte-wise sum with
 * end-around carry over the signature and bytes 2..15 (as QEMU's chrp_nvram
 * and OpenBIOS write it).
 */
function bytewiseChecksum(h: Uint8Array): number {
  let sum = h[0]!;
  for (let i = 2; i < 16; i++) {
    sum += h[i]!;
    sum = (sum + ((sum & 0xff00) >> 8)) & 0xff;
  }
  return sum;
}

describe('CHRP NVRAM header', () => {
  /** The 16-bit word sum with end-around carry that Linux's nvram_checksum folds into a byte. */
  function foldedWordSum(h: Uint8Array): number {
    let sum = h[0]! + ((h[2]! << 8) | h[3]!);
    for (let i = 4; i < 16; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
    return ((sum & 0xffff) + (sum >>> 16)) & 0xffff;
  }

  it('agrees with the byte-wise checksum whenever the folded word sum has a non-zero high byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (h) => {
        fc.pre(foldedWordSum(h) >= 0x100);
        expect(chrpNvramChecksum(h)).toBe(bytewiseChecksum(h));
      }),
      { numRuns: 2000 },
    );
  });

  it("follows Linux's nvram_checksum where the two formulations part (folded sum below 0x100)", () => {
    // Linux (arch/powerpc/kernel/nvram_64.c) is the guest that checks these headers, so its
    // arithmetic decides: ((s + byteswap(s)) >> 8) & 0xff, which is s itself when s < 0x100.
    const h = Uint8Array.from([68, 0, 249, 121, 190, 44, 6, 3, 248, 241, 128, 57, 223, 229, 233, 1]);
    expect(foldedWordSum(h)).toBe(0);
    expect(chrpNvramChecksum(h)).toBe(0);
    expect(bytewiseChecksum(h)).toBe(1);
  });

  it('formats one free partition over the whole NVRAM', () => {
    const buf = new Uint8Array(NVRAM_DEFAULT_SIZE).fill(0xaa);
    formatChrpNvram(buf);
    expect(buf[0]).toBe(CHRP_SIG_FREE);
    expect((buf[2]! << 8) | buf[3]!).toBe(NVRAM_DEFAULT_SIZE / 16);
    expect(new TextDecoder().decode(buf.subarray(4, 16))).toBe('wwwwwwwwwwww');
    expect(buf[1]).toBe(bytewiseChecksum(buf));
    expect(buf.subarray(16).every((b) => b === 0)).toBe(true);
    expect(() => formatChrpNvram(new Uint8Array(17))).toThrow(VioError);
  });
});

describe('VioNvram', () => {
  it('starts formatted, 64 KiB by default', () => {
    const n = new VioNvram();
    expect(n.size).toBe(65536);
    expect(n.data[0]).toBe(CHRP_SIG_FREE);
    expect(n.nodeProperties()).toEqual([{ name: '#bytes', value: { kind: 'cells', value: [65536] } }]);
  });

  it('takes given contents as they are, within QEMU size bounds', () => {
    const data = new Uint8Array(8192).fill(3);
    const n = new VioNvram({ data });
    expect(n.size).toBe(8192);
    expect(n.data[0]).toBe(3);
    data[0] = 9;
    expect(n.data[0]).toBe(3); // copied
    expect(() => new VioNvram({ size: 4096 })).toThrow(VioError);
    expect(() => new VioNvram({ data: new Uint8Array(2 << 20) })).toThrow(VioError);
    expect(() => new VioNvram({ size: 8200 })).toThrow(VioError);
  });

  it('fetches and stores inside the bounds only, reporting stores', () => {
    const stores: [number, number][] = [];
    const n = new VioNvram({ size: 8192, onStore: (o, l) => stores.push([o, l]) });
    expect(n.store(100, Uint8Array.from([1, 2, 3]))).toBe(true);
    expect(n.fetch(100, 3)).toEqual(Uint8Array.from([1, 2, 3]));
    expect(n.fetch(8190, 2)?.length).toBe(2);
    expect(n.fetch(8190, 3)).toBeUndefined();
    expect(n.fetch(-1, 1)).toBeUndefined();
    expect(n.fetch(0, 0)?.length).toBe(0);
    expect(n.store(8192, Uint8Array.from([1]))).toBe(false);
    expect(n.store(0xffffffff, new Uint8Array(2))).toBe(false);
    expect(stores).toEqual([[100, 3]]);
  });

  it('saves and restores its contents', () => {
    const n = new VioNvram({ size: 8192 });
    n.store(0, Uint8Array.from([7]));
    const s = n.saveState();
    n.store(0, Uint8Array.from([8]));
    n.restore(s);
    expect(n.data[0]).toBe(7);
    expect(() => n.restore({ data: new Uint8Array(10) })).toThrow(VioError);
  });
});
