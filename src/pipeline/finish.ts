import { randomUUID } from 'node:crypto';
import { appendAudit } from '../audit/append-audit.ts';
import { restoreDeployment } from '../db/queries/deployments.ts';
import { markMigrationsRolledBack } from '../db/queries/migrations.ts';
import { noticeFor } from '../notify/notice-for.ts';
import { snapshotValues } from '../deployments/take-snapshot.ts';
import type { StepContext, StepResult } from './context.ts';
import { UNKNOWN_OUTCOME } from './execute.ts';

// Finish (success): in one fenced transaction the bad deployment becomes rolled_back and quarantined, the target's
// version becomes current as a new deployment row (rollback_from → the bad one), and the post-rollback snapshot is
// taken: four statements with the audit row (BEGIN and COMMIT aside), one more for a full rollback's migrations.
export async function finishSucceeded(ctx: StepContext): Promise<void> {
  const { deps, claim, from, plan } = ctx;
  const target = plan.target!;
  const now = deps.clock();
  // An executor the worker lost track of after starting it: health decided, and the record says so plainly.
  const outcomeUnknown = claim.entry('execute')?.status === 'interrupted' ? `${UNKNOWN_OUTCOME}; health is good` : null;
  const restoredId = await deps.db.transaction(async (tx) => {
    // Reverted first: the post-rollback snapshot records the schema without them.
    if (plan.mode === 'full' && plan.migrations.length > 0) {
      await markMigrationsRolledBack(
        tx,
        { deploymentIds: [...new Set(plan.migrations.map((m) => m.deployment_id))], names: plan.migrations.map((m) => m.migration_name) },
        now,
      );
    }
    const restored = await restoreDeployment(tx, {
      rolledBack: from.deploymentId,
      restored: {
        service: from.service,
        environment: from.environment,
        version: target.version,
        gitCommit: target.git_commit,
        deployedBy: 'backstop',
        deployedAt: now,
        status: 'success',
        rollbackFrom: from.deploymentId,
        healthCheckPassed: true,
        healthCheckDetails: { verified_by_rollback: claim.eventId },
        completedAt: now,
        metadata: { rollback_event_id: claim.eventId, restored_deployment_id: target.deployment_id },
      },
      at: now,
      stateSince: new Date(now.getTime() - deps.config.raw.monitoring.max_sample_age),
    });
    // Stored with the ledger's final write, in its statement: the finish is all or nothing, so the id is new.
    const snapshotId = randomUUID();
    claim.stageSnapshot({ ...snapshotValues({ type: 'post_rollback', deployment: from, eventId: claim.eventId, policy: ctx.policy, policyVersion: deps.config.policyVersion, at: now }, restored.state), snapshotId });
    claim.close('finish', 'done', { restored_deployment_id: restored.deploymentId, post_rollback_snapshot_id: snapshotId });
    await claim.save({ status: 'succeeded', statusReason: outcomeUnknown, completedAt: now }, tx);
    await appendAudit(tx, {
      actor: 'backstop',
      source: 'system',
      action: 'rollback.finish',
      subject: claim.eventId,
      result: 'succeeded',
      details: { restored_deployment_id: restored.deploymentId, target_version: target.version, ...(outcomeUnknown ? { executor_outcome: 'unknown' } : {}) },
    });
    return restored.deploymentId;
  });
  await deps.notifier.notify(
    noticeFor(claim.event, 'succeeded', `Rollback of ${from.service} in ${from.environment} to ${target.version} complete and verified healthy${outcomeUnknown ? ` (${outcomeUnknown})` : ''}`, {
      restored_deployment_id: restoredId,
      target_version: target.version,
      steps: stepTimings(claim),
    }),
  );
}

/**
 * Ends a rollback that cannot go on, with the reason; fenced like every pipeline write. It needs only the claim: a
 * rollback can stop before its deployment or policy is known.
 */
export async function finishStopped(ctx: Pick<StepContext, 'deps' | 'claim'>, result: Extract<StepResult, { ok: false }>): Promise<void> {
  const { deps, claim } = ctx;
  const now = deps.clock();
  await deps.db.transaction(async (tx) => {
    await claim.save({ status: result.status, statusReason: result.reason, completedAt: now }, tx);
    await appendAudit(tx, {
      actor: 'backstop',
      source: 'system',
      action: 'rollback.finish',
      subject: claim.eventId,
      reason: result.reason,
      result: result.status,
      severity: 'warning',
    });
  });
  const kind = result.status === 'rejected' ? 'constitutional_violation' : 'failed';
  await deps.notifier.notify(noticeFor(claim.event, kind, result.reason, { ...result.detail, steps: stepTimings(claim) }));
}

/** The ledger's timings, carried by the final notice so that every step is measured once, failed ones included. */
function stepTimings(claim: StepContext['claim']) {
  return claim.steps.map(({ step, status, duration_ms }) => ({ step, status, duration_ms }));
}
