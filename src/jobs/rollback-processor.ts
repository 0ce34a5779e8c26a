import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { recordAudit } from '../audit/append-audit.ts';
import { markFailed } from '../db/queries/rollback-transitions.ts';
import { isAppError } from '../errors/app-error.ts';
import { classifyInfraError } from '../errors/infra.ts';
import { parseJob } from './catalog.ts';
import type { PipelineDeps } from '../pipeline/context.ts';
import { runRollback } from '../pipeline/run-rollback.ts';
import { noticeFor } from '../notify/notice-for.ts';

/** Marks a rollback failed when its job gives up for good, so no row is left in a non-final state. */
export async function failRollback(deps: Pick<PipelineDeps, 'db' | 'notifier' | 'clock'>, eventId: string, reason: string): Promise<void> {
  const now = deps.clock();
  const row = await markFailed(deps.db, eventId, reason, now);
  if (!row) return;
  await recordAudit(deps.db, { actor: 'backstop', source: 'system', action: 'rollback.finish', subject: eventId, reason, result: 'failed', severity: 'warning' });
  await deps.notifier.notify(noticeFor(row, 'failed', reason));
}

// The job processor is one of the three places that catch AppError: a non-retryable error ends the rollback
// (UnrecoverableError skips BullMQ's remaining attempts); a retryable one is retried with backoff until the last attempt.
export function createRollbackProcessor(deps: PipelineDeps, workerId: string) {
  return async (job: Job, token?: string): Promise<string> => {
    const parsed = parseJob('rollback', job.data);
    if (!parsed.ok) {
      deps.logger.error({ jobId: job.id, problem: parsed.problem }, 'malformed rollback job; dropped');
      throw new UnrecoverableError(`malformed rollback job payload: ${parsed.problem}`);
    }
    const { eventId } = parsed.payload;
    const log = deps.logger.child({ eventId, jobId: job.id });
    try {
      // The pipeline logs through the job's own logger, so every line it writes carries eventId and jobId.
      const outcome = await runRollback({ ...deps, logger: log }, eventId, workerId);
      log.info({ outcome }, 'rollback job done');
      return outcome;
    } catch (raw) {
      const err = classifyInfraError(raw);
      // A worker presumed dead may still be executing (a blocked event loop, not a crash). Wait for it without
      // using up an attempt: its executor has a timeout, so the lock is always released eventually.
      if (isAppError(err) && err.code === 'EXECUTION_LOCKED' && token) {
        log.info({}, 'execution lock held by another worker; trying again in 5 s');
        await job.moveToDelayed(Date.now() + 5_000, token);
        throw new DelayedError();
      }
      const retryable = isAppError(err) ? err.retryable : true;
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      log.warn({ err, retryable, attempt: job.attemptsMade + 1 }, 'rollback job attempt failed');
      if (!retryable || lastAttempt) {
        const reason = `${(err as Error).message}${retryable ? ` (gave up after ${job.attemptsMade + 1} attempts)` : ''}`;
        await failRollback(deps, eventId, reason).catch((e: unknown) => log.error({ err: e }, 'could not record the failure; the reconciler will'));
        throw new UnrecoverableError(reason);
      }
      throw err;
    }
  };
}
