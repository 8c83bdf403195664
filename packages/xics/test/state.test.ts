import { describe, expect, it } from 'vitest';
import { XICS_IPI, XICS_IRQ_BASE, Xics, XicsError, type XicsSavedState } from '../src/index.js';
import { BASE, rig, xirr } from './helpers.js';

describe('construction and attach', () => {
  it('defaults to 4096 sources at 0x1000', () => {
    const xics = Xics.create({ nrServers: 1 });
    expect([xics.offset, xics.nrIrqs]).toEqual([XICS_IRQ_BASE, 4096]);
    expect(xics.validIrq(0x1000)).toBe(true);
    expect(xics.validIrq(0x1fff)).toBe(true);
    expect(xics.validIrq(0x2000)).toBe(false);
    expect(xics.validIrq(0xfff)).toBe(false);
    expect(xics.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('refuses bad shapes with a XicsError', () => {
    for (const o of [
      { nrServers: 0 },
      { nrServers: 1.5 },
      { nrServers: 0x10001 },
      { nrServers: 1, nrIrqs: 0 },
      { nrServers: 1, offset: 2 },
      { nrServers: 1, offset: 0xffffff, nrIrqs: 2 },
    ]) {
      expect(() => Xics.create(o), JSON.stringify(o)).toThrow(XicsError);
    }
  });

  it('a second Xics attached to the same buffer sees and changes the same state', () => {
    const { xics, lines } = rig(['msi']);
    const events: Array<[number, boolean]> = [];
    const other = Xics.attach(xics.buffer, { setExternalPending: (s, l) => events.push([s, l]) });
    expect([other.nrServers, other.nrIrqs, other.offset]).toEqual([2, 1, BASE]);
    lines[0]!.pulse();
    expect(other.icp(0).xisr).toBe(BASE);
    expect(other.accept(0)).toBe(xirr(0xff, BASE));
    expect(events).toEqual([[0, false]]);
    expect(xics.externalPending(0)).toBe(false);
    other.line(BASE).pulse();
    xics.eoi(0, xirr(0xff, BASE));
    expect(other.icp(0).xisr).toBe(BASE);
  });

  it('attach refuses foreign buffers', () => {
    expect(() => Xics.attach(new SharedArrayBuffer(16))).toThrow(XicsError);
    expect(() => Xics.attach(new SharedArrayBuffer(4096))).toThrow(/header/);
    const { xics } = rig(['msi']);
    const copy = new SharedArrayBuffer(xics.buffer.byteLength + 4);
    new Int32Array(copy).set(xics.words);
    expect(() => Xics.attach(copy)).toThrow(/size/);
  });
});

describe('claims and lines', () => {
  it('claim twice, lines of unclaimed sources and bad numbers are host errors', () => {
    const { xics } = rig(['msi', 'lsi']);
    expect(() => xics.claim(BASE, 'lsi')).toThrow(XicsError);
    xics.release(BASE + 1);
    expect(() => xics.line(BASE + 1)).toThrow(/not claimed/);
    expect(() => xics.setIrq(BASE + 1, true)).toThrow(/not claimed/);
    expect(() => xics.claim(BASE + 2)).toThrow(XicsError);
    expect(() => xics.setXive(BASE, 2, 5)).toThrow(XicsError);
    expect(() => xics.setXive(BASE, 0, 256)).toThrow(XicsError);
    expect(() => xics.setCppr(0, -1)).toThrow(XicsError);
    expect(() => xics.setMfrr(5, 1)).toThrow(XicsError);
    expect(() => xics.eoi(0, 0xff000000)).toThrow(XicsError);
    expect(xics.claim(BASE + 1, 'msi').type).toBe('msi');
  });

  it('XicsError.is recognises its errors only', () => {
    const { xics } = rig([]);
    let caught: unknown;
    try {
      xics.accept(7);
    } catch (e) {
      caught = e;
    }
    expect(XicsError.is(caught)).toBe(true);
    expect((caught as Error).name).toBe('XicsError');
    expect(XicsError.is(new Error('x'))).toBe(false);
  });
});

describe('reset, saveState and restore', () => {
  it('reset idles everything but keeps which sources are claimed and their type', () => {
    const { xics, lines, events } = rig(['msi', 'lsi']);
    lines[1]!.raise();
    xics.setMfrr(1, 3);
    xics.reset();
    expect(xics.icp(0)).toEqual({ cppr: 0, xisr: 0, pendingPriority: 0xff, mfrr: 0xff });
    expect(xics.icp(1)).toEqual({ cppr: 0, xisr: 0, pendingPriority: 0xff, mfrr: 0xff });
    expect(xics.source(BASE + 1)).toMatchObject({ claimed: true, type: 'lsi', asserted: false, priority: 0xff });
    expect(events).toEqual([
      [0, true],
      [1, true],
      [0, false],
      [1, false],
    ]);
  });

  it('saveState is plain JSON data and restore brings back the exact state, resend work included', () => {
    const a = rig(['msi', 'msi', 'lsi'], { prio: [6, 2, 4], servers: [0, 0, 1] });
    a.lines[0]!.pulse();
    a.lines[1]!.pulse(); // displaces source 0: rejected
    a.lines[2]!.raise();
    a.xics.accept(1);
    a.xics.setMfrr(1, 1);
    const saved = JSON.parse(JSON.stringify(a.xics.saveState())) as XicsSavedState;
    expect(saved.sources[0]).toMatchObject({ rejected: true });
    expect(saved.icps[1]).toEqual({ cppr: 4, xisr: XICS_IPI, pendingPriority: 1, mfrr: 1 });

    const b = rig(['msi', 'msi', 'lsi']);
    b.xics.restore(saved);
    expect(b.xics.saveState()).toEqual(saved);
    expect(b.events).toEqual([
      [0, true],
      [1, true],
    ]);
    // The restored rejected source is still resent after the pending one is serviced.
    expect(b.xics.accept(0)).toBe(xirr(0xff, BASE + 1));
    b.xics.eoi(0, xirr(0xff, BASE + 1));
    expect(b.xics.icp(0).xisr).toBe(BASE);
    // And the asserted LSI in service on server 1 comes back after its EOI.
    b.xics.accept(1);
    b.xics.setMfrr(1, 0xff);
    b.xics.eoi(1, xirr(4, XICS_IPI));
    b.xics.eoi(1, xirr(0xff, BASE + 2));
    expect(b.xics.icp(1).xisr).toBe(BASE + 2);
  });

  it('restore refuses snapshots of another shape or with out-of-range values', () => {
    const { xics } = rig(['msi', 'lsi']);
    const good = xics.saveState();
    const bad: Array<[string, unknown]> = [
      ['version', { ...good, version: 2 }],
      ['servers', { ...good, nrServers: 3 }],
      ['icps length', { ...good, icps: good.icps.slice(1) }],
      ['cppr', { ...good, icps: [{ ...good.icps[0]!, cppr: 256 }, good.icps[1]] }],
      ['xisr', { ...good, icps: [{ ...good.icps[0]!, xisr: 7 }, good.icps[1]] }],
      ['server', { ...good, sources: [{ ...good.sources[0]!, server: 2 }, good.sources[1]] }],
      ['type', { ...good, sources: [{ ...good.sources[0]!, type: 'edge' }, good.sources[1]] }],
      ['null', null],
    ];
    for (const [what, s] of bad) {
      expect(() => xics.restore(s as XicsSavedState), what).toThrow(XicsError);
    }
    expect(xics.saveState()).toEqual(good);
  });
});
