import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { XICS_IPI, Xics } from '../src/index.js';
import { BASE } from './helpers.js';
import { XicsModel } from './model.js';

/** Sources 0..5: three MSIs then three LSIs; two servers. */
const TYPES = [false, false, false, true, true, true];
const NR_SERVERS = 2;

type Op =
  | { op: 'raise'; src: number }
  | { op: 'lower'; src: number }
  | { op: 'accept'; server: number }
  | { op: 'eoi'; server: number; cppr: number; which: number }
  | { op: 'cppr'; server: number; cppr: number }
  | { op: 'ipi'; server: number; mfrr: number }
  | { op: 'xive'; src: number; server: number; prio: number }
  | { op: 'off'; src: number }
  | { op: 'on'; src: number };

const prio = fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 0xff);
const src = fc.integer({ min: 0, max: TYPES.length - 1 });
const server = fc.integer({ min: 0, max: NR_SERVERS - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('raise' as const), src }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('lower' as const), src }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('accept' as const), server }) },
  {
    weight: 4,
    // `which` picks what to EOI: the last accepted interrupt on that server (the
    // usual case), or an arbitrary source / the IPI (software errors are legal too).
    arbitrary: fc.record({
      op: fc.constant('eoi' as const),
      server,
      cppr: prio,
      which: fc.integer({ min: -3, max: 6 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cppr' as const), server, cppr: prio }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('ipi' as const), server, mfrr: prio }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('xive' as const), src, server, prio }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('off' as const), src }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('on' as const), src }) },
);

/** Start state: each source's server and priority, then both CPPRs. */
interface Init {
  xive: Array<[number, number]>;
  cppr: [number, number];
}
const initArb: fc.Arbitrary<Init> = fc.record({
  xive: fc.array(fc.tuple(server, fc.constantFrom(1, 2, 3, 4, 5, 0xff)), {
    minLength: TYPES.length,
    maxLength: TYPES.length,
  }),
  cppr: fc.tuple(fc.constantFrom(0xff, 0xff, 4), fc.constantFrom(0xff, 0xff, 4)),
});

function run(init: Init, ops: Op[]): void {
  const outputs = [false, false];
  const xics = Xics.create({
    nrServers: NR_SERVERS,
    nrIrqs: TYPES.length,
    setExternalPending: (s, l) => {
      // The callback reports changes only: never the level the line already has.
      expect(outputs[s]).toBe(!l);
      outputs[s] = l;
    },
  });
  const model = new XicsModel(NR_SERVERS, BASE, TYPES);
  TYPES.forEach((lsi, i) => {
    xics.claim(BASE + i, lsi ? 'lsi' : 'msi');
  });
  const lastAccepted: number[][] = [[], []];
  init.xive.forEach(([srv, p], i) => {
    xics.setXive(BASE + i, srv, p);
    model.setXive(BASE + i, srv, p);
  });
  init.cppr.forEach((c, s) => {
    xics.setCppr(s, c);
    model.setCppr(s, c);
  });

  for (const o of ops) {
    switch (o.op) {
      case 'raise':
        xics.setIrq(BASE + o.src, true);
        model.setIrq(BASE + o.src, true);
        break;
      case 'lower':
        xics.setIrq(BASE + o.src, false);
        model.setIrq(BASE + o.src, false);
        break;
      case 'accept': {
        const a = xics.accept(o.server);
        expect(a).toBe(model.accept(o.server));
        if ((a & 0xffffff) !== 0) lastAccepted[o.server]!.push(a);
        break;
      }
      case 'eoi': {
        let x: number;
        const stack = lastAccepted[o.server]!;
        if (o.which < 0 && stack.length > 0) {
          // Linux: EOI with the CPPR saved at accept time and the accepted XISR.
          x = stack.pop()!;
        } else {
          const irq = o.which === 6 || o.which < 0 ? XICS_IPI : BASE + o.which;
          x = ((o.cppr << 24) | irq) >>> 0;
        }
        xics.eoi(o.server, x);
        model.eoi(o.server, x);
        break;
      }
      case 'cppr':
        xics.setCppr(o.server, o.cppr);
        model.setCppr(o.server, o.cppr);
        break;
      case 'ipi':
        xics.setMfrr(o.server, o.mfrr);
        model.setMfrr(o.server, o.mfrr);
        break;
      case 'xive':
        xics.setXive(BASE + o.src, o.server, o.prio);
        model.setXive(BASE + o.src, o.server, o.prio);
        break;
      case 'off':
        xics.intOff(BASE + o.src);
        model.intOff(BASE + o.src);
        break;
      case 'on':
        xics.intOn(BASE + o.src);
        model.intOn(BASE + o.src);
        break;
    }

    for (let s = 0; s < NR_SERVERS; s++) {
      const p = xics.icp(s);
      const m = model.icps[s]!;
      expect(p).toEqual({ cppr: m.cppr, xisr: m.xisr, pendingPriority: m.pend, mfrr: m.mfrr });
      // Output line = "something is presented", and only what beats CPPR is.
      expect(xics.externalPending(s)).toBe(p.xisr !== 0);
      expect(outputs[s]).toBe(p.xisr !== 0);
      if (p.xisr !== 0) expect(p.pendingPriority).toBeLessThan(p.cppr);
    }
    TYPES.forEach((_, i) => {
      const s = xics.source(BASE + i);
      const m = model.srcs[i]!;
      expect([s.server, s.priority, s.savedPriority]).toEqual([m.server, m.prio, m.saved]);
      expect([s.asserted, s.sent, s.rejected, s.maskedPending]).toEqual([
        m.asserted,
        m.sent,
        m.rejected,
        m.maskedPending,
      ]);
    });
  }
}

describe('ICP/ICS against the reference model', () => {
  it('random sequences of raise/lower/accept/EOI/CPPR/IPI/XIVE agree step by step', () => {
    fc.assert(
      fc.property(initArb, fc.array(opArb, { minLength: 1, maxLength: 80 }), (init, ops) => run(init, ops)),
      { numRuns: 1500 },
    );
  });

  it('an OS-like loop (accept, EOI with the saved CPPR) loses no MSI', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean()), { minLength: 1, maxLength: 60 }),
        (events) => {
          const xics = Xics.create({ nrServers: 1, nrIrqs: 3 });
          for (let i = 0; i < 3; i++) {
            xics.claim(BASE + i, 'msi');
            xics.setXive(BASE + i, 0, i + 2);
          }
          xics.setCppr(0, 0xff);
          const sent = [0, 0, 0];
          const got = [0, 0, 0];
          const stack: number[] = [];
          const serviceOne = () => {
            const x = xics.accept(0);
            if ((x & 0xffffff) === 0) return false;
            got[(x & 0xffffff) - BASE]!++;
            stack.push(x);
            return true;
          };
          for (const [s, nest] of events) {
            xics.setIrq(BASE + s, true);
            sent[s]!++;
            // Sometimes take it now (nesting deeper), sometimes finish the innermost one.
            if (nest) serviceOne();
            else if (stack.length > 0) xics.eoi(0, stack.pop()!);
          }
          for (;;) {
            while (stack.length > 0) xics.eoi(0, stack.pop()!);
            if (!serviceOne()) break;
          }
          // Messages to a source that is already waiting may coalesce, but every source
          // that fired is serviced, and never more often than it fired.
          for (let i = 0; i < 3; i++) {
            expect(got[i]! <= sent[i]!).toBe(true);
            expect(got[i]! > 0).toBe(sent[i]! > 0);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
