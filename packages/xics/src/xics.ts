/**
 * XICS: the interrupt controller of a PAPR partition in "XICS" mode.
 *
 * One ICS (interrupt source controller) with `nrIrqs` sources numbered from
 * `offset`, and one ICP (interrupt presentation controller) per server (vCPU).
 * Behaviour follows LoPAPR chapter "Interrupt Architecture" (the ICS/ICP model,
 * XIRR/CPPR/MFRR registers) as QEMU's emulated XICS and Linux's icp-hv /
 * ics-rtas drivers use it. Deliberate differences from QEMU are marked
 * "differs from QEMU" and listed in the README.
 *
 * Concurrency: all state lives in one SharedArrayBuffer. Each ICP has a spin
 * lock; each source has a lock bit in its status word. Lock order is always
 * source → ICP; code holding an ICP lock only touches other sources' flags with
 * single atomic operations. Resend work (re-offering rejected sources) runs
 * after the ICP lock is released, so delivery can take the target ICP's lock.
 */
import type { Logger } from '@ppcvm/machine-core';
import { XicsError } from './errors.js';
import {
  HDR_MAGIC,
  HDR_NR_IRQS,
  HDR_NR_SERVERS,
  HDR_OFFSET,
  HDR_VERSION,
  HEADER_WORDS,
  ICP_CPPR,
  ICP_LOCK,
  ICP_MFRR,
  ICP_OUTPUT,
  ICP_PENDING,
  ICP_WORDS,
  ICP_XISR,
  LAYOUT_VERSION,
  MAGIC,
  packConfig,
  SRC_CONFIG,
  SRC_STATUS,
  SRC_WORDS,
  ST_ASSERTED,
  ST_CLAIMED,
  ST_LOCK,
  ST_LSI,
  ST_MASKED_PENDING,
  ST_REJECTED,
  ST_SENT,
  totalWords,
} from './layout.js';

/** First external source number in QEMU's pseries (XICS_IRQ_BASE). */
export const XICS_IRQ_BASE = 0x1000;
/** Default number of external sources (QEMU: XICS_IRQS_SPAPR). */
export const XICS_DEFAULT_NR_IRQS = 0x1000;
/** XISR value of an inter-processor interrupt (LoPAPR: MFRR-generated interrupt). */
export const XICS_IPI = 2;
/** XISR value meaning "no interrupt" (Linux XICS_IRQ_SPURIOUS). */
export const XICS_SPURIOUS = 0;
/** Priority 0xff is the least favoured: a source at 0xff is masked, a CPPR of 0xff accepts everything else. */
export const PRIORITY_MASKED = 0xff;
/** Source numbers below 16 are reserved (0 = none, 2 = IPI): an ICS may not start lower. */
export const XICS_MIN_OFFSET = 16;
/** XISR is 24 bits wide. */
export const XISR_MASK = 0x00ffffff;

export type IrqType = 'lsi' | 'msi';

/** Called (on the thread that made the change) when a server's external-interrupt output changes. */
export type ExternalPendingCallback = (server: number, level: boolean) => void;

export interface XicsOptions {
  /** Number of interrupt servers (ICPs), server numbers 0..nrServers-1. At most 65536. */
  readonly nrServers: number;
  /** Number of sources in the ICS. Default 4096. */
  readonly nrIrqs?: number;
  /** Number of the first source. Default 0x1000 (XICS_IRQ_BASE). */
  readonly offset?: number;
  readonly logger?: Logger;
  readonly setExternalPending?: ExternalPendingCallback;
}

export interface XicsAttachOptions {
  readonly logger?: Logger;
  readonly setExternalPending?: ExternalPendingCallback;
}

/** Snapshot of one ICP (plain data). */
export interface IcpState {
  readonly cppr: number;
  readonly xisr: number;
  readonly pendingPriority: number;
  readonly mfrr: number;
}

/** Snapshot of one source (plain data). */
export interface SourceState {
  readonly server: number;
  readonly priority: number;
  readonly savedPriority: number;
  readonly type: IrqType;
  readonly claimed: boolean;
  readonly asserted: boolean;
  readonly sent: boolean;
  readonly rejected: boolean;
  readonly maskedPending: boolean;
}

/** The whole controller as plain data (JSON-safe). */
export interface XicsSavedState {
  readonly version: 1;
  readonly offset: number;
  readonly nrIrqs: number;
  readonly nrServers: number;
  readonly icps: readonly IcpState[];
  readonly sources: readonly SourceState[];
}

/** What a device holds: one interrupt source. */
export interface XicsIrqLine {
  readonly irq: number;
  readonly type: IrqType;
  /** LSI: assert the line. MSI: send one message (edge). */
  raise(): void;
  /** LSI: deassert the line. MSI: no effect. */
  lower(): void;
  /** One edge: MSI sends one message; LSI asserts then deasserts. */
  pulse(): void;
  set(level: boolean): void;
}

const NO_CHANGE = -1;

function isU8(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 0xff;
}

export class Xics {
  readonly buffer: SharedArrayBuffer;
  /** The shared words; exposed so a vCPU can `Atomics.wait` on {@link outputIndex}. */
  readonly words: Int32Array;
  readonly nrServers: number;
  readonly nrIrqs: number;
  readonly offset: number;

  private readonly srcBase: number;
  private readonly resendBase: number;
  private readonly resendWords: number;
  private readonly logger: Logger | undefined;
  private readonly callback: ExternalPendingCallback | undefined;

  /** Allocate fresh shared state (all sources masked, all ICPs at CPPR 0 / MFRR 0xff). */
  static create(options: XicsOptions): Xics {
    const nrServers = options.nrServers;
    const nrIrqs = options.nrIrqs ?? XICS_DEFAULT_NR_IRQS;
    const offset = options.offset ?? XICS_IRQ_BASE;
    if (!Number.isInteger(nrServers) || nrServers < 1 || nrServers > 0x10000) {
      throw new XicsError(`nrServers must be an integer in 1..65536, got ${nrServers}`);
    }
    if (!Number.isInteger(nrIrqs) || nrIrqs < 1 || nrIrqs > 0x100000) {
      throw new XicsError(`nrIrqs must be an integer in 1..1048576, got ${nrIrqs}`);
    }
    if (!Number.isInteger(offset) || offset < XICS_MIN_OFFSET || offset + nrIrqs > XISR_MASK + 1) {
      throw new XicsError(`offset ${offset} with ${nrIrqs} sources does not fit in 16..0xffffff`);
    }
    const buffer = new SharedArrayBuffer(totalWords(nrServers, nrIrqs) * 4);
    const w = new Int32Array(buffer);
    w[HDR_MAGIC] = MAGIC;
    w[HDR_VERSION] = LAYOUT_VERSION;
    w[HDR_NR_SERVERS] = nrServers;
    w[HDR_NR_IRQS] = nrIrqs;
    w[HDR_OFFSET] = offset;
    const x = new Xics(buffer, options);
    x.resetState(false);
    return x;
  }

  /** Use state created elsewhere (typically in another worker) through its buffer. */
  static attach(buffer: SharedArrayBuffer, options: XicsAttachOptions = {}): Xics {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < HEADER_WORDS * 4) {
      throw new XicsError('attach: not a XICS SharedArrayBuffer');
    }
    const w = new Int32Array(buffer);
    if (w[HDR_MAGIC] !== MAGIC || w[HDR_VERSION] !== LAYOUT_VERSION) {
      throw new XicsError('attach: buffer has no XICS header of this layout version');
    }
    const nrServers = w[HDR_NR_SERVERS]!;
    const nrIrqs = w[HDR_NR_IRQS]!;
    if (nrServers < 1 || nrIrqs < 1 || buffer.byteLength !== totalWords(nrServers, nrIrqs) * 4) {
      throw new XicsError('attach: buffer size does not match its header');
    }
    return new Xics(buffer, options);
  }

  private constructor(buffer: SharedArrayBuffer, options: XicsAttachOptions) {
    this.buffer = buffer;
    this.words = new Int32Array(buffer);
    this.nrServers = this.words[HDR_NR_SERVERS]!;
    this.nrIrqs = this.words[HDR_NR_IRQS]!;
    this.offset = this.words[HDR_OFFSET]!;
    this.srcBase = HEADER_WORDS + this.nrServers * ICP_WORDS;
    this.resendBase = this.srcBase + this.nrIrqs * SRC_WORDS;
    this.resendWords = Math.ceil(this.nrIrqs / 32);
    this.logger = options.logger;
    this.callback = options.setExternalPending;
  }

  // ---------------------------------------------------------------- queries

  validServer(server: number): boolean {
    return Number.isInteger(server) && server >= 0 && server < this.nrServers;
  }

  /** True when `irq` is a source number of this ICS (LoPAPR: a valid interrupt source number). */
  validIrq(irq: number): boolean {
    return Number.isInteger(irq) && irq >= this.offset && irq < this.offset + this.nrIrqs;
  }

  /** Index into {@link words} of the server's output flag (1 = external interrupt pending). */
  outputIndex(server: number): number {
    this.checkServer(server);
    return HEADER_WORDS + server * ICP_WORDS + ICP_OUTPUT;
  }

  /** The server's external-interrupt output: the CPU takes an external interrupt while this is true and MSR[EE]=1. */
  externalPending(server: number): boolean {
    return Atomics.load(this.words, this.outputIndex(server)) !== 0;
  }

  /**
   * Block the calling thread until the server's output is raised or `timeoutMs`
   * passes (Atomics.wait: not allowed on a browser main thread). Returns the output level.
   */
  waitForInterrupt(server: number, timeoutMs: number): boolean {
    const idx = this.outputIndex(server);
    if (Atomics.load(this.words, idx) === 0) Atomics.wait(this.words, idx, 0, timeoutMs);
    return Atomics.load(this.words, idx) !== 0;
  }

  icp(server: number): IcpState {
    const b = this.icpBase(server);
    this.lockIcp(b);
    const s = {
      cppr: Atomics.load(this.words, b + ICP_CPPR),
      xisr: Atomics.load(this.words, b + ICP_XISR),
      pendingPriority: Atomics.load(this.words, b + ICP_PENDING),
      mfrr: Atomics.load(this.words, b + ICP_MFRR),
    };
    this.unlockIcp(b);
    return s;
  }

  source(irq: number): SourceState {
    const i = this.srcIndex(irq);
    const cfg = Atomics.load(this.words, this.cfgIdx(i));
    const st = Atomics.load(this.words, this.stIdx(i));
    return {
      server: cfg >>> 16,
      priority: cfg & 0xff,
      savedPriority: (cfg >>> 8) & 0xff,
      type: st & ST_LSI ? 'lsi' : 'msi',
      claimed: (st & ST_CLAIMED) !== 0,
      asserted: (st & ST_ASSERTED) !== 0,
      sent: (st & ST_SENT) !== 0,
      rejected: (st & ST_REJECTED) !== 0,
      maskedPending: (st & ST_MASKED_PENDING) !== 0,
    };
  }

  // ------------------------------------------------------ device interface

  /** Give a source to a device (QEMU: spapr_irq_claim). Throws if already claimed. */
  claim(irq: number, type: IrqType = 'msi'): XicsIrqLine {
    const i = this.srcIndex(irq);
    const idx = this.stIdx(i);
    const s = this.lockSource(idx);
    if (s & ST_CLAIMED) {
      this.unlockSource(idx);
      throw new XicsError(`irq 0x${irq.toString(16)} is already claimed`);
    }
    Atomics.or(this.words, idx, ST_CLAIMED | (type === 'lsi' ? ST_LSI : 0));
    this.unlockSource(idx);
    return this.line(irq);
  }

  /** Return a claimed source to the free pool; its state is reset (masked, idle). */
  release(irq: number): void {
    const i = this.srcIndex(irq);
    const idx = this.stIdx(i);
    this.lockSource(idx);
    Atomics.store(this.words, this.cfgIdx(i), packConfig(0, PRIORITY_MASKED, PRIORITY_MASKED));
    Atomics.store(this.words, idx, ST_LOCK);
    this.unlockSource(idx);
  }

  /** The line of an already claimed source (e.g. in a worker that attached to the buffer). */
  line(irq: number): XicsIrqLine {
    const s = this.source(irq);
    if (!s.claimed) throw new XicsError(`irq 0x${irq.toString(16)} is not claimed`);
    const type = s.type;
    const lsi = type === 'lsi';
    return {
      irq,
      type,
      raise: () => this.setIrq(irq, true),
      lower: () => {
        if (lsi) this.setIrq(irq, false);
      },
      pulse: () => {
        this.setIrq(irq, true);
        if (lsi) this.setIrq(irq, false);
      },
      set: (level: boolean) => this.setIrq(irq, level),
    };
  }

  /**
   * Drive a source input. LSI: the level. MSI: `true` sends one message,
   * `false` does nothing (messages have no level).
   */
  setIrq(irq: number, level: boolean): void {
    const i = this.srcIndex(irq);
    const idx = this.stIdx(i);
    const s = this.lockSource(idx);
    if (!(s & ST_CLAIMED)) {
      this.unlockSource(idx);
      throw new XicsError(`irq 0x${irq.toString(16)} is not claimed`);
    }
    if (s & ST_LSI) {
      if (level) Atomics.or(this.words, idx, ST_ASSERTED);
      else Atomics.and(this.words, idx, ~ST_ASSERTED);
      this.resendLsiLocked(i);
    } else if (level) {
      const cfg = Atomics.load(this.words, this.cfgIdx(i));
      const prio = cfg & 0xff;
      if (prio === PRIORITY_MASKED) {
        Atomics.or(this.words, idx, ST_MASKED_PENDING);
      } else {
        this.present(cfg >>> 16, irq, prio);
      }
    }
    this.unlockSource(idx);
  }

  // -------------------------------------------------- ICS configuration (XIVE)

  /** ibm,set-xive: route `irq` to `server` at `priority` (also the saved priority). */
  setXive(irq: number, server: number, priority: number): void {
    this.checkServer(server);
    this.checkU8(priority, 'priority');
    this.writeXive(this.srcIndex(irq), (_cfg) => packConfig(server, priority, priority));
  }

  /** ibm,get-xive. */
  getXive(irq: number): { server: number; priority: number } {
    const cfg = Atomics.load(this.words, this.cfgIdx(this.srcIndex(irq)));
    return { server: cfg >>> 16, priority: cfg & 0xff };
  }

  /** ibm,int-off: mask, remembering the priority for int-on. */
  intOff(irq: number): void {
    // Differs from QEMU: a second int-off keeps the saved priority instead of
    // saving 0xff over it, so int-off; int-off; int-on still restores the source.
    this.writeXive(this.srcIndex(irq), (cfg) => {
      const prio = cfg & 0xff;
      const saved = prio === PRIORITY_MASKED ? (cfg >>> 8) & 0xff : prio;
      return packConfig(cfg >>> 16, PRIORITY_MASKED, saved);
    });
  }

  /** ibm,int-on: restore the saved priority. */
  intOn(irq: number): void {
    this.writeXive(this.srcIndex(irq), (cfg) => {
      const saved = (cfg >>> 8) & 0xff;
      return packConfig(cfg >>> 16, saved, saved);
    });
  }

  // ------------------------------------------------------------ ICP operations

  /**
   * XIRR load with side effect (H_XIRR): returns CPPR<<24 | XISR, then CPPR takes the
   * pending priority, XISR is cleared and the output lowered (LoPAPR: Accept_Interrupt).
   * With nothing pending this returns XISR 0 and sets CPPR to 0xff, as QEMU and KVM do.
   */
  accept(server: number): number {
    const b = this.icpBase(server);
    const w = this.words;
    this.lockIcp(b);
    const xirr = ((Atomics.load(w, b + ICP_CPPR) << 24) | Atomics.load(w, b + ICP_XISR)) >>> 0;
    Atomics.store(w, b + ICP_CPPR, Atomics.load(w, b + ICP_PENDING));
    Atomics.store(w, b + ICP_XISR, 0);
    Atomics.store(w, b + ICP_PENDING, PRIORITY_MASKED);
    const change = this.syncOutput(b);
    this.unlockIcp(b);
    this.afterOutput(server, change);
    if (this.logger?.enabled('int')) this.logger.log('int', `xics: server ${server} accept xirr=0x${hex(xirr)}`);
    return xirr;
  }

  /** XIRR load without side effect (H_IPOLL). */
  ipoll(server: number): { xirr: number; mfrr: number } {
    const b = this.icpBase(server);
    const w = this.words;
    this.lockIcp(b);
    const xirr = ((Atomics.load(w, b + ICP_CPPR) << 24) | Atomics.load(w, b + ICP_XISR)) >>> 0;
    const mfrr = Atomics.load(w, b + ICP_MFRR);
    this.unlockIcp(b);
    return { xirr, mfrr };
  }

  /** CPPR store (H_CPPR). */
  setCppr(server: number, cppr: number): void {
    this.checkU8(cppr, 'cppr');
    const b = this.icpBase(server);
    this.lockIcp(b);
    const resend = this.setCpprLocked(b, cppr, false);
    const change = this.syncOutput(b);
    this.unlockIcp(b);
    this.afterOutput(server, change);
    if (resend) this.resendAll();
  }

  /** MFRR store (H_IPI): an IPI is presented while MFRR is more favoured than CPPR. */
  setMfrr(server: number, mfrr: number): void {
    this.checkU8(mfrr, 'mfrr');
    const b = this.icpBase(server);
    const w = this.words;
    this.lockIcp(b);
    Atomics.store(w, b + ICP_MFRR, mfrr);
    if (mfrr < Atomics.load(w, b + ICP_CPPR)) this.checkIpiLocked(b);
    const change = this.syncOutput(b);
    this.unlockIcp(b);
    this.afterOutput(server, change);
  }

  /**
   * XIRR store (H_EOI): CPPR takes xirr>>24, the source in the low 24 bits gets its
   * end-of-interrupt, and if nothing is pending the ICP asks the sources to resend
   * (LoPAPR: EOI, then Resend of rejected interrupts).
   */
  eoi(server: number, xirr: number): void {
    if (!Number.isInteger(xirr) || xirr < 0 || xirr > 0xffffffff) {
      throw new XicsError(`eoi: xirr must be a 32-bit unsigned integer, got ${xirr}`);
    }
    const irq = xirr & XISR_MASK;
    if (irq !== XICS_IPI && !this.validIrq(irq)) {
      throw new XicsError(`eoi: 0x${irq.toString(16)} is neither the IPI nor a source of this ICS`);
    }
    const b = this.icpBase(server);
    this.lockIcp(b);
    const resend = this.setCpprLocked(b, xirr >>> 24, true);
    const change = this.syncOutput(b);
    this.unlockIcp(b);
    this.afterOutput(server, change);
    if (irq !== XICS_IPI) this.icsEoi(irq - this.offset);
    if (this.logger?.enabled('int')) this.logger.log('int', `xics: server ${server} eoi xirr=0x${hex(xirr)}`);
    if (resend) this.resendAll();
  }

  // ------------------------------------------------------ reset and snapshot

  /** Machine reset: ICPs idle, sources masked and idle; claims (device wiring) are kept, as in QEMU. */
  reset(): void {
    this.resetState(true);
  }

  saveState(): XicsSavedState {
    const icps: IcpState[] = [];
    for (let s = 0; s < this.nrServers; s++) icps.push(this.icp(s));
    const sources: SourceState[] = [];
    for (let i = 0; i < this.nrIrqs; i++) sources.push(this.source(this.offset + i));
    return { version: 1, offset: this.offset, nrIrqs: this.nrIrqs, nrServers: this.nrServers, icps, sources };
  }

  /**
   * Load a snapshot taken by {@link saveState} of a controller of the same shape.
   * Must not race with guest activity (the vmm restores with all vCPUs paused).
   * Every server's output is re-announced through the callback.
   */
  restore(state: XicsSavedState): void {
    this.validateSaved(state);
    const w = this.words;
    for (let s = 0; s < this.nrServers; s++) {
      const b = this.icpBase(s);
      const p = state.icps[s]!;
      Atomics.store(w, b + ICP_LOCK, 0);
      Atomics.store(w, b + ICP_CPPR, p.cppr);
      Atomics.store(w, b + ICP_XISR, p.xisr);
      Atomics.store(w, b + ICP_PENDING, p.pendingPriority);
      Atomics.store(w, b + ICP_MFRR, p.mfrr);
    }
    for (let k = 0; k < this.resendWords; k++) Atomics.store(w, this.resendBase + k, 0);
    for (let i = 0; i < this.nrIrqs; i++) {
      const src = state.sources[i]!;
      let st = 0;
      if (src.type === 'lsi') st |= ST_LSI;
      if (src.claimed) st |= ST_CLAIMED;
      if (src.asserted) st |= ST_ASSERTED;
      if (src.sent) st |= ST_SENT;
      if (src.rejected) st |= ST_REJECTED;
      if (src.maskedPending) st |= ST_MASKED_PENDING;
      Atomics.store(w, this.cfgIdx(i), packConfig(src.server, src.priority, src.savedPriority));
      Atomics.store(w, this.stIdx(i), st);
      // Rebuild the resend summary from the flags it summarises.
      if (st & ST_REJECTED || (st & ST_LSI && st & ST_ASSERTED && !(st & ST_SENT))) this.markResend(i);
    }
    for (let s = 0; s < this.nrServers; s++) {
      const b = this.icpBase(s);
      const level = Atomics.load(w, b + ICP_XISR) !== 0 ? 1 : 0;
      Atomics.store(w, b + ICP_OUTPUT, level);
      if (level) Atomics.notify(w, b + ICP_OUTPUT);
      this.callback?.(s, level === 1);
    }
  }

  // ------------------------------------------------------------ internals

  private icpBase(server: number): number {
    this.checkServer(server);
    return HEADER_WORDS + server * ICP_WORDS;
  }

  private checkServer(server: number): void {
    if (!this.validServer(server)) throw new XicsError(`no interrupt server ${server} (have ${this.nrServers})`);
  }

  private checkU8(v: number, what: string): void {
    if (!isU8(v)) throw new XicsError(`${what} must be an integer in 0..255, got ${v}`);
  }

  private srcIndex(irq: number): number {
    if (!this.validIrq(irq)) throw new XicsError(`irq ${irq} is not a source of this ICS`);
    return irq - this.offset;
  }

  private cfgIdx(i: number): number {
    return this.srcBase + i * SRC_WORDS + SRC_CONFIG;
  }

  private stIdx(i: number): number {
    return this.srcBase + i * SRC_WORDS + SRC_STATUS;
  }

  private lockIcp(b: number): void {
    const w = this.words;
    // Critical sections are a handful of loads and stores, so spinning beats sleeping.
    while (Atomics.compareExchange(w, b + ICP_LOCK, 0, 1) !== 0) {
      /* spin */
    }
  }

  private unlockIcp(b: number): void {
    Atomics.store(this.words, b + ICP_LOCK, 0);
  }

  /** Take the source's lock bit; returns the status word (with the lock bit set). */
  private lockSource(idx: number): number {
    const w = this.words;
    for (;;) {
      const s = Atomics.load(w, idx);
      if (!(s & ST_LOCK) && Atomics.compareExchange(w, idx, s, s | ST_LOCK) === s) return s | ST_LOCK;
    }
  }

  private unlockSource(idx: number): void {
    Atomics.and(this.words, idx, ~ST_LOCK);
  }

  private markResend(i: number): void {
    Atomics.or(this.words, this.resendBase + (i >>> 5), 1 << (i & 31));
  }

  /** Output = "XISR holds an interrupt". Called with the ICP lock held; returns the new level if it changed. */
  private syncOutput(b: number): number {
    const level = Atomics.load(this.words, b + ICP_XISR) !== 0 ? 1 : 0;
    const old = Atomics.exchange(this.words, b + ICP_OUTPUT, level);
    return old === level ? NO_CHANGE : level;
  }

  /** After the ICP lock is released: wake a sleeping vCPU and tell the embedder. */
  private afterOutput(server: number, change: number): void {
    if (change === NO_CHANGE) return;
    if (change === 1) Atomics.notify(this.words, HEADER_WORDS + server * ICP_WORDS + ICP_OUTPUT);
    this.callback?.(server, change === 1);
  }

  /**
   * Return an interrupt that its ICP will not take to the ICS (LoPAPR: Reject).
   * Called with that ICP's lock held, so a resend scan that starts after the
   * lock is released is guaranteed to see the flag.
   */
  private rejectLocked(irq: number): void {
    if (irq === XICS_IPI || !this.validIrq(irq)) return; // the IPI lives on in MFRR
    const i = irq - this.offset;
    const idx = this.stIdx(i);
    if (Atomics.load(this.words, idx) & ST_LSI) Atomics.and(this.words, idx, ~ST_SENT);
    else Atomics.or(this.words, idx, ST_REJECTED);
    this.markResend(i);
    if (this.logger?.enabled('int')) this.logger.log('int', `xics: reject 0x${irq.toString(16)}`);
  }

  /**
   * Offer interrupt `irq` at `prio` to `server` (QEMU icp_irq). Taken only if more
   * favoured than CPPR and than what is already pending; the displaced or refused
   * one is rejected.
   */
  private present(server: number, irq: number, prio: number): void {
    const b = this.icpBase(server);
    const w = this.words;
    this.lockIcp(b);
    const cppr = Atomics.load(w, b + ICP_CPPR);
    const xisr = Atomics.load(w, b + ICP_XISR);
    const pending = Atomics.load(w, b + ICP_PENDING);
    if (prio >= cppr || (xisr !== 0 && pending <= prio)) {
      this.rejectLocked(irq);
    } else {
      if (xisr !== 0) this.rejectLocked(xisr);
      Atomics.store(w, b + ICP_XISR, irq);
      Atomics.store(w, b + ICP_PENDING, prio);
    }
    const change = this.syncOutput(b);
    this.unlockIcp(b);
    this.afterOutput(server, change);
    if (this.logger?.enabled('int')) {
      this.logger.log('int', `xics: present 0x${irq.toString(16)} prio ${prio} to server ${server}`);
    }
  }

  /** QEMU icp_check_ipi: make the IPI pending unless something at least as favoured already is. */
  private checkIpiLocked(b: number): void {
    const w = this.words;
    const xisr = Atomics.load(w, b + ICP_XISR);
    const mfrr = Atomics.load(w, b + ICP_MFRR);
    if (xisr !== 0 && Atomics.load(w, b + ICP_PENDING) <= mfrr) return;
    if (xisr !== 0) this.rejectLocked(xisr);
    Atomics.store(w, b + ICP_XISR, XICS_IPI);
    Atomics.store(w, b + ICP_PENDING, mfrr);
  }

  /**
   * Set CPPR under the ICP lock (QEMU icp_set_cppr / icp_eoi). More favoured:
   * reject a pending interrupt that no longer beats it. Then, with nothing
   * pending, present the IPI if MFRR beats CPPR and return true so the caller
   * asks the ICS to resend: H_CPPR does this only when CPPR became less favoured
   * (or stayed), EOI always.
   *
   * Differs from QEMU for EOI: an EOI that makes CPPR more favoured also rejects,
   * like H_CPPR does (QEMU and KVM leave that software error alone), which keeps
   * the invariant "XISR != 0 implies pending priority < CPPR".
   */
  private setCpprLocked(b: number, cppr: number, eoi: boolean): boolean {
    const w = this.words;
    const old = Atomics.load(w, b + ICP_CPPR);
    Atomics.store(w, b + ICP_CPPR, cppr);
    if (cppr < old) {
      const xisr = Atomics.load(w, b + ICP_XISR);
      if (xisr !== 0 && cppr <= Atomics.load(w, b + ICP_PENDING)) {
        this.rejectLocked(xisr);
        Atomics.store(w, b + ICP_XISR, 0);
        Atomics.store(w, b + ICP_PENDING, PRIORITY_MASKED);
      }
      if (!eoi) return false;
    }
    if (Atomics.load(w, b + ICP_XISR) !== 0) return false;
    if (Atomics.load(w, b + ICP_MFRR) < cppr) this.checkIpiLocked(b);
    return true;
  }

  /** ICS side of EOI: an LSI may be presented again (if still asserted, at the next resend). */
  private icsEoi(i: number): void {
    const idx = this.stIdx(i);
    const s = Atomics.load(this.words, idx);
    if (!(s & ST_LSI)) return;
    Atomics.and(this.words, idx, ~ST_SENT);
    this.markResend(i);
  }

  /** Present an LSI if asserted, unmasked and not already in flight. Source lock held. */
  private resendLsiLocked(i: number): void {
    const idx = this.stIdx(i);
    const s = Atomics.load(this.words, idx);
    const cfg = Atomics.load(this.words, this.cfgIdx(i));
    const prio = cfg & 0xff;
    if (prio === PRIORITY_MASKED || !(s & ST_ASSERTED) || s & ST_SENT) return;
    Atomics.or(this.words, idx, ST_SENT);
    this.present(cfg >>> 16, this.offset + i, prio);
  }

  /**
   * Re-offer every source whose resend bit is set, in ascending order. QEMU's
   * ics_resend scans all sources; the bitmap makes that O(nrIrqs / 32) when
   * nothing was rejected. The live word is re-read after each source, so a
   * higher source rejected during this pass is still visited in it, as in a
   * full scan.
   */
  private resendAll(): void {
    const w = this.words;
    for (let k = 0; k < this.resendWords; k++) {
      const idx = this.resendBase + k;
      let from = 0;
      while (from < 32) {
        const live = Atomics.load(w, idx) & (-1 << from);
        if (live === 0) break;
        const bit = 31 - Math.clz32(live & -live);
        const mask = 1 << bit;
        // Another thread's scan may take the bit first; whoever clears it does the work.
        if (Atomics.and(w, idx, ~mask) & mask) this.resendOne(k * 32 + bit);
        from = bit + 1;
      }
    }
  }

  private resendOne(i: number): void {
    const idx = this.stIdx(i);
    const s = this.lockSource(idx);
    if (s & ST_LSI) {
      this.resendLsiLocked(i);
    } else if (s & ST_REJECTED) {
      Atomics.and(this.words, idx, ~ST_REJECTED);
      const cfg = Atomics.load(this.words, this.cfgIdx(i));
      const prio = cfg & 0xff;
      // Differs from QEMU, which drops a rejected MSI that was masked meanwhile:
      // keep it as masked-pending so int-on still delivers it (as KVM does).
      if (prio === PRIORITY_MASKED) Atomics.or(this.words, idx, ST_MASKED_PENDING);
      else this.present(cfg >>> 16, this.offset + i, prio);
    }
    this.unlockSource(idx);
  }

  /** Rewrite a source's XIVE under its lock, then deliver what the new priority allows (QEMU ics_write_xive). */
  private writeXive(i: number, update: (cfg: number) => number): void {
    const idx = this.stIdx(i);
    const s = this.lockSource(idx);
    const cfg = update(Atomics.load(this.words, this.cfgIdx(i)));
    Atomics.store(this.words, this.cfgIdx(i), cfg);
    const prio = cfg & 0xff;
    if (s & ST_LSI) {
      this.resendLsiLocked(i);
    } else if (s & ST_MASKED_PENDING && prio !== PRIORITY_MASKED) {
      Atomics.and(this.words, idx, ~ST_MASKED_PENDING);
      this.present(cfg >>> 16, this.offset + i, prio);
    }
    this.unlockSource(idx);
  }

  private resetState(keepClaims: boolean): void {
    const w = this.words;
    for (let s = 0; s < this.nrServers; s++) {
      const b = HEADER_WORDS + s * ICP_WORDS;
      Atomics.store(w, b + ICP_LOCK, 0);
      // QEMU icp_reset: XIRR 0 (CPPR 0 = most favoured: nothing is presented until the OS lowers it).
      Atomics.store(w, b + ICP_CPPR, 0);
      Atomics.store(w, b + ICP_XISR, 0);
      Atomics.store(w, b + ICP_PENDING, PRIORITY_MASKED);
      Atomics.store(w, b + ICP_MFRR, PRIORITY_MASKED);
      const old = Atomics.exchange(w, b + ICP_OUTPUT, 0);
      if (old !== 0) this.callback?.(s, false);
    }
    for (let i = 0; i < this.nrIrqs; i++) {
      Atomics.store(w, this.cfgIdx(i), packConfig(0, PRIORITY_MASKED, PRIORITY_MASKED));
      const keep = keepClaims ? Atomics.load(w, this.stIdx(i)) & (ST_LSI | ST_CLAIMED) : 0;
      Atomics.store(w, this.stIdx(i), keep);
    }
    for (let k = 0; k < this.resendWords; k++) Atomics.store(w, this.resendBase + k, 0);
  }

  private validateSaved(state: XicsSavedState): void {
    const bad = (why: string): never => {
      throw new XicsError(`restore: ${why}`);
    };
    if (typeof state !== 'object' || state === null) bad('not an object');
    if (state.version !== 1) bad(`unsupported version ${String(state.version)}`);
    if (state.offset !== this.offset || state.nrIrqs !== this.nrIrqs || state.nrServers !== this.nrServers) {
      bad(
        `shape ${state.nrServers} servers/${state.nrIrqs} irqs@0x${Number(state.offset).toString(16)} ` +
          `does not match ${this.nrServers}/${this.nrIrqs}@0x${this.offset.toString(16)}`,
      );
    }
    if (!Array.isArray(state.icps) || state.icps.length !== this.nrServers) bad('icps has the wrong length');
    if (!Array.isArray(state.sources) || state.sources.length !== this.nrIrqs) bad('sources has the wrong length');
    state.icps.forEach((p, s) => {
      if (!isU8(p.cppr) || !isU8(p.pendingPriority) || !isU8(p.mfrr)) bad(`icp ${s}: priority out of range`);
      if (!(p.xisr === 0 || p.xisr === XICS_IPI || this.validIrq(p.xisr))) bad(`icp ${s}: bad xisr ${p.xisr}`);
    });
    state.sources.forEach((src, i) => {
      if (!this.validServer(src.server)) bad(`source ${i}: bad server ${src.server}`);
      if (!isU8(src.priority) || !isU8(src.savedPriority)) bad(`source ${i}: priority out of range`);
      if (src.type !== 'lsi' && src.type !== 'msi') bad(`source ${i}: bad type`);
    });
  }
}

function hex(v: number): string {
  return v.toString(16).padStart(8, '0');
}
