/**
 * Tiny bare-metal guests for the gdbstub tests: a system-mode POWER8 vCPU in
 * little-endian real mode (SystemMmu over an hpt-mmu HPT), with code encoded
 * from the ppc-cpu instruction table (public API only).
 */
import { HashMmu, HashPageTable, Slb } from '@ppcvm/hpt-mmu';
import { Cpu, compileInsn, INSTRUCTIONS, type InsnDef, insertField, layout, SystemMmu } from '@ppcvm/ppc-cpu';

const byName = new Map<string, InsnDef<Cpu>>();
for (const d of INSTRUCTIONS) if (!byName.has(d.m)) byName.set(d.m, d);

/** Encode a base mnemonic (flag bits Rc/OE/LK/AA = 0) with operands keyed by lower-case field name. */
export function enc(m: string, ops: Readonly<Record<string, number>> = {}): number {
  const def = byName.get(m);
  if (!def) throw new Error(`enc: no instruction ${m}`);
  const ci = compileInsn(def);
  let w = ci.match;
  for (const o of ci.operands) {
    const v = ops[o.key];
    if (v === undefined) throw new Error(`enc ${m}: missing operand ${o.key}`);
    w = insertField(o.field, w, v);
  }
  return w >>> 0;
}

export const RAM_BYTES = 4 << 20;

export interface Guest {
  readonly cpu: Cpu;
  readonly ram: SharedArrayBuffer;
  readonly dv: DataView;
  readonly hpt: HashPageTable;
  readonly mmu: SystemMmu;
}

/** A vCPU in supervisor real mode, 64-bit little-endian (MSR = SF|ME|LE), FP/VMX/VSX on. */
export function bareMetal(opts: { ram?: SharedArrayBuffer; pir?: number } = {}): Guest {
  const ram = opts.ram ?? new SharedArrayBuffer(RAM_BYTES);
  const hpt = HashPageTable.create(18);
  const mmu = new SystemMmu({ mmu: new HashMmu({ hpt, slb: new Slb() }), ramBytes: ram.byteLength });
  const cpu = new Cpu({ ram, translator: mmu });
  mmu.attach(cpu);
  cpu.mmu = mmu;
  cpu.system = true;
  cpu.pir = opts.pir ?? 0;
  cpu.useInstructionCountTimebase();
  cpu.setMsr(
    layout.MSR_HI_SF,
    layout.MSR_LO_ME | layout.MSR_LO_LE | layout.MSR_LO_FP | layout.MSR_LO_VEC | layout.MSR_LO_VSX,
  );
  return { cpu, ram, dv: new DataView(ram), hpt, mmu };
}

export function put(g: Guest, addr: number, words: readonly number[]): void {
  for (const [i, w] of words.entries()) g.dv.setUint32(addr + 4 * i, w, true);
}

export const CODE = 0x1000;
export const DATA = 0x100000;

/**
 * The counting loop the gdb tests debug:
 *   0x1000 lis  r4,0x10        ; r4 = DATA
 *   0x1004 li   r3,0
 *   0x1008 addi r3,r3,1        ; loop:
 *   0x100c stw  r3,0(r4)       ; *(int *)DATA = r3
 *   0x1010 lwz  r5,4(r4)
 *   0x1014 b    0x1008
 */
export function countingLoop(g: Guest): void {
  put(g, CODE, [
    enc('addis', { rt: 4, ra: 0, si: DATA >>> 16 }),
    enc('addi', { rt: 3, ra: 0, si: 0 }),
    enc('addi', { rt: 3, ra: 3, si: 1 }),
    enc('stw', { rs: 3, ra: 4, d: 0 }),
    enc('lwz', { rt: 5, ra: 4, d: 4 }),
    enc('b', { li: -12 }),
  ]);
  g.cpu.set64(layout.PC, BigInt(CODE));
  g.cpu.setGpr(1, 0x8000n);
}
