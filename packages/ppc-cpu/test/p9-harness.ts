/**
 * Differential rig for the POWER9 (ISA 3.0) instructions: each case loads a
 * register and memory state, runs one or a few instructions and stores the
 * state again. All cases of a batch go into one static program, assembled
 * with binutils (`-mpower9`), run under `qemu-ppc64le -cpu power9` and on our
 * Cpu (model power9), and the two dumps are compared field by field.
 *
 * State per case: r3-r12, VSR 0-7 and 32-39 (= v0-v7), FPSCR (64 bits), CR,
 * XER and 64 bytes of memory at {@link MEM}. r27-r31 are the rig's own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Access, Cpu, TranslateFault } from '../src/cpu.js';
import { CR, PC } from '../src/state.js';

export const AS = 'powerpc64le-linux-gnu-as';
export const LD = 'powerpc64le-linux-gnu-ld';
export const QEMU = process.env.PPCVM_QEMU ?? 'qemu-ppc64le';

/** Address of the 64-byte memory window every case gets (fixed by the link). */
export const MEM = 0x10800000;
const DATA = 0x10800000;

export const GPRS = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12] as const;
export const VSRS = [0, 1, 2, 3, 4, 5, 6, 7, 32, 33, 34, 35, 36, 37, 38, 39] as const;

const OFF_GPR = 0;
const OFF_VSR = 80;
const OFF_FPSCR = 336;
const OFF_CR = 344;
const OFF_XER = 352;
const OFF_MEM = 360;
const REC = 432;
const MEM_BYTES = 64;

/** Full state of one case, as BigInts (VSRs as 128-bit numbers, dword 0 in the high half). */
export interface State {
  gpr: bigint[];
  vsr: bigint[];
  fpscr: bigint;
  cr: number;
  xer: bigint;
  mem: Uint8Array;
}

export interface Case {
  /** Assembly lines to run (binutils syntax, `-mpower9`). */
  readonly asm: string;
  readonly init: State;
}

export interface CaseResult {
  readonly c: Case;
  readonly qemu: State;
  readonly ours: State;
}

const M64 = (1n << 64n) - 1n;

function program(cases: readonly Case[]): string {
  const L: string[] = [
    '.abiversion 2',
    '.machine power9',
    '.text',
    '.globl _start',
    '_start:',
    '  lis 31,inputs@ha',
    '  addi 31,31,inputs@l',
    '  lis 30,outputs@ha',
    '  addi 30,30,outputs@l',
    '  lis 27,mem@ha',
    '  addi 27,27,mem@l',
    '  mr 26,30',
  ];
  for (const c of cases) {
    L.push(`  lfd 31,${OFF_FPSCR}(31)`, '  mtfsf 0xff,31,1,0');
    L.push(`  lwz 28,${OFF_CR}(31)`, '  mtcrf 0xff,28');
    L.push(`  ld 28,${OFF_XER}(31)`, '  mtxer 28');
    for (let k = 0; k < MEM_BYTES; k += 8) L.push(`  ld 28,${OFF_MEM + k}(31)`, `  std 28,${k}(27)`);
    VSRS.forEach((v, i) => {
      L.push(`  addi 29,31,${OFF_VSR + 16 * i}`, `  lxvd2x ${v},0,29`);
    });
    GPRS.forEach((g, i) => {
      L.push(`  ld ${g},${OFF_GPR + 8 * i}(31)`);
    });
    for (const line of c.asm.split(/\n|;/)) L.push(`  ${line.trim()}`);
    GPRS.forEach((g, i) => {
      L.push(`  std ${g},${OFF_GPR + 8 * i}(30)`);
    });
    VSRS.forEach((v, i) => {
      L.push(`  addi 29,30,${OFF_VSR + 16 * i}`, `  stxvd2x ${v},0,29`);
    });
    L.push('  mffs 31', `  stfd 31,${OFF_FPSCR}(30)`);
    L.push('  mfcr 28', `  stw 28,${OFF_CR}(30)`);
    L.push('  mfxer 28', `  std 28,${OFF_XER}(30)`);
    for (let k = 0; k < MEM_BYTES; k += 8) L.push(`  ld 28,${k}(27)`, `  std 28,${OFF_MEM + k}(30)`);
    L.push(`  addi 31,31,${REC}`, `  addi 30,30,${REC}`);
  }
  L.push(
    '  li 0,4',
    '  li 3,1',
    '  mr 4,26',
    `  lis 5,${(REC * cases.length) >>> 16}`,
    `  ori 5,5,${(REC * cases.length) & 0xffff}`,
    '  sc',
    '  li 0,1',
    '  li 3,0',
    '  sc',
  );
  return `${L.join('\n')}\n`;
}

function encodeInputs(cases: readonly Case[]): Buffer {
  const b = Buffer.alloc(REC * cases.length);
  cases.forEach((c, i) => {
    const o = i * REC;
    const st = c.init;
    GPRS.forEach((_, k) => {
      b.writeBigUInt64LE(BigInt.asUintN(64, st.gpr[k]!), o + OFF_GPR + 8 * k);
    });
    VSRS.forEach((_, k) => {
      const v = BigInt.asUintN(128, st.vsr[k]!);
      b.writeBigUInt64LE(v >> 64n, o + OFF_VSR + 16 * k);
      b.writeBigUInt64LE(v & M64, o + OFF_VSR + 16 * k + 8);
    });
    b.writeBigUInt64LE(BigInt.asUintN(64, st.fpscr), o + OFF_FPSCR);
    b.writeUInt32LE(st.cr >>> 0, o + OFF_CR);
    b.writeBigUInt64LE(BigInt.asUintN(64, st.xer), o + OFF_XER);
    Buffer.from(st.mem).copy(b, o + OFF_MEM);
  });
  return b;
}

function decodeOutputs(b: Uint8Array, n: number): State[] {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const out: State[] = [];
  for (let i = 0; i < n; i++) {
    const o = i * REC;
    out.push({
      gpr: GPRS.map((_, k) => buf.readBigUInt64LE(o + OFF_GPR + 8 * k)),
      vsr: VSRS.map(
        (_, k) => (buf.readBigUInt64LE(o + OFF_VSR + 16 * k) << 64n) | buf.readBigUInt64LE(o + OFF_VSR + 16 * k + 8),
      ),
      fpscr: buf.readBigUInt64LE(o + OFF_FPSCR),
      cr: buf.readUInt32LE(o + OFF_CR),
      xer: buf.readBigUInt64LE(o + OFF_XER),
      mem: new Uint8Array(buf.subarray(o + OFF_MEM, o + OFF_MEM + MEM_BYTES)),
    });
  }
  return out;
}

/** Assemble and link the batch; returns the ELF bytes. */
export function buildElf(cases: readonly Case[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'p9-rig-'));
  try {
    const src = join(dir, 't.s');
    let text = program(cases);
    // The input table follows the memory window in .data; the output table in .bss after it.
    text += '.data\n.balign 4096\nmem: .space 4096\ninputs:\n';
    writeFileSync(join(dir, 'in.bin'), encodeInputs(cases));
    text += `.incbin "${join(dir, 'in.bin')}"\n.bss\n.balign 16\noutputs: .space ${REC * cases.length}\n`;
    writeFileSync(src, text);
    execFileSync(AS, ['-mpower9', '-a64', '-mlittle', src, '-o', join(dir, 't.o')]);
    execFileSync(LD, [
      '-static',
      '-Ttext=0x10000000',
      `-Tdata=0x${DATA.toString(16)}`,
      join(dir, 't.o'),
      '-o',
      join(dir, 't'),
    ]);
    return new Uint8Array(readFileSync(join(dir, 't')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run the ELF under QEMU user mode (-cpu power9); returns stdout. */
export function runQemu9(elf: Uint8Array): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'p9-qemu-'));
  try {
    const path = join(dir, 't');
    writeFileSync(path, elf, { mode: 0o755 });
    const r = spawnSync(QEMU, ['-cpu', 'power9', path], { maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`qemu: status ${r.status} signal ${r.signal} ${r.stderr.toString()}`);
    return new Uint8Array(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Seg {
  start: number;
  end: number;
  off: number;
  w: boolean;
}

/** Run the ELF on our Cpu (model power9) with write/exit system calls only; returns stdout. */
export function runOurs(elf: Uint8Array): Uint8Array {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const phoff = Number(dv.getBigUint64(0x20, true));
  const phnum = dv.getUint16(0x38, true);
  const entry = Number(dv.getBigUint64(0x18, true));
  const segs: Seg[] = [];
  let size = 0;
  const loads: { vaddr: number; offset: number; filesz: number; seg: Seg }[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + 56 * i;
    if (dv.getUint32(p, true) !== 1) continue;
    const flags = dv.getUint32(p + 4, true);
    const offset = Number(dv.getBigUint64(p + 8, true));
    const vaddr = Number(dv.getBigUint64(p + 16, true));
    const filesz = Number(dv.getBigUint64(p + 32, true));
    const memsz = Number(dv.getBigUint64(p + 40, true));
    const start = Math.floor(vaddr / 4096) * 4096;
    const end = Math.ceil((vaddr + memsz) / 4096) * 4096;
    const seg = { start, end, off: size, w: (flags & 2) !== 0 };
    size += end - start;
    segs.push(seg);
    loads.push({ vaddr, offset, filesz, seg });
  }
  const ram = new ArrayBuffer(size);
  const u8 = new Uint8Array(ram);
  for (const l of loads) u8.set(elf.subarray(l.offset, l.offset + l.filesz), l.seg.off + (l.vaddr - l.seg.start));
  const find = (a: number) => segs.find((s) => a >= s.start && a < s.end);
  const chunks: Uint8Array[] = [];
  let exited = false;
  const cpu = new Cpu({
    ram,
    model: 'power9',
    translator: {
      translate(hi, lo, access) {
        const a = (hi >>> 0) * 4294967296 + (lo >>> 0);
        const s = find(a);
        if (!s) return TranslateFault.Unmapped;
        if (access === Access.Store && !s.w) return TranslateFault.Protection;
        return s.off + (a - s.start);
      },
    },
    hooks: {
      syscall(c: Cpu) {
        const nr = Number(c.getGpr(0));
        if (nr === 4) {
          const a = Number(c.getGpr(4));
          const n = Number(c.getGpr(5));
          const s = find(a)!;
          chunks.push(u8.slice(s.off + (a - s.start), s.off + (a - s.start) + n));
          c.setGpr(3, BigInt(n));
          c.s[CR] = c.s[CR]! & ~(1 << 28);
          return;
        }
        exited = true;
        c.requestStop({ kind: 'exit', code: Number(c.getGpr(3) & 0xffn) });
      },
    },
  });
  cpu.set64(PC, BigInt(entry));
  const stop = cpu.run(100_000_000);
  if (!exited)
    throw new Error(
      `our cpu stopped: ${JSON.stringify(stop, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v))}`,
    );
  const n = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Run a batch on both sides. */
export function runBoth(cases: readonly Case[]): CaseResult[] {
  const elf = buildElf(cases);
  const q = decodeOutputs(runQemu9(elf), cases.length);
  const o = decodeOutputs(runOurs(elf), cases.length);
  return cases.map((c, i) => ({ c, qemu: q[i]!, ours: o[i]! }));
}

const hex = (v: bigint, w: number) => `0x${v.toString(16).padStart(w, '0')}`;

/** Field-by-field differences of two states (`mask` drops FPSCR bits from the comparison). */
export function diffStates(a: State, b: State, fpscrMask = -1n): string[] {
  const d: string[] = [];
  GPRS.forEach((g, k) => {
    if (a.gpr[k] !== b.gpr[k]) d.push(`r${g}: ours ${hex(a.gpr[k]!, 16)} qemu ${hex(b.gpr[k]!, 16)}`);
  });
  VSRS.forEach((v, k) => {
    if (a.vsr[k] !== b.vsr[k]) d.push(`vs${v}: ours ${hex(a.vsr[k]!, 32)} qemu ${hex(b.vsr[k]!, 32)}`);
  });
  if ((a.fpscr & fpscrMask) !== (b.fpscr & fpscrMask))
    d.push(`fpscr: ours ${hex(a.fpscr, 16)} qemu ${hex(b.fpscr, 16)}`);
  if (a.cr !== b.cr) d.push(`cr: ours ${hex(BigInt(a.cr), 8)} qemu ${hex(BigInt(b.cr), 8)}`);
  if (a.xer !== b.xer) d.push(`xer: ours ${hex(a.xer, 16)} qemu ${hex(b.xer, 16)}`);
  for (let i = 0; i < MEM_BYTES; i++) {
    if (a.mem[i] !== b.mem[i]) {
      d.push(`mem: ours ${Buffer.from(a.mem).toString('hex')} qemu ${Buffer.from(b.mem).toString('hex')}`);
      break;
    }
  }
  return d;
}

/** Deterministic xorshift-based random source for case generation. */
export class Rand {
  private x: number;
  constructor(seed: number) {
    this.x = seed >>> 0 || 1;
  }
  u32(): number {
    let x = this.x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.x = x >>> 0;
    return this.x;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  u128(): bigint {
    return (this.u64() << 64n) | this.u64();
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

/** A random state: every register and the memory window filled from `r`. */
export function randomState(r: Rand): State {
  return {
    gpr: GPRS.map(() => r.u64()),
    vsr: VSRS.map(() => r.u128()),
    fpscr: 0n,
    cr: r.u32(),
    xer: BigInt(r.u32() & 0xe00c0000),
    mem: r.bytes(MEM_BYTES),
  };
}

/** Index into State.vsr of VSR n (0-7, 32-39), or of VR n when `vr` (VSR 32+n). */
export function vsrIndex(n: number, vr = false): number {
  const i = VSRS.indexOf((vr ? n + 32 : n) as (typeof VSRS)[number]);
  if (i < 0) throw new Error(`VSR ${vr ? n + 32 : n} is not part of the rig state`);
  return i;
}

export function gprIndex(n: number): number {
  const i = GPRS.indexOf(n as (typeof GPRS)[number]);
  if (i < 0) throw new Error(`r${n} is not part of the rig state`);
  return i;
}
