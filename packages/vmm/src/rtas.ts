/**
 * RTAS (LoPAPR chapter 7, "Run-Time Abstraction Services") the way QEMU's
 * pseries provides it (papr-notes A §2 and §4): a 20-byte blob in guest
 * memory turns a call into the private hcall KVMPPC_H_RTAS (0xF000) with r4 =
 * the argument buffer, and the buffer is a big-endian block
 * `token, nargs, nret, args[nargs], rets[nret]`.
 *
 * The dispatcher reads and writes that buffer only through GuestMemory and
 * validates everything first: a buffer outside RAM, counts larger than the
 * 16-word argument area of Linux's struct rtas_args, an unknown token, wrong
 * counts for a service all become status -3 (RTAS parameter error) where the
 * status word can be written, plus one debug line, never an exception.
 */
import { type GuestMemory, GuestMemoryError, H, type Logger } from '@ppcvm/machine-core';

/** The RTAS entry code: `mr r4,r3; lis r3,0; ori r3,r3,0xf000; sc 1; blr`. */
export const RTAS_BLOB_WORDS = [0x7c641b78, 0x3c600000, 0x6063f000, 0x44000022, 0x4e800020] as const;
/** The hcall the blob makes (KVMPPC_H_RTAS). */
export const H_RTAS = 0xf000;

/** RTAS status codes (LoPAPR; QEMU RTAS_OUT_*). */
export const RTAS = {
  SUCCESS: 0,
  NO_ERRORS_FOUND: 1,
  HW_ERROR: -1,
  BUSY: -2,
  PARAM_ERROR: -3,
  NOT_AUTHORIZED: -9002,
  SYSPARM_PARAM_ERROR: -9999,
} as const;

/** Linux's struct rtas_args holds 16 words for args and rets together. */
export const RTAS_MAX_WORDS = 16;

/**
 * QEMU's token numbers (RTAS_TOKEN_BASE 0x2000 + index, spapr.h). Only the
 * services the machine implements are published in /rtas.
 */
export const RTAS_TOKENS: Readonly<Record<string, number>> = {
  'display-character': 0x2000,
  'get-time-of-day': 0x2001,
  'set-time-of-day': 0x2002,
  'power-off': 0x2003,
  'system-reboot': 0x2004,
  'query-cpu-stopped-state': 0x2005,
  'start-cpu': 0x2006,
  'stop-self': 0x2007,
  'ibm,get-system-parameter': 0x2008,
  'ibm,set-system-parameter': 0x2009,
  'ibm,set-xive': 0x200a,
  'ibm,get-xive': 0x200b,
  'ibm,int-off': 0x200c,
  'ibm,int-on': 0x200d,
  'check-exception': 0x200e,
  'event-scan': 0x200f,
  'ibm,set-tce-bypass': 0x2010,
  quiesce: 0x2011,
  'nvram-fetch': 0x2012,
  'nvram-store': 0x2013,
  'read-pci-config': 0x2014,
  'write-pci-config': 0x2015,
  'ibm,read-pci-config': 0x2016,
  'ibm,write-pci-config': 0x2017,
  'ibm,query-interrupt-source-number': 0x2018,
  'ibm,change-msi': 0x2019,
  'set-indicator': 0x201a,
  'set-power-level': 0x201b,
  'get-power-level': 0x201c,
  'get-sensor-state': 0x201d,
  'ibm,configure-connector': 0x201e,
  'ibm,os-term': 0x201f,
  'ibm,set-eeh-option': 0x2020,
  'ibm,get-config-addr-info2': 0x2021,
  'ibm,read-slot-reset-state2': 0x2022,
  'ibm,set-slot-reset': 0x2023,
  'ibm,configure-pe': 0x2024,
  'ibm,slot-error-detail': 0x2025,
  'ibm,query-pe-dma-window': 0x2026,
  'ibm,create-pe-dma-window': 0x2027,
  'ibm,remove-pe-dma-window': 0x2028,
  'ibm,reset-pe-dma-window': 0x2029,
  'ibm,suspend-me': 0x202a,
  'ibm,nmi-register': 0x202b,
  'ibm,nmi-interlock': 0x202c,
};

/** Old Linux early-debug code calls display-character with the hard-coded token 0xa (QEMU honours it). */
export const RTAS_LEGACY_DISPLAY_CHARACTER = 0xa;

/** A count a service accepts: exact, or an inclusive range. */
export type RtasCount = number | readonly [number, number];

/** What a service sees of one call. */
export interface RtasCall {
  readonly cpuIndex: number;
  /** Argument words (u32). */
  readonly args: readonly number[];
  /** Number of return words the caller provided (including the status word). */
  readonly nret: number;
  readonly memory: GuestMemory;
}

export interface RtasService {
  readonly name: string;
  readonly token: number;
  /** Accepted argument / return-word counts; a mismatch is status -3 before `fn` runs. */
  readonly nargs?: RtasCount;
  readonly nret?: RtasCount;
  /** Returns the words to write back: status first. Never more than `nret` are written. */
  fn(call: RtasCall): readonly number[];
}

function countOk(c: RtasCount | undefined, n: number): boolean {
  if (c === undefined) return true;
  return typeof c === 'number' ? n === c : n >= c[0] && n <= c[1];
}

/** Hooks for host-side RAM writes (so the CPU drops decoded code it cached for that RAM). */
export type RamWriteHook = (address: number, length: number) => void;

export class RtasDispatcher {
  private readonly byToken = new Map<number, RtasService>();

  constructor(
    private readonly memory: GuestMemory,
    private readonly logger: Logger,
    private readonly onRamWrite: RamWriteHook = () => {},
  ) {}

  /** Register a service; a token or name used twice is a configuration error. */
  register(service: RtasService): void {
    if (this.byToken.has(service.token)) throw new Error(`RTAS token 0x${service.token.toString(16)} registered twice`);
    for (const s of this.byToken.values()) {
      if (s.name === service.name) throw new Error(`RTAS service ${service.name} registered twice`);
    }
    this.byToken.set(service.token, service);
  }

  /** The registered services, by token, for the /rtas node. */
  get services(): readonly RtasService[] {
    return [...this.byToken.values()].sort((a, b) => a.token - b.token);
  }

  private log(cat: 'rtas' | 'guest_errors', msg: string): void {
    if (this.logger.enabled(cat)) this.logger.log(cat, msg);
  }

  /**
   * Run the RTAS call whose buffer is at `bufferAddress` (r4 of H_RTAS; the top
   * four bits are ignored as real-mode addressing ignores them). Returns the
   * hcall status: H_SUCCESS when the call was dispatched (its own status is in
   * the buffer), H_PARAMETER for an unknown token or an unusable buffer.
   */
  call(cpuIndex: number, bufferAddress: bigint): number {
    const addr = bufferAddress & 0x0fffffffffffffffn;
    const mem = this.memory;
    if (!mem.contains(addr, 12)) {
      this.log('guest_errors', `RTAS buffer 0x${addr.toString(16)} is outside RAM -> H_PARAMETER`);
      return H.PARAMETER;
    }
    const base = Number(addr);
    const token = mem.read32BE(base);
    const nargs = mem.read32BE(base + 4);
    const nret = mem.read32BE(base + 8);
    const argsAt = base + 12;
    const retsAt = argsAt + 4 * nargs;
    // The whole block must be in RAM and within the 16 words of struct rtas_args.
    const fits = nargs + nret <= RTAS_MAX_WORDS && mem.contains(argsAt, 4 * (nargs + nret));
    // Where a status can still be reported: a sane status slot inside RAM.
    const statusOk = nargs <= RTAS_MAX_WORDS && nret >= 1 && nret <= RTAS_MAX_WORDS && mem.contains(retsAt, 4);
    const setStatus = (status: number) => {
      if (statusOk) this.store(retsAt, [status]);
    };
    const service =
      this.byToken.get(token) ??
      (token === RTAS_LEGACY_DISPLAY_CHARACTER ? this.named('display-character') : undefined);
    if (!service) {
      this.log('guest_errors', `unknown RTAS token 0x${token.toString(16)} -> RTAS -3, H_PARAMETER`);
      setStatus(RTAS.PARAM_ERROR);
      return H.PARAMETER;
    }
    if (!fits) {
      this.log(
        'guest_errors',
        `RTAS ${service.name}: nargs ${nargs} nret ${nret} at 0x${addr.toString(16)} do not fit an argument block -> RTAS -3`,
      );
      setStatus(RTAS.PARAM_ERROR);
      return statusOk ? H.SUCCESS : H.PARAMETER;
    }
    if (!countOk(service.nargs, nargs) || !countOk(service.nret, nret)) {
      this.log('guest_errors', `RTAS ${service.name}: called with ${nargs} args / ${nret} rets -> RTAS -3`);
      setStatus(RTAS.PARAM_ERROR);
      return H.SUCCESS;
    }
    const args: number[] = [];
    for (let i = 0; i < nargs; i++) args.push(mem.read32BE(argsAt + 4 * i));
    let out: readonly number[];
    try {
      out = service.fn({ cpuIndex, args, nret, memory: mem });
    } catch (e) {
      if (!GuestMemoryError.is(e)) throw e;
      // A buffer argument pointed outside RAM.
      this.log('guest_errors', `RTAS ${service.name}: ${e.message} -> RTAS -3`);
      out = [RTAS.PARAM_ERROR];
    }
    this.store(retsAt, out.slice(0, nret));
    if (this.logger.enabled('rtas')) {
      this.log('rtas', `${service.name}(${args.map((a) => `0x${a.toString(16)}`).join(', ')}) -> ${out.join(', ')}`);
    }
    return H.SUCCESS;
  }

  private named(name: string): RtasService | undefined {
    for (const s of this.byToken.values()) if (s.name === name) return s;
    return undefined;
  }

  private store(at: number, words: readonly number[]): void {
    words.forEach((w, i) => {
      this.memory.write32BE(at + 4 * i, w);
    });
    if (words.length > 0) this.onRamWrite(at, 4 * words.length);
  }
}

/** The blob as bytes, big-endian (RTAS is always entered big-endian). */
export function rtasBlob(): Uint8Array {
  const out = new Uint8Array(RTAS_BLOB_WORDS.length * 4);
  const dv = new DataView(out.buffer);
  RTAS_BLOB_WORDS.forEach((w, i) => {
    dv.setUint32(i * 4, w);
  });
  return out;
}
