/**
 * FPSCR instructions (Power ISA 2.07 Book I §4.6.9) and FP loads/stores
 * (§4.6.2, §4.6.3), plus decoding of reserved fields and invalid forms.
 */
import { describe, expect, it } from 'vitest';
import { FP } from '../src/isa/fp.js';
import { compileInsn, Decoder } from '../src/table.js';
import {
  C_PNORM,
  D,
  DATA,
  enc,
  FEX,
  FI,
  FR,
  FX,
  NI,
  OE,
  OX,
  PINF,
  Rig,
  UX,
  VE,
  VX,
  VXCVI,
  VXIMZ,
  VXSNAN,
  VXSOFT,
  VXVC,
  XE,
  XX,
  ZX,
} from './fp-rig.js';

describe('mffs / mcrfs / mtfsfi / mtfsf / mtfsb0 / mtfsb1', () => {
  it('mffs copies the FPSCR into the low word; mffs. sets CR1', () => {
    const r = new Rig();
    r.fpscr = FX | OX | XX | FI | C_PNORM | 3;
    r.cr = 0;
    r.run('mffs. 5');
    expect(r.f(5)).toBe(BigInt((FX | OX | XX | FI | C_PNORM | 3) >>> 0));
    expect(r.crf(1)).toBe(0x9);
  });

  it('mcrfs copies a field and clears its exception bits (FEX/VX recomputed)', () => {
    const r = new Rig();
    r.fpscr = FX | FEX | VX | OX | UX | XX | VXSNAN | VXVC | FR | VXCVI | VE | 2;
    r.run('mcrfs 2,0');
    expect(r.crf(2)).toBe(0xf);
    expect(r.fpscr).toBe(FEX | VX | UX | XX | VXSNAN | VXVC | FR | VXCVI | VE | 2);
    r.run('mcrfs 4,1');
    expect(r.crf(4)).toBe(0xb);
    expect(r.fpscr).toBe(FEX | VX | VXVC | FR | VXCVI | VE | 2);
    r.run('mcrfs 0,3');
    expect(r.crf(0)).toBe(0xc);
    expect(r.fpscr).toBe(FEX | VX | FR | VXCVI | VE | 2);
    r.run('mcrfs 0,5');
    expect(r.fpscr).toBe(FR | VE | 2);
  });

  it('mtfsfi sets one field; FEX and VX are not written; FX and OX are', () => {
    const r = new Rig();
    r.fpscr = 0;
    r.cr = 0;
    r.run('mtfsfi. 0,15,0');
    expect(r.fpscr).toBe(FX | OX);
    expect(r.crf(1)).toBe(0x9);
    r.run('mtfsfi 7,3,0');
    expect(r.fpscr).toBe(FX | OX | 3);
    // W=1 addresses FPSCR bits 0:31 (DRN), which are not kept: no change.
    r.run('mtfsfi 7,0,1');
    expect(r.fpscr).toBe(FX | OX | 3);
  });

  it('mtfsf writes the selected fields, or all with L=1; reserved bit 52 stays 0', () => {
    const r = new Rig();
    r.setF(1, 0x12345678_f0f0ffffn);
    r.fpscr = 0;
    r.run('mtfsf 0x81,1,0,0');
    // FX and OX come from FRB, FEX and VX are recomputed (both 0 here).
    expect(r.fpscr >>> 0).toBe(0x9000000f);
    r.run('mtfsf 0,1,1,0');
    expect(r.fpscr >>> 0).toBe((0xf0f0f7ff | 0) >>> 0);
    // W=1 with L=0 writes FPSCR bits 0:31, not kept here.
    r.fpscr = 0;
    r.run('mtfsf 0xff,1,0,1');
    expect(r.fpscr).toBe(0);
  });

  it('mtfsf that makes an exception and its enable both 1 raises the interrupt', () => {
    const r = new Rig({ fe: true });
    r.setF(1, BigInt(OX | OE));
    r.fpscr = 0;
    expect(r.run('mtfsf 0xff,1,0,0').kind).toBe('fp-exception');
    expect(r.fpscr).toBe(FEX | OX | OE);
  });

  it('mtfsb1 sets FX when an exception bit goes 0 -> 1; FEX and VX cannot be set or reset', () => {
    const r = new Rig();
    r.fpscr = 0;
    r.run('mtfsb1 3');
    expect(r.fpscr).toBe(FX | OX);
    r.run('mtfsb1 1');
    r.run('mtfsb1 2');
    expect(r.fpscr).toBe(FX | OX);
    r.run('mtfsb1 21');
    expect(r.fpscr).toBe(FX | OX | VX | VXSOFT);
    r.run('mtfsb0 2');
    expect(r.fpscr).toBe(FX | OX | VX | VXSOFT);
    r.run('mtfsb0 21');
    r.run('mtfsb0 0');
    expect(r.fpscr).toBe(OX);
    r.run('mtfsb1 29');
    expect(r.fpscr).toBe(OX | NI);
    r.run('mtfsb1 20');
    expect(r.fpscr).toBe(OX | NI);
  });

  it('mtfsb1 of an enable bit with its exception set raises the interrupt', () => {
    const r = new Rig({ fe: true });
    r.fpscr = ZX;
    expect(r.run('mtfsb1. 27').kind).toBe('fp-exception');
    expect(r.fpscr).toBe(FEX | ZX | 0x10);
    expect(r.crf(1)).toBe(0x4);
  });

  it('the rounding mode set by mtfsfi applies to the next instruction', () => {
    const r = new Rig();
    r.fpscr = 0;
    r.setF(1, 1);
    r.setF(2, 3);
    r.run('mtfsfi 7,2,0', 'fdiv 0,1,2');
    expect(r.f(0)).toBe(D(1 / 3) + 1n);
  });
});

describe('loads and stores', () => {
  const word = (r: Rig, at: number, v: number) => r.dv.setUint32(at, v, true);

  it('lfs converts single to double exactly: denormals normalized, SNaN kept signalling', () => {
    const r = new Rig();
    r.cpu.setGpr(4, BigInt(DATA));
    const cases: [number, bigint][] = [
      [0x3f800000, D(1)],
      [0x00000001, D(2 ** -149)],
      [0x80400000, D(-(2 ** -127))],
      [0x7f800000, PINF],
      [0x7f800001, 0x7ff0000020000000n],
      [0xffc00001, 0xfff8000020000000n],
      [0x80000000, 0x8000000000000000n],
    ];
    for (const [w, d] of cases) {
      word(r, DATA + 8, w);
      r.run('lfs 1,8,4');
      expect(r.f(1)).toBe(d);
    }
    expect(r.fpscr).toBe(0);
  });

  it('stfs: bit selection above the single range, truncating denormalization, no rounding', () => {
    const r = new Rig();
    r.cpu.setGpr(4, BigInt(DATA));
    const cases: [bigint, number][] = [
      [D(1), 0x3f800000],
      [D(1 + 2 ** -30), 0x3f800000],
      [0x7ff0000020000001n, 0x7f800001],
      [D(2 ** -127), 0x00400000],
      [D(-(2 ** -149)), 0x80000001],
      [D(2 ** -149 * 1.999), 0x00000001],
      [D(2 ** -150), 0],
      [D(1e300), 0x71bf21e4], // FRS[0:1] || FRS[5:34]
    ];
    for (const [d, w] of cases) {
      r.setF(1, d);
      r.run('stfs 1,16,4');
      expect(r.dv.getUint32(DATA + 16, true)).toBe(w);
    }
  });

  it('lfd/stfd move SNaNs bit-exactly; X-forms, update forms', () => {
    const r = new Rig();
    r.cpu.setGpr(4, BigInt(DATA));
    r.cpu.setGpr(5, 24n);
    r.setF(1, 0x7ff0000000000001n);
    r.run('stfdx 1,4,5', 'lfd 2,24,4');
    expect(r.f(2)).toBe(0x7ff0000000000001n);
    r.run('stfdu 1,32,4');
    expect(r.cpu.getGpr(4)).toBe(BigInt(DATA + 32));
    r.run('lfdux 3,4,5');
    expect(r.cpu.getGpr(4)).toBe(BigInt(DATA + 56));
    r.run('lfsu 3,-56,4');
    expect(r.cpu.getGpr(4)).toBe(BigInt(DATA));
  });

  it('update forms with RA=0 are invalid', () => {
    const r = new Rig();
    expect(r.run('lfdu 1,8,0').kind).toBe('illegal');
    expect(r.run('stfsux 1,0,5').kind).toBe('illegal');
  });

  it('lfiwax / lfiwzx / stfiwx', () => {
    const r = new Rig();
    r.cpu.setGpr(4, BigInt(DATA));
    r.cpu.setGpr(5, 0n);
    word(r, DATA, 0x80000001);
    r.run('lfiwax 1,4,5');
    expect(r.f(1)).toBe(0xffffffff80000001n);
    r.run('lfiwzx 1,4,5');
    expect(r.f(1)).toBe(0x80000001n);
    r.setF(2, 0x11223344aabbccddn);
    r.run('stfiwx 2,4,5');
    expect(r.dv.getUint32(DATA, true)).toBe(0xaabbccdd);
  });

  it('lfdp / stfdp: FRTp even, a 16-byte quantity (doublewords swap in little-endian)', () => {
    for (const be of [false, true]) {
      const r = new Rig({ be });
      r.cpu.setGpr(4, BigInt(DATA));
      r.dv.setBigUint64(DATA, D(1), !be);
      r.dv.setBigUint64(DATA + 8, D(2), !be);
      r.run('lfdp 6,0,4');
      expect([r.f(6), r.f(7)]).toEqual(be ? [D(1), D(2)] : [D(2), D(1)]);
      r.cpu.setGpr(5, 32n);
      r.run('stfdpx 6,4,5');
      expect(r.dv.getBigUint64(DATA + 32, !be)).toBe(D(1));
      expect(r.dv.getBigUint64(DATA + 40, !be)).toBe(D(2));
      expect(r.run('lfdp 7,0,4').kind).toBe('illegal');
    }
  });

  it('stfdp crossing into an unmapped page writes nothing', () => {
    const r = new Rig();
    const at = DATA + 4096 - 8;
    r.unmapped.add((DATA + 4096) / 4096);
    r.cpu.setGpr(4, BigInt(at));
    r.setF(2, D(5));
    r.setF(3, D(6));
    r.u8.fill(0xee, at, at + 8);
    expect(r.run('stfdp 2,0,4').kind).toBe('fault');
    expect([...r.u8.subarray(at, at + 8)]).toEqual(new Array(8).fill(0xee));
  });

  it('loads and stores need MSR[FP]', () => {
    const r = new Rig();
    r.setMsrLo(r.cpu.s[70]! & ~(1 << 13));
    expect(r.run('lfd 1,0,4')).toMatchObject({ kind: 'facility-unavailable', facility: 'fp' });
    expect(r.run('stfs 1,0,4')).toMatchObject({ kind: 'facility-unavailable', facility: 'fp' });
    expect(r.run('mffs 1')).toMatchObject({ kind: 'facility-unavailable', facility: 'fp' });
  });
});

describe('decoding', () => {
  const dec = new Decoder(FP);
  it('every entry encodes and decodes to itself', () => {
    for (const d of FP) {
      const n = compileInsn(d).operands.length;
      const text = `${d.m} ${new Array(n).fill(0).join(',')}`.trim();
      expect(dec.lookup(enc(text))?.def.m).toBe(d.m);
    }
  });

  it('reserved fields must be zero', () => {
    expect(dec.lookup(enc('fadd 1,2,3') | (1 << 6))).toBeUndefined(); // FRC field of fadd
    expect(dec.lookup(enc('fmul 1,2,3') | (1 << 11))).toBeUndefined(); // FRB field of fmul
    expect(dec.lookup(enc('fsqrt 1,2') | (1 << 16))).toBeUndefined(); // FRA field
    expect(dec.lookup(enc('fcmpu 1,2,3') | (1 << 21))).toBeUndefined(); // bits 9:10
    expect(dec.lookup(enc('mffs 1') | (1 << 11))).toBeUndefined();
    expect(dec.lookup(enc('fcmpu 1,2,3') | 1)).toBeUndefined(); // no Rc
  });

  it('Rc variants decode to the same entry', () => {
    expect(dec.lookup(enc('fmadd. 1,2,3,4'))?.def.m).toBe('fmadd');
    expect(dec.lookup(enc('mtfsf. 255,1,0,0'))?.def.m).toBe('mtfsf');
  });
});

describe('CR1 with enabled exceptions', () => {
  it('is set from the updated FPSCR before the interrupt', () => {
    const r = new Rig({ fe: true });
    r.setF(1, 1);
    r.setF(2, 3);
    r.fpscr = XE;
    r.cr = 0;
    expect(r.run('fdiv. 0,1,2').kind).toBe('fp-exception');
    expect(r.crf(1)).toBe(0xc);
    r.setF(1, PINF);
    r.setF(3, 0);
    r.fpscr = VE;
    expect(r.run('fmul. 0,1,3').kind).toBe('fp-exception');
    expect(r.fpscr).toBe(FX | FEX | VX | VXIMZ | VE);
    expect(r.crf(1)).toBe(0xe);
  });
});
