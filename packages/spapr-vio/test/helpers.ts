import { type HcallArgs, type HcallTable, type IrqLine, mergeHcallTables } from '@ppcvm/machine-core';

/** An IrqLine that records what the device did to it. */
export class RecordingLine implements IrqLine {
  events: string[] = [];
  raise(): void {
    this.events.push('raise');
  }
  lower(): void {
    this.events.push('lower');
  }
  pulse(): void {
    this.events.push('pulse');
  }
  set(level: boolean): void {
    this.events.push(level ? 'raise' : 'lower');
  }
}

/** Call hcalls of merged tables like the vmm does: args r4.., outputs r4... */
export function hcaller(...tables: HcallTable[]) {
  const map = mergeHcallTables(tables);
  return (opcode: number, ...args: bigint[]): { rc: number; rets: bigint[] } => {
    const regs = args.slice();
    const a: HcallArgs = {
      cpuIndex: 0,
      arg: (i) => BigInt.asUintN(64, regs[i] ?? 0n),
      ret: (i, v) => {
        regs[i] = BigInt.asUintN(64, v);
      },
    };
    const e = map.get(opcode);
    if (!e) throw new Error(`no hcall 0x${opcode.toString(16)}`);
    const rc = e.handler(a);
    return { rc, rets: regs };
  };
}
