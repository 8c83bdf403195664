import { describe, expect, it } from 'vitest';
import { GuestMemory, GuestMemoryError, H, mergeHcallTables } from '../src/index.js';

describe('README example', () => {
  it('behaves as the README says', () => {
    const mem = GuestMemory.allocate(1 << 20);
    mem.write32BE(0x1000, 0xcafef00d);
    expect(mem.read32LE(0x1000).toString(16)).toBe('df0feca');
    let caught: unknown;
    try {
      mem.read64BE(0xffffc);
    } catch (e) {
      caught = e;
    }
    expect(GuestMemoryError.is(caught)).toBe(true);
    const hcalls = mergeHcallTables([
      { owner: 'demo', entries: [{ opcode: 0x04, name: 'H_REMOVE', handler: () => H.NOT_FOUND }] },
    ]);
    expect(hcalls.get(0x04)?.owner).toBe('demo');
    expect(() =>
      mergeHcallTables([
        { owner: 'a', entries: [{ opcode: 8, name: 'X', handler: () => 0 }] },
        { owner: 'b', entries: [{ opcode: 8, name: 'Y', handler: () => 0 }] },
      ]),
    ).toThrow(/registered by both a and b/);
  });
});
