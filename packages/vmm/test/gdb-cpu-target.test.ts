/**
 * CpuDebugTarget over real Cpu objects: register mapping (GPR, FPR, VR, VSX
 * halves, CR, XER, MSR), side-effect-free memory access in real and
 * relocated mode, breakpoints and watchpoints without writing guest memory,
 * single steps, Ctrl-C, and SMP round-robin.
 */
import { encodeHpteR, encodeHpteV, HPTE_R_C, HPTE_R_R, primaryHash, ptegIndex } from '@ppcvm/hpt-mmu';
import { layout, PrMode, SPR } from '@ppcvm/ppc-cpu';
import { describe, expect, it } from 'vitest';
import { CpuDebugTarget, GdbSignal, memoryAccessOf, REGNUM, type StopEvent } from '../src/gdb/index.js';
import { bareMetal, CODE, countingLoop, DATA, enc, type Guest, put, RAM_BYTES } from './gdb/guest.js';

function setup(): { g: Guest; t: CpuDebugTarget } {
  const g = bareMetal();
  countingLoop(g);
  const t = new CpuDebugTarget([g.cpu]);
  t.attach();
  return { g, t };
}

const cont = new Map([[1, 'continue' as const]]);
const step = new Map([[1, 'step' as const]]);

describe('registers', () => {
  it('maps GPRs, PC, LR, CTR, CR, XER, MSR both ways', () => {
    const { g, t } = setup();
    g.cpu.setGpr(7, 0x1122334455667788n);
    expect(t.readRegister(1, 7)).toBe(0x1122334455667788n);
    expect(t.readRegister(1, REGNUM.PC)).toBe(BigInt(CODE));
    expect(t.writeRegister(1, REGNUM.LR, 0xc000000000001234n)).toBe(true);
    expect(g.cpu.get64(layout.LR)).toBe(0xc000000000001234n);
    t.writeRegister(1, REGNUM.CTR, 42n);
    expect(g.cpu.get64(layout.CTR)).toBe(42n);
    t.writeRegister(1, REGNUM.CR, 0x80000002n);
    expect(g.cpu.getCr()).toBe(0x80000002);
    t.writeRegister(1, REGNUM.XER, 0xe000007fn);
    expect(g.cpu.getXer()).toBe(0xe000007f);
    expect(t.readRegister(1, REGNUM.XER)).toBe(0xe000007fn);
    const msr = t.readRegister(1, REGNUM.MSR)!;
    expect(msr & 1n).toBe(1n); // LE
    t.writeRegister(1, REGNUM.MSR, msr & ~1n);
    expect(g.cpu.le).toBe(false);
    expect(t.isLittleEndian(1)).toBe(false);
    // The PC is word aligned.
    t.writeRegister(1, REGNUM.PC, 0x1003n);
    expect(g.cpu.pcBig()).toBe(0x1000n);
    expect(t.readRegister(2, 0)).toBeUndefined();
    expect(t.writeRegister(1, REGNUM.COUNT, 0n)).toBe(false);
  });

  it('FPR i is VSR i doubleword 0, vsNh its doubleword 1, vrN = VSR 32+N; they round-trip', () => {
    const { g, t } = setup();
    g.cpu.f64[layout.FPR_F64 + 2 * 1] = 1.5;
    expect(t.readRegister(1, REGNUM.F0 + 1)).toBe(0x3ff8000000000000n);
    // A VSX instruction sees what the debugger wrote: xxlor vs2, vs1, vs1 copies both halves.
    t.writeRegister(1, REGNUM.VS0H + 1, 0x0123456789abcdefn);
    put(g, 0x2000, [enc('xxlor', { xt: 2, xa: 1, xb: 1 })]);
    g.cpu.set64(layout.PC, 0x2000n);
    g.cpu.stepOne();
    expect(t.readRegister(1, REGNUM.F0 + 2)).toBe(0x3ff8000000000000n);
    expect(t.readRegister(1, REGNUM.VS0H + 2)).toBe(0x0123456789abcdefn);
    // VR8 = VSR 40: word element 0 is the most significant word.
    const v = 0x00112233_44556677_8899aabb_ccddeeffn;
    t.writeRegister(1, REGNUM.VR0 + 8, v);
    expect(t.readRegister(1, REGNUM.VR0 + 8)).toBe(v);
    expect(g.cpu.s[layout.VSR_I32 + 4 * 40 + 3]! >>> 0).toBe(0x00112233);
    expect(g.cpu.s[layout.VSR_I32 + 4 * 40]! >>> 0).toBe(0xccddeeff);
    t.writeRegister(1, REGNUM.FPSCR, 0x82004000n);
    expect(g.cpu.getFpscr()).toBe(0x82004000);
    t.writeRegister(1, REGNUM.VSCR, 0x10001n);
    expect(t.readRegister(1, REGNUM.VSCR)).toBe(0x10001n);
    t.writeRegister(1, REGNUM.VRSAVE, 0xffffffffn);
    expect(t.readRegister(1, REGNUM.VRSAVE)).toBe(0xffffffffn);
  });
});

describe('PR mode', () => {
  it('msr is the guest kernel MSR (the real one runs in problem state); writes go to the guest MSR', () => {
    const ram = new SharedArrayBuffer(RAM_BYTES + 0x10000);
    const g = bareMetal({ ram });
    g.cpu.pr = new PrMode(g.cpu, { sharedOffset: RAM_BYTES });
    g.cpu.pr.setGuestMsr(layout.MSR_HI_SF, layout.MSR_LO_ME | layout.MSR_LO_LE);
    const t = new CpuDebugTarget([g.cpu]);
    expect(g.cpu.get64(layout.MSR) & BigInt(layout.MSR_LO_PR)).not.toBe(0n);
    expect(t.readRegister(1, REGNUM.MSR)).toBe(0x8000000000001001n);
    t.writeRegister(1, REGNUM.MSR, 0x8000000000009001n); // + EE
    expect(g.cpu.pr.guestMsr()).toEqual([0x9001, layout.MSR_HI_SF]);
    // Guest memory reads follow the guest's (real-mode) translation.
    g.dv.setUint32(0x5000, 0x12345678, true);
    expect([...t.readMemory(1, 0x5000n, 4)]).toEqual([0x78, 0x56, 0x34, 0x12]);
  });
});

describe('memory', () => {
  it('real mode: reads and writes RAM; partial read at the end of RAM; unmapped is empty / refused', () => {
    const { g, t } = setup();
    expect([...t.readMemory(1, BigInt(CODE), 4)]).toEqual([...new Uint8Array(g.ram, CODE, 4)]);
    expect(t.writeMemory(1, BigInt(DATA), Uint8Array.of(1, 2, 3, 4))).toBe(true);
    expect(g.dv.getUint32(DATA, true)).toBe(0x04030201);
    const end = BigInt(g.ram.byteLength);
    expect(t.readMemory(1, end - 2n, 8).length).toBe(2);
    expect(t.readMemory(1, end, 4).length).toBe(0);
    expect(t.writeMemory(1, end - 2n, new Uint8Array(4))).toBe(false);
    expect(t.readMemory(1, 0xffffffffffffffffn, 4).length).toBe(0);
  });

  it('writing code drops the predecoded instruction', () => {
    const { g, t } = setup();
    g.cpu.run(3); // lis, li, addi decoded and executed
    expect(g.cpu.getGpr(3)).toBe(1n);
    // Replace "addi r3,r3,1" with "addi r3,r3,5" through the debugger, then run it again.
    const w = enc('addi', { rt: 3, ra: 3, si: 5 });
    t.writeMemory(1, 0x1008n, Uint8Array.of(w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24));
    g.cpu.set64(layout.PC, 0x1008n);
    g.cpu.run(1);
    expect(g.cpu.getGpr(3)).toBe(6n);
  });

  it('relocated: reads through the SLB/HPT without setting R or C', () => {
    const { g, t } = setup();
    const vsid = 0x1234n;
    g.mmu.mmu.slb.slbmte(vsid << 12n, (2n << 28n) | (1n << 27n) | 0n);
    const ea = 0x20005000n;
    const ptex = ptegIndex(primaryHash(vsid, ea, 12, '256M'), g.hpt.shift) * 8;
    g.hpt.write(
      ptex,
      encodeHpteV({ vsid, ea, segment: '256M', basePageShift: 12 }),
      encodeHpteR({ ra: 0x300000n, basePageShift: 12, pp: 2 }, g.mmu.mmu.pageSizes),
    );
    g.dv.setUint32(0x300010, 0xcafef00d, true);
    g.cpu.setMsr(layout.MSR_HI_SF, layout.MSR_LO_ME | layout.MSR_LO_LE | layout.MSR_LO_DR);
    expect(g.dv.getUint32(0x300010, true)).toBe(0xcafef00d);
    expect([...t.readMemory(1, ea + 0x10n, 4)]).toEqual([0x0d, 0xf0, 0xfe, 0xca]);
    expect(t.writeMemory(1, ea + 0x20n, Uint8Array.of(9))).toBe(true);
    expect(g.dv.getUint8(0x300020)).toBe(9);
    const r = g.hpt.read(ptex).r;
    expect(r & BigInt(HPTE_R_R | HPTE_R_C)).toBe(0n);
    // No SLB entry for this EA: unmapped.
    expect(t.readMemory(1, 0x30000000n, 4).length).toBe(0);
    // A guest load of the same page does set R (the probe really was the side-effect-free path).
    put(g, CODE, [enc('addis', { rt: 6, ra: 0, si: 0x2000 }), enc('lwz', { rt: 7, ra: 6, d: 0x5010 })]);
    g.cpu.set64(layout.PC, BigInt(CODE));
    g.cpu.run(2);
    expect(g.cpu.getGpr(7)).toBe(0xcafef00dn);
    expect(g.hpt.read(ptex).r & BigInt(HPTE_R_R)).not.toBe(0n);
  });
});

describe('execution', () => {
  it('stepi runs one instruction at a time; a synchronous interrupt counts as the step', async () => {
    const { g, t } = setup();
    for (const pc of [0x1004n, 0x1008n, 0x100cn, 0x1010n, 0x1014n, 0x1008n]) {
      expect(await t.resume(step)).toEqual({ kind: 'signal', thread: 1, signal: GdbSignal.TRAP });
      expect(g.cpu.pcBig()).toBe(pc);
    }
    put(g, 0x3000, [0]); // illegal instruction → program interrupt at 0x700
    g.cpu.set64(layout.PC, 0x3000n);
    await t.resume(step);
    expect(g.cpu.pcBig()).toBe(0x700n);
    expect(g.cpu.getSpr(SPR.SRR0)).toBe(0x3000n);
  });

  it('continue stops at software and hardware breakpoints before executing them, without touching memory', async () => {
    const { g, t } = setup();
    const before = new Uint8Array(g.ram.slice(0, 0x2000));
    expect(t.insertBreakpoint({ type: 'sw', address: 0x100cn, length: 4 })).toBe('ok');
    expect(new Uint8Array(g.ram.slice(0, 0x2000))).toEqual(before);
    expect(await t.resume(cont)).toEqual({ kind: 'breakpoint', thread: 1, type: 'sw' });
    expect(g.cpu.pcBig()).toBe(0x100cn);
    expect(g.cpu.getGpr(3)).toBe(1n);
    expect(g.dv.getUint32(DATA, true)).toBe(0); // the stw has not run
    t.removeBreakpoint({ type: 'sw', address: 0x100cn, length: 4 });
    t.insertBreakpoint({ type: 'hw', address: 0x1014n, length: 4 });
    expect(await t.resume(cont)).toEqual({ kind: 'breakpoint', thread: 1, type: 'hw' });
    expect(g.cpu.pcBig()).toBe(0x1014n);
    expect(g.dv.getUint32(DATA, true)).toBe(1);
  });

  it('a breakpoint on an asynchronous interrupt vector is hit before its first instruction', async () => {
    const { g, t } = setup();
    // DEC = 50, then MSR[EE] = 1 and spin: the decrementer interrupt arrives at 0x900.
    put(g, CODE, [
      enc('addi', { rt: 9, ra: 0, si: 50 }),
      enc('mtspr', { spr: SPR.DEC, rs: 9 }),
      enc('mfmsr', { rt: 9 }),
      enc('ori', { ra: 9, rs: 9, ui: 0x8000 }),
      enc('mtmsrd', { rs: 9, l: 1 }),
      enc('addi', { rt: 3, ra: 3, si: 1 }),
      enc('b', { li: -4 }),
    ]);
    put(g, 0x900, [enc('addi', { rt: 20, ra: 0, si: 7 }), enc('b', { li: 0 })]);
    t.insertBreakpoint({ type: 'sw', address: 0x900n, length: 4 });
    expect(await t.resume(cont)).toEqual({ kind: 'breakpoint', thread: 1, type: 'sw' });
    expect(g.cpu.pcBig()).toBe(0x900n);
    expect(g.cpu.getGpr(20)).toBe(0n); // not executed yet
    expect([BigInt(CODE + 20), BigInt(CODE + 24)]).toContain(g.cpu.getSpr(SPR.SRR0));
  });

  it('watchpoints trigger before the access: write, read, access, with overlap', async () => {
    const { g, t } = setup();
    t.insertBreakpoint({ type: 'write', address: BigInt(DATA) + 2n, length: 1 });
    let ev: StopEvent = await t.resume(cont);
    expect(ev).toEqual({ kind: 'watchpoint', thread: 1, type: 'write', address: BigInt(DATA) + 2n });
    expect(g.cpu.pcBig()).toBe(0x100cn);
    expect(g.dv.getUint32(DATA, true)).toBe(0);
    t.removeBreakpoint({ type: 'write', address: BigInt(DATA) + 2n, length: 1 });
    t.insertBreakpoint({ type: 'read', address: BigInt(DATA), length: 8 });
    ev = await t.resume(cont);
    expect(ev).toEqual({ kind: 'watchpoint', thread: 1, type: 'read', address: BigInt(DATA) + 4n });
    expect(g.cpu.pcBig()).toBe(0x1010n);
    expect(g.dv.getUint32(DATA, true)).toBe(1); // the store ran, the read watch ignored it
    t.removeBreakpoint({ type: 'read', address: BigInt(DATA), length: 8 });
    t.insertBreakpoint({ type: 'access', address: BigInt(DATA), length: 4 });
    // Step past the lwz first (it does not touch DATA..DATA+3), then the next stw hits.
    ev = await t.resume(step);
    expect(ev.kind).toBe('signal');
    ev = await t.resume(cont);
    expect(ev).toEqual({ kind: 'watchpoint', thread: 1, type: 'access', address: BigInt(DATA) });
    expect(g.cpu.pcBig()).toBe(0x100cn);
    // A stepped instruction that would hit a watchpoint reports it without executing.
    ev = await t.resume(step);
    expect(ev.kind).toBe('watchpoint');
    expect(g.cpu.pcBig()).toBe(0x100cn);
    // detach drops everything: the guest runs freely again.
    t.detach();
    expect(t.attached).toBe(false);
  });

  it('Ctrl-C stops a free-running guest (no breakpoints: the fast path)', async () => {
    const { g, t } = setup();
    const p = t.resume(cont);
    await new Promise((r) => setTimeout(r, 30));
    t.interrupt();
    expect(await p).toEqual({ kind: 'signal', thread: 1, signal: GdbSignal.INT });
    expect(g.cpu.getGpr(3)).toBeGreaterThan(1000n);
    expect(g.cpu.icount).toBeGreaterThan(4000);
  });

  it('SMP: both vCPUs run round-robin; a breakpoint reports the thread that hit it', async () => {
    const a = bareMetal();
    const b = bareMetal({ ram: a.ram, pir: 1 });
    countingLoop(a);
    b.cpu.set64(layout.PC, 0x2000n);
    put(b, 0x2000, [enc('addi', { rt: 9, ra: 9, si: 1 }), enc('b', { li: -4 })]);
    put(b, 0x2100, [enc('addi', { rt: 11, ra: 0, si: 1 }), enc('addi', { rt: 12, ra: 0, si: 1 })]);
    const t = new CpuDebugTarget([a.cpu, b.cpu], { slice: 2 });
    expect(t.threads()).toEqual([1, 2]);
    t.insertBreakpoint({ type: 'sw', address: 0x1014n, length: 4 });
    const both = new Map([
      [1, 'continue' as const],
      [2, 'continue' as const],
    ]);
    expect(await t.resume(both)).toEqual({ kind: 'breakpoint', thread: 1, type: 'sw' });
    expect(b.cpu.getGpr(9)).toBeGreaterThan(0n);
    // Thread 2 alone, with thread 1 held: only it moves.
    const r3 = a.cpu.getGpr(3);
    t.removeBreakpoint({ type: 'sw', address: 0x1014n, length: 4 });
    t.insertBreakpoint({ type: 'sw', address: 0x2104n, length: 4 });
    b.cpu.set64(layout.PC, 0x2100n);
    expect(await t.resume(new Map([[2, 'continue' as const]]))).toEqual({ kind: 'breakpoint', thread: 2, type: 'sw' });
    expect(a.cpu.getGpr(3)).toBe(r3);
    expect(b.cpu.getGpr(11)).toBe(1n);
  });

  it('memoryAccessOf decodes EA and size of D, DS, X, update, multiple, vector and dcbz forms', () => {
    const { g } = setup();
    const cpu = g.cpu;
    cpu.setGpr(4, 0x100000n);
    cpu.setGpr(5, 0x10n);
    cpu.setGpr(6, 0x1237n);
    const acc = (w: number) => memoryAccessOf(cpu, w);
    expect(acc(enc('stw', { rs: 3, ra: 4, d: -4 }))).toEqual({
      address: 0xffffcn,
      length: 4,
      load: false,
      store: true,
    });
    expect(acc(enc('ld', { rt: 3, ra: 4, ds: 8 }))).toEqual({
      address: 0x100008n,
      length: 8,
      load: true,
      store: false,
    });
    expect(acc(enc('lbzx', { rt: 3, ra: 0, rb: 5 }))).toEqual({ address: 0x10n, length: 1, load: true, store: false });
    expect(acc(enc('stdux', { rs: 3, ra: 4, rb: 5 }))?.address).toBe(0x100010n);
    expect(acc(enc('lmw', { rt: 28, ra: 4, d: 0 }))?.length).toBe(16);
    expect(acc(enc('lvx', { vrt: 1, ra: 0, rb: 6 }))).toEqual({
      address: 0x1230n,
      length: 16,
      load: true,
      store: false,
    });
    expect(acc(enc('dcbz', { ra: 0, rb: 6 }))).toEqual({ address: 0x1200n, length: 128, load: false, store: true });
    expect(acc(enc('addi', { rt: 3, ra: 4, si: 1 }))).toBeUndefined();
    expect(acc(enc('lvsl', { vrt: 1, ra: 0, rb: 6 }))).toBeUndefined();
    // 32-bit mode truncates the EA.
    cpu.setGpr(4, 0xfffffffffffffff0n);
    cpu.setMsr(0, layout.MSR_LO_ME | layout.MSR_LO_LE);
    expect(acc(enc('lwz', { rt: 3, ra: 4, d: 0x20 }))?.address).toBe(0x10n);
  });
});
