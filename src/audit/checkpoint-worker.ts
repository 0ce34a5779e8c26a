import { Queue, Worker } from 'bullmq';
import { closeWithin } from '../core/close-within.ts';
import { createRedisConnection } from '../jobs/rollback-queue.ts';
import { publishCheckpoint, type CheckpointDeps } from './publish-checkpoint.ts';

export const CHECKPOINT_QUEUE = 'audit-checkpoint';
const SCHEDULER_ID = 'audit-checkpoint';

/**
 * Audit checkpoints inside a worker: a BullMQ job scheduler makes one every `everyMs` for all workers together (the
 * first at once), and each worker signs one more as it shuts down, so the log's last rows before a stop are covered
 * without waiting for the next interval.
 */
export async function startCheckpointWorker(deps: CheckpointDeps, input: { redisUrl: string; prefix: string; everyMs: number }): Promise<{ close(): Promise<void> }> {
  const logger = deps.logger.child({ component: 'audit-checkpoint' });
  const withLogger = { ...deps, logger };
  const producer = createRedisConnection(input.redisUrl, 'producer');
  producer.on('error', (err) => logger.debug({ err }, 'redis checkpoint producer connection error'));
  const queue = new Queue(CHECKPOINT_QUEUE, { connection: producer, prefix: input.prefix });
  queue.on('error', (err) => logger.debug({ err }, 'checkpoint queue error'));
  try {
    await queue.upsertJobScheduler(SCHEDULER_ID, { every: input.everyMs }, { name: 'sign', opts: { attempts: 1, removeOnComplete: 24, removeOnFail: 24 } });
  } finally {
    await closeWithin(queue.close(), 2_000);
    producer.disconnect();
  }
  const connection = createRedisConnection(input.redisUrl, 'worker');
  connection.on('error', (err) => logger.debug({ err }, 'redis checkpoint worker connection error'));
  const worker = new Worker(CHECKPOINT_QUEUE, async () => void (await publishCheckpoint(withLogger)), { connection, prefix: input.prefix, concurrency: 1 });
  worker.on('error', (err) => logger.warn({ err }, 'checkpoint worker error'));
  worker.on('failed', (job, err) => logger.warn({ err, jobId: job?.id }, 'audit checkpoint failed; the next one tries again'));
  return {
    async close() {
      await closeWithin(worker.close(), 5_000);
      connection.disconnect();
      await closeWithin(
        publishCheckpoint(withLogger).then(() => undefined, (err: unknown) => logger.warn({ err }, 'the checkpoint at shutdown failed')),
        10_000,
      );
    },
  };
}
