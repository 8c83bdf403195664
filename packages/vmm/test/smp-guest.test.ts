/**
 * SMP through the machine with a hand-written real-mode guest: RTAS start-cpu
 * starts the second vCPU at an entry point with r3 = an argument, that vCPU
 * reports its PIR and stops itself with stop-self, and query-cpu-stopped-state
 * sees it stopped.
 */
import { describe, expect, it } from 'vitest';
import { KERNEL_LOAD_ADDR } from '../src/index.js';
import { Asm } from './support/asm.js';
import { bootGuest, RTAS_BUF, rtasCall, SCRATCH } from './support/guest.js';

describe('secondary vCPUs through RTAS', () => {
  it.each(['single', 'multi'] as const)(
    'start-cpu runs the second vCPU at its entry with r3, stop-self stops it, query-cpu-stopped-state agrees (thread=%s)',
    async (thread) => {
      const a = new Asm();
      a.b('primary');
      // Secondary entry (KERNEL_LOAD_ADDR + 4): save r3 and PIR, then stop-self.
      a.li64(30, BigInt(SCRATCH)).std(3, 8, 30).mfspr(4, 1023).std(4, 16, 30);
      rtasCall(a, 'stop-self', [], 1, { buf: RTAS_BUF + 0x100 });
      a.hang();
      a.label('primary');
      rtasCall(a, 'start-cpu', [1, KERNEL_LOAD_ADDR + 4, 0x1234], 1);
      a.label('wait');
      a.li64(30, BigInt(SCRATCH)).ld(5, 8, 30).cmpdi(5, 0).beq('wait');
      // Ask until the secondary reports "stopped" (0); it may still be on its way to stop-self.
      a.label('query');
      rtasCall(a, 'query-cpu-stopped-state', [1], 2);
      a.lwz(6, 20, 31).cmpdi(6, 0).bne('query');
      a.li64(30, BigInt(SCRATCH)).std(6, 24, 30);
      rtasCall(a, 'power-off', [0xffffffff, 0xffffffff], 1);
      a.hang();
      // Worker threads read the host time base (a function cannot cross to them).
      const { machine } = bootGuest(a, { smp: 2, thread, ...(thread === 'multi' ? { timebase: undefined } : {}) });
      expect(machine.threadMode).toBe(thread);
      if (thread === 'single') {
        expect(machine.vcpus.map((v) => v.state)).toEqual(['running', 'stopped']);
        expect(machine.runFor(2_000_000)).toEqual({ kind: 'exit', exit: { kind: 'power-off' } });
      } else {
        expect(await machine.run()).toEqual({ kind: 'power-off' });
        return void expect(machine.memory.read64BE(SCRATCH + 24)).toBe(0n);
      }
      expect(machine.memory.read64BE(SCRATCH + 8)).toBe(0x1234n);
      expect(machine.memory.read64BE(SCRATCH + 16)).toBe(1n);
      expect(machine.memory.read64BE(SCRATCH + 24)).toBe(0n);
      expect(machine.vcpus[1]!.state).toBe('stopped');
    },
  );
});
