/**
 * A guest process: address space + loaded program + initial stack + CPU +
 * emulated kernel, and the run loop that turns CPU stops into the way a Linux
 * process ends (exit status, or death by signal).
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Cpu, type CpuModelName, layout, type StopReason } from '@ppcvm/ppc-cpu';
import { HWCAPS, PAGE_SIZE, PROT, SIG, signalName } from './abi.js';
import { ElfError, type ElfFile, parseElf } from './elf.js';
import { E, hostErrno } from './errno.js';
import { type DebugChannel, type ExecRequest, Kernel, type Termination } from './kernel.js';
import { buildInitialStack, type InitialStack, type LoadedImage, loadElf, type StackString } from './loader.js';
import { AddressSpace, GuestOutOfMemory } from './memory.js';

/** A host-side error (missing program, not a ppc64le ELF, bad option): not the guest's doing. */
export class LinuxUserError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LinuxUserError';
  }
}

export interface ProcessOptions {
  /** Host path of a static ppc64le ELF program. */
  readonly program: string;
  /** Arguments after argv[0]. */
  readonly args?: readonly string[];
  /** argv[0]; default `program` as given (qemu-user's default too). */
  readonly argv0?: string;
  /** Environment as NAME=VALUE strings or a record; default the host's (process.env). */
  readonly env?: readonly string[] | Readonly<Record<string, string | undefined>>;
  /** CPU model; default 'power8'. */
  readonly cpu?: CpuModelName;
  /** Bytes of guest RAM; default 1 GiB (committed lazily by the host OS). */
  readonly memoryBytes?: number;
  /** Stack size (default 8 MiB, the usual RLIMIT_STACK). */
  readonly stackBytes?: number;
  /** Host fds that become guest fds 0, 1, 2; default [0, 1, 2]. */
  readonly stdio?: readonly [number, number, number];
  /** Let the guest close the stdio host fds (the CLI does); default false. */
  readonly ownStdio?: boolean;
  /** Working directory; default the host process's. */
  readonly cwd?: string;
  readonly debug?: Iterable<DebugChannel>;
  /** Where debug lines and reasons go; default stderr. */
  readonly log?: (line: string) => void;
  /** AT_RANDOM bytes (16); default fresh random bytes. */
  readonly random?: Uint8Array;
}

export interface RunResult {
  /** Shell-style status: the exit code, or 128 + signal number. */
  readonly status: number;
  readonly exitCode: number | null;
  readonly signal: number | null;
  /** One-line reason when killed by a signal. */
  readonly reason: string | null;
  /** The CPU stop behind a signal death (fault, illegal, unimplemented, ...), if any. */
  readonly stop: StopReason | null;
  /** Guest instructions executed. */
  readonly instructions: number;
  readonly syscalls: number;
  readonly seconds: number;
}

/** Top of the stack mapping: the end of the 128 TiB default user address window (no randomisation). */
export const STACK_TOP = 2 ** 47;
/** Linux keeps at least 128 MiB between the stack top and mmap_base. */
const MMAP_GAP = 128 << 20;
const SLICE = 1 << 22;

function envList(env: ProcessOptions['env']): string[] {
  if (Array.isArray(env)) return [...(env as readonly string[])];
  const rec = (env as Readonly<Record<string, string | undefined>> | undefined) ?? process.env;
  return Object.entries(rec)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${v}`);
}

export class LinuxProcess {
  readonly cpu: Cpu;
  readonly memory: AddressSpace;
  readonly kernel: Kernel;
  /** The loaded program (replaced by execve). */
  image!: LoadedImage;
  /** Its initial stack. */
  stack!: InitialStack;
  private stopReason: StopReason | null = null;
  private readonly log: (line: string) => void;
  private readonly debug: Set<DebugChannel>;
  private readonly model: CpuModelName;
  private readonly stackBytes: number;
  private readonly initialMsr: [number, number];

  constructor(opts: ProcessOptions) {
    if (process.platform !== 'linux') throw new LinuxUserError('ppcvm-user needs a Linux host (it uses /proc/self/fd)');
    this.log = opts.log ?? ((l) => fs.writeSync(2, `${l}\n`));
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(opts.program);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === 'ENOENT' ? 'No such file or directory' : code === 'EISDIR' ? 'Is a directory' : String(e);
      throw new LinuxUserError(`cannot open ${opts.program}: ${why}`, { cause: e });
    }
    const model = opts.cpu ?? 'power8';
    if (!(model in HWCAPS)) throw new LinuxUserError(`unknown CPU model ${model}`);
    let elf: ReturnType<typeof parseElf>;
    try {
      elf = parseElf(bytes);
    } catch (e) {
      if (e instanceof ElfError) throw new LinuxUserError(`${opts.program}: ${e.message}`, { cause: e });
      throw e;
    }
    this.debug = new Set(opts.debug ?? []);
    this.model = model;
    this.stackBytes = Math.ceil((opts.stackBytes ?? 8 << 20) / PAGE_SIZE) * PAGE_SIZE;
    this.memory = new AddressSpace({ ramBytes: opts.memoryBytes ?? 1 << 30 });
    const argv = [opts.argv0 ?? opts.program, ...(opts.args ?? [])];
    let auxv: Uint8Array;
    try {
      auxv = this.setUpImage(elf, { argv, envp: envList(opts.env), execfn: opts.program, random: opts.random });
    } catch (e) {
      if (e instanceof ElfError || e instanceof GuestOutOfMemory) {
        throw new LinuxUserError(`${opts.program}: ${e.message}`, { cause: e });
      }
      throw e;
    }
    this.kernel = new Kernel({
      memory: this.memory,
      programPath: opts.program,
      argv,
      stdio: opts.stdio ?? [0, 1, 2],
      ownStdio: opts.ownStdio,
      cwd: opts.cwd,
      debug: this.debug,
      log: this.log,
      brk: this.image.brk,
      mmapTop: STACK_TOP - Math.max(MMAP_GAP, this.stackBytes + (16 << 20)),
      auxv,
    });
    this.cpu = new Cpu({
      ram: this.memory.ram,
      translator: this.memory,
      model,
      hooks: { syscall: (cpu, lev) => this.kernel.syscall(cpu, lev) },
    });
    this.kernel.attach(this.cpu);
    this.kernel.execHandler = (req) => this.execve(req, 0);
    const cpu = this.cpu;
    this.memory.listener = {
      codeWritten: (off, len) => cpu.invalidateCode(off, len),
      // Only translations go stale on munmap/mprotect: predecoded code is keyed by RAM page and
      // dropped whenever that RAM is rewritten (stores, kernel writes, a frame cleared for reuse).
      translationsChanged: () => cpu.flushTlb(),
    };
    this.initialMsr = [cpu.s[layout.MSR + 1]!, cpu.s[layout.MSR]!];
    this.enter(opts.program);
  }

  /** Load `elf` into the (empty) address space, map the stack and build it; returns /proc/self/auxv bytes. */
  private setUpImage(
    elf: ElfFile,
    init: { argv: readonly StackString[]; envp: readonly StackString[]; execfn: StackString; random?: Uint8Array },
  ): Uint8Array {
    this.image = loadElf(this.memory, elf);
    const stackProt = PROT.READ | PROT.WRITE | (this.image.execStack ? PROT.EXEC : 0);
    this.memory.map((STACK_TOP - this.stackBytes) / PAGE_SIZE, this.stackBytes / PAGE_SIZE, stackProt);
    const caps = HWCAPS[this.model];
    this.stack = buildInitialStack(this.memory, STACK_TOP, this.image, {
      argv: init.argv,
      envp: init.envp,
      execfn: init.execfn,
      hwcap: caps.hwcap,
      hwcap2: caps.hwcap2,
      platform: caps.platform,
      basePlatform: caps.platform,
      random: init.random ?? randomFillSync(new Uint8Array(16)),
      uid: process.getuid?.() ?? 0,
      euid: process.geteuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      egid: process.getegid?.() ?? 0,
    });
    const auxv = new Uint8Array(16 * (this.stack.auxv.length + 1));
    const adv = new DataView(auxv.buffer);
    this.stack.auxv.forEach(([t, v], i) => {
      adv.setBigUint64(16 * i, BigInt(t), true);
      adv.setBigUint64(16 * i + 8, BigInt(v), true);
    });
    return auxv;
  }

  /**
   * The ELF entry state (arch/powerpc/kernel/process.c start_thread): every
   * register zero but r1 = stack pointer; ELFv2: r12 = entry (the global entry
   * point convention); ELFv1: entry and r2 from the function descriptor.
   */
  private enter(name: string): void {
    const cpu = this.cpu;
    cpu.s.fill(0);
    cpu.sprs.fill(0);
    cpu.setMsr(this.initialMsr[0], this.initialMsr[1]);
    // Linux's start_thread sets VSCR[NJ] (non-Java mode) for every new program.
    cpu.s[layout.VSCR] = 0x00010000;
    cpu.setGpr(1, BigInt(this.stack.sp));
    if (this.image.elfv2) {
      cpu.setGpr(12, BigInt(this.image.entry));
      cpu.set64(layout.PC, BigInt(this.image.entry));
    } else {
      const fn = this.memory.readU64(this.image.entry);
      const toc = this.memory.readU64(this.image.entry + 8);
      cpu.setGpr(2, BigInt((toc ?? 0) + this.image.loadBias));
      cpu.set64(layout.PC, BigInt((fn ?? 0) + this.image.loadBias));
    }
    if (this.debug.has('exec')) {
      this.log(
        `ppcvm-user: ${name}: entry 0x${this.image.entry.toString(16)}, sp 0x${this.stack.sp.toString(16)}, brk 0x${this.image.brk.toString(16)}, model ${this.model}`,
      );
      for (const m of this.memory.mappings()) {
        this.log(`ppcvm-user:   ${m.start.toString(16)}-${m.end.toString(16)} prot ${m.prot}`);
      }
    }
  }

  /**
   * execve(2) of a ppc64le static ELF (or a "#!" script whose interpreter is one),
   * replacing this process's image in place. -errno while the old image is intact.
   */
  private execve(req: ExecRequest, depth: number, script: ExecRequest | null = null): number {
    let bytes: Uint8Array;
    try {
      fs.accessSync(req.path, fs.constants.X_OK);
      if (!fs.statSync(req.path).isFile()) return -E.EACCES;
      bytes = fs.readFileSync(req.path);
    } catch (e) {
      return -hostErrno(e);
    }
    if (bytes[0] === 0x23 && bytes[1] === 0x21) {
      // binfmt_script: "#!interpreter [one argument]" in the first 256 bytes.
      if (depth >= 4) return -E.ELOOP;
      let line = bytes.subarray(2, Math.min(bytes.length, 256));
      const nl = line.indexOf(0x0a);
      if (nl >= 0) line = line.subarray(0, nl);
      const text = Buffer.from(line)
        .toString('latin1')
        .replace(/[ \t]+$/, '')
        .replace(/^[ \t]+/, '');
      if (text === '') return -E.ENOEXEC;
      const sp = text.search(/[ \t]/);
      const interp = sp < 0 ? text : text.slice(0, sp);
      const arg = sp < 0 ? '' : text.slice(sp).trim();
      const toBytes = (x: string): Uint8Array => Buffer.from(x, 'latin1');
      const argv = [toBytes(interp), ...(arg ? [toBytes(arg)] : []), req.filename, ...req.argv.slice(1)];
      const ip = this.kernel.hostPath(toBytes(interp));
      if (typeof ip === 'number') return ip;
      return this.execve({ path: ip, filename: toBytes(interp), argv, envp: req.envp }, depth + 1, script ?? req);
    }
    const EM_PPC64 = 21;
    if (bytes.length >= 20 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
      // Like qemu-user, a program for the host's own architecture runs natively.
      if ((bytes[18]! | (bytes[19]! << 8)) !== EM_PPC64) return this.hostExec(script ?? req);
    }
    let elf: ElfFile;
    try {
      elf = parseElf(bytes);
    } catch (e) {
      if (e instanceof ElfError) {
        this.kernelNote(`execve ${req.path.toString()}: ${e.message} → ENOEXEC`);
        return -E.ENOEXEC;
      }
      throw e;
    }
    if (elf.interp !== null) {
      this.kernelNote(`execve ${req.path.toString()}: dynamically linked programs are not supported → ENOEXEC`);
      return -E.ENOEXEC;
    }
    // Point of no return: the old image goes away.
    this.memory.unmapAll();
    let auxv: Uint8Array;
    try {
      auxv = this.setUpImage(elf, { argv: req.argv, envp: req.envp, execfn: req.filename });
    } catch (e) {
      if (e instanceof GuestOutOfMemory) {
        this.kernel.terminate(SIG.KILL, `execve ${req.path.toString()}: ${e.message}`);
        return 0;
      }
      if (!(e instanceof ElfError || e instanceof RangeError)) throw e;
      this.kernel.terminate(SIG.SEGV, `execve ${req.path.toString()}: ${e.message}`);
      return 0;
    }
    this.kernel.execDone({ programPath: req.path.toString(), argv: req.argv, brk: this.image.brk, auxv });
    this.enter(req.path.toString());
    return 0;
  }

  /**
   * execve of a host program: Node cannot replace the process image, so run it
   * to completion with the guest's descriptors, environment and directory, and
   * end this process the way it ended.
   */
  private hostExec(req: ExecRequest): number {
    const stdio = this.kernel.hostDescriptors();
    const env: Record<string, string> = {};
    for (const e of req.envp) {
      const t = Buffer.from(e).toString();
      const eq = t.indexOf('=');
      if (eq > 0) env[t.slice(0, eq)] = t.slice(eq + 1);
    }
    const argv = req.argv.map((a) => Buffer.from(a).toString());
    const r = spawnSync(req.path.toString(), argv.slice(1), {
      argv0: argv[0] ?? req.path.toString(),
      env,
      cwd: this.kernel.cwdPath() ?? undefined,
      stdio,
    });
    if (r.error) return -hostErrno(r.error);
    if (r.signal) {
      const sig = os.constants.signals[r.signal] ?? SIG.KILL;
      this.kernel.terminate(sig, `host program ${req.path.toString()} was killed by ${r.signal}`);
    } else this.kernel.exitNow(r.status ?? 0);
    return 0;
  }

  private kernelNote(msg: string): void {
    if (this.debug.has('syscall')) this.log(`ppcvm-user: ${msg}`);
  }

  /**
   * Run until the program exits or dies (or `maxInstructions` more have run,
   * in which case the result has status -1).
   */
  run(maxInstructions = Number.POSITIVE_INFINITY): RunResult {
    const t0 = performance.now();
    const start = this.cpu.icount;
    const limit = start + maxInstructions;
    let out: Termination | null = null;
    while (!out) {
      const budget = Math.min(SLICE, limit - this.cpu.icount);
      if (budget <= 0) break;
      let r: StopReason;
      try {
        r = this.cpu.run(budget);
      } catch (e) {
        if (e instanceof GuestOutOfMemory) {
          out = { kind: 'signal', signal: SIG.KILL, reason: e.message };
          break;
        }
        throw e;
      }
      out = this.kernel.termination ?? this.classify(r);
    }
    const seconds = (performance.now() - t0) / 1000;
    const instructions = this.cpu.icount - start;
    if (!out) {
      return {
        status: -1,
        exitCode: null,
        signal: null,
        reason: 'instruction limit reached',
        stop: null,
        instructions,
        syscalls: this.kernel.syscalls,
        seconds,
      };
    }
    if (out.kind === 'exit') {
      return {
        status: out.code,
        exitCode: out.code,
        signal: null,
        reason: null,
        stop: null,
        instructions,
        syscalls: this.kernel.syscalls,
        seconds,
      };
    }
    return {
      status: 128 + out.signal,
      exitCode: null,
      signal: out.signal,
      reason: `${signalName(out.signal)}: ${out.reason}`,
      stop: this.stopReason,
      instructions,
      syscalls: this.kernel.syscalls,
      seconds,
    };
  }

  /** Release host resources (file descriptors the guest left open). */
  dispose(): void {
    this.kernel.dispose();
  }

  /** What a CPU stop means for a Linux process (the signal the kernel would send). */
  private classify(r: StopReason): Termination | null {
    const hex = (v: bigint): string => `0x${v.toString(16)}`;
    const word = (w: number): string => `0x${(w >>> 0).toString(16).padStart(8, '0')}`;
    switch (r.kind) {
      case 'budget':
      case 'requested':
        return null;
      case 'exit':
        return { kind: 'exit', code: r.code };
      case 'syscall':
        return { kind: 'signal', signal: SIG.SYS, reason: `system call at ${hex(r.pc)} with no handler` };
    }
    this.stopReason = r;
    switch (r.kind) {
      case 'fault':
        return {
          kind: 'signal',
          signal: SIG.SEGV,
          reason: `${r.access} ${r.fault === 'unmapped' ? 'of unmapped address' : 'violating protection at'} ${hex(r.address)} (pc ${hex(r.pc)})`,
        };
      case 'illegal':
        return { kind: 'signal', signal: SIG.ILL, reason: `illegal instruction ${word(r.word)} at pc ${hex(r.pc)}` };
      case 'unimplemented':
        return {
          kind: 'signal',
          signal: SIG.ILL,
          reason: `unimplemented instruction ${r.mnemonic} (${word(r.word)}) at pc ${hex(r.pc)}`,
        };
      case 'trap':
        return { kind: 'signal', signal: SIG.TRAP, reason: `trap instruction ${word(r.word)} at pc ${hex(r.pc)}` };
      case 'breakpoint':
        return { kind: 'signal', signal: SIG.TRAP, reason: `breakpoint at pc ${hex(r.pc)}` };
      case 'alignment':
        return {
          kind: 'signal',
          signal: SIG.BUS,
          reason: `unaligned ${r.access} at ${hex(r.address)} (pc ${hex(r.pc)})`,
        };
      case 'fp-exception':
        return {
          kind: 'signal',
          signal: SIG.FPE,
          reason: `floating-point exception (FPSCR 0x${r.fpscr.toString(16)}) at pc ${hex(r.pc)}`,
        };
      case 'facility-unavailable':
        return { kind: 'signal', signal: SIG.ILL, reason: `${r.facility} unavailable at pc ${hex(r.pc)}` };
    }
    return { kind: 'signal', signal: SIG.ILL, reason: `unexpected CPU stop ${(r as { kind: string }).kind}` };
  }
}

/** Load and run a program to completion; see ProcessOptions. Throws LinuxUserError for host problems. */
export function runProgram(opts: ProcessOptions): RunResult {
  const p = new LinuxProcess(opts);
  try {
    return p.run();
  } finally {
    p.dispose();
  }
}
