/** 64-bit values as int32 halves, and conversions for the bigint public API. */

const M32 = 0xffffffffn;

/** High 32 bits of a 64-bit value, as int32. */
export function hi32(v: bigint): number {
  return Number((v >> 32n) & M32) | 0;
}

/** Low 32 bits, as int32. */
export function lo32(v: bigint): number {
  return Number(v & M32) | 0;
}

/** Unsigned 64-bit value from int32 halves. */
export function join64(hi: number, lo: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Byte-swap a 32-bit value. */
export function bswap32(x: number): number {
  return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);
}

/** True when the host stores typed-array elements little-endian. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
