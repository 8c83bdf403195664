/**
 * Fixed-point logical, rotate, shift, count and select instructions
 * (Power ISA 2.07 Book I §3.3.13 - §3.3.14, isel §3.3.12).
 */
import type { Cpu } from '../cpu.js';
import { SPR } from '../sprs.js';
import { CR, MSR, MSR_LO_PR, XER_CA, XER_CA32 } from '../state.js';
import type { Fields, InsnDef } from '../table.js';
import { P9 } from '../table.js';
import { mask32, mask64, out, popcnt32, rotl64, setCr0 } from './util.js';

type Def = InsnDef<Cpu>;

type Op2 = (x: number, y: number) => number;

/**
 * X-form logical: RA = RS op RB, each half independently. Each operation gets its own
 * function literal (generated once at load time) so V8 inlines the operator instead of
 * calling a shared `op` megamorphically.
 */
type LogicalFactory = (f: Fields) => (c: Cpu) => number;

function makeLogical(expr: string): LogicalFactory {
  // biome-ignore lint/security/noGlobalEval: fixed, trusted source text built from a constant operator table
  return new Function(
    'setCr0',
    `return (f) => {
      const a = f.ra * 2, sr = f.rs * 2, b = f.rb * 2, rc = f.rc;
      if (rc) return (c) => { const s = c.s; const x = s[sr], y = s[b], xh = s[sr + 1], yh = s[b + 1];
        const lo = ${expr.replaceAll('X', 'x').replaceAll('Y', 'y')}; const hi = ${expr.replaceAll('X', 'xh').replaceAll('Y', 'yh')};
        s[a] = lo; s[a + 1] = hi; setCr0(c, lo, hi); return 0; };
      return (c) => { const s = c.s; const x = s[sr], y = s[b], xh = s[sr + 1], yh = s[b + 1];
        s[a] = ${expr.replaceAll('X', 'x').replaceAll('Y', 'y')}; s[a + 1] = ${expr.replaceAll('X', 'xh').replaceAll('Y', 'yh')}; return 0; };
    }`,
  )(setCr0) as LogicalFactory;
}

function logical(op: Op2) {
  const text = LOGICAL_EXPR.get(op);
  if (text) return makeLogical(text);
  return (f: Fields) => {
    const a = f.ra! * 2;
    const sr = f.rs! * 2;
    const b = f.rb! * 2;
    const rc = f.rc!;
    return (c: Cpu) => {
      const s = c.s;
      const lo = op(s[sr]!, s[b]!);
      const hi = op(s[sr + 1]!, s[b + 1]!);
      s[a] = lo;
      s[a + 1] = hi;
      if (rc) setCr0(c, lo, hi);
      return 0;
    };
  };
}

/** D-form logical immediates (andi., andis., ori, oris, xori, xoris). */
function logicalImm(op: Op2, shift: boolean, rc: boolean) {
  return (f: Fields) => {
    const a = f.ra! * 2;
    const sr = f.rs! * 2;
    const k = shift ? (f.ui! << 16) | 0 : f.ui!;
    if (op === OR && !rc)
      return (c: Cpu) => {
        const s = c.s;
        s[a] = s[sr]! | k;
        s[a + 1] = s[sr + 1]!;
        return 0;
      };
    if (op === XOR && !rc)
      return (c: Cpu) => {
        const s = c.s;
        s[a] = s[sr]! ^ k;
        s[a + 1] = s[sr + 1]!;
        return 0;
      };
    return (c: Cpu) => {
      const s = c.s;
      const lo = op(s[sr]!, k);
      const hi = op(s[sr + 1]!, 0);
      s[a] = lo;
      s[a + 1] = hi;
      if (rc) setCr0(c, lo, hi);
      return 0;
    };
  };
}

function unary(fn: (c: Cpu, lo: number, hi: number) => void, hasRc = true) {
  return (f: Fields) => {
    const a = f.ra! * 2;
    const sr = f.rs! * 2;
    const rc = hasRc ? f.rc! : 0;
    return (c: Cpu) => {
      const s = c.s;
      fn(c, s[sr]!, s[sr + 1]!);
      s[a] = out[0]!;
      s[a + 1] = out[1]!;
      if (rc) setCr0(c, out[0]!, out[1]!);
      return 0;
    };
  };
}

/**
 * `or Rx,Rx,Rx` with x in {1, 2, 3, 5, 6, 7, 31} is a program-priority hint that sets
 * PPR[PRI] (Book II §3.2 "Program Priority Register"); other forms are a plain OR.
 */
const PRIORITY_NOPS: Record<number, number> = { 31: 1, 1: 2, 6: 3, 2: 4, 5: 5, 3: 6, 7: 7 };

function orOrPriorityNop(f: Fields) {
  const pri = f.rs === f.ra && f.ra === f.rb && f.rc === 0 ? PRIORITY_NOPS[f.rs!] : undefined;
  if (pri === undefined) return logical(OR)(f);
  return (c: Cpu) => {
    // PPR[PRI] is bits 11:13 (high word bits 20:18). Problem state may only use 2..4 (priorities low..medium).
    const pr = (c.s[MSR]! & MSR_LO_PR) !== 0;
    if (pr && (pri < 2 || pri > 4)) return 0;
    const hi = c.sprs[SPR.PPR * 2 + 1]!;
    c.sprs[SPR.PPR * 2 + 1] = (hi & ~(7 << 18)) | (pri << 18);
    return 0;
  };
}

const AND: Op2 = (x, y) => x & y;
const OR: Op2 = (x, y) => x | y;
const XOR: Op2 = (x, y) => x ^ y;
const NAND: Op2 = (x, y) => ~(x & y);
const NOR: Op2 = (x, y) => ~(x | y);
const EQV: Op2 = (x, y) => ~(x ^ y);
const ANDC: Op2 = (x, y) => x & ~y;
const ORC: Op2 = (x, y) => x | ~y;

/** Source text of each logical operation over X and Y, for the generated executors. */
const LOGICAL_EXPR = new Map<Op2, string>([
  [AND, '(X & Y)'],
  [OR, '(X | Y)'],
  [XOR, '(X ^ Y)'],
  [NAND, '~(X & Y)'],
  [NOR, '~(X | Y)'],
  [EQV, '~(X ^ Y)'],
  [ANDC, '(X & ~Y)'],
  [ORC, '(X | ~Y)'],
]);

function set(lo: number, hi: number): void {
  out[0] = lo;
  out[1] = hi;
}

// ---- rotates (Book I §3.3.14) ----------------------------------------------------------------

/** rlwinm/rlwnm: rotate the low word (replicated in both halves), AND with MASK(mb+32, me+32). */
function rlwinm(byReg: boolean) {
  return (f: Fields) => {
    const a = f.ra! * 2;
    const sr = f.rs! * 2;
    const b = (f.rb ?? 0) * 2;
    const sh = f.sh ?? 0;
    const mb = f.mb!;
    const me = f.me!;
    const rc = f.rc!;
    const m = mask32(mb, me);
    // When mb > me the 64-bit mask also covers the high word (the rotated word is replicated there).
    const wrap = mb > me;
    return (c: Cpu) => {
      const s = c.s;
      const n = byReg ? s[b]! & 31 : sh;
      const w = s[sr]!;
      const r = n === 0 ? w : (w << n) | (w >>> (32 - n));
      const lo = r & m;
      const hi = wrap ? r : 0;
      s[a] = lo;
      s[a + 1] = hi;
      if (rc) setCr0(c, lo, hi);
      return 0;
    };
  };
}

function rlwimi(f: Fields) {
  const a = f.ra! * 2;
  const sr = f.rs! * 2;
  const sh = f.sh!;
  const mb = f.mb!;
  const me = f.me!;
  const rc = f.rc!;
  const m = mask32(mb, me);
  const wrap = mb > me;
  return (c: Cpu) => {
    const s = c.s;
    const w = s[sr]!;
    const r = sh === 0 ? w : (w << sh) | (w >>> (32 - sh));
    const lo = (r & m) | (s[a]! & ~m);
    const hi = wrap ? r : s[a + 1]!;
    s[a] = lo;
    s[a + 1] = hi;
    if (rc) setCr0(c, lo, hi);
    return 0;
  };
}

type RldKind = 'icl' | 'icr' | 'ic' | 'imi' | 'cl' | 'cr';

function rld(kind: RldKind) {
  return (f: Fields) => {
    const a = f.ra! * 2;
    const sr = f.rs! * 2;
    const b = (f.rb ?? 0) * 2;
    const sh = f.sh ?? 0;
    const mbe = f.mb ?? f.me!;
    const rc = f.rc!;
    // MASK per instruction (Book I §3.3.14.2).
    let mb = 0;
    let me = 63;
    if (kind === 'icl' || kind === 'cl') mb = mbe;
    else if (kind === 'icr' || kind === 'cr') me = mbe;
    else if (kind === 'ic' || kind === 'imi') {
      mb = mbe;
      me = 63 - sh;
    }
    mask64(mb, me);
    const mlo = out[0]!;
    const mhi = out[1]!;
    const byReg = kind === 'cl' || kind === 'cr';
    return (c: Cpu) => {
      const s = c.s;
      rotl64(s[sr]!, s[sr + 1]!, byReg ? s[b]! & 63 : sh);
      let lo = out[0]! & mlo;
      let hi = out[1]! & mhi;
      if (kind === 'imi') {
        lo |= s[a]! & ~mlo;
        hi |= s[a + 1]! & ~mhi;
      }
      s[a] = lo;
      s[a + 1] = hi;
      if (rc) setCr0(c, lo, hi);
      return 0;
    };
  };
}

// ---- shifts ---------------------------------------------------------------------------------

function slw(c: Cpu, lo: number, _hi: number, n: number): void {
  set(n & 0x20 ? 0 : lo << (n & 31), 0);
}
function srw(c: Cpu, lo: number, _hi: number, n: number): void {
  set(n & 0x20 ? 0 : lo >>> (n & 31), 0);
}
function sld(c: Cpu, lo: number, hi: number, n: number): void {
  n &= 0x7f;
  if (n >= 64) set(0, 0);
  else if (n >= 32) set(0, lo << (n - 32));
  else if (n === 0) set(lo, hi);
  else set(lo << n, (hi << n) | (lo >>> (32 - n)));
}
function srd(c: Cpu, lo: number, hi: number, n: number): void {
  n &= 0x7f;
  if (n >= 64) set(0, 0);
  else if (n >= 32) set(hi >>> (n - 32), 0);
  else if (n === 0) set(lo, hi);
  else set((lo >>> n) | (hi << (32 - n)), hi >>> n);
}
/** sraw/srawi: CA set when the source is negative and 1-bits are shifted out (Book I §3.3.14.3). */
function sraw(c: Cpu, lo: number, _hi: number, n: number): void {
  let r: number;
  let ca: number;
  if (n & 0x20) {
    r = lo >> 31;
    ca = lo < 0 ? 1 : 0;
  } else {
    n &= 31;
    r = lo >> n;
    ca = lo < 0 && n > 0 && (lo & ((1 << n) - 1)) !== 0 ? 1 : 0;
  }
  set(r, r >> 31);
  c.s[XER_CA] = ca;
  c.s[XER_CA32] = ca;
}
function srad(c: Cpu, lo: number, hi: number, n: number): void {
  let ca: number;
  n &= 0x7f;
  if (n >= 64) {
    set(hi >> 31, hi >> 31);
    ca = hi < 0 ? 1 : 0;
  } else if (n === 0) {
    set(lo, hi);
    ca = 0;
  } else if (n >= 32) {
    const k = n - 32;
    const lost = k === 0 ? lo : lo | (hi & ((1 << k) - 1));
    set(hi >> k, hi >> 31);
    ca = hi < 0 && lost !== 0 ? 1 : 0;
  } else {
    const lost = lo & ((1 << n) - 1);
    set((lo >>> n) | (hi << (32 - n)), hi >> n);
    ca = hi < 0 && lost !== 0 ? 1 : 0;
  }
  c.s[XER_CA] = ca;
  c.s[XER_CA32] = ca;
}

type ShiftFn = (c: Cpu, lo: number, hi: number, n: number) => void;

function shiftReg(fn: ShiftFn) {
  return (f: Fields) => {
    const a = f.ra! * 2;
    const sr = f.rs! * 2;
    const b = f.rb! * 2;
    const rc = f.rc!;
    return (c: Cpu) => {
      const s = c.s;
      fn(c, s[sr]!, s[sr + 1]!, s[b]! & 0x7f);
      s[a] = out[0]!;
      s[a + 1] = out[1]!;
      if (rc) setCr0(c, out[0]!, out[1]!);
      return 0;
    };
  };
}

function shiftImm(fn: ShiftFn) {
  return (f: Fields) => {
    const a = f.ra! * 2;
    const sr = f.rs! * 2;
    const n = f.sh!;
    const rc = f.rc!;
    return (c: Cpu) => {
      const s = c.s;
      fn(c, s[sr]!, s[sr + 1]!, n);
      s[a] = out[0]!;
      s[a + 1] = out[1]!;
      if (rc) setCr0(c, out[0]!, out[1]!);
      return 0;
    };
  };
}

// ---- count, extend, misc ------------------------------------------------------------------------

function isel(f: Fields) {
  const t = f.rt! * 2;
  const a = f.ra! * 2;
  const b = f.rb! * 2;
  const bit = 31 - f.bc!;
  const raZero = f.ra === 0;
  return (c: Cpu) => {
    const s = c.s;
    if ((s[CR]! >>> bit) & 1) {
      s[t] = raZero ? 0 : s[a]!;
      s[t + 1] = raZero ? 0 : s[a + 1]!;
    } else {
      s[t] = s[b]!;
      s[t + 1] = s[b + 1]!;
    }
    return 0;
  };
}

/** bpermd (Book I §3.3.13): gather 8 bits of RB selected by the bytes of RS. */
function bpermd(f: Fields) {
  const a = f.ra! * 2;
  const sr = f.rs! * 2;
  const b = f.rb! * 2;
  return (c: Cpu) => {
    const s = c.s;
    let r = 0;
    for (let i = 0; i < 8; i++) {
      // Byte i of RS, counting from the most significant.
      const word = i < 4 ? s[sr + 1]! : s[sr]!;
      const idx = (word >>> (24 - 8 * (i & 3))) & 0xff;
      let bit = 0;
      if (idx < 64) {
        const w = idx < 32 ? s[b + 1]! : s[b]!;
        bit = (w >>> (31 - (idx & 31))) & 1;
      }
      r |= bit << (7 - i);
    }
    s[a] = r;
    s[a + 1] = 0;
    return 0;
  };
}

const X = (m: string, xo: number, ops: string, exec: Def['exec'], extra: Partial<Def> = {}): Def => ({
  m,
  form: 'X',
  op: 31,
  xo,
  ops,
  rc: 'opt',
  exec,
  chapter: 'fixed',
  ...extra,
});

export const FIXED_LOGIC: Def[] = [
  { m: 'andi.', form: 'D', op: 28, ops: 'RA,RS,UI', exec: logicalImm(AND, false, true), chapter: 'fixed' },
  { m: 'andis.', form: 'D', op: 29, ops: 'RA,RS,UI', exec: logicalImm(AND, true, true), chapter: 'fixed' },
  { m: 'ori', form: 'D', op: 24, ops: 'RA,RS,UI', exec: logicalImm(OR, false, false), chapter: 'fixed' },
  { m: 'oris', form: 'D', op: 25, ops: 'RA,RS,UI', exec: logicalImm(OR, true, false), chapter: 'fixed' },
  { m: 'xori', form: 'D', op: 26, ops: 'RA,RS,UI', exec: logicalImm(XOR, false, false), chapter: 'fixed' },
  { m: 'xoris', form: 'D', op: 27, ops: 'RA,RS,UI', exec: logicalImm(XOR, true, false), chapter: 'fixed' },
  X('and', 28, 'RA,RS,RB', logical(AND)),
  X('or', 444, 'RA,RS,RB', orOrPriorityNop),
  X('xor', 316, 'RA,RS,RB', logical(XOR)),
  X(
    'nand',
    476,
    'RA,RS,RB',
    logical((x, y) => ~(x & y)),
  ),
  X(
    'nor',
    124,
    'RA,RS,RB',
    logical((x, y) => ~(x | y)),
  ),
  X(
    'eqv',
    284,
    'RA,RS,RB',
    logical((x, y) => ~(x ^ y)),
  ),
  X(
    'andc',
    60,
    'RA,RS,RB',
    logical((x, y) => x & ~y),
  ),
  X(
    'orc',
    412,
    'RA,RS,RB',
    logical((x, y) => x | ~y),
  ),
  X(
    'extsb',
    954,
    'RA,RS',
    unary((_c, lo) => set((lo << 24) >> 24, ((lo << 24) >> 24) >> 31)),
    { fix: [[16, 5, 0]] },
  ),
  X(
    'extsh',
    922,
    'RA,RS',
    unary((_c, lo) => set((lo << 16) >> 16, ((lo << 16) >> 16) >> 31)),
    { fix: [[16, 5, 0]] },
  ),
  X(
    'extsw',
    986,
    'RA,RS',
    unary((_c, lo) => set(lo, lo >> 31)),
    { fix: [[16, 5, 0]] },
  ),
  X(
    'cntlzw',
    26,
    'RA,RS',
    unary((_c, lo) => set(Math.clz32(lo), 0)),
    { fix: [[16, 5, 0]] },
  ),
  X(
    'cntlzd',
    58,
    'RA,RS',
    unary((_c, lo, hi) => set(hi ? Math.clz32(hi) : 32 + Math.clz32(lo), 0)),
    { fix: [[16, 5, 0]] },
  ),
  X(
    'cnttzw',
    538,
    'RA,RS',
    unary((_c, lo) => set(lo === 0 ? 32 : 31 - Math.clz32(lo & -lo), 0)),
    {
      fix: [[16, 5, 0]],
      models: P9,
    },
  ),
  X(
    'cnttzd',
    570,
    'RA,RS',
    unary((_c, lo, hi) => set(lo !== 0 ? 31 - Math.clz32(lo & -lo) : hi !== 0 ? 63 - Math.clz32(hi & -hi) : 64, 0)),
    { fix: [[16, 5, 0]], models: P9 },
  ),
  X(
    'popcntb',
    122,
    'RA,RS',
    unary((_c, lo, hi) => set(popb(lo), popb(hi)), false),
    { rc: 0, fix: [[16, 5, 0]] },
  ),
  X(
    'popcntw',
    378,
    'RA,RS',
    unary((_c, lo, hi) => set(popcnt32(lo), popcnt32(hi)), false),
    { rc: 0, fix: [[16, 5, 0]] },
  ),
  X(
    'popcntd',
    506,
    'RA,RS',
    unary((_c, lo, hi) => set(popcnt32(lo) + popcnt32(hi), 0), false),
    { rc: 0, fix: [[16, 5, 0]] },
  ),
  X(
    'prtyw',
    154,
    'RA,RS',
    unary((_c, lo, hi) => set(prty(lo), prty(hi)), false),
    { rc: 0, fix: [[16, 5, 0]] },
  ),
  X(
    'prtyd',
    186,
    'RA,RS',
    unary((_c, lo, hi) => set(prty(lo) ^ prty(hi), 0), false),
    { rc: 0, fix: [[16, 5, 0]] },
  ),
  X('bpermd', 252, 'RA,RS,RB', bpermd, { rc: 0 }),
  X('slw', 24, 'RA,RS,RB', shiftReg(slw)),
  X('srw', 536, 'RA,RS,RB', shiftReg(srw)),
  X('sraw', 792, 'RA,RS,RB', shiftReg(sraw)),
  X('srawi', 824, 'RA,RS,SH', shiftImm(sraw)),
  X('sld', 27, 'RA,RS,RB', shiftReg(sld)),
  X('srd', 539, 'RA,RS,RB', shiftReg(srd)),
  X('srad', 794, 'RA,RS,RB', shiftReg(srad)),
  { m: 'sradi', form: 'XS', op: 31, xo: 413, ops: 'RA,RS,SH6', rc: 'opt', exec: shiftImm(srad), chapter: 'fixed' },
  { m: 'rlwinm', form: 'M', op: 21, ops: 'RA,RS,SH,MB,ME', rc: 'opt', exec: rlwinm(false), chapter: 'fixed' },
  { m: 'rlwnm', form: 'M', op: 23, ops: 'RA,RS,RB,MB,ME', rc: 'opt', exec: rlwinm(true), chapter: 'fixed' },
  { m: 'rlwimi', form: 'M', op: 20, ops: 'RA,RS,SH,MB,ME', rc: 'opt', exec: rlwimi, chapter: 'fixed' },
  { m: 'rldicl', form: 'MD', op: 30, xo: 0, ops: 'RA,RS,SH6,MB6', rc: 'opt', exec: rld('icl'), chapter: 'fixed' },
  { m: 'rldicr', form: 'MD', op: 30, xo: 1, ops: 'RA,RS,SH6,ME6', rc: 'opt', exec: rld('icr'), chapter: 'fixed' },
  { m: 'rldic', form: 'MD', op: 30, xo: 2, ops: 'RA,RS,SH6,MB6', rc: 'opt', exec: rld('ic'), chapter: 'fixed' },
  { m: 'rldimi', form: 'MD', op: 30, xo: 3, ops: 'RA,RS,SH6,MB6', rc: 'opt', exec: rld('imi'), chapter: 'fixed' },
  { m: 'rldcl', form: 'MDS', op: 30, xo: 8, ops: 'RA,RS,RB,MB6', rc: 'opt', exec: rld('cl'), chapter: 'fixed' },
  { m: 'rldcr', form: 'MDS', op: 30, xo: 9, ops: 'RA,RS,RB,ME6', rc: 'opt', exec: rld('cr'), chapter: 'fixed' },
  { m: 'isel', form: 'A', op: 31, xo: 15, ops: 'RT,RA0,RB,BC', rc: 0, exec: isel, chapter: 'fixed' },
];

/** Per-byte population count (popcntb). */
function popb(x: number): number {
  let r = 0;
  for (let i = 0; i < 32; i += 8) r |= popcnt32((x >>> i) & 0xff) << i;
  return r;
}

/** Parity of the low bit of each byte (prtyw/prtyd). */
function prty(x: number): number {
  return (x ^ (x >>> 8) ^ (x >>> 16) ^ (x >>> 24)) & 1;
}
