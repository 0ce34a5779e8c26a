import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { createMetrics } from '../../src/metrics/registry.ts';
import { createRedisConnection } from '../../src/jobs/rollback-queue.ts';
import { REDIS_URL } from '../support/pg-admin.ts';

// The shipped dashboard and alert rules must only name metrics backstop really exports, or they chart nothing.
describe('the observability examples', () => {
  it('reference only metrics that /metrics exposes', async () => {
    // With a queue, as in every real role, so the queue-depth gauge is registered too.
    const connection = createRedisConnection(REDIS_URL, 'producer');
    const queue = new Queue('observability-test', { connection, prefix: 'obs' });
    const exposed = await createMetrics(queue).registry.metrics().finally(async () => {
      await queue.close();
      connection.disconnect();
    });
    const types = new Set([...exposed.matchAll(/^# TYPE (\S+) (\S+)/gm)].map((m) => m[1]!));
    const texts = [readFileSync('examples/observability/grafana-dashboard.json', 'utf8'), readFileSync('examples/observability/backstop-alerts.yml', 'utf8')];
    const used = new Set(texts.flatMap((t) => [...t.matchAll(/backstop_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''))));
    const missing = [...used].filter((name) => !types.has(name));
    expect(used.size).toBeGreaterThan(4);
    expect(missing).toEqual([]);
  });
});
