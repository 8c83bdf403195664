/**
 * Issue 5: `-accel hv,thread=single` runs every vCPU on one thread with a time base made of
 * executed instructions, a fixed RTC epoch and seeded random numbers, so two boots of Debian's
 * kernel on two vCPUs print the same console output (uptime, /dev/urandom and the date
 * included) and execute the same number of instructions on each vCPU.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../../scripts/fixtures.mjs';
import { parseAccel, parseArgs, UsageError } from '../src/cli/args.js';
import { buildInitramfs, runCommandArg } from '../src/guest/initramfs.js';
import { seededRandom } from '../src/machine.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const kernel = fixturePath('vmlinux');
const busybox = fixturePath('busybox');

describe('-accel thread= and -seed, -icount-report parsing', () => {
  it('accepts thread=single for hv and pr', () => {
    expect(parseAccel('hv,thread=single')).toEqual({ accel: 'hv', thread: 'single' });
    expect(parseAccel('pr,thread=single')).toEqual({ accel: 'pr', thread: 'single' });
    expect(parseAccel('pr')).toEqual({ accel: 'pr' });
    const cmd = parseArgs(['-accel', 'hv,thread=single', '-seed', '7', '-icount-report']);
    expect(cmd.kind === 'run' && cmd.options).toMatchObject({
      accel: 'hv',
      thread: 'single',
      seed: 7,
      icountReport: true,
    });
    const plain = parseArgs([]);
    expect(plain.kind === 'run' && plain.options.icountReport).toBeUndefined();
    expect(plain.kind === 'run' && plain.options.thread).toBeUndefined();
  });

  it('takes thread=multi, refuses bad properties or seeds', () => {
    expect(parseAccel('pr,thread=multi')).toEqual({ accel: 'pr', thread: 'multi' });
    expect(() => parseAccel('hv,thread=both')).toThrow(UsageError);
    expect(() => parseAccel('hv,tb-size=8')).toThrow(/unknown -accel property/);
    expect(() => parseAccel('tcg,thread=single')).toThrow(/unknown accelerator/);
    expect(() => parseArgs(['-seed', '-1'])).toThrow(UsageError);
    expect(() => parseArgs(['-seed', '4294967296'])).toThrow(/invalid -seed/);
  });

  it('the seeded generator repeats for one seed and differs between seeds', () => {
    const draw = (seed: number) => {
      const r = seededRandom(seed);
      const a = new Uint8Array(5);
      const b = new Uint8Array(11);
      r(a);
      r(b);
      return [...a, ...b];
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(new Set(draw(3)).size).toBeGreaterThan(8);
  });
});

describe('thread=single is deterministic', () => {
  let dir = '';
  let initrd = '';
  beforeAll(() => {
    if (!kernel || !busybox) throw new Error('Debian kernel/busybox fixtures missing: run `npm run fixtures`');
    dir = mkdtempSync(join(tmpdir(), 'ppcvm-det-'));
    initrd = join(dir, 'initrd.gz');
    writeFileSync(initrd, buildInitramfs({ busybox: readFileSync(busybox) }));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const SCRIPT = ['cat /proc/uptime', 'head -c 16 /dev/urandom | od -x', 'date', 'poweroff -f'].join('\n');

  function boot(): Promise<{ out: string; err: string; code: number | null }> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          CLI,
          '-smp',
          '2',
          '-accel',
          'hv,thread=single',
          '-icount-report',
          '-kernel',
          kernel!,
          '-initrd',
          initrd,
          '-append',
          `console=hvc0 quiet ${runCommandArg(SCRIPT)}`,
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString('latin1');
      });
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString('latin1');
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`boot timed out; console so far:\n${out.slice(-3000)}`));
      }, 300_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ out, err, code });
      });
      // Console input is ignored in this mode; a byte written anyway must change nothing.
      child.stdin.write('x');
      child.stdin.end();
    });
  }

  it('two boots with -smp 2 print the same console output and instruction counts', async () => {
    const [a, b] = await Promise.all([boot(), boot()]);
    expect(a.code, a.out.slice(-2000) + a.err).toBe(0);
    expect(b.code).toBe(0);
    // The guest really ran the time-dependent commands.
    expect(a.out).toMatch(/^\d+\.\d+ \d+\.\d+\r?$/m);
    expect(a.out).toMatch(/^0000000( [0-9a-f]{4}){8}\r?$/m);
    expect(a.out).toMatch(/2024/);
    expect(b.out).toBe(a.out);
    const counts = (err: string) =>
      [...err.matchAll(/^ppcvm: icount (cpu \d+|total): (\d+)$/gm)].map((m) => [m[1], Number(m[2])]);
    const ca = counts(a.err);
    expect(ca.map((c) => c[0])).toEqual(['cpu 0', 'cpu 1', 'total']);
    // Both vCPUs ran (the second one came online).
    expect(ca[1]![1]).toBeGreaterThan(0);
    expect(ca[2]![1]).toBe((ca[0]![1] as number) + (ca[1]![1] as number));
    expect(counts(b.err)).toEqual(ca);
  }, 320_000);
});
