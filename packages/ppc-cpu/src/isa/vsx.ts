/** Vector-scalar facility (Power ISA 2.07 Book I chapter 7). */
import type { Cpu } from '../cpu.js';
import type { InsnDef } from '../table.js';

export const VSX: InsnDef<Cpu>[] = [];
