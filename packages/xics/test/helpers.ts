import { createLogger, type HcallTable, type Logger } from '@ppcvm/machine-core';
import { type IrqType, Xics, type XicsIrqLine } from '../src/index.js';

export const BASE = 0x1000;

export interface Rig {
  xics: Xics;
  lines: XicsIrqLine[];
  /** Output-line changes reported through the callback, in order. */
  events: Array<[number, boolean]>;
}

/**
 * A controller with `types.length` claimed sources at 0x1000.., each routed to
 * server 0 at priority 5 unless `prio` says otherwise, and every CPPR opened to 0xff.
 */
export function rig(types: IrqType[], opts: { nrServers?: number; prio?: number[]; servers?: number[] } = {}): Rig {
  const events: Array<[number, boolean]> = [];
  const xics = Xics.create({
    nrServers: opts.nrServers ?? 2,
    nrIrqs: Math.max(types.length, 1),
    setExternalPending: (s, l) => events.push([s, l]),
  });
  const lines = types.map((t, i) => xics.claim(BASE + i, t));
  types.forEach((_, i) => {
    xics.setXive(BASE + i, opts.servers?.[i] ?? 0, opts.prio?.[i] ?? 5);
  });
  for (let s = 0; s < xics.nrServers; s++) xics.setCppr(s, 0xff);
  events.length = 0;
  return { xics, lines, events };
}

export function xirr(cppr: number, xisr: number): number {
  return ((cppr << 24) | xisr) >>> 0;
}

export interface HcallResult {
  rc: number;
  rets: bigint[];
}

export function hcall(table: HcallTable, opcode: number, cpuIndex: number, ...args: bigint[]): HcallResult {
  const entry = table.entries.find((e) => e.opcode === opcode);
  if (!entry) throw new Error(`no hcall 0x${opcode.toString(16)}`);
  const rets: bigint[] = [];
  const rc = entry.handler({
    arg: (i) => args[i] ?? 0n,
    ret: (i, v) => {
      rets[i] = BigInt.asUintN(64, v);
    },
    cpuIndex,
  });
  return { rc, rets };
}

export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger(['guest_errors'], (l) => lines.push(l)), lines };
}
