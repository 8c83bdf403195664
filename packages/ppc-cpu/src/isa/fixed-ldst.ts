/**
 * Fixed-point loads and stores, load/store multiple and string, quadword,
 * and load-and-reserve / store-conditional (Power ISA 2.07 Book I §3.3.2 -
 * §3.3.7, Book II §4.4).
 */
import type { Cpu } from '../cpu.js';
import {
  CR,
  RESV_HI,
  RESV_LEN,
  RESV_LO,
  RESV_VAL_HI,
  RESV_VAL_LO,
  RESV_VAL2_HI,
  RESV_VAL2_LO,
  RESV_VALID,
  XER_BC,
  XER_SO,
} from '../state.js';
import type { Fields, InsnDef } from '../table.js';
import { addEaN, eaD, eaX, ra0 } from './util.js';

type Def = InsnDef<Cpu>;

type Size = 1 | 2 | 4 | 8;

const bswap16 = (v: number) => ((v & 0xff) << 8) | ((v >>> 8) & 0xff);
const bswap32 = (v: number) => ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);

/**
 * The hot loads without update or byte reversal get their own function literals, so
 * V8 optimises each one for its size instead of sharing one polymorphic body.
 */
function fastLoad(size: Size, sext: boolean, x: boolean, f: Fields): ((c: Cpu) => number) | undefined {
  const t = f.rt! * 2;
  const a = ra0(f.ra!);
  const b = (f.rb ?? 0) * 2;
  const d = f.d ?? f.ds ?? 0;
  if (!x) {
    if (size === 8)
      return (c) => {
        const lo = eaD(c, a, d);
        const s = c.s;
        s[t] = c.read64(c.eah, lo);
        s[t + 1] = c.rhi;
        return 0;
      };
    if (size === 4 && !sext)
      return (c) => {
        const lo = eaD(c, a, d);
        const s = c.s;
        s[t] = c.read32(c.eah, lo);
        s[t + 1] = 0;
        return 0;
      };
    if (size === 1)
      return (c) => {
        const lo = eaD(c, a, d);
        const s = c.s;
        s[t] = c.read8(c.eah, lo);
        s[t + 1] = 0;
        return 0;
      };
    if (size === 2 && !sext)
      return (c) => {
        const lo = eaD(c, a, d);
        const s = c.s;
        s[t] = c.read16(c.eah, lo);
        s[t + 1] = 0;
        return 0;
      };
    return undefined;
  }
  if (size === 8)
    return (c) => {
      const lo = eaX(c, a, b);
      const s = c.s;
      s[t] = c.read64(c.eah, lo);
      s[t + 1] = c.rhi;
      return 0;
    };
  if (size === 4 && !sext)
    return (c) => {
      const lo = eaX(c, a, b);
      const s = c.s;
      s[t] = c.read32(c.eah, lo);
      s[t + 1] = 0;
      return 0;
    };
  if (size === 1)
    return (c) => {
      const lo = eaX(c, a, b);
      const s = c.s;
      s[t] = c.read8(c.eah, lo);
      s[t + 1] = 0;
      return 0;
    };
  return undefined;
}

function fastStore(size: Size, x: boolean, f: Fields): ((c: Cpu) => number) | undefined {
  const sr = f.rs! * 2;
  const a = ra0(f.ra!);
  const b = (f.rb ?? 0) * 2;
  const d = f.d ?? f.ds ?? 0;
  if (!x) {
    if (size === 8)
      return (c) => {
        const lo = eaD(c, a, d);
        c.write64(c.eah, lo, c.s[sr]!, c.s[sr + 1]!);
        return 0;
      };
    if (size === 4)
      return (c) => {
        const lo = eaD(c, a, d);
        c.write32(c.eah, lo, c.s[sr]!);
        return 0;
      };
    if (size === 1)
      return (c) => {
        const lo = eaD(c, a, d);
        c.write8(c.eah, lo, c.s[sr]!);
        return 0;
      };
    return undefined;
  }
  if (size === 8)
    return (c) => {
      const lo = eaX(c, a, b);
      c.write64(c.eah, lo, c.s[sr]!, c.s[sr + 1]!);
      return 0;
    };
  if (size === 4)
    return (c) => {
      const lo = eaX(c, a, b);
      c.write32(c.eah, lo, c.s[sr]!);
      return 0;
    };
  if (size === 1)
    return (c) => {
      const lo = eaX(c, a, b);
      c.write8(c.eah, lo, c.s[sr]!);
      return 0;
    };
  return undefined;
}

/** Update forms (RA ← EA) and byte-reversed loads, specialised the same way. */
function fastLoadUpdateOrRev(
  size: Size,
  update: boolean,
  rev: boolean,
  x: boolean,
  f: Fields,
): ((c: Cpu) => number) | undefined {
  const t = f.rt! * 2;
  const b = (f.rb ?? 0) * 2;
  const d = f.d ?? f.ds ?? 0;
  if (update) {
    const a = f.ra! * 2;
    if (size === 8 && !x)
      return (c) => {
        const s = c.s;
        const lo = eaD(c, a, d);
        const hi = c.eah;
        const v = c.read64(hi, lo);
        s[a] = lo;
        s[a + 1] = hi;
        s[t] = v;
        s[t + 1] = c.rhi;
        return 0;
      };
    if (size === 4 && !x)
      return (c) => {
        const s = c.s;
        const lo = eaD(c, a, d);
        const hi = c.eah;
        const v = c.read32(hi, lo);
        s[a] = lo;
        s[a + 1] = hi;
        s[t] = v;
        s[t + 1] = 0;
        return 0;
      };
    if (size === 1)
      return (c) => {
        const s = c.s;
        const lo = x ? eaX(c, a, b) : eaD(c, a, d);
        const hi = c.eah;
        const v = c.read8(hi, lo);
        s[a] = lo;
        s[a + 1] = hi;
        s[t] = v;
        s[t + 1] = 0;
        return 0;
      };
    return undefined;
  }
  if (rev && x) {
    const a = ra0(f.ra!);
    if (size === 4)
      return (c) => {
        const lo = eaX(c, a, b);
        const s = c.s;
        s[t] = bswap32(c.read32(c.eah, lo));
        s[t + 1] = 0;
        return 0;
      };
    if (size === 8)
      return (c) => {
        const lo = eaX(c, a, b);
        const s = c.s;
        const l = c.read64(c.eah, lo);
        s[t] = bswap32(c.rhi);
        s[t + 1] = bswap32(l);
        return 0;
      };
  }
  return undefined;
}

function fastStoreUpdate(size: Size, x: boolean, f: Fields): ((c: Cpu) => number) | undefined {
  const sr = f.rs! * 2;
  const a = f.ra! * 2;
  const b = (f.rb ?? 0) * 2;
  const d = f.d ?? f.ds ?? 0;
  if (size === 8)
    return (c) => {
      const s = c.s;
      const lo = x ? eaX(c, a, b) : eaD(c, a, d);
      const hi = c.eah;
      c.write64(hi, lo, s[sr]!, s[sr + 1]!);
      s[a] = lo;
      s[a + 1] = hi;
      return 0;
    };
  if (size === 4)
    return (c) => {
      const s = c.s;
      const lo = x ? eaX(c, a, b) : eaD(c, a, d);
      const hi = c.eah;
      c.write32(hi, lo, s[sr]!);
      s[a] = lo;
      s[a + 1] = hi;
      return 0;
    };
  if (size === 1)
    return (c) => {
      const s = c.s;
      const lo = x ? eaX(c, a, b) : eaD(c, a, d);
      const hi = c.eah;
      c.write8(hi, lo, s[sr]!);
      s[a] = lo;
      s[a + 1] = hi;
      return 0;
    };
  return undefined;
}

/** Load RT from EA; `ea` picks D-form (d/ds) or X-form. */
function load(size: Size, opts: { sext?: boolean; update?: boolean; x?: boolean; rev?: boolean }) {
  return (f: Fields) => {
    if (!opts.update && !opts.rev) {
      const fast = fastLoad(size, !!opts.sext, !!opts.x, f);
      if (fast) return fast;
    } else if (!opts.sext) {
      const fast = fastLoadUpdateOrRev(size, !!opts.update, !!opts.rev, !!opts.x, f);
      if (fast) return fast;
    }
    const t = f.rt! * 2;
    const a = opts.update ? f.ra! * 2 : ra0(f.ra!);
    const b = (f.rb ?? 0) * 2;
    const d = f.d ?? f.ds ?? 0;
    const x = !!opts.x;
    const sext = !!opts.sext;
    const rev = !!opts.rev;
    const update = !!opts.update;
    return (c: Cpu) => {
      const s = c.s;
      const lo = x ? eaX(c, a, b) : eaD(c, a, d);
      const hi = c.eah;
      let vlo: number;
      let vhi = 0;
      switch (size) {
        case 1:
          vlo = c.read8(hi, lo);
          break;
        case 2: {
          let v = c.read16(hi, lo);
          if (rev) v = bswap16(v);
          vlo = sext ? (v << 16) >> 16 : v;
          if (sext) vhi = vlo >> 31;
          break;
        }
        case 4: {
          let v = c.read32(hi, lo);
          if (rev) v = bswap32(v);
          vlo = v;
          vhi = sext ? v >> 31 : 0;
          break;
        }
        default: {
          const l = c.read64(hi, lo);
          if (rev) {
            vlo = bswap32(c.rhi);
            vhi = bswap32(l);
          } else {
            vlo = l;
            vhi = c.rhi;
          }
        }
      }
      if (update) {
        s[a] = lo;
        s[a + 1] = hi;
      }
      s[t] = vlo;
      s[t + 1] = vhi;
      return 0;
    };
  };
}

function store(size: Size, opts: { update?: boolean; x?: boolean; rev?: boolean }) {
  return (f: Fields) => {
    if (!opts.update && !opts.rev) {
      const fast = fastStore(size, !!opts.x, f);
      if (fast) return fast;
    } else if (opts.update && !opts.rev) {
      const fast = fastStoreUpdate(size, !!opts.x, f);
      if (fast) return fast;
    }
    const sr = f.rs! * 2;
    const a = opts.update ? f.ra! * 2 : ra0(f.ra!);
    const b = (f.rb ?? 0) * 2;
    const d = f.d ?? f.ds ?? 0;
    const x = !!opts.x;
    const rev = !!opts.rev;
    const update = !!opts.update;
    return (c: Cpu) => {
      const s = c.s;
      const lo = x ? eaX(c, a, b) : eaD(c, a, d);
      const hi = c.eah;
      const vlo = s[sr]!;
      switch (size) {
        case 1:
          c.write8(hi, lo, vlo);
          break;
        case 2:
          c.write16(hi, lo, rev ? bswap16(vlo & 0xffff) : vlo);
          break;
        case 4:
          c.write32(hi, lo, rev ? bswap32(vlo) : vlo);
          break;
        default:
          if (rev) c.write64(hi, lo, bswap32(s[sr + 1]!), bswap32(vlo));
          else c.write64(hi, lo, vlo, s[sr + 1]!);
      }
      if (update) {
        s[a] = lo;
        s[a + 1] = hi;
      }
      return 0;
    };
  };
}

// ---- quadword (Book I §3.3.4, 2.07: problem state) -----------------------------------------

/** lq / stq: RTp even; in little-endian mode the doublewords swap (the quadword is one LE number). */
function lq(f: Fields) {
  const t = f.rt! * 2;
  const a = ra0(f.ra!);
  const dq = f.dq!;
  const illegal = (f.rt! & 1) !== 0 || f.rt === f.ra;
  return (c: Cpu) => {
    if (illegal) return c.illegalInstruction();
    const lo = eaD(c, a, dq);
    return loadQuad(c, t, c.eah, lo);
  };
}

/**
 * RT:RT+1 from a quadword read as doublewords (a0,a1) at EA and (b0,b1) at EA+8: big-endian RT
 * is the first, little-endian the second (Book I §3.3.4, lq).
 */
function setQuadTarget(c: Cpu, t: number, a0: number, a1: number, b0: number, b1: number): void {
  const s = c.s;
  const [x0, x1, y0, y1] = c.le ? [b0, b1, a0, a1] : [a0, a1, b0, b1];
  s[t] = x0;
  s[t + 1] = x1;
  s[t + 2] = y0;
  s[t + 3] = y1;
}

function loadQuad(c: Cpu, t: number, hi: number, lo: number): number {
  if ((lo & 15) !== 0) return c.alignmentInterrupt(hi, lo, false);
  const [h8, l8] = addEaN(hi, lo, 8, c.sf);
  const a0 = c.read64(hi, lo);
  const a1 = c.rhi;
  const b0 = c.read64(h8, l8);
  const b1 = c.rhi;
  setQuadTarget(c, t, a0, a1, b0, b1);
  return 0;
}

function storeQuad(c: Cpu, sr: number, hi: number, lo: number): void {
  const s = c.s;
  const [h8, l8] = addEaN(hi, lo, 8, c.sf);
  c.probe(h8, l8, 1);
  if (c.le) {
    c.write64(hi, lo, s[sr + 2]!, s[sr + 3]!);
    c.write64(h8, l8, s[sr]!, s[sr + 1]!);
  } else {
    c.write64(hi, lo, s[sr]!, s[sr + 1]!);
    c.write64(h8, l8, s[sr + 2]!, s[sr + 3]!);
  }
}

function stq(f: Fields) {
  const sr = f.rs! * 2;
  const a = ra0(f.ra!);
  const ds = f.ds!;
  const illegal = (f.rs! & 1) !== 0;
  return (c: Cpu) => {
    if (illegal) return c.illegalInstruction();
    const lo = eaD(c, a, ds);
    if ((lo & 15) !== 0) return c.alignmentInterrupt(c.eah, lo, true);
    storeQuad(c, sr, c.eah, lo);
    return 0;
  };
}

// ---- multiple and string (Book I §3.3.6 - §3.3.7; not in little-endian mode) ---------------

function lmw(f: Fields) {
  const rt = f.rt!;
  const a = ra0(f.ra!);
  const d = f.d!;
  return (c: Cpu) => {
    const lo = eaD(c, a, d);
    const hi = c.eah;
    if (c.le || (lo & 3) !== 0) return c.alignmentInterrupt(hi, lo, false);
    const s = c.s;
    const vals: number[] = [];
    for (let r = rt, k = 0; r < 32; r++, k += 4) {
      const [h, l] = addEaN(hi, lo, k, c.sf);
      vals.push(c.read32(h, l));
    }
    for (let r = rt, i = 0; r < 32; r++, i++) {
      s[r * 2] = vals[i]!;
      s[r * 2 + 1] = 0;
    }
    return 0;
  };
}

function stmw(f: Fields) {
  const rs = f.rs!;
  const a = ra0(f.ra!);
  const d = f.d!;
  return (c: Cpu) => {
    const lo = eaD(c, a, d);
    const hi = c.eah;
    if (c.le || (lo & 3) !== 0) return c.alignmentInterrupt(hi, lo, true);
    const s = c.s;
    const [hl, ll] = addEaN(hi, lo, (32 - rs) * 4 - 1, c.sf);
    c.probe(hl, ll, 1);
    for (let r = rs, k = 0; r < 32; r++, k += 4) {
      const [h, l] = addEaN(hi, lo, k, c.sf);
      c.write32(h, l, s[r * 2]!);
    }
    return 0;
  };
}

/** Load n bytes into RT, RT+1, ... (wrapping 31 → 0), 4 per register, left-justified in the low word. */
function loadString(c: Cpu, rt: number, hi: number, lo: number, n: number): number {
  if (c.le) return c.alignmentInterrupt(hi, lo, false);
  const s = c.s;
  const bytes: number[] = [];
  for (let k = 0; k < n; k++) {
    const [h, l] = addEaN(hi, lo, k, c.sf);
    bytes.push(c.read8(h, l));
  }
  let r = rt;
  for (let k = 0; k < n; k += 4) {
    let w = 0;
    for (let j = 0; j < 4; j++) w |= (k + j < n ? bytes[k + j]! : 0) << (24 - 8 * j);
    s[r * 2] = w;
    s[r * 2 + 1] = 0;
    r = (r + 1) & 31;
  }
  return 0;
}

function storeString(c: Cpu, rs: number, hi: number, lo: number, n: number): number {
  if (c.le) return c.alignmentInterrupt(hi, lo, true);
  const s = c.s;
  if (n > 0) {
    const [hl, ll] = addEaN(hi, lo, n - 1, c.sf);
    c.probe(hl, ll, 1);
  }
  let r = rs;
  for (let k = 0; k < n; k++) {
    const w = s[r * 2]!;
    const [h, l] = addEaN(hi, lo, k, c.sf);
    c.write8(h, l, (w >>> (24 - 8 * (k & 3))) & 0xff);
    if ((k & 3) === 3) r = (r + 1) & 31;
  }
  return 0;
}

function lswi(f: Fields) {
  const rt = f.rt!;
  const a = ra0(f.ra!);
  const n = f.nb === 0 ? 32 : f.nb!;
  return (c: Cpu) => {
    const lo = eaD(c, a, 0);
    return loadString(c, rt, c.eah, lo, n);
  };
}

function lswx(f: Fields) {
  const rt = f.rt!;
  const a = ra0(f.ra!);
  const b = f.rb! * 2;
  return (c: Cpu) => {
    const lo = eaX(c, a, b);
    return loadString(c, rt, c.eah, lo, c.s[XER_BC]!);
  };
}

function stswi(f: Fields) {
  const rs = f.rs!;
  const a = ra0(f.ra!);
  const n = f.nb === 0 ? 32 : f.nb!;
  return (c: Cpu) => {
    const lo = eaD(c, a, 0);
    return storeString(c, rs, c.eah, lo, n);
  };
}

function stswx(f: Fields) {
  const rs = f.rs!;
  const a = ra0(f.ra!);
  const b = f.rb! * 2;
  return (c: Cpu) => {
    const lo = eaX(c, a, b);
    return storeString(c, rs, c.eah, lo, c.s[XER_BC]!);
  };
}

// ---- reservations (Book II §4.4.2) --------------------------------------------------------------

function larx(size: Size | 16) {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const a = ra0(f.ra!);
    const b = f.rb! * 2;
    const illegalQ = size === 16 && ((f.rt! & 1) !== 0 || f.rt === f.ra || f.rt === f.rb);
    return (c: Cpu) => {
      if (illegalQ) return c.illegalInstruction();
      const s = c.s;
      const lo = eaX(c, a, b);
      const hi = c.eah;
      if ((lo & (size - 1)) !== 0) return c.alignmentInterrupt(hi, lo, false);
      if (size === 16) {
        loadQuadReserve(c, t, hi, lo);
      } else {
        let vlo: number;
        let vhi = 0;
        if (size === 1) vlo = c.read8(hi, lo);
        else if (size === 2) vlo = c.read16(hi, lo);
        else if (size === 4) vlo = c.read32(hi, lo);
        else {
          vlo = c.read64(hi, lo);
          vhi = c.rhi;
        }
        s[t] = vlo;
        s[t + 1] = vhi;
        s[RESV_VAL_LO] = vlo;
        s[RESV_VAL_HI] = vhi;
      }
      s[RESV_VALID] = 1;
      s[RESV_LO] = lo;
      s[RESV_HI] = hi;
      s[RESV_LEN] = size;
      return 0;
    };
  };
}

/**
 * lqarx: the quadword, plus the two doublewords as stored (first, second) for stqcx.'s
 * compare. On shared RAM the first doubleword is read again after the second until it did not
 * change, so a concurrent stqcx. (two compare-and-swaps, first then second) is not seen half done
 * unless another store lands in the same instant; even then stqcx. fails, as it must.
 */
function loadQuadReserve(c: Cpu, t: number, hi: number, lo: number): void {
  const s = c.s;
  const [h8, l8] = addEaN(hi, lo, 8, c.sf);
  let a0: number;
  let a1: number;
  let b0: number;
  let b1: number;
  for (let tries = 0; ; tries++) {
    a0 = c.read64(hi, lo);
    a1 = c.rhi;
    b0 = c.read64(h8, l8);
    b1 = c.rhi;
    if (!(c.ram instanceof SharedArrayBuffer) || tries > 64) break;
    if (c.read64(hi, lo) === a0 && c.rhi === a1) break;
  }
  s[RESV_VAL_LO] = a0;
  s[RESV_VAL_HI] = a1;
  s[RESV_VAL2_LO] = b0;
  s[RESV_VAL2_HI] = b1;
  setQuadTarget(c, t, a0, a1, b0, b1);
}

/**
 * stqcx. (Book II §4.4.2): JavaScript has no 128-bit compare-and-swap, so on shared RAM the
 * first doubleword is swapped against the reserved value, then the second; if the second no
 * longer matches (another CPU stored there since lqarx), the first is put back and the store
 * fails. A competing stqcx. to the granule fails at its first swap. Returns 1 on success.
 */
function storeQuadConditional(c: Cpu, sr: number, hi: number, lo: number): number {
  const s = c.s;
  // Register pair (RS, RS+1) in storage order: big-endian RS first, little-endian RS+1 first.
  const [f0, f1, g0, g1] = c.le
    ? [s[sr + 2]!, s[sr + 3]!, s[sr]!, s[sr + 1]!]
    : [s[sr]!, s[sr + 1]!, s[sr + 2]!, s[sr + 3]!];
  if (!(c.ram instanceof SharedArrayBuffer)) {
    const [h8, l8] = addEaN(hi, lo, 8, c.sf);
    c.probe(h8, l8, 1);
    c.write64(hi, lo, f0, f1);
    c.write64(h8, l8, g0, g1);
    return 1;
  }
  const [h8, l8] = addEaN(hi, lo, 8, c.sf);
  const off0 = c.probe(hi, lo, 1);
  const off1 = c.probe(h8, l8, 1);
  const v = viewsOf(c.ram).i64;
  const le = c.le;
  const e0 = rawOf(8, le, s[RESV_VAL_LO]!, s[RESV_VAL_HI]!) as bigint;
  const e1 = rawOf(8, le, s[RESV_VAL2_LO]!, s[RESV_VAL2_HI]!) as bigint;
  const n0 = rawOf(8, le, f0, f1) as bigint;
  const n1 = rawOf(8, le, g0, g1) as bigint;
  if (Atomics.compareExchange(v, off0 / 8, e0, n0) !== e0) return 0;
  if (Atomics.compareExchange(v, off1 / 8, e1, n1) === e1) return 1;
  // Undo the first half unless yet another store replaced it meanwhile (that store wins).
  Atomics.compareExchange(v, off0 / 8, n0, e0);
  return 0;
}

/** Atomics views of a shared RAM buffer, made once per buffer. */
interface AtomicViews {
  readonly i8: Int8Array;
  readonly i16: Int16Array;
  readonly i32: Int32Array;
  readonly i64: BigInt64Array;
}
const atomicViews = new WeakMap<ArrayBufferLike, AtomicViews>();

function viewsOf(ram: ArrayBufferLike): AtomicViews {
  let v = atomicViews.get(ram);
  if (!v) {
    const n = ram.byteLength;
    v = {
      i8: new Int8Array(ram),
      i16: new Int16Array(ram, 0, n >>> 1),
      i32: new Int32Array(ram, 0, n >>> 2),
      i64: new BigInt64Array(ram, 0, Math.floor(n / 8)),
    };
    atomicViews.set(ram, v);
  }
  return v;
}

/** The guest value (lo, hi) of `size` bytes as the host reads the same bytes (byte order of MSR[LE]). */
function rawOf(size: 1 | 2 | 4 | 8, le: boolean, lo: number, hi: number): number | bigint {
  if (size === 1) return (lo << 24) >> 24;
  if (size === 2) return le ? (lo << 16) >> 16 : (bswap16(lo & 0xffff) << 16) >> 16;
  if (size === 4) return le ? lo | 0 : bswap32(lo) | 0;
  const v = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  if (le) return BigInt.asIntN(64, v);
  const b = (BigInt(bswap32(lo) >>> 0) << 32n) | BigInt(bswap32(hi) >>> 0);
  return BigInt.asIntN(64, b);
}

/**
 * Conditional store: on a SharedArrayBuffer, an atomic compare-and-swap against the reserved
 * value (so a store by another vCPU since the load-and-reserve makes it fail); otherwise a plain
 * store. Returns 1 on success.
 */
function storeConditional(c: Cpu, size: 1 | 2 | 4 | 8, hi: number, lo: number, vlo: number, vhi: number): number {
  const s = c.s;
  if (!(c.ram instanceof SharedArrayBuffer)) {
    if (size === 1) c.write8(hi, lo, vlo);
    else if (size === 2) c.write16(hi, lo, vlo);
    else if (size === 4) c.write32(hi, lo, vlo);
    else c.write64(hi, lo, vlo, vhi);
    return 1;
  }
  // Translation (and code invalidation) through the normal store path, without writing.
  const off = c.probe(hi, lo, 1);
  const v = viewsOf(c.ram);
  const le = c.le;
  const expLo = s[RESV_VAL_LO]!;
  const expHi = s[RESV_VAL_HI]!;
  switch (size) {
    case 1:
      return Atomics.compareExchange(v.i8, off, rawOf(1, le, expLo, 0) as number, rawOf(1, le, vlo, 0) as number) ===
        rawOf(1, le, expLo, 0)
        ? 1
        : 0;
    case 2: {
      const e = rawOf(2, le, expLo, 0) as number;
      return Atomics.compareExchange(v.i16, off >>> 1, e, rawOf(2, le, vlo, 0) as number) === e ? 1 : 0;
    }
    case 4: {
      const e = rawOf(4, le, expLo, 0) as number;
      return Atomics.compareExchange(v.i32, off >>> 2, e, rawOf(4, le, vlo, 0) as number) === e ? 1 : 0;
    }
    default: {
      const e = rawOf(8, le, expLo, expHi) as bigint;
      return Atomics.compareExchange(v.i64, off >>> 3, e, rawOf(8, le, vlo, vhi) as bigint) === e ? 1 : 0;
    }
  }
}

function stcx(size: Size | 16) {
  return (f: Fields) => {
    const sr = f.rs! * 2;
    const a = ra0(f.ra!);
    const b = f.rb! * 2;
    const illegalQ = size === 16 && (f.rs! & 1) !== 0;
    return (c: Cpu) => {
      if (illegalQ) return c.illegalInstruction();
      const s = c.s;
      const lo = eaX(c, a, b);
      const hi = c.eah;
      if ((lo & (size - 1)) !== 0) return c.alignmentInterrupt(hi, lo, true);
      let ok = 0;
      // The store succeeds when this thread's reservation covers exactly this address and length
      // and (on shared memory, where other vCPUs may store) the reserved location still holds the
      // value the load-and-reserve read: a compare-and-swap on the granule (ARCHITECTURE.md §3).
      if (s[RESV_VALID] && s[RESV_LO] === lo && s[RESV_HI] === hi && s[RESV_LEN] === size) {
        if (size === 16) ok = storeQuadConditional(c, sr, hi, lo);
        else ok = storeConditional(c, size, hi, lo, s[sr]!, s[sr + 1]!);
      }
      s[RESV_VALID] = 0;
      s[CR] = (s[CR]! & 0x0fffffff) | (((ok << 1) | s[XER_SO]!) << 28);
      return 0;
    };
  };
}

const D = (m: string, op: number, ops: string, exec: Def['exec']): Def => ({
  m,
  form: 'D',
  op,
  ops,
  exec,
  chapter: 'fixed',
});
const DS = (m: string, op: number, xo: number, ops: string, exec: Def['exec']): Def => ({
  m,
  form: 'DS',
  op,
  xo,
  ops,
  exec,
  chapter: 'fixed',
});
const X = (m: string, xo: number, ops: string, exec: Def['exec'], extra: Partial<Def> = {}): Def => ({
  m,
  form: 'X',
  op: 31,
  xo,
  ops,
  exec,
  chapter: 'fixed',
  ...extra,
});

export const FIXED_LDST: Def[] = [
  D('lbz', 34, 'RT,D(RA0)', load(1, {})),
  D('lbzu', 35, 'RT,D(RA)', load(1, { update: true })),
  D('lhz', 40, 'RT,D(RA0)', load(2, {})),
  D('lhzu', 41, 'RT,D(RA)', load(2, { update: true })),
  D('lha', 42, 'RT,D(RA0)', load(2, { sext: true })),
  D('lhau', 43, 'RT,D(RA)', load(2, { sext: true, update: true })),
  D('lwz', 32, 'RT,D(RA0)', load(4, {})),
  D('lwzu', 33, 'RT,D(RA)', load(4, { update: true })),
  DS('ld', 58, 0, 'RT,DS(RA0)', load(8, {})),
  DS('ldu', 58, 1, 'RT,DS(RA)', load(8, { update: true })),
  DS('lwa', 58, 2, 'RT,DS(RA0)', load(4, { sext: true })),
  X('lbzx', 87, 'RT,RA0,RB', load(1, { x: true })),
  X('lbzux', 119, 'RT,RA,RB', load(1, { x: true, update: true })),
  X('lhzx', 279, 'RT,RA0,RB', load(2, { x: true })),
  X('lhzux', 311, 'RT,RA,RB', load(2, { x: true, update: true })),
  X('lhax', 343, 'RT,RA0,RB', load(2, { x: true, sext: true })),
  X('lhaux', 375, 'RT,RA,RB', load(2, { x: true, sext: true, update: true })),
  X('lwzx', 23, 'RT,RA0,RB', load(4, { x: true })),
  X('lwzux', 55, 'RT,RA,RB', load(4, { x: true, update: true })),
  X('lwax', 341, 'RT,RA0,RB', load(4, { x: true, sext: true })),
  X('lwaux', 373, 'RT,RA,RB', load(4, { x: true, sext: true, update: true })),
  X('ldx', 21, 'RT,RA0,RB', load(8, { x: true })),
  X('ldux', 53, 'RT,RA,RB', load(8, { x: true, update: true })),
  X('lhbrx', 790, 'RT,RA0,RB', load(2, { x: true, rev: true })),
  X('lwbrx', 534, 'RT,RA0,RB', load(4, { x: true, rev: true })),
  X('ldbrx', 532, 'RT,RA0,RB', load(8, { x: true, rev: true })),
  D('stb', 38, 'RS,D(RA0)', store(1, {})),
  D('stbu', 39, 'RS,D(RA)', store(1, { update: true })),
  D('sth', 44, 'RS,D(RA0)', store(2, {})),
  D('sthu', 45, 'RS,D(RA)', store(2, { update: true })),
  D('stw', 36, 'RS,D(RA0)', store(4, {})),
  D('stwu', 37, 'RS,D(RA)', store(4, { update: true })),
  DS('std', 62, 0, 'RS,DS(RA0)', store(8, {})),
  DS('stdu', 62, 1, 'RS,DS(RA)', store(8, { update: true })),
  X('stbx', 215, 'RS,RA0,RB', store(1, { x: true })),
  X('stbux', 247, 'RS,RA,RB', store(1, { x: true, update: true })),
  X('sthx', 407, 'RS,RA0,RB', store(2, { x: true })),
  X('sthux', 439, 'RS,RA,RB', store(2, { x: true, update: true })),
  X('stwx', 151, 'RS,RA0,RB', store(4, { x: true })),
  X('stwux', 183, 'RS,RA,RB', store(4, { x: true, update: true })),
  X('stdx', 149, 'RS,RA0,RB', store(8, { x: true })),
  X('stdux', 181, 'RS,RA,RB', store(8, { x: true, update: true })),
  X('sthbrx', 918, 'RS,RA0,RB', store(2, { x: true, rev: true })),
  X('stwbrx', 662, 'RS,RA0,RB', store(4, { x: true, rev: true })),
  X('stdbrx', 660, 'RS,RA0,RB', store(8, { x: true, rev: true })),
  { m: 'lq', form: 'DQ', op: 56, ops: 'RT,DQ(RA0)', fix: [[28, 4, 0]], exec: lq, chapter: 'fixed' },
  DS('stq', 62, 2, 'RS,DS(RA0)', stq),
  D('lmw', 46, 'RT,D(RA0)', lmw),
  D('stmw', 47, 'RS,D(RA0)', stmw),
  X('lswi', 597, 'RT,RA0,NB', lswi),
  X('lswx', 533, 'RT,RA0,RB', lswx),
  X('stswi', 725, 'RS,RA0,NB', stswi),
  X('stswx', 661, 'RS,RA0,RB', stswx),
  X('lbarx', 52, 'RT,RA0,RB,EH', larx(1), { rc: undefined }),
  X('lharx', 116, 'RT,RA0,RB,EH', larx(2), { rc: undefined }),
  X('lwarx', 20, 'RT,RA0,RB,EH', larx(4), { rc: undefined }),
  X('ldarx', 84, 'RT,RA0,RB,EH', larx(8), { rc: undefined }),
  X('lqarx', 276, 'RT,RA0,RB,EH', larx(16), { rc: undefined }),
  X('stbcx.', 694, 'RS,RA0,RB', stcx(1), { rc: 1 }),
  X('sthcx.', 726, 'RS,RA0,RB', stcx(2), { rc: 1 }),
  X('stwcx.', 150, 'RS,RA0,RB', stcx(4), { rc: 1 }),
  X('stdcx.', 214, 'RS,RA0,RB', stcx(8), { rc: 1 }),
  X('stqcx.', 182, 'RS,RA0,RB', stcx(16), { rc: 1 }),
];
