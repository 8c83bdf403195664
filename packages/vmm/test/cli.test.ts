import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CliInput,
  ConsoleMux,
  EXIT,
  parseArgs,
  parseSize,
  RTAS_TOKENS,
  runCli,
  UsageError,
} from '../src/index.js';
import { Asm } from './support/asm.js';
import { makeElf } from './support/elf.js';
import { putTerm, RTAS_BUF, rtasCall, SCRATCH } from './support/guest.js';

const here = dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ppcvm-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

class FakeStdin extends EventEmitter implements CliInput {
  raw: boolean[] = [];
  constructor(readonly isTTY = false) {
    super();
  }
  setRawMode(r: boolean) {
    this.raw.push(r);
  }
  resume() {}
  pause() {}
  type(s: string) {
    this.emit('data', Buffer.from(s, 'latin1'));
  }
}

function io(stdin = new FakeStdin()) {
  let out = '';
  let err = '';
  return {
    stdin,
    stdout: {
      write: (d: Uint8Array | string) => void (out += typeof d === 'string' ? d : Buffer.from(d).toString('latin1')),
    },
    stderr: { write: (d: string) => void (err += d) },
    out: () => out,
    err: () => err,
  };
}

function kernelFile(name: string, a: Asm): string {
  const f = join(tmp, name);
  writeFileSync(f, makeElf(a.bytes()));
  return f;
}

/** Kernel options for a 256 MiB machine (the test helpers assume that RAM size). */
const run = (argv: string[], i = io()) => runCli(['-m', '256M', ...argv], i);

describe('command line', () => {
  it('parses QEMU spellings', () => {
    const c = parseArgs(['-kernel', 'k', '--initrd=i', '-append', 'console=hvc0', '-m', '1G', '-smp', 'cpus=1']);
    expect(c).toEqual({
      kind: 'run',
      options: {
        kernel: 'k',
        initrd: 'i',
        append: 'console=hvc0',
        ramSize: 2 ** 30,
        smp: 1,
        threads: 1,
        cpu: 'power8',
        accel: 'hv',
        noReboot: false,
        log: [],
        logFile: undefined,
        nvram: undefined,
        gdb: undefined,
        startStopped: false,
      },
    });
    const d = parseArgs([
      '-kernel',
      'k',
      '-cpu',
      'POWER9',
      '-no-reboot',
      '-nographic',
      '-d',
      'unimp,rtas',
      '-D',
      'l',
      '-M',
      'pseries',
    ]);
    expect(d).toMatchObject({ options: { cpu: 'power9', noReboot: true, log: ['unimp', 'rtas'], logFile: 'l' } });
    expect(parseSize('512')).toBe(512 * 2 ** 20);
    expect(parseSize('2G')).toBe(2 ** 31);
    expect(parseSize('262144K')).toBe(2 ** 28);
    expect(parseArgs(['-h'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--version'])).toEqual({ kind: 'version' });
  });

  it('refuses mistakes with a clear message', () => {
    const bad: [string[], RegExp][] = [
      [['-kernel'], /needs a value/],
      [['-kernel', 'k', '-m', 'lots'], /invalid size/],
      [['-kernel', 'k', '-m', '300M'], /multiple of 256M/],
      [['-kernel', 'k', '-cpu', 'power5'], /unknown CPU model/],
      [['-kernel', 'k', '-accel', 'kvm'], /unknown accelerator/],
      [['-kernel', 'k', '-d', 'bogus'], /unknown log category/],
      [['-kernel', 'k', '-d', 'cpu'], /not implemented yet/],
      [['-kernel', 'k', '-M', 'powernv'], /only pseries/],
      [['-kernel', 'k', '-frobnicate'], /unknown option/],
      [['-kernel', 'k', 'extra'], /unexpected argument/],
      [['-kernel', 'k', '-smp', 'x'], /invalid -smp/],
      [['-no-reboot=1', '-kernel', 'k'], /takes no value/],
    ];
    for (const [argv, re] of bad) expect(() => parseArgs(argv), argv.join(' ')).toThrow(re);
    expect(() => parseArgs(['-m'])).toThrow(UsageError);
  });
});

describe('ppcvm', () => {
  it('prints help, version and lists, exit 0', async () => {
    const h = io();
    expect(await runCli(['--help'], h)).toBe(0);
    expect(h.out()).toContain('Usage: ppcvm [options]');
    expect(h.out()).toContain('ppcvm -kernel FILE [options]');
    expect(h.out()).toContain('ppcvm guest fetch [--refresh]');
    expect(h.out()).toContain('Ctrl-A then x');
    const v = io();
    expect(await runCli(['-version'], v)).toBe(0);
    expect(v.out()).toMatch(/^ppcvm \d+\.\d+\.\d+\n$/);
    const d = io();
    expect(await runCli(['-d', 'help'], d)).toBe(0);
    expect(d.out()).toContain('guest_errors');
  });

  it('exits 1 with one line for a bad command line or an unreadable file', async () => {
    const a = io();
    expect(await runCli(['-kernel'], a)).toBe(EXIT.USAGE);
    expect(a.err()).toBe("ppcvm: option -kernel needs a value\nTry 'ppcvm --help' for more information.\n");
    const b = io();
    expect(await run(['-kernel', join(tmp, 'missing')], b)).toBe(EXIT.USAGE);
    expect(b.err()).toMatch(/^ppcvm: cannot read kernel '.*missing': ENOENT/);
    const k = kernelFile('hang.elf', new Asm().hang());
    const c = io();
    expect(await run(['-kernel', k, '-initrd', join(tmp, 'nope')], c)).toBe(EXIT.USAGE);
    expect(c.err()).toMatch(/cannot read initrd/);
    const notElf = join(tmp, 'not-elf');
    writeFileSync(notElf, 'hello');
    const d = io();
    expect(await run(['-kernel', notElf], d)).toBe(EXIT.USAGE);
    expect(d.err()).toBe('ppcvm: kernel: not an ELF file\n');
    const e = io();
    expect(await run(['-kernel', k, '-smp', '2,threads=3'], e)).toBe(EXIT.USAGE);
    expect(e.err()).toMatch(/-smp threads=3: power8 cores have 1, 2, 4 or 8 threads/);
  });

  it('exits 0 when the guest powers off, with its console output on stdout', async () => {
    const g = new Asm();
    putTerm(g, 'bye\r\n');
    rtasCall(g, 'power-off', [0, 0], 1);
    g.hang();
    const i = io();
    expect(await run(['-kernel', kernelFile('off.elf', g)], i)).toBe(EXIT.OK);
    expect(i.out()).toBe('bye\r\n');
    expect(i.err()).toBe('');
  });

  it('exits 2 with one line when the guest OS terminates itself', async () => {
    const g = new Asm();
    g.li64(9, 0x6f6f70730a6c696en).li64(30, BigInt(SCRATCH)).std(9, 0, 30).li(9, 0).std(9, 8, 30);
    rtasCall(g, 'ibm,os-term', [SCRATCH], 1);
    g.hang();
    const i = io();
    expect(await run(['-kernel', kernelFile('panic.elf', g)], i)).toBe(EXIT.GUEST_TERMINATED);
    expect(i.err()).toBe('\nppcvm: guest OS terminated: oops lin\n');
  });

  it('restarts on reboot (NVRAM file kept across), or exits 0 with -no-reboot', async () => {
    const g = new Asm();
    rtasCall(g, 'nvram-fetch', [0x80, SCRATCH, 1], 2, { buf: RTAS_BUF });
    g.li64(30, BigInt(SCRATCH)).i('lbz', { rt: 9, d: 0, ra: 30 }).cmpdi(9, 0).bne('second');
    g.li(9, 0x42).i('stb', { rs: 9, d: 0, ra: 30 });
    rtasCall(g, 'nvram-store', [0x80, SCRATCH, 1], 2, { buf: RTAS_BUF });
    putTerm(g, 'reboot\r\n');
    rtasCall(g, 'system-reboot', [], 1, { buf: RTAS_BUF });
    g.hang();
    g.label('second');
    putTerm(g, 'again\r\n');
    rtasCall(g, 'power-off', [0, 0], 1, { buf: RTAS_BUF });
    g.hang();
    const k = kernelFile('reboot.elf', g);
    const nv = join(tmp, 'nvram.img');
    const i = io();
    expect(await run(['-kernel', k, '-nvram', nv], i)).toBe(EXIT.OK);
    expect(i.out()).toBe('reboot\r\nagain\r\n');
    const file = readFileSync(nv);
    expect(file.length).toBe(65536);
    expect(file[0]).toBe(0x7f); // CHRP free partition header
    expect(file[0x80]).toBe(0x42);
    // Second run: the NVRAM file already says "rebooted", so the guest powers off at once.
    const j = io();
    expect(await run(['-kernel', k, '-nvram', nv], j)).toBe(EXIT.OK);
    expect(j.out()).toBe('again\r\n');
    // With -no-reboot and a fresh NVRAM the first reboot ends the run.
    const n = io();
    expect(await run(['-kernel', k, '-no-reboot'], n)).toBe(EXIT.OK);
    expect(n.out()).toBe('reboot\r\n');
  });

  it('Ctrl-A x quits, Ctrl-A h helps, other input reaches the guest; raw mode is restored', async () => {
    // The guest echoes what it reads (polling H_GET_TERM_CHAR) until it reads 'q'.
    const g = new Asm();
    g.label('poll');
    g.li(4, 0).hcall(0x54);
    g.cmpdi(4, 0).beq('poll');
    g.mr(7, 6).mr(6, 5).mr(5, 4).li(4, 0).hcall(0x58);
    g.b('poll');
    const stdin = new FakeStdin(true);
    const i = io(stdin);
    const done = run(['-kernel', kernelFile('echo.elf', g)], i);
    setTimeout(() => stdin.type('ab\x01hcd'), 20);
    setTimeout(() => stdin.type('\x01\x01'), 60);
    setTimeout(() => stdin.type('\x01x'), 120);
    expect(await done).toBe(EXIT.OK);
    expect(i.out()).toBe('abcd\x01');
    expect(i.err()).toContain('C-a x    exit emulator');
    expect(i.err()).toContain('ppcvm: terminated');
    expect(stdin.raw).toEqual([true, false]);
    expect(stdin.listenerCount('data')).toBe(0);
  });

  it('writes -d categories to the -D file', async () => {
    const g = new Asm();
    g.hcall(0x1234);
    rtasCall(g, 'power-off', [0, 0], 1);
    const log = join(tmp, 'log.txt');
    const i = io();
    expect(await run(['-kernel', kernelFile('unimp.elf', g), '-d', 'unimp', '-D', log], i)).toBe(EXIT.OK);
    expect(readFileSync(log, 'utf8')).toBe('[unimp] unimplemented hcall 0x1234 from cpu 0\n');
    expect(RTAS_TOKENS['power-off']).toBe(0x2003);
  });

  it('exits 3 with one line when emulation cannot continue', async () => {
    // Decimal floating point decodes but is not implemented: the machine stops and says so.
    const g = new Asm();
    g.i('dadd', { frt: 1, fra: 2, frb: 3 }).hang();
    const i = io();
    expect(await run(['-kernel', kernelFile('dfp.elf', g)], i)).toBe(EXIT.EMULATION_FAILED);
    expect(i.err()).toBe(
      '\nppcvm: emulation stopped: cpu 0: instruction dadd (0xec221804) at 0x400000 is not implemented\n',
    );
  });

  it('the executable runs as a separate process', async () => {
    const exec = promisify(execFile);
    const cli = join(here, '../src/cli.ts');
    const r = await exec(process.execPath, ['--import', 'tsx', cli, '--version'], { cwd: join(here, '..') });
    expect(r.stdout).toMatch(/^ppcvm \d/);
    const bad = await exec(process.execPath, ['--import', 'tsx', cli, '-m', 'x', '-kernel', 'k'], {
      cwd: join(here, '..'),
    }).catch((e: { code: number; stderr: string }) => e);
    expect(bad).toMatchObject({ code: 1 });
    expect((bad as { stderr: string }).stderr).toContain("ppcvm: invalid size 'x'");
  });
});

describe('ConsoleMux', () => {
  it('keeps an escape split across chunks', () => {
    const got: string[] = [];
    const mux = new ConsoleMux({
      input: (b) => got.push(`in:${Buffer.from(b).toString('latin1')}`),
      quit: () => got.push('quit'),
      help: () => got.push('help'),
    });
    mux.feed(Buffer.from('a\x01'));
    mux.feed(Buffer.from('?b\x01z\x01'));
    mux.feed(Buffer.from('X'));
    expect(got).toEqual(['in:a', 'help', 'in:b', 'quit']);
  });
});
