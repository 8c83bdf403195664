/**
 * Checks that a kernel or busybox file is what the guest needs, from its ELF
 * header and program headers only (System V ABI, ELF-64 Object File Format):
 * ELF64, little-endian, e_machine EM_PPC64; the kernel an ET_EXEC image,
 * busybox without a PT_INTERP (statically linked).
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';

const EM_PPC64 = 21;
const ET_EXEC = 2;
const PT_INTERP = 3;
/** Program headers of real kernels and busybox sit in the first few hundred bytes. */
const HEAD_BYTES = 64 * 1024;

export type GuestBinaryKind = 'vmlinux' | 'busybox';

interface ElfHead {
  readonly cls: number;
  readonly data: number;
  readonly type: number;
  readonly machine: number;
  readonly hasInterp: boolean;
}

function inspectElf(buf: Uint8Array): ElfHead | null {
  if (buf.length < 64 || buf[0] !== 0x7f || buf[1] !== 0x45 || buf[2] !== 0x4c || buf[3] !== 0x46) return null;
  const cls = buf[4]!;
  const data = buf[5]!;
  if (cls !== 2 || (data !== 1 && data !== 2)) return { cls, data, type: -1, machine: -1, hasInterp: false };
  const le = data === 1;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const phoff = dv.getBigUint64(32, le);
  const phentsize = dv.getUint16(54, le);
  const phnum = dv.getUint16(56, le);
  let hasInterp = false;
  for (let i = 0; i < phnum; i++) {
    const o = Number(phoff) + i * phentsize;
    if (o + 4 > buf.length) break;
    if (dv.getUint32(o, le) === PT_INTERP) hasInterp = true;
  }
  return { cls, data, type: dv.getUint16(16, le), machine: dv.getUint16(18, le), hasInterp };
}

function readHead(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(HEAD_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

/** Why `bytes` is not a usable file of this kind, or null when it is. */
export function checkGuestBinary(kind: GuestBinaryKind, bytes: Uint8Array): string | null {
  const elf = inspectElf(bytes);
  if (!elf) return 'not an ELF file';
  if (elf.cls !== 2 || elf.data !== 1 || elf.machine !== EM_PPC64) {
    return `not an ELF64 little-endian ppc64 file (class ${elf.cls}, data ${elf.data}, machine ${elf.machine})`;
  }
  if (kind === 'vmlinux' && elf.type !== ET_EXEC) return `ELF type ${elf.type}, expected ET_EXEC (${ET_EXEC})`;
  if (kind === 'busybox' && elf.hasInterp) return 'dynamically linked (has PT_INTERP), expected static';
  return null;
}

/** Why the file at `path` is not a usable file of this kind ('missing' too), or null when it is. */
export function checkGuestFile(kind: GuestBinaryKind, path: string): string | null {
  if (!existsSync(path)) return 'missing';
  try {
    return checkGuestBinary(kind, readHead(path));
  } catch (e) {
    return `unreadable: ${e instanceof Error ? e.message : String(e)}`;
  }
}
