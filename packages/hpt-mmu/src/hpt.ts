/**
 * The hashed page table: 2^shift bytes of big-endian 16-byte HPTEs, 8 per
 * PTEG, in a SharedArrayBuffer outside guest RAM (as QEMU's and KVM's pseries
 * keep it; the guest only reaches it through hcalls). Several vCPU workers
 * attach to the same storage.
 *
 * Concurrency: every read-modify-write of a PTEG (hcalls, R/C updates on a
 * translation) happens under that PTEG's lock, a futex-style word in a striped
 * lock array in shared memory. Locks are never nested, so they cannot deadlock.
 */
import { HPTE_BYTES, HPTES_PER_GROUP } from './bits.js';
import { bswap32, HOST_LITTLE_ENDIAN, hi32, join64, lo32 } from './u64.js';

/** Smallest HPT LoPAPR allows (`ibm,pft-size`, SDR1 HTABSIZE = 0): 256 KiB. */
export const MIN_HPT_SHIFT = 18;
/** Largest HPT the architecture allows (SDR1 HTABSIZE = 28). */
export const MAX_HPT_SHIFT_ARCH = 46;
/** Largest HPT this implementation allocates: 4 GiB (2^25 PTEGs, hash fits 32 bits). */
export const MAX_HPT_SHIFT = 32;

const LOCK_STRIPES = 1024;

/** Everything another worker needs to attach to the same HPT. */
export interface HptStorage {
  /** log2 of the table size in bytes. */
  readonly shift: number;
  /** The table itself: 2^shift bytes. */
  readonly table: SharedArrayBuffer;
  /** One bit per HPTE: written since the last harvest (for iterative migration). */
  readonly dirty: SharedArrayBuffer;
  /** Striped PTEG locks. */
  readonly locks: SharedArrayBuffer;
}

/** HPT size in bytes for an HPT size code as in SDR1 HTABSIZE / `ibm,pft-size`. */
export function hptShiftFromHtabsize(htabsize: number): number {
  return MIN_HPT_SHIFT + htabsize;
}

/**
 * Size QEMU's pseries picks for a RAM size: 1/128 of RAM rounded up to a power
 * of two, at least 2^18 bytes (papr-notes Part A §3.6).
 */
export function defaultHptShift(ramBytes: number): number {
  let shift = MIN_HPT_SHIFT;
  while (2 ** shift * 128 < ramBytes && shift < MAX_HPT_SHIFT) shift++;
  return shift;
}

/** Allocate zeroed storage for an HPT of 2^shift bytes. Throws on a bad shift (host/config error). */
export function allocateHptStorage(shift: number): HptStorage {
  if (!Number.isInteger(shift) || shift < MIN_HPT_SHIFT || shift > MAX_HPT_SHIFT) {
    throw new RangeError(`HPT shift ${shift} outside ${MIN_HPT_SHIFT}..${MAX_HPT_SHIFT}`);
  }
  const nHptes = 2 ** shift / HPTE_BYTES;
  return {
    shift,
    table: new SharedArrayBuffer(2 ** shift),
    dirty: new SharedArrayBuffer(Math.max(4, nHptes / 8)),
    locks: new SharedArrayBuffer(LOCK_STRIPES * 4),
  };
}

function ld(w: Int32Array, i: number): number {
  return HOST_LITTLE_ENDIAN ? bswap32(w[i]!) : w[i]!;
}

function st(w: Int32Array, i: number, v: number): void {
  w[i] = HOST_LITTLE_ENDIAN ? bswap32(v) : v;
}

export class HashPageTable {
  /** log2 of the table size in bytes. */
  shift = 0;
  /** Number of PTEGs (2^(shift-7)). */
  nPtegs = 0;
  /** Number of HPTEs. */
  nHptes = 0;
  /** PTEG index mask applied to hashes. */
  hashMask = 0;
  private _storage!: HptStorage;
  /** Table words (host order of big-endian bytes; use the accessors). */
  private w!: Int32Array;
  private dirtyBits!: Int32Array;
  private lockWords!: Int32Array;

  private constructor(storage: HptStorage) {
    this.adopt(storage);
  }

  /** A new, empty HPT of 2^shift bytes. */
  static create(shift: number): HashPageTable {
    return new HashPageTable(allocateHptStorage(shift));
  }

  /** Attach to storage created elsewhere (another worker's HPT). */
  static attach(storage: HptStorage): HashPageTable {
    return new HashPageTable(storage);
  }

  get storage(): HptStorage {
    return this._storage;
  }

  /**
   * Switch to other storage (HPT resize commit, or a restore into a different
   * size). Every translation cached from the old table must be flushed.
   */
  adopt(storage: HptStorage): void {
    const { shift, table, dirty, locks } = storage;
    if (!Number.isInteger(shift) || shift < MIN_HPT_SHIFT || shift > MAX_HPT_SHIFT) {
      throw new RangeError(`HPT shift ${shift} outside ${MIN_HPT_SHIFT}..${MAX_HPT_SHIFT}`);
    }
    if (table.byteLength !== 2 ** shift) throw new Error(`HPT table is ${table.byteLength} bytes, expected 2^${shift}`);
    const nHptes = 2 ** shift / HPTE_BYTES;
    if (dirty.byteLength * 8 < nHptes) throw new Error('HPT dirty bitmap too small');
    if (locks.byteLength < LOCK_STRIPES * 4) throw new Error('HPT lock array too small');
    this._storage = storage;
    this.shift = shift;
    this.nHptes = nHptes;
    this.nPtegs = nHptes / HPTES_PER_GROUP;
    this.hashMask = this.nPtegs - 1;
    this.w = new Int32Array(table);
    this.dirtyBits = new Int32Array(dirty);
    this.lockWords = new Int32Array(locks);
  }

  // -------------------------------------------------------------------------
  // Locking (futex-style: 0 free, 1 held, 2 held with waiters)
  // -------------------------------------------------------------------------

  /** Take the lock of PTEG `pteg`. Never held across a callback into the embedder. */
  lockGroup(pteg: number): void {
    const lw = this.lockWords;
    const i = pteg & (LOCK_STRIPES - 1);
    if (Atomics.compareExchange(lw, i, 0, 1) === 0) return;
    for (let spin = 0; spin < 100; spin++) {
      if (Atomics.load(lw, i) === 0 && Atomics.compareExchange(lw, i, 0, 1) === 0) return;
    }
    while (Atomics.exchange(lw, i, 2) !== 0) Atomics.wait(lw, i, 2, 10);
  }

  unlockGroup(pteg: number): void {
    const lw = this.lockWords;
    const i = pteg & (LOCK_STRIPES - 1);
    if (Atomics.exchange(lw, i, 0) === 2) Atomics.notify(lw, i, 1);
  }

  /**
   * The table as int32 words in host byte order of the big-endian bytes
   * (word 4*ptex+0..3 = dword 0 high/low, dword 1 high/low). For the
   * translation hot path, which compares against pre-swapped values; everyone
   * else uses the accessors below.
   */
  get rawWords(): Int32Array {
    return this.w;
  }

  // -------------------------------------------------------------------------
  // Raw accessors; the caller holds the PTEG lock (or is the only thread).
  // ptex is trusted here (hcalls validate it first).
  // -------------------------------------------------------------------------

  vHi(ptex: number): number {
    return ld(this.w, ptex * 4);
  }
  vLo(ptex: number): number {
    return ld(this.w, ptex * 4 + 1);
  }
  rHi(ptex: number): number {
    return ld(this.w, ptex * 4 + 2);
  }
  rLo(ptex: number): number {
    return ld(this.w, ptex * 4 + 3);
  }

  /** Write a whole HPTE and mark it dirty. */
  setEntry(ptex: number, vHi: number, vLo: number, rHi: number, rLo: number): void {
    const w = this.w;
    const i = ptex * 4;
    st(w, i, vHi);
    st(w, i + 1, vLo);
    st(w, i + 2, rHi);
    st(w, i + 3, rLo);
    this.markDirty(ptex);
  }

  /** Rewrite the low word of dword 1 (R/C updates) and mark the HPTE dirty. */
  setRLo(ptex: number, rLo: number): void {
    st(this.w, ptex * 4 + 3, rLo);
    this.markDirty(ptex);
  }

  markDirty(ptex: number): void {
    Atomics.or(this.dirtyBits, ptex >>> 5, 1 << (ptex & 31));
  }

  /** Whether HPTE `ptex` changed since the dirty bits were last cleared; optionally clear it. */
  testDirty(ptex: number, clear: boolean): boolean {
    const bit = 1 << (ptex & 31);
    const word = clear ? Atomics.and(this.dirtyBits, ptex >>> 5, ~bit) : Atomics.load(this.dirtyBits, ptex >>> 5);
    return (word & bit) !== 0;
  }

  /** Mark every HPTE clean (start of an iterative save). */
  clearAllDirty(): void {
    for (let i = 0; i < this.dirtyBits.length; i++) Atomics.store(this.dirtyBits, i, 0);
  }

  // -------------------------------------------------------------------------
  // Convenience (bigint, takes the lock); not for hot paths.
  // -------------------------------------------------------------------------

  /** Read HPTE `ptex` as two 64-bit dwords. */
  read(ptex: number): { v: bigint; r: bigint } {
    this.checkPtex(ptex);
    const g = ptex >>> 3;
    this.lockGroup(g);
    try {
      return { v: join64(this.vHi(ptex), this.vLo(ptex)), r: join64(this.rHi(ptex), this.rLo(ptex)) };
    } finally {
      this.unlockGroup(g);
    }
  }

  /**
   * Write HPTE `ptex` directly (no hcall checks, no TLB invalidation: for
   * tools, tests and restore). Callers that change a live translation must
   * flush soft TLBs themselves.
   */
  write(ptex: number, v: bigint, r: bigint): void {
    this.checkPtex(ptex);
    const g = ptex >>> 3;
    this.lockGroup(g);
    try {
      this.setEntry(ptex, hi32(v), lo32(v), hi32(r), lo32(r));
    } finally {
      this.unlockGroup(g);
    }
  }

  /** Copy of the table bytes (big-endian HPTEs). */
  snapshot(): Uint8Array {
    return new Uint8Array(this._storage.table).slice();
  }

  private checkPtex(ptex: number): void {
    if (!Number.isInteger(ptex) || ptex < 0 || ptex >= this.nHptes) {
      throw new RangeError(`HPTE index ${ptex} outside 0..${this.nHptes - 1}`);
    }
  }
}
