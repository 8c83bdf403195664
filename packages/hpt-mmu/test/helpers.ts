import type { HcallArgs } from '@ppcvm/machine-core';
import {
  createHptHcalls,
  createMmuRegs,
  encodeHpteR,
  encodeHpteV,
  encodeSlbEsid,
  encodeSlbVsid,
  HashMmu,
  HashPageTable,
  type HptHcallOptions,
  type HptHcalls,
  hi32,
  join64,
  lo32,
  type MmuRegs,
  PageSizeTable,
  primaryHash,
  ptegIndex,
  type SegmentSize,
  Slb,
  type TlbInvalidator,
  Translation,
} from '../src/index.js';

const MASK64 = (1n << 64n) - 1n;

/** A vCPU's r4..r12 as an hcall handler sees them. */
export class FakeArgs implements HcallArgs {
  readonly regs: bigint[];
  readonly out = new Map<number, bigint>();
  constructor(
    args: readonly bigint[],
    readonly cpuIndex = 0,
  ) {
    this.regs = args.map((a) => a & MASK64);
  }
  arg(i: number): bigint {
    return this.regs[i] ?? 0n;
  }
  ret(i: number, value: bigint): void {
    this.out.set(i, value & MASK64);
  }
  r(i: number): bigint {
    const v = this.out.get(i);
    if (v === undefined) throw new Error(`output r${4 + i} not written`);
    return v;
  }
}

/** Records invalidations. */
export class RecordingInvalidator implements TlbInvalidator {
  readonly hptes: number[] = [];
  all = 0;
  syncs = 0;
  invalidateHpte(_cpu: number, ptex: number): void {
    this.hptes.push(ptex);
  }
  invalidateAll(): void {
    this.all++;
  }
  sync(): void {
    this.syncs++;
  }
}

export interface Rig {
  hpt: HashPageTable;
  sizes: PageSizeTable;
  slb: Slb;
  mmu: HashMmu;
  hc: HptHcalls;
  inv: RecordingInvalidator;
  regs: MmuRegs;
  out: Translation;
  call(name: string, ...args: bigint[]): { rc: number; a: FakeArgs };
}

export function rig(shift = 18, opts: Partial<HptHcallOptions> = {}): Rig {
  const hpt = HashPageTable.create(shift);
  const sizes = new PageSizeTable();
  const slb = new Slb({ pageSizes: sizes });
  const mmu = new HashMmu({ hpt, slb });
  const inv = new RecordingInvalidator();
  const hc = createHptHcalls({ hpt, pageSizes: sizes, onInvalidate: inv, ...opts });
  const byName = new Map(hc.table.entries.map((e) => [e.name, e.handler]));
  return {
    hpt,
    sizes,
    slb,
    mmu,
    hc,
    inv,
    regs: createMmuRegs(),
    out: new Translation(),
    call(name, ...args) {
      const h = byName.get(name);
      if (!h) throw new Error(`no hcall ${name}`);
      const a = new FakeArgs(args);
      return { rc: h(a), a };
    },
  };
}

/** EA as halves. */
export function ea(v: bigint): [number, number] {
  return [hi32(v), lo32(v)];
}

export interface MapSpec {
  vsid: bigint;
  segment: SegmentSize;
  base: number;
  actual?: number;
  ea: bigint;
  ra: bigint;
  pp?: number;
  pp0?: boolean;
  n?: boolean;
  wimg?: number;
  key?: number;
  r?: boolean;
  c?: boolean;
  secondary?: boolean;
  bolted?: boolean;
  slot?: number;
}

/** Write an HPTE for `spec` straight into the HPT at its hashed group; returns ptex. */
export function mapPage(r: Rig, s: MapSpec): number {
  const hash = primaryHash(s.vsid, s.ea, s.base, s.segment);
  const pteg = ptegIndex(hash, r.hpt.shift, s.secondary ?? false);
  const ptex = pteg * 8 + (s.slot ?? 0);
  const v = encodeHpteV({
    vsid: s.vsid,
    ea: s.ea,
    segment: s.segment,
    basePageShift: s.base,
    actualPageShift: s.actual,
    secondary: s.secondary,
    bolted: s.bolted,
  });
  const rr = encodeHpteR(
    {
      ra: s.ra,
      basePageShift: s.base,
      actualPageShift: s.actual,
      pp: s.pp ?? 2,
      pp0: s.pp0,
      n: s.n,
      wimg: s.wimg,
      key: s.key,
      r: s.r,
      c: s.c,
    },
    r.sizes,
  );
  r.hpt.write(ptex, v, rr);
  return ptex;
}

/** Install an SLB entry for the segment holding `eaddr`. */
export function mapSegment(
  r: Rig,
  index: number,
  eaddr: bigint,
  vsid: bigint,
  segment: SegmentSize,
  base: number,
  flags: { ks?: boolean; kp?: boolean; n?: boolean } = {},
): void {
  if (!r.slb.slbmte(encodeSlbVsid(vsid, segment, base, r.sizes, flags), encodeSlbEsid(eaddr, segment, index))) {
    throw new Error('slbmte failed');
  }
}

/** Real address of the last translation as bigint. */
export function ra(t: Translation): bigint {
  return join64(t.raHi, t.raLo);
}
