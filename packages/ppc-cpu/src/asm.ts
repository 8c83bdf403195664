/**
 * A small two-pass assembler for POWER (ppc64) code, driven by the same
 * instruction table and syntax rules as the disassembler (syntax.ts), so it
 * accepts every base and extended mnemonic the disassembler prints, with
 * operands written as objdump prints them. Syntax (a GNU as subset):
 *
 * - One statement per line, or several separated by `;`. `#` starts a comment.
 * - Labels `name:` (several per line allowed); numeric local labels `1:`
 *   referenced as `1b` (nearest before) / `1f` (nearest after).
 * - Symbols: `name = expr`, `.set name, expr`, `.equ name, expr`.
 * - Registers `r0`-`r31` (`sp`, `toc` too), `f0`-`f31`, `v0`-`v31`,
 *   `vs0`-`vs63`, `cr0`-`cr7`, an optional `%` prefix, or bare numbers.
 *   CR bits as `4*cr1+eq`, `lt`, `gt`, `eq`, `so`/`un`, or numbers. SPR
 *   operands also take names (`mtspr srr0,r3`). Memory operands `disp(rA)`.
 * - Expressions over 64 bits: numbers (decimal, `0x`, `0b`, `'c'`), symbols,
 *   `.` (this statement's address), `+ - * / % << >> & | ^ ~` and parentheses;
 *   `@l @h @ha @higher @highera @highest @highesta` after an expression take a
 *   16-bit slice (Power ELF ABI), accepted by signed and unsigned 16-bit fields.
 * - Branch targets are addresses (labels or numbers); absolute forms (`ba`)
 *   take the 32-bit value objdump prints for negative targets too.
 * - Optional operands (cr0 of compares and branches, L of mtmsrd, ...) may be
 *   left out as binutils allows. Extended mnemonics include the GNU as macros
 *   the disassembler never prints (extlwi, insrdi, clrlslwi, sub, subi, la, ...).
 * - Directives: `.byte .short/.hword/.2byte .long/.int/.word/.4byte
 *   .quad/.8byte` (comma lists), `.ascii .asciz/.string`, `.align n` /
 *   `.p2align n` (2^n bytes, as on PowerPC GNU as), `.balign n` (bytes),
 *   `.space/.skip/.zero n[,fill]`, `.org offset[,fill]` (offset from `base`, as
 *   GNU as counts from the section start). `.text .globl .section .type ...` are ignored.
 * - Invalid instruction forms (update with RA=0, lq with an odd pair, ...) are errors.
 */
import type { Cpu } from './cpu.js';
import type { CpuModelName } from './decode.js';
import { applySuffix, matchSyntax, syntaxTable } from './disasm.js';
import { insertField } from './fields.js';
import {
  baseSyntaxSpec,
  compileSyntax,
  type FlagName,
  INVALID_FORMS,
  SPR_BY_NAME,
  SYNTAX_SPECS,
  type Syntax,
  type SyntaxOperand,
  type Values,
} from './syntax.js';
import { ALL_MODELS, type CompiledInsn, decodeFields, P7, P8, P9 } from './table.js';

export interface AsmOptions {
  /** Address of the first byte. */
  readonly base: bigint;
  /** Byte order of instructions and data (default little-endian, as ppc64le). */
  readonly endian?: 'le' | 'be';
  /** Accept only instructions this model has (default: any of POWER7/8/9). */
  readonly model?: CpuModelName;
}

export interface AsmResult {
  readonly bytes: Uint8Array;
  /** Every named label and `.set` symbol, by name. */
  readonly symbols: Map<string, bigint>;
}

/** One problem in the source, with its 1-based line number. */
export interface AsmDiagnostic {
  readonly line: number;
  readonly message: string;
  readonly source: string;
}

/** Thrown by `assemble` with every error found (message lists them, one per line). */
export class AsmError extends Error {
  constructor(readonly diagnostics: readonly AsmDiagnostic[]) {
    super(diagnostics.map((d) => `line ${d.line}: ${d.message}\n    ${d.source.trim()}`).join('\n'));
    this.name = 'AsmError';
  }
}

const MASK64 = (1n << 64n) - 1n;
const MODEL_BIT: Record<CpuModelName, number> = { power7: P7, power8: P8, power9: P9 };

/** A way to encode one mnemonic: a syntax of a table entry plus fixed variant bits. */
interface Candidate {
  readonly syntax: Syntax;
  readonly ci: CompiledInsn<Cpu>;
  readonly flags: Readonly<Record<FlagName, 0 | 1>>;
}

const mnemonicTables = new Map<number, Map<string, Candidate[]>>();

function variantChoices(ci: CompiledInsn<Cpu>): Record<FlagName, (0 | 1)[]> {
  const d = ci.def;
  const opt = (v: unknown) => (v === 'opt' ? [0, 1] : [0]) as (0 | 1)[];
  return {
    oe: d.form === 'XO' ? opt(d.oe) : [0],
    lk: d.form === 'I' || d.form === 'B' || d.form === 'XL' ? (d.lk === 1 ? [1] : opt(d.lk)) : [0],
    aa: d.form === 'I' || d.form === 'B' ? (d.aa === 1 ? [1] : opt(d.aa)) : [0],
    rc: ci.rcBit >= 0 ? (d.rc === 1 ? [1] : opt(d.rc)) : [0],
  };
}

function suffixFor(ci: CompiledInsn<Cpu>, f: Readonly<Record<FlagName, 0 | 1>>): string {
  const d = ci.def;
  let s = '';
  if (d.oe === 'opt' && f.oe) s += 'o';
  if (d.lk === 'opt' && f.lk) s += 'l';
  if (d.aa === 'opt' && f.aa) s += 'a';
  if (d.rc === 'opt' && f.rc) s += '.';
  return s;
}

/** Mnemonic → candidate encodings, built once per model set from the table and SYNTAX_SPECS. */
function mnemonicTable(models: number): Map<string, Candidate[]> {
  let map = mnemonicTables.get(models);
  if (map) return map;
  map = new Map();
  const t = syntaxTable(models);
  const byBase = new Map<string, CompiledInsn<Cpu>[]>();
  for (const ci of t.decoder.all) {
    const l = byBase.get(ci.def.m) ?? [];
    l.push(ci);
    byBase.set(ci.def.m, l);
  }
  const add = (syntax: Syntax, ci: CompiledInsn<Cpu>) => {
    const ch = variantChoices(ci);
    for (const oe of ch.oe)
      for (const lk of ch.lk)
        for (const aa of ch.aa)
          for (const rc of ch.rc) {
            const flags = { oe, lk, aa, rc };
            if (syntax.only && Object.entries(syntax.only).some(([k, v]) => flags[k as FlagName] !== v)) continue;
            const name = applySuffix(syntax.m, suffixFor(ci, flags));
            const l = map!.get(name) ?? [];
            l.push({ syntax, ci, flags });
            map!.set(name, l);
          }
  };
  for (const spec of SYNTAX_SPECS) {
    if (spec.disOnly) continue;
    for (const ci of byBase.get(spec.base) ?? []) add(compileSyntax(spec), ci);
  }
  for (const ci of t.decoder.all) add(compileSyntax(baseSyntaxSpec(ci.def)), ci);
  mnemonicTables.set(models, map);
  return map;
}

/** Mnemonics the assembler accepts (for documentation and tests). */
export function assemblerMnemonics(model?: CpuModelName): string[] {
  return [...mnemonicTable(model ? MODEL_BIT[model] : ALL_MODELS).keys()].sort();
}

// ---------------------------------------------------------------------------
// Lexing and expressions.

type Tok =
  | { t: 'num'; v: bigint }
  | { t: 'id'; v: string }
  | { t: 'op'; v: string }
  | { t: 'str'; v: string }
  | { t: 'reloc'; v: string };

class SourceError extends Error {}

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^0[xX][0-9a-fA-F_]+/.exec(rest))) {
      out.push({ t: 'num', v: BigInt(`0x${m[0].slice(2).replace(/_/g, '')}`) });
    } else if ((m = /^0[bB][01_]+/.exec(rest))) {
      out.push({ t: 'num', v: BigInt(`0b${m[0].slice(2).replace(/_/g, '')}`) });
    } else if ((m = /^[0-9][0-9_]*[bf](?![0-9a-zA-Z_])/.exec(rest))) {
      out.push({ t: 'id', v: m[0] }); // numeric local label reference: 1b, 2f
    } else if ((m = /^[0-9][0-9_]*/.exec(rest))) {
      out.push({ t: 'num', v: BigInt(m[0].replace(/_/g, '')) });
    } else if ((m = /^'(\\.|[^\\'])'/.exec(rest))) {
      out.push({ t: 'num', v: BigInt(unescapeString(m[1]!).charCodeAt(0)) });
    } else if ((m = /^"((?:\\.|[^\\"])*)"/.exec(rest))) {
      out.push({ t: 'str', v: unescapeString(m[1]!) });
    } else if ((m = /^@(highesta|highest|highera|higher|ha|h|l)\b/i.exec(rest))) {
      out.push({ t: 'reloc', v: m[1]!.toLowerCase() });
    } else if ((m = /^%?[A-Za-z_.$][A-Za-z0-9_.$]*/.exec(rest))) {
      out.push({ t: 'id', v: m[0].startsWith('%') ? m[0].slice(1) : m[0] });
    } else if ((m = /^(<<|>>|[-+*/%&|^~()!])/.exec(rest))) {
      out.push({ t: 'op', v: m[0] });
    } else {
      throw new SourceError(`unexpected character '${c}'`);
    }
    i += m[0].length;
  }
  return out;
}

function unescapeString(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8));
    return { n: '\n', t: '\t', r: '\r', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' }[e] ?? e;
  });
}

/** Register-like names valid in any expression (binutils' -mregnames). */
function registerValue(name: string): { kind: 'gpr' | 'fpr' | 'vr' | 'vsr' | 'crf' | 'crb'; v: number } | undefined {
  const n = name.toLowerCase();
  let m: RegExpExecArray | null;
  if ((m = /^r([0-9]|[12][0-9]|3[01])$/.exec(n))) return { kind: 'gpr', v: Number(m[1]) };
  if (n === 'sp') return { kind: 'gpr', v: 1 };
  if (n === 'toc' || n === 'rtoc') return { kind: 'gpr', v: 2 };
  if ((m = /^f([0-9]|[12][0-9]|3[01])$/.exec(n))) return { kind: 'fpr', v: Number(m[1]) };
  if ((m = /^v([0-9]|[12][0-9]|3[01])$/.exec(n))) return { kind: 'vr', v: Number(m[1]) };
  if ((m = /^vs([0-9]|[1-5][0-9]|6[0-3])$/.exec(n))) return { kind: 'vsr', v: Number(m[1]) };
  if ((m = /^cr([0-7])$/.exec(n))) return { kind: 'crf', v: Number(m[1]) };
  const bit = ['lt', 'gt', 'eq', 'so', 'un'].indexOf(n);
  if (bit >= 0) return { kind: 'crb', v: Math.min(bit, 3) };
  return undefined;
}

/** Result of evaluating an operand expression. */
interface Value {
  readonly v: bigint;
  /** Produced by a @l/@h/@ha/... operator: a 16-bit pattern that fits signed and unsigned fields. */
  readonly half: boolean;
  /** The expression was a single register name, of this kind. */
  readonly reg?: ReturnType<typeof registerValue>;
}

interface EvalContext {
  /** Address of the statement ('.'). */
  readonly dot: bigint;
  /** Resolve a symbol or local label reference; undefined when not (yet) defined. */
  readonly lookup: (name: string) => bigint | undefined;
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly ctx: EvalContext,
  ) {}

  done(): boolean {
    return this.i >= this.toks.length;
  }

  peek(): Tok | undefined {
    return this.toks[this.i];
  }

  /** operand := expr ['@' reloc] */
  operand(): Value {
    const start = this.i;
    const v = this.binary(0);
    const single =
      this.i === start + 1 && this.toks[start]!.t === 'id' ? registerValue(this.toks[start]!.v as string) : undefined;
    const t = this.peek();
    if (t?.t === 'reloc') {
      this.i++;
      return { v: reloc(v, t.v), half: true };
    }
    return { v, half: this.lastHalf, reg: single };
  }

  private lastHalf = false;

  private static PREC: Record<string, number> = {
    '|': 1,
    '^': 2,
    '&': 3,
    '<<': 4,
    '>>': 4,
    '+': 5,
    '-': 5,
    '*': 6,
    '/': 6,
    '%': 6,
  };

  private binary(minPrec: number): bigint {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      if (t?.t !== 'op') return left;
      const p = Parser.PREC[t.v];
      if (p === undefined || p <= minPrec) return left;
      this.i++;
      const right = this.binary(p);
      left = apply(t.v, left, right);
    }
  }

  private unary(): bigint {
    const t = this.peek();
    if (t?.t === 'op' && (t.v === '-' || t.v === '+' || t.v === '~' || t.v === '!')) {
      this.i++;
      const v = this.unary();
      return t.v === '-' ? -v : t.v === '~' ? ~v : t.v === '!' ? BigInt(v === 0n) : v;
    }
    return this.primary();
  }

  private primary(): bigint {
    const t = this.toks[this.i++];
    this.lastHalf = false;
    if (!t) throw new SourceError('missing operand');
    if (t.t === 'num') return t.v;
    if (t.t === 'op' && t.v === '(') {
      let v = this.binary(0);
      const r = this.peek();
      if (r?.t === 'reloc') {
        this.i++;
        v = reloc(v, r.v);
      }
      const close = this.toks[this.i++];
      if (close?.t !== 'op' || close.v !== ')') throw new SourceError("missing ')'");
      return v;
    }
    if (t.t === 'id') {
      if (t.v === '.') return this.ctx.dot;
      const sym = this.ctx.lookup(t.v);
      if (sym !== undefined) return sym;
      const reg = registerValue(t.v);
      if (reg) return BigInt(reg.v);
      throw new SourceError(`undefined symbol '${t.v}'`);
    }
    throw new SourceError(`unexpected '${t.v}'`);
  }
}

function apply(op: string, a: bigint, b: bigint): bigint {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      if (b === 0n) throw new SourceError('division by zero');
      return a / b;
    case '%':
      if (b === 0n) throw new SourceError('division by zero');
      return a % b;
    case '<<':
      return (a << b) & MASK64;
    case '>>':
      return BigInt.asIntN(64, a) >> b;
    case '&':
      return a & b;
    case '|':
      return a | b;
    default:
      return a ^ b;
  }
}

/** ELF ABI relocation operators (Power ELF ABI §3.5): 16-bit slices of a 64-bit value. */
function reloc(v: bigint, op: string): bigint {
  const u = BigInt.asUintN(64, v);
  const adj = op.endsWith('a') ? 0x8000n : 0n;
  const shift = op === 'l' ? 0n : op.startsWith('highest') ? 48n : op.startsWith('higher') ? 32n : 16n;
  const x = ((u + adj) >> shift) & 0xffffn;
  // @l is the signed low half (what a D-form displacement adds), the others are plain halfwords.
  return op === 'l' ? BigInt.asIntN(16, x) : x;
}

/** Split an operand list at top-level commas. */
function splitOperands(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  let quote = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      cur += c;
      if (c === '\\') cur += text[++i] ?? '';
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}

/** Remove a '#' comment (outside strings and character literals). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || (c === "'" && /^'(\\.|[^\\'])'/.test(line.slice(i)))) quote = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

/** Split a line into ';'-separated statements (outside strings). */
function splitStatements(line: string): string[] {
  const out: string[] = [];
  let quote = false;
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      cur += c;
      if (c === '\\') cur += line[++i] ?? '';
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    if (c === ';') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

// ---------------------------------------------------------------------------
// Statements.

interface Statement {
  readonly line: number;
  readonly source: string;
  /** Byte offset from `base`. */
  readonly offset: number;
  readonly kind: 'insn' | 'data' | 'fill';
  readonly name: string;
  readonly args: string;
  readonly size: number;
}

const DATA_SIZES: Record<string, number> = {
  '.byte': 1,
  '.short': 2,
  '.hword': 2,
  '.2byte': 2,
  '.half': 2,
  '.long': 4,
  '.int': 4,
  '.word': 4,
  '.4byte': 4,
  '.quad': 8,
  '.8byte': 8,
  '.llong': 8,
};
const IGNORED = new Set([
  '.text',
  '.data',
  '.section',
  '.globl',
  '.global',
  '.type',
  '.size',
  '.machine',
  '.abiversion',
  '.localentry',
  '.file',
  '.ident',
  '.p2alignl',
]);

/**
 * Assemble `source` for address `opts.base`. Throws `AsmError` with every
 * problem found (line numbers are 1-based).
 */
export function assemble(source: string, opts: AsmOptions): AsmResult {
  const models = opts.model ? MODEL_BIT[opts.model] : ALL_MODELS;
  const table = mnemonicTable(models);
  const base = opts.base;
  const le = (opts.endian ?? 'le') === 'le';
  const errors: AsmDiagnostic[] = [];
  const symbols = new Map<string, bigint>();
  /** Numeric local labels: number → statement indexes (in order) where defined, with their address. */
  const locals = new Map<string, { index: number; addr: bigint }[]>();
  const statements: Statement[] = [];
  let offset = 0;

  const lookupAt = (index: number) => (name: string) => {
    const m = /^([0-9]+)([bf])$/.exec(name);
    if (m) {
      const defs = locals.get(String(Number(m[1]))) ?? [];
      if (m[2] === 'b') {
        for (let k = defs.length - 1; k >= 0; k--) if (defs[k]!.index <= index) return defs[k]!.addr;
        return undefined;
      }
      for (const d of defs) if (d.index > index) return d.addr;
      return undefined;
    }
    return symbols.get(name);
  };
  const evalNow = (text: string, index: number, what: string): bigint => {
    const p = new Parser(tokenize(text), { dot: base + BigInt(offset), lookup: lookupAt(index) });
    const v = p.operand();
    if (!p.done()) throw new SourceError(`junk after ${what}: '${text}'`);
    return v.v;
  };

  // Pass 1: labels, sizes, addresses.
  const lines = source.split(/\r?\n/);
  for (let ln = 0; ln < lines.length; ln++) {
    const raw = lines[ln]!;
    for (let text of splitStatements(stripComment(raw))) {
      try {
        text = text.trim();
        // Labels (possibly several) at the start of the statement.
        let m: RegExpExecArray | null;
        while ((m = /^([A-Za-z_.$][A-Za-z0-9_.$]*|[0-9]+):/.exec(text))) {
          const name = m[1]!;
          const addr = base + BigInt(offset);
          if (/^[0-9]+$/.test(name)) {
            const key = String(Number(name));
            const l = locals.get(key) ?? [];
            l.push({ index: statements.length, addr });
            locals.set(key, l);
          } else {
            if (symbols.has(name)) throw new SourceError(`symbol '${name}' defined twice`);
            symbols.set(name, addr);
          }
          text = text.slice(m[0].length).trim();
        }
        if (text === '') continue;
        // name = expr
        if ((m = /^([A-Za-z_.$][A-Za-z0-9_.$]*)\s*=\s*(.+)$/.exec(text))) {
          symbols.set(m[1]!, evalNow(m[2]!, statements.length, 'expression'));
          continue;
        }
        const sp = text.search(/\s/);
        const name = (sp < 0 ? text : text.slice(0, sp)).toLowerCase();
        const args = sp < 0 ? '' : text.slice(sp + 1).trim();
        const push = (kind: Statement['kind'], size: number) => {
          statements.push({ line: ln + 1, source: raw, offset, kind, name, args, size });
          offset += size;
        };
        if (name.startsWith('.')) {
          if (IGNORED.has(name)) continue;
          if (name === '.set' || name === '.equ') {
            const [sym, expr] = splitOperands(args);
            if (!sym || expr === undefined) throw new SourceError(`${name} needs a symbol and a value`);
            symbols.set(sym, evalNow(expr, statements.length, 'expression'));
            continue;
          }
          const size = DATA_SIZES[name];
          if (size !== undefined) {
            push('data', size * splitOperands(args).length);
            continue;
          }
          if (name === '.ascii' || name === '.asciz' || name === '.string') {
            let n = 0;
            for (const a of splitOperands(args)) {
              const t = tokenize(a);
              if (t.length !== 1 || t[0]!.t !== 'str') throw new SourceError(`${name} takes string literals`);
              n += t[0]!.v.length + (name === '.ascii' ? 0 : 1);
            }
            push('data', n);
            continue;
          }
          if (name === '.align' || name === '.p2align' || name === '.balign') {
            const [a, fill] = splitOperands(args);
            const n = Number(evalNow(a ?? '', statements.length, name));
            // PowerPC GNU as: .align takes a power of two, like .p2align; .balign takes bytes.
            const bytes = name === '.balign' ? n : 2 ** n;
            if (!Number.isInteger(bytes) || bytes < 1 || bytes > 1 << 20 || (bytes & (bytes - 1)) !== 0) {
              throw new SourceError(`${name}: bad alignment`);
            }
            const addr = base + BigInt(offset);
            const pad = Number((BigInt(bytes) - (addr % BigInt(bytes))) % BigInt(bytes));
            statements.push({ line: ln + 1, source: raw, offset, kind: 'fill', name, args: fill ?? '', size: pad });
            offset += pad;
            continue;
          }
          if (name === '.space' || name === '.skip' || name === '.zero') {
            const [a, fill] = splitOperands(args);
            const n = Number(evalNow(a ?? '', statements.length, name));
            if (!Number.isInteger(n) || n < 0 || n > 1 << 28) throw new SourceError(`${name}: bad size`);
            statements.push({ line: ln + 1, source: raw, offset, kind: 'fill', name, args: fill ?? '', size: n });
            offset += n;
            continue;
          }
          if (name === '.org') {
            const [a, fill] = splitOperands(args);
            const to = Number(evalNow(a ?? '', statements.length, name));
            if (!Number.isInteger(to) || to < offset || to > 1 << 28) {
              throw new SourceError(
                `.org ${a}: offset must be at least the current offset ${offset} (offsets count from base)`,
              );
            }
            statements.push({
              line: ln + 1,
              source: raw,
              offset,
              kind: 'fill',
              name,
              args: fill ?? '',
              size: to - offset,
            });
            offset = to;
            continue;
          }
          throw new SourceError(`unknown directive '${name}'`);
        }
        if (!table.has(name)) {
          if (opts.model && mnemonicTable(ALL_MODELS).has(name)) {
            throw new SourceError(`'${name}' is not available on ${opts.model}`);
          }
          throw new SourceError(`unknown instruction '${name}'`);
        }
        if (offset % 4 !== 0)
          throw new SourceError(`instruction at offset ${offset} is not 4-byte aligned (use .align 2)`);
        push('insn', 4);
      } catch (e) {
        if (!(e instanceof SourceError)) throw e;
        errors.push({ line: ln + 1, message: e.message, source: raw });
      }
    }
  }

  // Pass 2: encode.
  const bytes = new Uint8Array(offset);
  const view = new DataView(bytes.buffer);
  statements.forEach((st, index) => {
    try {
      const dot = base + BigInt(st.offset);
      const ctx: EvalContext = { dot, lookup: lookupAt(index) };
      if (st.kind === 'insn') {
        const word = encodeInstruction(table, st.name, st.args, ctx);
        view.setUint32(st.offset, word, le);
      } else if (st.kind === 'fill') {
        if (st.args !== '') {
          const v = evaluate(st.args, ctx).v;
          bytes.fill(Number(BigInt.asUintN(8, v)), st.offset, st.offset + st.size);
        }
      } else if (st.name === '.ascii' || st.name === '.asciz' || st.name === '.string') {
        let o = st.offset;
        for (const a of splitOperands(st.args)) {
          const s = (tokenize(a)[0] as { v: string }).v;
          for (let k = 0; k < s.length; k++) bytes[o++] = s.charCodeAt(k) & 0xff;
          if (st.name !== '.ascii') bytes[o++] = 0;
        }
      } else {
        const size = DATA_SIZES[st.name]!;
        splitOperands(st.args).forEach((a, k) => {
          const v = evaluate(a, ctx).v;
          const lo = -(1n << BigInt(8 * size - 1));
          const hi = (1n << BigInt(8 * size)) - 1n;
          if (size < 8 && (v < lo || v > hi))
            throw new SourceError(`${st.name} value ${a} does not fit in ${size} bytes`);
          const u = BigInt.asUintN(8 * size, v);
          const o = st.offset + k * size;
          if (size === 1) view.setUint8(o, Number(u));
          else if (size === 2) view.setUint16(o, Number(u), le);
          else if (size === 4) view.setUint32(o, Number(u), le);
          else view.setBigUint64(o, u, le);
        });
      }
    } catch (e) {
      if (!(e instanceof SourceError)) throw e;
      errors.push({ line: st.line, message: e.message, source: st.source });
    }
  });
  if (errors.length > 0) throw new AsmError(errors.sort((a, b) => a.line - b.line));
  return { bytes, symbols };
}

function evaluate(text: string, ctx: EvalContext): Value {
  const p = new Parser(tokenize(text), ctx);
  const v = p.operand();
  if (!p.done()) throw new SourceError(`junk in operand '${text}'`);
  return v;
}

const KIND_NAMES: Record<string, string> = {
  gpr: 'a general register (rN)',
  gpr0: 'a general register or 0',
  fpr: 'a floating-point register (fN)',
  vr: 'a vector register (vN)',
  vsr: 'a VSX register (vsN)',
  crf: 'a CR field (crN)',
  crb: 'a CR bit (e.g. 4*cr1+eq)',
};

/** Parse one operand for `o`: register kinds check the register name, branch targets become displacements. */
function operandValue(o: SyntaxOperand, text: string, ctx: EvalContext, aa: number, signopt = false): number {
  if (text === '') throw new SourceError('empty operand');
  if (o.kind === 'spr' && /^[a-z][a-z0-9]*$/i.test(text) && ctx.lookup(text) === undefined) {
    const n = SPR_BY_NAME.get(text.toLowerCase());
    if (n !== undefined) return n;
  }
  const val = evaluate(text, ctx);
  if (val.reg) {
    const want = o.kind === 'gpr0' ? 'gpr' : o.kind;
    const ok =
      val.reg.kind === want ||
      (want === 'crb' && val.reg.kind === 'crf') ||
      (want === 'vsr' && val.reg.kind === 'vsr') ||
      ((want === 'imm' || want === 'simm') && (val.reg.kind === 'crf' || val.reg.kind === 'crb'));
    if (!ok) throw new SourceError(`'${text}' is not ${KIND_NAMES[o.kind] ?? 'a number'}`);
  }
  let v = val.v;
  if (o.kind === 'rel') {
    // Relative targets become displacements; absolute ones (AA=1) are sign-extended from the
    // field, and objdump prints them as 32-bit numbers, so take 0x80000000..0xffffffff as negative.
    v = BigInt.asIntN(64, aa ? v : v - ctx.dot);
    if (aa && v >= 0x8000_0000n && v <= 0xffff_ffffn) v -= 0x1_0000_0000n;
  }
  if (val.half && o.field) {
    // A @l/@h/... value is a 16-bit pattern: accept it in any 16-bit field, signed or not.
    const width = o.field.parts.reduce((a, [, l]) => a + l, 0);
    if (width === 16) v = o.field.signed ? BigInt.asIntN(16, v) : BigInt.asUintN(16, v);
  }
  // addis/lis take 0x8000..0xffff as the negative halfword they encode (binutils' SISIGNOPT).
  if (signopt && o.key === 'si' && v >= 0x8000n && v <= 0xffffn) v -= 0x10000n;
  if (v < BigInt(o.min) || v > BigInt(o.max)) {
    const what = o.kind === 'rel' ? 'branch target out of range' : `operand '${text}' out of range`;
    throw new SourceError(`${what} (${o.min}..${o.max})`);
  }
  const n = Number(v);
  if (n % o.align !== 0) throw new SourceError(`operand '${text}' must be a multiple of ${o.align}`);
  return n;
}

function encodeInstruction(table: Map<string, Candidate[]>, name: string, args: string, ctx: EvalContext): number {
  const texts = splitOperands(args);
  let firstError: SourceError | undefined;
  for (const c of table.get(name) ?? []) {
    try {
      return encodeWith(c, texts, ctx);
    } catch (e) {
      if (!(e instanceof SourceError)) throw e;
      firstError ??= e;
    }
  }
  throw new SourceError(`${name} ${args}: ${firstError?.message ?? 'cannot encode'}`);
}

/** Group syntax operands into written slots: an operand plus its parenthesised follower. */
function slots(ops: readonly SyntaxOperand[]): SyntaxOperand[][] {
  const out: SyntaxOperand[][] = [];
  for (const o of ops) {
    if (o.paren && out.length > 0) out[out.length - 1]!.push(o);
    else out.push([o]);
  }
  return out;
}

function encodeWith(c: Candidate, texts: string[], ctx: EvalContext): number {
  const s = c.syntax;
  const groups = slots(s.operands);
  const optional = groups.filter((g) => g[0]!.optional).length;
  const omit = groups.length - texts.length;
  if (omit < 0 || omit > optional) {
    const need = optional > 0 ? `${groups.length - optional} to ${groups.length}` : `${groups.length}`;
    throw new SourceError(`expected ${need} operands, got ${texts.length}`);
  }
  // Leave out the last `omit` optional operands.
  const skipped = new Set<SyntaxOperand[]>();
  for (let k = groups.length - 1, left = omit; k >= 0 && left > 0; k--) {
    if (groups[k]![0]!.optional) {
      skipped.add(groups[k]!);
      left--;
    }
  }
  const v: Values = {};
  let ti = 0;
  for (const g of groups) {
    if (skipped.has(g)) {
      for (const o of g) v[o.key] = o.dflt;
      continue;
    }
    const text = texts[ti++]!;
    if (g.length === 2) {
      const m = /^(.*)\(([^()]*)\)$/.exec(text);
      if (!m) throw new SourceError(`expected a memory operand like 8(r1), got '${text}'`);
      v[g[0]!.key] = m[1]!.trim() === '' ? 0 : operandValue(g[0]!, m[1]!.trim(), ctx, c.flags.aa);
      v[g[1]!.key] = operandValue(g[1]!, m[2]!.trim(), ctx, c.flags.aa);
    } else {
      v[g[0]!.key] = operandValue(g[0]!, text, ctx, c.flags.aa, c.ci.def.m === 'addis');
    }
  }
  // Base field values: direct operands, fixed fields, repeated fields, computed fields.
  const f: Values = {};
  for (const o of s.direct) {
    if (o.pair && (v[o.key]! & 1) !== 0) throw new SourceError('a register pair is named by its even register');
    f[o.key] = v[o.key]!;
  }
  for (const [k, val] of s.setList) {
    if (f[k] !== undefined && f[k] !== val) throw new SourceError(`operand does not fit ${s.m.replace('%', '')}`);
    f[k] = val;
  }
  for (const [k, src] of s.sameList) f[k] = f[src] ?? v[src]!;
  if (s.to) {
    const g = s.to(v);
    if (!g) throw new SourceError('operand value out of range');
    Object.assign(f, g);
  }
  let word = c.ci.match;
  for (const o of c.ci.operands) {
    const val = f[o.key];
    if (val === undefined) throw new Error(`syntax '${s.m}' of ${c.ci.def.m} leaves field ${o.key} unset`);
    const width = o.field.parts.reduce((a, [, l]) => a + l, 0);
    const unit = 2 ** (o.field.shift ?? 0);
    const lo = o.field.signed ? -(2 ** (width - 1)) * unit : 0;
    const hi = o.field.signed ? (2 ** (width - 1) - 1) * unit : (2 ** width - 1) * unit;
    if (val < lo || val > hi || val % unit !== 0)
      throw new SourceError(`operand value ${val} out of range for ${o.field.name}`);
    word = insertField(o.field, word, val);
  }
  const d = c.ci.def;
  if (c.ci.rcBit >= 0 && c.flags.rc) word |= 1 << (31 - c.ci.rcBit);
  if (d.form === 'XO' && c.flags.oe) word |= 1 << 10;
  if ((d.form === 'I' || d.form === 'B' || d.form === 'XL') && c.flags.lk) word |= 1;
  if ((d.form === 'I' || d.form === 'B') && c.flags.aa) word |= 2;
  word >>>= 0;
  const decoded = decodeFields(c.ci, word);
  // Syntaxes that only cover some field values (dcbtds, mtocrf, ...) must cover these.
  if (s.from && !matchSyntax(s, decoded)) throw new SourceError(`operands do not fit ${s.m.replace('%', '')}`);
  const invalid = INVALID_FORMS[d.m];
  if (invalid?.(decoded, word)) throw new SourceError('invalid instruction form (Book I §1.8.2)');
  return word;
}
