/**
 * The ppcvm-user command line (argument parsing and the run), separate from
 * the bin entry so tests can drive it in-process with their own descriptors.
 */
import * as fs from 'node:fs';
import type { CpuModelName } from '@ppcvm/ppc-cpu';
import { HWCAPS, SIG } from './abi.js';
import { DEBUG_CHANNELS, type DebugChannel } from './kernel.js';
import { LinuxUserError, runProgram } from './process.js';

const USAGE = `usage: ppcvm-user [options] program [arguments...]
Run a static ppc64le Linux program on the ppcvm POWER interpreter.

Options:
  -h, -help, --help       print this help and exit
  -version, --version     print the version and exit
  -cpu MODEL              CPU model: power7, power8 (default), power9 ("-cpu help" lists them)
  -d LIST, --debug LIST   debug output to stderr, comma-separated: ${DEBUG_CHANNELS.join(', ')}
                          (syscall: unsupported calls and features; strace: every system call;
                          exec: load addresses; signal: handler registrations)
  -strace                 same as -d strace
  -E VAR=VALUE            set VAR in the program's environment
  -U VAR                  remove VAR from the program's environment
  -0 ARGV0                use ARGV0 as argv[0] (default: program as given)
  -s SIZE                 stack size (default 8M)
  -m SIZE                 guest RAM (default 1G)

Paths are host paths. The exit status is the program's; a program killed by a
signal (fault, illegal instruction, ...) gives 128 + the signal number.`;

/**
 * The program's environment, kept the way qemu-user's envlist keeps it so that
 * `env` prints the same thing: setting a variable (re)inserts it at the front,
 * so the host's environment ends up reversed and -E additions come first.
 */
class EnvList {
  private entries: [string, string][] = [];

  set(k: string, v: string): void {
    this.delete(k);
    this.entries.unshift([k, v]);
  }

  delete(k: string): void {
    this.entries = this.entries.filter(([n]) => n !== k);
  }

  list(): string[] {
    return this.entries.map(([k, v]) => `${k}=${v}`);
  }
}

/** Thrown to leave with a host error (message already printed). */
class CliExit extends Error {}

export interface CliIo {
  /** Host fds: the program's stdin/stdout/stderr, and where help and messages go. */
  readonly stdio?: readonly [number, number, number];
  /** The host environment the program starts from; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

let errFd = 2;

function die(msg: string): never {
  fs.writeSync(errFd, `ppcvm-user: ${msg}\n`);
  throw new CliExit(msg);
}

function parseSize(s: string): number {
  const m = /^(\d+)([kKmMgG]?)$/.exec(s);
  if (!m) die(`bad size ${JSON.stringify(s)}`);
  const mult = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * mult;
}

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Run the CLI with `argv` (without node and script); returns the exit status. */
export function cliMain(argv: readonly string[], io: CliIo = {}): number {
  const stdio = io.stdio ?? [0, 1, 2];
  errFd = stdio[2];
  try {
    return parseAndRun(argv, stdio, io.env ?? process.env);
  } catch (e) {
    if (e instanceof CliExit) return 1;
    throw e;
  }
}

function parseAndRun(
  argv: readonly string[],
  stdio: readonly [number, number, number],
  hostEnv: Readonly<Record<string, string | undefined>>,
): number {
  const out = stdio[1];
  let cpu: CpuModelName = 'power8';
  const debug = new Set<DebugChannel>();
  const env = new EnvList();
  for (const [k, v] of Object.entries(hostEnv)) if (v !== undefined) env.set(k, v);
  let argv0: string | undefined;
  let stack: number | undefined;
  let memory: number | undefined;
  let i = 0;
  const value = (opt: string): string => {
    const v = argv[++i];
    if (v === undefined) die(`option ${opt} needs an argument`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    const opt = a.replace(/^--?/, '-');
    switch (opt) {
      case '-h':
      case '-help':
        fs.writeSync(out, `${USAGE}\n`);
        return 0;
      case '-version':
        fs.writeSync(out, `ppcvm-user ${version()}\n`);
        return 0;
      case '-cpu': {
        const m = value(a);
        if (m === 'help' || m === '?') {
          fs.writeSync(out, `${Object.keys(HWCAPS).join('\n')}\n`);
          return 0;
        }
        if (!(m in HWCAPS)) die(`unknown CPU model ${m} (try -cpu help)`);
        cpu = m as CpuModelName;
        break;
      }
      case '-d':
      case '-debug': {
        const list = value(a);
        if (list === 'help') {
          fs.writeSync(out, `${DEBUG_CHANNELS.join('\n')}\n`);
          return 0;
        }
        for (const item of list.split(',')) {
          if (!(DEBUG_CHANNELS as readonly string[]).includes(item)) {
            die(`unknown debug item ${item} (valid: ${DEBUG_CHANNELS.join(', ')})`);
          }
          debug.add(item as DebugChannel);
        }
        break;
      }
      case '-strace':
        debug.add('strace');
        break;
      case '-E': {
        const kv = value(a);
        const eq = kv.indexOf('=');
        if (eq <= 0) die(`-E needs VAR=VALUE, got ${JSON.stringify(kv)}`);
        env.set(kv.slice(0, eq), kv.slice(eq + 1));
        break;
      }
      case '-U':
        env.delete(value(a));
        break;
      case '-0':
        argv0 = value(a);
        break;
      case '-s':
        stack = parseSize(value(a));
        break;
      case '-m':
        memory = parseSize(value(a));
        break;
      default:
        die(`unknown option ${a} (try --help)`);
    }
  }
  const program = argv[i];
  if (program === undefined) {
    fs.writeSync(stdio[2], `${USAGE}\n`);
    return 1;
  }
  try {
    const r = runProgram({
      program,
      args: argv.slice(i + 1),
      argv0,
      env: env.list(),
      cpu,
      stackBytes: stack,
      memoryBytes: memory,
      debug,
      stdio,
      log: (l) => fs.writeSync(stdio[2], `${l}\n`),
    });
    // Like a shell, stay quiet about SIGPIPE (the normal end of a writer whose reader went away).
    if (r.reason !== null && r.signal !== SIG.PIPE) fs.writeSync(stdio[2], `ppcvm-user: ${r.reason}\n`);
    return r.status < 0 ? 1 : r.status;
  } catch (e) {
    if (e instanceof LinuxUserError || e instanceof RangeError) die(e.message);
    throw e;
  }
}
