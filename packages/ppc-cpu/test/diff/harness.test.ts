/**
 * Self-checks of the differential harness: the table encoder, the ELF
 * writer/reader, and that a dump comparison really notices a difference.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PF_R, PF_X, readElf64, writeElf64 } from '../support/elf-writer.js';
import { enc } from '../support/encode.js';
import { compareCase } from './driver.js';
import { buildProgram, NO_FEATURES, R } from './program.js';
import { Rng } from './rng.js';
import { QEMU, runCpu, runQemu } from './runners.js';
import { randomInput } from './values.js';

describe('differential harness', () => {
  it('encodes words from the instruction table', () => {
    expect(enc('addi', { rt: 3, ra: 0, si: 5 })).toBe(0x38600005);
    expect(enc('bl', { li: 8 })).toBe(0x48000009);
    expect(enc('stdu', { rs: 1, ra: 1, ds: -32 })).toBe(0xf821ffe1);
    expect(enc('add.', { rt: 3, ra: 4, rb: 5 })).toBe(0x7c642a15);
    expect(enc('bclr', { bo: 20, bi: 0, bh: 0 })).toBe(0x4e800020);
  });

  it('writes an ELF64 that reads back', () => {
    const code = new Uint8Array([1, 2, 3, 4]);
    const img = readElf64(
      writeElf64({ entry: 0x1000_0000, segments: [{ vaddr: 0x1000_0000, data: code, flags: PF_R | PF_X }] }),
    );
    expect(img.entry).toBe(0x1000_0000);
    expect(img.segments).toHaveLength(1);
    expect([...img.segments[0]!.data]).toEqual([1, 2, 3, 4]);
    expect(img.segments[0]!.flags).toBe(PF_R | PF_X);
  });

  it.skipIf(!existsSync(QEMU))('gives identical dumps for a simple case, and notices a changed register', async () => {
    const input = randomInput(new Rng(1));
    input.gpr[4] = 41n;
    const p = buildProgram(
      [{ make: () => ({ words: [enc('addi', { rt: 3, ra: 4, si: 1 })], text: ['addi r3,r4,1'], input, baseReg: 9 }) }],
      NO_FEATURES,
    );
    const ours = runCpu(p.elf);
    const qemu = await runQemu(p.elf);
    expect(ours.exit).toBe(0);
    expect(qemu.exit).toBe(0);
    expect(Buffer.from(ours.stdout).equals(Buffer.from(qemu.stdout))).toBe(true);
    const c = p.cases[0]!;
    expect(compareCase(p, 0, c, ours.stdout, qemu.stdout).diffs).toEqual([]);
    // r3 = 42 in both dumps; flip a bit of ours and the comparison must name gpr3.
    const at = p.layout.OUT + R.GPR + 8 * 3;
    expect(ours.stdout[at]).toBe(42);
    const bad = ours.stdout.slice();
    bad[at]! ^= 1;
    const { diffs } = compareCase(p, 0, c, bad, qemu.stdout);
    expect(diffs.map((d) => d.field)).toEqual(['gpr3']);
  });
});
