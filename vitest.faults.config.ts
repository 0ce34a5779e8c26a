import { defineConfig } from 'vitest/config';

// The fault-injection suite: real processes killed and restarted on purpose (workers, Redis, even the shared
// PostgreSQL), so its files run one at a time, after the main suite, never beside it.
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Fails a file that leaves running what it started (workers, servers, child processes, timers).
    setupFiles: ['test/support/leak-guard.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
