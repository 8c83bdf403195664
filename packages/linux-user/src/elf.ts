/**
 * ELF64 little-endian PowerPC64 executable parsing (System V gABI, ELF-64
 * Object File Format; 64-bit ELF V2 ABI Specification for Power, ch. 4).
 * Only what a static program loader needs: the header and program headers.
 */

export const ET_EXEC = 2;
export const ET_DYN = 3;
export const EM_PPC64 = 21;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

/** A host-side problem with the program file (not a guest fault). */
export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

export interface ProgramHeader {
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

export interface ElfFile {
  readonly bytes: Uint8Array;
  /** ET_EXEC or ET_DYN. */
  readonly type: number;
  readonly entry: number;
  /** e_flags & 3: 2 for ELFv2, 1 or 0 for ELFv1 (function descriptors). */
  readonly abiVersion: number;
  readonly phoff: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly phdrs: readonly ProgramHeader[];
  /** Path of PT_INTERP, if the program is dynamically linked. */
  readonly interp: string | null;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Parse and sanity-check an ELF64 LE EM_PPC64 executable. Throws ElfError with a one-line reason. */
export function parseElf(bytes: Uint8Array): ElfFile {
  if (bytes.length < 64) throw new ElfError('not an ELF file (too short)');
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('not an ELF file (bad magic)');
  }
  if (bytes[4] !== 2) throw new ElfError('not a 64-bit ELF file (ELFCLASS32); only ppc64le programs are supported');
  if (bytes[5] !== 1) throw new ElfError('big-endian ELF file; only little-endian ppc64le programs are supported');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u64 = (o: number): number => {
    const v = dv.getBigUint64(o, true);
    if (v > BigInt(MAX_SAFE)) throw new ElfError(`ELF field at offset ${o} is out of range`);
    return Number(v);
  };
  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_PPC64) throw new ElfError(`not a PowerPC64 ELF file (e_machine ${machine})`);
  if (type !== ET_EXEC && type !== ET_DYN) throw new ElfError(`not an executable (e_type ${type})`);
  const entry = u64(24);
  const phoff = u64(32);
  const flags = dv.getUint32(48, true);
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  if (phentsize !== 56) throw new ElfError(`unexpected program header size ${phentsize}`);
  if (phnum === 0 || phnum > 1024) throw new ElfError(`bad program header count ${phnum}`);
  if (phoff + phnum * phentsize > bytes.length) throw new ElfError('program headers lie outside the file');
  const phdrs: ProgramHeader[] = [];
  let interp: string | null = null;
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const ph: ProgramHeader = {
      type: dv.getUint32(o, true),
      flags: dv.getUint32(o + 4, true),
      offset: u64(o + 8),
      vaddr: u64(o + 16),
      filesz: u64(o + 32),
      memsz: u64(o + 40),
      align: u64(o + 48),
    };
    if (ph.type === PT_LOAD) {
      if (ph.filesz > ph.memsz) throw new ElfError(`segment ${i}: p_filesz > p_memsz`);
      if (ph.offset + ph.filesz > bytes.length) throw new ElfError(`segment ${i} extends past the end of the file`);
      if (ph.vaddr + ph.memsz > 2 ** 52) throw new ElfError(`segment ${i} lies outside the user address space`);
    }
    if (ph.type === PT_INTERP) {
      if (ph.offset + ph.filesz > bytes.length) throw new ElfError('PT_INTERP lies outside the file');
      const raw = bytes.subarray(ph.offset, ph.offset + ph.filesz);
      const nul = raw.indexOf(0);
      interp = new TextDecoder().decode(nul >= 0 ? raw.subarray(0, nul) : raw);
    }
    phdrs.push(ph);
  }
  if (!phdrs.some((p) => p.type === PT_LOAD)) throw new ElfError('no loadable segments');
  return { bytes, type, entry, abiVersion: flags & 3, phoff, phentsize, phnum, phdrs, interp };
}
