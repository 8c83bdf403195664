import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RTAS_PARAMETER_ERROR, RTAS_SUCCESS, type RtasCall, xicsRtasCalls } from '../src/index.js';
import { BASE, captureLogger, rig } from './helpers.js';

function calls(list: RtasCall[]): Record<string, RtasCall> {
  return Object.fromEntries(list.map((c) => [c.name, c]));
}

describe('XICS RTAS calls', () => {
  it('exports the four services with QEMU’s argument and return counts', () => {
    const { xics } = rig(['msi']);
    const list = xicsRtasCalls(xics);
    expect(list.map((c) => [c.name, c.nargs, c.nret])).toEqual([
      ['ibm,set-xive', 3, 1],
      ['ibm,get-xive', 1, 3],
      ['ibm,int-off', 1, 1],
      ['ibm,int-on', 1, 1],
    ]);
  });

  it('set-xive then get-xive round-trips server and priority', () => {
    const { xics } = rig(['msi', 'msi']);
    const r = calls(xicsRtasCalls(xics));
    expect(r['ibm,set-xive']!.fn([BASE + 1, 1, 3], 1)).toEqual({ status: RTAS_SUCCESS, rets: [] });
    expect(r['ibm,get-xive']!.fn([BASE + 1], 3)).toEqual({ status: RTAS_SUCCESS, rets: [1, 3] });
    expect(xics.source(BASE + 1)).toMatchObject({ server: 1, priority: 3, savedPriority: 3 });
  });

  it('get-xive answers for an unclaimed source in range (Linux probes sources this way)', () => {
    const { xics } = rig(['msi', 'msi']);
    xics.release(BASE + 1);
    const r = calls(xicsRtasCalls(xics));
    expect(r['ibm,get-xive']!.fn([BASE + 1])).toEqual({ status: RTAS_SUCCESS, rets: [0, 0xff] });
  });

  it('int-off masks and int-on restores; a masked MSI fires on int-on', () => {
    const { xics, lines } = rig(['msi'], { prio: [4] });
    const r = calls(xicsRtasCalls(xics));
    expect(r['ibm,int-off']!.fn([BASE]).status).toBe(RTAS_SUCCESS);
    expect(r['ibm,get-xive']!.fn([BASE]).rets).toEqual([0, 0xff]);
    lines[0]!.pulse();
    expect(xics.icp(0).xisr).toBe(0);
    expect(r['ibm,int-on']!.fn([BASE]).status).toBe(RTAS_SUCCESS);
    expect(r['ibm,get-xive']!.fn([BASE]).rets).toEqual([0, 4]);
    expect(xics.icp(0).xisr).toBe(BASE);
  });

  it('set-xive to an asserted LSI presents it', () => {
    const { xics, lines } = rig(['lsi']);
    xics.setXive(BASE, 0, 0xff);
    lines[0]!.raise();
    const r = calls(xicsRtasCalls(xics));
    expect(r['ibm,set-xive']!.fn([BASE, 1, 2]).status).toBe(RTAS_SUCCESS);
    expect(xics.icp(1)).toMatchObject({ xisr: BASE, pendingPriority: 2 });
  });
});

describe('hostile RTAS arguments', () => {
  const bad: Array<[string, string, number[], number | undefined]> = [
    ['set-xive irq below the ICS', 'ibm,set-xive', [BASE - 1, 0, 5], 1],
    ['set-xive irq past the ICS', 'ibm,set-xive', [BASE + 2, 0, 5], 1],
    ['set-xive bad server', 'ibm,set-xive', [BASE, 2, 5], 1],
    ['set-xive priority > 0xff', 'ibm,set-xive', [BASE, 0, 0x100], 1],
    ['set-xive too few args', 'ibm,set-xive', [BASE, 0], 1],
    ['set-xive wrong nret', 'ibm,set-xive', [BASE, 0, 5], 3],
    ['set-xive negative', 'ibm,set-xive', [BASE, -1, 5], 1],
    ['set-xive fraction', 'ibm,set-xive', [BASE, 0, 5.5], 1],
    ['set-xive > u32', 'ibm,set-xive', [BASE, 0x1_0000_0000, 5], 1],
    ['get-xive bad irq', 'ibm,get-xive', [0], 3],
    ['get-xive wrong nret', 'ibm,get-xive', [BASE], 1],
    ['get-xive extra arg', 'ibm,get-xive', [BASE, 0], 3],
    ['int-off bad irq', 'ibm,int-off', [0xffffffff], 1],
    ['int-on bad irq', 'ibm,int-on', [2], 1],
    ['int-on no args', 'ibm,int-on', [], 1],
  ];
  for (const [what, name, args, nret] of bad) {
    it(`${what} -> -3, logged, state unchanged`, () => {
      const { xics } = rig(['msi', 'lsi']);
      const cap = captureLogger();
      const r = calls(xicsRtasCalls(xics, { logger: cap.logger }));
      const before = xics.saveState();
      expect(r[name]!.fn(args, nret)).toEqual({ status: RTAS_PARAMETER_ERROR, rets: [] });
      expect(xics.saveState()).toEqual(before);
      expect(cap.lines).toHaveLength(1);
      expect(cap.lines[0]).toContain(`[guest_errors] ${name}:`);
    });
  }

  it('random argument vectors never throw', () => {
    const { xics } = rig(['msi', 'lsi', 'msi']);
    const list = xicsRtasCalls(xics);
    const word = fc.oneof(
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: BASE - 2, max: BASE + 4 }),
      fc.integer({ min: 0, max: 0x101 }),
      fc.double(),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...list), fc.array(word, { maxLength: 4 }), fc.option(fc.nat(5))), {
          maxLength: 30,
        }),
        (seq) => {
          for (const [c, args, nret] of seq) {
            const res = c.fn(args, nret ?? undefined);
            expect([RTAS_SUCCESS, RTAS_PARAMETER_ERROR]).toContain(res.status);
            if (res.status === RTAS_SUCCESS) expect(res.rets).toHaveLength(c.nret - 1);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
