/**
 * One vCPU's worker thread (`-accel hv,thread=multi`; ARCHITECTURE.md §3).
 *
 * It attaches to the machine's shared state — guest RAM, the HPT, XICS, the
 * CpuDomain and the control block (./control.ts) — builds its Cpu exactly as the
 * single-threaded machine does (../vcpu-cpu.ts) and runs it. "Real-mode" hcalls
 * are served here with no round trip: the page-table hcalls (with a TLB
 * shootdown of the other vCPUs before they return), XICS (IPIs and EOIs straight
 * into the shared presentation state), H_CEDE/H_PROD/H_CONFER, H_SET_MODE,
 * H_RANDOM, VPA registration, logical loads and stores, and console output
 * (H_PUT_TERM_CHAR into the ring). Everything else (VIO, RTAS) is an exit: the
 * request goes into this vCPU's mailbox and the worker waits for the main thread's
 * answer, still serving shootdowns and interrupts meanwhile.
 *
 * Idle (ceded, napping, RTAS-stopped, held) the worker sleeps in Atomics.wait on
 * its attention word until its decrementer is due or someone posts to it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  createHptHcalls,
  HashPageTable,
  type HptStorage,
  PageSizeTable,
  PSERIES_DEFAULT_PAGE_SIZES,
} from '@ppcvm/hpt-mmu';
import { GuestMemory, H, type HcallArgs, type LogCategory, type Logger } from '@ppcvm/machine-core';
import { type Cpu, CpuDomain, type CpuModelName, layout, PENDING, type StopReason } from '@ppcvm/ppc-cpu';
import { unpackTermChars, VIO_HCALL } from '@ppcvm/spapr-vio';
import { Xics, xicsHcalls } from '@ppcvm/xics';
import { CPU_MODELS } from '../cpu-models.js';
import { LPCR_AIL, LPCR_ILE, SPRN, vmmHcalls } from '../hcalls.js';
import { setGuestMsr } from '../msr.js';
import { seededRandom } from '../random.js';
import { CpuHcallArgs, HcallRouter } from '../router.js';
import { Symbolizer } from '../symbols.js';
import { createVcpuCpu, ENTRY_MSR_HI, ENTRY_MSR_LO, systemMmu } from '../vcpu-cpu.js';
import { DOORBELL_HYP, DOORBELL_PRIV, F, M, MB, MB_HCALL, RemoteVcpu, SmpControl, VATTN, W } from './control.js';

/** What the main thread hands each worker. */
export interface VcpuWorkerData {
  readonly index: number;
  readonly vcpus: number;
  readonly threads: number;
  readonly model: CpuModelName;
  readonly accel: 'hv' | 'pr';
  readonly ramSize: number;
  readonly ram: SharedArrayBuffer;
  readonly hpt: HptStorage;
  readonly xics: SharedArrayBuffer;
  readonly domain: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  readonly rtasBase: number;
  /** Unit address of the console vty (H_PUT_TERM_CHAR to it is served here). */
  readonly vtyReg: number;
  readonly logCategories: readonly LogCategory[];
  readonly jit?: boolean;
  /** The main thread's performance.timeOrigin: every vCPU reads one time base. */
  readonly timeOrigin: number;
  /** Instructions per run slice. */
  readonly slice: number;
  /** The kernel ELF, for `-d exec` / `-d in_asm` symbols. */
  readonly kernel?: Uint8Array;
  /** Instructions this vCPU ran before (its count survives reboots). */
  readonly retired: number;
  /** -seed: H_RANDOM from a seeded generator (one stream per vCPU) instead of the host's. */
  readonly seed?: number;
}

/** Messages a worker posts to the main thread. */
export type VcpuWorkerMessage =
  | { readonly kind: 'log'; readonly category: LogCategory; readonly message: string }
  | { readonly kind: 'error'; readonly message: string };

const data = workerData as VcpuWorkerData;
const port = parentPort!;
const me = data.index;
const GPR = layout.GPR;

const categories = new Set(data.logCategories);
const logger: Logger = {
  enabled: (c) => categories.has(c),
  log: (category, message) => port.postMessage({ kind: 'log', category, message } satisfies VcpuWorkerMessage),
};
const fail = (message: string) => port.postMessage({ kind: 'error', message } satisfies VcpuWorkerMessage);

const control = new SmpControl(data.control, data.vcpus);
const domain = CpuDomain.attach(data.domain);
const memory = new GuestMemory(data.ram, data.ramSize);
const hpt = HashPageTable.attach(data.hpt);
const pageSizes = new PageSizeTable(PSERIES_DEFAULT_PAGE_SIZES);
const model = CPU_MODELS[data.model];
const handles = Array.from({ length: data.vcpus }, (_, i) => new RemoteVcpu(i, control, domain));

/** One time base for every thread: the main thread's clock, from its time origin. */
const originDelta = performance.timeOrigin - data.timeOrigin;
const timebase = () => Math.floor((performance.now() + originDelta) * 512_000);

/**
 * The XICS output of `server` changed: tell its vCPU to look. The level itself is read by the
 * vCPU from XICS (its output flag, updated under the ICP lock), not passed along: two changes
 * racing from different threads could otherwise leave the older level last.
 */
const postExternal = (server: number) => {
  if (server >= 0 && server < data.vcpus) domain.post(server, VATTN.EXT);
};
const xics = Xics.attach(data.xics, { logger, setExternalPending: postExternal });

/** H_RANDOM and darn: with -seed one seeded stream per vCPU, else the host's CSPRNG. */
const random: (bytes: Uint8Array) => void =
  data.seed !== undefined
    ? seededRandom((data.seed + Math.imul(0x9e3779b9, me + 1)) >>> 0)
    : (b) => crypto.getRandomValues(b);

let cpu!: Cpu;
const onRamWrite = (address: number, length: number) => {
  cpu.invalidateCode(address, length);
  domain.invalidateRange(address, length);
};

const hptHcalls = createHptHcalls({
  hpt,
  pageSizes,
  log: logger,
  isRam: (hi, lo) => hi * 2 ** 32 + (lo >>> 0) < data.ramSize,
  onInvalidate: {
    // Every change is followed by one sync before the hcall returns: shoot down there.
    invalidateHpte: () => {},
    invalidateAll: () => {},
    sync: () => cpu.shootdownTlb(),
  },
});
const router = new HcallRouter(
  [
    xicsHcalls(xics, { logger, timebase: () => BigInt(timebase()) }),
    // Resizing swaps the HPT storage, which the other workers could not follow: not offered.
    { ...hptHcalls.table, entries: hptHcalls.table.entries.filter((e) => !e.name.startsWith('H_RESIZE_HPT')) },
    vmmHcalls({
      memory,
      logger,
      model,
      vcpus: handles,
      cpuOf: () => cpu,
      fwnmiSystemReset: () => Atomics.load(control.m, M.FWNMI),
      rtasBase: data.rtasBase,
      random,
      onRamWrite,
    }),
  ],
  logger,
);

// ---- exits to the main thread -------------------------------------------------------------------

/** Serve an hcall on the main thread: registers r3..r12 through the mailbox; wait for the answer. */
function exitHcall(c: Cpu): void {
  const words = control.words;
  const base = control.at(me, W.MB_REGS);
  const s = c.s;
  for (let r = 0; r < 10; r++) {
    words[base + 2 * r] = s[GPR + 2 * (3 + r)]!;
    words[base + 2 * r + 1] = s[GPR + 2 * (3 + r) + 1]!;
  }
  control.set64(me, W.MB_LPCR_LO, c.getSpr(SPRN.LPCR));
  control.store(me, W.MB_KIND, MB_HCALL);
  control.store(me, W.MB_STATUS, MB.REQUEST);
  control.notifyMain();
  while (control.load(me, W.MB_STATUS) !== MB.DONE) {
    if (Atomics.load(control.m, M.STOP) === 1) return;
    if (Atomics.load(domain.attention, me) !== 0) c.serviceAttention();
    else domain.sleep(me, 100);
  }
  for (let r = 0; r < 10; r++) {
    s[GPR + 2 * (3 + r)] = words[base + 2 * r]!;
    s[GPR + 2 * (3 + r) + 1] = words[base + 2 * r + 1]!;
  }
  control.store(me, W.MB_STATUS, MB.IDLE);
  if (Atomics.exchange(words, control.at(me, W.STOP_SELF), 0) !== 0) {
    // RTAS stop-self: QEMU clears the MSR so no decrementer can wake the stopped thread.
    setGuestMsr(c, 0, 0);
    c.requestStop({ kind: 'requested', reason: 'stop-self' });
  }
}

const args = { current: null as CpuHcallArgs | null };

function hypercall(c: Cpu): void {
  const a = (args.current ??= new CpuHcallArgs(c, me));
  const s = c.s;
  const op = s[GPR + 7] === 0 ? s[GPR + 6]! >>> 0 : -1;
  if (op === VIO_HCALL.H_PUT_TERM_CHAR && putTermChar(a)) {
    s[GPR + 6] = H.SUCCESS;
    s[GPR + 7] = 0;
    return;
  }
  if (op >= 0 && router.has(op)) router.dispatch(a);
  else exitHcall(c);
}

/**
 * H_PUT_TERM_CHAR to the console vty: the bytes go into the ring, no answer awaited. Anything
 * the fast path does not own (other units, bad lengths) goes to the main thread, which has the
 * VIO bus and its checks.
 */
function putTermChar(a: HcallArgs): boolean {
  const reg = a.arg(0);
  const len = a.arg(1);
  if ((reg !== BigInt(data.vtyReg) && reg !== 0n) || len > 16n) return false;
  control.writeConsole(unpackTermChars(a.arg(2), a.arg(3), Number(len)));
  return true;
}

/** msgsndp / msgsnd (Book III-S §5.9.2): a doorbell for a sibling thread or a PIR. */
function doorbell(kind: 'privileged' | 'hypervisor', target: number): void {
  let t: number;
  if (kind === 'privileged') {
    if (target >= data.threads) return;
    t = me - (me % data.threads) + target;
  } else t = target;
  if (t < 0 || t >= data.vcpus) return;
  Atomics.or(control.words, control.at(t, W.DOORBELLS), kind === 'privileged' ? DOORBELL_PRIV : DOORBELL_HYP);
  domain.post(t, VATTN.DOORBELL);
}

/** Requests other threads posted to this vCPU (CpuHooks.attention). */
function attention(c: Cpu, bits: number): void {
  if (bits & VATTN.EXT) c.setExternalInterrupt(xics.externalPending(me));
  if (bits & VATTN.DOORBELL) {
    const d = Atomics.exchange(control.words, control.at(me, W.DOORBELLS), 0);
    if (d & DOORBELL_PRIV) c.setDoorbell(true);
    if (d & DOORBELL_HYP) c.setHDoorbell(true);
  }
  if (bits & VATTN.LPCR) {
    const value = control.get64(me, W.LPCR_VALUE_LO);
    const mask = control.get64(me, W.LPCR_MASK_LO);
    c.setSpr(SPRN.LPCR, (c.getSpr(SPRN.LPCR) & ~mask) | (value & mask));
  }
  if (bits & VATTN.START) start(c);
  if (bits & VATTN.SRESET && control.load(me, W.STATE) === 1) {
    c.halted = false;
    c.signalSystemReset();
  }
  // H_PROD ends a cede (the flag itself is consumed by the next H_CEDE / H_CONFER).
  if (bits & VATTN.WAKE && control.load(me, W.PROD) !== 0) c.halted = false;
  if (bits & VATTN.STOP) c.requestStop({ kind: 'requested', reason: 'stop' });
}

/** RTAS start-cpu (or the boot entry): enter at START_PC with r3 (and r4, r5 for the boot CPU). */
function start(c: Cpu): void {
  setGuestMsr(c, ENTRY_MSR_HI, ENTRY_MSR_LO);
  c.s[layout.PC] = control.load(me, W.START_PC_LO);
  c.s[layout.PC + 1] = control.load(me, W.START_PC_HI);
  c.setGpr(3, control.get64(me, W.START_R3_LO));
  if (control.load(me, W.START_BOOT) !== 0) {
    c.setGpr(4, control.get64(me, W.START_R4_LO));
    c.setGpr(5, 0n);
  } else {
    // The new thread takes interrupts like its siblings: LPCR[ILE] and [AIL] of the caller (QEMU rtas_start_cpu).
    const mask = LPCR_ILE | LPCR_AIL;
    c.setSpr(SPRN.LPCR, (c.getSpr(SPRN.LPCR) & ~mask) | (control.get64(me, W.START_LPCR_LO) & mask));
  }
  c.halted = false;
}

cpu = createVcpuCpu({
  index: me,
  threads: data.threads,
  model,
  accel: data.accel,
  memory,
  hpt,
  pageSizes,
  mmu: systemMmu,
  hooks: {
    hypercall,
    doorbell: (_c, kind, target) => doorbell(kind, target),
    attention,
    ...(data.seed !== undefined ? { random } : {}),
  },
  logger,
  symbols: () => (data.kernel ? Symbolizer.fromElf(data.kernel) : Symbolizer.empty()),
  ...(data.jit !== undefined ? { jit: data.jit } : {}),
  timebase,
  domain,
});

// ---- the run loop -------------------------------------------------------------------------------

function handleStop(stop: StopReason): void {
  switch (stop.kind) {
    case 'budget':
    case 'requested':
    case 'halted':
    case 'breakpoint':
      return;
    case 'illegal':
      if (logger.enabled('guest_errors')) {
        logger.log(
          'guest_errors',
          `cpu ${me}: illegal instruction 0x${(stop.word >>> 0).toString(16)} at 0x${stop.pc.toString(16)}`,
        );
      }
      cpu.illegalInstruction();
      return;
    case 'unimplemented':
      throw new Error(
        `cpu ${me}: instruction ${stop.mnemonic} (0x${(stop.word >>> 0).toString(16).padStart(8, '0')}) at 0x${stop.pc.toString(16)} is not implemented`,
      );
    default:
      throw new Error(`cpu ${me}: unexpected CPU stop '${stop.kind}' in system mode`);
  }
}

/** What the monitor's `info cpus` shows of this vCPU: PC, instruction count, halted. */
function publish(halted: 0 | 1): void {
  control.store(me, W.PC_LO, cpu.s[layout.PC]!);
  control.store(me, W.PC_HI, cpu.s[layout.PC + 1]!);
  control.setF64(me, F.ICOUNT, data.retired + cpu.icount);
  control.store(me, W.HALTED, halted);
}

function loop(): void {
  const m = control.m;
  for (;;) {
    const stop = Atomics.load(m, M.STOP);
    if (stop === 1) return;
    if (stop !== 0 || control.load(me, W.STATE) !== 1) {
      // Held (monitor) or RTAS-stopped: serve requests (start-cpu among them) and sleep.
      publish(1);
      if (Atomics.load(domain.attention, me) !== 0) cpu.serviceAttention();
      else domain.sleep(me, 1000);
      continue;
    }
    if (cpu.halted) {
      // Ceded or napping: sleep until the decrementer or a post (IPI, device interrupt, H_PROD).
      cpu.serviceAttention();
      cpu.pending &= ~PENDING.HDECREMENTER;
      if (cpu.halted && !cpu.hasPendingInterrupt()) {
        publish(1);
        const ticks = cpu.ticksUntilTimer();
        if (ticks > 0) domain.sleep(me, Number.isFinite(ticks) ? Math.min(ticks / 512_000, 1000) : 1000);
      }
    }
    control.store(me, W.HALTED, 0);
    const r = cpu.run(data.slice);
    // A virtual-hypervisor partition never takes HDEC (see Machine.runVcpu).
    cpu.pending &= ~PENDING.HDECREMENTER;
    publish(0);
    handleStop(r);
  }
}

domain.setAlive(me, true);
Atomics.add(control.m, M.LIVE, 1);
try {
  loop();
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
} finally {
  control.setF64(me, F.ICOUNT, data.retired + cpu.icount);
  domain.setAlive(me, false);
  Atomics.sub(control.m, M.LIVE, 1);
  Atomics.notify(control.m, M.LIVE);
}
