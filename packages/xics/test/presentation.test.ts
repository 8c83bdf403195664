import { describe, expect, it } from 'vitest';
import { XICS_IPI, Xics } from '../src/index.js';
import { BASE, rig, xirr } from './helpers.js';

describe('ICP presentation', () => {
  it('starts with CPPR 0, so nothing is presented until the OS opens it', () => {
    const xics = Xics.create({ nrServers: 1, nrIrqs: 4 });
    const line = xics.claim(BASE, 'msi');
    xics.setXive(BASE, 0, 5);
    line.pulse();
    expect(xics.icp(0)).toEqual({ cppr: 0, xisr: 0, pendingPriority: 0xff, mfrr: 0xff });
    expect(xics.source(BASE).rejected).toBe(true);
    expect(xics.externalPending(0)).toBe(false);
    // Lowering CPPR (less favoured) with nothing pending makes the ICS resend.
    xics.setCppr(0, 0xff);
    expect(xics.icp(0)).toMatchObject({ xisr: BASE, pendingPriority: 5 });
    expect(xics.externalPending(0)).toBe(true);
    expect(xics.source(BASE).rejected).toBe(false);
  });

  it('presents only priorities numerically below CPPR', () => {
    const { xics, lines } = rig(['msi', 'msi'], { prio: [5, 4] });
    xics.setCppr(0, 5);
    lines[0]!.pulse(); // 5 is not more favoured than CPPR 5
    expect(xics.icp(0).xisr).toBe(0);
    expect(xics.source(BASE).rejected).toBe(true);
    lines[1]!.pulse(); // 4 is
    expect(xics.icp(0)).toMatchObject({ xisr: BASE + 1, pendingPriority: 4 });
  });

  it('accept returns CPPR<<24|XISR, moves CPPR to the priority, clears XISR and lowers the output', () => {
    const { xics, lines, events } = rig(['msi']);
    lines[0]!.pulse();
    expect(events).toEqual([[0, true]]);
    expect(xics.words[xics.outputIndex(0)]).toBe(1);
    expect(xics.accept(0)).toBe(xirr(0xff, BASE));
    expect(xics.icp(0)).toEqual({ cppr: 5, xisr: 0, pendingPriority: 0xff, mfrr: 0xff });
    expect(events).toEqual([
      [0, true],
      [0, false],
    ]);
    expect(xics.externalPending(0)).toBe(false);
    // A second read finds nothing: XISR 0, CPPR becomes the "pending" 0xff (as QEMU and KVM).
    expect(xics.accept(0)).toBe(xirr(5, 0));
    expect(xics.icp(0).cppr).toBe(0xff);
  });

  it('a more favoured interrupt displaces the pending one, which is rejected and resent after EOI', () => {
    const { xics, lines } = rig(['msi', 'msi'], { prio: [6, 3] });
    lines[0]!.pulse();
    expect(xics.icp(0).xisr).toBe(BASE);
    lines[1]!.pulse();
    expect(xics.icp(0)).toMatchObject({ xisr: BASE + 1, pendingPriority: 3 });
    expect(xics.source(BASE).rejected).toBe(true);
    expect(xics.accept(0)).toBe(xirr(0xff, BASE + 1));
    xics.eoi(0, xirr(0xff, BASE + 1));
    expect(xics.icp(0)).toMatchObject({ cppr: 0xff, xisr: BASE, pendingPriority: 6 });
    expect(xics.source(BASE).rejected).toBe(false);
  });

  it('a less favoured (or equal) interrupt is rejected while another is pending', () => {
    const { xics, lines } = rig(['msi', 'msi'], { prio: [3, 3] });
    lines[0]!.pulse();
    lines[1]!.pulse();
    expect(xics.icp(0).xisr).toBe(BASE);
    expect(xics.source(BASE + 1).rejected).toBe(true);
    xics.accept(0);
    // While BASE is in service at CPPR 3, the rejected one stays rejected.
    expect(xics.icp(0).xisr).toBe(0);
    xics.eoi(0, xirr(0xff, BASE));
    expect(xics.icp(0).xisr).toBe(BASE + 1);
  });

  it('raising CPPR above the pending priority rejects it and lowers the output; lowering it resends', () => {
    const { xics, lines, events } = rig(['msi'], { prio: [5] });
    lines[0]!.pulse();
    xics.setCppr(0, 4);
    expect(xics.icp(0)).toEqual({ cppr: 4, xisr: 0, pendingPriority: 0xff, mfrr: 0xff });
    expect(xics.externalPending(0)).toBe(false);
    expect(xics.source(BASE).rejected).toBe(true);
    xics.setCppr(0, 6);
    expect(xics.icp(0)).toMatchObject({ cppr: 6, xisr: BASE, pendingPriority: 5 });
    expect(events).toEqual([
      [0, true],
      [0, false],
      [0, true],
    ]);
  });

  it('CPPR raised but still less favoured than the pending interrupt keeps it', () => {
    const { xics, lines } = rig(['msi'], { prio: [5] });
    lines[0]!.pulse();
    xics.setCppr(0, 6);
    expect(xics.icp(0)).toMatchObject({ cppr: 6, xisr: BASE });
  });

  it('routes each source to its own server', () => {
    const { xics, lines } = rig(['msi', 'msi'], { servers: [0, 1] });
    lines[1]!.pulse();
    expect(xics.icp(0).xisr).toBe(0);
    expect(xics.icp(1).xisr).toBe(BASE + 1);
    expect(xics.externalPending(1)).toBe(true);
    expect(xics.externalPending(0)).toBe(false);
  });
});

describe('IPIs (MFRR)', () => {
  it('MFRR more favoured than CPPR presents XISR 2 at the MFRR priority', () => {
    const { xics, events } = rig([]);
    xics.setMfrr(1, 4);
    expect(xics.icp(1)).toEqual({ cppr: 0xff, xisr: XICS_IPI, pendingPriority: 4, mfrr: 4 });
    expect(events).toEqual([[1, true]]);
    expect(xics.accept(1)).toBe(xirr(0xff, XICS_IPI));
    // Linux clears MFRR in its IPI handler, then EOIs: nothing more.
    xics.setMfrr(1, 0xff);
    xics.eoi(1, xirr(0xff, XICS_IPI));
    expect(xics.icp(1).xisr).toBe(0);
  });

  it('an IPI still set in MFRR is presented again after EOI', () => {
    const { xics } = rig([]);
    xics.setMfrr(0, 4);
    xics.accept(0);
    xics.eoi(0, xirr(0xff, XICS_IPI));
    expect(xics.icp(0)).toMatchObject({ xisr: XICS_IPI, pendingPriority: 4 });
  });

  it('MFRR not more favoured than CPPR waits until CPPR is lowered', () => {
    const { xics } = rig([]);
    xics.setCppr(0, 4);
    xics.setMfrr(0, 4);
    expect(xics.icp(0).xisr).toBe(0);
    xics.setCppr(0, 5);
    expect(xics.icp(0)).toMatchObject({ xisr: XICS_IPI, pendingPriority: 4 });
  });

  it('a more favoured device interrupt displaces the IPI, which comes back from MFRR after EOI', () => {
    const { xics, lines } = rig(['msi'], { prio: [2] });
    xics.setMfrr(0, 5);
    lines[0]!.pulse();
    expect(xics.icp(0)).toMatchObject({ xisr: BASE, pendingPriority: 2, mfrr: 5 });
    expect(xics.accept(0)).toBe(xirr(0xff, BASE));
    xics.eoi(0, xirr(0xff, BASE));
    expect(xics.icp(0)).toMatchObject({ xisr: XICS_IPI, pendingPriority: 5 });
  });

  it('a less favoured device interrupt is rejected while the IPI is pending, then delivered', () => {
    const { xics, lines } = rig(['msi'], { prio: [7] });
    xics.setMfrr(0, 5);
    lines[0]!.pulse();
    expect(xics.icp(0).xisr).toBe(XICS_IPI);
    expect(xics.source(BASE).rejected).toBe(true);
    xics.accept(0);
    xics.setMfrr(0, 0xff);
    xics.eoi(0, xirr(0xff, XICS_IPI));
    expect(xics.icp(0)).toMatchObject({ xisr: BASE, pendingPriority: 7 });
  });

  it('a more favoured IPI displaces a pending device interrupt; an equal one does not', () => {
    const { xics, lines } = rig(['msi'], { prio: [5] });
    lines[0]!.pulse();
    xics.setMfrr(0, 5);
    expect(xics.icp(0).xisr).toBe(BASE);
    xics.setMfrr(0, 3);
    expect(xics.icp(0)).toMatchObject({ xisr: XICS_IPI, pendingPriority: 3 });
    expect(xics.source(BASE).rejected).toBe(true);
  });
});

describe('LSI and MSI sources', () => {
  it('an LSI still asserted after EOI is presented again; a lowered one is not', () => {
    const { xics, lines } = rig(['lsi']);
    lines[0]!.raise();
    expect(xics.source(BASE)).toMatchObject({ asserted: true, sent: true });
    expect(xics.accept(0)).toBe(xirr(0xff, BASE));
    xics.eoi(0, xirr(0xff, BASE));
    expect(xics.icp(0).xisr).toBe(BASE);
    expect(xics.accept(0)).toBe(xirr(0xff, BASE));
    lines[0]!.lower();
    xics.eoi(0, xirr(0xff, BASE));
    expect(xics.icp(0).xisr).toBe(0);
    expect(xics.source(BASE)).toMatchObject({ asserted: false, sent: false });
  });

  it('an asserted LSI is presented once, not again while in flight', () => {
    const { xics, lines } = rig(['lsi']);
    lines[0]!.raise();
    xics.accept(0);
    lines[0]!.raise(); // level unchanged: no second presentation
    xics.setCppr(0, 0xff);
    expect(xics.icp(0).xisr).toBe(0);
  });

  it('a rejected LSI is presented again at the next resend', () => {
    const { xics, lines } = rig(['lsi', 'msi'], { prio: [6, 2] });
    lines[1]!.pulse();
    lines[0]!.raise();
    expect(xics.source(BASE)).toMatchObject({ asserted: true, sent: false });
    xics.accept(0);
    xics.eoi(0, xirr(0xff, BASE + 1));
    expect(xics.icp(0).xisr).toBe(BASE);
    expect(xics.source(BASE).sent).toBe(true);
  });

  it('MSIs are edges: one message, one interrupt; a message during service comes once more after EOI', () => {
    const { xics, lines } = rig(['msi']);
    lines[0]!.pulse();
    xics.accept(0);
    lines[0]!.raise();
    lines[0]!.lower(); // no level for MSIs
    expect(xics.source(BASE).rejected).toBe(true);
    xics.eoi(0, xirr(0xff, BASE));
    expect(xics.accept(0)).toBe(xirr(0xff, BASE));
    xics.eoi(0, xirr(0xff, BASE));
    expect(xics.icp(0).xisr).toBe(0);
    expect(xics.accept(0) & 0xffffff).toBe(0);
  });

  it('an MSI fired while masked is kept and delivered on int-on / set-xive', () => {
    const { xics, lines } = rig(['msi', 'msi']);
    xics.intOff(BASE);
    lines[0]!.pulse();
    expect(xics.source(BASE).maskedPending).toBe(true);
    expect(xics.icp(0).xisr).toBe(0);
    xics.intOn(BASE);
    expect(xics.source(BASE)).toMatchObject({ maskedPending: false, priority: 5 });
    expect(xics.icp(0).xisr).toBe(BASE);

    xics.setXive(BASE + 1, 1, 0xff);
    lines[1]!.pulse();
    xics.setXive(BASE + 1, 1, 3);
    expect(xics.icp(1)).toMatchObject({ xisr: BASE + 1, pendingPriority: 3 });
  });

  it('a masked asserted LSI is presented when unmasked', () => {
    const { xics, lines } = rig(['lsi']);
    xics.intOff(BASE);
    lines[0]!.raise();
    expect(xics.icp(0).xisr).toBe(0);
    xics.intOn(BASE);
    expect(xics.icp(0).xisr).toBe(BASE);
  });

  it('int-off saves the priority for int-on, also across a second int-off', () => {
    const { xics } = rig(['msi'], { prio: [4] });
    xics.intOff(BASE);
    expect(xics.source(BASE)).toMatchObject({ priority: 0xff, savedPriority: 4 });
    xics.intOff(BASE);
    expect(xics.source(BASE).savedPriority).toBe(4);
    xics.intOn(BASE);
    expect(xics.getXive(BASE)).toEqual({ server: 0, priority: 4 });
  });

  it('a rejected MSI that is masked before the resend becomes masked-pending', () => {
    const { xics, lines } = rig(['msi', 'msi'], { prio: [6, 2] });
    lines[1]!.pulse();
    lines[0]!.pulse();
    expect(xics.source(BASE).rejected).toBe(true);
    xics.intOff(BASE);
    xics.accept(0);
    xics.eoi(0, xirr(0xff, BASE + 1));
    expect(xics.source(BASE)).toMatchObject({ rejected: false, maskedPending: true });
    expect(xics.icp(0).xisr).toBe(0);
    xics.intOn(BASE);
    expect(xics.icp(0).xisr).toBe(BASE);
  });

  it('a rejected source is resent to its new server after set-xive', () => {
    const { xics, lines } = rig(['msi', 'msi'], { prio: [6, 2] });
    lines[1]!.pulse();
    lines[0]!.pulse();
    xics.setXive(BASE, 1, 6);
    xics.setCppr(1, 0xff);
    expect(xics.icp(1).xisr).toBe(BASE);
  });

  it('pulse on an LSI presents it once and leaves it deasserted', () => {
    const { xics, lines } = rig(['lsi']);
    lines[0]!.pulse();
    expect(xics.icp(0).xisr).toBe(BASE);
    xics.accept(0);
    xics.eoi(0, xirr(0xff, BASE));
    expect(xics.icp(0).xisr).toBe(0);
  });

  it('EOI to a more favoured CPPR rejects what it no longer admits', () => {
    const { xics, lines } = rig(['msi', 'msi'], { prio: [5, 2] });
    lines[1]!.pulse();
    xics.accept(0); // CPPR 2
    xics.setCppr(0, 0xff); // not a real OS sequence, but legal
    lines[0]!.pulse();
    expect(xics.icp(0).xisr).toBe(BASE);
    xics.eoi(0, xirr(3, BASE + 1));
    expect(xics.icp(0)).toMatchObject({ cppr: 3, xisr: 0 });
    expect(xics.source(BASE).rejected).toBe(true);
  });
});

describe('output line for sleeping vCPUs', () => {
  it('waitForInterrupt returns at once when pending, times out when not', () => {
    const { xics, lines } = rig(['msi']);
    expect(xics.waitForInterrupt(0, 1)).toBe(false);
    lines[0]!.pulse();
    expect(xics.waitForInterrupt(0, 1000)).toBe(true);
    expect(Atomics.load(xics.words, xics.outputIndex(0))).toBe(1);
    xics.accept(0);
    expect(Atomics.load(xics.words, xics.outputIndex(0))).toBe(0);
  });
});
