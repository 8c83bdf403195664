/** The whole instruction table, assembled from the per-chapter files. */
import type { Cpu } from '../cpu.js';
import type { InsnDef } from '../table.js';
import { BRANCH } from './branch.js';
import { DFP } from './dfp.js';
import { FIXED_ARITH } from './fixed-arith.js';
import { FIXED_LDST } from './fixed-ldst.js';
import { FIXED_LOGIC } from './fixed-logic.js';
import { FP } from './fp.js';
import { P9_FIXED } from './p9-fixed.js';
import { P9_FP } from './p9-fp.js';
import { P9_VMX } from './p9-vmx.js';
import { P9_VSX } from './p9-vsx.js';
import { PRIVILEGED_EXEC } from './privileged.js';
import { SYSTEM } from './system.js';
import { VMX } from './vmx.js';
import { VSX } from './vsx.js';

export const INSTRUCTIONS: readonly InsnDef<Cpu>[] = [
  ...BRANCH,
  ...FIXED_ARITH,
  ...FIXED_LOGIC,
  ...FIXED_LDST,
  ...FP,
  ...VMX,
  ...VSX,
  ...DFP,
  ...P9_FIXED,
  ...P9_VSX,
  ...P9_FP,
  ...P9_VMX,
  // Privileged entries get their executors by mnemonic (decode table and semantics live apart).
  ...SYSTEM.map((d) => (d.exec || !PRIVILEGED_EXEC[d.m] ? d : { ...d, exec: PRIVILEGED_EXEC[d.m] })),
];
