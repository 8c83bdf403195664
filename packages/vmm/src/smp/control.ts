/**
 * The shared-memory control block between the main thread and the vCPU workers
 * (ARCHITECTURE.md §3): per vCPU its RTAS run state, H_PROD flag, external
 * interrupt level, doorbells, start-cpu parameters, H_SET_MODE LPCR update, VPA
 * registrations, instruction count and its exit mailbox; machine-wide the
 * main thread's doorbell, the FWNMI vector and the console output ring.
 *
 * Requests to a vCPU are words written here plus an attention bit posted to its
 * CpuDomain word (the vCPU serves it at its next block boundary or while it
 * sleeps). Requests to the main thread are a mailbox (exits that need an
 * answer: the vCPU waits) or the console ring (no answer: the vCPU goes on),
 * both announced by bumping the main doorbell word the main thread waits on
 * with Atomics.waitAsync.
 */
import { ATTN_EMBEDDER, type CpuDomain } from '@ppcvm/ppc-cpu';
import type { VcpuHandle } from '../hcalls.js';

/** Attention bits of the vmm (CpuDomain bits from ATTN_EMBEDDER up). */
export const VATTN = {
  /** H_PROD or anything else that should end a cede: look again. */
  WAKE: ATTN_EMBEDDER,
  /** The XICS output of this vCPU's server changed: read it (Xics.externalPending). */
  EXT: ATTN_EMBEDDER << 1,
  /** Doorbells arrived: take DOORBELLS. */
  DOORBELL: ATTN_EMBEDDER << 2,
  /** H_SIGNAL_SYS_RESET from another vCPU. */
  SRESET: ATTN_EMBEDDER << 3,
  /** RTAS start-cpu: enter at START_*. */
  START: ATTN_EMBEDDER << 4,
  /** H_SET_MODE on another vCPU: apply LPCR_*. */
  LPCR: ATTN_EMBEDDER << 5,
  /** The main thread answered this vCPU's mailbox. */
  MAILBOX: ATTN_EMBEDDER << 6,
  /** Stop: the machine exits (QUIT word says why) or the vCPUs are held. */
  STOP: ATTN_EMBEDDER << 7,
} as const;

/** Int32 words of one vCPU's block. */
export const W = {
  STATE: 0,
  PROD: 1,
  /** (unused) */
  RESERVED_2: 2,
  DOORBELLS: 3,
  START_PC_LO: 4,
  START_PC_HI: 5,
  START_R3_LO: 6,
  START_R3_HI: 7,
  START_R4_LO: 8,
  START_R4_HI: 9,
  /** 1: the boot entry (r4 = kernel base, r5 = 0, LPCR as reset); 0: start-cpu (LPCR ILE/AIL from START_LPCR). */
  START_BOOT: 10,
  START_LPCR_LO: 11,
  START_LPCR_HI: 12,
  LPCR_VALUE_LO: 13,
  LPCR_VALUE_HI: 14,
  LPCR_MASK_LO: 15,
  LPCR_MASK_HI: 16,
  /** Mailbox: 0 idle, 1 request posted, 2 answered. */
  MB_STATUS: 17,
  /** Mailbox kind: 1 hcall. */
  MB_KIND: 18,
  /** r3..r12 as (lo, hi) pairs: 20 words. */
  MB_REGS: 19,
  /** Set by the main thread while serving RTAS stop-self for this vCPU. */
  STOP_SELF: 39,
  /** 1 while the vCPU is halted (ceded, napping) — for the monitor and tests. */
  HALTED: 40,
  /** The caller's LPCR with its mailbox request (RTAS start-cpu copies ILE and AIL from it). */
  MB_LPCR_LO: 41,
  MB_LPCR_HI: 42,
  /** The vCPU's PC when it last ended a slice or went to sleep (monitor `info cpus`). */
  PC_LO: 43,
  PC_HI: 44,
} as const;
const VCPU_WORDS = 48;
/** Float64 slots of one vCPU. */
export const F = { VPA: 0, SLB_SHADOW: 1, SLB_SHADOW_SIZE: 2, DTL: 3, DTL_SIZE: 4, ICOUNT: 5 } as const;
const VCPU_F64 = 8;

export const DOORBELL_PRIV = 1;
export const DOORBELL_HYP = 2;

/** Machine-wide Int32 words. */
export const M = {
  /** Bumped (and notified) by a vCPU that posted a mailbox request or console bytes. */
  MAIN_SEQ: 0,
  /** Non-zero: every vCPU stops (1 exit, 2 hold). */
  STOP: 1,
  /** FWNMI system-reset vector or -1. */
  FWNMI: 2,
  /** Console ring: bytes written / read so far (wrapping int32 counters). */
  CON_HEAD: 3,
  CON_TAIL: 4,
  /** vCPU workers that are running their loop. */
  LIVE: 5,
} as const;
const MACHINE_WORDS = 16;
export const CONSOLE_RING = 1 << 16;

export const MB = { IDLE: 0, REQUEST: 1, DONE: 2 } as const;
export const MB_HCALL = 1;

/** The control block: one SharedArrayBuffer every thread attaches to. */
export class SmpControl {
  readonly buffer: SharedArrayBuffer;
  readonly vcpus: number;
  /** Machine-wide words ({@link M}). */
  readonly m: Int32Array;
  private readonly w: Int32Array;
  private readonly f: Float64Array;
  readonly ring: Uint8Array;

  static create(vcpus: number): SmpControl {
    const bytes = MACHINE_WORDS * 4 + vcpus * VCPU_WORDS * 4 + vcpus * VCPU_F64 * 8 + CONSOLE_RING;
    const c = new SmpControl(new SharedArrayBuffer(bytes), vcpus);
    c.m[M.FWNMI] = -1;
    return c;
  }

  constructor(buffer: SharedArrayBuffer, vcpus: number) {
    this.buffer = buffer;
    this.vcpus = vcpus;
    let at = 0;
    this.m = new Int32Array(buffer, at, MACHINE_WORDS);
    at += MACHINE_WORDS * 4;
    this.w = new Int32Array(buffer, at, vcpus * VCPU_WORDS);
    at += vcpus * VCPU_WORDS * 4;
    this.f = new Float64Array(buffer, at, vcpus * VCPU_F64);
    at += vcpus * VCPU_F64 * 8;
    this.ring = new Uint8Array(buffer, at, CONSOLE_RING);
  }

  /** Index of word `word` of vCPU `i` in {@link words}. */
  at(i: number, word: number): number {
    return i * VCPU_WORDS + word;
  }

  /** The per-vCPU Int32 words (index with {@link at}; use Atomics across threads). */
  get words(): Int32Array {
    return this.w;
  }

  load(i: number, word: number): number {
    return Atomics.load(this.w, i * VCPU_WORDS + word);
  }

  store(i: number, word: number, value: number): void {
    Atomics.store(this.w, i * VCPU_WORDS + word, value);
  }

  get64(i: number, lo: number): bigint {
    return (BigInt(this.load(i, lo + 1) >>> 0) << 32n) | BigInt(this.load(i, lo) >>> 0);
  }

  set64(i: number, lo: number, value: bigint): void {
    this.store(i, lo, Number(value & 0xffffffffn) | 0);
    this.store(i, lo + 1, Number((value >> 32n) & 0xffffffffn) | 0);
  }

  f64(i: number, slot: number): number {
    return this.f[i * VCPU_F64 + slot]!;
  }

  setF64(i: number, slot: number, value: number): void {
    this.f[i * VCPU_F64 + slot] = value;
  }

  /** Wake the main thread (a mailbox request or console bytes are waiting). */
  notifyMain(): void {
    Atomics.add(this.m, M.MAIN_SEQ, 1);
    Atomics.notify(this.m, M.MAIN_SEQ);
  }

  /**
   * Append console bytes; waits (briefly, repeatedly) while the ring is full so no output
   * is lost. Returns false when the machine is stopping and the bytes were dropped.
   */
  writeConsole(bytes: Uint8Array): boolean {
    const m = this.m;
    let i = 0;
    while (i < bytes.length) {
      const head = Atomics.load(m, M.CON_HEAD);
      const free = CONSOLE_RING - ((head - Atomics.load(m, M.CON_TAIL)) | 0);
      if (free === 0) {
        if (Atomics.load(m, M.STOP) === 1) return false;
        this.notifyMain();
        Atomics.wait(m, M.CON_TAIL, Atomics.load(m, M.CON_TAIL), 5);
        continue;
      }
      const n = Math.min(free, bytes.length - i);
      for (let k = 0; k < n; k++) this.ring[(head + k) & (CONSOLE_RING - 1)] = bytes[i + k]!;
      i += n;
      // Publishing the head after the bytes: Atomics orders the plain byte stores before it.
      Atomics.store(m, M.CON_HEAD, (head + n) | 0);
    }
    this.notifyMain();
    return true;
  }

  /** Take everything in the console ring (main thread). */
  readConsole(): Uint8Array | undefined {
    const m = this.m;
    const head = Atomics.load(m, M.CON_HEAD);
    const tail = Atomics.load(m, M.CON_TAIL);
    const n = (head - tail) | 0;
    if (n === 0) return undefined;
    const out = new Uint8Array(n);
    for (let k = 0; k < n; k++) out[k] = this.ring[(tail + k) & (CONSOLE_RING - 1)]!;
    Atomics.store(m, M.CON_TAIL, head);
    Atomics.notify(m, M.CON_TAIL);
    return out;
  }
}

/**
 * A vCPU seen from another thread (the main thread, or another vCPU's worker): everything
 * goes through the control block and the CpuDomain attention word.
 */
export class RemoteVcpu implements VcpuHandle {
  constructor(
    readonly index: number,
    private readonly c: SmpControl,
    private readonly domain: CpuDomain,
  ) {}

  get running(): boolean {
    return this.c.load(this.index, W.STATE) === 1;
  }

  takeProd(): boolean {
    return Atomics.exchange(this.c.words, this.c.at(this.index, W.PROD), 0) !== 0;
  }

  signalProd(): void {
    this.c.store(this.index, W.PROD, 1);
    this.domain.post(this.index, VATTN.WAKE);
  }

  signalSystemReset(): void {
    this.domain.post(this.index, VATTN.SRESET);
  }

  updateLpcr(value: bigint, mask: bigint): void {
    const i = this.index;
    this.c.set64(i, W.LPCR_VALUE_LO, value);
    this.c.set64(i, W.LPCR_MASK_LO, mask);
    this.domain.post(i, VATTN.LPCR);
  }

  get vpa(): number {
    return this.c.f64(this.index, F.VPA);
  }
  set vpa(v: number) {
    this.c.setF64(this.index, F.VPA, v);
  }
  get slbShadowAddr(): number {
    return this.c.f64(this.index, F.SLB_SHADOW);
  }
  set slbShadowAddr(v: number) {
    this.c.setF64(this.index, F.SLB_SHADOW, v);
  }
  get slbShadowSize(): number {
    return this.c.f64(this.index, F.SLB_SHADOW_SIZE);
  }
  set slbShadowSize(v: number) {
    this.c.setF64(this.index, F.SLB_SHADOW_SIZE, v);
  }
  get dtlAddr(): number {
    return this.c.f64(this.index, F.DTL);
  }
  set dtlAddr(v: number) {
    this.c.setF64(this.index, F.DTL, v);
  }
  get dtlSize(): number {
    return this.c.f64(this.index, F.DTL_SIZE);
  }
  set dtlSize(v: number) {
    this.c.setF64(this.index, F.DTL_SIZE, v);
  }
}
