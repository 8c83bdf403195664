/**
 * `ppcvm`: build the machine from the command line, wire the console (and the
 * monitor behind Ctrl-A c) to the terminal or pipes, serve gdb when asked
 * (-s, -gdb, -S), run, and turn the machine's exit into an exit status (see
 * HELP in ./args.ts).
 */
import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createLogger, type Logger, nullLogger } from '@ppcvm/machine-core';
import { formatChrpNvram, NVRAM_DEFAULT_SIZE } from '@ppcvm/spapr-vio';
import pkg from '../../package.json' with { type: 'json' };
import { VmmError } from '../errors.js';
import type { MachineExit } from '../exit.js';
import { MachineDebugTarget } from '../gdb/machine-target.js';
import { GdbServer } from '../gdb/server.js';
import { type GuestEnv, guestDir } from '../guest/paths.js';
import { Machine, type MmuFactory, seededRandom } from '../machine.js';
import { HELP, parseArgs, UsageError } from './args.js';
import { ConsoleMux, MonitorLine } from './console.js';
import { bootFiles, guestFetchCommand, guestPathCommand, prepareGuest } from './guest.js';
import { Monitor } from './monitor.js';

export const VERSION: string = pkg.version;

/** Exit statuses (documented in HELP). */
export const EXIT = { OK: 0, USAGE: 1, GUEST_TERMINATED: 2, EMULATION_FAILED: 3 } as const;

export interface CliInput {
  on(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Uint8Array | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
  readonly isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
}

export interface CliIo {
  readonly stdin: CliInput;
  readonly stdout: { write(data: Uint8Array | string): unknown };
  /** On a terminal (isTTY) guest fetches show a live percentage. */
  readonly stderr: { write(data: string): unknown; readonly isTTY?: boolean };
}

export interface CliDeps {
  /** The vCPU translator (tests inject one; the default is the machine's). */
  readonly mmu?: MmuFactory;
  readonly readFile?: (path: string) => Uint8Array;
  /** Register a handler for termination signals; returns a function that unregisters it. */
  readonly onSignal?: (handler: (signal: string) => void) => () => void;
  /**
   * Environment for the guest cache (XDG_CACHE_HOME, HOME, PPCVM_FIXTURES) and
   * the tools a fetch runs (PATH); default process.env.
   */
  readonly env?: GuestEnv;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').trim();
}

export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps = {}): Promise<number> {
  const err = (msg: string) => io.stderr.write(`ppcvm: ${msg}\n`);
  let cmd: ReturnType<typeof parseArgs>;
  try {
    cmd = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(e.message);
    io.stderr.write("Try 'ppcvm --help' for more information.\n");
    return EXIT.USAGE;
  }
  if (cmd.kind === 'help') {
    io.stdout.write(HELP);
    return EXIT.OK;
  }
  if (cmd.kind === 'version') {
    io.stdout.write(`ppcvm ${VERSION}\n`);
    return EXIT.OK;
  }
  if (cmd.kind === 'info') {
    io.stdout.write(cmd.text);
    return EXIT.OK;
  }
  const env = deps.env ?? process.env;
  if (cmd.kind === 'guest-fetch') return (await guestFetchCommand(cmd.refresh, env, io)) ? EXIT.OK : EXIT.USAGE;
  if (cmd.kind === 'guest-path') {
    guestPathCommand(cmd.file, env, io);
    return EXIT.OK;
  }
  const o = cmd.options;
  // No -kernel: the cached Debian guest, fetched first when it is not there.
  if (o.kernel === undefined && !(await prepareGuest(env, io))) return EXIT.USAGE;
  const boot = bootFiles(o, guestDir(env));
  const readFile = deps.readFile ?? ((p: string) => new Uint8Array(readFileSync(p)));
  const read = (what: string, path: string): Uint8Array | undefined => {
    try {
      return readFile(path);
    } catch (e) {
      err(`cannot read ${what} '${path}': ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  };
  const kernel = read('kernel', boot.kernel);
  if (!kernel) return EXIT.USAGE;
  const initrd = boot.initrd !== undefined ? read('initrd', boot.initrd) : undefined;
  if (boot.initrd !== undefined && !initrd) return EXIT.USAGE;

  const fds: number[] = [];
  const restore: (() => void)[] = [];
  let server: GdbServer | undefined;
  try {
    // NVRAM file: read it, or create a formatted one; guest stores are written back at once.
    let nvram: { data?: Uint8Array; onStore?: (data: Uint8Array, offset: number, length: number) => void } | undefined;
    if (o.nvram !== undefined) {
      const path = o.nvram;
      try {
        if (!existsSync(path)) {
          const fresh = new Uint8Array(NVRAM_DEFAULT_SIZE);
          formatChrpNvram(fresh);
          writeFileSync(path, fresh);
        }
        const data = new Uint8Array(readFileSync(path));
        const fd = openSync(path, 'r+');
        fds.push(fd);
        nvram = { data, onStore: (d, off, len) => void writeSync(fd, d, off, len, off) };
      } catch (e) {
        err(`cannot use NVRAM file '${path}': ${e instanceof Error ? e.message : String(e)}`);
        return EXIT.USAGE;
      }
    }

    let logger: Logger = nullLogger;
    if (o.log.length > 0) {
      if (o.logFile !== undefined) {
        let fd: number;
        try {
          fd = openSync(o.logFile, 'w');
        } catch (e) {
          err(`cannot open log file '${o.logFile}': ${e instanceof Error ? e.message : String(e)}`);
          return EXIT.USAGE;
        }
        fds.push(fd);
        logger = createLogger(o.log, (line) => void writeSync(fd, `${line}\n`));
      } else logger = createLogger(o.log, (line) => void io.stderr.write(`${line}\n`));
    }

    // One worker per vCPU by default with several; the gdbstub (and an injected MMU) need them
    // all on this thread. thread=single is the deterministic run.
    const debugging = o.gdb !== undefined || o.startStopped;
    if (o.thread === 'multi' && (debugging || deps.mmu)) {
      err('-accel thread=multi: the gdbstub (-s, -gdb, -S) needs every vCPU on one thread; drop thread=multi');
      return EXIT.USAGE;
    }
    const thread: 'single' | 'multi' = o.thread ?? (o.smp > 1 && !debugging && !deps.mmu ? 'multi' : 'single');

    let machine: Machine;
    try {
      machine = new Machine({
        kernel,
        initrd,
        cmdline: boot.cmdline,
        ramSize: o.ramSize,
        cpu: o.cpu,
        smp: o.smp,
        threads: o.threads,
        accel: o.accel,
        noReboot: o.noReboot,
        thread,
        ...(o.thread === 'single' ? { deterministic: { seed: o.seed ?? 0 } } : {}),
        ...(o.thread !== 'single' && o.seed !== undefined ? { random: seededRandom(o.seed), seed: o.seed } : {}),
        ...(deps.mmu ? { mmu: deps.mmu } : {}),
        logger,
        nvram,
        console: (bytes) => void io.stdout.write(bytes),
      });
    } catch (e) {
      if (!VmmError.is(e)) throw e;
      err(e.message);
      return EXIT.USAGE;
    }

    // -S: nothing runs until gdb's `continue` or the monitor's `cont`.
    if (o.startStopped) machine.hold('startup');
    const debug = o.gdb ? new MachineDebugTarget(machine) : undefined;
    const monitor = new Monitor({ machine, debug, version: VERSION });
    if (o.gdb) {
      server = new GdbServer(debug!, {
        host: o.gdb.host,
        port: o.gdb.port,
        monitor: (command) => monitor.execute(command),
      });
      try {
        const at = await server.listen();
        io.stderr.write(`ppcvm: gdbstub listening on tcp:${at.host}:${at.port}\n`);
      } catch (e) {
        server = undefined;
        const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : '';
        err(`${e instanceof Error ? e.message : String(e)}${cause}`);
        return EXIT.USAGE;
      }
    } else if (o.startStopped) {
      io.stderr.write("ppcvm: vCPUs stopped (-S): 'cont' in the monitor (Ctrl-A c) starts them\n");
    }

    // Console input: raw terminal (keys go to the guest, Ctrl-C included) or a pipe; Ctrl-A c
    // switches to the monitor on the same terminal (QEMU's mux).
    const write = (text: string) => void io.stdout.write(text);
    const prompt = new MonitorLine(
      write,
      (line) => monitor.execute(line),
      () => !machine.exitPending,
    );
    let bannerShown = false;
    const mux = new ConsoleMux({
      input: (b) => machine.consoleInput(b),
      quit: () => machine.quit(),
      help: (text) => io.stderr.write(text),
      focus: (to) => {
        if (to === 'guest') return;
        write('\r\n');
        if (!bannerShown) write(monitor.banner.replace(/\n/g, '\r\n'));
        bannerShown = true;
        prompt.showPrompt();
      },
      monitorInput: (b) => prompt.feed(b),
    });
    const onData = (chunk: Uint8Array | string) =>
      mux.feed(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    if (io.stdin.isTTY && io.stdin.setRawMode) {
      io.stdin.setRawMode(true);
      restore.push(() => io.stdin.setRawMode?.(false));
    }
    io.stdin.on('data', onData);
    io.stdin.resume();
    restore.push(() => {
      io.stdin.removeListener('data', onData);
      io.stdin.pause();
    });
    if (deps.onSignal) restore.push(deps.onSignal(() => machine.quit()));

    const exit: MachineExit = await machine.run();
    if (o.icountReport) {
      const counts = machine.instructionCounts();
      for (const [i, n] of counts.entries()) io.stderr.write(`ppcvm: icount cpu ${i}: ${n}\n`);
      io.stderr.write(`ppcvm: icount total: ${counts.reduce((a, b) => a + b, 0)}\n`);
    }
    // gdb gets its W/X stop reply before the connection closes.
    await server?.close();
    server = undefined;
    return report(exit, io);
  } finally {
    await server?.close(0);
    for (const r of restore.reverse()) r();
    for (const fd of fds) closeSync(fd);
  }
}

function report(exit: MachineExit, io: CliIo): number {
  switch (exit.kind) {
    case 'power-off':
    case 'reboot':
      return EXIT.OK;
    case 'quit':
      io.stderr.write('\nppcvm: terminated\n');
      return EXIT.OK;
    case 'os-term':
      io.stderr.write(`\nppcvm: guest OS terminated: ${oneLine(exit.message) || '(no message)'}\n`);
      return EXIT.GUEST_TERMINATED;
    case 'error':
      io.stderr.write(`\nppcvm: emulation stopped: ${oneLine(exit.message)}\n`);
      return EXIT.EMULATION_FAILED;
  }
}
