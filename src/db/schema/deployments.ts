import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, jsonb, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { deploymentStatus, ops } from './ops.ts';

export const deployments = ops.table(
  'deployments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deploymentId: uuid('deployment_id').notNull().unique().default(sql`gen_random_uuid()`),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    version: text('version').notNull(),
    gitCommit: text('git_commit').notNull(),
    gitBranch: text('git_branch'),
    deployedBy: text('deployed_by'),
    deployedAt: timestamp('deployed_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    status: deploymentStatus('status').notNull().default('in_progress'),
    // Set on the deployment row that a rollback created: which bad deployment it replaced.
    rollbackFrom: uuid('rollback_from'),
    healthCheckPassed: boolean('health_check_passed').notNull().default(false),
    healthCheckDetails: jsonb('health_check_details'),
    constitutionalValidation: jsonb('constitutional_validation'),
    metadata: jsonb('metadata'),
    completedAt: timestamp('completed_at', { withTimezone: true, precision: 3 }),
    rolledBackAt: timestamp('rolled_back_at', { withTimezone: true, precision: 3 }),
    // A version that was rolled back is never a rollback target again.
    quarantined: boolean('quarantined').notNull().default(false),
    // The monitor watches a new deployment until this time; null when it was recorded without watching.
    watchEndsAt: timestamp('watch_ends_at', { withTimezone: true, precision: 3 }),
    // How the watch ended: healthy | unhealthy | rolled_back | superseded; null while it is under watch.
    watchResult: text('watch_result'),
    // Recorded while a freeze held its service and environment: the gate's reasons at that moment (null when none).
    // CI may deploy past the gate; backstop records it anyway, flagged, and the card says so.
    frozenBy: jsonb('frozen_by').$type<string[]>(),
  },
  (t) => [
    index('deployments_service_env_time_idx').on(t.service, t.environment, t.deployedAt.desc().nullsFirst()),
    // Newest first across services (autocomplete's recent deployments).
    index('deployments_time_idx').on(t.deployedAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    // The monitor's read per tick: every deployment still under watch, a page at a time in (watch_ends_at, id) order
    // (deployments recorded together share watch_ends_at, so id makes each page a seek instead of a rescan).
    index('deployments_under_watch_idx').on(t.watchEndsAt, t.id).where(sql`watch_ends_at is not null and watch_result is null`),
  ],
);

export type DeploymentRow = typeof deployments.$inferSelect;
