import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createSharedLimiter } from '../../src/discord/shared-rate-limit.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { REDIS_URL } from '../support/pg-admin.ts';

// Two "processes" (two Redis connections, two limiters) share one channel's budget, as api, worker and gateway do.

const logger = createLogger({ level: 'silent', name: 'shared-rate-limit-test' });
// The limiter's own wait for its turn (what it does in production), not a test pause.
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('the shared Discord rate limit', () => {
  const a = new Redis(REDIS_URL);
  const b = new Redis(REDIS_URL);
  afterAll(() => {
    a.disconnect();
    b.disconnect();
  });

  it('lets no more than the limit through in a window, across processes', async () => {
    // Counted, not timed to the millisecond: on a loaded machine a grant can reach its caller late, so only counts
    // and lower bounds on time are safe to assert.
    const prefix = `rl${randomBytes(4).toString('hex')}`;
    const limit = { limit: 3, windowMs: 3_000 };
    // A caller told to wait sleeps: counting those says every request has had its answer from Redis.
    let toldToWait = 0;
    const waiting = (ms: number) => (toldToWait++, sleep(ms));
    const first = createSharedLimiter({ redis: a, prefix, logger, sleep: waiting, limit });
    const second = createSharedLimiter({ redis: b, prefix, logger, sleep: waiting, limit });
    const start = performance.now();
    let granted = 0;
    const done = Array.from({ length: 7 }, (_, i) =>
      (i % 2 ? first : second)('post:123').then(() => {
        granted++;
        return performance.now() - start;
      }),
    );
    // Every one of the 7 has been answered (granted, or told to wait for the window): each process alone would have
    // let 3 through, 6 in all; shared, 3.
    await expect.poll(() => granted + toldToWait, { timeout: 2_000, interval: 20 }).toBeGreaterThanOrEqual(7);
    expect(granted).toBe(3);
    expect(toldToWait).toBe(4);
    const times = (await Promise.all(done)).sort((x, y) => x - y);
    // 7 requests at 3 per 3 s: the last one can go only after two full windows.
    expect(times[6]!).toBeGreaterThanOrEqual(5_990);
    // Another key (the edits bucket, another channel) is not held up.
    const t0 = performance.now();
    await first('edit:123');
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('lets requests go when Redis is unreachable (a late card beats none)', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    const acquire = createSharedLimiter({ redis: down, prefix: 'x', logger, sleep });
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) await acquire('post:1');
    expect(performance.now() - t0).toBeLessThan(500);
    down.disconnect();
  });
});
