/**
 * The proof of issue 4: Debian's ppc64el kernel with a busybox initramfs boots
 * to userspace under `ppcvm` in HV and PR mode (and as a POWER9), runs commands
 * from the kernel command line, and `poweroff -f` ends ppcvm with status 0.
 * Runs the real CLI (dist/cli.js) as a user would.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
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
  dir = mkdtempSync(join(tmpdir(), 'ppcvm-boot-'));
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
      [CLI, ...args, '-kernel', kernel!, '-initrd', initrd, '-append', `console=hvc0 quiet ${runCommandArg(script)}`],
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

/** The guest writes 20000 numbered lines and hashes them; the host computes the same digest. */
const SCRIPT = [
  'echo "machine=$(uname -m)"',
  'grep -E "^(cpu|platform)" /proc/cpuinfo',
  'seq 1 20000 > /tmp/data',
  'sha256sum /tmp/data',
  'poweroff -f',
].join('\n');

const hostDigest = createHash('sha256')
  .update(`${Array.from({ length: 20000 }, (_, i) => i + 1).join('\n')}\n`)
  .digest('hex');

describe('Debian ppc64el Linux boots to userspace', () => {
  for (const [name, args, cpuName] of [
    ['HV mode (POWER8)', ['-accel', 'hv'], 'POWER8'],
    ['PR mode (POWER8)', ['-accel', 'pr'], 'POWER8'],
    ['HV mode (POWER9, hash MMU)', ['-cpu', 'power9'], 'POWER9'],
  ] as const) {
    it(name, async () => {
      const { out, code } = await boot([...args], SCRIPT);
      expect(out).toContain(INIT_BANNER);
      expect(out).toContain('machine=ppc64le');
      expect(out).toMatch(new RegExp(`^cpu\\s*: ${cpuName}`, 'm'));
      expect(out).toMatch(/^platform\s*: pSeries/m);
      expect(out).toContain(`${hostDigest}  /tmp/data`);
      expect(code).toBe(0);
    }, 700_000);
  }
});
