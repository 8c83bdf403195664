/** Privileged and hypervisor instructions (Power ISA 2.07 Book III-S). */
import type { Cpu } from '../cpu.js';
import type { InsnDef } from '../table.js';

export const SYSTEM: InsnDef<Cpu>[] = [];
