import type { ApprovalRow, DeploymentRow, RollbackEventRow } from '../db/schema/index.ts';
import { approvalsNeeded } from '../admission/approval-state.ts';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** A history row in the seed's shape (GET /auto-rollback/history), plus service, environment, target and approvals required. */
export function historyItem(e: RollbackEventRow) {
  return {
    id: e.id,
    event_id: e.eventId,
    deployment_id: e.deploymentId,
    target_deployment_id: e.targetDeploymentId,
    service: e.service,
    environment: e.environment,
    trigger_type: e.triggerType,
    trigger_reason: e.triggerReason,
    initiated_by: e.initiatedBy,
    initiated_at: iso(e.initiatedAt),
    status: e.status,
    status_reason: e.statusReason,
    approvals_required: approvalsNeeded(e),
    rollback_steps: e.rollbackSteps,
    completed_at: iso(e.completedAt),
  };
}

export function approvalItem(a: ApprovalRow) {
  return {
    approver: a.approver,
    approver_name: a.approverName,
    decision: a.decision,
    reason: a.reason,
    source: a.source,
    plan_hash: a.planHash,
    with_override_role: a.withOverrideRole,
    decided_at: iso(a.decidedAt),
  };
}

/** Everything about one rollback: state, plan, validation, approvals and the step ledger. */
export function eventDetail(e: RollbackEventRow, approvals: ApprovalRow[]) {
  return {
    ...historyItem(e),
    trigger_data: e.triggerData,
    rollback_plan: e.rollbackPlan,
    plan_hash: e.planHash,
    validation: e.constitutionalValidation,
    override_requested: e.overrideRequested,
    requester_counts: e.requesterCounts,
    approvals: approvals.map(approvalItem),
    expires_at: iso(e.expiresAt),
    approved_at: iso(e.approvedAt),
    started_at: iso(e.startedAt),
    updated_at: iso(e.updatedAt),
  };
}

export function deploymentItem(d: DeploymentRow) {
  return {
    deployment_id: d.deploymentId,
    service: d.service,
    environment: d.environment,
    version: d.version,
    git_commit: d.gitCommit,
    git_branch: d.gitBranch,
    deployed_by: d.deployedBy,
    deployed_at: iso(d.deployedAt),
    status: d.status,
    health_check_passed: d.healthCheckPassed,
    quarantined: d.quarantined,
    frozen_by: d.frozenBy,
    rollback_from: d.rollbackFrom,
    completed_at: iso(d.completedAt),
    rolled_back_at: iso(d.rolledBackAt),
  };
}

/** The seed's target_deployment shape. */
export const targetItem = (t: { deployment_id: string; version: string; git_commit: string; deployed_at: string; health_check_passed: boolean }) => ({
  deployment_id: t.deployment_id,
  version: t.version,
  git_commit: t.git_commit,
  deployed_at: t.deployed_at,
  health_check_passed: t.health_check_passed,
});

export function encodeCursor(e: RollbackEventRow): string {
  return Buffer.from(JSON.stringify([e.initiatedAt.toISOString(), e.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { initiatedAt: Date; id: number } | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, number];
    const date = new Date(at);
    if (Number.isNaN(date.getTime()) || !Number.isSafeInteger(id)) return null;
    return { initiatedAt: date, id };
  } catch {
    return null;
  }
}
