/**
 * Assembly syntax shared by the disassembler and the assembler: how each table
 * entry is written, and every extended mnemonic (Power ISA 2.07 Book I
 * Appendix C / v3.0 Appendix C "Assembler Extended Mnemonics") with the rules
 * binutils' objdump uses to choose between a base and an extended form.
 *
 * A syntax is a way to write one table entry: a mnemonic stem, an operand list
 * and a bidirectional mapping between its operand values and the entry's field
 * values. The disassembler takes, for a decoded word, the first syntax (in
 * priority order) whose mapping reproduces every field of the word; the
 * assembler parses operands with the syntax named by the mnemonic and runs the
 * mapping the other way. Because both directions use the same mapping, any
 * text the disassembler prints assembles back to the same word, except for
 * the few non-canonical encodings objdump prints like canonical ones (branch
 * hints in the pre-v2.00 'y' bit, odd registers of DFP source pairs, reserved
 * bits the ISA says the processor ignores).
 */
import { FIELDS, type FieldDef, type FieldKind, fieldWidth } from './fields.js';
import type { InsnDef } from './table.js';

/** Operand and field values by key (lower-case field name, or a pseudo operand's name). */
export type Values = Record<string, number>;

/** Variant bits of a word that select mnemonic suffixes. */
export type FlagName = 'rc' | 'oe' | 'lk' | 'aa';

export interface SyntaxOperand {
  /** Key of the value: a base field key, or the pseudo operand's own name. */
  readonly key: string;
  readonly kind: FieldKind;
  /** Written in parentheses after the previous operand: D(RA). */
  readonly paren: boolean;
  /** binutils' optional operand: omitted when it and all later optional operands hold their default. */
  readonly optional: boolean;
  readonly dflt: number;
  /** The base field when the operand is one; its width and signedness bound the assembler. */
  readonly field?: FieldDef;
  /** Inclusive range an assembled value must lie in (pseudo operands). */
  readonly min: number;
  readonly max: number;
  /** Required alignment of the value (DS: 4, DQ: 16, branch displacements: 4). */
  readonly align: number;
  /** An even/odd register pair named by its even register: the low bit is not part of the syntax. */
  readonly pair?: boolean;
}

/** Source form of a syntax (see the module comment). */
export interface SyntaxSpec {
  /**
   * Mnemonic stem. The word's variant suffixes ('o', 'l', 'a', '.') are appended,
   * or inserted where a '%' stands (branch hints come after them: 'beq%+').
   */
  readonly m: string;
  /** Base table mnemonic (InsnDef.m). */
  readonly base: string;
  /**
   * Operands, comma separated: FIELD (a FIELDS name, value copied to/from that
   * field), name:kind (pseudo operand computed by `from`/`to`), FIELD(FIELD) for
   * memory operands; a trailing '?' marks an optional operand, '?=N' one whose
   * default is N, a trailing '~' a register pair whose odd bit is ignored.
   */
  readonly ops: string;
  /** Base fields with a fixed value under this syntax. */
  readonly set?: Readonly<Values>;
  /** Base fields that repeat an operand's value: { rb: 'rs' } for mr. */
  readonly same?: Readonly<Record<string, string>>;
  /** Pseudo operand values from the word's fields; undefined when the syntax does not apply. */
  readonly from?: (f: Readonly<Values>) => Values | undefined;
  /** Base field values from the operand values; undefined when they cannot be encoded. */
  readonly to?: (v: Readonly<Values>) => Values | undefined;
  /** Restricts a variant bit (e.g. an alias that exists only with Rc=0). */
  readonly only?: Readonly<Partial<Record<FlagName, 0 | 1>>>;
  /** Accepted by the assembler, never printed by the disassembler. */
  readonly asmOnly?: boolean;
  /** Printed by the disassembler for non-canonical encodings, not offered to the assembler. */
  readonly disOnly?: boolean;
}

export interface Syntax extends SyntaxSpec {
  readonly operands: readonly SyntaxOperand[];
  readonly setList: readonly (readonly [string, number])[];
  readonly sameList: readonly (readonly [string, string])[];
  /** Operands that copy a base field directly. */
  readonly direct: readonly SyntaxOperand[];
}

const KINDS = new Set<FieldKind>(['gpr', 'gpr0', 'fpr', 'vr', 'vsr', 'crf', 'crb', 'imm', 'simm', 'rel', 'spr']);

/** Parse a syntax operand list. */
export function parseSyntaxOps(ops: string): SyntaxOperand[] {
  const out: SyntaxOperand[] = [];
  if (ops.trim() === '') return out;
  for (const raw of ops.split(',')) {
    const m =
      /^\s*([A-Za-z0-9_]+(?::[a-z0-9]+)?~?(?:\?(?:=-?\d+)?)?)(?:\(([A-Za-z0-9_]+(?::[a-z0-9]+)?(?:\?(?:=-?\d+)?)?)\))?\s*$/.exec(
        raw,
      );
    if (!m) throw new Error(`bad syntax operand '${raw}' in '${ops}'`);
    out.push(operand(m[1]!, false, ops));
    if (m[2] !== undefined) out.push(operand(m[2], true, ops));
  }
  return out;
}

function operand(tok: string, paren: boolean, ops: string): SyntaxOperand {
  const m = /^([A-Za-z0-9_]+)(?::([a-z0-9]+))?(~)?(\?(?:=(-?\d+))?)?$/.exec(tok)!;
  const name = m[1]!;
  const pair = m[3] !== undefined;
  const optional = m[4] !== undefined;
  const dflt = m[5] !== undefined ? Number(m[5]) : 0;
  if (m[2] !== undefined) {
    const kind = m[2] as FieldKind;
    if (!KINDS.has(kind)) throw new Error(`unknown operand kind '${kind}' in '${ops}'`);
    const wide = kind === 'simm' ? [-0x8000_0000, 0x7fff_ffff] : [0, 0xffff_ffff];
    return { key: name, kind, paren, optional, dflt, min: wide[0]!, max: wide[1]!, align: 1 };
  }
  const field = FIELDS[name];
  if (!field) throw new Error(`unknown field '${name}' in '${ops}'`);
  const width = fieldWidth(field);
  const shift = field.shift ?? 0;
  const min = field.signed ? -(2 ** (width - 1)) * 2 ** shift : 0;
  const max = field.signed ? (2 ** (width - 1) - 1) * 2 ** shift : (2 ** width - 1) * 2 ** shift;
  const key = field.name.toLowerCase();
  return { key, kind: field.kind, paren, optional, dflt, field, min, max, align: pair ? 2 : 2 ** shift, pair };
}

/** Compile a syntax spec. */
export function compileSyntax(spec: SyntaxSpec): Syntax {
  const operands = parseSyntaxOps(spec.ops);
  return {
    ...spec,
    operands,
    setList: Object.entries(spec.set ?? {}),
    sameList: Object.entries(spec.same ?? {}),
    direct: operands.filter((o) => o.field !== undefined),
  };
}

/** The syntax written from a table entry's own operand list (the base form). */
export function baseSyntaxSpec(def: Pick<InsnDef, 'm' | 'ops'>): SyntaxSpec {
  return { m: def.m, base: def.m, ops: def.ops };
}

// ---------------------------------------------------------------------------
// Special-purpose register names (Book III-S §4.4.3 / v3.0 §4.4.4 SPR tables).
// Which names objdump prints for mfspr/mtspr, by SPR number: some only exist in
// one direction (read-only or write-only registers, or user-mode aliases).

/** Parse 'number:name ...' lists. */
function sprList(text: string): readonly (readonly [number, string])[] {
  return text
    .trim()
    .split(/\s+/)
    .map((item) => {
      const [n, name] = item.split(':');
      return [Number(n), name!] as const;
    });
}

/** SPRs with both an mfXXX and an mtXXX form. */
const SPR_RW = sprList(
  '1:xer 3:udscr 8:lr 9:ctr 13:uamr 17:dscr 18:dsisr 19:dar 22:dec 25:sdr1 26:srr0 27:srr1 28:cfar ' +
    '29:amr 48:pidr 61:iamr 153:fscr 157:uamor 159:pspb 176:dpdes 180:dawr0 181:dawr1 186:rpr ' +
    '187:ciabr 188:dawrx0 189:dawrx1 190:hfscr 256:vrsave 280:asr 282:ear 304:hsprg0 305:hsprg1 ' +
    '306:hdisr 307:hdar 308:spurr 309:purr 310:hdec 313:hrmor 314:hsrr0 315:hsrr1 318:lpcr 319:lpidr ' +
    '336:hmer 337:hmeer 338:pcr 339:heir 349:amor 464:ptcr 496:usprg0 497:usprg1 505:urmor 506:usrr0 ' +
    '507:usrr1 511:smfctrl 769:ummcr2 770:ummcra 771:upmc1 772:upmc2 773:upmc3 774:upmc4 775:upmc5 ' +
    '776:upmc6 779:ummcr0 800:bescrs 801:bescrsu 802:bescrr 803:bescrru 804:ebbhr 805:ebbrr 806:bescr ' +
    '815:tar 816:asdr 823:psscr 848:ic 849:vtb 855:hpsscr 896:ppr 898:ppr32',
);
/** SPRs printed only as mfXXX. */
const SPR_RO = sprList(
  '4:rtcu 5:rtcl 136:ctrl 259:usprg3 268:tb 269:tbu 287:pvr 446:tir 736:usier2 737:usier3 ' +
    '738:ummcr3 768:usier 780:usiar 781:usdar 782:ummcr1 1023:pir',
);
/** SPRs printed only as mtXXX. */
const SPR_WO = sprList(
  '20:rtcu 21:rtcl 128:tfhar 129:tfiar 130:texasr 131:texasru 152:ctrl 284:tbl 285:tbu 286:tbu40 ' +
    '752:sier2 753:sier3 754:mmcr3 784:sier 786:mmcra 787:pmc1 788:pmc2 789:pmc3 790:pmc4 791:pmc5 ' +
    '792:pmc6 795:mmcr0 796:siar 797:sdar 798:mmcr1',
);
/** Further names the assembler accepts (not printed): the architected names of the registers above. */
const SPR_ASM_ONLY = sprList(
  '3:dscr_u 128:tfhar 129:tfiar 130:texasr 131:texasru 136:ctrlr 152:ctrlw 272:sprg0 273:sprg1 ' +
    '274:sprg2 275:sprg3 276:sprg4 277:sprg5 278:sprg6 279:sprg7 268:tbl 317:tfmr 760:mmcr2 768:sier ' +
    '780:siar 781:sdar 782:mmcr1 770:mmcra 779:mmcr0 771:pmc1 772:pmc2 773:pmc3 774:pmc4 775:pmc5 ' +
    '776:pmc6',
);

/** Name → SPR number, for operands written as names (`mfspr r3,lr` is not binutils syntax, but `mtspr srr0,r3` reads well). */
export const SPR_BY_NAME: ReadonlyMap<string, number> = new Map(
  [...SPR_RW, ...SPR_RO, ...SPR_WO, ...SPR_ASM_ONLY].map(([n, name]) => [name, n] as const),
);

function sprSyntaxes(): SyntaxSpec[] {
  const out: SyntaxSpec[] = [];
  const mf = (n: number, name: string, asmOnly = false) =>
    out.push({ m: `mf${name}`, base: 'mfspr', ops: 'RT', set: { spr: n }, asmOnly });
  const mt = (n: number, name: string, asmOnly = false) =>
    out.push({ m: `mt${name}`, base: 'mtspr', ops: 'RS', set: { spr: n }, asmOnly });
  for (const [n, name] of SPR_RW) {
    mf(n, name);
    mt(n, name);
  }
  for (const [n, name] of SPR_RO) mf(n, name);
  for (const [n, name] of SPR_WO) mt(n, name);
  // Numbered register groups: SPRG0-3 (272-275, 'mfsprg r3,2'), BAT pairs (528-543, 'mtibatu 1,r3').
  const group = (stem: string, first: number, count: number, stride: number) => {
    out.push({
      m: `mf${stem}`,
      base: 'mfspr',
      ops: 'RT,n:imm',
      from: (f) => {
        const d = f.spr! - first;
        return d >= 0 && d < count * stride && d % stride === 0 ? { n: d / stride } : undefined;
      },
      to: (v) => (v.n! < count ? { spr: first + v.n! * stride } : undefined),
    });
    out.push({
      m: `mt${stem}`,
      base: 'mtspr',
      ops: 'n:imm,RS',
      from: (f) => {
        const d = f.spr! - first;
        return d >= 0 && d < count * stride && d % stride === 0 ? { n: d / stride } : undefined;
      },
      to: (v) => (v.n! < count ? { spr: first + v.n! * stride } : undefined),
    });
  };
  group('sprg', 272, 4, 1);
  group('ibatu', 528, 4, 2);
  group('ibatl', 529, 4, 2);
  group('dbatu', 536, 4, 2);
  group('dbatl', 537, 4, 2);
  for (const [n, name] of SPR_ASM_ONLY) {
    mf(n, name, true);
    mt(n, name, true);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Conditional branches (Book I §2.4 BO field; Appendix C.2 branch mnemonics).

/** Branch families: the bc instruction and its three register-target forms. */
const BRANCH_FAMILIES = ['bc', 'bclr', 'bcctr', 'bctar'] as const;
type BranchFamily = (typeof BRANCH_FAMILIES)[number];
const BRANCH_SUFFIX: Record<BranchFamily, string> = { bc: '', bclr: 'lr', bcctr: 'ctr', bctar: 'tar' };
const COND_TRUE = ['lt', 'gt', 'eq', 'so'] as const;
const COND_FALSE = ['ge', 'le', 'ne', 'ns'] as const;
/** Assembler-only synonyms of the condition names. */
const COND_SYNONYMS: Record<string, string[]> = { so: ['un'], ge: ['nl'], le: ['ng'], ns: ['nu'] };

/**
 * How objdump names a BO value in each family. `hint` is the +/- suffix;
 * `canonical` marks the encoding the assembler produces for that spelling
 * (the others use the pre-v2.00 'y' bit, accepted by binutils' second
 * "any machine" pass). `kind`:
 * - 'cond': b<cond>[lr|ctr|tar] CR (BO 001at / 011at),
 * - 'dzt': bdnzf/bdzf/bdnzt/bdzt (BO 0z00z..), operand BI,
 * - 'ctr': bdnz/bdz (BO 1a00t, BI must be 0),
 * - 'always': blr/bctr/btar (BO 10100, BI must be 0),
 * - 'base': the plain mnemonic with BO,BI operands,
 * - 'invalid': printed as .long.
 */
interface BoInfo {
  readonly kind: 'cond' | 'dzt' | 'ctr' | 'always' | 'base' | 'invalid';
  readonly stem: string;
  readonly hint: '' | '+' | '-';
  readonly canonical: boolean;
}

function boInfo(fam: BranchFamily, bo: number): BoInfo {
  const sfx = BRANCH_SUFFIX[fam];
  const reg = fam !== 'bc';
  const invalid: BoInfo = { kind: 'invalid', stem: '', hint: '', canonical: false };
  if ((bo & 0x14) === 0x14)
    return bo === 0x14 ? { kind: 'always', stem: `b${sfx}`, hint: '', canonical: true } : invalid;
  if ((bo & 0x14) === 0x04) {
    // 001at (branch if false) / 011at (branch if true); at=01 is the old 'y' bit.
    const at = bo & 3;
    if (at === 1 && fam === 'bctar') return invalid;
    const hint = at === 2 ? '-' : at === 3 ? '+' : at === 1 && reg ? '+' : '';
    return { kind: 'cond', stem: bo & 8 ? 't' : 'f', hint, canonical: at !== 1 };
  }
  if ((bo & 0x14) === 0x00) {
    // 0000z / 0001z / 0100z / 0101z: decrement CTR and test a CR bit.
    const stem = `bd${bo & 2 ? 'z' : 'nz'}${bo & 8 ? 't' : 'f'}${sfx}`;
    if (fam === 'bcctr') return bo & 1 ? invalid : { kind: 'base', stem: 'bcctr', hint: '', canonical: true };
    if (bo & 1) return fam === 'bctar' ? invalid : { kind: 'dzt', stem, hint: reg ? '+' : '', canonical: false };
    return { kind: 'dzt', stem, hint: '', canonical: true };
  }
  // 1a00t / 1a01t: decrement CTR only.
  const at = ((bo >> 2) & 2) | (bo & 1);
  const hint = at === 2 ? '-' : at === 3 ? '+' : at === 1 && fam === 'bclr' ? '+' : '';
  if (at === 1 && fam !== 'bc' && fam !== 'bclr') return invalid;
  if (fam === 'bcctr') return { kind: 'base', stem: 'bcctr', hint, canonical: at !== 1 };
  return { kind: 'ctr', stem: `bd${bo & 2 ? 'z' : 'nz'}${sfx}`, hint, canonical: at !== 1 };
}

/** BO values whose non-alias ('base') spelling applies when BI is not 0, with their hint. */
function baseBoHint(fam: BranchFamily, bo: number): '' | '+' | '-' | undefined {
  const info = boInfo(fam, bo);
  if (info.kind === 'invalid') return undefined;
  if (info.kind === 'ctr' || info.kind === 'always' || info.kind === 'base') {
    // With BI != 0 these fall back to the base mnemonic; the old 'y' encodings (at=01) are then invalid.
    if ((bo & 0x14) === 0x10 && (bo & 9) === 1) return undefined;
    return info.hint;
  }
  return undefined;
}

function branchSyntaxes(): SyntaxSpec[] {
  const out: SyntaxSpec[] = [];
  for (const fam of BRANCH_FAMILIES) {
    const sfx = BRANCH_SUFFIX[fam];
    const target = fam === 'bc' ? 'BD' : 'BH?';
    for (let bo = 0; bo < 32; bo++) {
      const info = boInfo(fam, bo);
      const flags = { disOnly: !info.canonical };
      const m = (stem: string) => `${stem}%${info.hint}`;
      switch (info.kind) {
        case 'cond': {
          const names = info.stem === 't' ? COND_TRUE : COND_FALSE;
          names.forEach((c, cc) => {
            const spellings = [c, ...(COND_SYNONYMS[c] ?? [])];
            spellings.forEach((name, i) => {
              out.push({
                m: m(`b${name}${sfx}`),
                base: fam,
                ops: `cr:crf?,${target}`,
                set: { bo },
                from: (f) => ((f.bi! & 3) === cc ? { cr: f.bi! >> 2 } : undefined),
                to: (v) => (v.cr! < 8 ? { bi: v.cr! * 4 + cc } : undefined),
                ...flags,
                asmOnly: i > 0,
              });
            });
          });
          break;
        }
        case 'dzt':
          out.push({ m: m(info.stem), base: fam, ops: `BI,${target}`, set: { bo }, ...flags });
          break;
        case 'ctr':
        case 'always':
          if (fam === 'bc' && info.kind === 'always') break;
          out.push({ m: m(info.stem), base: fam, ops: target, set: { bo, bi: 0 }, ...flags });
          break;
        default:
          break;
      }
      const hint = info.kind === 'base' ? info.hint : baseBoHint(fam, bo);
      if (hint !== undefined) {
        out.push({ m: `${fam}%${hint}`, base: fam, ops: `BO,BI,${target}`, set: { bo }, disOnly: !info.canonical });
      }
    }
    // The plain base form for the assembler (any BO the hardware accepts).
    out.push({ m: fam, base: fam, ops: `BO,BI,${target}`, asmOnly: true });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Traps (Appendix C.6): TO values with names.
const TRAP_TO: readonly (readonly [number, string])[] = [
  [1, 'lgt'],
  [2, 'llt'],
  [4, 'eq'],
  [5, 'lge'],
  [6, 'lle'],
  [8, 'gt'],
  [12, 'ge'],
  [16, 'lt'],
  [20, 'le'],
  [24, 'ne'],
  [31, 'u'],
];
const TRAP_TO_SYNONYMS: readonly (readonly [number, string])[] = [
  [5, 'lnl'],
  [6, 'lng'],
  [12, 'nl'],
  [20, 'ng'],
];

function trapSyntaxes(): SyntaxSpec[] {
  const out: SyntaxSpec[] = [{ m: 'trap', base: 'tw', ops: '', set: { to: 31, ra: 0, rb: 0 } }];
  for (const [to, name] of TRAP_TO) {
    out.push({ m: `tw${name}`, base: 'tw', ops: 'RA,RB', set: { to } });
    out.push({ m: `td${name}`, base: 'td', ops: 'RA,RB', set: { to } });
    out.push({ m: `tw${name}i`, base: 'twi', ops: 'RA,SI', set: { to } });
    out.push({ m: `td${name}i`, base: 'tdi', ops: 'RA,SI', set: { to } });
  }
  for (const [to, name] of TRAP_TO_SYNONYMS) {
    for (const [w, base] of [
      ['tw', 'tw'],
      ['td', 'td'],
    ] as const) {
      out.push({ m: `${w}${name}`, base, ops: 'RA,RB', set: { to }, asmOnly: true });
      out.push({ m: `${w}${name}i`, base: `${base}i`, ops: 'RA,SI', set: { to }, asmOnly: true });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Rotates and shifts (Appendix C.4). The disassembler prints only the forms
// binutils keeps in its opcode table; the rest are assembler macros.

const range = (v: number, lo: number, hi: number) => v >= lo && v <= hi;

function rotateSyntaxes(): SyntaxSpec[] {
  const w: SyntaxSpec[] = [
    { m: 'rotlwi', base: 'rlwinm', ops: 'RA,RS,SH', set: { mb: 0, me: 31 } },
    {
      m: 'slwi',
      base: 'rlwinm',
      ops: 'RA,RS,n:imm',
      from: (f) => ({ n: f.sh! }),
      to: (v) => (range(v.n!, 0, 31) ? { sh: v.n!, mb: 0, me: 31 - v.n! } : undefined),
    },
    {
      m: 'srwi',
      base: 'rlwinm',
      ops: 'RA,RS,n:imm',
      from: (f) => ({ n: f.mb! }),
      to: (v) => (range(v.n!, 1, 31) ? { sh: 32 - v.n!, mb: v.n!, me: 31 } : undefined),
    },
    { m: 'clrlwi', base: 'rlwinm', ops: 'RA,RS,MB', set: { sh: 0, me: 31 } },
    {
      m: 'clrrwi',
      base: 'rlwinm',
      ops: 'RA,RS,n:imm',
      from: (f) => ({ n: 31 - f.me! }),
      to: (v) => (range(v.n!, 0, 31) ? { sh: 0, mb: 0, me: 31 - v.n! } : undefined),
    },
    // Assembler macros (gas powerpc_macros): extract, insert, rotate right, clear left and shift.
    {
      m: 'extlwi',
      base: 'rlwinm',
      ops: 'RA,RS,n:imm,b:imm',
      asmOnly: true,
      to: (v) => (range(v.n!, 1, 32 - v.b!) ? { sh: v.b!, mb: 0, me: v.n! - 1 } : undefined),
    },
    {
      m: 'extrwi',
      base: 'rlwinm',
      ops: 'RA,RS,n:imm,b:imm',
      asmOnly: true,
      to: (v) => (v.n! > 0 && v.b! + v.n! <= 32 ? { sh: (v.b! + v.n!) & 31, mb: 32 - v.n!, me: 31 } : undefined),
    },
    {
      m: 'rotrwi',
      base: 'rlwinm',
      ops: 'RA,RS,n:imm',
      asmOnly: true,
      to: (v) => (range(v.n!, 0, 31) ? { sh: (32 - v.n!) & 31, mb: 0, me: 31 } : undefined),
    },
    {
      m: 'clrlslwi',
      base: 'rlwinm',
      ops: 'RA,RS,b:imm,n:imm',
      asmOnly: true,
      to: (v) => (v.n! <= v.b! && v.b! < 32 ? { sh: v.n!, mb: v.b! - v.n!, me: 31 - v.n! } : undefined),
    },
    {
      m: 'inslwi',
      base: 'rlwimi',
      ops: 'RA,RS,n:imm,b:imm',
      asmOnly: true,
      to: (v) => (v.n! > 0 && v.b! + v.n! <= 32 ? { sh: (32 - v.b!) & 31, mb: v.b!, me: v.b! + v.n! - 1 } : undefined),
    },
    {
      m: 'insrwi',
      base: 'rlwimi',
      ops: 'RA,RS,n:imm,b:imm',
      asmOnly: true,
      to: (v) =>
        v.n! > 0 && v.b! + v.n! <= 32 ? { sh: (32 - v.b! - v.n!) & 31, mb: v.b!, me: v.b! + v.n! - 1 } : undefined,
    },
    { m: 'rotlw', base: 'rlwnm', ops: 'RA,RS,RB', set: { mb: 0, me: 31 } },
  ];
  const d: SyntaxSpec[] = [
    { m: 'rotldi', base: 'rldicl', ops: 'RA,RS,SH6', set: { mb: 0 } },
    {
      m: 'srdi',
      base: 'rldicl',
      ops: 'RA,RS,n:imm',
      from: (f) => ({ n: f.mb! }),
      to: (v) => (range(v.n!, 1, 63) ? { sh: 64 - v.n!, mb: v.n! } : undefined),
    },
    { m: 'clrldi', base: 'rldicl', ops: 'RA,RS,MB6', set: { sh: 0 } },
    {
      m: 'clrrdi',
      base: 'rldicr',
      ops: 'RA,RS,n:imm',
      from: (f) => ({ n: 63 - f.me! }),
      to: (v) => (range(v.n!, 0, 63) ? { sh: 0, me: 63 - v.n! } : undefined),
    },
    {
      m: 'sldi',
      base: 'rldicr',
      ops: 'RA,RS,n:imm',
      from: (f) => ({ n: f.sh! }),
      to: (v) => (range(v.n!, 0, 63) ? { sh: v.n!, me: 63 - v.n! } : undefined),
    },
    { m: 'rotld', base: 'rldcl', ops: 'RA,RS,RB', set: { mb: 0 } },
    {
      m: 'extldi',
      base: 'rldicr',
      ops: 'RA,RS,n:imm,b:imm',
      asmOnly: true,
      to: (v) => (range(v.n!, 1, 64) && v.b! < 64 ? { sh: v.b!, me: v.n! - 1 } : undefined),
    },
    {
      m: 'extrdi',
      base: 'rldicl',
      ops: 'RA,RS,n:imm,b:imm',
      asmOnly: true,
      to: (v) => (v.n! > 0 && v.b! + v.n! <= 64 ? { sh: (v.b! + v.n!) & 63, mb: 64 - v.n! } : undefined),
    },
    {
      m: 'rotrdi',
      base: 'rldicl',
      ops: 'RA,RS,n:imm',
      asmOnly: true,
      to: (v) => (range(v.n!, 0, 63) ? { sh: (64 - v.n!) & 63, mb: 0 } : undefined),
    },
    {
      m: 'insrdi',
      base: 'rldimi',
      ops: 'RA,RS,n:imm,b:imm',
      asmOnly: true,
      to: (v) => (v.n! > 0 && v.b! + v.n! <= 64 ? { sh: (64 - v.b! - v.n!) & 63, mb: v.b! } : undefined),
    },
    {
      m: 'clrlsldi',
      base: 'rldic',
      ops: 'RA,RS,b:imm,n:imm',
      asmOnly: true,
      to: (v) => (v.n! <= v.b! && v.b! < 64 ? { sh: v.n!, mb: v.b! - v.n! } : undefined),
    },
  ];
  return [...w, ...d];
}

// ---------------------------------------------------------------------------
// Everything else, grouped by base instruction, in binutils' priority order.

function miscSyntaxes(): SyntaxSpec[] {
  return [
    // Fixed-point arithmetic (Appendix C.3, C.5).
    { m: 'li', base: 'addi', ops: 'RT,SI', set: { ra: 0 } },
    { m: 'la', base: 'addi', ops: 'RT,SI(RA0)', asmOnly: true },
    {
      m: 'subi',
      base: 'addi',
      ops: 'RT,RA0,n:simm',
      asmOnly: true,
      to: (v) => (range(-v.n!, -0x8000, 0x7fff) ? { si: -v.n! } : undefined),
    },
    { m: 'lis', base: 'addis', ops: 'RT,SI', set: { ra: 0 } },
    {
      m: 'subis',
      base: 'addis',
      ops: 'RT,RA0,n:simm',
      asmOnly: true,
      to: (v) => (range(-v.n!, -0x8000, 0x7fff) ? { si: -v.n! } : undefined),
    },
    {
      m: 'subic',
      base: 'addic',
      ops: 'RT,RA,n:simm',
      asmOnly: true,
      to: (v) => (range(-v.n!, -0x8000, 0x7fff) ? { si: -v.n! } : undefined),
    },
    {
      m: 'subic.',
      base: 'addic.',
      ops: 'RT,RA,n:simm',
      asmOnly: true,
      to: (v) => (range(-v.n!, -0x8000, 0x7fff) ? { si: -v.n! } : undefined),
    },
    { m: 'sub', base: 'subf', ops: 'RT,RB,RA', asmOnly: true },
    { m: 'subc', base: 'subfc', ops: 'RT,RB,RA', asmOnly: true },
    // Compares (C.3): L selects the word/doubleword form, BF defaults to cr0.
    { m: 'cmpwi', base: 'cmpi', ops: 'BF?,RA,SI', set: { l: 0 } },
    { m: 'cmpdi', base: 'cmpi', ops: 'BF?,RA,SI', set: { l: 1 } },
    { m: 'cmpw', base: 'cmp', ops: 'BF?,RA,RB', set: { l: 0 } },
    { m: 'cmpd', base: 'cmp', ops: 'BF?,RA,RB', set: { l: 1 } },
    { m: 'cmplwi', base: 'cmpli', ops: 'BF?,RA,UI', set: { l: 0 } },
    { m: 'cmpldi', base: 'cmpli', ops: 'BF?,RA,UI', set: { l: 1 } },
    { m: 'cmplw', base: 'cmpl', ops: 'BF?,RA,RB', set: { l: 0 } },
    { m: 'cmpld', base: 'cmpl', ops: 'BF?,RA,RB', set: { l: 1 } },
    // Logical (C.8): no-ops, moves, complement.
    { m: 'nop', base: 'ori', ops: '', set: { ra: 0, rs: 0, ui: 0 } },
    { m: 'exser', base: 'ori', ops: '', set: { ra: 31, rs: 31, ui: 0 } },
    { m: 'xnop', base: 'xori', ops: '', set: { ra: 0, rs: 0, ui: 0 } },
    // Priority hints and cache/thread control encoded as 'or Rx,Rx,Rx' (Book II §3.2, §4.3).
    { m: 'miso', base: 'or', ops: '', set: { rs: 26, ra: 26, rb: 26 }, only: { rc: 0 } },
    { m: 'yield', base: 'or', ops: '', set: { rs: 27, ra: 27, rb: 27 }, only: { rc: 0 } },
    { m: 'mdoio', base: 'or', ops: '', set: { rs: 29, ra: 29, rb: 29 }, only: { rc: 0 } },
    { m: 'mdoom', base: 'or', ops: '', set: { rs: 30, ra: 30, rb: 30 }, only: { rc: 0 } },
    { m: 'mr', base: 'or', ops: 'RA,RS', same: { rb: 'rs' } },
    { m: 'not', base: 'nor', ops: 'RA,RS', same: { rb: 'rs' } },
    // Condition register logical (C.7).
    { m: 'crset', base: 'creqv', ops: 'BT', same: { ba: 'bt', bb: 'bt' } },
    { m: 'crclr', base: 'crxor', ops: 'BT', same: { ba: 'bt', bb: 'bt' } },
    { m: 'crmove', base: 'cror', ops: 'BT,BA', same: { bb: 'ba' } },
    { m: 'crnot', base: 'crnor', ops: 'BT,BA', same: { bb: 'ba' } },
    // Integer select (C.9): the cr0 conditions get their own names.
    { m: 'isellt', base: 'isel', ops: 'RT,RA0,RB', set: { bc: 0 } },
    { m: 'iselgt', base: 'isel', ops: 'RT,RA0,RB', set: { bc: 1 } },
    { m: 'iseleq', base: 'isel', ops: 'RT,RA0,RB', set: { bc: 2 } },
    // Move to/from CR (C.10).
    { m: 'mtcr', base: 'mtcrf', ops: 'RS', set: { fxm: 0xff } },
    { m: 'mtocrf', base: 'mtocrf', ops: 'FXM,RS', from: (f) => (oneBit(f.fxm!) ? {} : undefined) },
    { m: 'mfocrf', base: 'mfocrf', ops: 'RT,FXM', from: (f) => (oneBit(f.fxm!) ? {} : undefined) },
    // Time base (C.11): only TBR 268 and 269 are valid.
    { m: 'mftb', base: 'mftb', ops: 'RT', set: { tbr: 268 } },
    { m: 'mftbu', base: 'mftb', ops: 'RT', set: { tbr: 269 } },
    { m: 'mftb', base: 'mftb', ops: 'RT,TBR', asmOnly: true },
    // Load/store string: NB=0 means 32 bytes.
    {
      m: 'lswi',
      base: 'lswi',
      ops: 'RT,RA0,n:imm',
      from: (f) => ({ n: f.nb || 32 }),
      to: (v) => (range(v.n!, 1, 32) ? { nb: v.n! & 31 } : undefined),
    },
    {
      m: 'stswi',
      base: 'stswi',
      ops: 'RS,RA0,n:imm',
      from: (f) => ({ n: f.nb || 32 }),
      to: (v) => (range(v.n!, 1, 32) ? { nb: v.n! & 31 } : undefined),
    },
    // Reservation loads: EH is optional.
    { m: 'lbarx', base: 'lbarx', ops: 'RT,RA0,RB,EH?' },
    { m: 'lharx', base: 'lharx', ops: 'RT,RA0,RB,EH?' },
    { m: 'lwarx', base: 'lwarx', ops: 'RT,RA0,RB,EH?' },
    { m: 'ldarx', base: 'ldarx', ops: 'RT,RA0,RB,EH?' },
    { m: 'lqarx', base: 'lqarx', ops: 'RT,RA0,RB,EH?' },
    // Synchronize (C.13 / Book II §4.6.3).
    { m: 'hwsync', base: 'sync', ops: '', set: { l: 0 } },
    { m: 'lwsync', base: 'sync', ops: '', set: { l: 1 } },
    { m: 'ptesync', base: 'sync', ops: '', set: { l: 2 } },
    { m: 'sync', base: 'sync', ops: 'L9?', asmOnly: true },
    { m: 'msync', base: 'sync', ops: '', set: { l: 0 }, asmOnly: true },
    // Cache hints (Book II §4.3.2): dcbt/dcbtst TH names.
    {
      m: 'dcbtct',
      base: 'dcbt',
      ops: 'RA0,RB,n:imm?',
      from: (f) => (f.th! < 8 ? { n: f.th! } : undefined),
      to: thUpTo7,
    },
    { m: 'dcbtds', base: 'dcbt', ops: 'RA0,RB,TH?=8', from: (f) => (f.th! >= 8 && f.th! < 16 ? {} : undefined) },
    { m: 'dcbtt', base: 'dcbt', ops: 'RA0,RB', set: { th: 16 } },
    { m: 'dcbna', base: 'dcbt', ops: 'RA0,RB', set: { th: 17 } },
    { m: 'dcbt', base: 'dcbt', ops: 'RA0,RB,TH?' },
    {
      m: 'dcbtstct',
      base: 'dcbtst',
      ops: 'RA0,RB,n:imm?',
      from: (f) => (f.th! < 8 ? { n: f.th! } : undefined),
      to: thUpTo7,
    },
    { m: 'dcbtstds', base: 'dcbtst', ops: 'RA0,RB,TH?=8', from: (f) => (f.th! >= 8 && f.th! < 16 ? {} : undefined) },
    { m: 'dcbtstt', base: 'dcbtst', ops: 'RA0,RB', set: { th: 16 } },
    { m: 'dcbtst', base: 'dcbtst', ops: 'RA0,RB,TH?' },
    { m: 'dcbf', base: 'dcbf', ops: 'RA0,RB', set: { l: 0 } },
    { m: 'dcbfl', base: 'dcbf', ops: 'RA0,RB', set: { l: 1 } },
    { m: 'dcbflp', base: 'dcbf', ops: 'RA0,RB', set: { l: 3 } },
    { m: 'dcbf', base: 'dcbf', ops: 'RA0,RB,L9', asmOnly: true },
    { m: 'icbt', base: 'icbt', ops: 'CT?,RA0,RB' },
    // Wait (Book II §4.6.4, v2.07 xo 62): WC names the wake-up condition.
    { m: 'wait', base: 'wait', ops: '', set: { wc: 0 } },
    { m: 'waitrsv', base: 'wait', ops: '', set: { wc: 1 } },
    { m: 'waitimpl', base: 'wait', ops: '', set: { wc: 2 } },
    { m: 'wait', base: 'wait', ops: 'WC', asmOnly: true },
    // System call: LEV is optional for sc, not for scv.
    { m: 'sc', base: 'sc', ops: 'LEV?' },
    // System instructions (isa/system.ts) with optional operands or extended names.
    { m: 'mtmsr', base: 'mtmsr', ops: 'RS,L15?' },
    { m: 'mtmsrd', base: 'mtmsrd', ops: 'RS,L15?' },
    { m: 'rfebb', base: 'rfebb', ops: 'S20?=1' },
    { m: 'slbia', base: 'slbia', ops: 'IH?' },
    { m: 'slbmfee', base: 'slbmfee', ops: 'RT,RB,L15?' },
    { m: 'slbmfev', base: 'slbmfev', ops: 'RT,RB,L15?' },
    { m: 'tlbie', base: 'tlbie', ops: 'RB,RS,RIC?,PRS?,R14?' },
    { m: 'tlbiel', base: 'tlbiel', ops: 'RB,RS?,RIC?,PRS?,R14?' },
    { m: 'tbegin.', base: 'tbegin.', ops: 'R10?' },
    { m: 'tendall.', base: 'tend.', ops: '', set: { a: 1 } },
    { m: 'tend.', base: 'tend.', ops: 'A6?' },
    { m: 'tsuspend.', base: 'tsr.', ops: '', set: { l: 0 } },
    { m: 'tresume.', base: 'tsr.', ops: '', set: { l: 1 } },
    { m: 'paste.', base: 'paste.', ops: 'RA0,RB,L10?=1' },
    { m: 'cp_abort', base: 'cpabort', ops: '', asmOnly: true },
  ];
}

/** Floating point, VMX and VSX extended mnemonics (Book I §4.6, §6.8, §7.6; Appendix C). */
function vectorSyntaxes(): SyntaxSpec[] {
  const out: SyntaxSpec[] = [
    // mtfsf/mtfsfi: L and W default to 0; FPSCR field and bit numbers print as plain numbers.
    { m: 'mtfsf', base: 'mtfsf', ops: 'FLM,FRB,L6?,W?' },
    {
      m: 'mtfsfi',
      base: 'mtfsfi',
      ops: 'n:imm,U,W?',
      from: (f) => ({ n: f.bf! }),
      to: (v) => (v.n! < 8 ? { bf: v.n! } : undefined),
    },
    {
      m: 'mtfsb0',
      base: 'mtfsb0',
      ops: 'n:imm',
      from: (f) => ({ n: f.bt! }),
      to: (v) => (v.n! < 32 ? { bt: v.n! } : undefined),
    },
    {
      m: 'mtfsb1',
      base: 'mtfsb1',
      ops: 'n:imm',
      from: (f) => ({ n: f.bt! }),
      to: (v) => (v.n! < 32 ? { bt: v.n! } : undefined),
    },
    // VMX moves.
    { m: 'vmr', base: 'vor', ops: 'VRT,VRA', same: { vrb: 'vra' } },
    { m: 'vnot', base: 'vnor', ops: 'VRT,VRA', same: { vrb: 'vra' } },
    // VSX permutes and moves: xxpermdi with XA=XB and DM=0/3 splats, DM=2 swaps.
    {
      m: 'xxspltd',
      base: 'xxpermdi',
      ops: 'XT,XA,n:imm',
      same: { xb: 'xa' },
      from: (f) => (f.dm === 0 || f.dm === 3 ? { n: f.dm & 1 } : undefined),
      to: (v) => (v.n! < 2 ? { dm: v.n! * 3 } : undefined),
    },
    { m: 'xxswapd', base: 'xxpermdi', ops: 'XT,XA', same: { xb: 'xa' }, set: { dm: 2 } },
    { m: 'xxmrghd', base: 'xxpermdi', ops: 'XT,XA,XB', set: { dm: 0 } },
    { m: 'xxmrgld', base: 'xxpermdi', ops: 'XT,XA,XB', set: { dm: 3 } },
    { m: 'xxmr', base: 'xxlor', ops: 'XT,XA', same: { xb: 'xa' } },
    { m: 'xxlnot', base: 'xxlnor', ops: 'XT,XA', same: { xb: 'xa' } },
    { m: 'xvmovdp', base: 'xvcpsgndp', ops: 'XT,XA', same: { xb: 'xa' } },
    { m: 'xvmovsp', base: 'xvcpsgnsp', ops: 'XT,XA', same: { xb: 'xa' } },
  ];
  // GPR<->VSR moves name the FPR (VSR 0-31) or VR (VSR 32-63) half of the register file.
  const halves = (stem: string, base: string, gprFirst: boolean, vsr: 'xs' | 'xt') => {
    for (const [name, kind, lo] of [
      [`${stem.replace('%', 'fpr')}`, 'fpr', 0],
      [`${stem.replace('%', 'vr')}`, 'vr', 32],
    ] as const) {
      out.push({
        m: name,
        base,
        ops: gprFirst ? `RA,r:${kind}` : `r:${kind},RA`,
        from: (f) => (f[vsr]! >= lo && f[vsr]! < lo + 32 ? { r: f[vsr]! - lo } : undefined),
        to: (v) => (v.r! < 32 ? { [vsr]: v.r! + lo } : undefined),
      });
    }
  };
  halves('mf%d', 'mfvsrd', true, 'xs');
  halves('mf%wz', 'mfvsrwz', true, 'xs');
  halves('mt%d', 'mtvsrd', false, 'xt');
  halves('mt%wz', 'mtvsrwz', false, 'xt');
  halves('mt%wa', 'mtvsrwa', false, 'xt');
  return out;
}

/** DFP extended operations: source pairs print as their even register, ignoring the odd bit (binutils). */
function dfpSyntaxes(): SyntaxSpec[] {
  const q: [string, string][] = [
    ['daddq', 'FRT,FRA~,FRB~'],
    ['dsubq', 'FRT,FRA~,FRB~'],
    ['dmulq', 'FRT,FRA~,FRB~'],
    ['ddivq', 'FRT,FRA~,FRB~'],
    ['dcmpuq', 'BF,FRA~,FRB~'],
    ['dcmpoq', 'BF,FRA~,FRB~'],
    ['dtstexq', 'BF,FRA~,FRB~'],
    ['dtstsfq', 'BF,FRA,FRB~'],
    ['dtstsfiq', 'BF,UIM6,FRB~'],
    ['drdpq', 'FRT,FRB~'],
    ['dctfixq', 'FRT,FRB~'],
    ['ddedpdq', 'SP,FRT,FRB~'],
    ['denbcdq', 'S11,FRT,FRB~'],
    ['dxexq', 'FRT,FRB~'],
    ['diexq', 'FRT,FRA,FRB~'],
    ['dscliq', 'FRT,FRA~,DSH'],
    ['dscriq', 'FRT,FRA~,DSH'],
    ['dtstdcq', 'BF,FRA~,DCM'],
    ['dtstdgq', 'BF,FRA~,DGM'],
    ['dquaiq', 'TES,FRT,FRB~,RMC'],
    ['dquaq', 'FRT,FRA~,FRB~,RMC'],
    ['drrndq', 'FRT,FRA,FRB~,RMC'],
    ['drintxq', 'R15,FRT,FRB~,RMC'],
    ['drintnq', 'R15,FRT,FRB~,RMC'],
  ];
  return q.map(([m, ops]) => ({ m, base: m, ops }));
}

/** Power ISA 3.0 (POWER9) extended mnemonics (v3.0B Appendix C) for the isa/p9-*.ts entries. */
function p9Syntaxes(): SyntaxSpec[] {
  return [
    // addpcis RT,0 is lnia RT; subpcis RT,n is addpcis RT,-n (assembler only, as in binutils).
    { m: 'lnia', base: 'addpcis', ops: 'RT', set: { d: 0 } },
    {
      m: 'subpcis',
      base: 'addpcis',
      ops: 'RT,n:simm',
      asmOnly: true,
      to: (v) => (range(-v.n!, -0x8000, 0x7fff) ? { d: -v.n! } : undefined),
    },
  ];
}

const oneBit = (x: number) => x !== 0 && (x & (x - 1)) === 0;
const thUpTo7 = (v: Readonly<Values>): Values | undefined => (range(v.n!, 0, 7) ? { th: v.n! } : undefined);

/** Every syntax except the implicit base forms, in priority order per base mnemonic. */
export const SYNTAX_SPECS: readonly SyntaxSpec[] = [
  ...branchSyntaxes(),
  ...trapSyntaxes(),
  ...rotateSyntaxes(),
  ...miscSyntaxes(),
  ...dfpSyntaxes(),
  ...vectorSyntaxes(),
  ...sprSyntaxes(),
  ...p9Syntaxes(),
];

/**
 * Base forms that are never printed because binutils rejects the encoding
 * (objdump prints `.long`): the predicate says which words of the entry are valid.
 */
export const BASE_VALID: Readonly<Record<string, (f: Readonly<Values>) => boolean>> = {
  // Branches: every valid BO value has a generated syntax above; the rest are invalid forms.
  bc: () => false,
  bclr: () => false,
  bcctr: () => false,
  bctar: () => false,
  // Time base: TBR must name TBL or TBU (Book II §5.2).
  mftb: () => false,
  // dcbf L=2 is reserved.
  dcbf: () => false,
  // wait WC=3 is reserved.
  wait: () => false,
  // sync L=3 is reserved.
  sync: () => false,
  // mtocrf/mfocrf need exactly one FXM bit.
  mtocrf: () => false,
  mfocrf: () => false,
};

// ---------------------------------------------------------------------------
// Invalid instruction forms (Book I §1.8.2): words the table decodes but whose
// operand combination the ISA declares invalid, and words with reserved bits
// set that binutils refuses. objdump prints `.long` for them (or, in its
// any-machine fallback pass, an old POWER/601/Gekko mnemonic), and so do we.

const updateLoad = (f: Readonly<Values>) => f.ra === 0 || f.ra === f.rt;
const updateStore = (f: Readonly<Values>) => f.ra === 0;
const odd = (...r: (number | undefined)[]) => r.some((x) => (x ?? 0) & 1);

/** Does `[first, first+len)` of `word` (big-endian bit numbers) hold anything but zero? */
export const reservedSet = (word: number, first: number, len: number) =>
  ((word >>> (32 - first - len)) & ((1 << len) - 1)) !== 0;

export const INVALID_FORMS: Readonly<Record<string, (f: Readonly<Values>, word: number) => boolean>> = {
  // Load with update: RA=0 or RA=RT (Book I §3.3.2); store with update: RA=0.
  lbzu: updateLoad,
  lhzu: updateLoad,
  lhau: updateLoad,
  lwzu: updateLoad,
  ldu: updateLoad,
  lbzux: updateLoad,
  lhzux: updateLoad,
  lhaux: updateLoad,
  lwzux: updateLoad,
  lwaux: updateLoad,
  ldux: updateLoad,
  stbu: updateStore,
  sthu: updateStore,
  stwu: updateStore,
  stdu: updateStore,
  stbux: updateStore,
  sthux: updateStore,
  stwux: updateStore,
  stdux: updateStore,
  // Floating-point load/store with update: RA=0 (Book I §4.6.2, §4.6.3).
  lfsu: updateStore,
  lfdu: updateStore,
  lfsux: updateStore,
  lfdux: updateStore,
  stfsu: updateStore,
  stfdu: updateStore,
  stfsux: updateStore,
  stfdux: updateStore,
  // Load multiple: RA in the range of registers loaded (§3.3.6).
  lmw: (f) => f.ra! >= f.rt!,
  // Load string: binutils only rejects RA=RT (lswi) and RT=RA or RT=RB (lswx) (§3.3.7).
  lswi: (f) => f.ra === f.rt,
  lswx: (f) => f.rt === f.ra || f.rt === f.rb,
  // FP pair loads/stores (lfdp/stfdp[x]) need an even register pair (§4.6.2).
  lfdp: (f) => odd(f.frt),
  lfdpx: (f) => odd(f.frt),
  stfdp: (f) => odd(f.frs),
  stfdpx: (f) => odd(f.frs),
  // Quadword loads/stores need an even register pair (§3.3.4, Book II §4.4.2).
  lq: (f) => odd(f.rt) || f.rt === f.ra,
  lqarx: (f) => odd(f.rt) || f.rt === f.ra || f.rt === f.rb,
  stq: (f) => odd(f.rs),
  'stqcx.': (f) => odd(f.rs),
  // XFX forms: bit 31 is reserved; mtcrf/mtocrf also bit 20, mfcr/mfocrf bit 20.
  mfspr: (_f, w) => (w & 1) !== 0,
  mtspr: (_f, w) => (w & 1) !== 0,
  mftb: (_f, w) => (w & 1) !== 0,
  mtcrf: (_f, w) => (w & 0x801) !== 0,
  mtocrf: (_f, w) => (w & 0x801) !== 0,
  mfocrf: (_f, w) => (w & 0x801) !== 0,
  // Reserved bits binutils checks but the table leaves free.
  sc: (_f, w) => reservedSet(w, 6, 14) || reservedSet(w, 27, 3) || (w & 1) !== 0,
  mfcr: (_f, w) => reservedSet(w, 12, 9),
  // eieio bit 6 is the hint Linux's POWER9 store-forwarding barrier sets; hardware ignores it.
  eieio: (_f, w) => reservedSet(w, 6, 1),
  // DFP extended (quad) results go to an even register pair (Book I §5.3); binutils
  // ignores the odd bit of source pairs instead (see dfpSyntaxes).
  ...Object.fromEntries(
    [
      'daddq',
      'dsubq',
      'dmulq',
      'ddivq',
      'dctqpq',
      'drdpq',
      'dcffixq',
      'ddedpdq',
      'denbcdq',
      'diexq',
      'dscliq',
      'dscriq',
      'dquaiq',
      'dquaq',
      'drrndq',
      'drintxq',
      'drintnq',
    ].map((m) => [m, (f: Readonly<Values>) => odd(f.frt)]),
  ),
};

/**
 * Chapters whose reserved fields binutils checks throughout (its VSX opcode
 * masks cover every reserved bit): a word of such an entry with a reserved bit
 * set is printed as `.long`, although the processor ignores the bit.
 */
export const STRICT_RESERVED_CHAPTERS: ReadonlySet<string> = new Set(['vsx']);
