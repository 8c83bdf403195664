/**
 * Round trip: for every table entry and random operand values, the text the
 * disassembler prints assembles back to the same word. Words are generated
 * canonical: reserved bits (outside the entry's pattern, operands and variant
 * bits) are zero, since no text can say anything about them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble } from '../src/asm.js';
import type { Cpu } from '../src/cpu.js';
import { disassemble, syntaxTable } from '../src/disasm.js';
import { fieldWidth, insertField } from '../src/fields.js';
import { type CompiledInsn, decodeFields } from '../src/table.js';

/**
 * Encodings whose text does not say everything about the word (documented
 * non-canonical encodings): the assembler produces the canonical form instead.
 */
function nonCanonical(ci: CompiledInsn<Cpu>, word: number): string | undefined {
  const m = ci.def.m;
  const f = decodeFields(ci, word);
  // DFP extended operations: binutils names a source register pair by its even register.
  for (const s of syntaxTable().print.get(m) ?? []) {
    if (s.operands.some((o) => o.pair && (f[o.key]! & 1) !== 0)) return 'odd register of a pair';
  }
  const bo = (word >>> 21) & 31;
  // Branch hints written with the pre-v2.00 'y' bit (BO 0b001z1 / 0b1z0z1 with at=01): binutils
  // prints them with the modern +/- hint, which assembles to at=11.
  if ((m === 'bc' || m === 'bclr' || m === 'bcctr' || m === 'bctar') && ((bo & 0x14) === 4 || (bo & 0x14) === 0)) {
    if ((bo & 0x14) === 4 && (bo & 3) === 1) return 'branch hint in the old y bit';
    if ((bo & 0x14) === 0 && (bo & 1) === 1) return 'branch hint in the old y bit';
  }
  if ((m === 'bc' || m === 'bclr' || m === 'bctar') && (bo & 0x14) === 0x10 && (bo & 9) === 1)
    return 'branch hint in the old y bit';
  return undefined;
}

/** Words for `ci` with random operand values (biased towards 0, 1, all-ones and repeats). */
function wordFor(ci: CompiledInsn<Cpu>) {
  const fields = ci.operands.map((o) =>
    fc.oneof(
      fc.constant(0),
      fc.constant(1),
      fc.constant(2 ** fieldWidth(o.field) - 1),
      fc.integer({ min: 0, max: 2 ** fieldWidth(o.field) - 1 }),
    ),
  );
  return fc
    .tuple(fc.tuple(...fields), fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean())
    .map(([vals, rc, oe, lk, aa]) => {
      let w = ci.match;
      ci.operands.forEach((o, k) => {
        w = insertField({ ...o.field, shift: 0, signed: false }, w, vals[k]!);
      });
      const d = ci.def;
      if (ci.rcBit >= 0 && d.rc === 'opt' && rc) w |= 1 << (31 - ci.rcBit);
      if (d.form === 'XO' && d.oe === 'opt' && oe) w |= 1 << 10;
      if ((d.form === 'I' || d.form === 'B' || d.form === 'XL') && d.lk === 'opt' && lk) w |= 1;
      if ((d.form === 'I' || d.form === 'B') && d.aa === 'opt' && aa) w |= 2;
      return w >>> 0;
    });
}

describe('assemble(disassemble(w)) === w', () => {
  const table = syntaxTable();
  const entries = table.decoder.all;
  it('covers the whole table', () => {
    expect(entries.length).toBeGreaterThan(300);
  });
  it('for every entry and random operands', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const ci of entries) {
      fc.assert(
        fc.property(wordFor(ci), fc.integer({ min: 0, max: 0x3fff_ffff }), (word, page) => {
          const pc = 0xc000_0000_0000_0000n + BigInt(page) * 4n;
          const d = disassemble(word, pc, { hexPrefix: true });
          if (nonCanonical(ci, word)) return true;
          checked++;
          let back: number | undefined;
          try {
            const bytes = assemble(d.text, { base: pc }).bytes;
            back = new DataView(bytes.buffer).getUint32(0, true);
          } catch (e) {
            failures.push(`${ci.def.m} ${word.toString(16)} '${d.text}': ${(e as Error).message.split('\n')[0]}`);
            return true;
          }
          if (back !== word) failures.push(`${ci.def.m} ${word.toString(16)} '${d.text}' -> ${back.toString(16)}`);
          return true;
        }),
        { numRuns: 100, seed: 0x5eed },
      );
    }
    expect(checked).toBeGreaterThan(entries.length * 20);
    const byEntry = new Map<string, string[]>();
    for (const x of failures) byEntry.set(x.split(' ')[0]!, [...(byEntry.get(x.split(' ')[0]!) ?? []), x]);
    expect([...byEntry.values()].map((l) => `${l.length}x ${l[0]}`)).toEqual([]);
  });
});
