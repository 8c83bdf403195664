/**
 * Test kit for the gdbstub: a scriptable fake DebugTarget and a client that
 * talks to a GdbSession in memory (framing, checksums, acks).
 */
import {
  type Breakpoint,
  type BreakpointResult,
  type DebugTarget,
  GdbSession,
  GdbSignal,
  POWER64_REGISTERS,
  type ResumeAction,
  type StopEvent,
} from '../../src/gdb/index.js';

export class FakeTarget implements DebugTarget {
  readonly regs = new Map<string, bigint>();
  readonly memory = new Uint8Array(0x10000);
  /** Mapped range of the fake memory: [base, base + memory.length). */
  readonly base = 0x1000n;
  le = true;
  readonly bps: Breakpoint[] = [];
  readonly resumes: Map<number, ResumeAction>[] = [];
  /** What the next resume reports; undefined = run until interrupt(). */
  nextStop: StopEvent | undefined;
  attachCalls = 0;
  detachCalls = 0;
  killCalls = 0;
  private pending: ((ev: StopEvent) => void) | null = null;
  private pendingThread = 1;

  constructor(readonly threadIds: readonly number[] = [1, 2]) {}

  threads(): readonly number[] {
    return this.threadIds;
  }
  attach(): void {
    this.attachCalls++;
  }
  detach(): void {
    this.detachCalls++;
  }
  kill(): void {
    this.killCalls++;
  }
  isLittleEndian(): boolean {
    return this.le;
  }
  readRegister(thread: number, regnum: number): bigint | undefined {
    if (!this.threadIds.includes(thread)) return undefined;
    return this.regs.get(`${thread}:${regnum}`) ?? BigInt(regnum);
  }
  writeRegister(thread: number, regnum: number, value: bigint): boolean {
    if (!this.threadIds.includes(thread) || !POWER64_REGISTERS[regnum]) return false;
    this.regs.set(`${thread}:${regnum}`, value);
    return true;
  }
  readMemory(_thread: number, address: bigint, length: number): Uint8Array {
    const end = this.base + BigInt(this.memory.length);
    if (address < this.base || address >= end) return new Uint8Array(0);
    const off = Number(address - this.base);
    return this.memory.slice(off, Math.min(this.memory.length, off + length));
  }
  writeMemory(_thread: number, address: bigint, data: Uint8Array): boolean {
    if (address < this.base || address + BigInt(data.length) > this.base + BigInt(this.memory.length)) return false;
    this.memory.set(data, Number(address - this.base));
    return true;
  }
  insertBreakpoint(bp: Breakpoint): BreakpointResult {
    if (bp.type === 'access') return 'unsupported';
    this.bps.push(bp);
    return 'ok';
  }
  removeBreakpoint(bp: Breakpoint): BreakpointResult {
    const i = this.bps.findIndex((b) => b.type === bp.type && b.address === bp.address && b.length === bp.length);
    if (i < 0) return 'error';
    this.bps.splice(i, 1);
    return 'ok';
  }
  resume(actions: ReadonlyMap<number, ResumeAction>): Promise<StopEvent> {
    if (this.pending) throw new Error('FakeTarget: resume while running');
    this.resumes.push(new Map(actions));
    const first = [...actions.keys()][0] ?? 1;
    if (this.nextStop) {
      const ev = this.nextStop;
      this.nextStop = undefined;
      return Promise.resolve(ev);
    }
    // A step ends the resume (threads told to continue may run any amount meanwhile).
    const stepper = [...actions].find(([, a]) => a === 'step');
    if (stepper) return Promise.resolve({ kind: 'signal', thread: stepper[0], signal: GdbSignal.TRAP });
    this.pendingThread = first;
    return new Promise((resolve) => {
      this.pending = resolve;
    });
  }
  interrupt(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    p({ kind: 'signal', thread: this.pendingThread, signal: GdbSignal.INT });
  }
  get running(): boolean {
    return this.pending !== null;
  }
}

export function checksum(s: string): string {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum = (sum + s.charCodeAt(i)) & 0xff;
  return sum.toString(16).padStart(2, '0');
}

export function frame(s: string): string {
  return `$${s}#${checksum(s)}`;
}

export function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
}

/** Let promise callbacks and setImmediate tasks run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** An in-memory gdb: sends packets, collects and checks replies. */
export class Client {
  readonly session: GdbSession;
  out = '';
  closed = false;
  readonly logs: string[] = [];

  constructor(
    readonly target: DebugTarget,
    opts: { monitor?: (cmd: string) => string; maxPacket?: number } = {},
  ) {
    this.session = new GdbSession(target, {
      send: (b) => {
        this.out += String.fromCharCode(...b);
      },
      close: () => {
        this.closed = true;
      },
      log: (m) => this.logs.push(m),
      ...opts,
    });
  }

  raw(s: string | Uint8Array): void {
    this.session.receive(typeof s === 'string' ? bytes(s) : s);
  }

  /** Remove and return every complete reply packet received so far (acks dropped). */
  take(): string[] {
    const res: string[] = [];
    let s = this.out;
    for (;;) {
      s = s.replace(/^[+-]+/, '');
      const m = /^\$([^#]*)#([0-9a-f]{2})/.exec(s);
      if (!m) break;
      if (checksum(m[1]!) !== m[2]) throw new Error(`bad checksum in reply ${m[0]}`);
      res.push(m[1]!);
      s = s.slice(m[0].length);
    }
    this.out = s;
    return res;
  }

  /** Send one packet and return its reply (after letting async work settle). */
  async ask(payload: string): Promise<string> {
    this.raw(frame(payload));
    await settle();
    const r = this.take();
    if (r.length !== 1) throw new Error(`expected one reply to ${payload}, got ${JSON.stringify(r)}`);
    return r[0]!;
  }
}
