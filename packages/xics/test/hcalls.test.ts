import { H, mergeHcallTables } from '@ppcvm/machine-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XICS_HCALL, XICS_IPI, xicsHcalls } from '../src/index.js';
import { BASE, captureLogger, hcall, rig, xirr } from './helpers.js';

const { H_CPPR, H_EOI, H_IPI, H_IPOLL, H_XIRR, H_XIRR_X } = XICS_HCALL;

describe('XICS hcall table', () => {
  it('registers the six XICS hcalls under their PAPR opcodes', () => {
    const { xics } = rig([]);
    const table = xicsHcalls(xics);
    const map = mergeHcallTables([table]);
    expect([...map.keys()].sort((a, b) => a - b)).toEqual([0x64, 0x68, 0x6c, 0x70, 0x74, 0x2fc]);
    expect(map.get(0x64)?.name).toBe('H_EOI');
    expect(map.get(0x68)?.name).toBe('H_CPPR');
    expect(map.get(0x6c)?.name).toBe('H_IPI');
    expect(map.get(0x70)?.name).toBe('H_IPOLL');
    expect(map.get(0x74)?.name).toBe('H_XIRR');
    expect(map.get(0x2fc)?.name).toBe('H_XIRR_X');
    expect(map.get(0x74)?.owner).toBe('@ppcvm/xics');
  });

  it('H_CPPR sets the calling CPU’s CPPR', () => {
    const { xics } = rig([]);
    const t = xicsHcalls(xics);
    expect(hcall(t, H_CPPR, 1, 0x42n).rc).toBe(H.SUCCESS);
    expect(xics.icp(1).cppr).toBe(0x42);
    expect(xics.icp(0).cppr).toBe(0xff);
  });

  it('H_XIRR accepts: r4 = CPPR<<24 | XISR', () => {
    const { xics, lines } = rig(['msi'], { prio: [5] });
    const t = xicsHcalls(xics);
    lines[0]!.pulse();
    const r = hcall(t, H_XIRR, 0, 0xffn);
    expect(r.rc).toBe(H.SUCCESS);
    expect(r.rets[0]).toBe(BigInt(xirr(0xff, BASE)));
    expect(xics.icp(0).cppr).toBe(5);
    expect(xics.externalPending(0)).toBe(false);
    // Nothing pending: XISR 0.
    expect(hcall(t, H_XIRR, 0).rets[0]! & 0xffffffn).toBe(0n);
  });

  it('H_XIRR_X also returns a time base in r5', () => {
    const { xics, lines } = rig(['msi']);
    const t = xicsHcalls(xics, { timebase: () => 0x1234_5678_9abcn });
    lines[0]!.pulse();
    const r = hcall(t, H_XIRR_X, 0);
    expect(r.rc).toBe(H.SUCCESS);
    expect(r.rets).toEqual([BigInt(xirr(0xff, BASE)), 0x1234_5678_9abcn]);
    // Default: host monotonic time at 512 MHz, increasing.
    const d = xicsHcalls(xics);
    const a = hcall(d, H_XIRR_X, 0).rets[1]!;
    const b = hcall(d, H_XIRR_X, 0).rets[1]!;
    expect(b >= a).toBe(true);
    expect(a > 0n).toBe(true);
  });

  it('H_EOI ends the interrupt and restores CPPR from the XIRR', () => {
    const { xics, lines } = rig(['lsi']);
    const t = xicsHcalls(xics);
    lines[0]!.raise();
    const x = hcall(t, H_XIRR, 0).rets[0]!;
    lines[0]!.lower();
    expect(hcall(t, H_EOI, 0, x).rc).toBe(H.SUCCESS);
    expect(xics.icp(0)).toMatchObject({ cppr: 0xff, xisr: 0 });
    expect(xics.source(BASE).sent).toBe(false);
    // EOI of the IPI is legal (Linux's flush_ipi).
    expect(hcall(t, H_EOI, 0, BigInt(xirr(0, XICS_IPI))).rc).toBe(H.SUCCESS);
    expect(xics.icp(0).cppr).toBe(0);
  });

  it('H_IPI sets another server’s MFRR; H_IPOLL reads XIRR and MFRR without accepting', () => {
    const { xics } = rig([]);
    const t = xicsHcalls(xics);
    expect(hcall(t, H_IPI, 0, 1n, 4n).rc).toBe(H.SUCCESS);
    expect(xics.icp(1)).toMatchObject({ mfrr: 4, xisr: XICS_IPI, pendingPriority: 4 });
    expect(xics.externalPending(1)).toBe(true);
    const p = hcall(t, H_IPOLL, 0, 1n);
    expect(p.rc).toBe(H.SUCCESS);
    expect(p.rets).toEqual([BigInt(xirr(0xff, XICS_IPI)), 4n]);
    expect(xics.icp(1).xisr).toBe(XICS_IPI); // not accepted
  });
});

describe('hostile hcall arguments', () => {
  const setup = () => {
    const r = rig(['msi', 'lsi']);
    const cap = captureLogger();
    return { ...r, ...cap, t: xicsHcalls(r.xics, { logger: cap.logger }) };
  };
  const cases: Array<[string, number, number, bigint[]]> = [
    ['H_CPPR > 0xff', H_CPPR, 0, [0x100n]],
    ['H_CPPR all ones', H_CPPR, 0, [0xffff_ffff_ffff_ffffn]],
    ['H_EOI wider than 32 bits', H_EOI, 0, [0x1_0000_0000n | BigInt(BASE)]],
    ['H_EOI XISR 0', H_EOI, 0, [0xff00_0000n]],
    ['H_EOI XISR 1', H_EOI, 0, [0xff00_0001n]],
    ['H_EOI XISR past the ICS', H_EOI, 0, [BigInt(xirr(0xff, BASE + 2))]],
    ['H_EOI XISR below the ICS', H_EOI, 0, [BigInt(xirr(0xff, BASE - 1))]],
    ['H_IPI bad server', H_IPI, 0, [2n, 5n]],
    ['H_IPI huge server', H_IPI, 0, [0xffff_ffff_ffff_ffffn, 5n]],
    ['H_IPI mfrr > 0xff', H_IPI, 0, [1n, 0x100n]],
    ['H_IPOLL bad server', H_IPOLL, 0, [7n]],
  ];
  for (const [what, opcode, cpu, args] of cases) {
    it(`${what} -> H_PARAMETER, logged, state unchanged`, () => {
      const { xics, t, lines } = setup();
      const before = xics.saveState();
      const r = hcall(t, opcode, cpu, ...args);
      expect(r.rc).toBe(H.PARAMETER);
      expect(r.rets).toEqual([]);
      expect(xics.saveState()).toEqual(before);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^\[guest_errors\] H_\w+ from cpu 0: .* -> H_PARAMETER$/);
    });
  }

  it('a calling CPU with no server gets H_HARDWARE and a log line, not a throw', () => {
    const { t, lines } = setup();
    for (const op of [H_CPPR, H_EOI, H_XIRR, H_XIRR_X]) {
      expect(hcall(t, op, 9, BigInt(xirr(0xff, XICS_IPI))).rc).toBe(H.HARDWARE);
    }
    expect(lines).toHaveLength(4);
  });

  it('random arguments never throw and only ever return success or a parameter error', () => {
    const { xics, lines } = rig(['msi', 'lsi', 'msi'], { prio: [1, 2, 3] });
    const t = xicsHcalls(xics);
    const ops = [H_CPPR, H_EOI, H_IPI, H_IPOLL, H_XIRR, H_XIRR_X];
    const arg = fc.oneof(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.bigInt({ min: 0n, max: 0x1ffn }),
      fc.constantFrom(
        ...[0, 1, 2, 3].map((i) => BigInt(BASE + i)),
        BigInt(xirr(0xff, BASE)),
        BigInt(xirr(5, BASE + 1)),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...ops), fc.integer({ min: 0, max: 2 }), arg, arg), { maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 10 }),
        (calls, raises) => {
          raises.forEach((i) => {
            lines[i]!.pulse();
          });
          for (const [op, cpu, a0, a1] of calls) {
            const { rc } = hcall(t, op, cpu, a0, a1);
            expect([H.SUCCESS, H.PARAMETER, H.HARDWARE]).toContain(rc);
            if (cpu < 2) expect(rc).not.toBe(H.HARDWARE);
          }
          for (let s = 0; s < 2; s++) {
            const p = xics.icp(s);
            expect(p.xisr === 0 || p.pendingPriority < p.cppr).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
