/**
 * Runs plans on QEMU and on our Cpu and compares the dumps. Batch programs
 * that end abnormally on either side are split in halves until the case that
 * misbehaves is alone, so one bad case never hides the others.
 */
import { decoderFor } from '../../src/decode.js';
import { knownDeviation } from './exceptions.js';
import type { Plan } from './gen.js';
import {
  availableFeatures,
  type BuiltCase,
  buildProgram,
  type CaseMaker,
  type Features,
  type Layout,
  type Program,
  R,
  WIN_SIZE,
} from './program.js';
import { baseSeed, Rng, seedFor } from './rng.js';
import { type RunResult, runCpu, runQemu } from './runners.js';

/** One case to run: its plan, index, and the maker bound to its random draws. */
interface Job {
  readonly plan: Plan;
  readonly k: number;
  readonly make: CaseMaker;
}

/** A difference in one output field (values as read from the dumps; `keep` = the compared bits). */
export interface FieldDiff {
  readonly field: string;
  readonly ours: string;
  readonly qemu: string;
  readonly a: bigint;
  readonly b: bigint;
  readonly keep: bigint;
}

/** Read access to both output records of a case, by field name (for deviation predicates). */
export interface DumpView {
  ours(field: string): bigint;
  qemu(field: string): bigint;
}

export interface Mismatch {
  readonly plan: string;
  readonly chapter: string;
  readonly text: string;
  /** Why it is accepted, when it matches a listed QEMU deviation. */
  readonly deviation?: string;
}

export interface DiffReport {
  readonly label: string;
  readonly seed: number;
  /** Variant mnemonics run (plan names without the '@...' suffixes). */
  readonly forms: Set<string>;
  readonly cases: number;
  readonly programs: number;
  readonly mismatches: Mismatch[];
  readonly deviations: Mismatch[];
  /** Plans not run because the vector-state harness is not available yet. */
  readonly blocked: string[];
}

/** VSCR slot: NJ (0x10000) and SAT (0x1) of the word in bytes 8-11. */
const VSCR_DEFINED = 0x0001_0001n << 64n;

const BATCH = Number(process.env.PPCVM_DIFF_BATCH ?? 400);
const CONCURRENCY = 2;

const hex = (v: bigint, digits: number) =>
  `0x${BigInt.asUintN(digits * 4, v)
    .toString(16)
    .padStart(digits, '0')}`;

function hasExec(m: string): boolean {
  const d = decoderFor('power8').decoder.all.find((ci) => ci.def.m === m);
  return !!d?.def.exec;
}

/** Which FP/vector state the harness can load and dump with the chapters that have landed. */
export function harnessFeatures(): Features {
  return availableFeatures(hasExec);
}

/** The features a plan needs that the harness lacks. */
export function missingFeatures(plan: Plan, have: Features): string[] {
  return (Object.keys(plan.needs) as (keyof Features)[]).filter((k) => plan.needs[k] && !have[k]);
}

/** Output fields of a record, with their offsets and sizes. */
function fields(L: Layout): { name: string; off: number; size: number }[] {
  const f: { name: string; off: number; size: number }[] = [];
  for (let i = 0; i < 32; i++) f.push({ name: `gpr${i}`, off: R.GPR + 8 * i, size: 8 });
  f.push({ name: 'cr', off: R.CR, size: 8 }, { name: 'xer', off: R.XER, size: 8 });
  f.push({ name: 'lr', off: R.LR, size: 8 }, { name: 'ctr', off: R.CTR, size: 8 });
  const F = L.features;
  if (F.fpscr) f.push({ name: 'fpscr', off: R.FPSCR, size: 8 });
  if (F.vscr) f.push({ name: 'vscr', off: R.VSCR, size: 16 });
  if (F.vsr) for (let i = 0; i < 64; i++) f.push({ name: `vsr${i}`, off: R.VSR + 16 * i, size: 16 });
  return f;
}

function readField(buf: Uint8Array, at: number, size: number): bigint {
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[at + i] ?? 0);
  return v;
}

/** A VSR image as its two doublewords (dw0:dw1), the architected big-endian order. */
function fmtField(name: string, v: bigint, size: number): string {
  if (size === 16) return `${hex(v & ((1n << 64n) - 1n), 16)}:${hex(v >> 64n, 16)}`;
  if (name === 'cr') return hex(v, 8);
  return hex(v, 16);
}

/** Compare one case's window, output record and input record. */
export function compareCase(
  p: Program,
  idx: number,
  c: BuiltCase,
  ours: Uint8Array,
  qemu: Uint8Array,
): { diffs: FieldDiff[]; view: DumpView } {
  const L = p.layout;
  const diffs: FieldDiff[] = [];
  const base = idx * L.stride;
  const all = fields(L);
  const at = (buf: Uint8Array, name: string) => {
    const f = all.find((x) => x.name === name);
    if (!f) throw new Error(`no field ${name} in this layout`);
    return readField(buf, base + L.OUT + f.off, f.size);
  };
  const view: DumpView = { ours: (n) => at(ours, n), qemu: (n) => at(qemu, n) };
  const ignore = new Map<string, bigint | undefined>();
  // VSCR: only NJ and SAT are defined (Book I §6.3.1); the other bits are reserved.
  ignore.set('vscr', VSCR_DEFINED);
  for (const ig of c.ignore ?? []) {
    const prev = ignore.get(ig.field);
    ignore.set(
      ig.field,
      ig.keep === undefined || (ignore.has(ig.field) && prev === undefined) ? undefined : (prev ?? ig.keep) & ig.keep,
    );
  }
  for (const f of all) {
    const a = readField(ours, base + L.OUT + f.off, f.size);
    const b = readField(qemu, base + L.OUT + f.off, f.size);
    if (a === b) continue;
    let keep = (1n << BigInt(8 * f.size)) - 1n;
    if (ignore.has(f.name)) {
      const k = ignore.get(f.name);
      if (k === undefined || (a & k) === (b & k)) continue;
      keep = k;
    }
    diffs.push({ field: f.name, ours: fmtField(f.name, a, f.size), qemu: fmtField(f.name, b, f.size), a, b, keep });
  }
  if (!ignore.has('win')) {
    for (let i = 0; i < WIN_SIZE; i += 8) {
      const a = readField(ours, base + i, 8);
      const b = readField(qemu, base + i, 8);
      if (a !== b) diffs.push({ field: `win+${i}`, ours: hex(a, 16), qemu: hex(b, 16), a, b, keep: (1n << 64n) - 1n });
    }
  }
  for (let i = L.IN; i < L.OUT; i++) {
    if (ours[base + i] !== qemu[base + i]) {
      const a = BigInt(ours[base + i]!);
      const b = BigInt(qemu[base + i]!);
      diffs.push({ field: `input-record+${i - L.IN}`, ours: String(a), qemu: String(b), a, b, keep: 0xffn });
      break;
    }
  }
  return { diffs, view };
}

function describeCase(c: BuiltCase, p: Program | undefined, idx: number): string {
  const lines: string[] = [];
  lines.push(
    `  body: ${c.text.join(' ; ')}  [${c.words.map((w) => `0x${w.toString(16).padStart(8, '0')}`).join(' ')}]`,
  );
  const inp = c.input;
  const regs = new Set(c.reads ?? []);
  const shown: string[] = [];
  for (const r of regs) {
    const m = /^r(\d+)$/.exec(r);
    if (m) shown.push(`${r}=${hex(inp.gpr[Number(m[1])]!, 16)}`);
    const f = /^(f|vs|v)(\d+)$/.exec(r);
    if (f) {
      const n = Number(f[2]) + (f[1] === 'v' ? 32 : 0);
      const dv = new DataView(inp.vsr.buffer, inp.vsr.byteOffset + 16 * n, 16);
      shown.push(`${r}=${hex(dv.getBigUint64(0, true), 16)}:${hex(dv.getBigUint64(8, true), 16)}`);
    }
  }
  shown.push(`cr=${hex(BigInt(inp.cr >>> 0), 8)}`, `xer=${hex(BigInt(inp.xer >>> 0), 8)}`);
  if (regs.has('lr') || regs.has('ctr')) shown.push(`lr=${hex(inp.lr, 16)}`, `ctr=${hex(inp.ctr, 16)}`);
  if (p?.layout.features.fpscr) shown.push(`fpscr=${hex(BigInt(inp.fpscr >>> 0), 8)}`);
  if (p?.layout.features.vscr) shown.push(`vscr=${hex(BigInt(inp.vscr >>> 0), 8)}`);
  lines.push(`  inputs: ${shown.join(' ')} (base r${c.baseReg}, case ${idx})`);
  return lines.join('\n');
}

/** Outcome of a program: exit(0) with a full dump, or something else (signal, stop, short output). */
function clean(r: RunResult, p: Program): boolean {
  return r.exit === 0 && r.signal === undefined && r.stdout.length === p.dataSize;
}

function outcome(r: RunResult): string {
  return r.signal ? `${r.signal}` : `exit ${r.exit}`;
}

class Runner {
  cases = 0;
  programs = 0;
  readonly mismatches: Mismatch[] = [];
  readonly deviations: Mismatch[] = [];

  constructor(
    readonly label: string,
    readonly seed: number,
    readonly features: Features,
  ) {}

  private record(
    job: Job,
    text: string,
    diffs: readonly FieldDiff[] | undefined,
    c: BuiltCase | undefined,
    outcomes?: [string, string],
    view?: DumpView,
  ): void {
    const dev = c ? knownDeviation(job.plan, c, diffs ?? [], outcomes, view) : undefined;
    const m: Mismatch = { plan: job.plan.name, chapter: job.plan.def.chapter ?? '?', text, deviation: dev };
    (dev ? this.deviations : this.mismatches).push(m);
  }

  private header(job: Job): string {
    return `[${this.label} seed=${baseSeed()} (PPCVM_DIFF_SEED) chapter=${job.plan.def.chapter}] ${job.plan.name} case ${job.k}`;
  }

  /** Run jobs as one program; on an abnormal end split until the culprit is alone. */
  async batch(jobs: readonly Job[]): Promise<void> {
    if (jobs.length === 0) return;
    const p = buildProgram(
      jobs.map((j) => ({ make: j.make, high: j.plan.high })),
      this.features,
    );
    const q = runQemu(p.elf);
    const ours = runCpu(p.elf);
    const theirs = await q;
    this.programs++;
    if (clean(ours, p) && clean(theirs, p)) {
      this.cases += jobs.length;
      jobs.forEach((job, i) => {
        const c = p.cases[i]!;
        const { diffs, view } = compareCase(p, i, c, ours.stdout, theirs.stdout);
        if (diffs.length === 0) return;
        const text = [
          this.header(job),
          describeCase(c, p, i),
          ...diffs.map((d) => `  ${d.field}: ours ${d.ours} qemu ${d.qemu}`),
        ].join('\n');
        this.record(job, text, diffs, c, undefined, view);
      });
      return;
    }
    if (jobs.length === 1) {
      this.cases += 1;
      this.single(jobs[0]!, p, ours, theirs);
      return;
    }
    const half = jobs.length >> 1;
    await this.batch(jobs.slice(0, half));
    await this.batch(jobs.slice(half));
  }

  /** Compare a one-case program: same signal, or both clean and the same dump. */
  single(job: Job, p: Program, ours: RunResult, theirs: RunResult): void {
    const c = p.cases[0]!;
    if (ours.signal && ours.signal === theirs.signal) return;
    if (clean(ours, p) && clean(theirs, p)) {
      const { diffs, view } = compareCase(p, 0, c, ours.stdout, theirs.stdout);
      if (diffs.length === 0) return;
      const text = [
        this.header(job),
        describeCase(c, p, 0),
        ...diffs.map((d) => `  ${d.field}: ours ${d.ours} qemu ${d.qemu}`),
      ].join('\n');
      this.record(job, text, diffs, c, undefined, view);
      return;
    }
    const text = [
      this.header(job),
      describeCase(c, p, 0),
      `  outcome: ours ${outcome(ours)} (${ours.detail}) qemu ${outcome(theirs)}${theirs.detail ? ` (${theirs.detail.split('\n')[0]})` : ''}`,
    ].join('\n');
    this.record(job, text, undefined, c, [outcome(ours), outcome(theirs)]);
  }

  async singles(jobs: readonly Job[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const p = buildProgram([{ make: job.make, high: job.plan.high }], this.features);
        const q = runQemu(p.elf);
        const ours = runCpu(p.elf);
        const theirs = await q;
        this.programs++;
        this.cases++;
        this.single(job, p, ours, theirs);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  }
}

/** Run every plan's cases on both sides. */
export async function runDiff(label: string, plans: readonly Plan[]): Promise<DiffReport> {
  const seed = seedFor(label);
  const root = new Rng(seed);
  const features = harnessFeatures();
  const blocked: string[] = [];
  const batchJobs: Job[] = [];
  const singleJobs: Job[] = [];
  const forms = new Set<string>();
  for (const plan of plans) {
    const missing = missingFeatures(plan, features);
    if (missing.length) {
      blocked.push(`${plan.name} (harness lacks ${missing.join('+')})`);
      continue;
    }
    forms.add(plan.name.replace(/@.*$/, ''));
    const rng = root.fork(plan.name);
    for (let k = 0; k < plan.count; k++) {
      const job: Job = { plan, k, make: plan.make(rng, k) };
      (plan.mode === 'batch' ? batchJobs : singleJobs).push(job);
    }
  }
  const r = new Runner(label, seed, features);
  // Two programs in flight: QEMU runs in its own process while our Cpu runs here.
  const chunks: Job[][] = [];
  for (let i = 0; i < batchJobs.length; i += BATCH) chunks.push(batchJobs.slice(i, i + BATCH));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) await r.batch(chunks[next++]!);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await r.singles(singleJobs);
  return {
    label,
    seed,
    forms,
    cases: r.cases,
    programs: r.programs,
    mismatches: r.mismatches,
    deviations: r.deviations,
    blocked,
  };
}

/** One-line summary plus every mismatch, for the test log. */
export function formatReport(rep: DiffReport): string {
  const lines = [
    `${rep.label}: ${rep.forms.size} forms, ${rep.cases} cases in ${rep.programs} programs, ${rep.mismatches.length} mismatches, ${rep.deviations.length} known QEMU deviations${rep.blocked.length ? `, ${rep.blocked.length} forms blocked (FP/vector state harness incomplete)` : ''}`,
  ];
  // Per form: the count and the first few cases in full.
  const byPlan = new Map<string, Mismatch[]>();
  for (const m of rep.mismatches) byPlan.set(m.plan, [...(byPlan.get(m.plan) ?? []), m]);
  if (byPlan.size) lines.push(`mismatching forms: ${[...byPlan].map(([k, v]) => `${k} (${v.length})`).join(', ')}`);
  for (const ms of byPlan.values())
    for (const m of ms.slice(0, Number(process.env.PPCVM_DIFF_SHOW ?? 3))) lines.push(m.text);
  return lines.join('\n');
}
