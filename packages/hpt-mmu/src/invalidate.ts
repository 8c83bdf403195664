/**
 * How the MMU tells the embedder that cached translations went stale.
 *
 * Every hcall that removes or changes an HPTE calls `invalidateHpte` for it
 * (after the HPT is updated and its lock released), then `sync` once before the
 * hcall returns. A single-threaded CPU flushes its soft TLB in
 * `invalidateHpte`; with SMP the vmm queues a shootdown for the other vCPUs
 * and waits for their acknowledgements in `sync` (ARCHITECTURE.md §3: the
 * hcall must not return while another vCPU can still use the old translation).
 */
export interface TlbInvalidator {
  /**
   * Translations derived from HPTE `ptex` are stale (the entry was removed, or
   * its protection, R or C changed). The old dwords are given as halves so a
   * TLB tagged by virtual page can compute what to drop. `cpuIndex` is the vCPU
   * that caused it.
   */
  invalidateHpte(cpuIndex: number, ptex: number, oldVHi: number, oldVLo: number, oldRHi: number, oldRLo: number): void;
  /** Every translation is stale (HPT resize, restore, clear). */
  invalidateAll(cpuIndex: number): void;
  /** End of an operation that invalidated something: return only when no vCPU can use a stale entry. */
  sync?(cpuIndex: number): void;
}

/** An invalidator that does nothing (no soft TLB attached). */
export const nullInvalidator: TlbInvalidator = {
  invalidateHpte: () => {},
  invalidateAll: () => {},
};
