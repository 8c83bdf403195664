/**
 * Storage access of every load/store the generators know (Power ISA 2.07
 * Book I §3.3.2-3.3.7 fixed-point, §4.6.2-4.6.3 floating-point, §6.7 VMX,
 * §7.6 VSX; Book II §4.4 reservations): bytes touched, direction, and the
 * alignment the instruction requires (misaligned => alignment interrupt).
 */
export interface MemInfo {
  /** Bytes accessed at EA. */
  readonly size: number;
  readonly store: boolean;
  /** EA must be a multiple of this, else alignment interrupt. */
  readonly align?: number;
  /** The instruction ignores the low bits of EA (lvx: EA & ~15), so any EA in the window works. */
  readonly alignsDown?: number;
  /** The data register is an even/odd pair (lq, stq, lqarx, stqcx., lfdp, stfdp). */
  readonly pair?: boolean;
  /** Load/store multiple or string: touches many registers, alignment interrupt in little-endian mode. */
  readonly multi?: boolean;
  /** Load-and-reserve / store-conditional. */
  readonly resv?: boolean;
}

const L = (size: number, extra: Partial<MemInfo> = {}): MemInfo => ({ size, store: false, ...extra });
const S = (size: number, extra: Partial<MemInfo> = {}): MemInfo => ({ size, store: true, ...extra });

/** By base mnemonic. */
export const MEM: Readonly<Record<string, MemInfo>> = {
  // Fixed-point (Book I §3.3.2-3.3.5).
  lbz: L(1),
  lbzu: L(1),
  lbzx: L(1),
  lbzux: L(1),
  lhz: L(2),
  lhzu: L(2),
  lhzx: L(2),
  lhzux: L(2),
  lha: L(2),
  lhau: L(2),
  lhax: L(2),
  lhaux: L(2),
  lwz: L(4),
  lwzu: L(4),
  lwzx: L(4),
  lwzux: L(4),
  lwa: L(4),
  lwax: L(4),
  lwaux: L(4),
  ld: L(8),
  ldu: L(8),
  ldx: L(8),
  ldux: L(8),
  lhbrx: L(2),
  lwbrx: L(4),
  ldbrx: L(8),
  stb: S(1),
  stbu: S(1),
  stbx: S(1),
  stbux: S(1),
  sth: S(2),
  sthu: S(2),
  sthx: S(2),
  sthux: S(2),
  stw: S(4),
  stwu: S(4),
  stwx: S(4),
  stwux: S(4),
  std: S(8),
  stdu: S(8),
  stdx: S(8),
  stdux: S(8),
  sthbrx: S(2),
  stwbrx: S(4),
  stdbrx: S(8),
  // Quadword (§3.3.4): quadword aligned, even register pair.
  lq: L(16, { align: 16, pair: true }),
  stq: S(16, { align: 16, pair: true }),
  // Multiple and string (§3.3.6-3.3.7): alignment interrupt in little-endian mode.
  lmw: L(4, { multi: true }),
  stmw: S(4, { multi: true }),
  lswi: L(1, { multi: true }),
  lswx: L(1, { multi: true }),
  stswi: S(1, { multi: true }),
  stswx: S(1, { multi: true }),
  // Reservations (Book II §4.4.2): aligned to their size.
  lbarx: L(1, { align: 1, resv: true }),
  lharx: L(2, { align: 2, resv: true }),
  lwarx: L(4, { align: 4, resv: true }),
  ldarx: L(8, { align: 8, resv: true }),
  lqarx: L(16, { align: 16, resv: true, pair: true }),
  'stbcx.': S(1, { align: 1, resv: true }),
  'sthcx.': S(2, { align: 2, resv: true }),
  'stwcx.': S(4, { align: 4, resv: true }),
  'stdcx.': S(8, { align: 8, resv: true }),
  'stqcx.': S(16, { align: 16, resv: true, pair: true }),
  // Floating-point (Book I §4.6.2-4.6.3).
  lfs: L(4),
  lfsu: L(4),
  lfsx: L(4),
  lfsux: L(4),
  lfd: L(8),
  lfdu: L(8),
  lfdx: L(8),
  lfdux: L(8),
  lfiwax: L(4),
  lfiwzx: L(4),
  lfdp: L(16, { align: 16, pair: true }),
  lfdpx: L(16, { align: 16, pair: true }),
  stfs: S(4),
  stfsu: S(4),
  stfsx: S(4),
  stfsux: S(4),
  stfd: S(8),
  stfdu: S(8),
  stfdx: S(8),
  stfdux: S(8),
  stfiwx: S(4),
  stfdp: S(16, { align: 16, pair: true }),
  stfdpx: S(16, { align: 16, pair: true }),
  // VMX (Book I §6.7.2-6.7.3): the low EA bits are ignored.
  lvx: L(16, { alignsDown: 16 }),
  lvxl: L(16, { alignsDown: 16 }),
  lvebx: L(1),
  lvehx: L(2, { alignsDown: 2 }),
  lvewx: L(4, { alignsDown: 4 }),
  stvx: S(16, { alignsDown: 16 }),
  stvxl: S(16, { alignsDown: 16 }),
  stvebx: S(1),
  stvehx: S(2, { alignsDown: 2 }),
  stvewx: S(4, { alignsDown: 4 }),
  // VSX (Book I §7.6).
  lxsdx: L(8),
  lxsiwax: L(4),
  lxsiwzx: L(4),
  lxsspx: L(4),
  lxvd2x: L(16),
  lxvdsx: L(8),
  lxvw4x: L(16),
  stxsdx: S(8),
  stxsiwx: S(4),
  stxsspx: S(4),
  stxvd2x: S(16),
  stxvw4x: S(16),
};
