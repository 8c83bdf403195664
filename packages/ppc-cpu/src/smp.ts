/**
 * Shared state that lets several Cpu instances — typically one per
 * `node:worker_threads` worker over the same guest RAM — behave as the
 * processors of one machine (ARCHITECTURE.md §3):
 *
 * - An **attention word** per CPU. Anyone may set bits in it (Atomics.or) and
 *   wake the CPU (Atomics.notify); the CPU looks at it at every block boundary
 *   and at every barrier (`sync`, `eieio`, `isync`), so a request is seen within
 *   a few instructions. Bits below {@link ATTN_EMBEDDER} belong to the CPU; the
 *   rest go to the embedder's `attention` hook (interrupts, start/stop, ...).
 * - **Code coherence.** POWER7/8/9 have a coherent instruction cache (Linux's
 *   CPU_FTR_COHERENT_ICACHE relies on it: after a store, another processor's
 *   `isync` is enough to fetch the new instruction, Book II §1.6 / §4.3). Each Cpu
 *   keeps predecoded code per RAM page; a store by one CPU to a page that another
 *   CPU has decoded must drop that decode. So: a per-page count of CPUs with
 *   decoded code; write-TLB entries in shared memory that a CPU decoding a page
 *   removes from every other CPU (their next store there takes the slow path);
 *   and per-CPU bitmaps of pages to drop, posted by the storing CPU at its next
 *   barrier or block boundary — after the store, so a racing re-decode cannot
 *   keep the old bytes — and before any later store of its (the flag that tells
 *   the other CPU to run the new code) can be ordered after a barrier.
 * - **TLB shootdown.** An HPT change that removes or weakens a translation must
 *   not complete while another CPU can still use it (Book III-S §5.10.1, tlbie +
 *   tlbsync + ptesync; PAPR's H_REMOVE and friends): {@link CpuDomain.shootdown}
 *   asks every other live CPU to flush its soft TLB and waits for each to
 *   acknowledge, serving its own attention meanwhile so two CPUs shooting at each
 *   other cannot deadlock.
 *
 * The buffer has no pointers: every thread attaches to it and computes the same
 * views. All cross-thread words are accessed with Atomics (sequentially
 * consistent), the write-TLB tags included.
 */

/** Attention bits the Cpu handles itself. */
export const ATTN = {
  /** Another CPU stored to pages this one has decoded: drop them. */
  CODE: 1,
  /** Flush the soft TLB and acknowledge (a shootdown). */
  TLB: 2,
  /** This CPU has code invalidations to post to the others (set by itself). */
  POST: 4,
} as const;
/** Lowest attention bit left to the embedder (`CpuHooks.attention`). */
export const ATTN_EMBEDDER = 8;

/** Soft-TLB entries per CPU (Cpu's TLB_SIZE). */
export const DOMAIN_TLB_SIZE = 256;

const MAGIC = 0x50504353; // 'PPCS'
const VERSION = 2;
/** Header words: magic, version, cpus, pages. */
const HEADER = 4;

interface Layout {
  readonly total: number;
  readonly attention: number;
  readonly alive: number;
  readonly sleeping: number;
  readonly tlbReq: number;
  readonly tlbAck: number;
  readonly markCount: number;
  readonly inval: number;
  readonly summary: number;
  readonly wTag: number;
  readonly wOff: number;
  readonly bitmapWords: number;
  readonly summaryWords: number;
}

function layoutOf(cpus: number, pages: number): Layout {
  const bitmapWords = Math.ceil(pages / 32);
  const summaryWords = Math.ceil(bitmapWords / 32);
  let at = HEADER * 4;
  const take = (bytes: number, align = 4) => {
    at = Math.ceil(at / align) * align;
    const here = at;
    at += bytes;
    return here;
  };
  const attention = take(cpus * 4);
  const alive = take(cpus * 4);
  const sleeping = take(cpus * 4);
  const tlbReq = take(cpus * 4);
  const tlbAck = take(cpus * 4);
  const markCount = take(pages * 4);
  const inval = take(cpus * bitmapWords * 4);
  const summary = take(cpus * summaryWords * 4);
  const wTag = take(cpus * DOMAIN_TLB_SIZE * 4);
  const wOff = take(cpus * DOMAIN_TLB_SIZE * 8, 8);
  return {
    total: Math.ceil(at / 8) * 8,
    attention,
    alive,
    sleeping,
    tlbReq,
    tlbAck,
    markCount,
    inval,
    summary,
    wTag,
    wOff,
    bitmapWords,
    summaryWords,
  };
}

/** Options of {@link CpuDomain.create}. */
export interface CpuDomainOptions {
  /** Bytes of the RAM buffer the CPUs share (its 4 KiB pages are tracked). */
  readonly ramBytes: number;
  /** Number of CPUs (1..4096). */
  readonly cpus: number;
}

/** A write-TLB tag no page-aligned address equals (Cpu's NO_TAG). */
const NO_TAG = 1;

export class CpuDomain {
  readonly buffer: SharedArrayBuffer;
  readonly cpus: number;
  /** 4 KiB pages of RAM. */
  readonly pages: number;
  /** One attention word per CPU (see {@link ATTN}). */
  readonly attention: Int32Array;
  /** 1 while a CPU's thread serves its attention word; shootdowns skip the others. */
  readonly alive: Int32Array;
  /** 1 while a CPU waits in {@link sleep}: it runs no instruction before serving its attention word. */
  private readonly sleeping: Int32Array;
  private readonly tlbReq: Int32Array;
  private readonly tlbAck: Int32Array;
  /** CPUs that hold predecoded code of each RAM page. */
  readonly markCount: Int32Array;
  private readonly inval: Int32Array;
  private readonly summary: Int32Array;
  private readonly wTags: Int32Array;
  private readonly wOffs: Float64Array;
  private readonly l: Layout;

  static create(options: CpuDomainOptions): CpuDomain {
    const { ramBytes, cpus } = options;
    if (!Number.isSafeInteger(cpus) || cpus < 1 || cpus > 4096) throw new RangeError(`CpuDomain: ${cpus} CPUs`);
    if (!Number.isSafeInteger(ramBytes) || ramBytes < 0) throw new RangeError(`CpuDomain: RAM of ${ramBytes} bytes`);
    const pages = Math.ceil(ramBytes / 4096);
    const buffer = new SharedArrayBuffer(layoutOf(cpus, pages).total);
    const h = new Int32Array(buffer, 0, HEADER);
    h[0] = MAGIC;
    h[1] = VERSION;
    h[2] = cpus;
    h[3] = pages;
    return new CpuDomain(buffer);
  }

  /** The same domain in another thread, from {@link CpuDomain.buffer}. */
  static attach(buffer: SharedArrayBuffer): CpuDomain {
    return new CpuDomain(buffer);
  }

  private constructor(buffer: SharedArrayBuffer) {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < HEADER * 4) {
      throw new TypeError('CpuDomain.attach: not a CpuDomain buffer');
    }
    const h = new Int32Array(buffer, 0, HEADER);
    if (h[0] !== MAGIC || h[1] !== VERSION) throw new TypeError('CpuDomain.attach: not a CpuDomain buffer');
    this.cpus = h[2]!;
    this.pages = h[3]!;
    const l = layoutOf(this.cpus, this.pages);
    if (buffer.byteLength !== l.total) throw new TypeError('CpuDomain.attach: buffer size does not match its header');
    this.l = l;
    this.buffer = buffer;
    this.attention = new Int32Array(buffer, l.attention, this.cpus);
    this.alive = new Int32Array(buffer, l.alive, this.cpus);
    this.sleeping = new Int32Array(buffer, l.sleeping, this.cpus);
    this.tlbReq = new Int32Array(buffer, l.tlbReq, this.cpus);
    this.tlbAck = new Int32Array(buffer, l.tlbAck, this.cpus);
    this.markCount = new Int32Array(buffer, l.markCount, this.pages);
    this.inval = new Int32Array(buffer, l.inval, this.cpus * l.bitmapWords);
    this.summary = new Int32Array(buffer, l.summary, this.cpus * l.summaryWords);
    this.wTags = new Int32Array(buffer, l.wTag, this.cpus * DOMAIN_TLB_SIZE);
    this.wOffs = new Float64Array(buffer, l.wOff, this.cpus * DOMAIN_TLB_SIZE);
  }

  /**
   * Forget everything (a machine reset, with no CPU thread attached): attention, code marks
   * and posted invalidations, shootdown counters, write TLBs.
   */
  reset(): void {
    const l = this.l;
    new Int32Array(this.buffer, l.attention, (l.markCount - l.attention) / 4).fill(0);
    this.markCount.fill(0);
    this.inval.fill(0);
    this.summary.fill(0);
    this.wTags.fill(NO_TAG);
  }

  /** CPU `index`'s write-TLB tags and offsets (the Cpu uses them as its own write TLB). */
  writeTlb(index: number): { readonly tags: Int32Array; readonly offs: Float64Array } {
    this.check(index);
    const at = index * DOMAIN_TLB_SIZE;
    return {
      tags: this.wTags.subarray(at, at + DOMAIN_TLB_SIZE).fill(NO_TAG),
      offs: this.wOffs.subarray(at, at + DOMAIN_TLB_SIZE),
    };
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.cpus) {
      throw new RangeError(`CpuDomain: no CPU ${index} (of ${this.cpus})`);
    }
  }

  /** Set attention bits of CPU `index` and wake it if it sleeps on its word. */
  post(index: number, bits: number): void {
    Atomics.or(this.attention, index, bits);
    Atomics.notify(this.attention, index);
  }

  /** Take (and clear) CPU `index`'s attention bits. */
  take(index: number): number {
    return Atomics.exchange(this.attention, index, 0);
  }

  /**
   * Sleep on CPU `index`'s attention word until a bit is set, a post wakes it, or `ms` pass.
   * Returns at once when bits are already set.
   */
  sleep(index: number, ms: number): void {
    // While asleep the CPU uses no translation, and it serves its attention word before it runs
    // again: a shootdown need not wake it (see shootdown).
    Atomics.store(this.sleeping, index, 1);
    Atomics.wait(this.attention, index, 0, ms);
    Atomics.store(this.sleeping, index, 0);
  }

  /** CPU `index` is waiting in {@link sleep} right now. */
  isSleeping(index: number): boolean {
    return Atomics.load(this.sleeping, index) === 1;
  }

  /** Mark CPU `index` as served (it answers shootdowns) or gone. */
  setAlive(index: number, alive: boolean): void {
    Atomics.store(this.alive, index, alive ? 1 : 0);
    // A CPU leaving may have shooters waiting for it.
    Atomics.notify(this.tlbAck, index);
  }

  // ---- code coherence ---------------------------------------------------------------------------

  /**
   * CPU `index` now holds decoded code of RAM page `page`: count it, then drop every other
   * CPU's write-TLB entry for the page, so their next store there takes the slow path and
   * sees the count (the count is raised first: a concurrent slow path either sees it or its
   * new entry is dropped here).
   */
  markCode(index: number, page: number): void {
    if (page >= this.pages) return;
    Atomics.add(this.markCount, page, 1);
    const off = page * 4096;
    const tags = this.wTags;
    const offs = this.wOffs;
    for (let c = 0; c < this.cpus; c++) {
      if (c === index) continue;
      const base = c * DOMAIN_TLB_SIZE;
      for (let j = base; j < base + DOMAIN_TLB_SIZE; j++) {
        if (offs[j] === off && Atomics.load(tags, j) !== NO_TAG) Atomics.store(tags, j, NO_TAG);
      }
    }
  }

  /** CPU `index` dropped its decoded code of `page`. */
  unmarkCode(page: number): void {
    if (page < this.pages) Atomics.sub(this.markCount, page, 1);
  }

  /** Some CPU holds decoded code of `page`. */
  hasCode(page: number): boolean {
    return page < this.pages && Atomics.load(this.markCount, page) > 0;
  }

  /** Tell every CPU but `from` to drop its decoded code of `page` (at its next block boundary or barrier). */
  postCodeInvalidate(from: number, page: number): void {
    if (page >= this.pages) return;
    const { bitmapWords, summaryWords } = this.l;
    const w = page >>> 5;
    for (let c = 0; c < this.cpus; c++) {
      if (c === from) continue;
      Atomics.or(this.inval, c * bitmapWords + w, 1 << (page & 31));
      Atomics.or(this.summary, c * summaryWords + (w >>> 5), 1 << (w & 31));
      Atomics.or(this.attention, c, ATTN.CODE);
    }
  }

  /**
   * Something other than a CPU (the host: DMA, firmware, an hcall) wrote RAM [offset,
   * offset+length): every CPU with decoded code there drops it at its next block boundary.
   */
  invalidateRange(offset: number, length: number): void {
    if (!(length > 0) || offset < 0) return;
    const first = Math.floor(offset / 4096);
    const last = Math.min(Math.floor((offset + length - 1) / 4096), this.pages - 1);
    for (let p = first; p <= last; p++) if (this.hasCode(p)) this.postCodeInvalidate(-1, p);
  }

  /** Drop-requests for CPU `index`: calls `drop(page)` for each page posted since the last call. */
  takeCodeInvalidations(index: number, drop: (page: number) => void): void {
    const { bitmapWords, summaryWords } = this.l;
    const sBase = index * summaryWords;
    const bBase = index * bitmapWords;
    for (let s = 0; s < summaryWords; s++) {
      let sum = Atomics.exchange(this.summary, sBase + s, 0);
      while (sum !== 0) {
        const bit = 31 - Math.clz32(sum & -sum);
        sum &= sum - 1;
        const w = s * 32 + bit;
        let bits = Atomics.exchange(this.inval, bBase + w, 0);
        while (bits !== 0) {
          const b = 31 - Math.clz32(bits & -bits);
          bits &= bits - 1;
          drop(w * 32 + b);
        }
      }
    }
  }

  // ---- TLB shootdown ----------------------------------------------------------------------------

  /**
   * Make every other live CPU flush its soft TLB, and return once each has (Book III-S §5.10.1:
   * tlbie's effect is complete on all processors after tlbsync + ptesync). `serve` is called
   * while waiting whenever CPU `from` itself has attention bits set (another CPU's shootdown,
   * typically), so concurrent shootdowns finish.
   */
  shootdown(from: number, serve: () => void): void {
    const targets: number[] = [];
    const gens: number[] = [];
    for (let c = 0; c < this.cpus; c++) {
      if (c === from || Atomics.load(this.alive, c) === 0) continue;
      const g = Atomics.add(this.tlbReq, c, 1) + 1;
      Atomics.or(this.attention, c, ATTN.TLB);
      // A sleeping CPU flushes when it wakes, before any instruction: no need to wake it now or
      // wait. (It clears `sleeping` before serving; if this load still sees 1, the request bit,
      // set first, is served on waking.)
      if (Atomics.load(this.sleeping, c) === 1) continue;
      Atomics.notify(this.attention, c);
      gens.push(g);
      targets.push(c);
    }
    for (let i = 0; i < targets.length; i++) {
      const c = targets[i]!;
      const g = gens[i]!;
      for (;;) {
        const ack = Atomics.load(this.tlbAck, c);
        if (((ack - g) | 0) >= 0 || Atomics.load(this.alive, c) === 0) break;
        if (Atomics.load(this.attention, from) !== 0) serve();
        // Short waits: the target's ack notifies this word, but our own attention does not.
        Atomics.wait(this.tlbAck, c, ack, 1);
      }
    }
  }

  /** CPU `index` is about to flush its soft TLB for the requests so far: returns the token for {@link ackTlb}. */
  tlbRequested(index: number): number {
    return Atomics.load(this.tlbReq, index);
  }

  /** CPU `index` flushed its TLB for every request up to `token`. */
  ackTlb(index: number, token: number): void {
    Atomics.store(this.tlbAck, index, token);
    Atomics.notify(this.tlbAck, index);
  }
}
