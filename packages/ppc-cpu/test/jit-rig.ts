/**
 * Test rig for the block JIT: random programs built from table entries, run on
 * two CPUs (interpreter only, and JIT compiling at once), with everything
 * architected compared afterwards.
 */
import { Access, Cpu, type StopReason, TranslateFault } from '../src/cpu.js';
import { fieldWidth } from '../src/fields.js';
import { INSTRUCTIONS } from '../src/isa/index.js';
import { TEMPLATES } from '../src/jit/templates.js';
import {
  CR,
  CTR,
  FPR_F64,
  LR,
  MSR_HI_SF,
  MSR_LO_EE,
  MSR_LO_FP,
  MSR_LO_LE,
  MSR_LO_PR,
  MSR_LO_VEC,
  MSR_LO_VSX,
  PC,
} from '../src/state.js';
import { encodeVariant, type Variant, variantsOf } from './support/encode.js';

export const RAM_BYTES = 0x10000;
export const CODE = 0x1000;
/** Code pages 0x1000-0x3fff (writable: stores there are self-modifying code), data 0x8000-0xbfff, read-only 0xc000. */
export const DATA = 0x8000;
export const DATA_END = 0xc000;
export const RO_END = 0xd000;

/** Identity map of the rig's pages, with permissions; everything else unmapped. */
export const rigTranslator = {
  translate(hi: number, lo: number, access: number): number {
    const a = lo >>> 0;
    if (hi !== 0) return TranslateFault.Unmapped;
    if (a >= CODE && a < 0x4000) return a & ~0xfff;
    if (a >= DATA && a < DATA_END) return access === Access.Fetch ? TranslateFault.Protection : a & ~0xfff;
    if (a >= DATA_END && a < RO_END) return access === Access.Load ? a & ~0xfff : TranslateFault.Protection;
    return TranslateFault.Unmapped;
  },
};

/** A small deterministic PRNG (mulberry32), so a failing case is reproducible from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Loads and stores: their RA is a data base register (r30/r31), RB an offset register (r28/r29). */
const MEMORY = new Set([
  ...Object.keys(TEMPLATES).filter((m) => /^(l[bhwd]|st[bhwd])/.test(m)),
  'lwarx',
  'ldarx',
  'stwcx.',
  'stdcx.',
  'lfd',
  'stfd',
  'lfs',
  'stfs',
  'dcbz',
  'icbi',
  'lfdu',
  'stfdu',
  'lfdux',
  'lxvd2x',
  'stxvd2x',
  'lmw',
  'stmw',
  'lswi',
  'stswi',
  'lq',
  'stq',
]);

/** Entries without templates, to run the fallback path inside blocks. */
export const FALLBACK_ONLY = [
  'divd',
  'divdu',
  'divwe',
  'cmpb',
  'popcntw',
  'popcntd',
  'prtyd',
  'bpermd',
  'twi',
  'tdi',
  'tw',
  'lwarx',
  'ldarx',
  'stwcx.',
  'stdcx.',
  'lfd',
  'stfd',
  'lfs',
  'stfs',
  'fadd',
  'fmul',
  'fmadd',
  'dcbz',
  'icbi',
  'mftb',
  // Fallbacks that write CR (Rc, BF), GPRs from other facilities, RA updates, register ranges.
  'fcmpu',
  'mffs',
  'mcrfs',
  'mtfsb1',
  'lfdu',
  'stfdu',
  'lfdux',
  'mfvsrd',
  'mtvsrd',
  'mfvsrwz',
  'lxvd2x',
  'stxvd2x',
  'vcmpequw',
  'vadduwm',
  'lmw',
  'stmw',
  'lswi',
  'stswi',
  'lq',
  'stq',
];

/** SPRs the random mfspr/mtspr use: the templated XER/LR/CTR and some the fallback handles. */
const SPRS = [1, 8, 9, 1, 8, 9, 256, 3];

export interface Pool {
  readonly variants: Variant[];
  readonly weights: number[];
}

/** Every variant of the templated entries (absolute branches left out) plus the fallback-only ones. */
export function instructionPool(): Pool {
  const variants: Variant[] = [];
  const weights: number[] = [];
  for (const def of INSTRUCTIONS) {
    const templated = TEMPLATES[def.m] !== undefined;
    if (!templated && !FALLBACK_ONLY.includes(def.m)) continue;
    // mftb reads the host clock: only with the instruction-count timebase (set by the rig).
    for (const v of variantsOf(def)) {
      if (/^b.*a$/.test(v.name) && (def.form === 'I' || def.form === 'B')) continue;
      variants.push(v);
      // Register branches and LR/CTR moves mostly leave the program (fetch faults): keep them rare.
      const weight =
        def.m === 'b' || def.m === 'bc' ? 3 : def.m === 'bclr' || def.m === 'bcctr' ? 0.3 : templated ? 2 : 1;
      weights.push(weight);
    }
  }
  return { variants, weights };
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** A random 64-bit value, biased towards edge cases. */
function value64(r: () => number): bigint {
  const edges = [0n, 1n, -1n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 63n, (1n << 63n) - 1n, 0x100000000n];
  if (r() < 0.3) return BigInt.asUintN(64, pick(r, edges));
  const lo = BigInt(Math.floor(r() * 2 ** 32));
  const hi = r() < 0.3 ? (r() < 0.5 ? 0n : 0xffffffffn) : BigInt(Math.floor(r() * 2 ** 32));
  return (hi << 32n) | lo;
}

export interface Program {
  readonly words: number[];
  /** Address of the first instruction. */
  readonly start: number;
  readonly sf: boolean;
  readonly le: boolean;
  readonly seed: number;
}

/**
 * A random program: `len` instructions from the pool (forward branches inside the body), then
 * `bdnz` back to the start (so blocks run several times) and `sc`. The start may sit just before
 * a page boundary so blocks end at page ends.
 */
export function randomProgram(pool: Pool, seed: number, len: number): Program {
  const r = rng(seed);
  const total = pool.weights.reduce((a, b) => a + b, 0);
  const choose = (): Variant => {
    let x = r() * total;
    for (let i = 0; i < pool.variants.length; i++) {
      x -= pool.weights[i]!;
      if (x < 0) return pool.variants[i]!;
    }
    return pool.variants[pool.variants.length - 1]!;
  };
  const start = r() < 0.3 ? 0x2000 - 4 * Math.floor(r() * len) : CODE + 4 * Math.floor(r() * 64);
  const words: number[] = [];
  for (let i = 0; i < len; i++) {
    const v = choose();
    const def = v.ci.def;
    const mem = MEMORY.has(def.m);
    const ops: Record<string, number> = {};
    for (const o of v.ci.operands) {
      const w = fieldWidth(o.field);
      const name = o.field.name;
      let val: number;
      if (o.field.kind === 'gpr' || o.field.kind === 'gpr0') {
        if (mem && name === 'RA') val = r() < 0.02 ? 0 : pick(r, [30, 31]);
        else if (mem && name === 'RB') val = pick(r, [28, 29]);
        else val = Math.floor(r() * 28);
      } else if (name === 'BD' || name === 'LI') {
        // Forward, inside the program (up to the final sc), or occasionally backward.
        const room = len + 1 - i;
        const k = r() < 0.1 ? -Math.floor(r() * i) : 1 + Math.floor(r() * room);
        val = 4 * k;
      } else if (name === 'BH') {
        val = 0;
      } else if (name === 'SPR') {
        val = pick(r, SPRS);
      } else if (name === 'TBR') {
        val = 268;
      } else if ((name === 'D' || name === 'DS' || name === 'DQ') && mem) {
        // Word-aligned for the multiple-word forms (lmw/stmw need it), 16 for DQ.
        const step = name === 'DQ' ? 16 : name === 'DS' || def.m === 'lmw' || def.m === 'stmw' ? 4 : 1;
        val = step * (Math.floor(r() * 256) - 128);
      } else if (o.field.kind === 'simm') {
        const shift = o.field.shift ?? 0;
        const bits = w;
        val = (Math.floor(r() * 2 ** bits) - 2 ** (bits - 1)) * 2 ** shift;
      } else {
        val = Math.floor(r() * 2 ** w);
      }
      ops[o.key] = val;
    }
    words.push(encodeVariant(v, ops));
  }
  // bdnz start ; sc
  const back = -4 * len;
  words.push((0x42000000 | (back & 0xfffc)) >>> 0);
  words.push(0x44000002);
  return { words, start, sf: r() < 0.85, le: r() < 0.8, seed };
}

/** A CPU loaded with `p` and the random initial state of its seed. */
export function loadProgram(p: Program, jit: boolean, threshold = 0): Cpu {
  const ram = new ArrayBuffer(RAM_BYTES);
  const cpu = new Cpu({ ram, translator: rigTranslator, jit, jitThreshold: threshold });
  cpu.useInstructionCountTimebase();
  const lo = MSR_LO_PR | MSR_LO_FP | MSR_LO_VEC | MSR_LO_VSX | MSR_LO_EE | (p.le ? MSR_LO_LE : 0);
  cpu.setMsr(p.sf ? MSR_HI_SF : 0, lo);
  const dv = new DataView(ram);
  const r = rng(p.seed ^ 0x5bd1e995);
  for (let a = DATA; a < RO_END; a += 4) dv.setUint32(a, Math.floor(r() * 2 ** 32));
  for (const [i, w] of p.words.entries()) dv.setUint32(p.start + 4 * i, w, p.le);
  for (let n = 0; n < 28; n++) cpu.setGpr(n, value64(r));
  cpu.setGpr(28, BigInt(Math.floor(r() * 64) * (r() < 0.2 ? 1 : 4)));
  cpu.setGpr(29, BigInt.asUintN(64, BigInt((Math.floor(r() * 64) - 32) * (r() < 0.2 ? 1 : 8))));
  // Bases mostly 8-byte aligned (larx/stcx. need it), one of them sometimes next to the read-only page.
  const base = (lo: number, span: number) => BigInt((DATA + lo + Math.floor(r() * span)) & (r() < 0.8 ? ~7 : ~0));
  cpu.setGpr(30, base(0x400, 0x3000));
  cpu.setGpr(31, r() < 0.15 ? base(0x3e00, 0x400) : base(0x800, 0x2800));
  for (let n = 0; n < 32; n++) cpu.f64[FPR_F64 + 2 * n] = (r() - 0.5) * 2 ** Math.floor(r() * 40);
  cpu.s[CR] = Math.floor(r() * 2 ** 32) | 0;
  cpu.setXer(Math.floor(r() * 2 ** 32) & 0xe00c007f);
  cpu.set64(LR, BigInt(p.start + 4 * (p.words.length - 1)));
  cpu.set64(CTR, BigInt(1 + Math.floor(r() * 8)));
  cpu.set64(PC, BigInt(p.start));
  return cpu;
}

export function stopText(stop: StopReason): string {
  return JSON.stringify(stop, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
}

/** Run in slices of the given sizes (then until a stop or `limit` instructions). */
export function runSlices(cpu: Cpu, slices: readonly number[], limit: number): string[] {
  const stops: string[] = [];
  let k = 0;
  while (cpu.icount < limit) {
    const budget = Math.min(slices[k++ % slices.length]!, limit - cpu.icount);
    const stop = cpu.run(budget);
    stops.push(stopText(stop));
    if (stop.kind !== 'budget') break;
  }
  return stops;
}

/** First difference between two CPUs' architected state and memory, or undefined. */
export function diffCpus(a: Cpu, b: Cpu): string | undefined {
  if (a.icount !== b.icount) return `icount ${a.icount} vs ${b.icount}`;
  for (let i = 0; i < a.s.length; i++) if (a.s[i] !== b.s[i]) return `state slot ${i}: ${a.s[i]} vs ${b.s[i]}`;
  for (let i = 0; i < a.sprs.length; i++)
    if (a.sprs[i] !== b.sprs[i]) return `spr slot ${i}: ${a.sprs[i]} vs ${b.sprs[i]}`;
  const ma = new Uint8Array(a.ram);
  const mb = new Uint8Array(b.ram);
  for (let i = 0; i < ma.length; i++) if (ma[i] !== mb[i]) return `memory 0x${i.toString(16)}: ${ma[i]} vs ${mb[i]}`;
  return undefined;
}
