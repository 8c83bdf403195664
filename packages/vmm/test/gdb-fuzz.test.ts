/**
 * Property tests: whatever bytes a client sends (random noise, truncated
 * packets, well-framed packets with random arguments), no exception escapes
 * the session, nothing unbounded is kept, and afterwards the stub still
 * answers a `?` — against the fake target and against a real Cpu.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CpuDebugTarget, type DebugTarget } from '../src/gdb/index.js';
import { bareMetal, countingLoop } from './gdb/guest.js';
import { bytes, Client, FakeTarget, frame, settle } from './gdb/harness.js';

const hexStr = (max: number) =>
  fc.array(fc.constantFrom(...'0123456789abcdefABCDEFxz-'), { maxLength: max }).map((a) => a.join(''));

/** Packets that look like gdb's, with random (often invalid) arguments. */
const packetText = fc.oneof(
  fc.constantFrom(
    '?',
    'g',
    'qC',
    'qfThreadInfo',
    'qsThreadInfo',
    'qAttached',
    'qOffsets',
    'vCont?',
    'QStartNoAckMode',
    's',
    'c',
    'vCont;c',
    'vMustReplyEmpty',
    'qSupported:swbreak+',
  ),
  fc
    .tuple(
      fc.constantFrom('m', 'M', 'X', 'p', 'P', 'G', 'H', 'T', 'Z', 'z', 'vCont;', 'qXfer:features:read:'),
      hexStr(40),
    )
    .map(([a, b]) => a + b),
  fc.tuple(hexStr(17), hexStr(9)).map(([a, l]) => `m${a},${l}`),
  fc.tuple(hexStr(17), fc.nat(64), hexStr(130)).map(([a, l, d]) => `M${a},${l.toString(16)}:${d}`),
  fc.tuple(fc.nat(200), hexStr(40)).map(([n, d]) => `P${n.toString(16)}=${d}`),
  fc.tuple(fc.nat(5), hexStr(17), fc.nat(300)).map(([t, a, k]) => `Z${t},${a},${k.toString(16)}`),
  fc.tuple(fc.nat(5), hexStr(17), fc.nat(300)).map(([t, a, k]) => `z${t},${a},${k.toString(16)}`),
  fc
    .tuple(fc.constantFrom('c', 's', 't', 'C05', 'S1', 'x'), fc.option(hexStr(3)))
    .map(([a, t]) => (t === null ? `vCont;${a}` : `vCont;${a}:${t}`)),
  fc.string({ maxLength: 60 }),
);

/** One chunk of client input. */
const chunk = fc.oneof(
  packetText.map((p) => bytes(frame(p))),
  // Truncated packets.
  fc.tuple(packetText, fc.nat()).map(([p, n]) => {
    const f = frame(p);
    return bytes(f.slice(0, n % (f.length + 1)));
  }),
  // Wrong checksums.
  packetText.map((p) => bytes(`$${p}#00`)),
  fc.uint8Array({ maxLength: 200 }),
  fc.constantFrom(bytes('\x03'), bytes('+'), bytes('-'), bytes('$'), bytes('#')),
);

async function survives(target: DebugTarget, chunks: Uint8Array[], stop: () => void): Promise<void> {
  const c = new Client(target);
  await settle();
  for (const ch of chunks) {
    expect(() => c.raw(ch)).not.toThrow();
    // Let resumes start and finish; stop anything left running so later packets are served.
    await settle(1);
    if (c.session.isRunning) stop();
  }
  await settle();
  if (c.session.isRunning) {
    c.raw('\x03');
    stop();
    await settle();
  }
  // Internal errors are logged, never thrown: there must be none.
  expect(c.logs.filter((l) => l.startsWith('internal error'))).toEqual([]);
  // Pending output is bounded by what was asked for (each request gets at most one reply).
  expect(c.out.length).toBeLessThan(64 * 1024 * (chunks.length + 2));
  if (c.session.isClosed) return;
  // Still usable: end any half-sent packet, then ask for the stop reason.
  c.take();
  c.out = '';
  c.raw(`#zz${frame('?')}`);
  await settle();
  const replies = c.take();
  expect(replies.length).toBe(1);
  expect(replies[0]).toMatch(/^(T[0-9a-f]{2}thread:|W|X)/);
}

describe('fuzz', () => {
  it('fake target: random and truncated packets and noise never break the session', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(chunk, { maxLength: 25 }), async (chunks) => {
        const t = new FakeTarget();
        await survives(t, chunks, () => t.interrupt());
      }),
      { numRuns: 300 },
    );
  });

  it('real Cpu target: memory, registers, breakpoints and resumes with hostile arguments', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(chunk, { maxLength: 15 }), async (chunks) => {
        const g = bareMetal({ ram: new SharedArrayBuffer(1 << 20) });
        countingLoop(g);
        const t = new CpuDebugTarget([g.cpu], { slice: 500 });
        await survives(t, chunks, () => t.interrupt());
      }),
      { numRuns: 150 },
    );
  });
});
