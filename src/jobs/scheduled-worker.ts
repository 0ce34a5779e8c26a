import { Queue, Worker } from 'bullmq';
import { closeWithin } from '../core/close-within.ts';
import type { Logger } from '../logging/logger.ts';
import { createRedisConnection } from './rollback-queue.ts';

export interface ScheduledWorkerInput {
  /** The queue, which is also the job scheduler's id: one schedule per queue. */
  queue: string;
  /** The jobs' name, as BullMQ's UI and the logs show them. */
  jobName: string;
  everyMs: number;
  redisUrl: string;
  prefix: string;
  logger: Logger;
  /** What a run does; a failure is logged, never retried: the next run, an interval later, starts over. */
  run: () => Promise<unknown>;
}

/**
 * Work that runs every `everyMs` for all workers together (the first at once): a BullMQ job scheduler writes the
 * schedule into Redis, and this worker takes the runs one at a time. Retention and audit checkpoints run this way.
 */
export async function startScheduledWorker(input: ScheduledWorkerInput): Promise<{ close(): Promise<void> }> {
  const { logger } = input;
  // The producer is needed only to write the schedule, which lives in Redis from then on.
  const producer = createRedisConnection(input.redisUrl, 'producer');
  producer.on('error', (err) => logger.debug({ err }, `redis ${input.queue} producer connection error`));
  const queue = new Queue(input.queue, { connection: producer, prefix: input.prefix });
  queue.on('error', (err) => logger.debug({ err }, `${input.queue} queue error`));
  try {
    await queue.upsertJobScheduler(input.queue, { every: input.everyMs }, { name: input.jobName, opts: { attempts: 1, removeOnComplete: 24, removeOnFail: 24 } });
  } finally {
    await closeWithin(queue.close(), 2_000);
    producer.disconnect();
  }

  const connection = createRedisConnection(input.redisUrl, 'worker');
  connection.on('error', (err) => logger.debug({ err }, `redis ${input.queue} worker connection error`));
  const worker = new Worker(input.queue, () => input.run(), { connection, prefix: input.prefix, concurrency: 1 });
  worker.on('error', (err) => logger.warn({ err }, `${input.queue} worker error`));
  worker.on('failed', (job, err) => logger.warn({ err, jobId: job?.id }, `${input.queue} run failed; the next run tries again`));
  return {
    async close() {
      await closeWithin(worker.close(), 5_000);
      connection.disconnect();
    },
  };
}
