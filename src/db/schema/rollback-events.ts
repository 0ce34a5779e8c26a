import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { deployments } from './deployments.ts';
import { ACTIVE_ROLLBACK_STATUSES, ops, rollbackStatus, triggerType } from './ops.ts';
// Types only (erased at run time): the jsonb columns hold these shapes, so readers need no casts.
import type { Action } from '../../config/monitoring-schema.ts';
import type { ValidationResult } from '../../constitution/types.ts';
import type { StepEntry } from '../../pipeline/ledger.ts';
import type { RollbackPlan } from '../../core/plan.ts';

/** What a rollback row remembers beside its columns. */
export interface RollbackMetadata {
  requester_name?: string | null;
  source?: string;
  /** The monitor's action that asked for it, or raised it later. */
  automation?: Action;
  /** auto_with_veto: when it starts by itself unless someone rejects it. */
  auto_at?: string;
  /** Why a pending rollback was raised to automatic. */
  raised_by?: string;
}

export const rollbackEvents = ops.table(
  'rollback_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id').notNull().unique(),
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.deploymentId),
    targetDeploymentId: uuid('target_deployment_id').references(() => deployments.deploymentId),
    // Copied from the deployment so the one-active-rollback index needs no join.
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    triggerType: triggerType('trigger_type').notNull(),
    triggerReason: text('trigger_reason').notNull(),
    triggerData: jsonb('trigger_data').$type<Record<string, unknown>>(),
    initiatedBy: text('initiated_by'),
    initiatedAt: timestamp('initiated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    status: rollbackStatus('status').notNull(),
    statusReason: text('status_reason'),
    rollbackPlan: jsonb('rollback_plan').$type<RollbackPlan>(),
    planHash: text('plan_hash'),
    constitutionalValidation: jsonb('constitutional_validation').$type<ValidationResult>(),
    overrideRequested: boolean('override_requested').notNull().default(false),
    approvalsRequired: integer('approvals_required').notNull(),
    requesterCounts: boolean('requester_counts').notNull().default(true),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }),
    rollbackSteps: jsonb('rollback_steps').$type<StepEntry[]>().notNull().default(sql`'[]'::jsonb`),
    // Fencing token: bumped by every claim; a worker may only write while it holds the latest value.
    claimFence: integer('claim_fence').notNull().default(0),
    claimedBy: text('claimed_by'),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true, precision: 3 }),
    approvedAt: timestamp('approved_at', { withTimezone: true, precision: 3 }),
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }),
    completedAt: timestamp('completed_at', { withTimezone: true, precision: 3 }),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    metadata: jsonb('metadata').$type<RollbackMetadata>(),
  },
  (t) => [
    // At most one active rollback per service and environment (drizzle-orm#4790: predicate as sql``).
    uniqueIndex('rollback_events_one_active_idx')
      .on(t.service, t.environment)
      .where(
        // Built from the one list (fixed literals, never input), so the index and the queries cannot drift apart.
        sql.raw(`status in (${ACTIVE_ROLLBACK_STATUSES.map((s) => `'${s}'`).join(', ')})`),
      ),
    // DESC NULLS FIRST is what `order by … desc` means; drizzle's plain desc() writes NULLS LAST, which the planner
    // cannot use for that order, and history became a sort of the whole table (found by bench/history.ts).
    index('rollback_events_history_idx').on(t.initiatedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('rollback_events_service_history_idx').on(t.service, t.initiatedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('rollback_events_deployment_idx').on(t.deploymentId),
    // The monitor's recheck, every tick: finished rollbacks of the last day or so, never a scan of every rollback.
    index('rollback_events_completed_idx').on(t.completedAt).where(sql`status in ('succeeded', 'failed')`),
  ],
);

export type RollbackEventRow = typeof rollbackEvents.$inferSelect;
