/**
 * Word layout of the XICS state inside one SharedArrayBuffer (Int32 words).
 *
 * Every thread that attaches to the buffer computes the same offsets from the
 * header, so a vCPU worker and the main thread address the same state.
 *
 *   header   HEADER_WORDS words
 *   ICPs     nrServers × ICP_WORDS (one 64-byte line each, so two vCPUs spinning
 *            on their own ICP lock do not share a cache line)
 *   sources  nrIrqs × SRC_WORDS (config word, status word)
 *   resend   ceil(nrIrqs / 32) words: one "maybe needs resend" bit per source
 */

/** 'XICS' in ASCII: lets `attach` refuse a buffer that is not ours. */
export const MAGIC = 0x58494353;
export const LAYOUT_VERSION = 1;

export const HDR_MAGIC = 0;
export const HDR_VERSION = 1;
export const HDR_NR_SERVERS = 2;
export const HDR_NR_IRQS = 3;
export const HDR_OFFSET = 4;
export const HEADER_WORDS = 16;

export const ICP_WORDS = 16;
/** Spin lock: 0 free, 1 held (Atomics.compareExchange). */
export const ICP_LOCK = 0;
export const ICP_CPPR = 1;
export const ICP_XISR = 2;
export const ICP_PENDING = 3;
export const ICP_MFRR = 4;
/** External-interrupt output line: 1 while XISR holds an interrupt for the CPU. */
export const ICP_OUTPUT = 5;

export const SRC_WORDS = 2;
/** priority (bits 0-7) | saved priority (bits 8-15) | server (bits 16-31). */
export const SRC_CONFIG = 0;
/** ST_* flags below, plus the per-source lock bit. */
export const SRC_STATUS = 1;

/** LSI input is high (level-sensitive sources only). */
export const ST_ASSERTED = 1 << 0;
/** LSI has been presented to an ICP and not yet EOI'd or rejected. */
export const ST_SENT = 1 << 1;
/** MSI was rejected by its ICP and waits for a resend. */
export const ST_REJECTED = 1 << 2;
/** MSI fired while masked (priority 0xff); delivered when unmasked. */
export const ST_MASKED_PENDING = 1 << 3;
/** Source is level-sensitive (else message-signalled / edge). */
export const ST_LSI = 1 << 4;
/** Source was claimed by a device (QEMU: flags != 0). */
export const ST_CLAIMED = 1 << 5;
/** Per-source spin lock, kept in the status word so flag updates (Atomics.or/and) never disturb it. */
export const ST_LOCK = 1 << 8;

export function totalWords(nrServers: number, nrIrqs: number): number {
  return HEADER_WORDS + nrServers * ICP_WORDS + nrIrqs * SRC_WORDS + Math.ceil(nrIrqs / 32);
}

export function packConfig(server: number, priority: number, savedPriority: number): number {
  return ((server & 0xffff) << 16) | ((savedPriority & 0xff) << 8) | (priority & 0xff);
}
