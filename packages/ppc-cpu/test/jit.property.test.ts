/**
 * Property: random programs (every templated table entry with random operands, loads and
 * stores into a data window with faults at its edges, forward and backward branches, a
 * bdnz loop, fallback-only instructions) end in the same architected state, memory,
 * instruction count and stop reasons with the block JIT (compiling at the first visit, or
 * after a few) as with the interpreter alone, in 64- and 32-bit mode and both byte orders,
 * run in budget slices of random sizes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TEMPLATES } from '../src/jit/templates.js';
import { diffCpus, FALLBACK_ONLY, instructionPool, loadProgram, randomProgram, runSlices } from './jit-rig.js';

const pool = instructionPool();

describe('block JIT vs interpreter on random programs', () => {
  it('the pool covers the templates and the listed fallbacks', () => {
    const names = new Set(pool.variants.map((v) => v.ci.def.m));
    for (const m of [...Object.keys(TEMPLATES), ...FALLBACK_ONLY]) expect(names.has(m), m).toBe(true);
  });

  it('same state, memory, counts and stops', () => {
    let compiled = 0;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 80 }),
        fc.constantFrom(0, 0, 1, 3),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 4 }),
        (seed, len, threshold, slices) => {
          const p = randomProgram(pool, seed, len);
          const ref = loadProgram(p, false);
          const jit = loadProgram(p, true, threshold);
          const limit = 4000;
          const a = runSlices(ref, slices, limit);
          const b = runSlices(jit, slices, limit);
          compiled += jit.jitCompiled;
          expect(ref.jitCompiled).toBe(0);
          expect(b, `stops (seed ${seed}, len ${len})`).toEqual(a);
          expect(diffCpus(ref, jit), `seed ${seed}, len ${len}, threshold ${threshold}`).toBeUndefined();
        },
      ),
      { numRuns: 1000 },
    );
    // The property must have exercised compiled code, not only the interpreter.
    expect(compiled).toBeGreaterThan(400);
  });
});
