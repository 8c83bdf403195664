/**
 * The (ppcvm) monitor: each command against a real machine running a tiny
 * guest (page-table and SLB state made by the guest itself, symbols from the
 * kernel ELF), hostile input, and the console mux that reaches it through
 * Ctrl-A c on a pipe — in process and as a real ppcvm process.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeHpteR,
  encodeHpteV,
  encodeSlbEsid,
  encodeSlbVsid,
  HPTE_V_BOLTED,
  PageSizeTable,
  PSERIES_DEFAULT_PAGE_SIZES,
  primaryHash,
  ptegIndex,
} from '@ppcvm/hpt-mmu';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CliInput,
  ConsoleMux,
  EXIT,
  Machine,
  MachineDebugTarget,
  Monitor,
  MonitorLine,
  runCli,
} from '../src/index.js';
import { elfWithSymbols, LOAD } from './gdb/symbols-elf.js';
import { Asm } from './support/asm.js';
import { putTerm, RTAS_BUF, rtasCall } from './support/guest.js';

const tmp = mkdtempSync(join(tmpdir(), 'ppcvm-monitor-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const CLI = new URL('../dist/cli.js', import.meta.url).pathname;

const VSID = 0x123n;
const EA = 0x30000000n; // segment 3, page 0

/**
 * The guest: installs a bolted 4 KiB HPTE (H_ENTER) and an SLB entry, then waits in a
 * loop at `idle`. Symbols: start (the entry), idle (the loop), data (a word of data).
 */
function stateGuest(): { elf: Uint8Array; idle: number; dataOff: number } {
  const a = new Asm();
  a.label('start').li(3, 0);
  a.li(4, 0)
    .li64(6, encodeHpteV({ vsid: VSID, ea: EA, segment: '256M', basePageShift: 12 }) | BigInt(HPTE_V_BOLTED))
    .li64(7, encodeHpteR({ ra: 0x100000n, basePageShift: 12, pp: 2 }, defaultSizes()));
  // H_ENTER into the primary group of the page (ptex = group * 8, no H_EXACT).
  a.li64(5, BigInt(primaryGroup()) * 8n);
  a.hcall(0x08);
  a.li64(9, encodeSlbVsid(VSID, '256M', 12, defaultSizes())).li64(10, encodeSlbEsid(EA, '256M', 0));
  a.i('slbmte', { rs: 9, rb: 10 });
  const idle = a.here;
  a.label('idle').i('addi', { rt: 3, ra: 3, si: 1 }).b('idle');
  const dataOff = a.here;
  a.word(0xcafef00d).word(0x01020304);
  const elf = elfWithSymbols(a.bytes(), [
    { name: 'start', offset: 0, size: idle },
    { name: 'idle', offset: idle, size: 8 },
    { name: 'data', offset: dataOff, size: 8, type: 'object' },
  ]);
  return { elf, idle, dataOff };
}

/** The pseries page sizes (4K, 64K, 16M) as the machine configures them. */
function defaultSizes(): PageSizeTable {
  return new PageSizeTable(PSERIES_DEFAULT_PAGE_SIZES);
}

/** PTEG of EA in a 256 MiB machine's HPT (2^21 bytes, as defaultHptShift gives for 256M). */
function primaryGroup(): number {
  return ptegIndex(primaryHash(VSID, EA, 12, '256M'), 21);
}

function machineWith(elf: Uint8Array): { machine: Machine; out: () => string } {
  let out = '';
  const machine = new Machine({
    kernel: elf,
    ramSize: 256 * 2 ** 20,
    console: (b) => {
      out += Buffer.from(b).toString('latin1');
    },
    timebase: () => 0,
  });
  return { machine, out: () => out };
}

describe('monitor commands', () => {
  const g = stateGuest();
  const { machine } = machineWith(g.elf);
  expect(machine.hpt.shift).toBe(21);
  machine.runFor(200);
  const mon = new Monitor({ machine, version: '1.2.3' });
  const run = (c: string) => mon.execute(c);

  it('help and the banner', () => {
    expect(mon.banner).toBe("ppcvm 1.2.3 monitor - type 'help' for more information\n");
    const h = run('help');
    for (const c of [
      'info registers',
      'info cpus',
      'info hpt',
      'info tlb',
      'x /FMT',
      'stop',
      'cont',
      'system_reset',
      'quit',
    ]) {
      expect(h).toContain(c);
    }
    expect(run('?')).toBe(h);
  });

  it('info registers (all vCPUs or one) and info cpus', () => {
    const cpu = machine.vcpus[0]!.cpu;
    const pc = cpu.pcBig();
    expect(pc >= BigInt(LOAD + g.idle) && pc <= BigInt(LOAD + g.idle + 4)).toBe(true);
    const r = run('info registers');
    expect(r).toMatch(/^CPU#0\nNIP 0000000000400[0-9a-f]{3} {3}LR /);
    expect(r).toContain(`NIP ${pc.toString(16).padStart(16, '0')}`);
    expect(r).toMatch(/^GPR00 [0-9a-f]{16} [0-9a-f]{16} [0-9a-f]{16} [0-9a-f]{16}$/m);
    expect(r).toMatch(/^GPR28 /m);
    expect(r).toMatch(/^MSR 8000000000001000 +SF 1 HV 0 EE 0 PR 0 FP 0 ME 1 IR 0 DR 0 RI 0 LE 0$/m);
    expect(r).toMatch(/^CR [0-9a-f]{8} {2}\[ (?:[LGE-][O ] ){8}\]$/m);
    expect(r).toMatch(/PVR 004d0200 PIR 0/);
    // GPR10 holds the SLB ESID word the guest built.
    expect(r).toContain(encodeSlbEsid(EA, '256M', 0).toString(16).padStart(16, '0'));
    expect(run('info registers 0')).toBe(r);
    expect(run('info registers 1')).toBe("info registers: no vCPU '1'\n");
    expect(run('info registers 0 1')).toBe('info registers: at most one vCPU number\n');
    expect(run('info cpus')).toBe(`* CPU #0: nip=0x${pc.toString(16).padStart(16, '0')}\n`);
  });

  it('info hpt counts the guest H_ENTER; info tlb shows its slbmte', () => {
    expect(run('info hpt')).toBe(
      'HPT: 2M (2^21 bytes), 16384 PTEGs, 131072 entries\nvalid: 1 (0.0%), bolted: 1\n  4K pages: 1\n',
    );
    expect(run('info tlb')).toBe('CPU #0 SLB:\n 0: ESID 0000000030000000 VSID 0000000000123 256M 4K\n');
    expect(run('info slb')).toBe(run('info tlb'));
  });

  it('x/Ni disassembles with symbols; x/Nx[bhwg] dumps in the guest byte order; xp reads physical', () => {
    const i = run('x/3i start');
    const lines = i.split('\n');
    // The symbol is in the linear mapping; real mode ignores the top EA bits (Book III-S §5.7.3).
    expect(lines[0]).toMatch(/^0xc000000000400000 <start>: {2}38600000 {2}li\s+r3,0$/);
    expect(lines[1]).toMatch(/^0xc000000000400004 <start\+0x4>: {2}38800000 {2}li\s+r4,0$/);
    expect(run('x/1i 0x400004')).toMatch(/^0x0000000000400004 <start\+0x4>: {2}38800000 {2}li\s+r4,0\n$/);
    expect(lines).toHaveLength(4);
    // $pc, symbol arithmetic, and QEMU's `x /fmt` spelling.
    expect(run('x/1i idle')).toMatch(/^0x[0-9a-f]{16} <idle>: {2}38630001 {2}addi\s+r3,r3,1\n$/);
    expect(run('x /2i idle+4')).toMatch(/<idle\+0x4>: {2}4bfffffc {2}b\s+c000000000400088 <idle>\n/);
    expect(run('x/1i $pc')).toMatch(/<idle(\+0x4)?>/);
    const d = LOAD + g.dataOff;
    expect(run(`x/2x 0x${d.toString(16)}`)).toBe(`${d.toString(16).padStart(16, '0')}: 0xcafef00d 0x01020304\n`);
    const sym = (0xc000000000000000n + BigInt(d)).toString(16);
    expect(run('x/1xg data')).toBe(`${sym}: 0xcafef00d01020304\n`);
    expect(run('x/2xh data')).toBe(`${sym}: 0xcafe 0xf00d\n`);
    expect(run('x/3xb data+1')).toBe(`${(0xc000000000000001n + BigInt(d)).toString(16)}: 0xfe 0xf0 0x0d\n`);
    expect(run(`xp/1x ${d}`)).toBe(`${d.toString(16).padStart(16, '0')}: 0xcafef00d\n`);
    // Five words on two lines.
    expect(run('x/5x start').split('\n')).toHaveLength(3);
    // Memory that does not exist.
    expect(run('x/2x 0x7ffffffffff0')).toBe('00007ffffffffff0:\ncannot read memory at 0x00007ffffffffff0\n');
    expect(run('x/2i 0x10000000')).toBe('0x0000000010000000: cannot read memory\n');
    expect(run('xp/1x 0x10000000')).toBe('0000000010000000:\ncannot read memory at 0x0000000010000000\n');
  });

  it('cpu N selects a vCPU; stop and cont hold and release the run loop; system_reset restarts', () => {
    expect(run('cpu 0')).toBe('');
    expect(run('cpu 3')).toBe("cpu: no vCPU '3'\n");
    expect(run('stop')).toBe('');
    expect([...machine.holdReasons]).toEqual(['monitor']);
    expect(machine.runFor(1000)).toEqual({ kind: 'held' });
    expect(run('info cpus')).toMatch(/vCPUs held stopped by: monitor\n$/);
    expect(run('cont')).toBe('');
    expect(machine.holdReasons.size).toBe(0);
    const resets = machine.resets;
    expect(run('system_reset')).toBe('');
    expect(machine.resets).toBe(resets + 1);
    expect(machine.vcpus[0]!.cpu.pcBig()).toBe(BigInt(LOAD));
    expect(run('info hpt')).toContain('valid: 0 (0.0%), bolted: 0\n');
  });

  it('malformed input gets one error line', () => {
    const errors: [string, string][] = [
      ['bogus', "unknown command: 'bogus' (try 'help')\n"],
      ['info', 'info: registers, cpus, hpt or tlb\n'],
      ['info frobs', "info: unknown item 'frobs' (registers, cpus, hpt, tlb)\n"],
      ['x/0x 0', 'x: count must be 1..4096\n'],
      ['x/99999x 0', 'x: count must be 1..4096\n'],
      ['x/4q 0', "x: bad format '/4q' (e.g. /8i, /4x, /2xg)\n"],
      ['x/4ix 0', "x: bad format '/4ix' (e.g. /8i, /4x, /2xg)\n"],
      ['x/2ig 0', 'x: instructions are words (no size letter with i)\n'],
      ['x/4x', 'x: address missing\n'],
      ['x/4x nosuchsymbol', "unknown symbol 'nosuchsymbol'\n"],
      ['x/4x $r99', "unknown register '$r99'\n"],
      ['x/4x 0x12345678901234567', "bad address '0x12345678901234567'\n"],
      ['x/4x 1 2', "bad address '1 2'\n"],
      ['stop now', 'stop: takes no arguments\n'],
      ['help/4', "unknown command: 'help/4'\n"],
      ['\u0000\u0001\u00ff', "unknown command: '???'\n"],
    ];
    for (const [cmd, want] of errors) expect(run(cmd), cmd).toBe(want);
    expect(run('')).toBe('');
    expect(run('   ')).toBe('');
  });

  it('never throws on arbitrary input (property)', () => {
    const words = fc.constantFrom('x', 'xp', 'info', 'registers', 'cpu', '/', '$pc', '+', '-', '0x', 'i', 'start');
    const line = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.array(words, { maxLength: 6 }).map((w) => w.join('')),
    );
    fc.assert(
      fc.property(line, (l) => {
        if (/^\s*(quit|q|system_reset|stop|cont|c)\s*$/.test(l)) return;
        const out = run(l);
        expect(typeof out).toBe('string');
        expect(out === '' || out.endsWith('\n')).toBe(true);
      }),
      { numRuns: 500 },
    );
    run('cont');
  });

  it('cont does not override a debugger hold', () => {
    const m = machineWith(stateGuest().elf).machine;
    const debug = new MachineDebugTarget(m);
    const mon2 = new Monitor({ machine: m, debug });
    debug.attach();
    expect(mon2.execute('cont')).toBe("cont: gdb holds the vCPUs stopped; resume them from gdb ('continue')\n");
    expect(m.holdReasons.has('debugger')).toBe(true);
    debug.detach();
    expect(m.holdReasons.size).toBe(0);
  });
});

describe('MonitorLine', () => {
  it('echoes, edits, swallows escape sequences, and runs each line once (CR, LF, CR LF)', () => {
    let out = '';
    const lines: string[] = [];
    const ml = new MonitorLine(
      (t) => {
        out += t;
      },
      (l) => {
        lines.push(l);
        return l === 'hi' ? 'hello\nworld\n' : '';
      },
    );
    ml.showPrompt();
    ml.feed(Buffer.from('hx\x7fi\r\n'));
    ml.feed(Buffer.from('ab\x1b[Ac\nzz\x15q\r'));
    ml.feed(Buffer.from('\x03\x07\xff'));
    expect(lines).toEqual(['hi', 'abc', 'q']);
    expect(out).toBe(
      '(ppcvm) hx\b \bi\r\nhello\r\nworld\r\n(ppcvm) abc\r\n(ppcvm) zz\r\n(ppcvm) q\r\n(ppcvm) ^C\r\n(ppcvm) ',
    );
  });

  it('refuses an overlong line instead of growing without bound', () => {
    let out = '';
    const lines: string[] = [];
    const ml = new MonitorLine(
      (t) => {
        out += t;
      },
      (l) => {
        lines.push(l);
        return '';
      },
    );
    ml.feed(Buffer.alloc(5000, 0x61));
    ml.feed(Buffer.from('\n'));
    expect(lines).toEqual([]);
    expect(out).toContain('error: line longer than 1024 characters ignored\r\n');
  });
});

class FakeStdin extends EventEmitter implements CliInput {
  resume() {}
  pause() {}
  type(s: string) {
    this.emit('data', Buffer.from(s, 'latin1'));
  }
}

/** Echoes what it reads from the console (polling H_GET_TERM_CHAR), forever. */
function echoGuest(): Asm {
  const g = new Asm();
  g.label('poll');
  g.li(4, 0).hcall(0x54);
  g.cmpdi(4, 0).beq('poll');
  g.mr(7, 6).mr(6, 5).mr(5, 4).li(4, 0).hcall(0x58);
  return g.b('poll');
}

describe('the monitor on the console (Ctrl-A c)', () => {
  it('toggles between guest and monitor on the same pipe', async () => {
    const k = join(tmp, 'echo.elf');
    writeFileSync(k, elfWithSymbols(echoGuest().bytes(), [{ name: 'poll', offset: 0, size: 64 }]));
    const stdin = new FakeStdin();
    let out = '';
    let err = '';
    const io = {
      stdin,
      stdout: {
        write: (d: Uint8Array | string) => void (out += typeof d === 'string' ? d : Buffer.from(d).toString('latin1')),
      },
      stderr: { write: (d: string) => void (err += d) },
    };
    const done = runCli(['-m', '256M', '-kernel', k], io);
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await wait(20);
    stdin.type('ab');
    await wait(20);
    stdin.type('\x01cinfo cpus\r');
    await wait(10);
    stdin.type('x/1i poll\r');
    stdin.type('nonsense\r');
    stdin.type('\x01c');
    await wait(10);
    stdin.type('cd');
    await wait(20);
    stdin.type('\x01c');
    stdin.type('quit\r');
    expect(await done).toBe(EXIT.OK);
    const banner = "ppcvm 0.0.0 monitor - type 'help' for more information\r\n";
    expect(out.startsWith('ab\r\n')).toBe(true);
    expect(out).toContain(`${banner}(ppcvm) info cpus\r\n* CPU #0: nip=0x0000000000400`);
    expect(out).toMatch(/\(ppcvm\) x\/1i poll\r\n0xc000000000400000 <poll>: {2}38800000 {2}li\s+r4,0\r\n/);
    expect(out).toContain("(ppcvm) nonsense\r\nunknown command: 'nonsense' (try 'help')\r\n(ppcvm) ");
    // Back on the console: the guest echoes 'cd'; the monitor comes back without the banner.
    expect(out).toMatch(/\(ppcvm\) cd\r\n\(ppcvm\) quit\r\n$/);
    expect(out.split(banner)).toHaveLength(2);
    expect(err).toContain('ppcvm: terminated');
  });

  it('ConsoleMux: Ctrl-A c without a monitor is ignored; escapes work in both focuses', () => {
    const got: string[] = [];
    const plain = new ConsoleMux({
      input: (b) => got.push(`in:${Buffer.from(b).toString('latin1')}`),
      quit: () => got.push('quit'),
      help: () => got.push('help'),
    });
    plain.feed(Buffer.from('a\x01cb'));
    expect(plain.focus).toBe('guest');
    const mux = new ConsoleMux({
      input: (b) => got.push(`in:${Buffer.from(b).toString('latin1')}`),
      quit: () => got.push('quit'),
      help: () => got.push('help'),
      focus: (to) => got.push(`focus:${to}`),
      monitorInput: (b) => got.push(`mon:${Buffer.from(b).toString('latin1')}`),
    });
    mux.feed(Buffer.from('x\x01'));
    mux.feed(Buffer.from('cy\x01\x01\x01h\x01Cz\x01x'));
    expect(got).toEqual(['in:a', 'in:b', 'in:x', 'focus:monitor', 'mon:y\x01', 'help', 'focus:guest', 'in:z', 'quit']);
  });

  it('a real ppcvm process: -S waits, the monitor on stdin says cont, the guest runs and powers off', async () => {
    const g = new Asm();
    putTerm(g, 'guest ran\r\n');
    rtasCall(g, 'power-off', [0, 0], 1, { buf: RTAS_BUF });
    g.hang();
    const k = join(tmp, 'hello.elf');
    writeFileSync(k, elfWithSymbols(g.bytes(), [{ name: 'hello', offset: 0, size: g.here }]));
    const child = spawn(process.execPath, [CLI, '-m', '256M', '-S', '-kernel', k], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString('latin1');
    });
    child.stdin.write('\x01cinfo cpus\n');
    setTimeout(() => child.stdin.write('x/2i $pc\ncont\n'), 300);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(err).toContain("ppcvm: vCPUs stopped (-S): 'cont' in the monitor (Ctrl-A c) starts them");
    expect(out).toContain(
      '(ppcvm) info cpus\r\n* CPU #0: nip=0x0000000000400000\r\nvCPUs held stopped by: startup\r\n',
    );
    expect(out).toMatch(/\(ppcvm\) x\/2i \$pc\r\n0x0000000000400000 <hello>: {2}[0-9a-f]{8} {2}li\s+r4,0\r\n/);
    expect(out).toContain('guest ran\r\n');
    expect(code).toBe(0);
  }, 30_000);
});
