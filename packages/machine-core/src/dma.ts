/**
 * Device-visible address spaces (STYLE.md lesson 3: devices get a DMA view from
 * their bus, never raw RAM). On sPAPR both VIO and PCI devices reach memory
 * through a TCE-translated window; a translation or range failure is a DMA
 * fault the device reports in its own protocol (e.g. a CRQ error), never a
 * crash.
 */
import type { GuestMemory } from './memory.js';

export interface DmaSpace {
  /** Copy `dest.length` bytes from device address `addr`. Returns false on a fault (dest contents then undefined). */
  read(addr: bigint, dest: Uint8Array): boolean;
  /** Copy `src` to device address `addr`. Returns false on a fault; nothing is written then. */
  write(addr: bigint, src: Uint8Array): boolean;
}

/**
 * A window that maps device addresses [base, base+size) one-to-one onto guest
 * physical addresses [base, base+size): the TCE "bypass" mode, and the model
 * for tests. Accesses that leave the window or RAM fault.
 */
export class IdentityDmaSpace implements DmaSpace {
  private readonly end: bigint;

  constructor(
    private readonly memory: GuestMemory,
    private readonly base = 0n,
    size: bigint = BigInt(memory.size),
  ) {
    if (base < 0n || size < 0n) throw new RangeError('DMA window base and size must be non-negative');
    this.end = base + size;
  }

  private ok(addr: bigint, length: number): boolean {
    return addr >= this.base && addr + BigInt(length) <= this.end && this.memory.contains(addr, length);
  }

  read(addr: bigint, dest: Uint8Array): boolean {
    if (!this.ok(addr, dest.length)) return false;
    this.memory.readInto(addr, dest);
    return true;
  }

  write(addr: bigint, src: Uint8Array): boolean {
    if (!this.ok(addr, src.length)) return false;
    this.memory.write(addr, src);
    return true;
  }
}
