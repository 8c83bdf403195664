import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XICS_IPI, Xics } from '../src/index.js';
import { BASE } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
let dir = '';
let moduleUrl = '';

/** Workers cannot load TypeScript: transpile the shared-state core (it has no runtime imports outside src/). */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ppcvm-xics-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  for (const f of ['xics', 'errors', 'layout']) {
    const src = readFileSync(join(here, '../src', `${f}.ts`), 'utf8');
    const out = ts.transpileModule(src, {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(dir, `${f}.js`), out.outputText);
  }
  moduleUrl = pathToFileURL(join(dir, 'xics.js')).href;
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Started {
  control: Int32Array;
  exits: Promise<number>[];
}

async function startWorkers(xics: Xics, data: Array<Record<string, unknown>>): Promise<Started> {
  const control = new Int32Array(new SharedArrayBuffer(12)); // [round, ready, done]
  const exits: Promise<number>[] = [];
  for (const d of data) {
    const w = new Worker(new URL('./workers/driver.mjs', import.meta.url), {
      workerData: { moduleUrl, buffer: xics.buffer, control: control.buffer, ...d },
    });
    exits.push(
      new Promise((resolve, reject) => {
        w.on('error', reject);
        w.on('exit', resolve);
      }),
    );
  }
  const deadline = Date.now() + 10_000;
  while (Atomics.load(control, 1) < data.length) {
    if (Date.now() > deadline) throw new Error('workers did not start');
    await new Promise((r) => setTimeout(r, 2));
  }
  return { control, exits };
}

function openRound(control: Int32Array, round: number): void {
  Atomics.store(control, 0, round);
  Atomics.notify(control, 0);
}

/**
 * The vCPU side, on this thread: accept and EOI on every server until `done`
 * workers have finished and a whole pass finds nothing. `onIrq` handles one
 * accepted source or IPI before its EOI.
 */
function serviceUntilQuiet(xics: Xics, control: Int32Array, done: number, onIrq: (s: number, irq: number) => void) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const doneBefore = Atomics.load(control, 2) === done;
    let progressed = false;
    for (let s = 0; s < xics.nrServers; s++) {
      const x = xics.accept(s);
      const irq = x & 0xffffff;
      if (irq === 0) continue;
      progressed = true;
      onIrq(s, irq);
      xics.eoi(s, (0xff000000 | irq) >>> 0);
    }
    if (doneBefore && !progressed) return;
    if (Date.now() > deadline) throw new Error('service loop did not go quiet');
  }
}

describe('concurrent use from worker threads', () => {
  it('two workers raising sources on two servers while masking each other’s lose none and duplicate none', async () => {
    const N = 1000;
    const ROUNDS = 6;
    const xics = Xics.create({ nrServers: 2, nrIrqs: N });
    for (let i = 0; i < N; i++) {
      xics.claim(BASE + i, i % 4 === 3 ? 'lsi' : 'msi');
      // Mixed servers and priorities, so presentations displace and reject each other.
      xics.setXive(BASE + i, (i >> 1) & 1, 1 + (i % 7));
    }
    xics.setCppr(0, 0xff);
    xics.setCppr(1, 0xff);
    const lists = [0, 1].map((k) => Array.from({ length: N / 2 }, (_, j) => BASE + 2 * j + k));
    const { control, exits } = await startWorkers(xics, [
      { mode: 'raise', rounds: ROUNDS, mine: lists[0], theirs: lists[1] },
      { mode: 'raise', rounds: ROUNDS, mine: lists[1], theirs: lists[0] },
    ]);

    const seen = new Int32Array(N);
    let wrongServer = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      openRound(control, round);
      serviceUntilQuiet(xics, control, 2 * round, (s, irq) => {
        const i = irq - BASE;
        seen[i]!++;
        if (((i >> 1) & 1) !== s) wrongServer++;
        if (i % 4 === 3) xics.setIrq(irq, false); // the "device" drops its LSI once serviced
      });
      const missing = [...seen.keys()].filter((i) => seen[i]! < round);
      const doubled = [...seen.keys()].filter((i) => seen[i]! > round);
      expect({ round, missing, doubled, wrongServer }).toEqual({ round, missing: [], doubled: [], wrongServer: 0 });
    }
    expect(await Promise.all(exits)).toEqual([0, 0]);
    for (let s = 0; s < 2; s++) expect(xics.icp(s)).toEqual({ cppr: 0xff, xisr: 0, pendingPriority: 0xff, mfrr: 0xff });
    const leftover = [...seen.keys()].filter((i) => {
      const src = xics.source(BASE + i);
      return src.asserted || src.sent || src.rejected || src.maskedPending || src.priority !== 1 + (i % 7);
    });
    expect(leftover).toEqual([]);
  });

  it('IPIs from two workers are never lost: every posted message is seen', async () => {
    const xics = Xics.create({ nrServers: 2, nrIrqs: 1 });
    xics.setCppr(0, 0xff);
    const messages = new Int32Array(new SharedArrayBuffer(8));
    const count = 20_000;
    const { control, exits } = await startWorkers(
      xics,
      [0, 1].map((slot) => ({ mode: 'ipi', rounds: 1, messages: messages.buffer, slot, count, target: 0 })),
    );
    const handled = [0, 0];
    let ipis = 0;
    openRound(control, 1);
    serviceUntilQuiet(xics, control, 2, (_s, irq) => {
      expect(irq).toBe(XICS_IPI);
      ipis++;
      // Linux's IPI handler: clear MFRR first, then demultiplex the messages.
      xics.setMfrr(0, 0xff);
      for (const slot of [0, 1]) handled[slot] = Atomics.load(messages, slot);
    });
    expect(await Promise.all(exits)).toEqual([0, 0]);
    expect(handled).toEqual([count, count]);
    expect(ipis).toBeGreaterThan(0);
    expect(ipis).toBeLessThanOrEqual(2 * count);
  });
});
