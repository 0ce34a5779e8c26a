import { createRedisConnection } from '../jobs/rollback-queue.ts';
import { lazyQueue, type LazyQueue } from '../jobs/lazy-queue.ts';

// The producer side of the monitor's queue, apart from the worker (monitor-worker.ts): every role can end a veto
// countdown, and only a worker role loads the tick and the BullMQ worker.
export const MONITOR_QUEUE = 'monitor';

export interface MonitorQueue {
  queue: LazyQueue;
  scheduleVetoEnd(eventId: string, at: Date): Promise<void>;
  close(): Promise<void>;
}

/** Any role can schedule the end of a veto countdown (jobId = event id, so once). */
export function createMonitorQueue(input: { redisUrl: string; prefix: string }): MonitorQueue {
  const connection = createRedisConnection(input.redisUrl, 'producer');
  connection.on('error', () => undefined);
  // Without a listener, an unreachable Redis prints raw errors to stderr; /health already reports the outage.
  const queue = lazyQueue(MONITOR_QUEUE, connection, input.prefix, () => undefined);
  return {
    queue,
    async scheduleVetoEnd(eventId, at) {
      await (await queue()).add('veto-end', { eventId }, { jobId: `veto-${eventId}`, delay: Math.max(0, at.getTime() - Date.now()), attempts: 10, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 1000 });
    },
    async close() {
      await queue.close();
      connection.disconnect();
    },
  };
}
