/**
 * thread=multi: hand-written bare-metal guests whose vCPUs run on worker threads at the same
 * time and meet at the mechanisms SMP Linux relies on — load-and-reserve / store-conditional
 * on shared RAM, XICS IPIs, SMT doorbells, TLB shootdown after H_REMOVE and coherence of
 * code another vCPU rewrote. Each guest records what it saw in RAM and powers off; where it
 * costs little the same guest also runs with thread=single for comparison. In multi mode
 * `machine.vcpus[i].cpu` are not the running CPUs: results come from guest memory.
 */
import {
  defaultHptShift,
  encodeHpteR,
  encodeHpteV,
  encodeSlbEsid,
  encodeSlbVsid,
  PageSizeTable,
  PSERIES_DEFAULT_PAGE_SIZES,
  primaryHash,
  ptegIndex,
} from '@ppcvm/hpt-mmu';
import { describe, expect, it } from 'vitest';
import { KERNEL_LOAD_ADDR, type Machine, type MachineOptions } from '../src/index.js';
import { Asm } from './support/asm.js';
import { bootGuest, RAM, rtasCall, SCRATCH } from './support/guest.js';

type Thread = 'single' | 'multi';

/** Per-vCPU save areas of the interrupt handlers (256 bytes each, indexed by PIR). */
const SAVE = 0x180000;
/** Interrupt handler bodies (the vectors branch here). */
const HANDLERS = 0x10000;
/** Shared words the vCPUs work on (away from SCRATCH, where the results go). */
const DATA = 0x110000;
/** Polls a waiting vCPU makes before it gives up and reports (a lost wakeup must not hang the test). */
const POLLS = 100_000_000n;
/** Instructions thread=single may run before the test calls the guest stuck. */
const SINGLE_BUDGET = 400_000_000;

const SPR = {
  DSISR: 18,
  DAR: 19,
  DEC: 22,
  SRR0: 26,
  SRR1: 27,
  SPRG0: 272,
  SPRG1: 273,
  SPRG2: 274,
  TIR: 446,
  PIR: 1023,
};

let unique = 0;
const fresh = (what: string) => `${what}_${unique++}`;

/** An assembler that refuses a label defined twice (the second would silently win). */
function newAsm(): Asm {
  const a = new Asm();
  const seen = new Set<string>();
  const label = a.label.bind(a);
  a.label = (name: string) => {
    if (seen.has(name)) throw new Error(`label ${name} defined twice`);
    seen.add(name);
    return label(name);
  };
  return a;
}

function add(a: Asm, rt: number, ra: number, rb: number): Asm {
  return a.i('add', { rt, ra, rb });
}

function addi(a: Asm, rt: number, ra: number, si: number): Asm {
  return a.i('addi', { rt, ra, si });
}

/** cmpd cr0, ra, rb */
function cmpd(a: Asm, ra: number, rb: number): Asm {
  return a.i('cmp', { bf: 0, l: 1, ra, rb });
}

/** srdi ra, rs, n */
function srdi(a: Asm, ra: number, rs: number, n: number): Asm {
  return a.i('rldicl', { ra, rs, sh: 64 - n, mb: n });
}

function blr(a: Asm): Asm {
  return a.i('bclr', { bo: 20, bi: 0, bh: 0 });
}

/**
 * Atomically add r`inc` to the word (size 4) or doubleword (size 8) at 0(r`ra`): load and
 * reserve, add, store conditional, again until the store succeeds (Book II §4.4.2). Clobbers r5.
 */
function atomicAdd(a: Asm, size: 4 | 8, ra: number, inc: number): Asm {
  const retry = fresh('retry');
  a.label(retry);
  a.i(size === 4 ? 'lwarx' : 'ldarx', { rt: 5, ra, rb: 0, eh: 0 });
  add(a, 5, 5, inc);
  a.i(size === 4 ? 'stwcx.' : 'stdcx.', { rs: 5, ra, rb: 0 });
  return a.bne(retry);
}

/**
 * Spin until the doubleword at 0(r`ra`) equals r`want`; after {@link POLLS} polls give up and
 * branch to `timeout`. Clobbers r5, r6.
 */
function waitFor(a: Asm, ra: number, want: number, timeout: string): Asm {
  const poll = fresh('poll');
  const done = fresh('done');
  a.li64(6, POLLS);
  a.label(poll);
  a.ld(5, 0, ra);
  cmpd(a, 5, want).beq(done);
  addi(a, 6, 6, -1).cmpdi(6, 0).bne(poll);
  a.b(timeout);
  return a.label(done);
}

/** Store r`rs` at SCRATCH + 8 * slot (clobbers r7). */
function record(a: Asm, rs: number, slot: number): Asm {
  return a.li64(7, BigInt(SCRATCH)).std(rs, 8 * slot, 7);
}

/** RTAS power-off (clobbers r3, r9, r10, r31). */
function powerOff(a: Asm): Asm {
  rtasCall(a, 'power-off', [0xffffffff, 0xffffffff], 1);
  return a.hang();
}

/** Idle for good: H_CEDE in a loop (a decrementer interrupt, if one comes, returns here). */
function park(a: Asm): Asm {
  const l = fresh('park');
  a.label(l);
  a.hcall(0xe0);
  return a.b(l);
}

/**
 * Handler prologue: r30 and r31 go to SPRG0/1, r31 = this vCPU's save area (SAVE + 256 * PIR),
 * and r0, r3..r12 and CR are saved there, so the handler may make hcalls and clobber them.
 */
function enterHandler(h: Asm): Asm {
  h.mtspr(SPR.SPRG0, 31).mtspr(SPR.SPRG1, 30);
  h.mfspr(31, SPR.PIR).i('rldicr', { ra: 31, rs: 31, sh: 8, me: 55 });
  h.li64(30, BigInt(SAVE));
  add(h, 31, 31, 30);
  for (const r of [0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) h.std(r, 8 * r, 31);
  h.i('mfcr', { rt: 3 }).std(3, 8 * 13, 31);
  return h;
}

/** Handler epilogue: everything {@link enterHandler} saved comes back, then rfid. */
function leaveHandler(h: Asm): Asm {
  h.ld(3, 8 * 13, 31).i('mtcrf', { fxm: 0xff, rs: 3 });
  for (const r of [0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) h.ld(r, 8 * r, 31);
  h.mfspr(30, SPR.SPRG1).mfspr(31, SPR.SPRG0);
  return h.i('rfid');
}

/**
 * Decrementer (0x900): rearm it as far away as it goes and return. With thread=multi the time
 * base is the host's, so a ceding vCPU may see its decrementer fire if a test runs for seconds.
 */
function decrementerHandler(): Asm {
  const h = newAsm();
  h.mtspr(SPR.SPRG2, 3);
  h.li64(3, 0x7fffffffn).mtspr(SPR.DEC, 3);
  h.mfspr(3, SPR.SPRG2);
  return h.i('rfid');
}

/** Build the machine around `a` with handlers at `vectors`, run it to power-off in `thread` mode. */
async function runGuest(
  a: Asm,
  thread: Thread,
  opts: Partial<MachineOptions>,
  vectors: [vector: number, handler: Asm][] = [],
  prepare: (m: Machine) => void = () => {},
): Promise<{ machine: Machine; logs: string[] }> {
  // Worker threads read the host time base (bootGuest's fixed one cannot cross to them).
  const g = bootGuest(a, { ...opts, thread, ...(thread === 'multi' ? { timebase: undefined } : {}) });
  expect(g.machine.threadMode).toBe(thread);
  // Each vector branches to its handler's body, which may be longer than the 0x100 bytes a vector has.
  let body = HANDLERS;
  for (const [at, h] of [[0x900, decrementerHandler()] as const, ...vectors]) {
    const code = h.bytes();
    g.machine.memory.write(body, code);
    g.machine.memory.write(
      at,
      newAsm()
        .i('b', { li: body - at })
        .bytes(),
    );
    body += Math.ceil(code.length / 0x100) * 0x100;
  }
  prepare(g.machine);
  if (thread === 'single') {
    expect(g.machine.runFor(SINGLE_BUDGET)).toEqual({ kind: 'exit', exit: { kind: 'power-off' } });
  } else {
    expect(await g.machine.run()).toEqual({ kind: 'power-off' });
  }
  return { machine: g.machine, logs: g.logs };
}

const slot = (m: Machine, i: number) => m.memory.read64BE(SCRATCH + 8 * i);

// ---- 1. load-and-reserve / store-conditional ----------------------------------------------------

describe('lwarx/stwcx. and ldarx/stdcx. between vCPUs', () => {
  const N = 200_000;
  const WORD = DATA;
  const DWORD = DATA + 0x100;
  const DONE = DATA + 0x200;
  /** Added to the doubleword per iteration: both halves count, so a torn or lost update shows. */
  const DINC = 0x0000_0001_0000_0001n;

  function guest(vcpus: number): Asm {
    const a = newAsm();
    a.b('primary');
    // Every vCPU, the primary included, runs `work` with r3 = its index.
    a.label('work');
    a.mr(24, 3);
    a.li64(20, BigInt(WORD)).li64(21, BigInt(DWORD)).li64(22, BigInt(DONE));
    a.li(25, 1).li64(26, DINC);
    a.li64(23, BigInt(N));
    a.label('loop');
    atomicAdd(a, 4, 20, 25);
    atomicAdd(a, 8, 21, 26);
    addi(a, 23, 23, -1).cmpdi(23, 0).bne('loop');
    // Then "done", atomically as well.
    atomicAdd(a, 4, 22, 25);
    a.cmpdi(24, 0).beq('primary_done');
    park(a);

    a.label('primary');
    for (let i = 1; i < vcpus; i++) {
      rtasCall(a, 'start-cpu', [i, KERNEL_LOAD_ADDR + 4, i], 1);
      record(a, 3, 16 + i); // start-cpu status
    }
    a.li(3, 0).b('work');
    a.label('primary_done');
    // Wait for every vCPU's "done" (a word: lwz), then report both counters.
    a.li64(20, BigInt(DONE)).li(21, vcpus);
    a.label('wait');
    a.lwz(5, 0, 20);
    cmpd(a, 5, 21).bne('wait');
    a.li64(20, BigInt(WORD)).lwz(5, 0, 20);
    record(a, 5, 0);
    a.li64(20, BigInt(DWORD)).ld(5, 0, 20);
    record(a, 5, 1);
    powerOff(a);
    return a;
  }

  it.each([
    ['multi', 2],
    ['multi', 4],
    ['single', 2],
  ] as const)('no update is lost (thread=%s, %i vCPUs)', async (thread, vcpus) => {
    const { machine, logs } = await runGuest(guest(vcpus), thread, { smp: vcpus });
    for (let i = 1; i < vcpus; i++) expect(slot(machine, 16 + i), `start-cpu ${i}`).toBe(0n);
    expect(Number(slot(machine, 0))).toBe(N * vcpus);
    expect(slot(machine, 1)).toBe(BigInt(N * vcpus) * DINC);
    expect(logs).toEqual([]);
  });
});

// ---- 2. XICS IPIs ---------------------------------------------------------------------------------
// LoPAPR interrupt architecture: H_IPI stores a server's MFRR; the ICP presents the IPI (XISR 2)
// while MFRR is more favoured than CPPR; H_XIRR accepts it, H_EOI restores CPPR (papr-notes Part A §1).

describe('XICS IPIs between vCPU workers', () => {
  const K = 200;
  const READY = DATA;
  const ACK = DATA + 0x100;
  const SPURIOUS = DATA + 0x200;
  const ERRORS = DATA + 0x300;
  const H_XIRR = 0x74;
  const H_EOI = 0x64;
  const H_CPPR = 0x68;
  const H_IPI = 0x6c;
  const H_IPOLL = 0x70;
  const IPI_PRIORITY = 5;

  /** Bump the doubleword at `addr` (only one vCPU writes it; clobbers r5, r6). */
  function bump(a: Asm, addr: number): Asm {
    return a.li64(6, BigInt(addr)).ld(5, 0, 6).i('addi', { rt: 5, ra: 5, si: 1 }).std(5, 0, 6);
  }

  /** Count a non-zero hcall status in ERRORS. */
  function checkStatus(a: Asm): Asm {
    const ok = fresh('ok');
    a.cmpdi(3, 0).beq(ok);
    bump(a, ERRORS);
    return a.label(ok);
  }

  /**
   * External interrupt (0x500), as Linux's icp-hv driver takes an IPI: accept (H_XIRR), clear
   * this server's MFRR (H_IPI 0xff) before acknowledging, EOI with the XIRR read.
   */
  function externalHandler(): Asm {
    const h = enterHandler(newAsm());
    h.hcall(H_XIRR);
    checkStatus(h);
    h.std(4, 8 * 14, 31);
    // XISR (the low 24 bits) must name the IPI (2); anything else is counted.
    h.i('rldicl', { ra: 5, rs: 4, sh: 0, mb: 40 }).cmpdi(5, 2).beq('ipi');
    bump(h, SPURIOUS);
    h.label('ipi');
    h.mfspr(4, SPR.PIR).li(5, 0xff).hcall(H_IPI);
    checkStatus(h);
    // Acknowledge before the EOI: the sender's next IPI then finds CPPR still at the IPI's
    // priority, waits in MFRR, and must be presented by the EOI.
    bump(h, ACK);
    h.ld(4, 8 * 14, 31).hcall(H_EOI);
    checkStatus(h);
    return leaveHandler(h);
  }

  /**
   * Both IPI guests start alike: vCPU 1 opens its CPPR, says so and cedes until interrupts come;
   * vCPU 0 starts it, records start-cpu's status and waits for "ready" (r22 = 0 until then,
   * the report's "never ready"; on a timeout it branches to 'lost').
   */
  function ipiGuestStart(): Asm {
    const a = newAsm();
    a.b('primary');
    a.li(4, 0xff).hcall(H_CPPR);
    checkStatus(a);
    a.li64(20, BigInt(READY)).li(5, 1).std(5, 0, 20);
    park(a);

    a.label('primary');
    rtasCall(a, 'start-cpu', [1, KERNEL_LOAD_ADDR + 4, 0], 1);
    record(a, 3, 5);
    a.li64(20, BigInt(READY)).li(21, 1).li(22, 0);
    waitFor(a, 20, 21, 'lost');
    return a;
  }

  function guest(): Asm {
    // r22: the IPI being waited for (0: vCPU 1's "ready").
    const a = ipiGuestStart();
    a.li64(20, BigInt(ACK)).li(23, K);
    a.label('send');
    a.li(4, 1).li(5, IPI_PRIORITY).hcall(H_IPI);
    checkStatus(a);
    addi(a, 22, 22, 1);
    waitFor(a, 20, 22, 'lost');
    cmpd(a, 22, 23).bne('send');
    a.li(22, -1); // no IPI was lost
    a.label('lost');
    record(a, 22, 2);
    a.li(4, 1).hcall(H_IPOLL); // what server 1 holds now: XIRR in r4, MFRR in r5
    record(a, 4, 3);
    record(a, 5, 4);
    a.li64(20, BigInt(ACK)).ld(5, 0, 20);
    record(a, 5, 0);
    a.li64(20, BigInt(SPURIOUS)).ld(5, 0, 20);
    record(a, 5, 1);
    a.li64(20, BigInt(ERRORS)).ld(5, 0, 20);
    record(a, 5, 6);
    powerOff(a);
    return a;
  }

  /**
   * Racing variant: vCPU 0 sends IPIs back to back, each more favoured than the last (5, 4, .. 1,
   * again), so many arrive while vCPU 1 is between accepting one and its EOI — XICS raises server
   * 1's output from vCPU 0's thread while vCPU 1's thread lowers it. IPIs may merge; none may be
   * lost: after the storm one more IPI must still be taken.
   */
  function stormGuest(rounds: number): Asm {
    // r22 for the report: 0 vCPU 1 never said it was ready, 1 the last IPI was not taken.
    const a = ipiGuestStart();
    a.li64(23, BigInt(rounds));
    a.label('round');
    for (let p = 5; p >= 1; p--) a.li(4, 1).li(5, p).hcall(H_IPI);
    addi(a, 23, 23, -1).cmpdi(23, 0).bne('round');
    // The last word: one more IPI, which vCPU 1 must acknowledge (ACK moves past what it was).
    a.li64(20, BigInt(ACK)).ld(21, 0, 20);
    a.li(4, 1).li(5, IPI_PRIORITY).hcall(H_IPI);
    a.li64(6, POLLS);
    a.label('poll');
    a.ld(5, 0, 20);
    cmpd(a, 5, 21).bne('acked');
    addi(a, 6, 6, -1).cmpdi(6, 0).bne('poll');
    a.li(22, 1).b('lost');
    a.label('acked');
    a.li(22, -1);
    a.label('lost');
    record(a, 22, 2);
    a.li(4, 1).hcall(H_IPOLL);
    record(a, 4, 3);
    record(a, 5, 4);
    a.li64(20, BigInt(ACK)).ld(5, 0, 20);
    record(a, 5, 0);
    a.li64(20, BigInt(SPURIOUS)).ld(5, 0, 20);
    record(a, 5, 1);
    a.li64(20, BigInt(ERRORS)).ld(5, 0, 20);
    record(a, 5, 6);
    powerOff(a);
    return a;
  }

  it.each(['multi', 'single'] as const)('a storm of IPIs loses no wakeup (thread=%s)', async (thread) => {
    const rounds = 20_000;
    const { machine, logs } = await runGuest(stormGuest(rounds), thread, { smp: 2 }, [[0x500, externalHandler()]]);
    expect(slot(machine, 5), 'start-cpu').toBe(0n);
    expect(
      { lostAt: BigInt.asIntN(64, slot(machine, 2)), xirr: slot(machine, 3), mfrr: slot(machine, 4) },
      'lost IPI',
    ).toEqual({ lostAt: -1n, xirr: 0xff000000n, mfrr: 0xffn });
    expect(slot(machine, 0)).toBeGreaterThan(0n);
    expect(slot(machine, 1), 'interrupts that were no IPI').toBe(0n);
    expect(slot(machine, 6), 'hcall errors').toBe(0n);
    expect(logs).toEqual([]);
  });

  it.each(['multi', 'single'] as const)(
    `vCPU 1 cedes and takes every one of ${K} IPIs from vCPU 0 at 0x500 (thread=%s)`,
    async (thread) => {
      const { machine, logs } = await runGuest(guest(), thread, { smp: 2 }, [[0x500, externalHandler()]]);
      expect(slot(machine, 5), 'start-cpu').toBe(0n);
      // -1: the sender never waited in vain; otherwise the IPI it waited for, and what XICS held.
      expect(
        { lostAt: BigInt.asIntN(64, slot(machine, 2)), xirr: slot(machine, 3), mfrr: slot(machine, 4) },
        'lost IPI',
      ).toEqual({ lostAt: -1n, xirr: 0xff000000n, mfrr: 0xffn });
      expect(slot(machine, 0)).toBe(BigInt(K));
      expect(slot(machine, 1), 'interrupts that were no IPI').toBe(0n);
      expect(slot(machine, 6), 'hcall errors').toBe(0n);
      expect(logs).toEqual([]);
    },
  );
});

// ---- 3. directed privileged doorbells between SMT siblings ----------------------------------------
// Book III-S §5.9.2: msgsndp sets the target thread's DPDES bit, a directed privileged doorbell
// interrupt (0xa00) while MSR[EE] = 1; msgclrp clears it.

describe('msgsndp doorbells between SMT siblings on worker threads', () => {
  const K = 200;
  const READY = DATA;
  const ACK = DATA + 0x100;
  /** msgsndp/msgclrp RB: message type 5 (privileged doorbell) in RB[32:36], target TIR in RB[57:63] (Book III-S §5.9.2). */
  const DBELL = 5 << 27;

  /** Directed privileged doorbell (0xa00): clear it first, as Linux does, so a later one is not lost; then acknowledge. */
  function doorbellHandler(): Asm {
    const h = enterHandler(newAsm());
    h.li64(4, BigInt(DBELL)).i('msgclrp', { rb: 4 });
    h.li64(6, BigInt(ACK)).ld(5, 0, 6);
    addi(h, 5, 5, 1).std(5, 0, 6);
    return leaveHandler(h);
  }

  function guest(): Asm {
    const a = newAsm();
    a.b('primary');
    // Thread 1: report its TIR and that it is ready, then cede; each doorbell wakes it.
    a.mfspr(5, SPR.TIR);
    record(a, 5, 6);
    a.li64(20, BigInt(READY)).li(5, 1).std(5, 0, 20);
    park(a);

    a.label('primary');
    rtasCall(a, 'start-cpu', [1, KERNEL_LOAD_ADDR + 4, 0], 1);
    record(a, 3, 5);
    // r22: the doorbell being waited for (0: thread 1's "ready").
    a.li64(20, BigInt(READY)).li(21, 1).li(22, 0);
    waitFor(a, 20, 21, 'lost');
    a.li64(20, BigInt(ACK)).li(23, K);
    a.li64(24, BigInt(DBELL | 1));
    a.label('send');
    a.i('msgsndp', { rb: 24 });
    addi(a, 22, 22, 1);
    waitFor(a, 20, 22, 'lost');
    cmpd(a, 22, 23).bne('send');
    a.li(22, -1);
    a.label('lost');
    record(a, 22, 2);
    a.ld(5, 0, 20);
    record(a, 5, 0);
    powerOff(a);
    return a;
  }

  it.each(['multi', 'single'] as const)(
    `thread 1 takes all ${K} doorbells from thread 0 at 0xa00 (thread=%s)`,
    async (thread) => {
      const { machine, logs } = await runGuest(guest(), thread, { smp: 2, threads: 2, cpu: 'power8' }, [
        [0xa00, doorbellHandler()],
      ]);
      expect(slot(machine, 5), 'start-cpu').toBe(0n);
      expect(slot(machine, 6), 'TIR of vCPU 1').toBe(1n);
      expect(BigInt.asIntN(64, slot(machine, 2)), 'doorbell the sender waited for in vain (-1: none)').toBe(-1n);
      expect(slot(machine, 0)).toBe(BigInt(K));
      expect(logs).toEqual([]);
    },
  );
});

// ---- 4. TLB shootdown -----------------------------------------------------------------------------
// H_REMOVE invalidates the HPTE and, as KVM HV does with tlbie (papr-notes Part B §2), makes the removal
// complete on every processor before it returns: Book III-S §5.10.1, after tlbie; tlbsync;
// ptesync no processor uses the old translation.

describe("H_REMOVE shoots down the other vCPU worker's TLB", () => {
  const sizes = new PageSizeTable(PSERIES_DEFAULT_PAGE_SIZES);
  const hptShift = defaultHptShift(RAM);
  const VSID = 0x123n;
  /** One 256 MiB segment at 0x1000_0000: the flag page A, the progress page C, victims B[0..R). */
  const SEG = 0x10000000n;
  const page = (i: number) => ({ ea: SEG + BigInt(i) * 0x1000n, ra: 0x300000n + BigInt(i) * 0x1000n });
  const A = page(0);
  const C = page(1);
  /** Victim pages, removed one after the other. */
  const R = 8;
  const B = Array.from({ length: R }, (_, r) => page(2 + r));
  const MAGIC = 0x5eed_f00d_cafe_0000n;
  const hpte = (p: { ea: bigint; ra: bigint }) => ({
    ptex: BigInt(ptegIndex(primaryHash(VSID, p.ea, 12, '256M'), hptShift) * 8),
    pteh: encodeHpteV({ vsid: VSID, ea: p.ea, segment: '256M', basePageShift: 12 }),
    ptel: encodeHpteR({ ra: p.ra, basePageShift: 12, pp: 2 }, sizes),
  });
  const MSR_DR = 0x8000000000001010n; // SF | ME | DR
  /** Reads of the victim in a row before each look at the flag. */
  const ROW = 48;
  /** The slots H_ENTER chose for the victims. */
  const PTEX = DATA;
  // C: [0] a victim was read after its removal, [8] in which phase, [16] what was read,
  // [32 + 8r] rounds in phase r, [0x100 + 8r] the value the last round of phase r read.
  const STALE = 0;
  // SCRATCH slots.
  const S = { errors: 0, startCpu: 1, faults: 2, dar: 16, srr0: 32, dsisr: 48, warm: 64 } as const;

  /**
   * vCPU 1, in phases r = 0..R-1, reads B[r] until its translation is in the TLB, then, with
   * `victim: 'running'`, keeps going in rounds of ROW reads of B[r], a read of the flag on A —
   * the number of victims removed so far — and one more read of B[r]. A round is straight-line
   * code: nothing between the flag and the last read looks at requests from other vCPUs, and
   * the run of reads before it makes it likely that the flag goes up between such a look and its
   * read. A round that saw B[r] removed and still read it used a translation after H_REMOVE had
   * returned. With `victim: 'ceded'` it cedes instead, and once woken (H_PROD) and the flag is
   * up reads B[r] once more: a shootdown may skip a sleeping CPU only if it flushes on waking.
   * The DSI handler moves on to the next phase.
   *
   * vCPU 0: for each r, once phase r has run 1024 rounds, H_REMOVE B[r], then raise the flag
   * (and H_PROD vCPU 1 when it cedes).
   */
  function guest(victim: 'running' | 'ceded'): { asm: Asm; dsi: Asm; loop: number; lastRead: number; end: number } {
    const a = newAsm();
    a.b('primary');
    a.li64(9, encodeSlbVsid(VSID, '256M', 12, sizes)).li64(10, encodeSlbEsid(SEG, '256M', 0));
    a.i('slbmte', { rs: 9, rb: 10 });
    // r20 = A, r21 = B[r], r22 = C + 32 + 8r, r23 = rounds, r24 = r.
    a.li64(20, A.ea)
      .li64(21, B[0]!.ea)
      .li64(22, C.ea + 32n)
      .li(23, 0)
      .li(24, 0);
    a.li64(9, MSR_DR).i('mtmsrd', { rs: 9, l: 0 });
    /** Branch to `target` unless the flag in r5 says B[r] is gone (flag > r: flag - r - 1 >= 0). */
    const unlessRemoved = (target: string) => {
      a.i('subf', { rt: 8, ra: 24, rb: 5 });
      addi(a, 8, 8, -1);
      srdi(a, 8, 8, 63).cmpdi(8, 0).bne(target);
    };
    const loop = a.here;
    a.label('loop');
    let lastRead: number;
    if (victim === 'running') {
      for (let i = 0; i < ROW; i++) a.ld(6, 0, 21);
      a.ld(5, 0, 20);
      lastRead = a.here;
      a.ld(6, 0, 21);
      // The flag may still be below r + 1 after a fault: vCPU 1 faults (and moves on) as soon as
      // it flushed its TLB, before vCPU 0's hcall has returned.
      unlessRemoved('more');
      a.b('stale');
      a.label('more');
      addi(a, 23, 23, 1)
        .std(23, 0, 22)
        .std(6, 0x100 - 32, 22);
      a.b('loop');
    } else {
      a.li(23, 1024);
      a.label('fill');
      a.ld(6, 0, 21);
      addi(a, 23, 23, -1).cmpdi(23, 0).bne('fill');
      a.std(6, 0x100 - 32, 22)
        .li(23, 1024)
        .std(23, 0, 22);
      a.label('sleep');
      a.hcall(0xe0); // H_CEDE
      a.ld(5, 0, 20);
      unlessRemoved('sleep');
      lastRead = a.here;
      a.ld(6, 0, 21);
      a.b('stale');
    }
    const end = a.here;
    a.label('stale');
    a.li64(22, C.ea).std(24, 8, 22).std(6, 16, 22).li(8, 1).std(8, STALE, 22);
    a.hang();

    a.label('primary');
    const enter = (p: { ea: bigint; ra: bigint }) => {
      const e = hpte(p);
      a.li(4, 0).li64(5, e.ptex).li64(6, e.pteh).li64(7, e.ptel).hcall(0x08); // H_ENTER
      countError(a);
    };
    enter(A);
    enter(C);
    B.forEach((p, r) => {
      enter(p);
      a.li64(7, BigInt(PTEX + 8 * r)).std(4, 0, 7);
    });
    rtasCall(a, 'start-cpu', [1, KERNEL_LOAD_ADDR + 4, 0], 1);
    record(a, 3, S.startCpu);
    a.li(26, 0);
    a.label('phase');
    a.li64(20, C.ra + 32n).i('rldicr', { ra: 7, rs: 26, sh: 3, me: 60 });
    add(a, 20, 20, 7);
    a.li64(21, C.ra + BigInt(STALE));
    a.label('warm');
    a.ld(5, 0, 21).cmpdi(5, 0).bne('verdict');
    a.ld(5, 0, 20);
    srdi(a, 5, 5, 10).cmpdi(5, 0).beq('warm');
    // Rounds before the removal, in SCRATCH slot warm + r.
    a.ld(5, 0, 20)
      .li64(7, BigInt(SCRATCH + 8 * S.warm))
      .i('rldicr', { ra: 8, rs: 26, sh: 3, me: 60 });
    a.i('stdx', { rs: 5, ra: 7, rb: 8 });
    if (victim === 'ceded') {
      // Give vCPU 1 time to fall asleep in its cede (the case to test; if it is still on its
      // way, the shootdown waits for it as for a running vCPU).
      a.li64(5, 1n << 20n);
      a.label('nap');
      addi(a, 5, 5, -1).cmpdi(5, 0).bne('nap');
    }
    a.li64(7, BigInt(PTEX)).i('ldx', { rt: 5, ra: 7, rb: 8 });
    a.li(4, 0).li(6, 0).hcall(0x04); // H_REMOVE(flags 0, ptex, avpn 0)
    countError(a);
    // The hcall returned: raise the flag (A's real address).
    addi(a, 26, 26, 1).li64(7, A.ra).std(26, 0, 7);
    if (victim === 'ceded') a.li(4, 1).hcall(0xe8); // H_PROD(1)
    a.cmpdi(26, R).bne('phase');
    // Wait for vCPU 1's last fault (or a stale read).
    a.li64(20, BigInt(SCRATCH + 8 * S.faults)).li(22, R);
    a.label('last');
    a.ld(5, 0, 21).cmpdi(5, 0).bne('verdict');
    a.ld(5, 0, 20);
    cmpd(a, 5, 22).bne('last');
    a.label('verdict');
    powerOff(a);

    // DSI (0x300, real mode; vCPU 1 only): record DAR, SRR0, DSISR of phase r, count the fault,
    // and go on with phase r + 1 at the top of the loop (after the last phase: stop here).
    const h = newAsm();
    h.li64(30, BigInt(SCRATCH)).i('rldicr', { ra: 29, rs: 24, sh: 3, me: 60 });
    add(h, 30, 30, 29);
    h.mfspr(5, SPR.DAR).std(5, 8 * S.dar, 30);
    h.mfspr(5, SPR.SRR0).std(5, 8 * S.srr0, 30);
    h.mfspr(5, SPR.DSISR).std(5, 8 * S.dsisr, 30);
    h.li64(30, BigInt(SCRATCH + 8 * S.faults)).ld(5, 0, 30);
    addi(h, 5, 5, 1).std(5, 0, 30);
    addi(h, 24, 24, 1).cmpdi(24, R).beq('done');
    h.li(29, 0x1000);
    add(h, 21, 21, 29);
    addi(h, 22, 22, 8).li(23, 0);
    h.li64(5, BigInt(KERNEL_LOAD_ADDR + loop)).mtspr(SPR.SRR0, 5);
    h.i('rfid');
    h.label('done');
    h.hang();
    return {
      asm: a,
      dsi: h,
      loop: KERNEL_LOAD_ADDR + loop,
      lastRead: KERNEL_LOAD_ADDR + lastRead,
      end: KERNEL_LOAD_ADDR + end,
    };
  }

  /** Count a non-zero hcall status in SCRATCH slot `errors` (clobbers r5, r7). */
  function countError(a: Asm): Asm {
    const ok = fresh('ok');
    a.cmpdi(3, 0).beq(ok);
    a.li64(7, BigInt(SCRATCH + 8 * S.errors)).ld(5, 0, 7);
    addi(a, 5, 5, 1).std(5, 0, 7);
    return a.label(ok);
  }

  it.each([
    ['running', 'multi'],
    ['ceded', 'multi'],
    ['running', 'single'],
    ['ceded', 'single'],
  ] as const)(
    `after each of ${R} H_REMOVEs returns, the other vCPU's next access of the page faults (it was %s, thread=%s)`,
    async (victim, thread) => {
      const g = guest(victim);
      const { machine, logs } = await runGuest(g.asm, thread, { smp: 2 }, [[0x300, g.dsi]], (m) => {
        B.forEach((p, r) => {
          m.memory.write64BE(Number(p.ra), MAGIC + BigInt(r));
        });
      });
      const mem = machine.memory;
      expect(machine.hpt.shift).toBe(hptShift);
      expect(slot(machine, S.startCpu), 'start-cpu').toBe(0n);
      expect(slot(machine, S.errors), 'failed H_ENTER/H_REMOVE').toBe(0n);
      expect(
        { stale: mem.read64BE(Number(C.ra)), phase: mem.read64BE(Number(C.ra) + 8) },
        'a victim read after its H_REMOVE returned',
      ).toEqual({ stale: 0n, phase: 0n });
      expect(slot(machine, S.faults)).toBe(BigInt(R));
      B.forEach((p, r) => {
        // Phase r ran 1024 rounds at least (B[r] was in vCPU 1's TLB), all reading B[r]'s value.
        expect(slot(machine, S.warm + r)).toBeGreaterThanOrEqual(1024n);
        expect(mem.read64BE(Number(C.ra) + 0x100 + 8 * r)).toBe(MAGIC + BigInt(r));
        expect(slot(machine, S.dar + r), `DAR of fault ${r}`).toBe(p.ea);
        // DSISR[33]: no translation found (Book III-S §6.5.3).
        expect(slot(machine, S.dsisr + r) & 0x40000000n).toBe(0x40000000n);
        // The read after the cede, or one of the round's reads of the victim (the loop stays
        // within a page: no page crossing).
        const srr0 = Number(slot(machine, S.srr0 + r));
        if (victim === 'ceded') expect(srr0).toBe(g.lastRead);
        expect(srr0).toBeGreaterThanOrEqual(g.loop);
        expect(srr0).toBeLessThanOrEqual(g.lastRead);
      });
      expect(g.end - g.loop).toBeLessThan(4096);
      expect(logs).toEqual([]);
    },
  );
});

// ---- 5. cross-vCPU code modification --------------------------------------------------------------

describe('code one vCPU worker rewrites, another runs', () => {
  const OLD = 0x1111;
  const NEW = 0x2222;
  /** A page of its own for the function (the other variant puts it next to its caller). */
  const FUNC_PAGE = 0x500000;
  const FLAG = DATA;
  const CALLS = DATA + 0x100;
  const DONE = DATA + 0x200;
  /** Calls before the rewrite (2^12): far past the JIT threshold the JIT variant sets. */
  const WARM_SHIFT = 12;
  const JIT_THRESHOLD = 64;
  const S = { startCpu: 0, before: 1, after: 2, calls: 3 } as const;

  type Where = 'own page' | "caller's page";
  /**
   * How vCPU 0 publishes the new instruction: the store and `sync` (enough on POWER7/8/9, whose
   * instruction cache is coherent — Linux's CPU_FTR_COHERENT_ICACHE), or Book II §1.6's sequence
   * for processors without one (dcbst, sync, icbi, sync, isync).
   */
  type Publish = 'store, sync' | 'store, dcbst, sync, icbi, sync, isync';

  /** The function: r3 = a constant, return. */
  const func = (a: Asm, value: number) => blr(a.li(3, value));
  const liWord = (value: number) => newAsm().li(3, value).words[0]!;

  /**
   * vCPU 1 calls the function in a loop until the flag is up, then (after isync, the context
   * synchronisation a processor that runs modified code needs, Book II §1.6) once more, and
   * records what the last call before the flag and the one after returned. vCPU 0 waits until
   * vCPU 1 has made 4096 calls, rewrites the function's `li r3, OLD` to `li r3, NEW`, publishes
   * it and raises the flag.
   */
  function guest(where: Where, publish: Publish): { asm: Asm; func: number } {
    const a = newAsm();
    a.b('primary');
    a.li64(21, BigInt(FLAG)).li64(22, BigInt(CALLS)).li(23, 0);
    // r20 = the function, patched in below once its address is known.
    const funcAt = a.words.length;
    a.li64(20, 0n);
    a.label('call');
    a.callReg(20);
    a.mr(24, 3);
    addi(a, 23, 23, 1).std(23, 0, 22);
    a.ld(5, 0, 21).cmpdi(5, 0).beq('call');
    a.i('isync');
    a.callReg(20);
    record(a, 24, S.before);
    record(a, 3, S.after);
    record(a, 23, S.calls);
    a.li64(5, BigInt(DONE)).li(6, 1).std(6, 0, 5);
    park(a);
    let at = FUNC_PAGE;
    if (where === "caller's page") {
      at = KERNEL_LOAD_ADDR + a.here;
      func(a, OLD);
    }
    a.words.splice(funcAt, 5, ...newAsm().li64(20, BigInt(at)).words);

    a.label('primary');
    rtasCall(a, 'start-cpu', [1, KERNEL_LOAD_ADDR + 4, 0], 1);
    record(a, 3, S.startCpu);
    a.li64(20, BigInt(CALLS));
    a.label('warm');
    a.ld(5, 0, 20);
    srdi(a, 5, 5, WARM_SHIFT).cmpdi(5, 0).beq('warm');
    a.li64(5, BigInt(liWord(NEW)))
      .li64(6, BigInt(at))
      .stw(5, 0, 6);
    if (publish === 'store, sync') a.i('sync', { l: 0 });
    else a.i('dcbst', { ra: 0, rb: 6 }).i('sync', { l: 0 }).i('icbi', { ra: 0, rb: 6 }).i('sync', { l: 0 }).i('isync');
    a.li64(6, BigInt(FLAG)).li(5, 1).std(5, 0, 6);
    a.li64(20, BigInt(DONE)).li(21, 1);
    a.label('wait');
    a.ld(5, 0, 20);
    cmpd(a, 5, 21).bne('wait');
    powerOff(a);
    return { asm: a, func: at };
  }

  async function run(where: Where, engine: 'interpreter' | 'JIT', thread: Thread, publish: Publish): Promise<void> {
    const g = guest(where, publish);
    // The caller's page variant: the function sits in the page of the loop that calls it.
    if (where === "caller's page") expect(Math.floor((g.func - KERNEL_LOAD_ADDR) / 4096)).toBe(0);
    const saved = process.env.PPCVM_JIT_THRESHOLD;
    // Workers copy the environment when they start; each Cpu reads the threshold when it is made.
    if (engine === 'JIT') process.env.PPCVM_JIT_THRESHOLD = String(JIT_THRESHOLD);
    let result: { machine: Machine; logs: string[] };
    try {
      result = await runGuest(g.asm, thread, { smp: 2, jit: engine === 'JIT' }, [], (m) => {
        if (where === 'own page') m.memory.write(FUNC_PAGE, func(newAsm(), OLD).bytes());
      });
    } finally {
      if (saved === undefined) delete process.env.PPCVM_JIT_THRESHOLD;
      else process.env.PPCVM_JIT_THRESHOLD = saved;
    }
    const { machine, logs } = result;
    expect(slot(machine, S.startCpu), 'start-cpu').toBe(0n);
    expect(machine.memory.read32BE(g.func)).toBe(liWord(NEW));
    expect(slot(machine, S.calls)).toBeGreaterThanOrEqual(BigInt(1 << WARM_SHIFT));
    // Before the flag: the old constant, or the new one if the store had landed already.
    expect([BigInt(OLD), BigInt(NEW)]).toContain(slot(machine, S.before));
    expect(slot(machine, S.after), 'the call after the flag and isync').toBe(BigInt(NEW));
    expect(logs).toEqual([]);
  }

  // With JIT_THRESHOLD, thread=single compiles three blocks on vCPU 1 by the time of the rewrite
  // (measured; heat decisions depend only on what ran), so the JIT variants run compiled code.
  it.each([
    ['own page', 'interpreter'],
    ['own page', 'JIT'],
    ["caller's page", 'interpreter'],
    ["caller's page", 'JIT'],
  ] as const)(
    'after the flag and isync the new instruction runs (function on its %s, %s, thread=multi)',
    (where, engine) => run(where, engine, 'multi', 'store, sync'),
  );

  // With every vCPU on one thread the machine still gives them a CpuDomain, for this.
  it.each(['store, sync', 'store, dcbst, sync, icbi, sync, isync'] as const)(
    'thread=single: vCPU 1 runs the new instruction after vCPU 0 publishes it with %s',
    (publish) => run('own page', 'interpreter', 'single', publish),
  );
});
