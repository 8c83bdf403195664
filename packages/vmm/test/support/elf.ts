/** Write a minimal ELF64 ppc64 executable (one PT_LOAD), as a test kernel image. */
export function makeElf(
  code: Uint8Array,
  opts: { littleEndian?: boolean; vaddr?: bigint; paddr?: bigint; entry?: bigint; bss?: number; machine?: number } = {},
): Uint8Array {
  const le = opts.littleEndian ?? false;
  const vaddr = opts.vaddr ?? 0xc000000000000000n;
  const paddr = opts.paddr ?? 0n;
  const dataOff = 0x100;
  const out = new Uint8Array(dataOff + code.length);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1, 0]);
  dv.setUint16(16, 2, le); // ET_EXEC
  dv.setUint16(18, opts.machine ?? 21, le);
  dv.setUint32(20, 1, le);
  dv.setBigUint64(24, opts.entry ?? vaddr, le);
  dv.setBigUint64(32, 64n, le); // phoff
  dv.setBigUint64(40, 0n, le); // shoff
  dv.setUint16(52, 64, le); // ehsize
  dv.setUint16(54, 56, le); // phentsize
  dv.setUint16(56, 1, le); // phnum
  const ph = 64;
  dv.setUint32(ph, 1, le); // PT_LOAD
  dv.setUint32(ph + 4, 7, le);
  dv.setBigUint64(ph + 8, BigInt(dataOff), le);
  dv.setBigUint64(ph + 16, vaddr, le);
  dv.setBigUint64(ph + 24, paddr, le);
  dv.setBigUint64(ph + 32, BigInt(code.length), le);
  dv.setBigUint64(ph + 40, BigInt(code.length + (opts.bss ?? 0)), le);
  dv.setBigUint64(ph + 48, 0x10000n, le);
  out.set(code, dataOff);
  return out;
}
