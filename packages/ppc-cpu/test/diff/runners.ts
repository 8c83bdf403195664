/**
 * Runs a test program on QEMU (qemu-ppc64le -cpu power8, a separate process)
 * and on our Cpu (in-process, with a flat loader and a two-syscall kernel).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Access, Cpu, type StopReason, TranslateFault } from '../../src/cpu.js';
import { CR, PC } from '../../src/state.js';
import { PF_W, PF_X, readElf64 } from '../support/elf-writer.js';

export const QEMU = process.env.PPCVM_QEMU ?? '/usr/bin/qemu-ppc64le';

/** How a run ended: normally with an exit status, or killed by a signal. */
export interface RunResult {
  readonly stdout: Uint8Array;
  /** Exit status, when the program exited. */
  readonly exit?: number;
  /** Signal name (SIGTRAP, SIGILL, ...) when it died of one. */
  readonly signal?: string;
  /** Extra detail (QEMU's stderr, our stop reason). */
  readonly detail: string;
}

let workDir: string | undefined;
let fileNo = 0;

function tmpDir(): string {
  if (!workDir) {
    workDir = mkdtempSync(join(tmpdir(), 'ppcvm-diff-'));
    const dir = workDir;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return workDir;
}

const SIGNALS: Record<number, string> = {
  4: 'SIGILL',
  5: 'SIGTRAP',
  7: 'SIGBUS',
  8: 'SIGFPE',
  11: 'SIGSEGV',
  6: 'SIGABRT',
};

/**
 * Run an ELF under QEMU. Core dumps are disabled (QEMU would write a guest
 * core file into its working directory), and a guest killed by a signal shows
 * up either as that signal or as exit status 128+signal.
 */
export function runQemu(elf: Uint8Array, timeoutMs = 60_000): Promise<RunResult> {
  const dir = tmpDir();
  const path = join(dir, `t${process.pid}-${fileNo++}.elf`);
  writeFileSync(path, elf, { mode: 0o755 });
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'ulimit -c 0; exec "$0" -cpu power8 "$1"', QEMU, path], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(path, { force: true });
      const stdout = new Uint8Array(Buffer.concat(out));
      const detail = Buffer.concat(err).toString('utf8').trim();
      if (signal) resolve({ stdout, signal, detail: signal === 'SIGKILL' ? `timeout ${detail}` : detail });
      else if (code !== null && code > 128 && SIGNALS[code - 128])
        resolve({ stdout, signal: SIGNALS[code - 128], detail });
      else resolve({ stdout, exit: code ?? -1, detail });
    });
  });
}

interface Mapping {
  readonly start: number;
  readonly end: number;
  readonly ramOff: number;
  readonly flags: number;
}

/** Which signal Linux delivers for each kind of CPU stop (Book III-S interrupt -> Linux signal). */
export function stopSignal(stop: StopReason): string | undefined {
  switch (stop.kind) {
    case 'trap':
    case 'breakpoint':
      return 'SIGTRAP';
    case 'illegal':
    case 'privileged':
      return 'SIGILL';
    case 'alignment':
      return 'SIGBUS';
    case 'fault':
      return 'SIGSEGV';
    case 'fp-exception':
      return 'SIGFPE';
    default:
      return undefined;
  }
}

function describeStop(stop: StopReason): string {
  return JSON.stringify(stop, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v));
}

/**
 * Load an ELF into a flat RAM and run it on our Cpu. The address space is
 * just the PT_LOAD segments (4 KiB pages) with their R/W/X permissions; `sc`
 * implements write(2) and exit/exit_group, anything else returns -ENOSYS.
 */
export function runCpu(elf: Uint8Array, budget = 50_000_000): RunResult {
  const img = readElf64(elf);
  const maps: Mapping[] = [];
  let ramSize = 0;
  for (const seg of img.segments) {
    const size = Math.ceil(Math.max(seg.memsz ?? 0, seg.data.length) / 4096) * 4096;
    maps.push({ start: seg.vaddr, end: seg.vaddr + size, ramOff: ramSize, flags: seg.flags });
    ramSize += size;
  }
  const ram = new ArrayBuffer(ramSize);
  const u8 = new Uint8Array(ram);
  for (const [i, seg] of img.segments.entries()) u8.set(seg.data, maps[i]!.ramOff);
  const find = (addr: number) => maps.find((m) => addr >= m.start && addr < m.end);
  const chunks: Uint8Array[] = [];
  const cpu = new Cpu({
    ram,
    model: 'power8',
    translator: {
      translate(hi: number, lo: number, access: number): number {
        const addr = (hi >>> 0) * 4294967296 + (lo >>> 0);
        const m = find(addr);
        if (!m) return TranslateFault.Unmapped;
        if (access === Access.Store && !(m.flags & PF_W)) return TranslateFault.Protection;
        if (access === Access.Fetch && !(m.flags & PF_X)) return TranslateFault.Protection;
        return m.ramOff + (addr - m.start);
      },
    },
    hooks: {
      syscall(c: Cpu): void {
        const nr = Number(c.getGpr(0));
        const setResult = (v: bigint, err: boolean) => {
          c.setGpr(3, v);
          c.s[CR] = err ? c.s[CR]! | (1 << 28) : c.s[CR]! & ~(1 << 28);
        };
        if (nr === 4) {
          const buf = Number(c.getGpr(4));
          const len = Number(c.getGpr(5));
          const m = find(buf);
          if (!m || buf + len > m.end || c.getGpr(3) !== 1n) {
            setResult(14n, true);
            return;
          }
          chunks.push(u8.slice(m.ramOff + (buf - m.start), m.ramOff + (buf - m.start) + len));
          setResult(BigInt(len), false);
          return;
        }
        if (nr === 1 || nr === 234) {
          c.requestStop({ kind: 'exit', code: Number(c.getGpr(3) & 0xffn) });
          return;
        }
        setResult(38n, true);
      },
    },
  });
  cpu.set64(PC, BigInt(img.entry));
  const stop = cpu.run(budget);
  const stdout = concat(chunks);
  if (stop.kind === 'exit') return { stdout, exit: stop.code, detail: describeStop(stop) };
  const signal = stopSignal(stop);
  if (signal) return { stdout, signal, detail: describeStop(stop) };
  return { stdout, exit: -1, detail: describeStop(stop) };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const n = chunks.reduce((a, c) => a + c.length, 0);
  const outb = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    outb.set(c, o);
    o += c.length;
  }
  return outb;
}
