/**
 * The VIO bus hcalls (LoPAPR "Virtual I/O" and "Virtual Terminal"; papr-notes
 * A §1.3 and B §4.6): H_VIO_SIGNAL, H_PUT_TERM_CHAR, H_GET_TERM_CHAR. Every
 * argument is guest-controlled: unknown units, lengths above 16, modes the
 * device does not have all become H_PARAMETER plus one `guest_errors` line.
 */
import { H, type HcallArgs, type HcallTable } from '@ppcvm/machine-core';
import type { VioBus } from './bus.js';
import { VTY_MAX_CHARS } from './vty.js';

export const VIO_HCALL = {
  H_GET_TERM_CHAR: 0x54,
  H_PUT_TERM_CHAR: 0x58,
  H_VIO_SIGNAL: 0x104,
} as const;

const U64 = (1n << 64n) - 1n;

/** Unpack `len` bytes packed big-endian in two registers (the first byte is the MSB of the first). */
export function unpackTermChars(hi: bigint, lo: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    const word = i < 8 ? hi : lo;
    out[i] = Number((word >> BigInt(56 - 8 * (i % 8))) & 0xffn);
  }
  return out;
}

/** Pack up to 16 bytes big-endian into two registers, zero-filled. */
export function packTermChars(bytes: Uint8Array): [bigint, bigint] {
  let hi = 0n;
  let lo = 0n;
  for (let i = 0; i < 16; i++) {
    const b = BigInt(bytes[i] ?? 0);
    if (i < 8) hi = (hi << 8n) | b;
    else lo = (lo << 8n) | b;
  }
  return [hi & U64, lo & U64];
}

export function vioHcalls(bus: VioBus): HcallTable {
  const log = bus.logger;
  const bad = (name: string, a: HcallArgs, why: string): number => {
    if (log.enabled('guest_errors')) log.log('guest_errors', `${name} from cpu ${a.cpuIndex}: ${why} -> H_PARAMETER`);
    return H.PARAMETER;
  };
  return {
    owner: '@ppcvm/spapr-vio',
    entries: [
      {
        opcode: VIO_HCALL.H_PUT_TERM_CHAR,
        name: 'H_PUT_TERM_CHAR',
        handler: (a) => {
          const reg = a.arg(0);
          const len = a.arg(1);
          const vty = bus.findVty(reg);
          if (!vty) return bad('H_PUT_TERM_CHAR', a, `no vty at unit 0x${reg.toString(16)}`);
          if (len > BigInt(VTY_MAX_CHARS)) return bad('H_PUT_TERM_CHAR', a, `length ${len} > ${VTY_MAX_CHARS}`);
          vty.putChars(unpackTermChars(a.arg(2), a.arg(3), Number(len)));
          return H.SUCCESS;
        },
      },
      {
        opcode: VIO_HCALL.H_GET_TERM_CHAR,
        name: 'H_GET_TERM_CHAR',
        handler: (a) => {
          const reg = a.arg(0);
          const vty = bus.findVty(reg);
          if (!vty) return bad('H_GET_TERM_CHAR', a, `no vty at unit 0x${reg.toString(16)}`);
          const bytes = vty.getChars(VTY_MAX_CHARS);
          const [hi, lo] = packTermChars(bytes);
          a.ret(0, BigInt(bytes.length));
          a.ret(1, hi);
          a.ret(2, lo);
          return H.SUCCESS;
        },
      },
      {
        opcode: VIO_HCALL.H_VIO_SIGNAL,
        name: 'H_VIO_SIGNAL',
        handler: (a) => {
          const reg = a.arg(0);
          const mode = a.arg(1);
          const slot = bus.find(reg);
          if (!slot) return bad('H_VIO_SIGNAL', a, `no device at unit 0x${reg.toString(16)}`);
          if ((mode & ~BigInt(slot.device.signalMask)) !== 0n) {
            return bad('H_VIO_SIGNAL', a, `mode 0x${mode.toString(16)} not supported by ${slot.device.dtName}`);
          }
          slot.signalState = Number(mode);
          return H.SUCCESS;
        },
      },
    ],
  };
}
