/**
 * Coverage bookkeeping: which table entries the differential test runs, and
 * the mapping of extended mnemonics (as disassemblers print them) to their
 * base table variants, for the busybox opcode-usage list.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cpu } from '../../src/cpu.js';
import { INSTRUCTIONS } from '../../src/isa/index.js';
import { type InsnDef, P8 } from '../../src/table.js';
import { variantTable } from '../support/encode.js';
import { allPlans, type Exclusion, type Plan } from './gen.js';

/** The shared reference folder sits beside the repository checkout (../shared). */
export const BUSYBOX_USAGE = fileURLToPath(
  new URL('../../../../../shared/reference/opcode-usage/busybox-dynamic-power8-qemu-in_asm.txt', import.meta.url),
);

/** Extended mnemonics (Book I appendix "Assembler Extended Mnemonics") to base variants. */
const EXTENDED: Record<string, string> = {
  mr: 'or',
  not: 'nor',
  nop: 'ori',
  li: 'addi',
  la: 'addi',
  subi: 'addi',
  lis: 'addis',
  subis: 'addis',
  subic: 'addic',
  sub: 'subf',
  subc: 'subfc',
  cmpwi: 'cmpi',
  cmpdi: 'cmpi',
  cmpw: 'cmp',
  cmpd: 'cmp',
  cmplwi: 'cmpli',
  cmpldi: 'cmpli',
  cmplw: 'cmpl',
  cmpld: 'cmpl',
  mflr: 'mfspr',
  mfctr: 'mfspr',
  mfxer: 'mfspr',
  mtlr: 'mtspr',
  mtctr: 'mtspr',
  mtxer: 'mtspr',
  mtcr: 'mtcrf',
  sldi: 'rldicr',
  clrrdi: 'rldicr',
  extldi: 'rldicr',
  srdi: 'rldicl',
  clrldi: 'rldicl',
  rotldi: 'rldicl',
  rotrdi: 'rldicl',
  extrdi: 'rldicl',
  rotld: 'rldcl',
  insrdi: 'rldimi',
  clrlsldi: 'rldic',
  slwi: 'rlwinm',
  srwi: 'rlwinm',
  clrlwi: 'rlwinm',
  clrrwi: 'rlwinm',
  rotlwi: 'rlwinm',
  rotrwi: 'rlwinm',
  extlwi: 'rlwinm',
  extrwi: 'rlwinm',
  clrlslwi: 'rlwinm',
  rotlw: 'rlwnm',
  inslwi: 'rlwimi',
  insrwi: 'rlwimi',
  lwsync: 'sync',
  ptesync: 'sync',
  trap: 'tw',
  crclr: 'crxor',
  crset: 'creqv',
  crnot: 'crnor',
  crmove: 'cror',
  xxspltd: 'xxpermdi',
  xxswapd: 'xxpermdi',
  xxmrghd: 'xxpermdi',
  xxmrgld: 'xxpermdi',
  vmr: 'vor',
  vnot: 'vnor',
  // The old POWER name QEMU's disassembler prints for cntlzw.
  cntlz: 'cntlzw',
};

/** Conditional branch extended mnemonics: b<cond|dnz|dz...>[lr|ctr|tar][l][a][+-]. */
const BRANCH_EXT =
  /^b(?:dnzt|dnzf|dzt|dzf|dnz|dz|lt|le|eq|ge|gt|nl|ne|ng|so|ns|un|nu|t|f)(lr|ctr|tar)?(l)?(a)?$|^b(lr|ctr|tar)(l)?$/;

/** The base table variant an (extended) mnemonic stands for, or undefined. */
export function resolveMnemonic(raw: string): string | undefined {
  const m = raw.replace(/[+-]$/, '');
  const table = variantTable();
  if (table.has(m)) return m;
  const dot = m.endsWith('.') ? '.' : '';
  const stem = dot ? m.slice(0, -1) : m;
  const ext = EXTENDED[stem];
  if (ext) return ext + dot;
  const b = BRANCH_EXT.exec(m);
  if (b) {
    const reg = b[1] ?? b[4];
    const l = b[2] ?? b[5] ?? '';
    const a = b[3] ?? '';
    const base = reg ? `bc${reg}` : 'bc';
    return base + l + a;
  }
  return undefined;
}

/** Mnemonics of the busybox opcode-usage list (second column), minus data directives. */
export function busyboxMnemonics(): { mnemonics: string[]; skipped: string[] } {
  const mnemonics: string[] = [];
  const skipped: string[] = [];
  for (const line of readFileSync(BUSYBOX_USAGE, 'utf8').split('\n')) {
    const m = line.trim().split(/\s+/)[1];
    if (!m) continue;
    // `.byte` is data the disassembler could not decode, not an instruction.
    if (m.startsWith('.')) skipped.push(m);
    else mnemonics.push(m);
  }
  return { mnemonics, skipped };
}

/** Entries that are covered without plans of their own, with how. */
export const COVERED_BY_HARNESS: Record<string, string> = {
  sc: 'every test program ends with write(2) and exit_group(2) via sc; the written bytes and the exit status are compared',
};

export interface CoverageReport {
  readonly plans: Plan[];
  readonly excluded: Exclusion[];
  /** POWER8 entries without an executor in chapters that are expected to have one. */
  readonly unimplemented: string[];
  /** Busybox mnemonics with no runnable plan, with the reason. */
  readonly busyboxMissing: string[];
  readonly busyboxCovered: number;
  /** Variant forms with a plan. */
  readonly forms: Set<string>;
}

const EXPECTED_CHAPTERS = new Set(['fixed', 'branch', 'storage', 'fp', 'vmx', 'vsx']);

/** Plans vs table vs busybox. `runnable` says whether a plan can run (the harness has its features). */
export function coverage(runnable: (p: Plan) => boolean): CoverageReport {
  const { plans, excluded } = allPlans();
  const forms = new Set(
    plans.filter((p) => runnable(p) && !p.name.startsWith('.')).map((p) => p.name.replace(/@.*$/, '')),
  );
  const unimplemented = (INSTRUCTIONS as readonly InsnDef<Cpu>[])
    .filter((d) => !d.exec && !d.priv && ((d.models ?? 7) & P8) !== 0 && EXPECTED_CHAPTERS.has(d.chapter ?? ''))
    .map((d) => `${d.m} (${d.chapter})`);
  const { mnemonics } = busyboxMnemonics();
  const busyboxMissing: string[] = [];
  let busyboxCovered = 0;
  for (const raw of mnemonics) {
    const v = resolveMnemonic(raw);
    if (!v) {
      busyboxMissing.push(`${raw}: no table entry`);
      continue;
    }
    const def = variantTable().get(v)!.ci.def;
    if (COVERED_BY_HARNESS[def.m]) {
      busyboxCovered++;
      continue;
    }
    if (!def.exec) {
      busyboxMissing.push(`${raw} (${v}): no executor`);
      continue;
    }
    const ps = plans.filter((p) => p.name === v || p.name.startsWith(`${v}@`));
    if (ps.length === 0) {
      const ex = excluded.find((e) => e.def === def);
      busyboxMissing.push(`${raw} (${v}): no plan${ex ? ` (${ex.why})` : ''}`);
    } else if (!ps.some(runnable)) {
      busyboxMissing.push(`${raw} (${v}): blocked, the harness cannot load/dump the state it needs yet`);
    } else busyboxCovered++;
  }
  return { plans, excluded, unimplemented, busyboxMissing, busyboxCovered, forms };
}
