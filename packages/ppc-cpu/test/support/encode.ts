/**
 * Instruction encoding for test programs, straight from the instruction
 * table: fixed bits from `compileInsn(def).match`, variant bits (Rc, OE, LK,
 * AA) from the variant mnemonic, operands through `insertField`. Independent
 * of the package's assembler on purpose, so tests of the CPU do not depend on it.
 */
import type { Cpu } from '../../src/cpu.js';
import { FIELDS, insertField } from '../../src/fields.js';
import { INSTRUCTIONS } from '../../src/isa/index.js';
import { type CompiledInsn, compileInsn, type InsnDef, variantMnemonic } from '../../src/table.js';

/** One concrete variant of a table entry (e.g. `addo.` of `add`). */
export interface Variant {
  readonly name: string;
  readonly ci: CompiledInsn<Cpu>;
  /** The entry's fixed bits plus the variant's flag bits. */
  readonly base: number;
}

function flagBits(def: InsnDef<Cpu>, ci: CompiledInsn<Cpu>): number[] {
  const bits: number[] = [];
  if (ci.rcBit >= 0 && def.rc === 'opt') bits.push(1 << (31 - ci.rcBit));
  if (def.form === 'XO' && def.oe === 'opt') bits.push(1 << 10);
  if ((def.form === 'I' || def.form === 'B' || def.form === 'XL') && def.lk === 'opt') bits.push(1);
  if ((def.form === 'I' || def.form === 'B') && def.aa === 'opt') bits.push(2);
  return bits;
}

/** All variants of one entry (every combination of its 'opt' flag bits). */
export function variantsOf(def: InsnDef<Cpu>): Variant[] {
  const ci = compileInsn(def);
  const bits = flagBits(def, ci);
  const out: Variant[] = [];
  for (let k = 0; k < 1 << bits.length; k++) {
    let w = ci.match;
    bits.forEach((b, i) => {
      if (k & (1 << i)) w |= b;
    });
    w >>>= 0;
    out.push({ name: variantMnemonic(ci, w), ci, base: w });
  }
  return out;
}

let byName: Map<string, Variant> | undefined;

/** Every variant of every table entry, by mnemonic. */
export function variantTable(): Map<string, Variant> {
  if (!byName) {
    byName = new Map();
    for (const def of INSTRUCTIONS) {
      for (const v of variantsOf(def)) {
        if (!byName.has(v.name)) byName.set(v.name, v);
      }
    }
  }
  return byName;
}

/** Encode one variant with operand values keyed by lower-case field name (as executors see them). */
export function encodeVariant(v: Variant, ops: Readonly<Record<string, number>>): number {
  let w = v.base;
  for (const o of v.ci.operands) {
    const val = ops[o.key];
    if (val === undefined) throw new Error(`${v.name}: missing operand ${o.key}`);
    w = insertField(o.field, w, val);
  }
  return w >>> 0;
}

/** Encode by mnemonic, e.g. `enc('addi', { rt: 3, ra: 0, si: 5 })`. */
export function enc(name: string, ops: Readonly<Record<string, number>> = {}): number {
  const v = variantTable().get(name);
  if (!v) throw new Error(`enc: no table entry for '${name}'`);
  return encodeVariant(v, ops);
}

/** True when the table has an entry (with or without an executor) for this variant mnemonic. */
export function hasInsn(name: string): boolean {
  return variantTable().has(name);
}

/** Encode a field directly (for hand-built words of entries the table lacks). */
export function field(name: string, word: number, value: number): number {
  const f = FIELDS[name];
  if (!f) throw new Error(`unknown field ${name}`);
  return insertField(f, word, value);
}

/**
 * An encoder of "mnemonic op,op,..." text (numbers only, in table operand order) over a
 * set of table entries; a trailing '.' sets Rc unless the entry's mnemonic has it.
 * `label` names the set in error messages.
 */
export function textEncoder(defs: readonly InsnDef<Cpu>[], label: string): (text: string) => number {
  const byMnemonic = new Map<string, CompiledInsn<Cpu>>();
  for (const d of defs) if (!byMnemonic.has(d.m)) byMnemonic.set(d.m, compileInsn(d));
  return (text) => {
    const [mn, rest = ''] = text.trim().split(/\s+/, 2) as [string, string?];
    let ci = byMnemonic.get(mn);
    let rc = false;
    if (!ci && mn.endsWith('.')) {
      ci = byMnemonic.get(mn.slice(0, -1));
      rc = true;
    }
    if (!ci) throw new Error(`no ${label} entry for ${mn}`);
    const vals = rest === '' ? [] : rest.split(',').map((v) => Number(v.trim()));
    if (vals.length !== ci.operands.length) throw new Error(`${text}: expected ${ci.operands.length} operands`);
    let w = ci.match;
    for (const [i, o] of ci.operands.entries()) w = insertField(o.field, w, vals[i]!);
    if (rc) w |= 1 << (31 - ci.rcBit);
    return w >>> 0;
  };
}
