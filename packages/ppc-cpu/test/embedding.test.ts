/** The embedding API: README example, code hooks, illegal-instruction and fault hooks, register access. */

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Cpu } from '../src/index.js';
import { enc } from './support/encode.js';

function flat(size = 0x10000) {
  const ram = new SharedArrayBuffer(size);
  const mapped = new Set<number>();
  for (let p = 0; p < size; p += 4096) mapped.add(p);
  const translator = { translate: (hi: number, lo: number) => (hi === 0 && mapped.has(lo >>> 0) ? lo >>> 0 : -1) };
  return { ram, dv: new DataView(ram), mapped, translator };
}

describe('embedding API', () => {
  it('the README example runs and prints what it says', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    const words = [...code.matchAll(/0x[0-9a-f]{8}/g)].map((m) => Number(m[0]));
    expect(words).toEqual([
      enc('addi', { rt: 3, ra: 0, si: 20 }),
      enc('addi', { rt: 4, ra: 0, si: 22 }),
      enc('add', { rt: 3, ra: 3, rb: 4 }),
      enc('sc', { lev: 1 }) ^ 0x20,
    ]);
    const { ram, dv, translator } = flat();
    const cpu = new Cpu({ ram, translator });
    words.forEach((w, i) => {
      dv.setUint32(0x1000 + 4 * i, w, true);
    });
    cpu.set64(64, 0x1000n);
    const stop = cpu.run(1000);
    expect(stop.kind).toBe('syscall');
    expect(cpu.getGpr(3)).toBe(42n);
    expect(code).toContain('"syscall 42n"');
  });

  it('code hooks see every instruction in their range and can stop the CPU', () => {
    const { ram, dv, translator } = flat();
    const cpu = new Cpu({ ram, translator });
    const prog = [enc('addi', { rt: 3, ra: 3, si: 1 }), enc('addi', { rt: 4, ra: 4, si: 1 }), enc('b', { li: -8 })];
    prog.forEach((w, i) => {
      dv.setUint32(0x1000 + 4 * i, w, true);
    });
    const seen: bigint[] = [];
    const remove = cpu.addCodeHook(0x1004n, 0x1008n, (c, pc) => {
      seen.push(pc);
      if (seen.length === 3) c.requestStop({ kind: 'requested', reason: 'hook' });
    });
    cpu.set64(64, 0x1000n);
    const stop = cpu.run(1000);
    expect(stop).toEqual({ kind: 'requested', reason: 'hook' });
    expect(seen).toEqual([0x1004n, 0x1004n, 0x1004n]);
    expect(cpu.getGpr(3)).toBe(3n);
    expect(cpu.getGpr(4)).toBe(2n);
    remove();
    expect(cpu.run(30).kind).toBe('budget');
    expect(seen.length).toBe(3);
  });

  it('an illegal-instruction hook can emulate the instruction and continue', () => {
    const { ram, dv, translator } = flat();
    const cpu = new Cpu({
      ram,
      translator,
      hooks: {
        illegal: (c, word) => {
          if (word !== 0x00001234) return false;
          c.setGpr(5, 0x1234n);
          return true;
        },
      },
    });
    dv.setUint32(0x1000, 0x00001234, true);
    dv.setUint32(0x1004, enc('addi', { rt: 6, ra: 0, si: 1 }), true);
    dv.setUint32(0x1008, 0x00000000, true);
    cpu.set64(64, 0x1000n);
    const stop = cpu.run(10);
    expect(cpu.getGpr(5)).toBe(0x1234n);
    expect(cpu.getGpr(6)).toBe(1n);
    expect(stop).toMatchObject({ kind: 'illegal', pc: 0x1008n, word: 0 });
  });

  it('a fault hook can map the page and the instruction is retried', () => {
    const env = flat();
    env.mapped.delete(0x8000);
    const faults: bigint[] = [];
    const cpu = new Cpu({
      ram: env.ram,
      translator: env.translator,
      hooks: {
        fault: (_c, address, access) => {
          faults.push(address);
          expect(access).toBe('store');
          env.mapped.add(0x8000);
          return true;
        },
      },
    });
    env.dv.setUint32(0x1000, enc('stw', { rs: 3, ra: 4, d: 0x10 }), true);
    cpu.setGpr(3, 0xdeadn);
    cpu.setGpr(4, 0x8000n);
    cpu.set64(64, 0x1000n);
    cpu.run(1);
    expect(faults).toEqual([0x8010n]);
    expect(env.dv.getUint32(0x8010, true)).toBe(0xdead);
  });

  it('a fault hook that fixes nothing cannot hang the CPU', () => {
    const env = flat();
    env.mapped.delete(0x8000);
    const cpu = new Cpu({ ram: env.ram, translator: env.translator, hooks: { fault: () => true } });
    env.dv.setUint32(0x1000, enc('lwz', { rt: 3, ra: 4, d: 0 }), true);
    cpu.setGpr(4, 0x8000n);
    cpu.set64(64, 0x1000n);
    expect(cpu.run(50).kind).toBe('fault');
  });
});

describe('reset', () => {
  it('clears registers, SPRs and pending state but keeps the model and hooks', () => {
    const { ram, translator } = flat();
    const cpu = new Cpu({ ram, translator, model: 'power9' });
    cpu.setGpr(3, 5n);
    cpu.setSpr(272, 7n);
    cpu.setExternalInterrupt(true);
    cpu.reset();
    expect(cpu.getGpr(3)).toBe(0n);
    expect(cpu.getSpr(272)).toBe(0n);
    expect(cpu.pending).toBe(0);
    expect(cpu.get64(70)).toBe(0n);
    expect(cpu.pvr).toBe(0x004e1202);
  });
});

describe('store-conditional on shared memory', () => {
  it('fails when another agent changed the reserved word since lwarx/ldarx (compare-and-swap)', () => {
    const { ram, dv, translator } = flat();
    const cpu = new Cpu({ ram, translator });
    const prog = [
      enc('lwarx', { rt: 5, ra: 0, rb: 3, eh: 0 }),
      enc('stwcx.', { rs: 6, ra: 0, rb: 3 }),
      enc('mfcr', { rt: 7 }),
      enc('ldarx', { rt: 5, ra: 0, rb: 4, eh: 0 }),
      enc('stdcx.', { rs: 6, ra: 0, rb: 4 }),
      enc('mfcr', { rt: 8 }),
    ];
    prog.forEach((w, i) => {
      dv.setUint32(0x1000 + 4 * i, w, true);
    });
    cpu.setGpr(3, 0x8000n);
    cpu.setGpr(4, 0x8008n);
    cpu.setGpr(6, 0x1234n);
    // Uncontended: both succeed.
    cpu.set64(64, 0x1000n);
    cpu.run(6);
    expect((cpu.getGpr(7) >> 29n) & 1n).toBe(1n);
    expect((cpu.getGpr(8) >> 29n) & 1n).toBe(1n);
    expect(dv.getUint32(0x8000, true)).toBe(0x1234);
    // Another agent stores between the reservation and the store-conditional: it must fail.
    cpu.set64(64, 0x1000n);
    cpu.run(1);
    dv.setUint32(0x8000, 0x5555, true);
    cpu.run(2);
    expect((cpu.getGpr(7) >> 29n) & 1n).toBe(0n);
    expect(dv.getUint32(0x8000, true)).toBe(0x5555);
    cpu.run(1);
    dv.setBigUint64(0x8008, 0x77n, true);
    cpu.run(2);
    expect((cpu.getGpr(8) >> 29n) & 1n).toBe(0n);
    expect(dv.getBigUint64(0x8008, true)).toBe(0x77n);
  });
});
