/**
 * GDB remote serial protocol framing (gdb manual, Appendix E.1 "Overview"):
 * `$payload#cc` packets with a modulo-256 checksum, `+`/`-` acknowledgements,
 * a raw 0x03 byte to interrupt a running target, and `}`-escaping of `$ # } *`
 * (payload byte XOR 0x20) in binary data.
 *
 * Everything here treats its input as hostile: the reader keeps at most
 * `maxPacket` payload bytes per packet (longer packets are discarded as they
 * arrive and reported as bad), never throws, and resynchronises on the next `$`.
 */

/** Largest packet payload we accept; advertised to gdb as `PacketSize`. */
export const DEFAULT_MAX_PACKET = 0x4000;

/** What the byte stream from gdb contained, in order. */
export type Incoming =
  /** A packet with a valid checksum; `payload` is still escaped (see {@link unescapeBinary}). */
  | { readonly kind: 'packet'; readonly payload: Uint8Array }
  /** A raw 0x03 outside a packet: gdb's Ctrl-C. */
  | { readonly kind: 'interrupt' }
  | { readonly kind: 'ack' }
  | { readonly kind: 'nak' }
  /** A packet that must be refused (bad checksum, too long, or cut off by a new `$`). */
  | { readonly kind: 'bad'; readonly reason: string };

const DOLLAR = 0x24;
const HASH = 0x23;
const ESCAPE = 0x7d;
const STAR = 0x2a;

/** Reader states: between packets, inside the payload, at the first / second checksum digit. */
const State = { Idle: 0, Payload: 1, Check1: 2, Check2: 3 } as const;
type State = (typeof State)[keyof typeof State];

/** Incremental, bounded packet parser. */
export class PacketReader {
  private state: State = State.Idle;
  private readonly buf: Uint8Array;
  private len = 0;
  private sum = 0;
  private overflow = false;
  private check = 0;

  constructor(readonly maxPacket = DEFAULT_MAX_PACKET) {
    this.buf = new Uint8Array(maxPacket);
  }

  /** Feed bytes; `emit` is called once per event, in stream order. */
  push(chunk: Uint8Array, emit: (ev: Incoming) => void): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (this.state) {
        case State.Idle:
          if (b === DOLLAR) this.begin();
          else if (b === 0x03) emit({ kind: 'interrupt' });
          else if (b === 0x2b) emit({ kind: 'ack' });
          else if (b === 0x2d) emit({ kind: 'nak' });
          // Anything else between packets is line noise: ignored (gdb manual E.1).
          break;
        case State.Payload:
          if (b === HASH) this.state = State.Check1;
          else if (b === DOLLAR) {
            // A new packet started before this one ended: the old one was truncated.
            emit({ kind: 'bad', reason: 'truncated packet' });
            this.begin();
          } else {
            this.sum = (this.sum + b) & 0xff;
            if (this.len < this.buf.length) this.buf[this.len++] = b;
            else this.overflow = true;
          }
          break;
        case State.Check1: {
          const v = hexDigit(b);
          if (v < 0) {
            emit({ kind: 'bad', reason: 'invalid checksum digit' });
            this.state = State.Idle;
            if (b === DOLLAR) this.begin();
          } else {
            this.check = v << 4;
            this.state = State.Check2;
          }
          break;
        }
        case State.Check2: {
          const v = hexDigit(b);
          this.state = State.Idle;
          if (v < 0) {
            emit({ kind: 'bad', reason: 'invalid checksum digit' });
            if (b === DOLLAR) this.begin();
          } else if (this.overflow) {
            emit({ kind: 'bad', reason: `packet longer than ${this.buf.length} bytes` });
          } else if ((this.check | v) !== this.sum) {
            emit({ kind: 'bad', reason: 'checksum mismatch' });
          } else {
            emit({ kind: 'packet', payload: this.buf.slice(0, this.len) });
          }
          break;
        }
      }
    }
  }

  private begin(): void {
    this.state = State.Payload;
    this.len = 0;
    this.sum = 0;
    this.overflow = false;
  }
}

/** Value of an ASCII hex digit, or -1. */
export function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x61 + 10;
  if (b >= 0x41 && b <= 0x46) return b - 0x41 + 10;
  return -1;
}

/** Undo `}` escaping of binary data (X packets). Returns undefined for a dangling escape. */
export function unescapeBinary(data: Uint8Array): Uint8Array | undefined {
  const out = new Uint8Array(data.length);
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b === ESCAPE) {
      if (++i >= data.length) return undefined;
      out[n++] = data[i]! ^ 0x20;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

/** Escape the bytes gdb treats specially inside binary replies (`$ # } *`). */
export function escapeBinary(data: Uint8Array): Uint8Array {
  let extra = 0;
  for (const b of data) if (b === DOLLAR || b === HASH || b === ESCAPE || b === STAR) extra++;
  if (extra === 0) return data;
  const out = new Uint8Array(data.length + extra);
  let n = 0;
  for (const b of data) {
    if (b === DOLLAR || b === HASH || b === ESCAPE || b === STAR) {
      out[n++] = ESCAPE;
      out[n++] = b ^ 0x20;
    } else out[n++] = b;
  }
  return out;
}

/** Frame a payload as `$payload#cc`. */
export function framePacket(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 4);
  out[0] = DOLLAR;
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    const b = payload[i]!;
    out[i + 1] = b;
    sum = (sum + b) & 0xff;
  }
  out[payload.length + 1] = HASH;
  const hex = sum.toString(16).padStart(2, '0');
  out[payload.length + 2] = hex.charCodeAt(0);
  out[payload.length + 3] = hex.charCodeAt(1);
  return out;
}

/** ASCII bytes of a string whose characters are all below 0x80 (protocol text). */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Bytes as a latin-1 string (one character per byte), for parsing packet text. */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

const HEX = '0123456789abcdef';

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += HEX[x >>> 4]! + HEX[x & 15]!;
  return s;
}

/** Strict hex → bytes; undefined unless `s` is an even number of hex digits. */
export function fromHex(s: string): Uint8Array | undefined {
  if (s.length % 2 !== 0) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(s.charCodeAt(2 * i));
    const lo = hexDigit(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Strict unsigned hex number of 1..maxDigits digits, as a bigint; undefined otherwise. */
export function parseHexBig(s: string, maxDigits = 16): bigint | undefined {
  if (s.length === 0 || s.length > maxDigits) return undefined;
  for (let i = 0; i < s.length; i++) if (hexDigit(s.charCodeAt(i)) < 0) return undefined;
  return BigInt(`0x${s}`);
}

/** Strict unsigned hex number of 1..8 digits; undefined otherwise. */
export function parseHexNum(s: string, maxDigits = 8): number | undefined {
  const v = parseHexBig(s, Math.min(maxDigits, 8));
  return v === undefined ? undefined : Number(v);
}

/** Unsigned `bits`-wide integer as bytes in the given byte order. */
export function intToBytes(value: bigint, bits: number, littleEndian: boolean): Uint8Array {
  const n = bits >>> 3;
  const out = new Uint8Array(n);
  let v = BigInt.asUintN(bits, value);
  for (let i = 0; i < n; i++) {
    const byte = Number(v & 0xffn);
    out[littleEndian ? i : n - 1 - i] = byte;
    v >>= 8n;
  }
  return out;
}

/** Bytes in the given byte order → unsigned integer. */
export function bytesToInt(b: Uint8Array, littleEndian: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[littleEndian ? b.length - 1 - i : i]!);
  return v;
}
