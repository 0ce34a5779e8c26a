import { z } from 'zod';
import { describeApprovals } from '../../admission/approval-policy.ts';
import { cancelRollback } from '../../admission/cancel-rollback.ts';
import { decideRollback } from '../../admission/decide-rollback.ts';
import { rollbackStatus } from '../../db/schema/ops.ts';
import { actingAs } from '../auth.ts';
import { ErrorBodySchema, notFound, UNAVAILABLE } from '../responses.ts';
import { defineRoute } from '../route.ts';
import { schemaNames } from '../schema-names.ts';
import { ApprovalSchema, CancelSchema, EventParams } from '../schemas.ts';

const Status = z.enum(rollbackStatus.enumValues);

const DecisionRecordedSchema = z
  .object({
    event_id: z.guid(),
    status: Status,
    approvals: z.object({
      state: z.enum(['pending', 'approved', 'rejected', 'expired']),
      have: z.number().int(),
      need: z.number().int(),
      approved_by: z.array(z.string()),
      summary: z.string(),
    }),
    plan_changed: z.boolean().describe('The plan moved since the request: earlier approvals no longer count'),
    enqueued: z.boolean(),
  })
  .register(schemaNames, { id: 'DecisionRecorded' });

// The error body, with the rollback it is about: a refused vote is an answer about this rollback's state.
const VoteRefusedSchema = ErrorBodySchema.extend({ event_id: z.guid(), status: Status }).register(schemaNames, { id: 'VoteRefused' });

export const decideRoute = defineRoute({
  method: 'post',
  path: '/api/rollbacks/{event_id}/approvals',
  operationId: 'decideRollback',
  summary: 'Approve or reject a pending rollback',
  tag: 'rollbacks',
  auth: ['approver', 'override'],
  params: EventParams,
  body: ApprovalSchema,
  responses: {
    200: { description: 'The vote is recorded', schema: DecisionRecordedSchema },
    403: {
      description:
        'The vote is refused by the approval policy (NOT_AN_APPROVER, OVERRIDE_ROLE_REQUIRED, REQUESTER_CANNOT_APPROVE, ALREADY_DECIDED), or the token lacks the role or may not act for the person it names (FORBIDDEN)',
      schema: z.union([VoteRefusedSchema, ErrorBodySchema]).register(schemaNames, { id: 'VoteForbidden' }),
    },
    404: notFound('rollback'),
    409: { description: 'The rollback is no longer pending (ALREADY_RESOLVED) or its approval window has passed (EXPIRED)', schema: VoteRefusedSchema },
    ...UNAVAILABLE,
  },
  async handler({ deps, params, body, principal }) {
    const actor = await actingAs(deps, principal, { id: body.approver, name: body.approver_name });
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

const CancelOutcomeSchema = z
  .object({ event_id: z.guid(), status: Status, result: z.enum(['cancelled', 'too_late', 'already_final']), message: z.string() })
  .register(schemaNames, { id: 'CancelOutcome' });

export const cancelRoute = defineRoute({
  method: 'post',
  path: '/api/rollbacks/{event_id}/cancel',
  operationId: 'cancelRollback',
  summary: 'Cancel a rollback that has not started executing',
  tag: 'rollbacks',
  auth: ['deployer', 'approver', 'override'],
  params: EventParams,
  body: CancelSchema,
  responses: {
    200: { description: 'Cancelled', schema: CancelOutcomeSchema },
    404: notFound('rollback'),
    409: { description: 'Too late to cancel (it is executing) or already final', schema: CancelOutcomeSchema },
    ...UNAVAILABLE,
  },
  async handler({ deps, params, body, principal }) {
    const actor = await actingAs(deps, principal, { id: body.actor, name: body.actor_name });
    const outcome = await cancelRollback(deps, { eventId: params.event_id, actor, reason: body.reason });
    const status = outcome.kind === 'cancelled' ? 200 : 409;
    const message =
      outcome.kind === 'too_late' ? `too late to cancel: the rollback is ${outcome.event.status}` : outcome.kind === 'already_final' ? `already ${outcome.event.status}` : 'cancelled';
    return { status, body: { event_id: outcome.event.eventId, status: outcome.event.status, result: outcome.kind, message } };
  },
});
