/**
 * The PAPR page-table hcalls ("hcall-pft", "hcall-bulk", "hcall-hpt-resize"):
 * H_ENTER, H_REMOVE, H_READ, H_PROTECT, H_BULK_REMOVE, H_CLEAR_REF,
 * H_CLEAR_MOD, H_RESIZE_HPT_PREPARE, H_RESIZE_HPT_COMMIT.
 *
 * Semantics follow LoPAPR (page frame table access hcalls) as QEMU (hw/ppc/spapr_vhyp_mmu.c) and KVM
 * (book3s_hv_rm_mmu.c) implement them, with the flag usage of a Linux guest
 * (papr-notes Part B §4.4). Every argument is guest-controlled: anything out
 * of range becomes an H_* error plus a debug log line, never an exception.
 */
import { H, type HcallArgs, type HcallTable, type Logger, nullLogger } from '@ppcvm/machine-core';
import {
  H_ANDCOND,
  H_AVPN,
  H_COALESCE_CAND,
  H_EXACT,
  H_LOCAL,
  H_R_XLATE,
  H_READ_4,
  HCALL,
  HPTE_R_C,
  HPTE_R_I,
  HPTE_R_M,
  HPTE_R_R,
  HPTE_R_W,
  HPTE_R_WIMG,
  HPTE_V_BOLTED,
  HPTE_V_SECONDARY,
  HPTE_V_VALID,
  HPTES_PER_GROUP,
} from './bits.js';
import { allocateHptStorage, type HashPageTable, type HptStorage, MAX_HPT_SHIFT, MIN_HPT_SHIFT } from './hpt.js';
import { nullInvalidator, type TlbInvalidator } from './invalidate.js';
import { PageSizeTable } from './page-sizes.js';
import { hi32, join64, lo32 } from './u64.js';

/** Flags each hcall accepts; any other bit set is H_PARAMETER. */
const ENTER_FLAGS = H_EXACT | H_R_XLATE | H_LOCAL | H_COALESCE_CAND;
const REMOVE_FLAGS = H_AVPN | H_ANDCOND | H_LOCAL;
/**
 * H_PROTECT flags: PP (0x3), N (0x4), PP0 (0x100, moved to dword 1 bit 63),
 * key bits 0:1 (0x3000, moved to bits 61:60), key bits 2:4 (0xe00), H_AVPN.
 */
const PROTECT_BITS = 0x3n | 0x4n | 0x100n | 0x3000n | 0xe00n;
const PROTECT_FLAGS = PROTECT_BITS | H_AVPN | H_LOCAL;
const READ_FLAGS = H_READ_4 | H_R_XLATE;
const CLEAR_FLAGS = H_LOCAL;

/** H_BULK_REMOVE tsh fields (LoPAPR; KVM kvmppc_h_bulk_remove). */
const BULK_TYPE_SHIFT = 62n;
const BULK_REQUEST = 1n;
const BULK_END = 3n;
const BULK_RESPONSE = 0x8000000000000000n;
const BULK_CODE_NOT_FOUND = 0x1000000000000000n;
const BULK_CODE_PARM = 0x2000000000000000n;
const BULK_FLAGS_SHIFT = 56n;
const BULK_FLAG_ANDCOND = 1n;
const BULK_FLAG_AVPN = 2n;
const BULK_PTEX_MASK = (1n << 56n) - 1n;
/** R and C of the removed entry go to tsh bits 59 and 58 (KVM: rcbits << 51). */
const BULK_RC_SHIFT = 51n;

/** H_LONG_BUSY_ORDER_* are not needed: HPT preparation here is synchronous. */
export interface HptHcallOptions {
  hpt: HashPageTable;
  /** Page sizes the partition may use (must match the SLBs' table). */
  pageSizes?: PageSizeTable;
  /** Soft-TLB invalidation (default: none). */
  onInvalidate?: TlbInvalidator;
  log?: Logger;
  /**
   * Whether a real address is RAM. When given, H_ENTER checks WIMG as QEMU
   * does: RAM must be mapped M (coherent) only; anything else must be I or I|M
   * (G is free). Without it WIMG is not checked.
   */
  isRam?: (raHi: number, raLo: number) => boolean;
  /** Allow 1 TB segment HPTEs (B=1). Default true. */
  allow1T?: boolean;
  /**
   * Largest HPT H_RESIZE_HPT_PREPARE may ask for (QEMU: one order above the
   * size it would pick for the RAM). Larger requests get H_RESOURCE.
   */
  maxResizeShift?: number;
  /** Called after H_RESIZE_HPT_COMMIT switched to new storage, so other workers can adopt it. */
  onResize?: (storage: HptStorage) => void;
}

/** Result of a rehash into a new table. */
type RehashResult = typeof H.SUCCESS | typeof H.PTEG_FULL;

/** The page-table hcall handlers, bound to one HPT. */
export class HptHcalls {
  readonly hpt: HashPageTable;
  readonly pageSizes: PageSizeTable;
  readonly table: HcallTable;
  private readonly inv: TlbInvalidator;
  private readonly log: Logger;
  private readonly isRam: ((raHi: number, raLo: number) => boolean) | undefined;
  private readonly allow1T: boolean;
  private readonly maxResizeShift: number;
  private readonly onResize: ((storage: HptStorage) => void) | undefined;
  private pending: HptStorage | undefined;

  constructor(opts: HptHcallOptions) {
    this.hpt = opts.hpt;
    this.pageSizes = opts.pageSizes ?? new PageSizeTable();
    this.inv = opts.onInvalidate ?? nullInvalidator;
    this.log = opts.log ?? nullLogger;
    this.isRam = opts.isRam;
    this.allow1T = opts.allow1T ?? true;
    this.maxResizeShift = Math.min(opts.maxResizeShift ?? MAX_HPT_SHIFT, MAX_HPT_SHIFT);
    this.onResize = opts.onResize;
    this.table = {
      owner: '@ppcvm/hpt-mmu',
      entries: [
        { opcode: HCALL.H_REMOVE, name: 'H_REMOVE', handler: (a) => this.hRemove(a) },
        { opcode: HCALL.H_ENTER, name: 'H_ENTER', handler: (a) => this.hEnter(a) },
        { opcode: HCALL.H_READ, name: 'H_READ', handler: (a) => this.hRead(a) },
        { opcode: HCALL.H_CLEAR_MOD, name: 'H_CLEAR_MOD', handler: (a) => this.hClearBit(a, HPTE_R_C, 'H_CLEAR_MOD') },
        { opcode: HCALL.H_CLEAR_REF, name: 'H_CLEAR_REF', handler: (a) => this.hClearBit(a, HPTE_R_R, 'H_CLEAR_REF') },
        { opcode: HCALL.H_PROTECT, name: 'H_PROTECT', handler: (a) => this.hProtect(a) },
        { opcode: HCALL.H_BULK_REMOVE, name: 'H_BULK_REMOVE', handler: (a) => this.hBulkRemove(a) },
        { opcode: HCALL.H_RESIZE_HPT_PREPARE, name: 'H_RESIZE_HPT_PREPARE', handler: (a) => this.hResizePrepare(a) },
        { opcode: HCALL.H_RESIZE_HPT_COMMIT, name: 'H_RESIZE_HPT_COMMIT', handler: (a) => this.hResizeCommit(a) },
      ],
    };
  }

  // -------------------------------------------------------------------------
  // H_ENTER (0x08): flags, ptex, pteh, ptel -> r4 = index used
  // -------------------------------------------------------------------------

  hEnter(args: HcallArgs): number {
    const flags = args.arg(0);
    const ptexArg = args.arg(1);
    const pteh = args.arg(2);
    const ptel = args.arg(3);
    if ((flags & ~ENTER_FLAGS) !== 0n) return this.bad('H_ENTER', `unsupported flags 0x${flags.toString(16)}`);
    const ptex = this.ptex(ptexArg);
    if (ptex < 0) return this.bad('H_ENTER', `ptex 0x${ptexArg.toString(16)} outside the HPT`);
    const vHi = hi32(pteh);
    const vLo = lo32(pteh);
    const rHi = hi32(ptel);
    const rLo = lo32(ptel);
    if ((vLo & HPTE_V_VALID) === 0) return this.bad('H_ENTER', 'pteh without the valid bit');
    const b = vHi >>> 30;
    if (b > 1 || (b === 1 && !this.allow1T)) return this.bad('H_ENTER', `segment size B=${b} not supported`);
    const sizes = this.pageSizes.decodeNoSlb(vLo, rHi, rLo);
    if (sizes === 0) return this.bad('H_ENTER', 'bad page size encoding (L/LP)');
    if (this.isRam && !this.wimgOk(sizes & 0xff, rHi, rLo)) {
      return this.bad('H_ENTER', `WIMG 0x${((rLo & HPTE_R_WIMG) >>> 3).toString(16)} not allowed for this address`);
    }
    const hpt = this.hpt;
    const group = ptex & ~7;
    const pteg = group >>> 3;
    let slot: number;
    hpt.lockGroup(pteg);
    try {
      if ((flags & H_EXACT) !== 0n) {
        slot = ptex & 7;
        if ((hpt.vLo(group + slot) & HPTE_V_VALID) !== 0) return H.PTEG_FULL;
      } else {
        for (slot = 0; slot < HPTES_PER_GROUP; slot++) {
          if ((hpt.vLo(group + slot) & HPTE_V_VALID) === 0) break;
        }
        if (slot === HPTES_PER_GROUP) return H.PTEG_FULL;
      }
      hpt.setEntry(group + slot, vHi, vLo, rHi, rLo);
    } finally {
      hpt.unlockGroup(pteg);
    }
    args.ret(0, BigInt(group + slot));
    return H.SUCCESS;
  }

  // -------------------------------------------------------------------------
  // H_REMOVE (0x04): flags, ptex, avpn -> r4/r5 = old HPTE
  // -------------------------------------------------------------------------

  hRemove(args: HcallArgs): number {
    const flags = args.arg(0);
    const ptexArg = args.arg(1);
    const avpn = args.arg(2);
    if ((flags & ~REMOVE_FLAGS) !== 0n) return this.bad('H_REMOVE', `unsupported flags 0x${flags.toString(16)}`);
    const ptex = this.ptex(ptexArg);
    if (ptex < 0) return this.bad('H_REMOVE', `ptex 0x${ptexArg.toString(16)} outside the HPT`);
    const rc = this.removeOne(ptex, (flags & H_AVPN) !== 0n, (flags & H_ANDCOND) !== 0n, avpn, args.cpuIndex);
    if (rc !== H.SUCCESS) return rc;
    this.sync(args.cpuIndex);
    args.ret(0, join64(this.oldVHi, this.oldVLo));
    args.ret(1, join64(this.oldRHi, this.oldRLo));
    return H.SUCCESS;
  }

  // Old contents of the last entry removeOne() took out.
  private oldVHi = 0;
  private oldVLo = 0;
  private oldRHi = 0;
  private oldRLo = 0;

  /**
   * Remove HPTE `ptex` if valid and the conditions hold (H_AVPN: dword 0 with
   * its low 7 bits cleared equals `avpn`; H_ANDCOND: dword 0 AND `avpn` is 0).
   * Invalidates it; the caller syncs.
   */
  private removeOne(ptex: number, checkAvpn: boolean, andCond: boolean, avpn: bigint, cpu: number): number {
    const hpt = this.hpt;
    const pteg = ptex >>> 3;
    hpt.lockGroup(pteg);
    let vHi: number;
    let vLo: number;
    let rHi: number;
    let rLo: number;
    try {
      vHi = hpt.vHi(ptex);
      vLo = hpt.vLo(ptex);
      if ((vLo & HPTE_V_VALID) === 0) return H.NOT_FOUND;
      if (checkAvpn && (vHi !== hi32(avpn) || (vLo & ~0x7f) !== lo32(avpn))) return H.NOT_FOUND;
      if (andCond && ((vHi & hi32(avpn)) !== 0 || (vLo & lo32(avpn)) !== 0)) return H.NOT_FOUND;
      rHi = hpt.rHi(ptex);
      rLo = hpt.rLo(ptex);
      hpt.setEntry(ptex, 0, 0, 0, 0);
    } finally {
      hpt.unlockGroup(pteg);
    }
    this.oldVHi = vHi;
    this.oldVLo = vLo;
    this.oldRHi = rHi;
    this.oldRLo = rLo;
    this.inv.invalidateHpte(cpu, ptex, vHi, vLo, rHi, rLo);
    return H.SUCCESS;
  }

  // -------------------------------------------------------------------------
  // H_BULK_REMOVE (0x124): up to four (tsh, tsl) pairs in r4..r11
  // -------------------------------------------------------------------------

  hBulkRemove(args: HcallArgs): number {
    let rc: number = H.SUCCESS;
    let removed = false;
    for (let i = 0; i < 4; i++) {
      const tsh = args.arg(2 * i);
      const tsl = args.arg(2 * i + 1);
      const type = tsh >> BULK_TYPE_SHIFT;
      if (type === BULK_END) break;
      const flags = (tsh >> BULK_FLAGS_SHIFT) & 3n;
      const ptexArg = tsh & BULK_PTEX_MASK;
      const echo = (flags << BULK_FLAGS_SHIFT) | ptexArg;
      const ptex = this.ptex(ptexArg);
      // Not a request, both AVPN and ANDCOND, or a bad index: parameter error, stop here.
      if (type !== BULK_REQUEST || flags === 3n || ptex < 0) {
        args.ret(2 * i, BULK_RESPONSE | BULK_CODE_PARM | echo);
        this.bad('H_BULK_REMOVE', `entry ${i}: bad request 0x${tsh.toString(16)}`);
        rc = H.PARAMETER;
        break;
      }
      const r = this.removeOne(ptex, flags === BULK_FLAG_AVPN, flags === BULK_FLAG_ANDCOND, tsl, args.cpuIndex);
      if (r === H.SUCCESS) {
        removed = true;
        const rcBits = BigInt(this.oldRLo & (HPTE_R_R | HPTE_R_C));
        args.ret(2 * i, BULK_RESPONSE | echo | (rcBits << BULK_RC_SHIFT));
      } else {
        args.ret(2 * i, BULK_RESPONSE | BULK_CODE_NOT_FOUND | echo);
      }
    }
    if (removed) this.sync(args.cpuIndex);
    return rc;
  }

  // -------------------------------------------------------------------------
  // H_PROTECT (0x18): flags (pp, N, key, pp0), ptex, avpn
  // -------------------------------------------------------------------------

  hProtect(args: HcallArgs): number {
    const flags = args.arg(0);
    const ptexArg = args.arg(1);
    const avpn = args.arg(2);
    if ((flags & ~PROTECT_FLAGS) !== 0n) return this.bad('H_PROTECT', `unsupported flags 0x${flags.toString(16)}`);
    const ptex = this.ptex(ptexArg);
    if (ptex < 0) return this.bad('H_PROTECT', `ptex 0x${ptexArg.toString(16)} outside the HPT`);
    const f = Number(flags & PROTECT_BITS);
    const hpt = this.hpt;
    const pteg = ptex >>> 3;
    let vHi: number;
    let vLo: number;
    let rHi: number;
    let rLo: number;
    hpt.lockGroup(pteg);
    try {
      vHi = hpt.vHi(ptex);
      vLo = hpt.vLo(ptex);
      if ((vLo & HPTE_V_VALID) === 0) return H.NOT_FOUND;
      if ((flags & H_AVPN) !== 0n && (vHi !== hi32(avpn) || (vLo & ~0x7f) !== lo32(avpn))) return H.NOT_FOUND;
      rHi = hpt.rHi(ptex);
      rLo = hpt.rLo(ptex);
      // dword 1: PP0 <- flags 0x100 (bit 63), KEY[0:1] <- flags 0x3000 (bits 61:60),
      // KEY[2:4], N, PP <- flags 0xe07 (KVM kvmppc_h_protect).
      const newHi = (rHi & ~(0x80000000 | 0x30000000)) | ((f & 0x100) << 23) | ((f & 0x3000) << 16);
      const newLo = (rLo & ~0xe07) | (f & 0xe07);
      hpt.setEntry(ptex, vHi, vLo, newHi, newLo);
    } finally {
      hpt.unlockGroup(pteg);
    }
    this.inv.invalidateHpte(args.cpuIndex, ptex, vHi, vLo, rHi, rLo);
    this.sync(args.cpuIndex);
    return H.SUCCESS;
  }

  // -------------------------------------------------------------------------
  // H_READ (0x0C): flags (H_READ_4), ptex -> 1 or 4 HPTEs in r4..
  // -------------------------------------------------------------------------

  hRead(args: HcallArgs): number {
    const flags = args.arg(0);
    const ptexArg = args.arg(1);
    if ((flags & ~READ_FLAGS) !== 0n) return this.bad('H_READ', `unsupported flags 0x${flags.toString(16)}`);
    let ptex = this.ptex(ptexArg);
    if (ptex < 0) return this.bad('H_READ', `ptex 0x${ptexArg.toString(16)} outside the HPT`);
    let n = 1;
    if ((flags & H_READ_4) !== 0n) {
      ptex &= ~3;
      n = 4;
    }
    // Logical = real in this partition, so H_R_XLATE changes nothing.
    const hpt = this.hpt;
    const pteg = ptex >>> 3;
    const vals: number[] = [];
    hpt.lockGroup(pteg);
    try {
      for (let i = 0; i < n; i++) vals.push(hpt.vHi(ptex + i), hpt.vLo(ptex + i), hpt.rHi(ptex + i), hpt.rLo(ptex + i));
    } finally {
      hpt.unlockGroup(pteg);
    }
    for (let i = 0; i < n; i++) {
      args.ret(2 * i, join64(vals[4 * i]!, vals[4 * i + 1]!));
      args.ret(2 * i + 1, join64(vals[4 * i + 2]!, vals[4 * i + 3]!));
    }
    return H.SUCCESS;
  }

  // -------------------------------------------------------------------------
  // H_CLEAR_REF (0x14) / H_CLEAR_MOD (0x10): flags, ptex -> r4 = old dword 1
  // -------------------------------------------------------------------------

  hClearBit(args: HcallArgs, bit: number, name: string): number {
    const flags = args.arg(0);
    const ptexArg = args.arg(1);
    if ((flags & ~CLEAR_FLAGS) !== 0n) return this.bad(name, `unsupported flags 0x${flags.toString(16)}`);
    const ptex = this.ptex(ptexArg);
    if (ptex < 0) return this.bad(name, `ptex 0x${ptexArg.toString(16)} outside the HPT`);
    const hpt = this.hpt;
    const pteg = ptex >>> 3;
    let vHi: number;
    let vLo: number;
    let rHi: number;
    let rLo: number;
    hpt.lockGroup(pteg);
    try {
      vHi = hpt.vHi(ptex);
      vLo = hpt.vLo(ptex);
      if ((vLo & HPTE_V_VALID) === 0) return H.NOT_FOUND;
      rHi = hpt.rHi(ptex);
      rLo = hpt.rLo(ptex);
      if ((rLo & bit) !== 0) hpt.setRLo(ptex, rLo & ~bit);
    } finally {
      hpt.unlockGroup(pteg);
    }
    // A cached translation must come back to translate() to record R/C again.
    if ((rLo & bit) !== 0) {
      this.inv.invalidateHpte(args.cpuIndex, ptex, vHi, vLo, rHi, rLo);
      this.sync(args.cpuIndex);
    }
    args.ret(0, join64(rHi, rLo));
    return H.SUCCESS;
  }

  // -------------------------------------------------------------------------
  // H_RESIZE_HPT_PREPARE (0x36C) / H_RESIZE_HPT_COMMIT (0x370): flags, shift
  // -------------------------------------------------------------------------

  hResizePrepare(args: HcallArgs): number {
    const flags = args.arg(0);
    const shiftArg = args.arg(1);
    if (flags !== 0n) return this.bad('H_RESIZE_HPT_PREPARE', `flags 0x${flags.toString(16)} must be 0`);
    if (shiftArg === 0n) {
      // Cancel any pending preparation.
      this.pending = undefined;
      return H.SUCCESS;
    }
    if (shiftArg < BigInt(MIN_HPT_SHIFT) || shiftArg > 46n) {
      return this.bad('H_RESIZE_HPT_PREPARE', `shift ${shiftArg} outside ${MIN_HPT_SHIFT}..46`);
    }
    const shift = Number(shiftArg);
    if (shift > this.maxResizeShift) {
      this.note(`H_RESIZE_HPT_PREPARE: shift ${shift} above the allowed ${this.maxResizeShift}`);
      return H.RESOURCE;
    }
    if (this.pending?.shift === shift) return H.SUCCESS;
    try {
      this.pending = allocateHptStorage(shift);
    } catch {
      this.pending = undefined;
      this.note(`H_RESIZE_HPT_PREPARE: cannot allocate 2^${shift} bytes`);
      return H.NO_MEM;
    }
    return H.SUCCESS;
  }

  hResizeCommit(args: HcallArgs): number {
    const flags = args.arg(0);
    const shiftArg = args.arg(1);
    if (flags !== 0n) return this.bad('H_RESIZE_HPT_COMMIT', `flags 0x${flags.toString(16)} must be 0`);
    const pending = this.pending;
    if (!pending || BigInt(pending.shift) !== shiftArg) {
      this.note(`H_RESIZE_HPT_COMMIT: no prepared HPT of shift ${shiftArg}`);
      return H.CLOSED;
    }
    this.pending = undefined;
    const rc = rehashInto(this.hpt, pending, this.pageSizes);
    if (rc !== H.SUCCESS) {
      this.note('H_RESIZE_HPT_COMMIT: two bolted HPTEs collide in the new table');
      return rc;
    }
    this.hpt.adopt(pending);
    this.onResize?.(pending);
    this.inv.invalidateAll(args.cpuIndex);
    this.sync(args.cpuIndex);
    return H.SUCCESS;
  }

  /** Shift of a prepared (not yet committed) resize, or undefined. */
  get pendingResizeShift(): number | undefined {
    return this.pending?.shift;
  }

  // -------------------------------------------------------------------------

  private ptex(v: bigint): number {
    return v < BigInt(this.hpt.nHptes) ? Number(v) : -1;
  }

  private wimgOk(actualShift: number, rHi: number, rLo: number): boolean {
    // Page base address: RPN without the LP bits inside the page.
    const m = actualShift < 32 ? (1 << actualShift) - 1 : -1;
    const raLo = rLo & 0xfffff000 & ~m;
    const raHi = actualShift < 32 ? rHi & 0x0fffffff : rHi & 0x0fffffff & ~((1 << (actualShift - 32)) - 1);
    const wimg = rLo & HPTE_R_WIMG;
    if (this.isRam!(raHi, raLo)) return wimg === HPTE_R_M;
    const wim = rLo & (HPTE_R_W | HPTE_R_I | HPTE_R_M);
    return wim === HPTE_R_I || wim === (HPTE_R_I | HPTE_R_M);
  }

  private sync(cpu: number): void {
    this.inv.sync?.(cpu);
  }

  private bad(name: string, why: string): number {
    if (this.log.enabled('guest_errors')) this.log.log('guest_errors', `${name}: ${why} -> H_PARAMETER`);
    return H.PARAMETER;
  }

  private note(msg: string): void {
    if (this.log.enabled('hcall')) this.log.log('hcall', msg);
  }
}

/** Build the hcall handlers (and their {@link HcallTable} in `.table`). */
export function createHptHcalls(opts: HptHcallOptions): HptHcalls {
  return new HptHcalls(opts);
}

/**
 * Rehash every valid HPTE of `hpt` into the empty table `dst` (H_RESIZE_HPT_COMMIT).
 * The VA is rebuilt from the AVPN plus the hash bits the old PTEG index holds,
 * as QEMU's rehash_hpte does. An entry keeps its slot (Linux remembers slot
 * numbers); on a collision a bolted entry wins over a non-bolted one, a second
 * non-bolted one is dropped (Linux tolerates a vanished HPTE: its H_REMOVE gets
 * H_NOT_FOUND), and two bolted entries make the resize fail with H_PTEG_FULL.
 * Rare path: BigInt is fine here.
 */
export function rehashInto(hpt: HashPageTable, dst: HptStorage, sizes: PageSizeTable): RehashResult {
  const out = new DataView(dst.table);
  const oldMask = BigInt(hpt.hashMask);
  const newMask = BigInt(dst.table.byteLength / 128 - 1);
  for (let pteg = 0; pteg < hpt.nPtegs; pteg++) {
    hpt.lockGroup(pteg);
    try {
      for (let slot = 0; slot < HPTES_PER_GROUP; slot++) {
        const ptex = pteg * HPTES_PER_GROUP + slot;
        const vLo = hpt.vLo(ptex);
        if ((vLo & HPTE_V_VALID) === 0) continue;
        const vHi = hpt.vHi(ptex);
        const rHi = hpt.rHi(ptex);
        const rLo = hpt.rLo(ptex);
        const pair = sizes.decodeNoSlb(vLo, rHi, rLo);
        if (pair === 0) continue; // unusable entry: it could never translate
        const base = BigInt(pair >> 8);
        const v = join64(vHi, vLo);
        const avpn = (v >> 7n) & ((1n << 55n) - 1n) & ~(((1n << base) - 1n) >> 23n);
        const secondary = (vLo & HPTE_V_SECONDARY) !== 0;
        const hashed = secondary ? ~BigInt(pteg) : BigInt(pteg);
        let hash: bigint;
        if (vHi >>> 30 === 0) {
          let offset = (avpn & 0x1fn) << 23n;
          const vsid = avpn >> 5n;
          if (base < 23n) offset |= ((vsid ^ hashed) & oldMask) << base;
          offset &= (1n << 28n) - 1n;
          hash = vsid ^ (offset >> base);
        } else {
          let offset = (avpn & 0x1ffffn) << 23n;
          const vsid = avpn >> 17n;
          if (base < 23n) offset |= ((vsid ^ (vsid << 25n) ^ hashed) & oldMask) << base;
          offset &= (1n << 40n) - 1n;
          hash = vsid ^ (vsid << 25n) ^ (offset >> base);
        }
        const newPteg = Number((secondary ? ~hash : hash) & newMask);
        const off = (newPteg * HPTES_PER_GROUP + slot) * 16;
        const occV = out.getUint32(off + 4, false);
        if ((occV & HPTE_V_VALID) !== 0) {
          const occBolted = (occV & HPTE_V_BOLTED) !== 0;
          const meBolted = (vLo & HPTE_V_BOLTED) !== 0;
          if (occBolted && meBolted) return H.PTEG_FULL;
          if (!meBolted) continue;
        }
        out.setInt32(off, vHi, false);
        out.setInt32(off + 4, vLo, false);
        out.setInt32(off + 8, rHi, false);
        out.setInt32(off + 12, rLo, false);
      }
    } finally {
      hpt.unlockGroup(pteg);
    }
  }
  // Everything in the new table is "changed" for an iterative save.
  new Uint8Array(dst.dirty).fill(0xff);
  return H.SUCCESS;
}
