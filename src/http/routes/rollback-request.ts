import { z } from 'zod';
import type { ValidationResult } from '../../constitution/types.ts';
import { requestRollback, type RequestOutcome } from '../../admission/request-rollback.ts';
import { approvalsNeeded } from '../../admission/approval-state.ts';
import { rollbackStatus } from '../../db/schema/ops.ts';
import { targetItem } from '../../views/rollback-views.ts';
import { ErrorBodySchema, failure, notFound, UNAVAILABLE } from '../responses.ts';
import { requesterFor } from '../rollback-requester.ts';
import { aliasOf, defineRoute, type ResultOf } from '../route.ts';
import { schemaNames } from '../schema-names.ts';
import { RollbackRequestSchema } from '../schemas.ts';
import { TargetSchema, ValidationSchema } from '../view-schemas.ts';

const validationBody = (v: ValidationResult) => ({ compliant: v.compliant, violations: v.violations, warnings: v.warnings, laws: v.laws, policy_version: v.policy_version });

const Status = z.enum(rollbackStatus.enumValues);

const AdmittedSchema = z
  .object({
    success: z.literal(true),
    event_id: z.guid(),
    status: Status,
    target_deployment: TargetSchema,
    snapshot_id: z.guid(),
    validation: ValidationSchema,
    approvals_required: z.number().int(),
    expires_at: z.iso.datetime({ offset: true }).nullable(),
    enqueued: z.boolean().describe('Already on the queue: the request needed no further approval'),
  })
  .register(schemaNames, { id: 'RollbackAdmitted' });

const InProgressSchema = z
  .object({ success: z.literal(false), error: z.string(), event_id: z.guid().describe('The rollback already in progress'), status: Status })
  .register(schemaNames, { id: 'RollbackInProgress' });

const RefusedSchema = z
  .object({ success: z.literal(false), error: z.string(), event_id: z.guid().describe('The refused request, recorded as rejected'), validation: ValidationSchema })
  .register(schemaNames, { id: 'RollbackRefused' });

// 409 and 422 each have two shapes: the seed's {success: false, …} for an outcome of the request itself, and the
// error body for a failure thrown on the way (an already rolled back deployment, a service not in the policy file).
const responses = {
  201: { description: 'Admitted: awaiting approval, or approved and queued', schema: AdmittedSchema },
  404: notFound('deployment'),
  409: {
    description: 'A rollback of this service and environment is already in progress, or this deployment was already rolled back (CONFLICT)',
    schema: z.union([InProgressSchema, ErrorBodySchema]).register(schemaNames, { id: 'RollbackConflict' }),
  },
  422: {
    description: 'The constitution refused the rollback (recorded as rejected), or the service is not in the policy file (UNKNOWN_SERVICE)',
    schema: z.union([RefusedSchema, ErrorBodySchema]).register(schemaNames, { id: 'RollbackNotAdmitted' }),
  },
  403: failure('The token lacks a role this needs, may not act for the person it names, or asks for override or an automatic trigger without the role (FORBIDDEN)'),
  ...UNAVAILABLE,
};

/** The seed's response shapes: {success, event_id, target_deployment, snapshot_id, validation} or {success:false, error, validation}. */
export function requestResponse(outcome: RequestOutcome): ResultOf<typeof responses> {
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
  operationId: 'requestRollback',
  summary: 'Request a rollback of a deployment',
  tag: 'rollbacks',
  auth: ['deployer', 'approver', 'automation'],
  body: RollbackRequestSchema,
  responses,
  async handler({ deps, body, principal }) {
    const requester = await requesterFor(deps, principal, body);
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
export const autoRollbackRoute = aliasOf(requestRollbackRoute, {
  path: '/auto-rollback',
  operationId: 'autoRollback',
  summary: 'Request a rollback of a deployment (the seed contract)',
});
