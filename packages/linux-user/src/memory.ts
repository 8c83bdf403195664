/**
 * A user-mode address space: guest "physical" memory is one ArrayBuffer split
 * into 64 KiB frames; a page table maps 64 KiB virtual pages to frames with
 * R/W/X permissions. It is the Cpu's AddressTranslator, and it gives system
 * calls checked access to guest memory (a bad pointer is an EFAULT, never a
 * host exception).
 *
 * Frames are attached lazily, on the first access to a page, so a large
 * mapping (an 8 MiB stack, a malloc arena) costs nothing until it is touched,
 * just as anonymous memory in Linux.
 */
import { Access, type AddressTranslator, TranslateFault } from '@ppcvm/ppc-cpu';
import { PAGE_SHIFT, PAGE_SIZE, PROT } from './abi.js';

const TWO32 = 4294967296;
/** First address past user space we accept: ppc64 Linux with 64K pages allows 4 PiB (2^52). */
export const USER_LIMIT = 2 ** 52;
const MAX_VPN = USER_LIMIT / PAGE_SIZE;

/** The guest ran out of frames (Linux would call the OOM killer). */
export class GuestOutOfMemory extends Error {
  constructor(bytes: number) {
    super(`guest out of memory (${bytes} bytes of guest RAM in use; raise it with -m)`);
    this.name = 'GuestOutOfMemory';
  }
}

/** Hooks into the Cpu that owns the address space's caches. */
export interface MemoryListener {
  /** Host code wrote guest RAM at [off, off+len): drop decoded instructions there. */
  codeWritten(ramOffset: number, length: number): void;
  /** Translations changed (unmap/protect): drop every cached translation. */
  translationsChanged(): void;
}

export interface AddressSpaceOptions {
  /** Bytes of guest RAM (multiple of 64 KiB); default 1 GiB. */
  readonly ramBytes?: number;
  /** Supply an existing buffer instead. */
  readonly ram?: ArrayBuffer | SharedArrayBuffer;
  /**
   * Most virtual pages mapped at once (each costs a page-table entry even when
   * never touched); default 16 x the RAM frames, between 64 Ki and 1 Mi pages.
   */
  readonly maxPages?: number;
}

export interface MappingInfo {
  readonly start: number;
  readonly end: number;
  readonly prot: number;
}

export class AddressSpace implements AddressTranslator {
  readonly ram: ArrayBuffer | SharedArrayBuffer;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly frameCount: number;
  /** Limit on mapped virtual pages (mmap beyond it fails with ENOMEM). */
  readonly maxPages: number;
  listener: MemoryListener | null = null;

  /** vpn → (frame + 1) * 8 + prot; frame + 1 = 0 means "not backed yet". */
  private readonly pt = new Map<number, number>();
  private readonly freeFrames: Int32Array;
  private freeTop: number;
  /** 1 when a frame has held data and must be cleared before reuse. */
  private readonly dirty: Uint8Array;

  constructor(opts: AddressSpaceOptions = {}) {
    const bytes = opts.ram?.byteLength ?? opts.ramBytes ?? 1 << 30;
    if (!Number.isInteger(bytes) || bytes < PAGE_SIZE * 16 || bytes % PAGE_SIZE !== 0) {
      throw new RangeError(`guest RAM size must be a multiple of 64 KiB and at least 1 MiB (got ${bytes})`);
    }
    // A large ArrayBuffer is zero-filled by the OS on demand, so untouched RAM costs no host memory.
    this.ram = opts.ram ?? new ArrayBuffer(bytes);
    this.u8 = new Uint8Array(this.ram);
    this.dv = new DataView(this.ram);
    this.frameCount = bytes / PAGE_SIZE;
    this.maxPages = opts.maxPages ?? Math.min(1 << 20, Math.max(1 << 16, 16 * this.frameCount));
    this.freeFrames = new Int32Array(this.frameCount);
    // Hand out low frames first (pop from the top of the stack).
    for (let i = 0; i < this.frameCount; i++) this.freeFrames[i] = this.frameCount - 1 - i;
    this.freeTop = this.frameCount;
    this.dirty = new Uint8Array(this.frameCount);
  }

  /** Virtual pages currently mapped. */
  get mappedPages(): number {
    return this.pt.size;
  }

  /** Whether n more pages may be mapped. */
  canMap(n: number): boolean {
    return n >= 0 && this.pt.size + n <= this.maxPages;
  }

  /** Bytes of guest RAM currently backing pages. */
  get usedBytes(): number {
    return (this.frameCount - this.freeTop) * PAGE_SIZE;
  }

  // ---- AddressTranslator (called by the Cpu on soft-TLB misses) ------------------------------

  translate(eaHi: number, eaLo: number, access: Access): number {
    const hi = eaHi >>> 0;
    if (hi >= USER_LIMIT / TWO32) return TranslateFault.Unmapped;
    const vpn = hi * 65536 + (eaLo >>> PAGE_SHIFT);
    let e = this.pt.get(vpn);
    if (e === undefined) return TranslateFault.Unmapped;
    if (!protAllows(e & 7, access)) return TranslateFault.Protection;
    if (e < 8) e = this.back(vpn, e);
    return ((e >>> 3) - 1) * PAGE_SIZE + (eaLo & 0xf000);
  }

  // ---- page table ----------------------------------------------------------------------------

  /** Map [vpn, vpn+n) with `prot`, replacing (and freeing) anything mapped there. Pages start zeroed. */
  map(vpn: number, n: number, prot: number): void {
    if (vpn < 0 || vpn + n > MAX_VPN || !this.canMap(n - Math.min(n, this.countMapped(vpn, n)))) {
      throw new RangeError(`map: ${n} pages at vpn 0x${vpn.toString(16)} exceed the address space limits`);
    }
    let changed = false;
    for (let i = 0; i < n; i++) {
      const old = this.pt.get(vpn + i);
      if (old !== undefined) {
        this.release(old);
        changed = true;
      }
      this.pt.set(vpn + i, prot & 7);
    }
    if (changed) this.listener?.translationsChanged();
  }

  /** Remove [vpn, vpn+n) (holes are fine, like munmap). Cost is bounded by the pages actually mapped. */
  unmap(vpn: number, n: number): void {
    let changed = false;
    for (const v of this.mappedIn(vpn, n)) {
      this.release(this.pt.get(v)!);
      this.pt.delete(v);
      changed = true;
    }
    if (changed) this.listener?.translationsChanged();
  }

  /** Mapped vpns within [vpn, vpn+n), visiting at most min(n, mapped pages) entries. */
  private mappedIn(vpn: number, n: number): number[] {
    const out: number[] = [];
    if (n > this.pt.size) {
      for (const k of this.pt.keys()) if (k >= vpn && k < vpn + n) out.push(k);
    } else {
      for (let i = 0; i < n; i++) if (this.pt.has(vpn + i)) out.push(vpn + i);
    }
    return out;
  }

  private countMapped(vpn: number, n: number): number {
    return this.mappedIn(vpn, n).length;
  }

  /** Remove every mapping (execve). */
  unmapAll(): void {
    for (const e of this.pt.values()) this.release(e);
    this.pt.clear();
    this.listener?.translationsChanged();
  }

  /** Change permissions; false if some page in the range is unmapped (mprotect's ENOMEM). */
  protect(vpn: number, n: number, prot: number): boolean {
    if (!this.allMapped(vpn, n)) return false;
    for (let i = 0; i < n; i++) {
      const e = this.pt.get(vpn + i)!;
      this.pt.set(vpn + i, (e & ~7) | (prot & 7));
    }
    this.listener?.translationsChanged();
    return true;
  }

  /**
   * Move the pages [from, from+n) to [to, to+n) without copying (mremap). The
   * destination must be free.
   */
  move(from: number, to: number, n: number): void {
    const entries: number[] = [];
    for (let i = 0; i < n; i++) {
      entries.push(this.pt.get(from + i) ?? -1);
      this.pt.delete(from + i);
    }
    for (let i = 0; i < n; i++) if (entries[i]! >= 0) this.pt.set(to + i, entries[i]!);
    this.listener?.translationsChanged();
  }

  isMapped(vpn: number): boolean {
    return this.pt.has(vpn);
  }

  prot(vpn: number): number {
    const e = this.pt.get(vpn);
    return e === undefined ? -1 : e & 7;
  }

  allMapped(vpn: number, n: number): boolean {
    if (n > this.pt.size) return false;
    for (let i = 0; i < n; i++) if (!this.pt.has(vpn + i)) return false;
    return true;
  }

  noneMapped(vpn: number, n: number): boolean {
    if (vpn < 0 || vpn + n > MAX_VPN) return false;
    if (n > this.pt.size) {
      for (const k of this.pt.keys()) if (k >= vpn && k < vpn + n) return false;
      return true;
    }
    for (let i = 0; i < n; i++) if (this.pt.has(vpn + i)) return false;
    return true;
  }

  /** Highest-first search for n free pages in [lowVpn, highVpn); -1 if none. O(m log m) in mapped pages. */
  findFree(n: number, lowVpn: number, highVpn: number): number {
    if (n <= 0) return -1;
    const used = [...this.pt.keys()].filter((k) => k >= lowVpn && k < highVpn).sort((a, b) => b - a);
    let top = highVpn;
    for (const k of used) {
      if (top - (k + 1) >= n) return top - n;
      top = k;
    }
    return top - lowVpn >= n ? top - n : -1;
  }

  /** Mappings as [start, end) byte ranges with equal permissions, sorted (for /proc/self/maps and tests). */
  mappings(): MappingInfo[] {
    const vpns = [...this.pt.keys()].sort((a, b) => a - b);
    const out: MappingInfo[] = [];
    for (const v of vpns) {
      const prot = this.pt.get(v)! & 7;
      const last = out[out.length - 1];
      if (last && last.end === v * PAGE_SIZE && last.prot === prot) {
        out[out.length - 1] = { start: last.start, end: (v + 1) * PAGE_SIZE, prot };
      } else out.push({ start: v * PAGE_SIZE, end: (v + 1) * PAGE_SIZE, prot });
    }
    return out;
  }

  private back(vpn: number, e: number): number {
    if (this.freeTop === 0) throw new GuestOutOfMemory(this.frameCount * PAGE_SIZE);
    const frame = this.freeFrames[--this.freeTop]!;
    if (this.dirty[frame]) {
      const off = frame * PAGE_SIZE;
      this.u8.fill(0, off, off + PAGE_SIZE);
      this.listener?.codeWritten(off, PAGE_SIZE);
    }
    this.dirty[frame] = 1;
    const ne = (frame + 1) * 8 + (e & 7);
    this.pt.set(vpn, ne);
    return ne;
  }

  private release(e: number): void {
    if (e >= 8) this.freeFrames[this.freeTop++] = (e >>> 3) - 1;
  }

  // ---- checked guest access for the kernel side ------------------------------------------------

  /**
   * RAM offset of guest address `addr` for an access by the emulated kernel,
   * or -1 when the page is unmapped or forbids it. `access` Store backs the page.
   */
  ramOffset(addr: number, access: Access): number {
    if (!(addr >= 0 && addr < USER_LIMIT)) return -1;
    const vpn = Math.floor(addr / PAGE_SIZE);
    let e = this.pt.get(vpn);
    if (e === undefined || !protAllows(e & 7, access)) return -1;
    if (e < 8) e = this.back(vpn, e);
    return ((e >>> 3) - 1) * PAGE_SIZE + (addr % PAGE_SIZE);
  }

  /** True when every byte of [addr, addr+len) allows `access`. Backs pages for Store. */
  check(addr: number, len: number, access: Access): boolean {
    if (len === 0) return addr >= 0 && addr <= USER_LIMIT;
    if (!(addr >= 0 && len > 0 && addr + len <= USER_LIMIT)) return false;
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + len - 1) / PAGE_SIZE);
    for (let v = first; v <= last; v++) {
      const e = this.pt.get(v);
      if (e === undefined || !protAllows(e & 7, access)) return false;
    }
    return true;
  }

  /** Copy guest memory into `dst`; false (nothing copied) on a bad range. */
  readInto(addr: number, dst: Uint8Array, dstOff = 0, len = dst.length - dstOff): boolean {
    if (!this.check(addr, len, Access.Load)) return false;
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const chunk = Math.min(len - done, PAGE_SIZE - (a % PAGE_SIZE));
      const off = this.ramOffset(a, Access.Load);
      dst.set(this.u8.subarray(off, off + chunk), dstOff + done);
      done += chunk;
    }
    return true;
  }

  /** A copy of guest memory, or null on a bad range. */
  read(addr: number, len: number): Uint8Array | null {
    if (!this.check(addr, len, Access.Load)) return null;
    const out = new Uint8Array(len);
    this.readInto(addr, out);
    return out;
  }

  /** Copy `src` into guest memory (all or nothing); false on a bad range. */
  write(addr: number, src: Uint8Array, srcOff = 0, len = src.length - srcOff): boolean {
    if (!this.check(addr, len, Access.Store)) return false;
    this.poke(addr, src, srcOff, len);
    return true;
  }

  /**
   * Write guest memory ignoring page permissions (the loader filling read-only
   * segments). The range must be mapped.
   */
  poke(addr: number, src: Uint8Array, srcOff = 0, len = src.length - srcOff): void {
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const vpn = Math.floor(a / PAGE_SIZE);
      let e = this.pt.get(vpn);
      if (e === undefined) throw new RangeError(`poke: address 0x${a.toString(16)} is not mapped`);
      if (e < 8) e = this.back(vpn, e);
      const off = ((e >>> 3) - 1) * PAGE_SIZE + (a % PAGE_SIZE);
      const chunk = Math.min(len - done, PAGE_SIZE - (a % PAGE_SIZE));
      this.u8.set(src.subarray(srcOff + done, srcOff + done + chunk), off);
      this.listener?.codeWritten(off, chunk);
      done += chunk;
    }
  }

  /** Zero [addr, addr+len) ignoring permissions (bss). The range must be mapped. */
  zero(addr: number, len: number): void {
    let done = 0;
    while (done < len) {
      const a = addr + done;
      const chunk = Math.min(len - done, PAGE_SIZE - (a % PAGE_SIZE));
      const vpn = Math.floor(a / PAGE_SIZE);
      const e = this.pt.get(vpn);
      if (e === undefined) throw new RangeError(`zero: address 0x${a.toString(16)} is not mapped`);
      // An unbacked page reads as zero already.
      if (e >= 8) {
        const off = ((e >>> 3) - 1) * PAGE_SIZE + (a % PAGE_SIZE);
        this.u8.fill(0, off, off + chunk);
        this.listener?.codeWritten(off, chunk);
      }
      done += chunk;
    }
  }

  /** Little-endian scalar accessors for the kernel side; null/false on a bad pointer. */
  readU64(addr: number): number | null {
    const b = this.read(addr, 8);
    if (!b) return null;
    const dv = new DataView(b.buffer);
    return dv.getUint32(4, true) * TWO32 + dv.getUint32(0, true);
  }

  readU32(addr: number): number | null {
    const b = this.read(addr, 4);
    return b ? new DataView(b.buffer).getUint32(0, true) : null;
  }

  writeU64(addr: number, v: number | bigint): boolean {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
    return this.write(addr, b);
  }

  writeU32(addr: number, v: number): boolean {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return this.write(addr, b);
  }

  /**
   * A NUL-terminated string of at most `max` bytes (including the NUL), as
   * raw bytes; 'fault' on a bad pointer, 'toolong' if no NUL within `max`.
   */
  readCString(addr: number, max: number): Uint8Array | 'fault' | 'toolong' {
    const parts: Uint8Array[] = [];
    let total = 0;
    let a = addr;
    while (total < max) {
      const off = this.ramOffset(a, Access.Load);
      if (off < 0) return 'fault';
      const chunk = Math.min(max - total, PAGE_SIZE - (a % PAGE_SIZE));
      const view = this.u8.subarray(off, off + chunk);
      const nul = view.indexOf(0);
      if (nul >= 0) {
        parts.push(view.slice(0, nul));
        total += nul;
        return concat(parts, total);
      }
      parts.push(view.slice());
      total += chunk;
      a += chunk;
    }
    return 'toolong';
  }
}

function protAllows(prot: number, access: Access): boolean {
  // Book III-S page protection: a writable page is also readable (there is no write-only PP encoding).
  if (access === Access.Load) return (prot & (PROT.READ | PROT.WRITE)) !== 0;
  if (access === Access.Store) return (prot & PROT.WRITE) !== 0;
  return (prot & PROT.EXEC) !== 0;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
