/**
 * A deliberately plain reference model of XICS for property tests: objects, a
 * full ascending scan on every resend, no shared memory, no locks, no bitmap.
 * Semantics are QEMU's emulated XICS plus the three documented differences of
 * @ppcvm/xics (EOI to a more favoured CPPR rejects; a rejected MSI masked
 * meanwhile becomes masked-pending; int-off keeps an existing saved priority).
 */
const IPI = 2;
const MASKED = 0xff;

export interface ModelSource {
  server: number;
  prio: number;
  saved: number;
  lsi: boolean;
  asserted: boolean;
  sent: boolean;
  rejected: boolean;
  maskedPending: boolean;
}

export interface ModelIcp {
  cppr: number;
  xisr: number;
  pend: number;
  mfrr: number;
}

export class XicsModel {
  readonly icps: ModelIcp[];
  readonly srcs: ModelSource[];

  constructor(
    nrServers: number,
    readonly offset: number,
    lsi: boolean[],
  ) {
    this.icps = Array.from({ length: nrServers }, () => ({ cppr: 0, xisr: 0, pend: MASKED, mfrr: MASKED }));
    this.srcs = lsi.map((l) => ({
      server: 0,
      prio: MASKED,
      saved: MASKED,
      lsi: l,
      asserted: false,
      sent: false,
      rejected: false,
      maskedPending: false,
    }));
  }

  private src(irq: number): ModelSource {
    return this.srcs[irq - this.offset]!;
  }

  private reject(irq: number): void {
    if (irq === IPI) return;
    const s = this.src(irq);
    if (s.lsi) s.sent = false;
    else s.rejected = true;
  }

  private icpIrq(server: number, irq: number, prio: number): void {
    const p = this.icps[server]!;
    if (prio >= p.cppr || (p.xisr !== 0 && p.pend <= prio)) {
      this.reject(irq);
      return;
    }
    if (p.xisr !== 0) this.reject(p.xisr);
    p.xisr = irq;
    p.pend = prio;
  }

  private checkIpi(server: number): void {
    const p = this.icps[server]!;
    if (p.xisr !== 0 && p.pend <= p.mfrr) return;
    if (p.xisr !== 0) this.reject(p.xisr);
    p.xisr = IPI;
    p.pend = p.mfrr;
  }

  private resendLsi(i: number): void {
    const s = this.srcs[i]!;
    if (s.prio !== MASKED && s.asserted && !s.sent) {
      s.sent = true;
      this.icpIrq(s.server, this.offset + i, s.prio);
    }
  }

  private icsResend(): void {
    for (let i = 0; i < this.srcs.length; i++) {
      const s = this.srcs[i]!;
      if (s.lsi) this.resendLsi(i);
      else if (s.rejected) {
        s.rejected = false;
        if (s.prio !== MASKED) this.icpIrq(s.server, this.offset + i, s.prio);
        else s.maskedPending = true;
      }
    }
  }

  private icpResend(server: number): void {
    const p = this.icps[server]!;
    if (p.mfrr < p.cppr) this.checkIpi(server);
    this.icsResend();
  }

  setIrq(irq: number, level: boolean): void {
    const i = irq - this.offset;
    const s = this.srcs[i]!;
    if (s.lsi) {
      s.asserted = level;
      this.resendLsi(i);
    } else if (level) {
      if (s.prio === MASKED) s.maskedPending = true;
      else this.icpIrq(s.server, irq, s.prio);
    }
  }

  private writeXive(i: number, server: number, prio: number, saved: number): void {
    const s = this.srcs[i]!;
    s.server = server;
    s.prio = prio;
    s.saved = saved;
    if (s.lsi) this.resendLsi(i);
    else if (s.maskedPending && prio !== MASKED) {
      s.maskedPending = false;
      this.icpIrq(server, this.offset + i, prio);
    }
  }

  setXive(irq: number, server: number, prio: number): void {
    this.writeXive(irq - this.offset, server, prio, prio);
  }

  intOff(irq: number): void {
    const s = this.src(irq);
    this.writeXive(irq - this.offset, s.server, MASKED, s.prio === MASKED ? s.saved : s.prio);
  }

  intOn(irq: number): void {
    const s = this.src(irq);
    this.writeXive(irq - this.offset, s.server, s.saved, s.saved);
  }

  accept(server: number): number {
    const p = this.icps[server]!;
    const x = ((p.cppr << 24) | p.xisr) >>> 0;
    p.cppr = p.pend;
    p.xisr = 0;
    p.pend = MASKED;
    return x;
  }

  setMfrr(server: number, mfrr: number): void {
    const p = this.icps[server]!;
    p.mfrr = mfrr;
    if (mfrr < p.cppr) this.checkIpi(server);
  }

  setCppr(server: number, cppr: number): void {
    const p = this.icps[server]!;
    const old = p.cppr;
    p.cppr = cppr;
    if (cppr < old) {
      if (p.xisr !== 0 && cppr <= p.pend) {
        this.reject(p.xisr);
        p.xisr = 0;
        p.pend = MASKED;
      }
    } else if (p.xisr === 0) {
      this.icpResend(server);
    }
  }

  eoi(server: number, xirr: number): void {
    const p = this.icps[server]!;
    const cppr = xirr >>> 24;
    const old = p.cppr;
    p.cppr = cppr;
    if (cppr < old && p.xisr !== 0 && cppr <= p.pend) {
      this.reject(p.xisr);
      p.xisr = 0;
      p.pend = MASKED;
    }
    const irq = xirr & 0xffffff;
    if (irq !== IPI) {
      const s = this.src(irq);
      if (s.lsi) s.sent = false;
    }
    if (p.xisr === 0) this.icpResend(server);
  }
}
