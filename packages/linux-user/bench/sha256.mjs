// Benchmark: busybox sha256sum of a 16 MiB file under ppcvm-user (in-process, library API) and
// under qemu-ppc64le -cpu power8, in the same run. Prints both times, the ratio and ppcvm's guest MIPS.
// Not a test: times depend on the machine. Needs `npm run fixtures` and a build of this package.
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fixturePath } from '../../../scripts/fixtures.mjs';
import { runProgram } from '../dist/index.js';

const busybox = fixturePath('busybox');
if (!busybox) {
  console.error('busybox fixture missing: run npm run fixtures');
  process.exit(1);
}
const mib = Number(process.env.BENCH_MIB ?? 16);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ppcvm-bench-'));
const file = path.join(dir, 'data.bin');
const data = new Uint8Array(mib << 20);
for (let o = 0; o < data.length; o += 65536) randomFillSync(data.subarray(o, o + 65536));
fs.writeFileSync(file, data);
const outFile = path.join(dir, 'out.txt');

try {
  const out = fs.openSync(outFile, 'w');
  const cpu0 = process.cpuUsage();
  const r = runProgram({ program: busybox, args: ['sha256sum', file], stdio: [0, out, 2] });
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  fs.closeSync(out);
  const ours = fs.readFileSync(outFile, 'utf8');

  // Best of three for QEMU (it is fast enough that start-up and noise matter).
  let q;
  let qemuSeconds = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    q = spawnSync('qemu-ppc64le', ['-cpu', 'power8', busybox, 'sha256sum', file], { encoding: 'utf8' });
    qemuSeconds = Math.min(qemuSeconds, (performance.now() - t0) / 1000);
    if (q.error) throw q.error;
  }

  const mips = r.instructions / r.seconds / 1e6;
  console.log(`busybox sha256sum of ${mib} MiB`);
  console.log(`  ppcvm-user: ${r.seconds.toFixed(2)} s, ${r.instructions} instructions, ${mips.toFixed(1)} guest MIPS`);
  console.log(
    `    (host CPU time ${cpuSeconds.toFixed(2)} s: ${(r.instructions / cpuSeconds / 1e6).toFixed(1)} MIPS per busy core)`,
  );
  console.log(`  qemu-ppc64le -cpu power8: ${qemuSeconds.toFixed(2)} s (including process start-up)`);
  console.log(`  ratio ppcvm/qemu: ${(r.seconds / qemuSeconds).toFixed(1)}x`);
  console.log(`  same digest: ${ours === q.stdout && r.status === q.status ? 'yes' : 'NO'}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
