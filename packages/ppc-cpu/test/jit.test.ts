/**
 * Block JIT: the cases random programs rarely reach. Self-modifying code (template
 * stores, fallback stores, host writes), exact faults and SRR0 in system mode, exact
 * budgets, the switches, stepping and code hooks on the interpreter, byte-order and
 * 32/64-bit mode changes between runs, deterministic decrementer interrupts.
 * Every case runs twice — interpreter only and JIT — and the two must agree.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { assemble } from '../src/asm.js';
import { Access, Cpu, type CpuOptions, TranslateFault } from '../src/cpu.js';
import { VEC } from '../src/interrupts.js';
import { SPR } from '../src/sprs.js';
import { MSR_HI_SF, MSR_LO_EE, MSR_LO_LE, MSR_LO_ME, MSR_LO_PR, PC } from '../src/state.js';
import { diffCpus, stopText } from './jit-rig.js';

const RAM = 0x20000;

/** Identity map of 0x0000-0xffff (0x6000-0x6fff unmapped, 0x7000-0x7fff read-only). */
const translator = {
  translate(hi: number, lo: number, access: number): number {
    const a = lo >>> 0;
    if (hi !== 0 || a >= 0x10000 || (a >= 0x6000 && a < 0x7000)) return TranslateFault.Unmapped;
    if (a >= 0x7000 && a < 0x8000 && access === Access.Store) return TranslateFault.Protection;
    return a & ~0xfff;
  },
};

function put(cpu: Cpu, addr: number, src: string, le = true): Map<string, bigint> {
  const { bytes, symbols } = assemble(src, { base: BigInt(addr), endian: le ? 'le' : 'be' });
  new Uint8Array(cpu.ram).set(bytes, addr);
  return symbols;
}

/** A user-mode (problem-state) CPU with `src` at 0x1000 and the PC there. */
function user(src: string, opts: Partial<CpuOptions> = {}): Cpu {
  const cpu = new Cpu({ ram: new ArrayBuffer(RAM), translator, ...opts });
  put(cpu, 0x1000, src);
  cpu.set64(PC, 0x1000n);
  return cpu;
}

/** Both CPUs (interpreter only, JIT at `threshold`) after the same runs. */
function both(make: (opts: Partial<CpuOptions>) => Cpu, runs: (cpu: Cpu) => string[], threshold = 0) {
  const ref = make({ jit: false });
  const jit = make({ jit: true, jitThreshold: threshold });
  const a = runs(ref);
  const b = runs(jit);
  expect(b).toEqual(a);
  expect(diffCpus(ref, jit)).toBeUndefined();
  expect(ref.jitCompiled).toBe(0);
  expect(jit.jitCompiled).toBeGreaterThan(0);
  return { ref, jit, stops: a };
}

const runOnce = (budget: number) => (cpu: Cpu) => [stopText(cpu.run(budget))];

describe('self-modifying code', () => {
  // Each pass patches the `addi r8,r8,K` ahead of it in the same block with K+1.
  const patchLoop = `
    li r8,0
    li r5,20
    mtctr r5
    lis r4,0
    ori r4,r4,target@l
    lwz r7,0(r4)
  loop:
    addi r7,r7,1
    stw r7,0(r4)
    addi r3,r3,1
  target:
    addi r8,r8,0
    bdnz loop
    sc`;

  it('a store into the running block takes effect on the next instruction', () => {
    const { jit } = both((o) => user(patchLoop, o), runOnce(10_000));
    // r8 = 1 + 2 + ... + 20.
    expect(jit.getGpr(8)).toBe(210n);
  });

  it('a compiled loop patching a function on another page', () => {
    // The loop's page stays compiled; the patched page is dropped on every pass.
    const src = `
      li r8,0
      li r5,30
      mtctr r5
      lis r4,0
      ori r4,r4,0x2000
      lwz r7,0(r4)
    loop:
      addi r7,r7,1
      stw r7,0(r4)
      mflr r0
      bl far
      mtlr r0
      bdnz loop
      sc
      .org 0x1000
    far:
      addi r8,r8,0
      blr`;
    const { jit } = both((o) => user(src, o), runOnce(10_000), 2);
    // r8 = 1 + 2 + ... + 30.
    expect(jit.getGpr(8)).toBe(465n);
  });

  it('so does a fallback store (dcbz) over the rest of the block', () => {
    // dcbz zeroes the 128-byte block holding `gone`: the word 0 there is an illegal instruction.
    const src = `
      li r3,0
      lis r4,0
      ori r4,r4,gone@l
      li r9,5
      mtctr r9
    again:
      addi r3,r3,1
      bdnz again
      dcbz 0,r4
      addi r3,r3,100
      .org 0x80
    gone:
      addi r3,r3,1000
      sc`;
    const { stops, jit } = both((o) => user(src, o), runOnce(1000));
    expect(stops[0]).toContain('"kind":"illegal"');
    expect(jit.getGpr(3)).toBe(105n);
  });

  it('host writes dropped through invalidateCode are seen by compiled code', () => {
    const src = `
      li r3,0
      li r5,50
      mtctr r5
    loop:
      addi r3,r3,1
      bdnz loop
      sc`;
    const runs = (cpu: Cpu) => {
      const a = stopText(cpu.run(1000));
      // Replace `addi r3,r3,1` by `addi r3,r3,2`, run the loop again.
      new DataView(cpu.ram).setUint32(0x100c, 0x38630002, true);
      cpu.invalidateCode(0x100c, 4);
      cpu.set64(PC, 0x1004n);
      return [a, stopText(cpu.run(1000))];
    };
    const { jit } = both((o) => user(src, o), runs);
    expect(jit.getGpr(3)).toBe(150n);
    expect(jit.jitCompiled).toBeGreaterThan(1);
  });
});

describe('exact faults and budgets', () => {
  it('a faulting load mid-block: PC at the load, earlier instructions done, later ones not', () => {
    const src = `
      li r3,1
      li r4,2
      lis r9,0
      ori r9,r9,0x6000
      lwz r5,8(r9)
      li r6,3
      sc`;
    const { jit, stops } = both((o) => user(src, o), runOnce(100));
    expect(stops[0]).toContain('"kind":"fault"');
    expect(stops[0]).toContain('"pc":"0x1010"');
    expect(jit.icount).toBe(4);
    expect(jit.getGpr(4)).toBe(2n);
    expect(jit.getGpr(6)).toBe(0n);
  });

  it('a store to a read-only page after other stores and updates', () => {
    const src = `
      lis r9,0
      ori r9,r9,0x5ff0
      li r3,7
      stdu r3,8(r9)
      stwu r3,0x1008(r9)
      li r6,3
      sc`;
    const { jit, stops } = both((o) => user(src, o), runOnce(100));
    expect(stops[0]).toContain('"access":"store"');
    expect(stops[0]).toContain('"fault":"protection"');
    expect(jit.getGpr(9)).toBe(0x5ff8n);
    expect(new DataView(jit.ram).getBigUint64(0x5ff8, true)).toBe(7n);
  });

  it('a user-mode fault hook that maps nothing: the retry path counts exactly', () => {
    const src = `
      li r3,0
    loop:
      addi r3,r3,1
      lis r9,0
      ori r9,r9,0x6000
      cmpwi r3,40
      blt loop
      lbz r5,0(r9)
      sc`;
    let calls = 0;
    const make = (o: Partial<CpuOptions>) =>
      user(src, {
        ...o,
        hooks: {
          fault: () => {
            calls++;
            return false;
          },
        },
      });
    const { jit } = both(make, runOnce(10_000));
    expect(calls).toBe(2);
    expect(jit.getGpr(3)).toBe(40n);
  });

  it('every budget is exact: run(k) executes k instructions', () => {
    const src = `
    loop:
      addi r3,r3,1
      xor r4,r4,r3
      rlwinm r5,r4,3,0,28
      add r6,r6,r5
      cmpw r6,r4
      bne loop
      b loop`;
    const runs = (cpu: Cpu) => {
      const out: string[] = [];
      for (const k of [16, 17, 100, 33, 1, 5, 64, 1000, 19]) {
        const before = cpu.icount;
        out.push(stopText(cpu.run(k)));
        expect(cpu.icount - before).toBe(k);
      }
      return out;
    };
    const { jit } = both((o) => user(src, o), runs);
    expect(jit.jitCompiled).toBeGreaterThan(0);
  });
});

describe('switches and the interpreter paths', () => {
  const loop = `
    li r5,200
    mtctr r5
  loop:
    addi r3,r3,1
    bdnz loop
    sc`;

  const saved = { jit: process.env.PPCVM_JIT, threshold: process.env.PPCVM_JIT_THRESHOLD };
  afterEach(() => {
    for (const [k, v] of [
      ['PPCVM_JIT', saved.jit],
      ['PPCVM_JIT_THRESHOLD', saved.threshold],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('jit: false, cpu.jit = false and PPCVM_JIT=0 keep everything on the interpreter', () => {
    const a = user(loop, { jit: false, jitThreshold: 0 });
    a.run(10_000);
    expect(a.jitCompiled).toBe(0);
    const b = user(loop, { jitThreshold: 0 });
    b.jit = false;
    b.run(10_000);
    expect(b.jitCompiled).toBe(0);
    process.env.PPCVM_JIT = '0';
    const c = user(loop, { jitThreshold: 0 });
    expect(c.jit).toBe(false);
    delete process.env.PPCVM_JIT;
    process.env.PPCVM_JIT_THRESHOLD = '0';
    const d = user(loop);
    expect(d.jit).toBe(true);
    d.run(10_000);
    expect(d.jitCompiled).toBeGreaterThan(0);
    expect(d.getGpr(3)).toBe(200n);
  });

  it('the threshold delays compiling', () => {
    const cpu = user(loop, { jitThreshold: 1000 });
    cpu.run(10_000);
    expect(cpu.jitCompiled).toBe(0);
    const hot = user(loop, { jitThreshold: 10 });
    hot.run(10_000);
    expect(hot.jitCompiled).toBeGreaterThan(0);
  });

  it('stepping (run(1), stepOne) stays on the interpreter', () => {
    const cpu = user(loop, { jitThreshold: 0 });
    for (let i = 0; i < 300; i++) cpu.run(1);
    for (let i = 0; i < 100; i++) cpu.stepOne();
    expect(cpu.jitCompiled).toBe(0);
    // li, mtctr, then 199 passes of addi + bdnz.
    expect(cpu.getGpr(3)).toBe(199n);
  });

  it('the -d exec / in_asm hooks (onBlock, onDecode) keep the interpreter', () => {
    const cpu = user(loop, { jitThreshold: 0 });
    let runs = 0;
    cpu.onBlock = () => {
      runs++;
    };
    cpu.run(10_000);
    expect(cpu.jitCompiled).toBe(0);
    // One run from the start (into the first pass), then one per taken bdnz: 1 + 199.
    expect(runs).toBe(200);
    expect(cpu.getGpr(3)).toBe(200n);
  });

  it('code hooks see every instruction, also in code compiled before the hook', () => {
    const cpu = user(loop, { jitThreshold: 0 });
    cpu.run(50);
    expect(cpu.jitCompiled).toBeGreaterThan(0);
    let seen = 0;
    const remove = cpu.addCodeHook(0x1008n, 0x100cn, () => {
      seen++;
    });
    const before = cpu.getGpr(3);
    cpu.run(100);
    expect(seen).toBe(Number(cpu.getGpr(3) - before));
    remove();
    cpu.run(10_000);
    expect(cpu.getGpr(3)).toBe(200n);
  });
});

describe('branches', () => {
  it('absolute branches (bla, bca) and LR/CTR round trips', () => {
    // The loop starts at 0x1000; bca 12,0 branches while CR0[LT] (r4 < 50).
    const src = `
      bla 0x1100
      addi r4,r4,1
      cmpwi r4,50
      bca 12,0,0x1000
      sc
      .org 0x100
      addi r3,r3,2
      mflr r9
      mtctr r9
      mfctr r10
      mtlr r10
      blr`;
    const { jit } = both((o) => user(src, o), runOnce(100_000));
    expect(jit.getGpr(3)).toBe(100n);
  });
});

describe('mode changes between runs', () => {
  it('MSR[LE] flips: blocks of the old byte order are dropped', () => {
    const src = `
    loop:
      addi r3,r3,1
      lwz r4,0(r9)
      add r5,r5,r4
      b loop`;
    const runs = (cpu: Cpu) => {
      const out = [stopText(cpu.run(400))];
      // Same program, now big-endian, with the MSR switched by the host.
      put(cpu, 0x1000, src, false);
      cpu.setMsr(MSR_HI_SF, MSR_LO_PR | MSR_LO_EE);
      out.push(stopText(cpu.run(400)));
      return out;
    };
    const make = (o: Partial<CpuOptions>) => {
      const cpu = user(src, o);
      cpu.setGpr(9, 0x5000n);
      new DataView(cpu.ram).setUint32(0x5000, 0x01020304, true);
      return cpu;
    };
    const { jit } = both(make, runs);
    expect(jit.getGpr(3)).toBe(200n);
  });

  it('MSR[SF] flips: a block compiled for 64-bit mode is not run in 32-bit mode', () => {
    const src = `
    loop:
      addis r3,r3,0x4000
      addic. r4,r3,0
      mfcr r6
      add r7,r7,r6
      b loop`;
    const runs = (cpu: Cpu) => {
      const out = [stopText(cpu.run(300))];
      cpu.setMsr(0, MSR_LO_PR | MSR_LO_EE | MSR_LO_LE);
      out.push(stopText(cpu.run(300)));
      cpu.setMsr(MSR_HI_SF, MSR_LO_PR | MSR_LO_EE | MSR_LO_LE);
      out.push(stopText(cpu.run(300)));
      return out;
    };
    both((o) => user(src, o), runs);
  });
});

describe('system mode', () => {
  /** Supervisor real mode, LE, with vectors at 0x300 (DSI) and 0x900 (DEC). */
  function sys(src: string, vectors: string, o: Partial<CpuOptions>): Cpu {
    const cpu = new Cpu({ ram: new ArrayBuffer(RAM), translator, ...o });
    cpu.system = true;
    cpu.useInstructionCountTimebase();
    cpu.setSpr(SPR.LPCR, 0x02000000n); // ILE: interrupts stay little-endian
    cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE);
    put(cpu, 0x1000, src);
    put(cpu, 0x0, vectors);
    cpu.set64(PC, 0x1000n);
    return cpu;
  }

  it('a DSI from compiled code has the SRR0, DAR and DSISR of the interpreter', () => {
    const src = `
      li r3,0
    loop:
      addi r3,r3,1
      cmpwi r3,30
      blt loop
      lis r9,0
      ori r9,r9,0x5ff0
      std r3,0(r9)
      stw r3,0x20(r9)
      addi r3,r3,1
    hang:
      b hang`;
    const vectors = `
      .org 0x300
      b .`;
    const { jit } = both((o) => sys(src, vectors, o), runOnce(500));
    expect(jit.getSpr(SPR.SRR0)).toBe(0x101cn);
    expect(jit.getSpr(SPR.DAR)).toBe(0x6010n);
    expect(jit.pcBig()).toBe(BigInt(VEC.DSI));
  });

  it('decrementer interrupts with the instruction-count timebase: same points, same state', () => {
    // The handler counts interrupts in r20, re-arms DEC and returns; the main loop keeps working.
    const src = `
      li r3,500
      mtdec r3
      mfmsr r4
      ori r4,r4,0x8000
      mtmsrd r4,1
    loop:
      addi r5,r5,1
      rlwinm r6,r5,7,0,31
      xor r7,r7,r6
      add r8,r8,r7
      cmpwi r5,0
      bne loop
      b loop`;
    const vectors = `
      .org 0x900
      addi r20,r20,1
      li r21,333
      mtdec r21
      rfid`;
    const runs = (cpu: Cpu) => {
      const out: string[] = [];
      for (let i = 0; i < 40; i++) out.push(stopText(cpu.run(250)));
      return out;
    };
    const { jit } = both((o) => sys(src, vectors, o), runs);
    expect(jit.getGpr(20)).toBeGreaterThan(10n);
    expect(jit.jitCompiled).toBeGreaterThan(0);
  });
});
