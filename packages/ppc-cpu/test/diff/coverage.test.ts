/**
 * Coverage of the differential test: every user-mode table entry with an
 * executor has cases (or a documented exclusion), the chapters that are
 * expected to be complete have executors, and every mnemonic of the busybox
 * opcode-usage list maps to an entry that is tested.
 */
import { describe, expect, it } from 'vitest';
import { COVERED_BY_HARNESS, coverage } from './coverage.js';
import { harnessFeatures, missingFeatures } from './driver.js';

describe('differential test coverage', () => {
  const have = harnessFeatures();
  const rep = coverage((p) => missingFeatures(p, have).length === 0);

  it('runs every user-mode instruction form that has an executor', () => {
    const blocked = rep.plans
      .filter((p) => missingFeatures(p, have).length > 0)
      .map((p) => `${p.name} (needs ${missingFeatures(p, have).join('+')})`);
    console.log(
      `differential coverage: ${rep.forms.size} instruction forms tested, ${rep.busyboxCovered} busybox mnemonics covered, ` +
        `${rep.excluded.length} table entries excluded, ${rep.unimplemented.length} unimplemented, ${blocked.length} plans blocked`,
    );
    for (const e of rep.excluded.filter((x) => x.def.exec && !x.def.priv))
      console.log(`  excluded ${e.def.m}: ${COVERED_BY_HARNESS[e.def.m] ?? e.why}`);
    expect(blocked).toEqual([]);
    // Only entries covered some other way may go without plans.
    const unplanned = rep.excluded
      .filter((e) => e.def.exec && !e.def.priv && !COVERED_BY_HARNESS[e.def.m])
      .map((e) => `${e.def.m}: ${e.why}`);
    expect(unplanned).toEqual([]);
    expect(rep.forms.size).toBeGreaterThan(0);
  });

  it('has executors for every entry of the fixed-point, branch, storage, FP, VMX and VSX chapters', () => {
    expect(rep.unimplemented).toEqual([]);
  });

  it('covers every mnemonic busybox uses (extended mnemonics mapped to their base entries)', () => {
    expect(rep.busyboxMissing).toEqual([]);
    expect(rep.busyboxCovered).toBeGreaterThan(200);
  });
});
