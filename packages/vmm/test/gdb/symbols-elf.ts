/**
 * A test kernel image with a symbol table: one PT_LOAD of big-endian code
 * (loaded at 0x400000, entered in real mode) plus .symtab/.strtab sections,
 * so `-d exec`, `-d in_asm` and the monitor have names to print. Symbols are
 * given as offsets into the code and placed where Linux puts its own: the
 * linear mapping 0xc000_0000_0000_0000 + physical address.
 */

/** Where the machine loads the code (KERNEL_LOAD_ADDR) and the symbols' base. */
export const LOAD = 0x400000;
export const SYMBOL_BASE = 0xc000000000000000n + BigInt(LOAD);

export interface TestSymbol {
  readonly name: string;
  /** Byte offset into the code. */
  readonly offset: number;
  readonly size?: number;
  readonly type?: 'func' | 'object' | 'notype';
}

export function elfWithSymbols(code: Uint8Array, symbols: readonly TestSymbol[]): Uint8Array {
  const le = false;
  const dataOff = 0x100;
  const strtab: number[] = [0];
  const nameAt = (s: string) => {
    const at = strtab.length;
    for (const c of s) strtab.push(c.charCodeAt(0));
    strtab.push(0);
    return at;
  };
  const syms = symbols.map((s) => ({ ...s, name: nameAt(s.name) }));
  const shstr: number[] = [0];
  const shName = (s: string) => {
    const at = shstr.length;
    for (const c of s) shstr.push(c.charCodeAt(0));
    shstr.push(0);
    return at;
  };
  const names = {
    text: shName('.text'),
    symtab: shName('.symtab'),
    strtab: shName('.strtab'),
    shstrtab: shName('.shstrtab'),
  };
  const align8 = (n: number) => (n + 7) & ~7;
  const symOff = align8(dataOff + code.length);
  const symSize = 24 * (syms.length + 1);
  const strOff = symOff + symSize;
  const shstrOff = strOff + strtab.length;
  const shOff = align8(shstrOff + shstr.length);
  const out = new Uint8Array(shOff + 5 * 64);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 2, 1, 0]);
  dv.setUint16(16, 2, le); // ET_EXEC
  dv.setUint16(18, 21, le); // EM_PPC64
  dv.setUint32(20, 1, le);
  dv.setBigUint64(24, 0xc000000000000000n, le); // entry: the first instruction
  dv.setBigUint64(32, 64n, le);
  dv.setBigUint64(40, BigInt(shOff), le);
  dv.setUint16(52, 64, le);
  dv.setUint16(54, 56, le);
  dv.setUint16(56, 1, le);
  dv.setUint16(58, 64, le); // shentsize
  dv.setUint16(60, 5, le); // shnum
  dv.setUint16(62, 4, le); // shstrndx
  const ph = 64;
  dv.setUint32(ph, 1, le);
  dv.setUint32(ph + 4, 7, le);
  dv.setBigUint64(ph + 8, BigInt(dataOff), le);
  dv.setBigUint64(ph + 16, 0xc000000000000000n, le);
  dv.setBigUint64(ph + 24, 0n, le);
  dv.setBigUint64(ph + 32, BigInt(code.length), le);
  dv.setBigUint64(ph + 40, BigInt(code.length), le);
  dv.setBigUint64(ph + 48, 0x10000n, le);
  out.set(code, dataOff);
  syms.forEach((s, i) => {
    const e = symOff + 24 * (i + 1);
    dv.setUint32(e, s.name, le);
    const type = s.type === 'object' ? 1 : s.type === 'notype' ? 0 : 2;
    out[e + 4] = (1 << 4) | type; // STB_GLOBAL
    dv.setUint16(e + 6, 1, le); // .text
    dv.setBigUint64(e + 8, SYMBOL_BASE + BigInt(s.offset), le);
    dv.setBigUint64(e + 16, BigInt(s.size ?? 0), le);
  });
  out.set(strtab, strOff);
  out.set(shstr, shstrOff);
  const sh = (i: number, name: number, type: number, off: number, size: number, link = 0, entsize = 0, addr = 0n) => {
    const o = shOff + 64 * i;
    dv.setUint32(o, name, le);
    dv.setUint32(o + 4, type, le);
    dv.setBigUint64(o + 16, addr, le);
    dv.setBigUint64(o + 24, BigInt(off), le);
    dv.setBigUint64(o + 32, BigInt(size), le);
    dv.setUint32(o + 40, link, le);
    dv.setBigUint64(o + 56, BigInt(entsize), le);
  };
  sh(1, names.text, 1, dataOff, code.length, 0, 0, 0xc000000000000000n);
  sh(2, names.symtab, 2, symOff, symSize, 3, 24);
  sh(3, names.strtab, 3, strOff, strtab.length);
  sh(4, names.shstrtab, 3, shstrOff, shstr.length);
  return out;
}
