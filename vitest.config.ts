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
    // Three files at a time on two cores: each brings its own database and queue prefix, and most of a file's time is
    // spent waiting on real parts (Prometheus scrapes, monitor ticks, rate-limit windows), not on the CPU.
    maxWorkers: 3,
    fileParallelism: true,
  },
});
