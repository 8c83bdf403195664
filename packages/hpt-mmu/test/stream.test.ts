import { H } from '@ppcvm/machine-core';
import { describe, expect, it } from 'vitest';
import { HashPageTable, hptStreamShift, loadHptStream, saveHptStream } from '../src/index.js';
import { rig } from './helpers.js';

/** Fill some entries with recognisable valid HPTEs. */
function fill(hpt: HashPageTable, seed: number, count: number): void {
  let s = seed;
  for (let k = 0; k < count; k++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const ptex = s % hpt.nHptes;
    hpt.write(ptex, (BigInt(s) << 7n) | 1n | (BigInt(k & 1) << 62n), (BigInt(ptex) << 12n) | 0x192n);
  }
}

/** Byte-compare two tables (vitest's deep equality is slow on large typed arrays). */
function expectSameTable(a: HashPageTable, b: HashPageTable): void {
  expect(Buffer.compare(a.snapshot(), b.snapshot())).toBe(0);
}

/** Parse records: [index, nValid, nInvalid][]. */
function records(bytes: Uint8Array, le = false): [number, number, number][] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: [number, number, number][] = [];
  let off = 4;
  for (;;) {
    const rec: [number, number, number] = [dv.getUint32(off, le), dv.getUint16(off + 4, le), dv.getUint16(off + 6, le)];
    off += 8;
    if (rec[0] === 0 && rec[1] === 0 && rec[2] === 0) return out;
    out.push(rec);
    off += rec[1] * 16;
  }
}

describe('HPT stream', () => {
  it('round-trips a table byte for byte', () => {
    const a = HashPageTable.create(18);
    fill(a, 1, 3000);
    const bytes = saveHptStream(a);
    expect(hptStreamShift(bytes)).toBe(18);
    const b = HashPageTable.create(18);
    fill(b, 99, 500); // whatever was there goes
    const res = loadHptStream(b, bytes);
    expectSameTable(b, a);
    expect(res.valid + res.invalid).toBe(a.nHptes);
    let valid = 0;
    for (let i = 0; i < a.nHptes; i++) if ((a.read(i).v & 1n) !== 0n) valid++;
    expect(res.valid).toBe(valid);
  });

  it('writes runs of valid then invalid entries, each count capped at 0xffff', () => {
    const hpt = HashPageTable.create(21); // 131072 entries
    for (let i = 10; i < 10 + 70000; i++) hpt.write(i, 1n, BigInt(i));
    const bytes = saveHptStream(hpt);
    const recs = records(bytes);
    expect(recs[0]).toEqual([0, 0, 10]);
    expect(recs[1]).toEqual([10, 0xffff, 0]);
    expect(recs[2]).toEqual([10 + 0xffff, 70000 - 0xffff, hpt.nHptes - 70010]);
    const covered = recs.reduce((s, r) => s + r[1] + r[2], 0);
    expect(covered).toBe(hpt.nHptes);
    const copy = HashPageTable.create(21);
    loadHptStream(copy, bytes);
    expectSameTable(copy, hpt);
  });

  it('iterative save: only entries changed since the last save', () => {
    const r = rig(18);
    fill(r.hpt, 5, 200);
    const first = saveHptStream(r.hpt);
    const dest = HashPageTable.create(18);
    loadHptStream(dest, first);
    // Nothing changed: an empty delta.
    expect(records(saveHptStream(r.hpt, { onlyDirty: true }))).toEqual([]);
    // Change three entries through hcalls.
    expect(r.call('H_ENTER', 0n, 800n, (0x77n << 7n) | 1n, 0x5002n).rc).toBe(H.SUCCESS);
    let victim = 0;
    while ((r.hpt.read(victim).v & 1n) === 0n) victim++;
    expect(r.call('H_REMOVE', 0n, BigInt(victim), 0n).rc).toBe(H.SUCCESS);
    expect(r.call('H_PROTECT', 3n, 800n, 0n).rc).toBe(H.SUCCESS);
    const delta = saveHptStream(r.hpt, { onlyDirty: true });
    const recs = records(delta);
    expect(recs.reduce((s, x) => s + x[1] + x[2], 0)).toBe(2);
    loadHptStream(dest, delta);
    expectSameTable(dest, r.hpt);
  });

  it('reads and writes KVM-style host-order (little-endian) headers', () => {
    const a = HashPageTable.create(18);
    fill(a, 7, 100);
    const bytes = saveHptStream(a, { headerEndian: 'little' });
    expect(bytes[0]).toBe(18);
    expect(hptStreamShift(bytes, { headerEndian: 'little' })).toBe(18);
    const b = HashPageTable.create(18);
    loadHptStream(b, bytes, { headerEndian: 'little' });
    expectSameTable(b, a);
  });

  it('rejects malformed streams', () => {
    const a = HashPageTable.create(18);
    fill(a, 3, 10);
    const good = saveHptStream(a);
    const b = HashPageTable.create(18);
    expect(() => loadHptStream(HashPageTable.create(19), good)).toThrow(/2\^18/);
    expect(() => loadHptStream(b, good.subarray(0, 2))).toThrow(/truncated/);
    expect(() => loadHptStream(b, good.subarray(0, good.length - 8))).toThrow(/truncated/);
    const extra = new Uint8Array(good.length + 1);
    extra.set(good);
    expect(() => loadHptStream(b, extra)).toThrow(/after the end/);
    // A run past the end of the table.
    const past = new Uint8Array(4 + 8 + 8);
    const dv = new DataView(past.buffer);
    dv.setUint32(0, 18);
    dv.setUint32(4, 16380);
    dv.setUint16(10, 10);
    expect(() => loadHptStream(b, past)).toThrow(/beyond/);
    // An entry without V inside a valid run.
    const inval = new Uint8Array(4 + 8 + 16 + 8);
    const dv2 = new DataView(inval.buffer);
    dv2.setUint32(0, 18);
    dv2.setUint32(4, 5);
    dv2.setUint16(8, 1);
    expect(() => loadHptStream(b, inval)).toThrow(/not valid/);
  });
});
