import { loadVotes, approvalStateOf } from '../admission/approval-state.ts';
import { judgeRollback } from '../admission/judge-rollback.ts';
import { assessDeployment } from '../health/assess.ts';
import type { StepContext, StepResult } from './context.ts';

// Validate: the plan must be the one people approved, and the constitution must still hold right before executing.
export async function validate(ctx: StepContext): Promise<StepResult> {
  const { deps, claim, from, policy } = ctx;
  const event = claim.event;
  const { built, validation } = await judgeRollback(deps, deps.db, {
    from,
    policy,
    health: await assessDeployment(deps, from, { evidence: ctx.evidence }),
    mode: ctx.plan.mode,
    triggerType: event.triggerType,
    eventId: event.eventId,
    snapshot: null,
    stored: ctx.stored,
  });
  if (built.planHash !== event.planHash) {
    return {
      ok: false,
      status: 'failed',
      reason: 'the plan changed after approval (target, migrations or policy); request the rollback again so people approve the new plan',
      detail: { approved_plan_hash: event.planHash, current_plan_hash: built.planHash },
    };
  }
  const patch = { constitutionalValidation: validation };
  if (validation.compliant) return { ok: true, detail: { compliant: true, warnings: validation.warnings }, patch };

  const overridden = event.overrideRequested && approvalStateOf(event, await loadVotes(deps.db, event.eventId), deps.clock()).overrideSatisfied;
  if (overridden) return { ok: true, detail: { compliant: false, overridden: true, violations: validation.violations }, patch };
  await claim.save(patch);
  return { ok: false, status: 'rejected', reason: `Constitutional validation failed: ${validation.violations.join('; ')}`, detail: { violations: validation.violations } };
}
