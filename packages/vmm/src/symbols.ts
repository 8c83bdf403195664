/**
 * Symbol names for guest addresses, from an ELF64 file's `.symtab` (System V
 * ABI, "Symbol Table"): the kernel's own symbol table gives `-d exec`,
 * `-d in_asm` and the monitor's disassembly names such as `start_kernel+0x1c`.
 * Reads big- and little-endian files; every offset is checked against the
 * file and a malformed or stripped file simply has no symbols.
 */

const SHT_SYMTAB = 2;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const STT_SECTION = 3;
const STT_FILE = 4;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;
/** A size-less symbol (an assembler label) covers at most this many bytes after it. */
const LABEL_REACH = 0x10000;
/** Linux's ppc64 linear mapping: real address r is effective address 0xc000_0000_0000_0000 + r. */
const KERNEL_BASE_HI = 0xc0000000;

/** A symbol and how far into it an address is. */
export interface SymbolHit {
  readonly name: string;
  readonly offset: number;
}

export class Symbolizer {
  /** Symbol addresses split into 32-bit halves (no BigInt on the lookup path), sorted ascending. */
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly sizes: Float64Array;
  private readonly names: string[];
  private readonly byName: ReadonlyMap<string, bigint>;

  private constructor(
    entries: { hi: number; lo: number; size: number; name: string }[],
    byName: ReadonlyMap<string, bigint>,
  ) {
    this.byName = byName;
    const n = entries.length;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.sizes = new Float64Array(n);
    this.names = new Array<string>(n);
    entries.forEach((e, i) => {
      this.hi[i] = e.hi;
      this.lo[i] = e.lo;
      this.sizes[i] = e.size;
      this.names[i] = e.name;
    });
  }

  /** No symbols at all. */
  static empty(): Symbolizer {
    return new Symbolizer([], new Map());
  }

  /** The function, object and label symbols of an ELF64 file (none when it has no .symtab). */
  static fromElf(bytes: Uint8Array): Symbolizer {
    const { entries, byName } = readElfSymbols(bytes);
    return new Symbolizer(entries, byName);
  }

  get size(): number {
    return this.names.length;
  }

  /** Address of a symbol by name, or undefined. */
  addressOf(name: string): bigint | undefined {
    return this.byName.get(name);
  }

  /**
   * The symbol an address (high:low halves) lies in. An address with its top four bits
   * clear that no symbol covers is also tried in the kernel's linear mapping (the kernel
   * runs in real mode at the same offsets early in boot and in interrupt vectors).
   */
  lookupHalves(hi: number, lo: number): SymbolHit | undefined {
    const hit = this.find(hi >>> 0, lo >>> 0);
    if (hit || hi >>> 28 !== 0) return hit;
    return this.find((hi | KERNEL_BASE_HI) >>> 0, lo >>> 0);
  }

  lookup(address: bigint): SymbolHit | undefined {
    const a = BigInt.asUintN(64, address);
    return this.lookupHalves(Number(a >> 32n), Number(a & 0xffffffffn));
  }

  /** `name+0x1c` (or `name` at offset 0) for an address, or undefined. */
  format(address: bigint): string | undefined {
    const h = this.lookup(address);
    return h ? formatHit(h) : undefined;
  }

  formatHalves(hi: number, lo: number): string | undefined {
    const h = this.lookupHalves(hi, lo);
    return h ? formatHit(h) : undefined;
  }

  private find(hi: number, lo: number): SymbolHit | undefined {
    const H = this.hi;
    const L = this.lo;
    // Last entry <= (hi, lo).
    let a = 0;
    let b = H.length - 1;
    let at = -1;
    while (a <= b) {
      const m = (a + b) >>> 1;
      const mh = H[m]!;
      if (mh < hi || (mh === hi && L[m]! <= lo)) {
        at = m;
        a = m + 1;
      } else b = m - 1;
    }
    if (at < 0) return undefined;
    // Offsets are small (a symbol's size, or LABEL_REACH): the high halves differ by at most one.
    const offset = (hi - H[at]!) * 2 ** 32 + (lo - L[at]!);
    const size = this.sizes[at]!;
    if (size > 0 ? offset >= size : offset >= LABEL_REACH) return undefined;
    return { name: this.names[at]!, offset };
  }
}

export function formatHit(h: SymbolHit): string {
  return h.offset === 0 ? h.name : `${h.name}+0x${h.offset.toString(16)}`;
}

/** Preference among symbols at one address: functions, then objects, then labels; global first. */
function rank(type: number, bind: number): number {
  const t = type === STT_FUNC ? 0 : type === STT_OBJECT ? 2 : 4;
  return t + (bind === 0 ? 1 : 0);
}

interface ElfSymbols {
  entries: { hi: number; lo: number; size: number; name: string }[];
  byName: Map<string, bigint>;
}

function readElfSymbols(bytes: Uint8Array): ElfSymbols {
  const none: ElfSymbols = { entries: [], byName: new Map() };
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    return none;
  if (bytes[4] !== 2 || (bytes[5] !== 1 && bytes[5] !== 2)) return none;
  const le = bytes[5] === 1;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  const u32 = (o: number) => dv.getUint32(o, le);
  const off64 = (o: number) => {
    const v = dv.getBigUint64(o, le);
    return v > BigInt(len) ? -1 : Number(v);
  };
  const shoff = off64(0x28);
  const shentsize = dv.getUint16(0x3a, le);
  const shnum = dv.getUint16(0x3c, le);
  if (shoff <= 0 || shentsize < 64 || shoff + shentsize * shnum > len) return none;
  const byName = new Map<string, bigint>();
  const out: { hi: number; lo: number; size: number; name: string; rank: number }[] = [];
  const decoder = new TextDecoder('latin1');
  for (let s = 0; s < shnum; s++) {
    const sh = shoff + s * shentsize;
    if (u32(sh + 4) !== SHT_SYMTAB) continue;
    const symOff = off64(sh + 24);
    const symSize = off64(sh + 32);
    const entsize = off64(sh + 56);
    const link = u32(sh + 40);
    if (symOff < 0 || symSize < 0 || symOff + symSize > len || entsize < 24 || link >= shnum) continue;
    const strSh = shoff + link * shentsize;
    const strOff = off64(strSh + 24);
    const strSize = off64(strSh + 32);
    if (strOff < 0 || strSize < 0 || strOff + strSize > len) continue;
    const count = Math.floor(symSize / entsize);
    for (let i = 1; i < count; i++) {
      const e = symOff + i * entsize;
      const info = bytes[e + 4]!;
      const type = info & 0xf;
      const shndx = dv.getUint16(e + 6, le);
      if (type === STT_SECTION || type === STT_FILE || type > STT_FUNC) continue;
      if (shndx === SHN_UNDEF || shndx >= SHN_LORESERVE) continue;
      const nameAt = u32(e);
      if (nameAt === 0 || nameAt >= strSize) continue;
      let end = strOff + nameAt;
      const limit = strOff + strSize;
      while (end < limit && bytes[end] !== 0) end++;
      const name = decoder.decode(bytes.subarray(strOff + nameAt, end));
      // Assembler-local labels carry no meaning for a reader.
      if (name === '' || name.startsWith('.L') || name.startsWith('$')) continue;
      const value = dv.getBigUint64(e + 8, le);
      const size = dv.getBigUint64(e + 16, le);
      // Globals win over locals of the same name (e.g. static functions in several files).
      if (!byName.has(name) || info >> 4 !== 0) byName.set(name, value);
      out.push({
        hi: Number(value >> 32n),
        lo: Number(value & 0xffffffffn),
        size: size > 0xffffffffn ? 0xffffffff : Number(size),
        name,
        rank: rank(type, info >> 4),
      });
    }
  }
  out.sort((x, y) => x.hi - y.hi || x.lo - y.lo || x.rank - y.rank || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  // One symbol per address: the preferred one.
  const unique = out.filter((e, i) => i === 0 || e.hi !== out[i - 1]!.hi || e.lo !== out[i - 1]!.lo);
  return { entries: unique.map(({ hi, lo, size, name }) => ({ hi, lo, size, name })), byName };
}
