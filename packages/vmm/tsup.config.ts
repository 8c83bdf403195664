import { defineConfig } from 'tsup';

export default defineConfig({
  // The library, the guest fetcher on its own (`@ppcvm/vmm/guest`, used by the
  // repository's fixture script without loading the machine) and the `ppcvm`
  // executable (src/cli.ts keeps its #! line).
  entry: {
    index: 'src/index.ts',
    'guest/index': 'src/guest/index.ts',
    cli: 'src/cli.ts',
    // One per vCPU thread (thread=multi), loaded by src/smp/host.ts next to it.
    'vcpu-worker': 'src/smp/worker.ts',
  },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts', 'guest/index': 'src/guest/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
