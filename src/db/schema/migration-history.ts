import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { deployments } from './deployments.ts';
import { ops, reversibility } from './ops.ts';

export const migrationHistory = ops.table(
  'migration_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => deployments.deploymentId),
    // The deployment's, copied on insert by a trigger (migration 0013), whatever a writer passes: a service's schema
    // state is read by service and environment, and through the deployments it was a scan of every service's history.
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    migrationName: text('migration_name').notNull(),
    migrationHash: text('migration_hash').notNull(),
    reversibility: reversibility('reversibility').notNull(),
    appliedAt: timestamp('applied_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    rolledBackAt: timestamp('rolled_back_at', { withTimezone: true, precision: 3 }),
    rollbackSuccessful: boolean('rollback_successful'),
    executionTimeMs: integer('execution_time_ms'),
    errorMessage: text('error_message'),
    rollbackScript: text('rollback_script'),
    metadata: jsonb('metadata'),
  },
  // The seed makes migration_name globally unique; services share names like 0001_init, so it is per deployment here.
  (t) => [
    unique('migration_history_deployment_name_uq').on(t.deploymentId, t.migrationName),
    // A service's applied migrations in the order applied (appliedMigrationsJson, storedFactsQuery).
    index('migration_history_applied_idx').on(t.service, t.environment, t.appliedAt, t.id).where(sql`rolled_back_at is null`),
  ],
);

export type MigrationRow = typeof migrationHistory.$inferSelect;
