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
    // Each caller has its own limiter (on one of the two connections), so its first answer from Redis is known: told to
    // wait (its sleep is called) or granted without a wait. Only first answers are counted: a caller that waited may be
    // granted in the next window before the others have had theirs, when the machine is loaded.
    const firstAnswers: ('grant' | 'wait')[] = [];
    const start = performance.now();
    const done = Array.from({ length: 7 }, (_, i) => {
      let answered = false;
      const answer = (kind: 'grant' | 'wait') => {
        if (!answered) firstAnswers.push(kind);
        answered = true;
      };
      const acquire = createSharedLimiter({
        redis: i % 2 ? a : b,
        prefix,
        logger,
        limit,
        sleep: (ms: number) => (answer('wait'), sleep(ms)),
      });
      return acquire('post:123').then(() => {
        answer('grant');
        return performance.now() - start;
      });
    });
    // Every one of the 7 has had its first answer: each process alone would have let 3 through, 6 in all; shared, 3.
    await expect.poll(() => firstAnswers.length, { timeout: 5_000, interval: 20 }).toBe(7);
    expect(firstAnswers.filter((x) => x === 'grant')).toHaveLength(3);
    expect(firstAnswers.filter((x) => x === 'wait')).toHaveLength(4);
    const times = (await Promise.all(done)).sort((x, y) => x - y);
    // 7 requests at 3 per 3 s: the last one can go only after two full windows.
    expect(times[6]!).toBeGreaterThanOrEqual(5_990);
    // Another key (the edits bucket, another channel) is not held up.
    const t0 = performance.now();
    const first = createSharedLimiter({ redis: a, prefix, logger, sleep, limit });
    await first('edit:123');
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('counts a slot from when its request was answered, not from when it was taken', async () => {
    // A request that leaves late (a loaded machine) reaches Discord late: the next window must start from its answer,
    // or the next window's first request lands within Discord's 5 s of it and gets a 429.
    const prefix = `rl${randomBytes(4).toString('hex')}`;
    const acquire = createSharedLimiter({ redis: a, prefix, logger, sleep, limit: { limit: 1, windowMs: 1_000 } });
    const done = await acquire('post:9');
    await sleep(600); // the request in flight: what the test is about, not a wait for a condition
    await done();
    const answered = performance.now();
    await acquire('post:9');
    // Lower bound only: a loaded machine can grant later, never sooner.
    expect(performance.now() - answered).toBeGreaterThanOrEqual(950);
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
