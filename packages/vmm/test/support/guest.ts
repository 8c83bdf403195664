import { createLogger, type LogCategory } from '@ppcvm/machine-core';
import { Machine, type MachineOptions, RTAS_TOKENS, rtasAddress } from '../../src/index.js';
import type { Asm } from './asm.js';
import { makeElf } from './elf.js';

export const RAM = 256 * 2 ** 20;
/** Scratch data area for test guests (well below the kernel at 4 MiB). */
export const SCRATCH = 0x100000;
/** RTAS argument buffer used by test guests. */
export const RTAS_BUF = 0x200000;

export interface TestGuest {
  machine: Machine;
  console: () => string;
  logs: string[];
}

/** Build a machine whose kernel is `asm`'s code. */
export function bootGuest(asm: Asm, opts: Partial<MachineOptions> & { log?: LogCategory[] } = {}): TestGuest {
  const out: number[] = [];
  const logs: string[] = [];
  const machine = new Machine({
    kernel: makeElf(asm.bytes()),
    ramSize: RAM,
    console: (b) => out.push(...b),
    logger: createLogger(opts.log ?? ['guest_errors', 'unimp'], (l) => logs.push(l)),
    timebase: () => 0,
    clock: () => Date.UTC(2024, 0, 2, 3, 4, 5, 6),
    ...opts,
  });
  return { machine, console: () => new TextDecoder().decode(Uint8Array.from(out)), logs };
}

/**
 * Emit an RTAS call: the argument block at `buf` (token, nargs, nret, args),
 * r3 = the block, then a call to the RTAS entry like Linux's enter_rtas. The
 * hcall status the blob returns is left in r3.
 */
export function rtasCall(
  a: Asm,
  name: string | number,
  args: number[],
  nret: number,
  opts: { buf?: number; nargs?: number; ram?: number } = {},
): Asm {
  const token = typeof name === 'number' ? name : RTAS_TOKENS[name];
  if (token === undefined) throw new Error(String(name));
  a.li64(31, BigInt(opts.buf ?? RTAS_BUF));
  a.li64(9, BigInt(token)).stw(9, 0, 31);
  a.li64(9, BigInt(opts.nargs ?? args.length)).stw(9, 4, 31);
  a.li64(9, BigInt(nret)).stw(9, 8, 31);
  args.forEach((v, i) => {
    a.li64(9, BigInt(v >>> 0)).stw(9, 12 + 4 * i, 31);
  });
  a.mr(3, 31);
  a.li64(10, BigInt(rtasAddress(opts.ram ?? RAM)));
  return a.callReg(10);
}

/** Store r`reg` as a doubleword at SCRATCH + 8 * slot (r30 holds SCRATCH afterwards). */
export function save(a: Asm, reg: number, slot: number): Asm {
  return a.li64(30, BigInt(SCRATCH)).std(reg, 8 * slot, 30);
}

/** Wait for an interrupt with H_CEDE: with nothing pending the machine goes idle. */
export function idle(a: Asm): Asm {
  return a.hcall(0xe0);
}

/** Pack up to 8 characters big-endian into a register value. */
export function pack8(s: string): bigint {
  let v = 0n;
  for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(s.charCodeAt(i) || 0);
  return v;
}

/** Emit H_PUT_TERM_CHAR of up to 16 characters to the vty at unit 0. */
export function putTerm(a: Asm, s: string): Asm {
  a.li(4, 0)
    .li(5, s.length)
    .li64(6, pack8(s.slice(0, 8)))
    .li64(7, pack8(s.slice(8, 16)));
  return a.hcall(0x58);
}
