/**
 * The shared shape of the per-chapter differential tests: run every plan of
 * the chapter on QEMU and on our Cpu, print the summary and every mismatch,
 * and require no unexplained mismatch.
 */

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Cpu } from '../../src/cpu.js';
import type { InsnDef } from '../../src/table.js';
import { formatReport, runDiff } from './driver.js';
import { allPlans } from './gen.js';
import { QEMU } from './runners.js';

/** Per-test time limit: the whole differential suite is meant to stay well under 5 minutes. */
const TIMEOUT = 240_000;

export function diffSuite(chapter: string, filter: (def: InsnDef<Cpu>) => boolean): void {
  describe(`differential vs ${QEMU} -cpu power8: ${chapter}`, () => {
    it.skipIf(!existsSync(QEMU))(
      `${chapter} instructions give the same architected state as QEMU`,
      async () => {
        const { plans } = allPlans(filter);
        const rep = await runDiff(chapter, plans);
        console.log(formatReport(rep));
        for (const d of rep.deviations.slice(0, 3)) console.log(`listed QEMU deviation (${d.plan}): ${d.deviation}`);
        expect(rep.cases).toBeGreaterThan(0);
        expect(rep.mismatches.map((m) => m.text)).toEqual([]);
      },
      TIMEOUT,
    );
  });
}
