/**
 * The proof of issue 6: Debian's gdb-multiarch, in batch mode, debugs
 * Debian's ppc64el kernel running under `ppcvm -S -gdb` (the real CLI,
 * dist/cli.js), with symbols from the same vmlinux: a breakpoint on
 * start_kernel (an effective address, hit once the MMU is on), registers
 * including an FPR and a VSR, single steps that follow the disassembly,
 * kernel memory through virtual addresses, a watchpoint on a kernel variable,
 * Ctrl-C, and a continue to the guest's power-off (ppcvm exits 0).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../../scripts/fixtures.mjs';
import { buildInitramfs, runCommandArg } from '../src/guest/initramfs.js';
import { parseElf64, Symbolizer } from '../src/index.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const GDB = 'gdb-multiarch';
const haveGdb = spawnSync(GDB, ['--version'], { stdio: 'ignore' }).status === 0;
if (!haveGdb) {
  if (process.env.CI) throw new Error(`${GDB} is required in CI for the gdbstub tests`);
  console.warn(`${GDB} not found: skipping the kernel debugging test`);
}
const kernel = fixturePath('vmlinux');
const busybox = fixturePath('busybox');

let dir = '';
let initrd = '';

beforeAll(() => {
  if (!kernel || !busybox) throw new Error('Debian kernel/busybox fixtures missing: run `npm run fixtures`');
  dir = mkdtempSync(join(tmpdir(), 'ppcvm-gdb-linux-'));
  initrd = join(dir, 'initrd.gz');
  writeFileSync(initrd, buildInitramfs({ busybox: readFileSync(busybox) }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The NUL-terminated string at a kernel virtual address, from the ELF file itself. */
function stringInElf(image: Uint8Array, address: bigint): string {
  for (const seg of parseElf64(image).segments) {
    if (address >= seg.vaddr && address < seg.vaddr + BigInt(seg.data.length)) {
      const at = Number(address - seg.vaddr);
      const end = seg.data.indexOf(0, at);
      return Buffer.from(seg.data.subarray(at, end)).toString('latin1');
    }
  }
  throw new Error(`0x${address.toString(16)} is not in the file`);
}

/** The value gdb printed for `$N = ...`. */
function printed(out: string, n: number): string {
  const m = new RegExp(`^\\$${n} = (.*)$`, 'm').exec(out);
  if (!m) throw new Error(`no $${n} in gdb output:\n${out}`);
  return m[1]!;
}

function collect(child: ChildProcess): { text: () => string } {
  let text = '';
  child.stdout?.on('data', (d: Buffer) => {
    text += d.toString('latin1');
  });
  child.stderr?.on('data', (d: Buffer) => {
    text += d.toString('latin1');
  });
  return { text: () => text };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

async function until(what: string, cond: () => boolean, ms: number, log: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${log().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!haveGdb)('gdb-multiarch debugs the Debian kernel under ppcvm -S -gdb', () => {
  it('break start_kernel, registers, FPR/VSR, stepi, kernel memory, watchpoint, Ctrl-C, power-off', async () => {
    const image = new Uint8Array(readFileSync(kernel!));
    const symbols = Symbolizer.fromElf(image);
    const startKernel = symbols.addressOf('start_kernel')!;
    const initTask = symbols.addressOf('init_task')!;
    const banner = stringInElf(image, symbols.addressOf('linux_banner')!);
    expect(banner).toMatch(/^Linux version 6\.1\./);

    const script = 'echo gdb-test-done\npoweroff -f';
    const vm = spawn(
      process.execPath,
      [
        CLI,
        '-S',
        '-gdb',
        'tcp:127.0.0.1:0',
        '-kernel',
        kernel!,
        '-initrd',
        initrd,
        '-append',
        `console=hvc0 quiet ${runCommandArg(script)}`,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const vmOut = collect(vm);
    let gdb: ChildProcess | undefined;
    try {
      await until(
        'the gdbstub',
        () => /gdbstub listening on tcp:127\.0\.0\.1:\d+/.test(vmOut.text()),
        20_000,
        vmOut.text,
      );
      const port = /gdbstub listening on tcp:127\.0\.0\.1:(\d+)/.exec(vmOut.text())![1];
      const commands = [
        'set pagination off',
        'set confirm off',
        `file ${kernel}`,
        `target remote 127.0.0.1:${port}`,
        'break start_kernel',
        'continue',
        'info registers',
        'p $pc', // $1
        'p/x $msr', // $2
        'p/x $vs1.uint128', // $3: f1 is its high doubleword
        'set var $f1 = 1.5',
        'p $f1', // $4
        'p/x $vs1.uint128', // $5
        'set var $vs1.uint128 = $3',
        'p $vs40', // $6
        'x/3i $pc',
        'stepi',
        'p/x $pc', // $7
        'stepi',
        'p/x $pc', // $8
        'x/4xw &init_task',
        'x/s (char *)&linux_banner',
        'watch *(long *)&saved_command_line',
        'continue',
        'p/x *(long *)&saved_command_line', // $9
        'delete',
        // The buffer it points to is filled next: watch its first byte by location.
        'watch -l *(char *)*(long *)&saved_command_line',
        'continue',
        'delete',
        'echo ctrl-c-next\\n',
        'continue',
        'p/x $pc', // $10
        'x/s *(char **)&saved_command_line',
        'continue',
      ];
      const args = ['-nx', '-batch'];
      for (const c of commands) args.push('-ex', c);
      gdb = spawn(GDB, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const gdbOut = collect(gdb);
      const both = () => `gdb:\n${gdbOut.text()}\nppcvm:\n${vmOut.text()}`;
      // Once the guest runs freely again, interrupt it from gdb (Ctrl-C is SIGINT to gdb).
      await until('the watchpoint', () => gdbOut.text().includes('ctrl-c-next'), 240_000, both);
      await new Promise((r) => setTimeout(r, 1500));
      gdb.kill('SIGINT');
      const [gdbCode, vmCode] = await Promise.race([
        Promise.all([exited(gdb), exited(vm)]),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out:\n${both()}`)), 300_000)),
      ]);
      const out = gdbOut.text();
      const fail = `\n${both()}`;
      expect(gdbCode, fail).toBe(0);

      // The breakpoint: gdb puts it after start_kernel's global entry prologue (ELFv2 local entry).
      const bp = /^Breakpoint 1, 0x([0-9a-f]+) in start_kernel \(\)$/m.exec(out);
      expect(bp, fail).not.toBeNull();
      const pc = BigInt(`0x${bp![1]}`);
      expect(pc - startKernel >= 0n && pc - startKernel <= 16n, fail).toBe(true);
      const off = Number(pc - startKernel);
      expect(out).toMatch(new RegExp(`^pc\\s+0x${bp![1]}\\s+0x${bp![1]} <start_kernel\\+${off}>$`, 'm'));
      expect(out).toMatch(/^r1\s+0xc[0-9a-f]{15}\s/m); // the kernel stack, a virtual address
      expect(out).toMatch(/^lr\s+0x[0-9a-f]+\s/m);
      expect(out).toMatch(/^fpscr\s+0x[0-9a-f]+\s/m);
      expect(printed(out, 1)).toBe(`(void (*)()) 0x${bp![1]} <start_kernel+${off}>`);
      // MSR: 64-bit, little-endian, relocation on for instructions and data (Book III-S §4.2.1).
      const msr = BigInt(printed(out, 2));
      expect(msr & 0x8000000000000000n).toBe(0x8000000000000000n);
      expect(msr & 0x31n).toBe(0x31n);
      // FPR 1 is doubleword 0 of VSR 1.
      expect(printed(out, 4)).toBe('1.5');
      const low = BigInt(printed(out, 3)) & ((1n << 64n) - 1n);
      expect(BigInt(printed(out, 5))).toBe((0x3ff8000000000000n << 64n) | low);
      expect(printed(out, 6)).toMatch(/^\{.*uint128 = \d+.*v4_int32 = \{.*\}\}$/);

      // stepi follows the disassembly gdb printed: the next instruction, or a branch's target.
      const dis = [...out.matchAll(/^(?:=>| {2}) 0x([0-9a-f]+) <[^>]+>:\t(\S+)\s*(.*)$/gm)];
      expect(dis.length, fail).toBe(3);
      expect(BigInt(`0x${dis[0]![1]}`)).toBe(pc);
      const next1 = BigInt(`0x${dis[1]![1]}`);
      const second = dis[1]!;
      const target = /^0x([0-9a-f]+)/.exec(second[3]!);
      const next2 = /^bl?$/.test(second[2]!) && target ? BigInt(`0x${target[1]}`) : BigInt(`0x${dis[2]![1]}`);
      expect(BigInt(printed(out, 7)), fail).toBe(next1);
      expect(BigInt(printed(out, 8)), fail).toBe(next2);

      // Kernel memory through virtual addresses.
      expect(out).toMatch(new RegExp(`^0x${initTask.toString(16)} <init_task>:(\\t0x[0-9a-f]{8}){4}$`, 'm'));
      const shown = JSON.stringify(banner).slice(1, -1).replace(/\\n$/, '');
      expect(out).toContain(`<linux_banner>:\t"${shown}`);

      // The watchpoints: start_kernel points saved_command_line at a new buffer, then copies
      // our command line into it.
      expect(out).toMatch(/^Hardware watchpoint 2: \*\(long \*\)&saved_command_line$/m);
      const buffer = BigInt(printed(out, 9));
      expect(buffer >> 60n).toBe(0xcn);
      expect(out).toContain(`Old value = 0\nNew value = ${BigInt.asIntN(64, buffer)}\n`);
      expect(out).toMatch(/^Hardware watchpoint 3: -location \*\(char \*\)\*\(long \*\)&saved_command_line$/m);
      expect(out).toMatch(/^Old value = 0 '\\000'\nNew value = 99 'c'$/m);

      // Ctrl-C stopped the running kernel; the last continue ran it to its power-off.
      expect(out, fail).toContain('received signal SIGINT');
      expect(printed(out, 10)).toMatch(/^0xc[0-9a-f]{15}$/);
      expect(out).toContain(`0x${buffer.toString(16)}:\t"console=hvc0 quiet ${runCommandArg(script)}"`);
      expect(out).toMatch(/\[Inferior 1 \(Remote target\) exited normally\]/);
      expect(vmOut.text()).toContain('gdb-test-done');
      expect(vmCode, fail).toBe(0);
    } finally {
      if (gdb && gdb.exitCode === null) gdb.kill('SIGKILL');
      if (vm.exitCode === null) vm.kill('SIGKILL');
    }
  }, 400_000);
});
