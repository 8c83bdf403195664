/**
 * Property: the CPU's soft TLB never returns a translation the hashed page table
 * no longer has. Random sequences of H_ENTER / H_REMOVE / H_PROTECT / H_CLEAR_MOD
 * interleave with loads and stores through the CPU; each access must agree with
 * a side-effect-free walk of the HPT at that moment.
 */
import {
  createHptHcalls,
  createMmuRegs,
  encodeHpteR,
  encodeHpteV,
  HashMmu,
  HashPageTable,
  HCALL,
  primaryHash,
  ptegIndex,
  Slb,
  Translation,
} from '@ppcvm/hpt-mmu';
import { H, type HcallArgs, type HcallEntry } from '@ppcvm/machine-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cpu, GuestFault } from '../src/cpu.js';
import { MSR_HI_SF, MSR_LO_DR, MSR_LO_LE, MSR_LO_ME } from '../src/state.js';
import { SystemMmu } from '../src/system-mmu.js';

const RAM = 4 << 20;
const VSID = 0x5a5n;
const SEG_EA = 0x30000000; // ESID 3
const PAGES = 3;

type Op =
  | { kind: 'enter'; page: number; frame: number; pp: number }
  | { kind: 'remove'; page: number }
  | { kind: 'protect'; page: number; pp: number }
  | { kind: 'clearmod'; page: number }
  | { kind: 'load'; page: number }
  | { kind: 'store'; page: number; value: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('enter' as const),
    page: fc.nat(PAGES - 1),
    frame: fc.nat(7),
    pp: fc.constantFrom(0, 2, 3),
  }),
  fc.record({ kind: fc.constant('remove' as const), page: fc.nat(PAGES - 1) }),
  fc.record({ kind: fc.constant('protect' as const), page: fc.nat(PAGES - 1), pp: fc.constantFrom(0, 2, 3) }),
  fc.record({ kind: fc.constant('clearmod' as const), page: fc.nat(PAGES - 1) }),
  fc.record({ kind: fc.constant('load' as const), page: fc.nat(PAGES - 1) }),
  fc.record({ kind: fc.constant('store' as const), page: fc.nat(PAGES - 1), value: fc.integer() }),
);

function call(entry: HcallEntry, args: bigint[]): { rc: number; out: bigint[] } {
  const out: bigint[] = [];
  const a: HcallArgs = {
    arg: (i) => args[i] ?? 0n,
    ret: (i, v) => {
      out[i] = v;
    },
    cpuIndex: 0,
  };
  return { rc: entry.handler(a), out };
}

describe('soft TLB coherence with the HPT', () => {
  it('every load/store agrees with a fresh HPT walk', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 60, size: 'max' }), (ops) => {
        const ram = new SharedArrayBuffer(RAM);
        const hpt = HashPageTable.create(18);
        const slb = new Slb();
        const hash = new HashMmu({ hpt, slb });
        const mmu = new SystemMmu({ mmu: hash, ramBytes: RAM });
        const cpu = new Cpu({ ram, translator: mmu, hooks: { hypercall: () => {} } });
        mmu.attach(cpu);
        cpu.system = true;
        cpu.setMsr(MSR_HI_SF, MSR_LO_ME | MSR_LO_LE | MSR_LO_DR);
        slb.slbmte(VSID << 12n, (BigInt(SEG_EA >>> 28) << 28n) | (1n << 27n));
        const hc = createHptHcalls({ hpt, onInvalidate: mmu.invalidator() });
        const byOpcode = new Map(hc.table.entries.map((e) => [e.opcode, e]));
        const slotOf = new Map<number, number>();
        const regs = createMmuRegs();
        const probe = new Translation();
        for (const op of ops) {
          const ea = SEG_EA + op.page * 0x1000;
          switch (op.kind) {
            case 'enter': {
              const ptex = ptegIndex(primaryHash(VSID, BigInt(ea), 12, '256M'), hpt.shift) * 8;
              const v = encodeHpteV({ vsid: VSID, ea: BigInt(ea), segment: '256M', basePageShift: 12 });
              const r = encodeHpteR(
                { ra: BigInt(0x100000 + op.frame * 0x1000), basePageShift: 12, pp: op.pp },
                hash.pageSizes,
              );
              // Replace any previous mapping of this page first (Linux never has two).
              const old = slotOf.get(op.page);
              if (old !== undefined) call(byOpcode.get(HCALL.H_REMOVE)!, [0n, BigInt(old), 0n]);
              const res = call(byOpcode.get(HCALL.H_ENTER)!, [0n, BigInt(ptex), v, r]);
              if (res.rc === H.SUCCESS) slotOf.set(op.page, Number(res.out[0]));
              else slotOf.delete(op.page);
              break;
            }
            case 'remove': {
              const slot = slotOf.get(op.page);
              if (slot !== undefined) call(byOpcode.get(HCALL.H_REMOVE)!, [0n, BigInt(slot), 0n]);
              slotOf.delete(op.page);
              break;
            }
            case 'protect': {
              const slot = slotOf.get(op.page);
              if (slot !== undefined) call(byOpcode.get(HCALL.H_PROTECT)!, [BigInt(op.pp), BigInt(slot), 0n]);
              break;
            }
            case 'clearmod': {
              const slot = slotOf.get(op.page);
              if (slot !== undefined) call(byOpcode.get(HCALL.H_CLEAR_MOD)!, [0n, BigInt(slot)]);
              break;
            }
            case 'load':
            case 'store': {
              const store = op.kind === 'store';
              const ok = hash.probe(0, ea, store ? 1 : 0, regs, probe);
              let got: number | 'fault';
              try {
                if (store) {
                  cpu.write32(0, ea + 0x10, op.value);
                  got = 0;
                } else got = cpu.read32(0, ea + 0x10);
              } catch (e) {
                if (!(e instanceof GuestFault)) throw e;
                got = 'fault';
              }
              if (!ok) expect(got).toBe('fault');
              else {
                expect(got).not.toBe('fault');
                const raw = new DataView(ram).getInt32(probe.raLo + 0x10, true);
                if (store) expect(raw).toBe(op.value | 0);
                else expect(got).toBe(raw);
              }
              break;
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
