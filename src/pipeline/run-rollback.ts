import { isUuid } from '../admission/validate-input.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import { isDatabaseUnavailable } from '../errors/infra.ts';
import { noticeFor } from '../notify/notice-for.ts';
import { withClaimedRollback } from './claim.ts';
import type { PipelineDeps, StepContext, StepResult } from './context.ts';
import { execute, startProofOf } from './execute.ts';
import type { StepEntry } from './ledger.ts';
import { finishStopped, finishSucceeded } from './finish.ts';
import { snapshot } from './snapshot.ts';
import { validate } from './validate.ts';
import { verify } from './verify.ts';

export type RunOutcome = 'finished' | 'nothing_to_do' | 'lost_claim';

// One rollback, top to bottom: claim → validate → snapshot → execute → verify → finish. Each step is recorded in the
// ledger; a re-delivered job resumes at the first unfinished step and never runs a finished one again.
export async function runRollback(deps: PipelineDeps, eventId: string, workerId: string): Promise<RunOutcome> {
  // No rollback has such an id (jobs are validated on the way in; this keeps any other caller's typo a no-op).
  if (!isUuid(eventId)) return 'nothing_to_do';
  // One statement takes the service's execution lock, claims the rollback and reads what validation (the health
  // assessment's evidence included) and the snapshot need: with the vote's five and execute's start, seven statements
  // from approval to the executor.
  return withClaimedRollback(deps, eventId, workerId, async ({ claim, stored, preSnapshotId, evidence }) => {
    const event = claim.event;
    const from = stored?.from;
    const policy = from && deps.config.resolve(from.service, from.environment);
    const plan = claim.event.rollbackPlan;
    try {
      if (!stored || !from || !policy || !plan) {
        const reason = plan ? `service ${event.service}/${event.environment} is no longer configured` : 'the rollback has no plan';
        await finishStopped({ deps, claim }, { ok: false, status: 'failed', reason });
        return 'finished';
      }
      const ctx: StepContext = { deps, claim, from, policy, plan, stored, preSnapshotId, evidence };
      if (claim.steps.length === 0) {
        await deps.notifier.notify(noticeFor(claim.event, 'started', `Rollback of ${event.service} in ${event.environment} started`, { plan: ctx.plan }));
      }
      // Until the executor has started, a resumed rollback validates again: the plan, the target or the constitution
      // may have changed while no worker held it, and what runs must be what people approved, judged now.
      const executorBegun = hasBegun(claim.entry('execute'));
      for (const [name, run] of [
        ['validate', validate],
        ['snapshot', snapshot],
      ] as const) {
        if (claim.entry(name)?.status === 'done' && (name !== 'validate' || executorBegun)) continue;
        if (!(await runStep(ctx, name, run))) return 'finished';
      }

      let verifyBegun = false;
      if (claim.entry('execute')?.status !== 'done' && claim.entry('execute')?.status !== 'interrupted') {
        const result = await execute(ctx);
        if (!result.ok) return await stop(ctx, 'execute', result);
        claim.close('execute', result.ok === 'interrupted' ? 'interrupted' : 'done', result.detail);
        // One write records the executor's outcome and starts verification. The executor has finished: a database
        // blip now must not turn a known outcome into an unknown one.
        await whileDatabaseDown(deps, () => claim.begin('verify', { status: 'verifying' }));
        verifyBegun = true;
        await announceStep(ctx, 'execute');
      }

      if (claim.entry('verify')?.status !== 'done') {
        if (!(await runStep(ctx, 'verify', verify, { status: 'verifying' }, verifyBegun))) return 'finished';
      }

      // Health alone never makes a rollback: one whose executor is not known to have started did not happen.
      if (!startProofOf(claim.entry('execute'))) {
        await finishStopped(ctx, { ok: false, status: 'failed', reason: 'the executor is not known to have started, so nothing was rolled back' });
        return 'finished';
      }
      // Written by the finish's own transaction, with verification's outcome.
      await claim.begin('finish', {}, { persist: false });
      await finishSucceeded(ctx);
      return 'finished';
    } catch (err) {
      if (isAppError(err) && err.code === 'LOST_CLAIM') {
        deps.logger.warn({ eventId }, 'lost the claim on this rollback to a newer worker; stopping without writing');
        return 'lost_claim';
      }
      throw err;
    }
  }, () => 'nothing_to_do' as const, (err) => deps.logger.warn({ err, eventId }, `lost the execution lock's database connection; the step goes on, fenced by its claim`));
}

/** Whether the executor may have started: anything but a step that never ran, failed before starting, or died in 'spawning'. */
function hasBegun(entry: StepEntry | undefined): boolean {
  if (!entry || entry.status === 'failed') return false;
  return !(entry.status === 'running' && entry.detail?.phase === 'spawning');
}

const DATABASE_PATIENCE_MS = 30_000;

/** Retries a write while the database is unreachable (a restart takes seconds); any other error, or time up, throws. */
async function whileDatabaseDown<T>(deps: PipelineDeps, write: () => Promise<T>): Promise<T> {
  // The injected clock and sleep together: under a fake clock the patience runs out in fake time, not 30 real seconds.
  const deadline = deps.clock().getTime() + DATABASE_PATIENCE_MS;
  for (;;) {
    try {
      return await write();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || deps.clock().getTime() > deadline) throw err;
      await deps.sleep(250);
    }
  }
}

async function runStep(
  ctx: StepContext,
  name: 'validate' | 'snapshot' | 'verify',
  run: (ctx: StepContext) => Promise<StepResult>,
  patch: Parameters<StepContext['claim']['begin']>[1] = {},
  begun = false,
): Promise<boolean> {
  if (ctx.deps.signal.aborted) throw new AppError('INTERNAL', 'worker shutting down', { retryable: true });
  // Every step here is safe to repeat, so its ledger entries ride along with the next write instead of costing two
  // writes each: validate's and snapshot's with execute's durable 'running' entry, verify's end with the finish.
  // Verify's start is written (its 'verifying' status is what people see while it runs).
  if (!begun) await ctx.claim.begin(name, patch, { persist: name === 'verify' });
  const result = await run(ctx);
  if (result.ok) {
    await ctx.claim.end(name, 'done', result.detail, result.patch, { persist: false });
    await announceStep(ctx, name);
    return true;
  }
  await stop(ctx, name, result);
  return false;
}

async function stop(ctx: StepContext, name: Parameters<StepContext['claim']['close']>[0], result: Extract<StepResult, { ok: false }>): Promise<'finished'> {
  ctx.claim.close(name, 'failed', { ...result.detail, reason: result.reason });
  await finishStopped(ctx, result);
  return 'finished';
}

async function announceStep(ctx: StepContext, name: Parameters<StepContext['claim']['entry']>[0]): Promise<void> {
  const entry = ctx.claim.entry(name);
  await ctx.deps.notifier.notify(
    noticeFor(ctx.claim.event, 'step', `${name}: ${entry?.status}`, { step: name, status: entry?.status, duration_ms: entry?.duration_ms }),
  );
}
