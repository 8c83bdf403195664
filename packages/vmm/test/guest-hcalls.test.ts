import { H } from '@ppcvm/machine-core';
import { describe, expect, it } from 'vitest';
import { LPCR_AIL, LPCR_ILE, SPRN } from '../src/index.js';
import { Asm } from './support/asm.js';
import { bootGuest, idle, putTerm, rtasCall, SCRATCH, save } from './support/guest.js';

const u64 = (n: number) => BigInt.asUintN(64, BigInt(n));

describe('hcalls from a real-mode guest', () => {
  it('console output with H_PUT_TERM_CHAR, refusing a hostile length', () => {
    const a = new Asm();
    putTerm(a, 'abc');
    save(a, 3, 0);
    a.li(4, 0).li(5, 17).li(6, 0).li(7, 0).hcall(0x58);
    save(a, 3, 1);
    a.li64(4, 0x12345678n).li(5, 1).li(6, 0).li(7, 0).hcall(0x58); // no such unit
    save(a, 3, 2);
    idle(a);
    const g = bootGuest(a);
    expect(g.machine.runFor(100_000)).toEqual({ kind: 'idle' });
    expect(g.console()).toBe('abc');
    const m = g.machine.memory;
    expect([m.read64BE(SCRATCH), m.read64BE(SCRATCH + 8), m.read64BE(SCRATCH + 16)]).toEqual([
      0n,
      u64(H.PARAMETER),
      u64(H.PARAMETER),
    ]);
  });

  it('H_RANDOM returns 64 bits from the host source', () => {
    const a = new Asm();
    a.hcall(0x300);
    save(a, 3, 0);
    save(a, 4, 1);
    idle(a);
    const g = bootGuest(a, { random: (b) => b.set(b.map((_, i) => 0x11 * (i + 1))) });
    g.machine.runFor(100_000);
    expect(g.machine.memory.read64BE(SCRATCH)).toBe(0n);
    expect(g.machine.memory.read64BE(SCRATCH + 8)).toBe(0x1122334455667788n);
  });

  it('H_SET_MODE switches interrupt endianness and AIL on every vCPU, refusing bad modes', () => {
    const a = new Asm();
    a.li(4, 1).li(5, 4).li(6, 0).li(7, 0).hcall(0x31c); // LE
    save(a, 3, 0);
    a.li(4, 3).li(5, 3).li(6, 0).li(7, 0).hcall(0x31c); // AIL 3
    save(a, 3, 1);
    a.li(4, 2).li(5, 3).li(6, 0).li(7, 0).hcall(0x31c); // AIL 2: not offered
    save(a, 3, 2);
    a.li(4, 2).li(5, 4).li(6, 0).li(7, 0).hcall(0x31c); // endianness 2: no such mode
    save(a, 3, 3);
    a.li(4, 1).li(5, 4).li(6, 1).li(7, 0).hcall(0x31c); // value1 must be 0
    save(a, 3, 4);
    a.li(4, 0).li(5, 99).li(6, 0).li(7, 0).hcall(0x31c); // unknown resource
    save(a, 3, 5);
    idle(a);
    const g = bootGuest(a);
    g.machine.runFor(100_000);
    const m = g.machine.memory;
    expect([0, 1, 2, 3, 4, 5].map((i) => m.read64BE(SCRATCH + 8 * i))).toEqual(
      [H.SUCCESS, H.SUCCESS, H.UNSUPPORTED_FLAG, H.UNSUPPORTED_FLAG, H.P3, H.P2].map(u64),
    );
    const lpcr = g.machine.vcpus[0]!.cpu.getSpr(SPRN.LPCR);
    expect(lpcr & LPCR_ILE).toBe(LPCR_ILE);
    expect((lpcr & LPCR_AIL) >> 23n).toBe(3n);
  });

  it('an unknown opcode returns H_FUNCTION with one unimp log line', () => {
    const a = new Asm();
    a.hcall(0x9998);
    save(a, 3, 0);
    a.hcall(0xf002); // KVMPPC_H_CAS: firmware only, not served here
    save(a, 3, 1);
    idle(a);
    const g = bootGuest(a, { log: ['unimp'] });
    g.machine.runFor(100_000);
    expect(g.machine.memory.read64BE(SCRATCH)).toBe(u64(H.FUNCTION));
    expect(g.machine.memory.read64BE(SCRATCH + 8)).toBe(u64(H.FUNCTION));
    expect(g.logs).toEqual([
      '[unimp] unimplemented hcall 0x9998 from cpu 0',
      '[unimp] unimplemented hcall 0xf002 (KVMPPC_H_CAS) from cpu 0',
    ]);
  });

  it('H_CEDE sleeps until an interrupt; the external interrupt arrives at 0x500 with EE set', () => {
    // Handler at 0x500: accept the interrupt (H_XIRR), fetch input (H_GET_TERM_CHAR), echo it, EOI, power off.
    const h = new Asm();
    h.hcall(0x74); // H_XIRR -> r4
    save(h, 4, 0);
    h.mr(20, 4);
    h.li(4, 0).hcall(0x54); // H_GET_TERM_CHAR(unit 0) -> r4 len, r5, r6
    h.mr(7, 6).mr(6, 5).mr(5, 4).li(4, 0).hcall(0x58); // echo
    h.mr(4, 20).hcall(0x64); // H_EOI(xirr)
    save(h, 3, 1);
    h.li64(31, 0x200000n).li64(9, 0x2003n).stw(9, 0, 31).li(9, 2).stw(9, 4, 31).li(9, 1).stw(9, 8, 31);
    h.mr(3, 31).li64(10, 0xff00000n).callReg(10);
    h.hang();

    const a = new Asm();
    // Route the vty interrupt to server 0 at priority 5 and open the CPPR, as Linux's xics code does.
    rtasCall(a, 'ibm,set-xive', [0x1100, 0, 5], 1, { buf: 0x200000 });
    rtasCall(a, 'ibm,int-on', [0x1100], 1, { buf: 0x200040 });
    a.li(4, 0xff).hcall(0x68); // H_CPPR(0xff)
    a.label('wait');
    idle(a);
    a.b('wait');
    const g = bootGuest(a);
    g.machine.memory.write(0x500, h.bytes());
    expect(g.machine.runFor(100_000)).toEqual({ kind: 'idle' });
    const cpu = g.machine.vcpus[0]!.cpu;
    expect(cpu.halted).toBe(true);
    expect(cpu.s[70]! & (1 << 15)).not.toBe(0); // H_CEDE set MSR[EE]
    g.machine.consoleInput(new TextEncoder().encode('hi'));
    expect(g.machine.runFor(100_000)).toEqual({ kind: 'exit', exit: { kind: 'power-off' } });
    expect(g.console()).toBe('hi');
    // XIRR: CPPR 0xff and source 0x1100.
    expect(g.machine.memory.read64BE(SCRATCH)).toBe(0xff001100n);
    expect(g.machine.memory.read64BE(SCRATCH + 8)).toBe(0n);
  });

  it('run() sleeps while idle and wakes on console input', async () => {
    const h = new Asm();
    h.li64(31, 0x200000n).li64(9, 0x2003n).stw(9, 0, 31).li(9, 2).stw(9, 4, 31).li(9, 1).stw(9, 8, 31);
    h.mr(3, 31).li64(10, 0xff00000n).callReg(10);
    const a = new Asm();
    rtasCall(a, 'ibm,set-xive', [0x1100, 0, 5], 1, { buf: 0x200000 });
    rtasCall(a, 'ibm,int-on', [0x1100], 1, { buf: 0x200040 });
    a.li(4, 0xff).hcall(0x68);
    a.label('wait');
    idle(a);
    a.b('wait');
    const g = bootGuest(a, { timebase: undefined });
    g.machine.memory.write(0x500, h.bytes());
    const started = performance.now();
    const done = g.machine.run();
    setTimeout(() => g.machine.consoleInput(Uint8Array.of(0x0d)), 50);
    expect(await done).toEqual({ kind: 'power-off' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('quit() ends a running machine', async () => {
    const a = new Asm();
    a.hang();
    const g = bootGuest(a);
    const done = g.machine.run();
    setTimeout(() => g.machine.quit(), 20);
    expect(await done).toEqual({ kind: 'quit' });
  });
});
