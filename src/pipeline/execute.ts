import { AppError } from '../errors/app-error.ts';
import type { StartProof } from '../executors/types.ts';
import { noticeFor } from '../notify/notice-for.ts';
import type { StepContext, StepResult } from './context.ts';
import type { StepEntry } from './ledger.ts';

const KEPT_OUTPUT_LINES = 50;

/** The execute step's durable phase: 'spawning' is written before the executor starts, 'started' once it has. */
export type ExecutePhase = 'spawning' | 'started';

export const UNKNOWN_OUTCOME = 'executor outcome unknown: the worker died after starting it';

/** What the ledger proves about the executor: it started (and how we know), or it never did. */
export function startProofOf(entry: StepEntry | undefined): StartProof | undefined {
  if (!entry) return undefined;
  const proof = entry.detail?.started as StartProof | undefined;
  // A step that finished (ok or failed by the executor's own report) ran; older ledgers have no proof field.
  return proof ?? (entry.status === 'done' ? { reported_done: true } : undefined);
}

// Execute: start the executor exactly once, in two durable phases. 'spawning' is recorded before anything starts and
// 'started' (with a pid or an acknowledgement) once it has. A crash in 'spawning' left nothing running, so the step
// simply runs again; a crash after 'started' is an unknown outcome: only an executor that deduplicates on the
// idempotency key is started again, any other is marked interrupted and verification decides.
export async function execute(ctx: StepContext): Promise<StepResult | { ok: 'interrupted'; detail: Record<string, unknown> }> {
  const { deps, claim, policy, plan } = ctx;
  const executor = deps.executorFor(policy);
  const previous = claim.entry('execute');
  if (previous?.status === 'running' && previous.detail?.phase !== 'spawning' && !executor.resumable) {
    const started = previous.detail?.started as StartProof | undefined;
    return {
      ok: 'interrupted',
      detail: {
        ...(started ? { started } : {}),
        note: `${UNKNOWN_OUTCOME} (the ${executor.kind} executor, attempt ${previous.attempt}${started?.pid ? `, pid ${started.pid}` : ''}); it is not started a second time because it is not idempotent; verification decides the outcome`,
      },
    };
  }
  if (!plan.target) return { ok: false, status: 'failed', reason: 'No valid rollback target found' };

  const entry = await claim.begin('execute', { status: 'running' }, { persist: true, detail: { phase: 'spawning' satisfies ExecutePhase } });
  await deps.notifier.notify(noticeFor(claim.event, 'step', `Executing rollback to ${plan.target.version} with the ${executor.kind} executor`, { step: 'execute' }));
  const output: string[] = [];
  const outcome = await executor.execute({
    eventId: claim.eventId,
    idempotencyKey: claim.eventId,
    plan: { ...plan, target: plan.target },
    // Shutdown does not abort a running executor: a half-applied deploy is worse than a late exit. The worker
    // waits for it, and if the process dies anyway the ledger marks the step interrupted.
    signal: new AbortController().signal,
    onProgress(line) {
      output.push(line);
      if (output.length > KEPT_OUTPUT_LINES) output.shift();
      void deps.notifier.notify(noticeFor(claim.event, 'progress', line, { step: 'execute' })).catch(() => undefined);
    },
    async onStarted(proof) {
      entry.detail = { ...entry.detail, phase: 'started' satisfies ExecutePhase, started: { ...proof, at: deps.clock().toISOString() } };
      await claim.save();
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
