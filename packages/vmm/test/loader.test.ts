import { GuestMemory } from '@ppcvm/machine-core';
import { describe, expect, it } from 'vitest';
import {
  fdtAddress,
  initrdAddress,
  KERNEL_LOAD_ADDR,
  kernelPhysical,
  loadInitrd,
  loadKernel,
  Machine,
  parseElf64,
  rtasAddress,
  VmmError,
} from '../src/index.js';
import { Asm } from './support/asm.js';
import { makeElf } from './support/elf.js';

const code = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

describe('ELF64 reader', () => {
  it('reads big- and little-endian ppc64 images', () => {
    for (const littleEndian of [false, true]) {
      const e = parseElf64(makeElf(code, { littleEndian, bss: 8, entry: 0xc000000000000004n }));
      expect(e.littleEndian).toBe(littleEndian);
      expect(e.entry).toBe(0xc000000000000004n);
      expect(e.segments.length).toBe(1);
      expect(e.segments[0]).toMatchObject({ vaddr: 0xc000000000000000n, paddr: 0n, memSize: 16 });
      expect([...e.segments[0]!.data]).toEqual([...code]);
    }
  });

  it('names what is wrong with a bad image', () => {
    const good = makeElf(code);
    const bad = (f: (b: Uint8Array) => void) => {
      const b = good.slice();
      f(b);
      return b;
    };
    expect(() => parseElf64(new Uint8Array(10))).toThrow(/not an ELF/);
    expect(() => parseElf64(new TextEncoder().encode('#!/bin/sh\necho hi\n'.padEnd(80)))).toThrow(/not an ELF/);
    expect(() => parseElf64(bad((b) => (b[4] = 1)))).toThrow(/64-bit/);
    expect(() => parseElf64(bad((b) => (b[5] = 3)))).toThrow(/byte order/);
    expect(() => parseElf64(makeElf(code, { machine: 62 }))).toThrow(/not PowerPC64/);
    expect(() => parseElf64(bad((b) => new DataView(b.buffer).setBigUint64(64 + 8, 1n << 20n, false)))).toThrow(
      /outside the file/,
    );
    expect(() => parseElf64(bad((b) => new DataView(b.buffer).setBigUint64(64 + 40, 0n, false)))).toThrow(
      /larger than memory|no loadable/,
    );
    expect(() => parseElf64(bad((b) => new DataView(b.buffer).setUint32(64, 4, false)))).toThrow(/no loadable/);
    expect(() => parseElf64(bad((b) => new DataView(b.buffer).setBigUint64(32, 1n << 40n, false)))).toThrow(
      /program headers outside/,
    );
  });
});

describe('placement (QEMU pseries)', () => {
  it('puts segments at 0x400000 + (paddr & 0x0fffffff) and computes the entry the same way', () => {
    expect(kernelPhysical(0xc000000000000000n)).toBe(KERNEL_LOAD_ADDR);
    expect(kernelPhysical(0x10001234n)).toBe(KERNEL_LOAD_ADDR + 0x1234);
    const m = GuestMemory.allocate(64 << 20);
    m.fill(0x400000 + 8, 8, 0xee); // bss must be cleared
    const k = loadKernel(
      m,
      parseElf64(makeElf(code, { paddr: 0x10000000n, bss: 8, entry: 0xc000000000000004n })),
      32 << 20,
    );
    expect(k).toEqual({ base: 0x400000, size: 16, entry: 0x400004, littleEndian: false });
    expect([...m.read(0x400000, 16)]).toEqual([...code, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('puts the initrd 64 KiB aligned with at least 64 KiB of gap', () => {
    const k = { base: 0x400000, size: 0x10, entry: 0x400000, littleEndian: true };
    // (base + size + 0x1ffff) & ~0xffff
    expect(initrdAddress(k)).toBe(0x420000);
    expect(initrdAddress({ ...k, size: 0x10000 })).toBe(0x420000);
    expect(initrdAddress({ ...k, size: 0x10001 })).toBe(0x430000);
    const m = GuestMemory.allocate(8 << 20);
    expect(loadInitrd(m, k, Uint8Array.from([9, 9]), 8 << 20)).toEqual({ start: 0x420000, end: 0x420002 });
    expect(m.read8(0x420001)).toBe(9);
    expect(() => loadInitrd(m, k, new Uint8Array(8 << 20), 8 << 20)).toThrow(/initrd too large/);
  });

  it('refuses a kernel that reaches the device-tree area', () => {
    const m = GuestMemory.allocate(64 << 20);
    expect(() => loadKernel(m, parseElf64(makeElf(code, { bss: 60 << 20 })), 32 << 20)).toThrow(VmmError);
  });

  it('puts the FDT at min(RMA, 2 GiB) - 2 MiB and RTAS above it', () => {
    expect(fdtAddress(512 * 2 ** 20)).toBe(0x1fe00000);
    expect(fdtAddress(8 * 2 ** 30)).toBe(0x7fe00000);
    expect(rtasAddress(512 * 2 ** 20)).toBe(0x1ff00000);
  });
});

describe('Machine configuration errors', () => {
  const kernel = makeElf(new Asm().hang().bytes());
  it('are VmmErrors with a clear message', () => {
    expect(() => new Machine({ kernel, ramSize: 100 << 20 })).toThrow(/multiple of 256 MiB/);
    expect(() => new Machine({ kernel, ramSize: 256 << 20, smp: 0 })).toThrow(/must be 1 to 256/);
    expect(() => new Machine({ kernel, ramSize: 256 << 20, smp: 3, threads: 2 })).toThrow(/not a multiple/);
    expect(() => new Machine({ kernel, ramSize: 256 << 20, accel: 'tcg' as 'hv' })).toThrow(/unknown accelerator/);
    expect(() => new Machine({ kernel: new Uint8Array(100), ramSize: 256 << 20 })).toThrow(VmmError);
    expect(() => new Machine({ kernel, ramSize: 256 << 20, initrd: new Uint8Array(300 << 20) })).toThrow(
      /initrd too large/,
    );
  });

  it('loads an initrd after the kernel and a POWER9 or POWER7 model', () => {
    for (const cpu of ['power7', 'power9'] as const) {
      const m = new Machine({ kernel, ramSize: 256 << 20, cpu, initrd: Uint8Array.from([7]) });
      expect(m.boot.initrd).toEqual({ start: 0x420000, end: 0x420001 });
      expect(m.memory.read8(0x420000)).toBe(7);
      expect(m.vcpus[0]!.cpu.pvr).toBe(cpu === 'power7' ? 0x003f0201 : 0x004e1202);
    }
  });
});
