import {
  encodeHpteR,
  encodeHpteV,
  encodeSlbEsid,
  encodeSlbVsid,
  PageSizeTable,
  PSERIES_DEFAULT_PAGE_SIZES,
  primaryHash,
  ptegIndex,
} from '@ppcvm/hpt-mmu';
import { H } from '@ppcvm/machine-core';
import { describe, expect, it } from 'vitest';
import { Asm } from './support/asm.js';
import { bootGuest, idle, SCRATCH, save } from './support/guest.js';

describe.each(['hv', 'pr'] as const)('a guest that turns on data relocation (-accel %s)', (accel) => {
  it('maps a page with H_ENTER and slbmte, then loads and stores through it', () => {
    const sizes = new PageSizeTable(PSERIES_DEFAULT_PAGE_SIZES);
    const vsid = 0x123n;
    const ea = 0x10002000n;
    const ra = 0x300000n;
    const hptShift = 21; // 256 MiB of RAM: 2 MiB HPT
    const ptex = BigInt(ptegIndex(primaryHash(vsid, ea, 12, '256M'), hptShift) * 8);
    const pteh = encodeHpteV({ vsid, ea, segment: '256M', basePageShift: 12 });
    const ptel = encodeHpteR({ ra, basePageShift: 12, pp: 2 }, sizes);

    const a = new Asm();
    a.li(4, 0).li64(5, ptex).li64(6, pteh).li64(7, ptel).hcall(0x08); // H_ENTER
    save(a, 3, 0);
    save(a, 4, 1);
    a.li64(9, encodeSlbVsid(vsid, '256M', 12, sizes)).li64(10, encodeSlbEsid(ea, '256M', 0));
    a.i('slbmte', { rs: 9, rb: 10 });
    a.li64(28, BigInt(SCRATCH)); // keep the scratch address while data relocation is on
    a.li64(11, ea);
    a.li64(9, 0x8000000000001010n).i('mtmsrd', { rs: 9, l: 0 }); // SF | ME | DR
    a.ld(12, 0, 11); // load through the mapping
    a.li64(13, 0x1122334455667788n).std(13, 8, 11); // store through it
    a.li64(9, 0x8000000000001000n).i('mtmsrd', { rs: 9, l: 0 }); // back to real mode
    a.std(12, 16, 28);
    a.li(4, 0).li64(5, ptex).hcall(0x0c); // H_READ(flags 0, ptex)
    save(a, 3, 3);
    save(a, 5, 4);
    idle(a);

    const g = bootGuest(a, { accel });
    g.machine.memory.write64BE(Number(ra), 0xcafef00dd00dfeedn);
    expect(g.machine.runFor(100_000)).toEqual({ kind: 'idle' });
    const m = g.machine.memory;
    expect(m.read64BE(SCRATCH)).toBe(BigInt(H.SUCCESS));
    expect(m.read64BE(SCRATCH + 8)).toBe(ptex); // first free slot of the group
    expect(m.read64BE(SCRATCH + 16)).toBe(0xcafef00dd00dfeedn);
    expect(m.read64BE(Number(ra) + 8)).toBe(0x1122334455667788n);
    expect(m.read64BE(SCRATCH + 24)).toBe(BigInt(H.SUCCESS));
    // The translation set R and C in the HPTE (H_READ r5 = dword 1).
    expect(m.read64BE(SCRATCH + 32) & 0x180n).toBe(0x180n);
  });

  it('takes a data segment interrupt for an address no SLB entry covers', () => {
    const a = new Asm();
    a.li64(11, 0x20000000n);
    a.li64(9, 0x8000000000001010n).i('mtmsrd', { rs: 9, l: 0 });
    a.ld(12, 0, 11);
    a.hang();
    const g = bootGuest(a, { log: ['int'], accel });
    // Put a spin loop at the real-mode DSEG vector 0x380.
    g.machine.memory.write(0x380, new Asm().hang().bytes());
    expect(g.machine.runFor(1000)).toEqual({ kind: 'budget' });
    const cpu = g.machine.vcpus[0]!.cpu;
    expect(cpu.pcBig()).toBe(0x380n);
    // DAR as the guest sees it (the shared page in PR mode).
    const dar = accel === 'pr' ? cpu.pr!.read64(80) : [Number(cpu.getSpr(19) & 0xffffffffn), 0];
    expect(dar[0]! >>> 0).toBe(0x20000000);
    expect(g.logs.some((l) => l.startsWith('[int] cpu 0: interrupt 0x380'))).toBe(true);
  });
});
