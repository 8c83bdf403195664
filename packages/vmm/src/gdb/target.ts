/**
 * What the gdbstub needs from a machine: the contract between the protocol
 * engine ({@link GdbSession}) and whatever runs the vCPUs. The machine (or
 * {@link CpuDebugTarget} for plain `Cpu` objects) implements it.
 *
 * Threads are vCPUs, identified by positive integers (gdb thread ids).
 * Register numbers are those of ./registers.ts; values are unsigned integers
 * of the register's width (the session puts them in the guest's byte order).
 */

/** gdb's signal numbers (gdb/signals.def; the remote protocol uses these, not the host's). */
export const GdbSignal = {
  NONE: 0,
  INT: 2,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  FPE: 8,
  KILL: 9,
  BUS: 10,
  SEGV: 11,
} as const;

/** Breakpoint and watchpoint kinds, by `Z` packet type (gdb manual E.4 "Z0".."Z4"). */
export type BreakpointType = 'sw' | 'hw' | 'write' | 'read' | 'access';

export interface Breakpoint {
  readonly type: BreakpointType;
  /** Effective address of the instruction (sw/hw) or of the first watched byte. */
  readonly address: bigint;
  /** Instruction length for sw/hw (4), bytes watched for watchpoints. */
  readonly length: number;
}

export type BreakpointResult = 'ok' | 'error' | 'unsupported';

/** Per-vCPU resume action; vCPUs absent from the map stay stopped. */
export type ResumeAction = 'step' | 'continue';

/** Why the target stopped (all vCPUs are stopped when it is reported). */
export type StopEvent =
  /** Plain signal: SIGTRAP after a single step, SIGINT after an interrupt, SIGSEGV/SIGILL for faults in user mode. */
  | { readonly kind: 'signal'; readonly thread: number; readonly signal: number }
  /** An execution breakpoint: the vCPU's PC is at `address`, the instruction has not executed. */
  | { readonly kind: 'breakpoint'; readonly thread: number; readonly type: 'sw' | 'hw' }
  /**
   * A watchpoint: the instruction at the PC is about to access `address` and has not executed yet
   * (POWER data breakpoints trigger before the access; gdb's rs6000 target expects that).
   */
  | {
      readonly kind: 'watchpoint';
      readonly thread: number;
      readonly type: 'write' | 'read' | 'access';
      readonly address: bigint;
    }
  /** The guest is gone (e.g. powered off) with an exit code. */
  | { readonly kind: 'exited'; readonly code: number }
  /** The guest was terminated with a signal. */
  | { readonly kind: 'terminated'; readonly signal: number };

export interface DebugTarget {
  /** vCPU thread ids (positive integers), in a stable order. */
  threads(): readonly number[];
  /**
   * A debugger connected: stop every vCPU. Register and memory requests follow once this
   * returns (or its promise resolves).
   */
  attach(): void | Promise<void>;
  /** The debugger left: remove all breakpoints and watchpoints and let the guest run freely again. */
  detach(): void;
  /** gdb `kill`: the machine decides what that means (normally: power off). */
  kill(): void;
  /** Byte order of the vCPU's registers and code (MSR[LE]), for the `g`/`p` packets. */
  isLittleEndian(thread: number): boolean;
  /** Register value by gdb register number; undefined when unavailable. */
  readRegister(thread: number, regnum: number): bigint | undefined;
  /** Write a register; false when it cannot be written. */
  writeRegister(thread: number, regnum: number, value: bigint): boolean;
  /**
   * Read guest memory at an effective address as this vCPU translates it (physical when its
   * MMU is off), without side effects on the guest (no R/C bit updates). Returns the bytes
   * up to the first one that cannot be read (possibly none).
   */
  readMemory(thread: number, address: bigint, length: number): Uint8Array;
  /** Write guest memory (same translation); all or nothing: false when any byte is unmapped. */
  writeMemory(thread: number, address: bigint, data: Uint8Array): boolean;
  insertBreakpoint(bp: Breakpoint): BreakpointResult;
  removeBreakpoint(bp: Breakpoint): BreakpointResult;
  /**
   * Resume: each vCPU in `actions` steps one instruction or continues; the others stay
   * stopped. Resolves when the target stopped again (all vCPUs stopped). At most one
   * resume is outstanding at a time.
   */
  resume(actions: ReadonlyMap<number, ResumeAction>): Promise<StopEvent>;
  /** Make an outstanding resume stop soon with SIGINT (gdb Ctrl-C); no effect when stopped. */
  interrupt(): void;
}
