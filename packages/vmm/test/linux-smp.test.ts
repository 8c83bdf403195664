/**
 * Issue 5, first step: Debian's ppc64el kernel brings up every vCPU of `-smp N`
 * (round-robin on one thread): RTAS start-cpu starts the secondaries, IPIs and
 * doorbells reach them, and the guest sees N CPUs online. Runs the real CLI.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../../scripts/fixtures.mjs';
import { buildInitramfs, INIT_BANNER, runCommandArg } from '../src/guest/initramfs.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const kernel = fixturePath('vmlinux');
const busybox = fixturePath('busybox');

let dir = '';
let initrd = '';

beforeAll(() => {
  if (!kernel || !busybox) throw new Error('Debian kernel/busybox fixtures missing: run `npm run fixtures`');
  dir = mkdtempSync(join(tmpdir(), 'ppcvm-smp-'));
  initrd = join(dir, 'initrd.gz');
  writeFileSync(initrd, buildInitramfs({ busybox: readFileSync(busybox) }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Boot with `script` as the guest command; resolves with the console output and exit status. */
function boot(args: string[], script: string): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CLI, ...args, '-kernel', kernel!, '-initrd', initrd, '-append', `console=hvc0 ${runCommandArg(script)}`],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`boot timed out; console so far:\n${out.slice(-3000)}`));
    }, 600_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ out, code });
    });
    child.stdin.end();
  });
}

const SCRIPT = [
  'echo "processors=$(grep -c ^processor /proc/cpuinfo)"',
  'echo "online=$(cat /sys/devices/system/cpu/online)"',
  'poweroff -f',
].join('\n');

describe('Debian ppc64el Linux brings up all vCPUs', () => {
  for (const [smp, n, perCore] of [
    ['2', 2, 1],
    ['4,threads=2', 4, 2],
  ] as const) {
    it(`-smp ${smp}`, async () => {
      const { out, code } = await boot(['-smp', smp], SCRIPT);
      expect(out).toContain(`Partition configured for ${n} cpus.`);
      expect(out).toContain(`CPU maps initialized for ${perCore} thread${perCore > 1 ? 's' : ''} per core`);
      expect(out).toContain(`smp: Brought up 1 node, ${n} CPUs`);
      expect(out).toContain(INIT_BANNER);
      expect(out).toMatch(new RegExp(`^processors=${n}\\r?$`, 'm'));
      expect(out).toMatch(new RegExp(`^online=0-${n - 1}\\r?$`, 'm'));
      expect(code).toBe(0);
    }, 700_000);
  }
});
