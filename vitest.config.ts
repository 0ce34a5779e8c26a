import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    exclude: ['test/faults/**', 'node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Fails a file that leaves running what it started (workers, servers, child processes, timers).
    setupFiles: ['test/support/leak-guard.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: integration files each bring their own database and queue prefix, so two at a time is safe.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
