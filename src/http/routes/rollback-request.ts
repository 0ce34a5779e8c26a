import type { ValidationResult } from '../../constitution/types.ts';
import { requestRollback, type RequestOutcome } from '../../admission/request-rollback.ts';
import { approvalsNeeded } from '../../admission/approval-state.ts';
import { targetItem } from '../../views/rollback-views.ts';
import { requesterFor } from '../rollback-requester.ts';
import { defineRoute } from '../route.ts';
import { RollbackRequestSchema } from '../schemas.ts';

const validationBody = (v: ValidationResult) => ({ compliant: v.compliant, violations: v.violations, warnings: v.warnings, laws: v.laws, policy_version: v.policy_version });

/** The seed's response shapes: {success, event_id, target_deployment, snapshot_id, validation} or {success:false, error, validation}. */
export function requestResponse(outcome: RequestOutcome) {
  switch (outcome.kind) {
    case 'admitted':
      return {
        status: 201,
        body: {
          success: true,
          event_id: outcome.event.eventId,
          status: outcome.event.status,
          target_deployment: targetItem(outcome.target),
          snapshot_id: outcome.snapshotId,
          validation: validationBody(outcome.validation),
          approvals_required: approvalsNeeded(outcome.event),
          expires_at: outcome.event.expiresAt?.toISOString() ?? null,
          enqueued: outcome.enqueued,
        },
      };
    case 'already_in_progress':
      return {
        status: 409,
        body: {
          success: false,
          error: `a rollback of ${outcome.event.service}/${outcome.event.environment} is already in progress`,
          event_id: outcome.event.eventId,
          status: outcome.event.status,
        },
      };
    case 'rejected':
      return { status: 422, body: { success: false, error: outcome.error, event_id: outcome.event.eventId, validation: validationBody(outcome.validation) } };
  }
}

// automation may call it too, for automatic and alert triggers (see requesterFor).
export const requestRollbackRoute = defineRoute({
  method: 'post',
  path: '/api/rollbacks',
  summary: 'Request a rollback of a deployment',
  tag: 'rollbacks',
  auth: ['deployer', 'approver', 'automation'],
  body: RollbackRequestSchema,
  async handler({ deps, body, principal }) {
    const requester = requesterFor(principal, body);
    const outcome = await requestRollback(deps, {
      deploymentId: body.deployment_id,
      reason: body.trigger_reason,
      triggerType: body.trigger_type,
      // Without a requester, the token that claimed the trigger is still on record with the rollback.
      ...(requester ? {} : { triggerData: { requested_by_token: principal.tokenName } }),
      requester,
      override: body.override,
      codeOnly: body.code_only,
    });
    return requestResponse(outcome);
  },
});
// The seed's path: the same route under its old path.
export const autoRollbackRoute = { ...requestRollbackRoute, path: '/auto-rollback', summary: 'Request a rollback of a deployment (the seed contract)' };
