/**
 * Program loading the way Linux's fs/binfmt_elf.c does it for a ppc64 static
 * executable: PT_LOAD segments at their addresses (ET_EXEC) or at a load bias
 * (static-PIE ET_DYN), bss zeroed, brk after the image, then the initial stack
 * (strings at the top, then platform strings, AT_RANDOM bytes, and argc / argv
 * / envp / auxv 16-byte aligned), and the ELF entry state of
 * arch/powerpc/kernel/process.c start_thread().
 */
import { AT_, PAGE_SIZE, PROT } from './abi.js';
import { ElfError, type ElfFile, ET_DYN, PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_PHDR } from './elf.js';
import type { AddressSpace } from './memory.js';

/** Where Linux puts a static-PIE without an interpreter (ELF_ET_DYN_BASE for 64-bit tasks, no randomisation). */
export const DYN_BASE = 0x1_0000_0000;

export interface LoadedImage {
  /** Added to every p_vaddr (0 for ET_EXEC). */
  readonly loadBias: number;
  /** AT_ENTRY: e_entry + bias (for ELFv1, the address of the entry function descriptor). */
  readonly entry: number;
  readonly elfv2: boolean;
  /** AT_PHDR / AT_PHENT / AT_PHNUM. */
  readonly phdr: number;
  readonly phent: number;
  readonly phnum: number;
  /** Page-aligned end of the highest segment: the initial program break. */
  readonly brk: number;
  /** PT_GNU_STACK asked for an executable stack. */
  readonly execStack: boolean;
  /** Lowest and highest (exclusive) addresses of the image. */
  readonly start: number;
  readonly end: number;
}

function pageDown(a: number): number {
  return Math.floor(a / PAGE_SIZE) * PAGE_SIZE;
}

function pageUp(a: number): number {
  return Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;
}

function segProt(flags: number): number {
  return (flags & PF_R ? PROT.READ : 0) | (flags & PF_W ? PROT.WRITE : 0) | (flags & PF_X ? PROT.EXEC : 0);
}

/** Map and fill the program's segments. Throws ElfError for programs we cannot run. */
export function loadElf(as: AddressSpace, elf: ElfFile): LoadedImage {
  if (elf.interp !== null) {
    throw new ElfError(`dynamically linked program (interpreter ${elf.interp}); only static programs are supported`);
  }
  const loads = elf.phdrs.filter((p) => p.type === PT_LOAD);
  const minVaddr = pageDown(Math.min(...loads.map((p) => p.vaddr)));
  const maxVaddr = Math.max(...loads.map((p) => p.vaddr + p.memsz));
  const bias = elf.type === ET_DYN ? DYN_BASE - minVaddr : 0;
  if (elf.type !== ET_DYN && minVaddr < PAGE_SIZE) throw new ElfError('ET_EXEC segment below the first 64 KiB page');

  const total = loads.reduce((t, p) => t + Math.ceil((p.memsz + (p.vaddr % PAGE_SIZE)) / PAGE_SIZE), 0);
  if (!as.canMap(total)) throw new ElfError(`segments need ${total} pages, more than the address space allows`);
  // Pages shared by two segments get the union of their permissions.
  const pageProt = new Map<number, number>();
  for (const p of loads) {
    if (p.memsz === 0) continue;
    const first = pageDown(p.vaddr + bias) / PAGE_SIZE;
    const last = (pageUp(p.vaddr + bias + p.memsz) - 1) / PAGE_SIZE;
    for (let v = first; v <= Math.floor(last); v++) pageProt.set(v, (pageProt.get(v) ?? 0) | segProt(p.flags));
  }
  for (const [vpn, prot] of pageProt) as.map(vpn, 1, prot);

  for (const p of loads) {
    if (p.memsz === 0) continue;
    const va = p.vaddr + bias;
    // Like mmap of the file, the first page also holds the file bytes that precede the segment.
    const lead = Math.min(va % PAGE_SIZE, p.offset);
    as.poke(va - lead, elf.bytes, p.offset - lead, p.filesz + lead);
    // bss, and the rest of the last file page (binfmt_elf's padzero).
    const fileEnd = va + p.filesz;
    const zeroEnd = p.memsz > p.filesz ? va + p.memsz : pageUp(fileEnd);
    if (zeroEnd > fileEnd) as.zero(fileEnd, zeroEnd - fileEnd);
  }

  let phdr = 0;
  const pt = elf.phdrs.find((p) => p.type === PT_PHDR);
  if (pt) phdr = pt.vaddr + bias;
  else {
    const holder = loads.find(
      (p) => p.offset <= elf.phoff && elf.phoff + elf.phnum * elf.phentsize <= p.offset + p.filesz,
    );
    if (holder) phdr = elf.phoff - holder.offset + holder.vaddr + bias;
  }
  const stack = elf.phdrs.find((p) => p.type === PT_GNU_STACK);
  if (elf.phdrs.some((p) => p.type === PT_INTERP)) throw new ElfError('dynamically linked program');
  return {
    loadBias: bias,
    entry: elf.entry + bias,
    elfv2: elf.abiVersion === 2,
    phdr,
    phent: elf.phentsize,
    phnum: elf.phnum,
    brk: pageUp(maxVaddr + bias),
    execStack: stack ? (stack.flags & PF_X) !== 0 : false,
    start: minVaddr + bias,
    end: maxVaddr + bias,
  };
}

/** A string for the new program: text (encoded as UTF-8) or raw bytes (as a guest passed them to execve). */
export type StackString = string | Uint8Array;

export interface StackInit {
  readonly argv: readonly StackString[];
  readonly envp: readonly StackString[];
  /** The file name as passed to execve (AT_EXECFN). */
  readonly execfn: StackString;
  readonly hwcap: number;
  readonly hwcap2: number;
  /** AT_PLATFORM / AT_BASE_PLATFORM strings, or null to omit. */
  readonly platform: string | null;
  readonly basePlatform: string | null;
  /** 16 bytes for AT_RANDOM. */
  readonly random: Uint8Array;
  readonly uid: number;
  readonly euid: number;
  readonly gid: number;
  readonly egid: number;
  readonly secure?: boolean;
  /** L1 data/instruction cache block size (POWER7/8/9: 128). */
  readonly cacheBlock?: number;
}

export interface InitialStack {
  /** r1 at entry: points at argc. */
  readonly sp: number;
  readonly argvAddrs: readonly number[];
  readonly envpAddrs: readonly number[];
  readonly execfnAddr: number;
  readonly randomAddr: number;
  readonly platformAddr: number;
  /** The auxiliary vector written, as (type, value) pairs without the AT_NULL terminator. */
  readonly auxv: ReadonlyArray<readonly [number, number]>;
}

const enc = new TextEncoder();

/**
 * Build the initial process stack below `top` (the end of the mapped stack
 * region), following create_elf_tables() in fs/binfmt_elf.c and the order in
 * which execve copies strings (file name highest, then environment, then
 * arguments; each list ascending in memory).
 */
export function buildInitialStack(as: AddressSpace, top: number, img: LoadedImage, init: StackInit): InitialStack {
  let p = top - 8; // execve leaves one NULL pointer at the very top
  const zero8 = new Uint8Array(8);
  put(as, p, zero8);
  const pushStr = (s: StackString): number => {
    const b = typeof s === 'string' ? enc.encode(s) : s;
    p -= b.length + 1;
    put(as, p, b);
    put(as, p + b.length, zero8.subarray(0, 1));
    return p;
  };
  const execfnAddr = pushStr(init.execfn);
  const envpAddrs: number[] = [];
  for (let i = init.envp.length - 1; i >= 0; i--) envpAddrs.unshift(pushStr(init.envp[i]!));
  const argvAddrs: number[] = [];
  for (let i = init.argv.length - 1; i >= 0; i--) argvAddrs.unshift(pushStr(init.argv[i]!));

  // arch_align_stack() on powerpc (no randomisation): 16-byte alignment.
  p = Math.floor(p / 16) * 16;
  let platformAddr = 0;
  let basePlatformAddr = 0;
  if (init.platform !== null) platformAddr = pushStr(init.platform);
  if (init.basePlatform !== null) basePlatformAddr = pushStr(init.basePlatform);
  if (init.random.length !== 16) throw new RangeError('AT_RANDOM needs 16 bytes');
  p -= 16;
  const randomAddr = p;
  put(as, p, init.random);

  const block = init.cacheBlock ?? 128;
  // ARCH_DLINFO (arch/powerpc/include/asm/elf.h) first, then the generic entries in create_elf_tables order.
  const auxv: Array<readonly [number, number]> = [
    [AT_.IGNOREPPC, AT_.IGNOREPPC],
    [AT_.IGNOREPPC, AT_.IGNOREPPC],
    [AT_.DCACHEBSIZE, block],
    [AT_.ICACHEBSIZE, block],
    [AT_.UCACHEBSIZE, 0],
    [AT_.HWCAP, init.hwcap],
    [AT_.PAGESZ, PAGE_SIZE],
    [AT_.CLKTCK, 100],
    [AT_.PHDR, img.phdr],
    [AT_.PHENT, img.phent],
    [AT_.PHNUM, img.phnum],
    [AT_.BASE, 0],
    [AT_.FLAGS, 0],
    [AT_.ENTRY, img.entry],
    [AT_.UID, init.uid],
    [AT_.EUID, init.euid],
    [AT_.GID, init.gid],
    [AT_.EGID, init.egid],
    [AT_.SECURE, init.secure ? 1 : 0],
    [AT_.RANDOM, randomAddr],
    [AT_.HWCAP2, init.hwcap2],
    [AT_.EXECFN, execfnAddr],
  ];
  if (init.platform !== null) auxv.push([AT_.PLATFORM, platformAddr]);
  if (init.basePlatform !== null) auxv.push([AT_.BASE_PLATFORM, basePlatformAddr]);

  const words = 1 + (argvAddrs.length + 1) + (envpAddrs.length + 1) + 2 * (auxv.length + 1);
  const sp = Math.floor((p - words * 8) / 16) * 16;
  const table = new Uint8Array(words * 8);
  const dv = new DataView(table.buffer);
  let w = 0;
  const word = (v: number): void => {
    dv.setBigUint64(w, BigInt(v), true);
    w += 8;
  };
  word(init.argv.length);
  for (const a of argvAddrs) word(a);
  word(0);
  for (const a of envpAddrs) word(a);
  word(0);
  for (const [t, v] of auxv) {
    word(t);
    word(v);
  }
  word(AT_.NULL);
  word(0);
  put(as, sp, table);
  return { sp, argvAddrs, envpAddrs, execfnAddr, randomAddr, platformAddr, auxv };
}

function put(as: AddressSpace, addr: number, bytes: Uint8Array): void {
  if (!as.write(addr, bytes))
    throw new RangeError(`initial stack overflows the stack mapping at 0x${addr.toString(16)}`);
}
