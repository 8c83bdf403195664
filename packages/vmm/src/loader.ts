/**
 * Where the boot images go in guest RAM, the way QEMU's pseries puts them
 * (papr-notes A §0 and §3.9; ARCHITECTURE.md §6), so kernels that boot under
 * `qemu-system-ppc64 -M pseries -kernel` boot here unchanged.
 */
import type { GuestMemory } from '@ppcvm/machine-core';
import type { ElfImage } from './elf.js';
import { VmmError } from './errors.js';

/** QEMU's `kernel-addr` default (= FW_MAX_SIZE): the kernel is loaded 4 MiB up. */
export const KERNEL_LOAD_ADDR = 0x400000;
/** Room kept for the device tree (QEMU 7.2 FDT_MAX_SIZE). */
export const FDT_MAX_SIZE = 0x100000;
/** The device tree sits this far below the top of the real-mode area (QEMU: 2 MiB). */
export const FDT_TOP_GAP = 0x200000;
/** QEMU's FDT_MAX_ADDR: the tree stays below 2 GiB so 32-bit code can reach it. */
export const FDT_MAX_ADDR = 0x80000000;
/** The RMA is capped at 1 TiB (QEMU spapr_rma_size). */
export const RMA_MAX = 2 ** 40;

const INITRD_ALIGN = 0x10000;

export interface LoadedKernel {
  /** Physical address of the lowest loaded byte (r4 at entry). */
  readonly base: number;
  /** Bytes from `base` to the end of the highest segment. */
  readonly size: number;
  /** Physical entry address. */
  readonly entry: number;
  readonly littleEndian: boolean;
}

/** Physical address QEMU gives an ELF address: (addr & 0x0fffffff) + kernel_addr (translate_kernel_address). */
export function kernelPhysical(addr: bigint, kernelAddr = KERNEL_LOAD_ADDR): number {
  return Number(addr & 0x0fffffffn) + kernelAddr;
}

/** Size of the real-mode area: all RAM up to 1 TiB (one memory node). */
export function rmaSize(ramSize: number): number {
  return Math.min(ramSize, RMA_MAX);
}

/** QEMU: the FDT is loaded at MIN(RMA, 2 GiB) - 2 MiB. */
export function fdtAddress(ramSize: number): number {
  return Math.min(rmaSize(ramSize), FDT_MAX_ADDR) - FDT_TOP_GAP;
}

/** The RTAS blob goes right after the room reserved for the tree, inside the top 2 MiB. */
export function rtasAddress(ramSize: number): number {
  return fdtAddress(ramSize) + FDT_MAX_SIZE;
}

/**
 * Copy the PT_LOAD segments of `elf` to (paddr & 0x0fffffff) + kernelAddr and zero
 * their bss. The images must end below `limit` (the FDT/RTAS area).
 */
export function loadKernel(
  memory: GuestMemory,
  elf: ElfImage,
  limit: number,
  kernelAddr = KERNEL_LOAD_ADDR,
): LoadedKernel {
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const s of elf.segments) {
    const at = kernelPhysical(s.paddr, kernelAddr);
    lo = Math.min(lo, at);
    hi = Math.max(hi, at + s.memSize);
  }
  if (hi > limit) {
    throw new VmmError(
      `kernel does not fit: it needs RAM up to 0x${hi.toString(16)} but the boot area ends at 0x${limit.toString(16)}`,
    );
  }
  for (const s of elf.segments) {
    const at = kernelPhysical(s.paddr, kernelAddr);
    memory.write(at, s.data);
    memory.fill(at + s.data.length, s.memSize - s.data.length, 0);
  }
  return { base: lo, size: hi - lo, entry: kernelPhysical(elf.entry, kernelAddr), littleEndian: elf.littleEndian };
}

/**
 * Where the initrd goes: QEMU places it at (kernel_addr + kernel_size + 0x1ffff) &
 * ~0xffff, i.e. 64 KiB aligned with at least 64 KiB of gap. (QEMU's kernel_size
 * is the sum of the segment sizes; we use the extent from the lowest to the
 * highest loaded byte, which is the same for a contiguous vmlinux and never
 * overlaps when segments leave holes.)
 */
export function initrdAddress(kernel: LoadedKernel): number {
  return Math.floor((kernel.base + kernel.size + 0x1ffff) / INITRD_ALIGN) * INITRD_ALIGN;
}

/** Copy the initrd after the kernel; it must end below `limit`. Returns its [start, end). */
export function loadInitrd(memory: GuestMemory, kernel: LoadedKernel, initrd: Uint8Array, limit: number) {
  const start = initrdAddress(kernel);
  const end = start + initrd.length;
  if (end > limit) {
    throw new VmmError(
      `initrd too large: ${initrd.length} bytes at 0x${start.toString(16)} would end at 0x${end.toString(16)}, past 0x${limit.toString(16)}`,
    );
  }
  memory.write(start, initrd);
  return { start, end };
}
