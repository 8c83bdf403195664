import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DYN_BASE, decodeStat, Errno, LinuxProcess, NR, PAGE_SIZE } from '../src/index.js';
import { code, HEADER_PAD, insn, tempDir, writeElf } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const TEXT = 0x10000000;
const prog = writeElf(tmp.dir, 'prog', {
  entry: TEXT + HEADER_PAD,
  segments: [
    { vaddr: TEXT, flags: 5, data: code([insn.li(0, 234), insn.li(3, 0), insn.sc()]), withHeaders: true },
    { vaddr: 0x10020000, flags: 6, data: new Uint8Array(16), memsz: 0x20000 },
  ],
});

const PROT_RW = 3;
const MAP_PRIVATE_ANON = 0x22;
const UNMAPPED = 0x5000_0000;
const BIG = 2n ** 63n + 12345n;

interface Ret {
  ret: bigint;
  err: boolean;
}

let logs: string[] = [];
let out: string;
let p: LinuxProcess;
let scratch: number;

function sys(nr: number, ...args: (number | bigint)[]): Ret {
  p.cpu.setGpr(0, BigInt(nr));
  for (let i = 0; i < 6; i++) p.cpu.setGpr(3 + i, BigInt(args[i] ?? 0));
  p.kernel.syscall(p.cpu, 0);
  return { ret: p.cpu.getGpr(3), err: (p.cpu.getCr() & 0x10000000) !== 0 };
}

function ok(r: Ret): bigint {
  expect(r.err, `unexpected error ${r.ret}`).toBe(false);
  return r.ret;
}

function fails(r: Ret, errno: number): void {
  expect(r).toEqual({ ret: BigInt(errno), err: true });
}

function cstring(addr: number, s: string): void {
  expect(p.memory.write(addr, new TextEncoder().encode(`${s}\0`))).toBe(true);
}

beforeEach(() => {
  p?.dispose();
  logs = [];
  out = path.join(tmp.dir, `out-${Math.random().toString(36).slice(2)}`);
  const fd = fs.openSync(out, 'w+');
  p = new LinuxProcess({
    program: prog,
    env: [],
    stdio: [fd, fd, fd],
    ownStdio: true,
    cwd: tmp.dir,
    debug: ['syscall'],
    log: (l) => logs.push(l),
  });
  scratch = Number(ok(sys(NR.mmap, 0, 4 * PAGE_SIZE, PROT_RW, MAP_PRIVATE_ANON, -1, 0)));
});

afterAll(() => p?.dispose());

describe('calling convention', () => {
  it('returns values in r3 with CR0[SO] clear, errors as positive errno with CR0[SO] set', () => {
    expect(sys(NR.getpid)).toEqual({ ret: BigInt(process.pid), err: false });
    p.cpu.setCr(0x10000000);
    expect(sys(NR.getuid).err).toBe(false);
    fails(sys(NR.close, 99), Errno.EBADF);
    expect(p.cpu.getCr() & 0x10000000).not.toBe(0);
  });

  it('answers unknown system calls with ENOSYS and one debug line', () => {
    fails(sys(9999), Errno.ENOSYS);
    fails(sys(NR.fork), Errno.ENOSYS);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/unsupported system call syscall_9999 \(9999\)/);
    expect(logs[1]).toMatch(/fork/);
  });

  it('treats a number with high bits set as unknown, and sc 1 as an illegal instruction', () => {
    fails(sys(Number(2n ** 32n + 20n)), Errno.ENOSYS);
    p.kernel.syscall(p.cpu, 1);
    expect(p.kernel.termination).toMatchObject({ kind: 'signal', signal: 4 });
  });
});

describe('hostile pointers give EFAULT', () => {
  it('write/read with unmapped, read-only, wrapping or huge buffers', () => {
    fails(sys(NR.write, 1, UNMAPPED, 10), Errno.EFAULT);
    fails(sys(NR.write, 1, BIG, 10), Errno.EFAULT);
    fails(sys(NR.write, 1, scratch + 4 * PAGE_SIZE - 4, 8), Errno.EFAULT); // runs off the mapping
    fails(sys(NR.read, 0, TEXT, 4), Errno.EFAULT); // text is not writable
    fails(sys(NR.read, 0, 2n ** 64n - 8n, 16), Errno.EFAULT);
    expect(ok(sys(NR.write, 1, TEXT + HEADER_PAD, 4))).toBe(4n); // reading text is fine
    expect(fs.readFileSync(out)).toEqual(Buffer.from(code([insn.li(0, 234)])));
  });

  it('path arguments: NULL, unmapped, unterminated', () => {
    fails(sys(NR.openat, -100, 0, 0), Errno.EFAULT);
    fails(sys(NR.openat, -100, UNMAPPED, 0), Errno.EFAULT);
    p.memory.write(scratch, new Uint8Array(PAGE_SIZE).fill(0x61));
    fails(sys(NR.openat, -100, scratch, 0), Errno.ENAMETOOLONG);
    // A string running into an unmapped page.
    p.memory.write(scratch + 4 * PAGE_SIZE - 3, new Uint8Array([0x61, 0x62, 0x63]));
    fails(sys(NR.openat, -100, scratch + 4 * PAGE_SIZE - 3, 0), Errno.EFAULT);
    fails(sys(NR.newfstatat, -100, UNMAPPED, scratch, 0), Errno.EFAULT);
    fails(sys(NR.unlinkat, -100, UNMAPPED, 0), Errno.EFAULT);
    fails(sys(NR.mkdirat, -100, UNMAPPED, 0o755), Errno.EFAULT);
    fails(sys(NR.readlinkat, -100, UNMAPPED, scratch, 100), Errno.EFAULT);
  });

  it('result buffers: stat, statx, clock, uname, pipe2, getdents64, getcwd', () => {
    fails(sys(NR.fstat, 1, UNMAPPED), Errno.EFAULT);
    cstring(scratch, '.');
    fails(sys(NR.newfstatat, -100, scratch, TEXT, 0), Errno.EFAULT);
    fails(sys(NR.statx, -100, scratch, 0, 0x7ff, UNMAPPED), Errno.EFAULT);
    fails(sys(NR.clock_gettime, 1, UNMAPPED), Errno.EFAULT);
    fails(sys(NR.uname, UNMAPPED), Errno.EFAULT);
    fails(sys(NR.pipe2, UNMAPPED, 0), Errno.EFAULT);
    fails(sys(NR.getcwd, UNMAPPED, 4096), Errno.EFAULT);
    const dfd = Number(ok(sys(NR.openat, -100, scratch, 0o40000)));
    fails(sys(NR.getdents64, dfd, UNMAPPED, 4096), Errno.EFAULT);
    fails(sys(NR.rt_sigaction, 2, UNMAPPED, 0, 8), Errno.EFAULT);
    fails(sys(NR.rt_sigprocmask, 0, 0, UNMAPPED, 8), Errno.EFAULT);
    fails(sys(NR.prlimit64, 0, 3, 0, UNMAPPED), Errno.EFAULT);
    fails(sys(NR.getrandom, UNMAPPED, 16, 0), Errno.EFAULT);
  });

  it('execve: bad path, argv or envp pointers and oversized arguments fail before the point of no return', () => {
    cstring(scratch, prog);
    fails(sys(NR.execve, UNMAPPED, 0, 0), Errno.EFAULT);
    fails(sys(NR.execve, scratch, UNMAPPED, 0), Errno.EFAULT);
    p.memory.writeU64(scratch + 512, UNMAPPED); // argv[0] points nowhere
    fails(sys(NR.execve, scratch, scratch + 512, 0), Errno.EFAULT);
    p.memory.writeU64(scratch + 512, 0);
    p.memory.writeU64(scratch + 4 * PAGE_SIZE - 8, scratch); // envp[0] fine, envp[1] beyond the mapping
    fails(sys(NR.execve, scratch, 0, scratch + 4 * PAGE_SIZE - 8), Errno.EFAULT);
    // 64 KiB strings, 40 of them: more than the 2 MiB argument budget.
    p.memory.write(scratch + PAGE_SIZE, new Uint8Array(PAGE_SIZE - 1).fill(0x41));
    for (let i = 0; i < 40; i++) p.memory.writeU64(scratch + 1024 + 8 * i, scratch + PAGE_SIZE);
    p.memory.writeU64(scratch + 1024 + 320, 0);
    fails(sys(NR.execve, scratch, scratch + 1024, 0), Errno.E2BIG);
    cstring(scratch, path.join(tmp.dir, 'missing'));
    fails(sys(NR.execve, scratch, 0, 0), Errno.ENOENT);
    expect(p.kernel.termination).toBeNull();
    expect(p.cpu.getGpr(1)).toBe(BigInt(p.stack.sp)); // still the old image
  });

  it('readv/writev: bad vector, bad element, too many elements', () => {
    fails(sys(NR.writev, 1, UNMAPPED, 1), Errno.EFAULT);
    fails(sys(NR.writev, 1, scratch, 1025), Errno.EINVAL);
    const iov = new Uint8Array(32);
    const dv = new DataView(iov.buffer);
    dv.setBigUint64(0, BigInt(scratch + 64), true);
    dv.setBigUint64(8, 3n, true);
    dv.setBigUint64(16, BigInt(UNMAPPED), true);
    dv.setBigUint64(24, 3n, true);
    p.memory.write(scratch, iov);
    fails(sys(NR.writev, 1, scratch, 2), Errno.EFAULT);
    dv.setBigUint64(24, 2n ** 63n, true);
    p.memory.write(scratch, iov);
    fails(sys(NR.writev, 1, scratch, 2), Errno.EINVAL);
    // A good vector gathers in order.
    p.memory.write(scratch + 64, new TextEncoder().encode('abcdef'));
    dv.setBigUint64(16, BigInt(scratch + 67), true);
    dv.setBigUint64(24, 3n, true);
    p.memory.write(scratch, iov);
    expect(ok(sys(NR.writev, 1, scratch, 2))).toBe(6n);
    expect(fs.readFileSync(out, 'latin1')).toBe('abcdef');
  });

  it('a failed read consumes no input', () => {
    const f = path.join(tmp.dir, 'in.txt');
    fs.writeFileSync(f, 'hello');
    cstring(scratch, f);
    const fd = Number(ok(sys(NR.openat, -100, scratch, 0)));
    fails(sys(NR.read, fd, UNMAPPED, 5), Errno.EFAULT);
    expect(ok(sys(NR.read, fd, scratch + 256, 100))).toBe(5n);
    expect(new TextDecoder().decode(p.memory.read(scratch + 256, 5)!)).toBe('hello');
  });

  it('never throws and always returns success or a valid errno on random arguments', () => {
    // Only calls that cannot touch the host outside our temp directory or sleep.
    const safe = [
      NR.read,
      NR.write,
      NR.readv,
      NR.writev,
      NR.pread64,
      NR.lseek,
      NR.fstat,
      NR.newfstatat,
      NR.statx,
      NR.getdents64,
      NR.clock_gettime,
      NR.gettimeofday,
      NR.uname,
      NR.sysinfo,
      NR.getrandom,
      NR.rt_sigaction,
      NR.rt_sigprocmask,
      NR.sigaltstack,
      NR.mmap,
      NR.munmap,
      NR.mprotect,
      NR.mremap,
      NR.madvise,
      NR.brk,
      NR.pipe2,
      NR.dup,
      NR.dup3,
      NR.fcntl,
      NR.ioctl,
      NR.getcwd,
      NR.readlinkat,
      NR.prlimit64,
      NR.sched_getaffinity,
      NR.times,
      NR.getrusage,
      NR.set_robust_list,
      NR.prctl,
      NR.close_range,
    ];
    const word = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.constantFrom(0n, 1n, 2n, 0xffffffffn, 2n ** 64n - 1n, BigInt(scratch), BigInt(TEXT), BigInt(UNMAPPED)),
      fc.integer({ min: 0, max: 64 }).map(BigInt),
    );
    fc.assert(
      fc.property(fc.constantFrom(...safe), fc.array(word, { minLength: 6, maxLength: 6 }), (nr, args) => {
        const r = sys(nr, ...args);
        if (r.err) expect(Number(r.ret)).toBeGreaterThan(0);
        if (r.err) expect(Number(r.ret)).toBeLessThan(4096);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('files', () => {
  it('open, write, lseek, pread, fstat with the ppc64 struct stat layout', () => {
    const f = path.join(tmp.dir, 'data.bin');
    cstring(scratch, f);
    const fd = Number(ok(sys(NR.openat, -100, scratch, 0o102 /* O_CREAT|O_RDWR */, 0o640)));
    p.memory.write(scratch + 1024, new TextEncoder().encode('0123456789'));
    expect(ok(sys(NR.write, fd, scratch + 1024, 10))).toBe(10n);
    expect(ok(sys(NR.lseek, fd, -4, 1))).toBe(6n);
    expect(ok(sys(NR.read, fd, scratch + 2048, 10))).toBe(4n);
    expect(ok(sys(NR.pread64, fd, scratch + 2048, 3, 2))).toBe(3n);
    expect(new TextDecoder().decode(p.memory.read(scratch + 2048, 4)!)).toBe('2349');
    ok(sys(NR.fstat, fd, scratch + 4096));
    const st = decodeStat(p.memory.read(scratch + 4096, 144)!);
    const host = fs.statSync(f, { bigint: true });
    expect(st.size).toBe(10n);
    expect(st.ino).toBe(host.ino);
    expect(st.mode).toBe(Number(host.mode));
    expect(st.nlink).toBe(1n);
    expect(st.mtime).toEqual([host.mtimeNs / 1_000_000_000n, host.mtimeNs % 1_000_000_000n]);
    fails(sys(NR.lseek, fd, -100, 0), Errno.EINVAL);
    ok(sys(NR.close, fd));
    fails(sys(NR.read, fd, scratch, 1), Errno.EBADF);
  });

  it('getdents64 lists ".", ".." and the entries with inode numbers', () => {
    const d = path.join(tmp.dir, 'dir');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'file'), 'x');
    fs.mkdirSync(path.join(d, 'sub'));
    cstring(scratch, d);
    const fd = Number(ok(sys(NR.openat, -100, scratch, 0o40000)));
    const n = Number(ok(sys(NR.getdents64, fd, scratch, 4096)));
    const raw = p.memory.read(scratch, n)!;
    const dv = new DataView(raw.buffer);
    const names = new Map<string, [bigint, number]>();
    for (let o = 0; o < n; o += dv.getUint16(o + 16, true)) {
      const name = new TextDecoder().decode(raw.subarray(o + 19, raw.indexOf(0, o + 19)));
      names.set(name, [dv.getBigUint64(o, true), raw[o + 18]!]);
    }
    expect([...names.keys()].slice(0, 2)).toEqual(['.', '..']);
    expect(names.get('file')).toEqual([fs.statSync(path.join(d, 'file'), { bigint: true }).ino, 8]);
    expect(names.get('sub')![1]).toBe(4);
    expect(ok(sys(NR.getdents64, fd, scratch, 4096))).toBe(0n); // end of directory
    fails(sys(NR.getdents64, 1, scratch, 4096), Errno.ENOTDIR);
    // Too small for one record.
    ok(sys(NR.lseek, fd, 0, 0));
    fails(sys(NR.getdents64, fd, scratch, 8), Errno.EINVAL);
  });

  it('chdir/getcwd and relative *at lookups through a directory fd', () => {
    const d = path.join(tmp.dir, 'cwdtest');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'f'), 'abc');
    cstring(scratch, d);
    ok(sys(NR.chdir, scratch));
    expect(ok(sys(NR.getcwd, scratch, 4096))).toBe(BigInt(d.length + 1));
    expect(new TextDecoder().decode(p.memory.read(scratch, d.length)!)).toBe(d);
    fails(sys(NR.getcwd, scratch, 3), Errno.ERANGE);
    cstring(scratch, 'f');
    const fd = Number(ok(sys(NR.openat, -100, scratch, 0)));
    expect(ok(sys(NR.read, fd, scratch + 100, 10))).toBe(3n);
    cstring(scratch, '..');
    const up = Number(ok(sys(NR.openat, -100, scratch, 0o40000)));
    cstring(scratch, 'cwdtest/f');
    ok(sys(NR.faccessat, up, scratch, 4));
    fails(sys(NR.faccessat, 1, scratch, 4), Errno.ENOTDIR);
    cstring(scratch, '/proc/self/exe');
    const n = Number(ok(sys(NR.readlinkat, -100, scratch, scratch + 100, 4096)));
    expect(new TextDecoder().decode(p.memory.read(scratch + 100, n)!)).toBe(fs.realpathSync(prog));
  });

  it('in-process pipes, dup2 and fcntl flags', () => {
    ok(sys(NR.pipe2, scratch, 0o2000000));
    const dv = new DataView(p.memory.read(scratch, 8)!.buffer);
    const [r, w] = [dv.getInt32(0, true), dv.getInt32(4, true)];
    expect(ok(sys(NR.fcntl, r, 1))).toBe(1n); // FD_CLOEXEC
    p.memory.write(scratch + 64, new TextEncoder().encode('ping'));
    expect(ok(sys(NR.write, w, scratch + 64, 4))).toBe(4n);
    expect(ok(sys(NR.dup2, r, 20))).toBe(20n);
    expect(ok(sys(NR.fcntl, 20, 1))).toBe(0n);
    expect(ok(sys(NR.read, 20, scratch + 128, 10))).toBe(4n);
    ok(sys(NR.close, w));
    expect(ok(sys(NR.read, r, scratch + 128, 10))).toBe(0n); // EOF: no writers left
    ok(sys(NR.pipe2, scratch, 0));
    const dv2 = new DataView(p.memory.read(scratch, 8)!.buffer);
    ok(sys(NR.close, dv2.getInt32(0, true)));
    fails(sys(NR.write, dv2.getInt32(4, true), scratch + 64, 4), Errno.EPIPE);
    expect(p.kernel.termination).toMatchObject({ kind: 'signal', signal: 13 }); // SIGPIPE, default action
  });

  it('ioctl TCGETS/TIOCGWINSZ on a non-terminal is ENOTTY', () => {
    fails(sys(NR.ioctl, 1, 0x402c7413, scratch), Errno.ENOTTY);
    fails(sys(NR.ioctl, 1, 0x40087468, scratch), Errno.ENOTTY);
    fails(sys(NR.ioctl, 77, 0x402c7413, scratch), Errno.EBADF);
  });
});

describe('memory management', () => {
  it('mmap / munmap / mprotect change what the CPU may touch', () => {
    const a = Number(ok(sys(NR.mmap, 0, 2 * PAGE_SIZE, PROT_RW, MAP_PRIVATE_ANON, -1, 0)));
    expect(a % PAGE_SIZE).toBe(0);
    expect(p.memory.read(a, 16)).toEqual(new Uint8Array(16)); // fresh pages are zero
    expect(p.memory.translate(Math.floor(a / 2 ** 32), a % 2 ** 32, 1)).toBeGreaterThanOrEqual(0);
    ok(sys(NR.mprotect, a, PAGE_SIZE, 1));
    expect(p.memory.translate(Math.floor(a / 2 ** 32), a % 2 ** 32, 1)).toBe(-2);
    ok(sys(NR.munmap, a, 2 * PAGE_SIZE));
    expect(p.memory.translate(Math.floor(a / 2 ** 32), a % 2 ** 32, 0)).toBe(-1);
    fails(sys(NR.mprotect, a, PAGE_SIZE, 1), Errno.ENOMEM);
    fails(sys(NR.munmap, a + 1, PAGE_SIZE), Errno.EINVAL);
    fails(sys(NR.mmap, a + 4096, PAGE_SIZE, PROT_RW, MAP_PRIVATE_ANON | 0x10, -1, 0), Errno.EINVAL);
    fails(sys(NR.mmap, 0, 0, PROT_RW, MAP_PRIVATE_ANON, -1, 0), Errno.EINVAL);
    fails(sys(NR.mmap, 0, 2n ** 46n, PROT_RW, MAP_PRIVATE_ANON, -1, 0), Errno.ENOMEM);
    fails(sys(NR.mmap, 0, PAGE_SIZE, PROT_RW, 0x20, -1, 0), Errno.EINVAL); // neither shared nor private
  });

  it('MAP_FIXED replaces, mremap grows in place or moves', () => {
    const a = Number(ok(sys(NR.mmap, 0, 3 * PAGE_SIZE, PROT_RW, MAP_PRIVATE_ANON, -1, 0)));
    p.memory.write(a, new Uint8Array([1, 2, 3]));
    ok(sys(NR.munmap, a + PAGE_SIZE, 2 * PAGE_SIZE));
    expect(ok(sys(NR.mremap, a, PAGE_SIZE, 2 * PAGE_SIZE, 0))).toBe(BigInt(a));
    expect(p.memory.read(a, 3)).toEqual(new Uint8Array([1, 2, 3]));
    // Block growth in place, then move.
    ok(sys(NR.mmap, a + 2 * PAGE_SIZE, PAGE_SIZE, PROT_RW, MAP_PRIVATE_ANON | 0x10, -1, 0));
    fails(sys(NR.mremap, a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, 0), Errno.ENOMEM);
    const b = Number(ok(sys(NR.mremap, a, 2 * PAGE_SIZE, 4 * PAGE_SIZE, 1)));
    expect(b).not.toBe(a);
    expect(p.memory.read(b, 3)).toEqual(new Uint8Array([1, 2, 3]));
    expect(p.memory.isMapped(a / PAGE_SIZE)).toBe(false);
    fails(sys(NR.mremap, UNMAPPED, PAGE_SIZE, 2 * PAGE_SIZE, 1), Errno.EFAULT);
  });

  it('brk grows and shrinks the heap after the image', () => {
    const start = Number(ok(sys(NR.brk, 0)));
    expect(start).toBe(p.image.brk);
    expect(ok(sys(NR.brk, start + 100_000))).toBe(BigInt(start + 100_000));
    expect(p.memory.write(start + 99_000, new Uint8Array(1000))).toBe(true);
    expect(ok(sys(NR.brk, start + 10))).toBe(BigInt(start + 10));
    expect(p.memory.write(start + 99_000, new Uint8Array(1))).toBe(false);
    expect(ok(sys(NR.brk, start - PAGE_SIZE))).toBe(BigInt(start + 10)); // below the start: unchanged
    expect(ok(sys(NR.brk, 2n ** 62n))).toBe(BigInt(start + 10)); // absurd: unchanged
  });
});

describe('signals and exit', () => {
  it('rt_sigaction validates and records; raising an ignored signal is harmless', () => {
    fails(sys(NR.rt_sigaction, 2, 0, 0, 7), Errno.EINVAL);
    fails(sys(NR.rt_sigaction, 9, scratch, 0, 8), Errno.EINVAL); // SIGKILL
    fails(sys(NR.rt_sigaction, 65, 0, 0, 8), Errno.EINVAL);
    const act = new Uint8Array(32);
    new DataView(act.buffer).setBigUint64(0, 1n, true); // SIG_IGN
    p.memory.write(scratch, act);
    ok(sys(NR.rt_sigaction, 10, scratch, 0, 8));
    ok(sys(NR.rt_sigaction, 10, 0, scratch + 64, 8));
    expect(p.memory.readU64(scratch + 64)).toBe(1);
    ok(sys(NR.kill, process.pid, 10));
    expect(p.kernel.termination).toBeNull();
    ok(sys(NR.tgkill, process.pid, process.pid, 28)); // SIGWINCH: ignored by default
    expect(p.kernel.termination).toBeNull();
    ok(sys(NR.tgkill, process.pid, process.pid, 6));
    expect(p.kernel.termination).toMatchObject({ kind: 'signal', signal: 6 });
  });

  it('exit_group stops the CPU with the status', () => {
    p.cpu.setGpr(0, BigInt(NR.exit_group));
    p.cpu.setGpr(3, 0x1234n);
    p.kernel.syscall(p.cpu, 0);
    expect(p.kernel.termination).toEqual({ kind: 'exit', code: 0x34 });
  });
});

describe('running programs', () => {
  it('maps CPU stops to signal statuses', () => {
    const cases: [number[], number, RegExp][] = [
      [[insn.trap()], 133, /SIGTRAP: trap instruction/],
      [[insn.ld(3, 0, 0)], 139, /SIGSEGV: load of unmapped address 0x0/],
      [[0], 132, /SIGILL: illegal instruction 0x00000000/],
      [[insn.li(0, 234), insn.li(3, 300), insn.sc()], 44, /./],
    ];
    for (const [words, status, reason] of cases) {
      const file = writeElf(tmp.dir, `case${status}`, {
        entry: TEXT + HEADER_PAD,
        segments: [{ vaddr: TEXT, flags: 5, data: code(words), withHeaders: true }],
      });
      const q = new LinuxProcess({ program: file, env: [] });
      const r = q.run();
      q.dispose();
      expect(r.status).toBe(status);
      if (r.signal !== null) expect(r.reason).toMatch(reason);
    }
  });

  it('runs a position-independent static ET_DYN program at DYN_BASE', () => {
    const msg = new TextEncoder().encode('pie\n');
    const words = [
      insn.bclNext(),
      insn.mflr(4),
      insn.addi(4, 4, 9 * 4), // msg is 9 instructions after the mflr
      insn.li(0, NR.write),
      insn.li(3, 1),
      insn.li(5, msg.length),
      insn.sc(),
      insn.li(0, NR.exit_group),
      insn.li(3, 0),
      insn.sc(),
    ];
    const text = new Uint8Array(words.length * 4 + msg.length);
    text.set(code(words));
    text.set(msg, words.length * 4);
    const file = writeElf(tmp.dir, 'pie', {
      type: 3,
      entry: HEADER_PAD,
      segments: [{ vaddr: 0, flags: 5, data: text, withHeaders: true }],
    });
    const outFile = path.join(tmp.dir, 'pie.out');
    const fd = fs.openSync(outFile, 'w');
    const q = new LinuxProcess({ program: file, env: [], stdio: [0, fd, 2] });
    expect(q.image.entry).toBe(DYN_BASE + HEADER_PAD);
    const r = q.run();
    q.dispose();
    fs.closeSync(fd);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(outFile, 'utf8')).toBe('pie\n');
  });

  it('reports host problems as LinuxUserError', () => {
    expect(() => new LinuxProcess({ program: path.join(tmp.dir, 'missing') })).toThrow(/No such file/);
    fs.writeFileSync(path.join(tmp.dir, 'text'), '#!/bin/sh\necho hi\n');
    expect(() => new LinuxProcess({ program: path.join(tmp.dir, 'text') })).toThrow(/not an ELF/);
  });
});
