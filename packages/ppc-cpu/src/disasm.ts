/**
 * Disassembler driven by the instruction table (isa/*) and the shared syntax
 * rules (syntax.ts). Output follows `powerpc64le-linux-gnu-objdump -d`
 * (binutils 2.40, default POWER dialect): registers as r3/f1/v2/vs34/cr6,
 * condition-register bits as `4*cr1+eq`, branch targets as absolute hex
 * addresses, extended mnemonics where objdump uses them, and `.long 0x...` for
 * words that are not valid instructions.
 */
import type { Cpu } from './cpu.js';
import type { CpuModelName } from './decode.js';
import { INSTRUCTIONS } from './isa/index.js';
import {
  BASE_VALID,
  baseSyntaxSpec,
  compileSyntax,
  INVALID_FORMS,
  STRICT_RESERVED_CHAPTERS,
  SYNTAX_SPECS,
  type Syntax,
  type SyntaxOperand,
  type Values,
} from './syntax.js';
import { ALL_MODELS, type CompiledInsn, Decoder, decodeFields, type InsnDef, P7, P8, P9 } from './table.js';

export interface DisasmOptions {
  /** Only decode instructions this CPU model has (default: any of POWER7/8/9). */
  readonly model?: CpuModelName;
  /** Print branch targets with a 0x prefix, so the text assembles back unchanged (objdump prints none). */
  readonly hexPrefix?: boolean;
  /** Name for a branch target address, printed objdump-style as ` <name>` after it. */
  readonly symbol?: (address: bigint) => string | undefined;
}

export interface Disassembly {
  /** Mnemonic including variant suffixes and branch hints, e.g. `bnelr+`, `add.`; `.long` for data. */
  readonly mnemonic: string;
  /** Operands as objdump prints them, comma separated, no spaces. */
  readonly operands: string;
  /** objdump's instruction text: mnemonic padded to 8 columns (at least one space), then the operands. */
  readonly text: string;
}

const MASK64 = (1n << 64n) - 1n;
const CR_BITS = ['lt', 'gt', 'eq', 'so'] as const;
const MODEL_BIT: Record<CpuModelName, number> = { power7: P7, power8: P8, power9: P9 };

/** Decoder plus the syntaxes of each table entry, in the order the disassembler tries them. */
export interface SyntaxTable {
  readonly decoder: Decoder<Cpu>;
  /** Syntaxes the disassembler may print, by base mnemonic (InsnDef.m). */
  readonly print: ReadonlyMap<string, readonly Syntax[]>;
  /** Reserved bits that make a word invalid for the disassembler (STRICT_RESERVED_CHAPTERS). */
  readonly reserved: ReadonlyMap<CompiledInsn<Cpu>, number>;
}

/** Bits of an entry's words that are neither pattern, operand nor variant bits. */
function reservedBits(ci: CompiledInsn<Cpu>): number {
  let used = ci.mask;
  for (const o of ci.operands)
    for (const [st, len] of o.field.parts) used |= len === 32 ? -1 : ((1 << len) - 1) << (32 - st - len);
  const d = ci.def;
  if (ci.rcBit >= 0) used |= 1 << (31 - ci.rcBit);
  if (d.form === 'XO') used |= 1 << 10;
  if (d.form === 'I' || d.form === 'B' || d.form === 'XL') used |= 1;
  if (d.form === 'I' || d.form === 'B') used |= 2;
  return ~used >>> 0;
}

const tables = new Map<number, SyntaxTable>();

/** Build (once per model set) the decoder and per-entry syntax lists. */
export function syntaxTable(models = ALL_MODELS): SyntaxTable {
  let t = tables.get(models);
  if (t) return t;
  const defs: InsnDef<Cpu>[] = INSTRUCTIONS.filter((d) => ((d.models ?? ALL_MODELS) & models) !== 0);
  const decoder = new Decoder<Cpu>(defs);
  const print = new Map<string, Syntax[]>();
  const known = new Set(defs.map((d) => d.m));
  for (const spec of SYNTAX_SPECS) {
    if (spec.asmOnly || !known.has(spec.base)) continue;
    let list = print.get(spec.base);
    if (!list) print.set(spec.base, (list = []));
    list.push(compileSyntax(spec));
  }
  for (const d of defs) {
    let list = print.get(d.m);
    if (!list) print.set(d.m, (list = []));
    if (!BASE_VALID[d.m] && !list.some((s) => s.m === d.m && s.setList.length === 0 && !s.from && !s.only)) {
      list.push(compileSyntax(baseSyntaxSpec(d)));
    }
  }
  const reserved = new Map<CompiledInsn<Cpu>, number>();
  for (const ci of decoder.all) {
    const bits = reservedBits(ci);
    if (bits !== 0 && STRICT_RESERVED_CHAPTERS.has(ci.def.chapter ?? '')) reserved.set(ci, bits);
  }
  t = { decoder, print, reserved };
  tables.set(models, t);
  return t;
}

/** Variant suffixes ('o', 'l', 'a', '.') a word selects for its entry. */
export function variantSuffix(ci: CompiledInsn<Cpu>, f: Readonly<Values>): string {
  const d = ci.def;
  let s = '';
  if (d.form === 'XO' && d.oe === 'opt' && f.oe) s += 'o';
  if (d.form === 'I' || d.form === 'B' || d.form === 'XL') {
    if (d.lk === 'opt' && f.lk) s += 'l';
    if ((d.form === 'I' || d.form === 'B') && d.aa === 'opt' && f.aa) s += 'a';
  }
  if (ci.rcBit >= 0 && d.rc === 'opt' && f.rc) s += '.';
  return s;
}

/** Operand values of `s` for the fields `f`, or undefined when `s` cannot express them. */
export function matchSyntax(s: Syntax, f: Readonly<Values>): Readonly<Values> | undefined {
  if (s.only) {
    for (const k in s.only) if (f[k] !== s.only[k as keyof typeof s.only]) return undefined;
  }
  for (const [k, v] of s.setList) if (f[k] !== v) return undefined;
  for (const [k, src] of s.sameList) if (f[k] !== f[src]) return undefined;
  let v: Readonly<Values> = f;
  if (s.from) {
    const x = s.from(f);
    if (!x) return undefined;
    v = { ...f, ...x };
  }
  if (s.to) {
    const g = s.to(v);
    if (!g) return undefined;
    for (const k in g) if (g[k] !== f[k]) return undefined;
  }
  return v;
}

function hex(x: bigint, prefix: boolean): string {
  return (prefix ? '0x' : '') + x.toString(16);
}

function formatOperand(o: SyntaxOperand, val: number, f: Readonly<Values>, pc: bigint, opts: DisasmOptions): string {
  switch (o.kind) {
    case 'gpr':
      return `r${val}`;
    case 'gpr0':
      return val === 0 ? '0' : `r${val}`;
    case 'fpr':
      return `f${val}`;
    case 'vr':
      return `v${val}`;
    case 'vsr':
      return `vs${val}`;
    case 'crf':
      return `cr${val}`;
    case 'crb':
      return val >= 4 ? `4*cr${val >> 2}+${CR_BITS[val & 3]}` : CR_BITS[val & 3]!;
    case 'rel': {
      // Book I §2.4: AA=1 makes the (sign-extended) displacement an absolute address; objdump shows 32 bits of it.
      const addr = f.aa ? BigInt(val) & 0xffff_ffffn : (pc + BigInt(val)) & MASK64;
      const name = opts.symbol?.(addr);
      return hex(addr, opts.hexPrefix ?? false) + (name !== undefined ? ` <${name}>` : '');
    }
    default:
      return String(val);
  }
}

/** Operand text of `s` with values `v`, skipping trailing default optional operands as objdump does. */
export function formatOperands(s: Syntax, v: Readonly<Values>, pc: bigint, opts: DisasmOptions): string {
  const ops = s.operands;
  let out = '';
  let skip = false;
  let first = true;
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    if (o.optional) {
      // binutils: once every optional operand from here on holds its default, none of them is printed.
      if (!skip) {
        skip = true;
        for (let j = i; j < ops.length; j++) {
          const p = ops[j]!;
          if (p.optional && v[p.key] !== p.dflt) {
            skip = false;
            break;
          }
        }
      }
      if (skip) continue;
    }
    const val = v[o.key]!;
    const text = formatOperand(o, o.pair ? val & ~1 : val, v, pc, opts);
    if (o.paren) out += `(${text})`;
    else {
      out += first ? text : `,${text}`;
    }
    first = false;
  }
  return out;
}

/** objdump's spacing: mnemonic, then spaces up to column 8 (at least one), then operands. */
export function joinText(mnemonic: string, operands: string): string {
  if (operands === '') return mnemonic;
  return mnemonic + ' '.repeat(Math.max(1, 8 - mnemonic.length)) + operands;
}

export function applySuffix(stem: string, suffix: string): string {
  const at = stem.indexOf('%');
  return at < 0 ? stem + suffix : stem.slice(0, at) + suffix + stem.slice(at + 1);
}

/**
 * Disassemble one instruction word (its numeric value, as loaded with the
 * instruction's byte order) at address `pc`.
 */
export function disassemble(word: number, pc = 0n, opts: DisasmOptions = {}): Disassembly {
  const t = syntaxTable(opts.model ? MODEL_BIT[opts.model] : ALL_MODELS);
  word >>>= 0;
  const ci = t.decoder.lookup(word);
  if (ci) {
    const f = decodeFields(ci, word);
    const invalid = INVALID_FORMS[ci.def.m];
    if (invalid?.(f, word)) return dotLong(word);
    const strict = t.reserved.get(ci);
    if (strict !== undefined && (word & strict) !== 0) return dotLong(word);
    for (const s of t.print.get(ci.def.m) ?? []) {
      const v = matchSyntax(s, f);
      if (!v) continue;
      const mnemonic = applySuffix(s.m, variantSuffix(ci, f));
      const operands = formatOperands(s, v, pc, opts);
      return { mnemonic, operands, text: joinText(mnemonic, operands) };
    }
  }
  return dotLong(word);
}

/** objdump's rendering of a word that is not an instruction. */
function dotLong(word: number): Disassembly {
  const operands = `0x${word.toString(16)}`;
  return { mnemonic: '.long', operands, text: `.long ${operands}` };
}
