/**
 * Random input state with a bias towards edge values: integers at sign and
 * width boundaries, and for floating point ±0, ±inf, QNaN, SNaN, denormals,
 * max/min normal, 1.0 and values next to rounding boundaries.
 */
import type { CaseInput } from './program.js';
import { WIN_SIZE } from './program.js';
import type { Rng } from './rng.js';

const M64 = (1n << 64n) - 1n;

/** Integer edge values (as unsigned 64-bit). */
export const EDGE_U64: readonly bigint[] = [
  0n,
  1n,
  2n,
  M64,
  M64 - 1n,
  0x7fff_ffff_ffff_ffffn,
  0x8000_0000_0000_0000n,
  0x8000_0000_0000_0001n,
  0xffff_ffffn,
  0xffff_fffen,
  0x8000_0000n,
  0x7fff_ffffn,
  0x1_0000_0000n,
  0xffff_ffff_8000_0000n,
  0xffff_ffff_7fff_ffffn,
  0x0000_0001_ffff_ffffn,
  0xffffn,
  0x8000n,
  0x7fffn,
  0xffff_ffff_ffff_8000n,
  0xffn,
  0x80n,
  0x7fn,
  0x5555_5555_5555_5555n,
  0xaaaa_aaaa_aaaa_aaaan,
  0x0123_4567_89ab_cdefn,
  31n,
  32n,
  63n,
  64n,
];

/** A random 64-bit GPR value: edges, small numbers, sign/zero-extended words, full random. */
export function gprValue(rng: Rng, edgeOnly = false): bigint {
  if (edgeOnly) return rng.pick(EDGE_U64);
  const r = rng.int(100);
  if (r < 25) return rng.pick(EDGE_U64);
  if (r < 40) return BigInt.asUintN(64, BigInt(rng.range(-64, 64)));
  if (r < 50) return BigInt.asUintN(64, BigInt(rng.u32() | 0));
  if (r < 60) return BigInt(rng.u32());
  return rng.u64();
}

/** Signed immediate of `bits` bits (edges 0, ±1, max, min with some probability). */
export function simm(rng: Rng, bits: number, edgeOnly = false): number {
  const max = 2 ** (bits - 1) - 1;
  const edges = [0, 1, -1, max, -max - 1];
  if (edgeOnly || rng.chance(0.25)) return rng.pick(edges);
  return rng.range(-max - 1, max);
}

export function uimm(rng: Rng, bits: number, edgeOnly = false): number {
  const max = 2 ** bits - 1;
  if (edgeOnly || rng.chance(0.2)) return rng.pick([0, 1, max, max >>> 1, (max >>> 1) + 1]);
  return rng.int(max + 1);
}

// ---- floating point ---------------------------------------------------------------------------

const f64bits = (x: number) => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
};

/** Doubleword (FPR) special values. */
export const F64_EDGES: readonly bigint[] = [
  0x0000_0000_0000_0000n, // +0
  0x8000_0000_0000_0000n, // -0
  0x7ff0_0000_0000_0000n, // +inf
  0xfff0_0000_0000_0000n, // -inf
  0x7ff8_0000_0000_0000n, // QNaN
  0xfff8_0000_0000_0001n, // -QNaN with payload
  0x7ff0_0000_0000_0001n, // SNaN
  0x7ff4_0000_dead_beefn, // SNaN with payload
  0x0000_0000_0000_0001n, // min denormal
  0x000f_ffff_ffff_ffffn, // max denormal
  0x8008_0000_0000_0000n, // -denormal
  0x0010_0000_0000_0000n, // min normal
  0x7fef_ffff_ffff_ffffn, // max normal
  0xffef_ffff_ffff_ffffn, // -max normal
  f64bits(1),
  f64bits(-1),
  f64bits(0.5),
  f64bits(1.5),
  f64bits(2.5),
  f64bits(-2.5),
  f64bits(3),
  f64bits(0.1),
  f64bits(1 + 2 ** -52),
  f64bits(1 - 2 ** -53),
  f64bits(1 + 2 ** -24), // halfway between two singles
  f64bits(1 + 2 ** -24 + 2 ** -52), // just above halfway
  f64bits(1 + 2 ** -23),
  f64bits(2 ** 31),
  f64bits(2 ** 31 - 0.5),
  f64bits(-(2 ** 31) - 0.5),
  f64bits(-(2 ** 31)),
  f64bits(2 ** 32),
  f64bits(2 ** 32 - 1),
  f64bits(2 ** 63),
  f64bits(-(2 ** 63)),
  f64bits(2 ** 64),
  f64bits(2 ** 52 + 0.5),
  f64bits(2 ** 53 + 2),
  f64bits(3.4028234663852886e38), // single max
  f64bits(3.4028235677973366e38), // just above single max (rounds to inf or max)
  f64bits(2 ** -126), // single min normal
  f64bits(2 ** -149), // single min denormal
  f64bits(2 ** -150), // half the single min denormal
  f64bits(1e-310),
  f64bits(2 ** 1023),
  f64bits(2 ** -1022 * 1.5),
];

/** Single-precision special values (32-bit patterns). */
export const F32_EDGES: readonly number[] = [
  0x0000_0000, 0x8000_0000, 0x7f80_0000, 0xff80_0000, 0x7fc0_0000, 0xffc0_0001, 0x7f80_0001, 0x7fa0_1234, 0x0000_0001,
  0x007f_ffff, 0x8040_0000, 0x0080_0000, 0x7f7f_ffff, 0xff7f_ffff, 0x3f80_0000, 0xbf80_0000, 0x3f00_0000, 0x3fc0_0000,
  0x4020_0000, 0xc020_0000, 0x4f00_0000, 0xcf00_0000, 0x4f80_0000, 0x5f00_0000, 0x3f80_0001, 0x3dcc_cccd, 0x4b00_0000,
  0x4b40_0001,
];

/** A double near a rounding boundary or in a plain range, as bits. */
export function f64Value(rng: Rng, edgeOnly = false): bigint {
  if (edgeOnly) return rng.pick(F64_EDGES);
  const r = rng.int(100);
  if (r < 30) return rng.pick(F64_EDGES);
  if (r < 45) return rng.u64(); // any bit pattern
  // Moderate exponent, random mantissa: the common case for arithmetic.
  const sign = BigInt(rng.int(2)) << 63n;
  const exp = BigInt(1023 + rng.range(-70, 70)) << 52n;
  let mant = rng.u64() & ((1n << 52n) - 1n);
  // Sometimes only a few mantissa bits (exact in single precision, or exact integers).
  if (rng.chance(0.3)) mant &= ((1n << 52n) - 1n) ^ ((1n << 29n) - 1n);
  return sign | exp | mant;
}

/** A double that is exactly representable in single precision (the inputs single-precision ops expect). */
export function f64SingleValue(rng: Rng): bigint {
  const w = f32Value(rng);
  const x = new Float32Array(new Uint32Array([w]).buffer)[0]!;
  // NaNs keep their payload, shifted into the double's fraction (as lfs converts them).
  if (Number.isNaN(x)) return (BigInt(w >>> 31) << 63n) | (0x7ffn << 52n) | (BigInt(w & 0x7f_ffff) << 29n);
  return f64bits(x);
}

export function f32Value(rng: Rng, edgeOnly = false): number {
  if (edgeOnly || rng.chance(0.3)) return rng.pick(F32_EDGES);
  if (rng.chance(0.2)) return rng.u32();
  const sign = rng.int(2) << 31;
  const exp = (127 + rng.range(-40, 40)) << 23;
  return (sign | exp | (rng.u32() & 0x7f_ffff)) >>> 0;
}

// ---- vector-scalar registers --------------------------------------------------------------------

/** Element edge values per element width. */
const INT_EDGES: Record<8 | 16 | 32, readonly number[]> = {
  8: [0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x81],
  16: [0, 1, 0x7fff, 0x8000, 0xffff, 0xfffe, 0x8001, 0x00ff, 0xff00],
  32: [0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0xffff_fffe, 0x8000_0001, 0xffff, 0x1_0000 >>> 0],
};

function intElems(rng: Rng, width: 8 | 16 | 32): number[] {
  const n = 128 / width;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = rng.chance(0.4) ? rng.pick(INT_EDGES[width]) : rng.u32();
    out.push(width === 32 ? v >>> 0 : v & ((1 << width) - 1));
  }
  return out;
}

/**
 * Write a VSR image (the lxvd2x memory layout: dw0 then dw1, each little-endian)
 * from big-endian-numbered elements of `width` bits.
 */
function putElems(dst: Uint8Array, at: number, elems: readonly number[], width: 8 | 16 | 32): void {
  const dv = new DataView(dst.buffer, dst.byteOffset);
  const per = 64 / width;
  for (let dw = 0; dw < 2; dw++) {
    let v = 0n;
    for (let j = 0; j < per; j++) v = (v << BigInt(width)) | BigInt(elems[dw * per + j]!);
    dv.setBigUint64(at + 8 * dw, v, true);
  }
}

/** Fill one VSR (16 bytes at `at`) with a random lane type. `fprBias` favours doubles (VSR 0-31). */
export function fillVsr(rng: Rng, dst: Uint8Array, at: number, fprBias: boolean): void {
  const dv = new DataView(dst.buffer, dst.byteOffset);
  const kind = fprBias
    ? rng.pick(['f64', 'f64', 'f64', 'f64s', 'f64s', 'f32', 'i32', 'raw'])
    : rng.pick(['f32', 'f32', 'f64', 'f64s', 'i8', 'i16', 'i32', 'i32', 'raw']);
  switch (kind) {
    case 'f64':
      dv.setBigUint64(at, f64Value(rng), true);
      dv.setBigUint64(at + 8, rng.chance(0.5) ? f64Value(rng) : rng.u64(), true);
      return;
    case 'f64s':
      dv.setBigUint64(at, f64SingleValue(rng), true);
      dv.setBigUint64(at + 8, f64SingleValue(rng), true);
      return;
    case 'f32':
      putElems(dst, at, [f32Value(rng), f32Value(rng), f32Value(rng), f32Value(rng)], 32);
      return;
    case 'i8':
      putElems(dst, at, intElems(rng, 8), 8);
      return;
    case 'i16':
      putElems(dst, at, intElems(rng, 16), 16);
      return;
    case 'i32':
      putElems(dst, at, intElems(rng, 32), 32);
      return;
    default:
      dst.set(rng.bytes(16), at);
  }
}

/** FPSCR (bits 32:63) masks, Power ISA 2.07 Book I §4.2.2. */
export const FPSCR_BITS = {
  FX: 0x8000_0000,
  FEX: 0x4000_0000,
  VX: 0x2000_0000,
  OX: 0x1000_0000,
  UX: 0x0800_0000,
  ZX: 0x0400_0000,
  XX: 0x0200_0000,
  /** VXSNAN VXISI VXIDI VXZDZ VXIMZ VXVC */
  VXA: 0x01f8_0000,
  FR: 0x0004_0000,
  FI: 0x0002_0000,
  FPRF: 0x0001_f000,
  /** VXSOFT VXSQRT VXCVI */
  VXB: 0x0000_0700,
  ENABLES: 0x0000_00f8,
  NI: 0x0000_0004,
  RN: 0x0000_0003,
} as const;

/** An FPSCR with the enable bits off (no FP program interrupts), random sticky and status bits, random RN. */
export function fpscrValue(rng: Rng): number {
  const B = FPSCR_BITS;
  let v = rng.int(4);
  if (rng.chance(0.5)) {
    v |= rng.u32() & (B.OX | B.UX | B.ZX | B.XX | B.VXA | B.FR | B.FI | B.FPRF | B.VXB);
    if (v & (B.VXA | B.VXB)) v |= B.VX;
    if (v & (B.OX | B.UX | B.ZX | B.XX | B.VXA | B.VXB)) v |= B.FX;
  }
  return v >>> 0;
}

/** Register state for one case. */
export function randomInput(rng: Rng, edgeOnly = false): CaseInput {
  const gpr: bigint[] = [];
  for (let i = 0; i < 32; i++) gpr.push(gprValue(rng, edgeOnly && rng.chance(0.7)));
  const vsr = new Uint8Array(64 * 16);
  for (let i = 0; i < 64; i++) fillVsr(rng, vsr, 16 * i, i < 32);
  const xer = ((rng.int(8) << 29) | rng.int(128)) >>> 0; // SO, OV, CA and the byte count
  return {
    gpr,
    cr: rng.u32(),
    xer,
    lr: rng.u64() & ~3n,
    ctr: rng.chance(0.3) ? rng.pick([0n, 1n, 2n, 0x1_0000_0000n, 0x1_0000_0001n, M64]) : rng.u64(),
    fpscr: fpscrValue(rng),
    vscr: ((rng.int(2) << 16) | rng.int(2)) >>> 0,
    vsr,
    win: rng.bytes(WIN_SIZE),
  };
}
