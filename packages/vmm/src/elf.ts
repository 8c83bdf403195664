/**
 * ELF64 reader for kernel images (System V ABI, ELF-64 Object File Format):
 * big- or little-endian, PowerPC64 (EM_PPC64 = 21), PT_LOAD segments. Every
 * offset is checked against the file; a malformed image is a
 * {@link VmmError} with a message that names the problem.
 */
import { VmmError } from './errors.js';

export const EM_PPC64 = 21;
const PT_LOAD = 1;

export interface ElfSegment {
  readonly vaddr: bigint;
  readonly paddr: bigint;
  /** File bytes of the segment (memSize - data.length bytes of zeros follow). */
  readonly data: Uint8Array;
  readonly memSize: number;
}

export interface ElfImage {
  readonly littleEndian: boolean;
  readonly entry: bigint;
  readonly machine: number;
  /** PT_LOAD segments with a non-zero memory size, in file order. */
  readonly segments: readonly ElfSegment[];
}

export function parseElf64(bytes: Uint8Array, what = 'kernel'): ElfImage {
  const bad = (why: string): never => {
    throw new VmmError(`${what}: ${why}`);
  };
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    bad('not an ELF file');
  }
  if (bytes[4] !== 2) bad('not a 64-bit ELF file (ELFCLASS64 expected)');
  const data = bytes[5];
  if (data !== 1 && data !== 2) bad(`unknown ELF byte order ${data}`);
  const le = data === 1;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (o: number) => dv.getUint16(o, le);
  const u32 = (o: number) => dv.getUint32(o, le);
  const u64 = (o: number) => dv.getBigUint64(o, le);
  const machine = u16(18);
  if (machine !== EM_PPC64) bad(`ELF machine ${machine} is not PowerPC64 (${EM_PPC64})`);
  const entry = u64(24);
  const phoff = u64(32);
  const phentsize = u16(54);
  const phnum = u16(56);
  if (phnum === 0) bad('no program headers');
  if (phentsize < 56) bad(`program header size ${phentsize} too small`);
  if (phoff + BigInt(phentsize) * BigInt(phnum) > BigInt(bytes.length)) bad('program headers outside the file');
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = Number(phoff) + i * phentsize;
    if (u32(o) !== PT_LOAD) continue;
    const offset = u64(o + 8);
    const vaddr = u64(o + 16);
    const paddr = u64(o + 24);
    const filesz = u64(o + 32);
    const memsz = u64(o + 40);
    if (memsz === 0n) continue;
    if (filesz > memsz) bad(`segment ${i}: file size larger than memory size`);
    if (offset + filesz > BigInt(bytes.length)) bad(`segment ${i}: data outside the file`);
    if (memsz > 1n << 40n) bad(`segment ${i}: memory size 0x${memsz.toString(16)} is absurd`);
    segments.push({
      vaddr,
      paddr,
      data: bytes.subarray(Number(offset), Number(offset + filesz)),
      memSize: Number(memsz),
    });
  }
  if (segments.length === 0) bad('no loadable segments');
  return { littleEndian: le, entry, machine, segments };
}
