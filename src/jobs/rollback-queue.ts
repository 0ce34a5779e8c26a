import { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.ts';
import type { Enqueue } from '../core/deps.ts';
import { JOBS, ROLLBACK_QUEUE, rollbackJobId } from './catalog.ts';
import { closeWithin } from '../core/close-within.ts';
import { lazyQueue, type LazyQueue } from './lazy-queue.ts';

export interface RollbackQueue {
  queue: LazyQueue;
  enqueue: Enqueue;
  close(): Promise<void>;
}

export const ROLLBACK_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  // Finished jobs stay a while so the reconciler can tell "done" from "never enqueued".
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

const ENQUEUE_TIMEOUT_MS = 2_000;

export function createRedisConnection(url: string, role: 'producer' | 'worker'): Redis {
  return role === 'worker'
    ? new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true })
    : // On the request path a Redis outage must be a fast, clear error, never a hang.
      new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, lazyConnect: false });
}

export function createRollbackQueue(deps: { redisUrl: string; prefix: string; logger: Logger }): RollbackQueue {
  const connection = createRedisConnection(deps.redisUrl, 'producer');
  connection.on('error', (err) => deps.logger.debug({ err }, 'redis producer connection error'));
  const queue = lazyQueue(ROLLBACK_QUEUE, connection, deps.prefix, (err) => deps.logger.debug({ err }, 'rollback queue error'));

  const enqueue: Enqueue = async (eventId) => {
    const payload = JOBS.rollback.parse({ eventId });
    try {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        queue().then((q) => q.add('rollback', payload, { ...ROLLBACK_JOB_OPTIONS, jobId: rollbackJobId(eventId) })),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`enqueue timed out after ${ENQUEUE_TIMEOUT_MS} ms`)), ENQUEUE_TIMEOUT_MS);
        }),
      ]).finally(() => clearTimeout(timer));
      // The row stays 'approved' until a worker claims it: writing 'queued' here cost a statement and was overwritten
      // by the claim a few milliseconds later; the job's own state in Redis says whether it is waiting.
      return true;
    } catch (err) {
      // The row stays 'approved': the reconciler (the outbox) enqueues it once Redis answers again.
      deps.logger.warn({ err, eventId }, 'could not enqueue rollback; it will be enqueued when the queue is reachable');
      return false;
    }
  };

  return {
    queue,
    enqueue,
    async close() {
      await closeWithin(queue.close(), 2_000);
      connection.disconnect();
    },
  };
}
