/**
 * The TCP transport: loopback by default, one client at a time, attach and
 * detach around a connection, slow or hostile clients cut off.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GdbServer } from '../src/gdb/index.js';
import { checksum, FakeTarget, frame } from './gdb/harness.js';

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Read from `s` until `pred(text)` holds (or the socket closes). */
function readUntil(s: Socket, pred: (text: string) => boolean, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = () => {
      clearTimeout(timer);
      s.off('data', onData);
      s.off('close', onClose);
    };
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (pred(text)) {
        done();
        resolve(text);
      }
    };
    const onClose = () => {
      done();
      resolve(text);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timeout; got ${JSON.stringify(text)}`));
    }, timeoutMs);
    s.on('data', onData);
    s.on('close', onClose);
  });
}

describe('GdbServer', () => {
  it('listens on 127.0.0.1, serves one client, refuses a second, detaches on disconnect', async () => {
    const t = new FakeTarget();
    const server = new GdbServer(t, { port: 0 });
    const addr = await server.listen();
    expect(addr.host).toBe('127.0.0.1');
    try {
      const a = await open(addr.port);
      a.write(frame('qC'));
      expect(await readUntil(a, (x) => x.includes('#'))).toBe(`+${frame('QC1')}`);
      expect(server.connected).toBe(true);
      expect(t.attachCalls).toBe(1);

      const b = await open(addr.port);
      await readUntil(b, () => false, 2000).catch(() => '');
      expect(b.destroyed || b.readableEnded).toBe(true);

      a.destroy();
      await new Promise((r) => setTimeout(r, 50));
      expect(server.connected).toBe(false);
      expect(t.detachCalls).toBe(1);

      // A new client can attach again.
      const c = await open(addr.port);
      c.write(frame('?'));
      expect(await readUntil(c, (x) => x.includes('#'))).toContain('$T05thread:1;#');
      c.write(frame('D'));
      await readUntil(c, () => false, 2000).catch(() => '');
      expect(t.detachCalls).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('Ctrl-C over TCP stops a running target', async () => {
    const t = new FakeTarget();
    const server = new GdbServer(t, { port: 0 });
    const { port } = await server.listen();
    try {
      const s = await open(port);
      s.write(frame('vCont;c'));
      await new Promise((r) => setTimeout(r, 50));
      expect(t.running).toBe(true);
      s.write('\x03');
      expect(await readUntil(s, (x) => x.includes('#'))).toContain(frame('T02thread:1;'));
      s.destroy();
    } finally {
      await server.close();
    }
  });

  it('disconnects a client that sends requests but never reads the replies', async () => {
    const t = new FakeTarget();
    const logs: string[] = [];
    const server = new GdbServer(t, { port: 0, maxPendingOutput: 64 << 10, log: (m) => logs.push(m) });
    const { port } = await server.listen();
    try {
      const s = await open(port);
      s.pause(); // never read
      const req = `$m1000,1f00#${checksum('m1000,1f00')}`;
      const closed = new Promise<void>((r) => s.once('close', () => r()));
      // Each request asks for ~16 KB of reply: well past the limit once the socket buffers fill.
      for (let i = 0; i < 2000 && !s.destroyed; i++) {
        s.write(req);
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 1));
      }
      s.resume();
      await Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]);
      expect(logs.some((l) => l.includes('does not read'))).toBe(true);
      expect(server.connected).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('reports a port already in use as an error with a cause', async () => {
    const a = new GdbServer(new FakeTarget(), { port: 0 });
    const { port } = await a.listen();
    try {
      const b = new GdbServer(new FakeTarget(), { port });
      await expect(b.listen()).rejects.toThrow(`cannot listen on 127.0.0.1:${port}`);
    } finally {
      await a.close();
    }
  });
});
