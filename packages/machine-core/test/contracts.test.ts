import { describe, expect, it } from 'vitest';
import {
  decodeSnapshot,
  encodeSnapshot,
  fdtValue,
  GuestMemory,
  IdentityDmaSpace,
  nullIrqLine,
  SnapshotError,
} from '../src/index.js';

describe('IdentityDmaSpace', () => {
  it('maps a window one-to-one and faults outside it', () => {
    const m = GuestMemory.allocate(0x2000);
    const dma = new IdentityDmaSpace(m, 0x1000n, 0x800n);
    expect(dma.write(0x1000n, Uint8Array.from([1, 2, 3]))).toBe(true);
    expect(m.read(0x1000, 3)).toEqual(Uint8Array.from([1, 2, 3]));
    const buf = new Uint8Array(3);
    expect(dma.read(0x1000n, buf)).toBe(true);
    expect([...buf]).toEqual([1, 2, 3]);
    expect(dma.read(0xfffn, buf)).toBe(false);
    expect(dma.write(0x17ffn, Uint8Array.from([1, 2]))).toBe(false);
    expect(m.read8(0x17ff)).toBe(0);
    // The whole-RAM window stops at the end of RAM.
    const all = new IdentityDmaSpace(m);
    expect(all.read(0x1fffn, new Uint8Array(2))).toBe(false);
    expect(all.read(0x1ffen, new Uint8Array(2))).toBe(true);
  });
});

describe('nullIrqLine', () => {
  it('accepts every operation', () => {
    nullIrqLine.raise();
    nullIrqLine.lower();
    nullIrqLine.pulse();
    nullIrqLine.set(true);
    expect(Object.keys(nullIrqLine).sort()).toEqual(['lower', 'pulse', 'raise', 'set']);
  });
});

describe('snapshot encoding', () => {
  it('round-trips plain data with bigint and bytes', () => {
    const state = {
      regs: [1n, (1n << 64n) - 1n, -5n],
      ram: Uint8Array.from([0, 255, 7]),
      nested: { a: null, b: true, c: 'x', d: [1.5, -0, Number.NaN, Number.POSITIVE_INFINITY] },
      $ppcvm: 'a key that looks like the tag',
    };
    const back = decodeSnapshot(encodeSnapshot(state)) as Record<string, unknown>;
    expect(back.regs).toEqual(state.regs);
    expect(back.ram).toEqual(state.ram);
    expect(back.$ppcvm).toBe(state.$ppcvm);
    const d = (back.nested as { d: number[] }).d;
    expect(Object.is(d[1], -0)).toBe(true);
    expect(Number.isNaN(d[2])).toBe(true);
    expect(d[3]).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses what is not plain data', () => {
    expect(() => encodeSnapshot({ f: () => 1 })).toThrow(SnapshotError);
    expect(() => encodeSnapshot(new Map())).toThrow(SnapshotError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeSnapshot(cyclic)).toThrow(/cyclic/);
  });

  it('refuses foreign bytes', () => {
    expect(() => decodeSnapshot(new TextEncoder().encode('{"x":1}'))).toThrow(SnapshotError);
    expect(() => decodeSnapshot(Uint8Array.from([0xff, 0xfe]))).toThrow(SnapshotError);
    const bad = new TextEncoder().encode(JSON.stringify({ format: 'ppcvm-snapshot-1', state: { $ppcvm: 'what' } }));
    expect(() => decodeSnapshot(bad)).toThrow(/unknown tag/);
    expect(SnapshotError.is(new SnapshotError('x'))).toBe(true);
  });
});

describe('fdtValue helpers', () => {
  it('build the tagged values', () => {
    expect(fdtValue.cells(1, 2)).toEqual({ kind: 'cells', value: [1, 2] });
    expect(fdtValue.strings('a', 'b')).toEqual({ kind: 'strings', value: ['a', 'b'] });
    expect(fdtValue.u64(5n)).toEqual({ kind: 'u64', value: [5n] });
    expect(fdtValue.bytes([1, 2])).toEqual({ kind: 'bytes', value: Uint8Array.from([1, 2]) });
    expect(fdtValue.empty()).toEqual({ kind: 'empty' });
    expect(fdtValue.string('x')).toEqual({ kind: 'string', value: 'x' });
  });
});
