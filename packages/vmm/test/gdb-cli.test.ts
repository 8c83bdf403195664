/**
 * `ppcvm -s / -gdb / -S` on the command line: option parsing, a port that is
 * taken, and the gdbstub of a running ppcvm (in process) driven by a raw
 * remote-protocol client over TCP: stop reply, monitor commands, continue to
 * the guest's power-off (W00, status 0), and kill (status 0).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, parseArgs, parseGdbDevice, runCli, UsageError } from '../src/index.js';
import { Asm } from './support/asm.js';
import { makeElf } from './support/elf.js';
import { putTerm, RTAS_BUF, rtasCall } from './support/guest.js';

const tmp = mkdtempSync(join(tmpdir(), 'ppcvm-gdb-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('-s, -gdb, -S', () => {
  it('parses QEMU spellings; loopback unless a host is named', () => {
    const opts = (argv: string[]) => {
      const c = parseArgs(['-kernel', 'k', ...argv]);
      if (c.kind !== 'run') throw new Error(c.kind);
      return c.options;
    };
    expect(opts([])).toMatchObject({ gdb: undefined, startStopped: false });
    expect(opts(['-s', '-S'])).toMatchObject({ gdb: { host: '127.0.0.1', port: 1234 }, startStopped: true });
    expect(opts(['-gdb', 'tcp::4321']).gdb).toEqual({ host: '127.0.0.1', port: 4321 });
    expect(opts(['--gdb=tcp:0.0.0.0:99']).gdb).toEqual({ host: '0.0.0.0', port: 99 });
    expect(opts(['-gdb', 'tcp:localhost:7']).gdb).toEqual({ host: 'localhost', port: 7 });
    expect(opts(['-gdb', 'tcp:[::1]:7']).gdb).toEqual({ host: '::1', port: 7 });
    expect(opts(['-gdb', '5555']).gdb).toEqual({ host: '127.0.0.1', port: 5555 });
    expect(opts(['-s', '-gdb', 'none']).gdb).toBeUndefined();
    for (const bad of ['udp::1', 'tcp:h:99999', 'tcp:', 'tcp:a:b:1', '']) {
      expect(() => parseGdbDevice(bad), bad).toThrow(UsageError);
    }
    expect(() => parseArgs(['-kernel', 'k', '-gdb'])).toThrow(/needs a value/);
    expect(() => parseArgs(['-kernel', 'k', '-S=1'])).toThrow(/takes no value/);
  });
});

/** A minimal remote-protocol client: sends packets, collects replies (acks skipped). */
class Client {
  private buf = '';
  private waiters: (() => void)[] = [];
  constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async open(port: number): Promise<Client> {
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    return new Client(sock);
  }
  send(payload: string): void {
    let sum = 0;
    for (const c of payload) sum = (sum + c.charCodeAt(0)) & 0xff;
    this.sock.write(`$${payload}#${sum.toString(16).padStart(2, '0')}`);
  }
  /** Bytes outside any packet (Ctrl-C is a bare 0x03). */
  raw(bytes: string): void {
    this.sock.write(Buffer.from(bytes, 'latin1'));
  }
  /** The next reply packet's payload. */
  async reply(): Promise<string> {
    for (;;) {
      const m = /^\+*\$([^#]*)#[0-9a-f]{2}/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        this.sock.write('+');
        return m[1]!;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
  async ask(payload: string): Promise<string> {
    this.send(payload);
    return this.reply();
  }
  close(): void {
    this.sock.destroy();
  }
}

const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');
const unhex = (h: string) => Buffer.from(h, 'hex').toString('latin1');

function startCli(kernel: Uint8Array, extra: string[]) {
  const k = join(tmp, `k${Math.random().toString(36).slice(2)}.elf`);
  writeFileSync(k, kernel);
  let out = '';
  let err = '';
  const io = {
    stdin: { on() {}, removeListener() {}, resume() {}, pause() {} },
    stdout: {
      write: (d: Uint8Array | string) => void (out += typeof d === 'string' ? d : Buffer.from(d).toString('latin1')),
    },
    stderr: { write: (d: string) => void (err += d) },
  };
  const done = runCli(['-m', '256M', '-kernel', k, ...extra], io);
  return { done, out: () => out, err: () => err };
}

async function portOf(err: () => string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const m = /gdbstub listening on tcp:127\.0\.0\.1:(\d+)/.exec(err());
    if (m) return Number(m[1]);
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no gdbstub notice: ${err()}`);
}

function helloGuest(): Uint8Array {
  const g = new Asm();
  putTerm(g, 'hello\r\n');
  rtasCall(g, 'power-off', [0, 0], 1, { buf: RTAS_BUF });
  g.hang();
  return makeElf(g.bytes());
}

describe('the gdbstub of a running ppcvm', () => {
  it('-S: stopped until continue; monitor commands; the power-off is W00 and ppcvm exits 0', async () => {
    const vm = startCli(helloGuest(), ['-S', '-gdb', 'tcp:127.0.0.1:0']);
    const c = await Client.open(await portOf(vm.err));
    expect(await c.ask('?')).toBe('T05thread:1;');
    expect(await c.ask('qfThreadInfo')).toBe('m1');
    // The PC (register 64) is the kernel entry, in the big-endian byte order of the boot vCPU.
    expect(await c.ask('p40')).toBe('0000000000400000');
    expect(unhex(await c.ask(`qRcmd,${hex('info cpus')}`))).toBe(
      '* CPU #0: nip=0x0000000000400000\nvCPUs held stopped by: startup, debugger\n',
    );
    expect(unhex(await c.ask(`qRcmd,${hex('bogus')}`))).toBe("unknown command: 'bogus' (try 'help')\n");
    await new Promise((r) => setTimeout(r, 30));
    expect(vm.out()).toBe(''); // nothing ran
    expect(await c.ask('vCont;c')).toBe('W00');
    expect(await vm.done).toBe(EXIT.OK);
    expect(vm.out()).toBe('hello\r\n');
    c.close();
  });

  it('kill ends ppcvm with status 0; a breakpoint set over the protocol stops before the instruction', async () => {
    const g = new Asm();
    g.label('spin').i('addi', { rt: 3, ra: 3, si: 1 }).b('spin');
    const vm = startCli(makeElf(g.bytes()), ['-gdb', 'tcp:127.0.0.1:0']);
    const c = await Client.open(await portOf(vm.err));
    expect(await c.ask('?')).toBe('T05thread:1;');
    expect(await c.ask('Z0,400004,4')).toBe('OK');
    expect(await c.ask('c')).toBe('T05thread:1;swbreak:;');
    expect(await c.ask('p40')).toBe('0000000000400004');
    expect(await c.ask('z0,400004,4')).toBe('OK');
    // Ctrl-C while running.
    c.send('c');
    await new Promise((r) => setTimeout(r, 30));
    c.raw('\x03');
    expect(await c.reply()).toBe('T02thread:1;');
    c.send('k');
    expect(await vm.done).toBe(EXIT.OK);
    expect(vm.err()).toContain('ppcvm: terminated');
    c.close();
  });

  it('a taken port is a clear error with status 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const vm = startCli(helloGuest(), ['-gdb', `tcp:127.0.0.1:${port}`]);
    expect(await vm.done).toBe(EXIT.USAGE);
    expect(vm.err()).toMatch(new RegExp(`^ppcvm: gdbstub: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });
});
