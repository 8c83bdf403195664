/**
 * The CPU: register state, soft TLB, predecoded code pages and the run loop.
 * Instruction semantics live in ./isa/*, one file per ISA chapter.
 */
import type { Exec } from './table.js';
import { type CpuModelName, type DecodedInsn, decoderFor, type ModelDecoder } from './decode.js';
import {
  CR,
  CTR,
  LR,
  TAR,
  VRSAVE,
  FPSCR,
  GPR,
  MSR,
  MSR_HI_SF,
  MSR_LO_FE0,
  MSR_LO_FE1,
  MSR_LO_EE,
  MSR_LO_FP,
  MSR_LO_LE,
  MSR_LO_PR,
  MSR_LO_VEC,
  MSR_LO_VSX,
  PC,
  RESV_VALID,
  STATE_BYTES,
  VSCR,
  XER_BC,
  XER_CA,
  XER_CA32,
  XER_OV,
  XER_OV32,
  XER_SO,
} from './state.js';

/** Kinds of memory access, as the translator sees them. */
export const Access = {
  Load: 0,
  Store: 1,
  Fetch: 2,
} as const;
export type Access = (typeof Access)[keyof typeof Access];

/** Result codes a translator returns instead of a page offset. */
export const TranslateFault = {
  /** No mapping (segfault in user mode, DSI/ISI in system mode). */
  Unmapped: -1,
  /** Mapping exists but forbids the access. */
  Protection: -2,
} as const;
export type TranslateFault = (typeof TranslateFault)[keyof typeof TranslateFault];

/**
 * Effective-to-RAM translation, supplied by the embedder (a user-mode address
 * space, or the system MMU). Called only on soft-TLB misses.
 */
export interface AddressTranslator {
  /**
   * Translate the 4 KiB page holding effective address (eaHi:eaLo) for an
   * access. Returns the byte offset of that page in RAM (a multiple of 4096),
   * or a negative {@link TranslateFault}.
   */
  translate(eaHi: number, eaLo: number, access: Access): number;
}

/** Why `run` returned. */
export type StopReason =
  | { readonly kind: 'budget' }
  | { readonly kind: 'requested'; readonly reason: string }
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'illegal'; readonly pc: bigint; readonly word: number }
  | { readonly kind: 'unimplemented'; readonly pc: bigint; readonly word: number; readonly mnemonic: string }
  | { readonly kind: 'fault'; readonly pc: bigint; readonly address: bigint; readonly access: 'load' | 'store' | 'fetch'; readonly fault: 'unmapped' | 'protection' }
  | { readonly kind: 'trap'; readonly pc: bigint; readonly word: number }
  | { readonly kind: 'alignment'; readonly pc: bigint; readonly address: bigint; readonly access: 'load' | 'store' }
  | { readonly kind: 'syscall'; readonly pc: bigint; readonly lev: number }
  | { readonly kind: 'fp-exception'; readonly pc: bigint; readonly fpscr: number }
  | { readonly kind: 'facility-unavailable'; readonly pc: bigint; readonly facility: 'fp' | 'vmx' | 'vsx' }
  | { readonly kind: 'breakpoint'; readonly pc: bigint };

/** Embedder hooks. All are optional. */
export interface CpuHooks {
  /**
   * `sc` (system call). Called with the PC already pointing after the `sc`;
   * the handler reads and writes registers through the Cpu API. To stop the
   * CPU (e.g. on exit), call `cpu.requestStop(...)`.
   */
  syscall?(cpu: Cpu, lev: number): void;
}

/** A guest memory fault thrown by memory slow paths and caught by the run loop. */
export class GuestFault {
  constructor(
    public access: Access,
    public eaHi: number,
    public eaLo: number,
    public code: number,
  ) {}
}

const TLB_SIZE = 256;
const TLB_MASK = TLB_SIZE - 1;
/** A tag that no page-aligned address can equal. */
const NO_TAG = 1;
const PAGE_SLOTS = 1024;

/** 2^32 as a double. */
const TWO32 = 4294967296;

export interface CpuOptions {
  /** Guest RAM (physical memory, or user-mode backing store). */
  readonly ram: ArrayBuffer | SharedArrayBuffer;
  readonly translator: AddressTranslator;
  readonly hooks?: CpuHooks;
  /** CPU model (instruction availability); default 'power8'. */
  readonly model?: CpuModelName;
}

export class Cpu {
  /** Architected state; see ./state.ts for the layout. */
  readonly state: ArrayBuffer;
  readonly s: Int32Array;
  readonly u32: Uint32Array;
  readonly f64: Float64Array;
  readonly ram: ArrayBuffer | SharedArrayBuffer;
  readonly dv: DataView;
  readonly u8: Uint8Array;
  readonly translator: AddressTranslator;
  hooks: CpuHooks;

  /** MSR[LE] and MSR[SF] cached for the hot paths. */
  le = false;
  sf = true;
  /** High half of an effective address computed by the ea helpers. */
  eah = 0;
  /** High half of the last 64-bit load. */
  rhi = 0;
  /** Instructions executed since creation. */
  icount = 0;
  /** SPRs without a dedicated slot in `s`: halves at 2*n (lo) and 2*n+1 (hi). */
  readonly sprs = new Int32Array(2048);
  /** Timebase source: ticks as a (safe-integer) number. Default: host monotonic clock at 512 MHz. */
  timebase: () => number = () => Math.floor(performance.now() * 512_000);

  private readonly rTagLo = new Int32Array(TLB_SIZE).fill(NO_TAG);
  private readonly rTagHi = new Int32Array(TLB_SIZE);
  private readonly rOff = new Float64Array(TLB_SIZE);
  private readonly wTagLo = new Int32Array(TLB_SIZE).fill(NO_TAG);
  private readonly wTagHi = new Int32Array(TLB_SIZE);
  private readonly wOff = new Float64Array(TLB_SIZE);
  private readonly fTagLo = new Int32Array(TLB_SIZE).fill(NO_TAG);
  private readonly fTagHi = new Int32Array(TLB_SIZE);
  private readonly fOff = new Float64Array(TLB_SIZE);

  /** Predecoded code per RAM page: an Exec per instruction slot, lazily decoded. */
  private readonly codePages = new Map<number, Exec<Cpu>[]>();
  /** 1 where a RAM page holds predecoded code: stores there take the slow path. */
  private readonly codeMark: Uint8Array;
  private pendingStop: StopReason | null = null;
  private readonly decodeStub: Exec<Cpu>;
  readonly model: CpuModelName;
  private readonly decoder: ModelDecoder;

  constructor(opts: CpuOptions) {
    this.state = new ArrayBuffer(STATE_BYTES);
    this.s = new Int32Array(this.state);
    this.u32 = new Uint32Array(this.state);
    this.f64 = new Float64Array(this.state);
    this.ram = opts.ram;
    this.dv = new DataView(opts.ram);
    this.u8 = new Uint8Array(opts.ram);
    this.translator = opts.translator;
    this.hooks = opts.hooks ?? {};
    this.codeMark = new Uint8Array(Math.ceil(opts.ram.byteLength / 4096));
    this.decodeStub = (c: Cpu) => c.decodeAndRun();
    this.model = opts.model ?? 'power8';
    this.decoder = decoderFor(this.model);
    // Default: a 64-bit little-endian problem-state thread with FP, VMX and VSX enabled (user mode).
    this.setMsr(MSR_HI_SF, MSR_LO_LE | MSR_LO_PR | MSR_LO_FP | MSR_LO_VEC | MSR_LO_VSX | MSR_LO_EE);
  }

  // ---- MSR ------------------------------------------------------------------------------------

  setMsr(hi: number, lo: number): void {
    const s = this.s;
    s[MSR] = lo;
    s[MSR + 1] = hi;
    this.le = (lo & MSR_LO_LE) !== 0;
    this.sf = (hi & MSR_HI_SF) !== 0;
  }

  // ---- stops ----------------------------------------------------------------------------------

  /** Ask the run loop to return after the current instruction. */
  requestStop(reason: StopReason): void {
    this.pendingStop = reason;
  }

  pcBig(): bigint {
    return (BigInt(this.s[PC + 1]! >>> 0) << 32n) | BigInt(this.s[PC]! >>> 0);
  }

  // ---- the run loop ---------------------------------------------------------------------------

  /** Execute up to `budget` instructions. */
  run(budget: number): StopReason {
    const s = this.s;
    this.pendingStop = null;
    let done = 0;
    // Slot index and first slot of the page being executed, kept outside the try so a fault can account for progress.
    let idx = 0;
    let first = 0;
    try {
      while (done < budget) {
        const pcLo = s[PC]!;
        const ops = this.codePageFor(s[PC + 1]!, pcLo);
        const base = pcLo & ~0xfff;
        idx = first = (pcLo & 0xfff) >>> 2;
        let limit = budget - done;
        if (limit > PAGE_SLOTS - idx) limit = PAGE_SLOTS - idx;
        const end = idx + limit;
        let r = 0;
        while (idx < end) {
          s[PC] = base + (idx << 2);
          r = ops[idx]!(this);
          idx++;
          if (r !== 0) break;
        }
        done += idx - first;
        first = idx;
        if (r === 0) {
          // Fell through: the PC moves to the next instruction (possibly onto the next page).
          const next = (s[PC]! >>> 0) + 4;
          s[PC] = next | 0;
          if (next >= TWO32) s[PC + 1] = this.sf ? (s[PC + 1]! + 1) | 0 : 0;
        } else if (this.pendingStop) {
          break;
        }
      }
    } catch (e) {
      // The faulting instruction did not complete.
      this.icount += done + idx - first;
      if (e instanceof GuestFault) return this.faultStop(e);
      throw e;
    }
    this.icount += done;
    const stop = this.pendingStop;
    this.pendingStop = null;
    return stop ?? { kind: 'budget' };
  }

  private faultStop(e: GuestFault): StopReason {
    return {
      kind: 'fault',
      pc: this.pcBig(),
      address: (BigInt(e.eaHi >>> 0) << 32n) | BigInt(e.eaLo >>> 0),
      access: e.access === Access.Load ? 'load' : e.access === Access.Store ? 'store' : 'fetch',
      fault: e.code === TranslateFault.Protection ? 'protection' : 'unmapped',
    };
  }

  private codePageFor(pcHi: number, pcLo: number): Exec<Cpu>[] {
    const i = (pcLo >>> 12) & TLB_MASK;
    let off: number;
    if (this.fTagLo[i] === (pcLo & ~0xfff) && this.fTagHi[i] === pcHi) {
      off = this.fOff[i]!;
    } else {
      off = this.translator.translate(pcHi, pcLo & ~0xfff, Access.Fetch);
      if (off < 0) throw new GuestFault(Access.Fetch, pcHi, pcLo, off);
      this.fTagLo[i] = pcLo & ~0xfff;
      this.fTagHi[i] = pcHi;
      this.fOff[i] = off;
    }
    const page = off / 4096;
    let ops = this.codePages.get(page);
    if (!ops) {
      ops = new Array<Exec<Cpu>>(PAGE_SLOTS).fill(this.decodeStub);
      this.codePages.set(page, ops);
      this.codeMark[page] = 1;
      // Stores to this page must now see the slow path, which drops the decoded code.
      for (let j = 0; j < TLB_SIZE; j++) if (this.wOff[j] === off && this.wTagLo[j] !== NO_TAG) this.wTagLo[j] = NO_TAG;
    }
    return ops;
  }

  /** First execution of a slot: decode, install the specialised executor, run it. */
  private decodeAndRun(): number {
    const s = this.s;
    const pcLo = s[PC]!;
    const ops = this.codePageFor(s[PC + 1]!, pcLo);
    const word = this.fetchWord(s[PC + 1]!, pcLo);
    const d = this.decoder.decode(word);
    const exec = this.makeExec(d, word);
    ops[(pcLo & 0xfff) >>> 2] = exec;
    return exec(this);
  }

  private makeExec(d: DecodedInsn<Cpu> | undefined, word: number): Exec<Cpu> {
    if (!d) {
      return (c) => {
        c.requestStop({ kind: 'illegal', pc: c.pcBig(), word });
        return 2;
      };
    }
    if (!d.exec) {
      const mnemonic = d.mnemonic;
      return (c) => {
        c.requestStop({ kind: 'unimplemented', pc: c.pcBig(), word, mnemonic });
        return 2;
      };
    }
    return d.exec;
  }

  /** Read the instruction word at an effective address (through the fetch TLB). */
  fetchWord(hi: number, lo: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    let off: number;
    if (this.fTagLo[i] === (lo & ~0xfff) && this.fTagHi[i] === hi) off = this.fOff[i]!;
    else {
      off = this.translator.translate(hi, lo & ~0xfff, Access.Fetch);
      if (off < 0) throw new GuestFault(Access.Fetch, hi, lo, off);
    }
    return this.dv.getInt32(off + (lo & 0xffc), this.le);
  }

  /** Drop decoded code and every cached translation (e.g. after the address space changed). */
  flushAll(): void {
    this.rTagLo.fill(NO_TAG);
    this.wTagLo.fill(NO_TAG);
    this.fTagLo.fill(NO_TAG);
    for (const [page, ops] of this.codePages) {
      ops.fill(this.decodeStub);
      this.codeMark[page] = 0;
    }
    this.codePages.clear();
  }

  /** Forget decoded instructions in a RAM range (host wrote code, icbi, ...). */
  invalidateCode(ramOffset: number, length: number): void {
    const first = Math.floor(ramOffset / 4096);
    const last = Math.floor((ramOffset + Math.max(length, 1) - 1) / 4096);
    for (let p = first; p <= last; p++) {
      const ops = this.codePages.get(p);
      if (ops) {
        // Refill in place: a run loop iterating this page picks up the re-decode.
        ops.fill(this.decodeStub);
        this.codePages.delete(p);
        this.codeMark[p] = 0;
      }
    }
  }

  // ---- data memory ----------------------------------------------------------------------------

  /** RAM offset for a load at (hi, lo), through the read TLB. */
  private loadOff(hi: number, lo: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.rTagLo[i] === (lo & ~0xfff) && this.rTagHi[i] === hi) return this.rOff[i]! + (lo & 0xfff);
    const off = this.translator.translate(hi, lo & ~0xfff, Access.Load);
    if (off < 0) throw new GuestFault(Access.Load, hi, lo, off);
    this.rTagLo[i] = lo & ~0xfff;
    this.rTagHi[i] = hi;
    this.rOff[i] = off;
    return off + (lo & 0xfff);
  }

  /** RAM offset for a store at (hi, lo), through the write TLB; drops decoded code on that page. */
  private storeOff(hi: number, lo: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wTagLo[i] === (lo & ~0xfff) && this.wTagHi[i] === hi) return this.wOff[i]! + (lo & 0xfff);
    const off = this.translator.translate(hi, lo & ~0xfff, Access.Store);
    if (off < 0) throw new GuestFault(Access.Store, hi, lo, off);
    const page = off / 4096;
    if (this.codeMark[page]) this.invalidateCode(off, 4096);
    else {
      this.wTagLo[i] = lo & ~0xfff;
      this.wTagHi[i] = hi;
      this.wOff[i] = off;
    }
    return off + (lo & 0xfff);
  }

  /** Check the reservation on a store (any store to the reserved granule clears it on other CPUs; here, our own). */

  read8(hi: number, lo: number): number {
    return this.u8[this.loadOff(hi, lo)]!;
  }

  read16(hi: number, lo: number): number {
    if ((lo & 0xfff) > 0xffe) return this.crossLoad(hi, lo, 2);
    return this.dv.getUint16(this.loadOff(hi, lo), this.le);
  }

  /** 32-bit load; returns the value as a signed int32. */
  read32(hi: number, lo: number): number {
    if ((lo & 0xfff) > 0xffc) return this.crossLoad(hi, lo, 4) | 0;
    return this.dv.getInt32(this.loadOff(hi, lo), this.le);
  }

  /** 64-bit load; returns the low half, the high half goes to `rhi`. */
  read64(hi: number, lo: number): number {
    if ((lo & 0xfff) > 0xff8) {
      const a = this.crossLoad(hi, lo, 4) | 0;
      const [h2, l2] = addEa(hi, lo, 4, this.sf);
      const b = this.crossLoad(h2, l2, 4) | 0;
      if (this.le) {
        this.rhi = b;
        return a;
      }
      this.rhi = a;
      return b;
    }
    const off = this.loadOff(hi, lo);
    if (this.le) {
      this.rhi = this.dv.getInt32(off + 4, true);
      return this.dv.getInt32(off, true);
    }
    this.rhi = this.dv.getInt32(off, false);
    return this.dv.getInt32(off + 4, false);
  }

  /** Byte-wise load of `n` bytes crossing a page boundary, in the current byte order. */
  private crossLoad(hi: number, lo: number, n: number): number {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const [h, l] = addEa(hi, lo, k, this.sf);
      const b = this.u8[this.loadOff(h, l)]!;
      v = this.le ? v + b * 2 ** (8 * k) : v * 256 + b;
    }
    return v;
  }

  write8(hi: number, lo: number, v: number): void {
    this.u8[this.storeOff(hi, lo)] = v;
  }

  write16(hi: number, lo: number, v: number): void {
    if ((lo & 0xfff) > 0xffe) return this.crossStore(hi, lo, 2, v);
    this.dv.setUint16(this.storeOff(hi, lo), v, this.le);
  }

  write32(hi: number, lo: number, v: number): void {
    if ((lo & 0xfff) > 0xffc) return this.crossStore(hi, lo, 4, v);
    this.dv.setInt32(this.storeOff(hi, lo), v, this.le);
  }

  write64(hi: number, lo: number, vlo: number, vhi: number): void {
    if ((lo & 0xfff) > 0xff8) {
      // Check both pages before writing anything, so a fault leaves memory unchanged.
      const [h2, l2] = addEa(hi, lo, 7, this.sf);
      this.storeOff(h2, l2);
      const [h4, l4] = addEa(hi, lo, 4, this.sf);
      if (this.le) {
        this.crossStore(hi, lo, 4, vlo);
        this.crossStore(h4, l4, 4, vhi);
      } else {
        this.crossStore(hi, lo, 4, vhi);
        this.crossStore(h4, l4, 4, vlo);
      }
      return;
    }
    const off = this.storeOff(hi, lo);
    if (this.le) {
      this.dv.setInt32(off, vlo, true);
      this.dv.setInt32(off + 4, vhi, true);
    } else {
      this.dv.setInt32(off, vhi, false);
      this.dv.setInt32(off + 4, vlo, false);
    }
  }

  private crossStore(hi: number, lo: number, n: number, v: number): void {
    const [h2, l2] = addEa(hi, lo, n - 1, this.sf);
    this.storeOff(h2, l2);
    for (let k = 0; k < n; k++) {
      const [h, l] = addEa(hi, lo, k, this.sf);
      const shift = this.le ? 8 * k : 8 * (n - 1 - k);
      this.u8[this.storeOff(h, l)] = (v >>> shift) & 0xff;
    }
  }

  /** Translate for a load without reading (used by dcbz and multi-word ops to check first). */
  probe(hi: number, lo: number, access: 0 | 1): number {
    return access === Access.Load ? this.loadOff(hi, lo) : this.storeOff(hi, lo);
  }

  // ---- register API (BigInt, for embedders; the interpreter uses `s` directly) -------------

  getGpr(n: number): bigint {
    return (BigInt(this.s[GPR + 2 * n + 1]! >>> 0) << 32n) | BigInt(this.s[GPR + 2 * n]! >>> 0);
  }

  setGpr(n: number, v: bigint): void {
    const x = BigInt.asUintN(64, v);
    this.s[GPR + 2 * n] = Number(x & 0xffffffffn) | 0;
    this.s[GPR + 2 * n + 1] = Number(x >> 32n) | 0;
  }

  get64(slot: number): bigint {
    return (BigInt(this.s[slot + 1]! >>> 0) << 32n) | BigInt(this.s[slot]! >>> 0);
  }

  set64(slot: number, v: bigint): void {
    const x = BigInt.asUintN(64, v);
    this.s[slot] = Number(x & 0xffffffffn) | 0;
    this.s[slot + 1] = Number(x >> 32n) | 0;
  }

  /** XER composed from its split fields (Power ISA 2.07 Book I §3.2.2). */
  getXer(): number {
    const s = this.s;
    return (
      ((s[XER_SO]! << 31) |
        (s[XER_OV]! << 30) |
        (s[XER_CA]! << 29) |
        (s[XER_OV32]! << 19) |
        (s[XER_CA32]! << 18) |
        (s[XER_BC]! & 0x7f)) >>>
      0
    );
  }

  setXer(v: number): void {
    const s = this.s;
    s[XER_SO] = (v >>> 31) & 1;
    s[XER_OV] = (v >>> 30) & 1;
    s[XER_CA] = (v >>> 29) & 1;
    s[XER_OV32] = (v >>> 19) & 1;
    s[XER_CA32] = (v >>> 18) & 1;
    s[XER_BC] = v & 0x7f;
  }

  getCr(): number {
    return this.s[CR]! >>> 0;
  }

  setCr(v: number): void {
    this.s[CR] = v | 0;
  }

  getFpscr(): number {
    return this.s[FPSCR]! >>> 0;
  }

  getVscr(): number {
    return this.s[VSCR]! >>> 0;
  }

  // ---- services the instruction handlers call ----------------------------------------------

  /** `sc`: PC moves past the instruction, then the embedder's hook runs (or the CPU stops). */
  systemCall(lev: number): number {
    const s = this.s;
    const pc = this.pcBig();
    const next = (s[PC]! >>> 0) + 4;
    s[PC] = next | 0;
    if (next >= TWO32) s[PC + 1] = this.sf ? (s[PC + 1]! + 1) | 0 : 0;
    const hook = this.hooks.syscall;
    if (hook) hook(this, lev);
    else this.requestStop({ kind: 'syscall', pc, lev });
    return 1;
  }

  /** A trap instruction's condition held (program interrupt, trap; Book III-S §6.5.9). */
  programTrap(): number {
    const s = this.s;
    this.requestStop({ kind: 'trap', pc: this.pcBig(), word: this.fetchWord(s[PC + 1]!, s[PC]!) });
    return 2;
  }

  /** An invalid form or an instruction this model lacks (program interrupt, illegal instruction). */
  illegalInstruction(): number {
    const s = this.s;
    this.requestStop({ kind: 'illegal', pc: this.pcBig(), word: this.fetchWord(s[PC + 1]!, s[PC]!) });
    return 2;
  }

  /**
   * Floating-point enabled exception (program interrupt, Book III-S §6.5.9): an FPSCR
   * exception whose enable bit is set while MSR[FE0|FE1] is non-zero.
   */
  fpEnabledException(): number {
    this.requestStop({ kind: 'fp-exception', pc: this.pcBig(), fpscr: this.s[FPSCR]! >>> 0 });
    return 2;
  }

  /**
   * FP / VMX / VSX unavailable interrupt (Book III-S §6.5.10-12): raised by an instruction
   * of a facility whose MSR bit (FP, VEC, VSX) is 0. Executors check the bit themselves.
   */
  facilityUnavailable(facility: 'fp' | 'vmx' | 'vsx'): number {
    this.requestStop({ kind: 'facility-unavailable', pc: this.pcBig(), facility });
    return 2;
  }

  /** True when MSR[FE0] or MSR[FE1] asks for precise FP enabled-exception interrupts. */
  fpExceptionsEnabled(): boolean {
    return (this.s[MSR]! & (MSR_LO_FE0 | MSR_LO_FE1)) !== 0;
  }

  /** Alignment interrupt (Book III-S §6.5.8), e.g. lmw in little-endian mode or a misaligned larx. */
  alignmentInterrupt(hi: number, lo: number, store: boolean): number {
    this.requestStop({
      kind: 'alignment',
      pc: this.pcBig(),
      address: (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0),
      access: store ? 'store' : 'load',
    });
    return 2;
  }

  /**
   * mfspr/mftb into GPR slot `t` (2*RT). Problem-state SPRs (Book I §3.3.17,
   * Book II §5.2 for the time base); anything else is an illegal instruction.
   */
  mfspr(spr: number, t: number): number {
    const s = this.s;
    let lo: number;
    let hi: number;
    switch (spr) {
      case 1:
        lo = this.getXer();
        hi = 0;
        break;
      case 8:
        lo = s[LR]!;
        hi = s[LR + 1]!;
        break;
      case 9:
        lo = s[CTR]!;
        hi = s[CTR + 1]!;
        break;
      case 815:
        lo = s[TAR]!;
        hi = s[TAR + 1]!;
        break;
      case 256:
        lo = s[VRSAVE]!;
        hi = 0;
        break;
      case 268:
      case 269: {
        const tb = this.timebase();
        const thi = Math.floor(tb / TWO32);
        if (spr === 268) {
          lo = tb % TWO32 | 0;
          hi = thi | 0;
        } else {
          lo = thi | 0;
          hi = 0;
        }
        break;
      }
      case 3: // DSCR (problem-state alias)
      case 13: // AMR
      case 896: // PPR
        lo = this.sprs[spr * 2]!;
        hi = this.sprs[spr * 2 + 1]!;
        break;
      case 898: // PPR32: the high word of PPR
        lo = this.sprs[896 * 2 + 1]!;
        hi = 0;
        break;
      default:
        return this.illegalInstruction();
    }
    s[t] = lo;
    s[t + 1] = hi;
    return 0;
  }

  mtspr(spr: number, sr: number): number {
    const s = this.s;
    const lo = s[sr]!;
    const hi = s[sr + 1]!;
    switch (spr) {
      case 1:
        this.setXer(lo);
        return 0;
      case 8:
        s[LR] = lo;
        s[LR + 1] = hi;
        return 0;
      case 9:
        s[CTR] = lo;
        s[CTR + 1] = hi;
        return 0;
      case 815:
        s[TAR] = lo;
        s[TAR + 1] = hi;
        return 0;
      case 256:
        s[VRSAVE] = lo;
        return 0;
      case 3:
      case 13:
      case 896:
        this.sprs[spr * 2] = lo;
        this.sprs[spr * 2 + 1] = hi;
        return 0;
      case 898:
        this.sprs[896 * 2 + 1] = lo;
        return 0;
      default:
        return this.illegalInstruction();
    }
  }

  /** dcbz: zero the aligned 128-byte block (Book II §4.3.2; POWER7/8/9 block size). */
  dcbz(ra2: number, rb2: number): number {
    const s = this.s;
    let lo: number;
    let hi: number;
    if (ra2 < 0) {
      lo = s[rb2]!;
      hi = this.sf ? s[rb2 + 1]! : 0;
    } else {
      const a = (s[ra2]! >>> 0) + (s[rb2]! >>> 0);
      lo = a | 0;
      hi = this.sf ? (s[ra2 + 1]! + s[rb2 + 1]! + (a >= TWO32 ? 1 : 0)) | 0 : 0;
    }
    lo &= ~127;
    const off = this.storeOff(hi, lo);
    this.u8.fill(0, off, off + 128);
    return 0;
  }

  /** icbi: drop predecoded code for the block's page. */
  icbi(ra2: number, rb2: number): number {
    const s = this.s;
    let lo: number;
    let hi: number;
    if (ra2 < 0) {
      lo = s[rb2]!;
      hi = this.sf ? s[rb2 + 1]! : 0;
    } else {
      const a = (s[ra2]! >>> 0) + (s[rb2]! >>> 0);
      lo = a | 0;
      hi = this.sf ? (s[ra2 + 1]! + s[rb2 + 1]! + (a >= TWO32 ? 1 : 0)) | 0 : 0;
    }
    const off = this.translator.translate(hi, lo & ~0xfff, Access.Load);
    if (off >= 0) this.invalidateCode(off, 4096);
    return 0;
  }

  /** isync and other context-synchronising events. */
  contextSync(): number {
    return 0;
  }

  /** Drop any reservation held by this CPU (Book II §1.7.3). */
  clearReservation(): void {
    this.s[RESV_VALID] = 0;
  }
}

/** (hi:lo) + small non-negative n, in 64- or 32-bit mode. */
export function addEa(hi: number, lo: number, n: number, sf: boolean): [number, number] {
  const a = (lo >>> 0) + n;
  if (!sf) return [0, a | 0];
  return [a >= TWO32 ? (hi + 1) | 0 : hi, a | 0];
}
