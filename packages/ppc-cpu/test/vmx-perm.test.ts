/**
 * VMX storage access, permutes, packs and whole-register shifts (Power ISA
 * 2.07 Book I ch. 6) against reference models in architected element
 * order; storage access in both byte orders; the MSR[VEC] check.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VMX } from '../src/isa/vmx.js';
import { compileInsn } from '../src/table.js';
import { DATA, elems, enc, join, Rig, sx } from './vmx-support.js';

const M128 = (1n << 128n) - 1n;
const bytes = (v: bigint) => elems(v, 8).map(Number);
const fromBytes = (bs: readonly number[]) => join(bs.map(BigInt), 8);

type Ref = (a: bigint, b: bigint, c: bigint, imm: number) => { t: bigint; sat?: boolean };

function clampN(v: bigint, bits: number, signed: boolean): [bigint, boolean] {
  const lo = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const hi = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  return v < lo ? [lo, true] : v > hi ? [hi, true] : [v, false];
}

/** Pack elements of A then B from `bits` to bits/2, with optional saturation. */
function pack(bits: number, srcSigned: boolean, sat: 'mod' | 's' | 'u'): Ref {
  return (a, b) => {
    const xs = [...elems(a, bits), ...elems(b, bits)].map((x) => (srcSigned ? sx(x, bits) : x));
    let s = false;
    const r = xs.map((x) => {
      if (sat === 'mod') return x;
      const [v, f] = clampN(x, bits / 2, sat === 's');
      s ||= f;
      return v;
    });
    return { t: join(r, bits / 2), sat: s };
  };
}

function merge(bits: number, low: boolean): Ref {
  return (a, b) => {
    const n = 128 / bits;
    const ea = elems(a, bits);
    const eb = elems(b, bits);
    const r: bigint[] = [];
    for (let i = 0; i < n / 2; i++) r.push(ea[i + (low ? n / 2 : 0)]!, eb[i + (low ? n / 2 : 0)]!);
    return { t: join(r, bits) };
  };
}

function unpack(bits: number, high: boolean): Ref {
  return (_a, b) => {
    const e = elems(b, bits);
    const half = high ? e.slice(0, e.length / 2) : e.slice(e.length / 2);
    return {
      t: join(
        half.map((x) => sx(x, bits)),
        2 * bits,
      ),
    };
  };
}

const px16to32 = (e: bigint) =>
  ((e >> 15n) & 1n ? 0xff000000n : 0n) | (((e >> 10n) & 31n) << 16n) | (((e >> 5n) & 31n) << 8n) | (e & 31n);
/** Pixel pack: word bits 7, 8:12, 16:20, 24:28 (big-endian bit numbering). */
const px32to16 = (w: bigint) => {
  const bit = (i: number) => (w >> BigInt(31 - i)) & 1n;
  const field = (i: number) => (w >> BigInt(31 - i - 4)) & 31n;
  return (bit(7) << 15n) | (field(8) << 10n) | (field(16) << 5n) | field(24);
};

const REF: Record<string, Ref> = {
  vperm: (a, b, c) => {
    const ab = [...bytes(a), ...bytes(b)];
    return { t: fromBytes(bytes(c).map((x) => ab[x & 31]!)) };
  },
  vpermxor: (a, b, c) => {
    const ba = bytes(a);
    const bb = bytes(b);
    return { t: fromBytes(bytes(c).map((x) => ba[x >> 4]! ^ bb[x & 15]!)) };
  },
  vsldoi: (a, b, _c, sh) => ({ t: fromBytes([...bytes(a), ...bytes(b)].slice(sh, sh + 16)) }),
  vmrghb: merge(8, false),
  vmrghh: merge(16, false),
  vmrghw: merge(32, false),
  vmrglb: merge(8, true),
  vmrglh: merge(16, true),
  vmrglw: merge(32, true),
  vmrgew: (a, b) => {
    const [ea, eb] = [elems(a, 32), elems(b, 32)];
    return { t: join([ea[0]!, eb[0]!, ea[2]!, eb[2]!], 32) };
  },
  vmrgow: (a, b) => {
    const [ea, eb] = [elems(a, 32), elems(b, 32)];
    return { t: join([ea[1]!, eb[1]!, ea[3]!, eb[3]!], 32) };
  },
  vspltb: (_a, b, _c, u) => ({ t: join(Array(16).fill(elems(b, 8)[u]!), 8) }),
  vsplth: (_a, b, _c, u) => ({ t: join(Array(8).fill(elems(b, 16)[u]!), 16) }),
  vspltw: (_a, b, _c, u) => ({ t: join(Array(4).fill(elems(b, 32)[u]!), 32) }),
  vpkuhum: pack(16, false, 'mod'),
  vpkuwum: pack(32, false, 'mod'),
  vpkudum: pack(64, false, 'mod'),
  vpkuhus: pack(16, false, 'u'),
  vpkuwus: pack(32, false, 'u'),
  vpkudus: pack(64, false, 'u'),
  vpkshus: pack(16, true, 'u'),
  vpkswus: pack(32, true, 'u'),
  vpksdus: pack(64, true, 'u'),
  vpkshss: pack(16, true, 's'),
  vpkswss: pack(32, true, 's'),
  vpksdss: pack(64, true, 's'),
  vupkhsb: unpack(8, true),
  vupklsb: unpack(8, false),
  vupkhsh: unpack(16, true),
  vupklsh: unpack(16, false),
  vupkhsw: unpack(32, true),
  vupklsw: unpack(32, false),
  vupkhpx: (_a, b) => ({ t: join(elems(b, 16).slice(0, 4).map(px16to32), 32) }),
  vupklpx: (_a, b) => ({ t: join(elems(b, 16).slice(4).map(px16to32), 32) }),
  vpkpx: (a, b) => ({ t: join([...elems(a, 32), ...elems(b, 32)].map(px32to16), 16) }),
  // Shift counts come from the low byte (architected byte 15) of VRB, as the ISA requires all bytes to agree.
  vsl: (a, b) => ({ t: (a << (b & 7n)) & M128 }),
  vsr: (a, b) => ({ t: a >> (b & 7n) }),
  vslo: (a, b) => ({ t: (a << (((b >> 3n) & 15n) * 8n)) & M128 }),
  vsro: (a, b) => ({ t: a >> (((b >> 3n) & 15n) * 8n) }),
  vgbbd: (_a, b) => {
    const r: bigint[] = [];
    for (const d of elems(b, 64)) {
      const src = elems(d << 64n, 8);
      const out = Array(8).fill(0n);
      for (let j = 0; j < 8; j++)
        for (let k = 0; k < 8; k++) if ((src[k]! >> BigInt(7 - j)) & 1n) out[j] |= 1n << BigInt(7 - k);
      r.push(join([0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, ...out], 8) & ((1n << 64n) - 1n));
    }
    return { t: join(r, 64) };
  },
  vbpermq: (a, b) => {
    let perm = 0n;
    bytes(b).forEach((idx, i) => {
      if (idx < 128 && (a >> BigInt(127 - idx)) & 1n) perm |= 1n << BigInt(15 - i);
    });
    return { t: perm << 64n };
  },
};

const byteArb = fc.oneof(fc.constantFrom(0, 0xff, 0x7f, 0x80, 1, 0xfe), fc.integer({ min: 0, max: 255 }));
const vecArb = fc.array(byteArb, { minLength: 16, maxLength: 16 }).map(fromBytes);
const defs = new Map(VMX.map((d) => [d.m, compileInsn(d)]));

describe('VMX permute / pack / shift vs reference models', () => {
  const rig = new Rig();
  for (const m of Object.keys(REF).sort()) {
    const ops = defs.get(m)!.operands.map((o) => o.key);
    it(m, () => {
      fc.assert(
        fc.property(
          vecArb,
          vecArb,
          vecArb,
          fc.integer({ min: 0, max: 15 }),
          fc.constantFrom(3, 1, 2),
          fc.boolean(),
          (a, b, c, imm, t, sat0) => {
            const immv = m === 'vsplth' ? imm & 7 : m === 'vspltw' ? imm & 3 : imm;
            const want = REF[m]!(a, b, c, immv);
            rig.setV(1, a);
            rig.setV(2, b);
            rig.setV(4, c);
            rig.vscr = sat0 ? 1 : 0;
            const vals = ops.map((k) => (k === 'vrt' ? t : k === 'vra' ? 1 : k === 'vrb' ? 2 : k === 'vrc' ? 4 : immv));
            expect(rig.run(`${m} ${vals.join(',')}`).kind).toBe('budget');
            expect(
              rig.getV(t).toString(16),
              `${m} ${vals} a=${a.toString(16)} b=${b.toString(16)} c=${c.toString(16)}`,
            ).toBe(want.t.toString(16));
            expect(rig.vscr).toBe(sat0 || want.sat ? 1 : 0);
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  it('vspltis* sign-extend the immediate', () => {
    rig.run('vspltisb 3,-16');
    expect(rig.getV(3)).toBe(join(Array(16).fill(0xf0n), 8));
    rig.run('vspltish 3,-1');
    expect(rig.getV(3)).toBe(M128);
    rig.run('vspltisw 3,15');
    expect(rig.getV(3)).toBe(join([15n, 15n, 15n, 15n], 32));
    rig.run('vspltish 3,7');
    expect(rig.getV(3)).toBe(join(Array(8).fill(7n), 16));
  });

  it('mfvscr/mtvscr move word element 3; only NJ and SAT exist', () => {
    rig.setV(2, join([0xaaaaaaaan, 0xbbbbbbbbn, 0xccccccccn, 0xffffffffn], 32));
    rig.run('mtvscr 2');
    expect(rig.vscr).toBe(0x00010001);
    rig.setV(3, M128);
    rig.run('mfvscr 3');
    expect(rig.getV(3)).toBe(0x00010001n);
  });
});

describe('VMX storage access', () => {
  for (const be of [false, true]) {
    const order = be ? 'big-endian' : 'little-endian';
    const setup = () => {
      const r = new Rig({ be });
      for (let i = 0; i < 64; i++) r.u8[DATA + i] = (i * 37 + 11) & 255;
      return r;
    };
    const mem = (r: Rig, at: number) => r.u8[at]!;

    it(`lvx/lvxl ignore EA bits 60:63 (${order})`, () => {
      for (const m of ['lvx', 'lvxl']) {
        for (let off = 0; off < 32; off++) {
          const r = setup();
          r.cpu.setGpr(4, BigInt(DATA));
          r.cpu.setGpr(5, BigInt(off));
          expect(r.run(`${m} 7,4,5`).kind).toBe('budget');
          const q = (DATA + off) & ~15;
          // Element i is storage byte EA+i (BE) or EA+15-i (LE): the quadword is byte-reversed in LE mode.
          const want = Array.from({ length: 16 }, (_, i) => mem(r, be ? q + i : q + 15 - i));
          expect(bytes(r.getV(7))).toEqual(want);
        }
      }
    });

    it(`stvx/stvxl (${order})`, () => {
      for (const m of ['stvx', 'stvxl']) {
        for (let off = 0; off < 32; off++) {
          const r = setup();
          const v = 0x00112233445566778899aabbccddeeffn;
          r.setV(9, v);
          r.cpu.setGpr(0, 999n); // RA=0 means 0, not r0
          r.cpu.setGpr(5, BigInt(DATA + off));
          const before = [...r.u8.subarray(DATA, DATA + 64)];
          expect(r.run(`${m} 9,0,5`).kind).toBe('budget');
          const q = (DATA + off) & ~15;
          const want = before.slice();
          bytes(v).forEach((x, i) => {
            want[(be ? q + i : q + 15 - i) - DATA] = x;
          });
          expect([...r.u8.subarray(DATA, DATA + 64)]).toEqual(want);
        }
      }
    });

    it(`element loads and stores (${order})`, () => {
      for (const [size, lm, sm] of [
        [1, 'lvebx', 'stvebx'],
        [2, 'lvehx', 'stvehx'],
        [4, 'lvewx', 'stvewx'],
      ] as const) {
        for (let off = 0; off < 32; off++) {
          const r = setup();
          const init = 0xf0e1d2c3b4a5968778695a4b3c2d1e0fn;
          r.setV(7, init);
          r.cpu.setGpr(4, BigInt(DATA));
          r.cpu.setGpr(5, BigInt(off));
          expect(r.run(`${lm} 7,4,5`).kind).toBe('budget');
          const ea = (DATA + off) & -size;
          const n = 16 / size;
          const idx = ((ea & 15) / size) | 0;
          const e = be ? idx : n - 1 - idx;
          // The element value is the size-byte load at EA in the current byte order.
          let val = 0n;
          for (let k = 0; k < size; k++) val = (val << 8n) | BigInt(mem(r, be ? ea + k : ea + size - 1 - k));
          const want = elems(init, 8 * size);
          want[e] = val;
          expect(r.getV(7).toString(16), `${lm} off ${off}`).toBe(join(want, 8 * size).toString(16));

          // Store the element back to a cleared area and check only those bytes changed.
          r.u8.fill(0, DATA, DATA + 64);
          expect(r.run(`${sm} 7,4,5`).kind).toBe('budget');
          const got = [...r.u8.subarray(DATA, DATA + 64)];
          const exp = Array(64).fill(0);
          for (let k = 0; k < size; k++)
            exp[ea - DATA + k] = Number((val >> BigInt(8 * (be ? size - 1 - k : k))) & 255n);
          expect(got, `${sm} off ${off}`).toEqual(exp);
        }
      }
    });

    it(`lvsl/lvsr (${order})`, () => {
      const r = setup();
      for (let sh = 0; sh < 16; sh++) {
        r.cpu.setGpr(4, BigInt(DATA + 0x30));
        r.cpu.setGpr(5, BigInt(sh));
        r.run('lvsl 1,4,5', 'lvsr 2,4,5');
        expect(bytes(r.getV(1))).toEqual(Array.from({ length: 16 }, (_, i) => sh + i));
        expect(bytes(r.getV(2))).toEqual(Array.from({ length: 16 }, (_, i) => 16 - sh + i));
      }
    });
  }

  it('lvsl + vperm realigns an unaligned quadword in big-endian mode', () => {
    const r = new Rig({ be: true });
    for (let i = 0; i < 48; i++) r.u8[DATA + i] = i + 1;
    for (let off = 0; off < 16; off++) {
      r.cpu.setGpr(4, BigInt(DATA + off));
      r.cpu.setGpr(5, 16n);
      r.run('lvx 1,0,4', 'lvx 2,4,5', 'lvsl 3,0,4', 'vperm 4,1,2,3');
      expect(bytes(r.getV(4))).toEqual(Array.from({ length: 16 }, (_, i) => off + i + 1));
    }
  });

  it('a faulting lvx leaves VRT alone; a faulting stvx writes nothing', () => {
    const r = new Rig();
    r.unmapped.add(8);
    r.setV(3, 0x1234n);
    r.cpu.setGpr(4, 0x8010n);
    const st = r.run('lvx 3,0,4');
    expect(st.kind).toBe('fault');
    expect(r.getV(3)).toBe(0x1234n);
    expect(r.run('stvx 3,0,4').kind).toBe('fault');
  });
});

const HINTS = new Set(['dst', 'dstt', 'dstst', 'dststt', 'dss', 'dssall']);

describe('MSR[VEC]', () => {
  it('data stream touch/stop are no-ops, with or without MSR[VEC]', () => {
    const r = new Rig();
    r.cpu.setGpr(4, 0x12345678n); // no storage access happens, even at an unmapped address
    for (const vec of [true, false]) {
      r.vec = vec;
      const before = r.cpu.state.slice(0);
      expect(r.run('dst 4,4,3', 'dstt 4,4,1', 'dstst 4,4,0', 'dststt 4,4,2', 'dss 3', 'dssall').kind).toBe('budget');
      expect(new Uint8Array(r.cpu.state.slice(0, 64 * 4))).toEqual(new Uint8Array(before.slice(0, 64 * 4)));
    }
    expect(r.run('dst 0,4,1').kind).toBe('illegal');
  });

  it('every VMX instruction raises vector unavailable when MSR[VEC]=0', () => {
    const r = new Rig();
    for (const d of VMX) {
      if (HINTS.has(d.m)) continue;
      const ci = compileInsn(d);
      const word = enc(
        `${d.m} ${ci.operands.map((o) => (o.key === 'vrt' || o.key === 'vrs' ? 5 : o.key === 'sim' ? -1 : 1)).join(',')}`,
      );
      r.vec = false;
      r.setV(5, 0x55n);
      r.cpu.setGpr(1, BigInt(DATA));
      r.u8.fill(0xee, DATA, DATA + 16);
      r.vscr = 0;
      const st = r.run(word);
      expect(st.kind, d.m).toBe('facility-unavailable');
      if (st.kind === 'facility-unavailable') expect(st.facility).toBe('vmx');
      expect(r.getV(5), d.m).toBe(0x55n);
      expect(r.u8[DATA], d.m).toBe(0xee);
      expect(r.vscr).toBe(0);
      r.vec = true;
      expect(r.run(word).kind, d.m).toBe('budget');
    }
  });
});
