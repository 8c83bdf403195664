import { defineConfig } from 'tsup';

export default defineConfig({
  // The library and the `ppcvm` executable (src/cli.ts keeps its #! line).
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
});
