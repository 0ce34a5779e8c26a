// Timestamps are stored to the millisecond (precision 3): JavaScript dates round-trip exactly, so comparing a row
// with a value read from it never sees the row as later than itself.
import { pgSchema } from 'drizzle-orm/pg-core';

// Everything backstop owns lives in one schema, as in the seed runbook (ops.*).
export const ops = pgSchema('ops');

export const deploymentStatus = ops.enum('deployment_status', [
  'pending',
  'in_progress',
  'success',
  'failed',
  'rolled_back',
]);

/** The lifecycle, in order: active statuses (at most one rollback per service and environment), then final ones. */
export const ACTIVE_ROLLBACK_STATUSES = ['requested', 'awaiting_approval', 'approved', 'queued', 'running', 'verifying'] as const;
export const FINAL_ROLLBACK_STATUSES = ['succeeded', 'failed', 'rejected', 'expired', 'cancelled'] as const;
/** The active statuses that belong to the worker: waiting for one (approved, queued) or held by one (running, verifying). */
export const WORKER_ROLLBACK_STATUSES = ['approved', 'queued', 'running', 'verifying'] as const satisfies readonly (typeof ACTIVE_ROLLBACK_STATUSES)[number][];

export const rollbackStatus = ops.enum('rollback_status', [...ACTIVE_ROLLBACK_STATUSES, ...FINAL_ROLLBACK_STATUSES]);

export const triggerType = ops.enum('trigger_type', ['automatic', 'manual', 'alert']);
export const approvalDecision = ops.enum('approval_decision', ['approve', 'reject']);
export const actionSource = ops.enum('action_source', ['discord', 'api', 'cli', 'system']);
export const snapshotType = ops.enum('snapshot_type', [
  'pre_deployment',
  'post_deployment',
  'pre_rollback',
  'post_rollback',
]);
export const reversibility = ops.enum('reversibility', ['expand', 'reversible', 'destructive', 'irreversible']);
