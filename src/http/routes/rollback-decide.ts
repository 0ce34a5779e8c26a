import { describeApprovals } from '../../admission/approval-policy.ts';
import { cancelRollback } from '../../admission/cancel-rollback.ts';
import { decideRollback } from '../../admission/decide-rollback.ts';
import { actingAs } from '../auth.ts';
import { defineRoute } from '../route.ts';
import { ApprovalSchema, CancelSchema, EventParams } from '../schemas.ts';

export const decideRoute = defineRoute({
  method: 'post',
  path: '/api/rollbacks/{event_id}/approvals',
  summary: 'Approve or reject a pending rollback',
  tag: 'rollbacks',
  auth: ['approver', 'override'],
  params: EventParams,
  body: ApprovalSchema,
  async handler({ deps, params, body, principal }) {
    const actor = actingAs(principal, { id: body.approver, name: body.approver_name, roles: body.approver_roles });
    const outcome = await decideRollback(deps, { eventId: params.event_id, actor, decision: body.decision, reason: body.reason, override: body.override });
    switch (outcome.kind) {
      case 'recorded':
        return {
          status: 200,
          body: {
            event_id: outcome.event.eventId,
            status: outcome.event.status,
            approvals: { state: outcome.approval.state, have: outcome.approval.have, need: outcome.approval.need, approved_by: outcome.approval.approvedBy, summary: describeApprovals(outcome.approval) },
            plan_changed: outcome.planChanged,
            enqueued: outcome.enqueued,
          },
        };
      case 'refused':
        // An expired request is a conflict with the request's state, not a lack of rights.
        return { status: outcome.code === 'EXPIRED' ? 409 : 403, body: { error: { code: outcome.code, message: outcome.message }, event_id: outcome.event.eventId, status: outcome.event.status } };
      case 'already_resolved':
        return { status: 409, body: { error: { code: 'ALREADY_RESOLVED', message: `already resolved: ${outcome.by}` }, event_id: outcome.event.eventId, status: outcome.event.status } };
    }
  },
});

export const cancelRoute = defineRoute({
  method: 'post',
  path: '/api/rollbacks/{event_id}/cancel',
  summary: 'Cancel a rollback that has not started executing',
  tag: 'rollbacks',
  auth: ['deployer', 'approver', 'override'],
  params: EventParams,
  body: CancelSchema,
  async handler({ deps, params, body, principal }) {
    const actor = actingAs(principal, { id: body.actor, name: body.actor_name, roles: body.actor_roles });
    const outcome = await cancelRollback(deps, { eventId: params.event_id, actor, reason: body.reason });
    const status = outcome.kind === 'cancelled' ? 200 : 409;
    const message =
      outcome.kind === 'too_late' ? `too late to cancel: the rollback is ${outcome.event.status}` : outcome.kind === 'already_final' ? `already ${outcome.event.status}` : 'cancelled';
    return { status, body: { event_id: outcome.event.eventId, status: outcome.event.status, result: outcome.kind, message } };
  },
});
