import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import { ROLLBACK_QUEUE } from './catalog.ts';
import type { RollbackQueue } from './rollback-queue.ts';
import { createRedisConnection } from './rollback-queue.ts';
import type { PipelineDeps } from '../pipeline/context.ts';
import { reconcile } from './reconciler.ts';
import { createRollbackProcessor } from './rollback-processor.ts';
import { closeWithin } from '../core/close-within.ts';

export interface WorkerOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  reconcileIntervalMs: number;
}

export interface RunningWorker {
  workerId: string;
  /** Runs one reconciliation pass now (tests and the CLI use it). */
  reconcileNow(): Promise<void>;
  close(): Promise<void>;
}

// The rollback worker role: a BullMQ worker for the pipeline plus the periodic reconciler.
export function startRollbackWorker(deps: PipelineDeps, queue: RollbackQueue, options: WorkerOptions, abort: AbortController): RunningWorker {
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const connection = createRedisConnection(options.redisUrl, 'worker');
  connection.on('error', (err) => deps.logger.debug({ err }, 'redis worker connection error'));
  const worker = new Worker(ROLLBACK_QUEUE, createRollbackProcessor(deps, workerId), {
    connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.stalledIntervalMs,
    maxStalledCount: 5,
  });
  worker.on('error', (err) => deps.logger.warn({ err }, 'rollback worker error'));

  let running: Promise<void> | null = null;
  const reconcileNow = () => {
    running ??= queue
      .queue()
      .then((q) => reconcile(deps, q, Math.max(1_000, options.reconcileIntervalMs)))
      .then((report) => {
        if (report.enqueued || report.failed || report.expired) deps.logger.info({ ...report }, 'reconciled rollbacks');
      })
      .catch((err: unknown) => deps.logger.warn({ err }, 'reconcile pass failed; will try again'))
      .finally(() => (running = null));
    return running;
  };
  const timer = setInterval(() => void reconcileNow(), options.reconcileIntervalMs);
  timer.unref();
  void reconcileNow();

  return {
    workerId,
    reconcileNow,
    async close() {
      clearInterval(timer);
      abort.abort();
      await closeWithin(worker.close(), 5_000);
      await running;
      connection.disconnect();
    },
  };
}
