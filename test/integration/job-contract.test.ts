import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLLBACK_QUEUE } from '../../src/jobs/catalog.ts';
import { createRedisConnection } from '../../src/jobs/rollback-queue.ts';
import { startBackstop, testPolicy, waitFor, type Backstop } from '../support/harness.ts';
import { REDIS_URL } from '../support/pg-admin.ts';

describe('the job contract on dequeue', () => {
  let b: Backstop;
  let queue: Queue;
  beforeAll(async () => {
    b = await startBackstop({ policy: testPolicy({ executorArgv: ['true'] }), roles: { api: false, worker: true } });
    queue = new Queue(ROLLBACK_QUEUE, { connection: createRedisConnection(REDIS_URL, 'worker'), prefix: b.queuePrefix });
  });
  afterAll(async () => {
    await queue?.close();
    await b?.close();
  });

  it('fails a malformed payload at once with the reason, without retries and without touching the database', async () => {
    const job = await queue.add('rollback', { eventId: 'not-a-uuid', extra: 1 }, { jobId: 'rb-malformed', attempts: 5 });
    const failed = await waitFor('the malformed job to fail', async () => ((await job.getState()) === 'failed' ? await queue.getJob(job.id!) : null));
    expect(failed!.failedReason).toContain('malformed rollback job payload: eventId: ');
    expect(failed!.failedReason).toContain('unknown key "extra"');
    expect(failed!.attemptsMade).toBe(1);
    const { rows } = await b.running.deps.pool.query('select count(*)::int as n from ops.rollback_events');
    expect(rows[0].n).toBe(0);
  });
});
