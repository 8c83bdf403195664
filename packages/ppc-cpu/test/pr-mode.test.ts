/**
 * PR mode: the guest kernel runs in problem state; privileged instructions trap
 * and are emulated against the shadow state in the shared page; interrupts are
 * reflected into the guest. The same bare-metal guest must end in the same
 * architected state in HV (virtual hypervisor) and PR mode.
 */
import { HashMmu, HashPageTable, Slb } from '@ppcvm/hpt-mmu';
import { describe, expect, it } from 'vitest';
import { Cpu } from '../src/cpu.js';
import { KVM_HC_FEATURES, KVM_HC_PPC_MAP_MAGIC_PAGE, KVM_SC_MAGIC, PrMode, SHARED } from '../src/pr-mode.js';
import { SPR } from '../src/sprs.js';
import { MSR_HI_SF, MSR_LO_EE, MSR_LO_LE, MSR_LO_ME, MSR_LO_PR } from '../src/state.js';
import { SystemMmu } from '../src/system-mmu.js';
import { enc } from './support/encode.js';

const GUEST_RAM = 8 << 20;

function li32(r: number, v: number): number[] {
  return [enc('addis', { rt: r, ra: 0, si: ((v >> 16) << 16) >> 16 }), enc('ori', { ra: r, rs: r, ui: v & 0xffff })];
}

/** A PAPR partition CPU; `pr` selects PR mode (shared page placed after guest RAM). */
function partition(pr: boolean) {
  const ram = new SharedArrayBuffer(GUEST_RAM + 0x10000);
  const mmu = new SystemMmu({
    mmu: new HashMmu({ hpt: HashPageTable.create(18), slb: new Slb() }),
    ramBytes: GUEST_RAM,
  });
  const hcalls: bigint[] = [];
  const cpu = new Cpu({
    ram,
    translator: mmu,
    hooks: {
      hypercall: (c) => {
        hcalls.push(c.getGpr(3));
        c.setGpr(3, 0n);
      },
    },
  });
  mmu.attach(cpu);
  cpu.mmu = mmu;
  cpu.system = true;
  let t = 0;
  cpu.timebase = () => t;
  cpu.setSpr(SPR.LPCR, 0x02000000n); // ILE
  const msrLo = MSR_LO_ME | MSR_LO_LE;
  if (pr) {
    cpu.pr = new PrMode(cpu, { sharedOffset: GUEST_RAM });
    cpu.pr.setGuestMsr(MSR_HI_SF, msrLo);
  } else cpu.setMsr(MSR_HI_SF, msrLo);
  const dv = new DataView(ram);
  const put = (addr: number, words: number[]) => {
    for (const [i, w] of words.entries()) dv.setUint32(addr + 4 * i, w, true);
  };
  return { cpu, dv, put, hcalls, tick: (n: number) => (t += n) };
}

/**
 * The guest: privileged SPR moves, mfmsr, a system call reflected to 0xc00 whose
 * handler reads SRR0/SRR1 and returns with rfid, an hcall, and a decrementer
 * interrupt enabled through mtmsrd L=1.
 */
function loadGuest(p: ReturnType<typeof partition>): void {
  p.put(0x1000, [
    ...li32(3, 0x1234),
    enc('mtspr', { spr: SPR.SPRG0, rs: 3 }),
    enc('mfspr', { rt: 4, spr: SPR.SPRG0 }),
    enc('mfmsr', { rt: 5 }),
    enc('sc', { lev: 0 }),
    enc('addi', { rt: 6, ra: 6, si: 1 }),
    enc('addi', { rt: 3, ra: 0, si: 0x58 }),
    enc('sc', { lev: 1 }),
    enc('or', { ra: 9, rs: 3, rb: 3 }),
    enc('addi', { rt: 3, ra: 0, si: 50 }),
    enc('mtspr', { spr: SPR.DEC, rs: 3 }),
    ...li32(3, MSR_LO_EE),
    enc('mtmsrd', { rs: 3, l: 1 }),
    enc('addi', { rt: 10, ra: 10, si: 1 }), // loop:
    enc('b', { li: -4 }),
  ]);
  // System call handler: r7 = SRR0, r8 = SRR1, return.
  p.put(0xc00, [enc('mfspr', { rt: 7, spr: SPR.SRR0 }), enc('mfspr', { rt: 8, spr: SPR.SRR1 }), enc('rfid')]);
  // Decrementer handler: r11 = SRR0, then spin.
  p.put(0x900, [enc('mfspr', { rt: 11, spr: SPR.SRR0 }), enc('b', { li: 0 })]);
  p.cpu.set64(64, 0x1000n);
}

function snapshot(cpu: Cpu): bigint[] {
  return Array.from({ length: 12 }, (_, i) => cpu.getGpr(i));
}

describe('PR mode', () => {
  it('runs the same guest to the same state as HV mode, with privileged instructions trapped and counted', () => {
    const runs = [false, true].map((pr) => {
      const p = partition(pr);
      loadGuest(p);
      p.cpu.run(16);
      p.tick(100);
      p.cpu.run(200);
      return { p, regs: snapshot(p.cpu), pc: p.cpu.pcBig() };
    });
    const [hv, pr] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(hv.regs[4]).toBe(0x1234n);
    expect(hv.regs[6]).toBe(1n);
    expect(hv.regs[7]).toBe(0x1018n);
    expect(hv.regs[9]).toBe(0n);
    expect(hv.pc).toBe(0x904n);
    expect(pr.regs).toEqual(hv.regs);
    expect(pr.pc).toBe(hv.pc);
    expect(pr.p.hcalls).toEqual([0x58n]);
    // mtspr SPRG0, mfspr SPRG0, mfmsr, mfspr SRR0/SRR1, rfid, mtspr DEC, mtmsrd, mfspr SRR0 in the handler.
    expect(pr.p.cpu.counters.privTraps).toBe(9);
    expect(hv.p.cpu.counters.privTraps).toBe(0);
    // The guest-visible MSR says supervisor; the real one says problem state.
    expect(pr.regs[5]! & BigInt(MSR_LO_PR)).toBe(0n);
    expect(pr.p.cpu.get64(70) & BigInt(MSR_LO_PR)).not.toBe(0n);
  });

  it('maps the magic page: KVM_HC_FEATURES, MAP_MAGIC_PAGE, then loads of the page read the shadow registers', () => {
    const p = partition(true);
    p.put(0x1000, [
      // r0 = "KVM!", r11 = token; sc 0
      ...li32(0, KVM_SC_MAGIC),
      ...li32(11, KVM_HC_FEATURES),
      enc('sc', { lev: 0 }),
      enc('or', { ra: 20, rs: 4, rb: 4 }),
      ...li32(0, KVM_SC_MAGIC),
      ...li32(11, KVM_HC_PPC_MAP_MAGIC_PAGE),
      enc('addi', { rt: 3, ra: 0, si: -4096 }),
      enc('addi', { rt: 4, ra: 0, si: -4096 }),
      enc('sc', { lev: 0 }),
      enc('or', { ra: 21, rs: 4, rb: 4 }),
      ...li32(5, 0xabcd),
      enc('mtspr', { spr: SPR.SPRG1, rs: 5 }),
      enc('ld', { rt: 22, ra: 0, ds: -4096 + SHARED.SPRG1 }),
      enc('ld', { rt: 23, ra: 0, ds: -4096 + SHARED.MSR }),
      enc('addi', { rt: 6, ra: 0, si: 0x77 }),
      enc('std', { rs: 6, ra: 0, ds: -4096 + SHARED.SPRG2 }),
      enc('mfspr', { rt: 24, spr: SPR.SPRG2 }),
      enc('mfmsr', { rt: 25 }),
    ]);
    p.cpu.set64(64, 0x1000n);
    p.cpu.run(25);
    expect(p.cpu.getGpr(20)).toBe(2n);
    expect(p.cpu.getGpr(21)).toBe(3n);
    expect(p.cpu.getGpr(22)).toBe(0xabcdn);
    expect(p.cpu.getGpr(23)).toBe(p.cpu.getGpr(25));
    expect(p.cpu.getGpr(24)).toBe(0x77n);
    expect(p.cpu.pr!.pageLE).toBe(true);
    expect(p.cpu.counters.paravirt).toBe(3);
  });

  it('a privileged instruction from guest user mode is reflected as a privileged program interrupt', () => {
    const p = partition(true);
    p.put(0x700, [enc('mfspr', { rt: 12, spr: SPR.SRR1 }), enc('b', { li: 0 })]);
    p.put(0x2000, [enc('mfmsr', { rt: 3 })]);
    p.cpu.pr!.setGuestMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_PR);
    p.cpu.set64(64, 0x2000n);
    p.cpu.run(3);
    expect(p.cpu.getGpr(12) & 0x00040000n).not.toBe(0n);
    // The guest's SRR0 lives in the shared page.
    expect(p.cpu.pr!.read64(SHARED.SRR0)[0]).toBe(0x2000);
  });
});

describe('PR mode fault registers and non-privileged SPRs', () => {
  it('a data segment interrupt puts DAR into the guest shared page', () => {
    const p = partition(true);
    p.put(0x1000, [...li32(3, 0x20000000), enc('ld', { rt: 4, ra: 3, ds: 8 })]);
    p.put(0x380, [enc('mfspr', { rt: 12, spr: SPR.DAR }), enc('b', { li: 0 })]);
    p.cpu.pr!.setGuestMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | (1 << 4));
    p.cpu.set64(64, 0x1000n);
    p.cpu.run(5);
    expect(p.cpu.getGpr(12)).toBe(0x20000008n);
  });

  it('the guest kernel can use SPRs that are not privileged but not problem-state either (EBB regs)', () => {
    const p = partition(true);
    p.put(0x1000, [...li32(3, 0x4444), enc('mtspr', { spr: 804, rs: 3 }), enc('mfspr', { rt: 5, spr: 804 })]);
    p.cpu.set64(64, 0x1000n);
    p.cpu.run(4);
    expect(p.cpu.getGpr(5)).toBe(0x4444n);
    expect(p.cpu.counters.privTraps).toBe(2);
  });
});
