/**
 * Builds a static ppc64le test program from a list of cases. Every case:
 *   1. loads the architected state (FPSCR, VSCR, VSRs, CTR, XER, CR, LR, GPRs)
 *      from its input record in the data segment,
 *   2. runs its body (the instruction under test, plus markers for branches),
 *   3. stores the whole state to its output record.
 * At the end the program write(2)s the data segment to stdout and calls
 * exit_group(0). All instruction words come from the instruction table.
 *
 * One GPR per case (the "base register", never an operand of the body) holds
 * the record address across the body; its input value is that address.
 */

import { PF_R, PF_W, PF_X, writeElf64 } from '../support/elf-writer.js';
import { enc, hasInsn } from '../support/encode.js';

/** Code below 32 MiB, so `ba`/`bla` can reach it with a 26-bit absolute target. */
export const TEXT_VA = 0x0100_0000;
export const DATA_VA = 0x0140_0000;
/** Size of each case's memory window (a multiple of 128 so dcbz has whole blocks). */
export const WIN_SIZE = 256;
/**
 * A second window that straddles the 4 GiB line, so effective addresses carry into the high word
 * and accesses cross it. Cases that use it copy their window there first and back afterwards.
 */
export const HIGH_VA = 0xffff_f000;
export const HIGH_WIN = 0x1_0000_0000 - WIN_SIZE / 2;

/** Offsets inside an input or output record. */
export const R = { GPR: 0, CR: 256, XER: 264, LR: 272, CTR: 280, FPSCR: 288, VSCR: 304, VSR: 320 } as const;

/** Optional parts of the architected state the harness loads and dumps (each needs its chapter's instructions). */
export interface Features {
  /** The 64 VSRs (FPRs and VRs included): lxvd2x / stxvd2x. */
  readonly vsr: boolean;
  /** FPSCR: mtfsf / mffs (through VSR 0). */
  readonly fpscr: boolean;
  /** VSCR: mtvscr / mfvscr (through VSR 32). */
  readonly vscr: boolean;
}

export const NO_FEATURES: Features = { vsr: false, fpscr: false, vscr: false };

/** Instructions each feature needs in the harness. */
export const FEATURE_INSNS: Record<keyof Features, readonly string[]> = {
  vsr: ['lxvd2x', 'stxvd2x'],
  fpscr: ['lxvd2x', 'stxvd2x', 'mtfsf', 'mffs'],
  vscr: ['lxvd2x', 'stxvd2x', 'mtvscr', 'mfvscr'],
};

/** Record layout of one case: [window][input record][output record], 128-byte aligned. */
export class Layout {
  /** Bytes of one input/output record. */
  readonly rec: number;
  readonly IN = WIN_SIZE;
  readonly OUT: number;
  readonly stride: number;

  constructor(readonly features: Features) {
    const any = features.vsr || features.fpscr || features.vscr;
    this.rec = any ? R.VSR + 64 * 16 : R.FPSCR;
    this.OUT = this.IN + this.rec;
    this.stride = Math.ceil((this.OUT + this.rec) / 128) * 128;
  }
}

/** Architected input state of one case. */
export interface CaseInput {
  readonly gpr: bigint[];
  cr: number;
  xer: number;
  lr: bigint;
  ctr: bigint;
  /** FPSCR bits 32:63. */
  fpscr: number;
  vscr: number;
  /** 64 VSRs x 16 bytes, each as two little-endian doublewords (dw0 first), the lxvd2x image. */
  readonly vsr: Uint8Array;
  /** Initial contents of the memory window. */
  readonly win: Uint8Array;
}

/** Addresses a case body may depend on. */
export interface CaseContext {
  /** Address of the first body word. */
  readonly bodyAddr: number;
  readonly recAddr: number;
  readonly winAddr: number;
}

/** Output fields that are not compared (e.g. undefined results), with the reason. */
export interface Ignore {
  /** 'gpr3', 'cr', 'xer', 'lr', 'ctr', 'fpscr', 'vscr', 'vsr12', 'win', 'cr0'..'cr7'. */
  readonly field: string;
  /** Mask of compared bits for 32/64-bit fields (bits set = compared); absent = ignore all. */
  readonly keep?: bigint;
  readonly why: string;
}

export interface BuiltCase {
  /** Instruction words of the body. */
  readonly words: number[];
  /** Human-readable body, one entry per word. */
  readonly text: string[];
  readonly input: CaseInput;
  readonly baseReg: number;
  readonly ignore?: readonly Ignore[];
  /** Registers the body reads (shown in failure reports). */
  readonly reads?: readonly string[];
  /** The dump field of the instruction's target register ('gpr3', 'vsr40', ...), if it has one. */
  readonly target?: string;
}

/** A case whose body depends on where it lands. */
export type CaseMaker = (ctx: CaseContext) => BuiltCase;

/** A case to place in a program: its maker, and whether its window is the one across 4 GiB. */
export interface CaseSpec {
  readonly make: CaseMaker;
  readonly high?: boolean;
}

export interface Program {
  readonly elf: Uint8Array;
  readonly layout: Layout;
  readonly cases: readonly BuiltCase[];
  /** Address and size of the data segment (what the program writes to stdout). */
  readonly dataVa: number;
  readonly dataSize: number;
}

/** Prologue words before the body (fixed, so the body address is known up front). */
const PROLOGUE_WORDS = 38;

const hi16 = (a: number) => ((a >>> 16) << 16) >> 16;
const lo16 = (a: number) => a & 0xffff;

/** Load a 32-bit positive address into rt (lis/ori). */
function la(rt: number, addr: number): number[] {
  if (addr < 0 || addr >= 0x8000_0000) throw new Error('address out of lis range');
  return [enc('addis', { rt, ra: 0, si: hi16(addr) }), enc('ori', { ra: rt, rs: rt, ui: lo16(addr) })];
}

/** The features whose harness instructions the table has and can execute. */
export function availableFeatures(hasExec: (m: string) => boolean): Features {
  const ok = (k: keyof Features) => FEATURE_INSNS[k].every((m) => hasInsn(m) && hasExec(m));
  return { vsr: ok('vsr'), fpscr: ok('fpscr'), vscr: ok('vscr') };
}

/*
 * State goes through VSRs with lxvd2x/stxvd2x only (they take any alignment):
 * FPSCR via FPR 0 (mtfsf with L=1 sets all 64 bits, so DRN cannot leak between cases), VSCR via VR 0
 * (mtvscr takes word element 3, the low word of doubleword 1), so the slots
 * hold FPSCR in bytes 0-3 and VSCR in bytes 8-11.
 */
function commonLoad(L: Layout): number[] {
  const w: number[] = [];
  const IN = L.IN;
  const F = L.features;
  const viaVsr = (off: number, xt: number) => [
    enc('addi', { rt: 4, ra: 0, si: IN + off }),
    enc('lxvd2x', { xt, ra: 3, rb: 4 }),
  ];
  if (F.fpscr) w.push(...viaVsr(R.FPSCR, 0), enc('mtfsf', { flm: 0xff, frb: 0, l: 1, w: 0 }));
  if (F.vscr) w.push(...viaVsr(R.VSCR, 32), enc('mtvscr', { vrb: 0 }));
  if (F.vsr) for (let i = 0; i < 64; i++) w.push(...viaVsr(R.VSR + 16 * i, i));
  w.push(enc('ld', { rt: 4, ra: 3, ds: IN + R.CTR }));
  w.push(enc('mtspr', { spr: 9, rs: 4 }));
  w.push(enc('ld', { rt: 4, ra: 3, ds: IN + R.XER }));
  w.push(enc('mtspr', { spr: 1, rs: 4 }));
  w.push(enc('lwz', { rt: 4, ra: 3, d: IN + R.CR }));
  w.push(enc('mtcrf', { fxm: 0xff, rs: 4 }));
  w.push(enc('bclr', { bo: 20, bi: 0, bh: 0 }));
  return w;
}

function commonSave(L: Layout): number[] {
  const w: number[] = [];
  const OUT = L.OUT;
  const F = L.features;
  const viaVsr = (off: number, xs: number) => [
    enc('addi', { rt: 4, ra: 0, si: OUT + off }),
    enc('stxvd2x', { xs, ra: 3, rb: 4 }),
  ];
  w.push(enc('mfcr', { rt: 4 }));
  w.push(enc('stw', { rs: 4, ra: 3, d: OUT + R.CR }));
  w.push(enc('mfspr', { rt: 4, spr: 1 }));
  w.push(enc('std', { rs: 4, ra: 3, ds: OUT + R.XER }));
  w.push(enc('mfspr', { rt: 4, spr: 9 }));
  w.push(enc('std', { rs: 4, ra: 3, ds: OUT + R.CTR }));
  if (F.vsr) for (let i = 0; i < 64; i++) w.push(...viaVsr(R.VSR + 16 * i, i));
  if (F.fpscr) w.push(enc('mffs', { frt: 0 }), ...viaVsr(R.FPSCR, 0));
  if (F.vscr) w.push(enc('mfvscr', { vrt: 0 }), ...viaVsr(R.VSCR, 32));
  w.push(enc('bclr', { bo: 20, bi: 0, bh: 0 }));
  return w;
}

function writeInput(dv: DataView, at: number, inp: CaseInput, L: Layout, baseAddr: number, baseReg: number): void {
  for (let i = 0; i < 32; i++)
    dv.setBigUint64(at + R.GPR + 8 * i, BigInt.asUintN(64, i === baseReg ? BigInt(baseAddr) : inp.gpr[i]!), true);
  dv.setUint32(at + R.CR, inp.cr >>> 0, true);
  dv.setBigUint64(at + R.XER, BigInt(inp.xer >>> 0), true);
  dv.setBigUint64(at + R.LR, BigInt.asUintN(64, inp.lr), true);
  dv.setBigUint64(at + R.CTR, BigInt.asUintN(64, inp.ctr), true);
  if (L.features.fpscr) dv.setUint32(at + R.FPSCR, inp.fpscr >>> 0, true);
  if (L.features.vscr) dv.setUint32(at + R.VSCR + 8, inp.vscr >>> 0, true);
  if (L.features.vsr) new Uint8Array(dv.buffer, dv.byteOffset + at + R.VSR, 64 * 16).set(inp.vsr);
}

/** Build the ELF for a batch of cases. */
/** Copy WIN_SIZE bytes from (from) to (to), 8 at a time, with scratch register s. */
function copyWindow(from: number, to: number, s: number, fromOff = 0, toOff = 0): number[] {
  const w: number[] = [];
  for (let k = 0; k < WIN_SIZE; k += 8)
    w.push(enc('ld', { rt: s, ra: from, ds: fromOff + k }), enc('std', { rs: s, ra: to, ds: toOff + k }));
  return w;
}

/** rt = HIGH_WIN (0x0000_0000_ffff_ff80): li rt,-128 then clrldi rt,rt,32. */
function loadHighWin(rt: number): number[] {
  return [enc('addi', { rt, ra: 0, si: HIGH_WIN - 0x1_0000_0000 }), enc('rldicl', { ra: rt, rs: rt, sh: 0, mb: 32 })];
}

export function buildProgram(specs: readonly CaseSpec[], features: Features): Program {
  const L = new Layout(features);
  const text: number[] = [];
  const load = commonLoad(L);
  const save = commonSave(L);
  const loadAddr = TEXT_VA;
  text.push(...load);
  const saveAddr = TEXT_VA + 4 * text.length;
  text.push(...save);
  const entry = TEXT_VA + 4 * text.length;
  const dataSize = specs.length * L.stride;
  const data = new Uint8Array(dataSize);
  const dv = new DataView(data.buffer);
  const cases: BuiltCase[] = [];
  const pc = () => TEXT_VA + 4 * text.length;
  specs.forEach((spec, k) => {
    const recAddr = DATA_VA + k * L.stride;
    if (spec.high) text.push(...loadHighWin(4), ...la(3, recAddr), ...copyWindow(3, 4, 5));
    const caseStart = pc();
    const c = spec.make({ bodyAddr: caseStart + 4 * PROLOGUE_WORDS, recAddr, winAddr: spec.high ? HIGH_WIN : recAddr });
    const B = c.baseReg;
    if (B === 0) throw new Error('base register cannot be r0');
    cases.push(c);
    // Prologue.
    text.push(...la(3, recAddr));
    text.push(enc('bl', { li: loadAddr - pc() }));
    text.push(enc('ld', { rt: 4, ra: 3, ds: L.IN + R.LR }));
    text.push(enc('mtspr', { spr: 8, rs: 4 }));
    text.push(...la(B, recAddr));
    for (let i = 0; i < 32; i++) if (i !== B) text.push(enc('ld', { rt: i, ra: B, ds: L.IN + R.GPR + 8 * i }));
    if (pc() !== caseStart + 4 * PROLOGUE_WORDS) throw new Error('prologue length changed');
    text.push(...c.words);
    // Epilogue.
    for (let i = 0; i < 32; i++) text.push(enc('std', { rs: i, ra: B, ds: L.OUT + R.GPR + 8 * i }));
    text.push(enc('mfspr', { rt: 0, spr: 8 }));
    text.push(enc('std', { rs: 0, ra: B, ds: L.OUT + R.LR }));
    if (spec.high) {
      // Copy the 4 GiB window back into the case's own window (CR, XER and CTR are still untouched).
      const [s1, s2] = [4, 5, 6].filter((r) => r !== B) as [number, number];
      text.push(...loadHighWin(s1), ...copyWindow(s1, B, s2));
    }
    text.push(enc('or', { ra: 3, rs: B, rb: B }));
    text.push(enc('bl', { li: saveAddr - pc() }));
    data.set(c.input.win, k * L.stride);
    writeInput(dv, k * L.stride + L.IN, c.input, L, recAddr, B);
  });
  // write(1, data, size) until done, then exit_group(0); exit_group(99) on a write error.
  text.push(...la(4, DATA_VA), ...la(5, dataSize));
  const loop = pc();
  text.push(enc('addi', { rt: 0, ra: 0, si: 4 }), enc('addi', { rt: 3, ra: 0, si: 1 }), enc('sc', { lev: 0 }));
  const failFixups: number[] = [];
  failFixups.push(text.length);
  text.push(0); // bso fail
  text.push(enc('cmpi', { bf: 0, l: 1, ra: 3, si: 0 }));
  failFixups.push(text.length);
  text.push(0); // ble fail
  text.push(enc('add', { rt: 4, ra: 4, rb: 3 }), enc('subf', { rt: 5, ra: 3, rb: 5 }));
  text.push(enc('cmpi', { bf: 0, l: 1, ra: 5, si: 0 }));
  text.push(enc('bc', { bo: 4, bi: 2, bd: loop - pc() }));
  text.push(enc('addi', { rt: 0, ra: 0, si: 234 }), enc('addi', { rt: 3, ra: 0, si: 0 }), enc('sc', { lev: 0 }));
  const fail = pc();
  text.push(enc('addi', { rt: 0, ra: 0, si: 234 }), enc('addi', { rt: 3, ra: 0, si: 99 }), enc('sc', { lev: 0 }));
  const [bso, ble] = failFixups as [number, number];
  text[bso] = enc('bc', { bo: 12, bi: 3, bd: fail - (TEXT_VA + 4 * bso) });
  text[ble] = enc('bc', { bo: 4, bi: 1, bd: fail - (TEXT_VA + 4 * ble) });
  const code = new Uint8Array(text.length * 4);
  const cdv = new DataView(code.buffer);
  for (const [i, w] of text.entries()) cdv.setUint32(4 * i, w >>> 0, true);
  if (TEXT_VA + code.length > DATA_VA) throw new Error('text segment overlaps data: too many cases in one program');
  const elf = writeElf64({
    entry,
    segments: [
      { vaddr: TEXT_VA, data: code, flags: PF_R | PF_X },
      { vaddr: DATA_VA, data, flags: PF_R | PF_W },
      { vaddr: HIGH_VA, data: new Uint8Array(0), memsz: 0x2000, flags: PF_R | PF_W },
    ],
  });
  return { elf, layout: L, cases, dataVa: DATA_VA, dataSize };
}
