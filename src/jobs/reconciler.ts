import type { Queue } from 'bullmq';
import { findStaleActiveEvents } from '../db/queries/rollback-events.ts';
import { rollbackJobId } from './catalog.ts';
import { expireOverdue } from '../admission/cancel-rollback.ts';
import type { PipelineDeps } from '../pipeline/context.ts';
import { failRollback } from './rollback-processor.ts';

/** A rollback claimed this many times without finishing is failed rather than retried forever. */
const MAX_CLAIMS = 10;

export interface ReconcileReport {
  expired: number;
  enqueued: number;
  failed: number;
}

// The outbox and the janitor: Postgres is the truth, Redis only carries work. Any active row without a live job is
// enqueued again (the ledger makes resuming safe), a row whose job died is failed, and overdue approvals expire.
export async function reconcile(deps: PipelineDeps, queue: Queue, staleAfterMs: number): Promise<ReconcileReport> {
  const report: ReconcileReport = { expired: await expireOverdue(deps), enqueued: 0, failed: 0 };
  const stale = await findStaleActiveEvents(deps.db, new Date(deps.clock().getTime() - staleAfterMs));
  for (const event of stale) {
    const job = await queue.getJob(rollbackJobId(event.eventId));
    const state = job ? await job.getState() : 'missing';
    if (state === 'active' || state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') continue;
    if (state === 'failed' || event.claimFence >= MAX_CLAIMS) {
      await failRollback(deps, event.eventId, job?.failedReason ? `job failed: ${job.failedReason}` : `gave up after ${event.claimFence} attempts`);
      report.failed++;
      continue;
    }
    // Missing (never enqueued, or lost with Redis) or completed without a final row: run it (again) from the ledger.
    if (job) await job.remove().catch(() => undefined);
    if (await deps.enqueue(event.eventId)) {
      deps.logger.info({ eventId: event.eventId, status: event.status, jobState: state }, 'reconciler enqueued a rollback that had no live job');
      report.enqueued++;
    }
  }
  return report;
}
