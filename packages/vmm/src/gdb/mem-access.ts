/**
 * Which guest bytes an instruction is about to load or store, computed from
 * its encoding and the registers before it executes: how watchpoints trigger
 * before the access, as POWER's data address breakpoints (DAWR, Power ISA
 * 2.07 Book III-S §9.4) do and as gdb's rs6000 target expects
 * (have_nonsteppable_watchpoint).
 *
 * Effective address forms (Power ISA Book I §1.10.3): D/DS/DQ = (RA|0) + disp,
 * X = (RA|0) + (RB), string immediates = (RA|0). Update forms use RA itself.
 */
import { type Cpu, decodeFields, layout, type ModelDecoder } from '@ppcvm/ppc-cpu';

export interface MemAccess {
  readonly address: bigint;
  readonly length: number;
  readonly load: boolean;
  readonly store: boolean;
}

const LOAD = 1;
const STORE = 2;
/** Sizes computed from operands. */
const MULTIPLE = -1; // lmw/stmw: (32 - RT) words
const STRING_IMM = -2; // lswi/stswi: NB bytes (0 = 32)
const STRING_XER = -3; // lswx/stswx: XER[57:63] bytes

/** Base mnemonic → [bytes accessed, LOAD|STORE, alignment of the EA (vector forms ignore low bits)]. */
const ACCESS: Record<string, readonly [number, number, number?]> = {};
function def(names: string, size: number, dir: number, align?: number): void {
  for (const n of names.split(' ')) ACCESS[n] = align === undefined ? [size, dir] : [size, dir, align];
}
def('lbz lbzu lbzx lbzux lbarx lbzcix', 1, LOAD);
def('lhz lhzu lhzx lhzux lha lhau lhax lhaux lhbrx lharx lhzcix', 2, LOAD);
def('lwz lwzu lwzx lwzux lwa lwax lwaux lwbrx lwarx lwzcix', 4, LOAD);
def('lfs lfsu lfsx lfsux lfiwax lfiwzx lxsiwax lxsiwzx lxsspx', 4, LOAD);
def('ld ldu ldx ldux ldbrx ldarx ldcix lfd lfdu lfdx lfdux lxsdx lxvdsx', 8, LOAD);
def('lq lqarx lfdp lfdpx lxvd2x lxvw4x', 16, LOAD);
def('lvebx', 1, LOAD, 1);
def('lvehx', 2, LOAD, 2);
def('lvewx', 4, LOAD, 4);
def('lvx lvxl', 16, LOAD, 16);
def('stb stbu stbx stbux stbcx. stbcix', 1, STORE);
def('sth sthu sthx sthux sthbrx sthcx. sthcix', 2, STORE);
def('stw stwu stwx stwux stwbrx stwcx. stwcix stfs stfsu stfsx stfsux stfiwx stxsiwx stxsspx', 4, STORE);
def('std stdu stdx stdux stdbrx stdcx. stdcix stfd stfdu stfdx stfdux stxsdx', 8, STORE);
def('stq stqcx. stfdp stfdpx stxvd2x stxvw4x', 16, STORE);
def('stvebx', 1, STORE, 1);
def('stvehx', 2, STORE, 2);
def('stvewx', 4, STORE, 4);
def('stvx stvxl', 16, STORE, 16);
def('lmw', MULTIPLE, LOAD);
def('stmw', MULTIPLE, STORE);
def('lswi', STRING_IMM, LOAD);
def('stswi', STRING_IMM, STORE);
def('lswx', STRING_XER, LOAD);
def('stswx', STRING_XER, STORE);
// dcbz zeroes a whole 128-byte block (Book II §4.3.2); copy/paste move one (POWER9).
def('dcbz paste.', 128, STORE, 128);
def('copy', 128, LOAD, 128);

/** What to compute for one instruction word (cached per word). */
interface Shape {
  readonly size: number;
  readonly dir: number;
  readonly align: number;
  readonly ra: number;
  /** RA = 0 means the value 0. */
  readonly ra0: boolean;
  /** Index register, or -1 for a displacement form. */
  readonly rb: number;
  readonly disp: number;
  /** RT/RS (lmw/stmw) or NB (lswi/stswi). */
  readonly count: number;
}

const caches = new WeakMap<ModelDecoder, Map<number, Shape | null>>();

function shapeOf(decoder: ModelDecoder, word: number): Shape | null {
  let cache = caches.get(decoder);
  if (!cache) caches.set(decoder, (cache = new Map()));
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  let shape: Shape | null = null;
  const d = decoder.decode(word);
  const entry = d ? ACCESS[d.ci.def.m] : undefined;
  if (d && entry) {
    const f = decodeFields(d.ci, word);
    const ops = d.ci.def.ops;
    const ra0 = ops.includes('RA0');
    let rb = -1;
    let disp = 0;
    if (ops.includes('DS(')) disp = f.ds ?? 0;
    else if (ops.includes('DQ(')) disp = f.dq ?? 0;
    else if (ops.includes('D(')) disp = f.d ?? 0;
    else if (/RA0?,RB/.test(ops)) rb = f.rb ?? 0;
    const count = entry[0] === STRING_IMM ? (f.nb ?? 0) : (f.rt ?? f.rs ?? 0);
    shape = { size: entry[0], dir: entry[1], align: entry[2] ?? 1, ra: f.ra ?? 0, ra0, rb, disp, count };
  }
  if (cache.size >= 1 << 16) cache.clear();
  cache.set(word, shape);
  return shape;
}

/**
 * The memory access the instruction `word` would make if executed now on `cpu`, or
 * undefined when it accesses no memory (or is not a load/store this table knows).
 */
export function memoryAccessOf(cpu: Cpu, word: number): MemAccess | undefined {
  const sh = shapeOf(cpu.decoder, word);
  if (!sh) return undefined;
  let length = sh.size;
  if (length === MULTIPLE) length = (32 - sh.count) * 4;
  else if (length === STRING_IMM) length = sh.count === 0 ? 32 : sh.count;
  else if (length === STRING_XER) length = cpu.s[layout.XER_BC]! & 0x7f;
  if (length <= 0) return undefined;
  const base = sh.ra0 && sh.ra === 0 ? 0n : cpu.getGpr(sh.ra);
  let ea = base + (sh.rb >= 0 ? cpu.getGpr(sh.rb) : BigInt(sh.disp));
  // 32-bit mode: the high word of the EA is zero (Book III-S §5.3.1, MSR[SF]=0).
  ea = cpu.sf ? BigInt.asUintN(64, ea) : BigInt.asUintN(32, ea);
  if (sh.align > 1) ea &= ~BigInt(sh.align - 1);
  return { address: ea, length, load: (sh.dir & LOAD) !== 0, store: (sh.dir & STORE) !== 0 };
}
