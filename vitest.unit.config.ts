import { defineConfig } from 'vitest/config';

// The fast gate: test/unit needs no redis-server (no global setup, no build).
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 10_000,
    reporters: ['default', './test/helpers/closing-line.ts'],
    pool: 'forks',
    maxWorkers: 2,
  },
});
