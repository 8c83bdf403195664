import { describe, expect, it } from 'vitest';
import { AddressSpace, DYN_BASE, ElfError, loadElf, PAGE_SIZE, PT_GNU_STACK, parseElf } from '../src/index.js';
import { buildElf, code, HEADER_PAD, insn } from './helpers.js';

const PF_R = 4;
const PF_W = 2;
const PF_X = 1;

function space(): AddressSpace {
  return new AddressSpace({ ramBytes: 16 << 20 });
}

describe('parseElf', () => {
  it('reads the header and program headers', () => {
    const img = buildElf({
      entry: 0x10001000,
      segments: [{ vaddr: 0x10000000, flags: PF_R | PF_X, data: code([insn.sc()]), withHeaders: true }],
    });
    const elf = parseElf(img);
    expect(elf.type).toBe(2);
    expect(elf.entry).toBe(0x10001000);
    expect(elf.abiVersion).toBe(2);
    expect(elf.phnum).toBe(1);
    expect(elf.phdrs[0]).toMatchObject({ type: 1, vaddr: 0x10000000, offset: 0, filesz: HEADER_PAD + 4 });
    expect(elf.interp).toBeNull();
  });

  it.each([
    ['too short', new Uint8Array(10), /too short/],
    ['bad magic', new Uint8Array(64), /bad magic/],
    ['32-bit', buildElf({ entry: 0, cls: 1, segments: [{ vaddr: 0x10000, flags: PF_R }] }), /ELFCLASS32/],
    ['big-endian', buildElf({ entry: 0, data: 2, segments: [{ vaddr: 0x10000, flags: PF_R }] }), /big-endian/],
    ['x86-64', buildElf({ entry: 0, machine: 62, segments: [{ vaddr: 0x10000, flags: PF_R }] }), /e_machine 62/],
    ['relocatable', buildElf({ entry: 0, type: 1, segments: [{ vaddr: 0x10000, flags: PF_R }] }), /e_type 1/],
    ['no PT_LOAD', buildElf({ entry: 0, segments: [{ type: 4, vaddr: 0x10000, flags: PF_R }] }), /no loadable/],
  ])('rejects %s', (_name, bytes, msg) => {
    expect(() => parseElf(bytes)).toThrow(ElfError);
    expect(() => parseElf(bytes)).toThrow(msg);
  });

  it('rejects segments that lie outside the file or have filesz > memsz', () => {
    const img = buildElf({ entry: 0, segments: [{ vaddr: 0x10000, flags: PF_R, data: new Uint8Array(100) }] });
    const dv = new DataView(img.buffer);
    const ph = 64;
    dv.setBigUint64(ph + 32, 1n << 40n, true); // filesz beyond the file
    dv.setBigUint64(ph + 40, 1n << 41n, true);
    expect(() => parseElf(img)).toThrow(/past the end/);
    dv.setBigUint64(ph + 32, 100n, true);
    dv.setBigUint64(ph + 40, 50n, true);
    expect(() => parseElf(img)).toThrow(/p_filesz > p_memsz/);
  });

  it('never throws anything but ElfError on corrupted headers', () => {
    const base = buildElf({
      entry: 0x10001000,
      segments: [
        { vaddr: 0x10000000, flags: PF_R | PF_X, data: code([insn.sc()]), withHeaders: true },
        { vaddr: 0x10020000, flags: PF_R | PF_W, data: new Uint8Array(64), memsz: 4096 },
      ],
    });
    let seed = 12345;
    for (let i = 0; i < 2000; i++) {
      const img = base.slice();
      for (let k = 0; k < 4; k++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        img[seed % 176] = (seed >>> 8) & 0xff;
      }
      try {
        parseElf(img);
      } catch (e) {
        expect(e).toBeInstanceOf(ElfError);
      }
    }
  });
});

describe('loadElf', () => {
  it('maps ET_EXEC segments at their addresses with their permissions, zeroing bss', () => {
    const text = code([insn.li(3, 7), insn.sc()]);
    const data = new Uint8Array([1, 2, 3, 4, 5]);
    const as = space();
    const elf = parseElf(
      buildElf({
        entry: 0x10000000 + HEADER_PAD,
        segments: [
          { vaddr: 0x10000000, flags: PF_R | PF_X, data: text, withHeaders: true },
          { vaddr: 0x10030100, flags: PF_R | PF_W, data, memsz: 0x30000 },
        ],
      }),
    );
    const img = loadElf(as, elf);
    expect(img.loadBias).toBe(0);
    expect(img.entry).toBe(0x10001000);
    expect(img.phdr).toBe(0x10000040); // e_phoff inside the first segment
    expect(img.phnum).toBe(2);
    expect(img.brk).toBe(0x10070000); // page-aligned end of 0x10030100 + 0x30000
    expect(as.read(0x10001000, 8)).toEqual(text);
    expect(as.read(0x10030100, 5)).toEqual(data);
    // bss is zero and writable; the text page is not writable.
    expect(as.read(0x10030105, 0x2fffb)!.every((b) => b === 0)).toBe(true);
    expect(as.prot(0x10000000 / PAGE_SIZE)).toBe(5);
    expect(as.prot(0x10030000 / PAGE_SIZE)).toBe(3);
    expect(as.write(0x10000000, new Uint8Array(1))).toBe(false);
    expect(as.write(0x1006fff0, new Uint8Array(16))).toBe(true);
    // Nothing mapped between the image and the break.
    expect(as.isMapped(0x10070000 / PAGE_SIZE)).toBe(false);
  });

  it('relocates a static PIE (ET_DYN) to DYN_BASE', () => {
    const as = space();
    const elf = parseElf(
      buildElf({
        type: 3,
        entry: HEADER_PAD,
        segments: [{ vaddr: 0, flags: PF_R | PF_X, data: code([insn.sc()]), withHeaders: true }],
      }),
    );
    const img = loadElf(as, elf);
    expect(img.loadBias).toBe(DYN_BASE);
    expect(img.entry).toBe(DYN_BASE + HEADER_PAD);
    expect(img.phdr).toBe(DYN_BASE + 64);
    expect(as.read(DYN_BASE + HEADER_PAD, 4)).toEqual(code([insn.sc()]));
  });

  it('honours PT_GNU_STACK and rejects dynamically linked programs', () => {
    const seg = { vaddr: 0x10000000, flags: PF_R | PF_X, data: code([insn.sc()]), withHeaders: true };
    const exec = parseElf(buildElf({ entry: 0x10001000, segments: [seg, { type: PT_GNU_STACK, vaddr: 0, flags: 7 }] }));
    expect(loadElf(space(), exec).execStack).toBe(true);
    const noexec = parseElf(
      buildElf({ entry: 0x10001000, segments: [seg, { type: PT_GNU_STACK, vaddr: 0, flags: 6 }] }),
    );
    expect(loadElf(space(), noexec).execStack).toBe(false);
    const interp = new TextEncoder().encode('/lib64/ld64.so.2\0');
    const dyn = parseElf(
      buildElf({ entry: 0x10001000, segments: [seg, { type: 3, vaddr: 0x10020000, flags: 4, data: interp }] }),
    );
    expect(dyn.interp).toBe('/lib64/ld64.so.2');
    expect(() => loadElf(space(), dyn)).toThrow(/dynamically linked/);
  });
});
