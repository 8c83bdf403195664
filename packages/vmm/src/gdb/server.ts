/**
 * The gdbstub's TCP transport: one client at a time on 127.0.0.1 (by default),
 * each connection served by a {@link GdbSession}.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { GdbSession } from './session.js';
import type { DebugTarget } from './target.js';

export interface GdbServerOptions {
  /** Interface to listen on (default 127.0.0.1: a debugger can read and write all guest memory). */
  readonly host?: string;
  /** TCP port (default 1234, as QEMU's `-s`); 0 picks a free one. */
  readonly port?: number;
  /** Protocol and connection log. */
  readonly log?: (message: string) => void;
  /** Every packet in and out (payload text, truncated), for protocol debugging. */
  readonly trace?: (direction: 'in' | 'out', payload: string) => void;
  /** Handler for gdb's `monitor CMD`. */
  readonly monitor?: (command: string) => string;
  /** Largest accepted packet payload (default 16 KiB). */
  readonly maxPacket?: number;
  /** Register byte order: the vCPU's MSR[LE] (default) or forced. */
  readonly byteOrder?: 'target' | 'big' | 'little';
  /** Output a slow client has not read yet beyond which it is disconnected (default 4 MiB). */
  readonly maxPendingOutput?: number;
}

export class GdbServer {
  private server: Server | null = null;
  private client: { socket: Socket; session: GdbSession } | null = null;
  private readonly log: (message: string) => void;

  constructor(
    readonly target: DebugTarget,
    private readonly opts: GdbServerOptions = {},
  ) {
    this.log = opts.log ?? (() => {});
  }

  /** Start listening; resolves with the bound address (useful with port 0). */
  listen(): Promise<{ host: string; port: number }> {
    if (this.server) throw new Error('GdbServer: already listening');
    const host = this.opts.host ?? '127.0.0.1';
    const port = this.opts.port ?? 1234;
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => {
        this.server = null;
        reject(new Error(`gdbstub: cannot listen on ${host}:${port}`, { cause: e }));
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        server.on('error', (e) => this.log(`gdbstub: server error: ${e.message}`));
        const a = server.address();
        resolve({ host, port: typeof a === 'object' && a ? a.port : port });
      });
    });
  }

  /** True while a debugger is connected. */
  get connected(): boolean {
    return this.client !== null;
  }

  /**
   * Stop listening and drop the client (the target is detached). Replies already queued
   * (e.g. the `W00` of a guest that powered off) are flushed first; a client that does not
   * close its side within `graceMs` is cut off.
   */
  close(graceMs = 1000): Promise<void> {
    const c = this.client;
    const done: Promise<void>[] = [];
    if (c) {
      done.push(
        new Promise<void>((resolve) => {
          const cut = setTimeout(() => c.socket.destroy(), graceMs);
          c.socket.once('close', () => {
            clearTimeout(cut);
            this.drop(c.socket);
            resolve();
          });
          c.socket.end();
        }),
      );
    }
    const server = this.server;
    this.server = null;
    if (server) done.push(new Promise((resolve) => server.close(() => resolve())));
    return Promise.all(done).then(() => undefined);
  }

  private accept(socket: Socket): void {
    if (this.client) {
      this.log(`gdbstub: refused second client ${socket.remoteAddress}:${socket.remotePort}`);
      socket.destroy();
      return;
    }
    this.log(`gdbstub: client ${socket.remoteAddress}:${socket.remotePort}`);
    socket.setNoDelay(true);
    const maxPending = this.opts.maxPendingOutput ?? 4 << 20;
    const session = new GdbSession(this.target, {
      send: (bytes) => {
        if (socket.destroyed) return;
        if (socket.writableLength > maxPending) {
          this.log('gdbstub: client does not read its replies: disconnected');
          socket.destroy();
          return;
        }
        socket.write(bytes);
      },
      close: () => socket.end(),
      log: (m) => this.log(`gdbstub: ${m}`),
      trace: this.opts.trace,
      monitor: this.opts.monitor,
      maxPacket: this.opts.maxPacket,
      byteOrder: this.opts.byteOrder,
    });
    this.client = { socket, session };
    socket.on('data', (chunk: Buffer) => session.receive(chunk));
    socket.on('error', (e) => this.log(`gdbstub: connection error: ${e.message}`));
    socket.on('close', () => this.drop(socket));
  }

  private drop(socket: Socket): void {
    const c = this.client;
    if (!c || c.socket !== socket) return;
    this.client = null;
    c.session.disconnected();
    this.log('gdbstub: client gone');
  }
}
