/**
 * The partition's non-volatile RAM as QEMU's spapr-nvram presents it: a VIO
 * node (`nvram`, device_type "nvram", compatible "qemu,spapr-nvram") whose
 * `#bytes` Linux's pseries nvram driver reads before it uses the RTAS calls
 * nvram-fetch / nvram-store (which the vmm serves with {@link VioNvram.fetch} /
 * {@link VioNvram.store}). Persistence is the embedder's business: give the
 * initial contents and listen to `onStore`.
 */
import type { FdtProperty } from '@ppcvm/machine-core';
import type { VioAttachment, VioDevice } from './device.js';
import { VioError } from './errors.js';

/** QEMU's bounds for the NVRAM size (spapr_nvram.c). */
export const NVRAM_MIN_SIZE = 8192;
export const NVRAM_DEFAULT_SIZE = 65536;
export const NVRAM_MAX_SIZE = 1048576;

/** CHRP NVRAM partition header: signature, checksum, length (16-byte blocks, BE u16), 12-byte name. */
export const CHRP_HEADER_SIZE = 16;
/** Signature of a free-space partition (CHRP / Linux NVRAM_SIG_FREE). */
export const CHRP_SIG_FREE = 0x7f;

/**
 * The CHRP partition-header checksum (Linux `nvram_checksum`): add the
 * signature byte, the 16-bit length and the six 16-bit words of the name,
 * fold the carries into 16 bits, then add the two bytes with end-around carry.
 */
export function chrpNvramChecksum(header: Uint8Array): number {
  if (header.length < CHRP_HEADER_SIZE) throw new VioError('a CHRP header is 16 bytes');
  const be16 = (i: number) => (header[i]! << 8) | header[i + 1]!;
  let sum = header[0]! + be16(2);
  for (let i = 4; i < 16; i += 2) sum += be16(i);
  sum = ((sum & 0xffff) + (sum >>> 16)) & 0xffff;
  const swapped = ((sum >>> 8) + (sum << 8)) & 0x1ffff;
  return ((sum + swapped) >>> 8) & 0xff;
}

/**
 * Format `buf` as one CHRP free partition covering all of it (name twelve
 * 'w's, as firmware writes it), so a guest finds a valid partition table and
 * can carve its own partitions out of the free space.
 */
export function formatChrpNvram(buf: Uint8Array): void {
  if (buf.length % CHRP_HEADER_SIZE !== 0 || buf.length / CHRP_HEADER_SIZE > 0xffff) {
    throw new VioError(`cannot format ${buf.length} bytes as CHRP NVRAM`);
  }
  buf.fill(0);
  const blocks = buf.length / CHRP_HEADER_SIZE;
  buf[0] = CHRP_SIG_FREE;
  buf[2] = blocks >>> 8;
  buf[3] = blocks & 0xff;
  buf.fill(0x77, 4, 16);
  buf[1] = chrpNvramChecksum(buf);
}

export interface VioNvramOptions {
  /** Initial contents (e.g. read from a file); its length is the NVRAM size. */
  readonly data?: Uint8Array;
  /** Size when no data is given (default 64 KiB); the NVRAM starts CHRP-formatted. */
  readonly size?: number;
  /** Called after the guest stored bytes (for write-back to a file). */
  readonly onStore?: (offset: number, length: number) => void;
}

export class VioNvram implements VioDevice {
  readonly dtName = 'nvram';
  readonly dtType = 'nvram';
  readonly dtCompatible = 'qemu,spapr-nvram';
  readonly signalMask = 0;
  /** The NVRAM contents (live). */
  readonly data: Uint8Array;
  private readonly onStore: ((offset: number, length: number) => void) | undefined;

  constructor(options: VioNvramOptions = {}) {
    const size = options.data?.length ?? options.size ?? NVRAM_DEFAULT_SIZE;
    if (!Number.isInteger(size) || size < NVRAM_MIN_SIZE || size > NVRAM_MAX_SIZE) {
      throw new VioError(`NVRAM must be between ${NVRAM_MIN_SIZE} and ${NVRAM_MAX_SIZE} bytes, got ${size}`);
    }
    if (options.data) this.data = options.data.slice();
    else {
      if (size % CHRP_HEADER_SIZE !== 0) throw new VioError(`NVRAM size must be a multiple of ${CHRP_HEADER_SIZE}`);
      this.data = new Uint8Array(size);
      formatChrpNvram(this.data);
    }
    this.onStore = options.onStore;
  }

  get size(): number {
    return this.data.length;
  }

  nodeProperties(): FdtProperty[] {
    return [{ name: '#bytes', value: { kind: 'cells', value: [this.data.length] } }];
  }

  attach(_attachment: VioAttachment): void {}

  reset(): void {}

  /** True when [offset, offset+length) lies inside the NVRAM (u32 arithmetic as the RTAS arguments are). */
  inRange(offset: number, length: number): boolean {
    return (
      Number.isInteger(offset) &&
      Number.isInteger(length) &&
      offset >= 0 &&
      length >= 0 &&
      offset + length <= this.data.length
    );
  }

  /** A copy of `length` bytes at `offset`, or undefined when out of range. */
  fetch(offset: number, length: number): Uint8Array | undefined {
    if (!this.inRange(offset, length)) return undefined;
    return this.data.slice(offset, offset + length);
  }

  /** Store `bytes` at `offset`; false (and nothing written) when out of range. */
  store(offset: number, bytes: Uint8Array): boolean {
    if (!this.inRange(offset, bytes.length)) return false;
    this.data.set(bytes, offset);
    this.onStore?.(offset, bytes.length);
    return true;
  }

  saveState(): { data: Uint8Array } {
    return { data: this.data.slice() };
  }

  restore(state: { data: Uint8Array }): void {
    if (!(state?.data instanceof Uint8Array) || state.data.length !== this.data.length) {
      throw new VioError(`NVRAM state must be ${this.data.length} bytes`);
    }
    this.data.set(state.data);
  }
}
