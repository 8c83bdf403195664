/**
 * Hypercall contract shared by every package that serves PAPR hcalls.
 *
 * LoPAPR 14.5.3 (and papr-notes §1.1): the guest executes `sc 1` with r3 = opcode
 * and r4..r12 = arguments; the return code goes back in r3 and outputs overwrite
 * r4, r5, ... Each package exports an {@link HcallTable}; the vmm merges the tables
 * and refuses duplicate opcodes at start-up.
 */

/** PAPR hcall return codes (LoPAPR table "Hypervisor Call Return Values"). */
export const H = {
  SUCCESS: 0,
  BUSY: 1,
  CLOSED: 2,
  NOT_AVAILABLE: 3,
  CONSTRAINED: 4,
  PARTIAL: 5,
  IN_PROGRESS: 14,
  PAGE_REGISTERED: 15,
  PARTIAL_STORE: 16,
  PENDING: 17,
  CONTINUE: 18,
  HARDWARE: -1,
  FUNCTION: -2,
  PRIVILEGE: -3,
  PARAMETER: -4,
  BAD_MODE: -5,
  PTEG_FULL: -6,
  NOT_FOUND: -7,
  RESERVED_DABR: -8,
  NO_MEM: -9,
  AUTHORITY: -10,
  PERMISSION: -11,
  DROPPED: -12,
  SOURCE_PARM: -13,
  DEST_PARM: -14,
  REMOTE_PARM: -15,
  RESOURCE: -16,
  ADAPTER_PARM: -17,
  RH_PARM: -18,
  RCQ_PARM: -19,
  SCQ_PARM: -20,
  EQ_PARM: -21,
  RT_PARM: -22,
  ST_PARM: -23,
  SIGT_PARM: -24,
  TOKEN_PARM: -25,
  MLENGTH_PARM: -27,
  MEM_PARM: -28,
  MEM_ACCESS_PARM: -29,
  ATTR_PARM: -30,
  PORT_PARM: -31,
  MCG_PARM: -32,
  VL_PARM: -33,
  TSIZE_PARM: -34,
  TRACE_PARM: -35,
  MASK_PARM: -37,
  MCG_FULL: -38,
  ALIAS_EXIST: -39,
  P_COUNTER: -40,
  TABLE_FULL: -41,
  ALT_TABLE: -42,
  MR_CONDITION: -43,
  NOT_ENOUGH_RESOURCES: -44,
  R_STATE: -45,
  RESCINDED: -46,
  P2: -55,
  P3: -56,
  P4: -57,
  P5: -58,
  P6: -59,
  P7: -60,
  P8: -61,
  P9: -62,
  NOOP: -63,
  UNSUPPORTED: -67,
  OVERLAP: -68,
  STATE: -75,
  IN_USE: -77,
  INVALID_ELEMENT_VALUE: -81,
  UNSUPPORTED_FLAG: -256,
  MULTI_THREADS_ACTIVE: -9005,
} as const;

/** The calling vCPU as an hcall handler sees it. */
export interface HcallArgs {
  /** Argument `i` (0-based: r4 + i), as an unsigned 64-bit value. */
  arg(i: number): bigint;
  /** Output `i` (0-based: written to r4 + i), truncated to 64 bits. */
  ret(i: number, value: bigint): void;
  /** Index of the calling vCPU (its PIR / server number as the vmm assigned it). */
  readonly cpuIndex: number;
}

/** One handler signature for every hcall: returns the PAPR code that goes to r3. */
export type HcallHandler = (args: HcallArgs) => number;

export interface HcallEntry {
  readonly opcode: number;
  readonly name: string;
  readonly handler: HcallHandler;
}

/** What a package contributes: its hcalls, under its own name for error messages. */
export interface HcallTable {
  readonly owner: string;
  readonly entries: readonly HcallEntry[];
}

/**
 * Merge tables into one dispatch map. Throws (a host/configuration error) when
 * two packages claim the same opcode.
 */
export function mergeHcallTables(tables: readonly HcallTable[]): Map<number, HcallEntry & { owner: string }> {
  const map = new Map<number, HcallEntry & { owner: string }>();
  for (const t of tables) {
    for (const e of t.entries) {
      const prev = map.get(e.opcode);
      if (prev) {
        throw new Error(`hcall 0x${e.opcode.toString(16)} (${e.name}) registered by both ${prev.owner} and ${t.owner}`);
      }
      map.set(e.opcode, { ...e, owner: t.owner });
    }
  }
  return map;
}
