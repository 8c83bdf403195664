/** The whole instruction table, assembled from the per-chapter files. */
import type { Cpu } from '../cpu.js';
import type { InsnDef } from '../table.js';
import { BRANCH } from './branch.js';
import { FIXED_ARITH } from './fixed-arith.js';
import { FIXED_LDST } from './fixed-ldst.js';
import { FIXED_LOGIC } from './fixed-logic.js';

export const INSTRUCTIONS: readonly InsnDef<Cpu>[] = [...BRANCH, ...FIXED_ARITH, ...FIXED_LOGIC, ...FIXED_LDST];
