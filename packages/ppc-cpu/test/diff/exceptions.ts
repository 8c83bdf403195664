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

const spr = (n: string) => (c: BuiltCase) => new RegExp(`^m[ft]spr (r\\d+,)?(${n})(,r\\d+)?$`).test(c.text[0] ?? '');

export const DEVIATIONS: readonly Deviation[] = [
  {
    plans: /^(lmw|stmw|lswi|lswx|stswi|stswx)$/,
    outcome: ['SIGBUS', 'SIGABRT'],
    why:
      'Load/store multiple and string in little-endian mode cause an Alignment interrupt (Book I §3.3.6-3.3.7, ' +
      'Book III-S §6.5.8), which Linux reports as SIGBUS; qemu-user 7.2 aborts ("Unknown exception 0x5").',
  },
  {
    plans: /^(lq|stq|sthcx\.|stwcx\.|stdcx\.|stqcx\.)@misaligned$/,
    outcome: ['SIGBUS', 'exit 0'],
    why:
      'A misaligned lq/stq or store conditional causes an Alignment interrupt (Book II §4.4.2, Book III-S §6.5.8); ' +
      'QEMU performs lq/stq anyway and lets a misaligned st*cx. simply fail.',
  },
  {
    plans: /^stqcx\.$/,
    fields: /^(cr|win\+\d+)$/,
    when: (c) => c.text.length === 2,
    why:
      'stqcx. right after lqarx of the same quadword must succeed (Book II §4.4.2); QEMU 7.2 loses the lqarx ' +
      'reservation (fixed upstream by "target/ppc: Fix lqarx to set cpu_reserve") and fails the store.',
  },
  {
    plans: /^icbt$/,
    outcome: ['exit 0', 'SIGILL'],
    why: 'icbt is a Server instruction since ISA 2.07 (Book II §4.3.1); QEMU 7.2 only decodes it for BookE.',
  },
  {
    plans: /^dcbf@L3$/,
    outcome: ['exit 0', 'SIGILL'],
    why: 'dcbf L=3 (dcbflp) is valid in ISA 2.07 (Book II §4.3.2); QEMU 7.2 treats L bits as reserved.',
  },
  {
    plans: /^m[ft]spr$/,
    outcome: ['exit 0', 'SIGILL'],
    when: spr('3|13|898'),
    why:
      'DSCR (SPR 3, Book II: Data Stream Control Register), AMR (SPR 13, Book III-S: Authority Mask Register) and ' +
      'PPR32 (SPR 898, Book II ch. 3: Program Priority Register) are problem-state SPRs on POWER8; ' +
      'QEMU 7.2 -cpu power8 does not give user mode access to them.',
  },
];

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
