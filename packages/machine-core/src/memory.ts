/**
 * Guest physical memory: one (Shared)ArrayBuffer with bounds-checked accessors
 * whose names carry the byte order (STYLE.md lesson 2: PAPR buffers, RTAS, the
 * HPT and CRQs are big-endian; modern virtio is little-endian).
 *
 * Every address a guest hands to the host (hcall arguments, RTAS buffers, DMA
 * descriptors) goes through these accessors. An access outside RAM throws a
 * {@link GuestMemoryError}; hcall/RTAS/device code catches it and turns it into
 * an architectural error (H_PARAMETER, RTAS -3, ...) plus a debug log line.
 * The CPU's own load/store path does not use this class (it has a soft TLB
 * over the same buffer), so nothing here is on the interpreter's hot path.
 */

/** A guest physical address: a non-negative safe integer or a 64-bit bigint. */
export type GuestAddress = number | bigint;

const MEMORY_ERROR = Symbol.for('@ppcvm/machine-core/guest-memory-error');

/**
 * An access outside guest RAM (or a malformed address/length). Thrown by
 * {@link GuestMemory}; callers that serve the guest turn it into an
 * architectural error, it must never reach the user as a crash.
 */
export class GuestMemoryError extends Error {
  readonly [MEMORY_ERROR] = true;
  /** The first byte address of the failed access (as given, unsigned 64-bit). */
  readonly address: bigint;
  /** Number of bytes the access wanted. */
  readonly length: number;
  /** RAM size at the time. */
  readonly size: number;

  constructor(address: bigint, length: number, size: number, message?: string) {
    super(
      message ??
        `guest memory access at 0x${address.toString(16)} length ${length} is outside RAM (size 0x${size.toString(16)})`,
    );
    this.name = 'GuestMemoryError';
    this.address = address;
    this.length = length;
    this.size = size;
  }

  /** Identity check that survives two copies of this package in one process. */
  static is(e: unknown): e is GuestMemoryError {
    return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[MEMORY_ERROR] === true;
  }
}

const U64_MAX = (1n << 64n) - 1n;

function asBigAddress(addr: GuestAddress): bigint {
  if (typeof addr === 'bigint') return addr;
  return Number.isSafeInteger(addr) && addr >= 0 ? BigInt(addr) : -1n;
}

export interface GuestMemoryOptions {
  /** Allocate a SharedArrayBuffer (default) so vCPU workers can share RAM. */
  readonly shared?: boolean;
  /** Host-only bytes to allocate after RAM in the same buffer (not reachable through the accessors). */
  readonly extra?: number;
}

export class GuestMemory {
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** RAM size in bytes. */
  readonly size: number;
  /** Byte view of all of RAM (no bounds checks beyond the typed array's own). */
  readonly u8: Uint8Array;
  private readonly dv: DataView;

  /**
   * Guest RAM over the first `size` bytes of `buffer` (default: all of it). The
   * rest of the buffer is invisible to every accessor here, so an embedder can
   * keep host-only data next to RAM in the same shared buffer (e.g. the PR-mode
   * shared page).
   */
  constructor(buffer: SharedArrayBuffer | ArrayBuffer, size: number = buffer.byteLength) {
    if (!Number.isSafeInteger(size) || size < 0 || size > buffer.byteLength) {
      throw new RangeError(`guest RAM size ${size} does not fit a ${buffer.byteLength}-byte buffer`);
    }
    this.buffer = buffer;
    this.size = size;
    this.u8 = new Uint8Array(buffer, 0, size);
    this.dv = new DataView(buffer, 0, size);
  }

  /**
   * Zeroed RAM of `size` bytes (plus `options.extra` host-only bytes after it in
   * the same buffer). Throws a RangeError for a size the host cannot allocate.
   */
  static allocate(size: number, options: GuestMemoryOptions = {}): GuestMemory {
    if (!Number.isSafeInteger(size) || size <= 0) {
      throw new RangeError(`guest RAM size must be a positive integer, got ${size}`);
    }
    const extra = options.extra ?? 0;
    if (!Number.isSafeInteger(extra) || extra < 0) {
      throw new RangeError(`extra bytes must be a non-negative integer, got ${extra}`);
    }
    let buffer: SharedArrayBuffer | ArrayBuffer;
    try {
      buffer = options.shared === false ? new ArrayBuffer(size + extra) : new SharedArrayBuffer(size + extra);
    } catch (cause) {
      throw new RangeError(`cannot allocate ${size + extra} bytes of guest RAM`, { cause });
    }
    return new GuestMemory(buffer, size);
  }

  /** True when [addr, addr+length) lies inside RAM. */
  contains(addr: GuestAddress, length: number): boolean {
    if (!Number.isSafeInteger(length) || length < 0) return false;
    const a = asBigAddress(addr);
    if (a < 0n || a > U64_MAX) return false;
    return a + BigInt(length) <= BigInt(this.size);
  }

  /**
   * Check that [addr, addr+length) lies inside RAM and return `addr` as a
   * number offset. Throws {@link GuestMemoryError} otherwise.
   */
  checkRange(addr: GuestAddress, length: number): number {
    if (
      typeof addr === 'number' &&
      Number.isSafeInteger(addr) &&
      addr >= 0 &&
      Number.isSafeInteger(length) &&
      length >= 0
    ) {
      // Fast path without BigInt.
      if (addr + length <= this.size) return addr;
    } else if (this.contains(addr, length)) {
      return Number(addr);
    }
    const a = asBigAddress(addr);
    throw new GuestMemoryError(
      a < 0n ? 0n : a & U64_MAX,
      Number.isSafeInteger(length) ? length : -1,
      this.size,
      a < 0n || a > U64_MAX || !Number.isSafeInteger(length) || length < 0
        ? `malformed guest memory access: address ${String(addr)} length ${String(length)}`
        : undefined,
    );
  }

  // ---- scalar accessors ------------------------------------------------------------------------

  read8(addr: GuestAddress): number {
    return this.u8[this.checkRange(addr, 1)]!;
  }

  write8(addr: GuestAddress, value: number): void {
    this.u8[this.checkRange(addr, 1)] = value & 0xff;
  }

  read16BE(addr: GuestAddress): number {
    return this.dv.getUint16(this.checkRange(addr, 2), false);
  }

  read16LE(addr: GuestAddress): number {
    return this.dv.getUint16(this.checkRange(addr, 2), true);
  }

  write16BE(addr: GuestAddress, value: number): void {
    this.dv.setUint16(this.checkRange(addr, 2), value & 0xffff, false);
  }

  write16LE(addr: GuestAddress, value: number): void {
    this.dv.setUint16(this.checkRange(addr, 2), value & 0xffff, true);
  }

  /** Unsigned 32-bit big-endian load. */
  read32BE(addr: GuestAddress): number {
    return this.dv.getUint32(this.checkRange(addr, 4), false);
  }

  read32LE(addr: GuestAddress): number {
    return this.dv.getUint32(this.checkRange(addr, 4), true);
  }

  /** Store the low 32 bits of `value` (signed or unsigned) big-endian. */
  write32BE(addr: GuestAddress, value: number): void {
    this.dv.setUint32(this.checkRange(addr, 4), value >>> 0, false);
  }

  write32LE(addr: GuestAddress, value: number): void {
    this.dv.setUint32(this.checkRange(addr, 4), value >>> 0, true);
  }

  /** Unsigned 64-bit big-endian load. */
  read64BE(addr: GuestAddress): bigint {
    return this.dv.getBigUint64(this.checkRange(addr, 8), false);
  }

  read64LE(addr: GuestAddress): bigint {
    return this.dv.getBigUint64(this.checkRange(addr, 8), true);
  }

  /** Store the low 64 bits of `value` big-endian. */
  write64BE(addr: GuestAddress, value: bigint): void {
    this.dv.setBigUint64(this.checkRange(addr, 8), BigInt.asUintN(64, value), false);
  }

  write64LE(addr: GuestAddress, value: bigint): void {
    this.dv.setBigUint64(this.checkRange(addr, 8), BigInt.asUintN(64, value), true);
  }

  // ---- bulk accessors --------------------------------------------------------------------------

  /** A copy of `length` bytes at `addr`. */
  read(addr: GuestAddress, length: number): Uint8Array {
    const off = this.checkRange(addr, length);
    return this.u8.slice(off, off + length);
  }

  /** Fill `dest` from guest memory at `addr`. */
  readInto(addr: GuestAddress, dest: Uint8Array): void {
    const off = this.checkRange(addr, dest.length);
    dest.set(this.u8.subarray(off, off + dest.length));
  }

  /** Copy `src` into guest memory at `addr`. Nothing is written when the range is bad. */
  write(addr: GuestAddress, src: Uint8Array): void {
    const off = this.checkRange(addr, src.length);
    this.u8.set(src, off);
  }

  /** Guest-to-guest copy with memmove semantics (overlap allowed). */
  copy(dest: GuestAddress, src: GuestAddress, length: number): void {
    const d = this.checkRange(dest, length);
    const s = this.checkRange(src, length);
    this.u8.copyWithin(d, s, s + length);
  }

  /** Set `length` bytes at `addr` to `value`. */
  fill(addr: GuestAddress, length: number, value = 0): void {
    const off = this.checkRange(addr, length);
    this.u8.fill(value & 0xff, off, off + length);
  }

  /** A live view (no copy) of `length` bytes at `addr`. */
  view(addr: GuestAddress, length: number): Uint8Array {
    const off = this.checkRange(addr, length);
    return this.u8.subarray(off, off + length);
  }

  /**
   * A NUL-terminated string of at most `maxLength` bytes at `addr` (decoded as
   * UTF-8, invalid bytes replaced). Stops at the end of RAM instead of failing
   * when `addr` itself is inside RAM; throws when it is not.
   */
  readCString(addr: GuestAddress, maxLength: number): string {
    const off = this.checkRange(addr, 1);
    const end = Math.min(this.size, off + Math.max(0, maxLength));
    let n = off;
    while (n < end && this.u8[n] !== 0) n++;
    return new TextDecoder().decode(this.u8.slice(off, n));
  }
}
