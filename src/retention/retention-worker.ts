import type pg from 'pg';
import type { Config } from '../config/load.ts';
import { startScheduledWorker } from '../jobs/scheduled-worker.ts';
import type { Logger } from '../logging/logger.ts';
import { runRetention } from './run-retention.ts';

export const RETENTION_QUEUE = 'retention';

/**
 * The retention role inside a worker: one run every `retention.every` (hourly by default; the first at once) for all
 * workers together (startScheduledWorker). The run's advisory lock keeps it to one at a time across workers too,
 * should a run outlast the interval.
 */
export async function startRetentionWorker(
  deps: { pool: pg.Pool; logger: Logger; clock: () => Date; config: Config },
  input: { redisUrl: string; prefix: string },
): Promise<{ close(): Promise<void> }> {
  const logger = deps.logger.child({ component: 'retention' });
  const retention = deps.config.raw.retention;
  const abort = new AbortController();
  const scheduled = await startScheduledWorker({
    queue: RETENTION_QUEUE,
    jobName: 'run',
    everyMs: retention.every,
    redisUrl: input.redisUrl,
    prefix: input.prefix,
    logger,
    run: () => runRetention({ pool: deps.pool, logger, clock: deps.clock, retention, signal: abort.signal }),
  });
  return {
    async close() {
      // A run in progress stops at its next step; the rest is left for the next run.
      abort.abort();
      await scheduled.close();
    },
  };
}
