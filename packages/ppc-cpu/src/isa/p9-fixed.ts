/**
 * Fixed-point instructions new in Power ISA 3.0 (POWER9) — addpcis, setb, extswsli, addex,
 * darn, the multiply-adds and the atomic memory operations (Book I §3.3, Book II §4.5) — and
 * the decimal assists of ISA 2.06 that every model has (addg6s, cdtbcd, cbcdtd; Book I §3.3.15).
 */
import type { Cpu } from '../cpu.js';
import { CR, PC, XER_OV, XER_OV32 } from '../state.js';
import { type Fields, type InsnDef, P7, P8, P9 } from '../table.js';
import { eaD, mulHiS64, mulHiU64, mulLo64, out, ra0, setCr0, TWO32 } from './util.js';

type Def = InsnDef<Cpu>;

// ---- addpcis, setb, extswsli, addex (Book I §3.3.9, §3.3.10, §3.3.14.2) ---------------------------

/** addpcis RT,D: RT ← NIA + EXTS(D || 0x0000). */
function addpcis(f: Fields) {
  const t = f.rt! * 2;
  const d = f.d! * 65536;
  return (c: Cpu) => {
    const s = c.s;
    // NIA + d: the low word gets (d mod 2^32), the high word d's high part plus the carry.
    const nl = (s[PC]! >>> 0) + 4;
    const dl = d >>> 0;
    const sum = nl + dl;
    const dh = Math.floor(d / TWO32);
    s[t] = sum | 0;
    s[t + 1] = (s[PC + 1]! + dh + Math.floor(sum / TWO32)) | 0;
    return 0;
  };
}

/** setb RT,BFA: -1 if CR field BFA has LT, else 1 if it has GT, else 0. */
function setb(f: Fields) {
  const t = f.rt! * 2;
  const sh = 28 - 4 * f.bfa!;
  return (c: Cpu) => {
    const s = c.s;
    const fld = (s[CR]! >>> sh) & 0xf;
    const v = fld & 8 ? -1 : fld & 4 ? 1 : 0;
    s[t] = v;
    s[t + 1] = v >> 31;
    return 0;
  };
}

/** extswsli RA,RS,SH: EXTS(RS[32:63]) << SH. */
function extswsli(f: Fields) {
  const a = f.ra! * 2;
  const r = f.rs! * 2;
  const sh = f.sh!;
  const rc = f.rc!;
  return (c: Cpu) => {
    const s = c.s;
    const lo0 = s[r]!;
    const hi0 = lo0 >> 31;
    let lo: number;
    let hi: number;
    if (sh === 0) {
      lo = lo0;
      hi = hi0;
    } else if (sh < 32) {
      lo = lo0 << sh;
      hi = (hi0 << sh) | (lo0 >>> (32 - sh));
    } else {
      lo = 0;
      hi = lo0 << (sh - 32);
    }
    s[a] = lo;
    s[a + 1] = hi;
    if (rc) setCr0(c, lo, hi);
    return 0;
  };
}

/**
 * addex RT,RA,RB,CY: with CY=0, RT ← (RA) + (RB) + OV, and OV (OV32) ← the carry out of bit 0
 * (bit 32). CY=1-3 are reserved: an invalid form (illegal instruction, as on QEMU).
 */
function addex(f: Fields) {
  const t = f.rt! * 2;
  const a = f.ra! * 2;
  const b = f.rb! * 2;
  if (f.cy !== 0) return (c: Cpu) => c.illegalInstruction();
  return (c: Cpu) => {
    const s = c.s;
    const l = (s[a]! >>> 0) + (s[b]! >>> 0) + s[XER_OV]!;
    const lc = l >= TWO32 ? 1 : 0;
    const h = (s[a + 1]! >>> 0) + (s[b + 1]! >>> 0) + lc;
    s[t] = l | 0;
    s[t + 1] = h | 0;
    s[XER_OV] = h >= TWO32 ? 1 : 0;
    s[XER_OV32] = lc;
    return 0;
  };
}

// ---- darn (Book I §3.3.9, Deliver A Random Number) ------------------------------------------------

const rand = new Uint32Array(2);
const randBytes = new Uint8Array(rand.buffer);

/**
 * Two random words from `CpuHooks.random` (a deterministic run's seeded generator) or the host's
 * CSPRNG; false when there is neither (darn then reports failure).
 */
function randomWords(c: Cpu): boolean {
  const hook = c.hooks.random;
  if (hook) {
    hook(randBytes);
    return true;
  }
  const cr = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
  if (!cr?.getRandomValues) return false;
  cr.getRandomValues(rand);
  return true;
}

/**
 * darn RT,L: L=0 a 32-bit conditioned random number (zero-extended), L=1 a 64-bit conditioned
 * and L=2 a 64-bit raw one; all come from `CpuHooks.random` or the host CSPRNG here. No number available, and the
 * reserved L=3, give 0xFFFF_FFFF_FFFF_FFFF, which is never a valid 64-bit result.
 */
function darn(f: Fields) {
  const t = f.rt! * 2;
  const l = f.l!;
  return (c: Cpu) => {
    const s = c.s;
    let lo = -1;
    let hi = -1;
    if (l < 3 && randomWords(c)) {
      lo = rand[0]! | 0;
      hi = l === 0 ? 0 : rand[1]! | 0;
      // The error value is not a random number: draw again (practically never taken).
      while (lo === -1 && hi === -1 && randomWords(c)) {
        lo = rand[0]! | 0;
        hi = rand[1]! | 0;
      }
    }
    s[t] = lo;
    s[t + 1] = hi;
    return 0;
  };
}

// ---- multiply-add (Book I §3.3.9) -----------------------------------------------------------------

/**
 * maddhd / maddhdu / maddld RT,RA,RB,RC: the 128-bit product (RA)×(RB) plus RC (sign-extended
 * for the signed forms), high or low doubleword.
 */
function madd(kind: 'hd' | 'hdu' | 'ld') {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const a = f.ra! * 2;
    const b = f.rb! * 2;
    const r = f.rcr! * 2;
    return (c: Cpu) => {
      const s = c.s;
      const alo = s[a]!;
      const ahi = s[a + 1]!;
      const blo = s[b]!;
      const bhi = s[b + 1]!;
      const clo = s[r]!;
      const chi = s[r + 1]!;
      mulLo64(alo, ahi, blo, bhi);
      const plo = out[0]! >>> 0;
      const phi = out[1]! >>> 0;
      // Low doubleword of product + RC, and its carry into the high doubleword.
      const l = plo + (clo >>> 0);
      const h = phi + (chi >>> 0) + (l >= TWO32 ? 1 : 0);
      if (kind === 'ld') {
        s[t] = l | 0;
        s[t + 1] = h | 0;
        return 0;
      }
      const carry = h >= TWO32 ? 1 : 0;
      if (kind === 'hd') mulHiS64(alo, ahi, blo, bhi);
      else mulHiU64(alo, ahi, blo, bhi);
      // High doubleword + carry + the sign extension of RC (all ones when RC < 0, signed form).
      const ext = kind === 'hd' && chi < 0 ? -1 : 0;
      const ql = (out[0]! >>> 0) + carry + (ext >>> 0);
      const qh = (out[1]! >>> 0) + (ext >>> 0) + (ql >= TWO32 ? 1 : 0);
      s[t] = ql | 0;
      s[t + 1] = qh | 0;
      return 0;
    };
  };
}

// ---- atomic memory operations (Book II §4.5) ------------------------------------------------------

/**
 * Function codes of lwat/ldat (Book II §4.5.1): fetch-and-<op> with (RT+1), swap, compare and
 * swap not equal with (RT+1)/(RT+2), and the bounded increment/decrement forms that also read
 * the neighbouring element. Values are the FC field.
 */
const LAT = {
  ADD: 0,
  XOR: 1,
  OR: 2,
  AND: 3,
  MAXU: 4,
  MAXS: 5,
  MINU: 6,
  MINS: 7,
  SWAP: 8,
  CSNE: 16,
  INC_BOUNDED: 24,
  INC_EQUAL: 25,
  DEC_BOUNDED: 28,
} as const;
/** stwat/stdat function codes (Book II §4.5.2): store-<op> of (RS), and store twin. */
const STAT_TWIN = 24;

function binOp(fc: number, m: bigint, v: bigint, bits: number): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  const sgn = (x: bigint) => BigInt.asIntN(bits, x);
  switch (fc) {
    case LAT.ADD:
      return (m + v) & mask;
    case LAT.XOR:
      return m ^ v;
    case LAT.OR:
      return m | v;
    case LAT.AND:
      return m & v;
    case LAT.MAXU:
      return m > v ? m : v;
    case LAT.MAXS:
      return sgn(m) > sgn(v) ? m : v;
    case LAT.MINU:
      return m < v ? m : v;
    default:
      return sgn(m) < sgn(v) ? m : v;
  }
}

function readN(c: Cpu, hi: number, lo: number, size: 4 | 8): bigint {
  if (size === 4) return BigInt(c.read32(hi, lo) >>> 0);
  const l = c.read64(hi, lo);
  return (BigInt(c.rhi >>> 0) << 32n) | BigInt(l >>> 0);
}

function writeN(c: Cpu, hi: number, lo: number, size: 4 | 8, v: bigint): void {
  if (size === 4) c.write32(hi, lo, Number(v & 0xffffffffn) | 0);
  else c.write64(hi, lo, Number(v & 0xffffffffn) | 0, Number((v >> 32n) & 0xffffffffn) | 0);
}

/** (hi, lo) + d (d = ±size) in the current addressing mode. */
function neighbour(c: Cpu, hi: number, lo: number, d: number): [number, number] {
  const a = (lo >>> 0) + d;
  if (!c.sf) return [0, a | 0];
  return [a >= TWO32 ? (hi + 1) | 0 : a < 0 ? (hi - 1) | 0 : hi, a | 0];
}

/**
 * lwat / ldat RT,RA,FC: EA = (RA|0), aligned to the operand size; the accessed elements must
 * lie in one aligned 32-byte block (else alignment interrupt). RT gets the old value (or
 * 0x80..0 when a bounded increment/decrement does not happen). Reserved FC values are an
 * invalid form here (illegal instruction). Single-threaded read-modify-write: like stcx. in
 * this interpreter, not atomic against other workers sharing the memory.
 */
function lat(size: 4 | 8) {
  return (f: Fields) => {
    const t = f.rt!;
    const a = ra0(f.ra!);
    const fc = f.fc!;
    const bits = size * 8;
    const valid =
      fc <= 8 || fc === LAT.CSNE || fc === LAT.INC_BOUNDED || fc === LAT.INC_EQUAL || fc === LAT.DEC_BOUNDED;
    const r1 = ((t + 1) & 31) * 2;
    const r2 = ((t + 2) & 31) * 2;
    const mask = (1n << BigInt(bits)) - 1n;
    return (c: Cpu) => {
      if (!valid) return c.illegalInstruction();
      const s = c.s;
      const lo = eaD(c, a, 0);
      const hi = c.eah;
      const within = lo & 31;
      const twoElems = fc === LAT.INC_BOUNDED || fc === LAT.INC_EQUAL;
      if ((lo & (size - 1)) !== 0 || (twoElems && within + 2 * size > 32) || (fc === LAT.DEC_BOUNDED && within < size))
        return c.alignmentInterrupt(hi, lo, false);
      const reg = (r: number) => ((BigInt(s[r + 1]! >>> 0) << 32n) | BigInt(s[r]! >>> 0)) & mask;
      c.probe(hi, lo, 1);
      const m = readN(c, hi, lo, size);
      let res = m;
      let store: bigint | undefined;
      if (fc <= 7) store = binOp(fc, m, reg(r1), bits);
      else if (fc === LAT.SWAP) store = reg(r1);
      else if (fc === LAT.CSNE) {
        if (m !== reg(r1)) store = reg(r2);
      } else {
        const [nh, nl] = neighbour(c, hi, lo, fc === LAT.DEC_BOUNDED ? -size : size);
        const other = readN(c, nh, nl, size);
        const go = fc === LAT.INC_EQUAL ? m === other : m !== other;
        if (go) store = (fc === LAT.DEC_BOUNDED ? m - 1n : m + 1n) & mask;
        else res = 1n << BigInt(bits - 1);
      }
      if (store !== undefined) writeN(c, hi, lo, size, store);
      const tt = t * 2;
      s[tt] = Number(res & 0xffffffffn) | 0;
      s[tt + 1] = Number(res >> 32n) | 0;
      return 0;
    };
  };
}

/** stwat / stdat RS,RA,FC: memory ← op(memory, (RS)), or store twin (Book II §4.5.2). */
function stat(size: 4 | 8) {
  return (f: Fields) => {
    const r = f.rs! * 2;
    const a = ra0(f.ra!);
    const fc = f.fc!;
    const bits = size * 8;
    const valid = fc <= 7 || fc === STAT_TWIN;
    const mask = (1n << BigInt(bits)) - 1n;
    return (c: Cpu) => {
      if (!valid) return c.illegalInstruction();
      const s = c.s;
      const lo = eaD(c, a, 0);
      const hi = c.eah;
      if ((lo & (size - 1)) !== 0 || (fc === STAT_TWIN && (lo & 31) + 2 * size > 32))
        return c.alignmentInterrupt(hi, lo, true);
      const v = ((BigInt(s[r + 1]! >>> 0) << 32n) | BigInt(s[r]! >>> 0)) & mask;
      c.probe(hi, lo, 1);
      const m = readN(c, hi, lo, size);
      if (fc === STAT_TWIN) {
        const [nh, nl] = neighbour(c, hi, lo, size);
        const m2 = readN(c, nh, nl, size);
        if (m === m2) {
          c.probe(nh, nl, 1);
          writeN(c, hi, lo, size, v);
          writeN(c, nh, nl, size, v);
        }
        return 0;
      }
      writeN(c, hi, lo, size, binOp(fc, m, v, bits));
      return 0;
    };
  };
}

// ---- decimal assists (Book I §3.3.15, ISA 2.06) ---------------------------------------------------

/**
 * Densely packed decimal (IEEE 754-2008 §3.5.2): DPD_ENC[three BCD digits as 12 bits] is the
 * declet, DPD_DEC[declet] the 12-bit BCD digits (non-canonical declets decode like their
 * canonical twins).
 */
const DPD_ENC = new Uint16Array(4096);
const DPD_DEC = new Uint16Array(1024);
(() => {
  for (let x = 0; x < 1024; x++) {
    const bit = (k: number) => (x >>> (9 - k)) & 1; // p=0 q=1 r=2 s=3 t=4 u=5 v=6 w=7 x=8 y=9
    const pqr = x >>> 7;
    const stu = (x >>> 4) & 7;
    const pq = x >>> 8;
    const st = (x >>> 5) & 3;
    const r = bit(2);
    const u = bit(5);
    const y = bit(9);
    let d2: number;
    let d1: number;
    let d0: number;
    if (!bit(6)) [d2, d1, d0] = [pqr, stu, x & 7];
    else {
      switch ((x >>> 1) & 3) {
        case 0:
          [d2, d1, d0] = [pqr, stu, 8 | y];
          break;
        case 1:
          [d2, d1, d0] = [pqr, 8 | u, (st << 1) | y];
          break;
        case 2:
          [d2, d1, d0] = [8 | r, stu, (pq << 1) | y];
          break;
        default:
          if (st === 0) [d2, d1, d0] = [8 | r, 8 | u, (pq << 1) | y];
          else if (st === 1) [d2, d1, d0] = [8 | r, (pq << 1) | u, 8 | y];
          else if (st === 2) [d2, d1, d0] = [pqr, 8 | u, 8 | y];
          else [d2, d1, d0] = [8 | r, 8 | u, 8 | y];
      }
    }
    DPD_DEC[x] = (d2 << 8) | (d1 << 4) | d0;
  }
  // Encoding: the canonical declet of each of the 1000 digit triples (the one without the
  // don't-care bits of the all-large case set).
  for (let x = 1023; x >= 0; x--) DPD_ENC[DPD_DEC[x]!] = x;
})();

/**
 * Three BCD digits (12 bits) to a declet. A digit above 9 has no encoding (the ISA leaves the
 * result undefined): its low three bits are encoded as a large digit (8 | low bit), like the
 * hardware's encoder equations that only look at bit a of each digit.
 */
function bcdToDpd(b: number): number {
  const norm = (d: number) => (d & 8 ? 8 | (d & 1) : d);
  return DPD_ENC[(norm(b >>> 8) << 8) | (norm((b >>> 4) & 15) << 4) | norm(b & 15)]!;
}

/** cdtbcd RA,RS: per word, the two low declets (bits 12:31) become six BCD digits. */
function cdtbcd(f: Fields) {
  const a = f.ra! * 2;
  const r = f.rs! * 2;
  const w = (x: number) => (DPD_DEC[(x >>> 10) & 0x3ff]! << 12) | DPD_DEC[x & 0x3ff]!;
  return (c: Cpu) => {
    const s = c.s;
    const lo = w(s[r]!);
    const hi = w(s[r + 1]!);
    s[a] = lo;
    s[a + 1] = hi;
    return 0;
  };
}

/** cbcdtd RA,RS: per word, the six low BCD digits (bits 8:31) become two declets. */
function cbcdtd(f: Fields) {
  const a = f.ra! * 2;
  const r = f.rs! * 2;
  const w = (x: number) => (bcdToDpd((x >>> 12) & 0xfff) << 10) | bcdToDpd(x & 0xfff);
  return (c: Cpu) => {
    const s = c.s;
    const lo = w(s[r]!);
    const hi = w(s[r + 1]!);
    s[a] = lo;
    s[a + 1] = hi;
    return 0;
  };
}

/** addg6s RT,RA,RB: 6 in each nibble of RT whose nibble of (RA)+(RB) produced no carry out. */
function addg6s(f: Fields) {
  const t = f.rt! * 2;
  const a = f.ra! * 2;
  const b = f.rb! * 2;
  // Carry out of each nibble of one 32-bit half, given the carry into it.
  const half = (x: number, y: number, cin: number): number => {
    let r = 0;
    let carry = cin;
    for (let i = 0; i < 32; i += 4) {
      const sum = ((x >>> i) & 15) + ((y >>> i) & 15) + carry;
      carry = sum > 15 ? 1 : 0;
      if (!carry) r |= 6 << i;
    }
    out[2] = carry;
    return r;
  };
  return (c: Cpu) => {
    const s = c.s;
    const lo = half(s[a]!, s[b]!, 0);
    const hi = half(s[a + 1]!, s[b + 1]!, out[2]!);
    s[t] = lo;
    s[t + 1] = hi;
    return 0;
  };
}

// ---- table ----------------------------------------------------------------------------------------

const FX = 'fixed';
const P7UP = P7 | P8 | P9;

const X = (m: string, xo: number, ops: string, exec: Def['exec'], extra: Partial<Def> = {}): Def => ({
  m,
  form: 'X',
  op: 31,
  xo,
  ops,
  exec,
  chapter: FX,
  models: P9,
  ...extra,
});

const ALL: Def[] = [
  { m: 'addpcis', form: 'DX', op: 19, xo: 2, ops: 'RT,DX', exec: addpcis, models: P9, chapter: FX },
  X('setb', 128, 'RT,BFA', setb, { fix: [[14, 7, 0]] }),
  { m: 'extswsli', form: 'XS', op: 31, xo: 445, ops: 'RA,RS,SH6', rc: 'opt', exec: extswsli, models: P9, chapter: FX },
  { m: 'addex', form: 'Z23', op: 31, xo: 170, ops: 'RT,RA,RB,CY', exec: addex, models: P9, chapter: FX },
  X('darn', 755, 'RT,L14', darn, {
    fix: [
      [11, 3, 0],
      [16, 5, 0],
    ],
  }),
  { m: 'maddhd', form: 'VA', op: 4, xo: 48, ops: 'RT,RA,RB,RCR', exec: madd('hd'), models: P9, chapter: FX },
  { m: 'maddhdu', form: 'VA', op: 4, xo: 49, ops: 'RT,RA,RB,RCR', exec: madd('hdu'), models: P9, chapter: FX },
  { m: 'maddld', form: 'VA', op: 4, xo: 51, ops: 'RT,RA,RB,RCR', exec: madd('ld'), models: P9, chapter: FX },
  X('lwat', 582, 'RT,RA0,FC', lat(4)),
  X('ldat', 614, 'RT,RA0,FC', lat(8)),
  X('stwat', 710, 'RS,RA0,FC', stat(4)),
  X('stdat', 742, 'RS,RA0,FC', stat(8)),
  { m: 'addg6s', form: 'XO', op: 31, xo: 74, ops: 'RT,RA,RB', exec: addg6s, models: P7UP, chapter: FX },
  X('cdtbcd', 282, 'RA,RS', cdtbcd, { models: P7UP, fix: [[16, 5, 0]] }),
  X('cbcdtd', 314, 'RA,RS', cbcdtd, { models: P7UP, fix: [[16, 5, 0]] }),
];

/** The same entries, by mnemonic (tests and the lead's switch-over use them). */
export const P9_FIXED_ALL: readonly Def[] = ALL;

export const P9_FIXED: Def[] = ALL;
