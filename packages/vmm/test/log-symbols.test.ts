/**
 * The symbolizer behind `-d exec`/`-d in_asm` and the monitor: lookups by
 * address and name, sizes and labels, the real-mode fallback into the
 * kernel's linear mapping, hostile files, and (when the Debian kernel fixture
 * is there) agreement with binutils' nm on the real vmlinux.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../../scripts/fixtures.mjs';
import { Symbolizer } from '../src/index.js';
import { elfWithSymbols, SYMBOL_BASE } from './gdb/symbols-elf.js';

const elf = elfWithSymbols(new Uint8Array(0x400), [
  { name: 'alpha', offset: 0, size: 0x40 },
  { name: 'beta', offset: 0x80, size: 0x10, type: 'object' },
  { name: 'label', offset: 0x100, type: 'notype' },
  { name: 'alias', offset: 0x100, size: 0x20 },
]);

describe('Symbolizer', () => {
  const s = Symbolizer.fromElf(elf);

  it('finds the symbol an address is in, within its size', () => {
    expect(s.size).toBe(3); // alias and label share an address: one entry, the function
    expect(s.format(SYMBOL_BASE)).toBe('alpha');
    expect(s.format(SYMBOL_BASE + 0x3cn)).toBe('alpha+0x3c');
    expect(s.format(SYMBOL_BASE + 0x40n)).toBeUndefined(); // past alpha's size
    expect(s.format(SYMBOL_BASE + 0x8fn)).toBe('beta+0xf');
    expect(s.format(SYMBOL_BASE + 0x100n)).toBe('alias');
    expect(s.format(SYMBOL_BASE - 4n)).toBeUndefined();
    expect(s.lookup(SYMBOL_BASE + 0x84n)).toEqual({ name: 'beta', offset: 4 });
  });

  it('a real-mode address falls back to the linear mapping', () => {
    expect(s.format(0x400084n)).toBe('beta+0x4');
    expect(s.formatHalves(0, 0x400000)).toBe('alpha');
    // Addresses with high bits set are taken as they are.
    expect(s.format(0x8000000000400000n)).toBeUndefined();
  });

  it('names resolve to addresses, including aliases', () => {
    expect(s.addressOf('beta')).toBe(SYMBOL_BASE + 0x80n);
    expect(s.addressOf('label')).toBe(SYMBOL_BASE + 0x100n);
    expect(s.addressOf('alias')).toBe(SYMBOL_BASE + 0x100n);
    expect(s.addressOf('nope')).toBeUndefined();
  });

  it('a stripped, truncated or garbage file has no symbols and never throws', () => {
    expect(Symbolizer.fromElf(new Uint8Array(10)).size).toBe(0);
    expect(Symbolizer.empty().format(0n)).toBeUndefined();
    for (const cut of [64, 200, elf.length - 100, elf.length - 1]) {
      expect(() => Symbolizer.fromElf(elf.subarray(0, cut))).not.toThrow();
    }
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(elf.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 40 }),
        (edits) => {
          const bad = elf.slice();
          for (const [at, v] of edits) bad[at] = v;
          const sym = Symbolizer.fromElf(bad);
          sym.format(SYMBOL_BASE + 0x10n);
          sym.addressOf('alpha');
        },
      ),
      { numRuns: 300 },
    );
  });
});

const vmlinux = fixturePath('vmlinux');
const NM = 'powerpc64le-linux-gnu-nm';
const haveNm = spawnSync(NM, ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!vmlinux || !haveNm)('Symbolizer on the Debian vmlinux (nm as the oracle)', () => {
  it('agrees with nm on function and object addresses', () => {
    const s = Symbolizer.fromElf(new Uint8Array(readFileSync(vmlinux!)));
    expect(s.size).toBeGreaterThan(50_000);
    const nm = spawnSync(NM, ['-S', vmlinux!], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
    const rows = nm
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f.length === 4 && /^[TD]$/.test(f[2]!));
    expect(rows.length).toBeGreaterThan(10_000);
    for (const name of ['start_kernel', 'jiffies_64', 'init_task', 'linux_banner', 'do_timer']) {
      const row = rows.find((f) => f[3] === name);
      expect(row, name).toBeDefined();
      const addr = BigInt(`0x${row![0]}`);
      expect(s.addressOf(name), name).toBe(addr);
      const size = Number.parseInt(row![1]!, 16);
      expect(s.lookup(addr + BigInt(size - 1))?.offset, name).toBe(size - 1);
    }
    // A sample of global functions: the address maps back to a symbol at that address.
    for (let i = 0; i < rows.length; i += 997) {
      const [a, , , name] = rows[i]!;
      const hit = s.lookup(BigInt(`0x${a}`));
      expect(hit?.offset, name).toBe(0);
      expect(s.addressOf(hit!.name)).toBe(BigInt(`0x${a}`));
    }
  });
});
