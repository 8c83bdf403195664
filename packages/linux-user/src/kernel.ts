/**
 * The emulated Linux kernel: ppc64 system calls on top of Node's host APIs.
 *
 * Calling convention (Linux Documentation/powerpc/syscall64-abi.rst, `sc`):
 * r0 = number, r3..r8 = arguments; on return r3 = result, or r3 = positive
 * errno with CR0[SO] set. Every other register is left as it was.
 *
 * Paths are host paths (like qemu-user without -L). Relative lookups use
 * /proc/self/fd/<host fd> of the directory descriptor, which gives the
 * kernel's *at() semantics (symlinks and "..") without changing the host
 * process's working directory.
 *
 * Everything a guest passes is checked: a bad pointer gives EFAULT, a bad
 * length or flag EINVAL, and no guest input can raise a host exception.
 */
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as tty from 'node:tty';
import { Access, type Cpu, layout } from '@ppcvm/ppc-cpu';
import {
  AT,
  DEFAULT_IGNORED,
  F,
  IOCTL,
  MAP,
  MREMAP,
  NR,
  O,
  PAGE_SIZE,
  PROT,
  SIG,
  signalName,
  syscallName,
} from './abi.js';
import { E, errnoName, hostErrno } from './errno.js';
import { type DirEntry, FdTable, OpenFile, PipeBuffer } from './files.js';
import { type AddressSpace, GuestOutOfMemory, USER_LIMIT } from './memory.js';
import {
  decodeTermios,
  encodeStat,
  encodeStatx,
  encodeSysinfo,
  encodeTermios,
  encodeUtsname,
  formatSttyG,
  type HostTermios,
  parseSttyG,
} from './structs.js';

/** Debug channels for `-d`. */
export const DEBUG_CHANNELS = ['syscall', 'strace', 'exec', 'signal'] as const;
export type DebugChannel = (typeof DEBUG_CHANNELS)[number];

/** An execve() the kernel has validated, for the process to carry out. */
export interface ExecRequest {
  /** Host path of the file to run. */
  readonly path: Buffer;
  /** The path as the guest passed it (AT_EXECFN). */
  readonly filename: Uint8Array;
  readonly argv: readonly Uint8Array[];
  readonly envp: readonly Uint8Array[];
}

/** What the process needs to tell the kernel after replacing its image. */
export interface ExecResult {
  readonly programPath: string;
  readonly argv: readonly Uint8Array[];
  readonly brk: number;
  readonly auxv: Uint8Array;
}

/** How the guest process ended. */
export type Termination =
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'signal'; readonly signal: number; readonly reason: string };

export interface KernelOptions {
  readonly memory: AddressSpace;
  /** Host path of the program (for /proc/self/exe). */
  readonly programPath: string;
  readonly argv: readonly (string | Uint8Array)[];
  /** Host fds behind guest fds 0, 1, 2. */
  readonly stdio: readonly [number, number, number];
  /** Close those host fds when the guest closes its last reference (CLI); default false. */
  readonly ownStdio?: boolean;
  /** Initial working directory; default the host process's. */
  readonly cwd?: string;
  readonly debug?: ReadonlySet<DebugChannel>;
  readonly log?: (line: string) => void;
  /** Initial program break (page aligned end of the image). */
  readonly brk: number;
  /** mmap allocations go below this address. */
  readonly mmapTop: number;
  /** Bytes of /proc/self/auxv. */
  readonly auxv: Uint8Array;
}

const TWO32 = 4294967296;
const CR_SO = 0x10000000; // CR0[SO]: CR bit 3 (big-endian numbering) of the 32-bit CR
const PATH_MAX = 4096;
const IOV_MAX = 1024;
/** Largest single host I/O a system call performs (a short count is legal for read/write). */
const MAX_IO = 16 << 20;
const S_IFMT = 0o170000;
const S_IFIFO = 0o010000;
const S_IFREG = 0o100000;
const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;
const FD_CLOEXEC = 1;
const RLIM_INFINITY = 2n ** 64n - 1n;

/** Host open(2) flag for each guest flag bit (Linux hosts; O_PATH/O_TMPFILE have no fs.constants entry). */
function hostOpenFlags(g: number): number {
  const c = fs.constants;
  let h = g & O.ACCMODE;
  const pairs: [number, number | undefined][] = [
    [O.CREAT, c.O_CREAT],
    [O.EXCL, c.O_EXCL],
    [O.NOCTTY, c.O_NOCTTY],
    [O.TRUNC, c.O_TRUNC],
    [O.APPEND, c.O_APPEND],
    [O.NONBLOCK, c.O_NONBLOCK],
    [O.DSYNC, c.O_DSYNC],
    [O.DIRECTORY, c.O_DIRECTORY],
    [O.NOFOLLOW, c.O_NOFOLLOW],
    [O.DIRECT, c.O_DIRECT],
    [O.NOATIME, c.O_NOATIME],
    [O.SYNC & ~O.DSYNC, c.O_SYNC !== undefined && c.O_DSYNC !== undefined ? c.O_SYNC & ~c.O_DSYNC : undefined],
    [O.PATH, 0o10000000],
    [O.TMPFILE & ~O.DIRECTORY, 0o20000000],
  ];
  for (const [gb, hb] of pairs) if (g & gb && hb !== undefined) h |= hb;
  return h;
}

interface SigAction {
  handler: bigint;
  flags: bigint;
  restorer: bigint;
  mask: bigint;
}

/** Minimal BigIntStats-compatible shape for synthesized files (pipes, /proc/self/*). */
/**
 * Guest status flags of a host fd we did not open, from /proc/self/fdinfo
 * ("flags:" in octal, host encoding): access mode, O_APPEND, O_NONBLOCK.
 */
function inheritedFlags(hostFd: number): number {
  try {
    const m = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${hostFd}`, 'latin1'));
    if (m) {
      const h = Number.parseInt(m[1]!, 8);
      const c = fs.constants;
      return (h & O.ACCMODE) | (h & c.O_APPEND ? O.APPEND : 0) | (h & c.O_NONBLOCK ? O.NONBLOCK : 0);
    }
  } catch {
    // fall through
  }
  return O.RDWR;
}

function fakeStats(mode: number, size = 0n): fs.BigIntStats {
  const now = BigInt(Date.now()) * 1_000_000n;
  const o = {
    dev: 0n,
    ino: 0n,
    mode: BigInt(mode),
    nlink: 1n,
    uid: BigInt(process.getuid?.() ?? 0),
    gid: BigInt(process.getgid?.() ?? 0),
    rdev: 0n,
    size,
    blksize: 4096n,
    blocks: 0n,
    atimeNs: now,
    mtimeNs: now,
    ctimeNs: now,
    birthtimeNs: 0n,
  };
  return o as unknown as fs.BigIntStats;
}

export class Kernel {
  readonly memory: AddressSpace;
  readonly fds: FdTable;
  termination: Termination | null = null;
  /** System calls served. */
  syscalls = 0;

  private cpu: Cpu | null = null;
  private readonly debug: ReadonlySet<DebugChannel>;
  private readonly log: (line: string) => void;
  private programPath: string;
  private argv: readonly (string | Uint8Array)[];
  private auxvBytes: Uint8Array;
  /**
   * Replaces the program image (set by LinuxProcess). Returns -errno while the old
   * image is intact, 0 after replacing it.
   */
  execHandler: ((req: ExecRequest) => number) | null = null;
  private cwd: OpenFile;
  private umaskValue: number;
  private brkStart: number;
  private brkCur: number;
  private readonly mmapTopVpn: number;
  private mmapCursor: number;
  private readonly sigactions: SigAction[] = [];
  private sigmask = 0n;
  private altstack: Uint8Array = new Uint8Array(24);
  private processName: Uint8Array;
  private readonly rlimits = new Map<number, [bigint, bigint]>();
  private scratch = new Uint8Array(1 << 16);
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4));
  private readonly wallNs0 = BigInt(Date.now()) * 1_000_000n;
  private readonly hr0 = process.hrtime.bigint();

  constructor(opts: KernelOptions) {
    this.memory = opts.memory;
    this.debug = opts.debug ?? new Set();
    this.log = opts.log ?? ((l) => fs.writeSync(2, `${l}\n`));
    this.programPath = opts.programPath;
    this.argv = opts.argv;
    this.auxvBytes = opts.auxv;
    this.fds = new FdTable();
    for (let i = 0; i < 3; i++) {
      const f = this.hostFile(opts.stdio[i]!, opts.ownStdio ?? false);
      if (f) this.fds.installAt(i, f, false);
    }
    const cwdPath = opts.cwd ?? process.cwd();
    const cwdFd = fs.openSync(cwdPath, hostOpenFlags(O.PATH | O.DIRECTORY));
    this.cwd = new OpenFile('host', O.PATH | O.DIRECTORY, cwdFd, true, { isDir: true, path: cwdPath }).retain();
    this.umaskValue = process.umask();
    this.brkStart = this.brkCur = opts.brk;
    this.mmapTopVpn = Math.floor(opts.mmapTop / PAGE_SIZE);
    this.mmapCursor = this.mmapTopVpn;
    for (let i = 0; i <= 64; i++) this.sigactions.push({ handler: 0n, flags: 0n, restorer: 0n, mask: 0n });
    this.processName = new TextEncoder().encode(
      String(opts.argv[0] ?? '')
        .split('/')
        .pop()!
        .slice(0, 15),
    );
    this.rlimits.set(3, [8n << 20n, RLIM_INFINITY]); // RLIMIT_STACK
    this.rlimits.set(7, [1024n, 4096n]); // RLIMIT_NOFILE
  }

  /** Describe a host fd as an open file (stdio). */
  /** Describe an inherited host fd (stdio) as an open file; null when it is not open. */
  private hostFile(hostFd: number, owns: boolean): OpenFile | null {
    let st: fs.Stats;
    try {
      st = fs.fstatSync(hostFd);
    } catch {
      return null; // closed on the host: closed for the guest too
    }
    return new OpenFile('host', inheritedFlags(hostFd) | O.LARGEFILE, hostFd, owns, {
      isDir: st.isDirectory(),
      seekable: st.isFile() || st.isBlockDevice(),
      isTty: tty.isatty(hostFd),
      isCharDev: st.isCharacterDevice(),
      inherited: true,
    });
  }

  /** Connect to the CPU whose `sc` calls we serve. */
  attach(cpu: Cpu): void {
    this.cpu = cpu;
  }

  /** Release host resources (fds). */
  dispose(): void {
    this.fds.closeAll();
    this.cwd.release();
  }

  // ---- entry --------------------------------------------------------------------------------

  /** The Cpu's `syscall` hook. */
  syscall(cpu: Cpu, lev: number): void {
    this.cpu = cpu;
    const s = cpu.s;
    if (lev !== 0) {
      // sc 1 is a hypervisor call: privileged in problem state (Book III-S §6.5.9).
      this.terminate(SIG.ILL, `sc ${lev} (hypervisor call) in user mode`);
      return;
    }
    this.syscalls++;
    const nr = s[1] === 0 ? s[0]! >>> 0 : -1;
    let r: number;
    try {
      r = this.dispatch(nr);
    } catch (e) {
      if (e instanceof GuestOutOfMemory) throw e;
      const code = (e as { code?: unknown } | null)?.code;
      if (typeof code !== 'string') throw e;
      r = -hostErrno(e);
    }
    if (this.debug.has('strace')) {
      const args = [3, 4, 5, 6, 7, 8].map((i) => `0x${cpu.getGpr(i).toString(16)}`).join(', ');
      this.log(`${syscallName(nr)}(${args}) = ${r < 0 && r >= -4095 ? `-1 ${errnoName(-r)}` : `0x${r.toString(16)}`}`);
    }
    if (r < 0 && r >= -4095) {
      this.setReg(3, -r);
      s[layout.CR] = s[layout.CR]! | CR_SO;
    } else {
      this.setReg(3, r);
      s[layout.CR] = s[layout.CR]! & ~CR_SO;
    }
  }

  /** End the process with an exit status (as exit_group does). */
  exitNow(code: number): void {
    this.exit(code);
  }

  /** Host fds standing for guest descriptors 0..n (for running a host program); 'ignore' where none. */
  hostDescriptors(): (number | 'ignore')[] {
    const out: (number | 'ignore')[] = [];
    for (const fd of this.fds.list()) {
      const f = this.fds.get(fd)!;
      while (out.length < fd) out.push('ignore');
      out[fd] = f.kind === 'host' && !this.fds.cloexec(fd) && f.hostFd >= 0 ? f.hostFd : 'ignore';
    }
    while (out.length < 3) out.push('ignore');
    return out;
  }

  /** Host path of the guest's working directory, or null if it no longer has one. */
  cwdPath(): string | null {
    try {
      const p = fs.readlinkSync(`/proc/self/fd/${this.cwd.hostFd}`);
      return p.startsWith('/') ? p : null;
    } catch {
      return null;
    }
  }

  /** Stop the process as if killed by `sig`. */
  terminate(signal: number, reason: string): void {
    if (this.termination) return;
    this.termination = { kind: 'signal', signal, reason };
    this.cpu?.requestStop({ kind: 'requested', reason: `${signalName(signal)}: ${reason}` });
  }

  private exit(code: number): number {
    if (!this.termination) this.termination = { kind: 'exit', code: code & 0xff };
    this.cpu?.requestStop({ kind: 'exit', code: code & 0xff });
    return 0;
  }

  // ---- registers and arguments ----------------------------------------------------------------

  private get s(): Int32Array {
    return this.cpu!.s;
  }

  /** GPR r as an unsigned number (exact below 2^53; anything larger is not a valid address or size). */
  private u64(r: number): number {
    const s = this.s;
    return (s[2 * r + 1]! >>> 0) * TWO32 + (s[2 * r]! >>> 0);
  }

  /** GPR r as a signed 64-bit number. */
  private s64(r: number): number {
    const s = this.s;
    return (s[2 * r + 1]! | 0) * TWO32 + (s[2 * r]! >>> 0);
  }

  /** GPR r's low word as a C int. */
  private int(r: number): number {
    return this.s[2 * r]! | 0;
  }

  /** GPR r's low word as an unsigned int. */
  private uint(r: number): number {
    return this.s[2 * r]! >>> 0;
  }

  private setReg(r: number, v: number): void {
    const s = this.s;
    s[2 * r] = v | 0;
    s[2 * r + 1] = v < 0 ? -1 : Math.floor(v / TWO32) | 0;
  }

  private note(msg: string): void {
    if (this.debug.has('syscall')) this.log(`ppcvm-user: ${msg}`);
  }

  // ---- dispatch -----------------------------------------------------------------------------

  private dispatch(nr: number): number {
    switch (nr) {
      // files: I/O
      case NR.read:
        return this.read(this.int(3), this.u64(4), this.u64(5), null);
      case NR.write:
        return this.write(this.int(3), this.u64(4), this.u64(5), null);
      case NR.pread64:
        return this.pread(this.int(3), this.u64(4), this.u64(5), this.s64(6), false);
      case NR.pwrite64:
        return this.pread(this.int(3), this.u64(4), this.u64(5), this.s64(6), true);
      case NR.readv:
        return this.readv(this.int(3), this.u64(4), this.int(5), null, false);
      case NR.writev:
        return this.readv(this.int(3), this.u64(4), this.int(5), null, true);
      case NR.preadv:
      case NR.preadv2:
        return this.readv(this.int(3), this.u64(4), this.int(5), this.s64(6), false);
      case NR.pwritev:
      case NR.pwritev2:
        return this.readv(this.int(3), this.u64(4), this.int(5), this.s64(6), true);
      case NR.lseek:
        return this.lseek(this.int(3), this.s64(4), this.int(5));
      case NR._llseek:
        return this.llseek();
      case NR.sendfile:
        return this.sendfile(this.int(3), this.int(4), this.u64(5), this.u64(6));
      case NR.copy_file_range:
        return this.copyFileRange();
      case NR.getdents64:
        return this.getdents64(this.int(3), this.u64(4), this.uint(5));
      case NR.fsync:
      case NR.fdatasync:
        return this.fsync(this.int(3), nr === NR.fdatasync);
      case NR.sync:
      case NR.syncfs:
        return 0; // Node cannot flush every host file system; the host kernel writes back on its own.
      case NR.readahead:
      case NR.fadvise64:
        return this.fds.get(this.int(3)) ? 0 : -E.EBADF; // hints
      case NR.ftruncate:
        return this.ftruncate(this.int(3), this.s64(4));
      case NR.truncate:
        return this.pathOp(AT.FDCWD, 3, (p) => fs.truncateSync(p, this.checkLen(this.s64(4))));
      case NR.flock:
        // Advisory locks among this process's own descriptors always succeed; they are not taken on the host.
        return this.fds.get(this.int(3)) ? 0 : -E.EBADF;
      // files: open/close/descriptors
      case NR.open:
        return this.openat(AT.FDCWD, this.u64(3), this.int(4), this.uint(5));
      case NR.creat:
        return this.openat(AT.FDCWD, this.u64(3), O.CREAT | O.WRONLY | O.TRUNC, this.uint(4));
      case NR.openat:
        return this.openat(this.int(3), this.u64(4), this.int(5), this.uint(6));
      case NR.close:
        return this.fds.close(this.int(3)) ? 0 : -E.EBADF;
      case NR.close_range:
        return this.closeRange(this.uint(3), this.uint(4), this.uint(5));
      case NR.dup:
        return this.dup(this.int(3), 0, false);
      case NR.dup2:
        return this.dup2(this.int(3), this.int(4), 0, true);
      case NR.dup3:
        return this.dup2(this.int(3), this.int(4), this.int(5), false);
      case NR.pipe:
        return this.pipe(this.u64(3), 0);
      case NR.pipe2:
        return this.pipe(this.u64(3), this.int(4));
      case NR.fcntl:
        return this.fcntl(this.int(3), this.int(4), this.u64(5));
      case NR.ioctl:
        return this.ioctl(this.int(3), this.uint(4), this.u64(5));
      // files: metadata
      case NR.fstat:
        return this.fstat(this.int(3), this.u64(4));
      case NR.stat:
        return this.fstatat(AT.FDCWD, this.u64(3), this.u64(4), 0);
      case NR.lstat:
        return this.fstatat(AT.FDCWD, this.u64(3), this.u64(4), AT.SYMLINK_NOFOLLOW);
      case NR.newfstatat:
        return this.fstatat(this.int(3), this.u64(4), this.u64(5), this.int(6));
      case NR.statx:
        return this.statx(this.int(3), this.u64(4), this.int(5), this.u64(7));
      case NR.statfs:
      case NR.statfs64:
        return this.statfs(AT.FDCWD, this.u64(3), nr === NR.statfs ? this.u64(4) : this.u64(5), -1);
      case NR.fstatfs:
      case NR.fstatfs64:
        return this.statfs(AT.FDCWD, 0, nr === NR.fstatfs ? this.u64(4) : this.u64(5), this.int(3));
      case NR.readlink:
        return this.readlinkat(AT.FDCWD, this.u64(3), this.u64(4), this.int(5));
      case NR.readlinkat:
        return this.readlinkat(this.int(3), this.u64(4), this.u64(5), this.int(6));
      case NR.access:
        return this.faccessat(AT.FDCWD, this.u64(3), this.int(4), 0);
      case NR.faccessat:
        return this.faccessat(this.int(3), this.u64(4), this.int(5), 0);
      case NR.faccessat2:
        return this.faccessat(this.int(3), this.u64(4), this.int(5), this.int(6));
      case NR.chmod:
        return this.pathOp(AT.FDCWD, 3, (p) => fs.chmodSync(p, this.uint(4) & 0o7777));
      case NR.fchmodat:
        return this.pathOp(this.int(3), 4, (p) => fs.chmodSync(p, this.uint(5) & 0o7777));
      case NR.fchmod:
        return this.withHostFd(this.int(3), (fd) => fs.fchmodSync(fd, this.uint(4) & 0o7777));
      case NR.chown:
        return this.pathOp(AT.FDCWD, 3, (p) => fs.chownSync(p, this.int(4), this.int(5)));
      case NR.lchown:
        return this.pathOp(AT.FDCWD, 3, (p) => fs.lchownSync(p, this.int(4), this.int(5)));
      case NR.fchownat:
        return this.fchownat();
      case NR.fchown:
        return this.withHostFd(this.int(3), (fd) => fs.fchownSync(fd, this.int(4), this.int(5)));
      case NR.utimensat:
        return this.utimensat(this.int(3), this.u64(4), this.u64(5), this.int(6));
      case NR.utimes:
        return this.utimes(this.u64(3), this.u64(4));
      // files: namespace
      case NR.mkdir:
        return this.mkdirat(AT.FDCWD, 3, this.uint(4));
      case NR.mkdirat:
        return this.mkdirat(this.int(3), 4, this.uint(5));
      case NR.rmdir:
        return this.pathOp(AT.FDCWD, 3, (p) => fs.rmdirSync(p));
      case NR.unlink:
        return this.pathOp(AT.FDCWD, 3, (p) => fs.unlinkSync(p));
      case NR.unlinkat:
        return this.unlinkat(this.int(3), this.int(5));
      case NR.rename:
        return this.renameat(AT.FDCWD, 3, AT.FDCWD, 4, 0);
      case NR.renameat:
        return this.renameat(this.int(3), 4, this.int(5), 6, 0);
      case NR.renameat2:
        return this.renameat(this.int(3), 4, this.int(5), 6, this.uint(7));
      case NR.link:
        return this.linkat(AT.FDCWD, 3, AT.FDCWD, 4, 0);
      case NR.linkat:
        return this.linkat(this.int(3), 4, this.int(5), 6, this.int(7));
      case NR.symlink:
        return this.symlinkat(3, AT.FDCWD, 4);
      case NR.symlinkat:
        return this.symlinkat(3, this.int(4), 5);
      case NR.mknod:
        return this.mknodat(AT.FDCWD, 3, this.uint(4));
      case NR.mknodat:
        return this.mknodat(this.int(3), 4, this.uint(5));
      case NR.chdir:
        return this.chdir(this.u64(3));
      case NR.fchdir:
        return this.fchdir(this.int(3));
      case NR.getcwd:
        return this.getcwd(this.u64(3), this.u64(4));
      case NR.umask: {
        const old = this.umaskValue;
        this.umaskValue = this.uint(3) & 0o777;
        this.applyUmask();
        return old;
      }
      // memory
      case NR.brk:
        return this.brk(this.u64(3));
      case NR.mmap:
        return this.mmap(this.u64(3), this.u64(4), this.int(5), this.int(6), this.int(7), this.s64(8));
      case NR.munmap:
        return this.munmap(this.u64(3), this.u64(4));
      case NR.mprotect:
        return this.mprotect(this.u64(3), this.u64(4), this.int(5));
      case NR.mremap:
        return this.mremap(this.u64(3), this.u64(4), this.u64(5), this.int(6), this.u64(7));
      case NR.madvise:
        return this.madvise(this.u64(3), this.u64(4), this.int(5));
      case NR.msync:
      case NR.mlock:
      case NR.munlock:
        return this.rangeMapped(this.u64(3), this.u64(4));
      // time
      case NR.clock_gettime:
        return this.clockGettime(this.int(3), this.u64(4));
      case NR.clock_getres:
        return this.clockGetres(this.int(3), this.u64(4));
      case NR.gettimeofday:
        return this.gettimeofday(this.u64(3), this.u64(4));
      case NR.time:
        return this.time(this.u64(3));
      case NR.nanosleep:
        return this.nanosleep(this.u64(3), this.u64(4));
      case NR.clock_nanosleep:
        return this.clockNanosleep(this.int(3), this.int(4), this.u64(5), this.u64(6));
      case NR.times:
        return this.times(this.u64(3));
      case NR.getrusage:
        return this.getrusage(this.int(3), this.u64(4));
      // identity and process
      case NR.getpid:
      case NR.gettid:
        return process.pid;
      case NR.getppid:
        return process.ppid;
      case NR.getuid:
        return process.getuid?.() ?? 0;
      case NR.geteuid:
        return process.geteuid?.() ?? 0;
      case NR.getgid:
        return process.getgid?.() ?? 0;
      case NR.getegid:
        return process.getegid?.() ?? 0;
      case NR.getresuid:
        return this.getres(process.getuid?.() ?? 0, process.geteuid?.() ?? 0);
      case NR.getresgid:
        return this.getres(process.getgid?.() ?? 0, process.getegid?.() ?? 0);
      case NR.getgroups:
        return this.getgroups(this.int(3), this.u64(4));
      case NR.setuid:
      case NR.setgid:
        return this.setId([this.int(3)], nr === NR.setuid);
      case NR.setreuid:
      case NR.setresuid:
        return this.setId([this.int(3), this.int(4), nr === NR.setresuid ? this.int(5) : -1], true);
      case NR.setregid:
      case NR.setresgid:
        return this.setId([this.int(3), this.int(4), nr === NR.setresgid ? this.int(5) : -1], false);
      case NR.getpgrp:
        return this.procStatField(4);
      case NR.getpgid:
        return this.int(3) === 0 || this.int(3) === process.pid ? this.procStatField(4) : -E.ESRCH;
      case NR.getsid:
        return this.int(3) === 0 || this.int(3) === process.pid ? this.procStatField(5) : -E.ESRCH;
      case NR.set_tid_address:
        // clear_child_tid matters only to threads waiting on this one; there are none.
        return process.pid;
      case NR.set_robust_list:
        return this.u64(4) === 24 ? 0 : -E.EINVAL;
      case NR.uname:
        return this.uname(this.u64(3));
      case NR.sysinfo:
        return this.sysinfo(this.u64(3));
      case NR.getrandom:
        return this.getrandom(this.u64(3), this.u64(4), this.uint(5));
      case NR.prlimit64:
        return this.prlimit(this.int(3), this.uint(4), this.u64(5), this.u64(6));
      case NR.ugetrlimit:
        return this.prlimit(0, this.uint(3), 0, this.u64(4));
      case NR.setrlimit:
        return this.prlimit(0, this.uint(3), this.u64(4), 0);
      case NR.sched_getaffinity:
        return this.schedGetaffinity(this.int(3), this.u64(4), this.u64(5));
      case NR.sched_setaffinity:
        return this.int(3) === 0 || this.int(3) === process.pid ? 0 : -E.ESRCH;
      case NR.sched_yield:
        return 0;
      case NR.getcpu:
        return this.getcpu(this.u64(3), this.u64(4));
      case NR.getpriority:
        return 20; // the kernel returns 20 - nice; nice 0
      case NR.setpriority:
      case NR.nice:
        return 0;
      case NR.personality:
        return this.uint(3) === 0xffffffff || this.uint(3) === 0 ? 0 : -E.EINVAL;
      case NR.prctl:
        return this.prctl(this.int(3), this.u64(4));
      case NR.exit:
      case NR.exit_group:
        return this.exit(this.int(3));
      case NR.execve:
        return this.execve(AT.FDCWD, this.u64(3), this.u64(4), this.u64(5), 0);
      case NR.execveat:
        return this.execve(this.int(3), this.u64(4), this.u64(5), this.u64(6), this.int(7));
      case NR.wait4:
      case NR.waitid:
      case NR.waitpid:
        return -E.ECHILD; // no child processes can exist (fork is not supported)
      case NR.futex:
        return this.futex(this.u64(3), this.int(4), this.uint(5), this.u64(6));
      // signals
      case NR.rt_sigaction:
        return this.rtSigaction(this.int(3), this.u64(4), this.u64(5), this.u64(6));
      case NR.rt_sigprocmask:
        return this.rtSigprocmask(this.int(3), this.u64(4), this.u64(5), this.u64(6));
      case NR.rt_sigpending:
        return this.u64(4) !== 8 ? -E.EINVAL : this.memory.writeU64(this.u64(3), 0) ? 0 : -E.EFAULT;
      case NR.sigaltstack:
        return this.sigaltstack(this.u64(3), this.u64(4));
      case NR.kill:
        return this.kill(this.int(3), this.int(4));
      case NR.tgkill:
        return this.kill(this.int(4), this.int(5));
      case NR.tkill:
        return this.kill(this.int(3), this.int(4));
      case NR.rt_sigreturn:
        // No signal frame was ever pushed (handlers are never invoked), so this is a bogus frame.
        this.terminate(SIG.SEGV, 'rt_sigreturn without a signal frame');
        return 0;
      case NR.pause:
      case NR.rt_sigsuspend:
        // Nothing can ever deliver a signal to this process: sleep like the kernel would, forever.
        Atomics.wait(this.sleepCell, 0, 0);
        return -E.EINTR;
      default:
        this.note(`unsupported system call ${syscallName(nr)} (${nr}) → ENOSYS`);
        return -E.ENOSYS;
    }
  }

  // ---- guest memory helpers ---------------------------------------------------------------------

  /** A path argument: bytes, or -errno. */
  private path(addr: number): Uint8Array | number {
    const r = this.memory.readCString(addr, PATH_MAX);
    if (r === 'fault') return -E.EFAULT;
    if (r === 'toolong') return -E.ENAMETOOLONG;
    return r;
  }

  private ensureScratch(n: number): Uint8Array {
    if (this.scratch.length < n) this.scratch = new Uint8Array(Math.max(n, this.scratch.length * 2));
    return this.scratch;
  }

  private put(addr: number, bytes: Uint8Array): number {
    return this.memory.write(addr, bytes) ? 0 : -E.EFAULT;
  }

  // ---- path resolution ---------------------------------------------------------------------------

  /** Which /proc/self entry a path names, if any (these describe the guest, as qemu-user does). */
  private procSelf(p: Uint8Array): string | null {
    const s = Buffer.from(p).toString('latin1');
    const m = /^\/proc\/(?:self|thread-self|(\d+))\/(exe|auxv|cmdline|maps)$/.exec(s);
    if (!m || (m[1] !== undefined && Number(m[1]) !== process.pid)) return null;
    return m[2]!;
  }

  /** Host path for (dirfd, path): Buffer, or -errno. */
  private resolve(dirfd: number, p: Uint8Array): Buffer | number {
    if (p.length === 0) return -E.ENOENT;
    if (this.procSelf(p) === 'exe') return Buffer.from(this.programPath);
    if (p[0] === 0x2f) {
      // /proc/self/fd/N names the guest's descriptor N, which lives at some other host fd number.
      const m = /^\/proc\/(?:self|thread-self|(\d+))\/fd\/(\d+)(\/.*)?$/s.exec(Buffer.from(p).toString('latin1'));
      if (m && (m[1] === undefined || Number(m[1]) === process.pid)) {
        const f = this.fds.get(Number(m[2]));
        if (f?.kind !== 'host') return -E.ENOENT;
        return Buffer.concat([Buffer.from(`/proc/self/fd/${f.hostFd}`), Buffer.from(m[3] ?? '', 'latin1')]);
      }
      return Buffer.from(p);
    }
    const base = this.dirBase(dirfd);
    if (typeof base === 'number') return base;
    return Buffer.concat([Buffer.from(`/proc/self/fd/${base.hostFd}/`), p]);
  }

  /** Host path for a guest path relative to the guest's working directory; -errno if it cannot be named. */
  hostPath(p: Uint8Array): Buffer | number {
    return this.resolve(AT.FDCWD, p);
  }

  private dirBase(dirfd: number): OpenFile | number {
    if (dirfd === AT.FDCWD) return this.cwd;
    const f = this.fds.get(dirfd);
    if (!f) return -E.EBADF;
    if (f.kind !== 'host' || !f.isDir) return -E.ENOTDIR;
    return f;
  }

  /** Run a host operation on the path in register `reg` (relative to dirfd); 0 or -errno. */
  private pathOp(dirfd: number, reg: number, op: (p: Buffer) => void): number {
    const p = this.path(this.u64(reg));
    if (typeof p === 'number') return p;
    const hp = this.resolve(dirfd, p);
    if (typeof hp === 'number') return hp;
    try {
      op(hp);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  private withHostFd(fd: number, op: (hostFd: number) => void): number {
    const f = this.fds.get(fd);
    if (!f) return -E.EBADF;
    if (f.kind !== 'host' || f.hostFd < 0) return -E.EINVAL;
    try {
      op(f.hostFd);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  private checkLen(n: number): number {
    if (n < 0) throw Object.assign(new Error('negative length'), { code: 'EINVAL' });
    return n;
  }

  // ---- open / close / dup ----------------------------------------------------------------------

  private openat(dirfd: number, pathAddr: number, flags: number, mode: number): number {
    const p = this.path(pathAddr);
    if (typeof p === 'number') return p;
    const special = this.procSelf(p);
    if (special && special !== 'exe') {
      if ((flags & O.ACCMODE) !== O.RDONLY) return -E.EACCES;
      const file = new OpenFile('memory', O.RDONLY | O.LARGEFILE, -1, false, { data: this.procFile(special) });
      const fd = this.fds.install(file, (flags & O.CLOEXEC) !== 0);
      return fd < 0 ? -E.EMFILE : fd;
    }
    const hp = this.resolve(dirfd, p);
    if (typeof hp === 'number') return hp;
    if ((flags & O.TMPFILE) === O.TMPFILE && (flags & O.ACCMODE) === O.RDONLY) return -E.EINVAL;
    let hostFd: number;
    try {
      hostFd = fs.openSync(hp, hostOpenFlags(flags), mode & 0o7777);
    } catch (e) {
      return -hostErrno(e);
    }
    let st: fs.Stats;
    try {
      st = fs.fstatSync(hostFd);
    } catch (e) {
      fs.closeSync(hostFd);
      return -hostErrno(e);
    }
    const kept =
      flags & (O.ACCMODE | O.APPEND | O.NONBLOCK | O.DSYNC | O.SYNC | O.DIRECT | O.NOATIME | O.PATH | O.ASYNC);
    const file = new OpenFile('host', kept | O.LARGEFILE | (st.isDirectory() ? O.DIRECTORY : 0), hostFd, true, {
      isDir: st.isDirectory(),
      seekable: st.isFile() || st.isBlockDevice(),
      isTty: (flags & O.PATH) === 0 && tty.isatty(hostFd),
      isCharDev: st.isCharacterDevice(),
      path: hp.toString(),
    });
    const fd = this.fds.install(file, (flags & O.CLOEXEC) !== 0);
    if (fd < 0) {
      // Nothing references the description: close its host fd ourselves.
      file.retain().release();
      return -E.EMFILE;
    }
    return fd;
  }

  private procFile(name: string): Uint8Array {
    const enc = new TextEncoder();
    switch (name) {
      case 'auxv':
        return this.auxvBytes;
      case 'cmdline':
        return Buffer.concat(this.argv.flatMap((a) => [typeof a === 'string' ? Buffer.from(a) : a, Buffer.alloc(1)]));
      default: {
        const lines = this.memory.mappings().map((m) => {
          const perms = `${m.prot & PROT.READ ? 'r' : '-'}${m.prot & PROT.WRITE ? 'w' : '-'}${m.prot & PROT.EXEC ? 'x' : '-'}p`;
          return `${m.start.toString(16).padStart(8, '0')}-${m.end.toString(16).padStart(8, '0')} ${perms} 00000000 00:00 0\n`;
        });
        return enc.encode(lines.join(''));
      }
    }
  }

  private closeRange(first: number, last: number, flags: number): number {
    const CLOSE_RANGE_CLOEXEC = 4;
    if (flags & ~(CLOSE_RANGE_CLOEXEC | 2) || first > last) return -E.EINVAL;
    for (const fd of this.fds.list()) {
      if (fd < first || fd > last) continue;
      if (flags & CLOSE_RANGE_CLOEXEC) this.fds.setCloexec(fd, true);
      else this.fds.close(fd);
    }
    return 0;
  }

  private dup(fd: number, min: number, cloexec: boolean): number {
    const f = this.fds.get(fd);
    if (!f) return -E.EBADF;
    if (min < 0 || min >= this.fds.limit) return -E.EINVAL;
    const n = this.fds.install(f, cloexec, min);
    return n < 0 ? -E.EMFILE : n;
  }

  private dup2(oldfd: number, newfd: number, flags: number, legacy: boolean): number {
    const f = this.fds.get(oldfd);
    if (!f) return -E.EBADF;
    if (!legacy && (flags & ~O.CLOEXEC) !== 0) return -E.EINVAL;
    if (oldfd === newfd) return legacy ? newfd : -E.EINVAL;
    if (newfd < 0 || newfd >= this.fds.limit) return -E.EBADF;
    this.fds.installAt(newfd, f, (flags & O.CLOEXEC) !== 0);
    return newfd;
  }

  private pipe(addr: number, flags: number): number {
    if (flags & ~(O.CLOEXEC | O.NONBLOCK | O.DIRECT)) return -E.EINVAL;
    if (!this.memory.check(addr, 8, Access.Store)) return -E.EFAULT;
    const buf = new PipeBuffer();
    const nb = flags & O.NONBLOCK;
    const r = new OpenFile('pipe', O.RDONLY | nb, -1, false, { pipe: buf, pipeEnd: 'r' });
    const w = new OpenFile('pipe', O.WRONLY | nb, -1, false, { pipe: buf, pipeEnd: 'w' });
    const cloexec = (flags & O.CLOEXEC) !== 0;
    const rfd = this.fds.install(r, cloexec);
    if (rfd < 0) return -E.EMFILE;
    const wfd = this.fds.install(w, cloexec);
    if (wfd < 0) {
      this.fds.close(rfd);
      return -E.EMFILE;
    }
    const b = new Uint8Array(8);
    const dv = new DataView(b.buffer);
    dv.setInt32(0, rfd, true);
    dv.setInt32(4, wfd, true);
    this.memory.write(addr, b);
    return 0;
  }

  private fcntl(fd: number, cmd: number, arg: number): number {
    const f = this.fds.get(fd);
    if (!f) return -E.EBADF;
    const iarg = this.int(5);
    switch (cmd) {
      case F.DUPFD:
        return this.dup(fd, iarg, false);
      case F.DUPFD_CLOEXEC:
        return this.dup(fd, iarg, true);
      case F.GETFD:
        return this.fds.cloexec(fd) ? FD_CLOEXEC : 0;
      case F.SETFD:
        this.fds.setCloexec(fd, (iarg & FD_CLOEXEC) !== 0);
        return 0;
      case F.GETFL:
        return f.flags;
      case F.SETFL: {
        const changeable = O.APPEND | O.NONBLOCK | O.ASYNC | O.DIRECT | O.NOATIME;
        f.flags = (f.flags & ~changeable) | (iarg & changeable);
        return 0;
      }
      case F.GETLK:
      case F.OFD_GETLK: {
        // struct flock: short l_type at 0. Nothing else in this process can hold a conflicting lock.
        const F_UNLCK = 2;
        const b = new Uint8Array(2);
        new DataView(b.buffer).setInt16(0, F_UNLCK, true);
        return this.put(arg, b);
      }
      case F.SETLK:
      case F.SETLKW:
      case F.OFD_SETLK:
      case F.OFD_SETLKW:
        // Record locks only matter against other processes; they are not taken on the host.
        return this.memory.check(arg, 32, Access.Load) ? 0 : -E.EFAULT;
      case F.GETPIPE_SZ:
        return f.kind === 'pipe' ? PipeBuffer.CAPACITY : -E.EBADF;
      case F.GETOWN:
        return 0;
      default:
        this.note(`fcntl: unsupported command ${cmd} → EINVAL`);
        return -E.EINVAL;
    }
  }

  // ---- read / write ------------------------------------------------------------------------------

  /** Sleep the host thread (blocking system calls). */
  private sleepMs(ms: number): void {
    if (ms > 0) Atomics.wait(this.sleepCell, 0, 0, ms);
  }

  /** Host read with blocking semantics: retries EAGAIN unless the guest asked for O_NONBLOCK. */
  private hostRead(f: OpenFile, buf: Uint8Array, n: number, pos: number | null): number {
    for (;;) {
      try {
        return fs.readSync(f.hostFd, buf, 0, n, pos);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'EAGAIN' && !(f.flags & O.NONBLOCK)) {
          this.sleepMs(2);
          continue;
        }
        if (code === 'EOF') return 0; // Windows-style EOF report on some handles
        return -hostErrno(e);
      }
    }
  }

  private hostWrite(f: OpenFile, buf: Uint8Array, n: number, pos: number | null): number {
    let done = 0;
    while (done < n) {
      try {
        done += fs.writeSync(f.hostFd, buf, done, n - done, pos === null ? null : pos + done);
        if (f.kind === 'host' && !f.seekable && done > 0) return done; // pipes: a partial count is fine
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'EAGAIN' && !(f.flags & O.NONBLOCK)) {
          this.sleepMs(2);
          continue;
        }
        if (done > 0) return done;
        if (code === 'EPIPE') return this.sigpipe();
        return -hostErrno(e);
      }
    }
    return done;
  }

  /** A write to a pipe with no reader: SIGPIPE (default action: terminate), else EPIPE. */
  private sigpipe(): number {
    this.raise(SIG.PIPE, 'write to a pipe with no reader');
    return -E.EPIPE;
  }

  /** Read up to n bytes from an open file into `buf` (at buf[0..]); returns count or -errno. */
  private readFile(f: OpenFile, buf: Uint8Array, n: number, explicitPos: number | null): number {
    if (!f.readable) return -E.EBADF;
    if (f.isDir) return -E.EISDIR;
    if (f.kind === 'memory') {
      const data = f.info.data!;
      const pos = explicitPos ?? f.pos;
      const got = Math.max(0, Math.min(n, data.length - pos));
      buf.set(data.subarray(pos, pos + got));
      if (explicitPos === null) f.pos += got;
      return got;
    }
    if (f.kind === 'pipe') {
      const p = f.info.pipe!;
      if (p.length === 0) {
        if (p.writers === 0) return 0;
        if (!(f.flags & O.NONBLOCK)) this.note('read from an empty pipe whose only writer is this process → EAGAIN');
        return -E.EAGAIN;
      }
      const d = p.take(n);
      buf.set(d);
      return d.length;
    }
    if (explicitPos !== null) return this.hostRead(f, buf, n, explicitPos);
    if (f.trackPos) {
      const got = this.hostRead(f, buf, n, f.pos);
      if (got > 0) f.pos += got;
      return got;
    }
    return this.hostRead(f, buf, n, null);
  }

  private writeFile(f: OpenFile, buf: Uint8Array, n: number, explicitPos: number | null): number {
    if (!f.writable) return -E.EBADF;
    if (f.kind === 'pipe') {
      const p = f.info.pipe!;
      if (p.readers === 0) return this.sigpipe();
      if (p.length + n > PipeBuffer.CAPACITY && p.length > 0) {
        this.note('write to a full pipe whose only reader is this process → EAGAIN');
        return -E.EAGAIN;
      }
      p.push(buf.slice(0, n));
      return n;
    }
    if (f.kind === 'memory') return -E.EBADF;
    if (explicitPos !== null) return this.hostWrite(f, buf, n, explicitPos);
    if (f.trackPos) {
      const wrote = this.hostWrite(f, buf, n, f.pos);
      if (wrote > 0) {
        // pwrite(2) on an O_APPEND file appends whatever the offset; the position follows the end.
        if (f.flags & O.APPEND) f.pos = Number(fs.fstatSync(f.hostFd).size);
        else f.pos += wrote;
      }
      return wrote;
    }
    return this.hostWrite(f, buf, n, null);
  }

  private read(fd: number, addr: number, count: number, pos: number | null): number {
    const f = this.fds.get(fd);
    if (!f?.readable) return -E.EBADF;
    if (f.isDir) return -E.EISDIR;
    if (count === 0) return 0;
    const n = Math.min(count, MAX_IO);
    if (!this.memory.check(addr, n, Access.Store)) return -E.EFAULT;
    const buf = this.ensureScratch(n);
    const got = this.readFile(f, buf, n, pos);
    if (got > 0) this.memory.write(addr, buf, 0, got);
    return got;
  }

  private write(fd: number, addr: number, count: number, pos: number | null): number {
    const f = this.fds.get(fd);
    if (!f?.writable) return -E.EBADF;
    if (count === 0) return 0;
    const n = Math.min(count, MAX_IO);
    const buf = this.ensureScratch(n);
    if (!this.memory.readInto(addr, buf, 0, n)) return -E.EFAULT;
    return this.writeFile(f, buf, n, pos);
  }

  private pread(fd: number, addr: number, count: number, pos: number, isWrite: boolean): number {
    const f = this.fds.get(fd);
    if (!f) return -E.EBADF;
    if (pos < 0) return -E.EINVAL;
    if (f.kind !== 'memory' && !f.seekable) return f.isDir ? -E.EISDIR : -E.ESPIPE;
    return isWrite ? this.write(fd, addr, count, pos) : this.read(fd, addr, count, pos);
  }

  private readv(fd: number, iov: number, cnt: number, pos: number | null, isWrite: boolean): number {
    const f = this.fds.get(fd);
    if (!f || !(isWrite ? f.writable : f.readable)) return -E.EBADF;
    if (cnt < 0 || cnt > IOV_MAX) return -E.EINVAL;
    if (pos !== null) {
      if (pos < 0) return -E.EINVAL;
      if (f.kind !== 'memory' && !f.seekable) return -E.ESPIPE;
    }
    const raw = this.memory.read(iov, cnt * 16);
    if (!raw) return -E.EFAULT;
    const dv = new DataView(raw.buffer);
    const vecs: [number, number][] = [];
    let total = 0;
    for (let i = 0; i < cnt; i++) {
      const base = dv.getUint32(16 * i + 4, true) * TWO32 + dv.getUint32(16 * i, true);
      const len = dv.getUint32(16 * i + 12, true) * TWO32 + dv.getUint32(16 * i + 8, true);
      if (len > 2 ** 31) return -E.EINVAL;
      total += len;
      if (total > 2 ** 31) return -E.EINVAL;
      if (len > 0 && !this.memory.check(base, len, isWrite ? Access.Load : Access.Store)) return -E.EFAULT;
      vecs.push([base, len]);
    }
    const n = Math.min(total, MAX_IO);
    if (n === 0) return isWrite ? (f.writable ? 0 : -E.EBADF) : f.readable ? 0 : -E.EBADF;
    const buf = this.ensureScratch(n);
    if (isWrite) {
      let o = 0;
      for (const [base, len] of vecs) {
        const k = Math.min(len, n - o);
        if (k <= 0) break;
        this.memory.readInto(base, buf, o, k);
        o += k;
      }
      return this.writeFile(f, buf, n, pos);
    }
    const got = this.readFile(f, buf, n, pos);
    let o = 0;
    for (const [base, len] of vecs) {
      const k = Math.min(len, got - o);
      if (k <= 0) break;
      this.memory.write(base, buf, o, k);
      o += k;
    }
    return got;
  }

  /** The host description's own offset (for descriptors we did not open). */
  private hostOffset(hostFd: number): number | null {
    try {
      const m = /^pos:\s*(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${hostFd}`, 'latin1'));
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }

  private lseek(fd: number, off: number, whence: number): number {
    const f = this.fds.get(fd);
    if (!f) return -E.EBADF;
    if (whence < 0 || whence > 4) return -E.EINVAL;
    if (f.kind === 'pipe') return -E.ESPIPE;
    if (f.isDir) {
      // Directory offsets are entry indices (the d_off values getdents64 hands out).
      const next = whence === 0 ? off : whence === 1 ? f.pos + off : -1;
      if (next < 0) return -E.EINVAL;
      f.pos = next;
      if (next === 0) f.dirEntries = null; // rewinddir sees a fresh listing
      return next;
    }
    let size: number;
    if (f.kind === 'memory') size = f.info.data!.length;
    else if (!f.seekable) return f.info.isCharDev && !f.info.isTty ? 0 : -E.ESPIPE;
    else {
      try {
        size = Number(fs.fstatSync(f.hostFd).size);
      } catch (e) {
        return -hostErrno(e);
      }
      if (!f.trackPos) {
        // A descriptor we inherited: its offset lives in the host description. Only query it, if we can.
        const cur = this.hostOffset(f.hostFd);
        if (cur === null) return -E.ESPIPE;
        if (whence === 1 && off === 0) return cur;
        this.note(`lseek on inherited fd ${fd}: offset is tracked here from now on`);
        f.pos = cur;
        f.trackPos = true;
      }
    }
    let next: number;
    switch (whence) {
      case 0:
        next = off;
        break;
      case 1:
        next = f.pos + off;
        break;
      case 2:
        next = size + off;
        break;
      case 3: // SEEK_DATA: the whole file is data
        if (off >= size) return -E.ENXIO;
        next = off;
        break;
      default: // SEEK_HOLE: the only hole is at the end
        if (off >= size) return -E.ENXIO;
        next = size;
    }
    if (next < 0) return -E.EINVAL;
    f.pos = next;
    return next;
  }

  /** _llseek(fd, offset_high, offset_low, result, whence). */
  private llseek(): number {
    const r = this.lseek(this.int(3), this.int(4) * TWO32 + this.uint(5), this.int(7));
    if (r < 0) return r;
    return this.memory.writeU64(this.u64(6), r) ? 0 : -E.EFAULT;
  }

  private sendfile(outFd: number, inFd: number, offAddr: number, count: number): number {
    const out = this.fds.get(outFd);
    const inp = this.fds.get(inFd);
    if (!out || !inp) return -E.EBADF;
    if (!inp.readable || !out.writable) return -E.EBADF;
    let pos: number | null = null;
    if (offAddr !== 0) {
      const v = this.memory.readU64(offAddr);
      if (v === null) return -E.EFAULT;
      if (v > Number.MAX_SAFE_INTEGER) return -E.EINVAL;
      if (inp.kind !== 'memory' && !inp.seekable) return -E.ESPIPE;
      pos = v;
    }
    const n = Math.min(count, 1 << 20);
    if (n === 0) return 0;
    const buf = new Uint8Array(n);
    const got = this.readFile(inp, buf, n, pos);
    if (got <= 0) return got;
    const wrote = this.writeFile(out, buf, got, null);
    if (wrote < 0) return wrote;
    if (pos !== null) {
      if (!this.memory.writeU64(offAddr, pos + wrote)) return -E.EFAULT;
    } else if (wrote < got && inp.trackPos) inp.pos -= got - wrote;
    return wrote;
  }

  private copyFileRange(): number {
    const inFd = this.int(3);
    const offIn = this.u64(4);
    const outFd = this.int(5);
    const offOut = this.u64(6);
    const count = this.u64(7);
    if (this.uint(8) !== 0) return -E.EINVAL;
    const inp = this.fds.get(inFd);
    const out = this.fds.get(outFd);
    if (!inp || !out) return -E.EBADF;
    if (inp.kind !== 'host' || out.kind !== 'host' || !inp.seekable || !out.seekable) return -E.EINVAL;
    const readPos = offIn ? this.memory.readU64(offIn) : null;
    const writePos = offOut ? this.memory.readU64(offOut) : null;
    if ((offIn && readPos === null) || (offOut && writePos === null)) return -E.EFAULT;
    const n = Math.min(count, 1 << 20);
    if (n === 0) return 0;
    const buf = new Uint8Array(n);
    const got = this.readFile(inp, buf, n, readPos);
    if (got <= 0) return got;
    const wrote = this.writeFile(out, buf, got, writePos);
    if (wrote < 0) return wrote;
    if (offIn && readPos !== null) this.memory.writeU64(offIn, readPos + wrote);
    if (offOut && writePos !== null) this.memory.writeU64(offOut, writePos + wrote);
    return wrote;
  }

  private fsync(fd: number, dataOnly: boolean): number {
    const f = this.fds.get(fd);
    if (!f) return -E.EBADF;
    if (f.kind !== 'host') return -E.EINVAL;
    try {
      if (dataOnly) fs.fdatasyncSync(f.hostFd);
      else fs.fsyncSync(f.hostFd);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  private ftruncate(fd: number, len: number): number {
    const f = this.fds.get(fd);
    if (!f) return -E.EBADF;
    if (len < 0) return -E.EINVAL;
    if (f.kind !== 'host' || !f.writable || !f.seekable) return -E.EINVAL;
    try {
      fs.ftruncateSync(f.hostFd, len);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  // ---- directories -----------------------------------------------------------------------------

  private loadDir(f: OpenFile): DirEntry[] | number {
    const base = `/proc/self/fd/${f.hostFd}`;
    const entries: DirEntry[] = [];
    const DT_DIR = 4;
    try {
      const self = fs.fstatSync(f.hostFd, { bigint: true });
      const parent = fs.statSync(`${base}/..`, { bigint: true });
      entries.push({ name: new Uint8Array([0x2e]), ino: self.ino, type: DT_DIR });
      entries.push({ name: new Uint8Array([0x2e, 0x2e]), ino: parent.ino, type: DT_DIR });
      // fs.Dir reads with readdir(3), i.e. in the host file system's getdents order, minus "." and "..".
      const dir = fs.opendirSync(base, { encoding: 'buffer' as BufferEncoding });
      try {
        for (;;) {
          const d = dir.readSync() as fs.Dirent<Buffer> | null;
          if (!d) break;
          const name = d.name as unknown as Buffer;
          let ino = 0n;
          try {
            ino = fs.lstatSync(Buffer.concat([Buffer.from(`${base}/`), name]), { bigint: true }).ino;
          } catch {
            // Entry vanished between readdir and lstat: keep it with an unknown inode, as a racing getdents might.
          }
          const type = d.isFile()
            ? 8
            : d.isDirectory()
              ? 4
              : d.isSymbolicLink()
                ? 10
                : d.isFIFO()
                  ? 1
                  : d.isSocket()
                    ? 12
                    : d.isCharacterDevice()
                      ? 2
                      : d.isBlockDevice()
                        ? 6
                        : 0;
          entries.push({ name: new Uint8Array(name), ino, type });
        }
      } finally {
        dir.closeSync();
      }
    } catch (e) {
      return -hostErrno(e);
    }
    return entries;
  }

  private getdents64(fd: number, addr: number, count: number): number {
    const f = this.fds.get(fd);
    if (!f) return -E.EBADF;
    if (!f.isDir || f.kind !== 'host') return -E.ENOTDIR;
    if ((f.flags & O.PATH) !== 0) return -E.EBADF;
    if (!f.dirEntries) {
      const r = this.loadDir(f);
      if (typeof r === 'number') return r;
      f.dirEntries = r;
    }
    const entries = f.dirEntries;
    const n = Math.min(count, 1 << 20);
    if (!this.memory.check(addr, Math.max(1, n), Access.Store)) return -E.EFAULT;
    const out = new Uint8Array(n);
    const dv = new DataView(out.buffer);
    let used = 0;
    let i = f.pos;
    // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[] (8-byte aligned records).
    while (i < entries.length) {
      const e = entries[i]!;
      const reclen = (19 + e.name.length + 1 + 7) & ~7;
      if (used + reclen > n) break;
      dv.setBigUint64(used, e.ino, true);
      dv.setBigInt64(used + 8, BigInt(i + 1), true);
      dv.setUint16(used + 16, reclen, true);
      out[used + 18] = e.type;
      out.set(e.name, used + 19);
      used += reclen;
      i++;
    }
    if (used === 0 && i < entries.length) return -E.EINVAL;
    f.pos = i;
    this.memory.write(addr, out, 0, used);
    return used;
  }

  private chdir(addr: number): number {
    const p = this.path(addr);
    if (typeof p === 'number') return p;
    const hp = this.resolve(AT.FDCWD, p);
    if (typeof hp === 'number') return hp;
    let hostFd: number;
    try {
      hostFd = fs.openSync(hp, hostOpenFlags(O.PATH | O.DIRECTORY));
    } catch (e) {
      return -hostErrno(e);
    }
    const next = new OpenFile('host', O.PATH | O.DIRECTORY, hostFd, true, {
      isDir: true,
      path: hp.toString(),
    }).retain();
    this.cwd.release();
    this.cwd = next;
    return 0;
  }

  private fchdir(fd: number): number {
    const f = this.fds.get(fd);
    if (!f) return -E.EBADF;
    if (f.kind !== 'host' || !f.isDir) return -E.ENOTDIR;
    f.retain();
    this.cwd.release();
    this.cwd = f;
    return 0;
  }

  private getcwd(addr: number, size: number): number {
    let path: Buffer;
    try {
      path = fs.readlinkSync(`/proc/self/fd/${this.cwd.hostFd}`, { encoding: 'buffer' });
    } catch (e) {
      return -hostErrno(e);
    }
    if (path[0] !== 0x2f) return -E.ENOENT; // unreachable or deleted directory
    const len = path.length + 1;
    if (size < len) return -E.ERANGE;
    const out = new Uint8Array(len);
    out.set(path);
    return this.memory.write(addr, out) ? len : -E.EFAULT;
  }

  private applyUmask(): void {
    try {
      // Files the guest creates get the guest's umask applied by the host kernel.
      process.umask(this.umaskValue);
    } catch {
      // Worker threads cannot change the process umask; the host's stays in effect.
      this.note('umask: cannot change the host umask from a worker thread');
    }
  }

  private mkdirat(dirfd: number, reg: number, mode: number): number {
    return this.pathOp(dirfd, reg, (p) => fs.mkdirSync(p, { mode: mode & 0o7777 }));
  }

  private unlinkat(dirfd: number, flags: number): number {
    if (flags & ~AT.REMOVEDIR) return -E.EINVAL;
    return this.pathOp(dirfd, 4, (p) => (flags & AT.REMOVEDIR ? fs.rmdirSync(p) : fs.unlinkSync(p)));
  }

  private twoPaths(d1: number, r1: number, d2: number, r2: number): [Buffer, Buffer] | number {
    const a = this.path(this.u64(r1));
    if (typeof a === 'number') return a;
    const b = this.path(this.u64(r2));
    if (typeof b === 'number') return b;
    const ha = this.resolve(d1, a);
    if (typeof ha === 'number') return ha;
    const hb = this.resolve(d2, b);
    if (typeof hb === 'number') return hb;
    return [ha, hb];
  }

  private renameat(d1: number, r1: number, d2: number, r2: number, flags: number): number {
    const RENAME_NOREPLACE = 1;
    if (flags & ~RENAME_NOREPLACE) {
      this.note(`renameat2: flags 0x${flags.toString(16)} not supported → EINVAL`);
      return -E.EINVAL;
    }
    const ps = this.twoPaths(d1, r1, d2, r2);
    if (typeof ps === 'number') return ps;
    try {
      if (flags & RENAME_NOREPLACE) {
        // Not atomic on the host (Node has no renameat2); good enough without concurrent writers.
        let exists = true;
        try {
          fs.lstatSync(ps[1]);
        } catch {
          exists = false;
        }
        if (exists) return -E.EEXIST;
      }
      fs.renameSync(ps[0], ps[1]);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  private linkat(d1: number, r1: number, d2: number, r2: number, flags: number): number {
    if (flags & ~(AT.SYMLINK_FOLLOW | AT.EMPTY_PATH)) return -E.EINVAL;
    const ps = this.twoPaths(d1, r1, d2, r2);
    if (typeof ps === 'number') return ps;
    try {
      fs.linkSync(flags & AT.SYMLINK_FOLLOW ? fs.realpathSync(ps[0], { encoding: 'buffer' }) : ps[0], ps[1]);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  private symlinkat(targetReg: number, dirfd: number, linkReg: number): number {
    const target = this.path(this.u64(targetReg));
    if (typeof target === 'number') return target;
    if (target.length === 0) return -E.ENOENT;
    return this.pathOp(dirfd, linkReg, (p) => fs.symlinkSync(Buffer.from(target), p));
  }

  private mknodat(dirfd: number, reg: number, mode: number): number {
    const type = mode & S_IFMT;
    if (type !== 0 && type !== S_IFREG) {
      this.note(`mknod: file type 0o${type.toString(8)} not supported → EPERM`);
      return -E.EPERM;
    }
    return this.pathOp(dirfd, reg, (p) => {
      fs.closeSync(fs.openSync(p, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, mode & 0o7777));
    });
  }

  private fchownat(): number {
    const flags = this.int(7);
    if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) return -E.EINVAL;
    const uid = this.int(5);
    const gid = this.int(6);
    const p = this.path(this.u64(4));
    if (typeof p === 'number') return p;
    if (p.length === 0 && flags & AT.EMPTY_PATH) {
      const base = this.int(3) === AT.FDCWD ? this.cwd : this.fds.get(this.int(3));
      if (!base) return -E.EBADF;
      return this.withOpenFile(base, (fd) => fs.fchownSync(fd, uid, gid));
    }
    const hp = this.resolve(this.int(3), p);
    if (typeof hp === 'number') return hp;
    try {
      if (flags & AT.SYMLINK_NOFOLLOW) fs.lchownSync(hp, uid, gid);
      else fs.chownSync(hp, uid, gid);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  private withOpenFile(f: OpenFile, op: (hostFd: number) => void): number {
    if (f.kind !== 'host') return -E.EINVAL;
    try {
      op(f.hostFd);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  private faccessat(dirfd: number, addr: number, mode: number, flags: number): number {
    if (mode & ~7) return -E.EINVAL;
    if (flags & ~(AT.EACCESS | AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) return -E.EINVAL;
    const p = this.path(addr);
    if (typeof p === 'number') return p;
    const hp = this.resolve(dirfd, p);
    if (typeof hp === 'number') return hp;
    try {
      fs.accessSync(hp, mode);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  private readlinkat(dirfd: number, addr: number, buf: number, size: number): number {
    if (size <= 0) return -E.EINVAL;
    const p = this.path(addr);
    if (typeof p === 'number') return p;
    let target: Uint8Array;
    if (this.procSelf(p) === 'exe') {
      try {
        target = fs.realpathSync(this.programPath, { encoding: 'buffer' });
      } catch (e) {
        return -hostErrno(e);
      }
    } else {
      const hp = this.resolve(dirfd, p);
      if (typeof hp === 'number') return hp;
      try {
        target = fs.readlinkSync(hp, { encoding: 'buffer' });
      } catch (e) {
        return -hostErrno(e);
      }
    }
    const n = Math.min(size, target.length);
    return this.memory.write(buf, target, 0, n) ? n : -E.EFAULT;
  }

  private utimensat(dirfd: number, pathAddr: number, timesAddr: number, flags: number): number {
    if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH)) return -E.EINVAL;
    let target: { path: Buffer } | { fd: number };
    if (pathAddr === 0) {
      // utimensat(fd, NULL, ...) is futimens(fd).
      const f = dirfd === AT.FDCWD ? this.cwd : this.fds.get(dirfd);
      if (!f) return -E.EBADF;
      if (f.kind !== 'host') return -E.EINVAL;
      target = { fd: f.hostFd };
    } else {
      const p = this.path(pathAddr);
      if (typeof p === 'number') return p;
      const hp = this.resolve(dirfd, p);
      if (typeof hp === 'number') return hp;
      target = { path: hp };
    }
    const now = Date.now() / 1000;
    let at = now;
    let mt = now;
    let omitA = false;
    let omitM = false;
    if (timesAddr !== 0) {
      const raw = this.memory.read(timesAddr, 32);
      if (!raw) return -E.EFAULT;
      const dv = new DataView(raw.buffer);
      const ts = (o: number): number | 'now' | 'omit' | null => {
        const sec = Number(dv.getBigInt64(o, true));
        const nsec = Number(dv.getBigInt64(o + 8, true));
        if (nsec === UTIME_NOW) return 'now';
        if (nsec === UTIME_OMIT) return 'omit';
        if (nsec < 0 || nsec >= 1e9) return null;
        return sec + nsec / 1e9;
      };
      const a = ts(0);
      const m = ts(16);
      if (a === null || m === null) return -E.EINVAL;
      if (a === 'omit' && m === 'omit') return 0;
      omitA = a === 'omit';
      omitM = m === 'omit';
      at = typeof a === 'number' ? a : now;
      mt = typeof m === 'number' ? m : now;
    }
    try {
      if (omitA || omitM) {
        // Node has no UTIME_OMIT: keep the current value (to the precision of a double).
        const st = 'fd' in target ? fs.fstatSync(target.fd) : fs.lstatSync(target.path);
        if (omitA) at = st.atimeMs / 1000;
        if (omitM) mt = st.mtimeMs / 1000;
      }
      if ('fd' in target) fs.futimesSync(target.fd, at, mt);
      else if (flags & AT.SYMLINK_NOFOLLOW) fs.lutimesSync(target.path, at, mt);
      else fs.utimesSync(target.path, at, mt);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  private utimes(pathAddr: number, tvAddr: number): number {
    const p = this.path(pathAddr);
    if (typeof p === 'number') return p;
    const hp = this.resolve(AT.FDCWD, p);
    if (typeof hp === 'number') return hp;
    let at = Date.now() / 1000;
    let mt = at;
    if (tvAddr !== 0) {
      const raw = this.memory.read(tvAddr, 32);
      if (!raw) return -E.EFAULT;
      const dv = new DataView(raw.buffer);
      const usecA = Number(dv.getBigInt64(8, true));
      const usecM = Number(dv.getBigInt64(24, true));
      if (usecA < 0 || usecA >= 1e6 || usecM < 0 || usecM >= 1e6) return -E.EINVAL;
      at = Number(dv.getBigInt64(0, true)) + usecA / 1e6;
      mt = Number(dv.getBigInt64(16, true)) + usecM / 1e6;
    }
    try {
      fs.utimesSync(hp, at, mt);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  // ---- stat ----------------------------------------------------------------------------------------

  private statOf(f: OpenFile): fs.BigIntStats {
    if (f.kind === 'pipe') return fakeStats(S_IFIFO | 0o600);
    if (f.kind === 'memory') return fakeStats(S_IFREG | 0o444);
    return fs.fstatSync(f.hostFd, { bigint: true });
  }

  /** Stat for (dirfd, path, flags) as the *at calls define it; BigIntStats or -errno. */
  private statAt(dirfd: number, addr: number, flags: number): fs.BigIntStats | number {
    if (flags & ~(AT.SYMLINK_NOFOLLOW | AT.EMPTY_PATH | AT.NO_AUTOMOUNT | 0x6000)) return -E.EINVAL;
    const p = this.path(addr);
    if (typeof p === 'number') return p;
    try {
      if (p.length === 0 && flags & AT.EMPTY_PATH) {
        const f = dirfd === AT.FDCWD ? this.cwd : this.fds.get(dirfd);
        if (!f) return -E.EBADF;
        return this.statOf(f);
      }
      const special = this.procSelf(p);
      if (special && special !== 'exe') return fakeStats(S_IFREG | 0o444);
      const hp = this.resolve(dirfd, p);
      if (typeof hp === 'number') return hp;
      return flags & AT.SYMLINK_NOFOLLOW && special !== 'exe'
        ? fs.lstatSync(hp, { bigint: true })
        : fs.statSync(hp, { bigint: true });
    } catch (e) {
      return -hostErrno(e);
    }
  }

  private fstat(fd: number, buf: number): number {
    const f = this.fds.get(fd);
    if (!f) return -E.EBADF;
    try {
      return this.put(buf, encodeStat(this.statOf(f)));
    } catch (e) {
      return -hostErrno(e);
    }
  }

  private fstatat(dirfd: number, addr: number, buf: number, flags: number): number {
    if (!this.memory.check(buf, 144, Access.Store)) return -E.EFAULT;
    const st = this.statAt(dirfd, addr, flags);
    if (typeof st === 'number') return st;
    return this.put(buf, encodeStat(st));
  }

  private statx(dirfd: number, addr: number, flags: number, buf: number): number {
    if (!this.memory.check(buf, 256, Access.Store)) return -E.EFAULT;
    const st = this.statAt(dirfd, addr, flags);
    if (typeof st === 'number') return st;
    return this.put(buf, encodeStatx(st));
  }

  private statfs(dirfd: number, addr: number, buf: number, fd: number): number {
    let hp: Buffer | string;
    if (fd >= 0 || addr === 0) {
      const f = this.fds.get(fd);
      if (!f) return -E.EBADF;
      if (f.kind !== 'host') return -E.ENOSYS;
      hp = `/proc/self/fd/${f.hostFd}`;
    } else {
      const p = this.path(addr);
      if (typeof p === 'number') return p;
      const r = this.resolve(dirfd, p);
      if (typeof r === 'number') return r;
      hp = r;
    }
    let st: fs.BigIntStatsFs;
    try {
      st = fs.statfsSync(hp, { bigint: true });
    } catch (e) {
      return -hostErrno(e);
    }
    // struct statfs (64-bit): f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_fsid,
    // f_namelen, f_frsize, f_flags, f_spare[4]: 120 bytes.
    const b = new Uint8Array(120);
    const dv = new DataView(b.buffer);
    [st.type, st.bsize, st.blocks, st.bfree, st.bavail, st.files, st.ffree].forEach((v, i) => {
      dv.setBigUint64(8 * i, BigInt.asUintN(64, v), true);
    });
    dv.setBigUint64(64, 255n, true);
    dv.setBigUint64(72, BigInt.asUintN(64, st.bsize), true);
    return this.put(buf, b);
  }

  // ---- ioctl ----------------------------------------------------------------------------------------

  /** Run `stty` on a terminal host fd (Node has no tcgetattr); null if that fails. */
  private stty(hostFd: number, args: string[]): string | null {
    try {
      return execFileSync('stty', args, { stdio: [hostFd, 'pipe', 'ignore'], encoding: 'latin1', timeout: 5000 });
    } catch {
      return null;
    }
  }

  private hostTermios(hostFd: number): HostTermios | null {
    const out = this.stty(hostFd, ['-g']);
    return out === null ? null : parseSttyG(out);
  }

  private ioctl(fd: number, req: number, arg: number): number {
    const f = this.fds.get(fd);
    if (!f) return -E.EBADF;
    switch (req) {
      case IOCTL.FIOCLEX:
      case IOCTL.FIONCLEX:
        this.fds.setCloexec(fd, req === IOCTL.FIOCLEX);
        return 0;
      case IOCTL.FIONBIO: {
        const v = this.memory.readU32(arg);
        if (v === null) return -E.EFAULT;
        f.flags = v ? f.flags | O.NONBLOCK : f.flags & ~O.NONBLOCK;
        return 0;
      }
      case IOCTL.FIONREAD: {
        let n: number;
        if (f.kind === 'pipe') n = f.info.pipe!.length;
        else if (f.kind === 'memory') n = Math.max(0, f.info.data!.length - f.pos);
        else if (f.seekable && f.trackPos) n = Math.max(0, Number(fs.fstatSync(f.hostFd).size) - f.pos);
        else {
          this.note('ioctl FIONREAD on a host pipe/terminal is not supported → ENOTTY');
          return -E.ENOTTY;
        }
        return this.memory.writeU32(arg, n) ? 0 : -E.EFAULT;
      }
    }
    const isTermReq =
      req === IOCTL.TCGETS ||
      req === IOCTL.TCSETS ||
      req === IOCTL.TCSETSW ||
      req === IOCTL.TCSETSF ||
      req === IOCTL.TIOCGWINSZ ||
      req === IOCTL.TIOCSWINSZ ||
      req === IOCTL.TIOCGPGRP ||
      req === IOCTL.TIOCSPGRP ||
      req === IOCTL.TIOCSCTTY ||
      req === IOCTL.TIOCGSID;
    if (isTermReq && !(f.kind === 'host' && f.info.isTty)) return -E.ENOTTY;
    switch (req) {
      case IOCTL.TCGETS: {
        const t = this.hostTermios(f.hostFd);
        if (!t) return -E.EIO;
        return this.put(arg, encodeTermios(t));
      }
      case IOCTL.TCSETS:
      case IOCTL.TCSETSW:
      case IOCTL.TCSETSF: {
        const raw = this.memory.read(arg, 44);
        if (!raw) return -E.EFAULT;
        const prev = this.hostTermios(f.hostFd);
        if (!prev) return -E.EIO;
        return this.stty(f.hostFd, [formatSttyG(decodeTermios(raw, prev))]) === null ? -E.EIO : 0;
      }
      case IOCTL.TIOCGWINSZ: {
        const out = this.stty(f.hostFd, ['size']);
        const m = out ? /^(\d+)\s+(\d+)/.exec(out) : null;
        if (!m) return -E.EIO;
        const b = new Uint8Array(8);
        const dv = new DataView(b.buffer);
        dv.setUint16(0, Number(m[1]), true); // ws_row
        dv.setUint16(2, Number(m[2]), true); // ws_col
        return this.put(arg, b);
      }
      case IOCTL.TIOCGPGRP:
        return this.memory.writeU32(arg, this.procStatField(4)) ? 0 : -E.EFAULT;
      case IOCTL.TIOCGSID:
        return this.memory.writeU32(arg, this.procStatField(5)) ? 0 : -E.EFAULT;
      default:
        this.note(`ioctl 0x${req.toString(16)} on fd ${fd} not supported → ENOTTY`);
        return -E.ENOTTY;
    }
  }

  // ---- memory management ----------------------------------------------------------------------------

  private pages(len: number): number {
    return Math.ceil(len / PAGE_SIZE);
  }

  private brk(addr: number): number {
    if (addr < this.brkStart) return this.brkCur;
    const oldEnd = Math.ceil(this.brkCur / PAGE_SIZE);
    const newEnd = Math.ceil(addr / PAGE_SIZE);
    if (newEnd > oldEnd) {
      if (!this.memory.canMap(newEnd - oldEnd) || !this.memory.noneMapped(oldEnd, newEnd - oldEnd)) return this.brkCur;
      this.memory.map(oldEnd, newEnd - oldEnd, PROT.READ | PROT.WRITE);
    } else if (newEnd < oldEnd) {
      this.memory.unmap(newEnd, oldEnd - newEnd);
    }
    this.brkCur = addr;
    return addr;
  }

  private allocVa(n: number): number {
    let v = this.memory.findFree(n, 1, this.mmapCursor);
    if (v < 0) v = this.memory.findFree(n, 1, this.mmapTopVpn);
    if (v >= 0) this.mmapCursor = v;
    return v;
  }

  private mmap(addr: number, len: number, prot: number, flags: number, fd: number, off: number): number {
    if (len === 0 || len > 2 ** 47) return len === 0 ? -E.EINVAL : -E.ENOMEM;
    if (prot & ~(PROT.READ | PROT.WRITE | PROT.EXEC | PROT.SAO)) return -E.EINVAL;
    const type = flags & MAP.TYPE;
    if (type !== MAP.SHARED && type !== MAP.PRIVATE && type !== MAP.SHARED_VALIDATE) return -E.EINVAL;
    if (off < 0 || off % PAGE_SIZE !== 0) return -E.EINVAL;
    const anon = (flags & MAP.ANONYMOUS) !== 0;
    let file: OpenFile | undefined;
    if (!anon) {
      file = this.fds.get(fd);
      if (!file) return -E.EBADF;
      if (file.kind !== 'host' || !file.seekable) return -E.ENODEV;
      if (!file.readable) return -E.EACCES;
      if (type !== MAP.PRIVATE && prot & PROT.WRITE) {
        // A shared writable file mapping would need write-back of guest stores to the host file.
        this.note('mmap: MAP_SHARED writable file mappings are not supported → ENODEV');
        return -E.ENODEV;
      }
    }
    const n = this.pages(len);
    if (!this.memory.canMap(n)) {
      this.note(`mmap of ${len} bytes exceeds the mapped-page limit (${this.memory.maxPages} pages) → ENOMEM`);
      return -E.ENOMEM;
    }
    let vpn: number;
    const fixed = (flags & (MAP.FIXED | MAP.FIXED_NOREPLACE)) !== 0;
    if (fixed) {
      if (addr % PAGE_SIZE !== 0) return -E.EINVAL;
      vpn = addr / PAGE_SIZE;
      if (vpn === 0 || (vpn + n) * PAGE_SIZE > USER_LIMIT) return -E.ENOMEM;
      if (flags & MAP.FIXED_NOREPLACE && !(flags & MAP.FIXED) && !this.memory.noneMapped(vpn, n)) return -E.EEXIST;
    } else {
      const hint = Math.floor(addr / PAGE_SIZE);
      vpn = hint > 0 && hint + n <= this.mmapTopVpn && this.memory.noneMapped(hint, n) ? hint : this.allocVa(n);
      if (vpn < 0) return -E.ENOMEM;
    }
    this.memory.map(vpn, n, prot);
    if (file) {
      const chunk = new Uint8Array(Math.min(len, 1 << 20));
      let done = 0;
      while (done < len) {
        const want = Math.min(chunk.length, len - done);
        let got: number;
        try {
          got = fs.readSync(file.hostFd, chunk, 0, want, off + done);
        } catch (e) {
          this.memory.unmap(vpn, n);
          return -hostErrno(e);
        }
        if (got <= 0) break;
        this.memory.poke(vpn * PAGE_SIZE + done, chunk, 0, got);
        done += got;
      }
    }
    return vpn * PAGE_SIZE;
  }

  private munmap(addr: number, len: number): number {
    if (addr % PAGE_SIZE !== 0 || len === 0 || addr + len > USER_LIMIT) return -E.EINVAL;
    const vpn = addr / PAGE_SIZE;
    const n = this.pages(len);
    this.memory.unmap(vpn, n);
    if (vpn + n <= this.mmapTopVpn && vpn + n > this.mmapCursor) this.mmapCursor = vpn + n;
    return 0;
  }

  private mprotect(addr: number, len: number, prot: number): number {
    if (addr % PAGE_SIZE !== 0) return -E.EINVAL;
    if (prot & ~(PROT.READ | PROT.WRITE | PROT.EXEC | PROT.SAO | PROT.GROWSDOWN | PROT.GROWSUP)) return -E.EINVAL;
    if (len === 0) return 0;
    if (addr + len > USER_LIMIT) return -E.ENOMEM;
    return this.memory.protect(addr / PAGE_SIZE, this.pages(len), prot) ? 0 : -E.ENOMEM;
  }

  private mremap(old: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
    if (old % PAGE_SIZE !== 0 || flags & ~(MREMAP.MAYMOVE | MREMAP.FIXED | MREMAP.DONTUNMAP)) return -E.EINVAL;
    if (flags & MREMAP.FIXED && !(flags & MREMAP.MAYMOVE)) return -E.EINVAL;
    if (flags & MREMAP.DONTUNMAP) return -E.EINVAL;
    if (newLen === 0 || oldLen === 0 || newLen > 2 ** 47 || oldLen > 2 ** 47) return -E.EINVAL;
    const vpn = old / PAGE_SIZE;
    const oldN = this.pages(oldLen);
    const newN = this.pages(newLen);
    if (!this.memory.allMapped(vpn, oldN)) return -E.EFAULT;
    const prot = this.memory.prot(vpn + oldN - 1);
    if (flags & MREMAP.FIXED) {
      if (newAddr % PAGE_SIZE !== 0) return -E.EINVAL;
      const to = newAddr / PAGE_SIZE;
      if (to === 0 || (to + newN) * PAGE_SIZE > USER_LIMIT) return -E.EINVAL;
      if (!this.memory.canMap(newN)) return -E.ENOMEM;
      if (to < vpn + oldN && vpn < to + newN) return -E.EINVAL;
      this.memory.unmap(to, newN);
      const keep = Math.min(oldN, newN);
      this.memory.move(vpn, to, keep);
      if (oldN > keep) this.memory.unmap(vpn + keep, oldN - keep);
      if (newN > keep) this.memory.map(to + keep, newN - keep, prot);
      return newAddr;
    }
    if (newN <= oldN) {
      if (newN < oldN) this.memory.unmap(vpn + newN, oldN - newN);
      return old;
    }
    if (!this.memory.canMap(newN - oldN)) return -E.ENOMEM;
    if (this.memory.noneMapped(vpn + oldN, newN - oldN)) {
      this.memory.map(vpn + oldN, newN - oldN, prot);
      return old;
    }
    if (!(flags & MREMAP.MAYMOVE)) return -E.ENOMEM;
    const to = this.allocVa(newN);
    if (to < 0) return -E.ENOMEM;
    this.memory.move(vpn, to, oldN);
    this.memory.map(to + oldN, newN - oldN, prot);
    return to * PAGE_SIZE;
  }

  private madvise(addr: number, len: number, advice: number): number {
    if (addr % PAGE_SIZE !== 0) return -E.EINVAL;
    if (len === 0) return 0;
    const MADV_DONTNEED = 4;
    const vpn = addr / PAGE_SIZE;
    const n = this.pages(len);
    if (!this.memory.allMapped(vpn, n)) return -E.ENOMEM;
    if (advice === MADV_DONTNEED) {
      // Private anonymous pages read back as zero afterwards: give the frames back.
      for (let i = 0; i < n; i++) {
        const prot = this.memory.prot(vpn + i);
        this.memory.map(vpn + i, 1, prot);
      }
    }
    return 0;
  }

  private rangeMapped(addr: number, len: number): number {
    if (addr % PAGE_SIZE !== 0) return -E.EINVAL;
    if (len === 0) return 0;
    return this.memory.allMapped(addr / PAGE_SIZE, this.pages(len)) ? 0 : -E.ENOMEM;
  }

  // ---- time ----------------------------------------------------------------------------------------

  private clockNs(clk: number): bigint | null {
    switch (clk) {
      case 0: // CLOCK_REALTIME
      case 5: // CLOCK_REALTIME_COARSE
      case 8: // CLOCK_REALTIME_ALARM
      case 11: // CLOCK_TAI (offset ignored)
        return this.wallNs0 + (process.hrtime.bigint() - this.hr0);
      case 1: // CLOCK_MONOTONIC
      case 4: // CLOCK_MONOTONIC_RAW
      case 6: // CLOCK_MONOTONIC_COARSE
      case 7: // CLOCK_BOOTTIME
      case 9: // CLOCK_BOOTTIME_ALARM
        return process.hrtime.bigint();
      case 2: // CLOCK_PROCESS_CPUTIME_ID
      case 3: {
        // CLOCK_THREAD_CPUTIME_ID
        const u = process.cpuUsage();
        return BigInt(u.user + u.system) * 1000n;
      }
      default:
        return null;
    }
  }

  private timespec(ns: bigint): Uint8Array {
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setBigInt64(0, ns / 1_000_000_000n, true);
    dv.setBigInt64(8, ns % 1_000_000_000n, true);
    return b;
  }

  private clockGettime(clk: number, addr: number): number {
    const ns = this.clockNs(clk);
    if (ns === null) return -E.EINVAL;
    return this.put(addr, this.timespec(ns));
  }

  private clockGetres(clk: number, addr: number): number {
    if (this.clockNs(clk) === null) return -E.EINVAL;
    if (addr === 0) return 0;
    return this.put(addr, this.timespec(1n));
  }

  private gettimeofday(tv: number, tz: number): number {
    const ns = this.clockNs(0)!;
    if (tv !== 0) {
      const b = new Uint8Array(16);
      const dv = new DataView(b.buffer);
      dv.setBigInt64(0, ns / 1_000_000_000n, true);
      dv.setBigInt64(8, (ns % 1_000_000_000n) / 1000n, true);
      if (!this.memory.write(tv, b)) return -E.EFAULT;
    }
    if (tz !== 0 && !this.memory.write(tz, new Uint8Array(8))) return -E.EFAULT;
    return 0;
  }

  private time(addr: number): number {
    const sec = Number(this.clockNs(0)! / 1_000_000_000n);
    if (addr !== 0 && !this.memory.writeU64(addr, sec)) return -E.EFAULT;
    return sec;
  }

  /** Read a struct timespec: nanoseconds, or -errno. */
  private readTimespec(addr: number): bigint | number {
    const raw = this.memory.read(addr, 16);
    if (!raw) return -E.EFAULT;
    const dv = new DataView(raw.buffer);
    const sec = dv.getBigInt64(0, true);
    const nsec = dv.getBigInt64(8, true);
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -E.EINVAL;
    return sec * 1_000_000_000n + nsec;
  }

  private sleepNs(ns: bigint): void {
    const end = process.hrtime.bigint() + ns;
    for (;;) {
      const left = end - process.hrtime.bigint();
      if (left <= 0n) return;
      this.sleepMs(Math.min(Number(left / 1_000_000n) + 1, 2 ** 31 - 1));
    }
  }

  private nanosleep(req: number, rem: number): number {
    const ns = this.readTimespec(req);
    if (typeof ns === 'number') return ns;
    this.sleepNs(ns);
    void rem; // never interrupted, so *rem is not written
    return 0;
  }

  private clockNanosleep(clk: number, flags: number, req: number, rem: number): number {
    if (clk === 3) return -E.EINVAL; // CLOCK_THREAD_CPUTIME_ID
    const now = this.clockNs(clk);
    if (now === null) return -E.EINVAL;
    const ns = this.readTimespec(req);
    if (typeof ns === 'number') return ns;
    const TIMER_ABSTIME = 1;
    this.sleepNs(flags & TIMER_ABSTIME ? ns - now : ns);
    void rem;
    return 0;
  }

  private times(addr: number): number {
    const u = process.cpuUsage();
    const ticks = Number(process.hrtime.bigint() / 10_000_000n);
    if (addr !== 0) {
      const b = new Uint8Array(32);
      const dv = new DataView(b.buffer);
      dv.setBigInt64(0, BigInt(Math.floor(u.user / 10_000)), true);
      dv.setBigInt64(8, BigInt(Math.floor(u.system / 10_000)), true);
      if (!this.memory.write(addr, b)) return -E.EFAULT;
    }
    return ticks;
  }

  private getrusage(who: number, addr: number): number {
    if (who !== 0 && who !== -1 && who !== 1) return -E.EINVAL; // RUSAGE_SELF, _CHILDREN, _THREAD
    const b = new Uint8Array(144);
    if (who !== -1) {
      const u = process.cpuUsage();
      const dv = new DataView(b.buffer);
      dv.setBigInt64(0, BigInt(Math.floor(u.user / 1e6)), true);
      dv.setBigInt64(8, BigInt(u.user % 1e6), true);
      dv.setBigInt64(16, BigInt(Math.floor(u.system / 1e6)), true);
      dv.setBigInt64(24, BigInt(u.system % 1e6), true);
      dv.setBigInt64(32, BigInt(Math.floor(this.memory.usedBytes / 1024)), true); // ru_maxrss (KiB)
    }
    return this.put(addr, b);
  }

  // ---- identity, system information ------------------------------------------------------------------

  private getres(real: number, eff: number): number {
    for (const [i, v] of [real, eff, eff].entries()) {
      if (!this.memory.writeU32(this.u64(3 + i), v)) return -E.EFAULT;
    }
    return 0;
  }

  /** Supplementary groups exactly as the kernel has them (Node's getgroups() adds the egid). */
  private hostGroups(): number[] {
    try {
      const m = /^Groups:[ \t]*(.*)$/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
      if (m) return m[1]!.trim() === '' ? [] : m[1]!.trim().split(/\s+/).map(Number);
    } catch {
      // fall through
    }
    return process.getgroups?.() ?? [];
  }

  private getgroups(size: number, addr: number): number {
    const groups = this.hostGroups();
    if (size < 0) return -E.EINVAL;
    if (size === 0) return groups.length;
    if (size < groups.length) return -E.EINVAL;
    const b = new Uint8Array(4 * groups.length);
    const dv = new DataView(b.buffer);
    groups.forEach((g, i) => {
      dv.setUint32(4 * i, g, true);
    });
    return this.memory.write(addr, b) ? groups.length : -E.EFAULT;
  }

  /** set*id: allowed only as a no-op (the host process keeps its identity). */
  private setId(ids: number[], user: boolean): number {
    const real = user ? (process.getuid?.() ?? 0) : (process.getgid?.() ?? 0);
    const eff = user ? (process.geteuid?.() ?? 0) : (process.getegid?.() ?? 0);
    for (const id of ids) {
      if (id !== -1 && id !== real && id !== eff) {
        this.note(`set${user ? 'uid' : 'gid'}(${id}): changing the host identity is not supported → EPERM`);
        return -E.EPERM;
      }
    }
    return 0;
  }

  /** A numeric field of /proc/self/stat (0-based, counting "pid (comm) state ..." as fields 0, 1, 2). */
  private procStatField(i: number): number {
    try {
      const s = fs.readFileSync('/proc/self/stat', 'latin1');
      const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
      return Number(rest[i - 2]);
    } catch {
      return process.pid;
    }
  }

  private uname(addr: number): number {
    return this.put(
      addr,
      encodeUtsname({
        sysname: 'Linux',
        nodename: os.hostname(),
        release: os.release(),
        version: os.version(),
        machine: 'ppc64le',
        domainname: '(none)',
      }),
    );
  }

  private sysinfo(addr: number): number {
    const l = os.loadavg();
    return this.put(
      addr,
      encodeSysinfo({
        uptime: os.uptime(),
        loads: [l[0]!, l[1]!, l[2]!],
        totalram: os.totalmem(),
        freeram: os.freemem(),
        procs: 1,
      }),
    );
  }

  private getrandom(addr: number, len: number, flags: number): number {
    if (flags & ~7) return -E.EINVAL; // GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE
    const n = Math.min(len, 1 << 20); // a short count is allowed; callers loop
    if (n === 0) return 0;
    if (!this.memory.check(addr, n, Access.Store)) return -E.EFAULT;
    const b = new Uint8Array(n);
    randomFillSync(b);
    this.memory.write(addr, b);
    return n;
  }

  private prlimit(pid: number, resource: number, newAddr: number, oldAddr: number): number {
    if (pid !== 0 && pid !== process.pid) return -E.ESRCH;
    if (resource >= 16) return -E.EINVAL;
    const cur = this.rlimits.get(resource) ?? [RLIM_INFINITY, RLIM_INFINITY];
    let next: [bigint, bigint] | null = null;
    if (newAddr !== 0) {
      const raw = this.memory.read(newAddr, 16);
      if (!raw) return -E.EFAULT;
      const dv = new DataView(raw.buffer);
      next = [dv.getBigUint64(0, true), dv.getBigUint64(8, true)];
      if (next[0] > next[1]) return -E.EINVAL;
      if (next[1] > cur[1] && (process.geteuid?.() ?? 0) !== 0) return -E.EPERM;
    }
    if (oldAddr !== 0) {
      const b = new Uint8Array(16);
      const dv = new DataView(b.buffer);
      dv.setBigUint64(0, cur[0], true);
      dv.setBigUint64(8, cur[1], true);
      if (!this.memory.write(oldAddr, b)) return -E.EFAULT;
    }
    if (next) {
      this.rlimits.set(resource, next);
      if (resource === 7) this.fds.limit = Number(next[0] < 65536n ? next[0] : 65536n);
    }
    return 0;
  }

  private schedGetaffinity(pid: number, len: number, addr: number): number {
    if (pid !== 0 && pid !== process.pid) return -E.ESRCH;
    const cpus = Math.max(1, Math.min(os.availableParallelism(), 64));
    if (len < 8 || len % 8 !== 0) return -E.EINVAL;
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, (1n << BigInt(cpus)) - 1n, true);
    return this.memory.write(addr, b) ? 8 : -E.EFAULT;
  }

  private getcpu(cpuAddr: number, nodeAddr: number): number {
    if (cpuAddr !== 0 && !this.memory.writeU32(cpuAddr, 0)) return -E.EFAULT;
    if (nodeAddr !== 0 && !this.memory.writeU32(nodeAddr, 0)) return -E.EFAULT;
    return 0;
  }

  private prctl(option: number, arg2: number): number {
    switch (option) {
      case 15: {
        // PR_SET_NAME
        const r = this.memory.readCString(arg2, 16);
        if (r === 'fault') return -E.EFAULT;
        if (r === 'toolong') {
          const raw = this.memory.read(arg2, 15);
          if (!raw) return -E.EFAULT;
          this.processName = raw;
        } else this.processName = r;
        return 0;
      }
      case 16: {
        // PR_GET_NAME
        const b = new Uint8Array(16);
        b.set(this.processName.subarray(0, 15));
        return this.put(arg2, b);
      }
      case 3: // PR_GET_DUMPABLE
        return 1;
      case 4: // PR_SET_DUMPABLE
      case 1: // PR_SET_PDEATHSIG
      case 38: // PR_SET_NO_NEW_PRIVS
        return 0;
      case 39: // PR_GET_NO_NEW_PRIVS
        return 0;
      default:
        this.note(`prctl option ${option} not supported → EINVAL`);
        return -E.EINVAL;
    }
  }

  private futex(addr: number, op: number, val: number, timeout: number): number {
    const cmd = op & 0x7f; // without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME
    const FUTEX_WAIT = 0;
    const FUTEX_WAKE = 1;
    const FUTEX_WAIT_BITSET = 9;
    const FUTEX_WAKE_BITSET = 10;
    if (addr % 4 !== 0) return -E.EINVAL;
    if (cmd === FUTEX_WAKE || cmd === FUTEX_WAKE_BITSET) {
      return this.memory.check(addr, 4, Access.Load) ? 0 : -E.EFAULT; // no other threads to wake
    }
    if (cmd === FUTEX_WAIT || cmd === FUTEX_WAIT_BITSET) {
      const cur = this.memory.readU32(addr);
      if (cur === null) return -E.EFAULT;
      if (cur !== val) return -E.EAGAIN;
      if (timeout === 0) {
        this.note('futex wait with no other thread to wake it → would sleep forever; EINTR');
        return -E.EINTR;
      }
      const ns = this.readTimespec(timeout);
      if (typeof ns === 'number') return ns;
      const now = this.clockNs(op & 256 ? 0 : 1)!;
      this.sleepNs(cmd === FUTEX_WAIT_BITSET ? ns - now : ns);
      return -E.ETIMEDOUT;
    }
    this.note(`futex op ${op} not supported → ENOSYS`);
    return -E.ENOSYS;
  }

  // ---- execve ------------------------------------------------------------------------------------------

  /** A NULL-terminated array of string pointers (argv/envp), within Linux's size limits. */
  private stringArray(addr: number, budget: { bytes: number }): Uint8Array[] | number {
    const out: Uint8Array[] = [];
    if (addr === 0) return out;
    const MAX_ARG_STRLEN = 32 * 4096;
    for (let i = 0; ; i++) {
      if (i >= 1 << 20) return -E.E2BIG;
      const ptr = this.memory.readU64(addr + 8 * i);
      if (ptr === null) return -E.EFAULT;
      if (ptr === 0) return out;
      const str = this.memory.readCString(ptr, MAX_ARG_STRLEN);
      if (str === 'fault') return -E.EFAULT;
      if (str === 'toolong') return -E.E2BIG;
      budget.bytes -= str.length + 1 + 8;
      if (budget.bytes < 0) return -E.E2BIG;
      out.push(str);
    }
  }

  private execve(dirfd: number, pathAddr: number, argvAddr: number, envpAddr: number, flags: number): number {
    if (flags & ~(AT.EMPTY_PATH | AT.SYMLINK_NOFOLLOW)) return -E.EINVAL;
    const p = this.path(pathAddr);
    if (typeof p === 'number') return p;
    // Linux allows a quarter of the stack limit for arguments and environment.
    const budget = { bytes: (8 << 20) / 4 };
    const argv = this.stringArray(argvAddr, budget);
    if (typeof argv === 'number') return argv;
    const envp = this.stringArray(envpAddr, budget);
    if (typeof envp === 'number') return envp;
    let hp: Buffer | number;
    if (p.length === 0 && flags & AT.EMPTY_PATH) {
      const f = this.fds.get(dirfd);
      if (f?.kind !== 'host') return -E.EBADF;
      hp = Buffer.from(`/proc/self/fd/${f.hostFd}`);
    } else hp = this.resolve(dirfd, p);
    if (typeof hp === 'number') return hp;
    if (!this.execHandler) return -E.ENOSYS;
    return this.execHandler({ path: hp, filename: p, argv, envp });
  }

  /** After a successful execve: the new image's facts, close-on-exec, default signal handlers (execve(2)). */
  execDone(r: ExecResult): void {
    this.programPath = r.programPath;
    this.argv = r.argv;
    this.auxvBytes = r.auxv;
    this.brkStart = this.brkCur = r.brk;
    this.mmapCursor = this.mmapTopVpn;
    for (const fd of this.fds.list()) if (this.fds.cloexec(fd)) this.fds.close(fd);
    for (const a of this.sigactions) {
      if (a.handler > 1n) a.handler = 0n;
      a.flags = 0n;
      a.restorer = 0n;
      a.mask = 0n;
    }
    this.altstack = new Uint8Array(24);
    const base = r.argv[0] ?? new Uint8Array(0);
    const slash = base.lastIndexOf(0x2f);
    this.processName = base.slice(slash + 1, slash + 16);
  }

  // ---- signals ---------------------------------------------------------------------------------------

  /** struct sigaction for powerpc (kernel ABI): handler, flags, restorer, mask: 32 bytes. */
  private rtSigaction(sig: number, act: number, oact: number, size: number): number {
    if (size !== 8) return -E.EINVAL;
    if (sig < 1 || sig > 64) return -E.EINVAL;
    let next: SigAction | null = null;
    if (act !== 0) {
      if (sig === SIG.KILL || sig === SIG.STOP) return -E.EINVAL;
      const raw = this.memory.read(act, 32);
      if (!raw) return -E.EFAULT;
      const dv = new DataView(raw.buffer);
      next = {
        handler: dv.getBigUint64(0, true),
        flags: dv.getBigUint64(8, true),
        restorer: dv.getBigUint64(16, true),
        mask: dv.getBigUint64(24, true),
      };
    }
    if (oact !== 0) {
      const cur = this.sigactions[sig]!;
      const b = new Uint8Array(32);
      const dv = new DataView(b.buffer);
      dv.setBigUint64(0, cur.handler, true);
      dv.setBigUint64(8, cur.flags, true);
      dv.setBigUint64(16, cur.restorer, true);
      dv.setBigUint64(24, cur.mask, true);
      if (!this.memory.write(oact, b)) return -E.EFAULT;
    }
    if (next) {
      this.sigactions[sig] = next;
      if (next.handler > 1n && this.debug.has('signal')) {
        this.log(`ppcvm-user: handler installed for ${signalName(sig)} (handlers are never invoked)`);
      }
    }
    return 0;
  }

  private rtSigprocmask(how: number, set: number, oset: number, size: number): number {
    if (size !== 8) return -E.EINVAL;
    let next: bigint | null = null;
    if (set !== 0) {
      const raw = this.memory.read(set, 8);
      if (!raw) return -E.EFAULT;
      const v = new DataView(raw.buffer).getBigUint64(0, true);
      if (how === 0) next = this.sigmask | v;
      else if (how === 1) next = this.sigmask & ~v;
      else if (how === 2) next = v;
      else return -E.EINVAL;
    }
    if (oset !== 0 && !this.memory.writeU64(oset, this.sigmask)) return -E.EFAULT;
    // SIGKILL and SIGSTOP cannot be blocked.
    if (next !== null) this.sigmask = next & ~((1n << 8n) | (1n << 18n));
    return 0;
  }

  private sigaltstack(ss: number, oss: number): number {
    if (oss !== 0 && !this.memory.write(oss, this.altstack)) return -E.EFAULT;
    if (ss !== 0) {
      const raw = this.memory.read(ss, 24);
      if (!raw) return -E.EFAULT;
      const flags = new DataView(raw.buffer).getInt32(8, true);
      const SS_DISABLE = 2;
      const SS_AUTODISARM = 1 << 31;
      if (flags & ~(SS_DISABLE | SS_AUTODISARM)) return -E.EINVAL;
      this.altstack = raw;
    }
    return 0;
  }

  private kill(pid: number, sig: number): number {
    if (sig < 0 || sig > 64) return -E.EINVAL;
    if (pid === process.pid || pid === 0) {
      if (sig !== 0) this.raise(sig, `${signalName(sig)} sent by the program to itself`);
      return 0;
    }
    if (pid <= 0) {
      this.note(`kill(${pid}, ${sig}): process groups are not supported → EPERM`);
      return -E.EPERM;
    }
    try {
      process.kill(pid, sig);
      return 0;
    } catch (e) {
      return -hostErrno(e);
    }
  }

  /**
   * A signal for this process. Default actions (terminate, ignore) are carried
   * out; handlers are recorded but never invoked (no signal frames are built),
   * so a caught signal terminates the process as its default action would.
   */
  raise(sig: number, reason: string): void {
    const act = this.sigactions[sig];
    const blocked = (this.sigmask >> BigInt(sig - 1)) & 1n;
    if (sig !== SIG.KILL && sig !== SIG.STOP) {
      if (blocked) return; // stays pending forever: nothing ever unblocks-and-delivers
      if (act?.handler === 1n) return; // SIG_IGN
      if (act?.handler === 0n && DEFAULT_IGNORED.has(sig)) return;
      if (act && act.handler > 1n) {
        this.terminate(sig, `${reason} (the program's handler for it cannot be run: signal delivery is unimplemented)`);
        return;
      }
      if (sig === SIG.TSTP || sig === SIG.TTIN || sig === SIG.TTOU) return; // job control stop: not modelled
    }
    this.terminate(sig, reason);
  }
}
