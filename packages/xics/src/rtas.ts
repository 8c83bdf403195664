/**
 * The XICS RTAS services (LoPAPR "Interrupt Support" RTAS calls; papr-notes §2.2):
 * ibm,set-xive, ibm,get-xive, ibm,int-off, ibm,int-on. The vmm's RTAS layer
 * unpacks the guest's big-endian argument buffer into `args` (u32 each) and writes
 * back `status` followed by `rets`.
 */
import type { Logger } from '@ppcvm/machine-core';
import type { Xics } from './xics.js';

export const RTAS_SUCCESS = 0;
export const RTAS_HARDWARE_ERROR = -1;
export const RTAS_PARAMETER_ERROR = -3;

export interface RtasResult {
  /** RTAS status, the first return word. */
  readonly status: number;
  /** The remaining return words (nret - 1 of them on success). */
  readonly rets: readonly number[];
}

export interface RtasCall {
  readonly name: string;
  /** Number of input words the service takes. */
  readonly nargs: number;
  /** Number of return words including the status word. */
  readonly nret: number;
  /**
   * Run the service. `nret`, when given, is the count the guest asked for; a
   * mismatch with the service's own count is a parameter error (as QEMU checks).
   */
  fn(args: readonly number[], nret?: number): RtasResult;
}

export interface XicsRtasOptions {
  readonly logger?: Logger;
}

function isU32(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
}

export function xicsRtasCalls(xics: Xics, options: XicsRtasOptions = {}): RtasCall[] {
  const logger = options.logger;
  const fail = (name: string, why: string): RtasResult => {
    logger?.log('guest_errors', `${name}: ${why} -> RTAS -3`);
    return { status: RTAS_PARAMETER_ERROR, rets: [] };
  };
  /** Shared checks: argument/return counts, every argument a u32, the irq a source of this ICS. */
  const check = (nargs: number, nret: number, args: readonly number[], gotNret?: number) => {
    if (!Array.isArray(args) || args.length !== nargs) return `takes ${nargs} args, got ${args?.length}`;
    if (gotNret !== undefined && gotNret !== nret) return `returns ${nret} words, caller asked for ${gotNret}`;
    if (!args.every(isU32)) return 'argument is not a 32-bit unsigned integer';
    if (!xics.validIrq(args[0]!)) return `irq 0x${args[0]!.toString(16)} is not a source`;
    return undefined;
  };

  const call = (
    name: string,
    nargs: number,
    nret: number,
    body: (args: readonly number[]) => RtasResult,
  ): RtasCall => ({
    name,
    nargs,
    nret,
    fn: (args, gotNret) => {
      const why = check(nargs, nret, args, gotNret);
      return why === undefined ? body(args) : fail(name, why);
    },
  });

  return [
    call('ibm,set-xive', 3, 1, ([irq, server, priority]) => {
      if (!xics.validServer(server!)) return fail('ibm,set-xive', `no server ${server}`);
      if (priority! > 0xff) return fail('ibm,set-xive', `priority 0x${priority!.toString(16)} > 0xff`);
      xics.setXive(irq!, server!, priority!);
      return { status: RTAS_SUCCESS, rets: [] };
    }),
    call('ibm,get-xive', 1, 3, ([irq]) => {
      const { server, priority } = xics.getXive(irq!);
      return { status: RTAS_SUCCESS, rets: [server, priority] };
    }),
    call('ibm,int-off', 1, 1, ([irq]) => {
      xics.intOff(irq!);
      return { status: RTAS_SUCCESS, rets: [] };
    }),
    call('ibm,int-on', 1, 1, ([irq]) => {
      xics.intOn(irq!);
      return { status: RTAS_SUCCESS, rets: [] };
    }),
  ];
}
