/**
 * Fixed-point arithmetic, compare and trap instructions (Power ISA 2.07 Book I
 * §3.3.9 - §3.3.11).
 */
import type { Cpu } from '../cpu.js';
import { CR, XER_CA, XER_CA32, XER_OV32, XER_SO } from '../state.js';
import type { Fields, InsnDef } from '../table.js';
import { P9 } from '../table.js';
import {
  add64,
  big,
  bigS,
  cmpS64,
  cmpU64,
  crFromCmp,
  fromBig,
  mulHiS64,
  mulHiU64,
  mulLo64,
  mulU32,
  out,
  setCarry,
  setCr0,
  setCrField,
  setOv,
  setOvAdd,
} from './util.js';

type Def = InsnDef<Cpu>;

/** Writes out[0..1] to RT, then handles Rc. */
function finish(c: Cpu, t: number, rc: number): number {
  const s = c.s;
  s[t] = out[0]!;
  s[t + 1] = out[1]!;
  if (rc) setCr0(c, out[0]!, out[1]!);
  return 0;
}

/**
 * Generic XO-form add: RT = (A' + B' + cin) where A'/B' may be inverted, and the
 * carry-in comes from XER[CA] when `cinCA`. `bConst` = -1 means operand B is the
 * constant 0 (addze/addme use 0 / -1).
 */
function addFamily(opts: { invA?: boolean; cin?: 0 | 1 | 'ca'; setCa: boolean; b?: 'rb' | 'zero' | 'ones' }) {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const a = f.ra! * 2;
    const b = (f.rb ?? 0) * 2;
    const { rc, oe } = f as { rc: number; oe: number };
    const invA = !!opts.invA;
    const bmode = opts.b ?? 'rb';
    const cinMode = opts.cin ?? 0;
    // Fast path: plain add, no flags.
    if (!invA && bmode === 'rb' && cinMode === 0 && !opts.setCa && !rc && !oe) {
      return (c: Cpu) => {
        const s = c.s;
        const l = (s[a]! >>> 0) + (s[b]! >>> 0);
        s[t + 1] = (s[a + 1]! + s[b + 1]! + (l >= 4294967296 ? 1 : 0)) | 0;
        s[t] = l | 0;
        return 0;
      };
    }
    return (c: Cpu) => {
      const s = c.s;
      const alo = invA ? ~s[a]! : s[a]!;
      const ahi = invA ? ~s[a + 1]! : s[a + 1]!;
      let blo: number;
      let bhi: number;
      if (bmode === 'rb') {
        blo = s[b]!;
        bhi = s[b + 1]!;
      } else if (bmode === 'zero') {
        blo = 0;
        bhi = 0;
      } else {
        blo = -1;
        bhi = -1;
      }
      const cin = cinMode === 'ca' ? s[XER_CA]! : cinMode;
      add64(alo, ahi, blo, bhi, cin);
      if (opts.setCa) {
        if (c.sf) setCarry(c);
        else {
          // 32-bit mode: CA is the carry out of bit 32 (Book I §3.3.9).
          s[XER_CA] = out[3]!;
          s[XER_CA32] = out[3]!;
        }
      }
      if (oe) setOvAdd(c, ahi, bhi, out[1]!, alo, blo, out[0]!);
      return finish(c, t, rc);
    };
  };
}

function addImm(shift16: boolean, setCa: boolean, rcFixed: boolean) {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const a = f.ra! * 2;
    const imm = shift16 ? (f.si! << 16) | 0 : f.si!;
    const ihi = imm >> 31;
    if (!setCa) {
      if (f.ra === 0) {
        return (c: Cpu) => {
          c.s[t] = imm;
          c.s[t + 1] = ihi;
          return 0;
        };
      }
      return (c: Cpu) => {
        const s = c.s;
        const l = (s[a]! >>> 0) + (imm >>> 0);
        s[t + 1] = (s[a + 1]! + ihi + (l >= 4294967296 ? 1 : 0)) | 0;
        s[t] = l | 0;
        return 0;
      };
    }
    return (c: Cpu) => {
      const s = c.s;
      add64(s[a]!, s[a + 1]!, imm, ihi, 0);
      if (c.sf) setCarry(c);
      else s[XER_CA] = s[XER_CA32] = out[3]!;
      return finish(c, t, rcFixed ? 1 : 0);
    };
  };
}

function subfic(f: Fields) {
  const t = f.rt! * 2;
  const a = f.ra! * 2;
  const imm = f.si!;
  return (c: Cpu) => {
    const s = c.s;
    add64(~s[a]!, ~s[a + 1]!, imm, imm >> 31, 1);
    if (c.sf) setCarry(c);
    else s[XER_CA] = s[XER_CA32] = out[3]!;
    return finish(c, t, 0);
  };
}

function neg(f: Fields) {
  const t = f.rt! * 2;
  const a = f.ra! * 2;
  const { rc, oe } = f as { rc: number; oe: number };
  return (c: Cpu) => {
    const s = c.s;
    add64(~s[a]!, ~s[a + 1]!, 0, 0, 1);
    if (oe) {
      // Overflow only for the most negative number (Book I §3.3.9 neg).
      const ov = c.sf ? s[a + 1] === (0x80000000 | 0) && s[a] === 0 : s[a] === (0x80000000 | 0);
      setOv(c, ov ? 1 : 0);
      c.s[XER_OV32] = s[a] === (0x80000000 | 0) ? 1 : 0; // OV32
    }
    return finish(c, t, rc);
  };
}

// ---- multiply ---------------------------------------------------------------------------------

function mulli(f: Fields) {
  const t = f.rt! * 2;
  const a = f.ra! * 2;
  const imm = f.si!;
  return (c: Cpu) => {
    const s = c.s;
    mulLo64(s[a]!, s[a + 1]!, imm, imm >> 31);
    return finish(c, t, 0);
  };
}

function mulld(f: Fields) {
  const t = f.rt! * 2;
  const a = f.ra! * 2;
  const b = f.rb! * 2;
  const { rc, oe } = f as { rc: number; oe: number };
  return (c: Cpu) => {
    const s = c.s;
    const alo = s[a]!;
    const ahi = s[a + 1]!;
    const blo = s[b]!;
    const bhi = s[b + 1]!;
    if (oe) {
      // Overflow when the 128-bit signed product does not fit in 64 bits.
      mulHiS64(alo, ahi, blo, bhi);
      const phLo = out[0]!;
      const phHi = out[1]!;
      mulLo64(alo, ahi, blo, bhi);
      const sign = out[1]! >> 31;
      setOv(c, phLo === sign && phHi === sign ? 0 : 1);
      // OV32 for mulldo: ISA 3.0 defines it as OV; POWER8 (2.07) has no OV32 semantics here.
      c.s[XER_OV32] = c.s[76]!;
    } else {
      mulLo64(alo, ahi, blo, bhi);
    }
    return finish(c, t, rc);
  };
}

function mullw(f: Fields) {
  const t = f.rt! * 2;
  const a = f.ra! * 2;
  const b = f.rb! * 2;
  const { rc, oe } = f as { rc: number; oe: number };
  return (c: Cpu) => {
    const s = c.s;
    const x = s[a]!;
    const y = s[b]!;
    // The full 64-bit signed product of the low words.
    mulLo64(x, x >> 31, y, y >> 31);
    if (oe) {
      const ov = out[1] !== out[0]! >> 31 ? 1 : 0;
      setOv(c, ov);
    }
    return finish(c, t, rc);
  };
}

function mulhw(signed: boolean) {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const a = f.ra! * 2;
    const b = f.rb! * 2;
    const rc = f.rc!;
    return (c: Cpu) => {
      const s = c.s;
      const x = s[a]!;
      const y = s[b]!;
      if (signed) mulLo64(x, x >> 31, y, y >> 31);
      else mulU32(x, y);
      // The high word of the product; the high half of RT is undefined (we copy the word, as POWER8 does).
      const hw = out[1]!;
      s[t] = hw;
      s[t + 1] = hw;
      if (rc) {
        // CR0 LT/GT/EQ are undefined in 64-bit mode for mulhw (Book I §3.3.9); compare the word as POWER8 does.
        const f2 = hw < 0 ? 8 : hw !== 0 ? 4 : 2;
        s[CR] = (s[CR]! & 0x0fffffff) | ((f2 | s[XER_SO]!) << 28);
      }
      return 0;
    };
  };
}

function mulhd(signed: boolean) {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const a = f.ra! * 2;
    const b = f.rb! * 2;
    const rc = f.rc!;
    return (c: Cpu) => {
      const s = c.s;
      if (signed) mulHiS64(s[a]!, s[a + 1]!, s[b]!, s[b + 1]!);
      else mulHiU64(s[a]!, s[a + 1]!, s[b]!, s[b + 1]!);
      return finish(c, t, rc);
    };
  };
}

// ---- divide (BigInt: rare, and exact) ---------------------------------------------------------

const M64 = (1n << 64n) - 1n;

function divd(kind: 'd' | 'du' | 'de' | 'deu') {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const a = f.ra! * 2;
    const b = f.rb! * 2;
    const { rc, oe } = f as { rc: number; oe: number };
    return (c: Cpu) => {
      const s = c.s;
      const signed = kind === 'd' || kind === 'de';
      const ext = kind === 'de' || kind === 'deu';
      let dividend = signed ? bigS(s[a]!, s[a + 1]!) : big(s[a]!, s[a + 1]!);
      if (ext) dividend = signed ? bigS(s[a]!, s[a + 1]!) << 64n : big(s[a]!, s[a + 1]!) << 64n;
      const divisor = signed ? bigS(s[b]!, s[b + 1]!) : big(s[b]!, s[b + 1]!);
      let ov = 0;
      let q = 0n;
      if (divisor === 0n) ov = 1;
      else {
        q = dividend / divisor; // truncates toward zero, as the ISA requires
        if (signed ? q > (1n << 63n) - 1n || q < -(1n << 63n) : q > M64) ov = 1;
      }
      if (ov) {
        // Results are undefined on overflow; POWER8 returns 0 here (as QEMU models it).
        fromBig(0n);
      } else fromBig(q);
      if (oe) setOv(c, ov);
      return finish(c, t, rc);
    };
  };
}

function divw(kind: 'w' | 'wu' | 'we' | 'weu') {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const a = f.ra! * 2;
    const b = f.rb! * 2;
    const { rc, oe } = f as { rc: number; oe: number };
    return (c: Cpu) => {
      const s = c.s;
      const signed = kind === 'w' || kind === 'we';
      const ext = kind === 'we' || kind === 'weu';
      const x = s[a]!;
      const y = s[b]!;
      let ov = 0;
      let q = 0;
      if (!ext) {
        if (y === 0 || (signed && x === (0x80000000 | 0) && y === -1)) ov = 1;
        else q = signed ? Math.trunc(x / y) : Math.trunc((x >>> 0) / (y >>> 0));
      } else {
        const dividend = (signed ? BigInt(x) : BigInt(x >>> 0)) << 32n;
        const divisor = signed ? BigInt(y) : BigInt(y >>> 0);
        if (divisor === 0n) ov = 1;
        else {
          const bq = dividend / divisor;
          if (signed ? bq > 0x7fffffffn || bq < -0x80000000n : bq > 0xffffffffn) ov = 1;
          else q = Number(bq);
        }
      }
      // RT[0:31] is undefined; POWER8 leaves zero there for the unsigned forms and the sign for divw. Use 0 as QEMU does.
      s[t] = ov ? 0 : q | 0;
      s[t + 1] = 0;
      if (oe) setOv(c, ov);
      if (rc) {
        const w = s[t]!;
        // CR0 LT/GT/EQ undefined in 64-bit mode: compare the 64-bit result as QEMU does.
        setCr0(c, w, 0);
      }
      return 0;
    };
  };
}

function modw(signed: boolean) {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const a = f.ra! * 2;
    const b = f.rb! * 2;
    return (c: Cpu) => {
      const s = c.s;
      const x = s[a]!;
      const y = s[b]!;
      let r = 0;
      if (y !== 0 && !(signed && x === (0x80000000 | 0) && y === -1)) r = signed ? x % y : (x >>> 0) % (y >>> 0);
      s[t] = r | 0;
      s[t + 1] = signed ? (r | 0) >> 31 : 0;
      return 0;
    };
  };
}

function modd(signed: boolean) {
  return (f: Fields) => {
    const t = f.rt! * 2;
    const a = f.ra! * 2;
    const b = f.rb! * 2;
    return (c: Cpu) => {
      const s = c.s;
      const x = signed ? bigS(s[a]!, s[a + 1]!) : big(s[a]!, s[a + 1]!);
      const y = signed ? bigS(s[b]!, s[b + 1]!) : big(s[b]!, s[b + 1]!);
      fromBig(y === 0n || (signed && y === -1n) ? 0n : x % y);
      return finish(c, t, 0);
    };
  };
}

// ---- compare ------------------------------------------------------------------------------------

function cmp(signed: boolean, imm: boolean) {
  return (f: Fields) => {
    const bf = f.bf!;
    const l = f.l!;
    const a = f.ra! * 2;
    const b = (f.rb ?? 0) * 2;
    const k = imm ? (signed ? f.si! : f.ui!) : 0;
    const shift = 28 - 4 * bf;
    const keep = ~(0xf << shift);
    return (c: Cpu) => {
      const s = c.s;
      let r: number;
      if (l) {
        const blo = imm ? k : s[b]!;
        const bhi = imm ? (signed ? k >> 31 : 0) : s[b + 1]!;
        r = signed ? cmpS64(s[a]!, s[a + 1]!, blo, bhi) : cmpU64(s[a]!, s[a + 1]!, blo, bhi);
      } else {
        const x = s[a]!;
        const y = imm ? k : s[b]!;
        r = signed ? (x < (y | 0) ? -1 : x > (y | 0) ? 1 : 0) : x >>> 0 < y >>> 0 ? -1 : x >>> 0 > y >>> 0 ? 1 : 0;
      }
      s[CR] = (s[CR]! & keep) | (((r < 0 ? 8 : r > 0 ? 4 : 2) | s[XER_SO]!) << shift);
      return 0;
    };
  };
}

/** cmpb (Book I §3.3.13): bytes equal → 0xff. */
function cmpb(f: Fields) {
  const a = f.ra! * 2;
  const sreg = f.rs! * 2;
  const b = f.rb! * 2;
  const w = (x: number, y: number) => {
    let r = 0;
    for (let i = 0; i < 32; i += 8) if (((x >>> i) & 0xff) === ((y >>> i) & 0xff)) r |= 0xff << i;
    return r;
  };
  return (c: Cpu) => {
    const s = c.s;
    const lo = w(s[sreg]!, s[b]!);
    const hi = w(s[sreg + 1]!, s[b + 1]!);
    s[a] = lo;
    s[a + 1] = hi;
    return 0;
  };
}

/** cmprb / cmpeqb (ISA 3.0, POWER9). */
function cmprb(f: Fields) {
  const bf = f.bf!;
  const l = f.l!;
  const a = f.ra! * 2;
  const b = f.rb! * 2;
  return (c: Cpu) => {
    const s = c.s;
    const x = s[a]! & 0xff;
    const rb = s[b]!;
    const in1 = x >= ((rb >>> 16) & 0xff) && x <= ((rb >>> 24) & 0xff);
    const in2 = x >= (rb & 0xff) && x <= ((rb >>> 8) & 0xff);
    const hit = l ? in1 || in2 : in2;
    setCrField(c, bf, hit ? 4 : 0);
    return 0;
  };
}

function cmpeqb(f: Fields) {
  const bf = f.bf!;
  const a = f.ra! * 2;
  const b = f.rb! * 2;
  return (c: Cpu) => {
    const s = c.s;
    const x = s[a]! & 0xff;
    let hit = false;
    for (const w of [s[b]!, s[b + 1]!]) for (let i = 0; i < 32; i += 8) if (((w >>> i) & 0xff) === x) hit = true;
    setCrField(c, bf, hit ? 4 : 0);
    return 0;
  };
}

// ---- trap ----------------------------------------------------------------------------------------

/** TO bits: 0x10 lt, 0x08 gt, 0x04 eq, 0x02 ltu, 0x01 gtu (Book I §3.3.11). */
function trapHit(to: number, sr: number, ur: number): boolean {
  return (
    ((to & 0x10) !== 0 && sr < 0) ||
    ((to & 0x08) !== 0 && sr > 0) ||
    ((to & 0x04) !== 0 && sr === 0) ||
    ((to & 0x02) !== 0 && ur < 0) ||
    ((to & 0x01) !== 0 && ur > 0)
  );
}

function trap(d64: boolean, imm: boolean) {
  return (f: Fields) => {
    const to = f.to!;
    const a = f.ra! * 2;
    const b = (f.rb ?? 0) * 2;
    const k = f.si ?? 0;
    return (c: Cpu) => {
      const s = c.s;
      let sr: number;
      let ur: number;
      if (d64) {
        const blo = imm ? k : s[b]!;
        const bhi = imm ? k >> 31 : s[b + 1]!;
        sr = cmpS64(s[a]!, s[a + 1]!, blo, bhi);
        ur = cmpU64(s[a]!, s[a + 1]!, blo, bhi);
      } else {
        const x = s[a]!;
        const y = imm ? k : s[b]!;
        sr = x < y ? -1 : x > y ? 1 : 0;
        ur = x >>> 0 < y >>> 0 ? -1 : x >>> 0 > y >>> 0 ? 1 : 0;
      }
      if (!trapHit(to, sr, ur)) return 0;
      return c.programTrap();
    };
  };
}

const xo = (m: string, x: number, exec: Def['exec'], extra: Partial<Def> = {}): Def => ({
  m,
  form: 'XO',
  op: 31,
  xo: x,
  ops: 'RT,RA,RB',
  rc: 'opt',
  oe: 'opt',
  exec,
  chapter: 'fixed',
  ...extra,
});

export const FIXED_ARITH: Def[] = [
  { m: 'addi', form: 'D', op: 14, ops: 'RT,RA0,SI', exec: addImm(false, false, false), chapter: 'fixed' },
  { m: 'addis', form: 'D', op: 15, ops: 'RT,RA0,SI', exec: addImm(true, false, false), chapter: 'fixed' },
  { m: 'addic', form: 'D', op: 12, ops: 'RT,RA,SI', exec: addImm(false, true, false), chapter: 'fixed' },
  { m: 'addic.', form: 'D', op: 13, ops: 'RT,RA,SI', exec: addImm(false, true, true), chapter: 'fixed' },
  { m: 'subfic', form: 'D', op: 8, ops: 'RT,RA,SI', exec: subfic, chapter: 'fixed' },
  { m: 'mulli', form: 'D', op: 7, ops: 'RT,RA,SI', exec: mulli, chapter: 'fixed' },
  xo('add', 266, addFamily({ setCa: false })),
  xo('addc', 10, addFamily({ setCa: true })),
  xo('adde', 138, addFamily({ setCa: true, cin: 'ca' })),
  xo('addme', 234, addFamily({ setCa: true, cin: 'ca', b: 'ones' }), { ops: 'RT,RA', fix: [[16, 5, 0]] }),
  xo('addze', 202, addFamily({ setCa: true, cin: 'ca', b: 'zero' }), { ops: 'RT,RA', fix: [[16, 5, 0]] }),
  xo('subf', 40, addFamily({ setCa: false, invA: true, cin: 1 })),
  xo('subfc', 8, addFamily({ setCa: true, invA: true, cin: 1 })),
  xo('subfe', 136, addFamily({ setCa: true, invA: true, cin: 'ca' })),
  xo('subfme', 232, addFamily({ setCa: true, invA: true, cin: 'ca', b: 'ones' }), { ops: 'RT,RA', fix: [[16, 5, 0]] }),
  xo('subfze', 200, addFamily({ setCa: true, invA: true, cin: 'ca', b: 'zero' }), { ops: 'RT,RA', fix: [[16, 5, 0]] }),
  xo('neg', 104, neg, { ops: 'RT,RA', fix: [[16, 5, 0]] }),
  xo('mulld', 233, mulld),
  xo('mullw', 235, mullw),
  xo('mulhd', 73, mulhd(true), { oe: 0 }),
  xo('mulhdu', 9, mulhd(false), { oe: 0 }),
  xo('mulhw', 75, mulhw(true), { oe: 0 }),
  xo('mulhwu', 11, mulhw(false), { oe: 0 }),
  xo('divd', 489, divd('d')),
  xo('divdu', 457, divd('du')),
  xo('divde', 425, divd('de')),
  xo('divdeu', 393, divd('deu')),
  xo('divw', 491, divw('w')),
  xo('divwu', 459, divw('wu')),
  xo('divwe', 427, divw('we')),
  xo('divweu', 395, divw('weu')),
  { m: 'modsw', form: 'X', op: 31, xo: 779, ops: 'RT,RA,RB', exec: modw(true), models: P9, chapter: 'fixed' },
  { m: 'moduw', form: 'X', op: 31, xo: 267, ops: 'RT,RA,RB', exec: modw(false), models: P9, chapter: 'fixed' },
  { m: 'modsd', form: 'X', op: 31, xo: 777, ops: 'RT,RA,RB', exec: modd(true), models: P9, chapter: 'fixed' },
  { m: 'modud', form: 'X', op: 31, xo: 265, ops: 'RT,RA,RB', exec: modd(false), models: P9, chapter: 'fixed' },
  // Bit 9 of cmpi/cmpli is reserved, i.e. ignored (Book I §1.3.3); binutils accepts it set too.
  { m: 'cmpi', form: 'D', op: 11, ops: 'BF,L10,RA,SI', exec: cmp(true, true), chapter: 'fixed' },
  { m: 'cmpli', form: 'D', op: 10, ops: 'BF,L10,RA,UI', exec: cmp(false, true), chapter: 'fixed' },
  {
    m: 'cmp',
    form: 'X',
    op: 31,
    xo: 0,
    ops: 'BF,L10,RA,RB',
    fix: [[9, 1, 0]],
    exec: cmp(true, false),
    chapter: 'fixed',
  },
  {
    m: 'cmpl',
    form: 'X',
    op: 31,
    xo: 32,
    ops: 'BF,L10,RA,RB',
    fix: [[9, 1, 0]],
    exec: cmp(false, false),
    chapter: 'fixed',
  },
  { m: 'cmpb', form: 'X', op: 31, xo: 508, ops: 'RA,RS,RB', exec: cmpb, chapter: 'fixed' },
  {
    m: 'cmprb',
    form: 'X',
    op: 31,
    xo: 192,
    ops: 'BF,L10,RA,RB',
    fix: [[9, 1, 0]],
    exec: cmprb,
    models: P9,
    chapter: 'fixed',
  },
  {
    m: 'cmpeqb',
    form: 'X',
    op: 31,
    xo: 224,
    ops: 'BF,RA,RB',
    fix: [[9, 2, 0]],
    exec: cmpeqb,
    models: P9,
    chapter: 'fixed',
  },
  { m: 'tw', form: 'X', op: 31, xo: 4, ops: 'TO,RA,RB', exec: trap(false, false), chapter: 'fixed' },
  { m: 'td', form: 'X', op: 31, xo: 68, ops: 'TO,RA,RB', exec: trap(true, false), chapter: 'fixed' },
  { m: 'twi', form: 'D', op: 3, ops: 'TO,RA,SI', exec: trap(false, true), chapter: 'fixed' },
  { m: 'tdi', form: 'D', op: 2, ops: 'TO,RA,SI', exec: trap(true, true), chapter: 'fixed' },
  // darn and the POWER9 multiply-adds live in p9-fixed.ts.
];
