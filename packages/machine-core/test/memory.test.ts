import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GuestMemory, GuestMemoryError } from '../src/index.js';

describe('GuestMemory', () => {
  it('allocates shared, zeroed RAM by default', () => {
    const m = GuestMemory.allocate(4096);
    expect(m.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(m.size).toBe(4096);
    expect(m.u8.every((b) => b === 0)).toBe(true);
    expect(GuestMemory.allocate(16, { shared: false }).buffer).toBeInstanceOf(ArrayBuffer);
  });

  it('rejects nonsense sizes', () => {
    expect(() => GuestMemory.allocate(0)).toThrow(RangeError);
    expect(() => GuestMemory.allocate(-1)).toThrow(RangeError);
    expect(() => GuestMemory.allocate(1.5)).toThrow(RangeError);
  });

  it('reads and writes every width in both byte orders', () => {
    const m = GuestMemory.allocate(64);
    m.write32BE(0, 0x11223344);
    expect([...m.read(0, 4)]).toEqual([0x11, 0x22, 0x33, 0x44]);
    expect(m.read32LE(0)).toBe(0x44332211);
    m.write32LE(4, -1);
    expect(m.read32BE(4)).toBe(0xffffffff);
    m.write16BE(8, 0xabcd);
    expect(m.read16LE(8)).toBe(0xcdab);
    m.write16LE(10, 0x1_2345);
    expect(m.read16BE(10)).toBe(0x4523);
    m.write64BE(16, 0x0102030405060708n);
    expect(m.read8(16)).toBe(1);
    expect(m.read8(23)).toBe(8);
    expect(m.read64LE(16)).toBe(0x0807060504030201n);
    m.write64LE(24, -2n);
    expect(m.read64BE(24)).toBe(0xfeffffffffffffffn);
    m.write8(32, 0x1ff);
    expect(m.read8(32)).toBe(0xff);
  });

  it('can cover only the start of a larger buffer', () => {
    const m = GuestMemory.allocate(4096, { extra: 4096 });
    expect(m.buffer.byteLength).toBe(8192);
    expect(m.size).toBe(4096);
    expect(m.u8.length).toBe(4096);
    expect(() => m.read8(4096)).toThrow(GuestMemoryError);
    expect(() => m.read64BE(4092)).toThrow(GuestMemoryError);
    expect(() => new GuestMemory(new ArrayBuffer(8), 9)).toThrow(RangeError);
    expect(() => GuestMemory.allocate(16, { extra: -1 })).toThrow(RangeError);
  });

  it('accepts bigint addresses', () => {
    const m = GuestMemory.allocate(64);
    m.write32BE(60n, 7);
    expect(m.read32BE(60n)).toBe(7);
  });

  it('throws a typed error for every access that leaves RAM', () => {
    const m = GuestMemory.allocate(64);
    const bad: [string, () => unknown][] = [
      ['read8 end', () => m.read8(64)],
      ['read32 straddle', () => m.read32BE(62)],
      ['read64 straddle', () => m.read64LE(60)],
      ['write16 end', () => m.write16BE(63, 1)],
      ['negative', () => m.read8(-1)],
      ['fraction', () => m.read8(1.5)],
      ['huge bigint', () => m.read8(1n << 64n)],
      ['wrap bigint', () => m.read32BE((1n << 64n) - 2n)],
      ['bulk', () => m.read(32, 33)],
      ['bulk negative length', () => m.read(0, -1)],
      ['copy dest', () => m.copy(40, 0, 32)],
      ['fill', () => m.fill(60, 8)],
      ['view', () => m.view(0, 65)],
      ['cstring start', () => m.readCString(64, 4)],
    ];
    for (const [what, f] of bad) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(GuestMemoryError.is(err), what).toBe(true);
    }
  });

  it('leaves memory untouched when a write is out of range', () => {
    const m = GuestMemory.allocate(16);
    expect(() => m.write(8, new Uint8Array(9).fill(0xaa))).toThrow(GuestMemoryError);
    expect(m.u8.every((b) => b === 0)).toBe(true);
  });

  it('reports address and length in the error', () => {
    const m = GuestMemory.allocate(0x100);
    try {
      m.read32BE(0x1000n);
      expect.unreachable();
    } catch (e) {
      expect(GuestMemoryError.is(e)).toBe(true);
      const err = e as GuestMemoryError;
      expect(err.address).toBe(0x1000n);
      expect(err.length).toBe(4);
      expect(err.size).toBe(0x100);
      expect(err.message).toContain('0x1000');
    }
  });

  it('bulk copy has memmove semantics', () => {
    const m = GuestMemory.allocate(16);
    m.write(0, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    m.copy(2, 0, 6);
    expect([...m.read(0, 8)]).toEqual([1, 2, 1, 2, 3, 4, 5, 6]);
    m.copy(0, 2, 6);
    expect([...m.read(0, 8)]).toEqual([1, 2, 3, 4, 5, 6, 5, 6]);
    m.fill(0, 4, 0x1ee);
    expect([...m.read(0, 5)]).toEqual([0xee, 0xee, 0xee, 0xee, 5]);
    const into = new Uint8Array(3);
    m.readInto(4, into);
    expect([...into]).toEqual([5, 6, 5]);
    const v = m.view(4, 2);
    v[0] = 9;
    expect(m.read8(4)).toBe(9);
  });

  it('reads C strings bounded by the limit and by the end of RAM', () => {
    const m = GuestMemory.allocate(16);
    m.write(10, new TextEncoder().encode('abcdef'));
    expect(m.readCString(10, 100)).toBe('abcdef');
    expect(m.readCString(10, 3)).toBe('abc');
    m.write8(12, 0);
    expect(m.readCString(10, 100)).toBe('ab');
  });

  it('contains() agrees with checkRange() for arbitrary ranges', () => {
    const m = GuestMemory.allocate(256);
    fc.assert(
      fc.property(fc.bigInt({ min: -4n, max: (1n << 64n) + 4n }), fc.integer({ min: -2, max: 300 }), (a, len) => {
        const inside = m.contains(a, len);
        let threw = false;
        try {
          m.checkRange(a, len);
        } catch (e) {
          threw = GuestMemoryError.is(e);
        }
        expect(threw).toBe(!inside);
        expect(inside).toBe(a >= 0n && len >= 0 && a + BigInt(len) <= 256n);
      }),
    );
  });
});
