import { afterAll, describe, expect, it } from 'vitest';
import { AT_, HWCAPS, LinuxProcess, PAGE_SIZE, STACK_TOP } from '../src/index.js';
import { code, HEADER_PAD, insn, tempDir, writeElf } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const prog = writeElf(tmp.dir, 'exit42', {
  entry: 0x10000000 + HEADER_PAD,
  segments: [
    {
      vaddr: 0x10000000,
      flags: 5,
      data: code([insn.li(0, 234), insn.li(3, 42), insn.sc()]),
      withHeaders: true,
    },
  ],
});

function cstr(p: LinuxProcess, addr: number): string {
  const r = p.memory.readCString(addr, 4096);
  if (typeof r === 'string') throw new Error(r);
  return new TextDecoder().decode(r);
}

describe('initial stack (fs/binfmt_elf.c create_elf_tables layout)', () => {
  const random = new Uint8Array([...Array(16).keys()].map((i) => 0xa0 + i));
  const p = new LinuxProcess({
    program: prog,
    args: ['one', 'two three'],
    env: ['A=1', 'PATH=/bin'],
    random,
    stdio: [0, 1, 2],
  });
  afterAll(() => p.dispose());
  const sp = Number(p.cpu.getGpr(1));
  const u64 = (a: number): number => p.memory.readU64(a)!;

  it('starts at the entry with r1 16-byte aligned, r12 = entry, other GPRs zero', () => {
    expect(sp % 16).toBe(0);
    expect(p.cpu.getGpr(12)).toBe(BigInt(0x10000000 + HEADER_PAD));
    expect(p.cpu.get64(64)).toBe(BigInt(0x10000000 + HEADER_PAD));
    for (const r of [0, 2, 3, 4, 5, 13, 31]) expect(p.cpu.getGpr(r)).toBe(0n);
  });

  it('holds argc, argv, envp and the auxiliary vector', () => {
    expect(u64(sp)).toBe(3);
    expect([0, 1, 2].map((i) => cstr(p, u64(sp + 8 + 8 * i)))).toEqual([prog, 'one', 'two three']);
    expect(u64(sp + 32)).toBe(0);
    expect(cstr(p, u64(sp + 40))).toBe('A=1');
    expect(cstr(p, u64(sp + 48))).toBe('PATH=/bin');
    expect(u64(sp + 56)).toBe(0);
    const auxv: [number, number][] = [];
    for (let a = sp + 64; ; a += 16) {
      const t = u64(a);
      auxv.push([t, u64(a + 8)]);
      if (t === 0) break;
    }
    const types = auxv.map(([t]) => t);
    // Arch entries first (AT_IGNOREPPC twice, cache block sizes), then the generic ones, AT_NULL last.
    expect(types).toEqual([
      AT_.IGNOREPPC,
      AT_.IGNOREPPC,
      AT_.DCACHEBSIZE,
      AT_.ICACHEBSIZE,
      AT_.UCACHEBSIZE,
      AT_.HWCAP,
      AT_.PAGESZ,
      AT_.CLKTCK,
      AT_.PHDR,
      AT_.PHENT,
      AT_.PHNUM,
      AT_.BASE,
      AT_.FLAGS,
      AT_.ENTRY,
      AT_.UID,
      AT_.EUID,
      AT_.GID,
      AT_.EGID,
      AT_.SECURE,
      AT_.RANDOM,
      AT_.HWCAP2,
      AT_.EXECFN,
      AT_.PLATFORM,
      AT_.BASE_PLATFORM,
      AT_.NULL,
    ]);
    const get = (t: number): number => auxv.find(([k]) => k === t)![1];
    expect(get(AT_.PAGESZ)).toBe(PAGE_SIZE);
    expect(get(AT_.HWCAP)).toBe(HWCAPS.power8.hwcap);
    expect(get(AT_.HWCAP2)).toBe(0x8e000000);
    expect(get(AT_.DCACHEBSIZE)).toBe(128);
    expect(get(AT_.ICACHEBSIZE)).toBe(128);
    expect(get(AT_.CLKTCK)).toBe(100);
    expect(get(AT_.PHDR)).toBe(0x10000040);
    expect(get(AT_.PHENT)).toBe(56);
    expect(get(AT_.PHNUM)).toBe(1);
    expect(get(AT_.ENTRY)).toBe(0x10000000 + HEADER_PAD);
    expect(get(AT_.UID)).toBe(process.getuid!());
    expect(get(AT_.SECURE)).toBe(0);
    expect(cstr(p, get(AT_.PLATFORM))).toBe('power8');
    expect(cstr(p, get(AT_.BASE_PLATFORM))).toBe('power8');
    expect(cstr(p, get(AT_.EXECFN))).toBe(prog);
    expect(p.memory.read(get(AT_.RANDOM), 16)).toEqual(random);
  });

  it('places strings at the top: file name highest, then environment, then arguments', () => {
    const argv0 = u64(sp + 8);
    const env0 = u64(sp + 40);
    const execfn = p.stack.execfnAddr;
    expect(argv0).toBeLessThan(env0);
    expect(env0).toBeLessThan(execfn);
    // The file name ends just below the 8-byte NULL at the top of the stack.
    expect(execfn + prog.length + 1).toBe(STACK_TOP - 8);
    expect(u64(STACK_TOP - 8)).toBe(0);
    // AT_RANDOM and the platform strings lie between the tables and the argument strings.
    expect(p.stack.randomAddr).toBeGreaterThan(sp);
    expect(p.stack.randomAddr).toBeLessThan(argv0);
  });

  it('exposes the same vector through /proc/self/auxv and runs to exit', () => {
    const r = p.run();
    expect(r).toMatchObject({ status: 42, exitCode: 42, signal: null });
    expect(r.instructions).toBe(3);
  });

  it('uses the -cpu model for AT_HWCAP2 and AT_PLATFORM', () => {
    const p9 = new LinuxProcess({ program: prog, cpu: 'power9', env: [] });
    const auxv = new Map(p9.stack.auxv.map(([t, v]) => [t, v]));
    expect(auxv.get(AT_.HWCAP2)).toBe(HWCAPS.power9.hwcap2);
    expect(cstr(p9, auxv.get(AT_.PLATFORM)!)).toBe('power9');
    p9.dispose();
  });
});
