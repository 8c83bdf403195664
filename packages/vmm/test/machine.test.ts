import { describe, expect, it } from 'vitest';
import { fdtAddress, KERNEL_LOAD_ADDR, RTAS_BLOB_WORDS } from '../src/index.js';
import { Asm } from './support/asm.js';
import { bootGuest, putTerm, RAM, RTAS_BUF, rtasCall, SCRATCH } from './support/guest.js';

describe('Machine boot state', () => {
  it('enters the kernel as kexec does: real mode, big-endian, 64-bit, r3 = FDT, r4 = base, r5 = 0', () => {
    const { machine } = bootGuest(new Asm().hang());
    const cpu = machine.vcpus[0]!.cpu;
    expect(cpu.pcBig()).toBe(BigInt(KERNEL_LOAD_ADDR));
    expect(cpu.getGpr(3)).toBe(BigInt(fdtAddress(RAM)));
    expect(cpu.getGpr(4)).toBe(BigInt(KERNEL_LOAD_ADDR));
    expect(cpu.getGpr(5)).toBe(0n);
    // MSR = SF | ME only.
    expect(cpu.s[70]! >>> 0).toBe(1 << 12);
    expect(cpu.s[71]! >>> 0).toBe(0x80000000);
    expect(cpu.system).toBe(true);
    expect(cpu.pvr).toBe(0x004d0200);
    // RTAS blob in RAM, device tree at min(RMA, 2 GiB) - 2 MiB.
    const rtas = machine.boot.rtasBase;
    expect(RTAS_BLOB_WORDS.map((_, i) => machine.memory.read32BE(rtas + 4 * i))).toEqual([...RTAS_BLOB_WORDS]);
    expect(machine.memory.read32BE(machine.boot.fdtAddress)).toBe(0xd00dfeed);
    expect(machine.boot.fdtAddress).toBe(RAM - 0x200000);
  });
});

describe('a real-mode guest', () => {
  it('prints with H_PUT_TERM_CHAR and powers off through RTAS', () => {
    const a = new Asm();
    putTerm(a, 'Hello, ppcvm!\r\n');
    a.li64(30, BigInt(SCRATCH)).std(3, 0, 30);
    rtasCall(a, 'power-off', [0xffffffff, 0xffffffff], 1);
    a.hang();
    const { machine, console, logs } = bootGuest(a);
    const r = machine.runFor(10_000);
    expect(r).toEqual({ kind: 'exit', exit: { kind: 'power-off' } });
    expect(console()).toBe('Hello, ppcvm!\r\n');
    expect(machine.memory.read64BE(SCRATCH)).toBe(0n);
    // The status word of the RTAS call was written before the machine stopped.
    expect(machine.memory.read32BE(RTAS_BUF + 12 + 8)).toBe(0);
    expect(logs).toEqual([]);
  });
});
