/**
 * One gdb connection: the remote serial protocol engine (gdb manual,
 * Appendix E "GDB Remote Serial Protocol"), all-stop mode, independent of the
 * transport. Bytes come in through {@link GdbSession.receive}; replies go out
 * through the `send` callback.
 *
 * Hostile input never throws out of `receive`: malformed packets get an
 * `Exx` reply (or are refused with `-`), unknown packets an empty reply, and
 * nothing is buffered without bound (packets are capped at `maxPacket` bytes,
 * at most {@link MAX_QUEUED} wait for the target to attach).
 */
import {
  ascii,
  bytesToInt,
  DEFAULT_MAX_PACKET,
  escapeBinary,
  framePacket,
  fromHex,
  type Incoming,
  intToBytes,
  latin1,
  PacketReader,
  parseHexBig,
  parseHexNum,
  toHex,
  unescapeBinary,
} from './packet.js';
import { G_PACKET_BYTES, POWER64_REGISTERS, REGNUM, targetXml } from './registers.js';
import { type BreakpointType, type DebugTarget, GdbSignal, type ResumeAction, type StopEvent } from './target.js';

/** Error replies: errno-style numbers in hex, as gdbserver uses them. */
const E_INVAL = 'E16';
const E_FAULT = 'E0e';
const E_NOENT = 'E02';

/** Packets kept until the target has attached (gdb sends one at a time; anything beyond is hostile). */
export const MAX_QUEUED = 32;
/** Breakpoint / watchpoint lengths we accept (a DAWR covers at most 512 bytes; be generous). */
const MAX_WATCH_LENGTH = 1 << 20;

export interface GdbSessionOptions {
  /** Transport output. */
  send(bytes: Uint8Array): void;
  /** Ask the transport to close the connection (after `D` or `k`). */
  close(): void;
  /** Debug log of protocol events (bad packets, dropped input). */
  log?(message: string): void;
  /** Every packet received and sent (payload text, truncated), for protocol debugging. */
  trace?(direction: 'in' | 'out', payload: string): void;
  /** `monitor CMD` from gdb (qRcmd): returns the text to print. */
  monitor?(command: string): string;
  /** Largest accepted packet payload; advertised as PacketSize. */
  maxPacket?: number;
  /** Register byte order: the vCPU's MSR[LE] (default), or forced. */
  byteOrder?: 'target' | 'big' | 'little';
}

type Reply = string | Uint8Array | null;

export class GdbSession {
  private readonly reader: PacketReader;
  private readonly maxPacket: number;
  private noAck = false;
  private lastSent: Uint8Array | null = null;
  private readonly queue: Uint8Array[] = [];
  /** Waiting for target.attach(). */
  private attaching = true;
  private running = false;
  private closed = false;
  private lastStop: StopEvent;
  /** Thread for register/memory requests (Hg) and for old-style c/s (Hc); 0 = any, -1 = all. */
  private gThread = 0;
  private cThread = -1;
  private readonly xml: Uint8Array;

  constructor(
    private readonly target: DebugTarget,
    private readonly opts: GdbSessionOptions,
  ) {
    this.maxPacket = opts.maxPacket ?? DEFAULT_MAX_PACKET;
    this.reader = new PacketReader(this.maxPacket);
    this.xml = ascii(targetXml());
    const first = target.threads()[0] ?? 1;
    // On connection the target is reported as stopped by SIGTRAP (as gdbserver does after attach).
    this.lastStop = { kind: 'signal', thread: first, signal: GdbSignal.TRAP };
    let attached: void | Promise<void>;
    try {
      attached = target.attach();
    } catch (e) {
      this.log(`attach failed: ${String(e)}`);
      attached = undefined;
    }
    Promise.resolve(attached).then(
      () => this.attached(),
      (e: unknown) => {
        this.log(`attach failed: ${String(e)}`);
        this.attached();
      },
    );
  }

  /** True while the guest runs under a `c`/`s`/`vCont`. */
  get isRunning(): boolean {
    return this.running;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Bytes from gdb. Never throws. */
  receive(chunk: Uint8Array): void {
    if (this.closed) return;
    try {
      this.reader.push(chunk, (ev) => this.onIncoming(ev));
      this.pump();
    } catch (e) {
      // A bug of ours, not the client's: log it and keep the connection usable.
      this.log(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  /** The transport closed: stop the guest if it runs, then detach the target. */
  disconnected(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    if (this.running) this.target.interrupt();
    else this.safeDetach();
  }

  private log(msg: string): void {
    this.opts.log?.(msg);
  }

  private attached(): void {
    this.attaching = false;
    this.pump();
  }

  private safeDetach(): void {
    try {
      this.target.detach();
    } catch (e) {
      this.log(`detach failed: ${String(e)}`);
    }
  }

  private onIncoming(ev: Incoming): void {
    if (this.closed) return;
    switch (ev.kind) {
      case 'interrupt':
        if (this.running) this.target.interrupt();
        return;
      case 'ack':
        return;
      case 'nak':
        // gdb did not get our last packet intact: send it again.
        if (!this.noAck && this.lastSent) this.opts.send(this.lastSent);
        return;
      case 'bad':
        this.log(`refused packet: ${ev.reason}`);
        if (!this.noAck) this.opts.send(ascii('-'));
        return;
      case 'packet':
        if (!this.noAck) this.opts.send(ascii('+'));
        if (this.running) {
          // All-stop mode: while the guest runs gdb only sends Ctrl-C.
          this.log(`packet while running ignored: ${latin1(ev.payload.subarray(0, 32))}`);
          return;
        }
        if (this.queue.length >= MAX_QUEUED) {
          this.log('too many queued packets: dropped one');
          return;
        }
        this.queue.push(ev.payload);
        // Serve it now, so a chunk holding many packets never fills the queue.
        this.pump();
        return;
    }
  }

  private pump(): void {
    while (!this.closed && !this.attaching && !this.running && this.queue.length > 0) {
      const payload = this.queue.shift()!;
      this.opts.trace?.('in', latin1(payload.subarray(0, 200)));
      let reply: Reply;
      try {
        reply = this.handle(payload);
      } catch (e) {
        this.log(`error handling packet: ${e instanceof Error ? e.message : String(e)}`);
        reply = E_INVAL;
      }
      if (reply !== null) this.reply(reply);
    }
  }

  private reply(data: string | Uint8Array): void {
    if (this.closed) return;
    const payload = typeof data === 'string' ? ascii(data) : data;
    this.opts.trace?.('out', latin1(payload.subarray(0, 200)));
    const framed = framePacket(payload);
    this.lastSent = framed;
    this.opts.send(framed);
  }

  // ---- dispatch --------------------------------------------------------------------------------

  private handle(payload: Uint8Array): Reply {
    if (payload.length === 0) return '';
    const c = String.fromCharCode(payload[0]!);
    // X carries binary data: only its header is text.
    if (c === 'X') return this.writeMemoryBinary(payload);
    const p = latin1(payload);
    switch (c) {
      case '?':
        return this.stopReply(this.lastStop);
      case 'g':
        return this.readAllRegisters();
      case 'G':
        return this.writeAllRegisters(p.slice(1));
      case 'p':
        return this.readOneRegister(p.slice(1));
      case 'P':
        return this.writeOneRegister(p.slice(1));
      case 'm':
        return this.readMemory(p.slice(1));
      case 'M':
        return this.writeMemory(p.slice(1));
      case 'H':
        return this.setThread(p.slice(1));
      case 'T':
        return this.threadAlive(p.slice(1));
      case 'c':
      case 's':
        return this.oldResume(c === 's' ? 'step' : 'continue', p.slice(1), false);
      case 'C':
      case 'S':
        return this.oldResume(c === 'S' ? 'step' : 'continue', p.slice(1), true);
      case 'D':
        this.reply('OK');
        this.closeAfter(() => this.safeDetach());
        return null;
      case 'k':
        this.closeAfter(() => this.target.kill());
        return null;
      case 'Z':
      case 'z':
        return this.breakpoint(c === 'Z', p.slice(1));
      case 'q':
        return this.query(p);
      case 'Q':
        return this.setQuery(p);
      case 'v':
        return this.vPacket(p);
      default:
        // Unknown packets get the empty reply (gdb manual E.1).
        return '';
    }
  }

  private closeAfter(action: () => void): void {
    this.closed = true;
    this.queue.length = 0;
    try {
      action();
    } catch (e) {
      this.log(`error: ${String(e)}`);
    }
    this.opts.close();
  }

  // ---- threads -------------------------------------------------------------------------------

  private threads(): readonly number[] {
    return this.target.threads();
  }

  /** The thread register/memory requests apply to. */
  private regThread(): number {
    const t = this.gThread;
    if (t > 0 && this.threads().includes(t)) return t;
    return this.stopThread();
  }

  private stopThread(): number {
    const ev = this.lastStop;
    if ('thread' in ev && this.threads().includes(ev.thread)) return ev.thread;
    return this.threads()[0] ?? 1;
  }

  /** Thread id: hex, `-1` (all), `0` (any), or multiprocess `pPID.TID` (the process part is ignored). */
  private parseThreadId(s: string): number | undefined {
    let t = s;
    if (t.startsWith('p')) {
      const dot = t.indexOf('.');
      if (dot < 0) return -1;
      t = t.slice(dot + 1);
    }
    if (t === '-1') return -1;
    const v = parseHexNum(t);
    if (v === undefined) return undefined;
    if (v !== 0 && !this.threads().includes(v)) return undefined;
    return v;
  }

  private setThread(p: string): Reply {
    const op = p[0];
    const id = this.parseThreadId(p.slice(1));
    if ((op !== 'g' && op !== 'c') || id === undefined) return E_INVAL;
    if (op === 'g') this.gThread = id;
    else this.cThread = id;
    return 'OK';
  }

  private threadAlive(p: string): Reply {
    const id = this.parseThreadId(p);
    return id !== undefined && id > 0 ? 'OK' : E_NOENT;
  }

  // ---- registers -----------------------------------------------------------------------------

  private littleEndian(thread: number): boolean {
    const order = this.opts.byteOrder ?? 'target';
    if (order !== 'target') return order === 'little';
    return this.target.isLittleEndian(thread);
  }

  private registerHex(thread: number, regnum: number, le: boolean): string {
    const r = POWER64_REGISTERS[regnum]!;
    const v = this.target.readRegister(thread, regnum);
    // 'x' digits mark an unavailable register (gdb manual E.4, "g").
    if (v === undefined) return 'xx'.repeat(r.bits / 8);
    return toHex(intToBytes(v, r.bits, le));
  }

  private readAllRegisters(): Reply {
    const t = this.regThread();
    const le = this.littleEndian(t);
    let s = '';
    for (const r of POWER64_REGISTERS) s += this.registerHex(t, r.regnum, le);
    return s;
  }

  private writeAllRegisters(hex: string): Reply {
    const data = fromHex(hex);
    if (!data || data.length !== G_PACKET_BYTES) return E_INVAL;
    const t = this.regThread();
    const le = this.littleEndian(t);
    let off = 0;
    let ok = true;
    for (const r of POWER64_REGISTERS) {
      const n = r.bits / 8;
      ok = this.target.writeRegister(t, r.regnum, bytesToInt(data.subarray(off, off + n), le)) && ok;
      off += n;
    }
    return ok ? 'OK' : E_FAULT;
  }

  private readOneRegister(p: string): Reply {
    const n = parseHexNum(p);
    if (n === undefined || n >= POWER64_REGISTERS.length) return E_INVAL;
    const t = this.regThread();
    return this.registerHex(t, n, this.littleEndian(t));
  }

  private writeOneRegister(p: string): Reply {
    const eq = p.indexOf('=');
    if (eq < 0) return E_INVAL;
    const n = parseHexNum(p.slice(0, eq));
    if (n === undefined || n >= POWER64_REGISTERS.length) return E_INVAL;
    const r = POWER64_REGISTERS[n]!;
    const data = fromHex(p.slice(eq + 1));
    if (!data || data.length !== r.bits / 8) return E_INVAL;
    const t = this.regThread();
    return this.target.writeRegister(t, n, bytesToInt(data, this.littleEndian(t))) ? 'OK' : E_FAULT;
  }

  // ---- memory --------------------------------------------------------------------------------

  /** `ADDR,LENGTH` → values, or undefined when malformed. */
  private parseAddrLen(s: string): [bigint, number] | undefined {
    const comma = s.indexOf(',');
    if (comma < 0) return undefined;
    const addr = parseHexBig(s.slice(0, comma));
    const len = parseHexNum(s.slice(comma + 1));
    if (addr === undefined || len === undefined) return undefined;
    return [addr, len];
  }

  private readMemory(p: string): Reply {
    const al = this.parseAddrLen(p);
    if (!al) return E_INVAL;
    const [addr, want] = al;
    if (want === 0) return '';
    // A reply holds two hex digits per byte; a shorter answer is allowed (gdb manual E.4, "m").
    const len = Math.min(want, Math.floor((this.maxPacket - 8) / 2));
    const data = this.target.readMemory(this.regThread(), addr, len);
    if (data.length === 0) return E_FAULT;
    return toHex(data);
  }

  private writeMemory(p: string): Reply {
    const colon = p.indexOf(':');
    if (colon < 0) return E_INVAL;
    const al = this.parseAddrLen(p.slice(0, colon));
    if (!al) return E_INVAL;
    const data = fromHex(p.slice(colon + 1));
    if (!data || data.length !== al[1]) return E_INVAL;
    if (data.length === 0) return 'OK';
    return this.target.writeMemory(this.regThread(), al[0], data) ? 'OK' : E_FAULT;
  }

  private writeMemoryBinary(payload: Uint8Array): Reply {
    const colon = payload.indexOf(0x3a);
    if (colon < 0) return E_INVAL;
    const al = this.parseAddrLen(latin1(payload.subarray(1, colon)));
    if (!al) return E_INVAL;
    const data = unescapeBinary(payload.subarray(colon + 1));
    if (!data || data.length !== al[1]) return E_INVAL;
    // A zero-length X probes whether binary downloads work.
    if (data.length === 0) return 'OK';
    return this.target.writeMemory(this.regThread(), al[0], data) ? 'OK' : E_FAULT;
  }

  // ---- breakpoints ---------------------------------------------------------------------------

  private breakpoint(insert: boolean, p: string): Reply {
    // TYPE,ADDR,KIND[;cond...]: conditions are not advertised, so ignore anything after ';'.
    const parts = p.split(';')[0]!.split(',');
    if (parts.length !== 3) return E_INVAL;
    const type = (['sw', 'hw', 'write', 'read', 'access'] as const)[parseHexNum(parts[0]!) ?? -1] as
      | BreakpointType
      | undefined;
    const address = parseHexBig(parts[1]!);
    const length = parseHexNum(parts[2]!);
    if (!type || address === undefined || length === undefined) return E_INVAL;
    if (length === 0 || length > MAX_WATCH_LENGTH) return E_INVAL;
    const bp = { type, address, length };
    const r = insert ? this.target.insertBreakpoint(bp) : this.target.removeBreakpoint(bp);
    return r === 'ok' ? 'OK' : r === 'unsupported' ? '' : E_FAULT;
  }

  // ---- execution -----------------------------------------------------------------------------

  private oldResume(action: ResumeAction, p: string, withSignal: boolean): Reply {
    // c [ADDR] / s [ADDR] / C SIG[;ADDR] / S SIG[;ADDR]: the signal has no meaning for a machine.
    let addrText = p;
    if (withSignal) {
      const semi = p.indexOf(';');
      const sig = parseHexNum(semi < 0 ? p : p.slice(0, semi), 2);
      if (sig === undefined) return E_INVAL;
      addrText = semi < 0 ? '' : p.slice(semi + 1);
    }
    const threads = this.threads();
    const actions = new Map<number, ResumeAction>();
    const self = this.cThread > 0 ? this.cThread : this.stopThread();
    if (addrText.length > 0) {
      const addr = parseHexBig(addrText);
      if (addr === undefined) return E_INVAL;
      this.target.writeRegister(self, REGNUM.PC, addr);
    }
    if (action === 'step') actions.set(self, 'step');
    else if (this.cThread > 0) actions.set(self, 'continue');
    else for (const t of threads) actions.set(t, 'continue');
    return this.startResume(actions);
  }

  private vPacket(p: string): Reply {
    if (p === 'vCont?') return 'vCont;c;C;s;S;t';
    if (p.startsWith('vCont;')) return this.vCont(p.slice(6));
    if (p === 'vMustReplyEmpty') return '';
    if (p.startsWith('vKill')) {
      this.reply('OK');
      this.closeAfter(() => this.target.kill());
      return null;
    }
    return '';
  }

  /** vCont;ACTION[:TID];... — the leftmost action naming a thread wins (gdb manual E.4 "vCont"). */
  private vCont(p: string): Reply {
    const threads = this.threads();
    const chosen = new Map<number, ResumeAction | 'stop'>();
    let fallback: ResumeAction | 'stop' | undefined;
    for (const item of p.split(';')) {
      const colon = item.indexOf(':');
      const act = colon < 0 ? item : item.slice(0, colon);
      let a: ResumeAction | 'stop';
      if (act === 'c' || /^C[0-9a-fA-F]{1,2}$/.test(act)) a = 'continue';
      else if (act === 's' || /^S[0-9a-fA-F]{1,2}$/.test(act)) a = 'step';
      else if (act === 't') a = 'stop';
      else return E_INVAL;
      if (colon < 0) {
        fallback ??= a;
        continue;
      }
      const tid = this.parseThreadId(item.slice(colon + 1));
      if (tid === undefined) return E_INVAL;
      if (tid <= 0) fallback ??= a;
      else if (!chosen.has(tid)) chosen.set(tid, a);
    }
    const actions = new Map<number, ResumeAction>();
    for (const t of threads) {
      const a = chosen.get(t) ?? fallback;
      if (a && a !== 'stop') actions.set(t, a);
    }
    if (actions.size === 0) return E_INVAL;
    return this.startResume(actions);
  }

  private startResume(actions: ReadonlyMap<number, ResumeAction>): Reply {
    const last = this.lastStop;
    if (last.kind === 'exited' || last.kind === 'terminated') return this.stopReply(last);
    this.running = true;
    let p: Promise<StopEvent>;
    try {
      p = this.target.resume(actions);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (ev) => this.stopped(ev),
      (e: unknown) => {
        this.log(`resume failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        const first = actions.keys().next().value ?? this.stopThread();
        this.stopped({ kind: 'signal', thread: first, signal: GdbSignal.ABRT });
      },
    );
    return null;
  }

  private stopped(ev: StopEvent): void {
    this.running = false;
    this.lastStop = ev;
    if (this.closed) {
      // The connection went away while the guest ran: now that it stopped, let it go.
      this.safeDetach();
      return;
    }
    this.reply(this.stopReply(ev));
    this.pump();
  }

  private stopReply(ev: StopEvent): string {
    const hex2 = (n: number) => (n & 0xff).toString(16).padStart(2, '0');
    switch (ev.kind) {
      case 'exited':
        return `W${hex2(ev.code)}`;
      case 'terminated':
        return `X${hex2(ev.signal)}`;
      case 'signal':
        return `T${hex2(ev.signal)}thread:${ev.thread.toString(16)};`;
      case 'breakpoint':
        // swbreak/hwbreak tell gdb the PC is already at the breakpoint (no decrement needed).
        return `T05thread:${ev.thread.toString(16)};${ev.type === 'sw' ? 'swbreak' : 'hwbreak'}:;`;
      case 'watchpoint': {
        const key = ev.type === 'write' ? 'watch' : ev.type === 'read' ? 'rwatch' : 'awatch';
        return `T05thread:${ev.thread.toString(16)};${key}:${ev.address.toString(16)};`;
      }
    }
  }

  // ---- queries -------------------------------------------------------------------------------

  private query(p: string): Reply {
    if (p.startsWith('qSupported')) {
      return `PacketSize=${this.maxPacket.toString(16)};qXfer:features:read+;vContSupported+;swbreak+;hwbreak+;QStartNoAckMode+`;
    }
    if (p.startsWith('qXfer:features:read:')) return this.xferFeatures(p.slice('qXfer:features:read:'.length));
    if (p === 'qfThreadInfo')
      return `m${this.threads()
        .map((t) => t.toString(16))
        .join(',')}`;
    if (p === 'qsThreadInfo') return 'l';
    if (p === 'qC') return `QC${this.stopThread().toString(16)}`;
    if (p.startsWith('qAttached')) return '1';
    // A machine image is not relocated.
    if (p === 'qOffsets') return 'Text=0;Data=0;Bss=0';
    if (p.startsWith('qThreadExtraInfo,')) {
      const t = this.parseThreadId(p.slice('qThreadExtraInfo,'.length));
      if (t === undefined || t <= 0) return E_INVAL;
      return toHex(ascii(`vCPU ${t - 1}`));
    }
    if (p.startsWith('qRcmd,')) return this.monitor(p.slice(6));
    if (p.startsWith('qSymbol')) return 'OK';
    return '';
  }

  private setQuery(p: string): Reply {
    if (p === 'QStartNoAckMode') {
      // The OK itself is still acknowledged; from then on neither side sends acks.
      this.reply('OK');
      this.noAck = true;
      return null;
    }
    return '';
  }

  private xferFeatures(rest: string): Reply {
    const colon = rest.indexOf(':');
    if (colon < 0) return E_INVAL;
    if (rest.slice(0, colon) !== 'target.xml') return 'E00';
    const al = this.parseAddrLen(rest.slice(colon + 1));
    if (!al || al[0] > BigInt(Number.MAX_SAFE_INTEGER)) return E_INVAL;
    const off = Number(al[0]);
    const len = Math.min(al[1], this.maxPacket - 16);
    const doc = this.xml;
    if (off >= doc.length) return 'l';
    const chunk = doc.subarray(off, off + len);
    const last = off + chunk.length >= doc.length;
    const body = escapeBinary(chunk);
    const out = new Uint8Array(body.length + 1);
    out[0] = last ? 0x6c : 0x6d; // 'l' or 'm'
    out.set(body, 1);
    return out;
  }

  private monitor(hex: string): Reply {
    const handler = this.opts.monitor;
    if (!handler) return '';
    const cmd = fromHex(hex);
    if (!cmd) return E_INVAL;
    let text: string;
    try {
      text = handler(latin1(cmd));
    } catch (e) {
      text = `error: ${e instanceof Error ? e.message : String(e)}\n`;
    }
    if (text.length === 0) return 'OK';
    // The output is hex; cap it at what fits in one reply.
    const bytes = new TextEncoder().encode(text).subarray(0, Math.floor((this.maxPacket - 8) / 2));
    return toHex(bytes);
  }
}
