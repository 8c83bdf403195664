/** Vector facility, VMX/Altivec (Power ISA 2.07 Book I chapter 6). */
import type { Cpu } from '../cpu.js';
import type { InsnDef } from '../table.js';

export const VMX: InsnDef<Cpu>[] = [];
