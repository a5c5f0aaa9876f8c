import { defineConfig } from 'tsup';

export default defineConfig({
  // The library (ESM + CJS) and the `tenure` command line (dist/cli.js, ESM only). The CLI
  // bundles what it uses of the library; the library never loads CLI code.
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
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
