// Worker side of workers.test.ts: attaches to the shared XICS state and acts as
// a device (raising sources) or as another vCPU (sending IPIs). Work starts
// when the test opens a round (control[0]), so all workers really overlap.
import { workerData } from 'node:worker_threads';

const { Xics } = await import(workerData.moduleUrl);
const xics = Xics.attach(workerData.buffer);
const ctl = new Int32Array(workerData.control); // [round, ready, done]

Atomics.add(ctl, 1, 1);
for (let round = 1; round <= workerData.rounds; round++) {
  Atomics.wait(ctl, 0, round - 1);
  if (workerData.mode === 'raise') {
    const { mine, theirs } = workerData;
    for (let j = 0; j < mine.length; j++) {
      xics.setIrq(mine[j], true);
      // Mask and unmask a source the other worker is raising right now: an MSI
      // raised while masked must still be delivered once by int-on.
      if (theirs[j] !== undefined) {
        xics.intOff(theirs[j]);
        xics.intOn(theirs[j]);
      }
    }
  } else {
    // Linux's IPI protocol: post a message, then set the target's MFRR.
    const messages = new Int32Array(workerData.messages);
    for (let i = 0; i < workerData.count; i++) {
      Atomics.add(messages, workerData.slot, 1);
      xics.setMfrr(workerData.target, 5);
    }
  }
  Atomics.add(ctl, 2, 1);
}
