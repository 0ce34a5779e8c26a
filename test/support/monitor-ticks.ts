import type { Backstop } from './harness.ts';
import { waitFor } from './harness.ts';

/**
 * Resolves once `n` monitor ticks that began after `since` (epoch ms) have completed, so every tick that could have
 * acted on the state at `since` has done so. A test that asserts "the monitor did nothing" waits on this, not a clock.
 * Tick jobs stay in the monitor queue's completed set (the newest 100 of them), each with the time it began.
 */
export async function ticksAfter(b: Backstop, since: number, n: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(`${n} monitor ticks begun after ${new Date(since).toISOString()}`, async () => {
    const done = await (await b.running.deps.monitorQueue.queue()).getJobs(['completed'], 0, 4 * n);
    return done.filter((j) => j.name === 'tick' && (j.processedOn ?? 0) > since).length >= n;
  }, timeoutMs, 100);
}
