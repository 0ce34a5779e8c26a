import { Queue, Worker } from 'bullmq';
import type pg from 'pg';
import type { Config } from '../config/load.ts';
import { closeWithin } from '../core/close-within.ts';
import { createRedisConnection } from '../jobs/rollback-queue.ts';
import type { Logger } from '../logging/logger.ts';
import { runRetention } from './run-retention.ts';

export const RETENTION_QUEUE = 'retention';
const SCHEDULER_ID = 'retention';

/**
 * The retention role inside a worker: a BullMQ job scheduler makes one run every `retention.every` (hourly by
 * default; the first at once) for all workers together, and this worker takes them one at a time. The run's advisory
 * lock keeps it to one at a time across workers too, should a run outlast the interval.
 */
export async function startRetentionWorker(
  deps: { pool: pg.Pool; logger: Logger; clock: () => Date; config: Config },
  input: { redisUrl: string; prefix: string },
): Promise<{ close(): Promise<void> }> {
  const logger = deps.logger.child({ component: 'retention' });
  const retention = deps.config.raw.retention;
  // The producer is needed only to write the schedule, which lives in Redis from then on.
  const producer = createRedisConnection(input.redisUrl, 'producer');
  producer.on('error', (err) => logger.debug({ err }, 'redis retention producer connection error'));
  const queue = new Queue(RETENTION_QUEUE, { connection: producer, prefix: input.prefix });
  queue.on('error', (err) => logger.debug({ err }, 'retention queue error'));
  try {
    await queue.upsertJobScheduler(SCHEDULER_ID, { every: retention.every }, { name: 'run', opts: { attempts: 1, removeOnComplete: 24, removeOnFail: 24 } });
  } finally {
    await closeWithin(queue.close(), 2_000);
    producer.disconnect();
  }

  const abort = new AbortController();
  const connection = createRedisConnection(input.redisUrl, 'worker');
  connection.on('error', (err) => logger.debug({ err }, 'redis retention worker connection error'));
  const worker = new Worker(RETENTION_QUEUE, () => runRetention({ pool: deps.pool, logger, clock: deps.clock, retention, signal: abort.signal }), {
    connection,
    prefix: input.prefix,
    concurrency: 1,
  });
  worker.on('error', (err) => logger.warn({ err }, 'retention worker error'));
  // A failed run is not retried: the next one, an interval later, starts over and finishes the job.
  worker.on('failed', (job, err) => logger.warn({ err, jobId: job?.id }, 'retention run failed; the next run tries again'));
  return {
    async close() {
      // A run in progress stops at its next step; the rest is left for the next run.
      abort.abort();
      await closeWithin(worker.close(), 5_000);
      connection.disconnect();
    },
  };
}
