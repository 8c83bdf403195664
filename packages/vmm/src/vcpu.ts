/**
 * The vmm's per-vCPU state next to the CPU itself: run state (RTAS stopped or
 * not), the H_PROD flag, and the areas registered with H_REGISTER_VPA
 * (papr-notes B §2.4).
 */
import type { Cpu } from '@ppcvm/ppc-cpu';
import type { VcpuHandle } from './hcalls.js';
import { CpuHcallArgs } from './router.js';

/** SPR number of LPCR (Book III-S §2.2). */
const LPCR = 318;

export type VcpuRunState = 'running' | 'stopped';

/** A vCPU run on the machine's own thread (every vCPU shares it: `-smp` round-robin, thread=single). */
export class Vcpu implements VcpuHandle {
  cpu: Cpu;
  hcallArgs: CpuHcallArgs;
  /** 'stopped': RTAS stop-self or never started; only start-cpu runs it again. */
  state: VcpuRunState;
  /** Set by H_PROD, consumed by the next H_CEDE / H_CONFER to self. */
  prod = false;
  vpa = 0;
  slbShadowAddr = 0;
  slbShadowSize = 0;
  dtlAddr = 0;
  dtlSize = 0;

  constructor(
    readonly index: number,
    cpu: Cpu,
    state: VcpuRunState = 'running',
    /** Wake the run loop (a vCPU became runnable). */
    private readonly kick: () => void = () => {},
  ) {
    this.cpu = cpu;
    this.hcallArgs = new CpuHcallArgs(cpu, index);
    this.state = state;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  takeProd(): boolean {
    const was = this.prod;
    this.prod = false;
    return was;
  }

  signalProd(): void {
    this.prod = true;
    this.cpu.halted = false;
    this.kick();
  }

  signalSystemReset(): void {
    this.cpu.halted = false;
    this.cpu.signalSystemReset();
    this.kick();
  }

  updateLpcr(value: bigint, mask: bigint): void {
    const lpcr = this.cpu.getSpr(LPCR);
    this.cpu.setSpr(LPCR, (lpcr & ~mask) | (value & mask));
  }

  /** Swap in a fresh Cpu (machine reset) and forget the registrations. */
  replaceCpu(cpu: Cpu, state: VcpuRunState): void {
    this.cpu = cpu;
    this.hcallArgs = new CpuHcallArgs(cpu, this.index);
    this.state = state;
    this.prod = false;
    this.vpa = 0;
    this.slbShadowAddr = 0;
    this.slbShadowSize = 0;
    this.dtlAddr = 0;
    this.dtlSize = 0;
  }
}
