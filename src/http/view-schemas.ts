import { z } from 'zod';
import { ACTIONS } from '../config/monitoring-schema.ts';
import { actionSource, approvalDecision, deploymentStatus, reversibility, rollbackStatus, triggerType } from '../db/schema/ops.ts';
import { STEPS } from '../pipeline/ledger.ts';
import { schemaNames } from './schema-names.ts';

// The bodies the views in src/views/ build, described for the OpenAPI document and for the contract check. The views
// stay the source of the shapes: a handler that returns a view's output compiles only if the view's type fits its
// schema here, and the contract check fails a test when a view writes a field these do not declare.
// Several times are `string | null` in the views' types although their columns are never null (views' iso() helper
// takes a nullable date): the schemas follow the types, so a client is never promised more than the code says.

// Any 8-4-4-4-12 hex id: ids come from PostgreSQL and from callers' test data, not only from RFC 9562 generators.
const Id = z.guid();
const Time = z.iso.datetime({ offset: true });
const Json = z.record(z.string(), z.unknown());

export const StepSchema = z.object({
  step: z.enum(STEPS),
  status: z.enum(['running', 'done', 'failed', 'interrupted']).describe('interrupted: a crash left it unfinished and it was not safe to run again'),
  attempt: z.number().int(),
  started_at: Time,
  finished_at: Time.optional(),
  duration_ms: z.number().optional(),
  detail: Json.optional(),
});

export const TargetSchema = z
  .object({ deployment_id: Id, version: z.string(), git_commit: z.string(), deployed_at: Time, health_check_passed: z.boolean() })
  .register(schemaNames, { id: 'RollbackTarget' });

export const PlanSchema = z
  .object({
    service: z.string(),
    environment: z.string(),
    // Named schemas are not described here: a description makes a copy, which the document would inline.
    from: TargetSchema,
    target: TargetSchema.nullable(),
    migrations: z
      .array(
        z.object({
          deployment_id: Id,
          migration_name: z.string(),
          migration_hash: z.string(),
          reversibility: z.enum(reversibility.enumValues),
          has_rollback_script: z.boolean(),
          applied_at: Time,
        }),
      )
      .describe('Migrations applied after the target, newest first: the ones a full rollback reverts'),
    mode: z.enum(['full', 'code_only']),
    policy_version: z.string(),
  })
  .describe('What a rollback will do: from which deployment to which, and the migrations a full rollback reverts')
  .register(schemaNames, { id: 'RollbackPlan' });

export const ValidationSchema = z
  .object({
    compliant: z.boolean(),
    violations: z.array(z.string()),
    warnings: z.array(z.string()),
    laws: z.array(
      z.object({
        law: z.enum(['inhabitance', 'harmonic_attraction', 'total_coherence', 'structural_integrity']),
        title: z.string(),
        verdict: z.enum(['pass', 'warn', 'fail']),
        violations: z.array(z.string()),
        warnings: z.array(z.string()),
      }),
    ),
    policy_version: z.string(),
  })
  .describe("The constitution's verdict: each of the four laws, and whether the rollback complies")
  .register(schemaNames, { id: 'Validation' });

export const DeploymentSchema = z
  .object({
    deployment_id: Id,
    service: z.string(),
    environment: z.string(),
    version: z.string(),
    git_commit: z.string(),
    git_branch: z.string().nullable(),
    deployed_by: z.string().nullable(),
    deployed_at: Time.nullable(),
    status: z.enum(deploymentStatus.enumValues),
    health_check_passed: z.boolean(),
    quarantined: z.boolean().describe('This version was rolled back before; it is never a rollback target again'),
    frozen_by: z.array(z.string()).nullable().describe('Recorded while a freeze held its service and environment: the freezes, in words; null when none'),
    rollback_from: Id.nullable().describe('On a deployment a rollback created: the bad deployment it replaced'),
    completed_at: Time.nullable(),
    rolled_back_at: Time.nullable(),
  })
  .register(schemaNames, { id: 'Deployment' });

export const ApprovalSchema = z
  .object({
    approver: z.string(),
    approver_name: z.string().nullable(),
    decision: z.enum(approvalDecision.enumValues),
    reason: z.string(),
    source: z.enum(actionSource.enumValues),
    plan_hash: z.string().describe('The plan this vote was given for: a changed plan does not inherit it'),
    with_override_role: z.boolean(),
    decided_at: Time.nullable(),
  })
  .register(schemaNames, { id: 'Vote' });

const historyFields = {
  id: z.number().int(),
  event_id: Id,
  deployment_id: Id,
  target_deployment_id: Id.nullable(),
  service: z.string(),
  environment: z.string(),
  trigger_type: z.enum(triggerType.enumValues),
  trigger_reason: z.string(),
  initiated_by: z.string().nullable().describe('Null for an automatic or alert trigger'),
  initiated_at: Time.nullable(),
  status: z.enum(rollbackStatus.enumValues),
  status_reason: z.string().nullable(),
  approvals_required: z.number().int(),
  rollback_steps: z.array(StepSchema),
  completed_at: Time.nullable(),
};

export const HistoryItemSchema = z.object(historyFields).register(schemaNames, { id: 'RollbackSummary' });

export const EventDetailSchema = z
  .object({
    ...historyFields,
    trigger_data: Json.nullable().describe('The evidence behind an automatic or alert trigger'),
    rollback_plan: PlanSchema.nullable(),
    plan_hash: z.string().nullable(),
    validation: ValidationSchema.nullable(),
    override_requested: z.boolean(),
    requester_counts: z.boolean().describe("Whether the requester's own approval counts"),
    approvals: z.array(ApprovalSchema),
    expires_at: Time.nullable(),
    approved_at: Time.nullable(),
    started_at: Time.nullable(),
    updated_at: Time.nullable(),
  })
  .register(schemaNames, { id: 'Rollback' });

export const CheckResultSchema = z
  .object({
    should_rollback: z.boolean().describe('True exactly when the rules would propose or start a rollback'),
    reason: z.string(),
    health: z.object({
      healthy: z.boolean().nullable().describe('Null when there is no data to judge by (inconclusive), never healthy'),
      error_rate_per_minute: z.number().nullable(),
      recent_errors: z.number().nullable(),
      database_connections: z.number().nullable(),
      active_queries: z.number().nullable(),
      timestamp: Time.nullable(),
    }),
    assessment: z
      .object({
        verdict: z.enum(['healthy', 'degraded', 'unhealthy', 'inconclusive']),
        action: z.enum(ACTIONS).nullable(),
        summary: z.string(),
        metrics: z.record(z.string(), z.object({ value: z.number().nullable(), observed_at: z.string().nullable(), source: z.string() })),
      })
      .describe('The assessment behind the answer: the same one the monitor, the plan, Law 3 and the card use'),
  })
  .register(schemaNames, { id: 'CheckResult' });
