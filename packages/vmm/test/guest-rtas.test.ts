import { H } from '@ppcvm/machine-core';
import { describe, expect, it } from 'vitest';
import { RTAS } from '../src/index.js';
import { Asm } from './support/asm.js';
import { bootGuest, idle, RAM, RTAS_BUF, rtasCall, SCRATCH, save } from './support/guest.js';

/** Read RTAS return word i of the block at `buf` with `nargs` arguments. */
const ret = (g: ReturnType<typeof bootGuest>, nargs: number, i: number, buf = RTAS_BUF) =>
  g.machine.memory.read32BE(buf + 12 + 4 * nargs + 4 * i) | 0;
const saved = (g: ReturnType<typeof bootGuest>, slot: number) => g.machine.memory.read64BE(SCRATCH + 8 * slot);

describe('RTAS from a real-mode guest', () => {
  it('get-time-of-day returns the host clock plus the offset set-time-of-day made', () => {
    const a = new Asm();
    rtasCall(a, 'get-time-of-day', [], 8, { buf: RTAS_BUF });
    rtasCall(a, 'set-time-of-day', [2030, 12, 31, 23, 59, 58, 500], 1, { buf: RTAS_BUF + 0x100 });
    rtasCall(a, 'get-time-of-day', [], 8, { buf: RTAS_BUF + 0x200 });
    idle(a);
    const g = bootGuest(a);
    expect(g.machine.runFor(100_000)).toEqual({ kind: 'idle' });
    // Clock fixed at 2024-01-02 03:04:05.006 UTC.
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => ret(g, 0, i))).toEqual([0, 2024, 1, 2, 3, 4, 5, 6_000_000]);
    expect(ret(g, 7, 0, RTAS_BUF + 0x100)).toBe(0);
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => ret(g, 0, i, RTAS_BUF + 0x200))).toEqual([
      0, 2030, 12, 31, 23, 59, 58, 500,
    ]);
  });

  it('set-time-of-day refuses an impossible date', () => {
    const a = new Asm();
    rtasCall(a, 'set-time-of-day', [2023, 2, 30, 0, 0, 0, 0], 1);
    idle(a);
    const g = bootGuest(a);
    g.machine.runFor(100_000);
    expect(ret(g, 7, 0)).toBe(RTAS.PARAM_ERROR);
    expect(g.logs.some((l) => l.includes('set-time-of-day'))).toBe(true);
  });

  it('display-character writes to the console, also under the legacy token 0xa', () => {
    const a = new Asm();
    rtasCall(a, 'display-character', [0x4f], 1, { buf: RTAS_BUF });
    rtasCall(a, 0xa, [0x4b], 1, { buf: RTAS_BUF + 0x40 });
    idle(a);
    const g = bootGuest(a);
    g.machine.runFor(100_000);
    expect(g.console()).toBe('OK');
  });

  it('answers garbage with status -3 or H_PARAMETER and keeps running', () => {
    const a = new Asm();
    rtasCall(a, 0x1234, [1, 2], 1, { buf: RTAS_BUF }); // unknown token
    save(a, 3, 0);
    rtasCall(a, 'power-off', [0xffffffff], 1, { buf: RTAS_BUF + 0x40 }); // wrong nargs
    save(a, 3, 1);
    rtasCall(a, 'get-time-of-day', [], 0x7fffffff, { buf: RTAS_BUF + 0x80 }); // absurd nret
    save(a, 3, 2);
    rtasCall(a, 'event-scan', [1, 2, 3, 4], 1, { buf: RTAS_BUF + 0xc0, nargs: 40 }); // more than struct rtas_args
    save(a, 3, 3);
    // The argument block itself outside RAM (and with the top address bits that real mode ignores).
    a.li64(3, 0xf000000040000000n)
      .li64(10, BigInt(RAM - 0x100000))
      .callReg(10);
    save(a, 3, 4);
    rtasCall(a, 'nvram-fetch', [0, RAM + 0x1000, 16], 2, { buf: RTAS_BUF + 0x100 }); // buffer outside RAM
    save(a, 3, 5);
    rtasCall(a, 'ibm,get-system-parameter', [20, RTAS_BUF + 0x800, 1], 1, { buf: RTAS_BUF + 0x140 }); // length < 2
    save(a, 3, 6);
    rtasCall(a, 'nvram-store', [0xfffffff0, RTAS_BUF, 0x20], 2, { buf: RTAS_BUF + 0x180 }); // wraps past the NVRAM
    save(a, 3, 7);
    idle(a);
    const g = bootGuest(a);
    expect(g.machine.runFor(200_000)).toEqual({ kind: 'idle' });
    expect(saved(g, 0)).toBe(BigInt.asUintN(64, BigInt(H.PARAMETER)));
    expect(ret(g, 2, 0, RTAS_BUF)).toBe(RTAS.PARAM_ERROR);
    expect(saved(g, 1)).toBe(0n);
    expect(ret(g, 1, 0, RTAS_BUF + 0x40)).toBe(RTAS.PARAM_ERROR);
    expect(saved(g, 2)).toBe(BigInt.asUintN(64, BigInt(H.PARAMETER)));
    // nargs 40 with nret 1: the status slot is beyond struct rtas_args, nothing is written.
    expect(saved(g, 3)).toBe(BigInt.asUintN(64, BigInt(H.PARAMETER)));
    expect(saved(g, 4)).toBe(BigInt.asUintN(64, BigInt(H.PARAMETER)));
    expect(saved(g, 5)).toBe(0n);
    expect(ret(g, 3, 0, RTAS_BUF + 0x100)).toBe(RTAS.PARAM_ERROR);
    expect(ret(g, 3, 0, RTAS_BUF + 0x140)).toBe(RTAS.SYSPARM_PARAM_ERROR);
    expect(ret(g, 3, 0, RTAS_BUF + 0x180)).toBe(RTAS.PARAM_ERROR);
    expect(g.logs.filter((l) => l.startsWith('[guest_errors]')).length).toBeGreaterThanOrEqual(6);
  });

  it('serves system parameters, power levels, sensors and the CPU state', () => {
    const a = new Asm();
    rtasCall(a, 'ibm,get-system-parameter', [20, RTAS_BUF + 0x800, 200], 1, { buf: RTAS_BUF });
    rtasCall(a, 'ibm,get-system-parameter', [42, RTAS_BUF + 0x900, 3], 1, { buf: RTAS_BUF + 0x40 });
    rtasCall(a, 'ibm,get-system-parameter', [7, RTAS_BUF + 0x900, 3], 1, { buf: RTAS_BUF + 0x80 });
    rtasCall(a, 'ibm,set-system-parameter', [20, RTAS_BUF + 0x900], 1, { buf: RTAS_BUF + 0xc0 });
    rtasCall(a, 'ibm,set-system-parameter', [5, RTAS_BUF + 0x900], 1, { buf: RTAS_BUF + 0x100 });
    rtasCall(a, 'get-power-level', [0xffffffff], 2, { buf: RTAS_BUF + 0x140 });
    rtasCall(a, 'get-sensor-state', [9003, 0x10000000], 2, { buf: RTAS_BUF + 0x180 });
    rtasCall(a, 'query-cpu-stopped-state', [0], 2, { buf: RTAS_BUF + 0x1c0 });
    rtasCall(a, 'query-cpu-stopped-state', [1], 2, { buf: RTAS_BUF + 0x200 });
    rtasCall(a, 'start-cpu', [0, 0x1000, 0], 1, { buf: RTAS_BUF + 0x240 });
    rtasCall(a, 'event-scan', [0xffffffff, 0, RTAS_BUF + 0xa00, 2048], 1, { buf: RTAS_BUF + 0x280 });
    rtasCall(a, 'check-exception', [0x500, 0, 0xffffffff, 0, RTAS_BUF + 0xa00, 2048], 1, { buf: RTAS_BUF + 0x2c0 });
    rtasCall(a, 'ibm,configure-connector', [RTAS_BUF + 0xa00, 0], 1, { buf: RTAS_BUF + 0x300 });
    rtasCall(a, 'ibm,nmi-register', [0x7000, 0x7100], 1, { buf: RTAS_BUF + 0x340 });
    rtasCall(a, 'ibm,nmi-register', [0x7000, 0x4000000], 1, { buf: RTAS_BUF + 0x380 });
    rtasCall(a, 'ibm,nmi-interlock', [], 1, { buf: RTAS_BUF + 0x3c0 });
    idle(a);
    const g = bootGuest(a);
    expect(g.machine.runFor(300_000)).toEqual({ kind: 'idle' });
    const m = g.machine.memory;
    expect(ret(g, 3, 0, RTAS_BUF)).toBe(0);
    const len = m.read16BE(RTAS_BUF + 0x800);
    expect(new TextDecoder().decode(m.read(RTAS_BUF + 0x802, len))).toBe(
      'MaxEntCap=1,DesMem=256,DesProcs=1,MaxPlatProcs=1\0',
    );
    expect(ret(g, 3, 0, RTAS_BUF + 0x40)).toBe(0);
    expect([m.read16BE(RTAS_BUF + 0x900), m.read8(RTAS_BUF + 0x902)]).toEqual([1, 0]);
    expect(ret(g, 3, 0, RTAS_BUF + 0x80)).toBe(RTAS.PARAM_ERROR);
    expect(ret(g, 2, 0, RTAS_BUF + 0xc0)).toBe(RTAS.NOT_AUTHORIZED);
    expect(ret(g, 2, 0, RTAS_BUF + 0x100)).toBe(RTAS.PARAM_ERROR);
    expect([ret(g, 1, 0, RTAS_BUF + 0x140), ret(g, 1, 1, RTAS_BUF + 0x140)]).toEqual([0, 100]);
    expect(ret(g, 2, 0, RTAS_BUF + 0x180)).toBe(RTAS.PARAM_ERROR);
    expect([ret(g, 1, 0, RTAS_BUF + 0x1c0), ret(g, 1, 1, RTAS_BUF + 0x1c0)]).toEqual([0, 2]);
    expect(ret(g, 1, 0, RTAS_BUF + 0x200)).toBe(RTAS.PARAM_ERROR);
    expect(ret(g, 3, 0, RTAS_BUF + 0x240)).toBe(RTAS.HW_ERROR); // CPU 0 is running
    expect(ret(g, 4, 0, RTAS_BUF + 0x280)).toBe(RTAS.NO_ERRORS_FOUND);
    expect(ret(g, 6, 0, RTAS_BUF + 0x2c0)).toBe(RTAS.NO_ERRORS_FOUND);
    expect(ret(g, 2, 0, RTAS_BUF + 0x300)).toBe(RTAS.PARAM_ERROR);
    expect(ret(g, 2, 0, RTAS_BUF + 0x340)).toBe(0);
    expect(ret(g, 2, 0, RTAS_BUF + 0x380)).toBe(RTAS.PARAM_ERROR); // beyond 32 MiB
    expect(ret(g, 0, 0, RTAS_BUF + 0x3c0)).toBe(RTAS.PARAM_ERROR); // no machine check in progress
    expect(g.machine.rtasState.fwnmiSystemReset).toBe(0x7000);
  });

  it('routes ibm,set-xive / get-xive / int-on / int-off to XICS', () => {
    const a = new Asm();
    rtasCall(a, 'ibm,set-xive', [0x1100, 0, 5], 1, { buf: RTAS_BUF });
    rtasCall(a, 'ibm,int-off', [0x1100], 1, { buf: RTAS_BUF + 0x40 });
    rtasCall(a, 'ibm,get-xive', [0x1100], 3, { buf: RTAS_BUF + 0x80 });
    rtasCall(a, 'ibm,int-on', [0x1100], 1, { buf: RTAS_BUF + 0xc0 });
    rtasCall(a, 'ibm,set-xive', [0x1100, 7, 5], 1, { buf: RTAS_BUF + 0x100 }); // no server 7
    idle(a);
    const g = bootGuest(a);
    g.machine.runFor(200_000);
    expect(ret(g, 3, 0, RTAS_BUF)).toBe(0);
    expect([0, 1, 2].map((i) => ret(g, 1, i, RTAS_BUF + 0x80))).toEqual([0, 0, 0xff]); // masked by int-off
    expect(ret(g, 1, 0, RTAS_BUF + 0xc0)).toBe(0);
    expect(g.machine.xics.getXive(0x1100)).toEqual({ server: 0, priority: 5 });
    expect(ret(g, 3, 0, RTAS_BUF + 0x100)).toBe(RTAS.PARAM_ERROR);
  });

  it('stores and fetches NVRAM, reporting stores for write-back', () => {
    const stores: [number, number][] = [];
    const a = new Asm();
    a.li64(9, 0x6e7672616d21n).li64(30, BigInt(SCRATCH)).std(9, 0x100, 30);
    rtasCall(a, 'nvram-store', [0x40, SCRATCH + 0x100, 8], 2, { buf: RTAS_BUF });
    rtasCall(a, 'nvram-fetch', [0x40, SCRATCH + 0x200, 8], 2, { buf: RTAS_BUF + 0x40 });
    idle(a);
    const g = bootGuest(a, { nvram: { onStore: (_d, o, l) => stores.push([o, l]) } });
    g.machine.runFor(200_000);
    expect([ret(g, 3, 0), ret(g, 3, 1)]).toEqual([0, 8]);
    expect([ret(g, 3, 0, RTAS_BUF + 0x40), ret(g, 3, 1, RTAS_BUF + 0x40)]).toEqual([0, 8]);
    expect(g.machine.memory.read64BE(SCRATCH + 0x200)).toBe(0x6e7672616d21n);
    expect(g.machine.nvram.data.subarray(0x40, 0x48)).toEqual(g.machine.memory.read(SCRATCH + 0x100, 8));
    expect(stores).toEqual([[0x40, 8]]);
  });

  it('ibm,os-term ends the machine with the guest message', () => {
    const a = new Asm();
    a.li64(9, 0x4b65726e656c2070n).li64(30, BigInt(SCRATCH)).std(9, 0, 30);
    a.li64(9, 0x616e6963210a0000n).std(9, 8, 30);
    rtasCall(a, 'ibm,os-term', [SCRATCH], 1);
    a.hang();
    const g = bootGuest(a);
    expect(g.machine.runFor(100_000)).toEqual({ kind: 'exit', exit: { kind: 'os-term', message: 'Kernel panic!\n' } });
  });

  it('system-reboot restarts the machine, or ends it with noReboot; NVRAM survives the restart', () => {
    // Boot 1: NVRAM byte 0x80 is 0 -> store 1 and reboot. Boot 2: it is 1 -> power off.
    const a = new Asm();
    rtasCall(a, 'nvram-fetch', [0x80, SCRATCH, 1], 2, { buf: RTAS_BUF });
    a.li64(30, BigInt(SCRATCH)).i('lbz', { rt: 9, d: 0, ra: 30 }).cmpdi(9, 0).bne('second');
    a.li(9, 1).i('stb', { rs: 9, d: 0, ra: 30 });
    rtasCall(a, 'nvram-store', [0x80, SCRATCH, 1], 2, { buf: RTAS_BUF });
    rtasCall(a, 'system-reboot', [], 1, { buf: RTAS_BUF });
    a.hang();
    a.label('second');
    rtasCall(a, 'power-off', [0, 0], 1, { buf: RTAS_BUF });
    a.hang();
    const g = bootGuest(a);
    expect(g.machine.runFor(1_000_000)).toEqual({ kind: 'exit', exit: { kind: 'power-off' } });
    expect(g.machine.resets).toBe(1);
    const h = bootGuest(a, { noReboot: true });
    expect(h.machine.runFor(1_000_000)).toEqual({ kind: 'exit', exit: { kind: 'reboot' } });
  });

  it('stop-self parks the only vCPU; query then reports it stopped to the host', () => {
    const a = new Asm();
    rtasCall(a, 'stop-self', [], 1);
    a.hang();
    const g = bootGuest(a);
    expect(g.machine.runFor(100_000)).toEqual({ kind: 'idle' });
    expect(g.machine.vcpus[0]!.state).toBe('stopped');
  });
});
