/**
 * The XICS hypercalls (LoPAPR "Interrupt Support hcalls"; papr-notes §1.3):
 * the guest's only access to its ICP. Every argument is guest-controlled, so each
 * handler validates before touching state and answers H_PARAMETER (with a
 * `guest_errors` log line) instead of throwing.
 */
import { H, type HcallArgs, type HcallTable, type Logger } from '@ppcvm/machine-core';
import { XICS_IPI, XISR_MASK, type Xics } from './xics.js';

/** Opcodes (Linux arch/powerpc/include/asm/hvcall.h, papr-notes §1.3). */
export const XICS_HCALL = {
  H_EOI: 0x64,
  H_CPPR: 0x68,
  H_IPI: 0x6c,
  H_IPOLL: 0x70,
  H_XIRR: 0x74,
  H_XIRR_X: 0x2fc,
} as const;

export interface XicsHcallOptions {
  readonly logger?: Logger;
  /**
   * Time base value returned by H_XIRR_X in r5. The vmm should pass its guest
   * time base; the default is a 512 MHz count of host monotonic time (QEMU returns
   * host ticks there too).
   */
  readonly timebase?: () => bigint;
}

const U8_MAX = 0xffn;
const U32_MAX = 0xffffffffn;

function hostTimebase(): bigint {
  // performance.now() is milliseconds; POWER8's time base runs at 512 MHz.
  return BigInt(Math.floor(performance.now() * 512_000));
}

export function xicsHcalls(xics: Xics, options: XicsHcallOptions = {}): HcallTable {
  const logger = options.logger;
  const timebase = options.timebase ?? hostTimebase;

  const guestError = (name: string, args: HcallArgs, why: string): number => {
    logger?.log('guest_errors', `${name} from cpu ${args.cpuIndex}: ${why} -> H_PARAMETER`);
    return H.PARAMETER;
  };
  /** The calling vCPU's own server; a vCPU without one is a vmm wiring bug, not a guest error. */
  const self = (name: string, args: HcallArgs): number | undefined => {
    if (xics.validServer(args.cpuIndex)) return args.cpuIndex;
    logger?.log('guest_errors', `${name}: calling cpu ${args.cpuIndex} has no interrupt server -> H_HARDWARE`);
    return undefined;
  };

  return {
    owner: '@ppcvm/xics',
    entries: [
      {
        opcode: XICS_HCALL.H_CPPR,
        name: 'H_CPPR',
        handler: (args) => {
          const server = self('H_CPPR', args);
          if (server === undefined) return H.HARDWARE;
          const cppr = args.arg(0);
          if (cppr > U8_MAX) return guestError('H_CPPR', args, `cppr 0x${cppr.toString(16)} > 0xff`);
          xics.setCppr(server, Number(cppr));
          return H.SUCCESS;
        },
      },
      {
        opcode: XICS_HCALL.H_EOI,
        name: 'H_EOI',
        handler: (args) => {
          const server = self('H_EOI', args);
          if (server === undefined) return H.HARDWARE;
          const xirr = args.arg(0);
          if (xirr > U32_MAX) return guestError('H_EOI', args, `xirr 0x${xirr.toString(16)} wider than 32 bits`);
          const x = Number(xirr);
          const irq = x & XISR_MASK;
          // Like KVM: an XISR that names no source is a parameter error. Unlike KVM we
          // change nothing in that case (Linux then sets CPPR with H_CPPR itself).
          if (irq !== XICS_IPI && !xics.validIrq(irq)) {
            return guestError('H_EOI', args, `xisr 0x${irq.toString(16)} is not a source`);
          }
          xics.eoi(server, x);
          return H.SUCCESS;
        },
      },
      {
        opcode: XICS_HCALL.H_XIRR,
        name: 'H_XIRR',
        handler: (args) => {
          // r4 carries Linux's current CPPR as a hint; PAPR gives it no meaning here.
          const server = self('H_XIRR', args);
          if (server === undefined) return H.HARDWARE;
          args.ret(0, BigInt(xics.accept(server)));
          return H.SUCCESS;
        },
      },
      {
        opcode: XICS_HCALL.H_XIRR_X,
        name: 'H_XIRR_X',
        handler: (args) => {
          const server = self('H_XIRR_X', args);
          if (server === undefined) return H.HARDWARE;
          args.ret(0, BigInt(xics.accept(server)));
          args.ret(1, timebase());
          return H.SUCCESS;
        },
      },
      {
        opcode: XICS_HCALL.H_IPI,
        name: 'H_IPI',
        handler: (args) => {
          const server = args.arg(0);
          const mfrr = args.arg(1);
          if (server >= BigInt(xics.nrServers)) {
            return guestError('H_IPI', args, `no server ${server} (have ${xics.nrServers})`);
          }
          if (mfrr > U8_MAX) return guestError('H_IPI', args, `mfrr 0x${mfrr.toString(16)} > 0xff`);
          xics.setMfrr(Number(server), Number(mfrr));
          return H.SUCCESS;
        },
      },
      {
        opcode: XICS_HCALL.H_IPOLL,
        name: 'H_IPOLL',
        handler: (args) => {
          const server = args.arg(0);
          if (server >= BigInt(xics.nrServers)) {
            return guestError('H_IPOLL', args, `no server ${server} (have ${xics.nrServers})`);
          }
          const { xirr, mfrr } = xics.ipoll(Number(server));
          args.ret(0, BigInt(xirr));
          args.ret(1, BigInt(mfrr));
          return H.SUCCESS;
        },
      },
    ],
  };
}
