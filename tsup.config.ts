import { defineConfig } from 'tsup';

export default defineConfig({
  // The library (ESM + CJS), the `tenure` command line (dist/cli.js, ESM only) and the keeper
  // thread (dist/keeper-thread.js, ESM only: both builds start it as a Worker from dist/). The
  // CLI bundles what it uses of the library; the library never loads CLI code.
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts', 'keeper-thread': 'src/core/thread/worker.ts' },
  format: ['esm', 'cjs'],
  esbuildOptions(options, { format }) {
    if (format === 'cjs') options.entryPoints = { index: 'src/index.ts' };
  },
  dts: { entry: { index: 'src/index.ts' } },
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  splitting: false,
  shims: false,
});
