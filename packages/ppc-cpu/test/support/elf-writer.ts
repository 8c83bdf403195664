/**
 * Minimal ELF64 little-endian ET_EXEC writer and reader for static test
 * programs (System V gABI "ELF-64 Object File Format"; 64-bit PowerPC ELF
 * ABI v2 for e_machine/e_flags). Only what a static, section-less program
 * needs: an ELF header and one PT_LOAD program header per segment.
 */

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

const EM_PPC64 = 21;
const ET_EXEC = 2;
const PT_LOAD = 1;
const PT_GNU_STACK = 0x6474e551;
/** e_flags: ELFv2 ABI (no function descriptors; the entry is a plain code address). */
const EF_PPC64_ABI_V2 = 2;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
/** Segment file offsets are congruent to their vaddr modulo this (64 KiB pages on ppc64). */
const SEG_ALIGN = 0x10000;

export interface ElfSegment {
  /** Virtual address of the first byte; must be 4 KiB aligned. */
  readonly vaddr: number;
  readonly data: Uint8Array;
  /** Size in memory (>= data.length; the rest is zero-filled). Default data.length. */
  readonly memsz?: number;
  /** PF_R | PF_W | PF_X. */
  readonly flags: number;
}

export interface ElfImage {
  readonly entry: number;
  readonly segments: readonly ElfSegment[];
}

/** Lay out an ET_EXEC image: headers, then each segment at an offset congruent to its vaddr. */
export function writeElf64(img: ElfImage): Uint8Array {
  const phnum = img.segments.length + 1;
  let off = EHDR_SIZE + PHDR_SIZE * phnum;
  const offsets: number[] = [];
  for (const seg of img.segments) {
    if (seg.vaddr % 4096 !== 0) throw new Error(`segment vaddr 0x${seg.vaddr.toString(16)} not page aligned`);
    const want = seg.vaddr % SEG_ALIGN;
    const at = off - (off % SEG_ALIGN) + want;
    off = at < off ? at + SEG_ALIGN : at;
    offsets.push(off);
    off += seg.data.length;
  }
  const out = new Uint8Array(off);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2 /* ELFCLASS64 */, 1 /* ELFDATA2LSB */, 1 /* EV_CURRENT */, 0 /* SYSV */]);
  dv.setUint16(16, ET_EXEC, true);
  dv.setUint16(18, EM_PPC64, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, BigInt(img.entry), true);
  dv.setBigUint64(32, BigInt(EHDR_SIZE), true); // e_phoff
  dv.setBigUint64(40, 0n, true); // e_shoff
  dv.setUint32(48, EF_PPC64_ABI_V2, true);
  dv.setUint16(52, EHDR_SIZE, true);
  dv.setUint16(54, PHDR_SIZE, true);
  dv.setUint16(56, phnum, true);
  dv.setUint16(58, 64, true); // e_shentsize
  dv.setUint16(60, 0, true);
  dv.setUint16(62, 0, true);
  img.segments.forEach((seg, i) => {
    const p = EHDR_SIZE + PHDR_SIZE * i;
    dv.setUint32(p, PT_LOAD, true);
    dv.setUint32(p + 4, seg.flags, true);
    dv.setBigUint64(p + 8, BigInt(offsets[i]!), true);
    dv.setBigUint64(p + 16, BigInt(seg.vaddr), true);
    dv.setBigUint64(p + 24, BigInt(seg.vaddr), true);
    dv.setBigUint64(p + 32, BigInt(seg.data.length), true);
    dv.setBigUint64(p + 40, BigInt(Math.max(seg.memsz ?? 0, seg.data.length)), true);
    dv.setBigUint64(p + 48, BigInt(SEG_ALIGN), true);
    out.set(seg.data, offsets[i]!);
  });
  // A non-executable stack, so loaders do not warn or make the stack executable.
  const g = EHDR_SIZE + PHDR_SIZE * img.segments.length;
  dv.setUint32(g, PT_GNU_STACK, true);
  dv.setUint32(g + 4, PF_R | PF_W, true);
  dv.setBigUint64(g + 48, 16n, true);
  return out;
}

/** Parse the header and PT_LOAD segments of a little-endian ELF64 executable (for the in-process loader). */
export function readElf64(file: Uint8Array): ElfImage {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46 || file[4] !== 2 || file[5] !== 1) throw new Error('not an ELF64 LE file');
  if (dv.getUint16(18, true) !== EM_PPC64) throw new Error('not a PPC64 ELF');
  const entry = Number(dv.getBigUint64(24, true));
  const phoff = Number(dv.getBigUint64(32, true));
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (dv.getUint32(p, true) !== PT_LOAD) continue;
    const offset = Number(dv.getBigUint64(p + 8, true));
    const filesz = Number(dv.getBigUint64(p + 32, true));
    segments.push({
      vaddr: Number(dv.getBigUint64(p + 16, true)),
      data: file.subarray(offset, offset + filesz),
      memsz: Number(dv.getBigUint64(p + 40, true)),
      flags: dv.getUint32(p + 4, true),
    });
  }
  return { entry, segments };
}
