/**
 * The same real-mode and relocating guests under -accel pr: the guest kernel
 * runs in problem state, its privileged instructions trap and are emulated,
 * interrupts are reflected, hcalls still reach the machine.
 */

import { PR_HCALL_INSTRUCTIONS } from '@ppcvm/ppc-cpu';
import { describe, expect, it } from 'vitest';
import { findParsedNode, guestMsr, parseFdt, propCells } from '../src/index.js';
import { Asm } from './support/asm.js';
import { bootGuest, idle, putTerm, RAM, rtasCall, SCRATCH, save } from './support/guest.js';

describe('-accel pr', () => {
  it('enters the kernel with the guest MSR = SF|ME while the real MSR is in problem state', () => {
    const { machine } = bootGuest(new Asm().hang(), { accel: 'pr' });
    const cpu = machine.vcpus[0]!.cpu;
    expect(guestMsr(cpu)).toEqual([1 << 12, 0x80000000 | 0]);
    expect(cpu.s[70]! & (1 << 14)).not.toBe(0); // real MSR[PR]
    expect(cpu.pcBig()).toBe(0x400000n);
    // The shared page lives after guest RAM, where no guest access can reach it.
    expect(machine.memory.size).toBe(RAM);
    expect(machine.memory.buffer.byteLength).toBe(RAM + 4096);
    // The paravirt interface is advertised.
    const hv = findParsedNode(parseFdt(machine.fdt).root, '/hypervisor')!;
    expect(propCells(hv.properties.get('hcall-instructions'))).toEqual([...PR_HCALL_INSTRUCTIONS]);
  });

  it('prints, reads the time through RTAS and powers off', () => {
    const a = new Asm();
    putTerm(a, 'PR ok\r\n');
    rtasCall(a, 'get-time-of-day', [], 8, { buf: 0x200000 });
    rtasCall(a, 'power-off', [0, 0], 1, { buf: 0x200100 });
    a.hang();
    const g = bootGuest(a, { accel: 'pr' });
    expect(g.machine.runFor(100_000)).toEqual({ kind: 'exit', exit: { kind: 'power-off' } });
    expect(g.console()).toBe('PR ok\r\n');
    expect(g.machine.memory.read32BE(0x200000 + 12 + 4)).toBe(2024);
    expect(g.machine.vcpus[0]!.cpu.counters.privTraps).toBe(0);
  });

  it('emulates privileged instructions and reflects the external interrupt to the guest', () => {
    const h = new Asm();
    h.mfspr(21, 27); // SRR1 as the guest sees it
    save(h, 21, 2);
    h.hcall(0x74);
    save(h, 4, 0);
    h.mr(20, 4);
    h.li(4, 0).hcall(0x54);
    h.mr(7, 6).mr(6, 5).mr(5, 4).li(4, 0).hcall(0x58);
    h.mr(4, 20).hcall(0x64);
    rtasCall(h, 'power-off', [0, 0], 1, { buf: 0x200200 });
    h.hang();
    const a = new Asm();
    a.li64(9, 0x1234n).mtspr(272, 9).mfspr(10, 272); // SPRG0 round trip (trapped)
    save(a, 10, 1);
    rtasCall(a, 'ibm,set-xive', [0x1100, 0, 5], 1, { buf: 0x200000 });
    rtasCall(a, 'ibm,int-on', [0x1100], 1, { buf: 0x200040 });
    a.li(4, 0xff).hcall(0x68);
    a.label('wait');
    idle(a);
    a.b('wait');
    const g = bootGuest(a, { accel: 'pr' });
    g.machine.memory.write(0x500, h.bytes());
    expect(g.machine.runFor(200_000)).toEqual({ kind: 'idle' });
    g.machine.consoleInput(new TextEncoder().encode('x'));
    expect(g.machine.runFor(200_000)).toEqual({ kind: 'exit', exit: { kind: 'power-off' } });
    expect(g.console()).toBe('x');
    const m = g.machine.memory;
    expect(m.read64BE(SCRATCH)).toBe(0xff001100n);
    expect(m.read64BE(SCRATCH + 8)).toBe(0x1234n);
    // SRR1 of the reflected interrupt carries the guest's MSR: EE was on (H_CEDE), PR off.
    const srr1 = m.read64BE(SCRATCH + 16);
    expect(srr1 & (1n << 15n)).toBe(1n << 15n);
    expect(srr1 & (1n << 14n)).toBe(0n);
    expect(g.machine.vcpus[0]!.cpu.counters.privTraps).toBeGreaterThan(0);
  });
});
