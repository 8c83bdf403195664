/**
 * MachineDebugTarget: gdb's view of the whole pseries machine, with the
 * machine's own run loop doing the running. Holds (attach, Ctrl-C, -S),
 * breakpoints as CPU code hooks (exact at an asynchronous interrupt vector),
 * watchpoints, steps through hcalls, exits while gdb waits, kill/detach,
 * resets, and side-effect-free memory reads.
 */
import {
  createRealModeRegs,
  encodeHpteR,
  encodeHpteV,
  HashMmu,
  HashPageTable,
  HPTE_R_C,
  HPTE_R_R,
  primaryHash,
  ptegIndex,
  REAL_MODE_VRMA,
  Slb,
  VRMA_VSID,
} from '@ppcvm/hpt-mmu';
import { Access, Cpu, layout, SPR, SystemMmu } from '@ppcvm/ppc-cpu';
import { describe, expect, it } from 'vitest';
import { GdbSignal, MachineDebugTarget, REGNUM, type StopEvent } from '../src/gdb/index.js';
import type { Machine, MachineExit } from '../src/index.js';
import { Asm } from './support/asm.js';
import { bootGuest, RTAS_BUF, rtasCall, SCRATCH } from './support/guest.js';

const LOAD = 0x400000;
const cont = new Map([[1, 'continue' as const]]);
const step = new Map([[1, 'step' as const]]);
const tick = () => new Promise<void>((r) => setTimeout(r, 5));

/** r4 = SCRATCH; r3 counts; stores it to SCRATCH and loads SCRATCH+4 in a loop. */
function countingGuest(): { asm: Asm; loop: number; stw: number; lwz: number } {
  const a = new Asm();
  a.li64(4, BigInt(SCRATCH)).li(3, 0);
  const loop = a.here;
  a.label('loop').i('addi', { rt: 3, ra: 3, si: 1 });
  const stw = a.here;
  a.stw(3, 0, 4);
  const lwz = a.here;
  a.lwz(5, 4, 4).b('loop');
  return { asm: a, loop: LOAD + loop, stw: LOAD + stw, lwz: LOAD + lwz };
}

function start(machine: Machine): { target: MachineDebugTarget; done: Promise<MachineExit> } {
  const target = new MachineDebugTarget(machine);
  target.attach();
  return { target, done: machine.run() };
}

describe('MachineDebugTarget', () => {
  it('attach holds the loop; continue, breakpoint before the instruction, stepi, registers, memory', async () => {
    const g = countingGuest();
    const { machine } = bootGuest(g.asm);
    const { target, done } = start(machine);
    const cpu = machine.vcpus[0]!.cpu;
    await tick();
    expect(cpu.icount).toBe(0);
    expect(target.threads()).toEqual([1]);
    expect(target.isLittleEndian(1)).toBe(false);
    expect(target.readRegister(1, REGNUM.PC)).toBe(BigInt(LOAD));

    expect(target.insertBreakpoint({ type: 'sw', address: BigInt(g.stw), length: 4 })).toBe('ok');
    expect(await target.resume(cont)).toEqual({ kind: 'breakpoint', thread: 1, type: 'sw' });
    expect(cpu.pcBig()).toBe(BigInt(g.stw));
    expect(cpu.getGpr(3)).toBe(1n);
    expect(machine.memory.read32BE(SCRATCH)).toBe(0); // the stw has not run
    const held = cpu.icount;
    await tick();
    expect(cpu.icount).toBe(held);

    // Continuing at the breakpoint reports it again (nothing ran); gdb steps over it first.
    expect(await target.resume(cont)).toEqual({ kind: 'breakpoint', thread: 1, type: 'sw' });
    expect(cpu.pcBig()).toBe(BigInt(g.stw));
    expect(cpu.getGpr(3)).toBe(1n);
    target.removeBreakpoint({ type: 'sw', address: BigInt(g.stw), length: 4 });
    await target.resume(step);
    target.insertBreakpoint({ type: 'sw', address: BigInt(g.stw), length: 4 });
    expect(await target.resume(cont)).toEqual({ kind: 'breakpoint', thread: 1, type: 'sw' });
    expect(cpu.getGpr(3)).toBe(2n);
    expect(machine.memory.read32BE(SCRATCH)).toBe(1);

    target.removeBreakpoint({ type: 'sw', address: BigInt(g.stw), length: 4 });
    expect(await target.resume(step)).toEqual({ kind: 'signal', thread: 1, signal: GdbSignal.TRAP });
    expect(cpu.pcBig()).toBe(BigInt(g.lwz));
    expect(machine.memory.read32BE(SCRATCH)).toBe(2);

    // Registers and memory through the target (the guest is big-endian here).
    expect(target.writeRegister(1, 7, 0x1234n)).toBe(true);
    expect(cpu.getGpr(7)).toBe(0x1234n);
    expect([...target.readMemory(1, BigInt(SCRATCH), 4)]).toEqual([0, 0, 0, 2]);
    expect(target.writeMemory(1, BigInt(SCRATCH + 4), Uint8Array.of(0, 0, 0, 9))).toBe(true);
    await target.resume(step);
    expect(cpu.getGpr(5)).toBe(9n);

    target.kill();
    expect(await done).toEqual({ kind: 'quit' });
  });

  it('a breakpoint on the first instruction of the decrementer vector (0x900) is hit', async () => {
    const a = new Asm();
    a.li(9, 200).mtspr(SPR.DEC, 9);
    a.i('mfmsr', { rt: 9 }).i('ori', { ra: 9, rs: 9, ui: 0x8000 }).i('mtmsrd', { rs: 9, l: 1 });
    a.label('spin').i('addi', { rt: 3, ra: 3, si: 1 }).b('spin');
    let m: Machine | undefined;
    const { machine } = bootGuest(a, { timebase: () => (m ? m.vcpus[0]!.cpu.icount : 0) });
    m = machine;
    // The vector holds a branch-to-self; the guest never gets past it.
    machine.memory.write32BE(0x900, 0x48000000);
    const { target, done } = start(machine);
    target.insertBreakpoint({ type: 'hw', address: 0x900n, length: 4 });
    expect(await target.resume(cont)).toEqual({ kind: 'breakpoint', thread: 1, type: 'hw' });
    const cpu = machine.vcpus[0]!.cpu;
    expect(cpu.pcBig()).toBe(0x900n);
    expect(cpu.getGpr(3)).toBeGreaterThan(0n);
    const srr0 = cpu.getSpr(SPR.SRR0);
    expect(srr0 >= BigInt(LOAD) && srr0 < BigInt(LOAD + a.here)).toBe(true);
    target.kill();
    await done;
  });

  it('watchpoints stop before the access; a step that would access reports it', async () => {
    const g = countingGuest();
    const { machine } = bootGuest(g.asm);
    const { target, done } = start(machine);
    const cpu = machine.vcpus[0]!.cpu;
    target.insertBreakpoint({ type: 'write', address: BigInt(SCRATCH + 3), length: 1 });
    let ev: StopEvent = await target.resume(cont);
    expect(ev).toEqual({ kind: 'watchpoint', thread: 1, type: 'write', address: BigInt(SCRATCH + 3) });
    expect(cpu.pcBig()).toBe(BigInt(g.stw));
    expect(machine.memory.read32BE(SCRATCH)).toBe(0);
    ev = await target.resume(step);
    expect(ev.kind).toBe('watchpoint');
    target.removeBreakpoint({ type: 'write', address: BigInt(SCRATCH + 3), length: 1 });
    target.insertBreakpoint({ type: 'read', address: BigInt(SCRATCH + 4), length: 4 });
    ev = await target.resume(cont);
    expect(ev).toEqual({ kind: 'watchpoint', thread: 1, type: 'read', address: BigInt(SCRATCH + 4) });
    expect(cpu.pcBig()).toBe(BigInt(g.lwz));
    expect(machine.memory.read32BE(SCRATCH)).toBe(1);
    target.kill();
    await done;
  });

  it('Ctrl-C stops the running guest; detach lets it run on without breakpoints', async () => {
    const g = countingGuest();
    const { machine } = bootGuest(g.asm);
    const { target, done } = start(machine);
    const cpu = machine.vcpus[0]!.cpu;
    const p = target.resume(cont);
    expect(target.running).toBe(true);
    await new Promise((r) => setTimeout(r, 30));
    target.interrupt();
    expect(await p).toEqual({ kind: 'signal', thread: 1, signal: GdbSignal.INT });
    expect(machine.holdReasons.has('debugger')).toBe(true);
    const n = cpu.icount;
    expect(n).toBeGreaterThan(1000);
    await tick();
    expect(cpu.icount).toBe(n);
    target.insertBreakpoint({ type: 'sw', address: BigInt(g.stw), length: 4 });
    target.detach();
    expect(target.attached).toBe(false);
    await new Promise((r) => setTimeout(r, 30));
    expect(cpu.icount).toBeGreaterThan(n + 1000);
    machine.quit();
    expect(await done).toEqual({ kind: 'quit' });
  });

  it('a guest power-off while gdb waits is reported as exited (W00) and run() returns it', async () => {
    const a = new Asm();
    a.li(3, 0);
    a.label('spin').i('addi', { rt: 3, ra: 3, si: 1 }).cmpdi(3, 100).bne('spin');
    rtasCall(a, 'power-off', [0, 0], 1, { buf: RTAS_BUF });
    a.hang();
    const { machine } = bootGuest(a);
    const { target, done } = start(machine);
    expect(await target.resume(cont)).toEqual({ kind: 'exited', code: 0 });
    expect(await done).toEqual({ kind: 'power-off' });
    // Nothing more runs; another resume reports the exit again.
    expect(await target.resume(cont)).toEqual({ kind: 'exited', code: 0 });
  });

  it('stepping the power-off hcall itself ends the machine and reports the exit', async () => {
    const a = new Asm();
    rtasCall(a, 'power-off', [0, 0], 1, { buf: RTAS_BUF });
    a.hang();
    const { machine } = bootGuest(a);
    const { target, done } = start(machine);
    let ev: StopEvent | undefined;
    for (let i = 0; i < 200 && ev?.kind !== 'exited'; i++) ev = await target.resume(step);
    expect(ev).toEqual({ kind: 'exited', code: 0 });
    expect(await done).toEqual({ kind: 'power-off' });
  });

  it('a reset replaces the Cpu objects and the breakpoints follow', async () => {
    const g = countingGuest();
    const { machine } = bootGuest(g.asm);
    const { target, done } = start(machine);
    target.insertBreakpoint({ type: 'sw', address: BigInt(g.lwz), length: 4 });
    await target.resume(cont);
    const first = machine.vcpus[0]!.cpu;
    machine.reset();
    expect(machine.vcpus[0]!.cpu).not.toBe(first);
    expect(await target.resume(cont)).toEqual({ kind: 'breakpoint', thread: 1, type: 'sw' });
    expect(machine.vcpus[0]!.cpu.pcBig()).toBe(BigInt(g.lwz));
    expect(machine.vcpus[0]!.cpu.getGpr(3)).toBe(1n);
    target.kill();
    await done;
  });

  it('-S: a startup hold keeps the loop stopped until gdb continues', async () => {
    const g = countingGuest();
    const { machine } = bootGuest(g.asm);
    machine.hold('startup');
    const done = machine.run();
    await tick();
    expect(machine.vcpus[0]!.cpu.icount).toBe(0);
    const target = new MachineDebugTarget(machine);
    target.attach();
    target.insertBreakpoint({ type: 'sw', address: BigInt(g.loop), length: 4 });
    expect(await target.resume(cont)).toMatchObject({ kind: 'breakpoint' });
    expect(machine.holdReasons.has('startup')).toBe(false);
    target.kill();
    await done;
  });
});

describe('debug memory reads have no side effects', () => {
  it('VRMA real mode: SystemMmu.probe finds the page without setting R or C; a guest access does', () => {
    const ram = new SharedArrayBuffer(4 << 20);
    const hpt = HashPageTable.create(18);
    const realMode = createRealModeRegs(REAL_MODE_VRMA);
    const mmu = new SystemMmu({ mmu: new HashMmu({ hpt, slb: new Slb() }), ramBytes: ram.byteLength, realMode });
    const cpu = new Cpu({ ram, translator: mmu });
    mmu.attach(cpu);
    cpu.mmu = mmu;
    cpu.system = true;
    cpu.setMsr(layout.MSR_HI_SF, layout.MSR_LO_ME); // real mode, LPCR[VRMASD] = 0: 4 KiB pages
    const vsid = BigInt(VRMA_VSID);
    const ea = 0x5000n;
    const ptex = ptegIndex(primaryHash(vsid, ea, 12, '1T'), hpt.shift) * 8;
    hpt.write(
      ptex,
      encodeHpteV({ vsid, ea, segment: '1T', basePageShift: 12 }),
      encodeHpteR({ ra: 0x200000n, basePageShift: 12, pp: 2 }, mmu.mmu.pageSizes),
    );
    const stats = { ...mmu.mmu.stats };
    expect(mmu.probe(0, 0x5123, Access.Load)).toBe(0x200000);
    expect(mmu.probe(0, 0x5123, Access.Store)).toBe(0x200000);
    expect(hpt.read(ptex).r & BigInt(HPTE_R_R | HPTE_R_C)).toBe(0n);
    expect(mmu.mmu.stats).toEqual(stats);
    expect(mmu.probe(0, 0x9000, Access.Load)).toBeLessThan(0);
    // The translation the CPU uses for the same access records R and C.
    expect(mmu.translate(0, 0x5000, Access.Store)).toBe(0x200000);
    expect(hpt.read(ptex).r & BigInt(HPTE_R_R | HPTE_R_C)).toBe(BigInt(HPTE_R_R | HPTE_R_C));
  });

  it('virtual-hypervisor real mode: probe leaves the MMU statistics alone', () => {
    const g = countingGuest();
    const { machine } = bootGuest(g.asm);
    const cpu = machine.vcpus[0]!.cpu;
    const stats = { ...cpu.mmu!.mmu.stats };
    expect(cpu.mmu!.probe(0, SCRATCH, Access.Load)).toBe(SCRATCH);
    expect(cpu.mmu!.mmu.stats).toEqual(stats);
  });
});
