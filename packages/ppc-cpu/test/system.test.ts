/**
 * Bare-metal system-mode tests: interrupts with their SRR0/SRR1/DAR/DSISR side
 * effects, relocation-on vectors (LPCR[AIL]), MSR moves, rfid, decrementer,
 * external interrupt, doorbells, the PAPR hypercall exit, SLB and HPT translation.
 * Guest code is encoded from the instruction table (test/support/encode.ts).
 */
import {
  createHptHcalls,
  encodeHpteR,
  encodeHpteV,
  HashMmu,
  HashPageTable,
  HPTE_R_C,
  HPTE_R_R,
  primaryHash,
  ptegIndex,
  Slb,
} from '@ppcvm/hpt-mmu';
import { H, type HcallArgs } from '@ppcvm/machine-core';
import { describe, expect, it } from 'vitest';
import { Cpu } from '../src/cpu.js';
import { SRR1_PROGRAM, VEC } from '../src/interrupts.js';
import { SPR } from '../src/sprs.js';
import { MSR_HI_SF, MSR_LO_DR, MSR_LO_EE, MSR_LO_IR, MSR_LO_LE, MSR_LO_ME, MSR_LO_PR } from '../src/state.js';
import { SystemMmu } from '../src/system-mmu.js';
import { enc } from './support/encode.js';

const RAM = 16 << 20;

interface Machine {
  cpu: Cpu;
  ram: SharedArrayBuffer;
  dv: DataView;
  mmu: SystemMmu;
  hpt: HashPageTable;
  /** Tick counter driving the timebase deterministically. */
  clock: { t: number };
}

/** A system-mode CPU in little-endian supervisor real mode, MSR = SF|ME|LE, running at `pc`. */
function machine(opts: { hypercall?: (cpu: Cpu) => void } = {}): Machine {
  const ram = new SharedArrayBuffer(RAM);
  const hpt = HashPageTable.create(18);
  const slb = new Slb();
  const mmu = new SystemMmu({ mmu: new HashMmu({ hpt, slb }), ramBytes: RAM });
  const cpu = new Cpu({ ram, translator: mmu, hooks: opts.hypercall ? { hypercall: opts.hypercall } : {} });
  mmu.attach(cpu);
  cpu.mmu = mmu;
  cpu.system = true;
  const clock = { t: 0 };
  cpu.timebase = () => clock.t;
  cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE);
  return { cpu, ram, dv: new DataView(ram), mmu, hpt, clock };
}

function put(m: Machine, addr: number, words: number[]): void {
  for (const [i, w] of words.entries()) m.dv.setUint32(addr + 4 * i, w, true);
}

/** Load a 32-bit constant into rN (lis + ori). */
function li32(r: number, v: number): number[] {
  return [enc('addis', { rt: r, ra: 0, si: ((v >> 16) << 16) >> 16 }), enc('ori', { ra: r, rs: r, ui: v & 0xffff })];
}

function setPc(cpu: Cpu, pc: number | bigint): void {
  cpu.set64(64, BigInt(pc));
}

const TRAP_LOOP = (m: Machine, vector: number) => put(m, vector, [enc('b', { li: 0 })]);

describe('program interrupts', () => {
  it('privileged instruction from problem state: 0x700, SRR0 = the instruction, SRR1 privileged bit + old MSR', () => {
    const m = machine();
    put(m, 0x1000, [enc('mfmsr', { rt: 3 })]);
    TRAP_LOOP(m, 0x700);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_PR | MSR_LO_EE | MSR_LO_IR | MSR_LO_DR);
    // Problem state with relocation: use real mode via a 1:1 translation → relocation needs an SLB; keep IR/DR off.
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_PR);
    setPc(m.cpu, 0x1000);
    m.cpu.run(1);
    expect(m.cpu.pcBig()).toBe(0x700n);
    expect(m.cpu.getSpr(SPR.SRR0)).toBe(0x1000n);
    const srr1 = m.cpu.getSpr(SPR.SRR1);
    expect(srr1 & BigInt(SRR1_PROGRAM.PRIVILEGED)).not.toBe(0n);
    expect(srr1 & BigInt(MSR_LO_PR)).not.toBe(0n);
    // New MSR: supervisor, relocation off, LE from LPCR[ILE]=0 → big-endian, ME kept, SF set.
    const msr = m.cpu.get64(70);
    expect(msr & BigInt(MSR_LO_PR)).toBe(0n);
    expect(msr & BigInt(MSR_LO_ME)).not.toBe(0n);
    expect(msr & BigInt(MSR_LO_LE)).toBe(0n);
    expect(msr >> 63n).toBe(1n);
  });

  it('illegal instruction: SRR1 illegal bit; trap: SRR1 trap bit', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n); // ILE: interrupts stay little-endian
    put(m, 0x1000, [0x00000000]);
    TRAP_LOOP(m, 0x700);
    setPc(m.cpu, 0x1000);
    m.cpu.run(1);
    expect(m.cpu.pcBig()).toBe(0x700n);
    expect(m.cpu.getSpr(SPR.SRR1) & BigInt(SRR1_PROGRAM.ILLEGAL)).not.toBe(0n);
    expect(m.cpu.le).toBe(true);

    put(m, 0x2000, [enc('tw', { to: 31, ra: 0, rb: 0 })]);
    setPc(m.cpu, 0x2000);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE);
    m.cpu.run(1);
    expect(m.cpu.pcBig()).toBe(0x700n);
    expect(m.cpu.getSpr(SPR.SRR0)).toBe(0x2000n);
    expect(m.cpu.getSpr(SPR.SRR1) & BigInt(SRR1_PROGRAM.TRAP)).not.toBe(0n);
  });
});

describe('system call and hypercall', () => {
  it('sc 0 goes to 0xc00 with SRR0 = next instruction; rfid returns and restores the MSR', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n);
    put(m, 0x1000, [enc('sc', { lev: 0 }), enc('addi', { rt: 5, ra: 0, si: 42 })]);
    put(m, 0xc00, [enc('addi', { rt: 4, ra: 0, si: 7 }), enc('rfid')]);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_EE);
    setPc(m.cpu, 0x1000);
    m.cpu.run(4);
    expect(m.cpu.getSpr(SPR.SRR0)).toBe(0x1004n);
    expect(m.cpu.getGpr(4)).toBe(7n);
    expect(m.cpu.getGpr(5)).toBe(42n);
    expect(m.cpu.get64(70) & BigInt(MSR_LO_EE)).not.toBe(0n);
    expect(m.cpu.pcBig()).toBe(0x1008n);
  });

  it('rfid to problem state turns on EE, IR and DR (Book III-S §4.4.1)', () => {
    const m = machine();
    put(m, 0x1000, [
      ...li32(3, MSR_LO_PR | MSR_LO_LE | MSR_LO_ME),
      enc('mtspr', { spr: SPR.SRR1, rs: 3 }),
      enc('rfid'),
    ]);
    setPc(m.cpu, 0x1000);
    m.cpu.run(4);
    const msr = m.cpu.get64(70);
    expect(msr & BigInt(MSR_LO_PR | MSR_LO_EE | MSR_LO_IR | MSR_LO_DR)).toBe(
      BigInt(MSR_LO_PR | MSR_LO_EE | MSR_LO_IR | MSR_LO_DR),
    );
  });

  it('sc 1 from supervisor state exits to the virtual hypervisor; from problem state returns H_PRIVILEGE', () => {
    const seen: bigint[][] = [];
    const m = machine({
      hypercall: (cpu) => {
        seen.push([cpu.getGpr(3), cpu.getGpr(4), cpu.getGpr(5)]);
        cpu.setGpr(3, 0n);
        cpu.setGpr(4, cpu.getGpr(4) + cpu.getGpr(5));
      },
    });
    put(m, 0x1000, [
      enc('addi', { rt: 3, ra: 0, si: 0x58 }),
      enc('addi', { rt: 4, ra: 0, si: 5 }),
      enc('addi', { rt: 5, ra: 0, si: 6 }),
      enc('sc', { lev: 1 }),
    ]);
    setPc(m.cpu, 0x1000);
    m.cpu.run(4);
    expect(seen).toEqual([[0x58n, 5n, 6n]]);
    expect(m.cpu.getGpr(3)).toBe(0n);
    expect(m.cpu.getGpr(4)).toBe(11n);
    expect(m.cpu.pcBig()).toBe(0x1010n);

    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_PR);
    setPc(m.cpu, 0x1000);
    m.cpu.run(4);
    expect(seen.length).toBe(1);
    expect(BigInt.asIntN(64, m.cpu.getGpr(3))).toBe(BigInt(H.PRIVILEGE));
  });
});

describe('asynchronous interrupts', () => {
  it('decrementer fires when EE=1 after DEC goes negative; SRR0 = the next instruction to run', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n);
    // li r3,100; mtdec r3; loop: addi r4,r4,1; b loop
    put(m, 0x1000, [enc('addi', { rt: 3, ra: 0, si: 100 }), enc('mtspr', { spr: SPR.DEC, rs: 3 })]);
    put(m, 0x1008, [enc('addi', { rt: 4, ra: 4, si: 1 }), enc('b', { li: -4 })]);
    TRAP_LOOP(m, 0x900);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_EE);
    setPc(m.cpu, 0x1000);
    m.cpu.run(10);
    expect(m.cpu.readDec()).toBe(100);
    m.clock.t = 50;
    m.cpu.run(10);
    expect(m.cpu.pcBig()).not.toBe(0x900n);
    expect(m.cpu.readDec()).toBe(50);
    m.clock.t = 101;
    m.cpu.run(10);
    expect(m.cpu.pcBig()).toBe(0x900n);
    const srr0 = m.cpu.getSpr(SPR.SRR0);
    expect(srr0 === 0x1008n || srr0 === 0x100cn).toBe(true);
    expect(m.cpu.get64(70) & BigInt(MSR_LO_EE)).toBe(0n);
  });

  it('decrementer waits for MSR[EE]; mtmsrd L=1 enables it and the interrupt is taken at once', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n);
    put(m, 0x1000, [
      enc('addi', { rt: 3, ra: 0, si: -1 }),
      enc('mtspr', { spr: SPR.DEC, rs: 3 }),
      enc('addi', { rt: 4, ra: 0, si: 1 }),
      ...li32(5, MSR_LO_EE),
      enc('mtmsrd', { rs: 5, l: 1 }),
      enc('addi', { rt: 6, ra: 0, si: 1 }),
    ]);
    TRAP_LOOP(m, 0x900);
    setPc(m.cpu, 0x1000);
    m.cpu.run(7);
    expect(m.cpu.getGpr(4)).toBe(1n);
    expect(m.cpu.pcBig()).toBe(0x900n);
    expect(m.cpu.getSpr(SPR.SRR0)).toBe(0x1018n);
    expect(m.cpu.getGpr(6)).toBe(0n);
    // mtmsrd L=1 changed only EE (and RI): LE stayed on.
    expect(m.cpu.getSpr(SPR.SRR1) & BigInt(MSR_LO_LE)).not.toBe(0n);
  });

  it('external interrupt is level-sensitive and goes to 0x500', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n | 0x8n); // ILE, LPES0: external interrupts go to the OS
    put(m, 0x1000, [enc('addi', { rt: 4, ra: 4, si: 1 }), enc('b', { li: -4 })]);
    put(m, 0x500, [enc('addi', { rt: 7, ra: 7, si: 1 }), enc('rfid')]);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_EE);
    setPc(m.cpu, 0x1000);
    m.cpu.run(20);
    expect(m.cpu.getGpr(7)).toBe(0n);
    m.cpu.setExternalInterrupt(true);
    m.cpu.run(2);
    expect(m.cpu.getGpr(7)).toBe(1n);
    // Still asserted: taken again right after rfid.
    m.cpu.run(2);
    expect(m.cpu.getGpr(7)).toBe(2n);
    m.cpu.setExternalInterrupt(false);
    m.cpu.run(20);
    expect(m.cpu.getGpr(7)).toBe(2n);
  });

  it('msgsndp to this thread raises a directed privileged doorbell (0xa00)', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n);
    put(m, 0x1000, [...li32(3, 5 << 27), enc('msgsndp', { rb: 3 }), enc('addi', { rt: 4, ra: 0, si: 1 })]);
    TRAP_LOOP(m, 0xa00);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_EE);
    setPc(m.cpu, 0x1000);
    m.cpu.run(4);
    expect(m.cpu.pcBig()).toBe(0xa00n);
    expect(m.cpu.getSpr(SPR.SRR0)).toBe(0x100cn);
  });
});

describe('relocation and the hashed page table', () => {
  /** Put a 4K-page HPTE for ea→ra in a 256M segment with VSID `vsid`, through H_ENTER. */
  function mapPage(m: Machine, vsid: bigint, ea: bigint, ra: bigint, pp = 2): number {
    const hc = createHptHcalls({ hpt: m.hpt, onInvalidate: m.mmu.invalidator() });
    const enter = hc.table.entries.find((e) => e.name === 'H_ENTER')!;
    const ptex = ptegIndex(primaryHash(vsid, ea, 12, '256M'), m.hpt.shift) * 8;
    const v = encodeHpteV({ vsid, ea, segment: '256M', basePageShift: 12 });
    const r = encodeHpteR({ ra, basePageShift: 12, pp }, m.mmu.mmu.pageSizes);
    const regs = [0n, BigInt(ptex), v, r];
    const out: bigint[] = [];
    const args: HcallArgs = { arg: (i) => regs[i] ?? 0n, ret: (i, x) => void (out[i] = x), cpuIndex: 0 };
    expect(enter.handler(args)).toBe(H.SUCCESS);
    return ptex + Number(out[0]! & 7n);
  }

  it('no SLB entry: data segment interrupt (0x380) with DAR; instruction segment (0x480) for fetches', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n);
    put(m, 0x1000, [...li32(3, 0x20000000), enc('ld', { rt: 4, ra: 3, ds: 8 })]);
    TRAP_LOOP(m, 0x380);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_DR);
    setPc(m.cpu, 0x1000);
    m.cpu.run(3);
    expect(m.cpu.pcBig()).toBe(0x380n);
    expect(m.cpu.getSpr(SPR.DAR)).toBe(0x20000008n);
    expect(m.cpu.getSpr(SPR.SRR0)).toBe(0x1008n);

    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_IR);
    put(m, 0x480, [enc('b', { li: 0 })]);
    setPc(m.cpu, 0x1000);
    m.cpu.run(1);
    expect(m.cpu.pcBig()).toBe(0x480n);
    expect(m.cpu.getSpr(SPR.SRR0)).toBe(0x1000n);
  });

  it('slbmte + H_ENTER translate a page; a missing HPTE gives a DSI with DSISR no-translation and the store bit', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n);
    const vsid = 0x1234n;
    // SLB entry 0: ESID 2 (EA 0x20000000..), valid; VSID word: vsid << 12, Kp=0 Ks=0, 4K pages.
    const rb = (2n << 28n) | (1n << 27n) | 0n;
    const rs = vsid << 12n;
    m.cpu.setGpr(10, rs);
    m.cpu.setGpr(11, rb);
    const ptex = mapPage(m, vsid, 0x20005000n, 0x300000n);
    m.dv.setBigUint64(0x300010, 0x1122334455667788n, true);
    put(m, 0x1000, [
      enc('slbmte', { rs: 10, rb: 11 }),
      ...li32(3, 0x20005000),
      enc('ld', { rt: 4, ra: 3, ds: 0x10 }),
      enc('std', { rs: 4, ra: 3, ds: 0x20 }),
      ...li32(5, 0x20006000),
      enc('std', { rs: 4, ra: 5, ds: 0 }),
    ]);
    TRAP_LOOP(m, 0x300);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_DR);
    setPc(m.cpu, 0x1000);
    m.cpu.run(8);
    expect(m.cpu.getGpr(4)).toBe(0x1122334455667788n);
    expect(m.dv.getBigUint64(0x300020, true)).toBe(0x1122334455667788n);
    expect(m.cpu.pcBig()).toBe(0x300n);
    expect(m.cpu.getSpr(SPR.DAR)).toBe(0x20006000n);
    expect(m.cpu.getSpr(SPR.DSISR)).toBe(0x42000000n);
    // The HPTE's R and C bits were recorded by the load and the store.
    const r = m.hpt.read(ptex).r;
    expect(r & BigInt(HPTE_R_R)).not.toBe(0n);
    expect(r & BigInt(HPTE_R_C)).not.toBe(0n);
  });

  it('LPCR[AIL]=3 delivers relocation-on interrupts at 0xc000000000004000 + vector with IR/DR kept', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n | (3n << 23n));
    const vsid = 0x77n;
    // Map the code page at EA 0 and the high vector page through segment ESID 0 and a 1T-ish high segment.
    m.cpu.mmu!.mmu.slb.slbmte(vsid << 12n, (0n << 28n) | (1n << 27n) | 0n);
    mapPage(m, vsid, 0x1000n, 0x1000n);
    put(m, 0x1000, [enc('sc', { lev: 0 })]);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_IR | MSR_LO_DR);
    setPc(m.cpu, 0x1000);
    m.cpu.run(1);
    expect(m.cpu.pcBig()).toBe(0xc000000000004c00n);
    const msr = m.cpu.get64(70);
    expect(msr & BigInt(MSR_LO_IR | MSR_LO_DR)).toBe(BigInt(MSR_LO_IR | MSR_LO_DR));
    expect(m.cpu.getSpr(SPR.SRR0)).toBe(0x1004n);
    // From real mode the same interrupt goes to the real vector.
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE);
    setPc(m.cpu, 0x1000);
    m.cpu.run(1);
    expect(m.cpu.pcBig()).toBe(BigInt(VEC.SYSCALL));
  });
});

describe('alignment', () => {
  it('lmw in little-endian mode takes an alignment interrupt with DAR', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n);
    put(m, 0x1000, [...li32(3, 0x8000), enc('lmw', { rt: 28, ra: 3, d: 4 })]);
    TRAP_LOOP(m, 0x600);
    setPc(m.cpu, 0x1000);
    m.cpu.run(3);
    expect(m.cpu.pcBig()).toBe(0x600n);
    expect(m.cpu.getSpr(SPR.DAR)).toBe(0x8004n);
    expect(m.cpu.getSpr(SPR.SRR0)).toBe(0x1008n);
  });
});

describe('trace, CFAR, PPR and models', () => {
  it('MSR[SE] takes a trace interrupt (0xd00) after each instruction with SRR0 = the next one', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n);
    put(m, 0x1000, [enc('addi', { rt: 3, ra: 0, si: 1 }), enc('addi', { rt: 3, ra: 3, si: 1 })]);
    TRAP_LOOP(m, 0xd00);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | (1 << 10));
    setPc(m.cpu, 0x1000);
    m.cpu.run(1);
    expect(m.cpu.getGpr(3)).toBe(1n);
    expect(m.cpu.pcBig()).toBe(0xd00n);
    expect(m.cpu.getSpr(SPR.SRR0)).toBe(0x1004n);
  });

  it('CFAR holds the address of the last taken branch', () => {
    const m = machine();
    put(m, 0x1000, [enc('b', { li: 0x100 })]);
    put(m, 0x1100, [enc('addi', { rt: 3, ra: 0, si: 1 })]);
    setPc(m.cpu, 0x1000);
    m.cpu.run(2);
    expect(m.cpu.getSpr(SPR.CFAR)).toBe(0x1000n);
  });

  it('or 1,1,1 / or 2,2,2 set PPR[PRI]; problem state cannot raise priority to very high', () => {
    const m = machine();
    put(m, 0x1000, [enc('or', { ra: 1, rs: 1, rb: 1 }), enc('or', { ra: 7, rs: 7, rb: 7 })]);
    setPc(m.cpu, 0x1000);
    m.cpu.run(1);
    expect((m.cpu.getSpr(SPR.PPR) >> 50n) & 7n).toBe(2n);
    m.cpu.run(1);
    expect((m.cpu.getSpr(SPR.PPR) >> 50n) & 7n).toBe(7n);
  });

  it('PVR follows the model', () => {
    const ram = new SharedArrayBuffer(1 << 16);
    const t = { translate: () => 0 };
    expect(new Cpu({ ram, translator: t, model: 'power7' }).pvr).toBe(0x003f0201);
    expect(new Cpu({ ram, translator: t }).pvr).toBe(0x004d0200);
    expect(new Cpu({ ram, translator: t, model: 'power9' }).pvr).toBe(0x004e1202);
  });
});

describe('facility control', () => {
  it('problem-state TAR access with FSCR[TAR]=0 raises facility unavailable (0xf60) with FSCR[IC]=8', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n);
    put(m, 0x1000, [enc('mfspr', { rt: 3, spr: SPR.TAR })]);
    TRAP_LOOP(m, 0xf60);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_PR);
    setPc(m.cpu, 0x1000);
    m.cpu.run(1);
    expect(m.cpu.pcBig()).toBe(0xf60n);
    expect(m.cpu.getSpr(SPR.FSCR) >> 56n).toBe(8n);
    m.cpu.setSpr(SPR.FSCR, 1n << 8n);
    m.cpu.setSpr(SPR.TAR, 0x1234n);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_PR);
    setPc(m.cpu, 0x1000);
    m.cpu.run(1);
    expect(m.cpu.getGpr(3)).toBe(0x1234n);
  });

  it('POWER7 has no TAR: mfspr TAR and bctar are illegal there', () => {
    const ram = new SharedArrayBuffer(1 << 16);
    const cpu = new Cpu({ ram, translator: { translate: (hi, lo) => (hi === 0 ? lo & ~0xfff : -1) }, model: 'power7' });
    const dv = new DataView(ram);
    dv.setUint32(0x1000, enc('mfspr', { rt: 3, spr: SPR.TAR }), true);
    cpu.set64(64, 0x1000n);
    expect(cpu.run(1).kind).toBe('illegal');
    dv.setUint32(0x1000, enc('bctar', { bo: 20, bi: 0, bh: 0 }), true);
    cpu.set64(64, 0x1000n);
    cpu.flushCode();
    expect(cpu.run(1).kind).toBe('illegal');
  });
});

describe('large decrementer', () => {
  it('POWER9 with LPCR[LD] keeps 56 bits of DEC; POWER8 wraps at 32 bits', () => {
    for (const model of ['power8', 'power9'] as const) {
      const ram = new SharedArrayBuffer(1 << 16);
      const cpu = new Cpu({ ram, translator: { translate: (hi, lo) => (hi === 0 ? lo & ~0xfff : -1) }, model });
      cpu.system = true;
      cpu.timebase = () => 0;
      cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE);
      cpu.setSpr(SPR.LPCR, 0x20000n);
      cpu.setGpr(3, 0x1_0000_0000n);
      new DataView(ram).setUint32(0x1000, enc('mtspr', { spr: SPR.DEC, rs: 3 }), true);
      new DataView(ram).setUint32(0x1004, enc('mfspr', { rt: 4, spr: SPR.DEC }), true);
      cpu.set64(64, 0x1000n);
      cpu.run(2);
      expect(cpu.getGpr(4)).toBe(model === 'power9' ? 0x1_0000_0000n : 0n);
    }
  });
});

describe('hypervisor routing without a virtual hypervisor', () => {
  it('LPCR[LPES0]=0 sends external interrupts to the hypervisor (HSRR0/1, MSR[HV]=1) even with EE=0', () => {
    const m = machine();
    m.cpu.setSpr(1008, 1n << 44n); // HID0[HILE]: hypervisor interrupts little-endian
    put(m, 0x1000, [enc('addi', { rt: 4, ra: 4, si: 1 }), enc('b', { li: -4 })]);
    TRAP_LOOP(m, 0x500);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE);
    setPc(m.cpu, 0x1000);
    m.cpu.setExternalInterrupt(true);
    m.cpu.run(2);
    expect(m.cpu.pcBig()).toBe(0x500n);
    expect(m.cpu.getSpr(SPR.HSRR0)).toBe(0x1000n);
    expect(m.cpu.get64(70) >> 60n).toBe(0x9n); // SF | HV
  });

  it('a machine check waits for MSR[ME] and clears it', () => {
    const m = machine();
    m.cpu.setSpr(SPR.LPCR, 0x02000000n);
    put(m, 0x1000, [enc('addi', { rt: 4, ra: 4, si: 1 }), enc('b', { li: -4 })]);
    TRAP_LOOP(m, 0x200);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_LE);
    setPc(m.cpu, 0x1000);
    m.cpu.signalMachineCheck();
    m.cpu.run(3);
    expect(m.cpu.pcBig()).not.toBe(0x200n);
    m.cpu.setMsr(MSR_HI_SF, MSR_LO_LE | MSR_LO_ME);
    m.cpu.run(3);
    expect(m.cpu.pcBig()).toBe(0x200n);
    expect(m.cpu.get64(70) & BigInt(MSR_LO_ME)).toBe(0n);
  });
});

describe('system call vectored (POWER9)', () => {
  function p9() {
    const ram = new SharedArrayBuffer(RAM);
    const mmu = new SystemMmu({ mmu: new HashMmu({ hpt: HashPageTable.create(18), slb: new Slb() }), ramBytes: RAM });
    const cpu = new Cpu({ ram, translator: mmu, model: 'power9', hooks: { hypercall: () => {} } });
    mmu.attach(cpu);
    cpu.mmu = mmu;
    cpu.system = true;
    cpu.setSpr(SPR.LPCR, 0x02000000n);
    const dv = new DataView(ram);
    return { cpu, dv, put: (a: number, ws: number[]) => ws.forEach((w, i) => void dv.setUint32(a + 4 * i, w, true)) };
  }

  it('scv 1: LR = next instruction, CTR = MSR, vector 0x17020; rfscv returns', () => {
    const { cpu, put } = p9();
    put(0x1000, [enc('scv', { lev: 1 }), enc('addi', { rt: 5, ra: 0, si: 9 })]);
    put(0x17020, [enc('addi', { rt: 4, ra: 0, si: 1 }), enc('rfscv')]);
    cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_EE);
    cpu.set64(64, 0x1000n);
    cpu.run(1);
    expect(cpu.pcBig()).toBe(0x17020n);
    expect(cpu.get64(66)).toBe(0x1004n);
    expect(cpu.get64(68) & BigInt(MSR_LO_EE)).not.toBe(0n);
    // scv keeps EE (and RI), unlike other interrupts.
    expect(cpu.get64(70) & BigInt(MSR_LO_EE)).not.toBe(0n);
    cpu.run(3);
    expect(cpu.getGpr(4)).toBe(1n);
    expect(cpu.getGpr(5)).toBe(9n);
    expect(cpu.get64(70) & BigInt(MSR_LO_EE)).not.toBe(0n);
  });

  it('scv from problem state needs FSCR[SCV] (facility unavailable, IC=12)', () => {
    const { cpu, put } = p9();
    put(0x1000, [enc('scv', { lev: 0 })]);
    put(0xf60, [enc('b', { li: 0 })]);
    cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_PR);
    cpu.set64(64, 0x1000n);
    cpu.run(1);
    expect(cpu.pcBig()).toBe(0xf60n);
    expect(cpu.getSpr(SPR.FSCR) >> 56n).toBe(12n);
  });
});

describe('scv with LPCR[AIL]=3', () => {
  it('goes to 0xC000_0000_0000_3000 + 32*LEV with relocation on', () => {
    const ram = new SharedArrayBuffer(RAM);
    const mmu = new SystemMmu({ mmu: new HashMmu({ hpt: HashPageTable.create(18), slb: new Slb() }), ramBytes: RAM });
    const cpu = new Cpu({ ram, translator: mmu, model: 'power9', hooks: { hypercall: () => {} } });
    mmu.attach(cpu);
    cpu.mmu = mmu;
    cpu.system = true;
    cpu.setSpr(SPR.LPCR, 0x02000000n | (3n << 23n));
    new DataView(ram).setUint32(0x1000, enc('scv', { lev: 2 }), true);
    cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE);
    cpu.set64(64, 0x1000n);
    cpu.run(1);
    expect(cpu.pcBig()).toBe(0xc000000000003040n);
    expect(cpu.get64(70) & BigInt(MSR_LO_IR | MSR_LO_DR)).toBe(BigInt(MSR_LO_IR | MSR_LO_DR));
  });
});

describe('doorbells between two CPU instances', () => {
  it('msgsndp on one thread raises the directed privileged doorbell on its sibling through the doorbell hook', () => {
    const ram = new SharedArrayBuffer(RAM);
    const mk = (tir: number) => {
      const mmu = new SystemMmu({ mmu: new HashMmu({ hpt: HashPageTable.create(18), slb: new Slb() }), ramBytes: RAM });
      const cpu = new Cpu({
        ram,
        translator: mmu,
        hooks: {
          hypercall: () => {},
          doorbell: (_from, kind, target) => {
            if (kind === 'privileged') threads[target]!.setDoorbell(true);
          },
        },
      });
      mmu.attach(cpu);
      cpu.system = true;
      cpu.tir = tir;
      cpu.setSpr(SPR.LPCR, 0x02000000n);
      cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_EE);
      return cpu;
    };
    const threads: Cpu[] = [];
    threads.push(mk(0), mk(1));
    const dv = new DataView(ram);
    // Thread 0: msgsndp to thread 1 (type 5 in RB[32:36], target 1), then spin.
    const t0 = [...li32(3, (5 << 27) | 1), enc('msgsndp', { rb: 3 }), enc('b', { li: 0 })];
    t0.forEach((w, i) => {
      dv.setUint32(0x1000 + 4 * i, w, true);
    });
    // Thread 1 spins at 0x2000; its doorbell handler at 0xa00 sets r7.
    dv.setUint32(0x2000, enc('b', { li: 0 }), true);
    dv.setUint32(0xa00, enc('addi', { rt: 7, ra: 0, si: 1 }), true);
    dv.setUint32(0xa04, enc('b', { li: 0 }), true);
    threads[0]!.set64(64, 0x1000n);
    threads[1]!.set64(64, 0x2000n);
    threads[1]!.run(10);
    expect(threads[1]!.getGpr(7)).toBe(0n);
    threads[0]!.run(5);
    threads[1]!.run(10);
    expect(threads[1]!.getGpr(7)).toBe(1n);
    expect(threads[1]!.getSpr(SPR.SRR0)).toBe(0x2000n);
    // The sender's own doorbell stayed quiet.
    expect(threads[0]!.pending).toBe(0);
  });
});
