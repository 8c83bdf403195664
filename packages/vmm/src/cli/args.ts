/**
 * The `ppcvm` command line, spelled as qemu-system-ppc64's (`-kernel`,
 * `-initrd`, `-append`, `-m`, `-smp`, `-cpu`, `-accel`, `-nographic`,
 * `-no-reboot`, `-d`, `-D`, `-s`, `-S`, `-gdb`), each option with one or two
 * leading dashes.
 */
import type { LogCategory } from '@ppcvm/machine-core';
import type { CpuModelName } from '@ppcvm/ppc-cpu';
import { CPU_MODELS, isCpuModelName } from '../cpu-models.js';
import { VmmError } from '../errors.js';
import type { GuestFileName } from '../guest/paths.js';
import { DEFAULT_RAM_SIZE, MAX_VCPUS, maxThreadsPerCore, RAM_ALIGN } from '../machine.js';

/** The categories something in the machine logs today. */
export const LOG_CATEGORIES: readonly LogCategory[] = [
  'int',
  'hcall',
  'rtas',
  'mmu',
  'unimp',
  'guest_errors',
  'exec',
  'in_asm',
];
/** Categories QEMU has that nothing here produces yet: refused with a clear message. */
const LOG_NOT_YET: readonly string[] = ['cpu', 'op'];

const LOG_HELP: Partial<Record<LogCategory, string>> = {
  int: 'interrupts the CPU takes',
  hcall: 'every hypercall and its result',
  rtas: 'every RTAS call and its result',
  mmu: 'page-table hypercalls and storage (translation) faults',
  unimp: 'hypercalls and features ppcvm does not implement',
  guest_errors: 'guest mistakes (bad hcall or RTAS arguments, illegal instructions)',
  exec: "each block of instructions executed, with the kernel's symbol (slow)",
  in_asm: 'each instruction when first decoded, disassembled, with its symbol',
};

/** Where the gdbstub listens (-s, -gdb tcp:HOST:PORT). */
export interface GdbListen {
  readonly host: string;
  readonly port: number;
}

/** QEMU's `-s`: -gdb tcp::1234 (here on the loopback interface). */
export const DEFAULT_GDB: GdbListen = { host: '127.0.0.1', port: 1234 };

/**
 * Parse a -gdb device: `tcp:HOST:PORT`, `tcp::PORT` or a bare `PORT` (loopback; a debugger
 * can read and write all guest memory, so other interfaces only when named), `tcp:[IPv6]:PORT`,
 * or `none`.
 */
export function parseGdbDevice(text: string): GdbListen | undefined {
  if (text === 'none') return undefined;
  const m = /^(?:tcp:(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]*)):)?(\d+)$/.exec(text);
  if (!m) throw new UsageError(`invalid -gdb '${text}' (tcp:HOST:PORT, tcp::PORT or PORT)`);
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port > 65535) throw new UsageError(`invalid -gdb port '${m[3]}'`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? DEFAULT_GDB.host : host, port };
}

/**
 * QEMU's `-smp [cpus=]N[,sockets=S][,cores=C][,threads=T][,maxcpus=M]`. Missing counts are
 * derived as QEMU does (cores from N / (sockets * threads)); N defaults to their product. The
 * threads of a core must be a power of two within the model's SMT width, and N must fill
 * whole cores (pseries has no partial cores).
 */
export function parseSmp(text: string, model: CpuModelName): { smp: number; threads: number } {
  const fields = new Map<string, number>();
  const parts = text.split(',');
  for (const [i, part] of parts.entries()) {
    const m = /^(?:(cpus|sockets|cores|threads|maxcpus|dies|clusters)=)?(\d+)$/.exec(part);
    const key = m?.[1] ?? (i === 0 ? 'cpus' : undefined);
    if (!m || key === undefined || fields.has(key)) throw new UsageError(`invalid -smp '${text}'`);
    fields.set(key, Number(m[2]));
  }
  const threads = fields.get('threads') ?? 1;
  const sockets = fields.get('sockets') ?? 1;
  let cpus = fields.get('cpus');
  const cores = fields.get('cores') ?? (cpus !== undefined ? Math.ceil(cpus / (sockets * threads)) : 1);
  cpus ??= sockets * cores * threads;
  const max = maxThreadsPerCore(model);
  if (threads < 1 || threads > max || (threads & (threads - 1)) !== 0) {
    throw new UsageError(`-smp threads=${threads}: ${model} cores have 1, 2${max > 4 ? ', 4 or 8' : ' or 4'} threads`);
  }
  if (cpus < 1) throw new UsageError('-smp needs at least one CPU');
  if (cpus > MAX_VCPUS) throw new UsageError(`-smp ${cpus}: at most ${MAX_VCPUS} CPUs`);
  if (cpus % threads !== 0) throw new UsageError(`-smp ${cpus} is not a multiple of threads=${threads}`);
  if (cpus > sockets * cores * threads) {
    throw new UsageError(`-smp ${cpus} is more than sockets*cores*threads (${sockets * cores * threads})`);
  }
  const maxcpus = fields.get('maxcpus');
  if (maxcpus !== undefined && maxcpus !== cpus) throw new UsageError('-smp maxcpus (CPU hotplug) is not implemented');
  return { smp: cpus, threads };
}

export interface CliOptions {
  /** The kernel file; absent: boot the cached Debian guest (fetched first if missing). */
  readonly kernel?: string;
  /** The initrd file; with no kernel it replaces the cached guest's initrd.gz. */
  readonly initrd?: string;
  /** -append as given; with no kernel it follows the guest's own `console=hvc0`. */
  readonly append: string;
  readonly ramSize: number;
  readonly smp: number;
  /** -smp threads=T: hardware threads per core (1 unless given). */
  readonly threads: number;
  readonly cpu: CpuModelName;
  readonly accel: 'hv' | 'pr';
  /**
   * -accel MODE,thread=single: all vCPUs on one thread, deterministically (instruction-count
   * time base, seeded random numbers, no console input). Absent: the default host-timed run.
   */
  readonly thread?: 'single' | 'multi';
  /** -seed N: seed of H_RANDOM and rng-seed (deterministic mode defaults to 0). */
  readonly seed?: number;
  /** -icount-report: print each vCPU's instruction count and the total to stderr at exit. */
  readonly icountReport?: boolean;
  readonly noReboot: boolean;
  readonly log: readonly LogCategory[];
  readonly logFile?: string;
  readonly nvram?: string;
  /** -s / -gdb: serve gdb on this address. */
  readonly gdb?: GdbListen;
  /** -S: start with the vCPUs stopped (gdb's `continue` or the monitor's `cont` starts them). */
  readonly startStopped: boolean;
}

export type ParsedCommand =
  | { readonly kind: 'run'; readonly options: CliOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  /** `-cpu help` / `-d help` / `guest help`: print this text and exit 0. */
  | { readonly kind: 'info'; readonly text: string }
  /** `ppcvm guest fetch [--refresh]`. */
  | { readonly kind: 'guest-fetch'; readonly refresh: boolean }
  /** `ppcvm guest path [FILE]`: all paths, or the one of FILE. */
  | { readonly kind: 'guest-path'; readonly file?: GuestFileName };

/** A command-line mistake: printed as `ppcvm: <message>`, exit status 1. */
export class UsageError extends VmmError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const HELP = `Usage: ppcvm [options]                  boot the cached Debian guest to a shell
       ppcvm -kernel FILE [options]    boot your own kernel
       ppcvm guest fetch [--refresh]   download and prepare the Debian guest
       ppcvm guest path [FILE]         print where the guest is cached

Run a POWER (ppc64) pseries guest: the kernel is entered directly, with the
device tree in r3, as QEMU's pseries machine does.

With no -kernel, ppcvm boots Debian's ppc64el kernel with a busybox initramfs
from its cache ($XDG_CACHE_HOME/ppcvm/guest, else ~/.cache/ppcvm/guest), on the
command line 'console=hvc0' plus -append. The first run fetches them with the
host's apt (as 'ppcvm guest fetch' does); -initrd replaces the initramfs.

Options (one or two leading dashes):
  -kernel FILE     ELF kernel image (vmlinux), big- or little-endian
  -initrd FILE     initial RAM disk, loaded after the kernel
  -append STRING   kernel command line
  -m SIZE          RAM size, a multiple of 256M (default 512M); suffixes K, M, G, T
  -smp N[,cores=C][,threads=T]
                   number of vCPUs; T threads per core (power of two, <= 8, POWER7 <= 4)
  -cpu MODEL       power7, power8 (default) or power9; '-cpu help' lists them
  -accel MODE      hv (default): the CPU emulates the hypervisor facilities;
                   pr: the guest kernel runs in problem state, privileged
                   instructions are emulated (KVM PR style, paravirt page offered)
  -accel MODE,thread=single
                   run all vCPUs round-robin on one thread, deterministically:
                   the time base counts executed instructions (idle time jumps
                   to the next timer), the RTC starts at 2024-01-01T00:00:00Z,
                   random numbers come from -seed, console input is ignored;
                   two runs with the same inputs give the same output.
  -accel MODE,thread=multi
                   one worker thread per vCPU over shared guest RAM: the
                   default with -smp N > 1 (unless a gdbstub is asked for,
                   which needs every vCPU on one thread)
  -seed N          seed (0 to 2^32-1) of the guest's random numbers (H_RANDOM,
                   rng-seed); default 0 with thread=single, else host random
  -icount-report   at exit, print each vCPU's instruction count and the total
                   to standard error
  -M pseries       the machine type (the only one)
  -nographic       console on this terminal (the default and only display)
  -no-reboot       exit when the guest reboots instead of restarting it
  -nvram FILE      keep the NVRAM in FILE (created, 64 KiB, if missing)
  -d LIST          log categories, comma separated; '-d help' lists them
  -D FILE          write the log to FILE instead of standard error
  -s               shorthand for -gdb tcp:127.0.0.1:1234
  -gdb DEV         serve gdb on DEV: tcp:HOST:PORT, tcp::PORT or PORT
                   (loopback unless HOST names another interface)
  -S               start with the vCPUs stopped: gdb's 'continue' (or the
                   monitor's 'cont') starts them
  -h, --help       this help
  --version        print the version

Console: the guest's hvc0. Press Ctrl-A then x to quit, Ctrl-A h for help,
Ctrl-A c to switch to the (ppcvm) monitor and back, Ctrl-A Ctrl-A to send
Ctrl-A itself. In the Debian guest, 'poweroff -f' ends ppcvm too.

Debugging: ppcvm -s -S -kernel vmlinux ..., then
  gdb-multiarch vmlinux -ex 'target remote :1234'
gdb 'kill' ends ppcvm (status 0), 'detach' lets the guest run on.

Exit status: 0 when the guest powers off (or reboots with -no-reboot, or you
quit), 1 for a bad command line, an unreadable file or a guest that cannot be
fetched, 2 when the guest OS terminates itself (ibm,os-term, e.g. a kernel
panic), 3 when emulation cannot continue (an unimplemented instruction or an
internal error).
`;

export const GUEST_HELP = `Usage: ppcvm guest fetch [--refresh]
       ppcvm guest path [vmlinux|busybox|initrd|manifest]

fetch   Download Debian's ppc64el kernel (linux-image-<abi>-powerpc64le, the
        one linux-image-powerpc64le depends on) and busybox-static with the
        host's apt-get (private apt state; the host is not changed), check
        them, write manifest.json and build initrd.gz. Nothing is downloaded
        when the cache is complete, or when the test fixtures ($PPCVM_FIXTURES,
        else <cache>/fixtures) already hold them; --refresh asks apt for newer
        packages. Without apt it says which files to place where.
path    Print the cache directory and its files (or just FILE's path).

The cache is $XDG_CACHE_HOME/ppcvm/guest, else ~/.cache/ppcvm/guest.
`;

/** Parse a QEMU size: a number with an optional K/M/G/T suffix; a bare number is MiB. */
export function parseSize(text: string): number {
  const m = /^(?:size=)?(\d+(?:\.\d+)?)([kKmMgGtT]?)[bB]?$/.exec(text.trim());
  if (!m) throw new UsageError(`invalid size '${text}'`);
  const mult = { '': 2 ** 20, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase()]!;
  const n = Number(m[1]) * mult;
  if (!Number.isSafeInteger(n)) throw new UsageError(`invalid size '${text}'`);
  return n;
}

const WITH_VALUE = new Set([
  'kernel',
  'initrd',
  'append',
  'm',
  'smp',
  'cpu',
  'accel',
  'd',
  'D',
  'nvram',
  'M',
  'machine',
  'gdb',
  'seed',
]);
const FLAGS = new Set(['nographic', 'no-reboot', 'h', 'help', 'version', 's', 'S', 'icount-report']);

/**
 * QEMU's `-accel NAME[,thread=single|multi]`: NAME hv or pr. thread=single asks for the
 * deterministic single-threaded run, thread=multi for one worker thread per vCPU.
 */
export function parseAccel(text: string): { accel: 'hv' | 'pr'; thread?: 'single' | 'multi' } {
  const [accel, ...props] = text.split(',');
  if (accel !== 'hv' && accel !== 'pr') throw new UsageError(`unknown accelerator '${accel}' (hv or pr)`);
  let thread: 'single' | 'multi' | undefined;
  for (const p of props) {
    const m = /^([\w-]+)=(.*)$/.exec(p);
    if (m?.[1] !== 'thread') throw new UsageError(`unknown -accel property '${p}' (thread=single or thread=multi)`);
    if (m[2] !== 'single' && m[2] !== 'multi')
      throw new UsageError(`invalid -accel thread='${m[2]}' (single or multi)`);
    thread = m[2];
  }
  return thread ? { accel, thread } : { accel };
}

const GUEST_PATH_NAMES: Record<string, GuestFileName> = {
  vmlinux: 'vmlinux',
  kernel: 'vmlinux',
  busybox: 'busybox',
  initrd: 'initrd',
  'initrd.gz': 'initrd',
  manifest: 'manifest',
  'manifest.json': 'manifest',
};

function parseGuestArgs(argv: readonly string[]): ParsedCommand {
  const [sub, ...rest] = argv;
  const isHelp = (a: string | undefined) => a === 'help' || a === '-h' || a === '--help' || a === '-help';
  if (sub === undefined) throw new UsageError("'ppcvm guest' needs a subcommand: fetch or path ('ppcvm guest help')");
  if (isHelp(sub) || rest.some(isHelp)) return { kind: 'info', text: GUEST_HELP };
  if (sub === 'fetch') {
    let refresh = false;
    for (const a of rest) {
      if (a === '--refresh' || a === '-refresh') refresh = true;
      else throw new UsageError(`unexpected argument '${a}' for 'ppcvm guest fetch' (only --refresh)`);
    }
    return { kind: 'guest-fetch', refresh };
  }
  if (sub === 'path') {
    if (rest.length === 0) return { kind: 'guest-path' };
    const file = rest.length === 1 ? GUEST_PATH_NAMES[rest[0]!] : undefined;
    if (!file) throw new UsageError(`'ppcvm guest path' takes one of vmlinux, busybox, initrd, manifest`);
    return { kind: 'guest-path', file };
  }
  throw new UsageError(`unknown guest subcommand '${sub}' (fetch or path)`);
}

export function parseArgs(argv: readonly string[]): ParsedCommand {
  if (argv[0] === 'guest') return parseGuestArgs(argv.slice(1));
  const seen = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/.exec(arg);
    if (!m) {
      throw new UsageError(`unexpected argument '${arg}' (options start with '-'; subcommands: 'ppcvm guest …')`);
    }
    const name = m[1]!;
    if (FLAGS.has(name)) {
      if (m[2] !== undefined) throw new UsageError(`option -${name} takes no value`);
      flags.add(name);
      continue;
    }
    if (!WITH_VALUE.has(name)) throw new UsageError(`unknown option '${arg}'`);
    let value = m[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`option -${name} needs a value`);
    }
    seen.set(name === 'machine' ? 'M' : name, value);
  }
  if (flags.has('h') || flags.has('help')) return { kind: 'help' };
  if (flags.has('version')) return { kind: 'version' };

  const cpuArg = (seen.get('cpu') ?? 'power8').toLowerCase();
  if (cpuArg === 'help' || cpuArg === '?') {
    const lines = Object.values(CPU_MODELS).map(
      (c) =>
        `  ${c.name.padEnd(8)} PVR 0x${c.pvr.toString(16).padStart(8, '0')}${c.name === 'power8' ? ' (default)' : ''}`,
    );
    return { kind: 'info', text: `Available CPUs:\n${lines.join('\n')}\n` };
  }
  const logArg = seen.get('d');
  if (logArg === 'help' || logArg === '?') {
    const lines = LOG_CATEGORIES.map((c) => `  ${c.padEnd(13)} ${LOG_HELP[c]}`);
    return { kind: 'info', text: `Log categories (-d a,b,...):\n${lines.join('\n')}\n` };
  }

  const machine = seen.get('M');
  if (machine !== undefined && machine.split(',')[0] !== 'pseries') {
    throw new UsageError(`unsupported machine '${machine}' (only pseries)`);
  }
  const kernel = seen.get('kernel');
  if (!isCpuModelName(cpuArg)) {
    throw new UsageError(`unknown CPU model '${seen.get('cpu')}' (power7, power8 or power9; '-cpu help' lists them)`);
  }
  const ramSize = seen.has('m') ? parseSize(seen.get('m')!) : DEFAULT_RAM_SIZE;
  if (ramSize < RAM_ALIGN || ramSize % RAM_ALIGN !== 0) {
    throw new UsageError(`RAM size ${seen.get('m')} is not a multiple of 256M`);
  }
  const { smp, threads } = parseSmp(seen.get('smp') ?? '1', cpuArg);
  const { accel, thread } = parseAccel(seen.get('accel') ?? 'hv');
  const seedArg = seen.get('seed');
  let seed: number | undefined;
  if (seedArg !== undefined) {
    seed = /^\d+$/.test(seedArg) ? Number(seedArg) : Number.NaN;
    if (!(seed <= 0xffffffff)) throw new UsageError(`invalid -seed '${seedArg}' (0 to 4294967295)`);
  }
  const log: LogCategory[] = [];
  if (logArg !== undefined && logArg !== '') {
    for (const c of logArg.split(',')) {
      if (LOG_NOT_YET.includes(c)) throw new UsageError(`log category '${c}' is not implemented yet`);
      if (!(LOG_CATEGORIES as readonly string[]).includes(c)) {
        throw new UsageError(`unknown log category '${c}' ('-d help' lists them)`);
      }
      log.push(c as LogCategory);
    }
  }
  return {
    kind: 'run',
    options: {
      kernel,
      initrd: seen.get('initrd'),
      append: seen.get('append') ?? '',
      ramSize,
      smp,
      threads,
      cpu: cpuArg,
      accel,
      ...(thread ? { thread } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(flags.has('icount-report') ? { icountReport: true } : {}),
      noReboot: flags.has('no-reboot'),
      log,
      logFile: seen.get('D'),
      nvram: seen.get('nvram'),
      gdb: seen.has('gdb') ? parseGdbDevice(seen.get('gdb')!) : flags.has('s') ? DEFAULT_GDB : undefined,
      startStopped: flags.has('S'),
    },
  };
}
