import { UnrecoverableError, Worker } from 'bullmq';
import { z } from 'zod';
import { formatIssues } from '../config/format-issues.ts';
import { createRedisConnection } from '../jobs/rollback-queue.ts';
import { endVeto } from './end-veto.ts';
import { runTick } from './run-tick.ts';
import type { MonitorDeps } from './types.ts';
import { MONITOR_QUEUE, type MonitorQueue } from './monitor-queue.ts';

const TICK_SCHEDULER = 'monitor-tick';
const VetoEndJob = z.strictObject({ eventId: z.uuid() });

/**
 * The monitor role inside a worker: a BullMQ job scheduler ticks every `tick` (one tick job at a time across all
 * workers), and veto countdowns end as delayed jobs. Concurrency 1: a tick is set-based, so one at a time is enough.
 */
export async function startMonitorWorker(deps: MonitorDeps, monitorQueue: MonitorQueue, input: { redisUrl: string; prefix: string }) {
  const tickMs = deps.config.raw.monitoring.tick;
  await (await monitorQueue.queue()).upsertJobScheduler(TICK_SCHEDULER, { every: tickMs }, { name: 'tick', opts: { removeOnComplete: 100, removeOnFail: 100 } });
  const connection = createRedisConnection(input.redisUrl, 'worker');
  connection.on('error', (err) => deps.logger.debug({ err }, 'redis monitor connection error'));
  const worker = new Worker(
    MONITOR_QUEUE,
    async (job) => {
      if (job.name === 'tick') {
        const report = await runTick(deps);
        if (report.decisions.length || report.watchesEnded || report.rechecked) deps.logger.info({ ...report, decisions: report.decisions.map((d) => d.action) }, 'monitor tick');
        return { watched: report.watched, ms: Math.round(report.ms) };
      }
      if (job.name === 'veto-end') {
        // A job payload is an input boundary like any other: a malformed one fails once, with the reason.
        const data = VetoEndJob.safeParse(job.data);
        if (!data.success) throw new UnrecoverableError(`malformed veto-end job: ${formatIssues(data.error).map((e) => `${e.path}: ${e.message}`).join('; ')}`);
        return endVeto(deps, data.data.eventId);
      }
      return null;
    },
    { connection, prefix: input.prefix, concurrency: 1 },
  );
  worker.on('error', (err) => deps.logger.warn({ err }, 'monitor worker error'));
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
