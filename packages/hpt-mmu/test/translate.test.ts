import { describe, expect, it } from 'vitest';
import {
  ACCESS_FETCH,
  ACCESS_LOAD,
  ACCESS_STORE,
  createRealModeRegs,
  DSISR_KEYFAULT,
  DSISR_NOPTE,
  DSISR_PROTFAULT,
  DSISR_STORE,
  FAULT_DSEG,
  FAULT_DSI,
  FAULT_ISEG,
  FAULT_ISI,
  FAULT_MCHECK,
  FAULT_NONE,
  HPTE_R_C,
  HPTE_R_R,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  REAL_MODE_HV,
  REAL_MODE_RMO,
  REAL_MODE_VHYP,
  REAL_MODE_VRMA,
  rmlsLimit,
  SRR1_ISI_KEYFAULT,
  SRR1_ISI_NOEXEC_GUARD,
  SRR1_ISI_NOPTE,
  SRR1_ISI_PROTFAULT,
} from '../src/index.js';
import { ea, mapPage, mapSegment, ra, rig } from './helpers.js';

const SEG = 0xc000_0000_1000_0000n;
const VSID = 0x4a5b6c7d8n;

describe('translate: page sizes', () => {
  it('4 KiB page in a 256 MB segment, R then C recorded', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 12);
    const ptex = mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: SEG + 0x345000n, ra: 0x1234_5000n });
    expect(r.mmu.translate(...ea(SEG + 0x345abcn), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(r.out.fault).toBe(FAULT_NONE);
    expect(ra(r.out)).toBe(0x1234_5abcn);
    expect(r.out.pageShift).toBe(12);
    expect(r.out.wimg).toBe(0b0010);
    expect(r.out.ptex).toBe(ptex);
    // C is clear: the TLB may not allow stores yet.
    expect(r.out.prot).toBe(PROT_READ | PROT_EXEC);
    expect(r.hpt.read(ptex).r & BigInt(HPTE_R_R | HPTE_R_C)).toBe(BigInt(HPTE_R_R));
    expect(r.mmu.translate(...ea(SEG + 0x345abcn), ACCESS_STORE, r.regs, r.out)).toBe(true);
    expect(r.out.prot).toBe(PROT_READ | PROT_WRITE | PROT_EXEC);
    expect(r.hpt.read(ptex).r & BigInt(HPTE_R_R | HPTE_R_C)).toBe(BigInt(HPTE_R_R | HPTE_R_C));
    // A load now reports the page writable: C is already set.
    r.mmu.translate(...ea(SEG + 0x345000n), ACCESS_LOAD, r.regs, r.out);
    expect(r.out.prot & PROT_WRITE).toBe(PROT_WRITE);
  });

  it('probe has no side effects', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 12);
    const ptex = mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: SEG, ra: 0x5000n });
    expect(r.mmu.probe(...ea(SEG + 8n), ACCESS_STORE, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0x5008n);
    expect(r.hpt.read(ptex).r & 0x180n).toBe(0n);
    expect(r.mmu.stats.translations).toBe(0);
  });

  it('64 KiB page in a 64 KiB segment', () => {
    const r = rig();
    mapSegment(r, 1, SEG, VSID, '256M', 16);
    mapPage(r, { vsid: VSID, segment: '256M', base: 16, ea: SEG + 0x0abc_0000n, ra: 0x7_0000n });
    expect(r.mmu.translate(...ea(SEG + 0x0abc_fedcn), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0x7_fedcn);
    expect(r.out.pageShift).toBe(16);
    // The neighbouring 64K page is not mapped.
    expect(r.mmu.translate(...ea(SEG + 0x0abd_0000n), ACCESS_LOAD, r.regs, r.out)).toBe(false);
    expect(r.out.fault).toBe(FAULT_DSI);
    expect(r.out.dsisr).toBe(DSISR_NOPTE);
  });

  it('16 MiB page in a 16 MiB segment', () => {
    const r = rig();
    mapSegment(r, 2, SEG, VSID, '256M', 24);
    mapPage(r, { vsid: VSID, segment: '256M', base: 24, ea: SEG + 0x0300_0000n, ra: 0x1_0500_0000n });
    expect(r.mmu.translate(...ea(SEG + 0x03ab_cdefn), ACCESS_STORE, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0x1_05ab_cdefn);
    expect(r.out.pageShift).toBe(24);
  });

  it('MPSS: a 64 KiB page in a 4 KiB segment, hashed by its 4 KiB sub-page', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 12);
    // Linux enters the HPTE for the faulting 4K sub-page (0x...a3000) of the 64K page 0x...a0000.
    mapPage(r, { vsid: VSID, segment: '256M', base: 12, actual: 16, ea: SEG + 0xa3000n, ra: 0x90000n });
    expect(r.mmu.translate(...ea(SEG + 0xa3456n), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0x93456n);
    expect(r.out.pageShift).toBe(16);
    // Another 4K sub-page hashes elsewhere: it needs its own HPTE.
    expect(r.mmu.translate(...ea(SEG + 0xa4000n), ACCESS_LOAD, r.regs, r.out)).toBe(false);
    expect(r.out.dsisr).toBe(DSISR_NOPTE);
  });

  it('MPSS: a 16 MiB page in a 64 KiB segment', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 16);
    mapPage(r, { vsid: VSID, segment: '256M', base: 16, actual: 24, ea: SEG + 0x0123_0000n, ra: 0x0400_0000n });
    expect(r.mmu.translate(...ea(SEG + 0x0123_4567n), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0x0423_4567n);
    expect(r.out.pageShift).toBe(24);
  });

  it('1 TB segment with 64 KiB pages, EA offset above 4 GiB', () => {
    const r = rig();
    const seg = 0xc000_0000_0000_0000n;
    mapSegment(r, 3, seg, 0x1234567n, '1T', 16);
    const e = seg + 0xab_cdef_0000n;
    mapPage(r, { vsid: 0x1234567n, segment: '1T', base: 16, ea: e, ra: 0x3_0000_0000n });
    expect(r.mmu.translate(...ea(e + 0x1234n), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0x3_0000_1234n);
  });

  it('16 GiB page in a 1 TB segment: real address bits above 2^32 come from the EA', () => {
    const r = rig();
    const seg = 0xd000_0000_0000_0000n;
    mapSegment(r, 4, seg, 0x77n, '1T', 34);
    mapPage(r, { vsid: 0x77n, segment: '1T', base: 34, ea: seg + 0x4_0000_0000n, ra: 0xc_0000_0000n });
    expect(r.mmu.translate(...ea(seg + 0x5_2345_6789n), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0xd_2345_6789n);
    expect(r.out.pageShift).toBe(34);
  });

  it('finds an entry in the secondary group', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 12);
    const ptex = mapPage(r, {
      vsid: VSID,
      segment: '256M',
      base: 12,
      ea: SEG + 0x7000n,
      ra: 0xa000n,
      secondary: true,
      slot: 7,
    });
    expect(r.mmu.translate(...ea(SEG + 0x7010n), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(r.out.ptex).toBe(ptex);
    expect(ra(r.out)).toBe(0xa010n);
  });

  it('an HPTE whose H bit does not match its group is not found', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 12);
    const ptex = mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: SEG, ra: 0xa000n });
    const { v, r: rr } = r.hpt.read(ptex);
    r.hpt.write(ptex, v | 2n, rr); // claims to be secondary while sitting in the primary group
    expect(r.mmu.translate(...ea(SEG), ACCESS_LOAD, r.regs, r.out)).toBe(false);
    expect(r.out.dsisr).toBe(DSISR_NOPTE);
  });

  it('skips an HPTE whose page-size encoding does not fit the segment', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 16);
    // An L=0 (4K) HPTE with the right AVPN, sitting in a 64K segment's group: no match.
    mapPage(r, { vsid: VSID, segment: '256M', base: 16, ea: SEG + 0x10000n, ra: 0x10000n });
    const ptex = mapPage(r, { vsid: VSID, segment: '256M', base: 16, ea: SEG + 0x20000n, ra: 0x20000n });
    const { v, r: rr } = r.hpt.read(ptex);
    r.hpt.write(ptex, v & ~4n, rr & ~0xf000n);
    expect(r.mmu.translate(...ea(SEG + 0x10000n), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(r.mmu.translate(...ea(SEG + 0x20000n), ACCESS_STORE, r.regs, r.out)).toBe(false);
    expect(r.out.dsisr).toBe(DSISR_NOPTE | DSISR_STORE);
  });

  it('reports WIMG', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 12);
    mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: SEG, ra: 0x8000_0000n, wimg: 0b0101 });
    r.mmu.translate(...ea(SEG), ACCESS_LOAD, r.regs, r.out);
    expect(r.out.wimg).toBe(0b0101);
  });
});

describe('translate: faults', () => {
  it('segment faults without an SLB entry', () => {
    const r = rig();
    expect(r.mmu.translate(...ea(SEG), ACCESS_LOAD, r.regs, r.out)).toBe(false);
    expect(r.out.fault).toBe(FAULT_DSEG);
    expect(r.mmu.translate(...ea(SEG), ACCESS_FETCH, r.regs, r.out)).toBe(false);
    expect(r.out.fault).toBe(FAULT_ISEG);
  });

  it('no HPTE: DSI with DSISR bit 33 (+ bit 38 for stores), ISI with SRR1 bit 33', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 12);
    r.mmu.translate(...ea(SEG), ACCESS_LOAD, r.regs, r.out);
    expect([r.out.fault, r.out.dsisr]).toEqual([FAULT_DSI, 0x40000000]);
    r.mmu.translate(...ea(SEG), ACCESS_STORE, r.regs, r.out);
    expect([r.out.fault, r.out.dsisr]).toEqual([FAULT_DSI, 0x42000000]);
    r.mmu.translate(...ea(SEG), ACCESS_FETCH, r.regs, r.out);
    expect([r.out.fault, r.out.srr1]).toEqual([FAULT_ISI, SRR1_ISI_NOPTE]);
  });

  // ISA 2.07B Book III-S "Basic Storage Protection": pp = PP0||PP, key = Ks/Kp.
  const table: Record<number, [string, string]> = {
    // pp: [key 0, key 1]
    0: ['rw', '--'],
    1: ['rw', 'r-'],
    2: ['rw', 'rw'],
    3: ['r-', 'r-'],
    4: ['--', '--'],
    5: ['--', '--'],
    6: ['r-', '--'],
    7: ['--', '--'],
  };
  for (const [pp, [k0, k1]] of Object.entries(table)) {
    for (const [key, want] of [
      [0, k0],
      [1, k1],
    ] as const) {
      for (const pr of [0, 1]) {
        it(`pp=${pp} key=${key} (MSR[PR]=${pr}) allows ${want}`, () => {
          const r = rig();
          // The key is Ks in privileged state, Kp in problem state.
          mapSegment(r, 0, SEG, VSID, '256M', 12, pr === 0 ? { ks: key === 1 } : { kp: key === 1 });
          const p = Number(pp);
          mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: SEG, ra: 0x1000n, pp: p & 3, pp0: p >= 4, c: true });
          r.regs.pr = pr;
          const load = r.mmu.translate(...ea(SEG), ACCESS_LOAD, r.regs, r.out);
          expect(load).toBe(want[0] === 'r');
          if (!load) expect(r.out.dsisr).toBe(DSISR_PROTFAULT);
          const store = r.mmu.translate(...ea(SEG), ACCESS_STORE, r.regs, r.out);
          expect(store).toBe(want[1] === 'w');
          if (!store) expect(r.out.dsisr).toBe(DSISR_PROTFAULT | DSISR_STORE);
          const fetch = r.mmu.translate(...ea(SEG), ACCESS_FETCH, r.regs, r.out);
          expect(fetch).toBe(want[0] === 'r');
          if (!fetch) expect(r.out.srr1).toBe(SRR1_ISI_PROTFAULT);
        });
      }
    }
  }

  it('a failed store does not set C, a failed access does not set R', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 12);
    const ptex = mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: SEG, ra: 0x1000n, pp: 3 });
    expect(r.mmu.translate(...ea(SEG), ACCESS_STORE, r.regs, r.out)).toBe(false);
    expect(r.hpt.read(ptex).r & 0x180n).toBe(0n);
  });

  it('virtual page class keys: AMR denies loads/stores, IAMR denies fetches', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 12);
    // key 5 (KEY_LO) and key 26 (KEY_HI 0b11, KEY_LO 0b010) on two pages.
    mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: SEG, ra: 0x1000n, key: 5, c: true });
    mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: SEG + 0x1000n, ra: 0x2000n, key: 26, c: true });
    const amrBits = (key: number, bits: bigint): bigint => bits << BigInt(62 - 2 * key);
    const set = (amr: bigint, iamr: bigint): void => {
      r.regs.amrHi = Number(amr >> 32n) | 0;
      r.regs.amrLo = Number(amr & 0xffffffffn) | 0;
      r.regs.iamrHi = Number(iamr >> 32n) | 0;
      r.regs.iamrLo = Number(iamr & 0xffffffffn) | 0;
    };
    // AMR key 5 = 0b10: stores denied (DSISR bit 42 only: PP allows it), loads fine.
    set(amrBits(5, 2n), 0n);
    expect(r.mmu.translate(...ea(SEG), ACCESS_STORE, r.regs, r.out)).toBe(false);
    expect(r.out.dsisr).toBe(DSISR_KEYFAULT | DSISR_STORE);
    expect(r.mmu.translate(...ea(SEG), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(r.out.prot & PROT_WRITE).toBe(0);
    expect(r.mmu.translate(...ea(SEG + 0x1000n), ACCESS_STORE, r.regs, r.out)).toBe(true);
    // AMR key 26 = 0b01: loads denied.
    set(amrBits(26, 1n), 0n);
    expect(r.mmu.translate(...ea(SEG + 0x1000n), ACCESS_LOAD, r.regs, r.out)).toBe(false);
    expect(r.out.dsisr).toBe(DSISR_KEYFAULT);
    expect(r.mmu.translate(...ea(SEG + 0x1000n), ACCESS_STORE, r.regs, r.out)).toBe(true);
    // IAMR key 5 = 0b01: fetch denied with SRR1 bit 42.
    set(0n, amrBits(5, 1n));
    expect(r.mmu.translate(...ea(SEG), ACCESS_FETCH, r.regs, r.out)).toBe(false);
    expect(r.out.srr1).toBe(SRR1_ISI_KEYFAULT);
    expect(r.mmu.translate(...ea(SEG), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(r.out.prot & PROT_EXEC).toBe(0);
  });

  it('no-execute: HPTE N, guarded storage, SLB N', () => {
    const r = rig();
    mapSegment(r, 0, SEG, VSID, '256M', 12);
    mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: SEG, ra: 0x1000n, n: true });
    mapPage(r, { vsid: VSID, segment: '256M', base: 12, ea: SEG + 0x1000n, ra: 0x2000n, wimg: 0b0101 });
    expect(r.mmu.translate(...ea(SEG), ACCESS_FETCH, r.regs, r.out)).toBe(false);
    expect([r.out.fault, r.out.srr1]).toEqual([FAULT_ISI, SRR1_ISI_NOEXEC_GUARD]);
    expect(r.mmu.translate(...ea(SEG), ACCESS_LOAD, r.regs, r.out)).toBe(true);
    expect(r.out.prot & PROT_EXEC).toBe(0);
    expect(r.mmu.translate(...ea(SEG + 0x1000n), ACCESS_FETCH, r.regs, r.out)).toBe(false);
    expect(r.out.srr1).toBe(SRR1_ISI_NOEXEC_GUARD);
    // No-execute segment: checked before the HPT (no HPTE needed).
    mapSegment(r, 1, 0x2000_0000n, 0x99n, '256M', 12, { n: true });
    expect(r.mmu.translate(...ea(0x2000_0000n), ACCESS_FETCH, r.regs, r.out)).toBe(false);
    expect(r.out.srr1).toBe(SRR1_ISI_NOEXEC_GUARD);
    expect(r.mmu.translate(...ea(0x2000_0000n), ACCESS_LOAD, r.regs, r.out)).toBe(false);
    expect(r.out.dsisr).toBe(DSISR_NOPTE);
  });
});

describe('real mode', () => {
  it('virtual hypervisor: EA = guest physical, top 4 bits ignored, optional RMA limit', () => {
    const r = rig();
    const real = createRealModeRegs(REAL_MODE_VHYP);
    expect(r.mmu.translateReal(...ea(0xc000_0000_0123_4567n), ACCESS_LOAD, real, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0x0123_4567n);
    expect(r.out.prot).toBe(7);
    real.rmaLimit = 0x2000_0000;
    expect(r.mmu.translateReal(...ea(0x1fff_ffffn), ACCESS_STORE, real, r.regs, r.out)).toBe(true);
    expect(r.mmu.translateReal(...ea(0x2000_0000n), ACCESS_STORE, real, r.regs, r.out)).toBe(false);
    expect([r.out.fault, r.out.dsisr]).toEqual([FAULT_DSI, DSISR_PROTFAULT | DSISR_STORE]);
    expect(r.mmu.translateReal(...ea(0x1_0000_0000n), ACCESS_FETCH, real, r.regs, r.out)).toBe(false);
    expect([r.out.fault, r.out.srr1]).toEqual([FAULT_ISI, SRR1_ISI_PROTFAULT]);
  });

  it('hypervisor real mode adds HRMOR when EA bit 0 is 0', () => {
    const r = rig();
    const real = createRealModeRegs(REAL_MODE_HV);
    real.offsetLo = 0x4000_0000;
    r.mmu.translateReal(...ea(0x1000n), ACCESS_LOAD, real, r.regs, r.out);
    expect(ra(r.out)).toBe(0x4000_1000n);
    r.mmu.translateReal(...ea(0x8000_0000_0000_1000n), ACCESS_LOAD, real, r.regs, r.out);
    expect(ra(r.out)).toBe(0x1000n);
  });

  it('RMO: bounded by LPCR[RMLS], offset by RMOR', () => {
    const r = rig();
    expect(rmlsLimit(4)).toBe(256 * 2 ** 20);
    expect(rmlsLimit(5)).toBe(0);
    const real = createRealModeRegs(REAL_MODE_RMO);
    real.lpcrLo = 4 << 26;
    real.offsetLo = 0x1000_0000;
    expect(r.mmu.translateReal(...ea(0x0fff_fff0n), ACCESS_LOAD, real, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0x1fff_fff0n);
    expect(r.mmu.translateReal(...ea(0x1000_0000n), ACCESS_LOAD, real, r.regs, r.out)).toBe(false);
    expect(r.out.dsisr).toBe(DSISR_PROTFAULT);
  });

  it('VRMA: HPTEs of VSID 0x1ffffff in a 1 TB segment, page size from LPCR[VRMASD]', () => {
    const r = rig();
    // 64K VRMA pages: L||LP = 0x110 -> VRMASD = 0b10001.
    const real = createRealModeRegs(REAL_MODE_VRMA);
    real.lpcrHi = 0b10001 << 15;
    for (let i = 0n; i < 4n; i++) {
      // As KVM: one bolted HPTE per page, EA i*64K -> RA 0x100_0000 + i*64K.
      mapPage(r, { vsid: 0x1ffffffn, segment: '1T', base: 16, ea: i << 16n, ra: 0x100_0000n + (i << 16n), slot: 7 });
    }
    expect(r.mmu.translateReal(...ea(0x3_1234n), ACCESS_STORE, real, r.regs, r.out)).toBe(true);
    expect(ra(r.out)).toBe(0x103_1234n);
    expect(r.out.vrma).toBe(true);
    expect(r.out.pageShift).toBe(16);
    expect(r.mmu.translateReal(...ea(0x4_0000n), ACCESS_FETCH, real, r.regs, r.out)).toBe(false);
    expect([r.out.fault, r.out.srr1, r.out.vrma]).toEqual([FAULT_ISI, SRR1_ISI_NOPTE, true]);
    // An L||LP that is no base page size: machine check.
    real.lpcrHi = 0b00001 << 15;
    expect(r.mmu.translateReal(...ea(0n), ACCESS_LOAD, real, r.regs, r.out)).toBe(false);
    expect(r.out.fault).toBe(FAULT_MCHECK);
  });
});
