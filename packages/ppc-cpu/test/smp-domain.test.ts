/**
 * CpuDomain (src/smp.ts): cross-CPU code coherence between Cpu instances sharing RAM, and the
 * TLB shootdown protocol between threads (real workers over one SharedArrayBuffer).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTN, Cpu, CpuDomain } from '../src/index.js';
import { enc } from './support/encode.js';

const here = dirname(fileURLToPath(import.meta.url));

function machine(cpus: number, jit: boolean) {
  const ram = new SharedArrayBuffer(0x10000);
  const dv = new DataView(ram);
  const translator = { translate: (hi: number, lo: number) => (hi === 0 && lo >>> 0 < 0x10000 ? lo >>> 0 : -1) };
  const domain = CpuDomain.create({ ramBytes: ram.byteLength, cpus });
  const cpu = (i: number) =>
    new Cpu({ ram, translator, domain, domainIndex: i, jit, ...(jit ? { jitThreshold: 0 } : {}) });
  const put = (addr: number, words: number[]) =>
    words.forEach((w, i) => {
      dv.setUint32(addr + 4 * i, w >>> 0, true);
    });
  return { ram, dv, domain, cpu, put };
}

/** Run from `pc` to the `sc` that ends the snippet. */
function runAt(cpu: Cpu, pc: number): void {
  cpu.set64(64, BigInt(pc));
  expect(cpu.run(100_000).kind).toBe('syscall');
}

const SC = enc('sc', { lev: 0 });

describe.each([false, true])('code coherence between CPUs (jit %s)', (jit) => {
  it('a store by one CPU, then sync, replaces code another CPU has decoded', () => {
    const { cpu, put } = machine(2, jit);
    const a = cpu(0);
    const b = cpu(1);
    put(0x1000, [enc('addi', { rt: 3, ra: 0, si: 1 }), SC]);
    for (let i = 0; i < 3; i++) runAt(a, 0x1000);
    expect(a.getGpr(3)).toBe(1n);
    // B: stw r5,0(r6); sync; sc — r5 is `li r3,2`.
    put(0x2000, [enc('stw', { rs: 5, ra: 6, d: 0 }), enc('sync', { l: 0 }), SC]);
    b.setGpr(5, BigInt(enc('addi', { rt: 3, ra: 0, si: 2 }) >>> 0));
    b.setGpr(6, 0x1000n);
    runAt(b, 0x2000);
    runAt(a, 0x1000);
    expect(a.getGpr(3)).toBe(2n);
  });

  it("a CPU that decodes a page takes it out of the others' write TLBs", () => {
    const { cpu, put, domain } = machine(2, jit);
    const a = cpu(0);
    const b = cpu(1);
    // B writes a data word into page 0x3000 first: its write TLB now maps the page.
    put(0x2000, [enc('stw', { rs: 5, ra: 6, d: 0 }), enc('sync', { l: 0 }), SC]);
    b.setGpr(5, 7n);
    b.setGpr(6, 0x3800n);
    runAt(b, 0x2000);
    put(0x3000, [enc('addi', { rt: 3, ra: 0, si: 1 }), SC]);
    runAt(a, 0x3000);
    expect(domain.hasCode(3)).toBe(true);
    b.setGpr(5, BigInt(enc('addi', { rt: 3, ra: 0, si: 3 }) >>> 0));
    b.setGpr(6, 0x3000n);
    runAt(b, 0x2000);
    runAt(a, 0x3000);
    expect(a.getGpr(3)).toBe(3n);
  });

  it('isync on the executing CPU picks up code posted by another', () => {
    const { cpu, put, domain } = machine(2, jit);
    const a = cpu(0);
    put(0x1000, [enc('addi', { rt: 3, ra: 0, si: 1 }), SC]);
    runAt(a, 0x1000);
    // Another thread (the host here) rewrites the code and posts it.
    put(0x1000, [enc('addi', { rt: 3, ra: 0, si: 4 })]);
    domain.invalidateRange(0x1000, 4);
    expect(domain.attention[0]! & ATTN.CODE).toBe(ATTN.CODE);
    put(0x4000, [enc('isync', {}), enc('b', { li: 0x1000 - 0x4004 })]);
    runAt(a, 0x4000);
    expect(a.getGpr(3)).toBe(4n);
    expect(domain.hasCode(1)).toBe(true);
  });
});

describe('attention word', () => {
  it('embedder bits reach the attention hook at the next block boundary', () => {
    const { put, ram, domain } = machine(2, false);
    const seen: number[] = [];
    const translator = { translate: (hi: number, lo: number) => (hi === 0 && lo >>> 0 < 0x10000 ? lo >>> 0 : -1) };
    const a = new Cpu({
      ram,
      translator,
      domain,
      domainIndex: 0,
      hooks: {
        attention: (c, bits) => {
          seen.push(bits);
          c.requestStop({ kind: 'requested', reason: 'attention' });
        },
      },
    });
    put(0x1000, [enc('addi', { rt: 3, ra: 3, si: 1 }), enc('b', { li: -4 })]);
    a.set64(64, 0x1000n);
    expect(a.run(1000).kind).toBe('budget');
    domain.post(0, 0x30);
    const stop = a.run(1000);
    expect(stop).toEqual({ kind: 'requested', reason: 'attention' });
    expect(seen).toEqual([0x30]);
    expect(domain.attention[0]).toBe(0);
  });
});

describe('TLB shootdown across threads', () => {
  let dir = '';
  let moduleUrl = '';
  beforeAll(() => {
    // Workers cannot load TypeScript: transpile src/smp.ts (it imports nothing).
    dir = mkdtempSync(join(tmpdir(), 'ppcvm-smp-'));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    const out = ts.transpileModule(readFileSync(join(here, '../src/smp.ts'), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(dir, 'smp.js'), out.outputText);
    moduleUrl = pathToFileURL(join(dir, 'smp.js')).href;
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function start(
    domain: CpuDomain,
    index: number,
    shots: number,
    stop: Int32Array,
    shooters = 0,
    mode: 'busy' | 'sleep' | 'poll' = 'poll',
  ): Promise<{ flushes: number; shots: number }> {
    const w = new Worker(new URL('./workers/shootdown.mjs', import.meta.url), {
      workerData: { moduleUrl, buffer: domain.buffer, index, shots, shooters, mode, stop: stop.buffer },
    });
    return new Promise((resolve, reject) => {
      w.on('message', resolve);
      w.on('error', reject);
    });
  }

  it('returns only after every live running CPU flushed, and skips dead ones', async () => {
    const domain = CpuDomain.create({ ramBytes: 4096, cpus: 3 });
    // CPU 2 never comes alive: nobody waits for it.
    const stop = new Int32Array(new SharedArrayBuffer(12));
    const done = start(domain, 1, 0, stop, 0, 'busy');
    while (Atomics.load(domain.alive, 1) === 0) await new Promise((r) => setTimeout(r, 1));
    let served = 0;
    for (let i = 0; i < 50; i++) {
      domain.shootdown(0, () => served++);
      // The worker acknowledged this round before shootdown returned.
      expect(Atomics.load(stop, 1)).toBeGreaterThanOrEqual(i + 1);
    }
    Atomics.store(stop, 0, 1);
    domain.post(1, 8);
    const r = await done;
    expect(r.flushes).toBeGreaterThanOrEqual(50);
    expect(served).toBe(0);
  });

  it('does not wait for a sleeping CPU, which flushes when it wakes', async () => {
    const domain = CpuDomain.create({ ramBytes: 4096, cpus: 2 });
    const stop = new Int32Array(new SharedArrayBuffer(12));
    const done = start(domain, 1, 0, stop, 0, 'sleep');
    while (Atomics.load(domain.alive, 1) === 0) await new Promise((r) => setTimeout(r, 1));
    // Once it sleeps (up to 20 s), the shootdowns below complete without its acknowledgement.
    while (!domain.isSleeping(1)) await new Promise((r) => setTimeout(r, 1));
    for (let i = 0; i < 50; i++) domain.shootdown(0, () => {});
    expect(Atomics.load(stop, 1)).toBe(0);
    expect(domain.attention[1]! & ATTN.TLB).toBe(ATTN.TLB);
    Atomics.store(stop, 0, 1);
    domain.post(1, 8);
    // Woken, it served the pending request before anything else.
    expect((await done).flushes).toBe(1);
  });

  it('two CPUs shooting at each other at the same time both finish', async () => {
    const domain = CpuDomain.create({ ramBytes: 4096, cpus: 2 });
    const stop = new Int32Array(new SharedArrayBuffer(12));
    const [a, b] = await Promise.all([start(domain, 0, 2000, stop, 2), start(domain, 1, 2000, stop, 2)]);
    // Both completed every shootdown (none deadlocked waiting for the other); flushes can be
    // fewer than shots, as one flush acknowledges every request made before it.
    expect([a.shots, b.shots]).toEqual([2000, 2000]);
    expect(a.flushes).toBeGreaterThan(0);
    expect(b.flushes).toBeGreaterThan(0);
  });
});
