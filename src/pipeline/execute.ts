import { AppError } from '../errors/app-error.ts';
import { noticeFor } from '../rollback/notices.ts';
import type { StepContext, StepResult } from './context.ts';

const KEPT_OUTPUT_LINES = 50;

// Execute: start the executor exactly once. A crash mid-step leaves the ledger entry 'running'; only an executor
// that deduplicates on the idempotency key is started again, any other is marked interrupted and left to verify.
export async function execute(ctx: StepContext): Promise<StepResult | { ok: 'interrupted'; detail: Record<string, unknown> }> {
  const { deps, claim, policy, plan } = ctx;
  const executor = deps.executorFor(policy);
  const previous = claim.entry('execute');
  if (previous?.status === 'running' && !executor.resumable) {
    return {
      ok: 'interrupted',
      detail: {
        note: `the worker stopped while the ${executor.kind} executor was running (attempt ${previous.attempt}); it is not started a second time because it is not idempotent; verification decides the outcome`,
      },
    };
  }
  if (!plan.target) return { ok: false, status: 'failed', reason: 'No valid rollback target found' };

  await claim.begin('execute', { status: 'running' });
  await deps.notifier.notify(noticeFor(claim.event, 'step', `Executing rollback to ${plan.target.version} with the ${executor.kind} executor`, { step: 'execute' }));
  const output: string[] = [];
  const outcome = await executor.execute({
    eventId: claim.eventId,
    idempotencyKey: claim.eventId,
    service: plan.service,
    environment: plan.environment,
    target: { deploymentId: plan.target.deployment_id, version: plan.target.version, gitCommit: plan.target.git_commit },
    from: { deploymentId: plan.from.deployment_id, version: plan.from.version, gitCommit: plan.from.git_commit },
    plan,
    // Shutdown does not abort a running executor: a half-applied deploy is worse than a late exit. The worker
    // waits for it, and if the process dies anyway the ledger marks the step interrupted.
    signal: new AbortController().signal,
    onProgress(line) {
      output.push(line);
      if (output.length > KEPT_OUTPUT_LINES) output.shift();
      void deps.notifier.notify(noticeFor(claim.event, 'progress', line, { step: 'execute' })).catch(() => undefined);
    },
  });
  const detail = { executor: executor.kind, output, ...(outcome.details ?? {}) };
  if (outcome.ok) return { ok: true, detail: { ...detail, summary: outcome.summary } };
  if (outcome.retryable) {
    claim.close('execute', 'failed', { ...detail, reason: outcome.reason });
    await claim.save();
    throw new AppError('EXECUTOR_FAILED', `executor failed (will retry): ${outcome.reason}`, { retryable: true });
  }
  return { ok: false, status: 'failed', reason: `executor failed: ${outcome.reason}`, detail };
}
