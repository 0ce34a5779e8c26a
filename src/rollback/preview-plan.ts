import { evaluateConstitution } from '../constitution/evaluate.ts';
import type { ValidationResult } from '../constitution/types.ts';
import { getDeployment } from '../db/queries/deployments.ts';
import { AppError } from '../errors/app-error.ts';
import { buildPlan } from './build-plan.ts';
import type { CoreDeps } from './deps.ts';
import { gatherFacts } from './gather-facts.ts';
import type { RollbackPlan } from './plan-types.ts';
import { requireUuid } from './validate-input.ts';

export interface PlanPreview {
  plan: RollbackPlan;
  validation: ValidationResult;
  approvals: { required: number; requesterCounts: boolean; expiresAfterMs: number };
}

// No event exists yet, so no other rollback can be "this one".
const NO_EVENT = '00000000-0000-0000-0000-000000000000';

/** What a manual rollback of this deployment would do, judged now, without admitting anything. */
export async function previewPlan(deps: CoreDeps, rawId: string): Promise<PlanPreview> {
  const deploymentId = requireUuid(rawId, 'deployment_id');
  const from = await getDeployment(deps.db, deploymentId);
  if (!from) throw new AppError('NOT_FOUND', `deployment ${deploymentId} not found`);
  const policy = deps.config.resolve(from.service, from.environment);
  if (!policy) throw new AppError('UNKNOWN_SERVICE', `service "${from.service}" in environment "${from.environment}" is not configured in the policy file`);
  const built = await buildPlan(deps.db, from, 'full', deps.config.policyVersion);
  const facts = await gatherFacts(deps.db, { from, built, policy, triggerType: 'manual', eventId: NO_EVENT, snapshot: null, now: deps.clock(), secret: deps.secret });
  return {
    plan: built.plan,
    validation: evaluateConstitution(facts),
    approvals: { required: policy.approvals.required, requesterCounts: policy.approvals.requester_counts, expiresAfterMs: policy.approvals.expires_after },
  };
}
