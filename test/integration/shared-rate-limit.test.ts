import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createSharedLimiter } from '../../src/discord/shared-rate-limit.ts';
import { createLogger } from '../../src/main/logger.ts';
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

  it('lets no more than the limit through in any window, across processes', async () => {
    const prefix = `rl${randomBytes(4).toString('hex')}`;
    const limit = { limit: 5, windowMs: 400 };
    const first = createSharedLimiter({ redis: a, prefix, logger, sleep, limit });
    const second = createSharedLimiter({ redis: b, prefix, logger, sleep, limit });
    const start = performance.now();
    const times = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? first : second)('post:123').then(() => performance.now() - start)),
    );
    times.sort((x, y) => x - y);
    // 12 requests at 5 per 400 ms: the last can go only after two full windows.
    expect(times[11]!).toBeGreaterThanOrEqual(790);
    for (let i = 5; i < times.length; i++) expect(times[i]! - times[i - 5]!).toBeGreaterThanOrEqual(390);
    // Another key (the edits bucket, another channel) is not held up.
    const t0 = performance.now();
    await first('edit:123');
    expect(performance.now() - t0).toBeLessThan(100);
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
