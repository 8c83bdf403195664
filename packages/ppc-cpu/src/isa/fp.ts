/** Floating-point facility (Power ISA 2.07 Book I chapter 4). */
import type { Cpu } from '../cpu.js';
import type { InsnDef } from '../table.js';

export const FP: InsnDef<Cpu>[] = [];
