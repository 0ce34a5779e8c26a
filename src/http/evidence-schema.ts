import { z } from 'zod';
import { rollbackStatus, snapshotType, triggerType } from '../db/schema/ops.ts';
import { schemaNames } from './schema-names.ts';
import { ApprovalSchema, DeploymentSchema, PlanSchema, StepSchema, ValidationSchema } from './view-schemas.ts';

const Time = z.iso.datetime({ offset: true });
const Json = z.record(z.string(), z.unknown());

/** What views/evidence.ts builds: one JSON document that explains a rollback end to end. */
export const EvidenceSchema = z
  .object({
    evidence_version: z.number().int().describe('1 for this layout'),
    generated_at: Time,
    event_id: z.guid(),
    status: z.enum(rollbackStatus.enumValues),
    status_reason: z.string().nullable(),
    service: z.string(),
    environment: z.string(),
    trigger: z.object({ type: z.enum(triggerType.enumValues), reason: z.string(), data: Json.nullable(), initiated_by: z.string().nullable(), initiated_at: Time }),
    deployment: DeploymentSchema.nullable(),
    target: DeploymentSchema.nullable(),
    plan: PlanSchema.nullable(),
    plan_hash: z.string().nullable(),
    policy_version: z.string().nullable(),
    validation: ValidationSchema.nullable(),
    approvals: z.object({ required: z.number().int(), override_requested: z.boolean(), votes: z.array(ApprovalSchema) }),
    steps: z.array(StepSchema),
    verification: Json.nullable().describe("The verify step's detail; null until it ran"),
    snapshots: z.array(
      z.object({
        snapshot_id: z.guid(),
        type: z.enum(snapshotType.enumValues),
        created_at: Time,
        database_schema_hash: z.string().nullable(),
        table_counts: z.unknown(),
        key_metrics: z.unknown(),
        environment_config: z.unknown(),
      }),
    ),
    audit: z.array(
      z.object({
        at: Time,
        actor: z.string(),
        source: z.string(),
        action: z.string(),
        reason: z.string().nullable(),
        result: z.string(),
        severity: z.string(),
        hash: z.string().describe("This row's link in the audit hash chain"),
      }),
    ),
    timing: z.object({ initiated_at: Time, approved_at: Time.nullable(), started_at: Time.nullable(), completed_at: Time.nullable() }),
  })
  .register(schemaNames, { id: 'Evidence' });
