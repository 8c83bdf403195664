/**
 * JS source templates for the hot instructions, keyed by table mnemonic (`InsnDef.m`). Each
 * one mirrors its interpreter executor in ../isa/*.ts bit for bit (flags, undefined-result
 * choices, order of register writes); the property test in test/jit.property.test.ts runs
 * random programs both ways. A template returns false to leave a variant to the generic
 * fallback (the interpreter's executor called from the block).
 */

import { mask32, mask64, out } from '../isa/util.js';
import { CR, CTR, LR, XER_BC, XER_CA, XER_CA32, XER_OV, XER_OV32, XER_SO } from '../state.js';
import type { Fields } from '../table.js';
import type { Gen } from './codegen.js';

export type Template = (g: Gen, f: Fields) => boolean;

/** `x + y + cin` (int32 words, cin 0/1) carries out of 32 bits: unsigned `r < x`, or `r <= x` with a carry in. */
function carryOut(r: string, x: string, cin: string): string {
  if (cin === '0') return `((${r} >>> 0) < (${x} >>> 0) ? 1 : 0)`;
  if (cin === '1') return `((${r} >>> 0) <= (${x} >>> 0) ? 1 : 0)`;
  return `(${cin} ? ((${r} >>> 0) <= (${x} >>> 0) ? 1 : 0) : ((${r} >>> 0) < (${x} >>> 0) ? 1 : 0))`;
}

/**
 * Sum of two 64-bit values and a carry-in, as `add64` in isa/util.ts, in 32-bit integer
 * operations only (V8 keeps them in machine words): result halves, CA (out of bit 0) and CA32.
 */
function add64(g: Gen, alo: string, ahi: string, blo: string, bhi: string, cin: string) {
  const a = g.val(alo);
  const ah = g.val(ahi);
  const lo = g.tmp(`(${a} + ${blo} + ${cin}) | 0`);
  const lc = g.tmp(carryOut(lo, a, cin));
  const hi = g.tmp(`(${ah} + ${bhi} + ${lc}) | 0`);
  return { lo, hi, ca: carryOut(hi, ah, lc), ca32: lc };
}

/** XER[CA] (and CA32) after an add: the carry out of bit 0, or of bit 32 in 32-bit mode (Book I §3.3.9). */
function setCa(g: Gen, r: { ca: string; ca32: string }): void {
  if (g.sf) {
    g.set(XER_CA, r.ca);
    g.set(XER_CA32, r.ca32);
  } else {
    g.set(XER_CA, r.ca32);
    g.set(XER_CA32, r.ca32);
  }
}

/** OV/OV32/SO of an add whose (possibly inverted) operands were a and b (`setOvAdd`). */
function setOvAdd(g: Gen, alo: string, ahi: string, blo: string, bhi: string, rlo: string, rhi: string): void {
  const ov32 = `((~(${alo} ^ ${blo}) & (${alo} ^ ${rlo})) >>> 31) & 1`;
  const ov = g.tmp(g.sf ? `((~(${ahi} ^ ${bhi}) & (${ahi} ^ ${rhi})) >>> 31) & 1` : ov32);
  g.set(XER_OV, ov);
  g.set(XER_OV32, ov32);
  g.set(XER_SO, `${ov} ? 1 : ${g.r(XER_SO)}`);
}

/** OV and OV32 to one value, SO sticky (`setOv`). */
function setOv(g: Gen, ov: string): void {
  const t = g.tmp(ov);
  g.set(XER_OV, t);
  g.set(XER_OV32, t);
  g.set(XER_SO, `${t} ? 1 : ${g.r(XER_SO)}`);
}

/** RT ← (lo, hi), then CR0 when Rc=1 (`finish` in fixed-arith.ts). */
function finish(g: Gen, t: number, lo: string, hi: string, rc: number): void {
  g.setGpr(t, lo, hi);
  if (rc) g.cr0(g.lo(t), g.hi(t));
}

// ---- arithmetic (Book I §3.3.9) ------------------------------------------------------------

function addImm(shift16: boolean, withCa: boolean, rc: boolean): Template {
  return (g, f) => {
    const imm = shift16 ? (f.si! << 16) | 0 : f.si!;
    const ihi = imm >> 31;
    if (!withCa) {
      if (f.ra === 0) {
        g.setGpr(f.rt!, `${imm}`, `${ihi}`);
        return true;
      }
      const a = g.val(g.lo(f.ra!));
      const l = g.tmp(`(${a} + ${imm}) | 0`);
      g.setGpr(f.rt!, l, `(${g.hi(f.ra!)} + ${ihi} + ${carryOut(l, a, '0')}) | 0`);
      return true;
    }
    const r = add64(g, g.lo(f.ra!), g.hi(f.ra!), `${imm}`, `${ihi}`, '0');
    setCa(g, r);
    finish(g, f.rt!, r.lo, r.hi, rc ? 1 : 0);
    return true;
  };
}

const subfic: Template = (g, f) => {
  const imm = f.si!;
  const r = add64(g, `~${g.lo(f.ra!)}`, `~${g.hi(f.ra!)}`, `${imm}`, `${imm >> 31}`, '1');
  setCa(g, r);
  finish(g, f.rt!, r.lo, r.hi, 0);
  return true;
};

/** The XO-form add family (`addFamily` in fixed-arith.ts). */
function addFamily(o: { invA?: boolean; cin?: 0 | 1 | 'ca'; ca: boolean; b?: 'rb' | 'zero' | 'ones' }): Template {
  return (g, f) => {
    const a = f.ra!;
    const alo = g.val(o.invA ? `~${g.lo(a)}` : g.lo(a));
    const ahi = g.val(o.invA ? `~${g.hi(a)}` : g.hi(a));
    const bm = o.b ?? 'rb';
    const blo = bm === 'rb' ? g.lo(f.rb!) : bm === 'zero' ? '0' : '-1';
    const bhi = bm === 'rb' ? g.hi(f.rb!) : bm === 'zero' ? '0' : '-1';
    const cin = o.cin === 'ca' ? g.r(XER_CA) : `${o.cin ?? 0}`;
    const r = add64(g, alo, ahi, blo, bhi, cin);
    if (o.ca) setCa(g, r);
    if (f.oe) setOvAdd(g, alo, ahi, blo, bhi, r.lo, r.hi);
    finish(g, f.rt!, r.lo, r.hi, f.rc!);
    return true;
  };
}

const neg: Template = (g, f) => {
  const a = g.lo(f.ra!);
  const ah = g.hi(f.ra!);
  const r = add64(g, `~${a}`, `~${ah}`, '0', '0', '1');
  if (f.oe) {
    // Overflow only for the most negative number (Book I §3.3.9 neg).
    setOv(g, g.sf ? `${ah} === -2147483648 && ${a} === 0 ? 1 : 0` : `${a} === -2147483648 ? 1 : 0`);
    g.set(XER_OV32, `${a} === -2147483648 ? 1 : 0`);
  }
  finish(g, f.rt!, r.lo, r.hi, f.rc!);
  return true;
};

const mulli: Template = (g, f) => {
  const k = f.si!;
  g.line(`H.mulLo64(${g.lo(f.ra!)}, ${g.hi(f.ra!)}, ${k}, ${k >> 31});`);
  finish(g, f.rt!, 'out[0]', 'out[1]', 0);
  return true;
};

const mullw: Template = (g, f) => {
  const x = g.val(g.lo(f.ra!));
  const y = g.val(g.lo(f.rb!));
  g.line(`H.mulLo64(${x}, ${x} >> 31, ${y}, ${y} >> 31);`);
  const lo = g.tmp('out[0]');
  const hi = g.tmp('out[1]');
  if (f.oe) setOv(g, `${hi} !== ${lo} >> 31 ? 1 : 0`);
  finish(g, f.rt!, lo, hi, f.rc!);
  return true;
};

const mulld: Template = (g, f) => {
  if (f.oe) return false;
  g.line(`H.mulLo64(${g.lo(f.ra!)}, ${g.hi(f.ra!)}, ${g.lo(f.rb!)}, ${g.hi(f.rb!)});`);
  finish(g, f.rt!, 'out[0]', 'out[1]', f.rc!);
  return true;
};

function mulhw(signed: boolean): Template {
  return (g, f) => {
    const x = g.val(g.lo(f.ra!));
    const y = g.val(g.lo(f.rb!));
    g.line(signed ? `H.mulLo64(${x}, ${x} >> 31, ${y}, ${y} >> 31);` : `H.mulU32(${x}, ${y});`);
    // RT[0:31] undefined: the word is copied there, as the interpreter does.
    const hw = g.tmp('out[1]');
    g.setGpr(f.rt!, hw, hw);
    if (f.rc) g.set(CR, `(${g.r(CR)} & 0x0fffffff) | (((${hw} < 0 ? 8 : ${hw} !== 0 ? 4 : 2) | ${g.r(XER_SO)}) << 28)`);
    return true;
  };
}

function mulhd(signed: boolean): Template {
  return (g, f) => {
    const fn = signed ? 'mulHiS64' : 'mulHiU64';
    g.line(`H.${fn}(${g.lo(f.ra!)}, ${g.hi(f.ra!)}, ${g.lo(f.rb!)}, ${g.hi(f.rb!)});`);
    finish(g, f.rt!, 'out[0]', 'out[1]', f.rc!);
    return true;
  };
}

/** divw / divwu (`divw` in fixed-arith.ts, non-extended forms). */
function divw(signed: boolean): Template {
  return (g, f) => {
    const x = g.val(g.lo(f.ra!));
    const y = g.val(g.lo(f.rb!));
    const ov = g.tmp(signed ? `${y} === 0 || (${x} === -2147483648 && ${y} === -1) ? 1 : 0` : `${y} === 0 ? 1 : 0`);
    const q = signed ? `Math.trunc(${x} / ${y}) | 0` : `Math.trunc((${x} >>> 0) / (${y} >>> 0)) | 0`;
    g.setGpr(f.rt!, `${ov} ? 0 : ${q}`, '0');
    if (f.oe) setOv(g, ov);
    if (f.rc) g.cr0(g.lo(f.rt!), '0');
    return true;
  };
}

// ---- compare (Book I §3.3.10) --------------------------------------------------------------

function cmp(signed: boolean, imm: boolean): Template {
  return (g, f) => {
    const shift = 28 - 4 * f.bf!;
    const k = imm ? (signed ? f.si! : f.ui!) : 0;
    const a = g.val(g.lo(f.ra!));
    let v: string;
    if (f.l) {
      const ah = g.val(g.hi(f.ra!));
      const b = imm ? `${k}` : g.lo(f.rb!);
      const bh = imm ? `${signed ? k >> 31 : 0}` : g.hi(f.rb!);
      const hiLt = signed ? `${ah} < ${bh}` : `(${ah} >>> 0) < (${bh} >>> 0)`;
      v = `${ah} !== ${bh} ? (${hiLt} ? 8 : 4) : ${a} === ${b} ? 2 : (${a} >>> 0) < (${b} >>> 0) ? 8 : 4`;
    } else {
      const b = imm ? `${k}` : g.lo(f.rb!);
      v = signed
        ? `${a} < ${b} ? 8 : ${a} > ${b} ? 4 : 2`
        : `(${a} >>> 0) < (${b} >>> 0) ? 8 : (${a} >>> 0) > (${b} >>> 0) ? 4 : 2`;
    }
    g.set(CR, `(${g.r(CR)} & ${~(0xf << shift)}) | (((${v}) | ${g.r(XER_SO)}) << ${shift})`);
    return true;
  };
}

// ---- logical (Book I §3.3.13) --------------------------------------------------------------

function logical(op: (x: string, y: string) => string): Template {
  return (g, f) => {
    const lo = g.tmp(op(g.lo(f.rs!), g.lo(f.rb!)));
    const hi = g.tmp(op(g.hi(f.rs!), g.hi(f.rb!)));
    finish(g, f.ra!, lo, hi, f.rc!);
    return true;
  };
}

/** `or Rx,Rx,Rx` priority hints (fixed-logic.ts PRIORITY_NOPS) stay with the interpreter. */
const PRIORITY_NOP_REGS = new Set([31, 1, 6, 2, 5, 3, 7]);

const or: Template = (g, f) => {
  if (f.rs === f.ra && f.ra === f.rb && f.rc === 0 && PRIORITY_NOP_REGS.has(f.rs!)) return false;
  if (f.rs === f.rb) {
    finish(g, f.ra!, g.lo(f.rs!), g.hi(f.rs!), f.rc!);
    return true;
  }
  return logical((x, y) => `${x} | ${y}`)(g, f);
};

function logicalImm(op: '&' | '|' | '^', shift: boolean, rc: boolean): Template {
  return (g, f) => {
    const k = shift ? (f.ui! << 16) | 0 : f.ui!;
    const hi = op === '&' ? '0' : g.hi(f.rs!);
    finish(g, f.ra!, `${g.lo(f.rs!)} ${op} ${k}`, hi, rc ? 1 : 0);
    return true;
  };
}

function unary(fn: (lo: string, hi: string) => [string, string]): Template {
  return (g, f) => {
    const [lo, hi] = fn(g.lo(f.rs!), g.hi(f.rs!));
    const l = g.tmp(lo);
    finish(g, f.ra!, l, hi.replaceAll('$LO', l), f.rc!);
    return true;
  };
}

// ---- rotate and shift (Book I §3.3.14) -----------------------------------------------------

function rlwinm(byReg: boolean): Template {
  return (g, f) => {
    const m = mask32(f.mb!, f.me!);
    const wrap = f.mb! > f.me!;
    const w = g.val(g.lo(f.rs!));
    let r: string;
    if (byReg) {
      const n = g.tmp(`${g.lo(f.rb!)} & 31`);
      // JS masks shift counts to 5 bits, so n = 0 gives (w | w>>>0) = w.
      r = g.tmp(`(${w} << ${n}) | (${w} >>> (32 - ${n}))`);
    } else {
      const n = f.sh!;
      r = n === 0 ? w : g.tmp(`(${w} << ${n}) | (${w} >>> ${32 - n})`);
    }
    finish(g, f.ra!, m === -1 || m === 0xffffffff ? r : `${r} & ${m | 0}`, wrap ? r : '0', f.rc!);
    return true;
  };
}

const rlwimi: Template = (g, f) => {
  const m = mask32(f.mb!, f.me!) | 0;
  const wrap = f.mb! > f.me!;
  const n = f.sh!;
  const w = g.val(g.lo(f.rs!));
  const r = n === 0 ? w : g.tmp(`(${w} << ${n}) | (${w} >>> ${32 - n})`);
  finish(g, f.ra!, `(${r} & ${m}) | (${g.lo(f.ra!)} & ${~m})`, wrap ? r : g.hi(f.ra!), f.rc!);
  return true;
};

/** `x & m` with the constant mask folded. */
function andK(x: string, m: number): string {
  if (m === -1) return x;
  if (m === 0) return '0';
  return `(${x} & ${m})`;
}

type RldKind = 'icl' | 'icr' | 'ic' | 'imi' | 'cl' | 'cr';

function rld(kind: RldKind): Template {
  return (g, f) => {
    const sh = f.sh ?? 0;
    const mbe = f.mb ?? f.me!;
    let mb = 0;
    let me = 63;
    if (kind === 'icl' || kind === 'cl') mb = mbe;
    else if (kind === 'icr' || kind === 'cr') me = mbe;
    else {
      mb = mbe;
      me = 63 - sh;
    }
    mask64(mb, me);
    const mlo = out[0]!;
    const mhi = out[1]!;
    const lo = g.val(g.lo(f.rs!));
    const hi = g.val(g.hi(f.rs!));
    let rl: string;
    let rh: string;
    if (kind === 'cl' || kind === 'cr') {
      const n = g.tmp(`${g.lo(f.rb!)} & 63`);
      const a = g.tmp(`${n} & 32 ? ${hi} : ${lo}`);
      const b = g.tmp(`${n} & 32 ? ${lo} : ${hi}`);
      const k = g.tmp(`${n} & 31`);
      rl = g.tmp(`${k} === 0 ? ${a} : (${a} << ${k}) | (${b} >>> (32 - ${k}))`);
      rh = g.tmp(`${k} === 0 ? ${b} : (${b} << ${k}) | (${a} >>> (32 - ${k}))`);
    } else {
      const a = sh >= 32 ? hi : lo;
      const b = sh >= 32 ? lo : hi;
      const k = sh & 31;
      rl = k === 0 ? a : g.tmp(`(${a} << ${k}) | (${b} >>> ${32 - k})`);
      rh = k === 0 ? b : g.tmp(`(${b} << ${k}) | (${a} >>> ${32 - k})`);
    }
    let rlo = andK(rl, mlo);
    let rhi = andK(rh, mhi);
    if (kind === 'imi') {
      rlo = `${rlo} | ${andK(g.lo(f.ra!), ~mlo)}`;
      rhi = `${rhi} | ${andK(g.hi(f.ra!), ~mhi)}`;
    }
    finish(g, f.ra!, rlo, rhi, f.rc!);
    return true;
  };
}

type Shift = 'slw' | 'srw' | 'sraw' | 'sld' | 'srd' | 'srad';

/** Shifts by register or immediate (`shiftReg`/`shiftImm` with the functions of fixed-logic.ts). */
function shift(kind: Shift, imm: boolean): Template {
  return (g, f) => {
    const lo = g.val(g.lo(f.rs!));
    const hi = g.val(g.hi(f.rs!));
    const n = imm ? `${f.sh!}` : g.tmp(`${g.lo(f.rb!)} & 127`);
    const rl = g.let();
    const rh = g.let();
    let ca: string | undefined;
    switch (kind) {
      case 'slw':
        g.line(`${rl} = ${n} & 32 ? 0 : ${lo} << (${n} & 31);`);
        break;
      case 'srw':
        g.line(`${rl} = ${n} & 32 ? 0 : (${lo} >>> (${n} & 31)) | 0;`);
        break;
      case 'sraw': {
        ca = g.let();
        const k = g.tmp(`${n} & 31`);
        g.line(
          `if (${n} & 32) { ${rl} = ${lo} >> 31; ${ca} = ${lo} < 0 ? 1 : 0; } else { ${rl} = ${lo} >> ${k}; ${ca} = ${lo} < 0 && ${k} > 0 && (${lo} & ((1 << ${k}) - 1)) !== 0 ? 1 : 0; }`,
        );
        g.line(`${rh} = ${rl} >> 31;`);
        break;
      }
      case 'sld':
        g.line(
          `if (${n} >= 64) { ${rl} = 0; ${rh} = 0; } else if (${n} >= 32) { ${rl} = 0; ${rh} = ${lo} << (${n} - 32); } else if (${n} === 0) { ${rl} = ${lo}; ${rh} = ${hi}; } else { ${rl} = ${lo} << ${n}; ${rh} = (${hi} << ${n}) | (${lo} >>> (32 - ${n})); }`,
        );
        break;
      case 'srd':
        g.line(
          `if (${n} >= 64) { ${rl} = 0; ${rh} = 0; } else if (${n} >= 32) { ${rl} = (${hi} >>> (${n} - 32)) | 0; ${rh} = 0; } else if (${n} === 0) { ${rl} = ${lo}; ${rh} = ${hi}; } else { ${rl} = (${lo} >>> ${n}) | (${hi} << (32 - ${n})); ${rh} = (${hi} >>> ${n}) | 0; }`,
        );
        break;
      case 'srad': {
        ca = g.let();
        g.line(
          `if (${n} >= 64) { ${rl} = ${hi} >> 31; ${rh} = ${hi} >> 31; ${ca} = ${hi} < 0 ? 1 : 0; } ` +
            `else if (${n} === 0) { ${rl} = ${lo}; ${rh} = ${hi}; ${ca} = 0; } ` +
            `else if (${n} >= 32) { const k = ${n} - 32; const lost = k === 0 ? ${lo} : ${lo} | (${hi} & ((1 << k) - 1)); ${rl} = ${hi} >> k; ${rh} = ${hi} >> 31; ${ca} = ${hi} < 0 && lost !== 0 ? 1 : 0; } ` +
            `else { const lost = ${lo} & ((1 << ${n}) - 1); ${rl} = (${lo} >>> ${n}) | (${hi} << (32 - ${n})); ${rh} = ${hi} >> ${n}; ${ca} = ${hi} < 0 && lost !== 0 ? 1 : 0; }`,
        );
        break;
      }
    }
    if (ca !== undefined) {
      g.set(XER_CA, ca);
      g.set(XER_CA32, ca);
    }
    finish(g, f.ra!, rl, rh, f.rc!);
    return true;
  };
}

const isel: Template = (g, f) => {
  const bit = 31 - f.bc!;
  const t = g.tmp(`(${g.r(CR)} >>> ${bit}) & 1`);
  const alo = f.ra === 0 ? '0' : g.lo(f.ra!);
  const ahi = f.ra === 0 ? '0' : g.hi(f.ra!);
  g.setGpr(f.rt!, `${t} ? ${alo} : ${g.lo(f.rb!)}`, `${t} ? ${ahi} : ${g.hi(f.rb!)}`);
  return true;
};

// ---- loads and stores (Book I §3.3.2 - §3.3.5) ---------------------------------------------

const bswap16 = (v: string) => `(((${v} & 0xff) << 8) | ((${v} >>> 8) & 0xff))`;
const bswap32 = (v: string) =>
  `(((${v} & 0xff) << 24) | ((${v} & 0xff00) << 8) | ((${v} >>> 8) & 0xff00) | (${v} >>> 24))`;

interface MemOpts {
  readonly sext?: boolean;
  readonly update?: boolean;
  readonly x?: boolean;
  readonly rev?: boolean;
}

function ea(g: Gen, f: Fields, o: MemOpts): [string, string] {
  return o.x ? g.eaX(f.ra!, f.rb!, !o.update) : g.eaD(f.ra!, f.d ?? f.ds ?? 0, !o.update);
}

function load(size: 1 | 2 | 4 | 8, o: MemOpts = {}): Template {
  return (g, f) => {
    const [lo, hi] = ea(g, f, o);
    const { v, vhi } = g.load(size, lo, hi);
    let rl: string;
    let rh = '0';
    switch (size) {
      case 1:
        rl = v;
        break;
      case 2: {
        const t = o.rev ? g.tmp(bswap16(v)) : v;
        rl = o.sext ? g.tmp(`(${t} << 16) >> 16`) : t;
        if (o.sext) rh = `${rl} >> 31`;
        break;
      }
      case 4: {
        rl = o.rev ? g.tmp(bswap32(v)) : v;
        if (o.sext) rh = `${rl} >> 31`;
        break;
      }
      default:
        if (o.rev) {
          rl = bswap32(vhi);
          rh = bswap32(v);
        } else {
          rl = v;
          rh = vhi;
        }
    }
    // Update forms write RA then RT, as the interpreter does (RA = RT is an invalid form).
    if (o.update) g.setGpr(f.ra!, lo, hi);
    g.setGpr(f.rt!, rl, rh);
    return true;
  };
}

function store(size: 1 | 2 | 4 | 8, o: MemOpts = {}): Template {
  return (g, f) => {
    const [lo, hi] = ea(g, f, o);
    const sl = g.lo(f.rs!);
    let v: string;
    let vhi = '0';
    switch (size) {
      case 1:
      case 4:
        v = g.val(o.rev && size === 4 ? bswap32(sl) : sl);
        break;
      case 2:
        v = g.val(o.rev ? bswap16(`(${sl} & 0xffff)`) : sl);
        break;
      default:
        v = g.val(o.rev ? bswap32(g.hi(f.rs!)) : sl);
        vhi = g.val(o.rev ? bswap32(sl) : g.hi(f.rs!));
    }
    g.store(size, lo, hi, v, vhi, o.update ? f.ra! : -1);
    if (o.update) g.setGpr(f.ra!, lo, hi);
    return true;
  };
}

// ---- branches (Book I §2.4) ----------------------------------------------------------------

/** The BO test (`boTest` in branch.ts): decrements CTR when BO[2]=0; returns the condition or '' (always). */
function boCond(g: Gen, bo: number, bi: number): string {
  const conds: string[] = [];
  if ((bo & 4) === 0) {
    const lo = g.tmp(g.r(CTR));
    const hi = g.tmp(g.r(CTR + 1));
    g.set(CTR + 1, `${lo} === 0 ? (${hi} - 1) | 0 : ${hi}`);
    g.set(CTR, `(${lo} - 1) | 0`);
    const zero = g.sf ? `(${g.r(CTR)} | ${g.r(CTR + 1)}) === 0` : `${g.r(CTR)} === 0`;
    conds.push(bo & 2 ? zero : `!(${zero})`);
  }
  if ((bo & 0x10) === 0) conds.push(`((${g.r(CR)} >>> ${31 - bi}) & 1) === ${(bo >>> 3) & 1}`);
  return conds.length === 0 ? '' : g.tmp(conds.join(' && '));
}

/** Emit the branch: unconditional ends the block, conditional is a side exit. */
function takeBranch(g: Gen, cond: string, lo: string, hi: string): void {
  if (cond === '') {
    g.line(g.branchTo(lo, hi));
    g.ended = true;
  } else {
    g.line(`if (${cond}) ${g.branchTo(lo, hi)}`);
  }
}

const b: Template = (g, f) => {
  const [lo, hi] = f.aa ? [`${f.li!}`, `${f.li! >> 31}`] : g.relTarget(f.li!);
  if (f.lk) g.link();
  takeBranch(g, '', lo, hi);
  return true;
};

const bc: Template = (g, f) => {
  const cond = boCond(g, f.bo!, f.bi!);
  const [lo, hi] = f.aa ? [`${f.bd!}`, `${f.bd! >> 31}`] : g.relTarget(f.bd!);
  if (f.lk) g.link();
  takeBranch(g, cond, lo, hi);
  return true;
};

/** bclr / bcctr: the target register is read before LK updates LR. */
function bcreg(reg: number, noCtr: boolean): Template {
  return (g, f) => {
    const cond = boCond(g, noCtr ? f.bo! | 4 : f.bo!, f.bi!);
    const lo = g.tmp(g.r(reg));
    const hi = g.tmp(g.r(reg + 1));
    if (f.lk) g.link();
    takeBranch(g, cond, lo, hi);
    return true;
  };
}

// ---- condition register and SPR moves (Book I §2.5, §3.3.16) -------------------------------

function crop(op: (a: string, b: string) => string): Template {
  return (g, f) => {
    const bt = 31 - f.bt!;
    const cr = g.val(g.r(CR));
    const v = op(`((${cr} >>> ${31 - f.ba!}) & 1)`, `((${cr} >>> ${31 - f.bb!}) & 1)`);
    g.set(CR, `(${cr} & ${~(1 << bt)}) | (((${v}) & 1) << ${bt})`);
    return true;
  };
}

const mcrf: Template = (g, f) => {
  const dst = 28 - 4 * f.bf!;
  const src = 28 - 4 * f.bfa!;
  const cr = g.val(g.r(CR));
  g.set(CR, `(${cr} & ${~(0xf << dst)}) | (((${cr} >>> ${src}) & 0xf) << ${dst})`);
  return true;
};

function fxmMask(fxm: number): number {
  let m = 0;
  for (let i = 0; i < 8; i++) if (fxm & (0x80 >> i)) m |= 0xf << (28 - 4 * i);
  return m;
}

const mfcr: Template = (g, f) => {
  g.setGpr(f.rt!, g.r(CR), '0');
  return true;
};

const mfocrf: Template = (g, f) => {
  g.setGpr(f.rt!, `${g.r(CR)} & ${fxmMask(f.fxm!)}`, '0');
  return true;
};

const mtcrf: Template = (g, f) => {
  const m = fxmMask(f.fxm!);
  g.set(CR, `(${g.r(CR)} & ${~m}) | (${g.lo(f.rs!)} & ${m})`);
  return true;
};

/** SPR numbers (Book I §3.3.16): XER, LR, CTR need no privilege or facility check on any model. */
const SPR_XER = 1;
const SPR_LR = 8;
const SPR_CTR = 9;

const mfspr: Template = (g, f) => {
  const spr = f.spr!;
  if (spr === SPR_LR || spr === SPR_CTR) {
    const r = spr === SPR_LR ? LR : CTR;
    g.setGpr(f.rt!, g.r(r), g.r(r + 1));
    return true;
  }
  if (spr === SPR_XER) {
    // Cpu.getXer: OV32/CA32 read as 0 before ISA 3.0.
    const x32 = g.power9 ? ` | (${g.r(XER_OV32)} << 19) | (${g.r(XER_CA32)} << 18)` : '';
    g.setGpr(
      f.rt!,
      `(${g.r(XER_SO)} << 31) | (${g.r(XER_OV)} << 30) | (${g.r(XER_CA)} << 29)${x32} | (${g.r(XER_BC)} & 0x7f)`,
      '0',
    );
    return true;
  }
  return false;
};

const mtspr: Template = (g, f) => {
  const spr = f.spr!;
  if (spr === SPR_LR || spr === SPR_CTR) {
    const r = spr === SPR_LR ? LR : CTR;
    const lo = g.val(g.lo(f.rs!));
    const hi = g.val(g.hi(f.rs!));
    g.set(r, lo);
    g.set(r + 1, hi);
    return true;
  }
  if (spr === SPR_XER) {
    // Cpu.setXer.
    const v = g.val(g.lo(f.rs!));
    g.set(XER_SO, `(${v} >>> 31) & 1`);
    g.set(XER_OV, `(${v} >>> 30) & 1`);
    g.set(XER_CA, `(${v} >>> 29) & 1`);
    g.set(XER_OV32, `(${v} >>> 19) & 1`);
    g.set(XER_CA32, `(${v} >>> 18) & 1`);
    g.set(XER_BC, `${v} & 0x7f`);
    return true;
  }
  return false;
};

/** Cache hints and barriers: no architectural effect on a single interpreter thread (branch.ts `nop`). */
const nop: Template = () => true;

const l = logical;

export const TEMPLATES: Readonly<Record<string, Template>> = {
  addi: addImm(false, false, false),
  addis: addImm(true, false, false),
  addic: addImm(false, true, false),
  'addic.': addImm(false, true, true),
  subfic,
  add: addFamily({ ca: false }),
  addc: addFamily({ ca: true }),
  adde: addFamily({ ca: true, cin: 'ca' }),
  addme: addFamily({ ca: true, cin: 'ca', b: 'ones' }),
  addze: addFamily({ ca: true, cin: 'ca', b: 'zero' }),
  subf: addFamily({ ca: false, invA: true, cin: 1 }),
  subfc: addFamily({ ca: true, invA: true, cin: 1 }),
  subfe: addFamily({ ca: true, invA: true, cin: 'ca' }),
  subfme: addFamily({ ca: true, invA: true, cin: 'ca', b: 'ones' }),
  subfze: addFamily({ ca: true, invA: true, cin: 'ca', b: 'zero' }),
  neg,
  mulli,
  mullw,
  mulld,
  mulhw: mulhw(true),
  mulhwu: mulhw(false),
  mulhd: mulhd(true),
  mulhdu: mulhd(false),
  divw: divw(true),
  divwu: divw(false),
  cmpi: cmp(true, true),
  cmpli: cmp(false, true),
  cmp: cmp(true, false),
  cmpl: cmp(false, false),
  'andi.': logicalImm('&', false, true),
  'andis.': logicalImm('&', true, true),
  ori: logicalImm('|', false, false),
  oris: logicalImm('|', true, false),
  xori: logicalImm('^', false, false),
  xoris: logicalImm('^', true, false),
  and: l((x, y) => `${x} & ${y}`),
  or,
  xor: l((x, y) => `${x} ^ ${y}`),
  nand: l((x, y) => `~(${x} & ${y})`),
  nor: l((x, y) => `~(${x} | ${y})`),
  eqv: l((x, y) => `~(${x} ^ ${y})`),
  andc: l((x, y) => `${x} & ~${y}`),
  orc: l((x, y) => `${x} | ~${y}`),
  extsb: unary((lo) => [`(${lo} << 24) >> 24`, '$LO >> 31']),
  extsh: unary((lo) => [`(${lo} << 16) >> 16`, '$LO >> 31']),
  extsw: unary((lo) => [lo, `${lo} >> 31`]),
  cntlzw: unary((lo) => [`Math.clz32(${lo})`, '0']),
  cntlzd: unary((lo, hi) => [`${hi} ? Math.clz32(${hi}) : 32 + Math.clz32(${lo})`, '0']),
  rlwinm: rlwinm(false),
  rlwnm: rlwinm(true),
  rlwimi,
  rldicl: rld('icl'),
  rldicr: rld('icr'),
  rldic: rld('ic'),
  rldimi: rld('imi'),
  rldcl: rld('cl'),
  rldcr: rld('cr'),
  slw: shift('slw', false),
  srw: shift('srw', false),
  sraw: shift('sraw', false),
  srawi: shift('sraw', true),
  sld: shift('sld', false),
  srd: shift('srd', false),
  srad: shift('srad', false),
  sradi: shift('srad', true),
  isel,
  lbz: load(1),
  lbzu: load(1, { update: true }),
  lbzx: load(1, { x: true }),
  lbzux: load(1, { x: true, update: true }),
  lhz: load(2),
  lhzu: load(2, { update: true }),
  lhzx: load(2, { x: true }),
  lhzux: load(2, { x: true, update: true }),
  lha: load(2, { sext: true }),
  lhau: load(2, { sext: true, update: true }),
  lhax: load(2, { sext: true, x: true }),
  lhaux: load(2, { sext: true, x: true, update: true }),
  lwz: load(4),
  lwzu: load(4, { update: true }),
  lwzx: load(4, { x: true }),
  lwzux: load(4, { x: true, update: true }),
  lwa: load(4, { sext: true }),
  lwax: load(4, { sext: true, x: true }),
  lwaux: load(4, { sext: true, x: true, update: true }),
  ld: load(8),
  ldu: load(8, { update: true }),
  ldx: load(8, { x: true }),
  ldux: load(8, { x: true, update: true }),
  lhbrx: load(2, { x: true, rev: true }),
  lwbrx: load(4, { x: true, rev: true }),
  ldbrx: load(8, { x: true, rev: true }),
  stb: store(1),
  stbu: store(1, { update: true }),
  stbx: store(1, { x: true }),
  stbux: store(1, { x: true, update: true }),
  sth: store(2),
  sthu: store(2, { update: true }),
  sthx: store(2, { x: true }),
  sthux: store(2, { x: true, update: true }),
  stw: store(4),
  stwu: store(4, { update: true }),
  stwx: store(4, { x: true }),
  stwux: store(4, { x: true, update: true }),
  std: store(8),
  stdu: store(8, { update: true }),
  stdx: store(8, { x: true }),
  stdux: store(8, { x: true, update: true }),
  sthbrx: store(2, { x: true, rev: true }),
  stwbrx: store(4, { x: true, rev: true }),
  stdbrx: store(8, { x: true, rev: true }),
  b,
  bc,
  bclr: bcreg(LR, false),
  bcctr: bcreg(CTR, true),
  crand: crop((a, c) => `${a} & ${c}`),
  cror: crop((a, c) => `${a} | ${c}`),
  crxor: crop((a, c) => `${a} ^ ${c}`),
  crnand: crop((a, c) => `~(${a} & ${c})`),
  crnor: crop((a, c) => `~(${a} | ${c})`),
  creqv: crop((a, c) => `~(${a} ^ ${c})`),
  crandc: crop((a, c) => `${a} & ~${c}`),
  crorc: crop((a, c) => `${a} | ~${c}`),
  mcrf,
  mfcr,
  mfocrf,
  mtcrf,
  mtocrf: mtcrf,
  mfspr,
  mtspr,
  dcbt: nop,
  dcbtst: nop,
  dcbf: nop,
  dcbst: nop,
  icbt: nop,
  sync: nop,
  eieio: nop,
  isync: nop,
};
