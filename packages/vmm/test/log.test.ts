/**
 * `-d mmu`, `-d exec` and `-d in_asm` on a tiny guest with a symbol table:
 * page-table hcalls (good and bad), a translation fault, every block start and
 * every newly decoded instruction, with symbol names — in process and through
 * the `ppcvm` command line with `-D FILE`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeHpteR,
  encodeHpteV,
  PageSizeTable,
  PSERIES_DEFAULT_PAGE_SIZES,
  primaryHash,
  ptegIndex,
} from '@ppcvm/hpt-mmu';
import { createLogger, type LogCategory } from '@ppcvm/machine-core';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT, Machine, rtasAddress, runCli } from '../src/index.js';
import { elfWithSymbols, LOAD } from './gdb/symbols-elf.js';
import { Asm, enc } from './support/asm.js';
import { RTAS_BUF, rtasCall } from './support/guest.js';

const tmp = mkdtempSync(join(tmpdir(), 'ppcvm-log-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const VSID = 0x77n;
const EA = 0x30000000n;

/**
 * start: one good and one bad H_ENTER, then (with MSR[DR]=1 and an empty SLB) a load that
 * takes a data segment interrupt; the vector (written by the guest) jumps to `recover`,
 * which powers off.
 */
function mmuGuest(): Uint8Array {
  const sizes = new PageSizeTable(PSERIES_DEFAULT_PAGE_SIZES);
  const a = new Asm();
  a.label('start').li(4, 0);
  a.li64(5, BigInt(ptegIndex(primaryHash(VSID, EA, 12, '256M'), 21)) * 8n);
  a.li64(6, encodeHpteV({ vsid: VSID, ea: EA, segment: '256M', basePageShift: 12 }));
  a.li64(7, encodeHpteR({ ra: 0x100000n, basePageShift: 12, pp: 2 }, sizes));
  a.hcall(0x08);
  // H_ENTER with a PTE index far outside the table: H_PARAMETER.
  a.li(4, 0).li64(5, 0x7fffffffn).li64(6, 1n).li64(7, 0n).hcall(0x08);
  // The data segment vector: lis r9,0x40; ori r9,r9,recover; mtctr r9; bctr.
  const trampoline = (recover: number) => [
    enc('addis', { rt: 9, ra: 0, si: LOAD >>> 16 }),
    enc('ori', { ra: 9, rs: 9, ui: recover }),
    enc('mtspr', { spr: 9, rs: 9 }),
    enc('bcctr', { bo: 20, bi: 0, bh: 0 }),
  ];
  const recoverAt = 0x200; // fixed offset, padded below
  trampoline(recoverAt).forEach((w, i) => {
    a.li64(9, BigInt(w)).stw(9, 0x380 + 4 * i, 0);
  });
  a.i('mfmsr', { rt: 9 }).i('ori', { ra: 9, rs: 9, ui: 0x10 }).i('mtmsrd', { rs: 9, l: 0 });
  a.li64(4, EA).lwz(5, 0, 4);
  a.hang();
  if (a.here > recoverAt) throw new Error('guest too long');
  while (a.here < recoverAt) a.word(0);
  a.label('recover');
  rtasCall(a, 'power-off', [0, 0], 1, { buf: RTAS_BUF });
  a.hang();
  return elfWithSymbols(a.bytes(), [
    { name: 'start', offset: 0, size: recoverAt },
    { name: 'recover', offset: recoverAt, size: a.here - recoverAt },
  ]);
}

function runLogged(kernel: Uint8Array, categories: LogCategory[]): { lines: string[]; machine: Machine } {
  const lines: string[] = [];
  const machine = new Machine({
    kernel,
    ramSize: 256 * 2 ** 20,
    logger: createLogger(categories, (l) => lines.push(l)),
    timebase: () => 0,
  });
  const r = machine.runFor(100_000);
  expect(r).toEqual({ kind: 'exit', exit: { kind: 'power-off' } });
  return { lines, machine };
}

describe('-d mmu, exec, in_asm', () => {
  const elf = mmuGuest();

  it('mmu: page-table hcalls with their results, argument errors, and translation faults', () => {
    const { lines } = runLogged(elf, ['mmu']);
    expect(lines.every((l) => l.startsWith('[mmu] '))).toBe(true);
    const enter = lines.filter((l) => l.includes('H_ENTER('));
    expect(enter).toHaveLength(2);
    expect(enter[0]).toMatch(
      /^\[mmu\] cpu 0 H_ENTER\(0x0, 0x[0-9a-f]+, 0x[0-9a-f]+, 0x[0-9a-f]+\) -> 0 r4=0x[0-9a-f]+$/,
    );
    expect(enter[1]).toMatch(/^\[mmu\] cpu 0 H_ENTER\(0x0, 0x7fffffff, 0x1, 0x0\) -> -4 /);
    expect(lines.some((l) => /H_ENTER: .* -> H_PARAMETER$/.test(l))).toBe(true);
    const fault = lines.filter((l) => l.includes('fault'));
    expect(fault).toHaveLength(1);
    expect(fault[0]).toMatch(/^\[mmu\] cpu 0: data segment fault at 0x0000000000400[0-9a-f]{3} dar 0x30000000 \(DR\)$/);
  });

  it('exec: each block start with its symbol; the JIT is off so none is missed', () => {
    const { lines, machine } = runLogged(elf, ['exec']);
    expect(machine.vcpus[0]!.cpu.jit).toBe(false);
    expect(lines[0]).toBe('[exec] Trace 0: 0x0000000000400000 [start]');
    expect(lines).toContain('[exec] Trace 0: 0x0000000000000380');
    expect(lines).toContain('[exec] Trace 0: 0x0000000000400200 [recover]');
    // The power-off call ends in the RTAS blob, which has no symbol.
    expect(lines.at(-1)).toBe(
      `[exec] Trace 0: 0x${rtasAddress(256 * 2 ** 20)
        .toString(16)
        .padStart(16, '0')}`,
    );
  });

  it('in_asm: each instruction once, as first decoded, disassembled with symbol and branch target names', () => {
    const { lines } = runLogged(elf, ['in_asm']);
    expect(lines[0]).toMatch(/^\[in_asm\] 0x0000000000400000 <start>: {2}38800000 {2}li\s+r4,0$/);
    expect(lines).toContainEqual(expect.stringMatching(/^\[in_asm\] 0x0000000000000380: {2}3d200040 {2}lis\s+r9,64$/));
    expect(lines).toContainEqual(expect.stringMatching(/<start\+0x[0-9a-f]+>: {2}[0-9a-f]{8} {2}sc\s+1$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[in_asm\] 0x0000000000400200 <recover>: {2}[0-9a-f]{8} {2}lis\s+r31,0$/),
    );
    // Each address appears once (the spin loop at the end is decoded once, run many times).
    const addrs = lines.map((l) => l.split(' ')[1]);
    expect(new Set(addrs).size).toBe(addrs.length);
  });

  it('through ppcvm: -d in_asm,exec,mmu -D FILE', async () => {
    const k = join(tmp, 'mmu.elf');
    writeFileSync(k, elf);
    const log = join(tmp, 'trace.log');
    let err = '';
    const io = {
      stdin: { on() {}, removeListener() {}, resume() {}, pause() {} },
      stdout: { write: () => {} },
      stderr: { write: (d: string) => void (err += d) },
    };
    expect(await runCli(['-m', '256M', '-kernel', k, '-d', 'in_asm,exec,mmu', '-D', log], io)).toBe(EXIT.OK);
    expect(err).toBe('');
    const text = readFileSync(log, 'utf8');
    expect(text).toMatch(/^\[exec\] Trace 0: 0x0000000000400000 \[start\]\n\[in_asm\] 0x0000000000400000 <start>: /);
    expect(text).toContain('[mmu] cpu 0: data segment fault at');
    expect(text).toMatch(/\[mmu\] cpu 0 H_ENTER\(.*\) -> 0 /);
  });

  it('-d help lists the new categories', async () => {
    let out = '';
    const io = {
      stdin: { on() {}, removeListener() {}, resume() {}, pause() {} },
      stdout: { write: (d: Uint8Array | string) => void (out += String(d)) },
      stderr: { write: () => {} },
    };
    expect(await runCli(['-d', 'help'], io)).toBe(EXIT.OK);
    expect(out).toMatch(/^ {2}mmu +page-table hypercalls and storage \(translation\) faults$/m);
    expect(out).toMatch(/^ {2}exec +each block/m);
    expect(out).toMatch(/^ {2}in_asm +each instruction when first decoded/m);
  });
});
