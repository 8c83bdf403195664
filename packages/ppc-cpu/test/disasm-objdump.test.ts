/**
 * Whole-binary check of the disassembler against binutils: every 4-byte word of
 * the `.text` of Debian's ppc64el kernel and static busybox (code and the data
 * that sits between functions) must disassemble exactly as
 * `powerpc64le-linux-gnu-objdump -d` prints it (spacing normalised, `<sym+off>`
 * annotations dropped). Differences we intend are listed below with the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath, fixturesDir } from '../../../scripts/fixtures.mjs';
import { disassemble, syntaxTable } from '../src/disasm.js';
import { SYNTAX_SPECS } from '../src/syntax.js';
import { elfSections, foreignReason, objdumpSection } from './disasm-oracle.js';

/** First-word prefixes of objdump mnemonics that belong to a chapter we do not own (for grouping). */
function chapterOfMnemonic(m: string): string {
  if (
    /^(x[sv]|xx|lxv|stxv|lxs|stxs|lxvd|stxvd|mfvsr|mtvsr|lxvw|stxvw|lxvb|stxvb|lxvh|stxvh|lxvl|stxvl|lxvx|stxvx)/.test(
      m,
    )
  )
    return 'vsx';
  if (/^(v|lv|stv|mfvscr|mtvscr|dss|dst)/.test(m)) return 'vmx';
  if (/^(ev|ef|brinc)/.test(m)) return 'spe';
  if (/^(f|lf|stf|mffs|mtfs|mcrfs)/.test(m)) return 'fp';
  return 'other';
}

interface Report {
  words: number;
  same: number;
  foreign: Map<string, number>;
  mismatches: Map<string, { n: number; examples: string[] }>;
}

async function compareBinary(name: 'vmlinux' | 'busybox'): Promise<Report> {
  const file = fixturePath(name);
  if (!file) throw new Error(`fixture '${name}' is missing: run \`npm run fixtures\` (cache: ${fixturesDir()})`);
  const buf = readFileSync(file);
  const text = elfSections(buf).find((s) => s.name === '.text');
  if (!text) throw new Error(`${name}: no .text section`);
  const ref = await objdumpSection(file, text, join(fixturesDir(), 'objdump-cache'));
  const table = syntaxTable();
  const chapterOf = new Map<string, string>();
  for (const ci of table.decoder.all) chapterOf.set(ci.def.m, ci.def.chapter ?? 'other');
  for (const s of SYNTAX_SPECS) chapterOf.set(s.m.replace(/%.*/, ''), chapterOf.get(s.base) ?? 'other');
  const report: Report = { words: ref.length, same: 0, foreign: new Map(), mismatches: new Map() };
  for (let i = 0; i < ref.length; i++) {
    const word = buf.readUInt32LE(text.offset + 4 * i);
    const pc = text.addr + BigInt(4 * i);
    const d = disassemble(word, pc);
    const ours = d.operands === '' ? d.mnemonic : `${d.mnemonic} ${d.operands}`;
    const theirs = ref[i]!;
    if (ours === theirs) {
      report.same++;
      continue;
    }
    const theirMnemonic = theirs.split(' ')[0]!;
    if (d.mnemonic === '.long' && foreignReason(theirMnemonic) !== undefined) {
      report.foreign.set(theirMnemonic, (report.foreign.get(theirMnemonic) ?? 0) + 1);
      continue;
    }
    const ci = table.decoder.lookup(word);
    const chapter =
      ci?.def.chapter ?? chapterOf.get(theirMnemonic.replace(/[+-]$/, '')) ?? chapterOfMnemonic(theirMnemonic);
    const key = `${chapter}: ${theirMnemonic}`;
    const e = report.mismatches.get(key) ?? { n: 0, examples: [] };
    e.n++;
    if (e.examples.length < 3)
      e.examples.push(`${pc.toString(16)} ${word.toString(16).padStart(8, '0')}: ours '${ours}' objdump '${theirs}'`);
    report.mismatches.set(key, e);
  }
  return report;
}

function print(name: string, r: Report): void {
  const lines = [`${name}: compared ${r.words} words, ${r.same} identical`];
  const foreign = [...r.foreign.entries()].sort((a, b) => b[1] - a[1]);
  lines.push(
    `  intended (objdump any-machine fallback): ${foreign.reduce((a, [, n]) => a + n, 0)} words: ${foreign.map(([m, n]) => `${m} ${n}`).join(', ')}`,
  );
  const mism = [...r.mismatches.entries()].sort((a, b) => b[1].n - a[1].n);
  lines.push(`  mismatches: ${mism.reduce((a, [, e]) => a + e.n, 0)}`);
  for (const [k, e] of mism) lines.push(`    ${k}: ${e.n}   e.g. ${e.examples[0]}`);
  console.log(lines.join('\n'));
}

describe('disassembler vs powerpc64le-linux-gnu-objdump -d on whole binaries', () => {
  for (const name of ['vmlinux', 'busybox'] as const) {
    it(`${name} .text`, { timeout: 300_000 }, async () => {
      const r = await compareBinary(name);
      print(name, r);
      expect(r.words).toBeGreaterThan(100_000);
      // Every chapter is strict: intended differences live in disasm-oracle.ts with their reasons.
      const failing = [...r.mismatches.entries()];
      expect(failing.map(([k, e]) => `${k} x${e.n}: ${e.examples.join(' | ')}`)).toEqual([]);
    });
  }
});
