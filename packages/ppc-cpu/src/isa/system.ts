/**
 * Privileged and hypervisor instructions (Power ISA 2.07 / 3.0 Book III-S), plus the
 * Book II storage/processor-control facilities the fixed-point chapters do not
 * cover (transactional memory, BHRB, copy/paste). Decode-only for now: none has an
 * `exec`, so the CPU stops with an 'unimplemented' reason when it reaches one.
 * `priv` says what MSR state the instruction needs (checked by the interpreter
 * before it looks for an executor); `models` lists where they exist.
 */
import type { Cpu } from '../cpu.js';
import { type InsnDef, P7, P8, P9 } from '../table.js';

type Def = InsnDef<Cpu>;
type Extra = Partial<Def>;

/** A reserved (must-be-zero) bit range [first bit, length], for `fix`. */
const z = (start: number, len: number) => [start, len, 0] as const;
/** A single bit that must be one, for `fix`. */
const one = (bit: number) => [bit, 1, 1] as const;

const X = (m: string, xo: number, ops: string, extra: Extra = {}): Def => ({
  m,
  form: 'X',
  op: 31,
  xo,
  ops,
  chapter: 'system',
  ...extra,
});
const XL = (m: string, xo: number, ops: string, extra: Extra = {}): Def => ({
  m,
  form: 'XL',
  op: 19,
  xo,
  ops,
  lk: 0,
  chapter: 'system',
  ...extra,
});

/** Reserved-bit patterns (must-be-zero fields) used below. */
const NO_OPERANDS: Extra['fix'] = [z(6, 15)];
const ONLY_RB: Extra['fix'] = [z(6, 10)];
const NO_RA: Extra['fix'] = [z(11, 5)];

export const SYSTEM: Def[] = [
  // Book III-S §5.4.4 (v3.0 §4.4.4): MSR access.
  X('mfmsr', 83, 'RT', { priv: 'priv', fix: [z(11, 10)] }),
  X('mtmsr', 146, 'RS,L15', { priv: 'priv', fix: [z(11, 4), z(16, 5)] }),
  X('mtmsrd', 178, 'RS,L15', { priv: 'priv', fix: [z(11, 4), z(16, 5)] }),
  // Return from interrupt (Book III-S §4.4.1 / v3.0 §4.3.1).
  XL('rfid', 18, '', { priv: 'priv', fix: NO_OPERANDS }),
  XL('hrfid', 274, '', { priv: 'hv', fix: NO_OPERANDS }),
  XL('rfscv', 82, '', { priv: 'priv', fix: NO_OPERANDS, models: P9 }),
  // System call vectored (v3.0 Book I §2.5.1): opcode 17 with bits 30:31 = 0b01 (sc has 0b10).
  { m: 'scv', form: 'D', op: 17, ops: 'LEV', fix: [z(6, 14), z(27, 3), [30, 2, 1]], models: P9, chapter: 'system' },
  // Event-based branch return (Book II §6.2, v2.07): problem state, S picks BESCR[GE].
  XL('rfebb', 146, 'S20', { fix: [z(6, 14)], models: P8 | P9 }),
  // Power-saving modes: v2.07 §4.3.2 (doze/nap/sleep/rvwinkle, gone in v3.0) and v3.0 §4.3.2 stop.
  XL('doze', 402, '', { priv: 'hv', fix: NO_OPERANDS, models: P7 | P8 }),
  XL('nap', 434, '', { priv: 'hv', fix: NO_OPERANDS, models: P7 | P8 }),
  XL('sleep', 466, '', { priv: 'hv', fix: NO_OPERANDS, models: P7 | P8 }),
  XL('rvwinkle', 498, '', { priv: 'hv', fix: NO_OPERANDS, models: P7 | P8 }),
  XL('stop', 370, '', { priv: 'priv', fix: NO_OPERANDS, models: P9 }),
  // Segment registers (32-bit bridge facility; still decoded by every binutils dialect).
  X('mtsr', 210, 'SR,RS', { priv: 'priv', fix: [z(11, 1), z(16, 5)] }),
  X('mtsrin', 242, 'RS,RB', { priv: 'priv', fix: NO_RA }),
  X('mfsr', 595, 'RT,SR', { priv: 'priv', fix: [z(11, 1), z(16, 5)] }),
  X('mfsrin', 659, 'RT,RB', { priv: 'priv', fix: NO_RA }),
  // SLB management (Book III-S §5.9.3.2 / v3.0 §5.9.3.3).
  X('slbmte', 402, 'RS,RB', { priv: 'priv', fix: NO_RA }),
  X('slbie', 434, 'RB', { priv: 'priv', fix: ONLY_RB }),
  X('slbieg', 466, 'RS,RB', { priv: 'hv', fix: NO_RA, models: P9 }),
  X('slbia', 498, 'IH', { priv: 'priv', fix: [z(6, 2), z(11, 10)] }),
  X('slbmfee', 915, 'RT,RB,L15', { priv: 'priv', fix: [z(11, 4)] }),
  X('slbmfev', 851, 'RT,RB,L15', { priv: 'priv', fix: [z(11, 4)] }),
  X('slbfee.', 979, 'RT,RB', { priv: 'priv', rc: 1, fix: NO_RA }),
  X('slbsync', 338, '', { priv: 'priv', fix: NO_OPERANDS, models: P9 }),
  // TLB management (Book III-S §5.9.3.3 / v3.0 §5.9.3.4). RS holds the LPID/PID
  // operand from v2.07 on; on v2.06 bit 10 of that field is the L (large page) bit.
  X('tlbie', 306, 'RB,RS,RIC,PRS,R14', { priv: 'hv', fix: [z(11, 1)] }),
  X('tlbiel', 274, 'RB,RS,RIC,PRS,R14', { priv: 'hv', fix: [z(11, 1)] }),
  X('tlbsync', 566, '', { priv: 'hv', fix: NO_OPERANDS }),
  // Processor control: doorbells (Book III-S §5.5 / v3.0 §4.5).
  X('msgsnd', 206, 'RB', { priv: 'hv', fix: ONLY_RB }),
  X('msgclr', 238, 'RB', { priv: 'hv', fix: ONLY_RB }),
  X('msgsndp', 142, 'RB', { priv: 'priv', fix: ONLY_RB, models: P8 | P9 }),
  X('msgclrp', 174, 'RB', { priv: 'priv', fix: ONLY_RB, models: P8 | P9 }),
  X('msgsync', 886, '', { priv: 'hv', fix: NO_OPERANDS, models: P9 }),
  // Cache-inhibited loads and stores (Book III-S §4.4.3 v2.07, hypervisor real mode).
  X('lbzcix', 853, 'RT,RA0,RB', { priv: 'hv' }),
  X('lhzcix', 821, 'RT,RA0,RB', { priv: 'hv' }),
  X('lwzcix', 789, 'RT,RA0,RB', { priv: 'hv' }),
  X('ldcix', 885, 'RT,RA0,RB', { priv: 'hv' }),
  X('stbcix', 981, 'RS,RA0,RB', { priv: 'hv' }),
  X('sthcix', 949, 'RS,RA0,RB', { priv: 'hv' }),
  X('stwcix', 917, 'RS,RA0,RB', { priv: 'hv' }),
  X('stdcix', 1013, 'RS,RA0,RB', { priv: 'hv' }),
  // Service-processor attention (implementation specific, POWER4 and later; opcode 0).
  { m: 'attn', form: 'X', op: 0, xo: 256, ops: '', priv: 'hv', chapter: 'system' },
  // Branch history rolling buffer (Book II §7, v2.07).
  X('mfbhrbe', 302, 'RT,BHRBE', { models: P8 | P9 }),
  X('clrbhrb', 430, '', { fix: NO_OPERANDS, models: P8 | P9 }),
  // Transactional memory (Book II §5, v2.07). treclaim./trechkpt. are privileged.
  X('tbegin.', 654, 'R10', { rc: 1, fix: [z(6, 4), z(11, 10)], models: P8 | P9 }),
  X('tend.', 686, 'A6', { rc: 1, fix: [z(7, 14)], models: P8 | P9 }),
  X('tabort.', 910, 'RA', { rc: 1, fix: [z(6, 5), z(16, 5)], models: P8 | P9 }),
  X('tabortwc.', 782, 'TO,RA,RB', { rc: 1, models: P8 | P9 }),
  X('tabortwci.', 846, 'TO,RA,SI5', { rc: 1, models: P8 | P9 }),
  X('tabortdc.', 814, 'TO,RA,RB', { rc: 1, models: P8 | P9 }),
  X('tabortdci.', 878, 'TO,RA,SI5', { rc: 1, models: P8 | P9 }),
  X('tcheck', 718, 'BF', { fix: [z(9, 12)], models: P8 | P9 }),
  X('tsr.', 750, 'L10', { rc: 1, fix: [z(6, 4), z(11, 10)], models: P8 | P9 }),
  X('treclaim.', 942, 'RA', { priv: 'priv', rc: 1, fix: [z(6, 5), z(16, 5)], models: P8 | P9 }),
  X('trechkpt.', 1006, '', { priv: 'priv', rc: 1, fix: NO_OPERANDS, models: P8 | P9 }),
  // Copy-paste facility (Book II §4.4, v3.0). copy needs L=1 in v3.0.
  X('copy', 774, 'RA0,RB', { fix: [z(6, 4), one(10)], models: P9 }),
  X('paste.', 902, 'RA0,RB,L10', { rc: 1, fix: [z(6, 3)], models: P9 }),
  X('cpabort', 838, '', { fix: NO_OPERANDS, models: P9 }),
];
