/** Decimal floating point (Power ISA 2.07 Book I chapter 5). */
import type { Cpu } from '../cpu.js';
import type { InsnDef } from '../table.js';

export const DFP: InsnDef<Cpu>[] = [];
