import type { ValidationResult } from '../constitution/types.ts';
import { requirePolicy } from '../config/require-policy.ts';
import { getDeployment } from '../db/queries/deployments.ts';
import { getActiveEvent } from '../db/queries/rollback-events.ts';
import { AppError } from '../errors/app-error.ts';
import type { Assessment } from '../health/assess.ts';
import type { CoreDeps } from '../core/deps.ts';
import { judgeRollback } from '../admission/judge-rollback.ts';
import type { RollbackPlan } from '../core/plan.ts';
import { requireUuid } from '../admission/validate-input.ts';

export interface PlanPreview {
  plan: RollbackPlan;
  validation: ValidationResult;
  /** The deployment's health, from the same assessment as the check and the card. */
  health: Assessment;
  approvals: { required: number; requesterCounts: boolean; expiresAfterMs: number };
}

// No event exists yet, so no other rollback can be "this one".
const NO_EVENT = '00000000-0000-0000-0000-000000000000';

/** What a manual rollback of this deployment would do, judged now, without admitting anything. */
export async function previewPlan(deps: CoreDeps, rawId: string): Promise<PlanPreview> {
  const deploymentId = requireUuid(rawId, 'deployment_id');
  const from = await getDeployment(deps.db, deploymentId);
  if (!from) throw new AppError('NOT_FOUND', `deployment ${deploymentId} not found`);
  const policy = requirePolicy(deps.config, from.service, from.environment);
  // The deployment's own pending rollback is this rollback, not "another one in flight".
  const own = await getActiveEvent(deps.db, from.service, from.environment);
  const eventId = own?.deploymentId === from.deploymentId ? own.eventId : NO_EVENT;
  const { built, validation, health } = await judgeRollback(deps, deps.db, { from, policy, mode: 'full', triggerType: 'manual', eventId, snapshot: null });
  return {
    plan: built.plan,
    validation,
    health,
    approvals: { required: policy.approvals.required, requesterCounts: policy.approvals.requester_counts, expiresAfterMs: policy.approvals.expires_after },
  };
}
