/**
 * Listed places where QEMU (qemu-ppc64le 7.2, -cpu power8) contradicts the
 * Power ISA and our CPU follows the ISA. Each entry names the ISA section that
 * justifies our behaviour and matches as narrowly as possible: the plan, and
 * the exact fields (or outcome) that differ.
 */
import type { FieldDiff } from './driver.js';
import type { Plan } from './gen.js';
import type { BuiltCase } from './program.js';

export interface Deviation {
  /** Plan names (variant mnemonics, possibly with an '@...' suffix) it applies to. */
  readonly plans: RegExp;
  /** The differing fields must all match this; or, for outcome deviations, [ours, qemu]. */
  readonly fields?: RegExp;
  readonly outcome?: readonly [string, string];
  /** Further condition on the case (e.g. an operand value). */
  readonly when?: (c: BuiltCase, diffs: readonly FieldDiff[]) => boolean;
  readonly why: string;
}

export const DEVIATIONS: readonly Deviation[] = [];

/** The deviation that explains this mismatch, if any. */
export function knownDeviation(
  plan: Plan,
  c: BuiltCase,
  diffs: readonly FieldDiff[],
  outcomes?: readonly [string, string],
): string | undefined {
  for (const d of DEVIATIONS) {
    if (!d.plans.test(plan.name)) continue;
    if (outcomes) {
      if (!d.outcome || d.outcome[0] !== outcomes[0] || d.outcome[1] !== outcomes[1]) continue;
    } else {
      if (!d.fields || diffs.length === 0 || !diffs.every((f) => d.fields!.test(f.field))) continue;
    }
    if (d.when && !d.when(c, diffs)) continue;
    return d.why;
  }
  return undefined;
}
