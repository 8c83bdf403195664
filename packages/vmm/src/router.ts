/**
 * Hypercall routing (STYLE.md lesson 11; papr-notes A §1.1): every package
 * contributes an HcallTable, the router merges them (refusing duplicate
 * opcodes at start-up) and dispatches `sc 1` from the vCPU: r3 = opcode,
 * r4..r12 = arguments, r3 = status, outputs overwrite r4...
 */
import {
  GuestMemoryError,
  H,
  type HcallArgs,
  type HcallEntry,
  type HcallTable,
  type Logger,
  mergeHcallTables,
} from '@ppcvm/machine-core';
import { type Cpu, layout } from '@ppcvm/ppc-cpu';

/**
 * Names of hcalls a guest may make that nothing here implements, for the
 * `unimp` log (opcodes from Linux's asm/hvcall.h; pairs keep them in hex).
 */
export const KNOWN_HCALL_NAMES: ReadonlyMap<number, string> = new Map<number, string>([
  [0x10, 'H_CLEAR_MOD'],
  [0x14, 'H_CLEAR_REF'],
  [0x1c, 'H_GET_TCE'],
  [0x20, 'H_PUT_TCE'],
  [0x30, 'H_SET_ASR'],
  [0xec, 'H_GET_PPP'],
  [0xf0, 'H_SET_PPP'],
  [0xf4, 'H_PURR'],
  [0xf8, 'H_PIC'],
  [0xfc, 'H_REG_CRQ'],
  [0x100, 'H_FREE_CRQ'],
  [0x108, 'H_SEND_CRQ'],
  [0x114, 'H_REGISTER_LOGICAL_LAN'],
  [0x138, 'H_STUFF_TCE'],
  [0x13c, 'H_PUT_TCE_INDIRECT'],
  [0x1d8, 'H_POLL_PENDING'],
  [0x1e4, 'H_QUERY_INT_STATE'],
  [0x298, 'H_JOIN'],
  [0x2b0, 'H_ENABLE_CRQ'],
  [0x2ec, 'H_HOME_NODE_ASSOCIATIVITY'],
  [0x36c, 'H_RESIZE_HPT_PREPARE'],
  [0x370, 'H_RESIZE_HPT_COMMIT'],
  [0x37c, 'H_REGISTER_PROC_TBL'],
  [0x3a8, 'H_INT_GET_SOURCE_INFO'],
  [0x3d0, 'H_INT_RESET'],
  [0x448, 'H_RPT_INVALIDATE'],
  [0x450, 'H_GET_ENERGY_SCALE_INFO'],
  [0x45c, 'H_WATCHDOG'],
  [0xf001, 'KVMPPC_H_LOGICAL_MEMOP'],
  [0xf002, 'KVMPPC_H_CAS'],
  [0xf003, 'KVMPPC_H_UPDATE_DT'],
  [0xf005, 'KVMPPC_H_VOF_CLIENT'],
  [0xf078, 'H_GET_24X7_CATALOG_PAGE'],
  [0xf07c, 'H_GET_24X7_DATA'],
  [0xf080, 'H_GET_PERF_COUNTER_INFO'],
]);

const GPR = layout.GPR;

/**
 * {@link HcallArgs} over a Cpu's registers: argument i is r(4+i), output i
 * goes to r(4+i). One object per vCPU, reused for every call.
 */
export class CpuHcallArgs implements HcallArgs {
  constructor(
    readonly cpu: Cpu,
    readonly cpuIndex: number,
  ) {}

  arg(i: number): bigint {
    if (!Number.isInteger(i) || i < 0 || i > 8) throw new RangeError(`hcall argument ${i} does not exist (r4..r12)`);
    return this.cpu.getGpr(4 + i);
  }

  ret(i: number, value: bigint): void {
    if (!Number.isInteger(i) || i < 0 || i > 8) throw new RangeError(`hcall output ${i} does not exist (r4..r12)`);
    this.cpu.setGpr(4 + i, value);
  }
}

export type RoutedEntry = HcallEntry & { owner: string };

export class HcallRouter {
  readonly table: ReadonlyMap<number, RoutedEntry>;
  /** Calls per opcode (for the monitor and tests). */
  readonly counts = new Map<number, number>();

  constructor(
    tables: readonly HcallTable[],
    private readonly logger: Logger,
  ) {
    this.table = mergeHcallTables(tables);
  }

  has(opcode: number): boolean {
    return this.table.has(opcode);
  }

  /**
   * Serve the hypercall the vCPU just made (PC already past the `sc`).
   * Unknown opcodes return H_FUNCTION; a guest address a handler failed to
   * check (GuestMemoryError) becomes H_PARAMETER. Other exceptions are host
   * bugs and propagate.
   */
  dispatch(args: CpuHcallArgs): void {
    const s = args.cpu.s;
    const lo = s[GPR + 6]! >>> 0;
    const hi = s[GPR + 7]!;
    const rc = this.call(args, hi === 0 ? lo : -1, () => args.cpu.getGpr(3));
    // r3 = status, sign-extended to 64 bits.
    s[GPR + 6] = rc | 0;
    s[GPR + 7] = rc < 0 ? -1 : Math.floor(rc / 2 ** 32) | 0;
  }

  /**
   * Serve hcall `opcode` (-1: r3 is not a 32-bit opcode; `r3` gives it for the log) with
   * `args`; returns the status for r3. Used by {@link dispatch} and by the main thread for
   * hcalls a vCPU worker forwards through its mailbox.
   */
  call(args: HcallArgs, opcode: number, r3: () => bigint): number {
    const entry = opcode >= 0 ? this.table.get(opcode) : undefined;
    if (!entry) {
      if (this.logger.enabled('unimp')) {
        const op = opcode >= 0 ? opcode : Number(BigInt.asUintN(64, r3()));
        const name = KNOWN_HCALL_NAMES.get(op);
        this.logger.log(
          'unimp',
          `unimplemented hcall 0x${op.toString(16)}${name ? ` (${name})` : ''} from cpu ${args.cpuIndex}`,
        );
      }
      return H.FUNCTION;
    }
    this.counts.set(opcode, (this.counts.get(opcode) ?? 0) + 1);
    // Arguments are logged as they came in: outputs overwrite r4...
    const traced = this.logger.enabled('hcall')
      ? [0, 1, 2, 3].map((i) => `0x${args.arg(i).toString(16)}`).join(', ')
      : '';
    let rc: number;
    try {
      rc = entry.handler(args);
    } catch (e) {
      if (!GuestMemoryError.is(e)) throw e;
      if (this.logger.enabled('guest_errors')) {
        this.logger.log('guest_errors', `${entry.name} from cpu ${args.cpuIndex}: ${e.message} -> H_PARAMETER`);
      }
      rc = H.PARAMETER;
    }
    if (this.logger.enabled('hcall')) {
      this.logger.log('hcall', `cpu ${args.cpuIndex} ${entry.name}(${traced}) -> ${rc}`);
    }
    return rc;
  }
}
