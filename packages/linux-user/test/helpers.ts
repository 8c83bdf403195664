/** Test helpers: a tiny ELF64 LE PowerPC64 writer and a few instruction encoders. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SegmentSpec {
  type?: number; // default PT_LOAD
  vaddr: number;
  flags: number; // PF_R=4, PF_W=2, PF_X=1
  data?: Uint8Array;
  memsz?: number;
  /** Map the file from offset 0 (ELF header and program headers included); data starts at vaddr + HEADER_PAD. */
  withHeaders?: boolean;
}

/** Where a `withHeaders` segment's data starts, relative to its vaddr. */
export const HEADER_PAD = 0x1000;

export interface ElfSpec {
  type?: number; // ET_EXEC (2) default
  entry: number;
  segments: SegmentSpec[];
  flags?: number; // e_flags, default 2 (ELFv2)
  machine?: number;
  cls?: number;
  data?: number;
}

/** Build an ELF image: header, program headers, then each segment's bytes page-aligned in the file. */
export function buildElf(spec: ElfSpec): Uint8Array {
  const phnum = spec.segments.length;
  const headerEnd = 64 + 56 * phnum;
  // Lay segments out so that offset % 64K == vaddr % 64K (like ld does for 64K pages).
  const offsets: number[] = [];
  let cursor = headerEnd;
  for (const s of spec.segments) {
    const data = s.data ?? new Uint8Array(0);
    if (s.withHeaders) {
      offsets.push(0);
      cursor = Math.max(cursor, HEADER_PAD + data.length);
      continue;
    }
    const want = s.vaddr % 0x10000;
    let off = Math.ceil(cursor / 0x10000) * 0x10000 + want;
    if (off - 0x10000 >= cursor) off -= 0x10000;
    offsets.push(off);
    cursor = off + data.length;
  }
  const out = new Uint8Array(Math.max(cursor, headerEnd));
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, spec.cls ?? 2, spec.data ?? 1, 1, 0]);
  dv.setUint16(16, spec.type ?? 2, true);
  dv.setUint16(18, spec.machine ?? 21, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, BigInt(spec.entry), true);
  dv.setBigUint64(32, 64n, true);
  dv.setUint32(48, spec.flags ?? 2, true);
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, phnum, true);
  spec.segments.forEach((s, i) => {
    const o = 64 + 56 * i;
    const data = s.data ?? new Uint8Array(0);
    const filesz = s.withHeaders ? HEADER_PAD + data.length : data.length;
    dv.setUint32(o, s.type ?? 1, true);
    dv.setUint32(o + 4, s.flags, true);
    dv.setBigUint64(o + 8, BigInt(offsets[i]!), true);
    dv.setBigUint64(o + 16, BigInt(s.vaddr), true);
    dv.setBigUint64(o + 24, BigInt(s.vaddr), true);
    dv.setBigUint64(o + 32, BigInt(filesz), true);
    dv.setBigUint64(o + 40, BigInt(s.memsz ?? filesz), true);
    dv.setBigUint64(o + 48, 0x10000n, true);
    out.set(data, offsets[i]! + (s.withHeaders ? HEADER_PAD : 0));
  });
  return out;
}

/** Instruction words (Power ISA Book I encodings). */
export const insn = {
  li: (rt: number, si: number): number => ((14 << 26) | (rt << 21) | (si & 0xffff)) >>> 0,
  sc: (): number => 0x44000002,
  /** b . */
  loop: (): number => 0x48000000,
  /** tw 31,0,0: unconditional trap */
  trap: (): number => 0x7fe00008,
  addi: (rt: number, ra: number, si: number): number => ((14 << 26) | (rt << 21) | (ra << 16) | (si & 0xffff)) >>> 0,
  /** bcl 20,31,$+4: the PC-relative addressing idiom (LR = next instruction) */
  bclNext: (): number => 0x429f0005,
  mflr: (rt: number): number => ((31 << 26) | (rt << 21) | (0x100 << 11) | (339 << 1)) >>> 0,
  /** ld rt, d(ra) */
  ld: (rt: number, d: number, ra: number): number => ((58 << 26) | (rt << 21) | (ra << 16) | (d & 0xfffc)) >>> 0,
};

export function code(words: number[]): Uint8Array {
  const b = new Uint8Array(words.length * 4);
  const dv = new DataView(b.buffer);
  words.forEach((w, i) => {
    dv.setUint32(4 * i, w, true);
  });
  return b;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'ppcvm-lu-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Write an ELF built from `spec` into `dir` and return its path. */
export function writeElf(dir: string, name: string, spec: ElfSpec): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, buildElf(spec), { mode: 0o755 });
  return p;
}
