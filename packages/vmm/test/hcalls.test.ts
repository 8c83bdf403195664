import { createLogger, H, type HcallTable, nullLogger } from '@ppcvm/machine-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CPU_BEHAV_FAVOUR_SECURITY,
  CPU_CHAR_HON_BRANCH_HINTS,
  fwnmiSaveArea,
  HcallRouter,
  type Machine,
  PAGE_INIT,
  RTAS,
  RTAS_TOKENS,
  SPRN,
  VMM_HCALL,
  VPA_FLAGS,
} from '../src/index.js';
import { Asm } from './support/asm.js';
import { bootGuest, RAM } from './support/guest.js';

/** Make an hcall on vCPU 0 directly through the router, as `sc 1` would. */
function hc(m: Machine, opcode: number, ...args: bigint[]) {
  const v = m.vcpus[0]!;
  const cpu = v.cpu;
  cpu.setGpr(3, BigInt(opcode));
  for (let i = 0; i < 9; i++) cpu.setGpr(4 + i, args[i] ?? 0n);
  m.router.dispatch(v.hcallArgs);
  return { rc: Number(BigInt.asIntN(64, cpu.getGpr(3))), r: (i: number) => cpu.getGpr(4 + i) };
}

function machine(opts: Parameters<typeof bootGuest>[1] = {}) {
  return bootGuest(new Asm().hang(), opts);
}

describe('H_REGISTER_VPA', () => {
  it('registers VPA, SLB shadow and DTL with PAPR checks', () => {
    const { machine: m } = machine();
    const mem = m.memory;
    const vpa = 0x10000;
    mem.write16BE(vpa + 4, 0x400); // size 1024
    mem.write32BE(0x11000 + 4, 0x100); // SLB shadow size
    mem.write32BE(0x12000 + 4, 0x1000); // DTL size
    const v = m.vcpus[0]!;
    // SLB shadow and DTL need a VPA first.
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_SLBSHADOW, 0n, 0x11000n).rc).toBe(H.RESOURCE);
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_DTL, 0n, 0x12000n).rc).toBe(H.RESOURCE);
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_VPA, 0n, BigInt(vpa)).rc).toBe(H.SUCCESS);
    expect(v.vpa).toBe(vpa);
    expect(mem.read8(vpa + 9) & 2).toBe(2); // shared processor
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_SLBSHADOW, 0n, 0x11000n).rc).toBe(H.SUCCESS);
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_DTL, 0n, 0x12000n).rc).toBe(H.SUCCESS);
    expect([v.slbShadowAddr, v.slbShadowSize, v.dtlAddr, v.dtlSize]).toEqual([0x11000, 0x100, 0x12000, 0x1000]);
    expect(hc(m, 0xdc, VPA_FLAGS.DEREGISTER_VPA, 0n, 0n).rc).toBe(H.RESOURCE);
    expect(hc(m, 0xdc, VPA_FLAGS.DEREGISTER_DTL, 0n, 0n).rc).toBe(H.SUCCESS);
    expect(hc(m, 0xdc, VPA_FLAGS.DEREGISTER_SLBSHADOW, 0n, 0n).rc).toBe(H.SUCCESS);
    expect(hc(m, 0xdc, VPA_FLAGS.DEREGISTER_VPA, 0n, 0n).rc).toBe(H.SUCCESS);
    expect(v.vpa).toBe(0);
  });

  it('refuses bad VPAs', () => {
    const { machine: m, logs } = machine();
    const mem = m.memory;
    mem.write16BE(0x20000 + 4, 100);
    mem.write16BE(0x20f80 + 4, 0x400);
    mem.write16BE(0x21000 + 4, 0x400);
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_VPA, 0n, 0n).rc).toBe(H.HARDWARE); // logical 0
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_VPA, 0n, 0x21008n).rc).toBe(H.PARAMETER); // misaligned
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_VPA, 0n, 0x20000n).rc).toBe(H.PARAMETER); // too small
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_VPA, 0n, 0x20f80n).rc).toBe(H.PARAMETER); // crosses a page
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_VPA, 0n, BigInt(RAM)).rc).toBe(H.PARAMETER); // outside RAM
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_VPA, 5n, 0x21000n).rc).toBe(H.PARAMETER); // no cpu 5
    expect(hc(m, 0xdc, VPA_FLAGS.REGISTER_VPA | 1n, 0n, 0x21000n).rc).toBe(H.PARAMETER); // stray flag
    expect(hc(m, 0xdc, (1n << 64n) - 1n, (1n << 64n) - 1n, (1n << 64n) - 1n).rc).toBe(H.PARAMETER);
    expect(m.vcpus[0]!.vpa).toBe(0);
    expect(logs.length).toBeGreaterThanOrEqual(8);
  });
});

describe('idle, yield and prod', () => {
  it('H_CEDE halts with EE set unless prodded; H_PROD wakes', () => {
    const { machine: m } = machine();
    const cpu = m.vcpus[0]!.cpu;
    expect(hc(m, 0xe8, 0n).rc).toBe(H.SUCCESS); // prod self first
    expect(hc(m, 0xe0).rc).toBe(H.SUCCESS);
    expect(cpu.halted).toBe(false); // the prod was consumed
    expect(m.vcpus[0]!.prod).toBe(false);
    expect(hc(m, 0xe0).rc).toBe(H.SUCCESS);
    expect(cpu.halted).toBe(true);
    expect(cpu.s[70]! & (1 << 15)).not.toBe(0);
    expect(hc(m, 0xe8, 0n).rc).toBe(H.SUCCESS);
    expect(cpu.halted).toBe(false);
    expect(hc(m, 0xe8, 1n).rc).toBe(H.PARAMETER);
  });

  it('H_CONFER to self waits for a prod; other targets are checked', () => {
    const { machine: m } = machine();
    const cpu = m.vcpus[0]!.cpu;
    expect(hc(m, 0xe4, (1n << 64n) - 1n, 0n).rc).toBe(H.SUCCESS); // -1: anyone
    expect(hc(m, 0xe4, 0n, 0n).rc).toBe(H.SUCCESS);
    expect(cpu.halted).toBe(true);
    cpu.halted = false;
    expect(hc(m, 0xe4, 9n, 1n).rc).toBe(H.PARAMETER);
    expect(hc(m, 0xe4, (1n << 64n) - 2n, 1n).rc).toBe(H.PARAMETER);
  });
});

describe('logical loads and stores, page init', () => {
  it('H_LOGICAL_CI_LOAD/STORE access RAM big-endian in 1, 2, 4, 8 bytes', () => {
    const { machine: m } = machine();
    for (const [size, value] of [
      [1n, 0xabn],
      [2n, 0xabcdn],
      [4n, 0x89abcdefn],
      [8n, 0x0123456789abcdefn],
    ] as const) {
      expect(hc(m, 0x40, size, 0x30000n, value | (1n << 63n)).rc).toBe(H.SUCCESS);
      const r = hc(m, 0x3c, size, 0x30000n);
      expect(r.rc).toBe(H.SUCCESS);
      expect(r.r(0)).toBe(size === 8n ? value | (1n << 63n) : value);
    }
    expect(m.memory.read8(0x30000)).toBe(0x81);
    expect(hc(m, 0x44, 4n, 0x30000n).r(0)).toBe(0x81234567n); // cache-load variant
    expect(hc(m, 0x3c, 3n, 0x30000n).rc).toBe(H.PARAMETER);
    expect(hc(m, 0x3c, 8n, BigInt(RAM - 4)).rc).toBe(H.PARAMETER);
    expect(hc(m, 0x40, 4n, BigInt(RAM), 1n).rc).toBe(H.PARAMETER);
    expect(hc(m, 0x4c, 0x30000n).rc).toBe(H.SUCCESS);
    expect(hc(m, 0x50, 0x30000n).rc).toBe(H.SUCCESS);
  });

  it('H_PAGE_INIT zeroes and copies aligned RAM pages only', () => {
    const { machine: m } = machine();
    m.memory.fill(0x40000, 4096, 0x5a);
    m.memory.fill(0x41000, 4096, 0x77);
    expect(hc(m, 0x2c, PAGE_INIT.COPY_PAGE, 0x41000n, 0x40000n).rc).toBe(H.SUCCESS);
    expect(m.memory.read(0x41000, 4096).every((b) => b === 0x5a)).toBe(true);
    expect(hc(m, 0x2c, PAGE_INIT.ZERO_PAGE | PAGE_INIT.ICACHE_SYNCHRONIZE, 0x40000n, 0n).rc).toBe(H.SUCCESS);
    expect(m.memory.read(0x40000, 4096).every((b) => b === 0)).toBe(true);
    expect(hc(m, 0x2c, PAGE_INIT.ZERO_PAGE, 0x40008n, 0n).rc).toBe(H.PARAMETER);
    expect(hc(m, 0x2c, PAGE_INIT.COPY_PAGE, 0x40000n, BigInt(RAM)).rc).toBe(H.PARAMETER);
    expect(hc(m, 0x2c, 1n, 0x40000n, 0n).rc).toBe(H.PARAMETER);
    expect(m.memory.read(0x41000, 4).every((b) => b === 0x5a)).toBe(true);
  });

  it('drops decoded code of a page the host rewrote', () => {
    // The guest runs code at 0x50000 (writes r3=1), the host replaces it through H_PAGE_INIT, the guest runs it again.
    const { machine: m } = machine();
    const first = new Asm().li(3, 1).hang().bytes();
    const second = new Asm().li(3, 2).hang().bytes();
    m.memory.write(0x50000, first);
    m.memory.write(0x51000, second);
    const cpu = m.vcpus[0]!.cpu;
    cpu.s[64] = 0x50000;
    m.runFor(100);
    expect(cpu.getGpr(3)).toBe(1n);
    expect(hc(m, 0x2c, PAGE_INIT.COPY_PAGE, 0x50000n, 0x51000n).rc).toBe(H.SUCCESS);
    cpu.s[64] = 0x50000;
    cpu.s[65] = 0;
    m.runFor(100);
    expect(cpu.getGpr(3)).toBe(2n);
  });
});

describe('CPU state hcalls', () => {
  it('H_GET_CPU_CHARACTERISTICS reports a CPU that needs no speculation workarounds', () => {
    const { machine: m } = machine();
    const r = hc(m, 0x1c8);
    expect(r.rc).toBe(H.SUCCESS);
    expect([r.r(0), r.r(1)]).toEqual([CPU_CHAR_HON_BRANCH_HINTS, CPU_BEHAV_FAVOUR_SECURITY]);
  });

  it('H_SET_SPRG0, H_SET_DABR, H_SET_XDABR and H_SET_MODE CIABR/DAWR store the registers', () => {
    const { machine: m } = machine();
    const cpu = m.vcpus[0]!.cpu;
    expect(hc(m, 0x24, 0x1234n).rc).toBe(H.SUCCESS);
    expect(cpu.getSpr(SPRN.SPRG0)).toBe(0x1234n);
    expect(hc(m, 0x28, 0x5000n).rc).toBe(H.SUCCESS);
    expect([cpu.getSpr(SPRN.DABR), cpu.getSpr(SPRN.DABRX)]).toEqual([0x5000n, 3n]);
    expect(hc(m, 0x134, 0x6000n, 2n).rc).toBe(H.SUCCESS);
    expect([cpu.getSpr(SPRN.DABR), cpu.getSpr(SPRN.DABRX)]).toEqual([0x6000n, 2n]);
    expect(hc(m, 0x134, 0x6000n, 4n | 2n).rc).toBe(H.PARAMETER); // hypervisor bit
    expect(hc(m, 0x134, 0x6000n, 0n).rc).toBe(H.PARAMETER); // neither kernel nor user
    expect(hc(m, 0x134, 0x6000n, 0x13n).rc).toBe(H.PARAMETER);
    expect(hc(m, 0x31c, 0n, 1n, 0x7002n, 0n).rc).toBe(H.SUCCESS);
    expect(cpu.getSpr(SPRN.CIABR)).toBe(0x7002n);
    expect(hc(m, 0x31c, 0n, 1n, 0x7003n, 0n).rc).toBe(H.P3);
    expect(hc(m, 0x31c, 0n, 2n, 0x8000n, 0x3n).rc).toBe(H.SUCCESS);
    expect([cpu.getSpr(SPRN.DAWR0), cpu.getSpr(SPRN.DAWRX0)]).toEqual([0x8000n, 3n]);
    expect(hc(m, 0x31c, 0n, 2n, 0x8000n, 0x4n).rc).toBe(H.P4);
    expect(hc(m, 0x31c, 1n, 2n, 0x8000n, 0n).rc).toBe(H.UNSUPPORTED_FLAG);
  });

  it('POWER9 has no DABR; POWER7 has no AIL, CIABR or DAWR', () => {
    const p9 = machine({ cpu: 'power9' }).machine;
    expect(hc(p9, 0x28, 0x5000n).rc).toBe(H.HARDWARE);
    const p7 = machine({ cpu: 'power7' }).machine;
    expect(hc(p7, 0x31c, 3n, 3n, 0n, 0n).rc).toBe(H.P2);
    expect(hc(p7, 0x31c, 0n, 1n, 0n, 0n).rc).toBe(H.P2);
    expect(hc(p7, 0x31c, 1n, 4n, 0n, 0n).rc).toBe(H.SUCCESS);
  });

  it('H_SIGNAL_SYS_RESET delivers a system reset to the caller, through FWNMI when registered', () => {
    const { machine: m } = machine();
    const cpu = m.vcpus[0]!.cpu;
    cpu.s[64] = 0x1234;
    expect(hc(m, 0x380, (1n << 64n) - 3n).rc).toBe(H.PARAMETER); // -3
    expect(hc(m, 0x380, 4n).rc).toBe(H.PARAMETER);
    expect(hc(m, 0x380, (1n << 64n) - 2n).rc).toBe(H.SUCCESS); // all but self: nobody here
    expect(cpu.pcBig()).toBe(0x1234n);
    expect(hc(m, 0x380, 0n).rc).toBe(H.SUCCESS);
    expect(cpu.pcBig()).toBe(0x100n);
    expect(cpu.getSpr(26)).toBe(0x1234n); // SRR0
    // With FWNMI: enter the registered vector, r3 = this vCPU's save area holding the old r3.
    m.rtasState.fwnmiSystemReset = 0x7000;
    cpu.s[64] = 0x2000;
    const r = hc(m, 0x380, (1n << 64n) - 1n);
    const save = fwnmiSaveArea(m.boot.rtasBase, 0);
    expect(r.rc).toBe(save);
    expect(cpu.pcBig()).toBe(0x7000n);
    expect(cpu.getSpr(26)).toBe(0x2000n);
    expect(m.memory.read64BE(save)).toBe(0n);
    expect(save + 16).toBeLessThanOrEqual(m.boot.rtasBase + m.boot.rtasSize);
  });
});

describe('hcall routing', () => {
  it('refuses two packages claiming the same opcode', () => {
    const a: HcallTable = { owner: 'a', entries: [{ opcode: 0x58, name: 'X', handler: () => 0 }] };
    const b: HcallTable = { owner: 'b', entries: [{ opcode: 0x58, name: 'Y', handler: () => 0 }] };
    expect(() => new HcallRouter([a, b], nullLogger)).toThrow(/registered by both a and b/);
  });

  it('turns a guest address a handler did not check into H_PARAMETER', () => {
    const { machine: m } = machine();
    const lines: string[] = [];
    const bad: HcallTable = {
      owner: 'test',
      entries: [{ opcode: 0x9000, name: 'H_TEST', handler: () => m.memory.read8(RAM + 5) }],
    };
    const router = new HcallRouter(
      [bad],
      createLogger(['guest_errors'], (l) => lines.push(l)),
    );
    const v = m.vcpus[0]!;
    v.cpu.setGpr(3, 0x9000n);
    router.dispatch(v.hcallArgs);
    expect(BigInt.asIntN(64, v.cpu.getGpr(3))).toBe(BigInt(H.PARAMETER));
    expect(lines[0]).toMatch(/H_TEST from cpu 0: guest memory access .* -> H_PARAMETER/);
    // Opcodes with high bits set are unknown, not aliases of small ones.
    v.cpu.setGpr(3, (1n << 32n) | 0x9000n);
    router.dispatch(v.hcallArgs);
    expect(BigInt.asIntN(64, v.cpu.getGpr(3))).toBe(BigInt(H.FUNCTION));
  });

  it('logs each hcall with its arguments as they came in (-d hcall)', () => {
    const { machine: m, logs } = machine({ log: ['hcall'] });
    hc(m, 0x40, 4n, 0x30000n, 0xabcdn);
    hc(m, 0x3c, 4n, 0x30000n);
    expect(logs).toEqual([
      '[hcall] cpu 0 H_LOGICAL_CI_STORE(0x4, 0x30000, 0xabcd, 0x0) -> 0',
      '[hcall] cpu 0 H_LOGICAL_CI_LOAD(0x4, 0x30000, 0x0, 0x0) -> 0',
    ]);
  });

  it('no vmm hcall throws or leaves a non-H code for random arguments', () => {
    const { machine: m } = machine();
    const opcodes = [...m.router.table.keys()].filter((op) => op !== VMM_HCALL.H_SIGNAL_SYS_RESET);
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    const small = fc.bigInt({ min: 0n, max: 0x20000n });
    const codes = new Set<number>(Object.values(H));
    fc.assert(
      fc.property(
        fc.constantFrom(...opcodes),
        fc.array(fc.oneof(u64, small), { minLength: 9, maxLength: 9 }),
        (op, args) => {
          m.vcpus[0]!.cpu.halted = false;
          const { rc } = hc(m, op, ...args);
          expect(codes.has(rc), `0x${op.toString(16)} -> ${rc}`).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('RTAS buffers full of garbage never throw', () => {
    const { machine: m } = machine();
    const tokens = Object.values(RTAS_TOKENS).filter(
      (t) => t !== RTAS_TOKENS['power-off'] && t !== RTAS_TOKENS['system-reboot'] && t !== RTAS_TOKENS['ibm,os-term'],
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...tokens), fc.integer({ min: 0, max: 0xffffffff })),
        fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 0xffffffff })),
        fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 0xffffffff })),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0x100000 })), {
          maxLength: 16,
        }),
        fc.oneof(fc.constant(0x200000n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
        (token, nargs, nret, words, at) => {
          const base = 0x200000;
          m.memory.write32BE(base, token);
          m.memory.write32BE(base + 4, nargs);
          m.memory.write32BE(base + 8, nret);
          for (const [i, w] of words.entries()) m.memory.write32BE(base + 12 + 4 * i, w);
          const rc = m.rtas.call(0, at);
          expect([H.SUCCESS, H.PARAMETER]).toContain(rc);
          m.vcpus[0]!.state = 'running';
        },
      ),
      { numRuns: 3000 },
    );
    expect(RTAS.PARAM_ERROR).toBe(-3);
  });
});
