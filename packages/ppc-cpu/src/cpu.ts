/**
 * The CPU: register state, soft TLB, predecoded code pages and the run loop.
 * Instruction semantics live in ./isa/*, one file per ISA chapter.
 */

import { type CpuModelName, type DecodedInsn, decoderFor, type ModelDecoder } from './decode.js';
import {
  DSISR,
  HYPERVISOR_VECTORS,
  PENDING,
  SRR1_ISI,
  SRR1_PROGRAM,
  SRR1_REASON_MASK,
  SRR1_WAKE,
  VEC,
} from './interrupts.js';
import { BlockJit, JIT_MIN_BUDGET, jitEnvDefaults } from './jit/engine.js';
import type { PrMode } from './pr-mode.js';
import { ATTN, ATTN_EMBEDDER, type CpuDomain } from './smp.js';
import {
  FSCR_FACILITY,
  HV_READABLE,
  HV_SPRS,
  isPrivilegedSpr,
  KNOWN_SPRS,
  NOT_ON_POWER7,
  ONLY_ON_POWER9,
  SPR,
} from './sprs.js';
import {
  CR,
  CTR,
  FPSCR,
  GPR,
  LR,
  MSR,
  MSR_HI_HV,
  MSR_HI_SF,
  MSR_LO_DR,
  MSR_LO_EE,
  MSR_LO_FE0,
  MSR_LO_FE1,
  MSR_LO_FP,
  MSR_LO_IR,
  MSR_LO_LE,
  MSR_LO_ME,
  MSR_LO_PR,
  MSR_LO_RI,
  MSR_LO_SE,
  MSR_LO_VEC,
  MSR_LO_VSX,
  PC,
  RESV_VALID,
  STATE_BYTES,
  TAR,
  VRSAVE,
  VSCR,
  XER_BC,
  XER_CA,
  XER_CA32,
  XER_OV,
  XER_OV32,
  XER_SO,
} from './state.js';
import type { SystemMmu } from './system-mmu.js';
import type { Exec } from './table.js';

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
  /**
   * System mode: details of the fault `translate` just reported, for the interrupt
   * (segment fault → DSEG/ISEG; DSISR or SRR1 bits otherwise).
   */
  describeFault?(eaHi: number, eaLo: number, access: Access, code: number): FaultInfo | undefined;
}

/** What a system-mode translator says about a failed translation. */
export interface FaultInfo {
  /** No SLB entry: Data/Instruction Segment interrupt. */
  readonly segment?: boolean;
  /** DSISR bits for a DSI (the store bit is added by the CPU). */
  readonly dsisr?: number;
  /** SRR1 reason bits for an ISI. */
  readonly srr1?: number;
}

/** Why `run` returned. */
export type StopReason =
  | { readonly kind: 'budget' }
  /** A power-saving instruction (or the embedder) halted the CPU; run again once an interrupt is pending. */
  | { readonly kind: 'halted' }
  | { readonly kind: 'requested'; readonly reason: string }
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'illegal'; readonly pc: bigint; readonly word: number }
  | { readonly kind: 'privileged'; readonly pc: bigint; readonly word: number }
  | { readonly kind: 'unimplemented'; readonly pc: bigint; readonly word: number; readonly mnemonic: string }
  | {
      readonly kind: 'fault';
      readonly pc: bigint;
      readonly address: bigint;
      readonly access: 'load' | 'store' | 'fetch';
      readonly fault: 'unmapped' | 'protection';
    }
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
  syscall?(cpu: Cpu, lev: number, vectored?: boolean): void;
  /**
   * System mode with a virtual hypervisor (PAPR): `sc 1` from privileged,
   * non-hypervisor state calls this with r3 = opcode, r4.. = arguments; the
   * handler writes r3 (status) and outputs. The PC already points after the `sc`.
   */
  hypercall?(cpu: Cpu): void;
  /**
   * msgsnd / msgsndp: deliver a doorbell to another thread (SMP). `target` is the
   * thread number within the core (privileged) or the PIR (hypervisor). Without
   * this hook a doorbell addressed to this thread itself is delivered locally.
   */
  doorbell?(cpu: Cpu, kind: 'privileged' | 'hypervisor', target: number): void;
  /**
   * User mode: an illegal instruction. Return true when handled (the CPU continues
   * at the next instruction, or wherever the hook moved the PC); false to stop.
   */
  illegal?(cpu: Cpu, word: number): boolean;
  /**
   * User mode: a memory fault. Return true when handled (e.g. the embedder mapped
   * the page: the faulting instruction is retried); false to stop with `fault`.
   */
  fault?(cpu: Cpu, address: bigint, access: 'load' | 'store' | 'fetch'): boolean;
  /**
   * SMP ({@link CpuOptions.domain}): attention bits at or above ATTN_EMBEDDER were set for this
   * CPU (by another thread, typically). Called at a block boundary or a barrier, or from
   * {@link Cpu.serviceAttention}; the bits are already cleared.
   */
  attention?(cpu: Cpu, bits: number): void;
  /**
   * Random bytes for `darn` (POWER9). Default: the host's CSPRNG. A deterministic run gives a
   * seeded generator so that two runs read the same numbers.
   */
  random?(bytes: Uint8Array): void;
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

/** Shared-page offsets of DAR and DSISR (pr-mode.ts SHARED; repeated here to avoid an import cycle). */
const SHARED_DAR = 80;
const SHARED_DSISR = 96;

/** LPCR bits in its low word (papr-notes B.2.7): ILE 0x2000000, HDICE 0x1. */
const LPCR_LO_ILE = 0x02000000;
const LPCR_LO_HDICE = 0x1;
const LPCR_LO_LPES0 = 0x8;
const LPCR_LO_MER = 0x800;
/** HID0 (SPR 1008) HILE, bit 19 → bit 12 of the high word (POWER8 user manual). */
const HID0 = 1008;
const HID0_HI_HILE = 0x1000;

/** Processor Version Register per model (papr-notes A.3.5). */
export const MODEL_PVR: Record<CpuModelName, number> = {
  power7: 0x003f0201,
  power8: 0x004d0200,
  power9: 0x004e1202,
};

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
  /** Block JIT (src/jit) on or off; default on, unless the environment has PPCVM_JIT=0. */
  readonly jit?: boolean;
  /** Visits of a block entry before the JIT compiles it (0 = at once, for tests); env PPCVM_JIT_THRESHOLD. */
  readonly jitThreshold?: number;
  /**
   * SMP: the shared domain of the machine's CPUs (./smp.ts) and this CPU's index in it. Gives
   * cross-CPU code coherence, TLB shootdown ({@link Cpu.shootdownTlb}) and the attention word.
   */
  readonly domain?: CpuDomain;
  readonly domainIndex?: number;
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
  /**
   * System mode: architectural events become interrupts instead of stops, and
   * privileged state matters. Set by the machine (vmm) or bare-metal tests.
   */
  system = false;
  /** Processor Version Register and Processor Identification Register. */
  pvr = 0x004d0200;
  pir = 0;
  /** Pending asynchronous interrupts (PENDING bits). */
  pending = 0;
  /** Set by power-saving instructions; the run loop returns `halted`. */
  halted = false;
  /** The halt came from nap/sleep/rvwinkle/stop: waking is a system reset interrupt (POWER7/8/9). */
  powerSaveWake = false;
  /** Thread number within the core (TIR). */
  tir = 0;
  /** The system MMU (SLB + HPT) behind `translator` in system mode, for the SLB and tlbie executors. */
  mmu: SystemMmu | null = null;
  /** PR mode (guest kernel in problem state, privileged instructions emulated); null for HV mode. */
  pr: PrMode | null = null;
  /** Set by a translator to keep its answer out of the soft TLB (e.g. the PR magic page, counted per access). */
  tlbNoFill = false;
  /** Why the last `stepOne()` returned 'stop'. */
  lastStop: StopReason | null = null;
  /** Called when an instruction is decoded for the first time at an address (`-d in_asm`). */
  onDecode: ((pcHi: number, pcLo: number, word: number) => void) | null = null;
  /** Called at the start of each straight-line run of instructions (`-d exec`). */
  onBlock: ((pcHi: number, pcLo: number) => void) | null = null;
  /** Optional interrupt log hook (`-d int`). */
  logInterrupt: ((vector: number, pcHi: number, pcLo: number, srr1Lo: number) => void) | null = null;
  /** Event counters (exposed to embedders and benchmarks). */
  readonly counters = { interrupts: 0, hcalls: 0, syscalls: 0, privTraps: 0, paravirt: 0 };
  private tbOffset = 0;
  private decSetTb = 0;
  private decValue = 0x7fffffff;
  private decFired = false;
  private hdecSetTb = 0;
  private hdecValue = 0x7fffffff;
  private hdecFired = false;
  /** SPRs without a dedicated slot in `s`: halves at 2*n (lo) and 2*n+1 (hi). */
  readonly sprs = new Int32Array(2048);
  /** Timebase source: ticks as a (safe-integer) number. Default: host monotonic clock at 512 MHz. */
  timebase: () => number = () => Math.floor(performance.now() * 512_000);

  private readonly rTagLo = new Int32Array(TLB_SIZE).fill(NO_TAG);
  private readonly rTagHi = new Int32Array(TLB_SIZE);
  private readonly rOff = new Float64Array(TLB_SIZE);
  // In an SMP domain the write TLB lives in shared memory: a CPU that decodes a page drops the
  // others' entries for it (CpuDomain.markCode).
  private readonly wTagLo: Int32Array;
  private readonly wTagHi = new Int32Array(TLB_SIZE);
  private readonly wOff: Float64Array;
  private readonly fTagLo = new Int32Array(TLB_SIZE).fill(NO_TAG);
  private readonly fTagHi = new Int32Array(TLB_SIZE);
  private readonly fOff = new Float64Array(TLB_SIZE);

  /** Predecoded code per RAM page: an Exec per instruction slot, lazily decoded. */
  private readonly codePages = new Map<number, Exec<Cpu>[]>();
  /** 1 where a RAM page holds predecoded code: stores there take the slow path. */
  private readonly codeMark: Uint8Array;
  private pendingStop: StopReason | null = null;
  private readonly codeHooks: { begin: bigint; end: bigint; fn: (cpu: Cpu, pc: bigint) => void }[] = [];
  private readonly decodeStub: Exec<Cpu>;
  /** Use the block JIT in `run` (budgets of at least JIT_MIN_BUDGET; never with code hooks). */
  jit: boolean;
  private readonly jitThreshold: number;
  /** Created on first use by `run`; told about every drop of decoded code. */
  private jitEngine: BlockJit | null = null;
  /** RAM page of the code page `codePageFor` returned last (the JIT's key). */
  private codePageNo = 0;
  readonly model: CpuModelName;
  readonly decoder: ModelDecoder;
  /** SMP domain (null: a lone CPU) and this CPU's index in it. */
  readonly domain: CpuDomain | null;
  readonly domainIndex: number;
  /** Attention words (the domain's, or a private one) and this CPU's slot: non-zero means look. */
  readonly attn: Int32Array;
  /** RAM pages whose code invalidation this CPU still has to post (after the stores that caused it). */
  private readonly toPost: number[] = [];

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
    this.domain = opts.domain ?? null;
    this.domainIndex = opts.domainIndex ?? 0;
    if (this.domain) {
      if (this.domain.pages * 4096 < opts.ram.byteLength - 4095) {
        // Pages past the domain's are never decoded from other CPUs' point of view: refuse the mix-up.
        throw new RangeError('Cpu: the domain covers less RAM than the CPU has');
      }
      const w = this.domain.writeTlb(this.domainIndex);
      this.wTagLo = w.tags;
      this.wOff = w.offs;
      this.attn = this.domain.attention;
    } else {
      this.wTagLo = new Int32Array(TLB_SIZE).fill(NO_TAG);
      this.wOff = new Float64Array(TLB_SIZE);
      this.attn = new Int32Array(1);
    }
    this.decodeStub = (c: Cpu) => c.decodeAndRun();
    this.model = opts.model ?? 'power8';
    this.pvr = MODEL_PVR[this.model];
    this.decoder = decoderFor(this.model);
    const env = jitEnvDefaults();
    this.jit = opts.jit ?? env.jit;
    this.jitThreshold = opts.jitThreshold ?? env.threshold;
    // Default: a 64-bit little-endian problem-state thread with FP, VMX and VSX enabled (user mode).
    this.setMsr(MSR_HI_SF, MSR_LO_LE | MSR_LO_PR | MSR_LO_FP | MSR_LO_VEC | MSR_LO_VSX | MSR_LO_EE);
  }

  // ---- MSR ------------------------------------------------------------------------------------

  /**
   * Write the MSR. A change of translation context (IR, DR, PR, HV) drops cached
   * translations; a change of byte order drops predecoded code.
   */
  setMsr(hi: number, lo: number): void {
    const s = this.s;
    const oldLo = s[MSR]!;
    const oldHi = s[MSR + 1]!;
    s[MSR] = lo;
    s[MSR + 1] = hi;
    const le = (lo & MSR_LO_LE) !== 0;
    if (le !== this.le) this.flushCode();
    this.le = le;
    this.sf = (hi & MSR_HI_SF) !== 0;
    if (((oldLo ^ lo) & (MSR_LO_IR | MSR_LO_DR | MSR_LO_PR)) !== 0 || ((oldHi ^ hi) & MSR_HI_HV) !== 0) this.flushTlb();
  }

  // ---- stops ----------------------------------------------------------------------------------

  /** Ask the run loop to return after the current instruction. */
  requestStop(reason: StopReason): void {
    this.pendingStop = reason;
  }

  /** Blocks the JIT has compiled on this CPU (for tests and benchmarks). */
  get jitCompiled(): number {
    return this.jitEngine?.compiled ?? 0;
  }

  /** A stop was requested and the run loop has not returned it yet. */
  stopRequested(): boolean {
    return this.pendingStop !== null;
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
    if (this.system) {
      this.pollTimers();
      if (this.halted && !this.wakeFromHalt()) return { kind: 'halted' };
    }
    let faultRetries = 0;
    // Compiled blocks skip the per-run and per-decode debug hooks (-d exec, -d in_asm): interpret then.
    const useJit = this.jit && budget >= JIT_MIN_BUDGET && !this.onBlock && !this.onDecode;
    while (done < budget) {
      if (this.attn[this.domainIndex] !== 0) {
        this.serviceAttention();
        if (this.pendingStop || this.halted) break;
      }
      if (this.pending !== 0 && this.system) this.takeAsyncInterrupt();
      // `-d exec`: the start of every straight-line run (after a taken branch, an interrupt or a page change).
      if (this.onBlock) this.onBlock(s[PC + 1]!, s[PC]!);
      if (this.system && (s[MSR]! & MSR_LO_SE) !== 0 && !this.pr) {
        // Single-step (Book III-S §6.5.15): a trace interrupt after each completed instruction.
        const r = this.stepOne();
        done++;
        if (r === 'stop') {
          this.pendingStop = this.lastStop;
          break;
        }
        if (r === 'traced') this.deliverInterrupt(VEC.TRACE, 0, false);
        continue;
      }
      // Slot index and first slot of the page being executed, outside the try so a fault can account for progress.
      let idx = 0;
      let first = 0;
      try {
        const pcLo = s[PC]!;
        const ops = this.codePageFor(s[PC + 1]!, pcLo);
        let jit: BlockJit | null = null;
        if (useJit && this.codeHooks.length === 0) {
          // Compiled blocks from this PC, if any (0: none, interpret). They set the PC themselves.
          jit = this.jitEngine ??= this.newJit();
          const n = jit.run(this.codePageNo, pcLo, budget - done);
          if (n !== 0) {
            done += n;
            faultRetries = 0;
            if (this.pendingStop || this.halted) break;
            continue;
          }
        }
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
        jit?.interpreted(idx - first);
        if (idx !== first) faultRetries = 0;
        if (r === 0) {
          // Fell through: the PC moves to the next instruction (possibly onto the next page).
          const next = (s[PC]! >>> 0) + 4;
          s[PC] = next | 0;
          if (next >= TWO32) s[PC + 1] = this.sf ? (s[PC + 1]! + 1) | 0 : 0;
        } else if (this.pendingStop || this.halted) {
          break;
        }
      } catch (e) {
        if (!(e instanceof GuestFault)) throw e;
        // The faulting instruction did not complete (nor did a compiled block's, see BlockJit.run).
        done += idx - first + (this.jitEngine?.takeFaultProgress() ?? 0);
        if (!this.system) {
          const hook = this.hooks.fault;
          const stop = this.faultStop(e);
          // Retry the instruction after a handled fault; a hook that fixes nothing cannot hang us.
          if (stop.kind === 'fault' && faultRetries++ < 16 && hook?.(this, stop.address, stop.access)) continue;
          this.icount += done;
          return stop;
        }
        this.storageInterrupt(e);
      }
    }
    this.icount += done;
    const stop = this.pendingStop;
    this.pendingStop = null;
    if (stop) return stop;
    if (this.halted) return { kind: 'halted' };
    return { kind: 'budget' };
  }

  /**
   * Execute exactly one instruction (used for MSR[SE] tracing and by debuggers).
   * Returns 'traced' when it completed normally (the PC is the next instruction),
   * 'interrupt' when it raised an interrupt instead, 'stop' when the CPU must stop.
   */
  stepOne(): 'traced' | 'interrupt' | 'stop' {
    this.lastStop = null;
    const s = this.s;
    const pcLo = s[PC]!;
    const pcHi = s[PC + 1]!;
    const irqBefore = this.counters.interrupts;
    try {
      const ops = this.codePageFor(pcHi, pcLo);
      const r = ops[(pcLo & 0xfff) >>> 2]!(this);
      this.icount++;
      if (r === 0) {
        const next = (pcLo >>> 0) + 4;
        s[PC] = next | 0;
        if (next >= TWO32) s[PC + 1] = this.sf ? (pcHi + 1) | 0 : 0;
      }
      if (this.pendingStop) {
        this.lastStop = this.pendingStop;
        this.pendingStop = null;
        return 'stop';
      }
    } catch (e) {
      if (!(e instanceof GuestFault)) throw e;
      if (!this.system) {
        this.lastStop = this.faultStop(e);
        return 'stop';
      }
      this.storageInterrupt(e);
    }
    return this.counters.interrupts !== irqBefore ? 'interrupt' : 'traced';
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
    this.codePageNo = page;
    let ops = this.codePages.get(page);
    if (!ops) {
      ops = new Array<Exec<Cpu>>(PAGE_SLOTS).fill(this.decodeStub);
      this.codePages.set(page, ops);
      this.codeMark[page] = 1;
      // Stores to this page must now see the slow path, which drops the decoded code.
      for (let j = 0; j < TLB_SIZE; j++) if (this.wOff[j] === off && this.wTagLo[j] !== NO_TAG) this.wTagLo[j] = NO_TAG;
      // ... and so must the other CPUs' stores.
      this.domain?.markCode(this.domainIndex, page);
    }
    return ops;
  }

  /** The block JIT reads the soft TLB directly (inline load/store fast paths, chaining across pages). */
  private newJit(): BlockJit {
    const tlb = { rTagLo: this.rTagLo, rTagHi: this.rTagHi, rOff: this.rOff };
    const wtlb = { wTagLo: this.wTagLo, wTagHi: this.wTagHi, wOff: this.wOff };
    return new BlockJit(
      this,
      { ...tlb, ...wtlb, fTagLo: this.fTagLo, fTagHi: this.fTagHi, fOff: this.fOff },
      this.jitThreshold,
    );
  }

  /** First execution of a slot: decode, install the specialised executor, run it. */
  private decodeAndRun(): number {
    const s = this.s;
    const pcLo = s[PC]!;
    const ops = this.codePageFor(s[PC + 1]!, pcLo);
    const word = this.fetchWord(s[PC + 1]!, pcLo);
    const d = this.decoder.decode(word);
    // `-d in_asm`: each instruction is reported once, when it is first decoded at this address.
    if (this.onDecode) this.onDecode(s[PC + 1]!, pcLo, word);
    let exec = this.makeExec(d, word);
    if (this.codeHooks.length > 0) exec = this.wrapCodeHooks(exec, s[PC + 1]!, pcLo);
    ops[(pcLo & 0xfff) >>> 2] = exec;
    return exec(this);
  }

  /** Wrap an executor with the code hooks whose range holds (hi:lo). Zero cost for addresses outside every range. */
  private wrapCodeHooks(exec: Exec<Cpu>, hi: number, lo: number): Exec<Cpu> {
    const pc = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    const hooks = this.codeHooks.filter((h) => pc >= h.begin && pc < h.end);
    if (hooks.length === 0) return exec;
    return (c) => {
      for (const h of hooks) h.fn(c, pc);
      if (c.pendingStop) {
        // Stopped before the instruction ran: the run loop will count this slot, so uncount it here.
        c.icount--;
        return 2;
      }
      return exec(c);
    };
  }

  /**
   * Call `fn(cpu, pc)` before each instruction executed in [begin, end) (Unicorn's
   * code hook). `fn` may change registers or call `requestStop` (the instruction then
   * does not run). Returns a function that removes the hook.
   */
  addCodeHook(begin: bigint, end: bigint, fn: (cpu: Cpu, pc: bigint) => void): () => void {
    const h = { begin, end, fn };
    this.codeHooks.push(h);
    this.flushCode();
    return () => {
      const i = this.codeHooks.indexOf(h);
      if (i >= 0) this.codeHooks.splice(i, 1);
      this.flushCode();
    };
  }

  private makeExec(d: DecodedInsn<Cpu> | undefined, word: number): Exec<Cpu> {
    if (!d) return (c) => c.illegalInstruction();
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
    this.flushTlb();
    this.flushCode();
  }

  /** Drop every cached translation (tlbie, slbie, MSR/LPCR changes, HPT hcalls). */
  flushTlb(): void {
    this.rTagLo.fill(NO_TAG);
    this.wTagLo.fill(NO_TAG);
    this.fTagLo.fill(NO_TAG);
  }

  /** Drop all predecoded code. */
  flushCode(): void {
    if (!this.codePages) return;
    for (const [page, ops] of this.codePages) {
      ops.fill(this.decodeStub);
      this.codeMark[page] = 0;
      this.domain?.unmarkCode(page);
    }
    this.codePages.clear();
    this.jitEngine?.flush();
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
        this.domain?.unmarkCode(p);
        this.jitEngine?.invalidatePage(p);
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
    if (this.tlbNoFill) {
      this.tlbNoFill = false;
      return off + (lo & 0xfff);
    }
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
    if (this.codeMark[page]) {
      this.invalidateCode(off, 4096);
      if (this.domain?.hasCode(page)) this.queueCodePost(page);
    } else if (this.tlbNoFill) this.tlbNoFill = false;
    else if (this.domain) this.fillSharedWriteTlb(i, hi, lo, off, page);
    else {
      this.wTagLo[i] = lo & ~0xfff;
      this.wTagHi[i] = hi;
      this.wOff[i] = off;
    }
    return off + (lo & 0xfff);
  }

  /**
   * SMP write-TLB fill: the entry goes in first and the page's code count is read after it, so
   * either this CPU sees another's decode of the page (and keeps the slow path, posting an
   * invalidation once the store is done) or the other CPU's markCode drops this entry.
   */
  private fillSharedWriteTlb(i: number, hi: number, lo: number, off: number, page: number): void {
    const d = this.domain!;
    this.wOff[i] = off;
    this.wTagHi[i] = hi;
    Atomics.store(this.wTagLo, i, lo & ~0xfff);
    if (!d.hasCode(page)) return;
    Atomics.store(this.wTagLo, i, NO_TAG);
    this.queueCodePost(page);
  }

  /** Other CPUs hold decoded code of `page`, which this CPU is storing to: tell them after the store. */
  private queueCodePost(page: number): void {
    const q = this.toPost;
    if (q.length === 0 || q[q.length - 1] !== page) {
      q.push(page);
      // Posted at the next block boundary or barrier, after this store has landed.
      Atomics.or(this.attn, this.domainIndex, ATTN.POST);
    }
  }

  /**
   * Serve this CPU's attention word now (the run loop does it at block boundaries and
   * barriers): post pending code invalidations, drop code others invalidated, flush the TLB
   * for a shootdown, and hand the embedder's bits to `hooks.attention`.
   */
  serviceAttention(): void {
    const d = this.domain;
    if (!d) {
      const bits = this.attn[0]!;
      this.attn[0] = 0;
      if (bits >= ATTN_EMBEDDER) this.hooks.attention?.(this, bits & ~(ATTN_EMBEDDER - 1));
      return;
    }
    const me = this.domainIndex;
    const bits = d.take(me);
    if (bits & ATTN.POST) {
      for (const page of this.toPost) d.postCodeInvalidate(me, page);
      this.toPost.length = 0;
    }
    if (bits & ATTN.CODE) d.takeCodeInvalidations(me, (page) => this.invalidateCode(page * 4096, 4096));
    if (bits & ATTN.TLB) {
      const token = d.tlbRequested(me);
      this.flushTlb();
      d.ackTlb(me, token);
    }
    if (bits >= ATTN_EMBEDDER) this.hooks.attention?.(this, bits & ~(ATTN_EMBEDDER - 1));
  }

  /**
   * The HPT lost or weakened translations: drop this CPU's cached ones and, in an SMP domain,
   * every other CPU's, returning once none can use a stale one (the vmm's TlbInvalidator.sync).
   */
  shootdownTlb(): void {
    this.flushTlb();
    const d = this.domain;
    if (d) d.shootdown(this.domainIndex, () => this.serviceAttention());
  }

  /** sync / lwsync / eieio: stores before it are visible to other CPUs; posts pending code invalidations too. */
  barrier(): number {
    if (this.domain) {
      // sync orders earlier stores before later loads for other processors (Book II §1.7.1);
      // plain stores to a SharedArrayBuffer may wait in the host's store buffer (even x86 lets a
      // later load pass them), and an atomic read-modify-write is a full fence.
      if (Atomics.add(this.attn, this.domainIndex, 0) !== 0) this.serviceAttention();
    } else if (this.attn[0] !== 0) this.serviceAttention();
    return 0;
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
    if ((lo & 0xfff) > 0xffe) {
      this.crossStore(hi, lo, 2, v);
      return;
    }
    this.dv.setUint16(this.storeOff(hi, lo), v, this.le);
  }

  write32(hi: number, lo: number, v: number): void {
    if ((lo & 0xfff) > 0xffc) {
      this.crossStore(hi, lo, 4, v);
      return;
    }
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
    // OV32 and CA32 exist from ISA 3.0 (POWER9); earlier models read those bits as 0.
    const x32 = this.model === 'power9' ? (s[XER_OV32]! << 19) | (s[XER_CA32]! << 18) : 0;
    return ((s[XER_SO]! << 31) | (s[XER_OV]! << 30) | (s[XER_CA]! << 29) | x32 | (s[XER_BC]! & 0x7f)) >>> 0;
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
  //
  // In user mode (system = false) architectural events stop the CPU with a StopReason the
  // embedder turns into a signal. In system mode they become interrupts (Book III-S ch. 6).

  /** PC + 4 as (lo, hi) halves. */
  private nextPc(): [number, number] {
    const s = this.s;
    const n = (s[PC]! >>> 0) + 4;
    return [n | 0, n >= TWO32 ? (this.sf ? (s[PC + 1]! + 1) | 0 : 0) : s[PC + 1]!];
  }

  /** `sc LEV` (Book III-S §6.5.14, and the PAPR hypercall convention for LEV=1). */
  systemCall(lev: number): number {
    const s = this.s;
    const pc = this.pcBig();
    const [nlo, nhi] = this.nextPc();
    if (!this.system) {
      s[PC] = nlo;
      s[PC + 1] = nhi;
      const hook = this.hooks.syscall;
      if (hook) hook(this, lev);
      else this.requestStop({ kind: 'syscall', pc, lev });
      return 1;
    }
    if (this.pr && !this.pr.emulating) return this.pr.systemCall(lev);
    const msrLo = s[MSR]!;
    if (lev === 1 && this.hooks.hypercall && (s[MSR + 1]! & MSR_HI_HV) === 0) {
      this.counters.hcalls++;
      s[PC] = nlo;
      s[PC + 1] = nhi;
      if (msrLo & MSR_LO_PR) {
        // A hypercall from problem state is refused (PAPR: H_PRIVILEGE in r3).
        s[GPR + 6] = -3;
        s[GPR + 7] = -1;
      } else {
        this.hooks.hypercall(this);
      }
      return 1;
    }
    this.counters.syscalls++;
    return this.deliverInterrupt(VEC.SYSCALL, 0, true, lev === 1 && (s[MSR + 1]! & MSR_HI_HV) === 0);
  }

  /**
   * `scv LEV` (ISA 3.0 Book III §7.5.18, POWER9): LR ← the next instruction, CTR ← MSR,
   * then the system call vectored interrupt at 0x17000 + 32·LEV, or at
   * 0xC000_0000_0000_3000 + 32·LEV when LPCR[AIL] = 3. In problem state FSCR[SCV] must be set.
   * In user mode the syscall hook runs with `vectored` set (errors as -errno in r3).
   */
  systemCallVectored(lev: number): number {
    if (!this.system) {
      const pc = this.pcBig();
      this.continueAtNext();
      const hook = this.hooks.syscall;
      if (hook) hook(this, lev, true);
      else this.requestStop({ kind: 'syscall', pc, lev });
      return 1;
    }
    if (this.guestProblemState()) {
      const g = this.checkFscr(FSCR_FACILITY.SCV);
      if (g !== 0) return g;
    }
    if (this.pr && !this.pr.emulating) return this.pr.asGuest(() => this.scvNative(lev));
    return this.scvNative(lev);
  }

  private scvNative(lev: number): number {
    const s = this.s;
    this.counters.syscalls++;
    const [nlo, nhi] = this.nextPc();
    s[LR] = nlo;
    s[LR + 1] = nhi;
    const msrLo = s[MSR]!;
    const msrHi = s[MSR + 1]!;
    s[CTR] = msrLo & ~SRR1_REASON_MASK;
    s[CTR + 1] = msrHi;
    const lpcrLo = this.sprs[SPR.LPCR * 2]!;
    // Unlike other interrupts, scv keeps MSR[EE] and MSR[RI] (ISA 3.0 Book III §7.5.18).
    let newLo = msrLo & (MSR_LO_ME | MSR_LO_EE | MSR_LO_RI);
    if (lpcrLo & LPCR_LO_ILE) newLo |= MSR_LO_LE;
    // Vectors: 0x17000 + 32·LEV in real mode; with LPCR[AIL] = 3 the relocated ones sit at
    // 0xC000_0000_0000_3000 + 32·LEV (where Linux places `system_call_vectored`).
    let tHi = 0;
    let tLo = 0x17000 + ((lev & 0x7f) << 5);
    if (((lpcrLo >>> 23) & 3) === 3) {
      newLo |= MSR_LO_IR | MSR_LO_DR;
      tHi = 0xc0000000 | 0;
      tLo = 0x3000 + ((lev & 0x7f) << 5);
    }
    this.setMsr(MSR_HI_SF | (msrHi & MSR_HI_HV), newLo);
    s[PC] = tLo;
    s[PC + 1] = tHi;
    return 1;
  }

  /** A trap instruction's condition held (program interrupt, trap; Book III-S §6.5.9). */
  programTrap(): number {
    const s = this.s;
    if (this.system) return this.deliverInterrupt(VEC.PROGRAM, SRR1_PROGRAM.TRAP, false);
    this.requestStop({ kind: 'trap', pc: this.pcBig(), word: this.fetchWord(s[PC + 1]!, s[PC]!) });
    return 2;
  }

  /** An invalid form or an instruction this model lacks (program interrupt, illegal instruction). */
  illegalInstruction(): number {
    const s = this.s;
    if (this.system) return this.deliverInterrupt(VEC.PROGRAM, SRR1_PROGRAM.ILLEGAL, false);
    const hook = this.hooks.illegal;
    if (hook) {
      const pc = this.pcBig();
      if (hook(this, this.fetchWord(s[PC + 1]!, s[PC]!))) return this.pcBig() === pc ? this.continueAtNext() : 1;
    }
    this.requestStop({ kind: 'illegal', pc: this.pcBig(), word: this.fetchWord(s[PC + 1]!, s[PC]!) });
    return 2;
  }

  /** A privileged instruction or SPR in problem state (program interrupt, privileged). */
  privilegedInstruction(): number {
    const s = this.s;
    if (this.system) {
      if (this.pr && !this.pr.emulating) return this.pr.trap();
      return this.deliverInterrupt(VEC.PROGRAM, SRR1_PROGRAM.PRIVILEGED, false);
    }
    this.requestStop({ kind: 'privileged', pc: this.pcBig(), word: this.fetchWord(s[PC + 1]!, s[PC]!) });
    return 2;
  }

  /**
   * Floating-point enabled exception (program interrupt, Book III-S §6.5.9): an FPSCR
   * exception whose enable bit is set while MSR[FE0|FE1] is non-zero.
   */
  fpEnabledException(): number {
    if (this.system) return this.deliverInterrupt(VEC.PROGRAM, SRR1_PROGRAM.FP, false);
    this.requestStop({ kind: 'fp-exception', pc: this.pcBig(), fpscr: this.s[FPSCR]! >>> 0 });
    return 2;
  }

  /**
   * FP / VMX / VSX unavailable interrupt (Book III-S §6.5.10-12): raised by an instruction
   * of a facility whose MSR bit (FP, VEC, VSX) is 0. Executors check the bit themselves.
   */
  facilityUnavailable(facility: 'fp' | 'vmx' | 'vsx'): number {
    if (this.system) {
      const v = facility === 'fp' ? VEC.FP_UNAVAILABLE : facility === 'vmx' ? VEC.VMX_UNAVAILABLE : VEC.VSX_UNAVAILABLE;
      return this.deliverInterrupt(v, 0, false);
    }
    this.requestStop({ kind: 'facility-unavailable', pc: this.pcBig(), facility });
    return 2;
  }

  /** True when MSR[FE0] or MSR[FE1] asks for precise FP enabled-exception interrupts. */
  fpExceptionsEnabled(): boolean {
    return (this.s[MSR]! & (MSR_LO_FE0 | MSR_LO_FE1)) !== 0;
  }

  /** Alignment interrupt (Book III-S §6.5.8), e.g. lmw in little-endian mode or a misaligned larx. */
  alignmentInterrupt(hi: number, lo: number, store: boolean): number {
    if (this.system) {
      // DSISR is set to 0 for alignment interrupts on POWER8 (ISA 2.07 leaves it undefined).
      this.setFaultRegs(lo, hi, 0);
      return this.deliverInterrupt(VEC.ALIGNMENT, 0, false);
    }
    this.requestStop({
      kind: 'alignment',
      pc: this.pcBig(),
      address: (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0),
      access: store ? 'store' : 'load',
    });
    return 2;
  }

  /**
   * DAR (and DSISR unless `dsisr` < 0) for a storage or alignment interrupt; in PR mode
   * they are the guest's, kept in the shared page.
   */
  private setFaultRegs(darLo: number, darHi: number, dsisr: number): void {
    const pr = this.pr;
    if (pr && !pr.emulating) {
      pr.write64(SHARED_DAR, darLo, darHi);
      if (dsisr >= 0) pr.write32(SHARED_DSISR, dsisr);
      return;
    }
    this.setSpr64(SPR.DAR, darLo, darHi);
    if (dsisr >= 0) this.setSpr64(SPR.DSISR, dsisr, 0);
  }

  /** DSI / ISI / segment interrupts for a failed translation in system mode. */
  private storageInterrupt(e: GuestFault): void {
    const t = this.translator;
    const info = t.describeFault ? t.describeFault(e.eaHi, e.eaLo, e.access, e.code) : undefined;
    if (e.access === Access.Fetch) {
      // ISI: SRR0 = the address of the instruction that could not be fetched (the current PC).
      const s = this.s;
      s[PC] = e.eaLo & ~3;
      s[PC + 1] = e.eaHi;
      if (info?.segment) this.deliverInterrupt(VEC.ISEG, 0, false);
      else this.deliverInterrupt(VEC.ISI, info?.srr1 ?? SRR1_ISI.NO_TRANSLATION, false);
      return;
    }
    if (info?.segment) {
      this.setFaultRegs(e.eaLo, e.eaHi, -1);
      this.deliverInterrupt(VEC.DSEG, 0, false);
      return;
    }
    let dsisr = info?.dsisr ?? (e.code === TranslateFault.Protection ? DSISR.PROTECTION : DSISR.NO_TRANSLATION);
    if (e.access === Access.Store) dsisr |= DSISR.STORE;
    this.setFaultRegs(e.eaLo, e.eaHi, dsisr);
    this.deliverInterrupt(VEC.DSI, 0, false);
  }

  /**
   * Take an interrupt (Book III-S §6.5 and §6.4.3 "Interrupt Processing"): save the
   * PC (or the next one) and the MSR in SRR0/1 (HSRR0/1 for hypervisor interrupts), set
   * the new MSR and go to the vector, relocated by LPCR[AIL] or HRMOR. Returns 1 (PC set).
   */
  deliverInterrupt(vector: number, reason: number, srr0Next: boolean, toHypervisor?: boolean): number {
    // PR mode reflects every interrupt into the guest's shadow state.
    if (this.pr && !this.pr.emulating) return this.pr.inject(vector, reason, srr0Next);
    return this.deliverInterruptNative(vector, reason, srr0Next, toHypervisor);
  }

  /** Interrupt delivery on the CPU's own state (used directly by the PR layer on swapped-in guest state). */
  deliverInterruptNative(vector: number, reason: number, srr0Next: boolean, toHypervisor?: boolean): number {
    const s = this.s;
    this.counters.interrupts++;
    let pcLo = s[PC]!;
    let pcHi = s[PC + 1]!;
    if (srr0Next) [pcLo, pcHi] = this.nextPc();
    const msrLo = s[MSR]!;
    const msrHi = s[MSR + 1]!;
    const hv = !this.hooks.hypercall && (toHypervisor ?? HYPERVISOR_VECTORS.has(vector));
    const srr1Lo = (msrLo & ~SRR1_REASON_MASK) | reason;
    if (hv) {
      this.setSpr64(SPR.HSRR0, pcLo, pcHi);
      this.setSpr64(SPR.HSRR1, srr1Lo, msrHi);
    } else {
      this.setSpr64(SPR.SRR0, pcLo, pcHi);
      this.setSpr64(SPR.SRR1, srr1Lo, msrHi);
    }
    if (this.logInterrupt) this.logInterrupt(vector, pcHi, pcLo, srr1Lo);
    const lpcrLo = this.sprs[SPR.LPCR * 2]!;
    const wasHv = (msrHi & MSR_HI_HV) !== 0;
    const newHi = MSR_HI_SF | (hv || wasHv ? MSR_HI_HV : 0);
    // Machine check clears ME; everything else keeps it. LE comes from LPCR[ILE] (HID0[HILE] for the hypervisor).
    let newLo = vector === VEC.MACHINE_CHECK ? 0 : msrLo & MSR_LO_ME;
    const ile = hv ? (this.sprs[HID0 * 2 + 1]! & HID0_HI_HILE) !== 0 : (lpcrLo & LPCR_LO_ILE) !== 0;
    if (ile) newLo |= MSR_LO_LE;
    let tLo = vector;
    let tHi = 0;
    // Relocation-on interrupts (LPCR[AIL], Book III-S §6.5): only from MSR[IR]=MSR[DR]=1, not for
    // system reset / machine check, and not for interrupts that enter hypervisor state.
    const ail = (lpcrLo >>> 23) & 3;
    const reloc = (msrLo & (MSR_LO_IR | MSR_LO_DR)) === (MSR_LO_IR | MSR_LO_DR);
    if (ail >= 2 && reloc && !hv && !wasHv && vector !== VEC.SYSTEM_RESET && vector !== VEC.MACHINE_CHECK) {
      newLo |= MSR_LO_IR | MSR_LO_DR;
      if (ail === 2) tLo = 0x18000 + vector;
      else {
        tLo = 0x4000 + vector;
        tHi = 0xc0000000 | 0;
      }
    } else if (hv || wasHv) {
      // Hypervisor real-mode vectors are offset by HRMOR.
      tLo = this.sprs[SPR.HRMOR * 2]! | vector | 0;
      tHi = this.sprs[SPR.HRMOR * 2 + 1]!;
    }
    this.setMsr(newHi, newLo);
    s[PC] = tLo;
    s[PC + 1] = tHi;
    return 1;
  }

  /** Asynchronous interrupts (external, decrementers, doorbells), by priority, when enabled. */
  private takeAsyncInterrupt(): void {
    const p = this.pending;
    const s = this.s;
    const msrLo = s[MSR]!;
    const hvState = (s[MSR + 1]! & MSR_HI_HV) !== 0;
    const ee = this.pr ? this.pr.guestInterruptsEnabled() : (msrLo & MSR_LO_EE) !== 0;
    if (p & PENDING.SYSTEM_RESET) {
      this.pending &= ~PENDING.SYSTEM_RESET;
      this.deliverInterrupt(VEC.SYSTEM_RESET, 0, false);
      return;
    }
    if (p & PENDING.MACHINE_CHECK && (s[MSR]! & MSR_LO_ME) !== 0) {
      this.pending &= ~PENDING.MACHINE_CHECK;
      this.deliverInterrupt(VEC.MACHINE_CHECK, 0, false);
      return;
    }
    if (p & PENDING.HDECREMENTER && (!hvState || ee) && this.sprs[SPR.LPCR * 2]! & LPCR_LO_HDICE) {
      this.pending &= ~PENDING.HDECREMENTER;
      this.deliverInterrupt(VEC.HDECREMENTER, 0, false, true);
      return;
    }
    if (!this.hooks.hypercall && !this.pr) {
      // Real hypervisor (no virtual one): LPCR[LPES0]=0 directs external interrupts to the
      // hypervisor, taken in a partition regardless of MSR[EE]; LPCR[MER] requests one while
      // the partition has EE=1 (ISA 2.07 Book III-S §6.5.7, §2.2 LPCR).
      const lpcr = this.sprs[SPR.LPCR * 2]!;
      const hvEnabled = !hvState || ee;
      if (p & PENDING.EXTERNAL && (lpcr & LPCR_LO_LPES0) === 0 && hvEnabled) {
        this.deliverInterrupt(VEC.EXTERNAL, 0, false, true);
        return;
      }
      if (lpcr & LPCR_LO_MER && !hvState && ee) {
        this.deliverInterrupt(VEC.EXTERNAL, 0, false, true);
        return;
      }
    }
    if (!ee) return;
    if (p & PENDING.EXTERNAL) {
      // Level-sensitive: it stays pending until the interrupt controller lowers it.
      this.deliverInterrupt(VEC.EXTERNAL, 0, false, false);
      return;
    }
    if (p & PENDING.DECREMENTER) {
      this.deliverInterrupt(VEC.DECREMENTER, 0, false, false);
      // Taking the interrupt consumes this edge; DEC stays negative until software rewrites it.
      this.pending &= ~PENDING.DECREMENTER;
      this.decFired = true;
      return;
    }
    if (p & PENDING.DOORBELL) {
      this.pending &= ~PENDING.DOORBELL;
      this.deliverInterrupt(VEC.DOORBELL, 0, false, false);
      return;
    }
    if (p & PENDING.HDOORBELL) {
      this.pending &= ~PENDING.HDOORBELL;
      this.deliverInterrupt(VEC.HDOORBELL, 0, false, true);
    }
  }

  /** The interrupt controller's output (XICS): level-sensitive external interrupt input. */
  setExternalInterrupt(level: boolean): void {
    if (level) this.pending |= PENDING.EXTERNAL;
    else this.pending &= ~PENDING.EXTERNAL;
  }

  /** Request a machine check interrupt (0x200), e.g. for an unrecoverable host-side error. */
  signalMachineCheck(): void {
    this.pending |= PENDING.MACHINE_CHECK;
  }

  /** Request a system reset interrupt (NMI, H_SIGNAL_SYS_RESET). */
  signalSystemReset(): void {
    this.pending |= PENDING.SYSTEM_RESET;
  }

  /** Directed privileged doorbell (msgsndp / DPDES). */
  setDoorbell(level: boolean): void {
    if (level) this.pending |= PENDING.DOORBELL;
    else this.pending &= ~PENDING.DOORBELL;
  }

  /** True when an interrupt that would be taken (or would wake a halted CPU) is pending. */
  hasPendingInterrupt(): boolean {
    this.pollTimers();
    return this.pending !== 0;
  }

  /** Enter a power-saving state: the run loop returns `halted` until an interrupt is pending. */
  halt(): void {
    this.halted = true;
  }

  /** Directed hypervisor doorbell (msgsnd). */
  setHDoorbell(level: boolean): void {
    if (level) this.pending |= PENDING.HDOORBELL;
    else this.pending &= ~PENDING.HDOORBELL;
  }

  /** Leave the halted state if an interrupt is pending. Returns true when running again. */
  wakeFromHalt(): boolean {
    this.pollTimers();
    if (this.pending === 0) return false;
    if (!this.powerSaveWake) {
      this.halted = false;
      return true;
    }
    // Power-saving exit (Book III-S §3.3.2 / POWER8 UM): only events enabled by LPCR[PECE] wake the
    // thread, with a system reset interrupt whose SRR1 names the reason; SRR0 was set at entry.
    const lpcr = this.sprs[SPR.LPCR * 2]!;
    const p = this.pending;
    let reason = 0;
    if (p & PENDING.SYSTEM_RESET) reason = SRR1_WAKE.SYSTEM_RESET;
    else if (p & PENDING.EXTERNAL && lpcr & 0x4000) reason = SRR1_WAKE.EXTERNAL;
    else if (p & PENDING.DECREMENTER && lpcr & 0x2000) reason = SRR1_WAKE.DECREMENTER;
    else if (p & PENDING.DOORBELL && lpcr & 0x10000) reason = SRR1_WAKE.DOORBELL;
    else if (p & PENDING.HDOORBELL && lpcr & 0x8000) reason = SRR1_WAKE.HDOORBELL;
    if (reason === 0) return false;
    this.halted = false;
    this.powerSaveWake = false;
    if (reason === SRR1_WAKE.SYSTEM_RESET) this.pending &= ~PENDING.SYSTEM_RESET;
    const s = this.s;
    const srr0Lo = this.sprs[SPR.SRR0 * 2]!;
    const srr0Hi = this.sprs[SPR.SRR0 * 2 + 1]!;
    s[PC] = srr0Lo;
    s[PC + 1] = srr0Hi;
    // State-loss field 0b01: no state lost (nap).
    this.deliverInterrupt(VEC.SYSTEM_RESET, reason | 0x00010000, false, true);
    return true;
  }

  // ---- timebase and decrementers (Book II §5.2, Book III-S §7) -------------------------------

  /**
   * Deterministic time base: `ticksPerInstruction` ticks per executed instruction
   * (for reproducible runs; the default is the host clock at 512 MHz).
   */
  useInstructionCountTimebase(ticksPerInstruction = 1): void {
    this.timebase = () => this.icount * ticksPerInstruction;
  }

  /** The time base value as a safe-integer number of ticks. */
  tb(): number {
    return this.timebase() + this.tbOffset;
  }

  /** DEC as a signed 32-bit value (the 56-bit large decrementer is not modelled). */
  /**
   * DEC as a signed value: 32 bits, or 56 bits with POWER9's large decrementer
   * (LPCR[LD], ISA 3.0 Book III §7.3.1).
   */
  readDec(): number {
    const v = this.decValue - (this.tb() - this.decSetTb);
    if (!this.largeDec()) return v | 0;
    // Wrap into the signed 56-bit range.
    const m = 2 ** 56;
    let w = v % m;
    if (w >= 2 ** 55) w -= m;
    else if (w < -(2 ** 55)) w += m;
    return w;
  }

  /** POWER9 with LPCR[LD] set. */
  largeDec(): boolean {
    return this.model === 'power9' && (this.sprs[SPR.LPCR * 2]! & 0x20000) !== 0;
  }

  /** mtdec: `hi` matters only for the large decrementer. */
  writeDec(v: number, hi = v >> 31): void {
    this.decSetTb = this.tb();
    if (this.largeDec()) {
      // Sign-extend bits 8:63 (the low 56 bits).
      const h = (hi << 8) >> 8;
      v = h * 4294967296 + (v >>> 0);
    } else v |= 0;
    this.decValue = v;
    this.decFired = false;
    // Writing a value with bit 0 set makes the exception pending at once (Book III-S §7.3).
    if (v < 0) {
      this.pending |= PENDING.DECREMENTER;
      this.decFired = true;
    } else this.pending &= ~PENDING.DECREMENTER;
  }

  readHdec(): number {
    return (this.hdecValue - (this.tb() - this.hdecSetTb)) | 0;
  }

  writeHdec(v: number): void {
    this.hdecSetTb = this.tb();
    this.hdecValue = v | 0;
    this.hdecFired = (v | 0) < 0;
    if (this.hdecFired) this.pending |= PENDING.HDECREMENTER;
  }

  /** Ticks until the decrementer next fires (for sleeping while halted); Infinity if never. */
  ticksUntilTimer(): number {
    let t = Number.POSITIVE_INFINITY;
    if (!this.decFired) t = Math.max(0, this.decValue + 1 - (this.tb() - this.decSetTb));
    return t;
  }

  /** Raise decrementer exceptions whose time has come. */
  pollTimers(): void {
    const now = this.tb();
    if (!this.decFired && now - this.decSetTb > this.decValue) {
      this.decFired = true;
      this.pending |= PENDING.DECREMENTER;
    }
    // The hypervisor decrementer belongs to a real hypervisor: under a virtual one (PAPR hcall hook) it never fires.
    if (!this.hdecFired && !this.hooks.hypercall && now - this.hdecSetTb > this.hdecValue) {
      this.hdecFired = true;
      this.pending |= PENDING.HDECREMENTER;
    }
  }

  // ---- SPRs ---------------------------------------------------------------------------------

  /** Read an SPR by number (registers with their own slot — XER, LR, CTR, TAR, VRSAVE — included). */
  getSpr(n: number): bigint {
    switch (n) {
      case SPR.XER:
        return BigInt(this.getXer());
      case SPR.LR:
        return this.get64(LR);
      case SPR.CTR:
        return this.get64(CTR);
      case SPR.TAR:
        return this.get64(TAR);
      case SPR.VRSAVE:
        return BigInt(this.s[VRSAVE]! >>> 0);
      case SPR.DEC:
        return BigInt.asUintN(64, BigInt(this.readDec()));
      default:
        return (BigInt(this.sprs[n * 2 + 1]! >>> 0) << 32n) | BigInt(this.sprs[n * 2]! >>> 0);
    }
  }

  setSpr(n: number, v: bigint): void {
    const x = BigInt.asUintN(64, v);
    const lo = Number(x & 0xffffffffn) | 0;
    const hi = Number(x >> 32n) | 0;
    switch (n) {
      case SPR.XER:
        this.setXer(lo);
        return;
      case SPR.LR:
        this.set64(LR, x);
        return;
      case SPR.CTR:
        this.set64(CTR, x);
        return;
      case SPR.TAR:
        this.set64(TAR, x);
        return;
      case SPR.VRSAVE:
        this.s[VRSAVE] = lo;
        return;
      case SPR.DEC:
        this.writeDec(lo);
        return;
      default:
        this.setSpr64(n, lo, hi);
    }
  }

  setSpr64(n: number, lo: number, hi: number): void {
    this.sprs[n * 2] = lo;
    this.sprs[n * 2 + 1] = hi;
  }

  /**
   * mfspr/mftb into GPR slot `t` (2*RT). Problem state sees the user SPRs (Book I §3.3.17,
   * Book II §5.2); privileged state also the Book III-S set; hypervisor SPRs need MSR[HV].
   */
  mfspr(spr: number, t: number): number {
    const s = this.s;
    const pr = (s[MSR]! & MSR_LO_PR) !== 0;
    const gate = this.sprGate(spr, pr);
    if (gate !== 0) return gate;
    let lo: number;
    let hi = 0;
    switch (spr) {
      case SPR.XER:
        lo = this.getXer();
        break;
      case SPR.LR:
        lo = s[LR]!;
        hi = s[LR + 1]!;
        break;
      case SPR.CTR:
        lo = s[CTR]!;
        hi = s[CTR + 1]!;
        break;
      case SPR.TAR:
        lo = s[TAR]!;
        hi = s[TAR + 1]!;
        break;
      case SPR.VRSAVE:
        lo = s[VRSAVE]!;
        break;
      case SPR.TB:
      case SPR.TBU: {
        const tb = this.tb();
        const thi = Math.floor(tb / TWO32);
        if (spr === SPR.TB) {
          lo = (tb % TWO32) | 0;
          hi = thi | 0;
        } else lo = thi | 0;
        break;
      }
      case SPR.UDSCR:
        lo = this.sprs[SPR.DSCR * 2]!;
        hi = this.sprs[SPR.DSCR * 2 + 1]!;
        break;
      case SPR.UAMR:
        lo = this.sprs[SPR.AMR * 2]!;
        hi = this.sprs[SPR.AMR * 2 + 1]!;
        break;
      case SPR.PPR:
        lo = this.sprs[spr * 2]!;
        hi = this.sprs[spr * 2 + 1]!;
        break;
      case SPR.PPR32:
        lo = this.sprs[SPR.PPR * 2 + 1]!;
        break;
      case SPR.USPRG3:
        lo = this.sprs[SPR.SPRG3 * 2]!;
        hi = this.sprs[SPR.SPRG3 * 2 + 1]!;
        break;
      default: {
        if (pr) return this.problemStateSpr(spr);
        if (!this.system || !KNOWN_SPRS.has(spr)) {
          // Undefined SPR numbers in privileged state: a no-op on POWER8 except 0, 4, 5, 6 (illegal).
          if (!this.system || spr === 0 || spr === 4 || spr === 5 || spr === 6) return this.illegalInstruction();
          return 0;
        }
        if (HV_SPRS.has(spr) && !HV_READABLE.has(spr) && !this.inHypervisorState()) return this.illegalInstruction();
        switch (spr) {
          case SPR.DEC: {
            const d = this.readDec();
            lo = d | 0;
            hi = Math.floor(d / 4294967296) | 0;
            break;
          }
          case SPR.HDEC:
            lo = this.readHdec();
            hi = lo >> 31;
            break;
          case SPR.PVR:
            lo = this.pvr;
            break;
          case SPR.PIR:
            lo = this.pir;
            break;
          case SPR.TIR:
            lo = this.tir;
            break;
          case SPR.PURR:
          case SPR.SPURR:
          case SPR.VTB: {
            const tb = this.tb();
            lo = (tb % TWO32) | 0;
            hi = Math.floor(tb / TWO32) | 0;
            break;
          }
          default:
            lo = this.sprs[spr * 2]!;
            hi = this.sprs[spr * 2 + 1]!;
        }
      }
    }
    s[t] = lo;
    s[t + 1] = hi;
    return 0;
  }

  mtspr(spr: number, sr: number): number {
    const s = this.s;
    const lo = s[sr]!;
    const hi = s[sr + 1]!;
    const pr = (s[MSR]! & MSR_LO_PR) !== 0;
    const gate = this.sprGate(spr, pr);
    if (gate !== 0) return gate;
    switch (spr) {
      case SPR.XER:
        this.setXer(lo);
        return 0;
      case SPR.LR:
        s[LR] = lo;
        s[LR + 1] = hi;
        return 0;
      case SPR.CTR:
        s[CTR] = lo;
        s[CTR + 1] = hi;
        return 0;
      case SPR.TAR:
        s[TAR] = lo;
        s[TAR + 1] = hi;
        return 0;
      case SPR.VRSAVE:
        s[VRSAVE] = lo;
        return 0;
      case SPR.UDSCR:
        this.setSpr64(SPR.DSCR, lo, hi);
        return 0;
      case SPR.UAMR: {
        // Problem state may change only the AMR bits UAMOR allows (Book III-S §5.7.13).
        if (pr && this.system) {
          const mlo = this.sprs[SPR.UAMOR * 2]!;
          const mhi = this.sprs[SPR.UAMOR * 2 + 1]!;
          const a = SPR.AMR * 2;
          this.sprs[a] = (this.sprs[a]! & ~mlo) | (lo & mlo);
          this.sprs[a + 1] = (this.sprs[a + 1]! & ~mhi) | (hi & mhi);
        } else this.setSpr64(SPR.AMR, lo, hi);
        return 0;
      }
      case SPR.PPR:
        this.setSpr64(spr, lo, hi);
        return 0;
      case SPR.PPR32:
        this.sprs[SPR.PPR * 2 + 1] = lo;
        return 0;
      default:
        break;
    }
    if (pr) return this.problemStateSpr(spr);
    if (!this.system || !KNOWN_SPRS.has(spr)) {
      if (!this.system || spr === 0 || spr === 4 || spr === 5 || spr === 6) return this.illegalInstruction();
      return 0;
    }
    if (HV_SPRS.has(spr) && !this.inHypervisorState()) return this.illegalInstruction();
    switch (spr) {
      case SPR.DEC:
        this.writeDec(lo, hi);
        // A pending decrementer may now be taken: end the block so the run loop looks.
        return this.continueAtNext();
      case SPR.HDEC:
        this.writeHdec(lo);
        return this.continueAtNext();
      case SPR.PVR:
      case SPR.PIR:
      case SPR.TB:
      case SPR.TBU:
        return 0; // read-only
      case SPR.TBL_W: {
        const tb = this.tb();
        const want = Math.floor(tb / TWO32) * TWO32 + (lo >>> 0);
        this.tbOffset += want - tb;
        return 0;
      }
      case SPR.TBU_W: {
        const tb = this.tb();
        const want = (lo >>> 0) * TWO32 + (tb % TWO32);
        this.tbOffset += want - tb;
        return 0;
      }
      case SPR.TBU40: {
        // Upper 40 bits from the register, low 24 bits kept (Book III-S §7.2).
        const tb = this.tb();
        const upper = (hi >>> 0) * TWO32 + ((lo >>> 0) & (~0xffffff >>> 0));
        this.tbOffset += upper + (tb % 0x1000000) - tb;
        return 0;
      }
      case SPR.LPCR:
      case SPR.LPIDR:
      case SPR.HRMOR:
      case SPR.SDR1:
      case SPR.PTCR:
      case SPR.AMR:
      case SPR.IAMR:
        this.setSpr64(spr, lo, hi);
        // Translation context changed: drop cached translations.
        this.flushTlb();
        return this.continueAtNext();
      default:
        this.setSpr64(spr, lo, hi);
        return 0;
    }
  }

  /**
   * An SPR outside the problem-state set, accessed with MSR[PR]=1. Under PR mode the guest
   * kernel itself runs in problem state: its accesses trap into the emulation layer.
   */
  private problemStateSpr(spr: number): number {
    if (this.pr && !this.pr.emulating && !this.guestProblemState()) return this.pr.trap();
    return isPrivilegedSpr(spr) ? this.privilegedInstruction() : this.illegalInstruction();
  }

  /** MSR[PR] as the running software sees it (the guest's under PR mode). */
  guestProblemState(): boolean {
    const pr = this.pr;
    if (pr && !pr.emulating) return (pr.guestMsrLo() & MSR_LO_PR) !== 0;
    return (this.s[MSR]! & MSR_LO_PR) !== 0;
  }

  /**
   * Model and facility checks before an SPR access: an SPR the model lacks is an
   * illegal instruction; in problem state on POWER8/9 a facility disabled in FSCR
   * raises the facility unavailable interrupt. Returns 0 to proceed.
   */
  private sprGate(spr: number, pr: boolean): number {
    if (
      this.model === 'power7'
        ? NOT_ON_POWER7.has(spr) || ONLY_ON_POWER9.has(spr)
        : this.model === 'power8' && ONLY_ON_POWER9.has(spr)
    )
      return this.illegalInstruction();
    if (pr && this.system && this.guestProblemState()) {
      if (spr === SPR.TAR) return this.checkFscr(FSCR_FACILITY.TAR);
      if (spr === SPR.UDSCR) return this.checkFscr(FSCR_FACILITY.DSCR);
      if (spr >= 804 && spr <= 806) return this.checkFscr(FSCR_FACILITY.EBB);
    }
    return 0;
  }

  /**
   * Problem-state use of a facility controlled by FSCR (POWER8+): when its enable bit is
   * 0, the facility unavailable interrupt (0xf60) with the cause in FSCR[IC]. Returns 0 if allowed.
   */
  checkFscr(facility: number): number {
    if (!this.system || this.model === 'power7' || !this.guestProblemState()) return 0;
    const lo = this.sprs[SPR.FSCR * 2]!;
    if ((lo >>> facility) & 1) return 0;
    const hi = this.sprs[SPR.FSCR * 2 + 1]!;
    this.sprs[SPR.FSCR * 2 + 1] = (hi & 0x00ffffff) | (facility << 24);
    return this.deliverInterrupt(VEC.FAC_UNAVAILABLE, 0, false);
  }

  /** MSR[HV]=1 and MSR[PR]=0, or no hypervisor at all (a bare-metal run with `system` and no vhyp). */
  inHypervisorState(): boolean {
    return (this.s[MSR + 1]! & MSR_HI_HV) !== 0 && (this.s[MSR]! & MSR_LO_PR) === 0;
  }

  /** Finish the current instruction by moving to the next one and ending the block (returns 1). */
  continueAtNext(): number {
    const [lo, hi] = this.nextPc();
    this.s[PC] = lo;
    this.s[PC + 1] = hi;
    return 1;
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
    // Linux patches code one instruction at a time (feature fixups, jump labels), each with an
    // icbi: look through the soft TLBs before walking the page table.
    const i = (lo >>> 12) & TLB_MASK;
    const page = lo & ~0xfff;
    let off: number;
    if (this.rTagLo[i] === page && this.rTagHi[i] === hi) off = this.rOff[i]!;
    else if (this.fTagLo[i] === page && this.fTagHi[i] === hi) off = this.fOff[i]!;
    else off = this.translator.translate(hi, page, Access.Load);
    if (off >= 0 && this.codeMark[off / 4096]) this.invalidateCode(off, 4096);
    return 0;
  }

  /** isync and other context-synchronising events: code other CPUs invalidated is dropped before the next fetch. */
  contextSync(): number {
    if (this.attn[this.domainIndex] !== 0) this.serviceAttention();
    return 0;
  }

  /**
   * Architected reset: every register, SPR, pending interrupt and timer cleared, the
   * soft TLB and predecoded code dropped, MSR = 0. Model, PVR, PIR, TIR, hooks and
   * the translator stay; the embedder sets the entry state afterwards.
   */
  reset(): void {
    this.s.fill(0);
    this.sprs.fill(0);
    this.pending = 0;
    this.halted = false;
    this.powerSaveWake = false;
    this.pendingStop = null;
    this.decSetTb = this.tb();
    this.decValue = 0x7fffffff;
    this.decFired = false;
    this.hdecSetTb = this.decSetTb;
    this.hdecValue = 0x7fffffff;
    this.hdecFired = false;
    this.setMsr(0, 0);
    this.flushAll();
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
