import type { Db } from '../db/client.ts';
import { findAuditOf } from '../db/queries/audit-log.ts';
import { getDeployment } from '../db/queries/deployments.ts';
import { findVotes, getEvent } from '../db/queries/rollback-events.ts';
import { findEventSnapshots } from '../db/queries/snapshots.ts';
import { AppError } from '../errors/app-error.ts';
import { approvalsNeeded } from '../admission/approval-state.ts';
import { approvalItem, deploymentItem } from './rollback-views.ts';
import { requireUuid } from '../admission/validate-input.ts';

// The dual-write runbook's evidence artifact, made automatic: one JSON document that explains a rollback end to end.
export async function buildEvidence(db: Db, rawId: string) {
  const eventId = requireUuid(rawId, 'event_id');
  const event = await getEvent(db, eventId);
  if (!event) throw new AppError('NOT_FOUND', `rollback ${eventId} not found`);
  const [from, target, votes, snapshots, audit] = await Promise.all([
    getDeployment(db, event.deploymentId),
    event.targetDeploymentId ? getDeployment(db, event.targetDeploymentId) : null,
    findVotes(db, eventId),
    findEventSnapshots(db, eventId),
    findAuditOf(db, eventId),
  ]);
  const steps = event.rollbackSteps;
  const validation = event.constitutionalValidation;
  return {
    evidence_version: 1,
    generated_at: new Date().toISOString(),
    event_id: event.eventId,
    status: event.status,
    status_reason: event.statusReason,
    service: event.service,
    environment: event.environment,
    trigger: { type: event.triggerType, reason: event.triggerReason, data: event.triggerData, initiated_by: event.initiatedBy, initiated_at: event.initiatedAt.toISOString() },
    deployment: from ? deploymentItem(from) : null,
    target: target ? deploymentItem(target) : null,
    plan: event.rollbackPlan,
    plan_hash: event.planHash,
    policy_version: validation?.policy_version ?? null,
    validation: event.constitutionalValidation,
    approvals: { required: approvalsNeeded(event), override_requested: event.overrideRequested, votes: votes.map(approvalItem) },
    steps,
    verification: steps.find((s) => s.step === 'verify')?.detail ?? null,
    snapshots: snapshots.map((s) => ({
      snapshot_id: s.snapshotId,
      type: s.snapshotType,
      created_at: s.createdAt.toISOString(),
      database_schema_hash: s.databaseSchemaHash,
      table_counts: s.tableCounts,
      key_metrics: s.keyMetrics,
      environment_config: s.environmentConfig,
    })),
    audit: audit.map((a) => ({ at: a.at.toISOString(), actor: a.actor, source: a.source, action: a.action, reason: a.reason, result: a.result, severity: a.severity, hash: a.hash })),
    timing: {
      initiated_at: event.initiatedAt.toISOString(),
      approved_at: event.approvedAt?.toISOString() ?? null,
      started_at: event.startedAt?.toISOString() ?? null,
      completed_at: event.completedAt?.toISOString() ?? null,
    },
  };
}
