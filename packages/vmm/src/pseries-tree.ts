/**
 * The pseries device tree, as QEMU's spapr_build_fdt builds it (reference:
 * ../shared/reference/qemu-pseries-power8.dts) plus what Linux's prom_init
 * would have added, since the kernel is entered directly with r5 = 0 and skips
 * prom_init (ARCHITECTURE.md §6): /rtas carries linux,rtas-base/-entry and
 * rtas-size, /chosen carries bootargs, the initrd range and
 * linux,stdout-path.
 */

import type { SegmentPageSize } from '@ppcvm/hpt-mmu';
import type { FdtNodeDescription } from '@ppcvm/machine-core';
import { PR_HCALL_INSTRUCTIONS } from '@ppcvm/ppc-cpu';
import type { CpuModelInfo } from './cpu-models.js';
import { FdtTree } from './fdt.js';

/** Timebase frequency of every pseries vCPU (SPAPR_TIMEBASE_FREQ). */
export const TIMEBASE_FREQUENCY = 512_000_000;
/** rtas-error-log-max (RTAS_ERROR_LOG_MAX). */
export const RTAS_ERROR_LOG_MAX = 2048;
/** Offset of the FWNMI error log in the RTAS area (RTAS_ERROR_LOG_OFFSET). */
export const RTAS_ERROR_LOG_OFFSET = 0x30;
/** LMB size advertised in ibm,lrdr-capacity (SPAPR_MEMORY_BLOCK_SIZE). */
export const MEMORY_BLOCK_SIZE = 0x10000000;

/**
 * `ibm,hypertas-functions` strings in QEMU's order, each with the hcalls it
 * promises (LoPAPR "Hypervisor function sets"). A set is advertised only when
 * every hcall of it is registered, so the tree never promises what the
 * machine lacks.
 */
export const HYPERTAS_FUNCTION_SETS: readonly { readonly name: string; readonly opcodes: readonly number[] }[] = [
  { name: 'hcall-pft', opcodes: [0x04, 0x08, 0x0c, 0x18] },
  { name: 'hcall-term', opcodes: [0x54, 0x58] },
  { name: 'hcall-dabr', opcodes: [0x28] },
  { name: 'hcall-interrupt', opcodes: [0x64, 0x68, 0x6c, 0x70, 0x74] },
  { name: 'hcall-tce', opcodes: [0x1c, 0x20] },
  { name: 'hcall-vio', opcodes: [0x104] },
  { name: 'hcall-splpar', opcodes: [0xdc, 0xe0, 0xe4, 0xe8] },
  { name: 'hcall-join', opcodes: [0x298] },
  { name: 'hcall-bulk', opcodes: [0x124] },
  { name: 'hcall-set-mode', opcodes: [0x31c] },
  { name: 'hcall-sprg0', opcodes: [0x24] },
  { name: 'hcall-copy', opcodes: [0x2c] },
  { name: 'hcall-debug', opcodes: [0x3c, 0x40, 0x44, 0x48, 0x4c, 0x50] },
  { name: 'hcall-vphn', opcodes: [0x2ec] },
  { name: 'hcall-multi-tce', opcodes: [0x138, 0x13c] },
  { name: 'hcall-hpt-resize', opcodes: [0x36c, 0x370] },
  { name: 'hcall-watchdog', opcodes: [0x45c] },
];

/** The function sets whose hcalls all exist. */
export function hypertasFunctions(has: (opcode: number) => boolean): string[] {
  return HYPERTAS_FUNCTION_SETS.filter((s) => s.opcodes.every(has)).map((s) => s.name);
}

export interface PseriesTreeConfig {
  readonly ramSize: number;
  readonly model: CpuModelInfo;
  /** Number of vCPUs (hardware threads); vCPU i has interrupt server i. */
  readonly nrCpus: number;
  /**
   * Threads per core (default 1): one cpu node per core, named and `reg`'d by its first
   * thread's server number, listing all its threads' servers (LoPAPR "ibm,ppc-interrupt-server#s").
   */
  readonly threadsPerCore?: number;
  /** log2 of the HPT size (ibm,pft-size). */
  readonly hptShift: number;
  /** Segment page sizes the MMU offers (ibm,segment-page-sizes). */
  readonly pageSizes: readonly SegmentPageSize[];
  readonly bootargs: string;
  readonly initrd?: { readonly start: number; readonly end: number };
  readonly rtas: {
    readonly base: number;
    readonly size: number;
    readonly tokens: readonly { readonly name: string; readonly token: number }[];
  };
  readonly hypertasFunctions: readonly string[];
  readonly interruptController: FdtNodeDescription;
  readonly vdevice: FdtNodeDescription;
  /** Path of the console device (linux,stdout-path). */
  readonly stdoutPath: string;
  /** Event interrupt sources (EPOW and hot-plug) in the XICS source space. */
  readonly eventIrqs: { readonly epow: number; readonly hotplug: number };
  /** Memory reservations (kernel, initrd, RTAS). */
  readonly memReserve: readonly { readonly address: number; readonly size: number }[];
  /** 32 bytes for /chosen/rng-seed (QEMU provides one so the guest has early entropy). */
  readonly rngSeed?: Uint8Array;
  /** H_RANDOM exists: describe /ibm,platform-facilities/ibm,random-v1 (QEMU's spapr-rng). */
  readonly randomSource?: boolean;
  /** PR mode: the /hypervisor node of the KVM paravirt interface. */
  readonly kvmParavirt?: boolean;
}

/** The `ibm,segment-page-sizes` cells for a page-size table (LoPAPR; Linux hash_utils.c). */
export function segmentPageSizesCells(sizes: readonly SegmentPageSize[]): number[] {
  const out: number[] = [];
  for (const s of sizes) {
    out.push(s.shift, s.slbEnc, s.actual.length);
    for (const a of s.actual) out.push(a.shift, a.penc);
  }
  return out;
}

function hi32(n: number): number {
  return Math.floor(n / 2 ** 32);
}

function lo32(n: number): number {
  return n % 2 ** 32;
}

export function buildPseriesTree(c: PseriesTreeConfig): FdtTree {
  const t = new FdtTree({ firstPhandle: 0x1000 });
  const root = t.root;
  root.setString('device_type', 'chrp');
  root.setString('model', 'IBM pSeries (emulated by ppcvm)');
  root.setString('compatible', 'qemu,pseries');
  root.setCells('#address-cells', 2);
  root.setCells('#size-cells', 2);

  // /chosen
  const chosen = root.addChild('chosen');
  chosen.setString('bootargs', c.bootargs);
  if (c.initrd) {
    chosen.setCells('linux,initrd-start', c.initrd.start);
    chosen.setCells('linux,initrd-end', c.initrd.end);
  }
  chosen.setString('linux,stdout-path', c.stdoutPath);
  chosen.setString('stdout-path', c.stdoutPath);
  // No client-architecture-support negotiation happened: an empty option vector 5
  // tells Linux to use the hash MMU and XICS (prom.c early_check_vec5).
  chosen.setBytes('ibm,architecture-vec-5', [0, 0]);
  if (c.rngSeed) chosen.setBytes('rng-seed', c.rngSeed);

  // /memory@0: all RAM in one node, so the whole of it is the RMA.
  const mem = root.addChild('memory@0');
  mem.setString('device_type', 'memory');
  mem.setCells('reg', 0, 0, hi32(c.ramSize), lo32(c.ramSize));
  mem.setCells('ibm,associativity', 4, 0, 0, 0, 0);

  // /cpus
  const cpus = root.addChild('cpus');
  cpus.setCells('#address-cells', 1);
  cpus.setCells('#size-cells', 0);
  const m = c.model;
  const threads = c.threadsPerCore ?? 1;
  for (let i = 0; i < c.nrCpus; i += threads) {
    const n = cpus.addChild(`${m.nodeName}@${i.toString(16)}`);
    n.setCells('reg', i);
    n.setString('device_type', 'cpu');
    n.setCells('cpu-version', m.pvr);
    n.setCells('d-cache-block-size', m.cacheLine);
    n.setCells('d-cache-line-size', m.cacheLine);
    n.setCells('i-cache-block-size', m.cacheLine);
    n.setCells('i-cache-line-size', m.cacheLine);
    n.setCells('d-cache-size', m.l1dSize);
    n.setCells('i-cache-size', m.l1iSize);
    n.setCells('d-cache-sets', m.cacheSets);
    n.setCells('i-cache-sets', m.cacheSets);
    n.setCells('timebase-frequency', TIMEBASE_FREQUENCY);
    n.setCells('clock-frequency', m.clockFrequency);
    n.setCells('slb-size', m.slbSize);
    n.setCells('ibm,slb-size', m.slbSize);
    n.setString('status', 'okay');
    n.setEmpty('64-bit');
    n.setCells('ibm,purr', 1);
    n.setCells('ibm,spurr', 1);
    // 256 MiB (2^28) and 1 TiB (2^40) segments.
    n.setCells('ibm,processor-segment-sizes', 28, 40, 0xffffffff, 0xffffffff);
    n.setCells('ibm,vmx', 2);
    n.setCells('ibm,dfp', 1);
    n.setCells('ibm,segment-page-sizes', ...segmentPageSizesCells(c.pageSizes));
    n.setBytes('ibm,pa-features', m.paFeatures);
    n.setCells('ibm,chip-id', 0);
    n.setCells('ibm,pft-size', 0, c.hptShift);
    const servers = Array.from({ length: Math.min(threads, c.nrCpus - i) }, (_, t) => i + t);
    n.setCells('ibm,ppc-interrupt-server#s', ...servers);
    // (server, global interrupt queue 0) pairs, one per thread (QEMU spapr_dt_cpu).
    n.setCells('ibm,ppc-interrupt-gserver#s', ...servers.flatMap((sv) => [sv, 0]));
  }

  // /rtas
  const rtas = root.addChild('rtas');
  rtas.setStrings('ibm,hypertas-functions', ...c.hypertasFunctions);
  rtas.setCells('ibm,associativity-reference-points', 4, 4, 2);
  rtas.setCells('ibm,max-associativity-domains', 4, 0, 0, 0, 1);
  rtas.setCells('rtas-size', c.rtas.size);
  rtas.setCells('rtas-error-log-max', RTAS_ERROR_LOG_MAX);
  rtas.setCells('rtas-event-scan-rate', 1);
  rtas.setEmpty('ibm,extended-os-term');
  // Highest hot-pluggable address (none: RAM end), reserved, LMB size, max cores.
  rtas.setCells(
    'ibm,lrdr-capacity',
    hi32(c.ramSize),
    lo32(c.ramSize),
    0,
    MEMORY_BLOCK_SIZE,
    Math.ceil(c.nrCpus / threads),
  );
  for (const { name, token } of c.rtas.tokens) rtas.setCells(name, token);
  rtas.setCells('linux,rtas-base', c.rtas.base);
  rtas.setCells('linux,rtas-entry', c.rtas.base);

  // /event-sources: the RTAS event interrupts (EPOW, hot-plug) as in QEMU's spapr_dt_events.
  const ev = root.addChild('event-sources');
  ev.setEmpty('interrupt-controller');
  ev.setCells('#interrupt-cells', 2);
  ev.setCells('interrupt-ranges', c.eventIrqs.epow, 1, c.eventIrqs.hotplug, 1);
  ev.addChild('epow-events').setCells('interrupts', c.eventIrqs.epow, 0);
  ev.addChild('hot-plug-events').setCells('interrupts', c.eventIrqs.hotplug, 0);

  root.addDescription(c.vdevice);
  root.addDescription(c.interruptController);

  if (c.randomSource) {
    const pf = root.addChild('ibm,platform-facilities');
    pf.setString('device_type', 'ibm,platform-facilities');
    pf.setCells('#address-cells', 1);
    pf.setCells('#size-cells', 0);
    // Linux's pseries rng.c looks for compatible "ibm,random" and then uses H_RANDOM.
    pf.addChild('ibm,random-v1').setString('compatible', 'ibm,random');
  }

  if (c.kvmParavirt) {
    const hv = root.addChild('hypervisor');
    hv.setStrings('compatible', 'linux,kvm');
    // The words Linux patches into epapr_hypercall_start (papr-notes B §1.9).
    hv.setCells('hcall-instructions', ...PR_HCALL_INSTRUCTIONS);
  }

  for (const r of c.memReserve) t.addMemReserve(r.address, r.size);
  t.bootCpuidPhys = 0;
  return t;
}
