/**
 * Every table entry of the chapters this package's syntax covers, with random
 * operand values (biased to 0, 1, all-ones and repeated values, which is where
 * extended mnemonics apply), and with random values in reserved fields, against
 * `powerpc64le-linux-gnu-objdump`. Complements the whole-binary test, which
 * only sees what compilers emit.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Cpu } from '../src/cpu.js';
import { disassemble, syntaxTable } from '../src/disasm.js';
import { fieldWidth, insertField } from '../src/fields.js';
import type { CompiledInsn } from '../src/table.js';
import { foreignReason, normaliseObjdump, OBJDUMP, objdumpVersion } from './disasm-oracle.js';

/** Chapters whose every entry must match objdump. */
const CHAPTERS = new Set(['fixed', 'branch', 'storage', 'system', 'dfp', 'fp', 'vmx', 'vsx']);
/**
 * Chapters whose reserved fields are checked too (random bits outside the
 * pattern): the table must accept exactly the words binutils accepts.
 */
const LOOSE = new Set(['system', 'dfp']);
const PER_ENTRY = 60;

/** Primary opcode plus the form's extended-opcode field (Book I §1.6), as big-endian [first bit, length]. */
const XO_FIELDS: Record<string, [number, number]> = {
  DS: [30, 2],
  X: [21, 10],
  XL: [21, 10],
  XFX: [21, 10],
  XFL: [21, 10],
  XO: [22, 9],
  XS: [21, 9],
  A: [26, 5],
  MD: [27, 3],
  MDS: [27, 4],
  VA: [26, 6],
  Z22: [22, 9],
  Z23: [23, 8],
};
function coreMask(form: string): number {
  const x = XO_FIELDS[form];
  return (0xfc000000 | (x ? ((1 << x[1]) - 1) << (32 - x[0] - x[1]) : 0)) >>> 0;
}

/** Pattern, operand and variant bits of an entry (the rest are reserved fields). */
function usedBits(ci: CompiledInsn<Cpu>): number {
  let used = ci.mask | (ci.rcBit >= 0 ? 1 << (31 - ci.rcBit) : 0);
  for (const o of ci.operands) for (const [st, len] of o.field.parts) used |= ((1 << len) - 1) << (32 - st - len);
  const f = ci.def.form;
  if (f === 'XO') used |= 1 << 10;
  if (f === 'I' || f === 'B' || f === 'XL') used |= 1;
  if (f === 'I' || f === 'B') used |= 2;
  return used >>> 0;
}

/** Deterministic xorshift32. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

describe('random words per table entry vs objdump', () => {
  it('every chapter', { timeout: 120_000 }, () => {
    objdumpVersion();
    const next = rng(0x1234567);
    const table = syntaxTable();
    const words: number[] = [];
    const owners: string[] = [];
    for (const ci of table.decoder.all) {
      if (!CHAPTERS.has(ci.def.chapter ?? '')) continue;
      for (let i = 0; i < PER_ENTRY; i++) {
        let w = next();
        const seen: number[] = [];
        for (const o of ci.operands) {
          const max = 2 ** fieldWidth(o.field) - 1;
          const r = next() % 8;
          const v =
            r === 0
              ? 0
              : r === 1
                ? 1
                : r === 2
                  ? max
                  : r === 3 && seen.length
                    ? seen[next() % seen.length]! & max
                    : next() & max;
          seen.push(v);
          w = insertField({ ...o.field, shift: 0, signed: false }, w, v);
        }
        if (next() & 1) w &= ~1;
        // Half the words are canonical; the others keep random bits in reserved fields (for LOOSE
        // chapters even outside the entry's pattern): both sides must agree on which are valid.
        const mode = next() % 4;
        if (mode < 2) {
          // Canonical: reserved bits (outside pattern, operands and variant bits) zero.
          w = ((w & ~ci.mask & usedBits(ci)) | ci.match) >>> 0;
        } else if (mode === 2 && LOOSE.has(ci.def.chapter ?? '')) {
          w = ((w & ~coreMask(ci.def.form)) | (ci.match & coreMask(ci.def.form))) >>> 0;
        } else {
          w = ((w & ~ci.mask) | ci.match) >>> 0;
        }
        words.push(w);
        owners.push(ci.def.m);
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'ppc-disasm-'));
    let ref: string[];
    try {
      const file = join(dir, 'words.bin');
      const buf = Buffer.alloc(words.length * 4);
      words.forEach((w, i) => {
        buf.writeUInt32LE(w, i * 4);
      });
      writeFileSync(file, buf);
      const out = execFileSync(
        OBJDUMP,
        ['-D', '-z', '-b', 'binary', '-m', 'powerpc:common64', '-EL', '--adjust-vma=0x10000', file],
        {
          maxBuffer: 1 << 28,
        },
      ).toString();
      ref = out
        .split('\n')
        .filter((l) => /^\s*[0-9a-f]+:\t/.test(l))
        .map((l) => normaliseObjdump(l.split('\t').slice(2).join(' ')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(ref.length).toBe(words.length);
    const bad: string[] = [];
    let foreign = 0;
    for (let i = 0; i < words.length; i++) {
      const d = disassemble(words[i]!, 0x10000n + BigInt(4 * i));
      const ours = d.operands === '' ? d.mnemonic : `${d.mnemonic} ${d.operands}`;
      if (ours === ref[i]) continue;
      if (d.mnemonic === '.long' && foreignReason(ref[i]!.split(' ')[0]!) !== undefined) {
        foreign++;
        continue;
      }
      bad.push(`${owners[i]} ${words[i]!.toString(16).padStart(8, '0')}: ours '${ours}' objdump '${ref[i]}'`);
    }
    console.log(
      `compared ${words.length} random words of ${words.length / PER_ENTRY} entries; ${foreign} decoded by objdump only as other-machine instructions`,
    );
    const groups = new Map<string, string[]>();
    for (const b of bad) groups.set(b.split(' ')[0]!, [...(groups.get(b.split(' ')[0]!) ?? []), b]);
    expect([...groups.values()].map((l) => `${l.length}x ${l[0]}`)).toEqual([]);
  });
});
