import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createSharedLimiter } from '../../src/discord/shared-rate-limit.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { REDIS_URL } from '../support/pg-admin.ts';

// Two "processes" (two Redis connections, two limiters) share one channel's budget, as api, worker and gateway do.

const logger = createLogger({ level: 'silent', name: 'shared-rate-limit-test' });
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
    const first = createSharedLimiter({ redis: a, prefix, logger, sleep, limit });
    const second = createSharedLimiter({ redis: b, prefix, logger, sleep, limit });
    const start = performance.now();
    let granted = 0;
    const done = Array.from({ length: 7 }, (_, i) =>
      (i % 2 ? first : second)('post:123').then(() => {
        granted++;
        return performance.now() - start;
      }),
    );
    await expect.poll(() => granted, { timeout: 1_000, interval: 20 }).toBe(3);
    // Each process alone would have let 3 through: 6 now, not 3.
    await sleep(800);
    expect(granted).toBe(3);
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
