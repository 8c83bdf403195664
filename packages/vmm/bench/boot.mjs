#!/usr/bin/env node
// Boot benchmark (not a test): time from start until the guest's /init prints its banner,
// for ppcvm in HV and PR mode and for qemu-system-ppc64 -M pseries,x-vof=on -cpu power8
// -m 512M with the same Debian kernel and busybox initramfs, in one run. Prints times,
// ratios, guest instructions and the PR-mode trap/paravirt counters.
//
// Usage: npm run bench -w @ppcvm/vmm   (after `npm run build` and `npm run fixtures`)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '../../../scripts/fixtures.mjs';
import { buildInitramfs, INIT_BANNER, runCommandArg } from '../dist/guest/index.js';
import { Machine } from '../dist/index.js';

const kernelPath = fixturePath('vmlinux');
const busyboxPath = fixturePath('busybox');
if (!kernelPath || !busyboxPath) {
  console.error('bench: Debian kernel/busybox fixtures missing: run `npm run fixtures`');
  process.exit(1);
}
const kernel = new Uint8Array(readFileSync(kernelPath));
const initrd = buildInitramfs({ busybox: new Uint8Array(readFileSync(busyboxPath)) });
const cmdline = `console=hvc0 ${runCommandArg('poweroff -f')}`;

/** Boot ppcvm in-process; resolves with seconds until the banner and the CPU counters. */
async function ppcvm(accel) {
  let console = '';
  let bannerAt = 0;
  const t0 = performance.now();
  const machine = new Machine({
    kernel,
    initrd,
    cmdline,
    accel,
    console: (bytes) => {
      if (bannerAt) return;
      console += Buffer.from(bytes).toString('latin1');
      if (console.includes(INIT_BANNER)) bannerAt = performance.now();
    },
  });
  const exit = await machine.run();
  const cpu = machine.vcpus[0].cpu;
  if (!bannerAt) throw new Error(`ppcvm ${accel}: no init banner (exit ${JSON.stringify(exit)})`);
  return { seconds: (bannerAt - t0) / 1000, instructions: cpu.icount, counters: { ...cpu.counters } };
}

/** Boot QEMU; resolves with seconds until the banner (including QEMU's start-up). */
function qemu() {
  const bin = 'qemu-system-ppc64';
  if (spawnSync(bin, ['--version']).status !== 0) return Promise.resolve(null);
  const dir = mkdtempSync(join(tmpdir(), 'ppcvm-bench-'));
  const initrdPath = join(dir, 'initrd.gz');
  writeFileSync(initrdPath, initrd);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(bin, [
      '-M',
      'pseries,x-vof=on',
      '-cpu',
      'power8',
      '-m',
      '512M',
      '-nographic',
      '-nodefaults',
      '-serial',
      'mon:stdio',
      '-no-reboot',
      '-kernel',
      kernelPath,
      '-initrd',
      initrdPath,
      '-append',
      cmdline,
    ]);
    let out = '';
    let at = 0;
    child.stdout.on('data', (d) => {
      out += d.toString('latin1');
      if (!at && out.includes(INIT_BANNER)) at = performance.now();
    });
    child.on('exit', () => {
      rmSync(dir, { recursive: true, force: true });
      if (!at) reject(new Error(`qemu: no init banner:\n${out.slice(-2000)}`));
      else resolve({ seconds: (at - t0) / 1000 });
    });
  });
}

const fmt = (s) => `${s.toFixed(2)} s`;
console.log('Boot of Debian 6.1 ppc64el + busybox initramfs until /init runs (512 MiB, 1 vCPU)');
const q = await qemu();
if (q) console.log(`  qemu-system-ppc64 -M pseries,x-vof=on -cpu power8 (TCG): ${fmt(q.seconds)}`);
else console.log('  qemu-system-ppc64 not installed: no reference');
for (const accel of ['hv', 'pr']) {
  const r = await ppcvm(accel);
  const mips = r.instructions / r.seconds / 1e6;
  let line = `  ppcvm -accel ${accel}: ${fmt(r.seconds)}, ${(r.instructions / 1e6).toFixed(0)} M guest instructions (${mips.toFixed(1)} MIPS)`;
  if (q) line += `, ratio ppcvm/qemu ${(r.seconds / q.seconds).toFixed(1)}x`;
  console.log(line);
  const c = r.counters;
  console.log(
    `    counters: interrupts ${c.interrupts}, hcalls ${c.hcalls}, syscalls ${c.syscalls}, privileged traps ${c.privTraps}, paravirt accesses ${c.paravirt}`,
  );
}
