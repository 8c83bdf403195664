// Worker side of smp-domain.test.ts: one CPU of a CpuDomain that serves its attention word
// (flush = count, then acknowledge) and optionally fires `shots` shootdowns itself.
// stop[0] = 1 ends the serve loop; stop[1] counts flushes; stop[2] counts workers done shooting.
import { parentPort, workerData } from 'node:worker_threads';

const { CpuDomain, ATTN } = await import(workerData.moduleUrl);
const domain = CpuDomain.attach(workerData.buffer);
const me = workerData.index;
const stop = new Int32Array(workerData.stop);
let flushes = 0;
const serve = () => {
  const bits = domain.take(me);
  if (bits & ATTN.TLB) {
    const token = domain.tlbRequested(me);
    flushes++;
    Atomics.add(stop, 1, 1);
    domain.ackTlb(me, token);
  }
};
domain.setAlive(me, true);
// Shooters start together, so their shootdowns really overlap.
const alive = () =>
  Array.from({ length: domain.cpus }, (_, c) => Atomics.load(domain.alive, c)).reduce((a, b) => a + b);
while (workerData.shooters > 0 && alive() < workerData.shooters) domain.sleep(me, 1);
let shots = 0;
for (; shots < workerData.shots; shots++) domain.shootdown(me, serve);
if (workerData.shots > 0) Atomics.add(stop, 2, 1);
// Keep serving while another shooter may still wait for us.
const deadline = Date.now() + 20_000;
while (Atomics.load(stop, 0) === 0 && Date.now() < deadline) {
  serve();
  if (workerData.shooters > 0 && Atomics.load(stop, 2) >= workerData.shooters) break;
  // 'busy': a running CPU, which shooters must wait for; 'sleep': an idle one, which they need not.
  if (workerData.mode === 'busy') continue;
  domain.sleep(me, workerData.mode === 'sleep' ? 20_000 : 5);
}
serve();
domain.setAlive(me, false);
parentPort.postMessage({ flushes, shots });
