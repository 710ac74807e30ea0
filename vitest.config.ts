import { defineConfig } from 'vitest/config';

// Specs live beside the code (`*.spec.ts`); end-to-end specs in e2e/ (`*.e2e.ts`).
export default defineConfig({
  test: {
    include: ['shared/**/*.spec.ts', 'main/**/*.spec.ts', 'preload/**/*.spec.ts', 'testing/**/*.spec.ts', 'e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: integration specs share one Docker engine; keep them from starving each other.
    maxWorkers: 2,
    reporters: ['default', './testing/summary-reporter.ts'],
  },
});
