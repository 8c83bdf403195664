/**
 * Issue 5: Debian's ppc64el kernel on one worker thread per vCPU (the default
 * with `-smp N`): RTAS start-cpu starts the secondaries, IPIs and doorbells reach
 * them, every CPU comes online with the topology the device tree gives, and
 * parallel work (one job pinned per CPU) gives the right results. Runs the real CLI.
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

/** Iterations of the shell loop of short-lived processes, and lock-protected increments per CPU. */
const LOOP = 20;
const INCREMENTS = 15;
/** 2 MiB of 'a', made in the guest: its digest is computed here too. */
const FILE_BYTES = 2 * 1024 * 1024;

/**
 * The guest's work, on every online CPU at once (taskset pins one job per CPU):
 * - topology as Linux sees it (/sys/devices/system/cpu/cpuN/topology);
 * - sha256sum of one file in parallel, one process per CPU;
 * - a loop of short-lived processes joined by pipes;
 * - a counter in a tmpfs file incremented under a mkdir lock (mkdir is atomic) from every
 *   CPU: lost updates or a hang would show;
 * - every CPU writing lines into one pipe (pipe wake-ups across CPUs).
 */
const SCRIPT = [
  'CPUS="$(seq 0 $(($(nproc)-1)))"',
  'echo "processors=$(grep -c ^processor /proc/cpuinfo)"',
  'echo "online=$(cat /sys/devices/system/cpu/online)"',
  'for c in $CPUS; do echo "topo$c=$(cat /sys/devices/system/cpu/cpu$c/topology/thread_siblings_list) core=$(cat /sys/devices/system/cpu/cpu$c/topology/core_id)"; done',
  `dd if=/dev/zero bs=64k count=${FILE_BYTES / 65536} 2>/dev/null | tr '\\0' 'a' > /tmp/f`,
  'for c in $CPUS; do taskset -c $c sha256sum /tmp/f > /tmp/s$c & done; wait',
  'echo "jobs=$(cat /tmp/s* | wc -l)"',
  "cat /tmp/s* | cut -d' ' -f1 | sort -u | sed 's/^/digest=/'",
  `i=0; while [ $i -lt ${LOOP} ]; do echo $i | sha256sum | cut -c1-8; i=$((i+1)); done | sha256sum | sed 's/ .*//;s/^/loop=/'`,
  'echo 0 > /tmp/c',
  `for c in $CPUS; do taskset -c $c sh -c 'i=0; while [ $i -lt ${INCREMENTS} ]; do until mkdir /tmp/lk 2>/dev/null; do :; done; n=$(cat /tmp/c); echo $((n+1)) > /tmp/c; rmdir /tmp/lk; i=$((i+1)); done' & done; wait`,
  'echo "counter=$(cat /tmp/c)"',
  "(for c in $CPUS; do taskset -c $c sh -c 'i=0; while [ $i -lt 300 ]; do echo x; i=$((i+1)); done' & done; wait) | wc -l | sed 's/^/lines=/'",
  'poweroff -f',
].join('\n');

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const FILE_DIGEST = sha256(Buffer.alloc(FILE_BYTES, 'a'));
const LOOP_DIGEST = sha256(Array.from({ length: LOOP }, (_, i) => `${sha256(`${i}\n`).slice(0, 8)}\n`).join(''));

describe('Debian ppc64el Linux on vCPU worker threads', () => {
  for (const [args, n, perCore] of [
    [['-smp', '4'], 4, 1],
    [['-smp', '4,threads=2'], 4, 2],
    [['-smp', '2', '-accel', 'pr'], 2, 1],
  ] as const) {
    it(`${args.join(' ')}: all CPUs online, topology, parallel work, lock and pipe stress`, async () => {
      const { out, code } = await boot([...args], SCRIPT);
      expect(out).toContain(`Partition configured for ${n} cpus.`);
      expect(out).toContain(`CPU maps initialized for ${perCore} thread${perCore > 1 ? 's' : ''} per core`);
      expect(out).toContain(`smp: Brought up 1 node, ${n} CPUs`);
      expect(out).toContain(INIT_BANNER);
      const line = (key: string) => new RegExp(`^${key}=(.*?)\\r?$`, 'm').exec(out)?.[1];
      expect(line('processors')).toBe(String(n));
      expect(line('online')).toBe(`0-${n - 1}`);
      for (let c = 0; c < n; c++) {
        // Siblings are the threads of one core; core_id is the core's first thread (its cpu node's reg).
        const first = c - (c % perCore);
        const siblings = perCore === 1 ? `${c}` : `${first}-${first + perCore - 1}`;
        expect(line(`topo${c}`)).toBe(`${siblings} core=${first}`);
      }
      expect(line('jobs')).toBe(String(n));
      expect([...out.matchAll(/^digest=(\w+)\r?$/gm)].map((m) => m[1])).toEqual([FILE_DIGEST]);
      expect(line('loop')).toBe(LOOP_DIGEST);
      expect(line('counter')).toBe(String(n * INCREMENTS));
      expect(line('lines')).toBe(String(n * 300));
      expect(code).toBe(0);
    }, 700_000);
  }
});

/** Start the CLI with an interactive shell as init; returns the child and its output so far. */
function interactive(args: string[]) {
  const child = spawn(
    process.execPath,
    [CLI, ...args, '-kernel', kernel!, '-initrd', initrd, '-append', 'console=hvc0 rdinit=/bin/sh'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const feed = (d: Buffer) => {
    out += d.toString('latin1');
    for (const w of waiters.splice(0)) {
      if (out.includes(w.text)) w.resolve();
      else waiters.push(w);
    }
  };
  child.stdout.on('data', feed);
  child.stderr.on('data', feed);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const waitFor = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (out.includes(text)) return resolve();
      const timer = setTimeout(() => reject(new Error(`no '${text}'; console so far:\n${out.slice(-3000)}`)), 300_000);
      waiters.push({
        text,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  return { child, out: () => out, exited, waitFor };
}

describe('vCPU worker threads: console input and shutdown', () => {
  it('-smp 2: typed input reaches the shell, the monitor resets the machine, Ctrl-A x stops every worker and exits 0', async () => {
    const g = interactive(['-smp', '2']);
    await g.waitFor('built-in shell');
    // Input goes through the main thread's vty and an XICS interrupt to a vCPU worker.
    g.child.stdin.write('echo $((6*7))-from-$(nproc)-cpus\r');
    await g.waitFor('42-from-2-cpus');
    // The monitor: register state lives in the workers (refused, with the reason); system_reset
    // stops the workers, resets and boots again with fresh ones.
    g.child.stdin.write('\x01c');
    await g.waitFor('(ppcvm) ');
    g.child.stdin.write('info registers\r');
    await g.waitFor('not available while the vCPUs run in worker threads');
    // info cpus shows what each worker last published: its PC and instruction count.
    g.child.stdin.write('info cpus\r');
    await g.waitFor('CPU #1: nip=0x');
    expect(g.out()).toMatch(/CPU #0: nip=0x[0-9a-f]{16}.*\(as of \d+ instructions\)/);
    g.child.stdin.write('system_reset\r');
    g.child.stdin.write('\x01c');
    const banners = () => g.out().split('Linux version').length - 1;
    expect(banners()).toBe(1);
    await g.waitFor('smp: Brought up 1 node, 2 CPUs');
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (banners() === 2 && g.out().lastIndexOf('built-in shell') > g.out().lastIndexOf('Linux version')) {
          clearInterval(poll);
          resolve();
        }
      }, 100);
    });
    g.child.stdin.write('\x01x');
    expect(await g.exited).toBe(0);
    expect(g.out()).toContain('ppcvm: terminated');
  }, 700_000);

  it('-smp 4: Ctrl-A x in the middle of the boot stops every worker and exits 0', async () => {
    const g = interactive(['-smp', '4']);
    // Secondary vCPUs are being brought up or the kernel is busy initialising.
    await g.waitFor('smp: Bringing up secondary CPUs');
    g.child.stdin.write('\x01x');
    expect(await g.exited).toBe(0);
    expect(g.out()).toContain('ppcvm: terminated');
  }, 700_000);
});
